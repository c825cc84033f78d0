//! Reading HTML event descriptions (Outlook and Google write them; `X-ALT-DESC` is
//! always HTML) as text for link and label search.
//!
//! This is not an HTML parser: it only needs to keep link targets and readable text.
//! Tags become separators (line breaks for block tags, nothing for inline formatting
//! so a `<wbr>` or `<b>` inside a link or label does not split it), `href` values are
//! kept as text (Outlook's anchor text is often "Click here to join"), `<style>` and
//! `<script>` bodies and comments are dropped, and entities are decoded.
//!
//! Invariants: linear in the input; never panics on malformed markup (an unclosed
//! `<` is kept as text); `<https://…>` (a link in angle brackets, as Outlook writes
//! plain text) is not mistaken for a tag.

use memchr::memmem;

/// Whether `text` looks like HTML rather than plain text with the odd `<`.
pub(crate) fn looks_like_html(text: &str) -> bool {
    let b = text.as_bytes();
    let tag = memchr::memchr_iter(b'<', b).any(|i| tag_name_at(b, i + 1).is_some());
    tag || memchr::memchr_iter(b'&', b).any(|i| entity_at(text, i).is_some())
}

/// Block-level tags: they end a line of text, which keeps labels such as
/// "Meeting ID:" on the line of their value and apart from the next label.
const BLOCK_TAGS: &[&str] = &[
    "br",
    "p",
    "div",
    "li",
    "tr",
    "table",
    "ul",
    "ol",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "body",
    "html",
    "head",
    "title",
    "td",
    "th",
];

/// Formatting tags that vanish without a trace (see the module docs).
const INLINE_TAGS: &[&str] = &[
    "b", "i", "u", "s", "em", "strong", "span", "font", "small", "big", "sup", "sub", "wbr", "o:p",
];

/// Tags whose content is not text.
const SKIPPED_CONTENT: &[&str] = &["style", "script"];

/// The text of an HTML fragment with `href` targets inlined (see the module docs).
pub(crate) fn strip_html(html: &str) -> String {
    let b = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    let mut i = 0;
    let mut copied = 0;
    // Once a tag's closing `>` was searched for up to the end of the input in vain,
    // later `<` are text too: searching again from each would be quadratic.
    let mut tags_possible = true;
    while i < b.len() {
        match b[i] {
            b'<' if tags_possible => {
                let tag = match read_tag(html, i) {
                    TagRead::Tag(tag) => tag,
                    TagRead::NotATag => {
                        i += 1;
                        continue;
                    }
                    TagRead::Unterminated => {
                        tags_possible = false;
                        i += 1;
                        continue;
                    }
                };
                out.push_str(&html[copied..i]);
                let mut end = tag.end;
                if !tag.closing && SKIPPED_CONTENT.contains(&tag.name.as_str()) {
                    end = skip_element(html, tag.end, &tag.name);
                }
                let name = tag.name.as_str();
                if BLOCK_TAGS.contains(&name) {
                    out.push('\n');
                } else if !INLINE_TAGS.contains(&name) {
                    out.push(' ');
                }
                for target in &tag.hrefs {
                    out.push(' ');
                    out.push_str(&decode_entities(target));
                    out.push(' ');
                }
                i = end;
                copied = end;
            }
            b'&' => match entity_at(html, i) {
                Some((c, len)) => {
                    out.push_str(&html[copied..i]);
                    out.push(c);
                    i += len;
                    copied = i;
                }
                None => i += 1,
            },
            _ => i += 1,
        }
    }
    out.push_str(&html[copied..]);
    out
}

enum TagRead {
    Tag(Tag),
    /// Text that merely starts with `<` (`<https://…>`, `a < b`).
    NotATag,
    /// A tag name with no closing `>` before the end of the input.
    Unterminated,
}

struct Tag {
    /// Lower-case name; empty for comments and declarations.
    name: String,
    closing: bool,
    /// Byte offset just past the tag.
    end: usize,
    hrefs: Vec<String>,
}

/// The tag name starting at byte `at` (after `<`, optional `/`), when what follows
/// `<` is a tag and not, say, `<https://…>` or `a < b`.
fn tag_name_at(b: &[u8], at: usize) -> Option<(usize, usize)> {
    let start = if b.get(at) == Some(&b'/') { at + 1 } else { at };
    if !b.get(start)?.is_ascii_alphabetic() {
        return None;
    }
    let mut end = start + 1;
    while let Some(&c) = b.get(end) {
        // `o:p` is Outlook's namespaced paragraph; `https:/` is a link, not a tag.
        let namespaced = c == b':' && b.get(end + 1).is_some_and(|n| n.is_ascii_alphabetic());
        if !(c.is_ascii_alphanumeric() || namespaced) {
            break;
        }
        end += 1;
    }
    match b.get(end) {
        Some(c) if c.is_ascii_whitespace() || *c == b'>' || *c == b'/' => Some((start, end)),
        _ => None,
    }
}

fn read_tag(html: &str, lt: usize) -> TagRead {
    let b = html.as_bytes();
    if html[lt..].starts_with("<!--") {
        let end = memmem::find(&b[lt + 4..], b"-->").map_or(b.len(), |p| lt + 4 + p + 3);
        return TagRead::Tag(comment(end));
    }
    if matches!(b.get(lt + 1), Some(b'!') | Some(b'?')) {
        let end = memchr::memchr(b'>', &b[lt..]).map_or(b.len(), |p| lt + p + 1);
        return TagRead::Tag(comment(end));
    }
    let Some((name_start, name_end)) = tag_name_at(b, lt + 1) else {
        return TagRead::NotATag;
    };
    // Find the closing `>` outside quoted attribute values.
    let mut quote: Option<u8> = None;
    let mut gt = None;
    for (j, &c) in b.iter().enumerate().skip(name_end) {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'"' || c == b'\'' => quote = Some(c),
            None if c == b'>' => {
                gt = Some(j);
                break;
            }
            None => {}
        }
    }
    let Some(gt) = gt else {
        return TagRead::Unterminated;
    };
    TagRead::Tag(Tag {
        name: html[name_start..name_end].to_ascii_lowercase(),
        closing: name_start > lt + 1,
        end: gt + 1,
        hrefs: hrefs(&html[name_end..gt]),
    })
}

fn comment(end: usize) -> Tag {
    Tag {
        name: String::new(),
        closing: false,
        end,
        hrefs: Vec::new(),
    }
}

/// Offset just past `</name …>` after `from`, or the end of the input. Linear: the
/// caller continues after the returned offset.
fn skip_element(html: &str, from: usize, name: &str) -> usize {
    let b = html.as_bytes();
    let n = name.len();
    for lt in memchr::memchr_iter(b'<', &b[from..]).map(|p| from + p) {
        let close = b.get(lt + 1) == Some(&b'/')
            && b.get(lt + 2..lt + 2 + n)
                .is_some_and(|s| s.eq_ignore_ascii_case(name.as_bytes()));
        if close {
            let after = lt + 2 + n;
            return memchr::memchr(b'>', &b[after..]).map_or(b.len(), |q| after + q + 1);
        }
    }
    b.len()
}

/// Values of `href` attributes in a tag's attribute text (quoted or not).
fn hrefs(attrs: &str) -> Vec<String> {
    let b = attrs.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        let name_start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'/') {
            i += 1;
        }
        let name = &attrs[name_start..i];
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() || b[i] != b'=' {
            if i == name_start {
                i += 1;
            }
            continue;
        }
        i += 1;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let value = match b.get(i) {
            Some(&q) if q == b'"' || q == b'\'' => {
                let start = i + 1;
                let end = memchr::memchr(q, &b[start..]).map_or(b.len(), |p| start + p);
                i = (end + 1).min(b.len());
                &attrs[start..end]
            }
            _ => {
                let start = i;
                while i < b.len() && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
                &attrs[start..i]
            }
        };
        if name.eq_ignore_ascii_case("href") {
            out.push(value.to_string());
        }
    }
    out
}

/// Decode the entities in an attribute value.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut copied = 0;
    let b = s.as_bytes();
    while i < b.len() {
        if b[i] == b'&' {
            if let Some((c, len)) = entity_at(s, i) {
                out.push_str(&s[copied..i]);
                out.push(c);
                i += len;
                copied = i;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&s[copied..]);
    out
}

/// The character an entity at byte `at` (`&`) stands for, and its length. A no-break
/// space becomes a plain space: for link and label search they are the same.
fn entity_at(s: &str, at: usize) -> Option<(char, usize)> {
    let rest = &s.as_bytes()[at + 1..];
    let semi = memchr::memchr(b';', &rest[..rest.len().min(12)])?;
    let body = std::str::from_utf8(&rest[..semi]).ok()?;
    let c = if let Some(num) = body.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        match char::from_u32(code)? {
            '\u{a0}' => ' ',
            c if c.is_control() && c != '\n' && c != '\t' => ' ',
            c => c,
        }
    } else {
        match body.to_ascii_lowercase().as_str() {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "nbsp" => ' ',
            _ => return None,
        }
    };
    Some((c, semi + 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_html_but_not_angle_bracket_links() {
        assert!(looks_like_html("<p>Hello</p>"));
        assert!(looks_like_html("Line one<br>Line two"));
        assert!(looks_like_html("a &amp; b"));
        assert!(!looks_like_html("Click here<https://zoom.us/j/1> to join"));
        assert!(!looks_like_html("if a < b and c > d"));
        assert!(!looks_like_html("plain text"));
    }

    #[test]
    fn keeps_hrefs_text_and_line_structure() {
        let html = r#"<html><head><style>p { color: red } a[href="https://zoom.us/j/9"] {}</style></head>
<body><p>Join <a href="https://zoom.us/j/123?pwd=a&amp;b=c" target=_blank>Click here to join</a></p>
<div><b>Meeting ID:</b> 123 456 789</div><!-- <a href="https://evil"> -->Pass<wbr>code:&nbsp;xyz&#33;</body></html>"#;
        let text = strip_html(html);
        assert!(text.contains(" https://zoom.us/j/123?pwd=a&b=c "), "{text}");
        assert!(text.contains("Click here to join"), "{text}");
        assert!(text.contains("\nMeeting ID: 123 456 789"), "{text}");
        assert!(text.contains("Passcode: xyz!"), "{text}");
        assert!(!text.contains("color") && !text.contains("evil") && !text.contains("j/9"));
    }

    #[test]
    fn angle_bracket_links_and_broken_markup_survive() {
        let text = strip_html("Join<https://teams.microsoft.com/l/meetup-join/x> &lt;b&gt; <p");
        assert_eq!(
            text,
            "Join<https://teams.microsoft.com/l/meetup-join/x> <b> <p"
        );
        assert_eq!(strip_html("a <a href='x"), "a <a href='x");
        assert_eq!(
            strip_html("&#0; &#x110000; &bogus; &#x41;"),
            "  &#x110000; &bogus; A"
        );
        assert_eq!(strip_html("<STYLE>x</Style >y<script>z"), " y ");
    }

    #[test]
    fn unterminated_tags_do_not_make_it_quadratic() {
        // 200k unclosed tags: rescanning to the end from each would take minutes.
        let hostile = "<a \"".repeat(200_000);
        assert_eq!(strip_html(&hostile), hostile);
        let styles = "<style>".repeat(100_000);
        assert_eq!(strip_html(&styles), " ");
    }
}
