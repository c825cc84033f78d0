//! Parsing of the RRULE value (RFC 5545 3.3.10) into a [`RecurRule`].
//!
//! The parser is lenient where real feeds are sloppy (lowercase names and values,
//! a trailing `;`, `X-` extension parts, repeated parts where the last one wins) and
//! strict where a mistake would change the meaning or break expansion: a missing
//! FREQ, `INTERVAL=0`, or a value outside its RFC range is an error naming the part.
//!
//! Invariants of a parsed rule: `interval >= 1`; every BYxxx value is inside the
//! range RFC 5545 allows for it (so expansion never has to re-validate them); BYDAY
//! ordinals are in `-53..=53` and never 0.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Weekday};

/// The FREQ rule part: the size of one recurrence period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Freq {
    Secondly,
    Minutely,
    Hourly,
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

/// The UNTIL rule part as written in the rule; converting a UTC value to the
/// event's wall time is the caller's job (see `IterOptions::until_local`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Until {
    /// `UNTIL=YYYYMMDD`: inclusive of the whole day.
    Date(NaiveDate),
    /// `UNTIL=YYYYMMDDTHHMMSS`: floating local time.
    Local(NaiveDateTime),
    /// `UNTIL=YYYYMMDDTHHMMSSZ`: a UTC instant (stored as its UTC wall time).
    Utc(NaiveDateTime),
}

/// A parsed recurrence rule. BYxxx lists are kept in the order written (duplicates
/// included); expansion sorts and de-duplicates what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecurRule {
    pub freq: Freq,
    /// Always at least 1.
    pub interval: u32,
    pub count: Option<u32>,
    pub until: Option<Until>,
    /// Week start (WKST), Monday when absent.
    pub wkst: Weekday,
    /// 0..=60 (60 is a leap second; it never matches a real time and is skipped).
    pub by_second: Vec<u32>,
    /// 0..=59
    pub by_minute: Vec<u32>,
    /// 0..=23
    pub by_hour: Vec<u32>,
    /// `(ordinal, weekday)`; ordinal in ±1..=53, only meaningful for MONTHLY/YEARLY.
    pub by_day: Vec<(Option<i32>, Weekday)>,
    /// ±1..=31
    pub by_month_day: Vec<i32>,
    /// ±1..=366
    pub by_year_day: Vec<i32>,
    /// ±1..=53
    pub by_week_no: Vec<i32>,
    /// 1..=12
    pub by_month: Vec<u32>,
    /// ±1..=366
    pub by_set_pos: Vec<i32>,
}

/// Why a rule could not be parsed. The message names the offending part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("FREQ missing")]
    MissingFreq,
    #[error("INTERVAL=0: the interval must be at least 1")]
    ZeroInterval,
    #[error("{part}={value}: invalid value")]
    InvalidValue { part: String, value: String },
    #[error("{part}={value}: out of range")]
    OutOfRange { part: String, value: String },
    #[error("{part}={value}: not supported")]
    Unsupported { part: String, value: String },
    #[error("malformed part {0:?}: expected NAME=VALUE")]
    MalformedPart(String),
    #[error("unknown part {0}")]
    UnknownPart(String),
}

impl RecurRule {
    /// Parses the value of an RRULE property (the text after `RRULE:`), e.g.
    /// `FREQ=WEEKLY;BYDAY=MO,WE;COUNT=5`.
    pub fn parse(text: &str) -> Result<RecurRule, RuleError> {
        let mut freq = None;
        let mut negative_count: Option<String> = None;
        let mut rule = RecurRule {
            freq: Freq::Yearly,
            interval: 1,
            count: None,
            until: None,
            wkst: Weekday::Mon,
            by_second: Vec::new(),
            by_minute: Vec::new(),
            by_hour: Vec::new(),
            by_day: Vec::new(),
            by_month_day: Vec::new(),
            by_year_day: Vec::new(),
            by_week_no: Vec::new(),
            by_month: Vec::new(),
            by_set_pos: Vec::new(),
        };
        for raw in text.trim().split(';') {
            let raw = raw.trim();
            // Empty parts come from a trailing or doubled `;` (seen from Google Calendar).
            if raw.is_empty() {
                continue;
            }
            let Some((name, value)) = raw.split_once('=') else {
                return Err(RuleError::MalformedPart(raw.to_string()));
            };
            let name = name.trim().to_ascii_uppercase();
            let value = value.trim();
            let part = Part { name: &name, value };
            match name.as_str() {
                "FREQ" => freq = Some(part.freq()?),
                "INTERVAL" => {
                    rule.interval = part.number::<u32>()?;
                    if rule.interval == 0 {
                        return Err(RuleError::ZeroInterval);
                    }
                }
                // Leniency: a negative COUNT (`COUNT=-1`, seen in exported feeds next to
                // an UNTIL) is invalid per RFC 5545 3.3.10; next to an UNTIL it is
                // ignored rather than losing the whole rule (checked after the loop).
                "COUNT" if value.trim_start().starts_with('-') => {
                    rule.count = None;
                    negative_count = Some(value.to_string());
                }
                "COUNT" => rule.count = Some(part.number::<u32>()?),
                "UNTIL" => rule.until = Some(part.until()?),
                "WKST" => rule.wkst = part.weekday(value)?,
                "BYSECOND" => rule.by_second = part.list(0, 60)?,
                "BYMINUTE" => rule.by_minute = part.list(0, 59)?,
                "BYHOUR" => rule.by_hour = part.list(0, 23)?,
                "BYMONTH" => rule.by_month = part.list(1, 12)?,
                "BYMONTHDAY" => rule.by_month_day = part.signed_list(31)?,
                "BYYEARDAY" => rule.by_year_day = part.signed_list(366)?,
                "BYWEEKNO" => rule.by_week_no = part.signed_list(53)?,
                "BYSETPOS" => rule.by_set_pos = part.signed_list(366)?,
                "BYDAY" => rule.by_day = part.by_day()?,
                // RFC 7529: the Gregorian scale with the default SKIP=OMIT is exactly
                // RFC 5545 behaviour; anything else would silently change results.
                "RSCALE" if value.eq_ignore_ascii_case("GREGORIAN") => {}
                "SKIP" if value.eq_ignore_ascii_case("OMIT") => {}
                "RSCALE" | "SKIP" => return Err(part.unsupported()),
                _ if name.starts_with("X-") => {}
                _ => return Err(RuleError::UnknownPart(name)),
            }
        }
        rule.freq = freq.ok_or(RuleError::MissingFreq)?;
        if let (Some(value), None) = (negative_count, &rule.until) {
            // Without an UNTIL a negative COUNT would become an endless series.
            return Err(RuleError::InvalidValue {
                part: "COUNT".into(),
                value,
            });
        }
        Ok(rule)
    }

    /// The same rule without BYHOUR/BYMINUTE/BYSECOND. RFC 5545 3.3.10 says these
    /// parts MUST be ignored when DTSTART is a DATE; callers expanding an all-day
    /// event (DTSTART at 00:00:00) should iterate this rule instead.
    pub fn for_all_day(&self) -> RecurRule {
        RecurRule {
            by_second: Vec::new(),
            by_minute: Vec::new(),
            by_hour: Vec::new(),
            ..self.clone()
        }
    }
}

/// One `NAME=VALUE` part, kept together so errors can quote both.
struct Part<'a> {
    name: &'a str,
    value: &'a str,
}

impl Part<'_> {
    fn invalid(&self) -> RuleError {
        RuleError::InvalidValue {
            part: self.name.to_string(),
            value: self.value.to_string(),
        }
    }

    fn out_of_range(&self) -> RuleError {
        RuleError::OutOfRange {
            part: self.name.to_string(),
            value: self.value.to_string(),
        }
    }

    fn unsupported(&self) -> RuleError {
        RuleError::Unsupported {
            part: self.name.to_string(),
            value: self.value.to_string(),
        }
    }

    fn freq(&self) -> Result<Freq, RuleError> {
        let v = self.value;
        let eq = |s: &str| v.eq_ignore_ascii_case(s);
        Ok(if eq("SECONDLY") {
            Freq::Secondly
        } else if eq("MINUTELY") {
            Freq::Minutely
        } else if eq("HOURLY") {
            Freq::Hourly
        } else if eq("DAILY") {
            Freq::Daily
        } else if eq("WEEKLY") {
            Freq::Weekly
        } else if eq("MONTHLY") {
            Freq::Monthly
        } else if eq("YEARLY") {
            Freq::Yearly
        } else {
            return Err(self.invalid());
        })
    }

    fn number<T: std::str::FromStr>(&self) -> Result<T, RuleError> {
        let digits = self.value.strip_prefix('+').unwrap_or(self.value);
        digits.parse().map_err(|_| self.invalid())
    }

    fn weekday(&self, text: &str) -> Result<Weekday, RuleError> {
        let eq = |s: &str| text.eq_ignore_ascii_case(s);
        Ok(if eq("MO") {
            Weekday::Mon
        } else if eq("TU") {
            Weekday::Tue
        } else if eq("WE") {
            Weekday::Wed
        } else if eq("TH") {
            Weekday::Thu
        } else if eq("FR") {
            Weekday::Fri
        } else if eq("SA") {
            Weekday::Sat
        } else if eq("SU") {
            Weekday::Sun
        } else {
            return Err(self.invalid());
        })
    }

    fn items(&self) -> impl Iterator<Item = &str> {
        // Empty items (`BYDAY=MO,,TU`, `BYMONTH=1,`) carry no meaning; skip them.
        self.value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    fn list(&self, min: u32, max: u32) -> Result<Vec<u32>, RuleError> {
        let mut out = Vec::new();
        for item in self.items() {
            let n: u32 = item.parse().map_err(|_| self.invalid())?;
            if !(min..=max).contains(&n) {
                return Err(self.out_of_range());
            }
            out.push(n);
        }
        Ok(out)
    }

    /// A list of non-zero values in `-max..=max`.
    fn signed_list(&self, max: i32) -> Result<Vec<i32>, RuleError> {
        let mut out = Vec::new();
        for item in self.items() {
            out.push(self.signed(item, max)?);
        }
        Ok(out)
    }

    fn signed(&self, item: &str, max: i32) -> Result<i32, RuleError> {
        let digits = item.strip_prefix('+').unwrap_or(item);
        let n: i32 = digits.parse().map_err(|_| self.invalid())?;
        if n == 0 || n.abs() > max {
            return Err(self.out_of_range());
        }
        Ok(n)
    }

    fn by_day(&self) -> Result<Vec<(Option<i32>, Weekday)>, RuleError> {
        let mut out = Vec::new();
        for item in self.items() {
            let split = item.len().checked_sub(2).ok_or_else(|| self.invalid())?;
            if !item.is_char_boundary(split) {
                return Err(self.invalid());
            }
            let (ordinal, day) = item.split_at(split);
            let ordinal = if ordinal.is_empty() {
                None
            } else {
                Some(self.signed(ordinal, 53)?)
            };
            out.push((ordinal, self.weekday(day)?));
        }
        Ok(out)
    }

    fn until(&self) -> Result<Until, RuleError> {
        let v = self.value;
        let (body, utc) = match v.strip_suffix(['Z', 'z']) {
            Some(body) => (body, true),
            None => (v, false),
        };
        let digits = |range: std::ops::Range<usize>| -> Result<u32, RuleError> {
            let text = body.get(range).ok_or_else(|| self.invalid())?;
            if !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(self.invalid());
            }
            text.parse().map_err(|_| self.invalid())
        };
        let year = i32::try_from(digits(0..4)?).map_err(|_| self.invalid())?;
        let date = NaiveDate::from_ymd_opt(year, digits(4..6)?, digits(6..8)?)
            .ok_or_else(|| self.out_of_range())?;
        match body.len() {
            // A DATE value cannot carry a zone; a stray `Z` on it is tolerated.
            8 => return Ok(Until::Date(date)),
            15 if body.as_bytes()[8].eq_ignore_ascii_case(&b'T') => {}
            _ => return Err(self.invalid()),
        }
        let time = NaiveTime::from_hms_opt(digits(9..11)?, digits(11..13)?, digits(13..15)?)
            .ok_or_else(|| self.out_of_range())?;
        let at = date.and_time(time);
        Ok(if utc {
            Until::Utc(at)
        } else {
            Until::Local(at)
        })
    }
}
