//! Signed attachments (profile `anexo-assinado`, extension `hash-sha256`): filling
//! `size`, `hash` (SHA-1) and `hash-sha256` from the content, and checking them. The
//! signature of an `informacao-assinada` DocumentReference covers the Attachment element,
//! not the content, so these three values are what binds the content to the signature.

use crate::options::from_json;
use serde::{Deserialize, Serialize};
use sesgo_core::json::{parse_strict, Limits, Value};
use sesgo_core::{Code, Error, Finding, OperationOutcome, Result};
use sesgo_provenance::attachment;

pub use sesgo_provenance::attachment::HASH_SHA256_URL;

/// Where findings are located when the options give no location of their own.
pub const DEFAULT_ATTACHMENT_LOCATION: &str = "Attachment";

/// Options of [`fill_attachment`] and [`check_attachment`] (JSON: camelCase; unknown
/// members refused).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct AttachmentOptions {
    /// FHIRPath-like location of the Attachment in its resource, prefixed to every
    /// finding (e.g. `DocumentReference.content[0].attachment`); default `Attachment`.
    pub location: Option<String>,
}

impl AttachmentOptions {
    /// Parses the JSON form (empty = defaults).
    pub fn from_json(json: &[u8]) -> Result<Self> {
        from_json(json, "options")
    }

    fn location(&self) -> &str {
        match self.location.as_deref() {
            Some(l) if !l.trim().is_empty() => l,
            _ => DEFAULT_ATTACHMENT_LOCATION,
        }
    }
}

/// Reads the Attachment JSON (strictly: duplicates refused, numbers verbatim) and the
/// content: inline `data` or `content`, never both (which one would be hashed would be
/// a guess).
fn parse_attachment(json: &[u8], content: Option<&[u8]>, loc: &str) -> Result<Value> {
    let v = parse_strict(json, &Limits::default())
        .map_err(|e| e.into_error(loc, Code::FormatResourceTooLarge))?;
    let Some(obj) = v.as_object() else {
        return Err(Error::new(
            Code::FormatResourceInvalid,
            format!("um Attachment é um objeto JSON, não {}", v.type_name()),
        )
        .at(loc));
    };
    if content.is_some() && obj.contains_key("data") {
        return Err(Error::new(
            Code::ConfigInvalidParameter,
            "o Attachment já traz o conteúdo em data: não informe também o conteúdo externo",
        )
        .at(format!("{loc}.data")));
    }
    Ok(v)
}

/// Fills `size`, `hash` (SHA-1, standard Base64) and the extension `hash-sha256`
/// (SHA-256, standard Base64) of an Attachment from its content, as the profile
/// `anexo-assinado` requires before the DocumentReference that holds it is signed. The
/// content is the inline `data`, or — for an Attachment that only has a `url` — the
/// `content` bytes given. Stale values are replaced, every other member is kept as
/// written (order and number tokens); the `hash-sha256` extension comes first in
/// `extension`. Errors: JSON that does not parse, `data` that is not Base64
/// (`FORMAT.BASE64-INVALID`), no content (`CONFIG.MISSING-PARAMETER`), both `data` and
/// `content` (`CONFIG.INVALID-PARAMETER`).
///
/// ```
/// // "laudo" inline: size 5, SHA-1 and SHA-256 in Base64.
/// let att = br#"{"contentType":"text/plain","data":"bGF1ZG8="}"#;
/// let filled = sesgo::fill_attachment(att, None, &Default::default()).unwrap();
/// assert_eq!(
///     filled.to_json(),
///     concat!(
///         r#"{"contentType":"text/plain","data":"bGF1ZG8=","size":5,"#,
///         r#""hash":"rb4OJF2jlaTUZooaMBab6v+UYrQ=","extension":[{"url":"#,
///         r#""https://fhir.saude.go.gov.br/r4/seguranca/StructureDefinition/hash-sha256","#,
///         r#""valueBase64Binary":"MIpHjZSwVsvehN4KwhkTun5vv9vFSmeveaB4TJbuxMw="}]}"#
///     )
/// );
/// // The same checks clean; tampered content does not.
/// let bytes = filled.to_json();
/// assert!(sesgo::check_attachment(bytes.as_bytes(), None, &Default::default()).unwrap().is_success());
/// let tampered = bytes.replace("bGF1ZG8=", "bGF1ZGU="); // "laude": same size
/// let oo = sesgo::check_attachment(tampered.as_bytes(), None, &Default::default()).unwrap();
/// assert_eq!(oo.issues()[0].code(), sesgo::Code::CryptoHashVerificationFailed);
/// assert_eq!(oo.issues()[0].locations(), ["Attachment.hash"]);
/// ```
pub fn fill_attachment(
    attachment_json: &[u8],
    content: Option<&[u8]>,
    options: &AttachmentOptions,
) -> Result<Value> {
    let loc = options.location();
    let mut v = parse_attachment(attachment_json, content, loc)?;
    let obj = v.as_object_mut().ok_or_else(|| {
        Error::new(
            Code::FormatResourceInvalid,
            "um Attachment é um objeto JSON",
        )
        .at(loc)
    })?;
    attachment::fill(obj, content, loc)?;
    Ok(v)
}

/// Checks an Attachment against the profile `anexo-assinado` and its content (inline
/// `data`, or the `content` bytes given for a `url` Attachment): `contentType`, `size`,
/// `hash` and exactly one `hash-sha256` extension present
/// (`FORMAT.PROFILE-VALIDATION-FAILED`, `FORMAT.EXTENSION-MISSING`), and all three
/// values matching the content (`CRYPTO.HASH-VERIFICATION-FAILED`). Returns an
/// OperationOutcome listing every finding, located under the options' `location` — or,
/// when there is none, `VALIDATION.SUCCESS`. `Err` only when the input is not JSON or
/// an option is invalid.
///
/// ```
/// // A url Attachment: the content travels apart and must be given.
/// let att = br#"{"contentType":"application/pdf","url":"https://example.org/laudo.pdf",
///   "size":8,"hash":"uvbBo/sl8K9aq7wyqoQeJ8sCUCA=","extension":[{"url":
///   "https://fhir.saude.go.gov.br/r4/seguranca/StructureDefinition/hash-sha256",
///   "valueBase64Binary":"AAAA"}]}"#;
/// let oo = sesgo::check_attachment(att, Some(b"%PDF-1.7"), &Default::default()).unwrap();
/// assert!(!oo.is_success());
/// assert_eq!(oo.issues()[0].code(), sesgo::Code::CryptoHashVerificationFailed);
/// assert_eq!(oo.issues()[0].locations(), ["Attachment.extension[0].valueBase64Binary"]);
/// ```
pub fn check_attachment(
    attachment_json: &[u8],
    content: Option<&[u8]>,
    options: &AttachmentOptions,
) -> Result<OperationOutcome> {
    let loc = options.location();
    let v = parse_attachment(attachment_json, content, loc)?;
    let findings = attachment::check(&v, content, loc);
    if findings.is_empty() {
        Ok(OperationOutcome::new(vec![Finding::new(
            Code::ValidationSuccess,
            "size, hash (SHA-1) e hash-sha256 conferem com o conteúdo",
        )
        .with_text("Anexo conforme ao perfil anexo-assinado")]))
    } else {
        Ok(OperationOutcome::new(findings))
    }
}
