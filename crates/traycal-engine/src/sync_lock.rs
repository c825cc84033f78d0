//! One sync at a time per data directory, across processes.
//!
//! The tray app and the `traycal` CLI (or two CLIs) share one mirror. A sync plans
//! against the mirror as it is when it starts and applies the plan later; two syncs at
//! once would apply plans made from the same state, and a long write of one would
//! make the other's writes time out. So every sync holds an exclusive advisory lock
//! (`flock`) on `sync.lock` in the data directory for its whole run; another
//! process's sync waits for it.
//!
//! Invariants:
//! - the lock is released when the [`SyncLock`] is dropped, and by the kernel when its
//!   process dies (a `kill -9` never leaves a stale lock);
//! - waiting is bounded: after [`SyncLock::acquire`]'s `patience` the caller gets
//!   [`EngineError::SyncBusy`], a local condition that is never recorded as the
//!   source's error;
//! - the lock file holds nothing and is created 0600.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{EngineError, Result};

/// File name of the lock inside the data directory.
pub const LOCK_FILE: &str = "sync.lock";

/// How often a waiting process tries again.
const RETRY: Duration = Duration::from_millis(100);

/// The held lock; dropping it lets the next sync in.
#[derive(Debug)]
pub struct SyncLock {
    _file: File,
    /// How long the caller waited for it.
    pub waited: Duration,
}

impl SyncLock {
    /// Takes the lock, waiting up to `patience` for another process's sync to finish.
    /// Blocking: call it off the async executor.
    pub fn acquire(data_dir: &Path, patience: Duration) -> Result<SyncLock> {
        let path = data_dir.join(LOCK_FILE);
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&path).map_err(|e| {
            EngineError::InvalidInput(format!(
                "cannot open the sync lock {}: {e}; check that the data directory is writable",
                path.display()
            ))
        })?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => {
                    return Ok(SyncLock {
                        _file: file,
                        waited: started.elapsed(),
                    })
                }
                Err(TryLockError::WouldBlock) => {
                    if started.elapsed() >= patience {
                        return Err(EngineError::SyncBusy(format!(
                            "another Traycal process has been syncing for over {} s (lock {}); try again when it has finished",
                            patience.as_secs(),
                            path.display()
                        )));
                    }
                    std::thread::sleep(RETRY);
                }
                Err(TryLockError::Error(e)) => {
                    return Err(EngineError::InvalidInput(format!(
                        "cannot lock {}: {e}",
                        path.display()
                    )))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_waits_then_gives_up_with_sync_busy() {
        let dir = tempfile::tempdir().unwrap();
        let first = SyncLock::acquire(dir.path(), Duration::ZERO).unwrap();
        let err = SyncLock::acquire(dir.path(), Duration::from_millis(250)).unwrap_err();
        assert_eq!(err.code(), "sync_busy");
        assert!(err.to_string().contains("sync.lock"), "{err}");
        drop(first);
        let again = SyncLock::acquire(dir.path(), Duration::ZERO).unwrap();
        assert!(again.waited < Duration::from_secs(1));
    }

    #[test]
    fn a_waiting_holder_gets_the_lock_when_it_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let first = SyncLock::acquire(dir.path(), Duration::ZERO).unwrap();
        let path = dir.path().to_path_buf();
        let waiter = std::thread::spawn(move || {
            SyncLock::acquire(&path, Duration::from_secs(30)).map(|l| l.waited)
        });
        std::thread::sleep(Duration::from_millis(300));
        drop(first);
        let waited = waiter.join().unwrap().unwrap();
        assert!(waited >= Duration::from_millis(200), "{waited:?}");
    }
}
