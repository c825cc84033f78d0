//! RFC 5545 value types shared by the parser, time zones and recurrence:
//! DATE, DATE-TIME, UTC-OFFSET and DURATION.
//!
//! Values are read as written and nothing is resolved here: a DATE-TIME keeps
//! whether it was UTC, and a DURATION keeps its nominal days apart from its exact
//! seconds (they differ across a DST change, RFC 5545 3.3.6).

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use thiserror::Error;

/// A value that could not be read, with the offending text.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid {kind} value {text:?}")]
pub struct ValueError {
    pub kind: &'static str,
    pub text: String,
}

impl ValueError {
    fn new(kind: &'static str, text: &str) -> Self {
        // Bounded: a hostile 1 MB value must not be copied into every diagnostic.
        let text: String = text.chars().take(80).collect();
        ValueError { kind, text }
    }
}

/// A DATE or DATE-TIME as written, before any time-zone resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DateOrTime {
    /// `VALUE=DATE`: an all-day date.
    Date(NaiveDate),
    /// A DATE-TIME; `utc` is true when written with a trailing `Z`.
    DateTime { local: NaiveDateTime, utc: bool },
}

fn digits(s: &[u8]) -> Option<u32> {
    let mut n: u32 = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(b - b'0');
    }
    Some(n)
}

/// Parse `YYYYMMDD`.
pub fn parse_date(s: &str) -> Result<NaiveDate, ValueError> {
    let b = s.trim().as_bytes();
    if b.len() != 8 {
        return Err(ValueError::new("DATE", s));
    }
    let (y, m, d) = (digits(&b[0..4]), digits(&b[4..6]), digits(&b[6..8]));
    match (y, m, d) {
        (Some(y), Some(m), Some(d)) => {
            NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(|| ValueError::new("DATE", s))
        }
        _ => Err(ValueError::new("DATE", s)),
    }
}

/// Parse `YYYYMMDDTHHMMSS[Z]`. Returns the wall time and whether it was UTC.
/// Leniency: a missing seconds field (`…THHMM`) is accepted; second 60 (leap second)
/// is clamped to 59.
pub fn parse_datetime(s: &str) -> Result<(NaiveDateTime, bool), ValueError> {
    let t = s.trim();
    let (body, utc) = match t.strip_suffix('Z').or_else(|| t.strip_suffix('z')) {
        Some(b) => (b, true),
        None => (t, false),
    };
    let b = body.as_bytes();
    if b.len() < 13 || (b[8] != b'T' && b[8] != b't') {
        return Err(ValueError::new("DATE-TIME", s));
    }
    let date = parse_date(&body[0..8]).map_err(|_| ValueError::new("DATE-TIME", s))?;
    let (h, mi, sec) = match b.len() {
        15 => (digits(&b[9..11]), digits(&b[11..13]), digits(&b[13..15])),
        13 => (digits(&b[9..11]), digits(&b[11..13]), Some(0)),
        _ => return Err(ValueError::new("DATE-TIME", s)),
    };
    match (h, mi, sec) {
        (Some(h), Some(mi), Some(sec)) => {
            let time = NaiveTime::from_hms_opt(h, mi, sec.min(59))
                .ok_or_else(|| ValueError::new("DATE-TIME", s))?;
            Ok((date.and_time(time), utc))
        }
        _ => Err(ValueError::new("DATE-TIME", s)),
    }
}

/// Parse a DATE or DATE-TIME, guided by `VALUE=` when given. Leniency: a value that
/// looks like a DATE is read as one even without `VALUE=DATE` (common in feeds).
pub fn parse_date_or_time(s: &str, value_param: Option<&str>) -> Result<DateOrTime, ValueError> {
    let t = s.trim();
    let is_date = match value_param {
        Some(v) if v.eq_ignore_ascii_case("DATE") => t.len() == 8 || !t.contains('T'),
        _ => t.len() == 8,
    };
    if is_date {
        parse_date(t).map(DateOrTime::Date)
    } else {
        parse_datetime(t).map(|(local, utc)| DateOrTime::DateTime { local, utc })
    }
}

/// Parse a UTC-OFFSET such as `+0200`, `-0530` or `+013045`; returns seconds east of UTC.
pub fn parse_utc_offset(s: &str) -> Result<i32, ValueError> {
    let t = s.trim();
    let b = t.as_bytes();
    if b.len() != 5 && b.len() != 7 {
        return Err(ValueError::new("UTC-OFFSET", s));
    }
    let sign = match b[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return Err(ValueError::new("UTC-OFFSET", s)),
    };
    let h = digits(&b[1..3]).ok_or_else(|| ValueError::new("UTC-OFFSET", s))?;
    let m = digits(&b[3..5]).ok_or_else(|| ValueError::new("UTC-OFFSET", s))?;
    let sec = if b.len() == 7 {
        digits(&b[5..7]).ok_or_else(|| ValueError::new("UTC-OFFSET", s))?
    } else {
        0
    };
    if h > 23 || m > 59 || sec > 59 {
        return Err(ValueError::new("UTC-OFFSET", s));
    }
    Ok(sign * (h * 3600 + m * 60 + sec) as i32)
}

/// A DURATION value (RFC 5545 3.3.6), with its two kinds of length kept apart:
/// weeks and days are *nominal* (`P1D` ends at the same wall-clock time the next
/// day, 23 or 25 real hours across a DST change), hours, minutes and seconds are
/// *exact* (`PT24H` is always 86,400 real seconds).
///
/// Invariant (only [`parse_duration`] makes one): days and seconds never have
/// opposite signs (the grammar has one sign for the whole value), and
/// `|days| * 86,400 + |seconds|` stays below [`MAX_DURATION_SECONDS`], so any
/// arithmetic on them fits in a [`Duration`] and in a date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct IcsDuration {
    days: i64,
    seconds: i64,
}

/// Longest DURATION accepted, in seconds (about 126 years): longer ones are
/// nonsense, not arithmetic, and would overflow date computations.
pub const MAX_DURATION_SECONDS: i64 = 4_000_000_000;

impl IcsDuration {
    /// Nominal days, weeks counted as 7 days; negative for a `-` duration.
    pub fn days(self) -> i64 {
        self.days
    }

    /// Exact seconds of the time part; negative for a `-` duration.
    pub fn seconds(self) -> i64 {
        self.seconds
    }

    /// The nominal part, to be added to a wall-clock time.
    pub fn nominal(self) -> Duration {
        Duration::days(self.days)
    }

    /// The exact part, to be added to an instant.
    pub fn exact(self) -> Duration {
        Duration::seconds(self.seconds)
    }

    /// Both parts with every day counted as 24 hours: the length on a wall clock
    /// without zone (floating and all-day values), and what an alarm offset is.
    pub fn as_wall(self) -> Duration {
        self.nominal() + self.exact()
    }

    /// True when the duration is a whole number of days, however written
    /// (`P1D` and `PT24H` both are).
    pub fn is_whole_days(self) -> bool {
        self.seconds % 86_400 == 0
    }
}

/// Parse a DURATION (`[+-]P[nW]` or `[+-]P[nD][T[nH][nM][nS]]`).
/// Leniency: units may come in any order and more than once (`P1W2D` is 9 days).
pub fn parse_duration(s: &str) -> Result<IcsDuration, ValueError> {
    let t = s.trim();
    let err = || ValueError::new("DURATION", s);
    let (neg, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let rest = rest
        .strip_prefix('P')
        .or_else(|| rest.strip_prefix('p'))
        .ok_or_else(err)?;
    let (mut days, mut secs): (i64, i64) = (0, 0);
    let mut num: Option<i64> = None;
    let mut in_time = false;
    let mut any = false;
    for c in rest.chars() {
        match c {
            '0'..='9' => {
                let d = i64::from(c as u8 - b'0');
                let n = num
                    .unwrap_or(0)
                    .checked_mul(10)
                    .and_then(|n| n.checked_add(d));
                num = Some(n.filter(|n| *n < MAX_DURATION_SECONDS).ok_or_else(err)?);
            }
            'T' | 't' => in_time = true,
            'W' | 'w' | 'D' | 'd' | 'H' | 'h' | 'M' | 'm' | 'S' | 's' => {
                let n = num.take().ok_or_else(err)?;
                let (day_unit, sec_unit) = match (c.to_ascii_uppercase(), in_time) {
                    ('W', false) => (7, 0),
                    ('D', false) => (1, 0),
                    ('H', true) => (0, 3_600),
                    ('M', true) => (0, 60),
                    ('S', true) => (0, 1),
                    _ => return Err(err()),
                };
                days += n * day_unit;
                secs += n * sec_unit;
                // Checked at every step, so neither total can overflow.
                if days * 86_400 + secs >= MAX_DURATION_SECONDS {
                    return Err(err());
                }
                any = true;
            }
            _ => return Err(err()),
        }
    }
    if !any || num.is_some() {
        return Err(err());
    }
    Ok(if neg {
        IcsDuration {
            days: -days,
            seconds: -secs,
        }
    } else {
        IcsDuration {
            days,
            seconds: secs,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times() {
        assert_eq!(
            parse_date("20240229").unwrap(),
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
        );
        assert!(parse_date("20230229").is_err());
        let (dt, utc) = parse_datetime("20240105T090000Z").unwrap();
        assert!(utc);
        assert_eq!(dt.to_string(), "2024-01-05 09:00:00");
        assert!(parse_datetime("20240105T250000").is_err());
        assert_eq!(
            parse_date_or_time("20240105", None).unwrap(),
            DateOrTime::Date(NaiveDate::from_ymd_opt(2024, 1, 5).unwrap())
        );
    }

    #[test]
    fn offsets_and_durations() {
        assert_eq!(parse_utc_offset("+0200").unwrap(), 7200);
        assert_eq!(parse_utc_offset("-0530").unwrap(), -19800);
        let dur = |days, seconds| IcsDuration { days, seconds };
        assert_eq!(parse_duration("PT1H30M").unwrap(), dur(0, 5_400));
        assert_eq!(parse_duration("-P1W").unwrap(), dur(-7, 0));
        assert_eq!(parse_duration("P1DT2H").unwrap(), dur(1, 7_200));
        assert_eq!(parse_duration("-P1DT2H").unwrap(), dur(-1, -7_200));
        assert_eq!(
            parse_duration("P1DT2H").unwrap().as_wall(),
            Duration::hours(26)
        );
        assert!(parse_duration("P").is_err());
        assert!(parse_duration("PT1H2").is_err());
    }

    #[test]
    fn a_day_is_nominal_and_24_hours_are_exact() {
        let day = parse_duration("P1D").unwrap();
        let hours = parse_duration("PT24H").unwrap();
        assert_ne!(day, hours);
        assert_eq!(
            (day.nominal(), day.exact()),
            (Duration::days(1), Duration::zero())
        );
        assert_eq!(
            (hours.nominal(), hours.exact()),
            (Duration::zero(), Duration::hours(24))
        );
        assert!(day.is_whole_days() && hours.is_whole_days());
        assert!(!parse_duration("PT25H").unwrap().is_whole_days());
    }

    #[test]
    fn absurdly_long_durations_are_refused() {
        assert!(parse_duration("P46000D").is_ok()); // ~126 years
        assert!(parse_duration("P47000D").is_err());
        assert!(parse_duration("P3999999999W").is_err());
        // Repeating a unit must not add up past the bound either.
        let repeated = format!("PT{}", "3999999H".repeat(2000));
        assert!(parse_duration(&repeated).is_err());
    }
}
