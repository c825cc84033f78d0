//! Creating, editing and deleting events here: the fields a person gives become the
//! object's new text through [`traycal_core::edit`] (UID, DTSTAMP, SEQUENCE, the
//! VTIMEZONEs it uses), which [`Engine::record_local_object`] records in the mirror
//! with its outbox entry. The edit shows at once; the calendar's next sync pushes it.
//!
//! Invariants: an edit starts from the object's current text (the pending local
//! version, else the agreed one), so nothing of an earlier edit or of the server's
//! unknown properties is lost; a calendar that cannot be changed refuses
//! (`store.calendar_read_only`) before anything is written; an event is named by its
//! UID, and one that several calendars hold must be named with its calendar.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use traycal_core::edit::{self, DraftTime, EventDraft};
use traycal_core::expand::Stamp;
use traycal_store::{CalendarId, ObjectKey, ObjectState, Recorded, RemoteObject};

use crate::error::{EngineError, Result};
use crate::Engine;

/// When an event starts or ends, as a person gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenGiven {
    /// A wall-clock time (in the event's zone).
    At(NaiveDateTime),
    /// A day, for all-day events.
    Day(NaiveDate),
}

/// The fields of an event to create, or to change (`None`: keep).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFields {
    /// Title.
    pub title: Option<String>,
    /// Start.
    pub start: Option<WhenGiven>,
    /// End (for all-day events, the last day, inclusive).
    pub end: Option<WhenGiven>,
    /// IANA zone of the times; the system's when not given.
    pub zone: Option<String>,
    /// Location (`Some("")` removes it).
    pub location: Option<String>,
    /// Description (`Some("")` removes it).
    pub description: Option<String>,
}

/// An event written here.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WrittenEvent {
    /// Its UID.
    pub uid: String,
    /// Its calendar.
    pub calendar_id: i64,
    /// The occurrence changed (`None`: the whole event).
    pub occurrence: Option<String>,
    /// Whether the change waits to be pushed (`false`: a creation undone before it
    /// reached the server left nothing to do).
    pub pending: bool,
}

/// The system's IANA zone: `TZ`, else `/etc/timezone`, else where `/etc/localtime`
/// points.
pub fn system_zone() -> Option<String> {
    let known = |name: &str| {
        traycal_core::tz::iana_zone(name)
            .is_some()
            .then(|| name.to_owned())
    };
    if let Ok(tz) = std::env::var("TZ") {
        if let Some(z) = known(tz.trim_start_matches(':')) {
            return Some(z);
        }
    }
    if let Ok(text) = std::fs::read_to_string("/etc/timezone") {
        if let Some(z) = known(text.trim()) {
            return Some(z);
        }
    }
    let target = std::fs::read_link("/etc/localtime").ok()?;
    let path = target.to_string_lossy();
    let name = path.split("zoneinfo/").nth(1)?;
    known(name)
}

/// A draft time for `when` in `zone` (`None`: UTC).
fn draft_time(when: WhenGiven, zone: Option<&str>, end_of_all_day: bool) -> DraftTime {
    match when {
        WhenGiven::Day(d) => {
            // The form's last day is inclusive; the text's end is exclusive.
            DraftTime::Date(if end_of_all_day {
                d.succ_opt().unwrap_or(d)
            } else {
                d
            })
        }
        WhenGiven::At(t) => match zone {
            Some(z) => DraftTime::zoned(t, z),
            None => DraftTime::Utc(t),
        },
    }
}

/// `fields` laid over `draft` (an existing event's), or a new draft from them.
fn apply_fields(draft: Option<EventDraft>, fields: &EventFields) -> Result<EventDraft> {
    let zone = fields.zone.clone().or_else(system_zone);
    let zone_of = |existing: Option<&DraftTime>| -> Option<String> {
        fields
            .zone
            .clone()
            .or_else(|| existing.and_then(|t| t.tzid().map(str::to_owned)))
            .or_else(|| zone.clone())
    };
    let mut draft = match draft {
        Some(d) => d,
        None => {
            let start = fields.start.ok_or_else(|| {
                EngineError::InvalidInput("a new event needs a start (--start)".into())
            })?;
            let end = match (fields.end, start) {
                (Some(e), _) => e,
                (None, WhenGiven::Day(d)) => WhenGiven::Day(d),
                (None, WhenGiven::At(t)) => WhenGiven::At(t + chrono::Duration::hours(1)),
            };
            let z = zone_of(None);
            EventDraft::new(
                fields.title.clone().unwrap_or_default(),
                draft_time(start, z.as_deref(), false),
                draft_time(end, z.as_deref(), true),
            )
        }
    };
    if let Some(title) = &fields.title {
        draft.title = title.clone();
    }
    if fields.start.is_some() || fields.end.is_some() || fields.zone.is_some() {
        let z = zone_of(Some(&draft.start));
        let z = z.as_deref();
        // A changed start keeps the event's length unless an end is given too.
        let keep_length = fields.end.is_none();
        if let Some(s) = fields.start {
            let old_start = draft.start.clone();
            draft.start = draft_time(s, z, false);
            if keep_length {
                if let (Some(a), Some(b), Some(e)) =
                    (wall(&old_start), wall(&draft.start), wall(&draft.end))
                {
                    let moved = e + (b - a);
                    draft.end = match (&draft.start, moved) {
                        (DraftTime::Date(_), _) => DraftTime::Date(moved.date()),
                        _ => draft_time(WhenGiven::At(moved), z, false),
                    };
                }
            }
        }
        if let Some(e) = fields.end {
            draft.end = draft_time(e, z, true);
        }
        if fields.start.is_none() && fields.end.is_none() {
            // Only the zone changed: the same wall times in the new zone.
            if let (Some(s), Some(e)) = (wall(&draft.start), wall(&draft.end)) {
                if !draft.start.is_date() {
                    draft.start = draft_time(WhenGiven::At(s), z, false);
                    draft.end = draft_time(WhenGiven::At(e), z, false);
                }
            }
        }
    }
    if let Some(l) = &fields.location {
        draft.location = Some(l.clone());
    }
    if let Some(d) = &fields.description {
        draft.description = Some(d.clone());
    }
    draft
        .check()
        .map_err(|e| EngineError::InvalidInput(e.to_string()))?;
    Ok(draft)
}

/// The wall-clock reading of a draft time (midnight for a date).
fn wall(t: &DraftTime) -> Option<NaiveDateTime> {
    match t {
        DraftTime::Zoned { local, .. } | DraftTime::Utc(local) | DraftTime::Floating(local) => {
            Some(*local)
        }
        DraftTime::Date(d) => d.and_hms_opt(0, 0, 0),
    }
}

fn edit_failed(e: edit::EditError) -> EngineError {
    EngineError::InvalidInput(e.to_string())
}

fn new_uid(now: i64) -> String {
    format!("{now:x}-{:016x}@traycal", fastrand::u64(..))
}

impl Engine {
    /// Creates an event in `calendar` from `fields`.
    pub async fn create_event(&self, calendar: i64, fields: &EventFields) -> Result<WrittenEvent> {
        let now = self.now();
        let draft = apply_fields(None, fields)?;
        let uid = new_uid(now);
        let text = edit::create_event(&draft, &uid, utc(now)).map_err(edit_failed)?;
        let recorded = self
            .record_local_object(CalendarId(calendar), &uid, Some(text))
            .await?;
        Ok(WrittenEvent {
            uid,
            calendar_id: calendar,
            occurrence: None,
            pending: matches!(recorded, Recorded::Queued(..)),
        })
    }

    /// Changes an event (or one `occurrence` of a series, named by its
    /// RECURRENCE-ID such as `20260303T090000Z`) with `fields`.
    pub async fn edit_event(
        &self,
        uid: &str,
        calendar: Option<i64>,
        occurrence: Option<&str>,
        fields: &EventFields,
    ) -> Result<WrittenEvent> {
        let object = self.editable_object(uid, calendar).await?;
        let current = current_text(&object)?;
        let now = self.now();
        let text = match occurrence {
            None => {
                let draft = edit::read_draft(&current).map_err(edit_failed)?;
                let draft = apply_fields(Some(draft), fields)?;
                edit::update_event(&current, &draft, utc(now)).map_err(edit_failed)?
            }
            Some(rid) => {
                let stamp = instance(rid)?;
                let draft = edit::read_occurrence_draft(&current, stamp).map_err(edit_failed)?;
                let draft = apply_fields(Some(draft), fields)?;
                edit::update_occurrence(&current, stamp, &draft, utc(now)).map_err(edit_failed)?
            }
        };
        self.write_object(&object, occurrence, Some(text)).await
    }

    /// Deletes an event, or one `occurrence` of a series.
    pub async fn delete_event(
        &self,
        uid: &str,
        calendar: Option<i64>,
        occurrence: Option<&str>,
    ) -> Result<WrittenEvent> {
        let object = self.editable_object(uid, calendar).await?;
        let text = match occurrence {
            None => None,
            Some(rid) => {
                let current = current_text(&object)?;
                let stamp = instance(rid)?;
                Some(
                    edit::delete_occurrence(&current, stamp, utc(self.now()))
                        .map_err(edit_failed)?,
                )
            }
        };
        self.write_object(&object, occurrence, text).await
    }

    /// Changes one `occurrence` of a series and every one after it: the series is cut
    /// there and a new series (a new UID) starts with `fields` applied, both written
    /// in one transaction. From the series' first occurrence, the whole series.
    pub async fn edit_following(
        &self,
        uid: &str,
        calendar: Option<i64>,
        occurrence: &str,
        fields: &EventFields,
    ) -> Result<WrittenEvent> {
        let (object, current, stamp, draft) = self.occurrence_of(uid, calendar, occurrence).await?;
        let now = self.now();
        let draft = apply_fields(Some(draft), fields)?;
        let new = new_uid(now);
        let split = match edit::split_series(&current, stamp, &draft, &new, utc(now)) {
            Ok(split) => split,
            Err(edit::EditError::SplitAtStart) => {
                return self.edit_event(uid, calendar, None, fields).await
            }
            Err(e) => return Err(edit_failed(e)),
        };
        let recorded = self
            .record_local_objects(
                object.calendar_id,
                vec![
                    (object.uid.clone(), Some(split.old)),
                    (new.clone(), Some(split.new)),
                ],
            )
            .await?;
        Ok(WrittenEvent {
            uid: new,
            calendar_id: object.calendar_id.0,
            occurrence: None,
            pending: recorded.iter().any(|r| matches!(r, Recorded::Queued(..))),
        })
    }

    /// Deletes one `occurrence` of a series and every one after it (the series ends
    /// before it). From the series' first occurrence, the whole event.
    pub async fn delete_following(
        &self,
        uid: &str,
        calendar: Option<i64>,
        occurrence: &str,
    ) -> Result<WrittenEvent> {
        let (object, current, stamp, draft) = self.occurrence_of(uid, calendar, occurrence).await?;
        let now = self.now();
        // The cut leaves the series up to the occurrence; the part from it on, which
        // a split would start anew, is simply not written.
        let cut = match edit::split_series(&current, stamp, &draft, &new_uid(now), utc(now)) {
            Ok(split) => Some(split.old),
            Err(edit::EditError::SplitAtStart) => None,
            Err(e) => return Err(edit_failed(e)),
        };
        self.write_object(&object, Some(occurrence), cut).await
    }

    /// The object holding `uid`, its current text, and the occurrence `occurrence` of
    /// it as a stamp and as a draft.
    async fn occurrence_of(
        &self,
        uid: &str,
        calendar: Option<i64>,
        occurrence: &str,
    ) -> Result<(RemoteObject, String, Stamp, EventDraft)> {
        let object = self.editable_object(uid, calendar).await?;
        let current = current_text(&object)?;
        let stamp = instance(occurrence)?;
        let draft = edit::read_occurrence_draft(&current, stamp).map_err(edit_failed)?;
        Ok((object, current, stamp, draft))
    }

    /// Records `text` (`None`: deleted) as the object's new local version.
    async fn write_object(
        &self,
        object: &RemoteObject,
        occurrence: Option<&str>,
        text: Option<String>,
    ) -> Result<WrittenEvent> {
        let recorded = self
            .record_local_object(object.calendar_id, &object.uid, text)
            .await?;
        Ok(WrittenEvent {
            uid: object.uid.clone(),
            calendar_id: object.calendar_id.0,
            occurrence: occurrence.map(str::to_owned),
            pending: matches!(recorded, Recorded::Queued(..)),
        })
    }

    /// The object holding `uid` that may be changed here: named by its calendar when
    /// several hold it; a read-only calendar's event refuses by name.
    async fn editable_object(&self, uid: &str, calendar: Option<i64>) -> Result<RemoteObject> {
        let uid = uid.to_owned();
        self.with_mirror(move |m| {
            let mut found: Vec<RemoteObject> = Vec::new();
            let mut read_only: Option<String> = None;
            for c in m.calendars()? {
                if calendar.is_some_and(|id| id != c.id.0) {
                    continue;
                }
                let key = ObjectKey {
                    calendar: c.id,
                    uid: &uid,
                    instance: "",
                };
                if let Some(o) = m.remote_object(&key)? {
                    if o.state != ObjectState::Deleted {
                        found.push(o);
                    }
                } else if m.event_index(c.id)?.iter().any(|e| e.uid == uid) {
                    read_only = Some(c.name.clone());
                    if c.read_only || c.direction == traycal_store::SyncDirection::PullOnly {
                        return Err(EngineError::Store(
                            traycal_store::StoreError::CalendarReadOnly {
                                calendar: c.id.0,
                                name: c.name,
                            },
                        ));
                    }
                }
            }
            match found.len() {
                1 => Ok(found.remove(0)),
                0 => Err(EngineError::InvalidInput(match read_only {
                    Some(name) => format!("the event {uid} in “{name}” cannot be edited here"),
                    None => format!("no event with UID {uid}"),
                })),
                n => Err(EngineError::InvalidInput(format!(
                    "{n} calendars hold an event with UID {uid}: name one with --calendar"
                ))),
            }
        })
        .await
    }
}

fn current_text(object: &RemoteObject) -> Result<String> {
    object
        .current()
        .map(str::to_owned)
        .ok_or_else(|| EngineError::InvalidInput(format!("the event {} was deleted", object.uid)))
}

/// An occurrence named as `agenda --json` shows it (`2026-03-03T09:00:00Z`) or as a
/// RECURRENCE-ID value is written (`20260303T090000Z`, `20260303`).
fn instance(rid: &str) -> Result<Stamp> {
    let t = rid.trim();
    let (body, z) = match t.strip_suffix('Z') {
        Some(b) => (b, "Z"),
        None => (t, ""),
    };
    let extended = if let Ok(d) = NaiveDate::parse_from_str(body, "%Y%m%d") {
        Some(d.format("%Y-%m-%d").to_string())
    } else {
        NaiveDateTime::parse_from_str(body, "%Y%m%dT%H%M%S")
            .ok()
            .map(|n| format!("{}{z}", n.format("%Y-%m-%dT%H:%M:%S")))
    };
    extended
        .as_deref()
        .and_then(Stamp::parse)
        .or_else(|| Stamp::parse(t))
        .ok_or_else(|| {
            EngineError::InvalidInput(format!(
                "{rid:?} is not an occurrence id: use its RECURRENCE-ID, such as 20260303T090000Z"
            ))
        })
}

fn utc(now: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(now, 0).unwrap_or_default()
}
