//! Traycal's tray app: a thin Tauri shell over `traycal-engine`.
//!
//! This file only wires: plugins (single instance first, start at login), the typed
//! IPC contract ([`ipc`]), the shared state ([`shell`]), the tray ([`tray`]) and the
//! windows ([`windows`]). No calendar logic lives in this crate.
//!
//! Lifecycle: the app runs in the tray. Windows are created on demand in a window
//! process ([`window_process`]) that ends with the last one; closing it does not quit
//! (only "Quit" does). On first run
//! (no calendar yet) the welcome window opens. A second launch focuses the first
//! instance instead of starting another one.

pub mod ipc;
pub mod notifications;
pub mod resume;
pub mod shell;
pub mod shortcut;
pub mod tray;
pub mod window_process;
pub mod windows;

/// Re-exported for [`ipc_contract!`].
pub use tauri_specta;

use std::sync::Arc;

use tauri::{Manager, RunEvent};
use tauri_plugin_autostart::MacosLauncher;
use traycal_engine::{clock, data_dir, Engine, EngineConfig};

use crate::shell::Shell;
use crate::shortcut::JoinShortcut;
use crate::window_process::{WindowProcess, WINDOW_PROCESS_FLAG};
use crate::windows::WindowKind;

/// Command-line flag: start in the tray only (used by start at login).
pub const HIDDEN_FLAG: &str = "--hidden";
/// Command-line flag: open the agenda at start.
pub const AGENDA_FLAG: &str = "--agenda";

/// Opens the engine on the data directory the CLI uses too.
pub fn open_engine() -> Result<Engine, String> {
    let dir = data_dir::resolve(None)
        .ok_or("no data directory: set TRAYCAL_DATA_DIR or XDG_DATA_HOME (HOME is not set)")?;
    let clock = clock::from_environment()?;
    Engine::open(EngineConfig::standard(dir, clock)).map_err(|e| e.to_string())
}

/// Opens the welcome window on first run (no calendar yet), else the agenda when
/// `agenda` is set.
async fn open_first_window<R: tauri::Runtime>(app: &tauri::AppHandle<R>, agenda: bool) {
    let first_run = app
        .state::<Shell>()
        .engine
        .sources()
        .await
        .map(|s| s.is_empty())
        .unwrap_or(false);
    let kind = if first_run {
        WindowKind::Welcome
    } else if agenda {
        WindowKind::Agenda
    } else {
        return;
    };
    if let Err(e) = windows::show(app, kind) {
        eprintln!("traycal: cannot open a window: {e}");
    }
}

/// The global join shortcut: grabbed now from the stored setting (default Ctrl+Alt+J);
/// a press joins the running or next meeting, or says why it cannot.
fn join_shortcut<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> JoinShortcut {
    let pressed = app.clone();
    let shortcut = JoinShortcut::connect(move || {
        let app = pressed.clone();
        tauri::async_runtime::spawn(async move {
            if let Err(e) = app.state::<Shell>().join_next().await {
                notifications::tell("Nothing to join", &e);
            }
        });
    });
    let engine = std::sync::Arc::clone(&app.state::<Shell>().engine);
    let stored = tauri::async_runtime::block_on(engine.join_shortcut_setting());
    let accelerator = stored
        .map_err(|e| e.to_string())
        .and_then(|s| shortcut::from_setting(s.as_deref()));
    match accelerator {
        Ok(accelerator) => {
            if let Err(e) = shortcut.set(accelerator) {
                eprintln!("traycal: join shortcut: {e}");
                shortcut.set_failed(accelerator, e);
            }
        }
        Err(e) => {
            eprintln!("traycal: join shortcut: {e}");
            shortcut.set_failed(None, e);
        }
    }
    shortcut
}

/// The async runtime the app's commands and loops run on: one worker and at most two
/// blocking threads. A tray app waits most of the time, and every extra thread that
/// allocates gets a glibc malloc arena of its own that stays resident
/// (with the default runtime the idle app measured 94 MiB, with this one 82.5 MiB,
/// together with the smaller mirror cache; scripts/measure-idle.sh).
fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(2)
        .thread_name("traycal-async")
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// Runs the app until "Quit" (or, started as the window process, until its last
/// window closes).
pub fn run() {
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(message) => {
            eprintln!("traycal: {message}");
            std::process::exit(1);
        }
    };
    tauri::async_runtime::set(runtime.handle().clone());
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == WINDOW_PROCESS_FLAG) {
        let window = args.get(at + 1).and_then(|w| WindowKind::from_label(w));
        let seq = args.get(at + 2).and_then(|s| s.parse::<u64>().ok());
        let result = match (window, seq) {
            (Some(window), Some(seq)) => window_process::run(window, seq),
            _ => Err(format!(
                "usage: {WINDOW_PROCESS_FLAG} agenda|settings|welcome <request>"
            )),
        };
        if let Err(message) = result {
            eprintln!("traycal: {message}");
            std::process::exit(1);
        }
        return;
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("traycal: cannot find this program to open windows with: {e}");
            std::process::exit(1);
        }
    };
    let engine = match open_engine() {
        Ok(engine) => Arc::new(engine),
        Err(message) => {
            eprintln!("traycal: cannot start: {message}");
            std::process::exit(1);
        }
    };
    // The app runs all day: keep the mirror's resident memory small.
    if let Err(e) = tauri::async_runtime::block_on(engine.prefer_low_memory()) {
        eprintln!("traycal: {e}");
    }
    let contract = ipc::contract();
    let open_agenda = args.iter().any(|a| a == AGENDA_FLAG);
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            // A second launch: focus this instance.
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                open_first_window(&app, true).await;
            });
        }))
        .plugin(tauri_plugin_autostart::init(
            MacosLauncher::LaunchAgent,
            Some(vec![HIDDEN_FLAG]),
        ))
        .invoke_handler(contract.invoke_handler())
        .manage(Shell::new(engine))
        .manage(WindowProcess::new(exe))
        .setup(move |app| {
            contract.mount_events(app);
            app.state::<WindowProcess>().forward_events(app.handle());
            tray::create(app.handle())?;
            let handle = app.handle().clone();
            // The first window process starts before the event loop does: WebKit's
            // automation (the end-to-end tests) waits for it only so long.
            tauri::async_runtime::block_on(open_first_window(&handle, open_agenda));
            tauri::async_runtime::spawn(notifications::run(handle.clone()));
            tauri::async_runtime::spawn(Shell::run_scheduler(handle.clone()));
            let resumed = handle.clone();
            tauri::async_runtime::spawn(resume::run(move || {
                eprintln!("traycal: resumed from suspend: syncing and planning reminders");
                resumed.state::<Shell>().resumed();
            }));
            app.manage(join_shortcut(&handle));
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("traycal: cannot start the app: {e}");
            std::process::exit(1);
        }
    };
    app.run(|_, event| {
        // No window lives in this process, but should one ever close here, Traycal
        // stays in the tray; only "Quit" (an exit with a code) ends it.
        if let RunEvent::ExitRequested {
            code: None, api, ..
        } = event
        {
            api.prevent_exit();
        }
    });
}
