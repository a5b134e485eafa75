//! What a credentialing portal asks for (IG-DIGEST §8; DECISIONS D7): the certificate's
//! SHA-256 thumbprint `x5t#S256` (RFC 7515 §4.1.8, RFC 8705 §3.1) and the JWK / JWK Set of
//! its public key (RFC 7517) for `private_key_jwt` registration.

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use serde_json::{json, Value};
use sesgo_core::Result;

use crate::cert::Certificate;
use crate::crypto;

/// Base64url (no padding) of the SHA-256 of the certificate's DER: the `x5t#S256` that a
/// certificate-bound access token carries in `cnf` (RFC 8705) and a JWS header may carry.
pub fn x5t_s256(cert: &Certificate) -> String {
    Base64UrlUnpadded::encode_string(&crypto::sha256(cert.der()))
}

/// RFC 7638 JWK thumbprint (SHA-256, base64url) of the certificate's RSA public key: the
/// `kid` sesgo gives the key in its JWK and in client assertions.
/// Failure: not an RSA key → `CRYPTO.INVALID-PUBLIC-KEY` (from [`Certificate::public_key`]).
pub fn jwk_thumbprint(cert: &Certificate) -> Result<String> {
    let (n, e) = modulus_exponent(cert)?;
    // RFC 7638 §3.2: required members only, lexicographic order, no whitespace.
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    Ok(Base64UrlUnpadded::encode_string(&crypto::sha256(
        canonical.as_bytes(),
    )))
}

fn modulus_exponent(cert: &Certificate) -> Result<(String, String)> {
    let key = cert.public_key()?;
    Ok((
        Base64UrlUnpadded::encode_string(&key.modulus()),
        Base64UrlUnpadded::encode_string(&key.exponent()),
    ))
}

/// The public JWK of the leaf (`kty`, `use: sig`, `alg: RS384`, `kid` = [`jwk_thumbprint`],
/// `n`, `e`, `x5c` = the chain as given, `x5t#S256`). Never contains private material.
/// Failure: not an RSA key → `CRYPTO.INVALID-PUBLIC-KEY`.
pub fn public_jwk(chain: &[Certificate]) -> Result<Value> {
    let Some(leaf) = chain.first() else {
        return Err(sesgo_core::Error::new(
            sesgo_core::Code::ConfigMissingParameter,
            "nenhum certificado para exportar",
        )
        .at("certificate"));
    };
    let (n, e) = modulus_exponent(leaf)?;
    let x5c: Vec<String> = chain
        .iter()
        .map(|c| Base64::encode_string(c.der()))
        .collect();
    Ok(json!({
        "kty": "RSA",
        "use": "sig",
        "alg": "RS384",
        "kid": jwk_thumbprint(leaf)?,
        "n": n,
        "e": e,
        "x5c": x5c,
        "x5t#S256": x5t_s256(leaf),
    }))
}

/// `{"keys": [public_jwk(chain)]}` (RFC 7517 §5).
pub fn public_jwks(chain: &[Certificate]) -> Result<Value> {
    Ok(json!({ "keys": [public_jwk(chain)?] }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testpki::TestPki;

    #[test]
    fn thumbprints_match_openssl_and_rfc7638() {
        let pki = TestPki::shared();
        let cert = Certificate::from_der(&pki.ecnpj.der).unwrap();
        // x5t#S256 is the DER's SHA-256, base64url.
        let hex = cert.sha256_hex();
        let raw = Base64UrlUnpadded::decode_vec(&x5t_s256(&cert)).unwrap();
        let rehex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(rehex, hex);
        let jwk = public_jwk(std::slice::from_ref(&cert)).unwrap();
        assert_eq!(jwk["kty"], "RSA");
        assert_eq!(jwk["e"], "AQAB");
        assert_eq!(jwk["kid"], jwk_thumbprint(&cert).unwrap());
        assert!(jwk.get("d").is_none());
        // The modulus in the JWK is the one openssl prints.
        let out = std::process::Command::new("openssl")
            .args(["x509", "-noout", "-modulus", "-in"])
            .arg(&pki.ecnpj.cert_pem)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let modulus_hex = text.trim().trim_start_matches("Modulus=").to_lowercase();
        let n = Base64UrlUnpadded::decode_vec(jwk["n"].as_str().unwrap()).unwrap();
        let n_hex: String = n.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(n_hex, modulus_hex);
        let set = public_jwks(&[cert]).unwrap();
        assert_eq!(set["keys"][0], jwk);
    }
}
