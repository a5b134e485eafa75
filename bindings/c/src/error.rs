//! `sesgo_error`: the owned error object a failing call hands back through its optional
//! `sesgo_error **err_out` parameter.

use crate::status::SesgoStatus;
use sesgo_core::Error;
use std::ffi::{c_char, CString};

/// Details of a failure: status, guide code, first location, diagnostics and the full
/// OperationOutcome (profile `operation-outcome-assinatura`) as JSON. Owned by the
/// caller; release it with `sesgo_error_free`. Strings returned by its getters live as
/// long as the error.
#[allow(non_camel_case_types)]
pub struct sesgo_error {
    status: SesgoStatus,
    code: CString,
    location: CString,
    diagnostics: CString,
    outcome: CString,
}

fn cstring(s: String) -> CString {
    // Interior NULs cannot come from sesgo's own text; replace defensively.
    CString::new(s.replace('\0', "\u{fffd}")).unwrap_or_default()
}

impl sesgo_error {
    pub(crate) fn new(status: SesgoStatus, error: Error) -> Self {
        let primary = error.primary();
        sesgo_error {
            status,
            code: cstring(primary.code().as_str().to_owned()),
            location: cstring(primary.locations().first().cloned().unwrap_or_default()),
            diagnostics: cstring(primary.diagnostics().to_owned()),
            outcome: cstring(error.to_operation_outcome().to_json()),
        }
    }
}

/// The status of the failed call.
#[no_mangle]
pub unsafe extern "C" fn sesgo_error_status(err: *const sesgo_error) -> SesgoStatus {
    // SAFETY: NULL or a pointer from sesgo.
    match unsafe { err.as_ref() } {
        Some(e) => e.status,
        None => SesgoStatus::NullArgument,
    }
}

unsafe fn field(err: *const sesgo_error, f: impl Fn(&sesgo_error) -> &CString) -> *const c_char {
    // SAFETY: NULL or a pointer produced by sesgo and not yet freed (caller contract).
    match unsafe { err.as_ref() } {
        Some(e) => f(e).as_ptr(),
        None => c"".as_ptr(),
    }
}

/// The guide code (`CodeSystem situacao-excepcional-assinatura`), e.g. `CERT.EXPIRED`.
/// Never NULL; `""` for a NULL error.
#[no_mangle]
pub unsafe extern "C" fn sesgo_error_code(err: *const sesgo_error) -> *const c_char {
    // SAFETY: forwarded caller contract.
    unsafe { field(err, |e| &e.code) }
}

/// The first location of the primary finding (FHIRPath-like), or `""`. Never NULL.
#[no_mangle]
pub unsafe extern "C" fn sesgo_error_location(err: *const sesgo_error) -> *const c_char {
    // SAFETY: forwarded caller contract.
    unsafe { field(err, |e| &e.location) }
}

/// Plain-language diagnostics of the primary finding. Never NULL.
#[no_mangle]
pub unsafe extern "C" fn sesgo_error_diagnostics(err: *const sesgo_error) -> *const c_char {
    // SAFETY: forwarded caller contract.
    unsafe { field(err, |e| &e.diagnostics) }
}

/// The OperationOutcome (JSON, UTF-8, NUL-terminated) with every finding. Never NULL.
#[no_mangle]
pub unsafe extern "C" fn sesgo_error_operation_outcome(err: *const sesgo_error) -> *const c_char {
    // SAFETY: forwarded caller contract.
    unsafe { field(err, |e| &e.outcome) }
}

/// Releases an error. NULL is accepted and ignored.
#[no_mangle]
pub unsafe extern "C" fn sesgo_error_free(err: *mut sesgo_error) {
    if !err.is_null() {
        // SAFETY: produced by Box::into_raw in the boundary; freed once by contract.
        drop(unsafe { Box::from_raw(err) });
    }
}

/// The name of a status (`SESGO_STATUS_…`), static; `"SESGO_STATUS_UNKNOWN"` for a
/// number sesgo does not define.
#[no_mangle]
pub extern "C" fn sesgo_status_name(status: u32) -> *const c_char {
    SesgoStatus::all()
        .iter()
        .find(|s| **s as u32 == status)
        .map_or(c"SESGO_STATUS_UNKNOWN".as_ptr(), |s| {
            s.name().as_ptr().cast()
        })
}
