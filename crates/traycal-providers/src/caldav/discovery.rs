//! Finding an account's calendars from what the user typed (RFC 6764 §5–6, RFC 5397,
//! RFC 4791 §6.2.1): a server URL (or a bare host) → the context path (the URL
//! itself, or `/.well-known/caldav`) → `current-user-principal` →
//! `calendar-home-set` → the calendars in each home.
//!
//! A calendar is kept when it is a `C:calendar` collection whose component set is
//! absent or holds `VEVENT` (task-only lists are not shown); it is read-only unless the
//! privilege set grants `all`, `write` or `write-content` (a server that sends no
//! privilege set is taken as writable: a refused write says so).
//!
//! Errors say what the user can act on: wrong credentials (`Unauthorized`), no answer
//! (`Network`), not a CalDAV server or no calendar (`InvalidConfig`, with the reason).

use url::Url;

use super::http::{shown, DavClient};
use super::multistatus::Response;
use super::xml::{CALDAV, DAV, ICAL};
use crate::port::{ProviderError, ProviderErrorKind, ProviderResult};

/// One calendar found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredCalendar {
    /// The collection's URL (the calendar's id at the port).
    pub url: String,
    pub name: String,
    /// `#rrggbb`, when the server keeps a colour.
    pub color: Option<String>,
    pub read_only: bool,
    /// The collection supports `sync-collection` (it has a `DAV:sync-token`).
    pub sync_token: bool,
}

/// What discovery found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// The principal's URL.
    pub principal: Url,
    /// The calendar homes.
    pub homes: Vec<Url>,
    /// The VEVENT calendars in them.
    pub calendars: Vec<DiscoveredCalendar>,
}

const CALENDAR_PROPS: &str = "<d:resourcetype/><d:displayname/><ic:calendar-color/>\
    <c:supported-calendar-component-set/><d:current-user-privilege-set/><d:sync-token/>\
    <cs:getctag/>";

/// Discovers the account at `server` (a URL, or a host name: https is assumed).
pub async fn discover(server: &str, user: &str, password: &str) -> ProviderResult<Discovery> {
    let start = start_url(server)?;
    let client = DavClient::new(&start, user, password)?;
    let principal = find_principal(&client, &start).await?;
    let (_, ms) = client
        .propfind(&principal, "0", "<c:calendar-home-set/>")
        .await?;
    let homes: Vec<Url> = ms
        .responses
        .first()
        .map(|r| r.prop_hrefs(CALDAV, "calendar-home-set"))
        .unwrap_or_default()
        .iter()
        .filter_map(|h| principal.join(h).ok())
        .collect();
    if homes.is_empty() {
        return Err(ProviderError::new(
            ProviderErrorKind::InvalidConfig,
            format!(
                "{} names no calendar home for {user}: is this a CalDAV server?",
                shown(&principal)
            ),
        ));
    }
    let mut calendars = Vec::new();
    for home in &homes {
        calendars.extend(calendars_in(&client, home).await?);
    }
    if calendars.is_empty() {
        return Err(ProviderError::new(
            ProviderErrorKind::InvalidConfig,
            format!("the account {user} has no calendar of events on this server"),
        ));
    }
    Ok(Discovery {
        principal,
        homes,
        calendars,
    })
}

/// The URL to start from: what was typed, with `https://` when no scheme was.
fn start_url(server: &str) -> ProviderResult<Url> {
    let text = server.trim();
    let with_scheme = if text.contains("://") {
        text.to_string()
    } else {
        format!("https://{text}")
    };
    let url = Url::parse(&with_scheme).map_err(|e| {
        ProviderError::new(
            ProviderErrorKind::InvalidConfig,
            format!("{text:?} is not a server address ({e})"),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ProviderError::new(
            ProviderErrorKind::InvalidConfig,
            format!("{text:?}: a CalDAV server is reached over http or https"),
        ));
    }
    Ok(url)
}

/// The principal: asked of the URL and of `/.well-known/caldav` (the one with a path
/// first when the URL has one).
async fn find_principal(client: &DavClient, start: &Url) -> ProviderResult<Url> {
    let well_known = start.join("/.well-known/caldav").map_err(|e| {
        ProviderError::new(ProviderErrorKind::InvalidConfig, format!("bad URL: {e}"))
    })?;
    let candidates = if start.path().is_empty() || start.path() == "/" {
        [well_known, start.clone()]
    } else {
        [start.clone(), well_known]
    };
    let mut last: Option<ProviderError> = None;
    for url in &candidates {
        match client
            .propfind(url, "0", "<d:current-user-principal/><d:resourcetype/>")
            .await
        {
            Ok((answered, ms)) => {
                let principal = ms
                    .responses
                    .iter()
                    .flat_map(|r| r.prop_hrefs(DAV, "current-user-principal"))
                    .next();
                if let Some(p) = principal.and_then(|p| answered.join(&p).ok()) {
                    return Ok(p);
                }
                last = Some(ProviderError::new(
                    ProviderErrorKind::InvalidConfig,
                    format!("{} does not name the signed-in user", shown(&answered)),
                ));
            }
            // Wrong credentials and no answer at all end the search: another URL on
            // the same server will not do better.
            Err(e)
                if matches!(
                    e.kind(),
                    ProviderErrorKind::Unauthorized | ProviderErrorKind::Network
                ) =>
            {
                return Err(e)
            }
            Err(e) => last = Some(e),
        }
    }
    let detail = last.map(|e| e.detail().unwrap_or(e.message()).to_string());
    let e = ProviderError::new(
        ProviderErrorKind::InvalidConfig,
        format!(
            "{} is not a CalDAV server (no calendar account found there)",
            shown(start)
        ),
    );
    Err(match detail {
        Some(d) => e.with_detail(d),
        None => e,
    })
}

/// The VEVENT calendars in one home.
pub(super) async fn calendars_in(
    client: &DavClient,
    home: &Url,
) -> ProviderResult<Vec<DiscoveredCalendar>> {
    let (answered, ms) = client.propfind(home, "1", CALENDAR_PROPS).await?;
    Ok(ms
        .responses
        .iter()
        .filter_map(|r| calendar_of(&answered, r))
        .collect())
}

fn calendar_of(home: &Url, r: &Response) -> Option<DiscoveredCalendar> {
    let kind = r.prop(DAV, "resourcetype")?;
    if !kind.contains(CALDAV, "calendar") {
        return None;
    }
    if let Some(set) = r.prop(CALDAV, "supported-calendar-component-set") {
        let comps: Vec<&str> = set
            .children_named(CALDAV, "comp")
            .filter_map(|c| c.attr("name"))
            .collect();
        if !comps.is_empty() && !comps.iter().any(|c| c.eq_ignore_ascii_case("VEVENT")) {
            return None;
        }
    }
    let mut url = home.join(&r.href).ok()?;
    if !url.path().ends_with('/') {
        let p = format!("{}/", url.path());
        url.set_path(&p);
    }
    let _ = url.set_username("");
    let _ = url.set_password(None);
    let read_only = match r.prop(DAV, "current-user-privilege-set") {
        None => false,
        Some(set) => {
            !(set.contains(DAV, "all")
                || set.contains(DAV, "write")
                || set.contains(DAV, "write-content"))
        }
    };
    let name = r
        .prop_text(DAV, "displayname")
        .map(str::to_string)
        .unwrap_or_else(|| {
            url.path_segments()
                .and_then(|mut s| s.rfind(|p| !p.is_empty()))
                .unwrap_or("Calendar")
                .to_string()
        });
    let color = r
        .prop_text(ICAL, "calendar-color")
        .filter(|c| c.starts_with('#') && (c.len() == 7 || c.len() == 9))
        .map(|c| c[..7].to_ascii_lowercase());
    Some(DiscoveredCalendar {
        url: url.to_string(),
        name,
        color,
        read_only,
        sync_token: r.prop(DAV, "sync-token").is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::caldav::multistatus;

    #[test]
    fn vevent_calendars_with_name_colour_and_rights() {
        let ms = multistatus::parse(r##"<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:I="http://apple.com/ns/ical/">
<response><href>/alice/</href><propstat><prop><resourcetype><principal/><collection/></resourcetype></prop><status>HTTP/1.1 200 OK</status></propstat></response>
<response><href>/alice/calendar/</href><propstat><prop><resourcetype><C:calendar/><collection/></resourcetype><displayname>Work</displayname><I:calendar-color>#FF8800FF</I:calendar-color>
<C:supported-calendar-component-set><C:comp name="VEVENT"/><C:comp name="VTODO"/></C:supported-calendar-component-set>
<current-user-privilege-set><privilege><read/></privilege><privilege><write-content/></privilege></current-user-privilege-set><sync-token>t</sync-token></prop><status>HTTP/1.1 200 OK</status></propstat></response>
<response><href>/alice/tasks/</href><propstat><prop><resourcetype><C:calendar/><collection/></resourcetype><C:supported-calendar-component-set><C:comp name="VTODO"/></C:supported-calendar-component-set></prop><status>HTTP/1.1 200 OK</status></propstat></response>
<response><href>/alice/shared/</href><propstat><prop><resourcetype><C:calendar/><collection/></resourcetype><current-user-privilege-set><privilege><read/></privilege><privilege><write-properties/></privilege></current-user-privilege-set></prop><status>HTTP/1.1 200 OK</status></propstat></response>
<response><href>/alice/inbox/</href><propstat><prop><resourcetype><C:schedule-inbox/><collection/></resourcetype></prop><status>HTTP/1.1 200 OK</status></propstat></response>
</multistatus>"##).unwrap();
        let home = Url::parse("http://u:p@127.0.0.1:9/alice/").unwrap();
        let found: Vec<DiscoveredCalendar> = ms
            .responses
            .iter()
            .filter_map(|r| calendar_of(&home, r))
            .collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].url, "http://127.0.0.1:9/alice/calendar/");
        assert_eq!(found[0].name, "Work");
        assert_eq!(found[0].color.as_deref(), Some("#ff8800"));
        assert!(!found[0].read_only && found[0].sync_token);
        assert_eq!(found[1].name, "shared");
        assert!(found[1].read_only, "write-properties is not write");
    }

    #[test]
    fn start_urls() {
        assert_eq!(
            start_url("dav.example.com").unwrap().as_str(),
            "https://dav.example.com/"
        );
        assert!(start_url("ftp://x").is_err());
        assert!(start_url("http://").is_err());
    }
}
