#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The two-way pipeline (pull → plan → apply → push) against the in-memory provider:
//! pulls, pushes, deletes on either side, precondition failures kept as conflicts,
//! a refused change token relisted without duplicates, rate limits honoured, offline
//! edits replayed in order after a restart.

use std::future::Future;
use traycal_engine::{Engine, MassDeletionChoice, TwoWayReport};

use traycal_providers::{
    CalendarProvider, Capabilities, ChangeToken, Changes, FetchedItems, ItemVersion,
    MemoryProvider, Operation, ProviderErrorKind, ProviderResult, RemoteCalendar,
    WritePrecondition, Written,
};
use traycal_store::{CalendarId, ObjectState, Recorded};
use traycal_system_tests::harness::{cal, ev, harness, one_event, two_way_harness, Harness, T0};

const CAL: &str = "/dav/home/";

async fn two_way() -> (Harness, MemoryProvider, CalendarId) {
    two_way_harness(CAL).await
}

/// "Base" pulled from the server as `a.ics`, then edited here to "Mine".
async fn edited_on_both_sides_soon() -> (Harness, MemoryProvider, CalendarId) {
    let (h, server, cal_id) = two_way().await;
    server
        .put_behind_engine(CAL, "a.ics", &one_event("a@x", 9, "Base"))
        .unwrap();
    h.engine.sync_two_way(&server, cal_id).await.unwrap();
    h.engine
        .record_local_object(cal_id, "a@x", Some(one_event("a@x", 9, "Mine")))
        .await
        .unwrap();
    (h, server, cal_id)
}

async fn shown(engine: &Engine) -> Vec<String> {
    let mut s: Vec<String> = engine
        .agenda(T0, T0 + 3 * 86_400)
        .await
        .unwrap()
        .entries
        .into_iter()
        .map(|e| e.summary)
        .collect();
    s.sort();
    s
}

#[tokio::test]
async fn pulls_new_changed_and_deleted_items() {
    let (h, server, cal_id) = two_way().await;
    server
        .put_behind_engine(CAL, "a.ics", &one_event("a@x", 9, "Alpha"))
        .unwrap();
    server
        .put_behind_engine(CAL, "b.ics", &one_event("b@x", 10, "Beta"))
        .unwrap();
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!((pulled(&r), r.counts.removed, r.counts.pushed), (2, 0, 0));
    assert_eq!(shown(&h.engine).await, ["Alpha", "Beta"]);

    server
        .put_behind_engine(CAL, "a.ics", &one_event("a@x", 11, "Alpha moved"))
        .unwrap();
    server.delete_behind_engine(CAL, "b.ics").unwrap();
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!((pulled(&r), r.counts.removed), (1, 1));
    assert_eq!(shown(&h.engine).await, ["Alpha moved"]);

    // Nothing changed: nothing pulled, one request.
    server.reset_calls();
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!((pulled(&r), r.counts.removed, r.counts.pushed), (0, 0, 0));
    assert_eq!(server.total_calls(), 1);
}

#[tokio::test]
async fn local_creates_edits_and_deletes_reach_the_server() {
    let (h, server, cal_id) = two_way().await;
    let got = h
        .engine
        .record_local_object(cal_id, "n@x", Some(one_event("n@x", 9, "Dentist")))
        .await
        .unwrap();
    assert!(matches!(got, Recorded::Queued(..)));
    assert_eq!(shown(&h.engine).await, ["Dentist"], "shown before any sync");

    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!(r.counts.pushed, 1);
    let on_server = server
        .item(CAL, "n@x.ics")
        .expect("created under its intended id");
    assert!(on_server.body.contains("SUMMARY:Dentist"));

    h.engine
        .record_local_object(cal_id, "n@x", Some(one_event("n@x", 10, "Dentist (moved)")))
        .await
        .unwrap();
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!(
        (r.counts.pushed, r.counts.conflicts, pulled(&r)),
        (1, 0, 0),
        "our own write is not pulled back"
    );
    assert!(server.item(CAL, "n@x.ics").unwrap().body.contains("moved"));

    h.engine
        .record_local_object(cal_id, "n@x", None)
        .await
        .unwrap();
    assert!(shown(&h.engine).await.is_empty());
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!(r.counts.pushed, 1);
    assert!(server.item(CAL, "n@x.ics").is_none());
    assert!(h.mirror().outbox(None).unwrap().is_empty());
}

#[tokio::test]
async fn a_local_edit_meeting_a_remote_edit_keeps_both() {
    let (h, server, cal_id) = edited_on_both_sides_soon().await;
    server
        .put_behind_engine(CAL, "a.ics", &one_event("a@x", 9, "Theirs"))
        .unwrap();
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!((r.counts.conflicts, r.counts.pushed, pulled(&r)), (1, 0, 0));
    let m = h.mirror();
    let c = &m.open_conflicts(None).unwrap()[0];
    assert!(c.base_raw.as_deref().unwrap().contains("Base"));
    assert!(c.local_raw.as_deref().unwrap().contains("Mine"));
    assert!(c.remote_raw.as_deref().unwrap().contains("Theirs"));
    assert!(
        server.item(CAL, "a.ics").unwrap().body.contains("Theirs"),
        "the server's version stays"
    );
    assert_eq!(shown(&h.engine).await, ["Mine"], "the local edit stays too");
    // Another sync neither loops nor records it again.
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!((r.counts.conflicts, r.counts.pushed), (0, 0));
    assert_eq!(h.mirror().open_conflicts(None).unwrap().len(), 1);
}

/// The server holds our title ("Mine") and their time (11:00), and no conflict waits.
fn both_changes_on_the_server(h: &Harness, server: &MemoryProvider) {
    let on_server = server.item(CAL, "a.ics").unwrap().body;
    assert!(on_server.contains("SUMMARY:Mine"), "{on_server}");
    assert!(
        on_server.contains("DTSTART:20260303T110000Z"),
        "{on_server}"
    );
    assert!(h.mirror().open_conflicts(None).unwrap().is_empty());
}

/// `a.ics` moved to 11:00 on the server (its title as agreed), then one sync.
async fn moved_there_and_synced(
    h: &Harness,
    server: &MemoryProvider,
    cal_id: CalendarId,
) -> TwoWayReport {
    server
        .put_behind_engine(CAL, "a.ics", &one_event("a@x", 11, "Base"))
        .unwrap();
    h.engine.sync_two_way(server, cal_id).await.unwrap()
}

/// Here the title changed, there the time: merged over the agreed version, both
/// changes reach the server in the same sync, and nothing waits for the user.
#[tokio::test]
async fn a_local_edit_and_a_server_edit_of_other_fields_merge() {
    let (h, server, cal_id) = edited_on_both_sides_soon().await;
    let r = moved_there_and_synced(&h, &server, cal_id).await;
    assert_eq!(
        (r.counts.conflicts, r.merged, r.counts.pushed),
        (0, 1, 1),
        "{r:?}"
    );
    both_changes_on_the_server(&h, &server);
    assert_eq!(shown(&h.engine).await, ["Mine"]);
    let o = h.mirror().remote_objects(cal_id).unwrap().remove(0);
    assert_eq!(o.state, ObjectState::Synced, "{o:?}");
    // Nothing left to do.
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!((r.counts.conflicts, r.merged, r.counts.pushed), (0, 0, 0));
}

/// A calendar made pull-only with an edit still pending: a server change of other
/// fields is not merged (the merge would be a push the user turned off); both
/// versions are kept, and the sync goes on.
#[tokio::test]
async fn a_pull_only_calendar_keeps_the_conflict_instead_of_merging() {
    let (h, server, cal_id) = edited_on_both_sides_soon().await;
    h.engine
        .edit_calendar(
            cal_id.0,
            traycal_engine::calendar_settings::CalendarEdit {
                direction: Some("pull_only".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let r = moved_there_and_synced(&h, &server, cal_id).await;
    assert_eq!(
        (r.counts.conflicts, r.merged, r.counts.pushed),
        (1, 0, 0),
        "{r:?}"
    );
    assert_eq!(server.calls(Operation::PutItem), 0);
}

/// The in-memory server, changed by someone else right after it answered the pull:
/// the engine then pushes against an etag that is no longer current.
struct Racing {
    inner: MemoryProvider,
    after_pull: std::sync::Mutex<Option<(String, String)>>,
}

impl CalendarProvider for Racing {
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    fn calendars(&self) -> impl Future<Output = ProviderResult<Vec<RemoteCalendar>>> + Send {
        self.inner.calendars()
    }
    fn changes(
        &self,
        calendar: &str,
        since: Option<&ChangeToken>,
    ) -> impl Future<Output = ProviderResult<Changes>> + Send {
        let calendar = calendar.to_owned();
        let since = since.cloned();
        async move {
            let answer = self.inner.changes(&calendar, since.as_ref()).await;
            if let Some((id, body)) = self.after_pull.lock().unwrap().take() {
                self.inner.put_behind_engine(&calendar, &id, &body).unwrap();
            }
            answer
        }
    }
    fn versions(
        &self,
        calendar: &str,
    ) -> impl Future<Output = ProviderResult<Vec<ItemVersion>>> + Send {
        self.inner.versions(calendar)
    }
    fn fetch_items(
        &self,
        calendar: &str,
        ids: &[String],
    ) -> impl Future<Output = ProviderResult<FetchedItems>> + Send {
        self.inner.fetch_items(calendar, ids)
    }
    fn put_item(
        &self,
        calendar: &str,
        id: &str,
        body: &str,
        precondition: &WritePrecondition,
    ) -> impl Future<Output = ProviderResult<Written>> + Send {
        self.inner.put_item(calendar, id, body, precondition)
    }
    fn delete_item(
        &self,
        calendar: &str,
        id: &str,
        if_match: &str,
    ) -> impl Future<Output = ProviderResult<()>> + Send {
        self.inner.delete_item(calendar, id, if_match)
    }
}

#[tokio::test]
async fn a_precondition_failure_on_push_becomes_a_conflict_not_a_retry() {
    let (h, server, cal_id) = edited_on_both_sides_soon().await;
    let racing = Racing {
        inner: server.clone(),
        after_pull: std::sync::Mutex::new(Some(("a.ics".into(), one_event("a@x", 9, "Theirs")))),
    };
    let r = h.engine.sync_two_way(&racing, cal_id).await.unwrap();
    assert_eq!((r.counts.conflicts, r.counts.pushed), (1, 0));
    assert_eq!(
        server.calls(Operation::PutItem),
        1,
        "one conditional PUT, refused, never retried"
    );
    assert!(server.item(CAL, "a.ics").unwrap().body.contains("Theirs"));
    let c = &h.mirror().open_conflicts(None).unwrap()[0];
    assert!(
        c.remote_raw.as_deref().unwrap().contains("Theirs"),
        "the server's version was fetched"
    );
    assert!(c.local_raw.as_deref().unwrap().contains("Mine"));
    // An edit of an object the server deleted meanwhile is a conflict too, not a loop.
    server
        .put_behind_engine(CAL, "b.ics", &one_event("b@x", 10, "B"))
        .unwrap();
    h.engine.sync_two_way(&server, cal_id).await.unwrap();
    h.engine
        .record_local_object(cal_id, "b@x", Some(one_event("b@x", 10, "B mine")))
        .await
        .unwrap();
    server.delete_behind_engine(CAL, "b.ics").unwrap();
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!(r.counts.conflicts, 1);
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!((r.counts.conflicts, r.counts.pushed), (0, 0), "no loop");
}

/// A 412 whose server version changed other fields: fetched, merged, and the
/// merge sent by the next sync with the server's etag; one refused PUT, no conflict.
#[tokio::test]
async fn a_precondition_failure_over_other_fields_merges_and_goes_next() {
    let (h, server, cal_id) = edited_on_both_sides_soon().await;
    let racing = Racing {
        inner: server.clone(),
        after_pull: std::sync::Mutex::new(Some(("a.ics".into(), one_event("a@x", 11, "Base")))),
    };
    let r = h.engine.sync_two_way(&racing, cal_id).await.unwrap();
    assert_eq!(
        (r.counts.conflicts, r.counts.pushed, r.merged),
        (0, 0, 1),
        "{r:?}"
    );
    assert_eq!(server.calls(Operation::PutItem), 1);
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!((r.counts.conflicts, r.counts.pushed), (0, 1), "{r:?}");
    assert_eq!(
        server.calls(Operation::PutItem),
        2,
        "sent once more, merged"
    );
    both_changes_on_the_server(&h, &server);
}

#[tokio::test]
async fn a_refused_token_relists_without_duplicates() {
    let (h, server, cal_id) = two_way().await;
    for (n, uid) in ["a", "b", "c"].iter().enumerate() {
        server
            .put_behind_engine(
                CAL,
                &format!("{uid}.ics"),
                &one_event(&format!("{uid}@x"), 9 + n as u32, uid),
            )
            .unwrap();
    }
    h.engine.sync_two_way(&server, cal_id).await.unwrap();
    server.drop_change_tokens();
    server.delete_behind_engine(CAL, "c.ics").unwrap();
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert!(r.relisted);
    assert_eq!(r.counts.removed, 1);
    assert_eq!(shown(&h.engine).await, ["a", "b"]);
    assert_eq!(h.mirror().remote_objects(cal_id).unwrap().len(), 2);
    assert_eq!(h.mirror().event_index(cal_id).unwrap().len(), 2);
}

#[tokio::test]
async fn a_rate_limited_push_waits_as_long_as_told() {
    let (h, server, cal_id) = two_way().await;
    h.engine
        .record_local_object(cal_id, "a@x", Some(one_event("a@x", 9, "One")))
        .await
        .unwrap();
    h.engine
        .record_local_object(cal_id, "b@x", Some(one_event("b@x", 10, "Two")))
        .await
        .unwrap();
    server.fail_next_on(
        Operation::PutItem,
        1,
        ProviderErrorKind::RateLimited {
            retry_after: Some(std::time::Duration::from_secs(600)),
        },
    );
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!(
        (r.counts.pushed, r.deferred),
        (0, 1),
        "the rest waits too, to keep the order"
    );
    assert_eq!(server.calls(Operation::PutItem), 1);
    let outbox = h.mirror().outbox(None).unwrap();
    assert_eq!(outbox[0].next_attempt_at, Some(T0 + 600));
    assert_eq!(outbox[0].last_error_code.as_deref(), Some("rate_limited"));

    // Sooner than told: nothing is sent.
    h.clock.set(T0 + 599);
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!(
        r.counts.pushed, 1,
        "only the second, which was not told to wait"
    );
    assert_eq!(server.calls(Operation::PutItem), 2);
    assert!(server.item(CAL, "a@x.ics").is_none());
    h.clock.set(T0 + 600);
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!(r.counts.pushed, 1);
    assert!(server.item(CAL, "a@x.ics").is_some());
}

#[tokio::test]
async fn offline_edits_are_replayed_in_order_after_a_restart() {
    let (h, server, cal_id) = two_way().await;
    for (n, uid) in ["c@x", "a@x", "b@x"].iter().enumerate() {
        h.engine
            .record_local_object(cal_id, uid, Some(one_event(uid, 9 + n as u32, uid)))
            .await
            .unwrap();
    }
    // The network is down: the first push fails, nothing is lost.
    server.fail_next_on(Operation::PutItem, 1, ProviderErrorKind::Network);
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!(r.counts.pushed, 0);
    // A new engine on the same data dir (the app started again), later.
    let engine = h.engine_at(h.dir.path());
    h.clock.set(T0 + 3600);
    let r = engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!(r.counts.pushed, 3);
    let mut ids: Vec<String> = server.items(CAL).into_iter().map(|i| i.id).collect();
    ids.sort();
    assert_eq!(ids, ["a@x.ics", "b@x.ics", "c@x.ics"]);
}

#[tokio::test]
async fn a_creation_whose_answer_was_lost_is_not_duplicated() {
    let (h, server, cal_id) = two_way().await;
    let text = one_event("a@x", 9, "Once");
    h.engine
        .record_local_object(cal_id, "a@x", Some(text.clone()))
        .await
        .unwrap();
    // The server took it, but the answer never came back (crash, timeout).
    server.put_behind_engine(CAL, "a@x.ics", &text).unwrap();
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!((r.counts.conflicts, pulled(&r)), (0, 0));
    assert_eq!(server.items(CAL).len(), 1);
    assert_eq!(shown(&h.engine).await, ["Once"]);
    assert!(h.mirror().outbox(None).unwrap().is_empty());
    assert_eq!(
        h.mirror().remote_objects(cal_id).unwrap()[0].state,
        ObjectState::Synced
    );
    // Someone else's item under the id ours would take is not ours: a conflict.
    h.engine
        .record_local_object(cal_id, "b@x", Some(one_event("b@x", 10, "Ours")))
        .await
        .unwrap();
    server
        .put_behind_engine(CAL, "b@x.ics", &one_event("b@x", 11, "Someone else's"))
        .unwrap();
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!((r.counts.conflicts, r.counts.pushed), (1, 0));
    assert!(server
        .item(CAL, "b@x.ics")
        .unwrap()
        .body
        .contains("Someone else"));
}

#[tokio::test]
async fn a_creation_deleted_after_its_answer_was_lost_is_deleted_on_the_server_too() {
    let (h, server, cal_id) = two_way().await;
    let text = one_event("a@x", 9, "Soon gone");
    let Recorded::Queued(id, _) = h
        .engine
        .record_local_object(cal_id, "a@x", Some(text.clone()))
        .await
        .unwrap()
    else {
        panic!("queued")
    };
    // Sent, and the server took it, but the answer never came back.
    h.mirror()
        .record_sending(id, traycal_core::ics::content_hash(&text) as i64)
        .unwrap();
    server.put_behind_engine(CAL, "a@x.ics", &text).unwrap();
    // Deleted here before any sync: the server may hold it, so it is not just dropped.
    h.engine
        .record_local_object(cal_id, "a@x", None)
        .await
        .unwrap();
    assert_eq!(server.calls(Operation::DeleteItem), 0);
    for _ in 0..2 {
        let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
        assert_eq!((r.counts.conflicts, pulled(&r)), (0, 0), "{r:?}");
    }
    assert!(
        server.items(CAL).is_empty(),
        "gone from the server, not back here"
    );
    assert!(shown(&h.engine).await.is_empty());
    assert!(h.mirror().outbox(None).unwrap().is_empty());
    assert!(h.mirror().remote_objects(cal_id).unwrap().is_empty());
    // No delete went out without a version to match.
    assert_eq!(server.calls(Operation::DeleteItem), 1);
}

#[tokio::test]
async fn a_feed_calendar_refuses_local_edits() {
    let h = harness().await;
    h.server.set_route(
        "/f.ics",
        traycal_system_tests::Route::ics(one_event("f@x", 9, "Feed")),
    );
    let source = h.add("/f.ics").await;
    let calendar = h
        .mirror()
        .calendar_of(traycal_store::SourceId(source))
        .unwrap();
    let err = h
        .engine
        .record_local_object(calendar, "m@x", Some(one_event("m@x", 9, "Mine")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "store.calendar_read_only");
}

/// The in-memory server answering each call a little late, after it has acted: a
/// sync cut off while it waits has had its change made on the server but never heard
/// the answer (a lost response, a crash before the mirror recorded it).
struct LateAnswers {
    inner: MemoryProvider,
    delay: std::time::Duration,
}

impl LateAnswers {
    async fn late<T>(&self, answer: T) -> T {
        tokio::time::sleep(self.delay).await;
        answer
    }
}

impl CalendarProvider for LateAnswers {
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    async fn calendars(&self) -> ProviderResult<Vec<RemoteCalendar>> {
        self.late(self.inner.calendars().await).await
    }
    fn changes(
        &self,
        calendar: &str,
        since: Option<&ChangeToken>,
    ) -> impl Future<Output = ProviderResult<Changes>> + Send {
        let (calendar, since) = (calendar.to_owned(), since.cloned());
        async move {
            self.late(self.inner.changes(&calendar, since.as_ref()).await)
                .await
        }
    }
    fn versions(
        &self,
        calendar: &str,
    ) -> impl Future<Output = ProviderResult<Vec<ItemVersion>>> + Send {
        let calendar = calendar.to_owned();
        async move { self.late(self.inner.versions(&calendar).await).await }
    }
    fn fetch_items(
        &self,
        calendar: &str,
        ids: &[String],
    ) -> impl Future<Output = ProviderResult<FetchedItems>> + Send {
        let (calendar, ids) = (calendar.to_owned(), ids.to_vec());
        async move {
            self.late(self.inner.fetch_items(&calendar, &ids).await)
                .await
        }
    }
    fn put_item(
        &self,
        calendar: &str,
        id: &str,
        body: &str,
        precondition: &WritePrecondition,
    ) -> impl Future<Output = ProviderResult<Written>> + Send {
        let (calendar, id, body, precondition) = (
            calendar.to_owned(),
            id.to_owned(),
            body.to_owned(),
            precondition.clone(),
        );
        async move {
            let answer = self
                .inner
                .put_item(&calendar, &id, &body, &precondition)
                .await;
            self.late(answer).await
        }
    }
    fn delete_item(
        &self,
        calendar: &str,
        id: &str,
        if_match: &str,
    ) -> impl Future<Output = ProviderResult<()>> + Send {
        let (calendar, id, if_match) = (calendar.to_owned(), id.to_owned(), if_match.to_owned());
        async move {
            let answer = self.inner.delete_item(&calendar, &id, &if_match).await;
            self.late(answer).await
        }
    }
}

#[tokio::test]
async fn a_sync_cut_off_at_any_point_loses_nothing_and_the_next_converges() {
    // 60 runs, each cut off after a different pseudo-random time.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut cut_points = std::collections::BTreeSet::new();
    for run in 0..60u32 {
        let (h, server, cal_id) = two_way().await;
        // On the server: two items; one will be edited here, one deleted here.
        server
            .put_behind_engine(CAL, "e.ics", &one_event("e@x", 9, "E"))
            .unwrap();
        server
            .put_behind_engine(CAL, "d.ics", &one_event("d@x", 10, "D"))
            .unwrap();
        h.engine.sync_two_way(&server, cal_id).await.unwrap();
        h.engine
            .record_local_object(cal_id, "e@x", Some(one_event("e@x", 9, "E edited")))
            .await
            .unwrap();
        h.engine
            .record_local_object(cal_id, "d@x", None)
            .await
            .unwrap();
        for uid in ["n1@x", "n2@x", "n3@x"] {
            h.engine
                .record_local_object(cal_id, uid, Some(one_event(uid, 11, uid)))
                .await
                .unwrap();
        }
        let late = LateAnswers {
            inner: server.clone(),
            delay: std::time::Duration::from_millis(2),
        };
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let cut = std::time::Duration::from_micros(seed % 16_000);
        cut_points.insert(cut.as_millis());
        let _ = tokio::time::timeout(cut, h.engine.sync_two_way(&late, cal_id)).await;

        // Nothing lost: every local change is either on the server or still queued.
        let m = h.mirror();
        assert!(m.check_integrity().unwrap(), "run {run}");
        assert_eq!(m.orphan_occurrences().unwrap(), 0, "run {run}");
        drop(m);

        // The next syncs converge: everything on the server once, nothing queued,
        // no conflict of our own making.
        for _ in 0..2 {
            h.engine.sync_two_way(&server, cal_id).await.unwrap();
        }
        let m = h.mirror();
        assert!(
            m.outbox(None).unwrap().is_empty(),
            "run {run}: {:?}",
            m.outbox(None).unwrap()
        );
        assert!(
            m.open_conflicts(None).unwrap().is_empty(),
            "run {run} (cut at {cut:?})"
        );
        let mut on_server: Vec<String> = server.items(CAL).into_iter().map(|i| i.id).collect();
        on_server.sort();
        assert_eq!(
            on_server,
            ["e.ics", "n1@x.ics", "n2@x.ics", "n3@x.ics"],
            "run {run}"
        );
        assert!(
            server.item(CAL, "e.ics").unwrap().body.contains("E edited"),
            "run {run}"
        );
        assert_eq!(
            shown(&h.engine).await,
            ["E edited", "n1@x", "n2@x", "n3@x"],
            "run {run}"
        );
    }
    assert!(cut_points.len() > 10, "the cuts landed at {cut_points:?}");
}

#[tokio::test]
async fn a_sync_that_would_delete_most_of_the_calendar_asks_first() {
    let (h, server, cal_id) = two_way().await;
    for n in 0..30 {
        server
            .put_behind_engine(
                CAL,
                &format!("{n}.ics"),
                &one_event(&format!("{n}@x"), 9, &format!("E{n}")),
            )
            .unwrap();
    }
    h.engine.sync_two_way(&server, cal_id).await.unwrap();
    for n in 0..25 {
        server
            .delete_behind_engine(CAL, &format!("{n}.ics"))
            .unwrap();
    }
    let err = h.engine.sync_two_way(&server, cal_id).await.unwrap_err();
    assert_eq!(err.code(), "mass_delete");
    assert_eq!(shown(&h.engine).await.len(), 30, "nothing changed");
    // Asked again next time (the token was not moved on).
    assert_eq!(
        h.engine
            .sync_two_way(&server, cal_id)
            .await
            .unwrap_err()
            .code(),
        "mass_delete"
    );
    let r = h
        .engine
        .sync_two_way_deciding(&server, cal_id, MassDeletionChoice::Apply)
        .await
        .unwrap();
    assert_eq!(r.counts.removed, 25);
    assert_eq!(shown(&h.engine).await.len(), 5);
}

#[tokio::test]
async fn an_unreadable_item_is_reported_and_the_rest_syncs() {
    let (h, server, cal_id) = two_way().await;
    server
        .put_behind_engine(CAL, "good.ics", &one_event("g@x", 9, "Good"))
        .unwrap();
    let two_uids = cal(&[
        ev("a@x", "20260303T100000Z", "20260303T103000Z", "A", ""),
        ev("b@x", "20260303T110000Z", "20260303T113000Z", "B", ""),
    ]);
    server.put_behind_engine(CAL, "bad.ics", &two_uids).unwrap();
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!((pulled(&r), r.failed), (1, 1), "{r:?}");
    assert!(r.problems[0].contains("bad.ics"), "{:?}", r.problems);
    assert_eq!(shown(&h.engine).await, ["Good"]);
}

/// Objects taken from the server, new or changed.
fn pulled(r: &TwoWayReport) -> u64 {
    r.counts.added + r.counts.updated
}

#[tokio::test]
async fn an_event_the_server_holds_twice_is_reported_not_flipped_between_copies() {
    let (h, server, cal_id) = two_way().await;
    server
        .put_behind_engine(CAL, "a.ics", &one_event("dup@x", 9, "One"))
        .unwrap();
    h.engine.sync_two_way(&server, cal_id).await.unwrap();
    server
        .put_behind_engine(CAL, "b.ics", &one_event("dup@x", 9, "Two"))
        .unwrap();
    for round in 0..3 {
        if round == 2 {
            // A full listing names both again.
            server.drop_change_tokens();
        }
        let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
        let objects = h.mirror().remote_objects(cal_id).unwrap();
        assert_eq!(objects.len(), 1, "round {round}");
        assert_eq!(
            objects[0].remote_id.as_deref(),
            Some("a.ics"),
            "round {round}: kept where it was"
        );
        if round != 1 {
            assert_eq!(r.failed, 1, "round {round}: {r:?}");
            assert!(
                r.problems[0].contains("dup@x") && r.problems[0].contains("b.ics"),
                "{r:?}"
            );
        }
    }
    assert_eq!(shown(&h.engine).await, ["One"]);
}

#[tokio::test]
async fn an_event_renamed_on_the_server_follows_its_new_id_and_stays() {
    let (h, server, cal_id) = two_way().await;
    server
        .put_behind_engine(CAL, "a.ics", &one_event("moved@x", 9, "Moved"))
        .unwrap();
    h.engine.sync_two_way(&server, cal_id).await.unwrap();
    server.delete_behind_engine(CAL, "a.ics").unwrap();
    server
        .put_behind_engine(CAL, "c.ics", &one_event("moved@x", 9, "Moved"))
        .unwrap();
    server.drop_change_tokens();
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!((r.counts.removed, r.failed), (0, 0), "{r:?}");
    let objects = h.mirror().remote_objects(cal_id).unwrap();
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0].remote_id.as_deref(), Some("c.ics"));
    assert_eq!(shown(&h.engine).await, ["Moved"]);
}

#[tokio::test]
async fn a_server_item_with_the_uid_of_a_local_creation_waits_and_the_sync_goes_on() {
    let (h, server, cal_id) = two_way().await;
    h.engine
        .record_local_object(cal_id, "same@x", Some(one_event("same@x", 9, "Mine")))
        .await
        .unwrap();
    // Another client made the same UID under an id of its own.
    server
        .put_behind_engine(CAL, "theirs.ics", &one_event("same@x", 9, "Theirs"))
        .unwrap();
    server
        .put_behind_engine(CAL, "other.ics", &one_event("other@x", 10, "Other"))
        .unwrap();
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!(r.failed, 1, "{r:?}");
    assert!(r.problems[0].contains("theirs.ics"), "{r:?}");
    // The rest of the calendar synced; the local creation is kept.
    let shown = shown(&h.engine).await;
    assert!(
        shown.contains(&"Mine".to_string()) && shown.contains(&"Other".to_string()),
        "{shown:?}"
    );
}

/// A server that answers every token with "no changes" (sabre/dav's answer to a token
/// from the future): the daily full listing still finds what changed and what went,
/// with one listing a day and nothing fetched that did not change.
#[tokio::test]
async fn the_daily_listing_finds_what_a_blind_token_missed() {
    let (h, server, cal_id) = two_way().await;
    put_three(&server);
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!(pulled(&r), 3);
    // The first sync was a full snapshot: no separate listing.
    assert_eq!(server.calls(Operation::Versions), 0);

    server.answer_tokens_blindly(true);
    server
        .put_behind_engine(CAL, "a.ics", &one_event("a@x", 9, "Alpha changed"))
        .unwrap();
    server.delete_behind_engine(CAL, "b.ics").unwrap();
    server
        .put_behind_engine(CAL, "d.ics", &one_event("d@x", 12, "Delta new"))
        .unwrap();
    // Within the day the token is trusted, and it says nothing changed.
    h.clock.set(T0 + 3600);
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!((pulled(&r), r.counts.removed, r.reconciled), (0, 0, 0));
    assert_eq!(server.calls(Operation::Versions), 0);
    assert!(shown(&h.engine).await.contains(&"Event b@x".to_string()));

    // A day after the first listing (the snapshot), the calendar is listed in full.
    server.reset_calls();
    h.clock.set(T0 + 86_400);
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!(server.calls(Operation::Versions), 1);
    // Only what differs is fetched: a.ics (another etag) and d.ics (new), not c.ics.
    assert_eq!(server.calls(Operation::FetchItems), 1);
    assert_eq!(
        (r.counts.added, r.counts.updated, r.counts.removed),
        (1, 1, 1),
        "{r:?}"
    );
    assert_eq!(r.reconciled, 3);
    assert_eq!(
        shown(&h.engine).await,
        ["Alpha changed", "Delta new", "Event c@x"]
    );

    // Listed: not again that day.
    server.reset_calls();
    h.clock.set(T0 + 86_400 + 3600);
    h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!(server.calls(Operation::Versions), 0);
}

/// A pending local edit of an item the listing finds changed on the server is a
/// conflict, never overwritten either way; the listing's deletion of most of the
/// calendar waits for the user like any other.
#[tokio::test]
async fn the_daily_listing_goes_through_the_plan() {
    let (h, server, cal_id) = edited_on_both_sides_soon().await;
    for i in 0..30 {
        server
            .put_behind_engine(
                CAL,
                &format!("m{i}.ics"),
                &one_event(&format!("m{i}@x"), 12, "Many"),
            )
            .unwrap();
    }
    // The local edit of a.ics is pushed in the same sync that pulls the 30.
    h.engine.sync_two_way(&server, cal_id).await.unwrap();
    server.answer_tokens_blindly(true);
    h.engine
        .record_local_object(cal_id, "a@x", Some(one_event("a@x", 9, "Mine again")))
        .await
        .unwrap();
    server
        .put_behind_engine(CAL, "a.ics", &one_event("a@x", 9, "Theirs"))
        .unwrap();
    for i in 0..25 {
        server
            .delete_behind_engine(CAL, &format!("m{i}.ics"))
            .unwrap();
    }
    h.clock.set(T0 + 2 * 86_400);
    let e = h.engine.sync_two_way(&server, cal_id).await.unwrap_err();
    assert_eq!(e.code(), "mass_delete", "{e}");
    let r = h
        .engine
        .sync_two_way_deciding(&server, cal_id, MassDeletionChoice::Apply)
        .await
        .unwrap();
    assert_eq!((r.counts.removed, r.counts.conflicts), (25, 1), "{r:?}");
    assert!(server.item(CAL, "a.ics").unwrap().body.contains("Theirs"));
}

/// A server without change tokens (CalDAV `getctag` only): a changed calendar is
/// answered with the listing of every etag; only what differs is fetched, what is not
/// listed is deleted, and a local edit still meets the server's as a conflict.
#[tokio::test]
async fn a_listing_is_reconciled_fetching_only_what_differs() {
    let (h, server, cal_id) = two_way().await;
    put_three(&server);
    h.engine.sync_two_way(&server, cal_id).await.unwrap();
    server.answer_with_listings(true);
    server.reset_calls();
    // Unchanged: not modified, nothing listed or fetched.
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!(pulled(&r), 0);
    assert_eq!(server.calls(Operation::FetchItems), 0);

    server
        .put_behind_engine(CAL, "a.ics", &one_event("a@x", 9, "Alpha changed"))
        .unwrap();
    server.delete_behind_engine(CAL, "b.ics").unwrap();
    h.engine
        .record_local_object(cal_id, "c@x", Some(one_event("c@x", 11, "Mine")))
        .await
        .unwrap();
    server
        .put_behind_engine(CAL, "c.ics", &one_event("c@x", 11, "Theirs"))
        .unwrap();
    server.reset_calls();
    let r = h.engine.sync_two_way(&server, cal_id).await.unwrap();
    assert_eq!(
        (r.counts.updated, r.counts.removed, r.counts.conflicts),
        (1, 1, 1),
        "{r:?}"
    );
    // One fetch, of a.ics and c.ics; no second daily listing after a full one.
    assert_eq!(server.calls(Operation::FetchItems), 1);
    assert_eq!(server.calls(Operation::Versions), 0);
    assert!(server.item(CAL, "c.ics").unwrap().body.contains("Theirs"));
    assert!(shown(&h.engine)
        .await
        .contains(&"Alpha changed".to_string()));
}

/// "Event a@x", "Event b@x" and "Event c@x" on the server as a.ics, b.ics and c.ics.
fn put_three(server: &MemoryProvider) {
    for (id, uid, hour) in [
        ("a.ics", "a@x", 9),
        ("b.ics", "b@x", 10),
        ("c.ics", "c@x", 11),
    ] {
        server
            .put_behind_engine(CAL, id, &one_event(uid, hour, &format!("Event {uid}")))
            .unwrap();
    }
}

/// A creation whose UID the server already holds under another name (another client
/// made it meanwhile): never sent again as it is, kept as a conflict with the
/// server's version; nothing on the server is overwritten or duplicated, and later
/// syncs do not loop on it.
#[tokio::test]
async fn a_uid_the_server_already_holds_is_a_conflict_not_a_retry() {
    let (h, server, cal_id) = two_way().await;
    h.engine.sync_two_way(&server, cal_id).await.unwrap();
    h.engine
        .record_local_object(cal_id, "dup@x", Some(one_event("dup@x", 9, "Mine")))
        .await
        .unwrap();
    let racing = Racing {
        inner: server.clone(),
        after_pull: std::sync::Mutex::new(Some((
            "theirs.ics".into(),
            one_event("dup@x", 9, "Theirs"),
        ))),
    };
    let r = h.engine.sync_two_way(&racing, cal_id).await.unwrap();
    assert_eq!((r.counts.pushed, r.counts.conflicts), (0, 1), "{r:?}");
    let items = server.items(CAL);
    assert_eq!(items.len(), 1, "{items:?}");
    assert!(items[0].body.contains("Theirs"));
    let o = h.mirror().remote_objects(cal_id).unwrap();
    assert_eq!(o.len(), 1, "{o:?}");
    assert_eq!(o[0].state, ObjectState::Conflict);
    assert!(
        o[0].local_raw.as_deref().unwrap().contains("Mine"),
        "ours kept"
    );

    server.reset_calls();
    for _ in 0..3 {
        h.engine.sync_two_way(&server, cal_id).await.unwrap();
    }
    assert_eq!(
        server.calls(Operation::PutItem),
        0,
        "no retry while in conflict"
    );
    assert_eq!(server.items(CAL).len(), 1);
}
