//! The server's own configuration (listen address, TLS, authentication, limits, logs): a
//! JSON file read strictly like every other sesgo input, secrets only from environment
//! variables it names (docs/adr/0056; DECISIONS D30, D31).

use serde::Deserialize;
use sesgo::{Code, Error, Result};
use sesgo_core::json::{parse_strict, Limits as JsonLimits};
use std::net::SocketAddr;
use std::path::PathBuf;

/// The default listen address: the loopback only (DECISIONS D31).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Shortest bearer token accepted (characters); shorter ones are refused at start-up.
pub const MIN_BEARER_TOKEN_LEN: usize = 16;

/// TLS of the listening socket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM file: the server certificate first, then its intermediates.
    pub cert_chain_pem: PathBuf,
    /// PEM file: the server's private key (PKCS#8, PKCS#1 or SEC1, unencrypted).
    pub key_pem: PathBuf,
    /// PEM file of the roots client certificates must chain to (ICP-Brasil roots, or an
    /// organisation's own). Absent: no client certificate is requested.
    #[serde(default)]
    pub client_ca_pem: Option<PathBuf>,
    /// Refuse the TLS handshake of a client without a certificate (default: a client
    /// certificate is optional and a bearer token may authenticate instead).
    #[serde(default)]
    pub client_cert_required: bool,
}

/// How clients authenticate (DECISIONS D31).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthConfig {
    /// Environment variable holding the accepted bearer tokens, separated by whitespace
    /// or commas (each at least [`MIN_BEARER_TOKEN_LEN`] characters). Never in the file.
    #[serde(default)]
    pub bearer_tokens_env: Option<String>,
}

/// Request limits (DECISIONS D32). Every field may be omitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Limits {
    /// Largest request body, bytes: a `Content-Length` above it is refused before the
    /// body is read, a chunked body as soon as it crosses it (HTTP 413). Default
    /// 52 428 800 (the guide's `maxBundleBytes`) + 1 MiB for the request envelope.
    pub max_body_bytes: u64,
    /// Requests admitted at once (reading, queued or running); beyond it, HTTP 503 with
    /// `Retry-After`. Default 64.
    pub max_in_flight: u32,
    /// Sign/verify operations running at once on the blocking pool (the rest of the
    /// admitted requests wait for a turn within their deadline). Default: the number of
    /// CPUs.
    pub workers: u32,
    /// Deadline of a request from its headers to its response, seconds (body, queue and
    /// operation). Default 60; range [1, 600].
    pub request_timeout_secs: u32,
    /// Time allowed to receive the request body, seconds (slow senders: HTTP 408).
    /// Default 30; range [1, 600].
    pub body_timeout_secs: u32,
    /// Time allowed for the TLS handshake and for the request headers, seconds
    /// (slow-loris). Default 10; range [1, 120].
    pub header_timeout_secs: u32,
    /// Open connections at once; beyond it new connections are closed at once.
    /// Default 1024.
    pub max_connections: u32,
    /// After a shutdown signal, how long in-flight requests may take to finish,
    /// seconds. Default 30; range [1, 600].
    pub shutdown_grace_secs: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 52_428_800 + (1 << 20),
            max_in_flight: 64,
            workers: std::thread::available_parallelism()
                .map(|n| u32::try_from(n.get()).unwrap_or(1))
                .unwrap_or(1),
            request_timeout_secs: 60,
            body_timeout_secs: 30,
            header_timeout_secs: 10,
            max_connections: 1024,
            shutdown_grace_secs: 30,
        }
    }
}

/// Log output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogFormat {
    /// One JSON object per line on stderr (default).
    #[default]
    Json,
    /// No logs.
    Off,
}

/// The server configuration (the JSON form of `sesgo serve --config FILE`).
///
/// ```
/// let c = sesgo_server::ServerConfig::from_json(br#"{"limits": {"maxInFlight": 8}}"#).unwrap();
/// assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
/// assert_eq!(c.limits.max_in_flight, 8);
/// let e = sesgo_server::ServerConfig::from_json(br#"{"limits": {"requestTimeoutSecs": 0}}"#)
///     .unwrap_err();
/// assert_eq!(e.code(), sesgo::Code::ConfigTimeoutOutOfRange);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerConfig {
    /// Address and port to listen on (port 0: any free port). Default [`DEFAULT_LISTEN`].
    pub listen: SocketAddr,
    /// TLS; `None` = plain HTTP (allowed only on the loopback when clients authenticate
    /// with bearer tokens).
    pub tls: Option<TlsConfig>,
    /// Client authentication.
    pub auth: AuthConfig,
    /// Request limits.
    pub limits: Limits,
    /// Logs.
    pub log: LogFormat,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            tls: None,
            auth: AuthConfig::default(),
            limits: Limits::default(),
            log: LogFormat::default(),
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
struct Wire {
    listen: Option<String>,
    tls: Option<TlsConfig>,
    auth: AuthConfig,
    limits: Limits,
    log: LogFormat,
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::new(Code::ConfigInvalidParameter, msg)
}

/// Parses a listen address (`IP:PORT`, `[IPv6]:PORT`).
pub fn parse_listen(s: &str) -> Result<SocketAddr> {
    s.parse::<SocketAddr>().map_err(|e| {
        invalid(format!(
            "endereço de escuta '{s}' inválido ({e}): use IP:PORTA, por exemplo 127.0.0.1:8080"
        ))
    })
}

impl ServerConfig {
    /// Parses the JSON form strictly (duplicate or unknown members refused:
    /// `CONFIG.INVALID-PARAMETER`) and validates the limits.
    pub fn from_json(json: &[u8]) -> Result<ServerConfig> {
        let v = parse_strict(
            json,
            &JsonLimits {
                max_bytes: 1 << 20,
                max_depth: 8,
            },
        )
        .map_err(|e| e.into_error("", Code::ConfigInvalidParameter))?;
        let w: Wire = serde_json::from_value(v.to_serde())
            .map_err(|e| invalid(format!("configuração do servidor inválida: {e}")))?;
        let c = ServerConfig {
            listen: match &w.listen {
                Some(s) => parse_listen(s)?,
                None => ServerConfig::default().listen,
            },
            tls: w.tls,
            auth: w.auth,
            limits: w.limits,
            log: w.log,
        };
        c.validate()?;
        Ok(c)
    }

    /// Checks the limits against their ranges and the combinations the server refuses
    /// (a client CA without TLS). All violations are reported.
    pub fn validate(&self) -> Result<()> {
        let l = &self.limits;
        let mut findings = Vec::new();
        let mut range = |name: &str, v: u64, lo: u64, hi: u64, code: Code| {
            if v < lo || v > hi {
                findings.push(sesgo::Finding::new(
                    code,
                    format!(
                        "configuração do servidor limits.{name} = {v} fora da faixa [{lo}, {hi}]"
                    ),
                ));
            }
        };
        range(
            "maxBodyBytes",
            l.max_body_bytes,
            1024,
            210_763_776,
            Code::ConfigBundleSizeLimitOutOfRange,
        );
        range(
            "maxInFlight",
            l.max_in_flight.into(),
            1,
            100_000,
            Code::ConfigInvalidParameter,
        );
        range(
            "workers",
            l.workers.into(),
            1,
            1024,
            Code::ConfigInvalidParameter,
        );
        range(
            "requestTimeoutSecs",
            l.request_timeout_secs.into(),
            1,
            600,
            Code::ConfigTimeoutOutOfRange,
        );
        range(
            "bodyTimeoutSecs",
            l.body_timeout_secs.into(),
            1,
            600,
            Code::ConfigTimeoutOutOfRange,
        );
        range(
            "headerTimeoutSecs",
            l.header_timeout_secs.into(),
            1,
            120,
            Code::ConfigTimeoutOutOfRange,
        );
        range(
            "maxConnections",
            l.max_connections.into(),
            1,
            1_000_000,
            Code::ConfigInvalidParameter,
        );
        range(
            "shutdownGraceSecs",
            l.shutdown_grace_secs.into(),
            1,
            600,
            Code::ConfigTimeoutOutOfRange,
        );
        if let Some(e) = Error::from_findings(findings) {
            return Err(e);
        }
        if let Some(t) = &self.tls {
            if t.client_cert_required && t.client_ca_pem.is_none() {
                return Err(Error::new(
                    Code::ConfigMissingParameter,
                    "tls.clientCertRequired exige tls.clientCaPem (as raízes dos certificados de cliente)",
                ));
            }
        }
        Ok(())
    }
}
