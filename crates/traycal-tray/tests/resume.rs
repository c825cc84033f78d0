#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Resume from suspend over a real D-Bus: a private `dbus-daemon` stands in for the
//! system bus, a test connection owns `org.freedesktop.login1` and emits logind's
//! `PrepareForSleep` as logind does (true before sleeping, false after waking), and
//! the app's watcher must call back once per wake, never for going to sleep, and
//! ignore the same signal from anyone who is not logind.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use traycal_tray::resume;

struct Bus {
    daemon: Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

fn private_bus() -> Bus {
    let dir = tempfile::tempdir().unwrap();
    let mut daemon = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .arg(format!(
            "--address=unix:path={}",
            dir.path().join("bus").display()
        ))
        .stdout(Stdio::piped())
        .spawn()
        .expect("dbus-daemon (package dbus) is needed for this test");
    let mut line = String::new();
    BufReader::new(daemon.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    Bus {
        daemon,
        address: line.trim().to_string(),
        _dir: dir,
    }
}

async fn connect(address: &str) -> zbus::Connection {
    zbus::connection::Builder::address(address)
        .unwrap()
        .build()
        .await
        .unwrap()
}

async fn prepare_for_sleep(conn: &zbus::Connection, sleeping: bool) {
    conn.emit_signal(
        None::<()>,
        "/org/freedesktop/login1",
        "org.freedesktop.login1.Manager",
        "PrepareForSleep",
        &(sleeping,),
    )
    .await
    .unwrap();
}

async fn wait_for(count: &AtomicU32, want: u32) {
    for _ in 0..200 {
        if count.load(Ordering::SeqCst) >= want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_wake_from_suspend_is_reported_once() {
    let bus = private_bus();
    let watcher = connect(&bus.address).await;
    let resumes = Arc::new(AtomicU32::new(0));
    let counted = Arc::clone(&resumes);
    let watching = tokio::spawn(async move {
        resume::watch(&watcher, move || {
            counted.fetch_add(1, Ordering::SeqCst);
        })
        .await
    });

    // Someone else emitting logind's signal is not logind: ignored.
    let impostor = connect(&bus.address).await;
    // logind itself.
    let logind = connect(&bus.address).await;
    logind.request_name("org.freedesktop.login1").await.unwrap();
    // The watcher's match rule must be in place before the first signal.
    tokio::time::sleep(Duration::from_millis(300)).await;

    prepare_for_sleep(&impostor, false).await;
    prepare_for_sleep(&logind, true).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        resumes.load(Ordering::SeqCst),
        0,
        "going to sleep, or a signal not from logind, is not a wake"
    );

    prepare_for_sleep(&logind, false).await;
    wait_for(&resumes, 1).await;
    assert_eq!(resumes.load(Ordering::SeqCst), 1);

    prepare_for_sleep(&logind, true).await;
    prepare_for_sleep(&logind, false).await;
    wait_for(&resumes, 2).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(resumes.load(Ordering::SeqCst), 2);
    assert!(!watching.is_finished());
    watching.abort();
}
