//! Agenda commands: occurrences in a range, one event in full, join links, the event
//! the agenda was asked to show.

use std::sync::Arc;

use tauri::State;
use traycal_core::join::JoinLink;
use traycal_engine::agenda::{Agenda, NextMeeting};
use traycal_engine::detail::{EventDetail, EventJoin};
use traycal_tray::commands::agenda as run;
use traycal_tray::events::ShowEvent;
use traycal_tray::shell::Shell;

use super::IpcResult;

/// Occurrences overlapping `[from, to)` (Unix seconds), ordered by start.
#[tauri::command]
#[specta::specta]
pub async fn agenda(shell: State<'_, Arc<Shell>>, from: i64, to: i64) -> IpcResult<Agenda> {
    run::agenda(&shell, from, to).await
}

/// One event in full. `occurrence_start` is the agenda entry's start (UTC seconds)
/// for a recurring event's occurrence.
#[tauri::command]
#[specta::specta]
pub async fn event_detail(
    shell: State<'_, Arc<Shell>>,
    event_id: i64,
    occurrence_start: Option<i64>,
) -> IpcResult<EventDetail> {
    run::event_detail(&shell, event_id, occurrence_start).await
}

/// The join links of the given events (events without one are left out).
#[tauri::command]
#[specta::specta]
pub async fn join_links(
    shell: State<'_, Arc<Shell>>,
    event_ids: Vec<i64>,
) -> IpcResult<Vec<EventJoin>> {
    run::join_links(&shell, event_ids).await
}

/// The running or next event, with its join link.
#[tauri::command]
#[specta::specta]
pub async fn next_meeting(shell: State<'_, Arc<Shell>>) -> IpcResult<Option<NextMeeting>> {
    run::next_meeting(&shell).await
}

/// Opens an event's join link (allow-listed schemes only) and returns it.
#[tauri::command]
#[specta::specta]
pub async fn join_event(shell: State<'_, Arc<Shell>>, event_id: i64) -> IpcResult<JoinLink> {
    run::join_event(&shell, event_id).await
}

/// The event the agenda was asked to show (once; `null` when none is waiting).
#[tauri::command]
#[specta::specta]
pub async fn take_shown_event(shell: State<'_, Arc<Shell>>) -> IpcResult<Option<ShowEvent>> {
    run::take_shown_event(&shell).await
}
