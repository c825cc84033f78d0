#![allow(clippy::unwrap_used, clippy::expect_used)]
//! ICS subscriptions end to end: the engine syncing from a real HTTP server on
//! 127.0.0.1 into a real SQLite mirror in a temp dir, with a test-controlled clock.

use std::sync::atomic::Ordering;
use std::time::Duration;

use traycal_engine::sources::AddIcs;
use traycal_providers::MemorySecretStore;
use traycal_store::SourceId;
use traycal_system_tests::harness::{cal, ev, harness, Harness, T0};
use traycal_system_tests::Route;

/// The fixture team calendar (fixtures/feeds/team.ics): a weekly standup with an
/// override and an EXDATE, a one-off meeting, an all-day event and a past event.
fn team_feed() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/feeds/team.ics"
    ))
    .unwrap()
}

const WEEK: i64 = 7 * 86_400;

#[tokio::test]
async fn first_sync_stores_events_and_occurrences() {
    let h = harness().await;
    h.server.set_route("/team.ics", Route::ics(team_feed()));
    let id = h.add("/team.ics").await;
    let r = h.engine.sync_source(id).await.unwrap();
    assert_eq!(r.outcome, "updated", "{r:?}");
    assert_eq!(r.counts.added, 5, "{r:?}");
    assert_eq!(r.events, 5);
    // Standup Mon–Fri 09:00 Berlin (08:00Z in March), Tuesday moved to 10:00, Wednesday
    // excluded; plus the design review and the all-day offsite.
    let s = h.summaries(T0, T0 + 5 * 86_400).await;
    let standups = s.iter().filter(|x| x.starts_with("Standup")).count();
    assert_eq!(standups, 4, "{s:?}");
    assert!(s.contains(&"Standup (moved)".to_string()), "{s:?}");
    assert!(s.contains(&"Design review".to_string()));
    assert!(s.contains(&"Team offsite".to_string()));
    let a = h.engine.agenda(T0, T0 + 86_400).await.unwrap();
    let first = &a.entries[0];
    assert_eq!(first.summary, "Standup");
    assert_eq!(first.start_utc, T0, "09:00 Berlin is 08:00Z in March (CET)");
    let st = h.engine.status(Some(id)).await.unwrap();
    assert_eq!(st[0].events, 5);
    assert!(st[0].last_error.is_none());
}

#[tokio::test]
async fn not_modified_path_parses_nothing() {
    let h = harness().await;
    h.server.set_route(
        "/team.ics",
        Route::ics(team_feed())
            .with_etag("\"v1\"")
            .with_last_modified("Mon, 02 Mar 2026 07:00:00 GMT"),
    );
    let id = h.add("/team.ics").await;
    h.engine.sync_source(id).await.unwrap();
    let before = h
        .mirror()
        .event_by_key(
            h.mirror().calendar_of(SourceId(id)).unwrap(),
            "standup-1@traycal.test",
            "",
        )
        .unwrap()
        .unwrap();
    h.clock.0.fetch_add(600, Ordering::SeqCst);
    let files = h.mirror_files();
    let r = h.engine.sync_source(id).await.unwrap();
    assert_eq!(r.outcome, "not_modified");
    assert!(
        h.mirror_files() == files,
        "a 304 writes nothing to the mirror"
    );
    let reqs = h.server.requests_for("/team.ics");
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].header("if-none-match"), Some("\"v1\""));
    assert_eq!(
        reqs[1].header("if-modified-since"),
        Some("Mon, 02 Mar 2026 07:00:00 GMT")
    );
    let after = h
        .mirror()
        .event_by_key(
            h.mirror().calendar_of(SourceId(id)).unwrap(),
            "standup-1@traycal.test",
            "",
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        before.updated_at, after.updated_at,
        "no event row was rewritten"
    );
    // The log records changes and failures; the quiet check shows in the status.
    let log = h.engine.log(Some(id), 10).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].outcome, "updated");
    let st = &h.engine.status(Some(id)).await.unwrap()[0];
    let checked = traycal_engine::agenda::local_time(T0 + 600);
    assert_eq!(st.last_sync.as_deref(), Some(checked.as_str()));
    assert!(st.next_sync.as_deref() > Some(checked.as_str()));
    // the scheduler counts the quiet check: not due again before the interval
    assert!(h.engine.sync_due().await.unwrap().is_empty());
}

#[tokio::test]
async fn unchanged_body_without_validators_is_not_reparsed() {
    let h = harness().await;
    h.server.set_route("/team.ics", Route::ics(team_feed()));
    let id = h.add("/team.ics").await;
    h.engine.sync_source(id).await.unwrap();
    h.clock.0.fetch_add(600, Ordering::SeqCst);
    let files = h.mirror_files();
    let r = h.engine.sync_source(id).await.unwrap();
    assert_eq!(r.outcome, "unchanged", "{r:?}");
    assert_eq!(r.events, 5);
    assert!(h.mirror_files() == files, "the same body writes nothing");
}

#[tokio::test]
async fn changed_feed_updates_in_place() {
    let h = harness().await;
    let v1 = cal(&[
        ev(
            "a@t",
            "20260302T100000Z",
            "20260302T110000Z",
            "Planning",
            "",
        ),
        ev("b@t", "20260303T100000Z", "20260303T110000Z", "Retro", ""),
    ]);
    h.server.set_route("/c.ics", Route::ics(v1));
    let id = h.add("/c.ics").await;
    h.engine.sync_source(id).await.unwrap();
    let cal_id = h.mirror().calendar_of(SourceId(id)).unwrap();
    let row_a = h.mirror().event_by_key(cal_id, "a@t", "").unwrap().unwrap();
    let v2 = cal(&[
        ev(
            "a@t",
            "20260302T120000Z",
            "20260302T130000Z",
            "Planning (new time)",
            "SEQUENCE:1\r\n",
        ),
        ev("b@t", "20260303T100000Z", "20260303T110000Z", "Retro", ""),
    ]);
    h.server.set_route("/c.ics", Route::ics(v2));
    let r = h.engine.sync_source(id).await.unwrap();
    assert_eq!(
        (r.counts.added, r.counts.updated, r.counts.removed),
        (0, 1, 0),
        "{r:?}"
    );
    let row_a2 = h.mirror().event_by_key(cal_id, "a@t", "").unwrap().unwrap();
    assert_eq!(row_a.id, row_a2.id, "updated in place, same row");
    assert_eq!(row_a2.summary.as_deref(), Some("Planning (new time)"));
    let a = h.engine.agenda(T0, T0 + 86_400).await.unwrap();
    assert_eq!(a.entries.len(), 1);
    assert_eq!(a.entries[0].start_utc, T0 + 4 * 3600);
}

#[tokio::test]
async fn removed_future_events_vanish_and_past_ones_stay_as_history() {
    let h = harness().await;
    let v1 = cal(&[
        ev(
            "past@t",
            "20260225T100000Z",
            "20260225T110000Z",
            "Last week",
            "",
        ),
        ev(
            "future@t",
            "20260305T100000Z",
            "20260305T110000Z",
            "Thursday",
            "",
        ),
        ev(
            "keep@t",
            "20260304T100000Z",
            "20260304T110000Z",
            "Wednesday",
            "",
        ),
    ]);
    h.server.set_route("/c.ics", Route::ics(v1));
    let id = h.add("/c.ics").await;
    h.engine.sync_source(id).await.unwrap();
    // The feed drops both the past and the future event.
    let v2 = cal(&[ev(
        "keep@t",
        "20260304T100000Z",
        "20260304T110000Z",
        "Wednesday",
        "",
    )]);
    h.server.set_route("/c.ics", Route::ics(v2));
    let r = h.engine.sync_source(id).await.unwrap();
    assert_eq!(
        (r.counts.removed, r.counts.kept_as_history),
        (1, 1),
        "{r:?}"
    );
    let past = h.summaries(T0 - WEEK, T0).await;
    assert_eq!(past, ["Last week"], "past event kept as history");
    let future = h.summaries(T0, T0 + WEEK).await;
    assert_eq!(future, ["Wednesday"], "future event removed");
    let log = h.engine.log(Some(id), 1).await.unwrap();
    assert_eq!(
        (log[0].counts.removed, log[0].counts.kept_as_history),
        (1, 1)
    );
    // occurrences carry no foreign key: every delete path removes them itself
    assert_eq!(h.mirror().orphan_occurrences().unwrap(), 0);
}

#[tokio::test]
async fn uid_regenerating_feed_does_not_duplicate() {
    let h = harness().await;
    let feed = |n: u32| {
        cal(&[
            ev(
                &format!("gen-{n}-1"),
                "20260303T100000Z",
                "20260303T110000Z",
                "Rota early",
                "",
            ),
            ev(
                &format!("gen-{n}-2"),
                "20260303T140000Z",
                "20260303T150000Z",
                "Rota late",
                "",
            ),
        ])
    };
    h.server.set_route("/rota.ics", Route::ics(feed(1)));
    let id = h.add("/rota.ics").await;
    h.engine.sync_source(id).await.unwrap();
    for n in 2..5 {
        h.server.set_route("/rota.ics", Route::ics(feed(n)));
        let r = h.engine.sync_source(id).await.unwrap();
        assert_eq!(r.events, 2, "round {n}: {r:?}");
        assert_eq!(r.counts.added, 0, "round {n}: renamed, not added: {r:?}");
    }
    assert_eq!(
        h.summaries(T0, T0 + WEEK).await,
        ["Rota early", "Rota late"]
    );
    assert_eq!(h.mirror().orphan_occurrences().unwrap(), 0);
}

/// A first sync writes its rows while recurrences are being expanded, with a guessed
/// series end; the stored series ends must be the expansion's.
#[tokio::test]
async fn first_sync_stores_the_series_end_the_expansion_found() {
    let h = harness().await;
    let feed = cal(&[
        ev(
            "three@t",
            "20260302T090000Z",
            "20260302T093000Z",
            "Three days",
            "RRULE:FREQ=DAILY;COUNT=3\r\n",
        ),
        ev(
            "open@t",
            "20260302T120000Z",
            "20260302T123000Z",
            "Every week",
            "RRULE:FREQ=WEEKLY\r\n",
        ),
        ev("once@t", "20260303T100000Z", "20260303T110000Z", "Once", ""),
    ]);
    h.server.set_route("/s.ics", Route::ics(feed));
    let id = h.add("/s.ics").await;
    let r = h.engine.sync_source(id).await.unwrap();
    assert_eq!(r.counts.added, 3, "{r:?}");
    let m = h.mirror();
    let cal_id = m.calendar_of(SourceId(id)).unwrap();
    let end = |uid: &str| {
        m.event_by_key(cal_id, uid, "")
            .unwrap()
            .unwrap()
            .series_end_utc
    };
    assert_eq!(
        end("three@t"),
        Some(T0 + 2 * 86_400 + 5_400),
        "third instance's end"
    );
    assert_eq!(end("open@t"), None, "open-ended");
    assert_eq!(end("once@t"), Some(T0 + 86_400 + 3 * 3_600));
    assert_eq!(
        h.summaries(T0, T0 + 3 * 86_400).await,
        [
            "Three days",
            "Every week",
            "Three days",
            "Once",
            "Three days"
        ]
    );
}

#[tokio::test]
async fn removing_a_source_removes_its_events_and_occurrences() {
    let h = harness().await;
    h.server.set_route("/team.ics", Route::ics(team_feed()));
    h.server.set_route("/other.ics", Route::ics(team_feed()));
    let a = h.add("/team.ics").await;
    let b = h.add("/other.ics").await;
    h.engine.sync_source(a).await.unwrap();
    h.engine.sync_source(b).await.unwrap();
    let both = h.summaries(T0, T0 + WEEK).await.len();
    h.engine.remove_source(a).await.unwrap();
    let left = h.summaries(T0, T0 + WEEK).await.len();
    assert!(left > 0 && left * 2 == both, "{left} of {both}");
    let m = h.mirror();
    assert_eq!(m.orphan_occurrences().unwrap(), 0);
    let total: i64 = rusqlite_count(&h, "SELECT count(*) FROM occurrences");
    let kept: i64 = rusqlite_count(
        &h,
        &format!(
            "SELECT count(*) FROM occurrences WHERE calendar_id = {}",
            m.calendar_of(SourceId(b)).unwrap().0
        ),
    );
    assert_eq!(
        total, kept,
        "only the remaining source's occurrences are left"
    );
}

fn rusqlite_count(h: &Harness, sql: &str) -> i64 {
    let c = rusqlite::Connection::open(h.dir.path().join("mirror.sqlite3")).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[tokio::test]
async fn failures_and_garbage_keep_the_last_good_data() {
    let h = harness().await;
    h.server.set_route("/team.ics", Route::ics(team_feed()));
    let id = h.add("/team.ics").await;
    h.engine.sync_source(id).await.unwrap();
    let good = h.summaries(T0, T0 + WEEK).await;
    assert!(!good.is_empty());
    let full = team_feed();
    let cut = full[..full.find("SUMMARY:Design review").unwrap()].to_string();
    let cases: Vec<(&str, Route)> = vec![
        ("http_status", Route::ics("oops").status(500)),
        (
            "not_calendar",
            Route::html("<!DOCTYPE html><html><body>Please log in</body></html>"),
        ),
        (
            "not_calendar",
            Route::body("{\"error\": \"gone\"}", "application/json"),
        ),
        ("empty_feed", Route::ics("")),
        ("truncated_feed", Route::ics(cut)),
        (
            "not_calendar",
            Route::body(
                vec![0u8, 159, 146, 150, 0, 0, 1],
                "application/octet-stream",
            ),
        ),
    ];
    for (code, route) in cases {
        h.server.set_route("/team.ics", route);
        h.clock.0.fetch_add(60, Ordering::SeqCst);
        let r = h.engine.sync_source(id).await.unwrap();
        assert_eq!(r.outcome, "failed", "{code}: {r:?}");
        assert_eq!(r.error_code.as_deref(), Some(code), "{r:?}");
        // Plain words in `error`; the technical account names the source.
        assert!(!r.error.as_deref().unwrap().is_empty());
        assert!(
            r.error_detail
                .as_deref()
                .unwrap_or_default()
                .contains("Team")
                || code == "http_status",
            "the detail names the source: {r:?}"
        );
        assert_eq!(h.summaries(T0, T0 + WEEK).await, good, "{code}: data kept");
        let st = &h.engine.status(Some(id)).await.unwrap()[0];
        assert_eq!(st.last_error_code.as_deref(), Some(code));
        assert_eq!(st.events, 5);
    }
    let log = h.engine.log(Some(id), 10).await.unwrap();
    assert!(log.iter().take(6).all(|l| l.outcome == "failed"));
    // The feed recovers with the same body as before the failures: nothing to parse,
    // but the recovery is written (the error must not stay on show).
    h.server.set_route("/team.ics", Route::ics(team_feed()));
    h.clock.0.fetch_add(60, Ordering::SeqCst);
    let r = h.engine.sync_source(id).await.unwrap();
    assert_eq!(r.outcome, "unchanged", "{r:?}");
    let st = &h.engine.status(Some(id)).await.unwrap()[0];
    assert_eq!(
        (st.last_error.as_deref(), st.consecutive_failures),
        (None, 0)
    );
    let log = h.engine.log(Some(id), 1).await.unwrap();
    assert_eq!(log[0].outcome, "unchanged");
}

#[tokio::test]
async fn retry_after_and_backoff_schedule_the_next_attempt() {
    let h = harness().await;
    h.server
        .set_route("/c.ics", Route::ics("busy").status(503).retry_after("600"));
    let id = h.add("/c.ics").await;
    let r = h.engine.sync_source(id).await.unwrap();
    assert_eq!(r.outcome, "failed");
    assert!(
        r.next_due_at - T0 >= 600,
        "Retry-After honoured: {}",
        r.next_due_at - T0
    );
    h.server.set_route("/c.ics", Route::ics("down").status(500));
    let mut last = 0;
    for _ in 0..4 {
        let r = h.engine.sync_source(id).await.unwrap();
        let delay = r.next_due_at - T0;
        assert!(delay >= 60, "never below a minute");
        last = delay;
    }
    assert!(last >= 4 * 60, "back-off grows: {last}");
    assert!(h.engine.sync_due().await.unwrap().is_empty(), "not due yet");
}

#[tokio::test]
async fn size_cap_redirect_limit_and_timeout() {
    let h = harness().await;
    h.server.set_route("/big.ics", Route::ics(team_feed()));
    let id = h
        .add_with(AddIcs {
            url: h.server.url("/big.ics"),
            name: Some("Big".into()),
            max_bytes: Some(500),
            ..AddIcs::default()
        })
        .await;
    let r = h.engine.sync_source(id).await.unwrap();
    assert_eq!(r.error_code.as_deref(), Some("too_large"), "{r:?}");
    assert!(r.error.unwrap().contains("500"), "names the limit");

    for i in 0..6 {
        h.server
            .set_route(&format!("/r{i}"), Route::redirect(&format!("/r{}", i + 1)));
    }
    h.server.set_route("/r6", Route::ics(team_feed()));
    let far = h.add("/r0").await; // 6 redirects > limit 3
    let r = h.engine.sync_source(far).await.unwrap();
    assert_eq!(r.error_code.as_deref(), Some("too_many_redirects"), "{r:?}");
    let near = h.add("/r4").await; // 2 redirects
    assert_eq!(h.engine.sync_source(near).await.unwrap().outcome, "updated");

    h.server.set_route(
        "/slow.ics",
        Route::ics(team_feed()).delay(Duration::from_secs(5)),
    );
    let slow = h.add("/slow.ics").await;
    let r = h.engine.sync_source(slow).await.unwrap();
    assert_eq!(r.error_code.as_deref(), Some("timeout"), "{r:?}");
}

#[tokio::test]
async fn filters_keep_only_matching_series() {
    let h = harness().await;
    h.server.set_route("/team.ics", Route::ics(team_feed()));
    let id = h
        .add_with(AddIcs {
            url: h.server.url("/team.ics"),
            name: Some("Rooms".into()),
            include: vec!["location:/room\\s*4\\.2/".into()],
            ..AddIcs::default()
        })
        .await;
    h.engine.sync_source(id).await.unwrap();
    let s = h.summaries(T0, T0 + WEEK).await;
    assert!(!s.is_empty());
    assert!(s.iter().all(|x| x == "Design review"), "{s:?}");
    let bad = h
        .engine
        .add_ics(AddIcs {
            url: h.server.url("/team.ics"),
            include: vec!["summary:/([/".into()],
            ..AddIcs::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), "invalid_input");
    assert!(bad.to_string().contains("invalid regular expression"));
}

#[tokio::test]
async fn secret_urls_live_only_in_the_secret_store() {
    let h = harness().await;
    h.server.set_route("/private.ics", Route::ics(team_feed()));
    let token = "s3cr3tT0kenABCDEF0123456789";
    let url = format!("{}?token={token}", h.server.url("/private.ics"));
    let info = h
        .engine
        .add_ics(AddIcs {
            url: url.clone(),
            name: Some("Private".into()),
            ..AddIcs::default()
        })
        .await
        .unwrap();
    assert!(!info.url.contains(token), "{}", info.url);
    assert!(info.secret_in.is_some());
    let r = h.engine.sync_source(info.id).await.unwrap();
    assert_eq!(r.outcome, "updated");
    assert_eq!(
        h.server.requests_for("/private.ics")[0].target,
        format!("/private.ics?token={token}")
    );
    // Nowhere in the mirror files.
    for f in std::fs::read_dir(h.dir.path()).unwrap() {
        let bytes = std::fs::read(f.unwrap().path()).unwrap();
        assert!(!bytes.windows(token.len()).any(|w| w == token.as_bytes()));
    }
    // Errors show the masked form only.
    h.server
        .set_route("/private.ics", Route::ics("x").status(404));
    let r = h.engine.sync_source(info.id).await.unwrap();
    assert!(!r.error.unwrap().contains(token));
    // Removing the source removes the secret.
    let key_count = |s: &MemorySecretStore| s.len();
    assert_eq!(key_count(&h.secrets), 1);
    h.engine.remove_source(info.id).await.unwrap();
    assert_eq!(key_count(&h.secrets), 0);
}

#[tokio::test]
async fn the_next_meeting_carries_its_join_link() {
    let h = harness().await;
    let feed = cal(&[
        ev(
            "plain@t",
            "20260302T083000Z",
            "20260302T084500Z",
            "Coffee",
            "LOCATION:https://maps.google.com/?q=cafe\r\n",
        ),
        ev(
            "zoom@t",
            "20260302T090000Z",
            "20260302T093000Z",
            "Planning",
            "DESCRIPTION:Join: https://us02web.zoom.us/j/81234567890?pwd=abc123.\\nMeeting ID: 812 3456 7890\r\n",
        ),
    ]);
    h.server.set_route("/m.ics", Route::ics(feed));
    let id = h.add("/m.ics").await;
    h.engine.sync_source(id).await.unwrap();
    // 08:00: the next meeting is the coffee, whose map link is not a meeting link
    let next = h.engine.next_meeting().await.unwrap().unwrap();
    assert_eq!(next.entry.summary, "Coffee");
    assert!(next.join.is_none(), "{:?}", next.join);
    // 08:50: the Zoom meeting is next, with its link and meeting ID
    h.clock.0.fetch_add(50 * 60, Ordering::SeqCst);
    let next = h.engine.next_meeting().await.unwrap().unwrap();
    assert_eq!(next.entry.summary, "Planning");
    let join = next.join.expect("a Zoom link");
    assert_eq!(join.service_id, "zoom");
    assert_eq!(join.url, "https://us02web.zoom.us/j/81234567890?pwd=abc123");
    assert_eq!(
        join.meeting_id
            .as_deref()
            .map(|m| m.replace(' ', ""))
            .as_deref(),
        Some("81234567890")
    );
}

#[tokio::test]
async fn a_feeds_own_zones_are_kept_with_its_events_and_follow_the_feed() {
    let h = harness().await;
    let zone = "BEGIN:VTIMEZONE\r\nTZID:Rota/Harbour\r\nBEGIN:STANDARD\r\n\
                DTSTART:19700101T000000\r\nTZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\n\
                END:STANDARD\r\nEND:VTIMEZONE\r\n";
    let shift = "BEGIN:VEVENT\r\nUID:shift@rota\r\nDTSTAMP:20260301T000000Z\r\n\
                 DTSTART;TZID=Rota/Harbour:20260303T090000\r\n\
                 DTEND;TZID=Rota/Harbour:20260303T170000\r\nSUMMARY:Shift\r\nEND:VEVENT\r\n";
    let with_zone = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n{zone}{shift}END:VCALENDAR\r\n"
    );
    h.server.set_route("/rota.ics", Route::ics(with_zone));
    let id = h.add("/rota.ics").await;
    let r = h.engine.sync_source(id).await.unwrap();
    assert_eq!(r.counts.added, 1, "{r:?}");
    let calendar = h.mirror().calendar_of(SourceId(id)).unwrap();
    assert_eq!(
        h.mirror().calendar_timezones(calendar).unwrap(),
        [("Rota/Harbour".to_string(), zone.to_string())],
        "kept whole, as the feed wrote it"
    );

    // The feed stops defining it (its event now in UTC): the stored zone goes too.
    let utc = shift
        .replace(
            "DTSTART;TZID=Rota/Harbour:20260303T090000",
            "DTSTART:20260303T060000Z",
        )
        .replace(
            "DTEND;TZID=Rota/Harbour:20260303T170000",
            "DTEND:20260303T140000Z",
        );
    h.server.set_route("/rota.ics", Route::ics(cal(&[utc])));
    h.clock.set(T0 + 600);
    let r = h.engine.sync_source(id).await.unwrap();
    assert_eq!(r.outcome, "updated", "{r:?}");
    assert!(h.mirror().calendar_timezones(calendar).unwrap().is_empty());
}
