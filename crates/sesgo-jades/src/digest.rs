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
    /// The bytes are streamed into the hasher. Under `LengthPrefixed` one resource's
    /// canonical form is buffered at a time (its length comes first); under
    /// `Concatenated` at most about 64 KiB of it.
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
        let mut buf = Vec::new();
        let mut canon = Canonicalizer::new(profile.canonicalization);
        let nested = |i: usize| move |e: sesgo_core::Error| e.nested_in(&format!("targets[{i}]"));
        match profile.digest_framing {
            DigestFraming::Concatenated => {
                // Nothing to know before the bytes: they go to the hasher as they come.
                canon.spill_into(Sha256Stream::new());
                for (i, (_, resource)) in targets.iter().enumerate() {
                    canon
                        .write_resource(self, *resource, &mut buf)
                        .map_err(nested(i))?;
                    canon.flush(&mut buf);
                }
                Ok(canon.finish_digest(&mut buf))
            }
            DigestFraming::LengthPrefixed => {
                let mut hasher = Sha256Stream::new();
                hasher.update((targets.len() as u64).to_be_bytes());
                for (i, (reference, resource)) in targets.iter().enumerate() {
                    buf.clear();
                    canon
                        .write_resource(self, *resource, &mut buf)
                        .map_err(nested(i))?;
                    hasher.update((reference.len() as u64).to_be_bytes());
                    hasher.update(reference.as_bytes());
                    hasher.update((buf.len() as u64).to_be_bytes());
                    hasher.update(&buf);
                }
                Ok(hasher.finish())
            }
        }
    }
}

/// The JWS payload for a digest: base64url without padding of the 32 bytes (Etapa 8).
pub fn payload_b64(digest: &[u8; 32]) -> String {
    Base64UrlUnpadded::encode_string(digest)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests (docs/adr/0043)")]
mod tests {
    use super::*;
    use crate::canon::canonicalize;
    use sesgo_cert::crypto::sha256;
    use sesgo_core::json::{Doc, Limits};

    /// Resources whose canonical forms pass the spill threshold many times over, out of
    /// canonical order at every level: the streamed digest is the digest of the bytes.
    #[test]
    fn streamed_concatenated_digest_is_the_digest_of_the_canonical_bytes() {
        let items: Vec<String> = (0..20_000)
            .map(|i| format!(r#"{{"z":"é{i}","a":[{i}.0,1e2,"\u0001"]}}"#))
            .collect();
        let big = format!(
            r#"{{"resourceType":"Basic","id":"x","meta":{{"versionId":"1"}},"extension":[{}],"code":{{"text":"t"}}}}"#,
            items.join(",")
        );
        let small = r#"{"resourceType":"Patient","id":"p","active":true}"#;
        let (b, s) = (
            Doc::parse(big.as_bytes(), &Limits::default()).unwrap(),
            Doc::parse(small.as_bytes(), &Limits::default()).unwrap(),
        );
        let policy = Policy::Ig012;
        let mut expected = canonicalize(policy, b.root()).unwrap();
        assert!(expected.len() > 8 * (64 << 10));
        expected.extend(canonicalize(policy, s.root()).unwrap());
        expected.extend(canonicalize(policy, b.root()).unwrap());
        let got = policy
            .content_digest(&[("a", b.root()), ("b", s.root()), ("c", b.root())])
            .unwrap();
        assert_eq!(got, sha256(&expected));
    }
}
