//! The hostile-input corpus (`testdata/hostile/`, issue 25) through the `sesgo` binary:
//! every case exits with its code (1 refused material, 2 unusable input) and prints an
//! OperationOutcome carrying its guide code — never a crash. Large inputs are expanded
//! from their recipes into a temporary directory removed at the end; `/dev/zero` is
//! given as is (bounded reads: docs/adr/0058).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests (docs/adr/0043)"
)]

use sesgo_fuzz::hostile;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A scratch directory removed when the test ends.
struct TmpDir(PathBuf);

impl Drop for TmpDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn kat(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/kat")
        .join(rel)
}

fn args_for(op: &str, input: &Path) -> Vec<String> {
    let p = |x: &Path| x.display().to_string();
    let root = std::fs::read_to_string(kat("pki/root.sha256")).unwrap();
    let trust = vec![
        "--trust-root-sha256".to_owned(),
        root.trim().to_owned(),
        "--ca-certs".to_owned(),
        p(&kat("pki/chain.pem")),
    ];
    let verify = |what: &str| -> Vec<String> {
        let mut a = vec!["verify".to_owned(), what.to_owned(), p(input)];
        a.extend(trust.clone());
        a.extend(["--revocation".into(), "off".into(), "--offline".into()]);
        a
    };
    let sign = |bundle: &Path, provenance: &Path| -> Vec<String> {
        let mut a = vec![
            "sign".to_owned(),
            "--bundle".into(),
            p(bundle),
            "--provenance".into(),
            p(provenance),
            "--p12".into(),
            p(&kat("pki/signer-3des.p12")),
            "--password-env".into(),
            "SESGO_HOSTILE_PW".into(),
            "--revocation".into(),
            "off".into(),
            "--offline".into(),
        ];
        a.extend(trust.clone());
        a
    };
    match op {
        "verify-bundle" => verify("--bundle"),
        "verify-signature" => verify("--signature"),
        "verify-signature-data" => verify("--signature-data"),
        "sign-bundle" => sign(input, &kat("input/provenance.json")),
        "sign-provenance" => sign(&kat("input/bundle.json"), input),
        "settings" => {
            let mut a = vec![
                "verify".to_owned(),
                "--bundle".into(),
                p(&kat("ig-0.1.2/bundle.json")),
                "--settings".into(),
                p(input),
                "--offline".into(),
            ];
            a.extend(trust.clone());
            a
        }
        "refs-check" => vec!["refs".into(), "check".into(), "--bundle".into(), p(input)],
        "bundle-build" => vec!["bundle".into(), "build".into(), p(input)],
        "canonicalize" => vec!["canonicalize".into(), p(input)],
        "cert-inspect" => vec!["cert".into(), "inspect".into(), "--cert".into(), p(input)],
        "pkcs12" => vec![
            "cert".into(),
            "inspect".into(),
            "--p12".into(),
            p(input),
            "--password-env".into(),
            "SESGO_HOSTILE_PW".into(),
        ],
        other => panic!("unknown op {other}"),
    }
}

#[test]
fn every_case_exits_with_its_code_and_outcome() {
    let dir = hostile::corpus_dir();
    let cases = hostile::manifest(&dir);
    assert!(cases.len() >= 40);
    let tmp =
        TmpDir(std::env::temp_dir().join(format!("sesgo-cli-hostile-{}", std::process::id())));
    std::fs::create_dir_all(&tmp.0).unwrap();
    for case in &cases {
        let input = if case.input.starts_with('/') {
            PathBuf::from(&case.input)
        } else if case.input.ends_with(".repeat") {
            let f = tmp.0.join(&case.name);
            std::fs::write(&f, case.bytes(&dir).unwrap()).unwrap();
            f
        } else {
            dir.join(&case.input)
        };
        let out = Command::new(env!("CARGO_BIN_EXE_sesgo"))
            .args(["--quiet"])
            .args(args_for(&case.op, &input))
            .env("SESGO_HOSTILE_PW", "teste123")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(i32::from(case.exit)),
            "{}: {}\n{}",
            case.name,
            stdout.chars().take(2000).collect::<String>(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains(&format!("\"code\":\"{}\"", case.code)),
            "{}: {} not in {}",
            case.name,
            case.code,
            stdout.chars().take(2000).collect::<String>()
        );
        // Findings are capped per code (DECISIONS D41): the outcome stays small.
        assert!(
            stdout.len() < 512 << 10,
            "{}: {} bytes of output",
            case.name,
            stdout.len()
        );
        if let Some(f) = case
            .input
            .strip_suffix(".repeat")
            .map(|_| tmp.0.join(&case.name))
        {
            let _ = std::fs::remove_file(f);
        }
    }
}
