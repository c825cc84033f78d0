//! Reminder preferences per calendar (settings window).

use tauri::{AppHandle, Runtime, State};
use traycal_engine::reminders::{CalendarReminders, ReminderPrefs};

use super::IpcResult;
use crate::shell::Shell;

/// Every calendar with its reminder preferences (defaults where none were set).
#[tauri::command]
#[specta::specta]
pub async fn reminder_settings(shell: State<'_, Shell>) -> IpcResult<Vec<CalendarReminders>> {
    Ok(shell.engine.reminder_settings().await?)
}

/// Sets a calendar's reminder preferences; the scheduler re-plans at once.
#[tauri::command]
#[specta::specta]
pub async fn set_reminder_settings<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    calendar_id: i64,
    prefs: ReminderPrefs,
) -> IpcResult<()> {
    shell
        .engine
        .set_reminder_settings(calendar_id, prefs)
        .await?;
    shell.mirror_changed(&app, "reminder_settings");
    Ok(())
}
