#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The provider port, through its public API: the in-memory two-way server
//! (`memory`) and an ICS feed over real HTTP on 127.0.0.1 (`ics_feed`).

// The system tests' scripted feed server, shared rather than copied.
#[allow(dead_code)]
#[path = "../../../../tests/src/feed_server.rs"]
mod feed_server;

mod ics_feed;
mod memory;
