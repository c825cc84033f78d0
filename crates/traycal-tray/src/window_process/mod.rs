//! The windows run in a process of their own.
//!
//! Why: WebKit, once a webview was created, leaves ~110 MiB in the process that made
//! it (its libraries, LLVM through Mesa's EGL, heap) even after every window closed,
//! and merely linking it costs a process ~30 MiB (relocating libwebkit2gtk,
//! JavaScriptCore and their speech-synthesis voices). A tray app runs all day with no
//! window open, so the tray process does not link Tauri or WebKit at all: when a
//! window is wanted it starts the window program ([`WINDOW_PROGRAM`], src-tauri's
//! Tauri app, installed beside this one) with [`WINDOW_PROCESS_FLAG`]. That program
//! shows the windows and ends with the last one, giving all of WebKit's memory back.
//!
//! The tray process keeps everything else: the engine, sync, reminders, the tray, the
//! global shortcut, single instance. The window process is a view: each command of
//! the typed contract is passed to the tray process and run there by
//! [`crate::route`], and the contract's events come back the same way ([`wire`]).

mod parent;
pub mod wire;

pub use parent::WindowProcess;

/// The window program's file name; it is installed in the same directory as the tray
/// program.
pub const WINDOW_PROGRAM: &str = "traycal-window";

/// Command-line flag of the window process: `--window-process <window> <request>`,
/// with its standard input a socket to the tray process. Not for people.
pub const WINDOW_PROCESS_FLAG: &str = "--window-process";
