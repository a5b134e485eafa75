//! [`Certificate`]: an immutable, cheaply clonable parsed X.509 certificate.

mod cache;
mod extensions;
mod keys;
pub use cache::{CertificateCache, CERTIFICATE_CACHE_MAX_BYTES, CERTIFICATE_CACHE_MAX_ENTRIES};
pub use extensions::KeyUsageInfo;
pub use keys::KeyAlgorithm;

use std::fmt;
use std::sync::Arc;

use crate::crypto;
use base64ct::{Base64, Encoding};
use der::Decode;
use sesgo_core::{Code, Error, Result};

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

struct Inner {
    der: Vec<u8>,
    cert: x509_cert::Certificate,
    sha256: [u8; 32],
    /// The subject's RSA key, prepared on first use (one decode per certificate, shared by
    /// every clone and every thread).
    public_key: std::sync::OnceLock<Result<crypto::PublicKey>>,
    /// The certificate-policy OIDs, read on first use (issue 17: eligibility reads them on
    /// every verification).
    policies: std::sync::OnceLock<Vec<String>>,
    /// What the certificate says about its holder, read on first use (the SAN's
    /// otherNames are decoded once per certificate, not once per verification).
    identity: std::sync::OnceLock<crate::identity::Identity>,
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
        Arc::ptr_eq(&self.inner, &other.inner)
            || (self.inner.sha256 == other.inner.sha256 && self.inner.der == other.inner.der)
    }
}
impl Eq for Certificate {}

/// `N` bytes from exactly `2N` hex digits (either case); `None` otherwise.
pub(crate) fn unhex<const N: usize>(digits: &[u8]) -> Option<[u8; N]> {
    if digits.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (o, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let [hi, lo] = pair else {
            return None;
        };
        let nibble = |c: u8| char::from(c).to_digit(16);
        *o = u8::try_from(nibble(*hi)? * 16 + nibble(*lo)?).ok()?;
    }
    Some(out)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Certificate {
    /// Parses one DER certificate (the whole input must be the certificate).
    /// Failure: `CERT.INVALID-FORMAT`.
    pub fn from_der(der: &[u8]) -> Result<Certificate> {
        Certificate::from_der_hashed(der, crypto::sha256(der))
    }

    /// As [`Certificate::from_der`], for a caller that has already hashed `der` (the
    /// certificate cache's key).
    pub(crate) fn from_der_hashed(der: &[u8], sha256: [u8; 32]) -> Result<Certificate> {
        let cert = x509_cert::Certificate::from_der(der).map_err(|e| {
            Error::new(
                Code::CertInvalidFormat,
                format!("certificado X.509 DER inválido: {e}"),
            )
        })?;
        Ok(Certificate {
            inner: Arc::new(Inner {
                der: der.to_vec(),
                cert,
                sha256,
                public_key: std::sync::OnceLock::new(),
                policies: std::sync::OnceLock::new(),
                identity: std::sync::OnceLock::new(),
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

    /// What `read` says about this certificate's holder, computed on the first call and
    /// shared by every clone (the certificate is immutable, so the answer cannot change).
    pub(crate) fn identity(
        &self,
        read: impl FnOnce(&Certificate) -> crate::identity::Identity,
    ) -> &crate::identity::Identity {
        self.inner.identity.get_or_init(|| read(self))
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

    /// Whether this certificate's issuer DN is `issuer`'s subject DN. The decoded names
    /// are compared: DER encodes each name one way, so two names are equal exactly when
    /// their encodings are, and nothing is encoded again.
    pub(crate) fn issuer_is_subject_of(&self, issuer: &Certificate) -> bool {
        self.tbs().issuer == issuer.tbs().subject
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
        // Equal decoded names have equal DER (one encoding per value), and the reverse:
        // no re-encoding needed.
        self.tbs().subject == self.tbs().issuer
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

#[cfg(test)]
mod tests {
    use super::Certificate;
    use der::Encode;

    /// Comparing decoded names answers as comparing their DER encodings, for every pair
    /// of the test PKI's certificates (the same DN in PrintableString and UTF8String
    /// included: those differ).
    #[test]
    fn names_compare_as_their_encodings() {
        let pki = crate::testpki::TestPki::shared();
        let certs: Vec<Certificate> = [
            &pki.root,
            &pki.ac1,
            &pki.ac2,
            &pki.ecpf,
            &pki.ecpf_printable,
            &pki.ecpf_utf8,
            &pki.ecpf_cn_mismatch,
            &pki.ecnpj,
            &pki.eseal,
        ]
        .iter()
        .map(|c| Certificate::from_der(&c.der).unwrap())
        .collect();
        let (mut equal, mut different) = (0, 0);
        for a in &certs {
            for b in &certs {
                let by_der = a.tbs().issuer.to_der().unwrap() == b.tbs().subject.to_der().unwrap();
                assert_eq!(
                    a.issuer_is_subject_of(b),
                    by_der,
                    "{} / {}",
                    a.issuer(),
                    b.subject()
                );
                if by_der {
                    equal += 1;
                } else {
                    different += 1;
                }
            }
        }
        assert!(
            equal >= 4 && different >= 40,
            "{equal} equal, {different} different"
        );
    }
}
