//! `sesgo._sesgo`: the native module behind the `sesgo` Python package. Translation only
//! (docs/adr/0005): bytes in, bytes out, every facade error raised as the matching
//! `sesgo.exceptions` class (one place: `raise`), the GIL released around the work, and
//! every call inside the facade's panic guard.

mod handles;
mod input;
mod network;
mod pkcs11;
mod result;

use handles::{default_trust_store, Signer, TrustStore};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// Converts a facade error into the Python exception `sesgo.exceptions` defines for its
/// code's category, carrying code, severity, location, diagnostics and the
/// OperationOutcome (as a dict).
fn raise(py: Python<'_>, e: sesgo::Error) -> PyErr {
    let primary = e.primary();
    let code = primary.code().as_str();
    let severity = primary.severity().as_str();
    let location = primary.locations().first().cloned();
    let diagnostics = primary.diagnostics().to_owned();
    let outcome = e.to_operation_outcome().to_json();
    let build = || -> PyResult<PyErr> {
        let exc = py.import("sesgo.exceptions")?;
        let cls = exc.getattr("exception_class_for")?.call1((code,))?;
        let outcome = py.import("json")?.getattr("loads")?.call1((outcome,))?;
        let inst = cls.call1((code, severity, location, diagnostics, outcome))?;
        Ok(PyErr::from_value(inst))
    };
    build().unwrap_or_else(|err| err)
}

/// [`raise`] with an explicit class of `sesgo.exceptions` (the argument errors, which are
/// also `TypeError` / `ValueError`).
fn raise_as(py: Python<'_>, e: sesgo::Error, class: &str) -> PyErr {
    let primary = e.primary();
    let code = primary.code().as_str();
    let severity = primary.severity().as_str();
    let location = primary.locations().first().cloned();
    let diagnostics = primary.diagnostics().to_owned();
    let outcome = e.to_operation_outcome().to_json();
    let build = || -> PyResult<PyErr> {
        let exc = py.import("sesgo.exceptions")?;
        let cls = exc.getattr(class)?;
        let outcome = py.import("json")?.getattr("loads")?.call1((outcome,))?;
        let inst = cls.call1((code, severity, location, diagnostics, outcome))?;
        Ok(PyErr::from_value(inst))
    };
    build().unwrap_or_else(|err| err)
}

/// The parts of a sesgo exception the Python layer raises itself (an input `json` cannot
/// serialize, a lone surrogate): `(severity, OperationOutcome JSON)` of `code` with
/// `diagnostics` at `location`, rendered by the facade like every other error.
#[pyfunction]
fn error_parts(code: &str, diagnostics: &str, location: &str) -> (String, String) {
    let code = sesgo::Code::from_code_str(code).unwrap_or(sesgo::Code::ConfigInvalidParameter);
    let e = sesgo::Error::new(code, diagnostics).at(location);
    (
        e.primary().severity().as_str().to_owned(),
        e.to_operation_outcome().to_json(),
    )
}

/// Runs `f` without the GIL, inside the panic guard; errors become exceptions.
fn call<T: Send>(py: Python<'_>, f: impl FnOnce() -> sesgo::Result<T> + Send) -> PyResult<T> {
    py.detach(|| sesgo::guard(f)).map_err(|e| raise(py, e))
}

/// The sesgo version.
#[pyfunction]
fn version() -> &'static str {
    sesgo::VERSION
}

/// The guide's default settings as JSON text (the form `settings=` takes).
#[pyfunction]
fn default_settings() -> &'static str {
    sesgo::Settings::defaults_json()
}

/// The supported signature policies and the signing default, as JSON text
/// (`{"default": uri, "policies": [{"uri": …, "family": "0.1" | "0.2.0"}, …]}`).
#[pyfunction]
fn policies() -> String {
    sesgo::Policy::catalog_json()
}

/// The binding ABI version of this native module.
#[pyfunction]
fn abi_version() -> u32 {
    sesgo::ABI_VERSION
}

/// Canonical bytes of a resource as signed (options JSON: `{"policy": …}`).
#[pyfunction]
fn canonicalize<'py>(
    py: Python<'py>,
    resource: &[u8],
    options: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let out = call(py, || {
        let opts = sesgo::CanonicalizeOptions::from_json(options)?;
        sesgo::canonicalize(resource, opts.policy.as_deref())
    })?;
    Ok(PyBytes::new(py, &out))
}

/// Reference check; returns the OperationOutcome JSON.
#[pyfunction]
#[pyo3(signature = (bundle, provenance, options))]
fn check_references<'py>(
    py: Python<'py>,
    bundle: &[u8],
    provenance: Option<&[u8]>,
    options: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let out = call(py, || {
        let opts = sesgo::ReferenceCheckOptions::from_json(options)?;
        Ok(sesgo::check_references(bundle, provenance, &opts)?.to_json())
    })?;
    Ok(PyBytes::new(py, out.as_bytes()))
}

/// Transfer-Bundle builder; returns the Bundle JSON.
#[pyfunction]
fn build_bundle<'py>(
    py: Python<'py>,
    resources: &[u8],
    options: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let out = call(py, || {
        let opts = sesgo::BuildBundleOptions::from_json(options)?;
        Ok(sesgo::build_bundle(resources, &opts)?.to_json())
    })?;
    Ok(PyBytes::new(py, out.as_bytes()))
}

/// `sesgo::fill_attachment` or `sesgo::check_attachment`, returning the JSON text.
type AttachmentOp = fn(&[u8], Option<&[u8]>, &sesgo::AttachmentOptions) -> sesgo::Result<String>;

/// The two attachment functions: the facade call `op` on `(attachment, content,
/// options)`, its JSON returned as the facade wrote it.
fn attachment_op<'py>(
    py: Python<'py>,
    (attachment, content, options): (&[u8], Option<&[u8]>, &[u8]),
    op: AttachmentOp,
) -> PyResult<Bound<'py, PyBytes>> {
    let out = call(py, || {
        op(
            attachment,
            content,
            &sesgo::AttachmentOptions::from_json(options)?,
        )
    })?;
    Ok(PyBytes::new(py, out.as_bytes()))
}

/// The content of an attachment: bytes, or a path read here (bounded, docs/adr/0058).
fn attachment_content(content: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<u8>>> {
    match content.filter(|c| !c.is_none()) {
        None => Ok(None),
        Some(c) => input::source(c, "content", false).map(|b| Some(b.to_vec())),
    }
}

/// Fills `size`, `hash` and `hash-sha256` of an Attachment (profile `anexo-assinado`);
/// returns the Attachment JSON as the facade wrote it.
#[pyfunction]
#[pyo3(signature = (attachment, content, options))]
fn fill_attachment<'py>(
    py: Python<'py>,
    attachment: &[u8],
    content: Option<&Bound<'_, PyAny>>,
    options: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let content = attachment_content(content)?;
    attachment_op(py, (attachment, content.as_deref(), options), |a, c, o| {
        Ok(sesgo::fill_attachment(a, c, o)?.to_json())
    })
}

/// Checks an Attachment against `anexo-assinado` and its content; returns the
/// OperationOutcome JSON.
#[pyfunction]
#[pyo3(signature = (attachment, content, options))]
fn check_attachment<'py>(
    py: Python<'py>,
    attachment: &[u8],
    content: Option<&Bound<'_, PyAny>>,
    options: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let content = attachment_content(content)?;
    attachment_op(py, (attachment, content.as_deref(), options), |a, c, o| {
        Ok(sesgo::check_attachment(a, c, o)?.to_json())
    })
}

/// Signs (caso de uso *criar*, Etapas 1–14); returns `Signed::to_json()`.
#[pyfunction]
#[pyo3(signature = (bundle, provenance, signer, trust_store, options))]
fn sign<'py>(
    py: Python<'py>,
    bundle: &[u8],
    provenance: &[u8],
    signer: &Bound<'_, Signer>,
    trust_store: Option<&Bound<'_, TrustStore>>,
    options: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let signer = signer.get().inner.clone();
    let trust = trust_store.map(|t| t.get().inner.clone());
    let out = call(py, || {
        let opts = sesgo::SignOptions::from_json(options)?;
        let trust = match trust {
            Some(t) => t,
            None => default_trust_store()?,
        };
        Ok(sesgo::sign(bundle, provenance, &signer, &trust, &opts)?.to_json())
    })?;
    Ok(PyBytes::new(py, out.as_bytes()))
}

/// The four exact bytes of a signature: (Signature, signed Provenance, transfer Bundle,
/// warnings OperationOutcome or None). Never cut out of a combined document.
type SignedParts<'py> = (
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Option<Bound<'py, PyBytes>>,
);

/// Signs like [`sign`]; returns each output as its own bytes.
#[pyfunction]
#[pyo3(signature = (bundle, provenance, signer, trust_store, options))]
fn sign_parts<'py>(
    py: Python<'py>,
    bundle: &[u8],
    provenance: &[u8],
    signer: &Bound<'_, Signer>,
    trust_store: Option<&Bound<'_, TrustStore>>,
    options: &[u8],
) -> PyResult<SignedParts<'py>> {
    let signer = signer.get().inner.clone();
    let trust = trust_store.map(|t| t.get().inner.clone());
    let (signature, prov, transfer, warnings) = call(py, || {
        let opts = sesgo::SignOptions::from_json(options)?;
        let trust = match trust {
            Some(t) => t,
            None => default_trust_store()?,
        };
        let s = sesgo::sign(bundle, provenance, &signer, &trust, &opts)?;
        let warnings = (!s.warnings.is_empty())
            .then(|| sesgo::OperationOutcome::new(s.warnings.clone()).to_json());
        Ok((
            s.signature.to_json(),
            s.provenance.to_json(),
            s.bundle,
            warnings,
        ))
    })?;
    Ok((
        PyBytes::new(py, signature.as_bytes()),
        PyBytes::new(py, prov.as_bytes()),
        PyBytes::new(py, transfer.as_bytes()),
        warnings.map(|w| PyBytes::new(py, w.as_bytes())),
    ))
}

/// Verifies (caso de uso *validar*); returns `Verification::to_json()`.
#[pyfunction]
#[pyo3(signature = (signature_data, signature, provenance, bundle, trust_store, options))]
fn verify<'py>(
    py: Python<'py>,
    signature_data: Option<String>,
    signature: Option<&[u8]>,
    provenance: Option<&[u8]>,
    bundle: Option<&[u8]>,
    trust_store: Option<&Bound<'_, TrustStore>>,
    options: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let trust = trust_store.map(|t| t.get().inner.clone());
    let out = call(py, || {
        let opts = sesgo::VerifyOptions::from_json(options)?;
        let trust = match trust {
            Some(t) => t,
            None => default_trust_store()?,
        };
        let input = sesgo::VerifyInput {
            signature_data: signature_data.as_deref(),
            signature,
            provenance,
            bundle,
        };
        Ok(sesgo::verify(&input, &trust, &opts)?.to_json())
    })?;
    Ok(PyBytes::new(py, out.as_bytes()))
}

/// One item of `verify_many`: `(signature_data, signature, provenance, bundle)`, as the
/// Python layer built them (bytes, copied so the work runs without the GIL).
type BatchItem = (
    Option<String>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
);

/// A `verify_many` item as Python passes it (the bytes objects, borrowed under the GIL).
type PyBatchItem<'py> = (
    Option<String>,
    Option<Bound<'py, PyBytes>>,
    Option<Bound<'py, PyBytes>>,
    Option<Bound<'py, PyBytes>>,
);

/// Verifies many items across `threads` threads (0 = every core) with one trust store;
/// returns one `Verification::to_json()` per item, in order (an unusable item: its error
/// as an invalid result, `Verification::from_error`).
#[pyfunction]
#[pyo3(signature = (items, trust_store, options, threads))]
fn verify_many<'py>(
    py: Python<'py>,
    items: Vec<PyBatchItem<'py>>,
    trust_store: Option<&Bound<'_, TrustStore>>,
    options: &[u8],
    threads: usize,
) -> PyResult<Vec<Bound<'py, PyBytes>>> {
    let own = |b: &Option<Bound<'py, PyBytes>>| b.as_ref().map(|b| b.as_bytes().to_vec());
    let items: Vec<BatchItem> = items
        .iter()
        .map(|(d, s, p, b)| (d.clone(), own(s), own(p), own(b)))
        .collect();
    let trust = trust_store.map(|t| t.get().inner.clone());
    let out = call(py, || {
        let opts = sesgo::VerifyOptions::from_json(options)?;
        let trust = match trust {
            Some(t) => t,
            None => default_trust_store()?,
        };
        let inputs: Vec<sesgo::VerifyInput<'_>> = items
            .iter()
            .map(|(d, s, p, b)| sesgo::VerifyInput {
                signature_data: d.as_deref(),
                signature: s.as_deref(),
                provenance: p.as_deref(),
                bundle: b.as_deref(),
            })
            .collect();
        sesgo::verify_batch_json(&inputs, &trust, &opts, threads)
    })?;
    Ok(out.iter().map(|j| PyBytes::new(py, j.as_bytes())).collect())
}

/// Credentialing report of a certificate (DER, PEM, or PKCS#12 with a password), given as
/// bytes, PEM text or a path; returns the report JSON.
#[pyfunction]
#[pyo3(signature = (data, password, trust_store, options))]
fn inspect_certificate<'py>(
    py: Python<'py>,
    data: &Bound<'_, PyAny>,
    password: Option<&Bound<'_, PyAny>>,
    trust_store: Option<&Bound<'_, TrustStore>>,
    options: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let data = input::source(data, "data", true)?;
    let password = password.map(input::password_str).transpose()?;
    let trust = trust_store.map(|t| t.get().inner.clone());
    let out = call(py, || {
        let opts = sesgo::InspectOptions::from_json(options)?;
        let password = password.as_deref().map(|p| p.as_str());
        Ok(match &trust {
            Some(t) => sesgo::inspect_certificate_with_trust(&data, password, &opts, t)?,
            None => sesgo::inspect_certificate(&data, password, &opts)?,
        }
        .to_json())
    })?;
    Ok(PyBytes::new(py, out.as_bytes()))
}

/// Access token with the signer's certificate (caso de uso obter token); `options` is the
/// facade's JSON form (`sesgo::token::token_from_json`); the requests go through
/// `network` (default: sesgo's HTTP client). Returns the token JSON (it holds the token).
#[pyfunction]
#[pyo3(signature = (signer, options, network = None))]
fn token(
    py: Python<'_>,
    signer: &Bound<'_, Signer>,
    options: &[u8],
    network: Option<&Bound<'_, network::Network>>,
) -> PyResult<String> {
    let signer = signer.get().inner.clone();
    let network = network.map(|n| n.get().inner.clone());
    call(py, || {
        let t = sesgo::token::token_from_json(network.as_ref(), &signer, options)?;
        Ok(t.to_json_with_secret().to_string())
    })
}

/// Exports a certificate (DER, PEM, or PKCS#12 with a password) as `pem`, `der`, `jwk`
/// or `jwks`.
#[pyfunction]
#[pyo3(signature = (data, password, format))]
fn export_certificate<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    password: Option<&Bound<'py, PyAny>>,
    format: &str,
) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
    let data = input::source(data, "data", true)?;
    let password = password.map(input::password_str).transpose()?;
    let format = format.to_owned();
    let out = call(py, || {
        let f = sesgo::ExportFormat::parse(&format)?;
        sesgo::export_certificate(&data, password.as_deref().map(|p| p.as_str()), None, f)
    })?;
    Ok(pyo3::types::PyBytes::new(py, &out))
}

/// Test hook: panics inside the guard (must raise, never crash).
#[cfg(feature = "testing")]
#[pyfunction]
#[allow(
    clippy::panic,
    reason = "the test hook of the panic guard: it must panic"
)]
fn _testing_panic(py: Python<'_>) -> PyResult<()> {
    call(py, || -> sesgo::Result<()> {
        panic!("_testing_panic: pânico provocado de propósito")
    })
}

/// Test hook: fails with `CERT.EXPIRED` at `x5c[0]`.
#[cfg(feature = "testing")]
#[pyfunction]
fn _testing_error(py: Python<'_>) -> PyResult<()> {
    call(py, || -> sesgo::Result<()> {
        Err(sesgo::Error::new(sesgo::Code::CertExpired, "erro provocado de propósito").at("x5c[0]"))
    })
}

#[pymodule(gil_used = false)]
fn _sesgo(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(abi_version, m)?)?;
    m.add_function(wrap_pyfunction!(error_parts, m)?)?;
    m.add_function(wrap_pyfunction!(policies, m)?)?;
    m.add_function(wrap_pyfunction!(default_settings, m)?)?;
    m.add_function(wrap_pyfunction!(canonicalize, m)?)?;
    m.add_function(wrap_pyfunction!(check_references, m)?)?;
    m.add_function(wrap_pyfunction!(build_bundle, m)?)?;
    m.add_function(wrap_pyfunction!(fill_attachment, m)?)?;
    m.add_function(wrap_pyfunction!(check_attachment, m)?)?;
    m.add_function(wrap_pyfunction!(result::decode_result, m)?)?;
    m.add_function(wrap_pyfunction!(sign, m)?)?;
    m.add_function(wrap_pyfunction!(sign_parts, m)?)?;
    m.add_function(wrap_pyfunction!(verify, m)?)?;
    m.add_function(wrap_pyfunction!(verify_many, m)?)?;
    m.add_function(wrap_pyfunction!(inspect_certificate, m)?)?;
    m.add_function(wrap_pyfunction!(token, m)?)?;
    m.add_function(wrap_pyfunction!(export_certificate, m)?)?;
    m.add_class::<Signer>()?;
    m.add_class::<TrustStore>()?;
    m.add_class::<network::Network>()?;
    m.add_function(wrap_pyfunction!(network::build_x5c, m)?)?;
    #[cfg(feature = "testing")]
    {
        m.add_function(wrap_pyfunction!(_testing_panic, m)?)?;
        m.add_function(wrap_pyfunction!(_testing_error, m)?)?;
    }
    Ok(())
}
