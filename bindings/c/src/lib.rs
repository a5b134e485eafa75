//! # sesgo C ABI
//!
//! Conventions (docs/adr/0005; rustls-ffi, libsignal):
//! * every fallible function returns a `sesgo_status` (`SESGO_STATUS_OK` = 0) and takes
//!   an optional last parameter `sesgo_error **err_out` receiving an owned error object
//!   (code, location, diagnostics, OperationOutcome JSON) — no thread-local last error;
//! * inputs are borrowed `(const uint8_t *ptr, size_t len)` for the duration of the call;
//!   JSON in, JSON out; options are JSON (empty = defaults);
//! * outputs are written only on success, as library-owned `sesgo_bytes` released with
//!   `sesgo_bytes_free`;
//! * every entry point runs inside one boundary that catches panics and checks NULL and
//!   UTF-8;
//! * long-lived objects are opaque handles (`sesgo_signer`, `sesgo_trust_store`), created
//!   by a constructor with an `out` parameter, passed as `const *` (thread-safe) and
//!   released once by their NULL-safe `*_free` (docs/adr/0021).

mod boundary;
mod bytes;
mod error;
mod handles;
mod network;
mod ops;
mod pkcs11;
mod status;
mod token;
mod tools;

#[cfg(feature = "testing")]
mod testing;

pub use bytes::{sesgo_bytes, sesgo_bytes_free};
pub use error::{
    sesgo_error, sesgo_error_code, sesgo_error_diagnostics, sesgo_error_free, sesgo_error_location,
    sesgo_error_operation_outcome, sesgo_error_status, sesgo_status_name,
};
pub use handles::*;
pub use network::*;
pub use ops::*;
pub use pkcs11::sesgo_signer_from_pkcs11;
pub use status::SesgoStatus;
pub use tools::*;

use std::ffi::c_char;

/// The version of sesgo, NUL-terminated, static (e.g. `"0.1.0"`).
#[no_mangle]
pub extern "C" fn sesgo_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The supported signature policies and the signing default, as static NUL-terminated
/// UTF-8 JSON owned by the library (do not free):
/// `{"default":"<uri>","policies":[{"uri":"<uri>","family":"0.1"|"0.2.0"},…]}`.
/// Wrappers take their policy constants from here rather than repeating the URIs.
#[no_mangle]
pub extern "C" fn sesgo_policies() -> *const c_char {
    static JSON: std::sync::OnceLock<std::ffi::CString> = std::sync::OnceLock::new();
    JSON.get_or_init(|| std::ffi::CString::new(sesgo::Policy::catalog_json()).unwrap_or_default())
        .as_ptr()
}

/// The guide's default settings, as static NUL-terminated UTF-8 JSON owned by the library
/// (do not free), in the form every `settings_json` parameter takes (camelCase members,
/// e.g. `"revocationPolicy":"strict"`, `"maxBundleBytes":52428800`). A member left out
/// of a `settings_json` takes this value.
#[no_mangle]
pub extern "C" fn sesgo_default_settings() -> *const c_char {
    static JSON: std::sync::OnceLock<std::ffi::CString> = std::sync::OnceLock::new();
    JSON.get_or_init(|| {
        std::ffi::CString::new(sesgo::Settings::defaults_json()).unwrap_or_default()
    })
    .as_ptr()
}

/// The ABI version of this library. Compare with `SESGO_ABI_VERSION` from the header you
/// compiled against; wrappers refuse a mismatch.
#[no_mangle]
pub extern "C" fn sesgo_abi_version() -> u32 {
    sesgo::ABI_VERSION
}
