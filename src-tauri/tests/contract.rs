#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Shell tests on Tauri's mock runtime (no display, no bus): they pin the IPC
//! contract — command names, argument shapes (camelCase keys), answers and the
//! `{ code, message }` error shape — and check that the committed TypeScript
//! bindings are what the Rust declarations generate.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindowBuilder;
use traycal_app::ipc::{checked_handler, contract, export_bindings, BINDINGS_PATH};
use traycal_engine::{Engine, EngineConfig, FixedClock};
use traycal_tray::commands::IpcErrorCode;
use traycal_tray::contract::{wire_key, COMMANDS, EVENTS};
use traycal_tray::shell::Shell;
use traycal_tray::shortcut::JoinShortcut;

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The TypeScript bindings the Rust contract generates now.
fn fresh_bindings() -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bindings.ts");
    export_bindings(&path).unwrap();
    std::fs::read_to_string(&path).unwrap()
}

#[test]
fn bindings_are_current() {
    let fresh = fresh_bindings();
    let committed_path = workspace_root().join(BINDINGS_PATH);
    if std::env::var_os("TRAYCAL_WRITE_BINDINGS").is_some() {
        std::fs::write(&committed_path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{BINDINGS_PATH} is stale: regenerate it with \
         `TRAYCAL_WRITE_BINDINGS=1 cargo test -p traycal-app --test contract bindings_are_current`"
    );
    // Every command of the list is there, camelCased for TypeScript, sending its
    // arguments under the keys the route reads.
    for command in COMMANDS {
        let keys: Vec<String> = command.args.iter().map(|a| wire_key(a)).collect();
        let invoke = if keys.is_empty() {
            format!("__TAURI_INVOKE(\"{}\"))", command.name)
        } else {
            format!(
                "__TAURI_INVOKE(\"{}\", {{ {} }}))",
                command.name,
                keys.join(", ")
            )
        };
        let line = fresh
            .lines()
            .find(|l| l.starts_with(&format!("\t{}: (", wire_key(command.name))))
            .unwrap_or_else(|| panic!("{} missing from the bindings", command.name));
        assert!(line.contains(&invoke), "{line}\nshould call {invoke}");
        // Errors are typed by the contract's codes.
        assert!(line.contains(", IpcError>("), "{line}");
    }
}

/// The error code is a union of the contract's codes in TypeScript.
#[test]
fn the_error_code_is_a_typed_union() {
    let bindings = fresh_bindings();
    let start = bindings.find("export type IpcError = {").unwrap();
    let error = &bindings[start..start + bindings[start..].find("};").unwrap()];
    assert!(error.contains("\tcode: IpcErrorCode,"), "{error}");
    let start = bindings.find("export type IpcErrorCode =").unwrap();
    let union = &bindings[start..start + bindings[start..].find(";\n").unwrap()];
    let listed: Vec<&str> = union.split('"').skip(1).step_by(2).collect();
    assert_eq!(listed, traycal_tray::contract::ERROR_CODES, "{union}");
}

/// The events of the list are in the bindings under their names, typed by their
/// payloads; the tray process sends them by the same names.
#[test]
fn events_follow_the_list() {
    use tauri_specta::Event;
    use traycal_app::ipc::WindowEvent;
    use traycal_tray::events::{self, ShellEvent};
    let bindings = fresh_bindings();
    for event in EVENTS {
        let declared = format!(
            "makeEvent<{p}, {p}>(\"{n}\")",
            p = event.payload,
            n = event.name
        );
        assert!(bindings.contains(&declared), "{declared} missing");
    }
    assert_eq!(EVENTS.len(), 3);
    assert_eq!(WindowEvent::<events::MirrorChanged>::NAME, "mirror-changed");
    let sent = ShellEvent::MirrorChanged(events::MirrorChanged {
        reason: "sync".into(),
    });
    assert_eq!(sent.name(), EVENTS[0].name);
    assert_eq!(sent.payload(), json!({ "reason": "sync" }));
}

struct Harness {
    _dir: tempfile::TempDir,
    data: PathBuf,
    /// The app the webview belongs to (kept alive with the test).
    _app: tauri::App<tauri::test::MockRuntime>,
    shell: Arc<Shell>,
    webview: tauri::WebviewWindow<tauri::test::MockRuntime>,
}

fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    // A space and a `#` in the path: file URLs must be built from paths, not pasted.
    let data = dir.path().join("data dir #1");
    let clock = Arc::new(FixedClock(
        chrono::DateTime::parse_from_rfc3339("2026-11-23T08:00:00Z")
            .unwrap()
            .to_utc(),
    ));
    let mut config = EngineConfig::standard(data.clone(), clock);
    config.secrets = Box::new(|| Err("no secret store in this test".into()));
    let engine = Arc::new(Engine::open(config).unwrap());
    let contract = contract::<tauri::test::MockRuntime>();
    let shell = Arc::new(Shell::new(engine));
    shell.set_shortcut(JoinShortcut::unavailable("no X11 display in shell tests"));
    let app = mock_builder()
        .invoke_handler(checked_handler(contract.invoke_handler()))
        .manage(Arc::clone(&shell))
        .build(mock_context(noop_assets()))
        .unwrap();
    contract.mount_events(&app);
    let webview = WebviewWindowBuilder::new(&app, "settings", Default::default())
        .build()
        .unwrap();
    Harness {
        _dir: dir,
        data,
        _app: app,
        shell,
        webview,
    }
}

impl Harness {
    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.webview, request).map(|b| b.deserialize::<Value>().unwrap())
    }

    fn feed_file(&self, name: &str, body: &str) -> String {
        std::fs::create_dir_all(&self.data).unwrap();
        let path = self.data.join(name);
        std::fs::write(&path, body).unwrap();
        url::Url::from_file_path(&path).unwrap().to_string()
    }
}

const FEED: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nX-WR-CALNAME:Team\r\n\
BEGIN:VEVENT\r\nUID:standup@test\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261123T090000Z\r\n\
DTEND:20261123T091500Z\r\nSUMMARY:Standup\r\nLOCATION:https://meet.google.com/abc-defg-hij\r\n\
DESCRIPTION:<img src=x onerror=alert(1)> and <script>alert(2)</script>\r\n\
ATTENDEE;CN=Ada;PARTSTAT=DECLINED:mailto:ada@example.org\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:review@test\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261124T140000Z\r\n\
DTEND:20261124T150000Z\r\nSUMMARY:Review\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

#[test]
fn errors_cross_as_code_and_message() {
    let h = harness();
    let err = h.call("remove_source", json!({ "id": 999 })).unwrap_err();
    assert_eq!(
        err,
        json!({ "code": "no_such_source", "message": "No source with id 999.", "detail": null })
    );
    let err = h
        .call("preview_feed", json!({ "url": "javascript:alert(1)" }))
        .unwrap_err();
    assert_eq!(err["code"], "invalid_url");
    assert!(
        err["message"].as_str().unwrap().contains("javascript"),
        "{err}"
    );
    let err = h
        .call("sync_log", json!({ "id": null, "limit": 0 }))
        .unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    // A bad colour is refused before anything is stored.
    let url = h.feed_file("team.ics", FEED);
    let err = h
        .call(
            "add_feed",
            json!({ "req": { "url": url, "name": null, "color": "red;background:url(x)",
                    "interval_minutes": null, "include": [], "exclude": [] } }),
        )
        .unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(h.call("sources_status", json!({})).unwrap(), json!([]));
}

#[test]
fn arguments_are_camel_case_and_answers_keep_their_shape() {
    let h = harness();
    let url = h.feed_file("team.ics", FEED);
    let preview = h.call("preview_feed", json!({ "url": url })).unwrap();
    assert_eq!(preview["suggested_name"], "Team");
    assert_eq!(preview["events"], 2);
    assert_eq!(preview["upcoming"], 2);
    assert_eq!(preview["first"][0]["summary"], "Standup");
    assert_eq!(
        h.call("sources_status", json!({})).unwrap(),
        json!([]),
        "a preview stores nothing"
    );

    let added = h
        .call(
            "add_feed",
            json!({ "req": { "url": url, "name": "Team", "color": "#2b6cb0",
                    "interval_minutes": 15, "include": [], "exclude": [""] } }),
        )
        .unwrap();
    let id = added["id"].as_i64().unwrap();
    assert_eq!(added["interval_secs"], 900);
    // The first sync started in the background when the feed was added; once it has
    // run, "Sync now" finds the file unchanged.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while h.call("sources_status", json!({})).unwrap()[0]["last_sync"].is_null() {
        assert!(
            std::time::Instant::now() < deadline,
            "the first sync never ran"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let reports = h.call("sync_now", json!({ "id": id })).unwrap();
    assert_eq!(reports[0]["outcome"], "not_modified", "{reports}");
    assert_eq!(reports[0]["events"], 2, "{reports}");

    let from = 1_795_420_800; // 2026-11-23T08:00:00Z
    let agenda = h
        .call("agenda", json!({ "from": from, "to": from + 2 * 86_400 }))
        .unwrap();
    let entries = agenda["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["summary"], "Standup");
    assert_eq!(entries[0]["color"], "#2b6cb0");
    let event_id = entries[0]["event_id"].as_i64().unwrap();

    let detail = h
        .call(
            "event_detail",
            json!({ "eventId": event_id, "occurrenceStart": null }),
        )
        .unwrap();
    assert_eq!(
        detail["description"], "<img src=x onerror=alert(1)> and <script>alert(2)</script>",
        "descriptions are returned as written, to be shown as text"
    );
    assert_eq!(detail["attendees"][0]["partstat"], "DECLINED");
    assert_eq!(detail["join"]["service_id"], "google-meet");
    let joins = h
        .call("join_links", json!({ "eventIds": [event_id] }))
        .unwrap();
    assert_eq!(
        joins[0]["link"]["url"],
        "https://meet.google.com/abc-defg-hij"
    );
    // snake_case argument names are not the contract.
    assert!(h
        .call("event_detail", json!({ "event_id": event_id }))
        .is_err());

    let next = h.call("next_meeting", json!({})).unwrap();
    assert_eq!(next["summary"], "Standup");

    let edited = h
        .call(
            "update_source",
            json!({ "id": id, "edit": { "name": "Team calendar", "color": null,
                    "interval_minutes": null, "enabled": null,
                    "include": ["summary:review"], "exclude": null } }),
        )
        .unwrap();
    assert_eq!(edited["name"], "Team calendar");
    assert_eq!(edited["filters"]["include"][0]["field"], "summary");

    let log = h
        .call("sync_log", json!({ "id": null, "limit": 10 }))
        .unwrap();
    assert_eq!(log[0]["outcome"], "updated");
    let state = h.call("app_state", json!({})).unwrap();
    assert_eq!(state["sources"], 1);
    assert_eq!(state["tray"], "idle");

    // Reminder preferences per calendar: defaults, a change, a refused lead time.
    let prefs = h.call("reminder_settings", json!({})).unwrap();
    assert_eq!(prefs[0]["lead_secs"], 300, "{prefs}");
    let calendar_id = prefs[0]["calendar_id"].clone();
    let mut changed = prefs[0].clone();
    changed["lead_secs"] = json!(600);
    changed["honour_valarms"] = json!(true);
    h.call(
        "set_reminder_settings",
        json!({ "calendarId": calendar_id, "prefs": changed }),
    )
    .unwrap();
    let prefs = h.call("reminder_settings", json!({})).unwrap();
    assert_eq!(
        (
            prefs[0]["lead_secs"].clone(),
            prefs[0]["honour_valarms"].clone()
        ),
        (json!(600), json!(true))
    );
    changed["lead_secs"] = json!(420);
    let err = h
        .call(
            "set_reminder_settings",
            json!({ "calendarId": calendar_id, "prefs": changed }),
        )
        .unwrap_err();
    assert_eq!(err["code"], "invalid_input");

    let removed = h.call("remove_source", json!({ "id": id })).unwrap();
    assert_eq!(removed["id"], id);
    let agenda = h
        .call("agenda", json!({ "from": from, "to": from + 86_400 }))
        .unwrap();
    assert_eq!(agenda["entries"], json!([]));
}

#[test]
fn the_sample_calendar_loads_offline() {
    let h = harness();
    let info = h.call("load_sample", json!({})).unwrap();
    assert_eq!(info["name"], "Traycal sample");
    // Loading it twice keeps one subscription.
    let again = h.call("load_sample", json!({})).unwrap();
    assert_eq!(again["id"], info["id"]);
    let status = h.call("sources_status", json!({})).unwrap();
    assert_eq!(status.as_array().unwrap().len(), 1);
    assert_eq!(status[0]["events"], 6);
}

#[test]
fn my_addresses_are_validated_and_normalised() {
    let h = harness();
    assert_eq!(h.call("my_addresses", json!({})).unwrap(), json!([]));
    let stored = h
        .call(
            "set_my_addresses",
            json!({ "addresses": ["mailto:Me@Example.com", " me@example.com ", ""] }),
        )
        .unwrap();
    assert_eq!(stored, json!(["Me@Example.com"]));
    let err = h
        .call(
            "set_my_addresses",
            json!({ "addresses": ["me@example.com", "Jane Doe"] }),
        )
        .unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("Address 2 (\"Jane Doe\")"),
        "{err}"
    );
    // Nothing stored is lost.
    assert_eq!(
        h.call("my_addresses", json!({})).unwrap(),
        json!(["Me@Example.com"])
    );
}

#[test]
fn the_join_shortcut_is_parsed_then_grabbed_then_stored() {
    let h = harness();
    assert_eq!(
        h.call("shortcut_settings", json!({})).unwrap(),
        json!({ "shortcut": null, "default_shortcut": "Ctrl+Alt+J", "active": false, "error": null })
    );
    let err = h
        .call("set_join_shortcut", json!({ "text": "Shift+J" }))
        .unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    assert!(err["message"]
        .as_str()
        .unwrap()
        .contains("add Ctrl, Alt or Super"));
    // Valid, but this harness has no X display: refused, not stored.
    let err = h
        .call("set_join_shortcut", json!({ "text": "ctrl+alt+k" }))
        .unwrap_err();
    assert_eq!(
        err,
        json!({ "code": "shortcut_unavailable", "message": "no X11 display in shell tests", "detail": null })
    );
    let engine = Arc::clone(&h.shell.engine);
    let stored = tauri::async_runtime::block_on(engine.join_shortcut_setting()).unwrap();
    assert_eq!(stored, None);
    // Nor shown as the current shortcut.
    let shown = h.call("shortcut_settings", json!({})).unwrap();
    assert_eq!(shown["shortcut"], Value::Null, "{shown}");
    // Turning it off needs no display, and is stored as off.
    let off = h
        .call("set_join_shortcut", json!({ "text": null }))
        .unwrap();
    assert_eq!(off["shortcut"], Value::Null);
    assert_eq!(off["active"], false);
    let stored = tauri::async_runtime::block_on(engine.join_shortcut_setting()).unwrap();
    assert_eq!(stored.as_deref(), Some(""));
}

#[test]
fn a_shown_event_is_taken_once() {
    let h = harness();
    assert_eq!(h.call("take_shown_event", json!({})).unwrap(), Value::Null);
    // This harness has no window process: the agenda cannot open, and says so, but
    // the request waits for the next agenda (the window process's own tests open it).
    let err = h.shell.show_event(7, 1_795_424_400).unwrap_err();
    assert_eq!(err.code, IpcErrorCode::Window, "{err:?}");
    assert_eq!(
        h.call("take_shown_event", json!({})).unwrap(),
        json!({ "event_id": 7, "occurrence_start": 1_795_424_400 })
    );
    assert_eq!(h.call("take_shown_event", json!({})).unwrap(), Value::Null);
}

/// The command names of the contract (snake_case, sorted), from the bindings it
/// generates.
fn contract_commands() -> Vec<String> {
    let bindings = fresh_bindings();
    let snake = |camel: &str| {
        let mut out = String::new();
        for c in camel.chars() {
            if c.is_ascii_uppercase() {
                out.push('_');
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    };
    let start = bindings.find("export const commands = {").unwrap();
    let end = start + bindings[start..].find("\n}").unwrap();
    let mut contract: Vec<String> = bindings[start..end]
        .lines()
        .filter_map(|l| {
            l.strip_prefix('\t')?
                .split_once(": (")
                .map(|(n, _)| snake(n))
        })
        .collect();
    contract.sort();
    contract
}

/// The list's command names, sorted.
fn listed_commands() -> Vec<String> {
    let mut listed: Vec<String> = COMMANDS.iter().map(|c| c.name.to_string()).collect();
    listed.sort();
    listed
}

/// The bindings, `build.rs` and the permissions Tauri generated from it hold exactly
/// the list's commands: a command missing from the permissions is refused in the
/// real app while the mock-runtime tests pass.
#[test]
fn every_listed_command_is_declared() {
    let listed = listed_commands();
    assert!(listed.len() >= 20, "{listed:?}");
    assert_eq!(
        contract_commands(),
        listed,
        "the bindings differ from the list"
    );
    let mut declared: Vec<String> = traycal_contract_names();
    declared.sort();
    assert_eq!(declared, listed, "build.rs declares other commands");

    // What tauri-build made of build.rs: one `allow-<command>` permission each.
    let manifests = workspace_root().join("src-tauri/gen/schemas/acl-manifests.json");
    let manifests: Value =
        serde_json::from_str(&std::fs::read_to_string(&manifests).unwrap()).unwrap();
    let mut permitted: Vec<String> = manifests["__app-acl__"]["permissions"]
        .as_object()
        .unwrap()
        .keys()
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(|c| c.replace('-', "_"))
        .collect();
    permitted.sort();
    assert_eq!(
        permitted, listed,
        "the generated permissions differ from the list"
    );
}

/// The names `build.rs` declares: it passes the list's, read here from its source.
fn traycal_contract_names() -> Vec<String> {
    let build = std::fs::read_to_string(workspace_root().join("src-tauri/build.rs")).unwrap();
    assert!(
        build.contains(".commands(traycal_contract::COMMAND_NAMES)"),
        "build.rs no longer declares the contract's list"
    );
    traycal_tray::contract::COMMAND_NAMES
        .iter()
        .map(|c| c.to_string())
        .collect()
}

/// Each window's capability grants exactly the commands the list grants that
/// window: no command of another window, no command that is not in the list, none
/// missing.
#[test]
fn capabilities_grant_exactly_the_listed_windows_commands() {
    let mut windows_seen = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(workspace_root().join("src-tauri/capabilities")).unwrap() {
        let path = entry.unwrap().path();
        let cap: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut granted: Vec<String> = cap["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
            .map(|c| c.replace('-', "_"))
            .collect();
        granted.sort();
        for window in cap["windows"].as_array().unwrap() {
            let window = window.as_str().unwrap();
            windows_seen.insert(window.to_string());
            let mut listed: Vec<String> = COMMANDS
                .iter()
                .filter(|c| c.windows.contains(&window))
                .map(|c| c.name.to_string())
                .collect();
            listed.sort();
            assert_eq!(
                granted,
                listed,
                "{} grants the {window} window other commands than the list",
                path.display()
            );
        }
    }
    for command in COMMANDS {
        for window in command.windows {
            assert!(
                windows_seen.contains(*window),
                "{} is listed for {window}, which has no capability",
                command.name
            );
        }
    }
}

/// Runs a command the way the window process's calls are run in the tray process.
fn routed(h: &Harness, cmd: &str, args: Value) -> Result<Value, Value> {
    let shell = Arc::clone(&h.shell);
    tauri::async_runtime::block_on(async move {
        traycal_tray::route::dispatch(&shell, cmd, &args).await
    })
    .map_err(|e| serde_json::to_value(e).unwrap())
}

#[test]
fn every_command_has_a_route() {
    let h = harness();
    for command in contract_commands() {
        // No arguments: a command either answers or refuses them, but it is found.
        if let Err(e) = routed(&h, &command, json!({})) {
            assert_ne!(e["code"], "unknown_command", "{command} has no route: {e}");
        }
    }
    let err = routed(&h, "drop_tables", json!({})).unwrap_err();
    assert_eq!(err["code"], "unknown_command");
    assert!(err["message"].as_str().unwrap().contains("drop_tables"));
}

/// A misspelled argument key fails, naming the key, on both paths, and runs
/// nothing: `sync_now` with `ids` must not read `id` as missing ("sync every
/// source"). Every command is tried with each of its keys misspelled (the
/// snake_case name, or a plural) and with a key it does not take.
#[test]
fn a_misspelled_argument_is_refused_by_name() {
    let h = harness();
    for command in COMMANDS {
        let mut tries: Vec<String> = command
            .args
            .iter()
            .map(|arg| {
                // The snake_case name where it differs from the key, else a plural.
                if wire_key(arg) != *arg {
                    arg.to_string()
                } else {
                    format!("{arg}s")
                }
            })
            .collect();
        tries.push("extra".into());
        for key in tries {
            let args = json!({ key.clone(): 1 });
            let err = routed(&h, command.name, args.clone()).unwrap_err();
            assert_eq!(err["code"], "invalid_input", "{}: {err}", command.name);
            let message = err["message"].as_str().unwrap();
            assert!(
                message.contains(&format!("no argument `{key}`")),
                "{}: {message}",
                command.name
            );
            assert_eq!(
                h.call(command.name, args).unwrap_err(),
                err,
                "{}: in-process",
                command.name
            );
        }
    }
    // Nothing ran: `set_join_shortcut` with `texts` would otherwise have read `text`
    // as null and stored "no shortcut".
    let engine = Arc::clone(&h.shell.engine);
    let stored = tauri::async_runtime::block_on(engine.join_shortcut_setting()).unwrap();
    assert_eq!(stored, None);
}

/// One call of every command, with arguments that answer the same however often
/// they are made (errors included), for [`routed_calls_answer_as_in_process_calls`].
fn sample_calls(feed_url: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("app_state", json!({})),
        ("open_window", json!({ "window": "agenda" })),
        ("set_autostart", json!({ "enabled": true })),
        ("shortcut_settings", json!({})),
        ("set_join_shortcut", json!({ "text": null })),
        ("preferences", json!({})),
        (
            "set_preferences",
            json!({ "edit": { "display": null, "snooze_minutes": null } }),
        ),
        (
            "agenda",
            json!({ "from": 1_795_392_000_i64, "to": 1_795_996_800_i64 }),
        ),
        (
            "event_detail",
            json!({ "eventId": 999, "occurrenceStart": null }),
        ),
        ("join_links", json!({ "eventIds": [999] })),
        ("next_meeting", json!({})),
        ("join_event", json!({ "eventId": 999 })),
        ("take_shown_event", json!({})),
        ("sources_status", json!({})),
        ("preview_feed", json!({ "url": feed_url })),
        (
            "add_feed",
            json!({ "req": { "url": feed_url, "name": null, "color": "red;x",
                    "interval_minutes": null, "include": [], "exclude": [] } }),
        ),
        (
            "update_source",
            json!({ "id": 999, "edit": { "name": "x", "color": null, "interval_minutes": null,
                    "enabled": null, "include": null, "exclude": null } }),
        ),
        ("remove_source", json!({ "id": 999 })),
        ("sync_now", json!({ "id": 999 })),
        ("sync_log", json!({ "id": null, "limit": 0 })),
        ("load_sample", json!({})),
        ("decide_deletions", json!({ "id": 999, "choice": "keep" })),
        ("reveal_source_url", json!({ "id": 999 })),
        ("reminder_settings", json!({})),
        (
            "set_reminder_settings",
            json!({ "calendarId": 999, "prefs": { "lead_secs": 300, "honour_valarms": false,
                    "notify_declined": false, "notify_cancelled": false, "notify_free": false,
                    "notify_all_day": false } }),
        ),
        ("my_addresses", json!({})),
        (
            "set_my_addresses",
            json!({ "addresses": ["me@example.com"] }),
        ),
        ("calendars", json!({})),
        (
            "update_calendar",
            json!({ "id": 999, "edit": { "shown": false, "color": null, "direction": null,
                    "default": null } }),
        ),
        (
            "event_form",
            json!({ "target": { "uid": "nobody@x", "calendar_id": 999, "recurrence_id": null } }),
        ),
        (
            "create_event",
            json!({ "calendarId": 999, "fields": { "title": "x", "start": "2026-12-01T09:00",
                    "end": null, "zone": null, "location": null, "description": null,
                    "repeat": null, "reminder": { "minutes": 10 } } }),
        ),
        (
            "edit_event",
            json!({ "target": { "uid": "nobody@x", "calendar_id": 999, "recurrence_id": "20261201T090000Z" },
                    "scope": "this", "fields": { "title": "y", "start": null, "end": null, "zone": null,
                    "location": null, "description": null, "repeat": null, "reminder": "none" } }),
        ),
        (
            "delete_event",
            json!({ "target": { "uid": "nobody@x", "calendar_id": 999, "recurrence_id": null },
                    "scope": "all" }),
        ),
        ("undo_change", json!({ "undo": 999 })),
        (
            "add_caldav",
            json!({ "req": { "server": "http://127.0.0.1:9/", "user": " ", "password": "p", "name": null } }),
        ),
    ]
}

#[test]
fn routed_calls_answer_as_in_process_calls() {
    let h = harness();
    let url = h.feed_file("team.ics", FEED);
    let req = json!({ "req": { "url": url, "name": "Team", "color": null,
                     "interval_minutes": null, "include": [], "exclude": [] } });
    let added = routed(&h, "add_feed", req).unwrap();
    assert_eq!(added["name"], "Team");
    let reports = routed(&h, "sync_now", json!({ "id": added["id"] })).unwrap();
    assert_eq!(reports[0]["events"], 2, "{reports}");
    let day = json!({ "from": 1_795_392_000_i64, "to": 1_795_996_800_i64 });
    let mut agenda = routed(&h, "agenda", day.clone()).unwrap();
    let mut direct = h.call("agenda", day).unwrap();
    // The query's own timing differs from call to call.
    agenda["query_ms"] = json!(0);
    direct["query_ms"] = json!(0);
    assert_eq!(agenda, direct);
    let standup = agenda["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["summary"] == "Standup")
        .unwrap_or_else(|| panic!("no Standup in {agenda}"));
    let detail = json!({ "eventId": standup["event_id"], "occurrenceStart": null });
    assert_eq!(
        routed(&h, "event_detail", detail.clone()).unwrap(),
        h.call("event_detail", detail).unwrap()
    );
    for (cmd, args) in [
        ("sources_status", json!({})),
        ("remove_source", json!({ "id": 999 })),
        ("sync_log", json!({ "id": null, "limit": 0 })),
        ("preview_feed", json!({ "url": "javascript:alert(1)" })),
        ("my_addresses", json!({})),
    ] {
        assert_eq!(routed(&h, cmd, args.clone()), h.call(cmd, args), "{cmd}");
    }
    // Every command of the list, each once on each path.
    let samples = sample_calls(&url);
    let mut sampled: Vec<String> = samples.iter().map(|(c, _)| c.to_string()).collect();
    sampled.sort();
    assert_eq!(
        sampled,
        listed_commands(),
        "a command without a sample call"
    );
    for (cmd, args) in samples {
        let (mut routed, mut direct) = (routed(&h, cmd, args.clone()), h.call(cmd, args));
        for answer in [&mut routed, &mut direct] {
            // The query's own timing differs from call to call.
            if let Ok(Value::Object(map)) = answer {
                if map.contains_key("query_ms") {
                    map.insert("query_ms".into(), json!(0));
                }
            }
        }
        assert_eq!(routed, direct, "{cmd}");
    }
    // A wrong argument names the argument.
    let err = routed(&h, "agenda", json!({ "from": "monday", "to": 1 })).unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    assert!(err["message"].as_str().unwrap().contains("`from`"), "{err}");
}
