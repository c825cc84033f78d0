//! Recurrence rules: parsing RRULE values and expanding them into instances.
//!
//! This module knows RFC 5545 3.3.10 (RECUR) and 3.8.5.3 (RRULE); where the RFC is
//! silent it follows python-dateutil's `rrule`. It works purely in local wall-clock
//! time: converting to UTC with the event's zone (and handling DST gaps and folds),
//! RDATE/EXDATE, and converting a UTC UNTIL into wall time are the caller's job.
//!
//! Invariants:
//! - a parsed [`RecurRule`] has `interval >= 1` and every BYxxx value inside its RFC
//!   range, so expansion never divides by zero or indexes out of range;
//! - [`RuleIter`] yields strictly ascending instances without duplicates, never past
//!   year 9999, and stops within [`Budget`] whatever the rule (it then reports
//!   [`RuleIter::budget_exhausted`]).

mod iter;
mod rule;
#[cfg(test)]
mod tests;

pub use iter::{Budget, IterOptions, RuleIter};
pub use rule::{Freq, RecurRule, RuleError, Until};
