//! A process killed in the middle of `apply_calendar_sync` leaves a consistent mirror.
//!
//! The test re-runs its own binary as a child that applies large batches in a loop, then
//! SIGKILLs it mid-write and checks the file: it must pass SQLite's integrity check and
//! hold only whole batches, with `sync_state` and `sync_log` agreeing with the events.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use traycal_store::{
    EventWrite, LogEntry, Mirror, NewSource, OccurrenceWrite, SeriesOccurrences, SourceKind,
    SyncBatch, SyncOutcome, SyncStateUpdate,
};

const CHILD_ENV: &str = "TRAYCAL_STORE_CRASH_CHILD";
const PER_BATCH: usize = 4_000;
const T0: i64 = 1_767_225_600;

fn child(path: &str) -> Result<(), traycal_store::StoreError> {
    let mut m = Mirror::open(std::path::Path::new(path))?;
    let s = m.add_source(&NewSource {
        kind: SourceKind::Ics,
        name: "Crash".into(),
        url_display: "https://example.invalid/crash.ics".into(),
        url: Some("https://example.invalid/crash.ics".into()),
        secret_ref: None,
        interval_secs: 60,
        max_bytes: 1 << 30,
        filters_json: "{}".into(),
        enabled: true,
        color: None,
        created_at: T0,
    })?;
    let c = m.calendar_of(s)?;
    let raw = "X".repeat(2_000);
    for round in 0..10_000_i64 {
        let uids: Vec<String> = (0..PER_BATCH).map(|k| format!("r{round}-{k}")).collect();
        let batch = SyncBatch {
            upserts: uids
                .iter()
                .map(|uid| EventWrite {
                    uid,
                    recurrence_id: "",
                    summary: Some("crash"),
                    location: None,
                    start_utc: T0 + round,
                    end_utc: T0 + round + 60,
                    all_day: false,
                    floating: false,
                    tzid: None,
                    status: None,
                    transp: None,
                    sequence: 0,
                    rrule: None,
                    raw: &raw,
                    content_hash: round,
                    fingerprint: round,
                    series_end_utc: None,
                })
                .collect(),
            replace_occurrences: uids
                .iter()
                .map(|uid| SeriesOccurrences {
                    uid,
                    occurrences: vec![OccurrenceWrite {
                        recurrence_id: "",
                        instance_id: "",
                        start_utc: T0 + round,
                        end_utc: T0 + round + 60,
                        all_day: false,
                        floating: false,
                    }],
                })
                .collect(),
            state: SyncStateUpdate {
                attempted_at: T0 + round,
                next_due_at: T0 + round + 60,
                ..SyncStateUpdate::default()
            },
            log: LogEntry {
                outcome: SyncOutcome::Updated,
                counts: traycal_store::SyncCounts {
                    added: PER_BATCH as u64,
                    ..Default::default()
                },
                ..LogEntry::default()
            },
            ..SyncBatch::default()
        };
        m.apply_calendar_sync(c, &batch)?;
        println!("committed {round}");
    }
    Ok(())
}

#[test]
fn killed_mid_apply_leaves_a_consistent_database() {
    if let Ok(path) = std::env::var(CHILD_ENV) {
        child(&path).unwrap();
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    let mut proc = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "killed_mid_apply_leaves_a_consistent_database",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(proc.stdout.take().unwrap()).lines();
    // Wait for two committed batches, then kill while later ones are being written.
    let mut committed = 0;
    while committed < 2 {
        let line = lines.next().expect("child ended early").unwrap();
        if line.starts_with("committed ") {
            committed += 1;
        }
    }
    std::thread::sleep(Duration::from_millis(120));
    proc.kill().unwrap(); // SIGKILL: no destructors, no rollback, no checkpoint
    proc.wait().unwrap();

    let m = Mirror::open(&path).unwrap();
    assert!(m.check_integrity().unwrap());
    let s = m.sources().unwrap()[0].id;
    let events = m.event_count(s).unwrap();
    let state = m.sync_state(s).unwrap();
    let log = m.sync_log(Some(s), 100_000).unwrap();
    assert!(log.len() >= 2);
    assert_eq!(events % PER_BATCH as u64, 0, "only whole batches: {events}");
    assert_eq!(events, (log.len() * PER_BATCH) as u64);
    assert_eq!(state.event_count as u64, events);
    assert_eq!(state.last_success_at, Some(log[0].at));
    let occurrences = m.upcoming_count(T0 - 10, T0 + 100_000, Some(s)).unwrap();
    assert_eq!(occurrences, events);
}
