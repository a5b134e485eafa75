//! Online test PKI: certificates whose AIA (`caIssuers`, `id-ad-ocsp`) and CRL
//! distribution points name a loopback server, and the files that server serves
//! (issue 18; ADR 0045). Tests start `sesgo-testserver` on port 0 first, then generate a
//! PKI with [`PkiOptions::base_url`] = its URL, then write [`TestPki::write_web_root`]
//! into the server's root.
//!
//! URL layout under `{base}`:
//! - `aia/root.cer`, `aia/ac1.cer`, `aia/ac2.cer` (DER), `aia/ac2.pem`, `aia/ac2.p7b`
//!   (PKCS#7 certs-only); the e-CPF leaves point at `aia/ac2.p7b`, AC2 at `aia/ac1.cer`,
//!   AC1 at `aia/root.cer`;
//! - `ocsp/<issuer>` (`ocsp/ac2` for the leaves, `ocsp/ac1` for AC2, `ocsp/root` for AC1);
//! - `crl/<ca>.crl` (`crl/ac2.crl` for the leaves, `crl/ac1.crl` for AC2, `crl/root.crl`
//!   for AC1).

use std::path::{Path, PathBuf};

use super::{io, Gen, GenResult, TestPki, CONFIG};

/// Options of [`TestPki::generate_with`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PkiOptions {
    /// `http://127.0.0.1:PORT` (no trailing slash): AIA, OCSP and CRL URLs of issued
    /// certificates point under it. `None` keeps the fixed, unreachable URLs.
    pub base_url: Option<String>,
}

/// The openssl configuration for `options`: [`CONFIG`] with its URLs moved under the base.
pub(super) fn config(options: &PkiOptions) -> String {
    let Some(base) = options.base_url.as_deref() else {
        return CONFIG.to_owned();
    };
    let base = base.trim_end_matches('/');
    let replacements = [
        ("BASE_URL = http://127.0.0.1:18080", format!("BASE_URL = {base}")),
        ("$BASE_URL/LCRacraizteste.crl", "$BASE_URL/crl/root.crl".to_owned()),
        ("$BASE_URL/lcr/ac-teste-nivel1.crl", "$BASE_URL/crl/ac1.crl".to_owned()),
        (
            "caIssuers;URI:$BASE_URL/cadeias/ac-teste-nivel1.crt",
            "caIssuers;URI:$BASE_URL/aia/ac1.cer, OCSP;URI:$BASE_URL/ocsp/ac1".to_owned(),
        ),
        (
            ", URI:http://localhost:18080/lcr/ac-teste-assinatura.crl",
            String::new(),
        ),
        ("$BASE_URL/lcr/ac-teste-assinatura.crl", "$BASE_URL/crl/ac2.crl".to_owned()),
        (
            "caIssuers;URI:$BASE_URL/cadeias/ac-teste-assinatura.p7b, OCSP;URI:$OCSP_URL",
            "caIssuers;URI:$BASE_URL/aia/ac2.p7b, OCSP;URI:$BASE_URL/ocsp/ac2".to_owned(),
        ),
        (
            "[ ext_ac1 ]\n",
            "[ ext_ac1 ]\nauthorityInfoAccess    = caIssuers;URI:$BASE_URL/aia/root.cer, OCSP;URI:$BASE_URL/ocsp/root\n"
                .to_owned(),
        ),
    ];
    let mut text = CONFIG.to_owned();
    for (from, to) in replacements {
        debug_assert!(text.contains(from), "openssl-icp.cnf changed: {from}");
        text = text.replace(from, &to);
    }
    text
}

impl TestPki {
    /// Writes what a server at [`TestPki::base_url`] serves into `dir` (created): the CA
    /// certificates under `aia/` (DER, PEM and PKCS#7 certs-only) and the CAs' CRLs under
    /// `crl/`. Returns `dir`. OCSP routes are commands of the server, not files.
    pub fn write_web_root(&self, dir: &Path) -> GenResult<PathBuf> {
        let aia = dir.join("aia");
        let crl = dir.join("crl");
        std::fs::create_dir_all(&aia).map_err(io)?;
        std::fs::create_dir_all(&crl).map_err(io)?;
        for (name, cert) in [("root", &self.root), ("ac1", &self.ac1), ("ac2", &self.ac2)] {
            std::fs::write(aia.join(format!("{name}.cer")), &cert.der).map_err(io)?;
        }
        std::fs::copy(&self.ac2.cert_pem, aia.join("ac2.pem")).map_err(io)?;
        let gen = Gen {
            dir: self.dir.clone(),
        };
        let p7b = aia.join("ac2.p7b");
        let p7b = p7b.to_string_lossy();
        gen.run(&[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            "ca-ac2/cert.pem",
            "-outform",
            "DER",
            "-out",
            &p7b,
        ])?;
        std::fs::copy(&self.crl_ac2_der, crl.join("ac2.crl")).map_err(io)?;
        for (name, section) in [("ac1", "ca_ac1"), ("root", "ca_root")] {
            let pem = format!("crl/{name}.crl.pem");
            gen.run(&[
                "ca",
                "-config",
                "openssl-icp.cnf",
                "-name",
                section,
                "-gencrl",
                "-crldays",
                "7",
                "-out",
                &pem,
            ])?;
            let out = crl.join(format!("{name}.crl"));
            let out = out.to_string_lossy();
            gen.run(&["crl", "-in", &pem, "-outform", "DER", "-out", &out])?;
        }
        Ok(dir.to_path_buf())
    }
}
