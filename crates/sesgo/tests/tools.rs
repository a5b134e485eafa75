#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]
use sesgo::{
    build_bundle, canonicalize, check_references, BuildBundleOptions, Code, ReferenceCheckOptions,
    Settings,
};

const P020: &str = "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0";

fn example(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(name),
    )
    .unwrap()
}

#[test]
fn canonicalize_follows_each_policy() {
    let r = br#"{"resourceType":"Observation","id":"o","_id":{"extension":[]},"meta":{"versionId":"1","profile":["x"]},"valueQuantity":{"value":1.50E1}}"#;
    assert_eq!(
        canonicalize(r, None).unwrap(),
        br#"{"_id":{"extension":[]},"meta":{"profile":["x"]},"resourceType":"Observation","valueQuantity":{"value":15}}"#
    );
    assert_eq!(
        canonicalize(r, Some(P020)).unwrap(),
        br#"{"meta":{"profile":["x"]},"resourceType":"Observation","valueQuantity":{"value":1.50E1}}"#
    );
    let e = canonicalize(br#"{"a":1,"a":2}"#, None).unwrap_err();
    assert_eq!(e.code(), Code::FormatJsonMalformed);
    assert_eq!(e.findings()[0].locations(), ["resource.a"]);
    assert_eq!(
        canonicalize(b"{}", Some("https://example.org/policy|1.0.0"))
            .unwrap_err()
            .code(),
        Code::PolicyVersionUnsupported
    );
    assert_eq!(
        canonicalize(b"[]", None).unwrap_err().code(),
        Code::FormatResourceInvalid
    );
    assert_eq!(
        canonicalize(br#"{"v":1e400}"#, None).unwrap_err().code(),
        Code::FormatCanonicalizationFailed
    );
}

#[test]
fn the_example_bundle_passes_the_reference_rules_under_both_policies() {
    let bundle = example("bundle.json");
    let prov = example("provenance.json");
    for policy in [None, Some(P020.to_owned())] {
        let oo = check_references(
            &bundle,
            Some(&prov),
            &ReferenceCheckOptions {
                policy,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(oo.is_success(), "{}", oo.to_json());
        assert_eq!(oo.issues()[0].code(), Code::ValidationSuccess);
    }
}

#[test]
fn reference_findings_come_back_as_an_operation_outcome() {
    let bundle = String::from_utf8(example("bundle.json")).unwrap().replace(
        r#""encounter": { "reference": "urn:uuid:0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d" }"#,
        r#""encounter": { "reference": "Encounter/enc-7781" }"#,
    );
    let oo = check_references(
        bundle.as_bytes(),
        Some(&example("provenance.json")),
        &Default::default(),
    )
    .unwrap();
    assert!(!oo.is_success());
    let v = oo.to_value();
    assert_eq!(
        v["issue"][0]["details"]["coding"][0]["code"],
        "FORMAT.REFERENCE-INVALID"
    );
    assert_eq!(
        v["issue"][0]["location"][0],
        "Bundle.entry[2].resource.encounter.reference"
    );
    // Unusable inputs and options are errors, not outcomes.
    assert_eq!(
        check_references(b"{", None, &Default::default())
            .unwrap_err()
            .code(),
        Code::FormatJsonMalformed
    );
    assert_eq!(
        ReferenceCheckOptions::from_json(br#"{"maxEntriesBundle":5}"#)
            .and_then(|o| check_references(&example("bundle.json"), None, &o))
            .unwrap_err()
            .code(),
        Code::ConfigBundleSizeLimitOutOfRange
    );
    assert_eq!(
        ReferenceCheckOptions::from_json(br#"{"nope":true}"#)
            .unwrap_err()
            .code(),
        Code::ConfigInvalidParameter
    );
}

#[test]
fn built_bundles_pass_the_checker() {
    let resources = br#"[
      {"resourceType":"Patient","id":"123","name":[{"text":"Ana"}]},
      {"resourceType":"Observation","id":"9","status":"final","code":{"text":"massa"},
       "subject":{"reference":"Patient/123"},
       "performer":[{"reference":"Practitioner/77"}]}
    ]"#;
    // The practitioner is outside the set: refused unless mapped.
    assert!(build_bundle(resources, &Default::default()).is_err());
    let opts = BuildBundleOptions::from_json(
        br#"{"external":[{"reference":"Practitioner/77","identifier":{"system":"urn:brasil:cpf","value":"11144477735"},"display":"Dr. Carlos"}]}"#,
    )
    .unwrap();
    let b = build_bundle(resources, &opts).unwrap();
    let entries = b["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    let patient_url = entries[0]["fullUrl"].as_str().unwrap();
    assert_eq!(entries[1]["resource"]["subject"]["reference"], patient_url);
    assert_eq!(
        entries[1]["resource"]["performer"][0]["identifier"]["value"],
        "11144477735"
    );
    let oo = check_references(b.to_json().as_bytes(), None, &Default::default()).unwrap();
    assert!(oo.is_success(), "{}", oo.to_json());
}

#[test]
fn settings_are_validated_within_the_guide_ranges() {
    assert_eq!(Settings::from_json(b"").unwrap(), Settings::default());
    let e = Settings::from_json(
        br#"{"ocspTimeoutSecs":4,"revocationCacheTtlSecs":90000,"maxBundleBytes":10}"#,
    )
    .unwrap_err();
    let codes: Vec<Code> = e.findings().iter().map(|f| f.code()).collect();
    assert_eq!(
        codes,
        [
            Code::ConfigTimeoutOutOfRange,
            Code::ConfigTtlOutOfRange,
            Code::ConfigBundleMemoryLimitOutOfRange
        ]
    );
    // Settings are not FHIR input: no location; the setting is named in diagnostics.
    assert!(e.findings()[0].locations().is_empty());
    assert!(e.findings()[0].diagnostics().contains("ocspTimeoutSecs"));
    let s =
        Settings::from_json(br#"{"revocationPolicy":"soft-fail","nearExpiryThresholdDays":10}"#)
            .unwrap();
    assert_eq!(s.revocation_policy, sesgo::RevocationPolicy::SoftFail);
    assert_eq!(
        Settings::from_json(br#"{"revocationPolicy":"lenient"}"#)
            .unwrap_err()
            .code(),
        Code::ConfigInvalidParameter
    );
    assert!(sesgo::check_reference_time(1_763_650_000, 1_763_650_100).is_ok());
    assert_eq!(
        sesgo::check_reference_time(1_763_650_000, 1_763_650_301)
            .unwrap_err()
            .code(),
        Code::FormatInvalidTimestamp
    );
    assert_eq!(
        sesgo::check_reference_time(1_700_000_000, 1_700_000_000)
            .unwrap_err()
            .code(),
        Code::FormatInvalidTimestamp
    );
}
