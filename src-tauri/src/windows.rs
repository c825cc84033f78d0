//! The app's windows: agenda, settings and welcome, created on demand.
//!
//! Invariant: windows open only in the window process (see [`crate::window_process`]);
//! the tray process asks it to show them. A closed window is destroyed, webview and
//! all (Tauri's default close), and the window process ends with its last window, so
//! an idle Traycal with no window open keeps no WebKit process and none of WebKit's
//! memory (the end-to-end test checks it, then reopens a window). All three windows
//! load the same page; the UI picks its view from the window label.

use std::time::Duration;

use tauri::webview::PageLoadEvent;
use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindow, WebviewWindowBuilder};
use traycal_tray::windows::WindowKind;

fn title(kind: WindowKind) -> &'static str {
    match kind {
        WindowKind::Agenda => "Traycal — Agenda",
        WindowKind::Settings => "Traycal — Settings",
        WindowKind::Welcome => "Welcome to Traycal",
    }
}

/// (width, height, min width, min height), logical pixels.
fn size(kind: WindowKind) -> (f64, f64, f64, f64) {
    match kind {
        WindowKind::Agenda => (900.0, 640.0, 420.0, 480.0),
        WindowKind::Settings => (760.0, 600.0, 600.0, 440.0),
        WindowKind::Welcome => (520.0, 420.0, 420.0, 360.0),
    }
}

/// Shows a window in this process: focuses it when it is open, creates it otherwise.
pub fn show_here<R: Runtime>(app: &AppHandle<R>, kind: WindowKind) -> tauri::Result<()> {
    if let Some(window) = app.get_webview_window(kind.label()) {
        window.unminimize()?;
        window.show()?;
        window.set_focus()?;
        return Ok(());
    }
    let (w, h, min_w, min_h) = size(kind);
    // Hidden until the page has loaded, so no blank frame shows first.
    let window = WebviewWindowBuilder::new(app, kind.label(), WebviewUrl::App("index.html".into()))
        .title(title(kind))
        .inner_size(w, h)
        .min_inner_size(min_w, min_h)
        .center()
        .visible(false)
        .focused(true)
        .on_page_load(|window, payload| {
            if payload.event() == PageLoadEvent::Finished {
                reveal(&window);
            }
        })
        .build()?;
    // A page that never reports its load must not leave an invisible window behind.
    std::thread::spawn(move || {
        std::thread::sleep(REVEAL_AT_LATEST);
        if !window.is_visible().unwrap_or(true) {
            reveal(&window);
        }
    });
    Ok(())
}

/// How long a new window may stay hidden waiting for its page.
const REVEAL_AT_LATEST: Duration = Duration::from_secs(2);

fn reveal<R: Runtime>(window: &WebviewWindow<R>) {
    // Failures here mean the window is already gone: nothing to show.
    let _ = window.show();
    let _ = window.set_focus();
}
