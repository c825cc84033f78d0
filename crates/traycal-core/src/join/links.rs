//! Finding candidate links in free text and normalising them: trimming what prose
//! glues to a link, and unwrapping redirect wrappers (Outlook SafeLinks, Google
//! `/url?q=`), before the catalogue decides whether a link is a meeting.
//!
//! Invariants:
//! - scanning is one pass over the text, triggered only by `:/` (found with
//!   `memchr`), so text without a link costs almost nothing;
//! - unwrapping is bounded ([`MAX_UNWRAP_DEPTH`] layers) and stops as soon as a layer
//!   is not a known wrapper;
//! - a normalised link has an allowed scheme (lower-cased) and no whitespace or
//!   control character; anything else is dropped, never "repaired" into a link.

use memchr::memmem;

use super::catalogue::Catalogue;

/// How many redirect wrappers are peeled off one link. Real mail nests two or three
/// (a SafeLink around a Google redirect around the meeting); more is suspicious.
pub const MAX_UNWRAP_DEPTH: usize = 8;

/// Whether `text` can hold a link at all (every scheme we accept is followed by
/// `:/`): the cheap test that lets most event text skip the scan.
pub(crate) fn may_contain_link(text: &str) -> bool {
    memmem::find(text.as_bytes(), b":/").is_some()
}

/// Candidate links in `text`, in order, as written (not yet trimmed or checked).
pub(crate) fn raw_candidates(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut consumed = 0;
    for colon in memmem::find_iter(bytes, b":/") {
        if colon < consumed {
            continue;
        }
        let mut start = colon;
        while start > consumed && is_scheme_byte(bytes[start - 1]) {
            start -= 1;
        }
        // A scheme starts with a letter: skip digits or signs glued in front.
        while start < colon && !bytes[start].is_ascii_alphabetic() {
            start += 1;
        }
        if start == colon {
            continue;
        }
        let mut end = colon + 1;
        while end < bytes.len() && !ends_link(bytes[end]) {
            end += 1;
        }
        // Both ends sit next to ASCII bytes, so they are char boundaries.
        out.push(&text[start..end]);
        consumed = end;
    }
    out
}

fn is_scheme_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')
}

/// Bytes that end a link in prose: whitespace and controls, anything non-ASCII (a
/// no-break space or a curly quote after a link is far more common than an IRI), and
/// the delimiters mail and HTML put around links.
fn ends_link(b: u8) -> bool {
    b <= b' ' || b >= 0x7f || matches!(b, b'<' | b'>' | b'"' | b'`' | b'\\')
}

/// Trailing characters prose glues to a link: sentence punctuation, closing
/// brackets and quotes, and an encoded or escaped `>` left from `<link>` (seen on
/// Webex links, MeetingBar #727).
pub(crate) fn trim_link(mut s: &str) -> &str {
    // `&gt` too: the `;` may already be gone as sentence punctuation.
    const TAILS: &[&str] = &["%3e", "&gt;", "&gt", "%22"];
    loop {
        let before = s.len();
        s = s.trim_end_matches(|c: char| {
            matches!(
                c,
                '.' | ',' | ';' | ':' | '!' | '?' | ')' | ']' | '}' | '>' | '\'' | '"'
            )
        });
        for tail in TAILS {
            let b = s.as_bytes();
            if b.len() >= tail.len()
                && b[b.len() - tail.len()..].eq_ignore_ascii_case(tail.as_bytes())
            {
                // The tail is ASCII, so the cut is on a char boundary.
                s = &s[..s.len() - tail.len()];
            }
        }
        if s.len() == before {
            return s;
        }
    }
}

/// Turn a raw candidate into a link we may return: fix a word glued in front of the
/// scheme, trim, unwrap redirect wrappers, and check the scheme against the
/// catalogue's allow-list.
pub(crate) fn normalise(raw: &str, catalogue: &Catalogue) -> Option<String> {
    let raw = unglue_scheme(raw, catalogue)?;
    let mut link = trim_link(raw).to_string();
    for _ in 0..MAX_UNWRAP_DEPTH {
        match unwrap_once(&link) {
            Some(inner) => link = trim_link(&inner).to_string(),
            None => break,
        }
    }
    let (scheme, rest) = link.split_once(':')?;
    if !catalogue.scheme_allowed(scheme) || rest.is_empty() {
        return None;
    }
    if link.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    Some(format!("{}:{rest}", scheme.to_ascii_lowercase()))
}

/// `Joinhttps://…` (a label glued to a link when HTML or line breaks were dropped):
/// keep the longest allowed scheme that ends the word. `None` when no allowed scheme
/// does.
fn unglue_scheme<'t>(raw: &'t str, catalogue: &Catalogue) -> Option<&'t str> {
    let (word, _) = raw.split_once(':')?;
    if catalogue.scheme_allowed(word) {
        return Some(raw);
    }
    let lower = word.to_ascii_lowercase();
    let best = catalogue
        .allowed_schemes()
        .iter()
        .filter(|s| lower.ends_with(s.as_str()))
        .max_by_key(|s| s.len())?;
    // The word is ASCII (scheme bytes), so any byte offset is a boundary.
    Some(&raw[word.len() - best.len()..])
}

/// The link inside one redirect wrapper, percent-decoded; `None` when `link` is not a
/// known wrapper.
pub(crate) fn unwrap_once(link: &str) -> Option<String> {
    let (scheme, after) = link.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
        return None;
    }
    let host_end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let authority = &after[..host_end];
    // user@host: who knows where it really goes; leave it alone (it will not match
    // any service pattern either).
    if authority.contains('@') {
        return None;
    }
    let host = authority
        .split(':')
        .next()
        .unwrap_or(authority)
        .to_ascii_lowercase();
    let rest = &after[host_end..];
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, q.split('#').next().unwrap_or(q)),
        None => return None,
    };
    let safelinks = host.ends_with(".safelinks.protection.outlook.com")
        || host.ends_with(".safelinks.protection.office365.us");
    let google = matches!(host.as_str(), "www.google.com" | "google.com") && path == "/url";
    let value = if safelinks {
        query_param(query, "url")?
    } else if google {
        query_param(query, "q").or_else(|| query_param(query, "url"))?
    } else {
        return None;
    };
    let inner = percent_decode(value);
    (!inner.is_empty()).then_some(inner)
}

/// The raw (still encoded) value of query parameter `name`. Parameters may be
/// separated by `&` or by a left-over `&amp;`.
pub(crate) fn query_param<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query.split('&').find_map(|pair| {
        let pair = pair.strip_prefix("amp;").unwrap_or(pair);
        let (k, v) = pair.split_once('=')?;
        k.eq_ignore_ascii_case(name).then_some(v)
    })
}

/// Decode `%XX` escapes; a malformed escape is kept as written, invalid UTF-8 becomes
/// U+FFFD (and then fails the whitespace/control check only if it decodes to one).
pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> Catalogue {
        Catalogue::builtin().unwrap()
    }

    #[test]
    fn candidates_stop_at_delimiters_and_skip_glued_prefixes() {
        let text = "Join: <https://zoom.us/j/123456789?pwd=abc>\n(see https://example.com/x).\
                    Click here<https://url> then \"msteams:/l/meetup-join/19%3a\" 1https://a.b/c";
        assert_eq!(
            raw_candidates(text),
            vec![
                "https://zoom.us/j/123456789?pwd=abc",
                "https://example.com/x).Click",
                "https://url",
                "msteams:/l/meetup-join/19%3a",
                "https://a.b/c",
            ]
        );
        assert!(raw_candidates("no links here: just text / slashes").is_empty());
        assert!(!may_contain_link("Room 4.2, 2nd floor"));
    }

    #[test]
    fn non_ascii_ends_a_link() {
        let text = "Lien\u{a0}: https://meet.google.com/abc-defg-hij\u{a0}— à bientôt";
        assert_eq!(
            raw_candidates(text),
            vec!["https://meet.google.com/abc-defg-hij"]
        );
    }

    #[test]
    fn trailing_punctuation_and_encoded_angle_brackets_are_trimmed() {
        for (raw, want) in [
            ("https://zoom.us/j/1.", "https://zoom.us/j/1"),
            ("https://zoom.us/j/1),", "https://zoom.us/j/1"),
            ("https://zoom.us/j/1?'\"", "https://zoom.us/j/1"),
            (
                "https://x.webex.com/meet/bob%3E",
                "https://x.webex.com/meet/bob",
            ),
            (
                "https://x.webex.com/meet/bob%3e.",
                "https://x.webex.com/meet/bob",
            ),
            (
                "https://x.webex.com/meet/bob&gt;",
                "https://x.webex.com/meet/bob",
            ),
            (
                "https://x.webex.com/meet/bob&GT;%3E)]}>",
                "https://x.webex.com/meet/bob",
            ),
            ("https://zoom.us/j/1?pwd=abc", "https://zoom.us/j/1?pwd=abc"),
        ] {
            assert_eq!(trim_link(raw), want, "{raw}");
        }
    }

    #[test]
    fn safelinks_and_google_redirects_are_unwrapped() {
        let c = cat();
        let safe = "https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fus02web.zoom.us%2Fj%2F81234567890%3Fpwd%3DaBc&data=05%7C01&sdata=x&reserved=0";
        assert_eq!(
            normalise(safe, &c).as_deref(),
            Some("https://us02web.zoom.us/j/81234567890?pwd=aBc")
        );
        let google = "https://www.google.com/url?q=https://meet.google.com/abc-defg-hij&sa=D&source=calendar&usg=AOv";
        assert_eq!(
            normalise(google, &c).as_deref(),
            Some("https://meet.google.com/abc-defg-hij")
        );
        // A SafeLink around a Google redirect around a Teams link (each layer encodes
        // the next once more).
        let teams = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0";
        let inner = format!("https://www.google.com/url?q={}&sa=D", encode(teams));
        let outer = format!(
            "https://eur01.safelinks.protection.outlook.com/?url={}&amp;data=1",
            encode(&inner)
        );
        assert_eq!(normalise(&outer, &c).as_deref(), Some(teams));
        // Not a wrapper: left alone.
        assert_eq!(unwrap_once("https://www.google.com/search?q=zoom"), None);
        assert_eq!(
            unwrap_once("https://evil@x.safelinks.protection.outlook.com/?url=a"),
            None
        );
    }

    #[test]
    fn unwrapping_is_bounded() {
        let c = cat();
        let mut link = "https://zoom.us/j/123456789".to_string();
        for _ in 0..(MAX_UNWRAP_DEPTH + 3) {
            link = format!(
                "https://nam02.safelinks.protection.outlook.com/?url={}",
                encode(&link)
            );
        }
        // Too deep: what is left is still a SafeLink, which no service claims.
        let out = normalise(&link, &c).unwrap();
        assert!(out.contains("safelinks"), "{out}");
        assert!(c.classify(&out).is_none());
    }

    #[test]
    fn only_allow_listed_schemes_survive() {
        let c = cat();
        for bad in [
            "javascript://zoom.us/j/1%0aalert(1)",
            "file:///etc/passwd",
            "data://text/html,x",
            "ftp://zoom.us/j/1",
            "vbscript://x",
        ] {
            assert_eq!(normalise(bad, &c), None, "{bad}");
        }
        // A wrapper cannot smuggle one in either.
        let wrapped = format!(
            "https://nam12.safelinks.protection.outlook.com/?url={}",
            encode("javascript:alert(1)//zoom.us/j/1")
        );
        assert_eq!(normalise(&wrapped, &c), None);
        // Decoded whitespace is refused, not repaired.
        let spaced = "https://www.google.com/url?q=https://zoom.us/j/1%20x";
        assert_eq!(normalise(spaced, &c), None);
        assert_eq!(
            normalise("zoommtg://zoom.us/join?confno=123456789", &c).as_deref(),
            Some("zoommtg://zoom.us/join?confno=123456789")
        );
        assert_eq!(
            normalise("HTTPS://Zoom.us/j/1", &c).as_deref(),
            Some("https://Zoom.us/j/1")
        );
        assert_eq!(
            normalise("Meetinghttps://zoom.us/j/1", &c).as_deref(),
            Some("https://zoom.us/j/1")
        );
    }

    #[test]
    fn percent_decoding_keeps_malformed_escapes() {
        assert_eq!(percent_decode("a%2Fb%zz%4"), "a/b%zz%4");
        assert_eq!(percent_decode("%C3%A4"), "ä");
    }

    fn encode(s: &str) -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }
}
