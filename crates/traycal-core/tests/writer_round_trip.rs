//! The writer against the shared ICS corpus: for every file that parses without
//! diagnostics, parse → write → parse gives the same tree (positions aside), every
//! written line is at most 75 octets, and writing again is byte-identical.
//!
//! The corpus is read in place (`TRAYCAL_CORPUS`, else `../shared/corpus` beside the
//! workspace), never copied. It is required: a missing corpus fails the test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use traycal_core::ics::writer::MAX_LINE_OCTETS;
use traycal_core::ics::{prepare_input, Component, Item, Parser, Property};

fn corpus_root() -> PathBuf {
    let root = std::env::var_os("TRAYCAL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    assert!(
        root.is_dir(),
        "the shared ICS corpus is required but was not found at {} \
         (check out ../shared beside the workspace, or set TRAYCAL_CORPUS)",
        root.display()
    );
    root
}

fn ics_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            ics_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("ics"))
        {
            out.push(path);
        }
    }
}

/// One parsed document: per calendar index, its properties and top-level components.
#[derive(Debug, PartialEq)]
struct Document<'a> {
    calendars_seen: u32,
    calendars: BTreeMap<u32, (Vec<Property<'a>>, Vec<Component<'a>>)>,
    diagnostics: usize,
}

fn parse(input: &[u8]) -> Document<'_> {
    let mut parser = Parser::new(input);
    let mut calendars: BTreeMap<u32, (Vec<Property<'_>>, Vec<Component<'_>>)> = BTreeMap::new();
    let mut diagnostics = 0;
    for item in parser.by_ref() {
        match item {
            Item::CalendarProperty { calendar, property } => {
                calendars.entry(calendar).or_default().0.push(property);
            }
            Item::Component {
                calendar,
                component,
            } => calendars.entry(calendar).or_default().1.push(component),
            Item::Diagnostic(_) => diagnostics += 1,
        }
    }
    Document {
        calendars_seen: parser.calendars_seen(),
        calendars,
        diagnostics,
    }
}

/// The document as text: each calendar as a VCALENDAR (empty ones too, so indices
/// stay), or the bare components of a file that had no VCALENDAR.
fn write(doc: &Document<'_>) -> String {
    let mut out = String::new();
    if doc.calendars_seen == 0 {
        for component in doc.calendars.values().flat_map(|(_, c)| c) {
            traycal_core::ics::write_component(&mut out, component);
        }
        return out;
    }
    for index in 0..doc.calendars_seen {
        let mut calendar = Component::new("VCALENDAR");
        if let Some((props, comps)) = doc.calendars.get(&index) {
            calendar.properties = props.clone();
            calendar.children = comps.clone();
        }
        traycal_core::ics::write_component(&mut out, &calendar);
    }
    out
}

/// Positions describe the input read, so they differ between two texts by design.
fn clear_positions(doc: &mut Document<'_>) {
    fn component(c: &mut Component<'_>) {
        c.line = 0;
        c.span = 0..0;
        c.properties.iter_mut().for_each(|p| p.line = 0);
        c.children.iter_mut().for_each(component);
    }
    for (props, comps) in doc.calendars.values_mut() {
        props.iter_mut().for_each(|p| p.line = 0);
        comps.iter_mut().for_each(component);
    }
}

#[test]
fn corpus_round_trips_through_the_writer() {
    let root = corpus_root();
    let mut files = Vec::new();
    ics_files(&root, &mut files);
    assert!(!files.is_empty(), "no .ics files under {}", root.display());

    let (mut checked, mut skipped) = (0usize, 0usize);
    let mut failures = Vec::new();
    for path in &files {
        let name = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        let bytes = std::fs::read(path).unwrap();
        let input = prepare_input(&bytes);
        let mut original = parse(&input);
        if original.diagnostics > 0 {
            skipped += 1;
            continue;
        }
        checked += 1;
        let written = write(&original);
        if let Some(line) = written.split("\r\n").find(|l| l.len() > MAX_LINE_OCTETS) {
            failures.push(format!("{name}: line of {} octets", line.len()));
            continue;
        }
        let mut again = parse(written.as_bytes());
        let rewritten = write(&again);
        clear_positions(&mut original);
        clear_positions(&mut again);
        if again != original {
            failures.push(format!("{name}: parse → write → parse differs"));
        } else if rewritten != written {
            failures.push(format!("{name}: writing again is not byte-identical"));
        }
    }
    eprintln!(
        "writer round trip: {} files, {checked} checked, {skipped} skipped for diagnostics",
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Measured: 395 of 447 files parse without diagnostics (the others are the
    // deliberately broken and hostile ones), so most of the corpus must be checked.
    assert!(
        checked * 2 > files.len(),
        "only {checked} of {} files were checked",
        files.len()
    );
}
