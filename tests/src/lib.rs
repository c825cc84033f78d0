//! Shared support for the system tests (loopback servers, temp data dirs).

pub mod binary;
pub mod corpus;
pub mod dav_proxy;
pub mod dav_servers;
pub mod feed_server;
pub mod harness;
pub mod two_way_kill;

pub use binary::traycal_bin;
pub use corpus::{corpus_root, workspace_root};
pub use feed_server::{FeedServer, RecordedRequest, Route};
