//! Keeping ITI's CA archive fresh (IG-DIGEST §12, *gerenciar trust store*): download
//! `hashsha512.txt`, then — only if it changed — `ACcompactado.zip`; check the SHA-512
//! before opening; replace the cached copy atomically; keep the last good copy when a
//! refresh fails, and say how old it is (ADR 0046).
//!
//! Both files are kept exactly as downloaded in the shared [`DiskCache`] (namespace
//! [`CACHE_NAMESPACE`], keyed by their URLs): the guide's *repositório local*. The
//! certificates parsed from them are the *cache de consulta*.
//!
//! Ages and codes (SAFIRA's settings, DECISIONS D18): younger than
//! [`ItiConfig::refresh_after`], the copy is used as is; older, a refresh is tried and, if
//! it fails, the copy is still used with `CACHE.STALE-BUT-VALID` (up to
//! [`ItiConfig::critical_after`]) or `CACHE.CRITICAL-STALE` (up to
//! [`ItiConfig::max_age`]); past that it is refused with `CACHE.EXPIRED-UNSAFE`.

use std::collections::BTreeSet;
use std::time::Duration;

use sesgo_core::{Code, Error, Finding, Result, Severity};
use sesgo_fetch::{DiskCache, Fetch, Method, Purpose, Request};

use crate::iti::{parse_hash_file, read_ac_archive, AcArchive, ArchiveLimits};

/// ITI's archive of every valid ICP-Brasil CA certificate (IG 0.1.0 URL).
pub const ITI_ZIP_URL: &str =
    "https://acraiz.icpbrasil.gov.br/credenciadas/CertificadosAC-ICP-Brasil/ACcompactado.zip";
/// The SHA-512 of [`ITI_ZIP_URL`] (IG 0.1.0 URL).
pub const ITI_HASH_URL: &str =
    "https://acraiz.icpbrasil.gov.br/credenciadas/CertificadosAC-ICP-Brasil/hashsha512.txt";
/// Cache namespace of the two files.
pub const CACHE_NAMESPACE: &str = "iti";

/// Where the archive comes from and how fresh it must be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItiConfig {
    /// URL of `ACcompactado.zip` (`https://`).
    pub zip_url: String,
    /// URL of `hashsha512.txt` (`https://`).
    pub hash_url: String,
    /// Timeout of each download (default 30 s).
    pub timeout: Duration,
    /// Age after which a refresh is attempted (default 24 h).
    pub refresh_after: Duration,
    /// Age after which a copy that could not be refreshed is critical (default 48 h).
    pub critical_after: Duration,
    /// Age after which a copy is no longer used (default 7 days).
    pub max_age: Duration,
    /// Bounds applied to the archive.
    pub limits: ArchiveLimits,
}

impl Default for ItiConfig {
    fn default() -> Self {
        ItiConfig {
            zip_url: ITI_ZIP_URL.to_owned(),
            hash_url: ITI_HASH_URL.to_owned(),
            timeout: Duration::from_secs(30),
            refresh_after: Duration::from_secs(86_400),
            critical_after: Duration::from_secs(2 * 86_400),
            max_age: Duration::from_secs(7 * 86_400),
            limits: ArchiveLimits::default(),
        }
    }
}

/// The archive in use and what the last operation did.
#[derive(Clone, Debug)]
pub struct ItiStatus {
    /// The verified archive.
    pub archive: AcArchive,
    /// When its hash was last confirmed against the published one, Unix seconds.
    pub verified_at: i64,
    /// Seconds since then.
    pub age_secs: u64,
    /// Whether the network was asked during this operation (and answered).
    pub refreshed: bool,
    /// Whether the archive changed during this operation.
    pub changed: bool,
    /// SHA-512 of the archive before this operation, if there was one.
    pub previous_sha512: Option<String>,
    /// Subjects of certificates that appeared.
    pub added: Vec<String>,
    /// Subjects of certificates that disappeared.
    pub removed: Vec<String>,
    /// Staleness warnings (`CACHE.*`) and the refresh failure behind them.
    pub warnings: Vec<Finding>,
}

/// The cached archive, verified again, without touching the network. `None` if there is
/// none; `Some(Err)` if the cached copy fails its hash or cannot be read.
pub fn cached(cache: &DiskCache, config: &ItiConfig) -> Option<Result<ItiStatus>> {
    let zip = cache.get(CACHE_NAMESPACE, &config.zip_url)?;
    let hash = cache.get(CACHE_NAMESPACE, &config.hash_url)?;
    Some(
        read_ac_archive(&zip.body, &hash.body, &config.limits).map(|archive| ItiStatus {
            archive,
            verified_at: hash.fetched_at,
            age_secs: hash.age_secs(),
            refreshed: false,
            changed: false,
            previous_sha512: None,
            added: Vec::new(),
            removed: Vec::new(),
            warnings: Vec::new(),
        }),
    )
}

fn download(
    fetch: &dyn Fetch,
    url: &str,
    max_bytes: u64,
    timeout: Duration,
    code: Code,
    loc: &str,
) -> Result<Vec<u8>> {
    let response = fetch
        .fetch(&Request {
            method: Method::Get,
            url,
            purpose: Purpose::TrustStore,
            content_type: None,
            accept: None,
            headers: &[],
            body: None,
            max_bytes,
            timeout,
            client_identity: None,
        })
        .map_err(|e| Error::new(code, format!("download falhou: {e}")).at(loc))?;
    if response.status != 200 {
        return Err(Error::new(
            code,
            format!("download falhou: HTTP {} em {url}", response.status),
        )
        .at(loc));
    }
    Ok(response.body)
}

fn subjects(archive: &AcArchive) -> BTreeSet<(String, String)> {
    archive
        .certificates
        .iter()
        .map(|(_, c)| (c.subject(), c.sha256_hex()))
        .collect()
}

/// Downloads the hash and, if it differs from the cached archive's, the archive; checks
/// the SHA-512 before opening it; stores both atomically. The cached copy is untouched
/// when anything fails.
///
/// Failures: `NETWORK.HASH-DOWNLOAD-FAILED`, `NETWORK.ZIP-DOWNLOAD-FAILED` (offline
/// included), `SECURITY.HASH-VALIDATION-FAILED` (malformed hash file or archive not
/// matching it), `STORAGE.INDEX-CREATION-FAILED` (corrupted archive, over a limit).
pub fn refresh(fetch: &dyn Fetch, cache: &DiskCache, config: &ItiConfig) -> Result<ItiStatus> {
    let previous = cached(cache, config).and_then(|r| r.ok());
    let hash = download(
        fetch,
        &config.hash_url,
        4096,
        config.timeout,
        Code::NetworkHashDownloadFailed,
        "hashsha512.txt",
    )?;
    let expected: String = parse_hash_file(&hash)?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let previous_sha512 = previous.as_ref().map(|p| p.archive.sha512.clone());
    if let Some(mut same) = previous.filter(|p| p.archive.sha512 == expected) {
        let stored = cache.put(CACHE_NAMESPACE, &config.hash_url, &hash, None);
        same.verified_at = stored.map(|e| e.fetched_at).unwrap_or(same.verified_at);
        same.age_secs = 0;
        same.refreshed = true;
        same.previous_sha512 = previous_sha512;
        return Ok(same);
    }
    let zip = download(
        fetch,
        &config.zip_url,
        config.limits.max_zip_bytes as u64,
        config.timeout,
        Code::NetworkZipDownloadFailed,
        "ACcompactado.zip",
    )?;
    let archive = read_ac_archive(&zip, &hash, &config.limits)?;
    let storage = |e: std::io::Error| {
        Error::new(
            Code::StorageIndexCreationFailed,
            format!("falha ao gravar no cache '{}': {e}", cache.dir().display()),
        )
    };
    // Archive first, hash last: a reader never pairs the new hash with the old archive
    // for long, and a mismatch is refused by the hash check anyway.
    cache
        .put(
            CACHE_NAMESPACE,
            &config.zip_url,
            &zip,
            Some("application/zip"),
        )
        .map_err(storage)?;
    let stored = cache
        .put(CACHE_NAMESPACE, &config.hash_url, &hash, Some("text/plain"))
        .map_err(storage)?;
    Ok(ItiStatus {
        verified_at: stored.fetched_at,
        age_secs: 0,
        refreshed: true,
        changed: true,
        previous_sha512,
        added: Vec::new(),
        removed: Vec::new(),
        warnings: Vec::new(),
        archive,
    })
}

/// [`refresh`] with the difference to the previous archive filled in.
pub fn refresh_and_compare(
    fetch: &dyn Fetch,
    cache: &DiskCache,
    config: &ItiConfig,
) -> Result<ItiStatus> {
    let before = cached(cache, config)
        .and_then(|r| r.ok())
        .map(|s| subjects(&s.archive))
        .unwrap_or_default();
    let mut status = refresh(fetch, cache, config)?;
    let after = subjects(&status.archive);
    status.added = after.difference(&before).map(|(s, _)| s.clone()).collect();
    status.removed = before.difference(&after).map(|(s, _)| s.clone()).collect();
    Ok(status)
}

/// The archive to use now: the cached copy while younger than
/// [`ItiConfig::refresh_after`]; otherwise a refresh, falling back to the cached copy
/// with a `CACHE.*` warning while it is younger than [`ItiConfig::max_age`].
///
/// Failures: no usable copy and the refresh failed → the refresh's code; a copy older
/// than [`ItiConfig::max_age`] and the refresh failed → `CACHE.EXPIRED-UNSAFE`.
pub fn ensure(fetch: &dyn Fetch, cache: &DiskCache, config: &ItiConfig) -> Result<ItiStatus> {
    let current = cached(cache, config).and_then(|r| r.ok());
    if let Some(c) = &current {
        if c.age_secs <= config.refresh_after.as_secs() {
            return Ok(c.clone());
        }
    }
    let failure = match refresh_and_compare(fetch, cache, config) {
        Ok(status) => return Ok(status),
        Err(e) => e,
    };
    let Some(mut copy) = current else {
        return Err(failure);
    };
    let age = copy.age_secs;
    let hours = age / 3600;
    let (code, text) = if age <= config.critical_after.as_secs() {
        (
            Code::CacheStaleButValid,
            format!("cópia local do trust store com {hours} h, atualização falhou; ainda válida"),
        )
    } else if age <= config.max_age.as_secs() {
        (
            Code::CacheCriticalStale,
            format!(
                "cópia local do trust store com {hours} h, atualização falhou; próxima do limite de {} h",
                config.max_age.as_secs() / 3600
            ),
        )
    } else {
        let mut findings = vec![Finding::new(
            Code::CacheExpiredUnsafe,
            format!(
                "cópia local do trust store com {hours} h excede o limite de {} h e a atualização falhou",
                config.max_age.as_secs() / 3600
            ),
        )
        .at("trustStore")];
        findings.extend(failure.into_findings());
        return Err(Error::from_findings(findings).unwrap_or_else(|| {
            Error::new(
                Code::CacheExpiredUnsafe,
                "cópia local do trust store expirada",
            )
        }));
    };
    copy.warnings.push(
        Finding::new(code, text)
            .with_severity(Severity::Warning)
            .at("trustStore"),
    );
    copy.warnings.extend(
        failure
            .into_findings()
            .into_iter()
            .map(|f| f.with_severity(Severity::Warning)),
    );
    Ok(copy)
}
