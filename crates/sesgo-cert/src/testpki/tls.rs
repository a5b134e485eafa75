//! The one TLS server certificate generator of the test PKI, for every loopback HTTPS test
//! server (the Keycloak of the token tests, the TSA's HTTPS front, the ITI mirror):
//! issued by the test PKI's issuing AC so that a client trusting only the test root
//! accepts it and a client with the system roots refuses it.

use std::path::{Path, PathBuf};

use super::{io, GenResult, TestPki};

static SERIALS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A server certificate for `127.0.0.1`, `::1` and `localhost` and its key (PEM files).
#[derive(Debug, Clone)]
pub struct TlsServer {
    /// Server certificate followed by the issuing ACs (AC2, AC1), PEM: what the server presents.
    pub chain_pem: PathBuf,
    /// The server certificate alone, PEM.
    pub cert_pem: PathBuf,
    /// Its private key, plain PEM PKCS#8.
    pub key_pem: PathBuf,
    /// The test root a client must trust to accept the server, PEM.
    pub root_pem: PathBuf,
}

impl TlsServer {
    /// Issues a fresh TLS server certificate from `pki`'s issuing AC into `dir` (created).
    /// Key RSA-2048, SAN `IP:127.0.0.1, IP:::1, DNS:localhost`, EKU serverAuth, valid 30 days.
    pub fn generate(pki: &TestPki, dir: &Path) -> GenResult<TlsServer> {
        TlsServer::generate_in(&pki.dir, dir)
    }

    /// [`TlsServer::generate`] from the directory of a generated PKI ([`TestPki::dir`]),
    /// for tools that only have its files.
    pub fn generate_in(pki_dir: &Path, dir: &Path) -> GenResult<TlsServer> {
        std::fs::create_dir_all(dir).map_err(io)?;
        let key = dir.join("server.key");
        let csr = dir.join("server.csr");
        let cert = dir.join("server.pem");
        let ext = dir.join("server.ext");
        std::fs::write(
            &ext,
            "basicConstraints=critical,CA:FALSE\n\
             keyUsage=critical,digitalSignature,keyEncipherment\n\
             extendedKeyUsage=serverAuth\n\
             subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n\
             subjectKeyIdentifier=hash\n\
             authorityKeyIdentifier=keyid\n",
        )
        .map_err(io)?;
        let ac2 = pki_dir.join("ca-ac2");
        let p = |p: &Path| p.to_string_lossy().into_owned();
        // A serial of its own for each certificate the AC issues this way.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let serial = format!(
            "0x5e5a{:012x}{:04x}",
            nanos & 0xffff_ffff_ffff,
            SERIALS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) & 0xffff
        );
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &p(&key),
            "-subj",
            "/C=BR/O=TESTE NAO CONFIAVEL/CN=localhost",
            "-out",
            &p(&csr),
        ])?;
        openssl(&[
            "x509",
            "-req",
            "-in",
            &p(&csr),
            "-CA",
            &p(&ac2.join("cert.pem")),
            "-CAkey",
            &p(&ac2.join("key.pem")),
            "-set_serial",
            &serial,
            "-days",
            "30",
            "-sha256",
            "-extfile",
            &p(&ext),
            "-out",
            &p(&cert),
        ])?;
        let chain_pem = dir.join("server-chain.pem");
        let mut text = std::fs::read_to_string(&cert).map_err(io)?;
        text.push_str(&std::fs::read_to_string(ac2.join("cert.pem")).map_err(io)?);
        text.push_str(&std::fs::read_to_string(pki_dir.join("ca-ac1/cert.pem")).map_err(io)?);
        std::fs::write(&chain_pem, text).map_err(io)?;
        Ok(TlsServer {
            chain_pem,
            cert_pem: cert,
            key_pem: key,
            root_pem: pki_dir.join("ca-root/cert.pem"),
        })
    }
}

fn openssl(args: &[&str]) -> GenResult<()> {
    let out = std::process::Command::new("openssl")
        .args(args)
        .stdin(std::process::Stdio::null())
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
