//! Time zones defined by a calendar's own VTIMEZONE (RFC 5545 3.6.5).
//!
//! A VTIMEZONE is turned into a sorted table of UTC transitions once, so every lookup
//! afterwards is a binary search with no allocation. The table covers the local years
//! [`FIRST_YEAR`]..=[`LAST_YEAR`]; transitions before that are folded into the offset
//! in force at the start of the table, and yearly rules still running at the end are
//! kept as "tail rules" and evaluated on demand for later instants (allocating, but
//! only for instants beyond [`LAST_YEAR`]).
//!
//! Invariants:
//! - construction is bounded in time whatever the input: rule evaluation has a work
//!   budget, RDATEs and observances are capped, and only the yearly rule shapes that
//!   real VTIMEZONEs use are evaluated (anything else is an error, not a loop);
//! - the transition table is sorted by instant and never holds a no-op entry (one
//!   whose offset equals the offset before it);
//! - every offset is within ±24 h (guaranteed by [`parse_utc_offset`]), which bounds
//!   the window searched when converting local times.

use std::fmt;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Weekday};

use crate::ics::component::{Component, Property};
use crate::value::{parse_date_or_time, parse_datetime, parse_utc_offset, DateOrTime};

use super::TzError;

/// First local year evaluated into the transition table.
pub const FIRST_YEAR: i32 = 1800;
/// Last local year evaluated into the table (one more year is kept so that the table
/// is complete up to [`LAST_YEAR`]` + 1` December; later instants use tail rules).
pub const LAST_YEAR: i32 = 2100;

/// Observances per VTIMEZONE; real ones have 2 to ~150 (zones with full history).
const MAX_OBSERVANCES: usize = 2_000;
/// Transitions per VTIMEZONE (rule occurrences plus RDATEs) before we give up.
const MAX_TRANSITIONS: usize = 100_000;
/// Candidate days examined by the yearly rule evaluator per VTIMEZONE.
const MAX_DAY_CHECKS: u64 = 5_000_000;
/// INTERVAL above this is nonsense for a time zone and would make tail evaluation slow.
const MAX_INTERVAL: i32 = 100;
/// Half-width of the UTC window searched around a local time: offsets are below 24 h.
const WINDOW_SECS: i64 = 26 * 3600;

/// One change of offset at a UTC instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Transition {
    /// Seconds since the Unix epoch (UTC).
    utc: i64,
    /// Offset (seconds east of UTC) in force just before `utc`.
    from: i32,
    /// Offset in force from `utc` on.
    to: i32,
}

/// A zone built from a VTIMEZONE (or a fixed offset, for Outlook display names whose
/// zone we do not know). Cheap to share behind an `Arc`.
#[derive(Clone, PartialEq, Eq)]
pub struct CustomZone {
    name: String,
    /// Offset before the first transition.
    initial: i32,
    transitions: Vec<Transition>,
    /// Yearly rules still in force after the table, for extrapolation.
    tail: Vec<YearlyObservance>,
}

impl fmt::Debug for CustomZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The table can hold thousands of entries; a summary is what a log needs.
        f.debug_struct("CustomZone")
            .field("name", &self.name)
            .field("initial", &self.initial)
            .field("transitions", &self.transitions.len())
            .field("tail_rules", &self.tail.len())
            .finish()
    }
}

impl CustomZone {
    /// A zone with one constant offset (seconds east of UTC), named `name`.
    pub fn fixed(name: impl Into<String>, offset: i32) -> Self {
        CustomZone {
            name: name.into(),
            initial: offset,
            transitions: Vec::new(),
            tail: Vec::new(),
        }
    }

    /// Build a zone from a `VTIMEZONE` component.
    ///
    /// Leniency (documented policy): an observance without a usable `TZOFFSETTO` or
    /// `DTSTART` is skipped; a missing or invalid `TZOFFSETFROM` is taken to equal
    /// `TZOFFSETTO` (it only matters for reading DTSTART and for instants before the
    /// first onset). An RRULE that is not a supported `FREQ=YEARLY` form is an error
    /// rather than being ignored, because dropping it would silently misplace every
    /// DST change. A `DTSTART` that the RRULE does not match is used as the rule's
    /// anchor only, not as an onset (as python-dateutil does; Outlook writes
    /// `16010101T…` anchors that match nothing).
    pub fn from_vtimezone(vtimezone: &Component<'_>) -> Result<Self, TzError> {
        let line = vtimezone.line;
        let name = vtimezone
            .prop("TZID")
            .map(|p| p.text().trim().to_owned())
            .filter(|s| !s.is_empty())
            .ok_or(TzError::MissingTzid { line })?;
        let err_name: String = name.chars().take(80).collect();

        let observances: Vec<&Component<'_>> = vtimezone
            .children
            .iter()
            .filter(|c| c.name == "STANDARD" || c.name == "DAYLIGHT")
            .collect();
        if observances.len() > MAX_OBSERVANCES {
            return Err(TzError::TooComplex {
                tzid: err_name,
                line,
            });
        }

        let mut builder = TableBuilder::default();
        let mut tail = Vec::new();
        let mut usable = 0usize;
        for obs in observances {
            let Some(parsed) = parse_observance(obs, &err_name)? else {
                continue;
            };
            usable += 1;
            builder.add_observance(&parsed, &err_name, line)?;
            if let Some(rule) = parsed.rule {
                if rule.continues_after(LAST_YEAR + 1) {
                    tail.push(YearlyObservance {
                        rule,
                        anchor: parsed.dtstart,
                        from: parsed.from,
                        to: parsed.to,
                    });
                }
            }
        }
        if usable == 0 {
            return Err(TzError::NoObservances {
                tzid: err_name,
                line,
            });
        }
        let (initial, transitions) = builder.finish();
        Ok(CustomZone {
            name,
            initial,
            transitions,
            tail,
        })
    }

    /// The TZID this zone was defined with.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of precomputed transitions (for tests and diagnostics).
    pub fn transition_count(&self) -> usize {
        self.transitions.len()
    }

    /// Offset (seconds east of UTC) in force at the UTC instant `utc`.
    pub fn offset_at_utc(&self, utc: NaiveDateTime) -> i32 {
        let secs = utc.and_utc().timestamp();
        if self.uses_tail(secs) {
            let (initial, list) = self.tail_view(utc.year());
            return offset_in(initial, &list, secs);
        }
        offset_in(self.initial, &self.transitions, secs)
    }

    /// Local wall time at the UTC instant `utc`.
    pub fn utc_to_local(&self, utc: NaiveDateTime) -> NaiveDateTime {
        shift(utc, i64::from(self.offset_at_utc(utc)))
    }

    /// UTC instant of the local wall time `local`, with RFC 5545 3.3.5 semantics: a
    /// local time in a gap is moved forward by the gap length (read with the offset
    /// before the transition); an ambiguous one takes the earlier instant.
    pub fn local_to_utc(&self, local: NaiveDateTime) -> NaiveDateTime {
        let secs = local.and_utc().timestamp();
        let offset = if self.uses_tail(secs) {
            let (initial, list) = self.tail_view(local.year());
            local_offset_in(initial, &list, secs)
        } else {
            local_offset_in(self.initial, &self.transitions, secs)
        };
        shift(local, -i64::from(offset))
    }

    fn uses_tail(&self, secs: i64) -> bool {
        // The table holds every onset of local year LAST_YEAR + 1; a month of margin
        // keeps local-time windows near the end fully inside it.
        !self.tail.is_empty() && secs >= table_end_secs()
    }

    /// Transitions around `year` from the tail rules, for instants after the table.
    fn tail_view(&self, year: i32) -> (i32, Vec<Transition>) {
        let initial = self.transitions.last().map_or(self.initial, |t| t.to);
        let max_interval = self.tail.iter().map(|o| o.rule.interval).max().unwrap_or(1);
        let first = (year - 1 - max_interval).max(LAST_YEAR + 1);
        let mut builder = TableBuilder::default();
        // Table entries past the table end (DTSTART-only onsets or RDATEs written far
        // in the future) still apply there.
        let view_start = NaiveDate::from_ymd_opt(first, 1, 1)
            .map(|d| d.and_time(NaiveTime::MIN).and_utc().timestamp())
            .unwrap_or(i64::MIN);
        let from_idx = self.transitions.partition_point(|t| t.utc < view_start);
        for t in self.transitions.get(from_idx..).unwrap_or(&[]) {
            builder.push(t.utc, t.to);
        }
        // The budget cannot be exceeded here: at most MAX_INTERVAL + 3 years per rule,
        // but an exhausted budget just yields a shorter (still sorted) list.
        for obs in &self.tail {
            for y in first..=year.saturating_add(1) {
                if !obs.rule.year_in_interval(obs.anchor.year(), y) {
                    continue;
                }
                let mut checks = 0u64;
                obs.rule
                    .for_each_in_year(y, obs.anchor, &mut checks, &mut |local| {
                        if local >= obs.anchor && obs.rule.before_until(local, obs.from) {
                            builder.push(local_secs(local) - i64::from(obs.from), obs.to);
                        }
                    });
            }
        }
        builder.finish_with_initial(initial)
    }
}

fn table_end_secs() -> i64 {
    NaiveDate::from_ymd_opt(LAST_YEAR + 1, 12, 1)
        .map(|d| d.and_time(NaiveTime::MIN).and_utc().timestamp())
        .unwrap_or(i64::MAX)
}

fn local_secs(local: NaiveDateTime) -> i64 {
    local.and_utc().timestamp()
}

/// `t + secs`, saturating to `t` itself at the (unreachable in practice) ends of
/// chrono's range rather than panicking.
fn shift(t: NaiveDateTime, secs: i64) -> NaiveDateTime {
    t.checked_add_signed(TimeDelta::seconds(secs)).unwrap_or(t)
}

/// Offset in force at `secs` (UTC) given a sorted transition list.
fn offset_in(initial: i32, list: &[Transition], secs: i64) -> i32 {
    let idx = list.partition_point(|t| t.utc <= secs);
    match idx.checked_sub(1).and_then(|i| list.get(i)) {
        Some(t) => t.to,
        None => initial,
    }
}

/// The offset to subtract from the local time `local` (as seconds, read as if UTC).
fn local_offset_in(initial: i32, list: &[Transition], local: i64) -> i32 {
    // Only transitions within ±WINDOW of the local time can affect it, because the
    // UTC instant is local - offset and |offset| < 24 h.
    let lo = list.partition_point(|t| t.utc < local - WINDOW_SECS);
    let hi = list.partition_point(|t| t.utc <= local + WINDOW_SECS);
    let before = match lo.checked_sub(1).and_then(|i| list.get(i)) {
        Some(t) => t.to,
        None => initial,
    };
    let window = list.get(lo..hi).unwrap_or(&[]);
    if window.is_empty() {
        return before;
    }
    // A candidate offset is valid when reading the local time with it lands on an
    // instant where that offset is in force. Several valid ones = overlap: the larger
    // offset gives the earlier instant, which RFC 5545 says to take.
    let mut best: Option<i32> = None;
    for candidate in std::iter::once(before).chain(window.iter().map(|t| t.to)) {
        if offset_in(initial, list, local - i64::from(candidate)) == candidate
            && best.is_none_or(|b| candidate > b)
        {
            best = Some(candidate);
        }
    }
    if let Some(b) = best {
        return b;
    }
    // No valid reading: the local time falls in a gap. Using the offset before the
    // transition moves it forward by exactly the gap length.
    window
        .iter()
        .find(|t| local >= t.utc + i64::from(t.from) && local < t.utc + i64::from(t.to))
        .map_or(before, |t| t.from)
}

/// Collects transitions, then sorts and normalises them into a table.
#[derive(Default)]
struct TableBuilder {
    /// `(utc, to)` in insertion order.
    raw: Vec<(i64, i32)>,
    /// Offset before the earliest onset (the earliest onset's TZOFFSETFROM).
    first_from: Option<(i64, i32)>,
    /// TZOFFSETFROM of the first observance, for zones whose rules never fire.
    first_observance_from: Option<i32>,
    day_checks: u64,
}

impl TableBuilder {
    fn push(&mut self, utc: i64, to: i32) {
        self.raw.push((utc, to));
    }

    fn note_from(&mut self, utc: i64, from: i32) {
        if self.first_from.is_none_or(|(u, _)| utc < u) {
            self.first_from = Some((utc, from));
        }
    }

    fn check_size(&self, tzid: &str, line: u32) -> Result<(), TzError> {
        if self.raw.len() > MAX_TRANSITIONS || self.day_checks > MAX_DAY_CHECKS {
            return Err(TzError::TooComplex {
                tzid: tzid.to_owned(),
                line,
            });
        }
        Ok(())
    }

    fn add_observance(&mut self, obs: &Observance, tzid: &str, line: u32) -> Result<(), TzError> {
        self.first_observance_from.get_or_insert(obs.from);
        let from = i64::from(obs.from);
        let onset_utc = |local: NaiveDateTime| local_secs(local) - from;
        match &obs.rule {
            None => {
                // Without a rule DTSTART is the (only) onset.
                self.push(obs.dtstart_utc, obs.to);
                self.note_from(obs.dtstart_utc, obs.from);
            }
            Some(rule) => {
                let anchor = obs.dtstart;
                let anchor_year = anchor.year();
                // Without COUNT, years before the table cannot matter beyond the last
                // one, so skip straight to it (Outlook anchors rules in 1601).
                let start_year = if rule.count.is_some() {
                    anchor_year
                } else {
                    anchor_year.max(FIRST_YEAR - 1)
                };
                let mut emitted: u32 = 0;
                let mut year = start_year;
                while year <= LAST_YEAR + 1 {
                    if rule.year_in_interval(anchor_year, year) {
                        let mut stop = false;
                        let mut pending: Vec<NaiveDateTime> = Vec::new();
                        rule.for_each_in_year(year, anchor, &mut self.day_checks, &mut |l| {
                            pending.push(l)
                        });
                        for local in pending {
                            if local < anchor {
                                continue;
                            }
                            if !rule.before_until(local, obs.from) {
                                stop = true;
                                break;
                            }
                            if let Some(c) = rule.count {
                                if emitted >= c {
                                    stop = true;
                                    break;
                                }
                            }
                            emitted += 1;
                            let utc = onset_utc(local);
                            self.push(utc, obs.to);
                            self.note_from(utc, obs.from);
                        }
                        self.check_size(tzid, line)?;
                        if stop {
                            break;
                        }
                    }
                    year += 1;
                }
            }
        }
        for &utc in &obs.rdates {
            self.push(utc, obs.to);
            self.note_from(utc, obs.from);
        }
        self.check_size(tzid, line)
    }

    fn finish(self) -> (i32, Vec<Transition>) {
        let initial = self
            .first_from
            .map(|(_, f)| f)
            .or(self.first_observance_from)
            .unwrap_or(0);
        self.finish_with_initial(initial)
    }

    /// Sort, fold everything before the table into the initial offset, drop no-ops.
    fn finish_with_initial(mut self, initial: i32) -> (i32, Vec<Transition>) {
        // Stable sort: onsets at the same instant keep input order, the last wins.
        self.raw.sort_by_key(|&(utc, _)| utc);
        let cutoff = NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1)
            .map(|d| d.and_time(NaiveTime::MIN).and_utc().timestamp())
            .unwrap_or(i64::MIN);
        let mut current = initial;
        let mut out: Vec<Transition> = Vec::with_capacity(self.raw.len());
        let mut i = 0;
        while i < self.raw.len() {
            let (utc, mut to) = self.raw[i];
            // Collapse equal instants to the last one written.
            while i + 1 < self.raw.len() && self.raw[i + 1].0 == utc {
                i += 1;
                to = self.raw[i].1;
            }
            i += 1;
            if utc < cutoff {
                current = to;
                continue;
            }
            if to != current {
                out.push(Transition {
                    utc,
                    from: current,
                    to,
                });
                current = to;
            }
        }
        // `initial` is the offset before the first kept transition: anything folded
        // in from before the cutoff is the state at the start of the table.
        let initial = out.first().map_or(current, |t| t.from);
        out.shrink_to_fit();
        (initial, out)
    }
}

/// One STANDARD/DAYLIGHT sub-component, parsed.
struct Observance {
    /// DTSTART as local wall time (in `from`).
    dtstart: NaiveDateTime,
    dtstart_utc: i64,
    from: i32,
    to: i32,
    rule: Option<YearlyRule>,
    /// Extra onsets as UTC seconds.
    rdates: Vec<i64>,
}

/// `Ok(None)` = observance unusable and skipped (see [`CustomZone::from_vtimezone`]).
fn parse_observance(obs: &Component<'_>, tzid: &str) -> Result<Option<Observance>, TzError> {
    let Some(to) = obs
        .prop("TZOFFSETTO")
        .and_then(|p| parse_utc_offset(&p.value).ok())
    else {
        return Ok(None);
    };
    let from = obs
        .prop("TZOFFSETFROM")
        .and_then(|p| parse_utc_offset(&p.value).ok())
        .unwrap_or(to);
    let Some((dtstart, dtstart_is_utc)) = obs.prop("DTSTART").and_then(|p| read_datetime(p)) else {
        return Ok(None);
    };
    // A DTSTART written in UTC (non-conforming) is taken as the instant it names.
    let dtstart_utc = if dtstart_is_utc {
        local_secs(dtstart)
    } else {
        local_secs(dtstart) - i64::from(from)
    };
    let rule = match obs.prop("RRULE") {
        Some(p) => Some(
            YearlyRule::parse(&p.value).ok_or_else(|| TzError::UnsupportedRule {
                tzid: tzid.to_owned(),
                rule: p.value.chars().take(80).collect(),
                line: p.line,
            })?,
        ),
        None => None,
    };
    let mut rdates = Vec::new();
    for p in obs.props("RDATE") {
        for v in p.value.split(',') {
            // PERIOD values: the onset is the period start.
            let start = v.split('/').next().unwrap_or(v);
            let parsed = match parse_date_or_time(start, p.param("VALUE")) {
                Ok(DateOrTime::Date(d)) => Some((d.and_time(NaiveTime::MIN), false)),
                Ok(DateOrTime::DateTime { local, utc }) => Some((local, utc)),
                Err(_) => None,
            };
            if let Some((local, is_utc)) = parsed {
                let secs = local_secs(local) - if is_utc { 0 } else { i64::from(from) };
                rdates.push(secs);
            }
            if rdates.len() > MAX_TRANSITIONS {
                return Err(TzError::TooComplex {
                    tzid: tzid.to_owned(),
                    line: p.line,
                });
            }
        }
    }
    Ok(Some(Observance {
        dtstart,
        dtstart_utc,
        from,
        to,
        rule,
        rdates,
    }))
}

fn read_datetime(p: &Property<'_>) -> Option<(NaiveDateTime, bool)> {
    match parse_date_or_time(&p.value, p.param("VALUE")) {
        Ok(DateOrTime::Date(d)) => Some((d.and_time(NaiveTime::MIN), false)),
        Ok(DateOrTime::DateTime { local, utc }) => Some((local, utc)),
        Err(_) => parse_datetime(&p.value).ok(),
    }
}

/// A yearly rule kept for extrapolation after the table.
#[derive(Clone, Debug, PartialEq, Eq)]
struct YearlyObservance {
    rule: YearlyRule,
    anchor: NaiveDateTime,
    from: i32,
    to: i32,
}

/// End of a rule (`UNTIL`): inclusive bound, either an instant or a local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Until {
    Utc(NaiveDateTime),
    Local(NaiveDateTime),
}

/// The `FREQ=YEARLY` rules real VTIMEZONEs use: BYMONTH, BYDAY (with optional ordinal),
/// BYMONTHDAY, INTERVAL, UNTIL, COUNT. Other BYxxx parts are rejected, not ignored.
#[derive(Clone, Debug, PartialEq, Eq)]
struct YearlyRule {
    interval: i32,
    count: Option<u32>,
    until: Option<Until>,
    /// Bit m set = month m (1..=12).
    by_month: u16,
    by_day: Vec<(Option<i8>, Weekday)>,
    by_month_day: Vec<i8>,
}

impl YearlyRule {
    fn parse(text: &str) -> Option<Self> {
        let mut freq_yearly = false;
        let mut rule = YearlyRule {
            interval: 1,
            count: None,
            until: None,
            by_month: 0,
            by_day: Vec::new(),
            by_month_day: Vec::new(),
        };
        for part in text.trim().split(';').filter(|p| !p.trim().is_empty()) {
            let (key, value) = part.split_once('=')?;
            let value = value.trim();
            match key.trim().to_ascii_uppercase().as_str() {
                "FREQ" => freq_yearly = value.eq_ignore_ascii_case("YEARLY"),
                "INTERVAL" => {
                    rule.interval = value
                        .parse()
                        .ok()
                        .filter(|i| (1..=MAX_INTERVAL).contains(i))?
                }
                "COUNT" => rule.count = Some(value.parse().ok()?),
                "UNTIL" => {
                    rule.until = Some(match parse_date_or_time(value, None).ok()? {
                        // A DATE bound includes that whole day.
                        DateOrTime::Date(d) => Until::Local(d.and_hms_opt(23, 59, 59)?),
                        DateOrTime::DateTime { local, utc: true } => Until::Utc(local),
                        DateOrTime::DateTime { local, utc: false } => Until::Local(local),
                    })
                }
                "BYMONTH" => {
                    for m in value.split(',') {
                        let m: u16 = m.trim().parse().ok().filter(|m| (1..=12).contains(m))?;
                        rule.by_month |= 1 << m;
                    }
                }
                "BYDAY" => {
                    for d in value.split(',') {
                        rule.by_day.push(parse_by_day(d.trim())?);
                    }
                }
                "BYMONTHDAY" => {
                    for d in value.split(',') {
                        let d: i8 = d.trim().parse().ok()?;
                        if d == 0 || !(-31..=31).contains(&d) {
                            return None;
                        }
                        rule.by_month_day.push(d);
                    }
                }
                "WKST" => {}
                k if k.starts_with("X-") => {}
                // BYSETPOS, BYWEEKNO, BYYEARDAY, BYHOUR, ... and unknown parts.
                _ => return None,
            }
        }
        freq_yearly.then_some(rule)
    }

    /// Whether the rule may still produce onsets after `year`.
    fn continues_after(&self, year: i32) -> bool {
        if self.count.is_some() {
            // COUNT-limited rules are evaluated from their anchor into the table only.
            return false;
        }
        match self.until {
            None => true,
            Some(Until::Utc(t)) | Some(Until::Local(t)) => t.year() > year,
        }
    }

    fn year_in_interval(&self, anchor_year: i32, year: i32) -> bool {
        year >= anchor_year && (year - anchor_year) % self.interval == 0
    }

    /// Whether the onset at local `local` (in offset `from`) is within UNTIL.
    fn before_until(&self, local: NaiveDateTime, from: i32) -> bool {
        match self.until {
            None => true,
            Some(Until::Local(u)) => local <= u,
            Some(Until::Utc(u)) => shift(local, -i64::from(from)) <= u,
        }
    }

    /// Calls `f` with each local onset in `year`, in order; counts examined days.
    fn for_each_in_year(
        &self,
        year: i32,
        anchor: NaiveDateTime,
        checks: &mut u64,
        f: &mut dyn FnMut(NaiveDateTime),
    ) {
        let has_by = self.by_month != 0 || !self.by_day.is_empty() || !self.by_month_day.is_empty();
        let time = anchor.time();
        if !has_by {
            // Plain yearly: the anchor's month and day (a 29 February anchor only
            // recurs in leap years, as RFC 5545 says invalid dates are skipped).
            *checks += 1;
            if let Some(d) = NaiveDate::from_ymd_opt(year, anchor.month(), anchor.day()) {
                f(d.and_time(time));
            }
            return;
        }
        let day_filter_only_month = self.by_day.is_empty() && self.by_month_day.is_empty();
        for month in 1..=12u32 {
            let in_month = if self.by_month != 0 {
                self.by_month & (1 << month) != 0
            } else {
                // No BYMONTH: BYDAY/BYMONTHDAY range over the whole year.
                true
            };
            if !in_month {
                continue;
            }
            let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else {
                continue;
            };
            let dim = days_in_month(year, month);
            if day_filter_only_month {
                // BYMONTH alone: the anchor's day of month in those months.
                *checks += 1;
                if let Some(d) = NaiveDate::from_ymd_opt(year, month, anchor.day()) {
                    f(d.and_time(time));
                }
                continue;
            }
            for day in 1..=dim {
                *checks += 1;
                let Some(date) = first.with_day(day) else {
                    continue;
                };
                if self.matches(date, dim) {
                    f(date.and_time(time));
                }
            }
        }
    }

    fn matches(&self, date: NaiveDate, dim: u32) -> bool {
        let day = date.day();
        if !self.by_month_day.is_empty() {
            let hit = self.by_month_day.iter().any(|&n| {
                let want = if n > 0 {
                    i64::from(n)
                } else {
                    i64::from(dim) + 1 + i64::from(n)
                };
                want == i64::from(day)
            });
            if !hit {
                return false;
            }
        }
        if self.by_day.is_empty() {
            return true;
        }
        let (pos, len) = if self.by_month != 0 {
            // With BYMONTH an ordinal counts within the month ...
            (day, dim)
        } else {
            // ... otherwise within the year.
            let len = if date.leap_year() { 366 } else { 365 };
            (date.ordinal(), len)
        };
        self.by_day.iter().any(|&(ord, wd)| {
            date.weekday() == wd
                && match ord {
                    None => true,
                    Some(n) if n > 0 => ((pos - 1) / 7 + 1) as i64 == i64::from(n),
                    Some(n) => ((len - pos) / 7 + 1) as i64 == -i64::from(n),
                }
        })
    }
}

fn parse_by_day(s: &str) -> Option<(Option<i8>, Weekday)> {
    if s.len() < 2 || !s.is_ascii() {
        return None;
    }
    let (num, wd) = s.split_at(s.len() - 2);
    let wd = match wd.to_ascii_uppercase().as_str() {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    };
    let num = num.trim();
    if num.is_empty() {
        return Some((None, wd));
    }
    let n: i8 = num.strip_prefix('+').unwrap_or(num).parse().ok()?;
    if n == 0 || !(-53..=53).contains(&n) {
        return None;
    }
    Some((Some(n), wd))
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    match (NaiveDate::from_ymd_opt(year, month, 1), next) {
        (Some(a), Some(b)) => (b - a).num_days() as u32,
        _ => 31,
    }
}
