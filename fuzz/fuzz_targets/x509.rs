//! Fuzz target `x509`: `sesgo_fuzz::x509` (see crates/sesgo-fuzz).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sesgo_fuzz::x509(data));
