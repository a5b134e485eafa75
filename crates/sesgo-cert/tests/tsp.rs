//! RFC 3161 requests, responses and tokens against a real TSA: `openssl ts -reply` (and
//! `openssl cms -sign` for a signer `openssl ts` refuses) over the test PKI.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use sesgo_cert::testpki::{TestPki, TestTsa, TSA_OTHER_POLICY, TSA_POLICY, TSA_REFUSED_POLICY};
use sesgo_cert::tsp::{token_from_response, validate_token, Imprint, TimeStampRequest, TokenCheck};
use sesgo_cert::{crypto, TrustStore};
use sesgo_core::Code;

fn trust() -> TrustStore {
    let pki = TestPki::shared();
    TrustStore::from_fingerprints([pki.root_sha256.as_str()]).unwrap()
}

fn check<'a>(
    imprint: &'a [u8; 32],
    nonce: Option<&'a [u8]>,
    trust: &'a TrustStore,
) -> TokenCheck<'a> {
    TokenCheck {
        imprint: Imprint::Sha256(imprint),
        nonce,
        policy: None,
        trust,
        max_depth: 5,
    }
}

#[test]
fn a_granted_token_validates_and_names_gen_time_policy_and_tsa() {
    let tsa = TestTsa::shared();
    let imprint = crypto::sha256(b"assinatura");
    let req = TimeStampRequest::new(imprint, None).unwrap();
    assert_eq!(req.nonce.len(), 8);
    let token = token_from_response(&tsa.reply(&tsa.good, &req.der).unwrap()).unwrap();
    let trust = trust();
    let ts = validate_token(&token, &check(&imprint, Some(&req.nonce), &trust)).unwrap();
    let now = sesgo_cert::now_unix();
    assert!(
        (ts.gen_time - now).abs() < 60,
        "genTime {} now {now}",
        ts.gen_time
    );
    assert_eq!(ts.policy, TSA_POLICY);
    assert_eq!(ts.accuracy_micros, 0);
    assert_eq!(
        ts.tsa_certificate().unwrap().der(),
        TestPki::shared().tsa.der.as_slice()
    );
    assert_eq!(ts.tsa_chain.len(), 4);
    // The stored token (no nonce known) validates too; a configured policy must match.
    validate_token(&token, &check(&imprint, None, &trust)).unwrap();
    let mut c = check(&imprint, None, &trust);
    c.policy = Some(TSA_POLICY);
    validate_token(&token, &c).unwrap();
    c.policy = Some(TSA_OTHER_POLICY);
    let e = validate_token(&token, &c).unwrap_err();
    assert_eq!(e.code(), Code::TsaValidationFailed);
    assert!(e.to_string().contains("política"), "{e}");
}

#[test]
fn a_requested_policy_is_granted_and_a_refused_one_is_a_rejection() {
    let tsa = TestTsa::shared();
    let imprint = crypto::sha256(b"x");
    let req = TimeStampRequest::new(imprint, Some(TSA_OTHER_POLICY)).unwrap();
    let token = token_from_response(&tsa.reply(&tsa.good, &req.der).unwrap()).unwrap();
    let trust = trust();
    let ts = validate_token(&token, &check(&imprint, Some(&req.nonce), &trust)).unwrap();
    assert_eq!(ts.policy, TSA_OTHER_POLICY);

    let req = TimeStampRequest::new(imprint, Some(TSA_REFUSED_POLICY)).unwrap();
    let e = token_from_response(&tsa.reply(&tsa.good, &req.der).unwrap()).unwrap_err();
    assert_eq!(e.code(), Code::TsaInvalidResponse);
    assert!(e.to_string().contains("Rejection"), "{e}");
    assert!(e.to_string().contains("failInfo unacceptedPolicy"), "{e}");
}

/// Replies from this process and from the HTTP-front command, all at once, share one
/// serial file: each must be granted (a serial read mid-rewrite is a `rejection`).
#[test]
fn concurrent_replies_and_http_front_commands_are_all_granted() {
    let tsa = TestTsa::shared();
    let dir = tempdir();
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let dir = dir.clone();
            std::thread::spawn(move || {
                let imprint = crypto::sha256(format!("concorrente {i}").as_bytes());
                let req = TimeStampRequest::new(imprint, None).unwrap();
                let mut responses = Vec::new();
                for round in 0..3 {
                    let resp = if i % 2 == 0 {
                        tsa.reply(&tsa.good, &req.der).unwrap()
                    } else {
                        let q = dir.join(format!("q-{i}-{round}"));
                        let r = dir.join(format!("r-{i}-{round}"));
                        std::fs::write(&q, &req.der).unwrap();
                        let status = std::process::Command::new("sh")
                            .arg("-c")
                            .arg(tsa.shell_command(&tsa.good))
                            .env("SESGO_REQUEST", &q)
                            .env("SESGO_RESPONSE", &r)
                            .status()
                            .unwrap();
                        assert!(status.success());
                        std::fs::read(&r).unwrap()
                    };
                    responses.push((imprint, req.nonce.clone(), resp));
                }
                responses
            })
        })
        .collect();
    let trust = trust();
    for h in handles {
        for (imprint, nonce, resp) in h.join().unwrap() {
            let token = token_from_response(&resp).unwrap_or_else(|e| panic!("{e}"));
            validate_token(&token, &check(&imprint, Some(&nonce), &trust)).unwrap();
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sesgo-tsp-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn malformed_policy_oid_and_garbage_responses_and_tokens() {
    let e = TimeStampRequest::new([0; 32], Some("não-oid")).unwrap_err();
    assert_eq!(e.code(), Code::ConfigTsaOidInvalid);
    assert_eq!(
        token_from_response(b"<html>").unwrap_err().code(),
        Code::TsaInvalidResponse
    );
    assert_eq!(
        token_from_response(&[]).unwrap_err().code(),
        Code::TsaInvalidResponse
    );
    let trust = trust();
    let imprint = [0u8; 32];
    for bad in [&b""[..], b"\x30\x03\x02\x01\x01", b"garbage"] {
        let e = validate_token(bad, &check(&imprint, None, &trust)).unwrap_err();
        assert_eq!(e.code(), Code::TsaInvalidToken, "{e}");
    }
}

#[test]
fn wrong_imprint_and_wrong_nonce_are_validation_failures() {
    let tsa = TestTsa::shared();
    let trust = trust();
    let imprint = crypto::sha256(b"assinatura");
    let req = TimeStampRequest::new(imprint, None).unwrap();
    let token = token_from_response(&tsa.reply(&tsa.good, &req.der).unwrap()).unwrap();
    let other = crypto::sha256(b"outra assinatura");
    let e = validate_token(&token, &check(&other, Some(&req.nonce), &trust)).unwrap_err();
    assert_eq!(e.code(), Code::TsaValidationFailed);
    assert!(e.to_string().contains("messageImprint"), "{e}");
    // A response to another request with the same imprint (a replay): nonce differs.
    let other_req = TimeStampRequest::new(imprint, None).unwrap();
    assert_ne!(other_req.nonce, req.nonce);
    let e = validate_token(&token, &check(&imprint, Some(&other_req.nonce), &trust)).unwrap_err();
    assert_eq!(e.code(), Code::TsaValidationFailed);
    assert!(e.to_string().contains("nonce"), "{e}");
}

#[test]
fn untrusted_tsa_is_a_validation_failure_unless_its_root_is_a_tsa_anchor() {
    let tsa = TestTsa::shared();
    let pki = TestPki::shared();
    let imprint = crypto::sha256(b"y");
    let req = TimeStampRequest::new(imprint, None).unwrap();
    let token = token_from_response(&tsa.reply(&tsa.foreign, &req.der).unwrap()).unwrap();
    let e = validate_token(&token, &check(&imprint, Some(&req.nonce), &trust())).unwrap_err();
    assert_eq!(e.code(), Code::TsaValidationFailed);
    assert!(e.to_string().contains("cadeia"), "{e}");
    // Separately configured TSA anchors.
    let anchors =
        TrustStore::from_fingerprints([crypto_hex(&crypto::sha256(&pki.foreign_root.der))])
            .unwrap();
    let anchors =
        anchors.with_ca_certs([sesgo_cert::Certificate::from_der(&pki.foreign_root.der).unwrap()]);
    validate_token(&token, &check(&imprint, Some(&req.nonce), &anchors)).unwrap();
}

#[test]
fn a_signer_without_critical_time_stamping_eku_is_refused() {
    let tsa = TestTsa::shared();
    let trust = trust();
    let imprint = crypto::sha256(b"z");
    let req = TimeStampRequest::new(imprint, None).unwrap();
    let good = token_from_response(&tsa.reply(&tsa.good, &req.der).unwrap()).unwrap();
    // Re-sign the very TSTInfo of a good token with the non-critical-EKU certificate.
    let tst_info = extract_tst_info(&good);
    let token = tsa.cms_token(&tsa.no_critical_eku, &tst_info).unwrap();
    let e = validate_token(&token, &check(&imprint, Some(&req.nonce), &trust)).unwrap_err();
    assert_eq!(e.code(), Code::TsaValidationFailed);
    assert!(e.to_string().contains("EKU não crítica"), "{e}");
    // The same TSTInfo signed by the good TSA through `openssl cms` lacks ESS.
    let token = tsa.cms_token(&tsa.good, &tst_info).unwrap();
    let e = validate_token(&token, &check(&imprint, Some(&req.nonce), &trust)).unwrap_err();
    assert_eq!(e.code(), Code::TsaValidationFailed);
    assert!(e.to_string().contains("ESS"), "{e}");
}

#[test]
fn a_tampered_signature_is_a_validation_failure() {
    let tsa = TestTsa::shared();
    let trust = trust();
    let imprint = crypto::sha256(b"w");
    let req = TimeStampRequest::new(imprint, None).unwrap();
    let mut token = token_from_response(&tsa.reply(&tsa.good, &req.der).unwrap()).unwrap();
    // The RSA signature value is the last 256 bytes of the token.
    let n = token.len();
    token[n - 10] ^= 0x01;
    let e = validate_token(&token, &check(&imprint, Some(&req.nonce), &trust)).unwrap_err();
    assert_eq!(e.code(), Code::TsaValidationFailed);
    assert!(e.to_string().contains("assinatura CMS"), "{e}");
}

fn crypto_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The TSTInfo DER inside a token, by `openssl cms -verify -noverify` (prints eContent).
fn extract_tst_info(token: &[u8]) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("sesgo-tsp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let t = dir.join("token.der");
    std::fs::write(&t, token).unwrap();
    let out = std::process::Command::new("openssl")
        .args([
            "cms",
            "-verify",
            "-noverify",
            "-inform",
            "DER",
            "-binary",
            "-in",
        ])
        .arg(&t)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn a_stored_token_may_use_sha512_as_eu_dss_does() {
    // `openssl ts -query -sha512` over some bytes, as DSS timestamps by default.
    let tsa = TestTsa::shared();
    let dir = std::env::temp_dir().join(format!("sesgo-tsp512-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = b"eyJhbGciOiJSUzI1NiJ9.assinatura-base64url";
    std::fs::write(dir.join("data"), data).unwrap();
    let out = std::process::Command::new("openssl")
        .args(["ts", "-query", "-sha512", "-cert", "-data"])
        .arg(dir.join("data"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let token = token_from_response(&tsa.reply(&tsa.good, &out.stdout).unwrap()).unwrap();
    let trust = trust();
    let mut c = check(&[0; 32], None, &trust);
    c.imprint = Imprint::Of(data);
    validate_token(&token, &c).unwrap();
    c.imprint = Imprint::Of(b"outra coisa");
    assert_eq!(
        validate_token(&token, &c).unwrap_err().code(),
        Code::TsaValidationFailed
    );
    // A request sesgo made (SHA-256) never accepts another algorithm.
    c.imprint = Imprint::Sha256(&[0; 32]);
    let e = validate_token(&token, &c).unwrap_err();
    assert!(e.to_string().contains("não aceito"), "{e}");
}
