//! Per-source include / exclude rules on an event's summary, location and
//! description, e.g. "only events whose location mentions room 4.2".
//!
//! Rule syntax (CLI `--include` / `--exclude`, stored as JSON in the mirror):
//! `[field:]pattern` where `field` is `summary`, `location`, `description` or `any`
//! (default `any`), and `pattern` is a case-insensitive substring, or a regular
//! expression when written between slashes: `location:/room\s*4\.2/`.
//!
//! Semantics: an event is kept when no include rule exists or at least one include
//! rule matches, and no exclude rule matches. A series is judged by its master, so a
//! recurring meeting is kept or dropped as a whole.

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

use crate::event::EventData;

/// Which text a rule looks at.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Any,
    Summary,
    Location,
    Description,
}

/// A rule as written and stored.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSpec {
    pub field: Field,
    /// Substring, or the regex source when `regex` is true.
    pub pattern: String,
    pub regex: bool,
}

/// The stored form of a source's filters.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterSpec {
    #[serde(default)]
    pub include: Vec<RuleSpec>,
    #[serde(default)]
    pub exclude: Vec<RuleSpec>,
}

/// A rule that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("filter {rule:?}: empty pattern")]
    Empty { rule: String },
    #[error("filter {rule:?}: invalid regular expression: {reason}")]
    BadRegex { rule: String, reason: String },
}

impl RuleSpec {
    /// Read `[field:]pattern` (see the module docs).
    pub fn parse(text: &str) -> Result<RuleSpec, FilterError> {
        let (field, rest) = match text.split_once(':') {
            Some((f, rest)) => match f.trim().to_ascii_lowercase().as_str() {
                "summary" | "title" => (Field::Summary, rest),
                "location" => (Field::Location, rest),
                "description" => (Field::Description, rest),
                "any" => (Field::Any, rest),
                _ => (Field::Any, text),
            },
            None => (Field::Any, text),
        };
        let (pattern, regex) = match rest.strip_prefix('/').and_then(|r| r.strip_suffix('/')) {
            Some(re) => (re.to_string(), true),
            None => (rest.to_string(), false),
        };
        if pattern.is_empty() {
            return Err(FilterError::Empty { rule: text.into() });
        }
        let spec = RuleSpec {
            field,
            pattern,
            regex,
        };
        spec.compile()?;
        Ok(spec)
    }

    fn compile(&self) -> Result<Matcher, FilterError> {
        let pattern = if self.regex {
            Pattern::Regex(
                RegexBuilder::new(&self.pattern)
                    .case_insensitive(true)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| FilterError::BadRegex {
                        rule: self.pattern.clone(),
                        reason: e.to_string(),
                    })?,
            )
        } else {
            Pattern::Substring(self.pattern.to_lowercase())
        };
        Ok(Matcher {
            field: self.field,
            pattern,
        })
    }
}

enum Pattern {
    Substring(String),
    Regex(Regex),
}

struct Matcher {
    field: Field,
    pattern: Pattern,
}

impl Matcher {
    fn matches_text(&self, text: &str) -> bool {
        match &self.pattern {
            Pattern::Substring(s) => text.to_lowercase().contains(s.as_str()),
            Pattern::Regex(r) => r.is_match(text),
        }
    }

    fn matches(&self, ev: &EventData<'_>) -> bool {
        let fields: &[Option<&str>] = &[
            ev.summary.as_deref(),
            ev.location.as_deref(),
            ev.description.as_deref(),
        ];
        let pick = |i: usize| fields[i].is_some_and(|t| self.matches_text(t));
        match self.field {
            Field::Summary => pick(0),
            Field::Location => pick(1),
            Field::Description => pick(2),
            Field::Any => pick(0) || pick(1) || pick(2),
        }
    }
}

/// Compiled filters, ready to apply.
pub struct Filters {
    include: Vec<Matcher>,
    exclude: Vec<Matcher>,
}

impl Filters {
    /// Compile a stored spec.
    pub fn new(spec: &FilterSpec) -> Result<Filters, FilterError> {
        Ok(Filters {
            include: spec
                .include
                .iter()
                .map(RuleSpec::compile)
                .collect::<Result<_, _>>()?,
            exclude: spec
                .exclude
                .iter()
                .map(RuleSpec::compile)
                .collect::<Result<_, _>>()?,
        })
    }

    /// True when there is nothing to filter.
    pub fn is_empty(&self) -> bool {
        self.include.is_empty() && self.exclude.is_empty()
    }

    /// Whether an event passes.
    pub fn keeps(&self, ev: &EventData<'_>) -> bool {
        (self.include.is_empty() || self.include.iter().any(|m| m.matches(ev)))
            && !self.exclude.iter().any(|m| m.matches(ev))
    }

    /// Keep only whole series whose master (or first component) passes; returns the
    /// indices of kept items.
    pub fn keep_series(&self, items: &[EventData<'_>]) -> Vec<usize> {
        if self.is_empty() {
            return (0..items.len()).collect();
        }
        let mut verdict: std::collections::HashMap<&str, bool> = Default::default();
        // Masters decide first; a UID with only overrides is judged by its first one.
        for it in items.iter().filter(|i| i.recurrence_id.is_none()) {
            verdict
                .entry(it.uid.as_ref())
                .or_insert_with(|| self.keeps(it));
        }
        for it in items.iter() {
            verdict
                .entry(it.uid.as_ref())
                .or_insert_with(|| self.keeps(it));
        }
        (0..items.len())
            .filter(|&i| verdict.get(items[i].uid.as_ref()).copied().unwrap_or(true))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::load_calendar;
    use crate::event::ItemKind;

    const CAL: &str = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDTSTART:20240101T100000Z\nSUMMARY:Standup\nLOCATION:Room 4.2\nEND:VEVENT\nBEGIN:VEVENT\nUID:b\nDTSTART:20240101T110000Z\nSUMMARY:Lunch\nLOCATION:Cafeteria\nEND:VEVENT\nBEGIN:VEVENT\nUID:a\nRECURRENCE-ID:20240102T100000Z\nDTSTART:20240102T100000Z\nSUMMARY:Moved standup\nLOCATION:Room 1\nEND:VEVENT\nEND:VCALENDAR\n";

    fn kept(include: &[&str], exclude: &[&str]) -> Vec<String> {
        let cal = load_calendar(CAL.as_bytes(), &[ItemKind::Event]);
        let spec = FilterSpec {
            include: include
                .iter()
                .map(|r| RuleSpec::parse(r).unwrap())
                .collect(),
            exclude: exclude
                .iter()
                .map(|r| RuleSpec::parse(r).unwrap())
                .collect(),
        };
        let f = Filters::new(&spec).unwrap();
        f.keep_series(&cal.items)
            .into_iter()
            .map(|i| cal.items[i].summary.clone().unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn include_by_location_keeps_the_whole_series() {
        assert_eq!(
            kept(&["location:/room\\s*4\\.2/"], &[]),
            ["Standup", "Moved standup"]
        );
        assert_eq!(kept(&["room 4.2"], &[]), ["Standup", "Moved standup"]);
    }

    #[test]
    fn exclude_wins_and_empty_keeps_all() {
        assert_eq!(kept(&[], &[]).len(), 3);
        assert_eq!(kept(&[], &["summary:lunch"]), ["Standup", "Moved standup"]);
        assert_eq!(kept(&["standup"], &["standup"]), Vec::<String>::new());
    }

    #[test]
    fn bad_rules_name_the_problem() {
        let e = RuleSpec::parse("summary:/([/").unwrap_err();
        assert!(e.to_string().contains("invalid regular expression"));
        assert!(RuleSpec::parse("location:").is_err());
    }
}
