//! A real authorization server for the token tests (issue 22; docs/adr/0052): Keycloak
//! (`org.keycloak:keycloak-quarkus-dist`, from Maven Central through the local Maven
//! repository), started once per suite on 127.0.0.1 only, with HTTPS (a server
//! certificate from the test PKI), client certificates requested and verified against the
//! test root, and the realm `saude` of `testdata/keycloak/realm-saude.json`.
//!
//! `cargo xtask test keycloak` starts it, runs the suites that need it with
//! `SESGO_KEYCLOAK` = the path of a JSON description (issuer, token endpoint, CA, clients)
//! and `SESGO_TEST_PKI`, and stops it by its PID.

use crate::{root, run, Result};
use serde_json::json;
use sesgo_cert::testpki::TlsServer;
use std::io::Read;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Keycloak release the tests run (26.x needs Java 21+).
pub const VERSION: &str = "26.4.7";
const GAV: &str = "org.keycloak:keycloak-quarkus-dist";
/// Environment variable carrying the description's path to the suites.
pub const ENV: &str = "SESGO_KEYCLOAK";
/// Client ids of the realm template.
pub const MTLS_CLIENT: &str = "sesgo-mtls";
/// Variant B client.
pub const JWT_CLIENT: &str = "sesgo-jwt";

fn kc_dir() -> PathBuf {
    crate::ctest::target_dir().join("keycloak")
}

/// The distribution zip from the local Maven repository (downloaded by `mvn
/// dependency:get` on first use; CI's Maven cache keeps it).
fn zip_path() -> Result<PathBuf> {
    let repo = std::env::var_os("MAVEN_REPO_LOCAL")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".m2/repository")))
        .ok_or("HOME não definido: onde está o repositório Maven local?")?;
    let zip = repo.join(format!(
        "org/keycloak/keycloak-quarkus-dist/{VERSION}/keycloak-quarkus-dist-{VERSION}.zip"
    ));
    if !zip.is_file() {
        let mut mvn = Command::new(std::env::var("MVN").unwrap_or_else(|_| "mvn".into()));
        mvn.args(["-B", "-q", "dependency:get", "-Dtransitive=false"])
            .arg(format!("-Dartifact={GAV}:{VERSION}:zip"))
            .arg(format!("-Dmaven.repo.local={}", repo.display()));
        run(mvn)?;
    }
    if zip.is_file() {
        Ok(zip)
    } else {
        Err(format!(
            "{} não encontrado após mvn dependency:get",
            zip.display()
        ))
    }
}

/// `target/keycloak/keycloak-<VERSION>` (extracted once).
fn home() -> Result<PathBuf> {
    let home = kc_dir().join(format!("keycloak-{VERSION}"));
    if home.join("bin/kc.sh").is_file() && home.join("lib").is_dir() {
        return Ok(home);
    }
    let zip = zip_path()?;
    eprintln!("xtask: extracting {}", zip.display());
    let file = std::fs::File::open(&zip).map_err(|e| format!("{}: {e}", zip.display()))?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| format!("{}: {e}", zip.display()))?;
    archive
        .extract(kc_dir())
        .map_err(|e| format!("extracting {}: {e}", zip.display()))?;
    Ok(home)
}

/// The major version `java -version` reports, if it runs.
fn java_major(java_home: &Path) -> Option<u32> {
    let out = Command::new(java_home.join("bin/java"))
        .arg("-version")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stderr);
    let quoted = text.split('"').nth(1)?;
    let first = quoted.split(['.', '-', '+']).next()?;
    match first.parse::<u32>().ok()? {
        1 => quoted.split('.').nth(1)?.parse().ok(),
        n => Some(n),
    }
}

/// A Java 21+ home, found at run time: `SESGO_JAVA21_HOME`, `JAVA_HOME`, then every
/// `/usr/lib/jvm/*` and `/opt/*jdk*` (highest version wins). Keycloak 26 needs 21+;
/// the default `java` may be older.
pub fn find_java21() -> Result<PathBuf> {
    let mut candidates: Vec<PathBuf> = ["SESGO_JAVA21_HOME", "JAVA_HOME"]
        .iter()
        .filter_map(std::env::var_os)
        .map(PathBuf::from)
        .collect();
    for (dir, needle) in [("/usr/lib/jvm", ""), ("/opt", "jdk")] {
        if let Ok(rd) = std::fs::read_dir(dir) {
            let mut found: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().contains(needle))
                })
                .collect();
            found.sort();
            candidates.extend(found);
        }
    }
    let mut best: Option<(u32, PathBuf)> = None;
    for c in candidates {
        if let Some(v) = java_major(&c) {
            if v >= 21 && best.as_ref().is_none_or(|(b, _)| v > *b) {
                best = Some((v, c));
            }
        }
    }
    best.map(|(v, p)| {
        eprintln!("xtask: Java {v} for Keycloak: {}", p.display());
        p
    })
    .ok_or_else(|| {
        "Keycloak precisa de Java 21+: nenhum encontrado em SESGO_JAVA21_HOME, JAVA_HOME, \
         /usr/lib/jvm/* ou /opt/*jdk*"
            .to_string()
    })
}

fn free_port() -> Result<u16> {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

fn random_hex(n: usize) -> Result<String> {
    let mut b = vec![0u8; n];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .map_err(|e| format!("/dev/urandom: {e}"))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// A running Keycloak; stopped (by PID) when dropped.
pub struct Keycloak {
    child: Child,
    /// `https://127.0.0.1:<port>/realms/saude`.
    pub issuer: String,
    /// Path of the JSON description given to the suites in [`ENV`].
    pub description: PathBuf,
}

impl Drop for Keycloak {
    fn drop(&mut self) {
        let pid = self.child.id();
        // SIGTERM to the process we started (kc.sh execs java: same PID), then SIGKILL.
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                eprintln!("xtask: Keycloak (PID {pid}) stopped");
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        eprintln!("xtask: Keycloak (PID {pid}) killed");
    }
}

/// Every listening TCP socket of `pid` (from `ss -ltnp`), as `addr:port` strings.
fn listening(pid: u32) -> Vec<String> {
    let Ok(out) = Command::new("ss").args(["-H", "-ltnp"]).output() else {
        return Vec::new();
    };
    let tag = format!("pid={pid},");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains(&tag))
        .filter_map(|l| l.split_whitespace().nth(3).map(str::to_owned))
        .collect()
}

fn is_loopback(addr: &str) -> bool {
    addr.starts_with("127.") || addr.starts_with("[::ffff:127.") || addr.starts_with("[::1]")
}

/// Starts Keycloak for `pki` (the test PKI of [`crate::testpki::ensure`]) and waits until
/// the realm answers. Fails if it listens anywhere but the loopback.
pub fn start(pki_manifest: &Path) -> Result<Keycloak> {
    let t0 = Instant::now();
    let java = find_java21()?;
    let home = home()?;
    let pki_dir = pki_manifest
        .parent()
        .ok_or("manifesto da PKI sem diretório")?;
    let m: serde_json::Value = serde_json::from_slice(
        &std::fs::read(pki_manifest).map_err(|e| format!("{pki_manifest:?}: {e}"))?,
    )
    .map_err(|e| e.to_string())?;
    let ecnpj_der = std::fs::read(m["ecnpj"]["certDer"].as_str().unwrap_or_default())
        .map_err(|e| format!("e-CNPJ: {e}"))?;
    let chain_pem = PathBuf::from(m["chainPem"].as_str().unwrap_or_default());
    let run_dir = kc_dir().join("run");
    let _ = std::fs::remove_dir_all(&run_dir);
    std::fs::create_dir_all(&run_dir).map_err(|e| e.to_string())?;
    let tls = TlsServer::generate_in(pki_dir, &run_dir.join("tls"))?;

    // The realm: the repository's template with this run's secret and the e-CNPJ's JWKS.
    let template = root().join("testdata/keycloak/realm-saude.json");
    let text = std::fs::read_to_string(&template).map_err(|e| format!("{template:?}: {e}"))?;
    let secret = random_hex(24)?;
    let ecnpj = sesgo_cert::Certificate::from_der(&ecnpj_der).map_err(|e| e.to_string())?;
    let jwks = sesgo_cert::public_jwks(std::slice::from_ref(&ecnpj))
        .map_err(|e| e.to_string())?
        .to_string();
    // JSON string inside the JSON file.
    let jwks_escaped = serde_json::to_string(&jwks).map_err(|e| e.to_string())?;
    let realm = text
        .replace("@SESGO_MTLS_SECRET@", &secret)
        .replace("\"@SESGO_ECNPJ_JWKS@\"", &jwks_escaped);
    let import = home.join("data/import");
    let _ = std::fs::remove_dir_all(&import);
    std::fs::create_dir_all(&import).map_err(|e| e.to_string())?;
    std::fs::write(import.join("saude.json"), realm).map_err(|e| e.to_string())?;

    let https_port = free_port()?;
    let http_port = free_port()?;
    let base = format!("https://127.0.0.1:{https_port}");
    let log = run_dir.join("keycloak.log");
    let logf = std::fs::File::create(&log).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(home.join("bin/kc.sh"));
    cmd.current_dir(&home)
        .env("JAVA_HOME", &java)
        .env(
            "PATH",
            format!(
                "{}:{}",
                java.join("bin").display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .args([
            "start-dev",
            "--db=dev-mem",
            "--import-realm",
            "--http-host=127.0.0.1",
            &format!("--http-port={http_port}"),
            &format!("--https-port={https_port}"),
            &format!("--hostname={base}"),
            "--https-client-auth=request",
            &format!("--https-certificate-file={}", tls.chain_pem.display()),
            &format!("--https-certificate-key-file={}", tls.key_pem.display()),
            &format!("--truststore-paths={}", chain_pem.display()),
            "--health-enabled=false",
            "--metrics-enabled=false",
        ])
        .stdin(Stdio::null())
        .stdout(logf.try_clone().map_err(|e| e.to_string())?)
        .stderr(logf);
    eprintln!(
        "xtask: starting Keycloak {VERSION} on {base} (log {})",
        log.display()
    );
    let child = cmd.spawn().map_err(|e| format!("kc.sh: {e}"))?;
    let mut kc = Keycloak {
        child,
        issuer: format!("{base}/realms/saude"),
        description: run_dir.join("keycloak.json"),
    };
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        if let Ok(Some(status)) = kc.child.try_wait() {
            return Err(format!("Keycloak saiu ({status}); veja {}", log.display()));
        }
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains(" started in ") && text.contains("Realm 'saude' imported") {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!(
                "Keycloak não subiu em 240 s; veja {}",
                log.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    TcpStream::connect(("127.0.0.1", https_port))
        .map_err(|e| format!("Keycloak não aceita conexões em {https_port}: {e}"))?;
    let sockets = listening(kc.child.id());
    if let Some(bad) = sockets.iter().find(|a| !is_loopback(a)) {
        return Err(format!(
            "Keycloak escuta fora do loopback ({bad}); parado. Sockets: {sockets:?}"
        ));
    }
    eprintln!(
        "xtask: Keycloak ready in {:.1} s, listening only on {sockets:?}",
        t0.elapsed().as_secs_f64()
    );
    let description = json!({
        "issuer": kc.issuer,
        "tokenEndpoint": format!("{}/protocol/openid-connect/token", kc.issuer),
        "caPem": tls.root_pem,
        "serverChainPem": tls.chain_pem,
        "pkiManifest": pki_manifest,
        "mtlsClient": {"clientId": MTLS_CLIENT, "secret": secret},
        "jwtClient": {"clientId": JWT_CLIENT},
        "log": log,
    });
    std::fs::write(
        &kc.description,
        serde_json::to_string_pretty(&description).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    Ok(kc)
}

/// One suite run against the live Keycloak: (its description, the PKI manifest).
type Suite = fn(&Path, &Path) -> Result;

/// `cargo xtask test keycloak`: one Keycloak for every suite that needs it — the Rust
/// facade tests, the CLI, and one token through each binding (C, Python, Java).
pub fn test_keycloak() -> Result {
    let manifest = crate::testpki::ensure()?;
    let kc = start(&manifest)?;
    let mut timings = Vec::new();
    let mut result = Ok(());
    let suites: [(&str, Suite); 5] = [
        ("rust (facade)", rust_suite),
        ("cli", cli_suite),
        ("c", c_suite),
        ("python", python_suite),
        ("java", java_suite),
    ];
    // SESGO_KEYCLOAK_SUITES=c,python runs only those (while developing); default: all.
    let only = std::env::var("SESGO_KEYCLOAK_SUITES").ok();
    for (name, suite) in suites {
        if let Some(only) = &only {
            if !only.split(',').any(|o| name.starts_with(o.trim())) {
                continue;
            }
        }
        let t = Instant::now();
        let r = suite(&kc.description, &manifest);
        timings.push(format!("{name} {:.1} s", t.elapsed().as_secs_f64()));
        if let Err(e) = r {
            result = Err(format!("keycloak suite {name}: {e}"));
            break;
        }
    }
    eprintln!("xtask: keycloak suites: {}", timings.join(", "));
    drop(kc);
    result
}

fn description(kc: &Path) -> Result<serde_json::Value> {
    serde_json::from_slice(&std::fs::read(kc).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())
}

fn rust_suite(kc: &Path, manifest: &Path) -> Result {
    let mut c = crate::cargo();
    c.args([
        "test",
        "-p",
        "sesgo",
        "--test",
        "keycloak",
        "--",
        "--ignored",
    ])
    .env(ENV, kc)
    .env(crate::testpki::ENV, manifest);
    run(c)
}

/// `sesgo token` in both variants, as a script would run it.
fn cli_suite(kc: &Path, manifest: &Path) -> Result {
    let mut c = crate::cargo();
    c.args(["build", "-p", "sesgo-cli"]);
    run(c)?;
    let exe = crate::ctest::target_dir().join("debug/sesgo");
    let d = description(kc)?;
    let m = description(manifest)?;
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let variants: [Vec<String>; 2] = [
        vec![
            "--issuer".into(),
            s(&d["issuer"]),
            "--client-id".into(),
            s(&d["mtlsClient"]["clientId"]),
            "--client-secret-env".into(),
            "SESGO_KC_SECRET".into(),
        ],
        vec![
            "--token-endpoint".into(),
            s(&d["tokenEndpoint"]),
            "--client-id".into(),
            s(&d["jwtClient"]["clientId"]),
            "--assertion".into(),
        ],
    ];
    for args in variants {
        let out = Command::new(&exe)
            .arg("token")
            .args(&args)
            .args([
                "--p12",
                &s(&m["p12Ecnpj"]),
                "--password-env",
                "SESGO_KC_P12_PASSWORD",
            ])
            .args(["--ca-certs", &s(&d["caPem"])])
            .env("SESGO_KC_SECRET", s(&d["mtlsClient"]["secret"]))
            .env("SESGO_KC_P12_PASSWORD", s(&m["password"]))
            .output()
            .map_err(|e| format!("{}: {e}", exe.display()))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let v: serde_json::Value = serde_json::from_str(&stdout)
            .map_err(|e| format!("sesgo token {args:?}: stdout is not JSON ({e}): {stdout}"))?;
        let token = v["access_token"].as_str().unwrap_or_default();
        if !out.status.success() || token.is_empty() {
            return Err(format!("sesgo token {args:?} failed: {stdout} {stderr}"));
        }
        if stderr.contains(token) || !stderr.contains("vinculado ao certificado") {
            return Err(format!(
                "sesgo token: stderr must be redacted and bound: {stderr}"
            ));
        }
        eprintln!("xtask: sesgo token {}: {}", args[0], stderr.trim());
    }
    Ok(())
}

/// The e-CNPJ's `x5t#S256`, computed with openssl (independent of sesgo).
fn openssl_x5t(cert_pem: &str) -> Result<String> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "openssl x509 -in '{cert_pem}' -outform der | openssl dgst -sha256 -binary | basenc --base64url"
        ))
        .output()
        .map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .trim()
        .trim_end_matches('=')
        .to_owned())
}

fn c_suite(kc: &Path, manifest: &Path) -> Result {
    let (libdir, native) = crate::ctest::build_lib("debug")?;
    let d = description(kc)?;
    let m = description(manifest)?;
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let out_dir = crate::ctest::target_dir().join("c-tests");
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    let exe = out_dir.join("test_token-static");
    let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()));
    cc.args([
        "-std=c11",
        "-Wall",
        "-Wextra",
        "-Wpedantic",
        "-Werror",
        "-g",
    ])
    .arg(format!("-I{}", root().join("include").display()))
    .arg(root().join("bindings/c/tests/keycloak/test_token.c"))
    .arg(libdir.join("libsesgo.a"))
    .args(["-lcrypto", "-lpthread"])
    .args(&native)
    .arg("-o")
    .arg(&exe);
    run(cc)?;
    let mut t = Command::new(&exe);
    t.env("SESGO_KC_ISSUER", s(&d["issuer"]))
        .env("SESGO_KC_TOKEN_ENDPOINT", s(&d["tokenEndpoint"]))
        .env("SESGO_KC_SECRET", s(&d["mtlsClient"]["secret"]))
        .env("SESGO_KC_CA_PEM", s(&d["caPem"]))
        .env("SESGO_KC_X5T", openssl_x5t(&s(&m["ecnpj"]["certPem"]))?)
        .env("SESGO_TEST_P12", s(&m["p12Ecnpj"]))
        .env("SESGO_TEST_PASSWORD", s(&m["password"]));
    run(t)
}

fn python_suite(kc: &Path, manifest: &Path) -> Result {
    let wheel = crate::python::build_wheel(false, false)?;
    let venv = crate::ctest::target_dir().join("py-keycloak-venv");
    let host = crate::python_env()?;
    let mut c = Command::new(&host);
    c.args(["-m", "venv", "--clear"]).arg(&venv);
    run(c)?;
    let py = venv.join("bin/python");
    let mut c = Command::new(&py);
    c.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ])
    .arg(&wheel)
    .arg("pytest==9.2.0");
    run(c)?;
    let mut c = Command::new(&py);
    c.current_dir(&venv)
        .env(ENV, kc)
        .env(crate::testpki::ENV, manifest)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(root().join("bindings/python/tests/test_token_keycloak.py"));
    run(c)
}

fn java_suite(kc: &Path, manifest: &Path) -> Result {
    crate::java::build_jar(false)?;
    let mut c = Command::new(std::env::var("MVN").unwrap_or_else(|_| "mvn".into()));
    c.current_dir(root().join("bindings/java"))
        .args([
            "-B",
            "-q",
            "test",
            "-Dtest=TokenKeycloakTest",
            "-Dsurefire.failIfNoSpecifiedTests=false",
        ])
        .env(ENV, kc)
        .env(crate::testpki::ENV, manifest);
    run(c)
}
