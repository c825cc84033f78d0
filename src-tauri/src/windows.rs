//! The app's windows: agenda, settings and welcome, created on demand.
//!
//! Invariant: a closed window is destroyed, webview and all (Tauri's default close),
//! so an idle Traycal with no window open keeps no WebKit process alive; closing the
//! last window never quits the app (see `lib.rs`, `RunEvent::ExitRequested`). All
//! three load the same page; the UI picks its view from the window label.

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
