//! The in-memory provider: deltas, preconditions, lost tokens, injected faults,
//! the server changing behind the engine's back.

use std::time::Duration;

use traycal_providers::{
    AnyProvider, CalendarProvider, ChangeToken, Changes, MemoryProvider, Operation,
    ProviderErrorKind, RemoteItem, WritePrecondition,
};

const CAL: &str = "/cal/work/";

fn event(uid: &str, summary: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:20260301T090000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

fn server() -> MemoryProvider {
    let server = MemoryProvider::new();
    assert!(server.add_calendar(CAL, "Work"));
    server
}

fn ids(items: &[RemoteItem]) -> Vec<&str> {
    items.iter().map(|i| i.id.as_str()).collect()
}

async fn snapshot(p: &MemoryProvider) -> (Vec<RemoteItem>, ChangeToken) {
    match p.changes(CAL, None).await.unwrap() {
        Changes::Snapshot { items, next_token } => (items, next_token),
        other => panic!("expected a snapshot, got {other:?}"),
    }
}

fn etag_of(p: &MemoryProvider, id: &str) -> String {
    p.item(CAL, id).unwrap().etag.unwrap()
}

#[tokio::test]
async fn snapshot_then_delta_of_the_engines_own_writes() {
    let p = server();
    p.put_behind_engine(CAL, "a.ics", &event("a", "A")).unwrap();
    p.put_behind_engine(CAL, "b.ics", &event("b", "B")).unwrap();

    let (items, t1) = snapshot(&p).await;
    assert_eq!(ids(&items), ["a.ics", "b.ics"]);
    assert_eq!(items[0].body, event("a", "A"));

    let created = p
        .put_item(
            CAL,
            "c.ics",
            &event("c", "C"),
            &WritePrecondition::CreateOnly,
        )
        .await
        .unwrap();
    assert_eq!(created.id, "c.ics");
    let old_a = items[0].etag.clone().unwrap();
    let updated = p
        .put_item(
            CAL,
            "a.ics",
            &event("a", "A2"),
            &WritePrecondition::IfMatch(old_a.clone()),
        )
        .await
        .unwrap();
    assert_ne!(
        updated.etag.as_deref(),
        Some(old_a.as_str()),
        "a new etag per write"
    );
    p.delete_item(CAL, "b.ics", items[1].etag.as_deref().unwrap())
        .await
        .unwrap();

    let Changes::Delta {
        changed,
        deleted,
        next_token: t2,
    } = p.changes(CAL, Some(&t1)).await.unwrap()
    else {
        panic!("expected a delta");
    };
    assert_eq!(ids(&changed), ["a.ics", "c.ics"]);
    assert_eq!(changed[0].body, event("a", "A2"));
    assert_eq!(changed[0].etag, updated.etag);
    assert_eq!(changed[1].etag, created.etag);
    assert_eq!(deleted, ["b.ics"]);
    assert_ne!(t1, t2);

    // Nothing since t2.
    assert_eq!(
        p.changes(CAL, Some(&t2)).await.unwrap(),
        Changes::NotModified { next_token: t2 }
    );
}

#[tokio::test]
async fn create_only_on_an_existing_id_fails_and_changes_nothing() {
    let p = server();
    let etag = p
        .put_behind_engine(CAL, "a.ics", &event("a", "Server"))
        .unwrap();
    let err = p
        .put_item(
            CAL,
            "a.ics",
            &event("a", "Mine"),
            &WritePrecondition::CreateOnly,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::PreconditionFailed);
    assert_eq!(err.code(), "precondition_failed");
    assert_eq!(err.item(), Some("a.ics"));
    let item = p.item(CAL, "a.ics").unwrap();
    assert_eq!(item.body, event("a", "Server"));
    assert_eq!(item.etag.as_deref(), Some(etag.as_str()));
}

#[tokio::test]
async fn if_match_with_a_stale_etag_fails_and_leaves_the_item_unchanged() {
    let p = server();
    let seen = p
        .put_behind_engine(CAL, "a.ics", &event("a", "v1"))
        .unwrap();
    // Someone else edits it on the server.
    let current = p
        .put_behind_engine(CAL, "a.ics", &event("a", "v2"))
        .unwrap();
    assert_ne!(seen, current);

    let err = p
        .put_item(
            CAL,
            "a.ics",
            &event("a", "mine"),
            &WritePrecondition::IfMatch(seen),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::PreconditionFailed);
    assert_eq!(err.item(), Some("a.ics"));
    let item = p.item(CAL, "a.ics").unwrap();
    assert_eq!(item.body, event("a", "v2"));
    assert_eq!(item.etag.as_deref(), Some(current.as_str()));

    // With the current etag the write goes through and gets a fresh one.
    let written = p
        .put_item(
            CAL,
            "a.ics",
            &event("a", "mine"),
            &WritePrecondition::IfMatch(current.clone()),
        )
        .await
        .unwrap();
    assert_eq!(p.item(CAL, "a.ics").unwrap().body, event("a", "mine"));
    assert_eq!(written.etag.as_deref(), Some(etag_of(&p, "a.ics").as_str()));
    assert_ne!(written.etag.as_deref(), Some(current.as_str()));
}

#[tokio::test]
async fn delete_needs_the_current_etag_and_an_existing_item() {
    let p = server();
    let seen = p
        .put_behind_engine(CAL, "a.ics", &event("a", "v1"))
        .unwrap();
    let current = p
        .put_behind_engine(CAL, "a.ics", &event("a", "v2"))
        .unwrap();

    let err = p.delete_item(CAL, "a.ics", &seen).await.unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::PreconditionFailed);
    assert!(
        p.item(CAL, "a.ics").is_some(),
        "a failed delete keeps the item"
    );

    p.delete_item(CAL, "a.ics", &current).await.unwrap();
    assert!(p.item(CAL, "a.ics").is_none());

    // Already gone: not found, for a delete and for an update alike.
    let err = p.delete_item(CAL, "a.ics", &current).await.unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::NotFound);
    assert_eq!(err.item(), Some("a.ics"));
    let err = p
        .put_item(
            CAL,
            "a.ics",
            &event("a", "mine"),
            &WritePrecondition::IfMatch(current),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::NotFound);
    assert!(p.item(CAL, "a.ics").is_none());
}

#[tokio::test]
async fn a_dropped_token_is_invalid_then_a_snapshot_starts_afresh() {
    let p = server();
    p.put_behind_engine(CAL, "a.ics", &event("a", "A")).unwrap();
    let (_, t1) = snapshot(&p).await;
    p.drop_change_tokens();

    let err = p.changes(CAL, Some(&t1)).await.unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::ChangeTokenInvalid);
    assert_eq!(err.code(), "change_token_invalid");

    let (items, t2) = snapshot(&p).await;
    assert_eq!(ids(&items), ["a.ics"]);
    assert_ne!(t1, t2);
    assert_eq!(
        p.changes(CAL, Some(&t2)).await.unwrap(),
        Changes::NotModified { next_token: t2 }
    );
}

#[tokio::test]
async fn tokens_of_other_calendars_or_providers_are_invalid() {
    let p = server();
    assert!(p.add_calendar("/cal/home/", "Home"));
    assert!(!p.add_calendar("/cal/home/", "Again"), "ids are unique");
    let home_token = p
        .changes("/cal/home/", None)
        .await
        .unwrap()
        .next_token()
        .clone();
    for token in [
        home_token,
        ChangeToken::new("garbage"),
        ChangeToken::new("mem:999:0"),
        ChangeToken::new(r#"{"feed":1,"etag":null,"last_modified":null,"hash":"00"}"#),
    ] {
        let err = p.changes(CAL, Some(&token)).await.unwrap_err();
        assert_eq!(err.kind(), ProviderErrorKind::ChangeTokenInvalid, "{token}");
    }
    // A token from the future is not accepted either.
    let (_, t) = snapshot(&p).await;
    let ahead = t.as_str().rsplit_once(':').unwrap().0.to_string() + ":99";
    let err = p
        .changes(CAL, Some(&ChangeToken::new(ahead)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::ChangeTokenInvalid);
}

#[tokio::test]
async fn fail_next_fails_exactly_that_many_calls_with_the_retry_after() {
    let p = server();
    let busy = ProviderErrorKind::RateLimited {
        retry_after: Some(Duration::from_secs(30)),
    };
    p.fail_next(2, busy);
    for _ in 0..2 {
        let err = p.changes(CAL, None).await.unwrap_err();
        assert_eq!(err.kind(), busy);
        assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
        assert!(err.is_transient());
    }
    assert!(matches!(
        p.changes(CAL, None).await.unwrap(),
        Changes::Snapshot { .. }
    ));
    assert_eq!(p.calls(Operation::Changes), 3, "failed calls count too");
    assert_eq!(p.total_calls(), 3);
}

#[tokio::test]
async fn an_injected_failure_can_target_one_operation_and_changes_nothing() {
    let p = server();
    p.fail_next_on(Operation::PutItem, 1, ProviderErrorKind::ServerError);
    // Other operations are not affected.
    snapshot(&p).await;
    let err = p
        .put_item(
            CAL,
            "a.ics",
            &event("a", "A"),
            &WritePrecondition::CreateOnly,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::ServerError);
    assert!(
        p.item(CAL, "a.ics").is_none(),
        "a failed write writes nothing"
    );
    p.put_item(
        CAL,
        "a.ics",
        &event("a", "A"),
        &WritePrecondition::CreateOnly,
    )
    .await
    .unwrap();
    assert_eq!(p.calls(Operation::PutItem), 2);
    assert_eq!(p.calls(Operation::Changes), 1);

    p.fail_next(5, ProviderErrorKind::Network);
    p.clear_failures();
    assert!(p.calendars().await.is_ok());
    p.reset_calls();
    assert_eq!(p.total_calls(), 0);
}

#[tokio::test]
async fn changes_behind_the_engines_back_show_in_the_next_delta() {
    let p = server();
    p.put_behind_engine(CAL, "a.ics", &event("a", "A")).unwrap();
    p.put_behind_engine(CAL, "b.ics", &event("b", "B")).unwrap();
    let (_, t1) = snapshot(&p).await;

    p.put_behind_engine(CAL, "a.ics", &event("a", "A, moved"))
        .unwrap();
    p.put_behind_engine(CAL, "new.ics", &event("new", "New"))
        .unwrap();
    p.delete_behind_engine(CAL, "b.ics").unwrap();
    assert_eq!(
        p.delete_behind_engine(CAL, "b.ics").unwrap_err().kind(),
        ProviderErrorKind::NotFound
    );
    assert_eq!(
        p.calls(Operation::Changes),
        1,
        "behind the engine: not counted"
    );

    let Changes::Delta {
        changed, deleted, ..
    } = p.changes(CAL, Some(&t1)).await.unwrap()
    else {
        panic!("expected a delta");
    };
    assert_eq!(ids(&changed), ["a.ics", "new.ics"]);
    assert_eq!(changed[0].body, event("a", "A, moved"));
    assert_eq!(deleted, ["b.ics"]);
}

#[tokio::test]
async fn a_read_only_calendar_refuses_writes() {
    let p = MemoryProvider::new();
    assert!(p.add_read_only_calendar(CAL, "Holidays"));
    let etag = p.put_behind_engine(CAL, "a.ics", &event("a", "A")).unwrap();
    let calendars = p.calendars().await.unwrap();
    assert_eq!(calendars.len(), 1);
    assert!(calendars[0].read_only);
    assert_eq!(calendars[0].name, "Holidays");

    let err = p
        .put_item(
            CAL,
            "b.ics",
            &event("b", "B"),
            &WritePrecondition::CreateOnly,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::ReadOnly);
    assert_eq!(err.code(), "read_only");
    let err = p
        .put_item(
            CAL,
            "a.ics",
            &event("a", "mine"),
            &WritePrecondition::IfMatch(etag.clone()),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::ReadOnly);
    let err = p.delete_item(CAL, "a.ics", &etag).await.unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::ReadOnly);
    assert_eq!(p.items(CAL).len(), 1);
    assert_eq!(p.item(CAL, "a.ics").unwrap().body, event("a", "A"));

    p.set_read_only(CAL, false).unwrap();
    p.delete_item(CAL, "a.ics", &etag).await.unwrap();
}

#[tokio::test]
async fn fetch_items_returns_what_exists_and_names_what_is_missing() {
    let p = server();
    p.put_behind_engine(CAL, "a.ics", &event("a", "A")).unwrap();
    p.put_behind_engine(CAL, "b.ics", &event("b", "B")).unwrap();
    let fetched = p
        .fetch_items(CAL, &["b.ics".into(), "gone.ics".into(), "a.ics".into()])
        .await
        .unwrap();
    assert_eq!(ids(&fetched.items), ["b.ics", "a.ics"]);
    assert_eq!(fetched.missing, ["gone.ics"]);
    assert_eq!(
        fetched.items[0].etag.as_deref(),
        Some(etag_of(&p, "b.ics").as_str())
    );
}

#[tokio::test]
async fn an_unknown_calendar_is_not_found() {
    let p = server();
    let err = p.changes("/cal/nope/", None).await.unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::NotFound);
    let err = p
        .put_item("/cal/nope/", "a.ics", "x", &WritePrecondition::CreateOnly)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::NotFound);
    assert!(p.put_behind_engine("/cal/nope/", "a.ics", "x").is_err());
}

#[tokio::test]
async fn a_delay_holds_every_call() {
    let p = server();
    p.set_delay(Duration::from_secs(30));
    let held = tokio::time::timeout(Duration::from_millis(50), p.calendars()).await;
    assert!(held.is_err(), "the call must still be waiting");
    p.set_delay(Duration::ZERO);
    assert_eq!(p.calendars().await.unwrap().len(), 1);
}

/// The engine holds `AnyProvider`; its futures must be `Send` (spawned on the
/// multi-threaded runtime) and a clone kept by the test must see the same server.
#[tokio::test]
async fn any_provider_dispatches_to_the_shared_server() {
    let p = server();
    let engine_side = AnyProvider::from(p.clone());
    assert!(!engine_side.capabilities().read_only);
    let task = tokio::spawn(async move {
        engine_side
            .put_item(
                CAL,
                "a.ics",
                &event("a", "A"),
                &WritePrecondition::CreateOnly,
            )
            .await
    });
    let written = task.await.unwrap().unwrap();
    assert_eq!(p.item(CAL, "a.ics").unwrap().etag, written.etag);
}

#[tokio::test]
async fn a_server_kept_in_a_file_outlives_its_process() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.json");
    let first = MemoryProvider::open_file(&path).unwrap();
    assert!(first.add_calendar(CAL, "Work"));
    first.save().unwrap();
    first
        .put_behind_engine(CAL, "a.ics", &event("a", "A"))
        .unwrap();
    let (_, token) = snapshot(&first).await;
    let written = first
        .put_item(
            CAL,
            "b.ics",
            &event("b", "B"),
            &WritePrecondition::CreateOnly,
        )
        .await
        .unwrap();
    first.fail_next(5, ProviderErrorKind::Network);
    drop(first);

    // Another process opens the same file: the items, their etags, the change log and
    // the etag counter are there; the faults of the first are not.
    let second = MemoryProvider::open_file(&path).unwrap();
    assert_eq!(etag_of(&second, "b.ics"), written.etag.clone().unwrap());
    match second.changes(CAL, Some(&token)).await.unwrap() {
        Changes::Delta {
            changed, deleted, ..
        } => {
            assert_eq!(ids(&changed), ["b.ics"]);
            assert!(deleted.is_empty());
        }
        other => panic!("expected a delta, got {other:?}"),
    }
    let again = second
        .put_item(
            CAL,
            "b.ics",
            &event("b", "B2"),
            &WritePrecondition::IfMatch(written.etag.clone().unwrap()),
        )
        .await
        .unwrap();
    assert_ne!(
        again.etag, written.etag,
        "etags never repeat across processes"
    );
    second.delete_behind_engine(CAL, "a.ics").unwrap();

    let third = MemoryProvider::open_file(&path).unwrap();
    assert_eq!(ids(&third.items(CAL)), ["b.ics"]);
    assert_eq!(third.item(CAL, "b.ics").unwrap().body, event("b", "B2"));
    // No half-written file is left beside it.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["server.json"]);
}

#[test]
fn an_unreadable_server_file_is_invalid_data_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.json");
    std::fs::write(&path, "{ not json").unwrap();
    let err = MemoryProvider::open_file(&path).unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::InvalidData);
    assert!(err.detail().unwrap().contains("server.json"), "{err:?}");
}
