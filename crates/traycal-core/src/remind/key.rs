//! The identity of one reminder, as a stable string the mirror records.
//!
//! Format: `{calendar}:{start}:{lead}:{series}`, where `series` is 16 hex digits of the
//! XXH3 hash of `UID NUL RECURRENCE-ID`. The calendar and the start are written out
//! because the engine needs them back (the calendar owns the recorded rows; "snooze
//! until start" needs the start); the UID is hashed because UIDs are long, arbitrary
//! text. Nothing else goes in: SUMMARY, SEQUENCE and LAST-MODIFIED change on re-syncs
//! that do not move the meeting, and must not make it fire again.
//!
//! Invariant: `ReminderKey::parse(k.as_str())` gives back `k`'s calendar, start and lead.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::RemindError;

/// A reminder key (see the module docs for the format).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReminderKey(String);

impl ReminderKey {
    /// The key of the reminder `lead_secs` before the occurrence `(uid, recurrence_id)`
    /// of `calendar` starting at `start` (negative leads: after the start).
    pub fn new(calendar: i64, uid: &str, recurrence_id: &str, start: i64, lead_secs: i64) -> Self {
        let mut series = Vec::with_capacity(uid.len() + 1 + recurrence_id.len());
        series.extend_from_slice(uid.as_bytes());
        series.push(0);
        series.extend_from_slice(recurrence_id.as_bytes());
        let hash = xxhash_rust::xxh3::xxh3_64(&series);
        ReminderKey(format!("{calendar}:{start}:{lead_secs}:{hash:016x}"))
    }

    /// Reads a key written by [`ReminderKey::new`].
    pub fn parse(text: &str) -> Result<Self, RemindError> {
        let bad = || RemindError::InvalidKey(text.chars().take(80).collect());
        let mut parts = text.split(':');
        let numbers_ok = (0..3).all(|_| parts.next().is_some_and(|p| p.parse::<i64>().is_ok()));
        let hash_ok = parts
            .next()
            .is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()));
        if numbers_ok && hash_ok && parts.next().is_none() {
            Ok(ReminderKey(text.to_string()))
        } else {
            Err(bad())
        }
    }

    /// The key as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The calendar whose occurrence this reminder is for.
    pub fn calendar_id(&self) -> i64 {
        self.field(0)
    }

    /// The occurrence's start (Unix seconds).
    pub fn start(&self) -> i64 {
        self.field(1)
    }

    /// Seconds before the start at which the reminder fires.
    pub fn lead_secs(&self) -> i64 {
        self.field(2)
    }

    /// Field `i` of a key known to be well formed (by construction or by `parse`).
    fn field(&self, i: usize) -> i64 {
        self.0
            .split(':')
            .nth(i)
            .and_then(|p| p.parse().ok())
            .unwrap_or_default()
    }
}

impl fmt::Display for ReminderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<ReminderKey> for String {
    fn from(key: ReminderKey) -> String {
        key.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_round_trips_its_fields() {
        let k = ReminderKey::new(
            3,
            "standup@example.com",
            "20260302T090000Z",
            1_772_442_000,
            300,
        );
        assert!(k.as_str().starts_with("3:1772442000:300:"));
        assert_eq!(k.as_str().len(), "3:1772442000:300:".len() + 16);
        let back = ReminderKey::parse(k.as_str()).unwrap();
        assert_eq!(back, k);
        assert_eq!(
            (back.calendar_id(), back.start(), back.lead_secs()),
            (3, 1_772_442_000, 300)
        );
    }

    #[test]
    fn key_separates_uid_from_recurrence_id() {
        // "a" + "b:c" and "a:b" + "c" must not collide: the NUL separator keeps them apart.
        assert_ne!(
            ReminderKey::new(1, "a", "b:c", 0, 0),
            ReminderKey::new(1, "a:b", "c", 0, 0)
        );
        assert_ne!(
            ReminderKey::new(1, "a", "", 0, 0),
            ReminderKey::new(2, "a", "", 0, 0)
        );
    }

    #[test]
    fn negative_leads_and_bad_keys() {
        let k = ReminderKey::new(1, "u", "", 100, -600);
        assert_eq!(ReminderKey::parse(k.as_str()).unwrap().lead_secs(), -600);
        for bad in [
            "",
            "1:2:3",
            "1:2:3:xyz",
            "a:2:3:0123456789abcdef",
            "1:2:3:0123456789abcdef:9",
        ] {
            let err = ReminderKey::parse(bad).unwrap_err();
            assert_eq!(err.code(), "reminder.invalid_key", "{bad:?}");
        }
    }
}
