//! The provider port: what the sync engine asks of any calendar server, whatever
//! protocol it speaks (ICS feed, CalDAV, Google Calendar, Microsoft Graph).
//!
//! The unit the port moves is a *remote item* ([`RemoteItem`]): what the server
//! versions with one etag. For an ICS feed or CalDAV that is one href holding a whole
//! `VCALENDAR` body (master, overrides, `VTIMEZONE`s); for Google and Graph one id
//! per instance. Bodies stay iCalendar text at the port; providers whose API speaks
//! JSON translate to and from it, so the engine parses one format.
//!
//! Why a trait with `impl Future + Send` returns, plus an enum: native `async fn` in
//! traits is not dyn-compatible, and `async-trait`'s boxing would cost an allocation
//! per call and a dependency. Generic code (the engine's sync, tests) takes
//! `P: CalendarProvider`; code that must hold "some provider" in one type (the
//! engine's table of sources) holds [`AnyProvider`](crate::AnyProvider), an enum over
//! the provider kinds that implements the trait by dispatch. `-> impl Future + Send`
//! rather than `async fn` in the trait, so every provider's futures are `Send`
//! (spawnable on the multi-threaded runtime) and callers can rely on it.
//!
//! Invariants every provider keeps:
//! - **No unconditional write.** [`CalendarProvider::put_item`] takes a
//!   [`WritePrecondition`] (create-only or if-match) and there is no third option;
//!   [`CalendarProvider::delete_item`] takes the etag it expects. A precondition
//!   failure is [`ProviderErrorKind::PreconditionFailed`], never a silent overwrite.
//! - **Change tokens are opaque and provider-specific.** The engine stores
//!   [`ChangeToken::as_str`] as given and hands it back; a token the provider cannot
//!   use (expired, from another calendar or provider, garbled) is
//!   [`ProviderErrorKind::ChangeTokenInvalid`], after which the engine asks again with
//!   no token and gets a [`Changes::Snapshot`].
//! - **A snapshot is complete.** Items missing from a [`Changes::Snapshot`] are gone
//!   from the server; a [`Changes::Delta`] names only what changed since the token; a
//!   [`Changes::Listing`] is complete too, but names versions only (the caller fetches
//!   what differs from what it holds).
//! - **Errors are classified** ([`ProviderError`]): the engine matches on the kind,
//!   never on the text, and nothing in an error or an id is a secret.
//! - Writes to a read-only calendar fail with [`ProviderErrorKind::ReadOnly`] before
//!   any request is made; [`Capabilities::read_only`] and [`RemoteCalendar::read_only`]
//!   let the engine avoid planning them at all.

mod error;

use std::fmt;
use std::future::Future;

pub use error::{ProviderError, ProviderErrorKind};

/// Result of a port operation.
pub type ProviderResult<T> = Result<T, ProviderError>;

/// One calendar (collection) of an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteCalendar {
    /// The provider's id for the calendar (CalDAV collection href, Google calendar
    /// id, Graph calendar id; the masked URL of an ICS feed). Never a secret.
    pub id: String,
    /// Display name as the server gives it, or a fallback from the id.
    pub name: String,
    /// Writes are refused ([`ProviderErrorKind::ReadOnly`]).
    pub read_only: bool,
}

/// One remote object: what the server versions with one etag.
#[derive(Clone, PartialEq, Eq)]
pub struct RemoteItem {
    /// Href (ICS, CalDAV) or provider id (Google, Graph); unique in its calendar.
    pub id: String,
    /// The server's version tag; `None` when the server gives none (an ICS feed
    /// without `ETag`, a CalDAV `PUT` answered without one).
    pub etag: Option<String>,
    /// The whole iCalendar text of the object.
    pub body: String,
}

/// Debug never prints the body (a feed is megabytes, and event text is the user's).
impl fmt::Debug for RemoteItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteItem")
            .field("id", &self.id)
            .field("etag", &self.etag)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// An opaque change token, as the provider issued it (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChangeToken(String);

impl ChangeToken {
    /// Wraps a token read back from storage.
    pub fn new(token: impl Into<String>) -> ChangeToken {
        ChangeToken(token.into())
    }

    /// The text to store.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for ChangeToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One item of a calendar as a listing names it: its id and its etag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemVersion {
    pub id: String,
    /// `None` when the server gave none (the item is then fetched to compare).
    pub etag: Option<String>,
}

/// What changed in a calendar since a change token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Changes {
    /// Nothing changed. The token to keep may still be new (fresh validators for the
    /// same content, a server that rotates tokens): store `next_token`.
    NotModified { next_token: ChangeToken },
    /// Everything the calendar holds; what is not listed is gone.
    Snapshot {
        items: Vec<RemoteItem>,
        next_token: ChangeToken,
    },
    /// Everything the calendar holds, as ids and etags without bodies (a server
    /// without change tokens, whose calendar changed since the token): what is not
    /// listed is gone; the caller fetches the items whose etag differs from its own.
    Listing {
        versions: Vec<ItemVersion>,
        next_token: ChangeToken,
    },
    /// What changed since the token: items created or changed (whole), ids deleted.
    /// An id may be listed as deleted that the caller never saw (created and deleted
    /// since the token); that is harmless.
    Delta {
        changed: Vec<RemoteItem>,
        deleted: Vec<String>,
        next_token: ChangeToken,
    },
}

impl Changes {
    /// The token to store once these changes are applied.
    pub fn next_token(&self) -> &ChangeToken {
        match self {
            Changes::NotModified { next_token }
            | Changes::Snapshot { next_token, .. }
            | Changes::Listing { next_token, .. }
            | Changes::Delta { next_token, .. } => next_token,
        }
    }
}

/// The condition a write is made under. There is deliberately no unconditional
/// write: every write either creates or replaces a version the caller has seen.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum WritePrecondition {
    /// Only if no item has this id (`If-None-Match: *`).
    CreateOnly,
    /// Only if the item's current etag is this one (`If-Match`).
    IfMatch(String),
}

/// The outcome of a successful write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// The item's id: the one asked for, or the one the server assigned on create
    /// (Google and Graph choose their own ids).
    pub id: String,
    /// The new version's etag; `None` when the server did not say (the caller must
    /// fetch the item before it counts as in sync: the server may have changed it).
    pub etag: Option<String>,
}

/// Items fetched by id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FetchedItems {
    /// The items found, in the order asked for.
    pub items: Vec<RemoteItem>,
    /// Ids the server does not have (deleted meanwhile): one missing item never
    /// fails the others.
    pub missing: Vec<String>,
}

/// How a provider notices changes, cheapest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChangeDetection {
    /// The whole calendar is fetched conditionally (`ETag` / `Last-Modified`): the
    /// answer is [`Changes::NotModified`] or a [`Changes::Snapshot`].
    HttpValidators,
    /// A body that arrives again byte for byte is [`Changes::NotModified`] (servers
    /// that send no validators, or new ones for the same content).
    ContentHash,
    /// A token yields only what changed ([`Changes::Delta`]): CalDAV sync-token,
    /// Google `nextSyncToken`, Graph `deltaLink`.
    Delta,
    /// A collection tag says whether anything changed; when it did, the calendar is
    /// listed by etag ([`Changes::Listing`]): CalDAV `getctag` on servers without
    /// `sync-collection`.
    Listing,
}

/// What a provider can do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// No calendar of this provider can be written.
    pub read_only: bool,
    /// The ways it detects changes, cheapest first.
    pub change_detection: &'static [ChangeDetection],
}

impl Capabilities {
    /// Whether the provider detects changes this way.
    pub fn detects(&self, how: ChangeDetection) -> bool {
        self.change_detection.contains(&how)
    }
}

/// The operations of the port, for counting, fault injection and logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    Calendars,
    Changes,
    Versions,
    FetchItems,
    PutItem,
    DeleteItem,
}

impl Operation {
    pub const ALL: [Operation; 6] = [
        Operation::Calendars,
        Operation::Changes,
        Operation::Versions,
        Operation::FetchItems,
        Operation::PutItem,
        Operation::DeleteItem,
    ];

    /// Stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Calendars => "calendars",
            Operation::Changes => "changes",
            Operation::Versions => "versions",
            Operation::FetchItems => "fetch_items",
            Operation::PutItem => "put_item",
            Operation::DeleteItem => "delete_item",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A calendar server, as the sync engine sees it. See the module docs for the
/// invariants every implementation keeps.
pub trait CalendarProvider: Send + Sync {
    /// What this provider can do. No I/O.
    fn capabilities(&self) -> Capabilities;

    /// The calendars of the account.
    fn calendars(&self) -> impl Future<Output = ProviderResult<Vec<RemoteCalendar>>> + Send;

    /// What changed in `calendar` since `since`; everything when `since` is `None`.
    fn changes(
        &self,
        calendar: &str,
        since: Option<&ChangeToken>,
    ) -> impl Future<Output = ProviderResult<Changes>> + Send;

    /// Every item `calendar` holds now, as its id and etag (no bodies): the full
    /// listing the daily reconciliation compares with the mirror, which catches what
    /// a change token missed (a server that answers a token it does not know with
    /// "no changes"). Independent of any change token.
    fn versions(
        &self,
        calendar: &str,
    ) -> impl Future<Output = ProviderResult<Vec<ItemVersion>>> + Send;

    /// The current version of each item in `ids`; unknown ids are listed as missing.
    fn fetch_items(
        &self,
        calendar: &str,
        ids: &[String],
    ) -> impl Future<Output = ProviderResult<FetchedItems>> + Send;

    /// Writes `body` as item `id` under `precondition`.
    ///
    /// Fails with [`ProviderErrorKind::PreconditionFailed`] when the condition does
    /// not hold (the item is unchanged), [`ProviderErrorKind::NotFound`] when an
    /// if-match write finds no item (deleted on the server), and
    /// [`ProviderErrorKind::ReadOnly`] on a read-only calendar.
    fn put_item(
        &self,
        calendar: &str,
        id: &str,
        body: &str,
        precondition: &WritePrecondition,
    ) -> impl Future<Output = ProviderResult<Written>> + Send;

    /// Deletes item `id` if its etag is still `if_match`.
    ///
    /// Fails with [`ProviderErrorKind::PreconditionFailed`] when it changed (the item
    /// stays), [`ProviderErrorKind::NotFound`] when it is already gone, and
    /// [`ProviderErrorKind::ReadOnly`] on a read-only calendar.
    fn delete_item(
        &self,
        calendar: &str,
        id: &str,
        if_match: &str,
    ) -> impl Future<Output = ProviderResult<()>> + Send;
}
