//! Locating the workspace and the shared corpus for the suites that read it.
//!
//! The corpus path comes from `TRAYCAL_CORPUS` (default `../shared/corpus` beside the
//! workspace). Outside CI a missing corpus is reported as SKIPPED; with `CI` set it is
//! an error, so CI never silently skips.

use std::path::{Path, PathBuf};

/// The workspace root (the parent of `tests/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The corpus root, or `None` (after printing SKIPPED) when it is absent outside CI.
///
/// # Panics
/// When the corpus is absent and `CI` is set.
pub fn corpus_root() -> Option<PathBuf> {
    let root = std::env::var_os("TRAYCAL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/corpus"));
    if root.join("README.md").is_file() {
        return Some(root);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "corpus not found at {} (set TRAYCAL_CORPUS); required when CI is set",
            root.display()
        );
    }
    println!("SKIPPED: corpus not found at {}", root.display());
    None
}
