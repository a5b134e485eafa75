//! Fuzz target `references`: `sesgo_fuzz::references` (see crates/sesgo-fuzz).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sesgo_fuzz::references(data));
