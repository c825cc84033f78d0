//! The plan of one feed sync: compare what the feed holds now with what the mirror
//! holds, and decide per item what to do. Pure: takes `now`, touches nothing.
//!
//! Rules (issue "ICS subscriptions"):
//! - items are matched by (UID, RECURRENCE-ID); an unchanged content hash means no
//!   write at all;
//! - an item whose key is new but whose *fingerprint* (summary, times, rule,
//!   location — everything but the UID and stamps) equals a stored item that
//!   vanished is the same event under a regenerated UID: the stored row is renamed,
//!   never duplicated;
//! - a stored item missing from the feed is deleted when it is in the future (or
//!   open-ended), and kept as history (retired) when it ended before `now`;
//! - **the deletion guard** ([`MassDeletion::check`], shared with the two-way plan)
//!   over the deletions and the calendar's upcoming events; the caller stops and asks
//!   before applying a held plan (the user applies it, or keeps the events:
//!   [`FeedPlan::keep_vanished`]).

use foldhash::{HashMap, HashMapExt};

use super::MassDeletion;
use crate::sync_counts::SyncCounts;

/// What the feed holds for one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming<'a> {
    pub uid: &'a str,
    pub recurrence_key: &'a str,
    pub content_hash: i64,
    pub fingerprint: i64,
}

/// What the mirror holds for one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored<'a> {
    pub id: i64,
    pub uid: &'a str,
    pub recurrence_key: &'a str,
    pub content_hash: i64,
    pub fingerprint: i64,
    /// End of the item's last occurrence; `None` when open-ended or unknown.
    pub series_end: Option<i64>,
    pub removed_at: Option<i64>,
}

/// The decision for one incoming item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemAction {
    /// Same content as stored: nothing to write.
    Unchanged,
    /// New item.
    Insert,
    /// Stored row `id` gets the new content.
    Update(i64),
    /// Stored row `id` (under another UID) is this item: rename and update it.
    Rename(i64),
}

/// The decision for a stored item that the feed no longer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vanished {
    /// Future or open-ended: remove it with its occurrences.
    Delete(i64),
    /// Ended before now: keep it as history.
    Retire(i64),
    /// Future, but the user chose to keep it: marked as no longer in the source,
    /// every occurrence kept.
    Keep(i64),
}

/// A whole plan, in input order for the incoming items.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FeedPlan {
    pub actions: Vec<ItemAction>,
    pub vanished: Vec<Vanished>,
}

impl FeedPlan {
    /// What the plan does, counted: renamed items count as updated, retired and kept
    /// ones as kept as history.
    pub fn counts(&self) -> SyncCounts {
        let mut c = SyncCounts::default();
        for a in &self.actions {
            match a {
                ItemAction::Insert => c.added += 1,
                ItemAction::Update(_) | ItemAction::Rename(_) => c.updated += 1,
                ItemAction::Unchanged => {}
            }
        }
        for v in &self.vanished {
            match v {
                Vanished::Delete(_) => c.removed += 1,
                Vanished::Retire(_) | Vanished::Keep(_) => c.kept_as_history += 1,
            }
        }
        c
    }

    /// The deletion guard ([`MassDeletion::check`]) over the plan's deletions and the
    /// upcoming events in `stored` (live rows that have not ended by `now`).
    pub fn mass_deletion(&self, stored: &[Stored<'_>], now: i64) -> Option<MassDeletion> {
        let deleting = self
            .vanished
            .iter()
            .filter(|v| matches!(v, Vanished::Delete(_)))
            .count() as u64;
        let upcoming = stored
            .iter()
            .filter(|s| s.removed_at.is_none() && s.series_end.is_none_or(|e| e > now))
            .count() as u64;
        MassDeletion::check(deleting, upcoming)
    }

    /// Turns every deletion into [`Vanished::Keep`] ("Keep my events").
    pub fn keep_vanished(&mut self) {
        for v in &mut self.vanished {
            if let Vanished::Delete(id) = *v {
                *v = Vanished::Keep(id);
            }
        }
    }

    /// True when applying the plan would change no event.
    pub fn is_noop(&self) -> bool {
        self.vanished.is_empty() && self.actions.iter().all(|a| *a == ItemAction::Unchanged)
    }
}

/// Plan a sync. `incoming` must not hold duplicate keys (the caller keeps the last).
pub fn plan_feed(incoming: &[Incoming<'_>], stored: &[Stored<'_>], now: i64) -> FeedPlan {
    let mut by_key: HashMap<(&str, &str), usize> = HashMap::with_capacity(stored.len());
    for (i, s) in stored.iter().enumerate() {
        by_key.insert((s.uid, s.recurrence_key), i);
    }
    let mut matched = vec![false; stored.len()];
    let mut actions = Vec::with_capacity(incoming.len());
    let mut unmatched_incoming = Vec::new();
    for (n, inc) in incoming.iter().enumerate() {
        match by_key.get(&(inc.uid, inc.recurrence_key)) {
            Some(&i) => {
                matched[i] = true;
                let s = &stored[i];
                actions.push(
                    if s.content_hash == inc.content_hash && s.removed_at.is_none() {
                        ItemAction::Unchanged
                    } else {
                        ItemAction::Update(s.id)
                    },
                );
            }
            None => {
                actions.push(ItemAction::Insert);
                unmatched_incoming.push(n);
            }
        }
    }
    // Regenerated UIDs: pair new keys with vanished rows of the same fingerprint.
    if !unmatched_incoming.is_empty() {
        let mut by_fp: HashMap<i64, Vec<usize>> = HashMap::new();
        for (i, s) in stored.iter().enumerate() {
            if !matched[i] {
                by_fp.entry(s.fingerprint).or_default().push(i);
            }
        }
        for n in unmatched_incoming {
            if let Some(cands) = by_fp.get_mut(&incoming[n].fingerprint) {
                if let Some(i) = cands.pop() {
                    matched[i] = true;
                    actions[n] = ItemAction::Rename(stored[i].id);
                }
            }
        }
    }
    let mut vanished = Vec::new();
    for (i, s) in stored.iter().enumerate() {
        if matched[i] || s.removed_at.is_some() {
            continue;
        }
        match s.series_end {
            Some(end) if end <= now => vanished.push(Vanished::Retire(s.id)),
            _ => vanished.push(Vanished::Delete(s.id)),
        }
    }
    FeedPlan { actions, vanished }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inc<'a>(uid: &'a str, hash: i64, fp: i64) -> Incoming<'a> {
        Incoming {
            uid,
            recurrence_key: "",
            content_hash: hash,
            fingerprint: fp,
        }
    }

    fn st<'a>(id: i64, uid: &'a str, hash: i64, fp: i64, end: Option<i64>) -> Stored<'a> {
        Stored {
            id,
            uid,
            recurrence_key: "",
            content_hash: hash,
            fingerprint: fp,
            series_end: end,
            removed_at: None,
        }
    }

    #[test]
    fn unchanged_changed_new() {
        let stored = [st(1, "a", 10, 100, Some(50)), st(2, "b", 20, 200, None)];
        let incoming = [inc("a", 10, 100), inc("b", 21, 201), inc("c", 30, 300)];
        let p = plan_feed(&incoming, &stored, 1000);
        assert_eq!(
            p.actions,
            [
                ItemAction::Unchanged,
                ItemAction::Update(2),
                ItemAction::Insert
            ]
        );
        assert!(p.vanished.is_empty());
        assert_eq!(
            (p.counts().added, p.counts().updated, p.counts().removed),
            (1, 1, 0)
        );
    }

    #[test]
    fn vanished_future_is_deleted_and_past_retired() {
        let stored = [
            st(1, "past", 1, 1, Some(900)),
            st(2, "future", 2, 2, Some(2000)),
            st(3, "open", 3, 3, None),
        ];
        let p = plan_feed(&[], &stored, 1000);
        assert_eq!(
            p.vanished,
            [
                Vanished::Retire(1),
                Vanished::Delete(2),
                Vanished::Delete(3)
            ]
        );
        // Already retired rows are left alone.
        let mut again = stored.clone();
        again[0].removed_at = Some(1000);
        let p = plan_feed(&[], &again, 1500);
        assert_eq!(p.vanished, [Vanished::Delete(2), Vanished::Delete(3)]);
    }

    #[test]
    fn regenerated_uids_rename_instead_of_duplicating() {
        let stored = [
            st(1, "uid-1", 10, 100, Some(5000)),
            st(2, "uid-2", 20, 200, Some(5000)),
        ];
        let incoming = [inc("uid-9", 11, 100), inc("uid-8", 21, 200)];
        let p = plan_feed(&incoming, &stored, 1000);
        assert_eq!(p.actions, [ItemAction::Rename(1), ItemAction::Rename(2)]);
        assert!(p.vanished.is_empty(), "nothing deleted: {:?}", p.vanished);
    }

    #[test]
    fn a_retired_item_that_comes_back_is_updated() {
        let mut s = st(1, "a", 10, 100, Some(10));
        s.removed_at = Some(20);
        let p = plan_feed(&[inc("a", 10, 100)], &[s], 1000);
        assert_eq!(p.actions, [ItemAction::Update(1)]);
    }

    #[test]
    fn the_guard_holds_a_plan_that_deletes_most_upcoming_events() {
        let stored: Vec<Stored<'_>> = (0..100)
            .map(|i| st(i, "x", i, i, Some(2000)))
            .chain((100..110).map(|i| st(i, "past", i, i, Some(500))))
            .collect();
        // All 100 upcoming events gone: held.
        let p = plan_feed(&[], &stored, 1000);
        assert_eq!(
            p.mass_deletion(&stored, 1000),
            Some(MassDeletion {
                deleting: 100,
                upcoming: 100
            })
        );
        // Exactly half: applied. (The feed still lists events 40..80.)
        let uids: Vec<String> = (0..80).map(|i| format!("u{i}")).collect();
        let eighty: Vec<Stored<'_>> = (0..80)
            .map(|i| st(i as i64, &uids[i], 0, i as i64, Some(2000)))
            .collect();
        let still: Vec<Incoming<'_>> = (40..80).map(|i| inc(&uids[i], 0, i as i64)).collect();
        let p2 = plan_feed(&still, &eighty, 1000);
        assert_eq!(p2.counts().removed, 40);
        assert_eq!(p2.mass_deletion(&eighty, 1000), None, "40 of 80");
        // 20 or fewer deletions: applied, even when that is all of them.
        let p3 = plan_feed(&[], &eighty[..20], 1000);
        assert_eq!(p3.mass_deletion(&eighty[..20], 1000), None, "20 of 20");
        let p4 = plan_feed(&[], &eighty[..21], 1000);
        assert!(p4.mass_deletion(&eighty[..21], 1000).is_some(), "21 of 21");
        // Keeping turns deletions into keeps, counted as history.
        let mut kept = p;
        kept.keep_vanished();
        assert!(kept
            .vanished
            .iter()
            .all(|v| !matches!(v, Vanished::Delete(_))));
        assert_eq!(
            (kept.counts().removed, kept.counts().kept_as_history),
            (0, 110)
        );
        assert_eq!(kept.mass_deletion(&stored, 1000), None);
    }
}
