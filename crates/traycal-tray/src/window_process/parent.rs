//! The tray process's side: starts the window process when a window is wanted, serves
//! its commands from the engine, and passes it the contract's events.
//!
//! Invariants:
//! - At most one window process runs; every window opens in it.
//! - A request to show a window is never lost: each `Open` stays pending until the
//!   window process says `Opened`. When the window process ends (its last window
//!   closed) with requests still pending — it was already on its way out when they
//!   were sent — a new window process is started for them. A window process that ends
//!   before showing anything is not restarted (it would fail again); that is reported.

use std::io::BufReader;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast::error::RecvError;

use super::wire::{self, Frame};
use super::WINDOW_PROCESS_FLAG;
use crate::route;
use crate::shell::Shell;
use crate::windows::WindowKind;

/// The running window process, as the tray process knows it.
struct Link {
    /// Which start of the window process this is (a link that ended is not mistaken
    /// for its successor).
    generation: u64,
    outbox: Sender<Frame>,
    /// `Open` requests not yet answered with `Opened`.
    pending: Vec<(u64, WindowKind)>,
    /// Whether it showed any window (a window process that never did is not restarted).
    showed: bool,
}

/// The window process, started on demand. Clones share it.
#[derive(Clone)]
pub struct WindowProcess {
    exe: PathBuf,
    /// Where calls from the windows run (the reader thread is not on the runtime).
    runtime: tokio::runtime::Handle,
    link: Arc<Mutex<Option<Link>>>,
    next: Arc<AtomicU64>,
}

impl WindowProcess {
    /// Windows will run in `exe` (the window program) started with the window process
    /// flag.
    pub fn new(exe: PathBuf, runtime: tokio::runtime::Handle) -> WindowProcess {
        WindowProcess {
            exe,
            runtime,
            link: Arc::new(Mutex::new(None)),
            next: Arc::new(AtomicU64::new(1)),
        }
    }

    /// Passes the contract's events to the window process while one runs (with none,
    /// no window listens). Runs until the shell is gone.
    pub async fn forward_events(self, shell: &Shell) {
        let mut events = shell.subscribe();
        loop {
            let event = match events.recv().await {
                Ok(event) => event,
                // Fell behind: the windows re-read what they show on `mirror-changed`.
                Err(RecvError::Lagged(_)) => {
                    crate::events::ShellEvent::MirrorChanged(crate::events::MirrorChanged {
                        reason: "missed_events".into(),
                    })
                }
                Err(RecvError::Closed) => return,
            };
            if let Ok(guard) = self.link.lock() {
                if let Some(link) = guard.as_ref() {
                    let _ = link.outbox.send(Frame::Event {
                        name: event.name().to_string(),
                        payload: event.payload(),
                    });
                }
            }
        }
    }

    /// Shows `window`: in the running window process, or in a new one.
    pub fn open(&self, shell: &Arc<Shell>, window: WindowKind) -> std::io::Result<()> {
        let seq = self.next.fetch_add(1, Ordering::Relaxed);
        let mut guard = self
            .link
            .lock()
            .map_err(|_| std::io::Error::other("window process state poisoned"))?;
        if let Some(link) = guard.as_mut() {
            if link.outbox.send(Frame::Open { seq, window }).is_ok() {
                link.pending.push((seq, window));
                return Ok(());
            }
        }
        // None runs, or it is ending (its socket is closed): start one, and carry over
        // what the ending one had not shown.
        let carried = guard.take().map(|l| l.pending).unwrap_or_default();
        let mut link = self.start(shell, seq, window)?;
        for (seq, window) in carried {
            if link.outbox.send(Frame::Open { seq, window }).is_ok() {
                link.pending.push((seq, window));
            }
        }
        *guard = Some(link);
        Ok(())
    }

    /// Starts a window process that opens `window` as it starts.
    fn start(&self, shell: &Arc<Shell>, seq: u64, window: WindowKind) -> std::io::Result<Link> {
        let generation = self.next.fetch_add(1, Ordering::Relaxed);
        let (ours, theirs) = UnixStream::pair()?;
        let mut child = Command::new(&self.exe)
            .args([WINDOW_PROCESS_FLAG, window.label(), &seq.to_string()])
            .stdin(Stdio::from(OwnedFd::from(theirs)))
            .spawn()
            // Name the program: it is missing when only the tray program was built.
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", self.exe.display())))?;
        let outbox = wire::writer(ours.try_clone()?, "traycal-to-windows")?;
        let shell = Arc::clone(shell);
        let replies = outbox.clone();
        let process = self.clone();
        std::thread::Builder::new()
            .name("traycal-from-windows".into())
            .spawn(move || {
                let served = wire::read(BufReader::new(ours), "window process", |frame| {
                    process.heard(&shell, generation, frame, &replies)
                });
                if let Err(e) = served {
                    eprintln!("traycal: window process: {e}");
                }
                drop(replies);
                let _ = child.wait();
                process.ended(&shell, generation);
            })?;
        Ok(Link {
            generation,
            outbox,
            pending: vec![(seq, window)],
            showed: false,
        })
    }

    fn heard(&self, shell: &Arc<Shell>, generation: u64, frame: Frame, replies: &Sender<Frame>) {
        match frame {
            Frame::Call { id, command, args } => {
                let shell = Arc::clone(shell);
                let replies = replies.clone();
                self.runtime.spawn(async move {
                    let result = route::dispatch(&shell, &command, &args).await;
                    let _ = replies.send(Frame::Reply { id, result });
                });
            }
            Frame::Opened { seq } => {
                if let Ok(mut guard) = self.link.lock() {
                    if let Some(link) = guard.as_mut().filter(|l| l.generation == generation) {
                        link.pending.retain(|(s, _)| *s != seq);
                        link.showed = true;
                    }
                }
            }
            other => eprintln!(
                "traycal: the window process sent a `{}` message; ignored",
                other.kind()
            ),
        }
    }

    /// The window process ended: forget it, and show what it had not shown yet.
    fn ended(&self, shell: &Arc<Shell>, generation: u64) {
        let link = match self.link.lock() {
            Ok(mut guard) if guard.as_ref().is_some_and(|l| l.generation == generation) => {
                guard.take()
            }
            _ => None,
        };
        let Some(link) = link else { return };
        // What the windows read from the mirror need not stay resident in a tray app.
        let engine = Arc::clone(&shell.engine);
        self.runtime.spawn(async move {
            if let Err(e) = engine.release_memory().await {
                eprintln!("traycal: {e}");
            }
        });
        if !link.showed {
            if !link.pending.is_empty() {
                eprintln!("traycal: the window process ended before showing a window");
            }
            return;
        }
        for (_, window) in link.pending {
            if let Err(e) = self.open(shell, window) {
                eprintln!("traycal: cannot open the {} window: {e}", window.label());
            }
        }
    }
}
