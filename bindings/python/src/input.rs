//! Python arguments → bytes for the facade: bytes-like objects, paths, PEM text and
//! passwords. Wrong Python *types* raise `TypeError` (a programming error, like pyo3's own
//! argument conversion); values sesgo refuses (an unreadable file, a password that is not
//! UTF-8) are facade errors with the guide's code, located at the parameter.

use crate::raise;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyString};
use std::path::PathBuf;
use zeroize::Zeroizing;

/// The bytes of a bytes-like object (`bytes`, `bytearray`, `memoryview`), or `None`.
/// The copy is wiped on drop (it may be a PKCS#12 or a private key).
pub fn bytes_like(obj: &Bound<'_, PyAny>) -> PyResult<Option<Zeroizing<Vec<u8>>>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Some(Zeroizing::new(b.as_bytes().to_vec())));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(Some(Zeroizing::new(b.to_vec())));
    }
    if obj.is_instance_of::<PyMemoryView>() {
        let b = obj.call_method0("tobytes")?;
        let b = b.cast::<PyBytes>()?;
        return Ok(Some(Zeroizing::new(b.as_bytes().to_vec())));
    }
    Ok(None)
}

/// The kind of input a parameter holds, which decides its size limit (docs/adr/0058).
fn kind_of(param: &str) -> sesgo::InputKind {
    match param {
        "chain" | "rootCertsPem" | "caCertsPem" => sesgo::InputKind::Certificates,
        "content" => sesgo::InputKind::Attachment,
        _ => sesgo::InputKind::Credential,
    }
}

/// Reads a file at most its limit + 1 byte (`sesgo::read_input_file`).
fn read_file(py: Python<'_>, path: PathBuf, param: &str) -> PyResult<Zeroizing<Vec<u8>>> {
    sesgo::read_input_file(&path, kind_of(param), None)
        .map(Zeroizing::new)
        .map_err(|e| raise(py, e.at(param)))
}

/// Bytes given directly, or read from a path (`str` or `os.PathLike`). With `pem_text`, a
/// `str` holding `-----BEGIN` is PEM text itself, not a path.
pub fn source(obj: &Bound<'_, PyAny>, param: &str, pem_text: bool) -> PyResult<Zeroizing<Vec<u8>>> {
    let py = obj.py();
    if let Some(b) = bytes_like(obj)? {
        return Ok(b);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let s = s.to_cow()?;
        if pem_text && s.contains("-----BEGIN") {
            return Ok(Zeroizing::new(s.as_bytes().to_vec()));
        }
        return read_file(py, PathBuf::from(s.as_ref()), param);
    }
    let fspath = py.import("os")?.getattr("fspath")?;
    match fspath.call1((obj,)) {
        Ok(p) => match p.extract::<PathBuf>() {
            Ok(path) => read_file(py, path, param),
            Err(_) => Err(PyTypeError::new_err(format!(
                "{param}: os.fspath devolveu um caminho em bytes; use str ou pathlib.Path"
            ))),
        },
        Err(_) => Err(PyTypeError::new_err(format!(
            "{param}: esperado bytes, str ou os.PathLike, recebido {}",
            obj.get_type().name()?
        ))),
    }
}

/// PEM text as a `String` (the facade's trust-store options hold text).
pub fn pem_string(obj: &Bound<'_, PyAny>, param: &str) -> PyResult<String> {
    let b = source(obj, param, true)?;
    String::from_utf8(b.to_vec()).map_err(|_| {
        raise(
            obj.py(),
            sesgo::Error::new(sesgo::Code::FormatCertPemInvalid, "PEM que não é UTF-8").at(param),
        )
    })
}

/// A password given as `str`, `bytes` or `bytearray`, copied into a buffer wiped on drop.
/// (The Python object itself cannot be wiped by sesgo; a caller who wants that passes a
/// `bytearray` and clears it afterwards.)
pub fn password_bytes(obj: &Bound<'_, PyAny>) -> PyResult<Zeroizing<Vec<u8>>> {
    if let Some(b) = bytes_like(obj)? {
        return Ok(b);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Zeroizing::new(s.to_cow()?.into_owned().into_bytes()));
    }
    Err(PyTypeError::new_err(format!(
        "password: esperado str, bytes ou bytearray, recebido {}",
        obj.get_type().name()?
    )))
}

/// [`password_bytes`] as UTF-8 text (PKCS#12 passwords are text).
pub fn password_str(obj: &Bound<'_, PyAny>) -> PyResult<Zeroizing<String>> {
    let mut b = password_bytes(obj)?;
    match String::from_utf8(std::mem::take(&mut *b)) {
        Ok(s) => Ok(Zeroizing::new(s)),
        Err(e) => {
            drop(Zeroizing::new(e.into_bytes()));
            Err(raise(
                obj.py(),
                sesgo::Error::new(
                    sesgo::Code::ConfigInvalidParameter,
                    "a senha do PKCS#12 não é texto UTF-8",
                )
                .at("password"),
            ))
        }
    }
}
