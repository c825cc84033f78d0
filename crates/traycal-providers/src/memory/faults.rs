//! The misbehaviour a test scripts into the in-memory server, and the count of what
//! the engine asked of it.
//!
//! Invariants:
//! - Every port call is counted once, failed or not, when it arrives.
//! - Armed failures are consumed in the order they were armed: a call takes the
//!   first one that applies to its operation, and each armed failure fails exactly as
//!   many calls as it was armed for.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use crate::port::{Operation, ProviderError, ProviderErrorKind};

#[derive(Debug)]
struct ArmedFailure {
    /// `None`: any operation.
    operation: Option<Operation>,
    remaining: usize,
    kind: ProviderErrorKind,
}

/// Scripted faults, the delay of every call, and call counters.
#[derive(Debug, Default)]
pub(super) struct Faults {
    armed: VecDeque<ArmedFailure>,
    pub(super) delay: Duration,
    /// Every change token is answered with "no changes" (sabre/dav's and Nextcloud's
    /// answer to a token from the future): only a full listing sees what changed.
    pub(super) blind_tokens: bool,
    /// A calendar that changed since a token is answered with the listing of every
    /// item's etag (a server without change tokens, `getctag` only).
    pub(super) listings: bool,
    calls: HashMap<Operation, usize>,
}

impl Faults {
    pub(super) fn arm(
        &mut self,
        operation: Option<Operation>,
        calls: usize,
        kind: ProviderErrorKind,
    ) {
        if calls > 0 {
            self.armed.push_back(ArmedFailure {
                operation,
                remaining: calls,
                kind,
            });
        }
    }

    pub(super) fn disarm(&mut self) {
        self.armed.clear();
    }

    /// Counts a call of `operation` and says whether it fails.
    pub(super) fn on_call(&mut self, operation: Operation) -> Option<ProviderError> {
        *self.calls.entry(operation).or_default() += 1;
        let index = self
            .armed
            .iter()
            .position(|f| f.operation.is_none_or(|op| op == operation))?;
        let failure = self.armed.get_mut(index)?;
        failure.remaining = failure.remaining.saturating_sub(1);
        let kind = failure.kind;
        if failure.remaining == 0 {
            self.armed.remove(index);
        }
        Some(ProviderError::from_kind(kind).with_detail(format!(
            "{operation}: failure injected by the memory provider"
        )))
    }

    pub(super) fn calls(&self, operation: Operation) -> usize {
        self.calls.get(&operation).copied().unwrap_or(0)
    }

    pub(super) fn total_calls(&self) -> usize {
        self.calls.values().sum()
    }

    pub(super) fn reset_calls(&mut self) {
        self.calls.clear();
    }
}
