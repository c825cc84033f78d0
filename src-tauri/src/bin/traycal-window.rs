//! `traycal-window`: the window process. Started by the tray process (`traycal-app`)
//! as `traycal-window --window-process <window> <request>` with a socket to it as
//! standard input; not for people.

use traycal_tray::window_process::WINDOW_PROCESS_FLAG;
use traycal_tray::windows::WindowKind;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == WINDOW_PROCESS_FLAG);
    let window = at
        .and_then(|at| args.get(at + 1))
        .and_then(|w| WindowKind::from_label(w));
    let seq = at
        .and_then(|at| args.get(at + 2))
        .and_then(|s| s.parse::<u64>().ok());
    let result = match (window, seq) {
        (Some(window), Some(seq)) => traycal_app::window_process::run(window, seq),
        _ => Err(format!(
            "usage: {WINDOW_PROCESS_FLAG} agenda|settings|welcome <request> \
             (started by traycal-app; run traycal-app instead)"
        )),
    };
    if let Err(message) = result {
        eprintln!("traycal: {message}");
        std::process::exit(1);
    }
}
