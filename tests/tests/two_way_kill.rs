#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `kill -9` of a real client process in the middle of its work, at spread-out random
//! moments (while it records edits, while it pushes them, as it records what the
//! server answered): after every kill the mirror passes SQLite's integrity check and
//! no confirmed local change is lost (it is still waiting in the outbox, or the server
//! has it), and at the end one more sync converges: nothing waits, no conflict, no
//! duplicate, and the server holds exactly the last version of every event.
//!
//! The client is `two_way_worker` (src/bin): the engine on a data dir, syncing with a
//! server that commits every change to a file before it answers, so the server
//! outlives each client as a real one does.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use traycal_engine::{Engine, EngineConfig, FixedClock};
use traycal_providers::{FeedClientConfig, MemoryProvider, MemorySecretStore, SecretStore};
use traycal_store::{CalendarId, Mirror, ObjectState, RemoteObject, SourceKind};
use traycal_system_tests::harness::T0;
use traycal_system_tests::two_way_kill::{summary_in, Expected, InFlight};

const CAL: &str = "/dav/kill/";
const RUNS: u32 = 60;
const EDITS: u32 = 6;

struct Setup {
    _dir: tempfile::TempDir,
    data_dir: PathBuf,
    server_file: PathBuf,
    calendar: CalendarId,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let server_file = dir.path().join("server.json");
    let server = MemoryProvider::open_file(&server_file).unwrap();
    server.add_calendar(CAL, "Kill");
    server.save().unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::new());
    let engine = Engine::open(EngineConfig {
        data_dir: data_dir.clone(),
        secrets: Box::new(move || Ok(Arc::clone(&secrets))),
        clock: Arc::new(FixedClock(chrono::DateTime::from_timestamp(T0, 0).unwrap())),
        feed: FeedClientConfig::default(),
    })
    .unwrap();
    let calendar = engine
        .add_account_calendar(SourceKind::Caldav, "me@kill.test", CAL, "Kill", false)
        .await
        .unwrap();
    Setup {
        _dir: dir,
        data_dir,
        server_file,
        calendar,
    }
}

fn worker(s: &Setup, round: u32, edits: u32) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_two_way_worker"));
    c.arg(&s.data_dir)
        .arg(&s.server_file)
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
    let server = MemoryProvider::open_file(&s.server_file).unwrap();
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
            let remote = server.item(CAL, o.remote_id.as_deref().unwrap());
            assert_eq!(
                remote.map(|r| r.body),
                o.base_raw.clone(),
                "run {run}: {uid} on the server"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_at_random_moments_loses_nothing_and_the_next_sync_converges() {
    let s = setup().await;
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
    for run in 1..=RUNS {
        // Spread over the whole run, with a random offset inside each slice.
        let slice = full.as_secs_f64() * 1.1 / f64::from(RUNS);
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
        "kill -9: {RUNS} runs (seed {seed}, a full run takes {full:?}): \
         {while_editing} killed while recording edits, {while_syncing} while syncing, \
         {finished} finished first"
    );
    assert!(
        while_syncing >= RUNS / 4,
        "too few kills landed in a sync ({while_syncing} of {RUNS}): the test would not \
         test pushes"
    );

    // One more sync, not killed: it converges.
    let out = worker(&s, RUNS + 1, 0).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.ends_with("synced\n"),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m = mirror(&s);
    assert!(m.outbox(None).unwrap().is_empty(), "nothing waits");
    assert!(m.open_conflicts(None).unwrap().is_empty(), "no conflict");
    let server = MemoryProvider::open_file(&s.server_file).unwrap();
    let items = server.items(CAL);
    let mut on_server: Vec<(String, Option<String>)> = items
        .iter()
        .map(|i| {
            let uid = i
                .body
                .lines()
                .find_map(|l| l.strip_prefix("UID:"))
                .unwrap()
                .trim_end()
                .to_string();
            (uid, summary_in(Some(&i.body)))
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
        let remote = server.item(CAL, o.remote_id.as_deref().unwrap()).unwrap();
        assert_eq!(Some(remote.body), o.base_raw, "{}", o.uid);
    }
}
