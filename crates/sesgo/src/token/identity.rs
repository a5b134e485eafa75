//! The establishment's certificate as a TLS client identity (mutual TLS, IG-DIGEST §9
//! step 1): the chain from the [`Signer`], the handshake signed by its key wherever it is
//! (memory, a PKCS#11 token, an external signer).

use sesgo_fetch::{ClientIdentity, TlsSignatureScheme};

use crate::Signer;

/// A [`Signer`] presented as a TLS client certificate.
#[derive(Clone, Debug)]
pub struct SignerIdentity(Signer);

impl SignerIdentity {
    /// Wraps `signer`.
    pub fn new(signer: Signer) -> SignerIdentity {
        SignerIdentity(signer)
    }
}

impl ClientIdentity for SignerIdentity {
    fn certificate_chain_der(&self) -> Vec<Vec<u8>> {
        self.0.chain().iter().map(|c| c.der().to_vec()).collect()
    }

    fn schemes(&self) -> Vec<TlsSignatureScheme> {
        self.0.schemes()
    }

    fn sign(&self, scheme: TlsSignatureScheme, message: &[u8]) -> Result<Vec<u8>, String> {
        self.0
            .sign_scheme(scheme, message)
            .map_err(|e| e.to_string())
    }
}
