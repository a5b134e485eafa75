//! Fuzz target `json`: `sesgo_fuzz::json` (see crates/sesgo-fuzz).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sesgo_fuzz::json(data));
