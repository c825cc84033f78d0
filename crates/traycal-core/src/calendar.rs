//! Loading a whole iCalendar document: parse, read items, register VTIMEZONEs, and
//! note calendar-level settings (`X-WR-CALNAME`, `X-WR-TIMEZONE`).
//!
//! The result borrows from the prepared input; nothing is resolved or expanded yet,
//! so callers can filter items first and expand only what they keep.

use crate::event::{read_event, EventData, ItemKind};
use crate::ics::parser::{Diagnostic, Item, Parser};
use crate::tz::{Zone, ZoneResolver, ZoneSource};

/// A parsed document.
pub struct LoadedCalendar<'a> {
    /// Events, to-dos and journals in input order.
    pub items: Vec<EventData<'a>>,
    /// Zones: IANA, Windows names, and the document's own VTIMEZONEs.
    pub resolver: ZoneResolver,
    /// `X-WR-TIMEZONE`, when it names a known zone.
    pub calendar_zone: Option<Zone>,
    /// `X-WR-CALNAME`.
    pub name: Option<String>,
    /// Everything that was dropped or repaired, with line and UID.
    pub diagnostics: Vec<Diagnostic>,
    /// How many `VCALENDAR`s the input held (0 for a bare component file).
    pub calendars: u32,
    /// Top-level components seen, of any kind.
    pub components: usize,
    /// The input ended inside a component (a cut-off download): a sync must not
    /// take such a body as the new truth.
    pub truncated: bool,
}

impl LoadedCalendar<'_> {
    /// True when nothing in the input looked like iCalendar at all.
    pub fn is_empty_of_calendar_data(&self) -> bool {
        self.calendars == 0 && self.components == 0
    }
}

/// Parse and read a prepared input (see [`crate::ics::parser::prepare_input`]).
/// `kinds` limits which item kinds are kept (the mirror keeps events only; the
/// `occurrences` command keeps all three).
pub fn load_calendar<'a>(input: &'a [u8], kinds: &[ItemKind]) -> LoadedCalendar<'a> {
    let mut cal = LoadedCalendar {
        items: Vec::new(),
        resolver: ZoneResolver::new(),
        calendar_zone: None,
        name: None,
        diagnostics: Vec::new(),
        calendars: 0,
        components: 0,
        truncated: false,
    };
    let mut wr_timezone: Option<String> = None;
    let mut parser = Parser::new(input);
    for item in parser.by_ref() {
        match item {
            Item::CalendarProperty { property, .. } => match property.name.as_ref() {
                "X-WR-CALNAME" if cal.name.is_none() => {
                    cal.name = Some(property.text().into_owned())
                }
                "X-WR-TIMEZONE" if wr_timezone.is_none() => {
                    wr_timezone = Some(property.value.trim().to_string())
                }
                _ => {}
            },
            Item::Component { component, .. } => {
                cal.components += 1;
                if component.name == "VTIMEZONE" {
                    if let Err(e) = cal.resolver.add_vtimezone(&component) {
                        cal.diagnostics.push(Diagnostic {
                            line: component.line,
                            uid: None,
                            message: format!("VTIMEZONE ignored: {e}"),
                            dropped: true,
                        });
                    }
                    continue;
                }
                let Some(kind) = ItemKind::from_name(&component.name) else {
                    continue;
                };
                if !kinds.contains(&kind) {
                    continue;
                }
                match read_event(&component, input) {
                    Ok(ev) => {
                        for w in &ev.warnings {
                            cal.diagnostics.push(Diagnostic {
                                line: ev.line,
                                uid: Some(ev.uid.to_string()),
                                message: w.clone(),
                                dropped: false,
                            });
                        }
                        cal.items.push(ev);
                    }
                    Err(e) => cal.diagnostics.push(Diagnostic {
                        line: e.line,
                        uid: e.uid.clone(),
                        message: format!("{} dropped: {}", e.kind, e.reason),
                        dropped: true,
                    }),
                }
            }
            Item::Diagnostic(d) => cal.diagnostics.push(d),
        }
    }
    cal.calendars = parser.calendars_seen();
    cal.truncated = parser.truncated();
    if let Some(name) = wr_timezone {
        let r = cal.resolver.resolve(&name);
        if matches!(r.source, ZoneSource::Fallback | ZoneSource::SoleVTimezone) {
            cal.diagnostics.push(Diagnostic {
                line: 0,
                uid: None,
                message: format!("X-WR-TIMEZONE {name:?} is not a known zone; ignored"),
                dropped: false,
            });
        } else {
            cal.calendar_zone = Some(r.zone);
        }
    }
    cal
}

/// One occurrence in the shape of the shared corpus' `expected-occurrences.jsonl`
/// (and the `traycal occurrences` output).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OccurrenceRow {
    pub component: &'static str,
    pub uid: Option<String>,
    pub recurrence_id: Option<String>,
    pub start_utc: String,
    pub end_utc: String,
    pub all_day: bool,
    pub floating: bool,
    pub tzid: Option<String>,
    pub summary: Option<String>,
    pub status: Option<String>,
    /// Sort key (start as Unix seconds, wall time for floating/all-day).
    #[serde(skip)]
    pub sort_key: i64,
}

impl LoadedCalendar<'_> {
    /// Number of occurrences over `opts.window` (no rows are formatted).
    pub fn count_occurrences(
        &mut self,
        opts: &crate::expand::ExpandOptions,
        diagnostics: &mut Vec<String>,
    ) -> usize {
        let mut tc =
            crate::expand::TimeContext::new(&mut self.resolver, self.calendar_zone.clone());
        let exp = crate::expand::expand_items(&self.items, &mut tc, opts);
        diagnostics.extend(exp.diagnostics);
        exp.occurrences.len()
    }

    /// Expand every item over `opts.window` into corpus-shaped rows, sorted by start,
    /// UID and recurrence id. Expansion problems are appended to `diagnostics`.
    pub fn occurrence_rows(
        &mut self,
        opts: &crate::expand::ExpandOptions,
        diagnostics: &mut Vec<String>,
    ) -> Vec<OccurrenceRow> {
        use crate::expand::{expand_items, TimeContext};
        let mut tc = TimeContext::new(&mut self.resolver, self.calendar_zone.clone());
        let exp = expand_items(&self.items, &mut tc, opts);
        let mut rows: Vec<OccurrenceRow> = exp
            .occurrences
            .iter()
            .map(|o| {
                let ev = &self.items[o.item];
                OccurrenceRow {
                    component: ev.kind.name(),
                    // A UID we made up is not the calendar's: report none, as the
                    // corpus does for components without UID.
                    uid: if ev.uid_generated {
                        None
                    } else {
                        Some(ev.uid.to_string())
                    },
                    recurrence_id: if ev.uid_generated {
                        None
                    } else {
                        o.instance.map(|s| s.format())
                    },
                    start_utc: o.start.format(),
                    end_utc: o.end.format(),
                    all_day: o.start.kind == crate::expand::TimeKind::Date,
                    floating: o.start.kind == crate::expand::TimeKind::Floating,
                    tzid: match o.rdate.and_then(|i| ev.rdates.get(i as usize)) {
                        Some((rd, _)) => tc.reported_tzid(rd, None),
                        None => ev
                            .start
                            .as_ref()
                            .and_then(|s| tc.reported_tzid(s, Some(&ev.end))),
                    },
                    summary: ev.summary.as_ref().map(|s| s.to_string()),
                    status: ev.status.as_ref().map(|s| s.to_string()),
                    sort_key: o.start.secs,
                }
            })
            .collect();
        diagnostics.extend(exp.diagnostics);
        rows.sort_by(|a, b| {
            (a.sort_key, &a.uid, &a.recurrence_id).cmp(&(b.sort_key, &b.uid, &b.recurrence_id))
        });
        rows
    }
}
