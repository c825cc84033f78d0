//! Reminders: planning over the mirror and recording what fired. Work in progress: see issue 4.
