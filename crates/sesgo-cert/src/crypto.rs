//! The crypto boundary (ADR 0042): RSA key extraction, RS256 sign/verify, PKCS#1 v1.5
//! verification of certificate signatures, and the digests sesgo uses (SHA-1 fingerprints,
//! SHA-256, SHA-512). Every other module and crate calls these; none names the backend.
//!
//! The interface is backend-neutral: handles ([`PublicKey`], [`PrivateKey`]), byte slices
//! in and fixed-size arrays out, `sesgo_core` errors. The backend today is RustCrypto
//! (`rsa`, `sha1`, `sha2`); a later change may put another (e.g. OpenSSL) behind the same
//! functions. PKCS#12 key derivation and MACs stay inside `pkcs12.rs` (format internals).

use rsa::traits::PublicKeyParts;
use rsa::Pkcs1v15Sign;
use sesgo_core::{Code, Error, Result};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

/// SHA-1 (certificate fingerprints only).
pub fn sha1(data: &[u8]) -> [u8; 20] {
    Sha1::digest(data).into()
}

/// SHA-256.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// SHA-512.
pub fn sha512(data: &[u8]) -> [u8; 64] {
    Sha512::digest(data).into()
}

/// Incremental SHA-256 (content digests are streamed, one resource at a time).
#[derive(Clone, Default)]
pub struct Sha256Stream(Sha256);

impl Sha256Stream {
    /// A fresh hasher.
    pub fn new() -> Self {
        Sha256Stream(Sha256::new())
    }

    /// Feeds bytes.
    pub fn update(&mut self, data: impl AsRef<[u8]>) {
        self.0.update(data.as_ref());
    }

    /// The digest.
    pub fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

/// Hash of a PKCS#1 v1.5 signature (certificate and CRL signatures).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlg {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// An RSA public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey(rsa::RsaPublicKey);

impl PublicKey {
    /// From the `subjectPublicKey` bits of an `rsaEncryption` SPKI (PKCS#1
    /// `RSAPublicKey`). Failure: `CERT.INVALID-FORMAT`.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<PublicKey> {
        <rsa::RsaPublicKey as pkcs1::DecodeRsaPublicKey>::from_pkcs1_der(der)
            .map(PublicKey)
            .map_err(|e| {
                Error::new(
                    Code::CertInvalidFormat,
                    format!("chave pública RSA inválida: {e}"),
                )
            })
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> usize {
        self.0.n().bits()
    }

    /// Whether both keys are the same (modulus and exponent).
    pub fn same_as(&self, other: &PublicKey) -> bool {
        self.0.n() == other.0.n() && self.0.e() == other.0.e()
    }

    /// RS256 (RSASSA-PKCS1-v1_5 with SHA-256) over `message`.
    pub fn verify_rs256(&self, message: &[u8], signature: &[u8]) -> bool {
        self.verify_rs256_digest(&sha256(message), signature)
    }

    /// RS256 over a precomputed SHA-256 of the message.
    pub fn verify_rs256_digest(&self, sha256: &[u8; 32], signature: &[u8]) -> bool {
        self.0
            .verify(Pkcs1v15Sign::new::<Sha256>(), sha256, signature)
            .is_ok()
    }

    /// RSASSA-PKCS1-v1_5 with `hash` over `message`.
    pub fn verify_pkcs1v15(&self, hash: HashAlg, message: &[u8], signature: &[u8]) -> bool {
        let (scheme, digest) = match hash {
            HashAlg::Sha256 => (
                Pkcs1v15Sign::new::<Sha256>(),
                Sha256::digest(message).to_vec(),
            ),
            HashAlg::Sha384 => (
                Pkcs1v15Sign::new::<Sha384>(),
                Sha384::digest(message).to_vec(),
            ),
            HashAlg::Sha512 => (
                Pkcs1v15Sign::new::<Sha512>(),
                Sha512::digest(message).to_vec(),
            ),
        };
        self.0.verify(scheme, &digest, signature).is_ok()
    }

    /// The backend key (RustCrypto), for callers that still need it.
    pub fn as_rsa(&self) -> &rsa::RsaPublicKey {
        &self.0
    }
}

/// Something that produces RS256 signatures over a SHA-256 digest: a local key here; a
/// token, HSM or cloud signer elsewhere (DECISIONS D4).
pub trait Rs256Signer {
    /// RSASSA-PKCS1-v1_5 signature of a SHA-256 digest. Failure:
    /// `CRYPTO.SIGNATURE-CREATION-FAILED`.
    fn sign_rs256_digest(&self, sha256: &[u8; 32]) -> Result<Vec<u8>>;
}

/// An RSA private key (zeroized on drop).
#[derive(Clone)]
pub struct PrivateKey(rsa::RsaPrivateKey);

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey(RSA-{})", self.0.n().bits())
    }
}

impl PrivateKey {
    /// Wraps a backend key.
    pub fn from_rsa(key: rsa::RsaPrivateKey) -> PrivateKey {
        PrivateKey(key)
    }

    /// The backend key.
    pub fn as_rsa(&self) -> &rsa::RsaPrivateKey {
        &self.0
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.to_public_key())
    }

    /// RS256 over `message`.
    pub fn sign_rs256(&self, message: &[u8]) -> Result<Vec<u8>> {
        let digest = Zeroizing::new(sha256(message));
        self.sign_rs256_digest(&digest)
    }
}

impl Rs256Signer for PrivateKey {
    fn sign_rs256_digest(&self, sha256: &[u8; 32]) -> Result<Vec<u8>> {
        self.0.sign_rs256_digest(sha256)
    }
}

impl Rs256Signer for rsa::RsaPrivateKey {
    /// Blinded (random r from the OS): the private-key operation's timing does not depend
    /// on the key alone (RUSTSEC-2023-0071 concerns unblinded use).
    fn sign_rs256_digest(&self, sha256: &[u8; 32]) -> Result<Vec<u8>> {
        self.sign_with_rng(
            &mut rsa::rand_core::OsRng,
            Pkcs1v15Sign::new::<Sha256>(),
            sha256,
        )
        .map_err(|e| {
            Error::new(
                Code::CryptoSignatureCreationFailed,
                format!("falha na assinatura RS256: {e}"),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests() {
        assert_eq!(
            sha256(b"abc")[..4],
            [0xba, 0x78, 0x16, 0xbf],
            "FIPS 180-2 vector"
        );
        assert_eq!(sha512(b"abc")[..4], [0xdd, 0xaf, 0x35, 0xa1]);
        assert_eq!(sha1(b"abc")[..4], [0xa9, 0x99, 0x3e, 0x36]);
        let mut s = Sha256Stream::new();
        s.update(b"a");
        s.update(b"bc");
        assert_eq!(s.finish(), sha256(b"abc"));
    }
}
