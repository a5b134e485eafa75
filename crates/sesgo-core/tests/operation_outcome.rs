//! OperationOutcome rendering against the guide's profile `operation-outcome-assinatura`
//! and its example instances (conformance package 0.1.2, copied under data/ig/).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use serde_json::Value;
use sesgo_core::{
    Code, Error, Finding, OperationOutcome, Origin, Severity, CODE_SYSTEM_URL,
    OPERATION_OUTCOME_PROFILE,
};
use std::path::{Path, PathBuf};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/ig")
        .join(rel)
}

fn load(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).expect("read")).expect("json")
}

fn examples() -> Vec<Value> {
    let mut out: Vec<_> = std::fs::read_dir(data("example"))
        .expect("examples")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    out.sort();
    assert!(
        out.len() >= 11,
        "the guide ships 11 example OperationOutcomes"
    );
    out.iter().map(|p| load(p)).collect()
}

/// FHIR R4 IssueType value set (required binding of OperationOutcome.issue.code).
const ISSUE_TYPES: &[&str] = &[
    "invalid",
    "structure",
    "required",
    "value",
    "invariant",
    "security",
    "login",
    "unknown",
    "expired",
    "forbidden",
    "suppressed",
    "processing",
    "not-supported",
    "duplicate",
    "multiple-matches",
    "not-found",
    "deleted",
    "too-long",
    "code-invalid",
    "extension",
    "too-costly",
    "business-rule",
    "conflict",
    "transient",
    "lock-error",
    "no-store",
    "exception",
    "timeout",
    "incomplete",
    "throttled",
    "informational",
];

/// Structural validation driven by the profile's StructureDefinition: the minimum
/// cardinalities and fixed values of its differential, the required bindings, and the
/// base resource's element types for the elements sesgo fills.
fn validate(oo: &Value, allow_addendum: bool) -> Result<(), String> {
    let sd = load(&data(
        "StructureDefinition-operation-outcome-assinatura.json",
    ));
    let cs = load(&data("CodeSystem-situacao-excepcional-assinatura.json"));
    let vs = load(&data("ValueSet-situacao-excepcional-assinatura-vs.json"));
    assert_eq!(vs["compose"]["include"][0]["system"], CODE_SYSTEM_URL);
    let cs_codes: Vec<&str> = cs["concept"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    let diff = sd["differential"]["element"].as_array().unwrap();
    let min = |id: &str| -> u64 {
        diff.iter()
            .find(|e| e["id"] == id)
            .and_then(|e| e.get("min"))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    let fixed_system = diff
        .iter()
        .find(|e| e["id"] == "OperationOutcome.issue.details.coding:situacaoExcepcional.system")
        .and_then(|e| e["fixedUri"].as_str())
        .ok_or("profile has no fixed system")?;
    assert_eq!(fixed_system, CODE_SYSTEM_URL);

    if oo["resourceType"] != "OperationOutcome" {
        return Err("resourceType".into());
    }
    let issues = oo["issue"].as_array().ok_or("issue missing")?;
    if issues.is_empty() {
        return Err("issue 1..* (base)".into());
    }
    for (i, issue) in issues.iter().enumerate() {
        let sev = issue["severity"]
            .as_str()
            .ok_or(format!("issue[{i}].severity 1..1"))?;
        Severity::from_fhir(sev).ok_or(format!("issue[{i}].severity {sev}"))?;
        let code = issue["code"]
            .as_str()
            .ok_or(format!("issue[{i}].code 1..1"))?;
        if !ISSUE_TYPES.contains(&code) {
            return Err(format!("issue[{i}].code {code} not an IssueType"));
        }
        let details = issue.get("details");
        if min("OperationOutcome.issue.details") >= 1 && details.is_none() {
            return Err(format!("issue[{i}].details required"));
        }
        let details = details.unwrap();
        let codings = details["coding"].as_array().ok_or("coding")?;
        let slice: Vec<&Value> = codings
            .iter()
            .filter(|c| c["system"] == fixed_system)
            .collect();
        if slice.len() != 1 {
            return Err(format!("issue[{i}] slice situacaoExcepcional must be 1..1"));
        }
        let c = slice[0]["code"].as_str().ok_or("coding.code 1..1")?;
        let known = cs_codes.contains(&c)
            || (allow_addendum
                && Code::from_code_str(c).is_some_and(|k| k.origin() == Origin::Policy020Addendum));
        if !known {
            return Err(format!("issue[{i}] code {c} not in the bound ValueSet"));
        }
        if min("OperationOutcome.issue.details.text") >= 1
            && details["text"].as_str().is_none_or(str::is_empty)
        {
            return Err(format!("issue[{i}].details.text required"));
        }
        if let Some(d) = issue.get("diagnostics") {
            d.as_str().ok_or("diagnostics is a string")?;
        }
        if let Some(l) = issue.get("location") {
            for x in l.as_array().ok_or("location is an array")? {
                x.as_str().ok_or("location entries are strings")?;
            }
        }
    }
    Ok(())
}

#[test]
fn the_validator_accepts_every_example_of_the_guide() {
    for ex in examples() {
        validate(&ex, false).unwrap_or_else(|e| panic!("{}: {e}", ex["id"]));
    }
}

#[test]
fn rendering_reproduces_every_example_issue_exactly() {
    for ex in examples() {
        let mut findings = Vec::new();
        for issue in ex["issue"].as_array().unwrap() {
            let code: Code = issue["details"]["coding"][0]["code"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            let mut f = Finding::new(code, issue["diagnostics"].as_str().unwrap_or(""))
                .with_text(issue["details"]["text"].as_str().unwrap().to_owned());
            for l in issue
                .get("location")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                f = f.at(l.as_str().unwrap());
            }
            findings.push(f);
        }
        let ours = OperationOutcome::new(findings).to_value();
        assert_eq!(ours["meta"], ex["meta"], "{}", ex["id"]);
        assert_eq!(ours["issue"], ex["issue"], "{}", ex["id"]);
        // And back.
        let parsed = OperationOutcome::from_value(&ex).expect("parse example");
        assert_eq!(parsed.to_value()["issue"], ex["issue"], "{}", ex["id"]);
    }
}

#[test]
fn an_outcome_from_any_code_conforms_to_the_profile() {
    for code in Code::ALL {
        let err = Error::from(Finding::new(code, format!("diagnóstico de {code}")).at("Bundle"));
        let v = err.to_operation_outcome().to_value();
        validate(&v, true).unwrap_or_else(|e| panic!("{code}: {e}"));
        assert_eq!(v["meta"]["profile"][0], OPERATION_OUTCOME_PROFILE);
        let issue = &v["issue"][0];
        assert_eq!(issue["details"]["coding"][0]["code"], code.as_str());
        assert_eq!(issue["details"]["coding"][0]["display"], code.display());
        assert_eq!(issue["details"]["text"], code.definition());
        let expected = if code.severity().is_failure() {
            code.severity()
        } else {
            Severity::Error
        };
        assert_eq!(issue["severity"], expected.as_str(), "{code}");
        assert_eq!(
            OperationOutcome::from_value(&v).unwrap().issues()[0].code(),
            code
        );
    }
}

#[test]
fn success_outcome_carries_warnings_after_validation_success() {
    let oo = OperationOutcome::success(
        "alg=RS256",
        vec![Finding::new(
            Code::TemporalSignatureTooOld,
            "assinatura com 400 dias",
        )],
    );
    assert!(oo.is_success());
    let v = oo.to_value();
    validate(&v, false).unwrap();
    assert_eq!(v["issue"][0]["severity"], "information");
    assert_eq!(v["issue"][0]["code"], "informational");
    assert_eq!(
        v["issue"][0]["details"]["text"],
        "Assinatura digital validada com sucesso"
    );
    assert_eq!(v["issue"][1]["severity"], "warning");
    assert!(oo.into_error().is_none());
    // Even an empty outcome renders as a conforming resource.
    validate(&OperationOutcome::new(vec![]).to_value(), false).unwrap();
}

#[test]
fn error_reports_its_most_severe_finding_first() {
    let e = Error::from_findings(vec![
        Finding::new(Code::CertNearExpiry, "w"),
        Finding::new(Code::FormatUuidInvalid, "e").at("Bundle.entry[1].fullUrl"),
        Finding::new(Code::FormatCanonicalizationFailed, "f"),
    ])
    .unwrap();
    assert_eq!(e.code(), Code::FormatCanonicalizationFailed);
    assert_eq!(e.findings().len(), 3);
    assert!(e.to_string().contains("FORMAT.CANONICALIZATION-FAILED"));
    assert!(Error::from_findings(vec![Finding::new(Code::CertNearExpiry, "w")]).is_none());
    let nested = Error::new(Code::FormatReferenceInvalid, "x")
        .at("subject.reference")
        .nested_in("Bundle.entry[2].resource");
    assert_eq!(
        nested.findings()[0].locations(),
        ["Bundle.entry[2].resource.subject.reference"]
    );
}

#[test]
fn narrative_is_generated_xhtml_listing_every_issue_escaped() {
    let oo = OperationOutcome::new(vec![
        Finding::new(
            Code::FormatJsonMalformed,
            "esperado '}' em <a href=\"x\"> & \u{1}fim",
        )
        .at("Bundle"),
        Finding::new(Code::CertNearExpiry, "").with_severity(Severity::Warning),
    ]);
    let v = oo.to_value();
    assert_eq!(v["text"]["status"], "generated");
    let div = v["text"]["div"].as_str().expect("div");
    assert_eq!(div, oo.narrative());
    assert_eq!(
        div,
        "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p><b>OperationOutcome (situações \
         excepcionais de assinatura)</b></p><table class=\"grid\"><tr><th>Severidade</th>\
         <th>Código</th><th>Diagnóstico</th></tr>\
         <tr><td>error</td><td>FORMAT.JSON-MALFORMED</td><td>esperado &apos;}&apos; em \
         &lt;a href=&quot;x&quot;&gt; &amp; \u{FFFD}fim</td></tr>\
         <tr><td>warning</td><td>CERT.NEAR-EXPIRY</td><td></td></tr></table></div>"
    );
    // Reading back ignores the narrative and re-renders it identically.
    let back = OperationOutcome::from_value(&v).unwrap();
    assert_eq!(back.to_value(), v);
    // The empty outcome's narrative lists its one VALIDATION.SUCCESS issue.
    assert!(OperationOutcome::new(vec![])
        .narrative()
        .contains("<tr><td>information</td><td>VALIDATION.SUCCESS</td><td>nenhuma situação excepcional</td></tr>"));
}
