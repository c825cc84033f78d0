//! One Traycal per session: the first instance owns a well-known name on the session
//! bus; a later launch hands its arguments to it over D-Bus and exits.
//!
//! Invariant: the name is held for the tray process's lifetime (the bus releases it
//! when the process ends, however it ends), so a crashed Traycal never blocks the next
//! one. Without a session bus there is no way to find another instance: Traycal then
//! starts normally and says so.

use zbus::blocking::connection::Builder;
use zbus::blocking::Connection;

/// The name and object path on the session bus.
const NAME: &str = "org.traycal.app.SingleInstance";
const PATH: &str = "/org/traycal/app/SingleInstance";
const INTERFACE: &str = "org.traycal.SingleInstance";

/// The D-Bus object a later launch calls.
struct Instance<F> {
    on_launch: F,
}

#[zbus::interface(name = "org.traycal.SingleInstance")]
impl<F: Fn(Vec<String>) + Send + Sync + 'static> Instance<F> {
    /// A later launch, with its command line.
    fn activate(&self, argv: Vec<String>) {
        (self.on_launch)(argv);
    }
}

/// How this launch goes on.
pub enum Launch {
    /// This is the first instance; keep the connection (it holds the name).
    First(Option<Connection>),
    /// Another instance runs and has the arguments now: exit.
    Handed,
}

/// Claims the session's instance name; `on_launch` runs (on the bus's thread) for
/// each later launch. If another instance holds it, hands it `argv`.
pub fn claim(argv: Vec<String>, on_launch: impl Fn(Vec<String>) + Send + Sync + 'static) -> Launch {
    let claimed = Builder::session().and_then(|b| {
        b.name(NAME)?
            .replace_existing_names(false)
            .allow_name_replacements(false)
            .serve_at(PATH, Instance { on_launch })?
            .build()
    });
    match claimed {
        Ok(connection) => Launch::First(Some(connection)),
        Err(zbus::Error::NameTaken) => match hand_over(argv) {
            Ok(()) => Launch::Handed,
            Err(e) => {
                eprintln!(
                    "traycal: another Traycal runs but did not answer ({e}); starting anyway"
                );
                Launch::First(None)
            }
        },
        Err(e) => {
            eprintln!("traycal: no session bus ({e}): a second launch will not find this one");
            Launch::First(None)
        }
    }
}

fn hand_over(argv: Vec<String>) -> zbus::Result<()> {
    let connection = Connection::session()?;
    connection.call_method(Some(NAME), PATH, Some(INTERFACE), "Activate", &(argv,))?;
    Ok(())
}
