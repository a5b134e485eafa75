//! Access tokens and credentialing exports (issue 22; docs/adr/0051).

use crate::boundary::{bytes, handle, run_bytes};
use crate::bytes::sesgo_bytes;
use crate::error::sesgo_error;
use crate::handles::{cstr, sesgo_signer};
use crate::network::sesgo_network;
use crate::status::SesgoStatus;
use std::ffi::c_char;
use zeroize::Zeroizing;

/// Obtains an OAuth 2.0 access token with the signer's certificate (caso de uso *obter
/// token*): over mutual TLS with `client_secret` (the guide) or with an RS384
/// `private_key_jwt` assertion signed by the signer's key (HubSaúde). Tokens are cached
/// per endpoint, client, scope and certificate until 30 s before expiry, for the whole
/// process.
///
/// `options_json`: `{"issuer": url | "tokenEndpoint": url, "clientId": "…",
/// "clientSecret": "…" | "assertion": true, "assertionTtl": 60, "scope": "…",
/// "caCertsPem": "PEM of the server's CA", "mtls": true, "timeout": 30, "cache": true,
/// "hubCtx": {"ig": "…", "versao": "…"}}`.
///
/// On success `out` receives `{"accessToken": "…", "tokenType", "expiresIn",
/// "expiresAt", "scope", "fromCache", "cnfX5tS256", "tokenEndpoint", "response": {…}}`
/// — it holds the token: `sesgo_bytes_free` overwrites it. Failures carry the guide's
/// code (DECISIONS D22) and the server's `error` / `error_description`.
///
/// `network` (nullable): the requests go through it (its transport, offline mode;
/// `caCertsPem` is added to sesgo's own HTTP client); NULL = a default network
/// (sesgo's HTTP client).
#[no_mangle]
pub unsafe extern "C" fn sesgo_token(
    signer: *const sesgo_signer,
    network: *const sesgo_network,
    options_json: *const u8,
    options_len: usize,
    out: *mut sesgo_bytes,
    err_out: *mut *mut sesgo_error,
) -> SesgoStatus {
    run_bytes(err_out, out, || {
        // SAFETY: per the function contract.
        let signer = unsafe { handle(signer, "signer")? };
        // SAFETY: per the function contract (pointer, length and handle validity).
        let json = unsafe { bytes(options_json, options_len, "options_json")? };
        // SAFETY: NULL or a live network handle (function contract).
        let network = unsafe { network.as_ref() }.map(|n| &n.inner);
        let t = sesgo::token::token_from_json(network, &signer.inner, json)?;
        let text = t.to_json_with_secret();
        Ok(text.as_bytes().to_vec())
    })
}

/// Exports what the credentialing portal asks for from a certificate (DER or PEM) or —
/// with `password` (NUL-terminated, nullable) — a PKCS#12: `format` (NUL-terminated)
/// `"pem"` or `"der"` (the certificate), `"jwk"` or `"jwks"` (the public key, with `kid`,
/// `x5c` and `x5t#S256`).
#[no_mangle]
pub unsafe extern "C" fn sesgo_export_certificate(
    input: *const u8,
    input_len: usize,
    password: *const c_char,
    format: *const c_char,
    out: *mut sesgo_bytes,
    err_out: *mut *mut sesgo_error,
) -> SesgoStatus {
    run_bytes(err_out, out, || {
        // SAFETY: per the function contract.
        let input = unsafe { bytes(input, input_len, "input")? };
        // SAFETY: per the function contract (pointer, length and handle validity).
        let pw = unsafe { cstr(password, "password", true)? }.map(|s| Zeroizing::new(s.to_owned()));
        // SAFETY: per the function contract (pointer, length and handle validity).
        let format = unsafe { cstr(format, "format", false)? }.unwrap_or_default();
        let format = sesgo::ExportFormat::parse(format)?;
        Ok(sesgo::export_certificate(
            input,
            pw.as_ref().map(|p| p.as_str()),
            None,
            format,
        )?)
    })
}
