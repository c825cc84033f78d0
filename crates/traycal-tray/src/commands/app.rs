//! App-level commands: state for the welcome window, opening windows, start at login,
//! the global join shortcut.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{IpcError, IpcResult};
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
    })
}

/// Opens (or focuses) a window.
pub async fn open_window(shell: &Arc<Shell>, window: WindowKind) -> IpcResult<()> {
    shell.show_window(window)
}

/// Turns starting at login on or off.
pub async fn set_autostart(shell: &Arc<Shell>, enabled: bool) -> IpcResult<bool> {
    let autostart = shell
        .autostart()
        .ok_or_else(|| IpcError::new("autostart", "start at login is not available here"))?;
    autostart
        .set(enabled)
        .map_err(|e| IpcError::new("autostart", e))?;
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
        Some(Accelerator::parse(&text).map_err(|m| IpcError::new("invalid_input", m))?)
    };
    shortcut
        .set(accelerator)
        .map_err(|m| IpcError::new("shortcut_unavailable", m))?;
    let stored = accelerator.map(|a| a.to_string()).unwrap_or_default();
    shell.engine.set_join_shortcut_setting(Some(stored)).await?;
    Ok(shortcut.settings())
}
