//! Editing an event as a whole: a single event, or every occurrence of a series.
//!
//! The draft is applied to the master ([`super::apply`]). When the series' start
//! moves, the references to its instances move with it, so that what the user
//! deleted stays deleted and what they changed stays changed: each EXDATE and RDATE
//! value and each override's RECURRENCE-ID is moved by the start's wall-clock shift
//! and written in the new start's form (zone, UTC, floating or date). An override
//! whose times were still its instance's (same start, the series' length) moves to
//! the new instance times too; one the user had moved keeps its times. Overrides that
//! change get DTSTAMP and LAST-MODIFIED now and SEQUENCE one more. An RRULE's UNTIL
//! moves by the same shift (so the last occurrence is not lost when the series moves
//! later) and is rewritten in the form the new start needs (a DATE for all-day
//! series, UTC otherwise). Not moved: a DATE EXDATE in a timed series (it names a
//! whole day), `VALUE=PERIOD` RDATEs, and the rest of the rule (BYDAY and the like
//! are the caller's to change).
//!
//! A draft may set a new rule ([`EventDraft::repeat`]): it is written as given (its
//! UNTIL in the new start's form, never moved by the start's shift: the user said
//! when the series ends). Then the overrides and EXDATE values that name no instance
//! of the new series are removed ([`drop_stale_references`]): an override of an
//! instance the rule no longer has would show as an extra event, and such an EXDATE
//! would hide a later instance by chance. A series that no longer repeats keeps no
//! override and no EXDATE: it is the one event the master describes.

use chrono::{DateTime, Duration, Utc};

use crate::event::{read_event, EventData, TimeSpec};
use crate::expand::{expand_items, ExpandOptions, Stamp, TimeContext, Window};
use crate::ics::{prepare_input, Param, Property};
use crate::recur::RecurRule;
use crate::tz::{Zone, ZoneResolver};
use crate::value::{parse_date_or_time, DateOrTime};

use super::apply::{apply_draft, apply_rule, current_draft, record_change};
use super::draft::{DraftTime, EventDraft};
use super::object::{CalendarObject, PropertyEdits};
use super::rule::{until_value, until_wall, with_bounds};
use super::times::{instant_of, shifted, time_property, wall_of, TimeForm};
use super::EditError;

/// The draft the object's master shows, for the edit form.
pub fn read_draft(object: &str) -> Result<EventDraft, EditError> {
    let prepared = prepare_input(object.as_bytes());
    let obj = CalendarObject::parse(&prepared)?;
    let master = obj.require_master()?;
    let (mut zones, _) = obj.zones();
    let ev = obj.read(master)?;
    current_draft(&obj.calendar.children[master], &ev, &mut zones).ok_or_else(|| no_start(&ev))
}

pub(crate) fn no_start(ev: &EventData<'_>) -> EditError {
    EditError::Unreadable {
        line: ev.line,
        message: "the event has no usable DTSTART".into(),
    }
}

/// Apply `draft` to the whole event (every occurrence of a series): see the module
/// docs. Returns `object` unchanged when the draft changes nothing.
pub fn update_event(
    object: &str,
    draft: &EventDraft,
    now: DateTime<Utc>,
) -> Result<String, EditError> {
    let prepared = prepare_input(object.as_bytes());
    let mut obj = CalendarObject::parse(&prepared)?;
    let master = obj.require_master()?;
    let (mut zones, calendar_zone) = obj.zones();
    let draft = draft.normalized();
    draft.check_in(&mut zones, &obj.tzids())?;
    let old = obj.read(master)?;
    let current = current_draft(&obj.calendar.children[master], &old, &mut zones)
        .ok_or_else(|| no_start(&old))?;
    draft.check_rule_against(current.rule())?;
    let before = obj.tzids();
    let new_form = TimeForm::of(&draft.start, &mut zones, calendar_zone.as_ref());
    let component = &mut obj.calendar.children[master];
    let applied = apply_draft(component, &current, &old.end, &draft, &mut zones);
    let rule_changed = apply_rule(component, &current, &draft, &new_form);
    if !applied.changed && !rule_changed {
        return Ok(object.to_owned());
    }
    record_change(component, now, applied.times_changed || rule_changed);
    if applied.start_changed {
        let mut moves = SeriesMove::new(&current, &draft, &mut zones, calendar_zone.as_ref());
        moves.rule_given = rule_changed;
        moves.apply(
            &mut obj,
            master,
            &old,
            &mut zones,
            calendar_zone.as_ref(),
            now,
        )?;
    }
    if rule_changed {
        drop_stale_references(&mut obj, master, &mut zones, calendar_zone.as_ref())?;
    }
    let around = instant_of(&draft.start, &mut zones).and_utc().timestamp();
    obj.sync_vtimezones(&before, around, now.timestamp());
    Ok(obj.to_text())
}

/// How a series' start moved: the wall-clock shift and the old and new forms.
pub(crate) struct SeriesMove {
    old_form: TimeForm,
    new_form: TimeForm,
    shift: Duration,
    /// The series' length before and after (exact for absolute times).
    old_length: Duration,
    new_length: Duration,
    /// The draft set the rule: its UNTIL is the user's and does not move.
    pub rule_given: bool,
}

impl SeriesMove {
    pub fn new(
        current: &EventDraft,
        draft: &EventDraft,
        zones: &mut ZoneResolver,
        calendar_zone: Option<&Zone>,
    ) -> Self {
        let length = |d: &EventDraft, zones: &mut ZoneResolver| {
            instant_of(&d.end, zones) - instant_of(&d.start, zones)
        };
        SeriesMove {
            old_form: TimeForm::of(&current.start, zones, calendar_zone),
            new_form: TimeForm::of(&draft.start, zones, calendar_zone),
            shift: wall_of(&draft.start) - wall_of(&current.start),
            old_length: length(current, zones),
            new_length: length(draft, zones),
            rule_given: false,
        }
    }

    /// Where the instance `stamp` of the old series is in the new one.
    pub fn moved(&self, stamp: Stamp) -> Option<DraftTime> {
        let wall = self.old_form.wall(stamp).checked_add_signed(self.shift)?;
        Some(self.new_form.at_wall(wall))
    }

    /// Move the master's EXDATEs and RDATEs and the overrides (see the module docs).
    /// `old` is the master as it was before the edit.
    pub fn apply(
        &self,
        obj: &mut CalendarObject<'_>,
        master: usize,
        old: &EventData<'_>,
        zones: &mut ZoneResolver,
        calendar_zone: Option<&Zone>,
        now: DateTime<Utc>,
    ) -> Result<(), EditError> {
        let old_is_date = matches!(self.old_form, TimeForm::Date);
        // New values first (the time context borrows the zones), then the writes.
        let mut date_lists: Vec<(usize, Property<'static>)> = Vec::new();
        let mut overrides: Vec<OverrideMove> = Vec::new();
        {
            let mut tc = TimeContext::new(zones, calendar_zone.cloned());
            for (i, p) in obj.calendar.children[master].properties.iter().enumerate() {
                let moved = match p.name.as_ref() {
                    "EXDATE" | "RDATE" => self.moved_list(p, old, old_is_date, &mut tc),
                    "RRULE" if !self.rule_given => self.moved_rule(p),
                    _ => None,
                };
                if let Some(moved) = moved {
                    date_lists.push((i, moved));
                }
            }
            for i in obj.overrides() {
                let ov = obj.read(i)?;
                let component = &obj.calendar.children[i];
                if let Some(m) = self.moved_override(i, component, &ov, old, &mut tc) {
                    overrides.push(m);
                }
            }
        }
        for (i, p) in date_lists {
            if let Some(slot) = obj.calendar.children[master].properties.get_mut(i) {
                *slot = p;
            }
        }
        for m in overrides {
            let ov = obj.read(m.index)?;
            let current = current_draft(&obj.calendar.children[m.index], &ov, zones);
            let component = &mut obj.calendar.children[m.index];
            let kept: Vec<Param<'_>> = component
                .prop("RECURRENCE-ID")
                .map(|p| p.params.clone())
                .unwrap_or_default();
            let rid = time_property("RECURRENCE-ID", &m.recurrence_id, &kept);
            if let Some(slot) = component
                .properties
                .iter_mut()
                .find(|p| p.name == "RECURRENCE-ID")
            {
                *slot = rid;
            }
            if let (Some(times), Some(current)) = (m.times, current) {
                let draft = EventDraft {
                    start: times.0,
                    end: times.1,
                    ..current.clone()
                };
                apply_draft(component, &current, &ov.end, &draft, zones);
            }
            record_change(component, now, true);
        }
        Ok(())
    }

    /// An EXDATE or RDATE property with every value moved, or `None` to keep it.
    fn moved_list(
        &self,
        p: &Property<'_>,
        old: &EventData<'_>,
        old_is_date: bool,
        tc: &mut TimeContext<'_>,
    ) -> Option<Property<'static>> {
        let value_param = p.param("VALUE");
        if value_param.is_some_and(|v| v.eq_ignore_ascii_case("PERIOD")) || p.value.contains('/') {
            return None;
        }
        let is_date = value_param.is_some_and(|v| v.eq_ignore_ascii_case("DATE"));
        if is_date && !old_is_date {
            return None;
        }
        let tzid = p
            .param("TZID")
            .map(|t| std::borrow::Cow::Owned(t.to_owned()));
        let mut values = Vec::new();
        for part in p.value.split(',').map(str::trim).filter(|v| !v.is_empty()) {
            let spec = TimeSpec {
                value: parse_date_or_time(part, value_param).ok()?,
                tzid: tzid.clone(),
            };
            let stamp = tc.instance_stamp(&spec, old)?;
            values.push(self.moved(stamp)?.ics_value());
        }
        let mut params: Vec<Param<'static>> = p
            .params
            .iter()
            .filter(|q| q.name != "TZID" && q.name != "VALUE")
            .map(|q| Param::new(q.name.to_string(), q.value.to_string()))
            .collect();
        params.extend(self.new_form.params());
        let name = if p.name == "EXDATE" {
            "EXDATE"
        } else {
            "RDATE"
        };
        Some(Property::new(name, params, values.join(",")))
    }

    /// An RRULE whose UNTIL moved with the start (and is written in the new start's
    /// form), or `None` to keep it (no UNTIL, or a rule we cannot read).
    fn moved_rule(&self, p: &Property<'_>) -> Option<Property<'static>> {
        let rule = RecurRule::parse(&p.value).ok()?;
        let wall = until_wall(&rule, &self.old_form)?.checked_add_signed(self.shift)?;
        let value = with_bounds(
            &p.value,
            Some(&until_value(&self.new_form, wall)),
            rule.count,
        );
        let params = p
            .params
            .iter()
            .map(|q| Param::new(q.name.to_string(), q.value.to_string()))
            .collect();
        Some(Property::new("RRULE", params, value))
    }

    /// Where an override goes: its new RECURRENCE-ID, and new times when it still
    /// had its instance's times.
    fn moved_override(
        &self,
        index: usize,
        component: &crate::ics::Component<'_>,
        ov: &EventData<'_>,
        old: &EventData<'_>,
        tc: &mut TimeContext<'_>,
    ) -> Option<OverrideMove> {
        let stamp = tc.instance_stamp(ov.recurrence_id.as_ref()?, old)?;
        let recurrence_id = self.moved(stamp)?;
        let start = ov.start.as_ref()?;
        let unmoved_start = tc.instance_stamp(start, old) == Some(stamp);
        let current = current_draft(component, ov, tc.resolver);
        let own_length = current
            .as_ref()
            .map(|c| instant_of(&c.end, tc.resolver) - instant_of(&c.start, tc.resolver));
        let times = (unmoved_start && own_length == Some(self.old_length))
            .then(|| {
                let end = shifted(
                    &recurrence_id,
                    Duration::zero(),
                    self.new_length,
                    tc.resolver,
                )?;
                Some((recurrence_id.clone(), end))
            })
            .flatten();
        Some(OverrideMove {
            index,
            recurrence_id,
            times,
        })
    }
}

/// How one override moves with its series.
struct OverrideMove {
    index: usize,
    recurrence_id: DraftTime,
    /// New start and end, for an override that kept its instance's times.
    times: Option<(DraftTime, DraftTime)>,
}

/// After the master's rule changed: remove the overrides and EXDATE values that name
/// no instance of the series any more (see the module docs). A reference that
/// cannot be read or placed stays, as does a DATE EXDATE in a timed series (it names
/// a whole day) and everything when the check was cut short by the expansion's
/// budget: only what is surely stale goes.
pub(crate) fn drop_stale_references(
    obj: &mut CalendarObject<'_>,
    master: usize,
    zones: &mut ZoneResolver,
    calendar_zone: Option<&Zone>,
) -> Result<(), EditError> {
    // The series without its exclusions: an excluded instance is still one.
    let mut probe = obj.calendar.children[master].clone();
    probe
        .properties
        .retain(|p| !matches!(p.name.as_ref(), "EXDATE" | "EXRULE"));
    let series = read_event(&probe, b"").map_err(|e| EditError::Unreadable {
        line: e.line,
        message: e.to_string(),
    })?;
    if !series.has_recurrence_props {
        let component = &mut obj.calendar.children[master];
        component.remove_all("EXDATE");
        component.remove_all("EXRULE");
        for i in obj.overrides().into_iter().rev() {
            obj.calendar.children.remove(i);
        }
        return Ok(());
    }
    let series_is_date = series
        .start
        .as_ref()
        .is_some_and(|s| matches!(s.value, DateOrTime::Date(_)));
    let mut tc = TimeContext::new(zones, calendar_zone.cloned());
    let mut rewritten: Vec<(usize, Option<String>)> = Vec::new();
    for (i, p) in obj.calendar.children[master].properties.iter().enumerate() {
        if p.name != "EXDATE" {
            continue;
        }
        let value_param = p.param("VALUE");
        if !series_is_date && value_param.is_some_and(|v| v.eq_ignore_ascii_case("DATE")) {
            continue;
        }
        let tzid = p
            .param("TZID")
            .map(|t| std::borrow::Cow::Owned(t.to_owned()));
        let values: Vec<&str> = p
            .value
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect();
        let kept: Vec<&str> = values
            .iter()
            .copied()
            .filter(|part| {
                let stamp = parse_date_or_time(part, value_param)
                    .ok()
                    .and_then(|value| {
                        let spec = TimeSpec {
                            value,
                            tzid: tzid.clone(),
                        };
                        tc.instance_stamp(&spec, &series)
                    });
                stamp.is_none_or(|s| is_instance(&series, s, &mut tc))
            })
            .collect();
        if kept.len() != values.len() {
            rewritten.push((i, (!kept.is_empty()).then(|| kept.join(","))));
        }
    }
    let mut stale: Vec<usize> = Vec::new();
    for i in obj.overrides() {
        let ov = obj.read(i)?;
        let stamp = ov
            .recurrence_id
            .as_ref()
            .and_then(|r| tc.instance_stamp(r, &series));
        if stamp.is_some_and(|s| !is_instance(&series, s, &mut tc)) {
            stale.push(i);
        }
    }
    let component = &mut obj.calendar.children[master];
    for (i, value) in rewritten.into_iter().rev() {
        match value {
            Some(v) => {
                if let Some(p) = component.properties.get_mut(i) {
                    p.value = v.into();
                }
            }
            None if i < component.properties.len() => {
                component.properties.remove(i);
            }
            None => {}
        }
    }
    for i in stale.into_iter().rev() {
        obj.calendar.children.remove(i);
    }
    Ok(())
}

/// True when `series` has an instance at `stamp`, or when the expansion could not
/// tell (cut by its budget: the reference is then kept).
fn is_instance(series: &EventData<'_>, stamp: Stamp, tc: &mut TimeContext<'_>) -> bool {
    let window = Window {
        from: stamp.secs,
        to: stamp.secs.saturating_add(1),
    };
    let expansion = expand_items(
        std::slice::from_ref(series),
        tc,
        &ExpandOptions::new(window),
    );
    !expansion.cut.is_empty()
        || expansion
            .occurrences
            .iter()
            .any(|o| o.instance == Some(stamp))
}
