#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The tray program, which runs all day, does not link WebKit; the window program
//! does. Read from the programs' dynamic sections (`readelf -d`, binutils, which the
//! Rust linker needs anyway). The end-to-end test checks the running processes too.

use std::process::Command;

/// The shared libraries a program asks the dynamic loader for.
fn needed(program: &str) -> Vec<String> {
    let out = Command::new("readelf")
        .args(["-d", program])
        .output()
        .expect("readelf (binutils) is needed for this test");
    assert!(out.status.success(), "readelf -d {program} failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| Some(l.split_once('[')?.1.trim_end_matches(']').to_string()))
        .collect()
}

const WEBKIT: [&str; 3] = ["libwebkit2gtk", "libjavascriptcoregtk", "libsoup"];

#[test]
fn the_tray_program_does_not_link_webkit() {
    let tray = needed(env!("CARGO_BIN_EXE_traycal-app"));
    assert!(tray.iter().any(|l| l.starts_with("libc.so")), "{tray:?}");
    for lib in &tray {
        assert!(
            !WEBKIT.iter().any(|w| lib.starts_with(w)),
            "the tray program links {lib}: {tray:?}"
        );
    }
    let window = needed(env!("CARGO_BIN_EXE_traycal-window"));
    assert!(
        window.iter().any(|l| l.starts_with("libwebkit2gtk")),
        "the window program does not link WebKit? {window:?}"
    );
}
