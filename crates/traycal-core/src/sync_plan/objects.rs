//! The plan of one two-way sync of one calendar (objects with authoritative ids): what to pull, what to push, and
//! where a local change met a remote one. Pure: the engine gathers the inputs (the
//! objects the mirror holds, what the provider reported) and carries the actions out.
//!
//! Items are matched by identity, never by position: a remote item is the object
//! whose `remote_id` it carries, or, for a local creation whose push answer was lost
//! (the server has it, the mirror does not know), the object whose `intended_id` it
//! carries.
//!
//! Rules, for each object (base = the version both sides last agreed on, named by its
//! etag):
//! - remote changed (etag differs from the base's), nothing pending here → pull it;
//! - remote changed and a local change pending → **conflict** (both kept; nothing is
//!   overwritten), unless the server already has exactly the pending text (a push
//!   whose answer was lost, or the same edit on both sides) → adopt it;
//!   If the server's version is instead one we sent whose answer was lost (its hash
//!   is one of the outbox entry's `sent_hashes`) and the object changed here again since, it
//!   becomes the base and the newer change is pushed on top (**rebase**);
//! - remote deleted, nothing pending → delete here; deleted by a delete of ours whose
//!   answer was lost and made again here since → a new creation (**recreate**); a local edit pending →
//!   conflict; a local delete pending → both agree, forget it;
//! - remote unchanged, a local change pending → push it (create, update or delete);
//! - an object already in conflict waits for its resolution: neither pulled nor pushed.
//!
//! A full listing (a first sync, or after the change token was refused) names every
//! item: an object it does not name was deleted on the server, except a local creation
//! never pushed.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

/// The mark [`Held::sent_hashes`] holds for a delete that was sent (a delete has no
/// text to hash).
pub const SENT_DELETE: u64 = 0;

/// What is pending locally for an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// Nothing: the mirror holds what the server has.
    Nothing,
    /// Made here, never acknowledged by the server.
    Create,
    /// Edited here.
    Update,
    /// Deleted here.
    Delete,
}

/// What the mirror holds for one object (the planner's view).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held<'a> {
    /// The mirror's id of the object (opaque here).
    pub object: i64,
    /// The server's id, once it has acknowledged the object.
    pub remote_id: Option<&'a str>,
    /// The id a creation is pushed under (the same as `remote_id` once known).
    pub intended_id: &'a str,
    /// The etag of the agreed version.
    pub etag: Option<&'a str>,
    /// What is pending here.
    pub pending: Pending,
    /// A hash of the pending local text (to recognise our own creation on the server).
    pub local_hash: Option<u64>,
    /// Hashes of the texts sent whose answers never came (to recognise our own push
    /// on the server after the object was changed again).
    pub sent_hashes: &'a [u64],
    /// Already in conflict: waits for its resolution.
    pub in_conflict: bool,
}

/// One item the server reported as changed (or listed in full).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reported<'a> {
    /// Its id.
    pub id: &'a str,
    /// Its etag.
    pub etag: Option<&'a str>,
    /// A hash of its text.
    pub hash: u64,
}

/// What the server reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteView<'a> {
    /// Nothing changed since the token.
    Unchanged,
    /// Every item there is.
    Full(Vec<Reported<'a>>),
    /// The items changed and the ids deleted since the token.
    Delta {
        /// Changed or new items.
        changed: Vec<Reported<'a>>,
        /// Deleted ids.
        deleted: Vec<&'a str>,
    },
}

/// One step of the plan. `object` is [`Held::object`]; `remote` indexes the reported
/// items (`Full`'s list or `Delta`'s `changed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A new item from the server.
    PullInsert {
        /// The reported item.
        remote: usize,
    },
    /// The server's newer version replaces the mirror's.
    PullUpdate {
        /// The object.
        object: i64,
        /// The reported item.
        remote: usize,
    },
    /// Deleted on the server: deleted here.
    PullDelete {
        /// The object.
        object: i64,
    },
    /// The server already has exactly the pending text (a push whose answer was
    /// lost): it becomes the agreed version.
    Adopt {
        /// The object.
        object: i64,
        /// The reported item.
        remote: usize,
    },
    /// The server's version is one we sent whose answer was lost, and the object was
    /// changed here again since: it becomes the agreed version, and the newer change
    /// is pushed on top of it (in the same plan, as an update or a delete).
    Rebase {
        /// The object.
        object: i64,
        /// The reported item.
        remote: usize,
    },
    /// Deleted on the server by a delete of ours whose answer was lost, and made
    /// again here since: it is a new creation now (pushed in the same plan).
    Recreate {
        /// The object.
        object: i64,
    },
    /// Deleted on both sides: nothing left to do but forget it.
    Forget {
        /// The object.
        object: i64,
    },
    /// Push a local creation.
    PushCreate {
        /// The object.
        object: i64,
    },
    /// Push a local edit.
    PushUpdate {
        /// The object.
        object: i64,
    },
    /// Push a local delete.
    PushDelete {
        /// The object.
        object: i64,
    },
    /// A local change met a remote one: keep both.
    Conflict {
        /// The object.
        object: i64,
        /// The server's version (`None`: deleted there).
        remote: Option<usize>,
    },
}

/// Which ways the calendar syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ways {
    /// Take the server's changes in.
    pub pull: bool,
    /// Send local changes out.
    pub push: bool,
}

impl Ways {
    /// Both ways.
    pub const TWO_WAY: Ways = Ways {
        pull: true,
        push: true,
    };
}

/// Plans one sync of one calendar. Pull actions come first (in the order reported),
/// then pushes in the order of `held` (the outbox order).
pub fn plan(held: &[Held<'_>], remote: &RemoteView<'_>, ways: Ways) -> Vec<Action> {
    let mut actions = Vec::new();
    // Objects settled by the pull pass (pulled, conflicted, adopted, forgotten).
    let mut settled: HashSet<i64> = HashSet::new();
    // Objects whose base the pull pass moved to a version of ours (see `Rebase`).
    let mut rebased: HashSet<i64> = HashSet::new();
    // Objects made again after our own delete (see `Recreate`).
    let mut recreated: HashSet<i64> = HashSet::new();
    // Lookups by id in maps: a calendar can hold tens of thousands of objects, and a
    // full listing names each of them.
    let mut known: HashMap<&str, &Held<'_>> = HashMap::with_capacity(held.len());
    let mut unacknowledged: HashMap<&str, &Held<'_>> = HashMap::new();
    for h in held {
        match h.remote_id {
            Some(id) => {
                known.entry(id).or_insert(h);
            }
            None => {
                unacknowledged.entry(h.intended_id).or_insert(h);
            }
        }
    }
    let by_remote_id = |id: &str| known.get(id).or_else(|| unacknowledged.get(id)).copied();

    let (changed, deleted): (&[Reported<'_>], Vec<&str>) = match remote {
        RemoteView::Unchanged => (&[], Vec::new()),
        RemoteView::Delta { changed, deleted } => (changed, deleted.clone()),
        RemoteView::Full(items) => {
            let listed: HashSet<&str> = items.iter().map(|r| r.id).collect();
            let gone = held
                .iter()
                .filter_map(|h| h.remote_id)
                .filter(|id| !listed.contains(id))
                .collect();
            (items, gone)
        }
    };

    for (index, r) in changed.iter().enumerate() {
        let Some(h) = by_remote_id(r.id) else {
            if ways.pull {
                actions.push(Action::PullInsert { remote: index });
            }
            continue;
        };
        if h.in_conflict {
            settled.insert(h.object);
            continue;
        }
        let unchanged = h.remote_id.is_some() && r.etag.is_some() && r.etag == h.etag;
        if unchanged {
            continue;
        }
        match h.pending {
            Pending::Nothing => {
                if ways.pull {
                    actions.push(Action::PullUpdate {
                        object: h.object,
                        remote: index,
                    });
                }
            }
            // The server already has exactly our pending text: a push whose answer
            // was lost (or the same edit made on both sides). Nothing to merge.
            Pending::Create | Pending::Update if h.local_hash == Some(r.hash) => {
                actions.push(Action::Adopt {
                    object: h.object,
                    remote: index,
                });
            }
            // Our own push whose answer was lost, changed here again since: not a
            // conflict with ourselves. The newer change goes on top of it.
            Pending::Create | Pending::Update | Pending::Delete
                if h.sent_hashes.contains(&r.hash) =>
            {
                actions.push(Action::Rebase {
                    object: h.object,
                    remote: index,
                });
                rebased.insert(h.object);
                continue;
            }
            Pending::Create | Pending::Update | Pending::Delete => {
                actions.push(Action::Conflict {
                    object: h.object,
                    remote: Some(index),
                });
            }
        }
        settled.insert(h.object);
    }

    for id in deleted {
        let Some(h) = known.get(id).copied() else {
            continue;
        };
        if h.in_conflict {
            settled.insert(h.object);
            continue;
        }
        match h.pending {
            Pending::Nothing => {
                if ways.pull {
                    actions.push(Action::PullDelete { object: h.object });
                }
            }
            Pending::Delete => actions.push(Action::Forget { object: h.object }),
            // Our own delete whose answer was lost, made again here since: not a
            // conflict with ourselves, a new creation.
            Pending::Update | Pending::Create if h.sent_hashes.contains(&SENT_DELETE) => {
                actions.push(Action::Recreate { object: h.object });
                recreated.insert(h.object);
                continue;
            }
            // Edited here, deleted there (a creation was never there to delete).
            Pending::Update | Pending::Create => actions.push(Action::Conflict {
                object: h.object,
                remote: None,
            }),
        }
        settled.insert(h.object);
    }

    if ways.push {
        for h in held {
            if h.in_conflict || settled.contains(&h.object) {
                continue;
            }
            match h.pending {
                Pending::Nothing => {}
                _ if recreated.contains(&h.object) => {
                    actions.push(Action::PushCreate { object: h.object })
                }
                // Rebased: the server has it now, so it is updated there.
                Pending::Create if rebased.contains(&h.object) => {
                    actions.push(Action::PushUpdate { object: h.object })
                }
                Pending::Create => actions.push(Action::PushCreate { object: h.object }),
                Pending::Update => actions.push(Action::PushUpdate { object: h.object }),
                Pending::Delete => actions.push(Action::PushDelete { object: h.object }),
            }
        }
    }
    actions
}

/// How many objects the plan deletes here (for the mass-deletion guard).
pub fn pull_deletes(actions: &[Action]) -> usize {
    actions
        .iter()
        .filter(|a| matches!(a, Action::PullDelete { .. }))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held<'a>(
        object: i64,
        remote_id: Option<&'a str>,
        etag: Option<&'a str>,
        pending: Pending,
    ) -> Held<'a> {
        Held {
            object,
            remote_id,
            intended_id: remote_id.unwrap_or("new.ics"),
            etag,
            pending,
            local_hash: Some(7),
            sent_hashes: &[],
            in_conflict: false,
        }
    }

    fn rep<'a>(id: &'a str, etag: &'a str) -> Reported<'a> {
        Reported {
            id,
            etag: Some(etag),
            hash: 1,
        }
    }

    #[test]
    fn remote_changes_are_pulled_when_nothing_is_pending() {
        let h = [held(1, Some("a.ics"), Some("e1"), Pending::Nothing)];
        let view = RemoteView::Delta {
            changed: vec![rep("a.ics", "e2"), rep("b.ics", "e1")],
            deleted: vec![],
        };
        assert_eq!(
            plan(&h, &view, Ways::TWO_WAY),
            [
                Action::PullUpdate {
                    object: 1,
                    remote: 0
                },
                Action::PullInsert { remote: 1 }
            ]
        );
    }

    #[test]
    fn the_same_etag_is_no_change() {
        let h = [held(1, Some("a.ics"), Some("e1"), Pending::Nothing)];
        let view = RemoteView::Full(vec![rep("a.ics", "e1")]);
        assert!(plan(&h, &view, Ways::TWO_WAY).is_empty());
    }

    #[test]
    fn a_local_change_with_the_remote_unchanged_is_pushed_in_outbox_order() {
        let h = [
            held(3, Some("c.ics"), Some("e"), Pending::Delete),
            held(1, None, None, Pending::Create),
            held(2, Some("b.ics"), Some("e"), Pending::Update),
        ];
        let view = RemoteView::Full(vec![rep("c.ics", "e"), rep("b.ics", "e")]);
        assert_eq!(
            plan(&h, &view, Ways::TWO_WAY),
            [
                Action::PushDelete { object: 3 },
                Action::PushCreate { object: 1 },
                Action::PushUpdate { object: 2 }
            ]
        );
    }

    #[test]
    fn a_local_edit_meeting_a_remote_edit_is_a_conflict_not_a_push() {
        let h = [held(1, Some("a.ics"), Some("e1"), Pending::Update)];
        let view = RemoteView::Delta {
            changed: vec![rep("a.ics", "e2")],
            deleted: vec![],
        };
        assert_eq!(
            plan(&h, &view, Ways::TWO_WAY),
            [Action::Conflict {
                object: 1,
                remote: Some(0)
            }]
        );
    }

    #[test]
    fn deleted_there_edited_here_is_a_conflict_and_deleted_on_both_sides_is_forgotten() {
        let h = [
            held(1, Some("a.ics"), Some("e"), Pending::Update),
            held(2, Some("b.ics"), Some("e"), Pending::Delete),
            held(3, Some("c.ics"), Some("e"), Pending::Nothing),
        ];
        let view = RemoteView::Delta {
            changed: vec![],
            deleted: vec!["a.ics", "b.ics", "c.ics", "unknown.ics"],
        };
        assert_eq!(
            plan(&h, &view, Ways::TWO_WAY),
            [
                Action::Conflict {
                    object: 1,
                    remote: None
                },
                Action::Forget { object: 2 },
                Action::PullDelete { object: 3 }
            ]
        );
    }

    #[test]
    fn a_full_listing_deletes_what_it_does_not_name_but_never_an_unpushed_creation() {
        let h = [
            held(1, Some("a.ics"), Some("e"), Pending::Nothing),
            held(2, None, None, Pending::Create),
        ];
        let view = RemoteView::Full(vec![]);
        assert_eq!(
            plan(&h, &view, Ways::TWO_WAY),
            [
                Action::PullDelete { object: 1 },
                Action::PushCreate { object: 2 }
            ]
        );
        assert_eq!(pull_deletes(&plan(&h, &view, Ways::TWO_WAY)), 1);
    }

    #[test]
    fn our_creation_already_on_the_server_is_adopted_or_else_a_conflict() {
        let mut mine = held(1, None, None, Pending::Create);
        mine.intended_id = "a.ics";
        let same = Reported {
            id: "a.ics",
            etag: Some("e1"),
            hash: 7,
        };
        assert_eq!(
            plan(&[mine], &RemoteView::Full(vec![same]), Ways::TWO_WAY),
            [Action::Adopt {
                object: 1,
                remote: 0
            }]
        );
        let other = Reported { hash: 8, ..same };
        assert_eq!(
            plan(&[mine], &RemoteView::Full(vec![other]), Ways::TWO_WAY),
            [Action::Conflict {
                object: 1,
                remote: Some(0)
            }]
        );
    }

    #[test]
    fn an_edit_already_on_the_server_is_adopted() {
        let h = held(1, Some("a.ics"), Some("e1"), Pending::Update);
        let same = Reported {
            id: "a.ics",
            etag: Some("e2"),
            hash: 7,
        };
        assert_eq!(
            plan(&[h], &RemoteView::Full(vec![same]), Ways::TWO_WAY),
            [Action::Adopt {
                object: 1,
                remote: 0
            }]
        );
    }

    #[test]
    fn our_lost_push_then_edited_again_is_rebased_not_a_conflict() {
        // Sent hash 5, answer lost; edited again here (local hash 7).
        let mut h = held(1, Some("a.ics"), Some("e1"), Pending::Update);
        h.sent_hashes = &[3, 5];
        let ours = Reported {
            id: "a.ics",
            etag: Some("e2"),
            hash: 5,
        };
        assert_eq!(
            plan(&[h], &RemoteView::Full(vec![ours]), Ways::TWO_WAY),
            [
                Action::Rebase {
                    object: 1,
                    remote: 0
                },
                Action::PushUpdate { object: 1 }
            ]
        );
        // Deleted here after the lost push: the delete goes on top.
        h.pending = Pending::Delete;
        assert_eq!(
            plan(&[h], &RemoteView::Full(vec![ours]), Ways::TWO_WAY)[1],
            Action::PushDelete { object: 1 }
        );
        // A creation whose answer was lost, edited again: an update of it now.
        let mut created = held(2, None, None, Pending::Create);
        created.intended_id = "b.ics";
        created.sent_hashes = &[5];
        let landed = Reported {
            id: "b.ics",
            ..ours
        };
        assert_eq!(
            plan(&[created], &RemoteView::Full(vec![landed]), Ways::TWO_WAY),
            [
                Action::Rebase {
                    object: 2,
                    remote: 0
                },
                Action::PushUpdate { object: 2 }
            ]
        );
        // Someone else's version (another hash) is still a conflict.
        let theirs = Reported { hash: 9, ..ours };
        h.pending = Pending::Update;
        assert_eq!(
            plan(&[h], &RemoteView::Full(vec![theirs]), Ways::TWO_WAY),
            [Action::Conflict {
                object: 1,
                remote: Some(0)
            }]
        );
    }

    #[test]
    fn our_lost_delete_then_made_again_is_a_new_creation_not_a_conflict() {
        let mut h = held(1, Some("a.ics"), Some("e1"), Pending::Update);
        h.sent_hashes = &[SENT_DELETE];
        let view = RemoteView::Delta {
            changed: vec![],
            deleted: vec!["a.ics"],
        };
        assert_eq!(
            plan(&[h], &view, Ways::TWO_WAY),
            [
                Action::Recreate { object: 1 },
                Action::PushCreate { object: 1 }
            ]
        );
        // Deleted by someone else: still a conflict.
        h.sent_hashes = &[4];
        assert_eq!(
            plan(&[h], &view, Ways::TWO_WAY),
            [Action::Conflict {
                object: 1,
                remote: None
            }]
        );
    }

    #[test]
    fn an_object_in_conflict_waits() {
        let mut h = held(1, Some("a.ics"), Some("e1"), Pending::Update);
        h.in_conflict = true;
        let view = RemoteView::Delta {
            changed: vec![rep("a.ics", "e3")],
            deleted: vec![],
        };
        assert!(plan(&[h], &view, Ways::TWO_WAY).is_empty());
        assert!(plan(&[h], &RemoteView::Unchanged, Ways::TWO_WAY).is_empty());
    }

    #[test]
    fn directions_limit_the_plan() {
        let h = [
            held(1, Some("a.ics"), Some("e1"), Pending::Nothing),
            held(2, Some("b.ics"), Some("e1"), Pending::Update),
        ];
        let view = RemoteView::Delta {
            changed: vec![rep("a.ics", "e2"), rep("new.ics", "e1")],
            deleted: vec![],
        };
        let pull_only = Ways {
            pull: true,
            push: false,
        };
        assert_eq!(
            plan(&h, &view, pull_only),
            [
                Action::PullUpdate {
                    object: 1,
                    remote: 0
                },
                Action::PullInsert { remote: 1 }
            ]
        );
        let push_only = Ways {
            pull: false,
            push: true,
        };
        assert_eq!(
            plan(&h, &view, push_only),
            [Action::PushUpdate { object: 2 }]
        );
    }
}
