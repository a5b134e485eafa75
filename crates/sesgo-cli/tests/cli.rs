//! The `sesgo` binary end to end: real test PKI (openssl CLI), real files, the built
//! executable. Every stdout except `canonicalize`'s and `demo`'s is parsed as FHIR JSON;
//! every OperationOutcome is checked against the guide's profile by reading it back with
//! sesgo-core's reader (which accepts only CodeSystem codes under the profile's fixed
//! system) and re-rendering it with the profile-validated renderer (crates/sesgo-core/
//! tests/operation_outcome.rs) — the two must agree byte for byte.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use serde_json::Value;
use sesgo_cert::testpki::TestPki;
use sesgo_cert::Certificate;
use sesgo_core::{OperationOutcome, OPERATION_OUTCOME_PROFILE};
use std::path::{Path, PathBuf};
use std::process::Command;

const P020: &str = "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0";
const P012: &str =
    "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.2";
const PW_VAR: &str = "SESGO_CLI_TEST_PASSWORD";

fn pki() -> &'static TestPki {
    TestPki::shared()
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

/// A fresh scratch directory for one test, removed when dropped (kept if the test
/// panics, for inspection).
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn scratch(name: &str) -> Scratch {
    let d = std::env::temp_dir().join(format!("sesgo-cli-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    Scratch(d)
}

struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                String::from_utf8_lossy(&self.stdout),
                self.stderr
            )
        })
    }

    /// stdout as a conforming OperationOutcome; its issue codes.
    fn outcome(&self) -> Vec<String> {
        let v = self.json();
        assert_eq!(v["resourceType"], "OperationOutcome", "{v}");
        assert_eq!(v["meta"]["profile"][0], OPERATION_OUTCOME_PROFILE);
        let oo = OperationOutcome::from_value(&v)
            .unwrap_or_else(|| panic!("not a conforming OperationOutcome: {v}"));
        assert_eq!(oo.to_value(), v, "re-rendering differs");
        oo.issues()
            .iter()
            .map(|f| f.code().as_str().to_owned())
            .collect()
    }

    fn expect(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            code,
            "exit code; stdout: {}\nstderr: {}",
            String::from_utf8_lossy(&self.stdout),
            self.stderr
        );
        self
    }
}

fn sesgo(args: &[&str]) -> Run {
    sesgo_env(args, &[])
}

fn sesgo_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sesgo"));
    c.args(args).env_remove(PW_VAR);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run sesgo");
    Run {
        code: out.status.code().expect("exit code, not a signal"),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Trust options naming the test root and its intermediates.
fn trust_args() -> Vec<String> {
    vec![
        "--trust-root-sha256".into(),
        pki().root_sha256.clone(),
        "--ca-certs".into(),
        s(&pki().chain_pem).into(),
    ]
}

enum Key {
    P12,
    /// Encrypted PKCS#8 PEM key and the leaf certificate.
    Pem,
}

/// Signs the example; returns (signed Provenance, transfer Bundle file, Signature file).
fn sign(dir: &Path, policy: Option<&str>, key: Key) -> (Value, PathBuf, PathBuf) {
    let out_bundle = dir.join("transfer.json");
    let out_sig = dir.join("signature.json");
    let out_prov = dir.join("provenance.json");
    let mut args: Vec<String> = vec![
        "sign".into(),
        "--bundle".into(),
        s(&example("bundle.json")).into(),
        "--provenance".into(),
        s(&example("provenance.json")).into(),
        "--out-bundle".into(),
        s(&out_bundle).into(),
        "--out-signature".into(),
        s(&out_sig).into(),
        "--out-provenance".into(),
        s(&out_prov).into(),
    ];
    match key {
        Key::P12 => args.extend([
            "--p12".into(),
            s(&pki().p12_aes).into(),
            "--password-env".into(),
            PW_VAR.into(),
        ]),
        Key::Pem => args.extend([
            "--key".into(),
            s(&pki().key_pkcs8_encrypted).into(),
            "--key-password-env".into(),
            PW_VAR.into(),
            "--chain".into(),
            s(&pki().ecpf.cert_pem).into(),
        ]),
    }
    if let Some(p) = policy {
        args.extend(["--policy".into(), p.into()]);
    }
    args.extend(trust_args());
    // Default revocation policy (strict): the chain's status from evidence files.
    args.extend(["--revocation-evidence".into(), evidence()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = sesgo_env(&args, &[(PW_VAR, &pki().password)]);
    r.expect(0);
    let prov = r.json();
    assert_eq!(prov["resourceType"], "Provenance");
    assert_eq!(
        prov["signature"][0]["who"]["identifier"]["value"],
        "12345678909"
    );
    // --out-provenance holds what stdout printed.
    let written: Value = serde_json::from_slice(&std::fs::read(&out_prov).unwrap()).unwrap();
    assert_eq!(written, prov);
    assert!(r.stderr.contains("signed 3 resource(s)"), "{}", r.stderr);
    (prov, out_bundle, out_sig)
}

/// Revocation evidence for the e-CPF's chain: an OCSP response from the real `openssl
/// ocsp` responder and the ACs' CRLs.
fn evidence() -> String {
    sesgo_cert::testpki::RevocationPki::shared()
        .ecpf_evidence()
        .display()
        .to_string()
}

/// `sesgo verify` with the test trust store. The test PKI's OCSP/CRL URLs are unreachable
/// here, so a VALID result needs evidence or `--revocation warn`.
fn verify(extra: &[&str], revocation: Option<&str>) -> Run {
    let mut args: Vec<String> = vec!["verify".into()];
    args.extend(extra.iter().map(|x| (*x).to_owned()));
    args.extend(trust_args());
    if let Some(r) = revocation {
        args.extend(["--revocation".into(), r.into()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    sesgo(&args)
}

#[test]
fn sign_then_verify_under_both_policies_with_p12_and_pem_keys() {
    for (i, policy) in [None, Some(P020)].into_iter().enumerate() {
        for (j, key) in [Key::P12, Key::Pem].into_iter().enumerate() {
            let dir = scratch(&format!("roundtrip-{i}-{j}"));
            let (_, transfer, _) = sign(&dir, policy, key);
            let mut args = vec!["--bundle", s(&transfer)];
            if let Some(p) = policy {
                args.extend(["--policy", p]);
            }
            let r = verify(&args, Some("warn"));
            let codes = r.expect(0).outcome();
            assert_eq!(codes[0], "VALIDATION.SUCCESS");
            // The responders are unreachable here: said as a warning under `warn`.
            assert!(
                codes.contains(&"REVOCATION.OCSP-UNAVAILABLE".to_owned()),
                "{codes:?}"
            );
            assert!(r.stderr.contains("VALID"), "{}", r.stderr);
        }
    }
}

/// `sesgo verify-many` (issue 17): one JSON line per file in order, each result what
/// `verify --report` prints for that file; unreadable or malformed files are their own
/// invalid lines; exit 1 when any is invalid, 0 when all are valid.
#[test]
fn verify_many_prints_one_line_per_file_in_order() {
    let dir = scratch("verify-many");
    let (_, transfer, _) = sign(&dir, Some(P020), Key::P12);
    let text = std::fs::read_to_string(&transfer).unwrap();
    assert!(text.contains("52998224725"));
    let tampered = dir.join("tampered.json");
    std::fs::write(&tampered, text.replace("52998224725", "52998224726")).unwrap();
    let malformed = dir.join("malformed.json");
    std::fs::write(&malformed, "{").unwrap();
    let missing = dir.join("missing.json");
    let files = [&transfer, &tampered, &malformed, &missing, &transfer];
    let many = |files: &[&PathBuf], threads: &str| {
        let mut args: Vec<String> = vec!["verify-many".into()];
        args.extend(files.iter().map(|f| s(f).to_owned()));
        args.extend(trust_args());
        args.extend([
            "--revocation".into(),
            "warn".into(),
            "--threads".into(),
            threads.into(),
        ]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        sesgo(&args)
    };
    let r = many(&files, "2");
    assert_eq!(r.code, 1, "{}", r.stderr);
    let lines: Vec<Value> = String::from_utf8(r.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), files.len());
    for (line, file) in lines.iter().zip(files) {
        assert_eq!(line["file"], s(file));
    }
    let code = |i: usize| {
        lines[i]["result"]["outcome"]["issue"][0]["details"]["coding"][0]["code"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(lines[0]["result"]["valid"], true);
    assert_eq!(code(0), "VALIDATION.SUCCESS");
    assert_eq!(lines[1]["result"]["valid"], false);
    assert_eq!(lines[1]["result"]["subIndication"], "HASH_FAILURE");
    assert_eq!(code(2), "FORMAT.JSON-MALFORMED");
    assert_eq!(lines[3]["result"]["valid"], false);
    let diagnostics = lines[3]["result"]["outcome"]["issue"][0]["diagnostics"]
        .as_str()
        .unwrap();
    assert!(diagnostics.starts_with("FILES[3]"), "{diagnostics}");
    assert_eq!(lines[4], lines[0]);
    // The same result `verify --report` prints for the file alone.
    let one = verify(&["--bundle", s(&transfer), "--report"], Some("warn"));
    assert_eq!(lines[0]["result"], one.expect(0).json());
    assert!(
        r.stderr.contains("2 válida(s), 3 inválida(s) de 5"),
        "{}",
        r.stderr
    );
    // All valid: exit 0, whatever the thread count.
    let r = many(&[&transfer, &transfer, &transfer], "1");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(String::from_utf8(r.stdout).unwrap().lines().count(), 3);
}

#[test]
fn every_verify_input_form_is_accepted() {
    let dir = scratch("forms");
    let (_, transfer, sig) = sign(&dir, Some(P020), Key::P12);
    let signature: Value = serde_json::from_slice(&std::fs::read(&sig).unwrap()).unwrap();
    let data = dir.join("data.b64");
    std::fs::write(&data, signature["data"].as_str().unwrap()).unwrap();
    let prov = dir.join("provenance.json");
    let bundle = example("bundle.json");
    // (arguments, whether the content was checked)
    for (args, content) in [
        (vec!["--provenance", s(&prov), "--bundle", s(&bundle)], true),
        (vec!["--signature", s(&sig)], false),
        (vec!["--signature-data", s(&data), "--policy", P020], false),
        // A Signature (or its data) with a Bundle: the Provenance in the Bundle that
        // carries it designates the content.
        (
            vec!["--signature-data", s(&data), "--bundle", s(&transfer)],
            true,
        ),
        (vec!["--signature", s(&sig), "--bundle", s(&transfer)], true),
    ] {
        let run = verify(&args, Some("off"));
        let codes = run.expect(0).outcome();
        assert_eq!(codes[0], "VALIDATION.SUCCESS", "{args:?}");
        let mut report_args = args.clone();
        report_args.push("--report");
        let report = verify(&report_args, Some("off")).expect(0).json();
        assert_eq!(report["contentChecked"], content, "{args:?}: {report}");
        assert_eq!(
            report["signatures"][0]["contentChecked"], content,
            "{report}"
        );
        assert_eq!(
            report["indication"], "INDETERMINATE",
            "revocation off (and no content, for some): never TOTAL-PASSED: {report}"
        );
        assert_eq!(report["signatures"][0]["policy"], P020, "{report}");
        if content {
            assert_eq!(
                report["signatures"][0]["signedFullUrls"]
                    .as_array()
                    .unwrap()
                    .len(),
                3,
                "{report}"
            );
            assert_eq!(report["unsignedContent"], serde_json::json!([]), "{report}");
        }
    }
    // A supplied Bundle is never ignored: Signature.data with a Bundle that does not
    // carry it (the unsigned input Bundle) is invalid, not "valid, unchecked".
    let codes = verify(
        &["--signature-data", s(&data), "--bundle", s(&bundle)],
        Some("off"),
    )
    .expect(1)
    .outcome();
    assert_eq!(codes[0], "FORMAT.SIGNATURE-MISSING", "{codes:?}");
    // Declared policy 0.2.0, required 0.1.2: invalid.
    let r = verify(&["--signature", s(&sig), "--policy", P012], Some("warn"));
    assert!(!r.expect(1).outcome().is_empty());
}

#[test]
fn exit_1_when_invalid_strict_revocation_tampered_and_foreign_root() {
    let dir = scratch("invalid");
    let (_, transfer, _) = sign(&dir, None, Key::P12);

    // Default revocation policy (strict): responders unreachable, so invalid.
    let codes = verify(&["--bundle", s(&transfer)], None)
        .expect(1)
        .outcome();
    assert!(
        codes.contains(&"REVOCATION.OCSP-UNAVAILABLE".to_owned()),
        "{codes:?}"
    );
    // With the signer's evidence, strict verification is VALID (air-gapped receiver).
    let ev = evidence();
    verify(
        &["--bundle", s(&transfer), "--revocation-evidence", &ev],
        None,
    )
    .expect(0);
    // A revoked signer cannot sign (CERT.REVOKED), under any revocation policy.
    let rev = sesgo_cert::testpki::RevocationPki::shared();
    let revoked = s(&rev.p12_revoked).to_owned();
    let crl = s(&rev.crl_ac2).to_owned();
    let (eb, ep) = (example("bundle.json"), example("provenance.json"));
    let mut args = vec![
        "sign",
        "--bundle",
        s(&eb),
        "--provenance",
        s(&ep),
        "--p12",
        &revoked,
        "--password-env",
        PW_VAR,
        "--revocation",
        "warn",
        "--revocation-evidence",
        &crl,
    ];
    let trust = trust_args();
    args.extend(trust.iter().map(String::as_str));
    let r = sesgo_env(&args, &[(PW_VAR, &pki().password)]);
    let out = format!("{}{}", String::from_utf8_lossy(&r.stdout), r.stderr);
    assert!(r.code != 0 && out.contains("CERT.REVOKED"), "{out}");

    // One byte of a signed value changed.
    let text = std::fs::read_to_string(&transfer).unwrap();
    assert!(text.contains("36.50"));
    let tampered = dir.join("tampered.json");
    std::fs::write(&tampered, text.replacen("36.50", "36.51", 1)).unwrap();
    let r = verify(&["--bundle", s(&tampered)], Some("warn"));
    let codes = r.expect(1).outcome();
    assert!(
        codes.contains(&"CRYPTO.HASH-VERIFICATION-FAILED".to_owned()),
        "{codes:?}"
    );
    assert!(r.stderr.contains("INVALID"), "{}", r.stderr);

    // A trust store holding only a foreign root.
    let foreign = Certificate::from_der(&pki().foreign_root.der)
        .unwrap()
        .sha256_hex();
    let r = sesgo(&[
        "verify",
        "--bundle",
        s(&transfer),
        "--trust-root-sha256",
        &foreign,
        "--revocation",
        "warn",
    ]);
    let codes = r.expect(1).outcome();
    assert!(
        codes.iter().any(|c| c == "CERT.NOT-ICP-BRASIL"
            || c == "CERT.CHAIN-INCOMPLETE"
            || c == "CERT.CHAIN-VALIDATION-FAILED"),
        "{codes:?}"
    );
    // And the default trust store (embedded ICP-Brasil roots) refuses the test chain.
    let r = sesgo(&["verify", "--bundle", s(&transfer), "--revocation", "warn"]);
    assert!(r
        .expect(1)
        .outcome()
        .contains(&"CERT.NOT-ICP-BRASIL".to_owned()));
}

#[test]
fn exit_2_for_input_errors_with_an_outcome_on_stdout() {
    let dir = scratch("errors");
    let bundle = example("bundle.json");
    let prov = example("provenance.json");
    let p12 = s(&pki().p12_aes).to_owned();
    let base = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "sign",
            "--bundle",
            s(&bundle),
            "--provenance",
            s(&prov),
            "--p12",
            &p12,
            "--password-env",
            PW_VAR,
        ]
        .iter()
        .map(|x| (*x).to_owned())
        .collect();
        v.extend(extra.iter().map(|x| (*x).to_owned()));
        v.extend(trust_args());
        v
    };
    let run = |args: &[String], pw: Option<&str>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        match pw {
            Some(p) => sesgo_env(&args, &[(PW_VAR, p)]),
            None => sesgo(&args),
        }
    };

    // Wrong password.
    let codes = run(&base(&[]), Some("errada")).expect(2).outcome();
    assert_eq!(codes[0], "CRYPTO.KEY-INACCESSIBLE");
    // Password variable not set.
    let codes = run(&base(&[]), None).expect(2).outcome();
    assert_eq!(codes[0], "CONFIG.MISSING-PARAMETER");
    // An unknown policy and an unsupported strategy are facade errors.
    let codes = run(&base(&["--policy", "urn:x"]), Some(&pki().password))
        .expect(2)
        .outcome();
    assert!(codes[0].starts_with("POLICY."), "{codes:?}");
    let codes = run(&base(&["--strategy", "tsa"]), Some(&pki().password))
        .expect(2)
        .outcome();
    assert_eq!(codes[0], "CONFIG.MISSING-PARAMETER");
    // Settings out of range.
    let settings = dir.join("settings.json");
    std::fs::write(&settings, br#"{"ocspTimeoutSecs": 1}"#).unwrap();
    let codes = run(&base(&["--settings", s(&settings)]), Some(&pki().password))
        .expect(2)
        .outcome();
    assert_eq!(codes[0], "CONFIG.TIMEOUT-OUT-OF-RANGE");

    // Malformed JSON (sign and verify).
    let bad = dir.join("bad.json");
    std::fs::write(&bad, b"{\"resourceType\": \"Bundle\",").unwrap();
    let r = sesgo_env(
        &[
            "sign",
            "--bundle",
            s(&bad),
            "--provenance",
            s(&prov),
            "--p12",
            &p12,
            "--password-env",
            PW_VAR,
        ],
        &[(PW_VAR, &pki().password)],
    );
    assert_eq!(r.expect(2).outcome()[0], "FORMAT.JSON-MALFORMED");
    let codes = verify(&["--bundle", s(&bad)], Some("warn"))
        .expect(2)
        .outcome();
    assert_eq!(codes[0], "FORMAT.JSON-MALFORMED");
    // Unreadable file.
    let missing = dir.join("missing.json");
    let codes = verify(&["--bundle", s(&missing)], None).expect(2).outcome();
    assert_eq!(codes[0], "CONFIG.INVALID-PARAMETER");
    // Bad trust store option.
    let codes = sesgo(&[
        "verify",
        "--bundle",
        s(&bundle),
        "--trust-root-sha256",
        "xyz",
    ])
    .expect(2)
    .outcome();
    assert!(codes[0].starts_with("CONFIG."), "{codes:?}");
}

#[test]
fn usage_errors_exit_2_with_an_outcome_and_help_exits_0() {
    for args in [
        vec![],
        vec!["frobnicate"],
        vec!["verify"],
        vec!["verify", "--bundle", "a.json", "--revocation", "sometimes"],
        vec!["verify", "--signature", "a", "--provenance", "b"],
        // --p12 requires --password-env; passwords never come from argv.
        vec!["sign", "--bundle", "b", "--provenance", "p", "--p12", "x"],
        vec![
            "sign",
            "--bundle",
            "b",
            "--provenance",
            "p",
            "--password",
            "x",
        ],
        vec!["cert", "inspect"],
        vec!["canonicalize"],
    ] {
        let r = sesgo(&args);
        let codes = r.expect(2).outcome();
        assert!(codes[0].starts_with("CONFIG."), "{args:?}: {codes:?}");
        assert!(!r.stderr.is_empty());
    }
    let r = sesgo(&["--help"]);
    r.expect(0);
    let help = String::from_utf8_lossy(&r.stdout);
    assert!(help.contains("exit codes"), "{help}");
    let r = sesgo(&["sign", "--help"]);
    assert!(String::from_utf8_lossy(&r.expect(0).stdout).contains("--password-env"));
}

#[test]
fn refs_check_reports_conformance_and_errors() {
    let dir = scratch("refs");
    let r = sesgo(&[
        "refs",
        "check",
        "--bundle",
        s(&example("bundle.json")),
        "--provenance",
        s(&example("provenance.json")),
    ]);
    assert_eq!(r.expect(0).outcome(), ["VALIDATION.SUCCESS"]);
    let bad = dir.join("bad-refs.json");
    std::fs::write(
        &bad,
        br#"{"resourceType":"Bundle","type":"collection","entry":[
  {"fullUrl":"urn:uuid:550e8400-e29b-41d4-a716-446655440000",
   "resource":{"resourceType":"Observation","status":"final","code":{"text":"massa"},
               "subject":{"reference":"Patient/x"}}}]}"#,
    )
    .unwrap();
    let r = sesgo(&["refs", "check", "--bundle", s(&bad), "--policy", P020]);
    let codes = r.expect(1).outcome();
    assert!(
        codes.contains(&"FORMAT.REFERENCE-INVALID".to_owned()),
        "{codes:?}"
    );
    let codes = sesgo(&["refs", "check", "--bundle", s(&dir.join("none.json"))])
        .expect(2)
        .outcome();
    assert_eq!(codes[0], "CONFIG.INVALID-PARAMETER");
}

#[test]
fn bundle_build_rewrites_references_and_keeps_decimals() {
    let dir = scratch("build");
    let patient = dir.join("patient.json");
    let obs = dir.join("obs.json");
    std::fs::write(
        &patient,
        br#"{"resourceType":"Patient","id":"p1","name":[{"family":"Silva"}]}"#,
    )
    .unwrap();
    std::fs::write(
        &obs,
        br#"[{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"temp"},
             "subject":{"reference":"Patient/p1"},"valueQuantity":{"value":36.50}}]"#,
    )
    .unwrap();
    let r = sesgo(&["bundle", "build", s(&patient), s(&obs)]);
    let b = r.expect(0).json();
    assert_eq!(b["resourceType"], "Bundle");
    let entries = b["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    let patient_url = entries[0]["fullUrl"].as_str().unwrap();
    assert!(patient_url.starts_with("urn:uuid:"), "{patient_url}");
    assert_eq!(
        entries[1]["resource"]["subject"]["reference"], patient_url,
        "{b}"
    );
    // The decimal's text survives (serde_json would read 36.5; look at the bytes).
    assert!(String::from_utf8_lossy(&r.stdout).contains("36.50"));
    // And the built Bundle passes the reference check.
    let built = dir.join("built.json");
    std::fs::write(&built, &r.stdout).unwrap();
    sesgo(&["refs", "check", "--bundle", s(&built)]).expect(0);
    // A single Bundle file (e.g. a server's search result) is accepted as is.
    let search = dir.join("search.json");
    std::fs::write(
        &search,
        br#"{"resourceType":"Bundle","type":"searchset","entry":[
  {"resource":{"resourceType":"Patient","id":"p1"}},
  {"resource":{"resourceType":"Encounter","id":"e1","status":"finished",
   "class":{"code":"AMB"},"subject":{"reference":"Patient/p1"}}}]}"#,
    )
    .unwrap();
    let r = sesgo(&["bundle", "build", "--type", "collection", s(&search)]);
    assert_eq!(r.expect(0).json()["entry"].as_array().unwrap().len(), 2);
    // Malformed input.
    std::fs::write(&obs, b"[{").unwrap();
    let codes = sesgo(&["bundle", "build", s(&patient), s(&obs)])
        .expect(2)
        .outcome();
    assert_eq!(codes[0], "FORMAT.JSON-MALFORMED");
}

#[test]
fn cert_inspect_reports_the_identity() {
    let r = sesgo(&["cert", "inspect", "--cert", s(&pki().ecpf.cert_pem)]);
    let report = r.expect(0).json();
    assert_eq!(report["identity"]["signer"]["value"], "12345678909");
    assert_eq!(
        report["fingerprints"]["sha256"],
        Certificate::from_der(&pki().ecpf.der).unwrap().sha256_hex()
    );
    // DER works too.
    let r = sesgo(&["cert", "inspect", "--cert", s(&pki().ecpf.cert_der_path)]);
    assert_eq!(
        r.expect(0).json()["identity"]["signer"]["value"],
        "12345678909"
    );
    // From the PKCS#12, with the chain.
    let args = [
        "cert",
        "inspect",
        "--p12",
        s(&pki().p12_3des),
        "--password-env",
        PW_VAR,
    ];
    let r = sesgo_env(&args, &[(PW_VAR, &pki().password)]);
    let report = r.expect(0).json();
    assert_eq!(report["identity"]["signer"]["value"], "12345678909");
    assert!(!report["chain"].as_array().unwrap().is_empty());
    // Wrong password.
    let r = sesgo_env(&args, &[(PW_VAR, "errada")]);
    assert_eq!(r.expect(2).outcome()[0], "CRYPTO.KEY-INACCESSIBLE");
}

#[test]
fn canonicalize_prints_the_facade_bytes() {
    let dir = scratch("canon");
    let f = dir.join("obs.json");
    let text = br#"{"resourceType":"Observation","id":"x","meta":{"versionId":"2"},"valueQuantity":{"value":36.50}}"#;
    std::fs::write(&f, text).unwrap();
    let r = sesgo(&["canonicalize", s(&f)]);
    assert_eq!(
        r.expect(0).stdout,
        br#"{"resourceType":"Observation","valueQuantity":{"value":36.5}}"#
    );
    assert_eq!(r.stdout, sesgo::canonicalize(text, None).unwrap());
    let r = sesgo(&["canonicalize", "--policy", P020, s(&f)]);
    assert_eq!(
        r.expect(0).stdout,
        br#"{"resourceType":"Observation","valueQuantity":{"value":36.50}}"#
    );
    // Errors are still an OperationOutcome.
    std::fs::write(&f, b"[1]").unwrap();
    let codes = sesgo(&["canonicalize", s(&f)]).expect(2).outcome();
    assert_eq!(codes[0], "FORMAT.RESOURCE-INVALID");
}

#[test]
fn attachment_fill_then_check_and_a_tampered_content_exits_1() {
    let dir = scratch("attach");
    // "laudo" inline (hashes computed independently with Python hashlib); a decimal
    // extension that must survive as written.
    let inline = dir.join("inline.json");
    let text = br#"{"contentType":"text/plain","data":"bGF1ZG8=","extension":[{"url":"http://example.org/peso","valueDecimal":1.50}]}"#;
    std::fs::write(&inline, text).unwrap();
    let r = sesgo(&["attachment", "fill", "--attachment", s(&inline)]);
    let mut want = sesgo::fill_attachment(text, None, &Default::default())
        .unwrap()
        .to_json()
        .into_bytes();
    want.push(b'\n');
    assert_eq!(r.expect(0).stdout, want, "stdout = the facade's bytes");
    let filled = r.json();
    assert_eq!(filled["size"], 5);
    assert_eq!(filled["hash"], "rb4OJF2jlaTUZooaMBab6v+UYrQ=");
    assert_eq!(
        filled["extension"][0]["valueBase64Binary"],
        "MIpHjZSwVsvehN4KwhkTun5vv9vFSmeveaB4TJbuxMw="
    );
    assert!(String::from_utf8_lossy(&r.stdout).contains("1.50"));
    let filled_path = dir.join("filled.json");
    std::fs::write(&filled_path, &r.stdout).unwrap();
    let r = sesgo(&["attachment", "check", "--attachment", s(&filled_path)]);
    assert_eq!(r.expect(0).outcome(), ["VALIDATION.SUCCESS"]);

    // Tampered inline content (same length): exit 1, the guide's code, located.
    let tampered = dir.join("tampered.json");
    let tampered_text = std::fs::read_to_string(&filled_path)
        .unwrap()
        .replace("bGF1ZG8=", "bGF1ZGU=");
    std::fs::write(&tampered, tampered_text).unwrap();
    let loc = "DocumentReference.content[0].attachment";
    let r = sesgo(&[
        "attachment",
        "check",
        "--attachment",
        s(&tampered),
        "--location",
        loc,
    ]);
    assert_eq!(
        r.expect(1).outcome(),
        [
            "CRYPTO.HASH-VERIFICATION-FAILED",
            "CRYPTO.HASH-VERIFICATION-FAILED"
        ]
    );
    let issues = r.json()["issue"].clone();
    assert_eq!(issues[0]["location"][0], format!("{loc}.hash"));
    assert_eq!(
        issues[1]["location"][0],
        format!("{loc}.extension[0].valueBase64Binary")
    );
    assert!(
        r.stderr.contains("CRYPTO.HASH-VERIFICATION-FAILED"),
        "{}",
        r.stderr
    );

    // A url attachment with its content in a file; another content fails the check.
    let url = dir.join("url.json");
    std::fs::write(
        &url,
        br#"{"contentType":"application/pdf","url":"https://example.org/laudo.pdf"}"#,
    )
    .unwrap();
    let pdf = dir.join("laudo.pdf");
    std::fs::write(&pdf, b"%PDF-1.7").unwrap();
    let r = sesgo(&[
        "attachment",
        "fill",
        "--attachment",
        s(&url),
        "--content",
        s(&pdf),
    ]);
    assert_eq!(r.expect(0).json()["hash"], "uvbBo/sl8K9aq7wyqoQeJ8sCUCA=");
    std::fs::write(&url, &r.stdout).unwrap();
    let check = [
        "attachment",
        "check",
        "--attachment",
        s(&url),
        "--content",
        s(&pdf),
    ];
    assert_eq!(sesgo(&check).expect(0).outcome(), ["VALIDATION.SUCCESS"]);
    std::fs::write(&pdf, b"%PDF-1.8").unwrap();
    assert_eq!(
        sesgo(&check).expect(1).outcome(),
        [
            "CRYPTO.HASH-VERIFICATION-FAILED",
            "CRYPTO.HASH-VERIFICATION-FAILED"
        ]
    );

    // Input errors exit 2 with an OperationOutcome: no content for a url attachment,
    // unreadable file, data that is not Base64.
    let r = sesgo(&["attachment", "fill", "--attachment", s(&url)]);
    assert_eq!(r.expect(2).outcome(), ["CONFIG.MISSING-PARAMETER"]);
    assert_eq!(r.json()["issue"][0]["location"][0], "Attachment.url");
    let r = sesgo(&[
        "attachment",
        "check",
        "--attachment",
        s(&dir.join("none.json")),
    ]);
    assert_eq!(r.expect(2).outcome(), ["CONFIG.INVALID-PARAMETER"]);
    // Located at the FHIR input the option supplies, never at the option (D10).
    assert_eq!(r.json()["issue"][0]["location"][0], "Attachment");
    std::fs::write(&inline, br#"{"contentType":"text/plain","data":"bGF1ZG8"}"#).unwrap();
    let r = sesgo(&["attachment", "fill", "--attachment", s(&inline)]);
    assert_eq!(r.expect(2).outcome(), ["FORMAT.BASE64-INVALID"]);
    let r = sesgo(&["attachment", "fill"]);
    assert_eq!(r.expect(2).outcome(), ["CONFIG.MISSING-PARAMETER"]);
}

#[test]
fn the_demo_runs_and_exits_0() {
    let scratch = scratch("demo");
    let keep = scratch.join("pki");
    let r = sesgo(&["demo", "--keep", s(&keep)]);
    let report = String::from_utf8_lossy(&r.expect(0).stdout).into_owned();
    for needle in [
        "policy 0.1.2",
        "policy 0.2.0",
        "VALID",
        "INVALID (as expected)",
        "CRYPTO.HASH-VERIFICATION-FAILED",
        "revocationPolicy=strict",
        "urn:brasil:cpf|12345678909",
        "Result: OK",
    ] {
        assert!(report.contains(needle), "{needle}: {report}");
    }
    // --keep left the PKI and the signed files; the transfer Bundle verifies through the
    // CLI with the root the report printed.
    let root = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("sha256 "))
        .expect("root fingerprint in the report")
        .to_owned();
    let transfer = keep.join("signed-0.2.0-bundle.json");
    let r = sesgo(&[
        "verify",
        "--bundle",
        s(&transfer),
        "--trust-root-sha256",
        &root,
        "--ca-certs",
        s(&keep.join("chain.pem")),
        "--revocation",
        "warn",
    ]);
    assert_eq!(r.expect(0).outcome()[0], "VALIDATION.SUCCESS");
    let tampered = Run {
        code: 1,
        stdout: std::fs::read(keep.join("tampered-0.1.2-outcome.json")).unwrap(),
        stderr: String::new(),
    };
    assert!(tampered
        .outcome()
        .contains(&"CRYPTO.HASH-VERIFICATION-FAILED".to_owned()));

    // The manifest names the signer's files, the password and the root.
    let m: Value =
        serde_json::from_slice(&std::fs::read(keep.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["rootSha256"], root.as_str());
    assert_eq!(m["password"], "teste123");
    for (member, file) in [
        ("pkcs12", "signer.p12"),
        ("key", "signer-key.pem"),
        ("certificate", "signer.pem"),
        ("chain", "chain.pem"),
    ] {
        assert_eq!(m["signer"][member], file);
        assert!(keep.join(file).is_file(), "{file}");
    }
    // chain.pem is the full chain, the signer first, the root last.
    let chain = std::fs::read_to_string(keep.join("chain.pem")).unwrap();
    let signer = std::fs::read_to_string(keep.join("signer.pem")).unwrap();
    let root_pem = std::fs::read_to_string(keep.join("root.pem")).unwrap();
    assert!(
        chain.starts_with(signer.trim_end()),
        "chain.pem starts with the signer"
    );
    assert!(
        chain.trim_end().ends_with(root_pem.trim_end()),
        "chain.pem ends with the root"
    );
    assert_eq!(chain.matches("BEGIN CERTIFICATE").count(), 4);

    // The README's lines work on the kept files: PEM key + chain.pem, root by PEM.
    let pw = [(PW_VAR, "teste123")];
    let sign_pem = |chain: &str, trust: &[&str]| {
        let (bundle, provenance) = (keep.join("bundle.json"), keep.join("provenance.json"));
        let (key, chain) = (keep.join("signer-key.pem"), keep.join(chain));
        let mut args = vec![
            "sign",
            "--bundle",
            s(&bundle),
            "--provenance",
            s(&provenance),
            "--key",
            s(&key),
            "--key-password-env",
            PW_VAR,
            "--chain",
            s(&chain),
            // The demo's OCSP responders stopped with the demo.
            "--revocation",
            "warn",
        ];
        args.extend(trust);
        sesgo_env(&args, &pw)
    };
    let root_file = keep.join("root.pem");
    let trust = ["--trust-roots-pem", s(&root_file)];
    sign_pem("chain.pem", &trust).expect(0);
    // The untrusted root is refused material (exit 1) and the outcome says what to do.
    let r = sign_pem("chain.pem", &[]);
    assert_eq!(r.expect(1).outcome(), ["CERT.NOT-ICP-BRASIL"]);
    let text = String::from_utf8_lossy(&r.stdout);
    assert!(
        text.contains("--trust-root-sha256") && text.contains("--trust-roots-pem"),
        "{text}"
    );
    // A chain without the key's certificate: unusable input (exit 2), with the hint.
    let r = sign_pem("root.pem", &trust);
    assert_eq!(r.expect(2).outcome(), ["DEVICE.CERTIFICATE-NOT-FOUND"]);
    assert!(
        String::from_utf8_lossy(&r.stdout).contains("deve começar pelo certificado desta chave")
    );

    // cert inspect: trust apart from eligibility.
    let inspect = |trust: &[&str]| {
        let mut args: Vec<String> = vec![
            "cert".into(),
            "inspect".into(),
            "--cert".into(),
            s(&keep.join("signer.pem")).to_owned(),
            "--ca-certs".into(),
            s(&keep.join("chain.pem")).to_owned(),
        ];
        args.extend(trust.iter().map(|t| t.to_string()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        sesgo(&refs).expect(0).json()
    };
    let untrusted = inspect(&[]);
    assert_eq!(untrusted["trust"]["trusted"], false);
    assert_eq!(
        untrusted["trust"]["findings"][0]["code"],
        "CERT.NOT-ICP-BRASIL"
    );
    assert_eq!(untrusted["eligibility"]["0.2.0"]["eligible"], true);
    let trusted = inspect(&trust);
    assert_eq!(trusted["trust"]["trusted"], true);
    assert_eq!(trusted["trust"]["rootSha256"], root.as_str());

    // --keep refuses a non-empty directory (the kept PKI is never overwritten).
    let before = std::fs::read(keep.join("root.pem")).unwrap();
    let r = sesgo(&["demo", "--keep", s(&keep)]);
    assert_eq!(r.expect(2).outcome(), ["CONFIG.INVALID-PARAMETER"]);
    assert_eq!(std::fs::read(keep.join("root.pem")).unwrap(), before);
}

#[test]
fn refs_check_points_server_ids_to_bundle_build() {
    let dir = scratch("server-ids");
    let bundle = dir.join("server.json");
    std::fs::write(
        &bundle,
        r#"{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"https://fhir.example.org/fhir/Patient/7","resource":{"resourceType":"Patient","id":"7"}}]}"#,
    )
    .unwrap();
    let r = sesgo(&["refs", "check", "--bundle", s(&bundle)]);
    assert!(r
        .expect(1)
        .outcome()
        .contains(&"FORMAT.UUID-INVALID".to_owned()));
    assert!(String::from_utf8_lossy(&r.stdout).contains("sesgo bundle build"));
}

#[test]
fn verify_completes_chains_from_an_iti_archive() {
    let dir = scratch("iti");
    let (_, transfer, _) = sign(&dir.0, None, Key::P12);
    let zip = pki().write_ac_archive(&dir.0.join("iti")).unwrap();
    let root = pki().root_sha256.clone();
    let base = [
        "verify",
        "--bundle",
        s(&transfer),
        "--trust-root-sha256",
        &root,
        "--ca-archive",
        s(&zip),
        "--revocation",
        "warn",
    ];
    let r = sesgo(&base);
    r.expect(0);
    assert!(r.outcome().contains(&"VALIDATION.SUCCESS".to_owned()));

    // A hash file that does not match the archive: an input error.
    let mut args = base.to_vec();
    let wrong = pki().chain_pem.clone();
    args.extend(["--ca-archive-sha512", s(&wrong)]);
    let r = sesgo(&args);
    r.expect(2);
    assert_eq!(r.outcome(), ["SECURITY.HASH-VALIDATION-FAILED"]);
}

#[test]
fn completions_and_man_pages_cover_every_command() {
    let commands = [
        "sign",
        "verify",
        "refs",
        "bundle",
        "cert",
        "attachment",
        "canonicalize",
        "token",
        "trust",
        "serve",
        "demo",
        "completions",
        "man",
    ];
    let dir = scratch("completions");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = sesgo(&["completions", shell]);
        run.expect(0);
        let text = String::from_utf8(run.stdout).unwrap();
        for c in commands
            .iter()
            .chain(&["inspect", "trust-root-sha256", "out-dir"])
        {
            assert!(text.contains(c), "{shell} completion lacks {c}");
        }
        if shell == "bash" {
            // The script bash would source parses.
            let path = dir.join("sesgo.bash");
            std::fs::write(&path, &text).unwrap();
            let st = Command::new("bash").arg("-n").arg(&path).status().unwrap();
            assert!(st.success(), "bash -n {}", path.display());
        }
    }
    let bad = sesgo(&["completions", "tcsh"]);
    assert_eq!(bad.expect(2).outcome(), ["CONFIG.INVALID-PARAMETER"]);

    let page = sesgo(&["man"]);
    let page = String::from_utf8(page.expect(0).stdout.clone()).unwrap();
    assert!(page.contains(".TH sesgo 1"), "{page}");
    for c in commands {
        assert!(
            page.contains(&format!("sesgo\\-{}(1)", c.replace('-', "\\-"))),
            "sesgo(1) lacks {c}"
        );
    }
    let pages = dir.join("man1");
    sesgo(&["-q", "man", "--out-dir", s(&pages)]).expect(0);
    let mut names: Vec<String> = std::fs::read_dir(&pages)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    for c in commands {
        assert!(names.contains(&format!("sesgo-{c}.1")), "{names:?}");
    }
    assert!(!names.iter().any(|n| n.contains("help")), "{names:?}");
    let inspect = std::fs::read_to_string(pages.join("sesgo-cert-inspect.1")).unwrap();
    assert!(
        inspect.contains(&format!(
            ".TH sesgo-cert-inspect 1  \"sesgo-cert-inspect {}\"",
            env!("CARGO_PKG_VERSION")
        )),
        "{inspect}"
    );
    assert!(inspect.contains("reference\\-time"), "{inspect}");
    // An unwritable target is an input error with its option as location.
    let file = dir.join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let run = sesgo(&["man", "--out-dir", s(&file)]);
    assert_eq!(run.expect(2).outcome(), ["CONFIG.INVALID-PARAMETER"]);
}
