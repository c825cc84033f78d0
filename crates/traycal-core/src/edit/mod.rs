//! Local edits of calendar objects: creating, changing and deleting events the way
//! the user asks, as new iCalendar text for the server.
//!
//! A *remote object* is one `VCALENDAR` as the server versions it (one CalDAV
//! resource, one href and etag): a series master, its overrides (`RECURRENCE-ID`) and
//! the VTIMEZONEs they use, all with one UID. Every operation here takes the
//! object's current text (the base, or the pending local version) and returns the
//! new text; the engine stores it as the local version and sends it. The engine
//! passes `now` and new UIDs: nothing here reads a clock or draws random numbers,
//! and the zone database is the one compiled in (chrono-tz).
//!
//! | the user … | function |
//! |---|---|
//! | creates an event | [`create_event`] |
//! | edits an event, or all of a series | [`update_event`] |
//! | edits one occurrence | [`update_occurrence`] |
//! | deletes one occurrence | [`delete_occurrence`] |
//! | edits this and the following occurrences | [`split_series`] |
//! | deletes an event or a whole series | nothing to write: the engine deletes the object |
//!
//! [`read_draft`] and [`read_occurrence_draft`] fill the edit form (the repeat rule
//! and the reminder included); a form sent back unchanged changes nothing.
//!
//! Occurrences are named by their instance [`Stamp`](crate::expand::Stamp) (the
//! original start, as expansion reports it in [`crate::expand::Occurrence::instance`]
//! and the mirror stores it; [`crate::expand::Stamp::parse`] reads the stored form
//! back).
//!
//! Invariants:
//! - **unknown properties survive every edit**: only the properties whose value the
//!   edit changes are written, each in its place; X- and unknown properties,
//!   parameters, ATTENDEEs, VALARMs, RRULE, EXDATE and the overrides the edit does
//!   not concern come out as they came in (through the writer's round trip: the
//!   same content lines, byte for byte when the input was in the writer's form).
//!   The exceptions follow from what the user changed: `X-ALT-DESC`, Outlook's HTML
//!   copy of DESCRIPTION, is removed when the description changes; a changed
//!   reminder replaces the VALARMs; a changed rule replaces the RRULE and removes
//!   the overrides and EXDATE values that no longer name an instance;
//! - **never an EXDATE for an overridden instance**: deleting an occurrence removes
//!   its override and adds one EXDATE; editing an occurrence never adds an EXDATE;
//! - an edit that changes nothing returns the input text unchanged (so the engine can
//!   tell that there is nothing to send);
//! - SEQUENCE is bumped once per edit that changes when the event happens (its
//!   times or its rule), and never goes down; DTSTAMP and LAST-MODIFIED of every changed component are now (UTC);
//! - every TZID written has a VTIMEZONE in the object (generated from the zone
//!   database when the object has none); a VTIMEZONE is dropped only when the edit
//!   removed the last reference to it;
//! - an input the parser could not read whole is refused ([`EditError::Unreadable`]),
//!   never rewritten with parts missing;
//! - no panics: no `unwrap`/`expect` outside tests.

mod apply;
mod create;
mod draft;
mod merge;
mod object;
mod occurrence;
mod rule;
mod series;
mod split;
mod times;
pub mod vtimezone;

use thiserror::Error;

pub use create::{create_event, PRODID};
pub use draft::{normalize_rule, DraftError, DraftTime, EventDraft};
pub use merge::{differs_beyond_stamps, merge_object, Clash, Merged};
pub use occurrence::{delete_occurrence, read_occurrence_draft, update_occurrence};
pub use series::{read_draft, update_event};
pub use split::{split_series, SplitSeries};

/// Why an edit could not be made. The UI switches on the variant.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EditError {
    /// The draft is not valid.
    #[error(transparent)]
    Draft(#[from] DraftError),
    /// The object could not be read whole (dropped data, cut-off text, an event
    /// without a usable start): editing it would lose data.
    #[error("the event cannot be edited safely (line {line}: {message})")]
    Unreadable { line: u32, message: String },
    /// Not exactly one `VCALENDAR`.
    #[error("the object holds {found} calendars, not one")]
    NotOneCalendar { found: u32 },
    /// No VEVENT.
    #[error("the object holds no event")]
    NoEvent,
    /// A VEVENT without UID.
    #[error("an event of the object has no UID")]
    NoUid,
    /// Events with different UIDs in one object.
    #[error("the object holds events with different UIDs")]
    SeveralUids,
    /// More than one VEVENT without RECURRENCE-ID.
    #[error("the object holds more than one series master")]
    SeveralMasters,
    /// Only overrides, no master (an invitation to some occurrences): the series
    /// cannot be edited as a whole.
    #[error("the object holds single occurrences only, no series")]
    NoMaster,
    /// The event does not recur, so it has no occurrences to edit one by one.
    #[error("the event does not repeat")]
    NotRecurring,
    /// No occurrence of the series starts at this instance.
    #[error("{instance} is not an occurrence of this event")]
    NotAnInstance { instance: String },
    /// Deleting the occurrence would leave no event in the object: delete the object.
    #[error("this is the event's only occurrence: delete the event instead")]
    NothingLeft,
    /// The UID given for a new event is empty or has control characters.
    #[error("invalid UID {0:?}")]
    InvalidUid(String),
    /// "This and following" from the first occurrence is the whole series.
    #[error("this is the series' first occurrence: edit the whole series instead")]
    SplitAtStart,
    /// A rule the split cannot cut (unparsable, or several RRULEs).
    #[error("the series' rule cannot be cut here: {0}")]
    UnsupportedRule(String),
    /// A draft for one occurrence sets or removes a repeat rule: a rule belongs to
    /// the whole series (edit the series, or this and the following occurrences).
    #[error("a repeat rule applies to the whole series, not to one occurrence")]
    RuleOnOccurrence,
}
