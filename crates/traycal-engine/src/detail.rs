//! One event in full, for the agenda's detail pane: times in the user's zone and in
//! the event's own zone, organiser and attendees with their replies, the description
//! and the join link.
//!
//! Everything here comes from the component's raw text in the mirror (the mirror's
//! columns hold only what queries need). Text is returned exactly as written (after
//! iCalendar unescaping): a description is data to show as text, never markup to
//! render, so a feed cannot put HTML or script into the app.

use chrono::{DateTime, TimeZone, Utc};
use traycal_core::ics::Component;
use traycal_store::EventId;

use crate::error::{EngineError, Result};
use crate::Engine;

/// An attendee or organiser.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Attendee {
    /// `CN`.
    pub name: Option<String>,
    /// The address without `mailto:`.
    pub email: Option<String>,
    /// `PARTSTAT` (`ACCEPTED`, `DECLINED`, `TENTATIVE`, `NEEDS-ACTION`, …).
    pub partstat: Option<String>,
    /// `ROLE` (`REQ-PARTICIPANT`, `OPT-PARTICIPANT`, `CHAIR`, …).
    pub role: Option<String>,
}

/// Everything the detail pane shows.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, serde::Serialize)]
pub struct EventDetail {
    pub event_id: i64,
    pub uid: String,
    pub summary: String,
    pub location: Option<String>,
    /// As written (unescaped); shown as text, never as HTML.
    pub description: Option<String>,
    pub url: Option<String>,
    pub status: Option<String>,
    /// In the user's zone (RFC 3339), or `YYYY-MM-DD` for all-day events.
    pub start: String,
    pub end: String,
    pub start_utc: i64,
    pub end_utc: i64,
    pub all_day: bool,
    pub floating: bool,
    /// The event's own zone, when it has one.
    pub tzid: Option<String>,
    /// The times in the event's zone, when that zone is known and differs from the
    /// user's at that instant.
    pub start_in_event_zone: Option<String>,
    pub end_in_event_zone: Option<String>,
    pub organizer: Option<Attendee>,
    pub attendees: Vec<Attendee>,
    pub calendar: String,
    pub color: Option<String>,
    pub source_id: i64,
    /// Its calendar.
    pub calendar_id: i64,
    /// A local change of it waits to reach the server ("not yet synced").
    pub pending: bool,
    pub recurring: bool,
    pub join: Option<traycal_core::join::JoinLink>,
}

/// A join link with the event it belongs to.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, serde::Serialize)]
pub struct EventJoin {
    pub event_id: i64,
    pub link: traycal_core::join::JoinLink,
}

/// Most links asked for at once (the tray menu and a week of agenda ask for dozens).
const MAX_JOIN_QUERY: usize = 500;

fn person(component: &Component<'_>, name: &str) -> Vec<Attendee> {
    component
        .props(name)
        .map(|p| {
            let value = p.value.trim();
            let email = value
                .strip_prefix("mailto:")
                .or_else(|| value.strip_prefix("MAILTO:"))
                .unwrap_or(value);
            Attendee {
                name: p.param("CN").map(|s| s.trim_matches('"').to_string()),
                email: (!email.is_empty()).then(|| email.to_string()),
                partstat: p.param("PARTSTAT").map(|s| s.to_ascii_uppercase()),
                role: p.param("ROLE").map(|s| s.to_ascii_uppercase()),
            }
        })
        .collect()
}

/// `secs` in `zone`, when the zone is known and its offset at that instant differs
/// from the user's.
fn in_zone(secs: i64, tzid: &str) -> Option<String> {
    let zone = traycal_core::tz::iana_zone(tzid)?;
    let at = DateTime::<Utc>::from_timestamp(secs, 0)?;
    let there = at.with_timezone(&zone);
    let here = chrono::Local.timestamp_opt(secs, 0).single()?;
    use chrono::Offset;
    if there.offset().fix() == *here.offset() {
        return None;
    }
    Some(there.format("%Y-%m-%dT%H:%M:%S%:z").to_string())
}

impl Engine {
    /// The details of a stored component. `occurrence_start` (the agenda entry's
    /// `start_utc`) places a recurring event's details on the occurrence the user
    /// picked.
    pub async fn event_detail(
        &self,
        event_id: i64,
        occurrence_start: Option<i64>,
    ) -> Result<EventDetail> {
        let catalogue = self.catalogue()?;
        let (row, calendar, pending) = self
            .with_mirror(move |m| {
                let row = m.event(EventId(event_id))?.ok_or_else(|| {
                    EngineError::InvalidInput(format!("no event with id {event_id}"))
                })?;
                let key = traycal_store::ObjectKey {
                    calendar: row.calendar_id,
                    uid: &row.uid,
                    instance: "",
                };
                let pending = m.remote_object(&key)?.is_some_and(|o| o.state.is_pending());
                let calendar = m
                    .calendar_lines()?
                    .remove(&row.calendar_id.0)
                    .ok_or_else(|| {
                        EngineError::Internal(format!("event {event_id} has no calendar"))
                    })?;
                Ok((row, calendar, pending))
            })
            .await?;
        let (components, _, _) = traycal_core::ics::parse_all(row.raw.as_bytes());
        let component = components.first();
        let text = |name: &str| {
            component
                .and_then(|c| c.prop(name))
                .map(|p| p.text().into_owned())
        };
        let duration = row.end_utc - row.start_utc;
        // The agenda gives instants; all-day and floating rows are stored as wall time.
        let start_stored = match occurrence_start {
            Some(at) if row.all_day || row.floating => chrono::Local
                .timestamp_opt(at, 0)
                .single()
                .map_or(at, |t| t.naive_local().and_utc().timestamp()),
            Some(at) => at,
            None => row.start_utc,
        };
        let (start, end) = crate::agenda::place(
            row.all_day,
            row.floating,
            start_stored,
            start_stored + duration,
        );
        let tzid = row.tzid.clone().filter(|_| !row.all_day && !row.floating);
        let join = component.and_then(|c| traycal_core::join::detect_in_component(c, &catalogue));
        let recurring = component
            .is_some_and(|c| c.prop("RRULE").is_some() || c.prop("RDATE").is_some())
            || !row.recurrence_id.is_empty();
        Ok(EventDetail {
            event_id,
            uid: row.uid.clone(),
            summary: row.summary.clone().unwrap_or_default(),
            location: row.location.clone(),
            description: text("DESCRIPTION").filter(|d| !d.trim().is_empty()),
            url: text("URL"),
            status: row.status.clone(),
            start: start.text,
            end: end.text,
            start_utc: start.instant,
            end_utc: end.instant,
            all_day: row.all_day,
            floating: row.floating,
            start_in_event_zone: tzid.as_deref().and_then(|z| in_zone(start.instant, z)),
            end_in_event_zone: tzid.as_deref().and_then(|z| in_zone(end.instant, z)),
            tzid,
            organizer: component.and_then(|c| person(c, "ORGANIZER").into_iter().next()),
            attendees: component.map(|c| person(c, "ATTENDEE")).unwrap_or_default(),
            calendar: calendar.source_name.clone(),
            color: calendar
                .source_color
                .clone()
                .or_else(|| calendar.color.clone()),
            source_id: calendar.source_id.0,
            calendar_id: row.calendar_id.0,
            pending,
            recurring,
            join,
        })
    }

    /// The join links of several stored components (those without one are left out).
    pub async fn join_links(&self, event_ids: Vec<i64>) -> Result<Vec<EventJoin>> {
        if event_ids.len() > MAX_JOIN_QUERY {
            return Err(EngineError::InvalidInput(format!(
                "at most {MAX_JOIN_QUERY} events at once ({} asked)",
                event_ids.len()
            )));
        }
        let catalogue = self.catalogue()?;
        let raws = self
            .with_mirror(move |m| {
                let mut out = Vec::with_capacity(event_ids.len());
                for id in event_ids {
                    if let Some(row) = m.event(EventId(id))? {
                        out.push((id, row.raw));
                    }
                }
                Ok(out)
            })
            .await?;
        Ok(raws
            .into_iter()
            .filter_map(|(event_id, raw)| {
                let (components, _, _) = traycal_core::ics::parse_all(raw.as_bytes());
                let link = components
                    .first()
                    .and_then(|c| traycal_core::join::detect_in_component(c, &catalogue))?;
                Some(EventJoin { event_id, link })
            })
            .collect())
    }
}
