//! Canonicalization, reference check, bundle building and signed attachments.

use crate::boundary::{bytes, optional_bytes, options, run_bytes};
use crate::bytes::sesgo_bytes;
use crate::error::sesgo_error;
use crate::status::SesgoStatus;

/// The canonical bytes of one FHIR resource as a signature covers it (unsigned elements
/// removed; RFC 8785 JCS under policy 0.1.x, `fhir-json-lossless/0.2.0` under 0.2.0).
/// `options_json`: `{"policy": "<policy URI>"}` or empty for the default policy.
#[no_mangle]
pub unsafe extern "C" fn sesgo_canonicalize(
    resource: *const u8,
    resource_len: usize,
    options_json: *const u8,
    options_len: usize,
    out: *mut sesgo_bytes,
    err_out: *mut *mut sesgo_error,
) -> SesgoStatus {
    run_bytes(err_out, out, || {
        // SAFETY: per the function contract.
        let resource = unsafe { bytes(resource, resource_len, "resource")? };
        // SAFETY: per the function contract.
        let opts: sesgo::CanonicalizeOptions = unsafe { options(options_json, options_len)? };
        Ok(sesgo::canonicalize(resource, opts.policy.as_deref())?)
    })
}

/// Checks a Bundle (and optionally its Provenance; pass NULL/0 for none) against the
/// guide's structural and reference rules. On success `out` receives an OperationOutcome
/// (JSON): `VALIDATION.SUCCESS`, or every finding with its location. `options_json`:
/// `{"policy", "validating", "strictOrder", "maxEntriesBundle"}` or empty.
#[no_mangle]
pub unsafe extern "C" fn sesgo_check_references(
    bundle: *const u8,
    bundle_len: usize,
    provenance: *const u8,
    provenance_len: usize,
    options_json: *const u8,
    options_len: usize,
    out: *mut sesgo_bytes,
    err_out: *mut *mut sesgo_error,
) -> SesgoStatus {
    run_bytes(err_out, out, || {
        // SAFETY: per the function contract.
        let bundle = unsafe { bytes(bundle, bundle_len, "bundle")? };
        // SAFETY: per the function contract.
        let prov = unsafe { bytes(provenance, provenance_len, "provenance")? };
        // SAFETY: per the function contract.
        let opts: sesgo::ReferenceCheckOptions = unsafe { options(options_json, options_len)? };
        let prov = (!prov.is_empty()).then_some(prov);
        let oo = sesgo::check_references(bundle, prov, &opts)?;
        Ok(oo.to_json().into_bytes())
    })
}

/// Builds a transfer Bundle from a JSON array of resources (server ids, relative
/// references): fresh `urn:uuid` fullUrls, internal references rewritten, external ones
/// replaced per `options_json` (`{"bundleType", "baseUrl", "external": [{"reference",
/// "identifier", "display"}]}`) or refused.
#[no_mangle]
pub unsafe extern "C" fn sesgo_build_bundle(
    resources: *const u8,
    resources_len: usize,
    options_json: *const u8,
    options_len: usize,
    out: *mut sesgo_bytes,
    err_out: *mut *mut sesgo_error,
) -> SesgoStatus {
    run_bytes(err_out, out, || {
        // SAFETY: per the function contract.
        let resources = unsafe { bytes(resources, resources_len, "resources")? };
        // SAFETY: per the function contract.
        let opts: sesgo::BuildBundleOptions = unsafe { options(options_json, options_len)? };
        Ok(sesgo::build_bundle(resources, &opts)?
            .to_json()
            .into_bytes())
    })
}

/// Fills `size`, `hash` (SHA-1) and the extension `hash-sha256` (SHA-256) of an
/// Attachment (profile `anexo-assinado`) from its content, before the DocumentReference
/// holding it is signed. The content is the Attachment's inline `data`, or — for an
/// Attachment with only a `url` — `content`: NULL (with length 0) = none, non-NULL with
/// length 0 = empty content. `options_json`: `{"location": "<FHIRPath of the
/// Attachment>"}` (prefixed to every finding; default `Attachment`) or empty. On success
/// `out` receives the Attachment JSON, every other member kept as written.
#[no_mangle]
pub unsafe extern "C" fn sesgo_fill_attachment(
    attachment: *const u8,
    attachment_len: usize,
    content: *const u8,
    content_len: usize,
    options_json: *const u8,
    options_len: usize,
    out: *mut sesgo_bytes,
    err_out: *mut *mut sesgo_error,
) -> SesgoStatus {
    let args = (attachment, attachment_len, content, content_len);
    // SAFETY: per the function contract.
    unsafe {
        attachment_op(args, options_json, options_len, out, err_out, |a, c, o| {
            Ok(sesgo::fill_attachment(a, c, o)?.to_json())
        })
    }
}

/// Checks an Attachment against the profile `anexo-assinado` and its content (as in
/// `sesgo_fill_attachment`). On success `out` receives an OperationOutcome (JSON):
/// `VALIDATION.SUCCESS`, or every finding located (a content that does not match is
/// `CRYPTO.HASH-VERIFICATION-FAILED` at `.size`, `.hash` or
/// `.extension[i].valueBase64Binary`). An error status only when the inputs or options
/// are unusable.
#[no_mangle]
pub unsafe extern "C" fn sesgo_check_attachment(
    attachment: *const u8,
    attachment_len: usize,
    content: *const u8,
    content_len: usize,
    options_json: *const u8,
    options_len: usize,
    out: *mut sesgo_bytes,
    err_out: *mut *mut sesgo_error,
) -> SesgoStatus {
    let args = (attachment, attachment_len, content, content_len);
    // SAFETY: per the function contract.
    unsafe {
        attachment_op(args, options_json, options_len, out, err_out, |a, c, o| {
            Ok(sesgo::check_attachment(a, c, o)?.to_json())
        })
    }
}

/// The boundary of the attachment functions: `(attachment, len, content, len)`, the
/// options, and the facade call whose JSON goes to `out`.
///
/// # Safety
/// As the exported functions' contracts.
unsafe fn attachment_op(
    (attachment, attachment_len, content, content_len): (*const u8, usize, *const u8, usize),
    options_json: *const u8,
    options_len: usize,
    out: *mut sesgo_bytes,
    err_out: *mut *mut sesgo_error,
    op: impl FnOnce(&[u8], Option<&[u8]>, &sesgo::AttachmentOptions) -> sesgo::Result<String>,
) -> SesgoStatus {
    run_bytes(err_out, out, || {
        // SAFETY: per the caller's contract.
        let att = unsafe { bytes(attachment, attachment_len, "attachment")? };
        // SAFETY: per the caller's contract.
        let content = unsafe { optional_bytes(content, content_len, "content")? };
        // SAFETY: per the caller's contract.
        let opts: sesgo::AttachmentOptions = unsafe { options(options_json, options_len)? };
        Ok(op(att, content, &opts)?.into_bytes())
    })
}
