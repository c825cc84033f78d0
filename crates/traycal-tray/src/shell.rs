//! The tray process's shared state: the engine, the sync status the tray shows, the
//! contract's events, and the background loop that syncs due sources and keeps the
//! tray current.
//!
//! Invariants: the engine is the only owner of data (this module keeps only the
//! display state: syncing or not, the last error); every change to the mirror goes
//! through [`Shell::mirror_changed`], which tells the windows (event), the tray
//! (rebuild) and the scheduler (re-plan). The loop sleeps until the next source is
//! due or the minute turns (the tray shows "in 5 min"), never polls faster.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, Notify};
use traycal_engine::{Engine, MassDeletionChoice, SyncReport};

use crate::autostart::Autostart;
use crate::commands::{IpcError, IpcErrorCode, IpcResult};
use crate::events::{MirrorChanged, ShellEvent, ShowEvent, SyncPhase, SyncProgress};
use crate::shortcut::JoinShortcut;
use crate::window_process::WindowProcess;
use crate::windows::WindowKind;

/// Why "Join next meeting" did nothing: a notice's title and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinProblem {
    pub title: &'static str,
    pub message: String,
}

/// What the tray icon shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum TrayState {
    Idle,
    Syncing,
    Error,
    /// An event changed both here and on the server (two-way sources; ICS feeds are
    /// read-only and never conflict).
    Conflict,
}

#[derive(Debug, Default)]
struct Status {
    /// Sync rounds running now.
    syncing: u32,
    /// The latest failure, per the mirror ("Work: HTTP 500 …"), if a source is failing.
    last_error: Option<String>,
    /// When the last round finished (Unix seconds).
    last_round_at: Option<i64>,
    /// Why the last reminder could not be shown (no notification server, …).
    notification_error: Option<String>,
    /// What the start-up integrity check found wrong with the mirror file.
    mirror_damage: Option<String>,
}

/// Events a slow listener may fall behind by before it misses some (it then re-reads
/// everything, as on `MirrorChanged`).
const EVENT_BACKLOG: usize = 64;

/// The tray process's state, shared (`Arc`) by the tray, the loops and the commands.
pub struct Shell {
    pub engine: Arc<Engine>,
    status: Mutex<Status>,
    /// Wakes the background loop early (a source was added, "Sync now", …).
    wake: Arc<Notify>,
    /// Wakes the reminder scheduler (the mirror changed, a reminder was snoozed).
    reminders_wake: Arc<Notify>,
    /// Tells the tray to rebuild its menu.
    tray_wake: Arc<Notify>,
    /// The contract's events, for the window process.
    events: broadcast::Sender<ShellEvent>,
    /// The event the agenda should show next (a notification or a tray item was
    /// clicked); the agenda takes it when it opens or hears [`ShowEvent`].
    shown_event: Mutex<Option<ShowEvent>>,
    /// Where windows open (none in tests that have no windows).
    windows: OnceLock<WindowProcess>,
    /// The global join shortcut, once grabbed (or known to be unavailable).
    shortcut: OnceLock<JoinShortcut>,
    /// Start at login (none where it cannot be set up).
    autostart: OnceLock<Autostart>,
}

impl Shell {
    pub fn new(engine: Arc<Engine>) -> Shell {
        Shell {
            engine,
            status: Mutex::new(Status::default()),
            wake: Arc::new(Notify::new()),
            reminders_wake: Arc::new(Notify::new()),
            tray_wake: Arc::new(Notify::new()),
            events: broadcast::channel(EVENT_BACKLOG).0,
            shown_event: Mutex::new(None),
            windows: OnceLock::new(),
            shortcut: OnceLock::new(),
            autostart: OnceLock::new(),
        }
    }

    /// Windows open in `windows` from now on (set once, at start).
    pub fn set_windows(&self, windows: WindowProcess) {
        let _ = self.windows.set(windows);
    }

    /// The join shortcut the commands report and change (set once, at start).
    pub fn set_shortcut(&self, shortcut: JoinShortcut) {
        let _ = self.shortcut.set(shortcut);
    }

    /// Start at login, as the commands report and change it (set once, at start).
    pub fn set_autostart(&self, autostart: Autostart) {
        let _ = self.autostart.set(autostart);
    }

    /// The join shortcut, or `not_ready` while the app starts.
    pub fn shortcut(&self) -> IpcResult<&JoinShortcut> {
        self.shortcut.get().ok_or_else(|| {
            IpcError::new(
                IpcErrorCode::NotReady,
                "Traycal is still starting; try again",
            )
        })
    }

    /// Start at login, when this system has it.
    pub fn autostart(&self) -> Option<&Autostart> {
        self.autostart.get()
    }

    /// Hears every event of the contract from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<ShellEvent> {
        self.events.subscribe()
    }

    /// Sends an event to whoever listens (nobody, when no window is open).
    pub fn emit(&self, event: ShellEvent) {
        let _ = self.events.send(event);
    }

    /// What the tray waits on to rebuild its menu.
    pub fn tray_wake(&self) -> Arc<Notify> {
        Arc::clone(&self.tray_wake)
    }

    /// Rebuilds the tray soon.
    pub fn refresh_tray(&self) {
        self.tray_wake.notify_one();
    }

    /// Shows (creates or focuses) a window, in the window process.
    pub fn show_window(self: &Arc<Self>, kind: WindowKind) -> IpcResult<()> {
        let windows = self
            .windows
            .get()
            .ok_or_else(|| IpcError::new(IpcErrorCode::Window, "this process shows no windows"))?;
        windows.open(self, kind).map_err(|e| {
            IpcError::new(
                IpcErrorCode::Window,
                format!("cannot open the {} window: {e}", kind.label()),
            )
        })
    }

    /// Opens the agenda on one occurrence of an event, with its details.
    pub fn show_event(self: &Arc<Self>, event_id: i64, occurrence_start: i64) -> IpcResult<()> {
        let event = ShowEvent {
            event_id,
            occurrence_start,
        };
        if let Ok(mut pending) = self.shown_event.lock() {
            *pending = Some(event.clone());
        }
        self.show_window(WindowKind::Agenda)?;
        // An open agenda hears this now; a new one takes the request when it loads.
        self.emit(ShellEvent::ShowEvent(event));
        Ok(())
    }

    /// The event the agenda was asked to show, once.
    pub fn take_shown_event(&self) -> Option<ShowEvent> {
        self.shown_event.lock().ok().and_then(|mut p| p.take())
    }

    /// Joins the running or next meeting that has a link (today or tomorrow); returns
    /// the link opened. The tray's "Join next meeting" and the global shortcut.
    pub async fn join_next(&self) -> Result<String, JoinProblem> {
        let now = self.engine.now();
        let failed = |e: traycal_engine::EngineError| JoinProblem {
            title: "Could not join",
            message: e.plain(),
        };
        let entries = self
            .engine
            .agenda(now, now + 2 * 86_400)
            .await
            .map_err(failed)?
            .entries;
        let ids: Vec<i64> = entries
            .iter()
            .filter(|e| !e.all_day && e.end_utc > now)
            .map(|e| e.event_id)
            .collect();
        let links = self.engine.join_links(ids.clone()).await.map_err(failed)?;
        let first = ids
            .iter()
            .find_map(|id| links.iter().find(|l| l.event_id == *id))
            .ok_or(JoinProblem {
                title: "Nothing to join",
                message: "No meeting with a join link today or tomorrow.".into(),
            })?;
        // There is a meeting: a failure from here on is not "nothing to join".
        self.engine
            .open_link(&first.link)
            .await
            .map_err(|e| JoinProblem {
                title: "Could not open the meeting",
                message: e.plain(),
            })?;
        Ok(first.link.url.clone())
    }

    /// After a resume from suspend: sync what fell due and plan reminders again now
    /// (timers measured in monotonic time stood still while the machine slept).
    pub fn resumed(&self) {
        self.wake.notify_one();
        self.reminders_wake.notify_one();
    }

    /// What the reminder scheduler waits on besides its timer.
    pub fn reminders_wake(&self) -> Arc<Notify> {
        Arc::clone(&self.reminders_wake)
    }

    /// Makes the reminder scheduler plan again now.
    pub fn wake_reminders(&self) {
        self.reminders_wake.notify_one();
    }

    /// Records whether the last reminder reached the notification server.
    pub fn set_notification_error(&self, error: Option<String>) {
        if let Ok(mut s) = self.status.lock() {
            s.notification_error = error;
        }
    }

    /// The icon state and the error to show with it.
    pub fn tray_state(&self) -> (TrayState, Option<String>) {
        let Ok(s) = self.status.lock() else {
            return (
                TrayState::Error,
                Some("internal state lock poisoned".into()),
            );
        };
        let error = s
            .mirror_damage
            .clone()
            .or_else(|| s.last_error.clone())
            .or_else(|| s.notification_error.clone());
        let state = if s.syncing > 0 {
            TrayState::Syncing
        } else if error.is_some() {
            TrayState::Error
        } else {
            TrayState::Idle
        };
        (state, error)
    }

    /// When the last sync round finished.
    pub fn last_round_at(&self) -> Option<i64> {
        self.status.lock().ok().and_then(|s| s.last_round_at)
    }

    fn set_syncing(&self, delta: i32) {
        if let Ok(mut s) = self.status.lock() {
            s.syncing = s.syncing.saturating_add_signed(delta);
            if delta < 0 {
                s.last_round_at = Some(self.engine.now());
            }
        }
    }

    /// Tells windows, tray and scheduler that the mirror changed.
    pub fn mirror_changed(&self, reason: &str) {
        self.emit(ShellEvent::MirrorChanged(MirrorChanged {
            reason: reason.to_string(),
        }));
        self.wake.notify_one();
        self.reminders_wake.notify_one();
        self.refresh_tray();
    }

    /// Starts a sync of one source (or all) without waiting for it.
    pub fn sync_in_background(self: &Arc<Self>, id: Option<i64>) {
        let shell = Arc::clone(self);
        tokio::spawn(async move {
            if let Err(e) = shell.sync(id).await {
                eprintln!("traycal: sync failed: {}", e.message);
            }
        });
    }

    /// Syncs one source, or every enabled one, reporting progress per source.
    pub async fn sync(&self, id: Option<i64>) -> IpcResult<Vec<SyncReport>> {
        self.sync_with(id, MassDeletionChoice::Ask).await
    }

    /// [`Shell::sync`], deciding what a sync held by the deletion guard does.
    pub async fn sync_with(
        &self,
        id: Option<i64>,
        choice: MassDeletionChoice,
    ) -> IpcResult<Vec<SyncReport>> {
        let ids = match id {
            Some(id) => vec![id],
            None => self.engine.enabled_sources().await?,
        };
        self.sync_round(ids, choice).await
    }

    async fn sync_round(
        &self,
        ids: Vec<i64>,
        choice: MassDeletionChoice,
    ) -> IpcResult<Vec<SyncReport>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.set_syncing(1);
        self.refresh_tray();
        let total = ids.len() as u32;
        let names: std::collections::HashMap<i64, String> = self
            .engine
            .sources()
            .await
            .map(|list| list.into_iter().map(|s| (s.id, s.name)).collect())
            .unwrap_or_default();
        let mut reports = Vec::with_capacity(ids.len());
        let mut result: IpcResult<()> = Ok(());
        for (done, id) in ids.into_iter().enumerate() {
            let name = names.get(&id).cloned().unwrap_or_default();
            let progress = |phase, done: usize| SyncProgress {
                source_id: id,
                source_name: name.clone(),
                phase,
                done: done as u32,
                total: Some(total),
            };
            self.emit(ShellEvent::SyncProgress(progress(
                SyncPhase::Fetching,
                done,
            )));
            match self.engine.sync_source_with(id, choice).await {
                Ok(report) => {
                    let phase = match (report.error_code.as_deref(), &report.error) {
                        (Some("mass_delete"), _) => SyncPhase::Held,
                        (_, Some(_)) => SyncPhase::Failed,
                        (_, None) => SyncPhase::Done,
                    };
                    self.emit(ShellEvent::SyncProgress(progress(phase, done + 1)));
                    reports.push(report);
                }
                Err(e) if e.is_local_contention() => {
                    // Another Traycal process (the CLI) held the mirror: not this
                    // source's fault and no reason to stop the round; the next
                    // round tries again.
                    eprintln!("traycal: sync of source {id} deferred: {e}");
                    self.emit(ShellEvent::SyncProgress(progress(
                        SyncPhase::Failed,
                        done + 1,
                    )));
                }
                Err(e) => {
                    self.emit(ShellEvent::SyncProgress(progress(
                        SyncPhase::Failed,
                        done + 1,
                    )));
                    result = Err(IpcError::from(e));
                    break;
                }
            }
        }
        self.set_syncing(-1);
        self.refresh_error().await;
        let changed = reports.iter().any(|r| r.outcome == "updated");
        if changed {
            self.mirror_changed("sync");
        } else {
            // Status (last sync, errors) changed even when the events did not.
            self.emit(ShellEvent::MirrorChanged(MirrorChanged {
                reason: "sync_status".into(),
            }));
            self.refresh_tray();
        }
        result.map(|()| reports)
    }

    /// Checks the mirror file (SQLite's quick check, on a connection of its own) and
    /// keeps what it finds for the tray. Run once at start, in the background.
    pub async fn check_mirror(&self) {
        let damage = match self.engine.check_mirror().await {
            Ok(problems) if problems.is_empty() => None,
            Ok(problems) => Some(traycal_engine::mirror_damage_message(
                self.engine.data_dir(),
                &problems,
            )),
            Err(e) => Some(e.to_string()),
        };
        if let Some(d) = &damage {
            eprintln!("traycal: {d}");
        }
        if let Ok(mut s) = self.status.lock() {
            s.mirror_damage = damage;
        }
        self.refresh_tray();
    }

    /// Reads the failing sources from the engine's status. A sync held by the
    /// deletion guard comes first: it waits for the user.
    async fn refresh_error(&self) {
        let error = match self.engine.status(None).await {
            Ok(list) => {
                let failing: Vec<_> = list
                    .into_iter()
                    .filter(|s| s.source.enabled && s.consecutive_failures > 0)
                    .collect();
                let held = failing
                    .iter()
                    .find(|s| s.last_error_code.as_deref() == Some("mass_delete"));
                match held {
                    // The action first: the tray shortens long labels.
                    Some(s) => Some(format!(
                        "Decide in Settings: {} would delete most upcoming events (nothing deleted yet)",
                        s.source.name
                    )),
                    None => failing.into_iter().next().map(|s| {
                        format!(
                            "{}: {}",
                            s.source.name,
                            s.last_error.unwrap_or_else(|| "sync failed".into())
                        )
                    }),
                }
            }
            Err(e) => Some(e.to_string()),
        };
        if let Ok(mut s) = self.status.lock() {
            s.last_error = error;
        }
    }

    /// The background loop: syncs due sources, refreshes the tray when the minute
    /// turns, sleeps until whichever comes first (or until woken).
    pub async fn run_scheduler(shell: Arc<Shell>) {
        shell.refresh_error().await;
        loop {
            match shell.engine.due_sources().await {
                Ok(due) if !due.is_empty() => {
                    if let Err(e) = shell.sync_round(due, MassDeletionChoice::Ask).await {
                        eprintln!("traycal: scheduled sync failed: {}", e.message);
                    }
                }
                Ok(_) => {}
                Err(e) => eprintln!("traycal: cannot read the schedule: {e}"),
            }
            shell.refresh_tray();
            let now = shell.engine.now();
            let to_minute = 60 - now.rem_euclid(60);
            let to_due = shell
                .engine
                .next_due_in()
                .await
                .ok()
                .flatten()
                .unwrap_or(i64::MAX);
            // At least a second: a source that stays due (a failing feed backs off in
            // the engine) must not spin this loop.
            let wait = to_minute.min(to_due).max(1);
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(wait as u64)) => {}
                () = shell.wake.notified() => {}
            }
        }
    }
}
