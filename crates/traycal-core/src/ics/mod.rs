//! RFC 5545 content: the generic component tree, the tolerant parser and the writer.

pub mod component;
pub mod content_hash;
pub mod parser;
pub mod writer;

pub use component::{escape_text, unescape_text, Component, Param, Property};
pub use content_hash::content_hash;
pub use parser::{parse_all, prepare_input, Diagnostic, Item, Parser};
pub use writer::write_component;
