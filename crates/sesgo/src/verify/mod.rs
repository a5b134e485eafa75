//! Caso de uso *validar assinatura* (IG-DIGEST §3), end to end, as a pipeline of named
//! stages (docs/architecture.md):
//!
//! 1. **inputs** ([`inputs`]): options, reference time, strict JSON, and the list of
//!    signatures to verify, each with the content it must be checked against — a
//!    supplied Bundle is never ignored;
//! 2. per signature ([`stages`], with [`revocation`] and [`temporal`] in their own files):
//!    `jws` → `policy` → `structure` → `content` → `chain` → `revocation` → `time` →
//!    `signer`, each recording its findings and its conclusion;
//! 3. **report** ([`report`]): unsigned content of the Bundle, the overall indication,
//!    the OperationOutcome.

mod batch;
mod inputs;
mod report;
mod revocation;
mod stages;
mod temporal;

pub use batch::{
    verify_batch, verify_batch_items, verify_batch_items_json, verify_batch_json,
    verify_batch_with_clock,
};
pub use report::{
    Indication, SignatureReport, SignerReport, Stage, StageStatus, UnsignedContent, Verification,
};

use crate::clock::{Clock, SystemClock};
use crate::options::{from_json, wire_policy};
use crate::settings::{check_reference_time, Settings};
use crate::signer::TrustStore;
use serde::{Deserialize, Serialize};
use sesgo_core::budget::{self, Budget};
use sesgo_core::json::{Kind, Node, View};
use sesgo_core::{Code, Error, Finding, OperationOutcome, Result, Severity};
use sesgo_jades::Policy;
use std::collections::HashSet;

/// How content of a supplied Bundle that no verified signature covers is reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnsignedEntries {
    /// A warning per unsigned entry (default): the signature holds, and the receiver is
    /// told exactly which content it does not vouch for.
    #[default]
    Warning,
    /// An error per unsigned entry: only Bundles whose every entry is signed are valid.
    Error,
}

/// Options of [`verify`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifyOptions {
    /// The policy the signature must follow (validar input 4); when absent, the policy
    /// the signature declares, if supported and accepted.
    pub policy: Option<Policy>,
    /// Reference timestamp for every temporal check (validar input 3); default: now.
    pub reference_time: Option<i64>,
    /// Operational settings (validar input 2): thresholds, revocation policy, limits.
    pub settings: Settings,
    /// The policies this receiver accepts (default: every supported policy; an empty list
    /// is `CONFIG.INVALID-PARAMETER`). A signature under another policy is invalid
    /// (`POLICY.VERSION-UNSUPPORTED`).
    pub accepted_policies: Option<Vec<Policy>>,
    /// How Bundle content outside every verified signature is reported.
    pub unsigned_entries: UnsignedEntries,
    /// Revocation evidence to use before the cache and the network: paths of OCSP
    /// responses and CRLs (DER or PEM), files or directories. With the signer's evidence
    /// an air-gapped receiver verifies under `strict`, and policy 0.1's `rRefs` are
    /// checked against it.
    pub revocation_evidence: Vec<String>,
}

/// The JSON form of [`VerifyOptions`] (binding edge): camelCase, unknown members refused,
/// all optional; policies as URIs, `unsignedEntries` `"warning"` or `"error"`.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
struct VerifyOptionsWire {
    policy: Option<String>,
    reference_time: Option<i64>,
    settings: Settings,
    accepted_policies: Option<Vec<String>>,
    unsigned_entries: UnsignedEntries,
    revocation_evidence: Vec<String>,
}

impl VerifyOptions {
    /// Parses the JSON form (empty = defaults) and validates the settings. A bad policy
    /// URI is located at `options.policy` or `options.acceptedPolicies[i]`.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        let w: VerifyOptionsWire = from_json(json, "options")?;
        w.settings.validate()?;
        let policy = match &w.policy {
            Some(u) => Some(wire_policy(u, "options.policy")?),
            None => None,
        };
        let accepted_policies = match &w.accepted_policies {
            Some(list) => Some(
                list.iter()
                    .enumerate()
                    .map(|(i, u)| wire_policy(u, &format!("options.acceptedPolicies[{i}]")))
                    .collect::<Result<Vec<_>>>()?,
            ),
            None => None,
        };
        Ok(VerifyOptions {
            policy,
            reference_time: w.reference_time,
            settings: w.settings,
            accepted_policies,
            unsigned_entries: w.unsigned_entries,
            revocation_evidence: w.revocation_evidence,
        })
    }
}

/// What to verify: `Signature.data` (validar input 1), a FHIR `Signature`, a signed
/// `Provenance`, or a transfer Bundle — and, for the integrity check, the Bundle (and
/// the Provenance) the signature covers (validar inputs 5–6).
#[derive(Clone, Copy, Debug, Default)]
pub struct VerifyInput<'a> {
    /// `Signature.data`: standard Base64 of the JWS JSON.
    pub signature_data: Option<&'a str>,
    /// A FHIR `Signature` (JSON).
    pub signature: Option<&'a [u8]>,
    /// The signed `Provenance` (JSON), which carries the Signature and designates the
    /// signed set.
    pub provenance: Option<&'a [u8]>,
    /// The Bundle. Alone, it is a transfer Bundle whose signed Provenance(s) are verified;
    /// with a Signature or `Signature.data`, the Provenance in it that carries that
    /// signature designates the signed set; with a Provenance, it is the content. It is
    /// always checked: never ignored.
    pub bundle: Option<&'a [u8]>,
}

/// Verifies with the system clock. See [`verify_with_clock`]; [`sign`](crate::sign)
/// shows a full round trip.
///
/// An unusable input is an `Err`; a signature that does not hold is `Ok` with
/// `valid == false` and the reasons in the outcome:
///
/// ```
/// use sesgo::{Code, Indication, TrustStore, VerifyInput, VerifyOptions};
///
/// let trust = TrustStore::icp_brasil_default();
/// let opts = VerifyOptions::default();
/// // Not JSON: an error (exit code 2 in the CLI).
/// let e = sesgo::verify(&VerifyInput { bundle: Some(b"{"), ..Default::default() }, &trust, &opts)
///     .unwrap_err();
/// assert_eq!(e.code(), Code::FormatJsonMalformed);
/// // A Bundle without a signed Provenance: a verification result, invalid.
/// let b = br#"{"resourceType":"Bundle","type":"collection","entry":[]}"#;
/// let v = sesgo::verify(&VerifyInput { bundle: Some(b), ..Default::default() }, &trust, &opts)
///     .unwrap();
/// assert!(!v.valid);
/// assert_eq!(v.indication, Indication::TotalFailed);
/// assert!(v.signatures.is_empty());
/// assert_eq!(v.outcome.to_value()["resourceType"], "OperationOutcome");
/// ```
pub fn verify(
    input: &VerifyInput<'_>,
    trust: &TrustStore,
    options: &VerifyOptions,
) -> Result<Verification> {
    verify_with_clock(input, trust, options, &SystemClock)
}

/// Verifies a signature (caso de uso *validar*). `Err` only when the inputs or options
/// are unusable (JSON that does not parse, settings out of range, unknown policy URI,
/// reference time out of range or skewed); everything wrong with the signature or the
/// signed content is reported in the returned [`Verification`], which also says what was
/// checked: the stages, the signed `fullUrl`s, whether the content was checked at all,
/// and which content of a supplied Bundle no signature covers.
///
/// The network (AIA, OCSP, CRL) is the one attached to `trust`
/// ([`Network::attach`](crate::Network::attach)), else a default one from the settings
/// (docs/adr/0055); `settings.network: false` fetches nothing.
pub fn verify_with_clock(
    input: &VerifyInput<'_>,
    trust: &TrustStore,
    options: &VerifyOptions,
    clock: &dyn Clock,
) -> Result<Verification> {
    let evidence = crate::revocation::load_evidence(&options.revocation_evidence)?;
    verify_prepared(input, trust, options, clock, &evidence)
}

/// [`verify_with_clock`] with the revocation evidence already loaded (a batch loads it
/// once for every item).
pub(crate) fn verify_prepared(
    input: &VerifyInput<'_>,
    trust: &TrustStore,
    options: &VerifyOptions,
    clock: &dyn Clock,
    evidence: &sesgo_revocation::EvidenceStore,
) -> Result<Verification> {
    // validar §1: inputs and configuration (VCI).
    let s = &options.settings;
    s.validate()?;
    // Bounded work (DECISIONS D40): bundleTimeoutSecs over the loops over input.
    let _call = budget::begin(Budget::secs(s.bundle_timeout_secs.into()));
    let expected = options.policy;
    let accepted: Vec<Policy> = match &options.accepted_policies {
        None => Policy::ALL.to_vec(),
        Some(list) if list.is_empty() => {
            return Err(Error::new(
                Code::ConfigInvalidParameter,
                "acceptedPolicies vazio: nenhuma política aceita",
            ))
        }
        Some(list) => list.clone(),
    };
    let now = clock.now();
    let reference_time = options.reference_time.unwrap_or(now);
    check_reference_time(reference_time, now)?;
    let tsa_trust = crate::tsa::tsa_trust(s, trust)?;
    let route = crate::network::Route::of(trust, s);
    let ctx = stages::Ctx {
        trust,
        tsa_trust: &tsa_trust,
        settings: s,
        expected,
        accepted,
        reference_time,
        now,
        evidence,
        route: &route,
    };

    let parsed = budget::phase(|| inputs::Parsed::read(input, s))?;
    let mut findings = Vec::new();
    let jobs = budget::phase(|| parsed.jobs(&mut findings))?;
    let mut signatures = Vec::with_capacity(jobs.len());
    let mut covered = Coverage::default();
    for job in &jobs {
        let done = ctx.run(job);
        findings.extend(done.findings);
        if let Some(entries) = done.covered_entries {
            covered.entries.extend(entries);
        }
        if let Some(i) = done.container_entry {
            covered.containers.insert(i);
        }
        signatures.push(done.report);
    }
    let unsigned_content = match parsed.bundle.as_ref().map(sesgo_core::json::Doc::root) {
        Some(b) => budget::phase(|| {
            unsigned(
                b,
                &covered,
                options.unsigned_entries,
                s.max_entries_bundle.try_into().unwrap_or(usize::MAX),
                &mut findings,
            )
        }),
        None => Vec::new(),
    };

    dedup(&mut findings);
    budget::cap_findings(&mut findings);
    let valid = !findings.iter().any(|f| f.severity().is_failure());
    let content_checked = !signatures.is_empty() && signatures.iter().all(|r| r.content_checked);
    let (indication, sub_indication) = indication(valid, &signatures, &findings);
    let outcome = if valid {
        OperationOutcome::success(summary(&signatures, content_checked), findings)
    } else {
        OperationOutcome::new(findings)
    };
    Ok(Verification {
        outcome,
        valid,
        indication,
        sub_indication,
        content_checked,
        signatures,
        unsigned_content,
    })
}

/// Entries of the supplied Bundle that verified signatures cover.
#[derive(Default)]
struct Coverage {
    /// Signed instances (targets whose content digest verified).
    entries: HashSet<usize>,
    /// Provenance entries that carry a verified signature.
    containers: HashSet<usize>,
}

/// Content of the Bundle outside every verified signature: whole entries, and members of
/// signed entries other than `fullUrl` and `resource` (e.g. `request`, which a receiver
/// processing a transaction would act on). A Bundle over `maxEntriesBundle` is refused
/// as a whole (`SECURITY.BUNDLE-SIZE-LIMIT-EXCEEDED`, the structure stage's finding) and
/// its entries are not listed one by one.
fn unsigned(
    bundle: Node<'_>,
    covered: &Coverage,
    mode: UnsignedEntries,
    max_entries: usize,
    findings: &mut Vec<Finding>,
) -> Vec<UnsignedContent> {
    let severity = match mode {
        UnsignedEntries::Warning => Severity::Warning,
        UnsignedEntries::Error => Severity::Error,
    };
    let entries = bundle.get("entry").filter(|e| e.kind() == Kind::Array);
    let count = entries.map_or(0, Node::len);
    if count > max_entries {
        // The structure stage (sesgo_refs::check) reports it when a signature was found;
        // otherwise it is reported here.
        if findings
            .iter()
            .any(|f| f.code() == Code::SecurityBundleSizeLimitExceeded)
        {
            return Vec::new();
        }
        findings.push(sesgo_refs::too_many_entries(count, max_entries));
        return Vec::new();
    }
    let mut out = Vec::new();
    // A finding per unsigned entry at most, capped as they accumulate (DECISIONS D41).
    let mut cap = budget::FindingCap::default();
    for (i, e) in entries
        .and_then(Node::items)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if let Err(stop) = budget::charge(1, &format!("Bundle.entry[{i}]")) {
            findings.extend(stop.into_findings());
            break;
        }
        let full_url = e.get("fullUrl").and_then(Node::as_str).map(str::to_owned);
        if covered.containers.contains(&i) {
            continue;
        }
        if !covered.entries.contains(&i) {
            cap.push(findings,
                Finding::new(
                    Code::ValidationPolicyComplianceFailed,
                    format!(
                        "Bundle.entry[{i}] ({}) não é coberta por nenhuma assinatura verificada: seu conteúdo não é assinado",
                        full_url.as_deref().unwrap_or("sem fullUrl")
                    ),
                )
                .with_text("Conteúdo não assinado no Bundle")
                .with_severity(severity)
                .at(format!("Bundle.entry[{i}]")),
            );
            out.push(UnsignedContent {
                location: format!("Bundle.entry[{i}]"),
                full_url,
            });
            continue;
        }
        let Some(members) = e.members() else { continue };
        for (k, _) in members {
            if k == "fullUrl" || k == "resource" {
                continue;
            }
            cap.push(findings,
                Finding::new(
                    Code::ValidationPolicyComplianceFailed,
                    format!(
                        "Bundle.entry[{i}].{k} não é coberto pela assinatura (apenas fullUrl e resource das instâncias assinadas o são)"
                    ),
                )
                .with_text("Conteúdo não assinado no Bundle")
                .with_severity(severity)
                .at(format!("Bundle.entry[{i}].{k}")),
            );
            out.push(UnsignedContent {
                location: format!("Bundle.entry[{i}].{k}"),
                full_url: full_url.clone(),
            });
        }
    }
    cap.finish(findings);
    out
}

fn indication(
    valid: bool,
    signatures: &[SignatureReport],
    findings: &[Finding],
) -> (Indication, Option<&'static str>) {
    let failed = |stage: Stage| {
        signatures
            .iter()
            .any(|r| r.stage(stage) == StageStatus::Failed)
    };
    let undecided = |stage: Stage| {
        signatures
            .iter()
            .any(|r| r.stage(stage) == StageStatus::Indeterminate)
    };
    if !valid {
        let sub = if failed(Stage::Structure) || failed(Stage::Jws) && !failed(Stage::Chain) {
            if findings.iter().any(|f| {
                matches!(
                    f.code(),
                    Code::ValidationSignatureVerificationFailed
                        | Code::CryptoSignatureValidationFailed
                )
            }) {
                "SIG_CRYPTO_FAILURE"
            } else {
                "FORMAT_FAILURE"
            }
        } else if failed(Stage::Content) {
            "HASH_FAILURE"
        } else if failed(Stage::Policy) {
            "POLICY_PROCESSING_ERROR"
        } else if findings.iter().any(|f| f.code() == Code::CertRevoked) {
            "REVOKED"
        } else if failed(Stage::Revocation) {
            "TRY_LATER"
        } else if failed(Stage::Chain) {
            "CHAIN_CONSTRAINTS_FAILURE"
        } else if signatures.is_empty() {
            "SIGNED_DATA_NOT_FOUND"
        } else {
            "SIG_CONSTRAINTS_FAILURE"
        };
        return (Indication::TotalFailed, Some(sub));
    }
    if undecided(Stage::Content) {
        (Indication::Indeterminate, Some("SIGNED_DATA_NOT_FOUND"))
    } else if undecided(Stage::Revocation) {
        (Indication::Indeterminate, Some("TRY_LATER"))
    } else if Stage::ALL.iter().any(|&s| undecided(s)) {
        (Indication::Indeterminate, None)
    } else {
        (Indication::TotalPassed, None)
    }
}

fn summary(signatures: &[SignatureReport], content_checked: bool) -> String {
    let mut parts: Vec<String> = signatures
        .iter()
        .map(|r| {
            let mut s = format!(
                "{}: alg=RS256; policy={}; strategy={}",
                r.location,
                r.policy.unwrap_or("?"),
                r.strategy.unwrap_or("?")
            );
            if let Some(t) = r.signing_time {
                s.push_str(&format!("; iat={t}"));
            }
            if let Some(who) = &r.signer {
                s.push_str(&format!("; signatário={}|{}", who.system, who.value));
            }
            if r.content_checked {
                s.push_str(&format!(
                    "; conteúdo verificado: {}",
                    r.signed_full_urls.join(", ")
                ));
            } else {
                s.push_str("; conteúdo não verificado");
            }
            s
        })
        .collect();
    if !content_checked && parts.is_empty() {
        parts.push("nenhuma assinatura".into());
    }
    parts.join(" | ")
}

/// Removes repeated findings (same code, locations and diagnostics), keeping the first;
/// linear in the number of findings.
pub(crate) fn dedup(f: &mut Vec<Finding>) {
    let mut seen = HashSet::with_capacity(f.len());
    f.retain(|x| seen.insert((x.code(), x.locations().to_vec(), x.diagnostics().to_owned())));
}
