//! [`CertificateCache`]: certificates parsed once per DER (issue 17).

use std::collections::hash_map::Entry;
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

/// Parsed certificates keyed by the SHA-256 of their DER, and by the Base64 text they came
/// in as: the `x5c` of the thousandth signature by the same signer costs a lookup, not a
/// decode, a hash and a parse (and the parsed [`Certificate`] keeps its decoded public
/// key). Bounded by
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
    /// The same certificates by the standard Base64 text they came in as (`x5c`).
    by_text: HashMap<Box<str>, Certificate>,
    /// DER and Base64 bytes held, both maps together.
    bytes: usize,
}

impl Entries {
    /// Keeps `cert` under its DER's hash unless it is there; counts its DER's bytes.
    fn keep_der(&mut self, cert: &Certificate) {
        if let Entry::Vacant(slot) = self.map.entry(cert.sha256()) {
            slot.insert(cert.clone());
            self.bytes = self.bytes.saturating_add(cert.der().len());
        }
    }

    /// Makes room for `more` bytes and one entry: starts over when a bound would be passed.
    fn room_for(&mut self, more: usize) {
        if self.map.len().max(self.by_text.len()) >= CERTIFICATE_CACHE_MAX_ENTRIES
            || self.bytes.saturating_add(more) > CERTIFICATE_CACHE_MAX_BYTES
        {
            self.map.clear();
            self.by_text.clear();
            self.bytes = 0;
        }
    }
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
        let cert = Certificate::from_der_hashed(der, key)?;
        if let Ok(mut m) = self.inner.lock() {
            m.room_for(der.len());
            m.keep_der(&cert);
        }
        Ok(cert)
    }

    /// The certificate whose standard Base64 text (an `x5c` element) is `b64`, when this
    /// cache has already parsed it from that exact text: a known signer's `x5c` then costs
    /// a lookup, with no Base64 decode and no hash (issue 17). `None` when the text is
    /// unknown; decode it and use [`CertificateCache::parse_base64`].
    ///
    /// ```
    /// # let pki = sesgo_cert::testpki::TestPki::shared();
    /// use sesgo_cert::{Certificate, CertificateCache};
    /// let cache = CertificateCache::new();
    /// let text = Certificate::from_der(&pki.ecpf.der).unwrap().to_base64();
    /// assert!(cache.get_base64(&text).is_none());
    /// let parsed = cache.parse_base64(&text, &pki.ecpf.der).unwrap();
    /// assert_eq!(cache.get_base64(&text), Some(parsed));
    /// ```
    pub fn get_base64(&self, b64: &str) -> Option<Certificate> {
        self.inner
            .lock()
            .ok()
            .and_then(|m| m.by_text.get(b64).cloned())
    }

    /// As [`CertificateCache::parse`] for `der`, the decoding of the standard Base64
    /// `b64`; the certificate is also kept under that text for
    /// [`CertificateCache::get_base64`]. The caller decodes (and so answers for `der`
    /// being the text's decoding); a failure to parse keeps nothing.
    pub fn parse_base64(&self, b64: &str, der: &[u8]) -> Result<Certificate> {
        let cert = self.parse(der)?;
        if let Ok(mut guard) = self.inner.lock() {
            let m = &mut *guard;
            if !m.by_text.contains_key(b64) {
                m.room_for(b64.len());
                // Both maps hold it (a start-over may have emptied the DER map).
                m.keep_der(&cert);
                m.by_text.insert(b64.into(), cert.clone());
                m.bytes = m.bytes.saturating_add(b64.len());
            }
        }
        Ok(cert)
    }

    /// Keeps `cert`, parsed elsewhere (a trust store's pool), as if this cache had parsed
    /// it: an `x5c` carrying the same DER then costs a hash and a lookup.
    pub(crate) fn keep(&self, cert: &Certificate) {
        if let Ok(mut m) = self.inner.lock() {
            if !m.map.contains_key(&cert.sha256()) {
                m.room_for(cert.der().len());
                m.keep_der(cert);
            }
        }
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

    #[test]
    fn text_entries_share_the_bounds() {
        let pki = crate::testpki::TestPki::shared();
        let cache = CertificateCache::new();
        let text = Certificate::from_der(&pki.ac1.der).unwrap().to_base64();
        let a = cache.parse_base64(&text, &pki.ac1.der).unwrap();
        let b = cache.parse_base64(&text, &pki.ac1.der).unwrap();
        assert_eq!(a, b);
        assert_eq!(cache.get_base64(&text), Some(a));
        assert_eq!(
            cache.inner.lock().unwrap().bytes,
            pki.ac1.der.len() + text.len()
        );
        // Another spelling of the same DER is not a hit until it is parsed from that text.
        let other = format!("{text} ");
        assert!(cache.get_base64(&other).is_none());
        // A failed parse keeps nothing under its text.
        assert!(cache.parse_base64("MAA=", b"\x30\x00").is_err());
        assert!(cache.get_base64("MAA=").is_none());
        // Past the byte bound, both maps start over.
        cache.inner.lock().unwrap().bytes = CERTIFICATE_CACHE_MAX_BYTES;
        let text2 = Certificate::from_der(&pki.ac2.der).unwrap().to_base64();
        cache.parse_base64(&text2, &pki.ac2.der).unwrap();
        let m = cache.inner.lock().unwrap();
        assert_eq!((m.map.len(), m.by_text.len()), (1, 1));
        assert_eq!(m.bytes, pki.ac2.der.len() + text2.len());
    }

    #[test]
    fn a_trust_store_keeps_its_pool_parsed() {
        let pki = crate::testpki::TestPki::shared();
        let c = |d: &[u8]| Certificate::from_der(d).unwrap();
        let ac1 = c(&pki.ac1.der);
        let store = crate::TrustStore::from_root_certs(vec![c(&pki.root.der)])
            .unwrap()
            .with_ca_certs([ac1.clone(), c(&pki.ac2.der)]);
        let cache = store.certificates();
        assert_eq!(cache.len(), 3);
        // An `x5c` carrying a pool certificate gets the pool's own: nothing is parsed.
        let again = cache.parse(&pki.ac1.der).unwrap();
        assert_eq!(cache.len(), 3);
        assert!(Arc::ptr_eq(&again.inner, &ac1.inner));
        // A certificate outside the pool is parsed (a new object) and kept.
        let leaf = cache.parse(&pki.ecpf.der).unwrap();
        assert_eq!(cache.len(), 4);
        assert!(!Arc::ptr_eq(&leaf.inner, &c(&pki.ecpf.der).inner));
    }
}
