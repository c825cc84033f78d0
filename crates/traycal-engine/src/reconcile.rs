//! The daily full listing of an account's calendar: every item's etag from the
//! server ([`CalendarProvider::versions`]) compared with the mirror, which catches
//! what a change token missed. Some servers answer a token they do not know (one from
//! the future, after a restore) with "no changes" (sabre/dav, Nextcloud's engine), so
//! a token alone could miss edits and deletions for good.
//!
//! What the listing finds is folded into the sync's pull as a delta: items new or
//! with another etag are fetched (a multiget) and reported changed; items the mirror
//! holds under a server id that the listing does not name are reported deleted. The
//! plan then treats them as any delta: pending local edits rebase or conflict, and the
//! deletion guard holds a listing that would delete most of the calendar.
//!
//! Invariants: a calendar is listed when it never was or when its last listing is a
//! day old ([`LISTING_INTERVAL`]), never when the pull already was a full snapshot;
//! `listed_at` is stored only once the sync that used the listing has applied it.

use foldhash::{HashMap, HashSet};

use traycal_providers::{CalendarProvider, ItemVersion, RemoteItem};
use traycal_store::{CalendarRow, RemoteObject};

use crate::error::Result;

/// How often an account's calendar is listed in full.
pub const LISTING_INTERVAL: i64 = 24 * 60 * 60;

/// Whether `row`'s calendar is due for a full listing at `now`.
pub fn listing_due(row: &CalendarRow, now: i64) -> bool {
    row.listed_at
        .is_none_or(|at| now.saturating_sub(at) >= LISTING_INTERVAL || at > now)
}

/// What a listing adds to a delta pull.
#[derive(Debug, Default)]
pub struct Listed {
    /// Items the token did not report but whose etag differs from the mirror's (or
    /// that the mirror does not hold), fetched whole.
    pub changed: Vec<RemoteItem>,
    /// Server ids the mirror holds that the server no longer lists.
    pub deleted: Vec<String>,
}

/// Lists `calendar` and compares it with `objects`, leaving out what the pull already
/// reported (`reported_changed`, `reported_deleted`).
pub async fn list_and_compare<P: CalendarProvider>(
    provider: &P,
    calendar: &str,
    objects: &[RemoteObject],
    reported_changed: &HashSet<&str>,
    reported_deleted: &HashSet<&str>,
) -> Result<Listed> {
    let listing = provider.versions(calendar).await?;
    compare(
        provider,
        calendar,
        objects,
        &listing,
        reported_changed,
        reported_deleted,
    )
    .await
}

/// Compares a full `listing` of `calendar` with `objects` (see [`list_and_compare`]):
/// what differs is fetched, what the mirror holds and the listing does not name is
/// deleted. Also what a provider without change tokens answers ([`Changes::Listing`]).
///
/// [`Changes::Listing`]: traycal_providers::Changes::Listing
pub async fn compare<P: CalendarProvider>(
    provider: &P,
    calendar: &str,
    objects: &[RemoteObject],
    listing: &[ItemVersion],
    reported_changed: &HashSet<&str>,
    reported_deleted: &HashSet<&str>,
) -> Result<Listed> {
    let held: HashMap<&str, Option<&str>> = objects
        .iter()
        .filter_map(|o| Some((o.remote_id.as_deref()?, o.etag.as_deref())))
        .collect();
    let mut to_fetch: Vec<String> = Vec::new();
    let mut listed: HashSet<&str> = HashSet::default();
    for v in listing {
        listed.insert(v.id.as_str());
        if reported_changed.contains(v.id.as_str()) {
            continue;
        }
        let differs = match (held.get(v.id.as_str()), v.etag.as_deref()) {
            (Some(Some(ours)), Some(theirs)) => *ours != theirs,
            // New to the mirror, or an etag missing on either side: fetch to compare.
            _ => true,
        };
        if differs {
            to_fetch.push(v.id.clone());
        }
    }
    let mut out = Listed::default();
    for id in held.keys() {
        if !listed.contains(id) && !reported_deleted.contains(id) {
            out.deleted.push((*id).to_owned());
        }
    }
    if !to_fetch.is_empty() {
        let fetched = provider.fetch_items(calendar, &to_fetch).await?;
        out.changed = fetched.items;
        // Listed a moment ago, gone now: deleted meanwhile.
        out.deleted.extend(
            fetched
                .missing
                .into_iter()
                .filter(|id| held.contains_key(id.as_str())),
        );
    }
    out.deleted.sort();
    out.deleted.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(listed_at: Option<i64>) -> CalendarRow {
        CalendarRow {
            id: traycal_store::CalendarId(1),
            source_id: traycal_store::SourceId(1),
            remote_href: Some("c".into()),
            name: "c".into(),
            color: None,
            read_only: false,
            change_token: None,
            direction: traycal_store::SyncDirection::TwoWay,
            listed_at,
            hidden: false,
        }
    }

    #[test]
    fn a_calendar_is_listed_when_never_listed_or_a_day_ago() {
        let now = 1_800_000_000;
        assert!(listing_due(&row(None), now));
        assert!(!listing_due(&row(Some(now - 3600)), now));
        assert!(listing_due(&row(Some(now - LISTING_INTERVAL)), now));
        // A clock that went back: listed again rather than never.
        assert!(listing_due(&row(Some(now + 3600)), now));
    }
}
