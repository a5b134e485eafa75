//! Client authentication (DECISIONS D31): a client certificate verified during the TLS
//! handshake, or a bearer token compared in constant time with the configured ones.

use sesgo::{Code, Error, Result};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::config::MIN_BEARER_TOKEN_LEN;

/// Who made a request, as far as the server knows (logged; never a secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Principal {
    /// No credentials (allowed only when no authentication is configured).
    Anonymous,
    /// A client certificate that chained to the configured roots.
    ClientCertificate {
        /// Subject DN.
        subject: String,
        /// SHA-256 of the DER, hex.
        sha256: String,
    },
    /// The n-th configured bearer token (0-based).
    Bearer(usize),
}

impl Principal {
    pub(crate) fn is_authenticated(&self) -> bool {
        !matches!(self, Principal::Anonymous)
    }

    /// The form logged: no token, only its position.
    pub(crate) fn label(&self) -> String {
        match self {
            Principal::Anonymous => "anonymous".into(),
            Principal::ClientCertificate { subject, sha256 } => {
                format!("cert:{subject} sha256:{sha256}")
            }
            Principal::Bearer(i) => format!("bearer#{i}"),
        }
    }
}

/// The accepted bearer tokens, kept only as SHA-256 digests.
#[derive(Clone, Default)]
pub(crate) struct BearerTokens {
    digests: Vec<[u8; 32]>,
}

impl std::fmt::Debug for BearerTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BearerTokens({} tokens)", self.digests.len())
    }
}

fn digest(token: &[u8]) -> [u8; 32] {
    Sha256::digest(token).into()
}

impl BearerTokens {
    /// The tokens in the environment variable `var` (separated by whitespace or commas).
    pub(crate) fn from_env(var: &str) -> Result<BearerTokens> {
        let value = match std::env::var(var) {
            Ok(v) => Zeroizing::new(v),
            Err(std::env::VarError::NotPresent) => {
                return Err(Error::new(
                    Code::ConfigMissingParameter,
                    format!("tokens bearer: variável de ambiente {var} não definida"),
                ))
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(Error::new(
                    Code::ConfigInvalidParameter,
                    format!("tokens bearer: variável de ambiente {var} não é UTF-8"),
                ))
            }
        };
        let mut digests = Vec::new();
        for t in value.split(|c: char| c.is_whitespace() || c == ',') {
            if t.is_empty() {
                continue;
            }
            if t.chars().count() < MIN_BEARER_TOKEN_LEN || !t.bytes().all(|b| b.is_ascii_graphic())
            {
                return Err(Error::new(
                    Code::ConfigInvalidParameter,
                    format!(
                        "tokens bearer em {var}: cada token deve ter ao menos {MIN_BEARER_TOKEN_LEN} caracteres ASCII visíveis"
                    ),
                ));
            }
            digests.push(digest(t.as_bytes()));
        }
        if digests.is_empty() {
            return Err(Error::new(
                Code::ConfigMissingParameter,
                format!("tokens bearer: a variável {var} não contém nenhum token"),
            ));
        }
        Ok(BearerTokens { digests })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.digests.len()
    }

    /// The index of the configured token equal to `presented`, comparing digests in
    /// constant time against every configured token (no early exit).
    pub(crate) fn check(&self, presented: &[u8]) -> Option<usize> {
        let d = digest(presented);
        let mut found: Option<usize> = None;
        for (i, known) in self.digests.iter().enumerate() {
            if bool::from(known.ct_eq(&d)) {
                found = Some(i);
            }
        }
        found
    }
}

/// Why a request is refused before it reaches the facade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthFailure {
    /// No credentials where some are required.
    Missing,
    /// An `Authorization` header that is not a valid bearer token.
    Invalid,
}

impl AuthFailure {
    pub(crate) fn error(self) -> Error {
        match self {
            AuthFailure::Missing => Error::new(
                Code::ConfigMissingParameter,
                "autenticação exigida: apresente um certificado de cliente (TLS) ou o cabeçalho Authorization: Bearer <token>",
            ),
            AuthFailure::Invalid => Error::new(
                Code::ConfigInvalidParameter,
                "credencial recusada: o token do cabeçalho Authorization não é aceito por este servidor",
            ),
        }
    }
}

/// The principal of a request: the connection's client certificate, else the bearer
/// token of `authorization`. A header that is present but not an accepted token is
/// refused even when a certificate was presented (a client never sends a wrong token by
/// accident).
pub(crate) fn principal(
    tokens: &BearerTokens,
    cert: Option<&Principal>,
    authorization: Option<&[u8]>,
) -> std::result::Result<Principal, AuthFailure> {
    if let Some(h) = authorization {
        let token = h
            .strip_prefix(b"Bearer ")
            .or_else(|| h.strip_prefix(b"bearer "))
            .ok_or(AuthFailure::Invalid)?;
        return match tokens.check(token.trim_ascii()) {
            Some(i) => Ok(cert.cloned().unwrap_or(Principal::Bearer(i))),
            None => Err(AuthFailure::Invalid),
        };
    }
    Ok(cert.cloned().unwrap_or(Principal::Anonymous))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_exactly_and_only_configured_ones() {
        let t = BearerTokens {
            digests: vec![digest(b"0123456789abcdef"), digest(b"fedcba9876543210")],
        };
        assert_eq!(t.check(b"fedcba9876543210"), Some(1));
        assert_eq!(t.check(b"0123456789abcdeF"), None);
        assert_eq!(t.check(b""), None);
        assert_eq!(
            principal(&t, None, Some(b"Bearer 0123456789abcdef")),
            Ok(Principal::Bearer(0))
        );
        assert_eq!(
            principal(&t, None, Some(b"Basic abc")),
            Err(AuthFailure::Invalid)
        );
        assert_eq!(principal(&t, None, None), Ok(Principal::Anonymous));
    }
}
