//! The typed IPC contract between the webview and the engine, as Tauri declares it.
//!
//! Nothing here is written per command or per event: the contract's lists
//! (`traycal_contract::with_commands!`, `with_events!`, `with_error_codes!`) are
//! expanded into one `#[tauri::command]` per command ([`commands`]), a thin async
//! wrapper of the tray process's implementation (`traycal_tray::commands`) with the
//! listed arguments and answer, and one [`WindowEvent`] per event; tauri-specta
//! collects both ([`contract`]) and `ui/src/platform/bindings.ts` is generated from
//! them and committed (the `bindings_are_current` test fails when it is stale).
//! Errors are `{ code, message, detail }` ([`IpcError`]) with `code` one of the
//! listed codes, a string union in TypeScript.
//!
//! In the app the windows' commands do not run these functions: the window process
//! passes every call to the tray process ([`crate::window_process`]), which runs the
//! same implementation by name (`traycal_tray::route`, generated from the same list).
//! These declarations give the contract its TypeScript names and types, and let the
//! shell tests call the commands through Tauri ([`checked_handler`]).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tauri::ipc::{Invoke, InvokeBody};
use tauri::{Runtime, State};
pub use traycal_tray::commands::{IpcError, IpcErrorCode, IpcResult};
use traycal_tray::events;
use traycal_tray::shell::Shell;

macro_rules! tauri_commands {
    ($(
        $(#[$doc:meta])*
        $feature:ident :: $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $answer:ty,
            for [$($window:ident),* $(,)?];
    )*) => {
        /// The contract's commands as Tauri declares them, one per entry of the list:
        /// each calls `traycal_tray::commands::<feature>::<name>`.
        pub mod commands {
            use super::*;
            // The list names its types without paths.
            use traycal_tray::contract::*;

            $(
                $(#[$doc])*
                #[tauri::command]
                #[specta::specta]
                pub async fn $name(
                    shell: State<'_, Arc<Shell>>,
                    $($arg: $ty),*
                ) -> IpcResult<$answer> {
                    traycal_tray::commands::$feature::$name(&shell, $($arg),*).await
                }
            )*
        }

        /// Every command of the list, for tauri-specta.
        fn collected_commands<R: Runtime>() -> tauri_specta::Commands<R> {
            tauri_specta::collect_commands![$(commands::$name),*]
        }
    };
}
traycal_tray::contract::with_commands!(tauri_commands);

/// An event of the contract as Tauri declares it: its payload (the tray process's
/// type, the same JSON), under the name the contract's list gives it. In TypeScript
/// it is the payload's type itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WindowEvent<P>(pub P);

impl<P: specta::Type> specta::Type for WindowEvent<P> {
    fn definition(types: &mut specta::Types) -> specta::datatype::DataType {
        P::definition(types)
    }
}

macro_rules! tauri_events {
    ($( $(#[$doc:meta])* $payload:ident = $name:tt; )*) => {
        $(
            impl tauri_specta::Event for WindowEvent<events::$payload> {
                const NAME: &'static str = $name;
            }
        )*

        /// Every event of the list, for tauri-specta.
        fn collected_events() -> tauri_specta::Events {
            tauri_specta::collect_events![$(WindowEvent<events::$payload>),*]
        }
    };
}
traycal_tray::contract::with_events!(tauri_events);

/// The whole contract for runtime `R`: every command and event the webview may use
/// (the app's is `contract::<tauri::Wry>()`; shell tests use Tauri's mock runtime).
pub fn contract<R: Runtime>() -> tauri_specta::Builder<R> {
    tauri_specta::Builder::<R>::new()
        .commands(collected_commands())
        .events(collected_events())
        // Unix seconds and row ids stay far below 2^53.
        .dangerously_cast_bigints_to_number()
        // One TypeScript type per Rust type (the UI only reads what it is sent).
        .disable_serde_phases()
}

/// The contract's in-process handler, refusing what the tray process's route
/// refuses before a command runs (an unknown command, a key the command does not
/// take: `traycal_tray::route::check_arguments`), so that a call answers alike on
/// both paths (Tauri itself ignores keys a command does not take). Wraps `run`, the
/// contract's own handler (`contract.invoke_handler()`).
pub fn checked_handler<R: Runtime>(
    run: impl Fn(Invoke<R>) -> bool + Send + Sync + 'static,
) -> impl Fn(Invoke<R>) -> bool + Send + Sync + 'static {
    move |invoke: Invoke<R>| {
        let checked = match invoke.message.payload() {
            InvokeBody::Json(args) => {
                traycal_tray::route::check_arguments(invoke.message.command(), args)
            }
            InvokeBody::Raw(_) => Ok(()),
        };
        match checked {
            Ok(()) => run(invoke),
            Err(error) => {
                invoke.resolver.reject(error);
                true
            }
        }
    }
}

/// Where the generated bindings live, relative to the workspace root.
pub const BINDINGS_PATH: &str = "ui/src/platform/bindings.ts";

/// Renders the TypeScript bindings into `path`.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    contract::<tauri::Wry>()
        .export(
            specta_typescript::Typescript::default()
                .header("// Generated from the contract (crates/traycal-contract) by tauri-specta. Do not edit:\n// run `TRAYCAL_WRITE_BINDINGS=1 cargo test -p traycal-app --test contract bindings_are_current`.\n"),
            path,
        )
        .map_err(|e| e.to_string())
}
