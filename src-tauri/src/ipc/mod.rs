//! The typed IPC contract between the webview and the engine.
//!
//! Commands and events are declared here once, in Rust; `ui/src/platform/bindings.ts`
//! is generated from them (see [`contract`] and the `bindings_are_current` test) and
//! committed, and CI fails when it is stale. Commands are grouped by feature (agenda,
//! sources, reminders, app); each is async and thin: it calls the tray process's
//! implementation (`traycal_tray::commands`), which maps errors to `{ code, message }`
//! ([`IpcError`]), switching on stable codes, never on text.
//!
//! In the app the windows' commands do not run these functions: the window process
//! passes every call to the tray process ([`crate::window_process`]), which runs the
//! same implementation by name (`traycal_tray::route`). These declarations give the
//! contract its names, argument names and types, and let the shell tests call the
//! commands through Tauri.

pub mod agenda;
pub mod app;
pub mod reminders;
pub mod sources;

use serde::{Deserialize, Serialize};
pub use traycal_tray::commands::{IpcError, IpcResult};
use traycal_tray::events;

// The contract's events. Their payloads are the tray process's types (it sends them);
// these wrappers (the same JSON) give them their event names here, where Tauri lives,
// as `<Name>Event` aliases of the payload types in TypeScript. The shell test
// `event_names_match_the_tray_process` checks the names agree.

/// The mirror changed: views re-read what they show.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[serde(transparent, rename = "MirrorChangedEvent")]
pub struct MirrorChanged(pub events::MirrorChanged);

/// Show this occurrence of an event in the agenda, with its details.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[serde(transparent, rename = "ShowEventEvent")]
pub struct ShowEvent(pub events::ShowEvent);

/// Progress of a sync, per source.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[serde(transparent, rename = "SyncProgressEvent")]
pub struct SyncProgress(pub events::SyncProgress);

/// The whole contract for runtime `$rt`: every command and event the webview may use.
/// A macro because `collect_commands!` needs the concrete runtime (the app uses
/// [`contract`]; shell tests instantiate it for Tauri's mock runtime).
#[macro_export]
macro_rules! ipc_contract {
    ($rt:ty) => {
        $crate::tauri_specta::Builder::<$rt>::new()
            .commands($crate::tauri_specta::collect_commands![
                $crate::ipc::app::app_state,
                $crate::ipc::app::open_window,
                $crate::ipc::app::set_autostart,
                $crate::ipc::agenda::agenda,
                $crate::ipc::agenda::event_detail,
                $crate::ipc::agenda::join_links,
                $crate::ipc::agenda::next_meeting,
                $crate::ipc::agenda::join_event,
                $crate::ipc::agenda::take_shown_event,
                $crate::ipc::sources::sources_status,
                $crate::ipc::sources::preview_feed,
                $crate::ipc::sources::add_feed,
                $crate::ipc::sources::update_source,
                $crate::ipc::sources::remove_source,
                $crate::ipc::sources::sync_now,
                $crate::ipc::sources::sync_log,
                $crate::ipc::sources::load_sample,
                $crate::ipc::sources::decide_deletions,
                $crate::ipc::sources::reveal_source_url,
                $crate::ipc::reminders::reminder_settings,
                $crate::ipc::reminders::set_reminder_settings,
                $crate::ipc::reminders::my_addresses,
                $crate::ipc::reminders::set_my_addresses,
                $crate::ipc::app::shortcut_settings,
                $crate::ipc::app::set_join_shortcut,
                $crate::ipc::app::preferences,
                $crate::ipc::app::set_preferences,
            ])
            .events($crate::tauri_specta::collect_events![
                $crate::ipc::MirrorChanged,
                $crate::ipc::SyncProgress,
                $crate::ipc::ShowEvent
            ])
            // Unix seconds and row ids stay far below 2^53.
            .dangerously_cast_bigints_to_number()
            // One TypeScript type per Rust type (the UI only reads what it is sent).
            .disable_serde_phases()
    };
}

/// The contract of the real app.
pub fn contract() -> tauri_specta::Builder<tauri::Wry> {
    ipc_contract!(tauri::Wry)
}

/// Where the generated bindings live, relative to the workspace root.
pub const BINDINGS_PATH: &str = "ui/src/platform/bindings.ts";

/// Renders the TypeScript bindings into `path`.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    contract()
        .export(
            specta_typescript::Typescript::default()
                .header("// Generated from src-tauri/src/ipc by tauri-specta. Do not edit: run\n// `TRAYCAL_WRITE_BINDINGS=1 cargo test -p traycal-app bindings_are_current`.\n"),
            path,
        )
        .map_err(|e| e.to_string())
}
