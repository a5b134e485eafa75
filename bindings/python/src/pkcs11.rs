//! `Signer.from_pkcs11`: a key on a PKCS#11 token or smartcard (ICP-Brasil A3;
//! docs/adr/0040). The configuration becomes the facade's JSON form (the same in every
//! language); the PIN is a string or a callable asked per attempt.

use crate::call;
use crate::input::{opt_path, opt_text, opt_u64, password_str, type_error};
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
    key_id: Option<&Bound<'_, PyAny>>,
    key_label: Option<&Bound<'_, PyAny>>,
    slot_id: Option<&Bound<'_, PyAny>>,
    token_label: Option<&Bound<'_, PyAny>>,
    settings: Option<&Bound<'_, PyAny>>,
) -> PyResult<sesgo::Signer> {
    let module = opt_path(Some(module), "module")?
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let key_id = opt_text(key_id, "key_id")?;
    let key_label = opt_text(key_label, "key_label")?;
    let slot_id = opt_u64(slot_id, "slot_id")?;
    let token_label = opt_text(token_label, "token_label")?;
    let settings = match settings.filter(|s| !s.is_none()) {
        None => None,
        Some(s) => Some(
            s.cast::<PyDict>()
                .map_err(|_| type_error(py, "settings", "settings: esperado dict".to_owned()))?,
        ),
    };
    // Middleware settings (camelCase, as in the guide): sessionMode, sessionTimeout, …
    let mut config = match settings {
        Some(d) => {
            let bad = |_| {
                type_error(
                    py,
                    "settings",
                    "settings: esperado dict serializável em JSON".to_owned(),
                )
            };
            let text: String = py
                .import("json")?
                .getattr("dumps")?
                .call1((d,))
                .map_err(bad)?
                .extract()
                .map_err(bad)?;
            match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(serde_json::Value::Object(m)) => m,
                _ => {
                    return Err(type_error(
                        py,
                        "settings",
                        "settings: esperado dict".to_owned(),
                    ))
                }
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
