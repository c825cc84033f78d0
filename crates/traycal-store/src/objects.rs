//! Two-way state at the grain a server versions: remote objects with their agreed
//! (base) and pending (local) versions, the outbox of pending local operations,
//! conflict records, and each calendar's VTIMEZONEs.
//!
//! A remote object is one VCALENDAR body under one href + etag (CalDAV: a master, its
//! overrides and the VTIMEZONEs they use; `instance = ""`), or one instance under its
//! own id (Google, Graph: `instance` = its RECURRENCE-ID). Its components are the
//! `events` rows of the same calendar and UID (and `recurrence_id = instance` for an
//! instance object): the rows show the object's current version, the pending local one
//! when there is one, else the agreed one. Feeds have no objects.
//!
//! Invariants:
//! - **A local change is one transaction**: the object's new local version, the event
//!   rows and occurrences that show it, and its outbox entry commit together, so after
//!   a crash either all of an edit is there or none of it, and the agenda shows it as
//!   soon as it is recorded.
//! - **One outbox entry per object**, kept in the order of its first pending change;
//!   later edits fold into it: create then update is a create of the new text, create
//!   then delete removes the object entirely (the server never saw it) unless a push of
//!   it went out whose answer never came (then it is a delete: the server may have
//!   it), update then delete is a delete, delete then create again is an update.
//! - **Nothing is overwritten by a conflict**: recording one keeps base, local and
//!   remote, marks the object `conflict`, and its outbox entry waits until it is
//!   resolved ([`Mirror::outbox`] leaves it out).
//! - A read-only or pull-only calendar refuses local changes
//!   ([`StoreError::CalendarReadOnly`]).

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use serde::Serialize;

use crate::error::{Result, StoreError};
use crate::events::{apply_event_changes, EventChanges, EventWrite, SeriesOccurrences};
use crate::{CalendarId, ConflictId, EventId, Mirror, ObjectId, SourceId};

/// Where an object stands with the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectState {
    /// The server has `base_raw` (under `etag`); nothing pending.
    Synced,
    /// Made here, never pushed (`local_raw`, no base).
    Created,
    /// Edited here (`local_raw`), not yet pushed.
    Modified,
    /// Deleted here, not yet deleted on the server.
    Deleted,
    /// A local change met a remote one: see [`Mirror::open_conflicts`].
    Conflict,
}

impl ObjectState {
    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Synced => "synced",
            Self::Created => "created",
            Self::Modified => "modified",
            Self::Deleted => "deleted",
            Self::Conflict => "conflict",
        }
    }

    /// Parses a stored value.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "synced" => Self::Synced,
            "created" => Self::Created,
            "modified" => Self::Modified,
            "deleted" => Self::Deleted,
            "conflict" => Self::Conflict,
            _ => return None,
        })
    }

    /// Whether a local change waits to reach the server.
    pub fn is_pending(self) -> bool {
        !matches!(self, Self::Synced)
    }
}

/// What a pending local change asks of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxOp {
    /// Create the object (create-only precondition).
    Create,
    /// Replace it (if its etag still matches).
    Update,
    /// Delete it (if its etag still matches).
    Delete,
}

impl OutboxOp {
    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "create" => Self::Create,
            "update" => Self::Update,
            "delete" => Self::Delete,
            _ => return None,
        })
    }
}

/// Names an object: its calendar, UID and instance ('' for a whole-series object).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObjectKey<'a> {
    /// The calendar.
    pub calendar: CalendarId,
    /// The UID of its components.
    pub uid: &'a str,
    /// '' for an object holding a master and its overrides; an instance's
    /// RECURRENCE-ID for an object per instance.
    pub instance: &'a str,
}

/// One stored remote object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemoteObject {
    /// Row id.
    pub id: ObjectId,
    /// Calendar.
    pub calendar_id: CalendarId,
    /// UID.
    pub uid: String,
    /// '' or the instance's RECURRENCE-ID.
    pub instance: String,
    /// href or provider id; `None` until first pushed.
    pub remote_id: Option<String>,
    /// The server's version tag of `base_raw`.
    pub etag: Option<String>,
    /// Last version agreed with the server.
    pub base_raw: Option<String>,
    /// Pending local version (`None` when nothing is pending, or for a local delete).
    pub local_raw: Option<String>,
    /// State.
    pub state: ObjectState,
    /// Last change, Unix seconds.
    pub updated_at: i64,
}

impl RemoteObject {
    /// The version the agenda shows: the pending local one, else the agreed one
    /// (`None` for a local delete).
    pub fn current(&self) -> Option<&str> {
        match self.state {
            ObjectState::Deleted => None,
            _ => self.local_raw.as_deref().or(self.base_raw.as_deref()),
        }
    }
}

/// How many sent texts an outbox entry remembers (see [`Mirror::record_sending`]):
/// pushes that each lost their answer, one after another.
pub const MAX_SENT_HASHES: usize = 16;

/// The stored list of sent hashes; a word that is not a number is skipped.
fn parse_hashes(text: &str) -> Vec<i64> {
    text.split_ascii_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect()
}

/// One pending local operation, with its object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxEntry {
    /// Position in the outbox (the order of the first pending change).
    pub seq: i64,
    /// What the server is to do.
    pub op: OutboxOp,
    /// The object, as it is now.
    pub object: RemoteObject,
    /// When the change was first queued.
    pub queued_at: i64,
    /// Failed pushes so far.
    pub attempts: i64,
    /// Not to be pushed before this time (after a failure).
    pub next_attempt_at: Option<i64>,
    /// The last push failure, in plain words.
    pub last_error: Option<String>,
    /// Its classified code.
    pub last_error_code: Option<String>,
    /// Hashes of the texts sent for it whose answers never came, oldest first (see
    /// [`Mirror::record_sending`]).
    pub sent_hashes: Vec<i64>,
}

/// A local change met a remote one: the three versions, kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConflictRow {
    /// Row id.
    pub id: ConflictId,
    /// The object.
    pub object_id: ObjectId,
    /// The calendar of the object.
    pub calendar_id: CalendarId,
    /// The UID of the object.
    pub uid: String,
    /// The version both sides last agreed on (`None`: created here).
    pub base_raw: Option<String>,
    /// The local version (`None`: deleted here).
    pub local_raw: Option<String>,
    /// The server's version (`None`: deleted on the server).
    pub remote_raw: Option<String>,
    /// The server's version tag.
    pub remote_etag: Option<String>,
    /// When it was found.
    pub detected_at: i64,
}

/// A local create, edit or delete of one object, with the rows that show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalChange<'a> {
    /// The object.
    pub key: ObjectKey<'a>,
    /// Its new text; `None` deletes it.
    pub text: Option<&'a str>,
    /// The components of `text` as rows (none for a delete).
    pub upserts: Vec<EventWrite<'a>>,
    /// Stored rows of the object that `text` no longer holds (all of them for a
    /// delete).
    pub deletes: Vec<EventId>,
    /// The object's new occurrences (empty for a delete): they replace the stored ones
    /// of its UID.
    pub occurrences: SeriesOccurrences<'a>,
}

/// The server's version of one object, taken in (nothing pending here for it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulledObject<'a> {
    /// The object.
    pub key: ObjectKey<'a>,
    /// The server's id of it.
    pub remote_id: &'a str,
    /// Its version tag.
    pub etag: Option<&'a str>,
    /// Its text.
    pub text: &'a str,
    /// The components of `text` as rows; stored rows of the object it no longer holds
    /// are deleted.
    pub upserts: Vec<EventWrite<'a>>,
    /// Its occurrences, replacing the stored ones of its UID.
    pub occurrences: SeriesOccurrences<'a>,
}

/// One object's rows and occurrences expanded anew over a moved window (see
/// [`Mirror::record_reexpanded`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReexpandedObject<'a> {
    /// The object.
    pub key: ObjectKey<'a>,
    /// The components of its current text as rows (stored rows it no longer holds go).
    pub upserts: Vec<EventWrite<'a>>,
    /// Its occurrences over the new window, replacing the stored ones of its UID.
    pub occurrences: SeriesOccurrences<'a>,
}

/// What [`Mirror::record_local_change`] left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The object now waits in the outbox with this operation.
    Queued(ObjectId, OutboxOp),
    /// A local creation deleted before it was pushed: nothing is left to do.
    Dropped,
}

const OBJECT_COLUMNS: &str = "o.id, o.calendar_id, o.uid, o.instance, o.remote_id, o.etag, \
     o.base_raw, o.local_raw, o.state, o.updated_at";

fn object_from_row(r: &Row<'_>) -> rusqlite::Result<RemoteObject> {
    let state: String = r.get(8)?;
    Ok(RemoteObject {
        id: ObjectId(r.get(0)?),
        calendar_id: CalendarId(r.get(1)?),
        uid: r.get(2)?,
        instance: r.get(3)?,
        remote_id: r.get(4)?,
        etag: r.get(5)?,
        base_raw: r.get(6)?,
        local_raw: r.get(7)?,
        state: ObjectState::parse(&state).ok_or_else(|| bad_text(8, "state", &state))?,
        updated_at: r.get(9)?,
    })
}

fn bad_text(column: usize, what: &str, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        column,
        rusqlite::types::Type::Text,
        format!("unknown {what} {value:?}").into(),
    )
}

fn object_in(conn: &Connection, key: &ObjectKey<'_>) -> Result<Option<RemoteObject>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {OBJECT_COLUMNS} FROM remote_objects o \
             WHERE o.calendar_id = ?1 AND o.uid = ?2 AND o.instance = ?3"
        ))?
        .query_row(
            params![key.calendar.0, key.uid, key.instance],
            object_from_row,
        )
        .optional()?)
}

fn object_by_id(conn: &Connection, id: ObjectId) -> Result<RemoteObject> {
    conn.prepare_cached(&format!(
        "SELECT {OBJECT_COLUMNS} FROM remote_objects o WHERE o.id = ?1"
    ))?
    .query_row([id.0], object_from_row)
    .optional()?
    .ok_or_else(|| StoreError::not_found("remote object", id.0))
}

/// The stored rows of the object `key` whose RECURRENCE-ID `keep` does not hold.
fn rows_not_in(
    conn: &Connection,
    key: &ObjectKey<'_>,
    keep: &[EventWrite<'_>],
) -> Result<Vec<EventId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, recurrence_id FROM events WHERE calendar_id = ?1 AND uid = ?2 \
         AND (?3 = '' OR recurrence_id = ?3)",
    )?;
    let rows = stmt.query_map(params![key.calendar.0, key.uid, key.instance], |r| {
        Ok((EventId(r.get(0)?), r.get::<_, String>(1)?))
    })?;
    let mut gone = Vec::new();
    for row in rows {
        let (id, rid) = row?;
        if !keep.iter().any(|w| w.recurrence_id == rid) {
            gone.push(id);
        }
    }
    Ok(gone)
}

/// Refuses a local change of a calendar that cannot take one.
fn check_writable(conn: &Connection, calendar: CalendarId) -> Result<()> {
    let (name, read_only, direction): (String, bool, String) = conn
        .prepare_cached("SELECT name, read_only, direction FROM calendars WHERE id = ?1")?
        .query_row([calendar.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?
        .ok_or_else(|| StoreError::not_found("calendar", calendar.0))?;
    if read_only || direction == "pull_only" {
        return Err(StoreError::CalendarReadOnly {
            calendar: calendar.0,
            name,
        });
    }
    Ok(())
}

/// The state and outbox operation after a local change of an object in `before`
/// (`None`: no object yet; else its state, whether it has a base, and whether a push
/// of it went out whose answer never came); `None` when the change cancels out.
fn fold(
    before: Option<(ObjectState, bool, bool)>,
    deleting: bool,
) -> Option<(ObjectState, OutboxOp)> {
    let before = before.map(|(state, has_base, sent)| ((state, has_base), sent));
    match (before, deleting) {
        // Nothing on the server yet.
        (None, false) => Some((ObjectState::Created, OutboxOp::Create)),
        (None, true) => None,
        (Some(((ObjectState::Created, _), _)), false) => {
            Some((ObjectState::Created, OutboxOp::Create))
        }
        // A creation whose push may have reached the server (its answer was lost):
        // the delete must go there too, or the event would come back.
        (Some(((ObjectState::Created, _), true)), true) => {
            Some((ObjectState::Deleted, OutboxOp::Delete))
        }
        (Some(((ObjectState::Created, _), false)), true) => None,
        // On the server (a base exists): replace or delete it there.
        (Some(((_, true), _)), false) => Some((ObjectState::Modified, OutboxOp::Update)),
        (Some(((_, true), _)), true) => Some((ObjectState::Deleted, OutboxOp::Delete)),
        // No base: a creation deleted after a lost push (above), or one in conflict;
        // made again, it is a creation (the sent hashes stay with its entry).
        (Some(_), false) => Some((ObjectState::Created, OutboxOp::Create)),
        (Some((_, true)), true) => Some((ObjectState::Deleted, OutboxOp::Delete)),
        (Some((_, false)), true) => None,
    }
}

/// Replaces every VTIMEZONE stored for `calendar` with `zones` (`(TZID, text)`) and its
/// own zone with `zone`, inside the caller's transaction.
pub(crate) fn replace_calendar_timezones(
    conn: &Connection,
    calendar: CalendarId,
    zones: &[(&str, &str)],
    zone: Option<&str>,
) -> Result<()> {
    conn.prepare_cached("DELETE FROM calendar_timezones WHERE calendar_id = ?1")?
        .execute([calendar.0])?;
    conn.prepare_cached("UPDATE calendars SET zone = ?2 WHERE id = ?1")?
        .execute(params![calendar.0, zone])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO calendar_timezones (calendar_id, tzid, raw) VALUES (?1, ?2, ?3) \
         ON CONFLICT (calendar_id, tzid) DO UPDATE SET raw = excluded.raw",
    )?;
    for (tzid, raw) in zones {
        stmt.execute(params![calendar.0, tzid, raw])?;
    }
    Ok(())
}

impl Mirror {
    /// Records a local create, edit or delete of one object: its local version, the
    /// rows and occurrences that show it, and its outbox entry, in one transaction.
    /// An object in conflict takes the edit as its new local version and stays in
    /// conflict (the edit never replaces the kept versions).
    pub fn record_local_change(&mut self, change: &LocalChange<'_>, now: i64) -> Result<Recorded> {
        let mut recorded = self.record_local_changes(std::slice::from_ref(change), now)?;
        recorded
            .pop()
            .ok_or_else(|| StoreError::InvalidInput("no change given".into()))
    }

    /// [`Mirror::record_local_change`] for several objects, in one transaction: all
    /// of them are recorded, or none.
    pub fn record_local_changes(
        &mut self,
        changes: &[LocalChange<'_>],
        now: i64,
    ) -> Result<Vec<Recorded>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = Vec::with_capacity(changes.len());
        for change in changes {
            out.push(record_change_in(&tx, change, now)?);
        }
        tx.commit()?;
        Ok(out)
    }
}

/// Records one local change inside the caller's transaction (see
/// [`Mirror::record_local_change`]).
fn record_change_in(
    tx: &rusqlite::Transaction<'_>,
    change: &LocalChange<'_>,
    now: i64,
) -> Result<Recorded> {
    let key = &change.key;
    if change.occurrences.uid != key.uid {
        return Err(StoreError::InvalidInput(format!(
            "the occurrences of uid={:?} do not belong to object uid={:?}",
            change.occurrences.uid, key.uid
        )));
    }
    if let Some(w) = change.upserts.iter().find(|w| w.uid != key.uid) {
        return Err(StoreError::InvalidInput(format!(
            "a row of uid={:?} does not belong to object uid={:?}",
            w.uid, key.uid
        )));
    }
    check_writable(tx, key.calendar)?;
    let before = object_in(tx, key)?;
    let deleting = change.text.is_none();
    let sent = match &before {
        Some(o) => tx
            .prepare_cached("SELECT sent_hashes <> '' FROM outbox WHERE object_id = ?1")?
            .query_row([o.id.0], |r| r.get::<_, bool>(0))
            .optional()?
            .unwrap_or(false),
        None => false,
    };
    let folded = fold(
        before
            .as_ref()
            .map(|o| (o.state, o.base_raw.is_some(), sent)),
        deleting,
    );
    let in_conflict = before
        .as_ref()
        .is_some_and(|o| o.state == ObjectState::Conflict);

    let recorded = match (folded, &before) {
        (None, Some(object)) => {
            // A creation undone before it reached the server.
            tx.prepare_cached("DELETE FROM remote_objects WHERE id = ?1")?
                .execute([object.id.0])?;
            Recorded::Dropped
        }
        (None, None) => {
            return Err(StoreError::not_found("remote object to delete", 0));
        }
        (Some((state, op)), _) => {
            let state = if in_conflict {
                ObjectState::Conflict
            } else {
                state
            };
            let id: i64 = tx
                .prepare_cached(
                    "INSERT INTO remote_objects (calendar_id, uid, instance, local_raw, \
                     state, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                     ON CONFLICT (calendar_id, uid, instance) DO UPDATE SET \
                     local_raw = excluded.local_raw, state = excluded.state, \
                     updated_at = excluded.updated_at RETURNING id",
                )?
                .query_row(
                    params![
                        key.calendar.0,
                        key.uid,
                        key.instance,
                        change.text,
                        state.as_str(),
                        now
                    ],
                    |r| r.get(0),
                )?;
            // The entry keeps its place; a failure's back-off ends with a new edit.
            tx.prepare_cached(
                "INSERT INTO outbox (object_id, op, queued_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (object_id) DO UPDATE SET op = excluded.op, \
                 next_attempt_at = NULL",
            )?
            .execute(params![id, op.as_str(), now])?;
            Recorded::Queued(ObjectId(id), op)
        }
    };

    let replace = [change.occurrences.clone()];
    let events = EventChanges {
        upserts: &change.upserts,
        renames: &[],
        deletes: &change.deletes,
        retire: &[],
        replace_occurrences: &replace,
    };
    apply_event_changes(tx, key.calendar, true, None, &events, now)?;
    Ok(recorded)
}

impl Mirror {
    /// Takes the server's version of an object in: it becomes the agreed version, the
    /// rows show it. Refused when a local change of the object is pending (the plan
    /// records a conflict instead: nothing pending is ever overwritten).
    pub fn record_pulled(&mut self, pulled: &PulledObject<'_>, now: i64) -> Result<ObjectId> {
        let mut ids = self.record_pulled_many(std::slice::from_ref(pulled), now)?;
        ids.pop()
            .ok_or_else(|| StoreError::InvalidInput("nothing was pulled".into()))
    }

    /// [`Mirror::record_pulled`] for many objects in one transaction (a first sync
    /// of thousands of items is one commit): all of them, or none.
    pub fn record_pulled_many(
        &mut self,
        pulled: &[PulledObject<'_>],
        now: i64,
    ) -> Result<Vec<ObjectId>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Foreign keys checked at COMMIT (a violation still fails it, and with it the
        // whole batch): an immediate check makes SQLite keep a statement journal, a copy
        // of every page a row touches, for each of thousands of rows.
        tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
        let mut ids = Vec::with_capacity(pulled.len());
        for p in pulled {
            ids.push(record_pulled_in(&tx, p, now)?);
        }
        tx.commit()?;
        Ok(ids)
    }
}

/// Records one pulled object inside the caller's transaction (see
/// [`Mirror::record_pulled`]).
fn record_pulled_in(
    tx: &rusqlite::Transaction<'_>,
    pulled: &PulledObject<'_>,
    now: i64,
) -> Result<ObjectId> {
    let key = &pulled.key;
    if pulled.occurrences.uid != key.uid || pulled.upserts.iter().any(|w| w.uid != key.uid) {
        return Err(StoreError::InvalidInput(format!(
            "rows of another UID given for object uid={:?}",
            key.uid
        )));
    }
    let existed = match object_in(tx, key)? {
        Some(o) if o.state.is_pending() => {
            return Err(StoreError::InvalidInput(format!(
                "object {} ({}) has a pending local change: a pull must not replace it",
                o.id.0, o.uid
            )))
        }
        Some(_) => true,
        None => false,
    };
    let values = params![
        key.calendar.0,
        key.uid,
        key.instance,
        pulled.remote_id,
        pulled.etag,
        pulled.text,
        now
    ];
    // A new object is a plain insert: an upsert with RETURNING costs SQLite a
    // statement journal and a result buffer per row, which was most of a first sync's
    // writing (thousands of objects in one transaction).
    let id: i64 = if existed {
        tx.prepare_cached(
            "UPDATE remote_objects SET remote_id = ?4, etag = ?5, base_raw = ?6, \
             updated_at = ?7 WHERE calendar_id = ?1 AND uid = ?2 AND instance = ?3 \
             RETURNING id",
        )?
        .query_row(values, |r| r.get(0))?
    } else {
        tx.prepare_cached(
            "INSERT INTO remote_objects (calendar_id, uid, instance, remote_id, etag, \
             base_raw, state, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'synced', ?7)",
        )?
        .execute(values)?;
        tx.last_insert_rowid()
    };
    // A new object has no rows yet (rows of an account's calendar are only written with
    // their object): nothing to look up or delete, plain inserts.
    let deletes = if existed {
        rows_not_in(tx, key, &pulled.upserts)?
    } else {
        Vec::new()
    };
    let replace = [pulled.occurrences.clone()];
    let events = EventChanges {
        upserts: &pulled.upserts,
        renames: &[],
        deletes: &deletes,
        retire: &[],
        replace_occurrences: &replace,
    };
    apply_event_changes(tx, key.calendar, existed, None, &events, now)?;
    Ok(ObjectId(id))
}

impl Mirror {
    /// Writes the rows and occurrences of a source's objects expanded anew over a
    /// moved window, and that window in the source's sync state, in one transaction.
    /// Objects, their versions, the outbox and the log are untouched: this is not a
    /// sync (it needs no network).
    pub fn record_reexpanded(
        &mut self,
        source: SourceId,
        objects: &[ReexpandedObject<'_>],
        window_from: i64,
        window_to: i64,
        now: i64,
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for o in objects {
            if o.occurrences.uid != o.key.uid || o.upserts.iter().any(|w| w.uid != o.key.uid) {
                return Err(StoreError::InvalidInput(format!(
                    "rows of another UID given for object uid={:?}",
                    o.key.uid
                )));
            }
            let deletes = rows_not_in(&tx, &o.key, &o.upserts)?;
            let replace = [o.occurrences.clone()];
            let events = EventChanges {
                upserts: &o.upserts,
                renames: &[],
                deletes: &deletes,
                retire: &[],
                replace_occurrences: &replace,
            };
            apply_event_changes(&tx, o.key.calendar, true, None, &events, now)?;
        }
        let state = crate::sync_log::SyncStateUpdate {
            window_from: Some(window_from),
            window_to: Some(window_to),
            ..Default::default()
        };
        crate::sync_log::write_window_state(&tx, source, &state)?;
        tx.commit()?;
        Ok(())
    }

    /// The server deleted an object that has nothing pending here: it goes, with its
    /// rows and occurrences.
    pub fn record_remote_deletion(&mut self, object: ObjectId, now: i64) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let o = object_by_id(&tx, object)?;
        if o.state.is_pending() {
            return Err(StoreError::InvalidInput(format!(
                "object {} ({}) has a pending local change: it is a conflict, not a deletion",
                o.id.0, o.uid
            )));
        }
        let key = ObjectKey {
            calendar: o.calendar_id,
            uid: &o.uid,
            instance: &o.instance,
        };
        let deletes = rows_not_in(&tx, &key, &[])?;
        let replace = [SeriesOccurrences {
            uid: &o.uid,
            occurrences: Vec::new(),
        }];
        let events = EventChanges {
            upserts: &[],
            renames: &[],
            deletes: &deletes,
            retire: &[],
            replace_occurrences: &replace,
        };
        apply_event_changes(&tx, o.calendar_id, true, None, &events, now)?;
        tx.prepare_cached("DELETE FROM remote_objects WHERE id = ?1")?
            .execute([object.0])?;
        tx.commit()?;
        Ok(())
    }

    /// The stored rows of an object (all of them, or those of its instance) that
    /// `keep` does not hold.
    pub fn rows_of_object_not_in(
        &self,
        key: &ObjectKey<'_>,
        keep: &[EventWrite<'_>],
    ) -> Result<Vec<EventId>> {
        rows_not_in(&self.conn, key, keep)
    }

    /// The object named by `key`, if any.
    pub fn remote_object(&self, key: &ObjectKey<'_>) -> Result<Option<RemoteObject>> {
        object_in(&self.conn, key)
    }

    /// The object with row id `id`.
    pub fn remote_object_by_id(&self, id: ObjectId) -> Result<RemoteObject> {
        object_by_id(&self.conn, id)
    }

    /// A pending local edit met a server version it merged with (`change`: the merged
    /// text and the rows that show it): the server's version (`remote_raw` under
    /// `remote_etag`) becomes the agreed one, and the merge the local version pushed
    /// on top of it, in one transaction. Only an edit merges: a local creation or
    /// deletion, or an object already in conflict, is refused and left as it was.
    /// `merged_from` is the local text the merge was made from: `None` (nothing
    /// written) when the object was edited again since (by another process), so a
    /// newer edit is never replaced by a merge of an older one.
    pub fn record_merged(
        &mut self,
        change: &LocalChange<'_>,
        merged_from: &str,
        remote_raw: &str,
        remote_etag: Option<&str>,
        now: i64,
    ) -> Result<Option<Recorded>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let o = object_in(&tx, &change.key)?
            .ok_or_else(|| StoreError::not_found("remote object to merge", 0))?;
        if o.state != ObjectState::Modified || change.text.is_none() {
            return Err(StoreError::InvalidInput(format!(
                "object {} ({}) has no pending edit to merge",
                o.id.0, o.uid
            )));
        }
        if o.local_raw.as_deref() != Some(merged_from) {
            return Ok(None);
        }
        tx.prepare_cached(
            "UPDATE remote_objects SET base_raw = ?2, etag = ?3, updated_at = ?4 WHERE id = ?1",
        )?
        .execute(params![o.id.0, remote_raw, remote_etag, now])?;
        let recorded = record_change_in(&tx, change, now)?;
        tx.commit()?;
        Ok(Some(recorded))
    }

    /// Every object of a calendar, by UID and instance.
    pub fn remote_objects(&self, calendar: CalendarId) -> Result<Vec<RemoteObject>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {OBJECT_COLUMNS} FROM remote_objects o WHERE o.calendar_id = ?1 \
             ORDER BY o.uid, o.instance"
        ))?;
        let rows = stmt.query_map([calendar.0], object_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The pending operations of `calendar` (all calendars with `None`) that may be
    /// pushed: in the order they were first made, without objects in conflict.
    pub fn outbox(&self, calendar: Option<CalendarId>) -> Result<Vec<OutboxEntry>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {OBJECT_COLUMNS}, b.id, b.op, b.queued_at, b.attempts, \
             b.next_attempt_at, b.last_error, b.last_error_code, b.sent_hashes \
             FROM outbox b JOIN remote_objects o ON o.id = b.object_id \
             WHERE (?1 IS NULL OR o.calendar_id = ?1) AND o.state <> 'conflict' \
             ORDER BY b.id"
        ))?;
        let rows = stmt.query_map([calendar.map(|c| c.0)], |r| {
            let op: String = r.get(11)?;
            Ok(OutboxEntry {
                object: object_from_row(r)?,
                seq: r.get(10)?,
                op: OutboxOp::parse(&op).ok_or_else(|| bad_text(11, "outbox op", &op))?,
                queued_at: r.get(12)?,
                attempts: r.get(13)?,
                next_attempt_at: r.get(14)?,
                last_error: r.get(15)?,
                last_error_code: r.get(16)?,
                sent_hashes: parse_hashes(&r.get::<_, String>(17)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// When the earliest pending push of `source`'s calendars may be tried: the time
    /// its last failure set, or `Some(0)` for one never tried; `None` when nothing
    /// waits (objects in conflict wait for their resolution, not for a sync).
    pub fn next_push_at(&self, source: SourceId) -> Result<Option<i64>> {
        let at: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT min(coalesce(b.next_attempt_at, 0)) \
                 FROM outbox b JOIN remote_objects o ON o.id = b.object_id \
                 JOIN calendars c ON c.id = o.calendar_id \
                 WHERE c.source_id = ?1 AND o.state <> 'conflict'",
            )?
            .query_row([source.0], |r| r.get(0))?;
        Ok(at)
    }

    /// The server took the pending operation of `object`: for a create or an update,
    /// its local version becomes the agreed one under `remote_id` and `etag` (`None`
    /// when the server gave none: the next pull fetches it); for a delete, the object
    /// is gone. A change recorded after the push was read (`pushed` is not its current
    /// local version) stays pending.
    pub fn record_pushed(
        &mut self,
        object: ObjectId,
        pushed: Option<&str>,
        remote_id: &str,
        etag: Option<&str>,
        now: i64,
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let o = object_by_id(&tx, object)?;
        if pushed.is_none() && o.state == ObjectState::Deleted {
            tx.prepare_cached("DELETE FROM remote_objects WHERE id = ?1")?
                .execute([object.0])?;
        } else if pushed.is_none() {
            // Deleted on the server, then made again here meanwhile: a new creation.
            tx.prepare_cached(
                "UPDATE remote_objects SET base_raw = NULL, etag = NULL, \
                 state = CASE state WHEN 'conflict' THEN state ELSE 'created' END, \
                 updated_at = ?2 WHERE id = ?1",
            )?
            .execute(params![object.0, now])?;
            tx.prepare_cached(
                "UPDATE outbox SET op = 'create', attempts = 0, last_error = NULL, \
                 last_error_code = NULL, sent_hashes = '' WHERE object_id = ?1",
            )?
            .execute([object.0])?;
        } else if o.local_raw.as_deref() == pushed && o.state != ObjectState::Conflict {
            tx.prepare_cached(
                "UPDATE remote_objects SET base_raw = local_raw, local_raw = NULL, \
                 state = 'synced', remote_id = ?2, etag = ?3, updated_at = ?4 WHERE id = ?1",
            )?
            .execute(params![object.0, remote_id, etag, now])?;
            tx.prepare_cached("DELETE FROM outbox WHERE object_id = ?1")?
                .execute([object.0])?;
        } else {
            // Edited again meanwhile: the server has `pushed`, which is the new base;
            // the newer edit stays queued, now as an update of it.
            tx.prepare_cached(
                "UPDATE remote_objects SET base_raw = ?2, remote_id = ?3, etag = ?4, \
                 state = CASE state WHEN 'created' THEN 'modified' ELSE state END, \
                 updated_at = ?5 WHERE id = ?1",
            )?
            .execute(params![object.0, pushed, remote_id, etag, now])?;
            tx.prepare_cached(
                "UPDATE outbox SET op = CASE op WHEN 'create' THEN 'update' ELSE op END, \
                 attempts = 0, last_error = NULL, last_error_code = NULL, sent_hashes = '' \
                 WHERE object_id = ?1",
            )?
            .execute([object.0])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The text whose hash is `hash` is about to be sent for `object`'s pending
    /// change. Kept (the last [`MAX_SENT_HASHES`]) until an answer is recorded
    /// ([`Mirror::record_pushed`]); a failed push keeps it too, since the server may
    /// have taken the text all the same.
    pub fn record_sending(&mut self, object: ObjectId, hash: i64) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let stored: Option<String> = tx
            .prepare_cached("SELECT sent_hashes FROM outbox WHERE object_id = ?1")?
            .query_row([object.0], |r| r.get(0))
            .optional()?;
        let Some(stored) = stored else {
            return Err(StoreError::not_found("outbox entry of object", object.0));
        };
        let mut hashes = parse_hashes(&stored);
        if !hashes.contains(&hash) {
            hashes.push(hash);
        }
        let keep = hashes.len().saturating_sub(MAX_SENT_HASHES);
        let text = hashes[keep..]
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        tx.prepare_cached("UPDATE outbox SET sent_hashes = ?2 WHERE object_id = ?1")?
            .execute(params![object.0, text])?;
        tx.commit()?;
        Ok(())
    }

    /// A push of `object` failed: counts the attempt and keeps the error; the entry
    /// waits until `next_attempt_at`.
    pub fn record_push_failed(
        &mut self,
        object: ObjectId,
        message: &str,
        code: &str,
        next_attempt_at: i64,
    ) -> Result<()> {
        let n = self
            .conn
            .prepare_cached(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, \
                 last_error_code = ?3, next_attempt_at = ?4 WHERE object_id = ?1",
            )?
            .execute(params![object.0, message, code, next_attempt_at])?;
        if n == 0 {
            return Err(StoreError::not_found("outbox entry of object", object.0));
        }
        Ok(())
    }

    /// A pending local change of `object` met a remote change (`remote_raw` under
    /// `remote_etag`; `None` when the server deleted it): keeps base, local and remote
    /// in a conflict record and marks the object `conflict`. Nothing is overwritten on
    /// either side; the object's outbox entry waits until the conflict is resolved.
    pub fn record_conflict(
        &mut self,
        object: ObjectId,
        remote_raw: Option<&str>,
        remote_etag: Option<&str>,
        now: i64,
    ) -> Result<ConflictId> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let o = object_by_id(&tx, object)?;
        if !o.state.is_pending() {
            return Err(StoreError::InvalidInput(format!(
                "object {} has no local change to conflict with",
                object.0
            )));
        }
        let local = match o.state {
            ObjectState::Deleted => None,
            _ => o.local_raw.as_deref(),
        };
        let id: i64 = tx
            .prepare_cached(
                "INSERT INTO conflicts (object_id, base_raw, local_raw, remote_raw, \
                 remote_etag, detected_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            )?
            .query_row(
                params![object.0, o.base_raw, local, remote_raw, remote_etag, now],
                |r| r.get(0),
            )?;
        tx.prepare_cached(
            "UPDATE remote_objects SET state = 'conflict', updated_at = ?2 WHERE id = ?1",
        )?
        .execute(params![object.0, now])?;
        tx.commit()?;
        Ok(ConflictId(id))
    }

    /// Conflicts not yet resolved, of one calendar or all, oldest first.
    pub fn open_conflicts(&self, calendar: Option<CalendarId>) -> Result<Vec<ConflictRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.id, c.object_id, o.calendar_id, o.uid, c.base_raw, c.local_raw, \
             c.remote_raw, c.remote_etag, c.detected_at \
             FROM conflicts c JOIN remote_objects o ON o.id = c.object_id \
             WHERE c.resolved_at IS NULL AND (?1 IS NULL OR o.calendar_id = ?1) \
             ORDER BY c.id",
        )?;
        let rows = stmt.query_map([calendar.map(|c| c.0)], |r| {
            Ok(ConflictRow {
                id: ConflictId(r.get(0)?),
                object_id: ObjectId(r.get(1)?),
                calendar_id: CalendarId(r.get(2)?),
                uid: r.get(3)?,
                base_raw: r.get(4)?,
                local_raw: r.get(5)?,
                remote_raw: r.get(6)?,
                remote_etag: r.get(7)?,
                detected_at: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Stores the VTIMEZONEs a calendar's data defines (`(tzid, VTIMEZONE text)`),
    /// replacing those of the same TZID.
    pub fn store_calendar_timezones(
        &mut self,
        calendar: CalendarId,
        zones: &[(&str, &str)],
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO calendar_timezones (calendar_id, tzid, raw) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (calendar_id, tzid) DO UPDATE SET raw = excluded.raw",
            )?;
            for (tzid, raw) in zones {
                stmt.execute(params![calendar.0, tzid, raw])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The calendar as one iCalendar document rebuilt from the mirror: its own zone
    /// (`X-WR-TIMEZONE`), its stored VTIMEZONEs and the text of each live event
    /// (rows kept as history are left out: a re-expansion leaves them as they are).
    /// Each text is written as stored, so it hashes as it did when it was applied.
    pub fn calendar_document(&self, calendar: CalendarId) -> Result<String> {
        let zone: Option<String> = self
            .conn
            .prepare_cached("SELECT zone FROM calendars WHERE id = ?1")?
            .query_row([calendar.0], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::not_found("calendar", calendar.0))?;
        let mut doc =
            String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Traycal//mirror//EN\r\n");
        if let Some(z) = zone {
            doc.push_str("X-WR-TIMEZONE:");
            doc.push_str(&z);
            doc.push_str("\r\n");
        }
        let push = |doc: &mut String, text: &str| {
            doc.push_str(text);
            if !text.ends_with('\n') {
                doc.push_str("\r\n");
            }
        };
        for (_, raw) in self.calendar_timezones(calendar)? {
            push(&mut doc, &raw);
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.raw FROM events e JOIN event_texts t ON t.event_id = e.id \
             WHERE e.calendar_id = ?1 AND e.removed_at IS NULL ORDER BY e.id",
        )?;
        let mut rows = stmt.query([calendar.0])?;
        while let Some(r) = rows.next()? {
            let raw: String = r.get(0)?;
            push(&mut doc, &raw);
        }
        doc.push_str("END:VCALENDAR\r\n");
        Ok(doc)
    }

    /// The VTIMEZONEs stored for a calendar, by TZID.
    pub fn calendar_timezones(&self, calendar: CalendarId) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT tzid, raw FROM calendar_timezones WHERE calendar_id = ?1 ORDER BY tzid",
        )?;
        let rows = stmt.query_map([calendar.0], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
