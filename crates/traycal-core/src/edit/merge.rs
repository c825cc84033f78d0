//! Three-way merge of one remote object: the version both sides last agreed on
//! (`base`), the one changed here (`local`) and the one changed on the server
//! (`remote`). What only one side changed is taken from it; what both changed alike
//! is taken once; what both changed differently is a clash, named, and nothing is
//! merged (the caller keeps both versions for the user to choose).
//!
//! The grain:
//! - **components:** the events by RECURRENCE-ID (the master has none), so an
//!   occurrence changed on one side and the series on the other both stay; an
//!   override added or removed on one side is added or removed; removed on one side
//!   and changed on the other is a clash. VTIMEZONEs by TZID (the server's, plus one
//!   only ours uses). The calendar's own properties and any other component are the
//!   server's;
//! - **properties,** by name, compared as written less the order of parameters
//!   (servers reorder them). ATTENDEE lines by address, so two people's replies merge.
//!   EXDATE and RDATE as sets of dates: an exception added on either side is kept, one
//!   removed on either side is removed. DTSTAMP, LAST-MODIFIED and SEQUENCE never
//!   clash: the latest is kept. An event's alarms are one unit;
//! - **the series' times as one:** DTSTART, DTEND and DURATION of an event are one
//!   item (so no event gets both DTEND and DURATION, or ends before it starts). When
//!   one side moved a series (its start, end or rule) and the other changed its
//!   exceptions, RDATEs, overrides or times, that is a clash: a move rewrites every
//!   exception, so the two cannot be combined safely. Overrides added on both sides,
//!   or an exception added on one side while the other removed one, are clashes too
//!   (the same occurrence can be written in two forms);
//! - **the rest of the calendar:** the server's properties (PRODID aside) and its
//!   components other than events and time zones; changed here and not alike there,
//!   a clash;
//! - **order:** the server's, with what only ours has after it.
//!
//! Invariants: the result holds every change of either side or there is no result;
//! merging a side with itself, or with an unchanged side, gives that side's content;
//! an input that cannot be read whole is refused (see [`CalendarObject::parse`]).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use super::object::CalendarObject;
use super::EditError;
use crate::ics::{prepare_input, Component, Param, Property};

/// What merging gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merged {
    /// Every change of both sides, as one object text.
    Clean(String),
    /// What both sides changed differently; nothing was merged.
    Clashes(Vec<Clash>),
}

/// One thing both sides changed differently.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Clash {
    /// The event: `None` for the series (or a one-off), else the occurrence's
    /// RECURRENCE-ID value.
    pub occurrence: Option<String>,
    /// The property (`SUMMARY`, `ATTENDEE mailto:bob@x`, `VALARM`), or `EVENT` when
    /// one side removed the event and the other changed it.
    pub what: String,
}

/// Merges `local` and `remote` over `base` (see the module docs).
pub fn merge_object(base: &str, local: &str, remote: &str) -> Result<Merged, EditError> {
    let (b, l, r) = (
        prepare_input(base.as_bytes()),
        prepare_input(local.as_bytes()),
        prepare_input(remote.as_bytes()),
    );
    let (b, l, r) = (
        CalendarObject::parse(&b)?,
        CalendarObject::parse(&l)?,
        CalendarObject::parse(&r)?,
    );
    if l.uid()? != r.uid()? {
        return Err(EditError::SeveralUids);
    }
    let (Some(b_events), Some(l_events), Some(r_events)) = (events(&b), events(&l), events(&r))
    else {
        return Ok(Merged::Clashes(vec![Clash {
            occurrence: None,
            what: "EVENT (held twice)".to_owned(),
        }]));
    };
    let mut clashes = Vec::new();
    if calendar_rest(&l) != calendar_rest(&b) && calendar_rest(&l) != calendar_rest(&r) {
        clashes.push(Clash {
            occurrence: None,
            what: "VCALENDAR".to_owned(),
        });
    }
    if series_clash(&b_events, &l_events, &r_events) {
        clashes.push(Clash {
            occurrence: None,
            what: "the series' times".to_owned(),
        });
    }
    let mut merged_events: Vec<Component<'_>> = Vec::new();
    for key in keys(&l_events, &r_events, &b_events) {
        let (bc, lc, rc) = (b_events.get(&key), l_events.get(&key), r_events.get(&key));
        let occurrence = (!key.is_empty()).then(|| key.clone());
        let clash = |what: &str| Clash {
            occurrence: occurrence.clone(),
            what: what.to_owned(),
        };
        match (bc, lc, rc) {
            (_, None, None) => {}
            (None, Some(one), None) | (None, None, Some(one)) => merged_events.push((*one).clone()),
            (Some(b), Some(one), None) | (Some(b), None, Some(one)) => {
                // Removed on one side: removed, unless the other changed it.
                if !same_component(b, one) {
                    clashes.push(clash("EVENT"));
                }
            }
            (base, Some(l), Some(r)) => {
                let empty = Component::new("VEVENT");
                let base = base.copied().unwrap_or(&empty);
                match merge_component(base, l, r) {
                    Ok(c) => merged_events.push(c),
                    Err(whats) => clashes.extend(whats.iter().map(|w| clash(w))),
                }
            }
        }
    }
    if !clashes.is_empty() {
        clashes.sort();
        return Ok(Merged::Clashes(clashes));
    }
    // The server's calendar: its properties, its components but the events, then
    // the events merged, then a VTIMEZONE only ours has.
    let mut out = r.calendar.clone();
    out.children.retain(|c| c.name != "VEVENT");
    let tzids: BTreeSet<String> = out
        .children
        .iter()
        .filter(|c| c.name == "VTIMEZONE")
        .filter_map(|c| c.prop("TZID").map(|p| p.value.to_string()))
        .collect();
    out.children.extend(merged_events);
    for zone in l.calendar.children.iter().filter(|c| c.name == "VTIMEZONE") {
        if zone
            .prop("TZID")
            .is_some_and(|p| !tzids.contains(p.value.as_ref()))
        {
            out.children.push(zone.clone());
        }
    }
    Ok(Merged::Clean(CalendarObject { calendar: out }.to_text()))
}

/// The events of an object by RECURRENCE-ID value (`""`: the master); `None` when
/// one key is held twice.
fn events<'o, 'a>(o: &'o CalendarObject<'a>) -> Option<BTreeMap<String, &'o Component<'a>>> {
    let mut out = BTreeMap::new();
    for c in o.calendar.children.iter().filter(|c| c.name == "VEVENT") {
        let rid = c
            .prop("RECURRENCE-ID")
            .map(|p| p.value.trim().to_owned())
            .unwrap_or_default();
        if out.insert(rid, c).is_some() {
            return None;
        }
    }
    Some(out)
}

/// What of the calendar the merge takes from the server alone: its properties but
/// PRODID, and its components other than events and time zones, as compared.
fn calendar_rest(o: &CalendarObject<'_>) -> Vec<String> {
    let mut out: Vec<String> = o
        .calendar
        .properties
        .iter()
        .filter(|p| !p.name.eq_ignore_ascii_case("PRODID"))
        .map(canonical)
        .collect();
    out.sort();
    out.extend(
        o.calendar
            .children
            .iter()
            .filter(|c| c.name != "VEVENT" && c.name != "VTIMEZONE")
            .map(|c| c.to_ics()),
    );
    out
}

/// The master's lines named `names`, as compared, sorted.
fn lines_of(events: &BTreeMap<String, &Component<'_>>, names: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = events
        .get("")
        .map(|m| {
            m.properties
                .iter()
                .filter(|p| names.iter().any(|n| p.name.eq_ignore_ascii_case(n)))
                .map(canonical)
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Whether one side moved the series (the master's start, end or rule) while the
/// other changed what hangs on it (exceptions, RDATEs, overrides, or the times
/// differently), or both added overrides: see the module docs.
fn series_clash(
    b: &BTreeMap<String, &Component<'_>>,
    l: &BTreeMap<String, &Component<'_>>,
    r: &BTreeMap<String, &Component<'_>>,
) -> bool {
    const SHAPE: [&str; 5] = ["DTSTART", "DTEND", "DURATION", "RRULE", "EXRULE"];
    let shape = |e: &BTreeMap<String, &Component<'_>>| lines_of(e, &SHAPE);
    let hung = |e: &BTreeMap<String, &Component<'_>>| {
        let mut v = lines_of(e, &DATE_SETS);
        v.extend(e.keys().filter(|k| !k.is_empty()).cloned());
        v
    };
    let (l_moved, r_moved) = (shape(l) != shape(b), shape(r) != shape(b));
    let (l_hung, r_hung) = (hung(l) != hung(b), hung(r) != hung(b));
    let same_change = shape(l) == shape(r) && hung(l) == hung(r);
    let added = |e: &BTreeMap<String, &Component<'_>>| -> BTreeSet<String> {
        e.keys()
            .filter(|k| !k.is_empty() && !b.contains_key(*k))
            .cloned()
            .collect()
    };
    let (l_added, r_added) = (added(l), added(r));
    let both_added = !l_added.is_empty() && !r_added.is_empty() && l_added != r_added;
    !same_change && ((l_moved && (r_moved || r_hung)) || (r_moved && l_hung) || both_added)
}

/// Every event key, in the server's order, then ours, then the base's.
fn keys(
    l: &BTreeMap<String, &Component<'_>>,
    r: &BTreeMap<String, &Component<'_>>,
    b: &BTreeMap<String, &Component<'_>>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in r.keys().chain(l.keys()).chain(b.keys()) {
        if !out.contains(k) {
            out.push(k.clone());
        }
    }
    out
}

/// Properties whose differences never clash: the latest is kept.
const STAMPS: [&str; 3] = ["DTSTAMP", "LAST-MODIFIED", "SEQUENCE"];
/// An event's times, merged as one item.
const TIMES: [&str; 3] = ["DTSTART", "DTEND", "DURATION"];

/// An event's time lines (see [`TIMES`]).
fn times<'a>(c: &Component<'a>) -> Vec<Property<'a>> {
    c.properties
        .iter()
        .filter(|p| TIMES.iter().any(|t| p.name.eq_ignore_ascii_case(t)))
        .cloned()
        .collect()
}
/// Properties merged as sets of their single values.
const DATE_SETS: [&str; 2] = ["EXDATE", "RDATE"];

/// A property as compared: name, parameters sorted, value.
fn canonical(p: &Property<'_>) -> String {
    let mut params: Vec<String> = p
        .params
        .iter()
        .map(|q| format!("{}={}", q.name.to_ascii_uppercase(), q.value))
        .collect();
    params.sort();
    format!(
        "{};{}:{}",
        p.name.to_ascii_uppercase(),
        params.join(";"),
        p.value
    )
}

/// The items a property name is merged by: key → the property, one per key.
/// Most names are one item (all their lines as one); ATTENDEE one per address;
/// EXDATE and RDATE one per date.
fn items<'c, 'a>(c: &'c Component<'a>, name: &str) -> BTreeMap<String, Vec<Property<'a>>> {
    let mut out: BTreeMap<String, Vec<Property<'a>>> = BTreeMap::new();
    for p in c
        .properties
        .iter()
        .filter(|p| p.name.eq_ignore_ascii_case(name))
    {
        if DATE_SETS.contains(&name) {
            for v in p.value.split(',').map(str::trim).filter(|v| !v.is_empty()) {
                let one = Property {
                    value: Cow::Owned(v.to_owned()),
                    ..p.clone()
                };
                out.entry(canonical(&one)).or_default().push(one);
            }
        } else if name == "ATTENDEE" {
            out.entry(p.value.trim().to_ascii_lowercase())
                .or_default()
                .push(p.clone());
        } else {
            out.entry(String::new()).or_default().push(p.clone());
        }
    }
    out
}

fn same(a: Option<&Vec<Property<'_>>>, b: Option<&Vec<Property<'_>>>) -> bool {
    let text = |v: Option<&Vec<Property<'_>>>| -> Option<Vec<String>> {
        v.map(|ps| {
            let mut all: Vec<String> = ps.iter().map(canonical).collect();
            all.sort();
            all
        })
    };
    text(a) == text(b)
}

fn same_component(a: &Component<'_>, b: &Component<'_>) -> bool {
    let lines = |c: &Component<'_>| -> Vec<String> {
        let mut all: Vec<String> = c
            .properties
            .iter()
            .filter(|p| !STAMPS.iter().any(|s| p.name.eq_ignore_ascii_case(s)))
            .map(canonical)
            .collect();
        all.sort();
        all.push(children_text(c));
        all
    };
    lines(a) == lines(b)
}

fn children_text(c: &Component<'_>) -> String {
    let mut out = String::new();
    for child in &c.children {
        out.push_str(&child.to_ics());
    }
    out
}

/// Merges one event; `Err` names what clashed.
fn merge_component<'a>(
    base: &Component<'_>,
    local: &Component<'a>,
    remote: &Component<'a>,
) -> Result<Component<'a>, Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for p in remote
        .properties
        .iter()
        .chain(&local.properties)
        .chain(&base.properties)
    {
        let n = p.name.to_ascii_uppercase();
        if !names.contains(&n) {
            names.push(n);
        }
    }
    let mut clashes = Vec::new();
    let mut properties: Vec<Property<'a>> = Vec::new();
    let mut timed = false;
    for name in &names {
        if STAMPS.contains(&name.as_str()) {
            properties.extend(latest(name, base, local, remote));
            continue;
        }
        if TIMES.contains(&name.as_str()) {
            // One item for the three, written where the first of them comes.
            if !timed {
                timed = true;
                let (b, l, r) = (times(base), times(local), times(remote));
                if same(Some(&l), Some(&b)) {
                    properties.extend(r);
                } else if same(Some(&r), Some(&b)) || same(Some(&l), Some(&r)) {
                    properties.extend(l);
                } else {
                    clashes.push("DTSTART".to_owned());
                }
            }
            continue;
        }
        let (b, l, r) = (items(base, name), items(local, name), items(remote, name));
        if DATE_SETS.contains(&name.as_str()) {
            let added =
                |x: &BTreeMap<String, Vec<Property<'_>>>| x.keys().any(|k| !b.contains_key(k));
            let removed =
                |x: &BTreeMap<String, Vec<Property<'_>>>| b.keys().any(|k| !x.contains_key(k));
            if (removed(&l) && added(&r)) || (removed(&r) && added(&l)) {
                clashes.push(name.clone());
                continue;
            }
        }
        let mut keys: Vec<&String> = r.keys().collect();
        keys.extend(l.keys().filter(|k| !r.contains_key(*k)));
        keys.extend(
            b.keys()
                .filter(|k| !r.contains_key(*k) && !l.contains_key(*k)),
        );
        for key in keys {
            let (bi, li, ri) = (b.get(key), l.get(key), r.get(key));
            let taken = if same(li, bi) {
                ri
            } else if same(ri, bi) || same(li, ri) {
                li
            } else {
                let what = if key.is_empty() || DATE_SETS.contains(&name.as_str()) {
                    name.clone()
                } else {
                    format!("{name} {key}")
                };
                clashes.push(what);
                continue;
            };
            properties.extend(taken.into_iter().flatten().cloned());
        }
    }
    // Alarms (and any other child) as one unit.
    let children = {
        let (b, l, r) = (
            children_text(base),
            children_text(local),
            children_text(remote),
        );
        if l == b || l == r {
            remote.children.clone()
        } else if r == b {
            local.children.clone()
        } else {
            clashes.push("VALARM".to_owned());
            Vec::new()
        }
    };
    if !clashes.is_empty() {
        return Err(clashes);
    }
    Ok(Component {
        properties: join_date_sets(properties),
        children,
        ..remote.clone()
    })
}

/// The later of the two sides' `name` (SEQUENCE by number, the stamps by their UTC
/// text, which sorts by time). A SEQUENCE both sides raised goes one past the
/// higher: the merge is a change neither side's attendees have seen.
fn latest<'a>(
    name: &str,
    base: &Component<'_>,
    local: &Component<'a>,
    remote: &Component<'a>,
) -> Option<Property<'a>> {
    let (l, r) = (local.prop(name), remote.prop(name));
    let number = |p: Option<&Property<'_>>| p.and_then(|p| p.value.trim().parse::<i64>().ok());
    if name == "SEQUENCE" {
        let b = number(base.prop(name)).unwrap_or(0);
        if let (Some(ln), Some(rn), Some(p)) = (number(l), number(r), r) {
            if ln > b && rn > b {
                let mut bumped = p.clone();
                bumped.value = Cow::Owned((ln.max(rn) + 1).to_string());
                return Some(bumped);
            }
        }
    }
    let key = |p: &Property<'_>| -> (i64, String) {
        if name == "SEQUENCE" {
            (p.value.trim().parse().unwrap_or(0), String::new())
        } else {
            (0, p.value.trim().to_owned())
        }
    };
    match (l, r) {
        (Some(l), Some(r)) => Some(if key(l) > key(r) {
            l.clone()
        } else {
            r.clone()
        }),
        (one, other) => one.or(other).cloned(),
    }
}

/// Whether `a` and `b` differ in more than their stamps (DTSTAMP, LAST-MODIFIED,
/// SEQUENCE) and the order and folding of their lines: a server that writes a new
/// DTSTAMP on every read has not changed the event. Texts that cannot be read
/// differ.
pub fn differs_beyond_stamps(a: &str, b: &str) -> bool {
    let (a, b) = (prepare_input(a.as_bytes()), prepare_input(b.as_bytes()));
    let (Ok(a), Ok(b)) = (CalendarObject::parse(&a), CalendarObject::parse(&b)) else {
        return true;
    };
    let (Some(ea), Some(eb)) = (events(&a), events(&b)) else {
        return true;
    };
    calendar_rest(&a) != calendar_rest(&b)
        || ea.len() != eb.len()
        || ea
            .iter()
            .any(|(k, c)| eb.get(k).is_none_or(|other| !same_component(c, other)))
}

/// EXDATE and RDATE values, taken one by one, written back one line per parameter set.
fn join_date_sets(properties: Vec<Property<'_>>) -> Vec<Property<'_>> {
    let mut out: Vec<Property<'_>> = Vec::with_capacity(properties.len());
    for p in properties {
        let set = DATE_SETS.iter().any(|s| p.name.eq_ignore_ascii_case(s));
        let same_line = out.last_mut().filter(|last| {
            set && last.name.eq_ignore_ascii_case(&p.name)
                && params_key(&last.params) == params_key(&p.params)
        });
        match same_line {
            Some(last) => {
                let joined = format!("{},{}", last.value, p.value);
                last.value = Cow::Owned(joined);
            }
            None => out.push(p),
        }
    }
    out
}

fn params_key(params: &[Param<'_>]) -> Vec<String> {
    let mut k: Vec<String> = params
        .iter()
        .map(|q| format!("{}={}", q.name.to_ascii_uppercase(), q.value))
        .collect();
    k.sort();
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An object: the calendar lines around `events` (each a VEVENT body).
    fn object(events: &[&str]) -> String {
        let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n");
        for e in events {
            s.push_str("BEGIN:VEVENT\r\nUID:m@x\r\n");
            for line in e.lines() {
                s.push_str(line.trim());
                s.push_str("\r\n");
            }
            s.push_str("END:VEVENT\r\n");
        }
        s.push_str("END:VCALENDAR\r\n");
        s
    }

    const MASTER: &str = "DTSTAMP:20260301T000000Z
        DTSTART:20260302T090000Z
        DTEND:20260302T100000Z
        RRULE:FREQ=DAILY;COUNT=5
        SUMMARY:Planning
        LOCATION:Room 1
        ORGANIZER:mailto:alice@x
        ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@x
        ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bob@x
        ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:carol@x
        EXDATE:20260303T090000Z
        X-SERVER-THING:kept";

    fn clean(base: &str, local: &str, remote: &str) -> String {
        match merge_object(base, local, remote).unwrap() {
            Merged::Clean(text) => text,
            Merged::Clashes(c) => panic!("clashes: {c:?}"),
        }
    }

    /// Whether one of `clashes` is about `what`.
    fn names(clashes: &[Clash], what: &str) -> bool {
        clashes.iter().any(|c| c.what == what)
    }

    fn clashes(base: &str, local: &str, remote: &str) -> Vec<Clash> {
        match merge_object(base, local, remote).unwrap() {
            Merged::Clean(text) => panic!("merged:\n{text}"),
            Merged::Clashes(c) => c,
        }
    }

    #[test]
    fn different_properties_changed_on_each_side_both_stay() {
        let base = object(&[MASTER]);
        let local = object(&[&MASTER.replace("SUMMARY:Planning", "SUMMARY:Planning (moved)")]);
        let remote = object(&[&MASTER.replace("LOCATION:Room 1", "LOCATION:Room 2")]);
        let merged = clean(&base, &local, &remote);
        assert!(merged.contains("SUMMARY:Planning (moved)\r\n"), "{merged}");
        assert!(merged.contains("LOCATION:Room 2\r\n"), "{merged}");
        assert!(merged.contains("X-SERVER-THING:kept\r\n"), "{merged}");
    }

    #[test]
    fn one_property_changed_differently_is_a_named_clash() {
        let base = object(&[MASTER]);
        let local = object(&[&MASTER.replace("SUMMARY:Planning", "SUMMARY:Ours")]);
        let remote = object(&[&MASTER.replace("SUMMARY:Planning", "SUMMARY:Theirs")]);
        assert_eq!(
            clashes(&base, &local, &remote),
            [Clash {
                occurrence: None,
                what: "SUMMARY".into()
            }]
        );
        // The same change on both sides is no clash.
        let same = object(&[&MASTER.replace("SUMMARY:Planning", "SUMMARY:Ours")]);
        assert!(clean(&base, &local, &same).contains("SUMMARY:Ours\r\n"));
    }

    #[test]
    fn two_peoples_replies_merge_and_parameter_order_is_no_change() {
        let base = object(&[MASTER]);
        let local = object(&[&MASTER.replace(
            "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:carol@x",
            "ATTENDEE;PARTSTAT=DECLINED:mailto:carol@x",
        )]);
        // The server wrote alice's line with its parameters in another order.
        let remote = object(&[&MASTER
            .replace(
                "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bob@x",
                "ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@x",
            )
            .replace(
                "ORGANIZER:mailto:alice@x",
                "ORGANIZER;CN=Alice;X-A=1:mailto:alice@x",
            )]);
        let merged = clean(&base, &local, &remote);
        assert!(
            merged.contains("PARTSTAT=ACCEPTED:mailto:bob@x"),
            "{merged}"
        );
        assert!(
            merged.contains("PARTSTAT=DECLINED:mailto:carol@x"),
            "{merged}"
        );
        assert!(
            merged.contains("ORGANIZER;CN=Alice;X-A=1:mailto:alice@x"),
            "{merged}"
        );
        // The same person's answer changed both ways clashes, by address.
        let other = object(&[&MASTER.replace(
            "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:carol@x",
            "ATTENDEE;PARTSTAT=ACCEPTED:mailto:carol@x",
        )]);
        assert_eq!(
            clashes(&base, &local, &other)[0].what,
            "ATTENDEE mailto:carol@x"
        );
    }

    #[test]
    fn exceptions_merge_as_sets() {
        let base = object(&[MASTER]);
        let local = object(&[&MASTER.replace(
            "EXDATE:20260303T090000Z",
            "EXDATE:20260303T090000Z,20260304T090000Z",
        )]);
        let remote = object(&[&MASTER.replace(
            "EXDATE:20260303T090000Z",
            "EXDATE:20260303T090000Z,20260305T090000Z",
        )]);
        let merged = clean(&base, &local, &remote);
        // Ours added the 4th, theirs the 5th.
        assert!(merged.contains("20260303T090000Z"), "{merged}");
        assert!(merged.contains("20260304T090000Z"), "{merged}");
        assert!(merged.contains("20260305T090000Z"), "{merged}");
        assert_eq!(merged.matches("EXDATE").count(), 1, "one line: {merged}");
        // Removed on both sides: gone.
        let none = object(&[&MASTER.replace("EXDATE:20260303T090000Z\n", "")]);
        assert!(!clean(&base, &none, &none).contains("EXDATE"));
        // Theirs removed one (or wrote it in another form) while ours added one.
        let removed = object(&[&MASTER.replace(
            "EXDATE:20260303T090000Z",
            "EXDATE;TZID=Europe/Berlin:20260303T100000",
        )]);
        assert_eq!(clashes(&base, &local, &removed)[0].what, "EXDATE");
    }

    #[test]
    fn an_occurrence_changed_here_and_the_series_there_both_stay() {
        let base = object(&[MASTER]);
        let moved = "RECURRENCE-ID:20260304T090000Z
            DTSTAMP:20260301T000000Z
            DTSTART:20260304T140000Z
            DTEND:20260304T150000Z
            SUMMARY:Planning (afternoon)";
        let local = object(&[MASTER, moved]);
        let remote = object(&[&MASTER.replace("LOCATION:Room 1", "LOCATION:Room 9")]);
        let merged = clean(&base, &local, &remote);
        assert!(merged.contains("LOCATION:Room 9\r\n"), "{merged}");
        assert!(
            merged.contains("RECURRENCE-ID:20260304T090000Z\r\n"),
            "{merged}"
        );
        assert!(
            merged.contains("SUMMARY:Planning (afternoon)\r\n"),
            "{merged}"
        );
        // The server removed an occurrence we changed: a clash on that occurrence.
        let both = object(&[MASTER, moved]);
        let changed = object(&[MASTER, &moved.replace("(afternoon)", "(late)")]);
        assert_eq!(
            clashes(&both, &changed, &base),
            [Clash {
                occurrence: Some("20260304T090000Z".into()),
                what: "EVENT".into()
            }]
        );
        // Removed there and unchanged here: removed.
        let merged = clean(&both, &both, &base);
        assert!(!merged.contains("RECURRENCE-ID"), "{merged}");
    }

    #[test]
    fn stamps_never_clash_and_the_latest_is_kept() {
        let base = object(&[&format!("{MASTER}\nSEQUENCE:1")]);
        let local = object(&[&format!("{MASTER}\nSEQUENCE:2")
            .replace("DTSTAMP:20260301T000000Z", "DTSTAMP:20260305T000000Z")
            .replace("SUMMARY:Planning", "SUMMARY:Ours")]);
        let remote = object(&[&format!("{MASTER}\nSEQUENCE:3")
            .replace("DTSTAMP:20260301T000000Z", "DTSTAMP:20260304T000000Z")]);
        let merged = clean(&base, &local, &remote);
        assert!(
            merged.contains("SEQUENCE:4\r\n"),
            "both raised it: one past: {merged}"
        );
        assert!(merged.contains("DTSTAMP:20260305T000000Z\r\n"), "{merged}");
        assert!(merged.contains("SUMMARY:Ours\r\n"), "{merged}");
    }

    #[test]
    fn alarms_are_one_unit() {
        let alarm =
            |m: u32| format!("{MASTER}\nBEGIN:VALARM\nACTION:DISPLAY\nTRIGGER:-PT{m}M\nEND:VALARM");
        let base = object(&[&alarm(10)]);
        let merged = clean(&base, &object(&[&alarm(10)]), &object(&[&alarm(30)]));
        assert!(merged.contains("TRIGGER:-PT30M"), "{merged}");
        assert_eq!(
            clashes(&base, &object(&[&alarm(5)]), &object(&[&alarm(30)]))[0].what,
            "VALARM"
        );
    }

    #[test]
    fn an_unchanged_side_gives_the_other() {
        let base = object(&[MASTER]);
        let changed = object(&[&MASTER.replace("SUMMARY:Planning", "SUMMARY:New")]);
        for (l, r) in [(&base, &changed), (&changed, &base), (&changed, &changed)] {
            let merged = clean(&base, l, r);
            assert_eq!(
                crate::ics::content_hash(&merged),
                crate::ics::content_hash(&changed),
                "{merged}"
            );
        }
    }

    #[test]
    fn a_series_moved_there_and_its_exceptions_changed_here_clash() {
        let base = object(&[MASTER]);
        let moved = object(&[&MASTER
            .replace("DTSTART:20260302T090000Z", "DTSTART:20260302T100000Z")
            .replace("DTEND:20260302T100000Z", "DTEND:20260302T110000Z")
            .replace("EXDATE:20260303T090000Z", "EXDATE:20260303T100000Z")]);
        let excepted = object(&[&MASTER.replace(
            "EXDATE:20260303T090000Z",
            "EXDATE:20260303T090000Z,20260305T090000Z",
        )]);
        for (l, r) in [(&excepted, &moved), (&moved, &excepted)] {
            assert!(names(&clashes(&base, l, r), "the series' times"));
        }
        // An override added here against a moved series too.
        let overridden = object(&[
            MASTER,
            "RECURRENCE-ID:20260304T090000Z\nDTSTART:20260304T120000Z\nDTEND:20260304T130000Z\nSUMMARY:Moved one",
        ]);
        assert!(names(
            &clashes(&base, &overridden, &moved),
            "the series' times"
        ));
        // A move and a new title merge.
        let titled = object(&[&MASTER.replace("SUMMARY:Planning", "SUMMARY:Renamed")]);
        let merged = clean(&base, &titled, &moved);
        assert!(merged.contains("DTSTART:20260302T100000Z"), "{merged}");
        assert!(merged.contains("SUMMARY:Renamed"), "{merged}");
    }

    #[test]
    fn times_are_one_item() {
        let day = |extra: &str| {
            object(&[&format!(
                "DTSTAMP:20260301T000000Z\nDTSTART;VALUE=DATE:20260302\n{extra}SUMMARY:Day"
            )])
        };
        let base = day("");
        let with_end = day("DTEND;VALUE=DATE:20260304\n");
        let with_duration = day("DURATION:P3D\n");
        assert_eq!(clashes(&base, &with_end, &with_duration)[0].what, "DTSTART");
    }

    #[test]
    fn overrides_added_on_both_sides_clash() {
        let base = object(&[MASTER]);
        let ours = object(&[
            MASTER,
            "RECURRENCE-ID:20260304T090000Z\nDTSTART:20260304T110000Z\nDTEND:20260304T120000Z\nSUMMARY:Ours",
        ]);
        // The same occurrence, named in another form.
        let theirs = object(&[
            MASTER,
            "RECURRENCE-ID;TZID=Europe/Berlin:20260304T100000\nDTSTART:20260304T090000Z\nDTEND:20260304T100000Z\nSUMMARY:Theirs",
        ]);
        assert!(names(&clashes(&base, &ours, &theirs), "the series' times"));
    }

    #[test]
    fn calendar_properties_changed_here_clash_unless_alike_there() {
        let base = object(&[MASTER]);
        let named = base.replace(
            "PRODID:-//t//EN\r\n",
            "PRODID:-//t//EN\r\nX-WR-CALNAME:Mine\r\n",
        );
        let titled = object(&[&MASTER.replace("SUMMARY:Planning", "SUMMARY:New")]);
        assert_eq!(clashes(&base, &named, &titled)[0].what, "VCALENDAR");
        // Another PRODID is no change.
        let ours = titled.replace("PRODID:-//t//EN", "PRODID:-//Traycal//EN");
        clean(&base, &ours, &base);
    }

    #[test]
    fn stamps_alone_are_no_difference() {
        let a = object(&[MASTER]);
        let b = object(&[&MASTER.replace("DTSTAMP:20260301T000000Z", "DTSTAMP:20261207T000000Z")]);
        assert!(!differs_beyond_stamps(&a, &b));
        let c = object(&[&MASTER.replace("SUMMARY:Planning", "SUMMARY:Other")]);
        assert!(differs_beyond_stamps(&a, &c));
        assert!(differs_beyond_stamps(&a, "not a calendar"));
    }
}
