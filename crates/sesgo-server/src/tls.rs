//! The TLS side of the listening socket: rustls 0.23 with the ring provider (the same
//! stack as `sesgo-fetch`, docs/adr/0045), TLS 1.2 and 1.3, HTTP/1.1 by ALPN, and an
//! optional or required client certificate verified against the configured roots.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::RootCertStore;
use sesgo::{Code, Error, Result};
use std::path::Path;
use std::sync::Arc;

use crate::auth::Principal;
use crate::config::TlsConfig;

fn read_error(what: &str, path: &Path, e: impl std::fmt::Display) -> Error {
    Error::new(
        Code::FormatCertPemInvalid,
        format!("{what}: não foi possível ler '{}': {e}", path.display()),
    )
}

fn certificates(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| read_error(what, path, e))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| read_error(what, path, e))?;
    if certs.is_empty() {
        return Err(read_error(what, path, "nenhum certificado PEM"));
    }
    Ok(certs)
}

/// The rustls configuration of `tls`. Failures: unreadable PEM →
/// `FORMAT.CERT-PEM-INVALID`; a key that does not match the certificate or roots rustls
/// refuses → `CONFIG.INVALID-PARAMETER`.
pub(crate) fn server_config(tls: &TlsConfig) -> Result<Arc<rustls::ServerConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = certificates(&tls.cert_chain_pem, "tls.certChainPem")?;
    let key = PrivateKeyDer::from_pem_file(&tls.key_pem)
        .map_err(|e| read_error("tls.keyPem", &tls.key_pem, e))?;
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::new(Code::ConfigInvalidParameter, format!("TLS: {e}")))?;
    let builder = match &tls.client_ca_pem {
        Some(path) => {
            let mut roots = RootCertStore::empty();
            for c in certificates(path, "tls.clientCaPem")? {
                roots.add(c).map_err(|e| {
                    Error::new(
                        Code::ConfigInvalidParameter,
                        format!("tls.clientCaPem: raiz recusada: {e}"),
                    )
                })?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = if tls.client_cert_required {
                verifier
            } else {
                verifier.allow_unauthenticated()
            };
            let verifier = verifier.build().map_err(|e| {
                Error::new(
                    Code::ConfigInvalidParameter,
                    format!("tls.clientCaPem: {e}"),
                )
            })?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_single_cert(chain, key).map_err(|e| {
        Error::new(
            Code::ConfigInvalidParameter,
            format!("tls.certChainPem / tls.keyPem: {e}"),
        )
    })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The principal of a client certificate rustls verified (its leaf).
pub(crate) fn client_principal(certs: Option<&[CertificateDer<'_>]>) -> Option<Principal> {
    let leaf = certs?.first()?;
    use sha2::{Digest, Sha256};
    let sha256 = Sha256::digest(leaf.as_ref())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    // Verified by rustls, yet unreadable by sesgo-cert: still identified by its digest.
    let subject = sesgo_cert::Certificate::from_der(leaf.as_ref())
        .map_or_else(|_| String::from("?"), |c| c.subject());
    Some(Principal::ClientCertificate { subject, sha256 })
}
