//! The signer's cryptographic material (criar input 3; DECISIONS D4) and the trust store.

use sesgo_cert::{Certificate, Credentials};
use sesgo_core::{Code, Error, Result};
use sesgo_fetch::TlsSignatureScheme;
use std::fmt;
use std::sync::Arc;

pub use sesgo_cert::TrustStore;

/// A function that returns the RS256 signature (RSASSA-PKCS1-v1_5 / SHA-256, raw bytes) of
/// the signing input it is given: a PKCS#11 token, a platform keystore, a cloud signer.
pub type ExternalSignFn = dyn Fn(&[u8]) -> Result<Vec<u8>> + Send + Sync;

enum Key {
    Local(Box<Credentials>),
    External(Box<ExternalSignFn>),
    Pkcs11(Box<sesgo_pkcs11::Pkcs11Signer>),
}

struct Inner {
    chain: Vec<Certificate>,
    key: Key,
}

/// Who signs: a private key (from PKCS#12 or PEM) or an external signing function, with
/// the certificate chain. Immutable, `Send + Sync`, cheap to clone.
#[derive(Clone)]
pub struct Signer(Arc<Inner>);

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.0.key {
            Key::Local(_) => "local key",
            Key::External(_) => "external",
            Key::Pkcs11(_) => "pkcs11",
        };
        f.debug_struct("Signer")
            .field("key", &kind)
            .field("leaf", &self.0.chain.first().map(Certificate::subject))
            .finish()
    }
}

impl Signer {
    /// From a PKCS#12 file (PBES2/AES or legacy 3DES/RC2), its password and optionally
    /// the alias (friendlyName) of the key to use.
    pub fn from_pkcs12(pkcs12: &[u8], password: &str, alias: Option<&str>) -> Result<Signer> {
        let creds = Credentials::from_pkcs12(pkcs12, password, alias)?;
        Ok(Signer::local(creds))
    }

    /// From a PEM private key (PKCS#8, encrypted or not, or PKCS#1) and the PEM chain.
    pub fn from_pem(key_pem: &[u8], password: Option<&[u8]>, chain_pem: &[u8]) -> Result<Signer> {
        let creds = Credentials::from_pem(key_pem, password, chain_pem)?;
        Ok(Signer::local(creds))
    }

    /// From a key on a PKCS#11 token or smartcard (ICP-Brasil A3): the key never leaves
    /// the device; the certificate and the issuers found on the token form the chain (the
    /// trust store completes it when signing). `pin`: a fixed PIN (tried once) or a
    /// callback (asked again after a wrong PIN up to `maxPinAttempts`).
    /// Failures: see [`crate::pkcs11::Pkcs11Signer::open`] (`MIDDLEWARE.*`, `DEVICE.*`,
    /// `CRYPTO.PIN-INVALID`).
    pub fn from_pkcs11(
        options: &crate::pkcs11::Pkcs11Options,
        pin: crate::pkcs11::Pin,
    ) -> Result<Signer> {
        let p = sesgo_pkcs11::Pkcs11Signer::open(options, pin)?;
        let chain = p
            .chain_der()
            .iter()
            .enumerate()
            .map(|(i, d)| Certificate::from_der(d).map_err(|e| e.at(format!("pkcs11.chain[{i}]"))))
            .collect::<Result<Vec<_>>>()?;
        Ok(Signer(Arc::new(Inner {
            chain,
            key: Key::Pkcs11(Box::new(p)),
        })))
    }

    /// [`Signer::from_pkcs11`] with the configuration as JSON
    /// ([`crate::pkcs11::Pkcs11Config`]): how C, Python, Java and the CLI pass it.
    pub fn from_pkcs11_json(config_json: &[u8], pin: crate::pkcs11::Pin) -> Result<Signer> {
        let options = crate::pkcs11::Pkcs11Config::from_json(config_json)?.to_options()?;
        Signer::from_pkcs11(&options, pin)
    }

    fn local(creds: Credentials) -> Signer {
        Signer(Arc::new(Inner {
            chain: creds.chain().to_vec(),
            key: Key::Local(Box::new(creds)),
        }))
    }

    /// An external signer: `chain_der` (DER, leaf first; intermediates may be completed
    /// from the trust store) and the function producing RS256 signatures. Whatever it
    /// returns is checked against the leaf key before a JWS is built.
    pub fn external(
        chain_der: &[Vec<u8>],
        sign: impl Fn(&[u8]) -> Result<Vec<u8>> + Send + Sync + 'static,
    ) -> Result<Signer> {
        if chain_der.is_empty() {
            return Err(Error::new(
                Code::ConfigMissingParameter,
                "assinador externo sem certificado",
            )
            .at("chain"));
        }
        let chain = chain_der
            .iter()
            .enumerate()
            .map(|(i, d)| Certificate::from_der(d).map_err(|e| e.at(format!("chain[{i}]"))))
            .collect::<Result<Vec<_>>>()?;
        Ok(Signer(Arc::new(Inner {
            chain,
            key: Key::External(Box::new(sign)),
        })))
    }

    /// [`Signer::external`] with the chain as PEM (one or more certificates, leaf first),
    /// the form C, Python and the CLI usually hold it in.
    /// Failure: no certificate or unreadable PEM → `FORMAT.CERT-PEM-INVALID` at `chain`.
    pub fn external_pem(
        chain_pem: &[u8],
        sign: impl Fn(&[u8]) -> Result<Vec<u8>> + Send + Sync + 'static,
    ) -> Result<Signer> {
        let certs = Certificate::all_from_pem(chain_pem).map_err(|e| e.at("chain"))?;
        if certs.is_empty() {
            return Err(
                Error::new(Code::FormatCertPemInvalid, "cadeia PEM sem certificados").at("chain"),
            );
        }
        let der: Vec<Vec<u8>> = certs.iter().map(|c| c.der().to_vec()).collect();
        Signer::external(&der, sign)
    }

    /// The certificates as given (leaf first).
    pub fn chain(&self) -> &[Certificate] {
        &self.0.chain
    }

    /// The RSA signature schemes this key can produce (token client: TLS client
    /// authentication and client assertions; docs/adr/0051). A local key can do all of
    /// them; a PKCS#11 key and an external signer produce RS256 only (their contract).
    pub(crate) fn schemes(&self) -> Vec<TlsSignatureScheme> {
        match &self.0.key {
            Key::Local(_) => vec![
                TlsSignatureScheme::RsaPssSha256,
                TlsSignatureScheme::RsaPssSha384,
                TlsSignatureScheme::RsaPssSha512,
                TlsSignatureScheme::RsaPkcs1Sha256,
                TlsSignatureScheme::RsaPkcs1Sha384,
                TlsSignatureScheme::RsaPkcs1Sha512,
            ],
            Key::External(_) | Key::Pkcs11(_) => vec![TlsSignatureScheme::RsaPkcs1Sha256],
        }
    }

    /// A signature of `input` with `scheme` (which must be one of [`Signer::schemes`]).
    /// Failure: scheme not available for this key or signing failed →
    /// `CRYPTO.SIGNATURE-CREATION-FAILED` (a device's own codes pass through).
    pub(crate) fn sign_scheme(&self, scheme: TlsSignatureScheme, input: &[u8]) -> Result<Vec<u8>> {
        use sesgo_cert::crypto::{HashAlg, SignatureScheme};
        if scheme == TlsSignatureScheme::RsaPkcs1Sha256 {
            return self.sign(input);
        }
        let Key::Local(c) = &self.0.key else {
            return Err(Error::new(
                Code::CryptoSignatureCreationFailed,
                format!("esta chave assina apenas RS256; esquema pedido: {scheme:?}"),
            ));
        };
        // Blinded PKCS#1 v1.5 and PSS with a random salt as long as the hash.
        let scheme = match scheme {
            TlsSignatureScheme::RsaPkcs1Sha256 => SignatureScheme::Pkcs1v15(HashAlg::Sha256),
            TlsSignatureScheme::RsaPkcs1Sha384 => SignatureScheme::Pkcs1v15(HashAlg::Sha384),
            TlsSignatureScheme::RsaPkcs1Sha512 => SignatureScheme::Pkcs1v15(HashAlg::Sha512),
            TlsSignatureScheme::RsaPssSha256 => SignatureScheme::Pss(HashAlg::Sha256),
            TlsSignatureScheme::RsaPssSha384 => SignatureScheme::Pss(HashAlg::Sha384),
            TlsSignatureScheme::RsaPssSha512 => SignatureScheme::Pss(HashAlg::Sha512),
        };
        c.private_key().sign(scheme, input)
    }

    /// criar Etapa 10.3–10.4: RS256 signature of `input`.
    pub(crate) fn sign(&self, input: &[u8]) -> Result<Vec<u8>> {
        match &self.0.key {
            Key::Local(c) => c.sign_rs256(input),
            Key::External(f) => f(input),
            Key::Pkcs11(p) => p.sign_rs256(input),
        }
    }
}
