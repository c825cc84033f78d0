//! Traycal's windows: the Tauri app that shows the agenda, settings and welcome
//! windows, and the typed IPC contract they use.
//!
//! Two programs are built from this package:
//! - `traycal-app` (`src/main.rs`), the tray process people run: `traycal_tray`, which
//!   owns the engine and never links Tauri or WebKit;
//! - `traycal-window` (`src/bin/traycal-window.rs`), the window process the tray
//!   process starts when a window is wanted ([`window_process`]). It ends with its
//!   last window, giving WebKit's memory back.
//!
//! This crate declares the contract to Tauri ([`ipc`]), expanded from the lists of
//! `traycal-contract`; `ui/src/platform/bindings.ts` is generated from it. No calendar
//! logic lives here.

pub mod ipc;
pub mod window_process;
pub mod windows;
