//! Events as the rest of Traycal sees them: the fields of a `VEVENT` (or `VTODO` /
//! `VJOURNAL`) read out of a parsed [`Component`], with times still as written.
//!
//! Reading a component never fails as a whole: a broken property becomes a
//! [`ReadError`] only when the event cannot be placed in time (no usable DTSTART and
//! no DUE); anything else broken is skipped and reported as a warning, so one bad
//! EXDATE does not lose the meeting.

use std::borrow::Cow;
use std::ops::Range;

use crate::ics::Component;
use crate::value::{parse_date_or_time, parse_duration, DateOrTime, IcsDuration};

/// Which kind of component an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemKind {
    Event,
    Todo,
    Journal,
}

impl ItemKind {
    /// The component name (`VEVENT`, …).
    pub fn name(self) -> &'static str {
        match self {
            ItemKind::Event => "VEVENT",
            ItemKind::Todo => "VTODO",
            ItemKind::Journal => "VJOURNAL",
        }
    }

    /// The kind for a component name, if it is one we expand.
    pub fn from_name(name: &str) -> Option<ItemKind> {
        match name {
            "VEVENT" => Some(ItemKind::Event),
            "VTODO" => Some(ItemKind::Todo),
            "VJOURNAL" => Some(ItemKind::Journal),
            _ => None,
        }
    }
}

/// A DATE or DATE-TIME with the TZID it was written with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeSpec<'a> {
    pub value: DateOrTime,
    pub tzid: Option<Cow<'a, str>>,
}

/// How the end of an item is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndSpec<'a> {
    /// DTEND (or DUE for a VTODO).
    At(TimeSpec<'a>),
    /// DURATION: nominal days and exact seconds, applied by expansion.
    Duration(IcsDuration),
    /// Neither: RFC 5545 3.6.1 defaults apply.
    Default,
}

/// The fields Traycal uses, read from one component; times are not yet resolved.
#[derive(Debug, Clone)]
pub struct EventData<'a> {
    pub kind: ItemKind,
    pub uid: Cow<'a, str>,
    /// True when the component had no UID and one was derived from its content.
    pub uid_generated: bool,
    pub recurrence_id: Option<TimeSpec<'a>>,
    /// `RECURRENCE-ID;RANGE=THISANDFUTURE`.
    pub this_and_future: bool,
    pub start: Option<TimeSpec<'a>>,
    pub end: EndSpec<'a>,
    /// RRULE values as written (usually one).
    pub rrules: Vec<Cow<'a, str>>,
    pub exrules: Vec<Cow<'a, str>>,
    /// RDATEs; a PERIOD value carries its own end.
    pub rdates: Vec<(TimeSpec<'a>, Option<EndSpec<'a>>)>,
    pub exdates: Vec<TimeSpec<'a>>,
    /// True when an RRULE or RDATE property is present at all (even if empty or
    /// broken): such a UID is a recurring series.
    pub has_recurrence_props: bool,
    pub summary: Option<Cow<'a, str>>,
    pub location: Option<Cow<'a, str>>,
    pub description: Option<Cow<'a, str>>,
    pub status: Option<Cow<'a, str>>,
    pub transp: Option<Cow<'a, str>>,
    pub sequence: i64,
    pub last_modified: Option<Cow<'a, str>>,
    pub url: Option<Cow<'a, str>>,
    /// 1-based line of `BEGIN`.
    pub line: u32,
    /// Byte range of the component in the prepared input.
    pub span: Range<usize>,
    /// Problems with individual properties that were skipped.
    pub warnings: Vec<String>,
}

impl EventData<'_> {
    /// The RECURRENCE-ID as a stable key: `""` for a master, else the value as
    /// written in canonical form, prefixed by its TZID (`Europe/Berlin:20240105T090000`).
    pub fn recurrence_key(&self) -> String {
        match &self.recurrence_id {
            None => String::new(),
            Some(t) => {
                let v = match t.value {
                    DateOrTime::Date(d) => d.format("%Y%m%d").to_string(),
                    DateOrTime::DateTime { local, utc } => {
                        let mut s = local.format("%Y%m%dT%H%M%S").to_string();
                        if utc {
                            s.push('Z');
                        }
                        s
                    }
                };
                match &t.tzid {
                    Some(z) => format!("{z}:{v}"),
                    None => v,
                }
            }
        }
    }
}

/// Why a component could not be used at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} {uid:?} (line {line}): {reason}")]
pub struct ReadError {
    pub kind: &'static str,
    pub uid: Option<String>,
    pub line: u32,
    pub reason: String,
}

fn time_spec<'a>(p: &crate::ics::Property<'a>) -> Result<TimeSpec<'a>, String> {
    let value =
        parse_date_or_time(&p.value, p.param("VALUE")).map_err(|e| format!("{}: {e}", p.name))?;
    let tzid = match p.params.iter().find(|q| q.name == "TZID") {
        Some(q) if !q.value.trim().is_empty() => Some(q.value.clone()),
        _ => None,
    };
    Ok(TimeSpec { value, tzid })
}

/// Split a multi-valued date list property (RDATE/EXDATE) into specs; PERIOD values
/// (`start/end` or `start/duration`) also yield their end.
fn time_list<'a>(
    p: &crate::ics::Property<'a>,
    mut push: impl FnMut(TimeSpec<'a>, Option<EndSpec<'a>>),
) -> Result<(), String> {
    let tzid = match p.params.iter().find(|q| q.name == "TZID") {
        Some(q) if !q.value.trim().is_empty() => Some(q.value.clone()),
        _ => None,
    };
    let vparam = p.param("VALUE");
    let is_period = vparam.is_some_and(|v| v.eq_ignore_ascii_case("PERIOD"));
    for part in p.value.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (text, period_end) = match part.split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (part, None),
        };
        let v = if is_period { None } else { vparam };
        let value = parse_date_or_time(text, v).map_err(|e| format!("{}: {e}", p.name))?;
        let end = match period_end {
            Some(b) if b.starts_with(['P', 'p', '+', '-']) => Some(EndSpec::Duration(
                parse_duration(b).map_err(|e| format!("{}: {e}", p.name))?,
            )),
            Some(b) => Some(EndSpec::At(TimeSpec {
                value: parse_date_or_time(b, None).map_err(|e| format!("{}: {e}", p.name))?,
                tzid: tzid.clone(),
            })),
            None => None,
        };
        push(
            TimeSpec {
                value,
                tzid: tzid.clone(),
            },
            end,
        );
    }
    Ok(())
}

fn text_of<'a>(p: &crate::ics::Property<'a>) -> Cow<'a, str> {
    match crate::ics::component::unescape_text(&p.value) {
        Cow::Borrowed(_) => p.value.clone(),
        Cow::Owned(s) => Cow::Owned(s),
    }
}

/// Read an item out of a component. `raw` is the prepared input (for a stable
/// generated UID when the component has none).
pub fn read_event<'a>(c: &Component<'a>, raw: &[u8]) -> Result<EventData<'a>, ReadError> {
    let kind = ItemKind::from_name(&c.name).ok_or_else(|| ReadError {
        kind: "component",
        uid: None,
        line: c.line,
        reason: format!("{} is not an event, to-do or journal", c.name),
    })?;
    let mut ev = EventData {
        kind,
        uid: Cow::Borrowed(""),
        uid_generated: false,
        recurrence_id: None,
        this_and_future: false,
        start: None,
        end: EndSpec::Default,
        rrules: Vec::new(),
        exrules: Vec::new(),
        rdates: Vec::new(),
        exdates: Vec::new(),
        has_recurrence_props: false,
        summary: None,
        location: None,
        description: None,
        status: None,
        transp: None,
        sequence: 0,
        last_modified: None,
        url: None,
        line: c.line,
        span: c.span.clone(),
        warnings: Vec::new(),
    };
    let mut uid: Option<Cow<'a, str>> = None;
    let mut due: Option<TimeSpec<'a>> = None;
    let mut start_error: Option<String> = None;
    for p in &c.properties {
        let r: Result<(), String> = match p.name.as_ref() {
            "UID" => {
                if uid.is_none() {
                    uid = Some(text_of(p));
                }
                Ok(())
            }
            "DTSTART" => time_spec(p)
                .map(|t| ev.start = Some(t))
                .inspect_err(|e| start_error = Some(e.clone())),
            "DTEND" => time_spec(p).map(|t| ev.end = EndSpec::At(t)),
            "DUE" => time_spec(p).map(|t| due = Some(t)),
            "DURATION" => parse_duration(&p.value)
                .map(|d| {
                    if !matches!(ev.end, EndSpec::At(_)) {
                        ev.end = EndSpec::Duration(d)
                    }
                })
                .map_err(|e| format!("DURATION: {e}")),
            "RECURRENCE-ID" => {
                ev.this_and_future = p
                    .param("RANGE")
                    .is_some_and(|r| r.eq_ignore_ascii_case("THISANDFUTURE"));
                time_spec(p).map(|t| ev.recurrence_id = Some(t))
            }
            "RRULE" => {
                ev.has_recurrence_props = true;
                ev.rrules.push(p.value.clone());
                Ok(())
            }
            "EXRULE" => {
                ev.exrules.push(p.value.clone());
                Ok(())
            }
            "RDATE" => {
                ev.has_recurrence_props = true;
                time_list(p, |t, e| ev.rdates.push((t, e)))
            }
            "EXDATE" => time_list(p, |t, _| ev.exdates.push(t)),
            "SUMMARY" => {
                if ev.summary.is_none() {
                    ev.summary = Some(text_of(p));
                }
                Ok(())
            }
            "LOCATION" => {
                if ev.location.is_none() {
                    ev.location = Some(text_of(p));
                }
                Ok(())
            }
            "DESCRIPTION" => {
                if ev.description.is_none() {
                    ev.description = Some(text_of(p));
                }
                Ok(())
            }
            "STATUS" => {
                if ev.status.is_none() {
                    ev.status = Some(p.value.clone());
                }
                Ok(())
            }
            "TRANSP" => {
                if ev.transp.is_none() {
                    ev.transp = Some(p.value.clone());
                }
                Ok(())
            }
            "SEQUENCE" => {
                ev.sequence = p.value.trim().parse().unwrap_or(0);
                Ok(())
            }
            "LAST-MODIFIED" => {
                ev.last_modified = Some(p.value.clone());
                Ok(())
            }
            "URL" => {
                if ev.url.is_none() {
                    ev.url = Some(p.value.clone());
                }
                Ok(())
            }
            _ => Ok(()),
        };
        if let Err(e) = r {
            ev.warnings
                .push(format!("line {}: {e}; property ignored", p.line));
        }
    }
    if ev.end == EndSpec::Default {
        if let Some(d) = due.clone() {
            ev.end = EndSpec::At(d);
        }
    }
    if ev.start.is_none() {
        // A VTODO with only DUE is placed at its DUE (RFC 5545 allows it).
        if let Some(d) = due {
            ev.start = Some(d);
        }
    }
    match uid {
        Some(u) if !u.trim().is_empty() => ev.uid = u,
        _ => {
            // RFC 5545 requires a UID; feeds sometimes omit it. Derive a stable one
            // from the component's bytes so re-syncs match it again.
            let bytes = raw.get(c.span.clone()).unwrap_or_default();
            ev.uid = Cow::Owned(format!(
                "traycal-generated-{:016x}",
                xxhash_rust::xxh3::xxh3_64(bytes)
            ));
            ev.uid_generated = true;
        }
    }
    if ev.start.is_none() {
        return Err(ReadError {
            kind: kind.name(),
            uid: Some(ev.uid.chars().take(200).collect()),
            line: c.line,
            reason: match start_error {
                Some(e) => format!("unusable DTSTART ({e})"),
                None => "no DTSTART".into(),
            },
        });
    }
    Ok(ev)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ics::parser::parse_all;

    #[test]
    fn reads_fields_and_keeps_going_past_bad_properties() {
        let input = "BEGIN:VEVENT\nUID:u1\nDTSTART;TZID=Europe/Berlin:20240105T090000\nDURATION:PT1H\nRRULE:FREQ=DAILY;COUNT=3\nEXDATE;TZID=Europe/Berlin:20240106T090000,garbage\nSUMMARY:Team\\, weekly\nEND:VEVENT\n";
        let (comps, _, _) = parse_all(input.as_bytes());
        let ev = read_event(&comps[0], input.as_bytes()).unwrap();
        assert_eq!(ev.uid, "u1");
        assert_eq!(ev.summary.as_deref(), Some("Team, weekly"));
        match ev.end {
            EndSpec::Duration(d) => assert_eq!((d.days(), d.seconds()), (0, 3_600)),
            ref other => panic!("DURATION not read: {other:?}"),
        }
        assert_eq!(
            ev.start.as_ref().unwrap().tzid.as_deref(),
            Some("Europe/Berlin")
        );
        assert_eq!(ev.rrules.len(), 1);
        assert_eq!(ev.warnings.len(), 1, "{:?}", ev.warnings);
    }

    #[test]
    fn missing_dtstart_is_an_error_naming_the_uid() {
        let input = "BEGIN:VEVENT\nUID:nostart\nSUMMARY:x\nEND:VEVENT\n";
        let (comps, _, _) = parse_all(input.as_bytes());
        let err = read_event(&comps[0], input.as_bytes()).unwrap_err();
        assert_eq!(err.uid.as_deref(), Some("nostart"));
        assert!(err.to_string().contains("no DTSTART"));
    }

    #[test]
    fn missing_uid_is_derived_stably() {
        let input = "BEGIN:VEVENT\nDTSTART:20240105T090000Z\nEND:VEVENT\n";
        let (comps, _, _) = parse_all(input.as_bytes());
        let a = read_event(&comps[0], input.as_bytes()).unwrap();
        let b = read_event(&comps[0], input.as_bytes()).unwrap();
        assert!(a.uid_generated);
        assert_eq!(a.uid, b.uid);
    }
}
