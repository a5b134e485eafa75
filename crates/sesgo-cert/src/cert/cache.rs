//! [`CertificateCache`]: certificates parsed once per DER (issue 17).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::Certificate;
use crate::crypto;
use sesgo_core::Result;

/// Most certificates a cache holds before it starts over (ICP-Brasil has a few hundred
/// CAs; a busy verifier sees a few thousand signers a day).
pub const CERTIFICATE_CACHE_MAX_ENTRIES: usize = 4096;

/// Most DER bytes a cache holds before it starts over (16 MiB).
pub const CERTIFICATE_CACHE_MAX_BYTES: usize = 16 << 20;

/// Parsed certificates keyed by the SHA-256 of their DER: the `x5c` of the thousandth
/// signature by the same signer costs a hash and a lookup, not a parse (and the parsed
/// [`Certificate`] keeps its decoded public key). Bounded by
/// [`CERTIFICATE_CACHE_MAX_ENTRIES`] and [`CERTIFICATE_CACHE_MAX_BYTES`]: when either is
/// reached the cache is emptied and refills from use. Parse failures are not kept.
/// `Send + Sync`; clones share the same map. Every [`crate::TrustStore`] owns one
/// ([`crate::TrustStore::certificates`]).
///
/// ```
/// # let pki = sesgo_cert::testpki::TestPki::shared();
/// use sesgo_cert::CertificateCache;
/// let cache = CertificateCache::new();
/// let a = cache.parse(&pki.ecpf.der).unwrap();
/// let b = cache.parse(&pki.ecpf.der).unwrap();
/// assert_eq!(a, b);
/// assert_eq!(cache.len(), 1);
/// assert_eq!(cache.parse(b"\x30\x00").unwrap_err().code().as_str(), "CERT.INVALID-FORMAT");
/// assert_eq!(cache.len(), 1);
/// ```
#[derive(Clone, Default)]
pub struct CertificateCache {
    inner: Arc<Mutex<Entries>>,
}

#[derive(Default)]
struct Entries {
    map: HashMap<[u8; 32], Certificate>,
    bytes: usize,
}

/// Two caches are equal when they are the same shared map (a cache changes speed, never
/// results).
impl PartialEq for CertificateCache {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Eq for CertificateCache {}

impl std::fmt::Debug for CertificateCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateCache")
            .field("len", &self.len())
            .finish()
    }
}

impl CertificateCache {
    /// An empty cache.
    pub fn new() -> CertificateCache {
        CertificateCache::default()
    }

    /// The certificate whose DER is `der`: from the cache, or parsed with
    /// [`Certificate::from_der`] and kept. Failure: as [`Certificate::from_der`].
    pub fn parse(&self, der: &[u8]) -> Result<Certificate> {
        let key = crypto::sha256(der);
        if let Some(c) = self
            .inner
            .lock()
            .ok()
            .and_then(|m| m.map.get(&key).cloned())
        {
            return Ok(c);
        }
        let cert = Certificate::from_der(der)?;
        if let Ok(mut m) = self.inner.lock() {
            if m.map.len() >= CERTIFICATE_CACHE_MAX_ENTRIES
                || m.bytes.saturating_add(der.len()) > CERTIFICATE_CACHE_MAX_BYTES
            {
                m.map.clear();
                m.bytes = 0;
            }
            if m.map.insert(key, cert.clone()).is_none() {
                m.bytes = m.bytes.saturating_add(der.len());
            }
        }
        Ok(cert)
    }

    /// Number of certificates held.
    pub fn len(&self) -> usize {
        self.inner.lock().map(|m| m.map.len()).unwrap_or(0)
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_by_entries_and_bytes() {
        let pki = crate::testpki::TestPki::shared();
        let cache = CertificateCache::new();
        for der in [&pki.ecpf.der, &pki.ac1.der, &pki.ac2.der, &pki.root.der] {
            cache.parse(der).unwrap();
            cache.parse(der).unwrap();
        }
        assert_eq!(cache.len(), 4);
        let m = cache.inner.lock().unwrap();
        let total: usize = [&pki.ecpf.der, &pki.ac1.der, &pki.ac2.der, &pki.root.der]
            .iter()
            .map(|d| d.len())
            .sum();
        assert_eq!(m.bytes, total);
        drop(m);
        // Past the entry bound the cache starts over instead of growing.
        let full = CertificateCache::new();
        {
            let leaf = Certificate::from_der(&pki.ecpf.der).unwrap();
            let mut m = full.inner.lock().unwrap();
            for i in 0..CERTIFICATE_CACHE_MAX_ENTRIES {
                let mut k = [0u8; 32];
                k[..8].copy_from_slice(&(i as u64).to_be_bytes());
                m.map.insert(k, leaf.clone());
            }
        }
        assert_eq!(full.len(), CERTIFICATE_CACHE_MAX_ENTRIES);
        full.parse(&pki.root.der).unwrap();
        assert_eq!(full.len(), 1);
        // Past the byte bound too.
        let heavy = CertificateCache::new();
        heavy.inner.lock().unwrap().bytes = CERTIFICATE_CACHE_MAX_BYTES;
        heavy.parse(&pki.root.der).unwrap();
        assert_eq!(heavy.inner.lock().unwrap().bytes, pki.root.der.len());
    }
}
