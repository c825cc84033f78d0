//! A hash of an iCalendar text's content that ignores how a server may write the same
//! content anew: line ends, folding, blank lines and the order of lines. Servers built
//! on vobject (Radicale) store an event with its properties reordered, so the text
//! that comes back is not the text that was sent; the sync recognises its own version
//! on the server (a push whose answer was lost, the same edit made on both sides) by
//! this hash, not by bytes.
//!
//! Invariants: texts that differ only in folding, line ends or line order hash alike;
//! a changed, added or removed content line changes the hash; the hash is stable
//! across processes and releases (it is stored in the outbox).

use xxhash_rust::xxh3::xxh3_64;

/// The content hash of `text` (see the module docs).
pub fn content_hash(text: &str) -> u64 {
    let mut lines: Vec<String> = Vec::new();
    for raw in text.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        match (line.strip_prefix([' ', '\t']), lines.last_mut()) {
            (Some(rest), Some(last)) => last.push_str(rest),
            _ => lines.push(line.to_string()),
        }
    }
    lines.retain(|l| !l.trim().is_empty());
    lines.sort_unstable();
    xxh3_64(lines.join("\n").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SENT: &str = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20260101T000000Z\r\n\
                        DTSTART:20260303T100000Z\r\nSUMMARY:A long title that is fol\r\n ded\r\n\
                        END:VEVENT\r\nEND:VCALENDAR\r\n";

    #[test]
    fn the_same_content_written_anew_hashes_alike() {
        let stored = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDTSTART:20260303T100000Z\n\
                      DTSTAMP:20260101T000000Z\nSUMMARY:A long title that is folded\n\n\
                      END:VEVENT\nEND:VCALENDAR";
        assert_eq!(content_hash(SENT), content_hash(stored));
    }

    #[test]
    fn a_changed_line_changes_it() {
        let other = SENT.replace("100000Z", "110000Z");
        assert_ne!(content_hash(SENT), content_hash(&other));
        let added = SENT.replace("UID:a\r\n", "UID:a\r\nLOCATION:x\r\n");
        assert_ne!(content_hash(SENT), content_hash(&added));
    }
}
