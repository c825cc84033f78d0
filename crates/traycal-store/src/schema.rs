//! Schema and versioned migrations of the mirror.
//!
//! The schema version lives in `PRAGMA user_version`. [`MIGRATIONS`] is an append-only
//! list: step *n* (1-based) upgrades version *n − 1* to *n*. Each step runs in its own
//! IMMEDIATE transaction together with the `user_version` bump, so a crash mid-upgrade
//! leaves the file at the previous version, never in between. Released steps are never
//! edited, only new steps appended.
//!
//! A file whose version is newer than [`SCHEMA_VERSION`] is refused untouched
//! ([`StoreError::SchemaTooNew`]): an old build must not write rows a newer schema
//! gives another meaning.
//!
//! Design notes for step 1 (two-way sync ready, guide §4). Step 1 was reshaped before
//! any release (no build with the earlier layout was ever distributed):
//! - `events` has one row per component, keyed `UNIQUE(calendar_id, uid, recurrence_id)`
//!   with `recurrence_id = ''` for the master, so a full listing reconciles by
//!   UID + RECURRENCE-ID and can never duplicate. `href`/`etag`/`local_state` and, in
//!   `event_texts`, `base_raw`/`local_raw` carry the three-way-merge state for
//!   CalDAV/Google/Graph.
//! - **Big text lives apart.** The raw component (~2 KB per event in real feeds) and the
//!   merge versions are in `event_texts`, one row per event, so `events` stays a slim
//!   ~250-byte row that the agenda and reconciliation read without paging through raw
//!   text. The description is not stored twice: it is read from the raw component.
//! - `events_reconcile` covers everything `event_index` reads, so reconciliation is one
//!   sequential index scan.
//! - `occurrences` is a clustered (`WITHOUT ROWID`) table keyed by
//!   `(span_class, start_utc, event_id)`: the agenda's range scans read it directly, and
//!   a first sync appends to it in key order. `span_class` buckets occurrences by
//!   duration (see [`crate::occurrences::SPAN_CLASS_BOUNDS`]) so the overlap query is a
//!   handful of bounded range scans, correct for multi-day events and immune to one
//!   year-long outlier widening every query.
//! - `occurrences` deliberately has **no foreign key and no index on `event_id`**: an
//!   index keyed by event would take ~400k random insertions on a large first sync (it
//!   doubled the write time), and a foreign key without one would make every event
//!   delete scan the table. Instead every path that deletes or replaces events removes
//!   their occurrences explicitly, in one scan per transaction (tens of milliseconds
//!   for 400k rows); tests check that no occurrence outlives its event.
//! - `occurrences.calendar_id` is denormalised from its event (always equal), so
//!   removing a calendar is one delete.
//! - `sync_log.source_id` is `ON DELETE SET NULL` and the log keeps `source_name`, so the
//!   history of a removed source stays readable.
//!
//! Step 2 adds the reminder state kept on this device ([`crate::reminders`]): settings
//! per calendar, fired / snoozed / dismissed reminders keyed by their reminder key, and
//! `app_settings`. Every reminder row references its calendar `ON DELETE CASCADE`
//! (indexed, so removing a calendar does not scan), so removing a source or calendar
//! leaves none behind; fired rows are also pruned by age.
//!
//! Step 3 keeps what a sync had to leave out: the diagnostics of each log row
//! (`sync_log.notes`), the budget cut of the last applied sync (`sync_state.notice`),
//! and whether the feed habitually ends without `END:VCALENDAR`
//! (`sync_state.unclosed_ok`). It also makes the next sync of every source rewrite
//! every event once, because this build reads some values differently.
//!
//! Step 4 moves the two-way state to the grain a server versions (guide §3): one
//! `remote_objects` row per href (CalDAV: master + overrides + VTIMEZONEs) or per
//! instance id (Google, Graph), with its base and local versions; an `outbox` of
//! pending local operations; `conflicts` keeping base, local and remote; the
//! VTIMEZONEs of each calendar; a calendar's sync direction; pushed and conflict counts
//! in the log. The unused per-component columns (`events.href`, `etag`, `local_state`,
//! `event_texts.base_raw`, `local_raw`) are dropped.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Result, StoreError};

/// Migration steps, in order. Index `i` upgrades from version `i` to `i + 1`.
/// Public so tests can build a file as an earlier release left it (its first steps).
pub const MIGRATIONS: &[&str] = &[
    // ---- version 1: initial schema ----
    r#"
CREATE TABLE sources (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (kind IN ('ics', 'caldav', 'google', 'microsoft')),
    name          TEXT    NOT NULL,
    url_display   TEXT    NOT NULL,            -- masked form, safe to show and log
    url           TEXT,                        -- plain URL, only when it carries no secret
    secret_ref    TEXT,                        -- keyring key when the URL (or login) is secret
    interval_secs INTEGER NOT NULL CHECK (interval_secs > 0),
    max_bytes     INTEGER NOT NULL CHECK (max_bytes > 0),
    filters_json  TEXT    NOT NULL DEFAULT '{}',
    enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    color         TEXT,
    created_at    INTEGER NOT NULL,
    -- a secret URL lives only in the keyring: never both forms at once
    CHECK (url IS NULL OR secret_ref IS NULL)
);

CREATE TABLE calendars (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    remote_href  TEXT,                         -- NULL for ICS (the source URL is the calendar)
    name         TEXT    NOT NULL,
    color        TEXT,
    read_only    INTEGER NOT NULL DEFAULT 1 CHECK (read_only IN (0, 1)),
    change_token TEXT,                         -- CalDAV sync-token/ctag, Google nextSyncToken, Graph deltaLink
    UNIQUE (source_id, remote_href)
);

CREATE TABLE events (
    id             INTEGER PRIMARY KEY,
    calendar_id    INTEGER NOT NULL REFERENCES calendars(id) ON DELETE CASCADE,
    uid            TEXT    NOT NULL,
    recurrence_id  TEXT    NOT NULL DEFAULT '',  -- '' = master
    start_utc      INTEGER NOT NULL,
    end_utc        INTEGER NOT NULL,
    all_day        INTEGER NOT NULL DEFAULT 0,
    floating       INTEGER NOT NULL DEFAULT 0,
    sequence       INTEGER NOT NULL DEFAULT 0,
    content_hash   INTEGER NOT NULL,
    fingerprint    INTEGER NOT NULL,
    series_end_utc INTEGER,                      -- NULL = open-ended
    removed_at     INTEGER,                      -- set when kept as history
    updated_at     INTEGER NOT NULL,
    local_state    TEXT    NOT NULL DEFAULT 'synced'
                   CHECK (local_state IN ('synced', 'created', 'modified', 'deleted')),
    summary        TEXT,
    location       TEXT,
    tzid           TEXT,
    status         TEXT,
    transp         TEXT,
    rrule          TEXT,
    href           TEXT,
    etag           TEXT,
    UNIQUE (calendar_id, uid, recurrence_id)
);

-- the big text of each event, apart from the slim rows the agenda reads
CREATE TABLE event_texts (
    event_id  INTEGER PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
    raw       TEXT NOT NULL,                   -- the component as last received
    base_raw  TEXT,                            -- version last agreed with the server
    local_raw TEXT                             -- pending local edit
);

-- covering index for event_index() and live counts: one sequential index scan
CREATE INDEX events_reconcile ON events (
    calendar_id, uid, recurrence_id, content_hash, fingerprint,
    start_utc, series_end_utc, removed_at
);

CREATE TABLE occurrences (
    span_class    INTEGER NOT NULL,              -- duration bucket, see occurrences.rs
    start_utc     INTEGER NOT NULL,
    event_id      INTEGER NOT NULL,              -- events.id; no FK, see the module docs
    end_utc       INTEGER NOT NULL,
    calendar_id   INTEGER NOT NULL,              -- = events.calendar_id of event_id
    all_day       INTEGER NOT NULL DEFAULT 0,
    floating      INTEGER NOT NULL DEFAULT 0,
    recurrence_id TEXT    NOT NULL DEFAULT '',   -- instance id, '' for non-recurring
    CHECK (end_utc >= start_utc),
    PRIMARY KEY (span_class, start_utc, event_id)
) WITHOUT ROWID;

CREATE TABLE sync_state (
    source_id            INTEGER PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
    etag                 TEXT,
    last_modified        TEXT,
    content_hash         INTEGER,
    last_attempt_at      INTEGER,
    last_success_at      INTEGER,
    next_due_at          INTEGER,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_error           TEXT,
    last_error_code      TEXT,
    event_count          INTEGER NOT NULL DEFAULT 0,
    window_from          INTEGER,
    window_to            INTEGER
);

CREATE TABLE sync_log (
    id              INTEGER PRIMARY KEY,
    source_id       INTEGER REFERENCES sources(id) ON DELETE SET NULL,
    source_name     TEXT    NOT NULL,            -- kept so history survives removal
    at              INTEGER NOT NULL,
    outcome         TEXT    NOT NULL
                    CHECK (outcome IN ('updated', 'unchanged', 'not_modified', 'failed')),
    added           INTEGER NOT NULL DEFAULT 0,
    updated         INTEGER NOT NULL DEFAULT 0,
    removed         INTEGER NOT NULL DEFAULT 0,
    kept_as_history INTEGER NOT NULL DEFAULT 0,
    diagnostics     INTEGER NOT NULL DEFAULT 0,
    duration_ms     INTEGER NOT NULL DEFAULT 0,
    error           TEXT,
    error_code      TEXT
);

CREATE INDEX sync_log_source ON sync_log (source_id, at, id);
CREATE INDEX sync_log_at ON sync_log (at, id);
"#,
    // ---- version 2: reminder state kept on this device (see reminders.rs) ----
    r#"
-- per-calendar reminder preferences; a calendar without a row gets the defaults
CREATE TABLE reminder_settings (
    calendar_id      INTEGER PRIMARY KEY REFERENCES calendars(id) ON DELETE CASCADE,
    lead_secs        INTEGER NOT NULL DEFAULT 300 CHECK (lead_secs BETWEEN 0 AND 86400),
    honour_valarms   INTEGER NOT NULL DEFAULT 0 CHECK (honour_valarms IN (0, 1)),
    notify_declined  INTEGER NOT NULL DEFAULT 0 CHECK (notify_declined IN (0, 1)),
    notify_cancelled INTEGER NOT NULL DEFAULT 0 CHECK (notify_cancelled IN (0, 1)),
    notify_free      INTEGER NOT NULL DEFAULT 0 CHECK (notify_free IN (0, 1)),
    notify_all_day   INTEGER NOT NULL DEFAULT 0 CHECK (notify_all_day IN (0, 1))
);

-- reminders shown on this device, so none is shown twice (across restarts, re-syncs
-- and processes: the primary key is the claim)
CREATE TABLE reminders_fired (
    key         TEXT    PRIMARY KEY,
    fired_at    INTEGER NOT NULL,
    calendar_id INTEGER NOT NULL REFERENCES calendars(id) ON DELETE CASCADE,
    uid         TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX reminders_fired_at ON reminders_fired (fired_at);
CREATE INDEX reminders_fired_calendar ON reminders_fired (calendar_id);

-- snoozed reminders: due again at `until`; never written into the event
CREATE TABLE reminder_snoozes (
    key         TEXT    PRIMARY KEY,
    until       INTEGER NOT NULL,
    calendar_id INTEGER NOT NULL REFERENCES calendars(id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX reminder_snoozes_calendar ON reminder_snoozes (calendar_id);

-- dismissed reminders: never due again
CREATE TABLE reminder_dismissals (
    key          TEXT    PRIMARY KEY,
    dismissed_at INTEGER NOT NULL,
    calendar_id  INTEGER NOT NULL REFERENCES calendars(id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX reminder_dismissals_calendar ON reminder_dismissals (calendar_id);

-- small application settings (e.g. `my_addresses`), one value per key
CREATE TABLE app_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
"#,
    // ---- version 3: what a sync cut or worked around, and feeds without END:VCALENDAR ----
    r#"
-- the diagnostics of one sync (dropped components, series cut by the budget), one
-- per line, capped: what the log shows beside the counts
ALTER TABLE sync_log ADD COLUMN notes TEXT;
-- errors are kept in plain words (`error`, `last_error`) with the technical account
-- beside them, shown behind a disclosure
ALTER TABLE sync_log ADD COLUMN error_detail TEXT;
ALTER TABLE sync_state ADD COLUMN last_error_detail TEXT;
-- what the last applied sync had to leave out (series cut by the occurrence budget),
-- shown with the source until a sync no longer needs to; NULL when nothing was cut
ALTER TABLE sync_state ADD COLUMN notice TEXT;
-- 1 when the last applied body had no END:VCALENDAR: that feed's habit, so a body
-- without it is not taken for a cut-off download
ALTER TABLE sync_state ADD COLUMN unclosed_ok INTEGER NOT NULL DEFAULT 0
    CHECK (unclosed_ok IN (0, 1));
-- this build reads some values differently (a DURATION's hours are exact, floating
-- times in an X-WR-TIMEZONE calendar are in that zone): the next sync of every
-- source fetches, parses and rewrites everything once
UPDATE events SET content_hash = 0;
UPDATE sync_state SET content_hash = NULL, window_to = NULL;
"#,
    // ---- version 4: two-way state at the remote-object grain (see objects.rs) ----
    r#"
-- what a server versions: one VCALENDAR body under one href + etag (CalDAV: the master,
-- its overrides and their VTIMEZONEs; instance = ''), or one instance under its own id
-- (Google, Graph: instance = its RECURRENCE-ID). Its components are the `events` rows
-- of the same calendar and UID (and recurrence_id = instance when instance <> '').
-- Feeds have none: their events are the feed's alone.
CREATE TABLE remote_objects (
    id          INTEGER PRIMARY KEY,
    calendar_id INTEGER NOT NULL REFERENCES calendars(id) ON DELETE CASCADE,
    uid         TEXT    NOT NULL,
    instance    TEXT    NOT NULL DEFAULT '',
    remote_id   TEXT,                       -- href or provider id; NULL until first pushed
    etag        TEXT,                       -- the server's version of base_raw
    base_raw    TEXT,                       -- last version agreed with the server
    local_raw   TEXT,                       -- pending local version
    state       TEXT    NOT NULL DEFAULT 'synced'
                CHECK (state IN ('synced', 'created', 'modified', 'deleted', 'conflict')),
    updated_at  INTEGER NOT NULL,
    UNIQUE (calendar_id, uid, instance),
    CHECK (state <> 'synced' OR local_raw IS NULL),
    CHECK (state NOT IN ('created', 'modified') OR local_raw IS NOT NULL),
    CHECK (state <> 'created' OR base_raw IS NULL)
);
CREATE UNIQUE INDEX remote_objects_remote_id ON remote_objects (calendar_id, remote_id)
    WHERE remote_id IS NOT NULL;

-- pending local operations, in the order the user made them (id), one per object:
-- later edits of the same object fold into its entry (see objects.rs)
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    object_id       INTEGER NOT NULL UNIQUE REFERENCES remote_objects(id) ON DELETE CASCADE,
    op              TEXT    NOT NULL CHECK (op IN ('create', 'update', 'delete')),
    queued_at       INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_error      TEXT,
    last_error_code TEXT
);

-- a local change met a remote one: all three versions kept, nothing overwritten
CREATE TABLE conflicts (
    id          INTEGER PRIMARY KEY,
    object_id   INTEGER NOT NULL REFERENCES remote_objects(id) ON DELETE CASCADE,
    base_raw    TEXT,                       -- NULL: created here
    local_raw   TEXT,                       -- NULL: deleted here
    remote_raw  TEXT,                       -- NULL: deleted on the server
    remote_etag TEXT,
    detected_at INTEGER NOT NULL,
    resolved_at INTEGER
);
CREATE INDEX conflicts_object ON conflicts (object_id);

-- the VTIMEZONEs a calendar's data defines, so its events re-expand offline
CREATE TABLE calendar_timezones (
    calendar_id INTEGER NOT NULL REFERENCES calendars(id) ON DELETE CASCADE,
    tzid        TEXT    NOT NULL,
    raw         TEXT    NOT NULL,
    PRIMARY KEY (calendar_id, tzid)
) WITHOUT ROWID;

-- which way a calendar syncs; feeds are pulled only
ALTER TABLE calendars ADD COLUMN direction TEXT NOT NULL DEFAULT 'two_way'
    CHECK (direction IN ('two_way', 'pull_only', 'push_only'));
UPDATE calendars SET direction = 'pull_only' WHERE read_only = 1;

-- what a sync pushed and the conflicts it found, beside its pulled counts
ALTER TABLE sync_log ADD COLUMN pushed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_log ADD COLUMN conflicts INTEGER NOT NULL DEFAULT 0;

-- the per-component two-way columns of step 1: the state lives in remote_objects now.
-- Nothing ever wrote them (every row is 'synced' with NULLs).
ALTER TABLE events DROP COLUMN href;
ALTER TABLE events DROP COLUMN etag;
ALTER TABLE events DROP COLUMN local_state;
ALTER TABLE event_texts DROP COLUMN base_raw;
ALTER TABLE event_texts DROP COLUMN local_raw;
"#,
    // 5
    r#"
-- hashes of the texts sent for an outbox entry whose answers never came (space-
-- separated, the last 16): when an answer was lost (a crash, a dropped connection)
-- and the object was edited again, the server's version is recognised as our own
-- push and becomes the base of the newer edit, rather than a conflict with ourselves
ALTER TABLE outbox ADD COLUMN sent_hashes TEXT NOT NULL DEFAULT '';

-- the objects with a local change not yet on the server (the agenda marks their events)
CREATE INDEX remote_objects_pending ON remote_objects (calendar_id, uid)
    WHERE state <> 'synced';
"#,
    // 6
    r#"
-- the zone a calendar's document names for itself (X-WR-TIMEZONE): with the stored
-- VTIMEZONEs and event texts, the calendar re-expands from the mirror alone (a window
-- that moved, an agenda further ahead, offline)
ALTER TABLE calendars ADD COLUMN zone TEXT;
-- feeds applied before this step have no zone (and, before step 4, no VTIMEZONEs)
-- stored: their next sync downloads and applies the whole feed once, which stores them
-- (a re-expansion from the mirror waits for that: it needs a known last body)
UPDATE sync_state SET etag = NULL, last_modified = NULL, content_hash = NULL
    WHERE source_id IN (SELECT id FROM sources WHERE kind = 'ics');

-- an account's settings to connect it again (server, user, calendar homes; JSON, no
-- secret: the password is in the secret store under secret_ref)
ALTER TABLE sources ADD COLUMN account_json TEXT;
"#,
    // 7
    r#"
-- when an account's calendar was last listed in full (every item's etag, compared
-- with the mirror): once a day this catches what a change token missed (a server that
-- answers a token it does not know with "no changes"); NULL: never, so the next sync
-- lists it
ALTER TABLE calendars ADD COLUMN listed_at INTEGER;

-- a calendar the user chose not to see: left out of the agenda, the tray and the
-- reminders, still synced (showing it again needs no download)
ALTER TABLE calendars ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
"#,
];

/// Schema version this build creates and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Reads `PRAGMA user_version`.
pub(crate) fn user_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Brings the database to [`SCHEMA_VERSION`], one transaction per step.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_with(conn, MIGRATIONS)
}

/// [`migrate`] over an explicit step list (lets tests exercise failure paths).
pub(crate) fn migrate_with(conn: &mut Connection, steps: &[&str]) -> Result<()> {
    let supported = steps.len() as i64;
    let found = user_version(conn)?;
    if found > supported {
        return Err(StoreError::SchemaTooNew { found, supported });
    }
    for (index, sql) in steps.iter().enumerate().skip(found as usize) {
        let target = index as i64 + 1;
        // IMMEDIATE: take the write lock before re-reading the version, so two
        // processes opening the same fresh file cannot both run the same step.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = user_version(&tx)?;
        if current >= target {
            // Someone else migrated while we waited for the lock.
            continue;
        }
        tx.execute_batch(sql)?;
        // user_version lives in the header page, so the bump commits atomically
        // with the step. PRAGMA does not take bound parameters; `target` is an integer.
        tx.execute_batch(&format!("PRAGMA user_version = {target}"))?;
        tx.commit()?;
    }
    Ok(())
}
