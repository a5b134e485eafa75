//! `cargo xtask test conformance`: every kind of FHIR output sesgo produces, made by the
//! real CLI (`target/debug/sesgo`) against the test PKI, validated by the HAPI FHIR
//! validator (Maven project `conformance/`, test scope only) against FHIR R4 and the
//! guide's official package `fhir/ig/br.go.ses.seguranca-0.1.2` (ADR 0032).
//!
//! This module writes the outputs and a case list (`target/conformance/cases.json`: file,
//! profile, expected errors); the JUnit suite validates them all in one JVM and fails on
//! any error/fatal message not expected here, and on any expected one that is missing.

use crate::ctest::target_dir;
use crate::{cargo, root, run, Result};
use serde_json::{json, Value};
use std::ffi::OsStr;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::process::Command;

const POLICY_012: &str =
    "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.2";
const POLICY_020: &str = "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0";

const SD: &str = "https://fhir.saude.go.gov.br/r4/seguranca/StructureDefinition/";
const PACKAGE: &str = "fhir/ig/br.go.ses.seguranca-0.1.2";

/// The environment variable the CLI reads the PKCS#12 password from.
const PASSWORD_ENV: &str = "SESGO_CONFORMANCE_PASSWORD";

fn profile(name: &str) -> String {
    format!("{SD}{name}")
}

/// The accepted divergence of policy 0.2.0 (DECISIONS D1): its `sigFormat` and
/// `targetFormat` are not the 0.1.2 profile's fixed values. `path` is the FHIRPath of the
/// Signature element as HAPI reports it. Exactly these two errors are expected for every
/// 0.2.0 output that holds a Signature.
fn policy_020_errors(path: &str) -> Vec<String> {
    vec![
        format!(
            "{path}.targetFormat: Value is 'application/fhir+json' but is fixed to \
             'application/octet-stream' in the profile \
             {SD}assinatura-avancada|0.1.2#Signature.targetFormat"
        ),
        format!(
            "{path}.sigFormat: Value is 'application/jose+json' but is fixed to \
             'application/jose' in the profile \
             {SD}assinatura-avancada|0.1.2#Signature.sigFormat"
        ),
    ]
}

/// One file to validate.
struct Case {
    name: String,
    file: PathBuf,
    profile: Option<String>,
    expected_errors: Vec<String>,
}

struct Cli {
    exe: PathBuf,
    out: PathBuf,
    p12: String,
    password: String,
    trust: Vec<String>,
    cases: Vec<Case>,
}

impl Cli {
    /// Runs `sesgo ARGS`, requires exit code `want`, writes stdout to `out/NAME.json` and
    /// returns that path.
    fn output<S: AsRef<OsStr> + Debug>(
        &self,
        name: &str,
        args: &[S],
        password: &str,
        want: i32,
    ) -> Result<PathBuf> {
        let mut c = Command::new(&self.exe);
        c.current_dir(root())
            .arg("--quiet")
            .args(args)
            .env(PASSWORD_ENV, password);
        let out = c
            .output()
            .map_err(|e| format!("{}: {e}", self.exe.display()))?;
        let code = out.status.code().unwrap_or(-1);
        if code != want {
            return Err(format!(
                "sesgo {args:?} ({name}) exited {code}, expected {want}\nstdout: {}\nstderr: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let path = self.out.join(format!("{name}.json"));
        write(&path, &out.stdout)?;
        Ok(path)
    }

    fn case(&mut self, name: &str, file: PathBuf, profile: Option<String>, errors: Vec<String>) {
        self.cases.push(Case {
            name: name.to_owned(),
            file,
            profile,
            expected_errors: errors,
        });
    }

    /// An OperationOutcome case: `sesgo ARGS` exits `want` and its stdout's issues carry
    /// exactly the guide `codes` (in order; so the case shows what its name says); the
    /// outcome must conform to `operation-outcome-assinatura` with no error.
    fn outcome<S: AsRef<OsStr> + Debug>(
        &mut self,
        name: &str,
        args: &[S],
        password: &str,
        want: i32,
        codes: &[&str],
    ) -> Result {
        let file = self.output(name, args, password, want)?;
        let oo = read_json(&file)?;
        let got: Vec<&str> = oo["issue"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| i["details"]["coding"][0]["code"].as_str().unwrap_or("?"))
            .collect();
        if got != codes {
            return Err(format!(
                "{name}: the OperationOutcome carries {got:?}, expected {codes:?}"
            ));
        }
        self.case(
            name,
            file,
            Some(profile("operation-outcome-assinatura")),
            vec![],
        );
        Ok(())
    }

    /// Signs the example under `policy` and adds the Provenance, Signature and transfer
    /// Bundle cases, then the verification outcomes of the transfer Bundle and of a
    /// tampered copy. `tag` names the files.
    fn signed_outputs(&mut self, tag: &str, policy: &str) -> Result {
        let expect = |path: &str| {
            if policy == POLICY_020 {
                policy_020_errors(path)
            } else {
                vec![]
            }
        };
        let bundle_out = self.out.join(format!("{tag}-bundle.json"));
        let signature_out = self.out.join(format!("{tag}-signature.json"));
        let bundle_arg = bundle_out.to_string_lossy().into_owned();
        let signature_arg = signature_out.to_string_lossy().into_owned();
        let trust = self.trust.clone();
        let args: Vec<String> = [
            "sign",
            "--bundle",
            "examples/bundle.json",
            "--provenance",
            "examples/provenance.json",
            "--p12",
            &self.p12,
            "--password-env",
            PASSWORD_ENV,
            "--policy",
            policy,
            "--out-bundle",
            &bundle_arg,
            "--out-signature",
            &signature_arg,
        ]
        .iter()
        .map(|s| s.to_string())
        .chain(trust.iter().cloned())
        .collect();
        let provenance = self.output(&format!("{tag}-provenance"), &args, &self.password, 0)?;

        // The signed Provenance.
        self.case(
            &format!("{tag}: signed Provenance"),
            provenance,
            Some(profile("conteudo-assinado")),
            expect("Provenance.signature[0]"),
        );

        // The Signature (--out-signature), validated where it lives: as the signature of
        // the unsigned example Provenance, under conteudo-assinado (whose signature
        // element is profiled by assinatura-avancada).
        let signature = read_json(&signature_out)?;
        let mut holder = read_json(&root().join("examples/provenance.json"))?;
        holder["signature"] = json!([signature]);
        let holder_path = self.out.join(format!("{tag}-signature-in-provenance.json"));
        write(&holder_path, holder.to_string().as_bytes())?;
        self.case(
            &format!("{tag}: Signature (--out-signature) in the Provenance"),
            holder_path,
            Some(profile("conteudo-assinado")),
            expect("Provenance.signature[0]"),
        );

        // The transfer Bundle against R4 Bundle (HAPI also checks each entry against the
        // profiles it declares), and its Provenance entry against conteudo-assinado.
        let bundle = read_json(&bundle_out)?;
        let entries = bundle["entry"]
            .as_array()
            .ok_or("transfer Bundle has no entry")?;
        let index = entries
            .iter()
            .position(|e| e["resource"]["resourceType"] == "Provenance")
            .ok_or("transfer Bundle has no Provenance entry")?;
        self.case(
            &format!("{tag}: transfer Bundle (--out-bundle)"),
            bundle_out.clone(),
            None,
            expect(&format!(
                "Bundle.entry[{index}].resource/*Provenance/null*/.signature[0]"
            )),
        );
        let entry_path = self.out.join(format!("{tag}-bundle-provenance-entry.json"));
        write(
            &entry_path,
            entries[index]["resource"].to_string().as_bytes(),
        )?;
        self.case(
            &format!("{tag}: transfer Bundle's Provenance entry"),
            entry_path,
            Some(profile("conteudo-assinado")),
            expect("Provenance.signature[0]"),
        );

        // Verification: valid, then the tampered copy (36.50 → 36.51) invalid. The
        // suite's responders are live (`testpki::ensure`), so signing under the default
        // strict revocation policy embeds OCSP evidence and verification checks it.
        let mut verify = vec!["verify", "--bundle", &bundle_arg];
        verify.extend(trust.iter().map(String::as_str));
        // Policy 0.1 signatures carry the note that their digest does not bind references
        // (DECISIONS D9).
        let deprecated: &[&str] = if policy == POLICY_020 {
            &[]
        } else {
            &["POLICY.VERSION-DEPRECATED"]
        };
        let codes = |first: &'static str| -> Vec<&str> { [&[first][..], deprecated].concat() };
        self.outcome(
            &format!("{tag}-verify-valid"),
            &verify,
            "",
            0,
            &codes("VALIDATION.SUCCESS"),
        )?;
        let text = std::fs::read_to_string(&bundle_out).map_err(|e| e.to_string())?;
        if text.matches("36.50").count() != 1 {
            return Err(format!("{} should hold 36.50 once", bundle_out.display()));
        }
        let tampered = self.out.join(format!("{tag}-bundle-tampered.json"));
        write(&tampered, text.replace("36.50", "36.51").as_bytes())?;
        let tampered_arg = tampered.to_string_lossy().into_owned();
        let mut verify = vec!["verify", "--bundle", &tampered_arg];
        verify.extend(trust.iter().map(String::as_str));
        // The tampered signature covers nothing: the three entries are reported unsigned.
        let mut tampered_codes = if policy == POLICY_020 {
            vec!["CRYPTO.HASH-VERIFICATION-FAILED"]
        } else {
            vec![
                "POLICY.VERSION-DEPRECATED",
                "CRYPTO.HASH-VERIFICATION-FAILED",
            ]
        };
        tampered_codes.extend(["VALIDATION.POLICY-COMPLIANCE-FAILED"; 3]);
        self.outcome(
            &format!("{tag}-verify-tampered"),
            &verify,
            "",
            1,
            &tampered_codes,
        )
    }

    /// OperationOutcomes of failures: malformed JSON, wrong password, settings out of
    /// range, missing input (file and argument), reference rule violations.
    fn error_outputs(&mut self) -> Result {
        let example = std::fs::read_to_string(root().join("examples/bundle.json"))
            .map_err(|e| format!("examples/bundle.json: {e}"))?;
        let sign = |bundle: &str| -> Vec<String> {
            [
                "sign",
                "--bundle",
                bundle,
                "--provenance",
                "examples/provenance.json",
                "--p12",
                &self.p12,
                "--password-env",
                PASSWORD_ENV,
            ]
            .iter()
            .map(|s| s.to_string())
            .chain(self.trust.iter().cloned())
            .collect()
        };
        let malformed = self.out.join("input-malformed.json");
        write(&malformed, b"{\"resourceType\": \"Bundle\", \"entry\": [")?;
        let duplicate_member = self.out.join("input-duplicate-member.json");
        write(
            &duplicate_member,
            example
                .replacen(
                    "\"type\": \"collection\"",
                    "\"type\": \"collection\", \"type\": \"<b>&amp;</b>\"",
                    1,
                )
                .as_bytes(),
        )?;
        let settings = self.out.join("settings-out-of-range.json");
        write(
            &settings,
            br#"{"nearExpiryThresholdDays": 0, "maxChainDepth": 99}"#,
        )?;
        let missing = self.out.join("does-not-exist.json");
        // Reference rules: an orphan urn:uuid and a relative reference; a duplicate
        // fullUrl and one that is not an RFC 4122 UUID.
        let refs = self.out.join("input-reference-errors.json");
        write(
            &refs,
            replace_once(
                &replace_once(
                    &example,
                    "\"encounter\": { \"reference\": \"urn:uuid:0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d\" }",
                    "\"encounter\": { \"reference\": \"urn:uuid:00000000-0000-4000-8000-000000000000\" }",
                )?,
                "\"subject\": { \"reference\": \"urn:uuid:6f1c2a4e-8b3d-4c5e-9a7f-1b2c3d4e5f60\" }",
                "\"subject\": { \"reference\": \"Patient/pac-001\" }",
            )?
            .as_bytes(),
        )?;
        let full_urls = self.out.join("input-fullurl-errors.json");
        write(
            &full_urls,
            replace_once(
                &replace_once(
                    &example,
                    "\"fullUrl\": \"urn:uuid:0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d\"",
                    "\"fullUrl\": \"urn:uuid:6f1c2a4e-8b3d-4c5e-9a7f-1b2c3d4e5f60\"",
                )?,
                "\"fullUrl\": \"urn:uuid:3d2c1b0a-9f8e-4d7c-b6a5-948372615a0b\"",
                "\"fullUrl\": \"urn:uuid:3D2C1B0A-9F8E-4D7C-B6A5-94837261\"",
            )?
            .as_bytes(),
        )?;

        let p = |p: &Path| p.to_string_lossy().into_owned();
        let (malformed, duplicate_member, settings, missing, refs, full_urls) = (
            p(&malformed),
            p(&duplicate_member),
            p(&settings),
            p(&missing),
            p(&refs),
            p(&full_urls),
        );
        let password = self.password.clone();
        type ErrorCase<'a> = (&'a str, Vec<String>, String, i32, &'a [&'a str]);
        let cases: Vec<ErrorCase> = vec![
            (
                "error-malformed-json",
                sign(&malformed),
                password.clone(),
                2,
                &["FORMAT.JSON-MALFORMED"],
            ),
            (
                "error-duplicate-member",
                sign(&duplicate_member),
                password.clone(),
                2,
                &["FORMAT.JSON-MALFORMED"],
            ),
            (
                "error-wrong-password",
                sign("examples/bundle.json"),
                "not-the-password".into(),
                2,
                &["CRYPTO.KEY-INACCESSIBLE"],
            ),
            (
                "error-settings-out-of-range",
                [
                    sign("examples/bundle.json"),
                    vec!["--settings".into(), settings],
                ]
                .concat(),
                password.clone(),
                2,
                &["CONFIG.INVALID-PARAMETER", "CONFIG.INVALID-PARAMETER"],
            ),
            (
                "error-missing-file",
                sign(&missing),
                password.clone(),
                2,
                &["CONFIG.INVALID-PARAMETER"],
            ),
            (
                "error-missing-argument",
                vec![
                    "sign".into(),
                    "--bundle".into(),
                    "examples/bundle.json".into(),
                ],
                password.clone(),
                2,
                &["CONFIG.MISSING-PARAMETER"],
            ),
            (
                "error-missing-password-variable",
                sign("examples/bundle.json")
                    .into_iter()
                    .map(|a| {
                        if a == PASSWORD_ENV {
                            "SESGO_CONFORMANCE_UNSET_VARIABLE".into()
                        } else {
                            a
                        }
                    })
                    .collect(),
                password.clone(),
                2,
                &["CONFIG.MISSING-PARAMETER"],
            ),
            (
                "refs-check-reference-errors",
                vec![
                    "refs".into(),
                    "check".into(),
                    "--bundle".into(),
                    refs,
                    "--provenance".into(),
                    "examples/provenance.json".into(),
                ],
                String::new(),
                1,
                &["FORMAT.REFERENCE-INVALID", "FORMAT.REFERENCE-MISSING"],
            ),
            (
                "refs-check-fullurl-errors",
                vec![
                    "refs".into(),
                    "check".into(),
                    "--bundle".into(),
                    full_urls,
                    "--provenance".into(),
                    "examples/provenance.json".into(),
                ],
                String::new(),
                1,
                // The duplicate entries, then the target that names both of them
                // (ambiguous, DECISIONS D8), then the two targets left without an entry.
                &[
                    "FORMAT.UUID-INVALID",
                    "FORMAT.DUPLICATE-FULLURL",
                    "FORMAT.DUPLICATE-FULLURL",
                    "FORMAT.TARGET-REFERENCE-MISSING",
                    "FORMAT.TARGET-REFERENCE-MISSING",
                ],
            ),
            (
                "refs-check-ok",
                vec![
                    "refs".into(),
                    "check".into(),
                    "--bundle".into(),
                    "examples/bundle.json".into(),
                    "--provenance".into(),
                    "examples/provenance.json".into(),
                    "--strict-order".into(),
                ],
                String::new(),
                0,
                &["VALIDATION.SUCCESS"],
            ),
        ];
        for (name, args, password, want, codes) in cases {
            self.outcome(name, &args, &password, want, codes)?;
        }
        Ok(())
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn replace_once(text: &str, from: &str, to: &str) -> Result<String> {
    if text.matches(from).count() != 1 {
        return Err(format!("examples/bundle.json should hold {from:?} once"));
    }
    Ok(text.replacen(from, to, 1))
}

pub fn test_conformance() -> Result {
    // The real CLI, as users run it.
    let mut c = cargo();
    c.args(["build", "-p", "sesgo-cli"]);
    run(c)?;
    let exe = target_dir().join("debug/sesgo");
    if !exe.is_file() {
        return Err(format!("{} was not built", exe.display()));
    }
    let manifest = crate::testpki::ensure()?;
    let m = read_json(&manifest)?;
    let field = |k: &str| {
        m[k].as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("manifest has no {k}"))
    };
    let out = target_dir().join("conformance");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut cli = Cli {
        exe,
        out: out.clone(),
        p12: field("p12Aes")?,
        password: field("password")?,
        trust: vec![
            "--trust-root-sha256".into(),
            field("rootSha256")?,
            "--ca-certs".into(),
            field("chainPem")?,
        ],
        cases: Vec::new(),
    };
    cli.signed_outputs("policy-0.1.2", POLICY_012)?;
    cli.signed_outputs("policy-0.2.0", POLICY_020)?;
    cli.error_outputs()?;

    let cases: Vec<Value> = cli
        .cases
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "file": c.file,
                "profile": c.profile,
                "expectedErrors": c.expected_errors,
            })
        })
        .collect();
    let list = out.join("cases.json");
    let text = serde_json::to_string_pretty(&cases).map_err(|e| e.to_string())?;
    write(&list, text.as_bytes())?;
    eprintln!(
        "xtask: {} sesgo outputs to validate, listed in {}",
        cases.len(),
        list.display()
    );

    let mut mvn = Command::new(std::env::var("MVN").unwrap_or_else(|_| "mvn".into()));
    mvn.current_dir(root().join("conformance"))
        .args(["-B", "test"])
        .arg(format!("-Dsesgo.conformance.cases={}", list.display()))
        .arg(format!(
            "-Dsesgo.conformance.package={}",
            root().join(PACKAGE).display()
        ));
    run(mvn)
}
