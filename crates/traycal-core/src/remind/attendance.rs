//! Who organises a meeting and whether the user said they would come, read from the
//! raw component's ORGANIZER and ATTENDEE properties.
//!
//! "The user" is a list of addresses the user configured. Without one, the user's
//! answer is unknown (`None`), which the planner treats like an acceptance: an invite
//! where everyone is still NEEDS-ACTION, or one we cannot place the user in, is never
//! taken for a decline. The organiser counts as accepted (organisers rarely list
//! themselves as attendees).

use serde::{Deserialize, Serialize};

use crate::ics::Component;

/// An attendee's participation status (RFC 5545 PARTSTAT) as far as reminders care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartStat {
    NeedsAction,
    Accepted,
    Tentative,
    Declined,
    Delegated,
    /// A vendor or unknown value.
    Other,
}

impl PartStat {
    /// Reads a PARTSTAT value (case-insensitive); absent means NEEDS-ACTION (RFC 5545).
    pub fn parse(value: Option<&str>) -> PartStat {
        let Some(v) = value else {
            return PartStat::NeedsAction;
        };
        match v.trim().to_ascii_uppercase().as_str() {
            "NEEDS-ACTION" => PartStat::NeedsAction,
            "ACCEPTED" => PartStat::Accepted,
            "TENTATIVE" => PartStat::Tentative,
            "DECLINED" => PartStat::Declined,
            "DELEGATED" => PartStat::Delegated,
            _ => PartStat::Other,
        }
    }
}

/// The organiser's address and the user's answer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Attendance {
    /// ORGANIZER's address, lower-case, without `mailto:`.
    pub organizer: Option<String>,
    /// The user's PARTSTAT; `None` when the user is not found among the attendees.
    pub my_partstat: Option<PartStat>,
}

/// A calendar user address normalised for comparison: `mailto:` removed, trimmed,
/// lower-case (mail domains are case-insensitive, and in practice so are local parts).
pub fn normalise_address(value: &str) -> String {
    let v = value.trim();
    let v = match v.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => &v[7..],
        _ => v,
    };
    v.trim().to_lowercase()
}

/// Reads the organiser and, when one of `my_addresses` is among the attendees (or is
/// the organiser), the user's answer. `my_addresses` are compared normalised.
pub fn attendance(event: &Component<'_>, my_addresses: &[String]) -> Attendance {
    let organizer = event
        .prop("ORGANIZER")
        .map(|p| normalise_address(&p.value))
        .filter(|o| !o.is_empty());
    let mine: Vec<String> = my_addresses
        .iter()
        .map(|a| normalise_address(a))
        .filter(|a| !a.is_empty())
        .collect();
    let is_mine = |addr: &str| mine.iter().any(|m| m == addr);
    let my_partstat = event
        .props("ATTENDEE")
        .find(|p| is_mine(&normalise_address(&p.value)))
        .map(|p| PartStat::parse(p.param("PARTSTAT")))
        .or_else(|| {
            organizer
                .as_deref()
                .filter(|o| is_mine(o))
                .map(|_| PartStat::Accepted)
        });
    Attendance {
        organizer,
        my_partstat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ics::parse_all;

    const INVITE: &str = "BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260302T090000Z\r\n\
        ORGANIZER;CN=Boss:MAILTO:Boss@Example.com\r\n\
        ATTENDEE;CN=Me;PARTSTAT=DECLINED:mailto:me@example.com\r\n\
        ATTENDEE;PARTSTAT=ACCEPTED:mailto:other@example.com\r\n\
        ATTENDEE:mailto:quiet@example.com\r\n\
        END:VEVENT\r\n";

    fn read(me: &[&str]) -> Attendance {
        let (c, _, _) = parse_all(INVITE.as_bytes());
        let me: Vec<String> = me.iter().map(|s| s.to_string()).collect();
        attendance(&c[0], &me)
    }

    #[test]
    fn finds_my_answer_case_insensitively() {
        let a = read(&["ME@example.com"]);
        assert_eq!(a.organizer.as_deref(), Some("boss@example.com"));
        assert_eq!(a.my_partstat, Some(PartStat::Declined));
        assert_eq!(
            read(&["other@example.com"]).my_partstat,
            Some(PartStat::Accepted)
        );
        // no PARTSTAT parameter = NEEDS-ACTION
        assert_eq!(
            read(&["mailto:quiet@example.com"]).my_partstat,
            Some(PartStat::NeedsAction)
        );
    }

    #[test]
    fn unknown_user_is_not_declined() {
        assert_eq!(read(&[]).my_partstat, None);
        assert_eq!(read(&["stranger@example.com"]).my_partstat, None);
    }

    #[test]
    fn organiser_counts_as_accepted() {
        assert_eq!(
            read(&["boss@example.com"]).my_partstat,
            Some(PartStat::Accepted)
        );
    }

    #[test]
    fn partstat_values() {
        assert_eq!(PartStat::parse(Some("tentative")), PartStat::Tentative);
        assert_eq!(PartStat::parse(Some("X-MAYBE")), PartStat::Other);
        assert_eq!(PartStat::parse(None), PartStat::NeedsAction);
        assert_eq!(normalise_address(" MailTo:A@B.c "), "a@b.c");
    }
}
