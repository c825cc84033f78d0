//! [`AnyProvider`]: every provider kind in one type, for code that holds "some
//! provider" (the engine's sources) where the port's `impl Future` methods rule out
//! `dyn CalendarProvider`. It implements the port by dispatch and adds nothing.
//!
//! Adding a provider (CalDAV, Google, Graph) is a new variant here; every `match`
//! below then fails to compile until it is dispatched.

use crate::caldav::CalDavProvider;
use crate::feed_provider::IcsFeedProvider;
use crate::memory::MemoryProvider;
use crate::port::{
    CalendarProvider, Capabilities, ChangeToken, Changes, FetchedItems, ItemVersion,
    ProviderResult, RemoteCalendar, WritePrecondition, Written,
};

/// One provider of any kind.
#[derive(Clone, Debug)]
pub enum AnyProvider {
    /// A read-only ICS subscription.
    IcsFeed(IcsFeedProvider),
    /// The in-memory two-way server (tests, demos).
    Memory(MemoryProvider),
    /// A CalDAV account.
    CalDav(CalDavProvider),
}

impl From<CalDavProvider> for AnyProvider {
    fn from(provider: CalDavProvider) -> AnyProvider {
        AnyProvider::CalDav(provider)
    }
}

impl From<IcsFeedProvider> for AnyProvider {
    fn from(provider: IcsFeedProvider) -> AnyProvider {
        AnyProvider::IcsFeed(provider)
    }
}

impl From<MemoryProvider> for AnyProvider {
    fn from(provider: MemoryProvider) -> AnyProvider {
        AnyProvider::Memory(provider)
    }
}

impl CalendarProvider for AnyProvider {
    fn capabilities(&self) -> Capabilities {
        match self {
            AnyProvider::IcsFeed(p) => p.capabilities(),
            AnyProvider::Memory(p) => p.capabilities(),
            AnyProvider::CalDav(p) => p.capabilities(),
        }
    }

    async fn calendars(&self) -> ProviderResult<Vec<RemoteCalendar>> {
        match self {
            AnyProvider::IcsFeed(p) => p.calendars().await,
            AnyProvider::Memory(p) => p.calendars().await,
            AnyProvider::CalDav(p) => p.calendars().await,
        }
    }

    async fn changes(
        &self,
        calendar: &str,
        since: Option<&ChangeToken>,
    ) -> ProviderResult<Changes> {
        match self {
            AnyProvider::IcsFeed(p) => p.changes(calendar, since).await,
            AnyProvider::Memory(p) => p.changes(calendar, since).await,
            AnyProvider::CalDav(p) => p.changes(calendar, since).await,
        }
    }

    async fn versions(&self, calendar: &str) -> ProviderResult<Vec<ItemVersion>> {
        match self {
            AnyProvider::IcsFeed(p) => p.versions(calendar).await,
            AnyProvider::Memory(p) => p.versions(calendar).await,
            AnyProvider::CalDav(p) => p.versions(calendar).await,
        }
    }

    async fn fetch_items(&self, calendar: &str, ids: &[String]) -> ProviderResult<FetchedItems> {
        match self {
            AnyProvider::IcsFeed(p) => p.fetch_items(calendar, ids).await,
            AnyProvider::Memory(p) => p.fetch_items(calendar, ids).await,
            AnyProvider::CalDav(p) => p.fetch_items(calendar, ids).await,
        }
    }

    async fn put_item(
        &self,
        calendar: &str,
        id: &str,
        body: &str,
        precondition: &WritePrecondition,
    ) -> ProviderResult<Written> {
        match self {
            AnyProvider::IcsFeed(p) => p.put_item(calendar, id, body, precondition).await,
            AnyProvider::Memory(p) => p.put_item(calendar, id, body, precondition).await,
            AnyProvider::CalDav(p) => p.put_item(calendar, id, body, precondition).await,
        }
    }

    async fn delete_item(&self, calendar: &str, id: &str, if_match: &str) -> ProviderResult<()> {
        match self {
            AnyProvider::IcsFeed(p) => p.delete_item(calendar, id, if_match).await,
            AnyProvider::Memory(p) => p.delete_item(calendar, id, if_match).await,
            AnyProvider::CalDav(p) => p.delete_item(calendar, id, if_match).await,
        }
    }
}
