//! What a verification concluded and what it checked (issue 15, "the result says what
//! was checked"): one [`SignatureReport`] per signature with the conclusion of each
//! [`Stage`], the signed scope, the unsigned content of the Bundle, and an overall
//! [`Indication`] in the three values of ETSI EN 319 102-1 (docs/guide/DECISIONS.md D9).

use sesgo_core::json::{Object, Value};
use sesgo_core::{Code, Finding, OperationOutcome};

/// The named stages of verification, in the order they run (docs/architecture.md). Each
/// maps to building blocks of ETSI EN 319 102-1 §5.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    /// FC: the Signature element and the JWS (structure, protected and unprotected header
    /// per policy) and the RS256 value over them (CV for the signature value).
    Jws,
    /// VCI: the declared policy is supported, expected and accepted by the receiver.
    Policy,
    /// FC: the transfer Bundle and the Provenance follow the guide's structural and
    /// reference rules (criar 1.4–1.9), every target resolving to exactly one entry.
    Structure,
    /// CV: the content digest recomputed from the signed instances equals the payload.
    Content,
    /// XCV + ISC: the certificate chain to a pinned root at the validation time, and the
    /// leaf's eligibility under the policy.
    Chain,
    /// RFC/XCV: the revocation status of the chain (DECISIONS D5).
    Revocation,
    /// SAV: the signing time against the certificate and the reference time.
    Time,
    /// SAV: the Signature element's values and the signer's identity per policy.
    Signer,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 8] = [
        Stage::Jws,
        Stage::Policy,
        Stage::Structure,
        Stage::Content,
        Stage::Chain,
        Stage::Revocation,
        Stage::Time,
        Stage::Signer,
    ];

    /// The stage's name in results (`jws`, `policy`, `structure`, `content`, `chain`,
    /// `revocation`, `time`, `signer`).
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Jws => "jws",
            Stage::Policy => "policy",
            Stage::Structure => "structure",
            Stage::Content => "content",
            Stage::Chain => "chain",
            Stage::Revocation => "revocation",
            Stage::Time => "time",
            Stage::Signer => "signer",
        }
    }
}

/// What one stage concluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StageStatus {
    /// Ran and found nothing that fails.
    Passed,
    /// Ran and found an error.
    Failed,
    /// Ran but could not conclude (e.g. no content supplied, revocation status
    /// unobtainable under `soft-fail`/`warn`).
    Indeterminate,
    /// Did not run (an earlier stage failed, or it does not apply to the input).
    NotRun,
}

impl StageStatus {
    /// `passed`, `failed`, `indeterminate` or `not-run`.
    pub fn as_str(self) -> &'static str {
        match self {
            StageStatus::Passed => "passed",
            StageStatus::Failed => "failed",
            StageStatus::Indeterminate => "indeterminate",
            StageStatus::NotRun => "not-run",
        }
    }
}

/// The overall conclusion (ETSI EN 319 102-1 §5.1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Indication {
    /// Every stage passed for every signature, and the content was checked.
    TotalPassed,
    /// Some error: the signature (or the content) does not hold.
    TotalFailed,
    /// No error, but something could not be established (content not supplied,
    /// revocation status unobtainable): `valid` may be true, yet not everything is proven.
    Indeterminate,
}

impl Indication {
    /// `TOTAL-PASSED`, `TOTAL-FAILED` or `INDETERMINATE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Indication::TotalPassed => "TOTAL-PASSED",
            Indication::TotalFailed => "TOTAL-FAILED",
            Indication::Indeterminate => "INDETERMINATE",
        }
    }
}

/// The identity the signing certificate asserts (ICP-Brasil CPF or CNPJ).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignerReport {
    /// `urn:brasil:cpf` or `urn:brasil:cnpj`.
    pub system: String,
    /// The digits.
    pub value: String,
}

/// What was concluded about one signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureReport {
    /// Where the signature is (`Bundle.entry[3].resource.signature[0]`, `Signature`,
    /// `Provenance.signature[0]`, `Signature.data`).
    pub location: String,
    /// The policy URI the signature declares, when the JWS could be read.
    pub policy: Option<&'static str>,
    /// `iat` or `tsa`, when the JWS could be read.
    pub strategy: Option<&'static str>,
    /// The signer as the signing certificate identifies it.
    pub signer: Option<SignerReport>,
    /// `iat` (Unix seconds), when present.
    pub signing_time: Option<i64>,
    /// The `fullUrl`s the signature covers, in `Provenance.target` order, when the signed
    /// set was resolved in a supplied Bundle.
    pub signed_full_urls: Vec<String>,
    /// Whether the content digest was recomputed from supplied content and compared.
    /// `false` means the signature was proven, not the content.
    pub content_checked: bool,
    /// Whether the policy's digest binds the `fullUrl`s and `Provenance.target` (0.2.0:
    /// yes; 0.1: no, so references between signed entries of one type can be re-pointed).
    pub binds_references: Option<bool>,
    /// No error was found for this signature.
    pub valid: bool,
    /// The conclusion of every stage, in [`Stage::ALL`] order.
    pub stages: Vec<(Stage, StageStatus)>,
}

impl SignatureReport {
    /// The status of one stage.
    pub fn stage(&self, stage: Stage) -> StageStatus {
        self.stages
            .iter()
            .find(|(s, _)| *s == stage)
            .map_or(StageStatus::NotRun, |(_, st)| *st)
    }

    fn to_value(&self) -> Value {
        let mut o = Object::new();
        o.insert("location", self.location.as_str());
        o.insert("valid", self.valid);
        o.insert("policy", opt_str(self.policy));
        o.insert("strategy", opt_str(self.strategy));
        o.insert(
            "signer",
            match &self.signer {
                Some(s) => {
                    let mut so = Object::new();
                    so.insert("system", s.system.as_str());
                    so.insert("value", s.value.as_str());
                    Value::Object(so)
                }
                None => Value::Null,
            },
        );
        o.insert(
            "signingTime",
            self.signing_time.map_or(Value::Null, Value::from),
        );
        o.insert("contentChecked", self.content_checked);
        o.insert(
            "bindsReferences",
            self.binds_references.map_or(Value::Null, Value::from),
        );
        o.insert(
            "signedFullUrls",
            Value::Array(
                self.signed_full_urls
                    .iter()
                    .map(|u| Value::from(u.as_str()))
                    .collect(),
            ),
        );
        let mut stages = Object::new();
        for (s, st) in &self.stages {
            stages.insert(s.as_str(), st.as_str());
        }
        o.insert("stages", Value::Object(stages));
        Value::Object(o)
    }
}

/// Content of a supplied Bundle that no verified signature covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsignedContent {
    /// `Bundle.entry[i]`, or `Bundle.entry[i].request` (and the like) for entry members
    /// outside `fullUrl` and `resource` of a signed entry.
    pub location: String,
    /// The entry's `fullUrl`, when it has one.
    pub full_url: Option<String>,
}

/// The result of [`verify`](crate::verify): an OperationOutcome (`VALIDATION.SUCCESS` plus
/// warnings, or every error found, located), whether no error was found, and what was
/// checked.
#[derive(Clone, Debug)]
pub struct Verification {
    /// The outcome (profile `operation-outcome-assinatura`).
    pub outcome: OperationOutcome,
    /// True when no finding is an error or fatal. Read it with
    /// [`content_checked`](Verification::content_checked) and [`indication`](Verification::indication):
    /// a valid signature whose content was not supplied proves the signature, not the
    /// content.
    pub valid: bool,
    /// TOTAL-PASSED, TOTAL-FAILED or INDETERMINATE.
    pub indication: Indication,
    /// Why not TOTAL-PASSED, in ETSI EN 319 102-1 terms (`HASH_FAILURE`,
    /// `SIGNED_DATA_NOT_FOUND`, `TRY_LATER`, …).
    pub sub_indication: Option<&'static str>,
    /// True when every signature's content digest was recomputed from supplied content.
    pub content_checked: bool,
    /// One report per signature found.
    pub signatures: Vec<SignatureReport>,
    /// Content of the supplied Bundle that no verified signature covers.
    pub unsigned_content: Vec<UnsignedContent>,
}

impl Verification {
    /// The result as JSON — the bindings' form:
    /// `{"valid", "indication", "subIndication", "contentChecked", "signatures":[…],
    /// "unsignedContent":[…], "outcome": OperationOutcome}`.
    pub fn to_json(&self) -> String {
        let mut o = Object::new();
        o.insert("valid", self.valid);
        o.insert("indication", self.indication.as_str());
        o.insert("subIndication", opt_str(self.sub_indication));
        o.insert("contentChecked", self.content_checked);
        o.insert(
            "signatures",
            Value::Array(
                self.signatures
                    .iter()
                    .map(SignatureReport::to_value)
                    .collect(),
            ),
        );
        o.insert(
            "unsignedContent",
            Value::Array(
                self.unsigned_content
                    .iter()
                    .map(|u| {
                        let mut e = Object::new();
                        e.insert("location", u.location.as_str());
                        e.insert("fullUrl", opt_str(u.full_url.as_deref()));
                        Value::Object(e)
                    })
                    .collect(),
            ),
        );
        o.insert("outcome", self.outcome.to_json_value());
        Value::Object(o).to_json()
    }

    /// The codes of the outcome's issues, in order (convenient in tests and logs).
    pub fn codes(&self) -> Vec<Code> {
        self.outcome.issues().iter().map(Finding::code).collect()
    }
}

fn opt_str(s: Option<&str>) -> Value {
    s.map_or(Value::Null, Value::from)
}
