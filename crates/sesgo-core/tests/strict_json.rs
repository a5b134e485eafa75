#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]
use sesgo_core::json::{parse_strict, JsonError, Limits};
use sesgo_core::Code;

fn lim(max_bytes: usize, max_depth: usize) -> Limits {
    Limits {
        max_bytes,
        max_depth,
    }
}

#[test]
fn duplicate_members_are_rejected_with_their_path() {
    let cases = [
        (r#"{"a":1,"a":2}"#, "a"),
        (
            r#"{"resourceType":"Bundle","entry":[{"fullUrl":"x"},{"resource":{"id":"1","meta":{"tag":[],"tag":[]}}}]}"#,
            "entry[1].resource.meta.tag",
        ),
        (r#"[[{"k":{"x":null,"x":null}}]]"#, "[0][0].k.x"),
        // Indexes and names of the outer containers after an inner one failed half-way.
        (r#"[1,[2,3,{"a":1,"a":2}]]"#, "[1][2].a"),
        (
            r#"[[0,0,0],[1,[2,3,[4,{"b":[5,5],"c":{"d":1,"d":2}}]]]]"#,
            "[1][1][2][1].c.d",
        ),
        (
            r#"{"x":[1,2],"y":{"p":1,"q":{"r":[1],"s":{"t":1,"t":1}}}}"#,
            "y.q.s.t",
        ),
        (
            r#"[0,{"a":0,"b":0,"c":0,"d":0,"e":0,"f":0,"g":0,"h":0,"i":0,"j":0,"k":0,"l":0,"m":0,"a":0}]"#,
            "[1].a",
        ),
        // Same member spelled with an escape is still the same member.
        (r#"{"id":1,"\u0069d":2}"#, "id"),
    ];
    for (input, path) in cases {
        match parse_strict(input.as_bytes(), &Limits::default()) {
            Err(JsonError::DuplicateMember { path: p }) => assert_eq!(p, path, "{input}"),
            other => panic!("{input}: {other:?}"),
        }
    }
    let e = parse_strict(br#"{"entry":[{"a":1,"a":1}]}"#, &Limits::default())
        .unwrap_err()
        .into_error("Bundle", Code::SecurityBundleMemoryLimitExceeded);
    assert_eq!(e.code(), Code::FormatJsonMalformed);
    assert_eq!(e.findings()[0].locations(), ["Bundle.entry[0].a"]);
}

#[test]
fn size_is_checked_before_parsing() {
    // Not even JSON: the size limit answers first.
    let input = vec![b'x'; 101];
    assert_eq!(
        parse_strict(&input, &lim(100, 10)),
        Err(JsonError::TooLarge { len: 101, max: 100 })
    );
    let e = parse_strict(&input, &lim(100, 10))
        .unwrap_err()
        .into_error("Bundle", Code::SecurityBundleMemoryLimitExceeded);
    assert_eq!(e.code(), Code::SecurityBundleMemoryLimitExceeded);
}

#[test]
fn depth_is_bounded() {
    assert!(parse_strict(b"[[[1]]]", &lim(100, 3)).is_ok());
    match parse_strict(b"[[[[1]]]]", &lim(100, 3)) {
        Err(JsonError::TooDeep { path, max: 3 }) => assert_eq!(path, "[0][0][0]"),
        other => panic!("{other:?}"),
    }
    match parse_strict(br#"{"a":{"b":{"c":{}}}}"#, &lim(100, 3)) {
        Err(JsonError::TooDeep { path, .. }) => assert_eq!(path, "a.b.c"),
        other => panic!("{other:?}"),
    }
    // A hostile document far deeper than serde_json's own limit fails cleanly.
    let deep = "[".repeat(100_000);
    assert!(parse_strict(deep.as_bytes(), &Limits::default()).is_err());
}

#[test]
fn numbers_keep_their_lexical_token() {
    let input = r#"{"a":36.50,"b":1E+2,"c":-0,"d":9007199254740993,"e":1e400,"f":0.000001,"g":1E2,"h":-0.0e-0}"#;
    let v = parse_strict(input.as_bytes(), &Limits::default()).unwrap();
    for (k, t) in [
        ("a", "36.50"),
        ("b", "1E+2"),
        ("c", "-0"),
        ("d", "9007199254740993"),
        ("e", "1e400"),
        ("f", "0.000001"),
        ("g", "1E2"),
        ("h", "-0.0e-0"),
    ] {
        assert_eq!(v[k].as_number().unwrap().as_str(), t, "{k}");
    }
    // Compact re-serialization is byte-identical for compact input.
    assert_eq!(v.to_json(), input);
    assert_eq!(v["d"].as_u64(), Some(9007199254740993));
    assert_eq!(v["e"].as_number().unwrap().as_f64(), None);
    assert_eq!(v["a"].as_number().unwrap().as_f64(), Some(36.5));
}

#[test]
fn malformed_inputs_are_syntax_errors() {
    for bad in [
        &b""[..],
        b"{",
        b"{\"a\":1,}",
        b"[1,2",
        b"{\"a\":1} x",
        b"\"\\ud800\"",
        b"\xff\xfe",
        b"{\"a\":\"\xc3\x28\"}",
        b"NaN",
        b"01",
        b"{'a':1}",
        b"\xef\xbb\xbf{}",
        b"[1.]",
        b"[.5]",
        b"[1e]",
        b"[+1]",
        b"[\"\t\"]",
        b"[\"\\x\"]",
        b"[\"\\udc00\"]",
        b"[\"\\ud800\\u0041\"]",
        b"[tru]",
        b"{\"a\" 1}",
        b"{1:2}",
    ] {
        match parse_strict(bad, &Limits::default()) {
            Err(JsonError::Syntax { .. }) => {}
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(bad)),
        }
    }
}

#[test]
fn unicode_round_trips() {
    let v = parse_strict(
        "{\"nome\":\"Jos\u{e9} \u{1F600}\",\"esc\":\"\\u00e9\\n\"}".as_bytes(),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(v["nome"], "José 😀");
    assert_eq!(v["esc"], "é\n");
}

#[test]
fn agrees_with_serde_json_on_generated_documents() {
    // Deterministic pseudo-random documents (integers only, so both parsers' numbers are
    // comparable), compared member by member through serde_json's representation.
    let mut seed: u64 = 0x5e590;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as u32
    };
    fn gen(next: &mut dyn FnMut() -> u32, depth: u32) -> serde_json::Value {
        match if depth > 4 { next() % 4 } else { next() % 6 } {
            0 => serde_json::Value::Null,
            1 => serde_json::Value::Bool(next() % 2 == 0),
            2 => serde_json::Value::from(next() as i64 - (1 << 30)),
            3 => {
                let alphabet = [
                    "a", "é", "\"", "\\", "\n", "\u{1}", "😀", "\u{7f}", "/", " ",
                ];
                let n = next() % 6;
                serde_json::Value::String(
                    (0..n).map(|_| alphabet[(next() % 10) as usize]).collect(),
                )
            }
            4 => serde_json::Value::Array((0..next() % 5).map(|_| gen(next, depth + 1)).collect()),
            _ => {
                let mut m = serde_json::Map::new();
                for i in 0..next() % 20 {
                    m.insert(format!("k{i}\u{e9}"), gen(next, depth + 1));
                }
                serde_json::Value::Object(m)
            }
        }
    }
    for _ in 0..500 {
        let doc = gen(&mut next, 0);
        let text = serde_json::to_string_pretty(&doc).unwrap();
        let ours = parse_strict(text.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(ours.to_serde(), doc);
        // Our compact form equals serde_json's compact form.
        assert_eq!(ours.to_json(), serde_json::to_string(&doc).unwrap());
    }
}

#[test]
fn never_panics_on_mutated_input() {
    let base = br#"{"resourceType":"Bundle","entry":[{"fullUrl":"urn:uuid:1","resource":{"a":[1,2.5e3,"x\u00e9\ud83d\ude00",true,null,{}]}}]}"#;
    let mut seed: u64 = 42;
    for _ in 0..20_000 {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        let mut m = base.to_vec();
        let pos = (seed >> 40) as usize % m.len();
        match (seed >> 20) % 3 {
            0 => m[pos] = (seed >> 8) as u8,
            1 => {
                m.truncate(pos);
            }
            _ => {
                m.insert(pos, (seed >> 8) as u8);
            }
        }
        let _ = parse_strict(&m, &Limits::default());
    }
}

#[test]
fn repeated_member_names_read_back_exactly() {
    // Names are shared between members by the parser: escaped, long (past the cache) and
    // colliding names must still read back and serialize exactly.
    let long = "n".repeat(100);
    let mut doc = String::from("[");
    for i in 0..2000 {
        if i > 0 {
            doc.push(',');
        }
        doc.push_str(&format!(
            r#"{{"resourceType":"Observation","{long}":{i},"k{}":true,"\u0076alue":"v{i}"}}"#,
            i % 700
        ));
    }
    doc.push(']');
    let v = parse_strict(doc.as_bytes(), &Limits::default()).unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 2000);
    for (i, item) in items.iter().enumerate() {
        assert_eq!(item["resourceType"].as_str(), Some("Observation"));
        assert_eq!(item[long.as_str()].as_u64(), Some(i as u64));
        assert_eq!(item[format!("k{}", i % 700).as_str()].as_bool(), Some(true));
        assert_eq!(item["value"].as_str(), Some(format!("v{i}").as_str()));
        let keys: Vec<&str> = item.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 4);
    }
    // Serialization writes the unescaped names.
    let again = parse_strict(v.to_json().as_bytes(), &Limits::default()).unwrap();
    assert_eq!(again, v);
    assert!(v.to_json().contains(r#""value":"v1999""#));
}

#[test]
fn numbers_read_back_verbatim_inline_or_not() {
    // 22 bytes are kept inline, 23 on the heap: both read back exactly and compare equal
    // to the same token however they were made.
    for tok in [
        "0",
        "-0",
        "36.50",
        "1E2",
        "1234567890123456789012",
        "12345678901234567890123",
        "-1.000000000000000000000000000000000000001e-400",
    ] {
        let v =
            sesgo_core::json::parse_strict(tok.as_bytes(), &sesgo_core::json::Limits::default())
                .unwrap();
        let n = v.as_number().unwrap();
        assert_eq!(n.as_str(), tok);
        assert_eq!(n.to_string(), tok);
        assert_eq!(v.to_json(), tok);
        assert_eq!(format!("{n:?}"), format!("Number({tok:?})"));
        let again = sesgo_core::json::Number::from_token(tok).unwrap();
        assert_eq!(&again, n);
        let hash = |x: &sesgo_core::json::Number| {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            x.hash(&mut h);
            h.finish()
        };
        assert_eq!(hash(&again), hash(n));
    }
    assert_ne!(
        sesgo_core::json::Number::from_token("1.0").unwrap(),
        sesgo_core::json::Number::from_token("1").unwrap()
    );
    assert_eq!(
        sesgo_core::json::Number::from(u64::MAX).as_u64(),
        Some(u64::MAX)
    );
    assert_eq!(
        sesgo_core::json::Number::from(i64::MIN).as_i64(),
        Some(i64::MIN)
    );
}
