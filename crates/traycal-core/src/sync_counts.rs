//! What one sync changed, counted the same way everywhere: the engine's report, the
//! sync log in the mirror, the CLI's output and the window's log all carry this one
//! struct, so a count added here shows up in every place at once.
//!
//! Invariant: counts are of things that happened (written in the mirror or accepted
//! by the server), never of things planned.

use std::ops::AddAssign;

/// The counts of one sync (or of several, added up).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct SyncCounts {
    /// Events (or objects) that were new here.
    pub added: u64,
    /// Events (or objects) that changed here to the source's version.
    pub updated: u64,
    /// Events (or objects) removed because the source removed them.
    pub removed: u64,
    /// Events the source dropped that were kept as history (past, or kept by choice).
    pub kept_as_history: u64,
    /// Local changes the server took.
    pub pushed: u64,
    /// Local changes that met a change on the server: both versions kept.
    pub conflicts: u64,
}

impl SyncCounts {
    /// Whether the sync changed anything, here or there.
    pub fn changed_anything(&self) -> bool {
        *self != SyncCounts::default()
    }
}

impl AddAssign for SyncCounts {
    fn add_assign(&mut self, other: SyncCounts) {
        self.added += other.added;
        self.updated += other.updated;
        self.removed += other.removed;
        self.kept_as_history += other.kept_as_history;
        self.pushed += other.pushed;
        self.conflicts += other.conflicts;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_counts_adds_every_field() {
        let mut a = SyncCounts {
            added: 1,
            updated: 2,
            removed: 3,
            kept_as_history: 4,
            pushed: 5,
            conflicts: 6,
        };
        a += a;
        assert_eq!(
            a,
            SyncCounts {
                added: 2,
                updated: 4,
                removed: 6,
                kept_as_history: 8,
                pushed: 10,
                conflicts: 12,
            }
        );
        assert!(a.changed_anything());
        assert!(!SyncCounts::default().changed_anything());
    }
}
