//! ADR 0042 "done when": a third policy is one profile. `Policy::TestHybrid` exists only
//! with sesgo-core's `test-profiles` feature (enabled by this crate's dev-dependencies);
//! it combines existing facts differently from both real policies — flat `sigPId` and a
//! flat unprotected header (like 0.1) with lossless canonicalization, the framed digest
//! and mandatory `iat` (like 0.2.0), no `x5t#S256`/`srCms`, `rRefs` refused — and signs
//! and verifies end to end through sesgo-jades with nothing outside its profile changed.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]
mod common;
use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use common::{parse, pki};
use sesgo_core::json::Value;
use sesgo_core::Code;
use sesgo_jades::*;
use sha2::{Digest, Sha256};

const URI: &str = "https://example.org/sesgo/politica-de-teste/9.9.9-teste";
const T1: &str = "urn:uuid:6f1c3a52-0d0e-4c57-9a59-5d1b0bd6c9a1";
const IAT: i64 = 1_760_000_000;
const TOKEN: &[u8] = b"\x30\x0bopaque-tst";

fn policy() -> Policy {
    Policy::from_uri(URI).unwrap()
}

fn resource() -> Value {
    parse(
        r#"{"resourceType":"Observation","id":"o1","_id":{"extension":[]},"meta":{"_versionId":{"id":"x"},"profile":["http://x/p"]},"status":"final","valueQuantity":{"value":36.50,"unit":"Cel"}}"#,
    )
}

fn params(strategy: Strategy, iat: Option<i64>) -> HeaderParams {
    HeaderParams {
        x5c_der: vec![pki().a.cert_der.clone()],
        iat,
        strategy,
    }
}

fn header_of(jws: &str) -> Value {
    let v = parse(jws);
    let p = v["signatures"][0]["protected"].as_str().unwrap().to_owned();
    parse(std::str::from_utf8(&Base64UrlUnpadded::decode_vec(&p).unwrap()).unwrap())
}

#[test]
fn identified_by_its_uri_only() {
    let p = policy();
    assert_eq!(p.uri(), URI);
    assert!(!Policy::ALL.contains(&p));
    assert_eq!(URI.parse::<Policy>().unwrap(), p);
}

#[test]
fn digest_is_the_combination_of_its_facts() {
    let r = resource();
    let d = policy().content_digest(&[(T1, &r)]).unwrap();
    // Same canonicalization, stripping and framing as 0.2.0, so the same digest …
    assert_eq!(d, Policy::Politica020.content_digest(&[(T1, &r)]).unwrap());
    // … and not the 0.1 digest.
    assert_ne!(d, Policy::Ig012.content_digest(&[(T1, &r)]).unwrap());
}

#[test]
fn signs_and_verifies_iat() {
    let p = policy();
    let r = resource();
    let digest = p.content_digest(&[(T1, &r)]).unwrap();
    let prepared = prepare(p, &params(Strategy::Iat, Some(IAT)), &digest).unwrap();
    let jws = sign_with(prepared, &pki().a.key)
        .unwrap()
        .to_json()
        .unwrap();

    let h = header_of(&jws);
    let keys: Vec<&str> = h.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["alg", "x5c", "iat", "sigPId"]);
    assert_eq!(h["sigPId"].to_json(), format!(r#"{{"id":"{URI}"}}"#));
    assert!(!jws.contains("\"header\""));

    let v = verify_jws(
        jws.as_bytes(),
        &VerifyOptions {
            expected_policy: Some(p),
            expected_payload: Some(digest),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(v.policy, p);
    assert_eq!(v.strategy, Strategy::Iat);
    assert_eq!(v.iat, Some(IAT));
    assert_eq!(v.certificates.len(), 1);
    assert_eq!(v.certificates[0].der(), pki().a.cert_der.as_slice());

    // Declared policy is the test one: expecting 0.2.0 is a compliance failure.
    let err = verify_jws(
        jws.as_bytes(),
        &VerifyOptions {
            expected_policy: Some(Policy::Politica020),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(err
        .findings()
        .iter()
        .any(|f| f.code() == Code::ValidationPolicyComplianceFailed
            && f.locations() == ["signatures[0].protected.sigPId"]));
}

#[test]
fn signs_and_verifies_tsa_with_flat_header_and_mandatory_iat() {
    let p = policy();
    let r = resource();
    let digest = p.content_digest(&[(T1, &r)]).unwrap();
    // iat is mandatory under this profile even with strategy tsa.
    let e = prepare(p, &params(Strategy::Tsa, None), &digest).unwrap_err();
    assert_eq!(e.code(), Code::TemporalIatMissing);

    let prepared = prepare(p, &params(Strategy::Tsa, Some(IAT)), &digest).unwrap();
    let mut jws = sign_with(prepared, &pki().a.key).unwrap();
    // Imprint over the signature text (TsaImprint::SignatureText).
    let want: [u8; 32] = Sha256::digest(jws.signature_b64().as_bytes()).into();
    assert_eq!(jws.tsa_message_imprint(), want);
    // rRefs refused.
    let refs = RevocationRefs::from_der(&[b"ocsp".as_slice()], &[] as &[&[u8]]);
    assert_eq!(
        jws.set_revocation_refs(refs).unwrap_err().code(),
        Code::FormatJadesUnprotectedHeaderInvalid
    );
    jws.attach_timestamp_token(TOKEN.to_vec()).unwrap();
    let json = jws.to_json().unwrap();
    let v = parse(&json);
    assert_eq!(
        v["signatures"][0]["header"].to_json(),
        format!(r#"{{"sigTst":"{}"}}"#, Base64::encode_string(TOKEN))
    );
    assert!(header_of(&json).get("iat").is_some());

    let ok = verify_jws(json.as_bytes(), &VerifyOptions::default()).unwrap();
    assert_eq!(ok.strategy, Strategy::Tsa);
    assert_eq!(ok.timestamp_token.as_deref(), Some(TOKEN));
    assert_eq!(ok.tsa_message_imprint(), want);

    // An rRefs member in the flat header is refused by this profile.
    let digest_b64 = Base64::encode_string(&[7u8; 64]);
    let tampered = json.replace(
        r#"{"sigTst":"#,
        &format!(
            r#"{{"rRefs":{{"ocspRefs":[{{"digestAlg":"{SHA512_DIGEST_ALG}","digestValue":"{digest_b64}"}}]}},"sigTst":"#
        ),
    );
    let err = verify_jws(tampered.as_bytes(), &VerifyOptions::default()).unwrap_err();
    let got: Vec<_> = err
        .findings()
        .iter()
        .map(|f| (f.code(), f.locations().to_vec()))
        .collect();
    assert_eq!(
        got,
        [(
            Code::FormatJadesUnprotectedHeaderInvalid,
            vec!["signatures[0].header.rRefs".to_owned()]
        )]
    );
}
