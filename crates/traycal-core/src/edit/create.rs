//! Creating an event: a new remote object with one VEVENT and the VTIMEZONEs its
//! times use.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::ics::Component;
use crate::tz::ZoneResolver;

use super::apply::{rule_in_form, set_reminder, utc_stamp};
use super::draft::EventDraft;
use super::object::CalendarObject;
use super::times::{instant_of, time_property, TimeForm};
use super::EditError;

/// The PRODID of the objects Traycal creates (edited objects keep theirs: it names
/// the product that created the object).
pub const PRODID: &str = "-//Traycal//Traycal//EN";

/// A new object for `draft`: `VERSION`, `PRODID`, a VTIMEZONE per TZID used
/// (generated from the zone database, observed from a year before the start to ten
/// years after it or after `now`), and one VEVENT with UID, DTSTAMP, CREATED,
/// LAST-MODIFIED (all `now`, UTC), SEQUENCE 0, DTSTART/DTEND (with TZID, as UTC, or
/// `VALUE=DATE`), the draft's RRULE (its UNTIL in the start's form), SUMMARY,
/// LOCATION and DESCRIPTION when not empty, and the reminder's VALARM.
pub fn create_event(
    draft: &EventDraft,
    uid: &str,
    now: DateTime<Utc>,
) -> Result<String, EditError> {
    let uid = checked_uid(uid)?;
    let draft = draft.normalized();
    let mut zones = ZoneResolver::new();
    draft.check_in(&mut zones, &BTreeSet::new())?;
    draft.check_rule_against(None)?;
    let stamp = utc_stamp(now);
    let mut event = Component::new("VEVENT");
    event
        .push_text("UID", uid.to_owned())
        .push("DTSTAMP", Vec::new(), stamp.clone())
        .push("CREATED", Vec::new(), stamp.clone())
        .push("LAST-MODIFIED", Vec::new(), stamp)
        .push("SEQUENCE", Vec::new(), "0");
    event
        .properties
        .push(time_property("DTSTART", &draft.start, &[]));
    event
        .properties
        .push(time_property("DTEND", &draft.end, &[]));
    if let Some(rule) = draft.rule() {
        let form = TimeForm::of(&draft.start, &mut zones, None);
        event.push("RRULE", Vec::new(), rule_in_form(rule, &form));
    }
    if !draft.title.is_empty() {
        event.push_text("SUMMARY", draft.title.clone());
    }
    if let Some(location) = &draft.location {
        event.push_text("LOCATION", location.clone());
    }
    if let Some(description) = &draft.description {
        event.push_text("DESCRIPTION", description.clone());
    }
    if let Some(Some(minutes)) = draft.reminder {
        set_reminder(&mut event, Some(minutes), &draft.title);
    }
    let mut calendar = Component::new("VCALENDAR");
    calendar
        .push("VERSION", Vec::new(), "2.0")
        .push("PRODID", Vec::new(), PRODID)
        .push_child(event);
    let mut object = CalendarObject { calendar };
    let around = instant_of(&draft.start, &mut zones).and_utc().timestamp();
    object.sync_vtimezones(&BTreeSet::new(), around, now.timestamp());
    Ok(object.to_text())
}

/// A UID for a new object: trimmed, not empty, without control characters.
pub(crate) fn checked_uid(uid: &str) -> Result<&str, EditError> {
    let uid = uid.trim();
    if uid.is_empty() || uid.chars().any(char::is_control) {
        return Err(EditError::InvalidUid(uid.chars().take(80).collect()));
    }
    Ok(uid)
}
