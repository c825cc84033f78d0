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
//! - The log is in memory and holds the last [`KEPT`] changes: undo is for the
//!   mistake just made, not history (version history is the sync core's).

use std::collections::VecDeque;

use traycal_store::{CalendarId, ObjectKey, Recorded};

use crate::error::{EngineError, Result};
use crate::local_edit::WrittenEvent;
use crate::Engine;

/// Changes kept for undo.
pub const KEPT: usize = 20;

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
}

/// The last [`KEPT`] changes made here, newest last.
#[derive(Debug, Default)]
pub(crate) struct UndoLog {
    next: i64,
    entries: VecDeque<Entry>,
}

impl UndoLog {
    /// Remembers a change; returns the id that undoes it.
    pub fn push(&mut self, calendar: CalendarId, objects: Vec<Touched>) -> i64 {
        self.next += 1;
        if self.entries.len() == KEPT {
            self.entries.pop_front();
        }
        self.entries.push_back(Entry {
            id: self.next,
            calendar,
            objects,
        });
        self.next
    }

    fn take(&mut self, id: i64) -> Option<Entry> {
        let at = self.entries.iter().position(|e| e.id == id)?;
        self.entries.remove(at)
    }
}

impl Engine {
    /// Puts back what the change `undo` (from [`WrittenEvent::undo`]) replaced. Refused
    /// when that change is too old to be remembered, was undone already, or an object
    /// it touched has changed since (see the module docs).
    pub async fn undo(&self, undo: i64) -> Result<WrittenEvent> {
        let entry = self.undo_log().take(undo).ok_or_else(|| {
            EngineError::InvalidInput("that change can no longer be undone".into())
        })?;
        let (calendar, objects) = (entry.calendar, entry.objects);
        let check = objects.clone();
        self.with_mirror(move |m| {
            for t in &check {
                let key = ObjectKey {
                    calendar,
                    uid: &t.uid,
                    instance: "",
                };
                let now = m.remote_object(&key)?;
                if now.as_ref().and_then(|o| o.current()) != t.after.as_deref() {
                    return Err(EngineError::InvalidInput(format!(
                        "the event {} changed since (perhaps on the server), so the change \
                         cannot be undone",
                        t.uid
                    )));
                }
            }
            Ok(())
        })
        .await?;
        let first = objects
            .first()
            .map(|t| t.uid.clone())
            .ok_or_else(|| EngineError::Internal("an undo entry without objects".into()))?;
        let back = objects.into_iter().map(|t| (t.uid, t.before)).collect();
        let (recorded, redo) = self.record_local_objects_undoable(calendar, back).await?;
        Ok(WrittenEvent {
            uid: first,
            calendar_id: calendar.0,
            occurrence: None,
            pending: recorded.iter().any(|r| matches!(r, Recorded::Queued(..))),
            undo: Some(redo),
        })
    }

    pub(crate) fn remember(&self, calendar: CalendarId, objects: Vec<Touched>) -> i64 {
        self.undo_log().push(calendar, objects)
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
            .map(|_| log.push(CalendarId(1), Vec::new()))
            .collect();
        assert!(log.take(ids[0]).is_none(), "the oldest are forgotten");
        assert!(log.take(ids[1]).is_none());
        assert!(log.take(ids[2]).is_some());
        assert!(log.take(ids[2]).is_none(), "undone once");
        assert!(log.take(ids[KEPT + 1]).is_some());
    }
}
