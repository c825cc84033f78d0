#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Local edits of remote objects, checked the way the rest of Traycal reads them:
//! the text an edit writes is parsed and expanded again, and what the user did not
//! touch is compared line by line with what came in.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use traycal_core::calendar::{load_calendar, OccurrenceRow};
use traycal_core::edit::{
    create_event, delete_occurrence, read_draft, read_occurrence_draft, split_series, update_event,
    update_occurrence, DraftError, DraftTime, EditError, EventDraft, PRODID,
};
use traycal_core::event::ItemKind;
use traycal_core::expand::{ExpandOptions, Stamp, TimeKind, Window};
use traycal_core::ics::{parse_all, prepare_input, Component};

/// 2026-03-01T12:00:00Z, the edits' "now".
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn secs(text: &str) -> i64 {
    at(text).and_utc().timestamp()
}

fn instant(utc: &str) -> Stamp {
    Stamp {
        secs: secs(utc),
        kind: TimeKind::Instant,
    }
}

/// Every occurrence in 2025..2028, sorted by start; no diagnostics allowed.
fn rows(text: &str) -> Vec<OccurrenceRow> {
    let (rows, diagnostics) = rows_and_diagnostics(text);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    rows
}

fn rows_and_diagnostics(text: &str) -> (Vec<OccurrenceRow>, Vec<String>) {
    let prepared = prepare_input(text.as_bytes());
    let mut cal = load_calendar(&prepared, &[ItemKind::Event]);
    assert!(cal.diagnostics.is_empty(), "{:?}\n{text}", cal.diagnostics);
    let window = Window {
        from: secs("2025-01-01 00:00"),
        to: secs("2028-01-01 00:00"),
    };
    let mut diagnostics = Vec::new();
    let rows = cal.occurrence_rows(&ExpandOptions::new(window), &mut diagnostics);
    (rows, diagnostics)
}

/// (start, end, summary) of each occurrence.
fn spans(text: &str) -> Vec<(String, String, String)> {
    rows(text)
        .into_iter()
        .map(|r| (r.start_utc, r.end_utc, r.summary.unwrap_or_default()))
        .collect()
}

/// `text` as the writer writes it (what a server gets back from Traycal).
fn canonical(text: &str) -> String {
    let (components, properties, diagnostics) = parse_all(text.as_bytes());
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let mut calendar = Component::new("VCALENDAR");
    calendar.properties = properties;
    calendar.children = components;
    calendar.to_ics()
}

/// The lines of the component that starts with `begin` and contains `marker`.
fn component<'t>(text: &'t str, marker: &str) -> &'t str {
    let at = text.find(marker).expect("marker");
    let start = text[..at].rfind("BEGIN:VEVENT").expect("begin");
    let end = at + text[at..].find("END:VEVENT\r\n").expect("end") + "END:VEVENT\r\n".len();
    &text[start..end]
}

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

fn berlin(local: &str) -> DraftTime {
    DraftTime::zoned(at(local), "Europe/Berlin")
}

// ---------------------------------------------------------------------------------
// Creating

#[test]
fn a_created_event_expands_at_the_right_instant_in_each_zone() {
    let cases = [
        // zone, local start, UTC start, UTC end (one hour)
        (
            "Europe/Berlin",
            "2026-07-01 09:00",
            "2026-07-01T07:00:00Z",
            "2026-07-01T08:00:00Z",
        ),
        (
            "Europe/Berlin",
            "2026-01-15 09:00",
            "2026-01-15T08:00:00Z",
            "2026-01-15T09:00:00Z",
        ),
        (
            "America/New_York",
            "2026-01-15 09:00",
            "2026-01-15T14:00:00Z",
            "2026-01-15T15:00:00Z",
        ),
        (
            "America/New_York",
            "2026-07-15 09:00",
            "2026-07-15T13:00:00Z",
            "2026-07-15T14:00:00Z",
        ),
        // Lord Howe: +11 in (southern) summer, +10:30 in winter.
        (
            "Australia/Lord_Howe",
            "2026-01-15 09:00",
            "2026-01-14T22:00:00Z",
            "2026-01-14T23:00:00Z",
        ),
        (
            "Australia/Lord_Howe",
            "2026-07-15 09:00",
            "2026-07-14T22:30:00Z",
            "2026-07-14T23:30:00Z",
        ),
        (
            "Asia/Kolkata",
            "2026-07-15 09:00",
            "2026-07-15T03:30:00Z",
            "2026-07-15T04:30:00Z",
        ),
    ];
    for (zone, local, start, end) in cases {
        let start_local = at(local);
        let draft = EventDraft::new(
            "Planning",
            DraftTime::zoned(start_local, zone),
            DraftTime::zoned(start_local + chrono::Duration::hours(1), zone),
        );
        let text = create_event(&draft, "new-1@traycal", now()).unwrap();
        let rows = rows(&text);
        assert_eq!(rows.len(), 1, "{zone}\n{text}");
        assert_eq!(
            (rows[0].start_utc.as_str(), rows[0].end_utc.as_str()),
            (start, end),
            "{zone} {local}"
        );
        assert_eq!(rows[0].tzid.as_deref(), Some(zone));
        assert_eq!(count(&text, "BEGIN:VTIMEZONE"), 1, "{text}");
        assert!(text.contains(&format!("TZID:{zone}\r\n")), "{text}");

        // Read through its own VTIMEZONE (as a client without the zone database
        // would), the event is at the same instant.
        let renamed = text.replace(zone, "Traycal Test Zone");
        let through_vtimezone = self::rows(&renamed);
        assert_eq!(
            (
                through_vtimezone[0].start_utc.as_str(),
                through_vtimezone[0].end_utc.as_str()
            ),
            (start, end),
            "{zone} {local} through its VTIMEZONE\n{renamed}"
        );
    }
}

#[test]
fn a_created_event_has_the_required_properties_in_order() {
    let draft = EventDraft::new(
        "  Planning  ",
        berlin("2026-07-01 09:00"),
        berlin("2026-07-01 10:30"),
    )
    .with_location("Room 4");
    let text = create_event(&draft, "new-1@traycal", now()).unwrap();
    assert!(text.starts_with(&format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:{PRODID}\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"
    )));
    let event = component(&text, "UID:new-1@traycal");
    assert_eq!(
        event,
        "BEGIN:VEVENT\r\nUID:new-1@traycal\r\nDTSTAMP:20260301T120000Z\r\n\
         CREATED:20260301T120000Z\r\nLAST-MODIFIED:20260301T120000Z\r\nSEQUENCE:0\r\n\
         DTSTART;TZID=Europe/Berlin:20260701T090000\r\n\
         DTEND;TZID=Europe/Berlin:20260701T103000\r\nSUMMARY:Planning\r\n\
         LOCATION:Room 4\r\nEND:VEVENT\r\n"
    );
    assert!(text.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
    assert_eq!(read_draft(&text).unwrap(), draft.normalized());
}

#[test]
fn utc_and_all_day_events_are_created_without_vtimezone() {
    let utc = EventDraft::new(
        "Call",
        DraftTime::Utc(at("2026-07-01 15:00")),
        DraftTime::Utc(at("2026-07-01 15:30")),
    );
    let text = create_event(&utc, "u@traycal", now()).unwrap();
    assert!(!text.contains("VTIMEZONE"));
    assert!(text.contains("DTSTART:20260701T150000Z\r\nDTEND:20260701T153000Z\r\n"));
    assert_eq!(spans(&text)[0].0, "2026-07-01T15:00:00Z");

    let holiday = EventDraft::all_day("Holiday", day("2026-05-01"), day("2026-05-03"));
    let text = create_event(&holiday, "h@traycal", now()).unwrap();
    assert!(!text.contains("VTIMEZONE"));
    assert!(
        text.contains("DTSTART;VALUE=DATE:20260501\r\nDTEND;VALUE=DATE:20260504\r\n"),
        "{text}"
    );
    let rows = rows(&text);
    assert_eq!(rows.len(), 1);
    assert!(rows[0].all_day);
    assert_eq!(
        (rows[0].start_utc.as_str(), rows[0].end_utc.as_str()),
        ("2026-05-01", "2026-05-04")
    );
}

#[test]
fn invalid_drafts_and_uids_are_refused() {
    let backwards = EventDraft::new("x", berlin("2026-07-01 10:00"), berlin("2026-07-01 09:00"));
    assert!(matches!(
        create_event(&backwards, "u", now()),
        Err(EditError::Draft(DraftError::EndBeforeStart { .. }))
    ));
    let unknown = EventDraft::new(
        "x",
        DraftTime::zoned(at("2026-07-01 09:00"), "Europe/Atlantis"),
        DraftTime::zoned(at("2026-07-01 10:00"), "Europe/Atlantis"),
    );
    assert!(matches!(
        create_event(&unknown, "u", now()),
        Err(EditError::Draft(DraftError::UnknownZone { .. }))
    ));
    let empty_day = EventDraft::new(
        "x",
        DraftTime::Date(day("2026-05-01")),
        DraftTime::Date(day("2026-05-01")),
    );
    assert!(matches!(
        create_event(&empty_day, "u", now()),
        Err(EditError::Draft(DraftError::AllDayEndNotAfterStart { .. }))
    ));
    let fine = EventDraft::new("x", berlin("2026-07-01 09:00"), berlin("2026-07-01 10:00"));
    assert!(matches!(
        create_event(&fine, "  ", now()),
        Err(EditError::InvalidUid(_))
    ));
    assert!(matches!(
        create_event(&fine, "a\nb", now()),
        Err(EditError::InvalidUid(_))
    ));
}

#[test]
fn text_with_commas_semicolons_newlines_and_non_ascii_round_trips_folded() {
    let description = "Agenda: budget, hiring; roadmap\n\
        Zürich → 東京, naïve café ☕\n\
        Path C:\\temp\\notes; \"quoted\"\n\n\
        A long line that goes on and on well past seventy-five octets so that the writer has to fold it, twice even, with ünïcödé near the folds 😀😀😀";
    let title = "Budget, hiring; roadmap — Q3 ☕";
    let location = "Café Zürich, Bahnhofstrasse 1; 2nd floor";
    let draft = EventDraft::new(
        title,
        berlin("2026-07-01 09:00"),
        berlin("2026-07-01 10:00"),
    )
    .with_location(location)
    .with_description(description);
    let text = create_event(&draft, "text@traycal", now()).unwrap();
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        assert!(!line.contains('\n') && !line.contains('\r'));
    }
    assert!(text.contains("SUMMARY:Budget\\, hiring\\; roadmap — Q3 ☕\r\n"));
    let back = read_draft(&text).unwrap();
    assert_eq!(back.title, title);
    assert_eq!(back.location.as_deref(), Some(location));
    assert_eq!(back.description.as_deref(), Some(description));
    let rows = rows(&text);
    assert_eq!(rows[0].summary.as_deref(), Some(title));

    // Through an update too, and a CRLF in the form becomes a plain line break.
    let edited = EventDraft {
        description: Some("first, line\r\nsecond; line".into()),
        ..back
    };
    let text = update_event(&text, &edited, now()).unwrap();
    assert!(
        text.contains("DESCRIPTION:first\\, line\\nsecond\\; line\r\n"),
        "{text}"
    );
    assert_eq!(
        read_draft(&text).unwrap().description.as_deref(),
        Some("first, line\nsecond; line")
    );
}

// ---------------------------------------------------------------------------------
// A series as a groupware server holds it

/// A weekly series (Mondays 09:00 Berlin, 10 times from 2026-03-02; 16 March
/// excluded; 23 March moved to 14:00), with everything an edit must keep.
const SERIES: &str = "BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Example Corp//Groupware 9.1//EN\r
X-WR-CALNAME:Team\r
BEGIN:VTIMEZONE\r
TZID:Europe/Berlin\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
TZNAME:CEST\r
DTSTART:19700329T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
TZNAME:CET\r
DTSTART:19701025T030000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
END:STANDARD\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
UID:weekly-sync@example.com\r
DTSTAMP:20260101T120000Z\r
CREATED:20251201T100000Z\r
LAST-MODIFIED:20260101T120000Z\r
SEQUENCE:2\r
DTSTART;TZID=Europe/Berlin:20260302T090000\r
DTEND;TZID=Europe/Berlin:20260302T093000\r
RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10\r
EXDATE;TZID=Europe/Berlin:20260316T090000\r
SUMMARY;LANGUAGE=en:Weekly sync\r
LOCATION:Room 4\r
DESCRIPTION:Status\\, blockers\\; next steps\r
X-ALT-DESC;FMTTYPE=text/html:<p>Status</p>\r
ORGANIZER;CN=Boss:mailto:boss@example.com\r
ATTENDEE;CN=\"Doe, Jane\";PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:jane@example.com\r
ATTENDEE;CN=Bob;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.com\r
X-MOZ-GENERATION:3\r
X-UNKNOWN;X-PARAM=1:kept as is\r
CATEGORIES:Work,Team\r
BEGIN:VALARM\r
ACTION:DISPLAY\r
DESCRIPTION:Reminder\r
TRIGGER:-PT10M\r
X-ALARM-EXTRA:yes\r
END:VALARM\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:weekly-sync@example.com\r
RECURRENCE-ID;TZID=Europe/Berlin:20260323T090000\r
DTSTAMP:20260101T120000Z\r
SEQUENCE:2\r
DTSTART;TZID=Europe/Berlin:20260323T140000\r
DTEND;TZID=Europe/Berlin:20260323T143000\r
SUMMARY:Weekly sync (afternoon)\r
X-OVERRIDE-NOTE:moved\r
END:VEVENT\r
END:VCALENDAR\r
";

fn series() -> String {
    let text = canonical(SERIES);
    // The fixture is in the writer's form, so untouched lines must come out equal.
    assert_eq!(canonical(&text), text);
    text
}

/// The master's VEVENT (the one with RRULE).
fn master(text: &str) -> &str {
    component(text, "RRULE:FREQ=WEEKLY")
}

fn override_at<'t>(text: &'t str, rid: &str) -> &'t str {
    component(text, &format!("RECURRENCE-ID;TZID=Europe/Berlin:{rid}"))
}

#[test]
fn the_series_fixture_expands_as_described() {
    let spans = spans(&series());
    let starts: Vec<&str> = spans.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(
        starts,
        [
            "2026-03-02T08:00:00Z",
            "2026-03-09T08:00:00Z",
            "2026-03-23T13:00:00Z",
            "2026-03-30T07:00:00Z",
            "2026-04-06T07:00:00Z",
            "2026-04-13T07:00:00Z",
            "2026-04-20T07:00:00Z",
            "2026-04-27T07:00:00Z",
            "2026-05-04T07:00:00Z",
        ]
    );
}

#[test]
fn a_title_change_rewrites_only_the_title_and_the_stamps() {
    let before = series();
    let mut draft = read_draft(&before).unwrap();
    draft.title = "Weekly sync, new name".into();
    let after = update_event(&before, &draft, now()).unwrap();
    // Byte for byte: the same text but the three lines of the master that change.
    let expected = before
        .replace(
            "SUMMARY;LANGUAGE=en:Weekly sync\r\n",
            "SUMMARY;LANGUAGE=en:Weekly sync\\, new name\r\n",
        )
        .replacen(
            "UID:weekly-sync@example.com\r\nDTSTAMP:20260101T120000Z\r\nCREATED:20251201T100000Z\r\nLAST-MODIFIED:20260101T120000Z\r\n",
            "UID:weekly-sync@example.com\r\nDTSTAMP:20260301T120000Z\r\nCREATED:20251201T100000Z\r\nLAST-MODIFIED:20260301T120000Z\r\n",
            1,
        );
    assert_ne!(expected, before);
    assert_eq!(after, expected);
    // SEQUENCE is not bumped for a title.
    assert!(master(&after).contains("SEQUENCE:2\r\n"));
    // The override still wins its instance, with its own title.
    let spans = spans(&after);
    assert_eq!(spans.len(), 9);
    assert_eq!(spans[0].2, "Weekly sync, new name");
    assert_eq!(spans[2].2, "Weekly sync (afternoon)");
}

#[test]
fn an_unchanged_draft_returns_the_object_as_it_came() {
    // Even in a foreign form (LF line ends): nothing to write, nothing rewritten.
    let lf = SERIES.replace("\r\n", "\n");
    let draft = read_draft(&lf).unwrap();
    assert_eq!(update_event(&lf, &draft, now()).unwrap(), lf);
    let occurrence = instant("2026-03-09 08:00");
    let draft = read_occurrence_draft(&lf, occurrence).unwrap();
    assert_eq!(
        update_occurrence(&lf, occurrence, &draft, now()).unwrap(),
        lf
    );
}

#[test]
fn a_description_change_drops_outlooks_stale_html_copy_only() {
    let before = series();
    let mut draft = read_draft(&before).unwrap();
    draft.description = Some("New agenda".into());
    let after = update_event(&before, &draft, now()).unwrap();
    let m = master(&after);
    assert!(m.contains("\r\nDESCRIPTION:New agenda\r\n"));
    assert!(!after.contains("X-ALT-DESC"));
    for kept in [
        "X-MOZ-GENERATION:3\r\n",
        "X-UNKNOWN;X-PARAM=1:kept as is\r\n",
        "CATEGORIES:Work,Team\r\n",
        "X-ALARM-EXTRA:yes\r\n",
        "DESCRIPTION:Reminder\r\n",
    ] {
        assert!(m.contains(kept), "{kept}");
    }
}

#[test]
fn moving_the_series_bumps_sequence_and_moves_exdates_and_overrides() {
    let before = series();
    let mut draft = read_draft(&before).unwrap();
    // One hour later, an hour long.
    draft.start = berlin("2026-03-02 10:00");
    draft.end = berlin("2026-03-02 11:00");
    let after = update_event(&before, &draft, now()).unwrap();
    let m = master(&after);
    assert!(m.contains("SEQUENCE:3\r\n"), "{m}");
    assert!(m.contains("DTSTART;TZID=Europe/Berlin:20260302T100000\r\n"));
    assert!(m.contains("DTEND;TZID=Europe/Berlin:20260302T110000\r\n"));
    assert!(
        m.contains("EXDATE;TZID=Europe/Berlin:20260316T100000\r\n"),
        "{m}"
    );
    // The moved override keeps its own times but names the moved instance.
    let o = override_at(&after, "20260323T100000");
    assert!(o.contains("DTSTART;TZID=Europe/Berlin:20260323T140000\r\n"));
    assert!(o.contains("SEQUENCE:3\r\n") && o.contains("X-OVERRIDE-NOTE:moved\r\n"));
    // Untouched: the attendees, alarm, unknown properties, the zone.
    for kept in [
        "ATTENDEE;CN=\"Doe, Jane\";PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:jane",
        "X-UNKNOWN;X-PARAM=1:kept as is\r\n",
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\nTRIGGER:-PT10M\r\nX-ALARM-EXTRA:yes\r\nEND:VALARM\r\n",
        "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10\r\n",
    ] {
        assert!(m.contains(kept), "{kept}\n{m}");
    }
    assert_eq!(count(&after, "BEGIN:VTIMEZONE"), 1);
    let starts: Vec<String> = spans(&after).into_iter().map(|s| s.0).collect();
    assert_eq!(
        starts,
        [
            "2026-03-02T09:00:00Z",
            "2026-03-09T09:00:00Z",
            "2026-03-23T13:00:00Z",
            "2026-03-30T08:00:00Z",
            "2026-04-06T08:00:00Z",
            "2026-04-13T08:00:00Z",
            "2026-04-20T08:00:00Z",
            "2026-04-27T08:00:00Z",
            "2026-05-04T08:00:00Z",
        ]
    );
}

#[test]
fn moving_the_series_to_another_zone_swaps_the_vtimezone() {
    let before = series();
    let mut draft = read_draft(&before).unwrap();
    draft.start = DraftTime::zoned(at("2026-03-02 09:00"), "America/New_York");
    draft.end = DraftTime::zoned(at("2026-03-02 09:30"), "America/New_York");
    let after = update_event(&before, &draft, now()).unwrap();
    assert!(after.contains("EXDATE;TZID=America/New_York:20260316T090000\r\n"));
    assert!(after.contains("RECURRENCE-ID;TZID=America/New_York:20260323T090000\r\n"));
    // The override the user moved to 14:00 Berlin stays there, so Berlin stays too.
    assert!(override_at_in(&after, "America/New_York:20260323T090000")
        .contains("DTSTART;TZID=Europe/Berlin:20260323T140000\r\n"));
    assert_eq!(count(&after, "BEGIN:VTIMEZONE"), 2);
    assert!(
        after.contains("TZID:America/New_York\r\n") && after.contains("TZID:Europe/Berlin\r\n")
    );
    let spans = spans(&after);
    // 09:00 in New York: EST until 8 March, EDT after; 16 March still excluded.
    assert_eq!(spans[0].0, "2026-03-02T14:00:00Z");
    assert_eq!(spans[1].0, "2026-03-09T13:00:00Z");
    assert_eq!(spans[2].0, "2026-03-23T13:00:00Z");
    assert_eq!(spans.len(), 9);

    // Without the override, nothing names Berlin after the move: its VTIMEZONE goes.
    let without = delete_occurrence(&before, instant("2026-03-23 08:00"), now()).unwrap();
    let after = update_event(&without, &draft, now()).unwrap();
    assert!(!after.contains("Europe/Berlin"), "{after}");
    assert_eq!(count(&after, "BEGIN:VTIMEZONE"), 1);
    assert!(after.contains(
        "EXDATE;TZID=America/New_York:20260316T090000\r\nEXDATE;TZID=America/New_York:20260323T090000\r\n"
    ));
    assert_eq!(self::spans(&after).len(), 8);
}

fn override_at_in<'t>(text: &'t str, rid: &str) -> &'t str {
    component(text, &format!("RECURRENCE-ID;TZID={rid}"))
}

#[test]
fn an_occurrence_edit_adds_an_override_and_leaves_the_others() {
    let before = series();
    // The fifth occurrence: 2026-03-30 09:00 Berlin (07:00Z).
    let instance = instant("2026-03-30 07:00");
    let mut draft = read_occurrence_draft(&before, instance).unwrap();
    assert_eq!(draft.start, berlin("2026-03-30 09:00"));
    assert_eq!(draft.end, berlin("2026-03-30 09:30"));
    assert_eq!(draft.title, "Weekly sync");
    draft.start = berlin("2026-03-30 11:00");
    draft.end = berlin("2026-03-30 12:00");
    draft.title = "Weekly sync (late)".into();
    let after = update_occurrence(&before, instance, &draft, now()).unwrap();

    // Everything that was there is still there, byte for byte.
    assert!(after.starts_with(before.strip_suffix("END:VCALENDAR\r\n").unwrap()));
    let o = override_at(&after, "20260330T090000");
    assert!(
        o.contains("DTSTART;TZID=Europe/Berlin:20260330T110000\r\n"),
        "{o}"
    );
    assert!(o.contains("DTEND;TZID=Europe/Berlin:20260330T120000\r\n"));
    assert!(o.contains("SUMMARY;LANGUAGE=en:Weekly sync (late)\r\n"));
    // A copy of the master: attendees, alarm, unknown properties; no rule.
    assert!(
        o.contains("ATTENDEE;CN=Bob;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.com\r\n")
    );
    assert!(o.contains("X-UNKNOWN;X-PARAM=1:kept as is\r\n"));
    assert!(o.contains("BEGIN:VALARM\r\n"));
    for gone in ["RRULE", "EXDATE", "RDATE"] {
        assert!(!o.contains(gone), "{gone}\n{o}");
    }
    // Moved: one more than the master's SEQUENCE; stamped now.
    assert!(o.contains("SEQUENCE:3\r\n"), "{o}");
    assert!(o.contains("DTSTAMP:20260301T120000Z\r\n"));
    assert!(o.contains("CREATED:20260301T120000Z\r\n"));
    assert!(master(&after).contains("SEQUENCE:2\r\n"));

    let spans = spans(&after);
    assert_eq!(spans.len(), 9);
    let moved: Vec<_> = spans
        .iter()
        .filter(|s| s.0.starts_with("2026-03-30"))
        .collect();
    assert_eq!(
        moved,
        [&(
            "2026-03-30T09:00:00Z".to_string(),
            "2026-03-30T10:00:00Z".to_string(),
            "Weekly sync (late)".to_string()
        )]
    );
    let unchanged = |s: &&(String, String, String)| !s.0.starts_with("2026-03-30");
    let others_before: Vec<_> = self::spans(&before)
        .into_iter()
        .filter(|s| !s.0.starts_with("2026-03-30"))
        .collect();
    let others_after: Vec<_> = spans.iter().filter(unchanged).cloned().collect();
    assert_eq!(others_after, others_before);

    // Editing it again changes the override in place: still one.
    let mut again = read_occurrence_draft(&after, instance).unwrap();
    again.title = "Weekly sync (late, again)".into();
    let twice = update_occurrence(&after, instance, &again, now()).unwrap();
    assert_eq!(count(&twice, "RECURRENCE-ID"), 2);
    let o = override_at(&twice, "20260330T090000");
    assert!(o.contains("SUMMARY;LANGUAGE=en:Weekly sync (late\\, again)\r\n"));
    assert!(o.contains("SEQUENCE:3\r\n"), "a title does not bump: {o}");
}

#[test]
fn a_title_only_occurrence_edit_keeps_the_masters_sequence() {
    let before = series();
    let instance = instant("2026-04-06 07:00");
    let mut draft = read_occurrence_draft(&before, instance).unwrap();
    draft.title = "Special".into();
    let after = update_occurrence(&before, instance, &draft, now()).unwrap();
    let o = override_at(&after, "20260406T090000");
    assert!(o.contains("SEQUENCE:2\r\n"), "{o}");
    assert!(o.contains("DTSTART;TZID=Europe/Berlin:20260406T090000\r\n"));
}

#[test]
fn an_existing_override_is_edited_in_place() {
    let before = series();
    // 23 March, moved to 14:00 (13:00Z): named by its original start, 08:00Z.
    let instance = instant("2026-03-23 08:00");
    let mut draft = read_occurrence_draft(&before, instance).unwrap();
    assert_eq!(draft.title, "Weekly sync (afternoon)");
    draft.start = berlin("2026-03-23 15:00");
    draft.end = berlin("2026-03-23 15:30");
    let after = update_occurrence(&before, instance, &draft, now()).unwrap();
    assert_eq!(count(&after, "RECURRENCE-ID"), 1);
    let o = override_at(&after, "20260323T090000");
    assert!(o.contains("DTSTART;TZID=Europe/Berlin:20260323T150000\r\n"));
    assert!(o.contains("SEQUENCE:3\r\n") && o.contains("X-OVERRIDE-NOTE:moved\r\n"));
    assert_eq!(master(&after), master(&before));
}

#[test]
fn deleting_an_overridden_occurrence_removes_the_override_and_adds_one_exdate() {
    let before = series();
    let instance = instant("2026-03-23 08:00");
    let after = delete_occurrence(&before, instance, now()).unwrap();
    assert_eq!(count(&after, "RECURRENCE-ID"), 0);
    assert!(!after.contains("X-OVERRIDE-NOTE"));
    let m = master(&after);
    assert_eq!(count(m, "EXDATE"), 2);
    assert!(m.contains(
        "EXDATE;TZID=Europe/Berlin:20260316T090000\r\nEXDATE;TZID=Europe/Berlin:20260323T090000\r\n"
    ));
    assert!(m.contains("SEQUENCE:3\r\n"));
    let starts: Vec<String> = spans(&after).into_iter().map(|s| s.0).collect();
    assert_eq!(starts.len(), 8);
    assert!(!starts.iter().any(|s| s.starts_with("2026-03-23")));

    // Deleting it again: it is no longer an occurrence.
    assert!(matches!(
        delete_occurrence(&after, instance, now()),
        Err(EditError::NotAnInstance { .. })
    ));
}

#[test]
fn deleting_a_plain_occurrence_adds_an_exdate() {
    let before = series();
    let after = delete_occurrence(&before, instant("2026-04-13 07:00"), now()).unwrap();
    assert!(master(&after).contains("EXDATE;TZID=Europe/Berlin:20260413T090000\r\n"));
    assert_eq!(spans(&after).len(), 8);
    // The rest of the object is untouched.
    assert_eq!(
        override_at(&after, "20260323T090000"),
        override_at(&before, "20260323T090000")
    );
}

#[test]
fn occurrences_that_do_not_exist_are_refused() {
    let before = series();
    let draft = read_draft(&before).unwrap();
    for stamp in [
        instant("2026-03-16 08:00"), // excluded
        instant("2026-03-03 08:00"), // a Tuesday
        instant("2026-05-11 07:00"), // after COUNT
        Stamp {
            secs: secs("2026-03-09 00:00"),
            kind: TimeKind::Date,
        },
    ] {
        assert!(
            matches!(
                update_occurrence(&before, stamp, &draft, now()),
                Err(EditError::NotAnInstance { .. })
            ),
            "{stamp:?}"
        );
        assert!(matches!(
            delete_occurrence(&before, stamp, now()),
            Err(EditError::NotAnInstance { .. })
        ));
    }
    let single = create_event(
        &EventDraft::new("x", berlin("2026-07-01 09:00"), berlin("2026-07-01 10:00")),
        "single@traycal",
        now(),
    )
    .unwrap();
    assert_eq!(
        delete_occurrence(&single, instant("2026-07-01 07:00"), now()),
        Err(EditError::NotRecurring)
    );
}

#[test]
fn an_all_day_series_excludes_and_overrides_dates() {
    let text = canonical(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\n\
         UID:days@example.com\r\nDTSTAMP:20260101T000000Z\r\n\
         DTSTART;VALUE=DATE:20260601\r\nDTEND;VALUE=DATE:20260602\r\n\
         RRULE:FREQ=DAILY;COUNT=5\r\nSUMMARY:Offsite\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    );
    let june = |d: &str| Stamp {
        secs: secs(&format!("2026-06-{d} 00:00")),
        kind: TimeKind::Date,
    };
    let deleted = delete_occurrence(&text, june("03"), now()).unwrap();
    assert!(deleted.contains("RRULE:FREQ=DAILY;COUNT=5\r\nEXDATE;VALUE=DATE:20260603\r\n"));
    assert!(deleted.contains("SEQUENCE:1\r\n"));
    let deleted_rows = rows(&deleted);
    let days: Vec<&str> = deleted_rows.iter().map(|r| r.start_utc.as_str()).collect();
    assert_eq!(
        days,
        ["2026-06-01", "2026-06-02", "2026-06-04", "2026-06-05"]
    );

    let mut draft = read_occurrence_draft(&deleted, june("04")).unwrap();
    assert_eq!(draft.start, DraftTime::Date(day("2026-06-04")));
    assert_eq!(draft.end, DraftTime::Date(day("2026-06-05")));
    draft.end = DraftTime::Date(day("2026-06-06"));
    let edited = update_occurrence(&deleted, june("04"), &draft, now()).unwrap();
    assert!(
        edited.contains("RECURRENCE-ID;VALUE=DATE:20260604\r\n"),
        "{edited}"
    );
    assert!(edited.contains("DTEND;VALUE=DATE:20260606\r\n"));
    let edited_rows = rows(&edited);
    assert_eq!(edited_rows.len(), 4);
    assert!(edited_rows.iter().all(|r| r.all_day));
    assert!(edited_rows
        .iter()
        .any(|r| (r.start_utc.as_str(), r.end_utc.as_str()) == ("2026-06-04", "2026-06-06")));
}

#[test]
fn objects_that_cannot_be_edited_safely_are_refused() {
    let draft = EventDraft::new("x", berlin("2026-07-01 09:00"), berlin("2026-07-01 10:00"));
    let cut = &SERIES[..SERIES.len() / 2];
    assert!(matches!(
        update_event(cut, &draft, now()),
        Err(EditError::Unreadable { .. })
    ));
    let two = format!("{SERIES}{SERIES}");
    assert!(matches!(
        update_event(&two, &draft, now()),
        Err(EditError::NotOneCalendar { found: 2 })
    ));
    let other_uid = SERIES.replacen(
        "UID:weekly-sync@example.com\r\nRECURRENCE-ID",
        "UID:other@example.com\r\nRECURRENCE-ID",
        1,
    );
    assert_eq!(
        update_event(&other_uid, &draft, now()),
        Err(EditError::SeveralUids)
    );
    let only_override = {
        let start = SERIES.find("BEGIN:VEVENT").unwrap();
        let end = SERIES.find("END:VEVENT\r\n").unwrap() + "END:VEVENT\r\n".len();
        format!("{}{}", &SERIES[..start], &SERIES[end..])
    };
    assert_eq!(
        update_event(&only_override, &draft, now()),
        Err(EditError::NoMaster)
    );
    // Its one occurrence can still be edited, but not deleted (nothing would be left).
    let instance = instant("2026-03-23 08:00");
    let mut own = read_occurrence_draft(&only_override, instance).unwrap();
    own.title = "Mine".into();
    assert!(update_occurrence(&only_override, instance, &own, now()).is_ok());
    assert_eq!(
        delete_occurrence(&only_override, instance, now()),
        Err(EditError::NothingLeft)
    );
}

#[test]
fn a_windows_zone_and_its_vtimezone_are_kept() {
    let outlook = canonical(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:Microsoft Exchange Server 2010\r\n\
         BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\n\
         BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n\
         RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\n\
         BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n\
         RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n\
         BEGIN:VEVENT\r\nUID:040000008200E00074C5B7101A82E008\r\nDTSTAMP:20260101T000000Z\r\n\
         DTSTART;TZID=W. Europe Standard Time:20260701T090000\r\n\
         DTEND;TZID=W. Europe Standard Time:20260701T100000\r\nSUMMARY:Review\r\n\
         X-MICROSOFT-CDO-BUSYSTATUS:BUSY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    );
    let mut draft = read_draft(&outlook).unwrap();
    assert_eq!(draft.start.tzid(), Some("W. Europe Standard Time"));
    draft.location = Some("Room 7".into());
    let after = update_event(&outlook, &draft, now()).unwrap();
    let expected_zone = &outlook
        [outlook.find("BEGIN:VTIMEZONE").unwrap()..outlook.find("END:VTIMEZONE\r\n").unwrap()];
    assert!(after.contains(expected_zone));
    assert_eq!(count(&after, "BEGIN:VTIMEZONE"), 1);
    assert!(after.contains("PRODID:Microsoft Exchange Server 2010\r\n"));
    assert!(after.contains("X-MICROSOFT-CDO-BUSYSTATUS:BUSY\r\nLOCATION:Room 7\r\n"));
    assert_eq!(spans(&after)[0].0, "2026-07-01T07:00:00Z");
}

#[test]
fn a_duration_is_kept_while_it_still_gives_the_end() {
    let text = canonical(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\n\
         UID:d@example.com\r\nDTSTAMP:20260101T000000Z\r\n\
         DTSTART:20260701T090000Z\r\nDURATION:PT1H\r\nSUMMARY:Call\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    );
    let mut draft = read_draft(&text).unwrap();
    assert_eq!(draft.end, DraftTime::Utc(at("2026-07-01 10:00")));
    draft.start = DraftTime::Utc(at("2026-07-01 11:00"));
    draft.end = DraftTime::Utc(at("2026-07-01 12:00"));
    let moved = update_event(&text, &draft, now()).unwrap();
    assert!(
        moved.contains("DTSTART:20260701T110000Z\r\nDURATION:PT1H\r\n"),
        "{moved}"
    );
    assert!(moved.contains("SEQUENCE:1\r\n"));
    draft.end = DraftTime::Utc(at("2026-07-01 11:45"));
    let resized = update_event(&moved, &draft, now()).unwrap();
    assert!(resized.contains("DTSTART:20260701T110000Z\r\nDTEND:20260701T114500Z\r\n"));
    assert!(!resized.contains("DURATION"));
    assert!(resized.contains("SEQUENCE:2\r\n"));
}

#[test]
fn an_override_that_kept_its_instance_times_follows_the_series() {
    let before = series();
    // 6 April gets its own title only; 23 March was moved by the organiser.
    let instance = Stamp::parse("2026-04-06T07:00:00Z").unwrap();
    let mut draft = read_occurrence_draft(&before, instance).unwrap();
    draft.title = "Special".into();
    let renamed = update_occurrence(&before, instance, &draft, now()).unwrap();
    let mut all = read_draft(&renamed).unwrap();
    all.start = berlin("2026-03-02 10:00");
    all.end = berlin("2026-03-02 10:30");
    let after = update_event(&renamed, &all, now()).unwrap();
    let special = override_at(&after, "20260406T100000");
    assert!(
        special.contains("DTSTART;TZID=Europe/Berlin:20260406T100000\r\n"),
        "{special}"
    );
    assert!(special.contains("DTEND;TZID=Europe/Berlin:20260406T103000\r\n"));
    let spans = spans(&after);
    assert!(spans.contains(&(
        "2026-04-06T08:00:00Z".into(),
        "2026-04-06T08:30:00Z".into(),
        "Special".into()
    )));
    assert!(spans.iter().any(|s| s.0 == "2026-03-23T13:00:00Z"));
    assert_eq!(spans.len(), 9);
}

/// Daily at 09:00 Berlin, 1 to 10 June 2026 (UNTIL), 7 June excluded, 8 June
/// renamed, 9 June moved to 15:00.
const DAILY: &str = "BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//x//EN\r
BEGIN:VTIMEZONE\r
TZID:Europe/Berlin\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
DTSTART:19700329T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
DTSTART:19701025T030000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
END:STANDARD\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
UID:daily@example.com\r
DTSTAMP:20260101T000000Z\r
SEQUENCE:0\r
DTSTART;TZID=Europe/Berlin:20260601T090000\r
DTEND;TZID=Europe/Berlin:20260601T093000\r
RRULE:FREQ=DAILY;UNTIL=20260610T070000Z\r
EXDATE;TZID=Europe/Berlin:20260607T090000\r
SUMMARY:Daily\r
ATTENDEE;CN=Bob:mailto:bob@example.com\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:daily@example.com\r
RECURRENCE-ID;TZID=Europe/Berlin:20260608T090000\r
DTSTAMP:20260101T000000Z\r
DTSTART;TZID=Europe/Berlin:20260608T090000\r
DTEND;TZID=Europe/Berlin:20260608T093000\r
SUMMARY:Daily (renamed)\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:daily@example.com\r
RECURRENCE-ID;TZID=Europe/Berlin:20260609T090000\r
DTSTAMP:20260101T000000Z\r
DTSTART;TZID=Europe/Berlin:20260609T150000\r
DTEND;TZID=Europe/Berlin:20260609T153000\r
SUMMARY:Daily (afternoon)\r
END:VEVENT\r
END:VCALENDAR\r
";

fn starts(text: &str) -> Vec<String> {
    spans(text).into_iter().map(|s| s.0).collect()
}

#[test]
fn moving_a_series_later_moves_its_until_so_the_last_occurrence_stays() {
    let before = canonical(DAILY);
    assert_eq!(starts(&before).len(), 9);
    let mut draft = read_draft(&before).unwrap();
    draft.start = berlin("2026-06-01 10:00");
    draft.end = berlin("2026-06-01 10:30");
    let after = update_event(&before, &draft, now()).unwrap();
    assert!(
        after.contains("RRULE:FREQ=DAILY;UNTIL=20260610T080000Z\r\n"),
        "{after}"
    );
    assert_eq!(
        starts(&after),
        [
            "2026-06-01T08:00:00Z",
            "2026-06-02T08:00:00Z",
            "2026-06-03T08:00:00Z",
            "2026-06-04T08:00:00Z",
            "2026-06-05T08:00:00Z",
            "2026-06-06T08:00:00Z",
            "2026-06-08T08:00:00Z",
            "2026-06-09T13:00:00Z",
            "2026-06-10T08:00:00Z",
        ]
    );
}

#[test]
fn a_timed_series_made_all_day_writes_dates_everywhere() {
    let before = canonical(DAILY);
    let mut draft = read_draft(&before).unwrap();
    draft.start = DraftTime::Date(day("2026-06-01"));
    draft.end = DraftTime::Date(day("2026-06-02"));
    let after = update_event(&before, &draft, now()).unwrap();
    for expected in [
        "DTSTART;VALUE=DATE:20260601\r\nDTEND;VALUE=DATE:20260602\r\n",
        "RRULE:FREQ=DAILY;UNTIL=20260610\r\n",
        "EXDATE;VALUE=DATE:20260607\r\n",
        "RECURRENCE-ID;VALUE=DATE:20260608\r\nDTSTAMP:20260301T120000Z\r\n\
         LAST-MODIFIED:20260301T120000Z\r\nSEQUENCE:1\r\n\
         DTSTART;VALUE=DATE:20260608\r\nDTEND;VALUE=DATE:20260609\r\n",
        "RECURRENCE-ID;VALUE=DATE:20260609\r\n",
        "DTSTART;TZID=Europe/Berlin:20260609T150000\r\n",
    ] {
        assert!(after.contains(expected), "{expected}\n{after}");
    }
    let rows = rows(&after);
    assert_eq!(rows.len(), 9);
    assert_eq!(rows.iter().filter(|r| r.all_day).count(), 8);
    assert!(!rows.iter().any(|r| r.start_utc == "2026-06-07"));
}

#[test]
fn this_and_following_cuts_the_series_and_starts_a_new_one() {
    let before = series();
    // From the sixth occurrence (6 April, 09:00 Berlin) on: 10:00, an hour, renamed.
    let instance = instant("2026-04-06 07:00");
    let mut draft = read_occurrence_draft(&before, instance).unwrap();
    draft.title = "Weekly sync v2".into();
    draft.start = berlin("2026-04-06 10:00");
    draft.end = berlin("2026-04-06 11:00");
    let split = split_series(&before, instance, &draft, "v2@traycal", now()).unwrap();

    // The old series: COUNT became an UNTIL (UTC) at 30 March, the last one before.
    let old_master = master_of(&split.old);
    assert!(
        old_master.contains("RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20260330T070000Z\r\n"),
        "{old_master}"
    );
    assert!(old_master.contains("EXDATE;TZID=Europe/Berlin:20260316T090000\r\n"));
    assert!(old_master.contains("SEQUENCE:3\r\n"));
    assert_eq!(count(&split.old, "RECURRENCE-ID"), 1);
    assert_eq!(
        starts(&split.old),
        [
            "2026-03-02T08:00:00Z",
            "2026-03-09T08:00:00Z",
            "2026-03-23T13:00:00Z",
            "2026-03-30T07:00:00Z",
        ]
    );

    // The new series: the rest of the COUNT, the draft, the master's attendees.
    let new = &split.new;
    assert!(new.contains(&format!("PRODID:{PRODID}\r\n")));
    assert!(new.contains("UID:v2@traycal\r\n"));
    assert!(!new.contains("weekly-sync@example.com"));
    assert!(new.contains("SEQUENCE:0\r\n"));
    assert!(
        new.contains("RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=5\r\n"),
        "{new}"
    );
    assert!(new.contains("DTSTART;TZID=Europe/Berlin:20260406T100000\r\n"));
    assert!(new.contains("SUMMARY;LANGUAGE=en:Weekly sync v2\r\n"));
    assert!(
        new.contains("ATTENDEE;CN=Bob;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.com\r\n")
    );
    assert!(
        new.contains("X-ALARM-EXTRA:yes\r\n") && new.contains("X-UNKNOWN;X-PARAM=1:kept as is\r\n")
    );
    assert!(!new.contains("EXDATE") && !new.contains("RECURRENCE-ID"));
    assert_eq!(count(new, "BEGIN:VTIMEZONE"), 1);
    let spans = spans(new);
    assert_eq!(spans.len(), 5);
    assert!(spans
        .iter()
        .all(|s| s.0.ends_with("T08:00:00Z") && s.2 == "Weekly sync v2"));
    assert_eq!(spans[0].0, "2026-04-06T08:00:00Z");
    assert_eq!(spans[4].0, "2026-05-04T08:00:00Z");
}

fn master_of(text: &str) -> &str {
    component(text, "RRULE:FREQ=WEEKLY")
}

#[test]
fn this_and_following_moves_later_exdates_and_overrides_to_the_new_series() {
    let before = canonical(DAILY);
    let instance = instant("2026-06-05 07:00");
    let mut draft = read_occurrence_draft(&before, instance).unwrap();
    draft.start = berlin("2026-06-05 10:00");
    draft.end = berlin("2026-06-05 10:30");
    let split = split_series(&before, instance, &draft, "daily-2@traycal", now()).unwrap();

    assert!(split
        .old
        .contains("RRULE:FREQ=DAILY;UNTIL=20260604T070000Z\r\n"));
    assert!(!split.old.contains("EXDATE") && !split.old.contains("RECURRENCE-ID"));
    assert_eq!(starts(&split.old).len(), 4);

    let new = &split.new;
    for expected in [
        "RRULE:FREQ=DAILY;UNTIL=20260610T080000Z\r\n",
        "EXDATE;TZID=Europe/Berlin:20260607T100000\r\n",
        "UID:daily-2@traycal\r\nRECURRENCE-ID;TZID=Europe/Berlin:20260608T100000\r\n",
        "DTSTART;TZID=Europe/Berlin:20260608T100000\r\n",
        "UID:daily-2@traycal\r\nRECURRENCE-ID;TZID=Europe/Berlin:20260609T100000\r\n",
        "DTSTART;TZID=Europe/Berlin:20260609T150000\r\n",
    ] {
        assert!(new.contains(expected), "{expected}\n{new}");
    }
    assert_eq!(
        spans(new),
        [
            (
                "2026-06-05T08:00:00Z".into(),
                "2026-06-05T08:30:00Z".into(),
                "Daily".into()
            ),
            (
                "2026-06-06T08:00:00Z".into(),
                "2026-06-06T08:30:00Z".into(),
                "Daily".into()
            ),
            (
                "2026-06-08T08:00:00Z".into(),
                "2026-06-08T08:30:00Z".into(),
                "Daily (renamed)".into()
            ),
            (
                "2026-06-09T13:00:00Z".into(),
                "2026-06-09T13:30:00Z".into(),
                "Daily (afternoon)".into()
            ),
            (
                "2026-06-10T08:00:00Z".into(),
                "2026-06-10T08:30:00Z".into(),
                "Daily".into()
            ),
        ]
    );

    // From the first occurrence, this and following is the whole series.
    let first = instant("2026-06-01 07:00");
    let draft = read_occurrence_draft(&before, first).unwrap();
    assert_eq!(
        split_series(&before, first, &draft, "x@traycal", now()),
        Err(EditError::SplitAtStart)
    );
}

#[test]
fn a_zone_only_the_object_explains_can_be_kept_but_not_introduced() {
    let outlook = canonical(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:Microsoft Exchange Server 2010\r\n\
         BEGIN:VTIMEZONE\r\nTZID:Arabian Custom\r\nBEGIN:STANDARD\r\nDTSTART:16010101T000000\r\n\
         TZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n\
         BEGIN:VEVENT\r\nUID:custom@example.com\r\nDTSTAMP:20260101T000000Z\r\n\
         DTSTART;TZID=Customized Time Zone:20260701T090000\r\n\
         DTEND;TZID=Customized Time Zone:20260701T100000\r\nSUMMARY:Odd zone\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n",
    );
    let mut draft = read_draft(&outlook).unwrap();
    draft.title = "Odd zone, renamed".into();
    let renamed = update_event(&outlook, &draft, now()).unwrap();
    assert!(renamed.contains("DTSTART;TZID=Customized Time Zone:20260701T090000\r\n"));
    assert!(renamed.contains("TZID:Arabian Custom\r\n"));
    // Read in the file's only zone (+03:00), as before the edit.
    let (rows, _unknown_tzid_noted) = rows_and_diagnostics(&renamed);
    assert_eq!(rows[0].start_utc, "2026-07-01T06:00:00Z");
    draft.start = DraftTime::zoned(at("2026-07-01 10:00"), "Customized Time Zone");
    draft.end = DraftTime::zoned(at("2026-07-01 11:00"), "Customized Time Zone");
    assert!(update_event(&outlook, &draft, now()).is_ok());
    draft.start = DraftTime::zoned(at("2026-07-01 10:00"), "Another Custom Zone");
    assert!(matches!(
        update_event(&outlook, &draft, now()),
        Err(EditError::Draft(DraftError::UnknownZone { .. }))
    ));
}

// ---------------------------------------------------------------------------------
// Repeat rules and reminders

/// The VALARM the editor writes.
fn alarm(trigger: &str, description: &str) -> String {
    format!(
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:{trigger}\r\nDESCRIPTION:{description}\r\nEND:VALARM\r\n"
    )
}

#[test]
fn a_created_event_carries_its_rule_and_reminder() {
    let draft = EventDraft::new(
        "Gym",
        berlin("2026-03-02 18:00"),
        berlin("2026-03-02 19:00"),
    )
    .with_repeat(" freq=weekly;byday=mo,we;count=4; ")
    .with_reminder(Some(15));
    let text = create_event(&draft, "gym@traycal", now()).unwrap();
    let event = component(&text, "UID:gym@traycal");
    assert!(
        event.contains(
            "DTEND;TZID=Europe/Berlin:20260302T190000\r\nRRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4\r\nSUMMARY:Gym\r\n"
        ),
        "{event}"
    );
    assert!(
        event.ends_with(&format!("{}END:VEVENT\r\n", alarm("-PT15M", "Gym"))),
        "{event}"
    );
    let starts: Vec<String> = spans(&text).into_iter().map(|s| s.0).collect();
    assert_eq!(
        starts,
        [
            "2026-03-02T17:00:00Z",
            "2026-03-04T17:00:00Z",
            "2026-03-09T17:00:00Z",
            "2026-03-11T17:00:00Z",
        ]
    );
    // The form reads back what was written, so sending it back changes nothing.
    let back = read_draft(&text).unwrap();
    assert_eq!(back, draft.normalized());
    assert_eq!(
        back.repeat.as_deref(),
        Some("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4")
    );
    assert_eq!(back.reminder, Some(Some(15)));
    assert_eq!(update_event(&text, &back, now()).unwrap(), text);

    // Whole hours and days are written as such; a reminder at the start is PT0M.
    for (minutes, trigger) in [(60, "-PT1H"), (2880, "-P2D"), (0, "PT0M"), (90, "-PT90M")] {
        let draft = EventDraft::new("", berlin("2026-03-02 18:00"), berlin("2026-03-02 19:00"))
            .with_reminder(Some(minutes));
        let text = create_event(&draft, "r@traycal", now()).unwrap();
        assert!(text.contains(&alarm(trigger, "Reminder")), "{text}");
        assert_eq!(read_draft(&text).unwrap().reminder, Some(Some(minutes)));
    }
    // No rule, no reminder: neither is written.
    let plain = EventDraft::new("x", berlin("2026-03-02 18:00"), berlin("2026-03-02 19:00"))
        .with_repeat("")
        .with_reminder(None);
    let text = create_event(&plain, "p@traycal", now()).unwrap();
    let event = component(&text, "UID:p@traycal");
    assert!(
        !event.contains("RRULE") && !event.contains("VALARM"),
        "{text}"
    );
}

#[test]
fn until_is_written_in_the_form_the_start_needs() {
    let utc = |t| DraftTime::Utc(at(t));
    let floating = |t| DraftTime::Floating(at(t));
    let cases = [
        // A DATE on a timed series includes that whole day (in the series' zone).
        (
            berlin("2026-04-01 09:00"),
            berlin("2026-04-01 10:00"),
            "FREQ=DAILY;UNTIL=20260403",
            "FREQ=DAILY;UNTIL=20260403T215959Z",
        ),
        // A local time is the series' wall time.
        (
            berlin("2026-04-01 09:00"),
            berlin("2026-04-01 10:00"),
            "FREQ=DAILY;UNTIL=20260403T090000;BYHOUR=9",
            "FREQ=DAILY;UNTIL=20260403T070000Z;BYHOUR=9",
        ),
        // Already UTC: kept as given.
        (
            berlin("2026-04-01 09:00"),
            berlin("2026-04-01 10:00"),
            "FREQ=DAILY;UNTIL=20260403T070000Z",
            "FREQ=DAILY;UNTIL=20260403T070000Z",
        ),
        (
            DraftTime::Date(day("2026-04-01")),
            DraftTime::Date(day("2026-04-02")),
            "FREQ=DAILY;UNTIL=20260403T120000Z",
            "FREQ=DAILY;UNTIL=20260403",
        ),
        (
            utc("2026-04-01 09:00"),
            utc("2026-04-01 10:00"),
            "FREQ=DAILY;UNTIL=20260403",
            "FREQ=DAILY;UNTIL=20260403T235959Z",
        ),
        // Floating series: local time, as RFC 5545 3.3.10 requires.
        (
            floating("2026-04-01 09:00"),
            floating("2026-04-01 10:00"),
            "FREQ=DAILY;UNTIL=20260403T090000Z",
            "FREQ=DAILY;UNTIL=20260403T090000",
        ),
    ];
    for (start, end, given, written) in cases {
        let draft = EventDraft::new("u", start.clone(), end.clone()).with_repeat(given);
        let text = create_event(&draft, "u@traycal", now()).unwrap();
        assert!(
            text.contains(&format!("RRULE:{written}\r\n")),
            "{given} → {text}"
        );
        assert_eq!(rows(&text).len(), 3, "{given}: three days");

        // The same through an edit of an event without rule.
        let single = create_event(&EventDraft::new("u", start, end), "u@traycal", now()).unwrap();
        let mut edit = read_draft(&single).unwrap();
        edit.repeat = Some(given.into());
        let text = update_event(&single, &edit, now()).unwrap();
        assert!(
            text.contains(&format!("RRULE:{written}\r\n")),
            "{given} → {text}"
        );
        assert_eq!(rows(&text).len(), 3, "{given}: three days");
    }
}

#[test]
fn invalid_rules_are_refused_with_the_rule_and_the_problem() {
    let start = berlin("2026-04-01 09:00");
    let end = berlin("2026-04-01 10:00");
    for (rule, problem) in [
        ("FREQ=FORTNIGHTLY", "FREQ=FORTNIGHTLY: invalid value"),
        ("BYDAY=MO", "FREQ missing"),
        ("FREQ=DAILY;BYHOUR=25", "BYHOUR=25: out of range"),
        ("FREQ=DAILY;EVERY=2", "unknown part EVERY"),
        (
            "FREQ=DAILY;COUNT=3;UNTIL=20260410",
            "UNTIL and COUNT cannot both be given",
        ),
    ] {
        let draft = EventDraft::new("x", start.clone(), end.clone()).with_repeat(rule);
        let err = create_event(&draft, "bad@traycal", now()).unwrap_err();
        assert!(
            matches!(&err, EditError::Draft(DraftError::InvalidRule { .. })),
            "{rule}: {err:?}"
        );
        let message = err.to_string();
        assert!(
            message.contains(rule) && message.contains(problem),
            "{message}"
        );
        let mut edit = read_draft(&series()).unwrap();
        edit.repeat = Some(rule.into());
        assert!(matches!(
            update_event(&series(), &edit, now()),
            Err(EditError::Draft(DraftError::InvalidRule { .. }))
        ));
    }
}

/// An event with what an edit must keep: unknown properties and a vendor component.
const SINGLE: &str = "BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Example//EN\r
BEGIN:VEVENT\r
UID:one@example.com\r
DTSTAMP:20260101T000000Z\r
SEQUENCE:0\r
DTSTART:20260302T090000Z\r
DTEND:20260302T100000Z\r
SUMMARY:One\r
X-CUSTOM;X-P=1:kept\r
ATTENDEE;CN=Bob:mailto:bob@example.com\r
BEGIN:X-VENDOR-THING\r
X-A:1\r
END:X-VENDOR-THING\r
END:VEVENT\r
END:VCALENDAR\r
";

#[test]
fn an_edit_adds_changes_and_removes_the_rule_and_the_reminder() {
    let before = canonical(SINGLE);
    let head =
        "UID:one@example.com\r\nDTSTAMP:20260301T120000Z\r\nLAST-MODIFIED:20260301T120000Z\r\n";
    let times = "DTSTART:20260302T090000Z\r\nDTEND:20260302T100000Z\r\n";
    let kept = "SUMMARY:One\r\nX-CUSTOM;X-P=1:kept\r\nATTENDEE;CN=Bob:mailto:bob@example.com\r\n\
                BEGIN:X-VENDOR-THING\r\nX-A:1\r\nEND:X-VENDOR-THING\r\n";
    let text = |sequence: u32, rule: &str, alarm: &str| {
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//EN\r\nBEGIN:VEVENT\r\n{head}\
             SEQUENCE:{sequence}\r\n{times}{rule}{kept}{alarm}END:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    };
    let draft = read_draft(&before).unwrap();
    assert_eq!((draft.repeat.as_deref(), draft.reminder), (None, None));

    // Added: the rule after the times (SEQUENCE bumped), the alarm after the others.
    let added = update_event(
        &before,
        &draft
            .clone()
            .with_repeat("FREQ=DAILY;COUNT=3")
            .with_reminder(Some(60)),
        now(),
    )
    .unwrap();
    assert_eq!(
        added,
        text(1, "RRULE:FREQ=DAILY;COUNT=3\r\n", &alarm("-PT1H", "One"))
    );
    assert_eq!(rows(&added).len(), 3);

    // Changed: the rule in place, SEQUENCE bumped again; the same reminder is kept.
    let draft = read_draft(&added).unwrap();
    assert_eq!(draft.reminder, Some(Some(60)));
    let changed = update_event(
        &added,
        &draft.clone().with_repeat("freq=daily;count=2"),
        now(),
    )
    .unwrap();
    assert_eq!(
        changed,
        text(2, "RRULE:FREQ=DAILY;COUNT=2\r\n", &alarm("-PT1H", "One"))
    );
    assert_eq!(rows(&changed).len(), 2);
    // The same rule written otherwise, and the same reminder: nothing to write.
    let same = read_draft(&changed)
        .unwrap()
        .with_repeat("FREQ=daily; COUNT=2;")
        .with_reminder(Some(60));
    assert_eq!(update_event(&changed, &same, now()).unwrap(), changed);

    // A new reminder alone: not a new time, SEQUENCE stays.
    let reminded = update_event(&changed, &same.clone().with_reminder(Some(1440)), now()).unwrap();
    assert_eq!(
        reminded,
        text(2, "RRULE:FREQ=DAILY;COUNT=2\r\n", &alarm("-P1D", "One"))
    );

    // Removed: no RRULE, no VALARM; the rest as it came.
    let removed = update_event(
        &reminded,
        &read_draft(&reminded)
            .unwrap()
            .with_repeat("")
            .with_reminder(None),
        now(),
    )
    .unwrap();
    assert_eq!(removed, text(3, "", ""));
    assert_eq!(rows(&removed).len(), 1);
    let draft = read_draft(&removed).unwrap();
    assert_eq!((draft.repeat.as_deref(), draft.reminder), (None, None));
}

#[test]
fn a_new_reminder_replaces_the_alarms_and_leaves_the_rest_of_the_series() {
    let before = series();
    let draft = read_draft(&before).unwrap();
    assert_eq!(draft.reminder, Some(Some(10)));
    // The reminder shown, sent back: nothing.
    assert_eq!(
        update_event(&before, &draft.clone().with_reminder(Some(10)), now()).unwrap(),
        before
    );
    let old_alarm = "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\nTRIGGER:-PT10M\r\n\
                     X-ALARM-EXTRA:yes\r\nEND:VALARM\r\n";
    let stamps = |text: String| {
        text.replacen(
            "UID:weekly-sync@example.com\r\nDTSTAMP:20260101T120000Z\r\nCREATED:20251201T100000Z\r\nLAST-MODIFIED:20260101T120000Z\r\n",
            "UID:weekly-sync@example.com\r\nDTSTAMP:20260301T120000Z\r\nCREATED:20251201T100000Z\r\nLAST-MODIFIED:20260301T120000Z\r\n",
            1,
        )
    };
    let after = update_event(&before, &draft.clone().with_reminder(Some(30)), now()).unwrap();
    assert_eq!(
        after,
        stamps(before.replace(old_alarm, &alarm("-PT30M", "Weekly sync")))
    );
    let after = update_event(&before, &draft.with_reminder(None), now()).unwrap();
    assert_eq!(after, stamps(before.replace(old_alarm, "")));
    assert_eq!(spans(&after), spans(&before));
}

#[test]
fn a_changed_rule_drops_the_overrides_and_exdates_it_leaves_stale() {
    let before = series();
    let draft = read_draft(&before).unwrap();
    assert_eq!(
        draft.repeat.as_deref(),
        Some("FREQ=WEEKLY;BYDAY=MO;COUNT=10")
    );
    let first_master = |text: &str| component(text, "UID:weekly-sync@example.com").to_owned();

    // Every other Monday, three times: 2, 16 and 30 March. 16 March stays excluded;
    // the override of 23 March names no instance any more and goes.
    let fortnightly = update_event(
        &before,
        &draft
            .clone()
            .with_repeat("FREQ=WEEKLY;BYDAY=MO;INTERVAL=2;COUNT=3"),
        now(),
    )
    .unwrap();
    let expected_master = first_master(&before)
        .replace("DTSTAMP:20260101T120000Z", "DTSTAMP:20260301T120000Z")
        .replace(
            "LAST-MODIFIED:20260101T120000Z",
            "LAST-MODIFIED:20260301T120000Z",
        )
        .replace("SEQUENCE:2\r\n", "SEQUENCE:3\r\n")
        .replace(
            "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10\r\n",
            "RRULE:FREQ=WEEKLY;BYDAY=MO;INTERVAL=2;COUNT=3\r\n",
        );
    assert_eq!(first_master(&fortnightly), expected_master);
    assert_eq!(count(&fortnightly, "RECURRENCE-ID"), 0, "{fortnightly}");
    assert_eq!(count(&fortnightly, "BEGIN:VTIMEZONE"), 1);
    let starts: Vec<String> = spans(&fortnightly).into_iter().map(|s| s.0).collect();
    assert_eq!(starts, ["2026-03-02T08:00:00Z", "2026-03-30T07:00:00Z"]);

    // Daily: 16 March is no instance either, its EXDATE goes.
    let daily = update_event(
        &fortnightly,
        &read_draft(&fortnightly)
            .unwrap()
            .with_repeat("FREQ=DAILY;COUNT=3"),
        now(),
    )
    .unwrap();
    assert!(!daily.contains("EXDATE"), "{daily}");
    assert_eq!(rows(&daily).len(), 3);

    // No rule at all: one event, no override, no EXDATE (it would hide the event).
    let once = update_event(&before, &draft.with_repeat(""), now()).unwrap();
    assert!(
        !once.contains("RRULE:FREQ=WEEKLY")
            && !once.contains("EXDATE")
            && !once.contains("RECURRENCE-ID"),
        "{once}"
    );
    assert!(once.contains("X-UNKNOWN;X-PARAM=1:kept as is\r\n") && once.contains("BEGIN:VALARM"));
    assert_eq!(
        spans(&once),
        [(
            "2026-03-02T08:00:00Z".into(),
            "2026-03-02T08:30:00Z".into(),
            "Weekly sync".into()
        )]
    );
}

#[test]
fn a_new_rule_with_a_moved_start_keeps_the_until_given() {
    let before = canonical(DAILY);
    let mut draft = read_draft(&before).unwrap();
    draft.start = berlin("2026-06-01 10:00");
    draft.end = berlin("2026-06-01 10:30");
    // Without a new rule the UNTIL follows the start (see the test above)…
    let moved = update_event(&before, &draft, now()).unwrap();
    assert!(
        moved.contains("RRULE:FREQ=DAILY;UNTIL=20260610T080000Z\r\n"),
        "{moved}"
    );
    // …a rule given is the user's word.
    let given = update_event(
        &before,
        &draft.with_repeat("FREQ=DAILY;UNTIL=20260603T080000Z"),
        now(),
    )
    .unwrap();
    assert!(
        given.contains("RRULE:FREQ=DAILY;UNTIL=20260603T080000Z\r\n"),
        "{given}"
    );
    assert_eq!(rows(&given).len(), 3);
}

#[test]
fn an_occurrence_edit_never_writes_a_rule_but_takes_a_reminder() {
    let before = series();
    let instance = instant("2026-03-09 08:00");
    let draft = read_occurrence_draft(&before, instance).unwrap();
    assert_eq!(draft.repeat, None, "an occurrence has no rule of its own");
    assert_eq!(draft.reminder, Some(Some(10)), "the master's alarm, copied");
    for rule in ["FREQ=DAILY", ""] {
        assert_eq!(
            update_occurrence(&before, instance, &draft.clone().with_repeat(rule), now()),
            Err(EditError::RuleOnOccurrence)
        );
    }
    // The series' own rule, as the whole-event form shows it, is no change.
    assert_eq!(
        update_occurrence(
            &before,
            instance,
            &draft.clone().with_repeat("freq=weekly;byday=mo;count=10"),
            now()
        )
        .unwrap(),
        before
    );

    let after = update_occurrence(&before, instance, &draft.with_reminder(Some(5)), now()).unwrap();
    let added = override_at(&after, "20260309T090000");
    assert!(
        !added.contains("RRULE") && !added.contains("EXDATE"),
        "{added}"
    );
    assert!(added.contains(&alarm("-PT5M", "Weekly sync")), "{added}");
    assert_eq!(count(added, "BEGIN:VALARM"), 1);
    assert_eq!(master(&after), master(&before), "the series is not touched");
    // The series' other instances keep the master's alarm.
    let next = read_occurrence_draft(&after, instant("2026-03-30 07:00")).unwrap();
    assert_eq!(next.reminder, Some(Some(10)));
}

#[test]
fn this_and_following_keeps_the_rest_of_the_rule_or_takes_a_new_one() {
    let before = series();
    let instance = instant("2026-04-06 07:00");
    let draft = read_occurrence_draft(&before, instance).unwrap();
    let cut =
        |draft: &EventDraft| split_series(&before, instance, draft, "v2@traycal", now()).unwrap();

    // Left open: the rest of the COUNT.
    let kept = cut(&draft);
    assert!(
        kept.new.contains("RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=5\r\n"),
        "{}",
        kept.new
    );

    // A new rule: written as given, UNTIL in the start's form.
    let daily = cut(&draft.clone().with_repeat("FREQ=DAILY;COUNT=3"));
    assert!(
        daily.new.contains("RRULE:FREQ=DAILY;COUNT=3\r\n"),
        "{}",
        daily.new
    );
    let starts: Vec<String> = spans(&daily.new).into_iter().map(|s| s.0).collect();
    assert_eq!(
        starts,
        [
            "2026-04-06T07:00:00Z",
            "2026-04-07T07:00:00Z",
            "2026-04-08T07:00:00Z"
        ]
    );
    let until = cut(&draft
        .clone()
        .with_repeat("freq=weekly;byday=mo;until=20260420"));
    assert!(
        until
            .new
            .contains("RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20260420T215959Z\r\n"),
        "{}",
        until.new
    );
    assert_eq!(rows(&until.new).len(), 3);

    // No rule: the following occurrences become one event.
    let single = cut(&draft.clone().with_repeat(""));
    let event = component(&single.new, "UID:v2@traycal");
    assert!(!event.contains("RRULE"), "{}", single.new);
    assert_eq!(rows(&single.new).len(), 1);

    // The old series is cut the same way whatever the new one does.
    for split in [&kept, &daily, &until, &single] {
        assert_eq!(split.old, kept.old);
        assert!(
            master_of(&split.old).contains("RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20260330T070000Z\r\n")
        );
    }
    // The new series keeps the master's alarm unless the draft sets another.
    assert!(kept.new.contains("X-ALARM-EXTRA:yes\r\n"));
    let reminded = cut(&draft.with_reminder(Some(45)));
    assert!(!reminded.new.contains("X-ALARM-EXTRA"));
    assert!(reminded.new.contains(&alarm("-PT45M", "Weekly sync")));
}

#[test]
fn a_rule_the_event_already_has_is_kept_even_when_rfc_5545_forbids_it() {
    // COUNT beside UNTIL, as some producers write it: the title can still change.
    let sloppy = canonical(&SINGLE.replace(
        "DTEND:20260302T100000Z\r\n",
        "DTEND:20260302T100000Z\r\nRRULE:FREQ=DAILY;COUNT=3;UNTIL=20260310T000000Z\r\n",
    ));
    let mut draft = read_draft(&sloppy).unwrap();
    draft.title = "Renamed".into();
    let renamed = update_event(&sloppy, &draft, now()).unwrap();
    assert!(renamed.contains("RRULE:FREQ=DAILY;COUNT=3;UNTIL=20260310T000000Z\r\n"));
    assert!(renamed.contains("SUMMARY:Renamed\r\n"));
    // Given anew, it is refused.
    let mut again = read_draft(&sloppy).unwrap();
    again.repeat = Some("FREQ=DAILY;COUNT=4;UNTIL=20260310T000000Z".into());
    assert!(matches!(
        update_event(&sloppy, &again, now()),
        Err(EditError::Draft(DraftError::InvalidRule { .. }))
    ));
}
