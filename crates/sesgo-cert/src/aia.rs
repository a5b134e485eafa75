//! Chain completion from AIA `caIssuers` ("Montar cadeia", IG-DIGEST §13; criar 2.1):
//! missing intermediates are fetched from the URLs the certificates name (DER, PEM or
//! PKCS#7 certs-only), cached by URL in memory and on disk, with depth, fetch count and
//! loops bounded. Fetched certificates only join the pool: trust is still decided by the
//! pinned roots in [`validate_chain`](crate::validate_chain) (ADR 0046).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use const_oid::db::rfc5280::{ID_AD_CA_ISSUERS, ID_AD_OCSP, ID_CE_CRL_DISTRIBUTION_POINTS};
use const_oid::db::rfc5912::ID_PE_AUTHORITY_INFO_ACCESS;
use der::{Decode, Encode};
use sesgo_core::{Code, Error, Result};
use sesgo_fetch::{DiskCache, Fetch, FetchError, Method, Purpose, Request};
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{AuthorityInfoAccessSyntax, CrlDistributionPoints};

use crate::cert::Certificate;

/// Cache namespace of AIA downloads in the [`DiskCache`].
pub const CACHE_NAMESPACE: &str = "aia";

/// Limits and freshness of AIA fetching.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AiaConfig {
    /// Timeout of one fetch (IG-DIGEST §13: intermediates, default 20 s, range [5, 120]).
    pub timeout: Duration,
    /// Largest accepted response (default 1 MiB).
    pub max_bytes: u64,
    /// Most URLs fetched while completing one chain (default 8).
    pub max_fetches: usize,
    /// Longest chain built, root included (IG-DIGEST §13: default 5, range [2, 10]).
    pub max_depth: usize,
    /// How long a download is reused without asking again (the chain-cache TTL,
    /// IG-DIGEST §13: default 86400 s). An older copy is still used when the network
    /// fails: certificates carry their own signatures.
    pub ttl: Duration,
}

impl Default for AiaConfig {
    fn default() -> Self {
        AiaConfig {
            timeout: Duration::from_secs(20),
            max_bytes: 1 << 20,
            max_fetches: 8,
            max_depth: 5,
            ttl: Duration::from_secs(86_400),
        }
    }
}

/// Where missing issuers come from: a [`Fetch`] transport, an optional shared
/// [`DiskCache`], and an in-memory layer kept for the life of the trust store that holds
/// it (`TrustStore::with_aia`).
pub struct AiaSource {
    fetch: Arc<dyn Fetch>,
    cache: Option<Arc<DiskCache>>,
    config: AiaConfig,
    memory: Mutex<HashMap<String, (Instant, Vec<Certificate>)>>,
    locks: Mutex<HashMap<String, Arc<Mutex<()>>>>,
}

impl std::fmt::Debug for AiaSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AiaSource")
            .field("config", &self.config)
            .field("cache", &self.cache.as_ref().map(|c| c.dir().to_path_buf()))
            .finish_non_exhaustive()
    }
}

impl AiaSource {
    /// A source fetching with `fetch`, caching on disk in `cache` if given.
    pub fn new(fetch: Arc<dyn Fetch>, cache: Option<Arc<DiskCache>>, config: AiaConfig) -> Self {
        AiaSource {
            fetch,
            cache,
            config,
            memory: Mutex::new(HashMap::new()),
            locks: Mutex::new(HashMap::new()),
        }
    }

    /// The limits in use.
    pub fn config(&self) -> &AiaConfig {
        &self.config
    }

    /// The transport: a trust store completing chains online carries its network, which
    /// the layers above (revocation, time stamps) use for their own requests.
    pub fn fetcher(&self) -> Arc<dyn Fetch> {
        Arc::clone(&self.fetch)
    }

    /// The shared on-disk cache, if any.
    pub fn cache(&self) -> Option<&Arc<DiskCache>> {
        self.cache.as_ref()
    }

    /// The certificates at `url` (memory, then disk cache, then network; a stale disk copy
    /// when the network fails). Concurrent callers for one URL fetch it once.
    pub fn certificates_at(&self, url: &str) -> std::result::Result<Vec<Certificate>, String> {
        if let Some(certs) = self.remembered(url) {
            return Ok(certs);
        }
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(locks.entry(url.to_owned()).or_default())
        };
        let _guard = lock.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(certs) = self.remembered(url) {
            return Ok(certs);
        }
        let certs = self.load(url)?;
        let mut memory = self.memory.lock().unwrap_or_else(|e| e.into_inner());
        if memory.len() >= 1024 {
            memory.clear();
        }
        memory.insert(url.to_owned(), (Instant::now(), certs.clone()));
        Ok(certs)
    }

    fn remembered(&self, url: &str) -> Option<Vec<Certificate>> {
        let memory = self.memory.lock().unwrap_or_else(|e| e.into_inner());
        memory
            .get(url)
            .filter(|(at, _)| at.elapsed() <= self.config.ttl)
            .map(|(_, certs)| certs.clone())
    }

    fn load(&self, url: &str) -> std::result::Result<Vec<Certificate>, String> {
        let download = || -> std::result::Result<(Vec<u8>, Option<String>), String> {
            let response = self
                .fetch
                .fetch(&Request {
                    method: Method::Get,
                    url,
                    purpose: Purpose::Aia,
                    content_type: None,
                    accept: Some("application/pkix-cert, application/pkcs7-mime, */*"),
                    headers: &[],
                    body: None,
                    max_bytes: self.config.max_bytes,
                    timeout: self.config.timeout,
                    client_identity: None,
                })
                .map_err(|e: FetchError| e.to_string())?;
            if response.status != 200 {
                return Err(format!("HTTP {} em {url}", response.status));
            }
            // Refuse what does not parse before it reaches the cache.
            parse_certificates(&response.body)?;
            Ok((response.body, response.content_type))
        };
        let Some(cache) = &self.cache else {
            return parse_certificates(&download()?.0);
        };
        match cache.get_or_fetch(CACHE_NAMESPACE, url, self.config.ttl, download) {
            Ok(entry) => match parse_certificates(&entry.body) {
                Ok(certs) => Ok(certs),
                Err(e) => {
                    cache.remove(CACHE_NAMESPACE, url);
                    Err(e)
                }
            },
            Err(e) => match cache.get(CACHE_NAMESPACE, url) {
                // A stale copy: certificates are signed, their age does not matter.
                Some(stale) => parse_certificates(&stale.body).map_err(|_| e),
                None => Err(e),
            },
        }
    }

    /// Completes the chain of `certs[0]` from `certs[1..]`, `pool` and AIA downloads until
    /// a self-issued certificate. Failure: `CERT.CHAIN-INCOMPLETE` (no issuer found, the
    /// URLs failed — offline included — or a bound was reached), located at the
    /// certificate whose issuer is missing.
    pub fn complete(
        &self,
        certs: &[Certificate],
        pool: &[Certificate],
    ) -> Result<Vec<Certificate>> {
        let (leaf, rest) = certs.split_first().ok_or_else(|| {
            Error::new(Code::CertChainIncomplete, "nenhum certificado informado").at("x5c")
        })?;
        let mut candidates: Vec<Certificate> = rest.to_vec();
        candidates.extend(pool.iter().cloned());
        let mut visited: HashSet<String> = HashSet::new();
        let mut fetched = 0usize;
        loop {
            let chain = crate::chain::order_from_pool(leaf, &candidates);
            let top = chain.last().unwrap_or(leaf);
            if top.is_self_issued() {
                return Ok(chain);
            }
            let at = format!("x5c[{}]", chain.len() - 1);
            let incomplete = |why: String| {
                Error::new(
                    Code::CertChainIncomplete,
                    format!(
                        "emissor de '{}' não encontrado (esperado '{}'): {why}",
                        top.subject(),
                        top.issuer()
                    ),
                )
                .at(at.clone())
            };
            if chain.len() >= self.config.max_depth {
                return Err(incomplete(format!(
                    "profundidade máxima {} atingida",
                    self.config.max_depth
                )));
            }
            let urls: Vec<String> = top
                .ca_issuers_urls()
                .into_iter()
                .filter(|u| !visited.contains(u))
                .collect();
            if urls.is_empty() {
                return Err(incomplete(
                    "nenhuma URL caIssuers (AIA) ainda não consultada".to_owned(),
                ));
            }
            let mut failures = Vec::new();
            let mut found = false;
            for url in urls {
                if fetched >= self.config.max_fetches {
                    return Err(incomplete(format!(
                        "limite de {} downloads AIA atingido",
                        self.config.max_fetches
                    )));
                }
                fetched += 1;
                visited.insert(url.clone());
                match self.certificates_at(&url) {
                    Ok(certs) => {
                        let issuers: Vec<Certificate> = certs
                            .into_iter()
                            .filter(|c| {
                                top.issuer_is_subject_of(c)
                                    && top.verify_signed_by(c).is_ok()
                                    && !chain.contains(c)
                            })
                            .collect();
                        if issuers.is_empty() {
                            failures.push(format!("{url}: nenhum emissor válido"));
                        } else {
                            candidates.extend(issuers);
                            found = true;
                            break;
                        }
                    }
                    Err(e) => failures.push(e),
                }
            }
            if !found {
                return Err(incomplete(failures.join("; ")));
            }
        }
    }
}

/// The certificates of an AIA download: one DER certificate, PEM (one or more), or a
/// PKCS#7/CMS `SignedData` (DER or PEM) carrying certificates only.
pub fn parse_certificates(bytes: &[u8]) -> std::result::Result<Vec<Certificate>, String> {
    let text_start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    if bytes
        .get(text_start..)
        .unwrap_or_default()
        .starts_with(b"-----BEGIN")
    {
        if bytes.windows(17).any(|w| w == b"BEGIN CERTIFICATE") {
            return Certificate::all_from_pem(bytes)
                .map_err(|e| format!("PEM ilegível: {}", e.primary().diagnostics()))
                .and_then(non_empty);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| "PEM não é texto".to_owned())?;
        let (label, der) = der::pem::decode_vec(text.trim().as_bytes())
            .map_err(|e| format!("PEM ilegível: {e}"))?;
        if label != "PKCS7" && label != "CMS" {
            return Err(format!("PEM inesperado: {label}"));
        }
        return pkcs7_certificates(&der);
    }
    match Certificate::from_der(bytes) {
        Ok(c) => Ok(vec![c]),
        Err(_) => pkcs7_certificates(bytes),
    }
}

fn non_empty(certs: Vec<Certificate>) -> std::result::Result<Vec<Certificate>, String> {
    if certs.is_empty() {
        Err("nenhum certificado".to_owned())
    } else {
        Ok(certs)
    }
}

fn pkcs7_certificates(der: &[u8]) -> std::result::Result<Vec<Certificate>, String> {
    let not_cert = || "conteúdo não é certificado DER, PEM nem PKCS#7".to_owned();
    let info = cms::content_info::ContentInfo::from_der(der).map_err(|_| not_cert())?;
    if info.content_type != const_oid::db::rfc5911::ID_SIGNED_DATA {
        return Err(not_cert());
    }
    let signed: cms::signed_data::SignedData = info.content.decode_as().map_err(|_| not_cert())?;
    let mut out = Vec::new();
    for choice in signed.certificates.iter().flat_map(|set| set.0.iter()) {
        if let cms::cert::CertificateChoices::Certificate(c) = choice {
            let der = c.to_der().map_err(|e| e.to_string())?;
            out.push(
                Certificate::from_der(&der).map_err(|e| e.primary().diagnostics().to_owned())?,
            );
        }
    }
    non_empty(out)
}

fn uris(names: &[GeneralName]) -> impl Iterator<Item = String> + '_ {
    names.iter().filter_map(|n| match n {
        GeneralName::UniformResourceIdentifier(uri) => Some(uri.as_str().to_owned()),
        _ => None,
    })
}

impl Certificate {
    fn extension_value(&self, oid: const_oid::ObjectIdentifier) -> Option<&[u8]> {
        self.x509()
            .tbs_certificate
            .extensions
            .as_ref()?
            .iter()
            .find(|e| e.extn_id == oid)
            .map(|e| e.extn_value.as_bytes())
    }

    fn access_urls(&self, method: const_oid::ObjectIdentifier) -> Vec<String> {
        let Some(value) = self.extension_value(ID_PE_AUTHORITY_INFO_ACCESS) else {
            return Vec::new();
        };
        let Ok(aia) = AuthorityInfoAccessSyntax::from_der(value) else {
            return Vec::new();
        };
        aia.0
            .iter()
            .filter(|d| d.access_method == method)
            .filter_map(|d| match &d.access_location {
                GeneralName::UniformResourceIdentifier(uri) => Some(uri.as_str().to_owned()),
                _ => None,
            })
            .collect()
    }

    /// `http(s)` URLs of the AIA `caIssuers` access descriptions (where the issuer's
    /// certificate is published), in certificate order. Empty if absent or unreadable.
    pub fn ca_issuers_urls(&self) -> Vec<String> {
        self.access_urls(ID_AD_CA_ISSUERS)
            .into_iter()
            .filter(|u| is_http(u))
            .collect()
    }

    /// URLs of the AIA `id-ad-ocsp` access descriptions (OCSP responders), in order.
    pub fn ocsp_urls(&self) -> Vec<String> {
        self.access_urls(ID_AD_OCSP)
            .into_iter()
            .filter(|u| is_http(u))
            .collect()
    }

    /// `http(s)` URLs of the CRL distribution points (full names), in order.
    pub fn crl_urls(&self) -> Vec<String> {
        let Some(value) = self.extension_value(ID_CE_CRL_DISTRIBUTION_POINTS) else {
            return Vec::new();
        };
        let Ok(points) = CrlDistributionPoints::from_der(value) else {
            return Vec::new();
        };
        points
            .0
            .iter()
            .filter_map(|p: &DistributionPoint| match &p.distribution_point {
                Some(DistributionPointName::FullName(names)) => {
                    Some(uris(names).collect::<Vec<_>>())
                }
                _ => None,
            })
            .flatten()
            .filter(|u| is_http(u))
            .collect()
    }
}

fn is_http(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}
