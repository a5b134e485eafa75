//! `sesgo sign --pkcs11-module …` and `sesgo cert inspect --pkcs11-module …` against a
//! SoftHSM2 token holding the test PKI's e-CPF key (sesgo_pkcs11::softhsm).
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
use sesgo_pkcs11::softhsm::{self, SoftHsm};
use std::path::{Path, PathBuf};
use std::process::Command;

const P020: &str = "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0";
const PIN_VAR: &str = "SESGO_CLI_TEST_PIN";

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

struct Run {
    code: i32,
    json: Value,
    stderr: String,
}

/// SoftHSM2's file store is not safe for concurrent processes (a wrong PIN rewrites the
/// token's flags): one `sesgo` process at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn sesgo(args: &[String], env: &[(&str, &str)]) -> Run {
    let _ = SoftHsm::shared(); // exports SOFTHSM2_CONF, inherited by the child
    let _guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut c = Command::new(env!("CARGO_BIN_EXE_sesgo"));
    c.args(args).env_remove(PIN_VAR);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run sesgo");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout not JSON ({e}): {}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    Run {
        code: out.status.code().expect("exit code"),
        json,
        stderr,
    }
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

fn trust(pki: &TestPki) -> Vec<String> {
    vec![
        "--trust-root-sha256".into(),
        pki.root_sha256.clone(),
        "--ca-certs".into(),
        pki.chain_pem.to_string_lossy().into_owned(),
    ]
}

fn sign(key: &[String], policy: Option<&str>, t: i64, env: &[(&str, &str)]) -> Run {
    let pki = TestPki::shared();
    let mut args = strs(&["sign", "--bundle"]);
    args.push(example("bundle.json"));
    args.push("--provenance".into());
    args.push(example("provenance.json"));
    args.extend(["--reference-time".into(), t.to_string()]);
    // The shared test PKI has no responders: statuses unobtainable, a warning.
    args.extend(["--revocation".into(), "warn".into()]);
    if let Some(p) = policy {
        args.extend(["--policy".into(), p.into()]);
    }
    args.extend(key.iter().cloned());
    args.extend(trust(pki));
    sesgo(&args, env)
}

fn hsm_key(extra: &[&str]) -> Vec<String> {
    let mut v = vec![
        "--pkcs11-module".into(),
        SoftHsm::shared().module.to_string_lossy().into_owned(),
        "--pin-env".into(),
        PIN_VAR.into(),
    ];
    v.extend(strs(extra));
    v
}

fn codes(r: &Run) -> Vec<(String, String)> {
    assert_eq!(r.json["resourceType"], "OperationOutcome", "{}", r.json);
    r.json["issue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["details"]["coding"][0]["code"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                i["location"][0].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn sign_with_the_token_equals_sign_with_pkcs12_then_verify() {
    let pki = TestPki::shared();
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let p12 = vec![
        "--p12".to_owned(),
        pki.p12_aes.to_string_lossy().into_owned(),
        "--password-env".into(),
        "SESGO_CLI_P12_PW".into(),
    ];
    for policy in [None, Some(P020)] {
        let a = sign(
            &hsm_key(&["--token-label", softhsm::TOKEN, "--key-id", softhsm::KEY_ID]),
            policy,
            t,
            &[(PIN_VAR, softhsm::USER_PIN)],
        );
        assert_eq!(a.code, 0, "{}\n{}", a.json, a.stderr);
        let b = sign(&p12, policy, t, &[("SESGO_CLI_P12_PW", &pki.password)]);
        assert_eq!(b.code, 0, "{}", b.stderr);
        assert_eq!(a.json["signature"], b.json["signature"], "{policy:?}");
        // The Provenance just signed verifies (with the Bundle it covers).
        let dir = std::env::temp_dir().join(format!("sesgo-cli-pkcs11-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let prov: PathBuf = dir.join("prov.json");
        std::fs::write(&prov, a.json.to_string()).unwrap();
        let mut args = strs(&["verify", "--provenance"]);
        args.push(prov.to_string_lossy().into_owned());
        args.push("--bundle".into());
        args.push(example("bundle.json"));
        args.extend(strs(&["--revocation", "warn"]));
        if let Some(p) = policy {
            args.extend(["--policy".into(), p.into()]);
        }
        args.extend(trust(pki));
        let v = sesgo(&args, &[]);
        assert_eq!(v.code, 0, "{}", v.json);
        assert_eq!(codes(&v)[0].0, "VALIDATION.SUCCESS");
    }
}

#[test]
fn sign_errors_carry_the_guide_codes() {
    let t = 1_800_000_000;
    let pin = [(PIN_VAR, softhsm::USER_PIN)];
    type Env<'a> = &'a [(&'a str, &'a str)];
    let cases: Vec<(Vec<String>, Env, &str, &str)> = vec![
        (
            hsm_key(&["--token-label", softhsm::TOKEN, "--key-id", softhsm::KEY_ID]),
            &[(PIN_VAR, "000000")],
            "CRYPTO.PIN-INVALID",
            "pkcs11.pin",
        ),
        (
            hsm_key(&["--token-label", softhsm::TOKEN, "--key-id", softhsm::KEY_ID]),
            &[],
            "CONFIG.MISSING-PARAMETER",
            // An environment variable is not FHIR input: no location (D10); the option
            // is named in diagnostics.
            "",
        ),
        (
            hsm_key(&[
                "--token-label",
                softhsm::TOKEN_LOCKED,
                "--key-id",
                softhsm::KEY_ID,
            ]),
            &pin,
            "DEVICE.PIN-BLOCKED",
            "pkcs11.pin",
        ),
        (
            hsm_key(&[
                "--token-label",
                softhsm::TOKEN_NO_CERT,
                "--key-id",
                softhsm::KEY_ID,
            ]),
            &pin,
            "DEVICE.CERTIFICATE-NOT-FOUND",
            "pkcs11.keyId",
        ),
        (
            hsm_key(&["--slot", "424242", "--key-id", softhsm::KEY_ID]),
            &pin,
            "MIDDLEWARE.SLOT-ID-INVALID",
            "pkcs11.slotId",
        ),
        (
            hsm_key(&["--token-label", softhsm::TOKEN]),
            &pin,
            "CONFIG.MISSING-PARAMETER",
            "--key-id",
        ),
        (
            strs(&[
                "--pkcs11-module",
                "/nao/existe.so",
                "--pin-env",
                PIN_VAR,
                "--key-id",
                "a1",
            ]),
            &pin,
            "MIDDLEWARE.LIBRARY-NOT-FOUND",
            "pkcs11.module",
        ),
    ];
    for (key, env, code, loc) in cases {
        let r = sign(&key, None, t, env);
        assert_eq!(r.code, 2, "{key:?}: {}", r.json);
        assert_eq!(codes(&r)[0], (code.to_owned(), loc.to_owned()), "{key:?}");
    }
}

#[test]
fn cert_inspect_lists_the_token() {
    let mut args = strs(&["cert", "inspect", "--pkcs11-module"]);
    args.push(SoftHsm::shared().module.to_string_lossy().into_owned());
    args.extend(strs(&[
        "--token-label",
        softhsm::TOKEN,
        "--pin-env",
        PIN_VAR,
    ]));
    let r = sesgo(&args, &[(PIN_VAR, softhsm::USER_PIN)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let token = &r.json["slots"][0]["token"];
    assert_eq!(token["label"], softhsm::TOKEN);
    assert!(token["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == softhsm::KEY_ID));
    assert!(token["privateKeys"]
        .as_array()
        .unwrap_or_else(|| panic!("{token}"))
        .iter()
        .any(|k| k["id"] == softhsm::KEY_ID && k["keyType"] == "RSA"));
    assert!(r.stderr.contains("--key-id a1"), "{}", r.stderr);
}
