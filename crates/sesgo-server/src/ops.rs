//! The operations: request bodies → facade calls → response bodies. Translation only
//! (docs/adr/0005): every rule of the guide lives in the facade `sesgo`; here the
//! request envelope is read with sesgo's strict JSON reader, the server-wide defaults are
//! merged with what a request may choose (DECISIONS D30), and the facade's result or
//! error is rendered.

use sesgo::{
    CanonicalizeOptions, Code, Error, Object, OperationOutcome, Policy, ReferenceCheckOptions,
    Result, Settings, SignOptions, Signer, Strategy, TrustStore, UnsignedEntries, Value,
    VerifyInput, VerifyOptions,
};
use sesgo_core::json::{parse_strict, JsonError, Limits};

/// Server-wide defaults and material: what `sesgo serve` was started with (the same
/// options as `sesgo sign` and `sesgo verify`). Requests never supply a signer, a trust
/// store, file paths or network endpoints.
#[derive(Clone, Debug)]
pub struct Backend {
    /// The signer of `POST /sign` and `POST /Bundle/$sign`; `None`: a verification-only
    /// server (signing answers HTTP 501).
    pub signer: Option<Signer>,
    /// The trust store of every operation.
    pub trust: TrustStore,
    /// Operational settings; a request may override the members listed in DECISIONS D30.
    pub settings: Settings,
    /// Signing policy when a request names none.
    pub policy: Policy,
    /// Timestamp strategy when a request names none.
    pub strategy: Strategy,
    /// Policies verification accepts when a request names none (`None`: every supported
    /// policy).
    pub accepted_policies: Option<Vec<Policy>>,
    /// How unsigned Bundle content is reported when a request does not say.
    pub unsigned_entries: UnsignedEntries,
    /// Revocation evidence (OCSP responses, CRLs) on the server: files or directories.
    pub revocation_evidence: Vec<String>,
}

impl Backend {
    /// A verification-only backend with the given trust store and the guide's defaults.
    pub fn new(trust: TrustStore) -> Backend {
        Backend {
            signer: None,
            trust,
            settings: Settings::default(),
            policy: Policy::DEFAULT,
            strategy: Strategy::default(),
            accepted_policies: None,
            unsigned_entries: UnsignedEntries::default(),
            revocation_evidence: Vec::new(),
        }
    }
}

/// The operations behind the endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Sign,
    Verify,
    RefsCheck,
    Canonicalize,
    FhirSign,
    FhirVerify,
}

impl Op {
    pub(crate) fn signs(self) -> bool {
        matches!(self, Op::Sign | Op::FhirSign)
    }
}

/// A successful answer.
pub(crate) struct Reply {
    pub(crate) content_type: &'static str,
    pub(crate) body: Vec<u8>,
    /// The guide's code that sums the result up (metrics): `VALIDATION.SUCCESS` or the
    /// first error's code.
    pub(crate) code: Code,
}

pub(crate) const JSON: &str = "application/json";
pub(crate) const FHIR_JSON: &str = "application/fhir+json";

/// Settings members only the server decides (DECISIONS D30): they reach the server's
/// network, files or trust.
const SERVER_ONLY_SETTINGS: &[&str] = &["network", "tsaUrl", "tsaTlsRootsPem", "tsaTrustStore"];
/// Settings members that decide whether the server's own signer may sign.
const SIGNER_SETTINGS: &[&str] = &["revocationPolicy", "ocspUnknown", "minCertIssueDate"];

/// Runs `op` on a request body (synchronous: on the blocking pool).
pub(crate) fn run(op: Op, backend: &Backend, body: &[u8]) -> Result<Reply> {
    match op {
        Op::Sign => {
            let inputs = Inputs::from_envelope(body, &["bundle", "provenance", "options"])?;
            let signed = sign(backend, &inputs)?;
            Ok(Reply {
                content_type: JSON,
                body: signed.to_json().into_bytes(),
                code: Code::ValidationSuccess,
            })
        }
        Op::FhirSign => {
            let inputs = Inputs::from_parameters(body)?;
            let signed = sign(backend, &inputs)?;
            Ok(Reply {
                content_type: FHIR_JSON,
                body: signed.bundle.into_bytes(),
                code: Code::ValidationSuccess,
            })
        }
        Op::Verify => {
            let inputs = Inputs::from_envelope(
                body,
                &[
                    "bundle",
                    "provenance",
                    "signature",
                    "signatureData",
                    "options",
                ],
            )?;
            let v = verify(backend, &inputs)?;
            Ok(Reply {
                content_type: JSON,
                body: v.to_json().into_bytes(),
                code: summary(&v.outcome),
            })
        }
        Op::FhirVerify => {
            // Parsed once: a Bundle's own bytes go to the facade untouched.
            let v = parse_body(body)?;
            let inputs = if v.member("resourceType").as_str() == Some("Bundle") {
                Inputs {
                    bundle: Some(body.to_vec()),
                    ..Inputs::default()
                }
            } else {
                Inputs::from_parameters_value(&v)?
            };
            let v = verify(backend, &inputs)?;
            Ok(Reply {
                content_type: FHIR_JSON,
                body: v.outcome.to_json().into_bytes(),
                code: summary(&v.outcome),
            })
        }
        Op::RefsCheck => {
            let inputs = Inputs::from_envelope(body, &["bundle", "provenance", "options"])?;
            let mut options = match &inputs.options {
                Some(o) => ReferenceCheckOptions::from_json(o.to_json().as_bytes())?,
                None => ReferenceCheckOptions::default(),
            };
            if options.max_entries_bundle.is_none() {
                options.max_entries_bundle = Some(backend.settings.max_entries_bundle);
            }
            let bundle = inputs.required_bundle()?;
            let oo = sesgo::check_references(bundle, inputs.provenance.as_deref(), &options)?;
            Ok(Reply {
                content_type: FHIR_JSON,
                body: oo.to_json().into_bytes(),
                code: summary(&oo),
            })
        }
        Op::Canonicalize => {
            let inputs = Inputs::from_envelope(body, &["resource", "options"])?;
            let options = match &inputs.options {
                Some(o) => CanonicalizeOptions::from_json(o.to_json().as_bytes())?,
                None => CanonicalizeOptions::default(),
            };
            let resource = inputs
                .resource
                .as_deref()
                .ok_or_else(|| missing("resource"))?;
            Ok(Reply {
                content_type: JSON,
                body: sesgo::canonicalize(resource, options.policy.as_deref())?,
                code: Code::ValidationSuccess,
            })
        }
    }
}

/// `VALIDATION.SUCCESS`, or the code of the first error or fatal issue.
fn summary(oo: &OperationOutcome) -> Code {
    oo.issues()
        .iter()
        .find(|f| f.severity().is_failure())
        .map_or(Code::ValidationSuccess, |f| f.code())
}

fn sign(backend: &Backend, inputs: &Inputs) -> Result<sesgo::Signed> {
    let signer = backend.signer.as_ref().ok_or_else(|| {
        Error::new(
            Code::ConfigMissingParameter,
            "este servidor não tem assinador configurado (sesgo serve sem --p12, --key ou --pkcs11-module)",
        )
    })?;
    let options = sign_options(backend, inputs.options.as_ref())?;
    let bundle = inputs.required_bundle()?;
    let provenance = inputs
        .provenance
        .as_deref()
        .ok_or_else(|| missing("provenance"))?;
    sesgo::sign(bundle, provenance, signer, &backend.trust, &options)
}

fn verify(backend: &Backend, inputs: &Inputs) -> Result<sesgo::Verification> {
    let options = verify_options(backend, inputs.options.as_ref())?;
    let input = VerifyInput {
        signature_data: inputs.signature_data.as_deref(),
        signature: inputs.signature.as_deref(),
        provenance: inputs.provenance.as_deref(),
        bundle: inputs.bundle.as_deref(),
    };
    if input.signature_data.is_none()
        && input.signature.is_none()
        && input.provenance.is_none()
        && input.bundle.is_none()
    {
        return Err(Error::new(
            Code::ConfigMissingParameter,
            "nada a verificar: informe bundle, provenance, signature ou signatureData",
        ));
    }
    sesgo::verify(&input, &backend.trust, &options)
}

fn missing(member: &str) -> Error {
    Error::new(
        Code::ConfigMissingParameter,
        format!("membro '{member}' ausente no corpo da requisição"),
    )
}

fn not_accepted(location: &str, why: &str) -> Error {
    Error::new(Code::ConfigInvalidParameter, format!("{location}: {why}")).at(location)
}

/// The options object of a request, split into the members the facade's JSON form reads
/// (`picked`) and the settings overrides.
fn split_options<'a>(
    options: Option<&'a Value>,
    picked: &[&str],
) -> Result<(Object, Option<&'a Value>)> {
    let mut sub = Object::new();
    let mut settings = None;
    let Some(v) = options else {
        return Ok((sub, None));
    };
    let obj = v
        .as_object()
        .ok_or_else(|| not_accepted("options", "deve ser um objeto JSON"))?;
    for (k, val) in obj.iter() {
        if k == "settings" {
            settings = Some(val);
        } else if picked.contains(&k) {
            sub.insert(k, val.clone());
        } else {
            return Err(not_accepted(
                &format!("options.{k}"),
                &format!(
                    "membro não aceito pelo servidor (aceitos: {}, settings)",
                    picked.join(", ")
                ),
            ));
        }
    }
    Ok((sub, settings))
}

/// The server's settings with a request's overrides (DECISIONS D30), validated by the
/// facade (unknown members, types and ranges).
fn merged_settings(base: &Settings, overrides: &Value, deny: &[&[&str]]) -> Result<Settings> {
    let obj = overrides
        .as_object()
        .ok_or_else(|| not_accepted("options.settings", "deve ser um objeto JSON"))?;
    let mut merged = match serde_json::to_value(base) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => {
            return Err(Error::new(
                Code::System,
                "configurações do servidor não serializáveis",
            ))
        }
    };
    for (k, v) in obj.iter() {
        if deny.iter().any(|list| list.contains(&k)) {
            return Err(not_accepted(
                &format!("options.settings.{k}"),
                "definido apenas pela configuração do servidor",
            ));
        }
        merged.insert(k.to_owned(), v.to_serde());
    }
    let json = serde_json::to_vec(&serde_json::Value::Object(merged))
        .map_err(|e| Error::new(Code::System, format!("configurações: {e}")))?;
    Settings::from_json(&json).map_err(|e| e.nested_in("options.settings"))
}

fn sign_options(backend: &Backend, options: Option<&Value>) -> Result<SignOptions> {
    let (sub, settings) = split_options(options, &["policy", "strategy", "referenceTime"])?;
    let parsed = SignOptions::from_json(Value::Object(sub.clone()).to_json().as_bytes())?;
    Ok(SignOptions {
        policy: if sub.get("policy").is_some() {
            parsed.policy
        } else {
            backend.policy
        },
        strategy: if sub.get("strategy").is_some() {
            parsed.strategy
        } else {
            backend.strategy
        },
        reference_time: parsed.reference_time,
        settings: match settings {
            Some(s) => merged_settings(
                &backend.settings,
                s,
                &[SERVER_ONLY_SETTINGS, SIGNER_SETTINGS],
            )?,
            None => backend.settings.clone(),
        },
        revocation_evidence: backend.revocation_evidence.clone(),
    })
}

fn verify_options(backend: &Backend, options: Option<&Value>) -> Result<VerifyOptions> {
    let (sub, settings) = split_options(
        options,
        &[
            "policy",
            "referenceTime",
            "acceptedPolicies",
            "unsignedEntries",
        ],
    )?;
    let parsed = VerifyOptions::from_json(Value::Object(sub.clone()).to_json().as_bytes())?;
    Ok(VerifyOptions {
        policy: parsed.policy,
        reference_time: parsed.reference_time,
        settings: match settings {
            Some(s) => merged_settings(&backend.settings, s, &[SERVER_ONLY_SETTINGS])?,
            None => backend.settings.clone(),
        },
        accepted_policies: if sub.get("acceptedPolicies").is_some() {
            parsed.accepted_policies
        } else {
            backend.accepted_policies.clone()
        },
        unsigned_entries: if sub.get("unsignedEntries").is_some() {
            parsed.unsigned_entries
        } else {
            backend.unsigned_entries
        },
        revocation_evidence: backend.revocation_evidence.clone(),
    })
}

/// What a request carries: FHIR inputs as the bytes the facade reads, the options.
#[derive(Default)]
struct Inputs {
    bundle: Option<Vec<u8>>,
    provenance: Option<Vec<u8>>,
    signature: Option<Vec<u8>>,
    signature_data: Option<String>,
    resource: Option<Vec<u8>>,
    options: Option<Value>,
}

/// Where a member of the request envelope is reported (DECISIONS D10: the FHIR root it
/// supplies).
fn root_of(member: &str) -> &str {
    match member {
        "bundle" => "Bundle",
        "provenance" => "Provenance",
        "signature" => "Signature",
        "signatureData" => "Signature.data",
        other => other,
    }
}

/// A JSON error of the envelope, located as the facade locates it in the input the
/// member supplies (`bundle.entry[0].id` → `Bundle.entry[0].id`).
fn envelope_error(e: JsonError) -> Error {
    let relocate = |path: &str| -> (String, String) {
        let end = path.find(['.', '[']).unwrap_or(path.len());
        let (first, rest) = path.split_at(end);
        (
            root_of(first).to_owned(),
            rest.strip_prefix('.').unwrap_or(rest).to_owned(),
        )
    };
    match e {
        JsonError::DuplicateMember { path } => {
            let (root, rest) = relocate(&path);
            JsonError::DuplicateMember { path: rest }.into_error(&root, Code::FormatJsonMalformed)
        }
        JsonError::TooDeep { path, max } => {
            let (root, rest) = relocate(&path);
            JsonError::TooDeep { path: rest, max }.into_error(&root, Code::FormatJsonMalformed)
        }
        other => other.into_error("", Code::SecurityBundleSizeLimitExceeded),
    }
}

fn parse_body(body: &[u8]) -> Result<Value> {
    parse_strict(
        body,
        &Limits {
            max_bytes: usize::MAX,
            // The envelope (or Parameters) adds up to three levels above a resource.
            max_depth: Limits::DEFAULT_MAX_DEPTH + 3,
        },
    )
    .map_err(envelope_error)
}

/// A FHIR input given as a JSON object (re-serialized compactly: number tokens and
/// member order kept) or as a string holding its exact JSON text.
fn fhir_bytes(v: &Value, member: &str) -> Result<Vec<u8>> {
    match v {
        Value::Object(_) => Ok(v.to_json().into_bytes()),
        Value::String(s) => Ok(s.as_bytes().to_vec()),
        other => Err(Error::new(
            Code::FormatJsonMalformed,
            format!(
                "'{member}' deve ser um recurso FHIR (objeto JSON) ou o seu texto JSON (string), não {}",
                other.type_name()
            ),
        )
        .at(root_of(member))),
    }
}

impl Inputs {
    fn required_bundle(&self) -> Result<&[u8]> {
        self.bundle.as_deref().ok_or_else(|| missing("bundle"))
    }

    /// The JSON envelope `{"bundle": …, "provenance": …, "options": {…}}`.
    fn from_envelope(body: &[u8], allowed: &[&str]) -> Result<Inputs> {
        let v = parse_body(body)?;
        let obj = v.as_object().ok_or_else(|| {
            Error::new(
                Code::FormatJsonMalformed,
                format!(
                    "o corpo da requisição deve ser um objeto JSON com {}",
                    allowed.join(", ")
                ),
            )
        })?;
        let mut inputs = Inputs::default();
        for (k, val) in obj.iter() {
            if !allowed.contains(&k) {
                return Err(not_accepted(
                    k,
                    &format!("membro desconhecido (aceitos: {})", allowed.join(", ")),
                ));
            }
            match k {
                "bundle" => inputs.bundle = Some(fhir_bytes(val, k)?),
                "provenance" => inputs.provenance = Some(fhir_bytes(val, k)?),
                "signature" => inputs.signature = Some(fhir_bytes(val, k)?),
                "resource" => inputs.resource = Some(fhir_bytes(val, k)?),
                "signatureData" => {
                    inputs.signature_data = Some(
                        val.as_str()
                            .ok_or_else(|| {
                                Error::new(
                                    Code::FormatBase64Invalid,
                                    "signatureData deve ser uma string (Base64 do JWS)",
                                )
                                .at("Signature.data")
                            })?
                            .to_owned(),
                    )
                }
                _ => inputs.options = Some(val.clone()),
            }
        }
        Ok(inputs)
    }

    /// A FHIR `Parameters` resource: `bundle`, `provenance`, `signature` (resource),
    /// `signatureData` (valueBase64Binary or valueString), `policy` (valueUri,
    /// valueCanonical or valueString), `strategy` (valueCode), `referenceTime`
    /// (valueInteger, Unix seconds).
    fn from_parameters(body: &[u8]) -> Result<Inputs> {
        Inputs::from_parameters_value(&parse_body(body)?)
    }

    fn from_parameters_value(v: &Value) -> Result<Inputs> {
        if v.member("resourceType").as_str() != Some("Parameters") {
            return Err(Error::new(
                Code::FormatResourceTypeUnsupported,
                "esperado um recurso Parameters (ou, em $verify, um Bundle)",
            )
            .at("Parameters"));
        }
        let mut inputs = Inputs::default();
        let mut options = Object::new();
        let params = v
            .member("parameter")
            .as_array()
            .cloned()
            .unwrap_or_default();
        for (i, p) in params.iter().enumerate() {
            let at = format!("Parameters.parameter[{i}]");
            let name = p.member("name").as_str().unwrap_or_default();
            let resource = || -> Result<Vec<u8>> {
                match p.get("resource") {
                    Some(r @ Value::Object(_)) => Ok(r.to_json().into_bytes()),
                    _ => Err(Error::new(
                        Code::FormatResourceInvalid,
                        format!("o parâmetro '{name}' exige 'resource'"),
                    )
                    .at(format!("{at}.resource"))),
                }
            };
            let value = |keys: &[&str]| -> Result<Value> {
                keys.iter().find_map(|k| p.get(k).cloned()).ok_or_else(|| {
                    Error::new(
                        Code::FormatResourceInvalid,
                        format!("o parâmetro '{name}' exige {}", keys.join(" ou ")),
                    )
                    .at(at.clone())
                })
            };
            match name {
                "bundle" => inputs.bundle = Some(resource()?),
                "provenance" => inputs.provenance = Some(resource()?),
                "signature" => inputs.signature = Some(resource()?),
                "signatureData" => {
                    inputs.signature_data = value(&["valueBase64Binary", "valueString"])?
                        .as_str()
                        .map(str::to_owned)
                }
                "policy" => {
                    options.insert("policy", value(&["valueUri", "valueCanonical", "valueString"])?);
                }
                "strategy" => {
                    options.insert("strategy", value(&["valueCode", "valueString"])?);
                }
                "referenceTime" => {
                    options.insert("referenceTime", value(&["valueInteger"])?);
                }
                other => {
                    return Err(Error::new(
                        Code::ConfigInvalidParameter,
                        format!("parâmetro desconhecido '{other}' (aceitos: bundle, provenance, signature, signatureData, policy, strategy, referenceTime)"),
                    )
                    .at(format!("{at}.name")))
                }
            }
        }
        if !options.is_empty() {
            inputs.options = Some(Value::Object(options));
        }
        Ok(inputs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_duplicates_are_located_in_the_fhir_input() {
        let e = Inputs::from_envelope(
            br#"{"bundle":{"resourceType":"Bundle","id":"a","id":"b"}}"#,
            &["bundle"],
        )
        .err()
        .unwrap();
        assert_eq!(e.code(), Code::FormatJsonMalformed);
        assert_eq!(e.primary().locations(), ["Bundle.id"]);
    }

    #[test]
    fn server_only_settings_are_refused() {
        let backend = Backend::new(TrustStore::icp_brasil_default());
        let o = sesgo_core::json::parse_strict(
            br#"{"settings":{"tsaUrl":"https://evil.example/"}}"#,
            &Limits::default(),
        )
        .unwrap();
        let e = verify_options(&backend, Some(&o)).unwrap_err();
        assert_eq!(e.code(), Code::ConfigInvalidParameter);
        let o = sesgo_core::json::parse_strict(
            br#"{"settings":{"revocationPolicy":"off"}}"#,
            &Limits::default(),
        )
        .unwrap();
        assert!(verify_options(&backend, Some(&o)).is_ok());
        assert_eq!(
            sign_options(&backend, Some(&o)).unwrap_err().code(),
            Code::ConfigInvalidParameter
        );
    }
}
