//! Transfer-Bundle builder (seed page `003_…`: "copiando recursos e atribuindo novos IDs").

use crate::check::{check, CheckOptions};
use crate::kind::ReferenceKind;
use crate::table::is_resource_type;
use crate::walk::{Step, Walker};
use sesgo_core::{Code, Error, Finding, Object, Value};
use std::collections::HashMap;

/// What an external reference becomes when the caller maps it (it is never kept as is).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExternalReplacement {
    /// A FHIR `Identifier` (JSON object) for `Reference.identifier`.
    pub identifier: Option<Value>,
    /// Text for `Reference.display`.
    pub display: Option<String>,
}

/// A built transfer Bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuiltBundle {
    /// The Bundle (`resourceType`, `type`, `entry[].fullUrl`, `entry[].resource`).
    pub bundle: Value,
    /// The fresh `urn:uuid` fullUrl given to each input resource, in input order.
    pub full_urls: Vec<String>,
}

/// Builds a transfer Bundle from resources that carry server ids and relative (or
/// absolute, under a declared base) references: every resource gets a fresh lowercase
/// `urn:uuid` (v4) `fullUrl`, every reference to a resource of the set is rewritten to
/// it, and every other reference is either replaced by the caller's mapping
/// (`identifier`/`display`) or reported (`FORMAT.REFERENCE-MISSING`); nothing external is
/// silently kept. The result passes [`check`] (it is checked before being returned).
///
/// ```
/// use sesgo_core::Value;
/// use sesgo_refs::{check, BundleBuilder, CheckOptions, ExternalReplacement};
/// let patient = Value::from_serde(&serde_json::json!(
///     {"resourceType": "Patient", "id": "123"}));
/// let obs = Value::from_serde(&serde_json::json!(
///     {"resourceType": "Observation", "id": "9", "status": "final", "code": {"text": "massa"},
///      "subject": {"reference": "http://server/fhir/Patient/123"},
///      "performer": [{"reference": "Practitioner/7"}]}));
/// let built = BundleBuilder::new()
///     .base_url("http://server/fhir")
///     .map_external("Practitioner/7", ExternalReplacement {
///         identifier: None, display: Some("Dra. Maria".into()) })
///     .build(vec![patient, obs])
///     .unwrap();
/// let b = &built.bundle;
/// assert_eq!(b["entry"][1]["resource"]["subject"]["reference"].as_str(), Some(built.full_urls[0].as_str()));
/// assert_eq!(b["entry"][1]["resource"]["performer"][0]["display"].as_str(), Some("Dra. Maria"));
/// assert!(check(b, None, &CheckOptions::policy_0_2()).findings.is_empty());
/// ```
#[derive(Clone, Debug)]
pub struct BundleBuilder {
    bundle_type: String,
    bases: Vec<String>,
    mappings: HashMap<String, ExternalReplacement>,
}

impl Default for BundleBuilder {
    fn default() -> Self {
        BundleBuilder::new()
    }
}

impl BundleBuilder {
    /// A builder for a `collection` Bundle, with no base URL and no mapping.
    pub fn new() -> Self {
        BundleBuilder {
            bundle_type: "collection".to_owned(),
            bases: Vec::new(),
            mappings: HashMap::new(),
        }
    }

    /// Sets `Bundle.type` (default `collection`).
    #[must_use]
    pub fn bundle_type(mut self, bundle_type: impl Into<String>) -> Self {
        self.bundle_type = bundle_type.into();
        self
    }

    /// Declares a server base URL: absolute references `BASE/Type/id` are treated as
    /// `Type/id`.
    #[must_use]
    pub fn base_url(mut self, base: impl Into<String>) -> Self {
        let mut base = base.into();
        if !base.ends_with('/') {
            base.push('/');
        }
        self.bases.push(base);
        self
    }

    /// Replaces references whose `reference` string equals `reference` (as written in the
    /// input) by `replacement` (the `reference` member is removed).
    #[must_use]
    pub fn map_external(
        mut self,
        reference: impl Into<String>,
        replacement: ExternalReplacement,
    ) -> Self {
        self.mappings.insert(reference.into(), replacement);
        self
    }

    /// `Type/id` for a relative reference (optionally `/_history/v`) or one under a
    /// declared base.
    fn local_key(&self, reference: &str) -> Option<String> {
        let rel = self
            .bases
            .iter()
            .find_map(|b| reference.strip_prefix(b.as_str()))
            .unwrap_or(reference);
        if crate::kind::classify_str(rel) != ReferenceKind::Relative {
            return None;
        }
        let mut parts = rel.split('/');
        let (t, id) = (parts.next()?, parts.next()?);
        match (parts.next(), parts.next(), parts.next()) {
            (None, _, _) => {}
            (Some("_history"), Some(_), None) => {}
            _ => return None,
        }
        (is_resource_type(t) && !id.is_empty()).then(|| format!("{t}/{id}"))
    }

    /// Builds the Bundle with fresh random (v4) UUIDs.
    pub fn build(&self, resources: Vec<Value>) -> Result<BuiltBundle, Error> {
        self.build_with(resources, uuid::Uuid::new_v4)
    }

    /// Builds the Bundle taking the fullUrl UUIDs from `new_uuid` (for reproducible output).
    pub fn build_with(
        &self,
        mut resources: Vec<Value>,
        mut new_uuid: impl FnMut() -> uuid::Uuid,
    ) -> Result<BuiltBundle, Error> {
        let mut findings = Vec::new();
        let mut keys: HashMap<String, usize> = HashMap::new();
        let full_urls: Vec<String> = resources
            .iter()
            .map(|_| format!("urn:uuid:{}", new_uuid().hyphenated()))
            .collect();
        for (i, r) in resources.iter().enumerate() {
            let rt = r.get("resourceType").and_then(Value::as_str);
            let id = r.get("id").and_then(Value::as_str);
            if let (Some(rt), Some(id)) = (rt, id) {
                let key = format!("{rt}/{id}");
                if let Some(first) = keys.insert(key.clone(), i) {
                    findings.push(
                        Finding::new(
                            Code::FormatBundleMalformed,
                            format!(
                                "recurso '{key}' fornecido duas vezes (posições {first} e {i})"
                            ),
                        )
                        .at(format!("Bundle.entry[{i}].resource.id")),
                    );
                }
            }
        }
        for (i, res) in resources.iter_mut().enumerate() {
            let root = format!("Bundle.entry[{i}].resource");
            let mut walker = Walker::new(true);
            walker.walk_root(&*res, &root);
            findings.append(&mut walker.take_findings());
            if let Some(stop) = walker.stopped.take() {
                findings.extend(stop.into_findings());
                break;
            }
            for r in walker.refs {
                let Some(s) = r.reference.as_deref() else {
                    continue;
                };
                if matches!(
                    r.kind,
                    ReferenceKind::Contained
                        | ReferenceKind::ContainerSelf
                        | ReferenceKind::Empty
                        | ReferenceKind::Malformed
                ) {
                    continue;
                }
                let Some(target) = value_at(res, &r.steps).and_then(Value::as_object_mut) else {
                    continue;
                };
                if let Some(&j) = self.local_key(s).and_then(|k| keys.get(&k)) {
                    if let Some(url) = full_urls.get(j) {
                        target.insert("reference", url.as_str());
                        // identifier XOR reference: the resolved reference wins.
                        target.remove("identifier");
                    }
                } else if let Some(m) = self
                    .mappings
                    .get(s)
                    .filter(|m| m.identifier.is_some() || m.display.is_some())
                {
                    replace(target, m);
                } else {
                    findings.push(
                        Finding::new(
                            Code::FormatReferenceMissing,
                            format!(
                                "Referência '{s}' em {} aponta para fora do conjunto de recursos; forneça um mapeamento para identifier/display",
                                r.location
                            ),
                        )
                        .at(format!("{}.reference", r.location)),
                    );
                }
            }
        }
        let entries: Vec<Value> = resources
            .into_iter()
            .zip(full_urls.iter())
            .map(|(res, url)| {
                let mut e = Object::new();
                e.insert("fullUrl", url.as_str());
                e.insert("resource", res);
                Value::Object(e)
            })
            .collect();
        let mut b = Object::new();
        b.insert("resourceType", "Bundle");
        b.insert("type", self.bundle_type.as_str());
        b.insert("entry", entries);
        let bundle = Value::Object(b);
        if findings.is_empty() {
            let opts = CheckOptions {
                lowercase_uuids: true,
                max_entries: usize::MAX,
                ..CheckOptions::default()
            };
            findings = check(&bundle, None, &opts).findings;
        }
        match Error::from_findings(findings) {
            Some(e) => Err(e),
            None => Ok(BuiltBundle { bundle, full_urls }),
        }
    }
}

fn replace(target: &mut Object, m: &ExternalReplacement) {
    target.remove("reference");
    if let Some(id) = &m.identifier {
        target.insert("identifier", id.clone());
    }
    if let Some(d) = &m.display {
        target.insert("display", d.as_str());
    }
}

fn value_at<'a>(mut v: &'a mut Value, steps: &[Step]) -> Option<&'a mut Value> {
    for s in steps {
        v = match s {
            Step::Key(k) => v.as_object_mut()?.get_mut(k)?,
            Step::Index(i) => v.as_array_mut()?.get_mut(*i)?,
        };
    }
    Some(v)
}
