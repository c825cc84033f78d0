//! Calendar sources (a feed or an account) and their calendars.
//!
//! Invariants:
//! - a source row is created together with its `sync_state` row and, for ICS, its one
//!   calendar, in one transaction, so every source always has both;
//! - `url` holds a URL only when it carries no secret; otherwise `url` is NULL and
//!   `secret_ref` names the keyring entry (a CHECK forbids both at once). `url_display`
//!   is always the masked form and is the only form that reaches the UI or logs;
//! - removing a source removes its occurrences (explicitly: they carry no foreign key)
//!   and cascades to its calendars, events and sync state;
//!   its `sync_log` rows stay (with `source_id` NULL and the name kept).

use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};
use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};
use crate::{CalendarId, Mirror, SourceId};

/// What kind of provider a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A read-only iCalendar feed (one calendar).
    Ics,
    /// A CalDAV account (one calendar per collection).
    Caldav,
    /// A Google account.
    Google,
    /// A Microsoft (Graph) account.
    Microsoft,
}

impl SourceKind {
    /// The value stored in `sources.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ics => "ics",
            Self::Caldav => "caldav",
            Self::Google => "google",
            Self::Microsoft => "microsoft",
        }
    }

    /// Parses a stored `sources.kind`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "ics" => Self::Ics,
            "caldav" => Self::Caldav,
            "google" => Self::Google,
            "microsoft" => Self::Microsoft,
            _ => return None,
        })
    }
}

/// A source to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSource {
    /// Provider kind.
    pub kind: SourceKind,
    /// Display name.
    pub name: String,
    /// Masked URL, safe to show.
    pub url_display: String,
    /// Plain URL, only when it carries no secret (else `None` and `secret_ref` set).
    pub url: Option<String>,
    /// Keyring key of the secret URL / credentials.
    pub secret_ref: Option<String>,
    /// Refresh interval, seconds (> 0).
    pub interval_secs: i64,
    /// Download size cap, bytes (> 0).
    pub max_bytes: i64,
    /// Filter configuration as JSON (validated to be JSON).
    pub filters_json: String,
    /// Whether the source is synced and shown.
    pub enabled: bool,
    /// Display color (`#rrggbb`), if chosen.
    pub color: Option<String>,
    /// Creation time (caller's `now`), Unix seconds.
    pub created_at: i64,
}

/// Changes to a source; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourcePatch {
    /// New display name (an ICS source's calendar is renamed too).
    pub name: Option<String>,
    /// New refresh interval, seconds.
    pub interval_secs: Option<i64>,
    /// New download cap, bytes.
    pub max_bytes: Option<i64>,
    /// New filter JSON.
    pub filters_json: Option<String>,
    /// Enable / disable.
    pub enabled: Option<bool>,
    /// `Some(None)` clears the color.
    pub color: Option<Option<String>>,
}

/// A stored source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceRow {
    /// Row id.
    pub id: SourceId,
    /// Provider kind.
    pub kind: SourceKind,
    /// Display name.
    pub name: String,
    /// Masked URL.
    pub url_display: String,
    /// Plain URL when not secret.
    pub url: Option<String>,
    /// Keyring key when secret.
    pub secret_ref: Option<String>,
    /// Refresh interval, seconds.
    pub interval_secs: i64,
    /// Download cap, bytes.
    pub max_bytes: i64,
    /// Filter JSON.
    pub filters_json: String,
    /// Enabled flag.
    pub enabled: bool,
    /// Display color.
    pub color: Option<String>,
    /// Creation time.
    pub created_at: i64,
    /// An account's settings to connect it again (JSON; no secret).
    pub account_json: Option<String>,
}

/// A calendar found in an account, to add with it ([`Mirror::add_account`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewCalendar<'a> {
    /// Its id at the provider.
    pub remote_href: &'a str,
    pub name: &'a str,
    /// `#rrggbb`.
    pub color: Option<&'a str>,
    pub read_only: bool,
}

/// Which way a calendar syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncDirection {
    /// Changes go both ways.
    TwoWay,
    /// The server's changes come in; nothing is written to it (feeds, read-only
    /// calendars, or the user's choice).
    PullOnly,
    /// Local changes go out; the server's are not taken in.
    PushOnly,
}

impl SyncDirection {
    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TwoWay => "two_way",
            Self::PullOnly => "pull_only",
            Self::PushOnly => "push_only",
        }
    }

    /// Parses a stored value.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "two_way" => Self::TwoWay,
            "pull_only" => Self::PullOnly,
            "push_only" => Self::PushOnly,
            _ => return None,
        })
    }
}

/// A stored calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarRow {
    /// Row id.
    pub id: CalendarId,
    /// Owning source.
    pub source_id: SourceId,
    /// Server href (None for ICS).
    pub remote_href: Option<String>,
    /// Display name.
    pub name: String,
    /// Display color.
    pub color: Option<String>,
    /// Whether Traycal may write to it.
    pub read_only: bool,
    /// Collection change token (sync-token / ctag / nextSyncToken / deltaLink).
    pub change_token: Option<String>,
    /// Which way it syncs (a read-only calendar is pulled only).
    pub direction: SyncDirection,
    /// When it was last listed in full (Unix seconds; `None`: never).
    pub listed_at: Option<i64>,
    /// Left out of the agenda, the tray and the reminders (still synced).
    pub hidden: bool,
}

/// Changes to a calendar's own settings; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CalendarPatch {
    /// Shown (`false`) or hidden (`true`).
    pub hidden: Option<bool>,
    /// `Some(None)` goes back to the source's colour.
    pub color: Option<Option<String>>,
    /// Which way it syncs. A read-only calendar is pulled only, and a feed's is too:
    /// anything else is refused.
    pub direction: Option<SyncDirection>,
}

const SOURCE_COLUMNS: &str = "id, kind, name, url_display, url, secret_ref, interval_secs, \
     max_bytes, filters_json, enabled, color, created_at, account_json";

fn source_from_row(r: &Row<'_>) -> rusqlite::Result<SourceRow> {
    let kind: String = r.get(1)?;
    let kind = SourceKind::parse(&kind).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            1,
            rusqlite::types::Type::Text,
            format!("unknown source kind {kind:?}").into(),
        )
    })?;
    Ok(SourceRow {
        id: SourceId(r.get(0)?),
        kind,
        name: r.get(2)?,
        url_display: r.get(3)?,
        url: r.get(4)?,
        secret_ref: r.get(5)?,
        interval_secs: r.get(6)?,
        max_bytes: r.get(7)?,
        filters_json: r.get(8)?,
        enabled: r.get(9)?,
        color: r.get(10)?,
        created_at: r.get(11)?,
        account_json: r.get(12)?,
    })
}

fn calendar_from_row(r: &Row<'_>) -> rusqlite::Result<CalendarRow> {
    Ok(CalendarRow {
        id: CalendarId(r.get(0)?),
        source_id: SourceId(r.get(1)?),
        remote_href: r.get(2)?,
        name: r.get(3)?,
        color: r.get(4)?,
        read_only: r.get(5)?,
        change_token: r.get(6)?,
        direction: {
            let d: String = r.get(7)?;
            SyncDirection::parse(&d).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(
                    7,
                    rusqlite::types::Type::Text,
                    format!("unknown direction {d:?}").into(),
                )
            })?
        },
        listed_at: r.get(8)?,
        hidden: r.get(9)?,
    })
}

fn check_json(json: &str) -> Result<()> {
    serde_json::from_str::<serde_json::Value>(json)
        .map(|_| ())
        .map_err(|e| StoreError::InvalidInput(format!("filters_json is not valid JSON: {e}")))
}

fn check_positive(what: &str, v: i64) -> Result<()> {
    if v > 0 {
        Ok(())
    } else {
        Err(StoreError::InvalidInput(format!(
            "{what} must be positive, got {v}"
        )))
    }
}

impl Mirror {
    /// Adds a source with its `sync_state` row and, for ICS, its single calendar (named
    /// like the source, read-only), in one transaction. Other kinds get their
    /// calendars from [`Mirror::add_calendar`] once discovered.
    pub fn add_source(&mut self, s: &NewSource) -> Result<SourceId> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = insert_source(&tx, s)?;
        tx.commit()?;
        Ok(id)
    }

    /// Adds an account (a source that is not a feed) with its settings
    /// (`account_json`, no secret) and the calendars found in it, in one transaction.
    pub fn add_account(
        &mut self,
        s: &NewSource,
        account_json: &str,
        calendars: &[NewCalendar<'_>],
    ) -> Result<(SourceId, Vec<CalendarId>)> {
        if s.kind == SourceKind::Ics {
            return Err(StoreError::InvalidInput(
                "a feed is added with add_source, not as an account".into(),
            ));
        }
        serde_json::from_str::<serde_json::Value>(account_json).map_err(|e| {
            StoreError::InvalidInput(format!("account_json is not valid JSON: {e}"))
        })?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = insert_source(&tx, s)?;
        tx.execute(
            "UPDATE sources SET account_json = ?2 WHERE id = ?1",
            params![id.0, account_json],
        )?;
        let mut ids = Vec::with_capacity(calendars.len());
        for c in calendars {
            tx.execute(
                "INSERT INTO calendars (source_id, remote_href, name, color, read_only, \
                 direction) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    id.0,
                    c.remote_href,
                    c.name,
                    c.color,
                    c.read_only,
                    if c.read_only { "pull_only" } else { "two_way" }
                ],
            )?;
            ids.push(CalendarId(tx.last_insert_rowid()));
        }
        tx.commit()?;
        Ok((id, ids))
    }
}

/// Inserts a source with its `sync_state` row (and a feed's one calendar) inside the
/// caller's transaction.
fn insert_source(tx: &rusqlite::Transaction<'_>, s: &NewSource) -> Result<SourceId> {
    check_json(&s.filters_json)?;
    check_positive("interval_secs", s.interval_secs)?;
    check_positive("max_bytes", s.max_bytes)?;
    if s.url.is_some() && s.secret_ref.is_some() {
        return Err(StoreError::InvalidInput(
            "a source has either a plain url or a secret_ref, never both".into(),
        ));
    }
    tx.execute(
        "INSERT INTO sources (kind, name, url_display, url, secret_ref, interval_secs, \
         max_bytes, filters_json, enabled, color, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            s.kind.as_str(),
            s.name,
            s.url_display,
            s.url,
            s.secret_ref,
            s.interval_secs,
            s.max_bytes,
            s.filters_json,
            s.enabled,
            s.color,
            s.created_at
        ],
    )?;
    let id = tx.last_insert_rowid();
    if s.kind == SourceKind::Ics {
        tx.execute(
            "INSERT INTO calendars (source_id, remote_href, name, color, read_only, \
             direction) VALUES (?1, NULL, ?2, NULL, 1, 'pull_only')",
            params![id, s.name],
        )?;
    }
    tx.execute("INSERT INTO sync_state (source_id) VALUES (?1)", [id])?;
    Ok(SourceId(id))
}

impl Mirror {
    /// Adds a calendar to a (non-ICS) source, e.g. a discovered CalDAV collection.
    pub fn add_calendar(
        &mut self,
        source: SourceId,
        remote_href: Option<&str>,
        name: &str,
        color: Option<&str>,
        read_only: bool,
    ) -> Result<CalendarId> {
        let n = self.conn.execute(
            "INSERT INTO calendars (source_id, remote_href, name, color, read_only, direction) \
             SELECT id, ?2, ?3, ?4, ?5, ?6 FROM sources WHERE id = ?1",
            params![
                source.0,
                remote_href,
                name,
                color,
                read_only,
                if read_only {
                    SyncDirection::PullOnly
                } else {
                    SyncDirection::TwoWay
                }
                .as_str()
            ],
        )?;
        if n == 0 {
            return Err(StoreError::not_found("source", source.0));
        }
        Ok(CalendarId(self.conn.last_insert_rowid()))
    }

    /// All sources, by id.
    pub fn sources(&self) -> Result<Vec<SourceRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {SOURCE_COLUMNS} FROM sources ORDER BY id"))?;
        let rows = stmt.query_map([], source_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One source, if it exists.
    pub fn source(&self, id: SourceId) -> Result<Option<SourceRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {SOURCE_COLUMNS} FROM sources WHERE id = ?1"
        ))?;
        Ok(stmt.query_row([id.0], source_from_row).optional()?)
    }

    /// Applies `patch`; [`StoreError::NotFound`] if the source does not exist.
    pub fn update_source(&mut self, id: SourceId, patch: &SourcePatch) -> Result<()> {
        if let Some(json) = &patch.filters_json {
            check_json(json)?;
        }
        if let Some(v) = patch.interval_secs {
            check_positive("interval_secs", v)?;
        }
        if let Some(v) = patch.max_bytes {
            check_positive("max_bytes", v)?;
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // COALESCE keeps unpatched fields; color needs a separate flag because
        // `Some(None)` must clear it.
        let n = tx.execute(
            "UPDATE sources SET \
               name = COALESCE(?2, name), \
               interval_secs = COALESCE(?3, interval_secs), \
               max_bytes = COALESCE(?4, max_bytes), \
               filters_json = COALESCE(?5, filters_json), \
               enabled = COALESCE(?6, enabled), \
               color = CASE WHEN ?7 THEN ?8 ELSE color END \
             WHERE id = ?1",
            params![
                id.0,
                patch.name,
                patch.interval_secs,
                patch.max_bytes,
                patch.filters_json,
                patch.enabled,
                patch.color.is_some(),
                patch.color.clone().flatten(),
            ],
        )?;
        if n == 0 {
            return Err(StoreError::not_found("source", id.0));
        }
        if let Some(name) = &patch.name {
            // An ICS source *is* its calendar: keep the names equal.
            tx.execute(
                "UPDATE calendars SET name = ?2 WHERE source_id = ?1 \
                 AND (SELECT kind FROM sources WHERE id = ?1) = 'ics'",
                params![id.0, name],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Replaces a source's plain URL by a secret-store key (the URL moved into the
    /// secret store) and its shown form. [`StoreError::NotFound`] if it does not exist.
    pub fn move_url_to_secret(
        &mut self,
        id: SourceId,
        secret_ref: &str,
        url_display: &str,
    ) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE sources SET url = NULL, secret_ref = ?2, url_display = ?3 WHERE id = ?1",
            params![id.0, secret_ref, url_display],
        )?;
        if n == 0 {
            return Err(StoreError::not_found("source", id.0));
        }
        Ok(())
    }

    /// Sets the form of a source's URL that is shown (and logged).
    pub fn set_url_display(&mut self, id: SourceId, url_display: &str) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE sources SET url_display = ?2 WHERE id = ?1",
            params![id.0, url_display],
        )?;
        if n == 0 {
            return Err(StoreError::not_found("source", id.0));
        }
        Ok(())
    }

    /// Removes a source with its calendars, events, occurrences and sync state (one
    /// transaction). Its log rows survive. Returns whether it existed.
    pub fn remove_source(&mut self, id: SourceId) -> Result<bool> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Occurrences hang off no foreign key (see the schema docs): one scan removes
        // those of the source's calendars, then the cascade takes the rest.
        tx.execute(
            "DELETE FROM occurrences WHERE calendar_id IN \
             (SELECT id FROM calendars WHERE source_id = ?1)",
            [id.0],
        )?;
        let n = tx.execute("DELETE FROM sources WHERE id = ?1", [id.0])?;
        tx.commit()?;
        Ok(n > 0)
    }

    /// The calendar of a source (an ICS source has exactly one; for multi-calendar
    /// sources, the first one created). [`StoreError::NotFound`] if there is none.
    pub fn calendar_of(&self, source: SourceId) -> Result<CalendarId> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM calendars WHERE source_id = ?1 ORDER BY id LIMIT 1")?;
        stmt.query_row([source.0], |r| r.get(0))
            .optional()?
            .map(CalendarId)
            .ok_or_else(|| StoreError::not_found("calendar of source", source.0))
    }

    /// Every calendar, by id.
    pub fn calendars(&self) -> Result<Vec<CalendarRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, source_id, remote_href, name, color, read_only, change_token, \
             direction, listed_at, hidden FROM calendars ORDER BY id",
        )?;
        let rows = stmt.query_map([], calendar_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// All calendars of a source, by id.
    pub fn calendars_of(&self, source: SourceId) -> Result<Vec<CalendarRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, source_id, remote_href, name, color, read_only, change_token, \
             direction, listed_at, hidden FROM calendars WHERE source_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([source.0], calendar_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Changes a calendar's own settings (see [`CalendarPatch`]).
    pub fn update_calendar(&mut self, calendar: CalendarId, patch: &CalendarPatch) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (read_only, href): (bool, Option<String>) = tx
            .query_row(
                "SELECT read_only, remote_href FROM calendars WHERE id = ?1",
                [calendar.0],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| StoreError::not_found("calendar", calendar.0))?;
        if let Some(d) = patch.direction {
            if d != SyncDirection::PullOnly && (read_only || href.is_none()) {
                return Err(StoreError::InvalidInput(format!(
                    "calendar {} can only be pulled: {}",
                    calendar.0,
                    if href.is_none() {
                        "it is a feed"
                    } else {
                        "the server does not let this account change it"
                    }
                )));
            }
        }
        tx.execute(
            "UPDATE calendars SET \
               hidden = COALESCE(?2, hidden), \
               color = CASE WHEN ?3 THEN ?4 ELSE color END, \
               direction = COALESCE(?5, direction) \
             WHERE id = ?1",
            params![
                calendar.0,
                patch.hidden,
                patch.color.is_some(),
                patch.color.clone().flatten(),
                patch.direction.map(SyncDirection::as_str),
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records when a calendar was last listed in full (`None`: never, so the next
    /// sync of the account lists it).
    pub fn set_listed_at(&mut self, calendar: CalendarId, at: Option<i64>) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE calendars SET listed_at = ?2 WHERE id = ?1",
            params![calendar.0, at],
        )?;
        if n == 0 {
            return Err(StoreError::not_found("calendar", calendar.0));
        }
        Ok(())
    }

    /// Stores a calendar's collection change token (`None` forgets it, forcing a full
    /// listing next time, e.g. after HTTP 410).
    pub fn set_change_token(&mut self, calendar: CalendarId, token: Option<&str>) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE calendars SET change_token = ?2 WHERE id = ?1",
            params![calendar.0, token],
        )?;
        if n == 0 {
            return Err(StoreError::not_found("calendar", calendar.0));
        }
        Ok(())
    }
}
