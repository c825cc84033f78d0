//! Integration tests of the mirror against real SQLite files in temp dirs.

// Test helpers outside #[test] fns are not covered by clippy's allow-unwrap-in-tests.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use traycal_store::{
    AttemptRecord, CalendarId, EventId, EventWrite, LogEntry, Mirror, NewSource, OccurrenceWrite,
    SeriesOccurrences, SourceId, SourceKind, SourcePatch, StoreError, StoreErrorKind, SyncBatch,
    SyncOutcome, SyncStateUpdate, Validators, SCHEMA_VERSION,
};

const H: i64 = 3600;
const D: i64 = 86_400;
const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

fn new_source(name: &str) -> NewSource {
    NewSource {
        kind: SourceKind::Ics,
        name: name.to_owned(),
        url_display: "https://example.invalid/…/private-***/basic.ics".to_owned(),
        url: None,
        secret_ref: Some(format!("traycal:{name}")),
        interval_secs: 900,
        max_bytes: 10 << 20,
        filters_json: "{}".to_owned(),
        enabled: true,
        color: Some("#336699".to_owned()),
        created_at: T0,
    }
}

fn ev<'a>(uid: &'a str, rid: &'a str, start: i64, end: i64, summary: &'a str) -> EventWrite<'a> {
    EventWrite {
        uid,
        recurrence_id: rid,
        summary: Some(summary),
        location: None,
        start_utc: start,
        end_utc: end,
        all_day: false,
        floating: false,
        tzid: Some("Europe/Paris"),
        status: None,
        transp: None,
        sequence: 0,
        rrule: None,
        raw: "BEGIN:VEVENT\r\nEND:VEVENT\r\n",
        content_hash: start,
        fingerprint: end,
        series_end_utc: Some(end),
    }
}

fn occ<'a>(rid: &'a str, inst: &'a str, start: i64, end: i64) -> OccurrenceWrite<'a> {
    OccurrenceWrite {
        recurrence_id: rid,
        instance_id: inst,
        start_utc: start,
        end_utc: end,
        all_day: false,
        floating: false,
    }
}

fn batch<'a>(now: i64) -> SyncBatch<'a> {
    SyncBatch {
        state: SyncStateUpdate {
            attempted_at: now,
            next_due_at: now + 900,
            etag: Some("\"v1\""),
            ..SyncStateUpdate::default()
        },
        log: LogEntry {
            outcome: SyncOutcome::Updated,
            ..LogEntry::default()
        },
        ..SyncBatch::default()
    }
}

/// A single non-recurring event with its one occurrence.
fn single<'a>(b: &mut SyncBatch<'a>, uid: &'a str, start: i64, end: i64, summary: &'a str) {
    b.upserts.push(ev(uid, "", start, end, summary));
    b.replace_occurrences.push(SeriesOccurrences {
        uid,
        occurrences: vec![occ("", "", start, end)],
    });
}

fn setup(dir: &Path) -> (Mirror, SourceId, CalendarId) {
    let mut m = Mirror::open(&dir.join("db").join("traycal.db")).unwrap();
    let s = m.add_source(&new_source("Work")).unwrap();
    let c = m.calendar_of(s).unwrap();
    (m, s, c)
}

fn uids_between(m: &Mirror, from: i64, to: i64) -> Vec<String> {
    m.occurrences_between(from, to, None)
        .unwrap()
        .into_iter()
        .map(|r| r.event.uid.clone())
        .collect()
}

fn raw_conn(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

// ---------------------------------------------------------------- schema ----

#[test]
fn migrates_an_empty_file_and_configures_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dirs/traycal.db");
    let m = Mirror::open(&path).unwrap();
    assert_eq!(m.schema_version().unwrap(), SCHEMA_VERSION);
    assert!(m.check_integrity().unwrap());
    drop(m);
    let c = raw_conn(&path);
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let mut tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables.sort();
    assert_eq!(
        tables,
        [
            "app_settings",
            "calendar_timezones",
            "calendars",
            "conflicts",
            "event_texts",
            "events",
            "occurrences",
            "outbox",
            "reminder_dismissals",
            "reminder_settings",
            "reminder_snoozes",
            "reminders_fired",
            "remote_objects",
            "sources",
            "sync_log",
            "sync_state",
        ]
    );
}

#[test]
fn reopening_keeps_data_and_does_not_rerun_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("traycal.db");
    {
        let mut m = Mirror::open(&path).unwrap();
        let s = m.add_source(&new_source("Home")).unwrap();
        let c = m.calendar_of(s).unwrap();
        let mut b = batch(T0);
        single(&mut b, "a", T0, T0 + H, "Dentist");
        m.apply_calendar_sync(c, &b).unwrap();
    }
    let m = Mirror::open(&path).unwrap();
    assert_eq!(m.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(m.sources().unwrap().len(), 1);
    assert_eq!(uids_between(&m, T0, T0 + D), ["a"]);
}

#[test]
fn refuses_a_file_from_a_newer_version_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("traycal.db");
    let newer = SCHEMA_VERSION + 3;
    raw_conn(&path)
        .execute_batch(&format!("PRAGMA user_version = {newer}"))
        .unwrap();
    let err = Mirror::open(&path).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::SchemaTooNew);
    let msg = err.to_string();
    assert!(msg.contains(&newer.to_string()), "{msg}");
    assert!(msg.contains(&SCHEMA_VERSION.to_string()), "{msg}");
    match err {
        StoreError::SchemaTooNew { found, supported } => {
            assert_eq!((found, supported), (newer, SCHEMA_VERSION));
        }
        other => panic!("unexpected {other:?}"),
    }
    let c = raw_conn(&path);
    let v: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, newer);
    let n: i64 = c
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0, "nothing may be created in a newer file");
}

// --------------------------------------------------------------- sources ----

#[test]
fn source_lifecycle_cascades_but_keeps_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, s, c) = setup(dir.path());
    let other = m.add_source(&new_source("Other")).unwrap();
    let oc = m.calendar_of(other).unwrap();

    let row = m.source(s).unwrap().unwrap();
    assert_eq!(row.name, "Work");
    assert_eq!(row.kind, SourceKind::Ics);
    assert_eq!(row.url, None);
    assert_eq!(row.secret_ref.as_deref(), Some("traycal:Work"));
    assert!(row.enabled);
    assert_eq!(m.sources().unwrap().len(), 2);
    assert_eq!(m.sync_state(s).unwrap().consecutive_failures, 0);

    m.update_source(
        s,
        &SourcePatch {
            name: Some("Office".into()),
            interval_secs: Some(60),
            enabled: Some(false),
            color: Some(None),
            ..SourcePatch::default()
        },
    )
    .unwrap();
    let row = m.source(s).unwrap().unwrap();
    assert_eq!(
        (row.name.as_str(), row.interval_secs, row.enabled, row.color),
        ("Office", 60, false, None)
    );
    assert_eq!(row.max_bytes, 10 << 20, "unpatched fields stay");
    assert_eq!(m.calendars_of(s).unwrap()[0].name, "Office");
    let bad = m.update_source(
        s,
        &SourcePatch {
            filters_json: Some("{not json".into()),
            ..SourcePatch::default()
        },
    );
    assert_eq!(bad.unwrap_err().kind(), StoreErrorKind::InvalidInput);
    assert_eq!(
        m.update_source(SourceId(999), &SourcePatch::default())
            .unwrap_err()
            .kind(),
        StoreErrorKind::NotFound
    );

    let mut b = batch(T0);
    single(&mut b, "a", T0, T0 + H, "A");
    m.apply_calendar_sync(c, &b).unwrap();
    let mut b = batch(T0);
    single(&mut b, "z", T0, T0 + H, "Z");
    m.apply_calendar_sync(oc, &b).unwrap();
    assert_eq!(m.event_count(s).unwrap(), 1);

    assert!(m.remove_source(s).unwrap());
    assert!(!m.remove_source(s).unwrap());
    assert!(m.source(s).unwrap().is_none());
    assert_eq!(
        m.calendar_of(s).unwrap_err().kind(),
        StoreErrorKind::NotFound
    );
    assert_eq!(
        m.sync_state(s).unwrap_err().kind(),
        StoreErrorKind::NotFound
    );
    assert!(m.event_index(c).unwrap().is_empty());
    // the other source is untouched
    assert_eq!(uids_between(&m, T0, T0 + D), ["z"]);
    // log rows survive with the name kept
    let log = m.sync_log(None, 10).unwrap();
    assert_eq!(log.len(), 2);
    let orphan = log.iter().find(|l| l.source_id.is_none()).unwrap();
    assert_eq!(orphan.source_name, "Office");
    drop(m);
    let conn = raw_conn(&dir.path().join("db/traycal.db"));
    let left: i64 = conn
        .query_row(
            "SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM occurrences)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        left, 2,
        "only the other source's event and occurrence remain"
    );
}

#[test]
fn a_plain_url_and_a_secret_ref_are_exclusive() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, _, _) = setup(dir.path());
    let mut s = new_source("Both");
    s.url = Some("https://example.invalid/public.ics".into());
    assert_eq!(
        m.add_source(&s).unwrap_err().kind(),
        StoreErrorKind::InvalidInput
    );
}

// ----------------------------------------------------------------- apply ----

#[test]
fn insert_update_rename_delete_retire() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, s, c) = setup(dir.path());
    let mut b = batch(T0);
    single(&mut b, "keep", T0 + D, T0 + D + H, "Keep");
    single(
        &mut b,
        "old-uid",
        T0 + 2 * D,
        T0 + 2 * D + H,
        "Renamed later",
    );
    single(&mut b, "gone", T0 + 3 * D, T0 + 3 * D + H, "Deleted later");
    single(&mut b, "past", T0 - 2 * D, T0 - D, "Retired later");
    let counts = m.apply_calendar_sync(c, &b).unwrap();
    assert_eq!(counts.upserted, 4);
    assert_eq!(counts.occurrences_inserted, 4);
    assert_eq!(counts.live_events, 4);
    let idx = m.event_index(c).unwrap();
    assert_eq!(idx.len(), 4);
    let id_of = |uid: &str| idx.iter().find(|e| e.uid == uid).unwrap().id;
    let (keep, renamed, gone, past) = (
        id_of("keep"),
        id_of("old-uid"),
        id_of("gone"),
        id_of("past"),
    );

    let now = T0 + 10;
    let mut b = batch(now);
    b.renames.push((renamed, "new-uid"));
    b.deletes.push(gone);
    b.retire.push((past, now, T0));
    let mut upd = ev("keep", "", T0 + D, T0 + D + 2 * H, "Keep (moved)");
    upd.content_hash = 42;
    b.upserts.push(upd);
    let counts = m.apply_calendar_sync(c, &b).unwrap();
    assert_eq!(
        (
            counts.renamed,
            counts.deleted,
            counts.retired,
            counts.upserted
        ),
        (1, 1, 1, 1)
    );
    // gone is deleted, past is kept as history: 2 live rows, 3 stored
    assert_eq!(counts.live_events, 2);
    assert_eq!(m.sync_state(s).unwrap().event_count, 2);
    assert_eq!(m.event_count(s).unwrap(), 2);
    assert_eq!(m.event_index(c).unwrap().len(), 3);

    let row = m.event(keep).unwrap().unwrap();
    assert_eq!(row.summary.as_deref(), Some("Keep (moved)"));
    assert_eq!(
        (row.end_utc, row.content_hash, row.updated_at),
        (T0 + D + 2 * H, 42, now)
    );
    let r = m.event_by_key(c, "new-uid", "").unwrap().unwrap();
    assert_eq!(r.id, renamed, "rename keeps the row, no duplicate");
    assert!(m.event_by_key(c, "old-uid", "").unwrap().is_none());
    assert!(m.event(gone).unwrap().is_none());
    assert!(m.occurrences_of(c, "gone").unwrap().is_empty());
    let p = m.event(past).unwrap().unwrap();
    assert_eq!(p.removed_at, Some(now));
    // the occurrence started before the cut: kept as history
    assert_eq!(m.occurrences_of(c, "past").unwrap().len(), 1);

    // a retire cut before the start removes it; re-upserting revives the row
    let mut b = batch(now + 1);
    b.retire.push((past, now + 1, T0 - 3 * D));
    m.apply_calendar_sync(c, &b).unwrap();
    assert!(m.occurrences_of(c, "past").unwrap().is_empty());
    let mut b = batch(now + 2);
    b.upserts.push(ev("past", "", T0 - 2 * D, T0 - D, "Back"));
    m.apply_calendar_sync(c, &b).unwrap();
    let p = m.event(past).unwrap().unwrap();
    assert_eq!(
        (p.removed_at, p.id),
        (None, past),
        "upsert clears removed_at in place"
    );
    assert_eq!(m.event_count(s).unwrap(), 3);
    assert!(m
        .event_index(c)
        .unwrap()
        .iter()
        .all(|e| e.removed_at.is_none()));
}

#[test]
fn the_component_key_is_unique() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, _, c) = setup(dir.path());
    let mut b = batch(T0);
    b.upserts.push(ev("x", "", T0, T0 + H, "master"));
    b.upserts
        .push(ev("x", "20260102T090000Z", T0 + D, T0 + D + H, "override"));
    b.upserts.push(ev("y", "", T0, T0 + H, "other"));
    m.apply_calendar_sync(c, &b).unwrap();
    assert_eq!(m.event_index(c).unwrap().len(), 3);

    // the same key twice in one batch is refused
    let mut b = batch(T0);
    b.upserts.push(ev("z", "", T0, T0 + H, "1"));
    b.upserts.push(ev("z", "", T0, T0 + H, "2"));
    let err = m.apply_calendar_sync(c, &b).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::InvalidInput);
    // renaming onto an existing key violates UNIQUE, and nothing is applied
    let y = m.event_by_key(c, "y", "").unwrap().unwrap().id;
    let mut b = batch(T0);
    b.upserts.push(ev("fresh", "", T0, T0 + H, "f"));
    b.renames.push((y, "x"));
    let err = m.apply_calendar_sync(c, &b).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Constraint);
    assert!(m.event_by_key(c, "fresh", "").unwrap().is_none());
    assert_eq!(m.event_index(c).unwrap().len(), 3);
    // ids of another calendar are refused
    let mut b = batch(T0);
    b.deletes.push(EventId(y.0 + 1000));
    assert_eq!(
        m.apply_calendar_sync(c, &b).unwrap_err().kind(),
        StoreErrorKind::NotFound
    );
}

#[test]
fn replacing_a_series_replaces_master_and_overrides_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, _, c) = setup(dir.path());
    let rid2 = "20260102T090000Z";
    let mut b = batch(T0);
    b.upserts
        .push(ev("daily", "", T0 + 9 * H, T0 + 10 * H, "Standup"));
    b.upserts.push(ev(
        "daily",
        rid2,
        T0 + D + 11 * H,
        T0 + D + 12 * H,
        "Standup (moved)",
    ));
    single(&mut b, "other", T0 + 9 * H, T0 + 10 * H, "Other");
    b.replace_occurrences.push(SeriesOccurrences {
        uid: "daily",
        occurrences: vec![
            occ("", "20260101T090000Z", T0 + 9 * H, T0 + 10 * H),
            occ(rid2, rid2, T0 + D + 11 * H, T0 + D + 12 * H),
            occ(
                "",
                "20260103T090000Z",
                T0 + 2 * D + 9 * H,
                T0 + 2 * D + 10 * H,
            ),
        ],
    });
    m.apply_calendar_sync(c, &b).unwrap();
    let before = m.occurrences_of(c, "daily").unwrap();
    assert_eq!(before.len(), 3);
    let master = m.event_by_key(c, "daily", "").unwrap().unwrap().id;
    let over = m.event_by_key(c, "daily", rid2).unwrap().unwrap().id;
    assert_eq!(
        before[1].event_id, over,
        "an override's occurrence maps to the override row"
    );
    assert_eq!(before[1].recurrence_id, rid2);
    assert_eq!(before[0].event_id, master);

    // next sync: only the series' occurrences change; the components are not rewritten
    let mut b = batch(T0 + 1);
    b.replace_occurrences.push(SeriesOccurrences {
        uid: "daily",
        occurrences: vec![
            occ("", "20260101T090000Z", T0 + 9 * H, T0 + 10 * H),
            occ(rid2, rid2, T0 + D + 13 * H, T0 + D + 14 * H),
        ],
    });
    let counts = m.apply_calendar_sync(c, &b).unwrap();
    assert_eq!(
        (counts.occurrences_deleted, counts.occurrences_inserted),
        (3, 2)
    );
    let after = m.occurrences_of(c, "daily").unwrap();
    assert_eq!(after.len(), 2);
    assert_eq!(after[1].start_utc, T0 + D + 13 * H);
    assert_eq!(after[1].event_id, over);
    assert_eq!(m.occurrences_of(c, "other").unwrap().len(), 1);
    let agenda = uids_between(&m, T0, T0 + 3 * D);
    // same start: ordered by summary ("Other" < "Standup")
    assert_eq!(agenda, ["other", "daily", "daily"]);

    // an empty list clears the series
    let mut b = batch(T0 + 2);
    b.replace_occurrences.push(SeriesOccurrences {
        uid: "daily",
        occurrences: vec![],
    });
    m.apply_calendar_sync(c, &b).unwrap();
    assert!(m.occurrences_of(c, "daily").unwrap().is_empty());
    assert_eq!(uids_between(&m, T0, T0 + 3 * D), ["other"]);
}

#[test]
fn a_failing_batch_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, s, c) = setup(dir.path());
    let mut b = batch(T0);
    single(&mut b, "a", T0, T0 + H, "A");
    m.apply_calendar_sync(c, &b).unwrap();
    let state_before = m.sync_state(s).unwrap();
    let log_before = m.sync_log(None, 100).unwrap();
    let a = m.event_by_key(c, "a", "").unwrap().unwrap().id;

    let mut b = batch(T0 + 100);
    b.state.etag = Some("\"v2\"");
    single(&mut b, "b", T0 + H, T0 + 2 * H, "B");
    b.upserts.push(ev("a", "", T0, T0 + H, "A changed"));
    b.retire.push((a, T0 + 100, T0));
    b.replace_occurrences.push(SeriesOccurrences {
        uid: "c",
        occurrences: vec![occ("", "", T0, T0 + H)], // no component "c" anywhere
    });
    let err = m.apply_calendar_sync(c, &b).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::UnknownComponent);
    assert!(err.to_string().contains("\"c\""));

    assert!(m.event_by_key(c, "b", "").unwrap().is_none());
    let a_row = m.event(a).unwrap().unwrap();
    assert_eq!(a_row.summary.as_deref(), Some("A"));
    assert_eq!(a_row.removed_at, None);
    assert_eq!(m.occurrences_of(c, "a").unwrap().len(), 1);
    assert_eq!(m.sync_state(s).unwrap(), state_before);
    assert_eq!(m.sync_log(None, 100).unwrap(), log_before);
    assert_eq!(uids_between(&m, T0 - D, T0 + D), ["a"]);

    // an occurrence ending before it starts is refused the same way
    let mut b = batch(T0 + 200);
    b.upserts.push(ev("d", "", T0, T0 + H, "D"));
    b.replace_occurrences.push(SeriesOccurrences {
        uid: "d",
        occurrences: vec![occ("", "", T0 + H, T0)],
    });
    assert_eq!(
        m.apply_calendar_sync(c, &b).unwrap_err().kind(),
        StoreErrorKind::InvalidInput
    );
    assert!(m.event_by_key(c, "d", "").unwrap().is_none());
    // and the mirror keeps working afterwards
    let mut b = batch(T0 + 300);
    single(&mut b, "e", T0, T0 + H, "E");
    m.apply_calendar_sync(c, &b).unwrap();
    assert_eq!(m.event_count(s).unwrap(), 2);
}

// ----------------------------------------------------------------- query ----

#[test]
fn overlap_query_edge_cases_and_order() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, s, c) = setup(dir.path());
    let from = T0 + 10 * D;
    let to = from + 7 * D;
    let mut b = batch(T0);
    single(&mut b, "ends-inside", from - 2 * H, from + H, "b");
    single(&mut b, "ends-at-from", from - H, from, "x"); // excluded: end == from
    single(&mut b, "spans-window", from - 20 * D, to + 20 * D, "c"); // multi-week
    single(&mut b, "spans-year", from - 400 * D, to + 400 * D, "d"); // unbounded class
    single(&mut b, "multi-day", from - 5 * D, from + D, "e"); // class 1
    single(&mut b, "zero-at-from", from, from, "a"); // included
    single(&mut b, "zero-at-to", to, to, "z"); // excluded
    single(&mut b, "starts-at-to", to, to + H, "z"); // excluded
    single(&mut b, "inside-late", to - H, to - 1, "f");
    single(&mut b, "same-start-b", from + D, from + D + H, "beta");
    single(&mut b, "same-start-a", from + D, from + D + 2 * H, "alpha");
    single(&mut b, "long-before", from - 40 * D, from - 39 * D, "x");
    m.apply_calendar_sync(c, &b).unwrap();

    let rows = m.occurrences_between(from, to, None).unwrap();
    let got: Vec<&str> = rows.iter().map(|r| r.event.uid.as_str()).collect();
    assert_eq!(
        got,
        [
            "spans-year",
            "spans-window",
            "multi-day",
            "ends-inside",
            "zero-at-from",
            "same-start-a",
            "same-start-b",
            "inside-late"
        ]
    );
    let r = &rows[0];
    assert_eq!((r.calendar.source_id, r.calendar_id), (s, c));
    assert_eq!(r.calendar.source_name, "Work");
    assert_eq!(r.calendar.name, "Work");
    assert_eq!(r.calendar.source_color.as_deref(), Some("#336699"));
    assert_eq!(r.event.tzid.as_deref(), Some("Europe/Paris"));

    // starting in [from, to): zero-at-from, same-start-a/b, inside-late
    assert_eq!(m.upcoming_count(from, to, Some(s)).unwrap(), 4);
    assert_eq!(m.upcoming_count(from, to, None).unwrap(), 4);
    // explicit calendar filter, other calendars excluded
    let other = m.add_source(&new_source("Other")).unwrap();
    let oc = m.calendar_of(other).unwrap();
    let mut b = batch(T0);
    single(&mut b, "other-cal", from + H, from + 2 * H, "o");
    m.apply_calendar_sync(oc, &b).unwrap();
    assert_eq!(
        m.occurrences_between(from, to, Some(&[oc])).unwrap().len(),
        1
    );
    assert_eq!(
        m.occurrences_between(from, to, Some(&[c])).unwrap().len(),
        8
    );
    assert_eq!(m.occurrences_between(from, to, Some(&[])).unwrap().len(), 0);
    assert_eq!(m.occurrences_between(from, to, None).unwrap().len(), 9);
    // disabled sources are hidden from the default view, but listed when asked for
    m.update_source(
        other,
        &SourcePatch {
            enabled: Some(false),
            ..SourcePatch::default()
        },
    )
    .unwrap();
    assert_eq!(m.occurrences_between(from, to, None).unwrap().len(), 8);
    assert_eq!(
        m.occurrences_between(from, to, Some(&[oc])).unwrap().len(),
        1
    );
    assert_eq!(m.upcoming_count(from, to, None).unwrap(), 4);
    assert_eq!(m.upcoming_count(from, to, Some(other)).unwrap(), 1);
}

#[test]
fn hostile_values_are_stored_verbatim() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, s, c) = setup(dir.path());
    let sql = "'); DROP TABLE events;-- \" OR 1=1; <script>alert(1)</script>";
    let nul = "before\0after\0";
    let big: String = "€𝄞x".repeat(1 << 18); // ~2 MB of multi-byte text
    let mut w = ev(sql, nul, T0, T0 + H, sql);
    w.location = Some(nul);
    w.raw = &big;
    w.tzid = Some(sql);
    let mut b = batch(T0);
    b.upserts.push(w);
    b.replace_occurrences.push(SeriesOccurrences {
        uid: sql,
        occurrences: vec![occ(nul, sql, T0, T0 + H)],
    });
    b.log.error = Some(sql);
    m.apply_calendar_sync(c, &b).unwrap();
    m.update_source(
        s,
        &SourcePatch {
            name: Some(sql.into()),
            ..SourcePatch::default()
        },
    )
    .unwrap();

    drop(m);
    let m = Mirror::open(&dir.path().join("db/traycal.db")).unwrap();
    let row = m.event_by_key(c, sql, nul).unwrap().unwrap();
    assert_eq!(row.uid, sql);
    assert_eq!(row.recurrence_id, nul);
    assert_eq!(row.summary.as_deref(), Some(sql));
    assert_eq!(row.location.as_deref(), Some(nul));
    assert_eq!(row.raw, big);
    let agenda = m.occurrences_between(T0, T0 + D, None).unwrap();
    assert_eq!(agenda.len(), 1);
    assert_eq!(agenda[0].recurrence_id, sql);
    assert_eq!(agenda[0].calendar.source_name, sql);
    assert_eq!(
        m.sync_log(Some(s), 1).unwrap()[0].error.as_deref(),
        Some(sql)
    );
    assert_eq!(m.event_index(c).unwrap()[0].recurrence_id, nul);
    assert!(m.check_integrity().unwrap());
}

// ------------------------------------------------------------ sync state ----

#[test]
fn attempts_update_state_and_the_log_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, s, c) = setup(dir.path());
    let other = m.add_source(&new_source("Other")).unwrap();
    let fail = |at: i64, msg: &'static str| AttemptRecord {
        outcome: SyncOutcome::Failed,
        attempted_at: at,
        next_due_at: at + 60,
        duration_ms: 12,
        diagnostics: 0,
        error: Some(msg),
        error_code: Some("http.503"),
        validators: None,
        notes: None,
        error_detail: None,
    };
    let mut b = batch(T0);
    b.state.etag = Some("\"e1\"");
    b.state.content_hash = Some(77);
    single(&mut b, "a", T0, T0 + H, "A");
    m.apply_calendar_sync(c, &b).unwrap();

    m.record_attempt(s, &fail(T0 + 10, "first")).unwrap();
    m.record_attempt(s, &fail(T0 + 20, "second")).unwrap();
    let st = m.sync_state(s).unwrap();
    assert_eq!(st.consecutive_failures, 2);
    assert_eq!(st.last_error.as_deref(), Some("second"));
    assert_eq!(st.last_error_code.as_deref(), Some("http.503"));
    assert_eq!(
        (st.last_attempt_at, st.last_success_at),
        (Some(T0 + 20), Some(T0))
    );
    assert_eq!(st.next_due_at, Some(T0 + 80));
    assert_eq!(
        (st.etag.as_deref(), st.content_hash),
        (Some("\"e1\""), Some(77))
    );
    assert_eq!(st.event_count, 1);

    m.record_attempt(other, &fail(T0 + 25, "other")).unwrap();
    m.record_attempt(
        s,
        &AttemptRecord {
            outcome: SyncOutcome::NotModified,
            attempted_at: T0 + 30,
            next_due_at: T0 + 930,
            duration_ms: 3,
            diagnostics: 0,
            error: None,
            error_code: None,
            validators: Some(Validators {
                etag: Some("\"e2\""),
                last_modified: None,
            }),
            notes: None,
            error_detail: None,
        },
    )
    .unwrap();
    let st = m.sync_state(s).unwrap();
    assert_eq!(st.consecutive_failures, 0);
    assert_eq!(st.last_error, None);
    assert_eq!(st.last_success_at, Some(T0 + 30));
    assert_eq!(st.etag.as_deref(), Some("\"e2\""));
    assert_eq!(st.content_hash, Some(77));

    let log = m.sync_log(Some(s), 10).unwrap();
    let seq: Vec<(i64, SyncOutcome)> = log.iter().map(|l| (l.at, l.outcome)).collect();
    assert_eq!(
        seq,
        [
            (T0 + 30, SyncOutcome::NotModified),
            (T0 + 20, SyncOutcome::Failed),
            (T0 + 10, SyncOutcome::Failed),
            (T0, SyncOutcome::Updated)
        ]
    );
    assert_eq!(log[1].error.as_deref(), Some("second"));
    assert_eq!(log[1].duration_ms, 12);
    let limited = m.sync_log(Some(s), 2).unwrap();
    assert_eq!(limited, log[..2]);
    let all = m.sync_log(None, 3).unwrap();
    let ats: Vec<i64> = all.iter().map(|l| l.at).collect();
    assert_eq!(ats, [T0 + 30, T0 + 25, T0 + 20]);
    assert_eq!(all[1].source_name, "Other");
    assert_eq!(m.sync_log(None, 0).unwrap().len(), 0);

    // 'updated' must go through apply_calendar_sync
    let mut up = fail(T0 + 40, "x");
    up.outcome = SyncOutcome::Updated;
    assert_eq!(
        m.record_attempt(s, &up).unwrap_err().kind(),
        StoreErrorKind::InvalidInput
    );
    assert_eq!(
        m.record_attempt(SourceId(999), &fail(T0, "x"))
            .unwrap_err()
            .kind(),
        StoreErrorKind::NotFound
    );
    assert_eq!(m.sync_log(None, 100).unwrap().len(), 5);
}

#[test]
fn in_memory_mirror_works() {
    let mut m = Mirror::open_in_memory().unwrap();
    let s = m.add_source(&new_source("Mem")).unwrap();
    let c = m.calendar_of(s).unwrap();
    let mut b = batch(T0);
    single(&mut b, "a", T0, T0 + H, "A");
    m.apply_calendar_sync(c, &b).unwrap();
    assert_eq!(uids_between(&m, T0, T0 + H), ["a"]);
    m.checkpoint().unwrap();
}

/// Rows written ahead on a first sync: ids are reserved, series ends are corrected to
/// the batch's, occurrences attach to the reserved ids.
#[test]
fn rows_written_ahead_are_completed_by_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, _s, c) = setup(dir.path());
    let mut b = batch(T0);
    single(&mut b, "b", T0 + H, T0 + 2 * H, "B");
    single(&mut b, "a", T0, T0 + H, "A");
    // the rows go in with a guessed series end for "a"; the batch has the real one
    let mut ahead = b.upserts.clone();
    ahead[1].series_end_utc = None;
    b.upserts[1].series_end_utc = Some(T0 + 9 * D);
    let mut w = m.begin_calendar_sync(c, T0).unwrap();
    assert!(w.is_first_sync());
    assert_eq!(w.prewrite_rows(&ahead).unwrap(), 2);
    let counts = w.apply(&b).unwrap();
    assert_eq!(counts.upserted, 2);
    assert_eq!(counts.occurrences_inserted, 2);
    let a = m.event_by_key(c, "a", "").unwrap().unwrap();
    assert_eq!(a.series_end_utc, Some(T0 + 9 * D), "corrected by the batch");
    assert_eq!(a.raw, "BEGIN:VEVENT\r\nEND:VEVENT\r\n");
    assert_eq!(uids_between(&m, T0, T0 + D), ["a", "b"]);
    assert_eq!(m.orphan_occurrences().unwrap(), 0);

    // Not a first sync any more: writing ahead is refused.
    let mut w = m.begin_calendar_sync(c, T0 + D).unwrap();
    assert!(!w.is_first_sync());
    let err = w.prewrite_rows(&ahead).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::InvalidInput);
}

#[test]
fn a_batch_that_differs_from_the_rows_written_ahead_rolls_everything_back() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, _s, c) = setup(dir.path());
    let mut b = batch(T0);
    single(&mut b, "a", T0, T0 + H, "A");
    single(&mut b, "b", T0 + H, T0 + 2 * H, "B");
    let ahead = vec![b.upserts[0]];
    let mut w = m.begin_calendar_sync(c, T0).unwrap();
    w.prewrite_rows(&ahead).unwrap();
    let err = w.apply(&b).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::InvalidInput);
    assert!(m.event_by_key(c, "a", "").unwrap().is_none(), "rolled back");
    assert!(uids_between(&m, T0, T0 + D).is_empty());
    // and a plain sync still works afterwards
    m.apply_calendar_sync(c, &b).unwrap();
    assert_eq!(uids_between(&m, T0, T0 + D), ["a", "b"]);
}
