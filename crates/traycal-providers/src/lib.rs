//! Traycal's ports to the outside world: calendar providers behind one port, ICS
//! subscriptions over HTTP, and the OS keyring for secrets.
//!
//! - [`port`]: the provider port ([`CalendarProvider`]) the sync engine talks to, its
//!   data ([`RemoteItem`], [`Changes`], [`ChangeToken`]...) and its one classified
//!   error ([`ProviderError`]).
//! - [`feed_provider`]: an ICS feed behind the port (read-only), over [`ics_feed`].
//! - [`memory`]: an in-memory two-way server behind the port, with fault injection,
//!   for testing sync without credentials.
//! - [`any_provider`]: every provider kind in one type.
//!
//! What it leaves out: parsing (traycal-core), persistence (traycal-store) and
//! scheduling (the engine, which uses the pure [`backoff`] schedule here).
//! Everything here is I/O with bounded work and classified errors; nothing
//! here logs or stores an unmasked secret URL.

pub mod any_provider;
pub mod backoff;
pub mod caldav;
pub mod feed_provider;
pub mod ics_feed;
pub mod memory;
pub mod port;
pub mod secrets;

pub use any_provider::AnyProvider;
pub use backoff::next_attempt_delay;
pub use caldav::{CalDavProvider, CalDavSettings};
pub use feed_provider::{FeedToken, IcsFeedProvider};
pub use ics_feed::{
    classify_body, BodyKind, FeedBody, FeedClient, FeedClientConfig, FeedError, FeedUrl,
    FetchOptions, FetchOutcome,
};
pub use memory::MemoryProvider;
pub use port::{
    CalendarProvider, Capabilities, ChangeDetection, ChangeToken, Changes, FetchedItems,
    ItemVersion, Operation, ProviderError, ProviderErrorKind, ProviderResult, RemoteCalendar,
    RemoteItem, WritePrecondition, Written,
};
pub use secrets::{
    FileSecretStore, KeyringStore, MemorySecretStore, SecretError, SecretStore, SecretStoreKind,
};
