//! Engine errors: classified kinds with stable codes, so shells (CLI exit codes, the
//! tray app's `{ code, message }`) switch on the code, never on the text.

use traycal_providers::{FeedError, ProviderError, SecretError};
use traycal_store::{StoreError, StoreErrorKind};

/// Everything the engine can fail with.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Feed(#[from] FeedError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A calendar provider (the port) failed, classified.
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The secret store could not be opened at start-up (the reason says why and
    /// what to do).
    #[error("{0}")]
    SecretUnavailable(String),
    #[error("no source with id {0}")]
    NoSuchSource(i64),
    #[error("{0}")]
    InvalidInput(String),
    #[error("{source_name}: {message}")]
    BadFeed {
        source_name: String,
        code: &'static str,
        message: String,
    },
    /// A link that Traycal will not open (its scheme is not allow-listed).
    #[error("{0}")]
    Refused(String),
    /// The link opener (`xdg-open`) could not be run or failed.
    #[error("{0}")]
    Opener(String),
    /// The deletion guard held a sync: it would delete most of a calendar's upcoming
    /// events. Nothing was changed; the user applies the deletions or keeps the events.
    #[error(
        "{source_name}: {}, so this sync changed nothing until you decide: apply the \
         deletions, or keep your events",
        mass_deletion_what(*from_feed, *deleting, *upcoming)
    )]
    MassDeletion {
        source_id: i64,
        source_name: String,
        deleting: u64,
        upcoming: u64,
        /// A feed's (its upcoming events) or an account calendar's (its events).
        from_feed: bool,
    },
    /// Another process holds the sync lock for too long (see [`crate::sync_lock`]).
    #[error("{0}")]
    SyncBusy(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl EngineError {
    /// Stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::Feed(e) => e.code(),
            EngineError::Store(e) => e.kind().as_str(),
            EngineError::Provider(e) => e.code(),
            EngineError::Secret(e) => e.code(),
            EngineError::SecretUnavailable(_) => "secret_store_unavailable",
            EngineError::NoSuchSource(_) => "no_such_source",
            EngineError::InvalidInput(_) => "invalid_input",
            EngineError::BadFeed { code, .. } => code,
            EngineError::Refused(_) => "refused_link",
            EngineError::Opener(_) => "opener_failed",
            EngineError::MassDeletion { .. } => "mass_delete",
            EngineError::SyncBusy(_) => "sync_busy",
            EngineError::Internal(_) => "internal",
        }
    }
}

impl EngineError {
    /// What happened and what to do, in plain words, for the windows and the tray.
    /// The technical account ([`Display`](std::fmt::Display)) is
    /// [`EngineError::detail`], shown behind a disclosure and kept in the log.
    pub fn plain(&self) -> String {
        match self {
            EngineError::Feed(f) => f.plain(),
            EngineError::Provider(p) => sentence(p.message()),
            EngineError::BadFeed { message, .. } => sentence(message),
            EngineError::MassDeletion {
                deleting,
                upcoming,
                from_feed,
                ..
            } => sentence(&format!(
                "{}, so this sync changed nothing until you decide: apply the deletions, or \
                 keep your events",
                mass_deletion_what(*from_feed, *deleting, *upcoming)
            )),
            EngineError::Opener(m) => format!("The browser could not be started: {m}"),
            EngineError::SyncBusy(_) => {
                "Another Traycal (the command line?) is syncing; this sync waits for it.".into()
            }
            other => sentence(&other.to_string()),
        }
    }

    /// The technical account behind [`EngineError::plain`], when it says more.
    pub fn detail(&self) -> Option<String> {
        let full = self.to_string();
        (sentence(&full) != self.plain()).then_some(full)
    }

    /// True for a problem of this machine, not of the source: lock contention with
    /// another Traycal process, or a mirror changed by another process under a sync.
    /// Such failures are never recorded as the source's error.
    pub fn is_local_contention(&self) -> bool {
        match self {
            EngineError::SyncBusy(_) => true,
            EngineError::Store(e) => matches!(
                e.kind(),
                StoreErrorKind::Busy | StoreErrorKind::NotFound | StoreErrorKind::UnknownComponent
            ),
            _ => false,
        }
    }
}

/// `text` with a capital first letter and a full stop.
fn sentence(text: &str) -> String {
    let mut chars = text.trim().chars();
    let mut out: String = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?', ')']) {
        out.push('.');
    }
    out
}

/// Engine result.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// What a held sync would delete, in words (see [`EngineError::MassDeletion`]).
fn mass_deletion_what(from_feed: bool, deleting: u64, upcoming: u64) -> String {
    if from_feed {
        format!("the feed no longer lists {deleting} of your {upcoming} upcoming events")
    } else {
        format!("the server no longer has {deleting} of the calendar's {upcoming} events")
    }
}
