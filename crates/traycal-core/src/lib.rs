//! Pure calendar logic for Traycal.
//!
//! This crate is the part of Traycal that knows what a calendar *means*: it parses
//! RFC 5545 text into components with diagnostics (and writes components back as
//! RFC 5545 text), resolves time zones (IANA, Windows names as Outlook writes them, a
//! file's own VTIMEZONE), expands recurrences with a work budget, filters events, and
//! turns the user's edits into new object text ([`edit`]) and plans two-way syncs
//! ([`sync_plan`]). It does no I/O and never reads the clock: callers
//! pass `now` and windows explicitly, so everything here is deterministic and testable.
//!
//! Invariants:
//! - one broken component never hides the others: parsing returns items plus
//!   diagnostics;
//! - all work is bounded (line length, nesting, recurrence budget), whatever the input;
//! - times keep their nature: UTC, zoned, floating and all-day values stay distinct
//!   (a calendar's `X-WR-TIMEZONE` is the zone of its floating times, so there they
//!   are zoned);
//! - a DURATION's days are nominal (wall clock) and its time part exact.

pub mod calendar;
pub mod edit;
pub mod event;
pub mod expand;
pub mod filter;
pub mod ics;
pub mod join;
pub mod recur;
pub mod remind;
pub mod sync_counts;
pub mod sync_plan;
pub mod tz;
pub mod value;
