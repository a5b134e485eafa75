//! The builder's output always passes the checker (property test over random graphs).
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
use proptest::prelude::*;
use serde_json::{json, Value as J};
use sesgo_core::Code;
use sesgo_refs::{check, BundleBuilder, CheckOptions, ExternalReplacement, ReferenceKind};

const TYPES: [&str; 4] = ["Patient", "Practitioner", "Organization", "Observation"];
const BASE: &str = "https://server.example/fhir";

/// A reference to resource `t` of the set (relative, absolute under BASE, or versioned),
/// or to an external mapped resource.
fn reference(graph_types: &[usize], t: usize, form: u8) -> J {
    let ty = TYPES[graph_types[t % graph_types.len()]];
    let id = t % graph_types.len();
    match form % 4 {
        0 => json!({"reference": format!("{ty}/r{id}")}),
        1 => json!({"reference": format!("{BASE}/{ty}/r{id}"), "display": "x"}),
        2 => json!({"reference": format!("{ty}/r{id}/_history/2"), "type": ty}),
        _ => json!({"reference": "Organization/external"}),
    }
}

fn resource(graph: &[usize], i: usize, refs: &[(usize, u8)]) -> J {
    let mut r = match TYPES[graph[i]] {
        "Observation" => {
            json!({"resourceType": "Observation", "status": "final", "code": {"text": "c"}})
        }
        t => json!({"resourceType": t}),
    };
    r["id"] = json!(format!("r{i}"));
    let mut exts = Vec::new();
    for (k, &(t, form)) in refs.iter().enumerate() {
        let rf = reference(graph, t, form);
        match (TYPES[graph[i]], k % 4) {
            ("Observation", 0) => r["subject"] = rf,
            ("Observation", 1) => {
                r["component"] = json!([{"code": {"text": "c"},
                "extension": [{"url": "u", "extension": [{"url": "n", "valueReference": rf}]}]}])
            }
            ("Patient", 0) => r["generalPractitioner"] = json!([rf]),
            ("Practitioner", 0) => {
                r["qualification"] = json!([{"code": {"text": "q"}, "issuer": rf}])
            }
            (_, 2) => r["identifier"] = json!([{"value": "v", "assigner": rf}]),
            _ => exts.push(json!({"url": "http://e", "valueReference": rf})),
        }
    }
    r["extension"] = J::Array(exts);
    r["_id"] = json!({"extension": [{"url": "u", "valueReference": reference(graph, i + 1, 0)}]});
    r
}

fn builder() -> BundleBuilder {
    BundleBuilder::new().base_url(BASE).map_external(
        "Organization/external",
        ExternalReplacement {
            identifier: Some(v(json!({"system": "urn:oid:2.16.76", "value": "1"}))),
            display: None,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
    #[test]
    fn built_bundles_pass(
        graph in prop::collection::vec(0usize..4, 1..25),
        refs in prop::collection::vec(prop::collection::vec((0usize..100, any::<u8>()), 0..6), 25),
    ) {
        let resources: Vec<_> = (0..graph.len()).map(|i| v(resource(&graph, i, &refs[i]))).collect();
        let built = builder().build(resources).expect("builds");
        let report = check(&built.bundle, None, &CheckOptions::policy_0_2());
        prop_assert!(report.findings.is_empty(), "{:?}", report.findings);
        for r in &report.references {
            prop_assert!(matches!(r.kind, ReferenceKind::UrnUuid | ReferenceKind::Logical), "{r:?}");
        }
        prop_assert_eq!(built.full_urls.len(), graph.len());
    }
}

#[test]
fn external_reference_is_reported_not_kept() {
    let obs = v(
        json!({"resourceType": "Observation", "id": "1", "status": "final", "code": {"text": "c"},
        "subject": {"reference": "Patient/elsewhere"}, "performer": [{"reference": "http://other/Practitioner/1"}]}),
    );
    let err = BundleBuilder::new().build(vec![obs]).unwrap_err();
    let got: Vec<_> = err
        .findings()
        .iter()
        .map(|f| (f.code(), f.locations()[0].clone()))
        .collect();
    assert_eq!(
        got,
        [
            (
                Code::FormatReferenceMissing,
                "Bundle.entry[0].resource.performer[0].reference".to_owned()
            ),
            (
                Code::FormatReferenceMissing,
                "Bundle.entry[0].resource.subject.reference".to_owned()
            ),
        ]
    );
}

#[test]
fn contained_and_identifier_references_kept() {
    let obs = v(
        json!({"resourceType": "Observation", "id": "1", "status": "final", "code": {"text": "c"},
        "contained": [{"resourceType": "Patient", "id": "p", "managingOrganization": {"reference": "Organization/o"}}],
        "subject": {"reference": "#p"}, "performer": [{"identifier": {"value": "crm"}}]}),
    );
    let org = v(json!({"resourceType": "Organization", "id": "o"}));
    let built = BundleBuilder::new()
        .bundle_type("document")
        .build(vec![obs, org])
        .unwrap();
    let b = &built.bundle;
    assert_eq!(b["type"].as_str(), Some("document"));
    assert_eq!(
        b["entry"][0]["resource"]["subject"]["reference"].as_str(),
        Some("#p")
    );
    assert_eq!(
        b["entry"][0]["resource"]["contained"][0]["managingOrganization"]["reference"].as_str(),
        Some(built.full_urls[1].as_str())
    );
    assert!(built
        .full_urls
        .iter()
        .all(|u| u.starts_with("urn:uuid:") && u.to_lowercase() == *u));
}

#[test]
fn duplicate_input_ids() {
    let p = v(json!({"resourceType": "Patient", "id": "1"}));
    let err = BundleBuilder::new().build(vec![p.clone(), p]).unwrap_err();
    assert_eq!(err.code(), Code::FormatBundleMalformed);
}
