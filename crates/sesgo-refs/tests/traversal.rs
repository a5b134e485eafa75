//! The type-aware traversal finds References everywhere R4 puts them, and nowhere else.
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
use sesgo_core::Code;
use sesgo_refs::{find_references, member_type, MemberType};

fn locations(res: serde_json::Value, root: &str) -> Vec<String> {
    let (refs, findings) = find_references(&v(res), root);
    assert!(findings.is_empty(), "{findings:?}");
    // serde_json's `json!` sorts members, so compare in sorted order.
    let mut l: Vec<String> = refs.into_iter().map(|r| r.location).collect();
    l.sort();
    l
}

fn sorted<const N: usize>(a: [&str; N]) -> Vec<String> {
    let mut l: Vec<String> = a.iter().map(|s| s.to_string()).collect();
    l.sort();
    l
}

#[test]
fn backbone_choice_extensions_contained_primitives_assigner() {
    let res = json!({
        "resourceType": "Observation",
        "identifier": [{"value": "1", "assigner": {"display": "SES-GO"}}],
        "status": "final",
        "_status": {"extension": [{"url": "http://e/a", "valueReference": {"reference": "#p"}}]},
        "code": {"text": "x", "coding": [{"system": "s", "_code": {"extension": [{"url": "u", "valueReference": {"display": "c"}}]}}]},
        "contained": [{"resourceType": "Patient", "id": "p",
                        "generalPractitioner": [{"reference": "#"}],
                        "managingOrganization": {"identifier": {"value": "o", "assigner": {"display": "x"}}}}],
        "extension": [{"url": "http://e/outer", "extension": [
            {"url": "inner", "valueReference": {"reference": "#p"}},
            {"url": "inner2", "extension": [{"url": "deep", "valueReference": {"display": "d"}}]}
        ]}],
        "modifierExtension": [{"url": "http://e/m", "valueReference": {"display": "m"}}],
        "component": [{"code": {"text": "c"}, "valueQuantity": {"value": 1},
                       "extension": [{"url": "u", "valueReference": {"display": "e"}}]}],
        "hasMember": [{"reference": "#p"}],
        "note": [{"authorReference": {"display": "n"}, "text": "t"}],
        "valueString": "not a ref",
        "unknownMember": {"reference": "Patient/1"},
        "_unknown": {"extension": [{"url": "u", "valueReference": {"reference": "Patient/2"}}]}
    });
    let got = locations(res, "Observation");
    let want = [
        "Observation.identifier[0].assigner",
        "Observation._status.extension[0].valueReference",
        "Observation.code.coding[0]._code.extension[0].valueReference",
        "Observation.contained[0].generalPractitioner[0]",
        "Observation.contained[0].managingOrganization",
        "Observation.contained[0].managingOrganization.identifier.assigner",
        "Observation.extension[0].extension[0].valueReference",
        "Observation.extension[0].extension[1].extension[0].valueReference",
        "Observation.modifierExtension[0].valueReference",
        "Observation.component[0].extension[0].valueReference",
        "Observation.hasMember[0]",
        "Observation.note[0].authorReference",
    ];
    assert_eq!(got, sorted(want));
}

#[test]
fn identifiers_are_not_references() {
    let p = json!({"resourceType": "Patient", "identifier": [{"system": "s", "value": "Patient/1", "reference": "x"}]});
    assert!(locations(p, "Patient").is_empty());
    let c = json!({"resourceType": "Composition", "identifier": {"value": "urn:uuid:x"}, "status": "final"});
    assert!(locations(c, "Composition").is_empty());
    assert_eq!(
        member_type("Bundle", "identifier"),
        Some(MemberType::Datatype("Identifier"))
    );
}

#[test]
fn content_reference_and_nested_resources() {
    let q = json!({"resourceType": "QuestionnaireResponse", "status": "completed",
        "item": [{"linkId": "1", "item": [{"linkId": "1.1",
            "answer": [{"valueReference": {"display": "a"}, "item": [{"linkId": "x", "answer": [{"valueReference": {"display": "b"}}]}]}]}]}]});
    assert_eq!(
        locations(q, "QuestionnaireResponse"),
        sorted([
            "QuestionnaireResponse.item[0].item[0].answer[0].valueReference",
            "QuestionnaireResponse.item[0].item[0].answer[0].item[0].answer[0].valueReference"
        ])
    );
    let params = json!({"resourceType": "Parameters", "parameter": [
        {"name": "r", "resource": {"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "subject": {"display": "s"}}},
        {"name": "v", "valueReference": {"display": "v"}}]});
    assert_eq!(
        locations(params, "Parameters"),
        sorted([
            "Parameters.parameter[0].resource.subject",
            "Parameters.parameter[1].valueReference"
        ])
    );
    let sig = json!({"resourceType": "Provenance", "target": [{"display": "t"}], "recorded": "2025-01-01T00:00:00Z",
        "agent": [{"who": {"display": "w"}, "onBehalfOf": {"display": "o"}}],
        "signature": [{"type": [{"code": "1"}], "when": "2025-01-01T00:00:00Z", "who": {"display": "s"}, "onBehalfOf": {"display": "b"}}]});
    assert_eq!(
        locations(sig, "Provenance"),
        sorted([
            "Provenance.target[0]",
            "Provenance.agent[0].who",
            "Provenance.agent[0].onBehalfOf",
            "Provenance.signature[0].who",
            "Provenance.signature[0].onBehalfOf"
        ])
    );
}

#[test]
fn unknown_resource_type() {
    let (refs, findings) = find_references(
        &v(json!({"resourceType": "Foo", "subject": {"reference": "x"}})),
        "Foo",
    );
    assert!(refs.is_empty());
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].code(), Code::FormatResourceTypeUnsupported);
    assert_eq!(findings[0].locations(), ["Foo.resourceType"]);
}

#[test]
fn table_answers() {
    use MemberType::*;
    assert_eq!(member_type("Bundle.entry", "resource"), Some(Resource));
    assert_eq!(member_type("Observation", "contained"), Some(Resource));
    assert_eq!(
        member_type("Annotation", "authorReference"),
        Some(Reference)
    );
    assert_eq!(member_type("Signature", "who"), Some(Reference));
    assert_eq!(
        member_type("Observation", "component"),
        Some(Backbone("Observation.component"))
    );
    assert_eq!(
        member_type("Observation.component", "valueQuantity"),
        Some(Datatype("Quantity"))
    );
    assert_eq!(member_type("Observation.component", "valueReference"), None);
    assert_eq!(
        member_type("Dosage", "doseAndRate"),
        Some(Backbone("Dosage.doseAndRate"))
    );
    assert_eq!(member_type("Age", "value"), Some(Primitive));
    assert_eq!(
        member_type("Observation.component", "modifierExtension"),
        Some(Datatype("Extension"))
    );
    assert_eq!(
        member_type("Bundle.entry", "link"),
        Some(Backbone("Bundle.link"))
    );
    assert!(sesgo_refs::is_resource_type("Provenance"));
    assert!(!sesgo_refs::is_resource_type("DomainResource"));
}
