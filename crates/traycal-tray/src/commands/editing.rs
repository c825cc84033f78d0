//! Commands that change events and calendars: the calendars and their own settings
//! (shown, colour, direction, default), the editor's form of an event, and creating,
//! editing and deleting (one occurrence, this and the following ones, or the whole
//! series).
//!
//! Every change is recorded in the mirror with its outbox entry before the command
//! answers (it shows at once and survives a crash or being offline); the calendar's
//! source then syncs in the background, which pushes it. The windows hear
//! `MirrorChanged` (`event_edited`) at once and again when the sync wrote.
//!
//! Invariant: an edit names its event by UID and calendar (never by a row id, which a
//! sync may renumber) and its occurrence by the RECURRENCE-ID the agenda gave.

use serde::{Deserialize, Serialize};
use traycal_engine::calendar_settings::CalendarEdit;
use traycal_engine::local_edit::{EventFields, EventForm, WhenGiven, WrittenEvent};
use traycal_engine::sources::CalendarInfo;

use super::{IpcError, IpcErrorCode, IpcResult};
use std::sync::Arc;

use crate::shell::Shell;

/// An event as the editor sends it: each field `null` keeps what the event has (a new
/// event needs a start).
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
pub struct EventInput {
    pub title: Option<String>,
    /// `YYYY-MM-DDTHH:MM`, or `YYYY-MM-DD` for an all-day event.
    pub start: Option<String>,
    /// Like `start`; for an all-day event its last day (inclusive).
    pub end: Option<String>,
    /// The IANA zone of `start` and `end` (`null`: the event's own zone, or UTC or
    /// floating as it is written; for a new event, the system's).
    pub zone: Option<String>,
    /// `""` removes it.
    pub location: Option<String>,
    /// `""` removes it.
    pub description: Option<String>,
    /// An RRULE value (`FREQ=WEEKLY;BYDAY=MO`); `""` makes the event one-off.
    pub repeat: Option<String>,
    /// The reminder before the start.
    pub reminder: Option<ReminderInput>,
}

/// An event's reminder as the editor sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ReminderInput {
    /// No reminder.
    None,
    /// This many minutes before the start.
    Minutes(u32),
}

/// The event (or occurrence) an edit is about, as the agenda names it.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct EditTarget {
    pub uid: String,
    pub calendar_id: i64,
    /// The occurrence's RECURRENCE-ID (the agenda entry's `recurrence_id`); `null` or
    /// `""` for a one-off event.
    pub recurrence_id: Option<String>,
}

/// Which occurrences of a series an edit or delete reaches (ignored for a one-off
/// event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum EditScope {
    /// This occurrence only (an override, or an excluded date).
    This,
    /// This occurrence and every one after it (the series is cut here).
    Following,
    /// Every occurrence: the whole series.
    All,
}

impl EditTarget {
    fn occurrence(&self) -> Option<&str> {
        self.recurrence_id
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
    }
}

/// A form value as a start or an end: a day, or a wall-clock time.
fn when(field: &str, text: Option<&str>) -> IpcResult<Option<WhenGiven>> {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(Some(WhenGiven::Day(d)));
    }
    chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S"))
        .map(|t| Some(WhenGiven::At(t)))
        .map_err(|_| {
            IpcError::new(
                IpcErrorCode::InvalidInput,
                format!("the {field} {t:?} is not a day (YYYY-MM-DD) or a time (YYYY-MM-DDTHH:MM)"),
            )
        })
}

impl EventInput {
    fn fields(&self) -> IpcResult<EventFields> {
        let start = when("start", self.start.as_deref())?;
        let end = when("end", self.end.as_deref())?;
        if let (Some(s), Some(e)) = (start, end) {
            if matches!(s, WhenGiven::Day(_)) != matches!(e, WhenGiven::Day(_)) {
                return Err(IpcError::new(
                    IpcErrorCode::InvalidInput,
                    "the start and the end must both be days or both be times",
                ));
            }
        }
        Ok(EventFields {
            title: self.title.clone(),
            start,
            end,
            zone: self.zone.clone().filter(|z| !z.trim().is_empty()),
            location: self.location.clone(),
            description: self.description.clone(),
            repeat: self.repeat.clone(),
            reminder_minutes: self.reminder.map(|r| match r {
                ReminderInput::None => None,
                ReminderInput::Minutes(m) => Some(m),
            }),
        })
    }
}

/// Every calendar, with whether Traycal may change its events.
pub async fn calendars(shell: &Arc<Shell>) -> IpcResult<Vec<CalendarInfo>> {
    Ok(shell.engine.calendars().await?)
}

/// Changes a calendar's own settings (shown, colour, direction, default calendar).
pub async fn update_calendar(
    shell: &Arc<Shell>,
    id: i64,
    edit: CalendarEdit,
) -> IpcResult<CalendarInfo> {
    let info = shell.engine.edit_calendar(id, edit).await?;
    shell.mirror_changed("calendar_edited");
    Ok(info)
}

/// What the editor shows for an event, or for one occurrence of a series.
pub async fn event_form(shell: &Arc<Shell>, target: EditTarget) -> IpcResult<EventForm> {
    Ok(shell
        .engine
        .event_form(&target.uid, Some(target.calendar_id), target.occurrence())
        .await?)
}

/// Creates an event in a calendar.
pub async fn create_event(
    shell: &Arc<Shell>,
    calendar_id: i64,
    fields: EventInput,
) -> IpcResult<WrittenEvent> {
    let written = shell
        .engine
        .create_event(calendar_id, &fields.fields()?)
        .await?;
    changed(shell, calendar_id).await;
    Ok(written)
}

/// Changes an event, one occurrence, this and the following ones, or the whole series.
pub async fn edit_event(
    shell: &Arc<Shell>,
    target: EditTarget,
    scope: EditScope,
    fields: EventInput,
) -> IpcResult<WrittenEvent> {
    let f = fields.fields()?;
    let (uid, cal) = (target.uid.as_str(), Some(target.calendar_id));
    let written = match (target.occurrence(), scope) {
        (None, _) | (Some(_), EditScope::All) => {
            shell.engine.edit_event(uid, cal, None, &f).await?
        }
        (Some(rid), EditScope::This) => shell.engine.edit_event(uid, cal, Some(rid), &f).await?,
        (Some(rid), EditScope::Following) => shell.engine.edit_following(uid, cal, rid, &f).await?,
    };
    changed(shell, target.calendar_id).await;
    Ok(written)
}

/// Deletes an event, one occurrence, this and the following ones, or the whole series.
pub async fn delete_event(
    shell: &Arc<Shell>,
    target: EditTarget,
    scope: EditScope,
) -> IpcResult<WrittenEvent> {
    let (uid, cal) = (target.uid.as_str(), Some(target.calendar_id));
    let written = match (target.occurrence(), scope) {
        (None, _) | (Some(_), EditScope::All) => shell.engine.delete_event(uid, cal, None).await?,
        (Some(rid), EditScope::This) => shell.engine.delete_event(uid, cal, Some(rid)).await?,
        (Some(rid), EditScope::Following) => shell.engine.delete_following(uid, cal, rid).await?,
    };
    changed(shell, target.calendar_id).await;
    Ok(written)
}

/// Puts back what a change made here replaced.
pub async fn undo_change(shell: &Arc<Shell>, undo: i64) -> IpcResult<WrittenEvent> {
    let written = shell.engine.undo(undo).await?;
    changed(shell, written.calendar_id).await;
    Ok(written)
}

/// Tells the windows, and pushes the change with a background sync of its source.
async fn changed(shell: &Arc<Shell>, calendar_id: i64) {
    shell.mirror_changed("event_edited");
    let source = match shell.engine.calendars().await {
        Ok(list) => list
            .into_iter()
            .find(|c| c.id == calendar_id)
            .map(|c| c.source_id),
        Err(_) => None,
    };
    // Without its source known the edit still waits in the outbox: the next
    // scheduled sync pushes it.
    if let Some(id) = source {
        shell.sync_in_background(Some(id));
    }
}
