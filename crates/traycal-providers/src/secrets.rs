//! Where secrets live: passwords, OAuth tokens and ICS URLs that carry a token.
//!
//! Invariants:
//! - The default and only silent choice is the OS keyring ([`KeyringStore`]).
//!   If it does not work, the error says so and says what to do; we never fall
//!   back to a file on our own.
//! - [`FileSecretStore`] is an explicit opt-in (`TRAYCAL_SECRET_STORE=file`) for
//!   machines without a keyring. It is plain text protected only by its 0600
//!   mode, and its [`SecretStore::describe`] says exactly that.
//! - All calls block (D-Bus round trips, file I/O): async callers use
//!   `tokio::task::spawn_blocking`.
//! - Deleting a missing key succeeds; reading one returns `None`.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// Keyring "service" under which every Traycal secret is filed.
pub const KEYRING_SERVICE: &str = "traycal";
/// Environment variable selecting the store (`keyring`, the default, or `file`).
pub const SECRET_STORE_ENV: &str = "TRAYCAL_SECRET_STORE";
/// File name of the opt-in file store inside the data dir.
pub const SECRET_FILE_NAME: &str = "secrets.json";

const UNAVAILABLE_ADVICE: &str = "Traycal keeps passwords and private feed URLs in the \
system keyring. Install and unlock a Secret Service provider (gnome-keyring or KWallet) \
in your desktop session, or, on a machine without one, opt in to the plain-text file \
store with TRAYCAL_SECRET_STORE=file";

/// Secret store failures, classified.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// No keyring is reachable: no session bus, no Secret Service, unsupported
    /// platform.
    #[error("no keyring available ({detail}). {advice}")]
    Unavailable {
        detail: String,
        advice: &'static str,
    },
    /// The keyring exists but is locked and nobody unlocked it.
    #[error("the keyring is locked ({detail}); unlock it (log in to the desktop session or open your keyring app) and try again")]
    Locked { detail: String },
    /// The key or secret was refused (empty, too long).
    #[error("invalid secret key or value: {detail}")]
    Invalid { detail: String },
    /// The keyring answered with an error.
    #[error("keyring error: {detail}")]
    Backend { detail: String },
    /// The file store could not be read or written.
    #[error("secret file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file store exists but is not ours / not valid JSON.
    #[error("secret file {path} is corrupt: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    /// `TRAYCAL_SECRET_STORE` holds a value we do not know.
    #[error("unknown secret store `{value}` in {SECRET_STORE_ENV} (use `keyring` or `file`)")]
    UnknownStore { value: String },
}

impl SecretError {
    /// Stable snake_case code for the IPC boundary.
    pub fn code(&self) -> &'static str {
        match self {
            SecretError::Unavailable { .. } => "secret_store_unavailable",
            SecretError::Locked { .. } => "secret_store_locked",
            SecretError::Invalid { .. } => "secret_invalid",
            SecretError::Backend { .. } => "secret_store_error",
            SecretError::Io { .. } => "secret_file_io",
            SecretError::Corrupt { .. } => "secret_file_corrupt",
            SecretError::UnknownStore { .. } => "secret_store_unknown",
        }
    }

    fn unavailable(detail: impl Into<String>) -> SecretError {
        SecretError::Unavailable {
            detail: detail.into(),
            advice: UNAVAILABLE_ADVICE,
        }
    }
}

/// A place to keep secrets by key (e.g. `feed:<calendar id>`).
pub trait SecretStore: Send + Sync {
    fn put(&self, key: &str, secret: &str) -> Result<(), SecretError>;
    fn get(&self, key: &str) -> Result<Option<String>, SecretError>;
    fn delete(&self, key: &str) -> Result<(), SecretError>;
    /// One line for settings and logs: what the store is and how safe it is.
    fn describe(&self) -> &'static str;
}

/// Which store the user asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretStoreKind {
    Keyring,
    File,
}

impl SecretStoreKind {
    /// Reads the value of [`SECRET_STORE_ENV`] (passed in, so this stays pure):
    /// unset or empty means the keyring.
    pub fn from_setting(value: Option<&str>) -> Result<SecretStoreKind, SecretError> {
        match value.map(str::trim) {
            None | Some("") => Ok(SecretStoreKind::Keyring),
            Some(v) if v.eq_ignore_ascii_case("keyring") => Ok(SecretStoreKind::Keyring),
            Some(v) if v.eq_ignore_ascii_case("file") => Ok(SecretStoreKind::File),
            Some(v) => Err(SecretError::UnknownStore {
                value: v.to_string(),
            }),
        }
    }

    /// Opens the chosen store; the file store lives in `data_dir`.
    pub fn open(self, data_dir: &Path) -> Result<Arc<dyn SecretStore>, SecretError> {
        match self {
            SecretStoreKind::Keyring => Ok(Arc::new(KeyringStore::open()?)),
            SecretStoreKind::File => Ok(Arc::new(FileSecretStore::open(
                data_dir.join(SECRET_FILE_NAME),
            )?)),
        }
    }
}

// ---------------------------------------------------------------------------
// OS keyring

/// The OS keyring through the `keyring` crate (v1 mode): Secret Service over
/// zbus on Linux/BSD, Keychain on macOS, Credential Manager on Windows.
///
/// keyring 4 picks and installs its platform store once per process, on the
/// first `keyring::Entry::new` / `keyring::Entry::store_status()` call
/// (internally `keyring_core::set_default_store(zbus Store::new()?)`). If that
/// first attempt fails (no session bus) it stays failed until the process
/// restarts, so [`KeyringStore::open`] reports it up front.
#[derive(Debug)]
pub struct KeyringStore {
    _opened: (),
}

impl KeyringStore {
    /// Checks that a keyring is reachable.
    pub fn open() -> Result<KeyringStore, SecretError> {
        match keyring::Entry::store_status() {
            Ok(()) => Ok(KeyringStore { _opened: () }),
            Err(err) => Err(SecretError::unavailable(err.to_string())),
        }
    }

    fn entry(&self, key: &str) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(KEYRING_SERVICE, key).map_err(map_keyring_error)
    }
}

fn map_keyring_error(err: keyring::Error) -> SecretError {
    match err {
        keyring::Error::NoDefaultStore => SecretError::unavailable(
            keyring::Entry::store_status()
                .as_ref()
                .err()
                .map_or_else(|| err.to_string(), ToString::to_string),
        ),
        keyring::Error::NoStorageAccess(inner) => SecretError::Locked {
            detail: inner.to_string(),
        },
        keyring::Error::TooLong(..) | keyring::Error::Invalid(..) => SecretError::Invalid {
            detail: err.to_string(),
        },
        other => SecretError::Backend {
            detail: other.to_string(),
        },
    }
}

impl SecretStore for KeyringStore {
    fn put(&self, key: &str, secret: &str) -> Result<(), SecretError> {
        self.entry(key)?
            .set_password(secret)
            .map_err(map_keyring_error)
    }

    fn get(&self, key: &str) -> Result<Option<String>, SecretError> {
        match self.entry(key)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(map_keyring_error(err)),
        }
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(map_keyring_error(err)),
        }
    }

    fn describe(&self) -> &'static str {
        "system keyring (Secret Service / Keychain / Credential Manager)"
    }
}

// ---------------------------------------------------------------------------
// Opt-in file store

/// Secrets in a JSON file with mode 0600. Only used when the user sets
/// `TRAYCAL_SECRET_STORE=file`.
///
/// Writes go to a 0600 temp file in the same directory, are fsynced and then
/// renamed over the old file, so a crash leaves either the old or the new
/// file, never a half-written one.
#[derive(Debug)]
pub struct FileSecretStore {
    path: PathBuf,
    // Serialises read-modify-write cycles within this process.
    lock: Mutex<()>,
}

const FILE_FORMAT: &str = "traycal-secrets-v1";

impl FileSecretStore {
    /// Opens (does not create) the store at `path`; an existing file with
    /// looser permissions is tightened to 0600.
    pub fn open(path: PathBuf) -> Result<FileSecretStore, SecretError> {
        #[cfg(unix)]
        if let Ok(meta) = fs::metadata(&path) {
            use std::os::unix::fs::PermissionsExt;
            if meta.permissions().mode() & 0o077 != 0 {
                fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).map_err(
                    |source| SecretError::Io {
                        path: path.clone(),
                        source,
                    },
                )?;
            }
        }
        Ok(FileSecretStore {
            path,
            lock: Mutex::new(()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn guard(&self) -> MutexGuard<'_, ()> {
        // The guarded data is `()`: a panic elsewhere cannot leave it invalid.
        self.lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn load(&self) -> Result<BTreeMap<String, String>, SecretError> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(source) => {
                return Err(SecretError::Io {
                    path: self.path.clone(),
                    source,
                })
            }
        };
        let corrupt = |detail: String| SecretError::Corrupt {
            path: self.path.clone(),
            detail,
        };
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
        if value.get("format").and_then(|f| f.as_str()) != Some(FILE_FORMAT) {
            return Err(corrupt(format!("missing \"format\": \"{FILE_FORMAT}\"")));
        }
        let secrets = value
            .get("secrets")
            .and_then(|s| s.as_object())
            .ok_or_else(|| corrupt("missing \"secrets\" object".to_string()))?;
        secrets
            .iter()
            .map(|(k, v)| match v.as_str() {
                Some(s) => Ok((k.clone(), s.to_string())),
                None => Err(corrupt(format!("value of {k:?} is not a string"))),
            })
            .collect()
    }

    fn save(&self, secrets: &BTreeMap<String, String>) -> Result<(), SecretError> {
        let io = |source| SecretError::Io {
            path: self.path.clone(),
            source,
        };
        let doc = serde_json::json!({ "format": FILE_FORMAT, "secrets": secrets });
        let text = serde_json::to_string_pretty(&doc).map_err(|e| SecretError::Corrupt {
            path: self.path.clone(),
            detail: e.to_string(),
        })?;
        let dir = self.path.parent().unwrap_or_else(|| Path::new("."));
        fs::create_dir_all(dir).map_err(io)?;
        let file_name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| SECRET_FILE_NAME.to_string());
        let tmp = dir.join(format!(".{file_name}.tmp-{}", std::process::id()));
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // Created 0600 from the start: never readable by others, not even briefly.
            options.mode(0o600);
        }
        let result = (|| {
            let mut file = options.open(&tmp)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            fs::rename(&tmp, &self.path)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result.map_err(io)
    }
}

impl SecretStore for FileSecretStore {
    fn put(&self, key: &str, secret: &str) -> Result<(), SecretError> {
        let _guard = self.guard();
        let mut secrets = self.load()?;
        secrets.insert(key.to_string(), secret.to_string());
        self.save(&secrets)
    }

    fn get(&self, key: &str) -> Result<Option<String>, SecretError> {
        let _guard = self.guard();
        Ok(self.load()?.remove(key))
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        let _guard = self.guard();
        let mut secrets = self.load()?;
        if secrets.remove(key).is_some() {
            self.save(&secrets)?;
        }
        Ok(())
    }

    fn describe(&self) -> &'static str {
        "plain-text file (secrets.json), protected only by file permissions (0600); \
         chosen with TRAYCAL_SECRET_STORE=file"
    }
}

// ---------------------------------------------------------------------------
// In-memory store for tests

/// Secrets in a map; for tests of code that takes a `dyn SecretStore`.
#[derive(Debug, Default)]
pub struct MemorySecretStore {
    secrets: Mutex<BTreeMap<String, String>>,
}

impl MemorySecretStore {
    pub fn new() -> MemorySecretStore {
        MemorySecretStore::default()
    }

    /// How many secrets are held (tests check that removal cleans up).
    pub fn len(&self) -> usize {
        self.map().len()
    }

    /// True when no secret is held.
    pub fn is_empty(&self) -> bool {
        self.map().is_empty()
    }

    fn map(&self) -> MutexGuard<'_, BTreeMap<String, String>> {
        // Every mutation is a single map call, so a poisoned map is still consistent.
        self.secrets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl SecretStore for MemorySecretStore {
    fn put(&self, key: &str, secret: &str) -> Result<(), SecretError> {
        self.map().insert(key.to_string(), secret.to_string());
        Ok(())
    }

    fn get(&self, key: &str) -> Result<Option<String>, SecretError> {
        Ok(self.map().get(key).cloned())
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        self.map().remove(key);
        Ok(())
    }

    fn describe(&self) -> &'static str {
        "in-memory store (tests only)"
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn round_trip(store: &dyn SecretStore) {
        assert_eq!(store.get("feed:1").unwrap(), None);
        store.put("feed:1", "https://x/private-abc").unwrap();
        store.put("feed:2", "two").unwrap();
        assert_eq!(
            store.get("feed:1").unwrap().as_deref(),
            Some("https://x/private-abc")
        );
        store.put("feed:1", "replaced").unwrap();
        assert_eq!(store.get("feed:1").unwrap().as_deref(), Some("replaced"));
        store.delete("feed:1").unwrap();
        assert_eq!(store.get("feed:1").unwrap(), None);
        store.delete("feed:1").unwrap(); // idempotent
        assert_eq!(store.get("feed:2").unwrap().as_deref(), Some("two"));
    }

    #[test]
    fn memory_store_round_trip() {
        round_trip(&MemorySecretStore::new());
    }

    #[test]
    fn file_store_round_trip_and_persistence() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join(SECRET_FILE_NAME);
        let store = FileSecretStore::open(path.clone()).unwrap();
        round_trip(&store);
        let reopened = FileSecretStore::open(path).unwrap();
        assert_eq!(reopened.get("feed:2").unwrap().as_deref(), Some("two"));
        assert!(store.describe().contains("plain-text"));
        assert!(store.describe().contains("permissions"));
    }

    #[cfg(unix)]
    #[test]
    fn file_store_is_0600_and_tightens_loose_files() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SECRET_FILE_NAME);
        let store = FileSecretStore::open(path.clone()).unwrap();
        store.put("k", "v").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);

        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let _store = FileSecretStore::open(path.clone()).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // No temp files left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn corrupt_file_is_reported_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SECRET_FILE_NAME);
        fs::write(&path, "not json").unwrap();
        let store = FileSecretStore::open(path.clone()).unwrap();
        let err = store.put("k", "v").unwrap_err();
        assert_eq!(err.code(), "secret_file_corrupt");
        assert_eq!(fs::read_to_string(&path).unwrap(), "not json");
    }

    #[test]
    fn store_selection_is_explicit() {
        assert_eq!(
            SecretStoreKind::from_setting(None).unwrap(),
            SecretStoreKind::Keyring
        );
        assert_eq!(
            SecretStoreKind::from_setting(Some("")).unwrap(),
            SecretStoreKind::Keyring
        );
        assert_eq!(
            SecretStoreKind::from_setting(Some("FILE")).unwrap(),
            SecretStoreKind::File
        );
        let err = SecretStoreKind::from_setting(Some("plaintext")).unwrap_err();
        assert_eq!(err.code(), "secret_store_unknown");
        let dir = tempfile::tempdir().unwrap();
        let store = SecretStoreKind::File.open(dir.path()).unwrap();
        store.put("a", "b").unwrap();
        assert!(dir.path().join(SECRET_FILE_NAME).exists());
    }
}
