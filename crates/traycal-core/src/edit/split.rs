//! "This and the following occurrences": the series is cut before an occurrence and
//! a new series (a new object, a new UID) starts there with the draft.
//!
//! The old series keeps everything before the cut: its RRULE gets an UNTIL at the
//! last occurrence before the cut (UTC for a zoned or UTC series, a DATE for an
//! all-day one, local time for a floating one; COUNT, which cannot stand beside
//! UNTIL, is dropped), its EXDATE and RDATE values from the cut on are removed, and
//! its SEQUENCE is bumped.
//!
//! The new series is a copy of the master (ATTENDEEs, VALARMs, X- properties
//! included) starting at the occurrence, with the new UID, SEQUENCE 0, CREATED,
//! DTSTAMP and LAST-MODIFIED now, the rest of the rule (COUNT reduced by the
//! occurrences left behind, an UNTIL kept), the EXDATE and RDATE values from the cut
//! on, and the overrides after the cut (given the new UID). Then the draft is applied
//! to it as to a whole series ([`super::update_event`]), so when it moves the start,
//! those references move with it. A draft that leaves the repeat open (`None`, as an
//! occurrence's draft reads) keeps that rest of the rule; one that gives a rule
//! starts the new series with it (UNTIL in the start's form, the references it
//! leaves stale removed), and `Some("")` makes the new series one event. The
//! override of the cut occurrence itself is dropped: the draft (which the form
//! filled from it) replaces it. VTIMEZONEs are copied where used and generated for
//! new TZIDs.
//!
//! The cut occurrence must not be the series' first ([`EditError::SplitAtStart`]:
//! edit the whole series instead), and a series with several RRULEs is not cut.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

use crate::event::{EventData, TimeSpec};
use crate::expand::{Stamp, TimeContext, TimeKind};
use crate::ics::{escape_text, prepare_input, Component, Param, Property};
use crate::recur::{Budget, IterOptions, RecurRule};
use crate::tz::{Zone, ZoneResolver};
use crate::value::{parse_date_or_time, DateOrTime};

use super::apply::{apply_draft, apply_rule, current_draft, record_change, set_time, utc_stamp};
use super::create::{checked_uid, PRODID};
use super::draft::EventDraft;
use super::object::{property, CalendarObject, PropertyEdits};
use super::occurrence::locate;
use super::rule::{until_value, until_wall, with_bounds};
use super::series::{drop_stale_references, no_start, SeriesMove};
use super::times::{instant_of, shifted, wall_of, TimeForm};
use super::EditError;

/// The two objects a split leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitSeries {
    /// The series up to the cut (same UID, same href).
    pub old: String,
    /// The new series from the cut on (the new UID; a new object to create).
    pub new: String,
}

/// Cut the series before the occurrence `instance` and start a new series there
/// with `draft` and `new_uid` (see the module docs).
pub fn split_series(
    object: &str,
    instance: Stamp,
    draft: &EventDraft,
    new_uid: &str,
    now: DateTime<Utc>,
) -> Result<SplitSeries, EditError> {
    let new_uid = checked_uid(new_uid)?;
    let prepared = prepare_input(object.as_bytes());
    let mut obj = CalendarObject::parse(&prepared)?;
    let master = obj.require_master()?;
    if obj.uid()? == new_uid {
        return Err(EditError::InvalidUid(new_uid.chars().take(80).collect()));
    }
    let (mut zones, calendar_zone) = obj.zones();
    let cz = calendar_zone.as_ref();
    let draft = draft.normalized();
    draft.check_in(&mut zones, &obj.tzids())?;
    // A rule given starts the new series: it is checked even if it is the old one.
    draft.check_rule_against(None)?;
    locate(&obj, instance, &mut zones, cz)?;
    let m = obj.read(master)?;
    let current = current_draft(&obj.calendar.children[master], &m, &mut zones)
        .ok_or_else(|| no_start(&m))?;
    let form = TimeForm::of(&current.start, &mut zones, cz);
    let first = {
        let start = m.start.as_ref().ok_or_else(|| no_start(&m))?;
        TimeContext::new(&mut zones, calendar_zone.clone()).instance_stamp(start, &m)
    };
    if first.is_none_or(|f| instance.secs <= f.secs) {
        return Err(EditError::SplitAtStart);
    }
    let cut_wall = form.wall(instance);
    let rule = match m.rrules.as_slice() {
        [] => None,
        [one] => Some(cut_rule(one, &form, wall_of(&current.start), cut_wall)?),
        _ => {
            return Err(EditError::UnsupportedRule(
                "the series has several RRULEs".into(),
            ))
        }
    };
    let before_tzids = obj.tzids();

    // Which values and overrides go where.
    let cut = Cut {
        instance,
        day: cut_wall.date(),
    };
    let mut lists: Vec<(usize, Vec<String>, Vec<String>)> = Vec::new();
    let mut moving: Vec<(usize, bool)> = Vec::new();
    {
        let mut tc = TimeContext::new(&mut zones, calendar_zone.clone());
        for (i, p) in obj.calendar.children[master].properties.iter().enumerate() {
            if p.name == "EXDATE" || p.name == "RDATE" {
                let (kept, moved) = cut.split_values(p, &m, &mut tc);
                lists.push((i, kept, moved));
            }
        }
        for i in obj.overrides() {
            let ov = obj.read(i)?;
            let stamp = ov
                .recurrence_id
                .as_ref()
                .and_then(|r| tc.instance_stamp(r, &m));
            if let Some(s) = stamp.filter(|s| s.secs >= instance.secs) {
                moving.push((i, s.secs == instance.secs));
            }
        }
    }

    // The new series, from the master as it was.
    let mut new_master = obj.calendar.children[master].clone();
    // First, while the property indices are the master's.
    keep_values(&mut new_master, &lists, |(_, _, moved)| moved);
    new_master.set(property(
        "UID",
        Vec::new(),
        escape_text(new_uid).into_owned(),
    ));
    new_master.set_near(
        property("SEQUENCE", Vec::new(), "0"),
        &["UID", "DTSTAMP", "CREATED", "LAST-MODIFIED"],
    );
    new_master.set_near(
        property("CREATED", Vec::new(), utc_stamp(now)),
        &["UID", "DTSTAMP"],
    );
    match &rule {
        Some((_, Some(rest))) => replace_value(&mut new_master, "RRULE", rest),
        _ => {
            new_master.remove_all("RRULE");
        }
    }
    let start = form.at(instance);
    let length = instant_of(&current.end, &mut zones) - instant_of(&current.start, &mut zones);
    set_time(&mut new_master, "DTSTART", &start, &[]);
    if new_master.prop("DTEND").is_some() {
        if let Some(end) = shifted(&start, Duration::zero(), length, &mut zones) {
            set_time(&mut new_master, "DTEND", &end, &[]);
        }
    }
    let mut calendar = Component::new("VCALENDAR");
    calendar.properties = obj.calendar.properties.clone();
    calendar.set(property("PRODID", Vec::new(), PRODID));
    calendar.children = obj.calendar.children_named("VTIMEZONE").cloned().collect();
    let defined: BTreeSet<String> = calendar
        .children
        .iter()
        .filter_map(|c| c.prop("TZID").map(|p| p.text().trim().to_owned()))
        .collect();
    let new_index = calendar.children.len();
    calendar.children.push(new_master);
    for &(i, at_cut) in &moving {
        if !at_cut {
            let mut ov = obj.calendar.children[i].clone();
            ov.set(property(
                "UID",
                Vec::new(),
                escape_text(new_uid).into_owned(),
            ));
            calendar.children.push(ov);
        }
    }
    let mut new_obj = CalendarObject { calendar };
    start_new_series(
        &mut new_obj,
        new_index,
        &draft,
        &mut zones,
        calendar_zone.as_ref(),
        now,
    )?;
    let around = instant_of(&draft.start, &mut zones).and_utc().timestamp();
    new_obj.sync_vtimezones(&defined, around, now.timestamp());

    // The old series, up to the cut.
    let old_master = &mut obj.calendar.children[master];
    keep_values(old_master, &lists, |(_, kept, _)| kept);
    if let Some((until, _)) = &rule {
        replace_value(old_master, "RRULE", until);
    }
    record_change(old_master, now, true);
    let mut gone: Vec<usize> = moving.iter().map(|&(i, _)| i).collect();
    gone.sort_unstable();
    for i in gone.into_iter().rev() {
        obj.calendar.children.remove(i);
    }
    obj.sync_vtimezones(&before_tzids, instance.secs, now.timestamp());
    Ok(SplitSeries {
        old: obj.to_text(),
        new: new_obj.to_text(),
    })
}

/// Apply the draft to the new series' master (at `index`) and move its references.
fn start_new_series(
    obj: &mut CalendarObject<'_>,
    index: usize,
    draft: &EventDraft,
    zones: &mut ZoneResolver,
    calendar_zone: Option<&Zone>,
    now: DateTime<Utc>,
) -> Result<(), EditError> {
    let ev = obj.read(index)?;
    let current =
        current_draft(&obj.calendar.children[index], &ev, zones).ok_or_else(|| no_start(&ev))?;
    let form = TimeForm::of(&draft.start, zones, calendar_zone);
    let component = &mut obj.calendar.children[index];
    let applied = apply_draft(component, &current, &ev.end, draft, zones);
    let rule_changed = apply_rule(component, &current, draft, &form);
    // A new object: SEQUENCE stays 0.
    record_change(component, now, false);
    if applied.start_changed {
        let mut moves = SeriesMove::new(&current, draft, zones, calendar_zone);
        moves.rule_given = rule_changed;
        moves.apply(obj, index, &ev, zones, calendar_zone, now)?;
    }
    if rule_changed {
        drop_stale_references(obj, index, zones, calendar_zone)?;
    }
    Ok(())
}

/// The RRULE of the old series (cut with UNTIL) and of the new one (`None` when no
/// rule occurrence is left after the cut).
fn cut_rule(
    text: &str,
    form: &TimeForm,
    start: NaiveDateTime,
    cut: NaiveDateTime,
) -> Result<(String, Option<String>), EditError> {
    let rule = RecurRule::parse(text).map_err(|e| EditError::UnsupportedRule(e.to_string()))?;
    let iterated = if matches!(form, TimeForm::Date) {
        rule.for_all_day()
    } else {
        rule.clone()
    };
    let mut it = iterated.iter(
        start,
        IterOptions {
            until_local: until_wall(&rule, form),
            skip_before: None,
            budget: Budget::default(),
        },
    );
    let (mut before, mut last, mut reached) = (0u32, None, false);
    for l in it.by_ref() {
        if l >= cut {
            reached = true;
            break;
        }
        before = before.saturating_add(1);
        last = Some(l);
    }
    if !reached && it.budget_exhausted() {
        return Err(EditError::UnsupportedRule(
            "too many occurrences before this one".into(),
        ));
    }
    let old = with_bounds(text, Some(&until_value(form, last.unwrap_or(start))), None);
    let new = match (reached, rule.count) {
        (false, _) => None,
        (true, Some(count)) => {
            (count > before).then(|| with_bounds(text, None, Some(count - before)))
        }
        (true, None) => Some(text.to_owned()),
    };
    Ok((old, new))
}

/// Where the series is cut.
struct Cut {
    instance: Stamp,
    /// The cut's day in the series' wall time (for DATE values in a timed series).
    day: NaiveDate,
}

impl Cut {
    /// The raw values of an EXDATE or RDATE property before the cut and from it on.
    /// A value that cannot be read stays where it is.
    fn split_values(
        &self,
        p: &Property<'_>,
        m: &EventData<'_>,
        tc: &mut TimeContext<'_>,
    ) -> (Vec<String>, Vec<String>) {
        let value_param = p.param("VALUE");
        let period = value_param.is_some_and(|v| v.eq_ignore_ascii_case("PERIOD"));
        let tzid = p
            .param("TZID")
            .map(|t| std::borrow::Cow::Owned(t.to_owned()));
        let (mut before, mut after) = (Vec::new(), Vec::new());
        for part in p.value.split(',').map(str::trim).filter(|v| !v.is_empty()) {
            let start = part.split('/').next().unwrap_or(part);
            let parsed = parse_date_or_time(start, if period { None } else { value_param });
            let from_cut = match parsed {
                Err(_) => false,
                Ok(DateOrTime::Date(d)) if self.instance.kind != TimeKind::Date => d >= self.day,
                Ok(value) => {
                    let spec = TimeSpec {
                        value,
                        tzid: tzid.clone(),
                    };
                    tc.instance_stamp(&spec, m)
                        .is_some_and(|s| s.secs >= self.instance.secs)
                }
            };
            if from_cut {
                after.push(part.to_owned());
            } else {
                before.push(part.to_owned());
            }
        }
        (before, after)
    }
}

/// Rewrite the EXDATE/RDATE properties at the indices of `lists` with the values
/// `pick` chooses (kept as written when all stay, removed when none do). Indices
/// are those of `c`'s properties before any change.
fn keep_values<'a, F>(c: &mut Component<'a>, lists: &[(usize, Vec<String>, Vec<String>)], pick: F)
where
    F: Fn(&(usize, Vec<String>, Vec<String>)) -> &Vec<String>,
{
    let mut remove: Vec<usize> = Vec::new();
    for entry in lists {
        let (i, kept, moved) = entry;
        let chosen = pick(entry);
        let all = kept.len() + moved.len();
        let Some(p) = c.properties.get_mut(*i) else {
            continue;
        };
        if chosen.is_empty() {
            remove.push(*i);
        } else if chosen.len() != all {
            let params: Vec<Param<'a>> = p.params.clone();
            *p = Property::new(p.name.clone(), params, chosen.join(","));
        }
    }
    for i in remove.into_iter().rev() {
        if i < c.properties.len() {
            c.properties.remove(i);
        }
    }
}

/// Replace the value of the first `name` property (its parameters kept).
fn replace_value(c: &mut Component<'_>, name: &str, value: &str) {
    if let Some(p) = c.properties.iter_mut().find(|p| p.name == name) {
        p.value = value.to_owned().into();
    }
}
