//! When a source is due. Pure: the engine passes `now`.
//!
//! A source is due when it is enabled and its `next_due_at` (set after every attempt:
//! the interval after a success, the back-off after a failure) has passed; a source
//! never synced is due at once. An account with local changes waiting is due when
//! its earliest push may be tried, unless it is backing off (see [`due_at`]). Intervals are 1, 5, 10, 30 or 60 minutes (default 5),
//! never below 1 minute.

use std::time::Duration;

/// Allowed fetch intervals, in minutes.
pub const INTERVALS_MIN: [u64; 5] = [1, 5, 10, 30, 60];
/// Default fetch interval.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5 * 60);

/// Whether a source is due at `now`.
pub fn is_due(enabled: bool, next_due_at: Option<i64>, now: i64) -> bool {
    enabled && next_due_at.is_none_or(|t| t <= now)
}

/// When a source is due (`None`: at once), given its next sync (`next_due_at`),
/// whether it is backing off after a failure, and when its earliest pending push may
/// be tried (`next_push`: never tried yet is `Some(0)`). A local change waiting brings
/// the sync forward, so an edit reaches the server within a loop's turn rather than
/// the next interval, and a push that failed is retried at its own time; a source
/// that is failing keeps its back-off, so a dead server is not asked again at once.
pub fn due_at(next_due_at: Option<i64>, failing: bool, next_push: Option<i64>) -> Option<i64> {
    match (next_due_at, next_push) {
        (Some(due), Some(push)) if !failing => Some(due.min(push)),
        (due, _) => due,
    }
}

/// Parse an interval such as `5m`, `1h`, `30` (minutes) into one of the allowed values.
pub fn parse_interval(text: &str) -> Result<Duration, String> {
    let t = text.trim().to_ascii_lowercase();
    let minutes = if let Some(h) = t.strip_suffix('h') {
        // Checked: an absurd number of hours must not wrap around to an allowed one.
        h.trim().parse::<u64>().ok().and_then(|h| h.checked_mul(60))
    } else if let Some(m) = t.strip_suffix("min").or_else(|| t.strip_suffix('m')) {
        m.trim().parse::<u64>().ok()
    } else {
        t.parse::<u64>().ok()
    };
    match minutes {
        Some(m) if INTERVALS_MIN.contains(&m) => Ok(Duration::from_secs(m * 60)),
        _ => Err(format!(
            "interval {text:?} is not allowed: use 1m, 5m, 10m, 30m or 60m (never below 1 minute)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_rules() {
        assert!(is_due(true, None, 100));
        assert!(is_due(true, Some(100), 100));
        assert!(!is_due(true, Some(101), 100));
        assert!(!is_due(false, None, 100));
    }

    #[test]
    fn pending_pushes_bring_a_healthy_sync_forward() {
        // Nothing waits: the interval rules.
        assert_eq!(due_at(Some(500), false, None), Some(500));
        // An edit never tried: due at once (0 is in the past).
        assert_eq!(due_at(Some(500), false, Some(0)), Some(0));
        assert!(is_due(true, due_at(Some(500), false, Some(0)), 100));
        // A failed push waits for its retry time, not for the interval.
        assert_eq!(due_at(Some(500), false, Some(200)), Some(200));
        assert!(!is_due(true, due_at(Some(500), false, Some(200)), 100));
        // A failing source keeps its back-off whatever waits.
        assert_eq!(due_at(Some(500), true, Some(0)), Some(500));
        // Never synced: at once.
        assert_eq!(due_at(None, false, Some(200)), None);
    }

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_interval("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_interval("10").unwrap(), Duration::from_secs(600));
        assert!(parse_interval("30s").is_err());
        assert!(parse_interval("7m").unwrap_err().contains("1m, 5m"));
        // 4611686018427387905 × 60 wraps to 60 in u64 arithmetic.
        assert!(parse_interval("4611686018427387905h").is_err());
    }
}
