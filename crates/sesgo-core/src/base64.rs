//! Base64 of public data (signatures, certificates, JWS parts): strict decoding and
//! encoding.
//!
//! The `base64` crate's table decoder, configured as strictly as `base64ct` (canonical
//! padding, no whitespace, non-zero trailing bits refused), which sesgo used before: it is
//! several times faster on the kilobytes of `Signature.data` and `x5c` every verification
//! decodes (ADR 0066). Secrets (keys, tokens) keep `base64ct`'s constant-time decoder.
//!
//! ```
//! use sesgo_core::base64::{decode_standard, decode_url};
//! assert_eq!(decode_standard("YWJj").as_deref(), Some(&b"abc"[..]));
//! assert_eq!(decode_standard("YWI="), Some(b"ab".to_vec()));
//! assert_eq!(decode_standard("YWJ="), None); // non-zero trailing bits
//! assert_eq!(decode_standard("YW I="), None); // whitespace
//! assert_eq!(decode_url("_-8"), Some(vec![0xff, 0xef]));
//! assert_eq!(decode_url("_-8="), None); // padding in base64url
//! assert_eq!(sesgo_core::base64::encode_standard(b"ab"), "YWI=");
//! assert_eq!(sesgo_core::base64::encode_url(&[0xff, 0xef]), "_-8");
//! ```

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

const STANDARD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(false),
);

const URL_UNPADDED: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// Standard Base64 (RFC 4648 §4) with canonical padding; `None` for anything else.
pub fn decode_standard(s: &str) -> Option<Vec<u8>> {
    STANDARD.decode(s).ok()
}

/// base64url (RFC 4648 §5) without padding, as JWS uses it; `None` for anything else.
pub fn decode_url(s: &str) -> Option<Vec<u8>> {
    URL_UNPADDED.decode(s).ok()
}

/// Standard Base64 with padding (`x5c`, `Signature.data`).
pub fn encode_standard(data: &[u8]) -> String {
    STANDARD.encode(data)
}

/// base64url without padding (JWS parts).
pub fn encode_url(data: &[u8]) -> String {
    URL_UNPADDED.encode(data)
}
