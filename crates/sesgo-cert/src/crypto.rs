//! The crypto boundary (ADR 0042, backend chosen in ADR 0066): RSA key handling, RS256
//! sign/verify, PKCS#1 v1.5 and PSS signatures for TLS and client assertions, PKCS#1 v1.5
//! verification of certificate signatures, and the digests sesgo uses (SHA-1
//! fingerprints, SHA-256, SHA-384, SHA-512). Every other module and crate calls these;
//! none names the backend.
//!
//! The interface is backend-neutral: handles ([`PublicKey`], [`PrivateKey`]), byte slices
//! in and fixed-size arrays out, `sesgo_core` errors. The backend is OpenSSL (the `openssl`
//! crate), linked statically into sesgo's artifacts (ADR 0066): its RSA is several times
//! faster than a pure-Rust one and its private-key operation is blinded. PKCS#12 key
//! derivation and MACs stay inside `pkcs12.rs` (format internals).
//!
//! ```
//! use sesgo_cert::crypto::{PrivateKey, SignatureScheme, HashAlg};
//! # let pki = sesgo_cert::testpki::TestPki::shared();
//! # let pem = std::fs::read_to_string(&pki.ecpf.key_pem).unwrap();
//! let key = PrivateKey::from_pkcs8_pem(&pem).unwrap();
//! let sig = key.sign_rs256(b"header.payload").unwrap();
//! assert!(key.public_key().verify_rs256(b"header.payload", &sig));
//! assert!(!key.public_key().verify_rs256(b"header.payload!", &sig));
//! let pss = key.sign(SignatureScheme::Pss(HashAlg::Sha256), b"m").unwrap();
//! assert!(key.public_key().verify(SignatureScheme::Pss(HashAlg::Sha256), b"m", &pss));
//! ```

use openssl::md::Md;
use openssl::pkey::{HasPublic, PKey, PKeyRef, Private, Public};
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::{Padding, Rsa};
use openssl::sign::{RsaPssSaltlen, Signer, Verifier};
use sesgo_core::{Code, Error, Result};
use std::sync::{Arc, Mutex};
use zeroize::Zeroizing;

// The one-shot digests go through the incremental hashers: OpenSSL 3's one-shot
// functions (`SHA256()`) fetch the algorithm by name on every call, which costs as much
// as hashing a certificate (ADR 0076).

/// SHA-1 (certificate fingerprints and OCSP `CertID` only).
pub fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h = openssl::sha::Sha1::new();
    h.update(data);
    h.finish()
}

/// SHA-256.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256Stream::new();
    h.update(data);
    h.finish()
}

/// SHA-384.
pub fn sha384(data: &[u8]) -> [u8; 48] {
    let mut h = openssl::sha::Sha384::new();
    h.update(data);
    h.finish()
}

/// SHA-512.
pub fn sha512(data: &[u8]) -> [u8; 64] {
    let mut h = openssl::sha::Sha512::new();
    h.update(data);
    h.finish()
}

/// Cryptographically secure random bytes (the operating system's generator through the
/// backend). Failure: `CRYPTO.SIGNATURE-CREATION-FAILED` (no entropy available).
pub fn random_bytes(buf: &mut [u8]) -> Result<()> {
    openssl::rand::rand_bytes(buf).map_err(|e| {
        Error::new(
            Code::CryptoSignatureCreationFailed,
            format!("gerador aleatório indisponível: {e}"),
        )
    })
}

/// Incremental SHA-256 (content digests are streamed, one resource at a time).
#[derive(Clone)]
pub struct Sha256Stream(openssl::sha::Sha256);

impl Default for Sha256Stream {
    fn default() -> Self {
        Sha256Stream::new()
    }
}

impl Sha256Stream {
    /// A fresh hasher.
    pub fn new() -> Self {
        Sha256Stream(openssl::sha::Sha256::new())
    }

    /// Feeds bytes.
    pub fn update(&mut self, data: impl AsRef<[u8]>) {
        self.0.update(data.as_ref());
    }

    /// The digest.
    pub fn finish(self) -> [u8; 32] {
        self.0.finish()
    }
}

/// Hash of a signature scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlg {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlg {
    fn message_digest(self) -> openssl::hash::MessageDigest {
        match self {
            HashAlg::Sha256 => openssl::hash::MessageDigest::sha256(),
            HashAlg::Sha384 => openssl::hash::MessageDigest::sha384(),
            HashAlg::Sha512 => openssl::hash::MessageDigest::sha512(),
        }
    }
}

/// An RSA signature scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureScheme {
    /// RSASSA-PKCS1-v1_5 (RS256 = `Pkcs1v15(Sha256)`; certificate, CRL and OCSP signatures).
    Pkcs1v15(HashAlg),
    /// RSASSA-PSS, MGF1 with the same hash, salt as long as the hash (TLS 1.3, PS256…).
    Pss(HashAlg),
}

fn verifier_for<'a, T: HasPublic>(
    scheme: SignatureScheme,
    key: &'a PKeyRef<T>,
) -> std::result::Result<Verifier<'a>, openssl::error::ErrorStack> {
    let (hash, pss) = match scheme {
        SignatureScheme::Pkcs1v15(h) => (h, false),
        SignatureScheme::Pss(h) => (h, true),
    };
    let mut v = Verifier::new(hash.message_digest(), key)?;
    if pss {
        v.set_rsa_padding(Padding::PKCS1_PSS)?;
        v.set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)?;
        v.set_rsa_mgf1_md(hash.message_digest())?;
    }
    Ok(v)
}

/// An RSA public key (cheap to clone: the backend counts references).
#[derive(Clone)]
pub struct PublicKey {
    key: PKey<Public>,
    /// An RS256 verification context made once (padding and digest set) and shared by
    /// every clone: OpenSSL 3 fetches the algorithms by name for each new context, which
    /// costs about a fifth of the RSA-2048 public operation itself. `EVP_PKEY_verify` may
    /// be called again on the same context with the same parameters
    /// (`EVP_PKEY_verify(3)`). A context another thread is using is not waited for: that
    /// call makes its own.
    rs256: Arc<Mutex<Option<PkeyCtx<Public>>>>,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey(RSA-{})", self.bits())
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.same_as(other)
    }
}

impl Eq for PublicKey {}

impl PublicKey {
    fn new(key: PKey<Public>) -> PublicKey {
        PublicKey {
            key,
            rs256: Arc::new(Mutex::new(None)),
        }
    }

    /// From the `subjectPublicKey` bits of an `rsaEncryption` SPKI (PKCS#1
    /// `RSAPublicKey`). Failure: `CERT.INVALID-FORMAT`.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<PublicKey> {
        let invalid = |e: &dyn std::fmt::Display| {
            Error::new(
                Code::CertInvalidFormat,
                format!("chave pública RSA inválida: {e}"),
            )
        };
        let rsa = Rsa::public_key_from_der_pkcs1(der).map_err(|e| invalid(&e))?;
        // The backend's parser accepts trailing bytes after the SEQUENCE; DER does not.
        match rsa.public_key_to_der_pkcs1() {
            Ok(again) if again == der => {}
            _ => return Err(invalid(&"codificação DER não canônica")),
        }
        if rsa.n().is_negative() || rsa.e().is_negative() || rsa.e().num_bits() < 2 {
            return Err(invalid(&"módulo ou expoente fora do domínio RSA"));
        }
        PKey::from_rsa(rsa)
            .map(PublicKey::new)
            .map_err(|e| invalid(&e))
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> usize {
        self.key.bits() as usize
    }

    /// Modulus, big-endian without leading zeros (JWK `n`).
    pub fn modulus(&self) -> Vec<u8> {
        self.key.rsa().map(|r| r.n().to_vec()).unwrap_or_default()
    }

    /// Public exponent, big-endian without leading zeros (JWK `e`).
    pub fn exponent(&self) -> Vec<u8> {
        self.key.rsa().map(|r| r.e().to_vec()).unwrap_or_default()
    }

    /// Whether both keys are the same (modulus and exponent).
    pub fn same_as(&self, other: &PublicKey) -> bool {
        self.key.public_eq(&other.key)
    }

    /// RS256 (RSASSA-PKCS1-v1_5 with SHA-256) over `message`.
    pub fn verify_rs256(&self, message: &[u8], signature: &[u8]) -> bool {
        self.verify_rs256_digest(&sha256(message), signature)
    }

    /// RS256 over a precomputed SHA-256 of the message.
    pub fn verify_rs256_digest(&self, sha256: &[u8; 32], signature: &[u8]) -> bool {
        if signature.len() != self.key.size() {
            return false;
        }
        let prepared = || -> std::result::Result<PkeyCtx<Public>, openssl::error::ErrorStack> {
            let mut ctx = PkeyCtx::new(&self.key)?;
            ctx.verify_init()?;
            ctx.set_rsa_padding(Padding::PKCS1)?;
            ctx.set_signature_md(Md::sha256())?;
            Ok(ctx)
        };
        if let Ok(mut slot) = self.rs256.try_lock() {
            if slot.is_none() {
                *slot = prepared().ok();
            }
            if let Some(ctx) = slot.as_mut() {
                return match ctx.verify(sha256, signature) {
                    Ok(valid) => valid,
                    Err(_) => {
                        // A context the backend reported an error on is not used again.
                        *slot = None;
                        false
                    }
                };
            }
        }
        prepared()
            .and_then(|mut ctx| ctx.verify(sha256, signature))
            .unwrap_or(false)
    }

    /// RSASSA-PKCS1-v1_5 with `hash` over `message` (certificate, CRL, OCSP and
    /// timestamp signatures).
    pub fn verify_pkcs1v15(&self, hash: HashAlg, message: &[u8], signature: &[u8]) -> bool {
        self.verify(SignatureScheme::Pkcs1v15(hash), message, signature)
    }

    /// A signature over `message` with `scheme`.
    pub fn verify(&self, scheme: SignatureScheme, message: &[u8], signature: &[u8]) -> bool {
        if signature.len() != self.key.size() {
            return false;
        }
        verifier_for(scheme, &self.key)
            .and_then(|mut v| v.verify_oneshot(signature, message))
            .unwrap_or(false)
    }
}

/// Something that produces RS256 signatures over a SHA-256 digest: a local key here; a
/// token, HSM or cloud signer elsewhere (DECISIONS D4).
pub trait Rs256Signer {
    /// RSASSA-PKCS1-v1_5 signature of a SHA-256 digest. Failure:
    /// `CRYPTO.SIGNATURE-CREATION-FAILED`.
    fn sign_rs256_digest(&self, sha256: &[u8; 32]) -> Result<Vec<u8>>;
}

/// An RSA private key. The backend wipes the private numbers when the last clone is
/// dropped; `Debug` never prints them.
#[derive(Clone)]
pub struct PrivateKey {
    key: PKey<Private>,
    public: PublicKey,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey(RSA-{})", self.key.bits())
    }
}

fn creation_failed(e: impl std::fmt::Display) -> Error {
    Error::new(
        Code::CryptoSignatureCreationFailed,
        format!("falha na assinatura: {e}"),
    )
}

impl PrivateKey {
    /// From an unencrypted PKCS#8 `PrivateKeyInfo` (DER) holding an RSA key. Failures:
    /// not RSA → `CRYPTO.ALGORITHM-UNSUPPORTED`; unreadable → `CRYPTO.KEY-INACCESSIBLE`.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<PrivateKey> {
        let key = PKey::private_key_from_pkcs8(der).map_err(|e| {
            Error::new(
                Code::CryptoKeyInaccessible,
                format!("chave privada PKCS#8 ilegível: {e}"),
            )
        })?;
        Self::checked(key)
    }

    /// From an unencrypted PKCS#8 PEM block (`-----BEGIN PRIVATE KEY-----`). Failures as
    /// [`PrivateKey::from_pkcs8_der`].
    pub fn from_pkcs8_pem(pem: &str) -> Result<PrivateKey> {
        let (label, der) = der::pem::decode_vec(pem.as_bytes()).map_err(|e| {
            Error::new(
                Code::CryptoKeyInaccessible,
                format!("PEM de chave privada ilegível: {e}"),
            )
        })?;
        let der = Zeroizing::new(der);
        if label != "PRIVATE KEY" {
            return Err(Error::new(
                Code::CryptoKeyInaccessible,
                format!("esperado um bloco PEM 'PRIVATE KEY', encontrado '{label}'"),
            ));
        }
        Self::from_pkcs8_der(&der)
    }

    /// From a PKCS#1 `RSAPrivateKey` (DER). Failure: `CRYPTO.KEY-INACCESSIBLE`.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<PrivateKey> {
        let key = Rsa::private_key_from_der(der)
            .and_then(PKey::from_rsa)
            .map_err(|e| {
                Error::new(
                    Code::CryptoKeyInaccessible,
                    format!("chave privada RSA ilegível: {e}"),
                )
            })?;
        Self::checked(key)
    }

    fn checked(key: PKey<Private>) -> Result<PrivateKey> {
        let Ok(rsa) = key.rsa() else {
            return Err(Error::new(
                Code::CryptoAlgorithmUnsupported,
                format!("chave privada não RSA ({:?}); só RSA é suportado", key.id()),
            ));
        };
        let public = rsa
            .n()
            .to_owned()
            .and_then(|n| Rsa::from_public_components(n, rsa.e().to_owned()?))
            .and_then(PKey::from_rsa)
            .map_err(|e| Error::new(Code::CryptoKeyInaccessible, e.to_string()))?;
        Ok(PrivateKey {
            key,
            public: PublicKey::new(public),
        })
    }

    /// An unencrypted PKCS#8 `PrivateKeyInfo` (DER), zeroized on drop.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        self.key
            .private_key_to_pkcs8()
            .map(Zeroizing::new)
            .map_err(|e| Error::new(Code::CryptoKeyInaccessible, e.to_string()))
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> usize {
        self.key.bits() as usize
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        self.public.clone()
    }

    /// RS256 over `message`.
    pub fn sign_rs256(&self, message: &[u8]) -> Result<Vec<u8>> {
        let digest = Zeroizing::new(sha256(message));
        self.sign_rs256_digest(&digest)
    }

    /// A signature over `message` with `scheme` (PSS salts are random; PKCS#1 v1.5 is
    /// deterministic).
    pub fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>> {
        let (hash, pss) = match scheme {
            SignatureScheme::Pkcs1v15(h) => (h, false),
            SignatureScheme::Pss(h) => (h, true),
        };
        let run = || -> std::result::Result<Vec<u8>, openssl::error::ErrorStack> {
            let mut s = Signer::new(hash.message_digest(), &self.key)?;
            if pss {
                s.set_rsa_padding(Padding::PKCS1_PSS)?;
                s.set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)?;
                s.set_rsa_mgf1_md(hash.message_digest())?;
            }
            s.sign_oneshot_to_vec(message)
        };
        run().map_err(creation_failed)
    }
}

impl Rs256Signer for PrivateKey {
    /// OpenSSL blinds the private-key operation (random r per call), so its timing does
    /// not depend on the key alone.
    fn sign_rs256_digest(&self, sha256: &[u8; 32]) -> Result<Vec<u8>> {
        let run = || -> std::result::Result<Vec<u8>, openssl::error::ErrorStack> {
            let mut ctx = PkeyCtx::new(&self.key)?;
            ctx.sign_init()?;
            ctx.set_rsa_padding(Padding::PKCS1)?;
            ctx.set_signature_md(Md::sha256())?;
            let mut out = Vec::with_capacity(self.key.size());
            ctx.sign_to_vec(sha256, &mut out)?;
            Ok(out)
        };
        run().map_err(creation_failed)
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
        assert_eq!(sha384(b"abc")[..4], [0xcb, 0x00, 0x75, 0x3f]);
        assert_eq!(sha512(b"abc")[..4], [0xdd, 0xaf, 0x35, 0xa1]);
        assert_eq!(sha1(b"abc")[..4], [0xa9, 0x99, 0x3e, 0x36]);
        // FIPS 180-2's long vectors: one million 'a', many blocks.
        let million = vec![b'a'; 1_000_000];
        assert_eq!(sha256(&million)[..4], [0xcd, 0xc7, 0x6e, 0x5c]);
        assert_eq!(sha1(&million)[..4], [0x34, 0xaa, 0x97, 0x3c]);
        assert_eq!(sha384(&million)[..4], [0x9d, 0x0e, 0x18, 0x09]);
        assert_eq!(sha512(&million)[..4], [0xe7, 0x18, 0x48, 0x3d]);
        let mut s = Sha256Stream::new();
        s.update(b"a");
        s.update(b"bc");
        assert_eq!(s.finish(), sha256(b"abc"));
    }

    #[test]
    fn random_differs() {
        let (mut a, mut b) = ([0u8; 16], [0u8; 16]);
        random_bytes(&mut a).unwrap();
        random_bytes(&mut b).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn public_key_rejects_trailing_bytes_and_garbage() {
        let key = Rsa::generate(2048).unwrap();
        let mut der = key.public_key_to_der_pkcs1().unwrap();
        assert_eq!(PublicKey::from_pkcs1_der(&der).unwrap().bits(), 2048);
        der.push(0);
        assert_eq!(
            PublicKey::from_pkcs1_der(&der).unwrap_err().code(),
            Code::CertInvalidFormat
        );
        assert!(PublicKey::from_pkcs1_der(b"\x30\x00").is_err());
    }

    #[test]
    fn every_scheme_round_trips_and_wrong_lengths_fail() {
        let der = Rsa::generate(2048).unwrap().private_key_to_der().unwrap();
        let key = PrivateKey::from_pkcs1_der(&der).unwrap();
        let public = key.public_key();
        assert_eq!(public.bits(), 2048);
        for h in [HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512] {
            for scheme in [SignatureScheme::Pkcs1v15(h), SignatureScheme::Pss(h)] {
                let sig = key.sign(scheme, b"m").unwrap();
                assert!(public.verify(scheme, b"m", &sig), "{scheme:?}");
                assert!(!public.verify(scheme, b"n", &sig), "{scheme:?}");
                assert!(!public.verify(scheme, b"m", &sig[1..]), "{scheme:?}");
            }
        }
        let rs = key.sign_rs256(b"m").unwrap();
        assert_eq!(
            rs,
            key.sign(SignatureScheme::Pkcs1v15(HashAlg::Sha256), b"m")
                .unwrap()
        );
        assert!(public.verify_rs256(b"m", &rs));
        assert!(!public.verify_rs256(b"m", &[]));
        let mut long = rs.clone();
        long.push(0);
        assert!(!public.verify_rs256(b"m", &long));
    }

    /// The prepared RS256 context is reused across calls, clones and threads, and never
    /// carries one call's answer into the next: valid, invalid, garbage and valid again,
    /// with keys of two sizes interleaved, from several threads at once.
    #[test]
    fn rs256_answers_stay_right_with_a_reused_context() {
        let keys: Vec<PrivateKey> = [2048, 3072]
            .into_iter()
            .map(|bits| {
                PrivateKey::from_pkcs1_der(
                    &Rsa::generate(bits).unwrap().private_key_to_der().unwrap(),
                )
                .unwrap()
            })
            .collect();
        let cases: Vec<(PublicKey, [u8; 32], Vec<u8>, PublicKey)> = keys
            .iter()
            .zip(keys.iter().rev())
            .map(|(k, other)| {
                let digest = sha256(b"header.payload");
                (
                    k.public_key(),
                    digest,
                    k.sign_rs256_digest(&digest).unwrap(),
                    other.public_key(),
                )
            })
            .collect();
        std::thread::scope(|scope| {
            for t in 0..4 {
                let cases = &cases;
                scope.spawn(move || {
                    for round in 0..50 {
                        for (public, digest, sig, other) in cases {
                            let mut wrong = *digest;
                            wrong[(round + t) % 32] ^= 1;
                            let mut flipped = sig.clone();
                            flipped[(round * 7) % sig.len()] ^= 0x40;
                            assert!(public.verify_rs256_digest(digest, sig));
                            assert!(!public.verify_rs256_digest(&wrong, sig));
                            assert!(!public.verify_rs256_digest(digest, &flipped));
                            assert!(!public.verify_rs256_digest(digest, &vec![0xff; sig.len()]));
                            assert!(!other.clone().verify_rs256_digest(digest, sig));
                            assert!(public.clone().verify_rs256_digest(digest, sig));
                        }
                    }
                });
            }
        });
    }
}
