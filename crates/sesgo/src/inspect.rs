//! Certificate inspection for credentialing (IG "Requisitar credenciamento", seed 000):
//! identity, type, policy, key, validity, fingerprints, eligibility per policy and the
//! public certificate in PEM.

use crate::options::from_json;
use serde::{Deserialize, Serialize};
use sesgo_cert::{
    credentialing_report, validate_chain, Certificate, ChainOptions, Credentials,
    EligibilityOptions,
};
use sesgo_core::json::Value;
use sesgo_core::Result;

/// Options of [`inspect_certificate`] (JSON: camelCase, unknown members refused).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct InspectOptions {
    /// Reference time for validity and eligibility, Unix seconds; default: now.
    pub reference_time: Option<i64>,
    /// PKCS#12 only: the alias (friendlyName) of the key whose certificate to inspect.
    pub alias: Option<String>,
}

impl InspectOptions {
    /// Parses the JSON form (empty = defaults).
    pub fn from_json(json: &[u8]) -> Result<Self> {
        from_json(json, "options")
    }
}

/// Reports on a certificate given as DER, PEM, or — when `password` is given — a PKCS#12
/// (whose leaf is reported, with the subjects of the rest of its chain under `chain`).
///
/// The report (camelCase JSON) has `subject`, `issuer`, `serialNumber`, `certificateType`,
/// `policyOid`, `keyAlgorithm`, `keyUsage`, `validity`, `fingerprints`, `identity` (with the
/// `signer` identifier the guide derives), `eligibility` per policy family (`0.1`, `0.2.0`)
/// with its findings, and `pem`.
///
/// Failures: `CERT.INVALID-FORMAT`, `FORMAT.CERT-PEM-INVALID`, and for PKCS#12 the
/// credential codes (`CRYPTO.KEY-INACCESSIBLE` for a wrong password, …).
///
/// ```
/// let (_, pem) = sesgo_cert::EMBEDDED_ICP_ROOTS
///     .iter()
///     .find(|(name, _)| *name == "ICP-Brasilv5")
///     .unwrap();
/// let report = sesgo::inspect_certificate(pem.as_bytes(), None, &sesgo::InspectOptions {
///     reference_time: Some(1_767_225_600), // 2026-01-01
///     ..Default::default()
/// }).unwrap();
/// assert_eq!(
///     report.get("fingerprints").and_then(|f| f.get("sha256")).and_then(|v| v.as_str()),
///     Some("caa53fc6091c6951887c976e378f6ef89aa6377c55d97b6475422b71ed7e9b17"),
/// );
/// ```
pub fn inspect_certificate(
    input: &[u8],
    password: Option<&str>,
    options: &InspectOptions,
) -> Result<Value> {
    inspect_certificate_with_trust(
        input,
        password,
        options,
        &sesgo_cert::TrustStore::icp_brasil_default(),
    )
}

/// [`inspect_certificate`] against a given trust store. The report's `trust` member says,
/// separately from `eligibility` (which judges only the certificate's own content),
/// whether the certificate chains to a root of `trust` at the reference time:
/// `{"trusted": bool, "rootSha256": hex|null, "chain": [subject…], "findings": [{"code",
/// "severity", "location", "diagnostics"}…]}`. A certificate can be eligible and not
/// trusted (a test PKI under the default ICP-Brasil roots): signing with it fails with
/// `CERT.NOT-ICP-BRASIL` (docs/adr/0053).
pub fn inspect_certificate_with_trust(
    input: &[u8],
    password: Option<&str>,
    options: &InspectOptions,
    trust: &sesgo_cert::TrustStore,
) -> Result<Value> {
    if let Some(t) = options.reference_time {
        crate::settings::check_reference_range(t, "options.referenceTime")?;
    }
    let reference_time = options
        .reference_time
        .unwrap_or_else(sesgo_core::time::now_unix);
    let opts = EligibilityOptions::at(reference_time);
    let (cert, rest) = match password {
        Some(pw) => {
            let creds = Credentials::from_pkcs12(input, pw, options.alias.as_deref())?;
            let chain = creds.chain().to_vec();
            let leaf = creds.leaf().clone();
            (leaf, chain.into_iter().skip(1).collect::<Vec<_>>())
        }
        None => {
            let cert = if input.windows(11).any(|w| w == b"-----BEGIN ") {
                Certificate::from_pem(input)?
            } else {
                Certificate::from_der(input)?
            };
            (cert, Vec::new())
        }
    };
    let trust_report = trust_of(&cert, &rest, trust, reference_time);
    let mut report = credentialing_report(&cert, &opts).to_json();
    if let Some(o) = report.as_object_mut() {
        o.insert("trust".to_string(), trust_report);
        o.insert(
            "chain".to_string(),
            serde_json::Value::Array(
                rest.iter()
                    .map(|c| serde_json::Value::String(c.subject()))
                    .collect(),
            ),
        );
    }
    Ok(Value::from_serde(&report))
}

/// The `trust` member of the report: the chain completed from `rest` and the store's
/// pool, validated against the store's roots at `reference_time`.
fn trust_of(
    leaf: &Certificate,
    rest: &[Certificate],
    trust: &sesgo_cert::TrustStore,
    reference_time: i64,
) -> serde_json::Value {
    use serde_json::json;
    let finding = |f: &sesgo_core::Finding| {
        json!({
            "code": f.code().as_str(),
            "severity": f.severity().as_str(),
            "location": f.locations(),
            "diagnostics": f.diagnostics(),
        })
    };
    let mut given = vec![leaf.clone()];
    given.extend(rest.iter().cloned());
    let validated = trust.complete_chain(&given).and_then(|chain| {
        let names: Vec<String> = chain.iter().map(Certificate::subject).collect();
        validate_chain(&chain, trust, &ChainOptions::at(reference_time)).map(|v| (v, names))
    });
    match validated {
        Ok((v, names)) => json!({
            "trusted": true,
            "rootSha256": v.root_sha256,
            "chain": names,
            "findings": v.warnings.iter().map(finding).collect::<Vec<_>>(),
        }),
        Err(e) => json!({
            "trusted": false,
            "rootSha256": null,
            "chain": [],
            "findings": e.findings().iter().map(finding).collect::<Vec<_>>(),
        }),
    }
}
