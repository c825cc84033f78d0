//! Start at login: an XDG autostart entry (`$XDG_CONFIG_HOME/autostart/Traycal.desktop`,
//! else `~/.config/autostart`) that starts the tray only ([`crate::HIDDEN_FLAG`]).
//!
//! Invariant: the entry exists exactly while start at login is on; it names this
//! program by its full path, quoted as the Desktop Entry spec asks, so a path with
//! spaces or `$` still starts the right program.

use std::path::{Path, PathBuf};

/// The entry's file name (the one Traycal has always used).
const ENTRY: &str = "Traycal.desktop";

/// Start at login for one program.
#[derive(Debug, Clone)]
pub struct Autostart {
    entry: PathBuf,
    exe: PathBuf,
}

impl Autostart {
    /// The entry for `exe` in `config_dir`'s `autostart` folder.
    pub fn new(config_dir: &Path, exe: PathBuf) -> Autostart {
        Autostart {
            entry: config_dir.join("autostart").join(ENTRY),
            exe,
        }
    }

    /// The entry for `exe` where the desktop looks: `$XDG_CONFIG_HOME`, else
    /// `$HOME/.config`; `None` when neither is set.
    pub fn for_user(exe: PathBuf) -> Option<Autostart> {
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        Some(Autostart::new(&config, exe))
    }

    /// Whether Traycal starts at login.
    pub fn is_enabled(&self) -> bool {
        self.entry.is_file()
    }

    /// Turns start at login on (writes the entry) or off (removes it).
    pub fn set(&self, enabled: bool) -> Result<(), String> {
        let shown = self.entry.display();
        if enabled {
            if let Some(dir) = self.entry.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            std::fs::write(&self.entry, self.desktop_entry())
                .map_err(|e| format!("cannot write {shown}: {e}"))
        } else {
            match std::fs::remove_file(&self.entry) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(format!("cannot remove {shown}: {e}")),
            }
        }
    }

    fn desktop_entry(&self) -> String {
        format!(
            "[Desktop Entry]\nType=Application\nVersion=1.0\nName=Traycal\n\
             Comment=Every calendar in the tray\nExec={} {}\nIcon=traycal-app\n\
             Terminal=false\nStartupNotify=false\nX-GNOME-Autostart-enabled=true\n",
            exec_quote(&self.exe.to_string_lossy()),
            crate::HIDDEN_FLAG
        )
    }
}

/// One argument of an `Exec` line: quoted, with the characters the Desktop Entry spec
/// reserves escaped (and `%`, which would start a field code, doubled).
fn exec_quote(arg: &str) -> String {
    let mut out = String::with_capacity(arg.len() + 2);
    out.push('"');
    for c in arg.chars() {
        match c {
            // Escaped once for the quoting, and each backslash once more for the
            // string value the line is read as first.
            '"' | '`' | '$' => {
                out.push_str("\\\\");
                out.push(c);
            }
            '\\' => out.push_str("\\\\\\\\"),
            '%' => out.push_str("%%"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_entry_is_written_read_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let a = Autostart::new(dir.path(), PathBuf::from("/opt/Tray Cal/traycal-app"));
        assert!(!a.is_enabled());
        a.set(false).unwrap();
        a.set(true).unwrap();
        assert!(a.is_enabled());
        let text = std::fs::read_to_string(dir.path().join("autostart/Traycal.desktop")).unwrap();
        assert!(
            text.contains("\nExec=\"/opt/Tray Cal/traycal-app\" --hidden\n"),
            "{text}"
        );
        a.set(false).unwrap();
        assert!(!a.is_enabled());
    }

    #[test]
    fn reserved_characters_are_escaped() {
        assert_eq!(exec_quote("/a b/c"), "\"/a b/c\"");
        assert_eq!(exec_quote("/x$y\"z"), "\"/x\\\\$y\\\\\"z\"");
        assert_eq!(exec_quote("/50%/t"), "\"/50%%/t\"");
        assert_eq!(exec_quote("/a\\b"), "\"/a\\\\\\\\b\"");
    }

    #[test]
    fn a_folder_that_cannot_be_made_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, "").unwrap();
        let err = Autostart::new(&file, PathBuf::from("/t"))
            .set(true)
            .unwrap_err();
        assert!(err.contains("not-a-dir"), "{err}");
    }
}
