//! RFC 5545 value types shared by the parser, time zones and recurrence:
//! DATE, DATE-TIME, UTC-OFFSET and DURATION.

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

/// Parse a DURATION (`[+-]P[nW]` or `[+-]P[nD][T[nH][nM][nS]]`).
pub fn parse_duration(s: &str) -> Result<Duration, ValueError> {
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
    let mut secs: i64 = 0;
    let mut num: Option<i64> = None;
    let mut in_time = false;
    let mut any = false;
    for c in rest.chars() {
        match c {
            '0'..='9' => {
                let d = i64::from(c as u8 - b'0');
                // Bounded: more than ~100 years of duration is nonsense, not arithmetic.
                let n = num
                    .unwrap_or(0)
                    .checked_mul(10)
                    .and_then(|n| n.checked_add(d));
                num = Some(n.filter(|n| *n < 4_000_000_000).ok_or_else(err)?);
            }
            'T' | 't' => in_time = true,
            'W' | 'w' | 'D' | 'd' | 'H' | 'h' | 'M' | 'm' | 'S' | 's' => {
                let n = num.take().ok_or_else(err)?;
                let unit = match (c.to_ascii_uppercase(), in_time) {
                    ('W', false) => 7 * 86_400,
                    ('D', false) => 86_400,
                    ('H', true) => 3_600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return Err(err()),
                };
                secs = secs.checked_add(n * unit).ok_or_else(err)?;
                any = true;
            }
            _ => return Err(err()),
        }
    }
    if !any || num.is_some() {
        return Err(err());
    }
    Ok(Duration::seconds(if neg { -secs } else { secs }))
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
        assert_eq!(parse_duration("PT1H30M").unwrap(), Duration::minutes(90));
        assert_eq!(parse_duration("-P1W").unwrap(), Duration::days(-7));
        assert_eq!(parse_duration("P1DT2H").unwrap(), Duration::hours(26));
        assert!(parse_duration("P").is_err());
        assert!(parse_duration("PT1H2").is_err());
    }
}
