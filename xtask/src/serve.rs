//! `cargo xtask test serve`: `sesgo serve` (issue 27; docs/adr/0056) from Rust, curl and
//! Python against real servers on 127.0.0.1.
//!
//! 1. `cargo test -p sesgo-server` (the library on ephemeral ports: every route, both
//!    policies, limits, TLS, tokens, graceful shutdown under load) and the CLI's
//!    `tests/serve.rs` (the executable, byte-identical to `sesgo sign`/`verify`, SIGTERM).
//! 2. Two `sesgo serve` processes with the online test PKI (OCSP responders on loopback,
//!    `strict` revocation): plain HTTP without authentication, and HTTPS with optional
//!    client certificates (the test root) and a bearer token.
//! 3. `crates/sesgo-server/tests/clients/serve_curl.sh` (curl) and `test_serve.py`
//!    (pytest + requests in the xtask venv) against both; then SIGTERM, which must exit 0.

use crate::{cargo, progress, python_env, root, run, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN_VAR: &str = "SESGO_XTASK_SERVE_TOKENS";
const TOKEN: &str = "xtask-serve-token-0123456789abcdef";
const PASSWORD_VAR: &str = "SESGO_XTASK_SERVE_PASSWORD";

/// A `sesgo serve` child, killed if the suite fails before it is stopped.
struct Served {
    child: Child,
    addr: String,
    log: PathBuf,
}

impl Served {
    fn start(sesgo: &Path, dir: &Path, name: &str, args: &[String]) -> Result<Served> {
        let port_file = dir.join(format!("{name}.addr"));
        let log = dir.join(format!("{name}.log"));
        let stderr = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let child = Command::new(sesgo)
            .args(["serve", "--listen", "127.0.0.1:0", "--port-file"])
            .arg(&port_file)
            .args(args)
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("{}: {e}", sesgo.display()))?;
        let mut served = Served {
            child,
            addr: String::new(),
            log,
        };
        let start = Instant::now();
        served.addr = loop {
            if let Ok(a) = std::fs::read_to_string(&port_file) {
                break a;
            }
            if let Ok(Some(status)) = served.child.try_wait() {
                return Err(format!(
                    "sesgo serve ({name}) exited with {status}: {}",
                    std::fs::read_to_string(&served.log).unwrap_or_default()
                ));
            }
            if start.elapsed() > Duration::from_secs(60) {
                return Err(format!("sesgo serve ({name}) did not start"));
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        Ok(served)
    }

    /// SIGTERM by PID; a graceful stop exits 0.
    fn terminate(mut self) -> Result {
        let pid = self.child.id().to_string();
        run({
            let mut c = Command::new("kill");
            c.args(["-TERM", &pid]);
            c
        })?;
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return if status.success() {
                    Ok(())
                } else {
                    Err(format!(
                        "sesgo serve exited with {status} after SIGTERM: {}",
                        std::fs::read_to_string(&self.log).unwrap_or_default()
                    ))
                };
            }
            if start.elapsed() > Duration::from_secs(60) {
                return Err("sesgo serve did not stop after SIGTERM".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
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

fn text(v: &Value, pointer: &str) -> Result<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("test PKI manifest: no {pointer}"))
}

pub(crate) fn test_serve() -> Result {
    progress("sesgo-server tests (the library on 127.0.0.1)");
    let mut c = cargo();
    c.args(["test", "-p", "sesgo-server"]);
    run(c)?;
    progress("sesgo serve, the executable (byte-identical to the CLI, SIGTERM)");
    let mut c = cargo();
    c.args(["test", "-p", "sesgo-cli", "--test", "serve"]);
    run(c)?;

    let mut c = cargo();
    c.args(["build", "-p", "sesgo-cli"]);
    run(c)?;
    let sesgo = crate::ctest::target_dir().join("debug/sesgo");
    let manifest_path = crate::testpki::ensure()?;
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let pki_dir = PathBuf::from(text(&manifest, "/dir")?);
    let work = crate::ctest::target_dir().join("xtask-serve");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let tls = sesgo_cert::testpki::TlsServer::generate_in(&pki_dir, &work.join("tls"))?;
    // The client presents the e-CPF certificate and its ACs.
    let client_pem = work.join("client.pem");
    let mut chain =
        std::fs::read_to_string(text(&manifest, "/ecpf/certPem")?).map_err(|e| e.to_string())?;
    chain.push_str(
        &std::fs::read_to_string(text(&manifest, "/chainPem")?).map_err(|e| e.to_string())?,
    );
    std::fs::write(&client_pem, chain).map_err(|e| e.to_string())?;

    std::env::set_var(PASSWORD_VAR, text(&manifest, "/password")?);
    std::env::set_var(TOKEN_VAR, TOKEN);
    let p = |s: &Path| s.display().to_string();
    let common: Vec<String> = vec![
        "--p12".into(),
        text(&manifest, "/p12Aes")?,
        "--password-env".into(),
        PASSWORD_VAR.into(),
        "--trust-root-sha256".into(),
        text(&manifest, "/rootSha256")?,
        "--ca-certs".into(),
        text(&manifest, "/chainPem")?,
        "--max-body-bytes".into(),
        "262144".into(),
    ];
    progress("two sesgo serve processes (HTTP; HTTPS with client certificates and a token)");
    let plain = Served::start(&sesgo, &work, "plain", &common)?;
    let mut tls_args = common.clone();
    tls_args.extend([
        "--tls-cert".into(),
        p(&tls.chain_pem),
        "--tls-key".into(),
        p(&tls.key_pem),
        "--client-ca".into(),
        p(&tls.root_pem),
        "--bearer-tokens-env".into(),
        TOKEN_VAR.into(),
    ]);
    let secure = Served::start(&sesgo, &work, "tls", &tls_args)?;
    let env = [
        ("SESGO_URL", format!("http://{}", plain.addr)),
        ("SESGO_TLS_URL", format!("https://{}", secure.addr)),
        ("SESGO_ROOT_PEM", p(&tls.root_pem)),
        ("SESGO_CLIENT_PEM", p(&client_pem)),
        ("SESGO_CLIENT_KEY", text(&manifest, "/ecpf/keyPem")?),
        ("SESGO_TOKEN", TOKEN.to_owned()),
        ("SESGO_EXAMPLES", p(&root().join("examples"))),
    ];
    let clients = root().join("crates/sesgo-server/tests/clients");
    progress("curl");
    let mut c = Command::new("bash");
    c.arg(clients.join("serve_curl.sh"))
        .envs(env.iter().cloned());
    run(c)?;
    progress("Python (requests)");
    let python = python_env()?;
    let mut c = Command::new(python);
    c.args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(clients.join("test_serve.py"))
        .envs(env.iter().cloned());
    run(c)?;
    progress("SIGTERM: graceful stop");
    plain.terminate()?;
    secure.terminate()?;
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}
