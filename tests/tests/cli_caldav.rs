#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `traycal add-caldav` against a real Radicale, then `sync`, `create`, `edit` and
//! `agenda`, each a new `traycal` process (so every sync connects the account again
//! from what was stored: its settings in the mirror, its password in the secret
//! store); what Traycal wrote is read back with `curl`.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use traycal_engine::two_way::intended_id;
use traycal_system_tests::dav_servers::{DavKind, DavServer};
use traycal_system_tests::traycal_bin;

/// 2026-03-02 (a Monday) 08:00 UTC.
const NOW: &str = "2026-03-02T08:00:00Z";

fn cli(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(traycal_bin())
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("TRAYCAL_NOW", NOW)
        .env("TRAYCAL_SECRET_STORE", "file")
        .env("HOME", dir)
        .env("XDG_RUNTIME_DIR", dir.join("run"))
        .env("TZ", "UTC")
        .env_remove("TRAYCAL_DATA_DIR")
        .env_remove("TRAYCAL_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(
        o.status.success(),
        "exit {:?}: {}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn a_caldav_account_added_on_the_command_line_syncs_both_ways() {
    let server = DavServer::start(DavKind::Radicale);
    let curl = server.curl("alice");
    let cal_url = server.calendar_url("alice");
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();

    // A wrong password: a clear error, nothing stored.
    let wrong = cli(
        dir,
        &[
            "add-caldav",
            &server.url,
            "--user",
            "alice",
            "--password-stdin",
        ],
        Some("not-it\n"),
    );
    assert!(!wrong.status.success());
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(err.contains("user name or password"), "{err}");
    assert_eq!(
        json(&cli(dir, &["--json", "sources"], None)),
        serde_json::json!([])
    );

    // The right one: the account and its calendar.
    let added = json(&cli(
        dir,
        &[
            "--json",
            "add-caldav",
            &server.url,
            "--user",
            "alice",
            "--password-stdin",
        ],
        Some("secret\n"),
    ));
    let source = added["source"]["id"].as_i64().unwrap();
    let calendars = added["calendars"].as_array().unwrap();
    assert_eq!(calendars.len(), 1, "{added}");
    assert_eq!(calendars[0]["name"], "Calendar");
    assert_eq!(calendars[0]["direction"], "two_way");
    let calendar = calendars[0]["id"].as_i64().unwrap().to_string();
    // The password is not in the mirror.
    let db = rusqlite::Connection::open(dir.join("mirror.sqlite3")).unwrap();
    let stored: String = db
        .query_row("SELECT account_json FROM sources", [], |r| r.get(0))
        .unwrap();
    assert!(!stored.contains("secret"), "{stored}");
    assert!(stored.contains("alice"), "{stored}");

    // Another client's event comes in.
    let theirs = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n\
                  UID:theirs@x\r\nDTSTAMP:20260301T000000Z\r\nDTSTART:20260303T090000Z\r\n\
                  DTEND:20260303T100000Z\r\nSUMMARY:From the web\r\nEND:VEVENT\r\n\
                  END:VCALENDAR\r\n";
    assert_eq!(
        curl.put(&format!("{cal_url}theirs.ics"), theirs).status,
        201
    );
    let id = source.to_string();
    let r = json(&cli(dir, &["--json", "sync", &id], None));
    assert_eq!(r[0]["added"], 1, "{r}");

    // Made here, pending, then on the server.
    let made = json(&cli(
        dir,
        &[
            "--json",
            "create",
            "--calendar",
            &calendar,
            "--title",
            "From the CLI",
            "--start",
            "2026-03-04T10:00",
            "--end",
            "2026-03-04T11:00",
            "--tz",
            "Europe/Berlin",
        ],
        None,
    ));
    let uid = made["uid"].as_str().unwrap().to_string();
    let r = json(&cli(dir, &["--json", "sync", &id], None));
    assert_eq!(r[0]["pushed"], 1, "{r}");
    let href = format!("{cal_url}{}", intended_id(&uid));
    let got = curl.get(&href);
    assert_eq!(got.status, 200);
    assert!(got.body.contains("SUMMARY:From the CLI"), "{}", got.body);

    // Edited here, read back there.
    json(&cli(
        dir,
        &["--json", "edit", &uid, "--title", "Renamed in the CLI"],
        None,
    ));
    let r = json(&cli(dir, &["--json", "sync", &id], None));
    assert_eq!(r[0]["pushed"], 1, "{r}");
    assert!(curl.get(&href).body.contains("SUMMARY:Renamed in the CLI"));

    // A series from another client, changed here from its third occurrence on.
    let series = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n\
                  UID:daily@x\r\nDTSTAMP:20260301T000000Z\r\nDTSTART:20260302T150000Z\r\n\
                  DTEND:20260302T151500Z\r\nRRULE:FREQ=DAILY;COUNT=5\r\nSUMMARY:Daily\r\n\
                  END:VEVENT\r\nEND:VCALENDAR\r\n";
    assert_eq!(curl.put(&format!("{cal_url}daily.ics"), series).status, 201);
    json(&cli(dir, &["--json", "sync", &id], None));
    let split = json(&cli(
        dir,
        &[
            "--json",
            "edit",
            "daily@x",
            "--occurrence",
            "20260304T150000Z",
            "--scope",
            "following",
            "--title",
            "Daily later",
        ],
        None,
    ));
    let r = json(&cli(dir, &["--json", "sync", &id], None));
    assert_eq!(r[0]["pushed"], 2, "{r}");
    let new_href = format!("{cal_url}{}", intended_id(split["uid"].as_str().unwrap()));
    assert!(curl.get(&new_href).body.contains("SUMMARY:Daily later"));
    assert!(curl
        .get(&format!("{cal_url}daily.ics"))
        .body
        .contains("UNTIL="));

    let agenda = json(&cli(
        dir,
        &["--json", "agenda", "--from", "2026-03-02", "--days", "7"],
        None,
    ));
    let summaries: Vec<&str> = agenda["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["summary"].as_str().unwrap())
        .collect();
    assert!(summaries.contains(&"From the web"), "{summaries:?}");
    assert!(summaries.contains(&"Renamed in the CLI"), "{summaries:?}");
    let count = |t: &str| summaries.iter().filter(|s| **s == t).count();
    assert_eq!(
        (count("Daily"), count("Daily later")),
        (2, 3),
        "{summaries:?}"
    );
}
