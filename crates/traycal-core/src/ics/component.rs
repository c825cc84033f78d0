//! The generic iCalendar component tree, borrowed from the input where possible.
//!
//! Names are stored upper-case (owned only when the input was not). Values are the raw
//! property text after unfolding: TEXT unescaping is done on demand by
//! [`Property::text`], because most values are never looked at.
//!
//! The same tree is what [`super::writer`] writes, so it keeps the raw form there too:
//! [`Component::push`] takes RFC 5545 text as it will be written, and
//! [`Component::push_text`] takes plain text and escapes it ([`escape_text`], the
//! inverse of [`unescape_text`]). A tree built by code has no input position: `line`
//! is 0 and `span` is `0..0`.

use std::borrow::Cow;
use std::ops::Range;

/// One property parameter, e.g. `TZID=Europe/Berlin`. Quotes are removed; a
/// multi-valued parameter keeps its values comma-joined as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param<'a> {
    pub name: Cow<'a, str>,
    pub value: Cow<'a, str>,
}

/// One content line: `NAME;PARAM=V:VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property<'a> {
    pub name: Cow<'a, str>,
    pub params: Vec<Param<'a>>,
    pub value: Cow<'a, str>,
    /// 1-based line number (of the first physical line) in the input.
    pub line: u32,
}

impl<'a> Param<'a> {
    /// A parameter with an unquoted value (the writer adds quotes where needed).
    pub fn new(name: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) -> Self {
        Param {
            name: name.into(),
            value: value.into(),
        }
    }
}

impl<'a> Property<'a> {
    /// A property whose value is raw RFC 5545 text, written as given (a TEXT value
    /// must already be escaped: see [`escape_text`]).
    pub fn new(
        name: impl Into<Cow<'a, str>>,
        params: Vec<Param<'a>>,
        raw_value: impl Into<Cow<'a, str>>,
    ) -> Self {
        Property {
            name: name.into(),
            params,
            value: raw_value.into(),
            line: 0,
        }
    }
}

impl Property<'_> {
    /// The first value of parameter `name` (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(|p| p.value.as_ref())
    }

    /// The value as TEXT (RFC 5545 3.3.11): `\n`, `\N`, `\,`, `\;`, `\\` unescaped.
    /// An unknown escape keeps the character after the backslash (lenient).
    pub fn text(&self) -> Cow<'_, str> {
        unescape_text(&self.value)
    }
}

/// Unescape an RFC 5545 TEXT value.
pub fn unescape_text(raw: &str) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') | Some('N') => out.push('\n'),
            Some(other) => out.push(other),
            // A trailing lone backslash is kept as written.
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

/// Escape plain text as an RFC 5545 TEXT value: `\\`, `;`, `,` and line breaks
/// (`\r\n`, `\n` or a lone `\r`, all written `\n`). `:` needs no escape. For text
/// without `\r`, `unescape_text(&escape_text(s)) == s`.
pub fn escape_text(plain: &str) -> Cow<'_, str> {
    if !plain.contains(['\\', ';', ',', '\n', '\r']) {
        return Cow::Borrowed(plain);
    }
    let mut out = String::with_capacity(plain.len() + 8);
    let mut chars = plain.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                // CRLF is one line break.
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            other => out.push(other),
        }
    }
    Cow::Owned(out)
}

/// A component (`BEGIN:X` … `END:X`) with its properties and children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component<'a> {
    pub name: Cow<'a, str>,
    pub properties: Vec<Property<'a>>,
    pub children: Vec<Component<'a>>,
    /// 1-based line number of the `BEGIN` line.
    pub line: u32,
    /// Byte range of the whole component (BEGIN line through END line) in the
    /// decoded input, so the raw text can be kept alongside parsed fields.
    pub span: Range<usize>,
}

impl<'a> Component<'a> {
    /// A new empty component named `name` (upper-case expected).
    pub fn new(name: impl Into<Cow<'a, str>>) -> Self {
        Component {
            name: name.into(),
            properties: Vec::new(),
            children: Vec::new(),
            line: 0,
            span: 0..0,
        }
    }

    /// Append a property whose value is raw RFC 5545 text (written as given; see
    /// [`Property::new`]). Names are expected upper-case, as the parser stores them.
    pub fn push(
        &mut self,
        name: impl Into<Cow<'a, str>>,
        params: Vec<Param<'a>>,
        raw_value: impl Into<Cow<'a, str>>,
    ) -> &mut Self {
        self.properties.push(Property::new(name, params, raw_value));
        self
    }

    /// Append a TEXT property (SUMMARY, DESCRIPTION, LOCATION, …) from plain text,
    /// escaped with [`escape_text`]; [`Property::text`] gives the plain text back.
    pub fn push_text(
        &mut self,
        name: impl Into<Cow<'a, str>>,
        plain: impl Into<Cow<'a, str>>,
    ) -> &mut Self {
        let value = match plain.into() {
            Cow::Borrowed(s) => escape_text(s),
            Cow::Owned(s) => match escape_text(&s) {
                Cow::Borrowed(_) => Cow::Owned(s),
                Cow::Owned(escaped) => Cow::Owned(escaped),
            },
        };
        self.push(name, Vec::new(), value)
    }

    /// Append a child component (a VALARM in a VEVENT, a VEVENT in a VCALENDAR, …).
    pub fn push_child(&mut self, child: Component<'a>) -> &mut Self {
        self.children.push(child);
        self
    }

    /// The first property called `name` (names are stored upper-case).
    pub fn prop(&self, name: &str) -> Option<&Property<'a>> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// Every property called `name`, in input order.
    pub fn props<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Property<'a>> + 's {
        self.properties.iter().filter(move |p| p.name == name)
    }

    /// Children called `name`.
    pub fn children_named<'s>(
        &'s self,
        name: &'s str,
    ) -> impl Iterator<Item = &'s Component<'a>> + 's {
        self.children.iter().filter(move |c| c.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_text_is_the_inverse_of_unescape_text() {
        for plain in [
            "",
            "plain: no escapes",
            "a\\b;c,d\ne",
            "\\n is not a newline",
            "trailing \\",
            ";;,,\n\n",
            "é 😀 日",
        ] {
            assert_eq!(unescape_text(&escape_text(plain)), plain, "{plain:?}");
        }
        assert!(matches!(escape_text("nothing"), Cow::Borrowed(_)));
        assert_eq!(escape_text("a\r\nb\rc"), "a\\nb\\nc");
    }

    #[test]
    fn built_properties_have_no_position() {
        let mut c = Component::new("VEVENT");
        c.push_text("SUMMARY", String::from("a, b")).push(
            "DTSTART",
            vec![Param::new("VALUE", "DATE")],
            "20240101",
        );
        assert_eq!(c.properties[0].value, "a\\, b");
        assert_eq!(c.properties[0].text(), "a, b");
        assert_eq!(
            c.prop("DTSTART").and_then(|p| p.param("VALUE")),
            Some("DATE")
        );
        assert!(c.properties.iter().all(|p| p.line == 0));
    }
}
