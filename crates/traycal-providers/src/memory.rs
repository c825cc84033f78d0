//! An in-memory two-way calendar server behind the provider port: sync logic tested
//! without credentials or a network.
//!
//! [`MemoryProvider`] is a cheap, clonable handle to one shared server. The engine
//! gets one clone and uses it through [`CalendarProvider`]; the test keeps another
//! and changes the server behind the engine's back
//! ([`MemoryProvider::put_behind_engine`], [`MemoryProvider::delete_behind_engine`]),
//! loses every change token ([`MemoryProvider::drop_change_tokens`]), answers every
//! token with "no changes" ([`MemoryProvider::answer_tokens_blindly`]), makes calls
//! fail ([`MemoryProvider::fail_next`], [`MemoryProvider::fail_next_on`]) or slow
//! ([`MemoryProvider::set_delay`]), and counts what was asked
//! ([`MemoryProvider::calls`]).
//!
//! A server can also outlive its process ([`MemoryProvider::open_file`]): every change
//! is written to a file before the call returns, as a real server commits before it
//! answers. Tests that kill the client in the middle of a sync use it.
//!
//! It behaves like a careful CalDAV server: multiple calendars, some read-only; a new
//! etag on every write; writes and deletes only under a precondition; one object per
//! UID in a calendar (a creation of a UID held elsewhere is `UidInUse`); change tokens
//! that yield deltas (changed and deleted ids since the token) and expire on demand.
//! See `memory/collection.rs` for the rules of one calendar.
//!
//! Invariants:
//! - Port calls are counted and checked against armed failures before anything else
//!   (an injected failure changes nothing on the server), then wait out the delay,
//!   then run atomically under the lock. The lock is never held across an `.await`.
//! - Changes made behind the engine's back ignore faults, the delay, the counters and
//!   the read-only flag: they are the server's own doing.
//! - A panic while the lock is held cannot leave a half-applied change (no operation
//!   panics between its first and last mutation), so a poisoned lock is taken over
//!   rather than turned into an error for every later call.

mod collection;
mod faults;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use collection::Collection;
use faults::Faults;

use crate::port::{
    CalendarProvider, Capabilities, ChangeDetection, ChangeToken, Changes, FetchedItems,
    ItemVersion, Operation, ProviderError, ProviderErrorKind, ProviderResult, RemoteCalendar,
    RemoteItem, WritePrecondition, Written,
};

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Server {
    calendars: BTreeMap<String, Collection>,
    /// Misbehaviour belongs to one process's test, not to the server's contents.
    #[serde(skip)]
    faults: Faults,
    /// Source of etags and token epochs: never repeats within a server.
    counter: u64,
    /// Where every change is committed, for a server that outlives its process.
    #[serde(skip)]
    file: Option<PathBuf>,
}

impl Server {
    fn next(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    fn next_etag(&mut self) -> String {
        format!("\"{}\"", self.next())
    }

    /// Writes the contents to the server's file, if it has one: to a new file
    /// first, then renamed over the old, so a kill at any moment leaves the old
    /// contents or the new, never half of them.
    fn commit(&self) -> ProviderResult<()> {
        let Some(path) = &self.file else {
            return Ok(());
        };
        let failed = |e: &dyn std::fmt::Display| {
            ProviderError::from_kind(ProviderErrorKind::ServerError)
                .with_detail(format!("the server could not save {}: {e}", path.display()))
        };
        let json = serde_json::to_string(self).map_err(|e| failed(&e))?;
        let mut next = path.clone().into_os_string();
        next.push(".next");
        let next = PathBuf::from(next);
        std::fs::write(&next, json).map_err(|e| failed(&e))?;
        std::fs::rename(&next, path).map_err(|e| failed(&e))
    }

    fn calendar(&self, id: &str) -> ProviderResult<&Collection> {
        self.calendars.get(id).ok_or_else(|| no_calendar(id))
    }

    fn calendar_mut(&mut self, id: &str) -> ProviderResult<&mut Collection> {
        self.calendars.get_mut(id).ok_or_else(|| no_calendar(id))
    }

    /// The calendar `id`, if the engine may write to it.
    fn writable(&mut self, id: &str, item: &str) -> ProviderResult<&mut Collection> {
        let calendar = self.calendar_mut(id)?;
        if calendar.read_only {
            return Err(ProviderError::from_kind(ProviderErrorKind::ReadOnly)
                .with_detail(format!("calendar {id} is read-only"))
                .with_item(item));
        }
        Ok(calendar)
    }
}

fn no_calendar(id: &str) -> ProviderError {
    ProviderError::from_kind(ProviderErrorKind::NotFound).with_detail(format!("no calendar {id:?}"))
}

/// A handle to one in-memory server; clones share it. See the module docs.
#[derive(Clone, Debug, Default)]
pub struct MemoryProvider {
    server: Arc<Mutex<Server>>,
}

impl MemoryProvider {
    /// An empty server: no calendars, no faults, no delay.
    pub fn new() -> MemoryProvider {
        MemoryProvider::default()
    }

    /// A server kept in `path`: its contents are read from the file when it exists,
    /// and every change from now on is written to it before the call that made it
    /// returns (see [`MemoryProvider::save`] for the set-up done before that).
    /// Faults, the delay and the call counts are not kept.
    pub fn open_file(path: &Path) -> ProviderResult<MemoryProvider> {
        let unreadable = |e: &dyn std::fmt::Display| {
            ProviderError::from_kind(ProviderErrorKind::InvalidData)
                .with_detail(format!("the server's file {}: {e}", path.display()))
        };
        let mut server: Server = match std::fs::read_to_string(path) {
            Ok(json) => serde_json::from_str(&json).map_err(|e| unreadable(&e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Server::default(),
            Err(e) => return Err(unreadable(&e)),
        };
        server.file = Some(path.to_path_buf());
        Ok(MemoryProvider {
            server: Arc::new(Mutex::new(server)),
        })
    }

    /// Writes the contents to the server's file now: the set-up calls (adding a
    /// calendar, making one read-only, dropping the tokens) do not write on their own.
    /// Nothing to do for a server without a file.
    pub fn save(&self) -> ProviderResult<()> {
        self.lock().commit()
    }

    fn lock(&self) -> MutexGuard<'_, Server> {
        // See the module docs: no state is ever half-changed.
        self.server.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a writable calendar; `false` (and nothing changes) if `id` exists.
    pub fn add_calendar(&self, id: &str, name: &str) -> bool {
        self.insert_calendar(id, name, false)
    }

    /// Adds a calendar the engine may read but not write; `false` if `id` exists.
    pub fn add_read_only_calendar(&self, id: &str, name: &str) -> bool {
        self.insert_calendar(id, name, true)
    }

    fn insert_calendar(&self, id: &str, name: &str, read_only: bool) -> bool {
        let mut server = self.lock();
        if server.calendars.contains_key(id) {
            return false;
        }
        let epoch = server.next();
        server.calendars.insert(
            id.to_string(),
            Collection::new(name.to_string(), read_only, epoch),
        );
        true
    }

    /// Makes a calendar read-only or writable again.
    pub fn set_read_only(&self, calendar: &str, read_only: bool) -> ProviderResult<()> {
        self.lock().calendar_mut(calendar)?.read_only = read_only;
        Ok(())
    }

    /// The server creates or replaces an item on its own; returns the new etag.
    pub fn put_behind_engine(
        &self,
        calendar: &str,
        id: &str,
        body: &str,
    ) -> ProviderResult<String> {
        let mut server = self.lock();
        let etag = server.next_etag();
        server.calendar_mut(calendar)?.store(id, body, etag.clone());
        server.commit()?;
        Ok(etag)
    }

    /// The server deletes an item on its own; [`ProviderErrorKind::NotFound`] if it
    /// has no such item.
    pub fn delete_behind_engine(&self, calendar: &str, id: &str) -> ProviderResult<()> {
        let mut server = self.lock();
        if server.calendar_mut(calendar)?.remove(id) {
            server.commit()
        } else {
            Err(ProviderError::from_kind(ProviderErrorKind::NotFound).with_item(id))
        }
    }

    /// Every change token issued so far, of every calendar, answers
    /// [`ProviderErrorKind::ChangeTokenInvalid`] from now on (a server that expired
    /// them); a listing without a token issues new ones.
    pub fn drop_change_tokens(&self) {
        let mut server = self.lock();
        let ids: Vec<String> = server.calendars.keys().cloned().collect();
        for id in ids {
            let epoch = server.next();
            if let Some(calendar) = server.calendars.get_mut(&id) {
                calendar.drop_tokens(epoch);
            }
        }
    }

    /// From now on (`true`) every change token is answered with "no changes", as
    /// sabre/dav answers a token from the future: changes reach the engine only
    /// through a full listing ([`CalendarProvider::versions`]).
    pub fn answer_tokens_blindly(&self, blind: bool) {
        self.lock().faults.blind_tokens = blind;
    }

    /// From now on (`true`) a calendar that changed since a token is answered with a
    /// [`Changes::Listing`] of every item's etag, as a CalDAV server without
    /// `sync-collection` is read (its `getctag` says whether anything changed).
    pub fn answer_with_listings(&self, listings: bool) {
        self.lock().faults.listings = listings;
    }

    /// The next `calls` port calls, whatever the operation, fail with `kind`.
    pub fn fail_next(&self, calls: usize, kind: ProviderErrorKind) {
        self.lock().faults.arm(None, calls, kind);
    }

    /// The next `calls` calls of `operation` fail with `kind`; other operations are
    /// not affected.
    pub fn fail_next_on(&self, operation: Operation, calls: usize, kind: ProviderErrorKind) {
        self.lock().faults.arm(Some(operation), calls, kind);
    }

    /// Forgets every armed failure.
    pub fn clear_failures(&self) {
        self.lock().faults.disarm();
    }

    /// Every port call waits this long before it runs (zero: no wait).
    pub fn set_delay(&self, delay: Duration) {
        self.lock().faults.delay = delay;
    }

    /// How many calls of `operation` arrived (failed ones included).
    pub fn calls(&self, operation: Operation) -> usize {
        self.lock().faults.calls(operation)
    }

    /// How many port calls arrived in all.
    pub fn total_calls(&self) -> usize {
        self.lock().faults.total_calls()
    }

    pub fn reset_calls(&self) {
        self.lock().faults.reset_calls();
    }

    /// The server's current version of an item (no call is counted).
    pub fn item(&self, calendar: &str, id: &str) -> Option<RemoteItem> {
        self.lock().calendars.get(calendar)?.item(id)
    }

    /// Every item of a calendar, by id (no call is counted); empty for an unknown
    /// calendar.
    pub fn items(&self, calendar: &str) -> Vec<RemoteItem> {
        self.lock()
            .calendars
            .get(calendar)
            .map(Collection::items)
            .unwrap_or_default()
    }

    /// Counts the call, applies an armed failure, then waits out the delay.
    async fn enter(&self, operation: Operation) -> ProviderResult<()> {
        let (delay, failure) = {
            let mut server = self.lock();
            let failure = server.faults.on_call(operation);
            (server.faults.delay, failure)
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        match failure {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }
}

/// Every item of a calendar as its id and etag.
fn versions_of(collection: &Collection) -> Vec<ItemVersion> {
    collection
        .items()
        .into_iter()
        .map(|i| ItemVersion {
            id: i.id,
            etag: i.etag,
        })
        .collect()
}

impl CalendarProvider for MemoryProvider {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            read_only: false,
            change_detection: &[ChangeDetection::Delta],
        }
    }

    async fn calendars(&self) -> ProviderResult<Vec<RemoteCalendar>> {
        self.enter(Operation::Calendars).await?;
        Ok(self
            .lock()
            .calendars
            .iter()
            .map(|(id, c)| RemoteCalendar {
                id: id.clone(),
                name: c.name.clone(),
                read_only: c.read_only,
            })
            .collect())
    }

    async fn changes(
        &self,
        calendar: &str,
        since: Option<&ChangeToken>,
    ) -> ProviderResult<Changes> {
        self.enter(Operation::Changes).await?;
        let server = self.lock();
        let collection = server.calendar(calendar)?;
        match since {
            None => Ok(collection.snapshot()),
            Some(token) if server.faults.blind_tokens => Ok(Changes::NotModified {
                next_token: token.clone(),
            }),
            Some(token) if server.faults.listings => match collection.changes_since(token)? {
                Changes::NotModified { next_token } => Ok(Changes::NotModified { next_token }),
                other => Ok(Changes::Listing {
                    versions: versions_of(collection),
                    next_token: other.next_token().clone(),
                }),
            },
            Some(token) => collection.changes_since(token),
        }
    }

    async fn versions(&self, calendar: &str) -> ProviderResult<Vec<ItemVersion>> {
        self.enter(Operation::Versions).await?;
        let server = self.lock();
        Ok(versions_of(server.calendar(calendar)?))
    }

    async fn fetch_items(&self, calendar: &str, ids: &[String]) -> ProviderResult<FetchedItems> {
        self.enter(Operation::FetchItems).await?;
        let server = self.lock();
        let collection = server.calendar(calendar)?;
        let mut fetched = FetchedItems::default();
        for id in ids {
            match collection.item(id) {
                Some(item) => fetched.items.push(item),
                None => fetched.missing.push(id.clone()),
            }
        }
        Ok(fetched)
    }

    async fn put_item(
        &self,
        calendar: &str,
        id: &str,
        body: &str,
        precondition: &WritePrecondition,
    ) -> ProviderResult<Written> {
        self.enter(Operation::PutItem).await?;
        let mut server = self.lock();
        let etag = server.next_etag();
        let written = server
            .writable(calendar, id)?
            .put(id, body, precondition, etag)?;
        server.commit()?;
        Ok(written)
    }

    async fn delete_item(&self, calendar: &str, id: &str, if_match: &str) -> ProviderResult<()> {
        self.enter(Operation::DeleteItem).await?;
        let mut server = self.lock();
        server.writable(calendar, id)?.delete(id, if_match)?;
        server.commit()
    }
}
