//! The bounds of an RRULE (UNTIL, COUNT), read in a series' wall time and written
//! back in the form RFC 5545 3.3.10 requires: a DATE for all-day series, UTC for
//! zoned and UTC series, local time for floating ones. Every other rule part is kept
//! as written, in its order.

use chrono::{NaiveDateTime, NaiveTime};

use crate::recur::{RecurRule, Until};

use super::draft::{format_date, format_local};
use super::times::TimeForm;

/// `rule` (an RRULE value) with its UNTIL and COUNT replaced by `until` and `count`
/// (`None` removes the part).
pub(crate) fn with_bounds(rule: &str, until: Option<&str>, count: Option<u32>) -> String {
    let mut parts: Vec<String> = rule
        .split(';')
        .map(str::trim)
        .filter(|part| {
            let key = part.split('=').next().unwrap_or_default().trim();
            !part.is_empty()
                && !key.eq_ignore_ascii_case("UNTIL")
                && !key.eq_ignore_ascii_case("COUNT")
        })
        .map(str::to_owned)
        .collect();
    if let Some(until) = until {
        parts.push(format!("UNTIL={until}"));
    }
    if let Some(count) = count {
        parts.push(format!("COUNT={count}"));
    }
    parts.join(";")
}

/// `rule` with the value of its UNTIL part replaced by `until`, in its place (the
/// other parts as written); a rule without UNTIL is returned as it is.
pub(crate) fn replace_until(rule: &str, until: &str) -> String {
    rule.split(';')
        .map(|part| {
            let key = part.split('=').next().unwrap_or_default().trim();
            if key.eq_ignore_ascii_case("UNTIL") {
                format!("UNTIL={until}")
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// The rule's UNTIL as wall time of a series written in `form` (a DATE on a timed
/// series includes its whole day, as expansion reads it).
pub(crate) fn until_wall(rule: &RecurRule, form: &TimeForm) -> Option<NaiveDateTime> {
    Some(match rule.until? {
        Until::Utc(u) => form.wall_of_utc(u),
        Until::Local(l) => l,
        Until::Date(d) => match form {
            TimeForm::Date => d.and_time(NaiveTime::MIN),
            _ => d.and_hms_opt(23, 59, 59)?,
        },
    })
}

/// An UNTIL value for the series' wall time `wall`, in the form `form` requires.
pub(crate) fn until_value(form: &TimeForm, wall: NaiveDateTime) -> String {
    match form {
        TimeForm::Date => format_date(wall.date()),
        TimeForm::Utc => format!("{}Z", format_local(wall)),
        TimeForm::Zoned { zone, .. } => format!("{}Z", format_local(zone.local_to_utc(wall))),
        TimeForm::Floating { .. } => format_local(wall),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tz::{iana_zone, Zone};

    #[test]
    fn bounds_are_replaced_and_other_parts_kept() {
        assert_eq!(
            with_bounds(
                "FREQ=WEEKLY;BYDAY=MO;COUNT=10",
                Some("20260401T070000Z"),
                None
            ),
            "FREQ=WEEKLY;BYDAY=MO;UNTIL=20260401T070000Z"
        );
        assert_eq!(
            with_bounds("freq=daily;until=20260101;x-foo=1;", None, Some(3)),
            "freq=daily;x-foo=1;COUNT=3"
        );
    }

    #[test]
    fn until_is_replaced_in_its_place() {
        assert_eq!(
            replace_until("FREQ=DAILY;UNTIL=20260701;BYHOUR=9", "20260701T215959Z"),
            "FREQ=DAILY;UNTIL=20260701T215959Z;BYHOUR=9"
        );
        assert_eq!(replace_until("FREQ=DAILY", "20260701"), "FREQ=DAILY");
    }

    #[test]
    fn until_is_read_and_written_in_the_series_form() {
        let berlin = TimeForm::Zoned {
            tzid: "Europe/Berlin".into(),
            zone: Zone::Iana(iana_zone("Europe/Berlin").unwrap()),
        };
        let rule = RecurRule::parse("FREQ=DAILY;UNTIL=20260701T070000Z").unwrap();
        let wall = until_wall(&rule, &berlin).unwrap();
        assert_eq!(wall.to_string(), "2026-07-01 09:00:00");
        assert_eq!(until_value(&berlin, wall), "20260701T070000Z");
        assert_eq!(until_value(&TimeForm::Date, wall), "20260701");
        let floating = TimeForm::Floating {
            calendar_zone: None,
        };
        assert_eq!(until_value(&floating, wall), "20260701T090000");
        let date_rule = RecurRule::parse("FREQ=DAILY;UNTIL=20260701").unwrap();
        assert_eq!(
            until_wall(&date_rule, &berlin).unwrap().to_string(),
            "2026-07-01 23:59:59"
        );
    }
}
