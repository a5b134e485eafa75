//! The whole operations: sign a set, read it back from the transfer Bundle, recompute the
//! digest (need N2), verify the JWS. Keys and certificates come from the openssl CLI (the
//! ICP-Brasil-like test PKI and chain validation are the facade's, issue 7).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use rsa::pkcs8::DecodePrivateKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sesgo_core::json::{parse_strict, Limits, Value};
use sesgo_core::Code;
use sesgo_jades::ContentDigest;
use sesgo_jades::{verify_jws, Policy, Strategy, VerifyOptions};
use sesgo_provenance::flow::{sign_set, SignRequest};
use sesgo_provenance::signature::read_signature;
use sesgo_provenance::signature::SignerIdentifier;
use sesgo_provenance::signed_set::{signed_provenances, SignedProvenance};
use sha2::{Digest, Sha256};
use std::process::Command;
use std::sync::OnceLock;

struct Key {
    key: RsaPrivateKey,
    cert: Vec<u8>,
}

fn key() -> &'static Key {
    static K: OnceLock<Key> = OnceLock::new();
    K.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("sesgo-prov-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=flow", "-days", "2",
                "-outform", "DER", "-keyout",
            ])
            .arg(dir.join("k.pem"))
            .arg("-out")
            .arg(dir.join("c.der"))
            .output()
            .expect("the openssl CLI is required by the tests");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pem = std::fs::read_to_string(dir.join("k.pem")).unwrap();
        Key {
            key: RsaPrivateKey::from_pkcs8_pem(&pem).unwrap(),
            cert: std::fs::read(dir.join("c.der")).unwrap(),
        }
    })
}

fn example(name: &str) -> Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    parse_strict(&std::fs::read(p).unwrap(), &Limits::default()).unwrap()
}

fn request(policy: Policy) -> SignRequest {
    SignRequest {
        policy,
        strategy: Strategy::Iat,
        reference_time: 1_763_659_930,
        chain_der: vec![key().cert.clone()],
        who: SignerIdentifier::new("urn:brasil:cpf", "11144477735").unwrap(),
        refs: if policy == Policy::Politica020 {
            sesgo_refs::CheckOptions::policy_0_2()
        } else {
            sesgo_refs::CheckOptions::default()
        },
    }
}

/// The JWS bytes of a signed Provenance found in a received Bundle.
fn jws_of(sp: &SignedProvenance<'_>) -> Vec<u8> {
    read_signature(
        sp.signature,
        &format!("{}.signature[0]", sp.location()),
        None,
    )
    .unwrap()
    .jws
}

/// The content digest recomputed under `policy` from its signed set (validar §opcional).
fn recompute_digest(sp: &SignedProvenance<'_>, policy: Policy) -> [u8; 32] {
    let targets = sp.select().unwrap();
    let pairs: Vec<(&str, &Value)> = targets.iter().map(|t| (t.reference, t.resource)).collect();
    policy.content_digest(&pairs).unwrap()
}

fn local_sign(p: &sesgo_jades::Prepared) -> sesgo_core::Result<Vec<u8>> {
    let h = Sha256::digest(p.signing_input());
    Ok(key().key.sign(Pkcs1v15Sign::new::<Sha256>(), &h).unwrap())
}

#[test]
fn sign_then_read_back_and_verify_under_both_policies() {
    let bundle = example("bundle.json");
    let prov = example("provenance.json");
    for policy in [Policy::Ig012, Policy::Politica020] {
        let out = sign_set(&bundle, &prov, &request(policy), local_sign, |_| Ok(())).unwrap();
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        assert_eq!(out.provenance["signature"][0], out.signature);
        assert_eq!(out.signature["sigFormat"], policy.sig_format());
        assert_eq!(out.signature["targetFormat"], policy.target_format());
        // Received elsewhere: serialized, parsed, the signed Provenance found, its set
        // resolved, the digest recomputed and the JWS verified against it.
        let received = parse_strict(out.bundle.to_json().as_bytes(), &Limits::default()).unwrap();
        let inputs = signed_provenances(&received).into_result().unwrap();
        assert_eq!(inputs.len(), 1);
        let input = &inputs[0];
        let jws = jws_of(input);
        assert_eq!(jws, out.jws.as_bytes());
        let digest = recompute_digest(input, policy);
        let v = verify_jws(
            &jws,
            &VerifyOptions {
                expected_policy: Some(policy),
                expected_payload: Some(digest),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(v.iat, Some(1_763_659_930));
        assert_eq!(v.x5c_der, [key().cert.clone()]);
    }
}

#[test]
fn one_signature_one_signed_set() {
    let bundle = example("bundle.json");
    let prov = example("provenance.json");
    let out = sign_set(&bundle, &prov, &request(Policy::Ig012), local_sign, |_| {
        Ok(())
    })
    .unwrap();
    let mut received = parse_strict(out.bundle.to_json().as_bytes(), &Limits::default()).unwrap();
    let entries = received
        .as_object_mut()
        .unwrap()
        .get_mut("entry")
        .unwrap()
        .as_array_mut()
        .unwrap();
    let n = entries.len();
    // A second Provenance carrying the same signature (another fullUrl): excluded.
    let mut copy = entries[n - 1].clone();
    copy.as_object_mut()
        .unwrap()
        .insert("fullUrl", "urn:uuid:0b7c7e4e-6a57-4d3e-9d2c-5f0e8c1a2b3c");
    entries.push(copy);
    // A Provenance with two signatures: excluded.
    let mut two = entries[n - 1].clone();
    let res = two
        .as_object_mut()
        .unwrap()
        .get_mut("resource")
        .unwrap()
        .as_object_mut()
        .unwrap();
    let sig = res.get("signature").unwrap()[0].clone();
    res.insert("signature", Value::Array(vec![sig.clone(), sig]));
    entries.push(two);
    let found = signed_provenances(&received);
    assert_eq!(found.found.len(), 1);
    assert_eq!(found.found[0].entry_index, n - 1);
    let codes: Vec<Code> = found.findings.iter().map(|f| f.code()).collect();
    assert_eq!(
        codes,
        [
            Code::FormatProvenanceInvalid,
            Code::FormatProfileValidationFailed
        ]
    );
    assert_eq!(
        found.findings[0].locations(),
        [
            format!("Bundle.entry[{n}].resource.signature[0].data"),
            format!("Bundle.entry[{}].resource.signature[0].data", n - 1)
        ]
    );
    assert!(signed_provenances(&received).into_result().is_err());
    // Not a Bundle.
    assert_eq!(
        signed_provenances(&prov).into_result().unwrap_err().code(),
        Code::FormatBundleMalformed
    );
}

#[test]
fn need_n2_extracted_instances_with_new_ids_still_verify() {
    let bundle = example("bundle.json");
    let prov = example("provenance.json");
    for policy in [Policy::Ig012, Policy::Politica020] {
        let out = sign_set(&bundle, &prov, &request(policy), local_sign, |_| Ok(())).unwrap();
        let mut moved = parse_strict(out.bundle.to_json().as_bytes(), &Limits::default()).unwrap();
        // Each signed instance stored in another repository: new id, new versionId and
        // lastUpdated, a source and tags added; the fullUrls (the signed references) kept.
        for e in moved
            .as_object_mut()
            .unwrap()
            .get_mut("entry")
            .unwrap()
            .as_array_mut()
            .unwrap()
        {
            let r = e
                .as_object_mut()
                .unwrap()
                .get_mut("resource")
                .unwrap()
                .as_object_mut()
                .unwrap();
            if r.get("resourceType") == Some(&Value::from("Provenance")) {
                continue;
            }
            r.insert("id", "novo-id-no-repositorio-b");
            let meta = parse_strict(br##"{"versionId":"99","lastUpdated":"2027-01-01T00:00:00Z","source":"#repo-b","tag":[{"code":"importado"}]}"##, &Limits::default()).unwrap();
            let keep_profile = r.get("meta").and_then(|m| m.get("profile")).cloned();
            let mut meta = meta.as_object().unwrap().clone();
            if let Some(p) = keep_profile {
                meta.insert("profile", p);
            }
            r.insert("meta", Value::Object(meta));
        }
        let inputs = signed_provenances(&moved).into_result().unwrap();
        let digest = recompute_digest(&inputs[0], policy);
        verify_jws(
            &jws_of(&inputs[0]),
            &VerifyOptions {
                expected_policy: Some(policy),
                expected_payload: Some(digest),
                ..Default::default()
            },
        )
        .unwrap_or_else(|e| panic!("{policy:?}: {e}"));

        // But a change to signed content is detected.
        let tampered = out.bundle.to_json().replace("36.50", "38.50");
        let tampered = parse_strict(tampered.as_bytes(), &Limits::default()).unwrap();
        let inputs = signed_provenances(&tampered).into_result().unwrap();
        let digest = recompute_digest(&inputs[0], policy);
        let err = verify_jws(
            &jws_of(&inputs[0]),
            &VerifyOptions {
                expected_policy: Some(policy),
                expected_payload: Some(digest),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(err.code(), Code::CryptoHashVerificationFailed);
    }
}

#[test]
fn policy_020_puts_the_signer_among_the_agents() {
    let bundle = example("bundle.json");
    let mut prov = example("provenance.json");
    prov.as_object_mut().unwrap().remove("agent");
    let out = sign_set(
        &bundle,
        &prov,
        &request(Policy::Politica020),
        local_sign,
        |_| Ok(()),
    )
    .unwrap();
    assert_eq!(
        out.provenance["agent"][0]["who"]["identifier"]["value"],
        "11144477735"
    );
    // Policy 0.1 leaves the agents as given: a Provenance without one would be emitted
    // without `agent` (1..* in FHIR R4), so it is refused (DECISIONS D44).
    let err = sign_set(&bundle, &prov, &request(Policy::Ig012), local_sign, |_| {
        Ok(())
    })
    .unwrap_err();
    assert_eq!(err.code(), Code::FormatProvenanceInvalid);
    assert_eq!(err.primary().locations(), ["Provenance.agent"]);
}

#[test]
fn a_bad_external_signature_or_bad_content_is_refused() {
    let bundle = example("bundle.json");
    let prov = example("provenance.json");
    let err = sign_set(
        &bundle,
        &prov,
        &request(Policy::Ig012),
        |_| Ok(vec![0u8; 256]),
        |_| Ok(()),
    )
    .unwrap_err();
    assert_eq!(err.code(), Code::CryptoSignatureCreationFailed);
    // Reference rules run first: nothing is signed.
    let bad = parse_strict(
        bundle
            .to_json()
            .replace(
                r#""encounter":{"reference":"urn:uuid:0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"}"#,
                r#""encounter":{"reference":"Encounter/1"}"#,
            )
            .as_bytes(),
        &Limits::default(),
    )
    .unwrap();
    let mut called = false;
    let err = sign_set(
        &bad,
        &prov,
        &request(Policy::Ig012),
        |p| {
            called = true;
            local_sign(p)
        },
        |_| Ok(()),
    )
    .unwrap_err();
    assert!(!called);
    assert!(
        err.findings()
            .iter()
            .all(|f| f.code() == Code::FormatReferenceInvalid
                || f.code() == Code::FormatTargetReferenceMissing),
        "{err}"
    );
}

#[test]
fn select_holds_capped_findings_for_many_unresolvable_targets() {
    // 20 000 targets that name no entry: one finding each would be 20 000; the cap keeps
    // the first 100 of the code and one summary counting the rest (DECISIONS D41).
    let mut targets = String::new();
    for i in 0..20_000 {
        if i > 0 {
            targets.push(',');
        }
        targets.push_str(&format!(
            r#"{{"reference":"urn:uuid:00000000-0000-4000-8000-{i:012}"}}"#
        ));
    }
    let bundle = parse_strict(
        br#"{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:6f1c3a52-0d0e-4c57-9a59-5d1b0bd6c9a1","resource":{"resourceType":"Patient"}}]}"#,
        &Limits::default(),
    )
    .unwrap();
    let prov = parse_strict(
        format!(r#"{{"resourceType":"Provenance","target":[{targets}]}}"#).as_bytes(),
        &Limits::default(),
    )
    .unwrap();
    let e = sesgo_provenance::signed_set::select(&bundle, &prov, "Provenance").unwrap_err();
    let findings = e.into_findings();
    assert_eq!(findings.len(), 101);
    assert!(findings
        .iter()
        .all(|f| f.code() == Code::FormatTargetReferenceMissing));
    assert_eq!(findings[100].omitted(), 19_900);
    assert_eq!(findings[99].locations(), ["Provenance.target[99]"]);
    assert_eq!(findings[100].locations(), ["Provenance.target[100]"]);
}
