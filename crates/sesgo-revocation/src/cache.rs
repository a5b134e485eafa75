//! The revocation cache (TTL = the guide's revocation cache TTL): responses and CRLs
//! fetched online, keyed by URL (and CertID for OCSP): in memory for the process
//! ([`process_cache`]) and, through [`SharedCache`], in the one on-disk cache of the fetch
//! layer ([`DiskCache`], namespaces `ocsp` and `crl`) shared with AIA and the ITI archive.

use sesgo_fetch::DiskCache;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Where fetched revocation evidence is kept between checks.
pub trait Cache: Send + Sync {
    /// The DER stored under `key` and when it was stored (Unix seconds).
    fn get(&self, key: &str) -> Option<(Vec<u8>, i64)>;
    /// Stores `der` under `key` at time `at`.
    fn put(&self, key: &str, der: &[u8], at: i64);
}

/// No caching at all.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoCache;

impl Cache for NoCache {
    fn get(&self, _key: &str) -> Option<(Vec<u8>, i64)> {
        None
    }
    fn put(&self, _key: &str, _der: &[u8], _at: i64) {}
}

/// An in-memory cache bounded to [`MemoryCache::MAX_ENTRIES`] (the oldest entry goes).
#[derive(Debug, Default)]
pub struct MemoryCache {
    map: Mutex<HashMap<String, (Vec<u8>, i64)>>,
}

impl MemoryCache {
    /// Most entries kept.
    pub const MAX_ENTRIES: usize = 1024;

    /// An empty cache.
    pub fn new() -> MemoryCache {
        MemoryCache::default()
    }

    /// Drops every entry.
    pub fn clear(&self) {
        if let Ok(mut m) = self.map.lock() {
            m.clear();
        }
    }
}

impl Cache for MemoryCache {
    fn get(&self, key: &str) -> Option<(Vec<u8>, i64)> {
        self.map.lock().ok()?.get(key).cloned()
    }

    fn put(&self, key: &str, der: &[u8], at: i64) {
        let Ok(mut m) = self.map.lock() else { return };
        if m.len() >= Self::MAX_ENTRIES && !m.contains_key(key) {
            if let Some(oldest) = m
                .iter()
                .min_by_key(|(_, (_, t))| *t)
                .map(|(k, _)| k.clone())
            {
                m.remove(&oldest);
            }
        }
        m.insert(key.to_owned(), (der.to_vec(), at));
    }
}

/// The process-wide cache the facade uses.
pub fn process_cache() -> &'static MemoryCache {
    static CACHE: OnceLock<MemoryCache> = OnceLock::new();
    CACHE.get_or_init(MemoryCache::new)
}

/// The cache of a network context: the process's memory layer ([`process_cache`]) over the
/// shared on-disk cache, when there is one. Entries read from disk are checked again like
/// any evidence (signature, freshness), and a corrupted blob is a miss ([`DiskCache::get`]).
#[derive(Debug, Clone, Default)]
pub struct SharedCache {
    disk: Option<Arc<DiskCache>>,
}

impl SharedCache {
    /// The memory layer over `disk` (or memory alone).
    pub fn new(disk: Option<Arc<DiskCache>>) -> SharedCache {
        SharedCache { disk }
    }

    /// `"ocsp <url> <certid>"` → (`ocsp`, `"<url> <certid>"`), `"crl <url>"` → (`crl`, url).
    fn split(key: &str) -> Option<(&str, &str)> {
        let (namespace, rest) = key.split_once(' ')?;
        matches!(namespace, "ocsp" | "crl").then_some((namespace, rest))
    }
}

impl Cache for SharedCache {
    fn get(&self, key: &str) -> Option<(Vec<u8>, i64)> {
        if let Some(hit) = process_cache().get(key) {
            return Some(hit);
        }
        let (namespace, rest) = Self::split(key)?;
        let entry = self.disk.as_ref()?.get(namespace, rest)?;
        process_cache().put(key, &entry.body, entry.fetched_at);
        Some((entry.body, entry.fetched_at))
    }

    fn put(&self, key: &str, der: &[u8], at: i64) {
        process_cache().put(key, der, at);
        if let (Some(disk), Some((namespace, rest))) = (&self.disk, Self::split(key)) {
            // Best effort: a full or read-only disk leaves the memory layer working.
            let _ = disk.put(namespace, rest, der, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_cache_keeps_ocsp_and_crl_on_disk_across_contexts() {
        let dir = std::env::temp_dir().join(format!("sesgo-rev-cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let disk = Arc::new(DiskCache::open(&dir, 1 << 20).unwrap());
        let c = SharedCache::new(Some(Arc::clone(&disk)));
        let key = "crl http://127.0.0.1:9/shared-cache-test.crl";
        c.put(key, b"der", 1);
        assert_eq!(disk.get("crl", "http://127.0.0.1:9/shared-cache-test.crl").unwrap().body, b"der");
        // What another process wrote (not in this memory layer) is found on disk.
        let other = "http://127.0.0.1:9/written-by-another-process.crl";
        disk.put("crl", other, b"other", None).unwrap();
        let again = SharedCache::new(Some(disk));
        assert_eq!(again.get(&format!("crl {other}")).unwrap().0, b"other");
        assert_eq!(process_cache().get(&format!("crl {other}")).unwrap().0, b"other");
        assert!(again.get("other http://x").is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
