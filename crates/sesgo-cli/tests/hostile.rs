//! Hostile transfer Bundles (issue 15): someone trying to get unsigned data accepted as
//! signed. Each case changes a correctly signed transfer Bundle and states what a
//! receiver must be told — validity, codes with their locations, and the content no
//! signature covers — under both policies, through the facade and through the `sesgo`
//! binary. No variant verifies as valid unless its signed content is exactly what was
//! signed and every extra piece of content is reported.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use sesgo::{
    sign_with_clock, verify_with_clock, Code, FixedClock, Settings, SignOptions, Signer,
    TrustStore, UnsignedEntries, Value, VerifyInput, VerifyOptions,
};
use sesgo_cert::testpki::TestPki;
use sesgo_cert::Certificate;
use sesgo_core::json::{parse_strict, Limits};
use std::path::{Path, PathBuf};
use std::process::Command;

const P020: &str = "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0";
const P012: &str =
    "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.2";
const OBS_URL: &str = "urn:uuid:3d2c1b0a-9f8e-4d7c-b6a5-948372615a0b";
const FRESH_URL: &str = "urn:uuid:9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d";

fn pki() -> &'static TestPki {
    TestPki::shared()
}

fn now() -> i64 {
    let _ = pki();
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn example(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(name),
    )
    .unwrap()
}

fn trust() -> TrustStore {
    TrustStore::from_root_certs(vec![Certificate::from_der(&pki().root.der).unwrap()]).unwrap()
}

fn lenient() -> Settings {
    Settings {
        revocation_policy: sesgo::RevocationPolicy::Warn,
        ..Settings::default()
    }
}

/// The example, signed under `policy`: the transfer Bundle (lossless tree).
fn signed(policy: &str, t: i64) -> Value {
    let signer = Signer::from_pkcs12(
        &std::fs::read(&pki().p12_aes).unwrap(),
        &pki().password,
        None,
    )
    .unwrap();
    let s = sign_with_clock(
        &example("bundle.json"),
        &example("provenance.json"),
        &signer,
        &trust(),
        &SignOptions {
            policy: policy.parse().unwrap(),
            reference_time: Some(t),
            revocation_evidence: vec![sesgo_cert::testpki::RevocationPki::shared()
                .ecpf_evidence()
                .display()
                .to_string()],
            ..Default::default()
        },
        &FixedClock(t),
    )
    .unwrap();
    sesgo_core::json::parse_strict(s.bundle.as_bytes(), &Default::default()).unwrap()
}

fn entries(b: &mut Value) -> &mut Vec<Value> {
    b.as_object_mut()
        .unwrap()
        .get_mut("entry")
        .unwrap()
        .as_array_mut()
        .unwrap()
}

fn index_of(b: &Value, full_url: &str) -> usize {
    b.get("entry")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .position(|e| e.get("fullUrl").and_then(Value::as_str) == Some(full_url))
        .unwrap()
}

fn provenance_index(b: &Value) -> usize {
    b.get("entry")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .position(|e| {
            e.get("resource")
                .and_then(|r| r.get("resourceType"))
                .and_then(Value::as_str)
                == Some("Provenance")
        })
        .unwrap()
}

/// The signed Provenance resource of the transfer Bundle, to change it.
fn provenance_mut(b: &mut Value) -> &mut Value {
    let p = provenance_index(b);
    entries(b)[p]
        .as_object_mut()
        .unwrap()
        .get_mut("resource")
        .unwrap()
}

fn json(text: &str) -> Value {
    parse_strict(text.as_bytes(), &Limits::default()).unwrap()
}

/// A copy of the signed Observation entry with its value changed (`36.50` → `39.90`).
fn shadow_observation(b: &Value) -> Value {
    let i = index_of(b, OBS_URL);
    let text = b.get("entry").unwrap().as_array().unwrap()[i].to_json();
    assert!(text.contains("36.50"));
    json(&text.replacen("36.50", "39.90", 1))
}

fn set_str(v: &mut Value, path: &[&str], s: &str) {
    let mut cur = v;
    for (n, k) in path.iter().enumerate() {
        let o = cur.as_object_mut().unwrap();
        if n + 1 == path.len() {
            o.insert(*k, s);
            return;
        }
        cur = o.get_mut(k).unwrap();
    }
}

/// What a receiver must be told about one hostile Bundle.
struct Expect {
    valid: bool,
    /// (code, a location it must carry) that must be in the outcome.
    findings: &'static [(Code, &'static str)],
    /// Locations that must be listed as unsigned content (exactly these when valid; an
    /// invalid signature covers nothing, so then every entry may be listed).
    unsigned: &'static [&'static str],
}

struct Case {
    name: &'static str,
    /// The change; `{P}` in expected locations stands for the Provenance's entry index
    /// in the result of the change, `{O}` for the signed Observation's.
    change: fn(&mut Value),
    expect: Expect,
    /// Only for one policy (`Some(P020)` for what 0.2.0 binds and 0.1 does not).
    only: Option<&'static str>,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "unchanged",
            change: |_| {},
            expect: Expect {
                valid: true,
                findings: &[],
                unsigned: &[],
            },
            only: None,
        },
        Case {
            name: "shadow entry appended (same fullUrl, value changed)",
            change: |b| {
                let s = shadow_observation(b);
                entries(b).push(s);
            },
            expect: Expect {
                valid: false,
                findings: &[(Code::FormatDuplicateFullurl, "Bundle.entry[4].fullUrl")],
                unsigned: &["Bundle.entry[4]"],
            },
            only: None,
        },
        Case {
            name: "shadow entry prepended",
            change: |b| {
                let s = shadow_observation(b);
                entries(b).insert(0, s);
            },
            expect: Expect {
                valid: false,
                findings: &[(Code::FormatDuplicateFullurl, "Bundle.entry[0].fullUrl")],
                unsigned: &[],
            },
            only: None,
        },
        Case {
            name: "upper-case twin of the signed fullUrl appended",
            change: |b| {
                let mut s = shadow_observation(b);
                set_str(
                    &mut s,
                    &["fullUrl"],
                    &OBS_URL
                        .to_ascii_uppercase()
                        .replace("URN:UUID:", "urn:uuid:"),
                );
                entries(b).push(s);
            },
            expect: Expect {
                valid: false,
                findings: &[
                    (Code::FormatUuidInvalid, "Bundle.entry[4].fullUrl"),
                    (Code::FormatDuplicateFullurl, "Bundle.entry[4].fullUrl"),
                ],
                unsigned: &["Bundle.entry[4]"],
            },
            only: None,
        },
        Case {
            name: "signed Provenance duplicated under a fresh fullUrl",
            change: |b| {
                let p = provenance_index(b);
                let mut copy = b.get("entry").unwrap().as_array().unwrap()[p].clone();
                set_str(&mut copy, &["fullUrl"], FRESH_URL);
                entries(b).push(copy);
            },
            expect: Expect {
                valid: false,
                findings: &[(
                    Code::FormatProvenanceInvalid,
                    "Bundle.entry[4].resource.signature[0].data",
                )],
                unsigned: &["Bundle.entry[4]"],
            },
            only: None,
        },
        Case {
            name: "extra unsigned entry",
            change: |b| {
                entries(b).push(json(&format!(
                    r#"{{"fullUrl":"{FRESH_URL}","resource":{{"resourceType":"Patient","id":"intruso","name":[{{"text":"Não Assinado"}}]}}}}"#
                )));
            },
            expect: Expect {
                valid: true,
                findings: &[(Code::ValidationPolicyComplianceFailed, "Bundle.entry[4]")],
                unsigned: &["Bundle.entry[4]"],
            },
            only: None,
        },
        Case {
            name: "unsigned Provenance (no signature) claiming a signed entry",
            change: |b| {
                entries(b).push(json(&format!(
                    r#"{{"fullUrl":"{FRESH_URL}","resource":{{"resourceType":"Provenance","target":[{{"reference":"{OBS_URL}"}}],"recorded":"2026-01-01T00:00:00Z","agent":[{{"who":{{"display":"x"}}}}]}}}}"#
                )));
            },
            expect: Expect {
                valid: true,
                findings: &[(Code::ValidationPolicyComplianceFailed, "Bundle.entry[4]")],
                unsigned: &["Bundle.entry[4]"],
            },
            only: None,
        },
        Case {
            name: "request added to a signed entry (a transaction would act on it)",
            change: |b| {
                let i = index_of(b, OBS_URL);
                entries(b)[i].as_object_mut().unwrap().insert(
                    "request",
                    json(r#"{"method":"DELETE","url":"Patient/pac-001"}"#),
                );
            },
            expect: Expect {
                valid: true,
                findings: &[(
                    Code::ValidationPolicyComplianceFailed,
                    "Bundle.entry[2].request",
                )],
                unsigned: &["Bundle.entry[2].request"],
            },
            only: None,
        },
        Case {
            name: "target re-pointed to a contained resource",
            change: |b| {
                let prov = provenance_mut(b);
                let t = prov.as_object_mut().unwrap().get_mut("target").unwrap();
                set_str(&mut t.as_array_mut().unwrap()[0], &["reference"], "#obs");
            },
            expect: Expect {
                valid: false,
                findings: &[(
                    Code::FormatProvenanceTargetInvalid,
                    "Bundle.entry[3].resource.target[0].reference",
                )],
                unsigned: &[],
            },
            only: None,
        },
        Case {
            name: "entries reordered (the digest follows Provenance.target)",
            change: |b| entries(b).reverse(),
            expect: Expect {
                valid: true,
                findings: &[],
                unsigned: &[],
            },
            only: None,
        },
        Case {
            name: "signed value changed in place",
            change: |b| {
                let i = index_of(b, OBS_URL);
                let s = shadow_observation(b);
                entries(b)[i] = s;
            },
            expect: Expect {
                valid: false,
                findings: &[(Code::CryptoHashVerificationFailed, "Bundle.entry")],
                unsigned: &["Bundle.entry[0]", "Bundle.entry[1]", "Bundle.entry[2]"],
            },
            only: None,
        },
        Case {
            name: "signed fullUrl renamed (target no longer resolves)",
            change: |b| {
                let i = index_of(b, OBS_URL);
                set_str(&mut entries(b)[i], &["fullUrl"], FRESH_URL);
            },
            expect: Expect {
                valid: false,
                findings: &[(
                    Code::FormatTargetReferenceMissing,
                    "Bundle.entry[3].resource.target[2]",
                )],
                unsigned: &[],
            },
            only: None,
        },
        Case {
            name: "resource removed from a signed entry",
            change: |b| {
                let i = index_of(b, OBS_URL);
                entries(b)[i].as_object_mut().unwrap().remove("resource");
            },
            expect: Expect {
                valid: false,
                findings: &[(
                    Code::FormatBundleResourceMissing,
                    "Bundle.entry[2].resource",
                )],
                unsigned: &[],
            },
            only: None,
        },
        Case {
            name: "a second signature in the signed Provenance",
            change: |b| {
                let prov = provenance_mut(b);
                let sigs = prov.as_object_mut().unwrap().get_mut("signature").unwrap();
                let first = sigs.as_array().unwrap()[0].clone();
                sigs.as_array_mut().unwrap().push(first);
            },
            expect: Expect {
                valid: false,
                findings: &[(
                    Code::FormatProfileValidationFailed,
                    "Bundle.entry[3].resource.signature",
                )],
                unsigned: &[],
            },
            only: None,
        },
        Case {
            name: "fullUrl with a trailing space beside the signed one",
            change: |b| {
                let mut s = shadow_observation(b);
                set_str(&mut s, &["fullUrl"], &format!("{OBS_URL} "));
                entries(b).push(s);
            },
            expect: Expect {
                valid: false,
                findings: &[(Code::FormatUuidInvalid, "Bundle.entry[4].fullUrl")],
                unsigned: &["Bundle.entry[4]"],
            },
            only: None,
        },
        Case {
            name: "Provenance.target reordered (0.2.0 binds the target list)",
            change: |b| {
                let prov = provenance_mut(b);
                prov.as_object_mut()
                    .unwrap()
                    .get_mut("target")
                    .unwrap()
                    .as_array_mut()
                    .unwrap()
                    .reverse();
            },
            expect: Expect {
                valid: false,
                findings: &[(Code::CryptoHashVerificationFailed, "Bundle.entry")],
                unsigned: &["Bundle.entry[0]", "Bundle.entry[1]", "Bundle.entry[2]"],
            },
            only: Some(P020),
        },
        Case {
            name: "the signature moved into an unsigned Provenance targeting other content",
            change: |b| {
                let p = provenance_index(b);
                let sig = b.get("entry").unwrap().as_array().unwrap()[p]
                    .get("resource")
                    .unwrap()
                    .get("signature")
                    .unwrap()
                    .clone();
                let mut prov = json(&format!(
                    r#"{{"fullUrl":"{FRESH_URL}","resource":{{"resourceType":"Provenance","target":[{{"reference":"urn:uuid:6f1c2a4e-8b3d-4c5e-9a7f-1b2c3d4e5f60"}}],"recorded":"2026-01-01T00:00:00Z","agent":[{{"who":{{"display":"x"}}}}]}}}}"#
                ));
                prov.as_object_mut()
                    .unwrap()
                    .get_mut("resource")
                    .unwrap()
                    .as_object_mut()
                    .unwrap()
                    .insert("signature", sig);
                entries(b).push(prov);
            },
            expect: Expect {
                valid: false,
                findings: &[(
                    Code::FormatProvenanceInvalid,
                    "Bundle.entry[4].resource.signature[0].data",
                )],
                unsigned: &["Bundle.entry[4]"],
            },
            only: None,
        },
    ]
}

fn facade(bundle: &[u8], t: i64, unsigned: UnsignedEntries) -> sesgo::Verification {
    verify_with_clock(
        &VerifyInput {
            bundle: Some(bundle),
            ..Default::default()
        },
        &trust(),
        &VerifyOptions {
            reference_time: Some(t),
            settings: lenient(),
            unsigned_entries: unsigned,
            ..Default::default()
        },
        &FixedClock(t),
    )
    .unwrap()
}

fn cli(bundle: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sesgo"));
    c.args([
        "verify",
        "--report",
        "--revocation",
        "warn",
        "--trust-root-sha256",
    ])
    .arg(&pki().root_sha256)
    .arg("--bundle")
    .arg(bundle)
    .args(extra);
    let out = c.output().unwrap();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap(), v)
}

fn scratch() -> PathBuf {
    let d = std::env::temp_dir().join(format!("sesgo-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn hostile_transfer_bundles_are_reported_under_both_policies_facade_and_cli() {
    let t = now();
    let dir = scratch();
    let mut failures = Vec::new();
    for policy in [P012, P020] {
        let original = signed(policy, t);
        for (n, case) in cases().into_iter().enumerate() {
            if case.only.is_some_and(|p| p != policy) {
                continue;
            }
            let mut b = original.clone();
            (case.change)(&mut b);
            let bytes = b.to_json();
            let v = facade(bytes.as_bytes(), t, UnsignedEntries::Warning);
            let label = format!("[{policy}] {}", case.name);
            let e = &case.expect;
            if v.valid != e.valid {
                failures.push(format!(
                    "{label}: valid {} (expected {}): {}",
                    v.valid,
                    e.valid,
                    v.to_json()
                ));
                continue;
            }
            for (code, loc) in e.findings {
                let hit = v
                    .outcome
                    .issues()
                    .iter()
                    .any(|f| f.code() == *code && f.locations().iter().any(|l| l == loc));
                if !hit {
                    failures.push(format!(
                        "{label}: missing {code:?} at {loc}: {}",
                        v.outcome.to_json()
                    ));
                }
            }
            let unsigned: Vec<&str> = v
                .unsigned_content
                .iter()
                .map(|u| u.location.as_str())
                .collect();
            let listed_ok = if e.valid {
                unsigned == e.unsigned
            } else {
                e.unsigned.iter().all(|u| unsigned.contains(u))
            };
            if !listed_ok {
                failures.push(format!(
                    "{label}: unsigned {unsigned:?} (expected {:?})",
                    e.unsigned
                ));
            }
            // Nothing unsigned is reported as signed: a valid result lists every extra
            // entry, and with unsignedEntries=error any of them makes it invalid.
            if e.valid && !e.unsigned.is_empty() {
                let strict = facade(bytes.as_bytes(), t, UnsignedEntries::Error);
                if strict.valid {
                    failures.push(format!("{label}: valid with unsignedEntries=error"));
                }
            }
            if v.valid {
                assert!(v.content_checked, "{label}");
            }
            // The same through the binary.
            let file = dir.join(format!("case-{n}.json"));
            std::fs::write(&file, &bytes).unwrap();
            let (code, report) = cli(&file, &[]);
            let want = if e.valid { 0 } else { 1 };
            if code != want || report["valid"] != e.valid {
                failures.push(format!(
                    "{label}: CLI exit {code} (expected {want}): {report}"
                ));
            }
            let cli_unsigned: Vec<String> = report["unsignedContent"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["location"].as_str().unwrap().to_owned())
                .collect();
            if cli_unsigned.iter().map(String::as_str).collect::<Vec<_>>() != unsigned {
                failures.push(format!("{label}: CLI unsigned {cli_unsigned:?}"));
            }
            if e.valid && !e.unsigned.is_empty() {
                let (code, _) = cli(&file, &["--unsigned-entries", "error"]);
                if code != 1 {
                    failures.push(format!("{label}: CLI --unsigned-entries error exit {code}"));
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn a_supplied_bundle_is_never_ignored() {
    let t = now();
    let b = signed(P020, t);
    let p = provenance_index(&b);
    let sig = b.get("entry").unwrap().as_array().unwrap()[p]
        .get("resource")
        .unwrap()
        .get("signature")
        .unwrap()
        .as_array()
        .unwrap()[0]
        .get("data")
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    let run = |bundle: &[u8]| {
        verify_with_clock(
            &VerifyInput {
                signature_data: Some(&sig),
                bundle: Some(bundle),
                ..Default::default()
            },
            &trust(),
            &VerifyOptions {
                reference_time: Some(t),
                settings: lenient(),
                ..Default::default()
            },
            &FixedClock(t),
        )
        .unwrap()
    };
    let ok = run(b.to_json().as_bytes());
    assert!(ok.valid && ok.content_checked, "{}", ok.to_json());
    // Tampered content: invalid.
    let tampered = b.to_json().replacen("36.50", "36.51", 1);
    let v = run(tampered.as_bytes());
    assert!(!v.valid);
    assert!(
        v.codes().contains(&Code::CryptoHashVerificationFailed),
        "{:?}",
        v.codes()
    );
    // An empty Bundle, or one without the Provenance carrying this signature: invalid.
    for other in [
        r#"{"resourceType":"Bundle","type":"collection","entry":[]}"#.to_owned(),
        String::from_utf8(example("bundle.json")).unwrap(),
    ] {
        let v = run(other.as_bytes());
        assert!(!v.valid, "{}", v.to_json());
        assert!(!v.content_checked);
        assert_eq!(
            v.codes()[0],
            Code::FormatSignatureMissing,
            "{:?}",
            v.codes()
        );
    }
}

#[test]
fn receivers_choose_policies_and_are_told_what_policy_0_1_binds() {
    let t = now();
    let b = signed(P012, t).to_json();
    let input = VerifyInput {
        bundle: Some(b.as_bytes()),
        ..Default::default()
    };
    let opts = |accepted: Option<Vec<sesgo::Policy>>| VerifyOptions {
        reference_time: Some(t),
        settings: lenient(),
        accepted_policies: accepted,
        ..Default::default()
    };
    let v = verify_with_clock(&input, &trust(), &opts(None), &FixedClock(t)).unwrap();
    assert!(v.valid, "{}", v.to_json());
    let note = v
        .outcome
        .issues()
        .iter()
        .find(|f| f.code() == Code::PolicyVersionDeprecated)
        .expect("policy 0.1 note");
    assert_eq!(note.severity(), sesgo::Severity::Information);
    assert_eq!(v.signatures[0].binds_references, Some(false));
    let v = verify_with_clock(
        &input,
        &trust(),
        &opts(Some(vec![sesgo::Policy::Politica020])),
        &FixedClock(t),
    )
    .unwrap();
    assert!(!v.valid);
    assert!(
        v.codes().contains(&Code::PolicyVersionUnsupported),
        "{:?}",
        v.codes()
    );
    // 0.2.0 binds references: no note.
    let b = signed(P020, t).to_json();
    let v = verify_with_clock(
        &VerifyInput {
            bundle: Some(b.as_bytes()),
            ..Default::default()
        },
        &trust(),
        &opts(Some(vec![sesgo::Policy::Politica020])),
        &FixedClock(t),
    )
    .unwrap();
    assert!(v.valid);
    assert!(!v.codes().contains(&Code::PolicyVersionDeprecated));
    assert_eq!(v.signatures[0].binds_references, Some(true));
    assert_eq!(
        v.signatures[0].signer.as_ref().unwrap().value,
        "12345678909"
    );
    assert_eq!(v.signatures[0].signed_full_urls.len(), 3);
}
