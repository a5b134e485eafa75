//! The network context (`sesgo_network`), a host-provided transport (`sesgo_fetch_callback`),
//! AIA chain completion and the ITI trust-store refresh over the C ABI (issue 18; ADR
//! 0046). Glue only: everything is the facade's `sesgo::Network`.

use crate::boundary::{bytes, handle, run_bytes, run_handle, Failure};
use crate::bytes::sesgo_bytes;
use crate::error::sesgo_error;
use crate::handles::sesgo_trust_store;
use crate::status::SesgoStatus;
use std::ffi::{c_char, c_int, c_void, CString};
use std::sync::Arc;

/// The network context: one transport (sesgo's HTTP client, or the host's callback),
/// one on-disk cache and the network settings — the one way sesgo reaches the network:
/// AIA chain completion, the ITI trust-store refresh, and, through a trust store from
/// `sesgo_trust_store_with_network`, the OCSP, CRL and TSA requests of `sesgo_sign` /
/// `sesgo_verify`; access tokens through `sesgo_token`'s `network`. Immutable and
/// thread-safe. Release with `sesgo_network_free`.
#[allow(non_camel_case_types)]
pub struct sesgo_network {
    pub(crate) inner: sesgo::Network,
}

/// One request handed to a `sesgo_fetch_callback`. Every pointer is borrowed for the
/// duration of the call. Strings are NUL-terminated UTF-8.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct sesgo_fetch_request {
    /// `"GET"` or `"POST"`.
    pub method: *const c_char,
    /// Absolute `http://` or `https://` URL.
    pub url: *const c_char,
    /// What it is for: `"aia"`, `"crl"`, `"ocsp"`, `"tsa"`, `"trust-store"` or `"token"`
    /// (only `aia`, `crl` and `ocsp` may use plain `http://`).
    pub purpose: *const c_char,
    /// `Content-Type` of the body, or NULL.
    pub content_type: *const c_char,
    /// `Accept` header, or NULL.
    pub accept: *const c_char,
    /// Extra headers as `"Name: value\r\n"` lines (possibly empty, never NULL).
    pub headers: *const c_char,
    /// The POST body (`body_len` bytes; NULL when empty).
    pub body: *const u8,
    /// Length of `body`.
    pub body_len: usize,
    /// Answer with more than this many body bytes is refused: read at most `max_bytes + 1`.
    pub max_bytes: u64,
    /// Total time allowed, milliseconds, connection included.
    pub timeout_ms: u64,
}

/// What a `sesgo_fetch_callback` answers. sesgo zero-initializes it; the callback sets
/// `status` and fills `body` (and optionally `content_type`, without NUL) with
/// `sesgo_bytes_set`, which copies. sesgo frees both afterwards, also on failure.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct sesgo_fetch_response {
    /// HTTP status code (any: sesgo decides what a non-200 means).
    pub status: u16,
    /// The `Content-Type`, if any.
    pub content_type: sesgo_bytes,
    /// The body.
    pub body: sesgo_bytes,
}

/// A host transport: performs `request` and fills `response`. Return 0 when a response
/// was obtained (whatever its status); any other value means no response (connection
/// failure, timeout, refused egress…) and is reported as a transport failure of the URL.
/// It may be called from any thread that uses the network (concurrently for concurrent
/// verifications): `userdata` must allow that. It must honour `timeout_ms` and
/// `max_bytes`, and must not unwind through sesgo.
#[allow(non_camel_case_types)]
pub type sesgo_fetch_callback = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        request: *const sesgo_fetch_request,
        response: *mut sesgo_fetch_response,
    ) -> c_int,
>;

struct CallbackFetch {
    f: unsafe extern "C" fn(
        *mut c_void,
        *const sesgo_fetch_request,
        *mut sesgo_fetch_response,
    ) -> c_int,
    userdata: *mut c_void,
}

// SAFETY: the contract of `sesgo_network_with_fetcher` makes the caller responsible for
// `userdata` being usable from any thread and alive until `sesgo_network_free`; sesgo
// never dereferences it.
unsafe impl Send for CallbackFetch {}
// SAFETY: as above (concurrent requests may invoke the callback concurrently).
unsafe impl Sync for CallbackFetch {}

fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', "")).unwrap_or_default()
}

fn take(b: sesgo_bytes) -> Vec<u8> {
    let v = if b.data.is_null() || b.len == 0 {
        Vec::new()
    } else {
        // SAFETY: filled by `sesgo_bytes_set`: a sesgo-owned buffer of `len` bytes.
        unsafe { std::slice::from_raw_parts(b.data, b.len) }.to_vec()
    };
    crate::bytes::sesgo_bytes_free(b);
    v
}

impl sesgo::network::Fetch for CallbackFetch {
    fn fetch(
        &self,
        request: &sesgo::network::Request<'_>,
    ) -> Result<sesgo::network::Response, sesgo::network::FetchError> {
        let failed = |detail: String| sesgo::network::FetchError::Custom {
            url: request.url.to_owned(),
            detail,
        };
        if !(request.url.starts_with("https://")
            || (request.url.starts_with("http://") && request.purpose.allows_plain_http()))
        {
            return Err(sesgo::network::FetchError::Scheme {
                url: request.url.to_owned(),
            });
        }
        let method = cstring(match request.method {
            sesgo::network::Method::Get => "GET",
            sesgo::network::Method::Post => "POST",
        });
        let url = cstring(request.url);
        let purpose = cstring(request.purpose.as_str());
        let content_type = request.content_type.map(cstring);
        let accept = request.accept.map(cstring);
        let headers: String = request
            .headers
            .iter()
            .map(|(n, v)| format!("{n}: {v}\r\n"))
            .collect();
        let headers = cstring(&headers);
        let body = request.body.unwrap_or_default();
        let c_request = sesgo_fetch_request {
            method: method.as_ptr(),
            url: url.as_ptr(),
            purpose: purpose.as_ptr(),
            content_type: content_type
                .as_ref()
                .map_or(std::ptr::null(), |c| c.as_ptr()),
            accept: accept.as_ref().map_or(std::ptr::null(), |c| c.as_ptr()),
            headers: headers.as_ptr(),
            body: if body.is_empty() {
                std::ptr::null()
            } else {
                body.as_ptr()
            },
            body_len: body.len(),
            max_bytes: request.max_bytes,
            timeout_ms: u64::try_from(request.timeout.as_millis()).unwrap_or(u64::MAX),
        };
        let mut response = sesgo_fetch_response {
            status: 0,
            content_type: sesgo_bytes::empty(),
            body: sesgo_bytes::empty(),
        };
        // SAFETY: `f` is the caller's callback; both structures are valid for the call.
        let rc = unsafe { (self.f)(self.userdata, &c_request, &mut response) };
        let content_type = take(response.content_type);
        let body = take(response.body);
        if rc != 0 {
            return Err(failed(format!(
                "o callback de transporte falhou (retorno {rc})"
            )));
        }
        if body.len() as u64 > request.max_bytes {
            return Err(sesgo::network::FetchError::TooLarge {
                url: request.url.to_owned(),
                max_bytes: request.max_bytes,
            });
        }
        Ok(sesgo::network::Response {
            status: response.status,
            content_type: (!content_type.is_empty())
                .then(|| String::from_utf8_lossy(&content_type).into_owned()),
            retry_after_secs: None,
            body,
        })
    }
}

unsafe fn json<T: Default>(
    ptr: *const u8,
    len: usize,
    name: &str,
    parse: fn(&[u8]) -> sesgo::Result<T>,
) -> Result<T, Failure> {
    // SAFETY: forwarded caller contract.
    let bytes = unsafe { bytes(ptr, len, name)? };
    if bytes.is_empty() {
        return Ok(T::default());
    }
    Ok(parse(bytes)?)
}

/// A network context with sesgo's HTTP client (system roots plus `tlsRootsPem`,
/// proxies from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`). `settings_json` is the guide's
/// settings (`{"network": false}` = offline; timeouts, retries, cache ages; empty =
/// defaults); `options_json` is `{"cacheDir", "cacheMaxBytes", "trustStoreZipUrl",
/// "trustStoreHashUrl", "tlsRootsPem"}` (empty = defaults: the per-user cache, ITI's
/// URLs). Release with `sesgo_network_free`.
#[no_mangle]
pub unsafe extern "C" fn sesgo_network_new(
    settings_json: *const u8,
    settings_len: usize,
    options_json: *const u8,
    options_len: usize,
    out: *mut *mut sesgo_network,
    err_out: *mut *mut sesgo_error,
) -> SesgoStatus {
    run_handle(err_out, out, || {
        // SAFETY: per the function contract.
        let settings = unsafe {
            json(
                settings_json,
                settings_len,
                "settings_json",
                sesgo::Settings::from_json,
            )?
        };
        // SAFETY: per the function contract (pointer, length and handle validity).
        let options = unsafe {
            json(
                options_json,
                options_len,
                "options_json",
                sesgo::NetworkOptions::from_json,
            )?
        };
        Ok(sesgo_network {
            inner: sesgo::Network::new(&settings, &options)?,
        })
    })
}

/// As `sesgo_network_new`, with the host's transport: every request goes through `cb`
/// (see `sesgo_fetch_callback`). `userdata` is passed unchanged to every call; it must
/// stay valid until `sesgo_network_free` returns (and until every trust store made with
/// `sesgo_trust_store_with_network` from this network is freed).
#[no_mangle]
pub unsafe extern "C" fn sesgo_network_with_fetcher(
    settings_json: *const u8,
    settings_len: usize,
    options_json: *const u8,
    options_len: usize,
    cb: sesgo_fetch_callback,
    userdata: *mut c_void,
    out: *mut *mut sesgo_network,
    err_out: *mut *mut sesgo_error,
) -> SesgoStatus {
    run_handle(err_out, out, || {
        // SAFETY: per the function contract.
        let settings = unsafe {
            json(
                settings_json,
                settings_len,
                "settings_json",
                sesgo::Settings::from_json,
            )?
        };
        // SAFETY: per the function contract (pointer, length and handle validity).
        let options = unsafe {
            json(
                options_json,
                options_len,
                "options_json",
                sesgo::NetworkOptions::from_json,
            )?
        };
        let f = cb.ok_or_else(|| Failure::null("cb"))?;
        let fetch = Arc::new(CallbackFetch { f, userdata });
        Ok(sesgo_network {
            inner: sesgo::Network::with_fetcher(fetch, &settings, &options)?,
        })
    })
}

/// Releases a network context. NULL is accepted and ignored.
#[no_mangle]
pub unsafe extern "C" fn sesgo_network_free(network: *mut sesgo_network) {
    if !network.is_null() {
        // SAFETY: produced by Box::into_raw in this module; freed once by contract.
        drop(unsafe { Box::from_raw(network) });
    }
}

/// A new trust store (same roots and pool as `store`) with `network` attached:
/// `sesgo_sign`, `sesgo_verify` and `sesgo_build_x5c` with it complete chains from AIA
/// `caIssuers` (memory, cache, then the network), so they accept a leaf without its
/// intermediates, and make their OCSP, CRL and TSA requests through `network` (its
/// transport, cache and offline mode). Without it they use a default network from their
/// settings (sesgo's HTTP client, no disk cache, no AIA). Trust still comes only from
/// `store`'s pinned roots. Release the new store with `sesgo_trust_store_free` (it keeps
/// what it needs of `network`).
#[no_mangle]
pub unsafe extern "C" fn sesgo_trust_store_with_network(
    store: *const sesgo_trust_store,
    network: *const sesgo_network,
    out: *mut *mut sesgo_trust_store,
    err_out: *mut *mut sesgo_error,
) -> SesgoStatus {
    run_handle(err_out, out, || {
        // SAFETY: per the function contract.
        let store = unsafe { handle(store, "store")? };
        // SAFETY: per the function contract (pointer, length and handle validity).
        let network = unsafe { handle(network, "network")? };
        Ok(sesgo_trust_store {
            inner: network.inner.attach(&store.inner),
        })
    })
}

/// Caso de uso *montar cadeia*: the `x5c` of `cert` (PEM, DER or standard Base64 DER),
/// leaf first and the trusted root last, completed from `store` (and AIA when `store`
/// came from `sesgo_trust_store_with_network`) and validated now. `*out` receives a JSON
/// array of standard-Base64 DER strings. `settings_json` may be empty (defaults).
#[no_mangle]
pub unsafe extern "C" fn sesgo_build_x5c(
    cert: *const u8,
    cert_len: usize,
    store: *const sesgo_trust_store,
    settings_json: *const u8,
    settings_len: usize,
    out: *mut sesgo_bytes,
    err_out: *mut *mut sesgo_error,
) -> SesgoStatus {
    run_bytes(err_out, out, || {
        // SAFETY: per the function contract.
        let cert = unsafe { bytes(cert, cert_len, "cert")? };
        // SAFETY: per the function contract (pointer, length and handle validity).
        let store = unsafe { handle(store, "store")? };
        // SAFETY: per the function contract (pointer, length and handle validity).
        let settings = unsafe {
            json(
                settings_json,
                settings_len,
                "settings_json",
                sesgo::Settings::from_json,
            )?
        };
        let x5c = sesgo::build_x5c(cert, &store.inner, &settings, None)?;
        Ok(serde_json::to_vec(&x5c).unwrap_or_default())
    })
}

/// Refreshes ITI's CA archive into the network's cache (hash first, archive only if it
/// changed, SHA-512 checked before it is opened, atomic replace). `*out` receives a JSON
/// report: `{"sha512", "previousSha512", "changed", "verifiedAt", "ageSecs",
/// "certificates", "added": [subject…], "removed": [subject…], "cacheDir"}`. Failures:
/// `NETWORK.*`, `SECURITY.HASH-VALIDATION-FAILED`, `STORAGE.INDEX-CREATION-FAILED`.
#[no_mangle]
pub unsafe extern "C" fn sesgo_trust_refresh(
    network: *const sesgo_network,
    out: *mut sesgo_bytes,
    err_out: *mut *mut sesgo_error,
) -> SesgoStatus {
    run_bytes(err_out, out, || {
        // SAFETY: per the function contract.
        let network = unsafe { handle(network, "network")? };
        let report = network.inner.refresh_trust_store_report()?;
        Ok(report.to_string().into_bytes())
    })
}

/// What trust rests on, without touching the network (`sesgo trust show`): `*out`
/// receives `{"roots": [{"sha256", "name", "subject"}…], "cacheDir", "itiArchive": null |
/// {…, "cas": [{"entry", "subject", "sha256", "notAfter"}…]} | {"error", "diagnostics"},
/// "aia": [{"url", "sha256", "fetchedAt", "ageSecs", "size"}…]}` for `store`'s roots and
/// `network`'s cache.
#[no_mangle]
pub unsafe extern "C" fn sesgo_trust_show(
    network: *const sesgo_network,
    store: *const sesgo_trust_store,
    out: *mut sesgo_bytes,
    err_out: *mut *mut sesgo_error,
) -> SesgoStatus {
    run_bytes(err_out, out, || {
        // SAFETY: per the function contract.
        let network = unsafe { handle(network, "network")? };
        // SAFETY: per the function contract (pointer and handle validity).
        let store = unsafe { handle(store, "store")? };
        Ok(network
            .inner
            .trust_store_report(&store.inner)
            .to_string()
            .into_bytes())
    })
}
