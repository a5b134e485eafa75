//! Shared option handling: policies and JSON-encoded options.

use serde::de::DeserializeOwned;
use sesgo_core::json::{parse_strict, Limits};
use sesgo_core::{Code, Error, Result};
use sesgo_jades::Policy;

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

/// Parses options given as JSON: strictly (duplicates refused), then into `T` (unknown
/// members and wrong types are `CONFIG.INVALID-PARAMETER`). Empty input = defaults.
pub(crate) fn from_json<T: DeserializeOwned + Default>(json: &[u8], what: &str) -> Result<T> {
    if json.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let v = parse_strict(
        json,
        &Limits {
            max_bytes: 1 << 20,
            max_depth: 16,
        },
    )
    .map_err(|e| e.into_error(what, Code::ConfigInvalidParameter))?;
    serde_json::from_value(v.to_serde()).map_err(|e| {
        Error::new(
            Code::ConfigInvalidParameter,
            format!("{what} inválido: {e}"),
        )
        .at(what)
    })
}
