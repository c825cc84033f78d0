//! What the tray process tells the windows: the contract's events.
//!
//! The payload types are declared here; src-tauri's contract declares the events
//! themselves (their names and TypeScript types) as transparent wrappers of these,
//! and its shell test checks the names agree. Events travel to the window process
//! over its socket ([`crate::window_process`]) and to the tray through
//! [`crate::shell::Shell::subscribe`].

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The mirror changed (a sync wrote, a source was added, edited or removed): views
/// re-read what they show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct MirrorChanged {
    /// What changed, for logs (`sync`, `source_added`, …).
    pub reason: String,
}

/// Show this occurrence of an event in the agenda, with its details (a reminder or a
/// tray item was clicked). The agenda takes the request with `take_shown_event` when
/// it loads and when it hears this event, so a request made while it opens is not lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
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
    /// The deletion guard held the sync: it waits for the user's decision.
    Held,
}

/// Progress of a sync, per source (long first syncs show it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SyncProgress {
    pub source_id: i64,
    pub source_name: String,
    pub phase: SyncPhase,
    /// Sources done so far in this round.
    pub done: u32,
    /// Sources in this round, when known.
    pub total: Option<u32>,
}

/// Name of [`MirrorChanged`] on the wire and in the webview.
pub const MIRROR_CHANGED: &str = "mirror-changed";
/// Name of [`ShowEvent`].
pub const SHOW_EVENT: &str = "show-event";
/// Name of [`SyncProgress`].
pub const SYNC_PROGRESS: &str = "sync-progress";

/// One event of the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellEvent {
    MirrorChanged(MirrorChanged),
    ShowEvent(ShowEvent),
    SyncProgress(SyncProgress),
}

impl ShellEvent {
    /// The event's name in the webview.
    pub fn name(&self) -> &'static str {
        match self {
            ShellEvent::MirrorChanged(_) => MIRROR_CHANGED,
            ShellEvent::ShowEvent(_) => SHOW_EVENT,
            ShellEvent::SyncProgress(_) => SYNC_PROGRESS,
        }
    }

    /// The payload as the webview receives it.
    pub fn payload(&self) -> Value {
        let value = match self {
            ShellEvent::MirrorChanged(p) => serde_json::to_value(p),
            ShellEvent::ShowEvent(p) => serde_json::to_value(p),
            ShellEvent::SyncProgress(p) => serde_json::to_value(p),
        };
        // Plain structs of strings and numbers always serialise.
        value.unwrap_or(Value::Null)
    }
}
