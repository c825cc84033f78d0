//! Reminder state kept on this device: per-calendar settings, which reminders fired,
//! which are snoozed and which were dismissed, and small app settings (the user's own
//! addresses). Schema step 2.
//!
//! Reminders are named by their key (built by `traycal_core::remind::ReminderKey`;
//! the mirror treats it as opaque text). Invariants:
//! - **Claiming is atomic.** [`Mirror::mark_fired`] decides "was this reminder new?"
//!   and records it in one IMMEDIATE transaction, on the key's primary key, so two
//!   processes (or two windows) never both show the same reminder. A snoozed reminder
//!   whose snooze ended is claimed by deleting its snooze, under the same rule.
//! - **Nothing leaks.** Every row references its calendar `ON DELETE CASCADE`; removing
//!   a calendar or its source removes its settings and reminder rows. Fired rows,
//!   ended snoozes and dismissals are pruned by age ([`Mirror::prune_reminders`]).
//! - **Local only.** Snoozes and dismissals live here, never in a shared event.
//! - Settings absent from the table read as [`ReminderSettingsRow::defaults`].

use std::collections::{HashMap, HashSet};

use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};
use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};
use crate::{CalendarId, Mirror};

/// Default reminder lead, seconds (the engine validates the offered choices).
pub const DEFAULT_LEAD_SECS: i64 = 300;

/// A calendar's reminder settings as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderSettingsRow {
    pub calendar_id: CalendarId,
    /// Seconds before the start (0 ..= 86 400).
    pub lead_secs: i64,
    pub honour_valarms: bool,
    pub notify_declined: bool,
    pub notify_cancelled: bool,
    pub notify_free: bool,
    pub notify_all_day: bool,
}

impl ReminderSettingsRow {
    /// What a calendar without stored settings gets: five minutes, nothing else.
    pub fn defaults(calendar_id: CalendarId) -> Self {
        ReminderSettingsRow {
            calendar_id,
            lead_secs: DEFAULT_LEAD_SECS,
            honour_valarms: false,
            notify_declined: false,
            notify_cancelled: false,
            notify_free: false,
            notify_all_day: false,
        }
    }
}

/// One reminder being shown, to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FiredReminder<'a> {
    pub key: &'a str,
    pub calendar_id: CalendarId,
    /// UID of the event (kept for diagnostics: which event a key was for).
    pub uid: &'a str,
}

const SETTINGS_COLUMNS: &str = "calendar_id, lead_secs, honour_valarms, notify_declined, \
     notify_cancelled, notify_free, notify_all_day";

fn settings_from_row(r: &Row<'_>) -> rusqlite::Result<ReminderSettingsRow> {
    Ok(ReminderSettingsRow {
        calendar_id: CalendarId(r.get(0)?),
        lead_secs: r.get(1)?,
        honour_valarms: r.get(2)?,
        notify_declined: r.get(3)?,
        notify_cancelled: r.get(4)?,
        notify_free: r.get(5)?,
        notify_all_day: r.get(6)?,
    })
}

/// Runs an upsert of `(key ?1, time ?2)` into a per-calendar reminder table whose
/// rows are selected from `calendars` (`?3`), so a missing calendar inserts nothing
/// and is reported as [`StoreError::NotFound`] rather than a foreign-key failure.
fn put_for_calendar(
    conn: &rusqlite::Connection,
    upsert_sql: &str,
    key: &str,
    time: i64,
    calendar: CalendarId,
) -> Result<()> {
    let n = conn
        .prepare_cached(upsert_sql)?
        .execute(params![key, time, calendar.0])?;
    if n == 0 {
        return Err(StoreError::not_found("calendar", calendar.0));
    }
    Ok(())
}

impl Mirror {
    /// The reminder settings of a calendar (the defaults when none were stored).
    /// [`StoreError::NotFound`] when the calendar does not exist.
    pub fn reminder_settings(&self, calendar: CalendarId) -> Result<ReminderSettingsRow> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.id, s.lead_secs, s.honour_valarms, s.notify_declined, \
             s.notify_cancelled, s.notify_free, s.notify_all_day \
             FROM calendars c LEFT JOIN reminder_settings s ON s.calendar_id = c.id \
             WHERE c.id = ?1",
        )?;
        let found = stmt
            .query_row([calendar.0], |r| {
                let stored: Option<i64> = r.get(1)?;
                match stored {
                    Some(_) => settings_from_row(r).map(Some),
                    None => Ok(None),
                }
            })
            .optional()?;
        match found {
            None => Err(StoreError::not_found("calendar", calendar.0)),
            Some(stored) => Ok(stored.unwrap_or_else(|| ReminderSettingsRow::defaults(calendar))),
        }
    }

    /// Every stored settings row (calendars without one use the defaults), by calendar.
    pub fn stored_reminder_settings(&self) -> Result<Vec<ReminderSettingsRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {SETTINGS_COLUMNS} FROM reminder_settings ORDER BY calendar_id"
        ))?;
        let rows = stmt.query_map([], settings_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Stores a calendar's reminder settings (replacing any). [`StoreError::NotFound`]
    /// when the calendar does not exist; [`StoreError::InvalidInput`] for a lead outside
    /// 0 ..= 86 400 seconds.
    pub fn set_reminder_settings(&mut self, s: &ReminderSettingsRow) -> Result<()> {
        if !(0..=86_400).contains(&s.lead_secs) {
            return Err(StoreError::InvalidInput(format!(
                "a reminder lead must be 0 to 86400 seconds, got {}",
                s.lead_secs
            )));
        }
        let n = self.conn.execute(
            &format!(
                "INSERT INTO reminder_settings ({SETTINGS_COLUMNS}) \
                 SELECT id, ?2, ?3, ?4, ?5, ?6, ?7 FROM calendars WHERE id = ?1 \
                 ON CONFLICT (calendar_id) DO UPDATE SET lead_secs = excluded.lead_secs, \
                 honour_valarms = excluded.honour_valarms, \
                 notify_declined = excluded.notify_declined, \
                 notify_cancelled = excluded.notify_cancelled, \
                 notify_free = excluded.notify_free, notify_all_day = excluded.notify_all_day"
            ),
            params![
                s.calendar_id.0,
                s.lead_secs,
                s.honour_valarms,
                s.notify_declined,
                s.notify_cancelled,
                s.notify_free,
                s.notify_all_day
            ],
        )?;
        if n == 0 {
            return Err(StoreError::not_found("calendar", s.calendar_id.0));
        }
        Ok(())
    }

    /// Keys of the reminders fired at or after `since`.
    pub fn fired_keys(&self, since: i64) -> Result<HashSet<String>> {
        self.keys_since(
            "SELECT key FROM reminders_fired WHERE fired_at >= ?1",
            since,
        )
    }

    /// Keys of the reminders dismissed at or after `since`.
    pub fn dismissed_keys(&self, since: i64) -> Result<HashSet<String>> {
        self.keys_since(
            "SELECT key FROM reminder_dismissals WHERE dismissed_at >= ?1",
            since,
        )
    }

    fn keys_since(&self, sql: &str, since: i64) -> Result<HashSet<String>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map([since], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Snoozed reminders: key → until.
    pub fn snoozed_reminders(&self) -> Result<HashMap<String, i64>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, until FROM reminder_snoozes")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Claims reminders for showing, at `now`: returns the keys this call claimed, in
    /// input order. A key is claimed when it was never fired (it is recorded now), or
    /// when its snooze has ended (the snooze is removed). A key that is dismissed, still
    /// snoozed, already fired, or whose calendar no longer exists is not claimed.
    /// Idempotent, and atomic against other processes (see the module docs).
    pub fn mark_fired(&mut self, reminders: &[FiredReminder<'_>], now: i64) -> Result<Vec<String>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut claimed = Vec::new();
        {
            let mut blocked = tx.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM reminder_dismissals WHERE key = ?1) \
                 OR EXISTS (SELECT 1 FROM reminder_snoozes WHERE key = ?1 AND until > ?2)",
            )?;
            let mut end_snooze =
                tx.prepare_cached("DELETE FROM reminder_snoozes WHERE key = ?1 AND until <= ?2")?;
            // INSERT … SELECT … WHERE EXISTS: a calendar removed meanwhile is skipped
            // instead of failing the foreign key (OR IGNORE does not cover those).
            let mut record = tx.prepare_cached(
                "INSERT OR IGNORE INTO reminders_fired (key, fired_at, calendar_id, uid) \
                 SELECT ?1, ?2, id, ?4 FROM calendars WHERE id = ?3",
            )?;
            for r in reminders {
                if blocked.query_row(params![r.key, now], |row| row.get::<_, bool>(0))? {
                    continue;
                }
                let snooze_ended = end_snooze.execute(params![r.key, now])? > 0;
                let recorded = record.execute(params![r.key, now, r.calendar_id.0, r.uid])? > 0;
                if snooze_ended || recorded {
                    claimed.push(r.key.to_string());
                }
            }
        }
        tx.commit()?;
        Ok(claimed)
    }

    /// Snoozes a reminder until `until` (replacing an earlier snooze; clears nothing
    /// else). [`StoreError::NotFound`] when the calendar does not exist.
    pub fn snooze_reminder(&mut self, key: &str, calendar: CalendarId, until: i64) -> Result<()> {
        put_for_calendar(
            &self.conn,
            "INSERT INTO reminder_snoozes (key, until, calendar_id) \
             SELECT ?1, ?2, id FROM calendars WHERE id = ?3 \
             ON CONFLICT (key) DO UPDATE SET until = excluded.until",
            key,
            until,
            calendar,
        )
    }

    /// Dismisses a reminder at `at`: it is never due again, and any snooze ends.
    /// [`StoreError::NotFound`] when the calendar does not exist.
    pub fn dismiss_reminder(&mut self, key: &str, calendar: CalendarId, at: i64) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        put_for_calendar(
            &tx,
            "INSERT INTO reminder_dismissals (key, dismissed_at, calendar_id) \
             SELECT ?1, ?2, id FROM calendars WHERE id = ?3 \
             ON CONFLICT (key) DO UPDATE SET dismissed_at = excluded.dismissed_at",
            key,
            at,
            calendar,
        )?;
        tx.execute("DELETE FROM reminder_snoozes WHERE key = ?1", [key])?;
        tx.commit()?;
        Ok(())
    }

    /// Forgets reminder rows older than `before`: fired and dismissed before it, and
    /// snoozes that ended before it. Returns the number of rows removed. Callers keep
    /// `before` well behind the oldest meeting they still plan for, or a forgotten
    /// reminder could fire again.
    pub fn prune_reminders(&mut self, before: i64) -> Result<u64> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut n = tx.execute("DELETE FROM reminders_fired WHERE fired_at < ?1", [before])?;
        n += tx.execute(
            "DELETE FROM reminder_dismissals WHERE dismissed_at < ?1",
            [before],
        )?;
        n += tx.execute("DELETE FROM reminder_snoozes WHERE until < ?1", [before])?;
        tx.commit()?;
        Ok(n as u64)
    }

    /// An application setting, if set.
    pub fn app_setting(&self, key: &str) -> Result<Option<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT value FROM app_settings WHERE key = ?1")?;
        Ok(stmt.query_row([key], |r| r.get(0)).optional()?)
    }

    /// Sets (`Some`) or clears (`None`) an application setting.
    pub fn set_app_setting(&mut self, key: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(v) => self.conn.execute(
                "INSERT INTO app_settings (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, v],
            )?,
            None => self
                .conn
                .execute("DELETE FROM app_settings WHERE key = ?1", [key])?,
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{migrate_with, user_version, MIGRATIONS};
    use crate::{NewSource, SourceId, SourceKind, SCHEMA_VERSION};

    fn source(name: &str) -> NewSource {
        NewSource {
            kind: SourceKind::Ics,
            name: name.into(),
            url_display: format!("https://example.com/{name}.ics"),
            url: Some(format!("https://example.com/{name}.ics")),
            secret_ref: None,
            interval_secs: 900,
            max_bytes: 1 << 20,
            filters_json: "{}".into(),
            enabled: true,
            color: None,
            created_at: 1_000,
        }
    }

    fn mirror_with_calendar() -> (Mirror, SourceId, CalendarId) {
        let mut m = Mirror::open_in_memory().unwrap();
        let src = m.add_source(&source("team")).unwrap();
        let cal = m.calendar_of(src).unwrap();
        (m, src, cal)
    }

    fn fired<'a>(key: &'a str, cal: CalendarId) -> FiredReminder<'a> {
        FiredReminder {
            key,
            calendar_id: cal,
            uid: "uid-1",
        }
    }

    fn count(m: &Mirror, table: &str) -> i64 {
        m.conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn settings_default_until_set_and_reject_unknown_calendars() {
        let (mut m, _, cal) = mirror_with_calendar();
        assert_eq!(
            m.reminder_settings(cal).unwrap(),
            ReminderSettingsRow::defaults(cal)
        );
        assert_eq!(m.reminder_settings(cal).unwrap().lead_secs, 300);
        let s = ReminderSettingsRow {
            lead_secs: 900,
            honour_valarms: true,
            notify_free: true,
            ..ReminderSettingsRow::defaults(cal)
        };
        m.set_reminder_settings(&s).unwrap();
        assert_eq!(m.reminder_settings(cal).unwrap(), s);
        let changed = ReminderSettingsRow { lead_secs: 0, ..s };
        m.set_reminder_settings(&changed).unwrap();
        assert_eq!(m.reminder_settings(cal).unwrap().lead_secs, 0);
        assert_eq!(m.stored_reminder_settings().unwrap(), vec![changed]);

        let missing = CalendarId(999);
        let err = m.reminder_settings(missing).unwrap_err();
        assert_eq!(err.kind().as_str(), "store.not_found");
        let err = m
            .set_reminder_settings(&ReminderSettingsRow::defaults(missing))
            .unwrap_err();
        assert_eq!(err.kind().as_str(), "store.not_found");
        let err = m
            .set_reminder_settings(&ReminderSettingsRow { lead_secs: -1, ..s })
            .unwrap_err();
        assert_eq!(err.kind().as_str(), "store.invalid_input");
    }

    #[test]
    fn mark_fired_claims_each_key_once() {
        let (mut m, _, cal) = mirror_with_calendar();
        let got = m
            .mark_fired(&[fired("k1", cal), fired("k2", cal), fired("k1", cal)], 100)
            .unwrap();
        assert_eq!(got, ["k1", "k2"], "a key twice in one call is claimed once");
        let again = m
            .mark_fired(&[fired("k2", cal), fired("k3", cal)], 200)
            .unwrap();
        assert_eq!(again, ["k3"]);
        let keys = m.fired_keys(0).unwrap();
        assert_eq!(keys.len(), 3);
        assert!(keys.contains("k1") && keys.contains("k3"));
        // `since` filters by fired time
        assert_eq!(
            m.fired_keys(150).unwrap(),
            HashSet::from(["k3".to_string()])
        );
        // the first claim's time is kept
        let at: i64 = m
            .conn
            .query_row(
                "SELECT fired_at FROM reminders_fired WHERE key = 'k2'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(at, 100);
    }

    #[test]
    fn two_connections_never_both_claim() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        let mut a = Mirror::open(&path).unwrap();
        let src = a.add_source(&source("team")).unwrap();
        let cal = a.calendar_of(src).unwrap();
        let mut b = Mirror::open(&path).unwrap();
        let keys: Vec<String> = (0..50).map(|i| format!("k{i}")).collect();
        let batch: Vec<FiredReminder<'_>> = keys.iter().map(|k| fired(k, cal)).collect();
        let (ra, rb) = std::thread::scope(|s| {
            let ta = s.spawn(|| a.mark_fired(&batch, 1).unwrap());
            let tb = s.spawn(|| b.mark_fired(&batch, 1).unwrap());
            (ta.join().unwrap(), tb.join().unwrap())
        });
        assert_eq!(ra.len() + rb.len(), 50, "{} + {}", ra.len(), rb.len());
        assert!(ra.iter().all(|k| !rb.contains(k)));
    }

    #[test]
    fn unknown_calendar_is_not_claimed() {
        let (mut m, _, _) = mirror_with_calendar();
        let got = m.mark_fired(&[fired("k", CalendarId(42))], 1).unwrap();
        assert!(got.is_empty());
        assert_eq!(count(&m, "reminders_fired"), 0);
    }

    #[test]
    fn snooze_is_claimed_again_when_it_ends() {
        let (mut m, _, cal) = mirror_with_calendar();
        assert_eq!(m.mark_fired(&[fired("k", cal)], 100).unwrap(), ["k"]);
        m.snooze_reminder("k", cal, 400).unwrap();
        assert_eq!(
            m.snoozed_reminders().unwrap(),
            HashMap::from([("k".to_string(), 400)])
        );
        // still snoozed: not claimable
        assert!(m.mark_fired(&[fired("k", cal)], 399).unwrap().is_empty());
        // snooze over: claimed once, and the snooze is gone
        assert_eq!(m.mark_fired(&[fired("k", cal)], 400).unwrap(), ["k"]);
        assert!(m.mark_fired(&[fired("k", cal)], 401).unwrap().is_empty());
        assert!(m.snoozed_reminders().unwrap().is_empty());
        // a later snooze replaces an earlier one
        m.snooze_reminder("k", cal, 500).unwrap();
        m.snooze_reminder("k", cal, 600).unwrap();
        assert_eq!(m.snoozed_reminders().unwrap()["k"], 600);
        let err = m.snooze_reminder("k", CalendarId(9), 1).unwrap_err();
        assert_eq!(err.kind().as_str(), "store.not_found");
    }

    #[test]
    fn dismissed_is_never_claimed_and_ends_the_snooze() {
        let (mut m, _, cal) = mirror_with_calendar();
        m.mark_fired(&[fired("k", cal)], 100).unwrap();
        m.snooze_reminder("k", cal, 200).unwrap();
        m.dismiss_reminder("k", cal, 150).unwrap();
        assert!(m.snoozed_reminders().unwrap().is_empty());
        assert!(m.mark_fired(&[fired("k", cal)], 300).unwrap().is_empty());
        // dismissed before it ever fired
        m.dismiss_reminder("early", cal, 150).unwrap();
        assert!(m
            .mark_fired(&[fired("early", cal)], 300)
            .unwrap()
            .is_empty());
        assert_eq!(
            m.dismissed_keys(0).unwrap(),
            HashSet::from(["k".to_string(), "early".to_string()])
        );
        assert!(m.dismissed_keys(151).unwrap().is_empty());
    }

    #[test]
    fn prune_forgets_old_rows_only() {
        let (mut m, _, cal) = mirror_with_calendar();
        m.mark_fired(&[fired("old", cal)], 100).unwrap();
        m.mark_fired(&[fired("new", cal)], 1_000).unwrap();
        m.snooze_reminder("old", cal, 150).unwrap();
        m.snooze_reminder("new", cal, 2_000).unwrap();
        m.dismiss_reminder("gone", cal, 50).unwrap();
        assert_eq!(m.prune_reminders(500).unwrap(), 3);
        assert_eq!(m.fired_keys(0).unwrap(), HashSet::from(["new".to_string()]));
        assert_eq!(m.snoozed_reminders().unwrap().len(), 1);
        assert!(m.dismissed_keys(0).unwrap().is_empty());
    }

    #[test]
    fn removing_a_source_removes_its_reminder_rows() {
        let (mut m, src, cal) = mirror_with_calendar();
        let other_src = m.add_source(&source("other")).unwrap();
        let other = m.calendar_of(other_src).unwrap();
        for c in [cal, other] {
            m.set_reminder_settings(&ReminderSettingsRow {
                lead_secs: 60,
                ..ReminderSettingsRow::defaults(c)
            })
            .unwrap();
            let key = format!("fired-{c}");
            m.mark_fired(&[fired(&key, c)], 10).unwrap();
            m.snooze_reminder(&format!("snoozed-{c}"), c, 20).unwrap();
            m.dismiss_reminder(&format!("dismissed-{c}"), c, 30)
                .unwrap();
        }
        assert!(m.remove_source(src).unwrap());
        for table in [
            "reminder_settings",
            "reminders_fired",
            "reminder_snoozes",
            "reminder_dismissals",
        ] {
            assert_eq!(
                count(&m, table),
                1,
                "{table} keeps only the other calendar's row"
            );
        }
        assert_eq!(m.reminder_settings(other).unwrap().lead_secs, 60);
        assert!(m.fired_keys(0).unwrap().contains(&format!("fired-{other}")));
    }

    #[test]
    fn app_settings_set_replace_and_clear() {
        let (mut m, _, _) = mirror_with_calendar();
        assert_eq!(m.app_setting("my_addresses").unwrap(), None);
        m.set_app_setting("my_addresses", Some("[\"a@b.c\"]"))
            .unwrap();
        m.set_app_setting("my_addresses", Some("[\"d@e.f\"]"))
            .unwrap();
        assert_eq!(
            m.app_setting("my_addresses").unwrap().as_deref(),
            Some("[\"d@e.f\"]")
        );
        m.set_app_setting("my_addresses", None).unwrap();
        assert_eq!(m.app_setting("my_addresses").unwrap(), None);
    }

    #[test]
    fn version_1_file_is_migrated_with_its_data_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        {
            // A file as a version-1 build left it: step 1 only, with a source.
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            migrate_with(&mut conn, &MIGRATIONS[..1]).unwrap();
            assert_eq!(user_version(&conn).unwrap(), 1);
            conn.execute_batch(
                "INSERT INTO sources (id, kind, name, url_display, url, interval_secs, \
                 max_bytes, created_at) VALUES (7, 'ics', 'Team', 'https://x/t.ics', \
                 'https://x/t.ics', 900, 1000, 5); \
                 INSERT INTO calendars (id, source_id, name) VALUES (3, 7, 'Team'); \
                 INSERT INTO sync_state (source_id) VALUES (7);",
            )
            .unwrap();
        }
        let mut m = Mirror::open(&path).unwrap();
        assert_eq!(SCHEMA_VERSION, 7);
        assert_eq!(m.schema_version().unwrap(), 7);
        // step 3's columns start empty
        let st = m.sync_state(SourceId(7)).unwrap();
        assert_eq!((st.notice, st.unclosed_ok), (None, false));
        let sources = m.sources().unwrap();
        assert_eq!(sources.len(), 1);
        assert_eq!(
            (sources[0].id, sources[0].name.as_str()),
            (SourceId(7), "Team")
        );
        assert_eq!(m.calendar_of(SourceId(7)).unwrap(), CalendarId(3));
        // the new tables work on the migrated file
        let cal = CalendarId(3);
        assert_eq!(m.reminder_settings(cal).unwrap().lead_secs, 300);
        assert_eq!(m.mark_fired(&[fired("k", cal)], 9).unwrap(), ["k"]);
        drop(m);
        // reopening does not migrate again
        let m = Mirror::open(&path).unwrap();
        assert_eq!(m.schema_version().unwrap(), 7);
        assert!(m.fired_keys(0).unwrap().contains("k"));
        assert!(m.check_integrity().unwrap());
    }
}
