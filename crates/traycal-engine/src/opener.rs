//! Opening a meeting's join link in the browser or the meeting app.
//!
//! Invariant: only links whose scheme the meeting-service catalogue allows (https,
//! http and known meeting-app schemes such as `zoommtg:`) are ever handed to the
//! opener; anything else (`javascript:`, `file:`, `data:`, …) is refused with an error.
//! The opener is `xdg-open`, or the command in `TRAYCAL_OPENER` (tests use a recorder).
//! The link is one argument of the opener, never passed through a shell.

use traycal_core::join::{Catalogue, JoinLink};

use crate::error::{EngineError, Result};
use crate::Engine;

/// Environment variable naming the command that opens a link.
pub const OPENER_ENV: &str = "TRAYCAL_OPENER";

/// Refuses a link whose scheme is not allow-listed.
pub fn check_scheme(url: &str, catalogue: &Catalogue) -> Result<()> {
    let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or("");
    if scheme.is_empty() || !catalogue.scheme_allowed(scheme) {
        return Err(EngineError::Refused(format!(
            "refusing to open {url:?}: the scheme {scheme:?} is not one Traycal opens \
             (https, http or a known meeting app)"
        )));
    }
    Ok(())
}

/// Opens `url` with the opener command and waits for it to hand the link over.
/// Blocking: async callers use [`Engine::open_link`].
pub fn open(url: &str) -> Result<()> {
    let opener = std::env::var(OPENER_ENV).unwrap_or_else(|_| "xdg-open".into());
    let status = std::process::Command::new(&opener)
        .arg(url)
        .status()
        .map_err(|e| EngineError::Opener(format!("cannot run {opener:?} to open the link: {e}")))?;
    if !status.success() {
        return Err(EngineError::Opener(format!(
            "{opener:?} could not open the link ({status})"
        )));
    }
    Ok(())
}

impl Engine {
    /// Checks the link's scheme against the allow-list, then opens it.
    pub async fn open_link(&self, link: &JoinLink) -> Result<()> {
        let catalogue = self.catalogue()?;
        check_scheme(&link.url, &catalogue)?;
        let url = link.url.clone();
        tokio::task::spawn_blocking(move || open(&url))
            .await
            .map_err(|e| EngineError::Internal(format!("opener task failed: {e}")))?
    }

    /// Opens the join link of a stored event.
    pub async fn join_event(&self, event_id: i64) -> Result<JoinLink> {
        let link = self.join_link(event_id).await?.ok_or_else(|| {
            EngineError::InvalidInput(format!("event {event_id} has no join link"))
        })?;
        self.open_link(&link).await?;
        Ok(link)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_allow_listed_schemes_pass() {
        let c = Catalogue::builtin().unwrap();
        for ok in [
            "https://zoom.us/j/123",
            "http://meet.example/x",
            "zoommtg://zoom.us/join?confno=1",
        ] {
            assert!(check_scheme(ok, &c).is_ok(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "data:text/html,x",
            "no-scheme",
            "",
        ] {
            let err = check_scheme(bad, &c).unwrap_err().to_string();
            assert!(err.contains("refusing to open"), "{bad}: {err}");
        }
    }
}
