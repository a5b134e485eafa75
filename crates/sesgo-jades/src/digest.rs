//! Content digest (criar Etapas 5–6 and 8; validar §opcional; IG-DIGEST §16bis, §17.4).

use crate::canon::Canonicalizer;
use base64ct::{Base64UrlUnpadded, Encoding};
use sesgo_cert::crypto::Sha256Stream;
use sesgo_core::json::View;
use sesgo_core::policy::{DigestFraming, Policy};
use sesgo_core::Result;

/// The content digest of a policy (an extension of [`Policy`], which lives in
/// `sesgo-core`).
pub trait ContentDigest {
    /// SHA-256 content digest of the signed resources.
    ///
    /// `targets` are `(Provenance.target[i].reference, resource)` in `Provenance.target`
    /// order; the resources are given as found in the Bundle (unsigned elements are
    /// skipped while canonicalizing, nothing is copied).
    ///
    /// The framing is the profile's `digest_framing`:
    /// * `Concatenated` (0.1): `SHA-256(C_0 || C_1 || …)` (criar Etapas 5–6; references
    ///   unused);
    /// * `LengthPrefixed` (0.2.0): `SHA-256(UINT64_BE(N) || for each: UINT64_BE(len T_i)
    ///   || T_i || UINT64_BE(len R_i) || R_i)` (§17.4).
    ///
    /// The bytes are streamed into the hasher; only one resource's canonical form is
    /// buffered at a time.
    ///
    /// ```
    /// use sesgo_core::json::{parse_strict, Limits};
    /// use sesgo_jades::{payload_b64, ContentDigest, Policy};
    ///
    /// let r = parse_strict(br#"{"resourceType":"Patient","id":"p"}"#, &Limits::default()).unwrap();
    /// let d = Policy::Ig012
    ///     .content_digest(&[("urn:uuid:6f1c3a52-0d0e-4c57-9a59-5d1b0bd6c9a1", &r)])
    ///     .unwrap();
    /// assert_eq!(payload_b64(&d).len(), 43);
    /// ```
    fn content_digest<'a, V: View<'a>>(self, targets: &[(&str, V)]) -> Result<[u8; 32]>;
}

impl ContentDigest for Policy {
    fn content_digest<'a, V: View<'a>>(self, targets: &[(&str, V)]) -> Result<[u8; 32]> {
        let profile = self.profile();
        let mut hasher = Sha256Stream::new();
        let mut buf = Vec::new();
        let mut canon = Canonicalizer::new(profile.canonicalization);
        let framed = match profile.digest_framing {
            DigestFraming::Concatenated => false,
            DigestFraming::LengthPrefixed => true,
        };
        if framed {
            hasher.update((targets.len() as u64).to_be_bytes());
        }
        for (i, (reference, resource)) in targets.iter().enumerate() {
            buf.clear();
            canon
                .write_resource(self, *resource, &mut buf)
                .map_err(|e| e.nested_in(&format!("targets[{i}]")))?;
            if framed {
                hasher.update((reference.len() as u64).to_be_bytes());
                hasher.update(reference.as_bytes());
                hasher.update((buf.len() as u64).to_be_bytes());
            }
            hasher.update(&buf);
        }
        Ok(hasher.finish())
    }
}

/// The JWS payload for a digest: base64url without padding of the 32 bytes (Etapa 8).
pub fn payload_b64(digest: &[u8; 32]) -> String {
    Base64UrlUnpadded::encode_string(digest)
}
