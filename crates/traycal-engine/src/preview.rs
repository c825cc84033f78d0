//! Trying a feed before subscribing ("Test" in the settings window), and the built-in
//! sample calendar a newcomer can explore offline.
//!
//! A preview fetches and parses like a sync but stores nothing: a wrong URL, a login
//! page or a broken file is reported before anything is saved.

use chrono::{DateTime, Duration, Local, TimeZone, Utc};
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

/// The sample calendar as of `now`: our own data (no feed's), with meetings with
/// join links in the coming hours, a daily stand-up, an all-day event and a
/// description that shows how text is displayed.
pub fn sample_calendar(now: DateTime<Utc>) -> String {
    let local = now.with_timezone(&Local);
    // Next quarter hour, in the user's zone.
    let minute = local.timestamp() / 60;
    let next_quarter = (minute / 15 + 1) * 15 * 60;
    let base = Utc.timestamp_opt(next_quarter, 0).single().unwrap_or(now);
    let stamp = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    let today = local.date_naive();
    let date = |d: chrono::NaiveDate| d.format("%Y%m%d").to_string();
    let mut out = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Traycal//Sample calendar//EN\r\nX-WR-CALNAME:Traycal sample\r\n",
    );
    let mut event = |uid: &str, start: DateTime<Utc>, minutes: i64, lines: &[String]| {
        out.push_str("BEGIN:VEVENT\r\n");
        out.push_str(&format!("UID:{uid}@sample.traycal\r\n"));
        out.push_str(&format!("DTSTAMP:{}\r\n", stamp(now)));
        out.push_str(&format!("DTSTART:{}\r\n", stamp(start)));
        out.push_str(&format!(
            "DTEND:{}\r\n",
            stamp(start + Duration::minutes(minutes))
        ));
        for l in lines {
            out.push_str(l);
            out.push_str("\r\n");
        }
        out.push_str("END:VEVENT\r\n");
    };
    event(
        "design-review",
        base,
        45,
        &[
            "SUMMARY:Design review".into(),
            "LOCATION:https://meet.google.com/abc-defg-hij".into(),
            "DESCRIPTION:Walk through the new agenda window.\\nBring screenshots.".into(),
            "ORGANIZER;CN=Ada Lovelace:mailto:ada@example.org".into(),
            "ATTENDEE;CN=Ada Lovelace;PARTSTAT=ACCEPTED;ROLE=CHAIR:mailto:ada@example.org".into(),
            "ATTENDEE;CN=Alan Turing;PARTSTAT=TENTATIVE:mailto:alan@example.org".into(),
            "ATTENDEE;CN=Grace Hopper;PARTSTAT=DECLINED:mailto:grace@example.org".into(),
        ],
    );
    event(
        "customer-call",
        base + Duration::minutes(60),
        30,
        &[
            "SUMMARY:Customer call".into(),
            "LOCATION:Zoom".into(),
            "DESCRIPTION:Join Zoom Meeting\\nhttps://us02web.zoom.us/j/85412345678?pwd=c2FtcGxl\\n\\nMeeting ID: 854 1234 5678\\nPasscode: 424242\\n\\nDial by your location\\n+1 646 558 8656 US (New York)".into(),
        ],
    );
    event(
        "lunch",
        base + Duration::minutes(150),
        60,
        &[
            "SUMMARY:Lunch with Sam".into(),
            "LOCATION:Café Central".into(),
            "TRANSP:TRANSPARENT".into(),
        ],
    );
    event(
        "planning",
        base + Duration::days(1),
        60,
        &[
            "SUMMARY:Sprint planning".into(),
            "LOCATION:https://teams.microsoft.com/l/meetup-join/19%3ameeting_sample%40thread.v2/0"
                .into(),
            "DESCRIPTION:Plain text only: <b>tags</b> are shown as written.".into(),
        ],
    );
    event(
        "standup",
        base + Duration::hours(20),
        15,
        &[
            "SUMMARY:Daily stand-up".into(),
            "RRULE:FREQ=DAILY;COUNT=30".into(),
            "LOCATION:https://meet.jit.si/traycal-standup".into(),
        ],
    );
    out.push_str(&format!(
        "BEGIN:VEVENT\r\nUID:offsite@sample.traycal\r\nDTSTAMP:{}\r\nDTSTART;VALUE=DATE:{}\r\nDTEND;VALUE=DATE:{}\r\nSUMMARY:Team offsite\r\nTRANSP:TRANSPARENT\r\nEND:VEVENT\r\n",
        stamp(now),
        date(today + Duration::days(2)),
        date(today + Duration::days(3))
    ));
    out.push_str("END:VCALENDAR\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_is_a_valid_calendar_with_meetings_ahead() {
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 9, 7, 0).unwrap();
        let text = sample_calendar(now);
        let prepared = traycal_core::ics::parser::prepare_input(text.as_bytes());
        let cal = load_calendar(&prepared, &[ItemKind::Event]);
        assert!(cal.diagnostics.is_empty(), "{:?}", cal.diagnostics);
        assert_eq!(cal.items.len(), 6);
        assert_eq!(cal.name.as_deref(), Some("Traycal sample"));
        // Every timed meeting starts after now.
        let starts: Vec<i64> = cal
            .items
            .iter()
            .filter_map(|i| i.start.as_ref())
            .filter_map(|s| match s.value {
                traycal_core::value::DateOrTime::DateTime { local, utc: true } => {
                    Some(local.and_utc().timestamp())
                }
                _ => None,
            })
            .collect();
        assert_eq!(starts.len(), 5);
        assert!(starts.iter().all(|s| *s > now.timestamp()));
    }
}
