//! A tolerant, streaming RFC 5545 parser.
//!
//! The parser walks the input once and hands out the *top-level* components (the
//! children of `VCALENDAR`: `VEVENT`, `VTODO`, `VTIMEZONE`, …) one at a time, so a
//! 100 MB feed never exists as one big tree: memory stays proportional to the largest
//! component. Everything borrows from the input unless unfolding or case-folding forced
//! a copy.
//!
//! Tolerance (real feeds are messy):
//! - CRLF, LF, lone CR and mixed line endings; folds with space or tab, including
//!   folds that split a UTF-8 character (unfolding happens on bytes, before decoding);
//! - a UTF-8 BOM, UTF-16 input with a BOM ([`prepare_input`]), invalid UTF-8 replaced
//!   by U+FFFD per line;
//! - lower-case names; components outside a `VCALENDAR` (a bare `VEVENT` file);
//!   several `VCALENDAR`s in one file; a missing `END:VCALENDAR`.
//!
//! Invariants:
//! - no recursion: nesting is tracked on a heap stack, and components deeper than
//!   [`MAX_DEPTH`] are skipped with one diagnostic, so 10,000-deep input cannot
//!   overflow the stack;
//! - one broken component is dropped with a [`Diagnostic`] naming its line and UID
//!   when known; the others are kept;
//! - a logical line longer than [`MAX_LINE_BYTES`] is rejected with a diagnostic
//!   (documented limit) instead of being buffered without bound;
//! - work is linear in the input size (folds are joined with one copy).

use std::borrow::Cow;

use super::component::{Component, Param, Property};

/// Components nested deeper than this (VCALENDAR = 1, VEVENT = 2, VALARM = 3) are
/// skipped. Real data needs 4 at most; the margin is for odd X- components.
pub const MAX_DEPTH: usize = 16;

/// Longest accepted logical (unfolded) line. Generous: one corpus case folds a
/// 1.5 MB value over 20,000 lines and is legitimate.
pub const MAX_LINE_BYTES: usize = 8 * 1024 * 1024;

/// Something the parser noticed and worked around, or a component it had to drop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line number where the problem was seen.
    pub line: u32,
    /// UID of the component concerned, when known.
    pub uid: Option<String>,
    /// What went wrong, in words a user can act on.
    pub message: String,
    /// True when data was dropped; false for a warning about accepted input.
    pub dropped: bool,
}

/// What the stream yields.
#[derive(Debug)]
pub enum Item<'a> {
    /// A property of a `VCALENDAR` (e.g. `X-WR-CALNAME`, `X-WR-TIMEZONE`, `METHOD`).
    /// `calendar` counts `VCALENDAR`s from 0.
    CalendarProperty {
        calendar: u32,
        property: Property<'a>,
    },
    /// A complete top-level component (child of a `VCALENDAR`, or a bare component).
    Component {
        calendar: u32,
        component: Component<'a>,
    },
    /// A problem found while parsing.
    Diagnostic(Diagnostic),
}

/// Turn raw bytes into UTF-8-ish bytes the parser can read: strips a UTF-8 BOM and
/// decodes UTF-16 (LE or BE, with BOM). Other input is returned untouched (invalid
/// UTF-8 is repaired later, per line).
pub fn prepare_input(bytes: &[u8]) -> Cow<'_, [u8]> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return Cow::Borrowed(rest);
    }
    let utf16 = |le: bool| -> Vec<u8> {
        let units = bytes[2..].chunks_exact(2).map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect::<String>()
            .into_bytes()
    };
    match bytes {
        [0xFF, 0xFE, ..] => Cow::Owned(utf16(true)),
        [0xFE, 0xFF, ..] => Cow::Owned(utf16(false)),
        _ => Cow::Borrowed(bytes),
    }
}

/// A streaming parser over prepared input (see [`prepare_input`]).
pub struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
    /// Line number of the next physical line to read (1-based).
    line_no: u32,
    /// Names of open components, outermost first (heap, not recursion).
    open: Vec<Cow<'a, str>>,
    /// Components being built, parallel to `open` for depths we keep. Index 0 is the
    /// top-level component (VCALENDAR's child); VCALENDAR itself is not built.
    building: Vec<Component<'a>>,
    /// Whether the outermost open component is a VCALENDAR.
    in_calendar: bool,
    calendar_index: u32,
    calendars_seen: u32,
    /// Set while skipping a top-level component that is already known to be broken,
    /// so one problem yields one diagnostic.
    pending: std::collections::VecDeque<Item<'a>>,
    done: bool,
    /// The input ended inside a top-level component (a cut-off download).
    truncated: bool,
    /// The input ended inside a `VCALENDAR` with nothing else open: complete
    /// components but no `END:VCALENDAR` (a download cut at an event boundary, or a
    /// feed that never writes it).
    unclosed_calendar: bool,
    /// This parser reads one part of a larger input (see [`Parser::first_part`]): its
    /// end is not the document's end, so it reports nothing about what is left open.
    partial: bool,
    /// Set at the end of a partial parse when it stopped at calendar level: inside one
    /// `VCALENDAR`, no component open (the state [`Parser::resume_in_calendar`] starts in).
    ended_at_calendar_level: bool,
}

/// One logical (unfolded) line.
struct Line<'a> {
    text: Cow<'a, str>,
    number: u32,
    /// Byte offset of the start of the line in the input.
    start: usize,
    /// Byte offset just past the line's terminator.
    end: usize,
}

impl<'a> Parser<'a> {
    /// A parser over `input` (already passed through [`prepare_input`]).
    pub fn new(input: &'a [u8]) -> Self {
        Parser {
            input,
            pos: 0,
            line_no: 1,
            open: Vec::new(),
            building: Vec::new(),
            in_calendar: false,
            calendar_index: 0,
            calendars_seen: 0,
            pending: std::collections::VecDeque::new(),
            done: false,
            truncated: false,
            unclosed_calendar: false,
            partial: false,
            ended_at_calendar_level: false,
        }
    }

    /// A parser over the first part of an input that another parser continues (see
    /// [`Parser::resume_in_calendar`]); `first` must be a prefix of the whole input so
    /// byte spans stay absolute. At its end it reports nothing about open components;
    /// check [`Parser::ended_at_calendar_level`] to know whether the split was clean.
    pub fn first_part(first: &'a [u8]) -> Self {
        let mut p = Parser::new(first);
        p.partial = true;
        p
    }

    /// A parser that starts at byte `from` of `input` as if a `VCALENDAR` were open
    /// and nothing else (a clean split point, e.g. the start of a `BEGIN:VEVENT` line
    /// directly inside the calendar). Line numbers count from the split (1); callers
    /// add the first part's line count. Spans are absolute.
    pub fn resume_in_calendar(input: &'a [u8], from: usize) -> Self {
        let mut p = Parser::new(input);
        p.pos = from.min(input.len());
        p.open.push(Cow::Borrowed("VCALENDAR"));
        p.in_calendar = true;
        p
    }

    /// For a [`Parser::first_part`] that has been run to its end: whether it stopped
    /// inside one `VCALENDAR` with no component open.
    pub fn ended_at_calendar_level(&self) -> bool {
        self.ended_at_calendar_level
    }

    /// Number of physical lines read so far.
    pub fn lines_read(&self) -> u32 {
        self.line_no.saturating_sub(1)
    }

    /// True when the input ended inside a component: the data was cut off.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// True when the input ended inside a `VCALENDAR` with every component closed
    /// (no `END:VCALENDAR`). Only meaningful once the parser is exhausted.
    pub fn unclosed_calendar(&self) -> bool {
        self.unclosed_calendar
    }

    /// Number of `VCALENDAR` components seen so far.
    pub fn calendars_seen(&self) -> u32 {
        self.calendars_seen
    }

    /// Read one physical line starting at `self.pos`; returns (content range, next pos).
    fn physical_line(&self, from: usize) -> (usize, usize, usize) {
        let rest = &self.input[from..];
        match memchr::memchr2(b'\r', b'\n', rest) {
            Some(i) => {
                let end = from + i;
                // `\r\n`, and also `\r\r\n` (seen in Windows exports that doubled
                // the CR), are one line break; a lone `\r` or `\n` is one too.
                let mut j = i;
                if rest[j] == b'\r' {
                    let mut k = j;
                    while rest.get(k + 1) == Some(&b'\r') {
                        k += 1;
                    }
                    if rest.get(k + 1) == Some(&b'\n') {
                        j = k + 1;
                    }
                }
                (from, end, from + j + 1)
            }
            None => (from, self.input.len(), self.input.len()),
        }
    }

    /// Read the next logical line, joining folded continuation lines.
    fn next_line(&mut self) -> Option<Result<Line<'a>, Diagnostic>> {
        loop {
            if self.pos >= self.input.len() {
                return None;
            }
            let start = self.pos;
            let number = self.line_no;
            let (s, e, mut next) = self.physical_line(start);
            self.line_no += 1;
            // Fast path: the following line is not a continuation.
            let is_fold = |p: usize| matches!(self.input.get(p), Some(b' ') | Some(b'\t'));
            if !is_fold(next) {
                self.pos = next;
                if e == s {
                    continue; // blank line: ignore
                }
                let bytes = &self.input[s..e];
                let text = match std::str::from_utf8(bytes) {
                    Ok(t) => Cow::Borrowed(t),
                    Err(_) => Cow::Owned(String::from_utf8_lossy(bytes).into_owned()),
                };
                return Some(Ok(Line {
                    text,
                    number,
                    start,
                    end: next,
                }));
            }
            // Folded: join on bytes so a fold inside a UTF-8 sequence heals.
            let mut buf: Vec<u8> = self.input[s..e].to_vec();
            let mut too_long = false;
            while is_fold(next) {
                let (cs, ce, cn) = self.physical_line(next + 1);
                self.line_no += 1;
                if !too_long {
                    if buf.len() + (ce - cs) > MAX_LINE_BYTES {
                        too_long = true;
                        buf = Vec::new();
                    } else {
                        buf.extend_from_slice(&self.input[cs..ce]);
                    }
                }
                next = cn;
            }
            self.pos = next;
            if too_long {
                return Some(Err(Diagnostic {
                    line: number,
                    uid: None,
                    message: format!(
                        "line longer than the {} MB limit after unfolding; property dropped",
                        MAX_LINE_BYTES / (1024 * 1024)
                    ),
                    dropped: true,
                }));
            }
            if buf.is_empty() {
                continue;
            }
            let text = match String::from_utf8(buf) {
                Ok(t) => t,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            };
            return Some(Ok(Line {
                text: Cow::Owned(text),
                number,
                start,
                end: next,
            }));
        }
    }

    fn diag(&mut self, line: u32, message: String, dropped: bool) {
        let uid = self.building.first().and_then(uid_of);
        self.pending.push_back(Item::Diagnostic(Diagnostic {
            line,
            uid,
            message,
            dropped,
        }));
    }

    /// Depth of the component being built relative to the top level (0-based), given
    /// the open stack.
    fn build_depth(&self) -> usize {
        self.open.len() - usize::from(self.in_calendar)
    }

    fn handle_begin(&mut self, name: Cow<'a, str>, line: &Line<'a>) {
        if name == "VCALENDAR" && self.open.is_empty() {
            self.in_calendar = true;
            if self.calendars_seen > 0 {
                self.calendar_index += 1;
            }
            self.calendars_seen += 1;
            self.open.push(name);
            return;
        }
        if name == "VCALENDAR" {
            self.diag(
                line.number,
                "BEGIN:VCALENDAR inside another component; ignored".into(),
                false,
            );
        }
        let depth = self.build_depth();
        if self.open.len() >= MAX_DEPTH {
            if self.open.len() == MAX_DEPTH {
                self.diag(
                    line.number,
                    format!("components nested deeper than {MAX_DEPTH} levels are skipped"),
                    true,
                );
            }
            self.open.push(name);
            return;
        }
        if depth == self.building.len() {
            let mut c = Component::new(name.clone());
            c.line = line.number;
            c.span = line.start..line.end;
            self.building.push(c);
        }
        self.open.push(name);
    }

    /// Close the innermost open component; returns a finished top-level component.
    fn close_innermost(&mut self, end: usize) -> Option<Component<'a>> {
        let _ = self.open.pop()?;
        if self.open.is_empty() && self.in_calendar && self.building.is_empty() {
            // END:VCALENDAR
            self.in_calendar = false;
            return None;
        }
        let depth = self.build_depth();
        if depth + 1 == self.building.len() {
            let mut done = self.building.pop()?;
            done.span.end = end;
            match self.building.last_mut() {
                Some(parent) => parent.children.push(done),
                None => return Some(done),
            }
        }
        None
    }

    fn handle_end(&mut self, name: &str, line: &Line<'a>) -> Option<Item<'a>> {
        // Find the innermost open component with this name.
        let Some(idx) = self.open.iter().rposition(|n| n == name) else {
            // A misspelt END (`END:VTOOD`) closes the innermost component, as python
            // icalendar does; a stray END at calendar level is ignored.
            let innermost_is_calendar =
                self.in_calendar && self.open.len() == 1 || self.open.is_empty();
            if innermost_is_calendar {
                self.diag(
                    line.number,
                    format!("END:{name} without a matching BEGIN; ignored"),
                    false,
                );
                return None;
            }
            let inner = self.open.last().map(|n| n.to_string()).unwrap_or_default();
            self.diag(
                line.number,
                format!("END:{name} does not match BEGIN:{inner}; taken as END:{inner}"),
                false,
            );
            return self
                .close_innermost(line.end)
                .map(|component| Item::Component {
                    calendar: self.calendar_index,
                    component,
                });
        };
        let mut finished = None;
        let unclosed = self.open.len() - 1 - idx;
        if unclosed > 0 {
            let inner = self.open[self.open.len() - 1].to_string();
            // Mis-nesting: the innermost components were never closed. If that leaves a
            // top-level component incomplete, it is dropped below; otherwise the
            // enclosing one survives without the unclosed children.
            self.diag(
                line.number,
                format!("END:{name} while {inner} is still open; unclosed components dropped"),
                true,
            );
            for _ in 0..unclosed {
                let depth_before = self.build_depth();
                self.open.pop();
                if depth_before == self.building.len() && !self.building.is_empty() {
                    self.building.pop();
                }
            }
        }
        if let Some(c) = self.close_innermost(line.end) {
            finished = Some(c);
        }
        finished.map(|component| Item::Component {
            calendar: self.calendar_index,
            component,
        })
    }
}

fn uid_of(c: &Component<'_>) -> Option<String> {
    c.prop("UID").map(|p| p.value.chars().take(200).collect())
}

/// Upper-case a name, borrowing when it already is.
fn upper<'a>(name: Cow<'a, str>) -> Cow<'a, str> {
    if name.bytes().any(|b| b.is_ascii_lowercase()) {
        Cow::Owned(name.to_ascii_uppercase())
    } else {
        name
    }
}

/// Split `text` (a Cow) into a sub-Cow for `range`, borrowing when possible.
fn sub<'a>(text: &Cow<'a, str>, range: std::ops::Range<usize>) -> Cow<'a, str> {
    match text {
        Cow::Borrowed(s) => Cow::Borrowed(&s[range]),
        Cow::Owned(s) => Cow::Owned(s[range].to_string()),
    }
}

/// Parse one content line into a property. Errors name the problem.
pub fn parse_property<'a>(text: Cow<'a, str>, line: u32) -> Result<Property<'a>, String> {
    let bytes = text.as_bytes();
    // Name: up to the first ';' or ':'.
    let name_end = bytes
        .iter()
        .position(|&b| b == b';' || b == b':')
        .ok_or_else(|| "content line without ':'".to_string())?;
    if name_end == 0 {
        return Err("content line without a property name".into());
    }
    let name = upper(sub(&text, 0..name_end));
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(format!(
            "invalid property name {:?}",
            name.chars().take(40).collect::<String>()
        ));
    }
    let mut params = Vec::new();
    let mut i = name_end;
    while bytes[i] == b';' {
        i += 1;
        let pstart = i;
        while i < bytes.len() && bytes[i] != b'=' && bytes[i] != b';' && bytes[i] != b':' {
            i += 1;
        }
        if i >= bytes.len() {
            return Err(format!("{name}: parameter without value"));
        }
        let pname = upper(sub(&text, pstart..i));
        if bytes[i] != b'=' {
            // `;FOO;` or `;FOO:` — a valueless parameter (seen in the wild). Keep it.
            params.push(Param {
                name: pname,
                value: Cow::Borrowed(""),
            });
            continue;
        }
        i += 1;
        // A parameter value: list of (quoted | unquoted), comma separated.
        let vstart = i;
        let mut quoted_only: Option<(usize, usize)> = None;
        loop {
            if i < bytes.len() && bytes[i] == b'"' {
                let qs = i + 1;
                match memchr::memchr(b'"', &bytes[qs..]) {
                    Some(q) => {
                        if vstart + 1 == qs && quoted_only.is_none() {
                            quoted_only = Some((qs, qs + q));
                        } else {
                            quoted_only = None;
                        }
                        i = qs + q + 1;
                    }
                    None => {
                        return Err(format!("{name}: unterminated quoted parameter value"));
                    }
                }
            } else {
                while i < bytes.len() && !matches!(bytes[i], b',' | b';' | b':') {
                    if bytes[i] == b'"' {
                        break;
                    }
                    i += 1;
                }
            }
            if i < bytes.len() && bytes[i] == b',' {
                quoted_only = None;
                i += 1;
                continue;
            }
            break;
        }
        if i >= bytes.len() {
            return Err(format!("{name}: missing ':' before the value"));
        }
        let value = match quoted_only {
            Some((a, b)) if b + 1 == i => sub(&text, a..b),
            _ => {
                let raw = &text[vstart..i];
                if raw.contains('"') {
                    Cow::Owned(raw.replace('"', ""))
                } else {
                    sub(&text, vstart..i)
                }
            }
        };
        params.push(Param { name: pname, value });
    }
    if i >= bytes.len() || bytes[i] != b':' {
        return Err(format!("{name}: missing ':' before the value"));
    }
    let value = sub(&text, i + 1..bytes.len());
    Ok(Property {
        name,
        params,
        value,
        line,
    })
}

impl<'a> Iterator for Parser<'a> {
    type Item = Item<'a>;

    fn next(&mut self) -> Option<Item<'a>> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Some(item);
            }
            if self.done {
                return None;
            }
            let line = match self.next_line() {
                Some(Ok(l)) => l,
                Some(Err(d)) => {
                    self.pending.push_back(Item::Diagnostic(d));
                    continue;
                }
                None => {
                    self.done = true;
                    self.finish();
                    continue;
                }
            };
            // BEGIN / END are the structure; everything else is a property.
            let t = line.text.as_ref();
            if t.len() >= 6 && t.as_bytes()[..6].eq_ignore_ascii_case(b"BEGIN:") {
                let name = upper(sub(&line.text, 6..t.len()));
                let name = trim_cow(name);
                self.handle_begin(name, &line);
                continue;
            }
            if t.len() >= 4 && t.as_bytes()[..4].eq_ignore_ascii_case(b"END:") {
                let name = t[4..].trim().to_ascii_uppercase();
                if let Some(item) = self.handle_end(&name, &line) {
                    return Some(item);
                }
                continue;
            }
            let depth_ok = self.open.len() <= MAX_DEPTH;
            if !depth_ok {
                continue;
            }
            if self.open.is_empty() {
                // Stray property outside any component (or after END:VCALENDAR).
                if !t.trim().is_empty() {
                    self.diag(
                        line.number,
                        "content outside BEGIN:VCALENDAR … END:VCALENDAR ignored".into(),
                        false,
                    );
                }
                continue;
            }
            let number = line.number;
            match parse_property(line.text, number) {
                Ok(property) => {
                    if self.building.is_empty() {
                        if self.in_calendar && self.open.len() == 1 {
                            return Some(Item::CalendarProperty {
                                calendar: self.calendar_index,
                                property,
                            });
                        }
                        continue;
                    }
                    let depth = self.build_depth();
                    // Only the innermost component being built takes the property
                    // (skipped deep components have no builder).
                    if depth == self.building.len() {
                        if let Some(c) = self.building.last_mut() {
                            c.properties.push(property);
                        }
                    }
                }
                Err(message) => {
                    self.diag(number, format!("{message}; property dropped"), true);
                }
            }
        }
    }
}

impl<'a> Parser<'a> {
    /// End of input: report what was left open.
    fn finish(&mut self) {
        if self.partial {
            self.ended_at_calendar_level = self.in_calendar
                && self.open.len() == 1
                && self.building.is_empty()
                && self.pending.is_empty();
            self.open.clear();
            self.building.clear();
            return;
        }
        if !self.building.is_empty() {
            self.truncated = true;
            let top = &self.building[0];
            let (line, name) = (top.line, top.name.to_string());
            let uid = uid_of(top);
            self.pending.push_back(Item::Diagnostic(Diagnostic {
                line,
                uid,
                message: format!("input ends inside {name} (truncated?); component dropped"),
                dropped: true,
            }));
            self.building.clear();
        } else if self.in_calendar {
            self.unclosed_calendar = true;
            self.pending.push_back(Item::Diagnostic(Diagnostic {
                line: self.line_no.saturating_sub(1),
                uid: None,
                message: "missing END:VCALENDAR; complete components kept".into(),
                dropped: false,
            }));
        }
        self.open.clear();
    }
}

fn trim_cow(c: Cow<'_, str>) -> Cow<'_, str> {
    match c {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
        Cow::Owned(s) => {
            let t = s.trim();
            if t.len() == s.len() {
                Cow::Owned(s)
            } else {
                Cow::Owned(t.to_string())
            }
        }
    }
}

/// Parse a whole input into top-level components, calendar properties and
/// diagnostics (convenience for small inputs and tests; big feeds should stream).
pub fn parse_all(input: &[u8]) -> (Vec<Component<'_>>, Vec<Property<'_>>, Vec<Diagnostic>) {
    let mut comps = Vec::new();
    let mut props = Vec::new();
    let mut diags = Vec::new();
    for item in Parser::new(input) {
        match item {
            Item::Component { component, .. } => comps.push(component),
            Item::CalendarProperty { property, .. } => props.push(property),
            Item::Diagnostic(d) => diags.push(d),
        }
    }
    (comps, props, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(c: &[Component<'_>]) -> Vec<String> {
        c.iter()
            .map(|c| {
                format!(
                    "{}:{}",
                    c.name,
                    c.prop("UID")
                        .map(|p| p.value.to_string())
                        .unwrap_or_default()
                )
            })
            .collect()
    }

    const CAL: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:Team\r\nBEGIN:VEVENT\r\nUID:a\r\nSUMMARY:Hello\r\n  world\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nEND:VALARM\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:b\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[test]
    fn basic_structure_and_folding() {
        let (comps, props, diags) = parse_all(CAL.as_bytes());
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(names(&comps), ["VEVENT:a", "VEVENT:b"]);
        assert_eq!(comps[0].prop("SUMMARY").unwrap().value, "Hello world");
        assert_eq!(comps[0].children.len(), 1);
        assert_eq!(comps[0].children[0].name, "VALARM");
        assert_eq!(props.len(), 2);
        let raw = &CAL[comps[1].span.clone()];
        assert_eq!(raw, "BEGIN:VEVENT\r\nUID:b\r\nEND:VEVENT\r\n");
    }

    #[test]
    fn line_endings_are_equivalent() {
        let lf = CAL.replace("\r\n", "\n");
        let cr = CAL.replace("\r\n", "\r");
        for v in [lf, cr] {
            let (comps, _, diags) = parse_all(v.as_bytes());
            assert!(diags.is_empty());
            assert_eq!(names(&comps), ["VEVENT:a", "VEVENT:b"]);
            assert_eq!(comps[0].prop("SUMMARY").unwrap().value, "Hello world");
        }
    }

    #[test]
    fn doubled_cr_before_lf_is_one_line_break() {
        let input =
            "BEGIN:VEVENT\r\r\nUID:x\r\r\nDESCRIPTION:tab\r\r\n\tfolded\r\r\nEND:VEVENT\r\r\n";
        let (comps, _, diags) = parse_all(input.as_bytes());
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(comps[0].prop("DESCRIPTION").unwrap().value, "tabfolded");
    }

    #[test]
    fn fold_inside_utf8_character_heals() {
        let s = "Grüße";
        let b = s.as_bytes();
        // Split the two bytes of 'ü'.
        let mut input = b"BEGIN:VEVENT\r\nUID:x\r\nSUMMARY:".to_vec();
        input.extend_from_slice(&b[..2]);
        input.extend_from_slice(b"\r\n ");
        input.extend_from_slice(&b[2..]);
        input.extend_from_slice(b"\r\nEND:VEVENT\r\n");
        let (comps, _, _) = parse_all(&input);
        assert_eq!(comps[0].prop("SUMMARY").unwrap().value, "Grüße");
    }

    #[test]
    fn lower_case_names_and_bare_vevent() {
        let input = "begin:vevent\nuid:x\ndtstart;tzid=Europe/Berlin:20240101T100000\nend:vevent\n";
        let (comps, _, _) = parse_all(input.as_bytes());
        assert_eq!(comps.len(), 1);
        let p = comps[0].prop("DTSTART").unwrap();
        assert_eq!(p.param("TZID"), Some("Europe/Berlin"));
    }

    #[test]
    fn quoted_params_and_broken_quote() {
        let p = parse_property(
            Cow::Borrowed(r#"ATTENDEE;CN="A:B;C";ROLE=REQ-PARTICIPANT:mailto:a@example.com"#),
            1,
        )
        .unwrap();
        assert_eq!(p.param("CN"), Some("A:B;C"));
        assert_eq!(p.value, "mailto:a@example.com");
        assert!(
            parse_property(Cow::Borrowed(r#"ORGANIZER;CN="Unterminated:mailto:o"#), 1).is_err()
        );
        let p = parse_property(Cow::Borrowed("DESCRIPTION:a:b;c"), 1).unwrap();
        assert_eq!(p.value, "a:b;c");
    }

    #[test]
    fn truncated_component_is_dropped_with_a_diagnostic() {
        let input =
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:good\nEND:VEVENT\nBEGIN:VEVENT\nUID:cut\nSUMMARY:x";
        let (comps, _, diags) = parse_all(input.as_bytes());
        assert_eq!(names(&comps), ["VEVENT:good"]);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].uid.as_deref(), Some("cut"));
        assert!(diags[0].dropped);
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        let mut s = String::from("BEGIN:VCALENDAR\n");
        for _ in 0..10_000 {
            s.push_str("BEGIN:X-DEEP\n");
        }
        for _ in 0..10_000 {
            s.push_str("END:X-DEEP\n");
        }
        s.push_str("BEGIN:VEVENT\nUID:after\nEND:VEVENT\nEND:VCALENDAR\n");
        let (comps, _, diags) = parse_all(s.as_bytes());
        assert!(names(&comps).contains(&"VEVENT:after".to_string()));
        assert!(!diags.is_empty());
    }

    #[test]
    fn mismatched_end_does_not_misnest_later_components() {
        let input = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:m\nEND:VTODO\nEND:VCALENDAR\nBEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:n\nEND:VEVENT\nEND:VEVENT\nEND:VCALENDAR\n";
        let (comps, _, diags) = parse_all(input.as_bytes());
        assert_eq!(names(&comps), ["VEVENT:m", "VEVENT:n"]);
        assert!(!diags.is_empty());
    }

    #[test]
    fn utf16_and_bom() {
        let mut v = vec![0xFF, 0xFE];
        for u in "BEGIN:VEVENT\r\nUID:u\r\nEND:VEVENT\r\n".encode_utf16() {
            v.extend_from_slice(&u.to_le_bytes());
        }
        let prepared = prepare_input(&v);
        let (comps, _, _) = parse_all(&prepared);
        assert_eq!(names(&comps), ["VEVENT:u"]);
        let bom = b"\xEF\xBB\xBFBEGIN:VEVENT\nUID:v\nEND:VEVENT\n";
        let prepared = prepare_input(bom);
        assert_eq!(names(&parse_all(&prepared).0), ["VEVENT:v"]);
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let input = b"BEGIN:VEVENT\nUID:b\nSUMMARY:bad \xC3\x28 x\nEND:VEVENT\n";
        let (comps, _, _) = parse_all(input);
        assert_eq!(comps[0].prop("SUMMARY").unwrap().value, "bad \u{FFFD}( x");
    }
}
