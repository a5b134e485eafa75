//! The one network layer of sesgo (issue "Online PKI I"; docs/architecture.md).
//!
//! Everything in sesgo that goes to the network — AIA `caIssuers`, the ITI CA archive,
//! OCSP, CRL, RFC 3161 TSA, OAuth token endpoints — goes through one [`Fetch`]
//! implementation. The interface is synchronous so C, Python, Java and .NET callers never
//! see an async runtime, and it is pluggable: a host with its own HTTP stack hands in its
//! own fetcher (a C callback, a Python callable, a Java interface), and [`Offline`] forbids
//! every access and says what could not be fetched.
//!
//! This crate knows transports and limits, not the guide's codes: callers map a
//! [`FetchError`] to the code of what they were fetching (`REVOCATION.OCSP-UNAVAILABLE`,
//! `NETWORK.ZIP-DOWNLOAD-FAILED`, `TSA.UNAVAILABLE`, …), because the same timeout means a
//! different thing to each of them.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

mod cache;
#[cfg(feature = "http")]
mod http;
#[cfg(feature = "http")]
mod proxy;
#[cfg(feature = "http")]
mod tls;

pub use cache::{CacheEntry, CacheEntryInfo, DiskCache, DEFAULT_MAX_BYTES};
#[cfg(feature = "http")]
pub use http::{redact, ConfigError, HttpConfig, HttpFetcher};
#[cfg(feature = "http")]
pub use proxy::ProxyConfig;

/// What a request is for. It decides whether plain `http://` is acceptable (only where the
/// content's integrity comes from its own signature) and lets a custom fetcher apply its
/// own egress rules per purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Purpose {
    /// An issuer certificate from an AIA `caIssuers` URL (signed by its own issuer).
    Aia,
    /// A CRL from a CRL distribution point (signed by the issuer).
    Crl,
    /// An OCSP request/response (signed by the issuer or its delegated responder).
    Ocsp,
    /// An RFC 3161 time-stamp request (the token is signed by the TSA).
    Tsa,
    /// The ITI CA archive and its hash file (integrity from HTTPS and the hash).
    TrustStore,
    /// An OAuth 2.0 / OpenID discovery or token request (confidential: HTTPS only).
    Token,
}

impl Purpose {
    /// Whether `http://` URLs may be used for this purpose. Only AIA, CRL and OCSP, whose
    /// content is signed by the certificate authority it is checked against.
    pub fn allows_plain_http(self) -> bool {
        matches!(self, Purpose::Aia | Purpose::Crl | Purpose::Ocsp)
    }

    /// A short lower-case name (`aia`, `crl`, `ocsp`, `tsa`, `trust-store`, `token`).
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Aia => "aia",
            Purpose::Crl => "crl",
            Purpose::Ocsp => "ocsp",
            Purpose::Tsa => "tsa",
            Purpose::TrustStore => "trust-store",
            Purpose::Token => "token",
        }
    }
}

/// HTTP method of a [`Request`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST` with [`Request::body`] and [`Request::content_type`].
    Post,
}

/// The signature schemes a TLS client identity may be asked for (RSA keys only: ICP-Brasil
/// certificates are RSA).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsSignatureScheme {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (TLS 1.2).
    RsaPkcs1Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-384 (TLS 1.2).
    RsaPkcs1Sha384,
    /// RSASSA-PKCS1-v1_5 with SHA-512 (TLS 1.2).
    RsaPkcs1Sha512,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256, salt 32 (TLS 1.2 and 1.3).
    RsaPssSha256,
    /// RSASSA-PSS with SHA-384, MGF1-SHA-384, salt 48 (TLS 1.2 and 1.3).
    RsaPssSha384,
    /// RSASSA-PSS with SHA-512, MGF1-SHA-512, salt 64 (TLS 1.2 and 1.3).
    RsaPssSha512,
}

/// A TLS client certificate whose private key may stay on a device (PKCS#12 in memory,
/// PEM, a PKCS#11 token, an external signer): the transport asks it to sign the handshake.
pub trait ClientIdentity: Send + Sync {
    /// The certificate chain to present, leaf first, DER.
    fn certificate_chain_der(&self) -> Vec<Vec<u8>>;
    /// The schemes this key can sign with, most preferred first.
    fn schemes(&self) -> Vec<TlsSignatureScheme>;
    /// Signs `message` (the transport hashes nothing: the scheme says how).
    fn sign(&self, scheme: TlsSignatureScheme, message: &[u8]) -> Result<Vec<u8>, String>;
}

/// One request. Limits travel with the request because they differ per purpose (the
/// guide's OCSP, CRL and TSA timeouts; the size bound of what is expected back).
#[derive(Clone, Copy)]
pub struct Request<'a> {
    /// `GET` or `POST`.
    pub method: Method,
    /// Absolute `http://` or `https://` URL.
    pub url: &'a str,
    /// What the request is for.
    pub purpose: Purpose,
    /// `Content-Type` of [`Request::body`] (POST only).
    pub content_type: Option<&'a str>,
    /// `Accept` header, if any.
    pub accept: Option<&'a str>,
    /// Extra request headers (for example `Authorization`); never logged.
    pub headers: &'a [(&'a str, &'a str)],
    /// Body of a POST.
    pub body: Option<&'a [u8]>,
    /// Responses longer than this are refused ([`FetchError::TooLarge`]) without reading
    /// more than `max_bytes + 1` bytes.
    pub max_bytes: u64,
    /// Total time allowed for this request, connection included.
    pub timeout: Duration,
    /// TLS client certificate for mutual TLS (token requests), if any.
    pub client_identity: Option<&'a dyn ClientIdentity>,
}

impl fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("purpose", &self.purpose)
            .field("content_type", &self.content_type)
            .field("body_len", &self.body.map(<[u8]>::len))
            .field("max_bytes", &self.max_bytes)
            .field("timeout", &self.timeout)
            .field("mtls", &self.client_identity.is_some())
            .finish_non_exhaustive()
    }
}

/// A complete response (any status: the caller decides what a non-200 means).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// `Content-Type`, if the server sent one.
    pub content_type: Option<String>,
    /// `Retry-After` in seconds, if the server sent one in that form.
    pub retry_after_secs: Option<u64>,
    /// The body, at most [`Request::max_bytes`] long.
    pub body: Vec<u8>,
}

/// Why a request produced no response. Messages are in Portuguese (they reach users in
/// `diagnostics`); URLs appear without query strings or credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchError {
    /// Network access is disabled (offline mode).
    Offline {
        /// The URL that would have been fetched.
        url: String,
    },
    /// The URL is not absolute `http(s)://`, or is `http://` for a purpose that needs TLS.
    Scheme {
        /// The refused URL.
        url: String,
    },
    /// No complete response within the request's timeout.
    Timeout {
        /// The URL.
        url: String,
        /// The timeout that was exceeded.
        timeout: Duration,
    },
    /// The body exceeded [`Request::max_bytes`].
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        max_bytes: u64,
    },
    /// More redirects than allowed, or a redirect loop.
    Redirects {
        /// The URL.
        url: String,
    },
    /// TLS failed (untrusted server certificate, handshake failure, refused client cert).
    Tls {
        /// The URL.
        url: String,
        /// What the TLS layer said.
        detail: String,
    },
    /// Connection refused, name not resolved, connection reset, or any other I/O failure.
    Connect {
        /// The URL.
        url: String,
        /// What the transport said.
        detail: String,
    },
    /// A custom fetcher failed in a way of its own.
    Custom {
        /// The URL.
        url: String,
        /// The fetcher's message.
        detail: String,
    },
}

impl FetchError {
    /// The URL the failure is about.
    pub fn url(&self) -> &str {
        match self {
            FetchError::Offline { url }
            | FetchError::Scheme { url }
            | FetchError::Timeout { url, .. }
            | FetchError::TooLarge { url, .. }
            | FetchError::Redirects { url }
            | FetchError::Tls { url, .. }
            | FetchError::Connect { url, .. }
            | FetchError::Custom { url, .. } => url,
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Offline { url } => {
                write!(
                    f,
                    "acesso à rede desativado (modo offline); não obtido: {url}"
                )
            }
            FetchError::Scheme { url } => {
                write!(f, "URL não permitida para esta finalidade: {url}")
            }
            FetchError::Timeout { url, timeout } => {
                write!(f, "sem resposta completa em {} s: {url}", timeout.as_secs())
            }
            FetchError::TooLarge { url, max_bytes } => {
                write!(f, "resposta maior que {max_bytes} bytes: {url}")
            }
            FetchError::Redirects { url } => write!(f, "redirecionamentos demais: {url}"),
            FetchError::Tls { url, detail } => write!(f, "falha TLS em {url}: {detail}"),
            FetchError::Connect { url, detail } => write!(f, "falha de conexão em {url}: {detail}"),
            FetchError::Custom { url, detail } => write!(f, "falha ao obter {url}: {detail}"),
        }
    }
}

impl std::error::Error for FetchError {}

/// The transport interface. Implementations must be usable from many threads at once and
/// must honour [`Request::timeout`] and [`Request::max_bytes`].
///
/// A closure is a transport too:
///
/// ```
/// use sesgo_fetch::{Fetch, FetchError, Method, Purpose, Request, Response};
/// let host = |r: &Request<'_>| -> Result<Response, FetchError> {
///     Ok(Response { status: 404, content_type: None, retry_after_secs: None, body: Vec::new() })
/// };
/// let request = Request {
///     method: Method::Get, url: "http://127.0.0.1:1/ca.der", purpose: Purpose::Aia,
///     content_type: None, accept: None, headers: &[], body: None, max_bytes: 1024,
///     timeout: std::time::Duration::from_secs(5), client_identity: None,
/// };
/// assert_eq!(host.fetch(&request).unwrap().status, 404);
/// ```
pub trait Fetch: Send + Sync {
    /// Performs one request.
    fn fetch(&self, request: &Request<'_>) -> Result<Response, FetchError>;

    /// This transport also trusting `roots_der` (DER certificates) for HTTPS servers: the
    /// extra roots a TSA or an authorization server needs (`tsaTlsRootsPem`, a token's
    /// `caCertsPem`). `Ok(None)` (the default) when they do not apply: a host's own HTTP
    /// stack does its own TLS, and [`Offline`] never connects. `Err`: unusable roots.
    fn with_extra_roots(&self, roots_der: &[Vec<u8>]) -> Result<Option<Arc<dyn Fetch>>, String> {
        let _ = roots_der;
        Ok(None)
    }
}

impl<F> Fetch for F
where
    F: Fn(&Request<'_>) -> Result<Response, FetchError> + Send + Sync,
{
    fn fetch(&self, request: &Request<'_>) -> Result<Response, FetchError> {
        self(request)
    }
}

/// Offline mode: every request fails with [`FetchError::Offline`], so callers report what
/// could not be obtained with their own guide codes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Offline;

impl Fetch for Offline {
    fn fetch(&self, request: &Request<'_>) -> Result<Response, FetchError> {
        Err(FetchError::Offline {
            url: request.url.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_refuses_everything_and_names_the_url() {
        let request = Request {
            method: Method::Get,
            url: "http://127.0.0.1:1/ca.der",
            purpose: Purpose::Aia,
            content_type: None,
            accept: None,
            headers: &[],
            body: None,
            max_bytes: 1024,
            timeout: Duration::from_secs(5),
            client_identity: None,
        };
        let err = Offline.fetch(&request).unwrap_err();
        assert_eq!(err.url(), "http://127.0.0.1:1/ca.der");
        assert!(err.to_string().contains("offline"));
    }

    #[test]
    fn only_signed_content_may_travel_over_plain_http() {
        assert!(Purpose::Aia.allows_plain_http());
        assert!(Purpose::Crl.allows_plain_http());
        assert!(Purpose::Ocsp.allows_plain_http());
        assert!(!Purpose::Tsa.allows_plain_http());
        assert!(!Purpose::TrustStore.allows_plain_http());
        assert!(!Purpose::Token.allows_plain_http());
    }
}
