//! Credentialing report (IG "Requisitar credenciamento"): what an establishment's manager needs
//! to register a certificate on the SES-GO credentialing portal.

use serde_json::{json, Value};
use sesgo_core::Finding;

use crate::cert::Certificate;
use crate::eligibility::{
    check_eligibility, icp_policy, EligibilityOptions, SignaturePolicyFamily,
};
use crate::identity::{Identity, SignerId};

/// Report on one certificate.
#[derive(Debug, Clone)]
pub struct CredentialingReport {
    /// The certificate.
    pub certificate: Certificate,
    /// Identity read from the certificate.
    pub identity: Identity,
    /// Signer identifier, if derivable.
    pub signer_id: Option<SignerId>,
    /// ICP-Brasil policy OID and certificate type (`A3`, `SE-S`, …).
    pub policy: Option<(String, String)>,
    /// Eligibility findings per family (empty = eligible).
    pub eligibility: Vec<(SignaturePolicyFamily, Vec<Finding>)>,
    /// Reference time used, unix seconds.
    pub reference_time: i64,
}

/// Builds the credentialing report of `cert` at `opts.reference_time`.
///
/// ```
/// # let pki = sesgo_cert::testpki::TestPki::shared();
/// use sesgo_cert::{credentialing_report, Certificate, EligibilityOptions};
/// let cert = Certificate::from_der(&pki.ecnpj.der).unwrap();
/// let r = credentialing_report(&cert, &EligibilityOptions::at(sesgo_cert::now_unix()));
/// let j = r.to_json();
/// assert_eq!(j["identity"]["signer"]["system"], "urn:brasil:cnpj");
/// assert_eq!(j["certificateType"], "A1");
/// assert_eq!(j["eligibility"]["0.1"]["eligible"], true);
/// assert_eq!(j["eligibility"]["0.2.0"]["eligible"], false);
/// assert!(j["pem"].as_str().unwrap().starts_with("-----BEGIN CERTIFICATE-----"));
/// ```
pub fn credentialing_report(cert: &Certificate, opts: &EligibilityOptions) -> CredentialingReport {
    let identity = Identity::from_certificate(cert);
    let signer_id = identity.signer_id().ok();
    CredentialingReport {
        certificate: cert.clone(),
        signer_id,
        identity,
        policy: icp_policy(cert).map(|(o, t)| (o, t.as_str().to_string())),
        eligibility: SignaturePolicyFamily::ALL
            .iter()
            .map(|f| (*f, check_eligibility(cert, *f, opts)))
            .collect(),
        reference_time: opts.reference_time,
    }
}

fn finding_json(f: &Finding) -> Value {
    json!({
        "code": f.code().as_str(),
        "severity": f.severity().as_str(),
        "diagnostics": f.diagnostics(),
        "location": f.locations(),
    })
}

fn person_json(p: &crate::identity::PersonData) -> Value {
    json!({
        "birthDate": p.birth_date, "cpf": p.cpf, "nis": p.nis, "rg": p.rg,
        "rgIssuer": p.rg_issuer, "rgUf": p.rg_uf,
        "encoding": p.encoding.map(|e| format!("{e:?}")),
    })
}

impl CredentialingReport {
    /// JSON rendering (camelCase members).
    pub fn to_json(&self) -> Value {
        let c = &self.certificate;
        let id = &self.identity;
        let eku = c.extended_key_usage();
        let mut elig = serde_json::Map::new();
        for (fam, findings) in &self.eligibility {
            let eligible = !findings.iter().any(|f| f.severity().is_failure());
            elig.insert(
                fam.as_str().to_string(),
                json!({ "eligible": eligible, "findings": findings.iter().map(finding_json).collect::<Vec<_>>() }),
            );
        }
        json!({
            "subject": c.subject(),
            "issuer": c.issuer(),
            "serialNumber": c.serial_hex(),
            "certificateType": self.policy.as_ref().map(|p| p.1.clone()),
            "policyOid": self.policy.as_ref().map(|p| p.0.clone()),
            "policies": c.policies(),
            "keyAlgorithm": c.key_algorithm().to_string(),
            "signatureAlgorithm": c.signature_algorithm(),
            "keyUsage": c.key_usage().map(|k| json!({"values": k.names(), "critical": k.critical})),
            "extendedKeyUsage": eku.map(|(v, crit)| json!({"values": v, "critical": crit})),
            "validity": {
                "notBefore": crate::time::rfc3339(c.not_before()),
                "notAfter": crate::time::rfc3339(c.not_after()),
                "referenceTime": crate::time::rfc3339(self.reference_time),
                "daysRemaining": (c.not_after() - self.reference_time).div_euclid(86_400),
            },
            "fingerprints": { "sha1": c.sha1_hex(), "sha256": c.sha256_hex() },
            "identity": {
                "signer": self.signer_id.as_ref().map(|s| json!({"system": s.system, "value": s.value})),
                "person": id.person.as_ref().map(person_json),
                "responsible": id.responsible.as_ref().map(person_json),
                "responsibleName": id.responsible_name,
                "cnpj": id.cnpj,
                "companyName": id.company_name,
                "ceiPerson": id.cei_person,
                "ceiCompany": id.cei_company,
                "voterId": id.voter_id.as_ref().map(|v| json!({"number": v.number, "zone": v.zone, "section": v.section, "municipalityUf": v.municipality_uf})),
                "subjectSerialNumber": id.subject_serial_number,
                "cnName": id.cn_name,
                "cnDocument": id.cn_document,
                "findings": id.findings.iter().map(finding_json).collect::<Vec<_>>(),
            },
            "eligibility": elig,
            "pem": c.to_pem(),
        })
    }
}
