//! Shared test helpers: throw-away PKI made with the `openssl` CLI, the Python
//! cross-check interpreter, and a deterministic PRNG.
#![allow(dead_code)]
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use rsa::pkcs8::DecodePrivateKey;
use rsa::RsaPrivateKey;
use sesgo_cert::crypto::PrivateKey;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// A self-signed RSA-2048 test identity.
pub struct Ident {
    /// The product's key (OpenSSL behind the crypto boundary).
    pub key: PrivateKey,
    /// The same key in RustCrypto: an independent second RSA implementation (ADR 0066).
    pub oracle: RsaPrivateKey,
    pub cert_der: Vec<u8>,
    pub cert_path: PathBuf,
}

pub struct Pki {
    pub dir: PathBuf,
    pub a: Ident,
    pub b: Ident,
}

fn make_ident(dir: &Path, name: &str) -> Ident {
    let key = dir.join(format!("{name}.key.pem"));
    let cert = dir.join(format!("{name}.cert.der"));
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj"])
        .arg(format!("/CN={name}"))
        .args(["-days", "2", "-outform", "DER", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("the openssl CLI is required by the tests");
    assert!(
        out.status.success(),
        "openssl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pem = std::fs::read_to_string(&key).unwrap();
    Ident {
        key: PrivateKey::from_pkcs8_pem(&pem).expect("PKCS#8 key"),
        oracle: RsaPrivateKey::from_pkcs8_pem(&pem).expect("PKCS#8 key"),
        cert_der: std::fs::read(&cert).unwrap(),
        cert_path: cert,
    }
}

pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let dir = tmpdir("pki");
        let a = make_ident(&dir, "signer-a");
        let b = make_ident(&dir, "signer-b");
        Pki { dir, a, b }
    })
}

pub fn tmpdir(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "sesgo-jades-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs `script` with the interpreter named by `SESGO_PYTHON` (default `python3`).
/// Missing interpreter or packages is a test FAILURE, never a skip (CI installs them).
pub fn python(script: &str, args: &[&Path]) -> String {
    let py = std::env::var("SESGO_PYTHON").unwrap_or_else(|_| "python3".into());
    let check = Command::new(&py)
        .args(["-c", "import rfc8785, jwcrypto, cryptography"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run Python interpreter '{py}' (set SESGO_PYTHON): {e}"));
    assert!(
        check.status.success(),
        "the cross-check needs the Python packages rfc8785 and jwcrypto \
         (`pip install rfc8785 jwcrypto`) for '{py}': {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let out = Command::new(&py)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python cross-check failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// xorshift64* — deterministic, dependency-free.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub fn parse(s: &str) -> sesgo_core::json::Value {
    sesgo_core::json::parse_strict(s.as_bytes(), &sesgo_core::json::Limits::default()).unwrap()
}
