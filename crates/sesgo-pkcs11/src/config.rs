//! Options and the guide's middleware operational settings (criar input 8).

use sesgo_core::{Code, Error, Result};
use std::path::PathBuf;

/// Session mode (criar input 8): `read-only` (default) or `read-write`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SessionMode {
    /// `read-only`: enough to sign.
    #[default]
    ReadOnly,
    /// `read-write`.
    ReadWrite,
}

impl SessionMode {
    /// Parses the guide's spelling (`read-only` / `read-write`).
    /// Failure: anything else → `MIDDLEWARE.SESSION-MODE-INVALID`.
    pub fn parse(s: &str) -> Result<SessionMode> {
        match s {
            "read-only" | "ro" => Ok(SessionMode::ReadOnly),
            "read-write" | "rw" => Ok(SessionMode::ReadWrite),
            other => Err(Error::new(
                Code::MiddlewareSessionModeInvalid,
                format!("modo de sessão '{other}' inválido: use read-only ou read-write"),
            )
            .at("pkcs11.sessionMode")),
        }
    }

    /// The guide's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionMode::ReadOnly => "read-only",
            SessionMode::ReadWrite => "read-write",
        }
    }
}

/// Which PKCS#11 mechanism makes the RS256 signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MechanismChoice {
    /// `CKM_SHA256_RSA_PKCS` when the token offers it, else `CKM_RSA_PKCS` over a DigestInfo.
    #[default]
    Auto,
    /// Only `CKM_SHA256_RSA_PKCS`.
    Sha256RsaPkcs,
    /// Only `CKM_RSA_PKCS` (the DigestInfo is built by sesgo): what most smartcards offer.
    RsaPkcs,
    /// `CKM_ECDSA`: refused, the signature policies allow only RS256.
    Ecdsa,
}

impl MechanismChoice {
    /// Parses `auto`, `CKM_SHA256_RSA_PKCS`, `CKM_RSA_PKCS` or `CKM_ECDSA`.
    /// Failure: anything else → `MIDDLEWARE.UNSUPPORTED-MECHANISMS`.
    pub fn parse(s: &str) -> Result<MechanismChoice> {
        match s {
            "auto" => Ok(MechanismChoice::Auto),
            "CKM_SHA256_RSA_PKCS" => Ok(MechanismChoice::Sha256RsaPkcs),
            "CKM_RSA_PKCS" => Ok(MechanismChoice::RsaPkcs),
            "CKM_ECDSA" => Ok(MechanismChoice::Ecdsa),
            other => Err(Error::new(
                Code::MiddlewareUnsupportedMechanisms,
                format!("mecanismo '{other}' não suportado: use auto, CKM_SHA256_RSA_PKCS ou CKM_RSA_PKCS"),
            )
            .at("pkcs11.mechanism")),
        }
    }
}

/// The guide's middleware operational settings (criar input 8), with its defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MiddlewareSettings {
    /// `read-only` (default) or `read-write`.
    pub session_mode: SessionMode,
    /// Pooled sessions idle longer than this are closed: [60, 3600] s, default 300.
    pub session_timeout_secs: u64,
    /// PIN attempts: [1, 10]. A fixed PIN is tried once (trying the same wrong PIN again
    /// only brings the card closer to locking); a PIN callback is asked again after a
    /// `CKR_PIN_INCORRECT` up to this many times in total. Default 1: stop at the first
    /// wrong PIN (the guide's 3 is the most an integrator may allow, not a default that
    /// burns attempts).
    pub max_pin_attempts: u32,
    /// Connection budget (module load, token discovery, retries): [3, 60] s, default 10.
    pub connection_timeout_secs: u64,
    /// Wait between connection retries: [1, 30] s, default 2.
    pub retry_interval_secs: u64,
    /// Connection retries when the token is absent or the device fails: [0, 10], default 3.
    pub max_retries: u32,
    /// Signature mechanism (default: automatic).
    pub mechanism: MechanismChoice,
}

impl Default for MiddlewareSettings {
    fn default() -> Self {
        MiddlewareSettings {
            session_mode: SessionMode::ReadOnly,
            session_timeout_secs: 300,
            max_pin_attempts: 1,
            connection_timeout_secs: 10,
            retry_interval_secs: 2,
            max_retries: 3,
            mechanism: MechanismChoice::Auto,
        }
    }
}

fn range(code: Code, loc: &str, what: &str, v: u64, lo: u64, hi: u64) -> Result<()> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(Error::new(code, format!("{what} {v} fora da faixa [{lo}, {hi}]")).at(loc))
    }
}

impl MiddlewareSettings {
    /// Checks every value against the guide's range.
    /// Failures: `MIDDLEWARE.TIMEOUT-OUT-OF-RANGE` (session or connection timeout),
    /// `MIDDLEWARE.AUTH-ATTEMPTS-OUT-OF-RANGE`, `MIDDLEWARE.RETRY-CONFIG-INVALID`,
    /// `MIDDLEWARE.UNSUPPORTED-MECHANISMS` (`CKM_ECDSA`).
    pub fn validate(&self) -> Result<()> {
        range(
            Code::MiddlewareTimeoutOutOfRange,
            "pkcs11.sessionTimeout",
            "timeout de inatividade da sessão (s)",
            self.session_timeout_secs,
            60,
            3600,
        )?;
        range(
            Code::MiddlewareAuthAttemptsOutOfRange,
            "pkcs11.maxPinAttempts",
            "máximo de tentativas de PIN",
            u64::from(self.max_pin_attempts),
            1,
            10,
        )?;
        range(
            Code::MiddlewareTimeoutOutOfRange,
            "pkcs11.connectionTimeout",
            "timeout de conexão (s)",
            self.connection_timeout_secs,
            3,
            60,
        )?;
        range(
            Code::MiddlewareRetryConfigInvalid,
            "pkcs11.retryInterval",
            "intervalo entre tentativas (s)",
            self.retry_interval_secs,
            1,
            30,
        )?;
        range(
            Code::MiddlewareRetryConfigInvalid,
            "pkcs11.maxRetries",
            "máximo de novas tentativas",
            u64::from(self.max_retries),
            0,
            10,
        )?;
        if self.mechanism == MechanismChoice::Ecdsa {
            return Err(Error::new(
                Code::MiddlewareUnsupportedMechanisms,
                "CKM_ECDSA não é permitido: as políticas de assinatura aceitam apenas RS256 (RSA PKCS#1 v1.5 com SHA-256)",
            )
            .at("pkcs11.mechanism"));
        }
        Ok(())
    }
}

/// Which key on the token: by `CKA_ID` (hex, as `pkcs11-tool` prints it) or by `CKA_LABEL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRef {
    /// `CKA_ID`, hexadecimal (`"01"`, `"a1b2…"`).
    Id(String),
    /// `CKA_LABEL`.
    Label(String),
}

/// Everything needed to reach a key on a PKCS#11 token (criar input 3 "PKCS#11" + input 8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pkcs11Options {
    /// Absolute path of the PKCS#11 module (`.so` / `.dll` / `.dylib`).
    pub module: PathBuf,
    /// Declared module architecture, `"32"` or `"64"` (optional; checked against the file).
    pub architecture: Option<String>,
    /// `slotId` (omit, with `token_label`, for auto-discovery).
    pub slot_id: Option<u64>,
    /// `tokenLabel` (≤ 32 characters).
    pub token_label: Option<String>,
    /// The key (and its certificate, same `CKA_ID`).
    pub key: KeyRef,
    /// Middleware operational settings.
    pub settings: MiddlewareSettings,
}

impl Pkcs11Options {
    /// Options with default settings and auto-discovery of the token.
    pub fn new(module: impl Into<PathBuf>, key: KeyRef) -> Pkcs11Options {
        Pkcs11Options {
            module: module.into(),
            architecture: None,
            slot_id: None,
            token_label: None,
            key,
            settings: MiddlewareSettings::default(),
        }
    }

    /// Validates everything that can be checked without the module.
    /// Failures: the settings' codes, `MIDDLEWARE.TOKEN-LABEL-INVALID` (empty or > 32
    /// characters), `MIDDLEWARE.INVALID-CONFIG` (architecture not 32/64, key id not hex,
    /// empty key label).
    pub fn validate(&self) -> Result<()> {
        self.settings.validate()?;
        if let Some(label) = &self.token_label {
            let n = label.chars().count();
            if n == 0 || n > 32 {
                return Err(Error::new(
                    Code::MiddlewareTokenLabelInvalid,
                    format!("rótulo do token com {n} caracteres: deve ter de 1 a 32"),
                )
                .at("pkcs11.tokenLabel"));
            }
        }
        if let Some(a) = &self.architecture {
            if a != "32" && a != "64" {
                return Err(Error::new(
                    Code::MiddlewareInvalidConfig,
                    format!("arquitetura '{a}' inválida: use 32 ou 64"),
                )
                .at("pkcs11.architecture"));
            }
        }
        self.key_id_bytes()?;
        if let KeyRef::Label(l) = &self.key {
            if l.is_empty() {
                return Err(
                    Error::new(Code::MiddlewareInvalidConfig, "rótulo da chave vazio")
                        .at("pkcs11.keyLabel"),
                );
            }
        }
        Ok(())
    }

    /// The key's `CKA_ID` bytes when chosen by id.
    pub(crate) fn key_id_bytes(&self) -> Result<Option<Vec<u8>>> {
        match &self.key {
            KeyRef::Id(hex) => parse_hex(hex).map(Some).ok_or_else(|| {
                Error::new(
                    Code::MiddlewareInvalidConfig,
                    "identificador da chave (CKA_ID) deve ser hexadecimal não vazio, ex. 01 ou a1b2",
                )
                .at("pkcs11.keyId")
            }),
            KeyRef::Label(_) => Ok(None),
        }
    }
}

/// Lower/upper-case hex, optional `:` separators (as some tools print ids); `None` if not hex or empty.
pub(crate) fn parse_hex(s: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = s.bytes().filter(|b| *b != b':').collect();
    if digits.is_empty() || digits.len() % 2 != 0 {
        return None;
    }
    digits
        .chunks(2)
        .map(|p| {
            let hi = *p.first()?;
            let lo = *p.get(1)?;
            Some(((hex_val(hi)?) << 4) | hex_val(lo)?)
        })
        .collect()
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Lower-case hex.
pub(crate) fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex() {
        assert_eq!(parse_hex("0a:FF"), Some(vec![0x0a, 0xff]));
        assert_eq!(parse_hex("abc"), None);
        assert_eq!(parse_hex("zz"), None);
        assert_eq!(parse_hex(""), None);
        assert_eq!(to_hex(&[1, 0xab]), "01ab");
    }
}
