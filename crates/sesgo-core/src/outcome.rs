//! Rendering findings as an `OperationOutcome` conforming to the guide's profile
//! `operation-outcome-assinatura` (IG-DIGEST §16.2, DECISIONS D6).

use crate::{Code, Error, Finding, IssueType, Severity, CODE_SYSTEM_URL};
use serde_json::{json, Map, Value};

/// Canonical URL of the profile `operation-outcome-assinatura`.
pub const OPERATION_OUTCOME_PROFILE: &str =
    "https://fhir.saude.go.gov.br/r4/seguranca/StructureDefinition/operation-outcome-assinatura";

/// Canonical URL of the ValueSet bound (required) to `issue.details.coding`.
pub const VALUE_SET_URL: &str =
    "https://fhir.saude.go.gov.br/r4/seguranca/ValueSet/situacao-excepcional-assinatura-vs";

/// An `OperationOutcome`: the result of every sesgo operation that does not return a
/// value, and the rendering of every [`Error`].
///
/// ```
/// use sesgo_core::{Code, Finding, OperationOutcome};
///
/// let oo = OperationOutcome::success(
///     "alg=RS256; policy=…; strategy=iat",
///     vec![Finding::new(Code::CertNearExpiry, "vence em 10 dias").at("x5c[0]")],
/// );
/// assert!(oo.is_success());
/// let v = oo.to_value();
/// assert_eq!(v["issue"][0]["details"]["coding"][0]["code"], "VALIDATION.SUCCESS");
/// assert_eq!(v["issue"][1]["severity"], "warning");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationOutcome {
    issues: Vec<Finding>,
}

impl OperationOutcome {
    /// An outcome with the given findings, in order. The profile requires at least one
    /// issue; sesgo never builds an empty outcome (an empty list renders as one
    /// `VALIDATION.SUCCESS` issue rather than an invalid resource).
    pub fn new(issues: Vec<Finding>) -> Self {
        OperationOutcome { issues }
    }

    /// A successful validation: `VALIDATION.SUCCESS` first, then every warning or
    /// information finding (DECISIONS D6; IG-DIGEST §3.4).
    pub fn success(diagnostics: impl Into<String>, mut others: Vec<Finding>) -> Self {
        others.insert(
            0,
            Finding::new(Code::ValidationSuccess, diagnostics)
                .with_text("Assinatura digital validada com sucesso"),
        );
        OperationOutcome { issues: others }
    }

    /// The findings.
    pub fn issues(&self) -> &[Finding] {
        &self.issues
    }

    /// True when no issue is an error or fatal.
    pub fn is_success(&self) -> bool {
        !self.issues.iter().any(|f| f.severity().is_failure())
    }

    /// The outcome as an error, when it holds at least one error or fatal issue.
    pub fn into_error(self) -> Option<Error> {
        Error::from_findings(self.issues)
    }

    /// The FHIR JSON resource.
    pub fn to_value(&self) -> Value {
        let issues: Vec<Value> = if self.issues.is_empty() {
            vec![issue_value(&Finding::new(
                Code::ValidationSuccess,
                "nenhuma situação excepcional",
            ))]
        } else {
            self.issues.iter().map(issue_value).collect()
        };
        json!({
            "resourceType": "OperationOutcome",
            "meta": { "profile": [OPERATION_OUTCOME_PROFILE] },
            "issue": issues,
        })
    }

    /// The FHIR JSON resource, compact.
    pub fn to_json(&self) -> String {
        self.to_value().to_string()
    }

    /// Reads an `OperationOutcome` produced by sesgo (or any conforming one) back into
    /// findings. Returns `None` if it is not a conforming outcome.
    pub fn from_value(v: &Value) -> Option<Self> {
        if v.get("resourceType")?.as_str()? != "OperationOutcome" {
            return None;
        }
        let mut issues = Vec::new();
        for issue in v.get("issue")?.as_array()? {
            let severity = Severity::from_fhir(issue.get("severity")?.as_str()?)?;
            let details = issue.get("details")?;
            let coding = details
                .get("coding")?
                .as_array()?
                .iter()
                .find(|c| c.get("system").and_then(Value::as_str) == Some(CODE_SYSTEM_URL))?;
            let code = Code::from_code_str(coding.get("code")?.as_str()?)?;
            let mut f = Finding::new(
                code,
                issue
                    .get("diagnostics")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
            )
            .with_severity(severity);
            if let Some(text) = details.get("text").and_then(Value::as_str) {
                if text != code.definition() {
                    f = f.with_text(text.to_owned());
                }
            }
            for l in issue
                .get("location")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                f = f.at(l.as_str()?);
            }
            issues.push(f);
        }
        if issues.is_empty() {
            return None;
        }
        Some(OperationOutcome { issues })
    }
}

fn issue_value(f: &Finding) -> Value {
    let code = f.code();
    let mut issue = Map::new();
    issue.insert("severity".into(), f.severity().as_str().into());
    issue.insert("code".into(), IssueType::for_code(code).as_str().into());
    issue.insert(
        "details".into(),
        json!({
            "coding": [{
                "system": CODE_SYSTEM_URL,
                "code": code.as_str(),
                "display": code.display(),
            }],
            "text": f.text(),
        }),
    );
    if !f.diagnostics().is_empty() {
        issue.insert("diagnostics".into(), f.diagnostics().into());
    }
    if !f.locations().is_empty() {
        issue.insert("location".into(), json!(f.locations()));
    }
    Value::Object(issue)
}

impl From<&Error> for OperationOutcome {
    fn from(e: &Error) -> Self {
        e.to_operation_outcome()
    }
}
