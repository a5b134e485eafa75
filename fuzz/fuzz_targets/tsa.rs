//! Fuzz target `tsa`: `sesgo_fuzz::tsa` (see crates/sesgo-fuzz).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sesgo_fuzz::tsa(data));
