//! `traycal-app`: the tray process (see `traycal_tray`). It links neither Tauri nor
//! WebKit; windows open in `traycal-window`, installed beside it.

// Hides the console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // The window process inherits this. It renders nothing itself (WebKit's own
    // processes do), and without it GTK would initialise GL there at start-up, which
    // with Mesa's software renderer maps LLVM (~45 MB resident, measured with
    // scripts/measure-idle.sh). A user's own GDK_GL setting wins.
    if std::env::var_os("GDK_GL").is_none() {
        std::env::set_var("GDK_GL", "disable");
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    malloc_tuning::apply();
    traycal_tray::run();
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod malloc_tuning {
    //! glibc's allocator settings for a process that runs all day.
    //!
    //! Why: each sync of a large feed allocates buffers of megabytes. glibc raises its
    //! mmap threshold after the first such buffer is freed, so later ones come from
    //! the heap, and what they leave there stays resident (measured with
    //! scripts/measure-idle.sh: +3.6 MiB after two syncs of the 10k-event bench
    //! feed, of which `malloc_trim` could return all). A fixed threshold keeps big
    //! buffers in their own mappings, returned when freed; two arenas bound the
    //! per-thread slack. glibc reads these only at process start, so the app sets
    //! them and starts itself again, once (same pid; a user's own settings win).

    use std::os::unix::process::CommandExt;

    const TUNED: &str = "TRAYCAL_MALLOC_TUNED";

    const SETTINGS: [(&str, &str); 2] = [
        ("MALLOC_MMAP_THRESHOLD_", "131072"),
        ("MALLOC_ARENA_MAX", "2"),
    ];

    pub fn apply() {
        if std::env::var_os(TUNED).is_some() {
            // glibc has read them; programs the app starts (a browser for "Join", the
            // window program) must not inherit them.
            for (name, _) in SETTINGS {
                std::env::remove_var(name);
            }
            return;
        }
        let users_own = SETTINGS
            .iter()
            .any(|(name, _)| std::env::var_os(name).is_some());
        if users_own || std::env::var_os("GLIBC_TUNABLES").is_some() {
            return;
        }
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let mut command = std::process::Command::new(exe);
        command
            .args(std::env::args_os().skip(1))
            .env(TUNED, "1")
            .envs(SETTINGS);
        // Only returns when the exec failed: run untuned.
        let e = command.exec();
        eprintln!("traycal: cannot apply the allocator settings: {e}");
    }
}
