//! PKCS#11 tokens and smartcards (ICP-Brasil A3; docs/adr/0040): a signer whose key
//! never leaves the device.

use crate::boundary::{run, Failure};
use crate::error::sesgo_error;
use crate::handles::{cstr, sesgo_signer};
use crate::status::SesgoStatus;
use std::ffi::c_char;
use zeroize::Zeroizing;

/// A signer from a key on a PKCS#11 token or smartcard (the key never leaves it).
///
/// `config_json` (NUL-terminated UTF-8 JSON, required): `module` (absolute path of the
/// PKCS#11 library, required), `keyId` (CKA_ID, hex) or `keyLabel` (CKA_LABEL), optional
/// `slotId` / `tokenLabel` (neither: auto-discovery), and the guide's middleware settings
/// `sessionMode` ("read-only" | "read-write"), `sessionTimeout` [60, 3600] s,
/// `maxPinAttempts` [1, 10], `connectionTimeout` [3, 60] s, `retryInterval` [1, 30] s,
/// `maxRetries` [0, 10], `mechanism` ("auto" | "CKM_SHA256_RSA_PKCS" | "CKM_RSA_PKCS"),
/// `architecture` ("32" | "64"). `pin` (NUL-terminated, required) is copied into a
/// buffer wiped after use and tried once: a wrong PIN is never retried.
///
/// The module is loaded once per process and shared; the signer may be used by several
/// threads at once. On success `*out` receives a new signer (`sesgo_signer_free`).
/// Failures: `CRYPTO.PIN-INVALID`, `DEVICE.PIN-BLOCKED`, `DEVICE.TOKEN-NOT-FOUND`,
/// `DEVICE.SMARTCARD-NOT-FOUND`, `DEVICE.CERTIFICATE-NOT-FOUND`,
/// `DEVICE.KEY-ACCESS-DENIED`, `DEVICE.MIDDLEWARE-ERROR` (the `CKR_*` in diagnostics),
/// `MIDDLEWARE.*` (module path/format, slot, label, settings out of range).
#[no_mangle]
pub unsafe extern "C" fn sesgo_signer_from_pkcs11(
    config_json: *const c_char,
    pin: *const c_char,
    out: *mut *mut sesgo_signer,
    err_out: *mut *mut sesgo_error,
) -> SesgoStatus {
    run(err_out, || {
        if out.is_null() {
            return Err(Failure::null("out"));
        }
        // SAFETY: non-NULL caller slot; cleared so a failure leaves NULL behind.
        unsafe { *out = std::ptr::null_mut() };
        // SAFETY: per the function contract (NUL-terminated strings valid for the call).
        let config = unsafe { cstr(config_json, "config_json", false)? }
            .ok_or_else(|| Failure::null("config_json"))?;
        // SAFETY: per the function contract (NUL-terminated strings valid for the call).
        let pin = unsafe { cstr(pin, "pin", false)? }.ok_or_else(|| Failure::null("pin"))?;
        let pin = sesgo::pkcs11::Pin::Value(Zeroizing::new(pin.to_owned()));
        let inner = sesgo::Signer::from_pkcs11_json(config.as_bytes(), pin)?;
        // SAFETY: `out` checked non-NULL above.
        unsafe { *out = Box::into_raw(Box::new(sesgo_signer { inner })) };
        Ok(())
    })
}
