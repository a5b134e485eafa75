//! [`Certificate`]: an immutable, cheaply clonable parsed X.509 certificate.

use std::fmt;
use std::sync::Arc;

use crate::crypto;
use base64ct::{Base64, Encoding};
use const_oid::ObjectIdentifier;
use der::{Decode, Encode, Reader, SliceReader, Tagged};
use sesgo_core::{Code, Error, Result};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    BasicConstraints, CertificatePolicies, ExtendedKeyUsage, KeyUsage, SubjectAltName,
};

pub(crate) mod oids {
    use const_oid::ObjectIdentifier as O;
    pub const RSA_ENCRYPTION: O = O::new_unwrap("1.2.840.113549.1.1.1");
    pub const SHA256_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.11");
    pub const SHA384_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.12");
    pub const SHA512_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.13");
    pub const EC_PUBLIC_KEY: O = O::new_unwrap("1.2.840.10045.2.1");
    pub const KEY_USAGE: O = O::new_unwrap("2.5.29.15");
    pub const SUBJECT_ALT_NAME: O = O::new_unwrap("2.5.29.17");
    pub const BASIC_CONSTRAINTS: O = O::new_unwrap("2.5.29.19");
    pub const CERTIFICATE_POLICIES: O = O::new_unwrap("2.5.29.32");
    pub const EXT_KEY_USAGE: O = O::new_unwrap("2.5.29.37");
    pub const NAME_CONSTRAINTS: O = O::new_unwrap("2.5.29.30");
    pub const POLICY_CONSTRAINTS: O = O::new_unwrap("2.5.29.36");
    pub const INHIBIT_ANY_POLICY: O = O::new_unwrap("2.5.29.54");
    pub const CN: O = O::new_unwrap("2.5.4.3");
    pub const SERIAL_NUMBER: O = O::new_unwrap("2.5.4.5");
}

/// Key-usage bits of a certificate (RFC 5280 §4.2.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[allow(missing_docs)]
pub struct KeyUsageInfo {
    pub digital_signature: bool,
    pub non_repudiation: bool,
    pub key_encipherment: bool,
    pub data_encipherment: bool,
    pub key_agreement: bool,
    pub key_cert_sign: bool,
    pub crl_sign: bool,
    pub encipher_only: bool,
    pub decipher_only: bool,
    /// The extension is marked critical.
    pub critical: bool,
}

impl KeyUsageInfo {
    /// RFC 5280 names of the bits set.
    pub fn names(&self) -> Vec<&'static str> {
        let all = [
            (self.digital_signature, "digitalSignature"),
            (self.non_repudiation, "nonRepudiation"),
            (self.key_encipherment, "keyEncipherment"),
            (self.data_encipherment, "dataEncipherment"),
            (self.key_agreement, "keyAgreement"),
            (self.key_cert_sign, "keyCertSign"),
            (self.crl_sign, "cRLSign"),
            (self.encipher_only, "encipherOnly"),
            (self.decipher_only, "decipherOnly"),
        ];
        all.iter().filter(|(b, _)| *b).map(|(_, n)| *n).collect()
    }
}

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

/// One `otherName` of the SubjectAltName, raw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawOtherName {
    pub oid: String,
    /// ASN.1 universal tag number of the value (4 OCTET STRING, 19 PrintableString, 12 UTF8String, 22 IA5String).
    pub tag: u8,
    pub bytes: Vec<u8>,
}

struct Inner {
    der: Vec<u8>,
    cert: x509_cert::Certificate,
    sha256: [u8; 32],
}

/// A parsed X.509 certificate (immutable; clones share the same allocation).
///
/// ```
/// # let pki = sesgo_cert::testpki::TestPki::shared();
/// use sesgo_cert::Certificate;
/// let der = std::fs::read(&pki.ecpf.cert_der_path).unwrap();
/// let cert = Certificate::from_der(&der).unwrap();
/// assert_eq!(cert.der(), &der[..]);
/// let again = Certificate::from_base64(&cert.to_base64()).unwrap();
/// assert_eq!(again.sha256_hex(), cert.sha256_hex());
/// assert!(cert.subject().contains("FULANO DE TAL DA SILVA"));
/// ```
#[derive(Clone)]
pub struct Certificate {
    inner: Arc<Inner>,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject())
            .field("sha256", &self.sha256_hex())
            .finish()
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.inner.der == other.inner.der
    }
}
impl Eq for Certificate {}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Certificate {
    /// Parses one DER certificate (the whole input must be the certificate).
    /// Failure: `CERT.INVALID-FORMAT`.
    pub fn from_der(der: &[u8]) -> Result<Certificate> {
        let cert = x509_cert::Certificate::from_der(der).map_err(|e| {
            Error::new(
                Code::CertInvalidFormat,
                format!("certificado X.509 DER inválido: {e}"),
            )
        })?;
        let sha256 = crypto::sha256(der);
        Ok(Certificate {
            inner: Arc::new(Inner {
                der: der.to_vec(),
                cert,
                sha256,
            }),
        })
    }

    /// Parses exactly one PEM certificate (`BEGIN CERTIFICATE`).
    /// Failure: `FORMAT.CERT-PEM-INVALID`.
    pub fn from_pem(pem: impl AsRef<[u8]>) -> Result<Certificate> {
        let mut certs = Certificate::all_from_pem(pem)?;
        if certs.len() != 1 {
            return Err(Error::new(
                Code::FormatCertPemInvalid,
                format!(
                    "esperado exatamente 1 certificado PEM, encontrados {}",
                    certs.len()
                ),
            ));
        }
        Ok(certs.remove(0))
    }

    /// Parses every `BEGIN CERTIFICATE` block of a PEM bundle (other blocks are ignored).
    /// Failure: `FORMAT.CERT-PEM-INVALID` (located `pem[i]`); no certificate at all is also an error.
    pub fn all_from_pem(pem: impl AsRef<[u8]>) -> Result<Vec<Certificate>> {
        let blocks = crate::pem::blocks(pem.as_ref()).map_err(|(i, msg)| {
            Error::new(Code::FormatCertPemInvalid, format!("PEM inválido: {msg}"))
                .at(format!("pem[{i}]"))
        })?;
        let mut out = Vec::new();
        for (i, b) in blocks.iter().enumerate() {
            if b.label != "CERTIFICATE" && b.label != "X509 CERTIFICATE" {
                continue;
            }
            let c = Certificate::from_der(&b.der).map_err(|e| {
                Error::new(
                    Code::FormatCertPemInvalid,
                    format!(
                        "bloco PEM {i} não contém um certificado válido: {}",
                        e.primary().diagnostics()
                    ),
                )
                .at(format!("pem[{i}]"))
            })?;
            out.push(c);
        }
        if out.is_empty() {
            return Err(Error::new(
                Code::FormatCertPemInvalid,
                "nenhum bloco 'BEGIN CERTIFICATE' encontrado",
            ));
        }
        Ok(out)
    }

    /// Parses a standard-Base64 DER certificate (one `x5c` element).
    /// Failures: `FORMAT.BASE64-INVALID`, then `CERT.INVALID-FORMAT`.
    pub fn from_base64(b64: &str) -> Result<Certificate> {
        let der = Base64::decode_vec(b64.trim()).map_err(|e| {
            let shown: String = b64.chars().take(24).collect();
            Error::new(
                Code::FormatBase64Invalid,
                format!("Base64 padrão inválido ('{shown}…'): {e}"),
            )
        })?;
        Certificate::from_der(&der)
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.inner.der
    }

    /// Standard Base64 of the DER (an `x5c` element).
    pub fn to_base64(&self) -> String {
        Base64::encode_string(&self.inner.der)
    }

    /// PEM (`BEGIN CERTIFICATE`, 64-column lines, LF).
    pub fn to_pem(&self) -> String {
        let b64 = self.to_base64();
        let mut s = String::from("-----BEGIN CERTIFICATE-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            s.push_str(&String::from_utf8_lossy(chunk));
            s.push('\n');
        }
        s.push_str("-----END CERTIFICATE-----\n");
        s
    }

    /// SHA-256 of the DER.
    pub fn sha256(&self) -> [u8; 32] {
        self.inner.sha256
    }

    /// SHA-256 of the DER, lower-case hex (the trust-store fingerprint).
    pub fn sha256_hex(&self) -> String {
        hex(&self.inner.sha256)
    }

    /// SHA-1 of the DER, lower-case hex (informational only).
    pub fn sha1_hex(&self) -> String {
        hex(&crypto::sha1(&self.inner.der))
    }

    /// The underlying `x509-cert` structure.
    pub fn x509(&self) -> &x509_cert::Certificate {
        &self.inner.cert
    }

    fn tbs(&self) -> &x509_cert::TbsCertificate {
        &self.inner.cert.tbs_certificate
    }

    /// Subject DN (RFC 4514 string).
    pub fn subject(&self) -> String {
        self.tbs().subject.to_string()
    }

    /// Issuer DN (RFC 4514 string).
    pub fn issuer(&self) -> String {
        self.tbs().issuer.to_string()
    }

    pub(crate) fn subject_der(&self) -> Vec<u8> {
        self.tbs().subject.to_der().unwrap_or_default()
    }

    pub(crate) fn issuer_der(&self) -> Vec<u8> {
        self.tbs().issuer.to_der().unwrap_or_default()
    }

    /// Serial number, upper-case hex.
    pub fn serial_hex(&self) -> String {
        self.tbs()
            .serial_number
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect()
    }

    /// `notBefore`, unix seconds.
    pub fn not_before(&self) -> i64 {
        self.tbs().validity.not_before.to_unix_duration().as_secs() as i64
    }

    /// `notAfter`, unix seconds.
    pub fn not_after(&self) -> i64 {
        self.tbs().validity.not_after.to_unix_duration().as_secs() as i64
    }

    /// Issuer DN equals subject DN (DER comparison).
    pub fn is_self_issued(&self) -> bool {
        self.subject_der() == self.issuer_der()
    }

    fn extension(&self, oid: ObjectIdentifier) -> Option<(bool, &[u8])> {
        self.tbs()
            .extensions
            .as_ref()?
            .iter()
            .find(|e| e.extn_id == oid)
            .map(|e| (e.critical, e.extn_value.as_bytes()))
    }

    /// Key-usage extension, if present and decodable.
    pub fn key_usage(&self) -> Option<KeyUsageInfo> {
        let (critical, v) = self.extension(oids::KEY_USAGE)?;
        let ku = KeyUsage::from_der(v).ok()?;
        Some(KeyUsageInfo {
            digital_signature: ku.digital_signature(),
            non_repudiation: ku.non_repudiation(),
            key_encipherment: ku.key_encipherment(),
            data_encipherment: ku.data_encipherment(),
            key_agreement: ku.key_agreement(),
            key_cert_sign: ku.key_cert_sign(),
            crl_sign: ku.crl_sign(),
            encipher_only: ku.encipher_only(),
            decipher_only: ku.decipher_only(),
            critical,
        })
    }

    /// Extended-key-usage OIDs (dotted) and whether the extension is critical.
    pub fn extended_key_usage(&self) -> Option<(Vec<String>, bool)> {
        let (critical, v) = self.extension(oids::EXT_KEY_USAGE)?;
        let eku = ExtendedKeyUsage::from_der(v).ok()?;
        Some((eku.0.iter().map(|o| o.to_string()).collect(), critical))
    }

    /// Certificate-policy OIDs (dotted), in order.
    pub fn policies(&self) -> Vec<String> {
        self.extension(oids::CERTIFICATE_POLICIES)
            .and_then(|(_, v)| CertificatePolicies::from_der(v).ok())
            .map(|p| {
                p.0.iter()
                    .map(|i| i.policy_identifier.to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// BasicConstraints `(cA, pathLenConstraint)`, if present.
    pub fn basic_constraints(&self) -> Option<(bool, Option<u8>)> {
        let (_, v) = self.extension(oids::BASIC_CONSTRAINTS)?;
        let bc = BasicConstraints::from_der(v).ok()?;
        Some((bc.ca, bc.path_len_constraint))
    }

    /// Whether the certificate is a CA (BasicConstraints cA = true).
    pub fn is_ca(&self) -> bool {
        matches!(self.basic_constraints(), Some((true, _)))
    }

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

    /// The RSA public key (a [`crypto::PublicKey`] handle). Failure:
    /// `CERT.UNSUPPORTED-ALGORITHM` (not RSA) or `CERT.INVALID-FORMAT` (undecodable key).
    pub fn public_key(&self) -> Result<crypto::PublicKey> {
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

    /// The RSA public key as the backend's type; prefer [`Certificate::public_key`].
    pub fn rsa_public_key(&self) -> Result<rsa::RsaPublicKey> {
        self.public_key().map(|k| k.as_rsa().clone())
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

    pub(crate) fn other_names(&self) -> Vec<RawOtherName> {
        let Some((_, v)) = self.extension(oids::SUBJECT_ALT_NAME) else {
            return Vec::new();
        };
        let Ok(san) = SubjectAltName::from_der(v) else {
            return Vec::new();
        };
        san.0
            .iter()
            .filter_map(|g| match g {
                GeneralName::OtherName(o) => Some(RawOtherName {
                    oid: o.type_id.to_string(),
                    tag: o.value.tag().octet(),
                    bytes: o.value.value().to_vec(),
                }),
                _ => None,
            })
            .collect()
    }

    /// SAN present but undecodable.
    pub(crate) fn san_malformed(&self) -> bool {
        self.extension(oids::SUBJECT_ALT_NAME)
            .map(|(_, v)| SubjectAltName::from_der(v).is_err())
            .unwrap_or(false)
    }

    /// Values of a subject attribute (e.g. CN, serialNumber), as text.
    pub(crate) fn subject_attr(&self, oid: ObjectIdentifier) -> Vec<String> {
        let mut out = Vec::new();
        for rdn in self.tbs().subject.0.iter() {
            for atv in rdn.0.iter() {
                if atv.oid == oid {
                    if let Ok(s) = std::str::from_utf8(atv.value.value()) {
                        out.push(s.to_string());
                    }
                }
            }
        }
        out
    }
}

/// Parses an `x5c` array (standard Base64 DER strings). Errors are located `x5c[i]`.
///
/// ```
/// # let pki = sesgo_cert::testpki::TestPki::shared();
/// use sesgo_cert::{parse_x5c, Certificate};
/// let leaf = Certificate::from_der(&pki.ecpf.der).unwrap();
/// let b64 = leaf.to_base64();
/// let certs = parse_x5c(&[b64.as_str()]).unwrap();
/// assert_eq!(certs[0], leaf);
/// let err = parse_x5c(&["not base64!"]).unwrap_err();
/// assert_eq!(err.code().as_str(), "FORMAT.BASE64-INVALID");
/// ```
pub fn parse_x5c<S: AsRef<str>>(x5c: &[S]) -> Result<Vec<Certificate>> {
    x5c.iter()
        .enumerate()
        .map(|(i, s)| {
            Certificate::from_base64(s.as_ref()).map_err(|e| relocate(e, &format!("x5c[{i}]")))
        })
        .collect()
}

/// Re-locates every finding of `e` at `loc`.
pub(crate) fn relocate(e: Error, loc: &str) -> Error {
    let findings: Vec<_> = e.into_findings().into_iter().map(|f| f.at(loc)).collect();
    Error::from_findings(findings)
        .unwrap_or_else(|| Error::new(Code::CertInvalidFormat, "erro").at(loc))
}
