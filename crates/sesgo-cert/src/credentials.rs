//! Signing credentials: a private RSA key plus its certificate chain.

use std::fmt;

use sesgo_core::{Code, Error, Result};
use zeroize::Zeroizing;

use crate::cert::Certificate;
use crate::crypto;

/// A signer's private key (RSA) with its certificate and the chain found alongside it.
///
/// The key is wiped by the crypto backend when dropped ([`crypto::PrivateKey`]); every intermediate
/// buffer holding key material or derived keys is wrapped in `zeroize::Zeroizing`. Passwords are
/// borrowed, never stored. `Debug` never prints key material.
///
/// ```
/// # let pki = sesgo_cert::testpki::TestPki::shared();
/// use sesgo_cert::Credentials;
/// let p12 = std::fs::read(&pki.p12_aes).unwrap();
/// let creds = Credentials::from_pkcs12(&p12, "teste123", None).unwrap();
/// assert!(creds.leaf().subject().contains("FULANO DE TAL DA SILVA"));
/// assert_eq!(creds.chain().len(), 4); // leaf, 2 ACs, root
/// let sig = creds.sign_rs256(b"header.payload").unwrap();
/// assert_eq!(sig.len(), 256);
///
/// let err = Credentials::from_pkcs12(&p12, "wrong", None).unwrap_err();
/// assert_eq!(err.code().as_str(), "CRYPTO.KEY-INACCESSIBLE");
/// ```
pub struct Credentials {
    key: crypto::PrivateKey,
    /// The certificate matching the key (also `chain[0]`).
    leaf: Certificate,
    chain: Vec<Certificate>,
    alias: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("leaf", &self.leaf().subject())
            .field("chain_len", &self.chain.len())
            .field("alias", &self.alias)
            .field("key", &"<redacted>")
            .finish()
    }
}

fn key_from_pkcs8(der: &[u8]) -> Result<crypto::PrivateKey> {
    let info = pkcs8::PrivateKeyInfo::try_from(der).map_err(|e| {
        Error::new(
            Code::CryptoKeyInaccessible,
            format!("chave privada PKCS#8 ilegível: {e}"),
        )
    })?;
    if info.algorithm.oid != crate::cert::oids::RSA_ENCRYPTION {
        return Err(Error::new(
            Code::CryptoAlgorithmUnsupported,
            format!(
                "chave privada não RSA (algoritmo {}); só RS256 é suportado",
                info.algorithm.oid
            ),
        ));
    }
    crypto::PrivateKey::from_pkcs8_der(der)
}

fn same_key(cert: &Certificate, key: &crypto::PublicKey) -> bool {
    cert.public_key().is_ok_and(|k| k.same_as(key))
}

impl Credentials {
    /// Loads a PKCS#12 (`.p12`/`.pfx`) file: PBES2/AES (OpenSSL 3 default), legacy
    /// 3DES and RC2-40 encodings; the MAC is verified.
    ///
    /// `alias` selects the entry by friendlyName; `None` takes the only private key.
    ///
    /// Failures: wrong password → `CRYPTO.KEY-INACCESSIBLE`; unknown alias →
    /// `DEVICE.CERTIFICATE-NOT-FOUND`; alias (or file) without a key → `DEVICE.KEY-ACCESS-DENIED`;
    /// several keys and no alias → `CONFIG.MISSING-PARAMETER`; not a PKCS#12 → `CERT.INVALID-FORMAT`.
    pub fn from_pkcs12(bytes: &[u8], password: &str, alias: Option<&str>) -> Result<Credentials> {
        check_size("PKCS#12", bytes.len(), MAX_CREDENTIAL_BYTES)?;
        let contents = crate::pkcs12::read(bytes, password)?;
        let names = || -> String {
            let mut v: Vec<String> = contents
                .keys
                .iter()
                .filter_map(|k| k.friendly_name.clone())
                .chain(
                    contents
                        .certs
                        .iter()
                        .filter_map(|c| c.friendly_name.clone()),
                )
                .map(|n| format!("'{n}'"))
                .collect();
            v.dedup();
            if v.is_empty() {
                "nenhum".into()
            } else {
                v.join(", ")
            }
        };
        let key_entry = match alias {
            Some(a) => match contents
                .keys
                .iter()
                .find(|k| k.friendly_name.as_deref() == Some(a))
            {
                Some(k) => k,
                None if contents
                    .certs
                    .iter()
                    .any(|c| c.friendly_name.as_deref() == Some(a)) =>
                {
                    return Err(Error::new(
                        Code::DeviceKeyAccessDenied,
                        format!(
                            "o alias '{a}' identifica um certificado sem chave privada no PKCS#12"
                        ),
                    ))
                }
                None => {
                    return Err(Error::new(
                        Code::DeviceCertificateNotFound,
                        format!(
                            "alias '{a}' não encontrado no PKCS#12 (aliases: {})",
                            names()
                        ),
                    ))
                }
            },
            None => match contents.keys.as_slice() {
                [only] => only,
                [] => {
                    return Err(Error::new(
                        Code::DeviceKeyAccessDenied,
                        "o PKCS#12 não contém chave privada (apenas certificados)",
                    ))
                }
                many => {
                    return Err(Error::new(
                        Code::ConfigMissingParameter,
                        format!(
                            "o PKCS#12 contém {} chaves privadas: informe o alias ({})",
                            many.len(),
                            names()
                        ),
                    ))
                }
            },
        };
        let key = key_from_pkcs8(&key_entry.pkcs8)?;
        let public = key.public_key();
        let mut certs = Vec::new();
        for (i, c) in contents.certs.iter().enumerate() {
            let cert =
                Certificate::from_der(&c.der).map_err(|e| e.at(format!("pkcs12.certBag[{i}]")))?;
            certs.push((cert, c.local_key_id.clone()));
        }
        // leaf: same localKeyId, else same public key
        let leaf_idx = certs
            .iter()
            .position(|(c, id)| {
                key_entry.local_key_id.is_some()
                    && *id == key_entry.local_key_id
                    && same_key(c, &public)
            })
            .or_else(|| certs.iter().position(|(c, _)| same_key(c, &public)))
            .ok_or_else(|| {
                Error::new(
                    Code::DeviceCertificateNotFound,
                    "nenhum certificado do PKCS#12 corresponde à chave privada",
                )
            })?;
        let leaf = certs.remove(leaf_idx).0;
        let pool: Vec<Certificate> = certs.into_iter().map(|(c, _)| c).collect();
        Ok(Credentials {
            chain: crate::chain::order_from_pool(&leaf, &pool),
            leaf,
            key,
            alias: key_entry.friendly_name.clone(),
        })
    }

    /// Loads a PEM private key — PKCS#8 (`PRIVATE KEY`), encrypted PKCS#8
    /// (`ENCRYPTED PRIVATE KEY`, PBES2, needs `password`) or PKCS#1 (`RSA PRIVATE KEY`) — and a
    /// PEM certificate bundle holding the matching certificate (any order) and its chain.
    ///
    /// Failures: missing/wrong password or unreadable key → `CRYPTO.KEY-INACCESSIBLE`;
    /// bad certificate PEM → `FORMAT.CERT-PEM-INVALID`; no certificate for the key →
    /// `DEVICE.CERTIFICATE-NOT-FOUND`.
    pub fn from_pem(
        key_pem: &[u8],
        password: Option<&[u8]>,
        chain_pem: &[u8],
    ) -> Result<Credentials> {
        check_size("chave privada PEM", key_pem.len(), MAX_CREDENTIAL_BYTES)?;
        check_size("cadeia PEM", chain_pem.len(), MAX_CHAIN_PEM_BYTES)?;
        let blocks = crate::pem::blocks(key_pem).map_err(|(_, m)| {
            Error::new(
                Code::CryptoKeyInaccessible,
                format!("chave privada PEM ilegível: {m}"),
            )
        })?;
        let block = blocks
            .iter()
            .find(|b| b.label.ends_with("PRIVATE KEY"))
            .ok_or_else(|| {
                Error::new(
                    Code::CryptoKeyInaccessible,
                    "nenhum bloco 'PRIVATE KEY' no PEM",
                )
            })?;
        if block.legacy_encrypted {
            return Err(Error::new(
                Code::CryptoKeyInaccessible,
                "PEM com criptografia legada (Proc-Type/DEK-Info) não suportado: converta para PKCS#8 cifrado",
            ));
        }
        let key = match block.label.as_str() {
            "PRIVATE KEY" => key_from_pkcs8(&block.der)?,
            "ENCRYPTED PRIVATE KEY" => {
                let pw = password.ok_or_else(|| {
                    Error::new(
                        Code::CryptoKeyInaccessible,
                        "chave privada cifrada e nenhuma senha informada",
                    )
                })?;
                let epki = pkcs8::EncryptedPrivateKeyInfo::try_from(block.der.as_slice()).map_err(
                    |e| {
                        Error::new(
                            Code::CryptoKeyInaccessible,
                            format!("PKCS#8 cifrado ilegível: {e}"),
                        )
                    },
                )?;
                // Bounded work (DECISIONS D46): PBKDF2 within the PKCS#12 limits; other
                // KDFs (scrypt: memory chosen by the file) refused.
                let bounded = match &epki.encryption_algorithm {
                    pkcs5::EncryptionScheme::Pbes2(p) => match &p.kdf {
                        pkcs5::pbes2::Kdf::Pbkdf2(k) => {
                            u64::from(k.iteration_count) <= crate::pkcs12::MAX_TOTAL_ITERATIONS
                        }
                        _ => false,
                    },
                    _ => true,
                };
                if !bounded {
                    return Err(Error::new(
                        Code::CryptoAlgorithmUnsupported,
                        "PKCS#8 cifrado com KDF não suportado ou custo acima do limite (PBKDF2 até 10 000 000 iterações)",
                    ));
                }
                let doc = epki.decrypt(pw).map_err(|_| {
                    Error::new(
                        Code::CryptoKeyInaccessible,
                        "não foi possível decifrar a chave privada: senha incorreta",
                    )
                })?;
                key_from_pkcs8(doc.as_bytes())?
            }
            "RSA PRIVATE KEY" => crypto::PrivateKey::from_pkcs1_der(&block.der)?,
            other => {
                return Err(Error::new(
                    Code::CryptoAlgorithmUnsupported,
                    format!("tipo de chave PEM não suportado: '{other}'"),
                ))
            }
        };
        let certs = Certificate::all_from_pem(chain_pem)?;
        Credentials::from_key_and_certs(key, certs)
    }

    /// Builds credentials from an already loaded key and certificates (any order; the one
    /// matching the key is the leaf). Failure: `DEVICE.CERTIFICATE-NOT-FOUND`.
    pub fn from_key_and_certs(
        key: crypto::PrivateKey,
        certs: Vec<Certificate>,
    ) -> Result<Credentials> {
        let public = key.public_key();
        let idx = certs
            .iter()
            .position(|c| same_key(c, &public))
            .ok_or_else(|| {
                Error::new(
                    Code::DeviceCertificateNotFound,
                    sesgo_core::hints::with_hint(
                        "nenhum certificado informado corresponde à chave privada.",
                        sesgo_core::hints::CHAIN_STARTS_WITH_KEY_CERT,
                    ),
                )
            })?;
        let mut pool = certs;
        let leaf = pool.remove(idx);
        Ok(Credentials {
            chain: crate::chain::order_from_pool(&leaf, &pool),
            leaf,
            key,
            alias: None,
        })
    }

    /// The signer's certificate.
    pub fn leaf(&self) -> &Certificate {
        &self.leaf
    }

    /// Leaf first, then the issuers found with it, ordered; may be incomplete (complete it with
    /// [`crate::build_chain`] and a trust store pool).
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// DER of every certificate of [`Credentials::chain`].
    pub fn chain_der(&self) -> Vec<Vec<u8>> {
        self.chain.iter().map(|c| c.der().to_vec()).collect()
    }

    /// friendlyName of the PKCS#12 entry, if any.
    pub fn alias(&self) -> Option<&str> {
        self.alias.as_deref()
    }

    /// The private key.
    pub fn private_key(&self) -> &crypto::PrivateKey {
        &self.key
    }

    /// RS256: RSASSA-PKCS1-v1_5 with SHA-256 over `msg` (blinded; [`crate::crypto`]).
    /// Failure: `CRYPTO.SIGNATURE-CREATION-FAILED`.
    pub fn sign_rs256(&self, msg: &[u8]) -> Result<Vec<u8>> {
        let digest = Zeroizing::new(crypto::sha256(msg));
        crypto::Rs256Signer::sign_rs256_digest(&self.key, &digest)
    }
}

impl crypto::Rs256Signer for Credentials {
    fn sign_rs256_digest(&self, sha256: &[u8; 32]) -> Result<Vec<u8>> {
        crypto::Rs256Signer::sign_rs256_digest(&self.key, sha256)
    }
}

/// Largest PKCS#12 or private-key file accepted (1 MiB; real ones are a few KiB).
pub const MAX_CREDENTIAL_BYTES: usize = 1 << 20;

/// Largest PEM chain accepted with a private key (16 MiB).
pub const MAX_CHAIN_PEM_BYTES: usize = 16 << 20;

/// `CONFIG.INVALID-PARAMETER` when an input is larger than `max` (docs/adr/0058).
fn check_size(what: &str, len: usize, max: usize) -> Result<()> {
    if len > max {
        return Err(Error::new(
            Code::ConfigInvalidParameter,
            format!("{what} com {len} bytes excede o limite de {max} bytes"),
        ));
    }
    Ok(())
}
