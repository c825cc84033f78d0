#![allow(clippy::unwrap_used, clippy::expect_used)]
//! With no tray host the tray thread keeps serving: Traycal runs on without an icon
//! (refreshes are kept for when a host appears), and stops on "Quit". Here there is
//! no session bus at all, so even a host that "appears" cannot be shown.

use std::sync::mpsc::channel;
use std::time::Duration;

use traycal_tray::shell::TrayState;
use traycal_tray::tray::{serve, TrayCommand, TrayItem, TrayModel};

#[test]
fn the_tray_thread_runs_on_without_a_host_and_stops_on_quit() {
    // This test binary is a process of its own: the setting reaches no other test.
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/traycal-test-bus",
    );
    let (to_tray, commands) = channel();
    let (done_tx, done) = channel();
    std::thread::spawn(move || {
        serve(commands, |_| {});
        done_tx.send(()).unwrap();
    });
    let model = TrayModel {
        state: TrayState::Idle,
        tooltip: "Traycal".into(),
        items: vec![TrayItem::Separator],
    };
    for _ in 0..3 {
        to_tray.send(TrayCommand::Show(model.clone())).unwrap();
    }
    to_tray.send(TrayCommand::HostAppeared).unwrap();
    assert!(
        done.recv_timeout(Duration::from_millis(500)).is_err(),
        "the tray thread stopped without a Quit"
    );
    to_tray.send(TrayCommand::Quit).unwrap();
    done.recv_timeout(Duration::from_secs(20))
        .expect("the tray thread did not stop on Quit");
}
