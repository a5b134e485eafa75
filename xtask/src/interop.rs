//! `cargo xtask test interop`: EU DSS 6.4 as the interop oracle of policy 0.2.0's JAdES
//! (ADR 0050), in one JVM (Maven project `interop/dss/`, test scope only).
//!
//! 1. The real CLI signs the example under policy 0.2.0 with strategy `iat` (B-B) and `tsa`
//!    (B-T, the loopback HTTPS TSA xtask starts with the test PKI).
//! 2. Fresh CRLs of the three test CAs (`openssl ca -gencrl`) are DSS's revocation data.
//! 3. DSS validates both (BASELINE-B / BASELINE-T, TOTAL_PASSED, test root trusted) and
//!    signs the same payload as JAdES-BASELINE-T with a token from the same TSA.
//! 4. sesgo verifies DSS's signature: valid, strategy `tsa`, stage `time` passed, and its
//!    payload is the content digest of the example.

use crate::ctest::target_dir;
use crate::{cargo, root, run, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const POLICY_020: &str = "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0";
const PASSWORD_ENV: &str = "SESGO_INTEROP_PASSWORD";

fn read_json(p: &Path) -> Result<Value> {
    let t = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
    serde_json::from_str(&t).map_err(|e| format!("{}: {e}", p.display()))
}

fn b64(s: &str, url: bool) -> Result<Vec<u8>> {
    let out = Command::new("openssl")
        .args(["base64", "-d", "-A"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            let mut text: String = if url {
                s.replace('-', "+").replace('_', "/")
            } else {
                s.to_owned()
            };
            while text.len() % 4 != 0 {
                text.push('=');
            }
            c.stdin.take().unwrap().write_all(text.as_bytes())?;
            c.wait_with_output()
        })
        .map_err(|e| format!("openssl base64: {e}"))?;
    Ok(out.stdout)
}

fn openssl(dir: &Path, args: &[&str]) -> Result {
    let out = Command::new("openssl")
        .current_dir(dir)
        .env("OPENSSL_CONF", dir.join("openssl-icp.cnf"))
        .args(args)
        .output()
        .map_err(|e| format!("openssl: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

pub fn test_interop() -> Result {
    let mut c = cargo();
    c.args(["build", "-p", "sesgo-cli"]);
    run(c)?;
    let exe = target_dir().join("debug/sesgo");
    let manifest = crate::testpki::ensure()?;
    let m = read_json(&manifest)?;
    let s = |p: &str| -> Result<String> {
        m.pointer(p)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("manifest has no {p}"))
    };
    let out = target_dir().join("interop");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let settings = out.join("settings.json");
    let tsa_root = std::fs::read_to_string(s("/tsa/tlsRootPem")?).map_err(|e| e.to_string())?;
    std::fs::write(
        &settings,
        serde_json::json!({
            "revocationPolicy": "warn",
            "tsaTlsRootsPem": tsa_root,
            "tsaPolicy": s("/tsa/policy")?,
        })
        .to_string(),
    )
    .map_err(|e| e.to_string())?;
    let trust = [
        "--trust-root-sha256".to_owned(),
        s("/rootSha256")?,
        "--ca-certs".to_owned(),
        s("/chainPem")?,
    ];
    let sesgo = |args: &[String]| -> Result<Vec<u8>> {
        let o = Command::new(&exe)
            .current_dir(root())
            .arg("--quiet")
            .args(args)
            .env(PASSWORD_ENV, s("/password")?)
            .output()
            .map_err(|e| format!("{}: {e}", exe.display()))?;
        if !o.status.success() {
            return Err(format!(
                "sesgo {args:?} failed ({}): {}{}",
                o.status,
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ));
        }
        Ok(o.stdout)
    };

    // 1. sesgo's B-B and B-T.
    let mut jws_files = Vec::new();
    let mut payload = Vec::new();
    for (tag, strategy) in [("sesgo-bb", "iat"), ("sesgo-bt", "tsa")] {
        let sig = out.join(format!("{tag}-signature.json"));
        let mut args: Vec<String> = [
            "sign",
            "--bundle",
            "examples/bundle.json",
            "--provenance",
            "examples/provenance.json",
            "--p12",
            &s("/p12Aes")?,
            "--password-env",
            PASSWORD_ENV,
            "--policy",
            POLICY_020,
            "--strategy",
            strategy,
            "--settings",
            &settings.to_string_lossy(),
            "--out-signature",
            &sig.to_string_lossy(),
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        if strategy == "tsa" {
            args.extend(["--tsa-url".to_owned(), s("/tsa/url")?]);
        }
        args.extend(trust.iter().cloned());
        sesgo(&args)?;
        let data = read_json(&sig)?["data"]
            .as_str()
            .ok_or("Signature without data")?
            .to_owned();
        let jws = b64(&data, false)?;
        let j: Value = serde_json::from_slice(&jws).map_err(|e| e.to_string())?;
        payload = b64(j["payload"].as_str().ok_or("no payload")?, true)?;
        let f = out.join(format!("{tag}.json"));
        std::fs::write(&f, &jws).map_err(|e| e.to_string())?;
        jws_files.push(f);
    }
    let payload_file = out.join("payload.bin");
    std::fs::write(&payload_file, &payload).map_err(|e| e.to_string())?;

    // 2. CRLs of the three CAs, issued now (DSS's only revocation data).
    let pki = PathBuf::from(s("/dir")?);
    let mut crls = Vec::new();
    for ca in ["ca_ac2", "ca_ac1", "ca_root"] {
        let pem = out.join(format!("{ca}.crl.pem"));
        let der = out.join(format!("{ca}.crl"));
        openssl(
            &pki,
            &[
                "ca",
                "-config",
                "openssl-icp.cnf",
                "-name",
                ca,
                "-gencrl",
                "-crldays",
                "7",
                "-out",
                &pem.to_string_lossy(),
            ],
        )?;
        openssl(
            &pki,
            &[
                "crl",
                "-in",
                &pem.to_string_lossy(),
                "-outform",
                "DER",
                "-out",
                &der.to_string_lossy(),
            ],
        )?;
        crls.push(der.to_string_lossy().into_owned());
    }

    // 3. DSS, one JVM.
    let dss_out = out.join("dss-bt.json");
    let props = [
        ("rootDer", s("/root/certDer")?),
        ("ac1Der", s("/ac1/certDer")?),
        ("ac2Der", s("/ac2/certDer")?),
        ("crls", crls.join(",")),
        ("sesgoBB", jws_files[0].to_string_lossy().into_owned()),
        ("sesgoBT", jws_files[1].to_string_lossy().into_owned()),
        ("p12", s("/p12Aes")?),
        ("password", s("/password")?),
        ("tsaUrl", s("/tsa/url")?),
        ("policy", POLICY_020.to_owned()),
        ("payload", payload_file.to_string_lossy().into_owned()),
        ("dssOut", dss_out.to_string_lossy().into_owned()),
    ];
    let text: String = props
        .iter()
        .map(|(k, v)| format!("{k}={}\n", v.replace('\\', "\\\\").replace(':', "\\:")))
        .collect();
    let cases = out.join("cases.properties");
    std::fs::write(&cases, text).map_err(|e| e.to_string())?;
    let mut mvn = Command::new(std::env::var("MVN").unwrap_or_else(|_| "mvn".into()));
    mvn.current_dir(root().join("interop/dss"))
        .args(["-B", "test"])
        .arg(format!("-Dsesgo.interop.cases={}", cases.display()));
    run(mvn)?;

    // 4. sesgo verifies what DSS made.
    let dss = std::fs::read(&dss_out).map_err(|e| e.to_string())?;
    let j: Value = serde_json::from_slice(&dss).map_err(|e| e.to_string())?;
    if b64(j["payload"].as_str().unwrap_or(""), true)? != payload {
        return Err("DSS signed another payload".into());
    }
    let data_file = out.join("dss-bt.b64");
    let data = Command::new("openssl")
        .args(["base64", "-A", "-in"])
        .arg(&dss_out)
        .output()
        .map_err(|e| e.to_string())?
        .stdout;
    std::fs::write(&data_file, data).map_err(|e| e.to_string())?;
    let mut args: Vec<String> = [
        "verify",
        "--signature-data",
        &data_file.to_string_lossy(),
        "--settings",
        &settings.to_string_lossy(),
        "--report",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    args.extend(trust.iter().cloned());
    let report: Value =
        serde_json::from_slice(&sesgo(&args)?).map_err(|e| format!("report: {e}"))?;
    let sig = &report["signatures"][0];
    if report["valid"] != true || sig["strategy"] != "tsa" || sig["stages"]["time"] != "passed" {
        return Err(format!(
            "sesgo does not verify DSS's JAdES-BASELINE-T: {report}"
        ));
    }
    eprintln!("xtask: sesgo verifies DSS's JAdES-BASELINE-T (strategy tsa, time passed)");
    Ok(())
}
