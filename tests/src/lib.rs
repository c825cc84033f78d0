//! Shared support for the system tests (loopback servers, temp data dirs).

pub mod feed_server;

pub use feed_server::{FeedServer, RecordedRequest, Route};
