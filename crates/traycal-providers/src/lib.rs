//! Traycal's ports to the outside world: ICS subscriptions over HTTP and the
//! OS keyring for secrets.
//!
//! What it leaves out: parsing (traycal-core), persistence (traycal-store) and
//! scheduling (the engine, which uses the pure [`backoff`] schedule here).
//! Everything here is I/O with bounded work and classified errors; nothing
//! here logs or stores an unmasked secret URL.

pub mod backoff;
pub mod ics_feed;
pub mod secrets;

pub use backoff::next_attempt_delay;
pub use ics_feed::{
    classify_body, BodyKind, FeedBody, FeedClient, FeedClientConfig, FeedError, FeedUrl,
    FetchOptions, FetchOutcome,
};
pub use secrets::{
    FileSecretStore, KeyringStore, MemorySecretStore, SecretError, SecretStore, SecretStoreKind,
};
