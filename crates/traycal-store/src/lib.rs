//! The Traycal SQLite mirror: one local database holding every calendar Traycal shows.
//!
//! [`Mirror`] owns one SQLite connection (WAL, `synchronous=NORMAL`, foreign keys on,
//! 30 s busy timeout) and exposes domain operations: sources and their calendars
//! ([`sources`]), the sync state and sync log ([`sync_log`]), the per-calendar event
//! index and the transactional application of one sync ([`events`]), and the agenda
//! queries ([`occurrences`]). The schema and its versioned migrations are in [`schema`].
//!
//! Invariants this crate keeps:
//! - **One sync = one transaction.** [`Mirror::apply_calendar_sync`] writes events,
//!   occurrences, sync state and the log entry atomically; any error rolls everything
//!   back, and a crash at any point leaves the previous state (WAL + transaction).
//! - **Text is data.** Every value is a bound parameter and is stored verbatim (SQL
//!   fragments, markup, NUL bytes, megabyte strings); nothing is ever spliced into SQL.
//! - **No secrets.** The mirror stores masked URLs and keyring references only; the
//!   plain URL column is for URLs that carry no secret.
//! - **Time is explicit.** Times are `i64` Unix seconds UTC; all-day and floating
//!   values store their wall time encoded as if it were UTC, flagged, and the engine
//!   converts when querying. The mirror never reads the clock: callers pass `now`.
//! - **Components are keyed by (calendar, UID, RECURRENCE-ID)**, `''` for the master, so
//!   a re-listing reconciles instead of duplicating.

mod error;
pub mod events;
pub mod objects;
pub mod occurrences;
pub mod reminders;
pub mod schema;
pub mod sources;
pub mod sync_log;

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

pub use error::{Result, StoreError, StoreErrorKind};
pub use events::{
    ApplyCounts, CalendarSync, EventRow, EventWrite, IndexedEvent, OccurrenceWrite,
    SeriesOccurrences, SyncBatch,
};
pub use objects::{
    ConflictRow, LocalChange, ObjectKey, ObjectState, OutboxEntry, OutboxOp, PulledObject,
    Recorded, ReexpandedObject, RemoteObject, MAX_SENT_HASHES,
};
pub use occurrences::{AgendaRow, CalendarLine, EventLine, OccurrenceRow};
pub use reminders::{FiredReminder, ReminderSettingsRow};
pub use schema::SCHEMA_VERSION;
pub use sources::{
    CalendarPatch, CalendarRow, NewCalendar, NewSource, SourceKind, SourcePatch, SourceRow,
    SyncDirection,
};
pub use sync_log::{
    AttemptRecord, LogEntry, SyncLogRow, SyncOutcome, SyncStateRow, SyncStateUpdate, Validators,
};
pub use traycal_core::sync_counts::SyncCounts;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// Row id of a source (`sources.id`).
    SourceId
);
id_type!(
    /// Row id of a calendar (`calendars.id`).
    CalendarId
);
id_type!(
    /// Row id of one stored component (`events.id`): a master or an override.
    EventId
);
id_type!(
    /// Row id of a remote object (`remote_objects.id`): what a server versions.
    ObjectId
);
id_type!(
    /// Row id of a conflict record (`conflicts.id`).
    ConflictId
);

/// How long a statement waits for another connection's lock before failing with
/// [`StoreErrorKind::Busy`]. Another process's sync holds the write lock for one
/// transaction (a few seconds for a 100 MB feed's first sync; syncs themselves are
/// serialised by the engine's sync lock), so a short write of the tray app (a
/// reminder claim) waits it out instead of failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Page cache per connection, in KiB. A big first sync appends in key order (rows,
/// texts, clustered occurrences), so spilled pages are rarely read again; a larger
/// cache only raised peak memory (64 MiB cost 50 MB of RSS for no speed).
const CACHE_SIZE_KIB: i64 = 16 * 1024;

/// Bytes of the database file read through a memory map instead of `pread` copies.
/// An agenda query touches a few thousand scattered event rows; mapped, that costs page
/// faults on already-cached file pages instead of one 32 KiB copy per row (measured: a
/// 7-day agenda on 400k occurrences went from ~20 ms to ~4 ms). Only the database file
/// is mapped (never the WAL), and mapped pages are shared, reclaimable page cache.
const MMAP_BYTES: i64 = 1 << 30;

/// WAL size above which a write first checkpoints (safety net for callers that never
/// call [`Mirror::checkpoint`]).
const WAL_CHECKPOINT_BYTES: u64 = 64 << 20;

/// The local mirror of all calendars. One writer; open one per thread that needs it.
pub struct Mirror {
    pub(crate) conn: Connection,
}

impl std::fmt::Debug for Mirror {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mirror")
            .field("path", &self.conn.path())
            .finish()
    }
}

impl Mirror {
    /// Opens (creating if needed, with its parent directories) the database at `path`,
    /// configures it and migrates it to [`SCHEMA_VERSION`].
    ///
    /// Event texts hold meeting passcodes: a new directory is created 0700 and the
    /// database 0600 (SQLite gives its `-wal` and `-shm` files the database's mode);
    /// an existing database's files are narrowed to 0600.
    ///
    /// Fails with [`StoreError::SchemaTooNew`] when the file comes from a newer build,
    /// with [`StoreError::EmptyFile`] for an existing file of zero bytes (what a crash
    /// left, never a new database), and names the file when it is damaged or
    /// read-only.
    pub fn open(path: &Path) -> Result<Mirror> {
        if let Some(parent) = path.parent() {
            if !parent.as_os_str().is_empty() && !parent.exists() {
                private_dir(parent).map_err(|source| StoreError::Io {
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
        }
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() && meta.len() == 0 => {
                return Err(StoreError::EmptyFile {
                    path: path.to_path_buf(),
                })
            }
            Ok(_) => narrow_to_owner(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // Created here so it never exists with wider permissions.
                create_private_file(path).map_err(|source| StoreError::Io {
                    path: path.to_path_buf(),
                    source,
                })?
            }
            Err(source) => {
                return Err(StoreError::Io {
                    path: path.to_path_buf(),
                    source,
                })
            }
        }
        let conn = Connection::open(path).map_err(|e| StoreError::from(e).with_path(path))?;
        Self::configure(conn, true).map_err(|e| e.with_path(path))
    }

    /// A private in-memory database (tests, dry runs). Not persisted, no WAL.
    pub fn open_in_memory() -> Result<Mirror> {
        let conn = Connection::open_in_memory()?;
        Self::configure(conn, false)
    }

    fn configure(mut conn: Connection, on_disk: bool) -> Result<Mirror> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Refuse a newer file before writing anything to it (the WAL switch below
        // writes the header).
        let found = schema::user_version(&conn)?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if on_disk {
            // Only effective on a new, empty file; must precede the WAL switch. Raw
            // components are ~2 KB each: 32 KiB pages hold fifteen with little slack
            // and halve the B-tree work of a large first sync compared with 8 KiB
            // (measured: 0.65 s against 0.77 s of SQLite time for 50k events).
            conn.execute_batch("PRAGMA page_size = 32768")?;
            let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError::InvalidInput(format!(
                    "the database refused WAL journaling (got {mode:?}); is it on a network share?"
                )));
            }
        }
        conn.execute_batch(&format!(
            "PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY;
             PRAGMA cache_size = -{CACHE_SIZE_KIB};
             PRAGMA wal_autocheckpoint = 0;
             PRAGMA mmap_size = {MMAP_BYTES};"
        ))?;
        conn.set_prepared_statement_cache_capacity(64);
        // `rarray(?)`: a list of ids as one bound parameter (the agenda's event lookup).
        rusqlite::vtab::array::load_module(&conn)?;
        schema::migrate(&mut conn)?;
        Ok(Mirror { conn })
    }

    /// Caps the memory this connection keeps resident: at most `mmap_bytes` of the
    /// file mapped and `cache_kib` of page cache. A long-running tray app trades some
    /// query speed for a small footprint; the CLI keeps the fast defaults.
    pub fn set_memory_budget(&self, mmap_bytes: i64, cache_kib: i64) -> Result<()> {
        self.conn.execute_batch(&format!(
            "PRAGMA mmap_size = {}; PRAGMA cache_size = -{};",
            mmap_bytes.max(0),
            cache_kib.max(64)
        ))?;
        Ok(())
    }

    /// Returns cached pages to the allocator (`PRAGMA shrink_memory`), e.g. after a
    /// large sync in a long-running process.
    pub fn release_memory(&self) -> Result<()> {
        self.conn.execute_batch("PRAGMA shrink_memory;")?;
        Ok(())
    }

    /// The schema version of the open database (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64> {
        schema::user_version(&self.conn)
    }

    /// Copies committed WAL content into the database file and truncates the WAL.
    ///
    /// SQLite's automatic checkpoint is disabled on this connection because it runs
    /// inside the COMMIT of whichever write crosses the threshold, which would put a
    /// ~200 MB copy plus two fsyncs on the critical path of a large first sync. Call this
    /// after a round of syncs or from an idle timer (a separate `Mirror` on another
    /// thread works too: readers and the writer proceed during a checkpoint). It never
    /// blocks readers; with a concurrent writer it copies what it can
    /// (`PASSIVE`-like) and returns. As a safety net, writes checkpoint first when the
    /// WAL exceeds 64 MiB.
    pub fn checkpoint(&self) -> Result<()> {
        // TRUNCATE waits (busy timeout) for readers to finish, then resets the WAL file
        // to zero bytes; a busy result only means a reader held on, which is harmless.
        match self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                r.get::<_, i64>(0)
            }) {
            Ok(_) => Ok(()),
            Err(e) => match StoreError::from(e) {
                StoreError::Busy(_) => Ok(()),
                other => Err(other),
            },
        }
    }

    /// Checkpoints when the WAL file has grown past [`WAL_CHECKPOINT_BYTES`].
    pub(crate) fn checkpoint_if_wal_large(&self) -> Result<()> {
        let Some(db) = self.conn.path().filter(|p| !p.is_empty()) else {
            return Ok(());
        };
        let wal = format!("{db}-wal");
        let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        if size > WAL_CHECKPOINT_BYTES {
            self.checkpoint()?;
        }
        Ok(())
    }

    /// Runs SQLite's `PRAGMA quick_check`; `Ok(true)` when the file is sound.
    pub fn check_integrity(&self) -> Result<bool> {
        Ok(self.integrity_problems()?.is_empty())
    }

    /// What SQLite's `PRAGMA quick_check` finds wrong with the file (at most ten
    /// lines); empty when it is sound. A page too damaged to read is reported as
    /// [`StoreError::Corrupt`].
    pub fn integrity_problems(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("PRAGMA quick_check(10)")?;
        let lines = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(lines.into_iter().filter(|l| l != "ok").collect())
    }

    /// SQLite's `data_version`: it moves when another connection (another process)
    /// commits a change to the file, never for this connection's own writes.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// The database file's path (`None` in memory).
    pub fn path(&self) -> Option<&str> {
        self.conn.path().filter(|p| !p.is_empty())
    }
}

/// Creates `dir` (and its parents) with mode 0700 for the last component: the data
/// directory holds calendar texts (meeting passcodes) that other local users must not
/// read.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Creates an empty file readable and writable by its owner only.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        // Another process created it meanwhile: its own open narrows it.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Narrows the database and its WAL and shared-memory files to 0600 (mirrors made by
/// earlier builds were 0644). Best effort: a file owned by someone else stays as it is.
fn narrow_to_owner(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut files = vec![path.to_path_buf()];
        for suffix in ["-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            files.push(name.into());
        }
        for f in files {
            if let Ok(meta) = std::fs::metadata(&f) {
                if meta.permissions().mode() & 0o077 != 0 {
                    let _ = std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600));
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failing_migration_step_leaves_previous_version() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("m.db")).unwrap();
        let steps = [
            "CREATE TABLE a (x INTEGER);",
            "CREATE TABLE b (y INTEGER); INSERT INTO nope VALUES (1);",
        ];
        let err = schema::migrate_with(&mut conn, &steps).unwrap_err();
        assert_eq!(err.kind(), StoreErrorKind::Database);
        assert_eq!(schema::user_version(&conn).unwrap(), 1);
        // the failed step's table must not exist
        let b: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'b'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(b, 0);
        schema::migrate_with(&mut conn, &steps[..1]).unwrap();
        assert_eq!(schema::user_version(&conn).unwrap(), 1);
    }
}
