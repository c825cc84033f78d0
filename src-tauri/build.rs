//! Declares the app's commands so Tauri generates an `allow-<command>` permission for
//! each: without this every window could call every command. Capabilities
//! (`capabilities/*.json`, one per window) then grant each window only its own.
//!
//! The commands are the contract's list (`traycal_contract::COMMAND_NAMES`), the one
//! the route, the Tauri declarations and the TypeScript bindings are generated from.

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(
            tauri_build::AppManifest::new().commands(traycal_contract::COMMAND_NAMES),
        ),
    )
    .unwrap_or_else(|e| panic!("tauri build script: {e:#}"));
}
