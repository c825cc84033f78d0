//! Materialised occurrences and the agenda queries.
//!
//! Overlap semantics: an occurrence is in `[from, to)` when `start < to && end > from`;
//! a zero-length occurrence (`start == end`) exactly at `from` is included, one at `to`
//! is not. Results are ordered by `start_utc`, then summary (binary collation, missing
//! summaries first), then event id and instance id, so the order is total and stable.
//!
//! Indexing: an overlap query on `(start, end)` cannot use one B-tree range on its own,
//! because a long event may start long before `from`. Each occurrence therefore carries
//! a `span_class` (its duration bucket, bounded by [`SPAN_CLASS_BOUNDS`]) and the query
//! runs one range scan per class over the clustered key `(span_class, start_utc,
//! event_id)`: in class *k* an overlapping occurrence must start at or after
//! `from − bound[k]`. The scanned range exceeds the window by at most the class bound,
//! whatever other occurrences exist: one year-long outlier does not widen every query.
//! The event details of the rows are then read once per distinct event (a weekly
//! meeting shows many times, its row is read once).
//!
//! All-day and floating occurrences are stored with their wall time as if UTC; the
//! engine widens or converts the window accordingly before calling.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use rusqlite::vtab::array::Array;
use rusqlite::{params, params_from_iter, types::Value};
use serde::Serialize;

use crate::error::Result;
use crate::{CalendarId, EventId, Mirror, SourceId};

/// Upper duration bound (seconds, inclusive) of duration buckets `0..5`; bucket 5 is
/// unbounded. Four hours, a day, a week, a month and a year cover meetings, all-day,
/// multi-day and long events; the bounds are part of the stored data (changing them
/// needs a migration that recomputes `span_class`).
pub const SPAN_CLASS_BOUNDS: [i64; 5] = [4 * 3600, 86_400, 7 * 86_400, 32 * 86_400, 367 * 86_400];

/// Number of duration buckets (the last one unbounded).
const BUCKETS: i64 = SPAN_CLASS_BOUNDS.len() as i64 + 1;

/// Offset of the classes of wall-time (all-day or floating) occurrences. They are
/// queried over a range widened by the caller's zone margin; keeping them in their own
/// classes lets timed occurrences be scanned over the exact range.
const WALL_CLASSES: i64 = 8;

/// Class of an occurrence lasting `span` seconds: its duration bucket, plus
/// [`WALL_CLASSES`] when it is stored as wall time.
pub(crate) fn span_class(span: i64, wall: bool) -> i64 {
    let bucket = SPAN_CLASS_BOUNDS
        .iter()
        .position(|&bound| span <= bound)
        .unwrap_or(SPAN_CLASS_BOUNDS.len()) as i64;
    if wall {
        bucket + WALL_CLASSES
    } else {
        bucket
    }
}

/// Every class with the duration bound of its bucket (`None` = unbounded).
fn classes() -> impl Iterator<Item = (i64, Option<i64>)> {
    [0, WALL_CLASSES].into_iter().flat_map(|base| {
        (0..BUCKETS).map(move |b| (base + b, SPAN_CLASS_BOUNDS.get(b as usize).copied()))
    })
}

/// One agenda line: an occurrence, with what the UI shows about its event and its
/// calendar shared between all the lines of that event and calendar (a weekly
/// meeting's details are read and held once, not per line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgendaRow {
    /// Producing component (master or override).
    pub event_id: EventId,
    /// Calendar.
    pub calendar_id: CalendarId,
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
    /// What the agenda shows of the event.
    pub event: Arc<EventLine>,
    /// What the agenda shows of the calendar and its source.
    pub calendar: Arc<CalendarLine>,
}

/// What an agenda line shows of its event (untrusted text, shown as text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventLine {
    /// Event UID.
    pub uid: String,
    /// SUMMARY.
    pub summary: Option<String>,
    /// LOCATION.
    pub location: Option<String>,
    /// TZID of the event.
    pub tzid: Option<String>,
    /// STATUS.
    pub status: Option<String>,
    /// A local change of it waits to reach the server.
    pub pending: bool,
}

/// What an agenda line shows of its calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarLine {
    /// Source of the calendar.
    pub source_id: SourceId,
    /// Calendar name.
    pub name: String,
    /// Calendar color.
    pub color: Option<String>,
    /// Source name.
    pub source_name: String,
    /// Source color (the UI falls back to it when the calendar has none).
    pub source_color: Option<String>,
    /// Whether it is shown: its source is enabled and the calendar not hidden (the
    /// others are left out by default).
    #[serde(skip)]
    enabled: bool,
}

/// A stored occurrence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OccurrenceRow {
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

/// Builds the agenda query: one range scan per class, each bounded below by
/// `from − class bound`. Parameters: `?1` from, `?2` to (timed classes), `?3`/`?4` the
/// range widened by the wall-time margin (wall classes), then the calendar ids from
/// `?5` on. The text depends only on the number of calendars, so the statement cache
/// serves repeated calls. Event, calendar and source details are joined in Rust, once
/// per distinct event and calendar.
fn agenda_sql(calendars: usize) -> String {
    let list: Vec<String> = (0..calendars).map(|i| format!("?{}", 5 + i)).collect();
    let list = list.join(", ");
    let branches: Vec<String> = classes()
        .map(|(class, bound)| {
            let (from, to) = if class >= WALL_CLASSES {
                ("?3", "?4")
            } else {
                ("?1", "?2")
            };
            let lower = match bound {
                Some(b) => format!("{from} - {b}"),
                None => "-9223372036854775807 - 1".into(),
            };
            format!(
                "SELECT event_id, calendar_id, start_utc, end_utc, all_day, floating, \
                 recurrence_id FROM occurrences \
                 WHERE span_class = {class} AND start_utc >= {lower} AND start_utc < {to} \
                 AND (end_utc > {from} OR (end_utc = start_utc AND start_utc >= {from})) \
                 AND calendar_id IN ({list})"
            )
        })
        .collect();
    branches.join(" UNION ALL ")
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
        self.agenda_rows(from_utc, to_utc, 0, calendars)
    }

    /// Every calendar with its source's name, colour and state, by calendar id.
    pub fn calendar_lines(&self) -> Result<HashMap<i64, Arc<CalendarLine>>> {
        let mut info: HashMap<i64, Arc<CalendarLine>> = HashMap::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.id, c.source_id, c.name, c.color, s.name, s.color, \
             s.enabled AND NOT c.hidden \
             FROM calendars c JOIN sources s ON s.id = c.source_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            info.insert(
                r.get(0)?,
                Arc::new(CalendarLine {
                    source_id: SourceId(r.get(1)?),
                    name: r.get(2)?,
                    color: r.get(3)?,
                    source_name: r.get(4)?,
                    source_color: r.get(5)?,
                    enabled: r.get(6)?,
                }),
            );
        }
        Ok(info)
    }

    /// Like [`Mirror::occurrences_between`], but all-day and floating occurrences
    /// (stored as wall time) are matched against the range widened by `wall_margin`
    /// seconds on both sides: the caller places them in the user's zone and filters
    /// exactly, while timed rows are matched exactly here.
    pub fn agenda_rows(
        &self,
        from_utc: i64,
        to_utc: i64,
        wall_margin: i64,
        calendars: Option<&[CalendarId]>,
    ) -> Result<Vec<AgendaRow>> {
        let wall_margin = wall_margin.max(0);
        if to_utc < from_utc {
            return Ok(Vec::new());
        }
        let info = self.calendar_lines()?;
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
        // Clamped so `from − bound` in the SQL cannot overflow.
        const LIMIT: i64 = i64::MAX / 4;
        let from_utc = from_utc.clamp(-LIMIT, LIMIT);
        let to_utc = to_utc.clamp(-LIMIT, LIMIT);
        let mut args: Vec<Value> = Vec::with_capacity(4 + wanted.len());
        args.push(Value::Integer(from_utc));
        args.push(Value::Integer(to_utc));
        args.push(Value::Integer(from_utc - wall_margin.min(LIMIT)));
        args.push(Value::Integer(to_utc + wall_margin.min(LIMIT)));
        args.extend(wanted.iter().map(|&c| Value::Integer(c)));
        // Pass 1: the occurrence rows (one range scan per span class).
        struct Hit {
            event_id: i64,
            calendar_id: i64,
            start_utc: i64,
            end_utc: i64,
            all_day: bool,
            floating: bool,
            recurrence_id: String,
        }
        let mut hits: Vec<Hit> = Vec::new();
        {
            let mut stmt = self.conn.prepare_cached(&agenda_sql(wanted.len()))?;
            let mut rows = stmt.query(params_from_iter(args))?;
            while let Some(r) = rows.next()? {
                hits.push(Hit {
                    event_id: r.get(0)?,
                    calendar_id: r.get(1)?,
                    start_utc: r.get(2)?,
                    end_utc: r.get(3)?,
                    all_day: r.get(4)?,
                    floating: r.get(5)?,
                    recurrence_id: r.get(6)?,
                });
            }
        }
        // Pass 2: each distinct event's line, in one statement (ids in ascending
        // order, so the lookups walk the table forwards).
        let mut ids: Vec<i64> = hits.iter().map(|h| h.event_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut lines: HashMap<i64, Arc<EventLine>> = HashMap::with_capacity(ids.len());
        {
            let ids: Array = Rc::new(ids.into_iter().map(Value::Integer).collect());
            // The objects with a local change not yet on the server: few (the
            // outbox's), read from a partial index, instead of one probe per event.
            let mut pending: HashMap<i64, HashSet<String>> = HashMap::new();
            {
                let mut stmt = self.conn.prepare_cached(
                    "SELECT calendar_id, uid FROM remote_objects INDEXED BY \
                     remote_objects_pending WHERE state <> 'synced'",
                )?;
                let mut rows = stmt.query([])?;
                while let Some(r) = rows.next()? {
                    pending.entry(r.get(0)?).or_default().insert(r.get(1)?);
                }
            }
            let mut stmt = self.conn.prepare_cached(
                "SELECT id, uid, summary, location, tzid, status, calendar_id FROM events \
                 WHERE id IN rarray(?1) ORDER BY id",
            )?;
            let mut rows = stmt.query([ids])?;
            while let Some(e) = rows.next()? {
                let uid: String = e.get(1)?;
                let is_pending = !pending.is_empty()
                    && pending
                        .get(&e.get::<_, i64>(6)?)
                        .is_some_and(|uids| uids.contains(uid.as_str()));
                lines.insert(
                    e.get(0)?,
                    Arc::new(EventLine {
                        uid,
                        summary: e.get(2)?,
                        location: e.get(3)?,
                        tzid: e.get(4)?,
                        status: e.get(5)?,
                        pending: is_pending,
                    }),
                );
            }
        }
        let mut out = Vec::with_capacity(hits.len());
        for h in hits {
            let Some(cal) = info.get(&h.calendar_id) else {
                continue; // unreachable: filtered by the IN list built from `info`
            };
            // An occurrence always has its event (every delete path removes both in
            // one transaction); a row without one would be a bug, not a meeting.
            let Some(line) = lines.get(&h.event_id) else {
                continue;
            };
            out.push(AgendaRow {
                event_id: EventId(h.event_id),
                calendar_id: CalendarId(h.calendar_id),
                start_utc: h.start_utc,
                end_utc: h.end_utc,
                all_day: h.all_day,
                floating: h.floating,
                recurrence_id: h.recurrence_id,
                event: Arc::clone(line),
                calendar: Arc::clone(cal),
            });
        }
        // Byte-wise summary order with missing summaries first, as SQLite's BINARY
        // collation would sort them; event and instance ids make the order total.
        out.sort_unstable_by(|a, b| {
            (a.start_utc, &a.event.summary, a.event_id, &a.recurrence_id).cmp(&(
                b.start_utc,
                &b.event.summary,
                b.event_id,
                &b.recurrence_id,
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
        // `span_class IN (...)` lets SQLite seek each class's start range in the key.
        let list: Vec<String> = classes().map(|(c, _)| c.to_string()).collect();
        let base = format!(
            "SELECT count(*) FROM occurrences o \
             CROSS JOIN calendars c ON c.id = o.calendar_id \
             CROSS JOIN sources s ON s.id = c.source_id \
             WHERE o.span_class IN ({}) AND o.start_utc >= ?1 AND o.start_utc < ?2",
            list.join(", ")
        );
        let n: u64 = match source {
            Some(src) => self
                .conn
                .prepare_cached(&format!("{base} AND c.source_id = ?3"))?
                .query_row(params![from_utc, to_utc, src.0], |r| r.get(0))?,
            None => self
                .conn
                .prepare_cached(&format!("{base} AND s.enabled = 1"))?
                .query_row(params![from_utc, to_utc], |r| r.get(0))?,
        };
        Ok(n)
    }

    /// All stored occurrences of one UID series in a calendar, by start then event id
    /// (one scan of the occurrence table: for tests and diagnostics, not hot paths).
    pub fn occurrences_of(&self, calendar: CalendarId, uid: &str) -> Result<Vec<OccurrenceRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT event_id, calendar_id, start_utc, end_utc, all_day, floating, \
             recurrence_id FROM occurrences WHERE event_id IN \
             (SELECT id FROM events WHERE calendar_id = ?1 AND uid = ?2) \
             ORDER BY start_utc, event_id",
        )?;
        let rows = stmt.query_map(params![calendar.0, uid], |r| {
            Ok(OccurrenceRow {
                event_id: EventId(r.get(0)?),
                calendar_id: CalendarId(r.get(1)?),
                start_utc: r.get(2)?,
                end_utc: r.get(3)?,
                all_day: r.get(4)?,
                floating: r.get(5)?,
                recurrence_id: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Occurrences whose event row no longer exists (always 0; an integrity check
    /// for tests, since occurrences carry no foreign key).
    pub fn orphan_occurrences(&self) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM occurrences WHERE event_id NOT IN (SELECT id FROM events)",
            [],
            |r| r.get(0),
        )?)
    }
}
