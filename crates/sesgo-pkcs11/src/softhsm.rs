//! Test support (feature `test-softhsm`): SoftHSM2 tokens in a temporary directory with
//! the test PKI's e-CPF key and certificate, made with `softhsm2-util` and `pkcs11-tool`
//! (opensc). Used by this crate's tests, the CLI's, and `cargo xtask testpki` (bindings).
//!
//! Tokens (all with user PIN [`USER_PIN`]):
//! - [`TOKEN`]: e-CPF key + certificate (`CKA_ID` [`KEY_ID`], label [`KEY_LABEL`]), the
//!   ACs and the root as further certificates; an EC key with a certificate (`CKA_ID`
//!   [`EC_KEY_ID`]).
//! - [`TOKEN_NO_CERT`]: the e-CPF key only.
//! - [`TOKEN_LOCKED`]: e-CPF key + certificate, user PIN locked. SoftHSM2 never locks a
//!   PIN by itself (it has no retry counter), so the fixture sets `CKF_USER_PIN_LOCKED`
//!   in the token's object store, which SoftHSM2 then reports in `C_GetTokenInfo` as a
//!   card would after its limit.

use sesgo_cert::testpki::TestPki;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// User PIN of every fixture token.
pub const USER_PIN: &str = "123456";
/// SO PIN of every fixture token.
pub const SO_PIN: &str = "12345678";
/// Label of the main token.
pub const TOKEN: &str = "sesgo-a3";
/// Label of the token holding a key without certificate.
pub const TOKEN_NO_CERT: &str = "sesgo-sem-cert";
/// Label of the token whose user PIN is locked.
pub const TOKEN_LOCKED: &str = "sesgo-bloqueado";
/// `CKA_ID` (hex) of the e-CPF key and certificate.
pub const KEY_ID: &str = "a1";
/// `CKA_LABEL` of the e-CPF key and certificate.
pub const KEY_LABEL: &str = "ecpf teste";
/// `CKA_ID` (hex) of the EC key (and a certificate with the same id).
pub const EC_KEY_ID: &str = "ec";

/// A SoftHSM2 installation with the fixture tokens.
#[derive(Debug, Clone)]
pub struct SoftHsm {
    /// The directory holding `softhsm2.conf` and `tokens/`.
    pub dir: PathBuf,
    /// `softhsm2.conf` (export it as `SOFTHSM2_CONF` before the module is first loaded).
    pub conf: PathBuf,
    /// Absolute path of `libsofthsm2.so`.
    pub module: PathBuf,
}

/// `libsofthsm2.so`: `SESGO_SOFTHSM_MODULE`, else the usual Debian/Fedora/Homebrew places.
pub fn module_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SESGO_SOFTHSM_MODULE") {
        return Some(PathBuf::from(p));
    }
    [
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib64/pkcs11/libsofthsm2.so",
        "/usr/local/lib/softhsm/libsofthsm2.so",
        "/opt/homebrew/lib/softhsm/libsofthsm2.so",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
}

fn run(cmd: &mut Command, conf: &Path) -> Result<String, String> {
    let out = cmd
        .env("SOFTHSM2_CONF", conf)
        .output()
        .map_err(|e| format!("{cmd:?}: {e} (instale softhsm2 e opensc)"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

impl SoftHsm {
    /// Creates the tokens in `dir` (created) from `pki`.
    pub fn create(dir: &Path, pki: &TestPki) -> Result<SoftHsm, String> {
        let module =
            module_path().ok_or("libsofthsm2.so não encontrada (apt-get install softhsm2)")?;
        let tokens = dir.join("tokens");
        std::fs::create_dir_all(&tokens).map_err(|e| format!("{}: {e}", tokens.display()))?;
        let conf = dir.join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n",
                tokens.display()
            ),
        )
        .map_err(|e| format!("{}: {e}", conf.display()))?;
        let hsm = SoftHsm {
            dir: dir.to_path_buf(),
            conf,
            module,
        };
        for label in [TOKEN, TOKEN_NO_CERT, TOKEN_LOCKED] {
            hsm.init_token(label)?;
            hsm.import_key(label, &pki.ecpf.key_pem, KEY_ID, KEY_LABEL)?;
        }
        for label in [TOKEN, TOKEN_LOCKED] {
            hsm.write_cert(label, &pki.ecpf.cert_der_path, KEY_ID, KEY_LABEL)?;
        }
        hsm.write_cert(TOKEN, &pki.ac2.cert_der_path, "b2", "ac2")?;
        hsm.write_cert(TOKEN, &pki.ac1.cert_der_path, "b1", "ac1")?;
        hsm.write_cert(TOKEN, &pki.root.cert_der_path, "b0", "raiz")?;
        // An EC key (P-256) and a certificate under the same id.
        let ec = dir.join("ec.key");
        run(
            Command::new("openssl")
                .args([
                    "genpkey",
                    "-algorithm",
                    "EC",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-out",
                ])
                .arg(&ec),
            &hsm.conf,
        )?;
        hsm.import_key(TOKEN, &ec, EC_KEY_ID, "chave ec")?;
        hsm.write_cert(TOKEN, &pki.ecpf.cert_der_path, EC_KEY_ID, "chave ec")?;
        hsm.lock_user_pin(TOKEN_LOCKED)?;
        Ok(hsm)
    }

    fn init_token(&self, label: &str) -> Result<(), String> {
        run(
            Command::new("softhsm2-util").args([
                "--init-token",
                "--free",
                "--label",
                label,
                "--pin",
                USER_PIN,
                "--so-pin",
                SO_PIN,
            ]),
            &self.conf,
        )
        .map(drop)
    }

    fn import_key(&self, token: &str, key: &Path, id: &str, label: &str) -> Result<(), String> {
        run(
            Command::new("softhsm2-util")
                .arg("--import")
                .arg(key)
                .args([
                    "--token", token, "--id", id, "--label", label, "--pin", USER_PIN,
                ]),
            &self.conf,
        )
        .map(drop)
    }

    fn write_cert(&self, token: &str, der: &Path, id: &str, label: &str) -> Result<(), String> {
        run(
            Command::new("pkcs11-tool")
                .arg("--module")
                .arg(&self.module)
                .args([
                    "--token-label",
                    token,
                    "--login",
                    "--pin",
                    USER_PIN,
                    "--write-object",
                ])
                .arg(der)
                .args(["--type", "cert", "--id", id, "--label", label]),
            &self.conf,
        )
        .map(drop)
    }

    /// Sets `CKF_USER_PIN_LOCKED` in the token's stored flags (`CKA_OS_TOKENFLAGS`).
    fn lock_user_pin(&self, label: &str) -> Result<(), String> {
        const CKA_OS_TOKENFLAGS: [u8; 8] = [0, 0, 0, 0, 0x80, 0, 0x53, 0x4b];
        const CKF_USER_PIN_LOCKED: u64 = 0x0004_0000;
        let tokens = self.dir.join("tokens");
        let mut padded = label.as_bytes().to_vec();
        padded.resize(32, b' ');
        let entries = std::fs::read_dir(&tokens).map_err(|e| e.to_string())?;
        for entry in entries.flatten() {
            let file = entry.path().join("token.object");
            let Ok(mut bytes) = std::fs::read(&file) else {
                continue;
            };
            if !bytes.windows(32).any(|w| w == padded.as_slice()) {
                continue;
            }
            let at = bytes
                .windows(8)
                .position(|w| w == CKA_OS_TOKENFLAGS)
                .ok_or("CKA_OS_TOKENFLAGS não encontrado em token.object")?;
            // type (8) | kind (8, 2 = unsigned long) | value (8, big-endian)
            let v = at + 16;
            let cur: [u8; 8] = bytes
                .get(v..v + 8)
                .and_then(|s| s.try_into().ok())
                .ok_or("token.object truncado")?;
            let flags = u64::from_be_bytes(cur) | CKF_USER_PIN_LOCKED;
            bytes.splice(v..v + 8, flags.to_be_bytes());
            return std::fs::write(&file, bytes).map_err(|e| e.to_string());
        }
        Err(format!(
            "token '{label}' não encontrado em {}",
            tokens.display()
        ))
    }

    /// One installation per process, in a fresh temporary directory, with
    /// `SOFTHSM2_CONF` exported (before any module load of this process).
    ///
    /// # Panics
    /// If SoftHSM2, opensc or openssl is missing. Test support only.
    pub fn shared() -> &'static SoftHsm {
        static SHARED: OnceLock<SoftHsm> = OnceLock::new();
        SHARED.get_or_init(|| {
            let pki = TestPki::shared();
            let dir = pki.dir.join("softhsm");
            match SoftHsm::create(&dir, pki) {
                Ok(h) => {
                    std::env::set_var("SOFTHSM2_CONF", &h.conf);
                    h
                }
                Err(e) => panic!("SoftHSM2 fixture: {e}"),
            }
        })
    }
}
