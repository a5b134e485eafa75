//! A key inside SoftHSM2 signs exactly like the same key from PKCS#12 (issue 21).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use sesgo::pkcs11::{Pin, Pkcs11Config};
use sesgo::{
    sign_with_clock, verify_with_clock, Code, FixedClock, Settings, SignOptions, Signer,
    TrustStore, VerifyInput, VerifyOptions,
};
use sesgo_cert::testpki::TestPki;
use sesgo_cert::Certificate;
use sesgo_pkcs11::softhsm::{self, SoftHsm};

const P020: &str = "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0";

fn example(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(name),
    )
    .unwrap()
}

fn config(extra: &str) -> String {
    format!(
        r#"{{"module":"{}","tokenLabel":"{}","keyId":"{}","maxRetries":0{extra}}}"#,
        SoftHsm::shared().module.display(),
        softhsm::TOKEN,
        softhsm::KEY_ID
    )
}

fn hsm_signer(extra: &str) -> Signer {
    Signer::from_pkcs11_json(config(extra).as_bytes(), Pin::value(softhsm::USER_PIN)).unwrap()
}

#[test]
fn softhsm_signature_is_the_pkcs12_signature_under_both_policies() {
    let pki = TestPki::shared();
    let _ = SoftHsm::shared();
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let trust =
        TrustStore::from_root_certs(vec![Certificate::from_der(&pki.root.der).unwrap()]).unwrap();
    let p12 =
        Signer::from_pkcs12(&std::fs::read(&pki.p12_aes).unwrap(), &pki.password, None).unwrap();
    for mech in ["", r#","mechanism":"CKM_RSA_PKCS""#] {
        let hsm = hsm_signer(mech);
        assert_eq!(hsm.chain()[0].der(), pki.ecpf.der.as_slice());
        for policy in [None, Some(P020.parse::<sesgo::Policy>().unwrap())] {
            let opts = SignOptions {
                policy: policy.unwrap_or_default(),
                reference_time: Some(t),
                revocation_evidence: vec![sesgo_cert::testpki::RevocationPki::shared()
                    .ecpf_evidence()
                    .display()
                    .to_string()],
                ..Default::default()
            };
            let sign = |s: &Signer| {
                sign_with_clock(
                    &example("bundle.json"),
                    &example("provenance.json"),
                    s,
                    &trust,
                    &opts,
                    &FixedClock(t),
                )
                .unwrap_or_else(|e| panic!("{policy:?} {mech}: {e}"))
            };
            let a = sign(&hsm);
            let b = sign(&p12);
            let jws_a = a.signature["data"].as_str().unwrap().to_owned();
            let jws_b = b.signature["data"].as_str().unwrap().to_owned();
            // Header, payload and signature: byte for byte the same.
            assert!(jws_a == jws_b, "{policy:?} {mech}: JWS differ");
            assert!(
                a.signature.to_json() == b.signature.to_json(),
                "{policy:?} {mech}"
            );
            let vopts = VerifyOptions {
                policy,
                reference_time: Some(t),
                settings: Settings {
                    revocation_policy: sesgo::RevocationPolicy::Warn,
                    ..Settings::default()
                },
                ..Default::default()
            };
            let bundle = a.bundle.clone();
            let v = verify_with_clock(
                &VerifyInput {
                    bundle: Some(bundle.as_bytes()),
                    ..Default::default()
                },
                &trust,
                &vopts,
                &FixedClock(t),
            )
            .unwrap();
            assert!(v.valid, "{}", v.outcome.to_json());
            assert_eq!(v.outcome.issues()[0].code(), Code::ValidationSuccess);
        }
    }
}

#[test]
fn json_config_errors() {
    let pin = || Pin::value(softhsm::USER_PIN);
    let cases: [(&str, Code, &str); 6] = [
        (
            r#"{"keyId":"a1"}"#,
            Code::ConfigMissingParameter,
            "pkcs11.module",
        ),
        (
            r#"{"module":"/x.so"}"#,
            Code::ConfigMissingParameter,
            "pkcs11.keyId",
        ),
        (
            r#"{"module":"/x.so","keyId":"a1","keyLabel":"b"}"#,
            Code::MiddlewareInvalidConfig,
            "pkcs11.keyLabel",
        ),
        (
            r#"{"module":"/x.so","keyId":"a1","pin":"1"}"#,
            Code::ConfigInvalidParameter,
            "pkcs11.pin",
        ),
        (
            r#"{"module":"/x.so","keyId":"a1","sessionMode":"rx"}"#,
            Code::MiddlewareSessionModeInvalid,
            "pkcs11.sessionMode",
        ),
        (
            r#"{"module":"/x.so","keyId":"a1","maxPinAttempts":11}"#,
            Code::MiddlewareAuthAttemptsOutOfRange,
            "pkcs11.maxPinAttempts",
        ),
    ];
    for (json, code, loc) in cases {
        let e = Signer::from_pkcs11_json(json.as_bytes(), pin()).unwrap_err();
        assert_eq!(e.code(), code, "{json}: {e:?}");
        assert_eq!(e.primary().locations(), [loc.to_owned()], "{json}");
    }
    let c = Pkcs11Config::from_json(config("").as_bytes()).unwrap();
    assert_eq!(c.token_label.as_deref(), Some(softhsm::TOKEN));
    let e = Signer::from_pkcs11_json(config("").as_bytes(), Pin::value("999999")).unwrap_err();
    assert_eq!(e.code(), Code::CryptoPinInvalid);
}
