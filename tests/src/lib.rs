//! Shared support for the system tests (loopback servers, temp data dirs).
