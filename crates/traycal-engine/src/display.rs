//! How times and weeks are shown, everywhere (the windows, the tray, notifications
//! and the CLI): a 12- or 24-hour clock, the first day of the week, and the locale
//! dates are written in. They follow the system locale (`LC_ALL`, `LC_TIME`, `LANG`)
//! unless the user chose otherwise (one setting, kept in the mirror).
//!
//! Invariants: resolution is pure ([`resolve`] takes the locale text), so every shell
//! shows the same clock for the same setting; an unknown or `C` locale reads as the
//! ISO habit (24-hour, Monday).

use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};
use crate::Engine;

/// The `app_settings` key of the user's choice.
const SETTING_KEY: &str = "display";

/// The clock the user chose.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockChoice {
    /// As the system locale writes times.
    #[default]
    System,
    /// "2:30 PM".
    #[serde(rename = "12h")]
    H12,
    /// "14:30".
    #[serde(rename = "24h")]
    H24,
}

/// The first day of the week the user chose.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeekStartChoice {
    /// As the system locale's country counts weeks.
    #[default]
    System,
    Sunday,
    Monday,
    Saturday,
}

/// What the user chose (both `system` by default).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplaySettings {
    pub clock: ClockChoice,
    pub week_start: WeekStartChoice,
}

/// How to show times and weeks, resolved.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayPrefs {
    /// A 12-hour clock with AM/PM.
    pub hour12: bool,
    /// The first day of the week: 0 Sunday, 1 Monday, … 6 Saturday.
    pub week_start: u8,
    /// The locale dates are written in, as a BCP 47 tag (`en-US`, `de-DE`).
    pub locale: String,
    /// What the user chose, from which the above was resolved.
    pub settings: DisplaySettings,
}

impl DisplayPrefs {
    /// A wall time as this clock writes it: `14:30` or `2:30 PM`.
    pub fn time(&self, t: &impl chrono::Timelike) -> String {
        clock_time(t, self.hour12)
    }
}

/// A wall time on a 12-hour (`2:30 PM`) or 24-hour (`14:30`) clock.
pub fn clock_time(t: &impl chrono::Timelike, hour12: bool) -> String {
    if hour12 {
        let (pm, h) = t.hour12();
        format!("{h}:{:02} {}", t.minute(), if pm { "PM" } else { "AM" })
    } else {
        format!("{:02}:{:02}", t.hour(), t.minute())
    }
}

/// Countries whose people read a 12-hour clock (CLDR's `timeFormat` `h`), by ISO code.
const TWELVE_HOUR: &[&str] = &[
    "US", "CA", "AU", "NZ", "IN", "PH", "PK", "BD", "EG", "SA", "JO", "KR", "TW", "CO", "MY",
];

/// Countries whose weeks start on Sunday (CLDR `firstDay`).
const SUNDAY_FIRST: &[&str] = &[
    "US", "CA", "MX", "BR", "JP", "KR", "TW", "HK", "MO", "IL", "PH", "IN", "ZA", "SA", "CO", "PE",
    "VE", "GT", "HN", "NI", "SV", "PA", "DO", "PR", "JM", "KE", "TH", "ID", "SG", "PK", "BD", "NP",
    "KH", "LA", "MM", "ET", "ZW", "MZ", "BW", "PY", "PT",
];

/// Countries whose weeks start on Saturday (CLDR `firstDay`).
const SATURDAY_FIRST: &[&str] = &[
    "AE", "AF", "BH", "DJ", "DZ", "EG", "IQ", "IR", "JO", "KW", "LY", "OM", "QA", "SD", "SY",
];

/// The system locale as POSIX names it (`LC_ALL`, else `LC_TIME`, else `LANG`).
pub fn system_locale_text() -> Option<String> {
    ["LC_ALL", "LC_TIME", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.is_empty())
}

/// `de_DE.UTF-8@euro` → (`de`, `DE`); `C`, `POSIX` and empty → none.
fn language_and_country(posix: &str) -> Option<(String, Option<String>)> {
    let base = posix.split(['.', '@']).next().unwrap_or("");
    if base.is_empty() || base == "C" || base == "POSIX" {
        return None;
    }
    let mut parts = base.split(['_', '-']);
    let language = parts.next()?.to_ascii_lowercase();
    if language.is_empty() || !language.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let country = parts
        .next()
        .map(|c| c.to_ascii_uppercase())
        .filter(|c| c.len() == 2 && c.chars().all(|ch| ch.is_ascii_alphabetic()));
    Some((language, country))
}

/// Resolves the user's choice against a POSIX locale name (`en_US.UTF-8`).
pub fn resolve(settings: DisplaySettings, posix_locale: Option<&str>) -> DisplayPrefs {
    let parsed = posix_locale.and_then(language_and_country);
    let (locale, country) = match &parsed {
        Some((language, Some(country))) => {
            (format!("{language}-{country}"), Some(country.as_str()))
        }
        Some((language, None)) => (language.clone(), None),
        None => ("en-GB".to_string(), None),
    };
    let french_canada = parsed
        .as_ref()
        .is_some_and(|(l, c)| l == "fr" && c.as_deref() == Some("CA"));
    let hour12 = match settings.clock {
        ClockChoice::H12 => true,
        ClockChoice::H24 => false,
        ClockChoice::System => country.is_some_and(|c| TWELVE_HOUR.contains(&c)) && !french_canada,
    };
    let week_start = match settings.week_start {
        WeekStartChoice::Sunday => 0,
        WeekStartChoice::Monday => 1,
        WeekStartChoice::Saturday => 6,
        WeekStartChoice::System => match country {
            Some(c) if SUNDAY_FIRST.contains(&c) => 0,
            Some(c) if SATURDAY_FIRST.contains(&c) => 6,
            _ => 1,
        },
    };
    DisplayPrefs {
        hour12,
        week_start,
        locale,
        settings,
    }
}

impl Engine {
    /// How times and weeks are shown (the user's choice, else the system locale's).
    pub async fn display_prefs(&self) -> Result<DisplayPrefs> {
        let stored = self
            .with_mirror(|m| Ok(m.app_setting(SETTING_KEY)?))
            .await?;
        // A setting that cannot be read falls back to the system's habits.
        let settings: DisplaySettings = stored
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        Ok(resolve(settings, system_locale_text().as_deref()))
    }

    /// Stores the user's choice; returns what it resolves to.
    pub async fn set_display_settings(&self, settings: DisplaySettings) -> Result<DisplayPrefs> {
        let text = serde_json::to_string(&settings)
            .map_err(|e| EngineError::Internal(format!("display settings: {e}")))?;
        let value = (settings != DisplaySettings::default()).then_some(text);
        self.with_mirror(move |m| Ok(m.set_app_setting(SETTING_KEY, value.as_deref())?))
            .await?;
        self.display_prefs().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sys(locale: &str) -> DisplayPrefs {
        resolve(DisplaySettings::default(), Some(locale))
    }

    #[test]
    fn the_system_locale_decides_by_default() {
        let us = sys("en_US.UTF-8");
        assert_eq!(
            (us.hour12, us.week_start, us.locale.as_str()),
            (true, 0, "en-US")
        );
        let de = sys("de_DE.UTF-8@euro");
        assert_eq!(
            (de.hour12, de.week_start, de.locale.as_str()),
            (false, 1, "de-DE")
        );
        let gb = sys("en_GB.UTF-8");
        assert_eq!((gb.hour12, gb.week_start), (false, 1));
        assert!(!sys("fr_CA.UTF-8").hour12);
        assert!(sys("en_CA.UTF-8").hour12);
        assert_eq!(sys("ar_EG.UTF-8").week_start, 6);
        for neutral in ["C", "C.UTF-8", "POSIX", ""] {
            let p = sys(neutral);
            assert_eq!(
                (p.hour12, p.week_start, p.locale.as_str()),
                (false, 1, "en-GB"),
                "{neutral:?}"
            );
        }
        let none = resolve(DisplaySettings::default(), None);
        assert_eq!((none.hour12, none.week_start), (false, 1));
    }

    #[test]
    fn a_choice_wins_over_the_locale() {
        let chosen = DisplaySettings {
            clock: ClockChoice::H24,
            week_start: WeekStartChoice::Monday,
        };
        let p = resolve(chosen, Some("en_US.UTF-8"));
        assert_eq!(
            (p.hour12, p.week_start, p.locale.as_str()),
            (false, 1, "en-US")
        );
        assert_eq!(p.settings, chosen);
    }

    #[test]
    fn times_follow_the_clock() {
        let t = chrono::NaiveTime::from_hms_opt(14, 5, 0).unwrap();
        assert_eq!(sys("en_US.UTF-8").time(&t), "2:05 PM");
        assert_eq!(sys("de_DE.UTF-8").time(&t), "14:05");
        let midnight = chrono::NaiveTime::from_hms_opt(0, 30, 0).unwrap();
        assert_eq!(sys("en_US.UTF-8").time(&midnight), "12:30 AM");
    }

    #[test]
    fn choices_are_written_as_the_ui_sends_them() {
        let s: DisplaySettings =
            serde_json::from_str(r#"{"clock":"12h","week_start":"sunday"}"#).unwrap();
        assert_eq!(
            s,
            DisplaySettings {
                clock: ClockChoice::H12,
                week_start: WeekStartChoice::Sunday
            }
        );
    }
}
