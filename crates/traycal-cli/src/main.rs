//! `traycal`: the headless command line over the Traycal engine.
//!
//! Human output by default, `--json` everywhere. Errors exit non-zero with a message
//! naming the source and the problem (exit 2 for bad input, 3 for a failed sync, 1
//! otherwise). The data directory is shared with the tray app: `--data-dir`, else
//! `TRAYCAL_DATA_DIR`, else `$XDG_DATA_HOME/traycal`.

mod occurrences;
mod output;

use std::path::PathBuf;

use anyhow::{anyhow, Context, Result};
use chrono::{Local, NaiveDate, TimeZone};
use clap::{Parser, Subcommand};
use traycal_engine::sources::AddIcs;
use traycal_engine::{clock, data_dir, Engine, EngineConfig, EngineError};

#[derive(Parser, Debug)]
#[command(
    name = "traycal",
    version,
    about = "Traycal: all your calendars in one local mirror",
    after_help = "Data directory: --data-dir, else TRAYCAL_DATA_DIR, else $XDG_DATA_HOME/traycal.\nSecret feed URLs go to the OS keyring; set TRAYCAL_SECRET_STORE=file to keep them in a 0600 file instead (headless servers)."
)]
struct Cli {
    /// Where the mirror lives (shared with the tray app).
    #[arg(long, global = true, env = "TRAYCAL_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Machine-readable output (JSON).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Subscribe to an ICS feed (http, https or webcal URL).
    AddIcs {
        url: String,
        /// Display name (default: from the URL).
        #[arg(long)]
        name: Option<String>,
        /// Fetch interval: 1m, 5m, 10m, 30m or 60m.
        #[arg(long, default_value = "5m")]
        every: String,
        /// Keep only events matching `[summary|location|description:]text` or `/regex/` (repeatable).
        #[arg(long)]
        include: Vec<String>,
        /// Drop events matching a rule (repeatable; same syntax as --include).
        #[arg(long)]
        exclude: Vec<String>,
        /// Download size cap in bytes (default 20 MB).
        #[arg(long)]
        max_bytes: Option<u64>,
        /// Sync right away after adding.
        #[arg(long)]
        sync: bool,
    },
    /// List sources.
    Sources,
    /// Remove a source and its events.
    Remove { id: i64 },
    /// Sync one source, or all enabled sources.
    Sync { id: Option<i64> },
    /// Last sync, next sync, interval, event count, upcoming count, last error.
    Status { id: Option<i64> },
    /// Occurrences of all calendars, day by day.
    Agenda {
        /// First day (YYYY-MM-DD, your zone; default today).
        #[arg(long)]
        from: Option<NaiveDate>,
        /// Number of days.
        #[arg(long, default_value_t = 7)]
        days: u32,
    },
    /// The running or next event, with its join link.
    Next,
    /// Open the join link of the running or next meeting (in the browser or the
    /// service's app; `TRAYCAL_OPENER` overrides `xdg-open`).
    Join {
        /// Print the link instead of opening it.
        #[arg(long)]
        print: bool,
    },
    /// The sync log, newest first.
    Log {
        id: Option<i64>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Keep syncing in the foreground: each source at its interval, with back-off.
    Run,
    /// Expand a local ICS file (or - for stdin) without storing it; JSON lines.
    Occurrences(occurrences::OccurrencesArgs),
}

fn engine(cli: &Cli) -> Result<Engine> {
    let dir = data_dir::resolve(cli.data_dir.clone()).ok_or_else(|| {
        anyhow!("no data directory: pass --data-dir or set TRAYCAL_DATA_DIR (HOME is not set)")
    })?;
    let clock = clock::from_environment().map_err(|e| anyhow!(e))?;
    Engine::open(EngineConfig::standard(dir, clock)).map_err(|e| anyhow!(e))
}

fn exit_code(e: &anyhow::Error) -> i32 {
    match e.downcast_ref::<EngineError>() {
        Some(EngineError::InvalidInput(_)) | Some(EngineError::NoSuchSource(_)) => 2,
        Some(EngineError::Feed(f)) if f.code() == "invalid_url" => 2,
        _ => 1,
    }
}

async fn run(cli: Cli) -> Result<i32> {
    if let Command::Occurrences(a) = &cli.command {
        return occurrences::run(a);
    }
    let engine = engine(&cli)?;
    let json = cli.json;
    match &cli.command {
        // Handled above: it needs no engine.
        Command::Occurrences(_) => {}
        Command::AddIcs {
            url,
            name,
            every,
            include,
            exclude,
            max_bytes,
            sync,
        } => {
            let interval = traycal_engine::schedule::parse_interval(every)
                .map_err(EngineError::InvalidInput)?;
            let info = engine
                .add_ics(AddIcs {
                    url: url.clone(),
                    name: name.clone(),
                    interval: Some(interval),
                    include: include.clone(),
                    exclude: exclude.clone(),
                    max_bytes: *max_bytes,
                    color: None,
                })
                .await?;
            output::added(&info, json)?;
            if *sync {
                let r = engine.sync_source(info.id).await?;
                output::sync_reports(std::slice::from_ref(&r), json)?;
                return Ok(if r.outcome == "failed" { 3 } else { 0 });
            }
        }
        Command::Sources => output::sources(&engine.sources().await?, json)?,
        Command::Remove { id } => {
            let info = engine.remove_source(*id).await?;
            output::removed(&info, json)?;
        }
        Command::Sync { id } => {
            let reports = match id {
                Some(id) => vec![engine.sync_source(*id).await?],
                None => engine.sync_all().await?,
            };
            output::sync_reports(&reports, json)?;
            if reports.iter().any(|r| r.outcome == "failed") {
                return Ok(3);
            }
        }
        Command::Status { id } => output::status(&engine.status(*id).await?, json)?,
        Command::Agenda { from, days } => {
            let start = match from {
                Some(d) => *d,
                None => Local::now().date_naive(),
            };
            let end = start + chrono::Days::new(u64::from((*days).max(1)));
            let at = |d: NaiveDate| {
                Local
                    .from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
                    .earliest()
                    .map(|t| t.timestamp())
                    .context("that date does not exist in your time zone")
            };
            let agenda = engine.agenda(at(start)?, at(end)?).await?;
            output::agenda(&agenda, json)?;
        }
        Command::Next => output::next(engine.next_meeting().await?.as_ref(), json)?,
        Command::Join { print } => {
            let meeting = engine
                .next_meeting()
                .await?
                .ok_or_else(|| anyhow!("nothing coming up: no meeting to join"))?;
            let link = meeting.join.as_ref().ok_or_else(|| {
                anyhow!(
                    "the next meeting, \"{}\" ({}), has no join link",
                    output::plain(&meeting.entry.summary),
                    meeting.entry.start
                )
            })?;
            if *print || json {
                let catalogue = engine.catalogue()?;
                traycal_engine::opener::check_scheme(&link.url, &catalogue)?;
                output::join_link(&meeting, json)?;
            } else {
                engine.open_link(link).await?;
                output::join_link(&meeting, false)?;
            }
        }
        Command::Log { id, limit } => output::log(&engine.log(*id, *limit).await?, json)?,
        Command::Run => loop {
            let reports = engine.sync_due().await?;
            if !reports.is_empty() {
                output::sync_reports(&reports, json)?;
            }
            // Sleep until the next source is due (no polling loop); at most an
            // hour, so a source added meanwhile by another process is noticed.
            let wait = engine.next_due_in().await?.unwrap_or(3600).clamp(1, 3600);
            tokio::time::sleep(std::time::Duration::from_secs(wait as u64)).await;
        },
    }
    Ok(0)
}

fn main() {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("traycal: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            let closed_pipe = e
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe);
            if closed_pipe {
                std::process::exit(0);
            }
            eprintln!("traycal: {e:#}");
            std::process::exit(exit_code(&e));
        }
    }
}
