//! RFC 5545 content: the generic component tree and the tolerant parser.

pub mod component;

pub use component::{Component, Param, Property};
