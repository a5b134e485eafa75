//! Fuzz target `canonicalize`: `sesgo_fuzz::canonicalize` (see crates/sesgo-fuzz).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sesgo_fuzz::canonicalize(data));
