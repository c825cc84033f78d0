//! The tray icon and its menu.
//!
//! [`model`] is pure: from the remaining events of today and tomorrow, their join
//! links, the sync state and `now`, it builds what the menu shows (tested without a
//! display). [`run`] reads the engine, builds the model and hands it to the thread
//! that owns the icon ([`serve`]); it runs at start and whenever the shell asks
//! ([`Shell::refresh_tray`]: the mirror changed, a sync started or ended, the minute
//! turned). With `TRAYCAL_TRAY_DUMP=<file>` the model is also written there as JSON
//! after each refresh (the end-to-end tests read it next to the D-Bus menu).
//!
//! The icon is a StatusNotifierItem with a D-Bus menu (freedesktop's tray protocol, as
//! KDE, GNOME's AppIndicator extension, XFCE and others show it), served by
//! `tray-icon`'s pure-D-Bus backend: no GTK main loop and no widget toolkit in the
//! tray process. Its objects are not `Send`, so one thread owns them and is told what
//! to show over a channel; menu clicks arrive on the D-Bus thread and run on the
//! async runtime.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Arc;

use chrono::{DateTime, Local, NaiveDate, TimeZone};
use serde::Serialize;
use tray_icon::menu::{
    Icon as MenuIcon, IconMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem,
};
use tray_icon::{Icon, TrayIcon, TrayIconBuilder};
use traycal_core::join::JoinLink;
use traycal_engine::agenda::AgendaEntry;

use crate::shell::{Shell, TrayState};
use crate::windows::WindowKind;

/// The tray icon's id.
pub const TRAY_ID: &str = "traycal";
/// Most events listed in the menu; the rest are behind "Open agenda".
const MAX_EVENTS: usize = 12;

/// One menu line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TrayItem {
    /// A day heading or a status line (not clickable).
    Label {
        text: String,
    },
    /// An event; clicking opens the agenda.
    Event {
        id: String,
        text: String,
        color: Option<String>,
        running: bool,
    },
    /// Joins the event above.
    Join {
        id: String,
        text: String,
    },
    Action {
        id: String,
        text: String,
        enabled: bool,
    },
    Separator,
}

/// What the tray shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrayModel {
    pub state: TrayState,
    pub tooltip: String,
    pub items: Vec<TrayItem>,
}

/// The sync facts the menu shows.
#[derive(Debug, Clone, Default)]
pub struct SyncFacts {
    pub syncing: bool,
    pub last_error: Option<String>,
    pub last_sync_at: Option<i64>,
    pub sources: usize,
    /// The clock times are written in (the user's display setting).
    pub hour12: bool,
}

fn local(secs: i64) -> Option<DateTime<Local>> {
    Local.timestamp_opt(secs, 0).single()
}

/// The local date an entry starts on (all-day entries carry their date as written).
fn start_date(e: &AgendaEntry) -> Option<NaiveDate> {
    if e.all_day {
        NaiveDate::parse_from_str(&e.start, "%Y-%m-%d").ok()
    } else {
        local(e.start_utc).map(|t| t.date_naive())
    }
}

/// "5 min", "1 h 5 min", "2 h".
fn span_text(secs: i64) -> String {
    let minutes = (secs + 59) / 60;
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// The tooltip: what is running, or what comes next and when.
/// A local time on the user's clock.
fn clock(secs: i64, hour12: bool) -> String {
    local(secs)
        .map(|t| traycal_engine::display::clock_time(&t, hour12))
        .unwrap_or_default()
}

fn tooltip(entries: &[AgendaEntry], now: i64, hour12: bool) -> String {
    let timed = entries.iter().filter(|e| !e.all_day);
    let running = timed
        .clone()
        .find(|e| e.start_utc <= now && e.end_utc > now);
    let next = timed
        .filter(|e| e.start_utc > now)
        .min_by_key(|e| e.start_utc);
    match (running, next) {
        (Some(r), Some(n)) if n.start_utc - now <= 15 * 60 => format!(
            "{} now · {} in {}",
            r.summary,
            n.summary,
            span_text(n.start_utc - now)
        ),
        (Some(r), _) => format!("{} now (ends in {})", r.summary, span_text(r.end_utc - now)),
        (None, Some(n)) if n.start_utc - now < 12 * 3600 => {
            format!("{} in {}", n.summary, span_text(n.start_utc - now))
        }
        (None, Some(n)) => format!(
            "Next: {} at {}",
            n.summary,
            local(n.start_utc)
                .map(|t| format!("{} {}", t.format("%a"), clock(n.start_utc, hour12)))
                .unwrap_or_default()
        ),
        (None, None) => "Traycal: nothing coming up".into(),
    }
}

fn event_text(e: &AgendaEntry, now: i64, hour12: bool) -> String {
    let time = if e.all_day {
        "All day".to_string()
    } else {
        format!(
            "{}–{}",
            clock(e.start_utc, hour12),
            clock(e.end_utc, hour12)
        )
    };
    let running = !e.all_day && e.start_utc <= now && e.end_utc > now;
    let mark = if running { "▶ " } else { "" };
    format!("{mark}{time}  {} — {}", e.summary, e.calendar)
}

/// Builds the menu model (pure). `entries` are the occurrences from now to the end
/// of tomorrow, ordered by start; `joins` holds the join links by event id.
pub fn model(
    entries: &[AgendaEntry],
    joins: &HashMap<i64, JoinLink>,
    facts: &SyncFacts,
    now: i64,
) -> TrayModel {
    let today = local(now).map(|t| t.date_naive());
    let remaining: Vec<&AgendaEntry> = entries.iter().filter(|e| e.end_utc > now).collect();
    let mut items = Vec::new();
    let next_with_link = remaining
        .iter()
        .filter(|e| !e.all_day && joins.contains_key(&e.event_id))
        .find(|e| e.end_utc > now);
    items.push(TrayItem::Action {
        id: "join-next".into(),
        text: match next_with_link {
            Some(e) => format!("Join next meeting: {}", e.summary),
            None => "Join next meeting".into(),
        },
        enabled: next_with_link.is_some(),
    });
    items.push(TrayItem::Separator);
    let mut shown = 0;
    for (heading, day) in [
        ("Today", today),
        ("Tomorrow", today.and_then(|d| d.succ_opt())),
    ] {
        let on_day: Vec<&&AgendaEntry> = remaining
            .iter()
            .filter(|e| {
                day.is_some() && start_date(e) == day || (heading == "Today" && start_date(e) < day)
            })
            .collect();
        items.push(TrayItem::Label {
            text: heading.into(),
        });
        if on_day.is_empty() {
            items.push(TrayItem::Label {
                text: "  No more events".into(),
            });
        }
        for e in on_day {
            if shown == MAX_EVENTS {
                break;
            }
            shown += 1;
            items.push(TrayItem::Event {
                // Clicking it opens this occurrence in the agenda.
                id: format!("event:{}:{}", e.event_id, e.start_utc),
                text: event_text(e, now, facts.hour12),
                color: e.color.clone(),
                running: !e.all_day && e.start_utc <= now && e.end_utc > now,
            });
            if let Some(link) = joins.get(&e.event_id) {
                items.push(TrayItem::Join {
                    id: format!("join:{}", e.event_id),
                    text: format!("    Join ({})", link.service_name),
                });
            }
        }
    }
    let hidden = remaining.len().saturating_sub(shown);
    if hidden > 0 {
        items.push(TrayItem::Label {
            text: format!("  … {hidden} more in the agenda"),
        });
    }
    items.push(TrayItem::Separator);
    items.push(TrayItem::Action {
        id: "sync-now".into(),
        text: if facts.syncing {
            "Syncing…".into()
        } else {
            "Sync now".into()
        },
        enabled: !facts.syncing && facts.sources > 0,
    });
    let status = match (&facts.last_error, facts.last_sync_at) {
        (Some(err), _) => format!("Sync problem: {}", shorten(err, 80)),
        (None, Some(at)) => format!("Last sync {}", clock(at, facts.hour12)),
        (None, None) if facts.sources == 0 => "No calendars yet".into(),
        (None, None) => "Not synced yet".into(),
    };
    items.push(TrayItem::Label { text: status });
    items.push(TrayItem::Separator);
    for (id, text) in [
        ("open-agenda", "Open agenda"),
        ("open-settings", "Settings…"),
    ] {
        items.push(TrayItem::Action {
            id: id.into(),
            text: text.into(),
            enabled: true,
        });
    }
    items.push(TrayItem::Separator);
    items.push(TrayItem::Action {
        id: "quit".into(),
        text: "Quit Traycal".into(),
        enabled: true,
    });
    let state = if facts.syncing {
        TrayState::Syncing
    } else if facts.last_error.is_some() {
        TrayState::Error
    } else {
        TrayState::Idle
    };
    TrayModel {
        state,
        tooltip: tooltip(
            &remaining.into_iter().cloned().collect::<Vec<_>>(),
            now,
            facts.hour12,
        ),
        items,
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max).collect();
    s.push('…');
    s
}

/// A 16×16 square of `#rrggbb` or `#rgb`, for an event's calendar.
fn swatch(color: &str) -> Option<MenuIcon> {
    MenuIcon::from_rgba(swatch_rgba(color)?, 16, 16).ok()
}

/// The pixels of [`swatch`], as RGBA.
fn swatch_rgba(color: &str) -> Option<Vec<u8>> {
    let hex = color.strip_prefix('#')?;
    let (r, g, b) = match hex.len() {
        6 => (
            u8::from_str_radix(&hex[0..2], 16).ok()?,
            u8::from_str_radix(&hex[2..4], 16).ok()?,
            u8::from_str_radix(&hex[4..6], 16).ok()?,
        ),
        3 => {
            let d = |i: usize| u8::from_str_radix(&hex[i..=i], 16).ok().map(|v| v * 17);
            (d(0)?, d(1)?, d(2)?)
        }
        _ => return None,
    };
    let mut rgba = Vec::with_capacity(16 * 16 * 4);
    for _ in 0..256 {
        rgba.extend_from_slice(&[r, g, b, 255]);
    }
    Some(rgba)
}

/// Decodes one of the icons below (8-bit RGBA PNG files, checked by a test).
fn rgba(png_bytes: &[u8]) -> Result<(Vec<u8>, u32, u32), String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let size = reader.output_buffer_size().ok_or("the icon is too large")?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    if info.color_type != png::ColorType::Rgba {
        return Err(format!("the icon is {:?}, not RGBA", info.color_type));
    }
    buf.truncate(info.buffer_size());
    Ok((buf, info.width, info.height))
}

fn icon(state: TrayState) -> Result<Icon, String> {
    let bytes: &[u8] = match state {
        TrayState::Idle => include_bytes!("../icons/idle.png"),
        TrayState::Syncing => include_bytes!("../icons/syncing.png"),
        TrayState::Error => include_bytes!("../icons/error.png"),
        TrayState::Conflict => include_bytes!("../icons/conflict.png"),
    };
    let (rgba, width, height) = rgba(bytes)?;
    Icon::from_rgba(rgba, width, height).map_err(|e| e.to_string())
}

fn menu(model: &TrayModel) -> Result<Menu, String> {
    let menu = Menu::new();
    let mut label_n = 0;
    let added = |r: tray_icon::menu::Result<()>| r.map_err(|e| e.to_string());
    for item in &model.items {
        match item {
            TrayItem::Label { text } => {
                label_n += 1;
                added(menu.append(&MenuItem::with_id(
                    format!("label:{label_n}"),
                    text,
                    false,
                    None,
                )))?;
            }
            TrayItem::Event {
                id, text, color, ..
            } => {
                let icon = color.as_deref().and_then(swatch);
                added(menu.append(&IconMenuItem::with_id(id, text, true, icon, None)))?;
            }
            TrayItem::Join { id, text } => {
                added(menu.append(&MenuItem::with_id(id, text, true, None)))?;
            }
            TrayItem::Action { id, text, enabled } => {
                added(menu.append(&MenuItem::with_id(id, text, *enabled, None)))?;
            }
            TrayItem::Separator => added(menu.append(&PredefinedMenuItem::separator()))?,
        }
    }
    Ok(menu)
}

/// What the thread that owns the icon is told.
#[derive(Debug)]
pub enum TrayCommand {
    /// Show this model.
    Show(TrayModel),
    /// A tray host (StatusNotifierWatcher) is on the session bus now.
    HostAppeared,
    /// Remove the icon and stop ("Quit").
    Quit,
}

/// The freedesktop tray host's name on the session bus.
const WATCHER: &str = "org.kde.StatusNotifierWatcher";

/// Tells `tray` when a tray host is on the session bus: at once if one is, and each
/// time one appears (a panel that starts after Traycal at login, or restarts). A
/// thread that blocks on the bus; without a session bus it says so and ends.
pub fn watch_host(tray: Sender<TrayCommand>) {
    let spawned = std::thread::Builder::new()
        .name("traycal-tray-host".into())
        .spawn(move || {
            if let Err(e) = follow_host(&tray) {
                eprintln!("traycal: cannot watch for a tray host: {e}");
            }
        });
    if let Err(e) = spawned {
        eprintln!("traycal: cannot watch for a tray host: {e}");
    }
}

fn follow_host(tray: &Sender<TrayCommand>) -> zbus::Result<()> {
    let bus = zbus::blocking::Connection::session()?;
    let proxy = zbus::blocking::fdo::DBusProxy::new(&bus)?;
    // Subscribe first, then ask: a host that appears in between is not missed.
    let changes = proxy.receive_name_owner_changed_with_args(&[(0, WATCHER)])?;
    let name = zbus::names::BusName::try_from(WATCHER)?;
    if proxy.name_has_owner(name)? && tray.send(TrayCommand::HostAppeared).is_err() {
        return Ok(());
    }
    for change in changes {
        let appeared = change.args().is_ok_and(|a| a.new_owner().is_some());
        if appeared && tray.send(TrayCommand::HostAppeared).is_err() {
            break;
        }
    }
    Ok(())
}

/// Owns the tray icon on this thread until [`TrayCommand::Quit`] or until every
/// sender is gone; `on_menu` gets the id of each clicked menu item (on the D-Bus
/// thread).
///
/// The icon is created once a tray host is there ([`watch_host`] says so). Until then,
/// or on a desktop without one, the app runs on without an icon: reminders, the join
/// shortcut and the windows (`traycal-app --agenda`) work all the same.
pub fn serve(commands: Receiver<TrayCommand>, on_menu: impl Fn(String) + Send + Sync + 'static) {
    MenuEvent::set_event_handler(Some(move |event: MenuEvent| on_menu(event.id.0)));
    let mut latest = TrayModel {
        state: TrayState::Idle,
        tooltip: "Traycal".into(),
        items: vec![TrayItem::Action {
            id: "quit".into(),
            text: "Quit Traycal".into(),
            enabled: true,
        }],
    };
    // The icon and the state its image shows.
    let mut tray: Option<(TrayIcon, TrayState)> = None;
    for command in commands {
        match command {
            TrayCommand::Show(model) => {
                if let Some((icon, shown)) = &mut tray {
                    if let Err(e) = show(icon, shown, &model) {
                        eprintln!("traycal: tray: {e}");
                    }
                }
                latest = model;
            }
            TrayCommand::HostAppeared => {
                if tray.is_none() {
                    tray = create(&latest).map(|icon| (icon, latest.state));
                }
            }
            TrayCommand::Quit => break,
        }
    }
    MenuEvent::set_event_handler(None::<fn(MenuEvent)>);
}

/// The icon showing `model`.
fn create(model: &TrayModel) -> Option<TrayIcon> {
    let built = menu(model).and_then(|menu| {
        TrayIconBuilder::new()
            .with_id(TRAY_ID)
            .with_title("Traycal")
            .with_icon(icon(model.state)?)
            .with_tooltip(&model.tooltip)
            .with_menu(Box::new(menu))
            .with_menu_on_left_click(true)
            .build()
            .map_err(|e| e.to_string())
    });
    built
        .inspect_err(|e| eprintln!("traycal: cannot show the tray icon: {e}"))
        .ok()
}

/// Puts `model` on the icon. The icon image changes only with the state (decoding it
/// and sending it over D-Bus each minute would be work for nothing).
fn show(tray: &TrayIcon, shown: &mut TrayState, model: &TrayModel) -> Result<(), String> {
    tray.set_menu(Some(Box::new(menu(model)?)));
    tray.set_tooltip(Some(&model.tooltip))
        .map_err(|e| e.to_string())?;
    if *shown != model.state {
        tray.set_icon(Some(icon(model.state)?))
            .map_err(|e| e.to_string())?;
        *shown = model.state;
    }
    Ok(())
}

/// Runs a clicked menu item (on the async runtime).
pub async fn on_menu(shell: Arc<Shell>, tray: Sender<TrayCommand>, id: String) {
    let result: Result<(), String> = match id.as_str() {
        "quit" => {
            let _ = tray.send(TrayCommand::Quit);
            Ok(())
        }
        "open-agenda" => shell.show_window(WindowKind::Agenda).map_err(|e| e.message),
        "open-settings" => shell
            .show_window(WindowKind::Settings)
            .map_err(|e| e.message),
        "sync-now" => shell.sync(None).await.map(|_| ()).map_err(|e| e.message),
        "join-next" => shell.join_next().await.map(|_| ()).map_err(|p| {
            crate::notifications::tell(p.title, &p.message);
            p.message
        }),
        other => {
            if let Some(event) = other.strip_prefix("join:").and_then(|n| n.parse().ok()) {
                shell
                    .engine
                    .join_event(event)
                    .await
                    .map(|_| ())
                    .map_err(|e| {
                        crate::notifications::tell("Could not open the meeting", &e.plain());
                        e.to_string()
                    })
            } else if let Some((event, start)) = other
                .strip_prefix("event:")
                .and_then(|rest| rest.split_once(':'))
                .and_then(|(e, s)| Some((e.parse().ok()?, s.parse().ok()?)))
            {
                shell.show_event(event, start).map_err(|e| e.message)
            } else {
                Ok(())
            }
        }
    };
    if let Err(e) = result {
        eprintln!("traycal: {id}: {e}");
    }
}

/// Keeps the tray current: builds the model now and whenever the shell asks, and
/// hands it to the icon's thread. Ends when that thread is gone.
pub async fn run(shell: Arc<Shell>, tray: Sender<TrayCommand>) {
    let wake = shell.tray_wake();
    loop {
        match current(&shell).await {
            Ok(model) => {
                if tray.send(TrayCommand::Show(model)).is_err() {
                    return;
                }
            }
            Err(e) => eprintln!("traycal: tray refresh failed: {e}"),
        }
        wake.notified().await;
    }
}

/// The model for now, from the engine.
async fn current(shell: &Shell) -> Result<TrayModel, String> {
    let now = shell.engine.now();
    let end_of_tomorrow = local(now)
        .and_then(|t| t.date_naive().succ_opt()?.succ_opt())
        .and_then(|d| {
            Local
                .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
                .earliest()
        })
        .map_or(now + 2 * 86_400, |t| t.timestamp());
    let entries = shell
        .engine
        .agenda(now, end_of_tomorrow)
        .await
        .map_err(|e| e.to_string())?
        .entries;
    let ids: Vec<i64> = entries.iter().map(|e| e.event_id).take(200).collect();
    let joins: HashMap<i64, JoinLink> = shell
        .engine
        .join_links(ids)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|j| (j.event_id, j.link))
        .collect();
    let (state, last_error) = shell.tray_state();
    let facts = SyncFacts {
        syncing: state == TrayState::Syncing,
        last_error,
        last_sync_at: shell.last_round_at(),
        sources: shell.engine.sources().await.map(|s| s.len()).unwrap_or(0),
        hour12: shell
            .engine
            .display_prefs()
            .await
            .map(|p| p.hour12)
            .unwrap_or(false),
    };
    let model = model(&entries, &joins, &facts, now);
    if let Some(path) = std::env::var_os("TRAYCAL_TRAY_DUMP") {
        let json = serde_json::to_vec_pretty(&model).map_err(|e| e.to_string())?;
        std::fs::write(path, json).map_err(|e| e.to_string())?;
    }
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, summary: &str, start: i64, minutes: i64) -> AgendaEntry {
        AgendaEntry {
            start: String::new(),
            end: String::new(),
            start_utc: start,
            end_utc: start + minutes * 60,
            all_day: false,
            floating: false,
            summary: summary.into(),
            location: None,
            status: None,
            uid: format!("{id}@t"),
            recurrence_id: String::new(),
            calendar: "Work".into(),
            color: Some("#2b6cb0".into()),
            source_id: 1,
            calendar_id: 1,
            pending: false,
            event_id: id,
        }
    }

    fn link(service: &str) -> JoinLink {
        JoinLink {
            url: "https://meet.google.com/abc-defg-hij".into(),
            service_id: "google-meet".into(),
            service_name: service.into(),
            source: traycal_core::join::Source::Location,
            meeting_id: None,
            passcode: None,
            dial_in: None,
        }
    }

    /// Noon today, local time.
    fn noon() -> i64 {
        let today = Local::now().date_naive();
        Local
            .from_local_datetime(&today.and_hms_opt(12, 0, 0).unwrap())
            .earliest()
            .unwrap()
            .timestamp()
    }

    fn texts(m: &TrayModel) -> Vec<String> {
        m.items
            .iter()
            .map(|i| match i {
                TrayItem::Label { text } | TrayItem::Join { text, .. } => text.clone(),
                TrayItem::Event { text, .. } => text.clone(),
                TrayItem::Action { text, .. } => text.clone(),
                TrayItem::Separator => "---".into(),
            })
            .collect()
    }

    #[test]
    fn running_and_next_events_with_join_entries() {
        let now = noon();
        let entries = vec![
            entry(1, "Old", now - 7200, 30),
            entry(2, "Standup", now - 300, 15),
            entry(3, "Review", now + 600, 30),
            entry(4, "Planning", now + 86_400, 60),
        ];
        let joins = HashMap::from([(3, link("Google Meet"))]);
        let facts = SyncFacts {
            sources: 1,
            last_sync_at: Some(now - 60),
            ..SyncFacts::default()
        };
        let m = model(&entries, &joins, &facts, now);
        let t = texts(&m);
        assert_eq!(t[0], "Join next meeting: Review");
        assert!(
            !t.iter().any(|l| l.contains("Old")),
            "finished events are left out: {t:?}"
        );
        let standup = t.iter().position(|l| l.contains("Standup")).unwrap();
        assert!(t[standup].starts_with("▶ "), "{t:?}");
        let review = t
            .iter()
            .position(|l| l.contains("–") && l.contains("Review"))
            .unwrap();
        assert_eq!(t[review + 1], "    Join (Google Meet)");
        let tomorrow = t.iter().position(|l| l == "Tomorrow").unwrap();
        assert!(
            tomorrow > review && t[tomorrow + 1].contains("Planning"),
            "{t:?}"
        );
        assert_eq!(m.tooltip, "Standup now · Review in 10 min");
        assert_eq!(m.state, TrayState::Idle);
        assert!(t.iter().any(|l| l.starts_with("Last sync ")));
        assert!(
            matches!(m.items.iter().find(|i| matches!(i, TrayItem::Event { running: true, .. })),
            Some(TrayItem::Event { id, .. }) if *id == format!("event:2:{}", now - 300))
        );
    }

    #[test]
    fn errors_syncing_and_empty_days_show() {
        let now = noon();
        let facts = SyncFacts {
            last_error: Some("Work: HTTP 500 from https://example.org/cal.ics".into()),
            sources: 1,
            ..SyncFacts::default()
        };
        let m = model(&[], &HashMap::new(), &facts, now);
        let t = texts(&m);
        assert_eq!(m.state, TrayState::Error);
        assert!(t.contains(
            &"Sync problem: Work: HTTP 500 from https://example.org/cal.ics".to_string()
        ));
        assert_eq!(t.iter().filter(|l| *l == "  No more events").count(), 2);
        assert_eq!(t[0], "Join next meeting");
        assert!(matches!(
            &m.items[0],
            TrayItem::Action { enabled: false, .. }
        ));
        assert_eq!(m.tooltip, "Traycal: nothing coming up");
        let syncing = model(
            &[],
            &HashMap::new(),
            &SyncFacts {
                syncing: true,
                sources: 1,
                ..SyncFacts::default()
            },
            now,
        );
        assert_eq!(syncing.state, TrayState::Syncing);
        assert!(texts(&syncing).contains(&"Syncing…".to_string()));
    }

    #[test]
    fn long_days_are_cut_and_counted() {
        let now = noon();
        let entries: Vec<AgendaEntry> = (0..20)
            .map(|i| entry(i, &format!("E{i}"), now + i * 600, 5))
            .collect();
        let m = model(&entries, &HashMap::new(), &SyncFacts::default(), now);
        let events = m
            .items
            .iter()
            .filter(|i| matches!(i, TrayItem::Event { .. }))
            .count();
        assert_eq!(events, MAX_EVENTS);
        assert!(texts(&m).contains(&"  … 8 more in the agenda".to_string()));
        assert_eq!(m.tooltip, "E0 now · E1 in 10 min");
    }

    #[test]
    fn tooltip_phrases() {
        let now = noon();
        assert_eq!(
            tooltip(&[entry(1, "A", now + 3900, 30)], now, false),
            "A in 1 h 5 min"
        );
        assert_eq!(
            tooltip(&[entry(1, "A", now - 60, 30)], now, false),
            "A now (ends in 29 min)"
        );
        assert!(
            tooltip(&[entry(1, "A", now + 20 * 3600, 30)], now, false).starts_with("Next: A at ")
        );
        assert_eq!(
            swatch_rgba("#ff0000").map(|p| p[..4].to_vec()),
            Some(vec![255, 0, 0, 255])
        );
        assert_eq!(swatch_rgba("#0f0").map(|p| p.len()), Some(16 * 16 * 4));
        assert!(swatch_rgba("red").is_none());
    }

    #[test]
    fn every_state_has_an_rgba_icon() {
        for state in [
            TrayState::Idle,
            TrayState::Syncing,
            TrayState::Error,
            TrayState::Conflict,
        ] {
            let bytes: &[u8] = match state {
                TrayState::Idle => include_bytes!("../icons/idle.png"),
                TrayState::Syncing => include_bytes!("../icons/syncing.png"),
                TrayState::Error => include_bytes!("../icons/error.png"),
                TrayState::Conflict => include_bytes!("../icons/conflict.png"),
            };
            let (pixels, width, height) = rgba(bytes).unwrap();
            assert_eq!(pixels.len(), (width * height * 4) as usize, "{state:?}");
            assert!(
                width >= 16 && width == height,
                "{state:?}: {width}×{height}"
            );
            icon(state).unwrap();
        }
        assert!(rgba(b"not a png").is_err());
    }
}
