//! Noticing that the machine woke from suspend: logind's `PrepareForSleep(false)` on
//! the system bus.
//!
//! Why: timers count monotonic time, which stands still while the machine sleeps, so a
//! reminder planned for 09:55 would fire late after a resume at 10:02. On resume the
//! shell plans reminders again at once (a missed one fires as "started N min ago") and
//! syncs what fell due. Without a system bus or logind (containers, other init systems)
//! the reminder scheduler's capped sleep still catches up within five minutes.

use futures_util::StreamExt;

const LOGIND: &str = "org.freedesktop.login1";
const LOGIND_PATH: &str = "/org/freedesktop/login1";
const LOGIND_MANAGER: &str = "org.freedesktop.login1.Manager";

/// Watches `conn` (the system bus) until it closes; `on_resume` runs after each wake.
pub async fn watch(conn: &zbus::Connection, on_resume: impl Fn()) -> zbus::Result<()> {
    let proxy: zbus::Proxy<'_> = zbus::proxy::Builder::new(conn)
        .destination(LOGIND)?
        .path(LOGIND_PATH)?
        .interface(LOGIND_MANAGER)?
        // Only the signal is needed: no property reads against logind.
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await?;
    let mut signals = proxy.receive_signal("PrepareForSleep").await?;
    while let Some(message) = signals.next().await {
        // `true` before suspending, `false` after waking.
        match message.body().deserialize::<bool>() {
            Ok(false) => on_resume(),
            Ok(true) => {}
            Err(e) => eprintln!("traycal: unreadable PrepareForSleep signal: {e}"),
        }
    }
    Ok(())
}

/// Watches the system bus for the app; logs why when it cannot.
pub async fn run(on_resume: impl Fn()) {
    let conn = match zbus::Connection::system().await {
        Ok(conn) => conn,
        Err(e) => {
            eprintln!(
                "traycal: no system bus ({e}): a resume from suspend is noticed within 5 minutes"
            );
            return;
        }
    };
    if let Err(e) = watch(&conn, on_resume).await {
        eprintln!("traycal: cannot watch for resume from suspend: {e}");
    }
}
