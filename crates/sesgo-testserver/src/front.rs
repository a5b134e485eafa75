//! The HTTPS front: a rustls server on its own loopback port that terminates TLS
//! (optionally verifying client certificates) and forwards the plain bytes to the
//! `tiny_http` listener.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use rustls::crypto::ring::default_provider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};

use crate::{close, loopback_listener, TlsConfig};

pub(crate) struct Front {
    port: u16,
    stopping: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

fn invalid(what: &str, e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("{what}: {e}"))
}

fn server_config(tls: &TlsConfig) -> io::Result<ServerConfig> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&tls.cert_chain_pem)
        .map_err(|e| invalid("certificado TLS", e))?
        .collect::<Result<_, _>>()
        .map_err(|e| invalid("certificado TLS", e))?;
    let key = PrivateKeyDer::from_pem_file(&tls.key_pem).map_err(|e| invalid("chave TLS", e))?;
    let provider = Arc::new(default_provider());
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| invalid("TLS", e))?;
    let builder = match &tls.client_ca_pem {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for cert in
                CertificateDer::pem_file_iter(ca).map_err(|e| invalid("CA de clientes", e))?
            {
                roots
                    .add(cert.map_err(|e| invalid("CA de clientes", e))?)
                    .map_err(|e| invalid("CA de clientes", e))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = if tls.client_cert_required {
                verifier
            } else {
                verifier.allow_unauthenticated()
            };
            builder.with_client_cert_verifier(verifier.build().map_err(|e| invalid("TLS", e))?)
        }
        None => builder.with_no_client_auth(),
    };
    builder
        .with_single_cert(chain, key)
        .map_err(|e| invalid("certificado/chave TLS", e))
}

impl Front {
    pub(crate) fn start(tls: &TlsConfig, backend_port: u16) -> io::Result<Front> {
        let config = Arc::new(server_config(tls)?);
        let listener = loopback_listener()?;
        let port = listener.local_addr()?.port();
        let stopping = Arc::new(AtomicBool::new(false));
        let accept = {
            let stopping = Arc::clone(&stopping);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let config = Arc::clone(&config);
                    let stopping = Arc::clone(&stopping);
                    std::thread::spawn(move || {
                        let _ = relay(config, stream, backend_port, &stopping);
                    });
                }
            })
        };
        Ok(Front {
            port,
            stopping,
            accept: Some(accept),
        })
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    pub(crate) fn stop(mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the accept loop with one last connection.
        if let Ok(s) = TcpStream::connect(("127.0.0.1", self.port)) {
            close(&s);
        }
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn would_block(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Handshakes with the client, then copies bytes both ways until either side closes.
fn relay(
    config: Arc<ServerConfig>,
    client: TcpStream,
    backend_port: u16,
    stopping: &AtomicBool,
) -> io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(10)))?;
    let connection = ServerConnection::new(config).map_err(io::Error::other)?;
    let mut tls = StreamOwned::new(connection, client);
    while tls.conn.is_handshaking() {
        tls.conn.complete_io(&mut tls.sock)?;
    }
    let backend = TcpStream::connect(("127.0.0.1", backend_port))?;
    let poll = Some(Duration::from_millis(5));
    tls.sock.set_read_timeout(poll)?;
    backend.set_read_timeout(poll)?;
    let mut backend_r = backend.try_clone()?;
    let mut backend_w = backend;
    let mut buf = vec![0u8; 16 * 1024];
    let result = loop {
        if stopping.load(Ordering::SeqCst) {
            break Ok(());
        }
        match tls.read(&mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) => backend_w.write_all(&buf[..n])?,
            Err(e) if would_block(&e) => {}
            Err(e) => break Err(e),
        }
        match backend_r.read(&mut buf) {
            Ok(0) => {
                tls.conn.send_close_notify();
                let _ = tls.flush();
                break Ok(());
            }
            Ok(n) => {
                tls.write_all(&buf[..n])?;
                tls.flush()?;
            }
            Err(e) if would_block(&e) => {}
            Err(e) => break Err(e),
        }
    };
    close(&backend_w);
    close(&tls.sock);
    result
}
