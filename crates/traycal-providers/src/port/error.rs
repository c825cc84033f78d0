//! The one classified error of every provider.
//!
//! The engine decides what to do from [`ProviderErrorKind`] alone (retry later,
//! ask the user, re-plan after a precondition failure, list everything again after
//! a lost change token), never from the text. The text comes in two registers: the
//! plain [`message`](ProviderError::message) for people (windows, tray, sync log) and
//! the technical [`detail`](ProviderError::detail) for the details pane and logs.
//!
//! Invariants:
//! - [`ProviderErrorKind::code`] is stable snake_case: the sync log stores it and the
//!   UI switches on it.
//! - Neither message nor detail holds a secret: providers build them from masked
//!   URLs (see [`FeedUrl::masked`](crate::FeedUrl::masked)).
//! - Only [`ProviderErrorKind::RateLimited`] carries a `Retry-After`; a server that
//!   says when to come back is rate limiting us, whatever its status code.

use std::fmt;
use std::time::Duration;

/// What went wrong, in the terms the engine acts on.
///
/// Deliberately not `#[non_exhaustive]`: a new kind must force every `match` in the
/// engine to decide what it means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProviderErrorKind {
    /// The server refused the credentials or the link (HTTP 401/403): the user must
    /// sign in again or get a new link.
    Unauthorized,
    /// A conditional write or delete found another version on the server (HTTP 412,
    /// or an item that already exists for a create-only write). Never retried
    /// without the condition: the engine fetches, merges and retries once, or records
    /// a conflict.
    PreconditionFailed,
    /// No such calendar or item (HTTP 404/410 on a resource, a missing file).
    NotFound,
    /// The change token is unknown, expired or from another collection (CalDAV
    /// `valid-sync-token`, Google 410, Graph `syncStateNotFound`): list everything
    /// again with no token and reconcile.
    ChangeTokenInvalid,
    /// The server asked us to slow down (HTTP 429, or 503 / any status with
    /// `Retry-After`); try again no sooner than `retry_after` when given.
    RateLimited { retry_after: Option<Duration> },
    /// The request never got an answer: DNS, connect, TLS, reset, timeout.
    Network,
    /// The server answered with something that is not what was asked for: a web page
    /// instead of a calendar, an empty or oversized body, an unreadable token-less
    /// answer. The data already mirrored is kept.
    InvalidData,
    /// The server failed (HTTP 5xx, or a protocol answer it should never give).
    ServerError,
    /// A write to a calendar that cannot be written (an ICS subscription, a shared
    /// calendar with read access only).
    ReadOnly,
    /// The source is set up so that it cannot work: an invalid URL, a redirect loop,
    /// a request the server calls malformed. The user must change the source.
    InvalidConfig,
    /// This computer, not the server: the HTTP client could not be set up.
    Local,
    /// A creation refused because the server already holds an event with the same
    /// UID under another name (CalDAV `no-uid-conflict`, 409, 400 "already exists"):
    /// never retried as it is; the error names the existing item when the server did
    /// ([`ProviderError::existing`]).
    UidInUse,
}

impl ProviderErrorKind {
    /// Every kind, for tables and exhaustive tests (`RateLimited` without a delay).
    pub const ALL: [ProviderErrorKind; 12] = [
        ProviderErrorKind::Unauthorized,
        ProviderErrorKind::PreconditionFailed,
        ProviderErrorKind::NotFound,
        ProviderErrorKind::ChangeTokenInvalid,
        ProviderErrorKind::RateLimited { retry_after: None },
        ProviderErrorKind::Network,
        ProviderErrorKind::InvalidData,
        ProviderErrorKind::ServerError,
        ProviderErrorKind::ReadOnly,
        ProviderErrorKind::InvalidConfig,
        ProviderErrorKind::Local,
        ProviderErrorKind::UidInUse,
    ];

    /// Stable snake_case code for the sync log and the IPC boundary.
    pub fn code(self) -> &'static str {
        match self {
            ProviderErrorKind::Unauthorized => "unauthorized",
            ProviderErrorKind::PreconditionFailed => "precondition_failed",
            ProviderErrorKind::NotFound => "not_found",
            ProviderErrorKind::ChangeTokenInvalid => "change_token_invalid",
            ProviderErrorKind::RateLimited { .. } => "rate_limited",
            ProviderErrorKind::Network => "network",
            ProviderErrorKind::InvalidData => "invalid_data",
            ProviderErrorKind::ServerError => "server_error",
            ProviderErrorKind::ReadOnly => "read_only",
            ProviderErrorKind::InvalidConfig => "invalid_config",
            ProviderErrorKind::Local => "local",
            ProviderErrorKind::UidInUse => "uid_in_use",
        }
    }

    /// Whether trying the same request later can succeed without anyone changing
    /// anything: network trouble, rate limiting, server failures.
    pub fn is_transient(self) -> bool {
        match self {
            ProviderErrorKind::RateLimited { .. }
            | ProviderErrorKind::Network
            | ProviderErrorKind::ServerError => true,
            ProviderErrorKind::Unauthorized
            | ProviderErrorKind::PreconditionFailed
            | ProviderErrorKind::NotFound
            | ProviderErrorKind::ChangeTokenInvalid
            | ProviderErrorKind::InvalidData
            | ProviderErrorKind::ReadOnly
            | ProviderErrorKind::InvalidConfig
            | ProviderErrorKind::Local
            | ProviderErrorKind::UidInUse => false,
        }
    }

    /// A generic plain sentence for this kind, for errors that have no better one
    /// (injected faults, protocol surprises).
    pub fn generic_message(self) -> &'static str {
        match self {
            ProviderErrorKind::Unauthorized => {
                "The server refused access: sign in again or get a new link."
            }
            ProviderErrorKind::PreconditionFailed => {
                "The item was changed on the server in the meantime."
            }
            ProviderErrorKind::NotFound => "The calendar or event is no longer on the server.",
            ProviderErrorKind::ChangeTokenInvalid => {
                "The server no longer knows what Traycal saw last; Traycal reads the whole calendar again."
            }
            ProviderErrorKind::RateLimited { .. } => {
                "The server is busy. Traycal tries again later."
            }
            ProviderErrorKind::Network => {
                "Could not reach the server: check that this computer is online. Traycal tries again later."
            }
            ProviderErrorKind::InvalidData => {
                "The server answered with something that is not a calendar. Traycal keeps the events it has."
            }
            ProviderErrorKind::ServerError => {
                "The server had a problem. Traycal tries again later."
            }
            ProviderErrorKind::ReadOnly => "This calendar cannot be changed from Traycal.",
            ProviderErrorKind::InvalidConfig => {
                "This calendar's settings do not work. Check the address."
            }
            ProviderErrorKind::Local => "Traycal could not prepare the request on this computer.",
            ProviderErrorKind::UidInUse => {
                "The server already holds an event with the same identity (UID)."
            }
        }
    }
}

impl fmt::Display for ProviderErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A classified provider error: the kind the engine matches on, a plain message, a
/// technical detail, and the item it concerns when it concerns one.
///
/// `Display` is the technical account (`code: detail (item …)`); show
/// [`ProviderError::message`] to people.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.technical())]
pub struct ProviderError {
    kind: ProviderErrorKind,
    message: String,
    detail: Option<String>,
    item: Option<String>,
    /// The item the server already holds, for [`ProviderErrorKind::UidInUse`].
    existing: Option<String>,
}

impl ProviderError {
    /// An error of `kind` with a plain `message`.
    pub fn new(kind: ProviderErrorKind, message: impl Into<String>) -> ProviderError {
        ProviderError {
            kind,
            message: message.into(),
            detail: None,
            item: None,
            existing: None,
        }
    }

    /// An error of `kind` with the kind's generic message.
    pub fn from_kind(kind: ProviderErrorKind) -> ProviderError {
        ProviderError::new(kind, kind.generic_message())
    }

    /// Adds the technical account (status, protocol element, lower-level error).
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> ProviderError {
        self.detail = Some(detail.into());
        self
    }

    /// Names the item the server already holds (a [`ProviderErrorKind::UidInUse`]):
    /// its href as the server wrote it, or its id once the provider resolved it.
    #[must_use]
    pub fn with_existing(mut self, existing: impl Into<String>) -> ProviderError {
        self.existing = Some(existing.into());
        self
    }

    /// Forgets the existing item (it could not be named in the calendar asked).
    #[must_use]
    pub fn without_existing(mut self) -> ProviderError {
        self.existing = None;
        self
    }

    /// The item the server already holds, when it said which.
    pub fn existing(&self) -> Option<&str> {
        self.existing.as_deref()
    }

    /// Names the item (href or provider id) the error concerns.
    #[must_use]
    pub fn with_item(mut self, item: impl Into<String>) -> ProviderError {
        self.item = Some(item.into());
        self
    }

    pub fn kind(&self) -> ProviderErrorKind {
        self.kind
    }

    /// Stable code of the kind (see [`ProviderErrorKind::code`]).
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// What happened and what to do, in plain words.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The technical account, when there is more to say than the message.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// The item (href or provider id) the error concerns, if it concerns one.
    pub fn item(&self) -> Option<&str> {
        self.item.as_deref()
    }

    /// The server's `Retry-After`, when it was rate limiting and said so.
    pub fn retry_after(&self) -> Option<Duration> {
        match self.kind {
            ProviderErrorKind::RateLimited { retry_after } => retry_after,
            _ => None,
        }
    }

    /// See [`ProviderErrorKind::is_transient`].
    pub fn is_transient(&self) -> bool {
        self.kind.is_transient()
    }

    fn technical(&self) -> String {
        let mut out = format!(
            "{}: {}",
            self.kind.code(),
            self.detail.as_deref().unwrap_or(&self.message)
        );
        if let Some(item) = &self.item {
            out.push_str(" (item ");
            out.push_str(item);
            out.push(')');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_stable() {
        let codes: Vec<&str> = ProviderErrorKind::ALL.iter().map(|k| k.code()).collect();
        let mut unique = codes.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), codes.len(), "{codes:?}");
        assert_eq!(
            ProviderErrorKind::RateLimited {
                retry_after: Some(Duration::from_secs(5))
            }
            .code(),
            "rate_limited"
        );
    }

    #[test]
    fn display_is_technical_and_message_is_plain() {
        let err = ProviderError::new(ProviderErrorKind::PreconditionFailed, "Changed meanwhile.")
            .with_detail("HTTP 412 on PUT")
            .with_item("/cal/a.ics");
        assert_eq!(
            err.to_string(),
            "precondition_failed: HTTP 412 on PUT (item /cal/a.ics)"
        );
        assert_eq!(err.message(), "Changed meanwhile.");
        assert_eq!(err.item(), Some("/cal/a.ics"));
        assert_eq!(err.retry_after(), None);
        assert!(!err.is_transient());
        let busy = ProviderError::from_kind(ProviderErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(30)),
        });
        assert_eq!(busy.retry_after(), Some(Duration::from_secs(30)));
        assert!(busy.is_transient());
        assert_eq!(
            busy.to_string(),
            format!("rate_limited: {}", busy.message())
        );
    }
}
