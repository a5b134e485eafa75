//! Stage `revocation` (DECISIONS D5; RFC/XCV): the revocation status of the chain.
//! Online OCSP/CRL checking (issue 19) arrives here.

use crate::settings::RevocationPolicy;
use sesgo_core::{Code, Finding, Severity};
use sesgo_jades::{Policy, VerifiedJws};

/// Revocation until online OCSP/CRL checking lands: the status is unobtainable, which
/// `revocationPolicy` turns into an error, information or warning (DECISIONS D5).
/// Returns the findings and whether the stage is undecided (status not established).
pub(super) fn revocation(
    policy: Policy,
    v: &VerifiedJws,
    rp: RevocationPolicy,
) -> (Vec<Finding>, bool) {
    let severity = match rp {
        RevocationPolicy::Strict => Severity::Error,
        RevocationPolicy::SoftFail => Severity::Information,
        RevocationPolicy::Warn | RevocationPolicy::Off => Severity::Warning,
    };
    if rp == RevocationPolicy::Off {
        return (
            vec![Finding::new(
                Code::RevocationNoConnectivity,
                "revogação não verificada (revocationPolicy=off)",
            )
            .with_severity(Severity::Warning)
            .at("x5c")],
            true,
        );
    }
    let mut out = Vec::new();
    if policy.profile().revocation_refs.expected() && v.revocation_refs.is_none() {
        out.push(
            Finding::new(
                Code::ValidationLtvEvidenceInvalid,
                "assinatura sem evidências de revogação (rRefs) no cabeçalho não protegido",
            )
            .with_severity(severity)
            .at("header.rRefs"),
        );
    }
    out.push(
        Finding::new(
            Code::RevocationNoConnectivity,
            format!(
                "status de revogação não obtido: consulta OCSP/CRL não configurada (revocationPolicy={})",
                match rp {
                    RevocationPolicy::Strict => "strict",
                    RevocationPolicy::SoftFail => "soft-fail",
                    _ => "warn",
                }
            ),
        )
        .with_severity(severity)
        .at("x5c"),
    );
    (out, true)
}
