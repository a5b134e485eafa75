//! RFC 3161 time-stamp authorities over the test PKI (issue 20): `openssl ts -reply` with
//! a TSA certificate issued by the test AC (critical EKU `timeStamping`), a TSA whose chain
//! ends at the untrusted foreign root, and a signer without the critical EKU (whose tokens
//! `openssl cms -sign` makes, since `openssl ts -reply` itself refuses such a signer).
//!
//! Nothing here listens on a socket: [`TestTsa::reply`] runs `openssl ts -reply` once per
//! query, and [`TestTsa::reply_command`] gives the same command for an HTTP front that
//! pipes each POSTed body through it.

use super::{io, PkiCert, TestPki};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// The policy OID the test TSAs put in every token (an arc under a private enterprise number: not an ICP-Brasil TSA policy).
pub const TSA_POLICY: &str = "1.3.6.1.4.1.55555.20.1";
/// A second policy the test TSAs grant when asked for it.
pub const TSA_OTHER_POLICY: &str = "1.3.6.1.4.1.55555.20.2";
/// A policy the test TSAs refuse (`rejection`, `unacceptedPolicy`).
pub const TSA_REFUSED_POLICY: &str = "1.3.6.1.4.1.55555.20.9";

/// One time-stamping unit: its certificate, key and the certificates it sends.
#[derive(Debug, Clone)]
pub struct TsaUnit {
    /// The `tsa_config` section of [`TestTsa::config`] for this unit.
    pub section: String,
    /// Its certificate and key.
    pub cert: PkiCert,
    /// PEM file of the certificates included in tokens (the chain above the unit).
    pub certs_pem: PathBuf,
}

/// The test TSAs of one [`TestPki`].
#[derive(Debug, Clone)]
pub struct TestTsa {
    /// Directory holding the configuration, keys and serial files.
    pub dir: PathBuf,
    /// `openssl ts` configuration with one section per unit.
    pub config: PathBuf,
    /// TSA issued by the test issuing AC (`TestPki::tsa`): trusted with the test root.
    pub good: TsaUnit,
    /// TSA issued by the foreign self-signed root: untrusted.
    pub foreign: TsaUnit,
    /// Issued by the test issuing AC with a **non-critical** EKU `timeStamping`.
    pub no_critical_eku: TsaUnit,
    /// TLS server certificate for 127.0.0.1 / ::1 / localhost (issued by the test AC), for
    /// an HTTPS front of the TSA: PEM chain (server, AC2, AC1) ...
    pub https_chain_pem: PathBuf,
    /// ... and its key (PEM). Clients trust the test root.
    pub https_key_pem: PathBuf,
}

static SHARED: OnceLock<TestTsa> = OnceLock::new();
static COUNTER: AtomicU64 = AtomicU64::new(0);

const EXT: &str = "\
[ ext_tsa_no_critical_eku ]
basicConstraints       = CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = timeStamping
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ ext_tsa_foreign ]
basicConstraints       = CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = critical, timeStamping
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
";

fn run(dir: &Path, args: &[&str]) -> super::GenResult<Vec<u8>> {
    run_program("openssl", dir, args)
}

fn run_program(program: &str, dir: &Path, args: &[&str]) -> super::GenResult<Vec<u8>> {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(format!(
            "{program} {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

impl TestTsa {
    /// The TSAs of [`TestPki::shared`], generated once per process.
    ///
    /// # Panics
    /// If generation fails (no `openssl` CLI). Test support only.
    pub fn shared() -> &'static TestTsa {
        SHARED.get_or_init(|| match TestTsa::generate(TestPki::shared()) {
            Ok(t) => t,
            Err(e) => panic!("test TSA generation failed: {e}"),
        })
    }

    /// Generates the units into `pki.dir/tsa-units` (must not exist yet).
    pub fn generate(pki: &TestPki) -> super::GenResult<TestTsa> {
        let dir = pki.dir.join("tsa-units");
        std::fs::create_dir_all(&dir).map_err(io)?;
        let ext = dir.join("ext.cnf");
        std::fs::write(&ext, EXT).map_err(io)?;
        let s = |p: &Path| p.display().to_string();
        let ac2 = pki.dir.join("ca-ac2");
        // Issues `name` with `ext_section`, signed by (ca_pem, ca_key).
        let issue = |name: &str,
                     cn: &str,
                     section: &str,
                     ca_pem: &Path,
                     ca_key: &Path|
         -> super::GenResult<PkiCert> {
            let key = dir.join(format!("{name}.key"));
            let csr = dir.join(format!("{name}.csr"));
            let pem = dir.join(format!("{name}.pem"));
            run(
                &dir,
                &[
                    "genpkey",
                    "-algorithm",
                    "RSA",
                    "-pkeyopt",
                    "rsa_keygen_bits:2048",
                    "-out",
                    &s(&key),
                ],
            )?;
            let subj = format!("/C=BR/O=ICP-Brasil/OU=TESTE/CN={cn}");
            run(
                &dir,
                &[
                    "req",
                    "-new",
                    "-key",
                    &s(&key),
                    "-subj",
                    &subj,
                    "-out",
                    &s(&csr),
                ],
            )?;
            run(
                &dir,
                &[
                    "x509",
                    "-req",
                    "-in",
                    &s(&csr),
                    "-CA",
                    &s(ca_pem),
                    "-CAkey",
                    &s(ca_key),
                    "-CAcreateserial",
                    "-days",
                    "365",
                    "-sha256",
                    "-extfile",
                    &s(&ext),
                    "-extensions",
                    section,
                    "-out",
                    &s(&pem),
                ],
            )?;
            let text = std::fs::read_to_string(&pem).map_err(io)?;
            let (_, der) = der::pem::decode_vec(text.as_bytes()).map_err(io)?;
            let der_path = dir.join(format!("{name}.der"));
            std::fs::write(&der_path, &der).map_err(io)?;
            Ok(PkiCert {
                cert_pem: pem,
                cert_der_path: der_path,
                der,
                key_pem: key,
            })
        };
        let no_eku = issue(
            "tsa-no-critical-eku",
            "SCT TESTE EKU NAO CRITICA",
            "ext_tsa_no_critical_eku",
            &pki.ac2.cert_pem,
            &ac2.join("key.pem"),
        )?;
        let foreign = issue(
            "tsa-foreign",
            "SCT ESTRANGEIRA NAO CONFIAVEL",
            "ext_tsa_foreign",
            &pki.foreign_root.cert_pem,
            &pki.foreign_root.key_pem,
        )?;
        let https = super::TlsServer::generate(pki, &dir.join("https"))?;
        let cat = |name: &str, certs: &[&PkiCert]| -> super::GenResult<PathBuf> {
            let mut all = String::new();
            for c in certs {
                all.push_str(&std::fs::read_to_string(&c.cert_pem).map_err(io)?);
            }
            let p = dir.join(name);
            std::fs::write(&p, all).map_err(io)?;
            Ok(p)
        };
        let unit =
            |section: &str, cert: PkiCert, above: &[&PkiCert]| -> super::GenResult<TsaUnit> {
                let certs_pem = cat(&format!("{section}-certs.pem"), above)?;
                std::fs::write(dir.join(format!("{section}.serial")), "01\n").map_err(io)?;
                Ok(TsaUnit {
                    section: section.into(),
                    cert,
                    certs_pem,
                })
            };
        let good = unit(
            "tsa_good",
            pki.tsa.clone(),
            &[&pki.ac2, &pki.ac1, &pki.root],
        )?;
        let foreign = unit("tsa_foreign", foreign, &[&pki.foreign_root])?;
        let no_critical_eku = unit(
            "tsa_no_critical_eku",
            no_eku,
            &[&pki.ac2, &pki.ac1, &pki.root],
        )?;
        let mut cnf = String::from("[ tsa ]\ndefault_tsa = tsa_good\n");
        for u in [&good, &foreign, &no_critical_eku] {
            cnf.push_str(&format!(
                "[ {sec} ]\nserial = {dir}/{sec}.serial\ncrypto_device = builtin\nsigner_cert = {cert}\ncerts = {certs}\nsigner_key = {key}\nsigner_digest = sha256\ndefault_policy = {TSA_POLICY}\nother_policies = {TSA_OTHER_POLICY}\ndigests = sha256, sha384, sha512\nordering = no\ntsa_name = yes\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n",
                sec = u.section,
                dir = s(&dir),
                cert = s(&u.cert.cert_pem),
                certs = s(&u.certs_pem),
                key = s(&u.cert.key_pem),
            ));
        }
        let config = dir.join("tsa.cnf");
        std::fs::write(&config, cnf).map_err(io)?;
        Ok(TestTsa {
            dir,
            config,
            good,
            foreign,
            no_critical_eku,
            https_chain_pem: https.chain_pem,
            https_key_pem: https.key_pem,
        })
    }

    /// The shell command of an HTTP route serving `unit` (sesgo-testserver's `--post`):
    /// the POSTed query in `$SESGO_REQUEST`, the `TimeStampResp` to `$SESGO_RESPONSE`.
    ///
    /// Like [`TestTsa::reply`], the command holds the unit's serial lock (`flock(1)`) while
    /// `openssl ts -reply` rewrites the serial file: a reply read from a half-written file
    /// is a `rejection` (OpenSSL's "Error during serial number generation.").
    pub fn shell_command(&self, unit: &TsaUnit) -> String {
        format!(
            "flock '{}' openssl ts -reply -config '{}' -section {} -queryfile \"$SESGO_REQUEST\" -out \"$SESGO_RESPONSE\" 2>/dev/null",
            self.serial_lock(unit).display(),
            self.config.display(),
            unit.section
        )
    }

    /// The file whose `flock(2)` lock every `openssl ts -reply` of `unit` holds: replies from
    /// this process and from HTTP fronts running [`TestTsa::shell_command`] rewrite one
    /// serial file.
    pub fn serial_lock(&self, unit: &TsaUnit) -> PathBuf {
        self.dir.join(format!("{}.lock", unit.section))
    }

    /// The command an HTTP front runs per request: `openssl ts -reply` reading the query
    /// from `query_file` and writing the `TimeStampResp` to `response_file`.
    pub fn reply_command(
        &self,
        unit: &TsaUnit,
        query_file: &Path,
        response_file: &Path,
    ) -> Vec<String> {
        [
            "openssl",
            "ts",
            "-reply",
            "-config",
            &self.config.display().to_string(),
            "-section",
            &unit.section,
            "-queryfile",
            &query_file.display().to_string(),
            "-out",
            &response_file.display().to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    /// A DER `TimeStampResp` for the DER `query` from `unit` (`openssl ts -reply`).
    pub fn reply(&self, unit: &TsaUnit, query: &[u8]) -> super::GenResult<Vec<u8>> {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let q = self.dir.join(format!("q-{}-{n}.tsq", std::process::id()));
        let r = self.dir.join(format!("r-{}-{n}.tsr", std::process::id()));
        std::fs::write(&q, query).map_err(io)?;
        let cmd = self.reply_command(unit, &q, &r);
        {
            // `openssl ts -reply` rewrites the unit's serial file: under the unit's lock,
            // shared with HTTP fronts running `shell_command`.
            let lock = self.serial_lock(unit).display().to_string();
            let args: Vec<&str> = [lock.as_str(), "openssl"]
                .into_iter()
                .chain(cmd.iter().skip(1).map(String::as_str))
                .collect();
            run_program("flock", &self.dir, &args)?;
        }
        let out = std::fs::read(&r).map_err(io)?;
        let _ = std::fs::remove_file(&q);
        let _ = std::fs::remove_file(&r);
        Ok(out)
    }

    /// A DER TimeStampToken over `tst_info` (DER `TSTInfo`) signed by `unit` with
    /// `openssl cms -sign`, which checks no key purpose and adds no ESS attribute: the way
    /// to obtain a token from a signer `openssl ts -reply` refuses.
    pub fn cms_token(&self, unit: &TsaUnit, tst_info: &[u8]) -> super::GenResult<Vec<u8>> {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let i = self.dir.join(format!("tst-{}-{n}.der", std::process::id()));
        let o = self.dir.join(format!("tok-{}-{n}.der", std::process::id()));
        std::fs::write(&i, tst_info).map_err(io)?;
        let s = |p: &Path| p.display().to_string();
        run(
            &self.dir,
            &[
                "cms",
                "-sign",
                "-binary",
                "-nodetach",
                "-econtent_type",
                "1.2.840.113549.1.9.16.1.4",
                "-md",
                "sha256",
                "-in",
                &s(&i),
                "-signer",
                &s(&unit.cert.cert_pem),
                "-inkey",
                &s(&unit.cert.key_pem),
                "-certfile",
                &s(&unit.certs_pem),
                "-outform",
                "DER",
                "-out",
                &s(&o),
            ],
        )?;
        let out = std::fs::read(&o).map_err(io)?;
        let _ = std::fs::remove_file(&i);
        let _ = std::fs::remove_file(&o);
        Ok(out)
    }
}
