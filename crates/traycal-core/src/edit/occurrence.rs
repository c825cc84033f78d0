//! Editing and deleting one occurrence of a series.
//!
//! An occurrence is named by its instance stamp (its original start, as expansion
//! reports it). It is either already overridden (a VEVENT with that RECURRENCE-ID,
//! matched as expansion matches it: by instant for zoned series, by wall time
//! otherwise) or an instance of the master (checked by expanding the series there:
//! a stamp that is not an occurrence is refused, never written as a phantom
//! override or a useless EXDATE).
//!
//! - Editing an overridden occurrence changes its override in place.
//! - Editing another occurrence adds an override after the series' last VEVENT: a
//!   copy of the master (its VALARMs, ATTENDEEs, X- properties included) without
//!   RRULE, RDATE, EXDATE and EXRULE, with `RECURRENCE-ID` in the form of the
//!   master's DTSTART (same TZID, UTC, floating or `VALUE=DATE`), the instance's own
//!   start and end, then the draft applied. Its SEQUENCE starts at the master's and
//!   is bumped when the draft moves or resizes the occurrence (RFC 5546 4.4's
//!   rescheduled instance carries a higher SEQUENCE than its series); CREATED,
//!   DTSTAMP and LAST-MODIFIED are now. A draft equal to the occurrence writes
//!   nothing.
//! - An occurrence has no rule of its own: its draft reads no repeat, and a draft
//!   that sets or removes one is refused ([`EditError::RuleOnOccurrence`]) rather
//!   than writing an RRULE onto an override (a draft that gives the series' own
//!   rule, as a whole-event form shows it, leaves it as it is). Its reminder is its
//!   own: set, it replaces the override's VALARMs (those copied from the master
//!   included).
//! - Deleting an occurrence removes every override of it and adds one EXDATE (in the
//!   master's DTSTART form, as a line of its own after the existing ones) unless one
//!   already excludes it; the master's SEQUENCE is bumped. Never an EXDATE beside an
//!   override of the same instance. Without a master, removing the override is all;
//!   removing the object's last event is [`EditError::NothingLeft`].

use chrono::{DateTime, Utc};

use crate::event::{read_event, EndSpec, EventData};
use crate::expand::{expand_items, ExpandOptions, Stamp, TimeContext, TimeKind, Window};
use crate::ics::{prepare_input, Component, Property};
use crate::tz::{Zone, ZoneResolver};
use crate::value::DateOrTime;

use super::apply::{apply_draft, current_draft, record_change, sequence, set_time, utc_stamp};
use super::draft::{normalize_rule, EventDraft};
use super::object::{property, CalendarObject, PropertyEdits};
use super::series::no_start;
use super::times::{draft_time, instant_of, time_property, TimeForm};
use super::EditError;

/// Where an occurrence is written.
pub(crate) enum Target {
    /// Its overrides (several only in a file with duplicates), in input order.
    Overrides(Vec<usize>),
    /// An instance of the master without override, with its start and end.
    Instance { end: Stamp },
}

pub(crate) fn not_an_instance(instance: Stamp) -> EditError {
    EditError::NotAnInstance {
        instance: instance.format(),
    }
}

/// Find the occurrence `instance` of the object's series.
pub(crate) fn locate(
    obj: &CalendarObject<'_>,
    instance: Stamp,
    zones: &mut ZoneResolver,
    calendar_zone: Option<&Zone>,
) -> Result<Target, EditError> {
    let events = obj.events();
    let items: Vec<EventData<'_>> = events
        .iter()
        .map(|&i| obj.read(i))
        .collect::<Result<_, _>>()?;
    let master = obj.master()?;
    let master_item = master.and_then(|m| events.iter().position(|&i| i == m));
    let frame = master_item.unwrap_or(0);
    let Some(frame_event) = items.get(frame) else {
        return Err(EditError::NoEvent);
    };
    let mut tc = TimeContext::new(zones, calendar_zone.cloned());
    let overrides: Vec<usize> = events
        .iter()
        .zip(&items)
        .filter(|(_, ev)| {
            ev.recurrence_id
                .as_ref()
                .and_then(|r| tc.instance_stamp(r, frame_event))
                == Some(instance)
        })
        .map(|(&i, _)| i)
        .collect();
    if !overrides.is_empty() {
        return Ok(Target::Overrides(overrides));
    }
    let Some(master_item) = master_item else {
        return Err(not_an_instance(instance));
    };
    if !items[master_item].has_recurrence_props {
        return Err(EditError::NotRecurring);
    }
    let window = Window {
        from: instance.secs,
        to: instance.secs.saturating_add(1),
    };
    let expansion = expand_items(&items, &mut tc, &ExpandOptions::new(window));
    expansion
        .occurrences
        .iter()
        .find(|o| o.item == master_item && o.instance == Some(instance))
        .map(|o| Target::Instance { end: o.end })
        .ok_or_else(|| not_an_instance(instance))
}

/// The override expansion shows among duplicates: highest SEQUENCE, later on a tie.
fn shown(obj: &CalendarObject<'_>, overrides: &[usize]) -> Option<usize> {
    overrides
        .iter()
        .copied()
        .max_by_key(|&i| (sequence(&obj.calendar.children[i]), i))
}

/// The master's instance `instance` as an override component (before the draft).
fn derive_override<'a>(
    master: &Component<'a>,
    m: &EventData<'_>,
    instance: Stamp,
    end: Stamp,
    zones: &mut ZoneResolver,
    calendar_zone: Option<&Zone>,
) -> Result<Component<'a>, EditError> {
    let start = m.start.as_ref().ok_or_else(|| no_start(m))?;
    let form = TimeForm::of(&draft_time(start), zones, calendar_zone);
    let recurrence_id = form.at(instance);
    let mut c = master.clone();
    c.properties.retain(|p| {
        !matches!(
            p.name.as_ref(),
            "RRULE" | "RDATE" | "EXDATE" | "EXRULE" | "RECURRENCE-ID"
        )
    });
    c.set_near(
        time_property("RECURRENCE-ID", &recurrence_id, &[]),
        &["UID"],
    );
    set_time(&mut c, "DTSTART", &recurrence_id, &[]);
    if let EndSpec::At(e) = &m.end {
        let end_form = TimeForm::of(&draft_time(e), zones, calendar_zone);
        set_time(&mut c, "DTEND", &end_form.at(end), &[]);
    }
    // The RECURRENCE-ID written must name the instance again.
    let derived = read_event(&c, b"").map_err(|_| not_an_instance(instance))?;
    let mut tc = TimeContext::new(zones, calendar_zone.cloned());
    let named = derived
        .recurrence_id
        .as_ref()
        .and_then(|r| tc.instance_stamp(r, m));
    if named != Some(instance) {
        return Err(not_an_instance(instance));
    }
    Ok(c)
}

/// The draft the occurrence `instance` shows, for the edit form.
pub fn read_occurrence_draft(object: &str, instance: Stamp) -> Result<EventDraft, EditError> {
    let prepared = prepare_input(object.as_bytes());
    let obj = CalendarObject::parse(&prepared)?;
    let (mut zones, calendar_zone) = obj.zones();
    match locate(&obj, instance, &mut zones, calendar_zone.as_ref())? {
        Target::Overrides(list) => {
            let i = shown(&obj, &list).ok_or_else(|| not_an_instance(instance))?;
            let ov = obj.read(i)?;
            current_draft(&obj.calendar.children[i], &ov, &mut zones)
                .map(without_rule)
                .ok_or_else(|| no_start(&ov))
        }
        Target::Instance { end } => {
            let master = obj.require_master()?;
            let m = obj.read(master)?;
            let derived = derive_override(
                &obj.calendar.children[master],
                &m,
                instance,
                end,
                &mut zones,
                calendar_zone.as_ref(),
            )?;
            let ev = read_event(&derived, b"").map_err(|_| not_an_instance(instance))?;
            current_draft(&derived, &ev, &mut zones)
                .map(without_rule)
                .ok_or_else(|| no_start(&ev))
        }
    }
}

/// The series' rule as a whole-event draft reads it (`None`: no master, no rule).
fn series_rule(obj: &CalendarObject<'_>) -> Result<Option<String>, EditError> {
    let Some(master) = obj.master()? else {
        return Ok(None);
    };
    let m = obj.read(master)?;
    Ok(m.rrules.first().map(|r| normalize_rule(r)))
}

/// An occurrence's draft: the rule is its series' business.
fn without_rule(draft: EventDraft) -> EventDraft {
    EventDraft {
        repeat: None,
        ..draft
    }
}

/// Apply `draft` to one occurrence (see the module docs). Returns `object` unchanged
/// when the draft changes nothing.
pub fn update_occurrence(
    object: &str,
    instance: Stamp,
    draft: &EventDraft,
    now: DateTime<Utc>,
) -> Result<String, EditError> {
    let prepared = prepare_input(object.as_bytes());
    let mut obj = CalendarObject::parse(&prepared)?;
    let (mut zones, calendar_zone) = obj.zones();
    let draft = draft.normalized();
    if draft.repeat.is_some() && draft.rule() != series_rule(&obj)?.as_deref() {
        return Err(EditError::RuleOnOccurrence);
    }
    draft.check_in(&mut zones, &obj.tzids())?;
    let before = obj.tzids();
    match locate(&obj, instance, &mut zones, calendar_zone.as_ref())? {
        Target::Overrides(list) => {
            let i = shown(&obj, &list).ok_or_else(|| not_an_instance(instance))?;
            let ov = obj.read(i)?;
            let current = current_draft(&obj.calendar.children[i], &ov, &mut zones)
                .ok_or_else(|| no_start(&ov))?;
            let component = &mut obj.calendar.children[i];
            let applied = apply_draft(component, &current, &ov.end, &draft, &mut zones);
            if !applied.changed {
                return Ok(object.to_owned());
            }
            record_change(component, now, applied.times_changed);
        }
        Target::Instance { end } => {
            let master = obj.require_master()?;
            let m = obj.read(master)?;
            let mut derived = derive_override(
                &obj.calendar.children[master],
                &m,
                instance,
                end,
                &mut zones,
                calendar_zone.as_ref(),
            )?;
            let ev = read_event(&derived, b"").map_err(|_| not_an_instance(instance))?;
            let current = current_draft(&derived, &ev, &mut zones).ok_or_else(|| no_start(&ev))?;
            let applied = apply_draft(&mut derived, &current, &ev.end, &draft, &mut zones);
            if !applied.changed {
                return Ok(object.to_owned());
            }
            record_change(&mut derived, now, applied.times_changed);
            derived.set_near(
                property("CREATED", Vec::new(), utc_stamp(now)),
                &["UID", "DTSTAMP"],
            );
            let after = obj
                .events()
                .last()
                .map_or(obj.calendar.children.len(), |&i| i + 1);
            obj.calendar.children.insert(after, derived);
        }
    }
    let around = instant_of(&draft.start, &mut zones).and_utc().timestamp();
    obj.sync_vtimezones(&before, around, now.timestamp());
    Ok(obj.to_text())
}

/// Delete one occurrence (see the module docs).
pub fn delete_occurrence(
    object: &str,
    instance: Stamp,
    now: DateTime<Utc>,
) -> Result<String, EditError> {
    let prepared = prepare_input(object.as_bytes());
    let mut obj = CalendarObject::parse(&prepared)?;
    let (mut zones, calendar_zone) = obj.zones();
    let before = obj.tzids();
    let target = locate(&obj, instance, &mut zones, calendar_zone.as_ref())?;
    if let Target::Overrides(list) = &target {
        if obj.master()?.is_none() && obj.events().len() == list.len() {
            return Err(EditError::NothingLeft);
        }
        for &i in list.iter().rev() {
            obj.calendar.children.remove(i);
        }
    }
    if let Some(master) = obj.master()? {
        let m = obj.read(master)?;
        if !excluded(&m, instance, &mut zones, calendar_zone.as_ref()) {
            let start = m.start.as_ref().ok_or_else(|| no_start(&m))?;
            let form = TimeForm::of(&draft_time(start), &mut zones, calendar_zone.as_ref());
            let exdate = Property::new("EXDATE", form.params(), form.at(instance).ics_value());
            insert_after(
                &mut obj.calendar.children[master],
                exdate,
                &[&["EXDATE"], &["RRULE", "RDATE", "EXRULE"], &["DTSTART"]],
            );
        }
        record_change(&mut obj.calendar.children[master], now, true);
    }
    obj.sync_vtimezones(&before, instance.secs, now.timestamp());
    Ok(obj.to_text())
}

/// True when an EXDATE of the master already excludes `instance` (by instant or
/// wall time as expansion compares, or a DATE EXDATE on its day).
fn excluded(
    m: &EventData<'_>,
    instance: Stamp,
    zones: &mut ZoneResolver,
    calendar_zone: Option<&Zone>,
) -> bool {
    let Some(start) = m.start.as_ref() else {
        return false;
    };
    let form = TimeForm::of(&draft_time(start), zones, calendar_zone);
    let day = form.wall(instance).date();
    let mut tc = TimeContext::new(zones, calendar_zone.cloned());
    m.exdates.iter().any(|x| match x.value {
        DateOrTime::Date(d) if instance.kind != TimeKind::Date => d == day,
        _ => tc.instance_stamp(x, m) == Some(instance),
    })
}

/// Insert `p` after the last property named in the first group that has one, else
/// at the end.
pub(crate) fn insert_after<'a>(c: &mut Component<'a>, p: Property<'a>, groups: &[&[&str]]) {
    for names in groups {
        if let Some(i) = c
            .properties
            .iter()
            .rposition(|q| names.contains(&q.name.as_ref()))
        {
            c.properties.insert(i + 1, p);
            return;
        }
    }
    c.properties.push(p);
}
