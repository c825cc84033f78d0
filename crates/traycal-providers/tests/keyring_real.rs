#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The real OS keyring (Secret Service on Linux).
//!
//! `keyring_round_trip` needs a D-Bus session with an unlocked Secret Service
//! and runs only with `TRAYCAL_TEST_KEYRING=1`; with the variable set, a
//! keyring that does not work is a failure, not a skip.
//!
//! `no_session_bus_means_unavailable` always runs: it re-executes this test
//! binary without a session bus, because keyring 4 selects its store once per
//! process and the environment is process-wide.

use std::process::Command;
use std::time::{Duration, Instant};

use traycal_providers::{KeyringStore, SecretError, SecretStore};

const CHILD_ENV: &str = "TRAYCAL_KEYRING_NO_BUS_CHILD";

#[test]
fn keyring_round_trip() {
    if std::env::var("TRAYCAL_TEST_KEYRING").as_deref() != Ok("1") {
        println!(
            "SKIPPED: TRAYCAL_TEST_KEYRING not set (needs a D-Bus session with an unlocked \
             gnome-keyring; .ci/run provides one)"
        );
        return;
    }
    let store = match KeyringStore::open() {
        Ok(store) => store,
        Err(err) => panic!("TRAYCAL_TEST_KEYRING=1 but the keyring does not work: {err}"),
    };
    let key = format!("test:{:016x}", fastrand::u64(..));
    let secret = "https://calendar.google.com/calendar/ical/a%40b.c/private-0123abcd/basic.ics";
    assert_eq!(store.get(&key).unwrap(), None);
    store.put(&key, secret).unwrap();
    assert_eq!(store.get(&key).unwrap().as_deref(), Some(secret));
    store.put(&key, "replaced").unwrap();
    assert_eq!(store.get(&key).unwrap().as_deref(), Some("replaced"));
    store.delete(&key).unwrap();
    assert_eq!(store.get(&key).unwrap(), None);
    store.delete(&key).unwrap();
    println!("keyring round trip OK via {}", store.describe());
}

#[test]
fn no_session_bus_means_unavailable() {
    let runtime_dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args(["no_bus_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        // zbus falls back to $XDG_RUNTIME_DIR/bus: point it at an empty dir.
        .env("XDG_RUNTIME_DIR", runtime_dir.path())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("KeyringStore hung without a session bus");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "child test failed: {status}");
}

/// Runs only inside the child spawned above.
#[test]
fn no_bus_child() {
    if std::env::var(CHILD_ENV).as_deref() != Ok("1") {
        return;
    }
    let started = Instant::now();
    let err = KeyringStore::open().unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert!(matches!(err, SecretError::Unavailable { .. }), "{err:?}");
    assert_eq!(err.code(), "secret_store_unavailable");
    let message = err.to_string();
    assert!(message.contains("gnome-keyring"), "{message}");
    assert!(message.contains("TRAYCAL_SECRET_STORE=file"), "{message}");
    println!("no bus -> {message}");
}
