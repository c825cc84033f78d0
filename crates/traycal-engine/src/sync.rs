//! One sync of one ICS source: fetch (conditional) → parse → filter → plan → expand
//! the changed series → apply everything in one mirror transaction.
//!
//! Invariants:
//! - a failed fetch, an HTML or JSON error page, an empty or truncated body never
//!   touches the stored events: the last good data stays and the error is recorded;
//! - `304 Not Modified` or an unchanged body hash means nothing is parsed and no
//!   event row is written (only the small sync-state/log record);
//! - only series that changed are expanded and rewritten;
//! - a body that ends without `END:VCALENDAR` is taken for a cut-off download (the
//!   last good data stays, the error is recorded) unless the feed's last applied body
//!   ended the same way (some feeds never write it) or nothing is stored yet;
//! - the deletion guard ([`traycal_core::sync_plan::MassDeletion`]) holds a sync that would delete
//!   most of a calendar's upcoming events until the user decides
//!   ([`MassDeletionChoice`]);
//! - the work and memory of one sync are bounded whatever the feed holds: expansion
//!   runs within a calendar-wide occurrence and step budget (see
//!   [`traycal_core::expand::expand_subset`]); what it cut is logged and kept as the
//!   source's notice.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::time::Instant;

use traycal_core::calendar::load_calendar;
use traycal_core::event::{EndSpec, EventData, ItemKind};
use traycal_core::expand::{
    expand_subset, item_span, CutLimit, ExpandOptions, Stamp, TimeContext, TimeKind, Window,
};
use traycal_core::filter::{FilterSpec, Filters};
use traycal_core::ics::prepare_input;
use traycal_core::sync_counts::SyncCounts;
use traycal_providers::{BodyKind, FeedBody};
use traycal_store::{
    EventWrite, LogEntry, Mirror, OccurrenceWrite, SeriesOccurrences, SourceRow, SyncBatch,
    SyncOutcome, SyncStateRow, SyncStateUpdate,
};
use xxhash_rust::xxh3::xxh3_64;

use crate::error::{EngineError, Result};
use traycal_core::sync_plan::{plan_feed, FeedPlan, Incoming, ItemAction, Stored, Vanished};

/// What a sync does when the deletion guard trips (it would delete most of a
/// calendar's upcoming events).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MassDeletionChoice {
    /// Stop, change nothing, and report [`EngineError::MassDeletion`].
    #[default]
    Ask,
    /// Apply the deletions ("Apply the deletions", `--allow-mass-delete`).
    Apply,
    /// Apply the rest of the sync but keep the events the source dropped ("Keep my
    /// events", `--keep-events`): they stay, marked as no longer in the source.
    Keep,
}

/// What one sync did.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SyncReport {
    pub source_id: i64,
    pub source_name: String,
    /// `updated`, `unchanged`, `not_modified` or `failed`.
    pub outcome: String,
    /// What the sync changed, here and on the server (flattened: `added`,
    /// `updated`, ... sit beside `outcome` in JSON, as they always did).
    #[serde(flatten)]
    pub counts: SyncCounts,
    pub occurrences_written: u64,
    pub events: u64,
    /// Problems in the feed that were worked around (dropped components etc.).
    pub diagnostics: Vec<String>,
    /// What this sync had to leave out (series cut by the occurrence budget), for
    /// people; `None` when nothing was cut.
    pub notice: Option<String>,
    pub duration_ms: u64,
    /// What went wrong, in plain words.
    pub error: Option<String>,
    pub error_code: Option<String>,
    /// The technical account of the error, when it says more.
    pub error_detail: Option<String>,
    pub next_due_at: i64,
}

pub(crate) fn fingerprint(ev: &EventData<'_>, rkey: &str) -> i64 {
    // Everything that makes an event *this* event, except its UID and stamps.
    let mut s = String::with_capacity(128);
    let push = |s: &mut String, v: Option<&str>| {
        s.push_str(v.unwrap_or(""));
        s.push('\u{1f}');
    };
    push(&mut s, ev.summary.as_deref());
    push(&mut s, ev.location.as_deref());
    if let Some(st) = &ev.start {
        s.push_str(&format!("{:?}{:?}", st.value, st.tzid));
    }
    s.push('\u{1f}');
    match &ev.end {
        EndSpec::At(t) => s.push_str(&format!("{:?}{:?}", t.value, t.tzid)),
        // Time-only durations keep the encoding of before nominal days existed (total
        // seconds), so stored fingerprints of such events still match; a duration
        // with days is told apart from the same number of exact hours.
        EndSpec::Duration(d) if d.days() == 0 => s.push_str(&d.seconds().to_string()),
        EndSpec::Duration(d) => s.push_str(&format!("{}d{}", d.days(), d.seconds())),
        EndSpec::Default => {}
    }
    s.push('\u{1f}');
    for r in &ev.rrules {
        s.push_str(r);
    }
    s.push('\u{1f}');
    s.push_str(rkey);
    xxh3_64(s.as_bytes()) as i64
}

/// Phase timings on stderr when `TRAYCAL_TIMING` is set (for the bench and for
/// finding where a slow sync spends its time).
struct Phases {
    on: bool,
    last: std::cell::Cell<Instant>,
}

impl Phases {
    fn new(start: Instant) -> Phases {
        Phases {
            on: std::env::var_os("TRAYCAL_TIMING").is_some(),
            last: std::cell::Cell::new(start),
        }
    }

    fn mark(&self, what: &str) {
        if self.on {
            let now = Instant::now();
            eprintln!(
                "timing: {what}: {:.3} s",
                (now - self.last.get()).as_secs_f64()
            );
            self.last.set(now);
        }
    }
}

/// A parser diagnostic as one line naming the line and UID.
pub(crate) fn diagnostic_line(d: &traycal_core::ics::parser::Diagnostic) -> String {
    let uid = d
        .uid
        .as_deref()
        .map(|u| format!(" UID {u:?}"))
        .unwrap_or_default();
    format!("line {}{uid}: {}", d.line, d.message)
}

/// Reject bodies that must not replace the stored calendar.
pub fn check_body(source: &SourceRow, body: &FeedBody) -> Result<()> {
    let bad = |code: &'static str, message: String| EngineError::BadFeed {
        source_name: source.name.clone(),
        code,
        message,
    };
    match body.kind() {
        BodyKind::Calendar => Ok(()),
        BodyKind::Empty => Err(bad(
            "empty_feed",
            "the feed answered with an empty body; keeping the last good data".into(),
        )),
        other => Err(bad(
            "not_calendar",
            format!(
                "the feed answered with {} instead of a calendar; keeping the last good data",
                other.as_str()
            ),
        )),
    }
}

/// Parameters of one apply.
pub struct ApplyContext<'s> {
    pub source: &'s SourceRow,
    pub state: &'s SyncStateRow,
    pub now: i64,
    pub window: Window,
    pub next_due_at: i64,
    pub started: Instant,
    pub deletions: MassDeletionChoice,
    /// The calendar's occurrence budget (see [`ExpandOptions::max_occurrences`]).
    pub max_occurrences: usize,
    /// The body is the mirror's own document ([`Mirror::calendar_document`]), applied
    /// to expand the stored events anew over a moved window: no log row, the
    /// source's validators and zones stay (see [`SyncBatch::reexpansion`]).
    pub reexpansion: bool,
}

/// The body one apply reads: fetched, or rebuilt from the mirror.
#[derive(Debug, Clone, Copy)]
pub struct Body<'b> {
    pub bytes: &'b [u8],
    pub etag: Option<&'b str>,
    pub last_modified: Option<&'b str>,
    pub content_hash: Option<i64>,
}

impl<'b> From<&'b FeedBody> for Body<'b> {
    fn from(b: &'b FeedBody) -> Body<'b> {
        Body {
            bytes: &b.bytes,
            etag: b.etag.as_deref(),
            last_modified: b.last_modified.as_deref(),
            content_hash: Some(b.content_hash as i64),
        }
    }
}

/// The pull step's result for a feed: the body read, checked and filtered.
struct FeedRead<'p> {
    items: Vec<EventData<'p>>,
    resolver: traycal_core::tz::ZoneResolver,
    calendar_zone: Option<traycal_core::tz::Zone>,
    /// The body ends without `END:VCALENDAR` (see the truncation rule).
    unclosed: bool,
    /// The feed's own VTIMEZONEs: TZID and where their text is.
    zone_texts: Vec<(String, std::ops::Range<usize>)>,
    /// Each item's recurrence key.
    rkeys: Vec<String>,
    /// The items kept (filtered, the last copy of a duplicate key), in feed order.
    chosen: Vec<usize>,
    diagnostics: Vec<String>,
}

fn bad_feed(source: &SourceRow, code: &'static str, message: String) -> EngineError {
    EngineError::BadFeed {
        source_name: source.name.clone(),
        code,
        message,
    }
}

/// Pull: parse the body, refuse what must not replace the stored calendar (no
/// calendar data, a cut-off download, unreadable filters), apply the source's filters
/// and keep the last copy of a duplicate key.
fn read_feed<'p>(source: &SourceRow, prepared: &'p [u8]) -> Result<FeedRead<'p>> {
    let bad = |code, message| bad_feed(source, code, message);
    let cal = load_calendar(prepared, &[ItemKind::Event]);
    if cal.is_empty_of_calendar_data() {
        return Err(bad(
            "not_calendar",
            "the body holds no iCalendar data; keeping the last good data".into(),
        ));
    }
    if cal.truncated {
        return Err(bad(
            "truncated_feed",
            "the body ends in the middle of an event (download cut off?); keeping the last good data"
                .into(),
        ));
    }
    let mut diagnostics: Vec<String> = cal.diagnostics.iter().map(diagnostic_line).collect();
    // A filter that cannot be read must not turn into "keep everything".
    let spec: FilterSpec = serde_json::from_str(&source.filters_json).map_err(|e| {
        bad(
            "bad_filters",
            format!("the stored filters cannot be read ({e}); edit or re-add the source"),
        )
    })?;
    let filters = Filters::new(&spec).map_err(|e| EngineError::InvalidInput(e.to_string()))?;
    let kept = filters.keep_series(&cal.items);
    let traycal_core::calendar::LoadedCalendar {
        items,
        resolver,
        calendar_zone,
        unclosed_calendar,
        zone_texts,
        ..
    } = cal;
    // Keep only filtered items; a duplicate key keeps the last copy in the feed.
    let mut keep_mask = vec![false; items.len()];
    for i in kept {
        keep_mask[i] = true;
    }
    let rkeys: Vec<String> = items.iter().map(|it| it.recurrence_key()).collect();
    let mut last_of_key: HashMap<(&str, &str), usize> = HashMap::with_capacity(items.len());
    for (i, it) in items.iter().enumerate() {
        if keep_mask[i] {
            last_of_key.insert((it.uid.as_ref(), rkeys[i].as_str()), i);
        }
    }
    let mut chosen: Vec<usize> = last_of_key.into_values().collect();
    chosen.sort_unstable();
    let duplicates = keep_mask.iter().filter(|k| **k).count() - chosen.len();
    if duplicates > 0 {
        diagnostics.push(format!(
            "{duplicates} duplicate components (same UID and RECURRENCE-ID); the last copy of each was kept"
        ));
    }
    Ok(FeedRead {
        items,
        resolver,
        calendar_zone,
        unclosed: unclosed_calendar,
        zone_texts,
        rkeys,
        chosen,
        diagnostics,
    })
}

/// Parse a fetched body and apply it to the mirror in one transaction: pull
/// ([`read_feed`]), plan ([`plan_read`], inside the sync's transaction), apply (expand
/// the changed series, write one [`SyncBatch`]).
pub fn apply_body(
    mirror: &mut Mirror,
    cx: &ApplyContext<'_>,
    body: Body<'_>,
) -> Result<SyncReport> {
    let source = cx.source;
    let phases = Phases::new(cx.started);
    let prepared = prepare_input(body.bytes);
    let FeedRead {
        items,
        mut resolver,
        calendar_zone,
        unclosed: cal_unclosed,
        zone_texts: feed_zones,
        rkeys,
        chosen,
        mut diagnostics,
    } = read_feed(source, &prepared)?;
    phases.mark("fetch+parse");

    let calendar = mirror.calendar_of(source.id)?;
    // The one transaction of this sync starts before the plan reads the mirror: no
    // other process (the tray app, another CLI) can change what the plan was made
    // from before it is applied. Returning early rolls it back.
    let mut writer = mirror.begin_calendar_sync(calendar, cx.now)?;
    let index = writer.event_index()?;
    let stored: Vec<Stored<'_>> = index
        .iter()
        .map(|e| Stored {
            id: e.id.0,
            uid: &e.uid,
            recurrence_key: &e.recurrence_id,
            content_hash: e.content_hash,
            fingerprint: e.fingerprint,
            series_end: e.series_end_utc,
            removed_at: e.removed_at,
        })
        .collect();
    let hashes: Vec<(i64, i64)> = chosen
        .iter()
        .map(|&i| {
            let raw = prepared.get(items[i].span.clone()).unwrap_or_default();
            (xxh3_64(raw) as i64, fingerprint(&items[i], &rkeys[i]))
        })
        .collect();
    let incoming: Vec<Incoming<'_>> = chosen
        .iter()
        .zip(&hashes)
        .map(|(&i, &(h, f))| Incoming {
            uid: &items[i].uid,
            recurrence_key: &rkeys[i],
            content_hash: h,
            fingerprint: f,
        })
        .collect();
    let (plan, unclosed_ok) = plan_read(cx, &incoming, &stored, cal_unclosed)?;
    phases.mark("index+plan");

    // Which series must be re-expanded: every UID touched by the plan, or all of
    // them when the materialised window has to move, or when the last sync had to cut
    // series (the budget is shared by the whole calendar, so it is shared anew).
    let window_moves =
        crate::reexpand::window_moves(cx.state, cx.window) || cx.state.notice.is_some();
    let mut changed: HashSet<&str> = HashSet::new();
    for (n, a) in plan.actions.iter().enumerate() {
        if window_moves || *a != ItemAction::Unchanged {
            changed.insert(incoming[n].uid);
        }
    }
    let by_id: HashMap<i64, &Stored<'_>> = stored.iter().map(|s| (s.id, s)).collect();
    let mut vanished_uids: Vec<&str> = Vec::new();
    for v in &plan.vanished {
        if let Vanished::Delete(id) = v {
            if let Some(s) = by_id.get(id) {
                vanished_uids.push(s.uid);
            }
        }
    }
    // An override that vanished changes its master's occurrences.
    for u in &vanished_uids {
        changed.insert(u);
    }

    // Expand the changed series (all items of those UIDs in the feed).
    let work_idx: Vec<usize> = chosen
        .iter()
        .copied()
        .filter(|&i| changed.contains(items[i].uid.as_ref()))
        .collect();
    let calendar_zone_name = calendar_zone.as_ref().map(|z| z.name().to_owned());
    let mut tc = TimeContext::new(&mut resolver, calendar_zone);

    // Event rows to write: (feed position, item, own span, reported TZID).
    let mut to_write: Vec<(usize, usize, Stamp, Stamp, Option<String>)> = Vec::new();
    let mut renames = Vec::new();
    for (n, a) in plan.actions.iter().enumerate() {
        let i = chosen[n];
        match a {
            ItemAction::Unchanged => continue,
            ItemAction::Rename(id) => {
                renames.push((traycal_store::EventId(*id), items[i].uid.as_ref()))
            }
            ItemAction::Insert | ItemAction::Update(_) => {}
        }
        let it = &items[i];
        let Some((s, e)) = item_span(it, &mut tc) else {
            continue;
        };
        let tzid = it
            .start
            .as_ref()
            .and_then(|st| tc.reported_tzid(st, Some(&it.end)));
        to_write.push((n, i, s, e, tzid));
    }
    // The raw component as text; a span with invalid UTF-8 (a fold that split a
    // character, a Latin-1 feed) is kept with replacement characters, never dropped.
    let raws: Vec<std::borrow::Cow<'_, str>> = to_write
        .iter()
        .map(|(_, i, ..)| {
            String::from_utf8_lossy(prepared.get(items[*i].span.clone()).unwrap_or_default())
        })
        .collect();
    phases.mark("build rows");

    // On a calendar's first sync the raw texts (the bulk of the bytes) are written
    // while another thread expands the recurrences: the two halves of the work
    // overlap on two cores instead of running one after the other.
    // One row per component to write; `series_end` is filled in after expansion.
    let (to_write, raws, hashes, rkeys, items_all) = (&to_write, &raws, &hashes, &rkeys, &items);
    let row = move |k: usize, series_end: Option<i64>| {
        let (n, i, s, e, tzid) = &to_write[k];
        let raw = &raws[k];
        let it = &items_all[*i];
        EventWrite {
            uid: it.uid.as_ref(),
            recurrence_id: rkeys[*i].as_str(),
            summary: it.summary.as_deref(),
            location: it.location.as_deref(),
            start_utc: s.secs,
            end_utc: e.secs,
            all_day: s.kind == TimeKind::Date,
            floating: s.kind == TimeKind::Floating,
            tzid: tzid.as_deref(),
            status: it.status.as_deref(),
            transp: it.transp.as_deref(),
            sequence: it.sequence,
            rrule: it.rrules.first().map(|r| r.as_ref()),
            raw: raw.as_ref(),
            content_hash: hashes[*n].0,
            fingerprint: hashes[*n].1,
            series_end_utc: series_end,
        }
    };
    // The calendar's expansion budget (see traycal_core::expand): a sync that expands
    // only the changed series gives them their proportional part of it; if that cuts
    // one, the whole calendar is expanded again and shares the full budget.
    let full_opts = ExpandOptions {
        focus: Some(cx.now),
        max_occurrences: cx.max_occurrences,
        ..ExpandOptions::new(cx.window)
    };
    let all_uids = chosen
        .iter()
        .map(|&i| items[i].uid.as_ref())
        .collect::<HashSet<&str>>()
        .len();
    let work_uids = work_idx
        .iter()
        .map(|&i| items[i].uid.as_ref())
        .collect::<HashSet<&str>>()
        .len();
    let partial_opts = (work_uids < all_uids).then(|| {
        let part = |total: u64| {
            u64::try_from(u128::from(total) * work_uids as u128 / all_uids.max(1) as u128)
                .unwrap_or(total)
                .max(1)
        };
        ExpandOptions {
            max_occurrences: part(full_opts.max_occurrences as u64) as usize,
            max_steps: part(full_opts.max_steps),
            ..full_opts
        }
    });
    let items_ref = &items;
    let chosen_ref = &chosen;
    let (expanded, prewrite) = std::thread::scope(|scope| {
        let expansion = scope.spawn(move || {
            let partial = partial_opts.and_then(|opts| {
                let exp = expand_subset(items_ref, &work_idx, &mut tc, &opts);
                let starved = exp.cut.iter().any(|c| c.limit == CutLimit::CalendarBudget);
                (!starved).then_some(exp)
            });
            let escalated = partial_opts.is_some() && partial.is_none();
            let mut exp = match partial {
                Some(exp) => exp,
                None => expand_subset(items_ref, chosen_ref, &mut tc, &full_opts),
            };
            // Instance ids formatted into one buffer (a first sync has ~400k of them:
            // one allocation, not one each).
            let occurrences = std::mem::take(&mut exp.occurrences);
            let mut instance_text = String::with_capacity(occurrences.len() * 20);
            let mut instance_ends: Vec<usize> = Vec::with_capacity(occurrences.len());
            for o in &occurrences {
                if let Some(s) = o.instance {
                    s.push_formatted(&mut instance_text);
                }
                instance_ends.push(instance_text.len());
            }
            (exp, occurrences, instance_text, instance_ends, escalated)
        });
        // On a first sync the rows go in now, with the series end a single event
        // would have (its own end); the expansion's verdict corrects the rest.
        let prewrite = if writer.is_first_sync() {
            let rows: Vec<EventWrite<'_>> = to_write
                .iter()
                .enumerate()
                .map(|(k, w)| {
                    let single = !items_ref[w.1].has_recurrence_props && rkeys[w.1].is_empty();
                    row(k, single.then_some(w.3.secs))
                })
                .collect();
            writer.prewrite_rows(&rows).map(|_| ())
        } else {
            Ok(())
        };
        (expansion.join(), prewrite)
    });
    prewrite?;
    let (exp, occurrences, instance_text, instance_ends, escalated) = expanded
        .map_err(|_| EngineError::Internal("the recurrence expansion thread panicked".into()))?;
    if escalated {
        // Every series was expanded anew: all their occurrences are replaced.
        changed.extend(chosen.iter().map(|&i| items[i].uid.as_ref()));
    }
    let notice = (!exp.cut_notes.is_empty()).then(|| exp.cut_notes.join("\n"));
    diagnostics.extend(exp.diagnostics.iter().cloned());
    phases.mark("expand (rows written alongside)");
    // Per item (global index): series end.
    let mut series_end: Vec<Option<i64>> = vec![None; items.len()];
    for s in &exp.series {
        for &i in &s.items {
            series_end[i] = s.end.map(|e| e.secs);
        }
    }

    // Occurrences grouped by UID; the expansion's own list is dropped as soon as it
    // is copied, to keep the peak memory down.
    let mut per_uid: HashMap<&str, Vec<OccurrenceWrite<'_>>> = HashMap::new();
    let mut begin = 0;
    for (o, &end) in occurrences.iter().zip(&instance_ends) {
        let it = &items[o.item];
        per_uid
            .entry(it.uid.as_ref())
            .or_default()
            .push(OccurrenceWrite {
                recurrence_id: rkeys[o.item].as_str(),
                instance_id: instance_text.get(begin..end).unwrap_or_default(),
                start_utc: o.start.secs,
                end_utc: o.end.secs,
                all_day: o.start.kind == TimeKind::Date,
                floating: o.start.kind == TimeKind::Floating,
            });
        begin = end;
    }
    let occurrences_written = occurrences.len() as u64;
    drop(occurrences);
    drop(instance_ends);
    let mut replace: Vec<SeriesOccurrences<'_>> = changed
        .iter()
        .map(|u| SeriesOccurrences {
            uid: u,
            occurrences: per_uid.remove(u).unwrap_or_default(),
        })
        .collect();
    replace.sort_by(|a, b| a.uid.cmp(b.uid));

    let upserts: Vec<EventWrite<'_>> = to_write
        .iter()
        .enumerate()
        .map(|(k, w)| row(k, series_end[w.1]))
        .collect();
    let deletes: Vec<traycal_store::EventId> = plan
        .vanished
        .iter()
        .filter_map(|v| match v {
            Vanished::Delete(id) => Some(traycal_store::EventId(*id)),
            _ => None,
        })
        .collect();
    let retire: Vec<(traycal_store::EventId, i64, i64)> = plan
        .vanished
        .iter()
        .filter_map(|v| match v {
            Vanished::Retire(id) => Some((traycal_store::EventId(*id), cx.now, cx.now)),
            // Kept at the user's word: every occurrence stays.
            Vanished::Keep(id) => Some((traycal_store::EventId(*id), cx.now, i64::MAX)),
            _ => None,
        })
        .collect();
    let sync_counts = plan.counts();
    let notes = traycal_store::sync_log::notes_text(&diagnostics);
    let duration_ms = cx.started.elapsed().as_millis() as u64;
    // The feed's own zones, kept with its events (so they re-expand without it).
    let zone_texts: Vec<(&str, std::borrow::Cow<'_, str>)> = feed_zones
        .iter()
        .filter_map(|(tzid, span)| {
            let raw = prepared.get(span.clone())?;
            Some((tzid.as_str(), String::from_utf8_lossy(raw)))
        })
        .collect();
    let batch = SyncBatch {
        upserts,
        renames,
        deletes,
        retire,
        replace_occurrences: replace,
        state: SyncStateUpdate {
            attempted_at: cx.now,
            next_due_at: cx.next_due_at,
            etag: body.etag,
            last_modified: body.last_modified,
            content_hash: body.content_hash,
            window_from: Some(cx.window.from),
            window_to: Some(cx.window.to),
            notice: notice.as_deref(),
            unclosed_ok,
        },
        log: LogEntry {
            outcome: if plan.is_noop() {
                SyncOutcome::Unchanged
            } else {
                SyncOutcome::Updated
            },
            counts: sync_counts,
            diagnostics: diagnostics.len() as u64,
            duration_ms,
            error: None,
            error_code: None,
            error_detail: None,
            notes: notes.as_deref(),
        },
        // A re-expansion read the stored zones: they stay as they are.
        timezones: (!cx.reexpansion).then(|| {
            zone_texts
                .iter()
                .map(|(tzid, raw)| (*tzid, raw.as_ref()))
                .collect()
        }),
        calendar_zone: calendar_zone_name.as_deref(),
        reexpansion: cx.reexpansion,
    };
    let outcome = batch.log.outcome;
    phases.mark("build batch");
    let counts = writer.apply(&batch)?;
    phases.mark("apply (rest of the transaction)");
    Ok(SyncReport {
        source_id: source.id.0,
        source_name: source.name.clone(),
        outcome: outcome.as_str().to_string(),
        counts: sync_counts,
        occurrences_written,
        events: counts.live_events,
        diagnostics,
        notice,
        duration_ms: cx.started.elapsed().as_millis() as u64,
        error: None,
        error_code: None,
        error_detail: None,
        next_due_at: cx.next_due_at,
    })
}

/// Plan: the feed's items against the stored ones ([`plan_feed`]), inside the sync's
/// transaction, with the truncation rule and the deletion guard. Returns the plan and
/// whether a body without `END:VCALENDAR` is taken (see [`SyncStateUpdate::unclosed_ok`]).
fn plan_read(
    cx: &ApplyContext<'_>,
    incoming: &[Incoming<'_>],
    stored: &[Stored<'_>],
    unclosed: bool,
) -> Result<(FeedPlan, bool)> {
    let source = cx.source;
    // A download cut at an event boundary looks like a complete calendar without its
    // END:VCALENDAR. Unless the feed always ends so (its last applied body did too) or
    // nothing is stored yet, it must not become the new truth.
    let unclosed_ok =
        unclosed && (cx.state.unclosed_ok || stored.iter().all(|s| s.removed_at.is_some()));
    if unclosed && !unclosed_ok {
        return Err(bad_feed(
            source,
            "truncated_feed",
            "the body ends without END:VCALENDAR (download cut off?); keeping the last good data"
                .into(),
        ));
    }
    let mut plan = plan_feed(incoming, stored, cx.now);
    if let Some(mass) = plan.mass_deletion(stored, cx.now) {
        match cx.deletions {
            MassDeletionChoice::Ask => {
                return Err(EngineError::MassDeletion {
                    source_id: source.id.0,
                    source_name: source.name.clone(),
                    deleting: mass.deleting,
                    upcoming: mass.upcoming,
                    from_feed: true,
                })
            }
            MassDeletionChoice::Keep => plan.keep_vanished(),
            MassDeletionChoice::Apply => {}
        }
    }
    Ok((plan, unclosed_ok))
}
