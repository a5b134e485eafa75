//! The one boundary every exported function goes through: panics caught, NULL and UTF-8
//! checked, errors turned into a status plus an optional owned error object
//! (rustls-ffi's `ffi_panic_boundary`, libsignal's error object). No thread-local state.

use crate::bytes::sesgo_bytes;
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

/// Borrows an optional `(ptr, len)` input: NULL (with `len == 0`) is "absent"; a
/// non-NULL pointer with `len == 0` is present and empty.
///
/// # Safety
/// `ptr` must be NULL or valid for `len` bytes for the duration of the call.
pub(crate) unsafe fn optional_bytes<'a>(
    ptr: *const u8,
    len: usize,
    name: &str,
) -> Result<Option<&'a [u8]>, Failure> {
    if ptr.is_null() {
        if len == 0 {
            return Ok(None);
        }
        return Err(Failure::null(name));
    }
    // SAFETY: non-NULL and valid for `len` bytes (caller contract).
    Ok(Some(unsafe { std::slice::from_raw_parts(ptr, len) }))
}

/// The facade's option types, each read from its JSON form (empty = defaults).
pub(crate) trait JsonOptions: Sized {
    fn parse(json: &[u8]) -> sesgo::Result<Self>;
}

macro_rules! json_options {
    ($($t:ty),* $(,)?) => {
        $(impl JsonOptions for $t {
            fn parse(json: &[u8]) -> sesgo::Result<Self> {
                <$t>::from_json(json)
            }
        })*
    };
}

json_options!(
    sesgo::SignOptions,
    sesgo::VerifyOptions,
    sesgo::InspectOptions,
    sesgo::CanonicalizeOptions,
    sesgo::ReferenceCheckOptions,
    sesgo::BuildBundleOptions,
    sesgo::TrustStoreOptions,
    sesgo::AttachmentOptions,
);

/// The `options_json` argument, parsed as the options type the caller expects.
///
/// # Safety
/// As [`bytes`].
pub(crate) unsafe fn options<T: JsonOptions>(ptr: *const u8, len: usize) -> Result<T, Failure> {
    // SAFETY: forwarded caller contract.
    let json = unsafe { bytes(ptr, len, "options_json")? };
    Ok(T::parse(json)?)
}

/// Borrows a handle; NULL → `CONFIG.MISSING-PARAMETER` located at `name`.
///
/// # Safety
/// `p` must be NULL or a live handle from sesgo.
pub(crate) unsafe fn handle<'a, T>(p: *const T, name: &str) -> Result<&'a T, Failure> {
    // SAFETY: NULL or a live handle from sesgo (caller contract).
    unsafe { p.as_ref() }.ok_or_else(|| Failure::null(name))
}

/// The boundary of an operation with one `sesgo_bytes` result: [`run`], with `out`
/// checked before any work (a NULL output costs nothing) and written only on success.
pub(crate) fn run_bytes(
    err_out: *mut *mut sesgo_error,
    out: *mut sesgo_bytes,
    f: impl FnOnce() -> Result<Vec<u8>, Failure>,
) -> SesgoStatus {
    run(err_out, || {
        if out.is_null() {
            return Err(Failure::null("out"));
        }
        let v = f()?;
        // SAFETY: non-NULL, caller-provided output slot.
        unsafe { out.write(sesgo_bytes::from_vec(v)) };
        Ok(())
    })
}

/// The boundary of a constructor: [`run`], with `*out` checked and cleared before any
/// work (a failure leaves NULL behind) and set to a new owned handle on success.
pub(crate) fn run_handle<T>(
    err_out: *mut *mut sesgo_error,
    out: *mut *mut T,
    f: impl FnOnce() -> Result<T, Failure>,
) -> SesgoStatus {
    run(err_out, || {
        if out.is_null() {
            return Err(Failure::null("out"));
        }
        // SAFETY: non-NULL caller slot; cleared so a failure leaves NULL behind.
        unsafe { *out = std::ptr::null_mut() };
        let value = f()?;
        // SAFETY: checked non-NULL above; ownership passes to the caller.
        unsafe { *out = Box::into_raw(Box::new(value)) };
        Ok(())
    })
}
