//! Throughput bench of the mirror's write and read paths (no criterion needed).
//!
//! Generates 50,000 synthetic components (~2 KB raw each, ~100 MB total) and 375,000
//! occurrences over one year, applies them as a first sync into a fresh file in a temp
//! dir, then times a no-change apply (sync state only), `event_index` and a 7-day
//! agenda query, and prints the peak RSS (VmHWM).
//!
//! Run: `cargo run --release -p traycal-store --example store_bench`

use std::time::Instant;

use traycal_store::{
    EventWrite, LogEntry, Mirror, NewSource, OccurrenceWrite, SeriesOccurrences, SourceKind,
    SyncBatch, SyncOutcome, SyncStateUpdate,
};

const EVENTS: usize = 50_000;
const DAY: i64 = 86_400;
const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const WEEKLY_COUNT: usize = 27; // every 4th event is a weekly series of 27

struct Generated {
    uids: Vec<String>,
    raws: Vec<String>,
    descriptions: Vec<String>,
    summaries: Vec<String>,
    instance_ids: Vec<Vec<String>>,
    starts: Vec<Vec<(i64, i64, bool)>>,
}

fn rng(state: &mut u64) -> u64 {
    // xorshift64*: deterministic, dependency-free
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

fn generate() -> Generated {
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut g = Generated {
        uids: Vec::with_capacity(EVENTS),
        raws: Vec::with_capacity(EVENTS),
        descriptions: Vec::with_capacity(EVENTS),
        summaries: Vec::with_capacity(EVENTS),
        instance_ids: Vec::with_capacity(EVENTS),
        starts: Vec::with_capacity(EVENTS),
    };
    let filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit; ".repeat(40);
    for i in 0..EVENTS {
        let uid = format!("{:016x}-{i}@bench.traycal", rng(&mut seed));
        let r = rng(&mut seed);
        let recurring = i % 4 == 0;
        let all_day = r.is_multiple_of(10);
        let multi_day = r.is_multiple_of(97);
        let span = if multi_day {
            3 * DAY
        } else if all_day {
            DAY
        } else {
            1800 * (1 + (r >> 8) as i64 % 4)
        };
        // Singles and series start anywhere in the year; series wrap around it, so every
        // week holds about the same number of occurrences (~7,200).
        let base = T0 + ((r >> 16) as i64 % (365 * DAY));
        let base = if all_day || multi_day {
            base - base.rem_euclid(DAY)
        } else {
            base
        };
        let n = if recurring { WEEKLY_COUNT } else { 1 };
        let starts: Vec<(i64, i64, bool)> = (0..n)
            .map(|k| {
                let s = T0 + (base - T0 + k as i64 * 7 * DAY) % (365 * DAY);
                (s, s + span, all_day || multi_day)
            })
            .collect();
        let ids: Vec<String> = if recurring {
            starts.iter().map(|(s, _, _)| format!("{s}")).collect()
        } else {
            vec![String::new()]
        };
        let description = format!("Agenda for meeting {i}: {}", &filler[..200]);
        let summary = format!("Meeting {i} with team {}", r % 1000);
        let raw = format!(
            "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:{base}\r\nSUMMARY:{summary}\r\n\
             DESCRIPTION:{description}\r\nX-PAD:{}\r\nEND:VEVENT\r\n",
            &filler[..1700]
        );
        g.uids.push(uid);
        g.raws.push(raw);
        g.descriptions.push(description);
        g.summaries.push(summary);
        g.instance_ids.push(ids);
        g.starts.push(starts);
    }
    g
}

fn state(now: i64) -> SyncStateUpdate<'static> {
    SyncStateUpdate {
        attempted_at: now,
        next_due_at: now + 3600,
        etag: Some("\"bench\""),
        last_modified: None,
        content_hash: Some(now),
        window_from: Some(T0),
        window_to: Some(T0 + 365 * DAY),
        ..SyncStateUpdate::default()
    }
}

fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let g = generate();
    let raw_bytes: usize = g.raws.iter().map(String::len).sum();
    let rss_after_gen = vm_hwm_kib();

    let upserts: Vec<EventWrite<'_>> = (0..EVENTS)
        .map(|i| {
            let (s, e, all_day) = g.starts[i][0];
            EventWrite {
                uid: &g.uids[i],
                recurrence_id: "",
                summary: Some(&g.summaries[i]),
                location: Some("Room 4"),

                start_utc: s,
                end_utc: e,
                all_day,
                floating: all_day,
                tzid: if all_day { None } else { Some("Europe/Paris") },
                status: Some("CONFIRMED"),
                transp: None,
                sequence: 0,
                rrule: if g.starts[i].len() > 1 {
                    Some("FREQ=WEEKLY;COUNT=27")
                } else {
                    None
                },
                raw: &g.raws[i],
                content_hash: i as i64 * 7919,
                fingerprint: i as i64 * 104_729,
                series_end_utc: g.starts[i].last().map(|x| x.1),
            }
        })
        .collect();
    let series: Vec<SeriesOccurrences<'_>> = (0..EVENTS)
        .map(|i| SeriesOccurrences {
            uid: &g.uids[i],
            occurrences: g.starts[i]
                .iter()
                .zip(&g.instance_ids[i])
                .map(|(&(s, e, all_day), id)| OccurrenceWrite {
                    recurrence_id: "",
                    instance_id: id,
                    start_utc: s,
                    end_utc: e,
                    all_day,
                    floating: all_day,
                })
                .collect(),
        })
        .collect();
    let occurrences: usize = series.iter().map(|s| s.occurrences.len()).sum();

    let dir = tempfile::tempdir()?;
    // STORE_BENCH_DB keeps the file for inspection (must not exist yet).
    let path = std::env::var_os("STORE_BENCH_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("traycal.db"));
    let mut mirror = Mirror::open(&path)?;
    let source = mirror.add_source(&NewSource {
        kind: SourceKind::Ics,
        name: "Bench".into(),
        url_display: "https://example.invalid/…/basic.ics".into(),
        url: None,
        secret_ref: Some("traycal:bench".into()),
        interval_secs: 3600,
        max_bytes: 200 << 20,
        filters_json: "{}".into(),
        enabled: true,
        color: None,
        created_at: T0,
    })?;
    let calendar = mirror.calendar_of(source)?;

    let batch = SyncBatch {
        upserts,
        replace_occurrences: series,
        state: state(T0),
        log: LogEntry {
            outcome: SyncOutcome::Updated,
            counts: traycal_store::SyncCounts {
                added: EVENTS as u64,
                ..Default::default()
            },
            ..LogEntry::default()
        },
        ..SyncBatch::default()
    };
    let t = Instant::now();
    let counts = mirror.apply_calendar_sync(calendar, &batch)?;
    let first_apply = ms(t);

    let t = Instant::now();
    mirror.checkpoint()?;
    let checkpoint = ms(t);

    let noop = SyncBatch {
        state: state(T0 + 3600),
        log: LogEntry {
            outcome: SyncOutcome::Updated,
            ..LogEntry::default()
        },
        ..SyncBatch::default()
    };
    let t = Instant::now();
    mirror.apply_calendar_sync(calendar, &noop)?;
    let noop_apply = ms(t);

    let mut index_ms = Vec::new();
    let mut indexed = 0;
    for _ in 0..5 {
        let t = Instant::now();
        indexed = mirror.event_index(calendar)?.len();
        index_ms.push(ms(t));
    }

    let mut query_ms = Vec::new();
    let mut rows = 0; // summed over the 5 windows
    for week in [5, 20, 21, 30, 40] {
        let from = T0 + week * 7 * DAY;
        let t = Instant::now();
        rows = mirror
            .occurrences_between(from, from + 7 * DAY, None)?
            .len();
        query_ms.push(ms(t));
    }

    // Cold-ish read path: a fresh connection with an empty page cache.
    drop(mirror);
    let reopened = Mirror::open(&path)?;
    let t = Instant::now();
    let cold_rows = reopened
        .occurrences_between(T0 + 25 * 7 * DAY, T0 + 26 * 7 * DAY, None)?
        .len();
    let cold_query = ms(t);
    let t = Instant::now();
    let cold_index = reopened.event_index(calendar)?.len();
    let cold_index_ms = ms(t);

    let db_mb = std::fs::metadata(&path)?.len() as f64 / 1e6;
    let fmt = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.2}"))
            .collect::<Vec<_>>()
            .join(" / ")
    };
    println!(
        "events: {EVENTS}, raw text: {:.1} MB, occurrences: {occurrences}",
        raw_bytes as f64 / 1e6
    );
    println!("first apply (events + occurrences + state + log, one tx): {first_apply:.1} ms  ({counts:?})");
    println!("checkpoint afterwards (WAL -> db file, fsyncs, truncate):  {checkpoint:.1} ms");
    println!("no-change apply (sync_state + log only):                 {noop_apply:.2} ms");
    println!(
        "event_index ({indexed} rows), 5 runs ms:                  {}",
        fmt(&index_ms)
    );
    println!(
        "7-day occurrences_between (~{rows} rows), 5 windows ms:  {}",
        fmt(&query_ms)
    );
    println!("fresh connection: 7-day query {cold_rows} rows {cold_query:.2} ms, event_index {cold_index} rows {cold_index_ms:.2} ms");
    println!("db file: {db_mb:.1} MB");
    println!(
        "peak RSS (VmHWM): {} MiB (after generating input: {} MiB)",
        vm_hwm_kib().unwrap_or(0) / 1024,
        rss_after_gen.unwrap_or(0) / 1024
    );
    Ok(())
}
