//! The global shortcut that joins the running or next meeting (default Ctrl+Alt+J,
//! configurable in the settings window, stored in the mirror by the engine).
//!
//! On X11 the key combination is grabbed on the root window, in every state of Caps
//! Lock and Num Lock, and a thread reads the X connection. That thread blocks until the
//! X server sends something: no polling (the global-hotkey crate's reader wakes every
//! 50 ms, 72,000 times an hour). Wayland has no global key grab for ordinary clients;
//! there the settings window says the shortcut is unavailable, and the tray's "Join
//! next meeting" remains.
//!
//! Invariants: at most one combination is grabbed at a time; a combination that
//! another application holds is refused with a message naming it, and the previous
//! one stays active; holding the keys down (auto-repeat) joins once.

use std::fmt;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

/// The shortcut used until the user sets another or turns it off.
pub const DEFAULT: &str = "Ctrl+Alt+J";

/// What the settings window shows about the shortcut.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ShortcutSettings {
    /// The shortcut, as the user sees it ("Ctrl+Alt+J"); `null` when turned off.
    pub shortcut: Option<String>,
    pub default_shortcut: String,
    /// Whether the keys are grabbed now.
    pub active: bool,
    /// Why it is not active (no X11 display, taken by another application).
    pub error: Option<String>,
}

/// Modifier bits, as X11 numbers them.
const SHIFT: u16 = 1;
const LOCK: u16 = 1 << 1;
const CONTROL: u16 = 1 << 2;
const ALT: u16 = 1 << 3; // Mod1
const NUM_LOCK: u16 = 1 << 4; // Mod2
const SUPER: u16 = 1 << 6; // Mod4
const MODIFIERS: u16 = SHIFT | CONTROL | ALT | SUPER;

/// A key with modifiers, parsed from text like "Ctrl+Alt+J".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accelerator {
    /// X11 modifier mask (Shift, Control, Alt, Super).
    pub modifiers: u16,
    /// The key's X keysym (lower-case for letters).
    pub keysym: u32,
}

impl Accelerator {
    /// Parses "Ctrl+Alt+J", "super+shift+F9", "Ctrl + Alt + Space". At least one of
    /// Ctrl, Alt and Super is required: a bare key or Shift+key would swallow typing in
    /// every application.
    pub fn parse(text: &str) -> Result<Accelerator, String> {
        if text.trim().is_empty() {
            return Err("the shortcut is empty".into());
        }
        let parts: Vec<&str> = text.split('+').map(str::trim).collect();
        let Some((key, mods)) = parts.split_last() else {
            return Err("the shortcut is empty".into());
        };
        let mut modifiers = 0;
        for m in mods {
            let bit = match m.to_ascii_lowercase().as_str() {
                "ctrl" | "control" => CONTROL,
                "alt" => ALT,
                "shift" => SHIFT,
                "super" | "meta" | "win" | "cmd" => SUPER,
                "" => return Err(format!("{text:?}: a key is missing between two '+'")),
                other => {
                    return Err(format!(
                        "{text:?}: {other:?} is not a modifier (use Ctrl, Alt, Shift or Super)"
                    ))
                }
            };
            if modifiers & bit != 0 {
                return Err(format!("{text:?}: {m} appears twice"));
            }
            modifiers |= bit;
        }
        let keysym = keysym_of(key).ok_or_else(|| {
            if key.is_empty() {
                format!("{text:?}: the key after the last '+' is missing")
            } else {
                format!("{text:?}: {key:?} is not a key Traycal can grab (use a letter, a digit, F1–F24 or Space)")
            }
        })?;
        if modifiers & (CONTROL | ALT | SUPER) == 0 {
            return Err(format!(
                "{text:?}: add Ctrl, Alt or Super, or the shortcut would take the key from every application"
            ));
        }
        Ok(Accelerator { modifiers, keysym })
    }
}

impl fmt::Display for Accelerator {
    /// The canonical text: "Ctrl+Alt+Shift+Super+J".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (bit, name) in [
            (CONTROL, "Ctrl"),
            (ALT, "Alt"),
            (SHIFT, "Shift"),
            (SUPER, "Super"),
        ] {
            if self.modifiers & bit != 0 {
                write!(f, "{name}+")?;
            }
        }
        match self.keysym {
            0x20 => write!(f, "Space"),
            k @ 0xffbe..=0xffd5 => write!(f, "F{}", k - 0xffbe + 1),
            k => write!(
                f,
                "{}",
                char::from_u32(k).map_or('?', |c| c.to_ascii_uppercase())
            ),
        }
    }
}

/// The X keysym of a key name: letters, digits, F1–F24, Space.
fn keysym_of(key: &str) -> Option<u32> {
    let lower = key.to_ascii_lowercase();
    let mut chars = lower.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            return Some(c as u32);
        }
    }
    if lower == "space" {
        return Some(0x20);
    }
    let n: u32 = lower.strip_prefix('f')?.parse().ok()?;
    (1..=24).contains(&n).then(|| 0xffbe + n - 1)
}

/// Reads the stored setting: never set → the default; "" → off.
pub fn from_setting(stored: Option<&str>) -> Result<Option<Accelerator>, String> {
    match stored.map(str::trim) {
        None => Accelerator::parse(DEFAULT).map(Some),
        Some("") => Ok(None),
        Some(text) => Accelerator::parse(text).map(Some),
    }
}

/// The app's shortcut: the key grab (when there is an X display) and its state.
pub struct JoinShortcut {
    grab: Result<Arc<x11::Grab>, String>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    current: Option<Accelerator>,
    active: bool,
    error: Option<String>,
}

impl JoinShortcut {
    /// Connects to the X display; `on_press` runs (on the reader thread) each time the
    /// shortcut is pressed. Without a display the shortcut is reported unavailable.
    pub fn connect(on_press: impl Fn() + Send + 'static) -> JoinShortcut {
        JoinShortcut {
            grab: x11::Grab::connect(on_press).map(Arc::new),
            state: Mutex::new(State::default()),
        }
    }

    /// A shortcut that cannot be grabbed, for `why` (shell tests, no display).
    pub fn unavailable(why: &str) -> JoinShortcut {
        JoinShortcut {
            grab: Err(why.to_string()),
            state: Mutex::new(State::default()),
        }
    }

    /// Grabs `accelerator` instead of the current one (`None` turns it off). When the
    /// new one cannot be grabbed the old one is grabbed again, the state is left as it
    /// was and the error returned.
    pub fn set(&self, accelerator: Option<Accelerator>) -> Result<(), String> {
        let Ok(mut state) = self.state.lock() else {
            return Err("internal state lock poisoned".into());
        };
        match &self.grab {
            Ok(grab) => {
                if let Err(e) = grab.set(accelerator) {
                    // Keep what worked before.
                    if state.active {
                        if let Err(again) = grab.set(state.current) {
                            state.active = false;
                            state.error = Some(again);
                        }
                    }
                    return Err(e);
                }
            }
            Err(why) if accelerator.is_some() => return Err(why.clone()),
            Err(_) => {}
        }
        *state = State {
            current: accelerator,
            active: accelerator.is_some(),
            error: None,
        };
        Ok(())
    }

    /// Records a shortcut that could not be grabbed at start-up (shown in settings).
    pub fn set_failed(&self, accelerator: Option<Accelerator>, error: String) {
        if let Ok(mut state) = self.state.lock() {
            *state = State {
                current: accelerator,
                active: false,
                error: Some(error),
            };
        }
    }

    /// What the settings window shows.
    pub fn settings(&self) -> ShortcutSettings {
        let (current, active, error) = match self.state.lock() {
            Ok(s) => (s.current, s.active, s.error.clone()),
            Err(_) => (None, false, Some("internal state lock poisoned".into())),
        };
        ShortcutSettings {
            shortcut: current.map(|a| a.to_string()),
            default_shortcut: DEFAULT.into(),
            active,
            error,
        }
    }
}

mod x11 {
    //! The X11 key grab and its reader thread.

    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{ConnectionExt, GrabMode, ModMask, Window};
    use x11rb::protocol::Event;
    use x11rb::rust_connection::RustConnection;

    use super::{Accelerator, LOCK, MODIFIERS, NUM_LOCK};

    /// Presses closer together than this are one press (auto-repeat, a bouncing key).
    const REPEAT: Duration = Duration::from_millis(700);

    /// A grabbed key: its keycode and modifiers.
    type Grabbed = (u8, u16);

    pub struct Grab {
        conn: Arc<RustConnection>,
        root: Window,
        grabbed: Arc<Mutex<Option<Grabbed>>>,
    }

    impl Grab {
        pub fn connect(on_press: impl Fn() + Send + 'static) -> Result<Grab, String> {
            if std::env::var_os("DISPLAY").is_none() {
                return Err(
                    "global shortcuts need an X11 session (DISPLAY is not set; on Wayland use the tray's Join next meeting)"
                        .into(),
                );
            }
            let (conn, screen) = RustConnection::connect(None)
                .map_err(|e| format!("cannot reach the X display for the shortcut: {e}"))?;
            let root = conn
                .setup()
                .roots
                .get(screen)
                .ok_or("the X display has no such screen")?
                .root;
            let conn = Arc::new(conn);
            let grabbed: Arc<Mutex<Option<Grabbed>>> = Arc::new(Mutex::new(None));
            let reader = (Arc::clone(&conn), Arc::clone(&grabbed));
            std::thread::Builder::new()
                .name("traycal-shortcut".into())
                .spawn(move || read(&reader.0, &reader.1, on_press))
                .map_err(|e| format!("cannot start the shortcut thread: {e}"))?;
            Ok(Grab {
                conn,
                root,
                grabbed,
            })
        }

        /// Replaces the grabbed combination (`None`: grabs nothing).
        pub fn set(&self, accelerator: Option<Accelerator>) -> Result<(), String> {
            let mut grabbed = self
                .grabbed
                .lock()
                .map_err(|_| "internal state lock poisoned".to_string())?;
            if let Some((keycode, modifiers)) = grabbed.take() {
                self.ungrab(keycode, modifiers);
            }
            let Some(accelerator) = accelerator else {
                return Ok(());
            };
            let keycode = self
                .keycode(accelerator.keysym)?
                .ok_or_else(|| format!("{accelerator}: this keyboard layout has no such key"))?;
            for extra in [0, LOCK, NUM_LOCK, LOCK | NUM_LOCK] {
                let grab = self
                    .conn
                    .grab_key(
                        false,
                        self.root,
                        ModMask::from(accelerator.modifiers | extra),
                        keycode,
                        GrabMode::ASYNC,
                        GrabMode::ASYNC,
                    )
                    .map_err(|e| format!("cannot grab {accelerator}: {e}"))?;
                if let Err(e) = grab.check() {
                    self.ungrab(keycode, accelerator.modifiers);
                    return Err(match e {
                        x11rb::errors::ReplyError::X11Error(_) => format!(
                            "{accelerator} is already used by another application: choose another shortcut"
                        ),
                        other => format!("cannot grab {accelerator}: {other}"),
                    });
                }
            }
            *grabbed = Some((keycode, accelerator.modifiers));
            Ok(())
        }

        fn ungrab(&self, keycode: u8, modifiers: u16) {
            for extra in [0, LOCK, NUM_LOCK, LOCK | NUM_LOCK] {
                let _ = self
                    .conn
                    .ungrab_key(keycode, self.root, ModMask::from(modifiers | extra));
            }
            let _ = self.conn.flush();
        }

        /// The keycode that produces `keysym` in the current layout.
        fn keycode(&self, keysym: u32) -> Result<Option<u8>, String> {
            let setup = self.conn.setup();
            let (min, max) = (setup.min_keycode, setup.max_keycode);
            let map = self
                .conn
                .get_keyboard_mapping(min, max - min + 1)
                .map_err(|e| e.to_string())?
                .reply()
                .map_err(|e| format!("cannot read the keyboard layout: {e}"))?;
            let per = usize::from(map.keysyms_per_keycode.max(1));
            Ok(map
                .keysyms
                .chunks(per)
                .position(|syms| syms.contains(&keysym))
                .and_then(|i| u8::try_from(usize::from(min) + i).ok()))
        }
    }

    /// The reader: blocks on the X connection; each press of the grabbed combination
    /// runs `on_press` (once per auto-repeat burst).
    fn read(conn: &RustConnection, grabbed: &Mutex<Option<Grabbed>>, on_press: impl Fn()) {
        let mut last: Option<Instant> = None;
        loop {
            let event = match conn.wait_for_event() {
                Ok(event) => event,
                Err(e) => {
                    eprintln!("traycal: the shortcut's X connection closed: {e}");
                    return;
                }
            };
            let Event::KeyPress(press) = event else {
                continue;
            };
            let wanted = grabbed.lock().ok().and_then(|g| *g);
            let state = u16::from(press.state) & MODIFIERS;
            if wanted == Some((press.detail, state)) && last.is_none_or(|t| t.elapsed() >= REPEAT) {
                last = Some(Instant::now());
                on_press();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_canonically() {
        let a = Accelerator::parse("ctrl + alt + j").unwrap();
        assert_eq!(a.modifiers, CONTROL | ALT);
        assert_eq!(a.keysym, 'j' as u32);
        assert_eq!(a.to_string(), "Ctrl+Alt+J");
        assert_eq!(
            Accelerator::parse("Super+Shift+F9").unwrap().to_string(),
            "Shift+Super+F9"
        );
        assert_eq!(
            Accelerator::parse("Alt+Control+Space").unwrap().to_string(),
            "Ctrl+Alt+Space"
        );
        assert_eq!(Accelerator::parse("Win+1").unwrap().to_string(), "Super+1");
        assert_eq!(Accelerator::parse(DEFAULT).unwrap().to_string(), DEFAULT);
    }

    #[test]
    fn refuses_what_cannot_be_a_global_shortcut() {
        for (text, why) in [
            ("", "empty"),
            ("J", "add Ctrl, Alt or Super"),
            ("Shift+J", "add Ctrl, Alt or Super"),
            ("Ctrl+Hyper+J", "\"hyper\" is not a modifier"),
            ("Ctrl+Alt+", "missing"),
            ("Ctrl++J", "missing"),
            ("Ctrl+Ctrl+J", "appears twice"),
            ("Ctrl+Alt+F25", "not a key"),
            ("Ctrl+Alt+Enter", "not a key"),
        ] {
            let err = Accelerator::parse(text).unwrap_err();
            assert!(err.contains(why), "{text:?}: {err}");
        }
    }

    #[test]
    fn setting_default_off_and_custom() {
        assert_eq!(from_setting(None).unwrap().unwrap().to_string(), DEFAULT);
        assert_eq!(from_setting(Some("")).unwrap(), None);
        assert_eq!(
            from_setting(Some("Ctrl+Alt+K"))
                .unwrap()
                .unwrap()
                .to_string(),
            "Ctrl+Alt+K"
        );
        assert!(from_setting(Some("K")).is_err());
    }

    #[test]
    fn without_a_display_the_shortcut_is_unavailable_not_fatal() {
        let shortcut = JoinShortcut::unavailable("no display");
        let default = Accelerator::parse(DEFAULT).unwrap();
        let err = shortcut.set(Some(default)).unwrap_err();
        assert_eq!(err, "no display");
        // A refused shortcut changes nothing; start-up records why it is not active.
        assert_eq!(shortcut.settings().shortcut, None);
        shortcut.set_failed(Some(default), err);
        let s = shortcut.settings();
        assert_eq!(s.shortcut.as_deref(), Some(DEFAULT));
        assert!(!s.active);
        assert_eq!(s.error.as_deref(), Some("no display"));
        shortcut.set(None).unwrap();
        assert_eq!(shortcut.settings().shortcut, None);
    }
}
