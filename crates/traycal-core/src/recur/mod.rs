//! Recurrence rules (being written).
