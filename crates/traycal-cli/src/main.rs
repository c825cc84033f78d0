//! `traycal`: the headless command line over the Traycal engine.
//!
//! Human output by default, `--json` everywhere (one JSON document per run, errors
//! included: `{"error": {"code", "message"}}`). Errors exit non-zero with a message
//! naming the source and the problem (exit 2 for bad input, 3 for a failed sync, 1
//! otherwise). The data directory is shared with the tray app: `--data-dir`, else
//! `TRAYCAL_DATA_DIR`, else `$XDG_DATA_HOME/traycal`.

mod occurrences;
mod output;

use std::path::PathBuf;

use anyhow::{anyhow, Context, Result};
use chrono::{Local, NaiveDate, TimeZone};
use clap::{Parser, Subcommand};
use traycal_engine::accounts::AddCalDav;
use traycal_engine::calendar_settings::CalendarEdit;
use traycal_engine::local_edit::{EventFields, WhenGiven};
use traycal_engine::sources::AddIcs;
use traycal_engine::{clock, data_dir, Engine, EngineConfig, EngineError, MassDeletionChoice};

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
    /// Subscribe to an ICS feed (http, https or webcal URL, or a local .ics file).
    AddIcs {
        /// The feed's URL, or the path of a local .ics file.
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
        /// Download size cap in bytes (default 20 MB, at most 2 GiB).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_BYTES_LIMIT))]
        max_bytes: Option<u64>,
        /// Sync right away after adding.
        #[arg(long)]
        sync: bool,
    },
    /// Add a CalDAV account (iCloud, Fastmail, Nextcloud, any CalDAV server): finds
    /// its calendars; the password is kept in the OS keyring.
    AddCaldav {
        /// The server's address (e.g. https://caldav.fastmail.com/, or a host name).
        url: String,
        /// The user name to sign in with.
        #[arg(long)]
        user: String,
        /// Read the password from the first line of standard input (otherwise it is
        /// taken from TRAYCAL_PASSWORD).
        #[arg(long)]
        password_stdin: bool,
        /// The account's name in Traycal (default: "USER on HOST").
        #[arg(long)]
        name: Option<String>,
    },
    /// List sources.
    Sources,
    /// List calendars (a feed has one) with their ids, for `create --calendar`.
    Calendars,
    /// Change a calendar's own settings: shown or hidden, colour, which way it syncs,
    /// and whether new events go to it by default.
    Calendar {
        id: i64,
        /// Show it in the agenda, the tray and the reminders again.
        #[arg(long, conflicts_with = "hide")]
        show: bool,
        /// Leave it out of the agenda, the tray and the reminders (it still syncs).
        #[arg(long)]
        hide: bool,
        /// Its colour (#rrggbb; "" goes back to the account's).
        #[arg(long)]
        color: Option<String>,
        /// two_way, pull_only or push_only (a read-only calendar stays pull_only).
        #[arg(long)]
        direction: Option<String>,
        /// Make it the calendar new events go to.
        #[arg(long)]
        default: bool,
    },
    /// Remove a source and its events.
    Remove { id: i64 },
    /// Sync one source, or all enabled sources.
    Sync {
        id: Option<i64>,
        /// Apply a sync that would delete most of a calendar's upcoming events
        /// (otherwise it stops and asks).
        #[arg(long, conflicts_with = "keep_events")]
        allow_mass_delete: bool,
        /// Such a sync applies the rest but keeps the events the feed dropped.
        #[arg(long)]
        keep_events: bool,
    },
    /// Last sync, next sync, interval, event count, upcoming count, last error.
    Status { id: Option<i64> },
    /// Occurrences of all calendars, day by day.
    Agenda {
        /// First day (YYYY-MM-DD, your zone; default today).
        #[arg(long)]
        from: Option<NaiveDate>,
        /// Number of days (1 to 3660).
        #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=3660))]
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
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        limit: u32,
    },
    /// Create an event in a calendar Traycal may change (see `calendars`); it is
    /// pushed at the calendar's next sync.
    Create {
        /// The calendar's id (from `traycal calendars`).
        #[arg(long)]
        calendar: i64,
        #[command(flatten)]
        fields: EventArgs,
    },
    /// Change an event, or one occurrence of a series (its RECURRENCE-ID).
    Edit {
        /// The event's UID.
        uid: String,
        /// One occurrence, by its RECURRENCE-ID (such as 20260303T090000Z).
        #[arg(long)]
        occurrence: Option<String>,
        /// With --occurrence: this one only (default), this and the following ones,
        /// or all of them.
        #[arg(long, value_enum, requires = "occurrence")]
        scope: Option<Scope>,
        /// The calendar, when several hold this UID.
        #[arg(long)]
        calendar: Option<i64>,
        #[command(flatten)]
        fields: EventArgs,
    },
    /// Delete an event, or one occurrence of a series.
    Delete {
        /// The event's UID.
        uid: String,
        /// One occurrence, by its RECURRENCE-ID.
        #[arg(long)]
        occurrence: Option<String>,
        /// With --occurrence: this one only (default), this and the following ones,
        /// or all of them.
        #[arg(long, value_enum, requires = "occurrence")]
        scope: Option<Scope>,
        /// The calendar, when several hold this UID.
        #[arg(long)]
        calendar: Option<i64>,
    },
    /// Keep syncing in the foreground: each source at its interval, with back-off.
    Run,
    /// Expand a local ICS file (or - for stdin) without storing it; JSON lines.
    Occurrences(occurrences::OccurrencesArgs),
}

/// Which occurrences of a series an edit or delete reaches.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// This occurrence only.
    This,
    /// This occurrence and every one after it.
    Following,
    /// Every occurrence (the whole series).
    All,
}

/// An event's fields on the command line.
#[derive(clap::Args, Debug)]
struct EventArgs {
    /// Title.
    #[arg(long)]
    title: Option<String>,
    /// Start: YYYY-MM-DDTHH:MM (YYYY-MM-DD with --all-day).
    #[arg(long)]
    start: Option<String>,
    /// End: YYYY-MM-DDTHH:MM (with --all-day, the last day). Default: an hour after
    /// the start (the same day for all-day events).
    #[arg(long)]
    end: Option<String>,
    /// Time zone of --start and --end (IANA, such as Europe/Berlin); default: the
    /// event's own (UTC and floating events stay so), for a new event the system's.
    #[arg(long)]
    tz: Option<String>,
    /// An all-day event: --start and --end are days.
    #[arg(long)]
    all_day: bool,
    /// Location ("" removes it).
    #[arg(long)]
    location: Option<String>,
    /// Description ("" removes it).
    #[arg(long)]
    description: Option<String>,
    /// Repeat rule, as an RRULE value such as FREQ=WEEKLY;BYDAY=MO,WE or
    /// FREQ=DAILY;COUNT=5 ("" removes it; for the whole event or, with --scope
    /// following, the new series).
    #[arg(long, value_name = "RULE")]
    repeat: Option<String>,
    /// Reminder, in minutes before the start ("none" removes the event's reminders).
    #[arg(long, value_name = "MINUTES", value_parser = parse_reminder)]
    reminder: Option<Reminder>,
}

/// `--reminder`: minutes before the start, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Reminder(Option<u32>);

fn parse_reminder(text: &str) -> Result<Reminder, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("none") {
        return Ok(Reminder(None));
    }
    t.parse::<u32>()
        .map(|m| Reminder(Some(m)))
        .map_err(|_| format!("{t:?} is not a number of minutes (or \"none\")"))
}

impl EventArgs {
    fn fields(&self) -> Result<EventFields, EngineError> {
        let when = |flag: &str, text: &Option<String>| -> Result<Option<WhenGiven>, EngineError> {
            let Some(t) = text else { return Ok(None) };
            let t = t.trim();
            WhenGiven::parse(t, self.all_day).map(Some).ok_or_else(|| {
                EngineError::InvalidInput(format!(
                    "--{flag} {t:?}: use {}",
                    if self.all_day {
                        "YYYY-MM-DD"
                    } else {
                        "YYYY-MM-DDTHH:MM"
                    }
                ))
            })
        };
        Ok(EventFields {
            title: self.title.clone(),
            start: when("start", &self.start)?,
            end: when("end", &self.end)?,
            zone: self.tz.clone(),
            location: self.location.clone(),
            description: self.description.clone(),
            repeat: self.repeat.clone(),
            reminder_minutes: self.reminder.map(|r| r.0),
        })
    }
}

/// The largest `--max-bytes` (2 GiB): larger feeds do not exist, and the value must
/// fit the mirror's signed column.
const MAX_BYTES_LIMIT: u64 = 2 << 30;

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
        Some(EngineError::Store(s))
            if s.kind() == traycal_store::StoreErrorKind::CalendarReadOnly =>
        {
            2
        }
        Some(EngineError::Feed(f)) if f.code() == "invalid_url" => 2,
        _ => 1,
    }
}

/// The stable code of an error for `--json` output.
fn error_code(e: &anyhow::Error) -> &'static str {
    match e.downcast_ref::<EngineError>() {
        Some(engine) => engine.code(),
        None if e.downcast_ref::<clap::Error>().is_some() => "invalid_input",
        None => "error",
    }
}

/// The account password: the first line of standard input (`--password-stdin`), else
/// `TRAYCAL_PASSWORD`. Never an argument: arguments show in `ps` and shell history.
fn read_password(from_stdin: bool) -> Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        let password = line.trim_end_matches(['\r', '\n']).to_string();
        if password.is_empty() {
            return Err(EngineError::InvalidInput("standard input held no password".into()).into());
        }
        return Ok(password);
    }
    match std::env::var("TRAYCAL_PASSWORD") {
        Ok(p) if !p.is_empty() => Ok(p),
        _ => Err(EngineError::InvalidInput(
            "give the password on standard input with --password-stdin, or in TRAYCAL_PASSWORD"
                .into(),
        )
        .into()),
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
            // A relative path to a file that exists is that file.
            let url = match std::fs::canonicalize(url) {
                Ok(abs) if !url.contains("://") && abs.is_file() => abs.display().to_string(),
                _ => url.clone(),
            };
            let info = engine
                .add_ics(AddIcs {
                    url,
                    name: name.clone(),
                    interval: Some(interval),
                    include: include.clone(),
                    exclude: exclude.clone(),
                    max_bytes: *max_bytes,
                    color: None,
                })
                .await?;
            if *sync {
                let r = engine.sync_source(info.id).await?;
                output::added_and_synced(&info, &r, json)?;
                return Ok(if r.outcome == "failed" { 3 } else { 0 });
            }
            output::added(&info, json)?;
        }
        Command::AddCaldav {
            url,
            user,
            password_stdin,
            name,
        } => {
            let password = read_password(*password_stdin)?;
            let added = engine
                .add_caldav(AddCalDav {
                    server: url.clone(),
                    user: user.clone(),
                    password,
                    name: name.clone(),
                })
                .await?;
            output::account_added(&added, json)?;
        }
        Command::Sources => output::sources(&engine.sources().await?, json)?,
        Command::Calendars => output::calendars(&engine.calendars().await?, json)?,
        Command::Calendar {
            id,
            show,
            hide,
            color,
            direction,
            default,
        } => {
            let edit = CalendarEdit {
                shown: (*show || *hide).then_some(*show),
                color: color.clone(),
                direction: direction.clone(),
                default: default.then_some(true),
            };
            let info = engine.edit_calendar(*id, edit).await?;
            output::calendars(std::slice::from_ref(&info), json)?;
        }
        Command::Create { calendar, fields } => {
            if fields.title.is_none() {
                return Err(EngineError::InvalidInput("a new event needs --title".into()).into());
            }
            let written = engine.create_event(*calendar, &fields.fields()?).await?;
            output::written("Created", &written, json)?;
        }
        Command::Edit {
            uid,
            occurrence,
            scope,
            calendar,
            fields,
        } => {
            let fields = fields.fields()?;
            let written = match (occurrence.as_deref(), scope) {
                (Some(rid), Some(Scope::Following)) => {
                    engine.edit_following(uid, *calendar, rid, &fields).await?
                }
                (_, Some(Scope::All)) => engine.edit_event(uid, *calendar, None, &fields).await?,
                (rid, _) => engine.edit_event(uid, *calendar, rid, &fields).await?,
            };
            output::written("Changed", &written, json)?;
        }
        Command::Delete {
            uid,
            occurrence,
            scope,
            calendar,
        } => {
            let written = match (occurrence.as_deref(), scope) {
                (Some(rid), Some(Scope::Following)) => {
                    engine.delete_following(uid, *calendar, rid).await?
                }
                (_, Some(Scope::All)) => engine.delete_event(uid, *calendar, None).await?,
                (rid, _) => engine.delete_event(uid, *calendar, rid).await?,
            };
            output::written("Deleted", &written, json)?;
        }
        Command::Remove { id } => {
            let info = engine.remove_source(*id).await?;
            output::removed(&info, json)?;
        }
        Command::Sync {
            id,
            allow_mass_delete,
            keep_events,
        } => {
            let choice = if *allow_mass_delete {
                MassDeletionChoice::Apply
            } else if *keep_events {
                MassDeletionChoice::Keep
            } else {
                MassDeletionChoice::Ask
            };
            let reports = match id {
                Some(id) => vec![engine.sync_source_with(*id, choice).await?],
                None => engine.sync_all_with(choice).await?,
            };
            output::sync_reports(&reports, json)?;
            if reports.iter().any(|r| r.outcome == "failed") {
                return Ok(3);
            }
        }
        Command::Status { id } => {
            output::status(&engine.status(*id).await?, json)?;
            // The mirror itself: a damaged page says so here (exit 1), not only when
            // a query happens to read it.
            let problems = engine.check_mirror().await?;
            if !problems.is_empty() {
                return Err(anyhow!(traycal_engine::mirror_damage_message(
                    engine.data_dir(),
                    &problems
                )));
            }
        }
        Command::Agenda { from, days } => {
            let start = match from {
                Some(d) => *d,
                None => Local::now().date_naive(),
            };
            let end = start
                .checked_add_days(chrono::Days::new(u64::from(*days)))
                .ok_or_else(|| {
                    EngineError::InvalidInput(format!(
                        "{start} + {days} days is past the last date Traycal knows"
                    ))
                })?;
            let at = |d: NaiveDate| {
                Local
                    .from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
                    .earliest()
                    .map(|t| t.timestamp())
                    .context("that date does not exist in your time zone")
            };
            let agenda = engine.agenda(at(start)?, at(end)?).await?;
            let hour12 = engine.display_prefs().await?.hour12;
            output::agenda(&agenda, json, hour12)?;
        }
        Command::Next => {
            let hour12 = engine.display_prefs().await?.hour12;
            output::next(engine.next_meeting().await?.as_ref(), json, hour12)?
        }
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
        Command::Log { id, limit } => output::log(&engine.log(*id, *limit as usize).await?, json)?,
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

/// An error as the user reads it: a server's in plain words with the technical
/// account after it; anything else as it is.
fn error_text(e: &anyhow::Error) -> String {
    match e.downcast_ref::<EngineError>() {
        Some(EngineError::Provider(p)) => match p.detail() {
            Some(d) => format!("{}\n  ({d})", p.message()),
            None => p.message().to_string(),
        },
        _ => format!("{e:#}"),
    }
}

fn main() {
    // `--json` is known before parsing, so argument errors can be JSON too.
    let json = std::env::args_os().any(|a| a == "--json");
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if json && e.use_stderr() => {
            let message = e.kind().to_string();
            let detail = e.to_string();
            let first = detail
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or(&message)
                .trim_start_matches("error: ")
                .to_string();
            output::error_json("invalid_input", &first);
            std::process::exit(2);
        }
        Err(e) => e.exit(),
    };
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
            let text = error_text(&e);
            if json {
                output::error_json(error_code(&e), &text);
            } else {
                eprintln!("traycal: {text}");
            }
            std::process::exit(exit_code(&e));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn fields(args: &[&str]) -> Result<EventFields, String> {
        let cli = Cli::try_parse_from(args).map_err(|e| e.to_string())?;
        match cli.command {
            Command::Create { fields, .. } | Command::Edit { fields, .. } => {
                fields.fields().map_err(|e| e.to_string())
            }
            other => panic!("not create or edit: {other:?}"),
        }
    }

    #[test]
    fn repeat_and_reminder_flags_become_fields() {
        let created = fields(&[
            "traycal",
            "create",
            "--calendar",
            "1",
            "--start",
            "2026-03-02T09:00",
            "--repeat",
            "FREQ=WEEKLY;BYDAY=MO,WE",
            "--reminder",
            "15",
        ])
        .unwrap();
        assert_eq!(created.repeat.as_deref(), Some("FREQ=WEEKLY;BYDAY=MO,WE"));
        assert_eq!(created.reminder_minutes, Some(Some(15)));

        let removed = fields(&[
            "traycal",
            "edit",
            "uid@x",
            "--repeat",
            "",
            "--reminder",
            "none",
        ])
        .unwrap();
        assert_eq!(removed.repeat.as_deref(), Some(""));
        assert_eq!(removed.reminder_minutes, Some(None));

        let untouched = fields(&["traycal", "edit", "uid@x", "--title", "x"]).unwrap();
        assert_eq!((untouched.repeat, untouched.reminder_minutes), (None, None));

        let bad = fields(&["traycal", "edit", "uid@x", "--reminder", "soon"]).unwrap_err();
        assert!(bad.contains("not a number of minutes"), "{bad}");
    }
}
