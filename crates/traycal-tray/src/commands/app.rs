//! App-level commands: state for the welcome window, opening windows, start at login,
//! the global join shortcut, and the app-wide preferences (clock, first day of the
//! week, Snooze length).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use traycal_engine::display::{DisplayPrefs, DisplaySettings};

use super::{IpcError, IpcErrorCode, IpcResult};
use crate::events::{MirrorChanged, ShellEvent};
use crate::shell::{Shell, TrayState};
use crate::shortcut::{Accelerator, ShortcutSettings};
use crate::windows::WindowKind;

/// What the windows need to know about the app.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct AppState {
    pub version: String,
    pub data_dir: String,
    /// How many sources are configured (0 on first run).
    pub sources: u32,
    pub tray: TrayState,
    pub last_error: Option<String>,
    /// Whether Traycal starts at login.
    pub autostart: bool,
    /// How times and weeks are shown (the user's choice, else the system locale's).
    pub display: DisplayPrefs,
    /// The engine's clock, Unix seconds: the windows follow it when it is pinned
    /// (`TRAYCAL_NOW`, in tests and demos) rather than the machine's.
    pub now: i64,
}

/// The app-wide preferences.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct Preferences {
    pub display: DisplayPrefs,
    /// How long a reminder's Snooze lasts.
    pub snooze_minutes: u32,
}

/// A change to the preferences: each `None` leaves that one as it is.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct PreferencesEdit {
    pub display: Option<DisplaySettings>,
    pub snooze_minutes: Option<u32>,
}

/// The app-wide preferences.
pub async fn preferences(shell: &Arc<Shell>) -> IpcResult<Preferences> {
    Ok(Preferences {
        display: shell.engine.display_prefs().await?,
        snooze_minutes: shell.engine.snooze_minutes().await?,
    })
}

/// Changes the preferences (a bad Snooze length is `invalid_input`, and nothing is
/// changed); open windows hear `MirrorChanged` with reason `preferences` and re-read,
/// the tray is rebuilt with the new clock.
pub async fn set_preferences(shell: &Arc<Shell>, edit: PreferencesEdit) -> IpcResult<Preferences> {
    if let Some(minutes) = edit.snooze_minutes {
        shell.engine.set_snooze_minutes(minutes).await?;
    }
    if let Some(display) = edit.display {
        shell.engine.set_display_settings(display).await?;
    }
    shell.emit(ShellEvent::MirrorChanged(MirrorChanged {
        reason: "preferences".into(),
    }));
    shell.refresh_tray();
    preferences(shell).await
}

pub async fn app_state(shell: &Arc<Shell>) -> IpcResult<AppState> {
    let sources = shell.engine.sources().await?.len() as u32;
    let (tray, last_error) = shell.tray_state();
    Ok(AppState {
        version: env!("CARGO_PKG_VERSION").to_string(),
        data_dir: shell.engine.data_dir().display().to_string(),
        sources,
        tray,
        last_error,
        autostart: shell.autostart().is_some_and(|a| a.is_enabled()),
        display: shell.engine.display_prefs().await?,
        now: shell.engine.now(),
    })
}

/// Opens (or focuses) a window.
pub async fn open_window(shell: &Arc<Shell>, window: WindowKind) -> IpcResult<()> {
    shell.show_window(window)
}

/// Turns starting at login on or off.
pub async fn set_autostart(shell: &Arc<Shell>, enabled: bool) -> IpcResult<bool> {
    let autostart = shell.autostart().ok_or_else(|| {
        IpcError::new(
            IpcErrorCode::Autostart,
            "start at login is not available here",
        )
    })?;
    autostart
        .set(enabled)
        .map_err(|e| IpcError::new(IpcErrorCode::Autostart, e))?;
    Ok(autostart.is_enabled())
}

/// The global join shortcut: what it is, whether it is active, and why not.
pub async fn shortcut_settings(shell: &Arc<Shell>) -> IpcResult<ShortcutSettings> {
    Ok(shell.shortcut()?.settings())
}

/// Sets the global join shortcut ("Ctrl+Alt+J"; `null` or "" turns it off). Text that
/// is not a shortcut is `invalid_input`; one that cannot be grabbed (another
/// application holds it, no X11 display) is `shortcut_unavailable`, and the previous
/// shortcut stays. Stored only once it works.
pub async fn set_join_shortcut(
    shell: &Arc<Shell>,
    text: Option<String>,
) -> IpcResult<ShortcutSettings> {
    let shortcut = shell.shortcut()?;
    let text = text.unwrap_or_default();
    let accelerator = if text.trim().is_empty() {
        None
    } else {
        Some(Accelerator::parse(&text).map_err(|m| IpcError::new(IpcErrorCode::InvalidInput, m))?)
    };
    shortcut
        .set(accelerator)
        .map_err(|m| IpcError::new(IpcErrorCode::ShortcutUnavailable, m))?;
    let stored = accelerator.map(|a| a.to_string()).unwrap_or_default();
    shell.engine.set_join_shortcut_setting(Some(stored)).await?;
    Ok(shortcut.settings())
}
