//! Name constraints (RFC 5280 §4.2.1.10, §6.1.3 b/c, §7.1): the names of each certificate
//! against the permitted and excluded subtrees of the CA certificates above it.

use super::{at, decode_ext};

use crate::cert::{oids, Certificate};
use const_oid::ObjectIdentifier;
use der::Tagged;
use sesgo_core::{Code, Finding};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::pkix::constraints::name::GeneralSubtrees;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{NameConstraints, SubjectAltName};
use x509_cert::name::{RdnSequence, RelativeDistinguishedName};

const EMAIL_ADDRESS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");

/// Name forms this validator evaluates in a name constraint.
pub(super) fn supported_form(g: &GeneralName) -> bool {
    matches!(
        g,
        GeneralName::DirectoryName(_) | GeneralName::Rfc822Name(_) | GeneralName::DnsName(_)
    )
}

pub(super) fn form_name(g: &GeneralName) -> &'static str {
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
pub(super) fn prep(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Value of a string-typed attribute (PrintableString, UTF8String, IA5String, TeletexString
/// holding ASCII/UTF-8), if any.
pub(super) fn atv_text(a: &AttributeTypeAndValue) -> Option<&str> {
    match a.value.tag().octet() {
        0x0c | 0x13 | 0x14 | 0x16 => std::str::from_utf8(a.value.value()).ok(),
        _ => None,
    }
}

pub(super) fn atv_eq(a: &AttributeTypeAndValue, b: &AttributeTypeAndValue) -> bool {
    if a.oid != b.oid {
        return false;
    }
    match (atv_text(a), atv_text(b)) {
        (Some(x), Some(y)) => prep(x) == prep(y),
        _ => a.value == b.value,
    }
}

pub(super) fn rdn_eq(a: &RelativeDistinguishedName, b: &RelativeDistinguishedName) -> bool {
    a.0.len() == b.0.len()
        && a.0.iter().all(|x| b.0.iter().any(|y| atv_eq(x, y)))
        && b.0.iter().all(|y| a.0.iter().any(|x| atv_eq(x, y)))
}

/// `name` is within the subtree rooted at `base` (base's RDNs are a prefix of name's).
pub(super) fn dn_within(name: &RdnSequence, base: &RdnSequence) -> bool {
    base.0.len() <= name.0.len() && base.0.iter().zip(name.0.iter()).all(|(b, n)| rdn_eq(b, n))
}

/// DNS name within the constraint: equal, or more labels on the left (case-insensitive).
pub(super) fn dns_within(name: &str, base: &str) -> bool {
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
pub(super) fn email_within(name: &str, base: &str) -> bool {
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
pub(super) enum Subject<'a> {
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
pub(super) fn names_of<'a>(c: &'a Certificate, san: &Option<SubjectAltName>) -> Vec<Subject<'a>> {
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

pub(super) fn san_dns(san: &Option<SubjectAltName>) -> impl Iterator<Item = &RdnSequence> {
    san.iter().flat_map(|s| s.0.iter()).filter_map(|g| match g {
        GeneralName::DirectoryName(d) => Some(d),
        _ => None,
    })
}

pub(super) fn subtrees(
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
