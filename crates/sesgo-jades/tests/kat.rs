//! Known-answer vectors (issue 15) at the sesgo-jades layer: from the committed inputs of
//! `testdata/kat` (README there), this crate's public API must give exactly the committed
//! canonical bytes, digest, protected header and JWS under both policies; and, as an
//! independent cross-check (interpreter `$SESGO_PYTHON`, see `cross_check.rs`), the
//! committed JWS verify with `jwcrypto`, the 0.1.2 canonical bytes equal the `rfc8785`
//! package's output and the 0.2.0 framing is recomputed with `struct`/`hashlib`.
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
use common::python;
use sesgo_core::json::{parse_strict, Limits, Value};
use sesgo_jades::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const POLICIES: [(&str, Policy); 2] = [
    ("ig-0.1.2", Policy::Ig012),
    ("politica-0.2.0", Policy::Politica020),
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

fn parse(bytes: &[u8]) -> Value {
    parse_strict(bytes, &Limits::default()).unwrap()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The certificates of a PEM file, DER, in file order.
fn pem_certs(text: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut body: Option<String> = None;
    for line in text.lines() {
        match line.trim() {
            "-----BEGIN CERTIFICATE-----" => body = Some(String::new()),
            "-----END CERTIFICATE-----" => {
                out.push(Base64::decode_vec(&body.take().unwrap()).unwrap());
            }
            l => {
                if let Some(b) = body.as_mut() {
                    b.push_str(l);
                }
            }
        }
    }
    out
}

/// The signed instances in `Provenance.target` order: (reference, resource).
fn targets(bundle: &Value, provenance: &Value) -> Vec<(String, Value)> {
    let entries = bundle["entry"].as_array().unwrap();
    provenance["target"]
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

#[test]
fn canonical_bytes_digest_header_and_jws_match_the_vectors() {
    let bundle = parse(&read("input/bundle.json"));
    let provenance = parse(&read("input/provenance.json"));
    let targets = targets(&bundle, &provenance);
    let iat: i64 = read_str("reference-time.txt").trim().parse().unwrap();
    // x5c: the chain leaf first, up to the root (what the facade puts in the header).
    let chain = pem_certs(&read_str("pki/chain.pem"));
    assert_eq!(chain.len(), 4);
    let key = sesgo_cert::crypto::PrivateKey::from_pkcs8_pem(&read_str("pki/signer.key")).unwrap();

    for (dir, policy) in POLICIES {
        assert_eq!(read_str(&format!("{dir}/policy-uri.txt")), policy.uri());
        // Canonical bytes of each instance.
        for (i, (_, resource)) in targets.iter().enumerate() {
            assert_eq!(
                String::from_utf8(canonicalize(policy, resource).unwrap()).unwrap(),
                read_str(&format!("{dir}/canonical-{i}.json")),
                "{dir} instance {i}"
            );
        }
        // The digest: over the committed signed set, and recomputed by content_digest.
        let want = read_str(&format!("{dir}/digest.hex"));
        assert_eq!(
            hex(&Sha256::digest(read(&format!("{dir}/signed-set.bin")))),
            want
        );
        let pairs: Vec<(&str, &Value)> = targets.iter().map(|(r, v)| (r.as_str(), v)).collect();
        let digest = policy.content_digest(&pairs).unwrap();
        assert_eq!(hex(&digest), want, "{dir}");

        // Protected header and JWS.
        let params = HeaderParams {
            x5c_der: chain.clone(),
            iat: Some(iat),
            strategy: Strategy::Iat,
        };
        let prepared = prepare(policy, &params, &digest).unwrap();
        assert_eq!(
            String::from_utf8(Base64UrlUnpadded::decode_vec(prepared.protected_b64()).unwrap())
                .unwrap(),
            read_str(&format!("{dir}/protected-header.json")),
            "{dir}"
        );
        assert_eq!(prepared.payload_b64(), payload_b64(&digest));
        let jws = sign_with(prepared, &key).unwrap().to_json().unwrap();
        assert_eq!(jws, read_str(&format!("{dir}/jws.json")), "{dir}");

        // The committed JWS verifies against the digest, and not against another one.
        let committed = read(&format!("{dir}/jws.json"));
        let v = verify_jws(
            &committed,
            &VerifyOptions {
                expected_policy: Some(policy),
                expected_payload: Some(digest),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            (v.policy, v.strategy, v.iat),
            (policy, Strategy::Iat, Some(iat))
        );
        assert_eq!(v.x5c_der, chain);
        let mut other = digest;
        other[31] ^= 1;
        let e = verify_jws(
            &committed,
            &VerifyOptions {
                expected_policy: Some(policy),
                expected_payload: Some(other),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(
            e.code(),
            sesgo_core::Code::CryptoHashVerificationFailed,
            "{e}"
        );
    }
}

const KAT_SCRIPT: &str = r#"
import sys, json, hashlib, struct, base64, rfc8785
from cryptography import x509
from jwcrypto import jwk, jws
kat = sys.argv[1]
def rd(p): return open(f"{kat}/{p}", "rb").read()
cert = x509.load_pem_x509_certificate(rd("pki/signer.pem"))
key = jwk.JWK.from_pyca(cert.public_key())
bundle = json.loads(rd("input/bundle.json"))
prov = json.loads(rd("input/provenance.json"))
by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
targets = [(t["reference"], by_url[t["reference"]]) for t in prov["target"]]
def strip01(r):
    r = dict(r); r.pop("id", None)
    m = dict(r.get("meta", {}))
    for k in ("versionId", "lastUpdated", "source", "tag"): m.pop(k, None)
    if m: r["meta"] = m
    else: r.pop("meta", None)
    return r
for d in ("ig-0.1.2", "politica-0.2.0"):
    text = rd(f"{d}/jws.json").decode()
    tok = jws.JWS(); tok.deserialize(text); tok.verify(key, alg="RS256")
    signed_set = rd(f"{d}/signed-set.bin")
    assert tok.payload == hashlib.sha256(signed_set).digest(), d
    assert tok.payload.hex() == rd(f"{d}/digest.hex").decode(), d
    canon = [rd(f"{d}/canonical-{i}.json") for i in range(len(targets))]
    if d == "ig-0.1.2":
        # RFC 8785 by an independent implementation, byte for byte.
        for i, (_, res) in enumerate(targets):
            assert rfc8785.dumps(strip01(res)) == canon[i], (d, i)
        assert b"".join(canon) == signed_set, d
    else:
        # fhir-json-lossless keeps number tokens (36.50): only the framing is recomputed.
        framed = struct.pack(">Q", len(targets))
        for (ref, _), c in zip(targets, canon):
            framed += struct.pack(">Q", len(ref.encode())) + ref.encode() + struct.pack(">Q", len(c)) + c
        assert framed == signed_set, d
    prot = json.loads(text)["signatures"][0]["protected"]
    assert base64.urlsafe_b64decode(prot + "=" * (-len(prot) % 4)) == rd(f"{d}/protected-header.json"), d
    assert base64.b64decode(rd(f"{d}/signature-data.txt")) == text.encode(), d
    # One flipped signature byte does not verify with jwcrypto either.
    bad = json.loads(text)
    s = bad["signatures"][0]["signature"]
    bad["signatures"][0]["signature"] = ("B" if s[0] == "A" else "A") + s[1:]
    t2 = jws.JWS(); t2.deserialize(json.dumps(bad))
    try:
        t2.verify(key, alg="RS256")
        raise SystemExit("corrupted JWS verified: " + d)
    except jws.InvalidJWSSignature:
        pass
    print("ok", d)
"#;

#[test]
fn the_vectors_hold_under_jwcrypto_and_rfc8785() {
    let dir = kat_dir();
    let out = python(KAT_SCRIPT, &[Path::new(&dir)]);
    assert_eq!(out, "ok ig-0.1.2\nok politica-0.2.0\n");
}
