//! The seven Observation variants of the seed page `003_…`, classified as the page says.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]
mod common;
use common::*;
use serde_json::json;
use sesgo_refs::{find_references, ReferenceKind as K};

fn obs(subject: serde_json::Value) -> serde_json::Value {
    json!({"resourceType": "Observation", "status": "final", "code": {"text": "massa"}, "subject": subject})
}

#[test]
fn seven_variants() {
    let mut contained = obs(json!({"reference": "#1"}));
    contained["contained"] =
        json!([{"resourceType": "Patient", "id": "1", "name": [{"text": "José da Silva"}]}]);
    let cases = [
        (obs(json!({"identifier": {"value": "x"}})), K::Logical),
        (
            obs(
                json!({"identifier": {"system": "https://saude.br/sid/cpf", "value": "123.456.789-00"}}),
            ),
            K::Logical,
        ),
        (
            obs(json!({"display": "Seu José da padaria"})),
            K::DisplayOnly,
        ),
        (contained, K::Contained),
        (
            obs(json!({"reference": "http://algum.server/Patient/x"})),
            K::Absolute,
        ),
        (obs(json!({"reference": "Patient/x"})), K::Relative),
        (
            obs(json!({"reference": "urn:uuid:550e8400-e29b-41d4-a716-446655440000"})),
            K::UrnUuid,
        ),
    ];
    for (res, want) in cases {
        let (refs, findings) = find_references(&v(res), "Observation");
        assert!(findings.is_empty(), "{findings:?}");
        assert_eq!(refs.len(), 1, "{refs:?}");
        assert_eq!(refs[0].location, "Observation.subject");
        assert_eq!(refs[0].kind, want);
    }
}

#[test]
fn contained_example_resolves() {
    let mut c = obs(json!({"reference": "#1"}));
    c["contained"] = json!([{"resourceType": "Patient", "id": "1"}]);
    let (refs, _) = find_references(&v(c), "Observation");
    assert!(refs[0].contained_resolved);
}

#[test]
fn other_forms() {
    use sesgo_refs::classify_str;
    assert_eq!(classify_str("#"), K::ContainerSelf);
    assert_eq!(classify_str("urn:oid:1.2.3"), K::UrnOid);
    assert_eq!(classify_str(""), K::Empty);
    let both = v(
        json!({"reference": "urn:uuid:550e8400-e29b-41d4-a716-446655440000", "identifier": {"value": "x"}}),
    );
    assert_eq!(sesgo_refs::classify(&both), K::IdentifierAndReference);
    assert_eq!(
        sesgo_refs::classify(&v(json!({"type": "Patient"}))),
        K::Empty
    );
    assert_eq!(
        sesgo_refs::classify(&v(json!({"reference": 3}))),
        K::Malformed
    );
    assert_eq!(sesgo_refs::classify(&v(json!("Patient/x"))), K::Malformed);
}
