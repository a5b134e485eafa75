//! Access tokens from a live Keycloak (issue 22; docs/adr/0051, 0052). Started once by
//! `cargo xtask test keycloak`, which passes its description in `SESGO_KEYCLOAK`; these
//! tests are `#[ignore]`d otherwise and fail (never skip) when run without it.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use serde_json::Value;
use sesgo::token::{
    clear_token_cache, client_assertion, token, token_with_clock, AssertionParams, ClientAuth,
    TokenOptions,
};
use sesgo::{Code, Network, NetworkOptions, Settings, Signer};
use std::path::PathBuf;
use std::sync::OnceLock;
use zeroize::Zeroizing;

struct Env {
    kc: Value,
    pki: Value,
}

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let path = std::env::var("SESGO_KEYCLOAK")
            .expect("SESGO_KEYCLOAK not set: run `cargo xtask test keycloak`");
        let kc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let pki: Value =
            serde_json::from_slice(&std::fs::read(kc["pkiManifest"].as_str().unwrap()).unwrap())
                .unwrap();
        Env { kc, pki }
    })
}

fn s(v: &Value) -> String {
    v.as_str().unwrap().to_owned()
}

fn ca_pem() -> Vec<u8> {
    std::fs::read(s(&env().kc["caPem"])).unwrap()
}

fn network(tls_roots_pem: Option<String>) -> Network {
    let dir = PathBuf::from(s(&env().pki["dir"])).join("keycloak-test-cache");
    Network::new(
        &Settings::default(),
        &NetworkOptions {
            cache_dir: Some(dir.display().to_string()),
            tls_roots_pem,
            ..NetworkOptions::default()
        },
    )
    .unwrap()
}

/// The network whose HTTP client trusts the test root for the server.
fn fetcher() -> Network {
    network(Some(String::from_utf8(ca_pem()).unwrap()))
}

/// The network with the system roots only (the test server is not trusted).
fn untrusting_fetcher() -> Network {
    network(None)
}

fn ecnpj() -> Signer {
    let p12 = std::fs::read(PathBuf::from(s(&env().pki["p12Ecnpj"]))).unwrap();
    Signer::from_pkcs12(&p12, &s(&env().pki["password"]), None).unwrap()
}

fn secret_options() -> TokenOptions {
    let kc = &env().kc;
    let mut o = TokenOptions::new(
        s(&kc["mtlsClient"]["clientId"]),
        ClientAuth::Secret(Zeroizing::new(s(&kc["mtlsClient"]["secret"]))),
    );
    o.issuer = Some(s(&kc["issuer"]));
    o.use_cache = false;
    o
}

fn jwt_options() -> TokenOptions {
    let kc = &env().kc;
    let mut o = TokenOptions::new(
        s(&kc["jwtClient"]["clientId"]),
        ClientAuth::PrivateKeyJwt {
            ttl_secs: 60,
            hub_ctx: None,
        },
    );
    o.token_endpoint = Some(s(&kc["tokenEndpoint"]));
    o.scope = Some("openid".into());
    o.use_cache = false;
    o
}

fn thumbprint(signer: &Signer) -> String {
    sesgo_cert::x5t_s256(&signer.chain()[0])
}

#[test]
#[ignore = "needs a live Keycloak: cargo xtask test keycloak"]
fn variant_a_secret_over_mtls_gives_a_certificate_bound_token() {
    let signer = ecnpj();
    let t = token(&fetcher(), &signer, &secret_options()).unwrap();
    assert_eq!(t.token_type(), "Bearer");
    assert!(t.expires_in() > 30);
    assert_eq!(
        t.cnf_x5t_s256().as_deref(),
        Some(thumbprint(&signer).as_str())
    );
    let claims = t.claims().unwrap();
    assert_eq!(claims["azp"], "sesgo-mtls");
    assert!(!format!("{t:?}").contains(t.secret()));
}

#[test]
#[ignore = "needs a live Keycloak: cargo xtask test keycloak"]
fn variant_b_private_key_jwt_rs384_gives_a_certificate_bound_token() {
    let signer = ecnpj();
    let t = token(&fetcher(), &signer, &jwt_options()).unwrap();
    assert_eq!(
        t.cnf_x5t_s256().as_deref(),
        Some(thumbprint(&signer).as_str())
    );
    assert_eq!(t.claims().unwrap()["azp"], "sesgo-jwt");
}

#[test]
#[ignore = "needs a live Keycloak: cargo xtask test keycloak"]
fn wrong_secret_is_refused_with_the_server_words() {
    let mut o = secret_options();
    o.auth = ClientAuth::Secret(Zeroizing::new("errado".into()));
    let e = token(&fetcher(), &ecnpj(), &o).unwrap_err();
    assert_eq!(e.code(), Code::ConfigInvalidParameter);
    let msg = e.to_string();
    assert!(
        msg.contains("unauthorized_client") || msg.contains("invalid_client"),
        "{msg}"
    );
    assert!(!msg.contains("errado"));
}

#[test]
#[ignore = "needs a live Keycloak: cargo xtask test keycloak"]
fn unknown_client_is_refused() {
    let mut o = secret_options();
    o.client_id = "nao-existe".into();
    let e = token(&fetcher(), &ecnpj(), &o).unwrap_err();
    assert_eq!(e.code(), Code::ConfigInvalidParameter);
    assert!(e.to_string().contains("invalid_client"), "{e}");
}

#[test]
#[ignore = "needs a live Keycloak: cargo xtask test keycloak"]
fn expired_assertion_is_refused_by_the_server() {
    let signer = ecnpj();
    let endpoint = s(&env().kc["tokenEndpoint"]);
    let jwt = client_assertion(
        &signer,
        &AssertionParams {
            client_id: "sesgo-jwt",
            audience: &endpoint,
            issued_at: sesgo_core::time::now_unix() - 600,
            ttl_secs: 60,
            jti: None,
            hub_ctx: None,
        },
    )
    .unwrap();
    let mut o = jwt_options();
    o.auth = ClientAuth::Assertion(jwt);
    let e = token(&fetcher(), &signer, &o).unwrap_err();
    assert_eq!(e.code(), Code::ConfigInvalidParameter);
    assert!(e.to_string().contains("invalid_client"), "{e}");
}

#[test]
#[ignore = "needs a live Keycloak: cargo xtask test keycloak"]
fn too_long_assertion_is_refused_before_sending_and_by_the_server() {
    let mut o = jwt_options();
    o.auth = ClientAuth::PrivateKeyJwt {
        ttl_secs: 3600,
        hub_ctx: None,
    };
    let e = token(&fetcher(), &ecnpj(), &o).unwrap_err();
    assert_eq!(e.code(), Code::ConfigTtlOutOfRange);
    // Built by hand (bypassing the client's own limit): the server refuses it too
    // (token.endpoint.auth.signing.max.exp = 300 in the realm).
    let signer = ecnpj();
    let endpoint = s(&env().kc["tokenEndpoint"]);
    let now = sesgo_core::time::now_unix();
    let claims = serde_json::json!({"iss":"sesgo-jwt","sub":"sesgo-jwt","aud":endpoint,
        "iat": now - 400, "exp": now + 3600, "jti": sesgo::token::new_jti().unwrap()});
    let jwt = hand_signed(&signer, &claims);
    o.auth = ClientAuth::Assertion(Zeroizing::new(jwt));
    let e = token(&fetcher(), &signer, &o).unwrap_err();
    assert_eq!(e.code(), Code::ConfigInvalidParameter);
    assert!(e.to_string().contains("invalid_client"), "{e}");
}

/// An RS256 JWS made with the test key through the public signing path of the signer
/// (the assertion builder refuses a 3600 s lifetime by design).
fn hand_signed(signer: &Signer, claims: &Value) -> String {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let header = serde_json::json!({"alg":"RS256","typ":"JWT",
        "kid": sesgo_cert::jwk_thumbprint(&signer.chain()[0]).unwrap()});
    let input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.to_string().as_bytes()),
        Base64UrlUnpadded::encode_string(claims.to_string().as_bytes())
    );
    let pki = &env().pki;
    let key = std::fs::read(s(&pki["ecnpj"]["keyPem"])).unwrap();
    let chain = std::fs::read(s(&pki["ecnpj"]["certPem"])).unwrap();
    let creds = sesgo_cert::Credentials::from_pem(&key, None, &chain).unwrap();
    let sig = creds.sign_rs256(input.as_bytes()).unwrap();
    format!("{input}.{}", Base64UrlUnpadded::encode_string(&sig))
}

#[test]
#[ignore = "needs a live Keycloak: cargo xtask test keycloak"]
fn replayed_jti_is_refused() {
    let signer = ecnpj();
    let endpoint = s(&env().kc["tokenEndpoint"]);
    let jti = sesgo::token::new_jti().unwrap();
    let jwt = client_assertion(
        &signer,
        &AssertionParams {
            client_id: "sesgo-jwt",
            audience: &endpoint,
            issued_at: sesgo_core::time::now_unix(),
            ttl_secs: 60,
            jti: Some(&jti),
            hub_ctx: None,
        },
    )
    .unwrap();
    let mut o = jwt_options();
    o.auth = ClientAuth::Assertion(jwt);
    token(&fetcher(), &signer, &o).unwrap();
    let e = token(&fetcher(), &signer, &o).unwrap_err();
    assert_eq!(e.code(), Code::ConfigInvalidParameter);
    assert!(e.to_string().contains("invalid_client"), "{e}");
}

#[test]
#[ignore = "needs a live Keycloak: cargo xtask test keycloak"]
fn untrusted_server_certificate_is_refused() {
    let e = token(&untrusting_fetcher(), &ecnpj(), &secret_options()).unwrap_err();
    assert_eq!(e.code(), Code::CertChainValidationFailed);
    assert_eq!(e.findings()[0].locations(), ["token.tls".to_string()]);
    // The server's CA given with the request (caCertsPem) is added to the same network's
    // HTTP client for this request only.
    let mut o = secret_options();
    o.ca_certs_pem = Some(String::from_utf8(ca_pem()).unwrap());
    token(&untrusting_fetcher(), &ecnpj(), &o).unwrap();
}

#[test]
#[ignore = "needs a live Keycloak: cargo xtask test keycloak"]
fn no_client_certificate_means_no_bound_token() {
    let mut o = secret_options();
    o.mtls = false;
    let e = token(&fetcher(), &ecnpj(), &o).unwrap_err();
    assert_eq!(e.code(), Code::ConfigInvalidParameter);
    assert!(e.to_string().contains("invalid_request"), "{e}");
}

#[test]
#[ignore = "needs a live Keycloak: cargo xtask test keycloak"]
fn cache_hit_within_lifetime_and_refresh_after() {
    let signer = ecnpj();
    let mut o = secret_options();
    o.use_cache = true;
    o.scope = Some("profile".into());
    clear_token_cache();
    let now = sesgo_core::time::now_unix();
    let first = token_with_clock(&fetcher(), &signer, &o, &sesgo::FixedClock(now)).unwrap();
    assert!(!first.from_cache());
    let life = first.expires_in() as i64;
    let again =
        token_with_clock(&fetcher(), &signer, &o, &sesgo::FixedClock(now + life - 31)).unwrap();
    assert!(again.from_cache());
    assert_eq!(again.secret(), first.secret());
    // Inside the 30 s margin: a new request, a new token.
    let fresh =
        token_with_clock(&fetcher(), &signer, &o, &sesgo::FixedClock(now + life - 30)).unwrap();
    assert!(!fresh.from_cache());
    assert_ne!(fresh.secret(), first.secret());
}

#[test]
#[ignore = "needs a live Keycloak: cargo xtask test keycloak"]
fn eight_threads_share_one_cached_token() {
    let signer = ecnpj();
    let mut o = jwt_options();
    o.use_cache = true;
    o.scope = Some("email".into());
    let f = fetcher();
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (f, signer, o) = (f.clone(), signer.clone(), o.clone());
            std::thread::spawn(move || token(&f, &signer, &o).unwrap())
        })
        .collect();
    let tokens: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(tokens.iter().filter(|t| !t.from_cache()).count(), 1);
    assert!(tokens.iter().all(|t| t.secret() == tokens[0].secret()));
}
