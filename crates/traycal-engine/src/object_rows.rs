//! The rows and occurrences that show one remote object in the mirror.
//!
//! A remote object is one VCALENDAR text as a server versions it: a master, its
//! overrides (RECURRENCE-ID) and the VTIMEZONEs they use, all of one UID. A two-way
//! sync pulls such objects and a local edit writes them; both show the object's
//! current text through the rows built here ([`traycal_store::LocalChange`] and the
//! pull path take them).
//!
//! Invariants: an object holds exactly one UID (a text with none or with several is
//! refused with the UIDs named, never half-stored); every component that cannot be
//! read is named in `diagnostics` and the rest is still shown; the occurrences are
//! bounded by the window and the occurrence budget given.

use traycal_core::calendar::load_calendar;
use traycal_core::event::ItemKind;
use traycal_core::expand::{
    expand_subset, item_span, ExpandOptions, TimeContext, TimeKind, Window,
};
use traycal_core::ics::prepare_input;
use traycal_store::{EventWrite, OccurrenceWrite, SeriesOccurrences};
use xxhash_rust::xxh3::xxh3_64;

use crate::error::{EngineError, Result};
use crate::sync::{diagnostic_line, fingerprint};

/// One component of the object, as its `events` row.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    recurrence_id: String,
    summary: Option<String>,
    location: Option<String>,
    start_utc: i64,
    end_utc: i64,
    all_day: bool,
    floating: bool,
    tzid: Option<String>,
    status: Option<String>,
    transp: Option<String>,
    sequence: i64,
    rrule: Option<String>,
    raw: String,
    content_hash: i64,
    fingerprint: i64,
    series_end_utc: Option<i64>,
}

/// One occurrence of the object.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Occurrence {
    recurrence_id: String,
    instance_id: String,
    start_utc: i64,
    end_utc: i64,
    all_day: bool,
    floating: bool,
}

/// The rows and occurrences of one object's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRows {
    uid: String,
    rows: Vec<Row>,
    occurrences: Vec<Occurrence>,
    /// What could not be read or was cut, one line each.
    pub diagnostics: Vec<String>,
}

impl ObjectRows {
    /// Reads `text` and expands it over `window` (occurrences nearest `now` kept when
    /// `max_occurrences` cuts a series).
    pub fn build(
        text: &str,
        window: Window,
        now: i64,
        max_occurrences: usize,
    ) -> Result<ObjectRows> {
        let prepared = prepare_input(text.as_bytes());
        let cal = load_calendar(&prepared, &[ItemKind::Event]);
        let mut diagnostics: Vec<String> = cal.diagnostics.iter().map(diagnostic_line).collect();
        let traycal_core::calendar::LoadedCalendar {
            items,
            mut resolver,
            calendar_zone,
            ..
        } = cal;
        let mut uids: Vec<&str> = items.iter().map(|i| i.uid.as_ref()).collect();
        uids.sort_unstable();
        uids.dedup();
        let uid = match uids.as_slice() {
            [one] => (*one).to_owned(),
            [] => {
                return Err(EngineError::InvalidInput(
                    "the calendar object holds no event".into(),
                ))
            }
            many => {
                return Err(EngineError::InvalidInput(format!(
                    "the calendar object holds events of several UIDs ({})",
                    many.join(", ")
                )))
            }
        };
        let rkeys: Vec<String> = items.iter().map(|i| i.recurrence_key()).collect();
        let mut tc = TimeContext::new(&mut resolver, calendar_zone);
        let all: Vec<usize> = (0..items.len()).collect();
        let exp = expand_subset(
            &items,
            &all,
            &mut tc,
            &ExpandOptions {
                focus: Some(now),
                max_occurrences,
                ..ExpandOptions::new(window)
            },
        );
        diagnostics.extend(exp.diagnostics.iter().cloned());
        diagnostics.extend(exp.cut_notes.iter().cloned());
        let mut series_end: Vec<Option<i64>> = vec![None; items.len()];
        for s in &exp.series {
            for &i in &s.items {
                series_end[i] = s.end.map(|e| e.secs);
            }
        }
        let mut rows = Vec::with_capacity(items.len());
        for (i, it) in items.iter().enumerate() {
            let Some((start, end)) = item_span(it, &mut tc) else {
                diagnostics.push(format!(
                    "a component of {uid} has no usable start and was left out"
                ));
                continue;
            };
            let raw = String::from_utf8_lossy(prepared.get(it.span.clone()).unwrap_or_default());
            rows.push(Row {
                recurrence_id: rkeys[i].clone(),
                summary: it.summary.as_deref().map(str::to_owned),
                location: it.location.as_deref().map(str::to_owned),
                start_utc: start.secs,
                end_utc: end.secs,
                all_day: start.kind == TimeKind::Date,
                floating: start.kind == TimeKind::Floating,
                tzid: it
                    .start
                    .as_ref()
                    .and_then(|st| tc.reported_tzid(st, Some(&it.end))),
                status: it.status.as_deref().map(str::to_owned),
                transp: it.transp.as_deref().map(str::to_owned),
                sequence: it.sequence,
                rrule: it.rrules.first().map(|r| r.to_string()),
                content_hash: xxh3_64(raw.as_bytes()) as i64,
                raw: raw.into_owned(),
                fingerprint: fingerprint(it, &rkeys[i]),
                series_end_utc: series_end[i],
            });
        }
        let mut occurrences = Vec::with_capacity(exp.occurrences.len());
        for o in &exp.occurrences {
            let mut instance_id = String::new();
            if let Some(s) = o.instance {
                s.push_formatted(&mut instance_id);
            }
            occurrences.push(Occurrence {
                recurrence_id: rkeys[o.item].clone(),
                instance_id,
                start_utc: o.start.secs,
                end_utc: o.end.secs,
                all_day: o.start.kind == TimeKind::Date,
                floating: o.start.kind == TimeKind::Floating,
            });
        }
        Ok(ObjectRows {
            uid,
            rows,
            occurrences,
            diagnostics,
        })
    }

    /// The UID of the object.
    pub fn uid(&self) -> &str {
        &self.uid
    }

    /// The `events` rows to write.
    pub fn writes(&self) -> Vec<EventWrite<'_>> {
        self.rows
            .iter()
            .map(|r| EventWrite {
                uid: &self.uid,
                recurrence_id: &r.recurrence_id,
                summary: r.summary.as_deref(),
                location: r.location.as_deref(),
                start_utc: r.start_utc,
                end_utc: r.end_utc,
                all_day: r.all_day,
                floating: r.floating,
                tzid: r.tzid.as_deref(),
                status: r.status.as_deref(),
                transp: r.transp.as_deref(),
                sequence: r.sequence,
                rrule: r.rrule.as_deref(),
                raw: &r.raw,
                content_hash: r.content_hash,
                fingerprint: r.fingerprint,
                series_end_utc: r.series_end_utc,
            })
            .collect()
    }

    /// The RECURRENCE-ID keys of the rows ('' for the master), to find stored rows
    /// the new text no longer holds.
    pub fn recurrence_ids(&self) -> impl Iterator<Item = &str> {
        self.rows.iter().map(|r| r.recurrence_id.as_str())
    }

    /// The occurrences, replacing the stored ones of the UID.
    pub fn occurrences(&self) -> SeriesOccurrences<'_> {
        SeriesOccurrences {
            uid: &self.uid,
            occurrences: self
                .occurrences
                .iter()
                .map(|o| OccurrenceWrite {
                    recurrence_id: &o.recurrence_id,
                    instance_id: &o.instance_id,
                    start_utc: o.start_utc,
                    end_utc: o.end_utc,
                    all_day: o.all_day,
                    floating: o.floating,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEEKLY: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n\
        BEGIN:VTIMEZONE\r\nTZID:Custom/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n\
        TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n\
        END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nTZOFFSETFROM:+0100\r\n\
        TZOFFSETTO:+0200\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n\
        END:VTIMEZONE\r\n\
        BEGIN:VEVENT\r\nUID:w@x\r\nDTSTAMP:20260101T000000Z\r\n\
        DTSTART;TZID=Custom/Berlin:20260105T100000\r\nDTEND;TZID=Custom/Berlin:20260105T103000\r\n\
        RRULE:FREQ=WEEKLY;COUNT=4\r\nSUMMARY:Weekly\r\nEND:VEVENT\r\n\
        BEGIN:VEVENT\r\nUID:w@x\r\nDTSTAMP:20260101T000000Z\r\n\
        RECURRENCE-ID;TZID=Custom/Berlin:20260112T100000\r\n\
        DTSTART;TZID=Custom/Berlin:20260112T150000\r\nDTEND;TZID=Custom/Berlin:20260112T153000\r\n\
        SUMMARY:Weekly (moved)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    fn window() -> Window {
        Window {
            from: 1_767_225_600 - 86_400 * 30, // 2025-12-02
            to: 1_767_225_600 + 86_400 * 365,
        }
    }

    #[test]
    fn a_series_with_an_override_in_its_own_zone() {
        let rows = ObjectRows::build(WEEKLY, window(), 1_767_225_600, 1000).unwrap();
        assert_eq!(rows.uid(), "w@x");
        let writes = rows.writes();
        assert_eq!(writes.len(), 2);
        assert_eq!(writes[0].recurrence_id, "");
        assert!(!writes[1].recurrence_id.is_empty());
        let occ = rows.occurrences();
        let mut starts: Vec<i64> = occ.occurrences.iter().map(|o| o.start_utc).collect();
        starts.sort_unstable();
        // 10:00 in +01:00 is 09:00Z; the moved one at 15:00 local is 14:00Z.
        assert_eq!(
            starts,
            [
                1_767_603_600,                         // 2026-01-05T09:00Z
                1_767_603_600 + 7 * 86_400 + 5 * 3600, // moved to 14:00Z
                1_767_603_600 + 14 * 86_400,
                1_767_603_600 + 21 * 86_400
            ]
        );
        assert!(rows.diagnostics.is_empty(), "{:?}", rows.diagnostics);
    }

    #[test]
    fn an_object_is_one_uid() {
        let two = WEEKLY.replacen(
            "UID:w@x\r\nDTSTAMP:20260101T000000Z\r\nRECURRENCE-ID",
            "UID:other@x\r\nDTSTAMP:20260101T000000Z\r\nRECURRENCE-ID",
            1,
        );
        let err = ObjectRows::build(&two, window(), 0, 1000).unwrap_err();
        assert!(
            err.to_string().contains("other@x") && err.to_string().contains("w@x"),
            "{err}"
        );
        let none = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n";
        assert!(ObjectRows::build(none, window(), 0, 1000).is_err());
    }
}
