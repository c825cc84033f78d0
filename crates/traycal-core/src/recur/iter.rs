//! Expansion of a [`RecurRule`] into instances, in local wall-clock time.
//!
//! The algorithm is python-dateutil's, restated: the timeline is cut into periods of
//! FREQ×INTERVAL starting from the period that contains DTSTART; for each period the
//! candidate days are those of the period that pass every BYxxx day filter, the
//! candidate times come from BYHOUR×BYMINUTE×BYSECOND (defaults from DTSTART), BYSETPOS
//! picks positions in the sorted day×time list of the period, and only instances at or
//! after DTSTART are yielded. Expanding a year or a month and then filtering is
//! equivalent to RFC 5545's expand/limit table (p. 44) because every BYxxx part is
//! either the period itself or a predicate on a day or a time.
//!
//! Invariants:
//! - instances come out strictly ascending without duplicates (periods are disjoint and
//!   ascending, and the day and time lists of a period are sorted and de-duplicated);
//! - one period is computed at a time, into buffers reused across periods: the iterator
//!   is lazy and allocates nothing per instance;
//! - all work is bounded: every period examined (and every instance skipped for
//!   `skip_before` while counting COUNT) costs one step of [`Budget::max_steps`], yielded
//!   instances are capped by [`Budget::max_instances`], and nothing goes past the end of
//!   year 9999, so even a rule that can never match ends.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday};

use super::rule::{Freq, RecurRule, Until};

/// The last year expanded; RFC 5545 dates have four-digit years.
const LAST_YEAR: i32 = 9999;
const SECONDS_PER_DAY: i64 = 86_400;

/// Upper bounds on the work one expansion may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Candidate periods examined (plus instances counted but skipped for
    /// `skip_before`) before giving up.
    pub max_steps: u64,
    /// Instances yielded before giving up.
    pub max_instances: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_steps: 1_000_000,
            max_instances: 100_000,
        }
    }
}

/// How the caller wants a rule expanded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IterOptions {
    /// UNTIL already converted by the caller into the rule's local wall time
    /// (inclusive). When `None`, the rule's own UNTIL is used: a DATE includes the whole
    /// day, a local DATE-TIME is taken as is, and a UTC DATE-TIME is compared naively
    /// with local times.
    pub until_local: Option<NaiveDateTime>,
    /// The caller needs no instance before this. Without COUNT, whole periods before it
    /// are jumped over in O(1); with COUNT, earlier instances are still counted (one
    /// step each) but not yielded. Results at or after this point never change.
    pub skip_before: Option<NaiveDateTime>,
    pub budget: Budget,
}

impl RecurRule {
    /// Expands the rule from `dtstart` (local wall time; 00:00:00 for all-day events).
    /// DTSTART itself is yielded only if it matches the rule (python-dateutil's
    /// behaviour); callers that must always show DTSTART add it themselves.
    pub fn iter(&self, dtstart: NaiveDateTime, opts: IterOptions) -> RuleIter {
        RuleIter::new(self, dtstart, opts)
    }
}

/// Day predicates of a rule: BYMONTH, BYWEEKNO, BYYEARDAY, BYMONTHDAY and BYDAY, with
/// DTSTART defaults already applied.
#[derive(Debug, Clone)]
struct DayFilter {
    /// Bit `m` set for each allowed month; 0 = any month.
    months: u16,
    month_days: Vec<i32>,
    year_days: Vec<i32>,
    week_nos: Vec<i32>,
    wkst: Weekday,
    /// Bit `num_days_from_monday` for each weekday allowed without an ordinal.
    weekdays: u8,
    /// Ordinal weekdays (MONTHLY/YEARLY only; finer FREQs treat ordinals as plain days).
    nth: Vec<(i32, Weekday)>,
    /// Ordinals count within the month (MONTHLY, or YEARLY with BYMONTH) rather than
    /// within the year.
    nth_in_month: bool,
}

impl DayFilter {
    fn any_day_filter(&self) -> bool {
        self.weekdays != 0 || !self.nth.is_empty()
    }

    fn month_allowed(&self, month: u32) -> bool {
        self.months == 0 || self.months & (1 << month) != 0
    }

    fn matches(&self, date: NaiveDate) -> bool {
        let (year, month) = (date.year(), date.month());
        if !self.month_allowed(month) {
            return false;
        }
        if !self.month_days.is_empty() {
            let day = date.day() as i32;
            let len = days_in_month(year, month) as i32;
            if !self
                .month_days
                .iter()
                .any(|&n| n == day || n == day - len - 1)
            {
                return false;
            }
        }
        if !self.year_days.is_empty() {
            let day = date.ordinal() as i32;
            let len = year_len(year);
            if !self
                .year_days
                .iter()
                .any(|&n| n == day || n == day - len - 1)
            {
                return false;
            }
        }
        if !self.week_nos.is_empty() && !self.week_matches(date) {
            return false;
        }
        !self.any_day_filter() || self.weekday_matches(date)
    }

    fn weekday_matches(&self, date: NaiveDate) -> bool {
        let weekday = date.weekday();
        if self.weekdays & (1 << weekday.num_days_from_monday()) != 0 {
            return true;
        }
        if self.nth.is_empty() {
            return false;
        }
        let (offset, len) = if self.nth_in_month {
            (
                date.day0() as i32,
                days_in_month(date.year(), date.month()) as i32,
            )
        } else {
            (date.ordinal0() as i32, year_len(date.year()))
        };
        let from_start = offset / 7 + 1;
        let from_end = -((len - 1 - offset) / 7 + 1);
        self.nth
            .iter()
            .any(|&(n, w)| w == weekday && (n == from_start || n == from_end))
    }

    /// BYWEEKNO: week 1 is the first week (starting on WKST) with at least four days
    /// in the year; days of a year that belong to the previous year's last week or the
    /// next year's week 1 carry that week's number (RFC 5545, ISO 8601).
    fn week_matches(&self, date: NaiveDate) -> bool {
        let year = date.year();
        let rel = date.ordinal0() as i32 - week_one_offset(year, self.wkst);
        let (week, weeks_in_year) = if rel < 0 {
            let last = weeks_in_year(year - 1, self.wkst);
            (last, last)
        } else {
            let weeks = weeks_in_year(year, self.wkst);
            let week = rel / 7 + 1;
            if week > weeks {
                (1, weeks_in_year(year + 1, self.wkst))
            } else {
                (week, weeks)
            }
        };
        self.week_nos
            .iter()
            .any(|&n| n == week || n == week - weeks_in_year - 1)
    }

    /// True when no month allowed by BYMONTH has any day allowed by BYMONTHDAY (e.g.
    /// BYMONTH=2;BYMONTHDAY=30): such a rule can never produce an instance.
    fn never_matches(&self) -> bool {
        if self.month_days.is_empty() {
            return false;
        }
        // Longest length of each month over all years (February 29 exists).
        const LONGEST: [i32; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        !(1..=12u32).any(|month| {
            let len = LONGEST[month as usize - 1];
            self.month_allowed(month) && self.month_days.iter().any(|&n| n.abs() <= len)
        })
    }
}

/// Lazy iterator over a rule's instances; see [`RecurRule::iter`].
#[derive(Debug, Clone)]
pub struct RuleIter {
    freq: Freq,
    /// INTERVAL in units of the period index (≥ 1).
    interval: i64,
    dtstart: NaiveDateTime,
    filter: DayFilter,
    /// Allowed hours/minutes/seconds as bitmasks (0 = any) for the sub-daily FREQs.
    hour_mask: u32,
    minute_mask: u64,
    second_mask: u64,
    /// Minutes and seconds that make up the times of an HOURLY or MINUTELY period.
    minutes: Vec<u32>,
    seconds: Vec<u32>,
    set_pos: Vec<i32>,
    /// Where period 0 starts: year (YEARLY), month index year*12+month0 (MONTHLY), day
    /// number from CE of the week start (WEEKLY) or of the day (DAILY), or seconds from
    /// CE of the hour/minute/second (sub-daily).
    anchor: i64,
    /// The next period to examine.
    period: i64,
    // Buffers of the current period, reused across periods.
    days: Vec<NaiveDate>,
    times: Vec<NaiveTime>,
    picked: Vec<NaiveDateTime>,
    month_day_scratch: Vec<u32>,
    /// Next position in the current period (flat day×time index, or index in `picked`).
    pos: usize,
    in_period: bool,
    until: Option<NaiveDateTime>,
    skip_before: Option<NaiveDateTime>,
    remaining: Option<u32>,
    budget: Budget,
    steps: u64,
    yielded: u64,
    exhausted: bool,
    done: bool,
}

impl RuleIter {
    fn new(rule: &RecurRule, dtstart: NaiveDateTime, opts: IterOptions) -> RuleIter {
        let freq = rule.freq;
        let date = dtstart.date();
        let no_day_parts = rule.by_week_no.is_empty()
            && rule.by_year_day.is_empty()
            && rule.by_month_day.is_empty()
            && rule.by_day.is_empty();

        let mut by_month = rule.by_month.clone();
        let mut month_days = rule.by_month_day.clone();
        let mut weekdays = 0u8;
        let mut nth = Vec::new();
        // Missing BYxxx parts are taken from DTSTART (RFC 5545 3.3.10; dateutil).
        if no_day_parts {
            match freq {
                Freq::Yearly => {
                    if by_month.is_empty() {
                        by_month.push(date.month());
                    }
                    month_days.push(date.day() as i32);
                }
                Freq::Monthly => month_days.push(date.day() as i32),
                Freq::Weekly => weekdays |= 1 << date.weekday().num_days_from_monday(),
                _ => {}
            }
        }
        for &(ordinal, weekday) in &rule.by_day {
            match ordinal {
                Some(n) if matches!(freq, Freq::Monthly | Freq::Yearly) => nth.push((n, weekday)),
                _ => weekdays |= 1 << weekday.num_days_from_monday(),
            }
        }
        let filter = DayFilter {
            months: by_month.iter().fold(0, |mask, &m| mask | (1 << m)),
            month_days,
            year_days: rule.by_year_day.clone(),
            week_nos: rule.by_week_no.clone(),
            wkst: rule.wkst,
            weekdays,
            nth,
            nth_in_month: freq == Freq::Monthly || (freq == Freq::Yearly && !by_month.is_empty()),
        };

        // Time parts finer than FREQ default to DTSTART's; coarser-or-equal ones are
        // filters (empty = any).
        let or_default = |list: &[u32], default: u32| -> Vec<u32> {
            let mut v = if list.is_empty() {
                vec![default]
            } else {
                list.to_vec()
            };
            v.sort_unstable();
            v.dedup();
            v
        };
        let hours = or_default(&rule.by_hour, dtstart.hour());
        let minutes = or_default(&rule.by_minute, dtstart.minute());
        let seconds = or_default(&rule.by_second, dtstart.second());
        let mask = |list: &[u32]| list.iter().fold(0u64, |m, &v| m | (1u64 << v));

        let mut times = Vec::new();
        if freq >= Freq::Daily {
            // The time list is the same for every period: build it once.
            for &h in &hours {
                for &m in &minutes {
                    for &s in &seconds {
                        // Second 60 (leap second) never exists in wall time: skipped.
                        if let Some(t) = NaiveTime::from_hms_opt(h, m, s) {
                            times.push(t);
                        }
                    }
                }
            }
        }

        let mut set_pos = rule.by_set_pos.clone();
        set_pos.sort_unstable();
        set_pos.dedup();

        let interval = i64::from(rule.interval.max(1));
        let days_ce = |d: NaiveDate| i64::from(d.num_days_from_ce());
        let secs_ce = |t: NaiveDateTime| {
            days_ce(t.date()) * SECONDS_PER_DAY + i64::from(t.num_seconds_from_midnight())
        };
        let month_index = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
        let week_start_ce =
            |d: NaiveDate| days_ce(d) - i64::from(days_since_week_start(d.weekday(), rule.wkst));
        let unit = match freq {
            Freq::Hourly => 3600,
            Freq::Minutely => 60,
            _ => 1,
        };
        let truncate = |t: NaiveDateTime| {
            let secs = secs_ce(t);
            secs - secs.rem_euclid(unit)
        };
        let anchor = match freq {
            Freq::Yearly => i64::from(date.year()),
            Freq::Monthly => month_index(date),
            Freq::Weekly => week_start_ce(date),
            Freq::Daily => days_ce(date),
            Freq::Hourly | Freq::Minutely | Freq::Secondly => truncate(dtstart),
        };

        let until = opts.until_local.or(rule.until.map(|u| match u {
            Until::Date(d) => d.and_time(last_second_of_day()),
            Until::Local(t) | Until::Utc(t) => t,
        }));

        // Fast-forward: without COUNT nothing before `skip_before` influences what comes
        // after it (BYSETPOS works within one period), so start at the period that
        // contains it, keeping INTERVAL alignment with DTSTART's period.
        let mut period = 0;
        let skip_before = opts.skip_before.filter(|s| *s > dtstart);
        if let (Some(skip), None) = (skip_before, rule.count) {
            let skip_date = skip.date();
            period = match freq {
                Freq::Yearly => (i64::from(skip_date.year()) - anchor) / interval,
                Freq::Monthly => (month_index(skip_date) - anchor) / interval,
                Freq::Weekly => (week_start_ce(skip_date) - anchor) / (7 * interval),
                Freq::Daily => (days_ce(skip_date) - anchor) / interval,
                _ => (truncate(skip) - anchor) / (interval * unit),
            }
            .max(0);
        }

        let never = filter.never_matches() || date.year() > LAST_YEAR;
        RuleIter {
            freq,
            interval,
            dtstart,
            hour_mask: if rule.by_hour.is_empty() {
                0
            } else {
                hours.iter().fold(0, |m, &h| m | (1 << h))
            },
            minute_mask: if rule.by_minute.is_empty() {
                0
            } else {
                mask(&minutes)
            },
            second_mask: if rule.by_second.is_empty() {
                0
            } else {
                mask(&seconds)
            },
            filter,
            minutes,
            seconds,
            set_pos,
            anchor,
            period,
            days: Vec::new(),
            times,
            picked: Vec::new(),
            month_day_scratch: Vec::new(),
            pos: 0,
            in_period: false,
            until,
            skip_before,
            remaining: rule.count,
            budget: opts.budget,
            steps: 0,
            yielded: 0,
            // A rule that provably never matches is reported like one that ran out of
            // budget: the caller learns that expansion gave up, not that it finished.
            exhausted: never,
            done: never,
        }
    }

    /// True when expansion stopped because a [`Budget`] limit was reached (or the rule
    /// can provably never match) rather than because the rule ended.
    pub fn budget_exhausted(&self) -> bool {
        self.exhausted
    }

    /// Steps used so far (see [`Budget::max_steps`]).
    pub fn steps_used(&self) -> u64 {
        self.steps
    }

    fn give_up(&mut self) {
        self.exhausted = true;
        self.done = true;
    }

    /// Computes the next period's days, times and BYSETPOS picks, and advances
    /// `period` (skipping, for the day-and-finer FREQs, periods that cannot match).
    fn load_period(&mut self) {
        if self.steps >= self.budget.max_steps {
            self.give_up();
            return;
        }
        self.steps += 1;
        self.days.clear();
        let k = self.period;
        let Some(offset) = k.checked_mul(self.interval) else {
            self.done = true;
            return;
        };
        let mut next = k + 1;
        match self.freq {
            Freq::Yearly => {
                let Some(year) = year_in_range(self.anchor + offset) else {
                    self.done = true;
                    return;
                };
                for month in 1..=12 {
                    if self.filter.month_allowed(month) {
                        self.fill_month(year, month);
                    }
                }
            }
            Freq::Monthly => {
                let index = self.anchor + offset;
                let Some(year) = year_in_range(index.div_euclid(12)) else {
                    self.done = true;
                    return;
                };
                let month = index.rem_euclid(12) as u32 + 1;
                if self.filter.month_allowed(month) {
                    self.fill_month(year, month);
                }
            }
            Freq::Weekly => {
                let Some(start) = offset
                    .checked_mul(7)
                    .and_then(|o| date_from_ce(self.anchor + o))
                else {
                    self.done = true;
                    return;
                };
                for date in start.iter_days().take(7) {
                    if date.year() > LAST_YEAR {
                        break;
                    }
                    if self.filter.matches(date) {
                        self.days.push(date);
                    }
                }
            }
            Freq::Daily => {
                let Some(date) = date_from_ce(self.anchor + offset) else {
                    self.done = true;
                    return;
                };
                if self.filter.matches(date) {
                    self.days.push(date);
                } else if !self.filter.month_allowed(date.month()) {
                    // Jump to the first aligned day of the next month.
                    let target = i64::from(first_of_next_month(date).num_days_from_ce());
                    next = next.max(ceil_div(target - self.anchor, self.interval));
                }
            }
            Freq::Hourly | Freq::Minutely | Freq::Secondly => {
                next = self.load_subdaily(offset);
                if self.done {
                    return;
                }
            }
        }
        self.period = next;
        self.position_in_period();
    }

    /// Loads an HOURLY/MINUTELY/SECONDLY period starting `offset` units after the
    /// anchor; returns the next period index worth examining.
    fn load_subdaily(&mut self, offset: i64) -> i64 {
        let k = self.period;
        let unit = match self.freq {
            Freq::Hourly => 3600,
            Freq::Minutely => 60,
            _ => 1,
        };
        let step = self.interval * unit;
        let Some(start) = offset
            .checked_mul(unit)
            .and_then(|o| self.anchor.checked_add(o))
        else {
            self.done = true;
            return k;
        };
        let Some(date) = date_from_ce(start.div_euclid(SECONDS_PER_DAY)) else {
            self.done = true;
            return k;
        };
        let day_start = start - start.rem_euclid(SECONDS_PER_DAY);
        let second_of_day = start - day_start;
        let (hour, minute, second) = (
            (second_of_day / 3600) as u32,
            (second_of_day / 60 % 60) as u32,
            (second_of_day % 60) as u32,
        );
        // The first period at or after `target` (seconds from CE) keeps alignment.
        let after = |target: i64| (k + 1).max(ceil_div(target - self.anchor, step));
        self.times.clear();
        if !self.filter.matches(date) {
            let target = if self.filter.month_allowed(date.month()) {
                day_start + SECONDS_PER_DAY
            } else {
                i64::from(first_of_next_month(date).num_days_from_ce()) * SECONDS_PER_DAY
            };
            return after(target);
        }
        let hour_ok = self.hour_mask == 0 || self.hour_mask & (1 << hour) != 0;
        if !hour_ok {
            return after(day_start + i64::from(hour + 1) * 3600);
        }
        match self.freq {
            Freq::Hourly => {
                for &m in &self.minutes {
                    for &s in &self.seconds {
                        if let Some(t) = NaiveTime::from_hms_opt(hour, m, s) {
                            self.times.push(t);
                        }
                    }
                }
            }
            Freq::Minutely => {
                if self.minute_mask == 0 || self.minute_mask & (1 << minute) != 0 {
                    for &s in &self.seconds {
                        if let Some(t) = NaiveTime::from_hms_opt(hour, minute, s) {
                            self.times.push(t);
                        }
                    }
                }
            }
            _ => {
                if self.minute_mask != 0 && self.minute_mask & (1 << minute) == 0 {
                    return after(start - i64::from(second) + 60);
                }
                if self.second_mask == 0 || self.second_mask & (1 << second) != 0 {
                    if let Some(t) = NaiveTime::from_hms_opt(hour, minute, second) {
                        self.times.push(t);
                    }
                }
            }
        }
        if !self.times.is_empty() {
            self.days.push(date);
        }
        k + 1
    }

    /// Adds the days of one month that pass the day filters, in order.
    fn fill_month(&mut self, year: i32, month: u32) {
        let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else {
            return;
        };
        let len = days_in_month(year, month);
        if self.filter.month_days.is_empty() {
            for date in first.iter_days().take(len as usize) {
                if self.filter.matches(date) {
                    self.days.push(date);
                }
            }
            return;
        }
        // BYMONTHDAY given: only those days can match, no need to scan the month.
        // Days that do not exist in this month (30 in February) are skipped.
        self.month_day_scratch.clear();
        for &n in &self.filter.month_days {
            let day = if n > 0 { n } else { len as i32 + 1 + n };
            if (1..=len as i32).contains(&day) {
                self.month_day_scratch.push(day as u32);
            }
        }
        self.month_day_scratch.sort_unstable();
        self.month_day_scratch.dedup();
        for &day in &self.month_day_scratch {
            if let Some(date) = NaiveDate::from_ymd_opt(year, month, day) {
                if self.filter.matches(date) {
                    self.days.push(date);
                }
            }
        }
    }

    /// Sets `pos` to the first instance of the period not before DTSTART (or
    /// `skip_before` when it can be skipped outright), applying BYSETPOS.
    fn position_in_period(&mut self) {
        self.in_period = true;
        let lower = match self.skip_before {
            Some(skip) if self.remaining.is_none() => skip.max(self.dtstart),
            _ => self.dtstart,
        };
        if self.set_pos.is_empty() {
            let day = self.days.partition_point(|d| *d < lower.date());
            let time = if self.days.get(day) == Some(&lower.date()) {
                self.times.partition_point(|t| *t < lower.time())
            } else {
                0
            };
            self.pos = day * self.times.len() + time;
            return;
        }
        self.picked.clear();
        let total = (self.days.len() * self.times.len()) as i64;
        for &p in &self.set_pos {
            let p = i64::from(p);
            let index = if p > 0 { p - 1 } else { total + p };
            if !(0..total).contains(&index) {
                continue;
            }
            let index = index as usize;
            let (day, time) = (index / self.times.len(), index % self.times.len());
            if let (Some(d), Some(t)) = (self.days.get(day), self.times.get(time)) {
                self.picked.push(d.and_time(*t));
            }
        }
        self.picked.sort_unstable();
        self.picked.dedup();
        self.pos = self.picked.partition_point(|t| *t < lower);
    }

    /// The instance at `pos` in the current period, if any.
    fn current(&self) -> Option<NaiveDateTime> {
        if !self.set_pos.is_empty() {
            return self.picked.get(self.pos).copied();
        }
        let per_day = self.times.len();
        if per_day == 0 {
            return None;
        }
        let day = self.days.get(self.pos / per_day)?;
        let time = self.times.get(self.pos % per_day)?;
        Some(day.and_time(*time))
    }
}

impl Iterator for RuleIter {
    type Item = NaiveDateTime;

    fn next(&mut self) -> Option<NaiveDateTime> {
        loop {
            if self.done || self.remaining == Some(0) {
                self.done = true;
                return None;
            }
            if !self.in_period {
                self.load_period();
                continue;
            }
            let Some(instance) = self.current() else {
                self.in_period = false;
                continue;
            };
            self.pos += 1;
            if instance < self.dtstart {
                continue;
            }
            if self.until.is_some_and(|until| instance > until) {
                self.done = true;
                return None;
            }
            if let Some(remaining) = self.remaining.as_mut() {
                *remaining -= 1;
            }
            if self.skip_before.is_some_and(|skip| instance < skip) {
                // Counted for COUNT but not wanted by the caller.
                if self.steps >= self.budget.max_steps {
                    self.give_up();
                    return None;
                }
                self.steps += 1;
                continue;
            }
            if self.yielded >= self.budget.max_instances {
                self.give_up();
                return None;
            }
            self.yielded += 1;
            return Some(instance);
        }
    }
}

fn year_in_range(year: i64) -> Option<i32> {
    i32::try_from(year).ok().filter(|y| *y <= LAST_YEAR)
}

fn date_from_ce(days: i64) -> Option<NaiveDate> {
    let date = NaiveDate::from_num_days_from_ce_opt(i32::try_from(days).ok()?)?;
    (date.year() <= LAST_YEAR).then_some(date)
}

fn last_second_of_day() -> NaiveTime {
    NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN)
}

fn first_of_next_month(date: NaiveDate) -> NaiveDate {
    let (year, month) = if date.month() == 12 {
        (date.year() + 1, 1)
    } else {
        (date.year(), date.month() + 1)
    };
    // Year 10000 is still a valid chrono date, so this only fails far outside our range.
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MAX)
}

/// Ceiling of `a / b` for `b > 0`, clamped at 0 for negative `a`.
fn ceil_div(a: i64, b: i64) -> i64 {
    if a <= 0 {
        0
    } else {
        (a + b - 1) / b
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn year_len(year: i32) -> i32 {
    if is_leap(year) {
        366
    } else {
        365
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn days_since_week_start(day: Weekday, wkst: Weekday) -> u32 {
    (day.num_days_from_monday() + 7 - wkst.num_days_from_monday()) % 7
}

/// Weekday of January 1st, Monday = 0 (Gauss's algorithm, no date construction).
fn jan1_weekday(year: i32) -> i32 {
    let y = year - 1;
    let sunday_based =
        (1 + 5 * y.rem_euclid(4) + 4 * y.rem_euclid(100) + 6 * y.rem_euclid(400)).rem_euclid(7);
    (sunday_based + 6) % 7
}

/// Day-of-year offset (0-based, may be negative) where week 1 of `year` starts.
fn week_one_offset(year: i32, wkst: Weekday) -> i32 {
    let first_wkst = (7 - jan1_weekday(year) + wkst.num_days_from_monday() as i32) % 7;
    // If the days before the first WKST are at least four, they form week 1.
    if first_wkst >= 4 {
        first_wkst - 7
    } else {
        first_wkst
    }
}

fn weeks_in_year(year: i32, wkst: Weekday) -> i32 {
    let days = year_len(year) - week_one_offset(year, wkst);
    days / 7 + (days % 7) / 4
}
