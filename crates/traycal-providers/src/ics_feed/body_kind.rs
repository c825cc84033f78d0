//! Sniffing what a feed server actually sent.
//!
//! Servers answer a calendar URL with login pages, JSON API errors or binary
//! junk while still saying `200 OK` (and often `text/calendar`). The engine
//! sniffs the bytes, not the Content-Type, before handing them to the parser,
//! so that a captive portal never replaces a calendar with zero events.

/// What a response body looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BodyKind {
    /// Starts with `BEGIN:VCALENDAR` (or a bare `BEGIN:VEVENT`).
    Calendar,
    /// Nothing but whitespace (or a BOM).
    Empty,
    /// An HTML page (login wall, error page, captive portal).
    Html,
    /// A JSON document (typically an API error).
    Json,
    /// Mostly control bytes / NULs: not text at all.
    Binary,
    /// Text we do not recognise.
    Unknown,
}

impl BodyKind {
    /// Stable snake_case name for logs and the UI.
    pub fn as_str(self) -> &'static str {
        match self {
            BodyKind::Calendar => "calendar",
            BodyKind::Empty => "empty",
            BodyKind::Html => "html",
            BodyKind::Json => "json",
            BodyKind::Binary => "binary",
            BodyKind::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for BodyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much of the body the sniffer looks at: enough for any prefix we test,
/// and bounded so a 20 MB body costs nothing extra.
const SNIFF_WINDOW: usize = 1024;

/// Classifies a body by its first bytes (after a UTF-8 BOM and whitespace). A body
/// with a UTF-16 byte-order mark is decoded first (its NUL bytes are not binary):
/// the parser reads such feeds.
pub fn classify_body(bytes: &[u8]) -> BodyKind {
    let window = &bytes[..bytes.len().min(SNIFF_WINDOW)];
    if let Some(text) = utf16_text(window) {
        return classify_text(text.as_bytes());
    }
    classify_text(window)
}

/// The window decoded from UTF-16 (LE or BE by its byte-order mark), if it has one.
fn utf16_text(window: &[u8]) -> Option<String> {
    let le = match window {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        _ => return None,
    };
    let units = window[2..].chunks_exact(2).map(|pair| {
        let bytes = [pair[0], pair[1]];
        if le {
            u16::from_le_bytes(bytes)
        } else {
            u16::from_be_bytes(bytes)
        }
    });
    Some(
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    )
}

fn classify_text(window: &[u8]) -> BodyKind {
    if is_binary(window) {
        return BodyKind::Binary;
    }
    let start = window.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(window);
    let start = match start.iter().position(|b| !b.is_ascii_whitespace()) {
        Some(pos) => &start[pos..],
        None => return BodyKind::Empty,
    };
    if starts_with_ignore_case(start, b"BEGIN:VCALENDAR")
        || starts_with_ignore_case(start, b"BEGIN:VEVENT")
    {
        return BodyKind::Calendar;
    }
    if starts_with_ignore_case(start, b"<!DOCTYPE html")
        || starts_with_ignore_case(start, b"<html")
        || (starts_with_ignore_case(start, b"<?xml") && contains_ignore_case(window, b"<html"))
        || starts_with_ignore_case(start, b"<head")
        || starts_with_ignore_case(start, b"<body")
    {
        return BodyKind::Html;
    }
    if start.starts_with(b"{") || start.starts_with(b"[") {
        return BodyKind::Json;
    }
    BodyKind::Unknown
}

/// NUL bytes never occur in ICS text; a body with several of them (or mostly
/// control bytes) is binary, whatever its header says.
fn is_binary(window: &[u8]) -> bool {
    if window.is_empty() {
        return false;
    }
    let nuls = window.iter().filter(|&&b| b == 0).count();
    let controls = window
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
        .count();
    nuls * 100 >= window.len() || controls * 10 >= window.len()
}

fn starts_with_ignore_case(haystack: &[u8], prefix: &[u8]) -> bool {
    haystack.len() >= prefix.len() && haystack[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_table() {
        let table: &[(&[u8], BodyKind)] = &[
            (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", BodyKind::Calendar),
            (b"\xEF\xBB\xBF\r\n  begin:vcalendar\r\n", BodyKind::Calendar),
            (b"BEGIN:VEVENT\r\nUID:1\r\n", BodyKind::Calendar),
            (b"", BodyKind::Empty),
            (b" \r\n\t", BodyKind::Empty),
            (b"\xEF\xBB\xBF", BodyKind::Empty),
            (
                b"<!DOCTYPE html><html><body>Sign in</body></html>",
                BodyKind::Html,
            ),
            (b"\n<HTML><head>", BodyKind::Html),
            (b"<?xml version=\"1.0\"?><html xmlns=\"x\">", BodyKind::Html),
            (b"{\"error\":\"unauthorized\"}", BodyKind::Json),
            (b"[1,2]", BodyKind::Json),
            (b"\x00\x01\x02\x03PK\x03\x04\x00\x00", BodyKind::Binary),
            (
                b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
                BodyKind::Binary,
            ),
            (b"Service temporarily unavailable", BodyKind::Unknown),
            // UTF-16 with a byte-order mark, both byte orders.
            (
                b"\xFF\xFEB\0E\0G\0I\0N\0:\0V\0C\0A\0L\0E\0N\0D\0A\0R\0\r\0\n\0",
                BodyKind::Calendar,
            ),
            (
                b"\xFE\xFF\0B\0E\0G\0I\0N\0:\0V\0C\0A\0L\0E\0N\0D\0A\0R\0\r\0\n",
                BodyKind::Calendar,
            ),
            (b"\xFF\xFE<\0h\0t\0m\0l\0>\0", BodyKind::Html),
        ];
        for (bytes, kind) in table {
            assert_eq!(
                classify_body(bytes),
                *kind,
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
    }
}
