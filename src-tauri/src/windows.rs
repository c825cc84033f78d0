//! The app's windows: agenda, settings and welcome, created on demand.
//!
//! Invariant: a closed window is destroyed, webview and all (Tauri's default close),
//! and when the last one is gone the app ends WebKit's network process, so an idle
//! Traycal with no window open keeps no WebKit process alive (the end-to-end test
//! checks it, then reopens a window). Closing the last window never quits the app (see
//! `lib.rs`, `RunEvent::ExitRequested`). All three load the same page; the UI picks
//! its view from the window label.

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};

/// A window of the app. The label is the serialised name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum WindowKind {
    Agenda,
    Settings,
    Welcome,
}

impl WindowKind {
    pub fn label(self) -> &'static str {
        match self {
            WindowKind::Agenda => "agenda",
            WindowKind::Settings => "settings",
            WindowKind::Welcome => "welcome",
        }
    }

    fn title(self) -> &'static str {
        match self {
            WindowKind::Agenda => "Traycal — Agenda",
            WindowKind::Settings => "Traycal — Settings",
            WindowKind::Welcome => "Welcome to Traycal",
        }
    }

    /// (width, height, min width, min height), logical pixels.
    fn size(self) -> (f64, f64, f64, f64) {
        match self {
            WindowKind::Agenda => (900.0, 640.0, 420.0, 480.0),
            WindowKind::Settings => (760.0, 600.0, 600.0, 440.0),
            WindowKind::Welcome => (520.0, 420.0, 420.0, 360.0),
        }
    }
}

/// Shows a window: focuses it when it is open, creates it otherwise.
pub fn show<R: Runtime>(app: &AppHandle<R>, kind: WindowKind) -> tauri::Result<()> {
    if let Some(window) = app.get_webview_window(kind.label()) {
        window.unminimize()?;
        window.show()?;
        window.set_focus()?;
        return Ok(());
    }
    let (w, h, min_w, min_h) = kind.size();
    WebviewWindowBuilder::new(app, kind.label(), WebviewUrl::App("index.html".into()))
        .title(kind.title())
        .inner_size(w, h)
        .min_inner_size(min_w, min_h)
        .center()
        .focused(true)
        .build()?;
    Ok(())
}

/// Gives back what WebKit keeps after the last window closed; call it when a window
/// was destroyed. Runs on the main thread, where windows are created, so no window can
/// appear between the check and the clean-up.
pub fn release_webkit_when_idle<R: Runtime>(app: &AppHandle<R>) {
    let handle = app.clone();
    let result = app.run_on_main_thread(move || {
        if handle.webview_windows().is_empty() {
            webkit::release();
        }
    });
    if let Err(e) = result {
        eprintln!("traycal: {e}");
    }
}

#[cfg(target_os = "linux")]
mod webkit {
    //! WebKitGTK specifics.
    //!
    //! Why: WebKit never ends its network process, and Tauri keeps the web context for
    //! the app's lifetime on Linux so that it is reused (tauri-apps/tauri#14626). An
    //! idle tray app would then keep the network process (~60 MiB) forever after the
    //! first window. WebKit starts a new network process when a page needs one, so
    //! ending it when no window is open is safe (the end-to-end tests reopen a window
    //! after it).

    use std::fs;

    /// Ends WebKit's network process (a child of ours: its pid cannot go to another
    /// process before we reap it).
    pub fn release() {
        use rustix::process::{kill_process, Pid, Signal};
        for pid in child_processes(std::process::id(), "WebKitNetwork") {
            if let Some(pid) = Pid::from_raw(pid) {
                if let Err(e) = kill_process(pid, Signal::TERM) {
                    eprintln!("traycal: cannot end WebKit's network process {pid:?}: {e}");
                }
            }
        }
    }

    /// Children of `parent` whose command name starts with `prefix` (from /proc).
    fn child_processes(parent: u32, prefix: &str) -> Vec<i32> {
        let Ok(entries) = fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
            .filter(|pid| {
                let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
                    return false;
                };
                // "pid (comm) state ppid …": comm may hold spaces and parentheses.
                let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
                    return false;
                };
                let comm = &stat[open + 1..close];
                let ppid = stat[close + 1..].split_whitespace().nth(1);
                comm.starts_with(prefix) && ppid == Some(parent.to_string().as_str())
            })
            .collect()
    }
}

#[cfg(not(target_os = "linux"))]
mod webkit {
    pub fn release() {}
}
