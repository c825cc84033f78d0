#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Another process (the CLI) changing the mirror: the running app hears it within a
//! moment, through inotify and SQLite's data_version, and says so to its windows
//! (`MirrorChanged` "external"); its own writes are not taken for another's.

use std::sync::Arc;
use std::time::Duration;

use traycal_engine::{Engine, EngineConfig, FixedClock};
use traycal_tray::events::ShellEvent;
use traycal_tray::shell::Shell;

fn engine(data: &std::path::Path) -> Engine {
    let clock = Arc::new(FixedClock(
        chrono::DateTime::parse_from_rfc3339("2026-11-23T08:00:00Z")
            .unwrap()
            .to_utc(),
    ));
    let mut config = EngineConfig::standard(data.to_path_buf(), clock);
    config.secrets = Box::new(|| Err("no secret store in this test".into()));
    Engine::open(config).unwrap()
}

/// The next `MirrorChanged` reason within `wait`, if any.
async fn next_change(
    events: &mut tokio::sync::broadcast::Receiver<ShellEvent>,
    wait: Duration,
) -> Option<String> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(ShellEvent::MirrorChanged(m))) => return Some(m.reason),
            Ok(Ok(_)) => continue,
            _ => return None,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_added_by_another_process_is_heard_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let shell = Arc::new(Shell::new(Arc::new(engine(&data))));
    let mut events = shell.subscribe();
    traycal_tray::mirror_watch::spawn(Arc::clone(&shell), &data, tokio::runtime::Handle::current())
        .unwrap();

    // This process's own write is not "external".
    let own = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(own.path(), "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n").unwrap();
    shell
        .engine
        .add_ics(traycal_engine::sources::AddIcs {
            url: own.path().display().to_string(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        next_change(&mut events, Duration::from_millis(1500)).await,
        None
    );

    // Another process (an engine of its own on the same data dir) adds a source.
    let other = engine(&data);
    let file = dir.path().join("rota.ics");
    std::fs::write(&file, "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n").unwrap();
    other
        .add_ics(traycal_engine::sources::AddIcs {
            url: file.display().to_string(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        next_change(&mut events, Duration::from_secs(2))
            .await
            .as_deref(),
        Some("external")
    );
    assert_eq!(shell.engine.sources().await.unwrap().len(), 2);
}
