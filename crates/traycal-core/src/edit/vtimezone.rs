//! VTIMEZONE definitions written from the zone database, for the TZIDs we write.
//!
//! RFC 5545 3.6.5 wants a VTIMEZONE for every TZID an object uses. chrono-tz does not
//! expose its rules, so the definition is *observed*: the zone's UTC offset, DST part
//! and abbreviation are sampled every [`SAMPLE_STEP_SECS`] over a window, and each
//! change found is narrowed to the second by bisection. The transitions are then
//! grouped into observances by offset before, offset after and abbreviation
//! (DAYLIGHT when the DST part becomes positive, or when negative DST ends, as in
//! Dublin; STANDARD otherwise):
//! - a group whose latest onsets follow one yearly pattern up to the end of the window
//!   (same month and time of day, and the same "last / n-th / on-or-after-day-D
//!   weekday" or fixed day of month) becomes one observance with an open-ended
//!   `RRULE:FREQ=YEARLY`, so the definition stays right after the window, as long as
//!   the zone keeps its current rules;
//! - other onsets (older rules, irregular zones) are listed: one DTSTART and RDATEs;
//! - a zone without transitions in the window gets one STANDARD (or DAYLIGHT) with
//!   equal TZOFFSETFROM and TZOFFSETTO.
//!
//! Invariants: for every instant in the window the definition gives chrono-tz's
//! offset (tested by reading it back with [`crate::tz::CustomZone`]); before the first
//! onset the first observance's TZOFFSETFROM applies, which is the offset at the
//! window start. Limits: two changes less than [`SAMPLE_STEP_SECS`] apart can be
//! missed (no zone does this in the last and next decades); the window is clamped to
//! [`MAX_WINDOW_YEARS`].

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Weekday};
use chrono_tz::{OffsetComponents, OffsetName};

use crate::ics::Component;
use crate::tz::Zone;

use super::draft::format_local;

/// Distance between two samples of a zone's offset.
pub const SAMPLE_STEP_SECS: i64 = 12 * 3600;
/// Longest window scanned.
pub const MAX_WINDOW_YEARS: i64 = 200;
/// At most this many transitions are written (real zones have 2 a year).
const MAX_TRANSITIONS: usize = 2_000;
/// Fewest consecutive yearly onsets written as an open-ended rule.
const MIN_RULE_ONSETS: usize = 3;

/// What a zone shows at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Observed {
    /// Seconds east of UTC.
    offset: i32,
    /// The daylight-saving part of the offset (negative in zones that the database
    /// models with winter time as negative DST, such as Europe/Dublin).
    dst: i64,
    name: Option<String>,
}

impl Observed {
    /// Whether a change from `from` to `self` starts a DAYLIGHT observance: positive
    /// DST, or the end of negative DST (Dublin's summer time is DAYLIGHT, as in the
    /// database's rearguard form other generators use).
    fn daylight_after(&self, from: &Observed) -> bool {
        self.dst > 0 || (self.dst == 0 && from.dst < 0)
    }
}

fn observe(zone: &Zone, utc: i64) -> Observed {
    let naive = DateTime::from_timestamp(utc, 0)
        .map(|d| d.naive_utc())
        .unwrap_or_default();
    match zone {
        Zone::Iana(tz) => {
            let o = tz.offset_from_utc_datetime(&naive);
            Observed {
                offset: o.fix().local_minus_utc(),
                dst: o.dst_offset().num_seconds(),
                name: o.abbreviation().map(str::to_owned),
            }
        }
        other => Observed {
            offset: other.offset_at_utc(naive),
            dst: 0,
            name: None,
        },
    }
}

/// One change of what the zone shows.
#[derive(Debug, Clone)]
struct Change {
    /// The change as local time before it (an observance's DTSTART and RDATE form).
    onset: NaiveDateTime,
    from: Observed,
    to: Observed,
}

/// Every change in `[from, to)` (UTC seconds).
fn changes(zone: &Zone, from: i64, to: i64) -> Vec<Change> {
    let mut out = Vec::new();
    let mut t = from;
    let mut seen = observe(zone, t);
    while t < to && out.len() < MAX_TRANSITIONS {
        let next = (t + SAMPLE_STEP_SECS).min(to);
        let there = observe(zone, next);
        if there == seen {
            t = next;
            continue;
        }
        // The change is in (lo, hi]: narrow it to the second.
        let (mut lo, mut hi) = (t, next);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if observe(zone, mid) == seen {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let after = observe(zone, hi);
        let onset = DateTime::from_timestamp(hi + i64::from(seen.offset), 0)
            .map(|d| d.naive_utc())
            .unwrap_or_default();
        out.push(Change {
            onset,
            from: seen,
            to: after.clone(),
        });
        // Another change may follow before `next`: scan on from the one found.
        t = hi;
        seen = after;
    }
    out
}

/// How a yearly onset picks its day in its month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayRule {
    /// The last such weekday: `BYDAY=-1SU`.
    Last(Weekday),
    /// The n-th (1..=4) such weekday: `BYDAY=2SU`.
    Nth(u32, Weekday),
    /// The weekday on or after day D: `BYDAY=FR;BYMONTHDAY=D,…,D+6`.
    OnOrAfter(u32, Weekday),
    /// A fixed day of the month: `BYMONTHDAY=D`.
    Fixed(u32),
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    next.and_then(|n| n.pred_opt()).map_or(28, |d| d.day())
}

/// The day rules `onset` satisfies.
fn day_rules(onset: NaiveDateTime) -> Vec<DayRule> {
    let d = onset.date();
    let (day, weekday) = (d.day(), d.weekday());
    let mut rules = Vec::with_capacity(10);
    if day + 7 > days_in_month(d.year(), d.month()) {
        rules.push(DayRule::Last(weekday));
    }
    let nth = (day - 1) / 7 + 1;
    if nth <= 4 {
        rules.push(DayRule::Nth(nth, weekday));
    }
    // Every D with D <= day <= D + 6, D + 6 within the month in every year.
    let shortest = if d.month() == 2 {
        28
    } else {
        days_in_month(d.year(), d.month())
    };
    for start in day.saturating_sub(6).max(1)..=day.min(shortest - 6) {
        rules.push(DayRule::OnOrAfter(start, weekday));
    }
    rules.push(DayRule::Fixed(day));
    rules
}

/// An open-ended yearly rule that the latest onsets of a group follow.
struct YearlyPattern {
    /// Index (in the group) of the first onset it covers.
    first: usize,
    month: u32,
    day: DayRule,
}

impl YearlyPattern {
    fn rrule(&self) -> String {
        let wd = |w: Weekday| match w {
            Weekday::Mon => "MO",
            Weekday::Tue => "TU",
            Weekday::Wed => "WE",
            Weekday::Thu => "TH",
            Weekday::Fri => "FR",
            Weekday::Sat => "SA",
            Weekday::Sun => "SU",
        };
        let day = match self.day {
            DayRule::Last(w) => format!("BYDAY=-1{}", wd(w)),
            DayRule::Nth(n, w) => format!("BYDAY={n}{}", wd(w)),
            DayRule::OnOrAfter(d, w) => {
                let days: Vec<String> = (d..d + 7).map(|x| x.to_string()).collect();
                format!("BYDAY={};BYMONTHDAY={}", wd(w), days.join(","))
            }
            DayRule::Fixed(d) => format!("BYMONTHDAY={d}"),
        };
        format!("FREQ=YEARLY;BYMONTH={};{day}", self.month)
    }
}

/// The longest run of latest onsets (one a year, consecutive years, the last within
/// a year of `window_end`) that one yearly rule describes; at least
/// [`MIN_RULE_ONSETS`] onsets, so that a coincidence of two irregular years is not
/// taken for a rule.
fn yearly_tail(onsets: &[NaiveDateTime], window_end: NaiveDateTime) -> Option<YearlyPattern> {
    let last = *onsets.last()?;
    if window_end - last > chrono::Duration::days(366) {
        return None;
    }
    let mut rules = day_rules(last);
    let mut first = onsets.len() - 1;
    while first > 0 {
        let earlier = onsets[first - 1];
        let later = onsets[first];
        if earlier.year() + 1 != later.year()
            || earlier.month() != last.month()
            || earlier.time() != last.time()
        {
            break;
        }
        let theirs = day_rules(earlier);
        let kept: Vec<DayRule> = rules
            .iter()
            .copied()
            .filter(|r| theirs.contains(r))
            .collect();
        if kept.is_empty() {
            break;
        }
        rules = kept;
        first -= 1;
    }
    if onsets.len() - first < MIN_RULE_ONSETS {
        return None;
    }
    // Preference: the forms real definitions use, most specific last.
    let pick = rules
        .iter()
        .find(|r| matches!(r, DayRule::Last(_)))
        .or_else(|| rules.iter().find(|r| matches!(r, DayRule::Nth(..))))
        .or_else(|| rules.iter().find(|r| matches!(r, DayRule::Fixed(_))))
        .or_else(|| {
            // The latest D that fits: the rule's own day when the window saw it all.
            rules
                .iter()
                .rev()
                .find(|r| matches!(r, DayRule::OnOrAfter(..)))
        })
        .copied()?;
    Some(YearlyPattern {
        first,
        month: last.month(),
        day: pick,
    })
}

/// `+HHMM`, or `+HHMMSS` when seconds are not zero.
pub(crate) fn format_offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    let (h, m, s) = (a / 3600, a % 3600 / 60, a % 60);
    if s == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{s:02}")
    }
}

fn observance(
    daylight: bool,
    from: i32,
    to: &Observed,
    dtstart: NaiveDateTime,
) -> Component<'static> {
    let mut c = Component::new(if daylight { "DAYLIGHT" } else { "STANDARD" });
    c.push("DTSTART", Vec::new(), format_local(dtstart))
        .push("TZOFFSETFROM", Vec::new(), format_offset(from))
        .push("TZOFFSETTO", Vec::new(), format_offset(to.offset));
    if let Some(name) = &to.name {
        c.push_text("TZNAME", name.clone());
    }
    c
}

/// A VTIMEZONE named `tzid` describing `zone` over `[from, to)` (UTC seconds; see the
/// module docs for the window's meaning).
pub fn vtimezone(tzid: &str, zone: &Zone, from: i64, to: i64) -> Component<'static> {
    let max = MAX_WINDOW_YEARS * 366 * 86_400;
    let to = to.clamp(from, from.saturating_add(max));
    let found = changes(zone, from, to);
    let mut tz = Component::new("VTIMEZONE");
    tz.push_text("TZID", tzid.to_owned());
    if found.is_empty() {
        let now = observe(zone, from);
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)
            .unwrap_or_default()
            .and_time(NaiveTime::MIN);
        let at_from = DateTime::from_timestamp(from + i64::from(now.offset), 0)
            .map(|d| d.naive_utc())
            .unwrap_or(epoch);
        let daylight = now.dst > 0;
        tz.push_child(observance(daylight, now.offset, &now, at_from.min(epoch)));
        return tz;
    }
    let window_end = DateTime::from_timestamp(to, 0)
        .map(|d| d.naive_utc())
        .unwrap_or_default();
    // Groups in order of first appearance.
    let mut order: Vec<(bool, i32, Observed)> = Vec::new();
    let mut groups: HashMap<(bool, i32, Observed), Vec<NaiveDateTime>> = HashMap::new();
    for c in &found {
        let key = (c.to.daylight_after(&c.from), c.from.offset, c.to.clone());
        let onsets = groups.entry(key.clone()).or_default();
        if onsets.is_empty() {
            order.push(key);
        }
        onsets.push(c.onset);
    }
    let mut observances: Vec<(NaiveDateTime, Component<'static>)> = Vec::new();
    for key in order {
        let Some(onsets) = groups.get(&key) else {
            continue;
        };
        let (daylight, from_offset, to) = &key;
        let tail = yearly_tail(onsets, window_end);
        let listed_until = tail.as_ref().map_or(onsets.len(), |t| t.first);
        if let Some((first, rest)) = onsets[..listed_until].split_first() {
            let mut c = observance(*daylight, *from_offset, to, *first);
            if !rest.is_empty() {
                let dates: Vec<String> = rest.iter().map(|t| format_local(*t)).collect();
                c.push("RDATE", Vec::new(), dates.join(","));
            }
            observances.push((*first, c));
        }
        if let Some(tail) = tail {
            let start = onsets[tail.first];
            let mut c = observance(*daylight, *from_offset, to, start);
            c.push("RRULE", Vec::new(), tail.rrule());
            observances.push((start, c));
        }
    }
    observances.sort_by_key(|(start, _)| *start);
    for (_, c) in observances {
        tz.push_child(c);
    }
    tz
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tz::CustomZone;
    use chrono::Timelike;
    use std::str::FromStr;

    fn utc(y: i32, m: u32, d: u32) -> i64 {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_time(NaiveTime::MIN)
            .and_utc()
            .timestamp()
    }

    fn naive(secs: i64) -> NaiveDateTime {
        DateTime::from_timestamp(secs, 0).unwrap().naive_utc()
    }

    /// The definition written for `name` over 2025..2036, read back by our own
    /// VTIMEZONE support.
    fn read_back(name: &str) -> (Zone, CustomZone, String) {
        let tz = chrono_tz::Tz::from_str(name).unwrap();
        let zone = Zone::Iana(tz);
        let component = vtimezone(name, &zone, utc(2025, 1, 1), utc(2036, 1, 1));
        let text = component.to_ics();
        let (parsed, _, diags) = crate::ics::parse_all(text.as_bytes());
        assert!(diags.is_empty(), "{diags:?}");
        let custom = CustomZone::from_vtimezone(&parsed[0]).unwrap();
        (zone, custom, text)
    }

    /// Offsets agree at every sample and one second around every change, inside the
    /// window and (rules) long after it.
    fn agrees(name: &str) -> String {
        let (zone, custom, text) = read_back(name);
        let mut instants: Vec<i64> = (0..)
            .map(|i| utc(2025, 1, 1) + i * 3 * 3600)
            .take_while(|t| *t < utc(2036, 1, 1))
            .collect();
        for c in changes(&zone, utc(2025, 1, 1), utc(2036, 1, 1)) {
            let at = c.onset.and_utc().timestamp() - i64::from(c.from.offset);
            instants.extend([at - 1, at, at + 1]);
        }
        for t in instants {
            assert_eq!(
                custom.offset_at_utc(naive(t)),
                zone.offset_at_utc(naive(t)),
                "{name} at {}\n{text}",
                naive(t)
            );
        }
        text
    }

    #[test]
    fn berlin_is_written_as_two_yearly_rules() {
        let text = agrees("Europe/Berlin");
        assert!(
            text.contains("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"),
            "{text}"
        );
        assert!(
            text.contains("RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"),
            "{text}"
        );
        assert!(text.contains("TZNAME:CEST") && text.contains("TZNAME:CET"));
        assert!(text.contains("BEGIN:DAYLIGHT\r\nDTSTART:20250330T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200"), "{text}");
        assert!(!text.contains("RDATE"), "{text}");
        // The rules keep going after the window.
        let (zone, custom, _) = read_back("Europe/Berlin");
        for t in [utc(2050, 3, 31), utc(2050, 10, 31), utc(2077, 7, 1)] {
            assert_eq!(custom.offset_at_utc(naive(t)), zone.offset_at_utc(naive(t)));
        }
    }

    #[test]
    fn new_york_uses_nth_weekdays() {
        let text = agrees("America/New_York");
        assert!(text.contains("BYMONTH=3;BYDAY=2SU"), "{text}");
        assert!(text.contains("BYMONTH=11;BYDAY=1SU"), "{text}");
    }

    #[test]
    fn lord_howe_has_half_hour_daylight_saving() {
        let text = agrees("Australia/Lord_Howe");
        assert!(
            text.contains("TZOFFSETFROM:+1030\r\nTZOFFSETTO:+1100"),
            "{text}"
        );
    }

    #[test]
    fn kolkata_has_one_standard_observance() {
        let text = agrees("Asia/Kolkata");
        assert_eq!(text.matches("BEGIN:STANDARD").count(), 1, "{text}");
        assert!(!text.contains("DAYLIGHT"));
        assert!(
            text.contains("TZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530"),
            "{text}"
        );
        assert!(text.contains("TZNAME:IST"), "{text}");
    }

    #[test]
    fn irregular_and_southern_zones_agree_too() {
        let dublin = agrees("Europe/Dublin");
        assert!(
            dublin.contains("BEGIN:DAYLIGHT\r\nDTSTART:20250330T010000\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nTZNAME:IST"),
            "{dublin}"
        );
        for name in [
            "Australia/Sydney",
            "America/Santiago",
            "Asia/Jerusalem",
            "Africa/Casablanca",
            "Pacific/Chatham",
            "America/St_Johns",
            "UTC",
        ] {
            agrees(name);
        }
    }

    #[test]
    fn changes_are_found_to_the_second() {
        let tz = chrono_tz::Tz::from_str("Europe/Berlin").unwrap();
        let found = changes(&Zone::Iana(tz), utc(2026, 1, 1), utc(2027, 1, 1));
        assert_eq!(found.len(), 2);
        // 2026-03-29 01:00:00 UTC = 02:00 local before the change.
        assert_eq!(found[0].onset.to_string(), "2026-03-29 02:00:00");
        assert_eq!((found[1].onset.hour(), found[1].onset.minute()), (3, 0));
        assert_eq!(format_offset(-(4 * 3600 + 30 * 60)), "-0430");
        assert_eq!(format_offset(3600 + 7), "+010007");
    }
}
