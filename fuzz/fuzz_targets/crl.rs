//! Fuzz target `crl`: `sesgo_fuzz::crl` (see crates/sesgo-fuzz).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sesgo_fuzz::crl(data));
