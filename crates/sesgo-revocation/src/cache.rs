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

/// The cache of a network context: its on-disk cache ([`DiskCache`], namespaces `ocsp`
/// and `crl`, shared with AIA and the ITI archive and with other processes) when it has
/// one, else the process's memory ([`process_cache`]). Entries are checked again like any
/// evidence (signature, freshness) whatever their origin, and a corrupted blob is a miss
/// ([`DiskCache::get`]).
#[derive(Debug, Clone, Default)]
pub struct SharedCache {
    disk: Option<Arc<DiskCache>>,
}

impl SharedCache {
    /// `disk`, or the process's memory when `None`.
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
        let Some(disk) = &self.disk else {
            return process_cache().get(key);
        };
        let (namespace, rest) = Self::split(key)?;
        let entry = disk.get(namespace, rest)?;
        Some((entry.body, entry.fetched_at))
    }

    fn put(&self, key: &str, der: &[u8], at: i64) {
        match (&self.disk, Self::split(key)) {
            // Best effort: a full or read-only disk only costs a later fetch.
            (Some(disk), Some((namespace, rest))) => {
                let _ = disk.put(namespace, rest, der, None);
            }
            (Some(_), None) => {}
            (None, _) => process_cache().put(key, der, at),
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
        assert_eq!(
            disk.get("crl", "http://127.0.0.1:9/shared-cache-test.crl")
                .unwrap()
                .body,
            b"der"
        );
        // Not in the process's memory: the network's cache is its own.
        assert!(process_cache().get(key).is_none());
        // What another process wrote is found on disk.
        let other = "http://127.0.0.1:9/written-by-another-process.crl";
        disk.put("crl", other, b"other", None).unwrap();
        let again = SharedCache::new(Some(disk));
        assert_eq!(again.get(&format!("crl {other}")).unwrap().0, b"other");
        assert!(again.get("other http://x").is_none());
        // Without a disk: the process's memory.
        let memory = SharedCache::new(None);
        memory.put("ocsp http://127.0.0.1:9/ocsp id", b"r", 5);
        assert_eq!(
            process_cache()
                .get("ocsp http://127.0.0.1:9/ocsp id")
                .unwrap(),
            (b"r".to_vec(), 5)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
