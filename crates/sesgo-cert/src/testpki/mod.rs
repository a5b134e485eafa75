//! A throw-away ICP-Brasil-like test PKI, generated with the `openssl` CLI on every call
//! (feature `test-pki`).
//!
//! Nothing here is trusted by anyone: names say `TESTE` / `NAO CONFIAVEL`. Dates are relative to
//! the current clock, so nothing in the repository can expire. Requires `openssl` (3.x) on `PATH`.
//!
//! Hierarchy: root (RSA-4096, sha512WithRSA) → "AC TESTE Nivel 1 v1" (sha512) → "AC TESTE
//! Assinatura G1" (sha384, pathlen 0) → RSA-2048 end entities signed with sha256WithRSA.
//!
//! [`ChainVariants`] derives, from the same keys, chains that each break exactly one RFC 5280
//! path-validation rule (ADR 0030).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

mod online;
mod variants;
pub use online::PkiOptions;
pub use variants::{ChainVariants, DerChain};

const CONFIG: &str = include_str!("openssl-icp.cnf");

/// Password of every PKCS#12 file and of the encrypted PKCS#8 key.
pub const PASSWORD: &str = "teste123";

/// Alias (friendlyName) of the key entry in the e-CPF PKCS#12 files.
pub const ECPF_ALIAS: &str = "ecpf teste";

/// Alias (friendlyName) given to the issuing CA certificate (no key) in the e-CPF PKCS#12 files.
pub const CA_ALIAS: &str = "ac teste assinatura";

/// One generated certificate and its private key.
#[derive(Debug, Clone)]
pub struct PkiCert {
    /// Certificate, PEM file.
    pub cert_pem: PathBuf,
    /// Certificate, DER file.
    pub cert_der_path: PathBuf,
    /// Certificate DER bytes.
    pub der: Vec<u8>,
    /// Private key, plain PEM PKCS#8.
    pub key_pem: PathBuf,
}

/// Every artefact of one generated test PKI.
#[derive(Debug, Clone)]
pub struct TestPki {
    /// Output directory (unique per generation).
    pub dir: PathBuf,
    /// Password of the PKCS#12 files and of the encrypted PKCS#8 key.
    pub password: String,
    /// Self-signed test root (RSA-4096, sha512WithRSA).
    pub root: PkiCert,
    /// First-level AC.
    pub ac1: PkiCert,
    /// Issuing AC (pathlen 0).
    pub ac2: PkiCert,
    /// Lower-case hex SHA-256 of the root's DER.
    pub root_sha256: String,
    /// e-CPF, policy A3 `2.16.76.1.2.3.9999`, otherNames as OCTET STRING, CPF 12345678909.
    pub ecpf: PkiCert,
    /// e-CPF, policy A1, otherNames as PrintableString, CPF 52998224725.
    pub ecpf_printable: PkiCert,
    /// e-CPF, non-conformant: `2.16.76.1.3.1` as UTF8String, 37 chars, CPF 11144477735.
    pub ecpf_utf8: PkiCert,
    /// e-CPF whose `CN=NAME:CPF` (11144477735) disagrees with the SAN CPF (12345678909).
    pub ecpf_cn_mismatch: PkiCert,
    /// e-CNPJ, policy A1, otherNames `.3.4`, `.3.2`, `.3.3` (11222333000181), `.3.7`.
    pub ecnpj: PkiCert,
    /// e-seal SE-S (`2.16.76.1.2.201.9999`), CNPJ 11222333000181.
    pub eseal: PkiCert,
    /// e-CPF revoked (keyCompromise) and listed in [`TestPki::crl_ac2_der`].
    pub ecpf_revoked: PkiCert,
    /// e-CPF with an RSA-1024 key.
    pub weak_key: PkiCert,
    /// e-CPF whose only policy is `2.999.1.1` (not ICP-Brasil).
    pub no_icp_policy: PkiCert,
    /// e-CPF without `digitalSignature` in keyUsage.
    pub no_digital_signature: PkiCert,
    /// e-CPF with `notBefore` = 2025-06-01 (before minCertIssueDate 2025-07-01).
    pub issued_too_early: PkiCert,
    /// OCSP responder signer (EKU OCSPSigning).
    pub ocsp: PkiCert,
    /// Time-stamping unit (critical EKU timeStamping, policy T3).
    pub tsa: PkiCert,
    /// A self-signed root nobody trusts.
    pub foreign_root: PkiCert,
    /// An e-CPF-like leaf issued directly by [`TestPki::foreign_root`].
    pub foreign_leaf: PkiCert,
    /// PEM bundle: ac2, ac1, root.
    pub chain_pem: PathBuf,
    /// The [`PkiOptions::base_url`] the certificates' AIA, OCSP and CRL URLs point under
    /// (`None`: fixed, unreachable URLs).
    pub base_url: Option<String>,
    /// CRL of the issuing AC (DER), listing the revoked e-CPF.
    pub crl_ac2_der: PathBuf,
    /// e-CPF PKCS#12, PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC, SHA-256 MAC (OpenSSL 3 default).
    pub p12_aes: PathBuf,
    /// e-CPF PKCS#12, pbeWithSHAAnd3-KeyTripleDES-CBC everywhere, SHA-1 MAC.
    pub p12_3des: PathBuf,
    /// e-CPF PKCS#12, `openssl -legacy`: certs RC2-40, key 3DES, SHA-1 MAC.
    pub p12_rc2: PathBuf,
    /// PKCS#12 holding only the e-CPF certificate (no key), alias [`ECPF_ALIAS`].
    pub p12_cert_only: PathBuf,
    /// e-CNPJ PKCS#12 (PBES2/AES-256).
    pub p12_ecnpj: PathBuf,
    /// e-CPF key as encrypted PEM PKCS#8 (PBES2/AES-256-CBC).
    pub key_pkcs8_encrypted: PathBuf,
    /// e-CPF key as PEM PKCS#1 (`BEGIN RSA PRIVATE KEY`).
    pub key_pkcs1: PathBuf,
}

/// Error while generating the PKI (openssl missing or failing).
pub type GenResult<T> = std::result::Result<T, String>;

static SHARED: OnceLock<TestPki> = OnceLock::new();
static COUNTER: AtomicU64 = AtomicU64::new(0);

impl TestPki {
    /// One PKI per process, generated on first use in a fresh temporary directory.
    ///
    /// # Panics
    /// If the PKI cannot be generated (no `openssl` CLI). Test support only.
    pub fn shared() -> &'static TestPki {
        SHARED.get_or_init(|| match TestPki::generate_in_temp() {
            Ok(p) => p,
            Err(e) => panic!("test PKI generation failed: {e}"),
        })
    }

    /// Generates a fresh PKI in a new unique directory under the system temp dir.
    pub fn generate_in_temp() -> GenResult<TestPki> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("sesgo-testpki-{}-{nanos}-{n}", std::process::id()));
        TestPki::generate(&dir)
    }

    /// Generates a fresh PKI into `dir` (created; must not already contain a PKI).
    pub fn generate(dir: &Path) -> GenResult<TestPki> {
        Gen::new(dir)?.run_all()
    }

    /// Generates a fresh PKI into `dir` with `options` (e.g. AIA, OCSP and CRL URLs under
    /// [`PkiOptions::base_url`]; see [`TestPki::write_web_root`]).
    pub fn generate_with(dir: &Path, options: &PkiOptions) -> GenResult<TestPki> {
        let mut pki = Gen::with_config(dir, &online::config(options))?.run_all()?;
        pki.base_url = options.base_url.clone();
        Ok(pki)
    }

    /// Writes `dir/ACcompactado.zip` in ITI's shape (one PEM `.crt` per AC: the two test
    /// ACs and the root) and its `dir/hashsha512.txt` (`sha512sum` format); returns the
    /// archive's path. For [`crate::iti`] and `TrustStore::with_ac_archive_files`.
    pub fn write_ac_archive(&self, dir: &Path) -> GenResult<PathBuf> {
        use sha2::Sha512;
        use std::io::Write;
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, cert) in [
            ("AC TESTE Assinatura G1.crt", &self.ac2),
            ("AC TESTE Nivel 1 v1.crt", &self.ac1),
            ("AC Raiz TESTE.crt", &self.root),
        ] {
            zip.start_file(name, zip::write::SimpleFileOptions::default())
                .map_err(io)?;
            zip.write_all(&std::fs::read(&cert.cert_pem).map_err(io)?)
                .map_err(io)?;
        }
        let bytes = zip.finish().map_err(io)?.into_inner();
        let hash: String = Sha512::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let path = dir.join("ACcompactado.zip");
        std::fs::write(&path, &bytes).map_err(io)?;
        std::fs::write(
            dir.join("hashsha512.txt"),
            format!("{hash}  ACcompactado.zip\n"),
        )
        .map_err(io)?;
        Ok(path)
    }

    /// Root, intermediates and every leaf, for pools.
    pub fn ca_ders(&self) -> Vec<Vec<u8>> {
        vec![
            self.ac2.der.clone(),
            self.ac1.der.clone(),
            self.root.der.clone(),
        ]
    }
}

struct Gen {
    dir: PathBuf,
}

fn io(e: impl std::fmt::Display) -> String {
    e.to_string()
}

const DN_ROOT: &str = "/C=BR/O=ICP-Brasil/OU=Instituto Nacional de Tecnologia da Informacao - ITI TESTE/CN=AC Raiz TESTE ICP-Brasil NAO CONFIAVEL v1";
const DN_AC1: &str =
    "/C=BR/O=ICP-Brasil/OU=AC Raiz TESTE ICP-Brasil NAO CONFIAVEL v1/CN=AC TESTE Nivel 1 v1";
const DN_AC2: &str = "/C=BR/O=ICP-Brasil/OU=AC TESTE Nivel 1 v1/CN=AC TESTE Assinatura G1";
const DN_EE: &str =
    "/C=BR/O=ICP-Brasil/OU=AC TESTE Assinatura G1/OU=00000000000191/OU=videoconferencia";

/// `YYYYMMDDHHMMSSZ` for a unix time.
fn gen_time(unix: i64) -> String {
    let (y, m, d, hh, mm, ss) = sesgo_core::time::civil(unix);
    format!("{y:04}{m:02}{d:02}{hh:02}{mm:02}{ss:02}Z")
}

impl Gen {
    fn new(dir: &Path) -> GenResult<Self> {
        Gen::with_config(dir, CONFIG)
    }

    fn with_config(dir: &Path, config: &str) -> GenResult<Self> {
        std::fs::create_dir_all(dir).map_err(io)?;
        for ca in ["ca-root", "ca-ac1", "ca-ac2"] {
            std::fs::create_dir_all(dir.join(ca).join("newcerts")).map_err(io)?;
            std::fs::write(dir.join(ca).join("index.txt"), "").map_err(io)?;
            std::fs::write(dir.join(ca).join("index.txt.attr"), "unique_subject = no\n")
                .map_err(io)?;
            std::fs::write(dir.join(ca).join("crlnumber"), "1000\n").map_err(io)?;
        }
        std::fs::write(dir.join("ca-root/serial"), "1000\n").map_err(io)?;
        std::fs::write(dir.join("ca-ac1/serial"), "2000\n").map_err(io)?;
        std::fs::write(dir.join("ca-ac2/serial"), "3000\n").map_err(io)?;
        for d in ["ee", "p12", "crl", "chain", "foreign"] {
            std::fs::create_dir_all(dir.join(d)).map_err(io)?;
        }
        std::fs::write(dir.join("openssl-icp.cnf"), config).map_err(io)?;
        Ok(Gen {
            dir: dir.to_path_buf(),
        })
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("openssl");
        c.args(args)
            .current_dir(&self.dir)
            .env("OPENSSL_CONF", self.dir.join("openssl-icp.cnf"))
            .stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str]) -> GenResult<()> {
        let out = self
            .cmd(args)
            .output()
            .map_err(|e| format!("cannot run openssl: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "openssl {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    fn spawn(&self, args: &[&str]) -> GenResult<Child> {
        self.cmd(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run openssl: {e}"))
    }

    fn cert(&self, base: &str) -> GenResult<PkiCert> {
        let pem = self.dir.join(format!("{base}.pem"));
        let der_path = self.dir.join(format!("{base}.der"));
        let text = std::fs::read_to_string(&pem).map_err(io)?;
        let (_, der) = der::pem::decode_vec(text.as_bytes()).map_err(io)?;
        std::fs::write(&der_path, &der).map_err(io)?;
        Ok(PkiCert {
            cert_pem: pem,
            cert_der_path: der_path,
            der,
            key_pem: self.dir.join(format!("{base}.key")),
        })
    }

    /// Issues `ee/<name>` from AC2 with the given extension section.
    fn issue(
        &self,
        name: &str,
        cn: &str,
        ext: &str,
        dates: Option<(&str, &str)>,
    ) -> GenResult<PkiCert> {
        let subj = format!("{DN_EE}/CN={cn}");
        let key = format!("ee/{name}.key");
        let csr = format!("ee/{name}.csr");
        let pem = format!("ee/{name}.pem");
        self.run(&[
            "req",
            "-config",
            "openssl-icp.cnf",
            "-new",
            "-key",
            &key,
            "-subj",
            &subj,
            "-out",
            &csr,
        ])?;
        let mut args = vec![
            "ca",
            "-config",
            "openssl-icp.cnf",
            "-name",
            "ca_ac2",
            "-batch",
            "-notext",
            "-extensions",
            ext,
            "-in",
            &csr,
            "-out",
            &pem,
        ];
        match dates {
            Some((s, e)) => args.extend_from_slice(&["-startdate", s, "-enddate", e]),
            None => args.extend_from_slice(&["-days", "365"]),
        }
        self.run(&args)?;
        self.cert(&format!("ee/{name}"))
    }

    fn run_all(&self) -> GenResult<TestPki> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        // 1. keys, in parallel
        let leaves2048 = [
            "ecpf",
            "ecpf-printable",
            "ecpf-utf8",
            "ecpf-cn-mismatch",
            "ecnpj",
            "eseal",
            "ecpf-revoked",
            "no-icp-policy",
            "no-digital-signature",
            "issued-too-early",
            "ocsp",
            "tsa",
        ];
        let mut jobs: Vec<(Child, String)> = Vec::new();
        let mut keygen = |out: String, bits: &str| -> GenResult<()> {
            let opt = format!("rsa_keygen_bits:{bits}");
            let child = self.spawn(&[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                &opt,
                "-out",
                &out,
            ])?;
            jobs.push((child, out));
            Ok(())
        };
        keygen("ca-root/cert.key".into(), "4096")?;
        keygen("ca-ac1/cert.key".into(), "2048")?;
        keygen("ca-ac2/cert.key".into(), "2048")?;
        keygen("foreign/root.key".into(), "2048")?;
        keygen("foreign/leaf.key".into(), "2048")?;
        keygen("ee/weak-key.key".into(), "1024")?;
        for l in leaves2048 {
            keygen(format!("ee/{l}.key"), "2048")?;
        }
        for (child, out) in jobs {
            let o = child.wait_with_output().map_err(io)?;
            if !o.status.success() {
                return Err(format!(
                    "genpkey {out} failed: {}",
                    String::from_utf8_lossy(&o.stderr)
                ));
            }
        }
        // `openssl ca` reads private_key = $dir/key.pem
        for ca in ["ca-root", "ca-ac1", "ca-ac2"] {
            std::fs::copy(
                self.dir.join(ca).join("cert.key"),
                self.dir.join(ca).join("key.pem"),
            )
            .map_err(io)?;
        }

        // 2. CAs
        self.run(&[
            "req",
            "-config",
            "openssl-icp.cnf",
            "-new",
            "-x509",
            "-key",
            "ca-root/key.pem",
            "-sha512",
            "-days",
            "4745",
            "-set_serial",
            "1",
            "-subj",
            DN_ROOT,
            "-extensions",
            "ext_root",
            "-out",
            "ca-root/cert.pem",
        ])?;
        self.run(&[
            "req",
            "-config",
            "openssl-icp.cnf",
            "-new",
            "-key",
            "ca-ac1/key.pem",
            "-subj",
            DN_AC1,
            "-out",
            "ca-ac1/req.pem",
        ])?;
        self.run(&[
            "ca",
            "-config",
            "openssl-icp.cnf",
            "-name",
            "ca_root",
            "-batch",
            "-notext",
            "-days",
            "3650",
            "-extensions",
            "ext_ac1",
            "-in",
            "ca-ac1/req.pem",
            "-out",
            "ca-ac1/cert.pem",
        ])?;
        self.run(&[
            "req",
            "-config",
            "openssl-icp.cnf",
            "-new",
            "-key",
            "ca-ac2/key.pem",
            "-subj",
            DN_AC2,
            "-out",
            "ca-ac2/req.pem",
        ])?;
        self.run(&[
            "ca",
            "-config",
            "openssl-icp.cnf",
            "-name",
            "ca_ac1",
            "-batch",
            "-notext",
            "-days",
            "3000",
            "-extensions",
            "ext_ac2",
            "-in",
            "ca-ac2/req.pem",
            "-out",
            "ca-ac2/cert.pem",
        ])?;
        let root = self.cert("ca-root/cert")?;
        let ac1 = self.cert("ca-ac1/cert")?;
        let ac2 = self.cert("ca-ac2/cert")?;
        let chain_pem = self.dir.join("chain/chain.pem");
        let mut bundle = String::new();
        for c in [&ac2, &ac1, &root] {
            bundle.push_str(&std::fs::read_to_string(&c.cert_pem).map_err(io)?);
        }
        std::fs::write(&chain_pem, bundle).map_err(io)?;

        // 3. end entities (DOC-ICP-04 7.1.4.1 subject, CN=NAME:CPF)
        let ecpf = self.issue(
            "ecpf",
            "FULANO DE TAL DA SILVA:12345678909",
            "ext_ecpf",
            None,
        )?;
        let ecpf_printable = self.issue(
            "ecpf-printable",
            "BELTRANA DE SOUZA:52998224725",
            "ext_ecpf_printable",
            None,
        )?;
        let ecpf_utf8 = self.issue(
            "ecpf-utf8",
            "CICLANO NAO CONFORME:11144477735",
            "ext_ecpf_utf8",
            None,
        )?;
        let ecpf_cn_mismatch = self.issue(
            "ecpf-cn-mismatch",
            "FULANO DIVERGENTE:11144477735",
            "ext_ecpf",
            None,
        )?;
        let ecnpj = self.issue(
            "ecnpj",
            "EMPRESA TESTE LTDA:11222333000181",
            "ext_ecnpj",
            None,
        )?;
        let eseal = self.issue(
            "eseal",
            "EMPRESA TESTE LTDA SELO:11222333000181",
            "ext_eseal",
            None,
        )?;
        let ecpf_revoked = self.issue(
            "ecpf-revoked",
            "FULANO REVOGADO:12345678909",
            "ext_ecpf",
            None,
        )?;
        let weak_key = self.issue(
            "weak-key",
            "FULANO CHAVE FRACA:12345678909",
            "ext_ecpf",
            None,
        )?;
        let no_icp_policy = self.issue(
            "no-icp-policy",
            "FULANO SEM POLITICA:12345678909",
            "ext_no_icp_policy",
            None,
        )?;
        let no_digital_signature = self.issue(
            "no-digital-signature",
            "FULANO SEM DS:12345678909",
            "ext_no_digital_signature",
            None,
        )?;
        let start = gen_time(1_748_736_000); // 2025-06-01T00:00:00Z
        let end = gen_time(now + 365 * 86_400);
        let issued_too_early = self.issue(
            "issued-too-early",
            "FULANO ANTIGO:12345678909",
            "ext_ecpf",
            Some((&start, &end)),
        )?;
        let ocsp = self.issue(
            "ocsp",
            "Respondedor OCSP AC TESTE Assinatura G1",
            "ext_ocsp",
            None,
        )?;
        let tsa = self.issue("tsa", "SCT TESTE 0001", "ext_tsa", None)?;

        // 4. revocation + CRL
        self.run(&[
            "ca",
            "-config",
            "openssl-icp.cnf",
            "-name",
            "ca_ac2",
            "-revoke",
            "ee/ecpf-revoked.pem",
            "-crl_reason",
            "keyCompromise",
        ])?;
        self.run(&[
            "ca",
            "-config",
            "openssl-icp.cnf",
            "-name",
            "ca_ac2",
            "-gencrl",
            "-crldays",
            "7",
            "-out",
            "crl/ac2.crl.pem",
        ])?;
        self.run(&[
            "crl",
            "-in",
            "crl/ac2.crl.pem",
            "-outform",
            "DER",
            "-out",
            "crl/ac2.crl",
        ])?;

        // 5. foreign hierarchy
        self.run(&[
            "req",
            "-config",
            "openssl-icp.cnf",
            "-new",
            "-x509",
            "-key",
            "foreign/root.key",
            "-sha256",
            "-days",
            "3650",
            "-set_serial",
            "7",
            "-subj",
            "/C=BR/O=Estrangeira/CN=Raiz Estrangeira NAO CONFIAVEL",
            "-extensions",
            "ext_foreign_root",
            "-out",
            "foreign/root.pem",
        ])?;
        self.run(&[
            "req",
            "-config",
            "openssl-icp.cnf",
            "-new",
            "-key",
            "foreign/leaf.key",
            "-subj",
            "/C=BR/O=ICP-Brasil/CN=FULANO ESTRANGEIRO:12345678909",
            "-out",
            "foreign/leaf.csr",
        ])?;
        self.run(&[
            "x509",
            "-req",
            "-in",
            "foreign/leaf.csr",
            "-CA",
            "foreign/root.pem",
            "-CAkey",
            "foreign/root.key",
            "-set_serial",
            "8",
            "-days",
            "365",
            "-sha256",
            "-extfile",
            "openssl-icp.cnf",
            "-extensions",
            "ext_foreign_leaf",
            "-out",
            "foreign/leaf.pem",
        ])?;
        let foreign_root = self.cert("foreign/root")?;
        let foreign_leaf = self.cert("foreign/leaf")?;

        // 6. PKCS#12 and key encodings
        let pass = format!("pass:{PASSWORD}");
        let common = |out: &'static str| -> Vec<String> {
            [
                "pkcs12",
                "-export",
                "-inkey",
                "ee/ecpf.key",
                "-in",
                "ee/ecpf.pem",
                "-certfile",
                "chain/chain.pem",
                "-name",
                ECPF_ALIAS,
                "-caname",
                CA_ALIAS,
                "-passout",
                &pass,
                "-out",
                out,
            ]
            .iter()
            .map(|s| s.to_string())
            .collect()
        };
        let mut aes = common("p12/ecpf-aes256.p12");
        aes.extend(
            [
                "-keypbe",
                "AES-256-CBC",
                "-certpbe",
                "AES-256-CBC",
                "-macalg",
                "sha256",
                "-iter",
                "2048",
            ]
            .map(String::from),
        );
        let mut tdes = common("p12/ecpf-3des.p12");
        tdes.extend(
            [
                "-keypbe",
                "PBE-SHA1-3DES",
                "-certpbe",
                "PBE-SHA1-3DES",
                "-macalg",
                "sha1",
                "-iter",
                "2048",
            ]
            .map(String::from),
        );
        let mut rc2 = common("p12/ecpf-rc2.p12");
        rc2.push("-legacy".into());
        for args in [aes, tdes, rc2] {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            self.run(&refs)?;
        }
        self.run(&[
            "pkcs12",
            "-export",
            "-nokeys",
            "-in",
            "ee/ecpf.pem",
            "-caname",
            ECPF_ALIAS,
            "-passout",
            &pass,
            "-out",
            "p12/cert-only.p12",
        ])?;
        self.run(&[
            "pkcs12",
            "-export",
            "-inkey",
            "ee/ecnpj.key",
            "-in",
            "ee/ecnpj.pem",
            "-certfile",
            "chain/chain.pem",
            "-name",
            "ecnpj teste",
            "-passout",
            &pass,
            "-out",
            "p12/ecnpj-aes256.p12",
        ])?;
        self.run(&[
            "pkcs8",
            "-topk8",
            "-in",
            "ee/ecpf.key",
            "-v2",
            "aes-256-cbc",
            "-passout",
            &pass,
            "-out",
            "ee/ecpf.enc.key",
        ])?;
        self.run(&[
            "rsa",
            "-in",
            "ee/ecpf.key",
            "-traditional",
            "-out",
            "ee/ecpf.pkcs1.key",
        ])?;

        let root_sha256 = hex(&Sha256::digest(&root.der));
        let d = &self.dir;
        Ok(TestPki {
            dir: d.clone(),
            password: PASSWORD.to_string(),
            root,
            ac1,
            ac2,
            root_sha256,
            ecpf,
            ecpf_printable,
            ecpf_utf8,
            ecpf_cn_mismatch,
            ecnpj,
            eseal,
            ecpf_revoked,
            weak_key,
            no_icp_policy,
            no_digital_signature,
            issued_too_early,
            ocsp,
            tsa,
            foreign_root,
            foreign_leaf,
            chain_pem,
            base_url: None,
            crl_ac2_der: d.join("crl/ac2.crl"),
            p12_aes: d.join("p12/ecpf-aes256.p12"),
            p12_3des: d.join("p12/ecpf-3des.p12"),
            p12_rc2: d.join("p12/ecpf-rc2.p12"),
            p12_cert_only: d.join("p12/cert-only.p12"),
            p12_ecnpj: d.join("p12/ecnpj-aes256.p12"),
            key_pkcs8_encrypted: d.join("ee/ecpf.enc.key"),
            key_pkcs1: d.join("ee/ecpf.pkcs1.key"),
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
