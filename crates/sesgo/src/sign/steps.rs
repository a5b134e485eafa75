//! The steps of *criar assinatura* (IG-DIGEST §2.3, criar Etapas 1–14), each a function
//! over the typed values the previous steps produced, run in this order by
//! [`super::sign_with_clock`]:
//!
//! | step | criar | produces |
//! |---|---|---|
//! | [`inputs`] | Etapa 1 (1.1–1.3, 1.10, 1.11) | [`Inputs`]: policy, strategy, reference time, the parsed Bundle and Provenance |
//! | [`chain`] | Etapas 2.1–2.7, 14.2 | [`SignerChain`]: the validated chain, the signer's CPF/CNPJ |
//! | [`revocation`] | Etapa 2.8 | [`RevocationEvidence`]: the LTV evidence for `rRefs` |
//! | [`content`] | Etapas 1.4–1.9, 3–6 | [`SignedContent`]: the signed set and `contentDigest` |
//! | [`header`] | Etapas 7–9 | [`Prepared`]: the protected header and the signing input |
//! | [`signing`] | Etapas 10–11 | [`Jws`]: the signature, checked against the leaf key |
//! | [`timestamp`] | Etapa 12 | the TSA token attached (strategy `tsa`) |
//! | [`unprotected`] | Etapa 13 | `rRefs` attached (policies that carry them) |
//! | [`wrap`] | Etapa 14 | [`Signed`]: Signature, signed Provenance, transfer Bundle |
//!
//! A step fails with an [`Error`] carrying every finding it made; warnings travel in the
//! values and end up in [`Signed::warnings`].

use super::{refs_options, SignOptions, Signed};
use crate::clock::Clock;
use crate::settings::check_reference_time;
use crate::signer::{Signer, TrustStore};
use sesgo_cert::{
    check_eligibility, validate_chain, ChainOptions, EligibilityOptions, Identity, ValidatedChain,
};
use sesgo_core::json::{Doc, Limits, Node, View};
use sesgo_core::{Code, Error, Finding, Result};
use sesgo_jades::{Jws, Policy, Prepared, RevocationRefs, Strategy};
use sesgo_provenance::flow::{signed_content, SignedContent};
use sesgo_provenance::signature::SignerIdentifier;

/// What Etapa 1 establishes: the checked parameters and the strictly parsed content.
pub(super) struct Inputs<'i, 'o> {
    /// The signature policy (criar 1.1).
    pub policy: Policy,
    /// `iat` or `tsa` (criar 1.3).
    pub strategy: Strategy,
    /// The reference timestamp (criar 1.2, 1.10): `iat` and `Signature.when`.
    pub reference_time: i64,
    /// The operational settings, validated (criar 1.11).
    pub options: &'o SignOptions,
    /// The Bundle, read strictly under the byte limit into a compact document: signing
    /// only reads it, and writes the transfer Bundle from it (docs/adr/0071).
    pub bundle: Doc<'i>,
    /// The Provenance, read strictly under the byte limit.
    pub provenance: Doc<'i>,
    /// Reference-rule options for the policy and the settings (used by [`content`]).
    pub refs: sesgo_refs::CheckOptions,
}

/// What Etapa 2 establishes about the signer.
pub(super) struct SignerChain {
    /// The chain, completed from the trust store and validated at the reference time
    /// (leaf first, trusted root last).
    pub validated: ValidatedChain,
    /// The signer's CPF/CNPJ, from the leaf certificate (criar 14.2).
    pub who: SignerIdentifier,
    /// Non-blocking findings of the chain and of eligibility (e.g. `CERT.NEAR-EXPIRY`).
    pub warnings: Vec<Finding>,
}

/// The revocation evidence of the signer's chain kept for the unprotected header
/// (criar 2.8 → Etapa 13): the OCSP responses and CRLs whose SHA-512 go into `rRefs`.
#[derive(Debug, Default)]
pub(super) struct RevocationEvidence {
    /// `rRefs` content (empty: nothing is written).
    pub refs: RevocationRefs,
}

/// criar Etapa 1: the policy (1.1, typed: the URI was checked where it was given as
/// text), the reference time against the clock (1.2, 1.10), the
/// strategy and what it needs (1.3), the settings (1.11); then the Bundle and the
/// Provenance read strictly under the byte limit. The structural and reference rules
/// (1.4–1.9) run with the selection, in [`content`].
pub(super) fn inputs<'i, 'o>(
    bundle: &'i [u8],
    provenance: &'i [u8],
    options: &'o SignOptions,
    clock: &dyn Clock,
) -> Result<Inputs<'i, 'o>> {
    let policy = options.policy; // 1.1 (a supported policy by type; URIs: SignOptions::from_json)
    let now = clock.now();
    let reference_time = options.reference_time.unwrap_or(now);
    check_reference_time(reference_time, now)?; // 1.2, 1.10
    let strategy = options.strategy; // 1.3
    if strategy == Strategy::Tsa {
        // 1.3: strategy `tsa` needs a TSA (tsaUrl, https).
        crate::tsa::require_configured(&options.settings)?;
    }
    let s = &options.settings;
    s.validate()?; // 1.11
    let limits = Limits {
        max_bytes: usize::try_from(s.max_bundle_bytes).unwrap_or(usize::MAX),
        ..Limits::default()
    };
    let bundle = Doc::parse(bundle, &limits)
        .map_err(|e| e.into_error("Bundle", Code::SecurityBundleMemoryLimitExceeded))?;
    let provenance = Doc::parse(provenance, &limits)
        .map_err(|e| e.into_error("Provenance", Code::FormatResourceTooLarge))?;
    let refs = refs_options(policy, s, false)?;
    transfer_fits(provenance.root(), refs.max_entries)?;
    Ok(Inputs {
        policy,
        strategy,
        reference_time,
        options,
        bundle,
        provenance,
        refs,
    })
}

/// The transfer Bundle sesgo emits holds the targeted entries and the signed Provenance,
/// and verification holds it to `maxEntriesBundle` like any Bundle: a Provenance with
/// exactly `maxEntriesBundle` targets would yield a Bundle its own verification refuses,
/// so signing refuses it first (DECISIONS D51). More targets than that are refused by the
/// target limit of the reference rules.
fn transfer_fits(provenance: Node<'_>, max_entries: usize) -> Result<()> {
    let targets = provenance
        .get("target")
        .filter(|t| t.items().is_some())
        .map_or(0, Node::len);
    if targets == max_entries {
        return Err(Error::new(
            Code::SecurityBundleSizeLimitExceeded,
            format!(
                "O Bundle de transferência teria {} entradas ({targets} instâncias assinadas e a Provenance assinada). Limite máximo: {max_entries} (maxEntriesBundle)",
                targets.saturating_add(1)
            ),
        )
        .at("Provenance.target"));
    }
    Ok(())
}

/// criar Etapas 2.1–2.7 and 14.2: the signer's chain completed from the trust store and
/// validated at the reference time (RFC 5280 path rules, pinned root), the leaf's
/// eligibility under the policy (2.5, 2.6), and the signer's CPF/CNPJ from the leaf.
pub(super) fn chain(
    inputs: &Inputs<'_, '_>,
    signer: &Signer,
    trust: &TrustStore,
) -> Result<SignerChain> {
    let s = &inputs.options.settings;
    let chain = trust.complete_chain(signer.chain())?;
    let validated = validate_chain(
        &chain,
        trust,
        &ChainOptions {
            reference_time: inputs.reference_time,
            max_depth: s.max_chain_depth as usize,
            near_expiry_days: s.near_expiry_threshold_days,
        },
    )?;
    let mut warnings = validated.warnings.clone();
    let leaf = validated.leaf();
    let eligibility = check_eligibility(
        leaf,
        inputs.policy.profile().eligibility,
        &EligibilityOptions {
            reference_time: inputs.reference_time,
            min_cert_issue_date: s.min_cert_issue_date,
            near_expiry_days: s.near_expiry_threshold_days,
        },
    );
    if let Some(e) = Error::from_findings(eligibility.clone()) {
        return Err(e.nested_in("x5c[0]"));
    }
    warnings.extend(eligibility);
    // criar 14.2: CPF/CNPJ from the certificate.
    let id = Identity::from_certificate(leaf).signer_id()?;
    let who = SignerIdentifier::new(id.system, &id.value)?;
    Ok(SignerChain {
        validated,
        who,
        warnings,
    })
}

/// criar Etapa 2.8: the revocation status of every certificate of the signer's chain but
/// the root (OCSP preferred, CRL as fallback: the evidence given, the cache, the network),
/// and the evidence kept for `rRefs`.
///
/// Decides: whether signing may proceed given the status it obtains (`CERT.REVOKED` for a
/// revoked or unknown-status certificate, always; `REVOCATION.*` when no status can be
/// obtained, weighed by `revocationPolicy`, DECISIONS D5 — non-blocking findings join the
/// chain's warnings), and which responses become LTV evidence (Etapa 13, policies whose
/// profile expects `rRefs`).
pub(super) fn revocation(
    inputs: &Inputs<'_, '_>,
    chain: &mut SignerChain,
    clock: &dyn crate::Clock,
    route: &crate::network::Route,
) -> Result<RevocationEvidence> {
    let (found, refs) = crate::revocation::for_signing(
        &chain.validated.certificates,
        &inputs.options.settings,
        &inputs.options.revocation_evidence,
        inputs.reference_time,
        clock.now(),
        route,
    )?;
    chain.warnings.extend(found);
    Ok(RevocationEvidence {
        refs: if inputs.policy.profile().revocation_refs.expected() {
            refs
        } else {
            RevocationRefs::default()
        },
    })
}

/// criar Etapas 1.4–1.9 and 3–6: the structural and reference rules on the Bundle and the
/// Provenance (every finding reported together), the signed set in `Provenance.target`
/// order, and `contentDigest` under the policy.
pub(super) fn content<'d>(inputs: &'d Inputs<'_, '_>) -> Result<SignedContent<'d, Node<'d>>> {
    signed_content(
        inputs.bundle.root(),
        inputs.provenance.root(),
        inputs.policy,
        &inputs.refs,
    )
}

/// criar Etapas 7–9: the protected header of the policy (`alg`, `x5c` = the validated
/// chain, `iat` per the policy's rule and the strategy, `sigPId`), the payload
/// (`contentDigest`) and the signing input.
pub(super) fn header(
    inputs: &Inputs<'_, '_>,
    chain: &SignerChain,
    content: &SignedContent<'_, Node<'_>>,
) -> Result<Prepared> {
    sesgo_jades::prepare_chain(
        inputs.policy,
        &chain.validated.certificates,
        Some(inputs.reference_time),
        inputs.strategy,
        &content.digest,
    )
}

/// criar Etapas 10–11: the key is used once (a local key, a token or an external signer,
/// DECISIONS D4) over the signing input; the signature is checked against the leaf's
/// public key before anything is built (`CRYPTO.SIGNATURE-CREATION-FAILED`), giving the
/// preliminary JWS.
pub(super) fn signing(signer: &Signer, prepared: Prepared) -> Result<Jws> {
    let signature = signer.sign(prepared.signing_input())?;
    sesgo_jades::complete(prepared, &signature)
}

/// criar Etapa 12: the RFC 3161 timestamp over the signature (strategy `tsa` only; a
/// no-op for `iat`).
///
/// Decides: the TimeStampToken attached to the JWS (imprint per the policy,
/// [`Jws::tsa_message_imprint`]), asked of the TSA at `tsaUrl` through `fetch`; whether the
/// response is acceptable (`TSA.UNAVAILABLE`, `TSA.INVALID-RESPONSE`), the token valid
/// (`TSA.VALIDATION-FAILED`: CMS signature, ESS binding, critical `timeStamping` EKU, chain
/// to the TSA anchors, imprint, nonce, policy) and `genTime` within ±300 s of the
/// reference time and inside the signer chain's validity
/// (`TEMPORAL.TSA-TIMESTAMP-OUT-OF-BOUNDS`).
pub(super) fn timestamp(
    inputs: &Inputs<'_, '_>,
    chain: &SignerChain,
    trust: &TrustStore,
    route: &crate::network::Route,
    jws: &mut Jws,
) -> Result<()> {
    match inputs.strategy {
        Strategy::Iat => Ok(()),
        Strategy::Tsa => crate::tsa::timestamp(
            jws,
            &inputs.options.settings,
            trust,
            &*route.tsa_fetcher(&inputs.options.settings)?,
            inputs.reference_time,
            &chain.validated.certificates,
        )
        .map(|_| ()),
    }
}

/// criar Etapa 13: the unprotected header — `rRefs` from the evidence of [`revocation`]
/// (omitted when empty; refused by policies that forbid them). The timestamp token was
/// attached by [`timestamp`].
pub(super) fn unprotected(jws: &mut Jws, evidence: RevocationEvidence) -> Result<()> {
    if evidence.refs.is_empty() {
        return Ok(());
    }
    jws.set_revocation_refs(evidence.refs)
}

/// criar Etapa 14: the final JWS in a FHIR `Signature` (`when`, `who` from the
/// certificate, the policy's formats), the signed Provenance and the transfer Bundle
/// (written as JSON text straight from the parsed Bundle, never built as a tree); the
/// warnings of every step, once each.
pub(super) fn wrap(
    inputs: Inputs<'_, '_>,
    chain: SignerChain,
    selection: Selection,
    jws: &Jws,
) -> Result<Signed> {
    let out = sesgo_provenance::flow::wrap_json(
        inputs.bundle.root(),
        &selection.entry_indexes,
        &inputs.provenance.root().to_value(),
        jws,
        inputs.reference_time,
        &chain.who,
        selection.warnings,
    )?;
    let mut warnings = chain.warnings;
    warnings.extend(out.warnings);
    crate::verify::dedup(&mut warnings);
    Ok(Signed {
        signature: out.signature,
        provenance: out.provenance,
        bundle: out.bundle,
        warnings,
    })
}

/// What [`wrap`] needs of the [`SignedContent`] once the digest is signed.
pub(super) struct Selection {
    /// The signed entries' indexes in `Bundle.entry`, in target order.
    pub entry_indexes: Vec<usize>,
    /// Findings of the reference rules that are only warnings.
    pub warnings: Vec<Finding>,
}

impl Selection {
    pub(super) fn of(content: SignedContent<'_, Node<'_>>) -> Self {
        Selection {
            entry_indexes: content.entry_indexes(),
            warnings: content.warnings,
        }
    }
}
