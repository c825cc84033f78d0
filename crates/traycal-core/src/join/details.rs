//! Meeting ID, passcode and dial-in number for a detected join link, so the UI can
//! show and copy them (people join from a phone, or paste the ID into an app).
//!
//! Where each comes from, first hit wins:
//! - meeting ID: the service's `meeting-id` pattern on the link, else a labelled
//!   number in the event text ("Meeting ID: 123 456 789", "Conference ID: …#",
//!   "Meeting number (access code): …");
//! - passcode: the service's `passcode-param` on the link (Teams `?p=`), else a
//!   labelled value ("Passcode: abc", "Password:", German "Kenncode:");
//! - dial-in: the first `tel:` link, else a number after "Dial-in", "Call in",
//!   "One tap mobile" or "Join by phone".
//!
//! Invariants: every value is whitespace-free and bounded in length; a dial-in
//! holds only digits, `+`, spaces and `().-,;#*`, so it can be shown or dialled as is;
//! label patterns are compiled once per catalogue.

use regex::{Regex, RegexBuilder};

use super::catalogue::Service;
use super::links::{percent_decode, query_param};

/// A meeting ID shorter than this is more likely a room or list number.
const MIN_ID_DIGITS: usize = 6;
/// A phone number has at least this many digits (before post-dial codes).
const MIN_PHONE_DIGITS: usize = 7;

/// The label patterns, compiled once per catalogue.
#[derive(Debug, Clone)]
pub(crate) struct LabelPatterns {
    meeting_id: Regex,
    passcode: Regex,
    tel: Regex,
    dial_in: Regex,
}

/// What [`extract`] found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Details {
    pub meeting_id: Option<String>,
    pub passcode: Option<String>,
    pub dial_in: Option<String>,
}

impl LabelPatterns {
    pub(crate) fn new() -> Result<LabelPatterns, regex::Error> {
        let build = |p: &str| RegexBuilder::new(p).case_insensitive(true).build();
        Ok(LabelPatterns {
            meeting_id: build(
                r"\b(?:meeting|webinar|conference|besprechungs|konferenz)[ \t]*-?[ \t]*(?:id|number|nummer)\b(?:[ \t]*\([^)\n]{0,40}\))?[ \t]*[:#：]?[ \t]*([0-9][0-9 \t]{3,24}[0-9])",
            )?,
            passcode: build(
                r"\b(?:passcode|password|passwort|kenncode|kennwort|pass code|mot de passe)[ \t]*[:：][ \t]*([^\s<>]{1,64})",
            )?,
            tel: build(r#"\btel:([+0-9%][^\s<>"]{0,80})"#)?,
            dial_in: build(
                r"\b(?:dial[ \t-]*in|call[ \t-]*in|one tap mobile|join by phone|einwahl)[^0-9+]{0,60}?(\+?[0-9][0-9 ().-]{5,24}[0-9](?:[,;]+[0-9*#]+)*)",
            )?,
        })
    }
}

/// Details for `link` (of `service`, when known) from the link and the event texts,
/// searched in the order given.
pub(crate) fn extract(
    labels: &LabelPatterns,
    service: Option<&Service>,
    link: &str,
    texts: &[&str],
) -> Details {
    let meeting_id = service
        .and_then(|s| s.meeting_id.as_ref())
        .and_then(|re| re.captures(link))
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_string())
        .or_else(|| {
            texts.iter().find_map(|t| {
                labels.meeting_id.captures_iter(t).find_map(|c| {
                    let digits: String = c.get(1)?.as_str().split_whitespace().collect();
                    (digits.len() >= MIN_ID_DIGITS).then_some(digits)
                })
            })
        });
    let passcode = service
        .and_then(|s| s.passcode_param.as_deref())
        .and_then(|name| {
            let query = link.split_once('?')?.1;
            let query = query.split('#').next().unwrap_or(query);
            let value = percent_decode(query_param(query, name)?);
            clean_passcode(&value)
        })
        .or_else(|| {
            texts.iter().find_map(|t| {
                labels
                    .passcode
                    .captures_iter(t)
                    .find_map(|c| clean_passcode(c.get(1)?.as_str()))
            })
        });
    let dial_in = texts
        .iter()
        .find_map(|t| {
            labels
                .tel
                .captures_iter(t)
                .find_map(|c| clean_phone(&percent_decode(c.get(1)?.as_str())))
        })
        .or_else(|| {
            texts.iter().find_map(|t| {
                labels
                    .dial_in
                    .captures_iter(t)
                    .find_map(|c| clean_phone(c.get(1)?.as_str()))
            })
        });
    Details {
        meeting_id,
        passcode,
        dial_in,
    }
}

/// A passcode as typed: without sentence punctuation glued to it.
fn clean_passcode(raw: &str) -> Option<String> {
    let v = raw.trim_end_matches(['.', ',', ';', ')', '"', '\'']);
    let ok =
        !v.is_empty() && v.len() <= 64 && !v.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then(|| v.to_string())
}

/// A dial-in number: the leading run of phone characters, without trailing
/// separators, with enough digits to be a phone number.
fn clean_phone(raw: &str) -> Option<String> {
    let end = raw
        .find(|c: char| !(c.is_ascii_digit() || " +().-,;#*".contains(c)))
        .unwrap_or(raw.len());
    let v = raw[..end].trim_end_matches([' ', ',', ';', '.', '-', '(']);
    let main = v.split([',', ';']).next().unwrap_or(v);
    let digits = main.chars().filter(char::is_ascii_digit).count();
    (digits >= MIN_PHONE_DIGITS).then(|| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::join::Catalogue;

    fn run(service: &str, link: &str, texts: &[&str]) -> Details {
        let c = Catalogue::builtin().unwrap();
        extract(&c.labels, c.service(service), link, texts)
    }

    #[test]
    fn zoom_id_from_link_passcode_and_one_tap_from_text() {
        let text =
            "Join Zoom Meeting\nhttps://us02web.zoom.us/j/81234567890?pwd=QWxhZGRpbjpvcGVu\n\n\
                    Meeting ID: 812 3456 7890\nPasscode: 493027\n\nOne tap mobile\n\
                    +13017158592,,81234567890#,,,,*493027# US (Washington DC)\n";
        let d = run(
            "zoom",
            "https://us02web.zoom.us/j/81234567890?pwd=QWxhZGRpbjpvcGVu",
            &[text],
        );
        assert_eq!(d.meeting_id.as_deref(), Some("81234567890"));
        // The `pwd` token is not the passcode a person types.
        assert_eq!(d.passcode.as_deref(), Some("493027"));
        assert_eq!(
            d.dial_in.as_deref(),
            Some("+13017158592,,81234567890#,,,,*493027#")
        );
    }

    #[test]
    fn teams_labels_and_tel_links() {
        let text = "Microsoft Teams meeting\nJoin on your computer, mobile app or room device\n\
                    Click here to join the meeting<https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0>\n\
                    Meeting ID: 263 724 981 112\nPasscode: nR9x3c\n\
                    Or call in (audio only)\n+1 323-849-4874,,562817345#<tel:+13238494874,,562817345#>   United States, Los Angeles\n\
                    Phone Conference ID: 562 817 345#\n";
        let d = run(
            "teams",
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0",
            &[text],
        );
        assert_eq!(d.meeting_id.as_deref(), Some("263724981112"));
        assert_eq!(d.passcode.as_deref(), Some("nR9x3c"));
        assert_eq!(d.dial_in.as_deref(), Some("+13238494874,,562817345#"));
    }

    #[test]
    fn teams_short_link_carries_id_and_passcode() {
        let d = run(
            "teams",
            "https://teams.microsoft.com/meet/2637249811120?p=AbCdEf123",
            &[],
        );
        assert_eq!(d.meeting_id.as_deref(), Some("2637249811120"));
        assert_eq!(d.passcode.as_deref(), Some("AbCdEf123"));
    }

    #[test]
    fn webex_meeting_number_and_call_in() {
        let text = "Meeting number (access code): 2634 123 4567\nMeeting password: Xy7#pq.\n\n\
                    Join by phone\n+1-415-655-0001 US Toll\nAccess code: 2634 123 4567";
        let d = run(
            "webex",
            "https://acme.webex.com/acme/j.php?MTID=m0123456789abcdef",
            &[text],
        );
        assert_eq!(d.meeting_id.as_deref(), Some("26341234567"));
        assert_eq!(d.passcode.as_deref(), Some("Xy7#pq"));
        assert_eq!(d.dial_in.as_deref(), Some("+1-415-655-0001"));
    }

    #[test]
    fn dial_in_label_and_german_labels() {
        let d = run(
            "zoom",
            "https://zoom.us/j/912345678",
            &["Besprechungs-ID: 912 345 678\nKenncode: 55aa\nEinwahl: +49 69 7104 9922"],
        );
        assert_eq!(d.meeting_id.as_deref(), Some("912345678"));
        assert_eq!(d.passcode.as_deref(), Some("55aa"));
        assert_eq!(d.dial_in.as_deref(), Some("+49 69 7104 9922"));
    }

    #[test]
    fn nothing_is_invented() {
        let d = run(
            "jitsi",
            "https://meet.jit.si/AcmeStandup",
            &["Meeting number 3 of 10. Call in sick? Dial-in: 112. Password: "],
        );
        assert_eq!(d, Details::default());
        // Anonymised ids (letters) are not meeting ids.
        let d = run(
            "zoom",
            "https://zoom.us/j/XXXXXXXXXXXX?pwd=XXXX",
            &["Meeting ID: XXXXXXXXX"],
        );
        assert_eq!(d.meeting_id, None);
    }
}
