//! The plan of one sync of one calendar: pure, keyed by identity (never by
//! position), taking `now` and the mirror's and the source's views, and returning
//! actions the engine carries out in one transaction per step.
//!
//! Two shapes of source, one set of rules:
//! - [`objects`]: sources whose items have authoritative ids and version tags
//!   (CalDAV hrefs and etags, Google and Graph ids; the in-memory provider), synced
//!   both ways: base, local and remote per object; pull, push, adopt, rebase,
//!   recreate, forget, **conflict**;
//! - [`feed`]: snapshots whose ids are not authoritative (an ICS feed, which may
//!   regenerate every UID on each export), pulled only: items matched by
//!   (UID, RECURRENCE-ID) and content hash, a vanished item **renamed** when a new one
//!   carries its fingerprint, past items **retired as history** rather than deleted.
//!
//! Both go through the same **deletion guard** ([`MassDeletion::check`]): a plan that
//! would delete more than [`MASS_DELETION_MIN`] events and more than half of the
//! calendar is held, and the user decides.

pub mod feed;
pub mod objects;

pub use feed::{plan_feed, FeedPlan, Incoming, ItemAction, Stored, Vanished};
pub use objects::{
    plan, pull_deletes, Action, Held, Pending, RemoteView, Reported, Ways, SENT_DELETE,
};

/// A plan deleting at most this many events is never held by the guard.
pub const MASS_DELETION_MIN: u64 = 20;

/// What the deletion guard found: the plan deletes `deleting` of the calendar's
/// `upcoming` events (a feed counts the events that have not ended; an account, its
/// objects).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MassDeletion {
    pub deleting: u64,
    pub upcoming: u64,
}

impl MassDeletion {
    /// The guard: `Some` when `deleting` is more than [`MASS_DELETION_MIN`] and more
    /// than half of `upcoming`.
    pub fn check(deleting: u64, upcoming: u64) -> Option<MassDeletion> {
        (deleting > MASS_DELETION_MIN && deleting.saturating_mul(2) > upcoming)
            .then_some(MassDeletion { deleting, upcoming })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_holds_more_than_twenty_and_more_than_half() {
        assert_eq!(MassDeletion::check(20, 20), None, "twenty never asks");
        assert_eq!(MassDeletion::check(21, 100), None, "a fifth does not");
        assert_eq!(MassDeletion::check(50, 100), None, "half does not");
        assert_eq!(
            MassDeletion::check(51, 100),
            Some(MassDeletion {
                deleting: 51,
                upcoming: 100
            })
        );
        assert!(MassDeletion::check(21, 21).is_some());
    }
}
