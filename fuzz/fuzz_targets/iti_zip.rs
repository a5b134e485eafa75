//! Fuzz target `iti_zip`: `sesgo_fuzz::iti_zip` (see crates/sesgo-fuzz).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sesgo_fuzz::iti_zip(data));
