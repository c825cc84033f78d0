//! One sync of an account source (a CalDAV, Google or Microsoft account): each of its
//! calendars through the two-way pipeline ([`crate::two_way`]), with the provider the
//! shell connected, reported and logged as one attempt with one [`SyncCounts`].
//!
//! This is what [`Engine::sync_source`] does for a source that is not an ICS feed, so
//! `traycal run`, the tray's loop and "Sync now" sync accounts the same way as feeds,
//! on the same schedule ([`Engine::due_sources`]: an account with a local change
//! waiting is due at once, or when its failed push may be retried).
//!
//! Invariants:
//! - an account with no connected provider fails its sync with a clear error that
//!   says to sign in, backs off like any failure, and changes nothing stored;
//! - a calendar's failure ends the source's sync with that error, naming the
//!   calendar; what the calendars before it did stays (each step of the pipeline is
//!   its own transaction) and their pending changes stay pending;
//! - a sync that changed nothing and found nothing wrong is a quiet check (kept in
//!   memory, like an unchanged feed's), so polling an idle account does not grow the
//!   log.

use traycal_core::sync_counts::SyncCounts;
use traycal_providers::{AnyProvider, ProviderError, ProviderErrorKind};
use traycal_store::{LogEntry, SourceRow, SyncOutcome, SyncStateRow, SyncStateUpdate};

use crate::error::{EngineError, Result};
use crate::sync::SyncReport;
use crate::{forget_quiet, record_quiet, Attempt, Engine};

/// The lines of a sync's notes that name unreadable server items (the rest counted).
const MAX_PROBLEMS_REPORTED: usize = 50;

impl Engine {
    /// Connects the account `source` to its server: its syncs go through `provider`
    /// from now on (the shell builds the provider from the account's settings and its
    /// keyring secret).
    pub fn connect_account(&self, source: i64, provider: impl Into<AnyProvider>) {
        let mut accounts = self
            .accounts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        accounts.insert(source, provider.into());
    }

    /// Forgets the connection of `source` (signed out, or the account removed).
    pub fn disconnect_account(&self, source: i64) {
        let mut accounts = self
            .accounts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        accounts.remove(&source);
    }

    pub(crate) fn provider_of(&self, source: i64) -> Option<AnyProvider> {
        let accounts = self
            .accounts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        accounts.get(&source).cloned()
    }

    /// One sync of the account `source`: every calendar it holds, one after another.
    pub(crate) async fn sync_account_now(
        &self,
        source: &SourceRow,
        state: &SyncStateRow,
        attempt: Attempt,
    ) -> Result<SyncReport> {
        let Attempt {
            next_due_at,
            started,
            deletions,
            ..
        } = attempt;
        let provider = self.account_provider(source).await?.ok_or_else(|| {
            EngineError::Provider(ProviderError::new(
                ProviderErrorKind::Unauthorized,
                format!(
                    "Traycal is not signed in to the account {:?}: sign in to it again",
                    source.name
                ),
            ))
        })?;
        let id = source.id;
        let calendars: Vec<_> = self
            .with_mirror(move |m| {
                Ok(m.calendars()?
                    .into_iter()
                    .filter(|c| c.source_id == id && c.remote_href.is_some())
                    .collect())
            })
            .await?;
        let mut counts = SyncCounts::default();
        let mut problems: Vec<String> = Vec::new();
        for calendar in &calendars {
            let report = self
                .sync_two_way_deciding(&provider, calendar.id, deletions)
                .await
                .map_err(|e| in_calendar(e, &calendar.name))?;
            counts += report.counts;
            problems.extend(
                report
                    .problems
                    .into_iter()
                    .map(|p| format!("{}: {p}", calendar.name)),
            );
        }
        let now = self.now();
        if !counts.changed_anything() && problems.is_empty() {
            let (src, st, quiet) = (source.clone(), state.clone(), self.quiet.clone());
            return self
                .with_mirror(move |m| {
                    record_quiet(
                        m,
                        &quiet,
                        &src,
                        &st,
                        SyncOutcome::Unchanged,
                        None,
                        now,
                        next_due_at,
                        started,
                    )
                })
                .await;
        }
        forget_quiet(&self.quiet, source.id.0);
        let window = self.window(now);
        let duration_ms = started.elapsed().as_millis() as u64;
        let notes = traycal_store::sync_log::notes_text(
            &problems
                .iter()
                .take(MAX_PROBLEMS_REPORTED)
                .cloned()
                .collect::<Vec<_>>(),
        );
        let diagnostics = problems.len() as u64;
        let events = self
            .with_mirror(move |m| {
                let state = SyncStateUpdate {
                    attempted_at: now,
                    next_due_at,
                    window_from: Some(window.from),
                    window_to: Some(window.to),
                    ..SyncStateUpdate::default()
                };
                let log = LogEntry {
                    outcome: SyncOutcome::Updated,
                    counts,
                    diagnostics,
                    duration_ms,
                    notes: notes.as_deref(),
                    ..LogEntry::default()
                };
                Ok(m.record_synced(id, &state, &log)?)
            })
            .await?;
        Ok(SyncReport {
            source_id: source.id.0,
            source_name: source.name.clone(),
            outcome: SyncOutcome::Updated.as_str().to_string(),
            counts,
            events: u64::try_from(events).unwrap_or(0),
            diagnostics: problems,
            duration_ms,
            next_due_at,
            ..SyncReport::default()
        })
    }
}

/// Names the calendar in a provider's error (an account has several).
fn in_calendar(e: EngineError, calendar: &str) -> EngineError {
    match e {
        EngineError::Provider(p) => {
            let detail = match p.detail() {
                Some(d) => format!("calendar {calendar:?}: {d}"),
                None => format!("calendar {calendar:?}"),
            };
            EngineError::Provider(p.with_detail(detail))
        }
        other => other,
    }
}
