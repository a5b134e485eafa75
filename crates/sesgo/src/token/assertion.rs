//! The SMART Backend Services client assertion (IG-DIGEST §9, HubSaúde; RFC 7523,
//! `private_key_jwt`): a JWT signed with the certificate's key.

use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::{json, Map, Value};
use sesgo_core::{Code, Error, Result};
use sesgo_fetch::TlsSignatureScheme;
use zeroize::Zeroizing;

use crate::Signer;

/// Longest assertion lifetime HubSaúde accepts (`exp` − `iat` ≤ 300 s, IG-DIGEST §9).
pub const MAX_ASSERTION_TTL_SECS: u64 = 300;
/// Default assertion lifetime (HubSaúde's default, 60 s).
pub const DEFAULT_ASSERTION_TTL_SECS: u64 = 60;

/// The optional HubSaúde context claim `hub_ctx` (`{"ig": "<alias>", "versao": "<semver>"}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HubContext {
    /// IG alias, `[a-z][a-z0-9-]{1,30}`.
    pub ig: String,
    /// Full SemVer of the IG.
    pub versao: String,
}

impl HubContext {
    /// Checks both members' forms. Failure: `CONFIG.INVALID-PARAMETER` at `token.hubCtx.*`.
    pub fn validate(&self) -> Result<()> {
        let b = self.ig.as_bytes();
        let ig_ok = (2..=31).contains(&b.len())
            && b.first().is_some_and(u8::is_ascii_lowercase)
            && b.iter()
                .skip(1)
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-');
        if !ig_ok {
            return Err(Error::new(
                Code::ConfigInvalidParameter,
                format!(
                    "hub_ctx.ig '{}' fora do padrão [a-z][a-z0-9-]{{1,30}}",
                    self.ig
                ),
            )
            .at("token.hubCtx.ig"));
        }
        if !is_semver(&self.versao) {
            return Err(Error::new(
                Code::ConfigInvalidParameter,
                format!("hub_ctx.versao '{}' não é SemVer completo", self.versao),
            )
            .at("token.hubCtx.versao"));
        }
        Ok(())
    }
}

fn is_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes().all(|c| c.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        })
        && v[core.len()..]
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.'))
}

/// A fresh random UUID (version 4): the assertion's `jti`, never reused. Failure (no
/// entropy from the operating system): `CRYPTO.SIGNATURE-CREATION-FAILED`.
pub fn new_jti() -> Result<String> {
    let mut b = [0u8; 16];
    sesgo_cert::crypto::random_bytes(&mut b)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// What goes into one assertion.
#[derive(Clone, Debug)]
pub struct AssertionParams<'a> {
    /// `iss` = `sub`.
    pub client_id: &'a str,
    /// `aud`: the token endpoint URL.
    pub audience: &'a str,
    /// `iat`, Unix seconds.
    pub issued_at: i64,
    /// `exp` − `iat`, in (0, [`MAX_ASSERTION_TTL_SECS`]].
    pub ttl_secs: u64,
    /// `jti`; `None` draws a fresh UUID ([`new_jti`]).
    pub jti: Option<&'a str>,
    /// Optional `hub_ctx`.
    pub hub_ctx: Option<&'a HubContext>,
}

/// Builds and signs the client assertion (compact JWS). Header: `alg` `RS384` (`RS256`
/// when the key can only produce RS256: a PKCS#11 key or an external signer), `typ` `JWT`,
/// `kid` = RFC 7638 thumbprint of the certificate's key, `x5t#S256` of the certificate.
/// Failures: TTL 0 or > 300 s → `CONFIG.TTL-OUT-OF-RANGE` at `token.assertionTtl`;
/// invalid `hub_ctx` → `CONFIG.INVALID-PARAMETER`; signing → the signer's code.
pub fn client_assertion(signer: &Signer, p: &AssertionParams<'_>) -> Result<Zeroizing<String>> {
    if p.ttl_secs == 0 || p.ttl_secs > MAX_ASSERTION_TTL_SECS {
        return Err(Error::new(
            Code::ConfigTtlOutOfRange,
            format!(
                "validade da asserção {} s fora de [1, {MAX_ASSERTION_TTL_SECS}] s",
                p.ttl_secs
            ),
        )
        .at("token.assertionTtl"));
    }
    let leaf = signer.chain().first().ok_or_else(|| {
        Error::new(Code::ConfigMissingParameter, "assinador sem certificado").at("token.signer")
    })?;
    let (alg, scheme) = if signer
        .schemes()
        .contains(&TlsSignatureScheme::RsaPkcs1Sha384)
    {
        ("RS384", TlsSignatureScheme::RsaPkcs1Sha384)
    } else {
        ("RS256", TlsSignatureScheme::RsaPkcs1Sha256)
    };
    let header = json!({
        "alg": alg,
        "typ": "JWT",
        "kid": sesgo_cert::jwk_thumbprint(leaf)?,
        "x5t#S256": sesgo_cert::x5t_s256(leaf),
    });
    let mut claims = Map::new();
    claims.insert("iss".into(), Value::from(p.client_id));
    claims.insert("sub".into(), Value::from(p.client_id));
    claims.insert("aud".into(), Value::from(p.audience));
    claims.insert("iat".into(), Value::from(p.issued_at));
    claims.insert(
        "exp".into(),
        Value::from(p.issued_at.saturating_add(p.ttl_secs as i64)),
    );
    let jti = match p.jti {
        Some(j) => j.to_owned(),
        None => new_jti()?,
    };
    claims.insert("jti".into(), Value::from(jti));
    if let Some(ctx) = p.hub_ctx {
        ctx.validate()?;
        claims.insert(
            "hub_ctx".into(),
            json!({"ig": ctx.ig, "versao": ctx.versao}),
        );
    }
    let input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.to_string().as_bytes()),
        Base64UrlUnpadded::encode_string(Value::Object(claims).to_string().as_bytes())
    );
    let sig = signer
        .sign_scheme(scheme, input.as_bytes())
        .map_err(|e| e.at("token.assertion"))?;
    Ok(Zeroizing::new(format!(
        "{input}.{}",
        Base64UrlUnpadded::encode_string(&sig)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jti_is_a_v4_uuid_and_fresh() {
        let a = new_jti().unwrap();
        let b = new_jti().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
    }

    #[test]
    fn hub_ctx_forms() {
        let ok = HubContext {
            ig: "seguranca".into(),
            versao: "0.2.0".into(),
        };
        assert!(ok.validate().is_ok());
        for (ig, v) in [
            ("Seg", "0.2.0"),
            ("s", "0.2.0"),
            ("seg", "0.2"),
            ("seg", "01.2.0"),
        ] {
            let c = HubContext {
                ig: ig.into(),
                versao: v.into(),
            };
            assert_eq!(
                c.validate().unwrap_err().code(),
                Code::ConfigInvalidParameter
            );
        }
    }
}
