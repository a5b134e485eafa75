//! RFC 5280 §6 path-validation rules beyond signatures and names-chaining (ADR 0030):
//! certificate well-formedness (§4.1.1.2, §4.2), critical extensions, CA constraints
//! (§4.2.1.3, §4.2.1.9), name constraints (§4.2.1.10, §6.1.3 b/c) and policy constraints
//! (§4.2.1.11, §4.2.1.14, §6.1.3 d–f without policy mappings).
//!
//! Every function takes the chain as the caller passed it (leaf first, pinned root last) and
//! returns findings located `x5c[i]`. The pinned root is processed as the first certificate of
//! the path, so constraints it carries are enforced (RFC 5937 style).

mod names;
mod policies;
pub(crate) use names::name_constraints;
pub(crate) use policies::policies;

use std::collections::BTreeSet;

use const_oid::ObjectIdentifier;
use der::Decode;
use sesgo_core::{Code, Finding};
use x509_cert::ext::pkix::{
    BasicConstraints, CertificatePolicies, ExtendedKeyUsage, InhibitAnyPolicy, KeyUsage,
    NameConstraints, PolicyConstraints, SubjectAltName,
};

use crate::cert::{oids, Certificate};

/// Extensions this validator processes; a critical extension outside this list is rejected.
pub(crate) const PROCESSED_EXTENSIONS: [(ObjectIdentifier, &str); 8] = [
    (oids::BASIC_CONSTRAINTS, "basicConstraints"),
    (oids::KEY_USAGE, "keyUsage"),
    (oids::CERTIFICATE_POLICIES, "certificatePolicies"),
    (oids::SUBJECT_ALT_NAME, "subjectAltName"),
    (oids::EXT_KEY_USAGE, "extKeyUsage"),
    (oids::NAME_CONSTRAINTS, "nameConstraints"),
    (oids::POLICY_CONSTRAINTS, "policyConstraints"),
    (oids::INHIBIT_ANY_POLICY, "inhibitAnyPolicy"),
];

fn at(code: Code, i: usize, msg: String) -> Finding {
    Finding::new(code, msg).at(format!("x5c[{i}]"))
}

fn ext_name(oid: &ObjectIdentifier) -> String {
    PROCESSED_EXTENSIONS
        .iter()
        .find(|(o, _)| o == oid)
        .map(|(_, n)| (*n).to_string())
        .or_else(|| const_oid::db::DB.by_oid(oid).map(str::to_string))
        .map(|n| format!("{n} ({oid})"))
        .unwrap_or_else(|| oid.to_string())
}

/// Decodes extension `oid` of `c` as `T`. `Ok(None)`: absent; `Err`: present but undecodable.
fn decode_ext<'a, T: Decode<'a>>(
    c: &'a Certificate,
    oid: ObjectIdentifier,
) -> Result<Option<(bool, T)>, String> {
    let Some(e) = c
        .x509()
        .tbs_certificate
        .extensions
        .as_ref()
        .and_then(|exts| exts.iter().find(|e| e.extn_id == oid))
    else {
        return Ok(None);
    };
    T::from_der(e.extn_value.as_bytes())
        .map(|v| Some((e.critical, v)))
        .map_err(|err| format!("extensão {} malformada: {err}", ext_name(&oid)))
}

/// Structural well-formedness of one certificate: outer signatureAlgorithm equals
/// TBSCertificate.signature (RFC 5280 §4.1.1.2), no extension twice (§4.2), every processed
/// extension decodable. All `CERT.INVALID-FORMAT`.
pub(crate) fn well_formed(c: &Certificate, i: usize) -> Vec<Finding> {
    let mut f = Vec::new();
    let x = c.x509();
    // The decoded identifiers are compared: equal exactly when their DER encodings are.
    if x.signature_algorithm != x.tbs_certificate.signature {
        f.push(at(
            Code::CertInvalidFormat,
            i,
            format!(
                "'{}': signatureAlgorithm ({}) difere de TBSCertificate.signature ({}) (RFC 5280 §4.1.1.2)",
                c.subject(),
                x.signature_algorithm.oid,
                x.tbs_certificate.signature.oid
            ),
        ));
    }
    let exts = x.tbs_certificate.extensions.as_deref().unwrap_or_default();
    let mut seen = BTreeSet::new();
    let mut reported = BTreeSet::new();
    for e in exts {
        if !seen.insert(e.extn_id) && reported.insert(e.extn_id) {
            f.push(at(
                Code::CertInvalidFormat,
                i,
                format!(
                    "'{}': extensão {} presente mais de uma vez (RFC 5280 §4.2)",
                    c.subject(),
                    ext_name(&e.extn_id)
                ),
            ));
        }
    }
    let decodable = [
        decode_ext::<BasicConstraints>(c, oids::BASIC_CONSTRAINTS).err(),
        decode_ext::<KeyUsage>(c, oids::KEY_USAGE).err(),
        decode_ext::<CertificatePolicies>(c, oids::CERTIFICATE_POLICIES).err(),
        decode_ext::<SubjectAltName>(c, oids::SUBJECT_ALT_NAME).err(),
        decode_ext::<ExtendedKeyUsage>(c, oids::EXT_KEY_USAGE).err(),
        decode_ext::<NameConstraints>(c, oids::NAME_CONSTRAINTS).err(),
        decode_ext::<PolicyConstraints>(c, oids::POLICY_CONSTRAINTS).err(),
        decode_ext::<InhibitAnyPolicy>(c, oids::INHIBIT_ANY_POLICY).err(),
    ];
    for msg in decodable.into_iter().flatten() {
        f.push(at(
            Code::CertInvalidFormat,
            i,
            format!("'{}': {msg}", c.subject()),
        ));
    }
    f
}

/// Critical extensions the validator does not process (RFC 5280 §4.2): `CERT.CHAIN-VALIDATION-FAILED`.
pub(crate) fn unknown_critical(c: &Certificate, i: usize) -> Vec<Finding> {
    let exts = c
        .x509()
        .tbs_certificate
        .extensions
        .as_deref()
        .unwrap_or_default();
    let mut reported = BTreeSet::new();
    exts.iter()
        .filter(|e| e.critical && !PROCESSED_EXTENSIONS.iter().any(|(o, _)| *o == e.extn_id))
        .filter(|e| reported.insert(e.extn_id))
        .map(|e| {
            at(
                Code::CertChainValidationFailed,
                i,
                format!(
                    "'{}': extensão crítica não reconhecida {} (RFC 5280 §4.2)",
                    c.subject(),
                    ext_name(&e.extn_id)
                ),
            )
        })
        .collect()
}

/// The leaf must not be a CA: basicConstraints cA=TRUE or keyUsage keyCertSign
/// (RFC 5280 §4.2.1.3, §4.2.1.9). `CERT.CHAIN-VALIDATION-FAILED` at `x5c[0]`.
pub(crate) fn leaf_not_ca(leaf: &Certificate) -> Vec<Finding> {
    if leaf.is_ca() {
        return vec![at(
            Code::CertChainValidationFailed,
            0,
            format!(
                "o certificado do signatário '{}' é uma AC (basicConstraints cA=TRUE)",
                leaf.subject()
            ),
        )];
    }
    if leaf.key_usage().map(|k| k.key_cert_sign).unwrap_or(false) {
        return vec![at(
            Code::CertChainValidationFailed,
            0,
            format!(
                "o certificado do signatário '{}' declara keyUsage keyCertSign sem ser AC",
                leaf.subject()
            ),
        )];
    }
    Vec::new()
}
