//! Expanding a source's stored events anew from the mirror alone, with no network:
//! when the materialised window has moved (a day passed, or an agenda looks further
//! ahead than the window) and whether or not the source can be reached.
//!
//! - A feed's calendar is rebuilt as one document from what the mirror keeps of it
//!   ([`Mirror::calendar_document`]: its own zone, its VTIMEZONEs and the text of each
//!   live event) and applied like a fetched body, so the same filters, the same
//!   calendar-wide occurrence budget and the same plan run; every text hashes as it
//!   did, so no event row is rewritten, only occurrences.
//! - An account's objects are each expanded from their current text (the pending
//!   local version, else the agreed one), which carries its own VTIMEZONEs.
//!
//! Invariants: a re-expansion is not a sync. It writes no log row and leaves the
//! source's validators, times, errors, remote objects and outbox as they were; only
//! the rows' occurrences and the state's window change, in one transaction per
//! source. An object whose text cannot be read keeps the occurrences it had.

use traycal_core::expand::Window;
use traycal_store::{Mirror, ObjectKey, ReexpandedObject, SourceKind, SourceRow, SyncStateRow};

use crate::error::Result;
use crate::object_rows::ObjectRows;
use crate::sync::{self, ApplyContext, Body, MassDeletionChoice};

/// Whether the occurrences stored for a source (expanded over the window its state
/// records) fall short of `window` by more than a day, so they must be expanded anew.
pub(crate) fn window_moves(state: &SyncStateRow, window: Window) -> bool {
    state.window_to.is_none_or(|t| t < window.to - 86_400)
        || state.window_from.is_none_or(|f| f > window.from + 86_400)
}

/// What one re-expansion needs besides the mirror.
pub(crate) struct Reexpansion {
    pub now: i64,
    pub window: Window,
    pub max_occurrences: usize,
}

/// Expands the stored events of `source` anew over `rx.window`. A source that never
/// synced has nothing stored and is left alone. Returns whether anything was done.
pub(crate) fn reexpand_source(
    m: &mut Mirror,
    source: &SourceRow,
    state: &SyncStateRow,
    rx: &Reexpansion,
) -> Result<bool> {
    if state.last_success_at.is_none() {
        return Ok(false);
    }
    match source.kind {
        // The mirror holds all a feed's document needs only once a whole body was
        // applied by this schema (its zone and VTIMEZONEs stored): after an upgrade,
        // the next sync downloads and applies it (see the schema's step 6).
        SourceKind::Ics if state.content_hash.is_none() => return Ok(false),
        SourceKind::Ics => reexpand_feed(m, source, state, rx)?,
        _ => reexpand_account(m, source, rx)?,
    }
    Ok(true)
}

fn reexpand_feed(
    m: &mut Mirror,
    source: &SourceRow,
    state: &SyncStateRow,
    rx: &Reexpansion,
) -> Result<()> {
    let calendar = m.calendar_of(source.id)?;
    let document = m.calendar_document(calendar)?;
    let cx = ApplyContext {
        source,
        state,
        now: rx.now,
        window: rx.window,
        next_due_at: state.next_due_at.unwrap_or(rx.now),
        started: std::time::Instant::now(),
        // The document holds what the mirror holds: nothing vanishes from it.
        deletions: MassDeletionChoice::Keep,
        max_occurrences: rx.max_occurrences,
        reexpansion: true,
    };
    let body = Body {
        bytes: document.as_bytes(),
        etag: state.etag.as_deref(),
        last_modified: state.last_modified.as_deref(),
        content_hash: state.content_hash,
    };
    sync::apply_body(m, &cx, body)?;
    Ok(())
}

fn reexpand_account(m: &mut Mirror, source: &SourceRow, rx: &Reexpansion) -> Result<()> {
    let mut objects = Vec::new();
    for calendar in m.calendars_of(source.id)? {
        objects.extend(m.remote_objects(calendar.id)?);
    }
    // Built first (they own their texts), then borrowed by the writes.
    let built: Vec<(usize, ObjectRows)> = objects
        .iter()
        .enumerate()
        .filter_map(|(i, o)| {
            let text = o.current()?;
            // An unreadable text keeps the occurrences it had (its pull or edit
            // already reported it).
            ObjectRows::build(text, rx.window, rx.now, rx.max_occurrences)
                .ok()
                .filter(|rows| rows.uid() == o.uid)
                .map(|rows| (i, rows))
        })
        .collect();
    let writes: Vec<ReexpandedObject<'_>> = built
        .iter()
        .filter_map(|(i, rows)| {
            let o = objects.get(*i)?;
            Some(ReexpandedObject {
                key: ObjectKey {
                    calendar: o.calendar_id,
                    uid: &o.uid,
                    instance: &o.instance,
                },
                upserts: rows.writes(),
                occurrences: rows.occurrences(),
            })
        })
        .collect();
    m.record_reexpanded(source.id, &writes, rx.window.from, rx.window.to, rx.now)?;
    Ok(())
}
