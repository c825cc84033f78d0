//! The commands of the typed IPC contract, as the tray process runs them.
//!
//! The contract lists every command once (`traycal_contract::with_commands!`: name,
//! arguments, answer, windows); each is a function here, in the module of its feature
//! (agenda, sources, reminders, app), taking the shell and the listed arguments and
//! returning `IpcResult<answer>`. The window process passes each call here by name
//! ([`crate::route`]), and src-tauri's `#[tauri::command]` declarations, generated from
//! the same list, call these functions too: one implementation, one argument shape,
//! one error shape, `{ code, message, detail }` ([`IpcError`]), whose code is one of
//! the contract's error codes ([`IpcErrorCode`]).

pub mod accounts;
pub mod agenda;
pub mod app;
pub mod editing;
pub mod reminders;
pub mod sources;

use std::fmt;

use serde::{Deserialize, Serialize};
use traycal_engine::EngineError;

/// The error every command returns: a code the UI switches on, what happened and what
/// to do in plain words, and the technical account when it says more (shown behind a
/// disclosure).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct IpcError {
    pub code: IpcErrorCode,
    pub message: String,
    pub detail: Option<String>,
}

impl IpcError {
    pub fn new(code: IpcErrorCode, message: impl Into<String>) -> IpcError {
        IpcError {
            code,
            message: message.into(),
            detail: None,
        }
    }
}

impl From<EngineError> for IpcError {
    fn from(e: EngineError) -> IpcError {
        let engine_code = e.code();
        match IpcErrorCode::from_wire(engine_code) {
            Some(code) => IpcError {
                code,
                message: e.plain(),
                detail: e.detail(),
            },
            // A code the contract does not list (the tests below check that every
            // engine code is listed): still an error the windows can show, with the
            // engine's code kept in the detail.
            None => IpcError {
                code: IpcErrorCode::Internal,
                message: e.plain(),
                detail: Some(format!("{engine_code}: {e}")),
            },
        }
    }
}

/// Command result.
pub type IpcResult<T> = Result<T, IpcError>;

macro_rules! error_code_enum {
    ($( $(#[$doc:meta])* $variant:ident = $code:tt; )*) => {
        /// What went wrong, in a word the UI switches on: one of the contract's error
        /// codes (`traycal_contract::with_error_codes!`), a union of string literals in
        /// TypeScript.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
        pub enum IpcErrorCode {
            $( $(#[$doc])* #[serde(rename = $code)] $variant, )*
        }

        impl IpcErrorCode {
            /// Every code, in the contract's order.
            pub const ALL: &[IpcErrorCode] = &[$(IpcErrorCode::$variant),*];

            /// The code as it crosses the IPC boundary (`invalid_input`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(IpcErrorCode::$variant => $code,)*
                }
            }

            /// The code written so, if the contract lists it.
            pub fn from_wire(code: &str) -> Option<IpcErrorCode> {
                match code {
                    $($code => Some(IpcErrorCode::$variant),)*
                    _ => None,
                }
            }
        }
    };
}
traycal_contract::with_error_codes!(error_code_enum);

impl fmt::Display for IpcErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::path::PathBuf;
    use traycal_providers::{BodyKind, FeedError, SecretError};
    use traycal_store::{StoreError, StoreErrorKind};

    #[test]
    fn codes_are_the_contract_list_and_cross_as_strings() {
        let codes: Vec<&str> = IpcErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(codes, traycal_contract::ERROR_CODES);
        for code in IpcErrorCode::ALL {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, code.as_str());
            assert_eq!(serde_json::from_value::<IpcErrorCode>(json).unwrap(), *code);
            assert_eq!(IpcErrorCode::from_wire(code.as_str()), Some(*code));
        }
        assert!(serde_json::from_value::<IpcErrorCode>("no_such_code".into()).is_err());
    }

    /// One error of each kind the engine has (a new `EngineError` variant stops this
    /// from compiling until it is added here).
    fn engine_errors() -> Vec<EngineError> {
        let url = || "https://example.com/cal.ics".to_string();
        let detail = || "detail".to_string();
        let feed = vec![
            FeedError::InvalidUrl {
                scheme: None,
                reason: detail(),
            },
            FeedError::ClientSetup { detail: detail() },
            FeedError::Network {
                url: url(),
                detail: detail(),
            },
            FeedError::Timeout { url: url() },
            FeedError::TooLarge {
                url: url(),
                limit: 1,
            },
            FeedError::TooManyRedirects {
                url: url(),
                limit: 1,
            },
            FeedError::Http {
                url: url(),
                status: 500,
                retry_after: None,
            },
            FeedError::NotCalendar {
                url: url(),
                what: BodyKind::Html,
            },
            FeedError::File {
                url: url(),
                detail: detail(),
            },
        ];
        let secret = vec![
            SecretError::Unavailable {
                detail: detail(),
                advice: "",
            },
            SecretError::Locked { detail: detail() },
            SecretError::Invalid { detail: detail() },
            SecretError::Backend { detail: detail() },
            SecretError::Io {
                path: PathBuf::from("/x"),
                source: std::io::Error::other("x"),
            },
            SecretError::Corrupt {
                path: PathBuf::from("/x"),
                detail: detail(),
            },
            SecretError::UnknownStore { value: detail() },
        ];
        // The codes a sync gives a feed it refuses (`traycal_engine::sync`).
        let bad_feed = [
            "empty_feed",
            "not_calendar",
            "truncated_feed",
            "bad_filters",
        ];
        let mut errors: Vec<EngineError> = feed.into_iter().map(EngineError::Feed).collect();
        errors.extend(secret.into_iter().map(EngineError::Secret));
        errors.extend(bad_feed.into_iter().map(|code| EngineError::BadFeed {
            source_name: "Team".into(),
            code,
            message: detail(),
        }));
        errors.extend([
            EngineError::Store(StoreError::InvalidInput(detail())),
            EngineError::SecretUnavailable(detail()),
            EngineError::NoSuchSource(1),
            EngineError::InvalidInput(detail()),
            EngineError::Refused(detail()),
            EngineError::Opener(detail()),
            EngineError::MassDeletion {
                source_id: 1,
                source_name: "Team".into(),
                deleting: 30,
                upcoming: 40,
                from_feed: true,
            },
            EngineError::SyncBusy(detail()),
            EngineError::Internal(detail()),
        ]);
        errors.extend(
            traycal_providers::ProviderErrorKind::ALL
                .iter()
                .map(|kind| {
                    EngineError::Provider(traycal_providers::ProviderError::from_kind(*kind))
                }),
        );
        for e in &errors {
            match e {
                EngineError::Feed(_)
                | EngineError::Store(_)
                | EngineError::Secret(_)
                | EngineError::SecretUnavailable(_)
                | EngineError::NoSuchSource(_)
                | EngineError::InvalidInput(_)
                | EngineError::BadFeed { .. }
                | EngineError::Refused(_)
                | EngineError::Opener(_)
                | EngineError::MassDeletion { .. }
                | EngineError::SyncBusy(_)
                | EngineError::Provider(_)
                | EngineError::Internal(_) => {}
            }
        }
        errors
    }

    #[test]
    fn every_engine_code_is_a_contract_code() {
        for e in engine_errors() {
            let code = e.code();
            let ipc = IpcError::from(e);
            assert_eq!(ipc.code.as_str(), code, "{ipc:?}");
        }
        // Store errors carry the code of their kind (a new kind stops this match
        // from compiling until it is listed).
        use StoreErrorKind::*;
        for kind in [
            Busy,
            Corrupt,
            ReadOnly,
            DiskFull,
            Constraint,
            SchemaTooNew,
            NotFound,
            UnknownComponent,
            InvalidInput,
            CalendarReadOnly,
            Io,
            Database,
        ] {
            match kind {
                Busy | Corrupt | ReadOnly | DiskFull | Constraint | SchemaTooNew | NotFound
                | UnknownComponent | InvalidInput | CalendarReadOnly | Io | Database => {}
            }
            assert!(
                IpcErrorCode::from_wire(kind.as_str()).is_some(),
                "{} is not a contract code",
                kind.as_str()
            );
        }
    }

    #[test]
    fn an_unlisted_engine_code_is_internal_and_kept_in_the_detail() {
        let e = EngineError::BadFeed {
            source_name: "Team".into(),
            code: "brand_new",
            message: "something new".into(),
        };
        let ipc = IpcError::from(e);
        assert_eq!(ipc.code, IpcErrorCode::Internal);
        assert!(ipc.detail.unwrap().starts_with("brand_new: "));
    }
}
