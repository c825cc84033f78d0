#![allow(clippy::unwrap_used, clippy::expect_used)]
//! An account source synced the way a feed is: through `sync_source` and `sync_due`,
//! on the one schedule (a local change waiting brings the sync forward, a failed push
//! is retried at its own time, a failing account keeps its back-off), and logged with
//! one set of counts that includes what was pushed and the conflicts found.

use std::time::Duration;

use traycal_engine::SyncReport;
use traycal_providers::{MemoryProvider, Operation, ProviderErrorKind};
use traycal_store::CalendarId;
use traycal_system_tests::harness::{one_event, two_way_harness, Harness, T0};

const CAL: &str = "/dav/home/";

async fn account() -> (Harness, MemoryProvider, CalendarId, i64) {
    let (h, server, calendar) = two_way_harness(CAL).await;
    let source = h.source_of(calendar).await;
    (h, server, calendar, source)
}

/// Syncs whatever is due now; the one report of the account.
async fn sync_due(h: &Harness) -> Option<SyncReport> {
    let mut reports = h.engine.sync_due().await.unwrap();
    assert!(reports.len() <= 1, "{reports:?}");
    reports.pop()
}

#[tokio::test]
async fn an_account_without_a_connection_fails_clearly_and_backs_off() {
    let (h, server, _cal, source) = account().await;
    server
        .put_behind_engine(CAL, "a.ics", &one_event("a@x", 9, "Alpha"))
        .unwrap();
    let r = h.engine.sync_source(source).await.unwrap();
    assert_eq!(r.outcome, "failed", "{r:?}");
    assert_eq!(r.error_code.as_deref(), Some("unauthorized"));
    let error = r.error.unwrap();
    assert!(error.contains("sign in"), "{error}");
    assert!(error.contains("me@dav.test"), "names the account: {error}");
    assert!(r.next_due_at > T0, "backs off");
    assert!(h.engine.due_sources().await.unwrap().is_empty());

    // Connected, it syncs at its next turn.
    h.engine.connect_account(source, server.clone());
    h.clock.set(r.next_due_at);
    let r = sync_due(&h).await.expect("due again after the back-off");
    assert_eq!(
        (r.outcome.as_str(), r.counts.added),
        ("updated", 1),
        "{r:?}"
    );
}

#[tokio::test]
async fn pushes_and_conflicts_are_counted_in_the_report_and_the_log() {
    let (h, server, calendar, source) = account().await;
    h.engine.connect_account(source, server.clone());
    server
        .put_behind_engine(CAL, "a.ics", &one_event("a@x", 9, "Base"))
        .unwrap();
    let r = sync_due(&h).await.expect("a new account is due at once");
    assert_eq!((r.counts.added, r.counts.pushed), (1, 0), "{r:?}");
    assert_eq!(r.events, 1);

    // An edit here and one there: a conflict, both kept; a creation here: pushed.
    h.clock.set(T0 + 10);
    h.engine
        .record_local_object(calendar, "a@x", Some(one_event("a@x", 9, "Mine")))
        .await
        .unwrap();
    h.engine
        .record_local_object(calendar, "b@x", Some(one_event("b@x", 10, "New")))
        .await
        .unwrap();
    server
        .put_behind_engine(CAL, "a.ics", &one_event("a@x", 9, "Theirs"))
        .unwrap();
    let r = sync_due(&h)
        .await
        .expect("a local change waiting makes the account due at once");
    assert_eq!((r.counts.pushed, r.counts.conflicts), (1, 1), "{r:?}");
    assert_eq!(r.outcome, "updated");

    let log = h.engine.log(Some(source), 10).await.unwrap();
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(
        (
            log[0].counts.pushed,
            log[0].counts.conflicts,
            log[1].counts.added
        ),
        (1, 1, 1),
        "{log:?}"
    );
    assert_eq!(h.mirror().sync_log(None, 1).unwrap()[0].counts, r.counts);

    // Nothing to do: not due before the interval, and a sync then is a quiet check.
    assert!(h.engine.due_sources().await.unwrap().is_empty());
    let wait = h.engine.next_due_in().await.unwrap().unwrap();
    assert_eq!(wait, 300, "the account's interval");
    h.clock.set(T0 + 10 + wait);
    let r = sync_due(&h).await.expect("due at its interval");
    assert_eq!(r.outcome, "unchanged", "{r:?}");
    assert_eq!(h.engine.log(Some(source), 10).await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_failed_push_is_retried_at_its_own_time_not_at_the_interval() {
    let (h, server, calendar, source) = account().await;
    h.engine.connect_account(source, server.clone());
    assert!(sync_due(&h).await.is_some());
    assert_eq!(h.engine.next_due_in().await.unwrap(), Some(300));

    h.engine
        .record_local_object(calendar, "a@x", Some(one_event("a@x", 9, "One")))
        .await
        .unwrap();
    assert_eq!(h.engine.next_due_in().await.unwrap(), Some(0));
    server.fail_next_on(
        Operation::PutItem,
        1,
        ProviderErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(120)),
        },
    );
    let r = sync_due(&h).await.unwrap();
    assert_eq!(r.counts.pushed, 0, "{r:?}");
    assert!(server.items(CAL).is_empty());
    // Said, naming the event, in the report and the log: not a quiet success.
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.contains("a@x") && d.contains("not sent")),
        "{r:?}"
    );
    let log = h.engine.log(Some(source), 1).await.unwrap();
    assert!(
        log[0].notes.as_deref().unwrap_or("").contains("a@x"),
        "{log:?}"
    );
    // The push's own time (as the server asked), before the account's interval.
    assert_eq!(h.engine.next_due_in().await.unwrap(), Some(120));
    h.clock.set(T0 + 119);
    assert!(sync_due(&h).await.is_none(), "not sooner than told");
    h.clock.set(T0 + 120);
    let r = sync_due(&h)
        .await
        .expect("due when the push may be retried");
    assert_eq!(r.counts.pushed, 1, "{r:?}");
    assert_eq!(server.items(CAL).len(), 1);
    assert_eq!(h.engine.next_due_in().await.unwrap(), Some(300));
}

#[tokio::test]
async fn a_failing_account_keeps_its_back_off_whatever_waits() {
    let (h, server, calendar, source) = account().await;
    h.engine.connect_account(source, server.clone());
    assert!(sync_due(&h).await.is_some());
    h.engine
        .record_local_object(calendar, "a@x", Some(one_event("a@x", 9, "One")))
        .await
        .unwrap();
    server.fail_next_on(Operation::Changes, 1, ProviderErrorKind::ServerError);
    let r = sync_due(&h).await.unwrap();
    assert_eq!(r.outcome, "failed", "{r:?}");
    let backoff = r.next_due_at - T0;
    assert!(backoff >= 30, "{r:?}");
    // The edit still waits, but a dead server is not asked again at once.
    assert!(sync_due(&h).await.is_none());
    assert_eq!(h.engine.next_due_in().await.unwrap(), Some(backoff));
    assert_eq!(
        h.mirror().outbox(None).unwrap().len(),
        1,
        "the edit is kept"
    );
    h.clock.set(r.next_due_at);
    let r = sync_due(&h).await.unwrap();
    assert_eq!(r.counts.pushed, 1, "{r:?}");
}
