//! The editable fields of an event, as the user's form gives them, and their checks.
//!
//! A draft is plain data: title, start, end, location, description, and the repeat
//! rule and reminder. It is *normalised* before use ([`EventDraft::normalized`]) so
//! that an unchanged form compares equal to the event it was read from:
//! - the title and location are trimmed; an empty title is allowed (the event then
//!   has no SUMMARY), an empty location or a blank description is no property;
//! - line breaks (`\r\n`, `\r`) become `\n`, and control characters other than line
//!   feed and tab are removed (RFC 5545 TEXT cannot carry them);
//! - times are whole seconds (sub-second parts are dropped); a TZID is trimmed;
//! - a repeat rule is trimmed, its empty parts dropped and its part names and values
//!   upper-cased (but the values of `X-` parts, which are someone else's), so
//!   `freq=weekly;byday=mo;` and `FREQ=WEEKLY;BYDAY=MO` are one rule.
//!
//! The repeat rule and the reminder are the two fields a draft may leave open
//! (`None`: as the event has them), because most edits do not concern them and a
//! draft built by hand must not drop a series' rule or its alarms by omission. The
//! drafts [`super::read_draft`] and [`super::read_occurrence_draft`] read say what
//! the event has (`None` there: no rule, no reminder the form can show; an
//! occurrence reads no rule: the rule is its series'), so a form filled from them
//! and sent back unchanged changes nothing.
//!
//! Checks ([`EventDraft::check`]): start and end are of one kind (both all-day, both
//! floating, or both absolute: UTC or zoned, zones may differ, as RFC 5545 3.8.2.2
//! allows); the end is not before the start (equal is a zero-length event); an
//! all-day end is *exclusive* (the day after the last day), so it must be after the
//! start; every TZID names a zone we know (IANA, tolerant spellings and Windows names
//! included, or a VTIMEZONE the edited object carries); a repeat rule parses
//! ([`crate::recur::RecurRule::parse`]) and does not give both UNTIL and COUNT
//! (RFC 5545 3.3.10 forbids it).

use std::borrow::Cow;
use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use thiserror::Error;

use crate::recur::RecurRule;
use crate::tz::{ZoneResolver, ZoneSource};

/// One end of an event as the form gives it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DraftTime {
    /// A wall-clock time in a named zone: `DTSTART;TZID=Europe/Berlin:…`.
    Zoned { local: NaiveDateTime, tzid: String },
    /// A UTC instant: `DTSTART:…Z`.
    Utc(NaiveDateTime),
    /// A floating wall-clock time (no zone): the same clock time wherever the user is.
    /// The form rarely offers it; it keeps existing floating events floating.
    Floating(NaiveDateTime),
    /// An all-day date: `DTSTART;VALUE=DATE:…`. As an end it is exclusive.
    Date(NaiveDate),
}

impl DraftTime {
    /// A wall-clock time in the zone `tzid` (an IANA name such as `Europe/Berlin`).
    pub fn zoned(local: NaiveDateTime, tzid: impl Into<String>) -> Self {
        DraftTime::Zoned {
            local,
            tzid: tzid.into(),
        }
    }

    /// The TZID, for a zoned time.
    pub fn tzid(&self) -> Option<&str> {
        match self {
            DraftTime::Zoned { tzid, .. } => Some(tzid),
            _ => None,
        }
    }

    /// True for an all-day date.
    pub fn is_date(&self) -> bool {
        matches!(self, DraftTime::Date(_))
    }

    /// The value as written (`20240105T090000`, `…Z`, `20240105`).
    pub fn ics_value(&self) -> String {
        match self {
            DraftTime::Zoned { local, .. } | DraftTime::Floating(local) => format_local(*local),
            DraftTime::Utc(utc) => {
                let mut s = format_local(*utc);
                s.push('Z');
                s
            }
            DraftTime::Date(d) => format_date(*d),
        }
    }

    fn normalized(&self) -> DraftTime {
        let whole = |t: &NaiveDateTime| t.with_nanosecond(0).unwrap_or(*t);
        match self {
            DraftTime::Zoned { local, tzid } => DraftTime::Zoned {
                local: whole(local),
                tzid: tzid.trim().to_owned(),
            },
            DraftTime::Utc(t) => DraftTime::Utc(whole(t)),
            DraftTime::Floating(t) => DraftTime::Floating(whole(t)),
            DraftTime::Date(d) => DraftTime::Date(*d),
        }
    }

    /// Which kinds may be paired as start and end.
    fn kind(&self) -> TimeKindOfDraft {
        match self {
            DraftTime::Zoned { .. } | DraftTime::Utc(_) => TimeKindOfDraft::Absolute,
            DraftTime::Floating(_) => TimeKindOfDraft::Floating,
            DraftTime::Date(_) => TimeKindOfDraft::Date,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeKindOfDraft {
    Absolute,
    Floating,
    Date,
}

/// `YYYYMMDDTHHMMSS`.
pub(crate) fn format_local(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

/// `YYYYMMDD`.
pub(crate) fn format_date(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// The editable fields of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDraft {
    /// SUMMARY; trimmed, may be empty.
    pub title: String,
    /// DTSTART.
    pub start: DraftTime,
    /// DTEND (exclusive for all-day dates).
    pub end: DraftTime,
    /// LOCATION; `None` or empty for none.
    pub location: Option<String>,
    /// DESCRIPTION; `None` or blank for none.
    pub description: Option<String>,
    /// RRULE, as its value (`FREQ=WEEKLY;BYDAY=MO,WE`): `None` keeps the event's
    /// rule (a new event has none; a split's new series continues what is left of
    /// the old one), `Some("")` removes it, `Some(rule)` sets it. An UNTIL in a rule
    /// set here is written in the form RFC 5545 requires for the start (a DATE for
    /// all-day events, UTC for zoned and UTC ones, local time for floating ones).
    /// Only whole events and the new series of a split take a rule: an occurrence
    /// edit refuses one ([`super::EditError::RuleOnOccurrence`]) unless it is the
    /// series' own, which changes nothing. Read drafts give the rule the event has
    /// (`None`: it does not repeat; always `None` for an occurrence).
    pub repeat: Option<String>,
    /// The reminder, in minutes before the start: `None` keeps the event's alarms
    /// (a new event has none), `Some(None)` removes every VALARM, `Some(Some(n))`
    /// replaces them with one display alarm `n` minutes before the start; a value
    /// equal to the one the event shows changes nothing. Read drafts give
    /// `Some(Some(n))` for the first display or audio alarm set before the start
    /// (whole minutes), `None` when there is none (an alarm at a fixed instant,
    /// after the start or before the end is not one the form shows: it stays until
    /// a reminder is set).
    pub reminder: Option<Option<u32>>,
}

/// Why a draft cannot be saved. Messages are for people; the UI matches the variant.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DraftError {
    #[error("the end ({end}) is before the start ({start})")]
    EndBeforeStart { start: String, end: String },
    #[error(
        "an all-day event ends on the day after its last day: the end date ({end}) must be after the start date ({start})"
    )]
    AllDayEndNotAfterStart { start: String, end: String },
    #[error("start and end must both be all-day dates, both floating times, or both times with a zone or in UTC")]
    MixedKinds,
    #[error("unknown time zone {tzid:?}")]
    UnknownZone { tzid: String },
    /// The repeat rule does not parse, or is not one RFC 5545 allows.
    #[error("the repeat rule {rule:?} is invalid: {problem}")]
    InvalidRule { rule: String, problem: String },
}

impl EventDraft {
    /// A draft without location and description, that leaves the repeat rule and
    /// the reminder as they are (none, for a new event).
    pub fn new(title: impl Into<String>, start: DraftTime, end: DraftTime) -> Self {
        EventDraft {
            title: title.into(),
            start,
            end,
            location: None,
            description: None,
            repeat: None,
            reminder: None,
        }
    }

    /// An all-day draft from its first to its last day, both inclusive, as a form
    /// shows them (the end written is the day after `last_day`).
    pub fn all_day(title: impl Into<String>, first_day: NaiveDate, last_day: NaiveDate) -> Self {
        let end = last_day.succ_opt().unwrap_or(last_day);
        EventDraft::new(title, DraftTime::Date(first_day), DraftTime::Date(end))
    }

    /// The same draft with a location.
    pub fn with_location(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// The same draft with a description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The same draft with a repeat rule (`""` removes the event's rule).
    pub fn with_repeat(mut self, rule: impl Into<String>) -> Self {
        self.repeat = Some(rule.into());
        self
    }

    /// The same draft with a reminder `minutes` before the start (`None`: no
    /// reminder, the event's alarms removed).
    pub fn with_reminder(mut self, minutes: Option<u32>) -> Self {
        self.reminder = Some(minutes);
        self
    }

    /// The rule the draft sets, `None` when it keeps or removes the event's rule
    /// (see [`EventDraft::repeat`]).
    pub fn rule(&self) -> Option<&str> {
        self.repeat.as_deref().filter(|r| !r.trim().is_empty())
    }

    /// The reminder the draft shows or sets, in minutes before the start (`None`:
    /// none, or left as it is).
    pub fn reminder_minutes(&self) -> Option<u32> {
        self.reminder.flatten()
    }

    /// The draft as it will be written (see the module docs): equal drafts mean an
    /// unchanged event.
    pub fn normalized(&self) -> EventDraft {
        let title = clean_text(self.title.trim()).trim().to_owned();
        let location = self
            .location
            .as_deref()
            .map(|l| clean_text(l.trim()).trim().to_owned())
            .filter(|l| !l.is_empty());
        let description = self
            .description
            .as_deref()
            .map(|d| clean_text(d).into_owned())
            .filter(|d| !d.trim().is_empty());
        EventDraft {
            title,
            start: self.start.normalized(),
            end: self.end.normalized(),
            location,
            description,
            repeat: self.repeat.as_deref().map(normalize_rule),
            reminder: self.reminder,
        }
    }

    /// Check a draft for a new event: its zones must be known to the zone database
    /// (IANA names, tolerant spellings, Windows names), its repeat rule valid.
    pub fn check(&self) -> Result<(), DraftError> {
        let n = self.normalized();
        n.check_in(&mut ZoneResolver::new(), &BTreeSet::new())?;
        n.check_rule_against(None)
    }

    /// Check the normalised draft's rule, unless it is `current` (the rule the
    /// edited event already has): keeping a rule the user did not change never
    /// fails, even one RFC 5545 does not allow (COUNT beside UNTIL, from a sloppy
    /// producer), as keeping a zone does not.
    pub(crate) fn check_rule_against(&self, current: Option<&str>) -> Result<(), DraftError> {
        match self.rule() {
            Some(rule) if Some(rule) != current => check_rule(rule),
            _ => Ok(()),
        }
    }

    /// Check a normalised draft's times, resolving zones with `zones` (which knows
    /// the edited object's VTIMEZONEs). A TZID in `in_use` (the edited object already
    /// writes it) is accepted as it is: keeping a zone the user did not change never
    /// fails, even one only a file's odd VTIMEZONE explains. The rule is checked
    /// apart ([`EventDraft::check_rule_against`]).
    pub(crate) fn check_in(
        &self,
        zones: &mut ZoneResolver,
        in_use: &BTreeSet<String>,
    ) -> Result<(), DraftError> {
        for t in [&self.start, &self.end] {
            if let Some(tzid) = t.tzid() {
                if !in_use.contains(tzid) {
                    known_zone(tzid, zones)?;
                }
            }
        }
        if self.start.kind() != self.end.kind() {
            return Err(DraftError::MixedKinds);
        }
        let order = |t: &DraftTime, zones: &mut ZoneResolver| -> i64 {
            match t {
                DraftTime::Zoned { local, tzid } => zones
                    .resolve(tzid)
                    .zone
                    .local_to_utc(*local)
                    .and_utc()
                    .timestamp(),
                DraftTime::Utc(t) | DraftTime::Floating(t) => t.and_utc().timestamp(),
                DraftTime::Date(d) => d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp(),
            }
        };
        let (start, end) = (order(&self.start, zones), order(&self.end, zones));
        match (&self.start, &self.end) {
            (DraftTime::Date(s), DraftTime::Date(e)) if e <= s => {
                Err(DraftError::AllDayEndNotAfterStart {
                    start: s.to_string(),
                    end: e.to_string(),
                })
            }
            _ if end < start => Err(DraftError::EndBeforeStart {
                start: self.start.ics_value(),
                end: self.end.ics_value(),
            }),
            _ => Ok(()),
        }
    }
}

/// A TZID we can place in time: anything but the UTC fallback and the guess that a
/// file's sole VTIMEZONE is meant.
pub(crate) fn known_zone(tzid: &str, zones: &mut ZoneResolver) -> Result<(), DraftError> {
    let resolved = zones.resolve(tzid);
    if tzid.is_empty()
        || matches!(
            resolved.source,
            ZoneSource::Fallback | ZoneSource::SoleVTimezone
        )
    {
        return Err(DraftError::UnknownZone {
            tzid: tzid.chars().take(80).collect(),
        });
    }
    Ok(())
}

/// A rule as [`EventDraft::normalized`] writes it (see the module docs), so two
/// spellings of one rule compare equal. Values of `X-` parts keep their case: their
/// meaning is their owner's.
pub fn normalize_rule(rule: &str) -> String {
    rule.split(';')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| match part.split_once('=') {
            Some((name, value)) => {
                let name = name.trim().to_ascii_uppercase();
                let value = value.trim();
                if name.starts_with("X-") {
                    format!("{name}={value}")
                } else {
                    format!("{name}={}", value.to_ascii_uppercase())
                }
            }
            // Not a part: left for the check to name.
            None => part.to_ascii_uppercase(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// A rule the recurrence parser reads and RFC 5545 allows.
fn check_rule(rule: &str) -> Result<(), DraftError> {
    let invalid = |problem: String| DraftError::InvalidRule {
        rule: rule.chars().take(200).collect(),
        problem,
    };
    let parsed = RecurRule::parse(rule).map_err(|e| invalid(e.to_string()))?;
    if parsed.until.is_some() && parsed.count.is_some() {
        return Err(invalid("UNTIL and COUNT cannot both be given".into()));
    }
    Ok(())
}

/// Line breaks as `\n`; control characters other than `\n` and `\t` removed.
fn clean_text(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn normalising_trims_and_cleans_text() {
        let draft = EventDraft::new(
            "  Stand-up\u{7}  ",
            DraftTime::Utc(at("2026-03-02 08:00")),
            DraftTime::Utc(at("2026-03-02 08:15")),
        )
        .with_location("   ")
        .with_description("line 1\r\nline 2\rline 3\n\tend");
        let n = draft.normalized();
        assert_eq!(n.title, "Stand-up");
        assert_eq!(n.location, None);
        assert_eq!(
            n.description.as_deref(),
            Some("line 1\nline 2\nline 3\n\tend")
        );
        assert_eq!(n.normalized(), n, "normalising is idempotent");
        let blank = draft.clone().with_description(" \n ").normalized();
        assert_eq!(blank.description, None);
    }

    #[test]
    fn a_rule_is_normalised_and_checked() {
        let draft = EventDraft::new(
            "x",
            DraftTime::Utc(at("2026-03-02 08:00")),
            DraftTime::Utc(at("2026-03-02 08:15")),
        );
        let n = draft
            .clone()
            .with_repeat(" freq=weekly ; byday=mo,we;;x-name=Keep;")
            .normalized();
        assert_eq!(
            n.repeat.as_deref(),
            Some("FREQ=WEEKLY;BYDAY=MO,WE;X-NAME=Keep")
        );
        assert_eq!(n.normalized(), n, "normalising is idempotent");
        assert_eq!(n.check(), Ok(()));
        // Blank removes the rule: kept apart from `None`, which keeps it.
        let blank = draft.clone().with_repeat("  ").normalized();
        assert_eq!((blank.repeat.as_deref(), blank.rule()), (Some(""), None));
        assert_eq!(blank.check(), Ok(()));
        assert_eq!(draft.normalized().repeat, None);
        let bad = draft.with_repeat("FREQ=DAILY;INTERVAL=0");
        assert_eq!(
            bad.check(),
            Err(DraftError::InvalidRule {
                rule: "FREQ=DAILY;INTERVAL=0".into(),
                problem: "INTERVAL=0: the interval must be at least 1".into(),
            })
        );
    }

    #[test]
    fn an_empty_title_is_allowed() {
        let draft = EventDraft::new(
            "   ",
            DraftTime::zoned(at("2026-03-02 09:00"), "Europe/Berlin"),
            DraftTime::zoned(at("2026-03-02 10:00"), "Europe/Berlin"),
        );
        assert_eq!(draft.check(), Ok(()));
        assert_eq!(draft.normalized().title, "");
    }

    #[test]
    fn the_end_must_not_be_before_the_start() {
        let berlin = |t| DraftTime::zoned(at(t), "Europe/Berlin");
        let draft = EventDraft::new("x", berlin("2026-03-02 10:00"), berlin("2026-03-02 09:00"));
        assert!(matches!(
            draft.check(),
            Err(DraftError::EndBeforeStart { .. })
        ));
        // Zero length is fine.
        let same = EventDraft::new("x", berlin("2026-03-02 10:00"), berlin("2026-03-02 10:00"));
        assert_eq!(same.check(), Ok(()));
        // Zones are compared by instant: 09:30 in London is 10:30 in Berlin.
        let across = EventDraft::new(
            "x",
            berlin("2026-03-02 10:00"),
            DraftTime::zoned(at("2026-03-02 09:30"), "Europe/London"),
        );
        assert_eq!(across.check(), Ok(()));
        let before = EventDraft::new(
            "x",
            berlin("2026-03-02 10:00"),
            DraftTime::Utc(at("2026-03-02 08:30")),
        );
        assert!(matches!(
            before.check(),
            Err(DraftError::EndBeforeStart { .. })
        ));
    }

    #[test]
    fn an_all_day_end_is_exclusive() {
        let one_day = EventDraft::all_day("Holiday", day("2026-05-01"), day("2026-05-01"));
        assert_eq!(one_day.end, DraftTime::Date(day("2026-05-02")));
        assert_eq!(one_day.check(), Ok(()));
        let empty = EventDraft::new(
            "Holiday",
            DraftTime::Date(day("2026-05-01")),
            DraftTime::Date(day("2026-05-01")),
        );
        assert!(matches!(
            empty.check(),
            Err(DraftError::AllDayEndNotAfterStart { .. })
        ));
    }

    #[test]
    fn kinds_cannot_be_mixed() {
        let draft = EventDraft::new(
            "x",
            DraftTime::Date(day("2026-05-01")),
            DraftTime::Utc(at("2026-05-02 00:00")),
        );
        assert_eq!(draft.check(), Err(DraftError::MixedKinds));
        let floating = EventDraft::new(
            "x",
            DraftTime::Floating(at("2026-05-01 09:00")),
            DraftTime::Utc(at("2026-05-02 00:00")),
        );
        assert_eq!(floating.check(), Err(DraftError::MixedKinds));
    }

    #[test]
    fn unknown_zones_are_refused_and_windows_names_accepted() {
        let draft = EventDraft::new(
            "x",
            DraftTime::zoned(at("2026-05-01 09:00"), "Mars/Olympus_Mons"),
            DraftTime::zoned(at("2026-05-01 10:00"), "Mars/Olympus_Mons"),
        );
        assert_eq!(
            draft.check(),
            Err(DraftError::UnknownZone {
                tzid: "Mars/Olympus_Mons".into()
            })
        );
        let windows = EventDraft::new(
            "x",
            DraftTime::zoned(at("2026-05-01 09:00"), "W. Europe Standard Time"),
            DraftTime::zoned(at("2026-05-01 10:00"), "W. Europe Standard Time"),
        );
        assert_eq!(windows.check(), Ok(()));
    }
}
