//! Reminder state kept on this device (fired, snoozed, dismissed). Work in progress: see issue 4.
