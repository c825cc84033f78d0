#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Occurrences expanded anew from the mirror alone when the materialised window
//! moves (days pass, or the agenda looks further ahead): offline, with zones only the
//! feed defined, without downloading an unchanged feed again, and for accounts too.

use traycal_providers::MemoryProvider;
use traycal_store::{SourceId, SyncStateRow};
use traycal_system_tests::harness::{cal, ev, harness, two_way_harness, Harness, T0};
use traycal_system_tests::Route;

const DAY: i64 = 86_400;

/// A rota that needs its own zones: a weekly shift at 09:00 in a zone only the feed
/// defines (+03:00), and a weekly floating briefing at 10:00 in the calendar's
/// `X-WR-TIMEZONE` (Asia/Kolkata, +05:30). Both endless.
fn rota() -> String {
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nX-WR-TIMEZONE:Asia/Kolkata\r\n\
     BEGIN:VTIMEZONE\r\nTZID:Rota/Harbour\r\nBEGIN:STANDARD\r\n\
     DTSTART:19700101T000000\r\nTZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\n\
     END:STANDARD\r\nEND:VTIMEZONE\r\n\
     BEGIN:VEVENT\r\nUID:shift@rota\r\nDTSTAMP:20260301T000000Z\r\n\
     DTSTART;TZID=Rota/Harbour:20260303T090000\r\nDTEND;TZID=Rota/Harbour:20260303T170000\r\n\
     RRULE:FREQ=WEEKLY\r\nSUMMARY:Shift\r\nEND:VEVENT\r\n\
     BEGIN:VEVENT\r\nUID:briefing@rota\r\nDTSTAMP:20260301T000000Z\r\n\
     DTSTART:20260304T100000\r\nDTEND:20260304T103000\r\n\
     RRULE:FREQ=WEEKLY\r\nSUMMARY:Briefing\r\nEND:VEVENT\r\n\
     END:VCALENDAR\r\n"
        .to_string()
}

/// The (summary, UTC time of day) of each occurrence starting in `[from, to)`.
async fn times_of_day(h: &Harness, from: i64, to: i64) -> Vec<(String, i64)> {
    let a = h.engine.agenda(from, to).await.unwrap();
    a.entries
        .into_iter()
        .filter(|e| e.start_utc >= from)
        .map(|e| (e.summary, e.start_utc.rem_euclid(DAY)))
        .collect()
}

fn state(h: &Harness, id: i64) -> SyncStateRow {
    h.mirror().sync_state(SourceId(id)).unwrap()
}

fn log_rows(h: &Harness, id: i64) -> usize {
    h.mirror().sync_log(Some(SourceId(id)), 1000).unwrap().len()
}

const SHIFT: i64 = 6 * 3600; // 09:00 at +03:00
const BRIEFING: i64 = 4 * 3600 + 1800; // 10:00 at +05:30

#[tokio::test]
async fn an_agenda_past_the_window_is_expanded_from_the_mirror_offline() {
    let h = harness().await;
    h.server
        .set_route("/rota.ics", Route::ics(rota()).with_etag("\"r1\""));
    let id = h.add("/rota.ics").await;
    let r = h.engine.sync_source(id).await.unwrap();
    assert_eq!(r.counts.added, 2, "{r:?}");
    let before = state(&h, id);
    let logged = log_rows(&h, id);

    // The feed is gone (offline, or the server down); the user looks 600 days ahead,
    // far past the materialised year.
    h.server.set_route("/rota.ics", Route::ics("").status(503));
    h.server.clear_requests();
    let from = T0 + 600 * DAY;
    let mut seen = times_of_day(&h, from, from + 7 * DAY).await;
    seen.sort();
    assert_eq!(
        seen,
        [
            ("Briefing".to_string(), BRIEFING),
            ("Shift".to_string(), SHIFT)
        ],
        "both series, in the zones only the feed defined"
    );
    assert!(
        h.server.requests().is_empty(),
        "nothing was downloaded: {:?}",
        h.server.requests()
    );

    // Not a sync: the source's validators, times and log are as they were.
    let after = state(&h, id);
    assert_eq!(after.etag, before.etag);
    assert_eq!(after.content_hash, before.content_hash);
    assert_eq!(after.last_success_at, before.last_success_at);
    assert_eq!(after.next_due_at, before.next_due_at);
    assert!(after.window_to.unwrap() >= from + 7 * DAY);
    assert_eq!(log_rows(&h, id), logged, "no log row");
    assert_eq!(h.mirror().orphan_occurrences().unwrap(), 0);
}

#[tokio::test]
async fn days_later_an_unchanged_feed_is_asked_conditionally_and_its_window_moves() {
    let h = harness().await;
    h.server
        .set_route("/rota.ics", Route::ics(rota()).with_etag("\"r1\""));
    let id = h.add("/rota.ics").await;
    h.engine.sync_source(id).await.unwrap();

    // Ten days on: the window's end moved ten days past what was expanded.
    let now = T0 + 10 * DAY;
    h.clock.set(now);
    h.server.clear_requests();
    let r = h.engine.sync_source(id).await.unwrap();
    assert_eq!(r.outcome, "not_modified", "{r:?}");
    let reqs = h.server.requests_for("/rota.ics");
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        reqs[0].header("if-none-match"),
        Some("\"r1\""),
        "the window moving is no reason to download the feed again"
    );
    let end = now + 365 * DAY;
    let mut seen = times_of_day(&h, end - 7 * DAY, end).await;
    seen.sort();
    assert_eq!(
        seen,
        [
            ("Briefing".to_string(), BRIEFING),
            ("Shift".to_string(), SHIFT)
        ],
        "the last week of the moved window is there"
    );
    assert_eq!(
        h.server.requests_for("/rota.ics").len(),
        1,
        "and no more fetches"
    );
    // Each stored text hashed as it did: no event row was rewritten, only occurrences.
    let db = rusqlite::Connection::open(h.dir.path().join("mirror.sqlite3")).unwrap();
    let last_write: i64 = db
        .query_row("SELECT max(updated_at) FROM events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(last_write, T0);
}

#[tokio::test]
async fn the_window_moves_while_the_feed_cannot_be_reached() {
    let h = harness().await;
    h.server.set_route("/rota.ics", Route::ics(rota()));
    let id = h.add("/rota.ics").await;
    h.engine.sync_source(id).await.unwrap();

    let now = T0 + 20 * DAY;
    h.clock.set(now);
    h.server.set_route("/rota.ics", Route::ics("").status(503));
    let r = h.engine.sync_source(id).await.unwrap();
    assert_eq!(r.outcome, "failed", "{r:?}");
    let end = now + 365 * DAY;
    let seen = times_of_day(&h, end - 7 * DAY, end).await;
    assert_eq!(seen.len(), 2, "{seen:?}");
    // The failure is recorded as before; the events are all still there.
    let st = state(&h, id);
    assert_eq!(st.consecutive_failures, 1);
    assert_eq!(st.event_count, 2);
}

#[tokio::test]
async fn an_accounts_series_is_expanded_anew_when_its_window_moves() {
    const CAL: &str = "/dav/home/";
    let (h, server, calendar): (Harness, MemoryProvider, _) = two_way_harness(CAL).await;
    let source = h.source_of(calendar).await;
    h.engine.connect_account(source, server.clone());
    let weekly = cal(&[ev(
        "weekly@x",
        "20260303T090000Z",
        "20260303T093000Z",
        "Weekly",
        "RRULE:FREQ=WEEKLY\r\n",
    )]);
    server.put_behind_engine(CAL, "w.ics", &weekly).unwrap();
    let r = h.engine.sync_source(source).await.unwrap();
    assert_eq!(r.counts.added, 1, "{r:?}");

    // Thirty days on, with nothing changed on the server.
    let now = T0 + 30 * DAY;
    h.clock.set(now);
    h.engine.sync_source(source).await.unwrap();
    let end = now + 365 * DAY;
    let seen = times_of_day(&h, end - 7 * DAY, end).await;
    assert_eq!(
        seen,
        [("Weekly".to_string(), 9 * 3600)],
        "the moved window's last week"
    );

    // And further ahead than the window, from the mirror (the server unreachable).
    h.engine.disconnect_account(source);
    let far = now + 500 * DAY;
    let seen = times_of_day(&h, far, far + 7 * DAY).await;
    assert_eq!(seen, [("Weekly".to_string(), 9 * 3600)]);
}
