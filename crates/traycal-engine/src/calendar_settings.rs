//! A calendar's own settings, apart from its source's: shown or hidden, colour, which
//! way it syncs, and the one calendar new events go to by default.
//!
//! Invariants: a hidden calendar still syncs (showing it again needs no download)
//! but is left out of the agenda, the tray and the reminders; a read-only calendar
//! and a feed's stay pulled only (`invalid_input`, naming why, otherwise); the default
//! calendar is one that takes new events, and it is forgotten when it no longer can
//! (removed, hidden from writing by its direction or rights): the editor then offers
//! the first writable one.

use traycal_store::{CalendarId, CalendarPatch, SyncDirection};

use crate::error::{EngineError, Result};
use crate::sources::{color_edit, CalendarInfo};
use crate::Engine;

/// The `app_settings` key of the default calendar for new events.
pub(crate) const DEFAULT_CALENDAR: &str = "calendar.default";

/// A change to a calendar as the settings window sends it: each `None` leaves the
/// setting as it is.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct CalendarEdit {
    pub shown: Option<bool>,
    /// `""` goes back to the account's colour.
    pub color: Option<String>,
    /// `two_way`, `pull_only` or `push_only`.
    pub direction: Option<String>,
    /// `true` makes it the calendar new events go to (`false` forgets it if it was).
    pub default: Option<bool>,
}

impl Engine {
    /// Applies a [`CalendarEdit`], validating every field before changing anything.
    pub async fn edit_calendar(&self, id: i64, edit: CalendarEdit) -> Result<CalendarInfo> {
        let color = color_edit(edit.color)?;
        let direction = match edit.direction.as_deref() {
            None => None,
            Some(d) => Some(SyncDirection::parse(d).ok_or_else(|| {
                EngineError::InvalidInput(format!(
                    "direction {d:?} is not two_way, pull_only or push_only"
                ))
            })?),
        };
        let patch = CalendarPatch {
            hidden: edit.shown.map(|s| !s),
            color,
            direction,
        };
        let default = edit.default;
        self.with_mirror(move |m| {
            let row = m
                .calendars()?
                .into_iter()
                .find(|c| c.id.0 == id)
                .ok_or_else(|| EngineError::InvalidInput(format!("no calendar with id {id}")))?;
            let feed = m
                .source(row.source_id)?
                .is_some_and(|s| s.kind == traycal_store::SourceKind::Ics);
            // Checked before anything is written: a refused edit changes nothing.
            if patch
                .direction
                .is_some_and(|d| d != SyncDirection::PullOnly)
                && (feed || row.read_only)
            {
                return Err(EngineError::InvalidInput(format!(
                    "“{}” can only be pulled: {}",
                    row.name,
                    if feed {
                        "it is a subscribed feed"
                    } else {
                        "the server does not let this account change it"
                    }
                )));
            }
            if default == Some(true) {
                let direction = patch.direction.unwrap_or(row.direction);
                if row.read_only || feed || direction == SyncDirection::PullOnly {
                    return Err(EngineError::InvalidInput(format!(
                        "“{}” cannot take new events, so it cannot be the default calendar",
                        row.name
                    )));
                }
            }
            m.update_calendar(CalendarId(id), &patch)?;
            match default {
                Some(true) => m.set_app_setting(DEFAULT_CALENDAR, Some(&id.to_string()))?,
                Some(false) if m.app_setting(DEFAULT_CALENDAR)? == Some(id.to_string()) => {
                    m.set_app_setting(DEFAULT_CALENDAR, None)?
                }
                _ => {}
            }
            Ok(())
        })
        .await?;
        self.calendars()
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| EngineError::InvalidInput(format!("no calendar with id {id}")))
    }
}

/// The calendar stored as the default for new events, if any (read inside the
/// caller's mirror access: no second round trip).
pub(crate) fn stored_default(m: &traycal_store::Mirror) -> Result<Option<i64>> {
    Ok(m.app_setting(DEFAULT_CALENDAR)?
        .and_then(|v| v.parse().ok()))
}
