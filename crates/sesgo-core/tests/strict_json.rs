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
    let v = parse_strict(
        br#"{"a":36.50,"b":1E+2,"c":-0,"d":9007199254740993,"e":1e400,"f":0.000001}"#,
        &Limits::default(),
    )
    .unwrap();
    for (k, t) in [
        ("a", "36.50"),
        ("b", "1E+2"),
        ("c", "-0"),
        ("d", "9007199254740993"),
        ("e", "1e400"),
        ("f", "0.000001"),
    ] {
        assert_eq!(v[k].to_string(), t, "{k}");
    }
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
