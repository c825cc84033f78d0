//! The contract's lists (`traycal_contract`) as this crate and src-tauri expand them.
//!
//! The lists name types without paths; every expansion glob-imports this module, so
//! the route here and the Tauri declarations in src-tauri resolve each name to the
//! same type. A type a new command needs is re-exported here once (the compiler says
//! which is missing).
//!
//! Invariant: this module holds names only, no behaviour.

pub use traycal_contract::{
    command, wire_key, with_commands, with_error_codes, with_events, CommandSpec, EventSpec,
    COMMANDS, COMMAND_NAMES, ERROR_CODES, EVENTS,
};

pub use traycal_core::join::JoinLink;
pub use traycal_engine::accounts::AccountAdded;
pub use traycal_engine::agenda::{Agenda, LogLine, NextMeeting, SourceStatus};
pub use traycal_engine::calendar_settings::CalendarEdit;
pub use traycal_engine::detail::{EventDetail, EventJoin};
pub use traycal_engine::local_edit::{EventForm, WrittenEvent};
pub use traycal_engine::preview::FeedPreview;
pub use traycal_engine::reminders::{CalendarReminders, ReminderPrefs};
pub use traycal_engine::sources::{CalendarInfo, SourceEdit, SourceInfo};
pub use traycal_engine::{MassDeletionChoice, SyncReport};

pub use crate::commands::accounts::AddAccount;
pub use crate::commands::app::{AppState, Preferences, PreferencesEdit};
pub use crate::commands::editing::{EditScope, EditTarget, EventInput};
pub use crate::commands::sources::AddFeed;
pub use crate::commands::{IpcError, IpcErrorCode, IpcResult};
pub use crate::events::{MirrorChanged, ShellEvent, ShowEvent, SyncProgress};
pub use crate::shortcut::ShortcutSettings;
pub use crate::windows::WindowKind;
