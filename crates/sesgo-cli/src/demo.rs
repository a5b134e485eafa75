//! `sesgo demo`: the README's first command. No arguments, no outside network: a
//! throw-away test PKI (openssl CLI) whose OCSP responders (the real `openssl ocsp`) and
//! CRLs are served on a loopback port, the example Bundle + Provenance signed under both
//! policy families, each transfer Bundle verified under the default `strict` revocation
//! policy, then tampered by one byte and verified again. The report goes to stdout; exit 0
//! when everything behaved as expected.

use crate::{finding_line, Ui};
use sesgo::{
    Code, Policy, SignOptions, Signer, TrustStore, TrustStoreOptions, Verification, VerifyInput,
    VerifyOptions,
};
use sesgo_cert::testpki::{ocsp_route_command, OcspSigner, PkiOptions, TestPki};
use sesgo_testserver::{CommandRoute, ServerConfig, TestServer};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

// Embedded so the demo runs from any directory.
const BUNDLE: &[u8] = include_bytes!("../../../examples/bundle.json");
const PROVENANCE: &[u8] = include_bytes!("../../../examples/provenance.json");

/// The signed value the demo tampers with: the Observation's `valueQuantity.value`.
const ORIGINAL: &str = "36.50";
const TAMPERED: &str = "36.51";

/// Report lines, printed as they come (PKI generation takes a few seconds).
struct Report;

impl Report {
    fn line(&self, s: impl AsRef<str>) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", s.as_ref());
        let _ = out.flush();
    }
}

fn ms(t: Instant) -> String {
    format!("{:.1} ms", t.elapsed().as_secs_f64() * 1000.0)
}

/// `label ........ 12.3 ms  rest`, the timing column aligned.
fn step(label: &str, t: Instant, rest: &str) -> String {
    format!("{:.<48} {:>9}  {rest}", format!("{label} "), ms(t))
}

fn codes(v: &Verification) -> String {
    v.outcome
        .issues()
        .iter()
        .map(|f| format!("{} ({})", f.code().as_str(), f.severity().as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs the demo; `Ok(true)` when every step behaved as expected.
pub(crate) fn run(keep: Option<&Path>, ui: &Ui) -> sesgo::Result<bool> {
    // Refused before any report line: stdout then holds only the OperationOutcome.
    if let Some(dir) = keep {
        prepare_keep_dir(dir)?;
    }
    // The PKI's generator runs openssl in other directories: an absolute path, so that
    // `--keep demo` (relative) works as well as an absolute one.
    let absolute = keep.map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.to_path_buf()));
    let keep = absolute.as_deref();
    let r = Report;
    r.line(format!(
        "sesgo {} demo: sign and verify examples/bundle.json + examples/provenance.json",
        sesgo::VERSION
    ));
    r.line("");

    // 1. The test PKI. Its certificates become valid when generated, so every clock
    //    reading (the default reference time of sign and verify) comes after this. Its
    //    OCSP and CRL URLs point at a loopback server started first.
    ui.note("sesgo demo: generating a throw-away test PKI with the openssl CLI ...");
    let t = Instant::now();
    let dir = match keep {
        Some(d) => d.join("pki"),
        None => std::env::temp_dir().join(format!(
            "sesgo-demo-{}-{}",
            std::process::id(),
            sesgo_cert::now_unix()
        )),
    };
    // The PKI at the top of the directory (as before --keep showed it), the web root in it.
    let (pki_dir, www) = (dir.clone(), dir.join("www"));
    let server = match std::fs::create_dir_all(&www)
        .map_err(|e| e.to_string())
        .and_then(|()| responders(&pki_dir, &www).map_err(|e| e.to_string()))
    {
        Ok(s) => s,
        Err(e) => {
            r.line(format!("1. loopback OCSP/CRL server: FAILED ({e})"));
            return Ok(false);
        }
    };
    let generated = TestPki::generate_with(
        &pki_dir,
        &PkiOptions {
            base_url: Some(server.base_url()),
        },
    )
    .and_then(|p| p.write_web_root(&www).map(|_| p));
    let pki = match generated {
        Ok(p) => p,
        Err(e) => {
            r.line(format!("1. test PKI: FAILED ({e})"));
            r.line("   the demo needs the `openssl` command (3.x) on PATH");
            server.stop();
            return Ok(false);
        }
    };
    let result = with_pki(&pki, &r, t, keep, &server.base_url());
    server.stop();
    match keep {
        None => {
            let _ = std::fs::remove_dir_all(&dir);
        }
        Some(dir) => {
            write_kept_files(dir, &pki)?;
            r.line("");
            r.line(format!(
                "Kept in {} (manifest.json says which file is which):",
                dir.display()
            ));
            r.line(format!(
                "  signer.p12       the signer's PKCS#12 (password {})",
                pki.password
            ));
            r.line("  signer-key.pem   its private key (encrypted PKCS#8, same password)");
            r.line("  signer.pem       its certificate");
            r.line("  chain.pem        full chain: signer, AC TESTE Assinatura G1, Nivel 1, root");
            r.line(format!(
                "  root.pem         the test root (SHA-256 {})",
                pki.root_sha256
            ));
            r.line("  bundle.json, provenance.json   the example to sign");
            r.line("  (the PKI's OCSP responders stopped with the demo: verify the kept");
            r.line("   signatures with --revocation warn, or give --revocation-evidence)");
        }
    }
    result
}

/// The loopback server: `openssl ocsp` for each CA of the PKI to be generated in
/// `pki_dir` (the issuing AC through its delegated responder), files from `www`.
fn responders(pki_dir: &Path, www: &Path) -> std::io::Result<TestServer> {
    let route = |ca: &str, signer: OcspSigner| CommandRoute {
        prefix: format!("/ocsp/{ca}"),
        command: ocsp_route_command(pki_dir, ca, signer, 60),
        content_type: Some("application/ocsp-response".into()),
    };
    TestServer::start(ServerConfig {
        root: Some(www.to_path_buf()),
        commands: vec![
            route("ac2", OcspSigner::Delegated),
            route("ac1", OcspSigner::Ca),
            route("root", OcspSigner::Ca),
        ],
        ..Default::default()
    })
}

/// `--keep DIR`: DIR must not exist or be an empty directory (a kept PKI is never
/// overwritten by a new root).
fn prepare_keep_dir(dir: &Path) -> sesgo::Result<()> {
    let refuse = |why: String| {
        Err(sesgo::Error::new(
            Code::ConfigInvalidParameter,
            format!("--keep {}: {why}", dir.display()),
        )
        .at("argv"))
    };
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return refuse(
                    "o diretório não está vazio; informe um diretório novo ou vazio \
                     (a PKI de teste guardada nele não é sobrescrita)"
                        .into(),
                );
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Err(e) = std::fs::create_dir_all(dir) {
                return refuse(format!("não foi possível criar o diretório: {e}"));
            }
        }
        Err(e) => return refuse(format!("não é um diretório utilizável: {e}")),
    }
    Ok(())
}

/// The files a user signs and verifies with, at the top of DIR, and `manifest.json`
/// naming them (paths relative to DIR).
fn write_kept_files(dir: &Path, pki: &TestPki) -> sesgo::Result<()> {
    let io = |what: &str, e: std::io::Error| {
        sesgo::Error::new(
            Code::ConfigInvalidParameter,
            format!("--keep {}: {what}: {e}", dir.display()),
        )
        .at("argv")
    };
    let copy = |from: &Path, to: &str| {
        std::fs::copy(from, dir.join(to))
            .map(|_| ())
            .map_err(|e| io(to, e))
    };
    copy(&pki.p12_aes, "signer.p12")?;
    copy(&pki.key_pkcs8_encrypted, "signer-key.pem")?;
    copy(&pki.ecpf.cert_pem, "signer.pem")?;
    copy(&pki.root.cert_pem, "root.pem")?;
    let mut chain = String::new();
    for c in [&pki.ecpf, &pki.ac2, &pki.ac1, &pki.root] {
        chain.push_str(&std::fs::read_to_string(&c.cert_pem).map_err(|e| io("chain.pem", e))?);
    }
    std::fs::write(dir.join("chain.pem"), chain).map_err(|e| io("chain.pem", e))?;
    std::fs::write(dir.join("bundle.json"), BUNDLE).map_err(|e| io("bundle.json", e))?;
    std::fs::write(dir.join("provenance.json"), PROVENANCE)
        .map_err(|e| io("provenance.json", e))?;
    let absolute = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let signed = |v: &str| {
        serde_json::json!({
            "provenance": format!("signed-{v}-provenance.json"),
            "bundle": format!("signed-{v}-bundle.json"),
            "tamperedOutcome": format!("tampered-{v}-outcome.json"),
        })
    };
    let manifest = serde_json::json!({
        "about": "sesgo demo --keep: a throw-away test PKI nobody trusts (TESTE / NAO CONFIAVEL); paths are relative to dir",
        "sesgoVersion": sesgo::VERSION,
        "dir": absolute,
        "password": pki.password,
        "rootSha256": pki.root_sha256,
        "signer": {
            "pkcs12": "signer.p12",
            "pkcs12Alias": sesgo_cert::testpki::ECPF_ALIAS,
            "key": "signer-key.pem",
            "keyFormat": "PKCS#8, encrypted with the password",
            "certificate": "signer.pem",
            "chain": "chain.pem",
            "chainOrder": "signer first, then AC TESTE Assinatura G1, AC TESTE Nivel 1 v1, the root",
            "cpf": "12345678909",
        },
        "root": "root.pem",
        "example": {"bundle": "bundle.json", "provenance": "provenance.json"},
        "signed": {"0.1.2": signed("0.1.2"), "0.2.0": signed("0.2.0")},
        "pki": "pki",
    });
    let text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    std::fs::write(dir.join("manifest.json"), text + "\n").map_err(|e| io("manifest.json", e))
}

fn with_pki(
    pki: &TestPki,
    r: &Report,
    t: Instant,
    keep: Option<&Path>,
    base_url: &str,
) -> sesgo::Result<bool> {
    let p12 = zeroize::Zeroizing::new(std::fs::read(&pki.p12_aes).map_err(|e| {
        sesgo::Error::new(
            Code::ConfigInvalidParameter,
            format!("PKCS#12 de teste: {e}"),
        )
    })?);
    let chain_pem = std::fs::read_to_string(&pki.chain_pem).map_err(|e| {
        sesgo::Error::new(
            Code::ConfigInvalidParameter,
            format!("cadeia de teste: {e}"),
        )
    })?;
    let signer = Signer::from_pkcs12(&p12, &pki.password, None)?;
    // Trust exactly the test root (by fingerprint), with its intermediates to complete
    // chains. The embedded ICP-Brasil roots would refuse it (CERT.NOT-ICP-BRASIL).
    let trust = TrustStoreOptions {
        root_sha256: vec![pki.root_sha256.clone()],
        ca_certs_pem: Some(chain_pem),
        ..Default::default()
    }
    .build()?;
    r.line(step(
        "1. test PKI (openssl CLI)",
        t,
        "NOT trusted by anyone",
    ));
    r.line(format!(
        "   root    {}",
        signer.chain().last().map_or(String::new(), |c| c.issuer())
    ));
    r.line(format!("           sha256 {}", pki.root_sha256));
    r.line(format!(
        "   OCSP    {base_url}/ocsp/{{ac2,ac1,root}} (openssl ocsp), CRLs {base_url}/crl/ (loopback)"
    ));
    r.line(format!(
        "   signer  {}",
        signer
            .chain()
            .first()
            .map_or(String::new(), |c| c.subject())
    ));
    r.line("           e-CPF A3 test certificate, PKCS#12 (PBES2/AES-256)");
    match keep {
        Some(d) => r.line(format!("   kept in {}", d.display())),
        None => r.line("   (temporary; removed at the end; use --keep DIR to keep it)"),
    }

    let mut all_ok = true;
    for (n, policy) in [(2, Policy::Ig012), (3, Policy::Politica020)] {
        r.line("");
        all_ok &= one_policy(n, policy, &signer, &trust, r, keep)?;
    }

    r.line("");
    r.line("Revocation: signing and verifying ran under the default revocationPolicy=strict,");
    r.line("each certificate but the root checked by OCSP against the loopback responders.");
    r.line("");
    if all_ok {
        r.line("Result: OK — both signatures verified; both tampered copies were rejected.");
    } else {
        r.line("Result: UNEXPECTED — see the steps above.");
    }
    Ok(all_ok)
}

fn one_policy(
    n: u32,
    policy: Policy,
    signer: &Signer,
    trust: &TrustStore,
    r: &Report,
    keep: Option<&Path>,
) -> sesgo::Result<bool> {
    // The version is the URI's last segment (`…|0.1.2`, `…/politica/0.2.0`).
    let version = policy.uri().rsplit(['|', '/']).next().unwrap_or_default();
    r.line(format!("{n}. policy {version}"));
    r.line(format!("   {}", policy.uri()));
    let t = Instant::now();
    let signed = match sesgo::sign(
        BUNDLE,
        PROVENANCE,
        signer,
        trust,
        &SignOptions {
            policy,
            ..Default::default()
        },
    ) {
        Ok(s) => s,
        Err(e) => {
            r.line("   sign ....................................... FAILED");
            for f in e.findings() {
                r.line(format!("     {}", finding_line(f)));
            }
            return Ok(false);
        }
    };
    let who = signed.signature.member("who").member("identifier");
    let targets = signed
        .provenance
        .member("target")
        .as_array()
        .map_or(0, Vec::len);
    r.line(step(
        "   sign",
        t,
        &format!(
            "{targets} resources, signer {}|{}",
            who["system"].as_str().unwrap_or("?"),
            who["value"].as_str().unwrap_or("?"),
        ),
    ));
    for w in &signed.warnings {
        r.line(format!("     {}", finding_line(w)));
    }
    let transfer = signed.bundle.clone();
    if let Some(dir) = keep {
        let _ = std::fs::write(
            dir.join(format!("signed-{version}-provenance.json")),
            signed.provenance.to_json(),
        );
        let _ = std::fs::write(dir.join(format!("signed-{version}-bundle.json")), &transfer);
    }

    // The default revocation policy, strict (DECISIONS D5): OCSP against the loopback
    // responders.
    let options = VerifyOptions {
        policy: Some(policy),
        ..Default::default()
    };
    let verify = |bundle: &str| {
        sesgo::verify(
            &VerifyInput {
                bundle: Some(bundle.as_bytes()),
                ..Default::default()
            },
            trust,
            &options,
        )
    };

    let t = Instant::now();
    let v = verify(&transfer)?;
    r.line(step(
        "   verify the transfer Bundle",
        t,
        if v.valid {
            "VALID"
        } else {
            "INVALID (unexpected)"
        },
    ));
    r.line(format!("     codes: {}", codes(&v)));
    let mut ok = v.valid;

    // One byte of a signed value changes: the digest no longer matches.
    let tampered = transfer.replacen(ORIGINAL, TAMPERED, 1);
    if tampered == transfer {
        r.line(format!(
            "   tamper: {ORIGINAL} not found in the transfer Bundle (unexpected)"
        ));
        return Ok(false);
    }
    let t = Instant::now();
    let v = verify(&tampered)?;
    let detected = v
        .outcome
        .issues()
        .iter()
        .any(|f| f.code() == Code::CryptoHashVerificationFailed);
    r.line(step(
        &format!("   tamper {ORIGINAL} -> {TAMPERED}, verify again"),
        t,
        if !v.valid && detected {
            "INVALID (as expected)"
        } else if v.valid {
            "VALID (unexpected)"
        } else {
            "INVALID, without CRYPTO.HASH-VERIFICATION-FAILED (unexpected)"
        },
    ));
    for f in v.outcome.issues() {
        if f.severity().is_failure() {
            r.line(format!("     {}", finding_line(f)));
        }
    }
    if let Some(dir) = keep {
        let _ = std::fs::write(
            dir.join(format!("tampered-{version}-outcome.json")),
            v.outcome.to_json(),
        );
    }
    ok &= !v.valid && detected;
    Ok(ok)
}
