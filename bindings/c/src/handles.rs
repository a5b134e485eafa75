//! Opaque handles: `sesgo_signer` and `sesgo_trust_store` (docs/adr/0021). Each wraps the
//! facade's immutable, `Send + Sync` object; the C side holds a pointer, passes it as
//! `const *` to any number of threads, and releases it once with its `*_free`.

use crate::boundary::{bytes, options, run, run_handle, Failure};
use crate::bytes::sesgo_bytes;
use crate::error::sesgo_error;
use crate::status::SesgoStatus;
use sesgo_core::{Code, Error};
use std::ffi::{c_char, c_int, c_void, CStr};
use zeroize::Zeroizing;

/// Who signs: a private key (PKCS#12 or PEM) or an external signing callback, with its
/// certificate chain. Immutable and thread-safe: one signer may be used by several
/// threads at once. Release with `sesgo_signer_free`.
#[allow(non_camel_case_types)]
pub struct sesgo_signer {
    pub(crate) inner: sesgo::Signer,
}

/// The roots trusted for chain validation (and the CA certificates that complete
/// chains). Immutable and thread-safe: share one store between every thread. Release
/// with `sesgo_trust_store_free`.
#[allow(non_camel_case_types)]
pub struct sesgo_trust_store {
    pub(crate) inner: sesgo::TrustStore,
}

/// The external signing callback of `sesgo_signer_external`.
///
/// sesgo calls it with the JWS signing input (`input`, `input_len` bytes, borrowed for
/// the duration of the call) and `out_signature`, a zero-initialized `sesgo_bytes`. The
/// callback computes the RS256 signature (RSASSA-PKCS1-v1_5 with SHA-256, raw bytes, as
/// long as the key's modulus) and hands it over with `sesgo_bytes_set(out_signature,
/// sig, sig_len)`, which COPIES the bytes: the callback keeps ownership of its own
/// buffer. sesgo owns and frees whatever `out_signature` holds afterwards (also on
/// failure). The signature is checked against the leaf certificate's key before any JWS
/// is built.
///
/// Return 0 on success. Any other value is a failure: a `sesgo_status` number of 100 or
/// more (a guide code, e.g. `SESGO_STATUS_DEVICE_PIN_BLOCKED`) is reported with that
/// code; any other non-zero value as `CRYPTO.SIGNATURE-CREATION-FAILED`.
///
/// The callback runs on the thread that called `sesgo_sign`, before `sesgo_sign`
/// returns. A signer used by several threads at once calls it concurrently: `userdata`
/// must then be safe to use from those threads (or the application serializes its
/// `sesgo_sign` calls). It must not unwind (C++ exceptions, `longjmp`) through sesgo.
#[allow(non_camel_case_types)]
pub type sesgo_sign_callback = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        input: *const u8,
        input_len: usize,
        out_signature: *mut sesgo_bytes,
    ) -> c_int,
>;

/// Copies `len` bytes from `data` into `target`, a library-owned buffer (used by a
/// `sesgo_sign_callback` to return its signature). `target` must be zero-initialized or
/// hold a buffer from sesgo; a buffer it already holds is released first. `data` may be
/// NULL when `len` is 0 (the buffer becomes empty).
#[no_mangle]
pub unsafe extern "C" fn sesgo_bytes_set(
    target: *mut sesgo_bytes,
    data: *const u8,
    len: usize,
) -> SesgoStatus {
    run(std::ptr::null_mut(), || {
        if target.is_null() {
            return Err(Failure::null("target"));
        }
        // SAFETY: per the function contract.
        let src = unsafe { bytes(data, len, "data")? };
        let new = sesgo_bytes::from_vec(src.to_vec());
        // SAFETY: `target` is non-NULL and holds an empty or sesgo-owned buffer.
        let old = unsafe { target.replace(new) };
        crate::bytes::sesgo_bytes_free(old);
        Ok(())
    })
}

/// A NUL-terminated string argument, UTF-8 checked. NULL is allowed when `optional`.
pub(crate) unsafe fn cstr<'a>(
    p: *const c_char,
    name: &str,
    optional: bool,
) -> Result<Option<&'a str>, Failure> {
    if p.is_null() {
        return if optional {
            Ok(None)
        } else {
            Err(Failure::null(name))
        };
    }
    // SAFETY: the caller passes a NUL-terminated string valid for the call.
    let s = unsafe { CStr::from_ptr(p) };
    s.to_str().map(Some).map_err(|_| {
        Failure::new(
            SesgoStatus::InvalidUtf8,
            Error::new(
                Code::ConfigInvalidParameter,
                format!("argumento '{name}' não é UTF-8 válido"),
            )
            .at(name),
        )
    })
}

/// A password argument copied into memory that is wiped when dropped; the caller may
/// wipe its own buffer as soon as the call returns.
unsafe fn password(p: *const c_char, optional: bool) -> Result<Option<Zeroizing<String>>, Failure> {
    // SAFETY: forwarded caller contract.
    Ok(unsafe { cstr(p, "password", optional)? }.map(|s| Zeroizing::new(s.to_owned())))
}

/// A signer from a PKCS#12 (`.p12`/`.pfx`: PBES2/AES, legacy 3DES or RC2) and its
/// password (NUL-terminated UTF-8, required; `""` for none). `alias` (NUL-terminated,
/// nullable) selects the key by friendlyName when the file holds several. The password
/// is copied into a buffer wiped after use. On success `*out` receives a new signer
/// (`sesgo_signer_free`); on failure `*out` is NULL. Wrong password →
/// `CRYPTO.KEY-INACCESSIBLE`.
#[no_mangle]
pub unsafe extern "C" fn sesgo_signer_from_pkcs12(
    p12: *const u8,
    p12_len: usize,
    password: *const c_char,
    alias: *const c_char,
    out: *mut *mut sesgo_signer,
    err_out: *mut *mut sesgo_error,
) -> SesgoStatus {
    run_handle(err_out, out, || {
        // SAFETY: per the function contract.
        let p12 = unsafe { bytes(p12, p12_len, "p12")? };
        let pw =
            // SAFETY: per the function contract.
            unsafe { self::password(password, false)? }.ok_or_else(|| Failure::null("password"))?;
        // SAFETY: per the function contract.
        let alias = unsafe { cstr(alias, "alias", true)? };
        let inner = sesgo::Signer::from_pkcs12(p12, &pw, alias)?;
        Ok(sesgo_signer { inner })
    })
}

/// A signer from a PEM private key (PKCS#8, encrypted or not, or PKCS#1) and the PEM
/// certificate chain (leaf first; intermediates may be completed from the trust store).
/// `password` (NUL-terminated, nullable): NULL for an unencrypted key; its bytes are the
/// PKCS#8 password, copied into a buffer wiped after use.
#[no_mangle]
pub unsafe extern "C" fn sesgo_signer_from_pem(
    key_pem: *const u8,
    key_len: usize,
    password: *const c_char,
    chain_pem: *const u8,
    chain_len: usize,
    out: *mut *mut sesgo_signer,
    err_out: *mut *mut sesgo_error,
) -> SesgoStatus {
    run_handle(err_out, out, || {
        // SAFETY: per the function contract.
        let key = unsafe { bytes(key_pem, key_len, "key_pem")? };
        // SAFETY: per the function contract.
        let chain = unsafe { bytes(chain_pem, chain_len, "chain_pem")? };
        // SAFETY: per the function contract.
        let pw = unsafe { self::password(password, true)? };
        let inner = sesgo::Signer::from_pem(key, pw.as_ref().map(|p| p.as_bytes()), chain)?;
        Ok(sesgo_signer { inner })
    })
}

/// The C callback and its userdata, moved into the facade's signing function.
struct Callback {
    f: unsafe extern "C" fn(*mut c_void, *const u8, usize, *mut sesgo_bytes) -> c_int,
    userdata: *mut c_void,
}

// SAFETY: the contract of `sesgo_signer_external` makes the caller responsible for
// `userdata` being usable from whichever thread calls `sesgo_sign`, and for keeping it
// alive until `sesgo_signer_free`; sesgo never dereferences it.
unsafe impl Send for Callback {}
// SAFETY: as above (concurrent `sesgo_sign` calls may invoke the callback concurrently).
unsafe impl Sync for Callback {}

impl Callback {
    fn call(&self, input: &[u8]) -> sesgo::Result<Vec<u8>> {
        let mut sig = sesgo_bytes::empty();
        // SAFETY: `f` is the caller's callback; `input` is valid for the call; `sig` is a
        // zero-initialized slot the callback fills through `sesgo_bytes_set`.
        let rc = unsafe { (self.f)(self.userdata, input.as_ptr(), input.len(), &mut sig) };
        let v = if sig.data.is_null() || sig.len == 0 {
            Vec::new()
        } else {
            // SAFETY: `sesgo_bytes_set` made `sig` a sesgo-owned buffer of `len` bytes.
            let v = unsafe { std::slice::from_raw_parts(sig.data, sig.len) }.to_vec();
            crate::bytes::sesgo_bytes_free(sig);
            v
        };
        if rc == 0 {
            return Ok(v);
        }
        let code = u32::try_from(rc)
            .ok()
            .filter(|n| *n >= 100)
            .and_then(|n| SesgoStatus::all().iter().find(|s| **s as u32 == n))
            .and_then(|s| s.guide_code())
            .unwrap_or(Code::CryptoSignatureCreationFailed);
        Err(Error::new(
            code,
            format!("o callback de assinatura externo falhou (retorno {rc})"),
        )
        .at("callback"))
    }
}

/// A signer whose private key stays outside sesgo (PKCS#11 token, HSM, platform
/// keystore, remote signer): `chain_pem` is the PEM certificate chain (leaf first) and
/// `cb` produces the RS256 signature of the input sesgo hands it (see
/// `sesgo_sign_callback` for the callback contract and ownership). `userdata` is passed
/// to every call unchanged; sesgo never reads or frees it: it must stay valid until
/// `sesgo_signer_free` returns.
#[no_mangle]
pub unsafe extern "C" fn sesgo_signer_external(
    chain_pem: *const u8,
    chain_len: usize,
    cb: sesgo_sign_callback,
    userdata: *mut c_void,
    out: *mut *mut sesgo_signer,
    err_out: *mut *mut sesgo_error,
) -> SesgoStatus {
    run_handle(err_out, out, || {
        // SAFETY: per the function contract.
        let chain = unsafe { bytes(chain_pem, chain_len, "chain_pem")? };
        let f = cb.ok_or_else(|| Failure::null("cb"))?;
        let callback = Callback { f, userdata };
        let inner = sesgo::Signer::external_pem(chain, move |input| callback.call(input))?;
        Ok(sesgo_signer { inner })
    })
}

/// Releases a signer (and, for a PKCS#12/PEM signer, wipes its key). NULL is accepted
/// and ignored. No call may use the signer afterwards.
#[no_mangle]
pub unsafe extern "C" fn sesgo_signer_free(signer: *mut sesgo_signer) {
    if !signer.is_null() {
        // SAFETY: produced by Box::into_raw in this module; freed once by contract.
        drop(unsafe { Box::from_raw(signer) });
    }
}

/// A trust store from `options_json` (empty = the embedded ICP-Brasil roots v5 and
/// v12): `{"icpBrasil": bool, "rootSha256": ["hex", …], "rootCertsPem": "PEM",
/// "caCertsPem": "PEM", "caDir": "path"}`, all optional. Trust is decided by root
/// fingerprints; CA certificates only complete chains.
#[no_mangle]
pub unsafe extern "C" fn sesgo_trust_store_new(
    options_json: *const u8,
    options_len: usize,
    out: *mut *mut sesgo_trust_store,
    err_out: *mut *mut sesgo_error,
) -> SesgoStatus {
    run_handle(err_out, out, || {
        // SAFETY: per the function contract.
        let opts: sesgo::TrustStoreOptions = unsafe { options(options_json, options_len)? };
        Ok(sesgo_trust_store {
            inner: opts.build()?,
        })
    })
}

/// Releases a trust store. NULL is accepted and ignored. No call may use the store
/// afterwards (join the threads that share it first).
#[no_mangle]
pub unsafe extern "C" fn sesgo_trust_store_free(store: *mut sesgo_trust_store) {
    if !store.is_null() {
        // SAFETY: produced by Box::into_raw in this module; freed once by contract.
        drop(unsafe { Box::from_raw(store) });
    }
}
