//! Validated ICS subscription URLs, and the short form that keeps them out of logs,
//! errors, SQLite and the UI.
//!
//! Every private feed URL is a bearer token, and no list of token shapes is complete
//! (Google's `private-…`, iCloud's path, Proton's `?CacheKey=…&PassphraseKey=…`,
//! Fastmail's `/calendar/v1-<hex>/`, Teamup's `/feed/<id>/`, Nextcloud's public links,
//! `?k=`, `?authkey=`…). So no URL is shown in full: [`FeedUrl::masked`] is the
//! scheme, the host and a shortened path, and the engine keeps the URL itself in the
//! secret store.
//!
//! Invariants:
//! - A [`FeedUrl`] always has scheme `http` or `https` and a host, or is a local
//!   absolute `file:` path. `webcal:` and `webcals:` are accepted as input and mapped
//!   to `https:`, except that a `webcal://` URL pointing at a loopback host on a port
//!   other than 443 maps to `http:` (local test servers and self-hosted feeds on
//!   `localhost` speak plain HTTP; nothing on the network is downgraded).
//! - [`FeedUrl::masked`] of an `http(s)` URL holds no user info, no query value and no
//!   path segment but the last one, and that one only when it reads as a file name
//!   (`basic.ics`, `holidays-2026.ics`), never a token. Every `Display` of a
//!   [`FeedError`](super::FeedError) uses it. A `file:` URL is shown whole: a local path
//!   grants nothing to anyone else.

use std::fmt;

use url::{Host, Url};

use super::FeedError;

/// What stands for the hidden parts of a URL.
const ELLIPSIS: &str = "…";

/// A feed URL that passed validation: `http(s)` with a host.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FeedUrl {
    url: Url,
}

impl FeedUrl {
    /// Validates `input` and maps `webcal`/`webcals` to HTTP(S).
    ///
    /// The error never echoes the input itself (it may hold a token); it names
    /// the offending scheme instead.
    pub fn parse(input: &str) -> Result<FeedUrl, FeedError> {
        let trimmed = input.trim();
        let parsed = Url::parse(trimmed).map_err(|err| FeedError::InvalidUrl {
            scheme: None,
            reason: match err {
                url::ParseError::RelativeUrlWithoutBase => {
                    "relative URL: a feed URL needs a scheme such as https:// or webcal://"
                        .to_string()
                }
                other => format!("not a valid URL ({other})"),
            },
        })?;
        let scheme = parsed.scheme().to_ascii_lowercase();
        let has_host = parsed.host_str().is_some_and(|h| !h.is_empty());
        let url = match scheme.as_str() {
            "http" | "https" => parsed,
            // A local file (an export, the built-in sample calendar): read from disk,
            // with its modification time as the validator.
            "file" => {
                if parsed.to_file_path().is_err() {
                    return Err(FeedError::InvalidUrl {
                        scheme: Some(scheme),
                        reason: "not a local absolute file path".to_string(),
                    });
                }
                return Ok(FeedUrl { url: parsed });
            }
            "webcal" | "webcals" => {
                if !has_host {
                    return Err(FeedError::InvalidUrl {
                        scheme: Some(scheme),
                        reason: "the URL has no host".to_string(),
                    });
                }
                let target = if scheme == "webcal" && is_loopback_non_tls(&parsed) {
                    "http"
                } else {
                    "https"
                };
                // `Url::set_scheme` refuses to turn a non-special scheme into a
                // special one, so rebuild from the serialisation instead.
                let rest = &parsed.as_str()[scheme.len()..];
                Url::parse(&format!("{target}{rest}")).map_err(|err| FeedError::InvalidUrl {
                    scheme: Some(scheme.clone()),
                    reason: format!("cannot map to {target} ({err})"),
                })?
            }
            _ => {
                return Err(FeedError::InvalidUrl {
                    reason: "only http, https, webcal, webcals and file feeds are supported"
                        .to_string(),
                    scheme: Some(scheme),
                })
            }
        };
        if url.host_str().is_none_or(str::is_empty) {
            return Err(FeedError::InvalidUrl {
                scheme: Some(url.scheme().to_string()),
                reason: "the URL has no host".to_string(),
            });
        }
        Ok(FeedUrl { url })
    }

    /// The URL that is actually requested (`http` or `https`).
    pub fn as_url(&self) -> &Url {
        &self.url
    }

    /// The short form shown everywhere (see the module docs): safe for logs, SQLite,
    /// error messages and the UI.
    pub fn masked(&self) -> String {
        mask_url(&self.url)
    }

    /// True for a local `file:` feed, whose path is no secret.
    pub fn is_local_file(&self) -> bool {
        self.url.scheme() == "file"
    }

    /// The last path segment when it reads as a plain file or page name (what the
    /// short form shows), e.g. `holidays.ics`; `None` for token-like segments.
    pub fn plain_name(&self) -> Option<String> {
        last_segment(&self.url).filter(|seg| is_plain_name(seg))
    }
}

/// Debug shows the masked form too, so `{:?}` in a log line cannot leak.
impl fmt::Debug for FeedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("FeedUrl").field(&self.masked()).finish()
    }
}

impl fmt::Display for FeedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

fn is_loopback_non_tls(url: &Url) -> bool {
    let loopback = match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        // `webcal:` is not a special scheme, so the URL crate keeps an IPv4
        // host as an opaque domain string: parse it ourselves.
        Some(Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost")
                || d.parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        None => false,
    };
    loopback && url.port().is_some_and(|p| p != 443)
}

/// The short form of any URL (also redirect targets, which are not `FeedUrl`s):
/// scheme, host and port, `/…/` plus the last segment when it is a plain name, and
/// `?…` for a query. User info and the fragment are dropped.
pub(crate) fn mask_url(url: &Url) -> String {
    if url.scheme() == "file" {
        let mut plain = url.clone();
        plain.set_query(None);
        plain.set_fragment(None);
        return plain.to_string();
    }
    let mut out = String::with_capacity(64);
    out.push_str(url.scheme());
    out.push_str("://");
    out.push_str(url.host_str().unwrap_or(""));
    if let Some(port) = url.port() {
        out.push(':');
        out.push_str(&port.to_string());
    }
    let segments = url
        .path_segments()
        .map(|s| s.filter(|seg| !seg.is_empty()).count())
        .unwrap_or(0);
    let last = last_segment(url).filter(|seg| is_plain_name(seg));
    match (segments, last) {
        (0, _) => out.push('/'),
        (1, Some(name)) => {
            out.push('/');
            out.push_str(&name);
        }
        (_, Some(name)) => {
            out.push('/');
            out.push_str(ELLIPSIS);
            out.push('/');
            out.push_str(&name);
        }
        (_, None) => {
            out.push('/');
            out.push_str(ELLIPSIS);
        }
    }
    if url.query().is_some_and(|q| !q.is_empty()) {
        out.push('?');
        out.push_str(ELLIPSIS);
    }
    out
}

/// The last non-empty path segment, percent-decoded.
fn last_segment(url: &Url) -> Option<String> {
    let seg = url.path_segments()?.rev().find(|s| !s.is_empty())?;
    Some(percent_decode_lossy(seg))
}

/// A segment that reads as a name a person chose (`basic.ics`, `germany`,
/// `team-calendar-2026.ics`, `v2`), not as a token or an id: at most 40 characters
/// of letters, digits, `.`, `_` and `-`, and every run between those separators
/// either letters only, or at most 4 digits (a year), or at most 8 characters mixing
/// letters and digits.
fn is_plain_name(seg: &str) -> bool {
    if seg.is_empty() || seg.len() > 40 {
        return false;
    }
    if !seg
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return false;
    }
    seg.split(['.', '_', '-']).all(|run| {
        let digits = run.chars().filter(char::is_ascii_digit).count();
        digits == 0
            || (digits == run.len() && digits <= 4)
            || (digits < run.len() && run.len() <= 8)
    })
}

fn percent_decode_lossy(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(byte) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(input: &str) -> FeedUrl {
        match FeedUrl::parse(input) {
            Ok(u) => u,
            Err(err) => panic!("{input} should parse: {err}"),
        }
    }

    #[test]
    fn every_url_is_shown_short() {
        // (input, short form, secret parts that must not show)
        let table: &[(&str, &str, &[&str])] = &[
            (
                "https://www.officeholidays.com/ics/ics_country.php?tbl_country=Germany",
                "https://www.officeholidays.com/…/ics_country.php?…",
                &["Germany"],
            ),
            ("https://example.org/calendar.ics", "https://example.org/calendar.ics", &[]),
            ("https://example.org/", "https://example.org/", &[]),
            (
                "https://calendar.google.com/calendar/ical/alice%40gmail.com/private-0123456789abcdef0123456789abcdef/basic.ics",
                "https://calendar.google.com/…/basic.ics",
                &["alice", "0123456789abcdef"],
            ),
            (
                "webcal://p12-caldav.icloud.com/published/2/MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwQUJDREVGR0g",
                "https://p12-caldav.icloud.com/…",
                &["MTIzNDU2"],
            ),
            // Proton: the secret is in the query.
            (
                "https://calendar.proton.me/api/calendar/v1/url/Zm9vYmFy/calendar.ics?CacheKey=Q2FjaGVLZXk&PassphraseKey=UGFzc3BocmFzZQ",
                "https://calendar.proton.me/…/calendar.ics?…",
                &["CacheKey", "Q2FjaGVLZXk", "UGFzc3BocmFzZQ", "Zm9vYmFy"],
            ),
            // Fastmail: the secret is a path segment with a hex id.
            (
                "https://user.fm/calendar/v1-9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c/",
                "https://user.fm/…",
                &["9f2c4e6a8b0d"],
            ),
            // Teamup: a short key as the last segment.
            ("https://ics.teamup.com/feed/ksg6x7r2pz9k4/", "https://ics.teamup.com/…", &["ksg6x7r2pz9k4"]),
            ("https://ics.teamup.com/feed/ksg6x7r2pz9k4/3456789.ics", "https://ics.teamup.com/…", &["ksg6x7r2pz9k4", "3456789"]),
            // Nextcloud public link.
            (
                "https://cloud.example.com/remote.php/dav/public-calendars/Xk3rT9pQm2ZbW7yL?export",
                "https://cloud.example.com/…?…",
                &["Xk3rT9pQm2ZbW7yL"],
            ),
            ("https://example.com/export?u=42&k=9fA3kQ7zLm2Xp8Rt", "https://example.com/export?…", &["9fA3kQ7z"]),
            ("https://example.com/feed.ics?authkey=abc123", "https://example.com/feed.ics?…", &["abc123"]),
            ("https://alice:hunter2@dav.example.com/cal.ics", "https://dav.example.com/cal.ics", &["alice", "hunter2"]),
            (
                "https://example.com/calendars/2024-holidays-germany-v2.ics",
                "https://example.com/…/2024-holidays-germany-v2.ics",
                &[],
            ),
            ("https://example.com/cal.ics#section-token=abc", "https://example.com/cal.ics", &["token"]),
            ("webcals://example.com:8443/cal.ics", "https://example.com:8443/cal.ics", &[]),
            (
                "https://outlook.office365.com/owa/calendar/7f3c2a1b9d8e4f60a1b2c3d4e5f60718@contoso.com/a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d61234567890123456789/calendar.ics",
                "https://outlook.office365.com/…/calendar.ics",
                &["contoso", "7f3c2a1b", "a1b2c3d4"],
            ),
            ("file:///home/me/My%20Cal.ics", "file:///home/me/My%20Cal.ics", &[]),
        ];
        for (input, short, hidden) in table {
            let u = url(input);
            assert_eq!(u.masked(), *short, "short form of {input}");
            for h in *hidden {
                assert!(!u.masked().contains(h), "{h} shows in {}", u.masked());
            }
        }
        assert_eq!(
            url("https://example.com/a/germany").plain_name().as_deref(),
            Some("germany")
        );
        assert_eq!(
            url("https://ics.teamup.com/feed/ksg6x7r2pz9k4/").plain_name(),
            None
        );
    }

    #[test]
    fn schemes_are_validated_and_named() {
        for (input, scheme) in [
            ("file://fileserver/share/cal.ics", "file"),
            ("ftp://example.com/cal.ics", "ftp"),
            ("javascript:alert(1)", "javascript"),
            ("data:text/calendar,BEGIN:VCALENDAR", "data"),
        ] {
            match FeedUrl::parse(input) {
                Err(err @ FeedError::InvalidUrl { .. }) => {
                    assert_eq!(err.code(), "invalid_url");
                    assert!(
                        err.to_string().contains(scheme),
                        "{err} should name {scheme}"
                    );
                }
                other => panic!("{input}: expected InvalidUrl, got {other:?}"),
            }
        }
        assert!(matches!(
            FeedUrl::parse("/relative/cal.ics"),
            Err(FeedError::InvalidUrl { scheme: None, .. })
        ));
        assert!(matches!(
            FeedUrl::parse("webcal:nohost"),
            Err(FeedError::InvalidUrl { .. })
        ));
        // Local files are feeds too (exports, the sample calendar).
        let local = FeedUrl::parse("file:///home/me/cal.ics").unwrap();
        assert_eq!(local.as_url().scheme(), "file");
        assert!(local.is_local_file());
    }

    #[test]
    fn webcal_maps_to_https_except_loopback_test_ports() {
        assert_eq!(url("webcal://example.com/a.ics").as_url().scheme(), "https");
        assert_eq!(url("WEBCAL://example.com/a.ics").as_url().scheme(), "https");
        assert_eq!(
            url("webcals://example.com/a.ics").as_url().scheme(),
            "https"
        );
        assert_eq!(
            url("webcal://127.0.0.1:8080/a.ics").as_url().as_str(),
            "http://127.0.0.1:8080/a.ics"
        );
        assert_eq!(
            url("webcal://localhost:5232/a.ics").as_url().scheme(),
            "http"
        );
        assert_eq!(url("webcal://[::1]:9000/a.ics").as_url().scheme(), "http");
        assert_eq!(url("webcal://127.0.0.1/a.ics").as_url().scheme(), "https");
        assert_eq!(
            url("webcals://127.0.0.1:8080/a.ics").as_url().scheme(),
            "https"
        );
        assert_eq!(
            url("webcal://10.0.0.1:8080/a.ics").as_url().scheme(),
            "https"
        );
    }

    #[test]
    fn debug_and_display_are_masked() {
        let u = url("https://example.com/feed.ics?token=supersecretvalue");
        assert!(!format!("{u:?}").contains("supersecretvalue"));
        assert!(!format!("{u}").contains("supersecretvalue"));
    }
}
