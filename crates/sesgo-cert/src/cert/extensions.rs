//! The extensions of a [`Certificate`] a validator reads (RFC 5280 §4.2): key usage,
//! extended key usage, policies, basic constraints, SubjectAltName `otherName`s, subject
//! attributes.

use super::{oids, Certificate};

use const_oid::ObjectIdentifier;
use der::{Decode, Tagged};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    BasicConstraints, CertificatePolicies, ExtendedKeyUsage, KeyUsage, SubjectAltName,
};

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

/// One `otherName` of the SubjectAltName, raw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawOtherName {
    pub oid: String,
    /// ASN.1 universal tag number of the value (4 OCTET STRING, 19 PrintableString, 12 UTF8String, 22 IA5String).
    pub tag: u8,
    pub bytes: Vec<u8>,
}

impl Certificate {
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
        self.policy_oids().to_vec()
    }

    /// [`Certificate::policies`], decoded once per certificate and borrowed.
    pub(crate) fn policy_oids(&self) -> &[String] {
        self.inner.policies.get_or_init(|| {
            self.extension(oids::CERTIFICATE_POLICIES)
                .and_then(|(_, v)| CertificatePolicies::from_der(v).ok())
                .map(|p| {
                    p.0.iter()
                        .map(|i| i.policy_identifier.to_string())
                        .collect()
                })
                .unwrap_or_default()
        })
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
