//! Outlook display-name TZIDs, e.g. `(UTC+01:00) Amsterdam, Berlin, Bern, Rome,
//! Stockholm, Vienna` or the older `(GMT+01.00) Amsterdam / Berlin / Bern / Rome /
//! Stockholm / Vienna`.
//!
//! Windows has changed the city lists over the years (Kiev → Kyiv, Volgograd dropped
//! from Moscow, …) but rarely the first entry, so a display name is matched by its
//! first place name (lower-cased, whitespace collapsed). When that is unknown, the
//! offset in the parentheses still says something: the caller may use it as a fixed
//! offset (without DST) as a last resort.

use chrono_tz::Tz;

/// First place name of a Windows display name → IANA zone. Hand-written from the
/// Windows time-zone display names (the `Display` value of each registry zone), for
/// the zones seen most in real exports.
const DISPLAY_FIRST_PLACE: &[(&str, &str)] = &[
    ("abu dhabi", "Asia/Dubai"),
    ("adelaide", "Australia/Adelaide"),
    ("alaska", "America/Anchorage"),
    ("amman", "Asia/Amman"),
    ("amsterdam", "Europe/Berlin"),
    ("arizona", "America/Phoenix"),
    ("astana", "Asia/Almaty"),
    ("athens", "Europe/Bucharest"),
    ("atlantic time (canada)", "America/Halifax"),
    ("auckland", "Pacific/Auckland"),
    ("azores", "Atlantic/Azores"),
    ("baghdad", "Asia/Baghdad"),
    ("baku", "Asia/Baku"),
    ("bangkok", "Asia/Bangkok"),
    ("beijing", "Asia/Shanghai"),
    ("beirut", "Asia/Beirut"),
    ("belgrade", "Europe/Budapest"),
    ("bogota", "America/Bogota"),
    ("brasilia", "America/Sao_Paulo"),
    ("brisbane", "Australia/Brisbane"),
    ("brussels", "Europe/Paris"),
    ("bucharest", "Europe/Bucharest"),
    ("buenos aires", "America/Argentina/Buenos_Aires"),
    ("cairo", "Africa/Cairo"),
    ("canberra", "Australia/Sydney"),
    ("caracas", "America/Caracas"),
    ("casablanca", "Africa/Casablanca"),
    ("central america", "America/Guatemala"),
    ("central time (us & canada)", "America/Chicago"),
    ("central time (us and canada)", "America/Chicago"),
    ("chennai", "Asia/Kolkata"),
    ("city of buenos aires", "America/Argentina/Buenos_Aires"),
    ("coordinated universal time", "UTC"),
    ("darwin", "Australia/Darwin"),
    ("dhaka", "Asia/Dhaka"),
    ("dublin", "Europe/London"),
    ("eastern time (us & canada)", "America/New_York"),
    ("eastern time (us and canada)", "America/New_York"),
    ("greenland", "America/Godthab"),
    ("greenwich mean time", "Europe/London"),
    ("guadalajara", "America/Mexico_City"),
    ("harare", "Africa/Johannesburg"),
    ("hawaii", "Pacific/Honolulu"),
    ("helsinki", "Europe/Helsinki"),
    ("hobart", "Australia/Hobart"),
    ("indiana (east)", "America/Indiana/Indianapolis"),
    ("international date line west", "Etc/GMT+12"),
    ("islamabad", "Asia/Karachi"),
    ("istanbul", "Europe/Istanbul"),
    ("jerusalem", "Asia/Jerusalem"),
    ("kabul", "Asia/Kabul"),
    ("kathmandu", "Asia/Kathmandu"),
    ("kuala lumpur", "Asia/Singapore"),
    ("kuwait", "Asia/Riyadh"),
    ("lisbon", "Europe/Lisbon"),
    ("london", "Europe/London"),
    ("minsk", "Europe/Minsk"),
    ("monrovia", "Atlantic/Reykjavik"),
    ("moscow", "Europe/Moscow"),
    ("mountain time (us & canada)", "America/Denver"),
    ("mountain time (us and canada)", "America/Denver"),
    ("nairobi", "Africa/Nairobi"),
    ("newfoundland", "America/St_Johns"),
    ("nuku'alofa", "Pacific/Tongatapu"),
    ("osaka", "Asia/Tokyo"),
    ("pacific time (us & canada)", "America/Los_Angeles"),
    ("pacific time (us and canada)", "America/Los_Angeles"),
    ("paris", "Europe/Paris"),
    ("perth", "Australia/Perth"),
    ("prague", "Europe/Prague"),
    ("santiago", "America/Santiago"),
    ("sarajevo", "Europe/Warsaw"),
    ("saskatchewan", "America/Regina"),
    ("seoul", "Asia/Seoul"),
    ("singapore", "Asia/Singapore"),
    ("sydney", "Australia/Sydney"),
    ("taipei", "Asia/Taipei"),
    ("tehran", "Asia/Tehran"),
    ("tokyo", "Asia/Tokyo"),
    ("utc", "UTC"),
    ("vienna", "Europe/Vienna"),
    ("vladivostok", "Asia/Vladivostok"),
    ("warsaw", "Europe/Warsaw"),
    ("wellington", "Pacific/Auckland"),
    ("west central africa", "Africa/Lagos"),
    ("yangon (rangoon)", "Asia/Rangoon"),
    ("yekaterinburg", "Asia/Yekaterinburg"),
];

/// A display name split into its parenthesised offset and its place list.
pub(crate) struct DisplayName<'a> {
    /// Seconds east of UTC from `(UTC+hh:mm)` / `(GMT+hh.mm)`; 0 for `(UTC)`/`(GMT)`.
    pub offset: i32,
    pub places: &'a str,
}

/// Split `(UTC+01:00) Amsterdam, …` into offset and places; `None` when `name` does
/// not have the display-name shape.
pub(crate) fn parse(name: &str) -> Option<DisplayName<'_>> {
    let rest = name.trim().strip_prefix('(')?;
    let (inside, places) = rest.split_once(')')?;
    let inside = inside.trim();
    let upper = inside.get(..3)?.to_ascii_uppercase();
    if upper != "UTC" && upper != "GMT" {
        return None;
    }
    let sign_part = inside.get(3..)?.trim();
    let offset = if sign_part.is_empty() {
        0
    } else {
        parse_offset(sign_part)?
    };
    Some(DisplayName {
        offset,
        places: places.trim(),
    })
}

/// `+01:00`, `-03.30`, `+5`, `+0530` → seconds.
fn parse_offset(s: &str) -> Option<i32> {
    let (sign, body) = match s.as_bytes().first()? {
        b'+' => (1, s.get(1..)?),
        b'-' => (-1, s.get(1..)?),
        _ => return None,
    };
    let (h, m) = match body.split_once([':', '.']) {
        Some((h, m)) => (h, m),
        None if body.len() == 4 => (body.get(..2)?, body.get(2..)?),
        None => (body, "0"),
    };
    let h: i32 = h.trim().parse().ok()?;
    let m: i32 = m.trim().parse().ok()?;
    if !(0..=14).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

/// The IANA zone of a display name, by its first place name.
pub(crate) fn zone(display: &DisplayName<'_>) -> Option<Tz> {
    // Values of a VTIMEZONE TZID may keep TEXT escapes (`Dublin\, Edinburgh`).
    let first = display
        .places
        .split([',', '/', ';', ':'])
        .next()
        .unwrap_or("")
        .replace('\\', "");
    let key = first
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    let key = if key.is_empty() && display.offset == 0 {
        // Bare "(UTC)" / "(GMT)".
        "utc".to_owned()
    } else {
        key
    };
    let idx = DISPLAY_FIRST_PLACE
        .binary_search_by(|(k, _)| (*k).cmp(key.as_str()))
        .ok()?;
    let (_, iana) = DISPLAY_FIRST_PLACE.get(idx)?;
    iana.parse().ok()
}

/// The table, for tests that pin it.
#[cfg(test)]
pub(crate) fn table() -> &'static [(&'static str, &'static str)] {
    DISPLAY_FIRST_PLACE
}
