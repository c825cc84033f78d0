#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The mirror file as other users and broken disks see it: private permissions, an
//! empty file refused, damage and read-only files named by path.

use std::os::unix::fs::PermissionsExt;

use traycal_store::{Mirror, StoreErrorKind};

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_new_mirror_is_private_to_its_owner() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data/traycal");
    let path = data.join("mirror.sqlite3");
    let m = Mirror::open(&path).unwrap();
    // A write, so the WAL and shared-memory files exist.
    m.checkpoint().unwrap();
    assert_eq!(mode(&data), 0o700, "data dir");
    assert_eq!(mode(&path), 0o600, "database");
    for suffix in ["-wal", "-shm"] {
        let f = format!("{}{suffix}", path.display());
        if std::path::Path::new(&f).exists() {
            assert_eq!(mode(std::path::Path::new(&f)), 0o600, "{f}");
        }
    }
}

#[test]
fn an_existing_readable_mirror_is_narrowed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mirror.sqlite3");
    drop(Mirror::open(&path).unwrap());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    drop(Mirror::open(&path).unwrap());
    assert_eq!(mode(&path), 0o600);
}

#[test]
fn a_zero_byte_database_is_refused_not_taken_as_new() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mirror.sqlite3");
    std::fs::write(&path, b"").unwrap();
    let err = Mirror::open(&path).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Corrupt);
    let text = err.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(
        text.contains("0 bytes") && text.contains("backup"),
        "{text}"
    );
    // Nothing was written into it.
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
}

#[test]
fn a_file_that_is_not_a_database_is_named_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mirror.sqlite3");
    std::fs::write(&path, vec![b'x'; 64 * 1024]).unwrap();
    let err = Mirror::open(&path).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Corrupt);
    let text = err.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("Restore it from a backup"), "{text}");
    // SQLite's words appear once, and the error has no source repeating them.
    assert_eq!(text.matches("not a database").count(), 1, "{text}");
    assert!(std::error::Error::source(&err).is_none());
}

#[test]
fn a_damaged_page_in_the_middle_is_found_by_the_integrity_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mirror.sqlite3");
    {
        let m = Mirror::open(&path).unwrap();
        m.checkpoint().unwrap();
    }
    // Grow the file with a table of many pages, then scribble over one in the middle.
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "CREATE TABLE filler (x TEXT); \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) \
             INSERT INTO filler SELECT printf('%.500c', 'x') FROM n; \
             PRAGMA wal_checkpoint(TRUNCATE);",
        )
        .unwrap();
    }
    let len = std::fs::metadata(&path).unwrap().len();
    let page = 32 * 1024;
    let middle = (len / page / 2) * page;
    let mut bytes = std::fs::read(&path).unwrap();
    for b in &mut bytes[middle as usize..(middle + 200) as usize] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let m = Mirror::open(&path).unwrap();
    let problems = m
        .integrity_problems()
        .unwrap_or_else(|e| vec![e.to_string()]);
    assert!(!problems.is_empty(), "the damage went unnoticed");
}

#[test]
fn a_read_only_data_dir_names_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ro");
    let path = data.join("mirror.sqlite3");
    // A mirror from an earlier run, closed cleanly (no WAL file left).
    drop(Mirror::open(&path).unwrap());
    let Some(guard) = ReadOnlyDir::make(&data) else {
        eprintln!(
            "SKIPPED a_read_only_data_dir_names_its_path: cannot make a folder read-only here \
             (running as root without chattr support on this file system)"
        );
        return;
    };
    let err = Mirror::open(&path).unwrap_err();
    drop(guard);
    assert_eq!(err.kind(), StoreErrorKind::ReadOnly, "{err}");
    let text = err.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("permissions"), "{text}");
}

/// A folder made read-only for this process: `chmod 0500`, or for root (whom
/// permissions do not stop) the immutable attribute. Undone on drop.
struct ReadOnlyDir {
    path: std::path::PathBuf,
    immutable: bool,
}

impl ReadOnlyDir {
    fn make(path: &std::path::Path) -> Option<ReadOnlyDir> {
        let root = std::fs::metadata("/proc/self")
            .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
            .unwrap_or(false);
        if root {
            let ok = std::process::Command::new("chattr")
                .arg("+i")
                .arg(path)
                .status()
                .is_ok_and(|s| s.success());
            ok.then(|| ReadOnlyDir {
                path: path.to_path_buf(),
                immutable: true,
            })
        } else {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o500)).ok()?;
            Some(ReadOnlyDir {
                path: path.to_path_buf(),
                immutable: false,
            })
        }
    }
}

impl Drop for ReadOnlyDir {
    fn drop(&mut self) {
        if self.immutable {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(&self.path)
                .status();
        } else {
            let _ = std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(0o700));
        }
    }
}
