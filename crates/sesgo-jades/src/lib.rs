//! # sesgo-jades
//!
//! Canonicalization, content digest and JWS/JAdES (RS256) signatures for both SES-GO
//! signature policies (DECISIONS D1; IG-DIGEST §2.3 Etapas 3–13, §3.3, §16bis, §17):
//!
//! * [`Policy`] (re-exported from [`sesgo_core::policy`]): the policy selected by URI;
//!   everything that differs between policies is its [`PolicyProfile`], read here as data
//!   (stripping, canonicalization, digest framing, header members and shapes, unprotected
//!   header, timestamp imprint, `rRefs`);
//! * [`canonicalize`]: RFC 8785 (JCS) or `fhir-json-lossless/0.2.0` over
//!   [`sesgo_core::json::Value`];
//! * [`ContentDigest::content_digest`] and [`payload_b64`]: the signed digest;
//! * [`prepare`] / [`complete`] / [`sign_with`]: two-phase RS256 signing (DECISIONS D4);
//! * [`verify_jws`]: strict structural and cryptographic verification.
//!
//! Certificates are parsed and RSA/SHA operations run only through `sesgo-cert`
//! ([`sesgo_cert::Certificate`], [`sesgo_cert::crypto`]).
//!
//! Certificate chains, eligibility, revocation and RFC 3161 tokens are validated by other
//! crates; this one carries them.
//!
//! ```no_run
//! use sesgo_core::json::{parse_strict, Limits};
//! use sesgo_jades::*;
//!
//! # fn f(key: sesgo_cert::crypto::PrivateKey, chain_der: Vec<Vec<u8>>) -> sesgo_core::Result<()> {
//! let patient = parse_strict(br#"{"resourceType":"Patient","id":"1"}"#, &Limits::default())
//!     .map_err(|e| e.into_error("Bundle", sesgo_core::Code::SecurityBundleMemoryLimitExceeded))?;
//! let policy = Policy::Politica020;
//! let digest = policy.content_digest(&[("urn:uuid:6f1c3a52-0d0e-4c57-9a59-5d1b0bd6c9a1", &patient)])?;
//! let params = HeaderParams { x5c_der: chain_der, iat: Some(1_760_000_000), strategy: Strategy::Iat };
//! let prepared = prepare(policy, &params, &digest)?;
//! // … hand prepared.signing_input() to a token / HSM / cloud signer, or:
//! let jws = sign_with(prepared, &key)?.to_json()?;
//! let verified = verify_jws(
//!     jws.as_bytes(),
//!     &VerifyOptions { expected_policy: Some(policy), expected_payload: Some(digest), ..Default::default() },
//! )?;
//! assert_eq!(verified.strategy, Strategy::Iat);
//! # Ok(()) }
//! ```

mod canon;
mod digest;
mod jws;
mod unprotected;
mod verify;

pub use canon::{canonicalize, canonicalize_value_into};
pub use digest::{payload_b64, ContentDigest};
pub use jws::{complete, prepare, prepare_chain, sign_with, HeaderParams, Jws, Prepared};
pub use sesgo_cert::crypto::Rs256Signer;
pub use sesgo_core::policy::{
    Canonicalization, Family, Policy, PolicyProfile, Strategy, COMMITMENT_TYPE_URN,
    FHIR_JSON_LOSSLESS_URI, POLICY_01_BASE, POLICY_020_PREFIX,
};
pub use unprotected::{RevocationRefs, SHA512_DIGEST_ALG};
pub use verify::{verify_jws, VerifiedJws, VerifyOptions};
