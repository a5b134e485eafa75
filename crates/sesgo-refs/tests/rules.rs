//! Each rule violated once on its own, with code and location asserted.
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
use serde_json::{json, Value as J};
use sesgo_core::{Code, Severity};
use sesgo_refs::{check, check_json, CheckOptions, Mode};

fn bundle() -> J {
    json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": U0, "resource": {"resourceType": "Patient", "id": "p", "identifier": [{"value": "1"}]}},
        {"fullUrl": U1, "resource": {"resourceType": "Observation", "status": "final", "code": {"text": "massa"},
            "subject": {"reference": U0}, "performer": [{"display": "Dr"}, {"identifier": {"value": "crm"}}]}},
        {"fullUrl": U2, "resource": {"resourceType": "Practitioner", "id": "d"}}
    ]})
}

fn prov() -> J {
    json!({"resourceType": "Provenance", "recorded": "2025-07-01T00:00:00Z",
        "target": [{"reference": U0}, {"reference": U1}],
        "agent": [{"who": {"reference": U2}}]})
}

fn run(b: J, p: Option<J>, opts: &CheckOptions) -> Vec<(Code, String)> {
    let p = p.map(v);
    codes(&check(&v(b), p.as_ref(), opts))
}

fn one(b: J, p: Option<J>) -> (Code, String) {
    let got = run(b, p, &CheckOptions::default());
    assert_eq!(got.len(), 1, "{got:?}");
    got.into_iter().next().unwrap()
}

fn c(code: Code, loc: &str) -> (Code, String) {
    (code, loc.to_owned())
}

#[test]
fn valid_inputs_pass() {
    assert!(run(bundle(), Some(prov()), &CheckOptions::policy_0_2()).is_empty());
    assert!(run(bundle(), None, &CheckOptions::policy_0_2()).is_empty());
    let r = check(&v(bundle()), Some(&v(prov())), &CheckOptions::default());
    assert_eq!(r.references.len(), 6);
    assert!(r.into_result().unwrap().is_empty());
}

#[test]
fn identifier_and_reference() {
    let mut b = bundle();
    b["entry"][1]["resource"]["subject"]["identifier"] = json!({"value": "x"});
    assert_eq!(
        one(b, Some(prov())),
        c(
            Code::FormatReferenceInvalid,
            "Bundle.entry[1].resource.subject"
        )
    );
}

#[test]
fn relative_absolute_oid() {
    for r in [
        "Patient/p",
        "http://example.com/fhir/Patient/p",
        "urn:oid:1.2.3",
    ] {
        let mut b = bundle();
        b["entry"][1]["resource"]["performer"][0] = json!({"reference": r});
        assert_eq!(
            one(b, Some(prov())),
            c(
                Code::FormatReferenceInvalid,
                "Bundle.entry[1].resource.performer[0].reference"
            )
        );
    }
}

#[test]
fn unresolved_uuid_and_contained() {
    let mut b = bundle();
    b["entry"][1]["resource"]["subject"]["reference"] =
        json!("urn:uuid:550e8400-e29b-41d4-a716-4466554400ff");
    assert_eq!(
        one(b, Some(prov())),
        c(
            Code::FormatReferenceMissing,
            "Bundle.entry[1].resource.subject.reference"
        )
    );
    let mut b = bundle();
    b["entry"][1]["resource"]["subject"]["reference"] = json!("#nope");
    assert_eq!(
        one(b, Some(prov())),
        c(
            Code::FormatReferenceMissing,
            "Bundle.entry[1].resource.subject.reference"
        )
    );
    let mut b = bundle();
    b["entry"][1]["resource"]["subject"]["reference"] = json!("urn:uuid:not-a-uuid");
    assert_eq!(
        one(b, Some(prov())),
        c(
            Code::FormatReferenceInvalid,
            "Bundle.entry[1].resource.subject.reference"
        )
    );
}

#[test]
fn n1_signed_references_unsigned() {
    let mut b = bundle();
    b["entry"][1]["resource"]["performer"][0] = json!({"reference": U2});
    let r = check(&v(b.clone()), Some(&v(prov())), &CheckOptions::default());
    assert_eq!(
        codes(&r),
        [c(
            Code::FormatReferenceInvalid,
            "Bundle.entry[1].resource.performer[0].reference"
        )]
    );
    assert_eq!(r.findings[0].severity(), Severity::Error);
    assert!(r.findings[0].diagnostics().contains("N1"));
    let opts = CheckOptions {
        mode: Mode::Validate,
        ..CheckOptions::default()
    };
    let r = check(&v(b), Some(&v(prov())), &opts);
    assert_eq!(r.findings[0].severity(), Severity::Warning);
    assert!(r.into_result().is_ok());
}

#[test]
fn unsigned_entries_are_not_held_to_the_rules() {
    let mut b = bundle();
    b["entry"][2]["resource"]["qualification"] =
        json!([{"code": {"text": "x"}, "issuer": {"reference": "Organization/1"}}]);
    assert!(run(b, Some(prov()), &CheckOptions::default()).is_empty());
}

#[test]
fn provenance_own_references() {
    let mut p = prov();
    p["agent"][0]["who"] = json!({"reference": "Practitioner/d"});
    assert_eq!(
        one(bundle(), Some(p)),
        c(
            Code::FormatReferenceInvalid,
            "Provenance.agent[0].who.reference"
        )
    );
}

#[test]
fn fullurl_rules() {
    let mut b = bundle();
    b["entry"][0]["fullUrl"] = json!("http://example.com/Patient/123");
    let got = run(b, None, &CheckOptions::default());
    // The fullUrl itself, and the reference that no longer resolves.
    assert_eq!(
        got,
        [
            c(Code::FormatUuidInvalid, "Bundle.entry[0].fullUrl"),
            c(
                Code::FormatReferenceMissing,
                "Bundle.entry[1].resource.subject.reference"
            )
        ]
    );
    let mut b = bundle();
    b["entry"][2].as_object_mut().unwrap().remove("fullUrl");
    assert_eq!(
        one(b, None),
        c(Code::FormatUuidInvalid, "Bundle.entry[2].fullUrl")
    );
    let mut b = bundle();
    b["entry"][2]["fullUrl"] = json!(U0);
    let r = check(&v(b), None, &CheckOptions::default());
    // The duplicate, and the reference to it: it names two entries (never "the first").
    assert_eq!(
        codes(&r),
        [
            c(Code::FormatDuplicateFullurl, "Bundle.entry[0].fullUrl"),
            c(
                Code::FormatReferenceInvalid,
                "Bundle.entry[1].resource.subject.reference"
            )
        ]
    );
    assert_eq!(
        r.findings[0].locations(),
        ["Bundle.entry[0].fullUrl", "Bundle.entry[2].fullUrl"]
    );
    assert_eq!(r.findings[0].diagnostics(),
        "fullUrl duplicado: 'urn:uuid:550e8400-e29b-41d4-a716-446655440000' encontrado nas posições 0 e 2 do Bundle.entry (UUIDs comparados sem distinção de maiúsculas)");
    // An upper-case twin is the same UUID: a duplicate too (DECISIONS D8).
    let mut b = bundle();
    b["entry"][2]["fullUrl"] = json!(U0.to_ascii_uppercase().replace("URN:UUID:", "urn:uuid:"));
    let r = check(&v(b), None, &CheckOptions::default());
    let got = codes(&r);
    assert!(
        got.contains(&c(Code::FormatUuidInvalid, "Bundle.entry[2].fullUrl")),
        "{got:?}"
    );
    assert!(
        got.contains(&c(Code::FormatDuplicateFullurl, "Bundle.entry[0].fullUrl")),
        "{got:?}"
    );
}

#[test]
fn uuid_policies() {
    let upper = "urn:uuid:550E8400-E29B-41D4-A716-446655440002";
    let odd = "urn:uuid:7b123c4d-5678-9abc-def0-123456789abc"; // version 9, variant d
                                                               // Upper case: refused under every policy (the guide's pattern is lower-case; D8).
                                                               // An unusual version/variant: policy 0.1 only.
    for (u, lenient_ok) in [(upper, false), (odd, true)] {
        let mut b = bundle();
        b["entry"][2]["fullUrl"] = json!(u);
        assert_eq!(
            run(b.clone(), None, &CheckOptions::default()).is_empty(),
            lenient_ok,
            "{u}"
        );
        assert_eq!(
            run(b, None, &CheckOptions::policy_0_2()),
            [c(Code::FormatUuidInvalid, "Bundle.entry[2].fullUrl")]
        );
    }
    for bad in [
        "urn:uuid:550e8400e29b41d4a716446655440002",
        "urn:uuid:{550e8400-e29b-41d4-a716-446655440002}",
        "urn:uuid:550e8400-e29b-41d4-a716-44665544000g",
        "URN:UUID:550e8400-e29b-41d4-a716-446655440002",
    ] {
        let mut b = bundle();
        b["entry"][2]["fullUrl"] = json!(bad);
        assert_eq!(
            one(b, None),
            c(Code::FormatUuidInvalid, "Bundle.entry[2].fullUrl"),
            "{bad}"
        );
    }
}

#[test]
fn bundle_shape() {
    let mut b = bundle();
    b["resourceType"] = json!("Bundel");
    assert_eq!(
        one(b, None),
        c(Code::FormatBundleMalformed, "Bundle.resourceType")
    );
    let mut b = bundle();
    b["entry"] = json!([]);
    assert_eq!(one(b, None), c(Code::FormatBundleEmpty, "Bundle.entry"));
    let mut b = bundle();
    b.as_object_mut().unwrap().remove("entry");
    assert_eq!(one(b, None), c(Code::FormatBundleEmpty, "Bundle.entry"));
    let mut b = bundle();
    b["entry"][2]["resource"]["resourceType"] = json!("NotAResource");
    assert_eq!(
        one(b, None),
        c(
            Code::FormatResourceTypeUnsupported,
            "Bundle.entry[2].resource.resourceType"
        )
    );
    assert_eq!(
        codes(&check(&v(json!([1])), None, &CheckOptions::default())),
        [c(Code::FormatBundleMalformed, "Bundle")]
    );
}

#[test]
fn provenance_shape() {
    let mut p = prov();
    p["resourceType"] = json!("Patient");
    assert_eq!(
        one(bundle(), Some(p)),
        c(Code::FormatProvenanceInvalid, "Provenance.resourceType")
    );
    let mut p = prov();
    p["target"] = json!([]);
    assert_eq!(
        one(bundle(), Some(p)),
        c(Code::FormatProvenanceInvalid, "Provenance.target")
    );
}

#[test]
fn provenance_targets() {
    let mut p = prov();
    p["target"][1] = json!({"reference": "Observation/1"});
    assert_eq!(
        one(bundle(), Some(p)),
        c(
            Code::FormatProvenanceTargetInvalid,
            "Provenance.target[1].reference"
        )
    );
    let mut p = prov();
    p["target"][1] = json!({"reference": U0});
    // U1 is then unsigned: the Observation is no longer checked, the duplicate is.
    assert_eq!(
        one(bundle(), Some(p)),
        c(
            Code::FormatProvenanceTargetDuplicate,
            "Provenance.target[0].reference"
        )
    );
    let mut p = prov();
    p["target"][1] = json!({"reference": "urn:uuid:7b123c4d-5678-9abc-def0-123456789abc"});
    let r = check(&v(bundle()), Some(&v(p)), &CheckOptions::default());
    assert_eq!(
        codes(&r),
        [c(
            Code::FormatTargetReferenceMissing,
            "Provenance.target[1]"
        )]
    );
    assert_eq!(r.findings[0].diagnostics(),
        "Referência órfã: 'urn:uuid:7b123c4d-5678-9abc-def0-123456789abc' em Provenance.target[1] não encontrada em Bundle.entry");
}

#[test]
fn target_entry_without_resource_or_type() {
    let mut b = bundle();
    b["entry"][0].as_object_mut().unwrap().remove("resource");
    let mut p = prov();
    p["target"] = json!([{"reference": U0}]);
    assert_eq!(
        one(b, Some(p.clone())),
        c(
            Code::FormatBundleResourceMissing,
            "Bundle.entry[0].resource"
        )
    );
    let mut b = bundle();
    b["entry"][0]["resource"]
        .as_object_mut()
        .unwrap()
        .remove("resourceType");
    let got = run(b, Some(p), &CheckOptions::default());
    assert_eq!(
        got[0],
        c(
            Code::FormatBundleMalformed,
            "Bundle.entry[0].resource.resourceType"
        )
    );
}

#[test]
fn limits() {
    let entries: Vec<J> = (0..101)
        .map(|i| {
            json!({"fullUrl": format!("urn:uuid:550e8400-e29b-41d4-a716-{i:012}"),
        "resource": {"resourceType": "Basic", "code": {"text": "x"}}})
        })
        .collect();
    let b = json!({"resourceType": "Bundle", "type": "collection", "entry": entries});
    let opts = CheckOptions::default().with_max_entries(100, 100).unwrap();
    assert_eq!(
        run(b.clone(), None, &opts),
        [c(Code::SecurityBundleSizeLimitExceeded, "Bundle.entry")]
    );
    let targets: Vec<J> = (0..101)
        .map(|i| json!({"reference": format!("urn:uuid:550e8400-e29b-41d4-a716-{i:012}")}))
        .collect();
    let p = json!({"resourceType": "Provenance", "target": targets});
    let opts = CheckOptions::default().with_max_entries(200, 100).unwrap();
    assert_eq!(
        run(b, Some(p), &opts),
        [c(
            Code::SecurityProvenanceSizeLimitExceeded,
            "Provenance.target"
        )]
    );
    assert_eq!(
        CheckOptions::default()
            .with_max_entries(99, 100)
            .unwrap_err()
            .code(),
        Code::ConfigBundleSizeLimitOutOfRange
    );
}

#[test]
fn strict_order() {
    let mut p = prov();
    p["target"] = json!([{"reference": U1}, {"reference": U0}]);
    assert!(run(bundle(), Some(p.clone()), &CheckOptions::default()).is_empty());
    let opts = CheckOptions {
        strict_order: true,
        ..CheckOptions::default()
    };
    let r = check(&v(bundle()), Some(&v(p)), &opts);
    assert_eq!(
        codes(&r),
        [c(Code::FormatBundleOrderMismatch, "Bundle.entry")]
    );
    assert_eq!(
        r.findings[0].locations(),
        ["Bundle.entry", "Provenance.target"]
    );
    assert!(run(bundle(), Some(prov()), &opts).is_empty());
}

#[test]
fn all_findings_reported() {
    let mut b = bundle();
    b["entry"][0]["fullUrl"] = json!("http://x/Patient/1");
    b["entry"][1]["resource"]["performer"][0] = json!({"reference": "Practitioner/1"});
    b["entry"][1]["resource"]["performer"][1] =
        json!({"reference": "#x", "identifier": {"value": "1"}});
    let got = run(b, None, &CheckOptions::default());
    assert_eq!(got.len(), 4, "{got:?}");
}

#[test]
fn strict_json() {
    let dup = br#"{"resourceType":"Bundle","resourceType":"Bundle","entry":[]}"#;
    let r = check_json(dup, None, &CheckOptions::default());
    assert_eq!(
        codes(&r),
        [c(Code::FormatJsonMalformed, "Bundle.resourceType")]
    );
    let ok = serde_json::to_vec(&bundle()).unwrap();
    let pdup = br#"{"resourceType":"Provenance","target":[{"reference":"a","reference":"b"}]}"#;
    let r = check_json(&ok, Some(pdup), &CheckOptions::default());
    assert_eq!(
        codes(&r),
        [c(
            Code::FormatJsonMalformed,
            "Provenance.target[0].reference"
        )]
    );
    let r = check_json(b"{", None, &CheckOptions::default());
    assert_eq!(r.findings[0].code(), Code::FormatJsonMalformed);
    let p = serde_json::to_vec(&prov()).unwrap();
    assert!(check_json(&ok, Some(&p), &CheckOptions::default())
        .findings
        .is_empty());
}

#[test]
fn references_checked_where_found_report_the_same_without_a_listing() {
    // One entry with 5 000 bad references, a contained resource that cannot be walked, an
    // unsigned entry with a bad reference, and a bad reference in the Provenance.
    let mut b = bundle();
    let many: Vec<J> = (0..5000)
        .map(
            |i| json!({"url": "http://x", "valueReference": {"reference": format!("Patient/{i}")}}),
        )
        .collect();
    b["entry"][1]["resource"]["extension"] = J::Array(many);
    b["entry"][1]["resource"]["contained"] = json!([{"resourceType": "NaoExiste"}]);
    b["entry"][2]["resource"]["qualification"] =
        json!([{"code": {"text": "x"}, "issuer": {"reference": "Organization/1"}}]);
    let mut p = prov();
    p["agent"][0]["onBehalfOf"] = json!({"reference": "Organization/2"});
    let (b, p) = (v(b), v(p));
    let listed = check(&b, Some(&p), &CheckOptions::default());
    let counted = check(
        &b,
        Some(&p),
        &CheckOptions {
            list_references: false,
            ..CheckOptions::default()
        },
    );
    assert_eq!(counted.findings, listed.findings);
    assert!(counted.references.is_empty());
    // 3 references in the bundle fixture, 5 000 added, 1 unsigned, 4 in the Provenance.
    assert_eq!(listed.references.len(), 5008);
    assert_eq!(counted.reference_count, 5008);
    assert_eq!(listed.reference_count, 5008);
    // The walk's finding first, then the references' in document order, capped per code.
    let got = codes(&counted);
    assert_eq!(
        got[0],
        c(
            Code::FormatResourceTypeUnsupported,
            "Bundle.entry[1].resource.contained[0].resourceType"
        )
    );
    assert_eq!(
        got[1],
        c(
            Code::FormatReferenceInvalid,
            "Bundle.entry[1].resource.extension[0].valueReference.reference"
        )
    );
    let invalid = &counted.findings[1..];
    assert_eq!(invalid.len(), 101, "{got:?}");
    // The first 100 in document order; the Provenance's is among the 4 901 left out.
    assert_eq!(
        invalid[99].locations(),
        ["Bundle.entry[1].resource.extension[99].valueReference.reference"]
    );
    assert_eq!(invalid[100].omitted(), 4901);
    assert_eq!(
        invalid[100].locations(),
        ["Bundle.entry[1].resource.extension[100].valueReference.reference"]
    );
}
