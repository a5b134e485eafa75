//! Signing and verification: round trips, header deviations, tampering, two-phase.
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
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sesgo_core::json::Value;
use sesgo_core::Code;
use sesgo_jades::*;
use sha2::{Digest, Sha256};

const T1: &str = "urn:uuid:6f1c3a52-0d0e-4c57-9a59-5d1b0bd6c9a1";
const T2: &str = "urn:uuid:0b7a3e9d-2c41-4f5e-8a6b-9c0d1e2f3a4b";
const IAT: i64 = 1_760_000_000;
const TOKEN: &[u8] = b"\x30\x0bopaque-tst";

fn resources() -> (Value, Value) {
    (
        parse(
            r#"{"resourceType":"Patient","id":"p1","meta":{"versionId":"2","profile":["http://x/p"]},"name":[{"family":"Silva","given":["Ana"]}],"birthDate":"1990-01-01"}"#,
        ),
        parse(
            r#"{"resourceType":"Observation","id":"o1","status":"final","valueQuantity":{"value":36.50,"unit":"Cel"},"subject":{"reference":"urn:uuid:6f1c3a52-0d0e-4c57-9a59-5d1b0bd6c9a1"}}"#,
        ),
    )
}

fn digest(policy: Policy) -> [u8; 32] {
    let (a, b) = resources();
    policy.content_digest(&[(T1, &a), (T2, &b)]).unwrap()
}

fn params(strategy: Strategy) -> HeaderParams {
    HeaderParams {
        x5c_der: vec![pki().a.cert_der.clone(), pki().b.cert_der.clone()],
        iat: Some(IAT),
        strategy,
    }
}

fn sign(policy: Policy, strategy: Strategy) -> String {
    let p = prepare(policy, &params(strategy), &digest(policy)).unwrap();
    let mut jws = sign_with(p, &pki().a.key).unwrap();
    if strategy == Strategy::Tsa {
        jws.attach_timestamp_token(TOKEN.to_vec()).unwrap();
    }
    jws.to_json().unwrap()
}

fn opts(policy: Policy) -> VerifyOptions {
    VerifyOptions {
        expected_policy: Some(policy),
        expected_payload: Some(digest(policy)),
        ..Default::default()
    }
}

fn rs256(key: &RsaPrivateKey, input: &[u8]) -> Vec<u8> {
    key.sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(input))
        .unwrap()
}

/// A JWS with an arbitrary protected header, correctly signed with key A.
fn forge(header: &str, unprotected: Option<&str>, payload: &[u8; 32]) -> String {
    let prot = Base64UrlUnpadded::encode_string(header.as_bytes());
    let pay = payload_b64(payload);
    let sig = Base64UrlUnpadded::encode_string(&rs256(
        &pki().a.oracle,
        format!("{prot}.{pay}").as_bytes(),
    ));
    match unprotected {
        Some(u) => format!(
            r#"{{"payload":"{pay}","signatures":[{{"protected":"{prot}","signature":"{sig}","header":{u}}}]}}"#
        ),
        None => format!(
            r#"{{"payload":"{pay}","signatures":[{{"protected":"{prot}","signature":"{sig}"}}]}}"#
        ),
    }
}

fn x5c_json() -> String {
    format!(
        r#"["{}","{}"]"#,
        Base64::encode_string(&pki().a.cert_der),
        Base64::encode_string(&pki().b.cert_der)
    )
}

fn x5t() -> String {
    Base64UrlUnpadded::encode_string(&Sha256::digest(&pki().a.cert_der))
}

fn codes(jws: &str, o: &VerifyOptions) -> Vec<(Code, Vec<String>)> {
    match verify_jws(jws.as_bytes(), o) {
        Ok(_) => vec![],
        Err(e) => e
            .findings()
            .iter()
            .map(|f| (f.code(), f.locations().to_vec()))
            .collect(),
    }
}

#[test]
fn round_trips_all_policies_and_strategies() {
    for policy in Policy::ALL {
        for strategy in [Strategy::Iat, Strategy::Tsa] {
            let jws = sign(policy, strategy);
            let v = verify_jws(jws.as_bytes(), &opts(policy))
                .unwrap_or_else(|e| panic!("{policy} {strategy:?}: {e:?}"));
            assert_eq!(v.policy, policy);
            assert_eq!(v.strategy, strategy);
            assert_eq!(v.x5c_der, params(strategy).x5c_der);
            assert_eq!(v.leaf_der(), pki().a.cert_der.as_slice());
            assert_eq!(v.payload, digest(policy));
            let expect_iat = policy.family() == Family::V020 || strategy == Strategy::Iat;
            assert_eq!(v.iat, expect_iat.then_some(IAT));
            assert_eq!(
                v.timestamp_token.as_deref(),
                (strategy == Strategy::Tsa).then_some(TOKEN)
            );
            // Exact header member set per policy.
            let keys: Vec<&str> = v.header.as_object().unwrap().keys().collect();
            match policy.family() {
                Family::V01 if strategy == Strategy::Iat => {
                    assert_eq!(keys, ["alg", "x5c", "iat", "sigPId"])
                }
                Family::V01 => assert_eq!(keys, ["alg", "x5c", "sigPId"]),
                Family::V020 => {
                    assert_eq!(keys, ["alg", "x5t#S256", "x5c", "iat", "sigPId", "srCms"])
                }
            }
            let top = parse(&jws);
            let header = &top["signatures"][0]["header"];
            match (policy.family(), strategy) {
                (_, Strategy::Iat) => assert!(header.is_null(), "header omitted when empty"),
                (Family::V01, Strategy::Tsa) => assert_eq!(
                    header.to_json(),
                    format!(r#"{{"sigTst":"{}"}}"#, Base64::encode_string(TOKEN))
                ),
                (Family::V020, Strategy::Tsa) => assert_eq!(
                    header.to_json(),
                    format!(
                        r#"{{"etsiU":[{{"sigTst":{{"tstTokens":[{{"val":"{}"}}]}}}}]}}"#,
                        Base64::encode_string(TOKEN)
                    )
                ),
            }
            // Verification also works without expectations (dispatch on sigPId).
            assert_eq!(
                verify_jws(jws.as_bytes(), &VerifyOptions::default())
                    .unwrap()
                    .policy,
                policy
            );
        }
    }
}

#[test]
fn exact_protected_header_bytes() {
    let hdr = |policy, strategy| {
        let jws = sign(policy, strategy);
        let v = parse(&jws);
        let p = v["signatures"][0]["protected"].as_str().unwrap().to_owned();
        String::from_utf8(Base64UrlUnpadded::decode_vec(&p).unwrap()).unwrap()
    };
    let x5c = x5c_json();
    assert_eq!(
        hdr(Policy::Ig012, Strategy::Iat),
        format!(
            r#"{{"alg":"RS256","x5c":{x5c},"iat":{IAT},"sigPId":{{"id":"{}"}}}}"#,
            Policy::Ig012.uri()
        )
    );
    assert_eq!(
        hdr(Policy::Ig002, Strategy::Tsa),
        format!(
            r#"{{"alg":"RS256","x5c":{x5c},"sigPId":{{"id":"{}"}}}}"#,
            Policy::Ig002.uri()
        )
    );
    assert_eq!(
        hdr(Policy::Politica020, Strategy::Tsa),
        format!(
            r#"{{"alg":"RS256","x5t#S256":"{}","x5c":{x5c},"iat":{IAT},"sigPId":{{"id":{{"id":"{}"}}}},"srCms":[{{"commId":{{"id":"urn:oid:1.2.840.10065.1.12.1.5"}}}}]}}"#,
            x5t(),
            Policy::Politica020.uri()
        )
    );
}

#[test]
fn revocation_refs_policy_01() {
    let p = prepare(
        Policy::Ig012,
        &params(Strategy::Iat),
        &digest(Policy::Ig012),
    )
    .unwrap();
    let mut jws = sign_with(p, &pki().a.key).unwrap();
    let refs = RevocationRefs::from_der(&[b"ocsp-1".as_slice(), b"ocsp-2"], &[b"crl-1".as_slice()]);
    jws.set_revocation_refs(refs.clone()).unwrap();
    let json = jws.to_json().unwrap();
    assert!(json.contains(r#""header":{"rRefs":{"ocspRefs":[{"digestAlg":"http://www.w3.org/2001/04/xmlenc#sha512","digestValue":""#));
    let v = verify_jws(json.as_bytes(), &opts(Policy::Ig012)).unwrap();
    assert_eq!(v.revocation_refs, Some(refs));
    // Empty lists omitted.
    let mut jws2 = jws.clone();
    jws2.set_revocation_refs(RevocationRefs::from_der(
        &[b"o".as_slice()],
        &[] as &[&[u8]],
    ))
    .unwrap();
    assert!(!jws2.to_json().unwrap().contains("crlRefs"));
    // Duplicate digests refused.
    let dup = json.replace("crlRefs", "crlRefsX");
    assert!(codes(&dup, &opts(Policy::Ig012))
        .iter()
        .any(|(c, _)| *c == Code::ValidationLtvEvidenceInvalid));
    // 0.2.0 forbids rRefs.
    let p = prepare(
        Policy::Politica020,
        &params(Strategy::Iat),
        &digest(Policy::Politica020),
    )
    .unwrap();
    let mut jws = sign_with(p, &pki().a.key).unwrap();
    assert_eq!(
        jws.set_revocation_refs(RevocationRefs::from_der(
            &[b"o".as_slice()],
            &[] as &[&[u8]]
        ))
        .unwrap_err()
        .code(),
        Code::FormatJadesUnprotectedHeaderInvalid
    );
}

#[test]
fn tsa_strategy_requires_token_and_imprint() {
    for policy in [Policy::Ig012, Policy::Politica020] {
        let p = prepare(policy, &params(Strategy::Tsa), &digest(policy)).unwrap();
        let jws = sign_with(p, &pki().a.key).unwrap();
        assert_eq!(jws.to_json().unwrap_err().code(), Code::TsaInvalidToken);
        let imprint = jws.tsa_message_imprint();
        let want: [u8; 32] = match policy.family() {
            Family::V01 => {
                Sha256::digest(Base64UrlUnpadded::decode_vec(jws.signature_b64()).unwrap()).into()
            }
            Family::V020 => Sha256::digest(jws.signature_b64().as_bytes()).into(),
        };
        assert_eq!(imprint, want);
    }
    let p = prepare(
        Policy::Ig012,
        &params(Strategy::Iat),
        &digest(Policy::Ig012),
    )
    .unwrap();
    let mut jws = sign_with(p, &pki().a.key).unwrap();
    assert_eq!(
        jws.attach_timestamp_token(TOKEN.to_vec())
            .unwrap_err()
            .code(),
        Code::ValidationTimestampStrategyInvalid
    );
}

#[test]
fn prepare_input_errors() {
    let d = digest(Policy::Ig012);
    let mut hp = params(Strategy::Iat);
    hp.x5c_der.clear();
    assert_eq!(
        prepare(Policy::Ig012, &hp, &d).unwrap_err().code(),
        Code::CertInvalidFormat
    );
    let mut hp = params(Strategy::Iat);
    hp.x5c_der[1] = b"not a cert".to_vec();
    let e = prepare(Policy::Ig012, &hp, &d).unwrap_err();
    assert_eq!(
        (e.code(), e.primary().locations()),
        (Code::CertInvalidFormat, &["x5c[1]".to_owned()][..])
    );
    let mut hp = params(Strategy::Iat);
    hp.iat = None;
    assert_eq!(
        prepare(Policy::Ig012, &hp, &d).unwrap_err().code(),
        Code::TemporalIatMissing
    );
    let mut hp = params(Strategy::Tsa);
    hp.iat = None;
    assert!(prepare(Policy::Ig012, &hp, &d).is_ok(), "0.1 + tsa: no iat");
    assert_eq!(
        prepare(Policy::Politica020, &hp, &d).unwrap_err().code(),
        Code::TemporalIatMissing
    );
    hp.iat = Some(0);
    assert_eq!(
        prepare(Policy::Politica020, &hp, &d).unwrap_err().code(),
        Code::TemporalIatInvalid
    );
}

#[test]
fn two_phase_external_signature() {
    fn assert_send<T: Send + Sync>() {}
    assert_send::<Prepared>();
    assert_send::<Jws>();
    for policy in [Policy::Ig012, Policy::Politica020] {
        let p = prepare(policy, &params(Strategy::Iat), &digest(policy)).unwrap();
        assert_eq!(
            p.signing_input(),
            format!("{}.{}", p.protected_b64(), p.payload_b64()).as_bytes()
        );
        assert_eq!(
            p.signing_input_sha256(),
            <[u8; 32]>::from(Sha256::digest(p.signing_input()))
        );
        // The state survives a trip through bytes (foreign callers hold it).
        let bytes = p.to_bytes();
        let restored = Prepared::from_bytes(&bytes).unwrap();
        assert_eq!(restored, p);
        // External signer: right key accepted, wrong key refused.
        let good = rs256(&pki().a.oracle, p.signing_input());
        let bad = rs256(&pki().b.oracle, p.signing_input());
        assert_eq!(
            complete(p.clone(), &bad).unwrap_err().code(),
            Code::CryptoSignatureCreationFailed
        );
        assert_eq!(
            complete(p.clone(), &good[1..]).unwrap_err().code(),
            Code::CryptoSignatureCreationFailed
        );
        let jws = complete(restored, &good).unwrap().to_json().unwrap();
        verify_jws(jws.as_bytes(), &opts(policy)).unwrap();
        // Tampered state refused.
        let s = String::from_utf8(bytes).unwrap();
        assert!(
            Prepared::from_bytes(s.replace("\"iat\"", "\"tsa\"").as_bytes()).is_err()
                || policy.family() == Family::V020
        );
        let other = if policy == Policy::Ig012 {
            Policy::Ig010
        } else {
            Policy::Ig012
        };
        assert!(Prepared::from_bytes(s.replace(policy.uri(), other.uri()).as_bytes()).is_err());
        assert!(Prepared::from_bytes(&s.as_bytes()[1..]).is_err());
        let v = parse(&s);
        let prot = v["protected"].as_str().unwrap();
        let mut hdr = String::from_utf8(Base64UrlUnpadded::decode_vec(prot).unwrap()).unwrap();
        hdr = hdr.replace("\"alg\":\"RS256\"", "\"alg\":\"RS256\",\"kid\":\"x\"");
        let s2 = s.replace(prot, &Base64UrlUnpadded::encode_string(hdr.as_bytes()));
        assert!(Prepared::from_bytes(s2.as_bytes()).is_err());
    }
}

#[test]
fn protected_header_deviations_01() {
    let p = Policy::Ig012;
    let d = digest(p);
    let o = opts(p);
    let x5c = x5c_json();
    let uri = p.uri();
    let ok = format!(r#"{{"alg":"RS256","x5c":{x5c},"iat":{IAT},"sigPId":{{"id":"{uri}"}}}}"#);
    assert!(codes(&forge(&ok, None, &d), &o).is_empty());
    let cases: Vec<(String, Code, &str)> = vec![
        (
            ok.replace("RS256", "RS512"),
            Code::ValidationUnsupportedAlgorithm,
            "signatures[0].protected.alg",
        ),
        (
            ok.replace("RS256", "none"),
            Code::ValidationUnsupportedAlgorithm,
            "signatures[0].protected.alg",
        ),
        (
            ok.replace(r#""alg":"RS256","#, ""),
            Code::FormatJwsMalformed,
            "signatures[0].protected.alg",
        ),
        (
            ok.replace(r#""alg":"RS256""#, r#""alg":"RS256","crit":["sigPId"]"#),
            Code::FormatJwsMalformed,
            "signatures[0].protected.crit",
        ),
        (
            ok.replace(r#""alg":"RS256""#, r#""alg":"RS256","b64":false"#),
            Code::FormatJwsMalformed,
            "signatures[0].protected.b64",
        ),
        (
            ok.replace(r#""alg":"RS256""#, r#""alg":"RS256","kid":"k""#),
            Code::FormatJwsMalformed,
            "signatures[0].protected.kid",
        ),
        (
            ok.replace(r#""alg":"RS256""#, r#""alg":"RS256","alg":"RS256""#),
            Code::FormatJsonMalformed,
            "signatures[0].protected.alg",
        ),
        (
            ok.replace(&x5c, "[]"),
            Code::CertInvalidFormat,
            "signatures[0].protected.x5c",
        ),
        (
            ok.replace(&x5c, "\"abc\""),
            Code::CertInvalidFormat,
            "signatures[0].protected.x5c",
        ),
        (
            ok.replace(&format!(r#""x5c":{x5c},"#), ""),
            Code::CertInvalidFormat,
            "signatures[0].protected.x5c",
        ),
        (
            ok.replace(&x5c, &x5c.replacen(",\"", ",\"!", 1)),
            Code::FormatBase64Invalid,
            "signatures[0].protected.x5c[1]",
        ),
        (
            ok.replace(&x5c, &x5c.replacen(",\"", ",\"AAAA", 1)),
            Code::CertInvalidFormat,
            "signatures[0].protected.x5c[1]",
        ),
        (
            ok.replace(&x5c, &x5c.replacen(",\"", ",\"\\n", 1)),
            Code::FormatBase64Invalid,
            "signatures[0].protected.x5c[1]",
        ),
        (
            ok.replace(&x5c, r#"["MA==",7]"#),
            Code::CertInvalidFormat,
            "signatures[0].protected.x5c[0]",
        ),
        (
            ok.replace(&format!(r#","sigPId":{{"id":"{uri}"}}"#), ""),
            Code::PolicySignaturePolicyIdInvalid,
            "signatures[0].protected.sigPId",
        ),
        (
            ok.replace(
                &format!(r#"{{"id":"{uri}"}}"#),
                &format!(r#"{{"id":"{uri}","hashAV":"x"}}"#),
            ),
            Code::PolicySignaturePolicyIdInvalid,
            "signatures[0].protected.sigPId",
        ),
        (
            ok.replace(
                &format!(r#"{{"id":"{uri}"}}"#),
                &format!(r#"{{"id":{{"id":"{uri}"}}}}"#),
            ),
            Code::PolicySignaturePolicyIdInvalid,
            "signatures[0].protected.sigPId",
        ),
        (
            ok.replace(&format!(r#"{{"id":"{uri}"}}"#), r#"{"id":""}"#),
            Code::PolicyMissing,
            "signatures[0].protected.sigPId.id",
        ),
        (
            ok.replace("|0.1.2", "|0.9.9"),
            Code::PolicyVersionUnsupported,
            "signatures[0].protected.sigPId.id",
        ),
        (
            ok.replace("|0.1.2", "|0.1"),
            Code::PolicyUriInvalid,
            "signatures[0].protected.sigPId.id",
        ),
        (
            ok.replace("|0.1.2", "|0.1.0"),
            Code::ValidationPolicyComplianceFailed,
            "signatures[0].protected.sigPId",
        ),
        (
            ok.replace(&format!(":{IAT}"), &format!(":\"{IAT}\"")),
            Code::TemporalIatInvalid,
            "signatures[0].protected.iat",
        ),
        (
            ok.replace(&format!(":{IAT}"), ":1760000000.5"),
            Code::TemporalIatInvalid,
            "signatures[0].protected.iat",
        ),
        (
            ok.replace(&format!(":{IAT}"), ":1.76e9"),
            Code::TemporalIatInvalid,
            "signatures[0].protected.iat",
        ),
        (
            ok.replace(&format!(":{IAT}"), ":-5"),
            Code::TemporalIatInvalid,
            "signatures[0].protected.iat",
        ),
        (
            ok.replace(&format!(":{IAT}"), ":0"),
            Code::TemporalIatInvalid,
            "signatures[0].protected.iat",
        ),
        (
            ok.replace(&format!(r#","iat":{IAT}"#), ""),
            Code::ValidationTimestampStrategyInvalid,
            "signatures[0]",
        ),
        (
            "[1]".to_owned(),
            Code::FormatJwsMalformed,
            "signatures[0].protected",
        ),
        (
            ok.replace('{', "{ ").replacen("{ ", "{", 1) + "x",
            Code::FormatJwsMalformed,
            "signatures[0].protected",
        ),
    ];
    for (hdr, code, loc) in cases {
        let got = codes(&forge(&hdr, None, &d), &o);
        assert!(
            got.iter()
                .any(|(c, l)| *c == code && l.iter().any(|x| x == loc)),
            "header {hdr}\nexpected {code:?} at {loc}, got {got:?}"
        );
    }
    // Both iat and sigTst.
    let both = forge(
        &ok,
        Some(&format!(
            r#"{{"sigTst":"{}"}}"#,
            Base64::encode_string(TOKEN)
        )),
        &d,
    );
    assert!(codes(&both, &o)
        .iter()
        .any(|(c, _)| *c == Code::ValidationTimestampStrategyInvalid));
    // Unknown unprotected member; bad sigTst.
    assert!(codes(&forge(&ok, Some(r#"{"x":1}"#), &d), &o)
        .iter()
        .any(|(c, l)| *c == Code::FormatJwsMalformed && l == &["signatures[0].header.x"]));
    let no_iat = ok.replace(&format!(r#","iat":{IAT}"#), "");
    assert!(codes(&forge(&no_iat, Some(r#"{"sigTst":"@@"}"#), &d), &o)
        .iter()
        .any(|(c, _)| *c == Code::TsaInvalidToken));
    // Several independent findings are collected together.
    let multi = ok
        .replace("RS256", "HS256")
        .replace(&format!(":{IAT}"), ":-1")
        .replace(&x5c, r#"["!!"]"#);
    let got: Vec<Code> = codes(&forge(&multi, None, &d), &o)
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    for c in [
        Code::ValidationUnsupportedAlgorithm,
        Code::TemporalIatInvalid,
        Code::FormatBase64Invalid,
    ] {
        assert!(got.contains(&c), "{got:?}");
    }
}

#[test]
fn protected_header_deviations_020() {
    let p = Policy::Politica020;
    let d = digest(p);
    let o = opts(p);
    let (x5c, x5t, uri) = (x5c_json(), x5t(), p.uri());
    let srcms = r#"[{"commId":{"id":"urn:oid:1.2.840.10065.1.12.1.5"}}]"#;
    let ok = format!(
        r#"{{"alg":"RS256","x5t#S256":"{x5t}","x5c":{x5c},"iat":{IAT},"sigPId":{{"id":{{"id":"{uri}"}}}},"srCms":{srcms}}}"#
    );
    assert!(codes(&forge(&ok, None, &d), &o).is_empty());
    let tst = format!(
        r#"{{"etsiU":[{{"sigTst":{{"tstTokens":[{{"val":"{}"}}]}}}}]}}"#,
        Base64::encode_string(TOKEN)
    );
    assert!(codes(&forge(&ok, Some(&tst), &d), &o).is_empty());
    let cases: Vec<(String, Option<String>, Code, &str)> = vec![
        (
            ok.replace(r#""alg":"RS256""#, r#""alg":"RS256","kid":"k""#),
            None,
            Code::FormatJadesComponentPlacementInvalid,
            "signatures[0].protected.kid",
        ),
        (
            ok.replace(
                r#""alg":"RS256""#,
                r#""alg":"RS256","sigT":"2025-01-01T00:00:00Z""#,
            ),
            None,
            Code::FormatJadesComponentPlacementInvalid,
            "signatures[0].protected.sigT",
        ),
        (
            ok.replace(&format!(r#","iat":{IAT}"#), ""),
            None,
            Code::TemporalIatMissing,
            "signatures[0].protected.iat",
        ),
        (
            ok.replace(&format!(":{IAT}"), ":1e9"),
            None,
            Code::TemporalIatInvalid,
            "signatures[0].protected.iat",
        ),
        (
            ok.replace(
                &x5t,
                &Base64UrlUnpadded::encode_string(&Sha256::digest(&pki().b.cert_der)),
            ),
            None,
            Code::CertInvalidFormat,
            "signatures[0].protected.x5t#S256",
        ),
        (
            ok.replace(&x5t, "abc="),
            None,
            Code::FormatBase64Invalid,
            "signatures[0].protected.x5t#S256",
        ),
        (
            ok.replace(&format!(r#""x5t#S256":"{x5t}","#), ""),
            None,
            Code::FormatJwsMalformed,
            "signatures[0].protected.x5t#S256",
        ),
        (
            ok.replace(&format!(r#","srCms":{srcms}"#), ""),
            None,
            Code::ValidationPolicyComplianceFailed,
            "signatures[0].protected.srCms",
        ),
        (
            ok.replace("1.2.840.10065.1.12.1.5", "1.2.840.10065.1.12.1.1"),
            None,
            Code::ValidationPolicyComplianceFailed,
            "signatures[0].protected.srCms",
        ),
        (
            ok.replace(
                &format!(r#"{{"id":{{"id":"{uri}"}}}}"#),
                &format!(r#"{{"id":"{uri}"}}"#),
            ),
            None,
            Code::PolicySignaturePolicyIdInvalid,
            "signatures[0].protected.sigPId",
        ),
        (
            ok.replace(
                &format!(r#"{{"id":{{"id":"{uri}"}}}}"#),
                &format!(r#"{{"id":{{"id":"{uri}","desc":"x"}}}}"#),
            ),
            None,
            Code::PolicySignaturePolicyIdInvalid,
            "signatures[0].protected.sigPId",
        ),
        (
            ok.replace("politica/0.2.0", "politica/0.3.0"),
            None,
            Code::PolicyVersionUnsupported,
            "signatures[0].protected.sigPId.id.id",
        ),
        (
            ok.clone(),
            Some(r#"{"rRefs":{}}"#.to_owned()),
            Code::FormatJadesUnprotectedHeaderInvalid,
            "signatures[0].header.rRefs",
        ),
        (
            ok.clone(),
            Some(format!(
                r#"{{"sigTst":"{}"}}"#,
                Base64::encode_string(TOKEN)
            )),
            Code::FormatJadesUnprotectedHeaderInvalid,
            "signatures[0].header.sigTst",
        ),
        (
            ok.clone(),
            Some(tst.replace("}]}}]", "},{\"val\":\"MA==\"}]}}]")),
            Code::FormatJadesUnprotectedHeaderInvalid,
            "signatures[0].header.etsiU[0].sigTst",
        ),
        (
            ok.clone(),
            Some(tst.replace("[{\"sigTst\"", "[{\"x\":1,\"sigTst\"")),
            Code::FormatJadesUnprotectedHeaderInvalid,
            "signatures[0].header.etsiU[0]",
        ),
        (
            ok.clone(),
            Some(r#"{"etsiU":[]}"#.to_owned()),
            Code::FormatJadesUnprotectedHeaderInvalid,
            "signatures[0].header.etsiU",
        ),
        (
            ok.clone(),
            Some(r#"{"etsiU":[{"sigTst":{"tstTokens":[{"val":"%%"}]}}]}"#.to_owned()),
            Code::TsaInvalidToken,
            "signatures[0].header.etsiU[0].sigTst.tstTokens[0].val",
        ),
    ];
    for (hdr, unprot, code, loc) in cases {
        let got = codes(&forge(&hdr, unprot.as_deref(), &d), &o);
        assert!(
            got.iter()
                .any(|(c, l)| *c == code && l.iter().any(|x| x == loc)),
            "header {hdr} / {unprot:?}\nexpected {code:?} at {loc}, got {got:?}"
        );
    }
    // A 0.1 signature presented where 0.2.0 is expected.
    let j01 = sign(Policy::Ig012, Strategy::Iat);
    assert!(codes(
        &j01,
        &VerifyOptions {
            expected_policy: Some(p),
            ..Default::default()
        }
    )
    .iter()
    .any(|(c, _)| *c == Code::ValidationPolicyComplianceFailed));
}

#[test]
fn jws_structure_deviations() {
    let p = Policy::Ig012;
    let o = opts(p);
    let good = sign(p, Strategy::Iat);
    let v = parse(&good);
    let (pay, prot, sig) = (
        v["payload"].as_str().unwrap(),
        v["signatures"][0]["protected"].as_str().unwrap(),
        v["signatures"][0]["signature"].as_str().unwrap(),
    );
    let cases: Vec<(String, Code, &str)> = vec![
        (
            good.replacen('{', r#"{"x":1,"#, 1),
            Code::FormatJwsMalformed,
            "x",
        ),
        (
            good.replacen(r#"{"payload""#, r#"{"payload":"a","payload""#, 1),
            Code::FormatJsonMalformed,
            "payload",
        ),
        (
            good.replace(
                r#""signatures":["#,
                r#""signatures":[{"protected":"e30","signature":"AA"},"#,
            ),
            Code::FormatJwsMalformed,
            "signatures",
        ),
        (
            good.replace(r#""signatures":[{"#, r#""signatures":[{"unprotected":{},"#),
            Code::FormatJwsMalformed,
            "signatures[0].unprotected",
        ),
        (
            good.replace(pay, &format!("{pay}=")),
            Code::FormatBase64Invalid,
            "payload",
        ),
        (
            good.replace(pay, &pay[..41]),
            Code::FormatBase64Invalid,
            "payload",
        ),
        (
            good.replace(pay, "AAAA"),
            Code::FormatJwsMalformed,
            "payload",
        ),
        (
            good.replace(sig, &format!("{sig}==")),
            Code::FormatBase64Invalid,
            "signatures[0].signature",
        ),
        (
            // A standard-Base64 character (the signature need not hold a `_` to swap).
            good.replace(sig, &format!("{}/", &sig[..sig.len() - 1])),
            Code::FormatBase64Invalid,
            "signatures[0].signature",
        ),
        (
            good.replace(prot, &format!(" {prot}")),
            Code::FormatBase64Invalid,
            "signatures[0].protected",
        ),
        (
            good.replace(&format!(r#""signature":"{sig}""#), r#""signature":5"#),
            Code::FormatJwsMalformed,
            "signatures[0].signature",
        ),
        (
            good.replace(r#""signatures":[{"#, r#""signatures":[{"header":[],"#),
            Code::FormatJwsMalformed,
            "signatures[0].header",
        ),
    ];
    for (jws, code, loc) in cases {
        let got = codes(&jws, &o);
        assert!(
            got.iter()
                .any(|(c, l)| *c == code && l.iter().any(|x| x == loc)),
            "{jws}\nexpected {code:?} at {loc}, got {got:?}"
        );
    }
    assert_eq!(
        verify_jws(b"not json", &o).unwrap_err().code(),
        Code::FormatJwsMalformed
    );
    assert_eq!(
        verify_jws(b"[]", &o).unwrap_err().code(),
        Code::FormatJwsMalformed
    );
    // Non-canonical trailing bits in base64url (last char of a 32-byte payload carries 2 spare bits).
    let last = pay.chars().last().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let idx = alphabet.find(last).unwrap();
    let tweaked = alphabet.chars().nth(idx ^ 1).unwrap();
    let bad = good.replace(pay, &format!("{}{tweaked}", &pay[..pay.len() - 1]));
    assert!(codes(&bad, &o)
        .iter()
        .any(|(c, _)| *c == Code::FormatBase64Invalid));
    // Wrong key: signed by B, x5c[0] = A.
    let forged = good.replace(
        sig,
        &Base64UrlUnpadded::encode_string(&rs256(
            &pki().b.oracle,
            format!("{prot}.{pay}").as_bytes(),
        )),
    );
    assert_eq!(
        codes(&forged, &o),
        vec![(
            Code::ValidationSignatureVerificationFailed,
            vec!["signatures[0].signature".to_owned()]
        )]
    );
    // Payload not matching the recomputed content digest.
    let mut other = o.clone();
    other.expected_payload = Some([7; 32]);
    assert_eq!(
        codes(&good, &other),
        vec![(
            Code::CryptoHashVerificationFailed,
            vec!["payload".to_owned()]
        )]
    );
}

/// One changed character anywhere in the protected header, payload or signature text is
/// detected; so is one changed byte in the signed content.
#[test]
fn single_byte_changes_detected() {
    let alphabet: Vec<char> = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        .chars()
        .collect();
    for policy in [Policy::Ig012, Policy::Politica020] {
        let o = opts(policy);
        let good = sign(policy, Strategy::Iat);
        let v = parse(&good);
        for field in ["payload", "protected", "signature"] {
            let s = if field == "payload" {
                v["payload"].as_str()
            } else {
                v["signatures"][0][field].as_str()
            }
            .unwrap()
            .to_owned();
            let chars: Vec<char> = s.chars().collect();
            let step = if field == "protected" { 3 } else { 1 };
            for i in (0..chars.len()).step_by(step) {
                let mut m = chars.clone();
                let j = alphabet.iter().position(|c| *c == m[i]).unwrap();
                m[i] = alphabet[(j + 1 + i % 7) % 64];
                let mutated: String = m.into_iter().collect();
                let jws = good.replace(&format!("\"{s}\""), &format!("\"{mutated}\""));
                assert!(
                    verify_jws(jws.as_bytes(), &o).is_err(),
                    "{policy} {field}[{i}] change undetected"
                );
            }
        }
        // Signed content: every alphanumeric character of each resource, one at a time.
        let (a, b) = resources();
        let want = digest(policy);
        for (which, r) in [(0, &a), (1, &b)] {
            let text = r.to_json();
            for (i, ch) in text.char_indices() {
                if !ch.is_ascii_alphanumeric() {
                    continue;
                }
                let repl = if ch == 'z' {
                    'y'
                } else if ch == '9' {
                    '8'
                } else {
                    (ch as u8 + 1) as char
                };
                let mutated = format!("{}{}{}", &text[..i], repl, &text[i + 1..]);
                let Ok(m) = sesgo_core::json::parse_strict(mutated.as_bytes(), &Default::default())
                else {
                    continue;
                };
                let targets = if which == 0 {
                    [(T1, &m), (T2, &b)]
                } else {
                    [(T1, &a), (T2, &m)]
                };
                // Changing the *value* of an unsigned element must not change the digest.
                let stripped = [
                    ("\"id\":\"p1\"", 5),
                    ("\"id\":\"o1\"", 5),
                    ("\"versionId\":\"2\"", 12),
                ]
                .iter()
                .any(|(s, off)| {
                    text.find(s)
                        .is_some_and(|k| i >= k + off && i < k + s.len())
                });
                let d = policy.content_digest(&targets).unwrap();
                if stripped {
                    assert_eq!(d, want, "{policy}: unsigned element changed the digest");
                } else {
                    assert_ne!(
                        d, want,
                        "{policy}: change at {i} of resource {which} undetected"
                    );
                    let mut oo = o.clone();
                    oo.expected_payload = Some(d);
                    assert_eq!(
                        verify_jws(good.as_bytes(), &oo).unwrap_err().code(),
                        Code::CryptoHashVerificationFailed
                    );
                }
            }
        }
    }
}
