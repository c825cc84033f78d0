#![allow(clippy::unwrap_used, clippy::expect_used)]
//! What a hostile or broken feed can do to the mirror, served by the loopback feed
//! server (issue "Hardening what users already have"): bounded work on endless rules,
//! no silent mass deletion, no truncated body taken as the truth, every feed URL a
//! secret, UTF-16 feeds, and local files that are not regular files.

use std::time::Duration;

use traycal_engine::sources::AddIcs;
use traycal_engine::{EngineError, MassDeletionChoice};
use traycal_store::SourceId;
use traycal_system_tests::harness::{cal, ev, harness, Harness, T0};
use traycal_system_tests::Route;

/// Events `from..to`, one a day from T0's next day on, at 10:00 UTC.
fn daily_events(from: usize, to: usize) -> Vec<String> {
    (from..to)
        .map(|i| {
            let day = chrono::DateTime::from_timestamp(T0 + (i as i64 + 1) * 86_400, 0).unwrap();
            let d = day.format("%Y%m%d");
            ev(
                &format!("event-{i}@test"),
                &format!("{d}T100000Z"),
                &format!("{d}T110000Z"),
                &format!("Meeting {i}"),
                "",
            )
        })
        .collect()
}

fn count(h: &Harness, sql: &str) -> i64 {
    let c = rusqlite::Connection::open(h.dir.path().join("mirror.sqlite3")).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn live_events(h: &Harness) -> i64 {
    count(h, "SELECT count(*) FROM events WHERE removed_at IS NULL")
}

async fn sync(h: &Harness, id: i64) -> traycal_engine::SyncReport {
    h.engine.sync_source(id).await.unwrap()
}

// ---- 1. bounded work whatever the feed holds -------------------------------------

#[tokio::test]
async fn endless_minutely_series_are_cut_to_the_budget_and_reported() {
    let h = harness().await;
    // A small budget so the test reaches it quickly; the bench case shows the real
    // one (`bench/run.sh --hostile`).
    h.engine.limit_expansion(20_000);
    let mut events: Vec<String> = (0..2_000)
        .map(|i| {
            format!(
                "BEGIN:VEVENT\r\nUID:minutely-{i}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260101T000000Z\r\nRRULE:FREQ=MINUTELY\r\nSUMMARY:spam {i}\r\nEND:VEVENT\r\n"
            )
        })
        .collect();
    events.extend(daily_events(0, 3));
    h.server.set_route("/spam.ics", Route::ics(cal(&events)));
    let id = h.add("/spam.ics").await;
    let r = sync(&h, id).await;
    assert_eq!(r.outcome, "updated", "{:?}", r.error);
    // Without the budget: 2,000 series × 50,000 = 100 million occurrences.
    let occurrences = count(&h, "SELECT count(*) FROM occurrences");
    assert!(occurrences <= 20_000, "{occurrences} occurrences");
    // The ordinary events beside them are all there.
    let ordinary = count(
        &h,
        "SELECT count(*) FROM occurrences o JOIN events e ON e.id = o.event_id \
         WHERE e.uid LIKE 'event-%'",
    );
    assert_eq!(ordinary, 3);
    // Every cut series keeps its occurrences from now on (T0), not a month ago.
    let first_spam = count(
        &h,
        "SELECT min(o.start_utc) FROM occurrences o JOIN events e ON e.id = o.event_id \
         WHERE e.uid LIKE 'minutely-%'",
    );
    assert_eq!(first_spam, T0);
    // Reported: in the sync report, the source's notice and the log's notes.
    let notice = r.notice.clone().expect("a notice");
    assert!(notice.contains("occurrence budget"), "{notice}");
    assert!(notice.contains("2000 recurring series"), "{notice}");
    let status = h.engine.status(Some(id)).await.unwrap();
    assert_eq!(status[0].notice.as_deref(), Some(notice.as_str()));
    let log = h.engine.log(Some(id), 1).await.unwrap();
    assert!(
        log[0]
            .notes
            .as_deref()
            .is_some_and(|n| n.contains("occurrence budget")),
        "{:?}",
        log[0].notes
    );
    // A later change to one series re-shares the budget over the whole calendar
    // instead of stacking a second budget on top of the first.
    events[0] = events[0].replace("SUMMARY:spam 0", "SUMMARY:spam zero");
    h.server.set_route("/spam.ics", Route::ics(cal(&events)));
    h.clock.set(T0 + 600);
    let r = sync(&h, id).await;
    assert_eq!(r.outcome, "updated");
    let occurrences = count(&h, "SELECT count(*) FROM occurrences");
    assert!(
        occurrences <= 20_000,
        "{occurrences} occurrences after a change"
    );
    // When the feed is clean again the notice goes.
    h.server
        .set_route("/spam.ics", Route::ics(cal(&daily_events(0, 3))));
    h.clock.set(T0 + 1200);
    let r = h
        .engine
        .sync_source_with(id, MassDeletionChoice::Apply)
        .await
        .unwrap();
    assert_eq!(r.notice, None);
    assert_eq!(h.engine.status(Some(id)).await.unwrap()[0].notice, None);
}

// ---- 2. no silent mass deletion --------------------------------------------------

async fn hundred_events(h: &Harness) -> i64 {
    h.server
        .set_route("/team.ics", Route::ics(cal(&daily_events(0, 100))));
    let id = h.add("/team.ics").await;
    assert_eq!(sync(h, id).await.outcome, "updated");
    assert_eq!(live_events(h), 100);
    id
}

#[tokio::test]
async fn an_empty_calendar_does_not_delete_a_hundred_events_without_asking() {
    let h = harness().await;
    let id = hundred_events(&h).await;
    h.server.set_route("/team.ics", Route::ics(cal(&[])));
    h.clock.set(T0 + 600);
    let err = h.engine.sync_source(id).await.unwrap();
    assert_eq!(err.outcome, "failed");
    assert_eq!(err.error_code.as_deref(), Some("mass_delete"));
    let msg = err.error.unwrap();
    assert!(msg.contains("100 of your 100 upcoming events"), "{msg}");
    assert!(
        msg.contains("apply the deletions, or keep your events"),
        "{msg}"
    );
    assert_eq!(live_events(&h), 100, "nothing deleted");
    // The source shows it; the log has it.
    let status = h.engine.status(Some(id)).await.unwrap();
    assert_eq!(status[0].last_error_code.as_deref(), Some("mass_delete"));
    let log = h.engine.log(Some(id), 1).await.unwrap();
    assert_eq!(log[0].error_code.as_deref(), Some("mass_delete"));
    // It keeps asking (and is not backed off like a broken server).
    let again = h.engine.sync_source(id).await.unwrap();
    assert_eq!(again.error_code.as_deref(), Some("mass_delete"));
    assert_eq!(again.next_due_at, T0 + 600 + 300);
    // "Apply the deletions".
    let applied = h
        .engine
        .sync_source_with(id, MassDeletionChoice::Apply)
        .await
        .unwrap();
    assert_eq!(
        (applied.outcome.as_str(), applied.counts.removed),
        ("updated", 100)
    );
    assert_eq!(live_events(&h), 0);
    assert_eq!(count(&h, "SELECT count(*) FROM occurrences"), 0);
}

#[tokio::test]
async fn keep_my_events_keeps_them_and_stops_asking() {
    let h = harness().await;
    let id = hundred_events(&h).await;
    // The feed drops 90 events and adds one.
    let mut left = daily_events(90, 100);
    left.push(ev(
        "new@test",
        "20260310T100000Z",
        "20260310T110000Z",
        "New",
        "",
    ));
    h.server.set_route("/team.ics", Route::ics(cal(&left)));
    h.clock.set(T0 + 600);
    let r = sync(&h, id).await;
    assert_eq!(r.error_code.as_deref(), Some("mass_delete"));
    assert_eq!(
        count(&h, "SELECT count(*) FROM events WHERE uid = 'new@test'"),
        0
    );
    let kept = h
        .engine
        .sync_source_with(id, MassDeletionChoice::Keep)
        .await
        .unwrap();
    assert_eq!(kept.outcome, "updated");
    assert_eq!(
        (
            kept.counts.added,
            kept.counts.removed,
            kept.counts.kept_as_history
        ),
        (1, 0, 90)
    );
    // Kept events still count as the calendar's events.
    assert_eq!(kept.events, 101);
    // All 101 events show in the agenda; the 90 are no longer the feed's.
    let shown = h
        .engine
        .agenda(T0, T0 + 120 * 86_400)
        .await
        .unwrap()
        .entries
        .len();
    assert_eq!(shown, 101);
    // The next sync of the same feed does not ask again.
    h.clock.set(T0 + 1200);
    h.server
        .set_route("/team.ics", Route::ics(cal(&left)).header("X-Changed", "1"));
    let next = sync(&h, id).await;
    assert_ne!(next.outcome, "failed", "{:?}", next.error);
    assert_eq!(
        h.engine.status(Some(id)).await.unwrap()[0].last_error_code,
        None
    );
}

#[tokio::test]
async fn a_few_deletions_or_less_than_half_go_through() {
    let h = harness().await;
    let id = hundred_events(&h).await;
    // 40 of 100 gone: more than 20, but not more than half.
    h.server
        .set_route("/team.ics", Route::ics(cal(&daily_events(40, 100))));
    h.clock.set(T0 + 600);
    let r = sync(&h, id).await;
    assert_eq!((r.outcome.as_str(), r.counts.removed), ("updated", 40));
}

#[tokio::test]
async fn a_body_without_end_vcalendar_keeps_the_last_good_data() {
    let h = harness().await;
    let id = hundred_events(&h).await;
    // Cut at an event boundary: the first 50 events, no END:VCALENDAR.
    let whole = cal(&daily_events(0, 100));
    let cut_at = whole.find("BEGIN:VEVENT\r\nUID:event-50@").unwrap();
    let cut = whole[..cut_at].to_string();
    // Exact Content-Length, and a chunked body that ends with a clean close.
    for route in [
        Route::ics(cut.clone()),
        Route::ics(cut.clone()).chunked_without_length(),
    ] {
        h.server.set_route("/team.ics", route);
        h.clock.set(h.engine.now() + 600);
        let r = sync(&h, id).await;
        assert_eq!(r.outcome, "failed");
        assert_eq!(r.error_code.as_deref(), Some("truncated_feed"));
        assert!(r.error.unwrap().contains("END:VCALENDAR"));
        assert_eq!(live_events(&h), 100, "nothing deleted");
    }
}

#[tokio::test]
async fn a_feed_that_never_writes_end_vcalendar_still_syncs() {
    let h = harness().await;
    let open = |n: usize| {
        let whole = cal(&daily_events(0, n));
        whole
            .trim_end()
            .trim_end_matches("END:VCALENDAR")
            .to_string()
    };
    h.server.set_route("/open.ics", Route::ics(open(30)));
    let id = h.add("/open.ics").await;
    let r = sync(&h, id).await;
    assert_eq!(r.outcome, "updated", "{:?}", r.error);
    // It did not end with END:VCALENDAR last time either: a habit, not a cut.
    h.server.set_route("/open.ics", Route::ics(open(25)));
    h.clock.set(T0 + 600);
    let r = sync(&h, id).await;
    assert_eq!(
        (r.outcome.as_str(), r.counts.removed),
        ("updated", 5),
        "{:?}",
        r.error
    );
}

// ---- 3. every feed URL is a secret -------------------------------------------------

#[tokio::test]
async fn every_feed_url_lives_in_the_secret_store_and_shows_short() {
    let h = harness().await;
    h.server.set_route(
        "/api/calendar/v1/url/Zm9v/calendar.ics",
        Route::ics(cal(&daily_events(0, 2))),
    );
    // Proton's shape: nothing a detector would call a secret by name.
    let url = format!(
        "{}?CacheKey=Q2FjaGVLZXk9&PassphraseKey=UGFzc3BocmFzZQ",
        h.server.url("/api/calendar/v1/url/Zm9v/calendar.ics")
    );
    let info = h
        .engine
        .add_ics(AddIcs {
            url: url.clone(),
            ..AddIcs::default()
        })
        .await
        .unwrap();
    assert_eq!(
        info.url,
        format!("http://{}/…/calendar.ics?…", h.server.addr())
    );
    assert!(info.secret_in.is_some());
    assert_eq!(sync(&h, info.id).await.outcome, "updated");
    for secret in ["Q2FjaGVLZXk9", "UGFzc3BocmFzZQ", "Zm9v"] {
        for f in std::fs::read_dir(h.dir.path()).unwrap() {
            let bytes = std::fs::read(f.unwrap().path()).unwrap();
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} is in the data dir"
            );
        }
    }
    // Shown in full only when asked.
    assert_eq!(h.engine.reveal_source_url(info.id).await.unwrap(), url);
}

#[tokio::test]
async fn a_plain_url_stored_by_an_earlier_build_moves_to_the_secret_store() {
    let h = harness().await;
    h.server
        .set_route("/teamup.ics", Route::ics(cal(&daily_events(0, 2))));
    let url = format!("{}?key=ksg6x7r2pz9k4", h.server.url("/teamup.ics"));
    // What an earlier build wrote: the URL in plain text, a detailed shown form.
    {
        let mut m = h.mirror();
        let id = m
            .add_source(&traycal_store::NewSource {
                kind: traycal_store::SourceKind::Ics,
                name: "Old".into(),
                url_display: url.clone(),
                url: Some(url.clone()),
                secret_ref: None,
                interval_secs: 300,
                max_bytes: 1 << 20,
                filters_json: "{}".into(),
                enabled: true,
                color: None,
                created_at: T0,
            })
            .unwrap();
        assert_eq!(id, SourceId(1));
    }
    // A new engine on the same data dir shows the short form at once.
    let reopened = h.engine_at(h.dir.path());
    let listed = reopened.sources().await.unwrap();
    assert_eq!(
        listed[0].url,
        format!("http://{}/teamup.ics?…", h.server.addr())
    );
    // Its first sync moves the URL into the secret store.
    assert_eq!(reopened.sync_source(1).await.unwrap().outcome, "updated");
    let row = h.mirror().source(SourceId(1)).unwrap().unwrap();
    assert_eq!(row.url, None);
    assert!(row.secret_ref.is_some());
    assert_eq!(h.secrets.len(), 1);
    assert_eq!(reopened.reveal_source_url(1).await.unwrap(), url);
    // The shown form: scheme, host, short path.
    assert!(!row.url_display.contains("ksg6x7r2pz9k4"));
}

#[tokio::test]
async fn the_data_dir_and_its_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let h = harness().await;
    // A data dir the engine creates (the harness's own exists already).
    let data = h.dir.path().join("new/traycal");
    let engine = h.engine_at(&data);
    h.server
        .set_route("/team.ics", Route::ics(cal(&daily_events(0, 5))));
    let info = engine
        .add_ics(AddIcs {
            url: h.server.url("/team.ics"),
            ..AddIcs::default()
        })
        .await
        .unwrap();
    assert_eq!(
        engine.sync_source(info.id).await.unwrap().outcome,
        "updated"
    );
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "data dir");
    let mut files = 0;
    for f in std::fs::read_dir(&data).unwrap() {
        let p = f.unwrap().path();
        assert_eq!(mode(&p) & 0o077, 0, "{} is {:o}", p.display(), mode(&p));
        files += 1;
    }
    assert!(files >= 3, "mirror, its WAL and the sync lock: {files}");
}

// ---- 4. two processes at once ------------------------------------------------------

#[tokio::test]
async fn a_sync_waits_for_another_process_sync_instead_of_failing() {
    let h = harness().await;
    h.server
        .set_route("/team.ics", Route::ics(cal(&daily_events(0, 10))));
    let id = h.add("/team.ics").await;
    // Another process is syncing (it holds the data dir's sync lock) for 1.5 s.
    let dir = h.dir.path().to_path_buf();
    let other = std::thread::spawn(move || {
        let lock = traycal_engine::sync_lock::SyncLock::acquire(&dir, Duration::ZERO).unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        drop(lock);
    });
    std::thread::sleep(Duration::from_millis(100));
    let started = std::time::Instant::now();
    let r = sync(&h, id).await;
    assert_eq!(r.outcome, "updated", "{:?}", r.error);
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "it waited"
    );
    other.join().unwrap();
}

#[tokio::test]
async fn a_long_write_of_another_process_is_waited_out_not_recorded() {
    let h = harness().await;
    h.server
        .set_route("/team.ics", Route::ics(cal(&daily_events(0, 10))));
    let id = h.add("/team.ics").await;
    // Another process holds the database's write lock for 6 s (longer than the
    // 5 s busy timeout earlier builds had).
    let path = h.dir.path().join("mirror.sqlite3");
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let writer = std::thread::spawn(move || {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch("BEGIN IMMEDIATE").unwrap();
        ready_tx.send(()).unwrap();
        std::thread::sleep(Duration::from_secs(6));
        c.execute_batch("COMMIT").unwrap();
    });
    ready_rx.recv().unwrap();
    let r = sync(&h, id).await;
    assert_eq!(r.outcome, "updated", "{:?}", r.error);
    writer.join().unwrap();
    let status = h.engine.status(Some(id)).await.unwrap();
    assert_eq!(status[0].last_error, None);
}

#[tokio::test]
async fn a_source_removed_by_another_process_mid_sync_is_not_a_feed_error() {
    let h = harness().await;
    h.server.set_route(
        "/slow.ics",
        Route::ics(cal(&daily_events(0, 10))).delay(Duration::from_millis(800)),
    );
    let id = h.add("/slow.ics").await;
    let path = h.dir.path().join("mirror.sqlite3");
    let remover = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        let mut m = traycal_store::Mirror::open(&path).unwrap();
        assert!(m.remove_source(SourceId(id)).unwrap());
    });
    let result = h.engine.sync_source(id).await;
    remover.join().unwrap();
    match result {
        Err(e @ (EngineError::NoSuchSource(_) | EngineError::Store(_))) => {
            assert!(
                e.is_local_contention() || matches!(e, EngineError::NoSuchSource(_)),
                "{e}"
            );
        }
        other => panic!("expected the source to be gone, got {other:?}"),
    }
    // Nothing half-written: no orphan occurrences.
    assert_eq!(h.mirror().orphan_occurrences().unwrap(), 0);
}

#[tokio::test]
async fn events_another_process_deletes_during_a_fetch_are_planned_from_the_mirror_as_it_is() {
    let h = harness().await;
    let id = hundred_events(&h).await;
    // Another process deletes ten stored events while this sync fetches.
    h.server.set_route(
        "/team.ics",
        Route::ics(cal(&daily_events(0, 95))).delay(Duration::from_millis(600)),
    );
    h.clock.set(T0 + 600);
    let path = h.dir.path().join("mirror.sqlite3");
    let other = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "DELETE FROM occurrences WHERE event_id IN (SELECT id FROM events WHERE uid LIKE 'event-9_@test'); \
             DELETE FROM events WHERE uid LIKE 'event-9_@test';",
        )
        .unwrap();
    });
    let r = sync(&h, id).await;
    other.join().unwrap();
    assert_eq!(r.outcome, "updated", "{:?}", r.error);
    assert_eq!(live_events(&h), 95);
    assert_eq!(h.engine.status(Some(id)).await.unwrap()[0].last_error, None);
}

// ---- 5 and 6. UTF-16 feeds, local files ------------------------------------------

#[tokio::test]
async fn a_utf16_feed_syncs() {
    let h = harness().await;
    let text = cal(&daily_events(0, 3));
    for (path, le) in [("/le.ics", true), ("/be.ics", false)] {
        let mut bytes: Vec<u8> = if le {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for u in text.encode_utf16() {
            bytes.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        h.server
            .set_route(path, Route::body(bytes, "text/calendar; charset=utf-16"));
        let id = h.add(path).await;
        let r = sync(&h, id).await;
        assert_eq!(
            (r.outcome.as_str(), r.counts.added),
            ("updated", 3),
            "{path}: {:?}",
            r.error
        );
    }
}

#[tokio::test]
async fn local_devices_and_pipes_are_refused() {
    let h = harness().await;
    // Adding a device is refused at once.
    let err = h
        .engine
        .add_ics(AddIcs {
            url: "file:///dev/zero".into(),
            ..AddIcs::default()
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a calendar file"), "{err}");
    // So is a file that does not exist (a typo, not a subscription).
    let err = h
        .engine
        .add_ics(AddIcs {
            url: h.dir.path().join("nope.ics").display().to_string(),
            ..AddIcs::default()
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    // A subscribed file that later turns into a FIFO neither hangs nor is read.
    let path = h.dir.path().join("rota.ics");
    std::fs::write(&path, cal(&daily_events(0, 2))).unwrap();
    let info = h
        .engine
        .add_ics(AddIcs {
            url: path.display().to_string(),
            ..AddIcs::default()
        })
        .await
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .unwrap()
        .success());
    let r = tokio::time::timeout(Duration::from_secs(10), h.engine.sync_source(info.id))
        .await
        .expect("a FIFO must not hang the sync")
        .unwrap();
    assert_eq!(r.error_code.as_deref(), Some("file_unreadable"));
    assert!(r.error.unwrap().contains("not a regular file"));
}
