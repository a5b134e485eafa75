//! Mapping from the guide's codes to FHIR R4 `IssueType` (`OperationOutcome.issue.code`).
//!
//! The guide fixes `issue.code` only through its examples; this table reproduces every
//! example (tested) and extends it by category (docs/adr/0002).

use crate::Code;

/// FHIR R4 `IssueType` codes used by sesgo (value set `issue-type`, required binding).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum IssueType {
    Invalid,
    Structure,
    Required,
    Value,
    Security,
    Login,
    Forbidden,
    Processing,
    NotSupported,
    Duplicate,
    NotFound,
    TooCostly,
    BusinessRule,
    Transient,
    Exception,
    Timeout,
    Incomplete,
    Informational,
}

impl IssueType {
    /// The FHIR code.
    pub fn as_str(self) -> &'static str {
        match self {
            IssueType::Invalid => "invalid",
            IssueType::Structure => "structure",
            IssueType::Required => "required",
            IssueType::Value => "value",
            IssueType::Security => "security",
            IssueType::Login => "login",
            IssueType::Forbidden => "forbidden",
            IssueType::Processing => "processing",
            IssueType::NotSupported => "not-supported",
            IssueType::Duplicate => "duplicate",
            IssueType::NotFound => "not-found",
            IssueType::TooCostly => "too-costly",
            IssueType::BusinessRule => "business-rule",
            IssueType::Transient => "transient",
            IssueType::Exception => "exception",
            IssueType::Timeout => "timeout",
            IssueType::Incomplete => "incomplete",
            IssueType::Informational => "informational",
        }
    }

    /// The issue type sesgo renders for a guide code.
    pub fn for_code(code: Code) -> IssueType {
        use IssueType::*;
        let s = code.as_str();
        // Specific codes first (the guide's examples are among them).
        match s {
            "VALIDATION.SUCCESS" => return Informational,
            "POLICY.MISSING"
            | "FORMAT.BUNDLE-EMPTY"
            | "FORMAT.BUNDLE-RESOURCE-MISSING"
            | "FORMAT.EXTENSION-MISSING"
            | "FORMAT.SIGNATURE-MISSING"
            | "CONFIG.MISSING-PARAMETER"
            | "CONFIG.TSA-CONFIG-MISSING"
            | "CONFIG.TRUST-STORE-EMPTY"
            | "TEMPORAL.IAT-MISSING" => return Required,
            "POLICY.VERSION-UNSUPPORTED"
            | "CERT.UNSUPPORTED-ALGORITHM"
            | "CRYPTO.ALGORITHM-UNSUPPORTED"
            | "FORMAT.RESOURCE-TYPE-UNSUPPORTED"
            | "MIDDLEWARE.UNSUPPORTED-MECHANISMS"
            | "TSA.POLICY-UNSUPPORTED"
            | "VALIDATION.UNSUPPORTED-ALGORITHM"
            | "SYSTEM.INCOMPATIBLE-LIBRARY-VERSION" => return NotSupported,
            "POLICY.VERSION-DEPRECATED" => return BusinessRule,
            "CERT.INVALID-FORMAT"
            | "CRYPTO.INVALID-PUBLIC-KEY"
            | "CRYPTO.HASH-VERIFICATION-FAILED"
            | "REVOCATION.CRL-INVALID"
            | "REVOCATION.OCSP-INVALID"
            | "REVOCATION.RESPONSE-MALFORMED" => return Invalid,
            "CERT.CHAIN-INCOMPLETE" => return Incomplete,
            "REVOCATION.OCSP-UNAVAILABLE"
            | "REVOCATION.CRL-UNAVAILABLE"
            | "SYSTEM.TIMEOUT"
            | "SECURITY.BUNDLE-TIMEOUT-EXCEEDED" => return Timeout,
            "REVOCATION.NO-CONNECTIVITY" | "REVOCATION.CACHE-EXPIRED" | "TSA.UNAVAILABLE" => {
                return Transient
            }
            "REVOCATION.NO-DISTRIBUTION-POINTS"
            | "FORMAT.TARGET-REFERENCE-MISSING"
            | "FORMAT.REFERENCE-MISSING"
            | "DEVICE.SMARTCARD-NOT-FOUND"
            | "DEVICE.TOKEN-NOT-FOUND"
            | "DEVICE.CERTIFICATE-NOT-FOUND"
            | "MIDDLEWARE.LIBRARY-NOT-FOUND" => return NotFound,
            "CRYPTO.SIGNATURE-CREATION-FAILED"
            | "CRYPTO.ENTROPY-INSUFFICIENT"
            | "DEVICE.MIDDLEWARE-ERROR"
            | "SYSTEM.MEMORY-EXHAUSTED" => return Exception,
            "CRYPTO.PIN-INVALID" | "CONFIG.TSA-AUTH-FAILED" => return Login,
            "CRYPTO.DEVICE-BLOCKED" | "DEVICE.PIN-BLOCKED" | "DEVICE.KEY-ACCESS-DENIED" => {
                return Forbidden
            }
            "FORMAT.DUPLICATE-FULLURL"
            | "FORMAT.DUPLICATE-TARGET-REFERENCE"
            | "FORMAT.PROVENANCE-TARGET-DUPLICATE" => return Duplicate,
            "FORMAT.RESOURCE-TOO-LARGE"
            | "FORMAT.TOO-MANY-ENTRIES"
            | "SECURITY.BUNDLE-SIZE-LIMIT-EXCEEDED"
            | "SECURITY.BUNDLE-MEMORY-LIMIT-EXCEEDED"
            | "SECURITY.PROVENANCE-SIZE-LIMIT-EXCEEDED" => return TooCostly,
            "FORMAT.PROFILE-VALIDATION-FAILED" | "FORMAT.JSON-MALFORMED" => return Structure,
            "FORMAT.CANONICALIZATION-FAILED" => return Processing,
            "TEMPORAL.IAT-INVALID"
            | "POLICY.URI-INVALID"
            | "POLICY.SIGNATURE-POLICY-ID-INVALID" => return Value,
            "VALIDATION.LTV-EVIDENCE-INVALID" | "VALIDATION.TIMESTAMP-STRATEGY-INVALID" => {
                return Invalid
            }
            "VALIDATION.SIGNATURE-VERIFICATION-FAILED" => return Security,
            _ => {}
        }
        match code.category() {
            "CERT" | "CRYPTO" | "SECURITY" => Security,
            "FORMAT" | "TSA" | "REVOCATION" => Invalid,
            "DEVICE" | "STORAGE" | "SYSTEM" => Exception,
            "MIDDLEWARE" | "CONFIG" | "POLICY" => Value,
            "TEMPORAL" | "VALIDATION" => BusinessRule,
            "CACHE" | "NETWORK" => Transient,
            _ => Processing,
        }
    }
}
