//! Writing the component tree as RFC 5545 text: the inverse of [`super::parser`].
//!
//! The tree keeps *raw* values (see [`super::component`]): a TEXT value is stored
//! still escaped, exactly as it was read. The writer therefore writes every value as
//! stored and never escapes it again; plain text is escaped once, when a property is
//! built from it ([`Component::push_text`], [`super::component::escape_text`]).
//!
//! Invariants:
//! - **round trip**: for a tree the parser produced, parse → write → parse gives an
//!   equal tree, except for the positions (`line`, `span`) that describe the input
//!   read; and writing is idempotent (write → parse → write is byte-identical);
//! - every line ends in CRLF and is folded at 75 octets, the continuation's leading
//!   space counted in its 75; a fold never falls inside a UTF-8 character;
//! - properties are written in stored order, then child components in stored order;
//!   unknown and `X-` properties, components and parameters are written like any other;
//! - nothing stored can end its content line early (no injected property or
//!   component): a line break in a raw value (the parser never stores one; code might)
//!   is written as the TEXT escape `\n`, in a parameter value it becomes a space, and
//!   line breaks in names are dropped;
//! - a parameter value containing `:`, `;` or `,` is quoted with DQUOTE. A DQUOTE
//!   inside a value cannot be written (RFC 5545 has no escape for it; the RFC 6868
//!   `^'` encoding is not read by our parser), so it is dropped, just as the parser
//!   drops quotes it reads;
//! - names are written as stored (upper-case, as the parser stores them; code that
//!   builds a tree is expected to do the same);
//! - no recursion: nesting is walked on a heap stack, like the parser does.

use super::component::{Component, Param, Property};

/// Longest physical line in octets, CRLF excluded (RFC 5545 3.1).
pub const MAX_LINE_OCTETS: usize = 75;

impl Component<'_> {
    /// This component (and its children) as RFC 5545 text.
    pub fn to_ics(&self) -> String {
        let mut out = String::new();
        write_component(&mut out, self);
        out
    }
}

/// Append `component`, its properties and children, to `out` as RFC 5545 text.
pub fn write_component(out: &mut String, component: &Component<'_>) {
    let mut lines = Lines { out, col: 0 };
    // Each entry: a component whose BEGIN and properties are written, and the index
    // of its next child to write.
    let mut stack: Vec<(&Component<'_>, usize)> = Vec::new();
    lines.begin(component);
    stack.push((component, 0));
    while let Some((current, next)) = stack.last_mut() {
        match current.children.get(*next) {
            Some(child) => {
                *next += 1;
                lines.begin(child);
                stack.push((child, 0));
            }
            None => {
                lines.structure("END:", &current.name);
                stack.pop();
            }
        }
    }
}

/// A sink of folded content lines.
struct Lines<'o> {
    out: &'o mut String,
    /// Octets on the current physical line.
    col: usize,
}

impl Lines<'_> {
    fn begin(&mut self, component: &Component<'_>) {
        self.structure("BEGIN:", &component.name);
        for property in &component.properties {
            self.property(property);
        }
    }

    fn structure(&mut self, keyword: &str, name: &str) {
        self.push(keyword);
        self.push_name(name);
        self.end_line();
    }

    fn property(&mut self, property: &Property<'_>) {
        self.push_name(&property.name);
        for param in &property.params {
            self.param(param);
        }
        self.push(":");
        self.push_value(&property.value);
        self.end_line();
    }

    fn param(&mut self, param: &Param<'_>) {
        self.push(";");
        self.push_name(&param.name);
        self.push("=");
        let value: &str = &param.value;
        let cleaned;
        let value = if value.contains(['"', '\r', '\n']) {
            cleaned = value
                .chars()
                .filter(|&c| c != '"')
                .map(|c| if matches!(c, '\r' | '\n') { ' ' } else { c })
                .collect::<String>();
            cleaned.as_str()
        } else {
            value
        };
        if value.contains([':', ';', ',']) {
            self.push("\"");
            self.push(value);
            self.push("\"");
        } else {
            self.push(value);
        }
    }

    /// A name, without line breaks.
    fn push_name(&mut self, name: &str) {
        for piece in name.split(['\r', '\n']) {
            self.push(piece);
        }
    }

    /// A raw value; a line break in it (`\r\n`, `\r` or `\n`) is written `\n`.
    fn push_value(&mut self, value: &str) {
        let mut rest = value;
        while let Some(i) = rest.find(['\r', '\n']) {
            self.push(&rest[..i]);
            self.push("\\n");
            let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
            rest = &rest[i + skip..];
        }
        self.push(rest);
    }

    /// Append `s` to the current line, folding before the line would exceed
    /// [`MAX_LINE_OCTETS`], at a character boundary.
    fn push(&mut self, mut s: &str) {
        while !s.is_empty() {
            let room = MAX_LINE_OCTETS - self.col;
            if s.len() <= room {
                self.out.push_str(s);
                self.col += s.len();
                return;
            }
            let mut cut = room;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            self.out.push_str(&s[..cut]);
            s = &s[cut..];
            // `s` is not empty here (it was longer than `room`), so the continuation
            // line gets content; after the fold there is room for any character.
            self.out.push_str("\r\n ");
            self.col = 1;
        }
    }

    fn end_line(&mut self) {
        self.out.push_str("\r\n");
        self.col = 0;
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::ics::parse_all;

    /// The physical lines of `text`, which must end in CRLF.
    fn physical_lines(text: &str) -> Vec<&[u8]> {
        let body = text.strip_suffix("\r\n").expect("output must end in CRLF");
        let lines: Vec<&[u8]> = body.split("\r\n").map(str::as_bytes).collect();
        for line in &lines {
            assert!(
                !line.contains(&b'\r') && !line.contains(&b'\n'),
                "bare CR/LF"
            );
        }
        lines
    }

    fn event_with(name: &'static str, raw: String) -> Component<'static> {
        let mut c = Component::new("VEVENT");
        c.push(name, Vec::new(), raw);
        c
    }

    /// The one property of the one VEVENT in `text`, parsed back.
    fn reparsed_value(text: &str) -> String {
        let (comps, _, diags) = parse_all(text.as_bytes());
        assert!(diags.is_empty(), "{diags:?}");
        comps[0].properties[0].value.to_string()
    }

    #[test]
    fn a_line_of_exactly_75_octets_is_not_folded() {
        // "SUMMARY:" is 8 octets.
        let c = event_with("SUMMARY", "x".repeat(67));
        let text = c.to_ics();
        let lines = physical_lines(&text);
        assert_eq!(lines[1].len(), 75);
        assert_eq!(lines.len(), 3, "{text:?}");
    }

    #[test]
    fn a_line_of_76_octets_folds_after_75() {
        let c = event_with("SUMMARY", "x".repeat(68));
        let text = c.to_ics();
        let lines = physical_lines(&text);
        assert_eq!(lines.len(), 4, "{text:?}");
        assert_eq!(lines[1].len(), 75);
        assert_eq!(lines[2], b" x");
    }

    #[test]
    fn continuation_lines_count_their_space() {
        let value = "y".repeat(500);
        let text = event_with("DESCRIPTION", value.clone()).to_ics();
        let lines = physical_lines(&text);
        let folded = &lines[1..lines.len() - 1];
        for line in &folded[1..] {
            assert_eq!(line[0], b' ');
        }
        // Every line but the last is full: 75 octets, the space included.
        for line in &folded[..folded.len() - 1] {
            assert_eq!(line.len(), 75);
        }
        assert_eq!(reparsed_value(&text), value);
    }

    #[test]
    fn multi_byte_characters_are_never_split() {
        for ch in ["é", "😀", "日", "👩‍💻"] {
            // Shift the text by every offset so a character straddles each fold.
            for pad in 0..8 {
                let value = format!("{}{}", "a".repeat(pad), ch.repeat(120));
                let text = event_with("SUMMARY", value.clone()).to_ics();
                let char_len = ch.chars().map(char::len_utf8).max().unwrap_or(1);
                let lines = physical_lines(&text);
                let folded = &lines[1..lines.len() - 1];
                for (i, line) in folded.iter().enumerate() {
                    // On its own, each physical line is valid UTF-8.
                    assert!(std::str::from_utf8(line).is_ok(), "{ch} pad {pad}");
                    assert!(line.len() <= 75);
                    // Folds are as late as they can be.
                    if i + 1 < folded.len() {
                        assert!(line.len() > 75 - char_len, "{ch} pad {pad}: {}", line.len());
                    }
                }
                assert_eq!(reparsed_value(&text), value, "{ch} pad {pad}");
            }
        }
    }

    #[test]
    fn text_is_escaped_once_by_push_text_and_written_as_stored() {
        let plain = "a\\b;c,d\ne: f";
        let mut c = Component::new("VEVENT");
        c.push_text("SUMMARY", plain);
        assert_eq!(c.properties[0].value, "a\\\\b\\;c\\,d\\ne: f");
        let text = c.to_ics();
        assert!(
            text.contains("SUMMARY:a\\\\b\\;c\\,d\\ne: f\r\n"),
            "{text:?}"
        );
        let (comps, _, _) = parse_all(text.as_bytes());
        assert_eq!(comps[0].properties[0].text(), plain);
        // A raw value keeps its escapes as they are: no double escaping.
        let raw = event_with("DESCRIPTION", "x\\, y\\nz".into()).to_ics();
        assert!(raw.contains("DESCRIPTION:x\\, y\\nz\r\n"), "{raw:?}");
    }

    #[test]
    fn a_line_break_in_a_raw_value_cannot_inject_lines() {
        let c = event_with("SUMMARY", "x\r\nEND:VEVENT\nBEGIN:VTODO\rUID:evil".into());
        let text = c.to_ics();
        assert_eq!(
            text,
            "BEGIN:VEVENT\r\nSUMMARY:x\\nEND:VEVENT\\nBEGIN:VTODO\\nUID:evil\r\nEND:VEVENT\r\n"
        );
        let mut c = Component::new("VEVENT");
        c.push(
            "ATTENDEE",
            vec![Param::new("CN", "a\r\nUID:x")],
            "mailto:a@x",
        );
        assert!(c
            .to_ics()
            .contains("ATTENDEE;CN=\"a  UID:x\":mailto:a@x\r\n"));
    }

    #[test]
    fn parameter_values_are_quoted_when_needed() {
        let mut c = Component::new("VEVENT");
        c.push(
            "ATTENDEE",
            vec![
                Param::new("CN", "Doe, Jane"),
                Param::new("ROLE", "REQ-PARTICIPANT"),
                Param::new("DELEGATED-FROM", "mailto:b@example.com"),
                Param::new("X-NOTE", "a;b"),
                Param::new("X-SAID", "say \"hi\""),
            ],
            "mailto:jane@example.com",
        );
        c.push(
            "DTSTART",
            vec![Param::new("TZID", "Europe/Berlin")],
            "20240101T100000",
        );
        let text = c.to_ics();
        let unfolded = text.replace("\r\n ", "");
        assert!(
            unfolded.contains(
                "ATTENDEE;CN=\"Doe, Jane\";ROLE=REQ-PARTICIPANT;\
                 DELEGATED-FROM=\"mailto:b@example.com\";X-NOTE=\"a;b\";X-SAID=say hi:\
                 mailto:jane@example.com\r\n"
            ),
            "{unfolded:?}"
        );
        assert!(text.contains("DTSTART;TZID=Europe/Berlin:20240101T100000\r\n"));
        let (comps, _, diags) = parse_all(text.as_bytes());
        assert!(diags.is_empty(), "{diags:?}");
        let attendee = &comps[0].properties[0];
        assert_eq!(attendee.param("CN"), Some("Doe, Jane"));
        assert_eq!(
            attendee.param("DELEGATED-FROM"),
            Some("mailto:b@example.com")
        );
        assert_eq!(attendee.param("X-NOTE"), Some("a;b"));
        assert_eq!(attendee.param("X-SAID"), Some("say hi"));
        assert_eq!(attendee.value, "mailto:jane@example.com");
    }

    #[test]
    fn nested_components_are_written_in_order() {
        let mut standard = Component::new("STANDARD");
        standard
            .push("DTSTART", Vec::new(), "19701025T030000")
            .push("TZOFFSETFROM", Vec::new(), "+0200")
            .push("TZOFFSETTO", Vec::new(), "+0100");
        let mut daylight = Component::new("DAYLIGHT");
        daylight
            .push("DTSTART", Vec::new(), "19700329T020000")
            .push("TZOFFSETFROM", Vec::new(), "+0100")
            .push("TZOFFSETTO", Vec::new(), "+0200");
        let mut tz = Component::new("VTIMEZONE");
        tz.push("TZID", Vec::new(), "Europe/Berlin")
            .push_child(standard)
            .push_child(daylight);
        let mut alarm = Component::new("VALARM");
        alarm
            .push("ACTION", Vec::new(), "DISPLAY")
            .push("TRIGGER", Vec::new(), "-PT10M");
        let mut event = Component::new("VEVENT");
        event
            .push("UID", Vec::new(), "1@example.com")
            .push_text("SUMMARY", "Stand-up")
            .push_child(alarm)
            .push("X-UNKNOWN", vec![Param::new("X-P", "1")], "kept");
        let mut cal = Component::new("VCALENDAR");
        cal.push("VERSION", Vec::new(), "2.0")
            .push_child(tz)
            .push_child(event);
        let expected = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n\
            BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n\
            BEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n\
            BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\n\
            END:VTIMEZONE\r\n\
            BEGIN:VEVENT\r\nUID:1@example.com\r\nSUMMARY:Stand-up\r\nX-UNKNOWN;X-P=1:kept\r\n\
            BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nEND:VALARM\r\n\
            END:VEVENT\r\nEND:VCALENDAR\r\n";
        assert_eq!(cal.to_ics(), expected);
        let (comps, props, diags) = parse_all(expected.as_bytes());
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(props.len(), 1);
        assert_eq!(comps.len(), 2);
        assert_eq!(comps[0].children_named("DAYLIGHT").count(), 1);
        assert_eq!(comps[1].children[0].name, "VALARM");
    }

    #[test]
    fn empty_values_and_valueless_parameters_survive() {
        let input = "BEGIN:VEVENT\r\nSUMMARY:\r\nX-FLAG;X-EMPTY;X-B=:v\r\nEND:VEVENT\r\n";
        let (comps, _, diags) = parse_all(input.as_bytes());
        assert!(diags.is_empty(), "{diags:?}");
        let text = comps[0].to_ics();
        assert_eq!(
            text,
            "BEGIN:VEVENT\r\nSUMMARY:\r\nX-FLAG;X-EMPTY=;X-B=:v\r\nEND:VEVENT\r\n"
        );
        let (again, _, _) = parse_all(text.as_bytes());
        assert_eq!(again[0].properties, comps[0].properties);
    }

    #[test]
    fn writing_is_idempotent() {
        let mut event = Component::new("VEVENT");
        event
            .push_text("SUMMARY", "Ünïcødé ☕ 会议 ".repeat(12))
            .push(
                "ATTENDEE",
                vec![Param::new("CN", "Ωmega, \"Q\"; x:y")],
                Cow::Borrowed("mailto:o@example.com"),
            );
        let first = event.to_ics();
        let (comps, _, _) = parse_all(first.as_bytes());
        let second = comps[0].to_ics();
        assert_eq!(first, second);
    }
}
