//! # sesgo-bench
//!
//! The benchmark harness of issue 11 (docs/adr/0024), driven by `cargo xtask bench`:
//!
//! * [`data`]: deterministic, realistic inputs (1 KB … 50 MB Bundles and their
//!   Provenance); dependency-free, so `xtask` uses it for `bench-data` too;
//! * [`fixture`] (feature `harness`): the signer, trust store, clock and options every
//!   measurement shares (test PKI, `revocationPolicy: off`);
//! * `benches/pipeline.rs`: criterion benches per stage, end to end, and the floor;
//! * `src/bin/rss.rs`: one sign or verify, reporting the peak RSS;
//! * `python/pipeline_bench.py`: the pure-Python pipeline against the sesgo wheel.

pub mod data;
#[cfg(feature = "harness")]
pub mod fixture;
