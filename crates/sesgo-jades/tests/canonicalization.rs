//! RFC 8785 vectors, fhir-json-lossless/0.2.0 and the per-policy stripping rules.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]
mod common;
use common::parse;
use sesgo_core::Code;
use sesgo_jades::{canonicalize, canonicalize_value_into, Canonicalization, ContentDigest, Policy};

fn jcs(s: &str) -> String {
    let mut out = Vec::new();
    canonicalize_value_into(Canonicalization::Jcs, &parse(s), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn lossless(s: &str) -> String {
    let mut out = Vec::new();
    canonicalize_value_into(Canonicalization::FhirJsonLossless, &parse(s), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn rfc8785_sample_3_2_2() {
    let input = r#"{
      "numbers": [333333333.33333329, 1E30, 4.50,
                  2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }"#;
    assert_eq!(
        jcs(input),
        r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
    );
}

#[test]
fn rfc8785_sorting_3_2_3() {
    let input = r#"{
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    }"#;
    let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
    assert_eq!(jcs(input), expected);
    // Nested objects sort too, arrays keep their order.
    assert_eq!(
        jcs(r#"{"b":[{"z":1,"a":2}],"a":{"y":{"d":0,"c":1}}}"#),
        r#"{"a":{"y":{"c":1,"d":0}},"b":[{"a":2,"z":1}]}"#
    );
}

/// RFC 8785 Appendix B: IEEE-754 bit patterns and their ECMAScript rendering.
#[test]
fn rfc8785_appendix_b_numbers() {
    let table: &[(u64, &str)] = &[
        (0x0000000000000000, "0"),
        (0x8000000000000000, "0"),
        (0x0000000000000001, "5e-324"),
        (0x8000000000000001, "-5e-324"),
        (0x7fefffffffffffff, "1.7976931348623157e+308"),
        (0xffefffffffffffff, "-1.7976931348623157e+308"),
        (0x4340000000000000, "9007199254740992"),
        (0xc340000000000000, "-9007199254740992"),
        (0x4430000000000000, "295147905179352830000"),
        (0x44b52d02c7e14af5, "9.999999999999997e+22"),
        (0x44b52d02c7e14af6, "1e+23"),
        (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
        (0x444b1ae4d6e2ef4e, "999999999999999700000"),
        (0x444b1ae4d6e2ef4f, "999999999999999900000"),
        (0x444b1ae4d6e2ef50, "1e+21"),
        (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
        (0x3eb0c6f7a0b5ed8d, "0.000001"),
        (0x41b3de4355555553, "333333333.3333332"),
        (0x41b3de4355555554, "333333333.33333325"),
        (0x41b3de4355555555, "333333333.3333333"),
        (0x41b3de4355555556, "333333333.3333334"),
        (0x41b3de4355555557, "333333333.33333343"),
        (0xbecbf647612f3696, "-0.0000033333333333333333"),
        (0x43143ff3c1cb0959, "1424953923781206.2"),
    ];
    for &(bits, want) in table {
        let f = f64::from_bits(bits);
        // Several spellings of the same double must all canonicalize identically.
        let mut tokens = vec![format!("{f:e}"), format!("{f:E}")];
        if f.abs() < 1e300 {
            tokens.push(format!("{f:?}").replace("inf", "x"));
        }
        for t in tokens {
            assert_eq!(
                jcs(&format!("[{t}]")),
                format!("[{want}]"),
                "bits {bits:016x} token {t}"
            );
        }
    }
}

#[test]
fn es6_number_corner_cases() {
    for (tok, want) in [
        ("1e21", "1e+21"),
        ("1E21", "1e+21"),
        ("1e20", "100000000000000000000"),
        ("1e-7", "1e-7"),
        ("1e-6", "0.000001"),
        ("0.000001", "0.000001"),
        ("-0", "0"),
        ("-0.0", "0"),
        ("0e10", "0"),
        ("5e-324", "5e-324"),
        ("1.7976931348623157e308", "1.7976931348623157e+308"),
        ("9007199254740993", "9007199254740992"),
        ("9007199254740991", "9007199254740991"),
        ("333333333.33333329", "333333333.3333333"),
        ("123456789012345", "123456789012345"),
        ("1234567890123456789", "1234567890123456800"),
        ("-1234567890123456789012", "-1.2345678901234568e+21"),
        ("2.00", "2"),
        ("36.50", "36.5"),
        ("1E2", "100"),
        ("0.1", "0.1"),
        ("100e-2", "1"),
        ("2.5e-5", "0.000025"),
        ("4.9e-324", "5e-324"),
        ("2e-324", "0"),
    ] {
        assert_eq!(jcs(&format!("[{tok}]")), format!("[{want}]"), "token {tok}");
    }
}

#[test]
fn unrepresentable_numbers_fail() {
    for tok in ["1e309", "-1E400", "1.8e308"] {
        let v = parse(&format!(
            r#"{{"resourceType":"Observation","a":[1,{{"b":{tok}}}]}}"#
        ));
        let e = canonicalize(Policy::Ig012, &v).unwrap_err();
        assert_eq!(e.code(), Code::FormatCanonicalizationFailed, "{tok}");
        assert_eq!(e.primary().locations(), ["a[1].b"]);
        // Under 0.2.0 the token is kept verbatim (DECISIONS D2).
        let l = canonicalize(Policy::Politica020, &v).unwrap();
        assert!(String::from_utf8(l).unwrap().contains(tok));
    }
}

#[test]
fn string_escaping() {
    assert_eq!(
        jcs("[\"\\u0000\\u001f\\u007f\\b\\f\\n\\r\\t\\\"\\\\\\/\"]"),
        "[\"\\u0000\\u001f\u{7f}\\b\\f\\n\\r\\t\\\"\\\\/\"]"
    );
    assert_eq!(jcs(r#"["\ud83d\ude00\u00e9"]"#), "[\"\u{1f600}\u{e9}\"]");
}

#[test]
fn lossless_keeps_tokens() {
    assert_eq!(
        lossless(
            r#"{"b":[1E2, 36.50, -0, 1e-7, 9007199254740993], "a": {"y": 2.00, "x": "\u00e9"}}"#
        ),
        "{\"a\":{\"x\":\"\u{e9}\",\"y\":2.00},\"b\":[1E2,36.50,-0,1e-7,9007199254740993]}"
    );
}

#[test]
fn stripping_policy_01() {
    let r = parse(
        r#"{"resourceType":"Observation","id":"o1","_id":{"extension":[]},
            "meta":{"versionId":"3","lastUpdated":"2025-01-01T00:00:00Z","source":"s1","tag":[{"code":"t"}],
                    "profile":["http://x/p"],"_versionId":{"id":"v"}},
            "text":{"status":"generated","div":"<div/>"},
            "contained":[{"resourceType":"Patient","id":"p","meta":{"versionId":"1"}}]}"#,
    );
    let out = String::from_utf8(canonicalize(Policy::Ig012, &r).unwrap()).unwrap();
    assert_eq!(
        out,
        r##"{"_id":{"extension":[]},"contained":[{"id":"p","meta":{"versionId":"1"},"resourceType":"Patient"}],"meta":{"_versionId":{"id":"v"},"profile":["http://x/p"]},"resourceType":"Observation","text":{"div":"<div/>","status":"generated"}}"##
    );
    // Policy 0.2.0 also strips the `_` siblings.
    let out = String::from_utf8(canonicalize(Policy::Politica020, &r).unwrap()).unwrap();
    assert_eq!(
        out,
        r##"{"contained":[{"id":"p","meta":{"versionId":"1"},"resourceType":"Patient"}],"meta":{"profile":["http://x/p"]},"resourceType":"Observation","text":{"div":"<div/>","status":"generated"}}"##
    );
}

#[test]
fn empty_meta_dropped() {
    for p in Policy::ALL {
        let r = parse(
            r#"{"resourceType":"Patient","id":"x","meta":{"versionId":"1","lastUpdated":"2025-01-01T00:00:00Z","source":"s","tag":[]}}"#,
        );
        assert_eq!(
            canonicalize(p, &r).unwrap(),
            br#"{"resourceType":"Patient"}"#
        );
        let r = parse(r#"{"resourceType":"Patient","meta":{}}"#);
        assert_eq!(
            canonicalize(p, &r).unwrap(),
            br#"{"resourceType":"Patient"}"#
        );
    }
    let r = parse(r#"{"resourceType":"Patient","meta":{"_source":{"id":"s"}}}"#);
    assert_eq!(
        canonicalize(Policy::Politica020, &r).unwrap(),
        br#"{"resourceType":"Patient"}"#
    );
    assert_eq!(
        canonicalize(Policy::Ig010, &r).unwrap(),
        br#"{"meta":{"_source":{"id":"s"}},"resourceType":"Patient"}"#
    );
}

#[test]
fn digest_framing() {
    use sha2::{Digest, Sha256};
    let a = parse(r#"{"resourceType":"Patient","id":"a","x":1.50}"#);
    let b = parse(r#"{"resourceType":"Practitioner","id":"b"}"#);
    let (ta, tb) = (
        "urn:uuid:00000000-0000-4000-8000-000000000001",
        "urn:uuid:00000000-0000-4000-8000-000000000002",
    );
    let ca = canonicalize(Policy::Ig012, &a).unwrap();
    let cb = canonicalize(Policy::Ig012, &b).unwrap();
    let want: [u8; 32] = Sha256::digest([ca.as_slice(), cb.as_slice()].concat()).into();
    assert_eq!(
        Policy::Ig012.content_digest(&[(ta, &a), (tb, &b)]).unwrap(),
        want
    );
    // Order matters (Provenance.target order).
    assert_ne!(
        Policy::Ig012.content_digest(&[(tb, &b), (ta, &a)]).unwrap(),
        want
    );

    let la = canonicalize(Policy::Politica020, &a).unwrap();
    let lb = canonicalize(Policy::Politica020, &b).unwrap();
    let mut art = Vec::new();
    art.extend_from_slice(&2u64.to_be_bytes());
    for (t, r) in [(ta, &la), (tb, &lb)] {
        art.extend_from_slice(&(t.len() as u64).to_be_bytes());
        art.extend_from_slice(t.as_bytes());
        art.extend_from_slice(&(r.len() as u64).to_be_bytes());
        art.extend_from_slice(r);
    }
    let want: [u8; 32] = Sha256::digest(&art).into();
    assert_eq!(
        Policy::Politica020
            .content_digest(&[(ta, &a), (tb, &b)])
            .unwrap(),
        want
    );
    // The reference text is framed in: another reference, another digest.
    assert_ne!(
        Policy::Politica020
            .content_digest(&[(tb, &a), (ta, &b)])
            .unwrap(),
        want
    );
}
