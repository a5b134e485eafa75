//! The integrator's tools: canonicalization (to debug digests), the reference check, and
//! the transfer-Bundle builder.

use crate::options::{from_json, parse_policy};
use serde::{Deserialize, Serialize};
use sesgo_core::budget::{self, Budget};
use sesgo_core::json::{parse_strict, Doc, Kind, Limits, Value, View};
use sesgo_core::{Code, Error, Finding, OperationOutcome, Result};
use sesgo_jades::Policy;

/// The strict reading of one input into a compact document (for the tools that only
/// read; docs/adr/0071).
fn read_input<'i>(
    json: &'i [u8],
    root: &str,
    max_bytes: usize,
    too_large: Code,
) -> Result<Doc<'i>> {
    Doc::parse(
        json,
        &Limits {
            max_bytes,
            ..Limits::default()
        },
    )
    .map_err(|e| e.into_error(root, too_large))
}

fn parse_input(json: &[u8], root: &str, max_bytes: usize, too_large: Code) -> Result<Value> {
    parse_strict(
        json,
        &Limits {
            max_bytes,
            ..Limits::default()
        },
    )
    .map_err(|e| e.into_error(root, too_large))
}

/// The canonical bytes of one FHIR resource exactly as a signature under `policy` covers
/// it (unsigned elements removed, then RFC 8785 JCS for the 0.1 family or
/// `fhir-json-lossless/0.2.0`; criar Etapas 3–6). `None` = the default policy.
///
/// ```
/// let r = br#"{"resourceType":"Observation","id":"x","meta":{"versionId":"2"},"valueQuantity":{"value":1.50}}"#;
/// let p020 = "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0";
/// assert_eq!(
///     sesgo::canonicalize(r, Some(p020)).unwrap(),
///     br#"{"resourceType":"Observation","valueQuantity":{"value":1.50}}"#
/// );
/// ```
pub fn canonicalize(resource_json: &[u8], policy: Option<&str>) -> Result<Vec<u8>> {
    let _call = budget::begin(Budget::DEFAULT);
    budget::phase(|| canonicalize_in(resource_json, policy))
}

fn canonicalize_in(resource_json: &[u8], policy: Option<&str>) -> Result<Vec<u8>> {
    let policy = parse_policy(policy)?;
    // Read only: the compact document, about the input's size again (docs/adr/0071).
    let doc = read_input(
        resource_json,
        "resource",
        Limits::DEFAULT_MAX_BYTES,
        Code::FormatResourceTooLarge,
    )?;
    let root = doc.root();
    if root.kind() != Kind::Object {
        return Err(Error::new(
            Code::FormatResourceInvalid,
            format!(
                "um recurso FHIR é um objeto JSON, não {}",
                root.kind().name()
            ),
        )
        .at("resource"));
    }
    sesgo_jades::canonicalize(policy, root)
}

/// Options of [`canonicalize`] in their JSON form (for the bindings).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct CanonicalizeOptions {
    /// Policy URI; default policy 0.1.2.
    pub policy: Option<String>,
}

impl CanonicalizeOptions {
    /// Parses the JSON form (empty = defaults).
    pub fn from_json(json: &[u8]) -> Result<Self> {
        from_json(json, "options")
    }
}

/// Options of [`check_references`] (JSON: camelCase; unknown members refused).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ReferenceCheckOptions {
    /// Policy URI (decides the UUID rule); default policy 0.1.2.
    pub policy: Option<String>,
    /// `true` when checking a received Bundle: a signed instance referencing an unsigned
    /// entry (need N1) is then a warning, not an error (DECISIONS D3).
    pub validating: bool,
    /// Report `FORMAT.BUNDLE-ORDER-MISMATCH` when targeted entries are not in
    /// `Provenance.target` order (opt-in, DECISIONS D3).
    pub strict_order: bool,
    /// `maxEntriesBundle` (default 1000; range [100, 10000]).
    pub max_entries_bundle: Option<u32>,
}

impl ReferenceCheckOptions {
    /// Parses the JSON form.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        from_json(json, "options")
    }

    pub(crate) fn to_refs(&self) -> Result<(Policy, sesgo_refs::CheckOptions)> {
        let policy = parse_policy(self.policy.as_deref())?;
        let mut o = sesgo_refs::CheckOptions::for_policy(policy);
        o.mode = if self.validating {
            sesgo_refs::Mode::Validate
        } else {
            sesgo_refs::Mode::Sign
        };
        o.strict_order = self.strict_order;
        // Only the count is reported: each reference is checked where it is found.
        o.list_references = false;
        if let Some(n) = self.max_entries_bundle {
            let n = n as usize;
            o = o.with_max_entries(n, n)?;
        }
        Ok((policy, o))
    }
}

/// Checks a Bundle (and optionally the Provenance that designates its signed set) against
/// the guide's structural and reference rules (criar 1.4–1.9; seed "Referências";
/// DECISIONS D3). Returns an OperationOutcome listing every finding, each located — or,
/// when there is none, `VALIDATION.SUCCESS`. `Err` only when an input is not JSON or the
/// options are invalid.
///
/// ```
/// let bundle = br#"{"resourceType":"Bundle","type":"collection","entry":[
///   {"fullUrl":"urn:uuid:550e8400-e29b-41d4-a716-446655440000",
///    "resource":{"resourceType":"Observation","status":"final","code":{"text":"massa"},
///                "subject":{"reference":"Patient/x"}}}]}"#;
/// let oo = sesgo::check_references(bundle, None, &Default::default()).unwrap();
/// assert!(!oo.is_success());
/// assert_eq!(oo.issues()[0].code(), sesgo::Code::FormatReferenceInvalid);
/// ```
pub fn check_references(
    bundle: &[u8],
    provenance: Option<&[u8]>,
    options: &ReferenceCheckOptions,
) -> Result<OperationOutcome> {
    let _call = budget::begin(Budget::DEFAULT);
    budget::phase(|| check_references_in(bundle, provenance, options))
}

fn check_references_in(
    bundle: &[u8],
    provenance: Option<&[u8]>,
    options: &ReferenceCheckOptions,
) -> Result<OperationOutcome> {
    let (_, opts) = options.to_refs()?;
    let b = read_input(
        bundle,
        "Bundle",
        opts.json_limits.max_bytes,
        Code::SecurityBundleMemoryLimitExceeded,
    )?;
    let p = match provenance {
        Some(p) => Some(read_input(
            p,
            "Provenance",
            opts.json_limits.max_bytes,
            Code::FormatResourceTooLarge,
        )?),
        None => None,
    };
    let report = sesgo_refs::check(b.root(), p.as_ref().map(Doc::root), &opts);
    if report.findings.is_empty() {
        let refs = report.reference_count;
        Ok(OperationOutcome::new(vec![Finding::new(
            Code::ValidationSuccess,
            format!("{refs} referências verificadas; nenhuma situação excepcional"),
        )
        .with_text("Referências conformes às regras do guia")]))
    } else {
        Ok(OperationOutcome::new(report.findings))
    }
}

/// A reference outside the set given to [`build_bundle`], and what to write instead.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExternalReference {
    /// The reference as found (e.g. `Practitioner/123`).
    pub reference: String,
    /// An `Identifier` to write instead (a logical reference).
    #[serde(default)]
    pub identifier: Option<serde_json::Value>,
    /// A `display` to write instead (or beside the identifier).
    #[serde(default)]
    pub display: Option<String>,
}

/// Options of [`build_bundle`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct BuildBundleOptions {
    /// `Bundle.type` (default `collection`).
    pub bundle_type: Option<String>,
    /// Base URL of the server the resources come from, so absolute references under it are
    /// recognised as internal.
    pub base_url: Option<String>,
    /// Replacements for references that point outside the set.
    pub external: Vec<ExternalReference>,
}

impl BuildBundleOptions {
    /// Parses the JSON form.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        from_json(json, "options")
    }
}

/// Builds a transfer Bundle from resources with server ids and relative references
/// (seed "Referências": copying resources and assigning new ids): fresh lowercase v4
/// `urn:uuid` fullUrls, every internal reference rewritten, external references replaced
/// as the options say or reported — never silently kept. `resources_json` is a JSON array
/// of resources (or a Bundle, whose entries' resources are taken).
///
/// ```
/// let resources = br#"[
///   {"resourceType":"Patient","id":"p1"},
///   {"resourceType":"Observation","id":"o1","status":"final","code":{"text":"temp"},
///    "subject":{"reference":"Patient/p1"},"valueQuantity":{"value":36.50}}]"#;
/// let b = sesgo::build_bundle(resources, &Default::default()).unwrap();
/// let patient = b["entry"][0]["fullUrl"].as_str().unwrap();
/// assert!(patient.starts_with("urn:uuid:"));
/// assert_eq!(b["entry"][1]["resource"]["subject"]["reference"].as_str(), Some(patient));
/// assert!(b.to_json().contains("36.50")); // numbers are kept verbatim
/// ```
pub fn build_bundle(resources_json: &[u8], options: &BuildBundleOptions) -> Result<Value> {
    let _call = budget::begin(Budget::DEFAULT);
    budget::phase(|| build_bundle_in(resources_json, options))
}

/// [`build_bundle`] over several inputs, each read once with the strict reader (the
/// CLI's `bundle build FILES…`): each part is a JSON array of resources or one resource,
/// or — only when it is the sole part — a Bundle whose entries' resources are taken. The
/// parts together may not exceed the guide's 50 MB (`SECURITY.BUNDLE-MEMORY-LIMIT-EXCEEDED`);
/// a failure is located at `resources[i]` (the `i`-th part).
///
/// ```
/// let a = br#"[{"resourceType":"Patient","id":"p1"}]"#;
/// let b = br#"{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"t"},
///   "subject":{"reference":"Patient/p1"}}"#;
/// let bundle = sesgo::build_bundle_parts(&[&a[..], &b[..]], &Default::default()).unwrap();
/// assert_eq!(bundle["entry"].as_array().map(Vec::len), Some(2));
/// let e = sesgo::build_bundle_parts(&[&a[..], b"{"], &Default::default()).unwrap_err();
/// assert_eq!(e.primary().locations(), ["resources[1]"]);
/// ```
pub fn build_bundle_parts(parts: &[&[u8]], options: &BuildBundleOptions) -> Result<Value> {
    let _call = budget::begin(Budget::DEFAULT);
    budget::phase(|| {
        let total: usize = parts.iter().map(|p| p.len()).sum();
        if total > Limits::DEFAULT_MAX_BYTES {
            return Err(Error::new(
                Code::SecurityBundleMemoryLimitExceeded,
                format!(
                    "entradas somam {total} bytes; o limite é {} bytes",
                    Limits::DEFAULT_MAX_BYTES
                ),
            )
            .at("resources"));
        }
        let mut resources = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let at = format!("resources[{i}]");
            let v = parse_input(
                part,
                &at,
                Limits::DEFAULT_MAX_BYTES,
                Code::SecurityBundleMemoryLimitExceeded,
            )?;
            match v {
                Value::Array(a) => resources.extend(a),
                Value::Object(ref o) if o.get("resourceType") == Some(&Value::from("Bundle")) => {
                    if parts.len() != 1 {
                        return Err(Error::new(
                            Code::ConfigInvalidParameter,
                            "um Bundle deve ser informado sozinho (ou informe os recursos)",
                        )
                        .at(at));
                    }
                    resources = bundle_resources(&v);
                }
                Value::Object(_) => resources.push(v),
                other => {
                    return Err(Error::new(
                        Code::FormatBundleMalformed,
                        format!(
                            "esperado um recurso, um array de recursos ou um Bundle, encontrado {}",
                            other.type_name()
                        ),
                    )
                    .at(at))
                }
            }
        }
        build_from(resources, options)
    })
}

fn bundle_resources(v: &Value) -> Vec<Value> {
    v.member("entry")
        .as_array()
        .map(|e| e.iter().map(|x| x.member("resource").clone()).collect())
        .unwrap_or_default()
}

fn build_bundle_in(resources_json: &[u8], options: &BuildBundleOptions) -> Result<Value> {
    let v = parse_input(
        resources_json,
        "resources",
        Limits::DEFAULT_MAX_BYTES,
        Code::SecurityBundleMemoryLimitExceeded,
    )?;
    let resources: Vec<Value> = match v {
        Value::Array(a) => a,
        Value::Object(ref o) if o.get("resourceType") == Some(&Value::from("Bundle")) => {
            bundle_resources(&v)
        }
        other => {
            return Err(Error::new(
                Code::FormatBundleMalformed,
                format!(
                    "esperado um array de recursos ou um Bundle, encontrado {}",
                    other.type_name()
                ),
            )
            .at("resources"))
        }
    };
    build_from(resources, options)
}

fn build_from(resources: Vec<Value>, options: &BuildBundleOptions) -> Result<Value> {
    let mut b = sesgo_refs::BundleBuilder::new();
    if let Some(t) = &options.bundle_type {
        b = b.bundle_type(t.clone());
    }
    if let Some(u) = &options.base_url {
        b = b.base_url(u.clone());
    }
    for x in &options.external {
        b = b.map_external(
            x.reference.clone(),
            sesgo_refs::ExternalReplacement {
                identifier: x.identifier.as_ref().map(Value::from_serde),
                display: x.display.clone(),
            },
        );
    }
    Ok(b.build(resources)?.bundle)
}
