//! Token failures mapped to the guide's codes (DECISIONS D22).

use serde_json::Value;
use sesgo_core::{Code, Error};
use sesgo_fetch::{FetchError, Response};

/// A URL without query string or userinfo (never a secret in a message).
pub(crate) fn redact_url(url: &str) -> String {
    let no_query = url.split(['?', '#']).next().unwrap_or("");
    match no_query.find("://") {
        Some(i) => {
            let (scheme, rest) = no_query.split_at(i + 3);
            let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
            format!("{scheme}{rest}")
        }
        None => no_query.chars().take(200).collect(),
    }
}

/// Transport failures (DECISIONS D22).
pub(crate) fn from_fetch(e: &FetchError, at: &str) -> Error {
    match e {
        FetchError::Tls { .. } => Error::new(
            Code::CertChainValidationFailed,
            format!(
                "conexão TLS com o servidor de autorização recusada (certificado do servidor não validado ou certificado do cliente recusado): {e}"
            ),
        )
        .at("token.tls"),
        FetchError::Offline { .. } => Error::new(
            Code::ConfigInvalidParameter,
            format!("modo offline (network: false): o token de acesso não pode ser obtido: {e}"),
        )
        .at("network"),
        FetchError::Timeout { .. } => Error::new(
            Code::SystemTimeout,
            format!("servidor de autorização não respondeu a tempo: {e}"),
        )
        .at(at),
        _ => Error::new(
            Code::ConfigInvalidParameter,
            format!("servidor de autorização inacessível: {e}"),
        )
        .at(at),
    }
}

fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(300)
        .collect::<String>()
}

/// A non-200 answer: 429/5xx → `SYSTEM.TIMEOUT` (try later, `Retry-After` honoured by the
/// caller, never retried here); other statuses → `CONFIG.INVALID-PARAMETER` with the
/// server's `error` / `error_description` (RFC 6749 §5.2).
pub(crate) fn http(resp: &Response, url: &str, at: &str) -> Error {
    let parsed: Option<Value> = serde_json::from_slice(&resp.body).ok();
    let field = |k: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(k))
            .and_then(Value::as_str)
            .map(clean)
    };
    let error = field("error");
    let description = field("error_description");
    let server = match (&error, &description) {
        (Some(e), Some(d)) => format!("{e}: {d}"),
        (Some(e), None) => e.clone(),
        (None, Some(d)) => d.clone(),
        (None, None) => "sem detalhe".into(),
    };
    let url = redact_url(url);
    let status = resp.status;
    if status == 429 || status >= 500 {
        let retry = resp
            .retry_after_secs
            .map(|s| format!("; tente novamente após {s} s (Retry-After)"))
            .unwrap_or_default();
        let what = if status == 429 {
            "limite de requisições excedido"
        } else {
            "servidor de autorização indisponível"
        };
        return Error::new(
            Code::SystemTimeout,
            format!(
                "{what} (HTTP {status}, {server}) em {url}{retry}; não repetido automaticamente"
            ),
        )
        .at(if status == 429 {
            "token.retryAfter"
        } else {
            at
        });
    }
    let location = match error.as_deref() {
        Some("invalid_client") | Some("unauthorized_client") => "token.clientId",
        Some("invalid_scope") => "token.scope",
        _ => at,
    };
    Error::new(
        Code::ConfigInvalidParameter,
        format!("o servidor de autorização recusou o pedido (HTTP {status}, {server}) em {url}"),
    )
    .at(location)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_query_and_userinfo() {
        assert_eq!(
            redact_url("https://u:p@h.example/t?client_secret=x"),
            "https://h.example/t"
        );
    }

    #[test]
    fn oauth_errors_carry_the_server_words() {
        let r = Response {
            status: 401,
            content_type: None,
            retry_after_secs: None,
            body: br#"{"error":"invalid_client","error_description":"Invalid client or Invalid client credentials"}"#.to_vec(),
        };
        let e = http(&r, "https://h/t", "token.tokenEndpoint");
        assert_eq!(e.code(), Code::ConfigInvalidParameter);
        assert!(e.to_string().contains("invalid_client: Invalid client"));
        let r = Response {
            status: 429,
            retry_after_secs: Some(7),
            ..r
        };
        let e = http(&r, "https://h/t", "token.tokenEndpoint");
        assert_eq!(e.code(), Code::SystemTimeout);
        assert!(e.to_string().contains("após 7 s"));
    }
}
