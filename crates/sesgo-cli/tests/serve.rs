//! `sesgo serve` as users run it: the built executable on 127.0.0.1 (ephemeral port,
//! `--port-file`), driven by an HTTP client, its answers compared byte for byte with the
//! CLI's for the same inputs, stopped with SIGTERM (graceful: exit 0).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use sesgo_cert::testpki::{RevocationPki, TestPki};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const P020: &str = "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0";
const P012: &str =
    "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.2";
const PW_VAR: &str = "SESGO_SERVE_CLI_TEST_PASSWORD";

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_owned()
}

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn scratch(name: &str) -> Scratch {
    let d = std::env::temp_dir().join(format!("sesgo-serve-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    Scratch(d)
}

/// The options `sesgo sign`, `sesgo verify` and `sesgo serve` share here: the test root,
/// its ACs, the revocation evidence, offline.
fn common() -> Vec<String> {
    let pki = TestPki::shared();
    vec![
        "--trust-root-sha256".into(),
        pki.root_sha256.clone(),
        "--ca-certs".into(),
        s(&pki.chain_pem),
        "--revocation-evidence".into(),
        s(RevocationPki::shared().ecpf_evidence()),
        "--offline".into(),
    ]
}

fn signer() -> Vec<String> {
    vec![
        "--p12".into(),
        s(&TestPki::shared().p12_aes),
        "--password-env".into(),
        PW_VAR.into(),
    ]
}

fn sesgo(args: &[String]) -> (i32, Vec<u8>) {
    let out = Command::new(env!("CARGO_BIN_EXE_sesgo"))
        .args(args)
        .arg("-q")
        .env(PW_VAR, &TestPki::shared().password)
        .output()
        .unwrap();
    (out.status.code().unwrap(), out.stdout)
}

/// A running `sesgo serve`, killed if a test fails before stopping it.
struct Served {
    child: Child,
    addr: String,
}

impl Served {
    fn start(dir: &Path, extra: &[String]) -> Served {
        let port_file = dir.join("addr");
        let child = Command::new(env!("CARGO_BIN_EXE_sesgo"))
            .args(["serve", "--listen", "127.0.0.1:0", "--port-file"])
            .arg(&port_file)
            .args(common())
            .args(signer())
            .args(extra)
            .env(PW_VAR, &TestPki::shared().password)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let addr = loop {
            if let Ok(a) = std::fs::read_to_string(&port_file) {
                break a;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        Served { child, addr }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// SIGTERM; the exit status and stderr.
    fn terminate(mut self) -> (i32, String) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success());
        let start = Instant::now();
        let status = loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                break st;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no graceful exit"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            e.read_to_string(&mut err).unwrap();
        }
        (status.code().unwrap_or(-1), err)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn post(url: &str, content_type: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let r = match ureq::post(url)
        .set("Content-Type", content_type)
        .send_bytes(body)
    {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let status = r.status();
    let mut out = Vec::new();
    r.into_reader().read_to_end(&mut out).unwrap();
    (status, out)
}

fn provenance_url_fixed(bundle: &[u8]) -> String {
    let v = sesgo_core::json::parse_strict(bundle, &sesgo_core::json::Limits::default()).unwrap();
    let entries = v.member("entry").as_array().unwrap();
    let url = entries.last().unwrap().member("fullUrl").as_str().unwrap();
    String::from_utf8(bundle.to_vec())
        .unwrap()
        .replace(url, "urn:uuid:provenance")
}

fn trimmed(b: &[u8]) -> &[u8] {
    b.strip_suffix(b"\n").unwrap_or(b)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn serve_answers_byte_identical_to_the_cli_and_stops_gracefully() {
    let dir = scratch("identical");
    let d = &dir.0;
    let served = Served::start(d, &[]);
    let t = now().to_string();
    let bundle = std::fs::read_to_string(example("bundle.json")).unwrap();
    let provenance = std::fs::read_to_string(example("provenance.json")).unwrap();

    for policy in [P012, P020] {
        // Sign with the CLI and with the server at the same reference time: RS256 is
        // deterministic, so the signed Provenance is the same bytes.
        let transfer = d.join("transfer.json");
        let mut args: Vec<String> = [
            "sign",
            "--bundle",
            &s(&example("bundle.json")),
            "--provenance",
            &s(&example("provenance.json")),
            "--policy",
            policy,
            "--reference-time",
            &t,
            "--out-bundle",
            &s(&transfer),
        ]
        .map(str::to_owned)
        .to_vec();
        args.extend(common());
        args.extend(signer());
        let (code, cli_provenance) = sesgo(&args);
        assert_eq!(code, 0);
        let (status, served_sign) = post(
            &served.url("/sign"),
            "application/json",
            format!(
                r#"{{"bundle":{bundle},"provenance":{provenance},"options":{{"policy":"{policy}","referenceTime":{t}}}}}"#
            )
            .as_bytes(),
        );
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&served_sign));
        let signed =
            sesgo_core::json::parse_strict(&served_sign, &sesgo_core::json::Limits::default())
                .unwrap();
        assert_eq!(
            signed.member("provenance").to_json().as_bytes(),
            trimmed(&cli_provenance)
        );
        // The transfer Bundle too, but for the fresh random fullUrl of the Provenance entry.
        assert_eq!(
            provenance_url_fixed(signed.member("bundle").to_json().as_bytes()),
            provenance_url_fixed(&std::fs::read(&transfer).unwrap())
        );

        // Verify: $verify ≡ `sesgo verify` (both at their clock), /verify ≡ `sesgo verify
        // --report` (both at the reference time).
        let transfer_bytes = std::fs::read(&transfer).unwrap();
        let mut args: Vec<String> = ["verify", "--bundle", &s(&transfer)]
            .map(str::to_owned)
            .to_vec();
        args.extend(common());
        let (code, cli_oo) = sesgo(&args);
        assert_eq!(code, 0);
        args.extend(["--reference-time".into(), t.clone(), "--report".into()]);
        let (_, cli_report) = sesgo(&args);
        let (status, served_oo) = post(
            &served.url("/Bundle/$verify"),
            "application/fhir+json",
            &transfer_bytes,
        );
        assert_eq!(status, 200);
        assert_eq!(served_oo, trimmed(&cli_oo));
        let envelope = format!(
            r#"{{"bundle":{},"options":{{"referenceTime":{t}}}}}"#,
            String::from_utf8(transfer_bytes.clone()).unwrap()
        );
        let (status, served_report) = post(
            &served.url("/verify"),
            "application/json",
            envelope.as_bytes(),
        );
        assert_eq!(status, 200);
        assert_eq!(served_report, trimmed(&cli_report));

        // The same failure, byte for byte: a tampered decimal.
        let tampered = d.join("tampered.json");
        std::fs::write(
            &tampered,
            String::from_utf8(transfer_bytes)
                .unwrap()
                .replacen("36.50", "36.51", 1),
        )
        .unwrap();
        let mut args: Vec<String> = ["verify", "--bundle", &s(&tampered)]
            .map(str::to_owned)
            .to_vec();
        args.extend(common());
        let (code, cli_bad) = sesgo(&args);
        assert_eq!(code, 1);
        let (status, served_bad) = post(
            &served.url("/Bundle/$verify"),
            "application/fhir+json",
            &std::fs::read(&tampered).unwrap(),
        );
        assert_eq!(status, 200);
        assert_eq!(served_bad, trimmed(&cli_bad));
    }

    // Canonicalize and the reference check.
    let (_, cli_canon) = sesgo(&[
        "canonicalize".into(),
        "--policy".into(),
        P020.into(),
        s(&example("bundle.json")),
    ]);
    let (status, served_canon) = post(
        &served.url("/canonicalize"),
        "application/json",
        format!(r#"{{"resource":{bundle},"options":{{"policy":"{P020}"}}}}"#).as_bytes(),
    );
    assert_eq!(status, 200);
    assert_eq!(served_canon, cli_canon);
    let (_, cli_refs) = sesgo(&[
        "refs".into(),
        "check".into(),
        "--bundle".into(),
        s(&example("bundle.json")),
        "--provenance".into(),
        s(&example("provenance.json")),
    ]);
    let (status, served_refs) = post(
        &served.url("/refs/check"),
        "application/json",
        format!(r#"{{"bundle":{bundle},"provenance":{provenance}}}"#).as_bytes(),
    );
    assert_eq!(status, 200);
    assert_eq!(served_refs, trimmed(&cli_refs));

    let (code, stderr) = served.terminate();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("sesgo serve: stopped"), "{stderr}");
    // Structured logs: one JSON object per line, each request with its id; no secret.
    let requests: Vec<serde_json::Value> = stderr
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &serde_json::Value| v["fields"]["message"] == "request")
        .collect();
    assert!(requests.len() >= 8, "{stderr}");
    assert!(requests.iter().all(|r| r["fields"]["request_id"]
        .as_str()
        .is_some_and(|id| id.len() == 36)));
    assert!(!stderr.contains(&TestPki::shared().password));
}

#[test]
fn check_config_reports_and_refuses() {
    let dir = scratch("check");
    let config = dir.0.join("server.json");
    std::fs::write(
        &config,
        br#"{"listen": "127.0.0.1:0", "limits": {"maxInFlight": 8, "workers": 1}, "log": "off"}"#,
    )
    .unwrap();
    let mut args: Vec<String> = vec!["serve".into(), "--check-config".into(), "--config".into()];
    args.push(s(&config));
    args.extend(common());
    args.extend(signer());
    let (code, out) = sesgo(&args);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&out));
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["limits"]["maxInFlight"], 8);
    assert!(v["signer"].as_str().unwrap().contains("12345678909"));

    // Beyond the loopback, a signer needs authentication: refused, exit 2.
    let mut args: Vec<String> = ["serve", "--check-config", "--listen", "0.0.0.0:0"]
        .map(str::to_owned)
        .to_vec();
    args.extend(common());
    args.extend(signer());
    let (code, out) = sesgo(&args);
    assert_eq!(code, 2);
    assert!(String::from_utf8_lossy(&out).contains("CONFIG.MISSING-PARAMETER"));
    // An unknown member in the configuration file.
    std::fs::write(&config, br#"{"limts": {}}"#).unwrap();
    let (code, out) = sesgo(&[
        "serve".into(),
        "--check-config".into(),
        "--config".into(),
        s(&config),
    ]);
    assert_eq!(code, 2);
    assert!(String::from_utf8_lossy(&out).contains("CONFIG.INVALID-PARAMETER"));
}
