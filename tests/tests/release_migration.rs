#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A mirror written by the released Traycal opens in this build with every user's data
//! kept. The file (`tests/fixtures/release-v2/mirror.sqlite3`, schema v2) was written
//! by the last landed build's own CLI (commit 82f1534) subscribing to the feeds in
//! `fixtures/release-v2/feeds/` and syncing them; `fixtures/release-v2/make.sh` makes it
//! again the same way.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use traycal_engine::data_dir::MIRROR_FILE;
use traycal_store::{Mirror, SCHEMA_VERSION};
use traycal_system_tests::harness::harness;
use traycal_system_tests::{FeedServer, Route};

/// 2026-12-07 09:00 UTC: a day after the fixture was written.
const DEC_7: i64 = 1_796_634_000;
/// 2026-12-01 and 2027-01-01, 00:00 UTC.
const DEC_1: i64 = 1_796_083_200;
const JAN_1: i64 = 1_798_761_600;
/// The loopback port the fixture's feeds were served on (their URLs name it).
const FIXTURE_PORT: u16 = 48213;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/release-v2")
}

/// A copy of the released build's data directory.
fn released_data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture_dir().join("mirror.sqlite3"),
        dir.path().join(MIRROR_FILE),
    )
    .unwrap();
    dir
}

/// Row counts and the stored feed URLs, read with plain SQL (no migration).
#[derive(Debug, PartialEq, Eq)]
struct Rows {
    sources: i64,
    events: i64,
    occurrences: i64,
    log: i64,
}

fn rows(path: &Path) -> Rows {
    let conn = rusqlite::Connection::open(path).unwrap();
    let count = |table: &str| -> i64 {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };
    Rows {
        sources: count("sources"),
        events: count("events"),
        occurrences: count("occurrences"),
        log: count("sync_log"),
    }
}

fn user_version(path: &Path) -> i64 {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

fn plain_urls(path: &Path) -> Vec<Option<String>> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn.prepare("SELECT url FROM sources ORDER BY id").unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test]
async fn a_mirror_written_by_the_released_build_opens_with_everything_kept() {
    let h = harness().await;
    h.clock.set(DEC_7);
    let dir = released_data_dir();
    let file = dir.path().join(MIRROR_FILE);
    assert_eq!(
        user_version(&file),
        2,
        "the fixture is the release's schema"
    );
    let before = rows(&file);
    assert!(before.events >= 5 && before.occurrences > 20, "{before:?}");

    let engine = h.engine_at(dir.path());
    assert_eq!(
        Mirror::open(&file).unwrap().schema_version().unwrap(),
        SCHEMA_VERSION
    );
    assert_eq!(rows(&file), before, "every row kept");
    assert_eq!(engine.check_mirror().await.unwrap(), Vec::<String>::new());

    // The sources, their settings and their calendars.
    let sources = engine.sources().await.unwrap();
    let names: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Team", "Holidays"]);
    assert!(
        sources[0].url.contains("127.0.0.1"),
        "shown, shortened: {}",
        sources[0].url
    );
    assert_eq!(sources[1].interval_secs, 3600);
    assert_eq!(
        sources[1].filters.exclude.len(),
        1,
        "{:?}",
        sources[1].filters
    );
    let calendars = engine.calendars().await.unwrap();
    assert_eq!(calendars.len(), 2);
    assert!(calendars
        .iter()
        .all(|c| c.read_only && c.direction == "pull_only"));

    // The agenda shows what the release showed, offline.
    let agenda = engine.agenda(DEC_1, JAN_1).await.unwrap();
    let summaries: BTreeSet<&str> = agenda.entries.iter().map(|e| e.summary.as_str()).collect();
    for want in [
        "Standup",
        "Standup (moved)",
        "Quarterly review",
        "Christmas Day",
        "Boxing Day",
    ] {
        assert!(summaries.contains(want), "{want} missing: {summaries:?}");
    }
    assert!(
        !summaries.iter().any(|s| s.starts_with("Draft")),
        "the filter still applies"
    );
    assert!(
        !agenda
            .entries
            .iter()
            .any(|e| e.summary == "Standup" && e.start.starts_with("2026-12-08")),
        "the EXDATE holds"
    );
    assert!(agenda.entries.iter().all(|e| !e.pending));

    // The log the release wrote, with its counts.
    let log = engine.log(None, 100).await.unwrap();
    assert_eq!(log.len() as i64, before.log);
    assert!(log
        .iter()
        .any(|l| l.source == "Team" && l.counts.added >= 2));
    assert!(log
        .iter()
        .all(|l| l.counts.pushed == 0 && l.counts.conflicts == 0));
}

#[tokio::test]
async fn the_released_builds_plain_url_moves_to_the_secret_store_and_its_feeds_sync_on() {
    let h = harness().await;
    h.clock.set(DEC_7);
    let dir = released_data_dir();
    let file = dir.path().join(MIRROR_FILE);
    let urls = plain_urls(&file);
    assert!(
        urls.iter().all(|u| u
            .as_deref()
            .is_some_and(|u| u.starts_with("http://127.0.0.1"))),
        "the release kept feed URLs in plain text: {urls:?}"
    );

    let server = FeedServer::try_start_on(FIXTURE_PORT)
        .await
        .unwrap_or_else(|e| {
            panic!("port {FIXTURE_PORT} (named by the fixture's feed URLs) is taken: {e}")
        });
    let feeds = fixture_dir().join("feeds");
    let team = std::fs::read_to_string(feeds.join("team.ics")).unwrap();
    let one_more = team.replace(
        "END:VCALENDAR",
        "BEGIN:VEVENT\r\nUID:retro@team.fixture\r\nDTSTAMP:20261207T090000Z\r\n\
         DTSTART:20261211T150000Z\r\nDTEND:20261211T160000Z\r\nSUMMARY:Retro\r\n\
         END:VEVENT\r\nEND:VCALENDAR",
    );
    server.set_route("/team.ics", Route::ics(one_more));
    server.set_route(
        "/holidays.ics",
        Route::ics(std::fs::read(feeds.join("holidays.ics")).unwrap()),
    );

    let engine = h.engine_at(dir.path());
    // The release stored no zones: the migration forgets the feeds' validators, so
    // their next sync downloads and applies each one whole, which stores them.
    let hashes = |file: &Path| -> Vec<Option<i64>> {
        let conn = rusqlite::Connection::open(file).unwrap();
        let mut st = conn
            .prepare("SELECT content_hash FROM sync_state ORDER BY source_id")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(hashes(&file), [None, None]);
    let reports = engine.sync_all().await.unwrap();
    assert!(hashes(&file).iter().all(Option::is_some));
    for path in ["/team.ics", "/holidays.ics"] {
        let reqs = server.requests_for(path);
        assert_eq!(reqs.len(), 1, "{path}");
        assert_eq!(
            reqs[0].header("if-none-match"),
            None,
            "{path}: unconditional"
        );
    }
    assert_eq!(reports.len(), 2);
    assert!(reports.iter().all(|r| r.error.is_none()), "{reports:#?}");
    assert_eq!(reports[0].counts.added, 1, "{:?}", reports[0]);

    // The plain URLs left the mirror for the secret store, whole (this build keeps
    // every feed URL there).
    assert_eq!(plain_urls(&file), [None, None]);
    let conn = rusqlite::Connection::open(&file).unwrap();
    let secret_ref: String = conn
        .query_row(
            "SELECT secret_ref FROM sources ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    use traycal_providers::SecretStore;
    let kept = h.secrets.get(&secret_ref).unwrap().unwrap();
    assert!(kept.ends_with("/team.ics?calendar=team"), "{kept}");
    // The fetch asked for the URL with its query.
    assert!(server
        .requests()
        .iter()
        .any(|r| r.target == "/team.ics?calendar=team"));

    let agenda = engine.agenda(DEC_1, JAN_1).await.unwrap();
    assert!(agenda.entries.iter().any(|e| e.summary == "Retro"));
    assert!(agenda.entries.iter().any(|e| e.summary == "Christmas Day"));
}
