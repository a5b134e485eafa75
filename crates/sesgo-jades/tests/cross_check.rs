//! Independent cross-checks run in the test suite (issue 5): our JCS against the Python
//! `rfc8785` package on generated documents, and our JWS against `jwcrypto`, with the
//! payload recomputed independently (rfc8785 + hashlib). The interpreter is `$SESGO_PYTHON`
//! (default `python3`); missing packages FAIL the test.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]
mod common;
use common::{pki, python, tmpdir, Rng};
use sesgo_core::json::{parse_strict, Limits};
use sesgo_jades::*;

fn gen_string(r: &mut Rng) -> String {
    const POOL: &[char] = &[
        'a',
        'b',
        'Z',
        '0',
        '9',
        ' ',
        '"',
        '\\',
        '/',
        '\n',
        '\r',
        '\t',
        '\u{0}',
        '\u{1}',
        '\u{8}',
        '\u{c}',
        '\u{1f}',
        '\u{7f}',
        '\u{80}',
        '\u{e9}',
        '\u{f6}',
        '\u{20ac}',
        '\u{d7ff}',
        '\u{e000}',
        '\u{fb33}',
        '\u{fffd}',
        '\u{ffff}',
        '\u{10000}',
        '\u{1f600}',
        '\u{10ffff}',
    ];
    let n = r.below(8) as usize;
    (0..n)
        .map(|_| POOL[r.below(POOL.len() as u64) as usize])
        .collect()
}

fn gen_number(r: &mut Rng) -> String {
    match r.below(9) {
        0 => format!("{}", r.below(1000) as i64 - 500),
        1 => format!(
            "{}",
            (r.next() >> 11) as i64 * if r.below(2) == 0 { 1 } else { -1 }
        ),
        2 | 3 => loop {
            let f = f64::from_bits(r.next());
            if f.is_finite() {
                break if r.below(2) == 0 {
                    format!("{f:e}")
                } else {
                    format!("{f:E}")
                };
            }
        },
        4 => {
            let f = (r.next() >> 11) as f64 / (1u64 << r.below(60)) as f64;
            format!("{f:?}")
        }
        5 => format!("{}.{:0width$}", r.below(100_000), r.below(1000), width = 3),
        6 => format!("{}e{}", r.below(100) + 1, r.below(60) as i64 - 30),
        7 => [
            "-0",
            "0.0",
            "1e21",
            "1e-7",
            "5e-324",
            "1.7976931348623157e308",
            "0.000001",
            "333333333.33333329",
            "2.00",
            "1E2",
            "9007199254740991",
            "-9007199254740991",
            "4.35",
            "0.1",
            "100e-2",
        ][r.below(15) as usize]
            .to_owned(),
        _ => format!(
            "{}.{}E{}",
            r.below(10),
            r.below(1_000_000),
            r.below(40) as i64 - 20
        ),
    }
}

fn gen_value(r: &mut Rng, depth: u32, out: &mut String) {
    let kind = if depth >= 4 { r.below(4) } else { r.below(7) };
    match kind {
        0 => out.push_str(["null", "true", "false"][r.below(3) as usize]),
        1 => out.push_str(&gen_number(r)),
        2 | 3 => out.push_str(&serde_json::to_string(&gen_string(r)).unwrap()),
        4 => {
            out.push('[');
            for i in 0..r.below(5) {
                if i > 0 {
                    out.push(',');
                }
                gen_value(r, depth + 1, out);
            }
            out.push(']');
        }
        _ => {
            out.push('{');
            let mut keys = std::collections::BTreeSet::new();
            for _ in 0..r.below(7) {
                keys.insert(gen_string(r));
            }
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).unwrap());
                out.push(':');
                gen_value(r, depth + 1, out);
            }
            out.push('}');
        }
    }
}

const RFC8785_SCRIPT: &str = r#"
import sys, json, rfc8785
for line in open(sys.argv[1], encoding="utf-8"):
    print(rfc8785.dumps(json.loads(line)).hex())
"#;

#[test]
fn jcs_matches_python_rfc8785_on_generated_documents() {
    let mut r = Rng(0x0005_e560_2025);
    let mut docs = Vec::new();
    for _ in 0..400 {
        let mut s = String::new();
        // Objects at the root (shuffled member order guaranteed by the BTreeSet of
        // UTF-8 keys vs UTF-16 sorting), plus some arrays.
        let any_root = r.below(5) == 0;
        loop {
            s.clear();
            gen_value(&mut r, 1, &mut s);
            if any_root || (s.starts_with('{') && s.len() > 2) {
                break;
            }
        }
        docs.push(s);
    }
    let dir = tmpdir("jcs");
    let file = dir.join("docs.jsonl");
    std::fs::write(&file, docs.join("\n") + "\n").unwrap();
    let out = python(RFC8785_SCRIPT, &[&file]);
    let theirs: Vec<&str> = out.lines().collect();
    assert_eq!(theirs.len(), docs.len());
    for (doc, hex) in docs.iter().zip(theirs) {
        let v = parse_strict(doc.as_bytes(), &Limits::default()).unwrap();
        let mut ours = Vec::new();
        canonicalize_value_into(Canonicalization::Jcs, &v, &mut ours).unwrap();
        let ours_hex: String = ours.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            ours_hex,
            hex,
            "document {doc}\nours   {}",
            String::from_utf8_lossy(&ours)
        );
    }
}

const JWCRYPTO_SCRIPT: &str = r#"
import sys, json, hashlib, struct, base64, rfc8785
from cryptography import x509
from jwcrypto import jwk, jws
cert = x509.load_der_x509_certificate(open(sys.argv[1], "rb").read())
key = jwk.JWK.from_pyca(cert.public_key())
targets = json.load(open(sys.argv[2], encoding="utf-8"))
def strip(r, v020):
    r = dict(r)
    for k in (["id", "_id"] if v020 else ["id"]):
        r.pop(k, None)
    if isinstance(r.get("meta"), dict):
        m = dict(r["meta"])
        drop = ["versionId", "lastUpdated", "source", "tag"]
        if v020:
            drop += ["_versionId", "_lastUpdated", "_source"]
        for k in drop:
            m.pop(k, None)
        if m:
            r["meta"] = m
        else:
            del r["meta"]
    return r
for path in sys.argv[3:]:
    text = open(path, encoding="utf-8").read()
    tok = jws.JWS()
    tok.deserialize(text)
    tok.verify(key, alg="RS256")
    prot = json.loads(text)["signatures"][0]["protected"]
    hdr = json.loads(base64.urlsafe_b64decode(prot + "=" * (-len(prot) % 4)))
    sigpid = hdr["sigPId"]["id"]
    v020 = isinstance(sigpid, dict)
    if v020:
        h = hashlib.sha256()
        h.update(struct.pack(">Q", len(targets)))
        for ref, res in targets:
            c = rfc8785.dumps(strip(res, True))
            h.update(struct.pack(">Q", len(ref.encode()))); h.update(ref.encode())
            h.update(struct.pack(">Q", len(c))); h.update(c)
        want = h.digest()
    else:
        want = hashlib.sha256(b"".join(rfc8785.dumps(strip(res, False)) for _, res in targets)).digest()
    assert tok.payload == want, (path, tok.payload.hex(), want.hex())
    # A corrupted copy must not verify with jwcrypto either.
    bad = json.loads(text)
    s = bad["signatures"][0]["signature"]
    bad["signatures"][0]["signature"] = ("B" if s[0] == "A" else "A") + s[1:]
    t2 = jws.JWS()
    t2.deserialize(json.dumps(bad))
    try:
        t2.verify(key, alg="RS256")
        raise SystemExit("corrupted JWS verified: " + path)
    except jws.InvalidJWSSignature:
        pass
    print("ok", path)
"#;

#[test]
fn jws_verifies_with_jwcrypto_and_payload_matches_rfc8785() {
    // Numbers here are already in ECMAScript form, so JCS and lossless coincide and
    // rfc8785 can recompute the 0.2.0 digest too.
    let targets_json = r#"[
      ["urn:uuid:6f1c3a52-0d0e-4c57-9a59-5d1b0bd6c9a1", {"resourceType":"Patient","id":"p1","_id":{"extension":[{"url":"http://x","valueString":"y"}]},"meta":{"versionId":"2","lastUpdated":"2025-07-02T10:00:00Z","profile":["http://x/p"],"tag":[{"code":"t"}]},"name":[{"family":"Sá","given":["Ana","\u00c9lio"]}],"birthDate":"1990-01-01"}],
      ["urn:uuid:0b7a3e9d-2c41-4f5e-8a6b-9c0d1e2f3a4b", {"resourceType":"Observation","status":"final","valueQuantity":{"value":36.5,"unit":"Cel"},"component":[{"valueInteger":-7},{"valueDecimal":0.000001}],"subject":{"reference":"urn:uuid:6f1c3a52-0d0e-4c57-9a59-5d1b0bd6c9a1"},"meta":{"source":"s"},"note":[{"text":"€ \ud83d\ude00 \"q\" \\ \n"}]}]
    ]"#;
    let dir = tmpdir("jwcrypto");
    let targets_file = dir.join("targets.json");
    std::fs::write(&targets_file, targets_json).unwrap();
    let v = parse_strict(targets_json.as_bytes(), &Limits::default()).unwrap();
    let arr = v.as_array().unwrap();
    let targets: Vec<(&str, &sesgo_core::json::Value)> = arr
        .iter()
        .map(|t| (t[0].as_str().unwrap(), &t[1]))
        .collect();

    let mut files = Vec::new();
    for policy in [Policy::Ig012, Policy::Ig002, Policy::Politica020] {
        for strategy in [Strategy::Iat, Strategy::Tsa] {
            let digest = policy.content_digest(&targets).unwrap();
            let params = HeaderParams {
                x5c_der: vec![pki().a.cert_der.clone()],
                iat: Some(1_760_000_000),
                strategy,
            };
            let mut jws =
                sign_with(prepare(policy, &params, &digest).unwrap(), &pki().a.key).unwrap();
            if strategy == Strategy::Tsa {
                jws.attach_timestamp_token(b"opaque token".to_vec())
                    .unwrap();
            }
            let f = dir.join(
                format!("{}-{}.json", policy.family() as u8, strategy.as_str()).replace(' ', ""),
            );
            let f = dir.join(format!("{}-{:?}", files.len(), f.file_name().unwrap()));
            std::fs::write(&f, jws.to_json().unwrap()).unwrap();
            files.push(f);
        }
    }
    let mut args: Vec<&std::path::Path> = vec![&pki().a.cert_path, &targets_file];
    args.extend(files.iter().map(|p| p.as_path()));
    let out = python(JWCRYPTO_SCRIPT, &args);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("ok ")).count(),
        files.len(),
        "{out}"
    );
}
