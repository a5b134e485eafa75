//! The per-signature stages of verification (validar §2–§6), each a function from the
//! typed context to findings, recorded with its conclusion ([`Stage`], [`StageStatus`]).
//! Revocation and timestamps arrive as stages here, not as branches elsewhere.

use super::inputs::{Job, ProvenanceRef};
use super::report::{SignatureReport, SignerReport, Stage, StageStatus};
use super::revocation::revocation;
use crate::settings::Settings;
use crate::sign::refs_options;
use crate::signer::TrustStore;
use sesgo_cert::{
    check_eligibility, validate_chain, Certificate, ChainOptions, EligibilityOptions, Identity,
};
use sesgo_core::json::Node;
use sesgo_core::{Code, Finding, Severity};
use sesgo_jades::{verify_jws, ContentDigest, Policy, VerifiedJws, VerifyOptions as JwsOptions};
use sesgo_provenance::flow::formats_of;
use sesgo_provenance::provenance::check_signer_agent;
use sesgo_provenance::signature::{read_signature, recheck_signature, ReadSignature};
use sesgo_provenance::signed_set::select;

/// What every stage reads: the trust anchors, the settings, the receiver's policy
/// constraints and the validation time.
pub(super) struct Ctx<'a> {
    pub trust: &'a TrustStore,
    /// Anchors of TSA certificates (`tsaTrustStore`, else the signer trust store).
    pub tsa_trust: &'a TrustStore,
    pub settings: &'a Settings,
    pub expected: Option<Policy>,
    pub accepted: Vec<Policy>,
    pub reference_time: i64,
    /// The local clock (revocation cache ages).
    pub now: i64,
    /// Revocation evidence given by the caller (`revocationEvidence`).
    pub evidence: &'a sesgo_revocation::EvidenceStore,
    /// The transport and cache of OCSP and CRL requests.
    pub route: &'a crate::network::Route,
}

/// One signature, verified.
pub(super) struct Done {
    pub report: SignatureReport,
    pub findings: Vec<Finding>,
    /// Bundle entries whose content this signature proves (content digest verified over
    /// a cryptographically valid JWS).
    pub covered_entries: Option<Vec<usize>>,
    /// The Provenance entry carrying this signature, once the JWS verified.
    pub container_entry: Option<usize>,
}

/// Findings and conclusions, stage by stage.
#[derive(Default)]
struct Log {
    stages: Vec<(Stage, StageStatus)>,
    findings: Vec<Finding>,
}

impl Log {
    /// Records a stage; returns whether it found no error.
    fn record(&mut self, stage: Stage, found: Vec<Finding>, indeterminate: bool) -> bool {
        let failed = found.iter().any(|f| f.severity().is_failure());
        let status = if failed {
            StageStatus::Failed
        } else if indeterminate {
            StageStatus::Indeterminate
        } else {
            StageStatus::Passed
        };
        self.stages.push((stage, status));
        self.findings.extend(found);
        !failed
    }

    fn status(&self, stage: Stage) -> StageStatus {
        self.stages
            .iter()
            .find(|(s, _)| *s == stage)
            .map_or(StageStatus::NotRun, |(_, st)| *st)
    }
}

/// A location inside the JWS carried at `base` (`Provenance.signature[0].data`,
/// `Signature.data`): `base#protected.x5c[0]`, `base#header.rRefs`, `base#signature`.
pub(super) fn jws_loc(base: &str, inner: &str) -> String {
    let inner = if inner == "signatures[0]" {
        ""
    } else {
        inner.strip_prefix("signatures[0].").unwrap_or(inner)
    };
    let in_protected = ["x5c", "x5t", "iat", "sigPId", "srCms", "alg", "crit", "kid"];
    if inner.is_empty() {
        base.to_owned()
    } else if inner.starts_with("certificate") {
        format!("{base}#protected.x5c[0]")
    } else if in_protected.iter().any(|p| inner.starts_with(p)) {
        format!("{base}#protected.{inner}")
    } else {
        format!("{base}#{inner}")
    }
}

/// `Provenance.target[0]` → `<location>.target[0]` for a Provenance found at `location`.
fn reroot(l: &str, prov: &ProvenanceRef<'_>) -> String {
    match l.strip_prefix("Provenance") {
        Some(rest) if prov.location != "Provenance" => format!("{}{rest}", prov.location),
        _ => l.to_owned(),
    }
}

impl Ctx<'_> {
    pub fn run(&self, job: &Job<'_>) -> Done {
        let mut log = Log::default();
        let mut report = SignatureReport {
            location: job.sig_loc.clone(),
            policy: None,
            strategy: None,
            signer: None,
            signing_time: None,
            signed_full_urls: Vec::new(),
            content_checked: false,
            binds_references: None,
            valid: false,
            stages: Vec::new(),
        };
        let mut covered_entries = None;
        // The JWS: in the Signature element, or given as Signature.data.
        let (base, read): (String, Option<ReadSignature>) = match job.signature {
            Some(sig) => match read_signature(sig, &job.sig_loc, None) {
                Ok(r) => (format!("{}.data", job.sig_loc), Some(r)),
                Err(e) => {
                    log.record(Stage::Jws, e.into_findings(), false);
                    return finish(log, report, None, None);
                }
            },
            None => (job.sig_loc.clone(), None),
        };
        let jws: &[u8] = match (&read, job.jws) {
            (Some(r), _) => &r.jws,
            (None, Some(j)) => j,
            (None, None) => &[],
        };
        let at = |f: Finding| f.map_locations(|l| jws_loc(&base, l));

        // Stage jws (FC, ISC, CV of the signature value).
        let jws_options = JwsOptions {
            certificates: Some(self.trust.certificates().clone()),
            ..JwsOptions::default()
        };
        let v = match sesgo_core::budget::phase(|| verify_jws(jws, &jws_options)) {
            Ok(v) => {
                log.record(Stage::Jws, Vec::new(), false);
                v
            }
            Err(e) => {
                log.record(
                    Stage::Jws,
                    e.into_findings().into_iter().map(at).collect(),
                    false,
                );
                // The structure of a supplied Bundle is still checked.
                if let (Some(b), Some(p)) = (job.bundle, &job.provenance) {
                    log.record(
                        Stage::Structure,
                        self.structure(Policy::default(), b, p),
                        false,
                    );
                }
                return finish(log, report, None, None);
            }
        };
        let policy = v.policy;
        report.policy = Some(policy.uri());
        report.strategy = Some(v.strategy.as_str());
        report.signing_time = v.iat;
        report.binds_references = Some(policy.profile().digest_framing.binds_references());

        log.record(Stage::Policy, self.policy(policy, &base), false);

        // Stages structure and content: only with the content.
        if let (Some(b), Some(p)) = (job.bundle, &job.provenance) {
            sesgo_core::budget::phase(|| {
                log.record(Stage::Structure, self.structure(policy, b, p), false);
                match select(b, p.value, &p.location) {
                    Ok(targets) => {
                        report.signed_full_urls =
                            targets.iter().map(|t| t.reference.to_owned()).collect();
                        let pairs: Vec<(&str, Node<'_>)> =
                            targets.iter().map(|t| (t.reference, t.resource)).collect();
                        let found = match policy.content_digest(&pairs) {
                            Ok(d) if d == v.payload => {
                                report.content_checked = true;
                                covered_entries =
                                    Some(targets.iter().map(|t| t.entry_index).collect());
                                Vec::new()
                            }
                            Ok(_) => {
                                report.content_checked = true;
                                vec![Finding::new(
                                Code::CryptoHashVerificationFailed,
                                "o conteúdo assinado não confere com o payload da assinatura (conteúdo alterado após a assinatura)",
                            )
                            .at(format!("{base}#payload"))
                            .at("Bundle.entry")]
                            }
                            Err(e) => e.into_findings(),
                        };
                        log.record(Stage::Content, found, false);
                    }
                    Err(e) => {
                        log.record(Stage::Content, e.into_findings(), false);
                    }
                }
            });
        } else {
            // Signature.data, a Signature or a Provenance alone: the signature is proven,
            // the content is not (SIGNED_DATA_NOT_FOUND).
            log.record(Stage::Content, Vec::new(), true);
        }

        // The timestamp token (strategy tsa) first: a valid token's genTime is the time
        // at which the chain and revocation are judged (issue 20).
        let stamp = self.stamp(&v);
        let judged_at = stamp
            .valid
            .as_ref()
            .map_or(self.reference_time, |t| t.gen_time);
        if report.signing_time.is_none() {
            report.signing_time = stamp.valid.as_ref().map(|t| t.gen_time);
        }
        // Stage chain (XCV): the chain to a pinned root and the leaf's eligibility.
        let (certs, validated) = self.chain(&v, policy, judged_at, &mut log, &at, &mut report);
        // Stage revocation (DECISIONS D5), on the validated chain only. The status is
        // judged as of the reference time even when a timestamp dates the signature
        // earlier: fail-closed (a certificate revoked since is reported).
        if let Some((found, undecided)) = revocation(self, policy, &v, validated.as_deref()) {
            log.record(
                Stage::Revocation,
                found.into_iter().map(at).collect(),
                undecided,
            );
        }
        // Stage time (SAV).
        let leaf = certs.as_ref().and_then(|c| c.first());
        let when = read
            .as_ref()
            .and_then(|r| sesgo_core::time::parse_instant(&r.when));
        log.record(
            Stage::Time,
            self.time(&v, certs.as_deref().unwrap_or_default(), &stamp, when)
                .into_iter()
                .map(at)
                .collect(),
            false,
        );
        // Stage signer (SAV): the Signature element against the JWS and the certificate.
        if let Some(r) = &read {
            let found = self.signer(job, r, &v, policy, leaf, &report);
            log.record(Stage::Signer, found, false);
        }
        let container = (log.status(Stage::Jws) == StageStatus::Passed)
            .then_some(job.container)
            .flatten();
        finish(log, report, covered_entries, container)
    }

    /// VCI: the policy is the expected one and one the receiver accepts.
    fn policy(&self, policy: Policy, base: &str) -> Vec<Finding> {
        let mut f = Vec::new();
        let loc = format!("{base}#protected.sigPId");
        if let Some(expected) = self.expected.filter(|e| *e != policy) {
            f.push(
                Finding::new(
                    Code::ValidationPolicyComplianceFailed,
                    format!(
                        "a assinatura declara a política '{}', mas a esperada é '{}'",
                        policy.uri(),
                        expected.uri()
                    ),
                )
                .at(loc.clone()),
            );
        }
        if !self.accepted.contains(&policy) {
            f.push(
                Finding::new(
                    Code::PolicyVersionUnsupported,
                    format!(
                        "política '{}' não aceita por este receptor (acceptedPolicies)",
                        policy.uri()
                    ),
                )
                .at(loc.clone()),
            );
        }
        if !policy.profile().digest_framing.binds_references() {
            f.push(
                Finding::new(
                    Code::PolicyVersionDeprecated,
                    "política 0.1: o digest não vincula os fullUrl nem Provenance.target; referências entre instâncias assinadas do mesmo tipo podem ser redirecionadas sem invalidar a assinatura (a política 0.2.0 as vincula)",
                )
                .with_severity(Severity::Information)
                .at(loc),
            );
        }
        f
    }

    /// FC: the guide's structural and reference rules on the Bundle and the Provenance
    /// (criar 1.4–1.9). Every error stays an error; only N1 is a warning when validating
    /// (DECISIONS D3).
    fn structure(&self, policy: Policy, b: Node<'_>, p: &ProvenanceRef<'_>) -> Vec<Finding> {
        match refs_options(policy, self.settings, true) {
            Ok(opts) => sesgo_refs::check(b, Some(p.value), &opts)
                .findings
                .into_iter()
                .map(|f| f.map_locations(|l| reroot(l, p)))
                .collect(),
            Err(e) => e.into_findings(),
        }
    }

    fn chain(
        &self,
        v: &VerifiedJws,
        policy: Policy,
        judged_at: i64,
        log: &mut Log,
        at: &dyn Fn(Finding) -> Finding,
        report: &mut SignatureReport,
    ) -> (Option<Vec<Certificate>>, Option<Vec<Certificate>>) {
        let s = self.settings;
        let mut validated = None;
        // Parsed once, by sesgo-cert, during JWS verification.
        let mut certs: Vec<Certificate> = v.certificates.clone();
        // criar 2.1 / IG-DIGEST §13: a chain that stops short of a root (a leaf alone) is
        // completed ("Montar cadeia") when the store completes chains online (AIA).
        let short = certs.last().is_some_and(|c| !c.is_self_issued());
        let completed = if short && self.trust.aia().is_some() {
            self.trust.complete_chain(&certs).map(|full| certs = full)
        } else {
            Ok(())
        };
        let mut found = match completed.and_then(|()| {
            validate_chain(
                &certs,
                self.trust,
                &ChainOptions {
                    reference_time: judged_at,
                    max_depth: s.max_chain_depth as usize,
                    near_expiry_days: s.near_expiry_threshold_days,
                },
            )
        }) {
            Ok(valid) => {
                validated = Some(valid.certificates.clone());
                valid.warnings
            }
            Err(e) => e.into_findings(),
        };
        if let Some(leaf) = certs.first() {
            found.extend(check_eligibility(
                leaf,
                policy.profile().eligibility,
                &EligibilityOptions {
                    reference_time: judged_at,
                    min_cert_issue_date: s.min_cert_issue_date,
                    near_expiry_days: s.near_expiry_threshold_days,
                },
            ));
            match Identity::from_certificate(leaf).signer_id() {
                Ok(id) => {
                    report.signer = Some(SignerReport {
                        system: id.system.to_owned(),
                        value: id.value,
                    })
                }
                Err(e) => found.extend(e.into_findings()),
            }
        }
        if found.iter().any(|f| f.severity().is_failure()) {
            validated = None;
        }
        log.record(Stage::Chain, found.into_iter().map(at).collect(), false);
        (Some(certs), validated)
    }

    /// SAV: the Signature element's own values per policy (DECISIONS D1; §17.8), `when`
    /// against `iat`, the signer against the certificate (criar 14.2), and under 0.2.0
    /// the Provenance's signer agent.
    fn signer(
        &self,
        job: &Job<'_>,
        read: &ReadSignature,
        v: &VerifiedJws,
        policy: Policy,
        leaf: Option<&Certificate>,
        report: &SignatureReport,
    ) -> Vec<Finding> {
        let mut f = Vec::new();
        let loc = &job.sig_loc;
        if let Some(sig) = job.signature {
            if let Err(e) = recheck_signature(sig, loc, Some(&formats_of(policy))) {
                f.extend(e.into_findings());
            }
        }
        if let Some(iat) = v.iat {
            if sesgo_provenance::instant_from_unix(iat).as_deref() != Some(read.when.as_str()) {
                f.push(
                    Finding::new(
                        Code::ValidationPolicyComplianceFailed,
                        format!("Signature.when '{}' não coincide com iat {iat}", read.when),
                    )
                    .at(format!("{loc}.when")),
                );
            }
        }
        let who = &read.who;
        if let (Some(id), Some(_)) = (&report.signer, leaf) {
            if id.system != who.system() || id.value != who.value() {
                f.push(
                    Finding::new(
                        Code::ValidationPolicyComplianceFailed,
                        format!(
                            "Signature.who.identifier {}|{} difere do certificado ({}|{})",
                            who.system(),
                            who.value(),
                            id.system,
                            id.value
                        ),
                    )
                    .at(format!("{loc}.who.identifier")),
                );
            }
        }
        if policy.profile().signer_agent.ensures_signer() {
            if let Some(p) = &job.provenance {
                f.extend(check_signer_agent(p.value, who, &p.location));
            }
        }
        f
    }
}

fn finish(
    log: Log,
    mut report: SignatureReport,
    covered_entries: Option<Vec<usize>>,
    container_entry: Option<usize>,
) -> Done {
    report.valid = !log.findings.iter().any(|f| f.severity().is_failure());
    report.stages = Stage::ALL.iter().map(|&s| (s, log.status(s))).collect();
    let covered_entries = covered_entries.filter(|_| log.status(Stage::Jws) == StageStatus::Passed);
    Done {
        report,
        findings: log.findings,
        covered_entries,
        container_entry,
    }
}
