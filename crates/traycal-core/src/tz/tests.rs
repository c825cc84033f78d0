#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::borrow::Cow;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use super::*;
use crate::ics::component::{Param, Property};

/// Build a component tree from unfolded content lines (`BEGIN:X`, `NAME;P=V:VALUE`).
pub(crate) fn component(text: &str) -> Component<'static> {
    let mut stack: Vec<Component<'static>> = Vec::new();
    let mut root: Option<Component<'static>> = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (head, value) = line.split_once(':').unwrap();
        let mut parts = head.split(';');
        let name = parts.next().unwrap().to_ascii_uppercase();
        if name == "BEGIN" {
            let mut c = Component::new(value.to_ascii_uppercase());
            c.line = i as u32 + 1;
            stack.push(c);
            continue;
        }
        if name == "END" {
            let done = stack.pop().unwrap();
            match stack.last_mut() {
                Some(parent) => parent.children.push(done),
                None => root = Some(done),
            }
            continue;
        }
        let params = parts
            .map(|p| {
                let (n, v) = p.split_once('=').unwrap();
                Param {
                    name: Cow::Owned(n.to_ascii_uppercase()),
                    value: Cow::Owned(v.trim_matches('"').to_owned()),
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
    root.unwrap()
}

fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
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

fn custom(text: &str) -> CustomZone {
    CustomZone::from_vtimezone(&component(text)).unwrap()
}

#[test]
fn iana_gap_and_overlap_berlin() {
    let z = Zone::Iana(Tz::Europe__Berlin);
    // Gap: 02:30 does not exist on 2024-03-31; shifted forward = 03:30 CEST.
    assert_eq!(
        z.local_to_utc(dt("2024-03-31 02:30")),
        dt("2024-03-31 01:30")
    );
    assert_eq!(
        z.local_to_utc(dt("2024-03-31 02:15")),
        dt("2024-03-31 01:15")
    );
    // Overlap: 02:30 happens twice on 2024-10-27; the first (CEST) wins.
    assert_eq!(
        z.local_to_utc(dt("2024-10-27 02:30")),
        dt("2024-10-27 00:30")
    );
    // Around them, plain conversions.
    assert_eq!(
        z.local_to_utc(dt("2024-03-31 01:59")),
        dt("2024-03-31 00:59")
    );
    assert_eq!(
        z.local_to_utc(dt("2024-03-31 03:00")),
        dt("2024-03-31 01:00")
    );
    assert_eq!(
        z.local_to_utc(dt("2024-10-27 03:00")),
        dt("2024-10-27 02:00")
    );
    assert_eq!(z.offset_at_utc(dt("2024-07-01 00:00")), 7200);
    assert_eq!(
        z.utc_to_local(dt("2024-10-27 01:30")),
        dt("2024-10-27 02:30")
    );
    assert_eq!(z.name(), "Europe/Berlin");
}

#[test]
fn iana_gap_and_overlap_new_york() {
    let z = Zone::Iana(Tz::America__New_York);
    // 2024-03-10 02:00 EST -> 03:00 EDT: 02:30 is read as EST = 07:30Z = 03:30 EDT.
    assert_eq!(
        z.local_to_utc(dt("2024-03-10 02:30")),
        dt("2024-03-10 07:30")
    );
    // 2024-11-03 01:30 happens twice: first is EDT = 05:30Z.
    assert_eq!(
        z.local_to_utc(dt("2024-11-03 01:30")),
        dt("2024-11-03 05:30")
    );
    assert_eq!(
        z.local_to_utc(dt("2024-11-03 02:30")),
        dt("2024-11-03 07:30")
    );
    assert_eq!(z.offset_at_utc(dt("2024-01-15 12:00")), -5 * 3600);
}

#[test]
fn windows_names() {
    let cases = [
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("Pacific Standard Time", "America/Los_Angeles"),
        ("Eastern Standard Time", "America/New_York"),
        ("Central Standard Time", "America/Chicago"),
        ("Mountain Standard Time", "America/Denver"),
        ("GMT Standard Time", "Europe/London"),
        ("Greenwich Standard Time", "Atlantic/Reykjavik"),
        ("Romance Standard Time", "Europe/Paris"),
        ("Central European Standard Time", "Europe/Warsaw"),
        ("Tokyo Standard Time", "Asia/Tokyo"),
        ("AUS Eastern Standard Time", "Australia/Sydney"),
        ("New Zealand Standard Time", "Pacific/Auckland"),
        ("US Mountain Standard Time", "America/Phoenix"),
        ("SE Asia Standard Time", "Asia/Bangkok"),
        ("South Africa Standard Time", "Africa/Johannesburg"),
        ("Turkey Standard Time", "Europe/Istanbul"),
        ("Jordan Standard Time", "Asia/Amman"),
        ("Pacific Standard Time (Mexico)", "America/Tijuana"),
        ("UTC", "Etc/UTC"),
        // Tolerance: case, quotes, whitespace, Outlook's numbered copies.
        ("w. europe standard time", "Europe/Berlin"),
        ("\"Pacific Standard Time\"", "America/Los_Angeles"),
        ("  Eastern Standard Time 1 ", "America/New_York"),
    ];
    for (win, iana) in cases {
        assert_eq!(windows_zone(win).map(|t| t.name()), Some(iana), "{win}");
    }
    let india = windows_zone("India Standard Time").unwrap();
    assert!(["Asia/Calcutta", "Asia/Kolkata"].contains(&india.name()));
    assert_eq!(windows_zone("Mars Standard Time"), None);
    assert_eq!(windows_zone("Pacific Standard Time X"), None);
    // The generated table is sorted the way the lookup searches it.
    assert!(WINDOWS_ZONES
        .windows(2)
        .all(|w| cmp_ignore_ascii_case(w[0].0, w[1].0).is_lt()));
}

#[test]
fn tolerant_iana() {
    let berlin = Some(Tz::Europe__Berlin);
    assert_eq!(iana_zone("Europe/Berlin"), berlin);
    assert_eq!(iana_zone("\"Europe/Berlin\""), berlin);
    assert_eq!(iana_zone(" \"Europe/Berlin"), berlin);
    assert_eq!(iana_zone("europe/berlin"), berlin);
    assert_eq!(iana_zone("/mozilla.org/20050126_1/Europe/Berlin"), berlin);
    assert_eq!(iana_zone("/citadel.org/20190914_1/Europe/Berlin"), berlin);
    assert_eq!(
        iana_zone("/softwarestudio.org/Olson_20011030_5/America/New_York"),
        Some(Tz::America__New_York)
    );
    assert_eq!(
        iana_zone("/freeassociation.sourceforge.net/Tzfile/America/Argentina/Buenos_Aires"),
        Some(Tz::America__Argentina__Buenos_Aires)
    );
    assert_eq!(
        iana_zone("/softwarestudio.org/Olson_20011030_5/UTC"),
        Some(Tz::UTC)
    );
    assert_eq!(iana_zone("US/Eastern"), Some(Tz::US__Eastern));
    assert_eq!(iana_zone("GMT"), Some(Tz::GMT));
    assert_eq!(iana_zone("Etc/GMT+5"), Some(Tz::Etc__GMTPlus5));
    assert_eq!(iana_zone("Mars/Olympus_Mons"), None);
    // A one-segment suffix is only taken from the vendor-prefix form.
    assert_eq!(iana_zone("Foo/Bar/GMT"), None);
    assert_eq!(iana_zone(""), None);
    assert_eq!(iana_zone("\""), None);
}

#[test]
fn display_names() {
    let mut r = ZoneResolver::new();
    let cases = [
        (
            "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
            "Europe/Berlin",
        ),
        (
            "(GMT+01.00) Amsterdam / Berlin / Bern / Rome / Stockholm / Vienna",
            "Europe/Berlin",
        ),
        (
            "(UTC-08:00) Pacific Time (US & Canada)",
            "America/Los_Angeles",
        ),
        ("(GMT-05:00) Eastern Time (US & Canada)", "America/New_York"),
        (
            "(UTC+00:00) Dublin\\, Edinburgh\\, Lisbon\\, London",
            "Europe/London",
        ),
        (
            "(GMT) Greenwich Mean Time : Dublin, Edinburgh, Lisbon, London",
            "Europe/London",
        ),
        (
            "(UTC+02:00) Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius",
            "Europe/Helsinki",
        ),
        (
            "(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi",
            "Asia/Kolkata",
        ),
        (
            "(UTC+10:00) Canberra, Melbourne, Sydney",
            "Australia/Sydney",
        ),
        ("(UTC+12:00) Auckland, Wellington", "Pacific/Auckland"),
    ];
    for (name, iana) in cases {
        let z = r.resolve(name);
        assert_eq!(z.source, ZoneSource::Windows, "{name}");
        assert_eq!(z.zone.name(), iana, "{name}");
    }
    // Unknown places: fixed offset from the parentheses, named by the TZID.
    let z = r.resolve("(UTC+05:45) Somewhere Unknown");
    assert_eq!(z.source, ZoneSource::Windows);
    assert_eq!(
        z.zone.offset_at_utc(dt("2024-01-01 00:00")),
        5 * 3600 + 45 * 60
    );
    assert_eq!(z.zone.name(), "(UTC+05:45) Somewhere Unknown");
    let z = r.resolve("(UTC-03:30) Nowhere");
    assert_eq!(
        z.zone.local_to_utc(dt("2024-01-01 00:00")),
        dt("2024-01-01 03:30")
    );
    // The table is sorted (binary search) and every entry is a real zone.
    let t = display_names::table();
    assert!(t.len() >= 40);
    assert!(t.windows(2).all(|w| w[0].0 < w[1].0));
    for (k, iana) in t {
        assert!(Tz::from_str(iana).is_ok(), "{k} -> {iana}");
    }
}

#[test]
fn unknown_is_fallback_utc() {
    let mut r = ZoneResolver::new();
    for name in [
        "Mars/Olympus_Mons",
        "My Custom Zone",
        "",
        "tzone://Microsoft/Custom",
    ] {
        let z = r.resolve(name);
        assert_eq!(z.source, ZoneSource::Fallback, "{name}");
        assert!(matches!(z.zone, Zone::Utc));
    }
    let long = "x".repeat(100_000);
    assert_eq!(r.resolve(&long).source, ZoneSource::Fallback);
    // "UTC" is IANA, and represented as Zone::Utc.
    let z = r.resolve("UTC");
    assert_eq!(z.source, ZoneSource::Iana);
    assert!(matches!(z.zone, Zone::Utc));
}

/// Every hour of 2024 (UTC and local) against chrono-tz.
fn assert_matches_iana(zone: &CustomZone, tz: Tz, year: i32) {
    let iana = Zone::Iana(tz);
    let start = NaiveDate::from_ymd_opt(year, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    for h in 0..(366 * 24) {
        let t = start + TimeDelta::hours(h) + TimeDelta::minutes(30);
        assert_eq!(
            zone.offset_at_utc(t),
            iana.offset_at_utc(t),
            "offset at {t}Z"
        );
        assert_eq!(zone.utc_to_local(t), iana.utc_to_local(t), "local of {t}Z");
        assert_eq!(
            zone.local_to_utc(t),
            iana.local_to_utc(t),
            "utc of {t} local"
        );
    }
}

#[test]
fn custom_zone_matches_berlin_all_of_2024() {
    let z = custom(BERLIN_VTZ);
    assert_eq!(z.name(), "Europe/Berlin");
    assert_matches_iana(&z, Tz::Europe__Berlin, 2024);
    // The RFC cases explicitly.
    assert_eq!(
        z.local_to_utc(dt("2024-03-31 02:30")),
        dt("2024-03-31 01:30")
    );
    assert_eq!(
        z.local_to_utc(dt("2024-10-27 02:30")),
        dt("2024-10-27 00:30")
    );
    // Bounded table: two onsets a year over the table range.
    assert!(z.transition_count() <= 2 * (LAST_YEAR - 1970 + 2) as usize);
}

#[test]
fn outlook_1601_zones_match_iana() {
    let cest = custom(
        "BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE",
    );
    assert_matches_iana(&cest, Tz::Europe__Berlin, 2024);
    assert_matches_iana(&cest, Tz::Europe__Berlin, 2031);
    let eastern = custom(
        "BEGIN:VTIMEZONE
TZID:Eastern Standard Time
BEGIN:STANDARD
DTSTART:16010101T020000
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE",
    );
    assert_matches_iana(&eastern, Tz::America__New_York, 2024);
    // Southern hemisphere: DST over the new year.
    let nz = custom(
        "BEGIN:VTIMEZONE
TZID:New Zealand Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+1300
TZOFFSETTO:+1200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=4
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+1200
TZOFFSETTO:+1300
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=9
END:DAYLIGHT
END:VTIMEZONE",
    );
    assert_matches_iana(&nz, Tz::Pacific__Auckland, 2024);
}

#[test]
fn bymonthday_range_rules_and_until() {
    // Old US rules written the RFC 2445 way: "second Sunday" as days 8..14, with an
    // UNTIL ending the 1967 rules and new ones from 2007.
    let z = custom(
        "BEGIN:VTIMEZONE
TZID:US-Eastern-history
BEGIN:DAYLIGHT
DTSTART:19870405T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU;UNTIL=20060402T070000Z
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:19671029T020000
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=20061029T060000Z
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20070311T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
RRULE:FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=8,9,10,11,12,13,14;BYDAY=SU
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:20071104T020000
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
RRULE:FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=1,2,3,4,5,6,7;BYDAY=SU
END:STANDARD
END:VTIMEZONE",
    );
    for year in [1995, 2005, 2006, 2007, 2024, 2037] {
        assert_matches_iana(&z, Tz::America__New_York, year);
    }
}

#[test]
fn far_future_uses_extrapolated_rules() {
    let z = custom(BERLIN_VTZ);
    let zone = Zone::Custom(Arc::new(z));
    // Last Sunday of March 2150 is the 29th; of October the 25th.
    assert_eq!(zone.offset_at_utc(dt("2150-01-15 12:00")), 3600);
    assert_eq!(zone.offset_at_utc(dt("2150-07-15 12:00")), 7200);
    assert_eq!(zone.offset_at_utc(dt("2150-03-29 00:59")), 3600);
    assert_eq!(zone.offset_at_utc(dt("2150-03-29 01:00")), 7200);
    assert_eq!(
        zone.local_to_utc(dt("2150-03-29 02:30")),
        dt("2150-03-29 01:30")
    );
    assert_eq!(
        zone.local_to_utc(dt("2150-10-25 02:30")),
        dt("2150-10-25 00:30")
    );
    assert_eq!(zone.offset_at_utc(dt("9999-07-01 00:00")), 7200);
}

#[test]
fn rdate_only_observances() {
    let z = custom(
        "BEGIN:VTIMEZONE
TZID:Rdate/Zone
BEGIN:DAYLIGHT
DTSTART:20240331T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RDATE:20250330T020000,20260329T020000
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:20241027T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RDATE:20251026T030000
RDATE;VALUE=DATE-TIME:20261025T030000
END:STANDARD
END:VTIMEZONE",
    );
    assert_matches_iana(&z, Tz::Europe__Berlin, 2024);
    assert_matches_iana(&z, Tz::Europe__Berlin, 2025);
    assert_matches_iana(&z, Tz::Europe__Berlin, 2026);
    // Before the first onset: the first observance's TZOFFSETFROM; after the last,
    // its offset holds.
    assert_eq!(z.offset_at_utc(dt("1990-07-01 00:00")), 3600);
    assert_eq!(z.offset_at_utc(dt("2030-07-01 00:00")), 3600);
}

#[test]
fn fixed_single_observance_zones() {
    // Google's style: one STANDARD, no rule.
    let z = custom(
        "BEGIN:VTIMEZONE
TZID:America/Sao_Paulo
BEGIN:STANDARD
TZOFFSETFROM:-0300
TZOFFSETTO:-0300
DTSTART:19700101T000000
END:STANDARD
END:VTIMEZONE",
    );
    assert_eq!(z.offset_at_utc(dt("2024-06-01 00:00")), -3 * 3600);
    assert_eq!(
        z.local_to_utc(dt("2024-06-01 00:00")),
        dt("2024-06-01 03:00")
    );
    assert_eq!(z.transition_count(), 0);
}

#[test]
fn broken_vtimezones_are_errors_and_fast() {
    let started = Instant::now();
    let no_obs = component("BEGIN:VTIMEZONE\nTZID:Empty/Zone\nEND:VTIMEZONE");
    assert!(matches!(
        CustomZone::from_vtimezone(&no_obs),
        Err(TzError::NoObservances { .. })
    ));
    let no_offsets = component(
        "BEGIN:VTIMEZONE
TZID:No/Offsets
BEGIN:STANDARD
DTSTART:19700101T000000
END:STANDARD
END:VTIMEZONE",
    );
    assert!(matches!(
        CustomZone::from_vtimezone(&no_offsets),
        Err(TzError::NoObservances { .. })
    ));
    let no_tzid = component("BEGIN:VTIMEZONE\nBEGIN:STANDARD\nEND:STANDARD\nEND:VTIMEZONE");
    assert!(matches!(
        CustomZone::from_vtimezone(&no_tzid),
        Err(TzError::MissingTzid { .. })
    ));
    // SECONDLY/MINUTELY rules since 1601: refused, not evaluated.
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
        CustomZone::from_vtimezone(&bomb),
        Err(TzError::UnsupportedRule { .. })
    ));
    // 10,000 RDATEs (one per line) plus one line with 10,000 values.
    let mut text = String::from(
        "BEGIN:VTIMEZONE\nTZID:Many/Rdates\nBEGIN:DAYLIGHT\nDTSTART:19000101T000000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\n",
    );
    let base = dt("1900-01-01 00:00");
    let mut list = Vec::new();
    for i in 0..10_000 {
        let t = base + TimeDelta::days(i * 7);
        text.push_str(&format!("RDATE:{}\n", t.format("%Y%m%dT%H%M%S")));
        list.push(
            (t + TimeDelta::hours(3))
                .format("%Y%m%dT%H%M%S")
                .to_string(),
        );
    }
    text.push_str("END:DAYLIGHT\nBEGIN:STANDARD\nDTSTART:19000101T000000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\n");
    text.push_str(&format!("RDATE:{}\n", list.join(",")));
    text.push_str("END:STANDARD\nEND:VTIMEZONE\n");
    let many = CustomZone::from_vtimezone(&component(&text)).unwrap();
    assert!(many.transition_count() >= 19_000);
    // An impossible rule (30 February) with an ancient anchor and a COUNT: bounded.
    let impossible = custom(
        "BEGIN:VTIMEZONE
TZID:Never
BEGIN:DAYLIGHT
DTSTART:00010101T000000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=5
END:DAYLIGHT
END:VTIMEZONE",
    );
    assert_eq!(impossible.offset_at_utc(dt("2024-01-01 00:00")), 3600);
    // Absurd years do not loop or panic.
    let absurd = custom(
        "BEGIN:VTIMEZONE
TZID:Absurd
BEGIN:STANDARD
DTSTART:99991231T230000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;BYMONTH=12;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE",
    );
    assert_eq!(absurd.offset_at_utc(dt("2024-01-01 00:00")), 3600);
    let _ = absurd.local_to_utc(dt("9999-12-31 23:59"));
    let _ = absurd.offset_at_utc(NaiveDateTime::MAX);
    let _ = absurd.local_to_utc(NaiveDateTime::MIN);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn invalid_offset_is_read_leniently() {
    // iCloud once wrote "+5328" (LMT +00:53:28 truncated): TZOFFSETFROM is unusable,
    // TZOFFSETTO is fine, so the observance is kept with FROM = TO.
    let z = custom(
        "BEGIN:VTIMEZONE
TZID:Bad/Offset
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:+5328
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE",
    );
    assert_eq!(z.offset_at_utc(dt("2024-01-05 08:00")), 3600);
    assert_eq!(
        z.local_to_utc(dt("2024-01-05 09:00")),
        dt("2024-01-05 08:00")
    );
}

#[test]
fn resolver_order_and_conflicts() {
    let mut r = ZoneResolver::new();
    // Two different definitions of Europe/Berlin: the first is kept, the second is
    // reported; an identical repeat is silent.
    r.add_vtimezone(&component(BERLIN_VTZ)).unwrap();
    r.add_vtimezone(&component(BERLIN_VTZ)).unwrap();
    let wrong = BERLIN_VTZ.replace("+0200", "+0300");
    assert!(matches!(
        r.add_vtimezone(&component(&wrong)),
        Err(TzError::ConflictingDuplicate { .. })
    ));
    // ... but the IANA database wins for an IANA name anyway.
    let z = r.resolve("Europe/Berlin");
    assert_eq!(z.source, ZoneSource::Iana);
    assert_eq!(
        z.zone.local_to_utc(dt("2024-07-05 09:00")),
        dt("2024-07-05 07:00")
    );

    // A VTIMEZONE only the file knows.
    let custom_text = BERLIN_VTZ.replace("TZID:Europe/Berlin", "TZID:Customized Time Zone");
    r.add_vtimezone(&component(&custom_text)).unwrap();
    let z = r.resolve("Customized Time Zone");
    assert_eq!(z.source, ZoneSource::VTimezone);
    assert_eq!(z.zone.name(), "Customized Time Zone");
    assert_eq!(
        z.zone.local_to_utc(dt("2024-04-26 14:00")),
        dt("2024-04-26 12:00")
    );
    // Quoted parameter, differently cased.
    assert_eq!(
        r.resolve("\"customized time zone\"").source,
        ZoneSource::VTimezone
    );

    // A Windows name with a (wrong) VTIMEZONE: the CLDR mapping wins.
    let win = BERLIN_VTZ
        .replace("TZID:Europe/Berlin", "TZID:W. Europe Standard Time")
        .replace("+0200", "+0300");
    r.add_vtimezone(&component(&win)).unwrap();
    let z = r.resolve("W. Europe Standard Time");
    assert_eq!(z.source, ZoneSource::Windows);
    assert_eq!(z.zone.name(), "Europe/Berlin");

    // Broken definitions are refused and the TZID falls back.
    assert!(r
        .add_vtimezone(&component(
            "BEGIN:VTIMEZONE\nTZID:Empty/Zone\nEND:VTIMEZONE"
        ))
        .is_err());
    assert_eq!(r.resolve("Empty/Zone").source, ZoneSource::Fallback);

    // Cached answers are stable, and Zone clones are cheap handles.
    let a = r.resolve("Customized Time Zone");
    let b = r.resolve("Customized Time Zone");
    match (a.zone, b.zone) {
        (Zone::Custom(x), Zone::Custom(y)) => assert!(Arc::ptr_eq(&x, &y)),
        _ => panic!("expected custom zones"),
    }
}

#[test]
fn local_to_utc_is_cheap_enough() {
    // Not a benchmark: a guard against accidental quadratic or allocating paths.
    let zones = [
        Zone::Iana(Tz::Europe__Berlin),
        Zone::Custom(Arc::new(custom(BERLIN_VTZ))),
    ];
    let start = dt("2024-01-01 00:00");
    let started = Instant::now();
    let mut acc = 0i64;
    for zone in &zones {
        for i in 0..200_000 {
            let t = start + TimeDelta::minutes(i * 7);
            acc += zone.local_to_utc(t).and_utc().timestamp() & 1;
        }
    }
    assert!(acc >= 0);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn iana_helpers_agree_with_chrono_tz() {
    let tz = Tz::Asia__Kolkata;
    let t = dt("2024-05-05 12:00");
    assert_eq!(
        Zone::Iana(tz).local_to_utc(t),
        tz.from_local_datetime(&t).unwrap().naive_utc()
    );
}
