//! Validated ICS subscription URLs, and the masking that keeps their secrets
//! out of logs, errors, SQLite and the UI.
//!
//! Invariants:
//! - A [`FeedUrl`] always has scheme `http` or `https` and a host. `webcal:` and
//!   `webcals:` are accepted as input and mapped to `https:`, except that a
//!   `webcal://` URL pointing at a loopback host on a port other than 443 maps to
//!   `http:` (local test servers and self-hosted feeds on `localhost` speak plain
//!   HTTP; nothing on the network is downgraded).
//! - [`FeedUrl::masked`] never contains a credential that
//!   [`FeedUrl::carries_secret`] detected: userinfo becomes `***@`, secret query
//!   values and token-like path segments become `***`. Every `Display` of a
//!   [`FeedError`](super::FeedError) uses the masked form.
//! - Detection errs on the side of calling something a secret: a false positive
//!   only means the URL is kept in the keyring and shown masked.

use std::fmt;

use url::{Host, Url};

use super::FeedError;

/// Query parameter names (or `_`/`-`/`.`-separated words of them) that carry
/// credentials in the feed URLs seen in the wild.
const SECRET_PARAM_WORDS: &[&str] = &[
    "token",
    "key",
    "apikey",
    "api_key",
    "access_token",
    "auth",
    "authtoken",
    "secret",
    "signature",
    "sig",
    "password",
    "pass",
    "passwd",
    "pwd",
    "private",
    "hash",
    "code",
    "credential",
    "credentials",
    "session",
    "sid",
];

/// Substrings that mark a parameter name as secret even when glued to other
/// words (`accessToken`, `privatekey`, `clientSecret`).
const SECRET_PARAM_FRAGMENTS: &[&str] = &["token", "secret", "password", "apikey", "passwd"];

const MASK: &str = "***";

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

    /// The URL with every detected secret replaced by `***`: safe for logs,
    /// SQLite, error messages and the UI.
    pub fn masked(&self) -> String {
        mask_url(&self.url)
    }

    /// True when the URL itself is a credential (userinfo, token parameter,
    /// private path): the engine must keep it in the keyring, not in SQLite.
    pub fn carries_secret(&self) -> bool {
        url_carries_secret(&self.url)
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

/// Masks any URL (also redirect targets, which are not `FeedUrl`s).
pub(crate) fn mask_url(url: &Url) -> String {
    let mut out = String::with_capacity(url.as_str().len());
    out.push_str(url.scheme());
    out.push_str("://");
    if !url.username().is_empty() || url.password().is_some() {
        out.push_str(MASK);
        out.push('@');
    }
    out.push_str(url.host_str().unwrap_or(""));
    if let Some(port) = url.port() {
        out.push(':');
        out.push_str(&port.to_string());
    }
    out.push_str(&mask_path(url.path()));
    if let Some(query) = url.query() {
        out.push('?');
        let masked: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, value)) if query_pair_is_secret(name, value) => {
                    format!("{name}={MASK}")
                }
                _ => pair.to_string(),
            })
            .collect();
        out.push_str(&masked.join("&"));
    }
    // The fragment is never sent to the server and may hold anything: drop it.
    out
}

pub(crate) fn url_carries_secret(url: &Url) -> bool {
    if !url.username().is_empty() || url.password().is_some() {
        return true;
    }
    if let Some(query) = url.query() {
        let secret_param = query.split('&').any(|pair| match pair.split_once('=') {
            Some((name, value)) => query_pair_is_secret(name, value),
            None => false,
        });
        if secret_param {
            return true;
        }
    }
    mask_path(url.path()) != url.path()
}

/// Masks private path parts: Google's `private-<hex>` (and the calendar id in
/// front of it), and long random segments (iCloud, Outlook, Nextcloud share
/// tokens). A segment like `<hex>@contoso.com` masks only the random part.
fn mask_path(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let mut masked: Vec<String> = segments.iter().map(|s| mask_segment(s)).collect();
    // Google: /calendar/ical/<calendar id>/private-<hex>/basic.ics. The id is an
    // e-mail address; with the private token it identifies a private calendar.
    for i in 0..segments.len() {
        if i >= 1 && segments[i - 1] == "ical" && i + 1 < segments.len() {
            if let Some(token) = segments[i + 1].strip_prefix("private-") {
                if !token.is_empty() {
                    masked[i] = "…".to_string();
                }
            }
        }
    }
    masked.join("/")
}

fn mask_segment(segment: &str) -> String {
    if let Some(token) = segment.strip_prefix("private-") {
        if !token.is_empty() {
            return format!("private-{MASK}");
        }
    }
    if segment.contains('@') {
        let parts: Vec<String> = segment
            .split('@')
            .map(|part| {
                if looks_like_token(part, 20) {
                    MASK.to_string()
                } else {
                    part.to_string()
                }
            })
            .collect();
        return parts.join("@");
    }
    if looks_like_token(segment, 20) {
        return MASK.to_string();
    }
    segment.to_string()
}

fn query_pair_is_secret(name: &str, value: &str) -> bool {
    if value.is_empty() {
        return false;
    }
    param_name_is_secret(name) || looks_like_token(value, 16)
}

fn param_name_is_secret(name: &str) -> bool {
    let lower = percent_decode_lossy(name).to_ascii_lowercase();
    if SECRET_PARAM_WORDS.contains(&lower.as_str()) {
        return true;
    }
    if SECRET_PARAM_FRAGMENTS
        .iter()
        .any(|frag| lower.contains(frag))
    {
        return true;
    }
    lower
        .split(['_', '-', '.', '[', ']'])
        .any(|word| SECRET_PARAM_WORDS.contains(&word))
}

/// A random-looking credential: long, from a base64/hex alphabet, mixing
/// letters and digits, with high per-character entropy. Word-like strings
/// (`2024-holidays-germany`, `ics_country.php`) do not qualify because they
/// contain separators between dictionary-ish runs, or no digits.
pub(crate) fn looks_like_token(raw: &str, min_len: usize) -> bool {
    let value = percent_decode_lossy(raw);
    let value = value.trim_end_matches('=');
    if value.len() < min_len {
        return false;
    }
    let has_separator = value.contains(['-', '_']);
    if has_separator {
        // UUID-like hex groups are tokens; other separated strings are words.
        let hex_digits = value.chars().filter(|c| c.is_ascii_hexdigit()).count();
        let only_hex = value
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == '-' || c == '_');
        return only_hex && hex_digits >= min_len && mixes_letters_and_digits(value);
    }
    let alphabet_ok = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/');
    alphabet_ok && mixes_letters_and_digits(value) && shannon_bits_per_char(value) >= 3.0
}

fn mixes_letters_and_digits(value: &str) -> bool {
    value.chars().any(|c| c.is_ascii_digit()) && value.chars().any(|c| c.is_ascii_alphabetic())
}

fn shannon_bits_per_char(value: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in value.bytes() {
        counts[usize::from(b)] += 1;
    }
    let len = value.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

fn percent_decode_lossy(raw: &str) -> String {
    // Only what detection needs: `%XX` escapes; `+` stays as is (base64).
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
    fn secret_detection_table() {
        // (input, carries_secret, masked)
        let table: &[(&str, bool, &str)] = &[
            (
                "https://www.officeholidays.com/ics/ics_country.php?tbl_country=Germany",
                false,
                "https://www.officeholidays.com/ics/ics_country.php?tbl_country=Germany",
            ),
            ("https://example.org/calendar.ics", false, "https://example.org/calendar.ics"),
            (
                "https://calendar.google.com/calendar/ical/en.german%23holiday%40group.v.calendar.google.com/public/basic.ics",
                false,
                "https://calendar.google.com/calendar/ical/en.german%23holiday%40group.v.calendar.google.com/public/basic.ics",
            ),
            (
                "https://calendar.google.com/calendar/ical/alice%40gmail.com/private-0123456789abcdef0123456789abcdef/basic.ics",
                true,
                "https://calendar.google.com/calendar/ical/…/private-***/basic.ics",
            ),
            (
                "webcal://p12-caldav.icloud.com/published/2/MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwQUJDREVGR0g",
                true,
                "https://p12-caldav.icloud.com/published/2/***",
            ),
            (
                "https://outlook.office365.com/owa/calendar/7f3c2a1b9d8e4f60a1b2c3d4e5f60718@contoso.com/a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d61234567890123456789/calendar.ics",
                true,
                "https://outlook.office365.com/owa/calendar/***@contoso.com/***/calendar.ics",
            ),
            ("https://alice:hunter2@dav.example.com/cal.ics", true, "https://***@dav.example.com/cal.ics"),
            ("https://alice@dav.example.com/cal.ics", true, "https://***@dav.example.com/cal.ics"),
            ("https://example.com/feed.ics?token=abc", true, "https://example.com/feed.ics?token=***"),
            ("https://example.com/feed.ics?key=1", true, "https://example.com/feed.ics?key=***"),
            ("https://example.com/feed.ics?apikey=xyz&lang=de", true, "https://example.com/feed.ics?apikey=***&lang=de"),
            ("https://example.com/feed.ics?api_key=xyz", true, "https://example.com/feed.ics?api_key=***"),
            ("https://example.com/feed.ics?access_token=xyz", true, "https://example.com/feed.ics?access_token=***"),
            ("https://example.com/feed.ics?accessToken=xyz", true, "https://example.com/feed.ics?accessToken=***"),
            ("https://example.com/feed.ics?auth=xyz", true, "https://example.com/feed.ics?auth=***"),
            ("https://example.com/feed.ics?X-Amz-Signature=abcd", true, "https://example.com/feed.ics?X-Amz-Signature=***"),
            ("https://example.com/feed.ics?sig=abcd", true, "https://example.com/feed.ics?sig=***"),
            ("https://example.com/feed.ics?password=pw", true, "https://example.com/feed.ics?password=***"),
            ("https://example.com/feed.ics?hash=abc", true, "https://example.com/feed.ics?hash=***"),
            ("https://example.com/feed.ics?code=abc", true, "https://example.com/feed.ics?code=***"),
            (
                "https://example.com/export?u=42&k=9fA3kQ7zLm2Xp8Rt",
                true,
                "https://example.com/export?u=42&k=***",
            ),
            (
                "https://example.com/export?id=550e8400-e29b-41d4-a716-446655440000",
                true,
                "https://example.com/export?id=***",
            ),
            (
                "https://cloud.example.com/remote.php/dav/public-calendars/Xk3rT9pQm2ZbW7yL5vNc8d?export",
                true,
                "https://cloud.example.com/remote.php/dav/public-calendars/***?export",
            ),
            ("https://example.com/calendars/2024-holidays-germany-v2.ics", false, "https://example.com/calendars/2024-holidays-germany-v2.ics"),
            ("https://example.com/cal.ics?from=20240101T000000Z&lang=en", false, "https://example.com/cal.ics?from=20240101T000000Z&lang=en"),
            ("https://example.com/team/engineering/calendar.ics?year=2025", false, "https://example.com/team/engineering/calendar.ics?year=2025"),
            ("https://example.com/cal.ics#section-token=abc", false, "https://example.com/cal.ics"),
            ("webcal://example.com/cal.ics", false, "https://example.com/cal.ics"),
            ("webcals://example.com:8443/cal.ics", false, "https://example.com:8443/cal.ics"),
            ("https://monkeys.example.com/country-calendar.ics?country=DE", false, "https://monkeys.example.com/country-calendar.ics?country=DE"),
        ];
        for (input, secret, masked) in table {
            let u = url(input);
            assert_eq!(u.carries_secret(), *secret, "carries_secret for {input}");
            assert_eq!(u.masked(), *masked, "masked for {input}");
        }
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
        assert!(!local.carries_secret());
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
