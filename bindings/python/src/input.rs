//! Python arguments → bytes for the facade: bytes-like objects, paths, PEM text and
//! passwords. Every failure is a sesgo exception with a guide code located at the
//! parameter (issue 25): a wrong Python *type* is `sesgo.exceptions.ArgumentTypeError`
//! (`CONFIG.INVALID-PARAMETER`, also a `TypeError`), text that cannot be UTF-8 (a lone
//! surrogate) `ArgumentValueError` (also a `ValueError`); values sesgo refuses (an
//! unreadable or oversized file) carry their own code.

use crate::raise;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyString};
use std::path::PathBuf;
use zeroize::Zeroizing;

/// `ArgumentTypeError` (`CONFIG.INVALID-PARAMETER`, a `TypeError`) at `param`.
pub fn type_error(py: Python<'_>, param: &str, msg: String) -> PyErr {
    crate::raise_as(
        py,
        sesgo::Error::new(sesgo::Code::ConfigInvalidParameter, msg).at(param),
        "ArgumentTypeError",
    )
}

/// `ArgumentValueError` (`CONFIG.INVALID-PARAMETER`, a `ValueError`) at `param`.
pub fn value_error(py: Python<'_>, param: &str, msg: String) -> PyErr {
    crate::raise_as(
        py,
        sesgo::Error::new(sesgo::Code::ConfigInvalidParameter, msg).at(param),
        "ArgumentValueError",
    )
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// The text of a `str` (a lone surrogate is an `ArgumentValueError`, never a
/// `UnicodeEncodeError`).
pub fn text(s: &Bound<'_, PyString>, param: &str) -> PyResult<String> {
    s.to_cow().map(|c| c.into_owned()).map_err(|_| {
        value_error(
            s.py(),
            param,
            format!("{param}: texto com surrogate isolado não é UTF-8"),
        )
    })
}

/// An optional `str` argument (`None` passes).
pub fn opt_text(obj: Option<&Bound<'_, PyAny>>, param: &str) -> PyResult<Option<String>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => match o.cast::<PyString>() {
            Ok(s) => text(s, param).map(Some),
            Err(_) => Err(type_error(
                o.py(),
                param,
                format!("{param}: esperado str, recebido {}", type_name(o)),
            )),
        },
    }
}

/// An optional non-negative `int` argument.
pub fn opt_u64(obj: Option<&Bound<'_, PyAny>>, param: &str) -> PyResult<Option<u64>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) if o.is_instance_of::<pyo3::types::PyBool>() => Err(type_error(
            o.py(),
            param,
            format!("{param}: esperado int, recebido bool"),
        )),
        Some(o) => o.extract::<u64>().map(Some).map_err(|_| {
            type_error(
                o.py(),
                param,
                format!(
                    "{param}: esperado int entre 0 e 2^64-1, recebido {}",
                    type_name(o)
                ),
            )
        }),
    }
}

/// An optional `bool` argument.
pub fn opt_bool(obj: Option<&Bound<'_, PyAny>>, param: &str) -> PyResult<Option<bool>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => match o.cast::<pyo3::types::PyBool>() {
            Ok(b) => Ok(Some(b.is_true())),
            Err(_) => Err(type_error(
                o.py(),
                param,
                format!("{param}: esperado bool, recebido {}", type_name(o)),
            )),
        },
    }
}

/// An optional path argument (`str` or `os.PathLike`).
pub fn opt_path(obj: Option<&Bound<'_, PyAny>>, param: &str) -> PyResult<Option<PathBuf>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => path(o, param).map(Some),
    }
}

fn path(o: &Bound<'_, PyAny>, param: &str) -> PyResult<PathBuf> {
    let py = o.py();
    if let Ok(s) = o.cast::<PyString>() {
        return text(s, param).map(PathBuf::from);
    }
    let fspath = py.import("os")?.getattr("fspath")?;
    match fspath.call1((o,)) {
        Ok(p) => match p.cast::<PyString>() {
            Ok(s) => text(s, param).map(PathBuf::from),
            Err(_) => Err(type_error(
                py,
                param,
                format!("{param}: os.fspath devolveu um caminho em bytes; use str ou pathlib.Path"),
            )),
        },
        Err(_) => Err(type_error(
            py,
            param,
            format!(
                "{param}: esperado str ou os.PathLike, recebido {}",
                type_name(o)
            ),
        )),
    }
}

/// An optional list of `str`.
pub fn opt_text_list(obj: Option<&Bound<'_, PyAny>>, param: &str) -> PyResult<Option<Vec<String>>> {
    let Some(o) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    if o.is_instance_of::<PyString>() || bytes_like(o)?.is_some() {
        return Err(type_error(
            o.py(),
            param,
            format!(
                "{param}: esperado uma lista de str, recebido {}",
                type_name(o)
            ),
        ));
    }
    let iter = o.try_iter().map_err(|_| {
        type_error(
            o.py(),
            param,
            format!(
                "{param}: esperado uma lista de str, recebido {}",
                type_name(o)
            ),
        )
    })?;
    let mut out = Vec::new();
    for (i, item) in iter.enumerate() {
        let item = item?;
        out.push(
            opt_text(Some(&item), &format!("{param}[{i}]"))?.ok_or_else(|| {
                type_error(
                    o.py(),
                    param,
                    format!("{param}[{i}]: esperado str, recebido None"),
                )
            })?,
        );
    }
    Ok(Some(out))
}

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
        let s = Zeroizing::new(text(s, param)?);
        if pem_text && s.contains("-----BEGIN") {
            return Ok(Zeroizing::new(s.as_bytes().to_vec()));
        }
        return read_file(py, PathBuf::from(s.as_str()), param);
    }
    let fspath = py.import("os")?.getattr("fspath")?;
    if fspath.call1((obj,)).is_err() {
        return Err(type_error(
            py,
            param,
            format!(
                "{param}: esperado bytes, str ou os.PathLike, recebido {}",
                type_name(obj)
            ),
        ));
    }
    read_file(py, path(obj, param)?, param)
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
        return Ok(Zeroizing::new(text(s, "password")?.into_bytes()));
    }
    Err(type_error(
        obj.py(),
        "password",
        format!(
            "password: esperado str, bytes ou bytearray, recebido {}",
            type_name(obj)
        ),
    ))
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
