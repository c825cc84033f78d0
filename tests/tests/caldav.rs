#![allow(clippy::unwrap_used, clippy::expect_used)]
//! CalDAV accounts against real servers (Radicale, Cyrus, sabre/dav from
//! `../shared/servers/`, each started on 127.0.0.1 with its own data): the provider at
//! the port (discovery, snapshot, delta, conditional writes, tokens), and the engine's
//! two-way sync end to end, every change read back by an independent plain-HTTP
//! client (`curl`).

use chrono::NaiveDate;
use traycal_engine::local_edit::{EventFields, WhenGiven, WrittenEvent};
use traycal_engine::two_way::intended_id;
use traycal_providers::caldav::discover;
use traycal_providers::{
    CalDavProvider, CalDavSettings, CalendarProvider, ChangeToken, Changes, ItemVersion,
    ProviderErrorKind, WritePrecondition,
};
use traycal_store::{CalendarId, SourceKind};
use traycal_system_tests::dav_proxy::DavProxy;
use traycal_system_tests::dav_servers::{DavKind, DavServer};
use traycal_system_tests::harness::{harness, Harness, T0};

fn event(uid: &str, day: u32, hour: u32, summary: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Traycal tests//EN\r\nBEGIN:VEVENT\r\n\
         UID:{uid}\r\nDTSTAMP:20260301T000000Z\r\nDTSTART:202603{day:02}T{hour:02}0000Z\r\n\
         DTEND:202603{day:02}T{hour:02}3000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

// ---------------------------------------------------------------- the port

async fn port_round_trip(kind: DavKind) {
    let server = DavServer::start(kind);
    let cal = server.calendar_url("alice");

    // Discovery from the server's root URL, and a wrong password.
    let found = discover(&server.url, "alice", "secret").await.unwrap();
    let mine = found
        .calendars
        .iter()
        .find(|c| c.url == cal)
        .unwrap_or_else(|| panic!("{cal} not among {:?}", found.calendars));
    assert!(!mine.read_only, "{mine:?}");
    let wrong = discover(&server.url, "alice", "wrong").await.unwrap_err();
    assert_eq!(wrong.kind(), ProviderErrorKind::Unauthorized, "{wrong:?}");

    let (p, _) = CalDavProvider::connect_new(&server.url, "alice", "secret")
        .await
        .unwrap();
    let calendars = p.calendars().await.unwrap();
    assert!(calendars.iter().any(|c| c.id == cal), "{calendars:?}");

    let Changes::Snapshot { items, next_token } = p.changes(&cal, None).await.unwrap() else {
        panic!("a first listing is a snapshot")
    };
    assert!(items.is_empty(), "{items:?}");

    // Create-only, twice; a stale If-Match.
    let body = event("x@traycal.test", 3, 9, "Port test");
    let w = p
        .put_item(&cal, "x.ics", &body, &WritePrecondition::CreateOnly)
        .await
        .unwrap();
    assert_eq!(w.id, "x.ics");
    let again = p
        .put_item(&cal, "x.ics", &body, &WritePrecondition::CreateOnly)
        .await
        .unwrap_err();
    assert_eq!(again.kind(), ProviderErrorKind::PreconditionFailed);
    let stale = p
        .put_item(
            &cal,
            "x.ics",
            &body,
            &WritePrecondition::IfMatch("\"stale\"".into()),
        )
        .await
        .unwrap_err();
    assert_eq!(stale.kind(), ProviderErrorKind::PreconditionFailed);

    // The delta names it, with its text; then nothing changed.
    let Changes::Delta {
        changed,
        deleted,
        next_token,
    } = p.changes(&cal, Some(&next_token)).await.unwrap()
    else {
        panic!("a delta after a write")
    };
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(deleted.is_empty());
    assert_eq!(changed[0].id, "x.ics");
    assert!(changed[0].body.contains("SUMMARY:Port test\r\n"));
    let etag = changed[0].etag.clone().expect("an etag in the listing");
    let quiet = p.changes(&cal, Some(&next_token)).await.unwrap();
    let Changes::NotModified { next_token } = quiet else {
        panic!("nothing changed: {quiet:?}")
    };

    // Fetch by name; a name that is not there is missing.
    let got = p
        .fetch_items(&cal, &["x.ics".to_string(), "nope.ics".to_string()])
        .await
        .unwrap();
    assert_eq!(got.items.len(), 1);
    assert_eq!(got.items[0].etag.as_deref(), Some(etag.as_str()));
    assert_eq!(got.missing, ["nope.ics"]);

    // The full etag listing (a calendar-query): the item, with the same etag.
    let listed = p.versions(&cal).await.unwrap();
    assert_eq!(
        listed,
        [ItemVersion {
            id: "x.ics".into(),
            etag: Some(etag.clone())
        }]
    );

    // Delete: a stale etag is refused, the current one deletes; the delta says so.
    let refused = p.delete_item(&cal, "x.ics", "\"stale\"").await.unwrap_err();
    assert_eq!(refused.kind(), ProviderErrorKind::PreconditionFailed);
    p.delete_item(&cal, "x.ics", &etag).await.unwrap();
    let Changes::Delta { deleted, .. } = p.changes(&cal, Some(&next_token)).await.unwrap() else {
        panic!("a delta after a delete")
    };
    assert_eq!(deleted, ["x.ics"]);
    assert_eq!(p.versions(&cal).await.unwrap(), []);

    // A token the server never issued.
    let bogus = ChangeToken::new("caldav/1 sync http://example.invalid/sync/garbage");
    let e = p.changes(&cal, Some(&bogus)).await.unwrap_err();
    assert_eq!(e.kind(), ProviderErrorKind::ChangeTokenInvalid, "{e:?}");

    // A UID the calendar already holds under another name: Radicale and Cyrus refuse
    // (`UidInUse`, Cyrus naming the existing item), sabre/dav accepts a second object.
    let twin = event("twin@traycal.test", 6, 9, "Twin");
    p.put_item(&cal, "twin-1.ics", &twin, &WritePrecondition::CreateOnly)
        .await
        .unwrap();
    let again = p
        .put_item(&cal, "twin-2.ics", &twin, &WritePrecondition::CreateOnly)
        .await;
    match kind {
        DavKind::Sabre => {
            again.unwrap();
        }
        DavKind::Radicale | DavKind::Cyrus => {
            let e = again.unwrap_err();
            assert_eq!(e.kind(), ProviderErrorKind::UidInUse, "{e:?}");
            if kind == DavKind::Cyrus {
                assert_eq!(e.existing(), Some("twin-1.ics"), "{e:?}");
            }
        }
    }
}

#[tokio::test]
async fn radicale_port() {
    port_round_trip(DavKind::Radicale).await;
}

#[tokio::test]
async fn sabre_port() {
    port_round_trip(DavKind::Sabre).await;
}

#[tokio::test]
async fn cyrus_port() {
    port_round_trip(DavKind::Cyrus).await;
}

// ---------------------------------------------------------------- the engine

struct Account {
    h: Harness,
    calendar: CalendarId,
    source: i64,
    cal_url: String,
}

async fn account(server: &DavServer) -> Account {
    let h = harness().await;
    let cal_url = server.calendar_url("alice");
    let calendar = h
        .engine
        .add_account_calendar(SourceKind::Caldav, "alice", &cal_url, "Calendar", false)
        .await
        .unwrap();
    let source = h.source_of(calendar).await;
    let (p, _) = CalDavProvider::connect_new(&server.url, "alice", "secret")
        .await
        .unwrap();
    h.engine.connect_account(source, p);
    Account {
        h,
        calendar,
        source,
        cal_url,
    }
}

fn at(day: u32, hour: u32) -> WhenGiven {
    WhenGiven::At(
        NaiveDate::from_ymd_opt(2026, 3, day)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap(),
    )
}

/// A one-hour event made here on March `day` at `hour` in `zone`.
async fn create(a: &Account, title: &str, day: u32, hour: u32, zone: &str) -> WrittenEvent {
    a.h.engine
        .create_event(
            a.calendar.0,
            &EventFields {
                title: Some(title.into()),
                start: Some(at(day, hour)),
                end: Some(at(day, hour + 1)),
                zone: Some(zone.into()),
                ..EventFields::default()
            },
        )
        .await
        .unwrap()
}

/// The event `uid` retitled here.
async fn retitle(a: &Account, uid: &str, title: &str) -> WrittenEvent {
    retitle_in(&a.h.engine, uid, title).await.unwrap()
}

/// The event `uid` retitled through `engine`, as it answered.
async fn retitle_in(
    engine: &traycal_engine::Engine,
    uid: &str,
    title: &str,
) -> Result<WrittenEvent, traycal_engine::EngineError> {
    engine
        .edit_event(
            uid,
            None,
            None,
            &EventFields {
                title: Some(title.into()),
                ..EventFields::default()
            },
        )
        .await
}

/// The server's copy of the object `uid` made here, read by plain HTTP.
fn server_copy(server: &DavServer, a: &Account, uid: &str) -> String {
    server
        .curl("alice")
        .get(&format!("{}{}", a.cal_url, intended_id(uid)))
        .body
}

async fn engine_round_trip(kind: DavKind) {
    let mut server = DavServer::start(kind);
    let a = account(&server).await;
    let (h, curl) = (&a.h, server.curl("alice"));
    let href = |name: &str| format!("{}{name}", a.cal_url);

    // Another client's event comes in.
    assert!((200..300).contains(
        &curl
            .put(&href("other.ics"), &event("other@x", 3, 9, "Theirs"))
            .status
    ));
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!(
        (r.outcome.as_str(), r.counts.added),
        ("updated", 1),
        "{r:?}"
    );
    assert!(h
        .summaries(T0, T0 + 2 * 86_400)
        .await
        .contains(&"Theirs".to_string()));

    // An event made here goes out, with its zone.
    let made = create(&a, "Lunch", 3, 12, "Europe/Berlin").await;
    assert!(made.pending);
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!(r.counts.pushed, 1, "{r:?}");
    let lunch = href(&intended_id(&made.uid));
    let got = curl.get(&lunch);
    assert_eq!(got.status, 200, "{got:?}");
    assert!(got.body.contains("SUMMARY:Lunch"), "{}", got.body);
    assert!(got.body.contains("TZID=Europe/Berlin"), "{}", got.body);
    assert!(got.body.contains("BEGIN:VTIMEZONE"), "{}", got.body);

    // Edited and deleted on the server: both come in. (No bare comma in the title:
    // Radicale cuts `SUMMARY:a, b` to `a`, as written by another client; Traycal's own
    // writer escapes it.)
    curl.put(&href("other.ics"), &event("other@x", 3, 10, "Theirs moved"));
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!(r.counts.updated, 1, "{r:?}");
    let seen = h.summaries(T0, T0 + 2 * 86_400).await;
    assert!(seen.contains(&"Theirs moved".to_string()), "{seen:?}");
    curl.delete(&href("other.ics"));
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!(r.counts.removed, 1, "{r:?}");

    // Edited here: the server has the new title.
    retitle(&a, &made.uid, "Team lunch").await;
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!(r.counts.pushed, 1, "{r:?}");
    assert!(curl.get(&lunch).body.contains("SUMMARY:Team lunch"));

    // Another client's properties that Traycal does not know survive an edit here.
    let rich = event("rich@x", 4, 9, "Rich").replacen(
        "END:VEVENT",
        "X-OTHER-CLIENT;X-P=1:keep me\r\nCATEGORIES:Work\r\nEND:VEVENT",
        1,
    );
    curl.put(&href("rich.ics"), &rich);
    h.engine.sync_source(a.source).await.unwrap();
    retitle(&a, "rich@x", "Rich retitled").await;
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!(r.counts.pushed, 1, "{r:?}");
    let body = curl.get(&href("rich.ics")).body.replace("\r\n ", "");
    assert!(body.contains("SUMMARY:Rich retitled"), "{body}");
    assert!(
        body.contains("X-OTHER-CLIENT") && body.contains("keep me"),
        "{body}"
    );
    assert!(body.contains("CATEGORIES:Work"), "{body}");
    curl.delete(&href("rich.ics"));
    h.engine.sync_source(a.source).await.unwrap();

    // Edited here (the title) and there (a location, by another client): merged
    // over the agreed version, both changes on the server after one sync.
    retitle(&a, &made.uid, "Team lunch 2").await;
    let there = curl
        .get(&lunch)
        .body
        .replacen("END:VEVENT", "LOCATION:Canteen\r\nEND:VEVENT", 1);
    curl.put(&lunch, &there);
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!((r.counts.conflicts, r.counts.pushed), (0, 1), "{r:?}");
    let merged = curl.get(&lunch).body.replace("\r\n ", "");
    assert!(merged.contains("SUMMARY:Team lunch 2"), "{merged}");
    assert!(merged.contains("LOCATION:Canteen"), "{merged}");

    // The same title edited on both sides: a conflict, the server's version untouched.
    retitle(&a, &made.uid, "Mine").await;
    let theirs = curl
        .get(&lunch)
        .body
        .replace("SUMMARY:Team lunch 2", "SUMMARY:Theirs now");
    curl.put(&lunch, &theirs);
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!(r.counts.conflicts, 1, "{r:?}");
    assert!(curl.get(&lunch).body.contains("SUMMARY:Theirs now"));

    // A series, then one occurrence changed here: the override is on the server.
    let series = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Traycal tests//EN\r\n\
                  BEGIN:VEVENT\r\nUID:weekly@traycal.test\r\nDTSTAMP:20260301T000000Z\r\n\
                  DTSTART:20260304T080000Z\r\nDTEND:20260304T083000Z\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\n\
                  SUMMARY:Weekly\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    h.engine
        .record_local_object(a.calendar, "weekly@traycal.test", Some(series.into()))
        .await
        .unwrap();
    h.engine.sync_source(a.source).await.unwrap();
    h.engine
        .edit_event(
            "weekly@traycal.test",
            None,
            Some("20260311T080000Z"),
            &EventFields {
                title: Some("Weekly (moved)".into()),
                start: Some(at(11, 9)),
                end: Some(at(11, 10)),
                zone: Some("UTC".into()),
                ..EventFields::default()
            },
        )
        .await
        .unwrap();
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!(r.counts.pushed, 1, "{r:?}");
    let weekly = curl.get(&href(&intended_id("weekly@traycal.test"))).body;
    assert!(weekly.contains("RECURRENCE-ID"), "{weekly}");
    assert!(weekly.contains("SUMMARY:Weekly (moved)"), "{weekly}");
    assert!(
        !weekly.contains("EXDATE"),
        "an override, not an exclusion: {weekly}"
    );

    // This and the following occurrences: the series is cut, a new one starts.
    let later = h
        .engine
        .edit_following(
            "weekly@traycal.test",
            None,
            "20260318T080000Z",
            &EventFields {
                title: Some("Weekly (later)".into()),
                ..EventFields::default()
            },
        )
        .await
        .unwrap();
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!(r.counts.pushed, 2, "the cut series and the new one: {r:?}");
    let old = curl.get(&href(&intended_id("weekly@traycal.test"))).body;
    assert!(old.contains("UNTIL="), "{old}");
    assert!(!old.contains("COUNT="), "{old}");
    let new = curl.get(&href(&intended_id(&later.uid)));
    assert_eq!(new.status, 200);
    assert!(new.body.contains("SUMMARY:Weekly (later)"), "{}", new.body);
    let seen = h.summaries(T0, T0 + 30 * 86_400).await;
    let count = |t: &str| seen.iter().filter(|s| s.as_str() == t).count();
    assert_eq!(
        (
            count("Weekly"),
            count("Weekly (moved)"),
            count("Weekly (later)")
        ),
        (1, 1, 2),
        "{seen:?}"
    );
    // And deleted from its second occurrence on: one is left.
    h.engine
        .delete_following(&later.uid, None, "20260325T080000Z")
        .await
        .unwrap();
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!(r.counts.pushed, 1, "{r:?}");
    assert!(curl
        .get(&href(&intended_id(&later.uid)))
        .body
        .contains("UNTIL="));
    let seen = h.summaries(T0, T0 + 30 * 86_400).await;
    assert_eq!(
        seen.iter().filter(|s| *s == "Weekly (later)").count(),
        1,
        "{seen:?}"
    );

    // Offline: the server stops, an event is made, the sync fails and keeps it; the
    // server comes back and it goes out.
    server.stop();
    let offline = create(&a, "Made offline", 5, 15, "UTC").await;
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!(r.outcome, "failed", "{r:?}");
    assert!(h
        .summaries(T0, T0 + 5 * 86_400)
        .await
        .contains(&"Made offline".to_string()));
    server.restart();
    h.clock.set(r.next_due_at);
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!(r.counts.pushed, 1, "{r:?}");
    assert_eq!(curl.get(&href(&intended_id(&offline.uid))).status, 200);

    // Deleted here: gone from the server.
    h.engine
        .delete_event(&offline.uid, None, None)
        .await
        .unwrap();
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!(r.counts.pushed, 1, "{r:?}");
    assert_eq!(curl.get(&href(&intended_id(&offline.uid))).status, 404);
    assert_eq!(h.mirror().orphan_occurrences().unwrap(), 0);

    invalid_token_relists_without_duplicates(&a, &server).await;
    mass_deletion_on_the_server_waits_for_the_user(&a, &server).await;
}

/// A stored token the server refuses: everything is listed again and reconciled by
/// id, with no duplicate and nothing pushed again.
async fn invalid_token_relists_without_duplicates(a: &Account, server: &DavServer) {
    let h = &a.h;
    let held = h.mirror().remote_objects(a.calendar).unwrap().len();
    assert!(held >= 2, "{held}");
    let mut m = h.mirror();
    m.set_change_token(
        a.calendar,
        Some("caldav/1 sync http://example.invalid/sync/bogus"),
    )
    .unwrap();
    drop(m);
    server.curl("alice").put(
        &format!("{}new.ics", a.cal_url),
        &event("new@x", 6, 9, "While away"),
    );
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!(
        (r.outcome.as_str(), r.counts.added, r.counts.pushed),
        ("updated", 1, 0),
        "{r:?}"
    );
    let objects = h.mirror().remote_objects(a.calendar).unwrap();
    assert_eq!(objects.len(), held + 1, "no duplicates: {objects:?}");
    let mut uids: Vec<&str> = objects.iter().map(|o| o.uid.as_str()).collect();
    uids.sort_unstable();
    uids.dedup();
    assert_eq!(uids.len(), objects.len());
}

/// Most of the calendar deleted on the server: the sync stops and asks; applied at
/// the user's word.
async fn mass_deletion_on_the_server_waits_for_the_user(a: &Account, server: &DavServer) {
    let h = &a.h;
    let curl = server.curl("alice");
    for i in 0..24 {
        let status = curl
            .put(
                &format!("{}bulk-{i}.ics", a.cal_url),
                &event(&format!("bulk-{i}@x"), 7 + i % 20, 9, &format!("Bulk {i}")),
            )
            .status;
        assert!((200..300).contains(&status), "{status}");
    }
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!(r.counts.added, 24, "{r:?}");
    for i in 0..24 {
        curl.delete(&format!("{}bulk-{i}.ics", a.cal_url));
    }
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!(
        (r.outcome.as_str(), r.error_code.as_deref()),
        ("failed", Some("mass_delete")),
        "{r:?}"
    );
    let said = r.error.unwrap_or_default();
    assert!(said.contains("server no longer has 24"), "{said}");
    let still = h.mirror().remote_objects(a.calendar).unwrap();
    assert!(still.iter().filter(|o| o.uid.starts_with("bulk-")).count() == 24);
    let r = h
        .engine
        .sync_source_with(a.source, traycal_engine::MassDeletionChoice::Apply)
        .await
        .unwrap();
    assert_eq!(r.counts.removed, 24, "{r:?}");
}

/// A meeting still to come (Cyrus schedules only those): sabre/dav and Cyrus store
/// it with changes of their own and answer its PUT without an ETag. An edit of it is
/// undone all the same (Cyrus's copy of the edit is not someone else's change).
async fn meeting_written_anew_by_the_server(kind: DavKind) {
    let server = DavServer::start(kind);
    let a = account(&server).await;
    let h = &a.h;
    let meeting = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Traycal tests//EN\r\n\
                   BEGIN:VEVENT\r\nUID:meeting@traycal.test\r\nDTSTAMP:20260301T000000Z\r\n\
                   DTSTART:20270305T140000Z\r\nDTEND:20270305T150000Z\r\nSUMMARY:Planning\r\n\
                   ORGANIZER:mailto:alice@example.com\r\n\
                   ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:someone@elsewhere.test\r\n\
                   END:VEVENT\r\nEND:VCALENDAR\r\n";
    h.engine
        .record_local_object(a.calendar, "meeting@traycal.test", Some(meeting.into()))
        .await
        .unwrap();
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!(r.counts.pushed, 1, "{r:?}");
    let o = h.mirror().remote_objects(a.calendar).unwrap().remove(0);
    assert!(
        o.etag.is_some(),
        "the server's copy was fetched with its etag: {o:?}"
    );
    let on_server = server_copy(&server, &a, "meeting@traycal.test");
    assert_eq!(
        traycal_core::ics::content_hash(o.base_raw.as_deref().unwrap()),
        traycal_core::ics::content_hash(&on_server),
        "the agreed version is the server's"
    );
    // The next edit goes out cleanly: no refusal, no conflict with ourselves.
    let moved = retitle(&a, "meeting@traycal.test", "Planning, moved").await;
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!((r.counts.pushed, r.counts.conflicts), (1, 0), "{r:?}");
    let after = server_copy(&server, &a, "meeting@traycal.test");
    assert!(after.contains("SUMMARY:Planning\\, moved"), "{after}");

    // The edit is undone though the server stored it written anew: its copy of our
    // text is no change made by someone else.
    let undone = h.engine.undo(moved.undo.unwrap()).await.unwrap();
    assert!(undone.pending, "{undone:?}");
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!((r.counts.pushed, r.counts.conflicts), (1, 0), "{r:?}");
    let back = server_copy(&server, &a, "meeting@traycal.test");
    assert!(back.contains("SUMMARY:Planning\r\n"), "{back}");
}

#[tokio::test]
async fn sabre_meeting() {
    meeting_written_anew_by_the_server(DavKind::Sabre).await;
}

#[tokio::test]
async fn cyrus_meeting() {
    meeting_written_anew_by_the_server(DavKind::Cyrus).await;
}

/// A server without `sync-collection` (Radicale behind a proxy that refuses the
/// REPORT and hides the collection's `DAV:sync-token`): the first sync is refused,
/// finds no sync token and falls back to `getctag` with etag listings on its own; an
/// unchanged calendar then costs one request, a change is found by the listing, and
/// writes go through as before.
#[tokio::test]
async fn radicale_without_sync_collection_falls_back_to_getctag() {
    let server = DavServer::start(DavKind::Radicale);
    let proxy = DavProxy::without_sync_collection(&server.url);
    let h = harness().await;
    let cal_url = format!(
        "{}{}",
        proxy.url.trim_end_matches('/'),
        DavKind::Radicale.calendar_path("alice")
    );
    let calendar = h
        .engine
        .add_account_calendar(SourceKind::Caldav, "alice", &cal_url, "Calendar", false)
        .await
        .unwrap();
    let source = h.source_of(calendar).await;
    let (p, _) = CalDavProvider::connect_new(&proxy.url, "alice", "secret")
        .await
        .unwrap();
    h.engine.connect_account(source, p);
    let curl = server.curl("alice");
    let direct = server.calendar_url("alice");
    for (name, uid, day) in [("one.ics", "one@x", 3), ("two.ics", "two@x", 4)] {
        curl.put(&format!("{direct}{name}"), &event(uid, day, 9, "Before"));
    }
    proxy.clear();

    let r = h.engine.sync_source(source).await.unwrap();
    assert_eq!(r.counts.added, 2, "{r:?}");
    let seen = proxy.requests();
    assert_eq!(
        seen.iter()
            .filter(|r| *r == "REPORT sync-collection")
            .count(),
        1,
        "asked once, refused: {seen:?}"
    );
    assert_eq!(
        seen.iter().filter(|r| *r == "PROPFIND").count(),
        1,
        "the collection's state read once: {seen:?}"
    );
    assert!(
        seen.contains(&"REPORT calendar-multiget".to_string()),
        "{seen:?}"
    );
    let row = |h: &Harness| {
        h.mirror()
            .calendars()
            .unwrap()
            .into_iter()
            .find(|c| c.id == calendar)
            .unwrap()
    };
    let token = row(&h).change_token.unwrap();
    assert!(token.starts_with("caldav/1 ctag "), "{token}");

    // Unchanged: one request, and no sync-collection asked again.
    proxy.clear();
    h.clock.set(T0 + 600);
    let r = h.engine.sync_source(source).await.unwrap();
    assert_eq!(r.counts, Default::default(), "{r:?}");
    assert_eq!(proxy.requests(), ["PROPFIND"], "one request");

    // Changed on the server: the listing finds it.
    curl.put(&format!("{direct}one.ics"), &event("one@x", 3, 9, "After"));
    curl.delete(&format!("{direct}two.ics"));
    proxy.clear();
    h.clock.set(T0 + 1200);
    let r = h.engine.sync_source(source).await.unwrap();
    assert_eq!((r.counts.updated, r.counts.removed), (1, 1), "{r:?}");
    assert!(
        !proxy
            .requests()
            .iter()
            .any(|r| r == "REPORT sync-collection"),
        "{:?}",
        proxy.requests()
    );

    // And a creation here reaches the server.
    h.engine
        .create_event(
            calendar.0,
            &EventFields {
                title: Some("Made here".into()),
                start: Some(at(5, 10)),
                end: Some(at(5, 11)),
                zone: Some("UTC".into()),
                ..EventFields::default()
            },
        )
        .await
        .unwrap();
    h.clock.set(T0 + 1800);
    let r = h.engine.sync_source(source).await.unwrap();
    assert_eq!(r.counts.pushed, 1, "{r:?}");
    let on_server = curl.members(&direct);
    assert_eq!(on_server.len(), 2, "{on_server:?}");
}

/// Lines unfolded (RFC 5545 3.1), so a test can edit one property of a server's text.
fn unfolded(text: &str) -> String {
    text.replace("\r\n ", "").replace("\r\n\t", "")
}

/// `line` with the PARTSTAT set to `partstat` when it is the ATTENDEE line of `who`.
fn with_partstat(line: &str, who: &str, partstat: &str) -> String {
    let Some(at) = line.find("PARTSTAT=") else {
        return line.to_string();
    };
    if !line.starts_with("ATTENDEE") || !line.contains(who) {
        return line.to_string();
    }
    let value = at + "PARTSTAT=".len();
    let end = line[value..]
        .find([';', ':'])
        .map_or(line.len(), |i| value + i);
    format!("{}{partstat}{}", &line[..value], &line[end..])
}

/// A meeting on Cyrus (Fastmail's server), which gives it a `Schedule-Tag` and
/// delivers it to bob, a local attendee. Bob's reply changes alice's copy on the
/// server. Traycal's writes carry `If-Match`, so a text read before the reply never
/// overwrites it; after a pull, alice's edit goes out on top of the reply.
///
/// Why not `If-Schedule-Tag-Match` (RFC 6638 3.2.10), which would let that stale
/// write through? The RFC wants the server to merge the reply into such a write.
/// Cyrus 3.6 does not: the write replaces the reply (asserted at the end, so a
/// server that starts merging shows here).
#[tokio::test]
async fn cyrus_attendee_reply_is_never_overwritten() {
    let server = DavServer::start(DavKind::Cyrus);
    let a = account(&server).await;
    let h = &a.h;
    let uid = "team@traycal.test";
    // Cyrus schedules meetings still to come only (hence 2027), and makes a user's
    // calendars at the user's first request: bob has been here.
    let bob_home = server.calendar_url("bob").replace("/Default/", "/");
    server.curl("bob").members(&bob_home);
    let meeting = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Traycal tests//EN\r\n\
         BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260301T000000Z\r\n\
         DTSTART:20270305T140000Z\r\nDTEND:20270305T150000Z\r\nSUMMARY:Team\r\n\
         ORGANIZER:mailto:alice@example.com\r\n\
         ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@example.com\r\n\
         ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.com\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    h.engine
        .record_local_object(a.calendar, uid, Some(meeting))
        .await
        .unwrap();
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!(r.counts.pushed, 1, "{r:?}");
    let alice_url = format!("{}{}", a.cal_url, intended_id(uid));
    let first = server.curl("alice").get(&alice_url);
    assert!(
        first.header("schedule-tag").is_some(),
        "Cyrus tags a meeting: {first:?}"
    );
    let before = h.mirror().remote_objects(a.calendar).unwrap().remove(0);

    // Bob accepts in his own copy, which the server delivered to him.
    let reply = |partstat: &str| {
        let bob = server.curl("bob");
        // The server names bob's copy itself.
        let bob_cal = server.calendar_url("bob");
        let members = bob.members(&bob_cal);
        let [member] = members.as_slice() else {
            panic!(
                "one invitation in bob's calendar: {members:?}; home {:?}; alice's copy {}",
                bob.members(&bob_cal.replace("/Default/", "/")),
                server.curl("alice").get(&alice_url).body
            )
        };
        let bob_url = format!("{}{}", server.url.trim_end_matches('/'), member);
        let copy = bob.get(&bob_url);
        assert_eq!(copy.status, 200, "the invitation reached bob: {copy:?}");
        let answered: String = unfolded(&copy.body)
            .split_inclusive('\n')
            .map(|line| with_partstat(line, "bob@", partstat))
            .collect();
        let etag = format!("If-Match: {}", copy.header("etag").unwrap());
        let put = bob.request(
            "PUT",
            &bob_url,
            &[&etag, "Content-Type: text/calendar; charset=utf-8"],
            Some(&answered),
        );
        assert!(matches!(put.status, 200..=204), "bob's reply: {put:?}");
    };
    let bob_says = |partstat: &str| {
        unfolded(&server.curl("alice").get(&alice_url).body)
            .lines()
            .any(|l| {
                l.starts_with("ATTENDEE")
                    && l.contains(&format!("PARTSTAT={partstat}"))
                    && l.contains("bob@")
            })
    };
    reply("ACCEPTED");
    assert!(bob_says("ACCEPTED"), "the reply reached alice's copy");

    // A write of the text read before the reply is refused, not applied.
    let (p, _) = CalDavProvider::connect_new(&server.url, "alice", "secret")
        .await
        .unwrap();
    let stale = before
        .base_raw
        .as_deref()
        .unwrap()
        .replace("SUMMARY:Team", "SUMMARY:Team (stale)");
    let refused = p
        .put_item(
            &a.cal_url,
            &intended_id(uid),
            &stale,
            &WritePrecondition::IfMatch(before.etag.clone().unwrap()),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ProviderErrorKind::PreconditionFailed);
    assert!(bob_says("ACCEPTED"), "the reply is still there");

    // Through the engine: the reply is pulled, the edit goes on top of it.
    h.engine.sync_source(a.source).await.unwrap();
    retitle(&a, uid, "Team, moved").await;
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!((r.counts.pushed, r.counts.conflicts), (1, 0), "{r:?}");
    let after = server.curl("alice").get(&alice_url).body;
    assert!(after.contains("SUMMARY:Team\\, moved"), "{after}");
    assert!(bob_says("ACCEPTED"), "the edit kept the reply: {after}");

    // The quirk: bob declines, and a write of the older text by its (unchanged)
    // Schedule-Tag goes through and puts his earlier answer back. The write changes
    // only an X- property, which no server counts as a change that asks attendees
    // again (a new time would reset every answer to NEEDS-ACTION, merge or not).
    let current = server.curl("alice").get(&alice_url);
    let tag = current.header("schedule-tag").unwrap().to_string();
    reply("DECLINED");
    assert!(bob_says("DECLINED"));
    let by_tag = server.curl("alice").request(
        "PUT",
        &alice_url,
        &[
            &format!("If-Schedule-Tag-Match: {tag}"),
            "Content-Type: text/calendar; charset=utf-8",
        ],
        Some(&current.body.replace(
            "SUMMARY:Team\\, moved\r\n",
            "SUMMARY:Team\\, moved\r\nX-TRAYCAL-NOTE:kept\r\n",
        )),
    );
    assert!(matches!(by_tag.status, 200..=204), "{by_tag:?}");
    assert!(
        server
            .curl("alice")
            .get(&alice_url)
            .body
            .contains("X-TRAYCAL-NOTE:kept"),
        "the write went through"
    );
    assert!(
        !bob_says("DECLINED"),
        "Cyrus merged the reply into a Schedule-Tag write: If-Schedule-Tag-Match could be used"
    );
    assert!(bob_says("ACCEPTED"), "his earlier answer is back");
}

#[tokio::test]
async fn radicale_two_way() {
    engine_round_trip(DavKind::Radicale).await;
}

#[tokio::test]
async fn sabre_two_way() {
    engine_round_trip(DavKind::Sabre).await;
}

#[tokio::test]
async fn cyrus_two_way() {
    engine_round_trip(DavKind::Cyrus).await;
}

/// sabre/dav (Nextcloud's and Baïkal's engine) answers a sync token from its future
/// with "no changes" (a client restored from a backup of a later state, a server
/// restored from an older one). The token then hides every later edit; the daily
/// full etag listing finds them, and the deletion too.
#[tokio::test]
async fn sabre_future_token_is_caught_by_the_daily_listing() {
    let server = DavServer::start(DavKind::Sabre);
    let a = account(&server).await;
    let h = &a.h;
    let curl = server.curl("alice");
    for (name, uid, day) in [("one.ics", "one@x", 3), ("two.ics", "two@x", 4)] {
        curl.put(
            &format!("{}{name}", a.cal_url),
            &event(uid, day, 9, "Before"),
        );
    }
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!(r.counts.added, 2, "{r:?}");

    // The stored token moved a thousand changes ahead of the server's.
    let mut m = h.mirror();
    let row = m
        .calendars()
        .unwrap()
        .into_iter()
        .find(|c| c.id == a.calendar)
        .unwrap();
    let token = row.change_token.unwrap();
    let (head, number) = token.rsplit_once('/').unwrap();
    let future = format!("{head}/{}", number.parse::<u64>().unwrap() + 1000);
    m.set_change_token(a.calendar, Some(&future)).unwrap();
    drop(m);
    curl.put(
        &format!("{}one.ics", a.cal_url),
        &event("one@x", 3, 9, "After"),
    );
    curl.delete(&format!("{}two.ics", a.cal_url));

    // The quirk itself: within the day, the token is trusted and hides both.
    h.clock.set(T0 + 3600);
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!((r.counts.updated, r.counts.removed), (0, 0), "{r:?}");

    // A day after the first sync, the calendar is listed in full.
    h.clock.set(T0 + 86_400 + 60);
    let r = h.engine.sync_source(a.source).await.unwrap();
    assert_eq!((r.counts.updated, r.counts.removed), (1, 1), "{r:?}");
    let objects = h.mirror().remote_objects(a.calendar).unwrap();
    assert_eq!(objects.len(), 1, "{objects:?}");
    assert!(objects[0]
        .base_raw
        .as_deref()
        .unwrap()
        .contains("SUMMARY:After"));
}

/// The mode of servers without `sync-collection`, against each real server (all
/// three have `getctag` too): a snapshot with a collection-tag token, an unchanged
/// tag answered with one request and no listing, a changed one with the listing of
/// every etag (no bodies), which the engine reconciles fetching only what differs.
async fn ctag_mode(kind: DavKind) {
    let server = DavServer::start(kind);
    let cal = server.calendar_url("alice");
    let (p, _) = CalDavProvider::connect_new(&server.url, "alice", "secret")
        .await
        .unwrap();
    p.use_ctag_only();
    let curl = server.curl("alice");
    curl.put(&format!("{cal}one.ics"), &event("one@x", 3, 9, "One"));
    let Changes::Snapshot { items, next_token } = p.changes(&cal, None).await.unwrap() else {
        panic!("a first listing is a snapshot")
    };
    assert_eq!(items.len(), 1, "{items:?}");
    assert!(
        next_token.as_str().starts_with("caldav/1 ctag "),
        "{next_token}"
    );
    assert!(
        next_token.as_str().len() > "caldav/1 ctag ".len(),
        "no getctag: {next_token}"
    );
    let quiet = p.changes(&cal, Some(&next_token)).await.unwrap();
    let Changes::NotModified { next_token } = quiet else {
        panic!("nothing changed: {quiet:?}")
    };
    curl.put(&format!("{cal}two.ics"), &event("two@x", 4, 9, "Two"));
    let Changes::Listing { versions, .. } = p.changes(&cal, Some(&next_token)).await.unwrap()
    else {
        panic!("a listing after a change")
    };
    let mut ids: Vec<&str> = versions.iter().map(|v| v.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["one.ics", "two.ics"]);
    assert!(versions.iter().all(|v| v.etag.is_some()), "{versions:?}");
    // A tag that is not the current one lists again.
    let e = p
        .changes(&cal, Some(&ChangeToken::new("caldav/1 ctag nonsense")))
        .await
        .unwrap();
    assert!(matches!(e, Changes::Listing { .. }), "{e:?}");

    // Through the engine: an edit and a delete on the server, found by the listing.
    let h = harness().await;
    let calendar = h
        .engine
        .add_account_calendar(SourceKind::Caldav, "alice", &cal, "Calendar", false)
        .await
        .unwrap();
    let source = h.source_of(calendar).await;
    h.engine.connect_account(source, p.clone());
    let r = h.engine.sync_source(source).await.unwrap();
    assert_eq!(r.counts.added, 2, "{r:?}");
    curl.put(
        &format!("{cal}one.ics"),
        &event("one@x", 3, 10, "One moved"),
    );
    curl.delete(&format!("{cal}two.ics"));
    h.clock.set(T0 + 60);
    let r = h.engine.sync_source(source).await.unwrap();
    assert_eq!((r.counts.updated, r.counts.removed), (1, 1), "{r:?}");
    let seen = h.summaries(T0, T0 + 30 * 86_400).await;
    assert_eq!(seen, ["One moved"], "{seen:?}");
    // An event made here goes out under If-None-Match, as in the other mode.
    let made = h
        .engine
        .create_event(
            calendar.0,
            &EventFields {
                title: Some("Made here".into()),
                start: Some(at(5, 9)),
                zone: Some("UTC".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let r = h.engine.sync_source(source).await.unwrap();
    assert_eq!(r.counts.pushed, 1, "{r:?}");
    let on_server = curl.get(&format!("{cal}{}", intended_id(&made.uid)));
    assert_eq!(on_server.status, 200);
    // Our own write changed the tag: the next sync lists, finds it ours, changes nothing.
    let r = h.engine.sync_source(source).await.unwrap();
    assert_eq!(
        (r.counts.added, r.counts.updated, r.counts.conflicts),
        (0, 0, 0),
        "{r:?}"
    );
}

#[tokio::test]
async fn radicale_ctag_mode() {
    ctag_mode(DavKind::Radicale).await;
}

#[tokio::test]
async fn sabre_ctag_mode() {
    ctag_mode(DavKind::Sabre).await;
}

#[tokio::test]
async fn cyrus_ctag_mode() {
    ctag_mode(DavKind::Cyrus).await;
}

/// A calendar shared read-only (Radicale's rights: alice may read bob's calendar):
/// discovery marks it read-only from the privilege set, a write is refused by the
/// server as `ReadOnly`, its events come in, and an edit here is refused before
/// anything is written or sent.
#[tokio::test]
async fn radicale_read_only_calendar() {
    let server = DavServer::radicale_sharing("bob", "alice");
    let bobs = server.calendar_url("bob");
    server.curl("bob").put(
        &format!("{bobs}shared.ics"),
        &event("shared@x", 3, 9, "Bob's"),
    );

    // Seen from alice's account, with bob's home among its homes.
    let p = CalDavProvider::connect(
        &CalDavSettings {
            server: server.url.clone(),
            user: "alice".into(),
            homes: vec![
                server.calendar_url("alice").replace("calendar/", ""),
                bobs.replace("calendar/", ""),
            ],
        },
        "secret",
    )
    .unwrap();
    let calendars = p.calendars().await.unwrap();
    let shared = calendars.iter().find(|c| c.id == bobs).unwrap_or_else(|| {
        panic!("{bobs} not among {calendars:?}");
    });
    assert!(shared.read_only, "{shared:?}");
    let mine = calendars.iter().find(|c| c.id != bobs).unwrap();
    assert!(!mine.read_only, "{mine:?}");
    let refused = p
        .put_item(
            &bobs,
            "mine.ics",
            &event("mine@x", 4, 9, "Mine"),
            &WritePrecondition::CreateOnly,
        )
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ProviderErrorKind::ReadOnly, "{refused:?}");

    // Through the engine: pulled, and never written.
    let h = harness().await;
    let calendar = h
        .engine
        .add_account_calendar(SourceKind::Caldav, "alice", &bobs, "Bob's calendar", true)
        .await
        .unwrap();
    let source = h.source_of(calendar).await;
    h.engine.connect_account(source, p.clone());
    let r = h.engine.sync_source(source).await.unwrap();
    assert_eq!(r.counts.added, 1, "{r:?}");
    let e = h
        .engine
        .create_event(
            calendar.0,
            &EventFields {
                title: Some("Not here".into()),
                start: Some(at(5, 9)),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "store.calendar_read_only", "{e}");
    let e = retitle_in(&h.engine, "shared@x", "Changed")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "store.calendar_read_only", "{e}");
    let r = h.engine.sync_source(source).await.unwrap();
    assert_eq!(r.counts.pushed, 0, "{r:?}");
    let on_server = server.curl("bob").get(&format!("{bobs}shared.ics"));
    assert!(
        on_server.body.contains("SUMMARY:Bob's"),
        "{}",
        on_server.body
    );
}
