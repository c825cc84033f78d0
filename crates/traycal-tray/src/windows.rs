//! The app's windows, as the tray process names them: agenda, settings and welcome.
//!
//! The windows themselves live in the window process (src-tauri); the tray process
//! only asks for one to be shown ([`crate::window_process::WindowProcess::open`]).

use serde::{Deserialize, Serialize};

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

    /// The window of a label.
    pub fn from_label(label: &str) -> Option<WindowKind> {
        [
            WindowKind::Agenda,
            WindowKind::Settings,
            WindowKind::Welcome,
        ]
        .into_iter()
        .find(|k| k.label() == label)
    }
}
