//! Trying a feed before subscribing ("Test" in the settings window), and the built-in
//! sample calendar a newcomer can explore offline.
//!
//! A preview fetches and parses like a sync but stores nothing: a wrong URL, a login
//! page or a broken file is reported before anything is saved.

use chrono::{DateTime, Local, NaiveDateTime, Utc};
use traycal_core::calendar::load_calendar;
use traycal_core::event::ItemKind;
use traycal_core::expand::{expand_items, ExpandOptions, TimeContext, TimeKind, Window};
use traycal_providers::{FeedUrl, FetchOptions, FetchOutcome};

use crate::agenda::place;
use crate::error::{EngineError, Result};
use crate::sources::{AddIcs, SourceInfo, DEFAULT_MAX_BYTES};
use crate::Engine;

/// How far ahead a preview counts upcoming occurrences.
const PREVIEW_DAYS: i64 = 30;
/// How many upcoming occurrences a preview lists.
const PREVIEW_FIRST: usize = 5;
/// The sample calendar's file in the data directory.
pub const SAMPLE_FILE: &str = "sample-calendar.ics";
/// The sample calendar's name.
pub const SAMPLE_NAME: &str = "Traycal sample";

/// One upcoming occurrence in a preview.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PreviewEvent {
    pub summary: String,
    /// In the user's zone, or `YYYY-MM-DD` for all-day events.
    pub start: String,
    pub all_day: bool,
}

/// What a feed holds, before subscribing.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, serde::Serialize)]
pub struct FeedPreview {
    /// The URL's short form, as it will be shown.
    pub url: String,
    /// `X-WR-CALNAME`, or a name from the URL.
    pub suggested_name: String,
    /// Events in the feed (components, overrides included).
    pub events: u64,
    /// Occurrences in the coming 30 days.
    pub upcoming: u64,
    /// The first few of those.
    pub first: Vec<PreviewEvent>,
    /// Problems in the feed that a sync would work around.
    pub diagnostics: Vec<String>,
}

impl Engine {
    /// Fetches and parses a feed without storing anything.
    pub async fn preview_ics(&self, url: &str) -> Result<FeedPreview> {
        let feed_url = FeedUrl::parse(&crate::sources::feed_address(url)?)?;
        let opts = FetchOptions {
            max_bytes: DEFAULT_MAX_BYTES,
            ..FetchOptions::default()
        };
        let body = match self.feed.fetch(&feed_url, &opts).await? {
            FetchOutcome::Body(body) => body.into_calendar()?,
            // No validators were sent, so a 304 is a broken server.
            FetchOutcome::NotModified => {
                return Err(EngineError::InvalidInput(
                    "the server answered 304 Not Modified to a plain request".into(),
                ))
            }
        };
        let now = self.now();
        let prepared = traycal_core::ics::parser::prepare_input(&body.bytes);
        let mut cal = load_calendar(&prepared, &[ItemKind::Event]);
        if cal.is_empty_of_calendar_data() {
            return Err(EngineError::InvalidInput(
                "the answer holds no calendar data".into(),
            ));
        }
        let window = Window {
            from: now,
            to: now + PREVIEW_DAYS * 86_400,
        };
        let calendar_zone = cal.calendar_zone.clone();
        let mut tc = TimeContext::new(&mut cal.resolver, calendar_zone);
        let expansion = expand_items(&cal.items, &mut tc, &ExpandOptions::new(window));
        let mut upcoming: Vec<(i64, PreviewEvent)> = expansion
            .occurrences
            .iter()
            .filter_map(|o| {
                let all_day = o.start.kind == TimeKind::Date;
                let floating = o.start.kind == TimeKind::Floating;
                let (start, end) = place(all_day, floating, o.start.secs, o.end.secs);
                // Wall-time rows were compared as if UTC: place them, then filter exactly.
                if !window.overlaps(start.instant, end.instant) {
                    return None;
                }
                let summary = cal.items[o.item]
                    .summary
                    .as_deref()
                    .unwrap_or("(no title)")
                    .to_string();
                Some((
                    start.instant,
                    PreviewEvent {
                        summary,
                        start: start.text,
                        all_day,
                    },
                ))
            })
            .collect();
        upcoming.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.summary.cmp(&b.1.summary)));
        let mut diagnostics: Vec<String> = cal
            .diagnostics
            .iter()
            .map(crate::sync::diagnostic_line)
            .collect();
        diagnostics.extend(expansion.diagnostics.iter().cloned());
        let suggested_name = cal
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| crate::sources::default_name(&feed_url));
        Ok(FeedPreview {
            url: feed_url.masked(),
            suggested_name,
            events: cal.items.len() as u64,
            upcoming: upcoming.len() as u64,
            first: upcoming
                .into_iter()
                .take(PREVIEW_FIRST)
                .map(|(_, e)| e)
                .collect(),
            diagnostics,
        })
    }

    /// Writes the sample calendar (meetings in the coming hours and days, relative to
    /// now) into the data directory and subscribes to it, or returns the existing
    /// subscription.
    pub async fn load_sample(&self) -> Result<SourceInfo> {
        let path = self.data_dir().join(SAMPLE_FILE);
        let now = DateTime::<Utc>::from_timestamp(self.now(), 0).unwrap_or_default();
        let text = sample_calendar(now);
        tokio::fs::write(&path, text).await.map_err(|e| {
            EngineError::InvalidInput(format!("cannot write {}: {e}", path.display()))
        })?;
        // From the path, not by pasting it after "file://": a data dir with a space,
        // `#` or `?` in its path must still name this file.
        let url = url::Url::from_file_path(&path)
            .map_err(|()| {
                EngineError::InvalidInput(format!("{} is not an absolute path", path.display()))
            })?
            .to_string();
        let shown = FeedUrl::parse(&url)?.masked();
        if let Some(existing) = self.sources().await?.into_iter().find(|s| s.url == shown) {
            return Ok(existing);
        }
        self.add_ics(AddIcs {
            url,
            name: Some(SAMPLE_NAME.into()),
            color: Some("#2f855a".into()),
            ..AddIcs::default()
        })
        .await
    }
}

/// The sample calendar as of `now`, in the user's zone (see [`sample_calendar_at`]).
pub fn sample_calendar(now: DateTime<Utc>) -> String {
    let local = now.with_timezone(&Local).naive_local();
    sample_calendar_at(local, now)
}

/// The sample calendar for a user whose wall clock reads `local`: our own data (no
/// feed's), a plausible working day. Meetings are at ordinary hours on working days
/// (today when it is a weekday before 4 PM, else the next weekday): a daily stand-up,
/// a design review, lunch, a customer call, sprint planning the working day after,
/// and an all-day offsite; with join links, attendees and a description that shows
/// how text is displayed. Times are floating (no zone), so they stay at those hours
/// wherever the user is and across DST. `stamp` is the DTSTAMP. Written through the
/// ICS writer, so its text is escaped and folded as any event Traycal writes.
pub fn sample_calendar_at(local: NaiveDateTime, stamp: DateTime<Utc>) -> String {
    use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
    use traycal_core::ics::{Component, Param};
    let weekday = |d: NaiveDate| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
    let next_weekday = |mut d: NaiveDate| loop {
        d = d.succ_opt().unwrap_or(d);
        if weekday(d) {
            return d;
        }
    };
    let today = local.date();
    let late = local.time() >= NaiveTime::from_hms_opt(16, 0, 0).unwrap_or_default();
    let day = if weekday(today) && !late {
        today
    } else {
        next_weekday(today)
    };
    let day_after = next_weekday(day);
    let offsite = next_weekday(day_after);
    let at = |d: NaiveDate, h: u32, m: u32| {
        d.and_hms_opt(h, m, 0)
            .unwrap_or_default()
            .format("%Y%m%dT%H%M%S")
            .to_string()
    };
    let dtstamp = stamp.format("%Y%m%dT%H%M%SZ").to_string();
    let event = |uid: &str, start: String, end: String, summary: &str| {
        let mut event = Component::new("VEVENT");
        event
            .push("UID", vec![], format!("{uid}@sample.traycal"))
            .push("DTSTAMP", vec![], dtstamp.clone())
            .push("DTSTART", vec![], start)
            .push("DTEND", vec![], end)
            .push_text("SUMMARY", summary.to_string());
        event
    };
    let person = |name: &'static str, address: &'static str, partstat: &'static str| {
        (
            vec![Param::new("CN", name), Param::new("PARTSTAT", partstat)],
            format!("mailto:{address}"),
        )
    };

    let mut calendar = Component::new("VCALENDAR");
    calendar
        .push("VERSION", vec![], "2.0")
        .push("PRODID", vec![], "-//Traycal//Sample calendar//EN")
        .push_text("X-WR-CALNAME", SAMPLE_NAME);

    let mut standup = event("standup", at(day, 9, 30), at(day, 9, 45), "Daily stand-up");
    standup
        .push("RRULE", vec![], "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=20")
        .push_text("LOCATION", "https://meet.jit.si/traycal-standup");
    calendar.push_child(standup);

    let mut review = event(
        "design-review",
        at(day, 11, 0),
        at(day, 11, 45),
        "Design review",
    );
    review
        .push_text("LOCATION", "https://meet.google.com/abc-defg-hij")
        .push_text(
            "DESCRIPTION",
            "Walk through the new agenda window.\nBring screenshots.",
        )
        .push(
            "ORGANIZER",
            vec![Param::new("CN", "Ada Lovelace")],
            "mailto:ada@example.org",
        );
    for (mut params, address, chair) in [
        (person("Ada Lovelace", "ada@example.org", "ACCEPTED"), true),
        (
            person("Alan Turing", "alan@example.org", "TENTATIVE"),
            false,
        ),
        (
            person("Grace Hopper", "grace@example.org", "DECLINED"),
            false,
        ),
    ]
    .map(|((params, address), chair)| (params, address, chair))
    {
        if chair {
            params.push(Param::new("ROLE", "CHAIR"));
        }
        review.push("ATTENDEE", params, address);
    }
    calendar.push_child(review);

    let mut lunch = event("lunch", at(day, 12, 30), at(day, 13, 30), "Lunch with Sam");
    lunch
        .push_text("LOCATION", "Café Central")
        .push("TRANSP", vec![], "TRANSPARENT");
    calendar.push_child(lunch);

    let mut call = event(
        "customer-call",
        at(day, 14, 0),
        at(day, 14, 30),
        "Customer call",
    );
    call.push_text("LOCATION", "Zoom").push_text(
        "DESCRIPTION",
        "Join Zoom Meeting\nhttps://us02web.zoom.us/j/85412345678?pwd=c2FtcGxl\n\n\
         Meeting ID: 854 1234 5678\nPasscode: 424242\n\n\
         Dial by your location\n+1 646 558 8656 US (New York)",
    );
    calendar.push_child(call);

    let mut planning = event(
        "planning",
        at(day_after, 10, 0),
        at(day_after, 11, 0),
        "Sprint planning",
    );
    planning
        .push_text(
            "LOCATION",
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_sample%40thread.v2/0",
        )
        .push_text(
            "DESCRIPTION",
            "Plain text only: <b>tags</b> are shown as written.",
        );
    calendar.push_child(planning);

    let date = |d: NaiveDate| d.format("%Y%m%d").to_string();
    let mut offsite_day = Component::new("VEVENT");
    offsite_day
        .push("UID", vec![], "offsite@sample.traycal")
        .push("DTSTAMP", vec![], dtstamp.clone())
        .push("DTSTART", vec![Param::new("VALUE", "DATE")], date(offsite))
        .push(
            "DTEND",
            vec![Param::new("VALUE", "DATE")],
            date(offsite.succ_opt().unwrap_or(offsite)),
        )
        .push_text("SUMMARY", "Team offsite")
        .push("TRANSP", vec![], "TRANSPARENT");
    calendar.push_child(offsite_day);

    calendar.to_ics()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (summary, local start) of every timed component, from the sample written at
    /// the wall time `local`.
    fn timed(local: &str) -> Vec<(String, NaiveDateTime)> {
        let local = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
        let text = sample_calendar_at(local, Utc::now());
        let prepared = traycal_core::ics::parser::prepare_input(text.as_bytes());
        let cal = load_calendar(&prepared, &[ItemKind::Event]);
        assert!(cal.diagnostics.is_empty(), "{:?}", cal.diagnostics);
        assert_eq!(cal.items.len(), 6);
        assert_eq!(cal.name.as_deref(), Some("Traycal sample"));
        cal.items
            .iter()
            .filter_map(|i| match i.start.as_ref()?.value {
                traycal_core::value::DateOrTime::DateTime { local, utc: false } => {
                    Some((i.summary.as_deref().unwrap_or_default().to_string(), local))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_sample_is_written_as_rfc_5545_text() {
        let local = NaiveDateTime::parse_from_str("2026-11-18 08:10", "%Y-%m-%d %H:%M").unwrap();
        let text = sample_calendar_at(local, Utc::now());
        // CRLF everywhere, folded: no line over 75 octets.
        for line in text.split("\r\n") {
            assert!(!line.contains('\n'), "a bare LF in {line:?}");
            assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        }
        let prepared = traycal_core::ics::parser::prepare_input(text.as_bytes());
        let cal = load_calendar(&prepared, &[ItemKind::Event]);
        assert!(cal.diagnostics.is_empty(), "{:?}", cal.diagnostics);
        let call = cal
            .items
            .iter()
            .find(|i| i.summary.as_deref() == Some("Customer call"))
            .unwrap();
        let description = call.description.as_deref().unwrap();
        assert!(
            description.contains("\nMeeting ID: 854 1234 5678\nPasscode: 424242\n"),
            "{description:?}"
        );
        let review = cal
            .items
            .iter()
            .find(|i| i.summary.as_deref() == Some("Design review"))
            .unwrap();
        let raw = std::str::from_utf8(&prepared[review.span.clone()]).unwrap();
        assert_eq!(raw.matches("ATTENDEE;").count(), 3, "{raw}");
        assert!(raw.contains("ROLE=CHAIR"), "{raw}");
    }

    #[test]
    fn the_sample_is_a_plausible_working_day() {
        use chrono::{Datelike, Timelike, Weekday};
        // A Sunday night, a Friday evening, a Wednesday morning.
        for (now, day) in [
            ("2026-11-22 23:40", "2026-11-23"),
            ("2026-11-20 18:00", "2026-11-23"),
            ("2026-11-18 08:10", "2026-11-18"),
        ] {
            let events = timed(now);
            assert_eq!(events.len(), 5, "{now}");
            for (summary, start) in &events {
                assert!(
                    !matches!(start.weekday(), Weekday::Sat | Weekday::Sun),
                    "{summary} on a weekend ({now})"
                );
                assert!(
                    (9..=14).contains(&start.hour()) || summary == "Sprint planning",
                    "{summary} at {start} ({now})"
                );
            }
            let lunch = events.iter().find(|(s, _)| s == "Lunch with Sam").unwrap();
            assert_eq!(
                lunch.1.format("%Y-%m-%d %H:%M").to_string(),
                format!("{day} 12:30")
            );
        }
    }
}
