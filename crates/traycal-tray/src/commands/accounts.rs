//! Settings-window commands for accounts: adding a CalDAV account (discovery, the
//! password to the OS keyring, its calendars stored) and starting its first sync.

use serde::{Deserialize, Serialize};
use traycal_engine::accounts::{AccountAdded, AddCalDav};

use super::IpcResult;
use std::sync::Arc;

use crate::shell::Shell;

/// A CalDAV account as the settings window's dialog sends it.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct AddAccount {
    /// The server's address, or the host of an e-mail address (`https` is assumed).
    pub server: String,
    pub user: String,
    /// Kept in the OS keyring only; never stored in the mirror or a log.
    pub password: String,
    /// The account's name (default: "USER on HOST").
    pub name: Option<String>,
}

/// Discovers a CalDAV account's calendars and adds it; its first sync starts at once
/// in the background (progress arrives as `SyncProgress`, then `MirrorChanged`). A
/// wrong password, an unreachable server or one that is not CalDAV fails here, with
/// its own code, and nothing is stored.
pub async fn add_caldav(shell: &Arc<Shell>, req: AddAccount) -> IpcResult<AccountAdded> {
    let added = shell
        .engine
        .add_caldav(AddCalDav {
            server: req.server,
            user: req.user,
            password: req.password,
            name: req.name,
        })
        .await?;
    shell.mirror_changed("source_added");
    shell.sync_in_background(Some(added.source.id));
    Ok(added)
}
