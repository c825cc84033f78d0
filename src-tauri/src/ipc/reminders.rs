//! Reminder preferences: per calendar, and the user's own addresses (settings window).

use std::sync::Arc;

use tauri::State;
use traycal_engine::reminders::{CalendarReminders, ReminderPrefs};
use traycal_tray::commands::reminders as run;
use traycal_tray::shell::Shell;

use super::IpcResult;

/// Every calendar with its reminder preferences (defaults where none were set).
#[tauri::command]
#[specta::specta]
pub async fn reminder_settings(shell: State<'_, Arc<Shell>>) -> IpcResult<Vec<CalendarReminders>> {
    run::reminder_settings(&shell).await
}

/// Sets a calendar's reminder preferences; the scheduler re-plans at once.
#[tauri::command]
#[specta::specta]
pub async fn set_reminder_settings(
    shell: State<'_, Arc<Shell>>,
    calendar_id: i64,
    prefs: ReminderPrefs,
) -> IpcResult<()> {
    run::set_reminder_settings(&shell, calendar_id, prefs).await
}

/// The user's own addresses, to find their reply in invitations (declined meetings get
/// no reminder).
#[tauri::command]
#[specta::specta]
pub async fn my_addresses(shell: State<'_, Arc<Shell>>) -> IpcResult<Vec<String>> {
    run::my_addresses(&shell).await
}

/// Replaces the user's own addresses; an entry that is not an address is refused
/// (`invalid_input`, naming it) and the stored list is kept. Returns the stored list.
#[tauri::command]
#[specta::specta]
pub async fn set_my_addresses(
    shell: State<'_, Arc<Shell>>,
    addresses: Vec<String>,
) -> IpcResult<Vec<String>> {
    run::set_my_addresses(&shell, addresses).await
}
