//! The reminder rules: from the meetings around `now`, the per-calendar settings and
//! what already fired, the reminders due now and the next time one will be.
//!
//! Rules, in the order they apply:
//! 1. **Who is reminded.** Cancelled, free (TRANSP:TRANSPARENT), declined and all-day
//!    occurrences are skipped unless their calendar's settings ask for them
//!    ([`ReminderSettings`]). Deleted events are simply not in the input.
//! 2. **One meeting, one reminder.** Occurrences that are the same meeting in several
//!    calendars — same UID and RECURRENCE-ID, or same organiser, start and join link
//!    — are merged; the copy in the lowest calendar id (then event id) is kept, so
//!    the choice does not depend on input order. Different meetings that overlap or
//!    follow each other are never merged.
//! 3. **When.** The calendar's lead before the start; with `honour_valarms`, the
//!    event's own DISPLAY/AUDIO alarms instead when it has any (several alarms give
//!    several reminders). Absolute alarm times apply to single events only: on a
//!    recurring instance one instant cannot mean "before each occurrence". An all-day
//!    occurrence (when asked for) is reminded when its day starts.
//! 4. **Fired, snoozed, dismissed.** A fired key is never due again unless it is
//!    snoozed: then it is due at the snooze's end. A dismissed key is never due.
//! 5. **Late reminders.** A reminder whose time has passed is still due while the
//!    meeting runs — up to its end, at most [`CATCH_UP_LIMIT`] after its start, and at
//!    least [`ZERO_LENGTH_GRACE`] for a meeting without duration — and carries
//!    "started N minutes ago" once the meeting is a minute old. Later, it is dropped:
//!    after a night's sleep nobody wants yesterday's reminders.
//!
//! `next_at` is the earliest fire time after `now` of a reminder that is not yet due
//! and will still be worth showing then, so the scheduler sleeps until exactly then.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::{AlarmTrigger, PartStat, ReminderKey, ReminderSettings};

/// A reminder is shown late for at most this long after its meeting started (a
/// week-long event does not say "started 3 days ago").
pub const CATCH_UP_LIMIT: i64 = 12 * 3600;

/// How long after its start a meeting without duration can still be reminded (the
/// scheduler wakes a moment after the fire time, never exactly on it).
pub const ZERO_LENGTH_GRACE: i64 = 60;

/// One occurrence as the planner sees it. Times are instants (Unix seconds); the
/// engine has already placed all-day and floating occurrences in the user's zone.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Meeting {
    pub calendar_id: i64,
    /// The stored component, passed through for the caller.
    pub event_id: i64,
    pub uid: String,
    /// The occurrence's instance id ('' for a single event).
    pub recurrence_id: String,
    pub start: i64,
    pub end: i64,
    pub all_day: bool,
    pub summary: Option<String>,
    pub location: Option<String>,
    /// STATUS:CANCELLED.
    pub cancelled: bool,
    /// TRANSP:TRANSPARENT.
    pub free: bool,
    /// The user's answer, when known (see [`super::attendance`]).
    pub my_partstat: Option<PartStat>,
    /// Organiser address, normalised (see [`super::attendance::normalise_address`]).
    pub organizer: Option<String>,
    pub join_url: Option<String>,
    /// The event's own alarms (see [`super::alarm_triggers`]).
    pub alarms: Vec<AlarmTrigger>,
}

/// Settings per calendar id; a calendar without an entry gets the defaults.
pub type SettingsByCalendar = HashMap<i64, ReminderSettings>;

/// What this device already did with reminders (from the mirror).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReminderState {
    pub fired: HashSet<String>,
    /// Key → until (Unix seconds).
    pub snoozed: HashMap<String, i64>,
    pub dismissed: HashSet<String>,
}

/// A reminder to show now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    pub key: ReminderKey,
    /// Index of its meeting in the planner's input.
    pub meeting: usize,
    /// When it was (or, snoozed, was asked to be) shown.
    pub fire_at: i64,
    /// Seconds before the start (negative: an alarm after the start).
    pub lead_secs: i64,
    /// Set when the meeting has been running for at least a minute.
    pub started_minutes_ago: Option<u32>,
    /// Due because a snooze ended.
    pub snoozed: bool,
}

/// The planner's answer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Plan {
    /// Reminders to show now, by meeting start, then fire time, then key.
    pub due: Vec<Due>,
    /// The earliest future fire time, if any.
    pub next_at: Option<i64>,
}

/// Applies the rules in the module docs.
pub fn plan(
    now: i64,
    meetings: &[Meeting],
    settings: &SettingsByCalendar,
    state: &ReminderState,
) -> Plan {
    let settings_of = |m: &Meeting| settings.get(&m.calendar_id).copied().unwrap_or_default();
    let wanted: Vec<usize> = (0..meetings.len())
        .filter(|&i| is_wanted(&meetings[i], &settings_of(&meetings[i])))
        .collect();
    let mut out = Plan::default();
    for i in one_per_meeting(meetings, &wanted) {
        let m = &meetings[i];
        let start = m.start;
        let end = m.end.max(start);
        let limit = (end.min(start.saturating_add(CATCH_UP_LIMIT)))
            .max(start.saturating_add(ZERO_LENGTH_GRACE));
        for lead_secs in leads(m, &settings_of(m)) {
            let key = ReminderKey::new(m.calendar_id, &m.uid, &m.recurrence_id, start, lead_secs);
            if state.dismissed.contains(key.as_str()) {
                continue;
            }
            let (fire_at, snoozed) = match state.snoozed.get(key.as_str()) {
                Some(&until) => (until, true),
                None if state.fired.contains(key.as_str()) => continue,
                None => (start.saturating_sub(lead_secs), false),
            };
            if fire_at >= limit || now >= limit {
                continue; // too late to be useful, now or when it would fire
            }
            if fire_at > now {
                out.next_at = Some(out.next_at.map_or(fire_at, |n| n.min(fire_at)));
                continue;
            }
            let running = now.saturating_sub(start);
            out.due.push(Due {
                key,
                meeting: i,
                fire_at,
                lead_secs,
                started_minutes_ago: (!m.all_day && running >= 60)
                    .then(|| u32::try_from(running / 60).unwrap_or(u32::MAX)),
                snoozed,
            });
        }
    }
    out.due.sort_by(|a, b| {
        (meetings[a.meeting].start, a.fire_at, &a.key).cmp(&(
            meetings[b.meeting].start,
            b.fire_at,
            &b.key,
        ))
    });
    out
}

/// Rule 1: whether the calendar's settings want a reminder for this occurrence.
fn is_wanted(m: &Meeting, s: &ReminderSettings) -> bool {
    let declined = m.my_partstat == Some(PartStat::Declined);
    (!m.cancelled || s.notify_cancelled)
        && (!m.free || s.notify_free)
        && (!declined || s.notify_declined)
        && (!m.all_day || s.notify_all_day)
}

/// Rule 3: the leads (seconds before the start) of an occurrence's reminders,
/// without duplicates, earliest reminder first.
fn leads(m: &Meeting, s: &ReminderSettings) -> Vec<i64> {
    let mut leads: Vec<i64> = if s.honour_valarms {
        m.alarms
            .iter()
            .filter(|t| !matches!(t, AlarmTrigger::At(_)) || m.recurrence_id.is_empty())
            .map(|t| {
                m.start
                    .saturating_sub(t.fire_at(m.start, m.end.max(m.start)))
            })
            .collect()
    } else {
        Vec::new()
    };
    if leads.is_empty() {
        leads.push(if m.all_day { 0 } else { s.lead.secs() });
    }
    leads.sort_unstable_by(|a, b| b.cmp(a));
    leads.dedup();
    leads
}

/// Rule 2: the indexes (into `meetings`) of the occurrences to remind, one per
/// meeting. Copies are linked by either identity (union-find), and each group keeps
/// its smallest `(calendar, event, uid, recurrence id)`.
fn one_per_meeting(meetings: &[Meeting], wanted: &[usize]) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..wanted.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut by_uid: HashMap<(&str, &str), usize> = HashMap::new();
    let mut by_invite: HashMap<(&str, i64, &str), usize> = HashMap::new();
    for (slot, &i) in wanted.iter().enumerate() {
        let m = &meetings[i];
        let mut links = vec![*by_uid
            .entry((m.uid.as_str(), m.recurrence_id.as_str()))
            .or_insert(slot)];
        if let (Some(org), Some(url)) = (&m.organizer, &m.join_url) {
            links.push(
                *by_invite
                    .entry((org.as_str(), m.start, url.as_str()))
                    .or_insert(slot),
            );
        }
        for other in links {
            let (a, b) = (root(&mut parent, slot), root(&mut parent, other));
            parent[a] = b;
        }
    }
    let order = |i: usize| {
        let m = &meetings[i];
        (m.calendar_id, m.event_id, &m.uid, &m.recurrence_id, m.start)
    };
    let mut best: HashMap<usize, usize> = HashMap::new();
    for (slot, &i) in wanted.iter().enumerate() {
        let group = root(&mut parent, slot);
        let keep = best.entry(group).or_insert(i);
        if order(i) < order(*keep) {
            *keep = i;
        }
    }
    let mut kept: Vec<usize> = best.into_values().collect();
    kept.sort_unstable();
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remind::Lead;

    /// 2026-03-02 08:00:00 UTC.
    const T0: i64 = 1_772_438_400;
    const MIN: i64 = 60;

    fn meeting(calendar: i64, uid: &str, start: i64, minutes: i64) -> Meeting {
        Meeting {
            calendar_id: calendar,
            event_id: calendar * 1000 + uid.len() as i64,
            uid: uid.into(),
            start,
            end: start + minutes * MIN,
            summary: Some(format!("{uid} meeting")),
            ..Meeting::default()
        }
    }

    fn run(now: i64, meetings: &[Meeting]) -> Plan {
        plan(
            now,
            meetings,
            &SettingsByCalendar::new(),
            &ReminderState::default(),
        )
    }

    fn uids(p: &Plan, meetings: &[Meeting]) -> Vec<String> {
        p.due
            .iter()
            .map(|d| meetings[d.meeting].uid.clone())
            .collect()
    }

    fn key_of(m: &Meeting, lead: i64) -> String {
        ReminderKey::new(m.calendar_id, &m.uid, &m.recurrence_id, m.start, lead).into()
    }

    fn fired(keys: &[String]) -> ReminderState {
        ReminderState {
            fired: keys.iter().cloned().collect(),
            ..ReminderState::default()
        }
    }

    fn with(calendar: i64, s: ReminderSettings) -> SettingsByCalendar {
        SettingsByCalendar::from([(calendar, s)])
    }

    #[test]
    fn default_lead_is_five_minutes_and_next_at_is_exact() {
        let ms = [meeting(1, "a", T0 + 30 * MIN, 30)];
        let early = run(T0, &ms);
        assert!(early.due.is_empty());
        assert_eq!(early.next_at, Some(T0 + 25 * MIN));
        let on_time = run(T0 + 25 * MIN, &ms);
        assert_eq!(on_time.due.len(), 1);
        let d = &on_time.due[0];
        assert_eq!(
            (d.lead_secs, d.fire_at, d.started_minutes_ago, d.snoozed),
            (300, T0 + 25 * MIN, None, false)
        );
        assert_eq!(d.key.as_str(), key_of(&ms[0], 300));
        assert_eq!(on_time.next_at, None);
    }

    #[test]
    fn calendar_lead_setting_applies() {
        let ms = [meeting(2, "a", T0 + 30 * MIN, 30)];
        let s = ReminderSettings {
            lead: Lead::FifteenMinutes,
            ..ReminderSettings::default()
        };
        let p = plan(T0, &ms, &with(2, s), &ReminderState::default());
        assert_eq!(p.next_at, Some(T0 + 15 * MIN));
        let at_start = ReminderSettings {
            lead: Lead::AtStart,
            ..ReminderSettings::default()
        };
        let p = plan(
            T0 + 30 * MIN,
            &ms,
            &with(2, at_start),
            &ReminderState::default(),
        );
        assert_eq!(p.due[0].lead_secs, 0);
        assert_eq!(p.due[0].started_minutes_ago, None, "on time at the start");
    }

    #[test]
    fn declined_cancelled_and_free_are_skipped_unless_asked() {
        type Mark = fn(&mut Meeting);
        type Ask = fn(&mut ReminderSettings);
        let cases: [(&str, Mark, Ask); 3] = [
            (
                "declined",
                |m| m.my_partstat = Some(PartStat::Declined),
                |s| s.notify_declined = true,
            ),
            (
                "cancelled",
                |m| m.cancelled = true,
                |s| s.notify_cancelled = true,
            ),
            ("free", |m| m.free = true, |s| s.notify_free = true),
        ];
        for (what, mark, ask) in cases {
            let mut m = meeting(1, "a", T0 + 5 * MIN, 30);
            mark(&mut m);
            let ms = [m];
            let p = run(T0, &ms);
            assert!(p.due.is_empty(), "{what}");
            assert_eq!(
                p.next_at, None,
                "{what}: a skipped meeting does not wake anyone"
            );
            let mut s = ReminderSettings::default();
            ask(&mut s);
            let state = ReminderState::default();
            // another calendar's settings do not apply
            assert!(plan(T0, &ms, &with(9, s), &state).due.is_empty(), "{what}");
            assert_eq!(plan(T0, &ms, &with(1, s), &state).due.len(), 1, "{what}");
        }
    }

    #[test]
    fn tentative_unknown_and_unanswered_are_not_declines() {
        for ps in [
            Some(PartStat::Tentative),
            Some(PartStat::NeedsAction),
            Some(PartStat::Accepted),
            None,
        ] {
            let mut m = meeting(1, "a", T0 + 5 * MIN, 30);
            m.my_partstat = ps;
            assert_eq!(run(T0, &[m]).due.len(), 1, "{ps:?}");
        }
    }

    #[test]
    fn resynced_with_new_last_modified_keeps_its_key() {
        let before = meeting(1, "a", T0 + 5 * MIN, 30);
        let first = run(T0, std::slice::from_ref(&before));
        let key = first.due[0].key.as_str().to_string();
        // A re-sync: new title, new event row, same occurrence.
        let mut after = before.clone();
        after.summary = Some("renamed".into());
        after.event_id += 77;
        let again = plan(
            T0 + MIN,
            &[after],
            &SettingsByCalendar::new(),
            &fired(&[key]),
        );
        assert!(again.due.is_empty());
        assert_eq!(again.next_at, None);
    }

    #[test]
    fn moved_meeting_fires_afresh() {
        let before = meeting(1, "a", T0 + 5 * MIN, 30);
        let old_key = key_of(&before, 300);
        let mut moved = before.clone();
        moved.start += 10 * MIN;
        moved.end += 10 * MIN;
        let new_key = key_of(&moved, 300);
        assert_ne!(old_key, new_key);
        let ms = [moved];
        let p = plan(T0, &ms, &SettingsByCalendar::new(), &fired(&[old_key]));
        assert!(p.due.is_empty());
        assert_eq!(p.next_at, Some(T0 + 10 * MIN));
        let p = plan(T0 + 10 * MIN, &ms, &SettingsByCalendar::new(), &fired(&[]));
        assert_eq!(p.due[0].key.as_str(), new_key);
    }

    #[test]
    fn overlapping_meetings_each_get_a_reminder() {
        let ms = [
            meeting(1, "a", T0 + 5 * MIN, 60),
            meeting(1, "b", T0 + 5 * MIN, 30),
            meeting(1, "c", T0 + 20 * MIN, 30),
        ];
        let p = run(T0, &ms);
        assert_eq!(uids(&p, &ms), ["a", "b"]);
        assert_eq!(p.next_at, Some(T0 + 15 * MIN));
        let p = run(T0 + 15 * MIN, &ms);
        assert_eq!(uids(&p, &ms), ["a", "b", "c"]);
    }

    #[test]
    fn back_to_back_meetings_each_get_a_reminder() {
        let a = meeting(1, "a", T0, 30);
        let b = meeting(1, "b", T0 + 30 * MIN, 30);
        let ms = [a.clone(), b];
        let p = plan(
            T0 + 25 * MIN,
            &ms,
            &SettingsByCalendar::new(),
            &fired(&[key_of(&a, 300)]),
        );
        assert_eq!(uids(&p, &ms), ["b"]);
    }

    #[test]
    fn same_uid_in_several_calendars_notifies_once() {
        let ms = [
            meeting(7, "shared", T0 + 5 * MIN, 30),
            meeting(3, "shared", T0 + 5 * MIN, 30),
            meeting(5, "shared", T0 + 5 * MIN, 30),
        ];
        let p = run(T0, &ms);
        assert_eq!(p.due.len(), 1);
        assert_eq!(ms[p.due[0].meeting].calendar_id, 3, "lowest calendar wins");
        let reversed: Vec<Meeting> = ms.iter().rev().cloned().collect();
        let q = run(T0, &reversed);
        assert_eq!(q.due[0].key, p.due[0].key, "independent of input order");
        // once the winner fired, the copies do not fire either
        let after = plan(
            T0 + MIN,
            &ms,
            &SettingsByCalendar::new(),
            &fired(&[p.due[0].key.as_str().to_string()]),
        );
        assert!(after.due.is_empty());
    }

    #[test]
    fn same_organiser_start_and_link_notifies_once() {
        let mut a = meeting(2, "uid-from-google", T0 + 5 * MIN, 30);
        let mut b = meeting(1, "uid-from-outlook", T0 + 5 * MIN, 30);
        for m in [&mut a, &mut b] {
            m.organizer = Some("boss@example.com".into());
            m.join_url = Some("https://zoom.us/j/123".into());
        }
        let ms = [a.clone(), b.clone()];
        let p = run(T0, &ms);
        assert_eq!(uids(&p, &ms), ["uid-from-outlook"]);
        // a different link is a different meeting
        b.join_url = Some("https://zoom.us/j/456".into());
        let ms = [a.clone(), b.clone()];
        assert_eq!(run(T0, &ms).due.len(), 2);
        // no organiser: the rule does not apply
        b.join_url = a.join_url.clone();
        b.organizer = None;
        let ms = [a, b];
        assert_eq!(run(T0, &ms).due.len(), 2);
    }

    #[test]
    fn duplicates_are_merged_after_the_settings_apply() {
        // Declined in calendar 1 (settings skip it) but wanted in calendar 2: the copy
        // that is still wanted reminds.
        let mut a = meeting(1, "shared", T0 + 5 * MIN, 30);
        a.cancelled = true;
        let b = meeting(2, "shared", T0 + 5 * MIN, 30);
        let ms = [a, b];
        let p = run(T0, &ms);
        assert_eq!(p.due.len(), 1);
        assert_eq!(ms[p.due[0].meeting].calendar_id, 2);
    }

    #[test]
    fn recurring_override_moved_gets_a_new_key_the_others_keep_theirs() {
        let day = 86_400;
        let instance = |n: i64, start: i64| Meeting {
            recurrence_id: format!("2026030{}T090000Z", 2 + n),
            ..meeting(1, "standup", start, 15)
        };
        let series: Vec<Meeting> = (0..3).map(|n| instance(n, T0 + n * day)).collect();
        let keys: Vec<String> = series.iter().map(|m| key_of(m, 300)).collect();
        assert_eq!(
            keys.iter().collect::<HashSet<_>>().len(),
            3,
            "each instance is its own reminder"
        );
        // The second instance is overridden to start an hour later.
        let mut with_override = series.clone();
        with_override[1] = instance(1, T0 + day + 3600);
        let new_keys: Vec<String> = with_override.iter().map(|m| key_of(m, 300)).collect();
        assert_eq!(new_keys[0], keys[0]);
        assert_ne!(new_keys[1], keys[1]);
        assert_eq!(new_keys[2], keys[2]);
        // All three fired before the override arrived: only the moved one is due again.
        let state = fired(&keys);
        let p = plan(
            T0 + day + 3600 - 5 * MIN,
            &with_override,
            &SettingsByCalendar::new(),
            &state,
        );
        assert_eq!(p.due.len(), 1);
        assert_eq!(p.due[0].key.as_str(), new_keys[1]);
    }

    #[test]
    fn sleep_catch_up_fires_started_n_minutes_ago_then_drops() {
        let ms = [meeting(1, "a", T0, 30)];
        // woke 7 minutes into the meeting: the 5-minute reminder was missed
        let p = run(T0 + 7 * MIN, &ms);
        assert_eq!(p.due.len(), 1);
        assert_eq!(p.due[0].started_minutes_ago, Some(7));
        assert_eq!(p.due[0].fire_at, T0 - 5 * MIN);
        // missed before the start: late but not "started"
        let p = run(T0 - MIN, &ms);
        assert_eq!(p.due[0].started_minutes_ago, None);
        // 30 seconds into the meeting is not "started 0 min ago"
        assert_eq!(run(T0 + 30, &ms).due[0].started_minutes_ago, None);
        // woke after the end: dropped, nothing pending
        let p = run(T0 + 30 * MIN, &ms);
        assert!(p.due.is_empty());
        assert_eq!(p.next_at, None);
    }

    #[test]
    fn catch_up_is_capped_for_long_events_and_graced_for_instant_ones() {
        let long = [meeting(1, "offsite", T0, 3 * 24 * 60)];
        assert_eq!(run(T0 + 11 * 3600, &long).due.len(), 1);
        assert!(run(T0 + 13 * 3600, &long).due.is_empty());
        let instant = [meeting(1, "deadline", T0, 0)];
        assert_eq!(run(T0 + 30, &instant).due.len(), 1);
        assert!(run(T0 + 61, &instant).due.is_empty());
    }

    #[test]
    fn snoozed_reminder_is_due_at_its_end() {
        let ms = [meeting(1, "a", T0 + 5 * MIN, 30)];
        let key = key_of(&ms[0], 300);
        let mut state = fired(std::slice::from_ref(&key));
        state.snoozed.insert(key.clone(), T0 + 2 * MIN);
        let p = plan(T0 + MIN, &ms, &SettingsByCalendar::new(), &state);
        assert!(p.due.is_empty());
        assert_eq!(p.next_at, Some(T0 + 2 * MIN));
        let p = plan(T0 + 2 * MIN, &ms, &SettingsByCalendar::new(), &state);
        assert_eq!(p.due.len(), 1);
        assert!(p.due[0].snoozed);
        assert_eq!(p.due[0].fire_at, T0 + 2 * MIN);
        // "until start"
        state.snoozed.insert(key.clone(), T0 + 5 * MIN);
        let p = plan(T0 + 5 * MIN, &ms, &SettingsByCalendar::new(), &state);
        assert_eq!(p.due[0].started_minutes_ago, None);
        // snoozed past the meeting's end: never due, and does not wake the scheduler
        state.snoozed.insert(key, T0 + 40 * MIN);
        let p = plan(T0 + MIN, &ms, &SettingsByCalendar::new(), &state);
        assert!(p.due.is_empty());
        assert_eq!(p.next_at, None);
    }

    #[test]
    fn dismissed_reminder_is_never_due() {
        let ms = [meeting(1, "a", T0 + 5 * MIN, 30)];
        let key = key_of(&ms[0], 300);
        let mut state = ReminderState::default();
        state.dismissed.insert(key.clone());
        state.snoozed.insert(key, T0 + MIN);
        for now in [T0, T0 + MIN, T0 + 10 * MIN] {
            let p = plan(now, &ms, &SettingsByCalendar::new(), &state);
            assert!(p.due.is_empty());
            assert_eq!(p.next_at, None);
        }
    }

    fn honouring() -> SettingsByCalendar {
        with(
            1,
            ReminderSettings {
                honour_valarms: true,
                ..ReminderSettings::default()
            },
        )
    }

    #[test]
    fn valarms_only_when_honoured() {
        let mut m = meeting(1, "a", T0 + 60 * MIN, 30);
        m.alarms = vec![
            AlarmTrigger::Start(-15 * MIN),
            AlarmTrigger::Start(-30 * MIN),
        ];
        let ms = [m];
        // not honoured: the calendar's lead
        assert_eq!(run(T0, &ms).next_at, Some(T0 + 55 * MIN));
        // honoured: one reminder per alarm, instead of the lead
        let state = ReminderState::default();
        let p = plan(T0, &ms, &honouring(), &state);
        assert_eq!(p.next_at, Some(T0 + 30 * MIN));
        let p = plan(T0 + 50 * MIN, &ms, &honouring(), &state);
        let leads: Vec<i64> = p.due.iter().map(|d| d.lead_secs).collect();
        assert_eq!(leads, [1800, 900]);
        assert_ne!(p.due[0].key, p.due[1].key);
        // honoured but the event has none: the lead
        let plain = [meeting(1, "b", T0 + 60 * MIN, 30)];
        assert_eq!(
            plan(T0, &plain, &honouring(), &state).next_at,
            Some(T0 + 55 * MIN)
        );
    }

    #[test]
    fn valarm_related_to_end_and_absolute() {
        let mut m = meeting(1, "a", T0 + 60 * MIN, 30);
        m.alarms = vec![
            AlarmTrigger::End(-10 * MIN),
            AlarmTrigger::At(T0 + 20 * MIN),
        ];
        let ms = [m.clone()];
        let state = ReminderState::default();
        let p = plan(T0, &ms, &honouring(), &state);
        assert_eq!(p.next_at, Some(T0 + 20 * MIN));
        let p = plan(T0 + 80 * MIN, &ms, &honouring(), &state);
        // the absolute one is late (started 20 min ago), the end one is on time
        let got: Vec<(i64, Option<u32>)> = p
            .due
            .iter()
            .map(|d| (d.lead_secs, d.started_minutes_ago))
            .collect();
        assert_eq!(got, [(40 * MIN, Some(20)), (-20 * MIN, Some(20))]);
        // an absolute alarm does not apply to the instances of a series
        m.recurrence_id = "20260302T090000Z".into();
        m.alarms = vec![AlarmTrigger::At(T0 + 20 * MIN)];
        let p = plan(T0, &[m], &honouring(), &state);
        assert_eq!(p.next_at, Some(T0 + 55 * MIN), "falls back to the lead");
    }

    #[test]
    fn all_day_events_are_quiet_by_default() {
        let mut m = meeting(1, "holiday", T0, 24 * 60);
        m.all_day = true;
        let ms = [m];
        assert!(run(T0 + MIN, &ms).due.is_empty());
        assert_eq!(run(T0 - 3600, &ms).next_at, None);
        let s = ReminderSettings {
            notify_all_day: true,
            lead: Lead::FifteenMinutes,
            ..ReminderSettings::default()
        };
        let p = plan(T0 - 3600, &ms, &with(1, s), &ReminderState::default());
        assert_eq!(
            p.next_at,
            Some(T0),
            "when the day starts, whatever the lead"
        );
        let p = plan(T0 + 3 * 3600, &ms, &with(1, s), &ReminderState::default());
        assert_eq!(p.due.len(), 1);
        assert_eq!(p.due[0].lead_secs, 0);
        assert_eq!(p.due[0].started_minutes_ago, None);
    }

    #[test]
    fn next_at_skips_fired_and_takes_the_earliest() {
        let a = meeting(1, "a", T0 + 10 * MIN, 30);
        let b = meeting(1, "b", T0 + 20 * MIN, 30);
        let c = meeting(1, "c", T0 + 40 * MIN, 30);
        let ms = [c, b, a.clone()];
        let p = plan(
            T0,
            &ms,
            &SettingsByCalendar::new(),
            &fired(&[key_of(&a, 300)]),
        );
        assert!(p.due.is_empty());
        assert_eq!(p.next_at, Some(T0 + 15 * MIN));
    }

    #[test]
    fn due_list_is_ordered_by_start() {
        let ms = [
            meeting(1, "late", T0 + 3 * MIN, 30),
            meeting(1, "early", T0 + MIN, 30),
            meeting(1, "mid", T0 + 2 * MIN, 30),
        ];
        assert_eq!(uids(&run(T0, &ms), &ms), ["early", "mid", "late"]);
    }
}
