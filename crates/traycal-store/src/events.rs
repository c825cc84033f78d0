//! Stored components (events) and the transactional application of one sync.
//!
//! One `events` row per iCalendar component: the master (`recurrence_id = ''`) or a
//! RECURRENCE-ID override, unique per `(calendar_id, uid, recurrence_id)`.
//!
//! [`Mirror::apply_calendar_sync`] applies a [`SyncBatch`] in ONE IMMEDIATE transaction,
//! in this order: renames → deletes → retirements → upserts → occurrence replacement →
//! `sync_state` → `sync_log`. The occurrences of deleted rows, of retired rows (from
//! the cut) and of replaced series are collected in a temp table and removed in one
//! scan before the new ones are inserted (occurrences carry no foreign key). A first
//! sync may insert its rows earlier, through [`CalendarSync::prewrite_rows`], in the
//! same transaction. Any error (unknown id, unknown producing component,
//! duplicate key, constraint, I/O) rolls the whole batch back: readers see the previous
//! sync or the new one, never a mix. The write path borrows every string from the
//! batch, keeps statements prepared and cached, and maps `(uid, recurrence_id)` to row
//! ids once per batch from the upserts' `RETURNING id`, so no row is looked up twice.
//!
//! The rows are what the agenda shows: for a two-way calendar, the components of each
//! remote object's current version (its pending local one, else the agreed one); the
//! versions themselves live in [`crate::objects`], which writes its rows through the
//! same path ([`apply_event_changes`]).

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use serde::Serialize;

use crate::error::{Result, StoreError};
use crate::occurrences::span_class;
use crate::sync_log::{
    append_log, write_success_state, write_window_state, LogEntry, SyncOutcome, SyncStateUpdate,
};
use crate::{CalendarId, EventId, Mirror, SourceId};

/// One component to insert or update, keyed by `(calendar, uid, recurrence_id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventWrite<'a> {
    /// UID.
    pub uid: &'a str,
    /// RECURRENCE-ID of an override, '' for the master.
    pub recurrence_id: &'a str,
    /// SUMMARY.
    pub summary: Option<&'a str>,
    /// LOCATION.
    pub location: Option<&'a str>,
    /// DTSTART, Unix seconds (wall time as if UTC when all-day / floating).
    pub start_utc: i64,
    /// DTEND (or computed end).
    pub end_utc: i64,
    /// All-day (DATE) event.
    pub all_day: bool,
    /// Floating (no zone) times.
    pub floating: bool,
    /// Original TZID.
    pub tzid: Option<&'a str>,
    /// STATUS.
    pub status: Option<&'a str>,
    /// TRANSP.
    pub transp: Option<&'a str>,
    /// SEQUENCE.
    pub sequence: i64,
    /// RRULE text, for masters of series.
    pub rrule: Option<&'a str>,
    /// The component's raw iCalendar text, stored verbatim.
    pub raw: &'a str,
    /// Hash of `raw` (change detection).
    pub content_hash: i64,
    /// Identity fingerprint (rename detection for feeds that regenerate UIDs).
    pub fingerprint: i64,
    /// End of the last occurrence; `None` = open-ended.
    pub series_end_utc: Option<i64>,
}

/// One occurrence to materialise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OccurrenceWrite<'a> {
    /// RECURRENCE-ID of the producing component ('' = the master).
    pub recurrence_id: &'a str,
    /// This instance's id ('' for non-recurring).
    pub instance_id: &'a str,
    /// Start, Unix seconds.
    pub start_utc: i64,
    /// End (>= start).
    pub end_utc: i64,
    /// All-day.
    pub all_day: bool,
    /// Floating.
    pub floating: bool,
}

/// All occurrences of one UID series in the calendar (replaces the stored ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesOccurrences<'a> {
    /// The series UID.
    pub uid: &'a str,
    /// The complete new set of occurrences of that UID (master and overrides).
    pub occurrences: Vec<OccurrenceWrite<'a>>,
}

/// Everything one sync of one calendar changes. Applied atomically.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncBatch<'a> {
    /// Insert or update by `(calendar, uid, recurrence_id)`; clears `removed_at`.
    pub upserts: Vec<EventWrite<'a>>,
    /// Existing rows taking a new UID (applied first).
    pub renames: Vec<(EventId, &'a str)>,
    /// Rows deleted with their occurrences (future events gone from the feed).
    pub deletes: Vec<EventId>,
    /// `(row, removed_at, cut_from)`: kept as history, occurrences starting at or after
    /// `cut_from` deleted.
    pub retire: Vec<(EventId, i64, i64)>,
    /// For each UID: delete all occurrences of that UID's rows, insert these.
    pub replace_occurrences: Vec<SeriesOccurrences<'a>>,
    /// New sync state (success).
    pub state: SyncStateUpdate<'a>,
    /// The log row of this sync.
    pub log: LogEntry<'a>,
    /// `Some`: the calendar's VTIMEZONEs are now these, `(TZID, text)` (a feed
    /// defines its own zones; kept so its events re-expand without it). `None` leaves
    /// the stored ones.
    pub timezones: Option<Vec<(&'a str, &'a str)>>,
    /// The calendar's own zone (`X-WR-TIMEZONE`, as the resolver named it), written
    /// with `timezones` (so both describe the same document).
    pub calendar_zone: Option<&'a str>,
    /// Not a sync but the stored events expanded anew (the window moved, or a query
    /// looked further ahead; no network): of `state` only the window and the notice
    /// are written (the source's validators, times and errors stay), and no log row is
    /// appended (`log` is ignored).
    pub reexpansion: bool,
}

/// What [`Mirror::apply_calendar_sync`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ApplyCounts {
    /// Rows inserted or updated.
    pub upserted: u64,
    /// Rows renamed.
    pub renamed: u64,
    /// Rows deleted.
    pub deleted: u64,
    /// Rows retired (kept as history).
    pub retired: u64,
    /// Occurrences inserted.
    pub occurrences_inserted: u64,
    /// Occurrences deleted: of replaced series, retired rows (from the cut) and
    /// deleted rows.
    pub occurrences_deleted: u64,
    /// Live (not removed) rows of the source afterwards (also stored in `sync_state`).
    pub live_events: u64,
}

/// The reconciliation view of one row: cheap, no raw text, no description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexedEvent {
    /// Row id.
    pub id: EventId,
    /// UID.
    pub uid: String,
    /// '' for masters.
    pub recurrence_id: String,
    /// Stored content hash.
    pub content_hash: i64,
    /// Stored fingerprint.
    pub fingerprint: i64,
    /// Start.
    pub start_utc: i64,
    /// End of the last occurrence, `None` = open-ended.
    pub series_end_utc: Option<i64>,
    /// Set when kept as history.
    pub removed_at: Option<i64>,
}

/// A full stored row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRow {
    /// Row id.
    pub id: EventId,
    /// Calendar.
    pub calendar_id: CalendarId,
    /// UID.
    pub uid: String,
    /// '' for masters.
    pub recurrence_id: String,
    /// SUMMARY.
    pub summary: Option<String>,
    /// LOCATION.
    pub location: Option<String>,
    /// Start.
    pub start_utc: i64,
    /// End.
    pub end_utc: i64,
    /// All-day.
    pub all_day: bool,
    /// Floating.
    pub floating: bool,
    /// TZID.
    pub tzid: Option<String>,
    /// STATUS.
    pub status: Option<String>,
    /// TRANSP.
    pub transp: Option<String>,
    /// SEQUENCE.
    pub sequence: i64,
    /// RRULE.
    pub rrule: Option<String>,
    /// Raw component text (from `event_texts`; the description is read from it).
    pub raw: String,
    /// Content hash.
    pub content_hash: i64,
    /// Fingerprint.
    pub fingerprint: i64,
    /// Series end.
    pub series_end_utc: Option<i64>,
    /// Kept-as-history time.
    pub removed_at: Option<i64>,
    /// Last write time.
    pub updated_at: i64,
}

/// Columns of [`EventRow`], over `events e LEFT JOIN event_texts t`.
const EVENT_COLUMNS: &str = "e.id, e.calendar_id, e.uid, e.recurrence_id, e.summary, \
     e.location, e.start_utc, e.end_utc, e.all_day, e.floating, e.tzid, e.status, e.transp, \
     e.sequence, e.rrule, coalesce(t.raw, ''), e.content_hash, e.fingerprint, \
     e.series_end_utc, e.removed_at, e.updated_at";

const EVENT_FROM: &str = "events e LEFT JOIN event_texts t ON t.event_id = e.id";

fn event_from_row(r: &Row<'_>) -> rusqlite::Result<EventRow> {
    Ok(EventRow {
        id: EventId(r.get(0)?),
        calendar_id: CalendarId(r.get(1)?),
        uid: r.get(2)?,
        recurrence_id: r.get(3)?,
        summary: r.get(4)?,
        location: r.get(5)?,
        start_utc: r.get(6)?,
        end_utc: r.get(7)?,
        all_day: r.get(8)?,
        floating: r.get(9)?,
        tzid: r.get(10)?,
        status: r.get(11)?,
        transp: r.get(12)?,
        sequence: r.get(13)?,
        rrule: r.get(14)?,
        raw: r.get(15)?,
        content_hash: r.get(16)?,
        fingerprint: r.get(17)?,
        series_end_utc: r.get(18)?,
        removed_at: r.get(19)?,
        updated_at: r.get(20)?,
    })
}

// `?1` is a reserved row id, used only by INSERT_WITH_ID_SQL (the others ignore it).
const UPSERT_SQL: &str =
    "INSERT OR ROLLBACK INTO events (calendar_id, uid, recurrence_id, summary, \
     location, start_utc, end_utc, all_day, floating, tzid, status, transp, \
     sequence, rrule, content_hash, fingerprint, series_end_utc, updated_at) \
     VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19) \
     ON CONFLICT (calendar_id, uid, recurrence_id) DO UPDATE SET \
     summary = excluded.summary, location = excluded.location, \
     start_utc = excluded.start_utc, \
     end_utc = excluded.end_utc, all_day = excluded.all_day, floating = excluded.floating, \
     tzid = excluded.tzid, status = excluded.status, transp = excluded.transp, \
     sequence = excluded.sequence, rrule = excluded.rrule, \
     content_hash = excluded.content_hash, fingerprint = excluded.fingerprint, \
     series_end_utc = excluded.series_end_utc, removed_at = NULL, \
     updated_at = excluded.updated_at \
     RETURNING id";

const INSERT_SQL: &str = "INSERT OR ROLLBACK INTO events (calendar_id, uid, recurrence_id, \
     summary, location, start_utc, end_utc, all_day, floating, tzid, status, \
     transp, sequence, rrule, content_hash, fingerprint, series_end_utc, updated_at) \
     VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)";

const INSERT_WITH_ID_SQL: &str = "INSERT OR ROLLBACK INTO events (id, calendar_id, uid, \
     recurrence_id, summary, location, start_utc, end_utc, all_day, floating, tzid, status, \
     transp, sequence, rrule, content_hash, fingerprint, series_end_utc, updated_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, \
     ?19)";

/// The raw text of an upserted row.
const UPSERT_TEXT_SQL: &str = "INSERT OR ROLLBACK INTO event_texts (event_id, raw) \
     VALUES (?1, ?2) ON CONFLICT (event_id) DO UPDATE SET raw = excluded.raw";

const INSERT_TEXT_SQL: &str = "INSERT OR ROLLBACK INTO event_texts (event_id, raw) \
     VALUES (?1, ?2)";

const INSERT_OCCURRENCE_SQL: &str = "INSERT OR ROLLBACK INTO occurrences (span_class, \
     start_utc, event_id, end_utc, calendar_id, all_day, floating, recurrence_id) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

/// Rows whose occurrences this transaction removes: `cut_from` = the first start to
/// remove (`i64::MIN` for all). A temp table, so one scan of `occurrences` serves all.
const DOOMED_TABLE_SQL: &str = "CREATE TEMP TABLE IF NOT EXISTS doomed_occurrences \
     (event_id INTEGER PRIMARY KEY, cut_from INTEGER NOT NULL)";

const DOOM_SQL: &str = "INSERT INTO temp.doomed_occurrences (event_id, cut_from) \
     VALUES (?1, ?2) ON CONFLICT (event_id) DO UPDATE SET \
     cut_from = min(cut_from, excluded.cut_from)";

const DOOM_SERIES_SQL: &str = "INSERT INTO temp.doomed_occurrences (event_id, cut_from) \
     SELECT id, ?3 FROM events WHERE calendar_id = ?1 AND uid = ?2 \
     ON CONFLICT (event_id) DO UPDATE SET cut_from = min(cut_from, excluded.cut_from)";

const DELETE_DOOMED_SQL: &str = "DELETE FROM occurrences \
     WHERE event_id IN (SELECT event_id FROM temp.doomed_occurrences) \
     AND start_utc >= (SELECT cut_from FROM temp.doomed_occurrences d \
                       WHERE d.event_id = occurrences.event_id)";

fn event_index_of(conn: &rusqlite::Connection, calendar: CalendarId) -> Result<Vec<IndexedEvent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, uid, recurrence_id, content_hash, fingerprint, start_utc, \
         series_end_utc, removed_at FROM events INDEXED BY events_reconcile \
         WHERE calendar_id = ?1 ORDER BY uid, recurrence_id",
    )?;
    let rows = stmt.query_map([calendar.0], |r| {
        Ok(IndexedEvent {
            id: EventId(r.get(0)?),
            uid: r.get(1)?,
            recurrence_id: r.get(2)?,
            content_hash: r.get(3)?,
            fingerprint: r.get(4)?,
            start_utc: r.get(5)?,
            series_end_utc: r.get(6)?,
            removed_at: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Mirror {
    /// The reconciliation index of a calendar: every row (live and kept-as-history),
    /// ordered by `(uid, recurrence_id)`. Served from a covering index: no raw text is
    /// read.
    pub fn event_index(&self, calendar: CalendarId) -> Result<Vec<IndexedEvent>> {
        event_index_of(&self.conn, calendar)
    }

    /// A full stored row by id.
    pub fn event(&self, id: EventId) -> Result<Option<EventRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM {EVENT_FROM} WHERE e.id = ?1"
        ))?;
        Ok(stmt.query_row([id.0], event_from_row).optional()?)
    }

    /// A full stored row by its key.
    pub fn event_by_key(
        &self,
        calendar: CalendarId,
        uid: &str,
        recurrence_id: &str,
    ) -> Result<Option<EventRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM {EVENT_FROM} \
             WHERE e.calendar_id = ?1 AND e.uid = ?2 AND e.recurrence_id = ?3"
        ))?;
        Ok(stmt
            .query_row(params![calendar.0, uid, recurrence_id], event_from_row)
            .optional()?)
    }

    /// Event rows of a source that are not history (masters and overrides each
    /// count): live rows, and rows the source dropped that the user kept and that had
    /// not ended when they were dropped ("Keep my events").
    pub fn event_count(&self, source: SourceId) -> Result<u64> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT count(*) FROM calendars c JOIN events e ON e.calendar_id = c.id \
             WHERE c.source_id = ?1 AND (e.removed_at IS NULL \
             OR e.series_end_utc IS NULL OR e.series_end_utc > e.removed_at)",
        )?;
        Ok(stmt.query_row([source.0], |r| r.get(0))?)
    }

    /// Applies one sync of one calendar atomically (see the module docs for the order
    /// and the error semantics). On error nothing of the batch is visible.
    pub fn apply_calendar_sync(
        &mut self,
        calendar: CalendarId,
        batch: &SyncBatch<'_>,
    ) -> Result<ApplyCounts> {
        self.begin_calendar_sync(calendar, batch.state.attempted_at)?
            .apply(batch)
    }

    /// Opens the one transaction of a calendar sync, for callers that overlap work
    /// with it: on a first sync, [`CalendarSync::prewrite_texts`] stores the raw
    /// components while the caller is still expanding recurrences on another thread,
    /// then [`CalendarSync::apply`] writes the rest and commits. Dropping the value
    /// without `apply` rolls everything back.
    /// `now` is the sync's time (`updated_at` of the rows it writes).
    pub fn begin_calendar_sync(
        &mut self,
        calendar: CalendarId,
        now: i64,
    ) -> Result<CalendarSync<'_>> {
        self.checkpoint_if_wal_large()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // On any error `tx` is dropped un-committed, which rolls everything back.
        // Deferred FKs plus OR ROLLBACK on the bulk statements mean no statement can
        // abort alone, so SQLite keeps no per-statement undo journal (it copied every
        // touched page once per row). Any violation still fails the whole batch: OR
        // ROLLBACK ends the transaction at once, and deferred FKs fail the COMMIT.
        // Deferred FKs also let pre-written texts precede their event rows.
        tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
        let had_events: bool = tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM events WHERE calendar_id = ?1)")?
            .query_row([calendar.0], |r| r.get(0))?;
        Ok(CalendarSync {
            tx,
            calendar,
            had_events,
            now,
            prewritten: None,
        })
    }
}

/// The open transaction of one calendar sync (see [`Mirror::begin_calendar_sync`]).
pub struct CalendarSync<'m> {
    tx: rusqlite::Transaction<'m>,
    calendar: CalendarId,
    had_events: bool,
    /// The `updated_at` of every row written.
    now: i64,
    prewritten: Option<Prewritten>,
}

/// Rows inserted ahead by [`CalendarSync::prewrite_rows`]: keys with the series end
/// written, in key order, under consecutive ids from `base`.
pub(crate) struct Prewritten {
    keys: Vec<(String, String, Option<i64>)>,
    base: i64,
}

/// Parameters of UPSERT_SQL / INSERT_SQL / INSERT_WITH_ID_SQL (`?1` = reserved id).
macro_rules! event_params {
    ($id:expr, $calendar:expr, $w:expr, $now:expr) => {
        params![
            $id,
            $calendar.0,
            $w.uid,
            $w.recurrence_id,
            $w.summary,
            $w.location,
            $w.start_utc,
            $w.end_utc,
            $w.all_day,
            $w.floating,
            $w.tzid,
            $w.status,
            $w.transp,
            $w.sequence,
            $w.rrule,
            $w.content_hash,
            $w.fingerprint,
            $w.series_end_utc,
            $now
        ]
    };
}

impl CalendarSync<'_> {
    /// The calendar's reconciliation index (see [`Mirror::event_index`]), read inside
    /// this transaction: a plan made from it cannot be overtaken by another process's
    /// write before it is applied.
    pub fn event_index(&self) -> Result<Vec<IndexedEvent>> {
        event_index_of(&self.tx, self.calendar)
    }

    /// True when the calendar has no stored rows yet (its first sync).
    pub fn is_first_sync(&self) -> bool {
        !self.had_events
    }

    /// First sync only: inserts these rows (and their raw texts) now, while the caller
    /// is still expanding recurrences on another thread. Their `series_end_utc` may be
    /// a guess (the expansion decides it): [`CalendarSync::apply`] must then upsert
    /// exactly the same keys (checked: anything else rolls back) and corrects the
    /// series ends that differ. Returns how many rows were written.
    pub fn prewrite_rows(&mut self, rows: &[EventWrite<'_>]) -> Result<usize> {
        if self.had_events || self.prewritten.is_some() {
            return Err(StoreError::InvalidInput(
                "rows can be written ahead only once, on a calendar's first sync".into(),
            ));
        }
        let mut order: Vec<&EventWrite<'_>> = rows.iter().collect();
        order.sort_unstable_by_key(|w| (w.uid, w.recurrence_id));
        let base: i64 =
            self.tx
                .query_row("SELECT coalesce(max(id), 0) + 1 FROM events", [], |r| {
                    r.get(0)
                })?;
        let now = self.now;
        let mut insert = self.tx.prepare_cached(INSERT_WITH_ID_SQL)?;
        let mut text = self.tx.prepare_cached(INSERT_TEXT_SQL)?;
        for (n, w) in order.iter().enumerate() {
            let id = base + n as i64;
            insert.execute(event_params!(id, self.calendar, w, now))?;
            text.execute(params![id, w.raw])?;
        }
        self.prewritten = Some(Prewritten {
            keys: order
                .iter()
                .map(|w| {
                    (
                        w.uid.to_owned(),
                        w.recurrence_id.to_owned(),
                        w.series_end_utc,
                    )
                })
                .collect(),
            base,
        });
        Ok(order.len())
    }

    /// Writes the batch and commits. On error nothing of the sync is visible.
    pub fn apply(self, batch: &SyncBatch<'_>) -> Result<ApplyCounts> {
        if batch.log.outcome == SyncOutcome::Failed {
            return Err(StoreError::InvalidInput(
                "a failed sync writes no events: use record_attempt".into(),
            ));
        }
        if batch.state.attempted_at != self.now {
            return Err(StoreError::InvalidInput(
                "the batch's time differs from the one the sync began with".into(),
            ));
        }
        let counts = apply_in(
            &self.tx,
            self.calendar,
            self.had_events,
            self.prewritten.as_ref(),
            batch,
        )?;
        self.tx.commit()?;
        Ok(counts)
    }
}

/// Records the row id of an upserted component; the same key twice is a bad batch.
fn note_row_id<'b>(
    ids: &mut HashMap<(&'b str, &'b str), i64>,
    w: &EventWrite<'b>,
    id: i64,
) -> Result<()> {
    if ids.insert((w.uid, w.recurrence_id), id).is_some() {
        return Err(StoreError::InvalidInput(format!(
            "the batch upserts uid={:?} recurrence_id={:?} twice",
            w.uid, w.recurrence_id
        )));
    }
    Ok(())
}

fn apply_in(
    conn: &Connection,
    calendar: CalendarId,
    // A calendar without rows has no occurrences either, so the first sync can skip
    // the occurrence deletes and use plain INSERTs.
    had_events: bool,
    prewritten: Option<&Prewritten>,
    b: &SyncBatch<'_>,
) -> Result<ApplyCounts> {
    let changes = EventChanges {
        upserts: &b.upserts,
        renames: &b.renames,
        deletes: &b.deletes,
        retire: &b.retire,
        replace_occurrences: &b.replace_occurrences,
    };
    let now = b.state.attempted_at;
    let (source, mut counts) =
        apply_event_changes(conn, calendar, had_events, prewritten, &changes, now)?;
    let live = if b.reexpansion {
        write_window_state(conn, source, &b.state)?
    } else {
        let live = write_success_state(conn, source, &b.state)?;
        append_log(conn, source, now, &b.log)?;
        live
    };
    counts.live_events = u64::try_from(live).unwrap_or(0);
    if let Some(zones) = &b.timezones {
        crate::objects::replace_calendar_timezones(conn, calendar, zones, b.calendar_zone)?;
    }
    Ok(counts)
}

/// The rows and occurrences one change of a calendar writes: a sync's (with its state
/// and log written beside it) or a local edit's (with its remote object).
pub(crate) struct EventChanges<'b, 'a> {
    pub upserts: &'b [EventWrite<'a>],
    pub renames: &'b [(EventId, &'a str)],
    pub deletes: &'b [EventId],
    pub retire: &'b [(EventId, i64, i64)],
    pub replace_occurrences: &'b [SeriesOccurrences<'a>],
}

/// Writes `b` into `calendar` inside the caller's transaction; returns the calendar's
/// source and what was done (`live_events` left 0).
pub(crate) fn apply_event_changes(
    conn: &Connection,
    calendar: CalendarId,
    had_events: bool,
    prewritten: Option<&Prewritten>,
    b: &EventChanges<'_, '_>,
    now: i64,
) -> Result<(SourceId, ApplyCounts)> {
    let source: i64 = conn
        .prepare_cached("SELECT source_id FROM calendars WHERE id = ?1")?
        .query_row([calendar.0], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::not_found("calendar", calendar.0))?;
    let mut counts = ApplyCounts::default();
    // The doomed-occurrences table only when rows may go: a pulled object that is new
    // (most of an account's first sync, one call per object) neither parses nor runs
    // these two statements.
    if !b.deletes.is_empty()
        || !b.retire.is_empty()
        || (had_events && !b.replace_occurrences.is_empty())
    {
        conn.execute_batch(DOOMED_TABLE_SQL)?;
        conn.prepare_cached("DELETE FROM temp.doomed_occurrences")?
            .execute([])?;
    }
    let mut doomed = 0usize;

    if !b.renames.is_empty() {
        let mut stmt = conn.prepare_cached(
            "UPDATE events SET uid = ?3, updated_at = ?4 WHERE id = ?1 AND calendar_id = ?2",
        )?;
        for (id, uid) in b.renames {
            if stmt.execute(params![id.0, calendar.0, uid, now])? == 0 {
                return Err(StoreError::not_found("event in calendar", id.0));
            }
            counts.renamed += 1;
        }
    }

    if !b.deletes.is_empty() {
        let mut doom = conn.prepare_cached(DOOM_SQL)?;
        let mut stmt =
            conn.prepare_cached("DELETE FROM events WHERE id = ?1 AND calendar_id = ?2")?;
        for id in b.deletes {
            if stmt.execute(params![id.0, calendar.0])? == 0 {
                return Err(StoreError::not_found("event in calendar", id.0));
            }
            doomed += doom.execute(params![id.0, i64::MIN])?;
            counts.deleted += 1;
        }
    }

    if !b.retire.is_empty() {
        let mut mark = conn.prepare_cached(
            "UPDATE events SET removed_at = ?3, updated_at = ?4 WHERE id = ?1 AND calendar_id = ?2",
        )?;
        let mut doom = conn.prepare_cached(DOOM_SQL)?;
        for (id, removed_at, cut_from) in b.retire {
            if mark.execute(params![id.0, calendar.0, removed_at, now])? == 0 {
                return Err(StoreError::not_found("event in calendar", id.0));
            }
            doomed += doom.execute(params![id.0, cut_from])?;
            counts.retired += 1;
        }
    }

    // (uid, recurrence_id) -> row id, borrowed from the batch: filled from RETURNING,
    // then from single lookups for components the batch does not rewrite.
    let mut ids: HashMap<(&str, &str), i64> = HashMap::with_capacity(b.upserts.len());
    if !b.upserts.is_empty() {
        // Key order: the UNIQUE and reconciliation indexes (both led by the UID) then
        // grow at their end instead of taking random insertions (feeds with random
        // UUIDs), and row ids follow the same order.
        let mut order: Vec<&EventWrite<'_>> = b.upserts.iter().collect();
        order.sort_unstable_by_key(|w| (w.uid, w.recurrence_id));
        // First sync of the calendar: nothing can conflict, so a plain INSERT and
        // last_insert_rowid() replace the UPSERT's RETURNING (a UNIQUE violation from a
        // duplicate in the batch still rolls everything back).
        if let Some(pre) = prewritten {
            // Rows already inserted: check they are this batch's, fix the series ends
            // the expansion decided differently, and take their reserved ids.
            let same = pre.keys.len() == order.len()
                && pre
                    .keys
                    .iter()
                    .zip(&order)
                    .all(|((u, r, _), w)| u == w.uid && r == w.recurrence_id);
            if !same {
                return Err(StoreError::InvalidInput(
                    "the batch does not upsert exactly the rows written ahead".into(),
                ));
            }
            let mut fix =
                conn.prepare_cached("UPDATE events SET series_end_utc = ?2 WHERE id = ?1")?;
            for (n, ((_, _, written), w)) in pre.keys.iter().zip(&order).enumerate() {
                let id = pre.base + n as i64;
                if *written != w.series_end_utc {
                    fix.execute(params![id, w.series_end_utc])?;
                }
                note_row_id(&mut ids, w, id)?;
                counts.upserted += 1;
            }
        } else {
            let mut stmt = conn.prepare_cached(if had_events { UPSERT_SQL } else { INSERT_SQL })?;
            let mut text = conn.prepare_cached(if had_events {
                UPSERT_TEXT_SQL
            } else {
                INSERT_TEXT_SQL
            })?;
            for w in order {
                let p = event_params!(0, calendar, w, now);
                let id: i64 = if had_events {
                    stmt.query_row(p, |r| r.get(0))?
                } else {
                    stmt.execute(p)?;
                    conn.last_insert_rowid()
                };
                text.execute(params![id, w.raw])?;
                note_row_id(&mut ids, w, id)?;
                counts.upserted += 1;
            }
        }
    }

    if !b.replace_occurrences.is_empty() {
        let mut seen: HashSet<&str> = HashSet::with_capacity(b.replace_occurrences.len());
        let mut doom_series = if had_events {
            Some(conn.prepare_cached(DOOM_SERIES_SQL)?)
        } else {
            None
        };
        let mut lookup = conn.prepare_cached(
            "SELECT id FROM events WHERE calendar_id = ?1 AND uid = ?2 AND recurrence_id = ?3",
        )?;
        // Resolve and check everything first, then insert in key order: the clustered
        // occurrence table then grows at its end instead of taking ~400k random
        // insertions on a first sync.
        let total: usize = b
            .replace_occurrences
            .iter()
            .map(|s| s.occurrences.len())
            .sum();
        let mut rows: Vec<(i64, i64, i64, &OccurrenceWrite<'_>)> = Vec::with_capacity(total);
        for series in b.replace_occurrences {
            if !seen.insert(series.uid) {
                return Err(StoreError::InvalidInput(format!(
                    "the batch replaces the occurrences of uid={:?} twice",
                    series.uid
                )));
            }
            if let Some(stmt) = doom_series.as_mut() {
                doomed += stmt.execute(params![calendar.0, series.uid, i64::MIN])?;
            }
            // Occurrences come grouped by producing component: remember the last one
            // resolved to skip the hash lookup on runs.
            let mut last: Option<(&str, i64)> = None;
            for o in &series.occurrences {
                let event_id = match last {
                    Some((rid, id)) if rid == o.recurrence_id => id,
                    _ => {
                        let key = (series.uid, o.recurrence_id);
                        let id = match ids.get(&key) {
                            Some(id) => *id,
                            None => {
                                let id: i64 = lookup
                                    .query_row(
                                        params![calendar.0, series.uid, o.recurrence_id],
                                        |r| r.get(0),
                                    )
                                    .optional()?
                                    .ok_or_else(|| StoreError::UnknownComponent {
                                        calendar: calendar.0,
                                        uid: series.uid.to_owned(),
                                        recurrence_id: o.recurrence_id.to_owned(),
                                    })?;
                                ids.insert(key, id);
                                id
                            }
                        };
                        last = Some((o.recurrence_id, id));
                        id
                    }
                };
                if o.end_utc < o.start_utc {
                    return Err(StoreError::InvalidInput(format!(
                        "occurrence of uid={:?} ends before it starts ({} < {})",
                        series.uid, o.end_utc, o.start_utc
                    )));
                }
                rows.push((
                    span_class(o.end_utc - o.start_utc, o.all_day || o.floating),
                    o.start_utc,
                    event_id,
                    o,
                ));
            }
        }
        if doomed > 0 {
            counts.occurrences_deleted +=
                conn.prepare_cached(DELETE_DOOMED_SQL)?.execute([])? as u64;
            doomed = 0;
        }
        rows.sort_unstable_by_key(|r| (r.0, r.1, r.2));
        // The same component cannot start twice at one instant (an RDATE repeating
        // DTSTART, say): keep the first, as the key demands.
        rows.dedup_by_key(|r| (r.0, r.1, r.2));
        let mut insert = conn.prepare_cached(INSERT_OCCURRENCE_SQL)?;
        // Typed binds: a first sync inserts ~400k rows, and the generic `params!`
        // path (a `&dyn ToSql` slice and a count check per row) cost a third of it.
        for (class, start, event_id, o) in rows {
            insert.raw_bind_parameter(1, class)?;
            insert.raw_bind_parameter(2, start)?;
            insert.raw_bind_parameter(3, event_id)?;
            insert.raw_bind_parameter(4, o.end_utc)?;
            insert.raw_bind_parameter(5, calendar.0)?;
            insert.raw_bind_parameter(6, o.all_day)?;
            insert.raw_bind_parameter(7, o.floating)?;
            insert.raw_bind_parameter(8, o.instance_id)?;
            insert.raw_execute()?;
            counts.occurrences_inserted += 1;
        }
    }
    if doomed > 0 {
        counts.occurrences_deleted += conn.prepare_cached(DELETE_DOOMED_SQL)?.execute([])? as u64;
    }
    Ok((SourceId(source), counts))
}
