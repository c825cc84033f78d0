//! A WebDAV `multistatus` answer (RFC 4918 §13) read into its responses: per href,
//! the response's own status (a member removed since a sync token: 404) and the
//! properties the server found (status 200), the rest named as missing.

use super::xml::{self, Element, DAV};

/// One `DAV:response`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    /// The href as the server wrote it (percent-encoded, absolute or a path).
    pub href: String,
    /// The response's own status, when it has one (not a propstat's).
    pub status: Option<u16>,
    /// The properties found (propstats with a 2xx status), in order.
    pub found: Vec<Element>,
    /// The properties the server answered with another status (404: not there).
    pub missing: Vec<Element>,
}

impl Response {
    /// The found property `{ns}name`.
    pub fn prop(&self, ns: &str, name: &str) -> Option<&Element> {
        self.found.iter().find(|p| p.is(ns, name))
    }

    /// The trimmed text of the found property `{ns}name`, when not empty.
    pub fn prop_text(&self, ns: &str, name: &str) -> Option<&str> {
        self.prop(ns, name)
            .map(|p| p.text.trim())
            .filter(|t| !t.is_empty())
    }

    /// The `DAV:href`s inside the found property `{ns}name` (principal, home set).
    pub fn prop_hrefs(&self, ns: &str, name: &str) -> Vec<String> {
        self.prop(ns, name)
            .map(|p| {
                p.children_named(DAV, "href")
                    .map(|h| h.text.trim().to_string())
                    .filter(|h| !h.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A whole answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Multistatus {
    pub responses: Vec<Response>,
    /// The `DAV:sync-token` of a sync-collection answer.
    pub sync_token: Option<String>,
}

/// Reads a multistatus document; anything else (an HTML page, another root) is an
/// error naming what it was.
pub fn parse(text: &str) -> Result<Multistatus, String> {
    let root = xml::parse(text).map_err(|e| e.0)?;
    if !root.is(DAV, "multistatus") {
        return Err(format!(
            "expected a WebDAV multistatus, got <{}> ({})",
            root.name,
            if root.ns.is_empty() {
                "no namespace"
            } else {
                root.ns.as_str()
            }
        ));
    }
    let mut out = Multistatus {
        sync_token: root.child_text(DAV, "sync-token").map(str::to_string),
        ..Multistatus::default()
    };
    for r in root.children_named(DAV, "response") {
        let mut resp = Response {
            href: r.child_text(DAV, "href").unwrap_or_default().to_string(),
            status: r.child_text(DAV, "status").and_then(status_code),
            ..Response::default()
        };
        for ps in r.children_named(DAV, "propstat") {
            let ok = ps
                .child_text(DAV, "status")
                .and_then(status_code)
                .is_some_and(|s| (200..300).contains(&s));
            let props = ps
                .child(DAV, "prop")
                .map(|p| p.children.clone())
                .unwrap_or_default();
            if ok {
                resp.found.extend(props);
            } else {
                resp.missing.extend(props);
            }
        }
        out.responses.push(resp);
    }
    Ok(out)
}

/// The code of a status line (`HTTP/1.1 404 Not Found` → 404).
pub fn status_code(line: &str) -> Option<u16> {
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::caldav::xml::CALDAV;

    #[test]
    fn responses_with_found_and_missing_props() {
        let ms = parse(
            r#"<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:response><d:href>/cal/a.ics</d:href>
 <d:propstat><d:prop><d:getetag>"1"</d:getetag><c:calendar-data>X</c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
 <d:propstat><d:prop><c:schedule-tag/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>
</d:response>
<d:response><d:href>/cal/gone.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>
<d:sync-token>http://x/ns/sync/7</d:sync-token>
</d:multistatus>"#,
        )
        .unwrap();
        assert_eq!(ms.sync_token.as_deref(), Some("http://x/ns/sync/7"));
        assert_eq!(ms.responses.len(), 2);
        let a = &ms.responses[0];
        assert_eq!(a.href, "/cal/a.ics");
        assert_eq!(a.status, None);
        assert_eq!(a.prop_text(DAV, "getetag"), Some("\"1\""));
        assert_eq!(a.prop_text(CALDAV, "calendar-data"), Some("X"));
        assert!(a.prop(CALDAV, "schedule-tag").is_none());
        assert_eq!(a.missing.len(), 1);
        assert_eq!(ms.responses[1].status, Some(404));
    }

    #[test]
    fn other_documents_are_named() {
        let e = parse("<html xmlns='http://www.w3.org/1999/xhtml'><body/></html>").unwrap_err();
        assert!(e.contains("<html>"), "{e}");
    }
}
