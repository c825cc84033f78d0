//! Reminder planning (pure; takes `now`). Work in progress: see issue 4.
