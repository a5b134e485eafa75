//! [`Network`]: the facade's network context (issue 18; ADRs 0045, 0046, 0055) — one
//! transport ([`Fetch`]), one on-disk cache ([`DiskCache`]) and the guide's network
//! settings — and the one way anything in sesgo reaches the network: AIA chain completion,
//! the ITI trust-store refresh, OCSP and CRL ([`crate::sign`], [`crate::verify`]), the TSA
//! of strategy `tsa` and access tokens ([`crate::token::token`]).
//!
//! A [`TrustStore`] made with [`Network::attach`] carries the network to `sign` and
//! `verify`; without one they use a default network built from the operation's settings
//! (sesgo's HTTP client, the process's memory cache, no disk cache, no AIA). Offline
//! (`network: false` in either) nothing is fetched and each component reports what it
//! could not obtain with its own code (docs/adr/0055).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sesgo_cert::iti_refresh::{self, ItiConfig, ItiStatus};
use sesgo_cert::{AiaConfig, AiaSource, Certificate};
use sesgo_core::{Code, Error, Finding, Result};
pub use sesgo_fetch::{
    CacheEntry, CacheEntryInfo, ClientIdentity, DiskCache, Fetch, FetchError, HttpConfig,
    HttpFetcher, Method, Offline, ProxyConfig, Purpose, Request, Response, TlsSignatureScheme,
};

use crate::settings::Settings;
use crate::signer::TrustStore;

/// Host-side network options that are not guide settings (JSON: camelCase, unknown
/// members refused, all optional).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct NetworkOptions {
    /// The shared cache directory (default: the per-user cache directory,
    /// [`DiskCache::default_dir`]).
    pub cache_dir: Option<String>,
    /// Bound of the cache's content, bytes (default 256 MiB).
    pub cache_max_bytes: Option<u64>,
    /// URL of ITI's `ACcompactado.zip` (default: ITI's, IG 0.1.0).
    pub trust_store_zip_url: Option<String>,
    /// URL of its `hashsha512.txt` (default: ITI's, IG 0.1.0).
    pub trust_store_hash_url: Option<String>,
    /// Extra trusted roots for HTTPS servers (PEM), besides the system's.
    pub tls_roots_pem: Option<String>,
}

impl NetworkOptions {
    /// Parses the JSON form (empty = defaults).
    pub fn from_json(json: &[u8]) -> Result<Self> {
        crate::options::from_json(json, "network")
    }
}

/// The network context. Cheap to share (`Arc` inside); `Send + Sync`.
///
/// ```
/// use sesgo::{Network, NetworkOptions, Settings};
/// // Offline: nothing is fetched; AIA and the ITI archive come only from the cache.
/// let settings = Settings { network: false, ..Settings::default() };
/// let dir = std::env::temp_dir().join(format!("sesgo-doc-net-{}", std::process::id()));
/// let options = NetworkOptions { cache_dir: Some(dir.display().to_string()), ..Default::default() };
/// let net = Network::new(&settings, &options).unwrap();
/// assert!(net.is_offline());
/// let err = net.refresh_trust_store().unwrap_err();
/// assert_eq!(err.code().as_str(), "NETWORK.HASH-DOWNLOAD-FAILED");
/// ```
#[derive(Clone)]
pub struct Network {
    inner: Arc<Inner>,
}

struct Inner {
    fetch: Arc<dyn Fetch>,
    offline: bool,
    cache: Option<Arc<DiskCache>>,
    settings: Settings,
    options: NetworkOptions,
    aia: Arc<AiaSource>,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network")
            .field("offline", &self.inner.offline)
            .field(
                "cache",
                &self.inner.cache.as_ref().map(|c| c.dir().to_path_buf()),
            )
            .finish_non_exhaustive()
    }
}

fn invalid(option: &str, msg: String) -> Error {
    Error::new(Code::ConfigInvalidParameter, msg).at(option)
}

impl Network {
    /// The default transport ([`HttpFetcher`]: system roots plus
    /// [`NetworkOptions::tls_roots_pem`], environment proxies, retries from the settings),
    /// or [`Offline`] when `settings.network` is false.
    ///
    /// Failures: settings out of range (their `CONFIG.*` code); unreadable TLS roots, URLs
    /// or cache directory → `CONFIG.INVALID-PARAMETER` at the option.
    pub fn new(settings: &Settings, options: &NetworkOptions) -> Result<Network> {
        settings.validate()?;
        if !settings.network {
            return Network::build(Arc::new(Offline), true, settings, options, true);
        }
        let http = http_fetcher(settings, options)?;
        Network::build(Arc::new(http), false, settings, options, true)
    }

    /// The default network of an operation given no [`Network`]: sesgo's HTTP client
    /// configured by `settings` (retries; no extra roots), no disk cache; [`Offline`]
    /// when `settings.network` is false. A transport that cannot be configured (a bad
    /// proxy variable) fails each request with that reason rather than the operation.
    pub(crate) fn ephemeral(settings: &Settings) -> Network {
        let options = NetworkOptions::default();
        let fetch: Arc<dyn Fetch> = if !settings.network {
            Arc::new(Offline)
        } else {
            match http_fetcher(settings, &options) {
                Ok(h) => Arc::new(h),
                Err(e) => Arc::new(Unusable(e.primary().diagnostics().to_owned())),
            }
        };
        Network::assemble(fetch, !settings.network, None, settings, &options)
    }

    /// A context over a caller's own transport (a host HTTP stack, a C callback, a Python
    /// callable, a Java object, a Rust closure). With `settings.network` false it is
    /// offline anyway.
    pub fn with_fetcher(
        fetch: Arc<dyn Fetch>,
        settings: &Settings,
        options: &NetworkOptions,
    ) -> Result<Network> {
        settings.validate()?;
        if !settings.network {
            return Network::build(Arc::new(Offline), true, settings, options, true);
        }
        Network::build(fetch, false, settings, options, true)
    }

    fn build(
        fetch: Arc<dyn Fetch>,
        offline: bool,
        settings: &Settings,
        options: &NetworkOptions,
        disk: bool,
    ) -> Result<Network> {
        for (name, url) in [
            ("trustStoreZipUrl", &options.trust_store_zip_url),
            ("trustStoreHashUrl", &options.trust_store_hash_url),
        ] {
            if let Some(url) = url {
                if !url.starts_with("https://") {
                    return Err(Error::new(
                        Code::ConfigTrustStoreUrlInvalid,
                        format!("URL do trust store deve ser https://: {url}"),
                    )
                    .at(name));
                }
            }
        }
        let dir = match &options.cache_dir {
            Some(d) => Some(PathBuf::from(d)),
            None if disk => DiskCache::default_dir(),
            None => None,
        };
        let max = options
            .cache_max_bytes
            .unwrap_or(sesgo_fetch::DEFAULT_MAX_BYTES);
        let cache = match dir {
            Some(dir) => match DiskCache::open(&dir, max) {
                Ok(c) => Some(Arc::new(c)),
                // An explicit directory must work; the default one is best effort.
                Err(e) if options.cache_dir.is_some() => {
                    return Err(invalid(
                        "cacheDir",
                        format!("diretório de cache '{}' inutilizável: {e}", dir.display()),
                    ))
                }
                Err(_) => None,
            },
            None => None,
        };
        Ok(Network::assemble(fetch, offline, cache, settings, options))
    }

    fn assemble(
        fetch: Arc<dyn Fetch>,
        offline: bool,
        cache: Option<Arc<DiskCache>>,
        settings: &Settings,
        options: &NetworkOptions,
    ) -> Network {
        let aia = Arc::new(AiaSource::new(
            Arc::clone(&fetch),
            cache.clone(),
            AiaConfig {
                timeout: Duration::from_secs(settings.aia_timeout_secs.into()),
                max_depth: settings.max_chain_depth as usize,
                ttl: Duration::from_secs(settings.chain_cache_ttl_secs.into()),
                ..AiaConfig::default()
            },
        ));
        Network {
            inner: Arc::new(Inner {
                fetch,
                offline,
                cache,
                settings: settings.clone(),
                options: options.clone(),
                aia,
            }),
        }
    }

    /// Whether network access is disabled (`network: false`, `--offline`).
    pub fn is_offline(&self) -> bool {
        self.inner.offline
    }

    /// The transport (already [`Offline`] in offline mode).
    pub fn fetcher(&self) -> Arc<dyn Fetch> {
        Arc::clone(&self.inner.fetch)
    }

    /// Performs one request through the transport.
    pub fn fetch(&self, request: &Request<'_>) -> std::result::Result<Response, FetchError> {
        self.inner.fetch.fetch(request)
    }

    /// The shared on-disk cache, if one could be opened.
    pub fn cache(&self) -> Option<&Arc<DiskCache>> {
        self.inner.cache.as_ref()
    }

    /// The settings this context was built with.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The options this context was built with.
    pub fn options(&self) -> &NetworkOptions {
        &self.inner.options
    }

    /// The timeout the settings give a purpose: OCSP, CRL and TSA their own, AIA
    /// `aiaTimeoutSecs`, the ITI archive `trustStoreTimeoutSecs`, token requests the TSA's.
    pub fn timeout(&self, purpose: Purpose) -> Duration {
        let s = &self.inner.settings;
        let secs = match purpose {
            Purpose::Ocsp => s.ocsp_timeout_secs,
            Purpose::Crl => s.crl_timeout_secs,
            Purpose::Aia => s.aia_timeout_secs,
            Purpose::TrustStore => s.trust_store_timeout_secs,
            _ => s.tsa_timeout_secs,
        };
        Duration::from_secs(secs.into())
    }

    /// `trust` (same roots and pool) with this network attached: [`crate::sign`],
    /// [`crate::verify`] and [`build_x5c`] with it complete chains through AIA
    /// `caIssuers` (memory, disk cache, network), so a signature whose `x5c` holds only
    /// the leaf can verify, and make their OCSP, CRL and TSA requests through this
    /// network's transport and cache (offline: none). Trust is still decided only by
    /// `trust`'s pinned roots.
    pub fn attach(&self, trust: &TrustStore) -> TrustStore {
        trust.with_aia(Arc::clone(&self.inner.aia))
    }

    /// The transport with `roots_pem` added to its HTTPS roots when it is sesgo's own
    /// HTTP client ([`Fetch::with_extra_roots`]); a host transport or [`Offline`] as is.
    /// Failure: unreadable PEM or roots → `FORMAT.CERT-PEM-INVALID` /
    /// `CONFIG.INVALID-PARAMETER` at `at`.
    pub(crate) fn fetcher_trusting(
        &self,
        roots_pem: Option<&str>,
        at: &str,
    ) -> Result<Arc<dyn Fetch>> {
        with_roots(self.fetcher(), roots_pem, at)
    }

    /// Where the ITI archive comes from and how fresh it must be.
    pub fn iti_config(&self) -> ItiConfig {
        let s = &self.inner.settings;
        let o = &self.inner.options;
        let defaults = ItiConfig::default();
        ItiConfig {
            zip_url: o.trust_store_zip_url.clone().unwrap_or(defaults.zip_url),
            hash_url: o.trust_store_hash_url.clone().unwrap_or(defaults.hash_url),
            timeout: Duration::from_secs(s.trust_store_timeout_secs.into()),
            refresh_after: Duration::from_secs(s.trust_store_refresh_secs.into()),
            critical_after: Duration::from_secs(s.trust_store_critical_secs.into()),
            max_age: Duration::from_secs(s.trust_store_max_age_secs.into()),
            limits: defaults.limits,
        }
    }

    fn require_cache(&self) -> Result<&Arc<DiskCache>> {
        self.cache().ok_or_else(|| {
            Error::new(
                Code::ConfigMissingParameter,
                "nenhum diretório de cache disponível para o trust store (informe cacheDir)",
            )
            .at("cacheDir")
        })
    }

    /// Downloads ITI's hash and, if it changed, the archive (SHA-512 checked before it is
    /// opened), replacing the cached copy atomically; reports what changed. See
    /// [`sesgo_cert::iti_refresh::refresh`] for the codes.
    pub fn refresh_trust_store(&self) -> Result<ItiStatus> {
        let cache = self.require_cache()?;
        iti_refresh::refresh_and_compare(self.inner.fetch.as_ref(), cache, &self.iti_config())
    }

    /// The cached ITI archive (verified again), without the network: `Ok(None)` if none.
    pub fn trust_store_status(&self) -> Result<Option<ItiStatus>> {
        let cache = self.require_cache()?;
        iti_refresh::cached(cache, &self.iti_config()).transpose()
    }

    /// [`Network::refresh_trust_store`] as the JSON report the CLI and every binding
    /// return: `{"sha512", "previousSha512", "changed", "verifiedAt", "ageSecs",
    /// "certificates", "added": [subject…], "removed": [subject…], "cacheDir"}`.
    pub fn refresh_trust_store_report(&self) -> Result<serde_json::Value> {
        let status = self.refresh_trust_store()?;
        let mut report = iti_report(&status);
        if let Some(o) = report.as_object_mut() {
            o.insert("cacheDir".into(), self.cache_dir_json());
        }
        Ok(report)
    }

    fn cache_dir_json(&self) -> serde_json::Value {
        self.cache()
            .map(|c| serde_json::Value::from(c.dir().to_string_lossy().into_owned()))
            .unwrap_or(serde_json::Value::Null)
    }

    /// What trust rests on, from `trust` and this network's cache, never the network
    /// (`sesgo trust show`): `{"roots": [{"sha256", "name", "subject"}…], "cacheDir",
    /// "itiArchive": null | {refresh report members…, "cas": [{"entry", "subject",
    /// "sha256", "notAfter"}…]} | {"error", "diagnostics"}, "aia": [{"url", "sha256",
    /// "fetchedAt", "ageSecs", "size"}…]}`.
    pub fn trust_store_report(&self, trust: &TrustStore) -> serde_json::Value {
        use serde_json::{json, Value};
        let names: Vec<(String, String)> = sesgo_cert::embedded_icp_roots()
            .into_iter()
            .map(|(n, c)| (c.sha256_hex(), n.to_owned()))
            .collect();
        let roots: Vec<Value> = trust
            .fingerprints_hex()
            .into_iter()
            .map(|fp| {
                let name = names.iter().find(|(f, _)| *f == fp).map(|(_, n)| n.clone());
                let subject = trust
                    .pool()
                    .iter()
                    .find(|c| c.sha256_hex() == fp)
                    .map(Certificate::subject);
                json!({"sha256": fp, "name": name, "subject": subject})
            })
            .collect();
        let iti = match self.trust_store_status() {
            Ok(Some(s)) => {
                let mut v = iti_report(&s);
                let cas: Value = s
                    .archive
                    .certificates
                    .iter()
                    .map(|(entry, c)| {
                        json!({"entry": entry, "subject": c.subject(), "sha256": c.sha256_hex(), "notAfter": c.not_after()})
                    })
                    .collect();
                if let Some(o) = v.as_object_mut() {
                    o.insert("cas".into(), cas);
                }
                v
            }
            Ok(None) => Value::Null,
            Err(e) => json!({"error": e.code().as_str(), "diagnostics": e.primary().diagnostics()}),
        };
        let now = sesgo_cert::now_unix();
        let aia: Vec<Value> = self
            .cache()
            .map(|c| c.list(sesgo_cert::aia::CACHE_NAMESPACE))
            .unwrap_or_default()
            .into_iter()
            .map(|e| {
                json!({"url": e.key, "sha256": e.sha256, "fetchedAt": e.fetched_at,
                       "ageSecs": now.saturating_sub(e.fetched_at), "size": e.size})
            })
            .collect();
        json!({
            "roots": roots,
            "cacheDir": self.cache_dir_json(),
            "itiArchive": iti,
            "aia": aia,
        })
    }

    /// `trust` with the ITI archive's CA certificates in its pool: the cached copy while
    /// fresh, else refreshed, else the last good copy with a `CACHE.*` warning (returned).
    pub fn with_iti(&self, trust: &TrustStore) -> Result<(TrustStore, Vec<Finding>)> {
        let cache = self.require_cache()?;
        let status = iti_refresh::ensure(self.inner.fetch.as_ref(), cache, &self.iti_config())?;
        let store = trust.with_ca_certs(status.archive.certificates.into_iter().map(|(_, c)| c));
        Ok((store, status.warnings))
    }
}

/// The members every ITI report shares.
fn iti_report(status: &ItiStatus) -> serde_json::Value {
    serde_json::json!({
        "sha512": status.archive.sha512,
        "previousSha512": status.previous_sha512,
        "changed": status.changed,
        "verifiedAt": status.verified_at,
        "ageSecs": status.age_secs,
        "certificates": status.archive.certificates.len(),
        "added": status.added,
        "removed": status.removed,
    })
}

/// sesgo's HTTP client as `settings` and `options` configure it: system roots plus
/// `tlsRootsPem`, environment proxies, retries of `GET`s from the settings.
fn http_fetcher(settings: &Settings, options: &NetworkOptions) -> Result<HttpFetcher> {
    let mut extra_roots_der = Vec::new();
    if let Some(pem) = &options.tls_roots_pem {
        let roots = Certificate::all_from_pem(pem).map_err(|e| e.at("tlsRootsPem"))?;
        extra_roots_der.extend(roots.iter().map(|c| c.der().to_vec()));
    }
    HttpFetcher::new(HttpConfig {
        extra_roots_der,
        retries: settings.network_max_retries,
        retry_backoff: Duration::from_secs(settings.network_retry_interval_secs.into()),
        ..HttpConfig::default()
    })
    .map_err(|e| invalid("network", e.to_string()))
}

/// `fetch` also trusting the certificates of `roots_pem` for HTTPS servers, when they
/// apply to it ([`Fetch::with_extra_roots`]).
fn with_roots(fetch: Arc<dyn Fetch>, roots_pem: Option<&str>, at: &str) -> Result<Arc<dyn Fetch>> {
    let Some(pem) = roots_pem else {
        return Ok(fetch);
    };
    let certs = Certificate::all_from_pem(pem).map_err(|e| e.at(at))?;
    if certs.is_empty() {
        return Err(Error::new(Code::FormatCertPemInvalid, "nenhum certificado no PEM").at(at));
    }
    let der: Vec<Vec<u8>> = certs.iter().map(|c| c.der().to_vec()).collect();
    match fetch.with_extra_roots(&der) {
        Ok(Some(f)) => Ok(f),
        Ok(None) => Ok(fetch),
        Err(e) => Err(invalid(at, e)),
    }
}

/// A transport whose configuration could not be built (e.g. a bad proxy variable): every
/// request fails with that reason.
struct Unusable(String);

impl Fetch for Unusable {
    fn fetch(&self, request: &Request<'_>) -> std::result::Result<Response, FetchError> {
        Err(FetchError::Custom {
            url: sesgo_fetch::redact(request.url),
            detail: self.0.clone(),
        })
    }
}

/// The transport of [`Network::ephemeral`], made on its first use.
struct LazyHttp {
    settings: Settings,
    built: std::sync::OnceLock<Arc<dyn Fetch>>,
}

impl LazyHttp {
    fn get(&self) -> &Arc<dyn Fetch> {
        self.built
            .get_or_init(|| Network::ephemeral(&self.settings).fetcher())
    }
}

impl Fetch for LazyHttp {
    fn fetch(&self, request: &Request<'_>) -> std::result::Result<Response, FetchError> {
        self.get().fetch(request)
    }

    fn with_extra_roots(
        &self,
        roots_der: &[Vec<u8>],
    ) -> std::result::Result<Option<Arc<dyn Fetch>>, String> {
        self.get().with_extra_roots(roots_der)
    }
}

/// The transport and cache one operation (sign, verify) uses: those of the network
/// attached to `trust` ([`Network::attach`]), else of [`Network::ephemeral`] built from
/// `settings`; always [`Offline`] when `settings.network` is false (the cache is still
/// read).
pub(crate) struct Route {
    /// The transport.
    pub fetch: Arc<dyn Fetch>,
    /// The revocation cache: the process's memory over the network's disk cache.
    pub revocation_cache: sesgo_revocation::SharedCache,
}

impl Route {
    pub(crate) fn of(trust: &TrustStore, settings: &Settings) -> Route {
        let (fetch, disk) = match trust.aia() {
            Some(aia) => (aia.fetcher(), aia.cache().cloned()),
            // Built on the first request only: most operations fetch nothing (revocation
            // off, evidence or cache enough, complete x5c), and an HTTPS client costs more
            // than a whole verification (issue 17).
            None => (
                Arc::new(LazyHttp {
                    settings: settings.clone(),
                    built: std::sync::OnceLock::new(),
                }) as Arc<dyn Fetch>,
                None,
            ),
        };
        let fetch: Arc<dyn Fetch> = if settings.network {
            fetch
        } else {
            Arc::new(Offline)
        };
        Route {
            fetch,
            revocation_cache: sesgo_revocation::SharedCache::new(disk),
        }
    }

    /// The transport for the TSA: trusting `tsaTlsRootsPem` too when it applies.
    pub(crate) fn tsa_fetcher(&self, settings: &Settings) -> Result<Arc<dyn Fetch>> {
        with_roots(
            Arc::clone(&self.fetch),
            settings.tsa_tls_roots_pem.as_deref(),
            "tsaTlsRootsPem",
        )
    }
}

/// Caso de uso *montar cadeia* (IG-DIGEST §13): the `x5c` of a certificate — leaf
/// first, the root last, standard Base64 DER — completed from `trust`'s pool and, when
/// `trust` completes chains online ([`Network::attach`]), from AIA `caIssuers`.
/// `certificate` is PEM, DER or standard Base64 DER (an `x5c` element).
///
/// The chain is validated at `reference_time` (default now) against `trust`'s pinned
/// roots before it is returned. Failures: unreadable certificate → its `CERT.*`/`FORMAT.*`
/// code at `certificate`; no way to the root → `CERT.CHAIN-INCOMPLETE`; an untrusted or
/// invalid chain → its `CERT.*` code.
pub fn build_x5c(
    certificate: &[u8],
    trust: &TrustStore,
    settings: &Settings,
    reference_time: Option<i64>,
) -> Result<Vec<String>> {
    settings.validate()?;
    if let Some(t) = reference_time {
        crate::settings::check_reference_range(t, "referenceTime")?;
    }
    let text = std::str::from_utf8(certificate).ok().map(str::trim);
    let leaf = match text {
        Some(t) if t.starts_with("-----BEGIN") => Certificate::from_pem(t),
        Some(t)
            if !t.is_empty()
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+/=\r\n".contains(&b)) =>
        {
            Certificate::from_base64(t)
        }
        _ => Certificate::from_der(certificate),
    }
    .map_err(|e| e.at("certificate"))?;
    let chain = trust.complete_chain(&[leaf])?;
    let validated = sesgo_cert::validate_chain(
        &chain,
        trust,
        &sesgo_cert::ChainOptions {
            reference_time: reference_time.unwrap_or_else(sesgo_cert::now_unix),
            max_depth: settings.max_chain_depth as usize,
            near_expiry_days: settings.near_expiry_threshold_days,
        },
    )?;
    Ok(validated.to_x5c())
}
