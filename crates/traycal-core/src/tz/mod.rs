//! Time zones: what an iCalendar `TZID` means, and converting between local and UTC.
//!
//! A `TZID` in the wild is an IANA name (Google, Apple), a vendor-prefixed or quoted
//! IANA name (old Mozilla/Evolution/Citadel exports), a Windows zone id or an Outlook
//! display name (Outlook/Exchange), or a name only the file's own VTIMEZONE explains
//! (`Customized Time Zone`). [`ZoneResolver::resolve`] turns any of these into a
//! [`Zone`], trying in order:
//!
//! 1. **IANA** ([`iana_zone`]): exact name, then tolerant (whitespace and quotes
//!    stripped, the longest `/`-suffix that is an IANA name, ASCII case ignored).
//!    Legacy aliases (`US/Eastern`, `GMT`, `Etc/GMT+5`) are IANA links and resolve.
//! 2. **Windows** ([`windows_zone`]): the CLDR windowsZones table (territory "001"),
//!    case-insensitive, tolerating Outlook's numbered copies (`Eastern Standard
//!    Time 1`); then Outlook display names by their first place name.
//! 3. **VTIMEZONE**: the file's own definition with that TZID, as [`Zone::Custom`].
//! 4. **Display-name offset**: a display name whose places we do not know becomes a
//!    fixed-offset zone from its parentheses (`(UTC+05:30) …`), source `Windows`.
//! 5. **Fallback**: [`Zone::Utc`] with [`ZoneSource::Fallback`]; the caller records a
//!    diagnostic. UTC rather than floating, so an event keeps one instant everywhere;
//!    (python recurring-ical-events treats such times as floating instead).
//!
//! Conflicts: a TZID that is a known IANA or Windows name uses the IANA database even
//! when the file carries a VTIMEZONE for it (the database has the full history; the
//! embedded copy is often truncated or stale). This is what python icalendar does. Of
//! several VTIMEZONEs with one TZID, the first wins; a different later one is
//! reported as [`TzError::ConflictingDuplicate`]. A VTIMEZONE that cannot be used is
//! reported by [`ZoneResolver::add_vtimezone`] and never consulted.
//!
//! Local times follow RFC 5545 3.3.5: a time in a DST gap is moved forward by the gap
//! length (read with the offset before the change), an ambiguous time in an overlap
//! is the first occurrence (the earlier instant).
//!
//! Invariants: this module is pure (no I/O, no clock); resolving and building zones
//! is bounded in time for any input; [`Zone`] is cheap to clone (a `Copy` IANA id or
//! an `Arc`) and conversions do not allocate (except, for VTIMEZONE zones only, for
//! instants after the year 2101).

mod custom;
mod display_names;
mod windows_zones;

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use chrono::{LocalResult, NaiveDateTime, Offset, TimeDelta, TimeZone};
use chrono_tz::Tz;
use thiserror::Error;

use crate::ics::component::Component;

pub use custom::{CustomZone, FIRST_YEAR, LAST_YEAR};
pub use windows_zones::WINDOWS_ZONES;

/// Why a VTIMEZONE could not be used. The resolver keeps working without it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TzError {
    #[error("line {line}: VTIMEZONE without TZID")]
    MissingTzid { line: u32 },
    #[error(
        "line {line}: VTIMEZONE {tzid:?} has no observance with a usable DTSTART and TZOFFSETTO"
    )]
    NoObservances { tzid: String, line: u32 },
    #[error("line {line}: VTIMEZONE {tzid:?} has an unsupported RRULE {rule:?} (only FREQ=YEARLY with BYMONTH/BYDAY/BYMONTHDAY)")]
    UnsupportedRule {
        tzid: String,
        rule: String,
        line: u32,
    },
    #[error("line {line}: VTIMEZONE {tzid:?} is too large to evaluate")]
    TooComplex { tzid: String, line: u32 },
    #[error(
        "line {line}: second, different VTIMEZONE {tzid:?} ignored (the first definition is used)"
    )]
    ConflictingDuplicate { tzid: String, line: u32 },
}

/// A resolved time zone.
#[derive(Clone, Debug)]
pub enum Zone {
    Utc,
    Iana(Tz),
    Custom(Arc<CustomZone>),
}

impl Zone {
    /// `"UTC"`, the IANA name (`"Europe/Berlin"`), or the VTIMEZONE's TZID.
    pub fn name(&self) -> &str {
        match self {
            Zone::Utc => "UTC",
            Zone::Iana(tz) => tz.name(),
            Zone::Custom(c) => c.name(),
        }
    }

    /// The UTC instant of local wall time `local` (RFC 5545 3.3.5): a nonexistent
    /// time (DST gap) is shifted forward by the gap length; an ambiguous one (overlap)
    /// takes the first occurrence, i.e. the pre-transition offset.
    pub fn local_to_utc(&self, local: NaiveDateTime) -> NaiveDateTime {
        match self {
            Zone::Utc => local,
            Zone::Iana(tz) => iana_local_to_utc(*tz, local),
            Zone::Custom(c) => c.local_to_utc(local),
        }
    }

    /// The local wall time at the UTC instant `utc`.
    pub fn utc_to_local(&self, utc: NaiveDateTime) -> NaiveDateTime {
        match self {
            Zone::Utc => utc,
            Zone::Iana(tz) => tz.from_utc_datetime(&utc).naive_local(),
            Zone::Custom(c) => c.utc_to_local(utc),
        }
    }

    /// Offset in seconds east of UTC at the UTC instant `utc`.
    pub fn offset_at_utc(&self, utc: NaiveDateTime) -> i32 {
        match self {
            Zone::Utc => 0,
            Zone::Iana(tz) => iana_offset(*tz, utc),
            Zone::Custom(c) => c.offset_at_utc(utc),
        }
    }
}

fn iana_offset(tz: Tz, utc: NaiveDateTime) -> i32 {
    tz.offset_from_utc_datetime(&utc).fix().local_minus_utc()
}

fn iana_local_to_utc(tz: Tz, local: NaiveDateTime) -> NaiveDateTime {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.naive_utc(),
        LocalResult::Ambiguous(a, b) => a.naive_utc().min(b.naive_utc()),
        LocalResult::None => {
            // In a gap of a transition f -> t (f < t): reading the local time with one
            // of the two offsets lands on the other side, so two probes find both;
            // the smaller is the pre-transition offset, which shifts forward by the gap.
            let probe = |o: i32| iana_offset(tz, minus_secs(local, o));
            let o1 = probe(iana_offset(tz, local));
            let o2 = probe(o1);
            minus_secs(local, o1.min(o2))
        }
    }
}

fn minus_secs(t: NaiveDateTime, secs: i32) -> NaiveDateTime {
    t.checked_sub_signed(TimeDelta::seconds(i64::from(secs)))
        .unwrap_or(t)
}

/// Which rule of the resolution order produced a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneSource {
    Iana,
    /// A Windows zone id or an Outlook display name (including the fixed-offset last
    /// resort for display names).
    Windows,
    VTimezone,
    /// Nothing matched by name, but the file defines exactly one zone that is not
    /// UTC: Outlook writes `TZID=Customized Time Zone` while its VTIMEZONE carries
    /// another name. That zone is used (python icalendar does the same); the caller
    /// records a diagnostic.
    SoleVTimezone,
    /// Nothing matched; the zone is UTC and the caller should record a diagnostic.
    Fallback,
}

/// A zone together with how it was found.
#[derive(Clone, Debug)]
pub struct ResolvedZone {
    pub zone: Zone,
    pub source: ZoneSource,
}

/// Longest TZID we try to interpret; longer ones go straight to the fallback, which
/// keeps resolving bounded for hostile parameter values.
const MAX_TZID_LEN: usize = 256;

/// Resolves TZIDs of one calendar, knowing its VTIMEZONEs. Results are cached per
/// TZID string, so resolving the same TZID for every event is a hash lookup.
#[derive(Default)]
pub struct ZoneResolver {
    /// VTIMEZONE definitions by TZID as written (first wins).
    vtimezones: HashMap<String, Arc<CustomZone>>,
    /// The same, keyed by cleaned, ASCII-lower-cased TZID (first wins), so tolerant
    /// matching stays a hash lookup however many VTIMEZONEs a file has.
    vtimezones_folded: HashMap<String, Arc<CustomZone>>,
    cache: HashMap<String, ResolvedZone>,
}

impl ZoneResolver {
    pub fn new() -> Self {
        Self::default()
    }

    /// Register a VTIMEZONE. The first definition of a TZID wins; an identical
    /// repeat is accepted silently, a different one is `Err(ConflictingDuplicate)`.
    /// A broken definition returns `Err` and is not used (the TZID then resolves as
    /// if the file had no VTIMEZONE for it).
    pub fn add_vtimezone(&mut self, vtimezone: &Component<'_>) -> Result<(), TzError> {
        let zone = CustomZone::from_vtimezone(vtimezone)?;
        if let Some(existing) = self.vtimezones.get(zone.name()) {
            if **existing == zone {
                return Ok(());
            }
            return Err(TzError::ConflictingDuplicate {
                tzid: zone.name().chars().take(80).collect(),
                line: vtimezone.line,
            });
        }
        // A definition can change how a TZID resolves; cached answers may be stale.
        self.cache.clear();
        let zone = Arc::new(zone);
        self.vtimezones_folded
            .entry(clean_name(zone.name()).to_ascii_lowercase())
            .or_insert_with(|| Arc::clone(&zone));
        self.vtimezones.insert(zone.name().to_owned(), zone);
        Ok(())
    }

    /// Resolve a TZID parameter value. Never fails: see the module docs for the order
    /// and the fallback.
    pub fn resolve(&mut self, tzid: &str) -> ResolvedZone {
        if let Some(hit) = self.cache.get(tzid) {
            return hit.clone();
        }
        let resolved = self.resolve_uncached(tzid);
        self.cache.insert(tzid.to_owned(), resolved.clone());
        resolved
    }

    fn resolve_uncached(&self, tzid: &str) -> ResolvedZone {
        let fallback = ResolvedZone {
            zone: Zone::Utc,
            source: ZoneSource::Fallback,
        };
        if tzid.len() > MAX_TZID_LEN {
            return fallback;
        }
        if let Some(tz) = iana_zone(tzid) {
            return ResolvedZone {
                zone: iana_to_zone(tz),
                source: ZoneSource::Iana,
            };
        }
        let clean = clean_name(tzid);
        if let Some(tz) = windows_zone(clean) {
            return ResolvedZone {
                zone: iana_to_zone(tz),
                source: ZoneSource::Windows,
            };
        }
        let display = display_names::parse(clean);
        if let Some(tz) = display.as_ref().and_then(display_names::zone) {
            return ResolvedZone {
                zone: iana_to_zone(tz),
                source: ZoneSource::Windows,
            };
        }
        if let Some(custom) = self.vtimezone(tzid, clean) {
            return ResolvedZone {
                zone: Zone::Custom(custom),
                source: ZoneSource::VTimezone,
            };
        }
        if let Some(d) = display {
            let zone = if d.offset == 0 {
                Zone::Utc
            } else {
                Zone::Custom(Arc::new(CustomZone::fixed(clean, d.offset)))
            };
            return ResolvedZone {
                zone,
                source: ZoneSource::Windows,
            };
        }
        let mut non_utc = self
            .vtimezones
            .values()
            .filter(|z| z.transition_count() > 0 || z.offset_at_utc(NaiveDateTime::MIN) != 0);
        if let (Some(only), None) = (non_utc.next(), non_utc.next()) {
            return ResolvedZone {
                zone: Zone::Custom(Arc::clone(only)),
                source: ZoneSource::SoleVTimezone,
            };
        }
        fallback
    }

    /// The VTIMEZONE for a TZID: exact, then as cleaned, then ignoring ASCII case
    /// (a parameter and its VTIMEZONE are sometimes written differently).
    fn vtimezone(&self, raw: &str, clean: &str) -> Option<Arc<CustomZone>> {
        if let Some(z) = self
            .vtimezones
            .get(raw)
            .or_else(|| self.vtimezones.get(clean))
        {
            return Some(Arc::clone(z));
        }
        self.vtimezones_folded
            .get(&clean.to_ascii_lowercase())
            .map(Arc::clone)
    }
}

fn iana_to_zone(tz: Tz) -> Zone {
    // UTC itself gets the cheapest representation.
    if tz == Tz::UTC || tz == Tz::Etc__UTC {
        Zone::Utc
    } else {
        Zone::Iana(tz)
    }
}

/// Trim whitespace and surrounding double quotes (also a lone leading or trailing
/// one, left by a broken quoted parameter).
fn clean_name(name: &str) -> &str {
    let t = name.trim();
    let t = t.strip_prefix('"').unwrap_or(t);
    let t = t.strip_suffix('"').unwrap_or(t);
    t.trim()
}

/// Tolerant IANA lookup: exact; then trimmed and unquoted; then the longest suffix
/// after a `/` that is an IANA name (vendor prefixes such as
/// `/mozilla.org/20050126_1/Europe/Berlin`); each step exact first, then ignoring
/// ASCII case. A suffix without `/` (e.g. `GMT`) is only accepted when the name is in
/// the vendor-prefix form (starts with `/`), so `Foo/Bar/GMT` does not become GMT by
/// accident but `/softwarestudio.org/Olson_20011030_5/UTC` does.
pub fn iana_zone(name: &str) -> Option<Tz> {
    if let Ok(tz) = Tz::from_str(name) {
        return Some(tz);
    }
    if name.len() > MAX_TZID_LEN {
        return None;
    }
    let clean = clean_name(name);
    if clean.is_empty() {
        return None;
    }
    if let Some(tz) = lookup_any_case(clean) {
        return Some(tz);
    }
    let vendor_form = clean.starts_with('/');
    let mut rest = clean;
    while let Some((_, suffix)) = rest.split_once('/') {
        rest = suffix;
        if rest.is_empty() {
            break;
        }
        if !rest.contains('/') && !vendor_form {
            break;
        }
        if let Some(tz) = lookup_any_case(rest) {
            return Some(tz);
        }
    }
    None
}

fn lookup_any_case(name: &str) -> Option<Tz> {
    if let Ok(tz) = Tz::from_str(name) {
        return Some(tz);
    }
    let lower = name.to_ascii_lowercase();
    let table = lowercase_iana_table();
    let idx = table
        .binary_search_by(|(k, _)| k.as_str().cmp(lower.as_str()))
        .ok()?;
    table.get(idx).map(|(_, tz)| *tz)
}

/// Every IANA name lower-cased, sorted, built once (chrono-tz's own case-insensitive
/// lookup is behind a feature this workspace does not enable).
fn lowercase_iana_table() -> &'static [(String, Tz)] {
    static TABLE: OnceLock<Vec<(String, Tz)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut v: Vec<(String, Tz)> = chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| (tz.name().to_ascii_lowercase(), *tz))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    })
}

/// The IANA zone for a Windows zone id (CLDR windowsZones, territory "001"), ASCII
/// case ignored, surrounding quotes/whitespace ignored, and a trailing ` <digits>`
/// ignored (Outlook writes copies of a zone as `Eastern Standard Time 1`).
pub fn windows_zone(name: &str) -> Option<Tz> {
    let clean = clean_name(name);
    if clean.len() > MAX_TZID_LEN {
        return None;
    }
    lookup_windows(clean).or_else(|| {
        let (head, tail) = clean.rsplit_once(' ')?;
        if !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) {
            lookup_windows(head.trim_end())
        } else {
            None
        }
    })
}

fn lookup_windows(name: &str) -> Option<Tz> {
    let idx = WINDOWS_ZONES
        .binary_search_by(|(k, _)| cmp_ignore_ascii_case(k, name))
        .ok()?;
    let (_, iana) = WINDOWS_ZONES.get(idx)?;
    Tz::from_str(iana).ok()
}

fn cmp_ignore_ascii_case(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests;
