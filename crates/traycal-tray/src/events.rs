//! What the tray process tells the windows: the contract's events.
//!
//! The contract lists the events once (`traycal_contract::with_events!`: payload type
//! and name); their payload types are declared here, and [`ShellEvent`] is generated
//! from the list, as src-tauri's event declarations (hence the TypeScript bindings)
//! are. Events travel to the window process over its socket
//! ([`crate::window_process`]) and to the tray through
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

macro_rules! shell_event {
    ($( $(#[$doc:meta])* $payload:ident = $name:tt; )*) => {
        /// One event of the contract: its payload, named by the contract's list.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum ShellEvent {
            $( $(#[$doc])* $payload($payload), )*
        }

        impl ShellEvent {
            /// The event's name in the webview (`mirror-changed`).
            pub fn name(&self) -> &'static str {
                match self {
                    $( ShellEvent::$payload(_) => $name, )*
                }
            }

            /// The payload as the webview receives it.
            pub fn payload(&self) -> Value {
                let value = match self {
                    $( ShellEvent::$payload(p) => serde_json::to_value(p), )*
                };
                // Plain structs of strings and numbers always serialise.
                value.unwrap_or(Value::Null)
            }
        }
    };
}
traycal_contract::with_events!(shell_event);
