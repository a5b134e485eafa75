//! Base64 of public data (signatures, certificates, JWS parts): strict decoding and
//! encoding.
//!
//! `base64-simd`'s decoder and encoder (vector instructions, chosen at run time, with a
//! portable fallback), strict as `base64ct`, which sesgo used before: canonical padding,
//! no whitespace, non-zero trailing bits refused (a differential test holds the two to the
//! same answers). It decodes the kilobytes of `Signature.data`, the protected header and
//! `x5c` of every verification several times faster than a table decoder (ADRs 0066,
//! 0074). Secrets (keys, tokens) keep `base64ct`'s constant-time decoder.
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

use base64_simd::{STANDARD, URL_SAFE_NO_PAD};

/// Standard Base64 (RFC 4648 §4) with canonical padding; `None` for anything else.
pub fn decode_standard(s: &str) -> Option<Vec<u8>> {
    STANDARD.decode_to_vec(s).ok()
}

/// base64url (RFC 4648 §5) without padding, as JWS uses it; `None` for anything else.
pub fn decode_url(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode_to_vec(s).ok()
}

/// Standard Base64 with padding (`x5c`, `Signature.data`).
pub fn encode_standard(data: &[u8]) -> String {
    STANDARD.encode_to_string(data)
}

/// base64url without padding (JWS parts).
pub fn encode_url(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode_to_string(data)
}
