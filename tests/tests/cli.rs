#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The `traycal` binary against bad arguments, broken mirror files and a second
//! process: clear errors with the right exit code, one JSON document under `--json`,
//! no panic, nothing lost. Feeds come from the loopback feed server; secrets go to a
//! 0600 file store in the temp data dir (never the user's keyring).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use traycal_system_tests::harness::{cal, ev};
use traycal_system_tests::{traycal_bin, FeedServer, Route};

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Cli {
        Cli {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(traycal_bin());
        c.arg("--data-dir")
            .arg(self.data())
            .args(args)
            .env("TRAYCAL_SECRET_STORE", "file")
            .env("HOME", self.dir.path())
            .env("XDG_RUNTIME_DIR", self.dir.path().join("run"))
            .env_remove("TRAYCAL_DATA_DIR");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exactly one JSON document on stdout.
fn one_json(o: &Output) -> serde_json::Value {
    let out = String::from_utf8_lossy(&o.stdout);
    let mut docs = serde_json::Deserializer::from_str(&out).into_iter::<serde_json::Value>();
    let first = docs
        .next()
        .unwrap_or_else(|| panic!("no JSON: {}", text(o)))
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", text(o)));
    assert!(
        docs.next().is_none(),
        "more than one JSON document: {}",
        text(o)
    );
    first
}

fn events(n: usize) -> String {
    let list: Vec<String> = (0..n)
        .map(|i| {
            ev(
                &format!("e{i}@cli"),
                &format!("2030010{}T100000Z", 1 + i % 9),
                &format!("2030010{}T110000Z", 1 + i % 9),
                &format!("Event {i}"),
                "",
            )
        })
        .collect();
    cal(&list)
}

#[test]
fn absurd_arguments_are_refused_by_name_not_wrapped_or_panicking() {
    let cli = Cli::new();
    for (args, needle) in [
        (vec!["agenda", "--days", "4294967295"], "--days"),
        (vec!["agenda", "--days", "0"], "--days"),
        (
            vec![
                "add-ics",
                "https://example.com/a.ics",
                "--every",
                "4611686018427387905h",
            ],
            "interval",
        ),
        (
            vec![
                "add-ics",
                "https://example.com/a.ics",
                "--max-bytes",
                "9223372036854775808",
            ],
            "--max-bytes",
        ),
        (
            vec!["add-ics", "https://example.com/a.ics", "--max-bytes", "0"],
            "--max-bytes",
        ),
    ] {
        let o = cli.run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        let err = stderr(&o);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("-1"),
            "{args:?}: {err}"
        );
    }
    // Nothing was added by the refused commands.
    let o = cli.run(&["--json", "sources"]);
    assert_eq!(one_json(&o), serde_json::json!([]));
    // The last day Traycal knows plus days is an error, not a panic.
    let o = cli.run(&["agenda", "--from", "262142-12-01", "--days", "3660"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn an_unknown_source_is_exit_2_everywhere() {
    let cli = Cli::new();
    for cmd in [
        ["status", "999"],
        ["log", "999"],
        ["sync", "999"],
        ["remove", "999"],
    ] {
        let o = cli.run(&cmd);
        assert_eq!(o.status.code(), Some(2), "{cmd:?}: {}", text(&o));
        assert!(stderr(&o).contains("no source with id 999"), "{cmd:?}");
    }
}

#[test]
fn errors_under_json_are_one_json_document() {
    let cli = Cli::new();
    let o = cli.run(&["--json", "log", "999"]);
    assert_eq!(o.status.code(), Some(2));
    let doc = one_json(&o);
    assert_eq!(doc["error"]["code"], "no_such_source");
    assert!(doc["error"]["message"].as_str().unwrap().contains("999"));
    // Argument errors too.
    let o = cli.run(&["--json", "agenda", "--days", "99999"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(one_json(&o)["error"]["code"], "invalid_input");
}

#[tokio::test]
async fn add_with_sync_prints_one_json_document() {
    let server = FeedServer::start().await;
    server.set_route("/team.ics", Route::ics(events(3)));
    let cli = Cli::new();
    let url = server.url("/team.ics");
    let o = tokio::task::spawn_blocking(move || {
        let o = cli.run(&["--json", "add-ics", &url, "--sync"]);
        (cli, o)
    })
    .await
    .unwrap();
    let (cli, o) = o;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let doc = one_json(&o);
    assert_eq!(doc["source"]["id"], 1);
    assert_eq!(doc["sync"]["outcome"], "updated");
    assert_eq!(doc["sync"]["added"], 3);
    // The counts a two-way sync adds sit beside them (a feed has neither).
    assert_eq!(
        (&doc["sync"]["pushed"], &doc["sync"]["conflicts"]),
        (&0.into(), &0.into())
    );
    drop(cli);
}

#[test]
fn a_local_file_is_taken_by_path() {
    let cli = Cli::new();
    let file = cli.dir.path().join("my cal.ics");
    std::fs::write(&file, events(2)).unwrap();
    // Relative to the working directory, as a shell user types it.
    let o = cli
        .cmd(&["add-ics", "my cal.ics", "--sync"])
        .current_dir(cli.dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = cli.run(&["--json", "sources"]);
    let doc = one_json(&o);
    assert!(
        doc[0]["url"].as_str().unwrap().ends_with("/my%20cal.ics"),
        "{doc}"
    );
}

#[test]
fn calendars_lists_each_calendar_with_its_access() {
    let cli = Cli::new();
    let o = cli.run(&["--json", "calendars"]);
    assert_eq!(one_json(&o), serde_json::json!([]));
    let file = cli.dir.path().join("rota.ics");
    std::fs::write(&file, events(1)).unwrap();
    let o = cli.run(&["add-ics", file.to_str().unwrap(), "--name", "Rota"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let doc = one_json(&cli.run(&["--json", "calendars"]));
    let source = one_json(&cli.run(&["--json", "sources"]))[0]["id"].clone();
    assert_eq!(doc.as_array().unwrap().len(), 1, "{doc}");
    let c = &doc[0];
    assert!(c["id"].as_i64().unwrap() > 0, "{doc}");
    assert_eq!(c["source_id"], source, "{doc}");
    assert_eq!(c["name"], "Rota", "{doc}");
    assert_eq!(c["read_only"], true, "{doc}");
    assert_eq!(c["direction"], "pull_only", "{doc}");
    let o = cli.run(&["calendars"]);
    assert!(
        text(&o).contains("Rota") && text(&o).contains("read-only"),
        "{}",
        text(&o)
    );
}

#[test]
fn a_corrupt_database_is_named_once_with_what_to_do() {
    let cli = Cli::new();
    std::fs::create_dir_all(cli.data()).unwrap();
    let db = cli.data().join("mirror.sqlite3");
    std::fs::write(&db, vec![b'#'; 100_000]).unwrap();
    let o = cli.run(&["sources"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = stderr(&o);
    assert!(err.contains(&db.display().to_string()), "{err}");
    assert!(err.contains("Restore it from a backup"), "{err}");
    assert_eq!(err.matches("not a database").count(), 1, "{err}");
}

#[test]
fn a_zero_byte_database_is_not_silently_replaced() {
    let cli = Cli::new();
    std::fs::create_dir_all(cli.data()).unwrap();
    let db = cli.data().join("mirror.sqlite3");
    std::fs::write(&db, b"").unwrap();
    let o = cli.run(&["sources"]);
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert!(stderr(&o).contains("0 bytes"), "{}", text(&o));
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0, "left as it was");
}

#[test]
fn status_reports_a_damaged_page_in_the_middle() {
    let cli = Cli::new();
    // A mirror with enough pages, closed cleanly.
    let file = cli.dir.path().join("big.ics");
    std::fs::write(&file, events(9)).unwrap();
    let o = cli.run(&["add-ics", file.to_str().unwrap(), "--sync"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let db = cli.data().join("mirror.sqlite3");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(
            "CREATE TABLE filler (x TEXT); \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) \
             INSERT INTO filler SELECT printf('%.400c', 'x') FROM n; \
             PRAGMA wal_checkpoint(TRUNCATE);",
        )
        .unwrap();
    }
    damage_a_page_in_the_middle(&db);
    let o = cli.run(&["status"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = stderr(&o);
    assert!(
        err.contains("is damaged") && err.contains(&db.display().to_string()),
        "{err}"
    );
}

fn damage_a_page_in_the_middle(db: &Path) {
    let mut bytes = std::fs::read(db).unwrap();
    let page = 32 * 1024;
    let middle = (bytes.len() / page / 2) * page;
    for b in &mut bytes[middle..middle + 300] {
        *b = 0x5A;
    }
    std::fs::write(db, bytes).unwrap();
}

#[tokio::test]
async fn the_cli_applies_or_keeps_a_held_mass_deletion() {
    let server = FeedServer::start().await;
    server.set_route("/team.ics", Route::ics(events(40)));
    let cli = std::sync::Arc::new(Cli::new());
    let run = |args: Vec<String>| {
        let cli = std::sync::Arc::clone(&cli);
        tokio::task::spawn_blocking(move || {
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            cli.run(&a)
        })
    };
    let o = run(vec![
        "add-ics".into(),
        server.url("/team.ics"),
        "--sync".into(),
    ])
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    server.set_route("/team.ics", Route::ics(cal(&[])));
    let o = run(vec!["sync".into(), "1".into()]).await.unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("held") && out.contains("--allow-mass-delete"),
        "{out}"
    );
    let o = run(vec![
        "--json".into(),
        "sync".into(),
        "1".into(),
        "--allow-mass-delete".into(),
    ])
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(one_json(&o)[0]["removed"], 40);
}

/// Several `traycal sync` processes at once against a feed that keeps changing:
/// every one succeeds, and no local contention is recorded as the feed's error.
#[tokio::test]
async fn concurrent_syncs_of_several_processes_all_succeed() {
    let server = FeedServer::start().await;
    let feed_a = events(60);
    let feed_b = cal(&(20..80)
        .map(|i| {
            ev(
                &format!("e{i}@cli"),
                "20300105T100000Z",
                "20300105T110000Z",
                &format!("Event {i} moved"),
                "",
            )
        })
        .collect::<Vec<_>>());
    server.set_route("/busy.ics", Route::ics(feed_a.clone()));
    let cli = std::sync::Arc::new(Cli::new());
    let url = server.url("/busy.ics");
    let c2 = std::sync::Arc::clone(&cli);
    let o = tokio::task::spawn_blocking(move || c2.run(&["add-ics", &url, "--every", "1m"]))
        .await
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // The feed flips between two versions while the processes run.
    let flipping = {
        let (a, b) = (feed_a.clone(), feed_b.clone());
        let server_routes = server.route_setter("/busy.ics");
        tokio::spawn(async move {
            for n in 0..40 {
                let body = if n % 2 == 0 { b.clone() } else { a.clone() };
                server_routes(Route::ics(body));
                tokio::time::sleep(std::time::Duration::from_millis(40)).await;
            }
        })
    };
    let mut runs = Vec::new();
    for _ in 0..4 {
        let c = std::sync::Arc::clone(&cli);
        runs.push(tokio::task::spawn_blocking(move || c.run(&["sync", "1"])));
    }
    for r in runs {
        let o = r.await.unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    }
    flipping.await.unwrap();
    let o = cli.run(&["--json", "status", "1"]);
    let doc = one_json(&o);
    assert_eq!(doc[0]["last_error"], serde_json::Value::Null, "{doc}");
}

/// A check that found the feed unchanged writes nothing to the mirror, yet `status`
/// in another process shows it as the last sync (not the last change).
#[tokio::test]
async fn status_shows_the_last_check_of_another_process() {
    let server = FeedServer::start().await;
    server.set_route("/team.ics", Route::ics(events(3)).with_etag("\"v1\""));
    let cli = std::sync::Arc::new(Cli::new());
    std::fs::create_dir_all(cli.dir.path().join("run")).unwrap();
    let url = server.url("/team.ics");
    let run = |args: Vec<String>, now: &'static str| {
        let cli = std::sync::Arc::clone(&cli);
        tokio::task::spawn_blocking(move || {
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            cli.cmd(&a).env("TRAYCAL_NOW", now).output().unwrap()
        })
    };
    let o = run(
        vec!["add-ics".into(), url, "--sync".into()],
        "2030-01-01T08:00:00Z",
    )
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // An hour later another process checks: 304, nothing written to the mirror.
    let o = run(vec!["sync".into()], "2030-01-01T09:00:00Z")
        .await
        .unwrap();
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("unchanged"),
        "{}",
        text(&o)
    );
    let o = run(
        vec!["--json".into(), "status".into()],
        "2030-01-01T09:01:00Z",
    )
    .await
    .unwrap();
    let doc = one_json(&o);
    let last = doc[0]["last_sync"].as_str().unwrap().to_string();
    let at = chrono::DateTime::parse_from_rfc3339(&last)
        .unwrap()
        .to_utc();
    assert_eq!(at.to_rfc3339(), "2030-01-01T09:00:00+00:00", "{doc}");
}
