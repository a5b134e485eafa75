//! The fuzz targets of sesgo (issue 25; docs/adr/0059), as plain functions over bytes.
//!
//! Each target feeds its input to one entry point and asserts what must hold for *every*
//! input: no panic, a typed error (a code of the guide) or a value, and — through
//! [`sesgo_core::budget::units`] — work linear in the input. The same functions run:
//!
//! * under libFuzzer (`fuzz/`, `cargo +nightly fuzz run <target>`, or
//!   `cargo xtask fuzz --seconds N` for all of them);
//! * on stable, over the checked-in corpora `fuzz/corpus/<target>/` and the regression
//!   vectors `fuzz/regressions/<target>/` (`cargo test -p sesgo-fuzz`, in `cargo xtask ci`);
//! * by hand: `cargo run -p sesgo-fuzz --bin sesgo-fuzz-replay -- <target> <file|dir>…`.
//!
//! Context (trust anchors, an OCSP responder's CA, a TSA) comes from files compiled in:
//! the known-answer PKI (`testdata/kat/pki/`) and `fuzz/fixtures/` (`make.sh`). Nothing
//! there is trusted by anyone.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a fuzz harness and a test-input generator: a broken invariant must abort the run (docs/adr/0043)"
)]

pub mod hostile;

use sesgo_cert::{Certificate, TrustStore};
use sesgo_core::budget;
use sesgo_core::json::{parse_strict, Limits, Value};
use std::sync::LazyLock;

/// A fuzz target: its name (the directory of its corpus) and its function.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, in the order `cargo xtask fuzz` runs them.
pub const TARGETS: &[Target] = &[
    ("json", json),
    ("canonicalize", canonicalize),
    ("jws", jws),
    ("x509", x509),
    ("pkcs12", pkcs12),
    ("references", references),
    ("iti_zip", iti_zip),
    ("ocsp", ocsp),
    ("crl", crl),
    ("tsa", tsa),
    ("options", options),
    ("verify", verify),
];

/// The target called `name`.
pub fn target(name: &str) -> Option<fn(&[u8])> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// Work units allowed per input byte, plus a constant: every loop over input charges
/// [`budget::charge`], and a super-linear path shows up here long before it shows up as
/// time (D40). The constant covers fixed work (the embedded trust store, a JWS header).
const UNITS_PER_BYTE: u64 = 8;
const UNITS_BASE: u64 = 20_000;

fn assert_linear(what: &str, input_len: usize) {
    let units = budget::units();
    let bound = UNITS_BASE + UNITS_PER_BYTE * input_len as u64;
    assert!(
        units <= bound,
        "{what}: {units} units of work for {input_len} bytes of input (bound {bound})"
    );
}

/// Every error is typed: a code of the guide, never the binding-boundary `SYSTEM` group
/// code that a caught panic becomes.
fn assert_typed(what: &str, e: &sesgo_core::Error) {
    assert!(
        !e.findings().is_empty() && e.code() != sesgo_core::Code::System,
        "{what}: untyped error {e:?}"
    );
}

/// The known-answer PKI (testdata/kat/pki): reference time, trust store, certificates.
pub mod kat {
    use super::*;

    /// 2025-09-01T00:00:00Z: the known-answer vectors' reference time and clock.
    pub const TIME: i64 = 1_756_684_800;
    /// Root (PEM).
    pub const ROOT_PEM: &str = include_str!("../../../testdata/kat/pki/root.pem");
    /// Root SHA-256 (hex).
    pub const ROOT_SHA256: &str = include_str!("../../../testdata/kat/pki/root.sha256");
    /// The two CAs (PEM).
    pub const INTERMEDIATES_PEM: &str = include_str!("../../../testdata/kat/pki/intermediates.pem");
    /// The signer's certificate (PEM).
    pub const SIGNER_PEM: &str = include_str!("../../../testdata/kat/pki/signer.pem");
    /// The signer's key (unencrypted PKCS#8 PEM).
    pub const SIGNER_KEY_PEM: &str = include_str!("../../../testdata/kat/pki/signer.key");
    /// The signer as a legacy PKCS#12 (password [`P12_PASSWORD`]).
    pub const SIGNER_P12: &[u8] = include_bytes!("../../../testdata/kat/pki/signer-3des.p12");
    /// The PKCS#12's password.
    pub const P12_PASSWORD: &str = "teste123";
    /// The example Bundle and Provenance (unsigned).
    pub const BUNDLE: &str = include_str!("../../../testdata/kat/input/bundle.json");
    /// See [`BUNDLE`].
    pub const PROVENANCE: &str = include_str!("../../../testdata/kat/input/provenance.json");
    /// The transfer Bundles signed under each policy.
    pub const TRANSFER_01: &str = include_str!("../../../testdata/kat/ig-0.1.2/bundle.json");
    /// See [`TRANSFER_01`].
    pub const TRANSFER_020: &str = include_str!("../../../testdata/kat/politica-0.2.0/bundle.json");

    /// The trust store pinned to the root, with the CAs and the root in its pool.
    pub fn trust() -> &'static TrustStore {
        static T: LazyLock<TrustStore> = LazyLock::new(|| {
            TrustStore::from_fingerprints([ROOT_SHA256.trim()])
                .expect("KAT root fingerprint")
                .with_ca_certs(
                    Certificate::all_from_pem(format!("{INTERMEDIATES_PEM}{ROOT_PEM}"))
                        .expect("KAT CAs"),
                )
        });
        &T
    }
}

/// The fixtures of the revocation and TSA targets (`fuzz/fixtures/make.sh`).
pub mod fixtures {
    use super::*;

    /// The CA that issued [`leaf`] and signs the OCSP response and the CRL.
    pub fn ca() -> &'static Certificate {
        static C: LazyLock<Certificate> = LazyLock::new(|| {
            Certificate::from_pem(include_str!("../../../fuzz/fixtures/ca.pem")).expect("ca")
        });
        &C
    }

    /// A leaf issued by [`ca`].
    pub fn leaf() -> &'static Certificate {
        static C: LazyLock<Certificate> = LazyLock::new(|| {
            Certificate::from_pem(include_str!("../../../fuzz/fixtures/leaf.pem")).expect("leaf")
        });
        &C
    }

    /// The trust store of the TSA: the fixtures' root.
    pub fn tsa_trust() -> &'static TrustStore {
        static T: LazyLock<TrustStore> = LazyLock::new(|| {
            let root = Certificate::from_pem(include_str!("../../../fuzz/fixtures/root.pem"))
                .expect("root");
            TrustStore::from_fingerprints([root.sha256_hex()]).expect("root fingerprint")
        });
        &T
    }

    /// An OCSP response about [`leaf`] (seed).
    pub const OCSP: &[u8] = include_bytes!("../../../fuzz/fixtures/leaf.ocsp");
    /// A CRL of [`ca`] (seed).
    pub const CRL: &[u8] = include_bytes!("../../../fuzz/fixtures/ca.crl");
    /// An RFC 3161 reply over SHA-256 of [`TSA_DATA`] (seed).
    pub const TSA_REPLY: &[u8] = include_bytes!("../../../fuzz/fixtures/tsa.tsr");
    /// The bytes the TSA reply's imprint hashes.
    pub const TSA_DATA: &[u8] = b"sesgo fuzz";
}

fn strict(data: &[u8]) -> Option<Value> {
    parse_strict(data, &Limits::default()).ok()
}

/// Structural equality with number tokens compared as values (serde_json normalizes
/// `1E2` to `100.0`; sesgo keeps the token). serde_json's default float parser is not
/// correctly rounded (a few ULP off on long mantissas, e.g. `35678901235890040597e90`,
/// fuzz/regressions/json/), sesgo's (`str::parse`) is: values within 8 ULP are equal.
fn same(a: &Value, b: &serde_json::Value) -> bool {
    match (a, b) {
        (Value::Null, serde_json::Value::Null) => true,
        (Value::Bool(x), serde_json::Value::Bool(y)) => x == y,
        (Value::String(x), serde_json::Value::String(y)) => x == y,
        (Value::Number(x), serde_json::Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(p), Some(q)) => {
                p == q || (p - q).abs() <= 8.0 * f64::EPSILON * p.abs().max(q.abs())
            }
            _ => true, // beyond f64 on one side: nothing to compare
        },
        (Value::Array(x), serde_json::Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), serde_json::Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => false,
    }
}

/// The strict JSON reader: differential against `serde_json` (what sesgo accepts,
/// serde_json accepts with the same structure; what serde_json accepts and sesgo refuses
/// is a duplicate member, nesting past sesgo's depth, or a number serde_json cannot hold),
/// and a lossless round trip (`parse(to_json(v)) == v`).
pub fn json(data: &[u8]) {
    let ours = parse_strict(data, &Limits::default());
    let theirs = serde_json::from_slice::<serde_json::Value>(data);
    match (&ours, &theirs) {
        (Ok(v), Ok(w)) => assert!(same(v, w), "sesgo and serde_json read different values"),
        (Ok(_), Err(e)) => {
            // serde_json refuses numbers beyond f64 and nesting past 128; sesgo's depth
            // limit is 64, so only numbers remain.
            assert!(
                e.to_string().contains("number out of range"),
                "sesgo accepted what serde_json refuses: {e}"
            );
        }
        (Err(e), Ok(_)) => assert!(
            matches!(
                e,
                sesgo_core::json::JsonError::DuplicateMember { .. }
                    | sesgo_core::json::JsonError::TooDeep { .. }
            ),
            "sesgo refused what serde_json accepts: {e}"
        ),
        (Err(_), Err(_)) => {}
    }
    // The compact document reads exactly what the tree reads, and refuses with the same
    // error (one parser, two sinks: docs/adr/0071).
    match (
        &ours,
        sesgo_core::json::Doc::parse(data, &Limits::default()),
    ) {
        (Ok(v), Ok(doc)) => {
            use sesgo_core::json::View;
            assert_eq!(
                doc.root().to_value(),
                *v,
                "the document and the tree read different values"
            );
            // The document's compact text, whether copied from the input or written value
            // by value (docs/adr/0076), is the tree's, at every node near the root.
            let mut near = vec![doc.root()];
            for n in [doc.root()]
                .into_iter()
                .chain(doc.root().items().into_iter().flatten())
                .chain(doc.root().members().into_iter().flatten().map(|(_, m)| m))
            {
                near.extend(n.items().into_iter().flatten());
                near.extend(n.members().into_iter().flatten().map(|(_, m)| m));
            }
            for n in near {
                assert_eq!(
                    n.to_json(),
                    n.to_value().to_json(),
                    "the document writes a node differently from the tree"
                );
            }
        }
        (Err(a), Err(b)) => assert_eq!(*a, b, "the document and the tree fail differently"),
        (a, b) => panic!(
            "the tree says {:?}, the document {:?}",
            a.is_ok(),
            b.is_ok()
        ),
    }
    if let Ok(v) = ours {
        let text = v.to_json();
        let again = parse_strict(text.as_bytes(), &Limits::default()).expect("own output parses");
        assert_eq!(again, v, "round trip changed the value");
        assert_eq!(again.to_json(), text, "serialization is not stable");
    }
}

/// Both canonicalizations of a resource: no panic, a typed error or output that parses
/// and canonicalizes to itself (idempotence).
pub fn canonicalize(data: &[u8]) {
    let Some(v) = strict(data) else { return };
    for policy in sesgo_core::Policy::ALL {
        let _call = budget::begin(budget::Budget::DEFAULT);
        match sesgo_jades::canonicalize(policy, &v) {
            Ok(out) => {
                let again = parse_strict(&out, &Limits::default())
                    .unwrap_or_else(|e| panic!("{policy:?}: canonical output is not JSON: {e}"));
                let twice = sesgo_jades::canonicalize(policy, &again)
                    .unwrap_or_else(|e| panic!("{policy:?}: canonical output refused: {e}"));
                assert_eq!(twice, out, "{policy:?}: canonicalization is not idempotent");
            }
            Err(e) => assert_typed("canonicalize", &e),
        }
        // Through the facade too (JSON in, bytes out).
        if let Err(e) = sesgo::canonicalize(data, Some(policy.uri())) {
            assert_typed("sesgo::canonicalize", &e);
        }
    }
}

/// JWS/JAdES parsing and verification (`verify_jws`), and the facade with the input as
/// `Signature.data`.
pub fn jws(data: &[u8]) {
    if let Err(e) = sesgo_jades::verify_jws(data, &sesgo_jades::VerifyOptions::default()) {
        assert_typed("verify_jws", &e);
    }
}

/// X.509: DER and PEM parsing, identity, the credentialing report and chain validation
/// against the known-answer trust store.
pub fn x509(data: &[u8]) {
    let parsed = [Certificate::from_der(data), Certificate::from_pem(data)];
    for c in parsed {
        match c {
            Ok(cert) => {
                let report = sesgo_cert::credentialing_report(
                    &cert,
                    &sesgo_cert::EligibilityOptions::at(kat::TIME),
                );
                let _ = report.to_json();
                let _ = sesgo_cert::Identity::from_certificate(&cert);
                let chain = vec![cert];
                if let Ok(full) = kat::trust().complete_chain(&chain) {
                    if let Err(e) = sesgo_cert::validate_chain(
                        &full,
                        kat::trust(),
                        &sesgo_cert::ChainOptions::at(kat::TIME),
                    ) {
                        assert_typed("validate_chain", &e);
                    }
                }
            }
            Err(e) => assert_typed("certificate", &e),
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = sesgo_cert::parse_x5c(&[text]) {
            assert_typed("parse_x5c", &e);
        }
    }
}

/// PKCS#12 (legacy PBE and PBES2, MAC): the KDF work per file is bounded (D46).
pub fn pkcs12(data: &[u8]) {
    if let Err(e) = sesgo_cert::Credentials::from_pkcs12(data, kat::P12_PASSWORD, None) {
        assert_typed("from_pkcs12", &e);
    }
}

/// The reference rules on a Bundle and, after the first NUL byte, a Provenance; under
/// both UUID rules, signing and validating.
pub fn references(data: &[u8]) {
    let (bundle, provenance) = match data.iter().position(|&b| b == 0) {
        Some(i) => {
            let (b, rest) = data.split_at(i);
            (b, rest.get(1..))
        }
        None => (data, None),
    };
    for policy in sesgo_core::Policy::ALL {
        for mode in [sesgo_refs::Mode::Sign, sesgo_refs::Mode::Validate] {
            let _call = budget::begin(budget::Budget::DEFAULT);
            let opts = sesgo_refs::CheckOptions {
                mode,
                ..sesgo_refs::CheckOptions::for_policy(policy)
            };
            let report = sesgo_refs::check_json(bundle, provenance, &opts);
            assert!(
                report.findings.iter().filter(|f| f.omitted() == 0).count()
                    <= 40 * budget::FINDINGS_PER_CODE,
                "findings are not capped per code"
            );
            drop(_call);
            assert_linear("references", data.len());
            // Checking each reference where it is found, without listing it, reports the
            // same findings and the same count.
            let _call = budget::begin(budget::Budget::DEFAULT);
            let counted = sesgo_refs::check_json(
                bundle,
                provenance,
                &sesgo_refs::CheckOptions {
                    list_references: false,
                    ..opts
                },
            );
            drop(_call);
            assert_eq!(counted.findings, report.findings, "unlisted check differs");
            assert!(counted.references.is_empty(), "unlisted check listed");
            assert_eq!(counted.reference_count, report.references.len());
            assert_eq!(report.reference_count, report.references.len());
        }
    }
}

/// ITI's `ACcompactado.zip` reader (with a matching `hashsha512.txt`, so the archive
/// itself is read).
pub fn iti_zip(data: &[u8]) {
    use sha2::Digest;
    let hash: String = sha2::Sha512::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let line = format!("{hash}  ACcompactado.zip\n");
    let limits = sesgo_cert::iti::ArchiveLimits {
        max_zip_bytes: 1 << 20,
        max_entries: 64,
        max_entry_bytes: 64 << 10,
        max_total_bytes: 1 << 20,
    };
    if let Err(e) = sesgo_cert::iti::read_ac_archive(data, line.as_bytes(), &limits) {
        assert_typed("read_ac_archive", &e);
    }
}

fn revocation_config() -> sesgo_revocation::Config {
    sesgo_revocation::Config::at(kat::TIME, kat::TIME)
}

/// An OCSP response about the fixtures' leaf.
pub fn ocsp(data: &[u8]) {
    let _ = sesgo_revocation::evaluate_ocsp(
        data,
        fixtures::leaf(),
        fixtures::ca(),
        &revocation_config(),
        None,
    );
    let _ = sesgo_revocation::EvidenceItem::classify(data.to_vec());
}

/// A CRL of the fixtures' CA.
pub fn crl(data: &[u8]) {
    let _ = sesgo_revocation::evaluate_crl(
        data,
        fixtures::leaf(),
        fixtures::ca(),
        &revocation_config(),
    );
}

/// An RFC 3161 reply and the token inside it, validated against the fixtures' root.
pub fn tsa(data: &[u8]) {
    let token = match sesgo_cert::tsp::token_from_response(data) {
        Ok(t) => t,
        Err(e) => {
            assert_typed("token_from_response", &e);
            data.to_vec()
        }
    };
    let check = sesgo_cert::tsp::TokenCheck {
        imprint: sesgo_cert::tsp::Imprint::Of(fixtures::TSA_DATA),
        nonce: None,
        policy: None,
        trust: fixtures::tsa_trust(),
        max_depth: 5,
    };
    if let Err(e) = sesgo_cert::tsp::validate_token(&token, &check) {
        assert_typed("validate_token", &e);
    }
}

/// Settings and options: the strict typed reader (D43). What it accepts, serde_json
/// accepts with the same value (it is stricter: no positional arrays, no duplicates);
/// accepted settings survive a round trip.
pub fn options(data: &[u8]) {
    match sesgo::Settings::from_json(data) {
        Ok(s) => {
            let text = serde_json::to_vec(&s).expect("settings serialize");
            let again = sesgo::Settings::from_json(&text).expect("own settings accepted");
            assert_eq!(again, s, "settings round trip");
            if !data.iter().all(u8::is_ascii_whitespace) {
                let theirs: sesgo::Settings =
                    serde_json::from_slice(data).expect("serde_json refuses accepted settings");
                assert_eq!(theirs, s, "serde_json reads other settings");
            }
        }
        Err(e) => assert_typed("Settings::from_json", &e),
    }
    for r in [
        sesgo::VerifyOptions::from_json(data).map(|_| ()),
        sesgo::SignOptions::from_json(data).map(|_| ()),
        sesgo::TrustStoreOptions::from_json(data).map(|_| ()),
        sesgo::InspectOptions::from_json(data).map(|_| ()),
        sesgo::BuildBundleOptions::from_json(data).map(|_| ()),
        sesgo::ReferenceCheckOptions::from_json(data).map(|_| ()),
        sesgo::pkcs11::Pkcs11Config::from_json(data).map(|_| ()),
        sesgo::NetworkOptions::from_json(data).map(|_| ()),
    ] {
        if let Err(e) = r {
            assert_typed("options", &e);
        }
    }
}

/// `verify` end to end (validar), offline, at the known-answer time: the input as a
/// transfer Bundle, as a FHIR Signature, and as a Provenance over the example Bundle.
/// Each call is typed, its OperationOutcome is valid JSON, and its work is linear.
pub fn verify(data: &[u8]) {
    let settings = sesgo::Settings {
        revocation_policy: sesgo::RevocationPolicy::Off,
        ..Default::default()
    };
    let options = sesgo::VerifyOptions {
        reference_time: Some(kat::TIME),
        settings,
        ..Default::default()
    };
    let clock = sesgo::FixedClock(kat::TIME);
    let inputs = [
        sesgo::VerifyInput {
            bundle: Some(data),
            ..Default::default()
        },
        sesgo::VerifyInput {
            signature: Some(data),
            ..Default::default()
        },
        sesgo::VerifyInput {
            provenance: Some(data),
            bundle: Some(kat::BUNDLE.as_bytes()),
            ..Default::default()
        },
    ];
    for input in &inputs {
        match sesgo::verify_with_clock(input, kat::trust(), &options, &clock) {
            Ok(v) => {
                let text = v.outcome.to_json();
                assert!(
                    parse_strict(text.as_bytes(), &Limits::default()).is_ok(),
                    "the OperationOutcome is not JSON"
                );
                assert!(!v.valid || v.signatures.iter().all(|s| s.valid));
            }
            Err(e) => assert_typed("verify", &e),
        }
        assert_linear("verify", data.len());
    }
}

/// The repository's `fuzz/` directory (seed corpora, regression vectors).
pub fn fuzz_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// Runs `target` over every file of `paths` (files, or directories read one level deep,
/// in name order); returns how many inputs ran. A panic names the file.
pub fn replay(name: &str, target: fn(&[u8]), paths: &[std::path::PathBuf]) -> usize {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut v: Vec<_> = std::fs::read_dir(p)
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            v.sort();
            files.extend(v);
        } else if p.is_file() {
            files.push(p.clone());
        }
    }
    for f in &files {
        let data = std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let r = std::panic::catch_unwind(|| target(&data));
        if let Err(payload) = r {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            panic!("fuzz target {name} failed on {}: {msg}", f.display());
        }
    }
    files.len()
}
