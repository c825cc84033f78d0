//! Undo of the changes made here (create, edit, delete, a series cut in two): each
//! one remembers the texts it replaced, so the app can put them back ("Undo" after a
//! delete, `Ctrl+Z`).
//!
//! Invariants:
//! - An undo puts back exactly what the change replaced, and only while every object
//!   it touched still holds what the change wrote. A version pulled from the server
//!   since (someone else's change) is never overwritten by an undo: it is refused,
//!   and says so.
//! - An undo is itself a local change, recorded and pushed like any other (a delete
//!   already pushed comes back as a creation with the same UID), and can be undone.
//!   The check and the write are one transaction, so no sync can slip in between.
//!   A server that stores our text written anew (answering without an ETag) does not
//!   count as a change since: the log follows its copy.
//! - The log is in memory and holds the last [`KEPT`] changes of the last
//!   [`KEPT_SECS`]: undo is for the mistake just made, not history (version history
//!   is the sync core's). Removing a source forgets it all (a removed calendar's id
//!   may be given to the next one). An undo that fails for a passing reason (the
//!   store busy) can be tried again.

use std::collections::VecDeque;

use traycal_store::{CalendarId, Recorded};

use crate::error::{EngineError, Result};
use crate::local_edit::WrittenEvent;
use crate::Engine;

/// Changes kept for undo.
pub const KEPT: usize = 20;
/// How long a change can be undone (seconds).
pub const KEPT_SECS: i64 = 600;

/// One object a change touched: its text before and after (`None`: none, or deleted).
#[derive(Debug, Clone)]
pub(crate) struct Touched {
    pub uid: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug)]
struct Entry {
    id: i64,
    calendar: CalendarId,
    objects: Vec<Touched>,
    /// When the change was made (engine clock).
    at: i64,
}

/// The last [`KEPT`] changes made here, newest last.
#[derive(Debug, Default)]
pub(crate) struct UndoLog {
    next: i64,
    entries: VecDeque<Entry>,
}

impl UndoLog {
    /// Remembers a change made at `at`; returns the id that undoes it.
    pub fn push(&mut self, calendar: CalendarId, objects: Vec<Touched>, at: i64) -> i64 {
        self.next += 1;
        if self.entries.len() == KEPT {
            self.entries.pop_front();
        }
        self.entries.push_back(Entry {
            id: self.next,
            calendar,
            objects,
            at,
        });
        self.next
    }

    /// The change `id`, taken out, if it is still kept at `now`.
    fn take(&mut self, id: i64, now: i64) -> Option<Entry> {
        self.entries.retain(|e| now - e.at <= KEPT_SECS);
        let at = self.entries.iter().position(|e| e.id == id)?;
        self.entries.remove(at)
    }

    /// Puts back a change taken out whose undo failed for a passing reason.
    fn put_back(&mut self, entry: Entry) {
        let at = self.entries.partition_point(|e| e.id < entry.id);
        self.entries.insert(at, entry);
    }

    /// The server stored `sent`, our text of `uid`, as `stored`: a change that wrote
    /// `sent` now counts as having written `stored`.
    fn follow(&mut self, calendar: CalendarId, uid: &str, sent: &str, stored: &str) {
        for e in self.entries.iter_mut().filter(|e| e.calendar == calendar) {
            for t in e.objects.iter_mut().filter(|t| t.uid == uid) {
                if t.after.as_deref() == Some(sent) {
                    t.after = Some(stored.to_owned());
                }
            }
        }
    }
}

/// The refusal of an undo whose event changed since.
pub(crate) fn changed_since(uid: &str) -> EngineError {
    EngineError::InvalidInput(format!(
        "the event {uid} changed since (perhaps on the server), so the change cannot be undone"
    ))
}

impl Engine {
    /// Puts back what the change `undo` (from [`WrittenEvent::undo`]) replaced. Refused
    /// when that change is too old to be remembered, was undone already, or an object
    /// it touched has changed since (see the module docs).
    pub async fn undo(&self, undo: i64) -> Result<WrittenEvent> {
        let entry = self.undo_log().take(undo, self.now()).ok_or_else(|| {
            EngineError::InvalidInput("that change can no longer be undone".into())
        })?;
        let calendar = entry.calendar;
        let Some(first) = entry.objects.first().map(|t| t.uid.clone()) else {
            return Err(EngineError::Internal(
                "an undo entry without objects".into(),
            ));
        };
        let back = entry
            .objects
            .iter()
            .map(|t| (t.uid.clone(), t.before.clone()))
            .collect();
        let expect = entry.objects.iter().map(|t| t.after.clone()).collect();
        match self
            .record_local_objects_expecting(calendar, back, Some(expect))
            .await
        {
            Ok((recorded, redo)) => Ok(WrittenEvent {
                uid: first,
                calendar_id: calendar.0,
                occurrence: None,
                pending: recorded.iter().any(|r| matches!(r, Recorded::Queued(..))),
                undo: Some(redo),
            }),
            // Refused for good (changed since, no longer writable): given once.
            Err(e @ EngineError::InvalidInput(_)) => Err(e),
            Err(e) => {
                self.undo_log().put_back(entry);
                Err(e)
            }
        }
    }

    pub(crate) fn remember(&self, calendar: CalendarId, objects: Vec<Touched>) -> i64 {
        let now = self.now();
        self.undo_log().push(calendar, objects, now)
    }

    /// See [`UndoLog::follow`].
    pub(crate) fn undo_follows(&self, calendar: CalendarId, uid: &str, sent: &str, stored: &str) {
        self.undo_log().follow(calendar, uid, sent, stored);
    }

    /// Forgets every change (a source was removed: see the module docs).
    pub(crate) fn forget_undo(&self) {
        *self.undo_log() = UndoLog::default();
    }

    fn undo_log(&self) -> std::sync::MutexGuard<'_, UndoLog> {
        self.undo
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_keeps_the_last_changes_and_gives_each_once() {
        let mut log = UndoLog::default();
        let ids: Vec<i64> = (0..KEPT + 2)
            .map(|_| log.push(CalendarId(1), Vec::new(), 1000))
            .collect();
        assert!(log.take(ids[0], 1000).is_none(), "the oldest are forgotten");
        assert!(log.take(ids[1], 1000).is_none());
        let taken = log.take(ids[2], 1000).unwrap();
        assert!(log.take(ids[2], 1000).is_none(), "undone once");
        log.put_back(taken);
        assert!(
            log.take(ids[2], 1000).is_some(),
            "put back after a passing failure"
        );
        assert!(log.take(ids[KEPT + 1], 1000 + KEPT_SECS).is_some());
        assert!(
            log.take(ids[KEPT], 1001 + KEPT_SECS).is_none(),
            "too old to undo"
        );
    }

    #[test]
    fn the_log_follows_the_servers_copy_of_our_text() {
        let mut log = UndoLog::default();
        let touched = |after: &str| Touched {
            uid: "a".into(),
            before: None,
            after: Some(after.into()),
        };
        let id = log.push(CalendarId(1), vec![touched("SENT")], 0);
        let other = log.push(CalendarId(2), vec![touched("SENT")], 0);
        log.follow(CalendarId(1), "a", "SENT", "STORED");
        assert_eq!(
            log.take(id, 0).unwrap().objects[0].after.as_deref(),
            Some("STORED")
        );
        assert_eq!(
            log.take(other, 0).unwrap().objects[0].after.as_deref(),
            Some("SENT"),
            "another calendar's is left"
        );
    }
}
