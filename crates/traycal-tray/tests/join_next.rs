#![allow(clippy::unwrap_used, clippy::expect_used)]
//! "Join next meeting" (tray item, shortcut): "Nothing to join" only when there is no
//! meeting to join; a meeting whose link cannot be opened says the browser could not
//! be started. (A file of its own: it sets the opener for its whole process.)

use std::sync::Arc;

use traycal_engine::{Engine, EngineConfig, FixedClock};
use traycal_tray::shell::Shell;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_whose_link_cannot_be_opened_is_not_nothing_to_join() {
    let dir = tempfile::tempdir().unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-23T08:00:00Z")
        .unwrap()
        .to_utc();
    let mut config = EngineConfig::standard(dir.path().join("data"), Arc::new(FixedClock(now)));
    config.secrets = Box::new(|| Err("no secret store in this test".into()));
    let shell = Shell::new(Arc::new(Engine::open(config).unwrap()));

    let none = shell.join_next().await.unwrap_err();
    assert_eq!(none.title, "Nothing to join");

    let feed = dir.path().join("team.ics");
    std::fs::write(
        &feed,
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:call@test\r\nDTSTAMP:20261101T000000Z\r\n\
         DTSTART:20261123T081000Z\r\nDTEND:20261123T084000Z\r\nSUMMARY:Call\r\n\
         LOCATION:https://us02web.zoom.us/j/85412345678\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    )
    .unwrap();
    let info = shell
        .engine
        .add_ics(traycal_engine::sources::AddIcs {
            url: feed.display().to_string(),
            ..Default::default()
        })
        .await
        .unwrap();
    shell.engine.sync_source(info.id).await.unwrap();
    // No browser can be started.
    std::env::set_var("TRAYCAL_OPENER", dir.path().join("no-such-browser"));
    let failed = shell.join_next().await.unwrap_err();
    assert_eq!(failed.title, "Could not open the meeting");
    assert!(
        failed
            .message
            .starts_with("The browser could not be started"),
        "{}",
        failed.message
    );
}
