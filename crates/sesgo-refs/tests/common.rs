#![allow(dead_code)]
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]
use sesgo_core::{Code, Value};
use sesgo_refs::Report;

pub fn v(j: serde_json::Value) -> Value {
    Value::from_serde(&j)
}

pub const U0: &str = "urn:uuid:550e8400-e29b-41d4-a716-446655440000";
pub const U1: &str = "urn:uuid:550e8400-e29b-41d4-a716-446655440001";
pub const U2: &str = "urn:uuid:550e8400-e29b-41d4-a716-446655440002";

/// (code, first location) of every finding.
pub fn codes(r: &Report) -> Vec<(Code, String)> {
    r.findings
        .iter()
        .map(|f| (f.code(), f.locations().first().cloned().unwrap_or_default()))
        .collect()
}
