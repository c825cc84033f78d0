//! Reading the mirror: the agenda, the next event, per-source status and the sync
//! log. Queries read the mirror only; an agenda past the materialised window first
//! widens it ([`Engine::ensure_window`], which re-expands from the mirror).
//!
//! Floating and all-day occurrences are stored as wall time; they are placed in the
//! user's zone here (an all-day event is on its date in every zone), so the agenda
//! for "today" is right wherever the user is.

use chrono::{DateTime, Local, NaiveDateTime, TimeZone, Utc};
use traycal_store::{AgendaRow, SourceId};

use crate::error::{EngineError, Result};
use crate::sources::SourceInfo;
use crate::Engine;

/// Widening of the query for all-day and floating rows (stored as wall time), so they
/// are found in any zone; they are then placed in the user's zone and filtered exactly.
const ZONE_MARGIN: i64 = 15 * 3600;

/// One occurrence as shown to users.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, serde::Serialize)]
pub struct AgendaEntry {
    pub start: String,
    pub end: String,
    pub start_utc: i64,
    pub end_utc: i64,
    pub all_day: bool,
    pub floating: bool,
    pub summary: String,
    pub location: Option<String>,
    pub status: Option<String>,
    pub uid: String,
    pub recurrence_id: String,
    pub calendar: String,
    pub color: Option<String>,
    pub source_id: i64,
    /// Its calendar (what `edit --calendar` takes).
    pub calendar_id: i64,
    /// A local change of the event waits to reach the server ("not yet synced").
    pub pending: bool,
    /// The stored component this occurrence shows (for its details and join link).
    pub event_id: i64,
}

/// The running or next meeting, with its join link when it has one.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, serde::Serialize)]
pub struct NextMeeting {
    #[serde(flatten)]
    pub entry: AgendaEntry,
    pub join: Option<traycal_core::join::JoinLink>,
}

/// An agenda answer, with the pure query time (for the benchmark).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, serde::Serialize)]
pub struct Agenda {
    pub from: String,
    pub to: String,
    pub entries: Vec<AgendaEntry>,
    pub query_ms: f64,
}

/// Per-source status.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, serde::Serialize)]
pub struct SourceStatus {
    #[serde(flatten)]
    pub source: SourceInfo,
    pub last_sync: Option<String>,
    pub last_success: Option<String>,
    pub next_sync: Option<String>,
    pub events: u64,
    pub upcoming_30_min: u64,
    pub consecutive_failures: i64,
    /// The last error in plain words.
    pub last_error: Option<String>,
    pub last_error_code: Option<String>,
    /// Its technical account, when it says more.
    pub last_error_detail: Option<String>,
    /// What the last applied sync had to leave out (series cut by the occurrence
    /// budget), one line per kind; `None` when nothing was cut.
    pub notice: Option<String>,
}

/// A sync-log line.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, serde::Serialize)]
pub struct LogLine {
    pub at: String,
    pub source_id: Option<i64>,
    pub source: String,
    pub outcome: String,
    /// What the sync changed, here and on the server (flattened in JSON, as in
    /// [`crate::SyncReport`]).
    #[serde(flatten)]
    pub counts: traycal_core::sync_counts::SyncCounts,
    pub diagnostics: u64,
    pub duration_ms: u64,
    pub error: Option<String>,
    pub error_code: Option<String>,
    /// The technical account of the error, when it says more.
    pub error_detail: Option<String>,
    /// What the sync worked around or left out, one per line (capped).
    pub notes: Option<String>,
}

/// Format Unix seconds in the user's zone.
pub fn local_time(secs: i64) -> String {
    match Local.timestamp_opt(secs, 0).single() {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        None => secs.to_string(),
    }
}

/// The instant at which a wall time happens in the user's zone.
fn wall_to_instant(wall: i64) -> i64 {
    let naive = DateTime::<Utc>::from_timestamp(wall, 0)
        .map(|d| d.naive_utc())
        .unwrap_or(NaiveDateTime::MIN);
    match Local.from_local_datetime(&naive).earliest() {
        Some(t) => t.timestamp(),
        // In a DST gap: an hour later exists.
        None => {
            wall - Local
                .timestamp_opt(wall, 0)
                .single()
                .map_or(0, |t| i64::from(t.offset().local_minus_utc()))
        }
    }
}

/// An occurrence time as shown: text in the user's zone (a date for all-day rows)
/// and the instant.
pub(crate) struct Placed {
    pub(crate) text: String,
    pub(crate) instant: i64,
}

/// Places stored start/end (UTC seconds, or wall seconds for all-day and floating
/// rows) in the user's zone.
pub(crate) fn place(all_day: bool, floating: bool, start: i64, end: i64) -> (Placed, Placed) {
    let one = |stored: i64| {
        let instant = if all_day || floating {
            wall_to_instant(stored)
        } else {
            stored
        };
        let text = if all_day {
            DateTime::<Utc>::from_timestamp(stored, 0)
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default()
        } else {
            local_time(instant)
        };
        Placed { text, instant }
    };
    (one(start), one(end))
}

fn entry(r: AgendaRow) -> AgendaEntry {
    let (s, e) = place(r.all_day, r.floating, r.start_utc, r.end_utc);
    AgendaEntry {
        start: s.text,
        end: e.text,
        start_utc: s.instant,
        end_utc: e.instant,
        all_day: r.all_day,
        floating: r.floating,
        summary: r
            .event
            .summary
            .clone()
            .unwrap_or_else(|| "(no title)".into()),
        location: r.event.location.clone(),
        status: r.event.status.clone(),
        uid: r.event.uid.clone(),
        recurrence_id: r.recurrence_id,
        calendar: r.calendar.source_name.clone(),
        color: r
            .calendar
            .source_color
            .clone()
            .or_else(|| r.calendar.color.clone()),
        source_id: r.calendar.source_id.0,
        calendar_id: r.calendar_id.0,
        pending: r.event.pending,
        event_id: r.event_id.0,
    }
}

fn overlaps(from: i64, to: i64, s: i64, e: i64) -> bool {
    if s == e {
        s >= from && s < to
    } else {
        s < to && e > from
    }
}

impl Engine {
    /// Occurrences overlapping `[from, to)`, ordered by start. A range past the
    /// materialised window widens it first.
    pub async fn agenda(&self, from: i64, to: i64) -> Result<Agenda> {
        if from >= to {
            return Err(EngineError::InvalidInput(
                "the agenda range is empty".into(),
            ));
        }
        let window = self.window(self.now());
        if to > window.to {
            self.ensure_window(to).await?;
        }
        let (rows, query_ms) = self
            .with_mirror(move |m| {
                let t = std::time::Instant::now();
                let rows = m.agenda_rows(from, to, ZONE_MARGIN, None)?;
                Ok((rows, t.elapsed().as_secs_f64() * 1000.0))
            })
            .await?;
        let mut entries: Vec<AgendaEntry> = rows
            .into_iter()
            .map(entry)
            .filter(|e| overlaps(from, to, e.start_utc, e.end_utc))
            .collect();
        entries.sort_by(|a, b| (a.start_utc, &a.summary).cmp(&(b.start_utc, &b.summary)));
        Ok(Agenda {
            from: local_time(from),
            to: local_time(to),
            entries,
            query_ms,
        })
    }

    /// The running or next timed event that is not cancelled (all-day events are
    /// not meetings).
    pub async fn next_event(&self) -> Result<Option<AgendaEntry>> {
        let now = self.now();
        let mut horizon = 86_400;
        // Look a day ahead first (cheap), then further.
        while horizon <= 400 * 86_400 {
            let a = self.agenda(now, now + horizon).await?;
            if let Some(e) = a.entries.into_iter().find(|e| {
                !e.all_day
                    && e.end_utc > now
                    && !e
                        .status
                        .as_deref()
                        .is_some_and(|s| s.eq_ignore_ascii_case("CANCELLED"))
            }) {
                return Ok(Some(e));
            }
            horizon *= 8;
        }
        Ok(None)
    }

    /// The running or next meeting with its join link (detected in the stored
    /// component: conference properties, URL, LOCATION, DESCRIPTION).
    pub async fn next_meeting(&self) -> Result<Option<NextMeeting>> {
        let Some(entry) = self.next_event().await? else {
            return Ok(None);
        };
        let join = self.join_link(entry.event_id).await?;
        Ok(Some(NextMeeting { entry, join }))
    }

    /// The join link of a stored component, if it has one.
    pub async fn join_link(&self, event_id: i64) -> Result<Option<traycal_core::join::JoinLink>> {
        let catalogue = self.catalogue()?;
        let row = self
            .with_mirror(move |m| Ok(m.event(traycal_store::EventId(event_id))?))
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let (components, _, _) = traycal_core::ics::parse_all(row.raw.as_bytes());
        Ok(components
            .first()
            .and_then(|c| traycal_core::join::detect_in_component(c, &catalogue)))
    }

    /// Status of one source or all.
    pub async fn status(&self, id: Option<i64>) -> Result<Vec<SourceStatus>> {
        let now = self.now();
        let store = self.secret_store_name();
        let quiet = std::sync::Arc::clone(&self.quiet);
        self.with_mirror(move |m| {
            let rows = match id {
                Some(i) => vec![m.source(SourceId(i))?.ok_or(EngineError::NoSuchSource(i))?],
                None => m.sources()?,
            };
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let st = m.sync_state(r.id)?;
                out.push(SourceStatus {
                    source: SourceInfo::from_row(&r, store.as_deref()),
                    last_sync: crate::effective_last_check(&quiet, r.id.0, st.last_attempt_at)
                        .map(local_time),
                    last_success: st.last_success_at.map(local_time),
                    next_sync: if r.enabled {
                        let next = crate::effective_next_due(&quiet, r.id.0, st.next_due_at);
                        Some(local_time(next.unwrap_or(now).max(now)))
                    } else {
                        None
                    },
                    events: m.event_count(r.id)?,
                    upcoming_30_min: m.upcoming_count(now, now + 30 * 60, Some(r.id))?,
                    consecutive_failures: st.consecutive_failures,
                    last_error: st.last_error,
                    last_error_code: st.last_error_code,
                    last_error_detail: st.last_error_detail,
                    notice: st.notice,
                });
            }
            Ok(out)
        })
        .await
    }

    /// The sync log, newest first.
    /// [`EngineError::NoSuchSource`] for an id that names no source (a removed
    /// source's lines are in the log of all sources).
    pub async fn log(&self, id: Option<i64>, limit: usize) -> Result<Vec<LogLine>> {
        self.with_mirror(move |m| {
            if let Some(i) = id {
                m.source(SourceId(i))?.ok_or(EngineError::NoSuchSource(i))?;
            }
            Ok(m.sync_log(id.map(SourceId), limit)?
                .into_iter()
                .map(|l| LogLine {
                    at: local_time(l.at),
                    source_id: l.source_id.map(|s| s.0),
                    source: l.source_name,
                    outcome: l.outcome.as_str().to_string(),
                    counts: l.counts,
                    diagnostics: l.diagnostics,
                    duration_ms: l.duration_ms,
                    error: l.error,
                    error_code: l.error_code,
                    error_detail: l.error_detail,
                    notes: l.notes,
                })
                .collect())
        })
        .await
    }
}
