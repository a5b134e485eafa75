//! RFC 5280 §6 path-validation rules beyond signatures and names-chaining (ADR 0030):
//! certificate well-formedness (§4.1.1.2, §4.2), critical extensions, CA constraints
//! (§4.2.1.3, §4.2.1.9), name constraints (§4.2.1.10, §6.1.3 b/c) and policy constraints
//! (§4.2.1.11, §4.2.1.14, §6.1.3 d–f without policy mappings).
//!
//! Every function takes the chain as the caller passed it (leaf first, pinned root last) and
//! returns findings located `x5c[i]`. The pinned root is processed as the first certificate of
//! the path, so constraints it carries are enforced (RFC 5937 style).

use std::collections::BTreeSet;

use const_oid::ObjectIdentifier;
use der::{Decode, Encode, Tagged};
use sesgo_core::{Code, Finding};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::pkix::constraints::name::GeneralSubtrees;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    BasicConstraints, CertificatePolicies, ExtendedKeyUsage, InhibitAnyPolicy, KeyUsage,
    NameConstraints, PolicyConstraints, SubjectAltName,
};
use x509_cert::name::{RdnSequence, RelativeDistinguishedName};

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

const ANY_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.32.0");
const EMAIL_ADDRESS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");

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
    let outer = x.signature_algorithm.to_der().ok();
    let inner = x.tbs_certificate.signature.to_der().ok();
    if outer.is_none() || outer != inner {
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

// ---------------------------------------------------------------------------------------------
// Name constraints (RFC 5280 §4.2.1.10, §6.1.3 b/c, §7.1)

/// Name forms this validator evaluates in a name constraint.
fn supported_form(g: &GeneralName) -> bool {
    matches!(
        g,
        GeneralName::DirectoryName(_) | GeneralName::Rfc822Name(_) | GeneralName::DnsName(_)
    )
}

fn form_name(g: &GeneralName) -> &'static str {
    match g {
        GeneralName::OtherName(_) => "otherName",
        GeneralName::Rfc822Name(_) => "rfc822Name",
        GeneralName::DnsName(_) => "dNSName",
        GeneralName::DirectoryName(_) => "directoryName",
        GeneralName::EdiPartyName(_) => "ediPartyName",
        GeneralName::UniformResourceIdentifier(_) => "uniformResourceIdentifier",
        GeneralName::IpAddress(_) => "iPAddress",
        GeneralName::RegisteredId(_) => "registeredID",
    }
}

/// RFC 4518-like string preparation: trim, collapse inner whitespace, case-fold.
fn prep(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Value of a string-typed attribute (PrintableString, UTF8String, IA5String, TeletexString
/// holding ASCII/UTF-8), if any.
fn atv_text(a: &AttributeTypeAndValue) -> Option<&str> {
    match a.value.tag().octet() {
        0x0c | 0x13 | 0x14 | 0x16 => std::str::from_utf8(a.value.value()).ok(),
        _ => None,
    }
}

fn atv_eq(a: &AttributeTypeAndValue, b: &AttributeTypeAndValue) -> bool {
    if a.oid != b.oid {
        return false;
    }
    match (atv_text(a), atv_text(b)) {
        (Some(x), Some(y)) => prep(x) == prep(y),
        _ => a.value == b.value,
    }
}

fn rdn_eq(a: &RelativeDistinguishedName, b: &RelativeDistinguishedName) -> bool {
    a.0.len() == b.0.len()
        && a.0.iter().all(|x| b.0.iter().any(|y| atv_eq(x, y)))
        && b.0.iter().all(|y| a.0.iter().any(|x| atv_eq(x, y)))
}

/// `name` is within the subtree rooted at `base` (base's RDNs are a prefix of name's).
fn dn_within(name: &RdnSequence, base: &RdnSequence) -> bool {
    base.0.len() <= name.0.len() && base.0.iter().zip(name.0.iter()).all(|(b, n)| rdn_eq(b, n))
}

/// DNS name within the constraint: equal, or more labels on the left (case-insensitive).
fn dns_within(name: &str, base: &str) -> bool {
    let (name, base) = (name.to_ascii_lowercase(), base.to_ascii_lowercase());
    let base = base.trim_end_matches('.');
    let name = name.trim_end_matches('.');
    if base.is_empty() {
        return true;
    }
    if let Some(stripped) = base.strip_prefix('.') {
        return name.len() > stripped.len() && name.ends_with(base);
    }
    name == base || (name.len() > base.len() && name.ends_with(&format!(".{base}")))
}

/// RFC 5280 §4.2.1.10 rfc822Name constraint: a mailbox, a host, or `.domain`.
fn email_within(name: &str, base: &str) -> bool {
    let Some((local, host)) = name.rsplit_once('@') else {
        return false;
    };
    if let Some((blocal, bhost)) = base.rsplit_once('@') {
        return local == blocal && host.eq_ignore_ascii_case(bhost);
    }
    let host = host.to_ascii_lowercase();
    let base = base.to_ascii_lowercase();
    if base.starts_with('.') {
        host.ends_with(&base)
    } else {
        host == base
    }
}

/// A name of a certificate, in a supported form.
enum Subject<'a> {
    Dn(&'a RdnSequence),
    Email(String),
    Dns(String),
}

impl Subject<'_> {
    fn form(&self) -> &'static str {
        match self {
            Subject::Dn(_) => "directoryName",
            Subject::Email(_) => "rfc822Name",
            Subject::Dns(_) => "dNSName",
        }
    }

    fn show(&self) -> String {
        match self {
            Subject::Dn(d) => d.to_string(),
            Subject::Email(s) | Subject::Dns(s) => s.clone(),
        }
    }

    /// `Some(within)` when `base` has this name's form, else `None`.
    fn within(&self, base: &GeneralName) -> Option<bool> {
        match (self, base) {
            (Subject::Dn(n), GeneralName::DirectoryName(b)) => Some(dn_within(n, b)),
            (Subject::Email(n), GeneralName::Rfc822Name(b)) => Some(email_within(n, b.as_str())),
            (Subject::Dns(n), GeneralName::DnsName(b)) => Some(dns_within(n, b.as_str())),
            _ => None,
        }
    }
}

/// Subject DN (if non-empty), subject emailAddress attributes, SAN directoryName, rfc822Name
/// and dNSName entries.
fn names_of<'a>(c: &'a Certificate, san: &Option<SubjectAltName>) -> Vec<Subject<'a>> {
    let mut out = Vec::new();
    let subject = &c.x509().tbs_certificate.subject;
    if !subject.0.is_empty() {
        out.push(Subject::Dn(subject));
    }
    for rdn in subject.0.iter() {
        for atv in rdn.0.iter() {
            if atv.oid == EMAIL_ADDRESS {
                if let Some(s) = atv_text(atv) {
                    out.push(Subject::Email(s.to_string()));
                }
            }
        }
    }
    if let Some(san) = san {
        for g in san.0.iter() {
            match g {
                GeneralName::Rfc822Name(s) => out.push(Subject::Email(s.as_str().to_string())),
                GeneralName::DnsName(s) => out.push(Subject::Dns(s.as_str().to_string())),
                _ => {}
            }
        }
    }
    out
}

fn san_dns(san: &Option<SubjectAltName>) -> impl Iterator<Item = &RdnSequence> {
    san.iter().flat_map(|s| s.0.iter()).filter_map(|g| match g {
        GeneralName::DirectoryName(d) => Some(d),
        _ => None,
    })
}

fn subtrees(
    t: &Option<GeneralSubtrees>,
) -> &[x509_cert::ext::pkix::constraints::name::GeneralSubtree] {
    t.as_deref().unwrap_or_default()
}

/// Name constraints of every CA (pinned root included) applied to every certificate below it,
/// self-issued intermediates excepted (§6.1.3 b). A violation is located at the certificate
/// whose name is outside the constraint; a critical constraint with a form or distance this
/// validator cannot evaluate is located at the CA. All `CERT.CHAIN-VALIDATION-FAILED`.
pub(crate) fn name_constraints(chain: &[Certificate]) -> Vec<Finding> {
    let mut f = Vec::new();
    for (k, ca) in chain.iter().enumerate().skip(1) {
        let Ok(Some((critical, nc))) = decode_ext::<NameConstraints>(ca, oids::NAME_CONSTRAINTS)
        else {
            continue;
        };
        let all = subtrees(&nc.permitted_subtrees)
            .iter()
            .chain(subtrees(&nc.excluded_subtrees));
        let unsupported: Vec<_> = all
            .filter(|t| !supported_form(&t.base) || t.minimum != 0 || t.maximum.is_some())
            .map(|t| form_name(&t.base))
            .collect();
        if critical && !unsupported.is_empty() {
            f.push(at(
                Code::CertChainValidationFailed,
                k,
                format!(
                    "AC '{}': nameConstraints crítica com forma de nome não suportada ({})",
                    ca.subject(),
                    unsupported.join(", ")
                ),
            ));
            continue;
        }
        let permitted: Vec<&GeneralName> = subtrees(&nc.permitted_subtrees)
            .iter()
            .filter(|t| supported_form(&t.base) && t.minimum == 0 && t.maximum.is_none())
            .map(|t| &t.base)
            .collect();
        let excluded: Vec<&GeneralName> = subtrees(&nc.excluded_subtrees)
            .iter()
            .filter(|t| supported_form(&t.base) && t.minimum == 0 && t.maximum.is_none())
            .map(|t| &t.base)
            .collect();
        for (j, c) in chain.iter().enumerate().take(k) {
            if j > 0 && c.is_self_issued() {
                continue;
            }
            let san = decode_ext::<SubjectAltName>(c, oids::SUBJECT_ALT_NAME)
                .ok()
                .flatten()
                .map(|(_, s)| s);
            let mut names = names_of(c, &san);
            names.extend(san_dns(&san).map(Subject::Dn));
            for name in &names {
                let perm: Vec<bool> = permitted.iter().filter_map(|b| name.within(b)).collect();
                let outside_permitted = !perm.is_empty() && !perm.iter().any(|w| *w);
                let in_excluded = excluded.iter().any(|b| name.within(b) == Some(true));
                if outside_permitted || in_excluded {
                    let why = if in_excluded {
                        "está numa subárvore excluída"
                    } else {
                        "está fora das subárvores permitidas"
                    };
                    f.push(at(
                        Code::CertChainValidationFailed,
                        j,
                        format!(
                            "{} '{}' {why} pela nameConstraints de x5c[{k}] '{}'",
                            name.form(),
                            name.show(),
                            ca.subject()
                        ),
                    ));
                }
            }
        }
    }
    f
}

// ---------------------------------------------------------------------------------------------
// Policies (RFC 5280 §6.1.2–6.1.5 without policy mappings)

/// Certificate-policy processing with user-initial-policy-set = {anyPolicy} and
/// initial-explicit-policy = initial-policy-mapping-inhibit = initial-any-policy-inhibit = false
/// (ICP-BRASIL.md §2.1: never require an explicit policy ourselves). Policy mappings are not
/// processed (critical policyMappings is rejected as unknown), so the valid_policy_tree reduces
/// to the set of valid policies at the current depth. Fails only when a certificate's
/// requireExplicitPolicy / inhibitAnyPolicy makes the path's policy set empty:
/// `CERT.CHAIN-VALIDATION-FAILED` at the certificate where RFC 5280 §6.1.3 (f) / §6.1.5 (g) fails.
pub(crate) fn policies(chain: &[Certificate]) -> Option<Finding> {
    let n = chain.len();
    let mut explicit = n + 1;
    let mut inhibit_any = n + 1;
    let mut valid: BTreeSet<ObjectIdentifier> = BTreeSet::from([ANY_POLICY]);
    let mut constrained_by: Option<usize> = None;
    for k in (0..n).rev() {
        let c = &chain[k];
        let is_leaf = k == 0;
        let self_issued = c.is_self_issued();
        let pols: Option<Vec<ObjectIdentifier>> =
            match decode_ext::<CertificatePolicies>(c, oids::CERTIFICATE_POLICIES) {
                Ok(Some((_, p))) => Some(p.0.iter().map(|i| i.policy_identifier).collect()),
                _ => None,
            };
        valid = match pols {
            Some(p) if !valid.is_empty() => {
                let any_in_prev = valid.contains(&ANY_POLICY);
                let mut next: BTreeSet<ObjectIdentifier> = p
                    .iter()
                    .filter(|o| **o != ANY_POLICY && (any_in_prev || valid.contains(o)))
                    .copied()
                    .collect();
                if p.contains(&ANY_POLICY) && (inhibit_any > 0 || (!is_leaf && self_issued)) {
                    next.extend(valid.iter().copied());
                }
                next
            }
            _ => BTreeSet::new(),
        };
        if !is_leaf && explicit == 0 && valid.is_empty() {
            // §6.1.3 (f), before this certificate's own constraints apply
            return Some(no_policy(c, k, constrained_by));
        }
        if !is_leaf {
            // §6.1.4 (h), (i), (j)
            if !self_issued {
                explicit = explicit.saturating_sub(1);
                inhibit_any = inhibit_any.saturating_sub(1);
            }
            if let Ok(Some((_, pc))) = decode_ext::<PolicyConstraints>(c, oids::POLICY_CONSTRAINTS)
            {
                if let Some(r) = pc.require_explicit_policy {
                    let r = usize::try_from(r).unwrap_or(usize::MAX);
                    if r < explicit {
                        explicit = r;
                        constrained_by = Some(k);
                    }
                }
            }
            if let Ok(Some((_, ia))) = decode_ext::<InhibitAnyPolicy>(c, oids::INHIBIT_ANY_POLICY) {
                inhibit_any = inhibit_any.min(usize::try_from(ia.0).unwrap_or(usize::MAX));
            }
        } else {
            // §6.1.5 (a), (b), then (g)
            explicit = explicit.saturating_sub(1);
            if let Ok(Some((_, pc))) = decode_ext::<PolicyConstraints>(c, oids::POLICY_CONSTRAINTS)
            {
                if pc.require_explicit_policy == Some(0) {
                    explicit = 0;
                    constrained_by = Some(0);
                }
            }
            if explicit == 0 && valid.is_empty() {
                return Some(no_policy(c, k, constrained_by));
            }
        }
    }
    None
}

fn no_policy(c: &Certificate, k: usize, constrained_by: Option<usize>) -> Finding {
    let by = constrained_by
        .map(|b| format!(" (requireExplicitPolicy de x5c[{b}])"))
        .unwrap_or_default();
    at(
        Code::CertChainValidationFailed,
        k,
        format!(
            "'{}': nenhuma política de certificado válida no caminho, mas a cadeia exige política explícita{by} (RFC 5280 §6.1)",
            c.subject()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_constraints() {
        assert!(dns_within("host.example.com", "example.com"));
        assert!(dns_within("EXAMPLE.com", "example.COM"));
        assert!(!dns_within("badexample.com", "example.com"));
        assert!(dns_within("a.example.com", ".example.com"));
        assert!(!dns_within("example.com", ".example.com"));
        assert!(dns_within("anything", ""));
    }

    #[test]
    fn email_constraints() {
        assert!(email_within("fulano@example.com", "example.com"));
        assert!(email_within("fulano@EXAMPLE.com", "example.com"));
        assert!(!email_within("fulano@mail.example.com", "example.com"));
        assert!(email_within("fulano@mail.example.com", ".example.com"));
        assert!(!email_within("fulano@example.com", ".example.com"));
        assert!(email_within("fulano@example.com", "fulano@Example.com"));
        assert!(!email_within("ciclano@example.com", "fulano@example.com"));
        assert!(!email_within("no-at-sign", "example.com"));
    }

    #[test]
    fn dn_constraints() {
        use std::str::FromStr;
        let name = RdnSequence::from_str("CN=Fulano,OU=AC TESTE,O=ICP-Brasil,C=BR").unwrap();
        let base = RdnSequence::from_str("OU=ac  teste,O=icp-brasil,C=BR").unwrap();
        let other = RdnSequence::from_str("OU=AC OUTRA,O=ICP-Brasil,C=BR").unwrap();
        assert!(dn_within(&name, &base));
        assert!(!dn_within(&name, &other));
        assert!(!dn_within(&base, &name));
        assert!(dn_within(&name, &RdnSequence::default()));
    }
}
