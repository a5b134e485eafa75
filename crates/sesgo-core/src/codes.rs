//! The guide's exception codes (CodeSystem `situacao-excepcional-assinatura`).
//!
//! The table in `generated/codes.rs` is produced by `cargo xtask gen` from
//! `data/ig/CodeSystem-situacao-excepcional-assinatura.json` (the guide's conformance
//! package 0.1.2, CC0) and `data/codes-policy-0.2.0.json` (IG-DIGEST §14.4). A test
//! re-reads both JSON files and fails if the table disagrees with them.

use crate::Severity;

#[path = "generated/codes.rs"]
mod generated;

pub use generated::{Code, CODE_SYSTEM_URL, CODE_SYSTEM_VERSION};

/// Where a code comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// Published in the guide's CodeSystem 0.1.2.
    CodeSystem,
    /// Used by signature policy 0.2.0 but absent from the published CodeSystem 0.1.2
    /// (IG-DIGEST §14.4); display and definition are sesgo's wording.
    Policy020Addendum,
}

/// One row of the code table, exactly as the CodeSystem declares it.
#[derive(Debug)]
pub struct CodeInfo {
    /// The code, e.g. `FORMAT.UUID-INVALID`.
    pub code: &'static str,
    /// Portuguese display of the guide.
    pub display: &'static str,
    /// Portuguese definition of the guide, when the CodeSystem has one.
    pub definition: Option<&'static str>,
    /// Severity property as declared (some codes of CodeSystem 0.1.2 declare none).
    pub declared_severity: Option<Severity>,
    /// Category property as declared.
    pub declared_category: Option<&'static str>,
    /// Where the code comes from.
    pub origin: Origin,
}

impl Code {
    /// The table row of this code.
    pub fn info(self) -> &'static CodeInfo {
        generated::info(self)
    }

    /// The code string, e.g. `CERT.EXPIRED`.
    pub fn as_str(self) -> &'static str {
        self.info().code
    }

    /// Portuguese display of the guide, e.g. `Certificado Expirado`.
    pub fn display(self) -> &'static str {
        self.info().display
    }

    /// Portuguese definition of the guide, or the display when the CodeSystem gives none.
    pub fn definition(self) -> &'static str {
        self.info().definition.unwrap_or(self.info().display)
    }

    /// Severity used when rendering a finding of this code: the CodeSystem's declared
    /// severity, or `error` for the few codes that declare none (docs/adr/0002).
    pub fn severity(self) -> Severity {
        self.info().declared_severity.unwrap_or(Severity::Error)
    }

    /// Category: the declared one, or the prefix before the first `.`.
    pub fn category(self) -> &'static str {
        let info = self.info();
        info.declared_category
            .unwrap_or_else(|| info.code.split('.').next().unwrap_or(info.code))
    }

    /// True for the group codes (`POLICY`, `CERT`, …) that only organise the others.
    pub fn is_group(self) -> bool {
        !self.as_str().contains('.')
    }

    /// Where the code comes from.
    pub fn origin(self) -> Origin {
        self.info().origin
    }

    /// Looks a code up by its string.
    pub fn from_code_str(s: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Code {
    type Err = UnknownCode;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Code::from_code_str(s).ok_or(UnknownCode)
    }
}

/// The string is not a code of the guide's CodeSystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownCode;

impl std::fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a code of situacao-excepcional-assinatura")
    }
}

impl std::error::Error for UnknownCode {}
