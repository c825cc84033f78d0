#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Events made and changed here with a repeat rule and a reminder, through the
//! engine over a temporary data directory (a two-way calendar that is never synced:
//! no server is needed to create, edit and read back): a series shows each of its
//! occurrences in the agenda at once, and the editor's form read and written back
//! changes nothing.

use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use traycal_engine::local_edit::{EventFields, WhenGiven};
use traycal_engine::{Engine, EngineConfig, EngineError, FixedClock};
use traycal_providers::{FeedClientConfig, MemorySecretStore, SecretStore};
use traycal_store::{CalendarId, Mirror, ObjectKey, SourceKind};

/// 2026-03-02 (a Monday) 08:00 UTC.
const T0: i64 = 1_772_438_400;
const DAY: i64 = 86_400;

struct Setup {
    engine: Engine,
    calendar: CalendarId,
    dir: tempfile::TempDir,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::new());
    let engine = Engine::open(EngineConfig {
        data_dir: dir.path().to_path_buf(),
        secrets: Box::new(move || Ok(Arc::clone(&secrets))),
        clock: Arc::new(FixedClock(Utc.timestamp_opt(T0, 0).unwrap())),
        feed: FeedClientConfig::default(),
    })
    .unwrap();
    let calendar = engine
        .add_account_calendar(
            SourceKind::Caldav,
            "me@dav.test",
            "/dav/home/",
            "Home",
            false,
        )
        .await
        .unwrap();
    Setup {
        engine,
        calendar,
        dir,
    }
}

impl Setup {
    /// The object's current text, as the next push would send it.
    fn text(&self, uid: &str) -> String {
        let mirror = Mirror::open(&self.dir.path().join("mirror.sqlite3")).unwrap();
        let key = ObjectKey {
            calendar: self.calendar,
            uid,
            instance: "",
        };
        let object = mirror.remote_object(&key).unwrap().unwrap();
        object.current().unwrap().to_owned()
    }

    /// The mirror's bytes (a changed byte is a write).
    fn files(&self) -> Vec<Vec<u8>> {
        ["mirror.sqlite3", "mirror.sqlite3-wal"]
            .iter()
            .map(|f| std::fs::read(self.dir.path().join(f)).unwrap_or_default())
            .collect()
    }

    /// Starts (UTC seconds) of `uid`'s occurrences in the fortnight from T0.
    async fn starts(&self, uid: &str) -> Vec<i64> {
        let agenda = self.engine.agenda(T0 - DAY, T0 + 14 * DAY).await.unwrap();
        agenda
            .entries
            .iter()
            .filter(|e| e.uid == uid)
            .map(|e| e.start_utc)
            .collect()
    }

    async fn create_standup(&self) -> String {
        let fields = EventFields {
            title: Some("Stand-up".into()),
            start: Some(at("2026-03-02T09:00")),
            end: Some(at("2026-03-02T09:15")),
            zone: Some("Europe/Berlin".into()),
            location: Some("Room 4".into()),
            repeat: Some("freq=weekly;byday=mo,we;count=4".into()),
            reminder_minutes: Some(Some(10)),
            ..EventFields::default()
        };
        let written = self
            .engine
            .create_event(self.calendar.0, &fields)
            .await
            .unwrap();
        assert!(written.pending);
        written.uid
    }
}

fn at(text: &str) -> WhenGiven {
    WhenGiven::At(NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").unwrap())
}

fn day(text: &str) -> WhenGiven {
    WhenGiven::Day(NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap())
}

fn invalid_input(e: EngineError) -> String {
    match e {
        EngineError::InvalidInput(message) => message,
        other => panic!("not invalid input: {other:?}"),
    }
}

#[tokio::test]
async fn a_series_created_with_a_reminder_shows_every_occurrence_in_the_agenda() {
    let s = setup().await;
    let uid = s.create_standup().await;
    // Mondays and Wednesdays, four times, at 09:00 Berlin (08:00Z before DST).
    assert_eq!(
        s.starts(&uid).await,
        [T0, T0 + 2 * DAY, T0 + 7 * DAY, T0 + 9 * DAY]
    );
    let text = s.text(&uid);
    assert!(
        text.contains("RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4\r\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nDESCRIPTION:Stand-up\r\nEND:VALARM\r\n"
        ),
        "{text}"
    );

    // An UNTIL is written in UTC for a zoned start, and includes its whole day.
    let until = s
        .engine
        .create_event(
            s.calendar.0,
            &EventFields {
                title: Some("Daily".into()),
                start: Some(at("2026-03-03T09:00")),
                zone: Some("Europe/Berlin".into()),
                repeat: Some("FREQ=DAILY;UNTIL=20260305".into()),
                ..EventFields::default()
            },
        )
        .await
        .unwrap();
    assert!(s
        .text(&until.uid)
        .contains("RRULE:FREQ=DAILY;UNTIL=20260305T225959Z\r\n"));
    assert_eq!(s.starts(&until.uid).await.len(), 3);
}

#[tokio::test]
async fn a_form_read_and_written_back_changes_nothing() {
    let s = setup().await;
    let uid = s.create_standup().await;
    let form = s.engine.event_form(&uid, None, None).await.unwrap();
    assert_eq!(
        (
            form.title.as_str(),
            form.start.as_str(),
            form.end.as_str(),
            form.all_day,
            form.zone.as_deref(),
            form.location.as_deref(),
            form.description.as_deref(),
            form.repeat.as_deref(),
            form.reminder_minutes,
        ),
        (
            "Stand-up",
            "2026-03-02T09:00",
            "2026-03-02T09:15",
            false,
            Some("Europe/Berlin"),
            Some("Room 4"),
            None,
            Some("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4"),
            Some(10),
        )
    );
    let before = s.files();
    let written = s
        .engine
        .edit_event(&uid, None, None, &form.fields().unwrap())
        .await
        .unwrap();
    assert!(written.pending, "still waiting to be created on the server");
    assert_eq!(s.files(), before, "nothing written");

    // One occurrence: its own times, the series' rule and the reminder it has.
    let rid = "20260304T080000Z";
    let occurrence = s.engine.event_form(&uid, None, Some(rid)).await.unwrap();
    assert_eq!(
        (
            occurrence.start.as_str(),
            occurrence.end.as_str(),
            occurrence.repeat.as_deref(),
            occurrence.reminder_minutes,
            occurrence.occurrence.as_deref(),
        ),
        (
            "2026-03-04T09:00",
            "2026-03-04T09:15",
            Some("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4"),
            Some(10),
            Some(rid),
        )
    );
    s.engine
        .edit_event(&uid, None, Some(rid), &occurrence.fields().unwrap())
        .await
        .unwrap();
    assert_eq!(
        s.files(),
        before,
        "nothing written for the occurrence either"
    );

    // All-day: first and last day, inclusive.
    let holiday = s
        .engine
        .create_event(
            s.calendar.0,
            &EventFields {
                title: Some("Holiday".into()),
                start: Some(day("2026-03-05")),
                end: Some(day("2026-03-06")),
                ..EventFields::default()
            },
        )
        .await
        .unwrap();
    let form = s.engine.event_form(&holiday.uid, None, None).await.unwrap();
    assert_eq!(
        (
            form.start.as_str(),
            form.end.as_str(),
            form.all_day,
            form.zone.as_deref(),
            form.repeat.as_deref(),
            form.reminder_minutes
        ),
        ("2026-03-05", "2026-03-06", true, None, None, None)
    );
    let text = s.text(&holiday.uid);
    let before = s.files();
    s.engine
        .edit_event(&holiday.uid, None, None, &form.fields().unwrap())
        .await
        .unwrap();
    assert_eq!(s.files(), before);
    assert_eq!(s.text(&holiday.uid), text);
}

/// An event from elsewhere: in UTC with seconds, its end in another zone.
const UTC_EVENT: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Elsewhere//EN\r\n\
BEGIN:VEVENT\r\nUID:utc@elsewhere\r\nDTSTAMP:20260101T000000Z\r\n\
DTSTART:20260310T090030Z\r\nDTEND;TZID=Europe/Berlin:20260310T110000\r\nSUMMARY:Call\r\n\
X-ELSEWHERE:kept\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

#[tokio::test]
async fn a_utc_event_is_shown_and_changed_in_utc() {
    let s = setup().await;
    s.engine
        .record_local_object(s.calendar, "utc@elsewhere", Some(UTC_EVENT.into()))
        .await
        .unwrap();
    let form = s
        .engine
        .event_form("utc@elsewhere", None, None)
        .await
        .unwrap();
    assert_eq!(
        (form.start.as_str(), form.end.as_str(), form.zone.as_deref()),
        ("2026-03-10T09:00:30", "2026-03-10T10:00", None),
        "the end shown in the start's frame (11:00 Berlin is 10:00Z)"
    );
    let before = s.files();
    s.engine
        .edit_event("utc@elsewhere", None, None, &form.fields().unwrap())
        .await
        .unwrap();
    assert_eq!(s.files(), before);

    // A new end in the form is UTC, as the form showed it.
    let mut later = form.clone();
    later.end = "2026-03-10T10:30".into();
    later.reminder_minutes = Some(5);
    s.engine
        .edit_event("utc@elsewhere", None, None, &later.fields().unwrap())
        .await
        .unwrap();
    let text = s.text("utc@elsewhere");
    assert!(
        text.contains("DTSTART:20260310T090030Z\r\nDTEND:20260310T103000Z\r\n"),
        "{text}"
    );
    assert!(text.contains("X-ELSEWHERE:kept\r\n") && text.contains("TRIGGER:-PT5M\r\n"));
    assert!(
        !text.contains("VTIMEZONE"),
        "no zone left to define: {text}"
    );
}

#[tokio::test]
async fn the_rule_and_the_reminder_change_and_go_through_the_form() {
    let s = setup().await;
    let uid = s.create_standup().await;
    let mut form = s.engine.event_form(&uid, None, None).await.unwrap();
    form.repeat = Some("FREQ=DAILY;COUNT=2".into());
    form.reminder_minutes = None;
    s.engine
        .edit_event(&uid, None, None, &form.fields().unwrap())
        .await
        .unwrap();
    assert_eq!(s.starts(&uid).await, [T0, T0 + DAY]);
    let text = s.text(&uid);
    assert!(text.contains("RRULE:FREQ=DAILY;COUNT=2\r\n"), "{text}");
    assert!(
        !text.contains("VALARM") && text.contains("SEQUENCE:1\r\n"),
        "{text}"
    );
    let back = s.engine.event_form(&uid, None, None).await.unwrap();
    assert_eq!(back, form);

    // From the command line's fields: "" removes the rule.
    s.engine
        .edit_event(
            &uid,
            None,
            None,
            &EventFields {
                repeat: Some(String::new()),
                reminder_minutes: Some(Some(30)),
                ..EventFields::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(s.starts(&uid).await, [T0]);
    let form = s.engine.event_form(&uid, None, None).await.unwrap();
    assert_eq!((form.repeat, form.reminder_minutes), (None, Some(30)));
}

#[tokio::test]
async fn a_rule_is_refused_where_it_does_not_apply_or_does_not_parse() {
    let s = setup().await;
    let message = invalid_input(
        s.engine
            .create_event(
                s.calendar.0,
                &EventFields {
                    start: Some(at("2026-03-03T09:00")),
                    repeat: Some("FREQ=FORTNIGHTLY".into()),
                    ..EventFields::default()
                },
            )
            .await
            .unwrap_err(),
    );
    assert!(
        message.contains("FREQ=FORTNIGHTLY") && message.contains("invalid value"),
        "{message}"
    );

    let uid = s.create_standup().await;
    let message = invalid_input(
        s.engine
            .edit_event(
                &uid,
                None,
                Some("20260304T080000Z"),
                &EventFields {
                    repeat: Some("FREQ=DAILY".into()),
                    ..EventFields::default()
                },
            )
            .await
            .unwrap_err(),
    );
    assert!(message.contains("applies to the whole series"), "{message}");
    assert_eq!(s.starts(&uid).await.len(), 4, "nothing changed");
}

#[tokio::test]
async fn this_and_following_takes_a_new_rule_or_continues_the_old_one() {
    let s = setup().await;
    let uid = s.create_standup().await;
    // The series' own rule, as the form shows it: the new series continues it.
    let form = s
        .engine
        .event_form(&uid, None, Some("20260309T080000Z"))
        .await
        .unwrap();
    let mut fields = form.fields().unwrap();
    fields.title = Some("Stand-up (new room)".into());
    let continued = s
        .engine
        .edit_following(&uid, None, "20260309T080000Z", &fields)
        .await
        .unwrap();
    assert_eq!(s.starts(&uid).await, [T0, T0 + 2 * DAY]);
    assert_eq!(s.starts(&continued.uid).await, [T0 + 7 * DAY, T0 + 9 * DAY]);
    assert!(s
        .text(&continued.uid)
        .contains("RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=2\r\n"));

    // A new rule for the rest: daily, three times.
    let daily = s
        .engine
        .edit_following(
            &continued.uid,
            None,
            "20260311T080000Z",
            &EventFields {
                repeat: Some("FREQ=DAILY;COUNT=3".into()),
                ..EventFields::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(s.starts(&continued.uid).await, [T0 + 7 * DAY]);
    assert_eq!(
        s.starts(&daily.uid).await,
        [T0 + 9 * DAY, T0 + 10 * DAY, T0 + 11 * DAY]
    );
}

/// A delete is undone (the series is back, as it was), the undo can be undone in
/// turn, and one undo is given once.
#[tokio::test]
async fn a_delete_is_undone_and_so_is_the_undo() {
    let s = setup().await;
    let uid = s.create_standup().await;
    let before = s.text(&uid);
    let all = s.starts(&uid).await;
    let deleted = s.engine.delete_event(&uid, None, None).await.unwrap();
    assert!(s.starts(&uid).await.is_empty());

    let undone = s.engine.undo(deleted.undo.unwrap()).await.unwrap();
    assert_eq!(undone.uid, uid);
    assert_eq!(s.text(&uid), before, "the same text, not a copy");
    assert_eq!(s.starts(&uid).await, all);
    let again = invalid_input(s.engine.undo(deleted.undo.unwrap()).await.unwrap_err());
    assert!(again.contains("no longer"), "{again}");

    // Undoing the undo deletes it again.
    s.engine.undo(undone.undo.unwrap()).await.unwrap();
    assert!(s.starts(&uid).await.is_empty());
}

/// One occurrence deleted, and a series cut in two ("this and following"): each is
/// undone whole, the new series of a cut gone with it.
#[tokio::test]
async fn occurrence_and_series_changes_are_undone_whole() {
    let s = setup().await;
    let uid = s.create_standup().await;
    let before = s.text(&uid);
    let one = s
        .engine
        .delete_event(&uid, None, Some("20260304T080000Z"))
        .await
        .unwrap();
    assert_eq!(s.starts(&uid).await.len(), 3);
    s.engine.undo(one.undo.unwrap()).await.unwrap();
    assert_eq!(s.text(&uid), before);

    let cut = s
        .engine
        .edit_following(
            &uid,
            None,
            "20260309T080000Z",
            &EventFields {
                title: Some("Moved".into()),
                ..EventFields::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(s.starts(&cut.uid).await.len(), 2);
    s.engine.undo(cut.undo.unwrap()).await.unwrap();
    assert_eq!(s.text(&uid), before);
    assert!(
        s.starts(&cut.uid).await.is_empty(),
        "the new series is gone"
    );
    assert_eq!(s.starts(&uid).await.len(), 4);
}

/// An undo never overwrites a later change: it is refused, naming the event, and the
/// later change stays.
#[tokio::test]
async fn an_undo_never_overwrites_a_later_change() {
    let s = setup().await;
    let uid = s.create_standup().await;
    let retitle = |title: &str| EventFields {
        title: Some(title.into()),
        ..EventFields::default()
    };
    let first = s
        .engine
        .edit_event(&uid, None, None, &retitle("First"))
        .await
        .unwrap();
    s.engine
        .edit_event(&uid, None, None, &retitle("Second"))
        .await
        .unwrap();
    let refused = invalid_input(s.engine.undo(first.undo.unwrap()).await.unwrap_err());
    assert!(refused.contains(&uid), "{refused}");
    assert!(s.text(&uid).contains("SUMMARY:Second"));
}
