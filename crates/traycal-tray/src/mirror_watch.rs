//! Changes other processes make to the mirror: the `traycal` CLI adds a source or
//! syncs while the app runs. A thread blocks on inotify for writes to the mirror's
//! database and WAL files in the data directory (no polling, no wake-ups while
//! nothing writes); a burst of writes is looked at once, a moment after it began, by
//! asking the engine whether the mirror changed under another connection (SQLite's
//! `data_version`, which this process's own writes do not move). Then the windows
//! hear `MirrorChanged` ("external"), and the tray and the schedulers re-read.

use std::mem::MaybeUninit;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rustix::fs::inotify;

use crate::shell::Shell;

/// How long a burst of writes (one sync commits several pages) is let settle.
const SETTLE: Duration = Duration::from_millis(300);

/// Starts watching `data_dir`. Returns an error (and watches nothing) where inotify is
/// not available; the app then notices other processes' changes at its next refresh.
pub fn spawn(
    shell: Arc<Shell>,
    data_dir: &Path,
    runtime: tokio::runtime::Handle,
) -> std::io::Result<()> {
    let fd = inotify::init(inotify::CreateFlags::CLOEXEC)?;
    inotify::add_watch(
        &fd,
        data_dir,
        inotify::WatchFlags::MODIFY
            | inotify::WatchFlags::CLOSE_WRITE
            | inotify::WatchFlags::MOVED_TO,
    )?;
    let pending = Arc::new(AtomicBool::new(false));
    std::thread::Builder::new()
        .name("traycal-mirror-watch".into())
        .spawn(move || {
            let mut buf = [MaybeUninit::uninit(); 4096];
            let mut events = inotify::Reader::new(&fd, &mut buf);
            loop {
                let mirror_file = match events.next() {
                    Ok(e) => e.file_name().is_some_and(|n| {
                        let n = n.to_bytes();
                        n == traycal_engine::data_dir::MIRROR_FILE.as_bytes()
                            || n == format!("{}-wal", traycal_engine::data_dir::MIRROR_FILE)
                                .as_bytes()
                    }),
                    Err(rustix::io::Errno::INTR) => continue,
                    Err(e) => {
                        eprintln!("traycal: stopped watching the mirror for other processes: {e}");
                        return;
                    }
                };
                if mirror_file && !pending.swap(true, Ordering::AcqRel) {
                    let (shell, pending) = (Arc::clone(&shell), Arc::clone(&pending));
                    runtime.spawn(async move {
                        tokio::time::sleep(SETTLE).await;
                        pending.store(false, Ordering::Release);
                        match shell.engine.changed_elsewhere().await {
                            Ok(true) => shell.mirror_changed("external"),
                            Ok(false) => {}
                            Err(e) => eprintln!("traycal: cannot read the mirror: {e}"),
                        }
                    });
                }
            }
        })?;
    Ok(())
}
