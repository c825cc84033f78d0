//! Applying a draft to one VEVENT: only the properties whose value changes are
//! written, each in its place; the rest of the component is not touched.
//!
//! Rules:
//! - SUMMARY, LOCATION, DESCRIPTION: replaced in place (their parameters kept, but
//!   `ALTREP`, which points at an alternative of the *old* text); an empty value
//!   removes the property. A changed DESCRIPTION also removes `X-ALT-DESC` (Outlook's
//!   HTML copy of the description, which Outlook shows instead of DESCRIPTION and
//!   which would otherwise keep the old text): the one unknown property an edit
//!   removes, because it is a copy of the field edited.
//! - DTSTART: replaced in place when the start changes (other parameters kept).
//! - The end keeps the way it is written when the draft's end agrees with it: a
//!   DURATION that still gives the draft's end from the new start stays, as does an
//!   absent end that still gives it (a day for dates, zero length otherwise);
//!   otherwise a DTEND is written, in place of the DURATION.
//! - The reminder: a changed one removes every VALARM of the component (the form
//!   shows one reminder, and a reminder set is the one the user wants) and, unless
//!   removed, writes one `ACTION:DISPLAY` alarm in the place of the first, with
//!   `TRIGGER:-PTnM` (`-PTnH` or `-PnD` when whole) and the title as DESCRIPTION
//!   (which RFC 5545 3.6.6 requires of a display alarm; "Reminder" without title).
//! - RRULE ([`apply_rule`], for whole events and new series only: an override
//!   never gets one): a changed rule replaces the first RRULE in place (its
//!   parameters kept) and the others are removed; its UNTIL is written in the form
//!   the start needs. A rule read from the event and sent back unchanged is not
//!   rewritten, even when its UNTIL is in a form RFC 5545 does not allow.
//! - SEQUENCE (RFC 5546 2.1.4) is bumped by one when the event's time changes
//!   (DTSTART, DTEND, DURATION; RRULE, RDATE and EXDATE for the edits that change
//!   them), not for title, location, description or reminder: those do not ask
//!   attendees to reply again (alarms are each attendee's own). DTSTAMP and
//!   LAST-MODIFIED are set to now on any change.

use chrono::{DateTime, Utc};

use crate::event::{EndSpec, EventData};
use crate::ics::{escape_text, Component, Property};
use crate::recur::RecurRule;
use crate::remind::{alarm_triggers, AlarmTrigger};
use crate::tz::ZoneResolver;

use super::draft::{format_local, normalize_rule, DraftTime, EventDraft};
use super::object::{property, PropertyEdits};
use super::rule::{replace_until, until_value, until_wall};
use super::times::{draft_time, end_from, time_property, TimeForm};

/// What applying a draft changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Applied {
    /// Some property changed.
    pub changed: bool,
    /// DTSTART or the end changed (SEQUENCE is bumped).
    pub times_changed: bool,
    /// DTSTART changed.
    pub start_changed: bool,
}

/// The draft the event `component` (read as `ev`) shows as written (normalised, so
/// an unchanged form equals it): its first RRULE, and its reminder.
pub(crate) fn current_draft(
    component: &Component<'_>,
    ev: &EventData<'_>,
    zones: &mut ZoneResolver,
) -> Option<EventDraft> {
    let start = draft_time(ev.start.as_ref()?);
    let end = end_from(&start, &ev.end, zones).unwrap_or_else(|| start.clone());
    Some(
        EventDraft {
            title: ev.summary.as_deref().unwrap_or_default().to_owned(),
            start,
            end,
            location: ev.location.as_deref().map(str::to_owned),
            description: ev.description.as_deref().map(str::to_owned),
            repeat: ev.rrules.first().map(|r| r.to_string()),
            reminder: reminder_of(component).map(Some),
        }
        .normalized(),
    )
}

/// The reminder a form shows for `component`: the first display or audio alarm
/// set before the start (or at it), in whole minutes (see [`EventDraft::reminder`]).
pub(crate) fn reminder_of(component: &Component<'_>) -> Option<u32> {
    alarm_triggers(component).into_iter().find_map(|t| match t {
        AlarmTrigger::Start(offset) if offset <= 0 => {
            u32::try_from(offset.unsigned_abs() / 60).ok()
        }
        _ => None,
    })
}

/// Apply the normalised `draft` to `event`, which currently shows `current` and
/// writes its end as `end` (both read from it).
pub(crate) fn apply_draft(
    event: &mut Component<'_>,
    current: &EventDraft,
    end: &EndSpec<'_>,
    draft: &EventDraft,
    zones: &mut ZoneResolver,
) -> Applied {
    let mut applied = Applied::default();
    if draft.title != current.title {
        set_text(event, "SUMMARY", &draft.title);
        applied.changed = true;
    }
    if draft.location != current.location {
        set_text(
            event,
            "LOCATION",
            draft.location.as_deref().unwrap_or_default(),
        );
        applied.changed = true;
    }
    if draft.description != current.description {
        set_text(
            event,
            "DESCRIPTION",
            draft.description.as_deref().unwrap_or_default(),
        );
        event.remove_all("X-ALT-DESC");
        applied.changed = true;
    }
    if draft.start != current.start {
        set_time(event, "DTSTART", &draft.start, &[]);
        applied.start_changed = true;
        applied.times_changed = true;
    }
    let end_changed = match end {
        EndSpec::At(_) => draft.end != current.end,
        EndSpec::Duration(_) | EndSpec::Default => {
            end_from(&draft.start, end, zones).as_ref() != Some(&draft.end)
        }
    };
    if end_changed {
        let position = event.properties.iter().position(|p| p.name == "DURATION");
        event.remove_all("DURATION");
        match position {
            Some(i) if event.prop("DTEND").is_none() => {
                let p = time_property("DTEND", &draft.end, &[]);
                event.properties.insert(i.min(event.properties.len()), p);
            }
            _ => set_time(event, "DTEND", &draft.end, &["DTSTART"]),
        }
        applied.times_changed = true;
    }
    if let Some(reminder) = draft.reminder {
        if current.reminder_minutes() != reminder {
            set_reminder(event, reminder, &draft.title);
            applied.changed = true;
        }
    }
    applied.changed |= applied.times_changed;
    applied
}

/// Apply the normalised draft's repeat rule to the series master `event`, which
/// currently shows `current`; `form` is the form of the draft's start (the UNTIL is
/// written in it). True when the RRULE changed (which changes when the event
/// happens: SEQUENCE is bumped, the caller's to do).
pub(crate) fn apply_rule(
    event: &mut Component<'_>,
    current: &EventDraft,
    draft: &EventDraft,
    form: &TimeForm,
) -> bool {
    if draft.repeat.is_none() {
        return false;
    }
    let wanted = draft.rule();
    if wanted == current.rule() {
        return false;
    }
    match wanted {
        None => {
            event.remove_all("RRULE");
        }
        Some(rule) => {
            let value = rule_in_form(rule, form);
            let Some(first) = event.properties.iter().position(|p| p.name == "RRULE") else {
                let at = event
                    .properties
                    .iter()
                    .rposition(|p| matches!(p.name.as_ref(), "DTSTART" | "DTEND" | "DURATION"))
                    .map_or(event.properties.len(), |i| i + 1);
                event
                    .properties
                    .insert(at, property("RRULE", Vec::new(), value));
                return true;
            };
            event.properties[first].value = value.into();
            let mut index = 0;
            event.properties.retain(|p| {
                let keep = index <= first || p.name != "RRULE";
                index += 1;
                keep
            });
        }
    }
    true
}

/// `rule` (normalised, valid) with its UNTIL, if any, in the form `form` requires
/// (RFC 5545 3.3.10: the value type of DTSTART; UTC for a zoned start).
pub(crate) fn rule_in_form(rule: &str, form: &TimeForm) -> String {
    let Ok(parsed) = RecurRule::parse(rule) else {
        return rule.to_owned();
    };
    match until_wall(&parsed, form) {
        Some(wall) => normalize_rule(&replace_until(rule, &until_value(form, wall))),
        None => rule.to_owned(),
    }
}

/// Replace the VALARMs of `event` by one display alarm `minutes` before the start,
/// or remove them (`None`). The new alarm takes the place of the first old one.
pub(crate) fn set_reminder(event: &mut Component<'_>, minutes: Option<u32>, title: &str) {
    let first = event.children.iter().position(|c| c.name == "VALARM");
    event.children.retain(|c| c.name != "VALARM");
    let Some(minutes) = minutes else {
        return;
    };
    let mut alarm = Component::new("VALARM");
    alarm.push("ACTION", Vec::new(), "DISPLAY").push(
        "TRIGGER",
        Vec::new(),
        trigger_before(minutes),
    );
    let description = if title.is_empty() { "Reminder" } else { title };
    alarm.push_text("DESCRIPTION", description.to_owned());
    let at = first
        .unwrap_or(event.children.len())
        .min(event.children.len());
    event.children.insert(at, alarm);
}

/// The TRIGGER value `minutes` before the start: `-PnD`, `-PTnH` or `-PTnM` (the
/// largest whole unit, as people write it), `PT0M` at the start.
pub(crate) fn trigger_before(minutes: u32) -> String {
    match minutes {
        0 => "PT0M".to_owned(),
        m if m % (24 * 60) == 0 => format!("-P{}D", m / (24 * 60)),
        m if m % 60 == 0 => format!("-PT{}H", m / 60),
        m => format!("-PT{m}M"),
    }
}

/// Replace the first `name` time property in place (keeping its other parameters),
/// or insert one after the last of `after`.
pub(crate) fn set_time(
    event: &mut Component<'_>,
    name: &'static str,
    t: &DraftTime,
    after: &[&str],
) {
    let kept = event
        .prop(name)
        .map(|p| p.params.clone())
        .unwrap_or_default();
    event.set_near(time_property(name, t, &kept), after);
}

/// Replace a TEXT property in place (its parameters kept, but ALTREP), removing later
/// duplicates (they would contradict the edit); an empty text removes it.
fn set_text(event: &mut Component<'_>, name: &'static str, text: &str) {
    if text.is_empty() {
        event.remove_all(name);
        return;
    }
    let value = escape_text(text).into_owned();
    let Some(first) = event.properties.iter().position(|p| p.name == name) else {
        event.push(name, Vec::new(), value);
        return;
    };
    let params = event.properties[first]
        .params
        .iter()
        .filter(|q| q.name != "ALTREP")
        .cloned()
        .collect();
    event.properties[first] = Property::new(name, params, value);
    let mut index = 0;
    event.properties.retain(|p| {
        let keep = index <= first || p.name != name;
        index += 1;
        keep
    });
}

/// `YYYYMMDDTHHMMSSZ` of `now`.
pub(crate) fn utc_stamp(now: DateTime<Utc>) -> String {
    let mut s = format_local(now.naive_utc());
    s.push('Z');
    s
}

/// The bookkeeping of a changed component: DTSTAMP and LAST-MODIFIED are now, and
/// SEQUENCE is one more when `bump`.
pub(crate) fn record_change(event: &mut Component<'_>, now: DateTime<Utc>, bump: bool) {
    let stamp = utc_stamp(now);
    event.set_near(property("DTSTAMP", Vec::new(), stamp.clone()), &["UID"]);
    event.set_near(
        property("LAST-MODIFIED", Vec::new(), stamp),
        &["UID", "DTSTAMP", "CREATED"],
    );
    if bump {
        let next = sequence(event).saturating_add(1);
        event.set_near(
            property("SEQUENCE", Vec::new(), next.to_string()),
            &["UID", "DTSTAMP", "CREATED", "LAST-MODIFIED"],
        );
    }
}

/// SEQUENCE as written (0 when absent or unreadable, never negative).
pub(crate) fn sequence(event: &Component<'_>) -> u32 {
    event
        .prop("SEQUENCE")
        .and_then(|p| p.value.trim().parse::<i64>().ok())
        .map_or(0, |n| u32::try_from(n.max(0)).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ics::parse_all;
    use chrono::TimeZone;

    fn event(text: &str) -> Component<'_> {
        let (mut comps, _, diags) = parse_all(text.as_bytes());
        assert!(diags.is_empty(), "{diags:?}");
        comps.remove(0)
    }

    #[test]
    fn text_is_replaced_in_place_without_altrep_or_duplicates() {
        let mut c = event(
            "BEGIN:VEVENT\r\nUID:x\r\nDESCRIPTION;ALTREP=\"cid:a\";LANGUAGE=de:alt\r\n\
             X-A:1\r\nDESCRIPTION:duplicate\r\nEND:VEVENT\r\n",
        );
        set_text(&mut c, "DESCRIPTION", "neu, besser");
        assert_eq!(
            c.to_ics(),
            "BEGIN:VEVENT\r\nUID:x\r\nDESCRIPTION;LANGUAGE=de:neu\\, besser\r\nX-A:1\r\nEND:VEVENT\r\n"
        );
        set_text(&mut c, "DESCRIPTION", "");
        assert_eq!(
            c.to_ics(),
            "BEGIN:VEVENT\r\nUID:x\r\nX-A:1\r\nEND:VEVENT\r\n"
        );
        set_text(&mut c, "LOCATION", "Room");
        assert!(c
            .to_ics()
            .ends_with("X-A:1\r\nLOCATION:Room\r\nEND:VEVENT\r\n"));
    }

    #[test]
    fn a_change_is_recorded_in_the_stamps_and_sequence() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        let mut c = event("BEGIN:VEVENT\r\nUID:x\r\nSUMMARY:s\r\nEND:VEVENT\r\n");
        record_change(&mut c, now, true);
        assert_eq!(
            c.to_ics(),
            "BEGIN:VEVENT\r\nUID:x\r\nDTSTAMP:20260301T120000Z\r\n\
             LAST-MODIFIED:20260301T120000Z\r\nSEQUENCE:1\r\nSUMMARY:s\r\nEND:VEVENT\r\n"
        );
        record_change(&mut c, now, true);
        assert_eq!(sequence(&c), 2);
        let broken = event("BEGIN:VEVENT\r\nSEQUENCE:-4\r\nEND:VEVENT\r\n");
        assert_eq!(sequence(&broken), 0);
    }
}
