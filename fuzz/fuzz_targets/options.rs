//! Fuzz target `options`: `sesgo_fuzz::options` (see crates/sesgo-fuzz).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sesgo_fuzz::options(data));
