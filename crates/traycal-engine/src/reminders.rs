//! Reminders over the mirror: what is due now and when the next one is
//! ([`Engine::plan_reminders`]), claiming reminders for showing so each is shown once
//! ([`Engine::claim_reminders`], [`Engine::claim_due_reminders`]), snooze, dismiss,
//! and the settings (per calendar, and the user's own addresses).
//!
//! A plan reads the occurrences from [`LOOK_BEHIND`] before `now` to [`LOOK_AHEAD`]
//! after it through the agenda (so all-day and floating times are placed in the user's
//! zone exactly as the agenda shows them), reads each event's raw component once for
//! its alarms, organiser, the user's PARTSTAT and join link, and hands everything to
//! the pure planner (`traycal_core::remind`). The rules live there.
//!
//! Invariants:
//! - a reminder is shown only after this device claimed it in the mirror
//!   ([`traycal_store::Mirror::mark_fired`], atomic): across restarts, re-syncs and
//!   two running processes, each reminder key is claimed once (a snoozed one once more
//!   per snooze);
//! - the scheduler never polls: [`ReminderPlan::wake_at`] is the next fire time, or
//!   the moment the look-ahead must move ([`REPLAN_AFTER`]), whichever is first. It
//!   must also re-plan when the mirror changes (a sync), the clock jumps or the
//!   machine wakes — those are the shell's to notice;
//! - snoozes and dismissals are kept in the mirror only, never written into an event;
//! - reminder rows are kept [`REMINDER_MEMORY`] and then pruned: far longer than any
//!   reminder can be due (a meeting is reminded at most [`LOOK_AHEAD`] before and
//!   `CATCH_UP_LIMIT` after its start), so a pruned reminder can never come back.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use traycal_core::join::{Catalogue, JoinLink};
use traycal_core::remind::{
    self, alarm_triggers, attendance, AlarmTrigger, Attendance, Lead, Meeting, ReminderKey,
    ReminderSettings, ReminderState, SettingsByCalendar,
};
use traycal_store::{CalendarId, EventId, EventRow, FiredReminder, Mirror, ReminderSettingsRow};

use crate::agenda::AgendaEntry;
use crate::error::{EngineError, Result};
use crate::Engine;

/// How far back a plan looks for meetings (a running meeting's late reminder).
pub const LOOK_BEHIND: i64 = 86_400;
/// How far ahead a plan looks: one day of reminders plus a day of early alarms.
pub const LOOK_AHEAD: i64 = 2 * 86_400;
/// A plan is renewed at least this often, so reminders of meetings beyond the
/// look-ahead are planned in time (a day ahead of the look-ahead's end).
pub const REPLAN_AFTER: i64 = 86_400;
/// How long fired, snoozed and dismissed reminders are remembered.
pub const REMINDER_MEMORY: i64 = 60 * 86_400;
/// Longest snooze accepted, minutes.
pub const MAX_SNOOZE_MINUTES: u32 = 24 * 60;

/// `app_settings` key of the user's own addresses (a JSON array of strings).
const MY_ADDRESSES: &str = "my_addresses";
/// App setting: the global join shortcut ("" = off).
const JOIN_SHORTCUT: &str = "join_shortcut";
/// The `app_settings` key of the Snooze length.
const SNOOZE_MINUTES: &str = "snooze_minutes";
/// A reminder's one Snooze button lasts this long unless the user chose otherwise.
pub const DEFAULT_SNOOZE_MINUTES: u32 = 5;
const SNOOZE_RANGE: std::ops::RangeInclusive<u32> = 1..=120;

/// A reminder to show.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueReminder {
    /// The reminder's identity: pass it back to claim, snooze or dismiss.
    pub key: String,
    /// The stored component (for the event's details and the agenda).
    pub event_id: i64,
    pub calendar_id: i64,
    pub uid: String,
    /// Instance id ('' for a single event).
    pub recurrence_id: String,
    pub summary: String,
    pub location: Option<String>,
    /// Start and end instants (Unix seconds; all-day events placed in the user's zone).
    pub start_utc: i64,
    pub end_utc: i64,
    pub all_day: bool,
    /// When it was due (or, snoozed, when the snooze ended).
    pub fire_at: i64,
    /// Seconds before the start (negative: an alarm after the start).
    pub lead_secs: i64,
    /// Set once the meeting has run a minute: show "started N min ago".
    pub started_minutes_ago: Option<u32>,
    /// Due again because a snooze ended.
    pub snoozed: bool,
    /// The link the Join action opens (allow-listed scheme), and its service's name.
    pub join_url: Option<String>,
    pub join_service: Option<String>,
}

/// What is due now, and when to look again.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReminderPlan {
    /// The `now` this plan was made for.
    pub planned_at: i64,
    /// Due now, by meeting start.
    pub due: Vec<DueReminder>,
    /// The next reminder's fire time, if one is known.
    pub next_at: Option<i64>,
    /// When the scheduler should plan again: `next_at`, or the look-ahead's renewal.
    pub wake_at: i64,
}

/// How long to snooze a reminder.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Snooze {
    /// 1 to [`MAX_SNOOZE_MINUTES`] minutes from now.
    Minutes(u32),
    /// Until the meeting starts.
    UntilStart,
}

/// A calendar's reminder preferences as the settings window shows and edits them.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderPrefs {
    /// 0, 60, 300, 600 or 900.
    pub lead_secs: i64,
    pub honour_valarms: bool,
    pub notify_declined: bool,
    pub notify_cancelled: bool,
    pub notify_free: bool,
    pub notify_all_day: bool,
}

/// A calendar with its reminder preferences.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarReminders {
    pub calendar_id: i64,
    pub source_id: i64,
    pub calendar_name: String,
    #[serde(flatten)]
    pub prefs: ReminderPrefs,
}

impl ReminderPrefs {
    fn from_row(r: &ReminderSettingsRow) -> Self {
        ReminderPrefs {
            lead_secs: r.lead_secs,
            honour_valarms: r.honour_valarms,
            notify_declined: r.notify_declined,
            notify_cancelled: r.notify_cancelled,
            notify_free: r.notify_free,
            notify_all_day: r.notify_all_day,
        }
    }

    /// The planner's settings; a stored lead this build does not offer (a newer
    /// build's choice) falls back to the default rather than silencing the calendar.
    fn to_settings(self) -> ReminderSettings {
        ReminderSettings {
            lead: Lead::from_secs(self.lead_secs).unwrap_or_default(),
            honour_valarms: self.honour_valarms,
            notify_declined: self.notify_declined,
            notify_cancelled: self.notify_cancelled,
            notify_free: self.notify_free,
            notify_all_day: self.notify_all_day,
        }
    }
}

/// What a plan needs from an event's raw component, read once per event.
struct EventFacts {
    calendar_id: i64,
    summary: Option<String>,
    cancelled: bool,
    free: bool,
    attendance: Attendance,
    alarms: Vec<AlarmTrigger>,
    join: Option<JoinLink>,
}

impl EventFacts {
    fn read(row: &EventRow, me: &[String], catalogue: &Catalogue) -> EventFacts {
        let is = |v: &Option<String>, what: &str| {
            v.as_deref()
                .is_some_and(|s| s.trim().eq_ignore_ascii_case(what))
        };
        let (components, _, _) = traycal_core::ics::parse_all(row.raw.as_bytes());
        let component = components.first();
        EventFacts {
            calendar_id: row.calendar_id.0,
            summary: row.summary.clone(),
            cancelled: is(&row.status, "CANCELLED"),
            free: is(&row.transp, "TRANSPARENT"),
            attendance: component.map(|c| attendance(c, me)).unwrap_or_default(),
            alarms: component.map(alarm_triggers).unwrap_or_default(),
            join: component.and_then(|c| traycal_core::join::detect_in_component(c, catalogue)),
        }
    }
}

/// Everything a plan reads from the mirror besides the occurrences.
struct PlanInputs {
    events: HashMap<i64, EventFacts>,
    settings: SettingsByCalendar,
    state: ReminderState,
}

fn read_plan_inputs(
    m: &Mirror,
    entries: &[AgendaEntry],
    now: i64,
    catalogue: &Catalogue,
) -> Result<PlanInputs> {
    let me = read_my_addresses(m)?;
    let mut events = HashMap::new();
    for e in entries {
        if events.contains_key(&e.event_id) {
            continue;
        }
        // A row kept as history was removed from its calendar: it reminds no one.
        if let Some(row) = m
            .event(EventId(e.event_id))?
            .filter(|r| r.removed_at.is_none())
        {
            events.insert(e.event_id, EventFacts::read(&row, &me, catalogue));
        }
    }
    let settings = m
        .stored_reminder_settings()?
        .iter()
        .map(|r| (r.calendar_id.0, ReminderPrefs::from_row(r).to_settings()))
        .collect();
    let since = now - REMINDER_MEMORY;
    let state = ReminderState {
        fired: m.fired_keys(since)?,
        snoozed: m.snoozed_reminders()?,
        dismissed: m.dismissed_keys(since)?,
    };
    Ok(PlanInputs {
        events,
        settings,
        state,
    })
}

/// One `@` with something on both sides, a dot in the domain, no spaces or brackets:
/// enough to catch a name or a URL pasted in the wrong field.
fn looks_like_address(a: &str) -> bool {
    let Some((local, domain)) = a.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !a.contains(|c: char| c.is_whitespace() || "<>()[],;:\"/".contains(c))
        && !domain.contains('@')
}

fn read_my_addresses(m: &Mirror) -> Result<Vec<String>> {
    match m.app_setting(MY_ADDRESSES)? {
        None => Ok(Vec::new()),
        Some(json) => serde_json::from_str(&json).map_err(|e| {
            EngineError::Internal(format!(
                "the stored {MY_ADDRESSES} setting is unreadable: {e}"
            ))
        }),
    }
}

/// The pure plan over the agenda entries, as DTOs.
fn plan_over(now: i64, entries: Vec<AgendaEntry>, inputs: &PlanInputs) -> ReminderPlan {
    let mut meetings = Vec::with_capacity(entries.len());
    let mut kept = Vec::with_capacity(entries.len());
    for e in entries {
        let Some(facts) = inputs.events.get(&e.event_id) else {
            continue;
        };
        meetings.push(Meeting {
            calendar_id: facts.calendar_id,
            event_id: e.event_id,
            uid: e.uid.clone(),
            recurrence_id: e.recurrence_id.clone(),
            start: e.start_utc,
            end: e.end_utc,
            all_day: e.all_day,
            summary: facts.summary.clone(),
            location: e.location.clone(),
            cancelled: facts.cancelled,
            free: facts.free,
            my_partstat: facts.attendance.my_partstat,
            organizer: facts.attendance.organizer.clone(),
            join_url: facts.join.as_ref().map(|j| j.url.clone()),
            alarms: facts.alarms.clone(),
        });
        kept.push(e);
    }
    let plan = remind::plan(now, &meetings, &inputs.settings, &inputs.state);
    let due = plan
        .due
        .into_iter()
        .map(|d| {
            let (m, e) = (&meetings[d.meeting], &kept[d.meeting]);
            let join = inputs.events.get(&m.event_id).and_then(|f| f.join.as_ref());
            DueReminder {
                key: d.key.into(),
                event_id: m.event_id,
                calendar_id: m.calendar_id,
                uid: m.uid.clone(),
                recurrence_id: m.recurrence_id.clone(),
                summary: e.summary.clone(),
                location: m.location.clone(),
                start_utc: m.start,
                end_utc: m.end,
                all_day: m.all_day,
                fire_at: d.fire_at,
                lead_secs: d.lead_secs,
                started_minutes_ago: d.started_minutes_ago,
                snoozed: d.snoozed,
                join_url: join.map(|j| j.url.clone()),
                join_service: join.map(|j| j.service_name.clone()),
            }
        })
        .collect();
    let renew = now + REPLAN_AFTER;
    ReminderPlan {
        planned_at: now,
        due,
        next_at: plan.next_at,
        wake_at: plan.next_at.map_or(renew, |n| n.min(renew)),
    }
}

fn parse_key(key: &str) -> Result<ReminderKey> {
    ReminderKey::parse(key).map_err(|e| EngineError::InvalidInput(e.to_string()))
}

/// Newly claimed reminders: show exactly these.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimedReminders {
    pub reminders: Vec<DueReminder>,
    /// When the scheduler should plan again (see [`ReminderPlan::wake_at`]).
    pub wake_at: i64,
}

impl Engine {
    /// The reminders due now and when the next one is (see the module docs).
    pub async fn plan_reminders(&self) -> Result<ReminderPlan> {
        let now = self.now();
        let agenda = self.agenda(now - LOOK_BEHIND, now + LOOK_AHEAD).await?;
        let catalogue = self.catalogue()?;
        self.with_mirror(move |m| {
            let inputs = read_plan_inputs(m, &agenda.entries, now, &catalogue)?;
            Ok(plan_over(now, agenda.entries, &inputs))
        })
        .await
    }

    /// Claims the given reminders for showing; returns the keys this call claimed (the
    /// shell shows only those). A key that is not due now, or that this or another
    /// process already claimed, is not returned.
    pub async fn claim_reminders(&self, keys: Vec<String>) -> Result<Vec<String>> {
        let wanted: HashSet<String> = keys.into_iter().collect();
        let plan = self.plan_reminders().await?;
        let due = plan
            .due
            .into_iter()
            .filter(|d| wanted.contains(&d.key))
            .collect();
        let claimed = self.claim(plan.planned_at, due).await?;
        Ok(claimed.into_iter().map(|d| d.key).collect())
    }

    /// Plans and claims everything due now, in one go: the scheduler's step. Returns
    /// the reminders to show and when to wake up next.
    pub async fn claim_due_reminders(&self) -> Result<ClaimedReminders> {
        let plan = self.plan_reminders().await?;
        let reminders = self.claim(plan.planned_at, plan.due).await?;
        Ok(ClaimedReminders {
            reminders,
            wake_at: plan.wake_at,
        })
    }

    /// Records `due` as fired at `now`, keeps those newly claimed, and forgets
    /// reminder rows older than [`REMINDER_MEMORY`].
    async fn claim(&self, now: i64, due: Vec<DueReminder>) -> Result<Vec<DueReminder>> {
        if due.is_empty() {
            return Ok(due);
        }
        self.with_mirror(move |m| {
            let rows: Vec<FiredReminder<'_>> = due
                .iter()
                .map(|d| FiredReminder {
                    key: &d.key,
                    calendar_id: CalendarId(d.calendar_id),
                    uid: &d.uid,
                })
                .collect();
            let claimed: HashSet<String> = m.mark_fired(&rows, now)?.into_iter().collect();
            m.prune_reminders(now - REMINDER_MEMORY)?;
            Ok(due
                .into_iter()
                .filter(|d| claimed.contains(&d.key))
                .collect())
        })
        .await
    }

    /// Snoozes a shown reminder; returns when it will be due again. Fails with
    /// `invalid_input` for a malformed key, a snooze of 0 or more than a day, or
    /// "until start" once the meeting has started.
    pub async fn snooze_reminder(&self, key: &str, snooze: Snooze) -> Result<i64> {
        let key = parse_key(key)?;
        let now = self.now();
        let until = match snooze {
            Snooze::Minutes(n) if (1..=MAX_SNOOZE_MINUTES).contains(&n) => now + i64::from(n) * 60,
            Snooze::Minutes(n) => {
                return Err(EngineError::InvalidInput(format!(
                    "a snooze lasts 1 to {MAX_SNOOZE_MINUTES} minutes, not {n}"
                )))
            }
            Snooze::UntilStart if key.start() > now => key.start(),
            Snooze::UntilStart => {
                return Err(EngineError::InvalidInput(
                    "the meeting has already started; snooze for some minutes instead".into(),
                ))
            }
        };
        self.with_mirror(move |m| {
            m.snooze_reminder(key.as_str(), CalendarId(key.calendar_id()), until)?;
            Ok(until)
        })
        .await
    }

    /// Dismisses a reminder: it is never shown again (and a pending snooze ends).
    pub async fn dismiss_reminder(&self, key: &str) -> Result<()> {
        let key = parse_key(key)?;
        let now = self.now();
        self.with_mirror(move |m| {
            Ok(m.dismiss_reminder(key.as_str(), CalendarId(key.calendar_id()), now)?)
        })
        .await
    }

    /// Every calendar with its reminder preferences (defaults where none were set),
    /// by source then calendar.
    pub async fn reminder_settings(&self) -> Result<Vec<CalendarReminders>> {
        self.with_mirror(|m| {
            let mut out = Vec::new();
            for source in m.sources()? {
                for cal in m.calendars_of(source.id)? {
                    let row = m.reminder_settings(cal.id)?;
                    out.push(CalendarReminders {
                        calendar_id: cal.id.0,
                        source_id: source.id.0,
                        calendar_name: cal.name,
                        prefs: ReminderPrefs::from_row(&row),
                    });
                }
            }
            Ok(out)
        })
        .await
    }

    /// Sets a calendar's reminder preferences. `invalid_input` for a lead other than
    /// 0, 60, 300, 600 or 900 seconds; `store.not_found` for an unknown calendar.
    pub async fn set_reminder_settings(
        &self,
        calendar_id: i64,
        prefs: ReminderPrefs,
    ) -> Result<()> {
        Lead::from_secs(prefs.lead_secs).map_err(|e| EngineError::InvalidInput(e.to_string()))?;
        self.with_mirror(move |m| {
            Ok(m.set_reminder_settings(&ReminderSettingsRow {
                calendar_id: CalendarId(calendar_id),
                lead_secs: prefs.lead_secs,
                honour_valarms: prefs.honour_valarms,
                notify_declined: prefs.notify_declined,
                notify_cancelled: prefs.notify_cancelled,
                notify_free: prefs.notify_free,
                notify_all_day: prefs.notify_all_day,
            })?)
        })
        .await
    }

    /// The stored global join shortcut: `None` when never set (the app's default
    /// applies), `Some("")` when turned off. The app parses and registers it.
    pub async fn join_shortcut_setting(&self) -> Result<Option<String>> {
        self.with_mirror(|m| Ok(m.app_setting(JOIN_SHORTCUT)?))
            .await
    }

    /// Stores the global join shortcut (see [`Engine::join_shortcut_setting`]).
    pub async fn set_join_shortcut_setting(&self, shortcut: Option<String>) -> Result<()> {
        self.with_mirror(move |m| Ok(m.set_app_setting(JOIN_SHORTCUT, shortcut.as_deref())?))
            .await
    }

    /// How long a reminder's Snooze lasts, in minutes (default 5).
    pub async fn snooze_minutes(&self) -> Result<u32> {
        let stored = self
            .with_mirror(|m| Ok(m.app_setting(SNOOZE_MINUTES)?))
            .await?;
        Ok(stored
            .and_then(|s| s.parse().ok())
            .filter(|m| SNOOZE_RANGE.contains(m))
            .unwrap_or(DEFAULT_SNOOZE_MINUTES))
    }

    /// Sets the Snooze length (1 to 120 minutes).
    pub async fn set_snooze_minutes(&self, minutes: u32) -> Result<u32> {
        if !SNOOZE_RANGE.contains(&minutes) {
            return Err(EngineError::InvalidInput(format!(
                "a snooze lasts 1 to 120 minutes, not {minutes}"
            )));
        }
        let value = (minutes != DEFAULT_SNOOZE_MINUTES).then(|| minutes.to_string());
        self.with_mirror(move |m| Ok(m.set_app_setting(SNOOZE_MINUTES, value.as_deref())?))
            .await?;
        Ok(minutes)
    }

    /// The user's own calendar addresses (to find their answer in invitations).
    pub async fn my_addresses(&self) -> Result<Vec<String>> {
        self.with_mirror(|m| read_my_addresses(m)).await
    }

    /// Replaces the user's own addresses (trimmed, `mailto:` dropped, empty ones
    /// dropped, duplicates once; an empty list clears the setting). An entry that is not
    /// an address is refused with its position and text, and the stored list is kept.
    pub async fn set_my_addresses(&self, addresses: Vec<String>) -> Result<()> {
        let mut list: Vec<String> = Vec::new();
        for (i, raw) in addresses.iter().enumerate() {
            let a = raw.trim();
            let a = a
                .get(..7)
                .filter(|p| p.eq_ignore_ascii_case("mailto:"))
                .map_or(a, |_| &a[7..]);
            if a.is_empty() {
                continue;
            }
            if !looks_like_address(a) {
                return Err(EngineError::InvalidInput(format!(
                    "address {} ({raw:?}) is not an e-mail address like name@example.com",
                    i + 1
                )));
            }
            if !list.iter().any(|x| x.eq_ignore_ascii_case(a)) {
                list.push(a.to_string());
            }
        }
        let json = if list.is_empty() {
            None
        } else {
            Some(
                serde_json::to_string(&list)
                    .map_err(|e| EngineError::Internal(format!("{MY_ADDRESSES}: {e}")))?,
            )
        };
        self.with_mirror(move |m| Ok(m.set_app_setting(MY_ADDRESSES, json.as_deref())?))
            .await
    }
}
