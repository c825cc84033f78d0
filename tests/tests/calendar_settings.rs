#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A calendar's own settings: shown or hidden (still synced, out of the agenda),
//! colour, direction (a read-only calendar and a feed's stay pulled only), and the
//! default calendar for new events (only one that takes them).

use traycal_engine::calendar_settings::CalendarEdit;
use traycal_engine::sources::CalendarInfo;
use traycal_store::{CalendarId, SourceKind};
use traycal_system_tests::harness::{one_event, two_way_harness, Harness, T0};

const CAL: &str = "/dav/home/";

async fn info(h: &Harness, id: i64) -> CalendarInfo {
    h.engine
        .calendars()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.id == id)
        .unwrap()
}

fn edit() -> CalendarEdit {
    CalendarEdit::default()
}

/// Applies `edit` to calendar `id`.
async fn set(h: &Harness, id: i64, edit: CalendarEdit) -> traycal_engine::Result<CalendarInfo> {
    h.engine.edit_calendar(id, edit).await
}

async fn account_calendar(h: &Harness, href: &str, name: &str, read_only: bool) -> i64 {
    h.engine
        .add_account_calendar(SourceKind::Caldav, "me@dav.test", href, name, read_only)
        .await
        .unwrap()
        .0
}

#[tokio::test]
async fn a_hidden_calendar_still_syncs_but_is_not_shown() {
    let (h, server, cal_id) = two_way_harness(CAL).await;
    server
        .put_behind_engine(CAL, "a.ics", &one_event("a@x", 9, "Alpha"))
        .unwrap();
    h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!(h.summaries(T0, T0 + 3 * 86_400).await, ["Alpha"]);

    let c = set(
        &h,
        cal_id.0,
        CalendarEdit {
            shown: Some(false),
            ..edit()
        },
    )
    .await
    .unwrap();
    assert!(!c.shown);
    assert!(h.summaries(T0, T0 + 3 * 86_400).await.is_empty());
    assert!(h.engine.next_meeting().await.unwrap().is_none());
    // Still synced while hidden.
    server
        .put_behind_engine(CAL, "b.ics", &one_event("b@x", 10, "Beta"))
        .unwrap();
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!(r.counts.added, 1);
    set(
        &h,
        cal_id.0,
        CalendarEdit {
            shown: Some(true),
            ..edit()
        },
    )
    .await
    .unwrap();
    assert_eq!(h.summaries(T0, T0 + 3 * 86_400).await, ["Alpha", "Beta"]);
}

#[tokio::test]
async fn colour_and_direction_are_checked_before_anything_changes() {
    let (h, _server, cal_id) = two_way_harness(CAL).await;
    let c = set(
        &h,
        cal_id.0,
        CalendarEdit {
            color: Some("#10b981".into()),
            ..edit()
        },
    )
    .await
    .unwrap();
    assert_eq!(c.color.as_deref(), Some("#10b981"));
    let bad = set(
        &h,
        cal_id.0,
        CalendarEdit {
            color: Some("red;x".into()),
            shown: Some(false),
            ..edit()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(bad.code(), "invalid_input");
    assert!(info(&h, cal_id.0).await.shown, "nothing changed");

    let c = set(
        &h,
        cal_id.0,
        CalendarEdit {
            direction: Some("pull_only".into()),
            ..edit()
        },
    )
    .await
    .unwrap();
    assert_eq!(c.direction, "pull_only");
    // Pulled only: an edit here is refused by name.
    let e = h
        .engine
        .record_local_object(cal_id, "n@x", Some(one_event("n@x", 9, "N")))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "store.calendar_read_only");
    set(
        &h,
        cal_id.0,
        CalendarEdit {
            direction: Some("two_way".into()),
            ..edit()
        },
    )
    .await
    .unwrap();
    let e = set(
        &h,
        cal_id.0,
        CalendarEdit {
            direction: Some("sideways".into()),
            ..edit()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), "invalid_input");

    // A read-only calendar stays pulled only.
    let ro = account_calendar(&h, "/dav/shared/", "Shared", true).await;
    let e = set(
        &h,
        ro,
        CalendarEdit {
            direction: Some("two_way".into()),
            ..edit()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), "invalid_input", "{e}");
    assert!(e.to_string().contains("can only be pulled"), "{e}");
    assert_eq!(info(&h, ro).await.direction, "pull_only");
}

#[tokio::test]
async fn one_default_calendar_and_only_one_that_takes_events() {
    let (h, _server, cal_id) = two_way_harness(CAL).await;
    let other = account_calendar(&h, "/dav/family/", "Family", false).await;
    let ro = account_calendar(&h, "/dav/shared/", "Shared", true).await;
    assert!(!info(&h, cal_id.0).await.default);
    set(
        &h,
        other,
        CalendarEdit {
            default: Some(true),
            ..edit()
        },
    )
    .await
    .unwrap();
    let defaults: Vec<i64> = h
        .engine
        .calendars()
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.default)
        .map(|c| c.id)
        .collect();
    assert_eq!(defaults, [other]);
    set(
        &h,
        cal_id.0,
        CalendarEdit {
            default: Some(true),
            ..edit()
        },
    )
    .await
    .unwrap();
    assert!(info(&h, cal_id.0).await.default);
    assert!(!info(&h, other).await.default);

    let e = set(
        &h,
        ro,
        CalendarEdit {
            default: Some(true),
            ..edit()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), "invalid_input", "{e}");
    assert!(
        info(&h, cal_id.0).await.default,
        "a refused default changes nothing"
    );
    // A default turned pull only is no default any more.
    set(
        &h,
        cal_id.0,
        CalendarEdit {
            direction: Some("pull_only".into()),
            ..edit()
        },
    )
    .await
    .unwrap();
    assert!(!info(&h, cal_id.0).await.default);
}

/// The default calendar goes with its account: a calendar added later under the
/// same row id (SQLite gives the highest id again) is not the default.
#[tokio::test]
async fn a_removed_default_is_not_inherited_by_the_next_calendar() {
    let (h, _server, _cal_id) = two_way_harness(CAL).await;
    let other = account_calendar(&h, "/dav/family/", "Family", false).await;
    set(
        &h,
        other,
        CalendarEdit {
            default: Some(true),
            ..edit()
        },
    )
    .await
    .unwrap();
    let source = h.source_of(CalendarId(other)).await;
    h.engine.remove_source(source).await.unwrap();
    let next = account_calendar(&h, "/dav/work/", "Work", false).await;
    assert_eq!(next, other, "the id is given again");
    assert!(!info(&h, next).await.default);
}
