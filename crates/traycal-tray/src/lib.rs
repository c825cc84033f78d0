//! Traycal's tray process: the program people run (`traycal-app`).
//!
//! It owns the engine and everything that runs all day: the tray icon and its menu
//! ([`tray`]), background sync ([`shell`]), reminders ([`notifications`]), the global
//! join shortcut ([`shortcut`]), resume from suspend ([`resume`]), single instance
//! ([`single_instance`]) and start at login ([`autostart`]). Windows open in a
//! separate program, started on demand ([`window_process`]); their commands come back
//! here ([`route`] → [`commands`]).
//!
//! Invariant: this crate never depends on Tauri or WebKit, so the process that runs
//! all day maps none of WebKit's libraries (an end-to-end test checks the running
//! process; `src-tauri/tests/tray_program.rs` checks the program's dynamic libraries).
//!
//! Lifecycle: on first run (no calendar yet) the welcome window opens. A second launch
//! hands its arguments to the first instance (which opens the agenda) and exits. Only
//! "Quit" ends the app; closing windows does not.

pub mod autostart;
pub mod commands;
pub mod contract;
pub mod events;
pub mod mirror_watch;
pub mod notifications;
pub mod resume;
pub mod route;
pub mod shell;
pub mod shortcut;
pub mod single_instance;
pub mod tray;
pub mod window_process;
pub mod windows;

use std::sync::mpsc::Sender;
use std::sync::Arc;

use traycal_engine::{clock, data_dir, Engine, EngineConfig};

use crate::shell::Shell;
use crate::shortcut::JoinShortcut;
use crate::single_instance::Launch;
use crate::tray::TrayCommand;
use crate::window_process::{WindowProcess, WINDOW_PROGRAM};
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
async fn open_first_window(shell: &Arc<Shell>, agenda: bool) {
    let first_run = shell
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
    if let Err(e) = shell.show_window(kind) {
        eprintln!("traycal: {}", e.message);
    }
}

/// The global join shortcut: grabbed now from the stored setting (default Ctrl+Alt+J);
/// a press joins the running or next meeting, or says why it cannot.
async fn join_shortcut(shell: &Arc<Shell>) -> JoinShortcut {
    let pressed = Arc::clone(shell);
    let runtime = tokio::runtime::Handle::current();
    let shortcut = JoinShortcut::connect(move || {
        let shell = Arc::clone(&pressed);
        runtime.spawn(async move {
            if let Err(p) = shell.join_next().await {
                notifications::tell(p.title, &p.message);
            }
        });
    });
    let stored = shell.engine.join_shortcut_setting().await;
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

/// Says why the app cannot start, and exits.
fn fail(message: &str) -> ! {
    eprintln!("traycal: {message}");
    std::process::exit(1);
}

/// Runs the tray app until "Quit".
pub fn run() {
    let args: Vec<String> = std::env::args().collect();
    let runtime = runtime().unwrap_or_else(|m| fail(&m));
    // A later launch reaches this instance through the session bus; it may arrive
    // before the shell exists, so it waits for it.
    let (launched, later) = tokio::sync::watch::channel::<Option<Arc<Shell>>>(None);
    let bus_runtime = runtime.handle().clone();
    let instance = single_instance::claim(args.clone(), move |_argv| {
        let mut shell = later.clone();
        bus_runtime.spawn(async move {
            let ready = shell
                .wait_for(Option::is_some)
                .await
                .ok()
                .and_then(|s| s.clone());
            if let Some(shell) = ready {
                // A second launch: show this instance.
                open_first_window(&shell, true).await;
            }
        });
    });
    let _instance = match instance {
        Launch::First(connection) => connection,
        Launch::Handed => return,
    };
    let exe =
        std::env::current_exe().unwrap_or_else(|e| fail(&format!("cannot find this program: {e}")));
    let windows = exe.with_file_name(WINDOW_PROGRAM);
    let engine = Arc::new(open_engine().unwrap_or_else(|m| fail(&format!("cannot start: {m}"))));
    // The app runs all day: keep the mirror's resident memory small.
    if let Err(e) = runtime.block_on(engine.prefer_low_memory()) {
        eprintln!("traycal: {e}");
    }
    let shell = Arc::new(Shell::new(engine));
    let window_process = WindowProcess::new(windows, runtime.handle().clone());
    shell.set_windows(window_process.clone());
    if let Some(autostart) = autostart::Autostart::for_user(exe) {
        shell.set_autostart(autostart);
    }
    let (to_tray, commands) = std::sync::mpsc::channel::<TrayCommand>();
    runtime.block_on(async {
        shell.set_shortcut(join_shortcut(&shell).await);
        let forwarded = Arc::clone(&shell);
        tokio::spawn(async move { window_process.forward_events(&forwarded).await });
        tokio::spawn(tray::run(Arc::clone(&shell), to_tray.clone()));
        tokio::spawn(notifications::run(Arc::clone(&shell)));
        tokio::spawn(Shell::run_scheduler(Arc::clone(&shell)));
        // A source the CLI added shows at once in the windows and the tray.
        let data_dir = shell.engine.data_dir().to_path_buf();
        if let Err(e) = mirror_watch::spawn(
            Arc::clone(&shell),
            &data_dir,
            tokio::runtime::Handle::current(),
        ) {
            eprintln!("traycal: cannot watch the mirror for other processes: {e}");
        }
        // A damaged page of the mirror shows in the tray even before a query reads it.
        tokio::spawn({
            let shell = Arc::clone(&shell);
            async move { shell.check_mirror().await }
        });
        let resumed = Arc::clone(&shell);
        tokio::spawn(resume::run(move || {
            eprintln!("traycal: resumed from suspend: syncing and planning reminders");
            resumed.resumed();
        }));
        let open_agenda = args.iter().any(|a| a == AGENDA_FLAG);
        open_first_window(&shell, open_agenda).await;
    });
    let _ = launched.send(Some(Arc::clone(&shell)));
    // This thread owns the tray icon until "Quit".
    tray::watch_host(to_tray.clone());
    let clicked = menu_clicks(&shell, runtime.handle().clone(), to_tray);
    tray::serve(commands, clicked);
    // Windows end when their socket closes, with this process.
    std::process::exit(0);
}

/// What a click on a tray menu item does: runs it on the async runtime.
fn menu_clicks(
    shell: &Arc<Shell>,
    runtime: tokio::runtime::Handle,
    to_tray: Sender<TrayCommand>,
) -> impl Fn(String) + Send + Sync + 'static {
    let shell = Arc::clone(shell);
    move |id| {
        runtime.spawn(tray::on_menu(Arc::clone(&shell), to_tray.clone(), id));
    }
}
