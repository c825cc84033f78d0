//! Meeting reminders on the desktop: the scheduler that claims due reminders from the
//! engine and shows each as a notification (freedesktop D-Bus notifications through
//! `notify-rust`) with Join, Snooze and Dismiss actions.
//!
//! Invariants:
//! - A reminder is shown only after the engine claimed it (recorded in the mirror), so
//!   it is never shown twice, across restarts or by two running processes.
//! - Snooze and dismiss are kept on this device by the engine; nothing is written
//!   into the event.
//! - Join opens the link through the engine, which allows only known schemes.
//! - The scheduler sleeps until the engine's next wake time, or until woken (the
//!   mirror changed, an action snoozed something). Its sleep is capped at
//!   [`MAX_SLEEP`] because a monotonic timer stops while the machine is suspended; each
//!   wake compares wall-clock and monotonic time to report clock jumps and sleep.
//! - A notification that cannot be shown (no bus, no server) is reported on stderr
//!   and in the tray's status line, not silently dropped.

use std::sync::Arc;
use std::time::{Duration, Instant};

use notify_rust::{Notification, Timeout};
use traycal_engine::reminders::{DueReminder, Snooze};

use crate::shell::Shell;

/// Longest sleep between two plans (see the module docs).
pub const MAX_SLEEP: Duration = Duration::from_secs(300);

/// The title: "Standup in 5 min", "Standup now", "Standup started 7 min ago".
pub fn title(r: &DueReminder, now: i64) -> String {
    if let Some(minutes) = r.started_minutes_ago {
        return format!("{} started {minutes} min ago", r.summary);
    }
    if r.all_day {
        return format!("{} today", r.summary);
    }
    let to_start = r.start_utc - now;
    if to_start <= 30 {
        format!("{} now", r.summary)
    } else {
        format!("{} in {} min", r.summary, (to_start + 59) / 60)
    }
}

/// Escapes text for a notification body: servers that advertise `body-markup`
/// interpret `<b>`, `<a href>` and `<img>` in it, and the body carries feed text.
fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// The body: time range, location and the meeting service, escaped for markup.
pub fn body(r: &DueReminder, look: &Look) -> String {
    use chrono::TimeZone;
    let hm = |s: i64| {
        chrono::Local
            .timestamp_opt(s, 0)
            .single()
            .map(|t| traycal_engine::display::clock_time(&t, look.hour12))
            .unwrap_or_default()
    };
    let mut parts = Vec::new();
    if !r.all_day {
        parts.push(format!("{}–{}", hm(r.start_utc), hm(r.end_utc)));
    }
    if let Some(location) = r.location.as_deref().filter(|l| !l.trim().is_empty()) {
        // Locations are often the join URL itself: the Join button covers that.
        if r.join_url.as_deref() != Some(location.trim()) {
            parts.push(location.trim().to_string());
        }
    }
    if let Some(service) = &r.join_service {
        parts.push(service.clone());
    }
    escape_markup(&parts.join(" · "))
}

/// How a reminder reads: the user's clock and Snooze length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    pub hour12: bool,
    pub snooze_minutes: u32,
}

impl Default for Look {
    fn default() -> Self {
        Look {
            hour12: false,
            snooze_minutes: traycal_engine::reminders::DEFAULT_SNOOZE_MINUTES,
        }
    }
}

/// The actions offered, as (key, label), in the order servers show them: at most
/// three buttons (GNOME shows no more): Join when there is a link, one Snooze (the
/// user's length, or until the meeting starts when that comes sooner), Dismiss; and
/// the default action (clicking the notification).
pub fn actions(r: &DueReminder, now: i64, look: &Look) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(service) = &r.join_service {
        out.push(("join".into(), format!("Join {service}")));
    } else if r.join_url.is_some() {
        out.push(("join".into(), "Join".into()));
    }
    let to_start = r.start_utc - now;
    let minutes = look.snooze_minutes.max(1);
    // Within a minute of the snooze's end, "until it starts" is what the user means.
    if to_start > 60 && to_start < (i64::from(minutes) + 1) * 60 {
        out.push(("snooze-start".into(), "Snooze until it starts".into()));
    } else {
        out.push((format!("snooze-{minutes}"), format!("Snooze {minutes} min")));
    }
    out.push(("dismiss".into(), "Dismiss".into()));
    // The default action: clicking the notification itself.
    out.push(("default".into(), "Open in agenda".into()));
    out
}

/// Runs the reminder scheduler until the app quits.
pub async fn run(shell: Arc<Shell>) {
    let runtime = tokio::runtime::Handle::current();
    let wake = shell.reminders_wake();
    loop {
        let now = shell.engine.now();
        let wake_at = match shell.engine.claim_due_reminders().await {
            Ok(claimed) => {
                let look = if claimed.reminders.is_empty() {
                    Look::default()
                } else {
                    look(&shell).await
                };
                for r in claimed.reminders {
                    show(&shell, &runtime, r, now, look);
                }
                claimed.wake_at
            }
            Err(e) => {
                eprintln!("traycal: cannot plan reminders: {e}");
                now + 60
            }
        };
        let wait = Duration::from_secs((wake_at - now).max(1) as u64).min(MAX_SLEEP);
        let (wall_before, mono_before) = (shell.engine.now(), Instant::now());
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = wake.notified() => {}
        }
        let wall = shell.engine.now() - wall_before;
        let mono = mono_before.elapsed().as_secs() as i64;
        if (wall - mono).abs() > 30 {
            eprintln!(
                "traycal: the clock moved {}s while {}s passed (sleep or a clock change): re-planning reminders",
                wall - mono,
                mono
            );
        }
    }
}

/// The user's clock and Snooze length (defaults when they cannot be read).
async fn look(shell: &Shell) -> Look {
    let defaults = Look::default();
    Look {
        hour12: shell
            .engine
            .display_prefs()
            .await
            .map_or(defaults.hour12, |p| p.hour12),
        snooze_minutes: shell
            .engine
            .snooze_minutes()
            .await
            .unwrap_or(defaults.snooze_minutes),
    }
}

/// Shows one reminder and handles its action (on a thread of its own: waiting for an
/// action blocks until the notification is closed).
fn show(
    shell: &Arc<Shell>,
    runtime: &tokio::runtime::Handle,
    r: DueReminder,
    now: i64,
    look: Look,
) {
    let shell = Arc::clone(shell);
    let runtime = runtime.clone();
    let spawned = std::thread::Builder::new()
        .name("traycal-notification".into())
        .spawn(move || {
            let mut n = Notification::new();
            n.appname("Traycal")
                .summary(&title(&r, now))
                .body(&body(&r, &look))
                .icon("appointment-soon")
                // A reminder stays until the user acts on it.
                .timeout(Timeout::Never);
            for (key, label) in actions(&r, now, &look) {
                n.action(&key, &label);
            }
            match n.show() {
                Ok(handle) => {
                    shell.set_notification_error(None);
                    handle.wait_for_action(|action| on_action(&shell, &runtime, &r, action));
                }
                Err(e) => {
                    let message = format!("cannot show the reminder for {:?}: {e}", r.summary);
                    eprintln!("traycal: {message}");
                    shell.set_notification_error(Some(message));
                }
            }
        });
    if let Err(e) = spawned {
        eprintln!("traycal: cannot start a notification thread: {e}");
    }
}

/// A short notice that closes by itself ("Nothing to join: no meeting …").
pub fn tell(summary: &str, body: &str) {
    let (summary, body) = (summary.to_string(), escape_markup(body));
    let spawned = std::thread::Builder::new()
        .name("traycal-notice".into())
        .spawn(move || {
            let shown = Notification::new()
                .appname("Traycal")
                .summary(&summary)
                .body(&body)
                .icon("appointment-soon")
                .timeout(Timeout::Milliseconds(5_000))
                .show();
            if let Err(e) = shown {
                eprintln!("traycal: {summary}: {body} (cannot show a notification: {e})");
            }
        });
    if let Err(e) = spawned {
        eprintln!("traycal: cannot start a notification thread: {e}");
    }
}

fn on_action(shell: &Arc<Shell>, runtime: &tokio::runtime::Handle, r: &DueReminder, action: &str) {
    let shell = Arc::clone(shell);
    let r = r.clone();
    let action = action.to_string();
    runtime.spawn(async move {
        let engine: Arc<traycal_engine::Engine> = Arc::clone(&shell.engine);
        let result = match action.as_str() {
            "join" => engine.join_event(r.event_id).await.map(|_| ()),
            "dismiss" => engine.dismiss_reminder(&r.key).await,
            "snooze-start" => engine
                .snooze_reminder(&r.key, Snooze::UntilStart)
                .await
                .map(|_| ()),
            "default" => {
                // Clicking the notification: this meeting in the agenda.
                if let Err(e) = shell.show_event(r.event_id, r.start_utc) {
                    eprintln!("traycal: cannot open the agenda: {}", e.message);
                }
                Ok(())
            }
            other => match other.strip_prefix("snooze-").and_then(|m| m.parse().ok()) {
                Some(minutes) => engine
                    .snooze_reminder(&r.key, Snooze::Minutes(minutes))
                    .await
                    .map(|_| ()),
                // "__closed" and anything unknown: closing is not dismissing.
                None => Ok(()),
            },
        };
        if let Err(e) = result {
            eprintln!(
                "traycal: reminder action {action:?} for {:?}: {e}",
                r.summary
            );
        }
        shell.wake_reminders();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reminder(start_in: i64) -> DueReminder {
        DueReminder {
            key: "k".into(),
            event_id: 1,
            calendar_id: 1,
            uid: "u".into(),
            recurrence_id: String::new(),
            summary: "Standup".into(),
            location: Some("https://meet.google.com/abc-defg-hij".into()),
            start_utc: 1_000 + start_in,
            end_utc: 1_000 + start_in + 900,
            all_day: false,
            fire_at: 1_000,
            lead_secs: 300,
            started_minutes_ago: None,
            snoozed: false,
            join_url: Some("https://meet.google.com/abc-defg-hij".into()),
            join_service: Some("Google Meet".into()),
        }
    }

    #[test]
    fn titles_say_when() {
        assert_eq!(title(&reminder(300), 1_000), "Standup in 5 min");
        assert_eq!(title(&reminder(10), 1_000), "Standup now");
        let mut late = reminder(-420);
        late.started_minutes_ago = Some(7);
        assert_eq!(title(&late, 1_000), "Standup started 7 min ago");
    }

    #[test]
    fn actions_are_join_one_snooze_and_dismiss() {
        let look = Look::default();
        let keys = |r: &DueReminder, now: i64, look: &Look| -> Vec<String> {
            actions(r, now, look).into_iter().map(|(k, _)| k).collect()
        };
        // Three buttons at most (GNOME shows no more), and the click.
        assert_eq!(
            keys(&reminder(600), 1_000, &look),
            ["join", "snooze-5", "dismiss", "default"]
        );
        // The meeting starts sooner than the snooze would end: snooze until it starts.
        assert_eq!(
            keys(&reminder(120), 1_000, &look),
            ["join", "snooze-start", "dismiss", "default"]
        );
        // The user's length.
        let ten = Look {
            snooze_minutes: 10,
            ..look
        };
        let labelled = actions(&reminder(3600), 1_000, &ten);
        assert_eq!(labelled[1], ("snooze-10".into(), "Snooze 10 min".into()));
        let mut no_link = reminder(30);
        no_link.join_url = None;
        no_link.join_service = None;
        assert_eq!(
            keys(&no_link, 1_000, &look),
            ["snooze-5", "dismiss", "default"]
        );
        // The location that is the join link itself is not repeated in the body.
        assert!(!body(&reminder(300), &look).contains("meet.google.com"));
        assert!(body(&reminder(300), &look).ends_with("Google Meet"));
    }

    #[test]
    fn the_body_follows_the_users_clock() {
        use chrono::TimeZone;
        let mut r = reminder(0);
        let t = chrono::Local
            .with_ymd_and_hms(2026, 11, 23, 14, 30, 0)
            .single()
            .unwrap()
            .timestamp();
        r.start_utc = t;
        r.end_utc = t + 1800;
        let twelve = Look {
            hour12: true,
            ..Look::default()
        };
        assert!(
            body(&r, &twelve).starts_with("2:30 PM–3:00 PM"),
            "{}",
            body(&r, &twelve)
        );
        assert!(body(&r, &Look::default()).starts_with("14:30–15:00"));
    }

    #[test]
    fn feed_text_in_the_body_is_not_markup() {
        let mut r = reminder(300);
        r.location = Some("<a href=\"https://evil.example\">Room</a> & <img src=x>".into());
        let b = body(&r, &Look::default());
        assert!(
            b.contains(
                "&lt;a href=\"https://evil.example\"&gt;Room&lt;/a&gt; &amp; &lt;img src=x&gt;"
            ),
            "{b}"
        );
        assert!(!b.contains('<'), "{b}");
    }
}
