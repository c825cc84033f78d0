//! traycal-providers (being written).
