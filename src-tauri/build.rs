//! Declares the app's commands so Tauri generates an `allow-<command>` permission for
//! each: without this every window could call every command. Capabilities
//! (`capabilities/*.json`, one per window) then grant each window only its own.

/// Every command of the IPC contract (`src/ipc`).
const COMMANDS: &[&str] = &[
    "app_state",
    "open_window",
    "set_autostart",
    "agenda",
    "event_detail",
    "join_links",
    "next_meeting",
    "join_event",
    "sources_status",
    "preview_feed",
    "add_feed",
    "update_source",
    "remove_source",
    "sync_now",
    "sync_log",
    "load_sample",
    "decide_deletions",
    "reveal_source_url",
    "reminder_settings",
    "set_reminder_settings",
    "my_addresses",
    "set_my_addresses",
    "shortcut_settings",
    "set_join_shortcut",
    "take_shown_event",
    "preferences",
    "set_preferences",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .unwrap_or_else(|e| panic!("tauri build script: {e:#}"));
}
