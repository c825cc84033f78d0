//! The Traycal engine: the API both shells (the `traycal` CLI and the tray app)
//! drive. It owns the SQLite mirror, adds and removes sources (keeping secret URLs
//! in the secret store), runs syncs (fetch → plan → apply, see [`sync`]), schedules
//! them (interval, back-off with jitter, `Retry-After`) and answers agenda queries.
//!
//! What it leaves out: parsing and recurrence (traycal-core), SQL (traycal-store),
//! HTTP and the keyring (traycal-providers), and anything about windows or trays.
//!
//! Invariants:
//! - the mirror is the single source of truth; queries read only the mirror (an
//!   agenda that looks past the materialised window first re-expands the stored
//!   events over the wider window, from the mirror: see [`Engine::ensure_window`]);
//! - a sync is applied in one transaction; a failed sync changes no event;
//! - a secret URL is never written to the mirror, a log line or an error message:
//!   only its masked form is;
//! - time comes from the engine's [`Clock`], so tests and benchmarks pin it.

mod account_sync;
pub mod accounts;
pub mod agenda;
pub mod calendar_settings;
pub mod clock;
pub mod data_dir;
pub mod detail;
pub mod display;
pub mod error;
pub mod local_edit;
pub mod object_rows;
pub mod opener;
pub mod preview;
mod quiet;
pub mod reconcile;
mod reexpand;
pub mod reminders;
pub mod schedule;
pub mod sources;
pub mod sync;
pub mod sync_lock;
pub mod two_way;
pub mod undo;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use traycal_core::expand::Window;
use traycal_providers::{
    next_attempt_delay, FeedClient, FeedClientConfig, FeedUrl, FetchOptions, FetchOutcome,
    SecretStore,
};
use traycal_store::{
    AttemptRecord, Mirror, SourceId, SourceKind, SourceRow, SyncOutcome, SyncStateRow, Validators,
};

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{EngineError, Result};
pub use sync::{MassDeletionChoice, SyncReport};
pub use two_way::TwoWayReport;

/// How long a sync waits for another process's sync (see [`sync_lock`]) before it
/// gives up with [`EngineError::SyncBusy`]. A first sync of a 100 MB feed takes a few
/// seconds; a stuck fetch ends at its own timeout.
pub const SYNC_LOCK_PATIENCE: Duration = Duration::from_secs(300);

/// How far back and ahead occurrences are materialised by default.
pub const WINDOW_PAST_DAYS: i64 = 30;
pub const WINDOW_FUTURE_DAYS: i64 = 365;

/// How an engine is set up.
pub struct EngineConfig {
    pub data_dir: PathBuf,
    /// Opens the store for secret URLs on first use (opening the keyring costs a
    /// D-Bus round trip, which most commands never need). An `Err` (with what to do)
    /// makes secret URLs refused with that message (see [`sources`]).
    pub secrets: SecretsOpener,
    pub clock: Arc<dyn Clock>,
    pub feed: FeedClientConfig,
}

impl EngineConfig {
    /// The set-up both shells (CLI and tray app) use for `data_dir`: secret URLs in
    /// the OS keyring, or in a 0600 file when `TRAYCAL_SECRET_STORE=file`; the
    /// default feed client.
    pub fn standard(data_dir: PathBuf, clock: Arc<dyn Clock>) -> EngineConfig {
        let secret_dir = data_dir.clone();
        let secrets: SecretsOpener = Box::new(move || {
            let setting = std::env::var(traycal_providers::secrets::SECRET_STORE_ENV).ok();
            traycal_providers::SecretStoreKind::from_setting(setting.as_deref())
                .and_then(|k| k.open(&secret_dir))
                .map_err(|e| e.to_string())
        });
        EngineConfig {
            data_dir,
            secrets,
            clock,
            feed: FeedClientConfig::default(),
        }
    }
}

use quiet::{QuietCheck, QuietChecks};

/// When and how one sync attempt of a source runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attempt {
    /// The attempt's time.
    pub now: i64,
    /// The materialisation window.
    pub window: Window,
    /// When the next sync is due if this one succeeds.
    pub next_due_at: i64,
    /// When the attempt started (for its duration).
    pub started: Instant,
    /// What a sync held by the deletion guard does.
    pub deletions: MassDeletionChoice,
}

/// Records a sync that found nothing new.
///
/// An unchanged feed writes nothing to the mirror (a feed checked every five minutes
/// would otherwise rewrite its state row and grow the log 288 times a day for no
/// news): the check lives in memory, where status and scheduling read it. The mirror
/// is written only when the state it holds would become wrong: after failures (the
/// error must be cleared), on the first success, or when the server's validators
/// changed. The sync log therefore records changes and failures, not quiet checks.
#[allow(clippy::too_many_arguments)]
fn record_quiet(
    m: &mut Mirror,
    quiet: &QuietChecks,
    src: &traycal_store::SourceRow,
    stored: &traycal_store::SyncStateRow,
    outcome: SyncOutcome,
    validators: Option<Validators<'_>>,
    now: i64,
    next_due_at: i64,
    started: Instant,
) -> Result<SyncReport> {
    // New validators must be stored (the next request sends them); validators that
    // the server stopped sending are harmless to keep (it ignores them).
    let validators_changed = validators.is_some_and(|v| {
        (v.etag.is_some() && v.etag != stored.etag.as_deref())
            || (v.last_modified.is_some() && v.last_modified != stored.last_modified.as_deref())
    });
    let must_write = stored.consecutive_failures > 0
        || stored.last_error.is_some()
        || stored.last_success_at.is_none()
        || validators_changed;
    if must_write {
        let rec = AttemptRecord {
            outcome,
            attempted_at: now,
            next_due_at,
            duration_ms: started.elapsed().as_millis() as u64,
            diagnostics: 0,
            error: None,
            error_code: None,
            error_detail: None,
            validators,
            notes: None,
        };
        m.record_attempt(src.id, &rec)?;
        quiet.forget(src.id.0);
    } else {
        quiet.remember(
            src.id.0,
            QuietCheck {
                at: now,
                next_due_at,
            },
        );
    }
    Ok(SyncReport {
        source_id: src.id.0,
        source_name: src.name.clone(),
        outcome: outcome.as_str().to_string(),
        events: m.event_count(src.id)?,
        duration_ms: started.elapsed().as_millis() as u64,
        next_due_at,
        ..Default::default()
    })
}

/// A source's next due time: the stored one, or a later quiet check's.
pub(crate) fn effective_next_due(quiet: &QuietChecks, id: i64, stored: Option<i64>) -> Option<i64> {
    latest(stored, remembered(quiet, id).map(|q| q.next_due_at))
}

/// When a source is next due (`None`: at once): its next sync, or earlier for an
/// account whose local changes wait to be pushed (see [`schedule::due_at`]).
fn due_at(m: &Mirror, quiet: &QuietChecks, source: &SourceRow) -> Result<Option<i64>> {
    let st = m.sync_state(source.id)?;
    let next = effective_next_due(quiet, source.id.0, st.next_due_at);
    if source.kind == SourceKind::Ics {
        return Ok(next);
    }
    let push = m.next_push_at(source.id)?;
    Ok(schedule::due_at(next, st.consecutive_failures > 0, push))
}

/// The last check of a source: the stored attempt, or a later quiet check.
pub(crate) fn effective_last_check(
    quiet: &QuietChecks,
    id: i64,
    stored: Option<i64>,
) -> Option<i64> {
    latest(stored, remembered(quiet, id).map(|q| q.at))
}

fn remembered(quiet: &QuietChecks, id: i64) -> Option<QuietCheck> {
    quiet.get(id)
}

fn latest(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    a.max(b)
}

/// Drops a source's quiet check (the mirror now holds newer state).
fn forget_quiet(quiet: &QuietChecks, id: i64) {
    quiet.forget(id);
}

/// What to tell the user when [`Engine::check_mirror`] finds damage.
pub fn mirror_damage_message(data_dir: &Path, problems: &[String]) -> String {
    format!(
        "the calendar database {} is damaged ({}). Restore it from a backup, or move it \
         aside and start Traycal again: it creates a new database, and your calendars have \
         to be added again",
        data_dir.join(data_dir::MIRROR_FILE).display(),
        problems
            .first()
            .map(String::as_str)
            .unwrap_or("quick check failed")
    )
}

/// Rewrites the shown form of every source's URL with today's rule (earlier builds
/// showed more of a URL). The short form of a shown form is the short form of the
/// URL, so the secret store is not needed.
fn reshow_urls(mirror: &mut Mirror) -> Result<()> {
    for row in mirror.sources()? {
        let shown = match &row.url {
            Some(plain) => FeedUrl::parse(plain).map(|u| u.masked()),
            None => FeedUrl::parse(&row.url_display).map(|u| u.masked()),
        };
        if let Ok(shown) = shown {
            if shown != row.url_display {
                mirror.set_url_display(row.id, &shown)?;
            }
        }
    }
    Ok(())
}

/// Opens the secret store.
pub type SecretsOpener =
    Box<dyn Fn() -> std::result::Result<Arc<dyn SecretStore>, String> + Send + Sync>;

/// The engine. Cheap to share behind an `Arc`; mirror access is serialised by a
/// mutex that is never held across an `.await`.
pub struct Engine {
    mirror: Arc<Mutex<Mirror>>,
    feed: FeedClient,
    secrets_opener: SecretsOpener,
    secrets: std::sync::OnceLock<std::result::Result<Arc<dyn SecretStore>, String>>,
    clock: Arc<dyn Clock>,
    data_dir: PathBuf,
    /// Extra days of window requested by queries that looked further ahead.
    window_future_days: std::sync::atomic::AtomicI64,
    /// Unchanged-feed checks not written to the mirror (see [`record_quiet`]).
    quiet: Arc<QuietChecks>,
    /// The meeting-service catalogue, compiled on first use.
    catalogue: std::sync::OnceLock<Arc<traycal_core::join::Catalogue>>,
    /// Syncs run one at a time: a sync plans against the mirror as it was when it
    /// started, so two syncs of one source at once ("Sync now" during a scheduled
    /// sync) would apply two plans made from the same state.
    sync_gate: tokio::sync::Mutex<()>,
    /// Set by [`Engine::prefer_low_memory`].
    low_memory: std::sync::atomic::AtomicBool,
    /// Occurrences one sync may materialise per calendar (see
    /// [`Engine::limit_expansion`]).
    max_occurrences: std::sync::atomic::AtomicUsize,
    /// The mirror's `data_version` when [`Engine::changed_elsewhere`] last looked.
    seen_data_version: std::sync::atomic::AtomicI64,
    /// The connected accounts' providers, by source id (see
    /// [`Engine::connect_account`]).
    accounts: Mutex<std::collections::HashMap<i64, traycal_providers::AnyProvider>>,
    /// The last changes made here, for [`Engine::undo`].
    undo: std::sync::Mutex<undo::UndoLog>,
}

impl Engine {
    /// Open (or create) the mirror in `config.data_dir`.
    pub fn open(config: EngineConfig) -> Result<Engine> {
        traycal_store::private_dir(&config.data_dir).map_err(|e| {
            EngineError::InvalidInput(format!(
                "cannot create the data directory {}: {e}",
                config.data_dir.display()
            ))
        })?;
        let mut mirror = Mirror::open(&config.data_dir.join(data_dir::MIRROR_FILE))?;
        reshow_urls(&mut mirror)?;
        let data_version = mirror.data_version()?;
        let quiet = Arc::new(QuietChecks::for_data_dir(&config.data_dir));
        Ok(Engine {
            mirror: Arc::new(Mutex::new(mirror)),
            feed: FeedClient::new(config.feed)?,
            secrets_opener: config.secrets,
            secrets: std::sync::OnceLock::new(),
            clock: config.clock,
            data_dir: config.data_dir,
            window_future_days: std::sync::atomic::AtomicI64::new(WINDOW_FUTURE_DAYS),
            quiet,
            sync_gate: tokio::sync::Mutex::new(()),
            low_memory: std::sync::atomic::AtomicBool::new(false),
            max_occurrences: std::sync::atomic::AtomicUsize::new(
                traycal_core::expand::MAX_OCCURRENCES,
            ),
            seen_data_version: std::sync::atomic::AtomicI64::new(data_version),
            catalogue: std::sync::OnceLock::new(),
            accounts: Mutex::new(std::collections::HashMap::new()),
            undo: std::sync::Mutex::new(undo::UndoLog::default()),
        })
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Current time from the engine's clock, as Unix seconds.
    pub fn now(&self) -> i64 {
        self.clock.now().timestamp()
    }

    /// The materialisation window around `now`.
    pub fn window(&self, now: i64) -> Window {
        let future = self
            .window_future_days
            .load(std::sync::atomic::Ordering::Relaxed);
        Window {
            from: now - WINDOW_PAST_DAYS * 86_400,
            to: now + future * 86_400,
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, Mirror>> {
        self.mirror
            .lock()
            .map_err(|_| EngineError::Internal("the mirror lock was poisoned".into()))
    }

    /// Run blocking mirror work off the async executor.
    async fn with_mirror<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Mirror) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let mirror = Arc::clone(&self.mirror);
        tokio::task::spawn_blocking(move || {
            let mut guard = mirror
                .lock()
                .map_err(|_| EngineError::Internal("the mirror lock was poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(|e| EngineError::Internal(format!("mirror task failed: {e}")))?
    }

    /// The built-in meeting-service catalogue (compiled once).
    pub fn catalogue(&self) -> Result<Arc<traycal_core::join::Catalogue>> {
        if let Some(c) = self.catalogue.get() {
            return Ok(Arc::clone(c));
        }
        let built = traycal_core::join::Catalogue::builtin()
            .map_err(|e| EngineError::Internal(format!("meeting-service catalogue: {e}")))?;
        Ok(Arc::clone(self.catalogue.get_or_init(|| Arc::new(built))))
    }

    fn secrets(&self) -> &std::result::Result<Arc<dyn SecretStore>, String> {
        self.secrets.get_or_init(|| (self.secrets_opener)())
    }

    fn secret_store(&self) -> Result<&Arc<dyn SecretStore>> {
        self.secrets()
            .as_ref()
            .map_err(|why| EngineError::SecretUnavailable(why.clone()))
    }

    /// What the secret store is, for display; only opens it when already opened.
    fn secret_store_name(&self) -> Option<String> {
        self.secrets
            .get()
            .and_then(|r| r.as_ref().ok())
            .map(|s| s.describe().to_string())
    }

    /// The plain URL of a source (from the secret store when it is secret).
    fn source_url(&self, source: &traycal_store::SourceRow) -> Result<FeedUrl> {
        let text = match (&source.url, &source.secret_ref) {
            (Some(u), _) => u.clone(),
            (None, Some(key)) => self.secret_store()?.get(key)?.ok_or_else(|| {
                EngineError::InvalidInput(format!(
                    "{}: the secret URL is missing from the {}; remove and re-add the source",
                    source.name,
                    self.secret_store()
                        .map(|s| s.describe())
                        .unwrap_or("secret store")
                ))
            })?,
            (None, None) => {
                return Err(EngineError::InvalidInput(format!(
                    "{}: the source has no URL",
                    source.name
                )))
            }
        };
        Ok(FeedUrl::parse(&text)?)
    }

    /// Keeps the mirror's resident memory small (the tray app, which runs all day):
    /// no memory map, 2 MiB of page cache, and cached pages released after each sync.
    pub async fn prefer_low_memory(&self) -> Result<()> {
        self.low_memory
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.with_mirror(|m| Ok(m.set_memory_budget(0, 2048)?))
            .await
    }

    /// Whether another process (the CLI, a second app) changed the mirror since the
    /// last call: SQLite's `data_version` moved. This engine's own writes never count.
    pub async fn changed_elsewhere(&self) -> Result<bool> {
        let now = self.with_mirror(|m| Ok(m.data_version()?)).await?;
        let before = self
            .seen_data_version
            .swap(now, std::sync::atomic::Ordering::Relaxed);
        Ok(now != before)
    }

    /// A calendar's occurrence budget (see [`Engine::limit_expansion`]).
    pub(crate) fn max_occurrences(&self) -> usize {
        self.max_occurrences
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Caps the occurrences one sync materialises per calendar (default
    /// [`traycal_core::expand::MAX_OCCURRENCES`]); tests use a small cap to reach it
    /// quickly.
    pub fn limit_expansion(&self, max_occurrences: usize) {
        self.max_occurrences
            .store(max_occurrences.max(1), std::sync::atomic::Ordering::Relaxed);
    }

    /// Returns the mirror's cached pages to the allocator (the tray app, when its
    /// windows have closed: what they read need not stay resident). Best effort.
    pub async fn release_memory(&self) -> Result<()> {
        self.with_mirror(|m| Ok(m.release_memory()?)).await
    }

    /// Sync one source now (manual sync or a due scheduled one). A sync that would
    /// delete most of the calendar stops with [`EngineError::MassDeletion`].
    pub async fn sync_source(&self, id: i64) -> Result<SyncReport> {
        self.sync_source_with(id, MassDeletionChoice::Ask).await
    }

    /// Sync one source, deciding what a sync held by the deletion guard does.
    ///
    /// Syncs run one at a time in this process and, through the data directory's
    /// sync lock, across processes (the tray app and the CLI).
    pub async fn sync_source_with(
        &self,
        id: i64,
        deletions: MassDeletionChoice,
    ) -> Result<SyncReport> {
        let _turn = self.sync_turn().await?;
        let report = self.sync_source_now(id, deletions).await;
        if self.low_memory.load(std::sync::atomic::Ordering::Relaxed) {
            // Best effort: a failure only means the cache stays as it is.
            let _ = self.with_mirror(|m| Ok(m.release_memory()?)).await;
        }
        report
    }

    /// Waits for this process's and then the data directory's turn to sync (see
    /// [`sync_lock`]); the turn lasts as long as the value is held.
    async fn sync_turn(&self) -> Result<(tokio::sync::MutexGuard<'_, ()>, sync_lock::SyncLock)> {
        let one_at_a_time = self.sync_gate.lock().await;
        let dir = self.data_dir.clone();
        let across_processes = tokio::task::spawn_blocking(move || {
            sync_lock::SyncLock::acquire(&dir, SYNC_LOCK_PATIENCE)
        })
        .await
        .map_err(|e| EngineError::Internal(format!("sync lock task failed: {e}")))??;
        Ok((one_at_a_time, across_processes))
    }

    async fn sync_source_now(&self, id: i64, deletions: MassDeletionChoice) -> Result<SyncReport> {
        let started = Instant::now();
        let now = self.now();
        let window = self.window(now);
        // Occurrences short of the window are expanded anew from the mirror first (no
        // network): the source may be unreachable, and a feed that has not changed
        // need not be downloaded again for its window to move.
        let (source, state) = self.reexpand_if_moved(id, window).await?;
        let jitter = fastrand::f64();
        let interval = Duration::from_secs(source.interval_secs.max(60) as u64);
        let ok_next = now + interval.as_secs() as i64;
        let attempt = Attempt {
            now,
            window,
            next_due_at: ok_next,
            started,
            deletions,
        };
        let result: Result<SyncReport> = if source.kind == SourceKind::Ics {
            self.sync_feed_now(&source, &state, attempt).await
        } else {
            self.sync_account_now(&source, &state, attempt).await
        };
        match result {
            Ok(r) => Ok(r),
            Err(e) => {
                forget_quiet(&self.quiet, source.id.0);
                if e.is_local_contention() {
                    // Another Traycal process, not the source: nothing to record
                    // against the source; the caller reports it and tries again.
                    return Err(e);
                }
                // Record the failure; the stored events stay as they were.
                let retry_after = match &e {
                    EngineError::Feed(f) => f.retry_after(),
                    EngineError::Provider(p) => p.retry_after(),
                    _ => None,
                };
                let failures = (state.consecutive_failures.max(0) as u32).saturating_add(1);
                let delay = match &e {
                    // Waiting for the user, not for the source: ask again at the
                    // usual interval rather than backing off.
                    EngineError::MassDeletion { .. } => interval,
                    _ => next_attempt_delay(failures, interval, retry_after, jitter),
                };
                let next = now + delay.as_secs() as i64;
                // Kept in plain words, with the technical account beside them.
                let message = e.plain();
                let detail = e.detail();
                let code = e.code();
                let src = source.clone();
                let (msg2, detail2) = (message.clone(), detail.clone());
                self.with_mirror(move |m| {
                    let rec = AttemptRecord {
                        outcome: SyncOutcome::Failed,
                        attempted_at: now,
                        next_due_at: next,
                        duration_ms: started.elapsed().as_millis() as u64,
                        diagnostics: 0,
                        error: Some(&msg2),
                        error_code: Some(code),
                        error_detail: detail2.as_deref(),
                        validators: None,
                        notes: None,
                    };
                    m.record_attempt(src.id, &rec)?;
                    Ok(())
                })
                .await?;
                Ok(SyncReport {
                    source_id: source.id.0,
                    source_name: source.name.clone(),
                    outcome: "failed".into(),
                    events: self.lock()?.event_count(source.id)?,
                    duration_ms: started.elapsed().as_millis() as u64,
                    error: Some(message),
                    error_code: Some(code.to_string()),
                    error_detail: detail,
                    next_due_at: next,
                    ..Default::default()
                })
            }
        }
    }

    /// One sync of the ICS feed `source`: a conditional fetch, then the body applied
    /// ([`sync::apply_body`]) unless it is the same as last time.
    async fn sync_feed_now(
        &self,
        source: &SourceRow,
        state: &SyncStateRow,
        attempt: Attempt,
    ) -> Result<SyncReport> {
        let Attempt {
            now,
            window,
            next_due_at: ok_next,
            started,
            deletions,
        } = attempt;
        // A URL an earlier build kept in plain text goes to the secret store first.
        // Best effort: a keyring that refuses leaves it, and the sync goes on.
        let id = source.id.0;
        let source = match self.protect_url(source).await {
            Ok(true) => {
                self.with_mirror(move |m| {
                    m.source(SourceId(id))?.ok_or(EngineError::NoSuchSource(id))
                })
                .await?
            }
            _ => source.clone(),
        };
        let max_occurrences = self
            .max_occurrences
            .load(std::sync::atomic::Ordering::Relaxed);
        // The window already moved (see `reexpand_if_moved`): a 304 is all it takes.
        let opts = FetchOptions {
            etag: state.etag.clone(),
            last_modified: state.last_modified.clone(),
            max_bytes: source.max_bytes.max(1) as u64,
        };
        let fetched = match self.source_url(&source) {
            Ok(url) => self
                .feed
                .fetch(&url, &opts)
                .await
                .map_err(EngineError::from),
            Err(e) => Err(e),
        };
        match fetched {
            Ok(FetchOutcome::NotModified) => {
                let src = source.clone();
                let st = state.clone();
                let quiet = Arc::clone(&self.quiet);
                self.with_mirror(move |m| {
                    record_quiet(
                        m,
                        &quiet,
                        &src,
                        &st,
                        SyncOutcome::NotModified,
                        None,
                        now,
                        ok_next,
                        started,
                    )
                })
                .await
            }
            Ok(FetchOutcome::Body(body)) => {
                let src = source.clone();
                let st = state.clone();
                let quiet = Arc::clone(&self.quiet);
                self.with_mirror(move |m| {
                    sync::check_body(&src, &body)?;
                    if st.content_hash == Some(body.content_hash as i64) {
                        // Same bytes as last time: nothing to parse or write.
                        let validators = Validators {
                            etag: body.etag.as_deref(),
                            last_modified: body.last_modified.as_deref(),
                        };
                        return record_quiet(
                            m,
                            &quiet,
                            &src,
                            &st,
                            SyncOutcome::Unchanged,
                            Some(validators),
                            now,
                            ok_next,
                            started,
                        );
                    }
                    let cx = sync::ApplyContext {
                        source: &src,
                        state: &st,
                        now,
                        window,
                        next_due_at: ok_next,
                        started,
                        deletions,
                        max_occurrences,
                        reexpansion: false,
                    };
                    let report = sync::apply_body(m, &cx, (&body).into());
                    forget_quiet(&quiet, src.id.0);
                    report
                })
                .await
            }
            Err(e) => Err(e),
        }
    }

    /// Sync every enabled source (manual "sync all"), one after another.
    pub async fn sync_all(&self) -> Result<Vec<SyncReport>> {
        self.sync_all_with(MassDeletionChoice::Ask).await
    }

    /// [`Engine::sync_all`], deciding what a sync held by the deletion guard does.
    pub async fn sync_all_with(&self, deletions: MassDeletionChoice) -> Result<Vec<SyncReport>> {
        let ids = self.enabled_sources().await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.sync_source_with(id, deletions).await?);
        }
        Ok(out)
    }

    /// Checks the mirror file with SQLite's quick check, on a connection of its own
    /// (the engine's stays free meanwhile). Returns what is wrong (at most ten
    /// lines); empty when the file is sound.
    pub async fn check_mirror(&self) -> Result<Vec<String>> {
        let path = self.data_dir.join(data_dir::MIRROR_FILE);
        tokio::task::spawn_blocking(move || {
            let problems = match Mirror::open(&path).and_then(|m| m.integrity_problems()) {
                Ok(p) => p,
                Err(e) if e.kind() == traycal_store::StoreErrorKind::Corrupt => vec![e.to_string()],
                Err(e) => return Err(EngineError::from(e.with_path(&path))),
            };
            Ok(problems)
        })
        .await
        .map_err(|e| EngineError::Internal(format!("integrity check failed to run: {e}")))?
    }

    /// Sync the sources that are due now; returns their reports.
    pub async fn sync_due(&self) -> Result<Vec<SyncReport>> {
        let due = self.due_sources().await?;
        let mut out = Vec::new();
        for id in due {
            out.push(self.sync_source(id).await?);
        }
        Ok(out)
    }

    /// The enabled sources' ids.
    pub async fn enabled_sources(&self) -> Result<Vec<i64>> {
        self.with_mirror(|m| {
            Ok(m.sources()?
                .into_iter()
                .filter(|s| s.enabled)
                .map(|s| s.id.0)
                .collect())
        })
        .await
    }

    /// The ids of the sources due for a sync now (a shell that reports progress
    /// syncs them one by one with [`Engine::sync_source`]).
    pub async fn due_sources(&self) -> Result<Vec<i64>> {
        let now = self.now();
        let quiet = Arc::clone(&self.quiet);
        self.with_mirror(move |m| {
            let mut v = Vec::new();
            for s in m.sources()? {
                let next = due_at(m, &quiet, &s)?;
                if schedule::is_due(s.enabled, next, now) {
                    v.push(s.id.0);
                }
            }
            Ok(v)
        })
        .await
    }

    /// Seconds until the next source is due (None when there is none).
    pub async fn next_due_in(&self) -> Result<Option<i64>> {
        let now = self.now();
        let quiet = Arc::clone(&self.quiet);
        self.with_mirror(move |m| {
            let mut next: Option<i64> = None;
            for s in m.sources()?.into_iter().filter(|s| s.enabled) {
                let at = due_at(m, &quiet, &s)?.unwrap_or(now);
                next = Some(next.map_or(at, |n: i64| n.min(at)));
            }
            Ok(next.map(|n| (n - now).max(0)))
        })
        .await
    }

    /// Make sure occurrences are materialised up to `to` (agenda looking further
    /// than the window): widens the window and expands every source's stored events
    /// anew from the mirror (no network: it works offline, and nothing is
    /// downloaded again). The widening lives in this process only.
    pub async fn ensure_window(&self, to: i64) -> Result<()> {
        let now = self.now();
        let need_days = (to - now) / 86_400 + 1;
        let cur = self
            .window_future_days
            .load(std::sync::atomic::Ordering::Relaxed);
        if need_days <= cur {
            return Ok(());
        }
        self.window_future_days
            .store(need_days, std::sync::atomic::Ordering::Relaxed);
        let window = self.window(now);
        // Writes like a sync: one at a time, here and across processes.
        let _turn = self.sync_turn().await?;
        for id in self.enabled_sources().await? {
            self.reexpand_if_moved(id, window).await?;
        }
        Ok(())
    }

    /// Expands the stored events of source `id` anew over `window` when the window
    /// its occurrences were expanded over falls short of it (see [`reexpand`]), and
    /// returns the source and its (updated) sync state. The caller holds the sync
    /// gate and lock.
    async fn reexpand_if_moved(
        &self,
        id: i64,
        window: Window,
    ) -> Result<(SourceRow, SyncStateRow)> {
        let now = self.now();
        let max_occurrences = self.max_occurrences();
        self.with_mirror(move |m| {
            let source = m
                .source(SourceId(id))?
                .ok_or(EngineError::NoSuchSource(id))?;
            let state = m.sync_state(SourceId(id))?;
            if !reexpand::window_moves(&state, window) {
                return Ok((source, state));
            }
            let rx = reexpand::Reexpansion {
                now,
                window,
                max_occurrences,
            };
            if !reexpand::reexpand_source(m, &source, &state, &rx)? {
                return Ok((source, state));
            }
            let state = m.sync_state(SourceId(id))?;
            Ok((source, state))
        })
        .await
    }
}
