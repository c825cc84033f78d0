#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The start-up integrity check: a damaged page in the middle of the mirror, which no
//! query has read yet, shows in the tray (state and message), naming the file.

use std::sync::Arc;

use traycal_engine::{Engine, EngineConfig, FixedClock};
use traycal_tray::shell::{Shell, TrayState};

fn shell(data: &std::path::Path) -> Shell {
    let clock = Arc::new(FixedClock(
        chrono::DateTime::parse_from_rfc3339("2026-11-23T08:00:00Z")
            .unwrap()
            .to_utc(),
    ));
    let mut config = EngineConfig::standard(data.to_path_buf(), clock);
    config.secrets = Box::new(|| Err("no secret store in this test".into()));
    Shell::new(Arc::new(Engine::open(config).unwrap()))
}

#[tokio::test]
async fn a_damaged_mirror_shows_in_the_tray() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let db = data.join("mirror.sqlite3");
    // A sound mirror first: the check finds nothing.
    {
        let sound = shell(&data);
        sound.check_mirror().await;
        assert_eq!(sound.tray_state().0, TrayState::Idle);
    }
    // Pages of filler, then one scribbled over in the middle.
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(
            "CREATE TABLE filler (x TEXT); \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) \
             INSERT INTO filler SELECT printf('%.400c', 'x') FROM n; \
             PRAGMA wal_checkpoint(TRUNCATE);",
        )
        .unwrap();
    }
    let mut bytes = std::fs::read(&db).unwrap();
    let page = 32 * 1024;
    let middle = (bytes.len() / page / 2) * page;
    for b in &mut bytes[middle..middle + 300] {
        *b = 0x5A;
    }
    std::fs::write(&db, bytes).unwrap();

    let damaged = shell(&data);
    assert_eq!(
        damaged.tray_state().0,
        TrayState::Idle,
        "nothing read it yet"
    );
    damaged.check_mirror().await;
    let (state, message) = damaged.tray_state();
    assert_eq!(state, TrayState::Error);
    let message = message.unwrap();
    assert!(message.contains("is damaged"), "{message}");
    assert!(message.contains(&db.display().to_string()), "{message}");
}
