//! Fetching ICS subscriptions over HTTP.
//!
//! One [`FeedClient`] wraps one `reqwest::Client`, so every feed shares a
//! connection pool. A fetch is a conditional GET (ETag / Last-Modified from
//! the previous sync) whose answer is either [`FetchOutcome::NotModified`] or
//! the raw bytes plus their xxh3 hash; parsing is the core crate's job.
//!
//! Invariants:
//! - Bounded work: the body is counted *while streaming* and the fetch stops
//!   at `max_bytes` (decoded bytes, so a gzip bomb is caught too), whatever
//!   Content-Length says. Every request has a connect and a total timeout, and
//!   redirects are limited.
//! - No secret in any message: errors carry the masked URL
//!   ([`FeedUrl::masked`]) and reqwest's own messages are stripped of their
//!   URL before they are kept.
//! - The engine matches on [`FeedError`] variants or [`FeedError::code`],
//!   never on the text.

mod body_kind;
mod feed_url;
mod retry_after;

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::StatusCode;

pub use body_kind::{classify_body, BodyKind};
pub use feed_url::FeedUrl;
pub use retry_after::parse_retry_after;

/// Default cap on a feed body: far above any real calendar (the biggest
/// public holiday feeds are ~2 MB), far below what would hurt the machine.
pub const DEFAULT_MAX_BYTES: u64 = 20 * 1024 * 1024;

/// Everything that can go wrong fetching a feed, classified for the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FeedError {
    /// The URL was rejected before any request. Never echoes the input.
    #[error("invalid feed URL{}: {reason}", scheme_note(.scheme))]
    InvalidUrl {
        /// The offending scheme, when there was one.
        scheme: Option<String>,
        reason: String,
    },
    /// The HTTP client could not be built (TLS backend initialisation).
    #[error("cannot set up the HTTP client: {detail}")]
    ClientSetup { detail: String },
    /// DNS, connect, TLS, reset, truncated body...: worth retrying later.
    #[error("network error fetching {url}: {detail}")]
    Network { url: String, detail: String },
    /// The connect or total timeout elapsed.
    #[error("timed out fetching {url}")]
    Timeout { url: String },
    /// The body exceeded the configured cap.
    #[error("feed {url} is larger than the limit of {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    /// The server redirected more often than allowed.
    #[error("feed {url} redirected more than {limit} times")]
    TooManyRedirects { url: String, limit: usize },
    /// A non-2xx, non-304 status.
    #[error("feed {url} answered HTTP {status}{}", retry_note(.retry_after))]
    Http {
        url: String,
        status: u16,
        retry_after: Option<Duration>,
    },
    /// The body is not a calendar (see [`FeedBody::into_calendar`]).
    #[error("feed {url} did not return a calendar (got {what})")]
    NotCalendar { url: String, what: BodyKind },
    /// A `file:` feed that cannot be read: missing, unreadable, or not a regular
    /// file (a device such as `/dev/zero`, a FIFO or a directory is never read).
    #[error("cannot read the calendar file {url}: {detail}")]
    File { url: String, detail: String },
}

fn scheme_note(scheme: &Option<String>) -> String {
    match scheme {
        Some(s) => format!(" (scheme `{s}:`)"),
        None => String::new(),
    }
}

fn retry_note(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(", retry after {} s", d.as_secs()),
        None => String::new(),
    }
}

impl FeedError {
    /// Stable snake_case code for the IPC boundary and the sync log.
    pub fn code(&self) -> &'static str {
        match self {
            FeedError::InvalidUrl { .. } => "invalid_url",
            FeedError::ClientSetup { .. } => "client_setup",
            FeedError::Network { .. } => "network",
            FeedError::Timeout { .. } => "timeout",
            FeedError::TooLarge { .. } => "too_large",
            FeedError::TooManyRedirects { .. } => "too_many_redirects",
            FeedError::Http { .. } => "http_status",
            FeedError::NotCalendar { .. } => "not_calendar",
            FeedError::File { .. } => "file_unreadable",
        }
    }

    /// What happened and what to do, in plain words (the windows and the tray show
    /// this; [`Display`](std::fmt::Display) stays the technical account, for the
    /// details and the log).
    pub fn plain(&self) -> String {
        match self {
            FeedError::InvalidUrl { .. } => self.to_string(),
            FeedError::File { url, detail } => {
                let path = url::Url::parse(url)
                    .ok()
                    .and_then(|u| u.to_file_path().ok())
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| url.clone());
                format!("Cannot read the calendar file {path}: {detail}.")
            }
            FeedError::ClientSetup { .. } => {
                "Traycal could not set up secure connections on this computer.".into()
            }
            FeedError::Network { url, detail } => {
                let host = host_of(url);
                let d = detail.to_ascii_lowercase();
                if d.contains("dns") || d.contains("lookup") || d.contains("resolve") {
                    format!("Could not find the server {host}: check the address, and that this computer is online.")
                } else if d.contains("refused") {
                    format!("Could not reach {host}: nothing answered there. Is the server running?")
                } else if d.contains("certificate") || d.contains("tls") || d.contains("ssl") {
                    format!("The secure connection to {host} failed: its certificate is not trusted.")
                } else if d.contains("reset") || d.contains("closed") || d.contains("eof") {
                    format!("The connection to {host} broke off before the calendar arrived. Traycal tries again later.")
                } else {
                    format!("Could not reach {host}: check that this computer is online. Traycal tries again later.")
                }
            }
            FeedError::Timeout { url } => format!(
                "{} did not answer in time. Traycal tries again later.",
                host_of(url)
            ),
            FeedError::TooLarge { limit, .. } => format!(
                "The calendar is larger than the limit of {}, so it was not read.",
                if *limit >= 1_000_000 {
                    format!("{} MB", limit / 1_000_000)
                } else {
                    format!("{limit} bytes")
                }
            ),
            FeedError::TooManyRedirects { url, .. } => format!(
                "{} sends Traycal from one address to another without end. Check the link.",
                host_of(url)
            ),
            FeedError::Http { url, status, .. } => {
                let host = host_of(url);
                match status {
                    401 | 403 => format!("{host} refused access (HTTP {status}): the link may have expired or need a login. Get a new link from the calendar's sharing settings."),
                    404 | 410 => format!("There is no calendar at this address on {host} (HTTP {status}). Check the link."),
                    408 | 425 | 429 => format!("{host} is busy (HTTP {status}). Traycal tries again later."),
                    500..=599 => format!("{host} had a problem (HTTP {status}). Traycal tries again later."),
                    _ => format!("{host} answered HTTP {status} instead of the calendar."),
                }
            }
            FeedError::NotCalendar { what, .. } => match what {
                BodyKind::Html => "The address answered with a web page, not a calendar (a login page?). Use the calendar's subscription (.ics) link.".into(),
                BodyKind::Json => "The address answered with data that is not a calendar (an error from the server?). Check the link.".into(),
                BodyKind::Empty => "The address answered with nothing. Traycal keeps the events it has.".into(),
                _ => "The address answered with something that is not a calendar. Check the link.".into(),
            },
        }
    }

    /// The server's `Retry-After`, when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FeedError::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether trying again later can help without the user changing
    /// anything: network trouble, timeouts, 408/425/429 and 5xx. A 401/404,
    /// a bad URL or an oversized feed needs the user.
    pub fn is_transient(&self) -> bool {
        match self {
            FeedError::Network { .. } | FeedError::Timeout { .. } => true,
            FeedError::Http { status, .. } => {
                matches!(status, 408 | 425 | 429) || (500..600).contains(status)
            }
            _ => false,
        }
    }
}

/// Per-request knobs: the validators from the last successful sync and the
/// size cap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchOptions {
    /// Sent as `If-None-Match`.
    pub etag: Option<String>,
    /// Sent as `If-Modified-Since`.
    pub last_modified: Option<String>,
    /// Maximum decoded body size.
    pub max_bytes: u64,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            etag: None,
            last_modified: None,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

/// The result of a successful fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchOutcome {
    /// `304`: the validators still hold; nothing to parse.
    NotModified,
    /// A fresh body (which may still be unchanged by hash).
    Body(FeedBody),
}

/// A downloaded feed body and the validators to store for the next sync.
#[derive(Clone, PartialEq, Eq)]
pub struct FeedBody {
    pub bytes: Vec<u8>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub content_type: Option<String>,
    /// xxh3-64 of `bytes`: "changed?" without parsing when the server sends
    /// no validators.
    pub content_hash: u64,
    /// Where the body came from after redirects. May carry a secret: mask it
    /// with [`FeedBody::final_url_masked`] before showing or storing it.
    pub final_url: url::Url,
}

impl FeedBody {
    /// What the bytes look like (see [`classify_body`]).
    pub fn kind(&self) -> BodyKind {
        classify_body(&self.bytes)
    }

    /// The final URL in its masked form.
    pub fn final_url_masked(&self) -> String {
        feed_url::mask_url(&self.final_url)
    }

    /// Keeps the body only if it is a calendar; otherwise
    /// [`FeedError::NotCalendar`], so a login page never empties a calendar.
    pub fn into_calendar(self) -> Result<FeedBody, FeedError> {
        match self.kind() {
            BodyKind::Calendar => Ok(self),
            what => Err(FeedError::NotCalendar {
                url: self.final_url_masked(),
                what,
            }),
        }
    }
}

/// Debug never prints the body (megabytes) nor the unmasked URL.
impl fmt::Debug for FeedBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FeedBody")
            .field("len", &self.bytes.len())
            .field("etag", &self.etag)
            .field("last_modified", &self.last_modified)
            .field("content_type", &self.content_type)
            .field("content_hash", &format_args!("{:016x}", self.content_hash))
            .field("final_url", &self.final_url_masked())
            .finish()
    }
}

/// Client-wide settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedClientConfig {
    pub connect_timeout: Duration,
    /// Whole request, body included.
    pub total_timeout: Duration,
    pub max_redirects: usize,
    pub user_agent: String,
}

impl Default for FeedClientConfig {
    fn default() -> Self {
        FeedClientConfig {
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(60),
            max_redirects: 5,
            user_agent: concat!("Traycal/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

/// Marker error returned by the redirect policy, found again in the source
/// chain to classify the failure without looking at text.
#[derive(Debug)]
struct RedirectLimitReached;

impl fmt::Display for RedirectLimitReached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("redirect limit reached")
    }
}

impl StdError for RedirectLimitReached {}

/// Fetches feeds. Cheap to clone (the pool is shared).
#[derive(Clone, Debug)]
pub struct FeedClient {
    http: reqwest::Client,
    max_redirects: usize,
}

impl FeedClient {
    pub fn new(config: FeedClientConfig) -> Result<FeedClient, FeedError> {
        let limit = config.max_redirects;
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            // `previous` holds every URL requested so far, the original included,
            // so it exceeds the limit exactly when one more hop would be too many.
            if attempt.previous().len() > limit {
                attempt.error(RedirectLimitReached)
            } else {
                attempt.follow()
            }
        });
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.total_timeout)
            .redirect(policy)
            .user_agent(config.user_agent)
            .gzip(true)
            .build()
            .map_err(|err| FeedError::ClientSetup {
                detail: error_chain(&err.without_url()),
            })?;
        Ok(FeedClient {
            http,
            max_redirects: config.max_redirects,
        })
    }

    /// One conditional GET. See the module docs for the guarantees.
    pub async fn fetch(
        &self,
        url: &FeedUrl,
        opts: &FetchOptions,
    ) -> Result<FetchOutcome, FeedError> {
        if url.as_url().scheme() == "file" {
            return fetch_file(url, opts).await;
        }
        let masked = url.masked();
        let mut request = self
            .http
            .get(url.as_url().clone())
            .header(header::ACCEPT, "text/calendar, text/plain;q=0.8, */*;q=0.5");
        // A validator that is not a valid header value (corrupt mirror row) is
        // dropped: an unconditional GET is always correct, just more expensive.
        if let Some(etag) = opts
            .etag
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = opts
            .last_modified
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            request = request.header(header::IF_MODIFIED_SINCE, lm);
        }

        let mut response = request
            .send()
            .await
            .map_err(|err| self.classify(err, &masked))?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(FetchOutcome::NotModified);
        }
        let final_masked = feed_url::mask_url(response.url());
        if !status.is_success() {
            let retry_after = header_text(response.headers(), header::RETRY_AFTER)
                .and_then(|v| parse_retry_after(&v, chrono::Utc::now()));
            return Err(FeedError::Http {
                url: final_masked,
                status: status.as_u16(),
                retry_after,
            });
        }
        // An honest Content-Length over the cap fails before reading anything.
        // (With gzip, reqwest reports no length; the streaming check covers it.)
        if response
            .content_length()
            .is_some_and(|len| len > opts.max_bytes)
        {
            return Err(FeedError::TooLarge {
                url: final_masked,
                limit: opts.max_bytes,
            });
        }

        let headers = response.headers();
        let etag = header_text(headers, header::ETAG);
        let last_modified = header_text(headers, header::LAST_MODIFIED);
        let content_type = header_text(headers, header::CONTENT_TYPE);
        let final_url = response.url().clone();

        let initial = response
            .content_length()
            .unwrap_or(64 * 1024)
            .min(opts.max_bytes)
            .min(4 * 1024 * 1024);
        let mut bytes = Vec::with_capacity(usize::try_from(initial).unwrap_or(64 * 1024));
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| self.classify(err, &final_masked))?
        {
            let new_len = bytes.len() as u64 + chunk.len() as u64;
            if new_len > opts.max_bytes {
                return Err(FeedError::TooLarge {
                    url: final_masked,
                    limit: opts.max_bytes,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        let content_hash = xxhash_rust::xxh3::xxh3_64(&bytes);
        Ok(FetchOutcome::Body(FeedBody {
            bytes,
            etag,
            last_modified,
            content_type,
            content_hash,
            final_url,
        }))
    }

    fn classify(&self, err: reqwest::Error, masked_url: &str) -> FeedError {
        let url = masked_url.to_string();
        if has_source::<RedirectLimitReached>(&err) {
            return FeedError::TooManyRedirects {
                url,
                limit: self.max_redirects,
            };
        }
        if err.is_timeout() {
            return FeedError::Timeout { url };
        }
        FeedError::Network {
            url,
            detail: error_chain(&err.without_url()),
        }
    }
}

/// `host:port` of a (short-form) URL, for plain messages; the URL itself otherwise.
fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            let host = u.host_str()?.to_string();
            Some(match u.port() {
                Some(p) => format!("{host}:{p}"),
                None => host,
            })
        })
        .unwrap_or_else(|| url.to_string())
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn has_source<T: StdError + 'static>(err: &(dyn StdError + 'static)) -> bool {
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = current {
        if e.is::<T>() {
            return true;
        }
        current = e.source();
    }
    false
}

/// Reads a `file:` feed: the size cap applies as for HTTP, and the file's
/// modification time stands in for `Last-Modified` (an unchanged file is "304").
///
/// Only regular files are read (a device like `/dev/zero` never ends; a FIFO blocks
/// until a writer comes), opened without blocking, and the read itself stops one byte
/// past the cap, so a file that grows meanwhile cannot exceed it.
async fn fetch_file(url: &FeedUrl, opts: &FetchOptions) -> Result<FetchOutcome, FeedError> {
    let masked = url.masked();
    let path = url
        .as_url()
        .to_file_path()
        .map_err(|()| FeedError::InvalidUrl {
            scheme: Some("file".into()),
            reason: "not a local absolute file path".into(),
        })?;
    let file_error = |detail: String| FeedError::File {
        url: masked.clone(),
        detail,
    };
    let io_error = |e: std::io::Error| {
        file_error(match e.kind() {
            std::io::ErrorKind::NotFound => "the file does not exist (moved or deleted?)".into(),
            std::io::ErrorKind::PermissionDenied => "permission denied".into(),
            _ => e.to_string(),
        })
    };
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
        options.custom_flags(libc_nonblock());
    }
    let std_file = options.open(&path).map_err(io_error)?;
    let meta = std_file.metadata().map_err(io_error)?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a folder"
        } else {
            "a device, pipe or socket"
        };
        return Err(file_error(format!(
            "it is {what}, not a regular file; only calendar files can be subscribed"
        )));
    }
    if meta.len() > opts.max_bytes {
        return Err(FeedError::TooLarge {
            url: masked,
            limit: opts.max_bytes,
        });
    }
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| format!("file-mtime:{}.{:09}", d.as_secs(), d.subsec_nanos()));
    if modified.is_some() && modified == opts.last_modified {
        return Ok(FetchOutcome::NotModified);
    }
    let cap = opts.max_bytes;
    let bytes = tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        std_file
            .take(cap.saturating_add(1))
            .read_to_end(&mut bytes)?;
        Ok::<_, std::io::Error>(bytes)
    })
    .await
    .map_err(|e| file_error(format!("the read was interrupted ({e})")))?
    .map_err(io_error)?;
    if bytes.len() as u64 > opts.max_bytes {
        return Err(FeedError::TooLarge {
            url: masked,
            limit: opts.max_bytes,
        });
    }
    Ok(FetchOutcome::Body(FeedBody {
        content_hash: xxhash_rust::xxh3::xxh3_64(&bytes),
        bytes,
        etag: None,
        last_modified: modified,
        content_type: Some("text/calendar".into()),
        final_url: url.as_url().clone(),
    }))
}

/// `O_NONBLOCK` on Linux and the BSDs (no `libc` dependency for one constant).
#[cfg(unix)]
const fn libc_nonblock() -> i32 {
    if cfg!(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd"
    )) {
        0x0004
    } else {
        0o4000
    }
}

/// "outer: inner: root" from an error whose URL was already removed. Lower
/// layers (hyper, rustls, io) name hosts and addresses at most, never paths
/// or queries, so the chain is safe to keep.
fn error_chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.last().is_some_and(|last| last.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_feeds_are_read_with_their_mtime_as_validator() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cal.ics");
        std::fs::write(&path, "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n").unwrap();
        let url = FeedUrl::parse(&format!("file://{}", path.display())).unwrap();
        let client = FeedClient::new(FeedClientConfig::default()).unwrap();
        let FetchOutcome::Body(body) = client.fetch(&url, &FetchOptions::default()).await.unwrap()
        else {
            panic!("expected a body");
        };
        assert_eq!(body.kind(), BodyKind::Calendar);
        let validator = body.last_modified.clone();
        assert!(validator
            .as_deref()
            .is_some_and(|v| v.starts_with("file-mtime:")));
        // Unchanged file: "not modified".
        let again = FetchOptions {
            last_modified: validator,
            ..FetchOptions::default()
        };
        assert_eq!(
            client.fetch(&url, &again).await.unwrap(),
            FetchOutcome::NotModified
        );
        // The size cap applies; a missing file names the problem.
        let small = FetchOptions {
            max_bytes: 4,
            ..FetchOptions::default()
        };
        assert_eq!(
            client.fetch(&url, &small).await.unwrap_err().code(),
            "too_large"
        );
        std::fs::remove_file(&path).unwrap();
        let err = client
            .fetch(&url, &FetchOptions::default())
            .await
            .unwrap_err();
        assert_eq!(err.code(), "file_unreadable");
        assert!(err.to_string().contains("does not exist"), "{err}");
    }

    #[tokio::test]
    async fn only_regular_files_are_read() {
        let client = FeedClient::new(FeedClientConfig::default()).unwrap();
        // /dev/zero never ends: it must be refused before a byte is read.
        let zero = FeedUrl::parse("file:///dev/zero").unwrap();
        let err = client
            .fetch(&zero, &FetchOptions::default())
            .await
            .unwrap_err();
        assert_eq!(err.code(), "file_unreadable");
        assert!(err.to_string().contains("not a regular file"), "{err}");
        // A FIFO with no writer would block forever.
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("feed.ics");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let url = FeedUrl::parse(&format!("file://{}", fifo.display())).unwrap();
        let err = tokio::time::timeout(
            Duration::from_secs(10),
            client.fetch(&url, &FetchOptions::default()),
        )
        .await
        .expect("a FIFO must not hang the fetch")
        .unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        // A folder.
        let url = FeedUrl::parse(&format!("file://{}", dir.path().display())).unwrap();
        let err = client
            .fetch(&url, &FetchOptions::default())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("a folder"), "{err}");
    }

    #[test]
    fn codes_are_stable() {
        let url = "https://example.com/x".to_string();
        let cases = [
            (
                FeedError::InvalidUrl {
                    scheme: None,
                    reason: String::new(),
                },
                "invalid_url",
            ),
            (
                FeedError::Network {
                    url: url.clone(),
                    detail: String::new(),
                },
                "network",
            ),
            (FeedError::Timeout { url: url.clone() }, "timeout"),
            (
                FeedError::TooLarge {
                    url: url.clone(),
                    limit: 1,
                },
                "too_large",
            ),
            (
                FeedError::TooManyRedirects {
                    url: url.clone(),
                    limit: 1,
                },
                "too_many_redirects",
            ),
            (
                FeedError::Http {
                    url: url.clone(),
                    status: 500,
                    retry_after: None,
                },
                "http_status",
            ),
            (
                FeedError::NotCalendar {
                    url,
                    what: BodyKind::Html,
                },
                "not_calendar",
            ),
        ];
        for (err, code) in cases {
            assert_eq!(err.code(), code);
        }
    }

    #[test]
    fn plain_messages_say_what_happened_and_what_to_do() {
        let refused = FeedError::Network {
            url: "http://127.0.0.1:9/…".into(),
            detail: "error sending request: client error (Connect): tcp connect error: Connection refused (os error 111)".into(),
        };
        assert_eq!(
            refused.plain(),
            "Could not reach 127.0.0.1:9: nothing answered there. Is the server running?"
        );
        assert!(
            refused.to_string().contains("os error 111"),
            "the detail stays"
        );
        let gone = FeedError::Http {
            url: "https://example.com/…".into(),
            status: 404,
            retry_after: None,
        };
        assert!(gone
            .plain()
            .starts_with("There is no calendar at this address on example.com"));
        let login = FeedError::NotCalendar {
            url: "https://example.com/…".into(),
            what: BodyKind::Html,
        };
        assert!(login.plain().contains("login page"));
        let missing = FeedError::File {
            url: "file:///home/me/My%20calendars/rota.ics".into(),
            detail: "no such file".into(),
        };
        assert_eq!(
            missing.plain(),
            "Cannot read the calendar file /home/me/My calendars/rota.ics: no such file."
        );
        for e in [refused, gone, login] {
            assert!(
                !e.plain().contains("error sending request"),
                "{}",
                e.plain()
            );
        }
    }

    #[test]
    fn messages_name_limits() {
        let err = FeedError::TooLarge {
            url: "u".into(),
            limit: 1234,
        };
        assert!(err.to_string().contains("1234"));
        let err = FeedError::TooManyRedirects {
            url: "u".into(),
            limit: 3,
        };
        assert!(err.to_string().contains('3'));
        let err = FeedError::Http {
            url: "u".into(),
            status: 503,
            retry_after: Some(Duration::from_secs(120)),
        };
        assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
        assert!(err.is_transient());
        let err = FeedError::Http {
            url: "u".into(),
            status: 404,
            retry_after: None,
        };
        assert!(!err.is_transient());
    }
}
