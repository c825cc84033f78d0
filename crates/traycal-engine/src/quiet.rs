//! Checks that found a feed unchanged (304, or the same body): "quiet checks".
//!
//! An unchanged feed writes nothing to the mirror (checked every five minutes, it
//! would otherwise rewrite its state row and grow the log 288 times a day for no
//! news), so the last check lives outside it: in this process's memory and in a small
//! file in the user's runtime directory (`$XDG_RUNTIME_DIR`, usually memory-backed),
//! shared by every Traycal process on the same data directory. So `traycal status`
//! shows the tray app's last check, not only the last change.
//!
//! Invariants: a quiet check only ever adds information (readers take the later of
//! the stored attempt and the quiet check); a file that cannot be read or written
//! leaves the in-memory checks working.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One quiet check of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct QuietCheck {
    pub(crate) at: i64,
    pub(crate) next_due_at: i64,
}

/// Quiet checks by source id.
#[derive(Debug, Default)]
pub(crate) struct QuietChecks {
    map: Mutex<HashMap<i64, QuietCheck>>,
    /// Shared with other processes on the same data directory, when there is a
    /// runtime directory.
    file: Option<PathBuf>,
}

impl QuietChecks {
    /// Quiet checks of the mirror in `data_dir`, shared through the runtime directory
    /// when there is one.
    pub(crate) fn for_data_dir(data_dir: &Path) -> QuietChecks {
        let runtime = std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty());
        let file = runtime.map(|dir| {
            let canonical = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.into());
            let key = xxhash_rust::xxh3::xxh3_64(canonical.as_os_str().as_encoded_bytes());
            PathBuf::from(dir)
                .join("traycal")
                .join(format!("quiet-checks-{key:016x}.json"))
        });
        QuietChecks {
            map: Mutex::default(),
            file,
        }
    }

    /// The latest quiet check of `id`, from this process or another.
    pub(crate) fn get(&self, id: i64) -> Option<QuietCheck> {
        let own = self.map.lock().ok().and_then(|m| m.get(&id).copied());
        let shared = self.read_file().get(&id).copied();
        match (own, shared) {
            (Some(a), Some(b)) => Some(if b.at > a.at { b } else { a }),
            (a, b) => a.or(b),
        }
    }

    /// Remembers a quiet check of `id`.
    pub(crate) fn remember(&self, id: i64, check: QuietCheck) {
        if let Ok(mut m) = self.map.lock() {
            m.insert(id, check);
        }
        self.update_file(|f| {
            f.insert(id, check);
        });
    }

    /// Forgets `id` (the mirror now holds newer state for it).
    pub(crate) fn forget(&self, id: i64) {
        if let Ok(mut m) = self.map.lock() {
            m.remove(&id);
        }
        self.update_file(|f| {
            f.remove(&id);
        });
    }

    fn read_file(&self) -> HashMap<i64, QuietCheck> {
        self.file
            .as_ref()
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Rewrites the shared file (write a sibling, then rename: readers never see half
    /// a file). Best effort.
    fn update_file(&self, change: impl FnOnce(&mut HashMap<i64, QuietCheck>)) {
        let Some(path) = &self.file else {
            return;
        };
        let mut checks = self.read_file();
        change(&mut checks);
        let Some(dir) = path.parent() else {
            return;
        };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let Ok(json) = serde_json::to_vec(&checks) else {
            return;
        };
        let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
        if std::fs::write(&tmp, json).is_ok() && std::fs::rename(&tmp, path).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_processes_share_their_quiet_checks() {
        let runtime = tempfile::tempdir().unwrap();
        let data = tempfile::tempdir().unwrap();
        let file = |dir: &Path| QuietChecks {
            map: Mutex::default(),
            file: Some(dir.join("traycal/quiet-checks-test.json")),
        };
        let (app, cli) = (file(runtime.path()), file(runtime.path()));
        assert_eq!(cli.get(3), None);
        app.remember(
            3,
            QuietCheck {
                at: 100,
                next_due_at: 400,
            },
        );
        assert_eq!(
            cli.get(3),
            Some(QuietCheck {
                at: 100,
                next_due_at: 400
            })
        );
        // The later check wins, whoever made it.
        cli.remember(
            3,
            QuietCheck {
                at: 200,
                next_due_at: 500,
            },
        );
        assert_eq!(app.get(3).unwrap().at, 200);
        app.forget(3);
        assert_eq!(cli.get(3).map(|c| c.at), Some(200), "cli's own memory");
        let _ = data;
    }
}
