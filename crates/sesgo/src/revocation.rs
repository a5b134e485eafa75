//! Revocation in both use cases (IG-DIGEST criar 2.8 and validar §5; DECISIONS D5): the
//! facts come from `sesgo-revocation` (OCSP preferred, CRL fallback, evidence given, the
//! cache, the network); this module turns them into findings under `revocationPolicy`,
//! builds the `rRefs` of policy 0.1 (criar Etapa 13) and checks them at validation.

use crate::network::Route;
use crate::settings::{OcspUnknown, RevocationPolicy, Settings};
use sesgo_cert::Certificate;
use sesgo_core::{Code, Finding, Result, Severity};
use sesgo_jades::RevocationRefs;
use sesgo_revocation::{
    check_chain, evaluate_crl, evaluate_ocsp, CertRevocation, Config, EvidenceItem, EvidenceKind,
    EvidenceStore, Origin, Status,
};
use std::path::Path;
use std::time::Duration;

/// Reads the evidence files and directories of `revocationEvidence`.
pub(crate) fn load_evidence(paths: &[String]) -> Result<EvidenceStore> {
    let mut store = EvidenceStore::new();
    for p in paths {
        store.add_path(Path::new(p))?;
    }
    Ok(store)
}

/// The check's configuration from the settings (timeouts and cache TTL enforced here).
pub(crate) fn config(s: &Settings, reference_time: i64, now: i64) -> Config {
    Config {
        reference_time,
        now,
        ocsp_timeout: Duration::from_secs(s.ocsp_timeout_secs.into()),
        crl_timeout: Duration::from_secs(s.crl_timeout_secs.into()),
        cache_ttl_secs: s.revocation_cache_ttl_secs.into(),
        nonce: true,
    }
}

/// Severity of an unobtainable status (DECISIONS D5).
pub(crate) fn unobtainable_severity(rp: RevocationPolicy) -> Severity {
    match rp {
        RevocationPolicy::Strict => Severity::Error,
        RevocationPolicy::SoftFail => Severity::Information,
        RevocationPolicy::Warn | RevocationPolicy::Off => Severity::Warning,
    }
}

fn instant(t: i64) -> String {
    sesgo_core::time::instant(t).unwrap_or_else(|| t.to_string())
}

fn source(e: &sesgo_revocation::Established) -> String {
    let kind = match e.evidence.kind {
        EvidenceKind::Ocsp => "resposta OCSP",
        EvidenceKind::Crl => "LCR",
    };
    match &e.origin {
        Origin::Given => format!("{kind} fornecida"),
        Origin::Cache(u) => format!("{kind} em cache de {u}"),
        Origin::Online(u) => format!("{kind} de {u}"),
    }
}

/// Findings about a chain's revocation facts.
pub(crate) struct Assessment {
    pub findings: Vec<Finding>,
    /// Some certificate's status was not established.
    pub undecided: bool,
    /// The evidence each established status rests on (one per certificate).
    pub used: Vec<EvidenceItem>,
}

/// Revoked is always an error; unknown is refused when signing and follows
/// `ocspUnknown` when validating; unobtainable follows `revocationPolicy`.
pub(crate) fn assess(
    results: &[CertRevocation],
    rp: RevocationPolicy,
    unknown: OcspUnknown,
    signing: bool,
) -> Assessment {
    let mut a = Assessment {
        findings: Vec::new(),
        undecided: false,
        used: Vec::new(),
    };
    for r in results {
        let at = format!("x5c[{}]", r.index);
        if let Some(e) = &r.established {
            if let Status::Revoked { time, reason } = &e.status {
                a.findings.push(
                    Finding::new(
                        Code::CertRevoked,
                        format!(
                            "certificado '{}' revogado em {} (motivo: {}), segundo {}",
                            r.subject,
                            instant(*time),
                            reason.unwrap_or("não informado"),
                            source(e)
                        ),
                    )
                    .at(at.clone()),
                );
            }
            if !a.used.contains(&e.evidence) {
                a.used.push(e.evidence.clone());
            }
            continue;
        }
        a.undecided = true;
        if let Some(e) = &r.unknown {
            let text = format!(
                "status do certificado '{}' desconhecido (unknown) para o respondedor OCSP ({}), e nenhuma LCR o estabeleceu",
                r.subject,
                source(e)
            );
            if signing || unknown == OcspUnknown::Revoked {
                a.findings.push(
                    Finding::new(Code::CertRevoked, format!("{text}: tratado como revogado"))
                        .at(at),
                );
            } else {
                a.findings.push(
                    Finding::new(Code::RevocationOcspInvalid, text)
                        .with_severity(Severity::Warning)
                        .at(at),
                );
            }
            continue;
        }
        let severity = unobtainable_severity(rp);
        for p in r.unobtainable() {
            a.findings.push(
                Finding::new(
                    p.code,
                    format!(
                        "status de revogação de '{}' não obtido: {}",
                        r.subject, p.detail
                    ),
                )
                .with_severity(severity)
                .at(at.clone()),
            );
        }
    }
    a
}

/// criar 2.8 and Etapa 13: the chain's status at the reference time; a revoked or
/// unknown-status certificate refuses the signature (`CERT.REVOKED`), an unobtainable one
/// follows `revocationPolicy`. Returns the findings that did not prevent signing and the
/// `rRefs` (SHA-512 of each OCSP response / CRL the statuses rest on).
pub(crate) fn for_signing(
    chain: &[Certificate],
    s: &Settings,
    evidence: &[String],
    reference_time: i64,
    now: i64,
    route: &Route,
) -> Result<(Vec<Finding>, RevocationRefs)> {
    if s.revocation_policy == RevocationPolicy::Off {
        // Explicitly off: nothing checked, no rRefs (the verifier reports their absence).
        return Ok((Vec::new(), RevocationRefs::default()));
    }
    let store = load_evidence(evidence)?;
    let results = check_chain(
        chain,
        &config(s, reference_time, now),
        &store,
        &*route.fetch,
        &route.revocation_cache,
    );
    let a = assess(&results, s.revocation_policy, OcspUnknown::Revoked, true);
    if let Some(e) = sesgo_core::Error::from_findings(a.findings.clone()) {
        return Err(e);
    }
    let der = |k: EvidenceKind| -> Vec<Vec<u8>> {
        a.used
            .iter()
            .filter(|i| i.kind == k)
            .map(|i| i.der.to_vec())
            .collect()
    };
    let refs = RevocationRefs::from_der(&der(EvidenceKind::Ocsp), &der(EvidenceKind::Crl));
    Ok((a.findings, refs))
}

/// validar §2/§5 for policy 0.1: the `rRefs` against the evidence given or retrieved.
///
/// - No `rRefs`: `VALIDATION.LTV-EVIDENCE-INVALID`, error under `strict`, warning
///   otherwise (DECISIONS D5).
/// - A reference whose evidence is at hand (given, or retrieved now) is checked at the
///   signing time: it must be a valid OCSP response / CRL about a certificate of the chain
///   (else `VALIDATION.LTV-EVIDENCE-INVALID`), and a revoked status is `CERT.REVOKED`.
/// - A reference matching nothing: when evidence was given, it does not match the
///   evidence (`VALIDATION.LTV-EVIDENCE-INVALID`, severity per `revocationPolicy`); when
///   the status came from the network, an information issue (the current status was
///   checked online; fresh responses never hash like the signer's).
pub(crate) fn check_rrefs(
    refs: Option<&RevocationRefs>,
    chain: &[Certificate],
    given: &EvidenceStore,
    used: &[EvidenceItem],
    signing_time: i64,
    rp: RevocationPolicy,
    cfg: &Config,
) -> Vec<Finding> {
    const H: &str = "signatures[0].header.rRefs";
    let severity = unobtainable_severity(rp);
    let Some(refs) = refs else {
        return vec![Finding::new(
            Code::ValidationLtvEvidenceInvalid,
            "assinatura sem evidências de revogação (rRefs) no cabeçalho não protegido",
        )
        .with_severity(severity)
        .at(H)];
    };
    let mut out = Vec::new();
    let available: Vec<&EvidenceItem> = given.items().iter().chain(used.iter()).collect();
    let mut at_signing = cfg.clone();
    at_signing.reference_time = signing_time;
    let mut unmatched = Vec::new();
    for (list, name, kind) in [
        (&refs.ocsp_sha512, "ocspRefs", EvidenceKind::Ocsp),
        (&refs.crl_sha512, "crlRefs", EvidenceKind::Crl),
    ] {
        for (k, digest) in list.iter().enumerate() {
            let loc = format!("{H}.{name}[{k}]");
            let Some(item) = available.iter().find(|i| i.sha512() == *digest) else {
                unmatched.push(loc);
                continue;
            };
            let bad = |detail: String| {
                Finding::new(
                    Code::ValidationLtvEvidenceInvalid,
                    format!("evidência referenciada em rRefs inválida: {detail}"),
                )
                .at(loc.clone())
            };
            if item.kind != kind {
                out.push(bad(format!(
                    "o resumo em {name} é de uma evidência de outro tipo"
                )));
                continue;
            }
            let mut about = false;
            for (i, (cert, issuer)) in chain.iter().zip(chain.iter().skip(1)).enumerate() {
                let r = match kind {
                    EvidenceKind::Ocsp => evaluate_ocsp(&item.der, cert, issuer, &at_signing, None),
                    EvidenceKind::Crl => evaluate_crl(&item.der, cert, issuer, &at_signing),
                };
                match r {
                    Ok(None) => continue,
                    Ok(Some((Status::Good, _, _))) => {}
                    Ok(Some((Status::Revoked { time, reason }, _, _))) => out.push(
                        Finding::new(
                            Code::CertRevoked,
                            format!(
                                "segundo a evidência referenciada em rRefs, x5c[{i}] foi revogado em {} (motivo: {})",
                                instant(time),
                                reason.unwrap_or("não informado")
                            ),
                        )
                        .at(format!("x5c[{i}]"))
                        .at(loc.clone()),
                    ),
                    Ok(Some((Status::Unknown, _, _))) => {
                        out.push(bad(format!("status unknown para x5c[{i}]")))
                    }
                    Err(p) => out.push(bad(p.detail)),
                }
                about = true;
                break;
            }
            if !about {
                out.push(bad("não trata de nenhum certificado da cadeia".into()));
            }
        }
    }
    for loc in unmatched {
        out.push(if given.is_empty() {
            Finding::new(
                Code::ValidationLtvEvidenceInvalid,
                "a evidência referenciada em rRefs não está disponível ao verificador (o status atual foi verificado online)",
            )
            .with_severity(Severity::Information)
            .at(loc)
        } else {
            Finding::new(
                Code::ValidationLtvEvidenceInvalid,
                "nenhuma evidência fornecida (revocationEvidence) nem obtida tem o resumo SHA-512 referenciado em rRefs",
            )
            .with_severity(severity)
            .at(loc)
        });
    }
    out
}
