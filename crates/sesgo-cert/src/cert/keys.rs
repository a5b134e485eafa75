//! The subject public key and the issuer signature of a [`Certificate`], through the
//! crypto boundary ([`crate::crypto`]).

use super::{oids, Certificate};

use crate::crypto;

use const_oid::ObjectIdentifier;
use der::{Decode, Reader, SliceReader};
use sesgo_core::{Code, Error, Result};
use std::fmt;

/// Subject public-key algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// RSA with the modulus size in bits.
    Rsa {
        /// Modulus size in bits.
        bits: usize,
    },
    /// Elliptic-curve key; the named curve OID when present.
    Ec {
        /// Curve OID (dotted), if a named curve.
        curve: Option<String>,
    },
    /// Anything else (dotted algorithm OID).
    Other(String),
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyAlgorithm::Rsa { bits } => write!(f, "RSA-{bits}"),
            KeyAlgorithm::Ec { curve } => write!(f, "EC({})", curve.as_deref().unwrap_or("?")),
            KeyAlgorithm::Other(o) => write!(f, "{o}"),
        }
    }
}

impl Certificate {
    /// Subject public-key algorithm (and RSA size).
    pub fn key_algorithm(&self) -> KeyAlgorithm {
        let spki = &self.tbs().subject_public_key_info;
        if spki.algorithm.oid == oids::RSA_ENCRYPTION {
            match self.public_key() {
                Ok(k) => KeyAlgorithm::Rsa { bits: k.bits() },
                Err(_) => KeyAlgorithm::Other(spki.algorithm.oid.to_string()),
            }
        } else if spki.algorithm.oid == oids::EC_PUBLIC_KEY {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                .map(|o| o.to_string());
            KeyAlgorithm::Ec { curve }
        } else {
            KeyAlgorithm::Other(spki.algorithm.oid.to_string())
        }
    }

    /// The RSA public key (a [`crypto::PublicKey`] handle, decoded once per certificate).
    /// Failure: `CERT.UNSUPPORTED-ALGORITHM` (not RSA) or `CERT.INVALID-FORMAT` (undecodable
    /// key).
    pub fn public_key(&self) -> Result<crypto::PublicKey> {
        self.inner
            .public_key
            .get_or_init(|| self.decode_public_key())
            .clone()
    }

    fn decode_public_key(&self) -> Result<crypto::PublicKey> {
        let spki = &self.tbs().subject_public_key_info;
        if spki.algorithm.oid != oids::RSA_ENCRYPTION {
            return Err(Error::new(
                Code::CertUnsupportedAlgorithm,
                format!("chave pública não RSA (algoritmo {})", spki.algorithm.oid),
            ));
        }
        let bytes = spki.subject_public_key.as_bytes().ok_or_else(|| {
            Error::new(
                Code::CertInvalidFormat,
                "subjectPublicKey com bits não utilizados",
            )
        })?;
        crypto::PublicKey::from_pkcs1_der(bytes)
    }

    /// Raw TBSCertificate bytes as they appear in the DER (what the issuer signed).
    fn tbs_bytes(&self) -> Option<&[u8]> {
        let mut r = SliceReader::new(&self.inner.der).ok()?;
        let _outer = der::Header::decode(&mut r).ok()?;
        r.tlv_bytes().ok()
    }

    /// Name of the signature algorithm (e.g. `sha512WithRSAEncryption`) or its OID.
    pub fn signature_algorithm(&self) -> String {
        let oid = self.inner.cert.signature_algorithm.oid;
        const_oid::db::DB
            .by_oid(&oid)
            .map(str::to_string)
            .unwrap_or_else(|| oid.to_string())
    }

    /// Verifies this certificate's signature with `issuer`'s public key
    /// (sha256/384/512WithRSAEncryption, PKCS#1 v1.5). `Err` carries a plain diagnostic.
    pub fn verify_signed_by(&self, issuer: &Certificate) -> std::result::Result<(), String> {
        let alg = self.inner.cert.signature_algorithm.oid;
        let key = issuer
            .public_key()
            .map_err(|e| e.primary().diagnostics().to_string())?;
        let tbs = self.tbs_bytes().ok_or("TBSCertificate ilegível")?;
        let sig = self
            .inner
            .cert
            .signature
            .as_bytes()
            .ok_or("assinatura com bits não utilizados")?;
        let hash = if alg == oids::SHA256_WITH_RSA {
            crypto::HashAlg::Sha256
        } else if alg == oids::SHA384_WITH_RSA {
            crypto::HashAlg::Sha384
        } else if alg == oids::SHA512_WITH_RSA {
            crypto::HashAlg::Sha512
        } else {
            return Err(format!(
                "algoritmo de assinatura não suportado: {}",
                self.signature_algorithm()
            ));
        };
        if key.verify_pkcs1v15(hash, tbs, sig) {
            Ok(())
        } else {
            Err("assinatura não confere com a chave pública do emissor".to_string())
        }
    }
}
