//! rustls client configuration: the trusted roots for HTTPS servers and the optional TLS
//! client identity whose key may stay on a device (ADR 0045).
//!
//! rustls wants a `'static` certificate resolver, while a [`Request`](crate::Request)
//! borrows its [`ClientIdentity`]. The bridge: the request runs on a scoped thread whose
//! resolver sends each handshake signature to the calling thread over a channel; the
//! calling thread signs with the borrowed identity and sends the signature back. No
//! `unsafe`, and a PKCS#11 key never leaves the token.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rustls::client::ResolvesClientCert;
use rustls::crypto::ring::default_provider;
use rustls::pki_types::CertificateDer;
use rustls::sign::{CertifiedKey, Signer, SigningKey};
use rustls::{ClientConfig, RootCertStore, SignatureAlgorithm, SignatureScheme};

use crate::{ClientIdentity, TlsSignatureScheme};

/// The roots an [`HttpFetcher`](crate::HttpFetcher) trusts for HTTPS servers.
pub(crate) fn root_store(
    system_roots: bool,
    extra_roots_der: &[Vec<u8>],
) -> Result<RootCertStore, String> {
    let mut roots = if system_roots {
        system_root_store().clone()
    } else {
        RootCertStore::empty()
    };
    for (index, der) in extra_roots_der.iter().enumerate() {
        roots
            .add(CertificateDer::from(der.clone()))
            .map_err(|e| format!("raiz TLS adicional nº {} inválida: {e}", index + 1))?;
    }
    Ok(roots)
}

/// The operating system's roots (or, if none can be read, the Mozilla roots), read once
/// per process: every [`HttpFetcher`](crate::HttpFetcher) shares them, so building one
/// (a network context, a TSA or token transport with extra roots) costs no disk reads.
fn system_root_store() -> &'static RootCertStore {
    static SYSTEM: OnceLock<RootCertStore> = OnceLock::new();
    SYSTEM.get_or_init(|| {
        let mut roots = RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        let (added, _ignored) = roots.add_parsable_certificates(native.certs);
        if added == 0 {
            // No readable system store (minimal containers): the Mozilla roots instead.
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        roots
    })
}

/// A TLS 1.2/1.3 client configuration (ring provider) without a client certificate.
pub(crate) fn client_config(roots: RootCertStore) -> Result<ClientConfig, String> {
    Ok(
        ClientConfig::builder_with_provider(Arc::new(default_provider()))
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| format!("configuração TLS inválida: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// One handshake signature asked of the calling thread.
pub(crate) struct SignJob {
    pub(crate) scheme: TlsSignatureScheme,
    pub(crate) message: Vec<u8>,
    pub(crate) reply: Sender<Result<Vec<u8>, String>>,
}

/// A TLS 1.2/1.3 client configuration whose certificate is `identity`'s chain and whose
/// signatures are asked of the returned receiver's owner.
pub(crate) fn client_config_with_identity(
    roots: RootCertStore,
    identity: &dyn ClientIdentity,
) -> Result<(ClientConfig, Receiver<SignJob>), String> {
    let chain: Vec<CertificateDer<'static>> = identity
        .certificate_chain_der()
        .into_iter()
        .map(CertificateDer::from)
        .collect();
    if chain.is_empty() {
        return Err("identidade TLS do cliente sem certificado".to_owned());
    }
    let (sender, receiver) = mpsc::channel();
    let key = ChannelKey {
        schemes: identity.schemes(),
        jobs: sender,
    };
    let resolver = IdentityResolver {
        key: Arc::new(CertifiedKey::new(chain, Arc::new(key))),
    };
    let config = ClientConfig::builder_with_provider(Arc::new(default_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| format!("configuração TLS inválida: {e}"))?
        .with_root_certificates(roots)
        .with_client_cert_resolver(Arc::new(resolver));
    Ok((config, receiver))
}

/// Serves `jobs` with `identity` until `done()` says the request thread has finished.
pub(crate) fn serve_sign_jobs(
    identity: &dyn ClientIdentity,
    jobs: &Receiver<SignJob>,
    done: impl Fn() -> bool,
) {
    loop {
        match jobs.recv_timeout(Duration::from_millis(20)) {
            Ok(job) => {
                let result = identity.sign(job.scheme, &job.message);
                // The request thread may have given up (timeout): nothing to tell it.
                let _ = job.reply.send(result);
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if done() {
                    return;
                }
            }
        }
    }
}

#[derive(Debug)]
struct IdentityResolver {
    key: Arc<CertifiedKey>,
}

impl ResolvesClientCert for IdentityResolver {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        // Present the certificate only if one of our schemes is acceptable to the server.
        self.key.key.choose_scheme(sigschemes)?;
        Some(Arc::clone(&self.key))
    }

    fn has_certs(&self) -> bool {
        true
    }
}

#[derive(Debug)]
struct ChannelKey {
    schemes: Vec<TlsSignatureScheme>,
    jobs: Sender<SignJob>,
}

impl SigningKey for ChannelKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        self.schemes
            .iter()
            .copied()
            .find(|scheme| offered.contains(&rustls_scheme(*scheme)))
            .map(|scheme| {
                Box::new(ChannelSigner {
                    scheme,
                    jobs: self.jobs.clone(),
                }) as Box<dyn Signer>
            })
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::RSA
    }
}

#[derive(Debug)]
struct ChannelSigner {
    scheme: TlsSignatureScheme,
    jobs: Sender<SignJob>,
}

impl Signer for ChannelSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        let (reply, answer) = mpsc::channel();
        self.jobs
            .send(SignJob {
                scheme: self.scheme,
                message: message.to_vec(),
                reply,
            })
            .map_err(|_| rustls::Error::General("assinador TLS indisponível".to_owned()))?;
        answer
            .recv()
            .map_err(|_| rustls::Error::General("assinador TLS indisponível".to_owned()))?
            .map_err(|e| rustls::Error::General(format!("assinatura TLS do cliente falhou: {e}")))
    }

    fn scheme(&self) -> SignatureScheme {
        rustls_scheme(self.scheme)
    }
}

fn rustls_scheme(scheme: TlsSignatureScheme) -> SignatureScheme {
    match scheme {
        TlsSignatureScheme::RsaPkcs1Sha256 => SignatureScheme::RSA_PKCS1_SHA256,
        TlsSignatureScheme::RsaPkcs1Sha384 => SignatureScheme::RSA_PKCS1_SHA384,
        TlsSignatureScheme::RsaPkcs1Sha512 => SignatureScheme::RSA_PKCS1_SHA512,
        TlsSignatureScheme::RsaPssSha256 => SignatureScheme::RSA_PSS_SHA256,
        TlsSignatureScheme::RsaPssSha384 => SignatureScheme::RSA_PSS_SHA384,
        TlsSignatureScheme::RsaPssSha512 => SignatureScheme::RSA_PSS_SHA512,
    }
}
