//! The fast decoder accepts exactly what `base64ct` (the strict decoder sesgo used before)
//! accepts, with the same bytes: every string up to 5 characters over an alphabet of
//! edge characters, and long random strings with one character changed.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test code (docs/adr/0043)"
)]

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use sesgo_core::base64::{decode_standard, decode_url};

const EDGE: &[u8] = b"AQgw/+-_=z9 \n.";

fn same(s: &str) {
    assert_eq!(
        decode_standard(s),
        Base64::decode_vec(s).ok(),
        "standard {s:?}"
    );
    assert_eq!(
        decode_url(s),
        Base64UrlUnpadded::decode_vec(s).ok(),
        "url {s:?}"
    );
}

#[test]
fn every_short_string_over_edge_characters() {
    let mut buf = Vec::new();
    fn rec(buf: &mut Vec<u8>, depth: usize) {
        same(std::str::from_utf8(buf).unwrap());
        if depth == 0 {
            return;
        }
        for &c in EDGE {
            buf.push(c);
            rec(buf, depth - 1);
            buf.pop();
        }
    }
    rec(&mut buf, 5);
}

#[test]
fn long_strings_with_one_change() {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for len in [1usize, 2, 3, 31, 32, 33, 1000, 4097] {
        let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let std_text = Base64::encode_string(&data);
        let url_text = Base64UrlUnpadded::encode_string(&data);
        assert_eq!(sesgo_core::base64::encode_standard(&data), std_text);
        assert_eq!(sesgo_core::base64::encode_url(&data), url_text);
        assert_eq!(decode_standard(&std_text), Some(data.clone()));
        assert_eq!(decode_url(&url_text), Some(data.clone()));
        for text in [std_text, url_text] {
            for _ in 0..200 {
                let mut b = text.clone().into_bytes();
                let i = (next() as usize) % b.len();
                b[i] = EDGE[(next() as usize) % EDGE.len()];
                same(std::str::from_utf8(&b).unwrap());
            }
        }
    }
}

#[test]
fn any_byte_in_any_vector_lane() {
    // Every ASCII byte and non-ASCII characters (bytes ≥ 0x80, which vector decoders
    // classify apart) at every position of the first two 64-byte blocks and the tail.
    let data: Vec<u8> = (0..150u32).map(|i| (i * 37 % 256) as u8).collect();
    for text in [
        Base64::encode_string(&data),
        Base64UrlUnpadded::encode_string(&data),
    ] {
        let chars: Vec<char> = text.chars().collect();
        let odd = (0u8..0x80)
            .map(char::from)
            .chain(['\u{80}', 'é', '\u{ff}', '€', '\u{10ffff}']);
        for c in odd {
            for i in (0..130).chain(chars.len() - 6..chars.len()) {
                let mut v = chars.clone();
                v[i] = c;
                same(&v.iter().collect::<String>());
            }
        }
    }
}
