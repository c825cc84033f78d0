//! App-level commands: state for the welcome window, opening windows, start at login,
//! the global join shortcut.

use std::sync::Arc;

use tauri::State;
use traycal_tray::commands::app::{self as run, AppState, Preferences, PreferencesEdit};
use traycal_tray::shell::Shell;
use traycal_tray::shortcut::ShortcutSettings;
use traycal_tray::windows::WindowKind;

use super::IpcResult;

/// What the windows need to know about the app.
#[tauri::command]
#[specta::specta]
pub async fn app_state(shell: State<'_, Arc<Shell>>) -> IpcResult<AppState> {
    run::app_state(&shell).await
}

/// The app-wide preferences (clock, first day of the week, Snooze length).
#[tauri::command]
#[specta::specta]
pub async fn preferences(shell: State<'_, Arc<Shell>>) -> IpcResult<Preferences> {
    run::preferences(&shell).await
}

/// Changes the app-wide preferences; open windows hear `MirrorChanged` (`preferences`).
#[tauri::command]
#[specta::specta]
pub async fn set_preferences(
    shell: State<'_, Arc<Shell>>,
    edit: PreferencesEdit,
) -> IpcResult<Preferences> {
    run::set_preferences(&shell, edit).await
}

/// Opens (or focuses) a window.
#[tauri::command]
#[specta::specta]
pub async fn open_window(shell: State<'_, Arc<Shell>>, window: WindowKind) -> IpcResult<()> {
    run::open_window(&shell, window).await
}

/// Turns starting at login on or off.
#[tauri::command]
#[specta::specta]
pub async fn set_autostart(shell: State<'_, Arc<Shell>>, enabled: bool) -> IpcResult<bool> {
    run::set_autostart(&shell, enabled).await
}

/// The global join shortcut: what it is, whether it is active, and why not.
#[tauri::command]
#[specta::specta]
pub async fn shortcut_settings(shell: State<'_, Arc<Shell>>) -> IpcResult<ShortcutSettings> {
    run::shortcut_settings(&shell).await
}

/// Sets the global join shortcut ("Ctrl+Alt+J"; `null` or "" turns it off). Text that
/// is not a shortcut is `invalid_input`; one that cannot be grabbed (another
/// application holds it, no X11 display) is `shortcut_unavailable`, and the previous
/// shortcut stays. Stored only once it works.
#[tauri::command]
#[specta::specta]
pub async fn set_join_shortcut(
    shell: State<'_, Arc<Shell>>,
    text: Option<String>,
) -> IpcResult<ShortcutSettings> {
    run::set_join_shortcut(&shell, text).await
}
