//! The window process: runs the webviews, passes their commands to the tray process
//! and its events to them, and ends with its last window.
//!
//! The tray process (`traycal_tray`, which links neither Tauri nor WebKit) starts this
//! program when a window is wanted, with a socket pair as its standard input; see
//! `traycal_tray::window_process` for why and for the tray's side.
//!
//! Invariants:
//! - This process never opens the engine: every command is answered by the tray
//!   process (one engine, one sync loop, one reminder scheduler). Tauri has already
//!   checked a command against the window's capability before it is passed on.
//! - It ends when its last window is destroyed (Tauri's default) and when the tray
//!   process is gone (its socket closes), so it never outlives the app.

use std::collections::HashMap;
use std::io::BufReader;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use tauri::ipc::{Invoke, InvokeBody, InvokeResolver};
use tauri::{AppHandle, Emitter, Wry};

use traycal_tray::commands::{IpcError, IpcErrorCode};
use traycal_tray::window_process::wire::{self, Frame};
use traycal_tray::windows::WindowKind;

use crate::windows;

/// Commands in flight to the tray process.
struct TrayLink {
    outbox: Sender<Frame>,
    calls: Mutex<HashMap<u64, InvokeResolver<Wry>>>,
    next: AtomicU64,
}

impl TrayLink {
    /// Passes a webview's command on; it is answered when the reply comes back.
    fn forward(&self, invoke: Invoke<Wry>) -> bool {
        let Invoke {
            message, resolver, ..
        } = invoke;
        let args = match message.payload() {
            InvokeBody::Json(args) => args.clone(),
            InvokeBody::Raw(_) => {
                resolver.reject(IpcError::new(
                    IpcErrorCode::InvalidInput,
                    format!("`{}` takes JSON arguments", message.command()),
                ));
                return true;
            }
        };
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut calls) = self.calls.lock() {
            calls.insert(id, resolver);
        }
        let call = Frame::Call {
            id,
            command: message.command().to_string(),
            args,
        };
        if self.outbox.send(call).is_err() {
            self.answer(id, Err(tray_gone()));
        }
        true
    }

    fn answer(&self, id: u64, result: Result<serde_json::Value, IpcError>) {
        let resolver = self.calls.lock().ok().and_then(|mut c| c.remove(&id));
        match (resolver, result) {
            (Some(resolver), Ok(value)) => resolver.resolve(value),
            (Some(resolver), Err(error)) => resolver.reject(error),
            (None, _) => eprintln!("traycal: a reply to no call ({id})"),
        }
    }

    /// The tray process is gone: fail what waits for it.
    fn fail_all(&self) {
        let calls = self
            .calls
            .lock()
            .map(|mut c| std::mem::take(&mut *c))
            .unwrap_or_default();
        for resolver in calls.into_values() {
            resolver.reject(tray_gone());
        }
    }
}

fn tray_gone() -> IpcError {
    IpcError::new(
        IpcErrorCode::TrayGone,
        "Traycal's tray process is not running",
    )
}

/// The socket to the tray process: our standard input, which is then pointed at
/// /dev/null so that no process we start inherits it.
fn take_socket() -> std::io::Result<UnixStream> {
    let socket = UnixStream::from(std::io::stdin().as_fd().try_clone_to_owned()?);
    // Fails unless it is a socket: started by hand from a terminal, say.
    socket.local_addr()?;
    let null = std::fs::File::open("/dev/null")?;
    rustix::stdio::dup2_stdin(&null)?;
    Ok(socket)
}

/// Runs the windows until the last one closes; `first` (request `seq`) opens at start.
pub fn run(first: WindowKind, seq: u64) -> Result<(), String> {
    let socket = take_socket().map_err(|e| format!("no link to the tray process: {e}"))?;
    let outbox = wire::writer(
        socket.try_clone().map_err(|e| e.to_string())?,
        "traycal-to-tray",
    )
    .map_err(|e| e.to_string())?;
    let link = Arc::new(TrayLink {
        outbox: outbox.clone(),
        calls: Mutex::new(HashMap::new()),
        next: AtomicU64::new(1),
    });
    let forwarding = Arc::clone(&link);
    let app = tauri::Builder::default()
        // "Choose a file…" (a local calendar): the native file chooser, here in the
        // window process; the chosen path goes to the tray process as a feed address.
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(move |invoke| forwarding.forward(invoke))
        .setup(move |app| {
            // The first window opens before the event loop starts: WebKit's automation
            // (the end-to-end tests) attaches to the webview that exists when its
            // session begins.
            windows::show_here(app.handle(), first)?;
            let _ = outbox.send(Frame::Opened { seq });
            let handle = app.handle().clone();
            std::thread::Builder::new()
                .name("traycal-from-tray".into())
                .spawn(move || listen(handle, socket, link, outbox))?;
            Ok(())
        })
        .build(tauri::generate_context!())
        .map_err(|e| format!("cannot start the windows: {e}"))?;
    app.run(|_, _| {});
    Ok(())
}

/// Reads the tray process's messages until it is gone, then ends the windows.
fn listen(app: AppHandle<Wry>, socket: UnixStream, link: Arc<TrayLink>, outbox: Sender<Frame>) {
    let heard = wire::read(
        BufReader::new(socket),
        "tray process",
        |frame| match frame {
            Frame::Reply { id, result } => link.answer(id, result),
            Frame::Event { name, payload } => {
                if let Err(e) = app.emit(&name, payload) {
                    eprintln!("traycal: cannot pass on {name}: {e}");
                }
            }
            Frame::Open { seq, window } => {
                let handle = app.clone();
                let outbox = outbox.clone();
                let shown =
                    app.run_on_main_thread(move || match windows::show_here(&handle, window) {
                        Ok(()) => {
                            let _ = outbox.send(Frame::Opened { seq });
                        }
                        Err(e) => {
                            eprintln!("traycal: cannot open the {} window: {e}", window.label())
                        }
                    });
                if let Err(e) = shown {
                    eprintln!("traycal: {e}");
                }
            }
            other => eprintln!(
                "traycal: the tray process sent a `{}` message; ignored",
                other.kind()
            ),
        },
    );
    if let Err(e) = heard {
        eprintln!("traycal: link to the tray process: {e}");
    }
    link.fail_all();
    app.exit(0);
}
