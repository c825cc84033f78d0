//! Human and JSON rendering of engine answers. Human output is for people reading a
//! terminal; `--json` output is stable for scripts.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;
use traycal_core::join::JoinLink;
use traycal_core::sync_counts::SyncCounts;
use traycal_engine::accounts::AccountAdded;
use traycal_engine::agenda::{Agenda, AgendaEntry, LogLine, NextMeeting, SourceStatus};
use traycal_engine::local_edit::WrittenEvent;
use traycal_engine::sources::{CalendarInfo, SourceInfo};
use traycal_engine::SyncReport;

/// `println!` that reports a closed pipe (`traycal agenda | head`) as an error the
/// caller turns into a quiet exit, instead of panicking.
macro_rules! say {
    ($($t:tt)*) => {
        writeln!(std::io::stdout(), $($t)*)?
    };
}

/// Calendar text comes from strangers (any invite can land in a calendar): before it
/// reaches a terminal, every control character — newlines, but also ESC, which starts
/// ANSI/OSC sequences that can retitle or rewrite the terminal — becomes a space.
pub fn plain(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn print_json<T: Serialize + ?Sized>(v: &T) -> Result<()> {
    // Buffered: the serializer writes every token separately, and an agenda of a busy
    // week is thousands of entries (one syscall each unbuffered).
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

fn interval(secs: i64) -> String {
    if secs % 3600 == 0 {
        format!("{}h", secs / 3600)
    } else {
        format!("{}m", secs / 60)
    }
}

fn filters(s: &SourceInfo) -> String {
    let mut parts = Vec::new();
    for (sign, list) in [("+", &s.filters.include), ("-", &s.filters.exclude)] {
        for r in list {
            let pat = if r.regex {
                format!("/{}/", r.pattern)
            } else {
                r.pattern.clone()
            };
            parts.push(format!("{sign}{:?}:{pat}", r.field).to_lowercase());
        }
    }
    parts.join(" ")
}

pub fn added(s: &SourceInfo, json: bool) -> Result<()> {
    if json {
        return print_json(s);
    }
    say!("Added source {} \"{}\" ({})", s.id, s.name, s.url);
    if let Some(store) = &s.secret_in {
        say!("  Feed URLs work like passwords: this one is kept in {store}; only its short form is stored.");
    }
    say!(
        "  Syncs every {}. Run `traycal sync {}` to fetch it now.",
        interval(s.interval_secs),
        s.id
    );
    Ok(())
}

pub fn account_added(a: &AccountAdded, json: bool) -> Result<()> {
    if json {
        return print_json(a);
    }
    let s = &a.source;
    say!("Added account {} \"{}\" ({})", s.id, s.name, s.url);
    if let Some(store) = &s.secret_in {
        say!("  The password is kept in {store}, not in Traycal's files.");
    }
    say!("  {} calendars:", a.calendars.len());
    calendars(&a.calendars, false)?;
    say!("  Run `traycal sync {}` to fetch their events now.", s.id);
    Ok(())
}

pub fn removed(s: &SourceInfo, json: bool) -> Result<()> {
    if json {
        return print_json(s);
    }
    say!("Removed source {} \"{}\" and its events.", s.id, s.name);
    Ok(())
}

pub fn sources(list: &[SourceInfo], json: bool) -> Result<()> {
    if json {
        return print_json(list);
    }
    if list.is_empty() {
        say!("No sources yet. Add one with `traycal add-ics URL`.");
    }
    for s in list {
        say!(
            "{:>3}  {:<24} every {:<4} {}{}  {}",
            s.id,
            s.name,
            interval(s.interval_secs),
            if s.enabled { "" } else { "(disabled) " },
            s.url,
            filters(s)
        );
    }
    Ok(())
}

/// `calendars`: one line each (id, name, source, whether Traycal may change it).
pub fn calendars(list: &[CalendarInfo], json: bool) -> Result<()> {
    if json {
        return print_json(list);
    }
    if list.is_empty() {
        say!("No calendars yet. Add one with `traycal add-ics URL`.");
    }
    for c in list {
        let access = match (c.read_only, c.direction) {
            (true, _) | (_, "pull_only") => "read-only",
            (_, "push_only") => "push only",
            _ => "two-way",
        };
        let mut notes = String::new();
        if !c.shown {
            notes.push_str(", hidden");
        }
        if c.default {
            notes.push_str(", default for new events");
        }
        say!(
            "{:>3}  {:<24} source {:<3} {}{}",
            c.id,
            c.name,
            c.source_id,
            access,
            notes
        );
    }
    Ok(())
}

/// `create` / `edit` / `delete`: what was written and that it waits for a sync.
pub fn written(verb: &str, w: &WrittenEvent, json: bool) -> Result<()> {
    if json {
        return print_json(w);
    }
    let what = match &w.occurrence {
        Some(o) => format!("the occurrence {o} of {}", w.uid),
        None => w.uid.clone(),
    };
    if w.pending {
        say!(
            "{verb} {what} in calendar {}; it goes to the server at the calendar's next sync.",
            w.calendar_id
        );
    } else {
        say!("{verb} {what}: it had not reached the server yet, so nothing is left to send.");
    }
    Ok(())
}

/// `add-ics --sync`: the new source and its first sync, as one JSON document
/// (`{"source": …, "sync": …}`) or as text.
pub fn added_and_synced(s: &SourceInfo, r: &SyncReport, json: bool) -> Result<()> {
    if json {
        #[derive(Serialize)]
        struct AddedAndSynced<'a> {
            source: &'a SourceInfo,
            sync: &'a SyncReport,
        }
        return print_json(&AddedAndSynced { source: s, sync: r });
    }
    added(s, false)?;
    sync_reports(std::slice::from_ref(r), false)
}

/// An error as the one JSON document of a `--json` run, on standard output:
/// `{"error": {"code": …, "message": …}}`.
pub fn error_json(code: &str, message: &str) {
    let doc = serde_json::json!({ "error": { "code": code, "message": message } });
    // Nothing else can report a failure to write the error itself.
    let _ = print_json(&doc);
}

pub fn sync_reports(list: &[SyncReport], json: bool) -> Result<()> {
    if json {
        return print_json(list);
    }
    if list.is_empty() {
        say!("No sources to sync.");
    }
    for r in list {
        match r.outcome.as_str() {
            "failed" if r.error_code.as_deref() == Some("mass_delete") => {
                say!(
                    "{} (source {}): held: {}",
                    r.source_name,
                    r.source_id,
                    plain(r.error.as_deref().unwrap_or("")),
                );
                say!(
                    "  Run `traycal sync {} --allow-mass-delete` to apply the deletions, or `traycal sync {} --keep-events` to keep the events.",
                    r.source_id,
                    r.source_id
                );
            }
            "failed" => {
                say!(
                    "{} (source {}): sync failed: {} — keeping the last good data ({} events)",
                    r.source_name,
                    r.source_id,
                    plain(r.error.as_deref().unwrap_or("unknown error")),
                    r.events
                );
            }
            "not_modified" | "unchanged" => say!(
                "{} (source {}): unchanged ({} events, {} ms)",
                r.source_name,
                r.source_id,
                r.events,
                r.duration_ms
            ),
            _ => say!(
                "{} (source {}): {}; {} events, {} occurrences written, {} ms",
                r.source_name,
                r.source_id,
                counts_text(&r.counts),
                r.events,
                r.occurrences_written,
                r.duration_ms
            ),
        }
        if let Some(n) = &r.notice {
            for line in n.lines() {
                say!("  cut: {}", plain(line));
            }
        }
        if !r.diagnostics.is_empty() {
            say!(
                "  {} problem(s) in the feed were worked around:",
                r.diagnostics.len()
            );
            for d in r.diagnostics.iter().take(10) {
                say!("    {}", plain(d));
            }
            if r.diagnostics.len() > 10 {
                say!("    … and {} more", r.diagnostics.len() - 10);
            }
        }
    }
    Ok(())
}

pub fn status(list: &[SourceStatus], json: bool) -> Result<()> {
    if json {
        return print_json(list);
    }
    if list.is_empty() {
        say!("No sources yet. Add one with `traycal add-ics URL`.");
    }
    for s in list {
        say!("{:>3}  {} ({})", s.source.id, s.source.name, s.source.url);
        say!(
            "     last sync: {}   next sync: {}   every {}",
            s.last_sync.as_deref().unwrap_or("never"),
            s.next_sync.as_deref().unwrap_or("disabled"),
            interval(s.source.interval_secs)
        );
        say!(
            "     {} events, {} starting in the next 30 min",
            s.events,
            s.upcoming_30_min
        );
        if let Some(e) = &s.last_error {
            say!(
                "     last error ({} failure(s) in a row): {}",
                s.consecutive_failures,
                plain(e)
            );
        }
        if let Some(n) = &s.notice {
            for line in n.lines() {
                say!("     cut: {}", plain(line));
            }
        }
    }
    Ok(())
}

/// The time range of an entry on the user's clock (`09:00–09:30`, `9:00 AM–9:30 AM`).
fn time_of(e: &AgendaEntry, hour12: bool) -> String {
    if e.all_day {
        return "all day".to_string();
    }
    // `start`/`end` are local ISO times: `2026-11-23T09:00:00+01:00`.
    let hm = |s: &str| {
        chrono::NaiveTime::parse_from_str(s.get(11..16).unwrap_or(""), "%H:%M")
            .map(|t| traycal_engine::display::clock_time(&t, hour12))
            .unwrap_or_default()
    };
    format!("{}–{}", hm(&e.start), hm(&e.end))
}

pub fn agenda(a: &Agenda, json: bool, hour12: bool) -> Result<()> {
    if json {
        return print_json(a);
    }
    if a.entries.is_empty() {
        say!("Nothing between {} and {}.", a.from, a.to);
        return Ok(());
    }
    let width = a
        .entries
        .iter()
        .map(|e| time_of(e, hour12).chars().count())
        .max()
        .unwrap_or(0);
    let mut day = String::new();
    for e in &a.entries {
        let d = e.start.get(..10).unwrap_or("").to_string();
        if d != day {
            say!("{d}");
            day = d;
        }
        let cancelled = e
            .status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("CANCELLED"));
        say!(
            "  {:<width$}  {}{}{}  [{}]",
            time_of(e, hour12),
            if cancelled { "(cancelled) " } else { "" },
            plain(&e.summary),
            e.location
                .as_deref()
                .map(|l| format!(" @ {}", plain(l)))
                .unwrap_or_default(),
            plain(&e.calendar)
        );
    }
    Ok(())
}

pub fn next(m: Option<&NextMeeting>, json: bool, hour12: bool) -> Result<()> {
    if json {
        return print_json(&m);
    }
    match m {
        None => say!("Nothing coming up."),
        Some(m) => {
            let e = &m.entry;
            say!(
                "{} {}  {}{}  [{}]",
                e.start.get(..10).unwrap_or(""),
                time_of(e, hour12),
                plain(&e.summary),
                e.location
                    .as_deref()
                    .map(|l| format!(" @ {}", plain(l)))
                    .unwrap_or_default(),
                plain(&e.calendar)
            );
            if let Some(j) = &m.join {
                join_details(j)?;
            }
        }
    }
    Ok(())
}

fn join_details(j: &JoinLink) -> Result<()> {
    say!("  Join ({}): {}", plain(&j.service_name), plain(&j.url));
    if let Some(id) = &j.meeting_id {
        say!("  Meeting ID: {}", plain(id));
    }
    if let Some(p) = &j.passcode {
        say!("  Passcode: {}", plain(p));
    }
    if let Some(d) = &j.dial_in {
        say!("  Dial-in: {}", plain(d));
    }
    Ok(())
}

/// What `traycal join` opened (or would open, with `--print`).
pub fn join_link(m: &NextMeeting, json: bool) -> Result<()> {
    if json {
        return print_json(&m.join);
    }
    if let Some(j) = &m.join {
        say!("{}", plain(&j.url));
    }
    Ok(())
}

/// A sync's counts in words; what was pushed and the conflicts only when there were any
/// (a feed never has them).
fn counts_text(c: &SyncCounts) -> String {
    let mut t = format!(
        "{} added, {} updated, {} removed, {} kept as history",
        c.added, c.updated, c.removed, c.kept_as_history
    );
    if c.pushed > 0 {
        t.push_str(&format!(", {} pushed", c.pushed));
    }
    if c.conflicts > 0 {
        t.push_str(&format!(
            ", {} {} (both versions kept)",
            c.conflicts,
            if c.conflicts == 1 {
                "conflict"
            } else {
                "conflicts"
            }
        ));
    }
    t
}

pub fn log(list: &[LogLine], json: bool) -> Result<()> {
    if json {
        return print_json(list);
    }
    if list.is_empty() {
        say!("The sync log is empty.");
    }
    for l in list {
        let what = match l.outcome.as_str() {
            "failed" => format!("FAILED: {}", plain(l.error.as_deref().unwrap_or(""))),
            "updated" => {
                let c = &l.counts;
                let mut t = format!(
                    "+{} ~{} -{} history {}",
                    c.added, c.updated, c.removed, c.kept_as_history
                );
                if c.pushed > 0 || c.conflicts > 0 {
                    t.push_str(&format!(" pushed {} conflicts {}", c.pushed, c.conflicts));
                }
                t
            }
            other => other.to_string(),
        };
        say!(
            "{}  {:<20} {:>5} ms  {}",
            l.at,
            l.source,
            l.duration_ms,
            what
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::plain;

    #[test]
    fn terminal_escapes_from_feeds_are_neutralised() {
        let hostile = "Standup\u{1b}]0;pwned\u{7}\u{1b}[2J\r\nnext\u{9b}31m";
        let shown = plain(hostile);
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
        assert!(shown.starts_with("Standup"));
        assert!(shown.contains("next"));
    }
}
