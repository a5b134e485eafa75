//! Stage `revocation` (DECISIONS D5; RFC/XCV): the revocation status of every certificate
//! of the validated chain but the root, from the evidence given, the cache or the network
//! (OCSP preferred, CRL fallback), and, under policy 0.1, the `rRefs` against that
//! evidence.

use super::stages::Ctx;
use crate::revocation::{assess, check_rrefs, config};
use crate::settings::RevocationPolicy;
use sesgo_cert::Certificate;
use sesgo_core::{Code, Finding, Severity};
use sesgo_jades::{Policy, VerifiedJws};
use sesgo_revocation::check_chain;

/// The stage's findings and whether the status stays undecided; `None` (stage not run)
/// when the chain did not validate: nothing is fetched from the URLs of a chain that is
/// not trusted.
pub(super) fn revocation(
    ctx: &Ctx<'_>,
    policy: Policy,
    v: &VerifiedJws,
    chain: Option<&[Certificate]>,
) -> Option<(Vec<Finding>, bool)> {
    let rp = ctx.settings.revocation_policy;
    if rp == RevocationPolicy::Off {
        return Some((
            vec![Finding::new(
                Code::RevocationNoConnectivity,
                "revogação não verificada (revocationPolicy=off)",
            )
            .with_severity(Severity::Warning)
            .at("x5c")],
            true,
        ));
    }
    let chain = chain?;
    let cfg = config(ctx.settings, ctx.reference_time, ctx.now);
    let results = check_chain(
        chain,
        &cfg,
        ctx.evidence,
        &*ctx.route.fetch,
        &ctx.route.revocation_cache,
    );
    let a = assess(&results, rp, ctx.settings.ocsp_unknown, false);
    let mut findings = a.findings;
    if policy.profile().revocation_refs.expected() {
        findings.extend(check_rrefs(
            v.revocation_refs.as_ref(),
            chain,
            ctx.evidence,
            &a.used,
            v.iat.unwrap_or(ctx.reference_time),
            rp,
            &cfg,
        ));
    }
    Some((findings, a.undecided))
}
