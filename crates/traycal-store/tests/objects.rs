//! The two-way state at the remote-object grain: local changes with their rows and
//! outbox entry in one transaction, folding, pushes, failures, conflicts that keep
//! every version, read-only calendars, VTIMEZONEs, and a version-2 file migrated.

// Test helpers outside #[test] fns are not covered by clippy's allow-unwrap-in-tests.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use traycal_store::{
    CalendarId, EventWrite, LocalChange, Mirror, NewSource, ObjectKey, ObjectState,
    OccurrenceWrite, OutboxOp, PulledObject, Recorded, SeriesOccurrences, SourceKind,
    StoreErrorKind, SyncDirection, SCHEMA_VERSION,
};

const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const H: i64 = 3600;

fn source(kind: SourceKind, name: &str) -> NewSource {
    NewSource {
        kind,
        name: name.to_owned(),
        url_display: "https://dav.example.invalid/".to_owned(),
        url: Some("https://dav.example.invalid/".to_owned()),
        secret_ref: None,
        interval_secs: 900,
        max_bytes: 10 << 20,
        filters_json: "{}".to_owned(),
        enabled: true,
        color: None,
        created_at: T0,
    }
}

/// A mirror with one writable CalDAV calendar and one ICS feed.
fn setup(path: &Path) -> (Mirror, CalendarId, CalendarId) {
    let mut m = Mirror::open(path).unwrap();
    let dav = m.add_source(&source(SourceKind::Caldav, "Dav")).unwrap();
    let home = m
        .add_calendar(dav, Some("/cal/home/"), "Home", None, false)
        .unwrap();
    let feed = m.add_source(&source(SourceKind::Ics, "Holidays")).unwrap();
    let holidays = m.calendar_of(feed).unwrap();
    (m, home, holidays)
}

fn row<'a>(uid: &'a str, start: i64, summary: &'a str, raw: &'a str) -> EventWrite<'a> {
    EventWrite {
        uid,
        recurrence_id: "",
        summary: Some(summary),
        location: None,
        start_utc: start,
        end_utc: start + H,
        all_day: false,
        floating: false,
        tzid: None,
        status: None,
        transp: None,
        sequence: 0,
        rrule: None,
        raw,
        content_hash: start ^ summary.len() as i64,
        fingerprint: 1,
        series_end_utc: Some(start + H),
    }
}

/// A local create or edit of `uid` with one occurrence at `start`.
fn edit<'a>(cal: CalendarId, uid: &'a str, start: i64, text: &'a str) -> LocalChange<'a> {
    LocalChange {
        key: ObjectKey {
            calendar: cal,
            uid,
            instance: "",
        },
        text: Some(text),
        upserts: vec![row(uid, start, text, text)],
        deletes: vec![],
        occurrences: SeriesOccurrences {
            uid,
            occurrences: vec![OccurrenceWrite {
                recurrence_id: "",
                instance_id: "",
                start_utc: start,
                end_utc: start + H,
                all_day: false,
                floating: false,
            }],
        },
    }
}

fn delete<'a>(m: &Mirror, cal: CalendarId, uid: &'a str) -> LocalChange<'a> {
    let rows = m
        .event_index(cal)
        .unwrap()
        .into_iter()
        .filter(|e| e.uid == uid)
        .map(|e| e.id)
        .collect();
    LocalChange {
        key: ObjectKey {
            calendar: cal,
            uid,
            instance: "",
        },
        text: None,
        upserts: vec![],
        deletes: rows,
        occurrences: SeriesOccurrences {
            uid,
            occurrences: vec![],
        },
    }
}

/// Records a change that must wait in the outbox; returns its object.
fn queue(m: &mut Mirror, change: &LocalChange<'_>, now: i64) -> traycal_store::ObjectId {
    match m.record_local_change(change, now).unwrap() {
        Recorded::Queued(id, _) => id,
        other => panic!("{other:?}"),
    }
}

fn key(cal: CalendarId, uid: &str) -> ObjectKey<'_> {
    ObjectKey {
        calendar: cal,
        uid,
        instance: "",
    }
}

fn shown(m: &Mirror) -> Vec<String> {
    m.occurrences_between(T0 - 10 * H, T0 + 100 * H, None)
        .unwrap()
        .into_iter()
        .map(|r| r.event.summary.clone().unwrap_or_default())
        .collect()
}

#[test]
fn a_local_creation_shows_at_once_and_waits_in_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, home, _) = setup(&dir.path().join("t.db"));
    let got = m
        .record_local_change(&edit(home, "a@x", T0, "Dentist"), T0)
        .unwrap();
    let Recorded::Queued(id, OutboxOp::Create) = got else {
        panic!("{got:?}")
    };
    assert_eq!(shown(&m), ["Dentist"]);
    let o = m.remote_object(&key(home, "a@x")).unwrap().unwrap();
    assert_eq!((o.id, o.state), (id, ObjectState::Created));
    assert_eq!(
        (o.base_raw, o.local_raw.as_deref()),
        (None, Some("Dentist"))
    );
    let outbox = m.outbox(None).unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(
        (outbox[0].op, outbox[0].object.id, outbox[0].attempts),
        (OutboxOp::Create, id, 0)
    );
}

#[test]
fn later_edits_fold_into_one_entry_that_keeps_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, home, _) = setup(&dir.path().join("t.db"));
    m.record_local_change(&edit(home, "a@x", T0, "A1"), T0)
        .unwrap();
    m.record_local_change(&edit(home, "b@x", T0 + H, "B1"), T0 + 1)
        .unwrap();
    m.record_local_change(&edit(home, "a@x", T0 + 2 * H, "A2"), T0 + 2)
        .unwrap();
    let outbox = m.outbox(Some(home)).unwrap();
    let order: Vec<(&str, OutboxOp, Option<&str>)> = outbox
        .iter()
        .map(|e| (e.object.uid.as_str(), e.op, e.object.local_raw.as_deref()))
        .collect();
    assert_eq!(
        order,
        [
            ("a@x", OutboxOp::Create, Some("A2")),
            ("b@x", OutboxOp::Create, Some("B1"))
        ]
    );
    // The first version's occurrence is gone: only the new time shows.
    assert_eq!(shown(&m), ["B1", "A2"]);
}

#[test]
fn deleting_a_creation_before_it_was_pushed_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, home, _) = setup(&dir.path().join("t.db"));
    m.record_local_change(&edit(home, "a@x", T0, "Draft"), T0)
        .unwrap();
    let gone = delete(&m, home, "a@x");
    assert_eq!(
        m.record_local_change(&gone, T0 + 1).unwrap(),
        Recorded::Dropped
    );
    assert!(m.remote_object(&key(home, "a@x")).unwrap().is_none());
    assert!(m.outbox(None).unwrap().is_empty());
    assert!(shown(&m).is_empty());
    assert!(m.event_index(home).unwrap().is_empty());
    assert_eq!(m.orphan_occurrences().unwrap(), 0);
}

#[test]
fn deleting_a_creation_whose_push_answer_was_lost_still_deletes_it_there() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, home, _) = setup(&dir.path().join("t.db"));
    let id = queue(&mut m, &edit(home, "a@x", T0, "Draft"), T0);
    // Sent; the answer never came: the server may hold it.
    m.record_sending(id, 11).unwrap();
    let gone = delete(&m, home, "a@x");
    assert_eq!(
        m.record_local_change(&gone, T0 + 1).unwrap(),
        Recorded::Queued(id, OutboxOp::Delete),
        "not dropped: the event would come back from the server"
    );
    let entry = &m.outbox(None).unwrap()[0];
    assert_eq!(
        (entry.op, entry.sent_hashes.as_slice()),
        (OutboxOp::Delete, &[11][..])
    );
    assert!(shown(&m).is_empty());
    // Made again: a creation, still knowing what was sent.
    m.record_local_change(&edit(home, "a@x", T0, "Again"), T0 + 2)
        .unwrap();
    let entry = &m.outbox(None).unwrap()[0];
    assert_eq!(
        (entry.op, entry.sent_hashes.as_slice()),
        (OutboxOp::Create, &[11][..])
    );
    assert_eq!(shown(&m), ["Again"]);
}

#[test]
fn a_push_makes_the_local_version_the_agreed_one_then_edits_and_deletes_go_out() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, home, _) = setup(&dir.path().join("t.db"));
    let id = queue(&mut m, &edit(home, "a@x", T0, "V1"), T0);
    m.record_pushed(id, Some("V1"), "/cal/home/a.ics", Some("\"e1\""), T0 + 1)
        .unwrap();
    let o = m.remote_object(&key(home, "a@x")).unwrap().unwrap();
    assert_eq!(o.state, ObjectState::Synced);
    assert_eq!(
        (
            o.base_raw.as_deref(),
            o.local_raw,
            o.etag.as_deref(),
            o.remote_id.as_deref()
        ),
        (Some("V1"), None, Some("\"e1\""), Some("/cal/home/a.ics"))
    );
    assert!(m.outbox(None).unwrap().is_empty());

    m.record_local_change(&edit(home, "a@x", T0, "V2"), T0 + 2)
        .unwrap();
    let outbox = m.outbox(None).unwrap();
    assert_eq!(
        (outbox[0].op, outbox[0].object.state),
        (OutboxOp::Update, ObjectState::Modified)
    );
    assert_eq!(
        outbox[0].object.base_raw.as_deref(),
        Some("V1"),
        "the base stays for the merge"
    );

    let gone = delete(&m, home, "a@x");
    m.record_local_change(&gone, T0 + 3).unwrap();
    let outbox = m.outbox(None).unwrap();
    assert_eq!(
        (outbox[0].op, outbox[0].object.state),
        (OutboxOp::Delete, ObjectState::Deleted)
    );
    assert!(
        shown(&m).is_empty(),
        "a local delete hides the event at once"
    );
    m.record_pushed(id, None, "/cal/home/a.ics", None, T0 + 4)
        .unwrap();
    assert!(m.remote_object(&key(home, "a@x")).unwrap().is_none());
    assert!(m.outbox(None).unwrap().is_empty());
}

#[test]
fn an_edit_made_while_a_push_was_under_way_stays_pending() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, home, _) = setup(&dir.path().join("t.db"));
    let id = queue(&mut m, &edit(home, "a@x", T0, "V1"), T0);
    // The push read V1; the user saved V2 before the server answered.
    m.record_local_change(&edit(home, "a@x", T0, "V2"), T0 + 1)
        .unwrap();
    m.record_pushed(id, Some("V1"), "/cal/home/a.ics", Some("\"e1\""), T0 + 2)
        .unwrap();
    let o = m.remote_object(&key(home, "a@x")).unwrap().unwrap();
    assert_eq!(o.state, ObjectState::Modified);
    assert_eq!(
        (o.base_raw.as_deref(), o.local_raw.as_deref()),
        (Some("V1"), Some("V2"))
    );
    let outbox = m.outbox(None).unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(
        outbox[0].op,
        OutboxOp::Update,
        "now an update of what the server has"
    );
}

#[test]
fn a_failed_push_keeps_its_error_and_waits() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, home, _) = setup(&dir.path().join("t.db"));
    let id = queue(&mut m, &edit(home, "a@x", T0, "V1"), T0);
    m.record_push_failed(id, "The server is busy.", "rate_limited", T0 + 120)
        .unwrap();
    m.record_push_failed(id, "The server is busy.", "rate_limited", T0 + 240)
        .unwrap();
    let e = &m.outbox(None).unwrap()[0];
    assert_eq!(
        (e.attempts, e.next_attempt_at, e.last_error_code.as_deref()),
        (2, Some(T0 + 240), Some("rate_limited"))
    );
    // A new edit asks for a push now.
    m.record_local_change(&edit(home, "a@x", T0, "V2"), T0 + 5)
        .unwrap();
    assert_eq!(m.outbox(None).unwrap()[0].next_attempt_at, None);
}

#[test]
fn sent_texts_are_remembered_until_an_answer_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, home, _) = setup(&dir.path().join("t.db"));
    let id = queue(&mut m, &edit(home, "a@x", T0, "V1"), T0);
    assert!(m.outbox(None).unwrap()[0].sent_hashes.is_empty());
    // Sent twice (the first answer lost), once more after a failure, edited between.
    m.record_sending(id, 11).unwrap();
    m.record_sending(id, 11).unwrap();
    m.record_local_change(&edit(home, "a@x", T0, "V2"), T0 + 5)
        .unwrap();
    m.record_sending(id, -12).unwrap();
    m.record_push_failed(id, "timed out", "network", T0 + 60)
        .unwrap();
    assert_eq!(m.outbox(None).unwrap()[0].sent_hashes, [11, -12]);
    // Only the last ones are kept.
    for h in 0..40 {
        m.record_sending(id, 100 + h).unwrap();
    }
    let kept = m.outbox(None).unwrap()[0].sent_hashes.clone();
    assert_eq!(kept.len(), traycal_store::MAX_SENT_HASHES);
    assert_eq!(kept.last(), Some(&139));
    // An answer recorded with a newer edit pending: a fresh start for the newer one.
    m.record_pushed(id, Some("V1"), "a.ics", Some("\"e1\""), T0 + 70)
        .unwrap();
    assert!(m.outbox(None).unwrap()[0].sent_hashes.is_empty());
    // An object with nothing waiting has no entry to mark.
    assert!(m.record_sending(traycal_store::ObjectId(999), 1).is_err());
}

#[test]
fn a_conflict_keeps_base_local_and_remote_and_holds_the_push() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, home, _) = setup(&dir.path().join("t.db"));
    let id = queue(&mut m, &edit(home, "a@x", T0, "BASE"), T0);
    m.record_pushed(id, Some("BASE"), "/cal/home/a.ics", Some("\"e1\""), T0 + 1)
        .unwrap();
    m.record_local_change(&edit(home, "a@x", T0, "MINE"), T0 + 2)
        .unwrap();
    let c = m
        .record_conflict(id, Some("THEIRS"), Some("\"e2\""), T0 + 3)
        .unwrap();
    let open = m.open_conflicts(None).unwrap();
    assert_eq!(open.len(), 1);
    let r = &open[0];
    assert_eq!(r.id, c);
    assert_eq!(
        (
            r.base_raw.as_deref(),
            r.local_raw.as_deref(),
            r.remote_raw.as_deref()
        ),
        (Some("BASE"), Some("MINE"), Some("THEIRS"))
    );
    assert_eq!(r.remote_etag.as_deref(), Some("\"e2\""));
    let o = m.remote_object(&key(home, "a@x")).unwrap().unwrap();
    assert_eq!(o.state, ObjectState::Conflict);
    assert_eq!(
        (o.base_raw.as_deref(), o.local_raw.as_deref()),
        (Some("BASE"), Some("MINE"))
    );
    assert!(
        m.outbox(None).unwrap().is_empty(),
        "nothing is pushed over the server's change"
    );
    // Editing on keeps the conflict (and the kept versions).
    m.record_local_change(&edit(home, "a@x", T0, "MINE2"), T0 + 4)
        .unwrap();
    let o = m.remote_object(&key(home, "a@x")).unwrap().unwrap();
    assert_eq!(
        (o.state, o.local_raw.as_deref()),
        (ObjectState::Conflict, Some("MINE2"))
    );
    assert_eq!(
        m.open_conflicts(None).unwrap()[0].local_raw.as_deref(),
        Some("MINE")
    );
    // A synced object has nothing to conflict with.
    let other = queue(&mut m, &edit(home, "b@x", T0, "B"), T0);
    m.record_pushed(other, Some("B"), "/cal/home/b.ics", Some("\"b\""), T0 + 1)
        .unwrap();
    let err = m
        .record_conflict(other, Some("X"), None, T0 + 5)
        .unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::InvalidInput);
}

#[test]
fn a_read_only_calendar_refuses_local_changes_and_keeps_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, _, holidays) = setup(&dir.path().join("t.db"));
    let err = m
        .record_local_change(&edit(holidays, "h@x", T0, "Mine"), T0)
        .unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::CalendarReadOnly);
    assert!(err.to_string().contains("“Holidays” is read-only"), "{err}");
    assert!(m.remote_objects(holidays).unwrap().is_empty());
    assert!(m.outbox(None).unwrap().is_empty());
    assert!(shown(&m).is_empty());
}

#[test]
fn feeds_are_pulled_only_and_writable_calendars_two_way() {
    let dir = tempfile::tempdir().unwrap();
    let (m, home, holidays) = setup(&dir.path().join("t.db"));
    let dir_of = |cal: CalendarId| {
        let all: Vec<_> = m
            .sources()
            .unwrap()
            .into_iter()
            .flat_map(|s| m.calendars_of(s.id).unwrap())
            .collect();
        all.into_iter().find(|c| c.id == cal).unwrap().direction
    };
    assert_eq!(dir_of(holidays), SyncDirection::PullOnly);
    assert_eq!(dir_of(home), SyncDirection::TwoWay);
}

#[test]
fn the_outbox_survives_a_restart_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    {
        let (mut m, home, _) = setup(&path);
        for (n, uid) in ["c@x", "a@x", "b@x"].into_iter().enumerate() {
            m.record_local_change(&edit(home, uid, T0 + n as i64 * H, uid), T0 + n as i64)
                .unwrap();
        }
    }
    let m = Mirror::open(&path).unwrap();
    let uids: Vec<String> = m
        .outbox(None)
        .unwrap()
        .into_iter()
        .map(|e| e.object.uid)
        .collect();
    assert_eq!(uids, ["c@x", "a@x", "b@x"]);
    assert!(m.check_integrity().unwrap());
}

#[test]
fn vtimezones_are_kept_per_calendar() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, home, holidays) = setup(&dir.path().join("t.db"));
    m.store_calendar_timezones(
        home,
        &[("Custom/Zone", "BEGIN:VTIMEZONE\r\nA"), ("X/Y", "B")],
    )
    .unwrap();
    m.store_calendar_timezones(home, &[("Custom/Zone", "BEGIN:VTIMEZONE\r\nA2")])
        .unwrap();
    assert_eq!(
        m.calendar_timezones(home).unwrap(),
        [
            ("Custom/Zone".to_owned(), "BEGIN:VTIMEZONE\r\nA2".to_owned()),
            ("X/Y".to_owned(), "B".to_owned())
        ]
    );
    assert!(m.calendar_timezones(holidays).unwrap().is_empty());
}

#[test]
fn removing_a_source_removes_its_objects_outbox_and_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, home, _) = setup(&dir.path().join("t.db"));
    let id = queue(&mut m, &edit(home, "a@x", T0, "BASE"), T0);
    m.record_pushed(id, Some("BASE"), "/a.ics", Some("e"), T0)
        .unwrap();
    m.record_local_change(&edit(home, "a@x", T0, "MINE"), T0)
        .unwrap();
    m.record_conflict(id, None, None, T0).unwrap();
    let dav = m.sources().unwrap()[0].id;
    assert!(m.remove_source(dav).unwrap());
    assert!(m.outbox(None).unwrap().is_empty());
    assert!(m.open_conflicts(None).unwrap().is_empty());
    assert_eq!(m.orphan_occurrences().unwrap(), 0);
}

#[test]
fn a_version_2_file_is_migrated_with_everything_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.db");
    {
        // A file as the version-2 release left it: its schema steps, and rows the way
        // that release wrote them (a feed, its calendar, an event with its text and
        // occurrence, sync state, a log row, a reminder claim and setting).
        let conn = rusqlite::Connection::open(&path).unwrap();
        let steps = traycal_store::schema::MIGRATIONS;
        for (n, sql) in steps[..2].iter().enumerate() {
            conn.execute_batch(sql).unwrap();
            conn.execute_batch(&format!("PRAGMA user_version = {}", n + 1))
                .unwrap();
        }
        conn.execute_batch(
            "INSERT INTO sources (id, kind, name, url_display, secret_ref, interval_secs, \
             max_bytes, created_at) VALUES (7, 'ics', 'Team', 'https://x/…', 'k', 900, 1000, 5); \
             INSERT INTO calendars (id, source_id, name) VALUES (3, 7, 'Team'); \
             INSERT INTO events (id, calendar_id, uid, start_utc, end_utc, content_hash, \
             fingerprint, updated_at, summary) VALUES (11, 3, 'u@x', 100, 200, 42, 43, 5, 'Standup'); \
             INSERT INTO event_texts (event_id, raw) VALUES (11, 'BEGIN:VEVENT\r\nEND:VEVENT\r\n'); \
             INSERT INTO occurrences (span_class, start_utc, event_id, end_utc, calendar_id) \
             VALUES (0, 100, 11, 200, 3); \
             INSERT INTO sync_state (source_id, etag, content_hash, event_count) \
             VALUES (7, '\"v\"', 99, 1); \
             INSERT INTO sync_log (source_id, source_name, at, outcome, added) \
             VALUES (7, 'Team', 5, 'updated', 1); \
             INSERT INTO reminder_settings (calendar_id, lead_secs) VALUES (3, 600); \
             INSERT INTO reminders_fired (key, fired_at, calendar_id, uid) VALUES ('k1', 5, 3, 'u@x');",
        )
        .unwrap();
    }
    let m = Mirror::open(&path).unwrap();
    assert_eq!(m.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, 7);
    let cal = m.calendar_of(traycal_store::SourceId(7)).unwrap();
    assert_eq!(cal, CalendarId(3));
    let row = &m.calendars_of(traycal_store::SourceId(7)).unwrap()[0];
    assert_eq!(
        row.direction,
        SyncDirection::PullOnly,
        "a feed is pulled only"
    );
    assert_eq!(row.listed_at, None, "step 7: never listed in full");
    let e = m.event(traycal_store::EventId(11)).unwrap().unwrap();
    assert_eq!(
        (e.summary.as_deref(), e.raw.as_str()),
        (Some("Standup"), "BEGIN:VEVENT\r\nEND:VEVENT\r\n")
    );
    assert_eq!(m.occurrences_of(cal, "u@x").unwrap().len(), 1);
    assert_eq!(m.reminder_settings(cal).unwrap().lead_secs, 600);
    assert!(m.fired_keys(0).unwrap().contains("k1"));
    let log = m.sync_log(None, 10).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].counts.added, 1);
    assert_eq!((log[0].counts.pushed, log[0].counts.conflicts), (0, 0));
    // The per-component two-way columns are gone; the new tables work.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('events')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for gone in ["href", "etag", "local_state"] {
        assert!(!columns.iter().any(|c| c == gone), "{gone} in {columns:?}");
    }
    assert!(m.outbox(None).unwrap().is_empty());
    assert!(m.check_integrity().unwrap());
}

fn pulled<'a>(
    cal: CalendarId,
    uid: &'a str,
    start: i64,
    text: &'a str,
    etag: &'a str,
) -> PulledObject<'a> {
    let change = edit(cal, uid, start, text);
    PulledObject {
        key: change.key,
        remote_id: "/cal/home/p.ics",
        etag: Some(etag),
        text,
        upserts: change.upserts,
        occurrences: change.occurrences,
    }
}

#[test]
fn a_pull_becomes_the_agreed_version_and_a_remote_deletion_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, home, _) = setup(&dir.path().join("t.db"));
    let id = m
        .record_pulled(&pulled(home, "p@x", T0, "P1", "e1"), T0)
        .unwrap();
    let o = m.remote_object(&key(home, "p@x")).unwrap().unwrap();
    assert_eq!(
        (o.state, o.base_raw.as_deref(), o.etag.as_deref()),
        (ObjectState::Synced, Some("P1"), Some("e1"))
    );
    assert_eq!(shown(&m), ["P1"]);
    // A newer version moves it.
    assert_eq!(
        m.record_pulled(&pulled(home, "p@x", T0 + H, "P2", "e2"), T0 + 1)
            .unwrap(),
        id
    );
    assert_eq!(shown(&m), ["P2"]);
    assert_eq!(m.event_index(home).unwrap().len(), 1);
    m.record_remote_deletion(id, T0 + 2).unwrap();
    assert!(m.remote_object(&key(home, "p@x")).unwrap().is_none());
    assert!(shown(&m).is_empty());
    assert!(m.event_index(home).unwrap().is_empty());
    assert_eq!(m.orphan_occurrences().unwrap(), 0);
}

#[test]
fn a_pull_never_replaces_a_pending_local_change() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, home, _) = setup(&dir.path().join("t.db"));
    let id = m
        .record_pulled(&pulled(home, "p@x", T0, "P1", "e1"), T0)
        .unwrap();
    m.record_local_change(&edit(home, "p@x", T0, "MINE"), T0 + 1)
        .unwrap();
    let err = m
        .record_pulled(&pulled(home, "p@x", T0, "THEIRS", "e2"), T0 + 2)
        .unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::InvalidInput);
    assert!(m.record_remote_deletion(id, T0 + 2).is_err());
    let o = m.remote_object(&key(home, "p@x")).unwrap().unwrap();
    assert_eq!(
        (o.base_raw.as_deref(), o.local_raw.as_deref()),
        (Some("P1"), Some("MINE"))
    );
    assert_eq!(shown(&m), ["MINE"]);
}

#[test]
fn a_merge_becomes_the_edit_on_top_of_the_servers_version_unless_edited_again() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, home, _) = setup(&dir.path().join("t.db"));
    let id = queue(&mut m, &edit(home, "a@x", T0, "V1"), T0);
    m.record_pushed(id, Some("V1"), "/cal/home/a.ics", Some("\"e1\""), T0 + 1)
        .unwrap();
    m.record_local_change(&edit(home, "a@x", T0, "V2 mine"), T0 + 2)
        .unwrap();

    // Made from an older local text: nothing is written.
    let merge = edit(home, "a@x", T0, "V3 merged");
    assert!(m
        .record_merged(&merge, "V1", "V2 theirs", Some("\"e2\""), T0 + 3)
        .unwrap()
        .is_none());
    let o = m.remote_object(&key(home, "a@x")).unwrap().unwrap();
    assert_eq!(
        (o.base_raw.as_deref(), o.local_raw.as_deref()),
        (Some("V1"), Some("V2 mine"))
    );

    let recorded = m
        .record_merged(&merge, "V2 mine", "V2 theirs", Some("\"e2\""), T0 + 3)
        .unwrap();
    assert_eq!(recorded, Some(Recorded::Queued(id, OutboxOp::Update)));
    let o = m.remote_object(&key(home, "a@x")).unwrap().unwrap();
    assert_eq!(
        (
            o.state,
            o.base_raw.as_deref(),
            o.etag.as_deref(),
            o.local_raw.as_deref()
        ),
        (
            ObjectState::Modified,
            Some("V2 theirs"),
            Some("\"e2\""),
            Some("V3 merged")
        )
    );
    assert_eq!(m.outbox(None).unwrap().len(), 1);

    // A deletion here is never merged.
    m.record_local_change(&delete(&m, home, "a@x"), T0 + 4)
        .unwrap();
    assert!(m
        .record_merged(&merge, "V3 merged", "V4", Some("\"e3\""), T0 + 5)
        .is_err());
}
