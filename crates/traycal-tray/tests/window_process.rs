#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The tray process's side of the window process, over a real socket pair and real
//! child processes: a stand-in window process (a Python script speaking the wire
//! protocol, so no display is needed) shows what it was asked, calls a command, hears
//! events, and ends the way the real one does. The real one is driven by the
//! end-to-end tests (`scripts/e2e/test_app.py`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use traycal_engine::{Engine, EngineConfig, FixedClock};
use traycal_tray::events::{MirrorChanged, ShellEvent};
use traycal_tray::shell::Shell;
use traycal_tray::window_process::WindowProcess;
use traycal_tray::windows::WindowKind;

/// A window process that logs what it hears to `log`. It acknowledges its start-up
/// window and every `open` frame except one for `settings`, on which it ends at once
/// (as a window process whose last window just closed). With `crash` it ends before
/// showing anything.
fn stand_in(dir: &Path, log: &Path, crash: bool) -> PathBuf {
    let script = format!(
        r#"#!/usr/bin/env python3
import json, os, socket, sys
LOG = {log:?}
def note(obj):
    with open(LOG, "a") as f:
        f.write(json.dumps(dict(obj, pid=os.getpid())) + "\n")
window, seq = sys.argv[2], int(sys.argv[3])
note({{"frame": "started", "window": window, "flag": sys.argv[1]}})
if {crash}:
    sys.exit(3)
link = socket.socket(fileno=os.dup(0)).makefile("rwb")
def send(obj):
    link.write((json.dumps(obj) + "\n").encode())
    link.flush()
send({{"frame": "opened", "seq": seq}})
send({{"frame": "call", "id": 1, "command": "sources_status", "args": {{}}}})
send({{"frame": "call", "id": 2, "command": "agenda", "args": {{"from": "x"}}}})
for line in link:
    msg = json.loads(line)
    note(msg)
    if msg["frame"] == "open":
        if msg["window"] == "settings":
            sys.exit(0)
        send({{"frame": "opened", "seq": msg["seq"]}})
"#,
        log = log.display().to_string(),
        crash = if crash { "True" } else { "False" },
    );
    let path = dir.join("window-process.py");
    std::fs::write(&path, script).unwrap();
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&path, perms).unwrap();
    path
}

/// The tray process's side as the app sets it up: a shell whose windows open in
/// `exe`, with the contract's events forwarded, on a runtime of its own.
struct Tray {
    /// Runs the calls from the window process (kept alive with the test).
    _runtime: tokio::runtime::Runtime,
    shell: Arc<Shell>,
    process: WindowProcess,
}

fn tray(dir: &Path, exe: PathBuf) -> Tray {
    let clock = Arc::new(FixedClock(
        chrono::DateTime::parse_from_rfc3339("2026-11-23T08:00:00Z")
            .unwrap()
            .to_utc(),
    ));
    let mut config = EngineConfig::standard(dir.join("data"), clock);
    config.secrets = Box::new(|| Err("no secret store in this test".into()));
    let engine = Arc::new(Engine::open(config).unwrap());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let shell = Arc::new(Shell::new(engine));
    let process = WindowProcess::new(exe, runtime.handle().clone());
    shell.set_windows(process.clone());
    let forwarded = Arc::clone(&shell);
    let forwarding = process.clone();
    runtime.spawn(async move { forwarding.forward_events(&forwarded).await });
    Tray {
        _runtime: runtime,
        shell,
        process,
    }
}

fn lines(log: &Path) -> Vec<Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Waits (up to 20 s: child processes start slowly on a loaded machine) until the log
/// satisfies `done`.
fn wait_for(log: &Path, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let seen = lines(log);
        if done(&seen) {
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: never happened; log: {seen:#?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn started(seen: &[Value]) -> Vec<(i64, String)> {
    seen.iter()
        .filter(|l| l["frame"] == "started")
        .map(|l| {
            (
                l["pid"].as_i64().unwrap(),
                l["window"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[test]
fn windows_open_in_one_process_that_is_served_and_restarted_for_a_late_request() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    let t = tray(dir.path(), stand_in(dir.path(), &log, false));
    let process = &t.process;

    // The first request starts the window process with the window to show.
    process.open(&t.shell, WindowKind::Agenda).unwrap();
    let seen = wait_for(&log, "both replies", |s| {
        s.iter().filter(|l| l["frame"] == "reply").count() == 2
    });
    let first = started(&seen);
    assert_eq!(first.len(), 1, "{seen:#?}");
    assert_eq!(first[0].1, "agenda");
    assert!(seen.iter().any(|l| l["flag"] == "--window-process"));
    // Its commands run on the tray process's engine; a bad argument is refused by name.
    let reply = |id: i64| {
        seen.iter()
            .find(|l| l["frame"] == "reply" && l["id"] == id)
            .unwrap()
    };
    assert_eq!(reply(1)["result"], serde_json::json!({ "Ok": [] }));
    assert_eq!(reply(2)["result"]["Err"]["code"], "invalid_input");
    assert!(reply(2)["result"]["Err"]["message"]
        .as_str()
        .unwrap()
        .contains("`from`"));

    // Events of the contract reach it.
    t.shell.emit(ShellEvent::MirrorChanged(MirrorChanged {
        reason: "test".into(),
    }));
    wait_for(&log, "the event", |s| {
        s.iter().any(|l| {
            l["frame"] == "event"
                && l["name"] == "mirror-changed"
                && l["payload"]["reason"] == "test"
        })
    });

    // A second window opens in the same process.
    process.open(&t.shell, WindowKind::Welcome).unwrap();
    wait_for(&log, "the welcome request", |s| {
        s.iter()
            .any(|l| l["frame"] == "open" && l["window"] == "welcome")
    });
    assert_eq!(started(&lines(&log)).len(), 1);

    // A request that reaches the process as it ends (it closed its last window) is not
    // lost: a new window process shows it.
    process.open(&t.shell, WindowKind::Settings).unwrap();
    let seen = wait_for(&log, "a second window process", |s| started(s).len() == 2);
    let second = started(&seen)[1].clone();
    assert_eq!(second.1, "settings");
    assert_ne!(second.0, first[0].0);
}

#[test]
fn a_window_process_that_fails_at_start_is_not_restarted_in_a_loop() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    let t = tray(dir.path(), stand_in(dir.path(), &log, true));
    let process = &t.process;
    process.open(&t.shell, WindowKind::Agenda).unwrap();
    wait_for(&log, "the start", |s| started(s).len() == 1);
    // Give a restart, which would be wrong, time to happen.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(started(&lines(&log)).len(), 1, "restarted after failing");
    // The next request tries again.
    process.open(&t.shell, WindowKind::Agenda).unwrap();
    wait_for(&log, "the next start", |s| started(s).len() == 2);
}
