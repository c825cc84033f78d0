//! Runs a command of the contract by name, for the window process.
//!
//! The windows live in a process of their own (see [`crate::window_process`]); their
//! commands reach the tray process, which owns the engine, as a name and the JSON
//! arguments the webview sent. [`dispatch`] is generated from the contract's list
//! (`traycal_contract::with_commands!`), as src-tauri's `#[tauri::command]`
//! declarations are: it reads each listed argument by its camelCase key, calls the
//! function of [`crate::commands`] the list names, and answers with the listed type,
//! so both paths share one implementation, one argument shape and one error shape.
//!
//! Invariants:
//! - Every command of the list has a route (it is generated from the list), and a
//!   name that is not in the list is `unknown_command`.
//! - A key the command does not take is `invalid_input` naming that key: a misspelled
//!   optional argument (`ids` for `sync_now`'s `id`) must fail, not read as `null`
//!   ("sync every source"). A missing key reads as `null`, which only an optional
//!   argument accepts, as Tauri does.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::Arc;

// The list names its types without paths.
use crate::contract::*;
use crate::shell::Shell;

/// The arguments of one call, checked against the names the command takes.
struct CallArguments<'a> {
    command: &'static str,
    keys: Option<&'a Map<String, Value>>,
}

impl<'a> CallArguments<'a> {
    /// The call's arguments if each key is one `command` takes (`args`: its snake_case
    /// argument names). No arguments at all may come as `null`.
    fn check(
        command: &'static str,
        args: &'static [&'static str],
        value: &'a Value,
    ) -> IpcResult<CallArguments<'a>> {
        let keys = match value {
            Value::Object(map) => Some(map),
            Value::Null => None,
            other => {
                return Err(IpcError::new(
                    IpcErrorCode::InvalidInput,
                    format!("`{command}` takes its arguments as an object, not {other}"),
                ))
            }
        };
        if let Some(unknown) = keys
            .into_iter()
            .flat_map(|map| map.keys())
            .find(|key| !args.iter().any(|arg| wire_key(arg) == **key))
        {
            let takes = if args.is_empty() {
                "no arguments".to_string()
            } else {
                let keys: Vec<String> = args.iter().map(|a| format!("`{}`", wire_key(a))).collect();
                keys.join(", ")
            };
            return Err(IpcError::new(
                IpcErrorCode::InvalidInput,
                format!("`{command}` has no argument `{unknown}` (it takes {takes})"),
            ));
        }
        Ok(CallArguments { command, keys })
    }

    /// The argument `name` (snake_case, as listed), read from its camelCase key. A
    /// missing argument reads as `null`, which an optional argument accepts.
    fn take<T: DeserializeOwned>(&self, name: &str) -> IpcResult<T> {
        let key = wire_key(name);
        let value = self
            .keys
            .and_then(|map| map.get(&key))
            .cloned()
            .unwrap_or(Value::Null);
        serde_json::from_value(value).map_err(|e| {
            IpcError::new(
                IpcErrorCode::InvalidInput,
                format!("`{}`, argument `{key}`: {e}", self.command),
            )
        })
    }
}

fn reply<T: Serialize>(result: IpcResult<T>) -> IpcResult<Value> {
    let value = result?;
    serde_json::to_value(value).map_err(|e| IpcError::new(IpcErrorCode::Internal, e.to_string()))
}

/// Checks a call's argument keys against the command's list entry without running
/// it: what [`dispatch`] refuses before it runs a command (`unknown_command`, or
/// `invalid_input` naming a key the command does not take). src-tauri's in-process
/// handler (the shell tests) checks calls with it too, so both paths refuse alike.
pub fn check_arguments(command: &str, args: &Value) -> IpcResult<()> {
    let spec = crate::contract::command(command).ok_or_else(|| unknown(command))?;
    CallArguments::check(spec.name, spec.args, args).map(|_| ())
}

fn unknown(command: &str) -> IpcError {
    IpcError::new(
        IpcErrorCode::UnknownCommand,
        format!("`{command}` is not a command of Traycal"),
    )
}

macro_rules! route_table {
    ($(
        $(#[$doc:meta])*
        $feature:ident :: $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $answer:ty,
            for [$($window:ident),* $(,)?];
    )*) => {
        /// Runs `command` with `args` (a JSON object keyed by the arguments' camelCase
        /// names) and returns its answer as JSON.
        pub async fn dispatch(shell: &Arc<Shell>, command: &str, args: &Value) -> IpcResult<Value> {
            match command {
                $(
                    stringify!($name) => {
                        // A command without arguments only checks that none came.
                        #[allow(unused_variables)]
                        let args = CallArguments::check(
                            stringify!($name),
                            &[$(stringify!($arg)),*],
                            args,
                        )?;
                        let answer: IpcResult<$answer> = crate::commands::$feature::$name(
                            shell,
                            $(args.take::<$ty>(stringify!($arg))?),*
                        )
                        .await;
                        reply(answer)
                    }
                )*
                _ => Err(unknown(command)),
            }
        }
    };
}
with_commands!(route_table);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    #[test]
    fn keys_a_command_does_not_take_are_refused_by_name() {
        check_arguments("sync_now", &json!({ "id": 3 })).unwrap();
        check_arguments("sync_now", &json!({})).unwrap();
        check_arguments("app_state", &Value::Null).unwrap();
        check_arguments(
            "event_detail",
            &json!({ "eventId": 1, "occurrenceStart": null }),
        )
        .unwrap();

        let err = check_arguments("sync_now", &json!({ "ids": 3 })).unwrap_err();
        assert_eq!(err.code, IpcErrorCode::InvalidInput);
        assert_eq!(
            err.message,
            "`sync_now` has no argument `ids` (it takes `id`)"
        );
        // snake_case keys are not the contract's.
        let err = check_arguments("event_detail", &json!({ "event_id": 1 })).unwrap_err();
        assert!(err.message.contains("`event_id`"), "{err:?}");
        assert!(
            err.message.contains("`eventId`, `occurrenceStart`"),
            "{err:?}"
        );
        let err = check_arguments("app_state", &json!({ "x": 1 })).unwrap_err();
        assert!(err.message.contains("takes no arguments"), "{err:?}");
        let err = check_arguments("agenda", &json!([1, 2])).unwrap_err();
        assert_eq!(err.code, IpcErrorCode::InvalidInput);
        let err = check_arguments("drop_tables", &json!({})).unwrap_err();
        assert_eq!(err.code, IpcErrorCode::UnknownCommand);
    }

    #[test]
    fn a_wrong_argument_names_its_key() {
        let args = json!({ "eventId": "seven" });
        let call =
            CallArguments::check("event_detail", &["event_id", "occurrence_start"], &args).unwrap();
        let err = call.take::<i64>("event_id").unwrap_err();
        assert_eq!(err.code, IpcErrorCode::InvalidInput);
        assert!(err.message.contains("argument `eventId`"), "{err:?}");
        // A missing optional argument is `null`.
        assert_eq!(call.take::<Option<i64>>("occurrence_start").unwrap(), None);
    }
}
