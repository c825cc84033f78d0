//! RFC 5545 content: the generic component tree and the tolerant parser.

pub mod component;
pub mod parser;

pub use component::{Component, Param, Property};
pub use parser::{parse_all, prepare_input, Diagnostic, Item, Parser};
