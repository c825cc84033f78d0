//! One two-way sync of one calendar through the provider port: pull → plan → apply →
//! push.
//!
//! 1. **Pull**: the changes since the calendar's stored token (a refused token gets a
//!    full listing, reconciled by identity: no duplicates).
//! 2. **Plan**: [`traycal_core::sync_plan::plan`] over the objects the mirror holds
//!    (in outbox order) and what the server reported.
//! 3. **Apply**: pulled objects become the agreed versions, remote deletions remove
//!    theirs, conflicts keep base, local and remote ([`Mirror::record_conflict`]).
//!    The token is stored only after everything pulled is applied, so a crash makes
//!    the next sync ask again rather than miss a change.
//! 4. **Push**: each pending operation with its precondition (create-only, or the
//!    agreed etag). A precondition failure is never retried blindly: the server's
//!    version is fetched and the change becomes a conflict. A transient failure
//!    (rate limit, network, server error) keeps the entry for later, never sooner than
//!    the server's `Retry-After`, and stops this sync's pushes so the order holds.
//!
//! Invariants: a local change is never overwritten or dropped by a sync (the store
//! refuses to pull over a pending change); every step is its own transaction, so a
//! crash at any point leaves the mirror consistent and the next sync converges (a
//! creation whose answer was lost is recognised on the server by its id and content).

use std::time::Duration;

use foldhash::{HashMap, HashSet};

use traycal_core::ics::content_hash;
use traycal_core::sync_counts::SyncCounts;
use traycal_core::sync_plan::{
    self, Action, Held, MassDeletion, Pending, RemoteView, Reported, Ways,
};
use traycal_providers::{
    next_attempt_delay, CalendarProvider, ChangeToken, Changes, ProviderError, ProviderErrorKind,
    RemoteItem, WritePrecondition,
};
use traycal_store::{
    CalendarId, CalendarRow, LocalChange, Mirror, NewSource, ObjectKey, ObjectState, OutboxEntry,
    OutboxOp, PulledObject, Recorded, RemoteObject, SourceKind, SyncDirection,
};

use crate::error::{EngineError, Result};
use crate::object_rows::ObjectRows;
use crate::reconcile;
use crate::sync::MassDeletionChoice;
use crate::Engine;

/// What one two-way sync did.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct TwoWayReport {
    /// Objects taken from the server (`added`: new here, `updated`: changed there),
    /// deleted here because the server deleted them (`removed`), local changes the
    /// server took (`pushed`) and conflicts found, both versions kept (`conflicts`).
    pub counts: SyncCounts,
    /// Local changes left for a later sync after a transient failure.
    pub deferred: u64,
    /// Local edits that met a server change of other properties: merged over the
    /// agreed version, and the merge pushed (no conflict to resolve).
    pub merged: u64,
    /// Whether the server refused the stored token and everything was listed again.
    pub relisted: bool,
    /// Items the daily full listing found changed or deleted that the change token
    /// had not reported.
    pub reconciled: u64,
    /// Items of the server that could not be read and were left out (one bad item
    /// never sinks the calendar; a sync with one is not clean).
    pub failed: u64,
    /// What was wrong with each of them, and each push that failed, naming the item.
    pub problems: Vec<String>,
}

/// The id a creation is pushed under: derived from the UID, so a push whose answer
/// was lost is recognised on the server.
pub fn intended_id(uid: &str) -> String {
    let mut id: String = uid
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@') {
                c
            } else {
                '_'
            }
        })
        .collect();
    id.push_str(".ics");
    id
}

/// How long a failed push waits, honouring the server's `Retry-After`.
fn push_delay(attempts: i64, err: &ProviderError) -> i64 {
    let failures = u32::try_from(attempts.saturating_add(1)).unwrap_or(u32::MAX);
    let delay = next_attempt_delay(failures, Duration::from_secs(300), err.retry_after(), 0.5);
    i64::try_from(delay.as_secs()).unwrap_or(i64::MAX)
}

impl Engine {
    /// Adds a calendar of an account (a CalDAV collection, a Google or Microsoft
    /// calendar): `remote_calendar` is its id at the provider.
    pub async fn add_account_calendar(
        &self,
        kind: SourceKind,
        account: &str,
        remote_calendar: &str,
        name: &str,
        read_only: bool,
    ) -> Result<CalendarId> {
        if kind == SourceKind::Ics {
            return Err(EngineError::InvalidInput(
                "a feed is added with add_ics, not as an account".into(),
            ));
        }
        let now = self.now();
        let (account, remote, name) = (
            account.to_owned(),
            remote_calendar.to_owned(),
            name.to_owned(),
        );
        self.with_mirror(move |m| {
            let source = m.add_source(&NewSource {
                kind,
                name: account.clone(),
                url_display: account,
                url: None,
                secret_ref: None,
                interval_secs: 300,
                max_bytes: 20 << 20,
                filters_json: "{}".into(),
                enabled: true,
                color: None,
                created_at: now,
            })?;
            Ok(m.add_calendar(source, Some(&remote), &name, None, read_only)?)
        })
        .await
    }

    /// Records a local create or edit (`text`: the object's new VCALENDAR text) or
    /// delete (`None`) of the object `uid` in `calendar`: shown at once, pushed by the
    /// next sync.
    pub async fn record_local_object(
        &self,
        calendar: CalendarId,
        uid: &str,
        text: Option<String>,
    ) -> Result<Recorded> {
        let mut recorded = self
            .record_local_objects(calendar, vec![(uid.to_owned(), text)])
            .await?;
        recorded
            .pop()
            .ok_or_else(|| EngineError::Internal("nothing was recorded".into()))
    }

    /// Records local changes of several objects of `calendar` in one transaction
    /// (a series cut in two: both halves, or neither, after a crash).
    pub async fn record_local_objects(
        &self,
        calendar: CalendarId,
        changes: Vec<(String, Option<String>)>,
    ) -> Result<Vec<Recorded>> {
        Ok(self
            .record_local_objects_undoable(calendar, changes)
            .await?
            .0)
    }

    /// [`Engine::record_local_objects`], remembering what the changes replaced for
    /// [`Engine::undo`]; returns the id that undoes them too.
    pub(crate) async fn record_local_objects_undoable(
        &self,
        calendar: CalendarId,
        changes: Vec<(String, Option<String>)>,
    ) -> Result<(Vec<Recorded>, i64)> {
        self.record_local_objects_expecting(calendar, changes, None)
            .await
    }

    /// [`Engine::record_local_objects_undoable`], refused (nothing written) unless each
    /// object's current text is the one `expect` gives for it, checked in the same
    /// transaction as the write: no pull can slip in between ([`Engine::undo`]).
    pub(crate) async fn record_local_objects_expecting(
        &self,
        calendar: CalendarId,
        changes: Vec<(String, Option<String>)>,
        expect: Option<Vec<Option<String>>>,
    ) -> Result<(Vec<Recorded>, i64)> {
        let now = self.now();
        let window = self.window(now);
        let budget = self.max_occurrences();
        self.with_mirror(move |m| {
            let mut built: Vec<Option<ObjectRows>> = Vec::with_capacity(changes.len());
            for (uid, text) in &changes {
                built.push(match text {
                    Some(t) => {
                        let rows = ObjectRows::build(t, window, now, budget)?;
                        if rows.uid() != uid {
                            return Err(EngineError::InvalidInput(format!(
                                "the event's text has UID {}, not {uid}",
                                rows.uid()
                            )));
                        }
                        Some(rows)
                    }
                    None => None,
                });
            }
            let mut local = Vec::with_capacity(changes.len());
            let mut touched = Vec::with_capacity(changes.len());
            for ((uid, text), rows) in changes.iter().zip(&built) {
                let key = ObjectKey {
                    calendar,
                    uid,
                    instance: "",
                };
                let before = m
                    .remote_object(&key)?
                    .and_then(|o| o.current().map(str::to_owned));
                if let Some(expected) = expect.as_ref() {
                    if expected.get(touched.len()) != Some(&before) {
                        return Err(crate::undo::changed_since(uid));
                    }
                }
                touched.push(crate::undo::Touched {
                    uid: uid.clone(),
                    before,
                    after: text.clone(),
                });
                let upserts = rows.as_ref().map(|r| r.writes()).unwrap_or_default();
                let deletes = m.rows_of_object_not_in(&key, &upserts)?;
                let occurrences = rows.as_ref().map(|r| r.occurrences()).unwrap_or(
                    traycal_store::SeriesOccurrences {
                        uid,
                        occurrences: Vec::new(),
                    },
                );
                local.push(LocalChange {
                    key,
                    text: text.as_deref(),
                    upserts,
                    deletes,
                    occurrences,
                });
            }
            Ok((m.record_local_changes(&local, now)?, touched))
        })
        .await
        .map(|(recorded, touched)| (recorded, self.remember(calendar, touched)))
    }

    /// One two-way sync of `calendar` through `provider`: pull → plan → apply → push.
    /// A sync that would delete most of the calendar stops and asks (see
    /// [`Engine::sync_two_way_deciding`]).
    pub async fn sync_two_way<P: CalendarProvider>(
        &self,
        provider: &P,
        calendar: CalendarId,
    ) -> Result<TwoWayReport> {
        self.sync_two_way_deciding(provider, calendar, MassDeletionChoice::Ask)
            .await
    }

    /// [`Engine::sync_two_way`] with the user's answer to a mass deletion: a sync
    /// that would delete more than half of the calendar's objects and more than
    /// [`sync_plan::MASS_DELETION_MIN`] is held ([`EngineError::MassDeletion`], nothing changed)
    /// unless `deletions` applies them or keeps the events.
    pub async fn sync_two_way_deciding<P: CalendarProvider>(
        &self,
        provider: &P,
        calendar: CalendarId,
        deletions: MassDeletionChoice,
    ) -> Result<TwoWayReport> {
        let row = self.with_mirror(move |m| calendar_row(m, calendar)).await?;
        let remote_calendar = row.remote_href.clone().ok_or_else(|| {
            EngineError::InvalidInput(format!("calendar {} is not an account's", calendar.0))
        })?;
        let ways = Ways {
            pull: row.direction != SyncDirection::PushOnly,
            push: row.direction != SyncDirection::PullOnly && !row.read_only,
        };
        let mut report = TwoWayReport::default();

        // 1. Pull.
        let token = row.change_token.clone().map(ChangeToken::new);
        let changes = match provider.changes(&remote_calendar, token.as_ref()).await {
            Err(e) if e.kind() == ProviderErrorKind::ChangeTokenInvalid => {
                report.relisted = true;
                provider.changes(&remote_calendar, None).await?
            }
            other => other?,
        };
        let (objects, outbox) = self
            .with_mirror(move |m| Ok((m.remote_objects(calendar)?, m.outbox(Some(calendar))?)))
            .await?;
        // A listing (a server without change tokens) is complete: the daily one is
        // not needed after it.
        let mut listed_in_full = false;
        let (mut items, mut view_kind, mut deleted, next_token) = match changes {
            Changes::NotModified { next_token } => {
                (Vec::new(), ViewKind::Unchanged, Vec::new(), next_token)
            }
            Changes::Snapshot { items, next_token } => {
                listed_in_full = true;
                (items, ViewKind::Full, Vec::new(), next_token)
            }
            Changes::Listing {
                versions,
                next_token,
            } => {
                listed_in_full = true;
                let none = HashSet::default();
                let found = reconcile::compare(
                    provider,
                    &remote_calendar,
                    &objects,
                    &versions,
                    &none,
                    &none,
                )
                .await?;
                (found.changed, ViewKind::Delta, found.deleted, next_token)
            }
            Changes::Delta {
                changed,
                deleted,
                next_token,
            } => (changed, ViewKind::Delta, deleted, next_token),
        };
        // Once a day, the full etag listing: what a token missed joins the delta.
        let listing_due = ways.pull && reconcile::listing_due(&row, self.now());
        let listed_now = listing_due || listed_in_full;
        let listed_at = self.now();
        if listing_due && !listed_in_full {
            let found = {
                let changed: HashSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
                let gone: HashSet<&str> = deleted.iter().map(String::as_str).collect();
                reconcile::list_and_compare(provider, &remote_calendar, &objects, &changed, &gone)
                    .await?
            };
            if !found.changed.is_empty() || !found.deleted.is_empty() {
                report.reconciled = (found.changed.len() + found.deleted.len()) as u64;
                items.extend(found.changed);
                deleted.extend(found.deleted);
                view_kind = ViewKind::Delta;
            }
        }

        // 2. Plan.
        let ordered = in_outbox_order(&objects, &outbox);
        let intended: Vec<String> = ordered.iter().map(|o| intended_id(&o.uid)).collect();
        let sent: HashMap<i64, Vec<u64>> = outbox
            .iter()
            .map(|e| {
                let hashes = e.sent_hashes.iter().map(|h| *h as u64).collect();
                (e.object.id.0, hashes)
            })
            .collect();
        let queued: HashMap<i64, OutboxOp> = outbox.iter().map(|e| (e.object.id.0, e.op)).collect();
        let held: Vec<Held<'_>> = ordered
            .iter()
            .zip(&intended)
            .map(|(o, id)| Held {
                object: o.id.0,
                remote_id: o.remote_id.as_deref(),
                intended_id: id,
                etag: o.etag.as_deref(),
                pending: pending_of(o, queued.get(&o.id.0).copied()),
                local_hash: o.local_raw.as_deref().map(content_hash),
                sent_hashes: sent.get(&o.id.0).map(Vec::as_slice).unwrap_or(&[]),
                in_conflict: o.state == ObjectState::Conflict,
            })
            .collect();
        let reported: Vec<Reported<'_>> = items
            .iter()
            .map(|i| Reported {
                id: &i.id,
                etag: i.etag.as_deref(),
                hash: content_hash(&i.body),
            })
            .collect();
        let view = match view_kind {
            ViewKind::Unchanged => RemoteView::Unchanged,
            ViewKind::Full => RemoteView::Full(reported),
            ViewKind::Delta => RemoteView::Delta {
                changed: reported,
                deleted: deleted.iter().map(String::as_str).collect(),
            },
        };
        let mut actions = sync_plan::plan(&held, &view, ways);
        let deleting = sync_plan::pull_deletes(&actions) as u64;
        if let Some(mass) = MassDeletion::check(deleting, objects.len() as u64) {
            match deletions {
                MassDeletionChoice::Ask => {
                    return Err(EngineError::MassDeletion {
                        source_id: row.source_id.0,
                        source_name: row.name.clone(),
                        deleting: mass.deleting,
                        upcoming: mass.upcoming,
                        from_feed: false,
                    })
                }
                MassDeletionChoice::Keep => {
                    actions.retain(|a| !matches!(a, Action::PullDelete { .. }));
                }
                MassDeletionChoice::Apply => {}
            }
        }

        // 3. Apply what was pulled, then keep the token.
        let objects_by_id: HashMap<i64, &RemoteObject> =
            ordered.iter().map(|o| (o.id.0, *o)).collect();
        let by_id = |id: i64| objects_by_id.get(&id).copied();
        let mut pushes: Vec<Action> = Vec::new();
        let mut pulled_now: HashSet<i64> = HashSet::default();
        // Which of the server's ids it still has, as far as this pull tells.
        let still_there: std::sync::Arc<dyn Fn(&str) -> bool + Send + Sync> = match view_kind {
            ViewKind::Full => {
                let listed: HashSet<String> = items.iter().map(|i| i.id.clone()).collect();
                std::sync::Arc::new(move |id: &str| listed.contains(id))
            }
            ViewKind::Delta | ViewKind::Unchanged => {
                let gone: HashSet<String> = deleted.iter().cloned().collect();
                std::sync::Arc::new(move |id: &str| !gone.contains(id))
            }
        };
        // Every item pulled goes in first, in one transaction.
        let pulls: Vec<(bool, usize)> = actions
            .iter()
            .filter_map(|a| match *a {
                Action::PullInsert { remote } => Some((true, remote)),
                Action::PullUpdate { remote, .. } => Some((false, remote)),
                _ => None,
            })
            .collect();
        if !pulls.is_empty() {
            let batch: Vec<RemoteItem> = pulls.iter().map(|&(_, r)| items[r].clone()).collect();
            let written = self
                .apply_pulls(calendar, batch, still_there.clone())
                .await?;
            for (&(insert, _), written) in pulls.iter().zip(written) {
                match written {
                    Ok(id) => {
                        pulled_now.insert(id.0);
                        if insert {
                            report.counts.added += 1;
                        } else {
                            report.counts.updated += 1;
                        }
                    }
                    // An unreadable item is reported and left out; the rest syncs.
                    Err(EngineError::InvalidInput(problem)) => {
                        report.failed += 1;
                        report.problems.push(problem);
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        for action in &actions {
            match *action {
                Action::PullInsert { .. } | Action::PullUpdate { .. } => {}
                // Taken over by an item of this pull under its new id (renamed on the
                // server): not deleted.
                Action::PullDelete { object } if pulled_now.contains(&object) => {}
                Action::PullDelete { object } => {
                    let now = self.now();
                    self.with_mirror(move |m| {
                        Ok(m.record_remote_deletion(traycal_store::ObjectId(object), now)?)
                    })
                    .await?;
                    report.counts.removed += 1;
                }
                Action::Adopt { object, remote } => {
                    let o = by_id(object).cloned();
                    let item = items[remote].clone();
                    let now = self.now();
                    self.with_mirror(move |m| {
                        let local = o.as_ref().and_then(|o| o.local_raw.clone());
                        Ok(m.record_pushed(
                            traycal_store::ObjectId(object),
                            local.as_deref(),
                            &item.id,
                            item.etag.as_deref(),
                            now,
                        )?)
                    })
                    .await?;
                    report.counts.pushed += 1;
                }
                // Our own lost push: it is the base now; the newer change is pushed
                // below, against the server's etag of it.
                Action::Rebase { object, remote } => {
                    let item = items[remote].clone();
                    let now = self.now();
                    self.with_mirror(move |m| {
                        Ok(m.record_pushed(
                            traycal_store::ObjectId(object),
                            Some(&item.body),
                            &item.id,
                            item.etag.as_deref(),
                            now,
                        )?)
                    })
                    .await?;
                }
                // Our own lost delete, made again here: a new creation, pushed below.
                Action::Recreate { object } => {
                    let now = self.now();
                    self.with_mirror(move |m| {
                        Ok(m.record_pushed(traycal_store::ObjectId(object), None, "", None, now)?)
                    })
                    .await?;
                }
                Action::Forget { object } => {
                    let now = self.now();
                    self.with_mirror(move |m| {
                        Ok(m.record_pushed(traycal_store::ObjectId(object), None, "", None, now)?)
                    })
                    .await?;
                }
                Action::Conflict { object, remote } => {
                    let item = remote.map(|r| items[r].clone());
                    if self.merge_or_keep_conflict(object, item, ways.push).await? {
                        // Merged: the edit goes out on top of the server's version now.
                        report.merged += 1;
                        pushes.push(Action::PushUpdate { object });
                    } else {
                        report.counts.conflicts += 1;
                    }
                }
                Action::PushCreate { .. }
                | Action::PushUpdate { .. }
                | Action::PushDelete { .. } => pushes.push(*action),
            }
        }
        let token = next_token.into_string();
        self.with_mirror(move |m| {
            m.set_change_token(calendar, Some(&token))?;
            if listed_now {
                m.set_listed_at(calendar, Some(listed_at))?;
            }
            Ok(())
        })
        .await?;

        // 4. Push, in outbox order; a transient failure stops the rest. The objects
        // are read again: the pull may have moved their base (a rebase).
        let outbox = if pushes.is_empty() {
            Vec::new()
        } else {
            self.with_mirror(move |m| Ok(m.outbox(Some(calendar))?))
                .await?
        };
        for action in pushes {
            let (Action::PushCreate { object: id }
            | Action::PushUpdate { object: id }
            | Action::PushDelete { object: id }) = action
            else {
                continue;
            };
            let Some(entry) = outbox.iter().find(|e| e.object.id.0 == id) else {
                continue;
            };
            let object = entry.object.clone();
            let entry = Some(entry);
            let now = self.now();
            if entry
                .and_then(|e| e.next_attempt_at)
                .is_some_and(|t| t > now)
            {
                report.deferred += 1;
                continue;
            }
            let sent = entry.map(|e| e.sent_hashes.clone()).unwrap_or_default();
            match self
                .push_one(provider, &remote_calendar, action, &object, &sent)
                .await
            {
                Ok(PushOutcome::Done) => report.counts.pushed += 1,
                Ok(PushOutcome::Conflict) => report.counts.conflicts += 1,
                Ok(PushOutcome::Later) => report.deferred += 1,
                Ok(PushOutcome::Merged) => report.merged += 1,
                Err(e) => {
                    let attempts = entry.map(|e| e.attempts).unwrap_or(0);
                    let at = now.saturating_add(push_delay(attempts, &e));
                    let (message, code) = (e.message().to_owned(), e.code());
                    // Said where the user looks (the sync's notes), naming the event:
                    // the change is kept and tried again, but it is not on the server.
                    report.problems.push(format!(
                        "event {}: not sent yet, tried again later: {message}",
                        object.uid
                    ));
                    let id = object.id;
                    self.with_mirror(move |m| Ok(m.record_push_failed(id, &message, code, at)?))
                        .await?;
                    report.deferred += 1;
                    if e.is_transient() {
                        break;
                    }
                }
            }
        }
        Ok(report)
    }

    /// Takes one server item in (see [`Engine::apply_pulls`]).
    async fn apply_pull(
        &self,
        calendar: CalendarId,
        item: &RemoteItem,
        still_there: std::sync::Arc<dyn Fn(&str) -> bool + Send + Sync>,
    ) -> Result<traycal_store::ObjectId> {
        self.apply_pulls(calendar, vec![item.clone()], still_there)
            .await?
            .pop()
            .unwrap_or_else(|| Err(EngineError::Internal("nothing was pulled".into())))
    }

    /// Takes the server's items in, in one transaction: each becomes the agreed
    /// version of its object (by UID), its rows and occurrences rebuilt. An item that
    /// cannot be read, that the server holds twice, or whose event has a change here
    /// not yet sent is left out with its reason (`InvalidInput`), and the rest goes
    /// in. One transaction for all: a first sync of thousands of items costs one
    /// commit, not thousands.
    async fn apply_pulls(
        &self,
        calendar: CalendarId,
        items: Vec<RemoteItem>,
        still_there: std::sync::Arc<dyn Fn(&str) -> bool + Send + Sync>,
    ) -> Result<Vec<Result<traycal_store::ObjectId>>> {
        let now = self.now();
        let window = self.window(now);
        let budget = self.max_occurrences();
        self.with_mirror(move |m| {
            let mut checked: Vec<Result<ObjectRows>> = Vec::with_capacity(items.len());
            // The first item of a UID in this batch, by UID: a second one is the same
            // event held twice by the server.
            let mut first_of: HashMap<String, String> = HashMap::default();
            let built = build_rows(&items, window, now, budget);
            for (item, rows) in items.iter().zip(built) {
                let rows = rows.and_then(|rows| check_pull(m, calendar, item, rows, &*still_there));
                let rows = match rows {
                    Ok(r) => match first_of.get(r.uid()) {
                        Some(other) => Err(EngineError::InvalidInput(format!(
                            "the server holds event {} twice, as {other} and as {}: {} is \
                             left out",
                            r.uid(),
                            item.id,
                            item.id
                        ))),
                        None => {
                            first_of.insert(r.uid().to_owned(), item.id.clone());
                            Ok(r)
                        }
                    },
                    Err(e) => Err(e),
                };
                checked.push(rows);
            }
            let pulled: Vec<PulledObject<'_>> = items
                .iter()
                .zip(&checked)
                .filter_map(|(item, rows)| {
                    let rows = rows.as_ref().ok()?;
                    Some(PulledObject {
                        key: ObjectKey {
                            calendar,
                            uid: rows.uid(),
                            instance: "",
                        },
                        remote_id: &item.id,
                        etag: item.etag.as_deref(),
                        text: &item.body,
                        upserts: rows.writes(),
                        occurrences: rows.occurrences(),
                    })
                })
                .collect();
            let mut ids = m.record_pulled_many(&pulled, now)?.into_iter();
            Ok(checked
                .into_iter()
                .map(|rows| match rows {
                    Ok(_) => ids
                        .next()
                        .ok_or_else(|| EngineError::Internal("a pulled item went missing".into())),
                    Err(e) => Err(e),
                })
                .collect())
        })
        .await
    }

    /// Records a conflict of `object` with the server's version (`None`: deleted).
    async fn keep_conflict(&self, object: i64, remote: Option<RemoteItem>) -> Result<()> {
        let now = self.now();
        self.with_mirror(move |m| {
            m.record_conflict(
                traycal_store::ObjectId(object),
                remote.as_ref().map(|r| r.body.as_str()),
                remote.as_ref().and_then(|r| r.etag.as_deref()),
                now,
            )?;
            Ok(())
        })
        .await
    }

    /// A pending local change met the server's version `remote` (`None`: deleted
    /// there). An edit is merged with it over the agreed base when nothing clashes
    /// (`core::edit::merge_object`): the server's version becomes the base and the
    /// merge the edit to push, so both changes reach the server. Otherwise (a clash,
    /// a deletion on either side, a creation, a text that cannot be read whole) both
    /// versions are kept as a conflict; so too when the calendar is not pushed to
    /// (`may_push`) or the server's version has no etag to write it against. `true`
    /// when merged.
    async fn merge_or_keep_conflict(
        &self,
        object: i64,
        remote: Option<RemoteItem>,
        may_push: bool,
    ) -> Result<bool> {
        let now = self.now();
        let window = self.window(now);
        let budget = self.max_occurrences();
        let body = remote
            .as_ref()
            .filter(|r| may_push && r.etag.is_some())
            .map(|r| (r.body.clone(), r.etag.clone()));
        let merged = self
            .with_mirror(move |m| {
                let o = m.remote_object_by_id(traycal_store::ObjectId(object))?;
                let (Some((remote_raw, remote_etag)), Some(base), Some(local)) =
                    (body, o.base_raw.as_deref(), o.local_raw.as_deref())
                else {
                    return Ok(false);
                };
                if o.state != ObjectState::Modified {
                    return Ok(false);
                }
                let Ok(traycal_core::edit::Merged::Clean(text)) =
                    traycal_core::edit::merge_object(base, local, &remote_raw)
                else {
                    return Ok(false);
                };
                let Ok(rows) = ObjectRows::build(&text, window, now, budget) else {
                    return Ok(false);
                };
                if rows.uid() != o.uid {
                    return Ok(false);
                }
                let key = ObjectKey {
                    calendar: o.calendar_id,
                    uid: &o.uid,
                    instance: "",
                };
                let upserts = rows.writes();
                let deletes = m.rows_of_object_not_in(&key, &upserts)?;
                let change = LocalChange {
                    key,
                    text: Some(&text),
                    upserts,
                    deletes,
                    occurrences: rows.occurrences(),
                };
                match m.record_merged(&change, local, &remote_raw, remote_etag.as_deref(), now) {
                    Ok(recorded) => Ok(recorded.is_some()),
                    // Changed meanwhile by another process (deleted, or the calendar
                    // made read-only): not merged, the conflict is kept.
                    Err(
                        traycal_store::StoreError::InvalidInput(_)
                        | traycal_store::StoreError::CalendarReadOnly { .. },
                    ) => Ok(false),
                    Err(e) => Err(e.into()),
                }
            })
            .await?;
        if !merged {
            self.keep_conflict(object, remote).await?;
        }
        Ok(merged)
    }

    /// Pushes one pending operation with its precondition.
    async fn push_one<P: CalendarProvider>(
        &self,
        provider: &P,
        remote_calendar: &str,
        action: Action,
        object: &RemoteObject,
        sent: &[i64],
    ) -> std::result::Result<PushOutcome, ProviderError> {
        let id = object
            .remote_id
            .clone()
            .unwrap_or_else(|| intended_id(&object.uid));
        let written = match action {
            Action::PushCreate { .. } | Action::PushUpdate { .. } => {
                let Some(text) = object.local_raw.as_deref() else {
                    return Ok(PushOutcome::Done);
                };
                let precondition = match (&object.etag, action) {
                    (Some(etag), Action::PushUpdate { .. }) => {
                        WritePrecondition::IfMatch(etag.clone())
                    }
                    _ => WritePrecondition::CreateOnly,
                };
                // Remembered before it goes: if the answer is lost, the next sync
                // knows this text on the server for ours.
                let hash = content_hash(text) as i64;
                let object_id = object.id;
                self.with_mirror(move |m| Ok(m.record_sending(object_id, hash)?))
                    .await
                    .map_err(local_failure)?;
                match provider
                    .put_item(remote_calendar, &id, text, &precondition)
                    .await
                {
                    Ok(w) => Some((Some(text.to_owned()), w.id, w.etag)),
                    Err(e) => {
                        return self
                            .after_refused_push(provider, remote_calendar, &id, object, sent, e)
                            .await
                    }
                }
            }
            Action::PushDelete { .. } => {
                // Never acknowledged (a creation whose answer was lost, then deleted
                // here): what the server holds is fetched and decided on, never
                // deleted without a version to match.
                let Some(etag) = object.etag.clone() else {
                    let unknown = ProviderError::from_kind(ProviderErrorKind::PreconditionFailed);
                    return self
                        .after_refused_push(provider, remote_calendar, &id, object, sent, unknown)
                        .await;
                };
                let object_id = object.id;
                self.with_mirror(move |m| {
                    Ok(m.record_sending(object_id, sync_plan::SENT_DELETE as i64)?)
                })
                .await
                .map_err(local_failure)?;
                match provider.delete_item(remote_calendar, &id, &etag).await {
                    Ok(()) => Some((None, id.clone(), None)),
                    // Already gone there: both sides agree.
                    Err(e) if e.kind() == ProviderErrorKind::NotFound => {
                        Some((None, id.clone(), None))
                    }
                    Err(e) => {
                        return self
                            .after_refused_push(provider, remote_calendar, &id, object, sent, e)
                            .await
                    }
                }
            }
            _ => None,
        };
        if let Some((pushed, remote_id, etag)) = written {
            let now = self.now();
            let object_id = object.id;
            let changed_there = pushed.is_some() && etag.is_none();
            let rid = remote_id.clone();
            self.with_mirror(move |m| {
                Ok(m.record_pushed(object_id, pushed.as_deref(), &rid, etag.as_deref(), now)?)
            })
            .await
            .map_err(|e| {
                ProviderError::from_kind(ProviderErrorKind::Local).with_detail(e.to_string())
            })?;
            if changed_there {
                self.take_server_copy(provider, remote_calendar, object, &remote_id)
                    .await;
            }
        }
        Ok(PushOutcome::Done)
    }

    /// A write the server answered without an ETag stored something other than what
    /// was sent (sabre/dav and Cyrus add `SCHEDULE-STATUS`, `DTSTAMP` …): its copy is
    /// fetched at once and becomes the agreed version with its etag, so the next edit
    /// goes out with `If-Match` instead of meeting a refusal. Best effort: if the fetch
    /// fails, the next sync pulls the copy as a change.
    async fn take_server_copy<P: CalendarProvider>(
        &self,
        provider: &P,
        remote_calendar: &str,
        object: &RemoteObject,
        id: &str,
    ) {
        let Ok(fetched) = provider
            .fetch_items(remote_calendar, &[id.to_owned()])
            .await
        else {
            return;
        };
        let Some(item) = fetched
            .items
            .into_iter()
            .next()
            .filter(|i| i.etag.is_some())
        else {
            return;
        };
        let never_elsewhere: std::sync::Arc<dyn Fn(&str) -> bool + Send + Sync> =
            std::sync::Arc::new(|_| false);
        if self
            .apply_pull(object.calendar_id, &item, never_elsewhere)
            .await
            .is_ok()
        {
            // The server's copy of our own text: an undo of the change still applies.
            if let Some(sent) = object.local_raw.as_deref() {
                self.undo_follows(object.calendar_id, &object.uid, sent, &item.body);
            }
            return;
        }
        // Edited here again meanwhile: the server's copy is the base that edit goes on
        // top of.
        let (object_id, now) = (object.id, self.now());
        let _ = self
            .with_mirror(move |m| {
                Ok(m.record_pushed(
                    object_id,
                    Some(&item.body),
                    &item.id,
                    item.etag.as_deref(),
                    now,
                )?)
            })
            .await;
    }

    /// A push the server refused: a precondition failure (or an edit of an object the
    /// server deleted) becomes a conflict with the server's version; other errors go
    /// back to the caller.
    async fn after_refused_push<P: CalendarProvider>(
        &self,
        provider: &P,
        remote_calendar: &str,
        id: &str,
        object: &RemoteObject,
        sent: &[i64],
        err: ProviderError,
    ) -> std::result::Result<PushOutcome, ProviderError> {
        if err.kind() == ProviderErrorKind::UidInUse {
            return self
                .after_uid_in_use(provider, remote_calendar, object, err)
                .await;
        }
        if !matches!(
            err.kind(),
            ProviderErrorKind::PreconditionFailed | ProviderErrorKind::NotFound
        ) {
            return Err(err);
        }
        let fetched = provider
            .fetch_items(remote_calendar, &[id.to_owned()])
            .await?;
        let remote = fetched.items.into_iter().next();
        // Deleted here, not there either: both agree.
        if remote.is_none() && object.state == ObjectState::Deleted {
            let (object_id, now) = (object.id, self.now());
            let rid = id.to_owned();
            self.with_mirror(move |m| Ok(m.record_pushed(object_id, None, &rid, None, now)?))
                .await
                .map_err(local_failure)?;
            return Ok(PushOutcome::Done);
        }
        // The server already has our text (perhaps written anew: see
        // `content_hash`): an earlier push whose answer was lost. It becomes the agreed
        // version; there is nothing to merge.
        if let (Some(r), Some(local)) = (&remote, &object.local_raw) {
            if content_hash(&r.body) == content_hash(local) {
                let now = self.now();
                let (object_id, local, rid, etag) =
                    (object.id, local.clone(), r.id.clone(), r.etag.clone());
                self.with_mirror(move |m| {
                    Ok(m.record_pushed(object_id, Some(&local), &rid, etag.as_deref(), now)?)
                })
                .await
                .map_err(|e| {
                    ProviderError::from_kind(ProviderErrorKind::Local).with_detail(e.to_string())
                })?;
                return Ok(PushOutcome::Done);
            }
        }
        // The server has a text we sent earlier whose answer was lost, and the object
        // changed here since: that version is the base now, and the newer change goes
        // on top of it at the next sync (due at once).
        if let Some(r) = remote
            .as_ref()
            .filter(|r| sent.contains(&(content_hash(&r.body) as i64)))
        {
            let now = self.now();
            let (object_id, body, rid, etag) =
                (object.id, r.body.clone(), r.id.clone(), r.etag.clone());
            self.with_mirror(move |m| {
                Ok(m.record_pushed(object_id, Some(&body), &rid, etag.as_deref(), now)?)
            })
            .await
            .map_err(local_failure)?;
            return Ok(PushOutcome::Later);
        }
        // A 412 whose server version is the agreed one again (a server whose etags
        // never match) is not merged: that would send the same write forever.
        // (Stamps aside: a server may write a new DTSTAMP on every read.)
        let moved = remote.as_ref().is_some_and(|r| {
            object
                .base_raw
                .as_deref()
                .is_none_or(|base| traycal_core::edit::differs_beyond_stamps(base, &r.body))
        });
        if !moved {
            self.keep_conflict(object.id.0, remote)
                .await
                .map_err(local_failure)?;
            return Ok(PushOutcome::Conflict);
        }
        // Merged: sent on top of the server's version by the next sync, due at once.
        let merged = self
            .merge_or_keep_conflict(object.id.0, remote, true)
            .await
            .map_err(local_failure)?;
        Ok(if merged {
            PushOutcome::Merged
        } else {
            PushOutcome::Conflict
        })
    }
}

impl Engine {
    /// A creation the server refused because it holds an event with the same UID
    /// under another name (made by another client, or restored). Never sent again as
    /// it is: when the server named the item, both versions are kept as a conflict
    /// (the user decides; the object waits), otherwise the push fails with the
    /// server's words and is tried again only after the usual back-off.
    async fn after_uid_in_use<P: CalendarProvider>(
        &self,
        provider: &P,
        remote_calendar: &str,
        object: &RemoteObject,
        err: ProviderError,
    ) -> std::result::Result<PushOutcome, ProviderError> {
        let Some(existing) = err.existing().map(str::to_owned) else {
            return Err(err);
        };
        let fetched = provider
            .fetch_items(remote_calendar, std::slice::from_ref(&existing))
            .await?;
        let Some(remote) = fetched.items.into_iter().next() else {
            // Gone meanwhile: the next push may well succeed.
            return Err(err);
        };
        self.keep_conflict(object.id.0, Some(remote))
            .await
            .map_err(local_failure)?;
        Ok(PushOutcome::Conflict)
    }
}

enum PushOutcome {
    Done,
    Conflict,
    /// Refused (412) and merged with the server's version: sent by the next sync.
    Merged,
    /// Not pushed yet, for a reason that is not a failure (see `after_refused_push`).
    Later,
}

/// A failure of the mirror in the middle of a push, as the push's error.
fn local_failure(e: EngineError) -> ProviderError {
    ProviderError::from_kind(ProviderErrorKind::Local).with_detail(e.to_string())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ViewKind {
    Unchanged,
    Full,
    Delta,
}

fn calendar_row(m: &Mirror, calendar: CalendarId) -> Result<CalendarRow> {
    m.calendars()?
        .into_iter()
        .find(|c| c.id == calendar)
        .ok_or_else(|| EngineError::InvalidInput(format!("no calendar with id {}", calendar.0)))
}

/// The objects with pending operations first, in outbox order, then the rest.
fn in_outbox_order<'o>(
    objects: &'o [RemoteObject],
    outbox: &[OutboxEntry],
) -> Vec<&'o RemoteObject> {
    let by_id: HashMap<i64, &RemoteObject> = objects.iter().map(|o| (o.id.0, o)).collect();
    let mut ordered: Vec<&RemoteObject> = outbox
        .iter()
        .filter_map(|e| by_id.get(&e.object.id.0).copied())
        .collect();
    let queued: HashSet<i64> = ordered.iter().map(|o| o.id.0).collect();
    ordered.extend(objects.iter().filter(|o| !queued.contains(&o.id.0)));
    ordered
}

fn pending_of(o: &RemoteObject, queued: Option<OutboxOp>) -> Pending {
    match queued {
        Some(OutboxOp::Create) => Pending::Create,
        Some(OutboxOp::Update) => Pending::Update,
        Some(OutboxOp::Delete) => Pending::Delete,
        None => match o.state {
            // In conflict: the outbox leaves it out; what it waits with still counts.
            ObjectState::Conflict if o.base_raw.is_none() => Pending::Create,
            ObjectState::Conflict if o.local_raw.is_none() => Pending::Delete,
            ObjectState::Conflict => Pending::Update,
            _ => Pending::Nothing,
        },
    }
}

/// Items below which one thread reads them all (a thread costs more than it saves).
const ITEMS_PER_THREAD: usize = 64;

/// The rows of each server item, read and expanded (an item that cannot be read gets
/// its reason). Pure work on the items' text, so a large pull (an account's first
/// sync: thousands of objects) is split over the machine's cores, at most four; the
/// results keep the items' order.
fn build_rows(
    items: &[RemoteItem],
    window: traycal_core::expand::Window,
    now: i64,
    budget: usize,
) -> Vec<Result<ObjectRows>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 4)
        .min(items.len() / ITEMS_PER_THREAD);
    build_rows_on(items, window, now, budget, threads)
}

/// [`build_rows`] on `threads` threads (one or none: on this one).
fn build_rows_on(
    items: &[RemoteItem],
    window: traycal_core::expand::Window,
    now: i64,
    budget: usize,
    threads: usize,
) -> Vec<Result<ObjectRows>> {
    let build = |item: &RemoteItem| {
        ObjectRows::build(&item.body, window, now, budget)
            .map_err(|e| EngineError::InvalidInput(format!("the server's item {}: {e}", item.id)))
    };
    if threads < 2 || items.is_empty() {
        return items.iter().map(build).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(build).collect::<Vec<_>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for (part, handle) in items.chunks(chunk).zip(parts) {
            match handle.join() {
                Ok(rows) => out.extend(rows),
                // A panic in a reader is a bug; its items fail alone, with the reason.
                Err(_) => out.extend(part.iter().map(|item| {
                    Err(EngineError::Internal(format!(
                        "reading the server's item {} failed",
                        item.id
                    )))
                })),
            }
        }
        out
    })
}

/// The rows of one server item checked against what the mirror holds: an event the
/// server holds twice (under another id `still_there`), or one with a change here not
/// yet sent, is refused with its reason.
fn check_pull(
    m: &Mirror,
    calendar: CalendarId,
    item: &RemoteItem,
    rows: ObjectRows,
    still_there: &(dyn Fn(&str) -> bool + Send + Sync),
) -> Result<ObjectRows> {
    let key = ObjectKey {
        calendar,
        uid: rows.uid(),
        instance: "",
    };
    if let Some(held) = m.remote_object(&key)? {
        match held.remote_id.as_deref() {
            Some(other) if other != item.id && still_there(other) => {
                return Err(EngineError::InvalidInput(format!(
                    "the server holds event {} twice, as {other} and as {}: {} is left out",
                    rows.uid(),
                    item.id,
                    item.id
                )));
            }
            _ if held.state.is_pending() || held.state == ObjectState::Conflict => {
                return Err(EngineError::InvalidInput(format!(
                    "the server's item {} is event {}, which has a change here not yet sent: \
                     it waits",
                    item.id,
                    rows.uid()
                )));
            }
            _ => {}
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(n: usize) -> RemoteItem {
        // Every seventh item cannot be read.
        let body = if n % 7 == 3 {
            "BEGIN:VCALENDAR\r\nthis is not iCalendar\r\n".to_string()
        } else {
            format!(
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n\
                 UID:e{n}\r\nDTSTAMP:20260301T000000Z\r\nDTSTART:20260301T{:02}0000Z\r\n\
                 SUMMARY:Item {n}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                n % 24
            )
        };
        RemoteItem {
            id: format!("e{n}.ics"),
            etag: None,
            body,
        }
    }

    /// Read on several threads, the rows come back in the items' order, each
    /// unreadable item failing alone and named.
    #[test]
    fn rows_are_built_in_order_with_errors_in_place() {
        let items: Vec<RemoteItem> = (0..(ITEMS_PER_THREAD * 5 + 3)).map(item).collect();
        let window = traycal_core::expand::Window {
            from: 1_767_225_600,
            to: 1_830_297_600,
        };
        // Three threads whatever the machine has, and the choice made for it.
        for built in [
            build_rows_on(&items, window, 1_772_323_200, 10_000, 3),
            build_rows(&items, window, 1_772_323_200, 10_000),
        ] {
            check_built(&built, items.len());
        }
    }

    fn check_built(built: &[Result<ObjectRows>], len: usize) {
        assert_eq!(built.len(), len);
        for (n, rows) in built.iter().enumerate() {
            match rows {
                Ok(r) => {
                    assert_ne!(n % 7, 3, "item {n} should fail");
                    assert_eq!(r.uid(), format!("e{n}"));
                }
                Err(e) => {
                    assert_eq!(n % 7, 3, "item {n}: {e}");
                    assert!(e.to_string().contains(&format!("e{n}.ics")), "{e}");
                }
            }
        }
    }
}
