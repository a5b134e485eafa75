//! [`TrustStore`]: the accepted ICP-Brasil roots, pinned by the SHA-256 of their DER.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

use sesgo_core::io::read_file_limited;
use sesgo_core::{Code, Error, Finding, Result};

use crate::aia::AiaSource;
use crate::cert::Certificate;

/// Most files read from a CA directory ([`TrustStore::with_ca_dir`]).
pub const MAX_CA_DIR_FILES: usize = 10_000;

/// Largest certificate file read from a CA directory (16 MiB).
pub const MAX_CA_FILE_BYTES: u64 = 16 << 20;

/// The embedded ICP-Brasil roots, `(name, PEM)`. v5 and v12 are the document-signing anchors
/// (DOC-ICP-15.03 v9.1); v2 (expired), v10 (TLS) and v11 (code signing) are embedded for
/// reference only and are not trusted by default.
pub const EMBEDDED_ICP_ROOTS: [(&str, &str); 5] = [
    (
        "ICP-Brasilv5",
        include_str!("../data/icp-roots/ICP-Brasilv5.pem"),
    ),
    (
        "ICP-Brasilv12",
        include_str!("../data/icp-roots/ICP-Brasilv12.pem"),
    ),
    (
        "ICP-Brasilv2",
        include_str!("../data/icp-roots/ICP-Brasilv2.pem"),
    ),
    (
        "ICP-Brasilv10",
        include_str!("../data/icp-roots/ICP-Brasilv10.pem"),
    ),
    (
        "ICP-Brasilv11",
        include_str!("../data/icp-roots/ICP-Brasilv11.pem"),
    ),
];

/// Parses the embedded roots (`name`, certificate).
pub fn embedded_icp_roots() -> Vec<(&'static str, Certificate)> {
    EMBEDDED_ICP_ROOTS
        .iter()
        .filter_map(|(n, pem)| Certificate::from_pem(pem).ok().map(|c| (*n, c)))
        .collect()
}

const CACHE_MAX: usize = 1024;

pub(crate) struct Inner {
    fingerprints: BTreeSet<[u8; 32]>,
    pool: Vec<Certificate>,
    /// Time-independent chain findings (structure, signatures, trust), keyed by chain digest.
    pub(crate) cache: Mutex<HashMap<[u8; 32], Vec<Finding>>>,
    /// [`TrustStore::complete_chain`] results (time-independent: they depend only on the
    /// given certificates, in order, and on this store's immutable pool), keyed by the
    /// digest of the given certificates' DER.
    completed: Mutex<HashMap<[u8; 32], Result<Vec<Certificate>>>>,
    /// Missing issuers from AIA `caIssuers` (with its own in-memory layer), if online.
    aia: Option<Arc<AiaSource>>,
    /// Certificates met in signatures (`x5c`), parsed once per DER.
    certificates: crate::CertificateCache,
}

/// Immutable set of trusted roots (SHA-256 of the DER) plus a pool of CA certificates used to
/// complete chains. `Send + Sync`; clones share the same data and the chain-validation cache.
///
/// ```
/// use sesgo_cert::TrustStore;
/// let ts = TrustStore::icp_brasil_default();
/// assert!(ts.contains_hex("CAA53FC6091C6951887C976E378F6EF89AA6377C55D97B6475422B71ED7E9B17"));
/// let err = TrustStore::from_fingerprints(Vec::<String>::new()).unwrap_err();
/// assert_eq!(err.code().as_str(), "CONFIG.TRUST-STORE-EMPTY");
/// ```
#[derive(Clone)]
pub struct TrustStore {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for TrustStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustStore")
            .field("fingerprints", &self.fingerprints_hex())
            .field("pool", &self.inner.pool.len())
            .finish()
    }
}

/// Normalizes a SHA-256 fingerprint: case-insensitive, `:`/spaces ignored, 64 hex digits.
pub fn parse_fingerprint(s: &str) -> Option<[u8; 32]> {
    let clean: Vec<u8> = s
        .bytes()
        .filter(|b| !matches!(b, b':' | b' ' | b'\t'))
        .collect();
    if clean.len() != 64 {
        return None;
    }
    crate::cert::unhex(&clean)
}

impl TrustStore {
    fn new(fingerprints: BTreeSet<[u8; 32]>, pool: Vec<Certificate>) -> Result<TrustStore> {
        if fingerprints.is_empty() {
            return Err(Error::new(
                Code::ConfigTrustStoreEmpty,
                "o trust store não contém nenhuma AC-Raiz",
            ));
        }
        // The pool's certificates are parsed already: an `x5c` that carries one of them
        // (an intermediate the receiver also configured) is not parsed again.
        let certificates = crate::CertificateCache::new();
        for c in &pool {
            certificates.keep(c);
        }
        Ok(TrustStore {
            inner: Arc::new(Inner {
                fingerprints,
                pool,
                cache: Mutex::new(HashMap::new()),
                completed: Mutex::new(HashMap::new()),
                aia: None,
                certificates,
            }),
        })
    }

    /// ICP-Brasil roots v5 and v12 (DOC-ICP-15.03: anchors of document signatures), with the
    /// roots themselves in the pool.
    pub fn icp_brasil_default() -> TrustStore {
        let roots: Vec<Certificate> = embedded_icp_roots()
            .into_iter()
            .filter(|(n, _)| *n == "ICP-Brasilv5" || *n == "ICP-Brasilv12")
            .map(|(_, c)| c)
            .collect();
        let fps = roots.iter().map(|c| c.sha256()).collect();
        TrustStore::new(fps, roots.clone()).unwrap_or_else(|_| TrustStore {
            inner: Arc::new(Inner {
                fingerprints: BTreeSet::new(),
                pool: roots,
                cache: Mutex::new(HashMap::new()),
                completed: Mutex::new(HashMap::new()),
                aia: None,
                certificates: crate::CertificateCache::new(),
            }),
        })
    }

    /// Roots pinned by SHA-256 of their DER (hex, case-insensitive, `:` allowed, 64 digits).
    /// Failures: none → `CONFIG.TRUST-STORE-EMPTY`; malformed → `CONFIG.INVALID-PARAMETER` at `trustStore[i]`.
    pub fn from_fingerprints<I, S>(fingerprints: I) -> Result<TrustStore>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut set = BTreeSet::new();
        for (i, f) in fingerprints.into_iter().enumerate() {
            let f = f.as_ref();
            let fp = parse_fingerprint(f).ok_or_else(|| {
                Error::new(
                    Code::ConfigInvalidParameter,
                    format!("hash SHA-256 de AC-Raiz inválido: '{f}' (esperados 64 dígitos hexadecimais)"),
                )
                .at(format!("trustStore[{i}]"))
            })?;
            set.insert(fp);
        }
        TrustStore::new(set, Vec::new())
    }

    /// Trusts the given self-signed root certificates (their DER SHA-256) and adds them to the pool.
    pub fn from_root_certs(roots: Vec<Certificate>) -> Result<TrustStore> {
        let fps = roots.iter().map(|c| c.sha256()).collect();
        TrustStore::new(fps, roots)
    }

    /// A new store with `certs` added to the pool used to complete chains (not trusted by
    /// themselves: trust is decided only by the root fingerprints).
    pub fn with_ca_certs(&self, certs: impl IntoIterator<Item = Certificate>) -> TrustStore {
        let mut pool = self.inner.pool.clone();
        for c in certs {
            if !pool.contains(&c) {
                self.inner.certificates.keep(&c);
                pool.push(c);
            }
        }
        TrustStore {
            inner: Arc::new(Inner {
                fingerprints: self.inner.fingerprints.clone(),
                pool,
                cache: Mutex::new(HashMap::new()),
                completed: Mutex::new(HashMap::new()),
                aia: self.inner.aia.clone(),
                // Parsing does not depend on the anchors: the derived store shares it.
                certificates: self.inner.certificates.clone(),
            }),
        }
    }

    /// A new store (same roots and pool) that completes chains from AIA `caIssuers` URLs
    /// through `source` when its pool is not enough (online "Montar cadeia", IG-DIGEST
    /// §13). Fetched certificates never become trusted: only the pinned roots are.
    pub fn with_aia(&self, source: Arc<AiaSource>) -> TrustStore {
        TrustStore {
            inner: Arc::new(Inner {
                fingerprints: self.inner.fingerprints.clone(),
                pool: self.inner.pool.clone(),
                cache: Mutex::new(HashMap::new()),
                completed: Mutex::new(HashMap::new()),
                aia: Some(source),
                certificates: self.inner.certificates.clone(),
            }),
        }
    }

    /// The AIA source of [`TrustStore::with_aia`], if any.
    pub fn aia(&self) -> Option<&Arc<AiaSource>> {
        self.inner.aia.as_ref()
    }

    /// [`TrustStore::with_ca_certs`] with every `.pem`/`.crt`/`.cer`/`.der` file of `dir`
    /// (PEM bundles or DER). Failure: unreadable directory → `CONFIG.INVALID-PARAMETER`;
    /// unparsable file → its certificate code, located at the file name.
    pub fn with_ca_dir(&self, dir: &Path) -> Result<TrustStore> {
        let rd = std::fs::read_dir(dir).map_err(|e| {
            Error::new(
                Code::ConfigInvalidParameter,
                format!("diretório de ACs ilegível '{}': {e}", dir.display()),
            )
        })?;
        let mut paths: Vec<_> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .take(MAX_CA_DIR_FILES + 1)
            .collect();
        if paths.len() > MAX_CA_DIR_FILES {
            return Err(Error::new(
                Code::ConfigInvalidParameter,
                format!(
                    "diretório de ACs '{}' tem mais de {MAX_CA_DIR_FILES} arquivos",
                    dir.display()
                ),
            ));
        }
        paths.sort();
        let mut certs = Vec::new();
        for p in paths {
            let ext = p
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            if !["pem", "crt", "cer", "der"].contains(&ext.as_str()) {
                continue;
            }
            let loc = p.display().to_string();
            let bytes = read_file_limited(&p, MAX_CA_FILE_BYTES).map_err(|e| {
                Error::new(
                    Code::ConfigInvalidParameter,
                    format!("arquivo ilegível: {e}"),
                )
                .at(&loc)
            })?;
            if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
                certs.extend(Certificate::all_from_pem(&bytes).map_err(|e| e.at(&loc))?);
            } else {
                certs.push(Certificate::from_der(&bytes).map_err(|e| e.at(&loc))?);
            }
        }
        Ok(self.with_ca_certs(certs))
    }

    /// [`TrustStore::with_ca_certs`] with the certificates of ITI's `ACcompactado.zip`,
    /// checked against its `hashsha512.txt` first (IG-DIGEST §12). See
    /// [`crate::iti::read_ac_archive`] for the failures.
    pub fn with_ac_archive(&self, zip: &[u8], hash_file: &[u8]) -> Result<TrustStore> {
        let archive =
            crate::iti::read_ac_archive(zip, hash_file, &crate::iti::ArchiveLimits::default())?;
        Ok(self.with_ca_certs(archive.certificates.into_iter().map(|(_, c)| c)))
    }

    /// [`TrustStore::with_ac_archive`] from files on disk (the guide's *repositório local*).
    /// `hash_path` defaults to `hashsha512.txt` beside the archive. Unreadable file →
    /// `STORAGE.INDEX-CREATION-FAILED` at its path.
    pub fn with_ac_archive_files(
        &self,
        zip_path: &Path,
        hash_path: Option<&Path>,
    ) -> Result<TrustStore> {
        let default_hash;
        let hash_path = match hash_path {
            Some(p) => p,
            None => {
                default_hash = zip_path.with_file_name("hashsha512.txt");
                &default_hash
            }
        };
        let max = crate::iti::ArchiveLimits::default().max_zip_bytes as u64;
        let read = |p: &Path| {
            read_file_limited(p, max).map_err(|e| {
                Error::new(
                    Code::StorageIndexCreationFailed,
                    format!("arquivo ilegível: {e}"),
                )
                .at(p.display().to_string())
            })
        };
        let zip = read(zip_path)?;
        let hash = read(hash_path)?;
        self.with_ac_archive(&zip, &hash)
    }

    /// Whether a root with this DER SHA-256 is trusted.
    pub fn contains(&self, sha256: &[u8; 32]) -> bool {
        self.inner.fingerprints.contains(sha256)
    }

    /// [`TrustStore::contains`] for a hex fingerprint (normalized as in `from_fingerprints`).
    pub fn contains_hex(&self, hex: &str) -> bool {
        parse_fingerprint(hex)
            .map(|f| self.contains(&f))
            .unwrap_or(false)
    }

    /// Trusted fingerprints, lower-case hex, sorted.
    pub fn fingerprints_hex(&self) -> Vec<String> {
        self.inner
            .fingerprints
            .iter()
            .map(|f| crate::cert::hex(f))
            .collect()
    }

    /// CA certificates available for chain completion.
    pub fn pool(&self) -> &[Certificate] {
        &self.inner.pool
    }

    /// Orders and completes a chain: `certs[0]` is the leaf, the rest (any order) and the
    /// store's pool are candidate issuers. Failure: `CERT.CHAIN-INCOMPLETE`.
    ///
    /// The result (which costs one issuer-signature verification per link) is cached in the
    /// store, keyed by the exact DER of `certs` in order: the pool never changes.
    pub fn complete_chain(&self, certs: &[Certificate]) -> Result<Vec<Certificate>> {
        let (leaf, rest) = certs.split_first().ok_or_else(|| {
            Error::new(Code::CertChainIncomplete, "nenhum certificado informado").at("x5c")
        })?;
        let key = crate::chain::certs_key(0, certs);
        if let Some(r) = self
            .inner
            .completed
            .lock()
            .ok()
            .and_then(|m| m.get(&key).cloned())
        {
            return r;
        }
        let mut pool: Vec<Certificate> = rest.to_vec();
        pool.extend(self.inner.pool.iter().cloned());
        let r = crate::chain::build_chain(leaf, &pool);
        let r = match (r, &self.inner.aia) {
            (Err(_), Some(aia)) => {
                // Network failures are not remembered: the next call tries again.
                let online = aia.complete(certs, &self.inner.pool);
                online.as_ref().map_err(|e| e.clone())?;
                online
            }
            (r, _) => r,
        };
        if let Ok(mut m) = self.inner.completed.lock() {
            if m.len() >= CACHE_MAX {
                m.clear();
            }
            m.insert(key, r.clone());
        }
        r
    }

    pub(crate) fn cache_get(&self, key: &[u8; 32]) -> Option<Vec<Finding>> {
        self.inner.cache.lock().ok()?.get(key).cloned()
    }

    pub(crate) fn cache_put(&self, key: [u8; 32], v: Vec<Finding>) {
        if let Ok(mut m) = self.inner.cache.lock() {
            if m.len() >= CACHE_MAX {
                m.clear();
            }
            m.insert(key, v);
        }
    }

    /// The certificates met in signatures verified against this store, parsed once per
    /// DER and shared by every clone of the store and every thread.
    pub fn certificates(&self) -> &crate::CertificateCache {
        &self.inner.certificates
    }

    /// Number of cached chain results (diagnostics/tests).
    pub fn cached_chains(&self) -> usize {
        self.inner.cache.lock().map(|m| m.len()).unwrap_or(0)
    }
}
