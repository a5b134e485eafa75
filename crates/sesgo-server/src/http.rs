//! The HTTP layer: routes, admission, authentication, limits, deadlines, responses
//! (DECISIONS D31–D33). Operations run on tokio's blocking pool, at most `workers` at a
//! time, each inside [`sesgo::guard`].

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use sesgo::{Code, Error};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

use crate::auth::{self, AuthFailure, BearerTokens, Principal};
use crate::config::Limits;
use crate::metrics::{EndpointLabels, Metrics, RequestLabels, ResultLabels};
use crate::ops::{self, Backend, Op, FHIR_JSON, JSON};

/// Seconds a client is told to wait (`Retry-After`) after an overload or a deadline.
pub(crate) const RETRY_AFTER_SECS: u64 = 1;

/// What every request handler shares.
pub(crate) struct Shared {
    pub(crate) backend: Arc<Backend>,
    pub(crate) tokens: BearerTokens,
    /// A client CA is configured (client certificates authenticate).
    pub(crate) client_certs: bool,
    /// The listen address is a loopback address.
    pub(crate) loopback: bool,
    pub(crate) limits: Limits,
    pub(crate) metrics: Metrics,
    pub(crate) admit: Arc<Semaphore>,
    pub(crate) workers: Arc<Semaphore>,
    pub(crate) shutting_down: AtomicBool,
    /// Requests answered (a response produced), every route.
    pub(crate) answered: AtomicU64,
}

impl Shared {
    /// Some authentication mechanism is configured: every operation requires it.
    pub(crate) fn auth_configured(&self) -> bool {
        self.client_certs || !self.tokens.is_empty()
    }
}

/// What the connection knows about the client (a request extension).
#[derive(Clone, Debug)]
pub(crate) struct Peer {
    pub(crate) addr: SocketAddr,
    pub(crate) cert: Option<Principal>,
}

/// The guide's code that sums up a response (a response extension, for metrics and logs).
#[derive(Clone, Copy, Debug)]
struct ResultCode(Code);

/// The principal of a request (a response extension, for logs).
#[derive(Clone, Debug)]
struct Who(String);

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/sign", post(h_sign))
        .route("/verify", post(h_verify))
        .route("/refs/check", post(h_refs_check))
        .route("/canonicalize", post(h_canonicalize))
        .route("/Bundle/$sign", post(h_fhir_sign))
        .route("/Bundle/$verify", post(h_fhir_verify))
        .route("/policies", get(h_policies))
        .route("/health", get(h_health))
        .route("/metrics", get(h_metrics))
        .fallback(h_not_found)
        .method_not_allowed_fallback(h_method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            observe,
        ))
        .with_state(shared)
}

/// The metrics label of a path (a fixed set: client paths never become labels).
fn endpoint_of(path: &str) -> (&'static str, bool) {
    match path {
        "/sign" => ("sign", true),
        "/verify" => ("verify", true),
        "/refs/check" => ("refs_check", true),
        "/canonicalize" => ("canonicalize", true),
        "/Bundle/$sign" => ("bundle_sign", true),
        "/Bundle/$verify" => ("bundle_verify", true),
        "/policies" => ("policies", false),
        "/health" => ("health", false),
        "/metrics" => ("metrics", false),
        _ => ("other", false),
    }
}

fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|s| {
            !s.is_empty()
                && s.len() <= 64
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        })
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

/// The error as an OperationOutcome response.
pub(crate) fn error_response(status: StatusCode, e: &Error) -> Response {
    let mut r = Response::new(Body::from(e.to_operation_outcome().to_json()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    r.extensions_mut().insert(ResultCode(e.code()));
    r
}

fn retry_later(status: StatusCode, e: &Error) -> Response {
    let mut r = error_response(status, e);
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    r
}

fn closing(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}

fn ok(content_type: &'static str, body: impl Into<Body>, code: Code) -> Response {
    let mut r = Response::new(body.into());
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.extensions_mut().insert(ResultCode(code));
    r
}

/// The HTTP status of a facade error (DECISIONS D33): 4xx when the request is unusable,
/// 5xx when the server (its signer, its configuration, a service it depends on) failed.
pub(crate) fn status_for(op: Op, code: Code) -> StatusCode {
    let s = code.as_str();
    let group = s.split('.').next().unwrap_or(s);
    match code {
        Code::SystemTimeout => return StatusCode::SERVICE_UNAVAILABLE,
        Code::SecurityBundleSizeLimitExceeded
        | Code::SecurityBundleMemoryLimitExceeded
        | Code::SecurityProvenanceSizeLimitExceeded
        | Code::FormatResourceTooLarge => return StatusCode::PAYLOAD_TOO_LARGE,
        _ => {}
    }
    if group == "SYSTEM" || s.starts_with("CONFIG.TRUST-STORE") {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    if op.signs() {
        match group {
            "CERT" | "DEVICE" | "MIDDLEWARE" | "CRYPTO" => {
                return StatusCode::INTERNAL_SERVER_ERROR
            }
            "REVOCATION" | "TSA" | "NETWORK" | "CACHE" => return StatusCode::SERVICE_UNAVAILABLE,
            _ => {}
        }
    }
    StatusCode::BAD_REQUEST
}

/// Host names a loopback server without authentication answers to: the loopback
/// addresses and `localhost` (DNS rebinding; DECISIONS D31).
fn loopback_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Outermost layer: request id, admission (in-flight limit), the Host rule, metrics and
/// the log line.
async fn observe(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let rid = request_id(req.headers());
    let (endpoint, operation) = endpoint_of(req.uri().path());
    let method = req.method().clone();
    let path: String = req.uri().path().chars().take(200).collect();
    let peer = req
        .extensions()
        .get::<Peer>()
        .map_or_else(|| "?".to_owned(), |p| p.addr.to_string());

    let mut response = if s.loopback && !s.auth_configured() && !loopback_host(req.headers()) {
        s.metrics.reject("host");
        error_response(
            StatusCode::FORBIDDEN,
            &Error::new(
                Code::ConfigInvalidParameter,
                "cabeçalho Host recusado: um servidor sem autenticação no loopback atende apenas 127.0.0.1, [::1] e localhost",
            ),
        )
    } else if operation {
        match s.admit.clone().try_acquire_owned() {
            Ok(permit) => {
                s.metrics.in_flight.inc();
                let r = next.run(req).await;
                s.metrics.in_flight.dec();
                drop(permit);
                r
            }
            Err(_) => {
                s.metrics.reject("overload");
                retry_later(
                    StatusCode::SERVICE_UNAVAILABLE,
                    &Error::new(
                        Code::SystemTimeout,
                        format!(
                            "servidor sobrecarregado ({} requisições em andamento): tente novamente em {RETRY_AFTER_SECS} s",
                            s.limits.max_in_flight
                        ),
                    ),
                )
            }
        }
    } else {
        next.run(req).await
    };

    if let Ok(v) = HeaderValue::from_str(&rid) {
        response.headers_mut().insert("x-request-id", v);
    }
    s.answered.fetch_add(1, Ordering::SeqCst);
    let status = response.status().as_u16();
    let elapsed = start.elapsed();
    s.metrics
        .requests
        .get_or_create(&RequestLabels { endpoint, status })
        .inc();
    s.metrics
        .duration
        .get_or_create(&EndpointLabels { endpoint })
        .observe(elapsed.as_secs_f64());
    let code = response.extensions().get::<ResultCode>().map(|c| c.0);
    if let Some(c) = code {
        s.metrics
            .results
            .get_or_create(&ResultLabels {
                endpoint,
                code: c.as_str(),
            })
            .inc();
    }
    let who = response
        .extensions()
        .get::<Who>()
        .map_or("-", |w| w.0.as_str());
    tracing::info!(
        request_id = %rid,
        peer = %peer,
        principal = %who,
        method = %method,
        path = %path,
        status,
        code = code.map_or("", Code::as_str),
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    response
}

async fn h_sign(State(s): State<Arc<Shared>>, req: Request) -> Response {
    operation(s, req, Op::Sign).await
}
async fn h_verify(State(s): State<Arc<Shared>>, req: Request) -> Response {
    operation(s, req, Op::Verify).await
}
async fn h_refs_check(State(s): State<Arc<Shared>>, req: Request) -> Response {
    operation(s, req, Op::RefsCheck).await
}
async fn h_canonicalize(State(s): State<Arc<Shared>>, req: Request) -> Response {
    operation(s, req, Op::Canonicalize).await
}
async fn h_fhir_sign(State(s): State<Arc<Shared>>, req: Request) -> Response {
    operation(s, req, Op::FhirSign).await
}
async fn h_fhir_verify(State(s): State<Arc<Shared>>, req: Request) -> Response {
    operation(s, req, Op::FhirVerify).await
}

async fn h_not_found(req: Request) -> Response {
    let path: String = req.uri().path().chars().take(200).collect();
    error_response(
        StatusCode::NOT_FOUND,
        &Error::new(
            Code::ConfigInvalidParameter,
            format!(
                "rota desconhecida '{path}' (veja GET /policies e a documentação de sesgo serve)"
            ),
        ),
    )
}

async fn h_method_not_allowed(req: Request) -> Response {
    error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        &Error::new(
            Code::ConfigInvalidParameter,
            format!("método {} não permitido nesta rota", req.method()),
        ),
    )
}

/// The principal of a request, or the 401 that refuses it (DECISIONS D31). `protected`:
/// the route requires authentication whenever some is configured.
fn authorize(s: &Shared, req: &Request, signs: bool) -> Result<Principal, Box<Response>> {
    let cert = req.extensions().get::<Peer>().and_then(|p| p.cert.as_ref());
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes);
    let refuse = |f: AuthFailure| {
        s.metrics.reject("auth");
        let mut r = error_response(StatusCode::UNAUTHORIZED, &f.error());
        if !s.tokens.is_empty() {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(match f {
                    AuthFailure::Missing => r#"Bearer realm="sesgo""#,
                    AuthFailure::Invalid => r#"Bearer realm="sesgo", error="invalid_token""#,
                }),
            );
        }
        Box::new(r)
    };
    let principal = auth::principal(&s.tokens, cert, authorization).map_err(refuse)?;
    let required = s.auth_configured() || (signs && !s.loopback);
    if required && !principal.is_authenticated() {
        return Err(refuse(AuthFailure::Missing));
    }
    Ok(principal)
}

fn json_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|m| m == JSON || m == FHIR_JSON)
}

fn too_large(max: u64) -> Response {
    closing(error_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        &Error::new(
            Code::SecurityBundleSizeLimitExceeded,
            format!("corpo da requisição excede o limite de {max} bytes do servidor"),
        ),
    ))
}

fn with_who(mut r: Response, who: &Principal) -> Response {
    r.extensions_mut().insert(Who(who.label()));
    r
}

/// `refusal` for a request whose body was not used. A body within the size limit is read
/// and discarded first (within the body deadline): closing a connection with unread
/// request bytes makes the kernel reset it, and the client may then lose the response
/// to the reset. A body declared larger than the limit is not read; the connection is
/// closed after the refusal.
async fn refuse_unread(
    s: &Shared,
    req: Request,
    declared: Option<u64>,
    body_deadline: tokio::time::Instant,
    refusal: Response,
) -> Response {
    let max = s.limits.max_body_bytes;
    if declared.is_some_and(|n| n > max) {
        return closing(refusal);
    }
    let limited = Limited::new(req.into_body(), usize::try_from(max).unwrap_or(usize::MAX));
    match tokio::time::timeout_at(body_deadline, limited.collect()).await {
        Ok(Ok(_)) => refusal,
        _ => closing(refusal),
    }
}

/// One operation: authenticate, check the content type and size, read the body within
/// its time, wait for a worker, run the facade on the blocking pool — all within the
/// request deadline.
async fn operation(s: Arc<Shared>, req: Request, op: Op) -> Response {
    let deadline =
        tokio::time::Instant::now() + Duration::from_secs(s.limits.request_timeout_secs.into());
    let body_deadline = (tokio::time::Instant::now()
        + Duration::from_secs(s.limits.body_timeout_secs.into()))
    .min(deadline);
    let max = s.limits.max_body_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let who = match authorize(&s, &req, op.signs()) {
        Ok(p) => p,
        Err(r) => return refuse_unread(&s, req, declared, body_deadline, *r).await,
    };
    if !json_content_type(req.headers()) {
        let r = with_who(
            error_response(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                &Error::new(
                    Code::ConfigInvalidParameter,
                    "Content-Type deve ser application/json ou application/fhir+json",
                ),
            ),
            &who,
        );
        return refuse_unread(&s, req, declared, body_deadline, r).await;
    }
    if declared.is_some_and(|n| n > max) {
        s.metrics.reject("too-large");
        return with_who(too_large(max), &who);
    }
    let limited = Limited::new(req.into_body(), usize::try_from(max).unwrap_or(usize::MAX));
    let body = match tokio::time::timeout_at(body_deadline, limited.collect()).await {
        Ok(Ok(c)) => c.to_bytes(),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
            s.metrics.reject("too-large");
            return with_who(too_large(max), &who);
        }
        Ok(Err(e)) => {
            return with_who(
                closing(error_response(
                    StatusCode::BAD_REQUEST,
                    &Error::new(
                        Code::FormatJsonMalformed,
                        format!("corpo da requisição não pôde ser lido: {e}"),
                    ),
                )),
                &who,
            )
        }
        Err(_) => {
            s.metrics.reject("body-timeout");
            return with_who(
                closing(error_response(
                    StatusCode::REQUEST_TIMEOUT,
                    &Error::new(
                        Code::SystemTimeout,
                        format!(
                            "corpo da requisição não recebido em {} s",
                            s.limits.body_timeout_secs
                        ),
                    ),
                )),
                &who,
            );
        }
    };
    let deadline_error = || {
        s.metrics.reject("deadline");
        retry_later(
            StatusCode::SERVICE_UNAVAILABLE,
            &Error::new(
                Code::SystemTimeout,
                format!(
                    "prazo da requisição ({} s) esgotado: tente novamente",
                    s.limits.request_timeout_secs
                ),
            ),
        )
    };
    let Ok(Ok(permit)) = tokio::time::timeout_at(deadline, s.workers.clone().acquire_owned()).await
    else {
        return with_who(deadline_error(), &who);
    };
    let backend = s.backend.clone();
    // The permit moves into the task: an operation that outlives its deadline still
    // counts against `workers` until the facade returns.
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        sesgo::guard(|| ops::run(op, &backend, &body))
    });
    let response = match tokio::time::timeout_at(deadline, task).await {
        Err(_) => deadline_error(),
        Ok(Err(e)) => error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &Error::new(Code::System, format!("erro interno: {e}")),
        ),
        Ok(Ok(Ok(reply))) => ok(reply.content_type, reply.body, reply.code),
        Ok(Ok(Err(e))) => {
            let status = if op.signs() && backend_lacks_signer(&s) {
                StatusCode::NOT_IMPLEMENTED
            } else {
                status_for(op, e.code())
            };
            if status == StatusCode::SERVICE_UNAVAILABLE {
                retry_later(status, &e)
            } else {
                error_response(status, &e)
            }
        }
    };
    with_who(response, &who)
}

fn backend_lacks_signer(s: &Shared) -> bool {
    s.backend.signer.is_none()
}

async fn h_health(State(s): State<Arc<Shared>>) -> Response {
    let down = s.shutting_down.load(Ordering::SeqCst);
    let body = serde_json::json!({
        "status": if down { "shutting-down" } else { "ok" },
        "version": sesgo::VERSION,
        "signer": s.backend.signer.is_some(),
    });
    let mut r = ok(JSON, body.to_string(), Code::ValidationSuccess);
    if down {
        *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    }
    r
}

async fn h_policies(State(s): State<Arc<Shared>>) -> Response {
    let catalog: serde_json::Value =
        serde_json::from_str(&sesgo::Policy::catalog_json()).unwrap_or_default();
    let b = &s.backend;
    let accepted: Vec<&str> = match &b.accepted_policies {
        Some(list) => list.iter().map(|p| p.uri()).collect(),
        None => sesgo::Policy::ALL.iter().map(|p| p.uri()).collect(),
    };
    let body = serde_json::json!({
        "default": b.policy.uri(),
        "defaultStrategy": b.strategy.as_str(),
        "strategies": sesgo::Strategy::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "policies": catalog.get("policies").cloned().unwrap_or_default(),
        "acceptedPolicies": accepted,
        "signing": b.signer.is_some(),
    });
    ok(JSON, body.to_string(), Code::ValidationSuccess)
}

async fn h_metrics(State(s): State<Arc<Shared>>, req: Request) -> Response {
    if s.auth_configured() {
        if let Err(r) = authorize(&s, &req, false) {
            return *r;
        }
    }
    let mut r = Response::new(Body::from(s.metrics.encode()));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(crate::metrics::CONTENT_TYPE),
    );
    r
}
