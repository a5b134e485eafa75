//! [`HttpFetcher`]: the default [`Fetch`] over `ureq` (sync) and rustls (ADR 0045).

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::{ClientConfig, RootCertStore};
use url::Url;

use crate::proxy::ProxyConfig;
use crate::{tls, Fetch, FetchError, Method, Request, Response};

/// Settings of an [`HttpFetcher`].
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// Trust the operating system's roots (or, if none can be read, the Mozilla roots) for
    /// HTTPS servers. Default `true`.
    pub system_roots: bool,
    /// Extra trusted roots for HTTPS servers (DER), e.g. a corporate CA or a test PKI.
    pub extra_roots_der: Vec<Vec<u8>>,
    /// Redirects followed at most (default 5); a loop fails at once.
    pub max_redirects: u32,
    /// Extra attempts of a `GET` after a transient connection failure (reset, broken
    /// connection, unresolved name — not a refused connection) or a 502/503/504 (default 0).
    pub retries: u32,
    /// Wait before the first retry, doubled for each further one (default 500 ms).
    /// Retries never run past the request's timeout.
    pub retry_backoff: Duration,
    /// Proxies (default: from the environment, [`ProxyConfig::from_env`]).
    pub proxy: ProxyConfig,
    /// `User-Agent` header.
    pub user_agent: String,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            system_roots: true,
            extra_roots_der: Vec::new(),
            max_redirects: 5,
            retries: 0,
            retry_backoff: Duration::from_millis(500),
            proxy: ProxyConfig::from_env(),
            user_agent: concat!("sesgo/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// An [`HttpConfig`] that cannot be used (an unreadable extra root, a bad proxy URL).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "configuração de rede inválida: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

/// The default transport: HTTP/1.1 over `ureq` with rustls (TLS 1.2/1.3), the
/// [`Purpose`](crate::Purpose) scheme rule, a total deadline per request, a body bound,
/// bounded and loop-checked redirects, retries with backoff for `GET`, environment
/// proxies, extra HTTPS roots and an optional mTLS [`ClientIdentity`](crate::ClientIdentity).
///
/// Cheap to share: one instance serves every thread (connections are pooled per proxy).
pub struct HttpFetcher {
    config: HttpConfig,
    roots: RootCertStore,
    tls: Arc<ClientConfig>,
    agents: Mutex<HashMap<Option<String>, ureq::Agent>>,
}

impl std::fmt::Debug for HttpFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpFetcher")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl HttpFetcher {
    /// A fetcher with `config`.
    pub fn new(config: HttpConfig) -> Result<Self, ConfigError> {
        let roots =
            tls::root_store(config.system_roots, &config.extra_roots_der).map_err(ConfigError)?;
        let tls = Arc::new(tls::client_config(roots.clone()).map_err(ConfigError)?);
        for proxy in [&config.proxy.http, &config.proxy.https]
            .into_iter()
            .flatten()
        {
            ureq::Proxy::new(proxy)
                .map_err(|e| ConfigError(format!("proxy {}: {e}", redact(proxy))))?;
        }
        Ok(HttpFetcher {
            config,
            roots,
            tls,
            agents: Mutex::new(HashMap::new()),
        })
    }

    /// A fetcher with [`HttpConfig::default`] (system roots, environment proxies).
    pub fn with_defaults() -> Result<Self, ConfigError> {
        Self::new(HttpConfig::default())
    }

    /// The configuration in use.
    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    fn builder(&self, proxy: Option<&str>, tls: Arc<ClientConfig>) -> ureq::AgentBuilder {
        let mut builder = ureq::AgentBuilder::new()
            .tls_config(tls)
            .redirects(0)
            .user_agent(&self.config.user_agent)
            .max_idle_connections_per_host(4);
        if let Some(proxy) = proxy.and_then(|p| ureq::Proxy::new(p).ok()) {
            builder = builder.proxy(proxy);
        }
        builder
    }

    fn shared_agent(&self, proxy: Option<&str>) -> ureq::Agent {
        let key = proxy.map(str::to_owned);
        let mut agents = self.agents.lock().unwrap_or_else(|e| e.into_inner());
        agents
            .entry(key)
            .or_insert_with(|| self.builder(proxy, Arc::clone(&self.tls)).build())
            .clone()
    }

    /// Runs the redirect loop of one request with `agent_for` choosing the agent per URL.
    fn run(
        &self,
        request: &Request<'_>,
        agent_for: &dyn Fn(&Url) -> ureq::Agent,
    ) -> Result<Response, FetchError> {
        let started = Instant::now();
        let deadline = started + request.timeout;
        let shown = redact(request.url);
        let mut url = checked_url(request, request.url)?;
        let mut seen = HashSet::from([url.to_string()]);
        let mut redirects = 0;
        loop {
            let agent = agent_for(&url);
            let response = self.attempts(&agent, request, &url, deadline, &shown)?;
            let status = response.status();
            let location = response.header("location").map(str::to_owned);
            let follow = matches!(
                (status, request.method),
                (301 | 302 | 303 | 307 | 308, Method::Get) | (307 | 308, Method::Post)
            );
            if let (true, Some(location)) = (follow, location) {
                if redirects >= self.config.max_redirects {
                    return Err(FetchError::Redirects { url: shown });
                }
                redirects += 1;
                let next = url
                    .join(&location)
                    .map_err(|_| FetchError::Redirects { url: shown.clone() })?;
                let next = checked_url(request, next.as_str())?;
                if !seen.insert(next.to_string()) {
                    return Err(FetchError::Redirects { url: shown });
                }
                url = next;
                continue;
            }
            return read_response(response, request, &shown);
        }
    }

    /// One hop, retried per the configuration when the method is `GET`.
    fn attempts(
        &self,
        agent: &ureq::Agent,
        request: &Request<'_>,
        url: &Url,
        deadline: Instant,
        shown: &str,
    ) -> Result<ureq::Response, FetchError> {
        let retries = match request.method {
            Method::Get => self.config.retries,
            Method::Post => 0,
        };
        let mut attempt = 0;
        loop {
            let (result, transient) = match send(agent, request, url, deadline, shown) {
                Ok(r) => (Ok(r), false),
                Err((e, transient)) => (Err(e), transient),
            };
            let retryable = match &result {
                Err(FetchError::Connect { .. }) => transient,
                Ok(r) => matches!(r.status(), 502..=504),
                Err(_) => false,
            };
            if !retryable || attempt >= retries {
                return result;
            }
            let mut wait = self
                .config
                .retry_backoff
                .saturating_mul(2u32.saturating_pow(attempt));
            if let Ok(r) = &result {
                if let Some(secs) = r.header("retry-after").and_then(|v| v.trim().parse().ok()) {
                    wait = wait.max(Duration::from_secs(secs));
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if wait >= left {
                return result;
            }
            std::thread::sleep(wait);
            attempt += 1;
        }
    }
}

impl Fetch for HttpFetcher {
    /// A new fetcher with this configuration and `roots_der` added to its HTTPS roots.
    fn with_extra_roots(&self, roots_der: &[Vec<u8>]) -> Result<Option<Arc<dyn Fetch>>, String> {
        let mut config = self.config.clone();
        config.extra_roots_der.extend(roots_der.iter().cloned());
        let fetcher = HttpFetcher::new(config).map_err(|e| e.0)?;
        Ok(Some(Arc::new(fetcher)))
    }

    fn fetch(&self, request: &Request<'_>) -> Result<Response, FetchError> {
        let Some(identity) = request.client_identity else {
            return self.run(request, &|url| {
                self.shared_agent(self.config.proxy.proxy_for(url))
            });
        };
        // mTLS: a fresh agent (no pooled connection carries someone else's identity) on a
        // scoped thread; this thread signs the handshake with the borrowed identity.
        let (config, jobs) = tls::client_config_with_identity(self.roots.clone(), identity)
            .map_err(|detail| FetchError::Tls {
                url: redact(request.url),
                detail,
            })?;
        let config = Arc::new(config);
        std::thread::scope(|scope| {
            let worker = scope.spawn(|| {
                let config = config;
                let result = self.run(request, &|url| {
                    self.builder(self.config.proxy.proxy_for(url), Arc::clone(&config))
                        .max_idle_connections(0)
                        .build()
                });
                drop(config);
                result
            });
            tls::serve_sign_jobs(identity, &jobs, || worker.is_finished());
            worker.join().unwrap_or_else(|_| {
                Err(FetchError::Custom {
                    url: redact(request.url),
                    detail: "falha interna do transporte HTTP".to_owned(),
                })
            })
        })
    }
}

/// Parses `url` and applies the purpose's scheme rule.
fn checked_url(request: &Request<'_>, url: &str) -> Result<Url, FetchError> {
    let refused = || FetchError::Scheme { url: redact(url) };
    let parsed = Url::parse(url).map_err(|_| refused())?;
    let allowed = match parsed.scheme() {
        "https" => true,
        "http" => request.purpose.allows_plain_http(),
        _ => false,
    };
    if !allowed || parsed.host().is_none() {
        return Err(refused());
    }
    Ok(parsed)
}

fn send(
    agent: &ureq::Agent,
    request: &Request<'_>,
    url: &Url,
    deadline: Instant,
    shown: &str,
) -> Result<ureq::Response, (FetchError, bool)> {
    let timeout_err = || FetchError::Timeout {
        url: shown.to_owned(),
        timeout: request.timeout,
    };
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err((timeout_err(), false));
    }
    let method = match request.method {
        Method::Get => "GET",
        Method::Post => "POST",
    };
    let mut call = agent.request_url(method, url).timeout(left);
    if let Some(accept) = request.accept {
        call = call.set("Accept", accept);
    }
    if let Some(content_type) = request.content_type {
        call = call.set("Content-Type", content_type);
    }
    for (name, value) in request.headers {
        call = call.set(name, value);
    }
    let result = match (request.method, request.body) {
        (Method::Post, body) => call.send_bytes(body.unwrap_or_default()),
        (Method::Get, _) => call.call(),
    };
    match result {
        Ok(response) | Err(ureq::Error::Status(_, response)) => Ok(response),
        Err(ureq::Error::Transport(transport)) => {
            if Instant::now() >= deadline {
                return Err((timeout_err(), false));
            }
            // A refused connection is an answer — nothing listens there — not a transient
            // failure: it is not retried (docs/adr/0055).
            let transient = !refused(&transport);
            Err((classify(&transport, shown, request.timeout), transient))
        }
    }
}

/// Whether the transport failed because the server refused the connection.
fn refused(transport: &ureq::Transport) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> =
        std::error::Error::source(transport);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return true;
            }
        }
        source = err.source();
    }
    false
}

fn classify(transport: &ureq::Transport, shown: &str, timeout: Duration) -> FetchError {
    use ureq::ErrorKind;
    let url = shown.to_owned();
    let mut detail = transport
        .message()
        .map(str::to_owned)
        .unwrap_or_else(|| transport.kind().to_string());
    let mut source: Option<&(dyn std::error::Error + 'static)> =
        std::error::Error::source(transport);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ) {
                return FetchError::Timeout { url, timeout };
            }
            if let Some(tls) = io.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
                return FetchError::Tls {
                    url,
                    detail: tls.to_string(),
                };
            }
        }
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            return FetchError::Tls {
                url,
                detail: tls.to_string(),
            };
        }
        detail = err.to_string();
        source = err.source();
    }
    match transport.kind() {
        ErrorKind::InvalidUrl | ErrorKind::UnknownScheme | ErrorKind::InsecureRequestHttpsOnly => {
            FetchError::Scheme { url }
        }
        ErrorKind::TooManyRedirects => FetchError::Redirects { url },
        _ => FetchError::Connect { url, detail },
    }
}

fn read_response(
    response: ureq::Response,
    request: &Request<'_>,
    shown: &str,
) -> Result<Response, FetchError> {
    let too_large = || FetchError::TooLarge {
        url: shown.to_owned(),
        max_bytes: request.max_bytes,
    };
    if let Some(length) = response
        .header("content-length")
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        if length > request.max_bytes {
            return Err(too_large());
        }
    }
    let status = response.status();
    let content_type = response.header("content-type").map(str::to_owned);
    let retry_after_secs = response
        .header("retry-after")
        .and_then(|v| v.trim().parse().ok());
    let mut body = Vec::new();
    response
        .into_reader()
        .take(request.max_bytes.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => FetchError::Timeout {
                url: shown.to_owned(),
                timeout: request.timeout,
            },
            _ => FetchError::Connect {
                url: shown.to_owned(),
                detail: e.to_string(),
            },
        })?;
    if body.len() as u64 > request.max_bytes {
        return Err(too_large());
    }
    Ok(Response {
        status,
        content_type,
        retry_after_secs,
        body,
    })
}

/// `url` without credentials, query or fragment (what errors and logs show).
pub fn redact(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.set_query(None);
            parsed.set_fragment(None);
            parsed.to_string()
        }
        Err(_) => url
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect(),
    }
}
