//! Known-answer vectors (issue 15): the committed inputs of `testdata/kat` (a fixed,
//! test-only key and ICP-Brasil-like chain, a fixed Bundle + Provenance and a fixed
//! reference time) signed through the facade under both policies must give exactly the
//! committed bytes; the committed JWS must verify at the reference time and stop verifying
//! when one byte changes.
//!
//! `SESGO_KAT_REGENERATE=1` (what `cargo xtask kat --regenerate` sets) makes
//! [`vectors_match_the_committed_files`] rewrite the vectors instead of comparing them:
//! only for an intentional format change, reviewed in the diff.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use sesgo::{
    sign_with_clock, verify_with_clock, Code, FixedClock, RevocationPolicy, Settings, SignOptions,
    Signed, Signer, TrustStore, TrustStoreOptions, Value, VerifyInput, VerifyOptions,
};
use sesgo_core::json::{parse_strict, Limits};
use std::path::PathBuf;

/// The two policies and the folder of their vectors.
const POLICIES: [(&str, &str); 2] = [
    (
        "ig-0.1.2",
        "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.2",
    ),
    (
        "politica-0.2.0",
        "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0",
    ),
];

fn kat_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/kat")
}

fn read(rel: &str) -> Vec<u8> {
    let p = kat_dir().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn read_str(rel: &str) -> String {
    String::from_utf8(read(rel)).unwrap()
}

/// The fixed reference time (and the stopped clock): `testdata/kat/reference-time.txt`.
fn reference_time() -> i64 {
    read_str("reference-time.txt").trim().parse().unwrap()
}

fn trust() -> TrustStore {
    TrustStoreOptions {
        root_sha256: vec![read_str("pki/root.sha256").trim().to_owned()],
        ca_certs_pem: Some(read_str("pki/root.pem") + &read_str("pki/intermediates.pem")),
        ..Default::default()
    }
    .build()
    .unwrap()
}

fn pem_signer() -> Signer {
    Signer::from_pem(&read("pki/signer.key"), None, &read("pki/chain.pem")).unwrap()
}

fn parse(bytes: &[u8]) -> Value {
    parse_strict(bytes, &Limits::default()).unwrap()
}

fn sign(signer: &Signer, policy: &str) -> Signed {
    let t = reference_time();
    sign_with_clock(
        &read("input/bundle.json"),
        &read("input/provenance.json"),
        signer,
        &trust(),
        &SignOptions {
            policy: policy.parse().unwrap(),
            reference_time: Some(t),
            // The vectors are fixed bytes: no revocation evidence, so no rRefs.
            settings: Settings {
                revocation_policy: RevocationPolicy::Off,
                ..Settings::default()
            },
            ..Default::default()
        },
        &FixedClock(t),
    )
    .unwrap_or_else(|e| panic!("{policy}: {e}"))
}

/// The signed instances in `Provenance.target` order: (reference, resource).
fn targets() -> Vec<(String, Value)> {
    let bundle = parse(&read("input/bundle.json"));
    let prov = parse(&read("input/provenance.json"));
    let entries = bundle["entry"].as_array().unwrap();
    prov["target"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let r = t["reference"].as_str().unwrap();
            let e = entries
                .iter()
                .find(|e| e["fullUrl"].as_str() == Some(r))
                .unwrap();
            (r.to_owned(), e["resource"].clone())
        })
        .collect()
}

/// `Bundle.entry[last].fullUrl`: the one field of the vectors that is random (a fresh
/// UUID v4 for the signed Provenance's entry in the transfer Bundle, seed "Referências").
fn provenance_full_url(bundle: &Value) -> String {
    let entries = bundle["entry"].as_array().unwrap();
    entries.last().unwrap()["fullUrl"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn is_urn_uuid_v4(s: &str) -> bool {
    let Some(u) = s.strip_prefix("urn:uuid:") else {
        return false;
    };
    let b = u.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(c),
        })
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
}

/// Every vector file of one policy, computed from the committed inputs. `full_url`: the
/// Provenance entry's fullUrl to write into the transfer Bundle (the committed one, so
/// the random UUID is the only thing left out of the comparison).
fn compute(policy: &str, full_url: Option<&str>) -> Vec<(&'static str, Vec<u8>)> {
    let signed = sign(&pem_signer(), policy);
    let lossless = policy.ends_with("/0.2.0");
    let mut files: Vec<(&'static str, Vec<u8>)> = Vec::new();

    // Canonical bytes of each signed instance, and the exact byte string the digest covers:
    // 0.1: C_0 || C_1 || …; 0.2.0: UINT64_BE(N) || per target UINT64_BE(len T) || T ||
    // UINT64_BE(len R) || R (IG-DIGEST §17.4). Built here independently of the digest code.
    let targets = targets();
    let mut signed_set = Vec::new();
    if lossless {
        signed_set.extend_from_slice(&(targets.len() as u64).to_be_bytes());
    }
    const NAMES: [&str; 3] = ["canonical-0.json", "canonical-1.json", "canonical-2.json"];
    assert_eq!(targets.len(), NAMES.len());
    for (name, (reference, resource)) in NAMES.iter().zip(&targets) {
        let c = sesgo::canonicalize(resource.to_json().as_bytes(), Some(policy)).unwrap();
        if lossless {
            signed_set.extend_from_slice(&(reference.len() as u64).to_be_bytes());
            signed_set.extend_from_slice(reference.as_bytes());
            signed_set.extend_from_slice(&(c.len() as u64).to_be_bytes());
        }
        signed_set.extend_from_slice(&c);
        files.push((name, c));
    }
    files.push(("signed-set.bin", signed_set));

    // The JWS, as carried in Signature.data.
    let data = signed.signature["data"].as_str().unwrap().to_owned();
    let jws = Base64::decode_vec(&data).unwrap();
    let jws_v = parse(&jws);
    let sig0 = &jws_v["signatures"][0];
    let header = Base64UrlUnpadded::decode_vec(sig0["protected"].as_str().unwrap()).unwrap();
    let digest = Base64UrlUnpadded::decode_vec(jws_v["payload"].as_str().unwrap()).unwrap();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    files.push(("digest.hex", hex.into_bytes()));
    files.push(("protected-header.json", header));
    files.push(("jws.json", jws));
    files.push(("signature-data.txt", data.into_bytes()));
    files.push(("signature.json", signed.signature.to_json().into_bytes()));
    files.push(("provenance.json", signed.provenance.to_json().into_bytes()));

    let fresh = provenance_full_url(
        &sesgo_core::json::parse_strict(signed.bundle.as_bytes(), &Default::default()).unwrap(),
    );
    assert!(is_urn_uuid_v4(&fresh), "{fresh}");
    let mut bundle = signed.bundle.clone();
    if let Some(keep) = full_url {
        assert!(is_urn_uuid_v4(keep), "committed fullUrl {keep}");
        assert_eq!(bundle.matches(&fresh).count(), 1);
        bundle = bundle.replacen(&fresh, keep, 1);
    }
    files.push(("bundle.json", bundle.into_bytes()));
    // Only the note that revocation was not checked (revocationPolicy=off).
    assert!(
        signed
            .warnings
            .iter()
            .all(|w| w.code() == sesgo::Code::RevocationNoConnectivity),
        "{:?}",
        signed.warnings
    );
    files
}

fn committed_full_url(dir: &str) -> Option<String> {
    let p = kat_dir().join(dir).join("bundle.json");
    std::fs::read(p)
        .ok()
        .map(|b| provenance_full_url(&parse(&b)))
}

#[test]
fn vectors_match_the_committed_files() {
    let regenerate = std::env::var_os("SESGO_KAT_REGENERATE").is_some_and(|v| v == "1");
    for (dir, policy) in POLICIES {
        let keep = committed_full_url(dir);
        if regenerate {
            // Keep the committed fullUrl so a regeneration diff shows only real changes.
            let out = kat_dir().join(dir);
            std::fs::create_dir_all(&out).unwrap();
            std::fs::write(out.join("policy-uri.txt"), policy).unwrap();
            for (name, bytes) in compute(policy, keep.as_deref()) {
                std::fs::write(out.join(name), bytes).unwrap();
            }
            eprintln!("kat: wrote {}", out.display());
            continue;
        }
        assert_eq!(read_str(&format!("{dir}/policy-uri.txt")), policy);
        let keep = keep.expect("committed transfer Bundle");
        for (name, bytes) in compute(policy, Some(&keep)) {
            let want = read(&format!("{dir}/{name}"));
            assert!(
                want == bytes,
                "{dir}/{name} differs from what signing produces now\n committed: {}\n computed:  {}\n\
                 (an intentional format change: `cargo xtask kat --regenerate` and review the diff)",
                String::from_utf8_lossy(&want),
                String::from_utf8_lossy(&bytes)
            );
        }
    }
}

#[test]
fn the_legacy_pkcs12_signs_the_same_bytes() {
    // RSA PKCS#1 v1.5 is deterministic (blinding does not change the output): the key
    // read from the 3DES PKCS#12 gives the committed JWS too.
    let p12 =
        Signer::from_pkcs12(&read("pki/signer-3des.p12"), "teste123", Some("kat teste")).unwrap();
    for (dir, policy) in POLICIES {
        let signed = sign(&p12, policy);
        assert_eq!(
            signed.signature["data"].as_str().unwrap(),
            read_str(&format!("{dir}/signature-data.txt")),
            "{dir}"
        );
    }
}

fn lenient() -> VerifyOptions {
    VerifyOptions {
        reference_time: Some(reference_time()),
        settings: Settings {
            revocation_policy: RevocationPolicy::Off,
            ..Settings::default()
        },
        ..Default::default()
    }
}

fn verify(input: &VerifyInput<'_>) -> sesgo::Verification {
    verify_with_clock(input, &trust(), &lenient(), &FixedClock(reference_time())).unwrap()
}

/// (code, first location) of every finding.
fn issues(v: &sesgo::Verification) -> Vec<(Code, String)> {
    v.outcome
        .issues()
        .iter()
        .map(|f| (f.code(), f.locations().first().cloned().unwrap_or_default()))
        .collect()
}

#[test]
fn the_committed_signatures_verify_at_the_reference_time() {
    for (dir, _) in POLICIES {
        let bundle = read(&format!("{dir}/bundle.json"));
        let v = verify(&VerifyInput {
            bundle: Some(&bundle),
            ..Default::default()
        });
        assert!(v.valid, "{dir}: {}", v.outcome.to_json());
        let codes: Vec<Code> = issues(&v).into_iter().map(|(c, _)| c).collect();
        // Policy 0.1 carries the note that its digest does not bind references (D9).
        let expected: &[Code] = if dir.starts_with("ig-0.1") {
            &[
                Code::ValidationSuccess,
                Code::PolicyVersionDeprecated,
                Code::RevocationNoConnectivity,
            ]
        } else {
            &[Code::ValidationSuccess, Code::RevocationNoConnectivity]
        };
        assert_eq!(codes, expected, "{dir}: {}", v.outcome.to_json());
        assert!(v.content_checked && v.unsigned_content.is_empty(), "{dir}");
        assert_eq!(v.signatures[0].signing_time, Some(1_756_684_800));
        // The signed Provenance with the original input Bundle, and Signature.data alone.
        let prov = read(&format!("{dir}/provenance.json"));
        let input = read("input/bundle.json");
        let v = verify(&VerifyInput {
            provenance: Some(&prov),
            bundle: Some(&input),
            ..Default::default()
        });
        assert!(v.valid, "{dir}: {}", v.outcome.to_json());
        let data = read_str(&format!("{dir}/signature-data.txt"));
        let v = verify(&VerifyInput {
            signature_data: Some(&data),
            ..Default::default()
        });
        assert!(v.valid, "{dir}: {}", v.outcome.to_json());
    }
}

#[test]
fn one_flipped_byte_of_the_jws_is_invalid() {
    for (dir, _) in POLICIES {
        let jws = read(&format!("{dir}/jws.json"));
        let text = String::from_utf8(jws).unwrap();
        // The first character of the signature value: 'A' <-> 'B' changes its first byte.
        let at = text.find(r#""signature":""#).unwrap() + r#""signature":""#.len();
        let mut bytes = text.into_bytes();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        let data = Base64::encode_string(&bytes);
        let v = verify(&VerifyInput {
            signature_data: Some(&data),
            ..Default::default()
        });
        assert!(!v.valid, "{dir}");
        assert_eq!(
            issues(&v),
            [(
                Code::ValidationSignatureVerificationFailed,
                "Signature.data#signature".to_owned()
            )],
            "{dir}: {}",
            v.outcome.to_json()
        );
    }
}

#[test]
fn one_changed_byte_of_the_content_is_invalid() {
    for (dir, _) in POLICIES {
        let bundle = read_str(&format!("{dir}/bundle.json"));
        // The Patient's birth date, 1988-03-14 -> 1988-03-15.
        assert_eq!(bundle.matches("1988-03-14").count(), 1);
        let tampered = bundle.replacen("1988-03-14", "1988-03-15", 1);
        let v = verify(&VerifyInput {
            bundle: Some(tampered.as_bytes()),
            ..Default::default()
        });
        assert!(!v.valid, "{dir}");
        let sig = "Bundle.entry[3].resource.signature[0].data";
        let mut expected = vec![
            (Code::CryptoHashVerificationFailed, format!("{sig}#payload")),
            (
                Code::RevocationNoConnectivity,
                format!("{sig}#protected.x5c"),
            ),
        ];
        if dir.starts_with("ig-0.1") {
            expected.insert(
                0,
                (
                    Code::PolicyVersionDeprecated,
                    format!("{sig}#protected.sigPId"),
                ),
            );
        }
        // The signature covers nothing now: every entry is reported as unsigned.
        for i in 0..3 {
            expected.push((
                Code::ValidationPolicyComplianceFailed,
                format!("Bundle.entry[{i}]"),
            ));
        }
        assert_eq!(issues(&v), expected, "{dir}: {}", v.outcome.to_json());
    }
}

#[test]
fn a_bundle_over_max_entries_is_refused_once_and_not_listed() {
    let size_findings = |v: &sesgo::Verification| {
        issues(v)
            .into_iter()
            .filter(|(c, _)| *c == Code::SecurityBundleSizeLimitExceeded)
            .count()
    };
    // Refused with one size finding, nothing listed as unsigned.
    let refused_once = |bundle: Value| {
        let bytes = bundle.to_json();
        let v = verify(&VerifyInput {
            bundle: Some(bytes.as_bytes()),
            ..Default::default()
        });
        assert!(!v.valid);
        assert_eq!(size_findings(&v), 1, "{}", v.outcome.to_json());
        assert!(v.unsigned_content.is_empty());
    };
    let extra = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| {
                parse_strict(
                    format!(
                        r#"{{"fullUrl":"urn:uuid:00000000-0000-4000-8000-{i:012}","resource":{{"resourceType":"Basic"}}}}"#
                    )
                    .as_bytes(),
                    &Limits::default(),
                )
                .unwrap()
            })
            .collect()
    };
    // Without a signature: the unsigned-entries stage reports the limit itself.
    let plain = parse_strict(
        br#"{"resourceType":"Bundle","type":"collection","entry":[]}"#,
        &Limits::default(),
    )
    .unwrap();
    let mut plain_obj = plain.as_object().unwrap().clone();
    plain_obj.insert("entry", Value::Array(extra(1001)));
    refused_once(Value::Object(plain_obj));
    // With a signature: the structure stage reports it, and only it.
    let signed = parse_strict(&read("ig-0.1.2/bundle.json"), &Limits::default()).unwrap();
    let mut obj = signed.as_object().unwrap().clone();
    let mut entries = signed["entry"].as_array().unwrap().clone();
    entries.extend(extra(1001 - entries.len()));
    obj.insert("entry", Value::Array(entries));
    refused_once(Value::Object(obj));
}
