//! Runs a command of the contract by name, for the window process.
//!
//! The windows live in a process of their own (see [`crate::window_process`]); their
//! commands reach the tray process, which owns the engine, as a name and the JSON
//! arguments the webview sent. This table calls the same command functions Tauri calls
//! in-process, so both paths share one implementation, one argument shape (camelCase
//! keys, as Tauri names them) and one error shape.
//!
//! Invariant: every command of the contract has a route (the shell test
//! `every_command_has_a_route` checks it against `build.rs`).

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tauri::{AppHandle, Manager, Runtime, State};

use super::{agenda, app, reminders, sources, IpcError, IpcResult};
use crate::shell::Shell;
use crate::shortcut::JoinShortcut;

/// The argument `name` of a command (camelCase, as the webview sends it). A missing
/// argument reads as `null`, which an optional argument accepts.
fn arg<T: DeserializeOwned>(args: &Value, name: &str) -> IpcResult<T> {
    let value = args.get(name).cloned().unwrap_or(Value::Null);
    serde_json::from_value(value)
        .map_err(|e| IpcError::new("invalid_input", format!("argument `{name}`: {e}")))
}

/// Shared state of the app, or `not_ready` while it starts.
fn state<R: Runtime, T: Send + Sync + 'static>(app: &AppHandle<R>) -> IpcResult<State<'_, T>> {
    app.try_state::<T>()
        .ok_or_else(|| IpcError::new("not_ready", "Traycal is still starting; try again"))
}

fn reply<T: Serialize>(result: IpcResult<T>) -> IpcResult<Value> {
    let value = result?;
    serde_json::to_value(value).map_err(|e| IpcError::new("internal", e.to_string()))
}

/// Runs `command` with `args` (a JSON object) and returns its answer as JSON.
pub async fn dispatch<R: Runtime>(
    handle: &AppHandle<R>,
    command: &str,
    args: &Value,
) -> IpcResult<Value> {
    let a = args;
    let h = || handle.clone();
    let shell = || state::<R, Shell>(handle);
    match command {
        "app_state" => reply(app::app_state(h(), shell()?).await),
        "open_window" => reply(app::open_window(h(), arg(a, "window")?).await),
        "set_autostart" => reply(app::set_autostart(h(), arg(a, "enabled")?).await),
        "shortcut_settings" => {
            reply(app::shortcut_settings(state::<R, JoinShortcut>(handle)?).await)
        }
        "set_join_shortcut" => reply(
            app::set_join_shortcut(shell()?, state::<R, JoinShortcut>(handle)?, arg(a, "text")?)
                .await,
        ),
        "agenda" => reply(agenda::agenda(shell()?, arg(a, "from")?, arg(a, "to")?).await),
        "event_detail" => reply(
            agenda::event_detail(shell()?, arg(a, "eventId")?, arg(a, "occurrenceStart")?).await,
        ),
        "join_links" => reply(agenda::join_links(shell()?, arg(a, "eventIds")?).await),
        "next_meeting" => reply(agenda::next_meeting(shell()?).await),
        "join_event" => reply(agenda::join_event(shell()?, arg(a, "eventId")?).await),
        "take_shown_event" => reply(agenda::take_shown_event(shell()?).await),
        "sources_status" => reply(sources::sources_status(shell()?).await),
        "preview_feed" => reply(sources::preview_feed(shell()?, arg(a, "url")?).await),
        "add_feed" => reply(sources::add_feed(h(), shell()?, arg(a, "req")?).await),
        "update_source" => {
            reply(sources::update_source(h(), shell()?, arg(a, "id")?, arg(a, "edit")?).await)
        }
        "remove_source" => reply(sources::remove_source(h(), shell()?, arg(a, "id")?).await),
        "sync_now" => reply(sources::sync_now(h(), shell()?, arg(a, "id")?).await),
        "sync_log" => reply(sources::sync_log(shell()?, arg(a, "id")?, arg(a, "limit")?).await),
        "load_sample" => reply(sources::load_sample(h(), shell()?).await),
        "reminder_settings" => reply(reminders::reminder_settings(shell()?).await),
        "set_reminder_settings" => reply(
            reminders::set_reminder_settings(
                h(),
                shell()?,
                arg(a, "calendarId")?,
                arg(a, "prefs")?,
            )
            .await,
        ),
        "my_addresses" => reply(reminders::my_addresses(shell()?).await),
        "set_my_addresses" => {
            reply(reminders::set_my_addresses(h(), shell()?, arg(a, "addresses")?).await)
        }
        _ => Err(IpcError::new(
            "unknown_command",
            format!("`{command}` is not a command of Traycal"),
        )),
    }
}
