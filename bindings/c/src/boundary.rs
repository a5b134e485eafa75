//! The one boundary every exported function goes through: panics caught, NULL and UTF-8
//! checked, errors turned into a status plus an optional owned error object
//! (rustls-ffi's `ffi_panic_boundary`, libsignal's error object). No thread-local state.

use crate::error::sesgo_error;
use crate::status::SesgoStatus;
use sesgo_core::{Code, Error};

/// Runs `f` inside `catch_unwind`; on failure writes an owned error to `err_out` (when
/// non-NULL) and returns its status.
pub(crate) fn run(
    err_out: *mut *mut sesgo_error,
    f: impl FnOnce() -> Result<(), Failure>,
) -> SesgoStatus {
    if !err_out.is_null() {
        // SAFETY: the caller passes either NULL or a valid `sesgo_error **`.
        unsafe { *err_out = std::ptr::null_mut() };
    }
    // The facade's guard turns a panic into a `SYSTEM` error; `failed` keeps the
    // boundary's own status when `f` failed normally.
    let mut failed: Option<Failure> = None;
    let guarded = sesgo::guard(|| {
        f().map_err(|fl| {
            let e = fl.error.clone();
            failed = Some(fl);
            e
        })
    });
    let failure = match (guarded, failed) {
        (Ok(()), _) => return SesgoStatus::Ok,
        (Err(_), Some(fl)) => fl,
        (Err(e), None) => Failure::new(SesgoStatus::Panic, e),
    };
    let status = failure.status;
    if !err_out.is_null() {
        let boxed = Box::new(sesgo_error::new(failure.status, failure.error));
        // SAFETY: checked non-NULL above; ownership passes to the caller.
        unsafe { *err_out = Box::into_raw(boxed) };
    }
    status
}

/// A failure at the boundary: its status and the error behind it.
pub(crate) struct Failure {
    pub status: SesgoStatus,
    pub error: Error,
}

impl Failure {
    pub fn new(status: SesgoStatus, error: Error) -> Self {
        Failure { status, error }
    }
    pub fn null(name: &str) -> Self {
        Failure::new(
            SesgoStatus::NullArgument,
            Error::new(
                Code::ConfigMissingParameter,
                format!("argumento '{name}' é NULL"),
            )
            .at(name),
        )
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure {
            status: SesgoStatus::from_code(error.code()),
            error,
        }
    }
}

/// Borrows `(ptr, len)` as a byte slice; `len == 0` accepts NULL.
///
/// # Safety
/// `ptr` must be valid for `len` bytes for the duration of the call.
pub(crate) unsafe fn bytes<'a>(
    ptr: *const u8,
    len: usize,
    name: &str,
) -> Result<&'a [u8], Failure> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Failure::null(name));
    }
    // SAFETY: guaranteed by the caller.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}
