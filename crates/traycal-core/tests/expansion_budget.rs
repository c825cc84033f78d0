#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The calendar-wide expansion budget: a feed of endless high-frequency rules costs no
//! more than the budget, is shared fairly, never starves ordinary events, and what
//! was cut is reported.

use traycal_core::calendar::load_calendar;
use traycal_core::event::ItemKind;
use traycal_core::expand::{expand_items, CutLimit, ExpandOptions, TimeContext, Window};
use traycal_core::ics::prepare_input;

/// 2026-03-02T08:00:00Z.
const NOW: i64 = 1_772_438_400;

fn window() -> Window {
    Window {
        from: NOW - 30 * 86_400,
        to: NOW + 365 * 86_400,
    }
}

/// `minutely` endless MINUTELY series, `daily` endless daily series and `single`
/// one-off events, all starting in 2026.
fn feed(minutely: usize, daily: usize, single: usize) -> String {
    let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n");
    for i in 0..minutely {
        s.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:minutely-{i}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260101T000000Z\r\nRRULE:FREQ=MINUTELY\r\nSUMMARY:m{i}\r\nEND:VEVENT\r\n"
        ));
    }
    for i in 0..daily {
        s.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:daily-{i}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260105T090000Z\r\nDTEND:20260105T091500Z\r\nRRULE:FREQ=DAILY\r\nSUMMARY:d{i}\r\nEND:VEVENT\r\n"
        ));
    }
    for i in 0..single {
        s.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:single-{i}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260310T{:02}0000Z\r\nDTEND:20260310T{:02}3000Z\r\nSUMMARY:s{i}\r\nEND:VEVENT\r\n",
            i % 24,
            i % 24
        ));
    }
    s.push_str("END:VCALENDAR\r\n");
    s
}

struct Counts {
    total: usize,
    minutely: usize,
    daily: usize,
    single: usize,
    cut: Vec<(String, CutLimit, usize)>,
    diagnostics: Vec<String>,
    steps: u64,
    first_minutely_start: Option<i64>,
}

fn expand(text: &str, opts: &ExpandOptions) -> Counts {
    let prepared = prepare_input(text.as_bytes());
    let mut cal = load_calendar(&prepared, &[ItemKind::Event]);
    let items = std::mem::take(&mut cal.items);
    let mut tc = TimeContext::new(&mut cal.resolver, cal.calendar_zone.clone());
    let exp = expand_items(&items, &mut tc, opts);
    let uid = |i: usize| items[i].uid.to_string();
    let count = |p: &str| {
        exp.occurrences
            .iter()
            .filter(|o| uid(o.item).starts_with(p))
            .count()
    };
    Counts {
        total: exp.occurrences.len(),
        minutely: count("minutely-"),
        daily: count("daily-"),
        single: count("single-"),
        cut: exp
            .cut
            .iter()
            .map(|c| (uid(c.item), c.limit, c.kept))
            .collect(),
        diagnostics: exp.diagnostics.clone(),
        steps: exp.steps,
        first_minutely_start: exp
            .occurrences
            .iter()
            .filter(|o| uid(o.item).starts_with("minutely-"))
            .map(|o| o.start.secs)
            .min(),
    }
}

#[test]
fn endless_minutely_series_stay_within_the_calendar_budget() {
    let opts = ExpandOptions {
        max_occurrences: 100_000,
        max_steps: 4_000_000,
        ..ExpandOptions::new(window())
    };
    let c = expand(&feed(2_000, 0, 0), &opts);
    // Without the budget each series would take its 50,000 cap: 100 million.
    assert!(c.total <= 100_000, "{} occurrences", c.total);
    assert!(c.total >= 90_000, "the budget is used: {}", c.total);
    assert!(c.steps <= 4 * 4_000_000, "{} steps", c.steps);
    assert_eq!(c.cut.len(), 2_000);
    assert!(c
        .cut
        .iter()
        .all(|(_, limit, kept)| *limit == CutLimit::CalendarBudget && *kept == 50));
    // One summary line, not one per series.
    let budget_lines: Vec<&String> = c
        .diagnostics
        .iter()
        .filter(|d| d.contains("occurrence budget"))
        .collect();
    assert_eq!(budget_lines.len(), 1, "{:?}", c.diagnostics);
    assert!(
        budget_lines[0].contains("2000 recurring series"),
        "{}",
        budget_lines[0]
    );
    assert!(
        budget_lines[0].contains("and 1995 more"),
        "{}",
        budget_lines[0]
    );
}

#[test]
fn ordinary_events_beside_hostile_series_are_complete() {
    let opts = ExpandOptions {
        max_occurrences: 100_000,
        max_steps: 4_000_000,
        ..ExpandOptions::new(window())
    };
    // 200 daily series need 200 × ~395 = 79,000 occurrences: more than an equal
    // share (100,000 / 540 = 185 each) gives them; re-sharing what the single events
    // left unused must.
    let c = expand(&feed(40, 200, 300), &opts);
    let days = expand(&feed(0, 1, 0), &ExpandOptions::new(window())).daily;
    assert!(days > 390, "{days}");
    assert_eq!(c.daily, 200 * days, "every daily series complete");
    assert_eq!(c.single, 300, "every single event");
    assert!(c.minutely > 0);
    assert!(c.total <= 100_000, "{}", c.total);
    assert!(c.cut.iter().all(|(u, ..)| u.starts_with("minutely-")));
}

#[test]
fn a_cut_series_keeps_its_occurrences_from_now_on() {
    let opts = ExpandOptions {
        max_occurrences: 10_000,
        focus: Some(NOW),
        ..ExpandOptions::new(window())
    };
    let c = expand(&feed(10, 0, 0), &opts);
    assert_eq!(c.first_minutely_start, Some(NOW));
    let without_focus = expand(
        &feed(10, 0, 0),
        &ExpandOptions {
            max_occurrences: 10_000,
            ..ExpandOptions::new(window())
        },
    );
    assert_eq!(without_focus.first_minutely_start, Some(window().from));
}

#[test]
fn the_per_series_cap_still_applies_and_is_named() {
    let c = expand(&feed(1, 0, 0), &ExpandOptions::new(window()));
    assert_eq!(
        c.minutely, 50_000,
        "the cap counts occurrences in the window"
    );
    assert_eq!(c.cut.len(), 1);
    assert_eq!(c.cut[0].1, CutLimit::SeriesCap);
    assert!(
        c.diagnostics
            .iter()
            .any(|d| d.contains("more than 50000 instances") && d.contains("minutely-0")),
        "{:?}",
        c.diagnostics
    );
}

#[test]
fn a_million_rdates_count_against_the_budget() {
    let mut s = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:rdates\r\nDTSTART:20260201T000000Z\r\n",
    );
    s.push_str("RDATE:");
    let mut first = true;
    for m in 0..200_000i64 {
        let t = chrono::DateTime::from_timestamp(NOW + m * 60, 0).unwrap();
        if !first {
            s.push(',');
        }
        first = false;
        s.push_str(&t.format("%Y%m%dT%H%M%SZ").to_string());
    }
    s.push_str("\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
    let opts = ExpandOptions {
        max_occurrences: 10_000,
        ..ExpandOptions::new(window())
    };
    let c = expand(&s, &opts);
    assert!(c.total <= 10_001, "{}", c.total);
    assert_eq!(c.cut.len(), 1);
}

#[test]
fn impossible_rules_share_the_step_budget() {
    // An odd second on an even step never comes: only the step budget stops each rule.
    let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
    for i in 0..500 {
        s.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:never-{i}\r\nDTSTART:20260101T000000Z\r\nRRULE:FREQ=SECONDLY;INTERVAL=2;BYSECOND=1,3,5\r\nEND:VEVENT\r\n"
        ));
    }
    s.push_str("END:VCALENDAR\r\n");
    let opts = ExpandOptions {
        max_steps: 1_000_000,
        ..ExpandOptions::new(window())
    };
    let c = expand(&s, &opts);
    // 500 rules × the 1,000,000-step rule budget would be 500 million steps.
    assert!(c.steps <= 4 * 1_000_000, "{} steps", c.steps);
}
