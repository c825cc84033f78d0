//! The app's shared state: the engine, the sync status the tray shows, and the
//! background loop that syncs due sources and keeps the tray current.
//!
//! Invariants: the engine is the only owner of data (this module keeps only the
//! display state: syncing or not, the last error); every change to the mirror goes
//! through [`Shell::mirror_changed`], which tells the windows (event), the tray
//! (rebuild) and the scheduler (re-plan). The loop sleeps until the next source is
//! due or the minute turns (the tray shows "in 5 min"), never polls faster.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;
use traycal_engine::{Engine, SyncReport};

use crate::ipc::{IpcError, IpcResult, MirrorChanged, ShowEvent, SyncPhase, SyncProgress};
use crate::windows::{self, WindowKind};

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
}

/// Managed state of the app.
pub struct Shell {
    pub engine: Arc<Engine>,
    status: Mutex<Status>,
    /// Wakes the background loop early (a source was added, "Sync now", …).
    wake: Arc<tokio::sync::Notify>,
    /// Wakes the reminder scheduler (the mirror changed, a reminder was snoozed).
    reminders_wake: Arc<tokio::sync::Notify>,
    /// The event the agenda should show next (a notification or a tray item was
    /// clicked); the agenda takes it when it opens or hears [`ShowEvent`].
    shown_event: Mutex<Option<ShowEvent>>,
}

impl Shell {
    pub fn new(engine: Arc<Engine>) -> Shell {
        Shell {
            engine,
            status: Mutex::new(Status::default()),
            wake: Arc::new(tokio::sync::Notify::new()),
            reminders_wake: Arc::new(tokio::sync::Notify::new()),
            shown_event: Mutex::new(None),
        }
    }

    /// Opens the agenda on one occurrence of an event, with its details.
    pub fn show_event<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        event_id: i64,
        occurrence_start: i64,
    ) -> tauri::Result<()> {
        let event = ShowEvent {
            event_id,
            occurrence_start,
        };
        if let Ok(mut pending) = self.shown_event.lock() {
            *pending = Some(event.clone());
        }
        windows::show(app, WindowKind::Agenda)?;
        // An open agenda hears this now; a new one takes the request when it loads.
        let _ = event.emit(app);
        Ok(())
    }

    /// The event the agenda was asked to show, once.
    pub fn take_shown_event(&self) -> Option<ShowEvent> {
        self.shown_event.lock().ok().and_then(|mut p| p.take())
    }

    /// Joins the running or next meeting that has a link (today or tomorrow); returns
    /// the link opened. The tray's "Join next meeting" and the global shortcut.
    pub async fn join_next(&self) -> Result<String, String> {
        let now = self.engine.now();
        let entries = self
            .engine
            .agenda(now, now + 2 * 86_400)
            .await
            .map_err(|e| e.to_string())?
            .entries;
        let ids: Vec<i64> = entries
            .iter()
            .filter(|e| !e.all_day && e.end_utc > now)
            .map(|e| e.event_id)
            .collect();
        let links = self
            .engine
            .join_links(ids.clone())
            .await
            .map_err(|e| e.to_string())?;
        let first = ids
            .iter()
            .find_map(|id| links.iter().find(|l| l.event_id == *id))
            .ok_or("no meeting with a join link today or tomorrow")?;
        self.engine
            .open_link(&first.link)
            .await
            .map_err(|e| e.to_string())?;
        Ok(first.link.url.clone())
    }

    /// After a resume from suspend: sync what fell due and plan reminders again now
    /// (timers measured in monotonic time stood still while the machine slept).
    pub fn resumed(&self) {
        self.wake.notify_one();
        self.reminders_wake.notify_one();
    }

    /// What the reminder scheduler waits on besides its timer.
    pub fn reminders_wake(&self) -> Arc<tokio::sync::Notify> {
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
            .last_error
            .clone()
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
    pub fn mirror_changed<R: Runtime>(&self, app: &AppHandle<R>, reason: &str) {
        let _ = MirrorChanged {
            reason: reason.to_string(),
        }
        .emit(app);
        self.wake.notify_one();
        self.reminders_wake.notify_one();
        crate::tray::refresh_soon(app);
    }

    /// Starts a sync of one source (or all) without waiting for it.
    pub fn sync_in_background<R: Runtime>(&self, app: AppHandle<R>, id: Option<i64>) {
        tauri::async_runtime::spawn(async move {
            let shell = app.state::<Shell>();
            if let Err(e) = shell.sync(&app, id).await {
                eprintln!("traycal: sync failed: {}", e.message);
            }
        });
    }

    /// Syncs one source, or every enabled one, reporting progress per source.
    pub async fn sync<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        id: Option<i64>,
    ) -> IpcResult<Vec<SyncReport>> {
        let ids = match id {
            Some(id) => vec![id],
            None => self.engine.enabled_sources().await?,
        };
        self.sync_round(app, ids).await
    }

    async fn sync_round<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        ids: Vec<i64>,
    ) -> IpcResult<Vec<SyncReport>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.set_syncing(1);
        crate::tray::refresh_soon(app);
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
            let _ = progress(SyncPhase::Fetching, done).emit(app);
            match self.engine.sync_source(id).await {
                Ok(report) => {
                    let phase = if report.error.is_some() {
                        SyncPhase::Failed
                    } else {
                        SyncPhase::Done
                    };
                    let _ = progress(phase, done + 1).emit(app);
                    reports.push(report);
                }
                Err(e) => {
                    let _ = progress(SyncPhase::Failed, done + 1).emit(app);
                    result = Err(IpcError::from(e));
                    break;
                }
            }
        }
        self.set_syncing(-1);
        self.refresh_error().await;
        let changed = reports.iter().any(|r| r.outcome == "updated");
        if changed {
            self.mirror_changed(app, "sync");
        } else {
            // Status (last sync, errors) changed even when the events did not.
            let _ = MirrorChanged {
                reason: "sync_status".into(),
            }
            .emit(app);
            crate::tray::refresh_soon(app);
        }
        result.map(|()| reports)
    }

    /// Reads the failing sources from the engine's status.
    async fn refresh_error(&self) {
        let error = match self.engine.status(None).await {
            Ok(list) => list
                .into_iter()
                .filter(|s| s.source.enabled && s.consecutive_failures > 0)
                .map(|s| {
                    format!(
                        "{}: {}",
                        s.source.name,
                        s.last_error.unwrap_or_else(|| "sync failed".into())
                    )
                })
                .next(),
            Err(e) => Some(e.to_string()),
        };
        if let Ok(mut s) = self.status.lock() {
            s.last_error = error;
        }
    }

    /// The background loop: syncs due sources, refreshes the tray when the minute
    /// turns, sleeps until whichever comes first (or until woken).
    pub async fn run_scheduler<R: Runtime>(app: AppHandle<R>) {
        let shell = app.state::<Shell>();
        shell.refresh_error().await;
        loop {
            match shell.engine.due_sources().await {
                Ok(due) if !due.is_empty() => {
                    if let Err(e) = shell.sync_round(&app, due).await {
                        eprintln!("traycal: scheduled sync failed: {}", e.message);
                    }
                }
                Ok(_) => {}
                Err(e) => eprintln!("traycal: cannot read the schedule: {e}"),
            }
            crate::tray::refresh_soon(&app);
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
