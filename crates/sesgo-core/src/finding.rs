//! Findings (one coded, located observation) and the error type of every sesgo operation.

use crate::outcome::OperationOutcome;
use crate::Code;
use std::borrow::Cow;
use std::fmt;

/// FHIR `issue-severity`, ordered from the least to the most severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// `information`
    Information,
    /// `warning`
    Warning,
    /// `error`
    Error,
    /// `fatal`
    Fatal,
}

impl Severity {
    /// The FHIR code (`fatal`, `error`, `warning`, `information`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Fatal => "fatal",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "information",
        }
    }

    /// Parses the FHIR code.
    pub fn from_fhir(s: &str) -> Option<Severity> {
        Some(match s {
            "fatal" => Severity::Fatal,
            "error" => Severity::Error,
            "warning" => Severity::Warning,
            "information" => Severity::Information,
            _ => return None,
        })
    }

    /// True for `error` and `fatal`: the operation did not succeed.
    pub fn is_failure(self) -> bool {
        self >= Severity::Error
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One observation: a code of the guide, its severity, where it was found and why.
///
/// Rendered as one `OperationOutcome.issue`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub(crate) code: Code,
    pub(crate) severity: Severity,
    text: Option<Cow<'static, str>>,
    diagnostics: String,
    pub(crate) location: Vec<String>,
    /// Non-zero for the summary of findings left out by a cap (crate::budget): how many.
    pub(crate) omitted: u64,
}

impl Finding {
    /// A finding with the code's own severity and the given diagnostics (plain words
    /// naming the offending value).
    pub fn new(code: Code, diagnostics: impl Into<String>) -> Self {
        Finding {
            code,
            severity: code.severity(),
            text: None,
            diagnostics: diagnostics.into(),
            location: Vec::new(),
            omitted: 0,
        }
    }

    /// Adds a location (FHIRPath-like, e.g. `Bundle.entry[2].resource.subject.reference`).
    #[must_use]
    pub fn at(mut self, location: impl Into<String>) -> Self {
        self.location.push(location.into());
        self
    }

    /// Overrides the severity, where a decision of the product says so (e.g. N1 is an
    /// error when signing but a warning when validating, DECISIONS D3).
    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Sets `details.text` (default: the code's definition in the guide's Portuguese).
    #[must_use]
    pub fn with_text(mut self, text: impl Into<Cow<'static, str>>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// The guide code.
    pub fn code(&self) -> Code {
        self.code
    }

    /// The severity.
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// `details.text`.
    pub fn text(&self) -> &str {
        self.text
            .as_deref()
            .unwrap_or_else(|| self.code.definition())
    }

    /// `diagnostics`.
    pub fn diagnostics(&self) -> &str {
        &self.diagnostics
    }

    /// For the summary of findings left out by a cap ([`crate::budget::FindingCap`]): how
    /// many it stands for; 0 for every other finding.
    pub fn omitted(&self) -> u64 {
        self.omitted
    }

    /// `location` entries.
    pub fn locations(&self) -> &[String] {
        &self.location
    }

    /// Rewrites every location with `f` (e.g. to re-root `Provenance.target[0]` at
    /// `Bundle.entry[3].resource.target[0]` when the Provenance is a Bundle entry).
    #[must_use]
    pub fn map_locations(mut self, f: impl Fn(&str) -> String) -> Self {
        for l in &mut self.location {
            *l = f(l);
        }
        self
    }

    /// Prefixes every location with `prefix.` (or sets it when there is none), used when
    /// a finding about a part is reported in the context of the whole.
    #[must_use]
    pub fn nested_in(mut self, prefix: &str) -> Self {
        if self.location.is_empty() {
            self.location.push(prefix.to_owned());
        } else {
            for l in &mut self.location {
                *l = format!("{prefix}.{l}");
            }
        }
        self
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.severity, self.diagnostics)?;
        if !self.location.is_empty() {
            write!(f, " [{}]", self.location.join(", "))?;
        }
        Ok(())
    }
}

/// The error of every fallible sesgo operation: one or more findings, at least one of
/// them an error or fatal. Renders to an `OperationOutcome` with
/// [`Error::to_operation_outcome`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    // Invariant: non-empty.
    findings: Vec<Finding>,
}

/// The primary finding of an `Error` with no finding (which no constructor builds).
static EMPTY_ERROR: std::sync::LazyLock<Finding> =
    std::sync::LazyLock::new(|| Finding::new(Code::System, "erro sem constatações"));

/// `Result` with sesgo's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// One finding with the given code and diagnostics.
    pub fn new(code: Code, diagnostics: impl Into<String>) -> Self {
        Error {
            findings: vec![Finding::new(code, diagnostics)],
        }
    }

    /// Adds a location to the first finding.
    #[must_use]
    pub fn at(mut self, location: impl Into<String>) -> Self {
        if let Some(first) = self.findings.first_mut() {
            first.location.push(location.into());
        }
        self
    }

    /// Builds an error from findings; `None` when none of them is an error or fatal.
    /// At most [`crate::budget::FINDINGS_PER_CODE`] findings of one code are kept; the
    /// rest are summarized in one finding of that code (DECISIONS D41).
    pub fn from_findings(mut findings: Vec<Finding>) -> Option<Self> {
        if findings.iter().any(|f| f.severity().is_failure()) {
            crate::budget::cap_findings(&mut findings);
            Some(Error { findings })
        } else {
            None
        }
    }

    /// The primary code: that of the first most severe finding.
    pub fn code(&self) -> Code {
        self.primary().code()
    }

    /// The first most severe finding.
    pub fn primary(&self) -> &Finding {
        // `max_by_key` keeps the last maximum; over the reversed list, that is the first.
        // The list is never empty (every constructor puts a failure in it); were it
        // empty, the answer would be the guide's group code `SYSTEM`.
        self.findings
            .iter()
            .rev()
            .max_by_key(|f| f.severity())
            .unwrap_or_else(|| &EMPTY_ERROR)
    }

    /// All findings, in the order they were found.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Consumes the error into its findings.
    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }

    /// Prefixes every location (see [`Finding::nested_in`]).
    #[must_use]
    pub fn nested_in(self, prefix: &str) -> Self {
        Error {
            findings: self
                .findings
                .into_iter()
                .map(|f| f.nested_in(prefix))
                .collect(),
        }
    }

    /// The `OperationOutcome` (profile `operation-outcome-assinatura`) of this error.
    pub fn to_operation_outcome(&self) -> OperationOutcome {
        OperationOutcome::new(self.findings.clone())
    }
}

impl From<Finding> for Error {
    /// A single finding as an error. If its severity is below `error`, it is raised to
    /// `error`: an `Error` always means failure.
    fn from(f: Finding) -> Self {
        let f = if f.severity().is_failure() {
            f
        } else {
            f.with_severity(Severity::Error)
        };
        Error { findings: vec![f] }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.primary(), f)?;
        if self.findings.len() > 1 {
            write!(f, " (+{} more)", self.findings.len() - 1)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
