//! JSON string escaping (RFC 8785 §3.2.2.2), shared by the writer and the JWS builder.

/// Writes `s` as a JSON string literal with the escaping of RFC 8785 §3.2.2.2 (which is
/// also `serde_json`'s): `"` and `\` escaped, `\b \t \n \f \r` in short form, other
/// control characters as `\u00xx` (lowercase hex), everything else literal UTF-8.
pub fn write_escaped_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0x08 => Some(b"\\b"),
            0x0c => Some(b"\\f"),
            0x00..=0x1f => None,
            _ => continue,
        };
        out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
        match short {
            Some(esc) => out.extend_from_slice(esc),
            None => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                hex_digit(b >> 4),
                hex_digit(b & 0xf),
            ]),
        }
        start = i + 1;
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
    out.push(b'"');
}

/// The lower-case hex digit of the low nibble of `n`.
fn hex_digit(n: u8) -> u8 {
    match n & 0xf {
        d @ 0..=9 => b'0' + d,
        d => b'a' + (d - 10),
    }
}
