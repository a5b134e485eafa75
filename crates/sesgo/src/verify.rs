//! Caso de uso *validar assinatura* (IG-DIGEST §3), end to end.

use crate::clock::{Clock, SystemClock};
use crate::options::{from_json, parse_policy};
use crate::settings::{check_reference_time, RevocationPolicy, Settings};
use crate::sign::{dedup, family, parse_json, refs_options};
use crate::signer::TrustStore;
use base64ct::{Base64, Encoding};
use serde::{Deserialize, Serialize};
use sesgo_cert::{
    check_eligibility, validate_chain, Certificate, ChainOptions, EligibilityOptions, Identity,
};
use sesgo_core::json::Value;
use sesgo_core::{Code, Error, Finding, OperationOutcome, Result, Severity};
use sesgo_jades::{verify_jws, Family, Policy, Strategy, VerifyOptions as JwsOptions};
use sesgo_provenance::flow::{formats_of, verification_inputs};
use sesgo_provenance::provenance::check_signer_agent;
use sesgo_provenance::signature::{read_signature, recheck_signature, SignerIdentifier};
use sesgo_provenance::signed_set::select;

/// Options of [`verify`] (JSON: camelCase, unknown members refused; all optional).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct VerifyOptions {
    /// The policy the signature must follow (validar input 4); when absent, the policy
    /// the signature declares, if supported.
    pub policy: Option<String>,
    /// Reference timestamp for every temporal check (validar input 3); default: now.
    pub reference_time: Option<i64>,
    /// Operational settings (validar input 2): thresholds, revocation policy, limits.
    pub settings: Settings,
}

impl VerifyOptions {
    /// Parses the JSON form (empty = defaults) and validates the settings.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        let o: VerifyOptions = from_json(json, "options")?;
        o.settings.validate()?;
        Ok(o)
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
    /// with a Signature or Provenance, it is the content for the integrity check.
    pub bundle: Option<&'a [u8]>,
}

/// The result of [`verify`]: an OperationOutcome (`VALIDATION.SUCCESS` plus warnings, or
/// every error found, located) and whether the signature is valid.
#[derive(Clone, Debug)]
pub struct Verification {
    /// The outcome (profile `operation-outcome-assinatura`).
    pub outcome: OperationOutcome,
    /// True when no finding is an error or fatal.
    pub valid: bool,
}

impl Verification {
    /// `{"valid": bool, "outcome": OperationOutcome}` as JSON (the bindings' form).
    pub fn to_json(&self) -> String {
        format!(
            "{{\"valid\":{},\"outcome\":{}}}",
            self.valid,
            self.outcome.to_json()
        )
    }
}

/// Verifies with the system clock. See [`verify_with_clock`]; [`sign`](crate::sign)
/// shows a full round trip.
///
/// An unusable input is an `Err`; a signature that does not hold is `Ok` with
/// `valid == false` and the reasons in the outcome:
///
/// ```
/// use sesgo::{Code, TrustStore, VerifyInput, VerifyOptions};
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
/// signed content is reported in the returned outcome.
pub fn verify_with_clock(
    input: &VerifyInput<'_>,
    trust: &TrustStore,
    options: &VerifyOptions,
    clock: &dyn Clock,
) -> Result<Verification> {
    // validar §1: inputs and configuration.
    let s = &options.settings;
    s.validate()?;
    let expected = match options.policy.as_deref() {
        Some(p) => Some(parse_policy(Some(p))?),
        None => None,
    };
    let now = clock.now();
    let reference_time = options.reference_time.unwrap_or(now);
    check_reference_time(reference_time, now)?;
    let ctx = Ctx {
        trust,
        settings: s,
        expected,
        reference_time,
    };

    let bundle = match input.bundle {
        Some(b) => Some(parse_json(
            b,
            "Bundle",
            s.max_bundle_bytes,
            Code::SecurityBundleMemoryLimitExceeded,
        )?),
        None => None,
    };
    let provenance = match input.provenance {
        Some(p) => Some(parse_json(
            p,
            "Provenance",
            s.max_bundle_bytes,
            Code::FormatResourceTooLarge,
        )?),
        None => None,
    };
    let signature = match input.signature {
        Some(p) => Some(parse_json(
            p,
            "Signature",
            8 << 20,
            Code::FormatResourceTooLarge,
        )?),
        None => None,
    };

    let mut findings = Vec::new();
    let mut summaries = Vec::new();
    if let Some(data) = input.signature_data {
        let jws = Base64::decode_vec(data.trim()).map_err(|_| {
            Error::new(
                Code::FormatBase64Invalid,
                "Signature.data não é Base64 padrão válido",
            )
            .at("Signature.data")
        })?;
        let content = content_of(bundle.as_ref(), provenance.as_ref(), &mut findings);
        ctx.one(
            &jws,
            None,
            provenance.as_ref(),
            content,
            "",
            &mut findings,
            &mut summaries,
        );
    } else if let Some(sig) = &signature {
        let content = content_of(bundle.as_ref(), provenance.as_ref(), &mut findings);
        ctx.signature(
            sig,
            "Signature",
            provenance.as_ref(),
            content,
            &mut findings,
            &mut summaries,
        );
    } else if let Some(prov) = &provenance {
        let sigs: &[Value] = prov["signature"].as_array().map_or(&[], Vec::as_slice);
        if sigs.len() != 1 {
            findings.push(
                Finding::new(
                    Code::FormatSignatureMissing,
                    format!("Provenance com {} assinaturas; o perfil conteudo-assinado exige exatamente 1", sigs.len()),
                )
                .at("Provenance.signature"),
            );
        } else {
            let content = content_of(bundle.as_ref(), Some(prov), &mut findings);
            ctx.signature(
                &sigs[0],
                "Provenance.signature[0]",
                Some(prov),
                content,
                &mut findings,
                &mut summaries,
            );
        }
    } else if let Some(b) = &bundle {
        match verification_inputs(b) {
            Err(e) => findings.extend(e.into_findings()),
            Ok(list) => {
                for vi in list {
                    let content = match &vi.targets {
                        Ok(t) => Some(Content {
                            bundle: b,
                            targets: t
                                .iter()
                                .map(|x| (x.reference.to_owned(), x.entry_index))
                                .collect(),
                        }),
                        Err(e) => {
                            findings.extend(e.clone().into_findings());
                            None
                        }
                    };
                    let loc = format!("{}.signature[0]", vi.location);
                    ctx.signature(
                        vi.signature,
                        &loc,
                        Some(vi.provenance),
                        content,
                        &mut findings,
                        &mut summaries,
                    );
                }
            }
        }
    } else {
        return Err(Error::new(
            Code::ConfigMissingParameter,
            "nada a verificar: informe Signature.data, uma Signature, um Provenance assinado ou um Bundle",
        ));
    }

    dedup(&mut findings);
    let valid = !findings.iter().any(|f| f.severity().is_failure());
    let outcome = if valid {
        OperationOutcome::success(summaries.join(" | "), findings)
    } else {
        OperationOutcome::new(findings)
    };
    Ok(Verification { outcome, valid })
}

/// The signed content for the integrity check: the Bundle and the signed set's
/// (reference, entry index) pairs in target order.
struct Content<'a> {
    bundle: &'a Value,
    targets: Vec<(String, usize)>,
}

fn content_of<'a>(
    bundle: Option<&'a Value>,
    provenance: Option<&Value>,
    findings: &mut Vec<Finding>,
) -> Option<Content<'a>> {
    let (b, p) = (bundle?, provenance?);
    match select(b, p, "Provenance") {
        Ok(t) => Some(Content {
            bundle: b,
            targets: t
                .iter()
                .map(|x| (x.reference.to_owned(), x.entry_index))
                .collect(),
        }),
        Err(e) => {
            findings.extend(e.into_findings());
            None
        }
    }
}

struct Ctx<'a> {
    trust: &'a TrustStore,
    settings: &'a Settings,
    expected: Option<Policy>,
    reference_time: i64,
}

impl Ctx<'_> {
    #[allow(clippy::too_many_arguments)]
    fn signature(
        &self,
        sig: &Value,
        loc: &str,
        provenance: Option<&Value>,
        content: Option<Content<'_>>,
        findings: &mut Vec<Finding>,
        summaries: &mut Vec<String>,
    ) {
        let read = match read_signature(sig, loc, None) {
            Ok(r) => r,
            Err(e) => {
                findings.extend(e.into_findings());
                return;
            }
        };
        let who = read.who.clone();
        let at = format!("{loc}.data");
        if let Some((policy, iat)) = self.one(
            &read.jws,
            Some(&who),
            provenance,
            content,
            &at,
            findings,
            summaries,
        ) {
            // The Signature element's own values per policy (DECISIONS D1; §17.8).
            // (`data` was decoded by the first read: not decoded again.)
            if let Err(e) = recheck_signature(sig, loc, Some(&formats_of(policy))) {
                findings.extend(e.into_findings());
            }
            // assinatura-avancada: `when` must coincide with the JWS signing time.
            if let Some(iat) = iat {
                if sesgo_provenance::instant_from_unix(iat).as_deref() != Some(read.when.as_str()) {
                    findings.push(
                        Finding::new(
                            Code::ValidationPolicyComplianceFailed,
                            format!("Signature.when '{}' não coincide com iat {iat}", read.when),
                        )
                        .at(format!("{loc}.when")),
                    );
                }
            }
            if policy.family() == Family::V020 {
                if let Some(p) = provenance {
                    let ploc = loc.split(".signature").next().unwrap_or("Provenance");
                    findings.extend(check_signer_agent(p, &who, ploc));
                }
            }
        }
    }

    /// Verifies one JWS; returns its policy and `iat` when the JWS could be read.
    #[allow(clippy::too_many_arguments)]
    fn one(
        &self,
        jws: &[u8],
        who: Option<&SignerIdentifier>,
        provenance: Option<&Value>,
        content: Option<Content<'_>>,
        loc: &str,
        findings: &mut Vec<Finding>,
        summaries: &mut Vec<String>,
    ) -> Option<(Policy, Option<i64>)> {
        let prefix = |f: Finding| if loc.is_empty() { f } else { f.nested_in(loc) };
        // validar §2, §4 (structure, header, signature).
        let v = match verify_jws(
            jws,
            &JwsOptions {
                expected_policy: self.expected,
                ..Default::default()
            },
        ) {
            Ok(v) => v,
            Err(e) => {
                findings.extend(e.into_findings().into_iter().map(prefix));
                return None;
            }
        };
        let policy = v.policy;
        let s = self.settings;
        // validar §opcional: the digest recomputed from the content.
        if let Some(c) = content {
            let pairs: Vec<(&str, &Value)> = c
                .targets
                .iter()
                .map(|(r, i)| (r.as_str(), &c.bundle["entry"][*i]["resource"]))
                .collect();
            match policy.content_digest(&pairs) {
                Ok(d) if d == v.payload => {}
                Ok(_) => findings.push(
                    Finding::new(
                        Code::CryptoHashVerificationFailed,
                        "o conteúdo assinado não confere com o payload da assinatura (conteúdo alterado após a assinatura)",
                    )
                    .at("Bundle.entry"),
                ),
                Err(e) => findings.extend(e.into_findings()),
            }
            // Need N1 as a warning when validating (DECISIONS D3).
            if let (Some(p), Ok(opts)) = (provenance, refs_options(policy, s, true)) {
                let report = sesgo_refs::check(c.bundle, Some(p), &opts);
                findings.extend(
                    report
                        .findings
                        .into_iter()
                        .filter(|f| !f.severity().is_failure()),
                );
            }
        }
        // validar §3: chain, trust, eligibility.
        let certs: Vec<Certificate> = match v
            .x5c_der
            .iter()
            .enumerate()
            .map(|(i, d)| Certificate::from_der(d).map_err(|e| e.at(format!("x5c[{i}]"))))
            .collect()
        {
            Ok(c) => c,
            Err(e) => {
                findings.extend(e.into_findings().into_iter().map(prefix));
                return Some((policy, v.iat));
            }
        };
        match validate_chain(
            &certs,
            self.trust,
            &ChainOptions {
                reference_time: self.reference_time,
                max_depth: s.max_chain_depth as usize,
                near_expiry_days: s.near_expiry_threshold_days,
            },
        ) {
            Ok(valid) => findings.extend(valid.warnings),
            Err(e) => findings.extend(e.into_findings()),
        }
        if let Some(leaf) = certs.first() {
            findings.extend(
                check_eligibility(
                    leaf,
                    family(policy),
                    &EligibilityOptions {
                        reference_time: self.reference_time,
                        min_cert_issue_date: s.min_cert_issue_date,
                        near_expiry_days: s.near_expiry_threshold_days,
                    },
                )
                .into_iter()
                .map(|f| f.nested_in("x5c[0]")),
            );
            // The Signature's signer is the certificate's (criar 14.2).
            if let Some(who) = who {
                match Identity::from_certificate(leaf).signer_id() {
                    Ok(id) if id.system == who.system() && id.value == who.value() => {}
                    Ok(id) => findings.push(
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
                        .at("Signature.who.identifier"),
                    ),
                    Err(e) => findings.extend(e.into_findings()),
                }
            }
            // validar §6: signing time.
            if let Some(iat) = v.iat {
                if iat < leaf.not_before() || iat > leaf.not_after() {
                    findings.push(
                        Finding::new(
                            Code::TemporalIatOutOfCertPeriod,
                            format!(
                                "iat {iat} fora da validade do certificado [{}, {}]",
                                leaf.not_before(),
                                leaf.not_after()
                            ),
                        )
                        .at("signatures[0].protected.iat"),
                    );
                }
                // iat after the reference time: beyond the ±300 s tolerance an error, within
                // it a warning (docs/adr/0004).
                if iat > self.reference_time + crate::MAX_CLOCK_SKEW_SECS {
                    findings.push(
                        Finding::new(
                            Code::TemporalIatInvalid,
                            format!(
                                "iat {iat} posterior ao timestamp de referência {}",
                                self.reference_time
                            ),
                        )
                        .at("signatures[0].protected.iat"),
                    );
                } else if iat > self.reference_time {
                    findings.push(
                        Finding::new(
                            Code::TemporalClockSkewDetected,
                            format!(
                                "iat {iat} adiante do timestamp de referência {}",
                                self.reference_time
                            ),
                        )
                        .at("signatures[0].protected.iat"),
                    );
                }
                let age_days = (self.reference_time - iat) / 86_400;
                if age_days > i64::from(s.signature_age_threshold_days) {
                    findings.push(
                        Finding::new(
                            Code::TemporalSignatureTooOld,
                            format!(
                                "assinatura com {age_days} dias (limite {})",
                                s.signature_age_threshold_days
                            ),
                        )
                        .at("signatures[0].protected.iat"),
                    );
                }
            }
        }
        if v.strategy == Strategy::Tsa || v.timestamp_token.is_some() {
            findings.push(
                Finding::new(
                    Code::TsaValidationFailed,
                    "validação de carimbo de tempo RFC 3161 ainda não suportada por esta versão",
                )
                .at("signatures[0].header"),
            );
        }
        // validar §5 / DECISIONS D5: revocation.
        findings.extend(revocation(
            policy,
            v.revocation_refs.is_some(),
            s.revocation_policy,
        ));
        summaries.push(format!(
            "alg=RS256; policy={}; strategy={}{}",
            policy.uri(),
            v.strategy.as_str(),
            v.iat.map(|t| format!("; iat={t}")).unwrap_or_default()
        ));
        Some((policy, v.iat))
    }
}

/// Revocation until online OCSP/CRL checking lands: the status is unobtainable, which
/// `revocationPolicy` turns into an error, information or warning (DECISIONS D5).
fn revocation(policy: Policy, has_rrefs: bool, rp: RevocationPolicy) -> Vec<Finding> {
    let severity = match rp {
        RevocationPolicy::Strict => Severity::Error,
        RevocationPolicy::SoftFail => Severity::Information,
        RevocationPolicy::Warn | RevocationPolicy::Off => Severity::Warning,
    };
    if rp == RevocationPolicy::Off {
        return vec![Finding::new(
            Code::RevocationNoConnectivity,
            "revogação não verificada (revocationPolicy=off)",
        )
        .with_severity(Severity::Warning)
        .at("x5c")];
    }
    let mut out = Vec::new();
    if policy.family() == Family::V01 && !has_rrefs {
        out.push(
            Finding::new(
                Code::ValidationLtvEvidenceInvalid,
                "assinatura sem evidências de revogação (rRefs) no cabeçalho não protegido",
            )
            .with_severity(severity)
            .at("signatures[0].header.rRefs"),
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
    out
}
