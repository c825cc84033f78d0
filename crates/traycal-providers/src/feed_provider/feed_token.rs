//! The change token of an ICS feed: the HTTP validators of the last body and its
//! content hash, in one opaque string.
//!
//! Encoded as a small JSON object tagged `"feed": 1`, so a token from another
//! provider (or a future encoding) is recognised as not ours and answered with
//! [`ProviderErrorKind::ChangeTokenInvalid`](crate::ProviderErrorKind::ChangeTokenInvalid)
//! rather than misread.

use serde_json::{json, Value};

use crate::port::ChangeToken;

/// The encoding version this build writes and reads.
const VERSION: u64 = 1;

/// What an ICS feed's change token holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedToken {
    /// The body's `ETag`, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// The body's `Last-Modified` (or a file's mtime), sent as `If-Modified-Since`.
    pub last_modified: Option<String>,
    /// xxh3-64 of the body: the same bytes again are "not modified".
    pub content_hash: u64,
}

impl FeedToken {
    /// The opaque token to store.
    pub fn to_change_token(&self) -> ChangeToken {
        let value = json!({
            "feed": VERSION,
            "etag": self.etag,
            "last_modified": self.last_modified,
            "hash": format!("{:016x}", self.content_hash),
        });
        ChangeToken::new(value.to_string())
    }

    /// Reads a token written by [`FeedToken::to_change_token`]; `None` for anything
    /// else.
    pub fn from_change_token(token: &ChangeToken) -> Option<FeedToken> {
        let value: Value = serde_json::from_str(token.as_str()).ok()?;
        if value.get("feed")?.as_u64()? != VERSION {
            return None;
        }
        let text = |key: &str| -> Option<Option<String>> {
            match value.get(key)? {
                Value::Null => Some(None),
                Value::String(s) => Some(Some(s.clone())),
                _ => None,
            }
        };
        let content_hash = u64::from_str_radix(value.get("hash")?.as_str()?, 16).ok()?;
        Some(FeedToken {
            etag: text("etag")?,
            last_modified: text("last_modified")?,
            content_hash,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_foreign_tokens() {
        let token = FeedToken {
            etag: Some("W/\"abc \\\" def\"".into()),
            last_modified: None,
            content_hash: 0x00ff_1234_5678_9abc,
        };
        let encoded = token.to_change_token();
        assert_eq!(FeedToken::from_change_token(&encoded), Some(token));
        for foreign in [
            "",
            "mem:1:2",
            "{}",
            r#"{"feed":2,"etag":null,"last_modified":null,"hash":"00"}"#,
            r#"{"feed":1,"etag":3,"last_modified":null,"hash":"00"}"#,
            r#"{"feed":1,"etag":null,"last_modified":null,"hash":"xyz"}"#,
            r#"{"feed":1,"etag":null,"hash":"00"}"#,
        ] {
            assert_eq!(
                FeedToken::from_change_token(&ChangeToken::new(foreign)),
                None,
                "{foreign}"
            );
        }
    }
}
