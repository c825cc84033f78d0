//! The XML a CalDAV server answers with, read into a small tree of namespaced
//! elements (a multistatus of a few thousand events is a few megabytes: a tree is
//! simpler than a streaming walk and costs little beside the bodies it holds).
//!
//! Invariants: names are matched by namespace URI and local name, never by prefix
//! (servers choose their own: `d:`, `D:`, `ns0:`); text is unescaped (entities and
//! character references such as sabre's `&#13;`), CDATA kept as is; a document that
//! is not well-formed is an error naming the position, never a partial tree.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

/// The WebDAV namespace.
pub const DAV: &str = "DAV:";
/// The CalDAV namespace (RFC 4791).
pub const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
/// Apple's calendarserver namespace (`getctag`).
pub const CS: &str = "http://calendarserver.org/ns/";
/// Apple's iCal namespace (`calendar-color`).
pub const ICAL: &str = "http://apple.com/ns/ical/";

/// One element: its namespace, local name, children and text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub ns: String,
    pub name: String,
    pub children: Vec<Element>,
    /// The text directly inside (all runs joined), unescaped.
    pub text: String,
    /// Attributes by local name, values unescaped (`<c:comp name="VEVENT"/>`).
    pub attrs: Vec<(String, String)>,
}

impl Element {
    /// Whether this is `{ns}name`.
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns == ns && self.name == name
    }

    /// The first child `{ns}name`.
    pub fn child(&self, ns: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    /// Every child `{ns}name`.
    pub fn children_named<'a>(
        &'a self,
        ns: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.is(ns, name))
    }

    /// The trimmed text of the first child `{ns}name`, when it has any.
    pub fn child_text(&self, ns: &str, name: &str) -> Option<&str> {
        self.child(ns, name)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
    }

    /// The value of attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether any element below (or this one) is `{ns}name`.
    pub fn contains(&self, ns: &str, name: &str) -> bool {
        self.is(ns, name) || self.children.iter().any(|c| c.contains(ns, name))
    }
}

/// Why a body could not be read as XML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError(pub String);

impl std::fmt::Display for XmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Deepest nesting read: real answers are 6–8 levels deep.
const MAX_DEPTH: usize = 64;

/// Reads a whole document; its root element.
pub fn parse(text: &str) -> Result<Element, XmlError> {
    let mut reader = NsReader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let err = |reader: &NsReader<&[u8]>, e: &dyn std::fmt::Display| {
        XmlError(format!(
            "not well-formed XML at byte {}: {e}",
            reader.buffer_position()
        ))
    };
    loop {
        let (ns, event) = match reader.read_resolved_event() {
            Ok((ns, event)) => (namespace(ns), event),
            Err(e) => return Err(err(&reader, &e)),
        };
        match event {
            Event::Start(start) | Event::Empty(start) if stack.len() >= MAX_DEPTH => {
                let _ = start;
                return Err(XmlError(format!(
                    "XML nested deeper than {MAX_DEPTH} elements"
                )));
            }
            Event::Start(start) => stack.push(Element {
                ns,
                name: start.local_name().as_ref().to_string(),
                attrs: attributes(&start),
                ..Element::default()
            }),
            Event::Empty(start) => {
                let el = Element {
                    ns,
                    name: start.local_name().as_ref().to_string(),
                    attrs: attributes(&start),
                    ..Element::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Ok(el),
                }
            }
            Event::End(_) => {
                let Some(el) = stack.pop() else {
                    return Err(err(&reader, &"an end tag without its start"));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Ok(el),
                }
            }
            Event::Text(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t);
                }
            }
            Event::GeneralRef(r) => {
                let Some(el) = stack.last_mut() else {
                    continue;
                };
                if r.is_char_ref() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => el.text.push(c),
                        _ => return Err(err(&reader, &"an invalid character reference")),
                    }
                } else {
                    let name = r.xml10_content();
                    match quick_xml::escape::resolve_predefined_entity(&name) {
                        Some(s) => el.text.push_str(s),
                        None => return Err(err(&reader, &format!("unknown entity &{name};"))),
                    }
                }
            }
            Event::Eof => return Err(err(&reader, &"the document ends before its root closes")),
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
}

fn namespace(ns: ResolveResult<'_>) -> String {
    match ns {
        ResolveResult::Bound(n) => n.as_ref().to_string(),
        ResolveResult::Unbound | ResolveResult::Unknown(_) => String::new(),
    }
}

/// The attributes of a start tag (namespace declarations left out; one that cannot be
/// read is skipped: nothing here depends on a broken one).
fn attributes(start: &quick_xml::events::BytesStart<'_>) -> Vec<(String, String)> {
    start
        .attributes()
        .flatten()
        .filter(|a| {
            let key = a.key.as_ref();
            key != "xmlns" && !key.starts_with("xmlns:")
        })
        .filter_map(|a| {
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()?
                .into_owned();
            Some((a.key.local_name().as_ref().to_string(), value))
        })
        .collect()
}

/// `text` escaped for an XML text node or attribute.
pub fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_by_namespace_text_unescaped() {
        let doc = r#"<?xml version="1.0"?>
<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:response><D:href>/a%40b/x.ics</D:href>
    <D:propstat><D:prop><D:getetag>"e1"</D:getetag>
      <C:calendar-data>BEGIN:VCALENDAR&#13;
SUMMARY:Fish &amp; chips<![CDATA[<raw>]]>&#13;
END:VCALENDAR</C:calendar-data></D:prop>
    <D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
  <D:sync-token>tok</D:sync-token>
</D:multistatus>"#;
        let root = parse(doc).unwrap();
        assert!(root.is(DAV, "multistatus"));
        assert_eq!(root.child_text(DAV, "sync-token"), Some("tok"));
        let resp = root.child(DAV, "response").unwrap();
        assert_eq!(resp.child_text(DAV, "href"), Some("/a%40b/x.ics"));
        let prop = resp
            .child(DAV, "propstat")
            .unwrap()
            .child(DAV, "prop")
            .unwrap();
        assert_eq!(prop.child_text(DAV, "getetag"), Some("\"e1\""));
        let data = &prop.child(CALDAV, "calendar-data").unwrap().text;
        assert_eq!(
            data,
            "BEGIN:VCALENDAR\r\nSUMMARY:Fish & chips<raw>\r\nEND:VCALENDAR"
        );
        assert!(root.contains(CALDAV, "calendar-data"));
    }

    #[test]
    fn default_namespace_and_empty_elements() {
        let root = parse(
            r#"<multistatus xmlns="DAV:"><response><propstat><prop><resourcetype><collection/><calendar xmlns="urn:ietf:params:xml:ns:caldav"/></resourcetype></prop></propstat></response></multistatus>"#,
        )
        .unwrap();
        assert!(root.contains(DAV, "collection"));
        assert!(root.contains(CALDAV, "calendar"));
        let comp =
            parse(r#"<c:comp xmlns:c="urn:ietf:params:xml:ns:caldav" name="VE&amp;NT"/>"#).unwrap();
        assert_eq!(comp.attr("name"), Some("VE&NT"));
        assert!(comp.attrs.iter().all(|(n, _)| n != "c"), "{:?}", comp.attrs);
    }

    #[test]
    fn broken_documents_are_errors() {
        assert!(parse("<a xmlns='DAV:'><b></a>").is_err());
        assert!(parse("<a xmlns='DAV:'>").is_err());
        assert!(parse("<html><body>Login</body>").is_err());
        assert!(parse("<a>&bogus;</a>").is_err());
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn escapes_for_requests() {
        assert_eq!(escape("a<b&\"c\""), "a&lt;b&amp;&quot;c&quot;");
    }
}
