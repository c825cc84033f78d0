//! An engine on a temp data dir, a loopback feed server and a clock the test moves:
//! the set-up of the engine-level system tests.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use traycal_engine::sources::AddIcs;
use traycal_engine::{Clock, Engine, EngineConfig};
use traycal_providers::{FeedClientConfig, MemoryProvider, MemorySecretStore, SecretStore};
use traycal_store::{CalendarId, Mirror, SourceKind};

use crate::FeedServer;

/// A clock the test moves.
pub struct TestClock(pub AtomicI64);

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        Utc.timestamp_opt(self.0.load(Ordering::SeqCst), 0)
            .single()
            .unwrap_or_default()
    }
}

impl TestClock {
    /// Moves the clock to `t` (Unix seconds).
    pub fn set(&self, t: i64) {
        self.0.store(t, Ordering::SeqCst);
    }
}

pub struct Harness {
    pub engine: Engine,
    pub clock: Arc<TestClock>,
    pub secrets: Arc<MemorySecretStore>,
    pub dir: tempfile::TempDir,
    pub server: FeedServer,
}

/// 2026-03-02 (a Monday) 08:00 UTC.
pub const T0: i64 = 1_772_438_400;

/// A fresh engine (memory secret store, clock at [`T0`]) and feed server.
#[allow(clippy::unwrap_used)]
pub async fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(TestClock(AtomicI64::new(T0)));
    let secrets = Arc::new(MemorySecretStore::new());
    let s2: Arc<dyn SecretStore> = secrets.clone();
    let engine = Engine::open(EngineConfig {
        data_dir: dir.path().to_path_buf(),
        secrets: Box::new(move || Ok(Arc::clone(&s2))),
        clock: clock.clone(),
        feed: FeedClientConfig {
            total_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(2),
            max_redirects: 3,
            ..FeedClientConfig::default()
        },
    })
    .unwrap();
    Harness {
        engine,
        clock,
        secrets,
        dir,
        server: FeedServer::start().await,
    }
}

#[allow(clippy::unwrap_used)]
impl Harness {
    /// Another engine (another process, as far as the mirror knows) on `data_dir`,
    /// with this harness's secret store and clock.
    pub fn engine_at(&self, data_dir: &std::path::Path) -> Engine {
        let secrets: Arc<dyn SecretStore> = self.secrets.clone();
        Engine::open(EngineConfig {
            data_dir: data_dir.to_path_buf(),
            secrets: Box::new(move || Ok(Arc::clone(&secrets))),
            clock: self.clock.clone(),
            feed: FeedClientConfig::default(),
        })
        .unwrap()
    }

    pub async fn add(&self, path: &str) -> i64 {
        self.add_with(AddIcs {
            url: self.server.url(path),
            name: Some("Team".into()),
            ..AddIcs::default()
        })
        .await
    }

    pub async fn add_with(&self, req: AddIcs) -> i64 {
        self.engine.add_ics(req).await.unwrap().id
    }

    /// The source holding `calendar`.
    pub async fn source_of(&self, calendar: CalendarId) -> i64 {
        self.engine
            .calendars()
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.id == calendar.0)
            .unwrap()
            .source_id
    }

    pub fn mirror(&self) -> Mirror {
        Mirror::open(&self.dir.path().join("mirror.sqlite3")).unwrap()
    }

    /// The mirror's database and WAL bytes (a changed byte is a write).
    pub fn mirror_files(&self) -> Vec<(String, Vec<u8>)> {
        ["mirror.sqlite3", "mirror.sqlite3-wal"]
            .iter()
            .map(|f| {
                let bytes = std::fs::read(self.dir.path().join(f)).unwrap_or_default();
                (f.to_string(), bytes)
            })
            .collect()
    }

    pub async fn summaries(&self, from: i64, to: i64) -> Vec<String> {
        let a = self.engine.agenda(from, to).await.unwrap();
        a.entries.into_iter().map(|e| e.summary).collect()
    }
}

/// An event line block.
pub fn ev(uid: &str, start: &str, end: &str, summary: &str, extra: &str) -> String {
    format!(
        "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:{summary}\r\n{extra}END:VEVENT\r\n"
    )
}

/// One object holding one half-hour event on 2026-03-03 at `hour`:00 UTC.
pub fn one_event(uid: &str, hour: u32, summary: &str) -> String {
    cal(&[ev(
        uid,
        &format!("20260303T{hour:02}0000Z"),
        &format!("20260303T{hour:02}3000Z"),
        summary,
        "",
    )])
}

pub fn cal(events: &[String]) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Traycal tests//EN\r\n{}END:VCALENDAR\r\n",
        events.concat()
    )
}

/// A fresh engine with one two-way calendar (a CalDAV-kind account) whose server is
/// a new in-memory provider holding the calendar `remote` ("Home").
#[allow(clippy::unwrap_used)]
pub async fn two_way_harness(remote: &str) -> (Harness, MemoryProvider, CalendarId) {
    let h = harness().await;
    let server = MemoryProvider::new();
    server.add_calendar(remote, "Home");
    let id = h
        .engine
        .add_account_calendar(SourceKind::Caldav, "me@dav.test", remote, "Home", false)
        .await
        .unwrap();
    (h, server, id)
}
