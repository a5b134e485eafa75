//! PKCS#11 tokens and smartcards (criar input 3 "PKCS#11", input 8; DECISIONS D4;
//! docs/adr/0040): the configuration as JSON, the same in every language, and the
//! module inspection integrators use to find the right key.

use crate::options::from_json;
use serde::Deserialize;
use sesgo_core::{Code, Error, Result, Value};
use std::path::PathBuf;
use zeroize::Zeroizing;

pub use sesgo_pkcs11::{
    check_module_file, ckr_name, KeyRef, MechanismChoice, MiddlewareSettings, Pin, PinCallback,
    Pkcs11Options, Pkcs11Signer, SessionMode, SigningMechanism,
};

/// A PKCS#11 configuration as JSON (camelCase, unknown members refused):
///
/// ```json
/// {"module": "/usr/lib/softhsm/libsofthsm2.so", "architecture": "64",
///  "slotId": 0, "tokenLabel": "meu token", "keyId": "a1", "keyLabel": "…",
///  "sessionMode": "read-only", "sessionTimeout": 300, "maxPinAttempts": 1,
///  "connectionTimeout": 10, "retryInterval": 2, "maxRetries": 3, "mechanism": "auto"}
/// ```
///
/// `module` and one of `keyId` / `keyLabel` are required; omit `slotId` and `tokenLabel`
/// for auto-discovery. The PIN is never part of it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Pkcs11Config {
    /// Absolute path of the module.
    pub module: Option<String>,
    /// `"32"` or `"64"`.
    pub architecture: Option<String>,
    /// Slot id.
    pub slot_id: Option<u64>,
    /// Token label (≤ 32 characters).
    pub token_label: Option<String>,
    /// `CKA_ID`, hex.
    pub key_id: Option<String>,
    /// `CKA_LABEL`.
    pub key_label: Option<String>,
    /// `read-only` | `read-write`.
    pub session_mode: Option<String>,
    /// Seconds, [60, 3600].
    pub session_timeout: Option<u64>,
    /// [1, 10].
    pub max_pin_attempts: Option<u32>,
    /// Seconds, [3, 60].
    pub connection_timeout: Option<u64>,
    /// Seconds, [1, 30].
    pub retry_interval: Option<u64>,
    /// [0, 10].
    pub max_retries: Option<u32>,
    /// `auto` | `CKM_SHA256_RSA_PKCS` | `CKM_RSA_PKCS` (`CKM_ECDSA` is refused).
    pub mechanism: Option<String>,
}

impl Pkcs11Config {
    /// Parses the JSON form. Failure: not JSON / unknown member / wrong type →
    /// `CONFIG.INVALID-PARAMETER` at `pkcs11`.
    pub fn from_json(json: &[u8]) -> Result<Pkcs11Config> {
        from_json(json, "pkcs11")
    }

    /// The options, validated (see [`Pkcs11Options::validate`]).
    /// Failures: no module or no key → `CONFIG.MISSING-PARAMETER` (`pkcs11.module`,
    /// `pkcs11.keyId`); both `keyId` and `keyLabel` → `MIDDLEWARE.INVALID-CONFIG`;
    /// the settings' `MIDDLEWARE.*` codes.
    pub fn to_options(&self) -> Result<Pkcs11Options> {
        let module = self.module.as_deref().ok_or_else(|| {
            Error::new(
                Code::ConfigMissingParameter,
                "caminho do módulo PKCS#11 ausente",
            )
            .at("pkcs11.module")
        })?;
        let key = match (&self.key_id, &self.key_label) {
            (Some(id), None) => KeyRef::Id(id.clone()),
            (None, Some(l)) => KeyRef::Label(l.clone()),
            (None, None) => {
                return Err(Error::new(
                    Code::ConfigMissingParameter,
                    "informe a chave: keyId (CKA_ID em hexadecimal) ou keyLabel (CKA_LABEL)",
                )
                .at("pkcs11.keyId"))
            }
            (Some(_), Some(_)) => {
                return Err(Error::new(
                    Code::MiddlewareInvalidConfig,
                    "informe keyId ou keyLabel, não os dois",
                )
                .at("pkcs11.keyLabel"))
            }
        };
        let mut o = Pkcs11Options::new(PathBuf::from(module), key);
        o.architecture = self.architecture.clone();
        o.slot_id = self.slot_id;
        o.token_label = self.token_label.clone();
        let s = &mut o.settings;
        if let Some(m) = &self.session_mode {
            s.session_mode = SessionMode::parse(m)?;
        }
        if let Some(m) = &self.mechanism {
            s.mechanism = MechanismChoice::parse(m)?;
        }
        s.session_timeout_secs = self.session_timeout.unwrap_or(s.session_timeout_secs);
        s.max_pin_attempts = self.max_pin_attempts.unwrap_or(s.max_pin_attempts);
        s.connection_timeout_secs = self.connection_timeout.unwrap_or(s.connection_timeout_secs);
        s.retry_interval_secs = self.retry_interval.unwrap_or(s.retry_interval_secs);
        s.max_retries = self.max_retries.unwrap_or(s.max_retries);
        o.validate()?;
        Ok(o)
    }
}

/// Lists the module's slots, tokens, RS256 mechanisms, certificates and (with a PIN)
/// private keys, as JSON: what an integrator needs to choose `slotId`/`tokenLabel` and
/// `keyId`. The PIN is tried once per listed token; a wrong one is reported per token.
/// Failure: module path/format (`MIDDLEWARE.LIBRARY-*`).
pub fn inspect_pkcs11(
    module: &str,
    slot_id: Option<u64>,
    token_label: Option<&str>,
    pin: Option<&str>,
) -> Result<Value> {
    let report = sesgo_pkcs11::inspect(&sesgo_pkcs11::InspectOptions {
        module: PathBuf::from(module),
        slot_id,
        token_label: token_label.map(str::to_owned),
        pin: pin.map(|p| Zeroizing::new(p.to_owned())),
    })?;
    Ok(Value::from_serde(&report))
}
