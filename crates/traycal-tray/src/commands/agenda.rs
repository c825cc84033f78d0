//! Agenda commands: occurrences in a range, one event in full, join links, the event
//! the agenda was asked to show.

use traycal_core::join::JoinLink;
use traycal_engine::agenda::{Agenda, NextMeeting};
use traycal_engine::detail::{EventDetail, EventJoin};

use super::IpcResult;
use crate::events::ShowEvent;
use std::sync::Arc;

use crate::shell::Shell;

/// Occurrences overlapping `[from, to)` (Unix seconds), ordered by start.
pub async fn agenda(shell: &Arc<Shell>, from: i64, to: i64) -> IpcResult<Agenda> {
    Ok(shell.engine.agenda(from, to).await?)
}

/// One event in full. `occurrence_start` is the agenda entry's start (UTC seconds)
/// for a recurring event's occurrence.
pub async fn event_detail(
    shell: &Arc<Shell>,
    event_id: i64,
    occurrence_start: Option<i64>,
) -> IpcResult<EventDetail> {
    Ok(shell
        .engine
        .event_detail(event_id, occurrence_start)
        .await?)
}

/// The join links of the given events (events without one are left out).
pub async fn join_links(shell: &Arc<Shell>, event_ids: Vec<i64>) -> IpcResult<Vec<EventJoin>> {
    Ok(shell.engine.join_links(event_ids).await?)
}

/// The running or next event, with its join link.
pub async fn next_meeting(shell: &Arc<Shell>) -> IpcResult<Option<NextMeeting>> {
    Ok(shell.engine.next_meeting().await?)
}

/// Opens an event's join link (allow-listed schemes only) and returns it.
pub async fn join_event(shell: &Arc<Shell>, event_id: i64) -> IpcResult<JoinLink> {
    Ok(shell.engine.join_event(event_id).await?)
}

/// The event the agenda was asked to show (once; `null` when none is waiting).
pub async fn take_shown_event(shell: &Arc<Shell>) -> IpcResult<Option<ShowEvent>> {
    Ok(shell.take_shown_event())
}
