//! Rendering findings as an `OperationOutcome` conforming to the guide's profile
//! `operation-outcome-assinatura` (IG-DIGEST §16.2, DECISIONS D6).

use crate::json::{Object, Value as Json};
use crate::{Code, Error, Finding, IssueType, Severity, CODE_SYSTEM_URL};
use serde_json::Value;

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
    /// `VALIDATION.SUCCESS` issue rather than an invalid resource). At most
    /// [`crate::budget::FINDINGS_PER_CODE`] issues of one code are kept; the rest are
    /// summarized in one issue of that code (DECISIONS D41).
    pub fn new(mut issues: Vec<Finding>) -> Self {
        crate::budget::cap_findings(&mut issues);
        OperationOutcome { issues }
    }

    /// A successful validation: `VALIDATION.SUCCESS` first, then every warning or
    /// information finding (DECISIONS D6; IG-DIGEST §3.4).
    pub fn success(diagnostics: impl Into<String>, mut others: Vec<Finding>) -> Self {
        crate::budget::cap_findings(&mut others);
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

    /// The issues as rendered: the findings, or one `VALIDATION.SUCCESS` issue when there
    /// are none (the profile requires at least one).
    fn rendered_issues(&self) -> std::borrow::Cow<'_, [Finding]> {
        if self.issues.is_empty() {
            vec![Finding::new(
                Code::ValidationSuccess,
                "nenhuma situação excepcional",
            )]
            .into()
        } else {
            self.issues.as_slice().into()
        }
    }

    /// The FHIR JSON resource, with a generated narrative (`text`, see [`Self::narrative`]).
    pub fn to_value(&self) -> Value {
        self.to_json_value().to_serde()
    }

    /// As [`Self::to_value`], as sesgo's own JSON value: what the reports the bindings
    /// receive embed, without a detour through `serde_json`. Members are in the order
    /// [`Self::to_json`] writes them (by name).
    pub fn to_json_value(&self) -> Json {
        let issues = self.rendered_issues();
        let mut o = Object::new();
        o.insert(
            "issue",
            Json::Array(issues.iter().map(issue_value).collect()),
        );
        o.insert(
            "meta",
            object([(
                "profile",
                Json::Array(vec![OPERATION_OUTCOME_PROFILE.into()]),
            )]),
        );
        o.insert("resourceType", "OperationOutcome");
        o.insert(
            "text",
            object([
                ("div", narrative_div(&issues).into()),
                ("status", "generated".into()),
            ]),
        );
        Json::Object(o)
    }

    /// The XHTML `div` of the generated narrative (`text.div`, `text.status` =
    /// `generated`): a table with one row per issue — severity, code and diagnostics,
    /// XML-escaped — as the guide's example outcomes carry one.
    ///
    /// ```
    /// use sesgo_core::{Code, Finding, OperationOutcome};
    ///
    /// let oo = OperationOutcome::new(vec![Finding::new(Code::FormatJsonMalformed, "a < b & c")]);
    /// let div = oo.narrative();
    /// assert!(div.starts_with(r#"<div xmlns="http://www.w3.org/1999/xhtml">"#));
    /// assert!(div.contains("<td>FORMAT.JSON-MALFORMED</td><td>a &lt; b &amp; c</td>"));
    /// assert_eq!(oo.to_value()["text"]["div"], div.as_str());
    /// assert_eq!(oo.to_value()["text"]["status"], "generated");
    /// ```
    pub fn narrative(&self) -> String {
        narrative_div(&self.rendered_issues())
    }

    /// The FHIR JSON resource, compact.
    pub fn to_json(&self) -> String {
        self.to_json_value().to_json()
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

/// The narrative's XHTML: a title and a table severity / code / diagnostics.
fn narrative_div(issues: &[Finding]) -> String {
    let mut div = String::from(
        "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p><b>OperationOutcome \
         (situações excepcionais de assinatura)</b></p><table class=\"grid\">\
         <tr><th>Severidade</th><th>Código</th><th>Diagnóstico</th></tr>",
    );
    for f in issues {
        div.push_str("<tr><td>");
        push_escaped(&mut div, f.severity().as_str());
        div.push_str("</td><td>");
        push_escaped(&mut div, f.code().as_str());
        div.push_str("</td><td>");
        push_escaped(&mut div, f.diagnostics());
        div.push_str("</td></tr>");
    }
    div.push_str("</table></div>");
    div
}

/// Appends `text` as XML character data: `&`, `<`, `>`, `"` and `'` escaped, and the
/// characters XML 1.0 does not allow (C0 controls other than tab, LF, CR; U+FFFE/U+FFFF)
/// replaced by U+FFFD so the narrative stays well-formed whatever the diagnostics quote.
fn push_escaped(out: &mut String, text: &str) {
    let special = |c: char| {
        matches!(c, '&' | '<' | '>' | '"' | '\'' | '\u{FFFE}' | '\u{FFFF}')
            || (c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
    };
    let mut rest = text;
    // Runs without a character to replace are copied whole.
    while let Some(at) = rest.find(special) {
        let (run, from) = rest.split_at(at);
        out.push_str(run);
        let mut chars = from.chars();
        match chars.next() {
            Some('&') => out.push_str("&amp;"),
            Some('<') => out.push_str("&lt;"),
            Some('>') => out.push_str("&gt;"),
            Some('"') => out.push_str("&quot;"),
            Some('\'') => out.push_str("&apos;"),
            Some(_) => out.push('\u{FFFD}'),
            None => {}
        }
        rest = chars.as_str();
    }
    out.push_str(rest);
}

/// An object of `members`, in the order given.
fn object<const N: usize>(members: [(&str, Json); N]) -> Json {
    Json::Object(members.into_iter().collect())
}

/// One `issue`, members by name (as `serde_json` ordered them when it built outcomes).
fn issue_value(f: &Finding) -> Json {
    let code = f.code();
    let mut issue = Object::new();
    issue.insert("code", IssueType::for_code(code).as_str());
    let coding = object([
        ("code", code.as_str().into()),
        ("display", code.display().into()),
        ("system", CODE_SYSTEM_URL.into()),
    ]);
    issue.insert(
        "details",
        object([
            ("coding", Json::Array(vec![coding])),
            ("text", f.text().into()),
        ]),
    );
    if !f.diagnostics().is_empty() {
        issue.insert("diagnostics", f.diagnostics());
    }
    if !f.locations().is_empty() {
        issue.insert(
            "location",
            Json::Array(
                f.locations()
                    .iter()
                    .map(|l| Json::from(l.as_str()))
                    .collect(),
            ),
        );
    }
    issue.insert("severity", f.severity().as_str());
    Json::Object(issue)
}

impl From<&Error> for OperationOutcome {
    fn from(e: &Error) -> Self {
        e.to_operation_outcome()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Map};

    /// The outcome as `serde_json` built it before sesgo's own value did (ADR 0076): an
    /// independent rendering the new one must match byte for byte.
    fn oracle(oo: &OperationOutcome) -> String {
        let issues = oo.rendered_issues();
        let issue = |f: &Finding| {
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
        };
        json!({
            "resourceType": "OperationOutcome",
            "meta": { "profile": [OPERATION_OUTCOME_PROFILE] },
            "text": { "status": "generated", "div": narrative_div(&issues) },
            "issue": issues.iter().map(issue).collect::<Vec<_>>(),
        })
        .to_string()
    }

    /// The character-by-character rule `push_escaped` applies by runs.
    fn escaped_by_char(text: &str) -> String {
        let mut out = String::new();
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&apos;"),
                '\t' | '\n' | '\r' => out.push(c),
                c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
                c => out.push(c),
            }
        }
        out
    }

    #[test]
    fn narrative_text_is_escaped_at_every_position() {
        let specials = [
            '&', '<', '>', '"', '\'', '\t', '\n', '\r', '\u{0}', '\u{1f}', '\u{7f}', '\u{fffe}',
            '\u{ffff}', '\u{fffd}', 'é', '😀',
        ];
        for len in 0..12 {
            for (k, &c) in specials.iter().enumerate() {
                for at in 0..=len {
                    let mut s: String = (0..len).map(|i| char::from(b'a' + i as u8)).collect();
                    s.insert(at, c);
                    s.push(specials[(k + len) % specials.len()]);
                    let mut out = String::from("x");
                    push_escaped(&mut out, &s);
                    assert_eq!(out, format!("x{}", escaped_by_char(&s)), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn renders_as_serde_json_did() {
        let odd = "aspas \" barra \\ <tag> & 'x' \t\n\r \u{1} \u{7f} \u{fffe} é € 😀";
        let outcomes = [
            OperationOutcome::new(Vec::new()),
            OperationOutcome::new(vec![Finding::new(Code::FormatJsonMalformed, "")]),
            OperationOutcome::new(vec![
                Finding::new(Code::FormatJsonMalformed, odd).at("Bundle.entry[0]"),
                Finding::new(Code::CertNearExpiry, "vence")
                    .with_severity(Severity::Warning)
                    .with_text(odd.to_owned())
                    .at("x5c[0]")
                    .at(odd),
            ]),
            OperationOutcome::success(
                "alg=RS256",
                Code::ALL
                    .iter()
                    .map(|&c| Finding::new(c, c.display()).at(c.as_str()))
                    .collect(),
            ),
        ];
        for oo in &outcomes {
            let ours = oo.to_json();
            assert_eq!(ours, oracle(oo));
            assert_eq!(oo.to_value().to_string(), ours);
            assert_eq!(oo.to_json_value().to_json(), ours);
            let back = OperationOutcome::from_value(&oo.to_value()).unwrap();
            assert_eq!(back.to_json(), ours);
        }
    }
}
