//! A Traycal client that is killed in the middle of its work, for the `kill -9` test
//! (`tests/two_way_kill.rs`).
//!
//! It opens the engine on DATA_DIR, connects the account calendar to SERVER: the
//! server kept in a file (a [`MemoryProvider`] that commits every change to that file
//! before it answers), or `dav:URL`, a real CalDAV server (as alice / secret), records
//! EDITS local changes of round ROUND, then syncs until nothing waits.
//! Every change is announced before it is made (`recording UID put SUMMARY` or
//! `recording UID del`) and confirmed once committed (`recorded UID`); a delete of an
//! event the mirror does not hold is `skipped UID`. `synced` ends a run that was not
//! killed.
//!
//! usage: two_way_worker DATA_DIR SERVER_FILE|dav:URL ROUND EDITS

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use traycal_engine::{Engine, EngineConfig, FixedClock};
use traycal_providers::{
    CalDavProvider, CalDavSettings, FeedClientConfig, MemoryProvider, MemorySecretStore,
    SecretStore,
};
use traycal_store::{CalendarId, Mirror};
use traycal_system_tests::harness::{cal, ev, T0};
use traycal_system_tests::two_way_kill::{edit_of, Edit};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data_dir, server_file, round, edits] = args.as_slice() else {
        eprintln!("usage: two_way_worker DATA_DIR SERVER_FILE|dav:URL ROUND EDITS");
        return ExitCode::from(2);
    };
    let (Ok(round), Ok(edits)) = (round.parse::<u32>(), edits.parse::<u32>()) else {
        eprintln!("two_way_worker: ROUND and EDITS are numbers");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("two_way_worker: {e}");
            return ExitCode::from(1);
        }
    };
    let work = run(
        PathBuf::from(data_dir),
        PathBuf::from(server_file),
        round,
        edits,
    );
    match runtime.block_on(work) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("two_way_worker: {e}");
            ExitCode::from(1)
        }
    }
}

fn say(line: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| e.to_string())
}

async fn run(
    data_dir: PathBuf,
    server_file: PathBuf,
    round: u32,
    edits: u32,
) -> Result<(), String> {
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::new());
    let clock = chrono::DateTime::from_timestamp(T0, 0).ok_or("bad clock")?;
    let engine = Engine::open(EngineConfig {
        data_dir: data_dir.clone(),
        secrets: Box::new(move || Ok(Arc::clone(&secrets))),
        clock: Arc::new(FixedClock(clock)),
        feed: FeedClientConfig::default(),
    })
    .map_err(|e| e.to_string())?;
    let calendar = engine
        .calendars()
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|c| c.direction == "two_way")
        .ok_or("no account calendar")?;
    match server_file.to_str().and_then(|s| s.strip_prefix("dav:")) {
        Some(url) => {
            let settings = CalDavSettings {
                server: url.to_string(),
                user: "alice".into(),
                homes: Vec::new(),
            };
            let server = CalDavProvider::connect(&settings, "secret").map_err(|e| e.to_string())?;
            engine.connect_account(calendar.source_id, server);
        }
        None => {
            let server = MemoryProvider::open_file(&server_file).map_err(|e| e.to_string())?;
            // Every call takes a moment, as over a network: a kill lands inside pushes too.
            server.set_delay(Duration::from_millis(3));
            engine.connect_account(calendar.source_id, server);
        }
    }

    for i in 0..edits {
        let edit = edit_of(round, i);
        let text = match &edit {
            Edit::Put { uid, summary, hour } => {
                say(&format!("recording {uid} put {summary}"))?;
                Some(cal(&[ev(
                    uid,
                    &format!("20260303T{hour:02}0000Z"),
                    &format!("20260303T{hour:02}3000Z"),
                    summary,
                    "",
                )]))
            }
            Edit::Delete { uid } => {
                say(&format!("recording {uid} del"))?;
                None
            }
        };
        let uid = edit.uid();
        match engine
            .record_local_object(CalendarId(calendar.id), uid, text)
            .await
        {
            Ok(_) => say(&format!("recorded {uid}"))?,
            Err(_) if matches!(edit, Edit::Delete { .. }) => say(&format!("skipped {uid}"))?,
            Err(e) => return Err(e.to_string()),
        }
    }
    let mirror_file = data_dir.join(traycal_engine::data_dir::MIRROR_FILE);
    for _ in 0..5 {
        let report = engine
            .sync_source(calendar.source_id)
            .await
            .map_err(|e| e.to_string())?;
        if report.outcome == "failed" {
            return Err(format!("sync failed: {report:?}"));
        }
        let mirror = Mirror::open(&mirror_file).map_err(|e| e.to_string())?;
        if mirror.outbox(None).map_err(|e| e.to_string())?.is_empty() {
            return say("synced");
        }
    }
    Err("local changes still wait after five syncs".into())
}
