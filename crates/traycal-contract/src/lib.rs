//! The contract between Traycal's windows and its tray process, written once.
//!
//! Three lists, each a macro that hands its entries to a callback macro (the
//! `with_commands!` pattern of Yaak's shell): [`with_commands!`] (every command the
//! webview may call: its feature module, name, arguments, answer and the windows
//! granted it), [`with_error_codes!`] (every `code` an `IpcError` can carry) and
//! [`with_events!`] (every event the tray process sends the windows). Everything else
//! about the contract follows from them:
//!
//! | expands a list | what it makes |
//! |---|---|
//! | `traycal_tray::route` | the route: a call by name and camelCase JSON arguments → the command's function (unknown argument keys refused) |
//! | `traycal_tray::commands` | `IpcErrorCode`, the type of `IpcError::code` |
//! | `traycal_tray::events` | `ShellEvent`, its names and payloads |
//! | `traycal_app::ipc` (src-tauri) | the `#[tauri::command]` declarations, the tauri-specta collection of commands and events, hence `ui/src/platform/bindings.ts` |
//! | this crate | [`COMMANDS`], [`COMMAND_NAMES`], [`ERROR_CODES`], [`EVENTS`]: the lists as data, for src-tauri's `build.rs` (one permission per command) and the tests (capabilities grant exactly the listed windows' commands, routed calls refuse a misspelled key) |
//!
//! To add a command: write its function in `traycal_tray::commands::<feature>`, add
//! one line here, grant it in the capability file of each window listed, and
//! regenerate the bindings (`TRAYCAL_WRITE_BINDINGS=1 cargo test -p traycal-app
//! --test contract`).
//!
//! Invariants:
//! - Command names are unique snake_case; each is the name of its function in
//!   `traycal_tray::commands::<feature>` and of its Tauri command. Argument names are
//!   snake_case; on the wire they are camelCase ([`wire_key`]), as Tauri names them.
//! - The types are names, resolved where a list is expanded: `traycal_tray::contract`
//!   re-exports every one of them, so each expansion sees the same types.
//! - This crate has no dependencies, so a build script can use it.

/// Hands the contract's commands to `$callback!`, one entry each:
///
/// ```text
/// /// docs (they reach the TypeScript bindings)
/// feature::name(arg: Type, ...) -> Answer, for [window, ...];
/// ```
///
/// `feature` is the module of `traycal_tray::commands` holding the function `name`,
/// which takes `&Arc<Shell>` then the arguments, and returns `IpcResult<Answer>`.
/// The windows are the labels of the windows whose capability grants the command.
#[macro_export]
macro_rules! with_commands {
    ($callback:ident) => {
        $callback! {
            /// What the windows need to know about the app.
            app::app_state() -> AppState, for [agenda, settings, welcome];
            /// Opens (or focuses) a window.
            app::open_window(window: WindowKind) -> (), for [agenda, settings, welcome];
            /// Turns starting at login on or off.
            app::set_autostart(enabled: bool) -> bool, for [settings];
            /// The global join shortcut: what it is, whether it is active, and why not.
            app::shortcut_settings() -> ShortcutSettings, for [settings];
            /// Sets the global join shortcut ("Ctrl+Alt+J"; `null` or "" turns it off). Text that
            /// is not a shortcut is `invalid_input`; one that cannot be grabbed (another
            /// application holds it, no X11 display) is `shortcut_unavailable`, and the previous
            /// shortcut stays. Stored only once it works.
            app::set_join_shortcut(text: Option<String>) -> ShortcutSettings, for [settings];
            /// The app-wide preferences (clock, first day of the week, Snooze length).
            app::preferences() -> Preferences, for [settings];
            /// Changes the app-wide preferences; open windows hear `MirrorChanged` (`preferences`).
            app::set_preferences(edit: PreferencesEdit) -> Preferences, for [settings];
            /// Occurrences overlapping `[from, to)` (Unix seconds), ordered by start.
            agenda::agenda(from: i64, to: i64) -> Agenda, for [agenda];
            /// One event in full. `occurrence_start` is the agenda entry's start (UTC seconds)
            /// for a recurring event's occurrence.
            agenda::event_detail(event_id: i64, occurrence_start: Option<i64>) -> EventDetail, for [agenda];
            /// The join links of the given events (events without one are left out).
            agenda::join_links(event_ids: Vec<i64>) -> Vec<EventJoin>, for [agenda];
            /// The running or next event, with its join link.
            agenda::next_meeting() -> Option<NextMeeting>, for [agenda];
            /// Opens an event's join link (allow-listed schemes only) and returns it.
            agenda::join_event(event_id: i64) -> JoinLink, for [agenda];
            /// The event the agenda was asked to show (once; `null` when none is waiting).
            agenda::take_shown_event() -> Option<ShowEvent>, for [agenda];
            /// Every calendar, with whether Traycal may change its events (`read_only`,
            /// `direction`, `source_kind`).
            editing::calendars() -> Vec<CalendarInfo>, for [agenda, settings];
            /// Changes a calendar's own settings: shown, colour, direction, and whether new
            /// events go to it by default. A read-only calendar or a feed's stays pulled
            /// only (`invalid_input`, naming why).
            editing::update_calendar(id: i64, edit: CalendarEdit) -> CalendarInfo, for [settings];
            /// What the editor shows for an event, or for one occurrence of a series: its
            /// times in its own zone, repeat rule and reminder.
            editing::event_form(target: EditTarget) -> EventForm, for [agenda];
            /// Creates an event; it shows at once and is pushed by a background sync of its
            /// calendar's account (offline: when the server can be reached).
            editing::create_event(calendar_id: i64, fields: EventInput) -> WrittenEvent, for [agenda];
            /// Changes an event (fields `null` are kept): one occurrence, this and the
            /// following ones, or the whole series (`scope`).
            editing::edit_event(target: EditTarget, scope: EditScope, fields: EventInput) -> WrittenEvent, for [agenda];
            /// Deletes an event: one occurrence, this and the following ones, or the whole
            /// series (`scope`).
            editing::delete_event(target: EditTarget, scope: EditScope) -> WrittenEvent, for [agenda];
            /// Puts back what a change made here replaced (its `undo`): a delete, an edit,
            /// a creation. Refused (`invalid_input`) when the change is too old, was undone
            /// already, or the event changed since (a server's version is never overwritten).
            editing::undo_change(undo: i64) -> WrittenEvent, for [agenda];
            /// Adds a CalDAV account: discovery, the password to the OS keyring, its calendars
            /// stored, its first sync started. A wrong password (`unauthorized`), an
            /// unreachable server (`network`), a server that is not CalDAV (`invalid_data` or
            /// `not_found`) fail here, and nothing is stored.
            accounts::add_caldav(req: AddAccount) -> AccountAdded, for [settings];
            /// Every source with its sync status and event count.
            sources::sources_status() -> Vec<SourceStatus>, for [settings];
            /// Fetches and parses a feed without saving anything ("Test").
            sources::preview_feed(url: String) -> FeedPreview, for [settings];
            /// Subscribes to a feed; its first sync starts at once in the background (progress
            /// arrives as `SyncProgress` events, then `MirrorChanged`).
            sources::add_feed(req: AddFeed) -> SourceInfo, for [settings];
            /// Changes a source's name, colour, interval, filters or enabled state.
            sources::update_source(id: i64, edit: SourceEdit) -> SourceInfo, for [settings];
            /// Removes a source and its events (the settings window asks for confirmation first).
            sources::remove_source(id: i64) -> SourceInfo, for [settings];
            /// Syncs one source now, or all of them (`id` null).
            sources::sync_now(id: Option<i64>) -> Vec<SyncReport>, for [settings];
            /// The newest sync-log lines, of one source or all.
            sources::sync_log(id: Option<i64>, limit: u32) -> Vec<LogLine>, for [settings];
            /// Subscribes to the built-in sample calendar (offline, relative to now).
            sources::load_sample() -> SourceInfo, for [agenda, welcome];
            /// Decides a sync the deletion guard held ("Apply the deletions" / "Keep my events").
            sources::decide_deletions(id: i64, choice: MassDeletionChoice) -> SyncReport, for [settings];
            /// The full URL of a source, for the user who asked to see it.
            sources::reveal_source_url(id: i64) -> String, for [settings];
            /// Every calendar with its reminder preferences (defaults where none were set).
            reminders::reminder_settings() -> Vec<CalendarReminders>, for [settings];
            /// Sets a calendar's reminder preferences; the scheduler re-plans at once.
            reminders::set_reminder_settings(calendar_id: i64, prefs: ReminderPrefs) -> (), for [settings];
            /// The user's own addresses, to find their reply in invitations (declined meetings get
            /// no reminder).
            reminders::my_addresses() -> Vec<String>, for [settings];
            /// Replaces the user's own addresses; an entry that is not an address is refused
            /// (`invalid_input`, naming it) and the stored list is kept. Returns the stored list.
            reminders::set_my_addresses(addresses: Vec<String>) -> Vec<String>, for [settings];
        }
    };
}

/// Hands the contract's error codes to `$callback!`, one entry each:
/// `/// docs` then `Variant = "wire_code";`. The UI switches on these codes, never
/// on a message. Codes of the engine's errors (`EngineError::code`) are listed here
/// too; `traycal_tray`'s tests check that every one of them is.
#[macro_export]
macro_rules! with_error_codes {
    ($callback:ident) => {
        $callback! {
            /// An argument is missing, of the wrong type, out of range or not one the
            /// command takes (the message names it), or a value was refused.
            InvalidInput = "invalid_input";
            /// No command of that name.
            UnknownCommand = "unknown_command";
            /// Something that should not happen; the detail says what.
            Internal = "internal";
            /// The app is still starting; try again.
            NotReady = "not_ready";
            /// A window could not be opened.
            Window = "window";
            /// The window process lost the tray process (the app quit).
            TrayGone = "tray_gone";
            /// Start at login is not available or could not be changed.
            Autostart = "autostart";
            /// The join shortcut is valid but cannot be grabbed (held elsewhere, no X11).
            ShortcutUnavailable = "shortcut_unavailable";
            /// No source with that id.
            NoSuchSource = "no_such_source";
            /// A link whose scheme Traycal does not open.
            RefusedLink = "refused_link";
            /// The browser or meeting app could not be started.
            OpenerFailed = "opener_failed";
            /// The deletion guard held a sync: apply the deletions or keep the events.
            MassDelete = "mass_delete";
            /// Another Traycal process is syncing; this sync waits for it.
            SyncBusy = "sync_busy";
            /// The feed answered with an empty body.
            EmptyFeed = "empty_feed";
            /// The feed answered with something that is not a calendar.
            NotCalendar = "not_calendar";
            /// The feed's body was cut off.
            TruncatedFeed = "truncated_feed";
            /// The source's stored filters cannot be read.
            BadFilters = "bad_filters";
            /// The feed URL was refused before any request.
            InvalidUrl = "invalid_url";
            /// The HTTP client could not be set up.
            ClientSetup = "client_setup";
            /// The feed's server could not be reached.
            Network = "network";
            /// The feed's server took too long.
            Timeout = "timeout";
            /// The feed is larger than its size limit.
            TooLarge = "too_large";
            /// The feed redirected too many times.
            TooManyRedirects = "too_many_redirects";
            /// The feed answered with an HTTP error status.
            HttpStatus = "http_status";
            /// A calendar file could not be read.
            FileUnreadable = "file_unreadable";
            /// No keyring is reachable.
            SecretStoreUnavailable = "secret_store_unavailable";
            /// The keyring is locked.
            SecretStoreLocked = "secret_store_locked";
            /// A secret or its key was refused (empty, too long).
            SecretInvalid = "secret_invalid";
            /// The keyring answered with an error.
            SecretStoreError = "secret_store_error";
            /// The opt-in secret file could not be read or written.
            SecretFileIo = "secret_file_io";
            /// The opt-in secret file is not valid.
            SecretFileCorrupt = "secret_file_corrupt";
            /// `TRAYCAL_SECRET_STORE` names no known store.
            SecretStoreUnknown = "secret_store_unknown";
            /// The mirror is busy (another process writes); try again.
            StoreBusy = "store.busy";
            /// The mirror's file is damaged.
            StoreCorrupt = "store.corrupt";
            /// The mirror's file or directory is read-only.
            StoreReadOnly = "store.read_only";
            /// No space left for the mirror.
            StoreDiskFull = "store.disk_full";
            /// The mirror refused a write (a constraint).
            StoreConstraint = "store.constraint";
            /// The mirror comes from a newer Traycal.
            StoreSchemaTooNew = "store.schema_too_new";
            /// A row the command names is not in the mirror.
            StoreNotFound = "store.not_found";
            /// An occurrence names an event the mirror does not hold.
            StoreUnknownComponent = "store.unknown_component";
            /// The mirror was asked something invalid.
            StoreInvalidInput = "store.invalid_input";
            /// A file-system error around the mirror.
            StoreIo = "store.io";
            /// Any other database error.
            StoreDatabase = "store.database";
            /// The calendar cannot be changed here (a feed, a read-only calendar).
            StoreCalendarReadOnly = "store.calendar_read_only";
            /// An account refused the login.
            Unauthorized = "unauthorized";
            /// The server's copy changed since it was read (kept as a conflict).
            PreconditionFailed = "precondition_failed";
            /// The server has no such item or calendar.
            NotFound = "not_found";
            /// The server no longer accepts the stored change token.
            ChangeTokenInvalid = "change_token_invalid";
            /// The server asks to wait before the next request.
            RateLimited = "rate_limited";
            /// The server sent data that cannot be read.
            InvalidData = "invalid_data";
            /// The server failed.
            ServerError = "server_error";
            /// The server refuses writes to this calendar.
            ReadOnly = "read_only";
            /// The account's settings cannot work (address, redirects).
            InvalidConfig = "invalid_config";
            /// Something on this computer failed while talking to the server.
            Local = "local";
            /// The server already holds an event with the same UID under another name.
            UidInUse = "uid_in_use";
        }
    };
}

/// Hands the contract's events to `$callback!`, one entry each: `/// docs` then
/// `Payload = "wire-name";`, where `Payload` is the payload's type in
/// `traycal_tray::events` and the name is what the webview listens to.
#[macro_export]
macro_rules! with_events {
    ($callback:ident) => {
        $callback! {
            /// The mirror changed (a sync wrote, a source was added, edited or removed, the
            /// preferences changed): views re-read what they show.
            MirrorChanged = "mirror-changed";
            /// Show this occurrence of an event in the agenda, with its details.
            ShowEvent = "show-event";
            /// Progress of a sync, per source.
            SyncProgress = "sync-progress";
        }
    };
}

/// One command of the contract, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandSpec {
    /// The command's name (snake_case), as the webview invokes it.
    pub name: &'static str,
    /// The module of `traycal_tray::commands` that implements it.
    pub feature: &'static str,
    /// Its arguments' names, snake_case as declared (camelCase on the wire:
    /// [`wire_key`]).
    pub args: &'static [&'static str],
    /// The labels of the windows granted it.
    pub windows: &'static [&'static str],
}

/// One event of the contract, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSpec {
    /// The name the webview listens to (`mirror-changed`).
    pub name: &'static str,
    /// The payload's type in `traycal_tray::events`.
    pub payload: &'static str,
}

macro_rules! command_table {
    ($(
        $(#[$doc:meta])*
        $feature:ident :: $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $answer:ty,
            for [$($window:ident),* $(,)?];
    )*) => {
        /// Every command of the contract, in the order of [`with_commands!`].
        pub const COMMANDS: &[CommandSpec] = &[$(
            CommandSpec {
                name: stringify!($name),
                feature: stringify!($feature),
                args: &[$(stringify!($arg)),*],
                windows: &[$(stringify!($window)),*],
            },
        )*];

        /// Every command's name: what `build.rs` declares, so that Tauri makes an
        /// `allow-<command>` permission for each.
        pub const COMMAND_NAMES: &[&str] = &[$(stringify!($name)),*];
    };
}
with_commands!(command_table);

macro_rules! error_code_table {
    ($( $(#[$doc:meta])* $variant:ident = $code:tt; )*) => {
        /// Every error code of the contract, in the order of [`with_error_codes!`].
        pub const ERROR_CODES: &[&str] = &[$($code),*];
    };
}
with_error_codes!(error_code_table);

macro_rules! event_table {
    ($( $(#[$doc:meta])* $payload:ident = $name:tt; )*) => {
        /// Every event of the contract, in the order of [`with_events!`].
        pub const EVENTS: &[EventSpec] = &[$(
            EventSpec { name: $name, payload: stringify!($payload) },
        )*];
    };
}
with_events!(event_table);

/// The command of that name.
pub fn command(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// The JSON key of an argument: its snake_case name in lower camelCase (`event_ids` →
/// `eventIds`), as `#[tauri::command]` renames arguments and the generated
/// TypeScript sends them. The contract's tests check each key against the bindings.
pub fn wire_key(arg: &str) -> String {
    let mut key = String::with_capacity(arg.len());
    let mut upper = false;
    for c in arg.chars() {
        if c == '_' {
            upper = !key.is_empty();
        } else if upper {
            key.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            key.push(c);
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn names_are_unique_snake_case() {
        let snake = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                && !s.starts_with('_')
                && !s.ends_with('_')
                && !s.contains("__")
        };
        let mut seen = BTreeSet::new();
        for c in COMMANDS {
            assert!(snake(c.name), "{}", c.name);
            assert!(seen.insert(c.name), "{} twice", c.name);
            assert!(!c.windows.is_empty(), "{} is granted to no window", c.name);
            let mut args = BTreeSet::new();
            for a in c.args {
                assert!(snake(a), "{}: {a}", c.name);
                assert!(args.insert(wire_key(a)), "{}: {a} twice", c.name);
            }
        }
        assert_eq!(COMMAND_NAMES.len(), COMMANDS.len());
        let codes: BTreeSet<_> = ERROR_CODES.iter().collect();
        assert_eq!(codes.len(), ERROR_CODES.len(), "an error code twice");
        let events: BTreeSet<_> = EVENTS.iter().map(|e| e.name).collect();
        assert_eq!(events.len(), EVENTS.len(), "an event twice");
    }

    #[test]
    fn wire_keys_are_lower_camel_case() {
        assert_eq!(wire_key("id"), "id");
        assert_eq!(wire_key("event_ids"), "eventIds");
        assert_eq!(wire_key("occurrence_start"), "occurrenceStart");
        assert_eq!(command("sync_now").map(|c| c.args), Some(&["id"][..]));
        assert_eq!(command("drop_tables"), None);
    }
}
