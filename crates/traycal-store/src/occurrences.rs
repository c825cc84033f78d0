//! Materialised occurrences and the agenda queries.
//!
//! Overlap semantics: an occurrence is in `[from, to)` when `start < to && end > from`;
//! a zero-length occurrence (`start == end`) exactly at `from` is included, one at `to`
//! is not. Results are ordered by `start_utc`, then summary (binary collation, missing
//! summaries first), then occurrence id, so the order is total and stable.
//!
//! Indexing: an overlap query on `(start, end)` cannot use one B-tree range on its own,
//! because a long event may start long before `from`. Each occurrence therefore carries
//! a `span_class` (its duration bucket, bounded by [`SPAN_CLASS_BOUNDS`]) and the query
//! runs one range scan per class over `occurrences_agenda (span_class, start_utc,
//! end_utc)`: in class *k* an overlapping occurrence must start at or after
//! `from − bound[k]`. The scanned range exceeds the window by at most the class bound,
//! whatever other occurrences exist: one year-long outlier does not widen every query.
//!
//! All-day and floating occurrences are stored with their wall time as if UTC; the
//! engine widens or converts the window accordingly before calling.

use std::collections::HashMap;

use rusqlite::{params, params_from_iter, types::Value};
use serde::Serialize;

use crate::error::Result;
use crate::{CalendarId, EventId, Mirror, OccurrenceId, SourceId};

/// Upper duration bound (seconds, inclusive) of span classes `0..4`; class 4 is
/// unbounded. Day, week, month and year cover timed, all-day, multi-day and long
/// events; the bounds are part of the stored data (changing them needs a migration that
/// recomputes `span_class`).
pub const SPAN_CLASS_BOUNDS: [i64; 4] = [86_400, 7 * 86_400, 32 * 86_400, 367 * 86_400];

/// Class of the last, unbounded bucket.
const LAST_CLASS: usize = SPAN_CLASS_BOUNDS.len();

/// Duration bucket of an occurrence lasting `span` seconds.
pub(crate) fn span_class(span: i64) -> i64 {
    SPAN_CLASS_BOUNDS
        .iter()
        .position(|&bound| span <= bound)
        .unwrap_or(LAST_CLASS) as i64
}

/// One agenda line: an occurrence with what the UI shows about its event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgendaRow {
    /// Occurrence row id.
    pub occurrence_id: OccurrenceId,
    /// Producing component (master or override).
    pub event_id: EventId,
    /// Calendar.
    pub calendar_id: CalendarId,
    /// Source of the calendar.
    pub source_id: SourceId,
    /// Start (wall time as if UTC when all-day / floating).
    pub start_utc: i64,
    /// End.
    pub end_utc: i64,
    /// All-day.
    pub all_day: bool,
    /// Floating.
    pub floating: bool,
    /// Instance id ('' for non-recurring).
    pub recurrence_id: String,
    /// Event UID.
    pub uid: String,
    /// SUMMARY (untrusted text).
    pub summary: Option<String>,
    /// LOCATION (untrusted text).
    pub location: Option<String>,
    /// TZID of the event.
    pub tzid: Option<String>,
    /// STATUS.
    pub status: Option<String>,
    /// Calendar name.
    pub calendar_name: String,
    /// Calendar color.
    pub calendar_color: Option<String>,
    /// Source name.
    pub source_name: String,
    /// Source color (the UI falls back to it when the calendar has none).
    pub source_color: Option<String>,
}

/// A stored occurrence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OccurrenceRow {
    /// Row id.
    pub id: OccurrenceId,
    /// Producing component.
    pub event_id: EventId,
    /// Calendar.
    pub calendar_id: CalendarId,
    /// Start.
    pub start_utc: i64,
    /// End.
    pub end_utc: i64,
    /// All-day.
    pub all_day: bool,
    /// Floating.
    pub floating: bool,
    /// Instance id.
    pub recurrence_id: String,
}

/// Builds the agenda query. Parameters: `?1` from, `?2` to, `?3..=?7` per-class lower
/// bounds, then the calendar ids from `?8` on. The text depends only on the number of
/// calendars, so the statement cache serves repeated calls. Calendar and source
/// details are joined in Rust from one small lookup, not per row in SQL.
fn agenda_sql(calendars: usize) -> String {
    let list: Vec<String> = (0..calendars).map(|i| format!("?{}", 8 + i)).collect();
    let list = list.join(", ");
    let branches: Vec<String> = (0..=LAST_CLASS)
        .map(|k| {
            // CROSS JOIN pins the loop order: scan the occurrence range first, then
            // fetch each row's event line by id, both from covering indexes.
            format!(
                "SELECT o.id, o.event_id, o.calendar_id, o.start_utc, o.end_utc, o.all_day, \
                 o.floating, o.recurrence_id, e.uid, e.summary, e.location, e.tzid, e.status \
                 FROM occurrences o INDEXED BY occurrences_agenda \
                 CROSS JOIN events e INDEXED BY events_agenda ON e.id = o.event_id \
                 WHERE o.span_class = {k} AND o.start_utc >= ?{lb} AND o.start_utc < ?2 \
                 AND (o.end_utc > ?1 OR (o.end_utc = o.start_utc AND o.start_utc >= ?1)) \
                 AND o.calendar_id IN ({list})",
                lb = 3 + k
            )
        })
        .collect();
    branches.join(" UNION ALL ")
}

/// Display details of a calendar, shared by all its agenda rows.
struct CalendarInfo {
    source_id: i64,
    name: String,
    color: Option<String>,
    source_name: String,
    source_color: Option<String>,
    enabled: bool,
}

impl Mirror {
    /// Occurrences overlapping `[from_utc, to_utc)` (see the module docs), of the given
    /// calendars, or of all calendars of *enabled* sources when `calendars` is `None`.
    pub fn occurrences_between(
        &self,
        from_utc: i64,
        to_utc: i64,
        calendars: Option<&[CalendarId]>,
    ) -> Result<Vec<AgendaRow>> {
        if to_utc < from_utc {
            return Ok(Vec::new());
        }
        let mut info: HashMap<i64, CalendarInfo> = HashMap::new();
        {
            let mut stmt = self.conn.prepare_cached(
                "SELECT c.id, c.source_id, c.name, c.color, s.name, s.color, s.enabled \
                 FROM calendars c JOIN sources s ON s.id = c.source_id",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                info.insert(
                    r.get(0)?,
                    CalendarInfo {
                        source_id: r.get(1)?,
                        name: r.get(2)?,
                        color: r.get(3)?,
                        source_name: r.get(4)?,
                        source_color: r.get(5)?,
                        enabled: r.get(6)?,
                    },
                );
            }
        }
        let mut wanted: Vec<i64> = match calendars {
            Some(list) => list
                .iter()
                .map(|c| c.0)
                .filter(|id| info.contains_key(id))
                .collect(),
            None => info
                .iter()
                .filter(|(_, c)| c.enabled)
                .map(|(id, _)| *id)
                .collect(),
        };
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        wanted.sort_unstable();
        wanted.dedup();
        let mut args: Vec<Value> = Vec::with_capacity(7 + wanted.len());
        args.push(Value::Integer(from_utc));
        args.push(Value::Integer(to_utc));
        for k in 0..=LAST_CLASS {
            let lower = match SPAN_CLASS_BOUNDS.get(k) {
                Some(bound) => from_utc.saturating_sub(*bound),
                None => i64::MIN,
            };
            args.push(Value::Integer(lower));
        }
        args.extend(wanted.iter().map(|&c| Value::Integer(c)));
        let mut stmt = self.conn.prepare_cached(&agenda_sql(wanted.len()))?;
        let mut rows = stmt.query(params_from_iter(args))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let calendar_id: i64 = r.get(2)?;
            let Some(cal) = info.get(&calendar_id) else {
                continue; // unreachable: filtered by the IN list built from `info`
            };
            out.push(AgendaRow {
                occurrence_id: OccurrenceId(r.get(0)?),
                event_id: EventId(r.get(1)?),
                calendar_id: CalendarId(calendar_id),
                source_id: SourceId(cal.source_id),
                start_utc: r.get(3)?,
                end_utc: r.get(4)?,
                all_day: r.get(5)?,
                floating: r.get(6)?,
                recurrence_id: r.get(7)?,
                uid: r.get(8)?,
                summary: r.get(9)?,
                location: r.get(10)?,
                tzid: r.get(11)?,
                status: r.get(12)?,
                calendar_name: cal.name.clone(),
                calendar_color: cal.color.clone(),
                source_name: cal.source_name.clone(),
                source_color: cal.source_color.clone(),
            });
        }
        // Byte-wise summary order with missing summaries first, as SQLite's BINARY
        // collation would sort them; the id makes the order total.
        out.sort_unstable_by(|a, b| {
            (a.start_utc, &a.summary, a.occurrence_id).cmp(&(
                b.start_utc,
                &b.summary,
                b.occurrence_id,
            ))
        });
        Ok(out)
    }

    /// Number of occurrences *starting* in `[from_utc, to_utc)`, of one source or of all
    /// enabled sources.
    pub fn upcoming_count(
        &self,
        from_utc: i64,
        to_utc: i64,
        source: Option<SourceId>,
    ) -> Result<u64> {
        // `span_class IN (...)` lets SQLite seek each class's start range in the index.
        const BASE: &str = "SELECT count(*) FROM occurrences o INDEXED BY occurrences_agenda \
             CROSS JOIN calendars c ON c.id = o.calendar_id \
             CROSS JOIN sources s ON s.id = c.source_id \
             WHERE o.span_class IN (0, 1, 2, 3, 4) AND o.start_utc >= ?1 AND o.start_utc < ?2";
        let n: u64 = match source {
            Some(src) => self
                .conn
                .prepare_cached(&format!("{BASE} AND c.source_id = ?3"))?
                .query_row(params![from_utc, to_utc, src.0], |r| r.get(0))?,
            None => self
                .conn
                .prepare_cached(&format!("{BASE} AND s.enabled = 1"))?
                .query_row(params![from_utc, to_utc], |r| r.get(0))?,
        };
        Ok(n)
    }

    /// All stored occurrences of one UID series in a calendar, by start then id.
    pub fn occurrences_of(&self, calendar: CalendarId, uid: &str) -> Result<Vec<OccurrenceRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT o.id, o.event_id, o.calendar_id, o.start_utc, o.end_utc, o.all_day, \
             o.floating, o.recurrence_id FROM events e \
             JOIN occurrences o ON o.event_id = e.id \
             WHERE e.calendar_id = ?1 AND e.uid = ?2 ORDER BY o.start_utc, o.id",
        )?;
        let rows = stmt.query_map(params![calendar.0, uid], |r| {
            Ok(OccurrenceRow {
                id: OccurrenceId(r.get(0)?),
                event_id: EventId(r.get(1)?),
                calendar_id: CalendarId(r.get(2)?),
                start_utc: r.get(3)?,
                end_utc: r.get(4)?,
                all_day: r.get(5)?,
                floating: r.get(6)?,
                recurrence_id: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
