//! Adding, listing, changing and removing sources.
//!
//! Every subscription URL is a bearer token (anyone holding a private feed's URL
//! reads the calendar), so every `http(s)` URL is kept only in the secret store (the
//! OS keyring; or, when the user explicitly chose it with `TRAYCAL_SECRET_STORE=file`,
//! a 0600 file). The mirror stores its short form ([`FeedUrl::masked`]); the full URL
//! is read back only to fetch it, or when the user asks to see it
//! ([`Engine::reveal_source_url`]). When no secret store is available, adding a feed
//! fails with a message that says what to do: a URL is never stored in plain text
//! silently. Only local `file:` paths are stored as they are.

use traycal_core::filter::{FilterSpec, RuleSpec};
use traycal_providers::FeedUrl;
use traycal_store::{NewSource, SourceId, SourceKind, SourcePatch, SourceRow};

use crate::error::{EngineError, Result};
use crate::Engine;

/// Default download cap per source.
pub const DEFAULT_MAX_BYTES: u64 = 20 * 1024 * 1024;

/// What the user asks for when subscribing to a feed.
#[derive(Debug, Clone, Default)]
pub struct AddIcs {
    pub url: String,
    pub name: Option<String>,
    pub interval: Option<std::time::Duration>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub max_bytes: Option<u64>,
    pub color: Option<String>,
}

/// A calendar as shown to users and scripts (`traycal calendars --json`).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, serde::Serialize)]
pub struct CalendarInfo {
    /// Calendar id (what `create --calendar` takes).
    pub id: i64,
    /// Its source.
    pub source_id: i64,
    /// Name.
    pub name: String,
    /// Colour, `#rrggbb`, when one is set.
    pub color: Option<String>,
    /// Whether Traycal may change its events.
    pub read_only: bool,
    /// `two_way`, `pull_only` or `push_only`.
    pub direction: &'static str,
    /// Its source's kind (`ics`, `caldav`, …): a feed's calendar is read here only.
    pub source_kind: String,
    /// Shown in the agenda, the tray and the reminders (a hidden one still syncs).
    pub shown: bool,
    /// The calendar new events go to by default.
    pub default: bool,
}

impl CalendarInfo {
    /// Whether new events and edits may go to it.
    pub fn writable(&self) -> bool {
        !self.read_only && self.source_kind != "ics" && self.direction != "pull_only"
    }
}

/// A source as shown to users (never with a secret).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, serde::Serialize)]
pub struct SourceInfo {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub url: String,
    pub secret_in: Option<String>,
    pub interval_secs: i64,
    pub max_bytes: i64,
    pub filters: FilterSpec,
    pub enabled: bool,
    pub color: Option<String>,
}

impl SourceInfo {
    pub(crate) fn from_row(r: &SourceRow, secret_store: Option<&str>) -> SourceInfo {
        SourceInfo {
            id: r.id.0,
            kind: r.kind.as_str().to_string(),
            name: r.name.clone(),
            url: r.url_display.clone(),
            secret_in: r
                .secret_ref
                .as_ref()
                .map(|_| secret_store.unwrap_or("the secret store").to_string()),
            interval_secs: r.interval_secs,
            max_bytes: r.max_bytes,
            filters: serde_json::from_str(&r.filters_json).unwrap_or_default(),
            enabled: r.enabled,
            color: r.color.clone(),
        }
    }
}

fn parse_rules(list: &[String]) -> Result<Vec<RuleSpec>> {
    list.iter()
        .map(|r| RuleSpec::parse(r).map_err(|e| EngineError::InvalidInput(e.to_string())))
        .collect()
}

/// A default name from the URL: its last path segment without `.ics` when that reads
/// as a name (never a token), else the host.
pub(crate) fn default_name(url: &FeedUrl) -> String {
    let seg = url
        .plain_name()
        .map(|s| s.trim_end_matches(".ics").to_string());
    seg.filter(|s| !s.is_empty() && s != "basic")
        .unwrap_or_else(|| url.as_url().host_str().unwrap_or("calendar").to_string())
}

impl Engine {
    /// Puts a feed URL into the secret store under a new key; returns the key and the
    /// store's name.
    async fn keep_url_secret(&self, url: &FeedUrl) -> Result<(String, String)> {
        let store = self.secret_store().map_err(|e| {
            EngineError::InvalidInput(format!(
                "Traycal keeps feed URLs (which work like passwords) only in a secret store, \
                 and none is available for {}: {e}",
                url.masked()
            ))
        })?;
        let key = format!(
            "ics-url-{:016x}{:016x}",
            fastrand::u64(..),
            fastrand::u64(..)
        );
        let store2 = std::sync::Arc::clone(store);
        let (k2, u2) = (key.clone(), url.as_url().to_string());
        tokio::task::spawn_blocking(move || store2.put(&k2, &u2))
            .await
            .map_err(|e| EngineError::Internal(e.to_string()))??;
        Ok((key, store.describe().to_string()))
    }

    /// The full URL of a source, for the user who asked to see it (Settings'
    /// "Show"): read from the secret store, never logged.
    pub async fn reveal_source_url(&self, id: i64) -> Result<String> {
        let row = self
            .with_mirror(move |m| m.source(SourceId(id))?.ok_or(EngineError::NoSuchSource(id)))
            .await?;
        let url = self.source_url(&row)?;
        Ok(url.as_url().to_string())
    }

    /// Moves a URL that an earlier build stored in plain text into the secret store
    /// (the sync of that source calls this first). Returns whether it moved. With no
    /// secret store available the plain URL stays, and the sync keeps working, until a
    /// later sync finds one.
    pub(crate) async fn protect_url(&self, row: &SourceRow) -> Result<bool> {
        let (Some(plain), None) = (&row.url, &row.secret_ref) else {
            return Ok(false);
        };
        let Ok(url) = FeedUrl::parse(plain) else {
            return Ok(false);
        };
        if url.is_local_file() || self.secret_store().is_err() {
            return Ok(false);
        }
        let (key, _) = self.keep_url_secret(&url).await?;
        let (id, shown) = (row.id, url.masked());
        self.with_mirror(move |m| Ok(m.move_url_to_secret(id, &key, &shown)?))
            .await?;
        Ok(true)
    }

    /// Subscribe to an ICS feed. Validates everything before storing anything.
    pub async fn add_ics(&self, req: AddIcs) -> Result<SourceInfo> {
        let url = FeedUrl::parse(&feed_address(&req.url)?)?;
        let spec = FilterSpec {
            include: parse_rules(&req.include)?,
            exclude: parse_rules(&req.exclude)?,
        };
        let interval = req.interval.unwrap_or(crate::schedule::DEFAULT_INTERVAL);
        if interval.as_secs() < 60 {
            return Err(EngineError::InvalidInput(
                "the fetch interval cannot be below 1 minute".into(),
            ));
        }
        if let Some(c) = &req.color {
            check_color(c)?;
        }
        let max_bytes = req.max_bytes.unwrap_or(DEFAULT_MAX_BYTES);
        if max_bytes == 0 {
            return Err(EngineError::InvalidInput(
                "--max-bytes must be positive".into(),
            ));
        }
        let name = req
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| default_name(&url));
        if url.is_local_file() {
            // A file that is not there is a typo, not a subscription to keep.
            let path = url
                .as_url()
                .to_file_path()
                .map_err(|()| EngineError::InvalidInput("not a local absolute file path".into()))?;
            match std::fs::metadata(&path) {
                Ok(m) if m.is_file() => {}
                Ok(_) => {
                    return Err(EngineError::InvalidInput(format!(
                        "{} is not a calendar file (a folder, device or pipe)",
                        path.display()
                    )))
                }
                Err(e) => {
                    return Err(EngineError::InvalidInput(format!(
                        "cannot read {}: {}",
                        path.display(),
                        if e.kind() == std::io::ErrorKind::NotFound {
                            "the file does not exist".to_string()
                        } else {
                            e.to_string()
                        }
                    )))
                }
            }
        }
        let (plain, secret_ref, store_name) = if url.is_local_file() {
            (Some(url.as_url().to_string()), None, None)
        } else {
            let (key, store) = self.keep_url_secret(&url).await?;
            (None, Some(key), Some(store))
        };
        let new = NewSource {
            kind: SourceKind::Ics,
            name,
            url_display: url.masked(),
            url: plain,
            secret_ref,
            interval_secs: interval.as_secs() as i64,
            max_bytes: max_bytes as i64,
            filters_json: serde_json::to_string(&spec)
                .map_err(|e| EngineError::Internal(e.to_string()))?,
            enabled: true,
            color: req.color.clone(),
            created_at: self.now(),
        };
        let row = self
            .with_mirror(move |m| {
                let id = m.add_source(&new)?;
                m.source(id)?.ok_or(EngineError::NoSuchSource(id.0))
            })
            .await?;
        Ok(SourceInfo::from_row(&row, store_name.as_deref()))
    }

    /// Every calendar of every source (a feed has one, pulled only).
    pub async fn calendars(&self) -> Result<Vec<CalendarInfo>> {
        let mut list = self
            .with_mirror(move |m| {
                let default = crate::calendar_settings::stored_default(m)?;
                let kinds: std::collections::HashMap<i64, String> = m
                    .sources()?
                    .into_iter()
                    .map(|s| (s.id.0, s.kind.as_str().to_owned()))
                    .collect();
                Ok(m.calendars()?
                    .into_iter()
                    .map(|c| CalendarInfo {
                        id: c.id.0,
                        source_id: c.source_id.0,
                        name: c.name,
                        color: c.color,
                        read_only: c.read_only,
                        direction: c.direction.as_str(),
                        source_kind: kinds.get(&c.source_id.0).cloned().unwrap_or_default(),
                        shown: !c.hidden,
                        default: Some(c.id.0) == default,
                    })
                    .collect::<Vec<_>>())
            })
            .await?;
        // A default that can no longer take events is no default.
        for c in &mut list {
            if c.default && !c.writable() {
                c.default = false;
            }
        }
        Ok(list)
    }

    /// All sources.
    pub async fn sources(&self) -> Result<Vec<SourceInfo>> {
        let store = self.secret_store_name();
        self.with_mirror(move |m| {
            Ok(m.sources()?
                .iter()
                .map(|r| SourceInfo::from_row(r, store.as_deref()))
                .collect())
        })
        .await
    }

    /// Remove a source with its events; its secret leaves the secret store too.
    pub async fn remove_source(&self, id: i64) -> Result<SourceInfo> {
        let row = self
            .with_mirror(move |m| {
                let row = m
                    .source(SourceId(id))?
                    .ok_or(EngineError::NoSuchSource(id))?;
                // The default calendar for new events goes with its source: a later
                // calendar may be given the same id, and must not inherit the role.
                let default = m.app_setting(crate::calendar_settings::DEFAULT_CALENDAR)?;
                let goes = m
                    .calendars()?
                    .into_iter()
                    .any(|c| c.source_id == SourceId(id) && Some(c.id.0.to_string()) == default);
                m.remove_source(SourceId(id))?;
                if goes {
                    m.set_app_setting(crate::calendar_settings::DEFAULT_CALENDAR, None)?;
                }
                Ok(row)
            })
            .await?;
        // Its calendars' ids may be given to the next account's: no undo may reach them.
        self.forget_undo();
        if let (Some(key), Ok(store)) = (&row.secret_ref, self.secrets()) {
            let (store, key) = (std::sync::Arc::clone(store), key.clone());
            // The source is gone either way; a keyring that refuses the delete
            // leaves an orphan entry, which is reported, not fatal.
            let _ = tokio::task::spawn_blocking(move || store.delete(&key)).await;
        }
        Ok(SourceInfo::from_row(&row, None))
    }

    /// Change a source's settings.
    pub async fn update_source(&self, id: i64, patch: SourcePatch) -> Result<SourceInfo> {
        if let Some(i) = patch.interval_secs {
            if i < 60 {
                return Err(EngineError::InvalidInput(
                    "the fetch interval cannot be below 1 minute".into(),
                ));
            }
        }
        self.with_mirror(move |m| {
            m.source(SourceId(id))?
                .ok_or(EngineError::NoSuchSource(id))?;
            m.update_source(SourceId(id), &patch)?;
            let row = m
                .source(SourceId(id))?
                .ok_or(EngineError::NoSuchSource(id))?;
            Ok(SourceInfo::from_row(&row, None))
        })
        .await
    }
}

/// A change to a source as the settings window sends it: each `None` leaves the
/// setting as it is. Rules are written as on the CLI (`[field:]pattern`).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct SourceEdit {
    pub name: Option<String>,
    /// `""` clears the colour.
    pub color: Option<String>,
    pub interval_minutes: Option<u32>,
    pub enabled: Option<bool>,
    pub include: Option<Vec<String>>,
    pub exclude: Option<Vec<String>>,
}

/// A colour as an edit gives it (`""` clears it), checked: the patch's value.
pub(crate) fn color_edit(color: Option<String>) -> Result<Option<Option<String>>> {
    match color {
        Some(c) if c.is_empty() => Ok(Some(None)),
        Some(c) => {
            check_color(&c)?;
            Ok(Some(Some(c)))
        }
        None => Ok(None),
    }
}

/// Accepts `#rgb` and `#rrggbb` colours only (they end up in the UI's styles).
pub(crate) fn check_color(color: &str) -> Result<()> {
    let hex = color.strip_prefix('#').unwrap_or("");
    if (hex.len() == 3 || hex.len() == 6) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(EngineError::InvalidInput(format!(
            "colour {color:?} is not of the form #rrggbb"
        )))
    }
}

impl Engine {
    /// Applies a [`SourceEdit`], validating every field before changing anything.
    pub async fn edit_source(&self, id: i64, edit: SourceEdit) -> Result<SourceInfo> {
        let name = match edit.name {
            Some(n) if n.trim().is_empty() => {
                return Err(EngineError::InvalidInput("a source needs a name".into()))
            }
            Some(n) => Some(n.trim().to_string()),
            None => None,
        };
        let color = color_edit(edit.color)?;
        let filters_json = if edit.include.is_some() || edit.exclude.is_some() {
            let row = self
                .with_mirror(move |m| m.source(SourceId(id))?.ok_or(EngineError::NoSuchSource(id)))
                .await?;
            let current: FilterSpec = serde_json::from_str(&row.filters_json).unwrap_or_default();
            let spec = FilterSpec {
                include: match &edit.include {
                    Some(list) => parse_rules(&non_blank(list))?,
                    None => current.include,
                },
                exclude: match &edit.exclude {
                    Some(list) => parse_rules(&non_blank(list))?,
                    None => current.exclude,
                },
            };
            Some(serde_json::to_string(&spec).map_err(|e| EngineError::Internal(e.to_string()))?)
        } else {
            None
        };
        let patch = SourcePatch {
            name,
            interval_secs: edit.interval_minutes.map(|m| i64::from(m) * 60),
            max_bytes: None,
            filters_json,
            enabled: edit.enabled,
            color,
        };
        self.update_source(id, patch).await
    }
}

/// A feed address as typed: a URL as it is, and a local path (`/…`, `~/…`) as the
/// `file:` URL of that file.
pub(crate) fn feed_address(input: &str) -> Result<String> {
    let text = input.trim();
    let path = if let Some(rest) = text.strip_prefix("~/") {
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .ok_or_else(|| {
                EngineError::InvalidInput(format!("{text}: HOME is not set, so ~ means nothing"))
            })?;
        std::path::PathBuf::from(home).join(rest)
    } else if text.starts_with('/') {
        std::path::PathBuf::from(text)
    } else {
        return Ok(text.to_string());
    };
    url::Url::from_file_path(&path)
        .map(|u| u.to_string())
        .map_err(|()| {
            EngineError::InvalidInput(format!("{} is not an absolute path", path.display()))
        })
}

/// Rule lines without the blank ones (a text area leaves them).
fn non_blank(list: &[String]) -> Vec<String> {
    list.iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}
