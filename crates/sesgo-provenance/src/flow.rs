//! The signing side of a whole set: [`signed_content`] (criar Etapas 1.4–1.9, 3–6) and
//! [`wrap`] (Etapa 14), the pieces the facade's named sign steps run, and [`sign_set`]
//! (Bundle, Provenance, signer → Signature, signed Provenance, transfer Bundle) composing
//! them for callers that have already checked the inputs and the chain. The reading side,
//! every signed Provenance of a received Bundle, is
//! [`crate::signed_set::signed_provenances`].

use crate::provenance::{signed_provenance, transfer_bundle, transfer_bundle_json};
use crate::signature::{build_signature, SignatureFormats, SignerIdentifier};
use crate::signed_set::{checked_select, SignedTarget};
use sesgo_core::json::{Value, View};
use sesgo_core::{Error, Finding, Result};
use sesgo_jades::{ContentDigest, HeaderParams, Jws, Policy, Prepared, Strategy};

/// What [`sign_set`] needs besides the content.
pub struct SignRequest {
    /// The signature policy.
    pub policy: Policy,
    /// `iat` or `tsa` (a TSA token, when used, is attached by the caller through
    /// `before_wrap`).
    pub strategy: Strategy,
    /// The reference timestamp (`iat`, and `Signature.when`).
    pub reference_time: i64,
    /// The certificate chain (DER, leaf first), already validated by the caller.
    pub chain_der: Vec<Vec<u8>>,
    /// The signer's identifier taken from the leaf certificate (criar 14.2).
    pub who: SignerIdentifier,
    /// Reference-rule options (mode, UUID rule, limits).
    pub refs: sesgo_refs::CheckOptions,
}

/// The result of [`sign_set`]; `B` is how the transfer Bundle is held: a [`Value`] tree,
/// or compact JSON text ([`wrap_json`]).
#[derive(Clone, Debug)]
pub struct SignedSet<B = Value> {
    /// The FHIR `Signature` (profile `assinatura-avancada`).
    pub signature: Value,
    /// The Provenance with `signature` (profile `conteudo-assinado`).
    pub provenance: Value,
    /// The transfer Bundle: signed instances + signed Provenance.
    pub bundle: B,
    /// The JWS JSON (also inside `Signature.data`).
    pub jws: String,
    /// Findings that did not prevent signing (warnings).
    pub warnings: Vec<Finding>,
}

/// The `Signature` formats of a policy (`policy.profile().formats`).
pub fn formats_of(policy: Policy) -> SignatureFormats {
    policy.profile().formats
}

/// The signed content (criar Etapas 1.4–1.9 and 3–6): the instances `Provenance.target`
/// designates, in target order, and their content digest under the policy.
#[derive(Clone, Debug)]
pub struct SignedContent<'a, V = &'a Value> {
    /// The signed set, in `Provenance.target` order.
    pub targets: Vec<SignedTarget<'a, V>>,
    /// `contentDigest` (SHA-256 over the canonical instances, framed per the policy).
    pub digest: [u8; 32],
    /// Findings of the reference rules that are only warnings.
    pub warnings: Vec<Finding>,
}

/// criar Etapas 1.4–1.9 and 3–6: runs the structural and reference rules on the Bundle and
/// the Provenance (all findings together), selects the signed set in `Provenance.target`
/// order and computes the content digest under `policy`.
pub fn signed_content<'a, V: View<'a>>(
    bundle: V,
    provenance: V,
    policy: Policy,
    refs: &sesgo_refs::CheckOptions,
) -> Result<SignedContent<'a, V>> {
    let shape =
        crate::provenance::check_for_signing(bundle, provenance, policy.profile().signer_agent);
    if let Some(e) = Error::from_findings(shape) {
        return Err(e);
    }
    let (targets, warnings) = checked_select(bundle, provenance, refs)?;
    let pairs: Vec<(&str, V)> = targets.iter().map(|t| (t.reference, t.resource)).collect();
    let digest = policy.content_digest(&pairs)?;
    Ok(SignedContent {
        targets,
        digest,
        warnings,
    })
}

impl<V> SignedContent<'_, V> {
    /// The signed entries' indexes in `Bundle.entry`, in target order (for [`wrap_owned`]).
    pub fn entry_indexes(&self) -> Vec<usize> {
        self.targets.iter().map(|t| t.entry_index).collect()
    }
}

/// criar Etapas 13 (serialization) and 14: the final JWS as compact JSON, wrapped in the
/// FHIR `Signature` (`when` = `reference_time`, `who` from the certificate), placed in the
/// Provenance (with the signer agent the policy asks for), and the transfer Bundle of the
/// signed instances and the signed Provenance. `warnings` are carried to the result.
pub fn wrap(
    bundle: &Value,
    provenance: &Value,
    content: &SignedContent<'_>,
    jws: &Jws,
    reference_time: i64,
    who: &SignerIdentifier,
) -> Result<SignedSet> {
    wrap_with(
        provenance,
        jws,
        reference_time,
        who,
        content.warnings.clone(),
        |signed| transfer_bundle(bundle, &content.targets, signed),
    )
}

/// [`wrap`] consuming the Bundle: `entry_indexes` are the signed entries' indexes in
/// `Bundle.entry`, in target order ([`SignedContent::entry_indexes`]); the entries are
/// moved into the transfer Bundle rather than copied
/// ([`crate::provenance::transfer_bundle_owned`]).
pub fn wrap_owned(
    bundle: Value,
    entry_indexes: &[usize],
    provenance: &Value,
    jws: &Jws,
    reference_time: i64,
    who: &SignerIdentifier,
    warnings: Vec<Finding>,
) -> Result<SignedSet> {
    wrap_with(provenance, jws, reference_time, who, warnings, |signed| {
        crate::provenance::transfer_bundle_owned(bundle, entry_indexes, signed)
    })
}

/// [`wrap_owned`] writing the transfer Bundle as compact JSON text, read from any
/// [`View`] of the Bundle ([`transfer_bundle_json`]): signing from a compact
/// [`Doc`](sesgo_core::json::Doc) never builds the 50 MB tree (docs/adr/0071).
pub fn wrap_json<'a, V: View<'a>>(
    bundle: V,
    entry_indexes: &[usize],
    provenance: &Value,
    jws: &Jws,
    reference_time: i64,
    who: &SignerIdentifier,
    warnings: Vec<Finding>,
) -> Result<SignedSet<String>> {
    wrap_with(provenance, jws, reference_time, who, warnings, |signed| {
        transfer_bundle_json(bundle, entry_indexes, &signed)
    })
}

fn wrap_with<B>(
    provenance: &Value,
    jws: &Jws,
    reference_time: i64,
    who: &SignerIdentifier,
    warnings: Vec<Finding>,
    transfer: impl FnOnce(Value) -> B,
) -> Result<SignedSet<B>> {
    let policy = jws.policy();
    let jws_json = jws.to_json()?;
    let sig = build_signature(
        &formats_of(policy),
        reference_time,
        who,
        jws_json.as_bytes(),
    )?;
    let signed = signed_provenance(provenance, sig.clone(), who, policy.profile().signer_agent)?;
    let out_bundle = transfer(signed.clone());
    Ok(SignedSet {
        signature: sig,
        provenance: signed,
        bundle: out_bundle,
        jws: jws_json,
        warnings,
    })
}

/// criar Etapas 1.4–1.9 and 3–14 in one call, for callers that have already checked the
/// inputs and the certificate chain (Etapas 1–2): [`signed_content`], protected header and
/// signing input; `sign` produces the RS256 signature of the signing input (a local key,
/// a token, a cloud signer: DECISIONS D4) and the signature is checked against the leaf
/// key before anything is built; `before_wrap` may add unsigned header material (a TSA
/// token, `rRefs`) to the JWS; then [`wrap`]. The facade runs the same pieces as named
/// steps (`crates/sesgo/src/sign/steps.rs`).
pub fn sign_set(
    bundle: &Value,
    provenance: &Value,
    req: &SignRequest,
    sign: impl FnOnce(&Prepared) -> Result<Vec<u8>>,
    before_wrap: impl FnOnce(&mut Jws) -> Result<()>,
) -> Result<SignedSet> {
    let content = signed_content(bundle, provenance, req.policy, &req.refs)?;
    let prepared = sesgo_jades::prepare(
        req.policy,
        &HeaderParams {
            x5c_der: req.chain_der.clone(),
            iat: Some(req.reference_time),
            strategy: req.strategy,
        },
        &content.digest,
    )?;
    let signature = sign(&prepared)?;
    let mut jws = sesgo_jades::complete(prepared, &signature)?;
    before_wrap(&mut jws)?;
    wrap(
        bundle,
        provenance,
        &content,
        &jws,
        req.reference_time,
        &req.who,
    )
}
