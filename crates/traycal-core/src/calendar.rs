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
    /// The document's VTIMEZONEs that the resolver took, by TZID, with where their
    /// text is in the input (for keeping them beside the calendar's events).
    pub zone_texts: Vec<(String, std::ops::Range<usize>)>,
    /// `X-WR-TIMEZONE`, when it names a known zone: the zone of the calendar's
    /// floating DATE-TIMEs, and the one its UTC ones are shown and recurred in.
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
    /// The input ended without `END:VCALENDAR` although every component was complete:
    /// possibly a download cut at an event boundary (see the sync's truncation rule).
    pub unclosed_calendar: bool,
    /// Whether the input was parsed in two halves at once (see [`load_calendar_split`]).
    pub parsed_in_parts: bool,
}

impl LoadedCalendar<'_> {
    /// True when nothing in the input looked like iCalendar at all.
    pub fn is_empty_of_calendar_data(&self) -> bool {
        self.calendars == 0 && self.components == 0
    }
}

/// Inputs at least this large are parsed in two halves on two threads.
pub const PARALLEL_PARSE_BYTES: usize = 4 << 20;

/// Parse and read a prepared input (see [`crate::ics::parser::prepare_input`]).
/// `kinds` limits which item kinds are kept (the mirror keeps events only; the
/// `occurrences` command keeps all three).
///
/// Large inputs are parsed in two halves at once (see [`load_calendar_split`]); the
/// result is the same as a sequential parse.
pub fn load_calendar<'a>(input: &'a [u8], kinds: &[ItemKind]) -> LoadedCalendar<'a> {
    load_calendar_split(input, kinds, PARALLEL_PARSE_BYTES)
}

/// What one parser produced, already read into items (the expensive part), in input
/// order, so the halves of a split parse can be merged exactly as a sequential parse
/// would have seen them.
enum Read<'a> {
    Event(Box<EventData<'a>>),
    Dropped(crate::event::ReadError),
    Zone(crate::ics::component::Component<'a>),
    CalendarProperty(crate::ics::component::Property<'a>),
    Other,
    Diagnostic(Diagnostic),
}

fn read_all<'a>(parser: &mut Parser<'a>, input: &'a [u8], kinds: &[ItemKind]) -> Vec<Read<'a>> {
    let mut out = Vec::new();
    for item in parser.by_ref() {
        out.push(match item {
            Item::CalendarProperty { property, .. } => Read::CalendarProperty(property),
            Item::Component { component, .. } => {
                if component.name == "VTIMEZONE" {
                    Read::Zone(component)
                } else {
                    match ItemKind::from_name(&component.name) {
                        Some(kind) if kinds.contains(&kind) => {
                            match read_event(&component, input) {
                                Ok(ev) => Read::Event(Box::new(ev)),
                                Err(e) => Read::Dropped(e),
                            }
                        }
                        _ => Read::Other,
                    }
                }
            }
            Item::Diagnostic(d) => Read::Diagnostic(d),
        });
    }
    out
}

/// A clean place to split `input` for two parsers: the start of a `BEGIN:VEVENT` line
/// at or after the middle. Whether it really is at calendar level is checked after the
/// first half has been parsed.
fn split_point(input: &[u8]) -> Option<usize> {
    let mid = input.len() / 2;
    let needle = b"\nBEGIN:VEVENT";
    memchr::memmem::find(input.get(mid..)?, needle).map(|i| mid + i + 1)
}

/// [`load_calendar`] with an explicit size from which the input is parsed in two
/// halves on two threads (tests use small values).
///
/// The second half starts at a `BEGIN:VEVENT` line near the middle, as if inside the
/// calendar; the split is kept only when the first half ends exactly there (inside one
/// `VCALENDAR`, nothing open), otherwise the input is parsed again sequentially.
/// Line numbers of the second half are shifted by the first half's line count, and
/// both halves are merged in input order: items, diagnostics, VTIMEZONEs and calendar
/// properties come out as a sequential parse gives them.
pub fn load_calendar_split<'a>(
    input: &'a [u8],
    kinds: &[ItemKind],
    min_parallel: usize,
) -> LoadedCalendar<'a> {
    if input.len() >= min_parallel.max(1) {
        if let Some(split) = split_point(input) {
            let (first, second) = std::thread::scope(|scope| {
                let second = scope.spawn(|| {
                    let mut p = Parser::resume_in_calendar(input, split);
                    let reads = read_all(&mut p, input, kinds);
                    (
                        reads,
                        p.calendars_seen(),
                        p.truncated(),
                        p.unclosed_calendar(),
                    )
                });
                let mut p = Parser::first_part(input.get(..split).unwrap_or_default());
                let reads = read_all(&mut p, input, kinds);
                let first = (
                    reads,
                    p.calendars_seen(),
                    p.ended_at_calendar_level(),
                    p.lines_read(),
                );
                (first, second.join())
            });
            let (reads1, calendars1, clean, lines1) = first;
            if let (true, Ok((reads2, calendars2, truncated, unclosed))) = (clean, second) {
                let mut cal = LoadedCalendar::empty();
                let mut wr_timezone = None;
                for r in reads1 {
                    cal.absorb(r, &mut wr_timezone);
                }
                for mut r in reads2 {
                    r.shift_lines(lines1);
                    cal.absorb(r, &mut wr_timezone);
                }
                cal.calendars = calendars1 + calendars2;
                cal.truncated = truncated;
                cal.unclosed_calendar = unclosed;
                cal.parsed_in_parts = true;
                cal.finish(wr_timezone);
                return cal;
            }
        }
    }
    let mut parser = Parser::new(input);
    let reads = read_all(&mut parser, input, kinds);
    let mut cal = LoadedCalendar::empty();
    let mut wr_timezone = None;
    for r in reads {
        cal.absorb(r, &mut wr_timezone);
    }
    cal.calendars = parser.calendars_seen();
    cal.truncated = parser.truncated();
    cal.unclosed_calendar = parser.unclosed_calendar();
    cal.finish(wr_timezone);
    cal
}

impl Read<'_> {
    fn shift_lines(&mut self, by: u32) {
        match self {
            Read::Event(ev) => ev.line = ev.line.saturating_add(by),
            Read::Dropped(e) => e.line = e.line.saturating_add(by),
            Read::Zone(c) => c.line = c.line.saturating_add(by),
            Read::Diagnostic(d) if d.line > 0 => d.line = d.line.saturating_add(by),
            Read::CalendarProperty(_) | Read::Other | Read::Diagnostic(_) => {}
        }
    }
}

impl<'a> LoadedCalendar<'a> {
    fn empty() -> Self {
        LoadedCalendar {
            items: Vec::new(),
            resolver: ZoneResolver::new(),
            zone_texts: Vec::new(),
            calendar_zone: None,
            name: None,
            diagnostics: Vec::new(),
            calendars: 0,
            components: 0,
            truncated: false,
            unclosed_calendar: false,
            parsed_in_parts: false,
        }
    }

    fn absorb(&mut self, r: Read<'a>, wr_timezone: &mut Option<String>) {
        match r {
            Read::CalendarProperty(property) => match property.name.as_ref() {
                "X-WR-CALNAME" if self.name.is_none() => {
                    self.name = Some(property.text().into_owned())
                }
                "X-WR-TIMEZONE" if wr_timezone.is_none() => {
                    *wr_timezone = Some(property.value.trim().to_string())
                }
                _ => {}
            },
            Read::Zone(component) => {
                self.components += 1;
                match self.resolver.add_vtimezone(&component) {
                    Ok(()) => {
                        let tzid = component.properties.iter().find(|p| p.name == "TZID");
                        if let Some(tzid) = tzid {
                            self.zone_texts
                                .push((tzid.value.trim().to_string(), component.span.clone()));
                        }
                    }
                    Err(e) => self.diagnostics.push(Diagnostic {
                        line: component.line,
                        uid: None,
                        message: format!("VTIMEZONE ignored: {e}"),
                        dropped: true,
                    }),
                }
            }
            Read::Other => self.components += 1,
            Read::Event(ev) => {
                self.components += 1;
                for w in &ev.warnings {
                    self.diagnostics.push(Diagnostic {
                        line: ev.line,
                        uid: Some(ev.uid.to_string()),
                        message: w.clone(),
                        dropped: false,
                    });
                }
                self.items.push(*ev);
            }
            Read::Dropped(e) => {
                self.components += 1;
                self.diagnostics.push(Diagnostic {
                    line: e.line,
                    uid: e.uid.clone(),
                    message: format!("{} dropped: {}", e.kind, e.reason),
                    dropped: true,
                });
            }
            Read::Diagnostic(d) => self.diagnostics.push(d),
        }
    }

    fn finish(&mut self, wr_timezone: Option<String>) {
        if let Some(name) = wr_timezone {
            let r = self.resolver.resolve(&name);
            if matches!(r.source, ZoneSource::Fallback | ZoneSource::SoleVTimezone) {
                self.diagnostics.push(Diagnostic {
                    line: 0,
                    uid: None,
                    message: format!("X-WR-TIMEZONE {name:?} is not a known zone; ignored"),
                    dropped: false,
                });
            } else {
                self.calendar_zone = Some(r.zone);
            }
        }
    }
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

#[cfg(test)]
mod split_tests {
    use super::*;

    fn event(n: usize, extra: &str) -> String {
        format!(
            "BEGIN:VEVENT\r\nUID:e{n}@t\r\nDTSTART;TZID=Custom:20260302T09{:02}00\r\n\
             DTEND;TZID=Custom:20260302T10{:02}00\r\nSUMMARY:Event {n}\r\n\
             DESCRIPTION:long text that is folded over\r\n  two lines\\, with escapes\r\n\
             {extra}END:VEVENT\r\n",
            n % 60,
            n % 60
        )
    }

    const ZONE: &str = "BEGIN:VTIMEZONE\r\nTZID:Custom\r\nBEGIN:STANDARD\r\n\
        DTSTART:19700101T000000\r\nTZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\n\
        END:STANDARD\r\nEND:VTIMEZONE\r\n";

    fn doc(events: usize, broken_at: usize) -> String {
        let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:Split\r\n");
        s.push_str(ZONE);
        for n in 0..events {
            // a broken event (no DTSTART) in the second half: its diagnostic must carry
            // the line number a sequential parse reports
            if n == broken_at {
                s.push_str("BEGIN:VEVENT\r\nUID:broken@t\r\nSUMMARY:No start\r\nEND:VEVENT\r\n");
            }
            s.push_str(&event(n, ""));
        }
        s.push_str("END:VCALENDAR\r\n");
        s
    }

    fn summary(c: &mut LoadedCalendar<'_>) -> String {
        let items: Vec<String> = c
            .items
            .iter()
            .map(|e| {
                format!(
                    "{}|{}|{:?}|{:?}|{:?}",
                    e.uid, e.line, e.span, e.summary, e.description
                )
            })
            .collect();
        format!(
            "{:?} {:?} {} {} {} {:?} {}",
            items,
            c.diagnostics,
            c.calendars,
            c.components,
            c.truncated,
            c.name,
            c.resolver.resolve("Custom").zone.name()
        )
    }

    #[test]
    fn a_split_parse_gives_exactly_what_a_sequential_parse_gives() {
        for (events, broken_at) in [(40, 30), (41, 1), (3, 2), (1, 5)] {
            let text = doc(events, broken_at);
            let bytes = text.as_bytes();
            let mut sequential = load_calendar_split(bytes, &[ItemKind::Event], usize::MAX);
            let mut split = load_calendar_split(bytes, &[ItemKind::Event], 1);
            assert_eq!(
                summary(&mut split),
                summary(&mut sequential),
                "{events} events"
            );
            assert!(
                split.parsed_in_parts || events < 2,
                "{events} events: split refused"
            );
            assert!(!sequential.parsed_in_parts);
            assert_eq!(sequential.items.len(), events);
            let broken = sequential.diagnostics.iter().any(|d| d.dropped);
            assert_eq!(broken, broken_at < events);
        }
    }

    #[test]
    fn a_split_inside_a_component_falls_back_to_one_parse() {
        // The only `BEGIN:VEVENT` after the middle is nested in a VTODO: the first half
        // does not end at calendar level, so the split is refused.
        let mut text = String::from("BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:t\r\n");
        text.push_str(&"X-PAD:0123456789\r\n".repeat(50));
        text.push_str("BEGIN:VEVENT\r\nUID:nested\r\nEND:VEVENT\r\nEND:VTODO\r\n");
        text.push_str(&event(1, ""));
        text.push_str("END:VCALENDAR\r\n");
        let bytes = text.as_bytes();
        let mut sequential = load_calendar_split(bytes, &[ItemKind::Event], usize::MAX);
        let mut split = load_calendar_split(bytes, &[ItemKind::Event], 1);
        assert_eq!(summary(&mut split), summary(&mut sequential));
        assert_eq!(split.items.len(), 1);
        assert!(!split.parsed_in_parts, "the split must have been refused");
    }

    #[test]
    fn a_truncated_second_half_is_reported() {
        let mut text = doc(20, 100);
        text.truncate(text.len() - 40); // cut inside the last event
        let mut split = load_calendar_split(text.as_bytes(), &[ItemKind::Event], 1);
        let mut sequential = load_calendar_split(text.as_bytes(), &[ItemKind::Event], usize::MAX);
        assert!(split.truncated && sequential.truncated);
        assert_eq!(summary(&mut split), summary(&mut sequential));
    }

    #[test]
    fn a_missing_end_vcalendar_is_reported_by_both_parses() {
        let text = doc(20, 100);
        let cut = text
            .trim_end()
            .trim_end_matches("END:VCALENDAR")
            .to_string();
        for min_parallel in [1, usize::MAX] {
            let whole = load_calendar_split(text.as_bytes(), &[ItemKind::Event], min_parallel);
            assert!(!whole.unclosed_calendar && !whole.truncated);
            let open = load_calendar_split(cut.as_bytes(), &[ItemKind::Event], min_parallel);
            assert!(open.unclosed_calendar, "{min_parallel}");
            assert!(!open.truncated);
            assert_eq!(open.items.len(), whole.items.len());
        }
    }
}
