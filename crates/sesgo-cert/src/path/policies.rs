//! Certificate policies (RFC 5280 §6.1.2–6.1.5 without policy mappings).

use super::{at, decode_ext};

use crate::cert::{oids, Certificate};
use const_oid::ObjectIdentifier;
use sesgo_core::{Code, Finding};
use std::collections::BTreeSet;
use x509_cert::ext::pkix::{CertificatePolicies, InhibitAnyPolicy, PolicyConstraints};

const ANY_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.32.0");

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

pub(super) fn no_policy(c: &Certificate, k: usize, constrained_by: Option<usize>) -> Finding {
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
