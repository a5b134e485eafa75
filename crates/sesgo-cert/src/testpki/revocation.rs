//! Revocation material for the test PKI (issue 19): the OCSP responder's database (the
//! issuing AC's openssl `index.txt`), a delegated responder certificate (EKU OCSPSigning +
//! `id-pkix-ocsp-nocheck`, [`TestPki::ocsp`]), a revoked and an unknown end entity, and
//! CRLs of every AC (good, expired, with a bad signature).
//!
//! OCSP responses are produced by the real `openssl ocsp` responder run one request at a
//! time (`-reqin` / `-respout`): [`RevocationPki::respond`] answers a DER request, and
//! [`RevocationPki::responder_argv`] is the same command reading the request on standard
//! input and writing the response on standard output, for an HTTP front that pipes a POST
//! body through a command (no `openssl ocsp -port`, which binds every interface).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use super::{gen_time, io, Gen, GenResult, PkiCert, TestPki, DN_EE, PASSWORD};

/// Who signs an OCSP response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OcspSigner {
    /// The delegated responder [`TestPki::ocsp`] (EKU OCSPSigning, nocheck).
    Delegated,
    /// The issuing AC itself ("AC TESTE Assinatura G1").
    Ca,
    /// A key that has nothing to do with the AC (the foreign root): must be refused.
    Unrelated,
}

/// Revocation material derived from a [`TestPki`].
#[derive(Debug, Clone)]
pub struct RevocationPki {
    /// Working directory (inside the PKI's directory).
    pub dir: PathBuf,
    /// openssl CA database of the issuing AC (`V`/`R` lines; the revoked e-CPF is `R`).
    pub index: PathBuf,
    /// The issuing AC's certificate (PEM).
    pub ca_pem: PathBuf,
    /// Delegated responder certificate (PEM) and key.
    pub responder: PkiCert,
    /// e-CPF revoked (keyCompromise): [`TestPki::ecpf_revoked`].
    pub revoked: PkiCert,
    /// e-CPF issued by the AC outside its database: OCSP answers `unknown`, CRLs say good.
    pub unknown: PkiCert,
    /// PKCS#12 of the revoked e-CPF (password [`PASSWORD`]) with the chain.
    pub p12_revoked: PathBuf,
    /// PKCS#12 of the unknown e-CPF (password [`PASSWORD`]) with the chain.
    pub p12_unknown: PathBuf,
    /// CRL of the issuing AC (DER), valid 7 days, listing the revoked e-CPF.
    pub crl_ac2: PathBuf,
    /// CRL of "AC TESTE Nivel 1 v1" (DER), valid 7 days: the issuing AC is good.
    pub crl_ac1: PathBuf,
    /// CRL of the root (DER), valid 7 days: "AC TESTE Nivel 1 v1" is good.
    pub crl_root: PathBuf,
    /// CRL of the issuing AC whose nextUpdate passed (2025-07-08).
    pub crl_ac2_expired: PathBuf,
    /// CRL of the issuing AC with one bit of its signature flipped.
    pub crl_ac2_bad_signature: PathBuf,
    /// Key of the unrelated responder (foreign root) and its certificate.
    pub unrelated: PkiCert,
}

static SHARED: OnceLock<RevocationPki> = OnceLock::new();

/// The shell command of a loopback OCSP route (`sesgo-testserver` POST route: the request
/// in `$SESGO_REQUEST`, the response to `$SESGO_RESPONSE`) answering for the CA `ca`
/// (`"ac2"`, `"ac1"` or `"root"`) of the PKI that will be generated in `pki_dir`, with the
/// real `openssl ocsp` over that CA's `index.txt`. The issuing AC (`ac2`) answers through
/// `signer`; `ac1` and `root` sign their own responses. It can be built before the PKI
/// exists (the server must run first: its URL goes into the certificates).
pub fn ocsp_route_command(
    pki_dir: &Path,
    ca: &str,
    signer: OcspSigner,
    valid_minutes: u32,
) -> String {
    let q = |p: PathBuf| format!("'{}'", p.display());
    let ca_dir = pki_dir.join(format!("ca-{ca}"));
    let (cert, key) = match (ca, signer) {
        ("ac2", OcspSigner::Delegated) => {
            (pki_dir.join("ee/ocsp.pem"), pki_dir.join("ee/ocsp.key"))
        }
        (_, OcspSigner::Unrelated) => (
            pki_dir.join("foreign/root.pem"),
            pki_dir.join("foreign/root.key"),
        ),
        _ => (ca_dir.join("cert.pem"), ca_dir.join("key.pem")),
    };
    format!(
        "openssl ocsp -index {} -CA {} -rsigner {} -rkey {} -rmd sha256 -nmin {valid_minutes} -reqin \"$SESGO_REQUEST\" -respout \"$SESGO_RESPONSE\"",
        q(ca_dir.join("index.txt")),
        q(ca_dir.join("cert.pem")),
        q(cert),
        q(key),
    )
}

impl RevocationPki {
    /// Material of [`TestPki::shared`], generated once per process.
    ///
    /// # Panics
    /// If openssl fails. Test support only.
    pub fn shared() -> &'static RevocationPki {
        SHARED.get_or_init(|| match RevocationPki::generate(TestPki::shared()) {
            Ok(r) => r,
            Err(e) => panic!("revocation test material failed: {e}"),
        })
    }

    /// Generates the material in `pki.dir/revocation` (CRLs and certificates are issued
    /// by the PKI's own ACs; the PKI's files are otherwise untouched).
    pub fn generate(pki: &TestPki) -> GenResult<RevocationPki> {
        let g = Gen {
            dir: pki.dir.clone(),
        };
        std::fs::create_dir_all(pki.dir.join("revocation")).map_err(io)?;
        // The unknown e-CPF: signed with the AC's key by `openssl x509 -req`, so it is not
        // in the AC's database.
        g.run(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "revocation/unknown.key",
        ])?;
        let subj = format!("{DN_EE}/CN=FULANO DESCONHECIDO:12345678909");
        g.run(&[
            "req",
            "-config",
            "openssl-icp.cnf",
            "-new",
            "-key",
            "revocation/unknown.key",
            "-subj",
            &subj,
            "-out",
            "revocation/unknown.csr",
        ])?;
        g.run(&[
            "x509",
            "-req",
            "-in",
            "revocation/unknown.csr",
            "-CA",
            "ca-ac2/cert.pem",
            "-CAkey",
            "ca-ac2/key.pem",
            "-set_serial",
            "0x7e57",
            "-days",
            "365",
            "-sha256",
            "-extfile",
            "openssl-icp.cnf",
            "-extensions",
            "ext_ecpf",
            "-out",
            "revocation/unknown.pem",
        ])?;
        let unknown = g.cert("revocation/unknown")?;
        // CRLs: AC1 (for the issuing AC) and the root (for AC1), then the issuing AC's
        // expired one. The issuing AC's good CRL is the PKI's own.
        g.run(&[
            "ca",
            "-config",
            "openssl-icp.cnf",
            "-name",
            "ca_ac1",
            "-gencrl",
            "-crldays",
            "7",
            "-out",
            "revocation/ac1.crl.pem",
        ])?;
        g.run(&[
            "ca",
            "-config",
            "openssl-icp.cnf",
            "-name",
            "ca_root",
            "-gencrl",
            "-crldays",
            "7",
            "-out",
            "revocation/root.crl.pem",
        ])?;
        let last = gen_time(1_751_328_000); // 2025-07-01
        let next = gen_time(1_751_932_800); // 2025-07-08
        g.run(&[
            "ca",
            "-config",
            "openssl-icp.cnf",
            "-name",
            "ca_ac2",
            "-gencrl",
            "-crl_lastupdate",
            &last,
            "-crl_nextupdate",
            &next,
            "-out",
            "revocation/ac2-expired.crl.pem",
        ])?;
        for n in ["ac1", "root", "ac2-expired"] {
            let i = format!("revocation/{n}.crl.pem");
            let o = format!("revocation/{n}.crl");
            g.run(&["crl", "-in", &i, "-outform", "DER", "-out", &o])?;
        }
        // A bad signature: the last byte of the PKI's good CRL flipped.
        let mut bad = std::fs::read(&pki.crl_ac2_der).map_err(io)?;
        if let Some(b) = bad.last_mut() {
            *b ^= 0x01;
        }
        std::fs::write(pki.dir.join("revocation/ac2-bad-signature.crl"), bad).map_err(io)?;
        // PKCS#12 for signing with the revoked and the unknown e-CPF.
        let pass = format!("pass:{PASSWORD}");
        for (key, cert, out) in [
            (
                "ee/ecpf-revoked.key",
                "ee/ecpf-revoked.pem",
                "revocation/revoked.p12",
            ),
            (
                "revocation/unknown.key",
                "revocation/unknown.pem",
                "revocation/unknown.p12",
            ),
        ] {
            g.run(&[
                "pkcs12",
                "-export",
                "-inkey",
                key,
                "-in",
                cert,
                "-certfile",
                "chain/chain.pem",
                "-name",
                "teste",
                "-passout",
                &pass,
                "-out",
                out,
            ])?;
        }
        let d = pki.dir.join("revocation");
        Ok(RevocationPki {
            dir: d.clone(),
            index: pki.dir.join("ca-ac2/index.txt"),
            ca_pem: pki.ac2.cert_pem.clone(),
            responder: pki.ocsp.clone(),
            revoked: pki.ecpf_revoked.clone(),
            unknown,
            p12_revoked: d.join("revoked.p12"),
            p12_unknown: d.join("unknown.p12"),
            crl_ac2: pki.crl_ac2_der.clone(),
            crl_ac1: d.join("ac1.crl"),
            crl_root: d.join("root.crl"),
            crl_ac2_expired: d.join("ac2-expired.crl"),
            crl_ac2_bad_signature: d.join("ac2-bad-signature.crl"),
            unrelated: pki.foreign_root.clone(),
        })
    }

    /// `openssl ocsp` as a one-shot responder reading the DER request on standard input and
    /// writing the DER response on standard output; `valid_minutes` is its nextUpdate.
    pub fn responder_argv(&self, signer: OcspSigner, valid_minutes: u32) -> Vec<String> {
        let (cert, key) = match signer {
            OcspSigner::Delegated => (
                self.responder.cert_pem.clone(),
                self.responder.key_pem.clone(),
            ),
            OcspSigner::Ca => (self.ca_pem.clone(), self.ca_pem.with_file_name("key.pem")),
            OcspSigner::Unrelated => (
                self.unrelated.cert_pem.clone(),
                self.unrelated.key_pem.clone(),
            ),
        };
        let s = |p: &PathBuf| p.display().to_string();
        vec![
            "openssl".into(),
            "ocsp".into(),
            "-index".into(),
            s(&self.index),
            "-CA".into(),
            s(&self.ca_pem),
            "-rsigner".into(),
            s(&cert),
            "-rkey".into(),
            s(&key),
            "-rmd".into(),
            "sha256".into(),
            "-nmin".into(),
            valid_minutes.to_string(),
            "-reqin".into(),
            "/dev/stdin".into(),
            "-respout".into(),
            "/dev/stdout".into(),
        ]
    }

    /// Answers one DER OCSP request with the real `openssl ocsp` responder.
    pub fn respond(
        &self,
        request_der: &[u8],
        signer: OcspSigner,
        valid_minutes: u32,
    ) -> GenResult<Vec<u8>> {
        let argv = self.responder_argv(signer, valid_minutes);
        let (program, args) = argv.split_first().ok_or("empty responder command")?;
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run openssl: {e}"))?;
        child
            .stdin
            .take()
            .ok_or("no stdin")?
            .write_all(request_der)
            .map_err(io)?;
        let out = child.wait_with_output().map_err(io)?;
        if !out.status.success() || out.stdout.is_empty() {
            return Err(format!(
                "openssl ocsp failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(out.stdout)
    }

    /// An OCSP response about `cert_pem` (issued by the issuing AC), as evidence: the
    /// request made by `openssl ocsp -reqout` (no nonce), answered by [`Self::respond`].
    pub fn response_for(
        &self,
        cert_pem: &std::path::Path,
        signer: OcspSigner,
        valid_minutes: u32,
    ) -> GenResult<Vec<u8>> {
        let out = Command::new("openssl")
            .args(["ocsp", "-no_nonce", "-issuer"])
            .arg(&self.ca_pem)
            .arg("-cert")
            .arg(cert_pem)
            .args(["-reqout", "/dev/stdout"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run openssl: {e}"))?;
        if !out.status.success() || out.stdout.is_empty() {
            return Err(format!(
                "openssl ocsp -reqout failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        self.respond(&out.stdout, signer, valid_minutes)
    }

    /// Writes into `dir` (created) the evidence for the chain of the end entity at
    /// `cert_pem`: an OCSP response about it from the delegated responder, valid
    /// `valid_minutes`, and the CRLs covering the two ACs above it. Returns `dir`.
    pub fn write_evidence(
        &self,
        cert_pem: &std::path::Path,
        dir: &std::path::Path,
        valid_minutes: u32,
    ) -> GenResult<PathBuf> {
        std::fs::create_dir_all(dir).map_err(io)?;
        let ocsp = self.response_for(cert_pem, OcspSigner::Delegated, valid_minutes)?;
        std::fs::write(dir.join("leaf.ocsp"), ocsp).map_err(io)?;
        std::fs::copy(&self.crl_ac1, dir.join("ac1.crl")).map_err(io)?;
        std::fs::copy(&self.crl_root, dir.join("root.crl")).map_err(io)?;
        Ok(dir.to_path_buf())
    }

    /// Evidence for [`TestPki::ecpf`]'s chain (valid 3 hours), written once per process
    /// into `dir/evidence-ecpf`.
    pub fn ecpf_evidence(&self) -> &'static PathBuf {
        static DIR: OnceLock<PathBuf> = OnceLock::new();
        DIR.get_or_init(|| {
            let pki = TestPki::shared();
            match self.write_evidence(&pki.ecpf.cert_pem, &self.dir.join("evidence-ecpf"), 180) {
                Ok(d) => d,
                Err(e) => panic!("revocation evidence failed: {e}"),
            }
        })
    }
}
