//! Accounts (CalDAV today): adding one from a server address, a user and a password,
//! and connecting a stored one again when it is first synced in a process.
//!
//! Adding: discovery finds the calendars (a wrong password, an unreachable server or
//! a server that is not CalDAV fails here, clearly, and nothing is stored); the
//! password goes to the secret store; the account (its settings as JSON: server, user,
//! calendar homes) and every calendar found are stored in one transaction; the
//! account is connected at once.
//!
//! Invariants: the password is only in the secret store (never in the mirror, a log
//! or an error); without a secret store an account is refused with a clear error,
//! like a feed URL; a stored account whose secret is gone fails its sync with
//! "sign in again", never silently.

use traycal_providers::caldav::DiscoveredCalendar;
use traycal_providers::{AnyProvider, CalDavProvider, CalDavSettings};
use traycal_store::{NewCalendar, NewSource, SourceKind, SourceRow};

use crate::error::{EngineError, Result};
use crate::sources::{CalendarInfo, SourceInfo};
use crate::Engine;

/// A CalDAV account to add.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddCalDav {
    /// The server's address (a URL, or a host name: https is assumed).
    pub server: String,
    pub user: String,
    pub password: String,
    /// The account's name in Traycal (default: "USER on HOST").
    pub name: Option<String>,
}

/// An account just added, with its calendars.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, serde::Serialize)]
pub struct AccountAdded {
    pub source: SourceInfo,
    pub calendars: Vec<CalendarInfo>,
}

impl Engine {
    /// Discovers and adds a CalDAV account (see the module docs).
    pub async fn add_caldav(&self, req: AddCalDav) -> Result<AccountAdded> {
        if req.user.trim().is_empty() {
            return Err(EngineError::InvalidInput("a user name is needed".into()));
        }
        let store = std::sync::Arc::clone(self.secret_store().map_err(|e| {
            EngineError::InvalidInput(format!(
                "Traycal keeps account passwords only in a secret store, and none is \
                 available: {e}"
            ))
        })?);
        let (provider, found) =
            CalDavProvider::connect_new(&req.server, req.user.trim(), &req.password).await?;
        let settings_json = serde_json::to_string(provider.settings())
            .map_err(|e| EngineError::Internal(e.to_string()))?;
        let key = format!(
            "caldav-password-{:016x}{:016x}",
            fastrand::u64(..),
            fastrand::u64(..)
        );
        let (k2, p2, s2) = (
            key.clone(),
            req.password.clone(),
            std::sync::Arc::clone(&store),
        );
        tokio::task::spawn_blocking(move || s2.put(&k2, &p2))
            .await
            .map_err(|e| EngineError::Internal(e.to_string()))??;
        let host = found
            .principal
            .host_str()
            .map_or_else(|| req.server.clone(), str::to_string);
        let name = req
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("{} on {host}", req.user.trim()));
        let new = NewSource {
            kind: SourceKind::Caldav,
            name,
            url_display: traycal_providers::caldav::http::shown(&found.principal),
            url: None,
            secret_ref: Some(key.clone()),
            interval_secs: crate::schedule::DEFAULT_INTERVAL.as_secs() as i64,
            max_bytes: 20 << 20,
            filters_json: "{}".into(),
            enabled: true,
            color: None,
            created_at: self.now(),
        };
        let calendars: Vec<DiscoveredCalendar> = found.calendars.clone();
        let added = self
            .with_mirror(move |m| {
                let rows: Vec<NewCalendar<'_>> = calendars
                    .iter()
                    .map(|c| NewCalendar {
                        remote_href: &c.url,
                        name: &c.name,
                        color: c.color.as_deref(),
                        read_only: c.read_only,
                    })
                    .collect();
                let (id, _) = m.add_account(&new, &settings_json, &rows)?;
                m.source(id)?.ok_or(EngineError::NoSuchSource(id.0))
            })
            .await;
        let row = match added {
            Ok(row) => row,
            Err(e) => {
                // Nothing was stored: the secret goes too.
                let _ = tokio::task::spawn_blocking(move || store.delete(&key)).await;
                return Err(e);
            }
        };
        self.connect_account(row.id.0, provider);
        let id = row.id.0;
        let calendars = self
            .calendars()
            .await?
            .into_iter()
            .filter(|c| c.source_id == id)
            .collect();
        Ok(AccountAdded {
            source: SourceInfo::from_row(&row, self.secret_store_name().as_deref()),
            calendars,
        })
    }

    /// The provider of the account `source`: the one connected in this process, or
    /// one connected now from the stored settings and the secret store. `None` when
    /// the account cannot be connected (no settings, or its secret is gone).
    pub(crate) async fn account_provider(&self, source: &SourceRow) -> Result<Option<AnyProvider>> {
        if let Some(p) = self.provider_of(source.id.0) {
            return Ok(Some(p));
        }
        let (Some(json), Some(key)) = (&source.account_json, &source.secret_ref) else {
            return Ok(None);
        };
        if source.kind != SourceKind::Caldav {
            return Ok(None);
        }
        let settings: CalDavSettings = serde_json::from_str(json).map_err(|e| {
            EngineError::Internal(format!(
                "the stored settings of {:?} cannot be read: {e}",
                source.name
            ))
        })?;
        let Ok(store) = self.secret_store() else {
            return Ok(None);
        };
        let (store, key) = (std::sync::Arc::clone(store), key.clone());
        let password = tokio::task::spawn_blocking(move || store.get(&key))
            .await
            .map_err(|e| EngineError::Internal(e.to_string()))??;
        let Some(password) = password else {
            return Ok(None);
        };
        let provider = CalDavProvider::connect(&settings, &password)?;
        self.connect_account(source.id.0, provider.clone());
        Ok(Some(provider.into()))
    }
}
