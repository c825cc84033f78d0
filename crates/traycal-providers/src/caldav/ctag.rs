//! Changes by collection tag, for servers without `sync-collection` (RFC 6578): the
//! calendarserver.org `getctag` property changes whenever anything in the collection
//! does, so an unchanged tag costs one request; a changed one is answered with the
//! listing of every item's etag ([`Changes::Listing`]), from which the engine fetches
//! only what differs from what it holds. A server with neither is listed every time.
//!
//! Invariants: the token is `caldav/1 ctag <tag>`, never mistaken for a sync token
//! (a sync token given to this mode, or the reverse, is `ChangeTokenInvalid`); the tag
//! is read before the listing, so a change made in between shows as a new tag next
//! time (listed again) and is never missed.

use url::Url;

use super::http::shown;
use super::xml::{CS, DAV};
use super::{member_name, CalDavProvider};
use crate::port::{ChangeToken, Changes, ProviderError, ProviderErrorKind, ProviderResult};
use crate::CalendarProvider;

/// The prefix of the change tokens of this mode.
pub(super) const CTAG_PREFIX: &str = "caldav/1 ctag ";

/// What a collection says of itself: whether it offers `sync-collection` (it has a
/// `DAV:sync-token`, RFC 6578 section 4) and its `getctag`.
pub(super) struct CollectionState {
    pub sync_collection: bool,
    pub ctag: Option<String>,
}

impl CalDavProvider {
    pub(super) async fn collection_state(
        &self,
        collection: &Url,
    ) -> ProviderResult<CollectionState> {
        let (_, ms) = self
            .client()
            .propfind(collection, "0", "<d:sync-token/><cs:getctag/>")
            .await?;
        // The collection's own response (its href may be written either way).
        let own = ms
            .responses
            .iter()
            .find(|r| member_name(collection, &r.href).is_none());
        Ok(CollectionState {
            sync_collection: own
                .and_then(|r| r.prop_text(DAV, "sync-token"))
                .is_some_and(|t| !t.trim().is_empty()),
            ctag: own
                .and_then(|r| r.prop_text(CS, "getctag"))
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty()),
        })
    }

    /// [`CalendarProvider::changes`] by `getctag` and etag listings. `known` is the
    /// collection's state when the caller has just read it (not asked again).
    pub(super) async fn changes_by_ctag(
        &self,
        calendar: &str,
        collection: &Url,
        since: Option<&ChangeToken>,
        known: Option<CollectionState>,
    ) -> ProviderResult<Changes> {
        let before = match since {
            None => None,
            Some(t) => Some(t.as_str().strip_prefix(CTAG_PREFIX).ok_or_else(|| {
                ProviderError::new(
                    ProviderErrorKind::ChangeTokenInvalid,
                    format!(
                        "the stored change token is not a collection tag of {}",
                        shown(collection)
                    ),
                )
            })?),
        };
        let ctag = match known {
            Some(state) => state.ctag,
            None => self.collection_state(collection).await?.ctag,
        };
        let next_token =
            ChangeToken::new(format!("{CTAG_PREFIX}{}", ctag.as_deref().unwrap_or("")));
        if let (Some(old), Some(now)) = (before, ctag.as_deref()) {
            if old == now {
                return Ok(Changes::NotModified { next_token });
            }
        }
        let versions = self.versions(calendar).await?;
        if since.is_some() {
            return Ok(Changes::Listing {
                versions,
                next_token,
            });
        }
        let ids: Vec<String> = versions.into_iter().map(|v| v.id).collect();
        let fetched = self.fetch_items(calendar, &ids).await?;
        Ok(Changes::Snapshot {
            items: fetched.items,
            next_token,
        })
    }
}
