//! Occurrence expansion: turning events (masters, overrides, RDATE/EXDATE, RRULE and
//! EXRULE) into the concrete occurrences that overlap a window.
//!
//! Semantics (RFC 5545, matching python recurring-ical-events where the RFC is silent):
//! - a series is everything sharing a UID: at most one master plus RECURRENCE-ID
//!   overrides; recurrence is expanded in the master's own zone (wall-clock), so a
//!   09:00 Berlin meeting stays at 09:00 across DST;
//! - DTSTART is always the first instance (RFC 5545 3.8.5.3);
//! - an override replaces the instance whose original start equals its
//!   RECURRENCE-ID, compared by instant for zoned times and by wall time for floating
//!   and all-day ones; among duplicate overrides the highest SEQUENCE wins (later in
//!   the file on a tie); an override that matches nothing is still shown;
//! - `RANGE=THISANDFUTURE` moves every later instance by the override's shift and
//!   gives it the override's properties;
//! - EXDATE matches by instant when zoned; a floating EXDATE in a zoned series is read
//!   in the series' zone, and a DATE EXDATE removes the instances on that date;
//! - in a calendar with `X-WR-TIMEZONE` (Google, Apple), floating DATE-TIMEs are in
//!   that zone and UTC ones are shown and recurred in it, as Google, Apple and
//!   python `x-wr-timezone` read them; DATE values stay all-day;
//! - an end before the start is swapped (recurring-ical-events does the same);
//! - all work is bounded: the rule iterator has a step and instance budget, and a
//!   series stops at the end of the window.
//!
//! Times are carried as [`Stamp`]s: Unix seconds for zoned and UTC times, and wall
//! time encoded as if it were UTC for floating and all-day values.

use foldhash::{HashMap, HashMapExt, HashSet};

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

use crate::event::{EndSpec, EventData, TimeSpec};
use crate::recur::{Budget, IterOptions, RecurRule, Until};
use crate::tz::{Zone, ZoneResolver, ZoneSource};
use crate::value::{DateOrTime, IcsDuration};

/// The nature of a time value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimeKind {
    /// An absolute instant (UTC or zoned).
    Instant,
    /// A floating wall time (no zone): the same clock time wherever the user is.
    Floating,
    /// An all-day date.
    Date,
}

/// A point in time: `secs` are Unix seconds for [`TimeKind::Instant`], and wall time
/// encoded as if UTC for floating and all-day values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Stamp {
    pub secs: i64,
    pub kind: TimeKind,
}

impl Stamp {
    /// The wall time (floating/date) or UTC time (instant) as a `NaiveDateTime`.
    pub fn naive(&self) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(self.secs, 0)
            .map(|d| d.naive_utc())
            .unwrap_or_default()
    }

    /// Format as the corpus does: `…Z` for instants, local for floating, date for all-day.
    pub fn format(&self) -> String {
        let mut out = String::with_capacity(20);
        self.push_formatted(&mut out);
        out
    }

    /// Read back what [`Stamp::format`] wrote (four-digit years): `…Z` is an
    /// instant, a date alone is all-day, anything else floating. This is the form of
    /// an occurrence's instance id in the mirror.
    pub fn parse(text: &str) -> Option<Stamp> {
        let t = text.trim();
        if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            return Some(Stamp {
                secs: secs(d.and_time(NaiveTime::MIN)),
                kind: TimeKind::Date,
            });
        }
        let (body, kind) = match t.strip_suffix('Z') {
            Some(b) => (b, TimeKind::Instant),
            None => (t, TimeKind::Floating),
        };
        let n = NaiveDateTime::parse_from_str(body, "%Y-%m-%dT%H:%M:%S").ok()?;
        Some(Stamp {
            secs: secs(n),
            kind,
        })
    }

    /// [`Stamp::format`] appended to `out` (a sync formats ~400k of these: no
    /// allocation and no strftime parsing per call).
    pub fn push_formatted(&self, out: &mut String) {
        use chrono::{Datelike, Timelike};
        fn digits(out: &mut String, v: u32, width: usize) {
            let mut buf = [b'0'; 10];
            let mut v = v;
            for slot in buf[..width].iter_mut().rev() {
                *slot = b'0' + (v % 10) as u8;
                v /= 10;
            }
            out.extend(buf[..width].iter().map(|&b| b as char));
        }
        let n = self.naive();
        let year = n.year();
        if !(0..=9999).contains(&year) {
            // Outside four-digit years: chrono's own (signed, padded) rendering.
            out.push_str(&match self.kind {
                TimeKind::Instant => n.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                TimeKind::Floating => n.format("%Y-%m-%dT%H:%M:%S").to_string(),
                TimeKind::Date => n.format("%Y-%m-%d").to_string(),
            });
            return;
        }
        digits(out, year as u32, 4);
        out.push('-');
        digits(out, n.month(), 2);
        out.push('-');
        digits(out, n.day(), 2);
        if self.kind == TimeKind::Date {
            return;
        }
        out.push('T');
        digits(out, n.hour(), 2);
        out.push(':');
        digits(out, n.minute(), 2);
        out.push(':');
        digits(out, n.second(), 2);
        if self.kind == TimeKind::Instant {
            out.push('Z');
        }
    }
}

/// Which occurrences are wanted: those overlapping `[from, to)` (Unix seconds).
/// Floating and all-day occurrences are compared by their wall time as if UTC;
/// callers that care about the user's zone widen the window and filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: i64,
    pub to: i64,
}

impl Window {
    /// Overlap test with the corpus' semantics: `start < to && end > from`, and a
    /// zero-length occurrence counts when `from <= start < to`.
    pub fn overlaps(&self, start: i64, end: i64) -> bool {
        if start == end {
            start >= self.from && start < self.to
        } else {
            start < self.to && end > self.from
        }
    }
}

/// Limits for one expansion.
///
/// Two layers bound the work of expanding a whole calendar, whatever it holds:
/// - **per series**: at most `max_per_series` instances and `budget` per rule;
/// - **per calendar** (a feed of 2,000 endless minutely rules must not take the
///   machine's memory): at most `max_occurrences` occurrences and `max_steps` rule
///   steps in all, shared fairly between the series (see [`expand_subset`]).
#[derive(Debug, Clone, Copy)]
pub struct ExpandOptions {
    pub window: Window,
    /// Budget per recurrence rule (the upper bound of a series' step share).
    pub budget: Budget,
    /// At most this many occurrences per series (a hostile SECONDLY rule must not
    /// fill the mirror with millions of rows).
    pub max_per_series: usize,
    /// At most this many occurrences for the whole expansion.
    pub max_occurrences: usize,
    /// At most this many rule steps (see [`Budget::max_steps`]) for the whole
    /// expansion.
    pub max_steps: u64,
    /// The time the user cares about (now). A series cut by the calendar's budget
    /// keeps the occurrences from here on rather than the oldest ones of the window.
    pub focus: Option<i64>,
}

/// Occurrences one expansion may produce in all: far above real calendars (a
/// 50,000-event export has ~400k in a year), far below what hurts the machine.
pub const MAX_OCCURRENCES: usize = 1_000_000;

/// Rule steps one expansion may take in all (tens of nanoseconds each).
pub const MAX_STEPS: u64 = 40_000_000;

impl ExpandOptions {
    /// Defaults for a window.
    pub fn new(window: Window) -> Self {
        ExpandOptions {
            window,
            budget: Budget::default(),
            max_per_series: 50_000,
            max_occurrences: MAX_OCCURRENCES,
            max_steps: MAX_STEPS,
            focus: None,
        }
    }
}

/// A series whose occurrences were cut short by a limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CutSeries {
    /// Index of the series' first item (its master when it has one).
    pub item: usize,
    /// Occurrences kept in the window.
    pub kept: usize,
    /// Which limit cut it.
    pub limit: CutLimit,
}

/// The limit that cut a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CutLimit {
    /// Its share of the calendar's occurrence or step budget.
    CalendarBudget,
    /// The per-series instance cap ([`ExpandOptions::max_per_series`]).
    SeriesCap,
    /// The per-rule step budget (an impossible or very sparse rule).
    RuleBudget,
}

/// One concrete occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// Index of the item (component) whose properties this occurrence shows: the
    /// master, or the override that replaced or (THISANDFUTURE) modified it.
    pub item: usize,
    /// Original start of this instance (its RECURRENCE-ID); `None` when the UID is not
    /// a recurring series.
    pub instance: Option<Stamp>,
    pub start: Stamp,
    pub end: Stamp,
    /// When the instance came from an RDATE of the item: its index in `rdates`
    /// (its own TZID is then the one to show).
    pub rdate: Option<u32>,
}

/// What expansion learnt about one series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesInfo {
    /// Items (components) of the series: the master first when there is one.
    pub items: Vec<usize>,
    /// End of the last occurrence when the series is known to end (all instances were
    /// generated); `None` for open-ended series or when generation was cut short.
    pub end: Option<Stamp>,
    /// True for a recurring series (RRULE/RDATE present, or overrides).
    pub recurring: bool,
}

/// The result of expanding a set of items.
#[derive(Debug, Default)]
pub struct Expansion {
    pub occurrences: Vec<Occurrence>,
    pub series: Vec<SeriesInfo>,
    /// Problems met while expanding (bad rules, unknown zones), one line each,
    /// naming the UID.
    pub diagnostics: Vec<String>,
    /// Series that lost occurrences to a limit.
    pub cut: Vec<CutSeries>,
    /// [`Expansion::cut`] summed up for people, a line per kind of limit (these lines
    /// are in `diagnostics` too).
    pub cut_notes: Vec<String>,
    /// Rule steps taken in all.
    pub steps: u64,
}

/// A time resolved against the zone database.
#[derive(Debug, Clone)]
struct Resolved {
    /// Wall time in `zone` (or floating/date wall time).
    local: NaiveDateTime,
    zone: Option<Zone>,
    kind: TimeKind,
}

impl Resolved {
    fn stamp(&self) -> Stamp {
        let secs = match (&self.zone, self.kind) {
            (Some(z), TimeKind::Instant) => z.local_to_utc(self.local).and_utc().timestamp(),
            _ => self.local.and_utc().timestamp(),
        };
        Stamp {
            secs,
            kind: self.kind,
        }
    }
}

/// Resolves times of one calendar: its VTIMEZONEs and `X-WR-TIMEZONE`.
pub struct TimeContext<'r> {
    pub resolver: &'r mut ZoneResolver,
    /// `X-WR-TIMEZONE` (Google, Apple): floating DATE-TIMEs in such a calendar are
    /// in this zone, and UTC ones are shown and recurred in it, as python
    /// `x-wr-timezone` does. DATE values are not affected.
    pub calendar_zone: Option<Zone>,
    unknown: Vec<String>,
}

impl<'r> TimeContext<'r> {
    /// A context over `resolver`, with an optional calendar zone.
    pub fn new(resolver: &'r mut ZoneResolver, calendar_zone: Option<Zone>) -> Self {
        TimeContext {
            resolver,
            calendar_zone,
            unknown: Vec::new(),
        }
    }

    fn zone(&mut self, tzid: &str) -> Zone {
        let r = self.resolver.resolve(tzid);
        if matches!(r.source, ZoneSource::Fallback | ZoneSource::SoleVTimezone)
            && !self.unknown.iter().any(|u| u == tzid)
        {
            self.unknown.push(tzid.to_string());
        }
        r.zone
    }

    fn resolve(&mut self, t: &TimeSpec<'_>) -> Resolved {
        match t.value {
            DateOrTime::Date(d) => Resolved {
                local: d.and_time(NaiveTime::MIN),
                zone: None,
                kind: TimeKind::Date,
            },
            DateOrTime::DateTime { local, utc: true } => match &self.calendar_zone {
                Some(z) => Resolved {
                    local: z.utc_to_local(local),
                    zone: Some(z.clone()),
                    kind: TimeKind::Instant,
                },
                None => Resolved {
                    local,
                    zone: Some(Zone::Utc),
                    kind: TimeKind::Instant,
                },
            },
            DateOrTime::DateTime { local, utc: false } => match t.tzid.as_deref() {
                Some(tzid) => {
                    let zone = self.zone(tzid);
                    Resolved {
                        local,
                        zone: Some(zone),
                        kind: TimeKind::Instant,
                    }
                }
                // The calendar names the zone of its floating times (Google and
                // Apple read them so); only without one do they float.
                None => match &self.calendar_zone {
                    Some(z) => Resolved {
                        local,
                        zone: Some(z.clone()),
                        kind: TimeKind::Instant,
                    },
                    None => Resolved {
                        local,
                        zone: None,
                        kind: TimeKind::Floating,
                    },
                },
            },
        }
    }

    /// Resolve `t` and express it as a wall time in the series' frame (`zone`/`kind`).
    fn in_frame(&mut self, t: &TimeSpec<'_>, zone: Option<&Zone>, kind: TimeKind) -> Resolved {
        let r = self.resolve(t);
        match (kind, &r.kind, zone) {
            (TimeKind::Instant, TimeKind::Instant, Some(z)) => {
                let utc = r.stamp().naive();
                Resolved {
                    local: z.utc_to_local(utc),
                    zone: Some(z.clone()),
                    kind: TimeKind::Instant,
                }
            }
            // A floating value in a zoned series is read in the series' zone.
            (TimeKind::Instant, TimeKind::Floating, Some(z)) => Resolved {
                local: r.local,
                zone: Some(z.clone()),
                kind: TimeKind::Instant,
            },
            _ => r,
        }
    }

    /// The TZID to report for an item's occurrences (the corpus' `tzid`): the IANA
    /// name when the TZID resolved through the database or a Windows name, the TZID
    /// as written for VTIMEZONE-defined and unknown zones, the calendar zone for
    /// UTC and floating values it converts, `UTC` for other UTC values, none for
    /// other floating values and for all-day values. An all-day start (or a floating
    /// one without calendar zone) that takes its zone from a DATE-TIME end reports
    /// the end's zone.
    pub fn reported_tzid(&mut self, t: &TimeSpec<'_>, end: Option<&EndSpec<'_>>) -> Option<String> {
        match (&t.value, &t.tzid) {
            (DateOrTime::DateTime { utc: false, .. }, None) if self.calendar_zone.is_some() => {
                self.calendar_zone.as_ref().map(|z| z.name().to_string())
            }
            (DateOrTime::Date(_), _) | (DateOrTime::DateTime { utc: false, .. }, None) => match end
            {
                // A floating end reports the calendar zone, or none without one.
                Some(EndSpec::At(e)) if !matches!(e.value, DateOrTime::Date(_)) => {
                    self.reported_tzid(e, None)
                }
                _ => None,
            },
            (DateOrTime::DateTime { utc: true, .. }, _) => Some(
                self.calendar_zone
                    .as_ref()
                    .map(|z| z.name().to_string())
                    .unwrap_or_else(|| "UTC".into()),
            ),
            (DateOrTime::DateTime { utc: false, .. }, Some(tzid)) => {
                let r = self.resolver.resolve(tzid);
                Some(match r.source {
                    ZoneSource::Iana | ZoneSource::Windows => r.zone.name().to_string(),
                    ZoneSource::VTimezone | ZoneSource::SoleVTimezone | ZoneSource::Fallback => {
                        tzid.to_string()
                    }
                })
            }
        }
    }

    /// The stamp under which `t` (a RECURRENCE-ID, an EXDATE value) names an
    /// instance of the series framed by `series` (its master, else its first
    /// override): the key expansion matches overrides and exclusions by, and the
    /// [`Occurrence::instance`] it reports. `None` when `series` has no usable start.
    pub fn instance_stamp(&mut self, t: &TimeSpec<'_>, series: &EventData<'_>) -> Option<Stamp> {
        let (frame, _) = start_end(series, self)?;
        Some(self.in_frame(t, frame.zone.as_ref(), frame.kind).stamp())
    }

    /// TZIDs that resolved to nothing known (the fallback was used).
    pub fn unknown_tzids(&self) -> &[String] {
        &self.unknown
    }
}

fn secs(n: NaiveDateTime) -> i64 {
    n.and_utc().timestamp()
}

/// Expand `items` over the window. Items are grouped by UID; the result's
/// occurrences are in no particular order (callers sort as they need).
pub fn expand_items(
    items: &[EventData<'_>],
    tc: &mut TimeContext<'_>,
    opts: &ExpandOptions,
) -> Expansion {
    let all: Vec<usize> = (0..items.len()).collect();
    expand_subset(items, &all, tc, opts)
}

/// Expand only the items at `subset` (indices into `items`, which occurrences and
/// series refer to). A sync uses this to expand the changed series without copying.
///
/// The calendar's budget ([`ExpandOptions::max_occurrences`], `max_steps`) is shared
/// fairly between the series when the calendar does not fit it whole: each first gets
/// an equal share (capped by the
/// per-series limits); what the series left unused is then handed out again, in equal
/// parts, to those that ran out of their share, for a few rounds. So a feed of
/// endless minutely rules costs no more than the budget and never starves the
/// ordinary events beside it. A series still cut at the end keeps its occurrences from
/// [`ExpandOptions::focus`] on, and is listed in [`Expansion::cut`].
pub fn expand_subset(
    items: &[EventData<'_>],
    subset: &[usize],
    tc: &mut TimeContext<'_>,
    opts: &ExpandOptions,
) -> Expansion {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut by_uid: HashMap<(&str, crate::event::ItemKind), usize> =
        HashMap::with_capacity(subset.len());
    for &i in subset {
        let it = &items[i];
        let key = (it.uid.as_ref(), it.kind);
        match by_uid.get(&key) {
            Some(&g) => groups[g].push(i),
            None => {
                by_uid.insert(key, groups.len());
                groups.push(vec![i]);
            }
        }
    }
    let mut out = Expansion::default();
    // The occurrences go straight into `out.occurrences` when the calendar fits the
    // budget whole (no second copy of 400k occurrences); series expanded in fair
    // shares keep their own until the shares settle.
    let results = expand_fairly(items, &groups, tc, opts, &mut out.occurrences);
    let mut cut_notes = CutNotes::default();
    for (group, r) in groups.iter().zip(results) {
        out.steps += r.steps;
        out.diagnostics.extend(r.diagnostics);
        if let Some(limit) = r.cut {
            let first = group.first().copied().unwrap_or_default();
            cut_notes.add(&items[first], limit);
            out.cut.push(CutSeries {
                item: first,
                kept: r.kept,
                limit,
            });
        }
        out.occurrences.extend(r.occurrences);
        out.series.extend(r.info);
    }
    out.cut_notes = cut_notes.lines(opts);
    out.diagnostics.extend(out.cut_notes.iter().cloned());
    for tzid in tc.unknown_tzids() {
        out.diagnostics.push(format!(
            "unknown time zone {tzid:?}: no IANA, Windows or VTIMEZONE match; read in the file's only zone if it has one, else as UTC"
        ));
    }
    out
}

/// Rounds of re-sharing the calendar budget (each round costs at most the budget).
const SHARE_ROUNDS: usize = 4;

/// What one series may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Share {
    /// Instances (rule instances and RDATEs, counted before the window filter).
    instances: usize,
    /// Rule steps, over all its rules.
    steps: u64,
}

/// Expands every group within the calendar's budget (see [`expand_subset`]).
fn expand_fairly(
    items: &[EventData<'_>],
    groups: &[Vec<usize>],
    tc: &mut TimeContext<'_>,
    opts: &ExpandOptions,
    sink: &mut Vec<Occurrence>,
) -> Vec<SeriesOut> {
    let n = groups.len().max(1);
    let caps = Share {
        instances: opts.max_per_series.max(1),
        steps: opts.budget.max_steps.max(1),
    };
    // Real calendars fit the budget whole (a 50,000-event export needs 40% of it):
    // one pass at the per-series caps, as long as the running total stays within
    // the budget. Only when it does not is the work redone in fair shares (at most
    // the budget's worth of work was spent finding out).
    let mut results: Vec<SeriesOut> = Vec::with_capacity(groups.len());
    let (mut used_instances, mut used_steps) = (0usize, 0u64);
    for g in groups {
        let r = expand_series(items, g, tc, opts, caps, caps, opts.window, sink);
        used_instances += r.instances;
        used_steps += r.steps;
        results.push(r);
        if used_instances > opts.max_occurrences || used_steps > opts.max_steps {
            break;
        }
    }
    if results.len() == groups.len()
        && used_instances <= opts.max_occurrences
        && used_steps <= opts.max_steps
    {
        return results;
    }
    results.clear();
    sink.clear();
    let mut share = Share {
        instances: (opts.max_occurrences / n).clamp(1, caps.instances),
        steps: (opts.max_steps / n as u64).clamp(1, caps.steps),
    };
    for g in groups {
        let mut own = Vec::new();
        let mut r = expand_series(items, g, tc, opts, share, caps, opts.window, &mut own);
        r.occurrences = own;
        results.push(r);
    }
    let mut pending: Vec<usize> = (0..groups.len()).collect();
    for _ in 1..SHARE_ROUNDS {
        pending.retain(|&g| results[g].starved);
        if pending.is_empty() {
            break;
        }
        let used_instances: usize = results.iter().map(|r| r.instances).sum();
        let used_steps: u64 = results.iter().map(|r| r.steps).sum();
        let h = pending.len();
        let next = Share {
            instances: (share.instances + opts.max_occurrences.saturating_sub(used_instances) / h)
                .min(caps.instances),
            steps: (share.steps + opts.max_steps.saturating_sub(used_steps) / h as u64)
                .min(caps.steps),
        };
        if next == share {
            break;
        }
        share = next;
        for &g in &pending {
            let mut own = Vec::new();
            results[g] = expand_series(
                items,
                &groups[g],
                tc,
                opts,
                share,
                caps,
                opts.window,
                &mut own,
            );
            results[g].occurrences = own;
        }
    }
    // What was cut by its share keeps the occurrences the user is about to see.
    if let Some(focus) = opts.focus.filter(|f| *f > opts.window.from) {
        let later = Window {
            from: focus,
            to: opts.window.to,
        };
        for (g, r) in results.iter_mut().enumerate() {
            if r.cut == Some(CutLimit::CalendarBudget) {
                let mut own = Vec::new();
                let again =
                    expand_series(items, &groups[g], tc, opts, share, caps, later, &mut own);
                *r = SeriesOut {
                    occurrences: own,
                    cut: Some(CutLimit::CalendarBudget),
                    ..again
                };
            }
        }
    }
    results
}

/// One series' expansion.
#[derive(Debug, Default)]
struct SeriesOut {
    /// Its occurrences, when they were not written into the shared list (fair shares).
    occurrences: Vec<Occurrence>,
    /// How many occurrences it produced.
    kept: usize,
    info: Option<SeriesInfo>,
    diagnostics: Vec<String>,
    instances: usize,
    steps: u64,
    /// The limit that cut it, if one did.
    cut: Option<CutLimit>,
    /// Cut by its share of the calendar budget (a bigger share would give more).
    starved: bool,
}

impl SeriesOut {
    fn cut_by(&mut self, limit: CutLimit) {
        if limit == CutLimit::CalendarBudget {
            self.starved = true;
        }
        // The calendar budget is the one to report: it is the one that may lift.
        if self.cut.is_none() || limit == CutLimit::CalendarBudget {
            self.cut = Some(limit);
        }
    }
}

/// Lines summing up the series that were cut, a few UIDs named, the rest counted.
#[derive(Default)]
struct CutNotes {
    budget: Vec<String>,
    capped: Vec<String>,
    rule: Vec<String>,
}

/// UIDs named per kind of cut before "and N more".
const CUT_UIDS_NAMED: usize = 5;

impl CutNotes {
    fn add(&mut self, ev: &EventData<'_>, limit: CutLimit) {
        let list = match limit {
            CutLimit::CalendarBudget => &mut self.budget,
            CutLimit::SeriesCap => &mut self.capped,
            CutLimit::RuleBudget => &mut self.rule,
        };
        list.push(format!("{} {:?}", ev.kind.name(), ev.uid));
    }

    fn lines(&self, opts: &ExpandOptions) -> Vec<String> {
        let named = |list: &[String]| {
            let mut s = list
                .iter()
                .take(CUT_UIDS_NAMED)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if list.len() > CUT_UIDS_NAMED {
                s.push_str(&format!(" and {} more", list.len() - CUT_UIDS_NAMED));
            }
            s
        };
        let mut out = Vec::new();
        if !self.budget.is_empty() {
            out.push(format!(
                "occurrence budget reached ({} occurrences per calendar): {} recurring series cut short, each keeping its next occurrences{}: {}",
                opts.max_occurrences,
                self.budget.len(),
                if opts.focus.is_some() { " from now" } else { "" },
                named(&self.budget)
            ));
        }
        if !self.capped.is_empty() {
            out.push(format!(
                "more than {} instances in the window: {} series cut short, the rest are not shown: {}",
                opts.max_per_series,
                self.capped.len(),
                named(&self.capped)
            ));
        }
        if !self.rule.is_empty() {
            out.push(format!(
                "recurrence rule needs too much work, expansion stopped: {} series: {}",
                self.rule.len(),
                named(&self.rule)
            ));
        }
        out
    }
}

/// The length of an occurrence, RFC 5545 3.3.6 / 3.8.5.3: a DTEND gives every
/// instance the *exact* duration of the first one (a 1-hour meeting stays 1 hour on
/// a DST day); a DURATION's days and weeks are nominal (wall clock) and its time part
/// exact. Floating and all-day values only have wall time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    wall: Duration,
    exact: Duration,
}

impl Span {
    fn wall(d: Duration) -> Span {
        Span {
            wall: d,
            exact: Duration::zero(),
        }
    }

    fn exact(d: Duration) -> Span {
        Span {
            wall: Duration::zero(),
            exact: d,
        }
    }

    /// The length a DURATION gives an instance in a frame of `kind`: for zoned
    /// times the days are wall clock and the time part exact; floating and all-day
    /// values only have wall time, so both parts are wall time there.
    fn of_duration(d: IcsDuration, kind: TimeKind) -> Span {
        match kind {
            TimeKind::Instant => Span {
                wall: d.nominal(),
                exact: d.exact(),
            },
            TimeKind::Floating | TimeKind::Date => Span::wall(d.as_wall()),
        }
    }

    /// Upper bound of the length, for window margins.
    fn reach(&self) -> Duration {
        self.wall.abs() + self.exact.abs() + Duration::hours(3)
    }
}

/// Duration and frame of one component: start in its frame and the end.
fn start_end(it: &EventData<'_>, tc: &mut TimeContext<'_>) -> Option<(Resolved, Span)> {
    let mut start = tc.resolve(it.start.as_ref()?);
    if start.kind == TimeKind::Floating {
        // A floating start with a zoned end is read in the end's zone.
        if let EndSpec::At(t) = &it.end {
            let end = tc.resolve(t);
            if end.kind == TimeKind::Instant {
                start.kind = TimeKind::Instant;
                start.zone = end.zone.clone();
            }
        }
    }
    if start.kind == TimeKind::Date {
        // A DATE start with a DATE-TIME end, or with a duration that is not whole
        // days, is really midnight of that date (python icalendar reads it so).
        match &it.end {
            EndSpec::At(t) => {
                let end = tc.resolve(t);
                if end.kind != TimeKind::Date {
                    start.kind = end.kind;
                    start.zone = end.zone.clone();
                }
            }
            EndSpec::Duration(d) if !d.is_whole_days() => {
                start.kind = TimeKind::Floating;
            }
            _ => {}
        }
    }
    let dur = match &it.end {
        EndSpec::At(t) => {
            let end = tc.resolve(t);
            match (start.kind, end.kind) {
                (TimeKind::Instant, TimeKind::Instant) => {
                    Span::exact(Duration::seconds(end.stamp().secs - start.stamp().secs))
                }
                _ => Span::wall(end.local - start.local),
            }
        }
        EndSpec::Duration(d) => Span::of_duration(*d, start.kind),
        EndSpec::Default => match start.kind {
            TimeKind::Date => Span::wall(Duration::days(1)),
            _ => Span::wall(Duration::zero()),
        },
    };
    Some((start, dur))
}

/// Start and end of an item's own DTSTART/DTEND (its first instance), resolved.
pub fn item_span(it: &EventData<'_>, tc: &mut TimeContext<'_>) -> Option<(Stamp, Stamp)> {
    let (s, dur) = start_end(it, tc)?;
    Some(instance_stamps(s.local, s.zone.as_ref(), s.kind, dur))
}

/// Start and end stamps of an instance at wall time `local` in the series' frame.
fn instance_stamps(
    local: NaiveDateTime,
    zone: Option<&Zone>,
    kind: TimeKind,
    span: Span,
) -> (Stamp, Stamp) {
    let end_local = local.checked_add_signed(span.wall).unwrap_or(local);
    let (a, b) = match (kind, zone) {
        (TimeKind::Instant, Some(z)) => {
            (secs(z.local_to_utc(local)), secs(z.local_to_utc(end_local)))
        }
        _ => (secs(local), secs(end_local)),
    };
    let b = b.saturating_add(span.exact.num_seconds());
    // An end before the start is swapped (recurring-ical-events does the same).
    let (a, b) = if b < a { (b, a) } else { (a, b) };
    (Stamp { secs: a, kind }, Stamp { secs: b, kind })
}

fn rule_until(rule: &RecurRule, zone: Option<&Zone>, kind: TimeKind) -> Option<NaiveDateTime> {
    match rule.until? {
        Until::Utc(u) => Some(match zone {
            Some(z) if kind == TimeKind::Instant => z.utc_to_local(u),
            _ => u,
        }),
        Until::Local(l) => Some(l),
        // A DATE UNTIL on a DATE-TIME series includes that whole day (what Google and
        // Outlook mean when they write it).
        Until::Date(d) => Some(match kind {
            TimeKind::Date => d.and_time(NaiveTime::MIN),
            _ => d.and_hms_opt(23, 59, 59).unwrap_or_default(),
        }),
    }
}

/// Expands one series (a UID's master and overrides) over `win`, within `share`
/// (`caps` are the per-series limits the share never exceeds), appending its
/// occurrences to `sink`.
#[allow(clippy::too_many_arguments)]
fn expand_series(
    items: &[EventData<'_>],
    group: &[usize],
    tc: &mut TimeContext<'_>,
    opts: &ExpandOptions,
    share: Share,
    caps: Share,
    win: Window,
    sink: &mut Vec<Occurrence>,
) -> SeriesOut {
    let mut out = SeriesOut::default();
    // The limit that cuts a series which reaches its share.
    let instance_limit = if share.instances >= caps.instances {
        CutLimit::SeriesCap
    } else {
        CutLimit::CalendarBudget
    };
    // Masters and overrides. Several masters with one UID: keep the highest SEQUENCE
    // (later in the file on a tie) — the others are stale copies.
    let mut master: Option<usize> = None;
    let mut overrides: Vec<usize> = Vec::new();
    for &i in group {
        if items[i].recurrence_id.is_some() {
            overrides.push(i);
        } else {
            master = match master {
                Some(m) if items[m].sequence > items[i].sequence => Some(m),
                _ => Some(i),
            };
        }
    }
    let recurring = !overrides.is_empty() || group.iter().any(|&i| items[i].has_recurrence_props);
    let mut info = SeriesInfo {
        items: {
            let mut v: Vec<usize> = master.into_iter().collect();
            v.extend(overrides.iter().copied());
            v
        },
        end: None,
        recurring,
    };
    let mut produced: Vec<Occurrence> = Vec::new();
    let mut complete = true;
    let mut last_end: Option<Stamp> = None;
    let note_end = |last: &mut Option<Stamp>, e: Stamp| {
        if last.is_none_or(|l| e.secs > l.secs) {
            *last = Some(e);
        }
    };

    // Frame of the series: the master's start, else the first override's.
    let frame_item = master.or_else(|| overrides.first().copied());
    let Some(frame_item) = frame_item else {
        return out;
    };
    let Some((frame_start, _)) = start_end(&items[frame_item], tc) else {
        return out;
    };
    let zone = frame_start.zone.clone();
    let kind = frame_start.kind;

    // Overrides by instance stamp (highest SEQUENCE wins).
    let mut by_instance: HashMap<i64, usize> = HashMap::new();
    let mut future_ranges: Vec<(i64, usize)> = Vec::new();
    for &o in &overrides {
        let Some(rid) = items[o].recurrence_id.as_ref() else {
            continue;
        };
        let r = tc.in_frame(rid, zone.as_ref(), kind);
        let key = instance_key(&r, kind);
        let replace = match by_instance.get(&key) {
            Some(&prev) => items[o].sequence >= items[prev].sequence,
            None => true,
        };
        if replace {
            by_instance.insert(key, o);
        }
        if items[o].this_and_future {
            future_ranges.push((key, o));
        }
    }
    future_ranges.sort();

    // Instance keys of the master that overrides may replace (None: no master, so
    // every override stands alone).
    let mut master_keys: Option<MasterInstances> = None;
    if let Some(m) = master {
        let ev = &items[m];
        if let Some((start, dur)) = start_end(ev, tc) {
            // (wall time, own duration for PERIOD RDATEs)
            // (wall time, own duration for PERIOD RDATEs, RDATE index)
            let mut locals: Vec<(NaiveDateTime, Option<Span>, Option<u32>)> =
                vec![(start.local, None, None)];
            // Window in the series' wall time, with a day of margin for zone offsets
            // and the occurrence's own length.
            let margin = Duration::days(1) + dur.reach();
            let to_local = naive_of(win.to) + Duration::days(1);
            let from_local = naive_of(win.from) - margin;
            // The earliest wall time whose instance can overlap the window: instances
            // before it (the margin above) are not counted against the share, so a
            // dense series does not spend its share outside the window. (Their work
            // is bounded by the step share.)
            let counted_from = match (&zone, kind) {
                (Some(Zone::Utc), TimeKind::Instant) | (None, _) => naive_of(win.from),
                // Wall time is not monotonic across a DST change (at most 2 hours).
                (Some(z), TimeKind::Instant) => {
                    z.utc_to_local(naive_of(win.from)) - Duration::hours(2)
                }
                // Floating and all-day occurrences meet the window by wall time.
                (Some(_), _) => naive_of(win.from),
            } - dur.wall.abs()
                - dur.exact.abs();
            let mut counted = 0usize;
            let mut cut_by_window = false;
            let mut rules: Vec<(RecurRule, Option<NaiveDateTime>)> = Vec::new();
            for text in &ev.rrules {
                match RecurRule::parse(text) {
                    Ok(rule) => {
                        // RFC 5545 3.3.10: time parts of a rule are ignored for DATE values.
                        let rule = if kind == TimeKind::Date {
                            rule.for_all_day()
                        } else {
                            rule
                        };
                        let until_local = rule_until(&rule, zone.as_ref(), kind);
                        rules.push((rule, until_local));
                    }
                    Err(e) => out.diagnostics.push(format!(
                        "{} {:?} (line {}): bad RRULE {:?}: {e}; rule ignored",
                        ev.kind.name(),
                        ev.uid,
                        ev.line,
                        truncate(text)
                    )),
                }
            }
            for (rule, until_local) in &rules {
                let steps_left = share.steps.saturating_sub(out.steps);
                let mut it = rule.iter(
                    start.local,
                    IterOptions {
                        until_local: *until_local,
                        skip_before: Some(from_local),
                        budget: Budget {
                            max_steps: steps_left,
                            max_instances: opts.budget.max_instances,
                        },
                    },
                );
                for l in it.by_ref() {
                    if l > to_local {
                        cut_by_window = true;
                        break;
                    }
                    if l >= counted_from {
                        if counted >= share.instances {
                            complete = false;
                            out.cut_by(instance_limit);
                            break;
                        }
                        counted += 1;
                    }
                    locals.push((l, None, None));
                }
                out.steps += it.steps_used();
                if it.budget_exhausted() {
                    complete = false;
                    if it.steps_used() >= steps_left && share.steps < caps.steps {
                        out.cut_by(CutLimit::CalendarBudget);
                    } else {
                        out.cut_by(CutLimit::RuleBudget);
                    }
                }
            }
            if cut_by_window {
                complete = false;
            }
            for (ri, (rd, period_end)) in ev.rdates.iter().enumerate() {
                let r = tc.in_frame(rd, zone.as_ref(), kind);
                let l = match (kind, r.kind) {
                    // A DATE in a timed series happens at the series' time of day.
                    (TimeKind::Instant | TimeKind::Floating, TimeKind::Date) => {
                        r.local.date().and_time(start.local.time())
                    }
                    _ => r.local,
                };
                let own = match period_end {
                    // A PERIOD's duration is a DURATION value: its days are
                    // wall-clock days, its time part exact.
                    Some(EndSpec::Duration(d)) => Some(Span::of_duration(*d, kind)),
                    Some(EndSpec::At(t)) => {
                        let e = tc.in_frame(t, zone.as_ref(), kind);
                        Some(Span::wall(e.local - l))
                    }
                    _ => None,
                };
                locals.push((l, own, u32::try_from(ri).ok()));
            }
            // Sort by time; for duplicates keep the one with its own (PERIOD) length.
            locals.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.is_some().cmp(&a.1.is_some())));
            locals.dedup_by(|a, b| a.0 == b.0);

            // Exclusions.
            let mut ex_locals: Vec<NaiveDateTime> = Vec::new();
            let mut ex_dates: Vec<NaiveDate> = Vec::new();
            for ex in &ev.exdates {
                let r = tc.in_frame(ex, zone.as_ref(), kind);
                if r.kind == TimeKind::Date && kind != TimeKind::Date {
                    ex_dates.push(r.local.date());
                } else {
                    ex_locals.push(r.local);
                }
            }
            for text in &ev.exrules {
                if let Ok(rule) = RecurRule::parse(text) {
                    let until_local = rule_until(&rule, zone.as_ref(), kind);
                    let steps_left = share.steps.saturating_sub(out.steps);
                    let mut it = rule.iter(
                        start.local,
                        IterOptions {
                            until_local,
                            skip_before: Some(from_local),
                            // Exclusions past what the series produced exclude nothing.
                            budget: Budget {
                                max_steps: steps_left,
                                max_instances: (share.instances as u64)
                                    .saturating_mul(2)
                                    .min(opts.budget.max_instances),
                            },
                        },
                    );
                    for l in it.by_ref() {
                        if l > to_local {
                            break;
                        }
                        ex_locals.push(l);
                    }
                    out.steps += it.steps_used();
                    if it.budget_exhausted() && it.steps_used() >= steps_left {
                        complete = false;
                        out.cut_by(if share.steps < caps.steps {
                            CutLimit::CalendarBudget
                        } else {
                            CutLimit::RuleBudget
                        });
                    }
                }
            }
            // Zoned series compare exclusions by instant (a wall time in a DST gap
            // and its shifted twin are the same instant).
            let ex_keys: HashSet<i64> = ex_locals
                .iter()
                .map(|l| {
                    instance_stamps(*l, zone.as_ref(), kind, Span::wall(Duration::zero()))
                        .0
                        .secs
                })
                .collect();
            let excluded = |l: NaiveDateTime| {
                ex_keys.contains(
                    &instance_stamps(l, zone.as_ref(), kind, Span::wall(Duration::zero()))
                        .0
                        .secs,
                ) || ex_dates.contains(&l.date())
            };

            let mut keys = MasterInstances::default();
            for (l, own, rdate) in locals {
                if excluded(l) {
                    continue;
                }
                let (s, e) = instance_stamps(l, zone.as_ref(), kind, own.unwrap_or(dur));
                let key = s.secs;
                keys.seen.insert(key);
                if by_instance.contains_key(&key) {
                    continue; // replaced by its override, emitted below
                }
                // THISANDFUTURE: the latest range override at or before this instance.
                let modifier = future_ranges
                    .iter()
                    .rev()
                    .find(|(k, _)| *k < key)
                    .map(|(_, o)| *o);
                let (item, s2, e2, rdate) = match modifier {
                    Some(o) => match (start_end(&items[o], tc), items[o].recurrence_id.as_ref()) {
                        (Some((os, odur)), Some(rid)) => {
                            let rid_r = tc.in_frame(rid, zone.as_ref(), kind);
                            let shift = tc_shift(&os, &rid_r, zone.as_ref(), kind);
                            let (s2, e2) = instance_stamps(
                                l.checked_add_signed(shift).unwrap_or(l),
                                zone.as_ref(),
                                kind,
                                odur,
                            );
                            (o, s2, e2, None)
                        }
                        _ => (m, s, e, rdate),
                    },
                    None => (m, s, e, rdate),
                };
                note_end(&mut last_end, e2);
                if win.overlaps(s2.secs, e2.secs) {
                    // RDATEs count against the share too (a file can hold a million).
                    if produced.len() >= share.instances {
                        complete = false;
                        out.cut_by(instance_limit);
                        break;
                    }
                    produced.push(Occurrence {
                        item,
                        instance: recurring.then_some(s),
                        start: s2,
                        end: e2,
                        rdate,
                    });
                }
            }
            // An override stands unless the master excludes its instance (EXDATE) or
            // the series has ended before it (every rule has an UNTIL before it and
            // no RDATE names it): such overrides are stale leftovers. An override
            // whose RECURRENCE-ID matches no instance otherwise is still shown.
            let last_until = if rules.is_empty() || rules.iter().any(|(_, u)| u.is_none()) {
                None
            } else {
                rules.iter().filter_map(|(_, u)| *u).max()
            };
            for (&key, &o) in &by_instance {
                let Some(rid) = items[o].recurrence_id.as_ref() else {
                    continue;
                };
                let r = tc.in_frame(rid, zone.as_ref(), kind);
                let in_rdates = ev.rdates.iter().any(|(rd, _)| {
                    let rr = tc.in_frame(rd, zone.as_ref(), kind);
                    instance_key(&rr, kind) == key
                });
                let ended =
                    last_until.is_some_and(|u| r.local > u) && r.local != start.local && !in_rdates;
                if !excluded(r.local) && !ended {
                    keys.seen.insert(key);
                }
            }
            master_keys = Some(keys);
        } else {
            complete = false;
        }
    }

    // Overrides: each shown at its own time, if it replaces an instance of the
    // master (an override of an excluded or non-existent instance is stale), or
    // always when there is no master.
    let mut chosen: Vec<(i64, usize)> = by_instance.iter().map(|(k, o)| (*k, *o)).collect();
    chosen.sort_unstable_by_key(|(_, o)| *o);
    for (key, o) in chosen {
        if let Some(keys) = &master_keys {
            if !keys.seen.contains(&key) {
                continue;
            }
        }
        let ev = &items[o];
        let Some((s, dur)) = start_end(ev, tc) else {
            continue;
        };
        let (st, en) = instance_stamps(s.local, s.zone.as_ref(), s.kind, dur);
        let inst = ev
            .recurrence_id
            .as_ref()
            .map(|rid| tc.in_frame(rid, zone.as_ref(), kind).stamp());
        note_end(&mut last_end, en);
        if win.overlaps(st.secs, en.secs) {
            produced.push(Occurrence {
                item: o,
                instance: inst,
                start: st,
                end: en,
                rdate: None,
            });
        }
    }
    if complete {
        info.end = last_end;
    }
    out.instances = produced.len();
    out.kept = produced.len();
    sink.append(&mut produced);
    out.info = Some(info);
    out
}

/// Instance keys a master produces (see [`instance_key`]).
#[derive(Default)]
struct MasterInstances {
    seen: HashSet<i64>,
}

/// Key under which an instance is matched: the instant for zoned series, the wall
/// time otherwise.
fn instance_key(r: &Resolved, kind: TimeKind) -> i64 {
    match kind {
        TimeKind::Instant => r.stamp().secs,
        _ => secs(r.local),
    }
}

/// Wall-clock shift that a THISANDFUTURE override applies to later instances.
fn tc_shift(
    override_start: &Resolved,
    rid: &Resolved,
    zone: Option<&Zone>,
    kind: TimeKind,
) -> Duration {
    match (kind, zone) {
        (TimeKind::Instant, Some(z)) => {
            let os = z.utc_to_local(override_start.stamp().naive());
            os - rid.local
        }
        _ => override_start.local - rid.local,
    }
}

fn naive_of(secs: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|d| d.naive_utc())
        .unwrap_or_default()
}

fn truncate(s: &str) -> String {
    s.chars().take(120).collect()
}

#[cfg(test)]
mod stamp_format_tests {
    use super::{Stamp, TimeKind};

    #[test]
    fn push_formatted_matches_strftime_for_every_kind_and_odd_years() {
        let cases = [
            0,
            1_780_272_000,
            951_782_400 - 1,
            -62_135_596_800,       // 0001-01-01
            253_402_300_799,       // 9999-12-31T23:59:59
            253_402_300_800 + 400, // year 10000: falls back to chrono
            -62_198_755_200,       // year -1: falls back to chrono
        ];
        for secs in cases {
            for kind in [TimeKind::Instant, TimeKind::Floating, TimeKind::Date] {
                let s = Stamp { secs, kind };
                let n = s.naive();
                let want = match kind {
                    TimeKind::Instant => n.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                    TimeKind::Floating => n.format("%Y-%m-%dT%H:%M:%S").to_string(),
                    TimeKind::Date => n.format("%Y-%m-%d").to_string(),
                };
                assert_eq!(s.format(), want, "{secs} {kind:?}");
                let mut buf = String::from("x");
                s.push_formatted(&mut buf);
                assert_eq!(buf, format!("x{want}"));
            }
        }
    }

    #[test]
    fn parse_reads_back_what_format_wrote() {
        for (secs, kind) in [
            (1_780_272_000, TimeKind::Instant),
            (1_780_272_001, TimeKind::Floating),
            (1_780_272_000, TimeKind::Date), // a midnight
        ] {
            let s = Stamp { secs, kind };
            assert_eq!(Stamp::parse(&s.format()), Some(s));
        }
        assert_eq!(Stamp::parse("yesterday"), None);
    }
}

#[cfg(test)]
mod occurrence_tests {
    use super::{ExpandOptions, Window};
    use crate::calendar::{load_calendar, OccurrenceRow};
    use crate::event::ItemKind;

    /// The occurrences in 2026 of `events` (VEVENT text) in a calendar with the
    /// given header lines; the input must load and expand without diagnostics.
    fn rows(header: &str, events: &str) -> Vec<OccurrenceRow> {
        let text = format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{header}{events}END:VCALENDAR\r\n");
        let mut cal = load_calendar(text.as_bytes(), &[ItemKind::Event]);
        assert!(cal.diagnostics.is_empty(), "{:?}", cal.diagnostics);
        let year_2026 = Window {
            from: 1_767_225_600,
            to: 1_798_761_600,
        };
        let mut diagnostics = Vec::new();
        let rows = cal.occurrence_rows(&ExpandOptions::new(year_2026), &mut diagnostics);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        rows
    }

    fn event(uid: &str, lines: &str) -> String {
        format!("BEGIN:VEVENT\r\nUID:{uid}\r\n{lines}END:VEVENT\r\n")
    }

    /// Start and end of the occurrences of `uid`, in start order.
    fn spans<'r>(rows: &'r [OccurrenceRow], uid: &str) -> Vec<(&'r str, &'r str)> {
        rows.iter()
            .filter(|r| r.uid.as_deref() == Some(uid))
            .map(|r| (r.start_utc.as_str(), r.end_utc.as_str()))
            .collect()
    }

    #[test]
    fn duration_days_follow_the_wall_clock_and_hours_are_exact_across_dst() {
        // Berlin springs forward on 2026-03-29 (a 23-hour day) and falls back on
        // 2026-10-25 (a 25-hour day).
        let berlin = |uid: &str, start: &str, duration: &str| {
            event(
                uid,
                &format!("DTSTART;TZID=Europe/Berlin:{start}\r\nDURATION:{duration}\r\n"),
            )
        };
        let rows = rows(
            "",
            &[
                berlin("spring-day", "20260328T120000", "P1D"),
                berlin("spring-hours", "20260328T120000", "PT24H"),
                berlin("spring-day-and-hour", "20260328T120000", "P1DT1H"),
                berlin("spring-week", "20260328T120000", "P1W"),
                berlin("autumn-day", "20261024T120000", "P1D"),
                berlin("autumn-hours", "20261024T120000", "PT24H"),
            ]
            .concat(),
        );
        // P1D: 12:00 Berlin the next day, 23 real hours later.
        assert_eq!(
            spans(&rows, "spring-day"),
            [("2026-03-28T11:00:00Z", "2026-03-29T10:00:00Z")]
        );
        // PT24H: 24 real hours, 13:00 on the wall clock.
        assert_eq!(
            spans(&rows, "spring-hours"),
            [("2026-03-28T11:00:00Z", "2026-03-29T11:00:00Z")]
        );
        // 12:00 wall the next day, then one exact hour.
        assert_eq!(
            spans(&rows, "spring-day-and-hour"),
            [("2026-03-28T11:00:00Z", "2026-03-29T11:00:00Z")]
        );
        assert_eq!(
            spans(&rows, "spring-week"),
            [("2026-03-28T11:00:00Z", "2026-04-04T10:00:00Z")]
        );
        // P1D: 12:00 Berlin the next day, 25 real hours later.
        assert_eq!(
            spans(&rows, "autumn-day"),
            [("2026-10-24T10:00:00Z", "2026-10-25T11:00:00Z")]
        );
        assert_eq!(
            spans(&rows, "autumn-hours"),
            [("2026-10-24T10:00:00Z", "2026-10-25T10:00:00Z")]
        );
    }

    #[test]
    fn an_rdate_period_duration_is_nominal_in_days_and_exact_in_hours() {
        let rows = rows(
            "",
            &event(
                "period",
                "DTSTART;TZID=Europe/Berlin:20260321T120000\r\nDURATION:PT1H\r\n\
                 RDATE;VALUE=PERIOD;TZID=Europe/Berlin:20260328T120000/P1D,\
                 20260328T180000/PT24H\r\n",
            ),
        );
        assert_eq!(
            spans(&rows, "period"),
            [
                ("2026-03-21T11:00:00Z", "2026-03-21T12:00:00Z"),
                // 12:00 Berlin the next day: 23 real hours over the DST change.
                ("2026-03-28T11:00:00Z", "2026-03-29T10:00:00Z"),
                ("2026-03-28T17:00:00Z", "2026-03-29T17:00:00Z"),
            ]
        );
    }

    #[test]
    fn an_absurdly_long_duration_is_ignored_instead_of_overflowing_the_window() {
        let text = format!(
            "BEGIN:VCALENDAR\r\n{}END:VCALENDAR\r\n",
            event(
                "long",
                "DTSTART:20260328T120000Z\r\nDURATION:P3999999999D\r\n"
            )
        );
        let mut cal = load_calendar(text.as_bytes(), &[ItemKind::Event]);
        assert!(
            cal.diagnostics
                .iter()
                .any(|d| d.message.contains("DURATION")),
            "{:?}",
            cal.diagnostics
        );
        let window = Window {
            from: 1_767_225_600,
            to: 1_798_761_600,
        };
        let rows = cal.occurrence_rows(&ExpandOptions::new(window), &mut Vec::new());
        assert_eq!(
            spans(&rows, "long"),
            [("2026-03-28T12:00:00Z", "2026-03-28T12:00:00Z")]
        );
    }

    #[test]
    fn floating_and_all_day_durations_are_wall_time_only() {
        let rows = rows(
            "",
            &[
                event(
                    "floating-hours",
                    "DTSTART:20260328T120000\r\nDURATION:PT24H\r\n",
                ),
                event(
                    "floating-day",
                    "DTSTART:20260328T120000\r\nDURATION:P1D\r\n",
                ),
                event(
                    "all-day",
                    "DTSTART;VALUE=DATE:20260328\r\nDURATION:PT24H\r\n",
                ),
            ]
            .concat(),
        );
        for uid in ["floating-hours", "floating-day"] {
            assert_eq!(
                spans(&rows, uid),
                [("2026-03-28T12:00:00", "2026-03-29T12:00:00")],
                "{uid}"
            );
        }
        assert_eq!(spans(&rows, "all-day"), [("2026-03-28", "2026-03-29")]);
    }
}

#[cfg(test)]
mod calendar_zone_tests {
    use super::{ExpandOptions, Window};
    use crate::calendar::load_calendar;
    use crate::event::ItemKind;

    /// (uid, recurrence_id, start, end, all_day, floating, tzid) of an occurrence.
    type Row = (
        String,
        Option<String>,
        String,
        String,
        bool,
        bool,
        Option<String>,
    );

    /// Every occurrence in 2026 of `events` (uid, VEVENT lines) in a calendar with
    /// the given header lines, in start order; the input must load and expand
    /// without diagnostics.
    fn rows(header: &str, events: &[(&str, &str)]) -> Vec<Row> {
        let mut text = format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{header}");
        for (uid, lines) in events {
            text.push_str(&format!(
                "BEGIN:VEVENT\r\nUID:{uid}\r\n{lines}END:VEVENT\r\n"
            ));
        }
        text.push_str("END:VCALENDAR\r\n");
        let mut cal = load_calendar(text.as_bytes(), &[ItemKind::Event]);
        assert!(cal.diagnostics.is_empty(), "{:?}", cal.diagnostics);
        let year_2026 = Window {
            from: 1_767_225_600,
            to: 1_798_761_600,
        };
        let mut diagnostics = Vec::new();
        let rows = cal.occurrence_rows(&ExpandOptions::new(year_2026), &mut diagnostics);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        rows.into_iter()
            .map(|r| {
                (
                    r.uid.unwrap_or_default(),
                    r.recurrence_id,
                    r.start_utc,
                    r.end_utc,
                    r.all_day,
                    r.floating,
                    r.tzid,
                )
            })
            .collect()
    }

    fn row(
        uid: &str,
        recurrence_id: Option<&str>,
        start: &str,
        end: &str,
        (all_day, floating): (bool, bool),
        tzid: Option<&str>,
    ) -> Row {
        (
            uid.into(),
            recurrence_id.map(Into::into),
            start.into(),
            end.into(),
            all_day,
            floating,
            tzid.map(Into::into),
        )
    }

    const TIMED: (bool, bool) = (false, false);

    #[test]
    fn floating_times_are_read_in_the_x_wr_timezone_and_dates_stay_dates() {
        let got = rows(
            "X-WR-TIMEZONE:America/New_York\r\n",
            &[
                (
                    "floating",
                    "DTSTART:20260115T090000\r\nDTEND:20260115T100000\r\n",
                ),
                ("all-day", "DTSTART;VALUE=DATE:20260116\r\n"),
                (
                    "utc",
                    "DTSTART:20260117T150000Z\r\nDTEND:20260117T160000Z\r\n",
                ),
                (
                    "zoned",
                    "DTSTART;TZID=Europe/Berlin:20260118T090000\r\nDURATION:PT1H\r\n",
                ),
            ],
        );
        let new_york = Some("America/New_York");
        assert_eq!(
            got,
            [
                // 09:00 in New York (UTC-5), not a floating 09:00.
                row(
                    "floating",
                    None,
                    "2026-01-15T14:00:00Z",
                    "2026-01-15T15:00:00Z",
                    TIMED,
                    new_york
                ),
                row(
                    "all-day",
                    None,
                    "2026-01-16",
                    "2026-01-17",
                    (true, false),
                    None
                ),
                row(
                    "utc",
                    None,
                    "2026-01-17T15:00:00Z",
                    "2026-01-17T16:00:00Z",
                    TIMED,
                    new_york
                ),
                row(
                    "zoned",
                    None,
                    "2026-01-18T08:00:00Z",
                    "2026-01-18T09:00:00Z",
                    TIMED,
                    Some("Europe/Berlin")
                ),
            ]
        );
    }

    #[test]
    fn a_floating_series_recurs_in_the_x_wr_timezone_with_its_exdates_rdates_and_overrides() {
        // Berlin springs forward on 2026-03-29: 09:00 is 08:00Z before, 07:00Z after.
        let got = rows(
            "X-WR-TIMEZONE:Europe/Berlin\r\n",
            &[
                (
                    "weekly",
                    "DTSTART:20260320T090000\r\nDURATION:PT1H\r\n\
                     RRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE:20260327T090000\r\n\
                     RDATE:20260401T090000\r\n",
                ),
                (
                    "weekly",
                    "RECURRENCE-ID:20260403T090000\r\nDTSTART:20260403T150000\r\n\
                     DTEND:20260403T160000\r\n",
                ),
            ],
        );
        let berlin = Some("Europe/Berlin");
        assert_eq!(
            got,
            [
                row(
                    "weekly",
                    Some("2026-03-20T08:00:00Z"),
                    "2026-03-20T08:00:00Z",
                    "2026-03-20T09:00:00Z",
                    TIMED,
                    berlin
                ),
                row(
                    "weekly",
                    Some("2026-04-01T07:00:00Z"),
                    "2026-04-01T07:00:00Z",
                    "2026-04-01T08:00:00Z",
                    TIMED,
                    berlin
                ),
                row(
                    "weekly",
                    Some("2026-04-03T07:00:00Z"),
                    "2026-04-03T13:00:00Z",
                    "2026-04-03T14:00:00Z",
                    TIMED,
                    berlin
                ),
                row(
                    "weekly",
                    Some("2026-04-10T07:00:00Z"),
                    "2026-04-10T07:00:00Z",
                    "2026-04-10T08:00:00Z",
                    TIMED,
                    berlin
                ),
            ]
        );
    }

    #[test]
    fn without_x_wr_timezone_floating_times_stay_floating() {
        let got = rows(
            "",
            &[(
                "floating",
                "DTSTART:20260115T090000\r\nDTEND:20260115T100000\r\n",
            )],
        );
        assert_eq!(
            got,
            [row(
                "floating",
                None,
                "2026-01-15T09:00:00",
                "2026-01-15T10:00:00",
                (false, true),
                None
            )]
        );
    }
}
