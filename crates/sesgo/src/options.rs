//! Shared option handling: policies, and the JSON form of the options at the binding edge.
//!
//! The Rust API is typed ([`Policy`], [`Strategy`], [`crate::RevocationPolicy`]); JSON
//! exists only where the bindings and the CLI hand options over as text. Each options
//! type has a private wire struct (serde, camelCase, unknown members refused) whose
//! strings are converted here, with errors located at `options.<member>`.

use serde::de::DeserializeOwned;
use sesgo_core::json::{from_value, join_path, parse_strict, Limits};
use sesgo_core::{Code, Error, Result};
use sesgo_jades::{Policy, Strategy};

/// The signing default policy (DECISIONS D1): the published guide 0.1.2.
pub const DEFAULT_POLICY: Policy = Policy::DEFAULT;

/// The policy named by `uri`, or [`DEFAULT_POLICY`] when `None`
/// (`POLICY.MISSING` / `POLICY.URI-INVALID` / `POLICY.VERSION-UNSUPPORTED`, criar 1.1).
pub fn parse_policy(uri: Option<&str>) -> Result<Policy> {
    match uri {
        None => Ok(DEFAULT_POLICY),
        Some(u) => Policy::from_uri(u).map_err(|e| e.at("policy")),
    }
}

/// A policy URI given in the JSON options, located at `location` on failure.
pub(crate) fn wire_policy(uri: &str, location: &str) -> Result<Policy> {
    Policy::from_uri(uri).map_err(|e| e.at(location))
}

/// A strategy name given in the JSON options, located at `location` on failure
/// (`CONFIG.INVALID-STRATEGY`, criar 1.3).
pub(crate) fn wire_strategy(name: &str, location: &str) -> Result<Strategy> {
    Strategy::from_name(name).map_err(|e| e.at(location))
}

/// Parses options given as JSON: strictly (duplicates refused), as an **object** with
/// known members only (a positional array, an unknown member, a wrong type or an
/// out-of-range number is `CONFIG.INVALID-PARAMETER` located at the member, e.g.
/// `settings.tsaTrustStore.rootSha256[1]`; DECISIONS D43). Empty input = defaults.
pub(crate) fn from_json<T: DeserializeOwned + Default>(json: &[u8], what: &str) -> Result<T> {
    if json.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let v = parse_strict(
        json,
        &Limits {
            max_bytes: MAX_OPTIONS_BYTES,
            max_depth: 16,
        },
    )
    .map_err(|e| e.into_error(what, Code::ConfigInvalidParameter))?;
    if v.as_object().is_none() {
        return Err(Error::new(
            Code::ConfigInvalidParameter,
            format!(
                "{what} inválido: esperado um objeto JSON com membros nomeados, encontrado {}",
                v.type_name()
            ),
        )
        .at(what));
    }
    from_value(&v).map_err(|e| {
        let at = join_path(what, &e.path);
        Error::new(
            Code::ConfigInvalidParameter,
            format!("{at} inválido: {}", e.message),
        )
        .at(at)
    })
}

/// Largest settings or options document (1 MiB; PEM roots given inline fit easily).
pub const MAX_OPTIONS_BYTES: usize = 1 << 20;
