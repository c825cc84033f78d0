//! [`FeedError`] → [`ProviderError`]: each feed failure mapped to the kind the
//! engine acts on, deliberately and exhaustively (a new `FeedError` variant does not
//! compile until it is mapped here).
//!
//! The message is [`FeedError::plain`] (already written for people), the detail is
//! the error's `Display` (technical, with the masked URL only).

use std::time::Duration;

use crate::ics_feed::FeedError;
use crate::port::{ProviderError, ProviderErrorKind};

impl From<FeedError> for ProviderError {
    fn from(err: FeedError) -> ProviderError {
        ProviderError::new(feed_error_kind(&err), err.plain()).with_detail(err.to_string())
    }
}

/// The kind of a feed failure.
pub fn feed_error_kind(err: &FeedError) -> ProviderErrorKind {
    match err {
        // The user must fix the address; no request was made.
        FeedError::InvalidUrl { .. } => ProviderErrorKind::InvalidConfig,
        // The TLS backend of this computer, not the server.
        FeedError::ClientSetup { .. } => ProviderErrorKind::Local,
        FeedError::Network { .. } | FeedError::Timeout { .. } => ProviderErrorKind::Network,
        // What the server sent is unacceptable; the mirror keeps what it has.
        FeedError::TooLarge { .. } | FeedError::NotCalendar { .. } => {
            ProviderErrorKind::InvalidData
        }
        // A loop never resolves by waiting: the link must change.
        FeedError::TooManyRedirects { .. } => ProviderErrorKind::InvalidConfig,
        FeedError::Http {
            status,
            retry_after,
            ..
        } => http_status_kind(*status, *retry_after),
        // A `file:` feed that is missing, unreadable or not a regular file: there is
        // no calendar where the source points.
        FeedError::File { .. } => ProviderErrorKind::NotFound,
    }
}

/// The kind of a non-2xx, non-304 answer to a feed request.
fn http_status_kind(status: u16, retry_after: Option<Duration>) -> ProviderErrorKind {
    match status {
        401 | 403 => ProviderErrorKind::Unauthorized,
        404 | 410 => ProviderErrorKind::NotFound,
        412 => ProviderErrorKind::PreconditionFailed,
        425 | 429 => ProviderErrorKind::RateLimited { retry_after },
        // 408 Request Timeout: the request took too long to arrive, like a timeout.
        408 => ProviderErrorKind::Network,
        // A server that says when to come back is rate limiting us (503 + Retry-After
        // above all), whatever the status.
        500..=599 if retry_after.is_some() => ProviderErrorKind::RateLimited { retry_after },
        500..=599 => ProviderErrorKind::ServerError,
        // 400, 405, 406, 451...: the server will not serve this request as it is.
        400..=499 => ProviderErrorKind::InvalidConfig,
        // 1xx/3xx left unfollowed, or nonsense: the server misbehaves.
        _ => ProviderErrorKind::ServerError,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ics_feed::BodyKind;

    fn http(status: u16, retry_after: Option<u64>) -> FeedError {
        FeedError::Http {
            url: "https://example.com/…/basic.ics".into(),
            status,
            retry_after: retry_after.map(Duration::from_secs),
        }
    }

    /// One case per variant (and per status class for `Http`). The `match` has no
    /// wildcard: a new `FeedError` variant fails to compile until it is covered.
    #[test]
    fn every_feed_error_maps_to_a_deliberate_kind() {
        let url = "https://example.com/…/basic.ics".to_string();
        let samples = [
            FeedError::InvalidUrl {
                scheme: Some("ftp".into()),
                reason: "only http, https, webcal, webcals and file feeds are supported".into(),
            },
            FeedError::ClientSetup {
                detail: "no TLS backend".into(),
            },
            FeedError::Network {
                url: url.clone(),
                detail: "tcp connect error: Connection refused (os error 111)".into(),
            },
            FeedError::Timeout { url: url.clone() },
            FeedError::TooLarge {
                url: url.clone(),
                limit: 20_000_000,
            },
            FeedError::TooManyRedirects {
                url: url.clone(),
                limit: 5,
            },
            http(401, None),
            FeedError::NotCalendar {
                url: url.clone(),
                what: BodyKind::Html,
            },
            FeedError::File {
                url: "file:///home/me/cal.ics".into(),
                detail: "the file does not exist (moved or deleted?)".into(),
            },
        ];
        for err in samples {
            let expected = match &err {
                FeedError::InvalidUrl { .. } => ProviderErrorKind::InvalidConfig,
                FeedError::ClientSetup { .. } => ProviderErrorKind::Local,
                FeedError::Network { .. } => ProviderErrorKind::Network,
                FeedError::Timeout { .. } => ProviderErrorKind::Network,
                FeedError::TooLarge { .. } => ProviderErrorKind::InvalidData,
                FeedError::TooManyRedirects { .. } => ProviderErrorKind::InvalidConfig,
                FeedError::Http { .. } => ProviderErrorKind::Unauthorized,
                FeedError::NotCalendar { .. } => ProviderErrorKind::InvalidData,
                FeedError::File { .. } => ProviderErrorKind::NotFound,
            };
            let plain = err.plain();
            let technical = err.to_string();
            let mapped = ProviderError::from(err);
            assert_eq!(mapped.kind(), expected, "{technical}");
            assert_eq!(mapped.message(), plain, "the plain wording is kept");
            assert_eq!(mapped.detail(), Some(technical.as_str()));
            assert_eq!(mapped.item(), None);
        }
    }

    #[test]
    fn http_statuses_map_by_meaning() {
        let secs = |s| Some(Duration::from_secs(s));
        let cases = [
            (http(401, None), ProviderErrorKind::Unauthorized),
            (http(403, None), ProviderErrorKind::Unauthorized),
            (http(404, None), ProviderErrorKind::NotFound),
            (http(410, None), ProviderErrorKind::NotFound),
            (http(412, None), ProviderErrorKind::PreconditionFailed),
            (http(408, None), ProviderErrorKind::Network),
            (
                http(429, Some(120)),
                ProviderErrorKind::RateLimited {
                    retry_after: secs(120),
                },
            ),
            (
                http(429, None),
                ProviderErrorKind::RateLimited { retry_after: None },
            ),
            (
                http(425, None),
                ProviderErrorKind::RateLimited { retry_after: None },
            ),
            (
                http(503, Some(60)),
                ProviderErrorKind::RateLimited {
                    retry_after: secs(60),
                },
            ),
            (http(503, None), ProviderErrorKind::ServerError),
            (http(500, None), ProviderErrorKind::ServerError),
            (http(502, None), ProviderErrorKind::ServerError),
            (http(400, None), ProviderErrorKind::InvalidConfig),
            (http(405, None), ProviderErrorKind::InvalidConfig),
            (http(300, None), ProviderErrorKind::ServerError),
        ];
        for (err, expected) in cases {
            let text = err.to_string();
            let mapped = ProviderError::from(err);
            assert_eq!(mapped.kind(), expected, "{text}");
        }
        let busy = ProviderError::from(http(429, Some(90)));
        assert_eq!(busy.retry_after(), Some(Duration::from_secs(90)));
        assert!(busy.is_transient());
        assert!(!ProviderError::from(http(404, None)).is_transient());
    }

    /// The port's view of "try again later" agrees with the feed client's, except
    /// where the port knows better (a 5xx is a server error either way).
    #[test]
    fn transience_agrees_with_the_feed_client() {
        for status in [401, 403, 404, 408, 410, 425, 429, 500, 502, 503, 504] {
            for retry in [None, Some(30)] {
                let err = http(status, retry);
                let feed_transient = err.is_transient();
                assert_eq!(
                    ProviderError::from(err).is_transient(),
                    feed_transient,
                    "HTTP {status} retry {retry:?}"
                );
            }
        }
    }
}
