//! TZID resolution pinned against real-world and hostile cases.
//!
//! The TZIDs and expectations below are hand-encoded from the shared test corpus
//! (`corpus/hostile/MANIFEST.json` + `reference-occurrences.jsonl`, and the TZIDs used
//! across `corpus/providers/**`); the corpus itself is not read at test time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::borrow::Cow;
use std::collections::HashSet;
use std::str::FromStr;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use chrono_tz::Tz;
use traycal_core::ics::component::{Component, Param, Property};
use traycal_core::tz::{
    windows_zone, CustomZone, TzError, Zone, ZoneResolver, ZoneSource, WINDOWS_ZONES,
};

/// Build a component tree from unfolded content lines (`BEGIN:X`, `NAME;P=V:VALUE`).
fn component(text: &str) -> Component<'static> {
    let mut stack: Vec<Component<'static>> = Vec::new();
    let mut root = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (head, value) = line.split_once(':').unwrap();
        let mut parts = head.split(';');
        let name = parts.next().unwrap().to_ascii_uppercase();
        match name.as_str() {
            "BEGIN" => {
                let mut c = Component::new(value.to_ascii_uppercase());
                c.line = i as u32 + 1;
                stack.push(c);
            }
            "END" => {
                let done = stack.pop().unwrap();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            _ => {
                let params = parts
                    .map(|p| {
                        let (n, v) = p.split_once('=').unwrap();
                        Param {
                            name: Cow::Owned(n.to_ascii_uppercase()),
                            value: Cow::Owned(v.to_owned()),
                        }
                    })
                    .collect();
                stack.last_mut().unwrap().properties.push(Property {
                    name: Cow::Owned(name),
                    params,
                    value: Cow::Owned(value.to_owned()),
                    line: i as u32 + 1,
                });
            }
        }
    }
    root.unwrap()
}

fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

/// Local → UTC through the resolver, as the expander will do it.
fn utc_of(r: &mut ZoneResolver, tzid: &str, local: &str) -> NaiveDateTime {
    r.resolve(tzid).zone.local_to_utc(dt(local))
}

const BERLIN_VTZ: &str = "
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE";

#[test]
fn windows_table_is_the_full_cldr_table() {
    let ids: HashSet<String> = WINDOWS_ZONES
        .iter()
        .map(|(w, _)| w.to_ascii_lowercase())
        .collect();
    assert_eq!(ids.len(), WINDOWS_ZONES.len(), "duplicate Windows ids");
    assert!(ids.len() >= 135, "only {} Windows ids", ids.len());
    for (win, iana) in WINDOWS_ZONES {
        assert!(
            Tz::from_str(iana).is_ok(),
            "{win} -> {iana} not in chrono-tz"
        );
        assert_eq!(windows_zone(win).map(|t| t.name()), Some(*iana), "{win}");
    }
}

/// hostile/unknown_tzid.ics: unknown TZIDs fall back (documented: UTC; the python
/// reference makes them floating), quoted and vendor-prefixed ones are Berlin.
#[test]
fn hostile_unknown_tzid() {
    let mut r = ZoneResolver::new();
    for unknown in ["Mars/Olympus_Mons", "My Custom Zone"] {
        let z = r.resolve(unknown);
        assert_eq!(z.source, ZoneSource::Fallback, "{unknown}");
        assert!(matches!(z.zone, Zone::Utc));
        assert_eq!(
            z.zone.local_to_utc(dt("2024-01-05 09:00")),
            dt("2024-01-05 09:00")
        );
    }
    // The parser may or may not strip the quotes; both resolve.
    for berlin in [
        "\"Europe/Berlin\"",
        "Europe/Berlin",
        "/mozilla.org/20050126_1/Europe/Berlin",
    ] {
        let z = r.resolve(berlin);
        assert_eq!(z.source, ZoneSource::Iana, "{berlin}");
        assert_eq!(z.zone.name(), "Europe/Berlin");
        assert_eq!(
            utc_of(&mut r, berlin, "2024-01-05 09:00"),
            dt("2024-01-05 08:00")
        );
    }
}

/// hostile/missing_vtimezone_iana.ics: 08:00Z, then 07:00Z after 2024-03-31.
#[test]
fn hostile_missing_vtimezone_iana() {
    let mut r = ZoneResolver::new();
    let tz = "Europe/Berlin";
    assert_eq!(
        utc_of(&mut r, tz, "2024-03-25 09:00"),
        dt("2024-03-25 08:00")
    );
    assert_eq!(
        utc_of(&mut r, tz, "2024-04-01 09:00"),
        dt("2024-04-01 07:00")
    );
    assert_eq!(
        utc_of(&mut r, tz, "2024-04-08 09:00"),
        dt("2024-04-08 07:00")
    );
}

/// hostile/missing_vtimezone_windows.ics: CLDR mapping without any VTIMEZONE.
#[test]
fn hostile_missing_vtimezone_windows() {
    let mut r = ZoneResolver::new();
    let w = "W. Europe Standard Time";
    assert_eq!(r.resolve(w).source, ZoneSource::Windows);
    assert_eq!(r.resolve(w).zone.name(), "Europe/Berlin");
    assert_eq!(
        utc_of(&mut r, w, "2024-03-25 09:00"),
        dt("2024-03-25 08:00")
    );
    assert_eq!(
        utc_of(&mut r, w, "2024-04-01 09:00"),
        dt("2024-04-01 07:00")
    );
    for p in ["Pacific Standard Time", "\"Pacific Standard Time\""] {
        assert_eq!(r.resolve(p).zone.name(), "America/Los_Angeles");
        assert_eq!(
            utc_of(&mut r, p, "2024-01-05 09:00"),
            dt("2024-01-05 17:00")
        );
    }
}

/// hostile/vtimezone_broken.ics: no rules, offset +5328, SECONDLY/MINUTELY rules since
/// 1601. Events must survive (documented fallback) and all of it must be quick.
#[test]
fn hostile_vtimezone_broken() {
    let started = Instant::now();
    let mut r = ZoneResolver::new();
    let empty = component("BEGIN:VTIMEZONE\nTZID:Empty/Zone\nEND:VTIMEZONE");
    assert!(matches!(
        r.add_vtimezone(&empty),
        Err(TzError::NoObservances { .. })
    ));
    // +5328 is not a valid offset; TZOFFSETTO is, so the zone is kept at +01:00.
    let bad_offset = component(
        "BEGIN:VTIMEZONE
TZID:Bad/Offset
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:+5328
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE",
    );
    r.add_vtimezone(&bad_offset).unwrap();
    let bomb = component(
        "BEGIN:VTIMEZONE
TZID:Bomb/Zone
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:+0000
TZOFFSETTO:+0000
RRULE:FREQ=SECONDLY
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T000000
TZOFFSETFROM:+0000
TZOFFSETTO:+0100
RRULE:FREQ=MINUTELY;INTERVAL=1
END:DAYLIGHT
END:VTIMEZONE",
    );
    assert!(matches!(
        r.add_vtimezone(&bomb),
        Err(TzError::UnsupportedRule { .. })
    ));

    // The broken definitions are not used; the file's only usable zone (Bad/Offset,
    // +01:00) stands in for unknown TZIDs, as for Outlook's "Customized Time Zone".
    assert_eq!(r.resolve("Empty/Zone").source, ZoneSource::SoleVTimezone);
    assert_eq!(r.resolve("Bomb/Zone").source, ZoneSource::SoleVTimezone);
    assert_eq!(
        utc_of(&mut r, "Empty/Zone", "2024-01-05 09:00"),
        dt("2024-01-05 08:00")
    );
    assert_eq!(r.resolve("Bad/Offset").source, ZoneSource::VTimezone);
    assert_eq!(
        utc_of(&mut r, "Bad/Offset", "2024-01-05 09:00"),
        dt("2024-01-05 08:00")
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// hostile/duplicate_vtimezone_conflict.ics: two different Europe/Berlin. The second
/// is reported; IANA is used for the name anyway. Reference: 09:00 → 07:00Z.
#[test]
fn hostile_duplicate_vtimezone_conflict() {
    let mut r = ZoneResolver::new();
    r.add_vtimezone(&component(BERLIN_VTZ)).unwrap();
    let second = BERLIN_VTZ.replace("+0200", "+0300");
    assert!(matches!(
        r.add_vtimezone(&component(&second)),
        Err(TzError::ConflictingDuplicate { .. })
    ));
    let z = r.resolve("Europe/Berlin");
    assert_eq!(z.source, ZoneSource::Iana);
    assert_eq!(
        utc_of(&mut r, "Europe/Berlin", "2024-07-05 09:00"),
        dt("2024-07-05 07:00")
    );
    // Under a name only the file knows, the first definition is the one used.
    let mut r = ZoneResolver::new();
    r.add_vtimezone(&component(&BERLIN_VTZ.replace("Europe/Berlin", "Dup/Zone")))
        .unwrap();
    assert!(r
        .add_vtimezone(&component(&second.replace("Europe/Berlin", "Dup/Zone")))
        .is_err());
    assert_eq!(
        utc_of(&mut r, "Dup/Zone", "2024-07-05 09:00"),
        dt("2024-07-05 07:00")
    );
}

/// hostile/dst_gap_and_overlap.ics, against the reference occurrences; both through
/// the resolver (IANA wins) and through the file's own VTIMEZONE.
#[test]
fn hostile_dst_gap_and_overlap() {
    let mut r = ZoneResolver::new();
    r.add_vtimezone(&component(BERLIN_VTZ)).unwrap();
    let own = Zone::Custom(std::sync::Arc::new(
        CustomZone::from_vtimezone(&component(BERLIN_VTZ)).unwrap(),
    ));
    let cases = [
        // gap series (DAILY from 2024-03-30 02:30)
        ("2024-03-30 02:30", "2024-03-30 01:30"),
        ("2024-03-31 02:30", "2024-03-31 01:30"),
        ("2024-04-01 02:30", "2024-04-01 00:30"),
        // overlap series (DAILY from 2024-10-26 02:30)
        ("2024-10-26 02:30", "2024-10-26 00:30"),
        ("2024-10-27 02:30", "2024-10-27 00:30"),
        ("2024-10-28 02:30", "2024-10-28 01:30"),
        // in-gap single event, start and end
        ("2024-03-31 02:15", "2024-03-31 01:15"),
        ("2024-03-31 02:45", "2024-03-31 01:45"),
    ];
    for (local, utc) in cases {
        assert_eq!(
            utc_of(&mut r, "Europe/Berlin", local),
            dt(utc),
            "{local} iana"
        );
        assert_eq!(own.local_to_utc(dt(local)), dt(utc), "{local} vtimezone");
    }
}

/// Every TZID used across corpus/providers resolves to something sensible.
#[test]
fn provider_tzids_resolve() {
    let mut r = ZoneResolver::new();
    // Outlook's "Customized Time Zone" comes with its own VTIMEZONE (note BYDAY=4SU).
    let customized = component(
        "BEGIN:VTIMEZONE
TZID:Customized Time Zone
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=4SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE",
    );
    r.add_vtimezone(&customized).unwrap();

    // (tzid, expected zone name, source, local time, expected UTC)
    let cases: &[(&str, &str, ZoneSource, &str, &str)] = &[
        (
            "Europe/Berlin",
            "Europe/Berlin",
            ZoneSource::Iana,
            "2019-07-01 09:00",
            "2019-07-01 07:00",
        ),
        (
            "America/Los_Angeles",
            "America/Los_Angeles",
            ZoneSource::Iana,
            "2024-01-05 09:00",
            "2024-01-05 17:00",
        ),
        (
            "Eastern Standard Time",
            "America/New_York",
            ZoneSource::Windows,
            "2024-07-01 09:00",
            "2024-07-01 13:00",
        ),
        (
            "W. Europe Standard Time",
            "Europe/Berlin",
            ZoneSource::Windows,
            "2021-05-27 10:30",
            "2021-05-27 08:30",
        ),
        (
            "\"W. Europe Standard Time\"",
            "Europe/Berlin",
            ZoneSource::Windows,
            "2020-06-09 09:00",
            "2020-06-09 07:00",
        ),
        // A broken quote the parser may leave behind.
        (
            "\"W. Europe Standard Time",
            "Europe/Berlin",
            ZoneSource::Windows,
            "2020-06-09 09:00",
            "2020-06-09 07:00",
        ),
        (
            "Etc/GMT",
            "Etc/GMT",
            ZoneSource::Iana,
            "2015-03-29 11:30",
            "2015-03-29 11:30",
        ),
        (
            "New Zealand Standard Time",
            "Pacific/Auckland",
            ZoneSource::Windows,
            "2024-01-10 09:00",
            "2024-01-09 20:00",
        ),
        (
            "America/Vancouver",
            "America/Vancouver",
            ZoneSource::Iana,
            "2022-07-01 09:00",
            "2022-07-01 16:00",
        ),
        (
            "America/New_York",
            "America/New_York",
            ZoneSource::Iana,
            "2024-01-05 09:00",
            "2024-01-05 14:00",
        ),
        (
            "Pacific Standard Time",
            "America/Los_Angeles",
            ZoneSource::Windows,
            "2024-07-01 09:00",
            "2024-07-01 16:00",
        ),
        (
            "Central European Standard Time",
            "Europe/Warsaw",
            ZoneSource::Windows,
            "2024-05-02 11:00",
            "2024-05-02 09:00",
        ),
        (
            "Europe/Bucharest",
            "Europe/Bucharest",
            ZoneSource::Iana,
            "2013-07-01 09:00",
            "2013-07-01 06:00",
        ),
        (
            "UTC",
            "UTC",
            ZoneSource::Iana,
            "2024-01-05 09:00",
            "2024-01-05 09:00",
        ),
        (
            "Europe/Paris",
            "Europe/Paris",
            ZoneSource::Iana,
            "2024-07-01 09:00",
            "2024-07-01 07:00",
        ),
        (
            "Customized Time Zone",
            "Customized Time Zone",
            ZoneSource::VTimezone,
            "2024-04-26 14:00",
            "2024-04-26 12:00",
        ),
        (
            "America/Argentina/Buenos_Aires",
            "America/Argentina/Buenos_Aires",
            ZoneSource::Iana,
            "2024-01-05 09:00",
            "2024-01-05 12:00",
        ),
        (
            "America/Sao_Paulo",
            "America/Sao_Paulo",
            ZoneSource::Iana,
            "2024-01-05 09:00",
            "2024-01-05 12:00",
        ),
        (
            "GMT Standard Time",
            "Europe/London",
            ZoneSource::Windows,
            "2024-07-01 09:00",
            "2024-07-01 08:00",
        ),
        (
            "Europe/London",
            "Europe/London",
            ZoneSource::Iana,
            "2024-01-05 09:00",
            "2024-01-05 09:00",
        ),
        (
            "US/Pacific",
            "US/Pacific",
            ZoneSource::Iana,
            "2024-07-01 09:00",
            "2024-07-01 16:00",
        ),
        (
            "US Mountain Standard Time",
            "America/Phoenix",
            ZoneSource::Windows,
            "2024-07-01 09:00",
            "2024-07-01 16:00",
        ),
        (
            "Turkey Standard Time",
            "Europe/Istanbul",
            ZoneSource::Windows,
            "2024-07-01 09:00",
            "2024-07-01 06:00",
        ),
        (
            "South Africa Standard Time",
            "Africa/Johannesburg",
            ZoneSource::Windows,
            "2024-07-01 09:00",
            "2024-07-01 07:00",
        ),
        (
            "SE Asia Standard Time",
            "Asia/Bangkok",
            ZoneSource::Windows,
            "2024-07-01 09:00",
            "2024-07-01 02:00",
        ),
        (
            "Jordan Standard Time",
            "Asia/Amman",
            ZoneSource::Windows,
            "2024-07-01 09:00",
            "2024-07-01 06:00",
        ),
        (
            "Greenwich Standard Time",
            "Atlantic/Reykjavik",
            ZoneSource::Windows,
            "2024-07-01 09:00",
            "2024-07-01 09:00",
        ),
        (
            "Central Standard Time",
            "America/Chicago",
            ZoneSource::Windows,
            "2024-07-01 09:00",
            "2024-07-01 14:00",
        ),
    ];
    for &(tzid, name, source, local, utc) in cases {
        let z = r.resolve(tzid);
        assert_eq!(z.source, source, "{tzid}");
        assert_eq!(z.zone.name(), name, "{tzid}");
        assert_eq!(z.zone.local_to_utc(dt(local)), dt(utc), "{tzid} at {local}");
    }
    // Without its VTIMEZONE (office_365_invalid_timezone.ics) it is unknown: fallback.
    // (python icalendar guessed +02:00 there; we report instead of guessing.)
    let mut bare = ZoneResolver::new();
    assert_eq!(
        bare.resolve("Customized Time Zone").source,
        ZoneSource::Fallback
    );
}
