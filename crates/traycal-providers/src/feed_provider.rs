//! An ICS subscription behind the provider port: one read-only calendar holding one
//! remote item, the whole feed.
//!
//! [`IcsFeedProvider`] wraps a [`FeedClient`] (shared connection pool) with one feed
//! URL and its size cap. Change detection is the cheapest the feed allows: the
//! change token ([`FeedToken`]) carries the last `ETag` / `Last-Modified` (sent as a
//! conditional GET: `304` → [`Changes::NotModified`]) and the body's content hash (the
//! same bytes again → [`Changes::NotModified`] with the fresh validators). Anything
//! else is a [`Changes::Snapshot`] of the one item.
//!
//! Invariants:
//! - The calendar id and the item id are the feed's masked URL
//!   ([`FeedUrl::masked`]), never the URL itself: ids are stored in the mirror, and a
//!   private feed URL is a bearer token.
//! - A body that is not a calendar (a login page, JSON, nothing) is
//!   [`ProviderErrorKind::InvalidData`], never an empty snapshot: a snapshot is
//!   complete, so an empty one would delete every event.
//! - Writes fail with [`ProviderErrorKind::ReadOnly`] without a request. A dedicated
//!   kind rather than a capability check only: the engine plans no writes for a
//!   read-only calendar ([`Capabilities::read_only`]), but a write that slips through
//!   must still fail loudly and be named for what it is.
//! - The body becomes text as the parser reads it: a UTF-8 BOM is dropped, UTF-16 (by
//!   its BOM) is decoded, invalid UTF-8 sequences become U+FFFD.
//! - `calendars` and `capabilities` do no I/O.

mod classify;
mod feed_token;

use std::borrow::Cow;

use traycal_core::ics::prepare_input;

pub use classify::feed_error_kind;
pub use feed_token::FeedToken;

use crate::ics_feed::{
    FeedBody, FeedClient, FeedUrl, FetchOptions, FetchOutcome, DEFAULT_MAX_BYTES,
};
use crate::port::{
    CalendarProvider, Capabilities, ChangeDetection, ChangeToken, Changes, FetchedItems,
    ItemVersion, ProviderError, ProviderErrorKind, ProviderResult, RemoteCalendar, RemoteItem,
    WritePrecondition, Written,
};

/// One ICS feed as a read-only provider. Cheap to clone.
#[derive(Clone, Debug)]
pub struct IcsFeedProvider {
    client: FeedClient,
    url: FeedUrl,
    max_bytes: u64,
    /// The masked URL: calendar id and item id.
    id: String,
}

impl IcsFeedProvider {
    /// The feed at `url`, fetched with `client`, capped at [`DEFAULT_MAX_BYTES`].
    pub fn new(client: FeedClient, url: FeedUrl) -> IcsFeedProvider {
        let id = url.masked();
        IcsFeedProvider {
            client,
            url,
            max_bytes: DEFAULT_MAX_BYTES,
            id,
        }
    }

    /// Caps the decoded body at `max_bytes` (at least 1).
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: u64) -> IcsFeedProvider {
        self.max_bytes = max_bytes.max(1);
        self
    }

    /// The id of the one calendar, which is also the id of its one item.
    pub fn calendar_id(&self) -> &str {
        &self.id
    }

    pub fn url(&self) -> &FeedUrl {
        &self.url
    }

    fn check_calendar(&self, calendar: &str) -> ProviderResult<()> {
        if calendar == self.id {
            Ok(())
        } else {
            Err(ProviderError::new(
                ProviderErrorKind::NotFound,
                "This subscription has no such calendar.",
            )
            .with_detail(format!(
                "calendar {calendar:?} asked of the feed {}",
                self.id
            )))
        }
    }

    /// One GET with `validators`; a body is kept only if it is a calendar.
    async fn fetch(&self, validators: Option<&FeedToken>) -> ProviderResult<FetchOutcome> {
        let opts = FetchOptions {
            etag: validators.and_then(|t| t.etag.clone()),
            last_modified: validators.and_then(|t| t.last_modified.clone()),
            max_bytes: self.max_bytes,
        };
        Ok(match self.client.fetch(&self.url, &opts).await? {
            FetchOutcome::NotModified => FetchOutcome::NotModified,
            FetchOutcome::Body(body) => FetchOutcome::Body(body.into_calendar()?),
        })
    }

    /// A `304` to a request that sent no validators: the server misbehaves.
    fn unasked_not_modified(&self) -> ProviderError {
        ProviderError::from_kind(ProviderErrorKind::ServerError).with_detail(format!(
            "{} answered 304 Not Modified to a request without validators",
            self.id
        ))
    }

    fn item_of(&self, body: FeedBody) -> RemoteItem {
        RemoteItem {
            id: self.id.clone(),
            etag: body.etag,
            body: body_text(body.bytes),
        }
    }

    fn read_only(&self, id: &str) -> ProviderError {
        ProviderError::new(
            ProviderErrorKind::ReadOnly,
            "This calendar is a subscription: it can be read, not changed, from Traycal.",
        )
        .with_detail(format!("write to the ICS feed {}", self.id))
        .with_item(id)
    }
}

impl CalendarProvider for IcsFeedProvider {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            read_only: true,
            change_detection: &[
                ChangeDetection::HttpValidators,
                ChangeDetection::ContentHash,
            ],
        }
    }

    async fn calendars(&self) -> ProviderResult<Vec<RemoteCalendar>> {
        Ok(vec![RemoteCalendar {
            id: self.id.clone(),
            name: self.url.plain_name().unwrap_or_else(|| self.id.clone()),
            read_only: true,
        }])
    }

    async fn changes(
        &self,
        calendar: &str,
        since: Option<&ChangeToken>,
    ) -> ProviderResult<Changes> {
        self.check_calendar(calendar)?;
        let previous = match since {
            None => None,
            Some(token) => Some(FeedToken::from_change_token(token).ok_or_else(|| {
                ProviderError::from_kind(ProviderErrorKind::ChangeTokenInvalid)
                    .with_detail("the change token is not an ICS feed token")
            })?),
        };
        let body = match (self.fetch(previous.as_ref()).await?, since) {
            (FetchOutcome::Body(body), _) => body,
            // The validators hold, and so does the token.
            (FetchOutcome::NotModified, Some(token)) => {
                return Ok(Changes::NotModified {
                    next_token: token.clone(),
                })
            }
            (FetchOutcome::NotModified, None) => return Err(self.unasked_not_modified()),
        };
        let next = FeedToken {
            etag: body.etag.clone(),
            last_modified: body.last_modified.clone(),
            content_hash: body.content_hash,
        };
        let next_token = next.to_change_token();
        if previous.is_some_and(|p| p.content_hash == next.content_hash) {
            return Ok(Changes::NotModified { next_token });
        }
        Ok(Changes::Snapshot {
            items: vec![self.item_of(body)],
            next_token,
        })
    }

    /// The feed's one item, fetched whole (a feed has no listing without its body).
    async fn versions(&self, calendar: &str) -> ProviderResult<Vec<ItemVersion>> {
        self.check_calendar(calendar)?;
        match self.fetch(None).await? {
            FetchOutcome::Body(body) => {
                let item = self.item_of(body);
                Ok(vec![ItemVersion {
                    id: item.id,
                    etag: item.etag,
                }])
            }
            FetchOutcome::NotModified => Err(self.unasked_not_modified()),
        }
    }

    async fn fetch_items(&self, calendar: &str, ids: &[String]) -> ProviderResult<FetchedItems> {
        self.check_calendar(calendar)?;
        let mut fetched = FetchedItems::default();
        let mut item: Option<RemoteItem> = None;
        for id in ids {
            if *id != self.id {
                fetched.missing.push(id.clone());
                continue;
            }
            let current = match &item {
                Some(current) => current.clone(),
                None => match self.fetch(None).await? {
                    FetchOutcome::Body(body) => item.insert(self.item_of(body)).clone(),
                    FetchOutcome::NotModified => return Err(self.unasked_not_modified()),
                },
            };
            fetched.items.push(current);
        }
        Ok(fetched)
    }

    async fn put_item(
        &self,
        calendar: &str,
        id: &str,
        _body: &str,
        _precondition: &WritePrecondition,
    ) -> ProviderResult<Written> {
        self.check_calendar(calendar)?;
        Err(self.read_only(id))
    }

    async fn delete_item(&self, calendar: &str, id: &str, _if_match: &str) -> ProviderResult<()> {
        self.check_calendar(calendar)?;
        Err(self.read_only(id))
    }
}

/// The body as text, the way the parser reads it (see the module docs). Valid UTF-8
/// without a BOM, the common case, is moved, not copied.
fn body_text(bytes: Vec<u8>) -> String {
    let (decoded, skip) = match prepare_input(&bytes) {
        Cow::Owned(decoded) => (Some(decoded), 0),
        Cow::Borrowed(rest) => (None, bytes.len() - rest.len()),
    };
    let mut raw = decoded.unwrap_or(bytes);
    raw.drain(..skip);
    match String::from_utf8(raw) {
        Ok(text) => text,
        Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_text_reads_like_the_parser() {
        let plain = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".to_vec();
        assert_eq!(
            body_text(plain.clone()),
            "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
        );
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(&plain);
        assert_eq!(body_text(bom), "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "BEGIN:VCALENDAR\r\nSUMMARY:Café\r\n".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(body_text(utf16), "BEGIN:VCALENDAR\r\nSUMMARY:Café\r\n");
        let latin1 = b"SUMMARY:Caf\xe9\r\n".to_vec();
        assert_eq!(body_text(latin1), "SUMMARY:Caf\u{FFFD}\r\n");
    }
}
