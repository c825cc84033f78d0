#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `traycal create` / `edit` / `delete` / `calendars` / `agenda --json` on a two-way
//! calendar (an in-memory server, synced by an engine on the same data dir, as the
//! tray app would): the edit shows at once as pending, reaches the server at the next
//! sync, one occurrence can be changed or deleted, a feed refuses with exit 2.

use std::process::{Command, Output};

use traycal_engine::Engine;
use traycal_providers::MemoryProvider;
use traycal_store::CalendarId;
use traycal_system_tests::harness::{cal, ev, harness, one_event, two_way_harness, Harness};
use traycal_system_tests::{traycal_bin, Route};

const CAL: &str = "/dav/home/";
/// 2026-03-02 (a Monday) 08:00 UTC, the harness's clock.
const NOW: &str = "2026-03-02T08:00:00Z";

fn cli(h: &Harness, args: &[&str]) -> Output {
    Command::new(traycal_bin())
        .arg("--data-dir")
        .arg(h.dir.path())
        .args(args)
        .env("TRAYCAL_NOW", NOW)
        .env("TRAYCAL_SECRET_STORE", "file")
        .env("HOME", h.dir.path())
        .env("XDG_RUNTIME_DIR", h.dir.path().join("run"))
        .env("TZ", "UTC")
        .env_remove("TRAYCAL_DATA_DIR")
        .output()
        .unwrap()
}

/// A feed of one event ("Feed"), added and synced: its calendar.
async fn feed_calendar(h: &Harness) -> CalendarId {
    h.server
        .set_route("/f.ics", Route::ics(one_event("f@x", 9, "Feed")));
    let source = h.add("/f.ics").await;
    h.engine.sync_source(source).await.unwrap();
    h.mirror()
        .calendar_of(traycal_store::SourceId(source))
        .unwrap()
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

fn agenda(h: &Harness) -> Vec<serde_json::Value> {
    let doc = json(&cli(
        h,
        &["--json", "agenda", "--from", "2026-03-02", "--days", "14"],
    ));
    doc["entries"].as_array().unwrap().clone()
}

async fn two_way() -> (Harness, MemoryProvider, CalendarId) {
    two_way_harness(CAL).await
}

async fn sync(engine: &Engine, server: &MemoryProvider, cal: CalendarId) {
    engine.sync_two_way(server, cal).await.unwrap();
}

#[tokio::test]
async fn create_edit_and_delete_from_the_command_line_reach_the_server() {
    let (h, server, cal_id) = two_way().await;
    let calendars = json(&cli(&h, &["--json", "calendars"]));
    let home = &calendars[0];
    assert_eq!(
        (
            home["id"].as_i64(),
            home["read_only"].as_bool(),
            home["direction"].as_str()
        ),
        (Some(cal_id.0), Some(false), Some("two_way"))
    );

    let id = cal_id.0.to_string();
    let created = json(&cli(
        &h,
        &[
            "--json",
            "create",
            "--calendar",
            &id,
            "--title",
            "Dentist; check-up, yearly",
            "--start",
            "2026-03-03T09:00",
            "--end",
            "2026-03-03T09:30",
            "--tz",
            "Europe/Berlin",
            "--location",
            "Main St 1",
        ],
    ));
    let uid = created["uid"].as_str().unwrap().to_owned();
    assert_eq!(created["calendar_id"].as_i64(), Some(cal_id.0));
    let entries = agenda(&h);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let e = &entries[0];
    assert_eq!(e["uid"], uid.as_str());
    assert_eq!(e["summary"], "Dentist; check-up, yearly");
    assert_eq!(
        e["start_utc"].as_i64(),
        Some(1_772_524_800),
        "09:00 in Berlin is 08:00Z"
    );
    assert_eq!(e["calendar_id"].as_i64(), Some(cal_id.0));
    assert_eq!(e["pending"], true, "not on the server yet");

    sync(&h.engine, &server, cal_id).await;
    let on_server = server.items(CAL);
    assert_eq!(on_server.len(), 1);
    assert!(
        on_server[0]
            .body
            .contains("SUMMARY:Dentist\\; check-up\\, yearly"),
        "{}",
        on_server[0].body
    );
    assert!(
        on_server[0].body.contains("BEGIN:VTIMEZONE"),
        "the zone goes with it"
    );
    assert_eq!(agenda(&h)[0]["pending"], false);

    // A new start keeps the length.
    json(&cli(
        &h,
        &["--json", "edit", &uid, "--start", "2026-03-03T10:00"],
    ));
    let e = &agenda(&h)[0];
    assert_eq!(e["start_utc"].as_i64(), Some(1_772_528_400));
    assert_eq!(e["end_utc"].as_i64(), Some(1_772_528_400 + 1800));
    assert_eq!(e["location"], "Main St 1", "what was not given is kept");
    assert_eq!(e["pending"], true);
    sync(&h.engine, &server, cal_id).await;
    assert!(
        server.items(CAL)[0].body.contains("SEQUENCE:1"),
        "a new time bumps SEQUENCE"
    );

    let o = cli(&h, &["delete", &uid]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("next sync"));
    assert!(agenda(&h).is_empty());
    sync(&h.engine, &server, cal_id).await;
    assert!(server.items(CAL).is_empty());
}

#[tokio::test]
async fn one_occurrence_of_a_series_is_changed_or_deleted() {
    let (h, server, cal_id) = two_way().await;
    let series = cal(&[ev(
        "weekly@x",
        "20260303T090000Z",
        "20260303T093000Z",
        "Weekly",
        "RRULE:FREQ=WEEKLY;COUNT=3\r\n",
    )]);
    server
        .put_behind_engine(CAL, "weekly.ics", &series)
        .unwrap();
    sync(&h.engine, &server, cal_id).await;
    assert_eq!(agenda(&h).len(), 2, "two of three in the fortnight shown");

    json(&cli(
        &h,
        &[
            "--json",
            "edit",
            "weekly@x",
            "--occurrence",
            "20260303T090000Z",
            "--title",
            "Weekly (special)",
        ],
    ));
    json(&cli(
        &h,
        &[
            "--json",
            "delete",
            "weekly@x",
            "--occurrence",
            "20260310T090000Z",
        ],
    ));
    let titles: Vec<String> = agenda(&h)
        .iter()
        .map(|e| e["summary"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(titles, ["Weekly (special)"]);
    sync(&h.engine, &server, cal_id).await;
    let body = server.item(CAL, "weekly.ics").unwrap().body;
    assert!(body.contains("RECURRENCE-ID:20260303T090000Z"), "{body}");
    assert!(body.contains("EXDATE:20260310T090000Z"), "{body}");

    // Not an occurrence: a clear error, exit 2.
    let o = cli(
        &h,
        &[
            "edit",
            "weekly@x",
            "--occurrence",
            "20260304T090000Z",
            "--title",
            "x",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("not an occurrence"));
}

#[tokio::test]
async fn a_feed_refuses_edits_with_exit_2() {
    let h = harness().await;
    let feed_cal = feed_calendar(&h).await;
    let o = cli(
        &h,
        &[
            "--json",
            "create",
            "--calendar",
            &feed_cal.0.to_string(),
            "--title",
            "Mine",
            "--start",
            "2026-03-03T09:00",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["error"]["code"], "store.calendar_read_only");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("read-only"),
        "{doc}"
    );
    let o = cli(&h, &["edit", "f@x", "--title", "Mine"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("read-only"));
    assert_eq!(agenda(&h)[0]["summary"], "Feed", "nothing changed");
    // Bad input names the flag.
    let o = cli(
        &h,
        &[
            "create",
            "--calendar",
            "1",
            "--title",
            "x",
            "--start",
            "tomorrow",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--start"));
}

/// `traycal calendar ID`: hide (the agenda leaves it out), show, colour, direction
/// (a feed stays pull_only: exit 2) and the default calendar, each in `calendars`.
#[tokio::test]
async fn a_calendars_own_settings_from_the_command_line() {
    let (h, server, cal_id) = two_way().await;
    server
        .put_behind_engine(CAL, "a.ics", &one_event("a@x", 9, "Alpha"))
        .unwrap();
    sync(&h.engine, &server, cal_id).await;
    let id = cal_id.0.to_string();
    assert_eq!(agenda(&h).len(), 1);

    let c = json(&cli(&h, &["--json", "calendar", &id, "--hide"]));
    assert_eq!(c[0]["shown"], false, "{c}");
    assert!(
        agenda(&h).is_empty(),
        "a hidden calendar is not in the agenda"
    );
    let c = json(&cli(
        &h,
        &[
            "--json",
            "calendar",
            &id,
            "--show",
            "--color",
            "#10b981",
            "--default",
        ],
    ));
    assert_eq!(
        (&c[0]["shown"], &c[0]["color"], &c[0]["default"]),
        (
            &serde_json::json!(true),
            &serde_json::json!("#10b981"),
            &serde_json::json!(true)
        ),
        "{c}"
    );
    assert_eq!(agenda(&h).len(), 1);
    let o = cli(&h, &["calendars"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("two-way, default for new events"), "{text}");
    let c = json(&cli(
        &h,
        &["--json", "calendar", &id, "--direction", "pull_only"],
    ));
    assert_eq!(c[0]["direction"], "pull_only", "{c}");

    // A feed's calendar stays pulled only.
    let feed_cal = feed_calendar(&h).await;
    let o = cli(
        &h,
        &[
            "--json",
            "calendar",
            &feed_cal.0.to_string(),
            "--direction",
            "two_way",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["error"]["code"], "invalid_input", "{doc}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("subscribed feed"),
        "{doc}"
    );
}
