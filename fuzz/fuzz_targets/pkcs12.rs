//! Fuzz target `pkcs12`: `sesgo_fuzz::pkcs12` (see crates/sesgo-fuzz).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sesgo_fuzz::pkcs12(data));
