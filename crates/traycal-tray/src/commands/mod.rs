//! The commands of the typed IPC contract, as the tray process runs them.
//!
//! src-tauri declares the contract (names, argument names, TypeScript types) with
//! thin `#[tauri::command]` wrappers around these functions; the window process passes
//! each call here by name ([`crate::route`]). One implementation, one argument shape,
//! one error shape: `{ code, message }` ([`IpcError`]), with stable snake_case codes.
//! Commands are grouped by feature (agenda, sources, reminders, app).

pub mod agenda;
pub mod app;
pub mod reminders;
pub mod sources;

use serde::{Deserialize, Serialize};
use traycal_engine::EngineError;

/// The error every command returns: a stable snake_case code, what happened and what
/// to do in plain words, and the technical account when it says more (shown behind a
/// disclosure).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct IpcError {
    pub code: String,
    pub message: String,
    pub detail: Option<String>,
}

impl IpcError {
    pub fn new(code: &str, message: impl Into<String>) -> IpcError {
        IpcError {
            code: code.to_string(),
            message: message.into(),
            detail: None,
        }
    }
}

impl From<EngineError> for IpcError {
    fn from(e: EngineError) -> IpcError {
        IpcError {
            code: e.code().to_string(),
            message: e.plain(),
            detail: e.detail(),
        }
    }
}

/// Command result.
pub type IpcResult<T> = Result<T, IpcError>;
