//! JSON string escaping (RFC 8785 §3.2.2.2), shared by the writer and the JWS builder.

/// Writes `s` as a JSON string literal with the escaping of RFC 8785 §3.2.2.2 (which is
/// also `serde_json`'s): `"` and `\` escaped, `\b \t \n \f \r` in short form, other
/// control characters as `\u00xx` (lowercase hex), everything else literal UTF-8.
pub fn write_escaped_str(out: &mut Vec<u8>, s: &str) {
    let mut rest = s.as_bytes();
    out.reserve(rest.len() + 2);
    out.push(b'"');
    // Runs without a byte to escape are copied whole, found eight bytes at a time (the
    // parser's scan: `"`, `\` and control characters are exactly what is escaped here).
    loop {
        let run = super::parse::first_special(rest);
        out.extend_from_slice(rest.get(..run).unwrap_or_default());
        let Some((&b, after)) = rest.get(run..).and_then(<[u8]>::split_first) else {
            break;
        };
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                hex_digit(b >> 4),
                hex_digit(b & 0xf),
            ]),
        }
        rest = after;
    }
    out.push(b'"');
}

/// The lower-case hex digit of the low nibble of `n`.
fn hex_digit(n: u8) -> u8 {
    match n & 0xf {
        d @ 0..=9 => b'0' + d,
        d => b'a' + (d - 10),
    }
}

#[cfg(test)]
mod tests {
    use super::write_escaped_str;

    /// `serde_json`'s escaping, which RFC 8785 §3.2.2.2 matches: an independent oracle.
    fn oracle(s: &str) -> Vec<u8> {
        serde_json::to_string(s).unwrap().into_bytes()
    }

    #[test]
    fn escapes_as_serde_json_at_every_position() {
        let specials = [
            '"', '\\', '\n', '\r', '\t', '\u{8}', '\u{c}', '\u{0}', '\u{1f}', '\u{7f}', 'é', '€',
            '😀',
        ];
        for len in 0..40 {
            for (k, c) in specials.iter().enumerate() {
                for at in 0..=len {
                    let mut s: String = (0..len)
                        .map(|i| char::from(b'a' + (i % 26) as u8))
                        .collect();
                    s.insert(at.min(s.len()), *c);
                    if k % 2 == 0 {
                        s.push(specials[(k + len) % specials.len()]);
                    }
                    let mut out = Vec::new();
                    write_escaped_str(&mut out, &s);
                    assert_eq!(out, oracle(&s), "{s:?}");
                }
            }
        }
        let mut out = b"x".to_vec();
        write_escaped_str(&mut out, "");
        assert_eq!(out, b"x\"\"");
    }
}
