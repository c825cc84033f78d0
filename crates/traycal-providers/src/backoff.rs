//! When to try a failing source again.
//!
//! Pure (the caller supplies the random jitter), so the schedule is
//! table-tested and the engine's scheduler stays deterministic in tests.
//!
//! Rules:
//! - no failure: the source's normal interval;
//! - after `n` consecutive failures: 1 min × 2^(n-1), ±20 % jitter (so many
//!   feeds failing together do not retry in lockstep), clamped to 1 min..1 h;
//! - a server's `Retry-After` is always honoured (at least that long), but
//!   capped at 24 h so a hostile or buggy header cannot park a feed forever.

use std::time::Duration;

/// The first retry after a failure.
pub const MIN_RETRY: Duration = Duration::from_secs(60);
/// The longest back-off we pick ourselves.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60 * 60);
/// The longest `Retry-After` we honour.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);
/// Jitter spread: ±20 %.
const JITTER_SPREAD: f64 = 0.2;

/// Delay before the next attempt.
///
/// `jitter` is a uniform sample in `0..=1` (0.5 = no jitter); values outside
/// are clamped and NaN counts as 0.5.
pub fn next_attempt_delay(
    consecutive_failures: u32,
    base_interval: Duration,
    retry_after: Option<Duration>,
    jitter: f64,
) -> Duration {
    let own = if consecutive_failures == 0 {
        base_interval
    } else {
        // 2^(n-1) minutes, saturating long before it could overflow.
        let exponent = (consecutive_failures - 1).min(16);
        let raw = MIN_RETRY.saturating_mul(1u32 << exponent).min(MAX_BACKOFF);
        let jitter = if jitter.is_nan() {
            0.5
        } else {
            jitter.clamp(0.0, 1.0)
        };
        let factor = 1.0 + JITTER_SPREAD * (2.0 * jitter - 1.0);
        raw.mul_f64(factor).clamp(MIN_RETRY, MAX_BACKOFF)
    };
    match retry_after {
        Some(asked) => own.max(asked.min(MAX_RETRY_AFTER)),
        None => own,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u64 = 60;

    fn secs(d: Duration) -> u64 {
        d.as_secs()
    }

    #[test]
    fn schedule_without_jitter() {
        let base = Duration::from_secs(15 * MIN);
        let table = [
            (0, 15 * MIN),
            (1, MIN),
            (2, 2 * MIN),
            (3, 4 * MIN),
            (4, 8 * MIN),
            (5, 16 * MIN),
            (6, 32 * MIN),
            (7, 60 * MIN),
            (8, 60 * MIN),
            (100, 60 * MIN),
            (u32::MAX, 60 * MIN),
        ];
        for (failures, expected) in table {
            assert_eq!(
                secs(next_attempt_delay(failures, base, None, 0.5)),
                expected,
                "failures={failures}"
            );
        }
    }

    #[test]
    fn jitter_is_plus_minus_twenty_percent_within_bounds() {
        let base = Duration::from_secs(15 * MIN);
        assert_eq!(secs(next_attempt_delay(3, base, None, 0.0)), 192); // 240 s − 20 %
        assert_eq!(secs(next_attempt_delay(3, base, None, 1.0)), 288); // 240 s + 20 %
                                                                       // Never below one minute, never above one hour.
        assert_eq!(secs(next_attempt_delay(1, base, None, 0.0)), MIN);
        assert_eq!(secs(next_attempt_delay(10, base, None, 1.0)), 60 * MIN);
        assert_eq!(secs(next_attempt_delay(10, base, None, 0.0)), 48 * MIN);
        // Out-of-range and NaN jitter are tamed.
        assert_eq!(secs(next_attempt_delay(3, base, None, 7.0)), 288);
        assert_eq!(secs(next_attempt_delay(3, base, None, f64::NAN)), 240);
    }

    #[test]
    fn retry_after_is_a_floor_capped_at_a_day() {
        let base = Duration::from_secs(15 * MIN);
        let two_h = Duration::from_secs(2 * 60 * MIN);
        assert_eq!(next_attempt_delay(1, base, Some(two_h), 0.5), two_h);
        // A short Retry-After does not shorten our own back-off.
        assert_eq!(
            secs(next_attempt_delay(
                5,
                base,
                Some(Duration::from_secs(5)),
                0.5
            )),
            16 * MIN
        );
        let week = Duration::from_secs(7 * 24 * 60 * MIN);
        assert_eq!(
            next_attempt_delay(1, base, Some(week), 0.5),
            MAX_RETRY_AFTER
        );
        assert_eq!(
            next_attempt_delay(0, base, Some(Duration::from_secs(2 * 60 * MIN)), 0.5),
            two_h
        );
    }
}
