//! [`DiskCache`]: the one on-disk cache of what sesgo fetches (AIA certificates, CRLs, OCSP
//! responses, the ITI archive), shared by every component and every process of a user
//! (ADR 0046).
//!
//! Layout under the cache directory:
//!
//! ```text
//! v1/blobs/<sha256 of the content>           the bytes, named by their hash
//! v1/<namespace>/<sha256 of the key>.entry   key (usually the URL), content hash, time, type
//! v1/tmp/                                    files being written
//! ```
//!
//! Every file is written to `tmp/` and renamed into place, so a reader (in this or another
//! process) sees either the old or the new file, never a partial one. A blob whose bytes no
//! longer match its name (disk corruption, tampering) is a miss and is removed. The blobs'
//! total size is bounded: past [`DiskCache::max_bytes`], the least recently written go.
//! Within a process, [`DiskCache::get_or_fetch`] lets one thread fetch a key while the
//! others wait for its result, so a cold cache fetches each URL once.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

const VERSION_DIR: &str = "v1";
const MAGIC: &str = "sesgo-cache 1";

/// One cached response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheEntry {
    /// The key it was stored under (usually the URL).
    pub key: String,
    /// The content.
    pub body: Vec<u8>,
    /// Lower-case hex SHA-256 of [`CacheEntry::body`].
    pub sha256: String,
    /// When it was fetched, Unix seconds.
    pub fetched_at: i64,
    /// `Content-Type` it came with, if any.
    pub content_type: Option<String>,
}

impl CacheEntry {
    /// Seconds since it was fetched (never negative).
    pub fn age_secs(&self) -> u64 {
        u64::try_from(now_unix().saturating_sub(self.fetched_at)).unwrap_or(0)
    }
}

/// Summary of an entry, without its content ([`DiskCache::list`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheEntryInfo {
    /// The key (usually the URL).
    pub key: String,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    /// When it was fetched, Unix seconds.
    pub fetched_at: i64,
    /// Size of the content, bytes (0 if the blob is gone).
    pub size: u64,
}

/// (namespace, URL): one fetch at a time per key.
type CacheKey = (String, String);

/// The shared on-disk cache. `Send + Sync`; clone the [`Arc`] to share it.
#[derive(Debug)]
pub struct DiskCache {
    dir: PathBuf,
    max_bytes: u64,
    locks: Mutex<HashMap<CacheKey, Arc<Mutex<()>>>>,
    writes: AtomicU64,
}

/// Default bound of the blobs' total size: 256 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 256 << 20;

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn valid_namespace(ns: &str) -> bool {
    !ns.is_empty()
        && ns.len() <= 32
        && ns
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && ns != "blobs"
        && ns != "tmp"
}

impl DiskCache {
    /// Opens (creating it if needed) the cache at `dir`, bounding the content to
    /// `max_bytes`.
    pub fn open(dir: impl Into<PathBuf>, max_bytes: u64) -> io::Result<DiskCache> {
        let dir = dir.into();
        let root = dir.join(VERSION_DIR);
        std::fs::create_dir_all(root.join("blobs"))?;
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(DiskCache {
            dir,
            max_bytes,
            locks: Mutex::new(HashMap::new()),
            writes: AtomicU64::new(0),
        })
    }

    /// The per-user cache directory: `$SESGO_CACHE_DIR`, else `$XDG_CACHE_HOME/sesgo`,
    /// else `~/.cache/sesgo` (Linux and other Unix), `~/Library/Caches/sesgo` (macOS),
    /// `%LOCALAPPDATA%\sesgo\cache` (Windows). `None` when no home can be found.
    pub fn default_dir() -> Option<PathBuf> {
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if let Some(dir) = var("SESGO_CACHE_DIR") {
            return Some(dir);
        }
        if cfg!(windows) {
            return var("LOCALAPPDATA").map(|d| d.join("sesgo").join("cache"));
        }
        if let Some(xdg) = var("XDG_CACHE_HOME").filter(|p| p.is_absolute()) {
            return Some(xdg.join("sesgo"));
        }
        let home = var("HOME")?;
        if cfg!(target_os = "macos") {
            Some(home.join("Library").join("Caches").join("sesgo"))
        } else {
            Some(home.join(".cache").join("sesgo"))
        }
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The bound of the content's total size, bytes.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    fn root(&self) -> PathBuf {
        self.dir.join(VERSION_DIR)
    }

    fn entry_path(&self, namespace: &str, key: &str) -> Option<PathBuf> {
        valid_namespace(namespace).then(|| {
            self.root()
                .join(namespace)
                .join(format!("{}.entry", sha256_hex(key.as_bytes())))
        })
    }

    fn blob_path(&self, sha256: &str) -> PathBuf {
        self.root().join("blobs").join(sha256)
    }

    /// The entry stored under `key` in `namespace` (e.g. `aia`, `crl`, `ocsp`, `iti`),
    /// whatever its age; `None` if absent, unreadable or corrupted.
    pub fn get(&self, namespace: &str, key: &str) -> Option<CacheEntry> {
        let path = self.entry_path(namespace, key)?;
        let text = read_bounded_text(&path)?;
        let header = parse_header(&text)?;
        if header.key != key {
            return None; // a SHA-256 collision of keys: not ours.
        }
        let blob = self.blob_path(&header.sha256);
        // No blob outlives an eviction above max_bytes: read at most that + 1 byte.
        let body = read_bounded(&blob, self.max_bytes)?;
        if sha256_hex(&body) != header.sha256 {
            let _ = std::fs::remove_file(&blob);
            let _ = std::fs::remove_file(&path);
            return None;
        }
        Some(CacheEntry {
            key: header.key,
            body,
            sha256: header.sha256,
            fetched_at: header.fetched_at,
            content_type: header.content_type,
        })
    }

    /// The entry under `key` if it is at most `max_age` old.
    pub fn get_fresh(&self, namespace: &str, key: &str, max_age: Duration) -> Option<CacheEntry> {
        self.get(namespace, key)
            .filter(|e| e.age_secs() <= max_age.as_secs())
    }

    /// Stores `body` under `key` in `namespace` (fetched now).
    pub fn put(
        &self,
        namespace: &str,
        key: &str,
        body: &[u8],
        content_type: Option<&str>,
    ) -> io::Result<CacheEntry> {
        let path = self.entry_path(namespace, key).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "namespace de cache inválido")
        })?;
        if key.contains(['\n', '\r']) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "chave de cache com quebra de linha",
            ));
        }
        let sha256 = sha256_hex(body);
        let blob = self.blob_path(&sha256);
        if !blob.is_file() {
            self.write_atomically(&blob, body)?;
        }
        let fetched_at = now_unix();
        let content_type = content_type
            .map(|c| c.replace(['\n', '\r'], " "))
            .filter(|c| !c.is_empty());
        let header = format!(
            "{MAGIC}\nkey {key}\nsha256 {sha256}\nfetched {fetched_at}\ntype {}\n",
            content_type.as_deref().unwrap_or("-")
        );
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        self.write_atomically(&path, header.as_bytes())?;
        if self.writes.fetch_add(1, Ordering::Relaxed) % 8 == 0
            || body.len() as u64 > self.max_bytes / 8
        {
            self.evict();
        }
        Ok(CacheEntry {
            key: key.to_owned(),
            body: body.to_vec(),
            sha256,
            fetched_at,
            content_type,
        })
    }

    /// Removes the entry under `key` (its blob stays until evicted: others may share it).
    pub fn remove(&self, namespace: &str, key: &str) {
        if let Some(path) = self.entry_path(namespace, key) {
            let _ = std::fs::remove_file(path);
        }
    }

    /// Every entry of `namespace`, most recent first.
    pub fn list(&self, namespace: &str) -> Vec<CacheEntryInfo> {
        if !valid_namespace(namespace) {
            return Vec::new();
        }
        let Ok(dir) = std::fs::read_dir(self.root().join(namespace)) else {
            return Vec::new();
        };
        let mut out: Vec<CacheEntryInfo> = dir
            .filter_map(|e| e.ok())
            .filter_map(|e| read_bounded_text(&e.path()))
            .filter_map(|text| parse_header(&text))
            .map(|h| CacheEntryInfo {
                size: std::fs::metadata(self.blob_path(&h.sha256))
                    .map(|m| m.len())
                    .unwrap_or(0),
                key: h.key,
                sha256: h.sha256,
                fetched_at: h.fetched_at,
            })
            .collect();
        out.sort_by(|a, b| b.fetched_at.cmp(&a.fetched_at).then(a.key.cmp(&b.key)));
        out
    }

    /// A fresh entry under `key` if there is one; otherwise `fetch` is called and its
    /// result stored. Within this process, concurrent callers for the same key wait for
    /// the first one's result instead of fetching again. A failed fetch stores nothing.
    pub fn get_or_fetch<E>(
        &self,
        namespace: &str,
        key: &str,
        max_age: Duration,
        fetch: impl FnOnce() -> Result<(Vec<u8>, Option<String>), E>,
    ) -> Result<CacheEntry, E> {
        if let Some(entry) = self.get_fresh(namespace, key, max_age) {
            return Ok(entry);
        }
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(
                locks
                    .entry((namespace.to_owned(), key.to_owned()))
                    .or_default(),
            )
        };
        let _guard = lock.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = self.get_fresh(namespace, key, max_age) {
            return Ok(entry);
        }
        let (body, content_type) = fetch()?;
        let entry = match self.put(namespace, key, &body, content_type.as_deref()) {
            Ok(entry) => entry,
            // A cache that cannot be written is no reason to lose what was fetched.
            Err(_) => CacheEntry {
                key: key.to_owned(),
                sha256: sha256_hex(&body),
                body,
                fetched_at: now_unix(),
                content_type,
            },
        };
        Ok(entry)
    }

    fn write_atomically(&self, target: &Path, bytes: &[u8]) -> io::Result<()> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let tmp = self.root().join("tmp").join(format!(
            "{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let result = (|| {
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            std::fs::rename(&tmp, target)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// Removes the least recently written blobs until the total fits `max_bytes`.
    fn evict(&self) {
        let Ok(dir) = std::fs::read_dir(self.root().join("blobs")) else {
            return;
        };
        let mut blobs: Vec<(SystemTime, u64, PathBuf)> = dir
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let meta = e.metadata().ok()?;
                Some((meta.modified().unwrap_or(UNIX_EPOCH), meta.len(), e.path()))
            })
            .collect();
        let mut total: u64 = blobs.iter().map(|(_, len, _)| len).sum();
        if total <= self.max_bytes {
            return;
        }
        blobs.sort_by_key(|(modified, _, _)| *modified);
        for (_, len, path) in blobs {
            if total <= self.max_bytes {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total = total.saturating_sub(len);
            }
        }
    }
}

struct Header {
    key: String,
    sha256: String,
    fetched_at: i64,
    content_type: Option<String>,
}

fn parse_header(text: &str) -> Option<Header> {
    let mut lines = text.lines();
    if lines.next()? != MAGIC {
        return None;
    }
    let mut field = |name: &str| {
        lines
            .next()
            .and_then(|l| l.strip_prefix(name))
            .and_then(|l| l.strip_prefix(' '))
            .map(str::to_owned)
    };
    let key = field("key")?;
    let sha256 = field("sha256")?;
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let fetched_at = field("fetched")?.parse().ok()?;
    let content_type = field("type").filter(|t| t != "-");
    Some(Header {
        key,
        sha256: sha256.to_ascii_lowercase(),
        fetched_at,
        content_type,
    })
}

/// Largest entry header read (the header names a key and a SHA-256: a few hundred bytes).
const MAX_HEADER_BYTES: u64 = 64 << 10;

/// The file at `path` if it holds at most `max` bytes; reads at most `max + 1` (a file
/// replaced by a device or a huge file costs nothing: docs/adr/0058).
fn read_bounded(path: &Path, max: u64) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(max.saturating_add(1))
        .read_to_end(&mut out)
        .ok()?;
    (out.len() as u64 <= max).then_some(out)
}

/// [`read_bounded`] of an entry header, as UTF-8 text.
fn read_bounded_text(path: &Path) -> Option<String> {
    String::from_utf8(read_bounded(path, MAX_HEADER_BYTES)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(name: &str, max: u64) -> DiskCache {
        let dir = std::env::temp_dir().join(format!("sesgo-cache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        DiskCache::open(dir, max).unwrap()
    }

    #[test]
    fn stores_reads_and_detects_corruption() {
        let c = cache("basic", 1 << 20);
        let url = "http://127.0.0.1:1/aia/ac2.cer";
        assert!(c.get("aia", url).is_none());
        let e = c
            .put("aia", url, b"DER", Some("application/pkix-cert"))
            .unwrap();
        let back = c.get("aia", url).unwrap();
        assert_eq!(back, e);
        assert_eq!(back.content_type.as_deref(), Some("application/pkix-cert"));
        assert!(c.get("crl", url).is_none(), "namespaces are separate");
        assert!(c.get_fresh("aia", url, Duration::from_secs(60)).is_some());
        assert_eq!(c.list("aia").len(), 1);
        // Corrupt the blob: a miss, and the entry goes.
        std::fs::write(c.blob_path(&e.sha256), b"XXX").unwrap();
        assert!(c.get("aia", url).is_none());
        assert!(c.list("aia").is_empty());
        assert!(c.put("../x", url, b"", None).is_err());
        assert!(c.put("aia", "a\nb", b"", None).is_err());
    }

    #[test]
    fn size_is_bounded() {
        let c = cache("bound", 1000);
        for i in 0..20 {
            c.put("crl", &format!("k{i}"), &vec![i as u8; 300], None)
                .unwrap();
        }
        let total: u64 = std::fs::read_dir(c.root().join("blobs"))
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum();
        assert!(total <= 1000, "{total}");
        assert!(c.get("crl", "k19").is_some(), "the newest stays");
    }

    #[test]
    fn concurrent_callers_fetch_once() {
        let c = Arc::new(cache("once", 1 << 20));
        let calls = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let c = Arc::clone(&c);
                let calls = Arc::clone(&calls);
                std::thread::spawn(move || {
                    c.get_or_fetch::<()>("aia", "u", Duration::from_secs(60), || {
                        calls.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(50));
                        Ok((b"body".to_vec(), None))
                    })
                    .unwrap()
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap().body, b"body");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
