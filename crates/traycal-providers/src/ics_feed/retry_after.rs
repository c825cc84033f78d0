//! Parsing `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
//!
//! Pure: the caller passes `now`, so a date in the past is simply "retry now"
//! (zero) and tests need no clock.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Returns the delay the server asked for, or `None` when the value is not
/// understood (then the caller's own back-off applies).
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<u64>().ok().map(Duration::from_secs);
    }
    // IMF-fixdate is an RFC 2822 date with "GMT"; chrono accepts it.
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn seconds_and_dates() {
        let now = Utc.with_ymd_and_hms(2015, 10, 21, 7, 26, 0).single();
        let Some(now) = now else { panic!("valid date") };
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }
}
