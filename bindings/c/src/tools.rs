//! Canonicalization, reference check and bundle building.

use crate::boundary::{bytes, run, Failure};
use crate::bytes::sesgo_bytes;
use crate::error::sesgo_error;
use crate::status::SesgoStatus;

/// Writes `v` to `out` (checked non-NULL by the caller).
pub(crate) fn put(out: *mut sesgo_bytes, v: Vec<u8>) -> Result<(), Failure> {
    if out.is_null() {
        return Err(Failure::null("out"));
    }
    // SAFETY: non-NULL, caller-provided output slot.
    unsafe { out.write(sesgo_bytes::from_vec(v)) };
    Ok(())
}

/// Checks `out` before doing any work, so a NULL output costs nothing.
pub(crate) fn need_out(out: *mut sesgo_bytes) -> Result<(), Failure> {
    if out.is_null() {
        Err(Failure::null("out"))
    } else {
        Ok(())
    }
}

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
    run(err_out, || {
        need_out(out)?;
        // SAFETY: per the function contract.
        let resource = unsafe { bytes(resource, resource_len, "resource")? };
        let options = unsafe { bytes(options_json, options_len, "options_json")? };
        let opts = sesgo::CanonicalizeOptions::from_json(options)?;
        put(out, sesgo::canonicalize(resource, opts.policy.as_deref())?)
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
    run(err_out, || {
        need_out(out)?;
        // SAFETY: per the function contract.
        let bundle = unsafe { bytes(bundle, bundle_len, "bundle")? };
        let prov = unsafe { bytes(provenance, provenance_len, "provenance")? };
        let options = unsafe { bytes(options_json, options_len, "options_json")? };
        let opts = sesgo::ReferenceCheckOptions::from_json(options)?;
        let prov = (!prov.is_empty()).then_some(prov);
        let oo = sesgo::check_references(bundle, prov, &opts)?;
        put(out, oo.to_json().into_bytes())
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
    run(err_out, || {
        need_out(out)?;
        // SAFETY: per the function contract.
        let resources = unsafe { bytes(resources, resources_len, "resources")? };
        let options = unsafe { bytes(options_json, options_len, "options_json")? };
        let opts = sesgo::BuildBundleOptions::from_json(options)?;
        put(
            out,
            sesgo::build_bundle(resources, &opts)?
                .to_json()
                .into_bytes(),
        )
    })
}
