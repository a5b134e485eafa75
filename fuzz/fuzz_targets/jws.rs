//! Fuzz target `jws`: `sesgo_fuzz::jws` (see crates/sesgo-fuzz).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sesgo_fuzz::jws(data));
