//! traycal-engine (being written).
