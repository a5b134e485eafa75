//! criar and validar end to end through the facade, with the ICP-Brasil-like test PKI.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use sesgo::{
    sign_with_clock, verify_with_clock, Code, FixedClock, Policy, Settings, SignOptions, Signer,
    Strategy, TrustStore, VerifyInput, VerifyOptions,
};
use sesgo_cert::testpki::TestPki;
use sesgo_cert::Certificate;

const P020: &str = "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0";

fn pki() -> &'static TestPki {
    TestPki::shared()
}

fn trust() -> TrustStore {
    let root = Certificate::from_der(&pki().root.der).unwrap();
    TrustStore::from_root_certs(vec![root]).unwrap()
}

/// Now, after the shared test PKI exists (its certificates become valid when generated).
fn now() -> i64 {
    let _ = pki();
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn example(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(name),
    )
    .unwrap()
}

fn signer() -> Signer {
    Signer::from_pkcs12(
        &std::fs::read(&pki().p12_aes).unwrap(),
        &pki().password,
        None,
    )
    .unwrap()
}

/// Revocation evidence for the e-CPF's chain (OCSP response from the real `openssl ocsp`
/// responder, the ACs' CRLs): signing under the default `strict` without network.
fn evidence() -> Vec<String> {
    vec![sesgo_cert::testpki::RevocationPki::shared()
        .ecpf_evidence()
        .display()
        .to_string()]
}

fn lenient() -> Settings {
    Settings {
        revocation_policy: sesgo::RevocationPolicy::Warn,
        ..Settings::default()
    }
}

#[test]
fn sign_and_verify_the_example_under_both_policies() {
    let t = now();
    for policy in [None, Some(Policy::Politica020)] {
        let opts = SignOptions {
            policy: policy.unwrap_or_default(),
            reference_time: Some(t),
            revocation_evidence: evidence(),
            ..Default::default()
        };
        let signed = sign_with_clock(
            &example("bundle.json"),
            &example("provenance.json"),
            &signer(),
            &trust(),
            &opts,
            &FixedClock(t),
        )
        .unwrap_or_else(|e| panic!("{policy:?}: {e}"));
        assert_eq!(
            signed.signature["who"]["identifier"]["value"],
            "12345678909"
        );
        let vopts = VerifyOptions {
            policy,
            reference_time: Some(t),
            settings: lenient(),
            ..Default::default()
        };
        // The transfer Bundle alone.
        let bundle = signed.bundle.clone();
        let v = verify_with_clock(
            &VerifyInput {
                bundle: Some(bundle.as_bytes()),
                ..Default::default()
            },
            &trust(),
            &vopts,
            &FixedClock(t),
        )
        .unwrap();
        assert!(v.valid, "{policy:?}: {}", v.outcome.to_json());
        let codes: Vec<Code> = v.outcome.issues().iter().map(|f| f.code()).collect();
        assert_eq!(codes[0], Code::ValidationSuccess);
        // Signature.data alone (no integrity check).
        let data = signed.signature["data"].as_str().unwrap();
        let v = verify_with_clock(
            &VerifyInput {
                signature_data: Some(data),
                ..Default::default()
            },
            &trust(),
            &vopts,
            &FixedClock(t),
        )
        .unwrap();
        assert!(v.valid, "{}", v.outcome.to_json());
        // The signed Provenance + the original Bundle.
        let prov = signed.provenance.to_json();
        let v = verify_with_clock(
            &VerifyInput {
                provenance: Some(prov.as_bytes()),
                bundle: Some(&example("bundle.json")),
                ..Default::default()
            },
            &trust(),
            &vopts,
            &FixedClock(t),
        )
        .unwrap();
        assert!(v.valid, "{}", v.outcome.to_json());
        // Tampered content: invalid, not an exception.
        let tampered = bundle.replace("36.50", "39.50");
        let v = verify_with_clock(
            &VerifyInput {
                bundle: Some(tampered.as_bytes()),
                ..Default::default()
            },
            &trust(),
            &vopts,
            &FixedClock(t),
        )
        .unwrap();
        assert!(!v.valid);
        assert!(
            v.outcome
                .issues()
                .iter()
                .any(|f| f.code() == Code::CryptoHashVerificationFailed),
            "{}",
            v.outcome.to_json()
        );
    }
}

#[test]
fn strict_revocation_without_evidence_is_invalid_and_off_warns() {
    let t = now();
    let signed = sign_with_clock(
        &example("bundle.json"),
        &example("provenance.json"),
        &signer(),
        &trust(),
        &SignOptions {
            reference_time: Some(t),
            revocation_evidence: evidence(),
            ..Default::default()
        },
        &FixedClock(t),
    )
    .unwrap();
    let bundle = signed.bundle.clone();
    let input = VerifyInput {
        bundle: Some(bundle.as_bytes()),
        ..Default::default()
    };
    let v = verify_with_clock(
        &input,
        &trust(),
        &VerifyOptions {
            reference_time: Some(t),
            ..Default::default()
        },
        &FixedClock(t),
    )
    .unwrap();
    assert!(!v.valid);
    // The test PKI's OCSP/CRL URLs are unreachable loopback ports.
    assert!(v.outcome.issues().iter().any(|f| matches!(
        f.code(),
        Code::RevocationOcspUnavailable | Code::RevocationCrlUnavailable
    ) && f.severity() == sesgo::Severity::Error));
    let off = VerifyOptions {
        reference_time: Some(t),
        settings: Settings {
            revocation_policy: sesgo::RevocationPolicy::Off,
            ..Settings::default()
        },
        ..Default::default()
    };
    let v = verify_with_clock(&input, &trust(), &off, &FixedClock(t)).unwrap();
    assert!(v.valid, "{}", v.outcome.to_json());
    assert!(v
        .outcome
        .issues()
        .iter()
        .any(|f| f.code() == Code::RevocationNoConnectivity
            && f.severity() == sesgo::Severity::Warning));
}

#[test]
fn a_foreign_root_and_the_default_icp_trust_store_are_refused() {
    let t = now();
    let signed = sign_with_clock(
        &example("bundle.json"),
        &example("provenance.json"),
        &signer(),
        &trust(),
        &SignOptions {
            reference_time: Some(t),
            revocation_evidence: evidence(),
            ..Default::default()
        },
        &FixedClock(t),
    )
    .unwrap();
    let bundle = signed.bundle.clone();
    let v = verify_with_clock(
        &VerifyInput {
            bundle: Some(bundle.as_bytes()),
            ..Default::default()
        },
        &TrustStore::icp_brasil_default(),
        &VerifyOptions {
            reference_time: Some(t),
            settings: lenient(),
            ..Default::default()
        },
        &FixedClock(t),
    )
    .unwrap();
    assert!(!v.valid);
    assert!(
        v.outcome
            .issues()
            .iter()
            .any(|f| f.code() == Code::CertNotIcpBrasil),
        "{}",
        v.outcome.to_json()
    );
    // Signing with the production trust store refuses the test chain too.
    let e = sign_with_clock(
        &example("bundle.json"),
        &example("provenance.json"),
        &signer(),
        &TrustStore::icp_brasil_default(),
        &SignOptions {
            reference_time: Some(t),
            revocation_evidence: evidence(),
            ..Default::default()
        },
        &FixedClock(t),
    )
    .unwrap_err();
    assert!(
        matches!(e.code(), Code::CertNotIcpBrasil | Code::CertChainIncomplete),
        "{e}"
    );
}

#[test]
fn criar_step_1_inputs_are_checked_first() {
    let t = now();
    let s = signer();
    let b = example("bundle.json");
    let p = example("provenance.json");
    let run = |o: SignOptions| {
        sign_with_clock(&b, &p, &s, &trust(), &o, &FixedClock(t))
            .unwrap_err()
            .code()
    };
    assert_eq!(
        run(SignOptions {
            reference_time: Some(t - 301),
            revocation_evidence: evidence(),
            ..Default::default()
        }),
        Code::FormatInvalidTimestamp
    );
    // Policy and strategy are typed; given as text (the bindings' JSON), they are
    // checked where they are read, located at `options.<member>`.
    let wire = |json: &[u8]| SignOptions::from_json(json).unwrap_err();
    let e = wire(br#"{"policy":"x"}"#);
    assert_eq!(e.code(), Code::PolicyUriInvalid);
    assert_eq!(e.primary().locations(), ["options.policy"]);
    let e = wire(br#"{"strategy":"now"}"#);
    assert_eq!(e.code(), Code::ConfigInvalidStrategy);
    assert_eq!(e.primary().locations(), ["options.strategy"]);
    assert_eq!(
        SignOptions::from_json(format!(r#"{{"strategy":"tsa","policy":"{P020}"}}"#).as_bytes())
            .unwrap(),
        SignOptions {
            strategy: Strategy::Tsa,
            policy: Policy::Politica020,
            ..Default::default()
        }
    );
    assert_eq!(
        run(SignOptions {
            reference_time: Some(t),
            strategy: Strategy::Tsa,
            revocation_evidence: evidence(),
            ..Default::default()
        }),
        Code::ConfigMissingParameter
    );
    assert_eq!(
        SignOptions::from_json(br#"{"settings":{"ocspTimeoutSecs":1}}"#)
            .unwrap_err()
            .code(),
        Code::ConfigTimeoutOutOfRange
    );
    // External signer: a wrong signature is refused before anything is produced.
    let chain: Vec<Vec<u8>> = s.chain().iter().map(|c| c.der().to_vec()).collect();
    let bad = Signer::external(&chain, |_| Ok(vec![1u8; 256])).unwrap();
    let e = sign_with_clock(
        &b,
        &p,
        &bad,
        &trust(),
        &SignOptions {
            reference_time: Some(t),
            revocation_evidence: evidence(),
            ..Default::default()
        },
        &FixedClock(t),
    )
    .unwrap_err();
    assert_eq!(e.code(), Code::CryptoSignatureCreationFailed);
    // And a real external signer (the PKCS#12 key behind a callback) works.
    let creds = sesgo_cert::Credentials::from_pkcs12(
        &std::fs::read(&pki().p12_3des).unwrap(),
        &pki().password,
        None,
    )
    .unwrap();
    let ext = Signer::external(&chain, move |input| creds.sign_rs256(input)).unwrap();
    assert!(sign_with_clock(
        &b,
        &p,
        &ext,
        &trust(),
        &SignOptions {
            reference_time: Some(t),
            revocation_evidence: evidence(),
            ..Default::default()
        },
        &FixedClock(t)
    )
    .is_ok());
}

/// What signing emits, its own verification accepts under the same `maxEntriesBundle`:
/// 99 targets sign into a 100-entry transfer Bundle that verifies; 100 targets would make
/// a 101-entry Bundle, and signing refuses them (DECISIONS D51).
#[test]
fn the_transfer_bundle_signing_emits_fits_max_entries() {
    let t = now();
    let uuid = |i: usize| format!("urn:uuid:00000000-0000-4000-8000-{i:012}");
    let bundle = |n: usize| {
        let entries: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    r#"{{"fullUrl":"{}","resource":{{"resourceType":"Patient","active":true}}}}"#,
                    uuid(i)
                )
            })
            .collect();
        format!(
            r#"{{"resourceType":"Bundle","type":"collection","entry":[{}]}}"#,
            entries.join(",")
        )
    };
    let provenance = |n: usize| {
        let mut p: serde_json::Value = serde_json::from_slice(&example("provenance.json")).unwrap();
        p["target"] = (0..n)
            .map(|i| serde_json::json!({"reference": uuid(i)}))
            .collect();
        p.to_string()
    };
    let settings = Settings {
        max_entries_bundle: 100,
        ..lenient()
    };
    let sign = |targets: usize| {
        sign_with_clock(
            bundle(100).as_bytes(),
            provenance(targets).as_bytes(),
            &signer(),
            &trust(),
            &SignOptions {
                reference_time: Some(t),
                settings: settings.clone(),
                ..Default::default()
            },
            &FixedClock(t),
        )
    };
    let e = sign(100).unwrap_err();
    assert_eq!(e.code(), Code::SecurityBundleSizeLimitExceeded, "{e:?}");
    assert_eq!(e.findings()[0].locations(), ["Provenance.target"]);
    assert!(e.to_string().contains("teria 101 entradas"), "{e}");
    let signed = sign(99).unwrap_or_else(|e| panic!("{e:?}"));
    let transfer = signed.bundle.clone();
    assert_eq!(
        sesgo_core::json::parse_strict(signed.bundle.as_bytes(), &Default::default()).unwrap()
            ["entry"]
            .as_array()
            .unwrap()
            .len(),
        100
    );
    let v = verify_with_clock(
        &VerifyInput {
            bundle: Some(transfer.as_bytes()),
            ..Default::default()
        },
        &trust(),
        &VerifyOptions {
            reference_time: Some(t),
            settings,
            ..Default::default()
        },
        &FixedClock(t),
    )
    .unwrap();
    assert!(v.valid, "{}", v.outcome.to_json());
}
