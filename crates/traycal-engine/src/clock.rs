//! The engine's clock. Planning code takes `now` as an argument; the engine gets it
//! from here, so tests and benchmarks can pin time (`TRAYCAL_NOW`).

use chrono::{DateTime, Utc};

/// A source of the current time.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that always says the same time.
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// Parse an RFC 3339 time (`2026-06-01T00:00:00Z`) or a date (`2026-06-01`, UTC).
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text.trim()) {
        return Some(t.with_timezone(&Utc));
    }
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// Environment variable that pins the clock (tests, benchmarks, demos).
pub const NOW_ENV: &str = "TRAYCAL_NOW";

/// The clock the shells use: [`FixedClock`] at `TRAYCAL_NOW` when it is set, else
/// the system clock. The error names the bad value.
pub fn from_environment() -> Result<std::sync::Arc<dyn Clock>, String> {
    match std::env::var(NOW_ENV) {
        Ok(t) if !t.is_empty() => parse_instant(&t)
            .map(|at| std::sync::Arc::new(FixedClock(at)) as std::sync::Arc<dyn Clock>)
            .ok_or_else(|| format!("{NOW_ENV}={t:?} is not an RFC 3339 time or a date")),
        _ => Ok(std::sync::Arc::new(SystemClock)),
    }
}
