//! Fuzz target `ocsp`: `sesgo_fuzz::ocsp` (see crates/sesgo-fuzz).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sesgo_fuzz::ocsp(data));
