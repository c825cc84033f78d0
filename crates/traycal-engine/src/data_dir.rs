//! Where Traycal keeps its data: `--data-dir`, else `TRAYCAL_DATA_DIR`, else the XDG
//! data directory (`$XDG_DATA_HOME/traycal`, default `~/.local/share/traycal`).
//! The CLI and the tray app resolve it the same way, so they share one mirror.

use std::path::PathBuf;

/// Resolve the data directory. `explicit` is a `--data-dir` value.
pub fn resolve(explicit: Option<PathBuf>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p);
    }
    if let Some(p) = std::env::var_os("TRAYCAL_DATA_DIR").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(p));
    }
    if let Some(p) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(p).join("traycal"));
    }
    std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .map(|h| PathBuf::from(h).join(".local/share/traycal"))
}

/// File name of the mirror inside the data directory.
pub const MIRROR_FILE: &str = "mirror.sqlite3";
