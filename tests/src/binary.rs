//! Finding the `traycal` binary the system tests run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::workspace_root;

/// The `traycal` binary: `TRAYCAL_BIN`, else next to the test executable, else
/// `$CARGO_TARGET_DIR/debug/traycal`, else `<workspace>/target/debug/traycal`.
/// `CARGO_BIN_EXE_traycal` only exists inside the crate that owns the binary, so
/// when none of these exists it runs `cargo build -p traycal-cli` itself
/// (`--release` for a release test build). An existing binary is used as is: run
/// `cargo build -p traycal-cli` first so it is not stale.
#[allow(clippy::expect_used)]
pub fn traycal_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(p) = std::env::var_os("TRAYCAL_BIN") {
            return PathBuf::from(p);
        }
        // <target>/<profile>/deps/conformance-<hash>
        let profile_dir = std::env::current_exe()
            .ok()
            .and_then(|exe| Some(exe.parent()?.parent()?.to_path_buf()));
        let mut candidates: Vec<PathBuf> = Vec::new();
        if let Some(dir) = &profile_dir {
            candidates.push(dir.join("traycal"));
        }
        if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
            candidates.push(PathBuf::from(t).join("debug/traycal"));
        }
        candidates.push(workspace_root().join("target/debug/traycal"));
        if let Some(found) = candidates.iter().find(|p| p.is_file()) {
            return found.clone();
        }
        let release = profile_dir
            .as_deref()
            .and_then(Path::file_name)
            .is_some_and(|n| n == "release");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(workspace_root())
            .args(["build", "-p", "traycal-cli"]);
        if release {
            cmd.arg("--release");
        }
        println!("traycal binary not found in {candidates:?}; running {cmd:?}");
        let status = cmd.status().expect("run cargo build -p traycal-cli");
        assert!(status.success(), "cargo build -p traycal-cli failed");
        candidates
            .into_iter()
            .find(|p| p.is_file())
            .expect("traycal binary after cargo build -p traycal-cli")
    })
}
