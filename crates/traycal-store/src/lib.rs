//! traycal-store (being written).
