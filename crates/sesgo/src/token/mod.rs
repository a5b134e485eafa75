//! Access tokens (IG-DIGEST §9 "Obter token de acesso", §10; DECISIONS D7, D22;
//! docs/adr/0051): OAuth 2.0 client credentials from the establishment's certificate,
//! over the one network layer (`sesgo-fetch`).
//!
//! * Variant A (the guide): mTLS with the certificate + `client_id` + `client_secret`.
//! * Variant B (HubSaúde, SMART Backend Services): `private_key_jwt` — an RS384 client
//!   assertion signed by the certificate's key — over the same mTLS connection.
//!
//! The token endpoint comes from discovery (`/.well-known/openid-configuration`, else
//! `/.well-known/smart-configuration`) or is given. Tokens are cached per (endpoint,
//! client, scope, certificate) with a 30 s safety margin, shared by every thread of the
//! process; concurrent callers for the same key wait for one request. Secrets, assertions
//! and tokens live in zeroized buffers and are never printed in full.

mod assertion;
mod cache;
mod config;
mod errors;
mod form;
mod identity;

pub use assertion::{
    client_assertion, new_jti, AssertionParams, HubContext, DEFAULT_ASSERTION_TTL_SECS,
    MAX_ASSERTION_TTL_SECS,
};
pub use cache::{clear_token_cache, SAFETY_MARGIN_SECS};
pub use config::token_from_json;
pub use identity::SignerIdentity;

use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::Value;
use sesgo_core::{Code, Error, Result};
use sesgo_fetch::{Fetch, Method, Purpose, Request};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

use crate::{Clock, Network, Signer, SystemClock};

/// `expires_in` assumed when the server omits it (HubSaúde, IG-DIGEST §9).
pub const DEFAULT_EXPIRES_IN_SECS: u64 = 3600;
/// Default time allowed for each discovery or token request.
pub const DEFAULT_TIMEOUT_SECS: u64 = 30;
/// Largest discovery document or token response read (bytes).
pub const MAX_RESPONSE_BYTES: u64 = 256 * 1024;

/// How the client authenticates at the token endpoint.
#[derive(Clone)]
pub enum ClientAuth {
    /// Variant A: `client_secret` (form field), never logged.
    Secret(Zeroizing<String>),
    /// Variant B: a fresh `private_key_jwt` assertion signed by the signer's key for every
    /// request, valid `ttl_secs` (1–300), with an optional `hub_ctx`.
    PrivateKeyJwt {
        /// Assertion lifetime in seconds.
        ttl_secs: u64,
        /// Optional HubSaúde context claim.
        hub_ctx: Option<HubContext>,
    },
    /// Variant B with an assertion built elsewhere (an external signing service), sent as
    /// is. The caller is responsible for its `jti` being unique.
    Assertion(Zeroizing<String>),
}

impl fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientAuth::Secret(_) => f.write_str("Secret(***)"),
            ClientAuth::PrivateKeyJwt { ttl_secs, hub_ctx } => f
                .debug_struct("PrivateKeyJwt")
                .field("ttl_secs", ttl_secs)
                .field("hub_ctx", hub_ctx)
                .finish(),
            ClientAuth::Assertion(_) => f.write_str("Assertion(***)"),
        }
    }
}

/// What to ask for and where.
#[derive(Clone, Debug)]
pub struct TokenOptions {
    /// Issuer URL for discovery (e.g. `https://sso…/realms/saude`). One of `issuer` or
    /// `token_endpoint` is required; `token_endpoint` wins when both are given.
    pub issuer: Option<String>,
    /// The token endpoint, skipping discovery.
    pub token_endpoint: Option<String>,
    /// `client_id` issued at credentialing.
    pub client_id: String,
    /// Variant A or B.
    pub auth: ClientAuth,
    /// `scope` (space-separated, SMART `system/Patient.rs` style); omitted when `None`.
    pub scope: Option<String>,
    /// Present the signer's certificate on the TLS connection (default `true`: the guide's
    /// flow and certificate-bound tokens need it).
    pub mtls: bool,
    /// Time allowed for each request, 1–120 s.
    pub timeout_secs: u64,
    /// Use the process-wide token cache (default `true`).
    pub use_cache: bool,
    /// The authorization server's CA (PEM, one or more certificates) when it is not
    /// publicly trusted: added to the HTTPS roots of sesgo's own HTTP client (a host
    /// transport does its own TLS). The server certificate is always validated
    /// (IG-DIGEST §10).
    pub ca_certs_pem: Option<String>,
}

impl TokenOptions {
    /// Options for `client_id` with `auth`, everything else default.
    pub fn new(client_id: impl Into<String>, auth: ClientAuth) -> TokenOptions {
        TokenOptions {
            issuer: None,
            token_endpoint: None,
            client_id: client_id.into(),
            auth,
            scope: None,
            mtls: true,
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            use_cache: true,
            ca_certs_pem: None,
        }
    }

    fn validate(&self) -> Result<()> {
        if self.client_id.trim().is_empty() {
            return Err(
                Error::new(Code::ConfigMissingParameter, "client_id ausente").at("token.clientId"),
            );
        }
        if self.issuer.is_none() && self.token_endpoint.is_none() {
            return Err(Error::new(
                Code::ConfigMissingParameter,
                "informe o emissor (descoberta) ou o endpoint de token",
            )
            .at("token.issuer"));
        }
        for (url, at) in [
            (&self.issuer, "token.issuer"),
            (&self.token_endpoint, "token.tokenEndpoint"),
        ] {
            if let Some(u) = url {
                check_https(u, at)?;
            }
        }
        if !(1..=120).contains(&self.timeout_secs) {
            return Err(Error::new(
                Code::ConfigTimeoutOutOfRange,
                format!("timeout {} s fora de [1, 120] s", self.timeout_secs),
            )
            .at("token.timeout"));
        }
        if let Some(s) = &self.scope {
            if s.is_empty() || s.bytes().any(|c| !(0x21..=0x7e).contains(&c) && c != b' ') {
                return Err(Error::new(
                    Code::ConfigInvalidParameter,
                    "scope vazio ou com caracteres fora de %x21-7E (RFC 6749 §3.3)",
                )
                .at("token.scope"));
            }
        }
        match &self.auth {
            ClientAuth::Secret(s) if s.is_empty() => Err(Error::new(
                Code::ConfigMissingParameter,
                "client_secret vazio",
            )
            .at("token.clientSecret")),
            ClientAuth::PrivateKeyJwt { ttl_secs, hub_ctx } => {
                if *ttl_secs == 0 || *ttl_secs > MAX_ASSERTION_TTL_SECS {
                    return Err(Error::new(
                        Code::ConfigTtlOutOfRange,
                        format!(
                            "validade da asserção {ttl_secs} s fora de [1, {MAX_ASSERTION_TTL_SECS}] s"
                        ),
                    )
                    .at("token.assertionTtl"));
                }
                hub_ctx.as_ref().map_or(Ok(()), HubContext::validate)
            }
            _ => Ok(()),
        }
    }
}

/// Only `https://` (IG-DIGEST §10; confidential content). Failure: `CONFIG.INVALID-PARAMETER`.
fn check_https(url: &str, at: &str) -> Result<()> {
    let ok = url
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("https://"))
        && url.len() > 8
        && !url
            .bytes()
            .any(|c| c.is_ascii_whitespace() || c.is_ascii_control());
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            Code::ConfigInvalidParameter,
            format!(
                "URL deve ser https:// absoluta (IG-DIGEST §10): {}",
                errors::redact_url(url)
            ),
        )
        .at(at))
    }
}

struct TokenInner {
    access_token: Zeroizing<String>,
    token_type: String,
    expires_in: u64,
    scope: Option<String>,
    obtained_at: i64,
    token_endpoint: String,
    response: Zeroizing<String>,
}

/// An access token. `Debug` and [`AccessToken::redacted`] never show it in full.
#[derive(Clone)]
pub struct AccessToken {
    inner: Arc<TokenInner>,
    from_cache: bool,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("access_token", &self.redacted())
            .field("token_type", &self.inner.token_type)
            .field("expires_in", &self.inner.expires_in)
            .field("scope", &self.inner.scope)
            .field("from_cache", &self.from_cache)
            .finish()
    }
}

impl AccessToken {
    /// The token itself, for the `Authorization` header. Do not log it.
    pub fn secret(&self) -> &str {
        &self.inner.access_token
    }

    /// `Authorization` header value: `<token_type> <token>`.
    pub fn authorization(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("{} {}", self.inner.token_type, self.secret()))
    }

    /// `token_type` as the server sent it (normally `Bearer`).
    pub fn token_type(&self) -> &str {
        &self.inner.token_type
    }

    /// `expires_in` (seconds; [`DEFAULT_EXPIRES_IN_SECS`] when the server omitted it).
    pub fn expires_in(&self) -> u64 {
        self.inner.expires_in
    }

    /// Unix time the token was obtained.
    pub fn obtained_at(&self) -> i64 {
        self.inner.obtained_at
    }

    /// Unix time the token expires.
    pub fn expires_at(&self) -> i64 {
        self.inner
            .obtained_at
            .saturating_add(self.inner.expires_in as i64)
    }

    /// Granted `scope`, if the server said.
    pub fn scope(&self) -> Option<&str> {
        self.inner.scope.as_deref()
    }

    /// The token endpoint it came from.
    pub fn token_endpoint(&self) -> &str {
        &self.inner.token_endpoint
    }

    /// Whether this came from the cache rather than a request.
    pub fn from_cache(&self) -> bool {
        self.from_cache
    }

    /// The token response JSON exactly as received (for scripts). Contains the token.
    pub fn response_json(&self) -> &str {
        &self.inner.response
    }

    /// First 8 and last 4 characters and the length: safe to print.
    pub fn redacted(&self) -> String {
        redact(self.secret())
    }

    /// `cnf.x5t#S256` of a JWT access token (RFC 8705 §3.1), read without verifying the
    /// token (the resource server verifies it); `None` for opaque or unbound tokens.
    pub fn cnf_x5t_s256(&self) -> Option<String> {
        let claims = self.claims()?;
        claims
            .get("cnf")?
            .get("x5t#S256")?
            .as_str()
            .map(str::to_owned)
    }

    /// The claims of a JWT access token, unverified (informational); `None` if opaque.
    pub fn claims(&self) -> Option<Value> {
        let payload = self.secret().split('.').nth(1)?;
        let bytes = Zeroizing::new(Base64UrlUnpadded::decode_vec(payload).ok()?);
        serde_json::from_slice(&bytes).ok()
    }

    /// Everything, token included, as JSON for the bindings: the [`AccessToken::summary`]
    /// members with `accessToken` in full and `response` (the server's JSON).
    pub fn to_json_with_secret(&self) -> Zeroizing<String> {
        let mut v = self.summary();
        if let Some(o) = v.as_object_mut() {
            o.insert("accessToken".into(), Value::from(self.secret()));
            o.insert(
                "response".into(),
                serde_json::from_str(self.response_json()).unwrap_or(Value::Null),
            );
        }
        Zeroizing::new(v.to_string())
    }

    /// A JSON summary without the token (`tokenType`, `expiresIn`, `expiresAt`, `scope`,
    /// `fromCache`, `cnfX5tS256`, `accessToken` redacted).
    pub fn summary(&self) -> Value {
        serde_json::json!({
            "accessToken": self.redacted(),
            "tokenType": self.token_type(),
            "expiresIn": self.expires_in(),
            "expiresAt": self.expires_at(),
            "scope": self.scope(),
            "fromCache": self.from_cache,
            "cnfX5tS256": self.cnf_x5t_s256(),
            "tokenEndpoint": self.token_endpoint(),
        })
    }
}

/// `abcdefgh…wxyz (1234 caracteres)`.
pub fn redact(secret: &str) -> String {
    let n = secret.chars().count();
    if n <= 16 {
        return format!("*** ({n} caracteres)");
    }
    let head: String = secret.chars().take(8).collect();
    let tail: String = secret.chars().skip(n - 4).collect();
    format!("{head}…{tail} ({n} caracteres)")
}

/// Obtains an access token (from the cache when a valid one is there).
///
/// Every request goes through `network` (docs/adr/0055): its transport — sesgo's HTTP
/// client, trusting `options.ca_certs_pem` too, or the host's own — and its offline mode.
/// `signer` is the establishment's certificate and key: its certificate goes on the TLS
/// connection (`options.mtls`) and, in variant B, its key signs the assertion.
///
/// Failures (DECISIONS D22): options → `CONFIG.*`; TLS (untrusted server, refused client
/// certificate) → `CERT.CHAIN-VALIDATION-FAILED` at `token.tls`; no answer in time, 429 or
/// 5xx → `SYSTEM.TIMEOUT` (with `Retry-After`); unreachable → `CONFIG.INVALID-PARAMETER`
/// at the URL; offline → `CONFIG.INVALID-PARAMETER` at `network` (DECISIONS D23); 4xx
/// OAuth errors → `CONFIG.INVALID-PARAMETER` with the server's `error` and
/// `error_description`; malformed responses → `FORMAT.JSON-MALFORMED` at `token.response`.
///
/// ```
/// use sesgo::token::{token, ClientAuth, TokenOptions};
/// use sesgo::{Network, NetworkOptions, Settings, Signer};
/// let pki = sesgo_cert::testpki::TestPki::shared();
/// let signer = Signer::from_pkcs12(&std::fs::read(&pki.p12_ecnpj)?, &pki.password, None)?;
/// let offline = Network::new(
///     &Settings { network: false, ..Settings::default() },
///     &NetworkOptions { cache_dir: Some(pki.dir.join("doc-token-cache").display().to_string()), ..Default::default() },
/// )?;
/// let mut options = TokenOptions::new("sistema-x", ClientAuth::Secret("s3cr3t".to_owned().into()));
/// options.token_endpoint = Some("https://127.0.0.1:1/realms/saude/token".into());
/// let e = token(&offline, &signer, &options).unwrap_err();
/// assert_eq!(e.code(), sesgo::Code::ConfigInvalidParameter);
/// assert_eq!(e.primary().locations(), ["network"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn token(network: &Network, signer: &Signer, options: &TokenOptions) -> Result<AccessToken> {
    token_with_clock(network, signer, options, &SystemClock)
}

/// [`token`] with an explicit clock (assertion `iat`/`exp` and cache expiry).
pub fn token_with_clock(
    network: &Network,
    signer: &Signer,
    options: &TokenOptions,
    clock: &dyn Clock,
) -> Result<AccessToken> {
    options.validate()?;
    let fetch = network.fetcher_trusting(options.ca_certs_pem.as_deref(), "token.caCerts")?;
    let fetch = &*fetch;
    let leaf = signer.chain().first().ok_or_else(|| {
        Error::new(Code::ConfigMissingParameter, "assinador sem certificado").at("token.signer")
    })?;
    let identity = SignerIdentity::new(signer.clone());
    let endpoint = match &options.token_endpoint {
        Some(e) => e.clone(),
        None => {
            let issuer = options.issuer.as_deref().unwrap_or_default();
            cache::discovered(issuer, || discover(fetch, issuer, options, &identity))?
        }
    };
    let key = cache::Key {
        endpoint: endpoint.clone(),
        client_id: options.client_id.clone(),
        scope: options.scope.clone().unwrap_or_default(),
        cert: leaf.sha256_hex(),
        mtls: options.mtls,
    };
    let fetch_one = || request_token(fetch, signer, &identity, options, &endpoint, clock);
    if options.use_cache {
        cache::get_or_fetch(key, clock.now(), fetch_one)
    } else {
        fetch_one().map(|inner| AccessToken {
            inner: Arc::new(inner),
            from_cache: false,
        })
    }
}

fn request_timeout(options: &TokenOptions) -> Duration {
    Duration::from_secs(options.timeout_secs)
}

/// Reads `token_endpoint` from the issuer's discovery document.
fn discover(
    fetch: &dyn Fetch,
    issuer: &str,
    options: &TokenOptions,
    identity: &SignerIdentity,
) -> Result<String> {
    let base = issuer.trim_end_matches('/');
    let urls: Vec<String> = if base.contains("/.well-known/") {
        vec![base.to_owned()]
    } else {
        vec![
            format!("{base}/.well-known/openid-configuration"),
            format!("{base}/.well-known/smart-configuration"),
        ]
    };
    let mut last = None;
    for url in &urls {
        let req = Request {
            method: Method::Get,
            url,
            purpose: Purpose::Token,
            content_type: None,
            accept: Some("application/json"),
            headers: &[],
            body: None,
            max_bytes: MAX_RESPONSE_BYTES,
            timeout: request_timeout(options),
            client_identity: options
                .mtls
                .then_some(identity as &dyn sesgo_fetch::ClientIdentity),
        };
        let resp = fetch
            .fetch(&req)
            .map_err(|e| errors::from_fetch(&e, "token.issuer"))?;
        if resp.status == 404 {
            last = Some(errors::http(&resp, url, "token.issuer"));
            continue;
        }
        if resp.status != 200 {
            return Err(errors::http(&resp, url, "token.issuer"));
        }
        let doc: Value = serde_json::from_slice(&resp.body).map_err(|e| {
            Error::new(
                Code::FormatJsonMalformed,
                format!("documento de descoberta inválido em {url}: {e}"),
            )
            .at("token.issuer")
        })?;
        let endpoint = doc
            .get("token_endpoint")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                Error::new(
                    Code::FormatJsonMalformed,
                    format!("documento de descoberta sem token_endpoint: {url}"),
                )
                .at("token.issuer")
            })?;
        check_https(endpoint, "token.issuer")?;
        return Ok(endpoint.to_owned());
    }
    Err(last.unwrap_or_else(|| {
        Error::new(Code::ConfigInvalidParameter, "descoberta sem URL").at("token.issuer")
    }))
}

fn request_token(
    fetch: &dyn Fetch,
    signer: &Signer,
    identity: &SignerIdentity,
    options: &TokenOptions,
    endpoint: &str,
    clock: &dyn Clock,
) -> Result<TokenInner> {
    let mut form = form::Form::new();
    form.push("grant_type", "client_credentials");
    form.push("client_id", &options.client_id);
    match &options.auth {
        ClientAuth::Secret(s) => form.push("client_secret", s),
        ClientAuth::PrivateKeyJwt { ttl_secs, hub_ctx } => {
            let jwt = client_assertion(
                signer,
                &AssertionParams {
                    client_id: &options.client_id,
                    audience: endpoint,
                    issued_at: clock.now(),
                    ttl_secs: *ttl_secs,
                    jti: None,
                    hub_ctx: hub_ctx.as_ref(),
                },
            )?;
            form.push(
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            );
            form.push("client_assertion", &jwt);
        }
        ClientAuth::Assertion(jwt) => {
            form.push(
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            );
            form.push("client_assertion", jwt);
        }
    }
    if let Some(scope) = &options.scope {
        form.push("scope", scope);
    }
    let body = form.finish();
    let req = Request {
        method: Method::Post,
        url: endpoint,
        purpose: Purpose::Token,
        content_type: Some("application/x-www-form-urlencoded"),
        accept: Some("application/json"),
        headers: &[],
        body: Some(body.as_bytes()),
        max_bytes: MAX_RESPONSE_BYTES,
        timeout: request_timeout(options),
        client_identity: options
            .mtls
            .then_some(identity as &dyn sesgo_fetch::ClientIdentity),
    };
    let obtained_at = clock.now();
    let mut resp = fetch
        .fetch(&req)
        .map_err(|e| errors::from_fetch(&e, "token.tokenEndpoint"))?;
    // The body holds the token (or the server's error): zeroized when dropped.
    let body = Zeroizing::new(std::mem::take(&mut resp.body));
    if resp.status != 200 {
        resp.body.clone_from(&body);
        let e = errors::http(&resp, endpoint, "token.tokenEndpoint");
        zeroize::Zeroize::zeroize(&mut resp.body);
        return Err(e);
    }
    parse_token_response(&body, endpoint, obtained_at)
}

fn malformed(what: &str) -> Error {
    Error::new(
        Code::FormatJsonMalformed,
        format!("resposta do endpoint de token inválida: {what}"),
    )
    .at("token.response")
}

fn parse_token_response(body: &[u8], endpoint: &str, obtained_at: i64) -> Result<TokenInner> {
    let text = std::str::from_utf8(body).map_err(|_| malformed("não é UTF-8"))?;
    let v: Value = serde_json::from_str(text).map_err(|_| malformed("não é JSON"))?;
    let obj = v
        .as_object()
        .ok_or_else(|| malformed("não é objeto JSON"))?;
    let token = obj
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| malformed("sem access_token"))?;
    let token_type = obj
        .get("token_type")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed("sem token_type"))?;
    if !token_type.eq_ignore_ascii_case("bearer") && !token_type.eq_ignore_ascii_case("dpop") {
        return Err(malformed(&format!(
            "token_type '{token_type}' desconhecido"
        )));
    }
    let expires_in = match obj.get("expires_in") {
        None | Some(Value::Null) => DEFAULT_EXPIRES_IN_SECS,
        Some(Value::Number(n)) => n
            .as_u64()
            .filter(|s| *s > 0)
            .ok_or_else(|| malformed("expires_in não é inteiro positivo"))?,
        // RFC 6749 says number; some servers send a string.
        Some(Value::String(s)) => s
            .parse::<u64>()
            .ok()
            .filter(|s| *s > 0)
            .ok_or_else(|| malformed("expires_in não é inteiro positivo"))?,
        Some(_) => return Err(malformed("expires_in não é inteiro positivo")),
    };
    Ok(TokenInner {
        access_token: Zeroizing::new(token.to_owned()),
        token_type: token_type.to_owned(),
        expires_in,
        scope: obj.get("scope").and_then(Value::as_str).map(str::to_owned),
        obtained_at,
        token_endpoint: endpoint.to_owned(),
        response: Zeroizing::new(text.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_parse_with_defaults_and_refuse_garbage() {
        let t = parse_token_response(
            br#"{"access_token":"abc","token_type":"Bearer"}"#,
            "https://x/t",
            100,
        )
        .unwrap();
        assert_eq!(t.expires_in, DEFAULT_EXPIRES_IN_SECS);
        for bad in [
            &br#"{"token_type":"Bearer"}"#[..],
            br#"{"access_token":"a","token_type":"mac"}"#,
            br#"{"access_token":"a","token_type":"Bearer","expires_in":-3}"#,
            b"<html>",
            b"\xff\xfe",
        ] {
            let e = parse_token_response(bad, "https://x/t", 0).err().unwrap();
            assert_eq!(e.code(), Code::FormatJsonMalformed);
        }
    }

    #[test]
    fn redaction_never_shows_the_whole_token() {
        let t = "eyJhbGciOiJSUzI1NiJ9.payload-payload.signature-xyz1";
        let r = redact(t);
        assert!(!r.contains("payload"));
        assert!(r.starts_with("eyJhbGci…"));
        assert_eq!(redact("short"), "*** (5 caracteres)");
    }

    #[test]
    fn options_are_checked_before_any_request() {
        let mut o = TokenOptions::new("c", ClientAuth::Secret(Zeroizing::new("s".into())));
        assert_eq!(
            o.validate().unwrap_err().code(),
            Code::ConfigMissingParameter
        );
        o.token_endpoint = Some("http://127.0.0.1/t".into());
        assert_eq!(
            o.validate().unwrap_err().code(),
            Code::ConfigInvalidParameter
        );
        o.token_endpoint = Some("https://127.0.0.1/t".into());
        assert!(o.validate().is_ok());
        o.auth = ClientAuth::PrivateKeyJwt {
            ttl_secs: 301,
            hub_ctx: None,
        };
        assert_eq!(o.validate().unwrap_err().code(), Code::ConfigTtlOutOfRange);
        o.auth = ClientAuth::PrivateKeyJwt {
            ttl_secs: 60,
            hub_ctx: None,
        };
        o.timeout_secs = 0;
        assert_eq!(
            o.validate().unwrap_err().code(),
            Code::ConfigTimeoutOutOfRange
        );
    }
}
