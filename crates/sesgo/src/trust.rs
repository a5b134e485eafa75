//! Building a [`TrustStore`] from plain options (validar input 2, "trust store"; DECISIONS
//! D4), the one way the CLI and the bindings describe it.

use crate::options::from_json;
use crate::signer::TrustStore;
use serde::{Deserialize, Serialize};
use sesgo_cert::{embedded_icp_roots, Certificate};
use sesgo_core::{Code, Error, Result};
use std::path::Path;

/// How to build a [`TrustStore`] (JSON: camelCase, unknown members refused; all optional).
///
/// Trust is decided only by SHA-256 fingerprints of root certificates (their DER); the CA
/// certificates only help complete chains. With nothing given, the store is the embedded
/// ICP-Brasil roots v5 and v12.
///
/// ```
/// let opts = sesgo::TrustStoreOptions::from_json(br#"{"rootSha256":
///     ["d8478e37ce19c690cf657381e68fe600e4e1a042536830f06847e03e554c4b01"]}"#).unwrap();
/// let ts = opts.build().unwrap();
/// assert_eq!(ts.fingerprints_hex().len(), 1);
/// // Nothing given: the ICP-Brasil roots v5 and v12.
/// assert_eq!(sesgo::TrustStoreOptions::default().build().unwrap().fingerprints_hex().len(), 2);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct TrustStoreOptions {
    /// Also trust the embedded ICP-Brasil roots v5 and v12. Default: true when no root is
    /// given by fingerprint or certificate, false otherwise.
    pub icp_brasil: Option<bool>,
    /// Trusted roots by SHA-256 of their DER (hex; case and `:` ignored).
    pub root_sha256: Vec<String>,
    /// Trusted root certificates (PEM, one or more): trusted by their fingerprint and
    /// added to the pool.
    pub root_certs_pem: Option<String>,
    /// Intermediate CA certificates (PEM, one or more) used to complete chains.
    pub ca_certs_pem: Option<String>,
    /// A directory of CA certificates (`.pem`, `.crt`, `.cer`, `.der`).
    pub ca_dir: Option<String>,
    /// ITI's `ACcompactado.zip` on disk (IG-DIGEST §12): its certificates join the pool
    /// after the archive's SHA-512 is checked against [`Self::ca_archive_sha512`].
    pub ca_archive: Option<String>,
    /// The `hashsha512.txt` published with the archive; default: that name beside it.
    pub ca_archive_sha512: Option<String>,
}

impl TrustStoreOptions {
    /// Parses the JSON form (empty = defaults).
    pub fn from_json(json: &[u8]) -> Result<Self> {
        from_json(json, "trustStore")
    }

    /// Builds the store. Failures: a malformed fingerprint or nothing trusted →
    /// `CONFIG.INVALID-PARAMETER` / `CONFIG.TRUST-STORE-EMPTY`; unreadable PEM or directory
    /// → the certificate's code, located at the option.
    pub fn build(&self) -> Result<TrustStore> {
        let mut fingerprints: Vec<String> = self.root_sha256.clone();
        let mut pool: Vec<Certificate> = Vec::new();
        if let Some(pem) = &self.root_certs_pem {
            let roots = Certificate::all_from_pem(pem).map_err(|e| e.at("rootCertsPem"))?;
            if roots.is_empty() {
                return Err(Error::new(
                    Code::FormatCertPemInvalid,
                    "rootCertsPem não contém certificados",
                )
                .at("rootCertsPem"));
            }
            fingerprints.extend(roots.iter().map(Certificate::sha256_hex));
            pool.extend(roots);
        }
        let icp = self.icp_brasil.unwrap_or(fingerprints.is_empty());
        if icp {
            for (name, cert) in embedded_icp_roots() {
                if name == "ICP-Brasilv5" || name == "ICP-Brasilv12" {
                    fingerprints.push(cert.sha256_hex());
                    pool.push(cert);
                }
            }
        }
        if let Some(pem) = &self.ca_certs_pem {
            pool.extend(Certificate::all_from_pem(pem).map_err(|e| e.at("caCertsPem"))?);
        }
        let store = TrustStore::from_fingerprints(&fingerprints)
            .map_err(|e| {
                if self.root_sha256.is_empty() {
                    e
                } else {
                    e.at("rootSha256")
                }
            })?
            .with_ca_certs(pool);
        let store = match &self.ca_dir {
            Some(dir) => store
                .with_ca_dir(Path::new(dir))
                .map_err(|e| e.at("caDir"))?,
            None => store,
        };
        match &self.ca_archive {
            Some(zip) => store
                .with_ac_archive_files(
                    Path::new(zip),
                    self.ca_archive_sha512.as_deref().map(Path::new),
                )
                .map_err(|e| e.at("caArchive")),
            None if self.ca_archive_sha512.is_some() => Err(Error::new(
                Code::ConfigMissingParameter,
                "caArchiveSha512 informado sem caArchive",
            )
            .at("caArchive")),
            None => Ok(store),
        }
    }
}
