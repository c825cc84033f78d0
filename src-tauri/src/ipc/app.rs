//! App-level commands: state for the welcome window, opening windows, start at login.

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_autostart::AutoLaunchManager;

use super::{IpcError, IpcResult};
use crate::shell::{Shell, TrayState};
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
