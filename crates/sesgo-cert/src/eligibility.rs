//! Signing eligibility of a leaf certificate per signature-policy family (DECISIONS D1;
//! criar 2.5/2.6, validar 3.4–3.8, IG-DIGEST §17.7).

use sesgo_core::{Code, Finding, Severity};

use crate::cert::{Certificate, KeyAlgorithm};
use crate::identity::{Identity, CNPJ_SYSTEM, CPF_SYSTEM};

/// Default `minCertIssueDate` (2025-07-01T00:00:00Z).
pub const DEFAULT_MIN_CERT_ISSUE_DATE: i64 = 1_751_328_000;

/// The leaf-eligibility rule set of a signature policy (`V01`, `V020`): the policy
/// profile's fact, defined with the profiles in [`sesgo_core::policy`]
/// (`policy.profile().eligibility`).
pub use sesgo_core::policy::EligibilityRule as SignaturePolicyFamily;
use sesgo_core::policy::{CertificateTypeRule, KeySizeRule};

/// ICP-Brasil certificate type, from the policy OID arcs (DOC-ICP-04 Tabela 3; Res. 211/2024).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum CertificateType {
    A1,
    A2,
    A3,
    A4,
    S1,
    S2,
    S3,
    S4,
    T3,
    T4,
    /// Selo eletrônico em software, `2.16.76.1.2.201.n`.
    SeS,
    /// Selo eletrônico em hardware, `2.16.76.1.2.202.n`.
    SeH,
    /// `2.16.76.1.2.500.n`.
    CfeSat,
    /// `2.16.76.1.2.550.n`.
    OmBr,
    /// Another `2.16.76.1.*` policy.
    OtherIcp,
}

impl CertificateType {
    /// Short name (`A3`, `SE-S`, …).
    pub fn as_str(self) -> &'static str {
        use CertificateType::*;
        match self {
            A1 => "A1",
            A2 => "A2",
            A3 => "A3",
            A4 => "A4",
            S1 => "S1",
            S2 => "S2",
            S3 => "S3",
            S4 => "S4",
            T3 => "T3",
            T4 => "T4",
            SeS => "SE-S",
            SeH => "SE-H",
            CfeSat => "A CF-e-SAT",
            OmBr => "OM-BR",
            OtherIcp => "ICP-Brasil (outro)",
        }
    }
}

fn arcs(oid: &str) -> Option<Vec<u32>> {
    oid.split('.').map(|a| a.parse().ok()).collect()
}

/// Classifies a policy OID by its arcs (never by string prefix): `None` if not under `2.16.76.1`.
pub fn classify_policy(oid: &str) -> Option<CertificateType> {
    use CertificateType::*;
    let a = arcs(oid)?;
    if !a.starts_with(&[2, 16, 76, 1]) {
        return None;
    }
    if let [2, 16, 76, 1, 2, kind, _] = a.as_slice() {
        return Some(match kind {
            1 => A1,
            2 => A2,
            3 => A3,
            4 => A4,
            101 => S1,
            102 => S2,
            103 => S3,
            104 => S4,
            303 => T3,
            304 => T4,
            201 => SeS,
            202 => SeH,
            500 => CfeSat,
            550 => OmBr,
            _ => OtherIcp,
        });
    }
    Some(OtherIcp)
}

/// The leaf's ICP-Brasil policy and type: the first policy under `2.16.76.1.2` (end-entity
/// policies), else the first under `2.16.76.1`.
pub fn icp_policy(cert: &Certificate) -> Option<(String, CertificateType)> {
    let pols = cert.policy_oids();
    let pick = |p: &String| classify_policy(p).map(|t| (p.clone(), t));
    pols.iter()
        .filter(|p| {
            arcs(p)
                .map(|a| matches!(a.as_slice(), [2, 16, 76, 1, 2, _, _]))
                .unwrap_or(false)
        })
        .find_map(pick)
        .or_else(|| pols.iter().find_map(pick))
}

/// Options of [`check_eligibility`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EligibilityOptions {
    /// Reference time, unix seconds.
    pub reference_time: i64,
    /// `minCertIssueDate`, unix seconds (default 1751328000).
    pub min_cert_issue_date: i64,
    /// Near-expiry warning threshold, days (default 30).
    pub near_expiry_days: u32,
}

impl EligibilityOptions {
    /// Defaults at the given reference time.
    pub fn at(reference_time: i64) -> EligibilityOptions {
        EligibilityOptions {
            reference_time,
            min_cert_issue_date: DEFAULT_MIN_CERT_ISSUE_DATE,
            near_expiry_days: crate::chain::DEFAULT_NEAR_EXPIRY_DAYS,
        }
    }
}

const LOC: &str = "x5c[0]";

fn err(code: Code, msg: String) -> Finding {
    Finding::new(code, msg)
        .at(LOC)
        .with_severity(Severity::Error)
}

/// Checks whether `cert` may sign under `family`. Returns every finding (errors block signing;
/// `CERT.NEAR-EXPIRY` is a warning). Empty = eligible.
///
/// ```
/// # let pki = sesgo_cert::testpki::TestPki::shared();
/// use sesgo_cert::{check_eligibility, Certificate, EligibilityOptions, SignaturePolicyFamily};
/// let opts = EligibilityOptions::at(sesgo_cert::now_unix());
/// let a3 = Certificate::from_der(&pki.ecpf.der).unwrap();
/// assert!(check_eligibility(&a3, SignaturePolicyFamily::V020, &opts).is_empty());
/// let a1 = Certificate::from_der(&pki.ecpf_printable.der).unwrap();
/// let f = check_eligibility(&a1, SignaturePolicyFamily::V020, &opts);
/// assert_eq!(f[0].code().as_str(), "CERT.NOT-ICP-BRASIL");
/// ```
pub fn check_eligibility(
    cert: &Certificate,
    family: SignaturePolicyFamily,
    opts: &EligibilityOptions,
) -> Vec<Finding> {
    let mut f = Vec::new();
    let policy = icp_policy(cert);

    // Policy OID (criar 2.5, validar 3.4; 0.2.0: IG-DIGEST §17.7)
    match (family.certificate_types(), &policy) {
        (_, None) => f.push(err(
            Code::CertNotIcpBrasil,
            format!(
                "nenhuma política de certificado ICP-Brasil (2.16.76.1.*) no certificado: {:?}",
                cert.policy_oids()
            ),
        )),
        (CertificateTypeRule::SignatureAndSealTypes, Some((oid, t))) => {
            use CertificateType::*;
            if !matches!(t, A3 | A4 | SeS | SeH) {
                f.push(err(
                    Code::CertNotIcpBrasil,
                    format!("política {oid} ({}) não aceita pela política 0.2.0: apenas A3, A4, SE-S e SE-H", t.as_str()),
                ));
            }
            let icp_count = cert
                .policy_oids()
                .iter()
                .filter(|p| classify_policy(p).is_some())
                .count();
            if icp_count > 1 {
                f.push(err(
                    Code::CertNotIcpBrasil,
                    format!("o certificado deve ter exatamente uma política ICP-Brasil (tem {icp_count})"),
                ));
            }
        }
        (CertificateTypeRule::AnyIcpBrasil, Some(_)) => {}
    }

    // Key algorithm and size (validar 3.8; 0.2.0: RSA 2048, A4 2048/4096)
    match cert.key_algorithm() {
        KeyAlgorithm::Rsa { bits } if bits < 2048 => f.push(err(
            Code::CertWeakKey,
            format!("chave RSA de {bits} bits: mínimo 2048"),
        )),
        KeyAlgorithm::Rsa { bits } => match family.key_sizes() {
            KeySizeRule::AtLeast2048 => {}
            KeySizeRule::Exact2048OrA4With4096 => {
                let a4 = matches!(policy, Some((_, CertificateType::A4)));
                if !(bits == 2048 || (a4 && bits == 4096)) {
                    f.push(err(
                        Code::CertUnsupportedAlgorithm,
                        format!("chave RSA de {bits} bits não aceita pela política 0.2.0 (2048; A4: 2048 ou 4096)"),
                    ));
                }
            }
        },
        other => f.push(err(
            Code::CertUnsupportedAlgorithm,
            format!("algoritmo de chave {other} não suportado: apenas RSA (RS256)"),
        )),
    }

    // Key usage (criar 2.5: 0.1 requires digitalSignature + nonRepudiation; 0.2.0 digitalSignature)
    let ku = cert.key_usage();
    let ds = ku.map(|k| k.digital_signature).unwrap_or(false);
    let nr = ku.map(|k| k.non_repudiation).unwrap_or(false);
    if !ds {
        f.push(err(
            Code::CertNotIcpBrasil,
            "keyUsage sem digitalSignature: certificado não serve para assinatura".into(),
        ));
    }
    if family.requires_non_repudiation() && !nr {
        f.push(err(
            Code::CertNotIcpBrasil,
            "keyUsage sem nonRepudiation (exigido pela política 0.1, criar 2.5)".into(),
        ));
    }
    if family.refuses_ca() && cert.is_ca() {
        f.push(err(
            Code::CertNotIcpBrasil,
            "certificado de AC (basicConstraints cA) não pode assinar".into(),
        ));
    }

    // Dates (criar 2.6, validar 3.5/3.6)
    if cert.not_before() < opts.min_cert_issue_date {
        f.push(err(
            Code::CertIssueDateTooOld,
            format!(
                "emitido em {} antes de minCertIssueDate {}",
                crate::time::rfc3339(cert.not_before()),
                crate::time::rfc3339(opts.min_cert_issue_date)
            ),
        ));
    }
    let t = opts.reference_time;
    if t < cert.not_before() {
        f.push(err(
            Code::CertNotYetValid,
            format!(
                "válido somente a partir de {}",
                crate::time::rfc3339(cert.not_before())
            ),
        ));
    } else if t > cert.not_after() {
        f.push(err(
            Code::CertExpired,
            format!("expirou em {}", crate::time::rfc3339(cert.not_after())),
        ));
    } else if cert.not_after() - t < i64::from(opts.near_expiry_days) * 86_400 {
        f.push(
            Finding::new(
                Code::CertNearExpiry,
                format!("expira em {}", crate::time::rfc3339(cert.not_after())),
            )
            .at(LOC)
            .with_severity(Severity::Warning),
        );
    }

    // Identity (criar 14.2; 0.2.0: type-bound, all values agree, check digits valid)
    let id = Identity::from_certificate(cert);
    match id.signer_id() {
        Err(e) => f.extend(e.into_findings().into_iter().map(|x| x.at(LOC))),
        Ok(who) if family.identity_bound_to_type() => {
            let expected = match policy {
                Some((_, CertificateType::A3 | CertificateType::A4)) => Some(CPF_SYSTEM),
                Some((_, CertificateType::SeS | CertificateType::SeH)) => Some(CNPJ_SYSTEM),
                _ => None,
            };
            if let Some(exp) = expected {
                if who.system != exp {
                    f.push(err(
                        Code::CertMissingIdentification,
                        format!(
                            "o tipo de certificado exige identificação {exp}, encontrado {}",
                            who.system
                        ),
                    ));
                }
            }
            for d in id
                .findings
                .iter()
                .filter(|d| d.code() == Code::CertMissingIdentification)
            {
                f.push(err(
                    Code::CertMissingIdentification,
                    d.diagnostics().to_string(),
                ));
            }
        }
        Ok(_) => {}
    }
    f
}
