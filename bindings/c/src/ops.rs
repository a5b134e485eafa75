//! Sign, verify and certificate inspection (docs/adr/0021).

use crate::boundary::{bytes, handle, optional_bytes, options, run, run_bytes, Failure};
use crate::bytes::sesgo_bytes;
use crate::error::sesgo_error;
use crate::handles::{cstr, sesgo_signer, sesgo_trust_store};
use crate::status::SesgoStatus;
use sesgo_core::{Code, Error};
use std::ffi::c_char;
use zeroize::Zeroizing;

/// Signs the resources `provenance` designates in `bundle` (caso de uso *criar*,
/// Etapas 1–14): the chain is completed and validated with `trust`, the signer's
/// eligibility checked under the policy. `options_json` (empty = defaults): `{"policy":
/// uri, "strategy": "iat"|"tsa", "referenceTime": unix, "settings": {…}}`.
///
/// On success `out` receives `{"signature": Signature, "provenance": Provenance,
/// "bundle": transfer Bundle, "warnings": OperationOutcome|null}` (UTF-8 JSON, release
/// with `sesgo_bytes_free`). Any failure is a status and, through `err_out`, every
/// finding. `bundle` and `provenance` are read as given (never re-serialized).
#[no_mangle]
pub unsafe extern "C" fn sesgo_sign(
    signer: *const sesgo_signer,
    trust: *const sesgo_trust_store,
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
        let signer = unsafe { handle(signer, "signer")? };
        // SAFETY: per the function contract.
        let trust = unsafe { handle(trust, "trust")? };
        // SAFETY: per the function contract.
        let bundle = unsafe { bytes(bundle, bundle_len, "bundle")? };
        // SAFETY: per the function contract.
        let prov = unsafe { bytes(provenance, provenance_len, "provenance")? };
        // SAFETY: per the function contract.
        let opts: sesgo::SignOptions = unsafe { options(options_json, options_len)? };
        let signed = sesgo::sign(bundle, prov, &signer.inner, &trust.inner, &opts)?;
        Ok(signed.to_json().into_bytes())
    })
}

/// The four parts of a signature, each as its own exact bytes (UTF-8 JSON): what
/// `sesgo_sign_parts` writes. Store and send these bytes as they are: under policy 0.2.0
/// the signed numbers are covered as written (`36.50`), so a re-serialization of the
/// transfer Bundle can break the signature. Release all four at once with
/// `sesgo_signed_free`.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct sesgo_signed {
    /// The FHIR `Signature` (profile `assinatura-avancada`).
    pub signature: sesgo_bytes,
    /// The signed `Provenance` carrying it (profile `conteudo-assinado`).
    pub provenance: sesgo_bytes,
    /// The transfer Bundle: the signed instances and the signed Provenance. Send this.
    pub bundle: sesgo_bytes,
    /// An OperationOutcome of the findings that did not prevent signing (e.g.
    /// `CERT.NEAR-EXPIRY`); empty (`data == NULL`, `len == 0`) when there are none.
    pub warnings: sesgo_bytes,
}

/// `sesgo_sign` with each output as its own buffer (`sesgo_signed`), never cut out of
/// a combined document. Same inputs, options and failures as `sesgo_sign`. On success
/// `*out` is set (release with `sesgo_signed_free`); on failure it is left zeroed.
#[no_mangle]
pub unsafe extern "C" fn sesgo_sign_parts(
    signer: *const sesgo_signer,
    trust: *const sesgo_trust_store,
    bundle: *const u8,
    bundle_len: usize,
    provenance: *const u8,
    provenance_len: usize,
    options_json: *const u8,
    options_len: usize,
    out: *mut sesgo_signed,
    err_out: *mut *mut sesgo_error,
) -> SesgoStatus {
    crate::boundary::run(err_out, || {
        if out.is_null() {
            return Err(Failure::null("out"));
        }
        // SAFETY: non-NULL caller-provided slot; zeroed first so a failure leaves nothing
        // to free behind.
        unsafe {
            out.write(sesgo_signed {
                signature: sesgo_bytes::empty(),
                provenance: sesgo_bytes::empty(),
                bundle: sesgo_bytes::empty(),
                warnings: sesgo_bytes::empty(),
            })
        };
        // SAFETY: per the function contract.
        let signer = unsafe { handle(signer, "signer")? };
        // SAFETY: per the function contract (pointer, length and handle validity).
        let trust = unsafe { handle(trust, "trust")? };
        // SAFETY: per the function contract (pointer, length and handle validity).
        let bundle = unsafe { bytes(bundle, bundle_len, "bundle")? };
        // SAFETY: per the function contract (pointer, length and handle validity).
        let prov = unsafe { bytes(provenance, provenance_len, "provenance")? };
        // SAFETY: per the function contract (pointer, length and handle validity).
        let opts: sesgo::SignOptions = unsafe { options(options_json, options_len)? };
        let signed = sesgo::sign(bundle, prov, &signer.inner, &trust.inner, &opts)?;
        let warnings = if signed.warnings.is_empty() {
            Vec::new()
        } else {
            sesgo::OperationOutcome::new(signed.warnings.clone())
                .to_json()
                .into_bytes()
        };
        // SAFETY: checked non-NULL above.
        unsafe {
            out.write(sesgo_signed {
                signature: sesgo_bytes::from_vec(signed.signature.to_json().into_bytes()),
                provenance: sesgo_bytes::from_vec(signed.provenance.to_json().into_bytes()),
                bundle: sesgo_bytes::from_vec(signed.bundle.into_bytes()),
                warnings: sesgo_bytes::from_vec(warnings),
            })
        };
        Ok(())
    })
}

/// Releases the four buffers of a `sesgo_signed` and zeroes them; NULL and an already
/// released (zeroed) value are accepted.
#[no_mangle]
pub unsafe extern "C" fn sesgo_signed_free(signed: *mut sesgo_signed) {
    if signed.is_null() {
        return;
    }
    // SAFETY: the caller passes a value written by `sesgo_sign_parts` (or zeroed).
    let s = unsafe { &mut *signed };
    for b in [
        &mut s.signature,
        &mut s.provenance,
        &mut s.bundle,
        &mut s.warnings,
    ] {
        crate::bytes::sesgo_bytes_free(std::mem::replace(b, sesgo_bytes::empty()));
    }
}

/// What `sesgo_verify` checks: each member is a borrowed `(pointer, length)` pair; a NULL
/// pointer means "absent" (its length must then be 0). Zero-initialize it (`= {0}`) and
/// set what you have. The bytes are used exactly as given: the integrity check digests
/// the Bundle's own resources, so pass the Bundle you received, not a re-serialization.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct sesgo_verify_input {
    /// `Signature.data`: standard Base64 of the JWS (ASCII). Alone, it checks the
    /// signature and the certificate without the integrity check.
    pub signature_data: *const u8,
    /// Length of `signature_data` in bytes.
    pub signature_data_len: usize,
    /// A FHIR `Signature` (JSON).
    pub signature: *const u8,
    /// Length of `signature` in bytes.
    pub signature_len: usize,
    /// The signed `Provenance` (JSON): carries the Signature and designates the signed
    /// set.
    pub provenance: *const u8,
    /// Length of `provenance` in bytes.
    pub provenance_len: usize,
    /// A Bundle (JSON). Alone: a transfer Bundle whose signed Provenance is verified.
    /// With a Signature or Provenance: the content of the integrity check.
    pub bundle: *const u8,
    /// Length of `bundle` in bytes.
    pub bundle_len: usize,
}

/// Verifies a signature (caso de uso *validar*) against `trust`. `options_json` (empty =
/// defaults): `{"policy": uri, "referenceTime": unix, "settings": {…}, "acceptedPolicies":
/// [uri…], "unsignedEntries": "warning"|"error"}`; note the default
/// `"revocationPolicy": "strict"` needs revocation evidence.
///
/// Returns `SESGO_STATUS_OK` whenever the inputs could be examined, and `out` receives
/// `{"valid": bool, "indication", "subIndication", "contentChecked": bool, "signatures":
/// […], "unsignedContent": […], "outcome": OperationOutcome}`: an invalid signature is
/// `OK` with `"valid": false` and every finding (e.g. `CRYPTO.HASH-VERIFICATION-FAILED`).
/// `"contentChecked": false` means the signature was proven, not the content (no Bundle
/// given). A given Bundle is always checked: with `signature_data` or `signature`, the
/// Provenance in it that carries that signature designates the content. An error
/// status means the inputs or options are unusable (NULL, JSON that does not parse,
/// settings out of range, unknown policy).
#[no_mangle]
pub unsafe extern "C" fn sesgo_verify(
    trust: *const sesgo_trust_store,
    input: *const sesgo_verify_input,
    options_json: *const u8,
    options_len: usize,
    out: *mut sesgo_bytes,
    err_out: *mut *mut sesgo_error,
) -> SesgoStatus {
    run_bytes(err_out, out, || {
        // SAFETY: per the function contract.
        let trust = unsafe { handle(trust, "trust")? };
        // SAFETY: per the function contract.
        let input = unsafe { handle(input, "input")? };
        // SAFETY: per the function contract.
        let req = unsafe { verify_input(input, "input")? };
        // SAFETY: per the function contract.
        let opts: sesgo::VerifyOptions = unsafe { options(options_json, options_len)? };
        let v = sesgo::verify(&req, &trust.inner, &opts)?;
        Ok(v.to_json().into_bytes())
    })
}

/// Borrows one `sesgo_verify_input` as the facade's input; `name` locates its errors
/// (`input`, `inputs[3]`).
///
/// # Safety
/// Every non-NULL member must be valid for its length for the duration of the call.
unsafe fn verify_input<'a>(
    input: &sesgo_verify_input,
    name: &str,
) -> Result<sesgo::VerifyInput<'a>, Failure> {
    let at = |member: &str| format!("{name}.{member}");
    // SAFETY: per the function contract.
    let data = unsafe {
        optional_bytes(
            input.signature_data,
            input.signature_data_len,
            &at("signature_data"),
        )?
    };
    let signature_data = match data {
        Some(d) => Some(std::str::from_utf8(d).map_err(|_| {
            Failure::new(
                SesgoStatus::InvalidUtf8,
                Error::new(
                    Code::ConfigInvalidParameter,
                    format!("{} não é UTF-8 válido", at("signature_data")),
                )
                .at(at("signature_data")),
            )
        })?),
        None => None,
    };
    Ok(sesgo::VerifyInput {
        signature_data,
        // SAFETY: per the function contract.
        signature: unsafe {
            optional_bytes(input.signature, input.signature_len, &at("signature"))?
        },
        // SAFETY: per the function contract.
        provenance: unsafe {
            optional_bytes(input.provenance, input.provenance_len, &at("provenance"))?
        },
        // SAFETY: per the function contract.
        bundle: unsafe { optional_bytes(input.bundle, input.bundle_len, &at("bundle"))? },
    })
}

/// Verifies `count` inputs (an archive, a feed) against one `trust` on up to `threads`
/// threads (0 = one per core), sharing its chain, AIA and revocation caches:
/// `sesgo_verify` for each, in parallel. `options_json` applies to every item
/// (revocation evidence, when given, is read once for the batch).
///
/// On `SESGO_STATUS_OK`, `outs[i]` (an array of `count` slots the caller provides)
/// receives item `i`'s result JSON, as `sesgo_verify` would give it; release each with
/// `sesgo_bytes_free`. An item whose own input is unusable (NULL with a length,
/// `signature_data` not UTF-8, JSON that does not parse, a limit exceeded) gets an invalid
/// result carrying that error (`"indication": "TOTAL-FAILED"` or `"INDETERMINATE"`, its
/// code located at `inputs[i]…`), never a failed batch. An error status means what would
/// refuse every item alike (NULL `trust`, `inputs` or `outs` with `count > 0`, unusable
/// options or evidence); no slot is written then. `count == 0` is `OK`.
#[no_mangle]
pub unsafe extern "C" fn sesgo_verify_many(
    trust: *const sesgo_trust_store,
    inputs: *const sesgo_verify_input,
    count: usize,
    options_json: *const u8,
    options_len: usize,
    threads: usize,
    outs: *mut sesgo_bytes,
    err_out: *mut *mut sesgo_error,
) -> SesgoStatus {
    run(err_out, || {
        // SAFETY: per the function contract.
        let trust = unsafe { handle(trust, "trust")? };
        // SAFETY: per the function contract.
        let opts: sesgo::VerifyOptions = unsafe { options(options_json, options_len)? };
        if count == 0 {
            // Options still checked: an unusable batch is refused even when empty.
            sesgo::verify_batch(&[], &trust.inner, &opts, threads)?;
            return Ok(());
        }
        if outs.is_null() {
            return Err(Failure::null("outs"));
        }
        if inputs.is_null() {
            return Err(Failure::null("inputs"));
        }
        if count > isize::MAX as usize / std::mem::size_of::<sesgo_verify_input>().max(1) {
            return Err(Failure::from(
                Error::new(
                    Code::ConfigInvalidParameter,
                    format!("count = {count}: maior que o endereçável"),
                )
                .at("count"),
            ));
        }
        // SAFETY: non-NULL and valid for `count` elements (function contract).
        let inputs = unsafe { std::slice::from_raw_parts(inputs, count) };
        // Items whose own input is unusable are answered alone (the facade's batch).
        let mut prepared: Vec<Result<sesgo::VerifyInput<'_>, Error>> = Vec::with_capacity(count);
        for (i, input) in inputs.iter().enumerate() {
            // SAFETY: per the function contract.
            let one = unsafe { verify_input(input, &format!("inputs[{i}]")) };
            prepared.push(one.map_err(|f| f.error));
        }
        let results = sesgo::verify_batch_items_json(&prepared, &trust.inner, &opts, threads)?;
        for (i, r) in results.into_iter().enumerate() {
            // SAFETY: `outs` is non-NULL and valid for `count` slots (function contract).
            unsafe { outs.add(i).write(sesgo_bytes::from_vec(r.into_bytes())) };
        }
        Ok(())
    })
}

/// Reports on a certificate for credentialing: `input` is DER or PEM, or — when
/// `password` (NUL-terminated UTF-8, nullable) is given — a PKCS#12 whose leaf is
/// reported. `trust` (nullable; default: the embedded ICP-Brasil roots) decides the
/// report's `trust` member — whether the certificate chains to a trusted root — apart
/// from its `eligibility`. `options_json` (empty = defaults): `{"referenceTime": unix,
/// "alias": "…"}`. On success `out` receives the report (JSON: subject, identity,
/// validity, fingerprints, eligibility per policy, trust, PEM, …).
#[no_mangle]
pub unsafe extern "C" fn sesgo_inspect_certificate(
    input: *const u8,
    input_len: usize,
    password: *const c_char,
    trust: *const sesgo_trust_store,
    options_json: *const u8,
    options_len: usize,
    out: *mut sesgo_bytes,
    err_out: *mut *mut sesgo_error,
) -> SesgoStatus {
    run_bytes(err_out, out, || {
        // SAFETY: per the function contract.
        let input = unsafe { bytes(input, input_len, "input")? };
        // SAFETY: per the function contract.
        let pw = unsafe { cstr(password, "password", true)? }.map(|s| Zeroizing::new(s.to_owned()));
        // SAFETY: per the function contract.
        let opts: sesgo::InspectOptions = unsafe { options(options_json, options_len)? };
        let pw = pw.as_ref().map(|p| p.as_str());
        // SAFETY: NULL or a live trust-store handle (function contract).
        let report = match unsafe { trust.as_ref() } {
            Some(t) => sesgo::inspect_certificate_with_trust(input, pw, &opts, &t.inner)?,
            None => sesgo::inspect_certificate(input, pw, &opts)?,
        };
        Ok(report.to_json().into_bytes())
    })
}
