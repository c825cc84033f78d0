//! The event's own alarms (VALARM), as triggers the planner can place on each
//! occurrence.
//!
//! What counts: `ACTION:DISPLAY` and `ACTION:AUDIO` (and an alarm without ACTION,
//! leniently); `EMAIL`, `PROCEDURE` and vendor actions are someone else's job. A
//! relative TRIGGER is an offset from the start, or from the end with `RELATED=END`;
//! `VALUE=DATE-TIME` is an absolute instant (a floating one is read as UTC, the RFC
//! requires UTC). `REPEAT`/`DURATION` add the repetitions.
//!
//! Bounded: at most [`MAX_TRIGGERS`] triggers per event and [`MAX_REPEAT`] repetitions
//! per alarm, whatever the input says.

use serde::{Deserialize, Serialize};

use crate::ics::Component;
use crate::value::{parse_datetime, parse_duration};

/// Most triggers kept per event (a hostile invite could carry thousands of alarms).
pub const MAX_TRIGGERS: usize = 16;

/// Most repetitions honoured per alarm.
pub const MAX_REPEAT: i64 = 10;

/// When an alarm fires, relative to an occurrence or absolute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmTrigger {
    /// Seconds after the start (negative: before), e.g. `-PT15M` = -900.
    Start(i64),
    /// Seconds after the end (`RELATED=END`).
    End(i64),
    /// An absolute instant, Unix seconds.
    At(i64),
}

impl AlarmTrigger {
    /// The instant the alarm fires for an occurrence `[start, end)`.
    pub fn fire_at(self, start: i64, end: i64) -> i64 {
        match self {
            AlarmTrigger::Start(offset) => start.saturating_add(offset),
            AlarmTrigger::End(offset) => end.saturating_add(offset),
            AlarmTrigger::At(at) => at,
        }
    }

    fn shifted(self, by: i64) -> AlarmTrigger {
        match self {
            AlarmTrigger::Start(o) => AlarmTrigger::Start(o.saturating_add(by)),
            AlarmTrigger::End(o) => AlarmTrigger::End(o.saturating_add(by)),
            AlarmTrigger::At(t) => AlarmTrigger::At(t.saturating_add(by)),
        }
    }
}

/// The DISPLAY/AUDIO alarm triggers of an event component, in input order, without
/// duplicates. Unreadable triggers are skipped (one bad alarm never hides the others).
pub fn alarm_triggers(event: &Component<'_>) -> Vec<AlarmTrigger> {
    let mut out: Vec<AlarmTrigger> = Vec::new();
    for alarm in event.children_named("VALARM") {
        let notifies = alarm.prop("ACTION").is_none_or(|a| {
            let action = a.value.trim();
            action.eq_ignore_ascii_case("DISPLAY") || action.eq_ignore_ascii_case("AUDIO")
        });
        if !notifies {
            continue;
        }
        let Some(first) = alarm.prop("TRIGGER").and_then(read_trigger) else {
            continue;
        };
        let repeat = alarm
            .prop("REPEAT")
            .and_then(|r| r.value.trim().parse::<i64>().ok())
            .unwrap_or(0)
            .clamp(0, MAX_REPEAT);
        let every = alarm
            .prop("DURATION")
            .and_then(|d| parse_duration(&d.value).ok())
            .map(|d| d.as_wall().num_seconds())
            .filter(|s| *s > 0);
        let repeats = every.map_or(0, |_| repeat);
        for n in 0..=repeats {
            let trigger = first.shifted(n * every.unwrap_or(0));
            if out.len() == MAX_TRIGGERS {
                return out;
            }
            if !out.contains(&trigger) {
                out.push(trigger);
            }
        }
    }
    out
}

fn read_trigger(p: &crate::ics::Property<'_>) -> Option<AlarmTrigger> {
    let value = p.value.trim();
    let absolute = p
        .param("VALUE")
        .is_some_and(|v| v.eq_ignore_ascii_case("DATE-TIME"))
        || value.as_bytes().get(8) == Some(&b'T');
    if absolute {
        let (local, _utc) = parse_datetime(value).ok()?;
        return Some(AlarmTrigger::At(local.and_utc().timestamp()));
    }
    // Triggers are kept as offsets in seconds from an instant, so a day counts as
    // 24 hours here (a `-P1D` reminder across a DST change fires 24 h before).
    let offset = parse_duration(value).ok()?.as_wall().num_seconds();
    let related_end = p
        .param("RELATED")
        .is_some_and(|r| r.eq_ignore_ascii_case("END"));
    Some(if related_end {
        AlarmTrigger::End(offset)
    } else {
        AlarmTrigger::Start(offset)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ics::parse_all;

    fn triggers(alarms: &str) -> Vec<AlarmTrigger> {
        let text =
            format!("BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260302T090000Z\r\n{alarms}END:VEVENT\r\n");
        let (components, _, _) = parse_all(text.as_bytes());
        alarm_triggers(&components[0])
    }

    fn valarm(lines: &str) -> String {
        format!("BEGIN:VALARM\r\n{lines}END:VALARM\r\n")
    }

    #[test]
    fn relative_triggers_on_start_and_end() {
        let got = triggers(&format!(
            "{}{}{}",
            valarm("ACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:x\r\n"),
            valarm("ACTION:AUDIO\r\nTRIGGER;RELATED=START:-P1D\r\n"),
            valarm("ACTION:DISPLAY\r\nTRIGGER;RELATED=END:-PT5M\r\n"),
        ));
        assert_eq!(
            got,
            vec![
                AlarmTrigger::Start(-900),
                AlarmTrigger::Start(-86_400),
                AlarmTrigger::End(-300)
            ]
        );
        assert_eq!(AlarmTrigger::End(-300).fire_at(1000, 4600), 4300);
        assert_eq!(AlarmTrigger::Start(-900).fire_at(1000, 4600), 100);
    }

    #[test]
    fn absolute_trigger() {
        let got = triggers(&valarm(
            "ACTION:DISPLAY\r\nTRIGGER;VALUE=DATE-TIME:20260302T083000Z\r\n",
        ));
        // 2026-03-02 08:30:00 UTC
        assert_eq!(got, vec![AlarmTrigger::At(1_772_440_200)]);
        assert_eq!(AlarmTrigger::At(7).fire_at(1000, 2000), 7);
    }

    #[test]
    fn email_and_procedure_alarms_do_not_count() {
        let got = triggers(&format!(
            "{}{}{}",
            valarm("ACTION:EMAIL\r\nTRIGGER:-PT30M\r\n"),
            valarm("ACTION:PROCEDURE\r\nTRIGGER:-PT20M\r\n"),
            valarm("TRIGGER:-PT10M\r\n"),
        ));
        assert_eq!(got, vec![AlarmTrigger::Start(-600)]);
    }

    #[test]
    fn repeats_duplicates_and_bad_triggers() {
        let got = triggers(&format!(
            "{}{}{}",
            valarm("ACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nREPEAT:2\r\nDURATION:PT5M\r\n"),
            valarm("ACTION:DISPLAY\r\nTRIGGER:-PT5M\r\n"),
            valarm("ACTION:DISPLAY\r\nTRIGGER:soon\r\n"),
        ));
        assert_eq!(
            got,
            vec![
                AlarmTrigger::Start(-600),
                AlarmTrigger::Start(-300),
                AlarmTrigger::Start(0)
            ]
        );
    }

    #[test]
    fn triggers_are_bounded() {
        let many: String = (1..=40)
            .map(|m| valarm(&format!("ACTION:DISPLAY\r\nTRIGGER:-PT{m}M\r\n")))
            .collect();
        assert_eq!(triggers(&many).len(), MAX_TRIGGERS);
        let repeated =
            valarm("ACTION:DISPLAY\r\nTRIGGER:-PT1H\r\nREPEAT:1000\r\nDURATION:PT1M\r\n");
        assert_eq!(triggers(&repeated).len(), MAX_REPEAT as usize + 1);
    }
}
