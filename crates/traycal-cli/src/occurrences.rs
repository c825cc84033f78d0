//! `traycal occurrences FILE|-`: expand a local ICS file without storing it and print
//! one JSON line per occurrence in the shared corpus' format.

use std::io::{Read, Write};

use anyhow::{Context, Result};
use chrono::{NaiveDate, NaiveTime};
use traycal_core::calendar::load_calendar;
use traycal_core::event::ItemKind;
use traycal_core::expand::{ExpandOptions, Window};
use traycal_core::ics::prepare_input;

/// Arguments of `occurrences`.
#[derive(clap::Args, Debug)]
pub struct OccurrencesArgs {
    /// ICS file to expand, or `-` for standard input.
    pub file: String,
    /// Start of the window (YYYY-MM-DD, inclusive, 00:00 UTC).
    #[arg(long, default_value = "2000-01-01")]
    pub from: NaiveDate,
    /// End of the window (YYYY-MM-DD, exclusive, 00:00 UTC).
    #[arg(long, default_value = "2031-01-01")]
    pub to: NaiveDate,
    /// Print only the number of occurrences (and diagnostics on stderr).
    #[arg(long)]
    pub count: bool,
    /// Print at most this many occurrences (the first by start).
    #[arg(long)]
    pub limit: Option<usize>,
}

pub fn run(args: &OccurrencesArgs) -> Result<i32> {
    let bytes = if args.file == "-" {
        let mut v = Vec::new();
        std::io::stdin()
            .read_to_end(&mut v)
            .context("reading standard input")?;
        v
    } else {
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file))?
    };
    let t_start = std::time::Instant::now();
    let prepared = prepare_input(&bytes);
    let mut cal = load_calendar(
        &prepared,
        &[ItemKind::Event, ItemKind::Todo, ItemKind::Journal],
    );
    if cal.is_empty_of_calendar_data() {
        anyhow::bail!(
            "{}: not an iCalendar file (no BEGIN:VCALENDAR or BEGIN:VEVENT found)",
            args.file
        );
    }
    let window = Window {
        from: args.from.and_time(NaiveTime::MIN).and_utc().timestamp(),
        to: args.to.and_time(NaiveTime::MIN).and_utc().timestamp(),
    };
    let timing = std::env::var_os("TRAYCAL_TIMING").is_some();
    let t_parsed = std::time::Instant::now();
    let mut diags = Vec::new();
    if args.count {
        // Counting needs the expansion, not formatted rows.
        let n = cal.count_occurrences(&ExpandOptions::new(window), &mut diags);
        if timing {
            eprintln!(
                "timing: read+parse {:.3} s, expand {:.3} s",
                (t_parsed - t_start).as_secs_f64(),
                t_parsed.elapsed().as_secs_f64()
            );
        }
        report(&args.file, &cal.diagnostics, &diags);
        println!("{n}");
        return Ok(0);
    }
    let rows = cal.occurrence_rows(&ExpandOptions::new(window), &mut diags);
    report(&args.file, &cal.diagnostics, &diags);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let n = args.limit.unwrap_or(usize::MAX);
    for row in rows.iter().take(n) {
        serde_json::to_writer(&mut out, row)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(0)
}

/// Diagnostics go to stderr, one line each, naming the file, line and UID.
fn report(file: &str, parse: &[traycal_core::ics::Diagnostic], expand: &[String]) {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for d in parse {
        let uid = d
            .uid
            .as_deref()
            .map(|u| format!(" UID {u:?}"))
            .unwrap_or_default();
        let _ = writeln!(err, "{file}: line {}{uid}: {}", d.line, d.message);
    }
    for d in expand {
        let _ = writeln!(err, "{file}: {d}");
    }
}
