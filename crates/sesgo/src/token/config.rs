//! The JSON form of the token options: what C, Python, Java and .NET pass
//! (camelCase, unknown members refused; the secret is zeroized after use).

use serde::Deserialize;
use sesgo_core::{Code, Error, Result};
use zeroize::Zeroizing;

use super::{token, AccessToken, ClientAuth, HubContext, TokenOptions, DEFAULT_ASSERTION_TTL_SECS};
use crate::options::from_json;
use crate::{Network, Settings, Signer};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct HubCtxJson {
    ig: String,
    versao: String,
}

/// Token options as JSON:
///
/// ```json
/// {"issuer": "https://sso…/realms/saude", "tokenEndpoint": "https://…/token",
///  "clientId": "…", "clientSecret": "…" | "assertion": true, "assertionTtl": 60,
///  "hubCtx": {"ig": "seguranca", "versao": "0.2.0"}, "scope": "system/Patient.rs",
///  "caCertsPem": "-----BEGIN CERTIFICATE-----…", "mtls": true, "timeout": 30,
///  "cache": true}
/// ```
///
/// One of `issuer` / `tokenEndpoint`; exactly one of `clientSecret` / `assertion: true`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TokenConfig {
    issuer: Option<String>,
    token_endpoint: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    #[serde(default)]
    assertion: bool,
    assertion_ttl: Option<u64>,
    hub_ctx: Option<HubCtxJson>,
    scope: Option<String>,
    ca_certs_pem: Option<String>,
    mtls: Option<bool>,
    timeout: Option<u64>,
    cache: Option<bool>,
}

/// [`token`] with the options as JSON (see the member list above) over `network` — or,
/// without one, a default network (sesgo's HTTP client; docs/adr/0055) — trusting
/// `caCertsPem` too. The bindings' one entry point.
/// Failures: the JSON (`CONFIG.INVALID-PARAMETER` at `options`), missing `clientId` or
/// both/neither of `clientSecret` and `assertion` (`CONFIG.MISSING-PARAMETER` /
/// `CONFIG.INVALID-PARAMETER` at `token.*`), then those of [`token`].
pub fn token_from_json(
    network: Option<&Network>,
    signer: &Signer,
    options_json: &[u8],
) -> Result<AccessToken> {
    let c: TokenConfig = from_json(options_json, "options")?;
    let client_id = c.client_id.ok_or_else(|| {
        Error::new(Code::ConfigMissingParameter, "clientId ausente").at("token.clientId")
    })?;
    let auth = match (c.client_secret, c.assertion) {
        (Some(s), false) => ClientAuth::Secret(Zeroizing::new(s)),
        (None, true) => ClientAuth::PrivateKeyJwt {
            ttl_secs: c.assertion_ttl.unwrap_or(DEFAULT_ASSERTION_TTL_SECS),
            hub_ctx: c.hub_ctx.map(|h| HubContext {
                ig: h.ig,
                versao: h.versao,
            }),
        },
        (Some(_), true) => {
            return Err(Error::new(
                Code::ConfigInvalidParameter,
                "informe clientSecret (variante A) ou assertion (variante B), não os dois",
            )
            .at("token.assertion"))
        }
        (None, false) => {
            return Err(Error::new(
                Code::ConfigMissingParameter,
                "informe clientSecret (variante A) ou assertion: true (variante B)",
            )
            .at("token.clientSecret"))
        }
    };
    let mut o = TokenOptions::new(client_id, auth);
    o.issuer = c.issuer;
    o.token_endpoint = c.token_endpoint;
    o.scope = c.scope;
    o.mtls = c.mtls.unwrap_or(true);
    o.use_cache = c.cache.unwrap_or(true);
    if let Some(t) = c.timeout {
        o.timeout_secs = t;
    }
    o.ca_certs_pem = c.ca_certs_pem;
    match network {
        Some(n) => token(n, signer, &o),
        None => token(&Network::ephemeral(&Settings::default()), signer, &o),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_options_are_checked_before_any_request() {
        let pki = sesgo_cert::testpki::TestPki::shared();
        let p12 = std::fs::read(&pki.p12_ecnpj).unwrap();
        let signer = Signer::from_pkcs12(&p12, "teste123", None).unwrap();
        for (json, code) in [
            (&br#"{"tokenEndpoint":"https://127.0.0.1:1/t","clientSecret":"x"}"#[..], Code::ConfigMissingParameter),
            (br#"{"tokenEndpoint":"https://127.0.0.1:1/t","clientId":"c"}"#, Code::ConfigMissingParameter),
            (br#"{"tokenEndpoint":"https://127.0.0.1:1/t","clientId":"c","clientSecret":"x","assertion":true}"#, Code::ConfigInvalidParameter),
            (br#"{"tokenEndpoint":"https://127.0.0.1:1/t","clientId":"c","assertion":true,"assertionTtl":600}"#, Code::ConfigTtlOutOfRange),
            (br#"{"clientId":"c","clientSecrett":"x"}"#, Code::ConfigInvalidParameter),
            (br#"{"tokenEndpoint":"http://127.0.0.1:1/t","clientId":"c","clientSecret":"x"}"#, Code::ConfigInvalidParameter),
        ] {
            let e = token_from_json(None, &signer, json).unwrap_err();
            assert_eq!(e.code(), code, "{}", String::from_utf8_lossy(json));
        }
    }
}
