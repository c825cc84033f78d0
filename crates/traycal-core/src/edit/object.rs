//! One remote object as an editable tree: the `VCALENDAR` with its properties, its
//! VTIMEZONEs, the series master and its overrides (one UID).
//!
//! Reading refuses what cannot be edited without loss: an input the parser had to
//! drop anything from, a cut-off input, more or fewer than one `VCALENDAR`, events
//! with different UIDs, several masters. Writing goes through the ICS writer, whose
//! round-trip invariant keeps every untouched component and property as it was read
//! (byte for byte when the input was written in the writer's own form).

use std::borrow::Cow;
use std::collections::BTreeSet;

use crate::event::{read_event, EventData};
use crate::ics::{Component, Item, Parser, Property};
use crate::tz::{Zone, ZoneResolver, ZoneSource};

use super::vtimezone::{vtimezone, MAX_WINDOW_YEARS};
use super::EditError;

/// A parsed remote object.
pub(crate) struct CalendarObject<'a> {
    /// The `VCALENDAR`: its properties and, as children, its components in order.
    pub calendar: Component<'a>,
}

/// A year and a day, in seconds: the margin of a generated VTIMEZONE before the
/// event, and the unit of its reach after it.
const YEAR_SECS: i64 = 366 * 86_400;
/// How far after the event (or now, when later) a generated VTIMEZONE is observed.
const VTIMEZONE_YEARS_AHEAD: i64 = 10;

impl<'a> CalendarObject<'a> {
    /// Read a prepared input (see [`crate::ics::prepare_input`]).
    pub fn parse(input: &'a [u8]) -> Result<Self, EditError> {
        let mut calendar = Component::new("VCALENDAR");
        let mut parser = Parser::new(input);
        for item in parser.by_ref() {
            match item {
                Item::CalendarProperty {
                    calendar: 0,
                    property,
                } => calendar.properties.push(property),
                Item::Component {
                    calendar: 0,
                    component,
                } => calendar.children.push(component),
                Item::CalendarProperty { calendar: n, .. }
                | Item::Component { calendar: n, .. } => {
                    return Err(EditError::NotOneCalendar { found: n + 1 });
                }
                Item::Diagnostic(d) if d.dropped => {
                    return Err(EditError::Unreadable {
                        line: d.line,
                        message: d.message,
                    });
                }
                Item::Diagnostic(_) => {}
            }
        }
        if parser.truncated() || parser.unclosed_calendar() {
            return Err(EditError::Unreadable {
                line: parser.lines_read(),
                message: "the object ends before END:VCALENDAR".into(),
            });
        }
        if parser.calendars_seen() != 1 {
            return Err(EditError::NotOneCalendar {
                found: parser.calendars_seen(),
            });
        }
        let object = CalendarObject { calendar };
        object.uid()?;
        object.master()?;
        Ok(object)
    }

    /// The object as RFC 5545 text.
    pub fn to_text(&self) -> String {
        self.calendar.to_ics()
    }

    /// Indices (among the calendar's children) of the VEVENTs, in order.
    pub fn events(&self) -> Vec<usize> {
        self.calendar
            .children
            .iter()
            .enumerate()
            .filter(|(_, c)| c.name == "VEVENT")
            .map(|(i, _)| i)
            .collect()
    }

    /// The one UID of the object's events.
    pub fn uid(&self) -> Result<String, EditError> {
        let mut uid: Option<String> = None;
        for i in self.events() {
            let this = self.calendar.children[i]
                .prop("UID")
                .map(|p| p.text().trim().to_owned())
                .filter(|u| !u.is_empty())
                .ok_or(EditError::NoUid)?;
            match &uid {
                Some(u) if *u != this => return Err(EditError::SeveralUids),
                Some(_) => {}
                None => uid = Some(this),
            }
        }
        uid.ok_or(EditError::NoEvent)
    }

    /// The index of the master (the VEVENT without RECURRENCE-ID), if any.
    pub fn master(&self) -> Result<Option<usize>, EditError> {
        let masters: Vec<usize> = self
            .events()
            .into_iter()
            .filter(|&i| self.calendar.children[i].prop("RECURRENCE-ID").is_none())
            .collect();
        match masters.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            _ => Err(EditError::SeveralMasters),
        }
    }

    /// The master, required.
    pub fn require_master(&self) -> Result<usize, EditError> {
        self.master()?.ok_or(EditError::NoMaster)
    }

    /// Indices of the overrides (VEVENTs with RECURRENCE-ID), in order.
    pub fn overrides(&self) -> Vec<usize> {
        self.events()
            .into_iter()
            .filter(|&i| self.calendar.children[i].prop("RECURRENCE-ID").is_some())
            .collect()
    }

    /// The child at `index` read as an event.
    pub fn read(&self, index: usize) -> Result<EventData<'a>, EditError> {
        let component = self
            .calendar
            .children
            .get(index)
            .ok_or(EditError::NoEvent)?;
        read_event(component, b"").map_err(|e| EditError::Unreadable {
            line: e.line,
            message: e.to_string(),
        })
    }

    /// The object's zones: the database, its VTIMEZONEs (a broken one is skipped, as
    /// a sync skips it) and its `X-WR-TIMEZONE`.
    pub fn zones(&self) -> (ZoneResolver, Option<Zone>) {
        let mut resolver = ZoneResolver::new();
        for c in self.calendar.children_named("VTIMEZONE") {
            let _unusable_is_skipped = resolver.add_vtimezone(c);
        }
        let calendar_zone = self
            .calendar
            .prop("X-WR-TIMEZONE")
            .map(|p| p.value.trim().to_owned())
            .and_then(|name| {
                let r = resolver.resolve(&name);
                (!matches!(r.source, ZoneSource::Fallback | ZoneSource::SoleVTimezone))
                    .then_some(r.zone)
            });
        (resolver, calendar_zone)
    }

    /// Every TZID parameter value used outside the VTIMEZONEs.
    pub fn tzids(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut stack: Vec<&Component<'_>> = self
            .calendar
            .children
            .iter()
            .filter(|c| c.name != "VTIMEZONE")
            .collect();
        while let Some(c) = stack.pop() {
            for p in &c.properties {
                for param in p.params.iter().filter(|q| q.name == "TZID") {
                    out.insert(param.value.to_string());
                }
            }
            stack.extend(c.children.iter());
        }
        out
    }

    fn vtimezone_index(&self, tzid: &str) -> Option<usize> {
        self.calendar.children.iter().position(|c| {
            c.name == "VTIMEZONE" && c.prop("TZID").is_some_and(|p| p.text().trim() == tzid)
        })
    }

    /// Keep the VTIMEZONEs in step with an edit: a TZID the edit introduced gets a
    /// definition (unless the object has one) written from the zone database and
    /// observed around `around` (UTC seconds) and `now`; a VTIMEZONE whose last
    /// reference the edit removed is dropped. VTIMEZONEs the edit did not concern
    /// are left alone, referenced or not.
    pub fn sync_vtimezones(&mut self, before: &BTreeSet<String>, around: i64, now: i64) {
        let after = self.tzids();
        for gone in before.difference(&after) {
            if let Some(i) = self.vtimezone_index(gone) {
                self.calendar.children.remove(i);
            }
        }
        let (mut resolver, _) = self.zones();
        for tzid in after.difference(before) {
            if self.vtimezone_index(tzid).is_some() {
                continue;
            }
            let resolved = resolver.resolve(tzid);
            if !matches!(resolved.source, ZoneSource::Iana | ZoneSource::Windows) {
                continue;
            }
            let mut from = around.min(now).saturating_sub(YEAR_SECS);
            let mut to = around
                .max(now)
                .saturating_add(VTIMEZONE_YEARS_AHEAD * YEAR_SECS);
            if to.saturating_sub(from) > MAX_WINDOW_YEARS * YEAR_SECS {
                // Far from now: the event's own years matter.
                from = around.saturating_sub(YEAR_SECS);
                to = around.saturating_add(VTIMEZONE_YEARS_AHEAD * YEAR_SECS);
            }
            let definition = vtimezone(tzid, &resolved.zone, from, to);
            // After the last VTIMEZONE, else before the first component.
            let at = self
                .calendar
                .children
                .iter()
                .rposition(|c| c.name == "VTIMEZONE")
                .map_or(0, |i| i + 1);
            self.calendar.children.insert(at, definition);
        }
    }
}

/// Property edits on one component. Replacing keeps the property's position, so a
/// diff of the object shows only the values that changed.
pub(crate) trait PropertyEdits<'a> {
    /// Replace the first `name` property (params and value) in place, or append one.
    fn set(&mut self, property: Property<'a>);
    /// Replace the first `name` property in place, or insert after the first property
    /// called one of `after` (the last of those present), or append.
    fn set_near(&mut self, property: Property<'a>, after: &[&str]);
    /// Remove every `name` property; true when there was one.
    fn remove_all(&mut self, name: &str) -> bool;
}

impl<'a> PropertyEdits<'a> for Component<'a> {
    fn set(&mut self, property: Property<'a>) {
        self.set_near(property, &[]);
    }

    fn set_near(&mut self, property: Property<'a>, after: &[&str]) {
        if let Some(slot) = self.properties.iter_mut().find(|p| p.name == property.name) {
            *slot = property;
            return;
        }
        let at = self
            .properties
            .iter()
            .rposition(|p| after.contains(&p.name.as_ref()))
            .map(|i| i + 1);
        match at {
            Some(i) => self.properties.insert(i, property),
            None => self.properties.push(property),
        }
    }

    fn remove_all(&mut self, name: &str) -> bool {
        let before = self.properties.len();
        self.properties.retain(|p| p.name != name);
        self.properties.len() != before
    }
}

/// A property built by the editor.
pub(crate) fn property(
    name: &'static str,
    params: Vec<crate::ics::Param<'static>>,
    value: impl Into<Cow<'static, str>>,
) -> Property<'static> {
    Property::new(name, params, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<CalendarObject<'_>, EditError> {
        CalendarObject::parse(text.as_bytes())
    }

    const EVENT: &str = "BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260101T090000Z\r\nEND:VEVENT\r\n";

    #[test]
    fn only_one_whole_calendar_with_one_series_is_edited() {
        assert!(matches!(
            parse(EVENT),
            Err(EditError::NotOneCalendar { found: 0 })
        ));
        let ok = format!("BEGIN:VCALENDAR\r\n{EVENT}END:VCALENDAR\r\n");
        assert!(parse(&ok).is_ok());
        let two_masters = format!("BEGIN:VCALENDAR\r\n{EVENT}{EVENT}END:VCALENDAR\r\n");
        assert!(matches!(
            parse(&two_masters),
            Err(EditError::SeveralMasters)
        ));
        let unclosed = format!("BEGIN:VCALENDAR\r\n{EVENT}");
        assert!(matches!(
            parse(&unclosed),
            Err(EditError::Unreadable { .. })
        ));
        let no_uid = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260101T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        assert!(matches!(parse(no_uid), Err(EditError::NoUid)));
        let todo = "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:t\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";
        assert!(matches!(parse(todo), Err(EditError::NoEvent)));
    }

    #[test]
    fn vtimezones_follow_the_references_an_edit_adds_and_removes() {
        let text = format!(
            "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\nBEGIN:STANDARD\r\n\
             DTSTART:19700101T000000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n\
             END:VTIMEZONE\r\nBEGIN:VTIMEZONE\r\nTZID:Unused/Zone\r\nBEGIN:STANDARD\r\n\
             DTSTART:19700101T000000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n\
             END:VTIMEZONE\r\n{}END:VCALENDAR\r\n",
            EVENT.replace(
                "DTSTART:20260101T090000Z",
                "DTSTART;TZID=Europe/Paris:20260101T090000"
            )
        );
        let mut obj = parse(&text).unwrap();
        let before = obj.tzids();
        assert_eq!(before.iter().collect::<Vec<_>>(), ["Europe/Paris"]);
        let event = obj.events()[0];
        for p in &mut obj.calendar.children[event].properties {
            if p.name == "DTSTART" {
                p.params[0].value = "Asia/Tokyo".into();
            }
        }
        obj.sync_vtimezones(&before, 1_767_258_000, 1_767_258_000);
        let zones: Vec<String> = obj
            .calendar
            .children_named("VTIMEZONE")
            .filter_map(|c| c.prop("TZID").map(|p| p.value.to_string()))
            .collect();
        // Paris lost its last reference; the unused one was not this edit's business.
        assert_eq!(zones, ["Unused/Zone", "Asia/Tokyo"]);
    }
}
