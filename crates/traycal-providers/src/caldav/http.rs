//! One CalDAV account's HTTP: requests with its credentials, redirects followed by
//! hand (WebDAV methods keep their method and body, unlike a browser's POST), answers
//! read with a size cap, and every status that is not success turned into one
//! classified [`ProviderError`] ([`classify`]).
//!
//! Invariants: the password goes only to the origin the account was set up with, or
//! over https to another host of the same registrable domain by the public suffix
//! list (iCloud serves a user's calendars from `pNN-caldav.icloud.com`); a redirect
//! or href to any other host is followed without it; a redirect never goes from https to http; no error text holds the
//! password or the `Authorization` header.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use url::Url;

use super::multistatus::{self, Multistatus};
use super::xml::{self, CALDAV, DAV};
use crate::ics_feed::parse_retry_after;
use crate::port::{ProviderError, ProviderErrorKind, ProviderResult};

/// Redirect hops followed before giving up.
const MAX_REDIRECTS: usize = 5;
/// The largest answer read (a multiget of hundreds of events is a few megabytes).
pub const MAX_BODY: usize = 64 << 20;

/// An answer: status, headers, body text and where it came from after redirects.
#[derive(Debug)]
pub struct DavAnswer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    pub url: Url,
}

impl DavAnswer {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The HTTP side of one account. Cheap to clone.
#[derive(Clone)]
pub struct DavClient {
    http: reqwest::Client,
    user: String,
    password: String,
    origin: url::Origin,
    /// The registrable domain of the account's host (see `domain_of`), for
    /// [`DavClient::may_sign_in`]; `None` for an IP address or a one-label host.
    domain: Option<String>,
}

impl std::fmt::Debug for DavClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DavClient")
            .field("user", &self.user)
            .field("origin", &self.origin.ascii_serialization())
            .finish_non_exhaustive()
    }
}

impl DavClient {
    /// A client for the account at `server` signing in as `user`.
    pub fn new(server: &Url, user: &str, password: &str) -> ProviderResult<DavClient> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Traycal/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                ProviderError::new(ProviderErrorKind::Local, "the HTTP client could not start")
                    .with_detail(e.to_string())
            })?;
        Ok(DavClient {
            http,
            user: user.to_string(),
            password: password.to_string(),
            origin: server.origin(),
            domain: domain_of(server),
        })
    }

    /// Whether the credentials may go to `url`: the account's own origin, or https on
    /// a host of the same domain.
    fn may_sign_in(&self, url: &Url) -> bool {
        url.origin() == self.origin
            || (url.scheme() == "https" && self.domain.is_some() && domain_of(url) == self.domain)
    }

    /// Sends one request, following redirects with the same method and body.
    /// Answers of any status are returned; only a failure to get one is an error.
    pub async fn send(
        &self,
        method: &str,
        url: &Url,
        headers: &[(&str, String)],
        body: Option<&str>,
    ) -> ProviderResult<DavAnswer> {
        let method = Method::from_bytes(method.as_bytes()).map_err(|_| {
            ProviderError::new(ProviderErrorKind::Local, format!("bad method {method}"))
        })?;
        let mut url = url.clone();
        for _ in 0..=MAX_REDIRECTS {
            let mut req = self.http.request(method.clone(), url.clone());
            if self.may_sign_in(&url) {
                req = req.basic_auth(&self.user, Some(&self.password));
            }
            let mut map = HeaderMap::new();
            for (name, value) in headers {
                if let (Ok(n), Ok(v)) = (
                    HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(value),
                ) {
                    map.insert(n, v);
                }
            }
            req = req.headers(map);
            if let Some(b) = body {
                req = req.body(b.to_string());
            }
            let resp = req.send().await.map_err(|e| network_error(&url, &e))?;
            let status = resp.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let next = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|l| url.join(l).ok());
                let Some(next) = next else {
                    return Err(ProviderError::new(
                        ProviderErrorKind::InvalidConfig,
                        format!("{} redirected without saying where", shown(&url)),
                    ));
                };
                if url.scheme() == "https" && next.scheme() != "https" {
                    return Err(ProviderError::new(
                        ProviderErrorKind::InvalidConfig,
                        format!(
                            "{} redirected from https to plain http ({}); refused",
                            shown(&url),
                            shown(&next)
                        ),
                    ));
                }
                url = next;
                continue;
            }
            let headers = resp.headers().clone();
            let text = read_capped(resp, &url).await?;
            return Ok(DavAnswer {
                status,
                headers,
                body: text,
                url,
            });
        }
        Err(ProviderError::new(
            ProviderErrorKind::InvalidConfig,
            format!("{} redirected more than {MAX_REDIRECTS} times", shown(&url)),
        ))
    }

    /// A `PROPFIND` with `Depth: depth`; its multistatus and the URL that answered.
    pub async fn propfind(
        &self,
        url: &Url,
        depth: &str,
        props: &str,
    ) -> ProviderResult<(Url, Multistatus)> {
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:c="{CALDAV}" xmlns:cs="{}" xmlns:ic="{}"><d:prop>{props}</d:prop></d:propfind>"#,
            xml::CS,
            xml::ICAL
        );
        let answer = self
            .send(
                "PROPFIND",
                url,
                &[
                    ("Depth", depth.to_string()),
                    ("Content-Type", "application/xml; charset=utf-8".into()),
                ],
                Some(&body),
            )
            .await?;
        let url = answer.url.clone();
        Ok((url, expect_multistatus(answer, "PROPFIND")?))
    }

    /// A `REPORT` with `Depth: depth` and the given XML body; its multistatus.
    pub async fn report(&self, url: &Url, depth: &str, body: &str) -> ProviderResult<Multistatus> {
        let answer = self
            .send(
                "REPORT",
                url,
                &[
                    ("Depth", depth.to_string()),
                    ("Content-Type", "application/xml; charset=utf-8".into()),
                ],
                Some(body),
            )
            .await?;
        expect_multistatus(answer, "REPORT")
    }
}

/// The registrable domain of a URL's host by the public suffix list
/// (`p42-caldav.icloud.com` → `icloud.com`, `dav.example.co.uk` → `example.co.uk`,
/// `alice.duckdns.org` → itself, as `duckdns.org` hands out names to anyone); `None`
/// for an IP address or a host that is a public suffix itself.
fn domain_of(url: &Url) -> Option<String> {
    let Some(url::Host::Domain(host)) = url.host() else {
        return None;
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    psl::domain_str(&host).map(str::to_owned)
}

/// A 207 read as a multistatus; any other status classified.
fn expect_multistatus(answer: DavAnswer, method: &str) -> ProviderResult<Multistatus> {
    if answer.status != StatusCode::MULTI_STATUS {
        return Err(classify(&answer, method));
    }
    multistatus::parse(&answer.body).map_err(|e| {
        ProviderError::new(
            ProviderErrorKind::InvalidData,
            format!(
                "{} answered {method} with something that is not a WebDAV answer",
                shown(&answer.url)
            ),
        )
        .with_detail(e)
    })
}

async fn read_capped(mut resp: reqwest::Response, url: &Url) -> ProviderResult<String> {
    let mut bytes: Vec<u8> = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > MAX_BODY {
                    return Err(ProviderError::new(
                        ProviderErrorKind::InvalidData,
                        format!(
                            "{} answered with more than {} MB; nothing was taken",
                            shown(url),
                            MAX_BODY >> 20
                        ),
                    ));
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => return Err(network_error(url, &e)),
        }
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A URL as errors show it: no user info, no query.
pub fn shown(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

fn network_error(url: &Url, e: &reqwest::Error) -> ProviderError {
    // The whole source chain: the TLS or connect cause is deep inside.
    let mut detail = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        src = s.source();
    }
    let tls = detail.contains("certificate") || detail.contains("tls") || detail.contains("TLS");
    let message = if e.is_timeout() {
        format!("{} did not answer in time", shown(url))
    } else if tls {
        format!(
            "a secure connection to {} could not be made (TLS: its certificate or protocol was refused)",
            url.host_str().unwrap_or("the server")
        )
    } else {
        format!("{} could not be reached", shown(url))
    };
    ProviderError::new(ProviderErrorKind::Network, message).with_detail(detail)
}

/// The href a `no-uid-conflict` (or `unique-scheduling-object-resource`) names: the
/// item that already holds the UID (RFC 4791 5.3.2.1).
fn existing_href(root: &xml::Element) -> Option<String> {
    fn find(e: &xml::Element) -> Option<String> {
        if e.is(CALDAV, "no-uid-conflict") || e.is(CALDAV, "unique-scheduling-object-resource") {
            return e
                .child_text(DAV, "href")
                .map(|h| h.trim().to_owned())
                .filter(|h| !h.is_empty());
        }
        e.children.iter().find_map(find)
    }
    find(root)
}

/// An answer that is not a success, as the port's error. A `PUT` is taken as a
/// creation (see [`classify_update`]).
pub fn classify(answer: &DavAnswer, method: &str) -> ProviderError {
    classify_as(answer, method, method == "PUT")
}

/// The refusal of a `PUT` that replaces an item (`If-Match`). A bare 409 or a 400
/// "already exists" says the UID is taken only when creating; refusing an update, it
/// says the server would not take the new text.
pub fn classify_update(answer: &DavAnswer) -> ProviderError {
    classify_as(answer, "PUT", false)
}

fn classify_as(answer: &DavAnswer, method: &str, creating: bool) -> ProviderError {
    let status = answer.status.as_u16();
    let at = shown(&answer.url);
    let error_body = xml::parse(&answer.body).ok();
    let element = |ns: &str, name: &str| -> bool {
        error_body
            .as_ref()
            .is_some_and(|root| root.contains(ns, name))
    };
    let detail = {
        let text: String = answer.body.chars().take(300).collect();
        format!("{method} {at}: HTTP {status}: {}", text.trim())
    };
    let retry_after = answer
        .header("retry-after")
        .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
    if status == 429 || (retry_after.is_some() && status >= 400) {
        return ProviderError::new(
            ProviderErrorKind::RateLimited { retry_after },
            format!("{at} asked to slow down (HTTP {status})"),
        )
        .with_detail(detail);
    }
    let (kind, message) = match status {
        401 => (
            ProviderErrorKind::Unauthorized,
            format!("the server refused the user name or password ({at})"),
        ),
        403 if element(DAV, "valid-sync-token") => (
            ProviderErrorKind::ChangeTokenInvalid,
            "the server no longer knows the calendar's sync token".to_string(),
        ),
        403 | 409
            if element(CALDAV, "no-uid-conflict")
                || element(CALDAV, "unique-scheduling-object-resource") =>
        {
            let existing = error_body.as_ref().and_then(existing_href);
            let message = match &existing {
                Some(href) => format!("the server already holds an event with this UID, at {href}"),
                None => format!("the server already holds an event with this UID ({at})"),
            };
            let e = ProviderError::new(ProviderErrorKind::UidInUse, message).with_detail(detail);
            return match existing {
                Some(href) => e.with_existing(href),
                None => e,
            };
        }
        409 if creating => (
            ProviderErrorKind::UidInUse,
            format!("the server refused the event as a duplicate ({at})"),
        ),
        400 if creating && answer.body.to_ascii_lowercase().contains("already exists") => (
            ProviderErrorKind::UidInUse,
            format!("the server already holds this event ({at})"),
        ),
        403 if element(CALDAV, "valid-calendar-data")
            || element(CALDAV, "valid-calendar-object-resource")
            || element(CALDAV, "supported-calendar-component") =>
        {
            (
                ProviderErrorKind::InvalidData,
                format!("the server refused the event as invalid ({at})"),
            )
        }
        403 if method == "PUT" || method == "DELETE" => (
            ProviderErrorKind::ReadOnly,
            format!("the server does not let this account change {at}"),
        ),
        403 => (
            ProviderErrorKind::Unauthorized,
            format!("the server refused access to {at}"),
        ),
        404 | 410 => (ProviderErrorKind::NotFound, format!("{at} is not there")),
        412 => (
            ProviderErrorKind::PreconditionFailed,
            format!("{at} changed on the server meanwhile"),
        ),
        400 | 409 | 415 | 422 if method == "PUT" => (
            ProviderErrorKind::InvalidData,
            format!("the server refused the event ({at}, HTTP {status})"),
        ),
        405 | 501 => (
            ProviderErrorKind::InvalidConfig,
            format!("{at} does not speak CalDAV ({method} not allowed)"),
        ),
        500..=599 => (
            ProviderErrorKind::ServerError,
            format!("the server failed (HTTP {status} from {at})"),
        ),
        _ => (
            ProviderErrorKind::InvalidConfig,
            format!("the server answered {method} with HTTP {status} ({at})"),
        ),
    };
    ProviderError::new(kind, message).with_detail(detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str, method: &str) -> ProviderErrorKind {
        let a = DavAnswer {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: body.into(),
            url: Url::parse("http://u:p@127.0.0.1:1/alice/calendar/x.ics?q").unwrap(),
        };
        let e = classify(&a, method);
        assert!(!e.message().contains("u:p"), "{}", e.message());
        e.kind()
    }

    #[test]
    fn statuses_and_error_elements_classify() {
        use ProviderErrorKind as K;
        assert_eq!(answer(401, "", "PROPFIND"), K::Unauthorized);
        assert_eq!(
            answer(
                403,
                r#"<d:error xmlns:d="DAV:"><d:valid-sync-token/></d:error>"#,
                "REPORT"
            ),
            K::ChangeTokenInvalid
        );
        assert_eq!(
            answer(
                409,
                r#"<d:error xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><c:no-uid-conflict/></d:error>"#,
                "PUT"
            ),
            K::UidInUse
        );
        assert_eq!(answer(409, "", "PUT"), K::UidInUse);
        // Refusing an update, a bare 409 or "already exists" is no UID conflict.
        let update = |status: u16, body: &str| {
            classify_update(&DavAnswer {
                status: StatusCode::from_u16(status).unwrap(),
                url: Url::parse("http://127.0.0.1/cal/x.ics").unwrap(),
                headers: HeaderMap::new(),
                body: body.into(),
            })
            .kind()
        };
        assert_eq!(update(409, ""), K::InvalidData);
        assert_eq!(update(400, "already exists"), K::InvalidData);
        assert_eq!(update(412, ""), K::PreconditionFailed);
        assert_eq!(
            update(
                403,
                r#"<d:error xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><c:no-uid-conflict/></d:error>"#
            ),
            K::UidInUse,
            "named by the server, it still is one"
        );
        assert_eq!(
            answer(400, "Event with this UID already exists", "PUT"),
            K::UidInUse
        );
        // The item that holds the UID, as the server names it.
        let named = DavAnswer {
            status: StatusCode::FORBIDDEN,
            url: Url::parse("http://127.0.0.1/cal/new.ics").unwrap(),
            headers: HeaderMap::new(),
            body: r#"<d:error xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><c:no-uid-conflict><d:href>/cal/old.ics</d:href></c:no-uid-conflict></d:error>"#.into(),
        };
        let e = classify(&named, "PUT");
        assert_eq!(e.kind(), K::UidInUse);
        assert_eq!(e.existing(), Some("/cal/old.ics"));
        assert!(e.message().contains("/cal/old.ics"), "{}", e.message());
        assert_eq!(answer(403, "", "PUT"), K::ReadOnly);
        assert_eq!(answer(412, "", "PUT"), K::PreconditionFailed);
        assert_eq!(answer(404, "", "DELETE"), K::NotFound);
        assert_eq!(answer(415, "bad", "PUT"), K::InvalidData);
        assert_eq!(answer(503, "", "REPORT"), K::ServerError);
        assert_eq!(
            answer(429, "", "REPORT"),
            K::RateLimited { retry_after: None }
        );
    }

    #[test]
    fn credentials_go_only_to_the_accounts_domain() {
        let at = |u: &str| Url::parse(u).unwrap();
        let c = DavClient::new(&at("https://caldav.icloud.com/"), "me", "pw").unwrap();
        assert!(c.may_sign_in(&at("https://caldav.icloud.com/x/")));
        assert!(c.may_sign_in(&at("https://p42-caldav.icloud.com/1/calendars/")));
        assert!(
            !c.may_sign_in(&at("http://p42-caldav.icloud.com/")),
            "not over http"
        );
        assert!(
            !c.may_sign_in(&at("https://evil.example/")),
            "not to another domain"
        );
        assert!(!c.may_sign_in(&at("https://icloud.com.evil.example/")));
        // Names under a public suffix belong to different people.
        let uk = DavClient::new(&at("https://dav.example.co.uk/"), "me", "pw").unwrap();
        assert!(uk.may_sign_in(&at("https://cal.example.co.uk/")));
        assert!(!uk.may_sign_in(&at("https://evil.co.uk/")));
        let shared = DavClient::new(&at("https://alice.duckdns.org/"), "me", "pw").unwrap();
        assert!(!shared.may_sign_in(&at("https://mallory.duckdns.org/")));
        assert!(shared.may_sign_in(&at("https://alice.duckdns.org:8443/")));
        let local = DavClient::new(&at("http://127.0.0.1:5232/"), "me", "pw").unwrap();
        assert!(local.may_sign_in(&at("http://127.0.0.1:5232/alice/")));
        assert!(!local.may_sign_in(&at("http://127.0.0.1:9999/")));
        assert!(!local.may_sign_in(&at("https://127.0.0.2/")));
    }

    #[test]
    fn shown_urls_hold_no_secret() {
        let u = Url::parse("https://me:pw@dav.example/cal/?token=x").unwrap();
        assert_eq!(shown(&u), "https://dav.example/cal/");
    }
}
