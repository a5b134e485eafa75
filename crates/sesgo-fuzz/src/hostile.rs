//! The hostile-input corpus (placeholder, filled below).
