//! Fuzz target `verify`: `sesgo_fuzz::verify` (see crates/sesgo-fuzz).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sesgo_fuzz::verify(data));
