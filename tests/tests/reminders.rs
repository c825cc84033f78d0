#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Meeting reminders end to end below the shell: feeds served on 127.0.0.1, synced
//! into a real mirror, planned and claimed by the engine under a test-controlled
//! clock, across re-syncs, a moved meeting, snooze/dismiss, a late wake-up and a
//! restart on the same data directory.

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use traycal_engine::reminders::{DueReminder, ReminderPrefs, Snooze};
use traycal_engine::sources::AddIcs;
use traycal_engine::{Clock, Engine, EngineConfig};
use traycal_providers::{FeedClientConfig, MemorySecretStore, SecretStore};
use traycal_system_tests::{FeedServer, Route};

/// A clock the test moves.
struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        Utc.timestamp_opt(self.0.load(Ordering::SeqCst), 0).unwrap()
    }
}

/// 2026-03-02 (a Monday) 08:00 UTC.
const T0: i64 = 1_772_438_400;
const MIN: i64 = 60;

/// `T0` plus hours and minutes, i.e. the wall time 08:00 + h:m (UTC).
fn at(hour: i64, minute: i64) -> i64 {
    T0 + (hour - 8) * 3600 + minute * MIN
}

fn open_engine(dir: &Path, clock: Arc<TestClock>) -> Engine {
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::new());
    Engine::open(EngineConfig {
        data_dir: dir.to_path_buf(),
        secrets: Box::new(move || Ok(Arc::clone(&secrets))),
        clock,
        feed: FeedClientConfig {
            total_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(2),
            max_redirects: 3,
            ..FeedClientConfig::default()
        },
    })
    .unwrap()
}

fn ev(uid: &str, start: &str, end: &str, summary: &str, extra: &str) -> String {
    format!(
        "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\n\
         DTEND:{end}\r\nSUMMARY:{summary}\r\n{extra}END:VEVENT\r\n"
    )
}

fn cal(events: &[String]) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Traycal tests//EN\r\n{}END:VCALENDAR\r\n",
        events.concat()
    )
}

const ZOOM: &str = "https://zoom.us/j/5551234567";

/// The review meeting as a calendar copy writes it; `start`/`end` like `091000Z`.
fn review(uid: &str, start: &str, end: &str, summary: &str, extra: &str) -> String {
    ev(
        uid,
        &format!("20260302T{start}"),
        &format!("20260302T{end}"),
        summary,
        &format!(
            "ORGANIZER;CN=Boss:mailto:boss@example.com\r\nLOCATION:{ZOOM}\r\n\
             BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT30M\r\nDESCRIPTION:r\r\nEND:VALARM\r\n\
             {extra}"
        ),
    )
}

/// The team feed: a daily standup at 09:00, a review at `review_at` (overlapping
/// the standup at first), a declined, a free and a cancelled meeting at 09:00, an
/// all-day holiday, a "late sync" at 09:45 and a "missed" one at 10:00.
fn team(review_at: (&str, &str), review_summary: &str, extra: &str) -> String {
    cal(&[
        ev(
            "standup@t",
            "20260302T090000Z",
            "20260302T091500Z",
            "Standup",
            &format!("RRULE:FREQ=DAILY;COUNT=5\r\n{extra}"),
        ),
        review("review@t", review_at.0, review_at.1, review_summary, extra),
        ev(
            "declined@t",
            "20260302T090000Z",
            "20260302T093000Z",
            "Declined",
            "ATTENDEE;PARTSTAT=DECLINED:mailto:Me@Example.com\r\n",
        ),
        ev(
            "free@t",
            "20260302T090000Z",
            "20260302T093000Z",
            "Focus time",
            "TRANSP:TRANSPARENT\r\n",
        ),
        ev(
            "cancelled@t",
            "20260302T090000Z",
            "20260302T093000Z",
            "Cancelled",
            "STATUS:CANCELLED\r\n",
        ),
        "BEGIN:VEVENT\r\nUID:holiday@t\r\nDTSTAMP:20260101T000000Z\r\n\
         DTSTART;VALUE=DATE:20260302\r\nDTEND;VALUE=DATE:20260303\r\nSUMMARY:Holiday\r\n\
         END:VEVENT\r\n"
            .to_string(),
        ev(
            "late@t",
            "20260302T094500Z",
            "20260302T101500Z",
            "Late sync",
            "",
        ),
        ev(
            "missed@t",
            "20260302T100000Z",
            "20260302T101000Z",
            "Missed",
            "",
        ),
    ])
}

/// A second calendar holding the same review twice: once with the same UID, once as
/// another provider's copy (other UID, same organiser, start and link).
fn shared(review_at: (&str, &str)) -> String {
    cal(&[
        review("review@t", review_at.0, review_at.1, "Review", ""),
        review(
            "review-outlook@t",
            review_at.0,
            review_at.1,
            "Review (Outlook)",
            "",
        ),
    ])
}

/// Claims what is due now; what this call may show.
async fn claim(engine: &Engine) -> Vec<DueReminder> {
    engine.claim_due_reminders().await.unwrap().reminders
}

fn summaries(due: &[DueReminder]) -> Vec<&str> {
    due.iter().map(|d| d.summary.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_fire_once_across_resyncs_moves_and_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(TestClock(AtomicI64::new(T0)));
    let server = FeedServer::start().await;
    let first_review = ("091000Z", "100000Z");
    server.set_route("/team.ics", Route::ics(team(first_review, "Review", "")));
    server.set_route("/shared.ics", Route::ics(shared(first_review)));
    let engine = open_engine(dir.path(), clock.clone());
    let add = |path: &str, name: &str| AddIcs {
        url: server.url(path),
        name: Some(name.into()),
        ..AddIcs::default()
    };
    let team_src = engine.add_ics(add("/team.ics", "Team")).await.unwrap().id;
    let shared_src = engine
        .add_ics(add("/shared.ics", "Shared"))
        .await
        .unwrap()
        .id;
    for src in [team_src, shared_src] {
        assert_eq!(engine.sync_source(src).await.unwrap().outcome, "updated");
    }
    engine
        .set_my_addresses(vec![" me@example.com ".into(), String::new()])
        .await
        .unwrap();
    assert_eq!(engine.my_addresses().await.unwrap(), ["me@example.com"]);
    // mailto: and duplicates are folded; something that is not an address is refused
    // by position, and the stored list is kept.
    engine
        .set_my_addresses(vec![
            "mailto:me@example.com".into(),
            "ME@example.com".into(),
            "me.too@example.org".into(),
        ])
        .await
        .unwrap();
    assert_eq!(
        engine.my_addresses().await.unwrap(),
        ["me@example.com", "me.too@example.org"]
    );
    for bad in [
        "Jane Doe",
        "https://example.com/@me",
        "me@localhost",
        "a b@example.com",
    ] {
        let err = engine
            .set_my_addresses(vec!["me@example.com".into(), bad.into()])
            .await
            .unwrap_err();
        assert_eq!(err.code(), "invalid_input", "{bad}");
        assert!(err.to_string().contains("address 2"), "{err}");
    }
    assert_eq!(
        engine.my_addresses().await.unwrap(),
        ["me@example.com", "me.too@example.org"]
    );
    engine
        .set_my_addresses(vec!["me@example.com".into()])
        .await
        .unwrap();
    // The join shortcut: unset, turned off, set.
    assert_eq!(engine.join_shortcut_setting().await.unwrap(), None);
    engine
        .set_join_shortcut_setting(Some(String::new()))
        .await
        .unwrap();
    assert_eq!(
        engine.join_shortcut_setting().await.unwrap().as_deref(),
        Some("")
    );
    engine
        .set_join_shortcut_setting(Some("Ctrl+Alt+K".into()))
        .await
        .unwrap();
    assert_eq!(
        engine.join_shortcut_setting().await.unwrap().as_deref(),
        Some("Ctrl+Alt+K")
    );

    // Settings: every calendar listed with the defaults; leads are validated.
    let calendars = engine.reminder_settings().await.unwrap();
    assert_eq!(calendars.len(), 2);
    assert_eq!(calendars[0].source_id, team_src);
    assert_eq!(calendars[0].calendar_name, "Team");
    assert!(calendars
        .iter()
        .all(|c| c.prefs.lead_secs == 300 && !c.prefs.honour_valarms && !c.prefs.notify_declined));
    let team_cal = calendars[0].calendar_id;
    let defaults = calendars[0].prefs;
    let bad = ReminderPrefs {
        lead_secs: 120,
        ..defaults
    };
    let err = engine
        .set_reminder_settings(team_cal, bad)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");

    // 08:00: nothing due; the standup's reminder is next (09:00 − 5 min).
    let plan = engine.plan_reminders().await.unwrap();
    assert!(plan.due.is_empty(), "{:?}", summaries(&plan.due));
    assert_eq!(plan.next_at, Some(at(8, 55)));
    assert_eq!(plan.wake_at, at(8, 55));

    // Honouring the review's own alarm (−30 min) makes it the next reminder.
    let honour = ReminderPrefs {
        honour_valarms: true,
        ..defaults
    };
    engine
        .set_reminder_settings(team_cal, honour)
        .await
        .unwrap();
    assert_eq!(
        engine.plan_reminders().await.unwrap().next_at,
        Some(at(8, 40))
    );
    engine
        .set_reminder_settings(team_cal, defaults)
        .await
        .unwrap();

    // 08:55: only the standup — not the declined, free, cancelled or all-day events.
    clock.0.store(at(8, 55), Ordering::SeqCst);
    let plan = engine.plan_reminders().await.unwrap();
    assert_eq!(summaries(&plan.due), ["Standup"]);
    let standup = plan.due[0].clone();
    assert_eq!(standup.lead_secs, 300);
    assert_eq!(standup.calendar_id, team_cal);
    assert_eq!(standup.recurrence_id, "2026-03-02T09:00:00Z");
    assert_eq!(standup.started_minutes_ago, None);
    assert_eq!(
        plan.next_at,
        Some(at(9, 5)),
        "the review, 5 min before 09:10"
    );
    let claimed = engine
        .claim_reminders(vec![standup.key.clone(), "1:2:3:0123456789abcdef".into()])
        .await
        .unwrap();
    assert_eq!(claimed, std::slice::from_ref(&standup.key));
    assert!(engine
        .claim_reminders(vec![standup.key.clone()])
        .await
        .unwrap()
        .is_empty());
    assert!(engine.plan_reminders().await.unwrap().due.is_empty());

    // 09:05: the review, once, although three copies exist in two calendars.
    clock.0.store(at(9, 5), Ordering::SeqCst);
    let got = engine.claim_due_reminders().await.unwrap();
    assert_eq!(summaries(&got.reminders), ["Review"]);
    let first = got.reminders[0].clone();
    assert_eq!(first.calendar_id, team_cal, "the lowest calendar's copy");
    assert_eq!(first.join_url.as_deref(), Some(ZOOM));
    assert_eq!(first.join_service.as_deref(), Some("Zoom"));
    assert_eq!(first.start_utc, at(9, 10));
    assert_eq!(got.wake_at, at(9, 40), "next: the late sync at 09:45");
    assert!(claim(&engine).await.is_empty());

    // A re-sync with bumped LAST-MODIFIED and SEQUENCE and a new title: nothing new.
    let bumped = "LAST-MODIFIED:20260302T090400Z\r\nSEQUENCE:3\r\n";
    server.set_route(
        "/team.ics",
        Route::ics(team(first_review, "Review (agenda attached)", bumped)),
    );
    assert_eq!(
        engine.sync_source(team_src).await.unwrap().outcome,
        "updated"
    );
    let plan = engine.plan_reminders().await.unwrap();
    assert!(plan.due.is_empty(), "{:?}", summaries(&plan.due));

    // The review moves to 09:30 in both calendars: reminded afresh, at 09:25.
    let moved = ("093000Z", "100000Z");
    server.set_route("/team.ics", Route::ics(team(moved, "Review", bumped)));
    server.set_route("/shared.ics", Route::ics(shared(moved)));
    for src in [team_src, shared_src] {
        assert_eq!(engine.sync_source(src).await.unwrap().outcome, "updated");
    }
    let plan = engine.plan_reminders().await.unwrap();
    assert!(plan.due.is_empty());
    assert_eq!(plan.next_at, Some(at(9, 25)));
    clock.0.store(at(9, 25), Ordering::SeqCst);
    let got = engine.claim_due_reminders().await.unwrap();
    assert_eq!(summaries(&got.reminders), ["Review"]);
    let moved_review = got.reminders[0].clone();
    assert_ne!(moved_review.key, first.key);
    assert_eq!(moved_review.start_utc, at(9, 30));
    drop(engine);

    // Restart on the same data directory: nothing fires twice.
    clock.0.store(at(9, 26), Ordering::SeqCst);
    let engine = open_engine(dir.path(), clock.clone());
    let plan = engine.plan_reminders().await.unwrap();
    assert!(plan.due.is_empty(), "{:?}", summaries(&plan.due));
    assert!(claim(&engine).await.is_empty());

    // Snooze for a minute: due once more at 09:27, marked as snoozed.
    let until = engine
        .snooze_reminder(&moved_review.key, Snooze::Minutes(1))
        .await
        .unwrap();
    assert_eq!(until, at(9, 27));
    assert_eq!(
        engine.plan_reminders().await.unwrap().next_at,
        Some(at(9, 27))
    );
    clock.0.store(at(9, 27), Ordering::SeqCst);
    let got = engine.claim_due_reminders().await.unwrap();
    assert_eq!(summaries(&got.reminders), ["Review"]);
    assert!(got.reminders[0].snoozed);
    assert_eq!(got.reminders[0].key, moved_review.key);
    assert!(claim(&engine).await.is_empty());

    // Snooze until the start, then dismiss: it never comes back.
    let until = engine
        .snooze_reminder(&moved_review.key, Snooze::UntilStart)
        .await
        .unwrap();
    assert_eq!(until, at(9, 30));
    engine.dismiss_reminder(&moved_review.key).await.unwrap();
    clock.0.store(at(9, 30), Ordering::SeqCst);
    assert!(engine.plan_reminders().await.unwrap().due.is_empty());
    let err = engine
        .snooze_reminder(&moved_review.key, Snooze::UntilStart)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input", "the meeting has started");
    let err = engine
        .snooze_reminder("not a key", Snooze::Minutes(5))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");

    // Asleep from 09:30 to 09:52: the late sync (09:45) is shown as started 7 min ago.
    clock.0.store(at(9, 52), Ordering::SeqCst);
    let got = claim(&engine).await;
    assert_eq!(summaries(&got), ["Late sync"]);
    assert_eq!(got[0].started_minutes_ago, Some(7));

    // Asleep until 10:20: "Missed" (10:00–10:10) ended; it is dropped, not shown.
    clock.0.store(at(10, 20), Ordering::SeqCst);
    let plan = engine.plan_reminders().await.unwrap();
    assert!(plan.due.is_empty(), "{:?}", summaries(&plan.due));
    // Tomorrow's standup is the next reminder.
    assert_eq!(plan.next_at, Some(at(8, 55) + 86_400));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_engines_on_one_data_dir_claim_each_reminder_once() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(TestClock(AtomicI64::new(at(8, 55))));
    let server = FeedServer::start().await;
    server.set_route(
        "/team.ics",
        Route::ics(team(("091000Z", "100000Z"), "Review", "")),
    );
    let a = open_engine(dir.path(), clock.clone());
    let src = a
        .add_ics(AddIcs {
            url: server.url("/team.ics"),
            name: Some("Team".into()),
            ..AddIcs::default()
        })
        .await
        .unwrap()
        .id;
    a.sync_source(src).await.unwrap();
    let b = open_engine(dir.path(), clock.clone());
    // Without the user's addresses, the declined invite is not known to be declined.
    let (ra, rb) = tokio::join!(a.claim_due_reminders(), b.claim_due_reminders());
    let (ra, rb) = (ra.unwrap().reminders, rb.unwrap().reminders);
    let mut all: Vec<&str> = summaries(&ra);
    all.extend(summaries(&rb));
    all.sort_unstable();
    assert_eq!(all, ["Declined", "Standup"]);
}
