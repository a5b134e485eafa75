//! `Signer.from_pkcs11`: a key on a PKCS#11 token or smartcard (ICP-Brasil A3;
//! docs/adr/0040). The configuration becomes the facade's JSON form (the same in every
//! language); the PIN is a string or a callable asked per attempt.

use crate::call;
use crate::input::password_str;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use sesgo::pkcs11::Pin;
use sesgo::{Code, Error};
use zeroize::Zeroizing;

#[allow(clippy::too_many_arguments)]
pub(crate) fn signer_from_pkcs11(
    py: Python<'_>,
    module: &Bound<'_, PyAny>,
    pin: &Bound<'_, PyAny>,
    key_id: Option<String>,
    key_label: Option<String>,
    slot_id: Option<u64>,
    token_label: Option<String>,
    settings: Option<&Bound<'_, PyDict>>,
) -> PyResult<sesgo::Signer> {
    let module: String = py
        .import("os")?
        .getattr("fspath")?
        .call1((module,))?
        .extract()
        .map_err(|_| PyTypeError::new_err("module: esperado str ou os.PathLike"))?;
    // Middleware settings (camelCase, as in the guide): sessionMode, sessionTimeout, …
    let mut config = match settings {
        Some(d) => {
            let text: String = py
                .import("json")?
                .getattr("dumps")?
                .call1((d,))?
                .extract()?;
            match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(serde_json::Value::Object(m)) => m,
                _ => return Err(PyTypeError::new_err("settings: esperado dict")),
            }
        }
        None => serde_json::Map::new(),
    };
    config.insert("module".into(), module.into());
    if let Some(v) = key_id {
        config.insert("keyId".into(), v.into());
    }
    if let Some(v) = key_label {
        config.insert("keyLabel".into(), v.into());
    }
    if let Some(v) = slot_id {
        config.insert("slotId".into(), v.into());
    }
    if let Some(v) = token_label {
        config.insert("tokenLabel".into(), v.into());
    }
    let pin = if pin.is_callable() {
        let cb: Py<PyAny> = pin.clone().unbind();
        Pin::Callback(Box::new(move |attempt: u32| {
            Python::attach(|py| {
                let got = cb.bind(py).call1((attempt,)).map_err(|e| {
                    Error::new(
                        Code::CryptoPinInvalid,
                        format!("a função do PIN falhou: {e}"),
                    )
                })?;
                password_str(&got).map_err(|e| {
                    Error::new(
                        Code::CryptoPinInvalid,
                        format!("a função do PIN não retornou texto: {e}"),
                    )
                })
            })
        }))
    } else {
        Pin::Value(Zeroizing::new(password_str(pin)?.to_string()))
    };
    let json = serde_json::Value::Object(config).to_string();
    call(py, move || {
        sesgo::Signer::from_pkcs11_json(json.as_bytes(), pin)
    })
}
