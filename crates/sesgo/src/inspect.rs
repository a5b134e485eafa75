//! Certificate inspection for credentialing (IG "Requisitar credenciamento", seed 000):
//! identity, type, policy, key, validity, fingerprints, eligibility per policy and the
//! public certificate in PEM.

use crate::options::from_json;
use serde::{Deserialize, Serialize};
use sesgo_cert::{credentialing_report, Certificate, Credentials, EligibilityOptions};
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
    let mut report = credentialing_report(&cert, &opts).to_json();
    if let Some(o) = report.as_object_mut() {
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
