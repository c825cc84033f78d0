//! Times between the three shapes the editor meets: what a property says
//! ([`TimeSpec`]), what the form says ([`DraftTime`]) and what expansion keys
//! instances by ([`Stamp`]).
//!
//! A series writes every reference to one of its instances (RECURRENCE-ID, EXDATE,
//! RDATE) in the form of its DTSTART: a DATE for all-day series, UTC with `Z`, wall
//! time with the DTSTART's TZID, or floating. [`TimeForm`] is that form; it turns an
//! instance stamp into a value to write and back into wall time.

use chrono::{Duration, NaiveDateTime, NaiveTime};

use crate::event::{EndSpec, TimeSpec};
use crate::expand::{Stamp, TimeKind};
use crate::ics::{Param, Property};
use crate::tz::{Zone, ZoneResolver};
use crate::value::{DateOrTime, IcsDuration};

use super::draft::DraftTime;

/// How a series writes its instance times.
#[derive(Debug, Clone)]
pub(crate) enum TimeForm {
    Date,
    Utc,
    Zoned {
        tzid: String,
        zone: Zone,
    },
    /// Floating; in a calendar with `X-WR-TIMEZONE` its instances are instants in
    /// that zone.
    Floating {
        calendar_zone: Option<Zone>,
    },
}

impl TimeForm {
    /// The form of `t`.
    pub fn of(t: &DraftTime, zones: &mut ZoneResolver, calendar_zone: Option<&Zone>) -> TimeForm {
        match t {
            DraftTime::Date(_) => TimeForm::Date,
            DraftTime::Utc(_) => TimeForm::Utc,
            DraftTime::Zoned { tzid, .. } => TimeForm::Zoned {
                tzid: tzid.clone(),
                zone: zones.resolve(tzid).zone,
            },
            DraftTime::Floating(_) => TimeForm::Floating {
                calendar_zone: calendar_zone.cloned(),
            },
        }
    }

    /// The wall time of an instance stamp in this form (UTC wall time for UTC).
    pub fn wall(&self, stamp: Stamp) -> NaiveDateTime {
        let n = stamp.naive();
        match (self, stamp.kind) {
            (TimeForm::Zoned { zone, .. }, TimeKind::Instant) => zone.utc_to_local(n),
            (
                TimeForm::Floating {
                    calendar_zone: Some(zone),
                },
                TimeKind::Instant,
            ) => zone.utc_to_local(n),
            _ => n,
        }
    }

    /// The wall time of the UTC instant `utc` in this form's zone (UTC itself for UTC,
    /// dates and floating times without calendar zone).
    pub fn wall_of_utc(&self, utc: NaiveDateTime) -> NaiveDateTime {
        self.wall(Stamp {
            secs: utc.and_utc().timestamp(),
            kind: TimeKind::Instant,
        })
    }

    /// The value of this form at wall time `local` (a date keeps the day).
    pub fn at_wall(&self, local: NaiveDateTime) -> DraftTime {
        match self {
            TimeForm::Date => DraftTime::Date(local.date()),
            TimeForm::Utc => DraftTime::Utc(local),
            TimeForm::Zoned { tzid, .. } => DraftTime::Zoned {
                local,
                tzid: tzid.clone(),
            },
            TimeForm::Floating { .. } => DraftTime::Floating(local),
        }
    }

    /// The value of this form naming the instance `stamp`.
    pub fn at(&self, stamp: Stamp) -> DraftTime {
        self.at_wall(self.wall(stamp))
    }

    /// The parameters a value of this form carries (`TZID=…`, `VALUE=DATE`).
    pub fn params(&self) -> Vec<Param<'static>> {
        match self {
            TimeForm::Date => vec![Param::new("VALUE", "DATE")],
            TimeForm::Zoned { tzid, .. } => vec![Param::new("TZID", tzid.clone())],
            TimeForm::Utc | TimeForm::Floating { .. } => Vec::new(),
        }
    }
}

/// What a property says, as the form would say it. The TZID is kept as written.
pub(crate) fn draft_time(t: &TimeSpec<'_>) -> DraftTime {
    match (&t.value, &t.tzid) {
        (DateOrTime::Date(d), _) => DraftTime::Date(*d),
        (DateOrTime::DateTime { local, utc: true }, _) => DraftTime::Utc(*local),
        (DateOrTime::DateTime { local, utc: false }, Some(tzid)) => DraftTime::Zoned {
            local: *local,
            tzid: tzid.to_string(),
        },
        (DateOrTime::DateTime { local, utc: false }, None) => DraftTime::Floating(*local),
    }
}

/// A DATE or DATE-TIME property (`DTSTART`, `DTEND`, `RECURRENCE-ID`, …) for `t`.
/// `kept` are parameters of the property it replaces that stay (all but TZID and
/// VALUE, which follow the new value).
pub(crate) fn time_property<'a>(
    name: &'static str,
    t: &DraftTime,
    kept: &[Param<'a>],
) -> Property<'a> {
    let mut params: Vec<Param<'a>> = kept
        .iter()
        .filter(|p| p.name != "TZID" && p.name != "VALUE")
        .cloned()
        .collect();
    match t {
        DraftTime::Date(_) => params.push(Param::new("VALUE", "DATE")),
        DraftTime::Zoned { tzid, .. } => params.push(Param::new("TZID", tzid.clone())),
        DraftTime::Utc(_) | DraftTime::Floating(_) => {}
    }
    Property::new(name, params, t.ics_value())
}

/// The wall time of a form's time (UTC wall time for UTC, midnight for a date).
pub(crate) fn wall_of(t: &DraftTime) -> NaiveDateTime {
    match t {
        DraftTime::Zoned { local, .. } | DraftTime::Utc(local) | DraftTime::Floating(local) => {
            *local
        }
        DraftTime::Date(d) => d.and_time(NaiveTime::MIN),
    }
}

/// The UTC instant of a zoned or UTC time, or the wall time as if UTC for floating
/// and all-day ones (what orders two times of one kind).
pub(crate) fn instant_of(t: &DraftTime, zones: &mut ZoneResolver) -> NaiveDateTime {
    match t {
        DraftTime::Zoned { local, tzid } => zones.resolve(tzid).zone.local_to_utc(*local),
        other => wall_of(other),
    }
}

/// `t` moved by `by`, in its own form: wall clock for zoned and floating times and
/// dates; for a zoned time an exact `exact` part is added to the instant.
pub(crate) fn shifted(
    t: &DraftTime,
    wall: Duration,
    exact: Duration,
    zones: &mut ZoneResolver,
) -> Option<DraftTime> {
    match t {
        DraftTime::Date(d) => {
            let total = wall + exact;
            if total.num_seconds() % 86_400 != 0 {
                return None;
            }
            d.checked_add_signed(total).map(DraftTime::Date)
        }
        DraftTime::Floating(l) => l.checked_add_signed(wall + exact).map(DraftTime::Floating),
        DraftTime::Utc(u) => u.checked_add_signed(wall + exact).map(DraftTime::Utc),
        DraftTime::Zoned { local, tzid } => {
            let zone = zones.resolve(tzid).zone;
            let moved = local.checked_add_signed(wall)?;
            let utc = zone.local_to_utc(moved).checked_add_signed(exact)?;
            Some(DraftTime::Zoned {
                local: zone.utc_to_local(utc),
                tzid: tzid.clone(),
            })
        }
    }
}

/// The end an event starting at `start` gets from its end property as written:
/// `DURATION` from the start, nothing (RFC 5545 3.6.1: a day for a date, zero
/// length otherwise), or a `DTEND` (returned as is).
pub(crate) fn end_from(
    start: &DraftTime,
    end: &EndSpec<'_>,
    zones: &mut ZoneResolver,
) -> Option<DraftTime> {
    match end {
        EndSpec::At(t) => Some(draft_time(t)),
        EndSpec::Duration(d) => duration_end(start, *d, zones),
        EndSpec::Default => match start {
            DraftTime::Date(d) => d.succ_opt().map(DraftTime::Date),
            other => Some(other.clone()),
        },
    }
}

fn duration_end(start: &DraftTime, d: IcsDuration, zones: &mut ZoneResolver) -> Option<DraftTime> {
    match start {
        DraftTime::Zoned { .. } => shifted(start, d.nominal(), d.exact(), zones),
        _ => shifted(start, d.as_wall(), Duration::zero(), zones),
    }
}
