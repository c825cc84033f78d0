//! Unit tests of the recurrence engine: parsing, leniency, budgets, laziness, the
//! year-9999 end and `skip_before` fast-forwarding. RFC/dateutil conformance is in
//! `tests/rrule_vectors.rs`.

use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, NaiveDateTime, Weekday};

use super::*;

fn at(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|date| date.and_hms_opt(h, mi, s))
        .expect("valid test date")
}

fn rule(text: &str) -> RecurRule {
    RecurRule::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn expand(text: &str, dtstart: NaiveDateTime, n: usize) -> Vec<NaiveDateTime> {
    rule(text)
        .iter(dtstart, IterOptions::default())
        .take(n)
        .collect()
}

fn error(text: &str) -> String {
    RecurRule::parse(text).expect_err(text).to_string()
}

/// Generous bound: these run unoptimised; the point is "no runaway loop".
const QUICK: Duration = Duration::from_secs(3);

#[test]
fn parse_errors_name_the_bad_part() {
    assert_eq!(error("COUNT=3"), "FREQ missing");
    assert_eq!(error(""), "FREQ missing");
    assert!(error("FREQ=DAILY;INTERVAL=0").contains("INTERVAL=0"));
    assert!(error("FREQ=YEARLY;BYMONTH=13").contains("BYMONTH=13"));
    assert!(error("FREQ=YEARLY;BYMONTHDAY=0").contains("BYMONTHDAY=0"));
    assert!(error("FREQ=YEARLY;BYMONTHDAY=32").contains("BYMONTHDAY=32"));
    assert!(error("FREQ=YEARLY;BYYEARDAY=367").contains("BYYEARDAY=367"));
    assert!(error("FREQ=YEARLY;BYWEEKNO=54").contains("BYWEEKNO=54"));
    assert!(error("FREQ=DAILY;BYHOUR=24").contains("BYHOUR=24"));
    assert!(error("FREQ=DAILY;BYMINUTE=60").contains("BYMINUTE=60"));
    assert!(error("FREQ=MONTHLY;BYDAY=0MO").contains("BYDAY=0MO"));
    assert!(error("FREQ=MONTHLY;BYDAY=XX").contains("BYDAY=XX"));
    assert!(error("FREQ=MONTHLY;BYDAY=54MO").contains("BYDAY=54MO"));
    assert!(error("FREQ=FORTNIGHTLY").contains("FREQ=FORTNIGHTLY"));
    assert!(error("FREQ=DAILY;COUNT=-1").contains("COUNT=-1"));
    assert!(error("FREQ=DAILY;UNTIL=2024").contains("UNTIL=2024"));
    assert!(error("FREQ=DAILY;UNTIL=20240230").contains("UNTIL=20240230"));
    assert!(error("FREQ=DAILY;UNTIL=20240101T250000Z").contains("UNTIL="));
    assert!(error("FREQ=DAILY;WKST=XY").contains("WKST=XY"));
    assert!(error("FREQ=DAILY;BOGUS").contains("BOGUS"));
    assert!(error("FREQ=DAILY;BYEASTER=0").contains("BYEASTER"));
    assert!(error("RSCALE=HEBREW;FREQ=YEARLY").contains("RSCALE=HEBREW"));
    assert!(error("FREQ=MONTHLY;SKIP=FORWARD").contains("SKIP=FORWARD"));
}

#[test]
fn parse_is_lenient_like_real_feeds() {
    let r = rule("freq=weekly;byday=mo,we;count=5;");
    assert_eq!(r.freq, Freq::Weekly);
    assert_eq!(r.by_day, vec![(None, Weekday::Mon), (None, Weekday::Wed)]);
    assert_eq!(r.count, Some(5));
    assert_eq!(r.interval, 1);
    assert_eq!(r.wkst, Weekday::Mon);

    let r = rule("FREQ=DAILY;X-NAME=whatever;;INTERVAL=2;INTERVAL=3;FREQ=MONTHLY");
    assert_eq!(r.freq, Freq::Monthly, "last duplicate wins");
    assert_eq!(r.interval, 3);

    let r = rule("FREQ=MONTHLY;BYDAY=+1MO,-1fr,2TU;WKST=su;BYSETPOS=+1,-1");
    assert_eq!(
        r.by_day,
        vec![
            (Some(1), Weekday::Mon),
            (Some(-1), Weekday::Fri),
            (Some(2), Weekday::Tue)
        ]
    );
    assert_eq!(r.wkst, Weekday::Sun);
    assert_eq!(r.by_set_pos, vec![1, -1]);

    let day = NaiveDate::from_ymd_opt(2024, 3, 1).expect("date");
    assert_eq!(
        rule("FREQ=DAILY;UNTIL=20240301").until,
        Some(Until::Date(day))
    );
    assert_eq!(
        rule("FREQ=DAILY;UNTIL=20240301T101500").until,
        Some(Until::Local(at(2024, 3, 1, 10, 15, 0)))
    );
    assert_eq!(
        rule("FREQ=DAILY;UNTIL=20240301T101500Z").until,
        Some(Until::Utc(at(2024, 3, 1, 10, 15, 0)))
    );
    // RFC 7529 Gregorian with the default SKIP is plain RFC 5545.
    assert_eq!(
        rule("RSCALE=GREGORIAN;FREQ=YEARLY;SKIP=OMIT").freq,
        Freq::Yearly
    );
}

#[test]
fn dtstart_is_yielded_only_when_it_matches() {
    // 1997-09-02 is a Tuesday; the rule wants Thursdays.
    let got = expand("FREQ=WEEKLY;BYDAY=TH;COUNT=2", at(1997, 9, 2, 9, 0, 0), 10);
    assert_eq!(got, vec![at(1997, 9, 4, 9, 0, 0), at(1997, 9, 11, 9, 0, 0)]);
}

#[test]
fn invalid_dates_are_skipped_not_clamped() {
    let got = expand("FREQ=MONTHLY;COUNT=4", at(2023, 1, 31, 8, 0, 0), 10);
    assert_eq!(
        got,
        vec![
            at(2023, 1, 31, 8, 0, 0),
            at(2023, 3, 31, 8, 0, 0),
            at(2023, 5, 31, 8, 0, 0),
            at(2023, 7, 31, 8, 0, 0)
        ]
    );
}

#[test]
fn until_is_inclusive_and_a_date_until_covers_its_day() {
    let start = at(2024, 1, 1, 9, 0, 0);
    let got = expand("FREQ=DAILY;UNTIL=20240103", start, 10);
    assert_eq!(got.last(), Some(&at(2024, 1, 3, 9, 0, 0)));
    let got = expand("FREQ=DAILY;UNTIL=20240103T090000", start, 10);
    assert_eq!(got.last(), Some(&at(2024, 1, 3, 9, 0, 0)));
    let got = expand("FREQ=DAILY;UNTIL=20240103T085959Z", start, 10);
    assert_eq!(got.last(), Some(&at(2024, 1, 2, 9, 0, 0)));
    // The caller's converted bound wins over the rule's.
    let opts = IterOptions {
        until_local: Some(at(2024, 1, 4, 9, 0, 0)),
        ..IterOptions::default()
    };
    let got: Vec<_> = rule("FREQ=DAILY;UNTIL=20240103T085959Z")
        .iter(start, opts)
        .collect();
    assert_eq!(got.len(), 4);
}

#[test]
fn impossible_rules_exhaust_the_budget_quickly() {
    let start = at(2024, 1, 1, 9, 0, 0);
    for text in [
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=SECONDLY;BYMONTHDAY=-31;BYMONTH=4,6,9,11",
        // Not provable up front: only the step budget stops these.
        "FREQ=MINUTELY;INTERVAL=60;BYMINUTE=30",
        "FREQ=HOURLY;INTERVAL=24;BYHOUR=5",
        "FREQ=SECONDLY;INTERVAL=2;BYSECOND=1,3,5",
        "FREQ=DAILY;BYYEARDAY=366;BYMONTHDAY=1",
    ] {
        let begun = Instant::now();
        let mut it = rule(text).iter(start, IterOptions::default());
        assert_eq!(it.next(), None, "{text}");
        assert!(it.budget_exhausted(), "{text}");
        assert!(it.steps_used() <= Budget::default().max_steps, "{text}");
        assert!(begun.elapsed() < QUICK, "{text} took {:?}", begun.elapsed());
    }
}

#[test]
fn a_small_step_budget_is_respected() {
    let opts = IterOptions {
        budget: Budget {
            max_steps: 100,
            max_instances: 1_000,
        },
        ..IterOptions::default()
    };
    let mut it =
        rule("FREQ=DAILY;BYMONTHDAY=29;BYMONTH=2;BYDAY=MO").iter(at(2000, 1, 1, 0, 0, 0), opts);
    assert_eq!(it.next(), None);
    assert!(it.budget_exhausted());
    assert_eq!(it.steps_used(), 100);
}

#[test]
fn instance_budget_caps_endless_rules() {
    let opts = IterOptions {
        budget: Budget {
            max_steps: 1_000_000,
            max_instances: 10,
        },
        ..IterOptions::default()
    };
    let mut it = rule("FREQ=SECONDLY").iter(at(2024, 1, 1, 0, 0, 0), opts);
    assert_eq!(it.by_ref().count(), 10);
    assert!(it.budget_exhausted());
}

#[test]
fn finished_rules_do_not_report_exhaustion() {
    let mut it = rule("FREQ=DAILY;COUNT=3").iter(at(2024, 1, 1, 0, 0, 0), IterOptions::default());
    assert_eq!(it.by_ref().count(), 3);
    assert!(!it.budget_exhausted());
}

#[test]
fn secondly_expansion_is_lazy() {
    let begun = Instant::now();
    let start = at(2024, 1, 1, 23, 59, 58);
    let got = expand("FREQ=SECONDLY;COUNT=1000000", start, 4);
    assert_eq!(
        got,
        vec![
            start,
            at(2024, 1, 1, 23, 59, 59),
            at(2024, 1, 2, 0, 0, 0),
            at(2024, 1, 2, 0, 0, 1)
        ]
    );
    assert!(begun.elapsed() < Duration::from_millis(100));
}

#[test]
fn a_huge_per_period_time_list_is_not_materialised_per_instance() {
    // 24×60×60 times per day: still lazy and fast to start.
    let begun = Instant::now();
    let text = format!(
        "FREQ=YEARLY;BYHOUR={};BYMINUTE={};BYSECOND={}",
        (0..24).map(|n| n.to_string()).collect::<Vec<_>>().join(","),
        (0..60).map(|n| n.to_string()).collect::<Vec<_>>().join(","),
        (0..60).map(|n| n.to_string()).collect::<Vec<_>>().join(",")
    );
    let got = expand(&text, at(2024, 6, 1, 12, 0, 0), 2);
    assert_eq!(
        got,
        vec![at(2024, 6, 1, 12, 0, 0), at(2024, 6, 1, 12, 0, 1)]
    );
    assert!(begun.elapsed() < QUICK);
}

#[test]
fn expansion_ends_at_year_9999_without_overflow() {
    let got = expand("FREQ=YEARLY", at(9990, 7, 1, 0, 0, 0), 100);
    assert_eq!(got.len(), 10);
    assert_eq!(got.last(), Some(&at(9999, 7, 1, 0, 0, 0)));

    let got = expand("FREQ=DAILY", at(9999, 12, 25, 0, 0, 0), 100);
    assert_eq!(got.last(), Some(&at(9999, 12, 31, 0, 0, 0)));
    assert_eq!(got.len(), 7);

    let got = expand("FREQ=WEEKLY;BYDAY=MO,FR", at(9999, 12, 1, 0, 0, 0), 100);
    assert_eq!(got.last(), Some(&at(9999, 12, 31, 0, 0, 0)));

    let got = expand("FREQ=SECONDLY", at(9999, 12, 31, 23, 59, 58), 100);
    assert_eq!(got.len(), 2);

    for text in [
        "FREQ=SECONDLY;INTERVAL=4294967295",
        "FREQ=MINUTELY;INTERVAL=4294967295",
        "FREQ=HOURLY;INTERVAL=4294967295",
        "FREQ=DAILY;INTERVAL=4294967295",
        "FREQ=WEEKLY;INTERVAL=4294967295",
        "FREQ=MONTHLY;INTERVAL=4294967295",
        "FREQ=YEARLY;INTERVAL=4294967295",
    ] {
        let start = at(9000, 1, 1, 0, 0, 0);
        let mut it = rule(text).iter(start, IterOptions::default());
        let got: Vec<_> = it.by_ref().collect();
        assert_eq!(got.first(), Some(&start), "{text}");
        // INTERVAL=2^32-1 seconds is about 136 years: a few instances, then the end.
        assert!(got.len() <= 8, "{text}: {got:?}");
        assert!(got.iter().all(|t| t.year() <= 9999), "{text}");
        assert!(!it.budget_exhausted(), "{text}");
    }

    // A rule that only matches in years that never come ends at 9999, quickly.
    let begun = Instant::now();
    assert_eq!(
        expand(
            "FREQ=YEARLY;BYYEARDAY=366;BYMONTH=1",
            at(2024, 1, 1, 0, 0, 0),
            1
        ),
        vec![]
    );
    assert!(begun.elapsed() < QUICK);
}

#[test]
fn instances_are_strictly_ascending() {
    for text in [
        "FREQ=MONTHLY;BYDAY=MO,1MO,-1MO;BYMONTHDAY=1,1,-31;COUNT=40",
        "FREQ=YEARLY;BYSETPOS=1,1,-1,2;BYMONTH=1,6;BYDAY=MO,TU;BYHOUR=9,9,10;COUNT=40",
        "FREQ=WEEKLY;WKST=SU;INTERVAL=3;BYDAY=SU,SA,MO;BYSECOND=5,1;COUNT=40",
        "FREQ=HOURLY;INTERVAL=5;BYMINUTE=59,0;BYSETPOS=-1,1;COUNT=40",
    ] {
        let got = expand(text, at(2023, 12, 30, 9, 30, 0), 100);
        assert_eq!(got.len(), 40, "{text}");
        assert!(got.windows(2).all(|w| w[0] < w[1]), "{text}: {got:?}");
    }
}

#[test]
fn skip_before_gives_the_same_instances_at_and_after_it() {
    let cases = [
        ("FREQ=DAILY", at(1990, 3, 4, 9, 30, 0)),
        ("FREQ=DAILY;INTERVAL=3", at(1990, 3, 4, 9, 30, 0)),
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;WKST=SU",
            at(1990, 3, 4, 9, 30, 0),
        ),
        (
            "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1,-1",
            at(1990, 3, 7, 8, 0, 0),
        ),
        (
            "FREQ=MONTHLY;INTERVAL=5;BYDAY=-1FR",
            at(1990, 3, 4, 9, 30, 0),
        ),
        (
            "FREQ=YEARLY;INTERVAL=3;BYMONTH=2;BYMONTHDAY=29",
            at(1992, 2, 29, 12, 0, 0),
        ),
        ("FREQ=HOURLY;INTERVAL=7", at(1990, 3, 4, 9, 30, 0)),
        (
            "FREQ=HOURLY;INTERVAL=5;BYHOUR=1,2,3;BYMINUTE=0,30",
            at(1990, 3, 4, 9, 30, 0),
        ),
        ("FREQ=MINUTELY;INTERVAL=17", at(1990, 3, 4, 9, 30, 0)),
        (
            "FREQ=MINUTELY;INTERVAL=45;BYDAY=SA",
            at(1990, 3, 4, 9, 30, 0),
        ),
        ("FREQ=SECONDLY;INTERVAL=3601", at(1990, 3, 4, 9, 30, 7)),
    ];
    let skip = at(2026, 5, 6, 7, 8, 9);
    for (text, dtstart) in cases {
        let r = rule(text);
        let unlimited = IterOptions {
            budget: Budget {
                max_steps: u64::MAX,
                max_instances: u64::MAX,
            },
            ..IterOptions::default()
        };
        let full: Vec<_> = r
            .iter(dtstart, unlimited)
            .skip_while(|t| *t < skip)
            .take(25)
            .collect();
        let opts = IterOptions {
            skip_before: Some(skip),
            ..IterOptions::default()
        };
        let mut it = r.iter(dtstart, opts);
        let fast: Vec<_> = it.by_ref().take(25).collect();
        assert_eq!(fast.len(), 25, "{text}");
        assert_eq!(fast, full, "{text}");
        assert!(it.steps_used() < 2_000, "{text}: {} steps", it.steps_used());
    }
}

#[test]
fn skip_before_with_count_still_counts_earlier_instances() {
    let r = rule("FREQ=DAILY;COUNT=10");
    let start = at(2024, 1, 1, 9, 0, 0);
    let opts = IterOptions {
        skip_before: Some(at(2024, 1, 8, 0, 0, 0)),
        ..IterOptions::default()
    };
    let got: Vec<_> = r.iter(start, opts).collect();
    assert_eq!(
        got,
        vec![
            at(2024, 1, 8, 9, 0, 0),
            at(2024, 1, 9, 9, 0, 0),
            at(2024, 1, 10, 9, 0, 0)
        ]
    );
}

#[test]
fn all_day_rules_ignore_time_parts() {
    let r = rule("FREQ=DAILY;BYHOUR=10;BYMINUTE=1,2;COUNT=2").for_all_day();
    let start = at(2024, 10, 18, 0, 0, 0);
    let got: Vec<_> = r.iter(start, IterOptions::default()).collect();
    assert_eq!(got, vec![start, at(2024, 10, 19, 0, 0, 0)]);
}

#[test]
fn typical_workload_is_fast() {
    // 7,500 typical rules × 50 instances each. Unoptimised builds are ~20× slower than
    // release (the target there is well under 100 ms), so this only guards against
    // gross regressions such as per-instance allocation or day-by-day scanning.
    let rules: Vec<RecurRule> = [
        "FREQ=WEEKLY;BYDAY=MO,WE,FR",
        "FREQ=DAILY",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
        "FREQ=MONTHLY;BYDAY=2TH",
        "FREQ=MONTHLY;BYMONTHDAY=15",
        "FREQ=YEARLY",
        "FREQ=WEEKLY",
        "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
    ]
    .iter()
    .map(|t| rule(t))
    .collect();
    let begun = Instant::now();
    let mut total = 0usize;
    for i in 0..7_500 {
        let r = &rules[i % rules.len()];
        let start = at(
            2000 + (i % 20) as i32,
            1 + (i % 12) as u32,
            1 + (i % 28) as u32,
            9,
            0,
            0,
        );
        total += r.iter(start, IterOptions::default()).take(50).count();
    }
    let elapsed = begun.elapsed();
    assert_eq!(total, 375_000);
    eprintln!("375,000 instances over 7,500 rules: {elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}
