//! What the `kill -9` test's worker does, and how the test reads what it said: the
//! edits of each round (the same in the worker and in the test), and the model of
//! what must have survived a kill.

use std::collections::BTreeMap;

/// Events the rounds' edits go round.
pub const UIDS: u32 = 9;

/// One local change of a round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Create or change the event `uid`.
    Put {
        uid: String,
        summary: String,
        hour: u32,
    },
    /// Delete the event `uid`.
    Delete { uid: String },
}

impl Edit {
    /// The event it changes.
    pub fn uid(&self) -> &str {
        match self {
            Edit::Put { uid, .. } | Edit::Delete { uid } => uid,
        }
    }
}

/// The `i`th edit of round `round`: events go round, every fifth edit is a delete.
pub fn edit_of(round: u32, i: u32) -> Edit {
    let uid = format!("e{}@kill.test", (round * 5 + i) % UIDS);
    if (round + i) % 5 == 4 {
        Edit::Delete { uid }
    } else {
        Edit::Put {
            uid,
            summary: format!("r{round}i{i}"),
            hour: 8 + i % 8,
        }
    }
}

/// The summary in an event's text (`None`: no text, the event is deleted).
pub fn summary_in(text: Option<&str>) -> Option<String> {
    let text = text?;
    text.lines()
        .find_map(|l| l.strip_prefix("SUMMARY:"))
        .map(|s| s.trim_end().to_string())
}

/// What each event must be after the edits the worker confirmed: its summary, or
/// `None` for deleted.
#[derive(Debug, Default, Clone)]
pub struct Expected {
    pub events: BTreeMap<String, Option<String>>,
}

/// The change the worker announced but did not confirm before it died: it may or may
/// not have been committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlight {
    pub uid: String,
    pub summary: Option<String>,
}

impl Expected {
    /// Reads one run's output; returns the change left in flight, if any.
    pub fn read_run(&mut self, stdout: &str) -> Option<InFlight> {
        let mut in_flight: Option<InFlight> = None;
        for line in stdout.lines() {
            let words: Vec<&str> = line.split(' ').collect();
            match words.as_slice() {
                ["recording", uid, "put", summary] => {
                    in_flight = Some(InFlight {
                        uid: uid.to_string(),
                        summary: Some(summary.to_string()),
                    })
                }
                ["recording", uid, "del"] => {
                    in_flight = Some(InFlight {
                        uid: uid.to_string(),
                        summary: None,
                    })
                }
                ["recorded", _] => {
                    if let Some(f) = in_flight.take() {
                        self.events.insert(f.uid, f.summary);
                    }
                }
                ["skipped", _] => in_flight = None,
                _ => {}
            }
        }
        in_flight
    }
}
