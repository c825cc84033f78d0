//! Errors of the mirror, classified so callers can react without parsing messages.
//!
//! Every SQLite failure is mapped to a [`StoreErrorKind`] once, here, from SQLite's
//! primary result code: the engine retries [`StoreErrorKind::Busy`], tells the user to
//! restore or rebuild on [`StoreErrorKind::Corrupt`], and treats
//! [`StoreErrorKind::InvalidInput`] / [`StoreErrorKind::UnknownComponent`] as its own
//! bugs. Messages never contain calendar URLs or secrets: the mirror only ever sees
//! masked URLs (guide §3.3), and errors name rows by id or UID.

use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

/// Result of every fallible mirror operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything that can go wrong in the mirror.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another connection holds the write lock longer than the busy timeout.
    #[error("the calendar database is busy (locked by another process): {0}")]
    Busy(#[source] rusqlite::Error),
    /// The file is damaged or is not an SQLite database. (The SQLite message is part
    /// of the text, not a `source`, so a printed error chain does not repeat it.)
    #[error(
        "the calendar database{} is damaged ({detail}). Restore it from a backup, or move \
         it aside and start Traycal again: it creates a new database, and your calendars \
         have to be added again",
        at_path(.path)
    )]
    Corrupt {
        path: Option<PathBuf>,
        detail: String,
    },
    /// The file or its directory cannot be written.
    #[error(
        "cannot write the calendar database{} ({detail}): the file or its folder is \
         read-only; check their permissions",
        at_path(.path)
    )]
    ReadOnly {
        path: Option<PathBuf>,
        detail: String,
    },
    /// An existing database file of zero bytes: what is left of a database after a
    /// crash or a full disk cut it off, never a file Traycal leaves behind.
    #[error(
        "the calendar database {} is empty (0 bytes), probably cut off by a crash or a full \
         disk. Restore it from a backup, or delete the empty file to start a new database",
        path.display()
    )]
    EmptyFile { path: PathBuf },
    /// The disk (or the file system quota) is full.
    #[error("the disk holding the calendar database is full: {0}")]
    DiskFull(#[source] rusqlite::Error),
    /// A UNIQUE / CHECK / FOREIGN KEY / NOT NULL constraint refused the write.
    #[error("the calendar database refused a write (constraint): {0}")]
    Constraint(#[source] rusqlite::Error),
    /// The file was written by a newer Traycal; opening it could destroy data.
    #[error(
        "the calendar database has schema version {found}, newer than the version {supported} \
         this Traycal understands; update Traycal (the file was left untouched)"
    )]
    SchemaTooNew {
        /// `PRAGMA user_version` found in the file.
        found: i64,
        /// Highest version this build knows how to migrate to.
        supported: i64,
    },
    /// A row named by id does not exist (or does not belong to the calendar named).
    #[error("{what} {id} not found")]
    NotFound {
        /// Which kind of row (`"source"`, `"calendar"`, `"event"`).
        what: &'static str,
        /// The id that was asked for.
        id: i64,
    },
    /// An occurrence names a producing component that is neither in the batch nor stored.
    #[error(
        "occurrence names component uid={uid:?} recurrence_id={recurrence_id:?}, \
         which is neither in the batch nor stored in calendar {calendar}"
    )]
    UnknownComponent {
        /// Calendar being applied.
        calendar: i64,
        /// UID named by the occurrence's series.
        uid: String,
        /// RECURRENCE-ID of the producing component ('' = master).
        recurrence_id: String,
    },
    /// A local change of a calendar that cannot take one (a feed, a read-only or
    /// pull-only calendar).
    #[error("the calendar “{name}” is read-only: its events cannot be changed in Traycal")]
    CalendarReadOnly {
        /// The calendar's id.
        calendar: i64,
        /// Its name, for the message.
        name: String,
    },
    /// The caller passed something the mirror refuses to store (contract violation).
    #[error("invalid input to the calendar database: {0}")]
    InvalidInput(String),
    /// Creating the database directory failed.
    #[error("cannot create the directory for the calendar database {path}: {source}")]
    Io {
        /// Directory that could not be created.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Any other SQLite failure.
    #[error("calendar database error: {0}")]
    Sqlite(#[source] rusqlite::Error),
}

/// Coarse class of a [`StoreError`], stable enough to store in `sync_log.error_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoreErrorKind {
    /// Lock contention; retrying later is expected to succeed.
    Busy,
    /// The file is damaged (or empty).
    Corrupt,
    /// The file or its directory is read-only.
    ReadOnly,
    /// No space left.
    DiskFull,
    /// A constraint refused the write (usually a caller bug, e.g. duplicate UID on rename).
    Constraint,
    /// The file comes from a newer Traycal.
    SchemaTooNew,
    /// A named row is missing.
    NotFound,
    /// An occurrence names a component that does not exist.
    UnknownComponent,
    /// A local change of a read-only calendar.
    CalendarReadOnly,
    /// The caller broke the API contract.
    InvalidInput,
    /// File system error outside SQLite.
    Io,
    /// Anything else from SQLite.
    Database,
}

impl StoreErrorKind {
    /// Stable machine-readable code (`store.busy`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Busy => "store.busy",
            Self::Corrupt => "store.corrupt",
            Self::ReadOnly => "store.read_only",
            Self::DiskFull => "store.disk_full",
            Self::Constraint => "store.constraint",
            Self::SchemaTooNew => "store.schema_too_new",
            Self::NotFound => "store.not_found",
            Self::UnknownComponent => "store.unknown_component",
            Self::CalendarReadOnly => "store.calendar_read_only",
            Self::InvalidInput => "store.invalid_input",
            Self::Io => "store.io",
            Self::Database => "store.database",
        }
    }
}

impl StoreError {
    /// The class of this error.
    pub fn kind(&self) -> StoreErrorKind {
        match self {
            Self::Busy(_) => StoreErrorKind::Busy,
            Self::Corrupt { .. } | Self::EmptyFile { .. } => StoreErrorKind::Corrupt,
            Self::ReadOnly { .. } => StoreErrorKind::ReadOnly,
            Self::DiskFull(_) => StoreErrorKind::DiskFull,
            Self::Constraint(_) => StoreErrorKind::Constraint,
            Self::SchemaTooNew { .. } => StoreErrorKind::SchemaTooNew,
            Self::NotFound { .. } => StoreErrorKind::NotFound,
            Self::UnknownComponent { .. } => StoreErrorKind::UnknownComponent,
            Self::CalendarReadOnly { .. } => StoreErrorKind::CalendarReadOnly,
            Self::InvalidInput(_) => StoreErrorKind::InvalidInput,
            Self::Io { .. } => StoreErrorKind::Io,
            Self::Sqlite(_) => StoreErrorKind::Database,
        }
    }

    /// True when the same operation may succeed if retried later (lock contention).
    pub fn is_transient(&self) -> bool {
        matches!(self.kind(), StoreErrorKind::Busy)
    }

    pub(crate) fn not_found(what: &'static str, id: i64) -> Self {
        Self::NotFound { what, id }
    }

    /// Names the database file in errors about the file itself (damaged,
    /// read-only), so the user knows which file to restore or fix.
    pub fn with_path(self, file: &Path) -> Self {
        match self {
            Self::Corrupt { path: None, detail } => Self::Corrupt {
                path: Some(file.to_path_buf()),
                detail,
            },
            Self::ReadOnly { path: None, detail } => Self::ReadOnly {
                path: Some(file.to_path_buf()),
                detail,
            },
            other => other,
        }
    }
}

fn at_path(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map(|p| format!(" {}", p.display()))
        .unwrap_or_default()
}

/// SQLite's own words for a failure, without the error-code prefix.
fn sqlite_detail(err: &rusqlite::Error) -> String {
    match err {
        rusqlite::Error::SqliteFailure(e, Some(msg)) => format!("{msg}, code {}", e.extended_code),
        rusqlite::Error::SqliteFailure(e, None) => format!("{e}, code {}", e.extended_code),
        other => other.to_string(),
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        let code = match &err {
            rusqlite::Error::SqliteFailure(e, _) => Some(e.code),
            _ => None,
        };
        match code {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Self::Busy(err),
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => Self::Corrupt {
                path: None,
                detail: sqlite_detail(&err),
            },
            Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen) => Self::ReadOnly {
                path: None,
                detail: sqlite_detail(&err),
            },
            Some(ErrorCode::DiskFull) => Self::DiskFull(err),
            Some(ErrorCode::ConstraintViolation) => Self::Constraint(err),
            _ => Self::Sqlite(err),
        }
    }
}
