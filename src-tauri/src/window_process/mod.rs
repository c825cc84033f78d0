//! The windows run in a process of their own.
//!
//! Why: WebKit, once a webview was created, leaves ~110 MiB in the process that made
//! it (its libraries, LLVM through Mesa's EGL, heap) even after every window closed.
//! A tray app runs all day with no window open, so the tray process never creates a
//! webview: when a window is wanted it starts this same program with
//! [`WINDOW_PROCESS_FLAG`], which shows the windows and ends with the last one,
//! giving all of WebKit's memory back.
//!
//! The tray process keeps everything else: the engine, sync, reminders, the tray, the
//! global shortcut, single instance. The window process is a view: each command of
//! the typed contract is passed to the tray process and run there by
//! [`crate::ipc::route`], and the contract's events come back the same way ([`wire`]).

mod tray_side;
mod window_side;
pub mod wire;

pub use tray_side::WindowProcess;
pub use window_side::run;

/// Command-line flag of the window process: `--window-process <window> <request>`,
/// with its standard input a socket to the tray process. Not for people.
pub const WINDOW_PROCESS_FLAG: &str = "--window-process";
