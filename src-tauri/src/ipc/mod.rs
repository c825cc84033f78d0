//! The typed IPC contract between the webview and the engine.
//!
//! Commands and events are declared here once, in Rust; `ui/src/platform/bindings.ts`
//! is generated from them (see [`contract`] and the `bindings_are_current` test) and
//! committed, and CI fails when it is stale. Commands are grouped by feature (agenda,
//! sources, app); each is async and thin: it calls the engine and maps the error to
//! `{ code, message }` ([`IpcError`]), switching on stable codes, never on text.

pub mod agenda;
pub mod app;
pub mod reminders;
pub mod route;
pub mod sources;

use serde::{Deserialize, Serialize};
use traycal_engine::EngineError;

/// The error every command returns: a stable snake_case code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct IpcError {
    pub code: String,
    pub message: String,
}

impl IpcError {
    pub fn new(code: &str, message: impl Into<String>) -> IpcError {
        IpcError {
            code: code.to_string(),
            message: message.into(),
        }
    }
}

impl From<EngineError> for IpcError {
    fn from(e: EngineError) -> IpcError {
        IpcError {
            code: e.code().to_string(),
            message: e.to_string(),
        }
    }
}

impl From<tauri::Error> for IpcError {
    fn from(e: tauri::Error) -> IpcError {
        IpcError::new("window", e.to_string())
    }
}

/// Command result.
pub type IpcResult<T> = Result<T, IpcError>;

/// The mirror changed (a sync wrote, a source was added, edited or removed): views
/// re-read what they show.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct MirrorChanged {
    /// What changed, for logs (`sync`, `source_added`, …).
    pub reason: String,
}

/// Show this occurrence of an event in the agenda, with its details (a reminder or a
/// tray item was clicked). The agenda takes the request with `take_shown_event` when
/// it loads and when it hears this event, so a request made while it opens is not lost.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, tauri_specta::Event,
)]
pub struct ShowEvent {
    pub event_id: i64,
    /// Start of the occurrence (Unix seconds).
    pub occurrence_start: i64,
}

/// Where a running sync is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    Fetching,
    Parsing,
    Writing,
    Done,
    Failed,
}

/// Progress of a sync, per source (long first syncs show it).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct SyncProgress {
    pub source_id: i64,
    pub source_name: String,
    pub phase: SyncPhase,
    /// Sources done so far in this round.
    pub done: u32,
    /// Sources in this round, when known.
    pub total: Option<u32>,
}

/// The whole contract for runtime `$rt`: every command and event the webview may use.
/// A macro because `collect_commands!` needs the concrete runtime (the app uses
/// [`contract`]; shell tests instantiate it for Tauri's mock runtime).
#[macro_export]
macro_rules! ipc_contract {
    ($rt:ty) => {
        $crate::tauri_specta::Builder::<$rt>::new()
            .commands($crate::tauri_specta::collect_commands![
                $crate::ipc::app::app_state::<$rt>,
                $crate::ipc::app::open_window::<$rt>,
                $crate::ipc::app::set_autostart::<$rt>,
                $crate::ipc::agenda::agenda,
                $crate::ipc::agenda::event_detail,
                $crate::ipc::agenda::join_links,
                $crate::ipc::agenda::next_meeting,
                $crate::ipc::agenda::join_event,
                $crate::ipc::agenda::take_shown_event,
                $crate::ipc::sources::sources_status,
                $crate::ipc::sources::preview_feed,
                $crate::ipc::sources::add_feed::<$rt>,
                $crate::ipc::sources::update_source::<$rt>,
                $crate::ipc::sources::remove_source::<$rt>,
                $crate::ipc::sources::sync_now::<$rt>,
                $crate::ipc::sources::sync_log,
                $crate::ipc::sources::load_sample::<$rt>,
                $crate::ipc::reminders::reminder_settings,
                $crate::ipc::reminders::set_reminder_settings::<$rt>,
                $crate::ipc::reminders::my_addresses,
                $crate::ipc::reminders::set_my_addresses::<$rt>,
                $crate::ipc::app::shortcut_settings,
                $crate::ipc::app::set_join_shortcut,
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
