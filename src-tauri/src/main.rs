// Hides the console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // A tray app with no window open needs no OpenGL in its own process; without this
    // GTK initialises GL at start-up, which with Mesa's software renderer maps LLVM
    // (~45 MB resident, measured with scripts/measure-idle.sh). The webview renders in
    // WebKit's own processes either way. Set before any thread starts; a user's own
    // GDK_GL setting wins.
    if std::env::var_os("GDK_GL").is_none() {
        std::env::set_var("GDK_GL", "disable");
    }
    traycal_app::run();
}
