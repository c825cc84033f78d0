//! App-level commands: state for the welcome window, opening windows, start at login,
//! the global join shortcut.

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_autostart::AutoLaunchManager;

use super::{IpcError, IpcResult};
use crate::shell::{Shell, TrayState};
use crate::shortcut::{Accelerator, JoinShortcut, ShortcutSettings};
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
}

#[tauri::command]
#[specta::specta]
pub async fn app_state<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
) -> IpcResult<AppState> {
    let sources = shell.engine.sources().await?.len() as u32;
    let (tray, last_error) = shell.tray_state();
    Ok(AppState {
        version: env!("CARGO_PKG_VERSION").to_string(),
        data_dir: shell.engine.data_dir().display().to_string(),
        sources,
        tray,
        last_error,
        autostart: app
            .try_state::<AutoLaunchManager>()
            .is_some_and(|l| l.is_enabled().unwrap_or(false)),
    })
}

/// Opens (or focuses) a window.
#[tauri::command]
#[specta::specta]
pub async fn open_window<R: Runtime>(app: AppHandle<R>, window: WindowKind) -> IpcResult<()> {
    crate::windows::show(&app, window)?;
    Ok(())
}

/// Turns starting at login on or off.
#[tauri::command]
#[specta::specta]
pub async fn set_autostart<R: Runtime>(app: AppHandle<R>, enabled: bool) -> IpcResult<bool> {
    let launcher = app
        .try_state::<AutoLaunchManager>()
        .ok_or_else(|| IpcError::new("autostart", "start at login is not available here"))?;
    let result = if enabled {
        launcher.enable()
    } else {
        launcher.disable()
    };
    result.map_err(|e| IpcError::new("autostart", e.to_string()))?;
    Ok(launcher.is_enabled().unwrap_or(enabled))
}

/// The global join shortcut: what it is, whether it is active, and why not.
#[tauri::command]
#[specta::specta]
pub async fn shortcut_settings(shortcut: State<'_, JoinShortcut>) -> IpcResult<ShortcutSettings> {
    Ok(shortcut.settings())
}

/// Sets the global join shortcut ("Ctrl+Alt+J"; `null` or "" turns it off). Text that
/// is not a shortcut is `invalid_input`; one that cannot be grabbed (another
/// application holds it, no X11 display) is `shortcut_unavailable`, and the previous
/// shortcut stays. Stored only once it works.
#[tauri::command]
#[specta::specta]
pub async fn set_join_shortcut(
    shell: State<'_, Shell>,
    shortcut: State<'_, JoinShortcut>,
    text: Option<String>,
) -> IpcResult<ShortcutSettings> {
    let text = text.unwrap_or_default();
    let accelerator = if text.trim().is_empty() {
        None
    } else {
        Some(Accelerator::parse(&text).map_err(|m| IpcError::new("invalid_input", m))?)
    };
    shortcut
        .set(accelerator)
        .map_err(|m| IpcError::new("shortcut_unavailable", m))?;
    let stored = accelerator.map(|a| a.to_string()).unwrap_or_default();
    shell.engine.set_join_shortcut_setting(Some(stored)).await?;
    Ok(shortcut.settings())
}
