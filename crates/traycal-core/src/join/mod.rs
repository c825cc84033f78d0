//! Meeting join links: which link in an event joins its online meeting, for which
//! service, with the meeting ID, passcode and dial-in number when the invite gives
//! them.
//!
//! Detection is pure and deterministic: [`detect`] looks at the fields a provider or
//! an ICS item carries ([`JoinInput`]) and a compiled [`Catalogue`] of meeting
//! services (built-in data plus user patterns). The sync runs it for every event, so
//! text without `:/` is skipped at once and the catalogue's patterns run as one
//! `RegexSet` per candidate link.
//!
//! Sources, best first ([`Source`]): the provider's conference data (Google
//! `conferenceData`/`hangoutLink`, Graph `onlineMeeting.joinUrl`), conference
//! properties (`X-GOOGLE-CONFERENCE`, Teams' `X-MICROSOFT-*`, RFC 7986 `CONFERENCE`),
//! `URL`, `LOCATION`, `DESCRIPTION` (HTML stripped when it is HTML) and `X-ALT-DESC`.
//! A higher source always wins; within one source the longest link wins, so a Zoom
//! link carrying its passcode beats a truncated copy.
//!
//! Invariants:
//! - no false positives by design: a link from `URL`, `LOCATION` or a description is
//!   returned only when a catalogue service claims it; there is no "any link"
//!   fallback. Only the provider's conference data and the vendors' conference
//!   properties are taken without a catalogue match (they say "this is the
//!   meeting"); RFC 7986 `CONFERENCE` is not (it may be a chat or a phone line);
//! - the catalogue is compiled once by the caller and only read here; detection
//!   holds no state between events.
//! - a returned link always has an allow-listed scheme (`https`, `http` or an app
//!   scheme the catalogue declares, such as `zoommtg` or `msteams`); `javascript:`,
//!   `file:`, `data:` and the like never come out, unwrapped or not;
//! - wrappers (Outlook SafeLinks, Google `/url?q=`) are unwrapped at most
//!   [`MAX_UNWRAP_DEPTH`] times; work per event is linear in its text.

mod catalogue;
mod details;
mod html;
mod links;

use std::borrow::Cow;
use std::cell::OnceCell;

use serde::{Deserialize, Serialize};

use crate::ics::Component;

pub use catalogue::{Catalogue, CatalogueError, Service, UserPattern};
pub use links::MAX_UNWRAP_DEPTH;

/// Service id of a link from the provider's own conference fields that no catalogue
/// service claims (say, a conferencing add-on).
pub const UNLISTED_SERVICE_ID: &str = "online-meeting";

/// Conference properties, in rank order, and whether a link there is taken even when
/// no catalogue service claims it (vendor properties are the meeting by definition;
/// RFC 7986 `CONFERENCE` may be a chat room or a phone line).
/// `X-MICROSOFT-ONLINEMEETINGCONFLINK` is a `conf:sip:` URI, listed so that the
/// scheme allow-list, not an omission, is what keeps it out.
const CONFERENCE_PROPERTIES: &[(&str, bool)] = &[
    ("X-GOOGLE-CONFERENCE", true),
    ("X-MICROSOFT-SKYPETEAMSMEETINGURL", true),
    ("X-MICROSOFT-ONLINEMEETINGEXTERNALLINK", true),
    ("X-MICROSOFT-ONLINEMEETINGCONFLINK", true),
    ("CONFERENCE", false),
];

/// Where the join link was found; earlier variants rank higher.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The provider's conference data (filled by the provider layer).
    Conference,
    /// A conference property of the item (`X-GOOGLE-CONFERENCE`, …).
    ConferenceProperty,
    /// The `URL` property.
    Url,
    /// `LOCATION`.
    Location,
    /// `DESCRIPTION` (as text, or HTML stripped).
    Description,
    /// `X-ALT-DESC;FMTTYPE=text/html`, HTML stripped.
    AltDescription,
}

/// The fields detection looks at, borrowed from whatever the caller holds. Text
/// values are expected TEXT-unescaped (as [`crate::ics::Property::text`] gives).
#[derive(Debug, Clone, Copy, Default)]
pub struct JoinInput<'a> {
    /// The provider's join URL (Google `hangoutLink` or the video entry point of
    /// `conferenceData`, Graph `onlineMeeting.joinUrl`).
    pub conference_uri: Option<&'a str>,
    /// Properties of the item as (name, value); names are matched case-insensitively
    /// and properties that are not conference properties are ignored, so passing all
    /// of them is fine.
    pub x_props: &'a [(&'a str, &'a str)],
    pub url: Option<&'a str>,
    pub location: Option<&'a str>,
    /// Plain text or HTML (detected).
    pub description: Option<&'a str>,
    /// `X-ALT-DESC` with `FMTTYPE=text/html`.
    pub alt_description_html: Option<&'a str>,
}

/// A detected join link.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinLink {
    /// The link to open: unwrapped, trimmed, with an allow-listed scheme.
    pub url: String,
    /// The catalogue service id (`zoom`, `teams`, `custom:<name>`, or
    /// [`UNLISTED_SERVICE_ID`]).
    pub service_id: String,
    /// The service's display name.
    pub service_name: String,
    pub source: Source,
    /// Digits only (spaces removed), or the service's own code (Meet: `abc-defg-hij`).
    pub meeting_id: Option<String>,
    pub passcode: Option<String>,
    /// As written, e.g. `+13238494874,,562817345#` (post-dial digits kept).
    pub dial_in: Option<String>,
}

/// A chosen link before details are added.
struct Found<'c> {
    url: String,
    service: Option<&'c Service>,
    source: Source,
}

/// The join link of an event, if it has one (see the module docs for ranking and
/// the rules that keep plain links out).
pub fn detect(input: &JoinInput<'_>, catalogue: &Catalogue) -> Option<JoinLink> {
    // HTML is stripped lazily and at most once: most descriptions hold no link.
    let description = OnceCell::new();
    let description_text = || -> &str {
        description.get_or_init(|| match input.description {
            Some(d) if html::looks_like_html(d) => Cow::Owned(html::strip_html(d)),
            Some(d) => Cow::Borrowed(d),
            None => Cow::Borrowed(""),
        })
    };
    let alt = OnceCell::new();
    let alt_text = || -> &str {
        alt.get_or_init(|| {
            input
                .alt_description_html
                .map(html::strip_html)
                .unwrap_or_default()
        })
    };

    let found = conference(input, catalogue)
        .or_else(|| best_in(input.url, Source::Url, catalogue))
        .or_else(|| best_in(input.location, Source::Location, catalogue))
        .or_else(|| {
            input.description.filter(|d| links::may_contain_link(d))?;
            best_in(Some(description_text()), Source::Description, catalogue)
        })
        .or_else(|| {
            input
                .alt_description_html
                .filter(|d| links::may_contain_link(d))?;
            best_in(Some(alt_text()), Source::AltDescription, catalogue)
        })?;

    let texts = [input.location.unwrap_or(""), description_text(), alt_text()];
    let details = details::extract(&catalogue.labels, found.service, &found.url, &texts);
    let (service_id, service_name) = match found.service {
        Some(s) => (s.id.clone(), s.name.clone()),
        None => (
            UNLISTED_SERVICE_ID.to_string(),
            "Online meeting".to_string(),
        ),
    };
    Some(JoinLink {
        url: found.url,
        service_id,
        service_name,
        source: found.source,
        meeting_id: details.meeting_id,
        passcode: details.passcode,
        dial_in: details.dial_in,
    })
}

/// [`detect`] over a parsed VEVENT (or any component): reads `URL`, `LOCATION`,
/// `DESCRIPTION`, `X-ALT-DESC;FMTTYPE=text/html` and the conference properties.
pub fn detect_in_component(component: &Component<'_>, catalogue: &Catalogue) -> Option<JoinLink> {
    let text = |name: &str| component.prop(name).map(|p| p.text());
    let location = text("LOCATION");
    let description = text("DESCRIPTION");
    let url = component.prop("URL").map(|p| p.value.as_ref());
    let alt = component
        .props("X-ALT-DESC")
        .find(|p| {
            p.param("FMTTYPE")
                .is_some_and(|f| f.eq_ignore_ascii_case("text/html"))
        })
        .map(|p| p.text());
    let props: Vec<(&str, Cow<'_, str>)> = component
        .properties
        .iter()
        .filter(|p| CONFERENCE_PROPERTIES.iter().any(|(n, _)| p.name == *n))
        .map(|p| (p.name.as_ref(), p.text()))
        .collect();
    let x_props: Vec<(&str, &str)> = props.iter().map(|(n, v)| (*n, v.as_ref())).collect();
    detect(
        &JoinInput {
            conference_uri: None,
            x_props: &x_props,
            url,
            location: location.as_deref(),
            description: description.as_deref(),
            alt_description_html: alt.as_deref(),
        },
        catalogue,
    )
}

/// The provider's conference field, then conference properties in table order.
fn conference<'c>(input: &JoinInput<'_>, catalogue: &'c Catalogue) -> Option<Found<'c>> {
    if let Some(found) = input
        .conference_uri
        .and_then(|uri| trusted_link(uri, true, Source::Conference, catalogue))
    {
        return Some(found);
    }
    CONFERENCE_PROPERTIES.iter().find_map(|(name, trusted)| {
        input
            .x_props
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .find_map(|(_, value)| {
                trusted_link(value, *trusted, Source::ConferenceProperty, catalogue)
            })
    })
}

/// The link in a field whose whole purpose is to hold it: the longest candidate a
/// service claims, else (when `trusted`) the first candidate with an allowed scheme.
fn trusted_link<'c>(
    value: &str,
    trusted: bool,
    source: Source,
    catalogue: &'c Catalogue,
) -> Option<Found<'c>> {
    if let Some(found) = best_in(Some(value), source, catalogue) {
        return Some(found);
    }
    if !trusted {
        return None;
    }
    links::raw_candidates(value)
        .into_iter()
        .find_map(|raw| links::normalise(raw, catalogue))
        .map(|url| Found {
            url,
            service: None,
            source,
        })
}

/// The longest link in `text` that a catalogue service claims.
fn best_in<'c>(text: Option<&str>, source: Source, catalogue: &'c Catalogue) -> Option<Found<'c>> {
    let text = text?;
    if !links::may_contain_link(text) {
        return None;
    }
    let mut best: Option<Found<'c>> = None;
    for raw in links::raw_candidates(text) {
        let Some(url) = links::normalise(raw, catalogue) else {
            continue;
        };
        let Some(service) = catalogue.classify(&url) else {
            continue;
        };
        // Strictly longer: on a tie the first link in the text stays.
        if best.as_ref().is_none_or(|b| url.len() > b.url.len()) {
            best = Some(Found {
                url,
                service: Some(service),
                source,
            });
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> Catalogue {
        Catalogue::builtin().unwrap()
    }

    fn run(input: JoinInput<'_>) -> Option<JoinLink> {
        detect(&input, &cat())
    }

    #[test]
    fn higher_source_wins_over_longer_link() {
        let link = run(JoinInput {
            url: Some("https://zoom.us/j/111111111"),
            location: Some("https://us02web.zoom.us/j/222222222?pwd=muchlongerlinkhere"),
            description: Some(
                "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0",
            ),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            (link.url.as_str(), link.source),
            ("https://zoom.us/j/111111111", Source::Url)
        );

        let x = [(
            "X-GOOGLE-CONFERENCE",
            "https://meet.google.com/abc-defg-hij",
        )];
        let link = run(JoinInput {
            x_props: &x,
            location: Some("https://zoom.us/j/222222222"),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(link.service_id, "google-meet");
        assert_eq!(link.source, Source::ConferenceProperty);
        assert_eq!(link.meeting_id.as_deref(), Some("abc-defg-hij"));

        let link = run(JoinInput {
            conference_uri: Some("https://meet.google.com/xyz-abcd-efg"),
            x_props: &x,
            ..Default::default()
        })
        .unwrap();
        assert_eq!(link.source, Source::Conference);
        assert_eq!(link.url, "https://meet.google.com/xyz-abcd-efg");
    }

    #[test]
    fn longest_link_wins_within_a_source() {
        let link = run(JoinInput {
            description: Some(
                "Short: https://zoom.us/j/123456789 full: https://zoom.us/j/123456789?pwd=abcdef",
            ),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(link.url, "https://zoom.us/j/123456789?pwd=abcdef");
        assert_eq!(link.source, Source::Description);
    }

    #[test]
    fn description_html_and_alt_description() {
        let html = r#"<p>Join: <a href="https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Facme.webex.com%2Fmeet%2Fjdoe&amp;data=05">Join meeting</a></p><p>Meeting number: 2634 123 4567</p>"#;
        let link = run(JoinInput {
            description: Some(html),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(link.url, "https://acme.webex.com/meet/jdoe");
        assert_eq!(link.service_id, "webex");
        assert_eq!(link.meeting_id.as_deref(), Some("26341234567"));

        let link = run(JoinInput {
            description: Some("See the HTML part."),
            alt_description_html: Some(
                r#"<html><body><a href="https://meet.jit.si/AcmeRetro">Join</a></body></html>"#,
            ),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            (link.service_id.as_str(), link.source),
            ("jitsi", Source::AltDescription)
        );
    }

    #[test]
    fn plain_links_are_not_meetings() {
        for text in [
            "https://docs.google.com/document/d/1AbC/edit",
            "https://www.google.com/maps/place/Berlin",
            "https://zoom.us/pricing https://zoom.us/ https://zoom.us/u/abcdef",
            "https://teams.microsoft.com/ https://teams.microsoft.com/l/channel/19%3ax/General",
            "https://calendar.google.com/calendar/event?eid=abc",
            "https://aka.ms/JoinTeamsMeeting https://example.com/meet/room",
        ] {
            let input = JoinInput {
                url: Some(text),
                location: Some(text),
                description: Some(text),
                alt_description_html: Some(text),
                ..Default::default()
            };
            assert_eq!(detect(&input, &cat()), None, "{text}");
        }
    }

    #[test]
    fn trusted_conference_fields_keep_unlisted_links_but_not_bad_schemes() {
        let link = run(JoinInput {
            conference_uri: Some("https://video.addon.example/r/42"),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(link.service_id, UNLISTED_SERVICE_ID);
        assert_eq!(link.url, "https://video.addon.example/r/42");

        for x in [
            [(
                "X-MICROSOFT-ONLINEMEETINGCONFLINK",
                "conf:sip:a@b.com;gruu;opaque=app:conf",
            )],
            [("X-GOOGLE-CONFERENCE", "javascript:alert(1)//")],
            [("CONFERENCE", "https://chat.example.com/room/1")],
            [("X-SOMETHING-ELSE", "https://video.addon.example/r/42")],
        ] {
            assert_eq!(
                run(JoinInput {
                    x_props: &x,
                    ..Default::default()
                }),
                None,
                "{x:?}"
            );
        }
        let x = [("conference", "https://meet.google.com/abc-defg-hij")];
        assert_eq!(
            run(JoinInput {
                x_props: &x,
                ..Default::default()
            })
            .map(|l| l.service_id),
            Some("google-meet".to_string())
        );
        assert_eq!(
            run(JoinInput {
                conference_uri: Some("javascript:alert(1)"),
                ..Default::default()
            }),
            None
        );
    }

    #[test]
    fn user_patterns_detect_their_links() {
        let c = cat()
            .with_user_patterns(&[UserPattern {
                name: "Acme Video".into(),
                pattern: r"^https://video\.acme\.example/room/\w+".into(),
            }])
            .unwrap();
        let input = JoinInput {
            location: Some("Room 4 / https://video.acme.example/room/standup."),
            ..Default::default()
        };
        let link = detect(&input, &c).unwrap();
        assert_eq!(link.url, "https://video.acme.example/room/standup");
        assert_eq!(link.service_name, "Acme Video");
        assert_eq!(detect(&input, &cat()), None);
    }

    #[test]
    fn component_properties_are_read() {
        let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTART:20250101T100000Z\r\n\
                   LOCATION:Microsoft Teams Meeting\r\n\
                   X-MICROSOFT-SKYPETEAMSMEETINGURL:https://teams.microsoft.com/l/meetup-join/\r\n 19%3ameeting_x%40thread.v2/0?context=%7b%22Tid%22%3a%22t%22%7d\r\n\
                   DESCRIPTION:Meeting ID: 263 724 981 112\\nPasscode: nR9x3c\r\n\
                   END:VEVENT\r\nEND:VCALENDAR\r\n";
        let (comps, _, _) = crate::ics::parse_all(ics.as_bytes());
        let link = detect_in_component(&comps[0], &cat()).unwrap();
        assert_eq!(link.service_id, "teams");
        assert_eq!(link.source, Source::ConferenceProperty);
        assert!(link.url.ends_with("%22t%22%7d"), "{}", link.url);
        assert_eq!(link.meeting_id.as_deref(), Some("263724981112"));
        assert_eq!(link.passcode.as_deref(), Some("nR9x3c"));
    }
}
