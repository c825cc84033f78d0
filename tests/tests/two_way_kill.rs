#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `kill -9` of a real client process in the middle of its work, at spread-out random
//! moments (while it records edits, while it pushes them, as it records what the
//! server answered): after every kill the mirror passes SQLite's integrity check and
//! no confirmed local change is lost (it is still waiting in the outbox, or the server
//! has it), and at the end one more sync converges: nothing waits, no conflict, no
//! duplicate, and the server holds exactly the last version of every event.
//!
//! The client is `two_way_worker` (src/bin): the engine on a data dir, syncing with a
//! server that outlives each client: the in-memory server kept in a file (committed
//! before each answer), and a real Radicale.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use traycal_engine::{Engine, EngineConfig, FixedClock};
use traycal_providers::{FeedClientConfig, MemoryProvider, MemorySecretStore, SecretStore};
use traycal_store::{CalendarId, Mirror, ObjectState, RemoteObject, SourceKind};
use traycal_system_tests::dav_servers::{DavKind, DavServer};
use traycal_system_tests::harness::T0;
use traycal_system_tests::two_way_kill::{summary_in, Expected, InFlight};

const CAL: &str = "/dav/kill/";
const EDITS: u32 = 6;

/// The server the clients sync with.
enum Server {
    /// The in-memory server kept in this file.
    Memory(PathBuf),
    /// A real CalDAV server and the calendar's URL.
    Dav(DavServer, String),
}

impl Server {
    /// The worker's SERVER argument.
    fn arg(&self) -> OsString {
        match self {
            Server::Memory(file) => file.clone().into_os_string(),
            Server::Dav(_, cal) => format!("dav:{cal}").into(),
        }
    }

    /// The calendar's id at the provider.
    fn calendar(&self) -> String {
        match self {
            Server::Memory(_) => CAL.to_string(),
            Server::Dav(_, cal) => cal.clone(),
        }
    }

    /// The server's text of item `id`.
    fn body(&self, id: &str) -> Option<String> {
        match self {
            Server::Memory(file) => MemoryProvider::open_file(file)
                .unwrap()
                .item(CAL, id)
                .map(|i| i.body),
            Server::Dav(server, cal) => {
                let got = server.curl("alice").get(&format!("{cal}{id}"));
                (got.status == 200).then_some(got.body)
            }
        }
    }

    /// The text of every item.
    fn bodies(&self) -> Vec<String> {
        match self {
            Server::Memory(file) => MemoryProvider::open_file(file)
                .unwrap()
                .items(CAL)
                .into_iter()
                .map(|i| i.body)
                .collect(),
            Server::Dav(server, cal) => {
                let curl = server.curl("alice");
                let origin = server.url.trim_end_matches('/');
                curl.members(cal)
                    .iter()
                    .map(|href| curl.get(&format!("{origin}{href}")).body)
                    .collect()
            }
        }
    }

    /// Whether the server keeps a text byte for byte (a real one may write it anew:
    /// then the summaries are compared).
    fn keeps_bytes(&self) -> bool {
        matches!(self, Server::Memory(_))
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    data_dir: PathBuf,
    server: Server,
    calendar: CalendarId,
}

async fn setup(dav: Option<DavKind>) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let server = match dav {
        None => {
            let server_file = dir.path().join("server.json");
            let server = MemoryProvider::open_file(&server_file).unwrap();
            server.add_calendar(CAL, "Kill");
            server.save().unwrap();
            Server::Memory(server_file)
        }
        Some(kind) => {
            let server = DavServer::start(kind);
            let cal = server.calendar_url("alice");
            Server::Dav(server, cal)
        }
    };
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::new());
    let engine = Engine::open(EngineConfig {
        data_dir: data_dir.clone(),
        secrets: Box::new(move || Ok(Arc::clone(&secrets))),
        clock: Arc::new(FixedClock(chrono::DateTime::from_timestamp(T0, 0).unwrap())),
        feed: FeedClientConfig::default(),
    })
    .unwrap();
    let calendar = engine
        .add_account_calendar(
            SourceKind::Caldav,
            "me@kill.test",
            &server.calendar(),
            "Kill",
            false,
        )
        .await
        .unwrap();
    Setup {
        _dir: dir,
        data_dir,
        server,
        calendar,
    }
}

fn worker(s: &Setup, round: u32, edits: u32) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_two_way_worker"));
    c.arg(&s.data_dir)
        .arg(s.server.arg())
        .arg(round.to_string())
        .arg(edits.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn mirror(s: &Setup) -> Mirror {
    Mirror::open(&s.data_dir.join(traycal_engine::data_dir::MIRROR_FILE)).unwrap()
}

/// What the mirror says the event is now: its pending version, else the agreed one.
fn view(objects: &[RemoteObject], uid: &str) -> Option<String> {
    let o = objects.iter().find(|o| o.uid == uid)?;
    match o.state {
        ObjectState::Deleted => None,
        ObjectState::Created | ObjectState::Modified => summary_in(o.local_raw.as_deref()),
        _ => summary_in(o.base_raw.as_deref()),
    }
}

/// After a kill: the file is sound and every confirmed change is still here (waiting)
/// or on the server. The change in flight is taken as made when the mirror has it.
fn check_nothing_lost(s: &Setup, expected: &mut Expected, in_flight: Option<InFlight>, run: u32) {
    let m = mirror(s);
    assert_eq!(
        m.integrity_problems().unwrap(),
        Vec::<String>::new(),
        "run {run}"
    );
    let objects = m.remote_objects(s.calendar).unwrap();
    if let Some(f) = in_flight {
        if view(&objects, &f.uid) == f.summary {
            expected.events.insert(f.uid, f.summary);
        }
    }
    for (uid, summary) in &expected.events {
        let o = objects.iter().find(|o| &o.uid == uid);
        assert_eq!(
            &view(&objects, uid),
            summary,
            "run {run}: {uid} in the mirror: {o:?}; conflicts {:?}",
            m.open_conflicts(None).unwrap()
        );
        assert!(
            o.is_none_or(|o| o.state != ObjectState::Conflict),
            "run {run}: {uid} is in conflict, but only this client edits"
        );
        // Agreed with the server: the server has exactly that version.
        if let Some(o) = o.filter(|o| o.state == ObjectState::Synced) {
            same_on_server(s, o, &format!("run {run}: {uid} on the server"));
        }
    }
}

/// The server holds the object's agreed version (byte for byte, or its summary where
/// the server may write the text anew).
fn same_on_server(s: &Setup, o: &RemoteObject, what: &str) {
    let remote = s.server.body(o.remote_id.as_deref().unwrap());
    if s.server.keeps_bytes() {
        assert_eq!(remote, o.base_raw, "{what}");
    } else {
        assert!(remote.is_some(), "{what}: missing");
        assert_eq!(
            summary_in(remote.as_deref()),
            summary_in(o.base_raw.as_deref()),
            "{what}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_at_random_moments_loses_nothing_and_the_next_sync_converges() {
    kill_9_runs(None, 60).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_against_radicale_loses_nothing_and_the_next_sync_converges() {
    kill_9_runs(Some(DavKind::Radicale), 50).await;
}

async fn kill_9_runs(dav: Option<DavKind>, runs: u32) {
    const RUNS_MIN: u32 = 50;
    assert!(runs >= RUNS_MIN);
    let s = setup(dav).await;
    let mut expected = Expected::default();

    // Round 0 runs to its end: how long a run takes, to spread the kills over it.
    let t = Instant::now();
    let out = worker(&s, 0, EDITS).output().unwrap();
    let full = t.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success() && stdout.ends_with("synced\n"),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(expected.read_run(&stdout), None);
    check_nothing_lost(&s, &mut expected, None, 0);

    let (mut while_editing, mut while_syncing, mut finished) = (0, 0, 0);
    let seed = fastrand::u64(..);
    let mut rng = fastrand::Rng::with_seed(seed);
    for run in 1..=runs {
        // Spread over the whole run, with a random offset inside each slice.
        let slice = full.as_secs_f64() * 1.1 / f64::from(runs);
        let at = slice * (f64::from(run - 1) + rng.f64());
        let mut child = worker(&s, run, EDITS).spawn().unwrap();
        std::thread::sleep(Duration::from_secs_f64(at));
        let _ = child.kill(); // SIGKILL; it may have finished already
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        if out.status.code().is_some_and(|c| c != 0) {
            panic!(
                "run {run} (seed {seed}) failed by itself: {stdout}{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        if stdout.ends_with("synced\n") {
            finished += 1;
        } else if stdout
            .lines()
            .filter(|l| l.starts_with("recorded") || l.starts_with("skipped"))
            .count()
            == EDITS as usize
        {
            while_syncing += 1;
        } else {
            while_editing += 1;
        }
        let in_flight = expected.read_run(&stdout);
        check_nothing_lost(&s, &mut expected, in_flight, run);
    }
    println!(
        "kill -9: {runs} runs (seed {seed}, a full run takes {full:?}): \
         {while_editing} killed while recording edits, {while_syncing} while syncing, \
         {finished} finished first"
    );
    assert!(
        while_syncing >= runs / 4,
        "too few kills landed in a sync ({while_syncing} of {runs}): the test would not \
         test pushes"
    );

    // One more sync, not killed: it converges.
    let out = worker(&s, runs + 1, 0).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.ends_with("synced\n"),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m = mirror(&s);
    assert!(m.outbox(None).unwrap().is_empty(), "nothing waits");
    assert!(m.open_conflicts(None).unwrap().is_empty(), "no conflict");
    let mut on_server: Vec<(String, Option<String>)> = s
        .server
        .bodies()
        .iter()
        .map(|body| {
            let uid = body
                .lines()
                .find_map(|l| l.strip_prefix("UID:"))
                .unwrap()
                .trim_end()
                .to_string();
            (uid, summary_in(Some(body)))
        })
        .collect();
    on_server.sort();
    let want: Vec<(String, Option<String>)> = expected
        .events
        .iter()
        .filter(|(_, s)| s.is_some())
        .map(|(u, s)| (u.clone(), s.clone()))
        .collect();
    assert_eq!(
        on_server, want,
        "the server holds the last version of each event, once"
    );
    for o in m.remote_objects(s.calendar).unwrap() {
        assert_eq!(o.state, ObjectState::Synced, "{o:?}");
        same_on_server(&s, &o, &o.uid);
    }
}
