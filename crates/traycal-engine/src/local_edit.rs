//! Creating, editing and deleting events here: the fields a person gives become the
//! object's new text through [`traycal_core::edit`] (UID, DTSTAMP, SEQUENCE, the
//! VTIMEZONEs it uses), which [`Engine::record_local_object`] records in the mirror
//! with its outbox entry. The edit shows at once; the calendar's next sync pushes it.
//!
//! The editor fills its form from [`Engine::event_form`] (the times as the event
//! writes them, its repeat rule and reminder) and sends back [`EventFields`];
//! [`EventForm::fields`] are the fields that write a form as it is.
//!
//! Invariants: an edit starts from the object's current text (the pending local
//! version, else the agreed one), so nothing of an earlier edit or of the server's
//! unknown properties is lost; a calendar that cannot be changed refuses
//! (`store.calendar_read_only`) before anything is written; an event is named by its
//! UID, and one that several calendars hold must be named with its calendar; a form
//! read and sent back unchanged writes nothing (a field given as the form shows it
//! is no change, and an edit that changes no property records nothing, so nothing
//! waits to be pushed).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Timelike, Utc};
use traycal_core::edit::{self, DraftTime, EventDraft};
use traycal_core::expand::Stamp;
use traycal_core::tz::ZoneResolver;
use traycal_store::{CalendarId, ObjectKey, ObjectState, Recorded, RemoteObject};

use crate::error::{EngineError, Result};
use crate::Engine;

/// When an event starts or ends, as a person gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenGiven {
    /// A wall-clock time (in the event's zone, see [`EventFields::zone`]).
    At(NaiveDateTime),
    /// A day, for all-day events.
    Day(NaiveDate),
}

impl WhenGiven {
    /// `YYYY-MM-DD` for a day (`all_day`), else `YYYY-MM-DDTHH:MM` or
    /// `YYYY-MM-DDTHH:MM:SS`; `None` for anything else.
    pub fn parse(text: &str, all_day: bool) -> Option<WhenGiven> {
        let t = text.trim();
        if all_day {
            return NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .ok()
                .map(WhenGiven::Day);
        }
        NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S"))
            .ok()
            .map(WhenGiven::At)
    }

    /// The form [`WhenGiven::parse`] reads: seconds only when there are some, so a
    /// time read and written back is the same time.
    pub fn format(&self) -> String {
        match self {
            WhenGiven::Day(d) => d.format("%Y-%m-%d").to_string(),
            WhenGiven::At(t) if t.second() == 0 => t.format("%Y-%m-%dT%H:%M").to_string(),
            WhenGiven::At(t) => t.format("%Y-%m-%dT%H:%M:%S").to_string(),
        }
    }
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
    /// IANA zone of the times. Not given, the times are in the event's own zone: its
    /// TZID, UTC for an event in UTC, floating for a floating one (as
    /// [`EventForm`] shows them); for a new event or an all-day one made timed, the
    /// system's.
    pub zone: Option<String>,
    /// Location (`Some("")` removes it).
    pub location: Option<String>,
    /// Description (`Some("")` removes it).
    pub description: Option<String>,
    /// The repeat rule, an RRULE value such as `FREQ=WEEKLY;BYDAY=MO,WE`
    /// (`Some("")` removes it). For a new event, a whole event and the new series
    /// of [`Engine::edit_following`]; an occurrence edit refuses a rule other than
    /// its series' own. An UNTIL is written in the form RFC 5545 requires for the
    /// start (a DATE for all-day events, UTC otherwise).
    pub repeat: Option<String>,
    /// The reminder, in minutes before the start (`Some(None)` removes the event's
    /// reminders). Set, it replaces the event's alarms with one.
    pub reminder_minutes: Option<Option<u32>>,
}

/// An event as the editor's form shows it, for [`Engine::event_form`]: the times
/// are wall-clock times in the event's own zone, as [`EventFields`] takes them, so
/// [`EventForm::fields`] written back change nothing.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EventForm {
    /// Its UID.
    pub uid: String,
    /// Its calendar.
    pub calendar_id: i64,
    /// The occurrence shown (`None`: the whole event).
    pub occurrence: Option<String>,
    /// Title (may be empty).
    pub title: String,
    /// `YYYY-MM-DDTHH:MM` (`:SS` when the event has seconds), or `YYYY-MM-DD` for
    /// an all-day event.
    pub start: String,
    /// As `start`; for an all-day event the last day, inclusive. An end written in
    /// another zone than the start is shown in the start's.
    pub end: String,
    pub all_day: bool,
    /// The times' zone: the start's TZID; `None` for UTC, floating and all-day
    /// events (whose times are shown as written).
    pub zone: Option<String>,
    pub location: Option<String>,
    pub description: Option<String>,
    /// The series' RRULE (normalised: upper case, no empty parts); `None` when it
    /// does not repeat. For an occurrence, its series' rule (an occurrence edit
    /// takes it back unchanged, and "this and the following" continues it).
    pub repeat: Option<String>,
    /// The reminder in minutes before the start: the first display or audio alarm
    /// set before it; `None` when there is none the form can show.
    pub reminder_minutes: Option<u32>,
}

impl EventForm {
    /// The fields that write this form as it stands (every field given).
    pub fn fields(&self) -> Result<EventFields> {
        let when = |name: &str, text: &str| {
            WhenGiven::parse(text, self.all_day).ok_or_else(|| {
                EngineError::InvalidInput(format!(
                    "the {name} {text:?} is not {}",
                    if self.all_day {
                        "YYYY-MM-DD"
                    } else {
                        "YYYY-MM-DDTHH:MM"
                    }
                ))
            })
        };
        Ok(EventFields {
            title: Some(self.title.clone()),
            start: Some(when("start", &self.start)?),
            end: Some(when("end", &self.end)?),
            zone: self.zone.clone(),
            location: Some(self.location.clone().unwrap_or_default()),
            description: Some(self.description.clone().unwrap_or_default()),
            repeat: Some(self.repeat.clone().unwrap_or_default()),
            reminder_minutes: Some(self.reminder_minutes),
        })
    }
}

/// An event written here.
#[cfg_attr(feature = "specta", derive(specta::Type))]
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
    /// What undoes the change ([`Engine::undo`]); `None` when nothing changed.
    pub undo: Option<i64>,
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

/// How the wall-clock times given are read.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Frame {
    Zone(String),
    Utc,
    Floating,
}

impl Frame {
    /// The zone given, else the one of the event's start `existing` (its kind kept:
    /// a UTC or floating event stays so), else the system's (UTC without one).
    fn of(given: Option<&str>, existing: Option<&DraftTime>) -> Frame {
        if let Some(z) = given {
            return Frame::Zone(z.to_owned());
        }
        match existing {
            Some(DraftTime::Zoned { tzid, .. }) => Frame::Zone(tzid.clone()),
            Some(DraftTime::Utc(_)) => Frame::Utc,
            Some(DraftTime::Floating(_)) => Frame::Floating,
            Some(DraftTime::Date(_)) | None => system_zone().map_or(Frame::Utc, Frame::Zone),
        }
    }
}

/// A draft time for `when` read in `frame`.
fn draft_time(when: WhenGiven, frame: &Frame, end_of_all_day: bool) -> DraftTime {
    match when {
        WhenGiven::Day(d) => {
            // The form's last day is inclusive; the text's end is exclusive.
            DraftTime::Date(if end_of_all_day {
                d.succ_opt().unwrap_or(d)
            } else {
                d
            })
        }
        WhenGiven::At(t) => match frame {
            Frame::Zone(z) => DraftTime::zoned(t, z.clone()),
            Frame::Utc => DraftTime::Utc(t),
            Frame::Floating => DraftTime::Floating(t),
        },
    }
}

/// A draft's times as the form shows them: wall-clock times in the start's frame
/// (an end in another zone converted), or the first and last days.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ShownTimes {
    start: WhenGiven,
    end: WhenGiven,
    zone: Option<String>,
}

impl ShownTimes {
    fn of(draft: &EventDraft) -> ShownTimes {
        let zone = draft.start.tzid().map(str::to_owned);
        match &draft.start {
            DraftTime::Date(first) => {
                // The exclusive end's day before, never before the first day.
                let last = match &draft.end {
                    DraftTime::Date(end) => end.pred_opt().unwrap_or(*end),
                    other => wall(other).date(),
                };
                ShownTimes {
                    start: WhenGiven::Day(*first),
                    end: WhenGiven::Day(last.max(*first)),
                    zone: None,
                }
            }
            start => ShownTimes {
                start: WhenGiven::At(wall(start)),
                end: WhenGiven::At(end_in_frame_of(start, &draft.end)),
                zone,
            },
        }
    }
}

/// The wall-clock reading of `end` in the frame of `start`: its own wall time when
/// both are written alike, else its instant seen in the start's zone (or UTC).
fn end_in_frame_of(start: &DraftTime, end: &DraftTime) -> NaiveDateTime {
    let mut zones = ZoneResolver::new();
    let instant = |t: &DraftTime, zones: &mut ZoneResolver| match t {
        DraftTime::Zoned { local, tzid } => Some(zones.resolve(tzid).zone.local_to_utc(*local)),
        DraftTime::Utc(t) => Some(*t),
        DraftTime::Floating(_) | DraftTime::Date(_) => None,
    };
    let same_frame = match (start, end) {
        (DraftTime::Zoned { tzid: a, .. }, DraftTime::Zoned { tzid: b, .. }) => a == b,
        (DraftTime::Utc(_), DraftTime::Utc(_))
        | (DraftTime::Floating(_), DraftTime::Floating(_)) => true,
        _ => false,
    };
    if same_frame {
        return wall(end);
    }
    match (start, instant(end, &mut zones)) {
        (DraftTime::Zoned { tzid, .. }, Some(utc)) => zones.resolve(tzid).zone.utc_to_local(utc),
        (DraftTime::Utc(_), Some(utc)) => utc,
        _ => wall(end),
    }
}

/// A new event's draft from `fields`.
fn new_draft(fields: &EventFields) -> Result<EventDraft> {
    let start = fields
        .start
        .ok_or_else(|| EngineError::InvalidInput("a new event needs a start (--start)".into()))?;
    let end = match (fields.end, start) {
        (Some(e), _) => e,
        (None, WhenGiven::Day(d)) => WhenGiven::Day(d),
        (None, WhenGiven::At(t)) => WhenGiven::At(t + chrono::Duration::hours(1)),
    };
    let frame = Frame::of(fields.zone.as_deref(), None);
    let mut draft = EventDraft::new(
        fields.title.clone().unwrap_or_default(),
        draft_time(start, &frame, false),
        draft_time(end, &frame, true),
    );
    lay_other_fields(&mut draft, fields);
    checked(draft)
}

/// `fields` laid over `draft` (an existing event's), or a new draft from them. A
/// zone, start or end given as the form shows it is no change (so a form sent back
/// unchanged keeps an end written in another zone, and times with seconds).
fn apply_fields(draft: Option<EventDraft>, fields: &EventFields) -> Result<EventDraft> {
    let Some(mut draft) = draft else {
        return new_draft(fields);
    };
    let read_rule = draft.repeat.clone();
    let shown = ShownTimes::of(&draft);
    let zone = fields
        .zone
        .as_deref()
        .filter(|z| Some(*z) != shown.zone.as_deref());
    let start = fields.start.filter(|s| zone.is_some() || *s != shown.start);
    // An end as shown still counts beside a new start: the form says where it ends.
    let end = fields
        .end
        .filter(|e| zone.is_some() || start.is_some() || *e != shown.end);
    if start.is_some() || end.is_some() || zone.is_some() {
        let frame = Frame::of(zone, Some(&draft.start));
        // A changed start keeps the event's length unless an end is given too.
        let keep_length = end.is_none();
        if let Some(s) = start {
            let old_start = draft.start.clone();
            draft.start = draft_time(s, &frame, false);
            if keep_length {
                let moved = wall(&draft.end) + (wall(&draft.start) - wall(&old_start));
                draft.end = match &draft.start {
                    DraftTime::Date(_) => DraftTime::Date(moved.date()),
                    _ => draft_time(WhenGiven::At(moved), &frame, false),
                };
            }
        }
        if let Some(e) = end {
            draft.end = draft_time(e, &frame, true);
        }
        if start.is_none() && end.is_none() && !draft.start.is_date() {
            // Only the zone changed: the same wall times in the new zone.
            let (s, e) = (wall(&draft.start), wall(&draft.end));
            draft.start = draft_time(WhenGiven::At(s), &frame, false);
            draft.end = draft_time(WhenGiven::At(e), &frame, false);
        }
    }
    if let Some(title) = &fields.title {
        draft.title = title.clone();
    }
    lay_other_fields(&mut draft, fields);
    // The rule the event has, kept, is not the user's to fix (the core does not
    // refuse it either); a new one is checked here, to be named before anything.
    let kept_rule = draft.repeat.as_deref().map(edit::normalize_rule) == read_rule;
    let probe = EventDraft {
        repeat: if kept_rule {
            None
        } else {
            draft.repeat.clone()
        },
        ..draft.clone()
    };
    checked(probe)?;
    Ok(draft)
}

/// Location, description, repeat rule and reminder from `fields`, where given.
fn lay_other_fields(draft: &mut EventDraft, fields: &EventFields) {
    if let Some(l) = &fields.location {
        draft.location = Some(l.clone());
    }
    if let Some(d) = &fields.description {
        draft.description = Some(d.clone());
    }
    if let Some(r) = &fields.repeat {
        draft.repeat = Some(r.clone());
    }
    if let Some(m) = fields.reminder_minutes {
        draft.reminder = Some(m);
    }
}

/// The draft, checked (an invalid repeat rule is named with its problem).
fn checked(draft: EventDraft) -> Result<EventDraft> {
    draft
        .check()
        .map_err(|e| EngineError::InvalidInput(e.to_string()))?;
    Ok(draft)
}

/// The wall-clock reading of a draft time (midnight for a date).
fn wall(t: &DraftTime) -> NaiveDateTime {
    match t {
        DraftTime::Zoned { local, .. } | DraftTime::Utc(local) | DraftTime::Floating(local) => {
            *local
        }
        DraftTime::Date(d) => d.and_time(chrono::NaiveTime::MIN),
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
        let (recorded, undo) = self
            .record_local_objects_undoable(CalendarId(calendar), vec![(uid.clone(), Some(text))])
            .await?;
        Ok(WrittenEvent {
            uid,
            calendar_id: calendar,
            occurrence: None,
            pending: recorded.iter().any(|r| matches!(r, Recorded::Queued(..))),
            undo: Some(undo),
        })
    }

    /// The form of an event (or of one `occurrence` of a series) for the editor:
    /// what [`Engine::edit_event`] and [`Engine::edit_following`] take back. Only
    /// events that may be changed here have one.
    pub async fn event_form(
        &self,
        uid: &str,
        calendar: Option<i64>,
        occurrence: Option<&str>,
    ) -> Result<EventForm> {
        let object = self.editable_object(uid, calendar).await?;
        let current = current_text(&object)?;
        let (draft, repeat) = match occurrence {
            None => {
                let draft = edit::read_draft(&current).map_err(edit_failed)?;
                let repeat = draft.repeat.clone();
                (draft, repeat)
            }
            Some(rid) => {
                let draft =
                    edit::read_occurrence_draft(&current, instance(rid)?).map_err(edit_failed)?;
                (draft, series_rule(&current))
            }
        };
        let shown = ShownTimes::of(&draft);
        Ok(EventForm {
            uid: object.uid.clone(),
            calendar_id: object.calendar_id.0,
            occurrence: occurrence.map(str::to_owned),
            all_day: draft.start.is_date(),
            start: shown.start.format(),
            end: shown.end.format(),
            zone: shown.zone,
            title: draft.title,
            location: draft.location,
            description: draft.description,
            repeat,
            reminder_minutes: draft.reminder.flatten(),
        })
    }

    /// Changes an event (or one `occurrence` of a series, named by its
    /// RECURRENCE-ID such as `20260303T090000Z`) with `fields`. A repeat rule is for
    /// the whole event: one occurrence refuses any but its series' own. An edit that
    /// changes nothing records nothing.
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
        if text == current {
            // Nothing changed: nothing to record, nothing to push.
            return Ok(WrittenEvent {
                uid: object.uid.clone(),
                calendar_id: object.calendar_id.0,
                occurrence: occurrence.map(str::to_owned),
                pending: object.state != ObjectState::Synced,
                undo: None,
            });
        }
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
    /// in one transaction. From the series' first occurrence, the whole series. The
    /// new series continues the old rule (what is left of a COUNT) unless `fields`
    /// give another one; the series' own rule, as the form shows it, continues it.
    pub async fn edit_following(
        &self,
        uid: &str,
        calendar: Option<i64>,
        occurrence: &str,
        fields: &EventFields,
    ) -> Result<WrittenEvent> {
        let (object, current, stamp, draft) = self.occurrence_of(uid, calendar, occurrence).await?;
        let now = self.now();
        let given = fields.repeat.as_deref().map(edit::normalize_rule);
        let fields = &EventFields {
            repeat: fields
                .repeat
                .clone()
                .filter(|_| given.is_none() || given != series_rule(&current)),
            ..fields.clone()
        };
        let draft = apply_fields(Some(draft), fields)?;
        let new = new_uid(now);
        let split = match edit::split_series(&current, stamp, &draft, &new, utc(now)) {
            Ok(split) => split,
            Err(edit::EditError::SplitAtStart) => {
                return self.edit_event(uid, calendar, None, fields).await
            }
            Err(e) => return Err(edit_failed(e)),
        };
        let (recorded, undo) = self
            .record_local_objects_undoable(
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
            undo: Some(undo),
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
        let (recorded, undo) = self
            .record_local_objects_undoable(object.calendar_id, vec![(object.uid.clone(), text)])
            .await?;
        Ok(WrittenEvent {
            uid: object.uid.clone(),
            calendar_id: object.calendar_id.0,
            occurrence: occurrence.map(str::to_owned),
            pending: recorded.iter().any(|r| matches!(r, Recorded::Queued(..))),
            undo: Some(undo),
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

/// The rule of the series in `text`, as a whole-event form shows it.
fn series_rule(text: &str) -> Option<String> {
    edit::read_draft(text).ok().and_then(|d| d.repeat)
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
