//! Runs a command of the contract by name, for the window process.
//!
//! The windows live in a process of their own (see [`crate::window_process`]); their
//! commands reach the tray process, which owns the engine, as a name and the JSON
//! arguments the webview sent. This table calls the functions of [`crate::commands`],
//! which src-tauri's `#[tauri::command]` wrappers call too, so both share one
//! implementation, one argument shape (camelCase keys, as Tauri names them) and one
//! error shape.
//!
//! Invariant: every command of the contract has a route (src-tauri's shell test
//! `every_command_has_a_route` checks it against `build.rs`, and
//! `routed_calls_answer_as_in_process_calls` that both paths answer alike).

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;

use crate::commands::{agenda, app, reminders, sources, IpcError, IpcResult};
use crate::shell::Shell;

/// The argument `name` of a command (camelCase, as the webview sends it). A missing
/// argument reads as `null`, which an optional argument accepts.
fn arg<T: DeserializeOwned>(args: &Value, name: &str) -> IpcResult<T> {
    let value = args.get(name).cloned().unwrap_or(Value::Null);
    serde_json::from_value(value)
        .map_err(|e| IpcError::new("invalid_input", format!("argument `{name}`: {e}")))
}

fn reply<T: Serialize>(result: IpcResult<T>) -> IpcResult<Value> {
    let value = result?;
    serde_json::to_value(value).map_err(|e| IpcError::new("internal", e.to_string()))
}

/// Runs `command` with `args` (a JSON object) and returns its answer as JSON.
pub async fn dispatch(shell: &Arc<Shell>, command: &str, args: &Value) -> IpcResult<Value> {
    let a = args;
    let s = shell;
    match command {
        "app_state" => reply(app::app_state(s).await),
        "open_window" => reply(app::open_window(s, arg(a, "window")?).await),
        "set_autostart" => reply(app::set_autostart(s, arg(a, "enabled")?).await),
        "shortcut_settings" => reply(app::shortcut_settings(s).await),
        "set_join_shortcut" => reply(app::set_join_shortcut(s, arg(a, "text")?).await),
        "preferences" => reply(app::preferences(s).await),
        "set_preferences" => reply(app::set_preferences(s, arg(a, "edit")?).await),
        "agenda" => reply(agenda::agenda(s, arg(a, "from")?, arg(a, "to")?).await),
        "event_detail" => {
            reply(agenda::event_detail(s, arg(a, "eventId")?, arg(a, "occurrenceStart")?).await)
        }
        "join_links" => reply(agenda::join_links(s, arg(a, "eventIds")?).await),
        "next_meeting" => reply(agenda::next_meeting(s).await),
        "join_event" => reply(agenda::join_event(s, arg(a, "eventId")?).await),
        "take_shown_event" => reply(agenda::take_shown_event(s).await),
        "sources_status" => reply(sources::sources_status(s).await),
        "preview_feed" => reply(sources::preview_feed(s, arg(a, "url")?).await),
        "add_feed" => reply(sources::add_feed(s, arg(a, "req")?).await),
        "update_source" => reply(sources::update_source(s, arg(a, "id")?, arg(a, "edit")?).await),
        "remove_source" => reply(sources::remove_source(s, arg(a, "id")?).await),
        "sync_now" => reply(sources::sync_now(s, arg(a, "id")?).await),
        "sync_log" => reply(sources::sync_log(s, arg(a, "id")?, arg(a, "limit")?).await),
        "load_sample" => reply(sources::load_sample(s).await),
        "decide_deletions" => {
            reply(sources::decide_deletions(s, arg(a, "id")?, arg(a, "choice")?).await)
        }
        "reveal_source_url" => reply(sources::reveal_source_url(s, arg(a, "id")?).await),
        "reminder_settings" => reply(reminders::reminder_settings(s).await),
        "set_reminder_settings" => reply(
            reminders::set_reminder_settings(s, arg(a, "calendarId")?, arg(a, "prefs")?).await,
        ),
        "my_addresses" => reply(reminders::my_addresses(s).await),
        "set_my_addresses" => reply(reminders::set_my_addresses(s, arg(a, "addresses")?).await),
        _ => Err(IpcError::new(
            "unknown_command",
            format!("`{command}` is not a command of Traycal"),
        )),
    }
}
