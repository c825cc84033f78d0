//! Settings-window commands: sources, their status, previews, syncs and the log.

use std::sync::Arc;

use tauri::State;
use traycal_engine::agenda::{LogLine, SourceStatus};
use traycal_engine::preview::FeedPreview;
use traycal_engine::sources::{SourceEdit, SourceInfo};
use traycal_engine::{MassDeletionChoice, SyncReport};
use traycal_tray::commands::sources::{self as run, AddFeed};
use traycal_tray::shell::Shell;

use super::IpcResult;

/// Every source with its sync status and event count.
#[tauri::command]
#[specta::specta]
pub async fn sources_status(shell: State<'_, Arc<Shell>>) -> IpcResult<Vec<SourceStatus>> {
    run::sources_status(&shell).await
}

/// Fetches and parses a feed without saving anything ("Test").
#[tauri::command]
#[specta::specta]
pub async fn preview_feed(shell: State<'_, Arc<Shell>>, url: String) -> IpcResult<FeedPreview> {
    run::preview_feed(&shell, url).await
}

/// Subscribes to a feed; its first sync starts at once in the background (progress
/// arrives as `SyncProgress` events, then `MirrorChanged`).
#[tauri::command]
#[specta::specta]
pub async fn add_feed(shell: State<'_, Arc<Shell>>, req: AddFeed) -> IpcResult<SourceInfo> {
    run::add_feed(&shell, req).await
}

/// Changes a source's name, colour, interval, filters or enabled state.
#[tauri::command]
#[specta::specta]
pub async fn update_source(
    shell: State<'_, Arc<Shell>>,
    id: i64,
    edit: SourceEdit,
) -> IpcResult<SourceInfo> {
    run::update_source(&shell, id, edit).await
}

/// Removes a source and its events (the settings window asks for confirmation first).
#[tauri::command]
#[specta::specta]
pub async fn remove_source(shell: State<'_, Arc<Shell>>, id: i64) -> IpcResult<SourceInfo> {
    run::remove_source(&shell, id).await
}

/// Syncs one source now, or all of them.
#[tauri::command]
#[specta::specta]
pub async fn sync_now(shell: State<'_, Arc<Shell>>, id: Option<i64>) -> IpcResult<Vec<SyncReport>> {
    run::sync_now(&shell, id).await
}

/// The newest sync-log lines, of one source or all.
#[tauri::command]
#[specta::specta]
pub async fn sync_log(
    shell: State<'_, Arc<Shell>>,
    id: Option<i64>,
    limit: u32,
) -> IpcResult<Vec<LogLine>> {
    run::sync_log(&shell, id, limit).await
}

/// Decides a sync the deletion guard held ("Apply the deletions" / "Keep my events").
#[tauri::command]
#[specta::specta]
pub async fn decide_deletions(
    shell: State<'_, Arc<Shell>>,
    id: i64,
    choice: MassDeletionChoice,
) -> IpcResult<SyncReport> {
    run::decide_deletions(&shell, id, choice).await
}

/// The full URL of a source, for the user who asked to see it.
#[tauri::command]
#[specta::specta]
pub async fn reveal_source_url(shell: State<'_, Arc<Shell>>, id: i64) -> IpcResult<String> {
    run::reveal_source_url(&shell, id).await
}

/// Subscribes to the built-in sample calendar (offline, relative to now).
#[tauri::command]
#[specta::specta]
pub async fn load_sample(shell: State<'_, Arc<Shell>>) -> IpcResult<SourceInfo> {
    run::load_sample(&shell).await
}
