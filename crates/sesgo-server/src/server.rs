//! Binding, the accept loop (connection limit, TLS handshake deadline, header deadline)
//! and graceful shutdown (docs/adr/0056).

use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use sesgo::{Code, Error, Result};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsAcceptor;
use tower_service::Service;

use crate::auth::BearerTokens;
use crate::config::{LogFormat, ServerConfig};
use crate::http::{self, Peer, Shared};
use crate::metrics::Metrics;
use crate::ops::Backend;
use crate::tls;

/// Stops a running [`Server`] gracefully: it stops accepting connections, lets the
/// requests in flight finish (within `shutdownGraceSecs`) and returns from
/// [`Server::run`]. Cheap to clone; usable from any thread.
#[derive(Clone, Debug)]
pub struct ShutdownHandle(Arc<watch::Sender<bool>>);

impl ShutdownHandle {
    /// Asks the server to stop (idempotent).
    pub fn shutdown(&self) {
        self.0.send_replace(true);
    }
}

/// Counters of a server (see [`Server::stats`]).
#[derive(Clone)]
pub struct Stats(Arc<Shared>);

impl std::fmt::Debug for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stats")
            .field("answered", &self.answered())
            .finish()
    }
}

impl Stats {
    /// Requests answered so far (a response was produced), on every route. After a
    /// graceful shutdown it equals the responses the clients received.
    pub fn answered(&self) -> u64 {
        self.0.answered.load(Ordering::SeqCst)
    }

    /// The `GET /metrics` text.
    pub fn metrics_text(&self) -> String {
        self.0.metrics.encode()
    }
}

/// A bound, not yet running server.
///
/// ```
/// use sesgo_server::{Backend, Server, ServerConfig};
///
/// let mut config = ServerConfig::default();
/// config.listen = "127.0.0.1:0".parse().unwrap(); // any free port
/// config.log = sesgo_server::LogFormat::Off;
/// let server = Server::bind(config, Backend::new(sesgo::TrustStore::icp_brasil_default()))
///     .unwrap()
///     .without_signal_handlers();
/// let addr = server.local_addr();
/// let stop = server.shutdown_handle();
/// let running = std::thread::spawn(move || server.run());
///
/// // Any HTTP client; here a raw HTTP/1.1 request.
/// use std::io::{Read, Write};
/// let mut c = std::net::TcpStream::connect(addr).unwrap();
/// write!(c, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
/// let mut answer = String::new();
/// c.read_to_string(&mut answer).unwrap();
/// assert!(answer.starts_with("HTTP/1.1 200"));
/// assert!(answer.contains(r#""status":"ok""#));
///
/// stop.shutdown();
/// running.join().unwrap().unwrap();
/// ```
pub struct Server {
    listener: std::net::TcpListener,
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
    config: ServerConfig,
    shutdown: ShutdownHandle,
    signals: bool,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl Server {
    /// Reads the secrets the configuration names, builds TLS, checks what the server
    /// refuses to run with (DECISIONS D31) and binds the socket.
    ///
    /// Failures: limits out of range (`CONFIG.*-OUT-OF-RANGE`), an unreadable TLS file
    /// (`FORMAT.CERT-PEM-INVALID`), a missing token variable or a signer exposed beyond
    /// the loopback without authentication (`CONFIG.MISSING-PARAMETER`), bearer tokens
    /// over plain HTTP beyond the loopback or an address that cannot be bound
    /// (`CONFIG.INVALID-PARAMETER`).
    pub fn bind(config: ServerConfig, backend: Backend) -> Result<Server> {
        config.validate()?;
        let tokens = match &config.auth.bearer_tokens_env {
            Some(var) => BearerTokens::from_env(var)?,
            None => BearerTokens::default(),
        };
        let tls_config = config.tls.as_ref().map(tls::server_config).transpose()?;
        let client_certs = config
            .tls
            .as_ref()
            .is_some_and(|t| t.client_ca_pem.is_some());
        let loopback = config.listen.ip().is_loopback();
        let auth = client_certs || !tokens.is_empty();
        if !loopback && backend.signer.is_some() && !auth {
            return Err(Error::new(
                Code::ConfigMissingParameter,
                format!(
                    "assinador exposto além do loopback ({}) sem autenticação: configure certificados de cliente (tls.clientCaPem) e/ou tokens bearer (auth.bearerTokensEnv)",
                    config.listen
                ),
            ));
        }
        if !loopback && !tokens.is_empty() && tls_config.is_none() {
            return Err(Error::new(
                Code::ConfigInvalidParameter,
                format!(
                    "tokens bearer em HTTP sem TLS além do loopback ({}): configure tls",
                    config.listen
                ),
            ));
        }
        let listener = std::net::TcpListener::bind(config.listen)
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|e| {
                Error::new(
                    Code::ConfigInvalidParameter,
                    format!("não foi possível escutar em {}: {e}", config.listen),
                )
            })?;
        let local_addr = listener
            .local_addr()
            .map_err(|e| Error::new(Code::System, format!("endereço local do socket: {e}")))?;
        let limits = config.limits;
        let shared = Arc::new(Shared {
            backend: Arc::new(backend),
            tokens,
            client_certs,
            loopback,
            limits,
            metrics: Metrics::new(),
            admit: Arc::new(Semaphore::new(limits.max_in_flight as usize)),
            workers: Arc::new(Semaphore::new(limits.workers as usize)),
            shutting_down: AtomicBool::new(false),
            answered: AtomicU64::new(0),
        });
        let (tx, _) = watch::channel(false);
        Ok(Server {
            listener,
            local_addr,
            shared,
            tls: tls_config.map(TlsAcceptor::from),
            config,
            shutdown: ShutdownHandle(Arc::new(tx)),
            signals: true,
        })
    }

    /// The address the server listens on (the actual port when the configuration said 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A handle that stops the server gracefully.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shutdown.clone()
    }

    /// Counters of the running server (readable from any thread, during and after
    /// [`Server::run`]).
    pub fn stats(&self) -> Stats {
        Stats(self.shared.clone())
    }

    /// Do not stop on SIGINT/SIGTERM (a server embedded in another program or a test,
    /// stopped through its [`ShutdownHandle`]).
    pub fn without_signal_handlers(mut self) -> Server {
        self.signals = false;
        self
    }

    /// What the server will run with, as JSON (no secrets): `sesgo serve
    /// --check-config` prints it, and the server logs it when it starts.
    pub fn summary(&self) -> serde_json::Value {
        let b = &self.shared.backend;
        let l = &self.config.limits;
        serde_json::json!({
            "listen": self.local_addr.to_string(),
            "loopbackOnly": self.shared.loopback,
            "tls": self.tls.is_some(),
            "clientCertificates": match &self.config.tls {
                Some(t) if t.client_ca_pem.is_some() && t.client_cert_required => "required",
                Some(t) if t.client_ca_pem.is_some() => "optional",
                _ => "off",
            },
            "bearerTokens": self.shared.tokens.len(),
            "signer": b.signer.as_ref().and_then(|s| s.chain().first()).map(|c| c.subject()),
            "defaultPolicy": b.policy.uri(),
            "defaultStrategy": b.strategy.as_str(),
            "revocationPolicy": b.settings.revocation_policy,
            "network": b.settings.network,
            "limits": {
                "maxBodyBytes": l.max_body_bytes,
                "maxInFlight": l.max_in_flight,
                "workers": l.workers,
                "requestTimeoutSecs": l.request_timeout_secs,
                "bodyTimeoutSecs": l.body_timeout_secs,
                "headerTimeoutSecs": l.header_timeout_secs,
                "maxConnections": l.max_connections,
                "shutdownGraceSecs": l.shutdown_grace_secs,
            },
        })
    }

    /// Serves until SIGINT/SIGTERM (unless [`Server::without_signal_handlers`]) or the
    /// [`ShutdownHandle`], then shuts down gracefully. Blocks the calling thread; runs
    /// its own tokio runtime, with at most `workers` facade calls at once on the blocking
    /// pool.
    pub fn run(self) -> Result<()> {
        if self.config.log == LogFormat::Json {
            // A host that installed its own subscriber keeps it.
            let _ = tracing_subscriber::fmt()
                .json()
                .with_writer(std::io::stderr)
                .with_current_span(false)
                .with_span_list(false)
                .try_init();
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_io()
            .enable_time()
            .thread_name("sesgo-serve")
            .max_blocking_threads(self.config.limits.workers as usize + 1)
            .build()
            .map_err(|e| Error::new(Code::System, format!("runtime tokio: {e}")))?;
        let result = runtime.block_on(self.serve());
        // Operations past their deadline cannot be cancelled (the facade is synchronous);
        // they were already answered with 503.
        runtime.shutdown_timeout(Duration::from_secs(1));
        result
    }

    async fn serve(self) -> Result<()> {
        let Server {
            listener,
            local_addr,
            shared,
            tls,
            config,
            shutdown,
            signals,
        } = self;
        let summary_listen = local_addr.to_string();
        let listener = tokio::net::TcpListener::from_std(listener)
            .map_err(|e| Error::new(Code::System, format!("socket: {e}")))?;
        let router = http::router(shared.clone());
        let graceful = GracefulShutdown::new();
        let connections = Arc::new(Semaphore::new(config.limits.max_connections as usize));
        let mut stop = shutdown.0.subscribe();
        let signal = wait_for_signal(signals);
        tokio::pin!(signal);
        tracing::info!(listen = %summary_listen, tls = tls.is_some(), "sesgo serve: listening");
        loop {
            tokio::select! {
                _ = stop.wait_for(|v| *v) => break,
                () = &mut signal => break,
                accepted = listener.accept() => match accepted {
                    Ok((tcp, addr)) => {
                        let Ok(permit) = connections.clone().try_acquire_owned() else {
                            shared.metrics.reject("connections");
                            drop(tcp);
                            continue;
                        };
                        let _ = tcp.set_nodelay(true);
                        tokio::spawn(connection(
                            shared.clone(),
                            router.clone(),
                            tls.clone(),
                            tcp,
                            addr,
                            graceful.watcher(),
                            permit,
                        ));
                    }
                    Err(e) => {
                        // EMFILE and the like: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
            }
        }
        shared.shutting_down.store(true, Ordering::SeqCst);
        drop(listener);
        let grace = Duration::from_secs(config.limits.shutdown_grace_secs.into());
        tracing::info!(
            open_connections = graceful.count(),
            "sesgo serve: shutting down"
        );
        match tokio::time::timeout(grace, graceful.shutdown()).await {
            Ok(()) => tracing::info!("sesgo serve: stopped"),
            Err(_) => tracing::warn!(
                grace_secs = config.limits.shutdown_grace_secs,
                "sesgo serve: grace period over, closing the remaining connections"
            ),
        }
        Ok(())
    }
}

async fn wait_for_signal(enabled: bool) {
    if !enabled {
        return std::future::pending().await;
    }
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Open connections (the gauge), decremented however the connection ends.
struct Open(Arc<Shared>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.metrics.connections.dec();
    }
}

async fn connection(
    shared: Arc<Shared>,
    router: axum::Router,
    tls: Option<TlsAcceptor>,
    tcp: tokio::net::TcpStream,
    addr: SocketAddr,
    watcher: Watcher,
    _permit: OwnedSemaphorePermit,
) {
    shared.metrics.connections.inc();
    let _open = Open(shared.clone());
    let handshake = Duration::from_secs(shared.limits.header_timeout_secs.into());
    match tls {
        Some(acceptor) => match tokio::time::timeout(handshake, acceptor.accept(tcp)).await {
            Ok(Ok(stream)) => {
                let cert = tls::client_principal(stream.get_ref().1.peer_certificates());
                serve_connection(&shared, router, stream, Peer { addr, cert }, watcher).await;
            }
            Ok(Err(e)) => {
                shared.metrics.reject("tls-handshake");
                tracing::info!(peer = %addr, error = %e, "TLS handshake refused");
            }
            Err(_) => {
                shared.metrics.reject("tls-handshake");
                tracing::info!(peer = %addr, "TLS handshake timed out");
            }
        },
        None => {
            serve_connection(&shared, router, tcp, Peer { addr, cert: None }, watcher).await;
        }
    }
}

async fn serve_connection<S>(
    shared: &Shared,
    router: axum::Router,
    io: S,
    peer: Peer,
    watcher: Watcher,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(peer.clone());
        // A Router is always ready (axum documents it), so `call` needs no `poll_ready`.
        let mut router = router.clone();
        async move { router.call(req).await }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(
            shared.limits.header_timeout_secs.into(),
        ))
        .max_buf_size(64 * 1024);
    let conn = builder.serve_connection(TokioIo::new(io), service);
    if let Err(e) = watcher.watch(conn).await {
        tracing::debug!(error = %e, "connection ended with an error");
    }
}
