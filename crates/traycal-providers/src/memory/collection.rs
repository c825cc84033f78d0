//! One calendar of the in-memory server: its items, its change log and the
//! preconditions of writes. Pure and synchronous; [`super::MemoryProvider`] adds
//! the lock, the read-only check, the faults and the delay.
//!
//! Invariants:
//! - Every change (write or delete, by the engine or behind its back) bumps the
//!   collection's sequence number and records it as the id's last change, so a
//!   token `s` sees exactly the ids whose last change is after `s`: present ones as
//!   changed, absent ones as deleted.
//! - A token is `mem:<epoch>:<seq>`. The epoch is unique per collection and renewed
//!   by [`Collection::drop_tokens`], so a token of another calendar, of another
//!   provider or from before a drop is [`ProviderErrorKind::ChangeTokenInvalid`], as is
//!   a sequence number from the future.
//! - Etags come from a counter shared by the whole server (passed in), so no two
//!   versions of anything ever share one, even across a delete and a re-create.

use std::collections::BTreeMap;

use crate::port::{
    ChangeToken, Changes, ProviderError, ProviderErrorKind, ProviderResult, RemoteItem,
    WritePrecondition, Written,
};

/// What the server keeps of one item.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Stored {
    etag: String,
    body: String,
}

/// One calendar of the in-memory server.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct Collection {
    pub(super) name: String,
    pub(super) read_only: bool,
    items: BTreeMap<String, Stored>,
    /// The sequence number of each id's last change (tombstones included).
    last_change: BTreeMap<String, u64>,
    seq: u64,
    epoch: u64,
}

impl Collection {
    pub(super) fn new(name: String, read_only: bool, epoch: u64) -> Collection {
        Collection {
            name,
            read_only,
            items: BTreeMap::new(),
            last_change: BTreeMap::new(),
            seq: 0,
            epoch,
        }
    }

    pub(super) fn token(&self) -> ChangeToken {
        ChangeToken::new(format!("mem:{}:{}", self.epoch, self.seq))
    }

    /// Every item, by id.
    pub(super) fn items(&self) -> Vec<RemoteItem> {
        self.items
            .iter()
            .map(|(id, stored)| remote(id, stored))
            .collect()
    }

    pub(super) fn item(&self, id: &str) -> Option<RemoteItem> {
        self.items.get(id).map(|stored| remote(id, stored))
    }

    pub(super) fn snapshot(&self) -> Changes {
        Changes::Snapshot {
            items: self.items(),
            next_token: self.token(),
        }
    }

    /// What changed since `token` (see the module docs).
    pub(super) fn changes_since(&self, token: &ChangeToken) -> ProviderResult<Changes> {
        let since = self.sequence_of(token).ok_or_else(|| {
            ProviderError::from_kind(ProviderErrorKind::ChangeTokenInvalid).with_detail(format!(
                "token {token} is not valid for this calendar (now at {})",
                self.token()
            ))
        })?;
        if since == self.seq {
            return Ok(Changes::NotModified {
                next_token: self.token(),
            });
        }
        let mut changed = Vec::new();
        let mut deleted = Vec::new();
        for (id, _) in self.last_change.iter().filter(|(_, seq)| **seq > since) {
            match self.items.get(id) {
                Some(stored) => changed.push(remote(id, stored)),
                None => deleted.push(id.clone()),
            }
        }
        Ok(Changes::Delta {
            changed,
            deleted,
            next_token: self.token(),
        })
    }

    fn sequence_of(&self, token: &ChangeToken) -> Option<u64> {
        let rest = token.as_str().strip_prefix("mem:")?;
        let (epoch, seq) = rest.split_once(':')?;
        let seq: u64 = seq.parse().ok()?;
        (epoch.parse::<u64>().ok()? == self.epoch && seq <= self.seq).then_some(seq)
    }

    /// A write by the engine, under `precondition`; `etag` is the new version's.
    pub(super) fn put(
        &mut self,
        id: &str,
        body: &str,
        precondition: &WritePrecondition,
        etag: String,
    ) -> ProviderResult<Written> {
        match (precondition, self.items.get(id)) {
            (WritePrecondition::CreateOnly, None) => {
                // One object per UID in a calendar (RFC 4791 5.3.2.1), as CalDAV
                // servers keep it: the error names the object that holds it.
                if let Some(uid) = uid_of(body) {
                    if let Some((other, _)) = self
                        .items
                        .iter()
                        .find(|(_, s)| uid_of(&s.body) == Some(uid))
                    {
                        return Err(ProviderError::from_kind(ProviderErrorKind::UidInUse)
                            .with_item(id)
                            .with_existing(other.clone()));
                    }
                }
            }
            (WritePrecondition::CreateOnly, Some(_)) => {
                return Err(
                    ProviderError::from_kind(ProviderErrorKind::PreconditionFailed)
                        .with_detail("create-only write: an item with this id exists")
                        .with_item(id),
                )
            }
            (WritePrecondition::IfMatch(expected), Some(stored)) if stored.etag == *expected => {}
            (WritePrecondition::IfMatch(expected), Some(stored)) => {
                return Err(stale(id, expected, &stored.etag));
            }
            (WritePrecondition::IfMatch(_), None) => return Err(missing(id)),
        }
        self.store(id, body, etag.clone());
        Ok(Written {
            id: id.to_string(),
            etag: Some(etag),
        })
    }

    /// A delete by the engine, if the item is still at `if_match`.
    pub(super) fn delete(&mut self, id: &str, if_match: &str) -> ProviderResult<()> {
        match self.items.get(id) {
            None => Err(missing(id)),
            Some(stored) if stored.etag != if_match => Err(stale(id, if_match, &stored.etag)),
            Some(_) => {
                self.remove(id);
                Ok(())
            }
        }
    }

    /// Creates or replaces `id` unconditionally (the server's own changes).
    pub(super) fn store(&mut self, id: &str, body: &str, etag: String) {
        self.items.insert(
            id.to_string(),
            Stored {
                etag,
                body: body.to_string(),
            },
        );
        self.record(id);
    }

    /// Removes `id` unconditionally; whether it was there.
    pub(super) fn remove(&mut self, id: &str) -> bool {
        let existed = self.items.remove(id).is_some();
        if existed {
            self.record(id);
        }
        existed
    }

    /// Every token issued so far becomes invalid.
    pub(super) fn drop_tokens(&mut self, new_epoch: u64) {
        self.epoch = new_epoch;
    }

    fn record(&mut self, id: &str) {
        self.seq += 1;
        self.last_change.insert(id.to_string(), self.seq);
    }
}

fn remote(id: &str, stored: &Stored) -> RemoteItem {
    RemoteItem {
        id: id.to_string(),
        etag: Some(stored.etag.clone()),
        body: stored.body.clone(),
    }
}

fn stale(id: &str, expected: &str, current: &str) -> ProviderError {
    ProviderError::from_kind(ProviderErrorKind::PreconditionFailed)
        .with_detail(format!("if-match {expected} but the item is at {current}"))
        .with_item(id)
}

fn missing(id: &str) -> ProviderError {
    ProviderError::from_kind(ProviderErrorKind::NotFound)
        .with_detail("no item with this id")
        .with_item(id)
}

/// The first `UID` of an object's text (unfolded lines are enough here: UIDs are
/// short).
fn uid_of(body: &str) -> Option<&str> {
    body.lines()
        .find_map(|l| l.strip_prefix("UID:"))
        .map(str::trim)
        .filter(|u| !u.is_empty())
}
