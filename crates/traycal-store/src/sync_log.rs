//! Per-source sync state and the append-only sync log.
//!
//! Invariants:
//! - every sync attempt leaves exactly one `sync_log` row, written in the same
//!   transaction as the `sync_state` change it explains (by [`Mirror::record_attempt`]
//!   for attempts that change no events, by [`Mirror::apply_calendar_sync`] otherwise);
//! - `consecutive_failures` counts failures since the last success and is reset by any
//!   success (`updated`, `unchanged`, `not_modified`);
//! - a failure never touches the validators (ETag, Last-Modified, content hash) or the
//!   events: the last good mirror stays as it was;
//! - log rows outlive their source (`source_id` becomes NULL, `source_name` stays).

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use serde::{Deserialize, Serialize};

use traycal_core::sync_counts::SyncCounts;

use crate::error::{Result, StoreError};
use crate::{Mirror, SourceId};

/// Outcome of one sync attempt, as logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncOutcome {
    /// Events were (or may have been) written.
    #[default]
    Updated,
    /// Downloaded, but the content hash matched: nothing parsed or written.
    Unchanged,
    /// The server answered 304 Not Modified.
    NotModified,
    /// The attempt failed; the mirror kept its previous contents.
    Failed,
}

impl SyncOutcome {
    /// The value stored in `sync_log.outcome`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Updated => "updated",
            Self::Unchanged => "unchanged",
            Self::NotModified => "not_modified",
            Self::Failed => "failed",
        }
    }

    /// Parses a stored outcome.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "updated" => Self::Updated,
            "unchanged" => Self::Unchanged,
            "not_modified" => Self::NotModified,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

/// The `sync_state` row of a source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStateRow {
    /// Source.
    pub source_id: SourceId,
    /// Last ETag the server sent.
    pub etag: Option<String>,
    /// Last `Last-Modified` the server sent.
    pub last_modified: Option<String>,
    /// Hash of the last applied feed body.
    pub content_hash: Option<i64>,
    /// Last attempt time.
    pub last_attempt_at: Option<i64>,
    /// Last successful attempt time.
    pub last_success_at: Option<i64>,
    /// When the next sync is due.
    pub next_due_at: Option<i64>,
    /// Failures since the last success.
    pub consecutive_failures: i64,
    /// Last error message (masked, no secrets).
    pub last_error: Option<String>,
    /// Last error code.
    pub last_error_code: Option<String>,
    /// The technical account of the last error.
    pub last_error_detail: Option<String>,
    /// Live (not removed) event rows of the source after the last apply.
    pub event_count: i64,
    /// Materialisation window start of the last apply.
    pub window_from: Option<i64>,
    /// Materialisation window end of the last apply.
    pub window_to: Option<i64>,
    /// What the last apply had to leave out (series cut by the budget), if anything.
    pub notice: Option<String>,
    /// The last applied body had no `END:VCALENDAR` (the feed's habit).
    pub unclosed_ok: bool,
}

/// Sync state written by a successful [`Mirror::apply_calendar_sync`].
/// `event_count` is computed by the mirror inside the transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncStateUpdate<'a> {
    /// Attempt time (`now`); also the log row's `at` and the events' `updated_at`.
    pub attempted_at: i64,
    /// Next due time.
    pub next_due_at: i64,
    /// ETag to remember.
    pub etag: Option<&'a str>,
    /// Last-Modified to remember.
    pub last_modified: Option<&'a str>,
    /// Hash of the applied body.
    pub content_hash: Option<i64>,
    /// Materialisation window start.
    pub window_from: Option<i64>,
    /// Materialisation window end.
    pub window_to: Option<i64>,
    /// What this apply had to leave out; `None` clears an earlier notice.
    pub notice: Option<&'a str>,
    /// The applied body had no `END:VCALENDAR`.
    pub unclosed_ok: bool,
}

/// The log row of one sync (time is taken from [`SyncStateUpdate::attempted_at`] or
/// [`AttemptRecord::attempted_at`]). Counts are the engine's reconciliation result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogEntry<'a> {
    /// Outcome.
    pub outcome: SyncOutcome,
    /// What the sync changed, here and on the server.
    pub counts: SyncCounts,
    /// Number of parse / expansion diagnostics.
    pub diagnostics: u64,
    /// Wall time of the whole sync.
    pub duration_ms: u64,
    /// Error message (masked).
    pub error: Option<&'a str>,
    /// Error code.
    pub error_code: Option<&'a str>,
    /// The technical account of the error.
    pub error_detail: Option<&'a str>,
    /// The diagnostics, one per line (see [`notes_text`]).
    pub notes: Option<&'a str>,
}

/// New HTTP validators to remember on an `unchanged` / `not_modified` attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Validators<'a> {
    /// ETag.
    pub etag: Option<&'a str>,
    /// Last-Modified.
    pub last_modified: Option<&'a str>,
}

/// An attempt that writes no events: `not_modified`, `unchanged` or `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptRecord<'a> {
    /// Must not be [`SyncOutcome::Updated`] (use `apply_calendar_sync`).
    pub outcome: SyncOutcome,
    /// Attempt time (`now`).
    pub attempted_at: i64,
    /// Next due time (the engine's backoff on failure).
    pub next_due_at: i64,
    /// Wall time of the attempt.
    pub duration_ms: u64,
    /// Diagnostics count.
    pub diagnostics: u64,
    /// Error message (masked) for `failed`.
    pub error: Option<&'a str>,
    /// Error code for `failed`.
    pub error_code: Option<&'a str>,
    /// The technical account of the error, for `failed`.
    pub error_detail: Option<&'a str>,
    /// On success, replaces the stored ETag / Last-Modified when `Some`.
    pub validators: Option<Validators<'a>>,
    /// The diagnostics, one per line (see [`notes_text`]).
    pub notes: Option<&'a str>,
}

/// One `sync_log` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncLogRow {
    /// Row id (insertion order).
    pub id: i64,
    /// Source, `None` once the source was removed.
    pub source_id: Option<SourceId>,
    /// Source name at the time of the sync.
    pub source_name: String,
    /// Attempt time.
    pub at: i64,
    /// Outcome.
    pub outcome: SyncOutcome,
    /// What the sync changed, here and on the server.
    pub counts: SyncCounts,
    /// Diagnostics count.
    pub diagnostics: u64,
    /// Duration.
    pub duration_ms: u64,
    /// Error message.
    pub error: Option<String>,
    /// Error code.
    pub error_code: Option<String>,
    /// The technical account of the error.
    pub error_detail: Option<String>,
    /// What the sync worked around or left out, one line each.
    pub notes: Option<String>,
}

/// Lines kept in one log row's notes; the rest are counted.
pub const MAX_NOTE_LINES: usize = 50;

/// The notes of a log row: the first [`MAX_NOTE_LINES`] lines (each at most 500
/// characters), then how many more there were. `None` when there are none.
pub fn notes_text(lines: &[String]) -> Option<String> {
    if lines.is_empty() {
        return None;
    }
    let mut out = String::new();
    for l in lines.iter().take(MAX_NOTE_LINES) {
        let line: String = l
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(500)
            .collect();
        out.push_str(&line);
        out.push('\n');
    }
    if lines.len() > MAX_NOTE_LINES {
        out.push_str(&format!("… and {} more\n", lines.len() - MAX_NOTE_LINES));
    }
    out.pop();
    Some(out)
}

fn log_from_row(r: &Row<'_>) -> rusqlite::Result<SyncLogRow> {
    let outcome: String = r.get(4)?;
    let outcome = SyncOutcome::parse(&outcome).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            4,
            rusqlite::types::Type::Text,
            format!("unknown outcome {outcome:?}").into(),
        )
    })?;
    Ok(SyncLogRow {
        id: r.get(0)?,
        source_id: r.get::<_, Option<i64>>(1)?.map(SourceId),
        source_name: r.get(2)?,
        at: r.get(3)?,
        outcome,
        counts: SyncCounts {
            added: r.get(5)?,
            updated: r.get(6)?,
            removed: r.get(7)?,
            kept_as_history: r.get(8)?,
            pushed: r.get(15)?,
            conflicts: r.get(16)?,
        },
        diagnostics: r.get(9)?,
        duration_ms: r.get(10)?,
        error: r.get(11)?,
        error_code: r.get(12)?,
        notes: r.get(13)?,
        error_detail: r.get(14)?,
    })
}

/// Appends one log row; the source name is copied so the row outlives the source.
pub(crate) fn append_log(
    conn: &Connection,
    source: SourceId,
    at: i64,
    log: &LogEntry<'_>,
) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO sync_log (source_id, source_name, at, outcome, added, updated, removed, \
         kept_as_history, diagnostics, duration_ms, error, error_code, notes, error_detail, \
         pushed, conflicts) \
         SELECT id, name, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15 \
         FROM sources WHERE id = ?1",
    )?;
    let c = &log.counts;
    let n = stmt.execute(params![
        source.0,
        at,
        log.outcome.as_str(),
        c.added,
        c.updated,
        c.removed,
        c.kept_as_history,
        log.diagnostics,
        log.duration_ms,
        log.error,
        log.error_code,
        log.notes,
        log.error_detail,
        c.pushed,
        c.conflicts
    ])?;
    if n == 0 {
        return Err(StoreError::not_found("source", source.0));
    }
    Ok(())
}

/// Writes the state of a successful apply, counting live events inside the transaction.
pub(crate) fn write_success_state(
    conn: &Connection,
    source: SourceId,
    st: &SyncStateUpdate<'_>,
) -> Result<i64> {
    let live = live_events(conn, source)?;
    let n = conn
        .prepare_cached(
            "UPDATE sync_state SET etag = ?2, last_modified = ?3, content_hash = ?4, \
             last_attempt_at = ?5, last_success_at = ?5, next_due_at = ?6, \
             consecutive_failures = 0, last_error = NULL, last_error_code = NULL, \
             last_error_detail = NULL, \
             event_count = ?7, window_from = ?8, window_to = ?9, notice = ?10, \
             unclosed_ok = ?11 WHERE source_id = ?1",
        )?
        .execute(params![
            source.0,
            st.etag,
            st.last_modified,
            st.content_hash,
            st.attempted_at,
            st.next_due_at,
            live,
            st.window_from,
            st.window_to,
            st.notice,
            st.unclosed_ok
        ])?;
    if n == 0 {
        return Err(StoreError::not_found("sync state of source", source.0));
    }
    Ok(live)
}

/// The state a re-expansion writes ([`crate::SyncBatch::reexpansion`]): the window,
/// the notice and the live count; the source's validators, times and errors stay.
pub(crate) fn write_window_state(
    conn: &Connection,
    source: SourceId,
    st: &SyncStateUpdate<'_>,
) -> Result<i64> {
    let live = live_events(conn, source)?;
    let n = conn
        .prepare_cached(
            "UPDATE sync_state SET event_count = ?2, window_from = ?3, window_to = ?4, \
             notice = ?5 WHERE source_id = ?1",
        )?
        .execute(params![
            source.0,
            live,
            st.window_from,
            st.window_to,
            st.notice
        ])?;
    if n == 0 {
        return Err(StoreError::not_found("sync state of source", source.0));
    }
    Ok(live)
}

/// Live rows of a source: not removed, or kept as history with occurrences to come.
fn live_events(conn: &Connection, source: SourceId) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM calendars c JOIN events e ON e.calendar_id = c.id \
             WHERE c.source_id = ?1 AND (e.removed_at IS NULL \
             OR e.series_end_utc IS NULL OR e.series_end_utc > e.removed_at)",
        )?
        .query_row([source.0], |r| r.get(0))?)
}

impl Mirror {
    /// The sync state of a source; [`StoreError::NotFound`] if the source does not exist.
    pub fn sync_state(&self, source: SourceId) -> Result<SyncStateRow> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT source_id, etag, last_modified, content_hash, last_attempt_at, \
             last_success_at, next_due_at, consecutive_failures, last_error, last_error_code, \
             event_count, window_from, window_to, notice, unclosed_ok, last_error_detail \
             FROM sync_state \
             WHERE source_id = ?1",
        )?;
        stmt.query_row([source.0], |r| {
            Ok(SyncStateRow {
                source_id: SourceId(r.get(0)?),
                etag: r.get(1)?,
                last_modified: r.get(2)?,
                content_hash: r.get(3)?,
                last_attempt_at: r.get(4)?,
                last_success_at: r.get(5)?,
                next_due_at: r.get(6)?,
                consecutive_failures: r.get(7)?,
                last_error: r.get(8)?,
                last_error_code: r.get(9)?,
                event_count: r.get(10)?,
                window_from: r.get(11)?,
                window_to: r.get(12)?,
                notice: r.get(13)?,
                unclosed_ok: r.get(14)?,
                last_error_detail: r.get(15)?,
            })
        })
        .optional()?
        .ok_or_else(|| StoreError::not_found("sync state of source", source.0))
    }

    /// Records an attempt that wrote no events (`not_modified`, `unchanged`, `failed`):
    /// updates `sync_state` and appends a log row, in one small transaction.
    pub fn record_attempt(&mut self, source: SourceId, a: &AttemptRecord<'_>) -> Result<()> {
        if a.outcome == SyncOutcome::Updated {
            return Err(StoreError::InvalidInput(
                "record_attempt is for attempts that write no events; \
                 use apply_calendar_sync for 'updated'"
                    .into(),
            ));
        }
        self.checkpoint_if_wal_large()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = if a.outcome == SyncOutcome::Failed {
            tx.prepare_cached(
                "UPDATE sync_state SET last_attempt_at = ?2, next_due_at = ?3, \
                 consecutive_failures = consecutive_failures + 1, \
                 last_error = ?4, last_error_code = ?5, last_error_detail = ?6 \
                 WHERE source_id = ?1",
            )?
            .execute(params![
                source.0,
                a.attempted_at,
                a.next_due_at,
                a.error,
                a.error_code,
                a.error_detail
            ])?
        } else {
            let v = a.validators;
            tx.prepare_cached(
                "UPDATE sync_state SET last_attempt_at = ?2, last_success_at = ?2, \
                 next_due_at = ?3, consecutive_failures = 0, last_error = NULL, \
                 last_error_code = NULL, last_error_detail = NULL, \
                 etag = CASE WHEN ?4 THEN ?5 ELSE etag END, \
                 last_modified = CASE WHEN ?4 THEN ?6 ELSE last_modified END \
                 WHERE source_id = ?1",
            )?
            .execute(params![
                source.0,
                a.attempted_at,
                a.next_due_at,
                v.is_some(),
                v.and_then(|v| v.etag),
                v.and_then(|v| v.last_modified)
            ])?
        };
        if n == 0 {
            return Err(StoreError::not_found("sync state of source", source.0));
        }
        append_log(
            &tx,
            source,
            a.attempted_at,
            &LogEntry {
                outcome: a.outcome,
                diagnostics: a.diagnostics,
                duration_ms: a.duration_ms,
                error: a.error,
                error_code: a.error_code,
                error_detail: a.error_detail,
                notes: a.notes,
                ..LogEntry::default()
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records a successful sync whose events were written already, as it went (a
    /// two-way sync writes object by object): updates `sync_state` (live events
    /// recounted) and appends the log row, in one small transaction. Returns the live
    /// event count.
    pub fn record_synced(
        &mut self,
        source: SourceId,
        state: &SyncStateUpdate<'_>,
        log: &LogEntry<'_>,
    ) -> Result<i64> {
        if log.outcome == SyncOutcome::Failed {
            return Err(StoreError::InvalidInput(
                "record_synced is for syncs that succeeded; use record_attempt for 'failed'".into(),
            ));
        }
        self.checkpoint_if_wal_large()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let live = write_success_state(&tx, source, state)?;
        append_log(&tx, source, state.attempted_at, log)?;
        tx.commit()?;
        Ok(live)
    }

    /// The newest `limit` log rows (of one source, or of all), newest first (by time,
    /// then insertion order).
    pub fn sync_log(&self, source: Option<SourceId>, limit: usize) -> Result<Vec<SyncLogRow>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        const COLS: &str = "id, source_id, source_name, at, outcome, added, updated, removed, \
             kept_as_history, diagnostics, duration_ms, error, error_code, notes, error_detail, \
             pushed, conflicts";
        let rows = match source {
            Some(s) => {
                let mut stmt = self.conn.prepare_cached(&format!(
                    "SELECT {COLS} FROM sync_log WHERE source_id = ?1 \
                     ORDER BY at DESC, id DESC LIMIT ?2"
                ))?;
                let rows = stmt.query_map(params![s.0, limit], log_from_row)?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            }
            None => {
                let mut stmt = self.conn.prepare_cached(&format!(
                    "SELECT {COLS} FROM sync_log ORDER BY at DESC, id DESC LIMIT ?1"
                ))?;
                let rows = stmt.query_map([limit], log_from_row)?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            }
        };
        Ok(rows)
    }

    /// Deletes log rows older than `before` (Unix seconds); returns how many.
    pub fn prune_sync_log(&mut self, before: i64) -> Result<u64> {
        let n = self
            .conn
            .execute("DELETE FROM sync_log WHERE at < ?1", [before])?;
        Ok(n as u64)
    }
}
