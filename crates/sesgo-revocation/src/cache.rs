//! The revocation cache (TTL = the guide's revocation cache TTL): responses and CRLs
//! fetched online, keyed by URL (and CertID for OCSP). A small seam, so an on-disk cache
//! shared with the rest of the fetch layer can replace the in-memory one.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

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
