//! Reminder preferences: per calendar, and the user's own addresses (settings window).

use traycal_engine::reminders::{CalendarReminders, ReminderPrefs};

use super::IpcResult;
use std::sync::Arc;

use crate::shell::Shell;

/// Every calendar with its reminder preferences (defaults where none were set).
pub async fn reminder_settings(shell: &Arc<Shell>) -> IpcResult<Vec<CalendarReminders>> {
    Ok(shell.engine.reminder_settings().await?)
}

/// Sets a calendar's reminder preferences; the scheduler re-plans at once.
pub async fn set_reminder_settings(
    shell: &Arc<Shell>,
    calendar_id: i64,
    prefs: ReminderPrefs,
) -> IpcResult<()> {
    shell
        .engine
        .set_reminder_settings(calendar_id, prefs)
        .await?;
    shell.mirror_changed("reminder_settings");
    Ok(())
}

/// The user's own addresses, to find their reply in invitations (declined meetings get
/// no reminder).
pub async fn my_addresses(shell: &Arc<Shell>) -> IpcResult<Vec<String>> {
    Ok(shell.engine.my_addresses().await?)
}

/// Replaces the user's own addresses; an entry that is not an address is refused
/// (`invalid_input`, naming it) and the stored list is kept. Returns the stored list.
pub async fn set_my_addresses(
    shell: &Arc<Shell>,
    addresses: Vec<String>,
) -> IpcResult<Vec<String>> {
    shell.engine.set_my_addresses(addresses).await?;
    shell.mirror_changed("my_addresses");
    Ok(shell.engine.my_addresses().await?)
}
