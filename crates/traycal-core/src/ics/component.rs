//! The generic iCalendar component tree, borrowed from the input where possible.
//!
//! Names are stored upper-case (owned only when the input was not). Values are the raw
//! property text after unfolding: TEXT unescaping is done on demand by
//! [`Property::text`], because most values are never looked at.

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
