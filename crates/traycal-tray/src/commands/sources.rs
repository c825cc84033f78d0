//! Settings-window commands: sources, their status, previews, syncs and the log.

use serde::{Deserialize, Serialize};
use traycal_engine::agenda::{LogLine, SourceStatus};
use traycal_engine::preview::FeedPreview;
use traycal_engine::sources::{AddIcs, SourceEdit, SourceInfo};
use traycal_engine::{MassDeletionChoice, SyncReport};

use super::{IpcError, IpcErrorCode, IpcResult};
use std::sync::Arc;

use crate::shell::Shell;

/// A new ICS subscription, as the settings window sends it.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct AddFeed {
    pub url: String,
    pub name: Option<String>,
    pub color: Option<String>,
    pub interval_minutes: Option<u32>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

/// Most log lines one call returns.
const MAX_LOG_LINES: u32 = 1000;

/// Every source with its sync status and event count.
pub async fn sources_status(shell: &Arc<Shell>) -> IpcResult<Vec<SourceStatus>> {
    Ok(shell.engine.status(None).await?)
}

/// Fetches and parses a feed without saving anything ("Test").
pub async fn preview_feed(shell: &Arc<Shell>, url: String) -> IpcResult<FeedPreview> {
    Ok(shell.engine.preview_ics(&url).await?)
}

/// Subscribes to a feed; its first sync starts at once in the background (progress
/// arrives as `SyncProgress` events, then `MirrorChanged`).
pub async fn add_feed(shell: &Arc<Shell>, req: AddFeed) -> IpcResult<SourceInfo> {
    let rules = |list: Vec<String>| -> Vec<String> {
        list.into_iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let info = shell
        .engine
        .add_ics(AddIcs {
            url: req.url,
            name: req.name,
            interval: req
                .interval_minutes
                .map(|m| std::time::Duration::from_secs(u64::from(m) * 60)),
            include: rules(req.include),
            exclude: rules(req.exclude),
            max_bytes: None,
            color: req.color.filter(|c| !c.is_empty()),
        })
        .await?;
    shell.mirror_changed("source_added");
    shell.sync_in_background(Some(info.id));
    Ok(info)
}

/// Changes a source's name, colour, interval, filters or enabled state.
pub async fn update_source(shell: &Arc<Shell>, id: i64, edit: SourceEdit) -> IpcResult<SourceInfo> {
    let info = shell.engine.edit_source(id, edit).await?;
    shell.mirror_changed("source_edited");
    Ok(info)
}

/// Removes a source and its events (the settings window asks for confirmation first).
pub async fn remove_source(shell: &Arc<Shell>, id: i64) -> IpcResult<SourceInfo> {
    let info = shell.engine.remove_source(id).await?;
    shell.mirror_changed("source_removed");
    Ok(info)
}

/// Syncs one source now, or all of them.
pub async fn sync_now(shell: &Arc<Shell>, id: Option<i64>) -> IpcResult<Vec<SyncReport>> {
    shell.sync(id).await
}

/// Decides a sync the deletion guard held: `apply` deletes the events the feed no
/// longer lists ("Apply the deletions"), `keep` keeps them ("Keep my events"). The
/// source is fetched again, so the decision applies to what the feed holds now.
pub async fn decide_deletions(
    shell: &Arc<Shell>,
    id: i64,
    choice: MassDeletionChoice,
) -> IpcResult<SyncReport> {
    if choice == MassDeletionChoice::Ask {
        return Err(IpcError::new(
            IpcErrorCode::InvalidInput,
            "the choice must be `apply` or `keep`",
        ));
    }
    let mut reports = shell.sync_with(Some(id), choice).await?;
    reports.pop().ok_or_else(|| {
        IpcError::new(
            IpcErrorCode::NoSuchSource,
            format!("no source with id {id}"),
        )
    })
}

/// The full URL of a source, for the user who asked to see it in Settings. Feed URLs
/// work like passwords: everywhere else they are shown in their short form.
pub async fn reveal_source_url(shell: &Arc<Shell>, id: i64) -> IpcResult<String> {
    Ok(shell.engine.reveal_source_url(id).await?)
}

/// The newest sync-log lines, of one source or all.
pub async fn sync_log(shell: &Arc<Shell>, id: Option<i64>, limit: u32) -> IpcResult<Vec<LogLine>> {
    if limit == 0 || limit > MAX_LOG_LINES {
        return Err(IpcError::new(
            IpcErrorCode::InvalidInput,
            format!("limit must be between 1 and {MAX_LOG_LINES}"),
        ));
    }
    Ok(shell.engine.log(id, limit as usize).await?)
}

/// Subscribes to the built-in sample calendar (offline, relative to now).
pub async fn load_sample(shell: &Arc<Shell>) -> IpcResult<SourceInfo> {
    let info = shell.engine.load_sample().await?;
    shell.sync(Some(info.id)).await?;
    Ok(info)
}
