//! Reminder planning: which meeting reminders are due at `now`, and when the next one
//! is. Pure: no I/O, no clock; the engine passes `now`, the meetings around it, the
//! per-calendar settings and what already fired, and gets a [`Plan`] back.
//!
//! Parts:
//! - [`alarm`]: the event's own VALARM triggers, read from the raw component;
//! - [`attendance`]: the organiser and the user's PARTSTAT, read from the raw component;
//! - [`key`]: the stable identity of one reminder ([`ReminderKey`]);
//! - [`plan`]: the rules ([`plan()`]).
//!
//! Invariants:
//! - a reminder's identity is (calendar, UID, RECURRENCE-ID, the occurrence's start,
//!   lead): it does not change when a feed re-sends the event with a new LAST-MODIFIED,
//!   SEQUENCE or title, and it does change when the meeting moves, so a moved meeting
//!   is reminded afresh and an unchanged one never twice;
//! - planning is deterministic: the same input in any order gives the same plan (ties
//!   are broken by calendar id, event id, UID and RECURRENCE-ID);
//! - the planner never returns a reminder whose key was fired or dismissed, unless it
//!   was snoozed (then it is due again at the snooze's end).

pub mod alarm;
pub mod attendance;
pub mod key;
pub mod plan;

use serde::{Deserialize, Serialize};

pub use alarm::{alarm_triggers, AlarmTrigger};
pub use attendance::{attendance, Attendance, PartStat};
pub use key::ReminderKey;
pub use plan::{plan, Due, Meeting, Plan, ReminderState, SettingsByCalendar};

/// Why a reminder value could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemindError {
    /// A lead time other than the offered ones (at start, 1, 5, 10, 15 minutes).
    #[error("a reminder lead of {0} seconds is not offered (0, 60, 300, 600 or 900)")]
    InvalidLead(i64),
    /// A string that is not a reminder key.
    #[error("{0:?} is not a reminder key")]
    InvalidKey(String),
}

impl RemindError {
    /// Stable snake_case code, for shells that switch on it.
    pub fn code(&self) -> &'static str {
        match self {
            RemindError::InvalidLead(_) => "reminder.invalid_lead",
            RemindError::InvalidKey(_) => "reminder.invalid_key",
        }
    }
}

/// How long before a meeting's start its reminder fires: the choices the issue
/// offers per calendar. Stored and serialised as seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub enum Lead {
    AtStart,
    OneMinute,
    FiveMinutes,
    TenMinutes,
    FifteenMinutes,
}

impl Lead {
    /// Every offered lead, shortest first (for settings menus).
    pub const ALL: [Lead; 5] = [
        Lead::AtStart,
        Lead::OneMinute,
        Lead::FiveMinutes,
        Lead::TenMinutes,
        Lead::FifteenMinutes,
    ];

    /// Seconds before the start.
    pub fn secs(self) -> i64 {
        match self {
            Lead::AtStart => 0,
            Lead::OneMinute => 60,
            Lead::FiveMinutes => 300,
            Lead::TenMinutes => 600,
            Lead::FifteenMinutes => 900,
        }
    }

    /// The lead of `secs` seconds, if it is one of the offered ones.
    pub fn from_secs(secs: i64) -> Result<Lead, RemindError> {
        Lead::ALL
            .into_iter()
            .find(|l| l.secs() == secs)
            .ok_or(RemindError::InvalidLead(secs))
    }
}

impl Default for Lead {
    /// Five minutes: long enough to finish a sentence, short enough to stay relevant.
    fn default() -> Self {
        Lead::FiveMinutes
    }
}

impl TryFrom<i64> for Lead {
    type Error = RemindError;
    fn try_from(secs: i64) -> Result<Self, Self::Error> {
        Lead::from_secs(secs)
    }
}

impl From<Lead> for i64 {
    fn from(lead: Lead) -> i64 {
        lead.secs()
    }
}

/// A calendar's reminder preferences. The defaults are what a calendar without stored
/// settings gets: five minutes, the event's own alarms ignored, and no reminder for
/// declined, cancelled, free (TRANSP:TRANSPARENT) or all-day events.
///
/// All-day events: by default they get no reminder (a holiday or a birthday is not a
/// meeting, and "starts in 5 minutes" at 23:55 the day before helps nobody). With
/// `notify_all_day` they get one reminder when their day starts, whatever the lead,
/// plus their own alarms when `honour_valarms` is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReminderSettings {
    pub lead: Lead,
    /// Use the event's DISPLAY/AUDIO VALARMs instead of `lead` when it has any.
    pub honour_valarms: bool,
    pub notify_declined: bool,
    pub notify_cancelled: bool,
    pub notify_free: bool,
    pub notify_all_day: bool,
}
