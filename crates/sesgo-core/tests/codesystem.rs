//! The generated code table must agree with the guide's CodeSystem JSON (and the sesgo
//! addendum of policy-0.2.0 codes) on every code, display, definition, severity and
//! category.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use serde_json::Value;
use sesgo_core::{Code, Origin, Severity, CODE_SYSTEM_URL, CODE_SYSTEM_VERSION};

fn load(rel: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json")
}

fn prop<'a>(c: &'a Value, name: &str) -> Option<&'a str> {
    c.get("property")?.as_array()?.iter().find_map(|p| {
        (p["code"] == name).then(|| {
            p.get("valueCode")
                .or_else(|| p.get("valueString"))
                .and_then(Value::as_str)
        })?
    })
}

fn flatten(list: &Value, out: &mut Vec<Value>) {
    for c in list.as_array().expect("concept array") {
        out.push(c.clone());
        if let Some(children) = c.get("concept") {
            flatten(children, out);
        }
    }
}

fn check(concepts: &[Value], origin: Origin) {
    for c in concepts {
        let s = c["code"].as_str().unwrap();
        let code = Code::from_code_str(s).unwrap_or_else(|| panic!("{s} missing from Code"));
        assert_eq!(code.as_str(), s);
        assert_eq!(code.origin(), origin, "{s}");
        assert_eq!(
            code.display(),
            c["display"].as_str().unwrap(),
            "{s} display"
        );
        assert_eq!(
            code.info().definition,
            c.get("definition").and_then(Value::as_str),
            "{s} definition"
        );
        let declared = prop(c, "severity").map(|v| Severity::from_fhir(v).expect("severity"));
        assert_eq!(code.info().declared_severity, declared, "{s} severity");
        if let Some(sev) = declared {
            assert_eq!(code.severity(), sev, "{s} effective severity");
        }
        assert_eq!(
            code.info().declared_category,
            prop(c, "category"),
            "{s} category"
        );
        assert_eq!(s.parse::<Code>(), Ok(code));
    }
}

#[test]
fn every_code_of_the_codesystem_is_generated_exactly() {
    let cs = load("data/ig/CodeSystem-situacao-excepcional-assinatura.json");
    assert_eq!(cs["url"], CODE_SYSTEM_URL);
    assert_eq!(cs["version"], CODE_SYSTEM_VERSION);
    let mut concepts = Vec::new();
    flatten(&cs["concept"], &mut concepts);
    assert_eq!(concepts.len() as u64, cs["count"].as_u64().unwrap());
    check(&concepts, Origin::CodeSystem);

    let add = load("data/codes-policy-0.2.0.json");
    let mut extra = Vec::new();
    flatten(&add["concept"], &mut extra);
    check(&extra, Origin::Policy020Addendum);

    assert_eq!(Code::ALL.len(), concepts.len() + extra.len());
    for (i, code) in Code::ALL.iter().enumerate() {
        let expected = concepts
            .get(i)
            .or_else(|| extra.get(i - concepts.len()))
            .unwrap();
        assert_eq!(
            code.as_str(),
            expected["code"].as_str().unwrap(),
            "table order"
        );
    }
}

#[test]
fn addendum_holds_exactly_the_policy_020_codes_of_ig_digest_14_4() {
    let mut got: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| c.origin() == Origin::Policy020Addendum)
        .map(|c| c.as_str())
        .collect();
    got.sort_unstable();
    let mut want = vec![
        "FORMAT.JADES-UNPROTECTED-HEADER-INVALID",
        "FORMAT.JADES-COMPONENT-PLACEMENT-INVALID",
        "POLICY.SIGNATURE-POLICY-ID-INVALID",
        "TEMPORAL.IAT-MISSING",
        "TSA.POLICY-UNSUPPORTED",
        "TSA.MESSAGE-IMPRINT-MISMATCH",
        "TSA.CERTIFICATE-PURPOSE-INVALID",
        "TSA.CERTIFICATE-TIME-INVALID",
        "TSA.SIGNATURE-INVALID",
    ];
    want.sort_unstable();
    assert_eq!(got, want);
}

#[test]
fn known_severities_from_the_guide() {
    assert_eq!(Code::ValidationSuccess.severity(), Severity::Information);
    assert_eq!(
        Code::CryptoSignatureCreationFailed.severity(),
        Severity::Fatal
    );
    assert_eq!(
        Code::FormatCanonicalizationFailed.severity(),
        Severity::Fatal
    );
    assert_eq!(Code::CertNearExpiry.severity(), Severity::Warning);
    assert_eq!(Code::PolicyVersionDeprecated.severity(), Severity::Warning);
    assert_eq!(
        Code::TemporalClockSkewDetected.severity(),
        Severity::Warning
    );
    // The CodeSystem declares no severity for these; sesgo renders them as errors.
    assert_eq!(
        Code::ValidationUnsupportedAlgorithm
            .info()
            .declared_severity,
        None
    );
    assert_eq!(
        Code::ValidationUnsupportedAlgorithm.severity(),
        Severity::Error
    );
    assert!(Code::Policy.is_group());
    assert!(!Code::PolicyMissing.is_group());
    assert!("NOT.A-CODE".parse::<Code>().is_err());
}
