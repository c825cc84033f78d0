//! A CalDAV account behind the provider port (RFC 4791, RFC 6578, RFC 6764):
//! discovery from a server URL, the account's VEVENT calendars, changes by
//! `sync-collection` (or, on servers without it, by `getctag` and etag listings:
//! `ctag.rs`), items by `calendar-multiget`, conditional `PUT` and `DELETE`.
//!
//! Ids: a calendar is its collection's URL (without credentials); an item is its
//! member name in the collection (the last path segment, percent-decoded), so an id
//! the engine chose for a creation (`<uid>.ics`) is the id the server reports back.
//! Item bodies have CRLF line ends whatever the XML carried (XML turns CRLF into LF).
//!
//! Invariants (beyond the port's): a change token this provider did not issue is
//! `ChangeTokenInvalid`; a "no changes" answer that echoes the token for a calendar
//! this provider wrote to since is not trusted (sabre/dav answers a token from the
//! future that way) and is `ChangeTokenInvalid` too, so the engine lists everything;
//! one item of a multistatus that cannot be read never fails the others.
//!
//! Writes are conditional on the etag (`If-Match`), meetings included, and never on
//! the `Schedule-Tag` (`If-Schedule-Tag-Match`, RFC 6638 3.2.10). That header lets a
//! write of an older text through when only attendees' replies changed the object,
//! counting on the server to merge the replies in; Cyrus 3.6 (Fastmail's server) does
//! not, and the write silently puts an attendee's earlier answer back. With `If-Match`
//! the reply makes the write fail (412) and the engine keeps both versions. A meeting's
//! `PUT` answered with a `Schedule-Tag` but no `ETag` (Cyrus) is read back by the
//! engine right after the write, like any write answered without an `ETag` (best
//! effort: failing that, the next sync pulls the server's copy as a change).

mod ctag;
mod discovery;
pub mod http;
pub mod multistatus;
pub mod xml;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use url::Url;

pub use discovery::{discover, DiscoveredCalendar, Discovery};
use http::{classify, classify_update, shown, DavClient};
use multistatus::Response;
use xml::{CALDAV, DAV};

use crate::port::{
    CalendarProvider, Capabilities, ChangeDetection, ChangeToken, Changes, FetchedItems,
    ItemVersion, ProviderError, ProviderErrorKind, ProviderResult, RemoteCalendar, RemoteItem,
    WritePrecondition, Written,
};

/// Hrefs asked for in one `calendar-multiget`.
const MULTIGET_BATCH: usize = 250;
/// Rounds of a truncated `sync-collection` followed before giving up.
const MAX_SYNC_ROUNDS: usize = 1000;
/// The prefix of every change token this provider issues.
const TOKEN_PREFIX: &str = "caldav/1 sync ";

/// What the engine keeps of an account to connect it again (no secret: the password
/// lives in the keyring).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CalDavSettings {
    /// The URL the user gave (or the preset's).
    pub server: String,
    pub user: String,
    /// The calendar homes discovery found.
    pub homes: Vec<String>,
}

/// One CalDAV account. Cheap to clone (shared state).
#[derive(Clone, Debug)]
pub struct CalDavProvider {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: DavClient,
    settings: CalDavSettings,
    homes: Vec<Url>,
    /// Calendars written to since their last `changes` (see the module docs).
    written: Mutex<HashSet<String>>,
    /// Changes by `getctag` and etag listings even where `sync-collection` is offered.
    ctag_only: std::sync::atomic::AtomicBool,
}

impl CalDavProvider {
    /// Discovers the account at `server` and connects it.
    pub async fn connect_new(
        server: &str,
        user: &str,
        password: &str,
    ) -> ProviderResult<(CalDavProvider, Discovery)> {
        let found = discover(server, user, password).await?;
        let settings = CalDavSettings {
            server: server.to_string(),
            user: user.to_string(),
            homes: found.homes.iter().map(Url::to_string).collect(),
        };
        let provider = CalDavProvider::connect(&settings, password)?;
        Ok((provider, found))
    }

    /// Connects an account set up before (no request is made).
    pub fn connect(settings: &CalDavSettings, password: &str) -> ProviderResult<CalDavProvider> {
        let server = parse_url(&settings.server)?;
        let homes = settings
            .homes
            .iter()
            .map(|h| parse_url(h))
            .collect::<ProviderResult<Vec<Url>>>()?;
        Ok(CalDavProvider {
            inner: Arc::new(Inner {
                client: DavClient::new(&server, &settings.user, password)?,
                settings: settings.clone(),
                homes,
                written: Mutex::new(HashSet::new()),
                ctag_only: std::sync::atomic::AtomicBool::new(false),
            }),
        })
    }

    /// What to keep to connect the account again.
    pub fn settings(&self) -> &CalDavSettings {
        &self.inner.settings
    }

    /// From now on, new listings read changes by `getctag` and etag listings (the
    /// mode of servers without `sync-collection`) even where the server offers
    /// `sync-collection`: for a server whose `sync-collection` is known to be broken,
    /// and for the tests of that mode against servers that have both.
    pub fn use_ctag_only(&self) {
        self.inner
            .ctag_only
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    fn client(&self) -> &DavClient {
        &self.inner.client
    }

    fn note_written(&self, calendar: &str) {
        self.inner
            .written
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(calendar.to_string());
    }

    /// Whether `calendar` was written to since its last `changes`; forgets it.
    fn take_written(&self, calendar: &str) -> bool {
        self.inner
            .written
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(calendar)
    }

    fn item_url(&self, calendar: &str, id: &str) -> ProviderResult<Url> {
        let collection = collection_url(calendar)?;
        if id.is_empty() || id.contains('/') || id == "." || id == ".." {
            return Err(ProviderError::new(
                ProviderErrorKind::InvalidData,
                format!("{id:?} is not a calendar object name"),
            ));
        }
        collection.join(&encode_segment(id)).map_err(|e| {
            ProviderError::new(
                ProviderErrorKind::InvalidData,
                format!("bad name {id:?}: {e}"),
            )
        })
    }

    /// The items of `responses` (members of `collection`): read ones, deleted names,
    /// and names whose data did not come with the answer.
    fn read_members(
        &self,
        collection: &Url,
        responses: &[Response],
    ) -> (Vec<RemoteItem>, Vec<String>, Vec<String>) {
        let mut items = Vec::new();
        let mut deleted = Vec::new();
        let mut without_data = Vec::new();
        for r in responses {
            let Some(name) = member_name(collection, &r.href) else {
                continue; // the collection itself, or outside it
            };
            if matches!(r.status, Some(404) | Some(410)) {
                deleted.push(name);
                continue;
            }
            match r.prop(CALDAV, "calendar-data") {
                Some(data) if !data.text.trim().is_empty() => items.push(RemoteItem {
                    id: name,
                    etag: version_of(r),
                    body: crlf(&data.text),
                }),
                _ => without_data.push(name),
            }
        }
        (items, deleted, without_data)
    }
}

fn parse_url(text: &str) -> ProviderResult<Url> {
    Url::parse(text).map_err(|e| {
        ProviderError::new(
            ProviderErrorKind::InvalidConfig,
            format!("{text:?} is not a URL ({e})"),
        )
    })
}

/// A calendar id as its collection URL (always ending in `/`).
fn collection_url(calendar: &str) -> ProviderResult<Url> {
    let mut url = parse_url(calendar)?;
    if !url.path().ends_with('/') {
        let p = format!("{}/", url.path());
        url.set_path(&p);
    }
    Ok(url)
}

/// The member name `href` names in `collection`, percent-decoded; `None` for the
/// collection itself or anything outside it.
pub fn member_name(collection: &Url, href: &str) -> Option<String> {
    let url = collection.join(href).ok()?;
    if url.origin() != collection.origin() {
        return None;
    }
    let base = decode(collection.path());
    let path = decode(url.path());
    let rest = path.strip_prefix(base.trim_end_matches('/'))?;
    let rest = rest.strip_prefix('/')?;
    let rest = rest.trim_end_matches('/');
    (!rest.is_empty() && !rest.contains('/')).then(|| rest.to_string())
}

fn decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A member name as one path segment (RFC 3986 unreserved and `@` kept).
fn encode_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'@') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Text with every line ending as CRLF.
fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 40);
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\r', '\n']);
        out.push_str(body);
        if line.ends_with('\n') {
            out.push_str("\r\n");
        }
    }
    let trimmed_len = out.trim_end().len();
    out.truncate(trimmed_len);
    out.push_str("\r\n");
    out
}

/// The version string of a member: its etag.
fn version_of(r: &Response) -> Option<String> {
    r.prop_text(DAV, "getetag").map(str::to_string)
}

fn token_of(since: Option<&ChangeToken>) -> ProviderResult<String> {
    match since {
        None => Ok(String::new()),
        Some(t) => t
            .as_str()
            .strip_prefix(TOKEN_PREFIX)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or_else(|| {
                ProviderError::new(
                    ProviderErrorKind::ChangeTokenInvalid,
                    "the stored change token is not a CalDAV sync token",
                )
            }),
    }
}

/// A `calendar-query` for the etag of every VEVENT object (RFC 4791 7.8): the etag
/// listing, without bodies, that a reconciliation compares (tasks are left out as
/// discovery leaves out task-only collections).
const ETAG_LISTING_BODY: &str = r#"<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/></c:comp-filter></c:filter></c:calendar-query>"#;

fn sync_collection_body(token: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:" xmlns:c="{CALDAV}"><d:sync-token>{}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/><c:calendar-data/></d:prop></d:sync-collection>"#,
        xml::escape(token)
    )
}

impl CalDavProvider {
    /// [`CalendarProvider::changes`] by `sync-collection` (RFC 6578).
    async fn changes_by_sync(
        &self,
        calendar: &str,
        collection: &Url,
        since: Option<&ChangeToken>,
    ) -> ProviderResult<Changes> {
        let collection = collection.clone();
        let first = token_of(since)?;
        let wrote = self.take_written(calendar);
        let mut token = first.clone();
        let mut by_name: std::collections::BTreeMap<String, Option<RemoteItem>> =
            std::collections::BTreeMap::new();
        let mut without_data: Vec<String> = Vec::new();
        let mut rounds = 0;
        loop {
            rounds += 1;
            let ms = self
                .client()
                .report(&collection, "0", &sync_collection_body(&token))
                .await?;
            let truncated = ms
                .responses
                .iter()
                .any(|r| r.status == Some(507) && member_name(&collection, &r.href).is_none());
            let (items, deleted, missing_data) = self.read_members(&collection, &ms.responses);
            for name in deleted {
                by_name.insert(name, None);
            }
            for item in items {
                by_name.insert(item.id.clone(), Some(item));
            }
            without_data.extend(missing_data);
            let Some(next) = ms.sync_token else {
                return Err(ProviderError::new(
                    ProviderErrorKind::InvalidData,
                    format!(
                        "{} answered sync-collection without a sync token",
                        shown(&collection)
                    ),
                ));
            };
            token = next;
            if !truncated {
                break;
            }
            if rounds >= MAX_SYNC_ROUNDS {
                return Err(ProviderError::new(
                    ProviderErrorKind::ServerError,
                    format!(
                        "{} kept truncating its changes after {MAX_SYNC_ROUNDS} rounds",
                        shown(&collection)
                    ),
                ));
            }
        }
        // Members listed without their data come by multiget.
        without_data.retain(|n| !matches!(by_name.get(n), Some(Some(_))));
        if !without_data.is_empty() {
            let fetched = self.fetch_items(calendar, &without_data).await?;
            for item in fetched.items {
                by_name.insert(item.id.clone(), Some(item));
            }
            for name in fetched.missing {
                by_name.insert(name, None);
            }
        }
        let next_token = ChangeToken::new(format!("{TOKEN_PREFIX}{token}"));
        if since.is_none() {
            return Ok(Changes::Snapshot {
                items: by_name.into_values().flatten().collect(),
                next_token,
            });
        }
        if by_name.is_empty() {
            if wrote && token == first {
                // A token echoed after we wrote: the server did not issue it (see the
                // module docs); list everything.
                return Err(ProviderError::new(
                    ProviderErrorKind::ChangeTokenInvalid,
                    "the server answered with the same sync token after a change",
                ));
            }
            return Ok(Changes::NotModified { next_token });
        }
        let mut changed = Vec::new();
        let mut deleted = Vec::new();
        for (name, item) in by_name {
            match item {
                Some(i) => changed.push(i),
                None => deleted.push(name),
            }
        }
        Ok(Changes::Delta {
            changed,
            deleted,
            next_token,
        })
    }
}

impl CalendarProvider for CalDavProvider {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            read_only: false,
            change_detection: &[ChangeDetection::Delta, ChangeDetection::Listing],
        }
    }

    async fn calendars(&self) -> ProviderResult<Vec<RemoteCalendar>> {
        let mut out = Vec::new();
        for home in &self.inner.homes {
            for c in discovery::calendars_in(self.client(), home).await? {
                out.push(RemoteCalendar {
                    id: c.url,
                    name: c.name,
                    read_only: c.read_only,
                });
            }
        }
        Ok(out)
    }

    async fn changes(
        &self,
        calendar: &str,
        since: Option<&ChangeToken>,
    ) -> ProviderResult<Changes> {
        let collection = collection_url(calendar)?;
        let by_ctag = match since {
            Some(t) => t.as_str().starts_with(ctag::CTAG_PREFIX),
            None => self
                .inner
                .ctag_only
                .load(std::sync::atomic::Ordering::Relaxed),
        };
        if by_ctag {
            self.take_written(calendar);
            return self
                .changes_by_ctag(calendar, &collection, since, None)
                .await;
        }
        match self.changes_by_sync(calendar, &collection, since).await {
            // A first listing refused by a collection without `sync-collection` (no
            // `DAV:sync-token`: RFC 6578 section 4): read by `getctag` instead. Asked
            // only after a refusal, so a server with it pays no extra request.
            Err(e) if since.is_none() && !e.kind().is_transient() => {
                match self.collection_state(&collection).await {
                    Ok(state) if !state.sync_collection => {
                        self.changes_by_ctag(calendar, &collection, None, Some(state))
                            .await
                    }
                    _ => Err(e),
                }
            }
            other => other,
        }
    }

    async fn versions(&self, calendar: &str) -> ProviderResult<Vec<ItemVersion>> {
        let collection = collection_url(calendar)?;
        let ms = self
            .client()
            .report(&collection, "1", ETAG_LISTING_BODY)
            .await?;
        // A listing the server cut short (507 on the collection itself) is not the
        // calendar: what it leaves out would be taken as deleted.
        if ms
            .responses
            .iter()
            .any(|r| r.status == Some(507) && member_name(&collection, &r.href).is_none())
        {
            return Err(ProviderError::new(
                ProviderErrorKind::ServerError,
                format!("{} cut its listing short", shown(&collection)),
            ));
        }
        Ok(ms
            .responses
            .iter()
            .filter(|r| !matches!(r.status, Some(404) | Some(410)))
            .filter_map(|r| {
                member_name(&collection, &r.href).map(|id| ItemVersion {
                    id,
                    etag: version_of(r),
                })
            })
            .collect())
    }

    async fn fetch_items(&self, calendar: &str, ids: &[String]) -> ProviderResult<FetchedItems> {
        let collection = collection_url(calendar)?;
        let mut found: std::collections::HashMap<String, RemoteItem> =
            std::collections::HashMap::new();
        let mut missing: HashSet<String> = HashSet::new();
        for batch in ids.chunks(MULTIGET_BATCH) {
            let mut body = format!(
                r#"<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget xmlns:d="DAV:" xmlns:c="{CALDAV}"><d:prop><d:getetag/><c:calendar-data/></d:prop>"#
            );
            for id in batch {
                let url = self.item_url(calendar, id)?;
                body.push_str("<d:href>");
                body.push_str(&xml::escape(url.path()));
                body.push_str("</d:href>");
            }
            body.push_str("</c:calendar-multiget>");
            let ms = self.client().report(&collection, "1", &body).await?;
            // Only a 404/410 is gone. A name answered without its data (a per-item
            // error) is asked once more on its own below: taken as missing, a
            // listing's reconciliation would delete an event the server still has.
            let (items, gone, _without_data) = self.read_members(&collection, &ms.responses);
            missing.extend(gone);
            for item in items {
                found.insert(item.id.clone(), item);
            }
        }
        // A name the answer did not mention at all: asked once more on its own.
        let mut items = Vec::new();
        let mut gone = Vec::new();
        for id in ids {
            if let Some(item) = found.remove(id) {
                items.push(item);
            } else if missing.contains(id) {
                gone.push(id.clone());
            } else {
                match self.get_one(calendar, id).await? {
                    Some(item) => items.push(item),
                    None => gone.push(id.clone()),
                }
            }
        }
        Ok(FetchedItems {
            items,
            missing: gone,
        })
    }

    async fn put_item(
        &self,
        calendar: &str,
        id: &str,
        body: &str,
        precondition: &WritePrecondition,
    ) -> ProviderResult<Written> {
        let url = self.item_url(calendar, id)?;
        let condition = match precondition {
            WritePrecondition::CreateOnly => ("If-None-Match", "*".to_string()),
            WritePrecondition::IfMatch(etag) => ("If-Match", etag.clone()),
        };
        let answer = self
            .client()
            .send(
                "PUT",
                &url,
                &[
                    condition,
                    ("Content-Type", "text/calendar; charset=utf-8".into()),
                ],
                Some(body),
            )
            .await?;
        self.note_written(calendar);
        match answer.status.as_u16() {
            200 | 201 | 204 => Ok(Written {
                id: id.to_string(),
                etag: answer.header("etag").map(str::to_string),
            }),
            _ => {
                let e = match precondition {
                    WritePrecondition::CreateOnly => classify(&answer, "PUT"),
                    WritePrecondition::IfMatch(_) => classify_update(&answer),
                }
                .with_item(id);
                // The existing item by its name in this calendar, when it is in it.
                let named = e
                    .existing()
                    .and_then(|href| member_name(&collection_url(calendar).ok()?, href));
                // An item outside this calendar is not one to fetch here.
                Err(match named {
                    Some(name) => e.with_existing(name),
                    None => e.without_existing(),
                })
            }
        }
    }

    async fn delete_item(&self, calendar: &str, id: &str, if_match: &str) -> ProviderResult<()> {
        // An empty `If-Match` is no condition a server must honour: never sent.
        if if_match.trim().is_empty() {
            return Err(ProviderError::new(
                ProviderErrorKind::PreconditionFailed,
                format!("no version of {id} is known here to delete"),
            )
            .with_item(id));
        }
        let url = self.item_url(calendar, id)?;
        let answer = self
            .client()
            .send("DELETE", &url, &[("If-Match", if_match.to_string())], None)
            .await?;
        self.note_written(calendar);
        match answer.status.as_u16() {
            200 | 202 | 204 => Ok(()),
            _ => Err(classify(&answer, "DELETE").with_item(id)),
        }
    }
}

impl CalDavProvider {
    /// One item by plain `GET`: `None` when the server does not have it.
    async fn get_one(&self, calendar: &str, id: &str) -> ProviderResult<Option<RemoteItem>> {
        let url = self.item_url(calendar, id)?;
        let answer = self.client().send("GET", &url, &[], None).await?;
        match answer.status.as_u16() {
            200 => Ok(Some(RemoteItem {
                id: id.to_string(),
                etag: answer.header("etag").map(str::to_string),
                body: crlf(&answer.body),
            })),
            404 | 410 => Ok(None),
            _ => Err(classify(&answer, "GET").with_item(id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_are_decoded_and_stay_in_their_collection() {
        let c = Url::parse("http://h:1/dav/alice/cal%20one/").unwrap();
        assert_eq!(
            member_name(&c, "/dav/alice/cal%20one/a%40b.ics").as_deref(),
            Some("a@b.ics")
        );
        assert_eq!(
            member_name(&c, "http://h:1/dav/alice/cal one/x.ics").as_deref(),
            Some("x.ics")
        );
        assert_eq!(member_name(&c, "/dav/alice/cal%20one/"), None, "itself");
        assert_eq!(member_name(&c, "/dav/alice/other/x.ics"), None);
        assert_eq!(
            member_name(&c, "http://evil:1/dav/alice/cal%20one/x.ics"),
            None
        );
        assert_eq!(member_name(&c, "/dav/alice/cal%20one/sub/x.ics"), None);
    }

    #[test]
    fn names_round_trip_through_urls() {
        let c = Url::parse("http://h:1/cal/").unwrap();
        for name in ["a@b.ics", "with space.ics", "ümlaut.ics", "50%.ics"] {
            let url = c.join(&encode_segment(name)).unwrap();
            assert_eq!(member_name(&c, url.as_str()).as_deref(), Some(name));
        }
    }

    #[test]
    fn bodies_get_crlf_line_ends() {
        assert_eq!(crlf("A\nB\r\nC"), "A\r\nB\r\nC\r\n");
        assert_eq!(crlf("A\r\nB\r\n\n"), "A\r\nB\r\n");
    }

    #[test]
    fn tokens_are_ours_or_invalid() {
        assert_eq!(token_of(None).unwrap(), "");
        let t = ChangeToken::new(format!("{TOKEN_PREFIX}http://x/sync/3"));
        assert_eq!(token_of(Some(&t)).unwrap(), "http://x/sync/3");
        let e = token_of(Some(&ChangeToken::new("memory:7"))).unwrap_err();
        assert_eq!(e.kind(), ProviderErrorKind::ChangeTokenInvalid);
    }
}
