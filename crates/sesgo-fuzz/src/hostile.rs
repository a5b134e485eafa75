//! The hostile-input corpus (issue 25; docs/adr/0058): every case an input, the entry
//! point it goes to, and the guide code and CLI exit code it must produce. Generated here
//! (`cargo xtask hostile` writes `testdata/hostile/`, `--check` compares), never made by
//! hand; run by the facade and CLI tests (`cargo test`), and by the C, Python and Java
//! suites, each through its own entry points.
//!
//! `testdata/hostile/manifest.tsv` has one case per line:
//! `name<TAB>op<TAB>input<TAB>code<TAB>exit`. `input` is a file under `cases/`, or an
//! absolute path (`/dev/zero`) for entry points that read paths. A `.repeat` file is a
//! recipe for a large input, so the repository holds a few bytes where the input is
//! megabytes: five lines — count, head, item, separator, tail — meaning
//! `head + item₀ + sep + item₁ + … + item₍count−1₎ + tail`, where `{i}` in the item is the
//! index as twelve decimal digits. [`expand`] is the whole rule; every harness
//! implements the same ten lines.
//!
//! The ops (what every harness does with the input; the trust store is pinned to the
//! known-answer root, `revocationPolicy` is `off`, the reference time is now):
//!
//! | op | call |
//! |---|---|
//! | `verify-bundle` | verify, the input as the Bundle |
//! | `verify-signature` | verify, the input as a FHIR Signature |
//! | `verify-signature-data` | verify, the input as `Signature.data` |
//! | `sign-bundle` | sign the input with the known-answer Provenance and PKCS#12 |
//! | `sign-provenance` | sign the known-answer Bundle with the input as Provenance |
//! | `settings` | the input as the settings of a verification |
//! | `refs-check` | the reference check, the input as the Bundle |
//! | `bundle-build` | the Bundle builder, the input as the resources |
//! | `canonicalize` | canonicalize the input under the default policy |
//! | `cert-inspect` | inspect the input as a certificate (a path: read by sesgo) |
//! | `pkcs12` | open the input as a PKCS#12 with the password `teste123` |
//!
//! The expected code is the error's code, or — for a verification or a reference check
//! that returns a result — a code among the result's issues. Exit codes are the CLI's
//! (1 refused material, 2 unusable input).

use crate::kat;
use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use serde_json::{json, Value};
use std::path::Path;

/// What a case's input is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// Bytes written to `cases/<name>.<ext>`.
    Bytes(&'static str, Vec<u8>),
    /// A recipe written to `cases/<name>.repeat` (see the module documentation).
    Repeat(Recipe),
    /// An absolute path given as is (`/dev/zero`).
    Path(&'static str),
}

/// A large input as a recipe (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipe {
    /// How many items.
    pub count: usize,
    /// Before the first item.
    pub head: String,
    /// One item; `{i}` is replaced by the index as twelve decimal digits.
    pub item: String,
    /// Between two items.
    pub sep: String,
    /// After the last item.
    pub tail: String,
}

impl Recipe {
    fn new(count: usize, head: &str, item: &str, sep: &str, tail: &str) -> Recipe {
        Recipe {
            count,
            head: head.into(),
            item: item.into(),
            sep: sep.into(),
            tail: tail.into(),
        }
    }

    /// The five lines of the `.repeat` file.
    pub fn to_text(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}\n{}\n",
            self.count, self.head, self.item, self.sep, self.tail
        )
    }
}

/// One case of the corpus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// Unique name (file stem).
    pub name: &'static str,
    /// The entry point (see the module documentation).
    pub op: &'static str,
    /// The input.
    pub input: Input,
    /// The guide code it must produce.
    pub code: &'static str,
    /// The CLI exit code.
    pub exit: u8,
}

/// Expands a `.repeat` recipe (the text of the file) into the input it stands for.
///
/// ```
/// let r = "3\n[\n{i}\n,\n]\n";
/// assert_eq!(sesgo_fuzz::hostile::expand(r).unwrap(), b"[000000000000,000000000001,000000000002]");
/// ```
pub fn expand(recipe: &str) -> Option<Vec<u8>> {
    let mut lines = recipe.split('\n');
    let count: usize = lines.next()?.trim().parse().ok()?;
    let (head, item, sep, tail) = (lines.next()?, lines.next()?, lines.next()?, lines.next()?);
    let mut out = Vec::with_capacity(head.len() + tail.len() + count * (item.len() + sep.len()));
    out.extend_from_slice(head.as_bytes());
    for i in 0..count {
        if i > 0 {
            out.extend_from_slice(sep.as_bytes());
        }
        out.extend_from_slice(item.replace("{i}", &format!("{i:012}")).as_bytes());
    }
    out.extend_from_slice(tail.as_bytes());
    Some(out)
}

/// A document with one marker string, cut around it into (head, tail).
fn split_at_marker(doc: &Value) -> (String, String) {
    let text = serde_json::to_string(doc).unwrap_or_default();
    let at = text.find("\"@@ITEMS@@\"").unwrap_or(text.len());
    let (head, tail) = text.split_at(at);
    (
        head.to_owned(),
        tail.strip_prefix("\"@@ITEMS@@\"")
            .unwrap_or(tail)
            .to_owned(),
    )
}

fn transfer() -> Value {
    serde_json::from_str(kat::TRANSFER_01).unwrap_or(Value::Null)
}

/// The known-answer transfer Bundle with `edit` applied; the string `"@@ITEMS@@"` in it
/// marks where the recipe's items go.
fn transfer_recipe(count: usize, item: &str, sep: &str, edit: impl FnOnce(&mut Value)) -> Input {
    let mut b = transfer();
    edit(&mut b);
    let (head, tail) = split_at_marker(&b);
    Input::Repeat(Recipe::new(count, &head, item, sep, &tail))
}

fn bytes(ext: &'static str, b: impl Into<Vec<u8>>) -> Input {
    Input::Bytes(ext, b.into())
}

fn signer_b64() -> String {
    let body: String = kat::SIGNER_PEM
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    body
}

/// A JWS (JSON serialization) with the given protected header and unprotected header,
/// as `Signature.data` (standard Base64 of the JWS).
fn signature_data(protected: &Value, header: Option<&Value>) -> Vec<u8> {
    let p = Base64UrlUnpadded::encode_string(protected.to_string().as_bytes());
    let mut sig = json!({"protected": p, "signature": "AAAA"});
    if let (Some(h), Some(o)) = (header, sig.as_object_mut()) {
        o.insert("header".into(), h.clone());
    }
    let jws =
        json!({"payload": "C9GrGws4XFmfvD4C5wa4kDD60hc2QJWmLStXWVa5vjU", "signatures": [sig]});
    Base64::encode_string(jws.to_string().as_bytes()).into_bytes()
}

fn header_01(x5c: Vec<String>) -> Value {
    json!({
        "alg": "RS256",
        "x5c": x5c,
        "iat": kat::TIME,
        "sigPId": {"id": "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.2"}
    })
}

/// A PKCS#12 of `bags` PBES2-encrypted copies of the known-answer key, each at
/// `iterations` PBKDF2 iterations, no MAC: opening it costs `bags × iterations` unless
/// the total is bounded (DECISIONS D46). Deterministic (fixed salt and IV).
pub fn pkcs12_kdf_bomb(bags: usize, iterations: u32) -> Vec<u8> {
    use der::asn1::OctetString;
    use der::Encode;
    use pkcs8::DecodePrivateKey as _;
    let key_der = pkcs8::SecretDocument::from_pkcs8_pem(kat::SIGNER_KEY_PEM)
        .map(|d| d.as_bytes().to_vec())
        .unwrap_or_default();
    let params = pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(iterations, &[7; 16], &[9; 16])
        .expect("PBES2 parameters");
    let scheme = pkcs5::EncryptionScheme::Pbes2(params);
    let ct = scheme
        .encrypt(kat::P12_PASSWORD.as_bytes(), &key_der)
        .expect("encrypt");
    let epki = pkcs8::EncryptedPrivateKeyInfo {
        encryption_algorithm: scheme,
        encrypted_data: &ct,
    }
    .to_der()
    .expect("EncryptedPrivateKeyInfo");
    let bag = pkcs12::safe_bag::SafeBag {
        bag_id: const_oid("1.2.840.113549.1.12.10.1.2"),
        bag_value: epki,
        bag_attributes: None,
    };
    let safe_contents = vec![bag; bags].to_der().expect("SafeContents");
    let data_oid = const_oid("1.2.840.113549.1.7.1");
    let ci = cms::content_info::ContentInfo {
        content_type: data_oid,
        content: der::Any::encode_from(&OctetString::new(safe_contents).expect("octets"))
            .expect("any"),
    };
    let auth_safe = vec![ci].to_der().expect("AuthenticatedSafe");
    let pfx = pkcs12::pfx::Pfx {
        version: pkcs12::pfx::Version::V3,
        auth_safe: cms::content_info::ContentInfo {
            content_type: data_oid,
            content: der::Any::encode_from(&OctetString::new(auth_safe).expect("octets"))
                .expect("any"),
        },
        mac_data: None,
    };
    pfx.to_der().expect("PFX")
}

fn const_oid(s: &str) -> der::oid::ObjectIdentifier {
    der::oid::ObjectIdentifier::new_unwrap(s)
}

/// Every case of the corpus, in manifest order.
pub fn cases() -> Vec<Case> {
    let c = |name, op, input, code, exit| Case {
        name,
        op,
        input,
        code,
        exit,
    };
    let bundle_pad = Recipe::new(
        51_300,
        r#"{"resourceType":"Bundle","type":"collection","pad":""#,
        &"x".repeat(1024),
        "",
        r#""}"#,
    );
    let input_bundle: Value = serde_json::from_str(kat::BUNDLE).unwrap_or(Value::Null);
    let input_provenance: Value = serde_json::from_str(kat::PROVENANCE).unwrap_or(Value::Null);
    let with = |v: &Value, path: &[&str], new: Value| {
        let mut v = v.clone();
        let mut at = &mut v;
        for (i, k) in path.iter().enumerate() {
            if i + 1 == path.len() {
                if let Some(o) = at.as_object_mut() {
                    o.insert((*k).to_owned(), new.clone());
                }
                break;
            }
            at = match k.parse::<usize>() {
                Ok(n) => &mut at[n],
                Err(_) => &mut at[*k],
            };
        }
        v.to_string().into_bytes()
    };
    let cert = signer_b64();
    vec![
        // --- JSON ---------------------------------------------------------------------
        c(
            "json-not-json",
            "verify-bundle",
            bytes("json", r#"{"resourceType":"Bundle","#),
            "FORMAT.JSON-MALFORMED",
            2,
        ),
        c(
            "json-duplicate-member",
            "verify-bundle",
            bytes(
                "json",
                r#"{"resourceType":"Bundle","type":"collection","type":"batch","entry":[]}"#,
            ),
            "FORMAT.JSON-MALFORMED",
            2,
        ),
        c(
            "json-deep-nesting",
            "verify-bundle",
            Input::Repeat(Recipe::new(
                100_000,
                r#"{"resourceType":"Bundle","entry":"#,
                "[",
                "",
                "",
            )),
            "FORMAT.JSON-MALFORMED",
            2,
        ),
        c(
            "json-lone-surrogate",
            "verify-bundle",
            bytes("json", r#"{"resourceType":"Bundle","x":"\ud800"}"#),
            "FORMAT.JSON-MALFORMED",
            2,
        ),
        c(
            "json-invalid-utf8",
            "verify-bundle",
            bytes(
                "json",
                b"{\"resourceType\":\"Bundle\",\"x\":\"\xff\xfe\"}".to_vec(),
            ),
            "FORMAT.JSON-MALFORMED",
            2,
        ),
        c(
            "json-bom",
            "verify-bundle",
            bytes(
                "json",
                b"\xef\xbb\xbf{\"resourceType\":\"Bundle\"}".to_vec(),
            ),
            "FORMAT.JSON-MALFORMED",
            2,
        ),
        c(
            "json-trailing-garbage",
            "verify-bundle",
            bytes("json", r#"{"resourceType":"Bundle"} {}"#),
            "FORMAT.JSON-MALFORMED",
            2,
        ),
        c(
            "json-control-character",
            "verify-bundle",
            bytes(
                "json",
                b"{\"resourceType\":\"Bundle\",\"x\":\"a\x01b\"}".to_vec(),
            ),
            "FORMAT.JSON-MALFORMED",
            2,
        ),
        c(
            "json-huge-number",
            "verify-bundle",
            bytes(
                "json",
                r#"{"resourceType":"Bundle","type":"collection","n":1e999999,"entry":[]}"#,
            ),
            "FORMAT.SIGNATURE-MISSING",
            1,
        ),
        c(
            "bundle-over-50mb",
            "verify-bundle",
            Input::Repeat(bundle_pad.clone()),
            "SECURITY.BUNDLE-MEMORY-LIMIT-EXCEEDED",
            2,
        ),
        c(
            "bundle-dev-zero",
            "verify-bundle",
            Input::Path("/dev/zero"),
            "SECURITY.BUNDLE-MEMORY-LIMIT-EXCEEDED",
            2,
        ),
        // --- Structure of a signed transfer Bundle ------------------------------------------
        c(
            "transfer-100k-targets",
            "verify-bundle",
            transfer_recipe(
                100_000,
                r#"{"reference":"urn:uuid:00000000-0000-4000-8000-{i}"}"#,
                ",",
                |b| b["entry"][3]["resource"]["target"] = json!(["@@ITEMS@@"]),
            ),
            "SECURITY.PROVENANCE-SIZE-LIMIT-EXCEEDED",
            1,
        ),
        c(
            "transfer-100k-entries",
            "verify-bundle",
            transfer_recipe(
                100_000,
                r#"{"fullUrl":"urn:uuid:00000000-0000-4000-8000-{i}","resource":{"resourceType":"Basic"}}"#,
                ",",
                |b| {
                    if let Some(e) = b["entry"].as_array_mut() {
                        e.push(json!("@@ITEMS@@"));
                    }
                },
            ),
            "SECURITY.BUNDLE-SIZE-LIMIT-EXCEEDED",
            1,
        ),
        c(
            "transfer-200k-bad-references",
            "verify-bundle",
            transfer_recipe(
                200_000,
                r#"{"url":"http://x","valueReference":{"reference":"Patient/{i}"}}"#,
                ",",
                |b| b["entry"][0]["resource"]["extension"] = json!(["@@ITEMS@@"]),
            ),
            "FORMAT.REFERENCE-INVALID",
            1,
        ),
        c(
            "transfer-101-signatures",
            "verify-bundle",
            transfer_recipe(
                101,
                r#"{"fullUrl":"urn:uuid:10000000-0000-4000-8000-{i}","resource":{"resourceType":"Provenance","target":[{"reference":"urn:uuid:6f1c2a4e-8b3d-4c5e-9a7f-1b2c3d4e5f60"}],"recorded":"2025-09-01T00:00:00Z","agent":[{"who":{"display":"x"}}],"signature":[{"type":[{"system":"urn:iso-astm:E1762-95:2013","code":"1.2.840.10065.1.12.1.5"}],"when":"2025-09-01T00:00:00Z","who":{"identifier":{"system":"urn:brasil:cpf","value":"12345678909"}},"data":"{i}"}]}}"#,
                ",",
                |b| {
                    if let Some(e) = b["entry"].as_array_mut() {
                        e.push(json!("@@ITEMS@@"));
                    }
                },
            ),
            "SECURITY.BUNDLE-SIZE-LIMIT-EXCEEDED",
            1,
        ),
        c(
            "transfer-999-duplicate-fullurls",
            "verify-bundle",
            transfer_recipe(
                999,
                r#"{"fullUrl":"urn:uuid:6f1c2a4e-8b3d-4c5e-9a7f-1b2c3d4e5f60","resource":{"resourceType":"Basic"}}"#,
                ",",
                |b| {
                    if let Some(e) = b["entry"].as_array_mut() {
                        e.push(json!("@@ITEMS@@"));
                    }
                },
            ),
            "FORMAT.DUPLICATE-FULLURL",
            1,
        ),
        c(
            "transfer-20k-contained",
            "verify-bundle",
            transfer_recipe(
                20_000,
                r##"{"resourceType":"Basic","id":"c{i}"},{"resourceType":"Basic","id":"d{i}","subject":{"reference":"#c{i}"}}"##,
                ",",
                |b| b["entry"][0]["resource"]["contained"] = json!(["@@ITEMS@@"]),
            ),
            "CRYPTO.HASH-VERIFICATION-FAILED",
            1,
        ),
        // --- JWS ------------------------------------------------------------------------
        c(
            "signature-data-not-base64",
            "verify-signature-data",
            bytes("txt", "!!!não é base64!!!"),
            "FORMAT.BASE64-INVALID",
            2,
        ),
        c(
            "signature-data-over-12mib",
            "verify-signature-data",
            Input::Repeat(Recipe::new(13 * 1024, "", &"A".repeat(1024), "", "")),
            "FORMAT.RESOURCE-TOO-LARGE",
            2,
        ),
        c(
            "jws-x5c-11-certificates",
            "verify-signature-data",
            bytes(
                "txt",
                signature_data(&header_01(vec![cert.clone(); 11]), None),
            ),
            "CERT.CHAIN-VALIDATION-FAILED",
            1,
        ),
        c(
            "jws-x5c-huge-element",
            "verify-signature-data",
            bytes(
                "txt",
                signature_data(&header_01(vec!["A".repeat(100_000)]), None),
            ),
            "CERT.INVALID-FORMAT",
            1,
        ),
        c(
            "jws-rrefs-100",
            "verify-signature-data",
            bytes(
                "txt",
                signature_data(
                    &header_01(vec![cert.clone()]),
                    Some(
                        &json!({"rRefs": {"ocspRefs": (0..100).map(|i| json!({"digestAlg": "http://www.w3.org/2001/04/xmlenc#sha512", "digestValue": Base64::encode_string(&[i as u8; 64])})).collect::<Vec<_>>()}}),
                    ),
                ),
            ),
            "VALIDATION.LTV-EVIDENCE-INVALID",
            1,
        ),
        c(
            "signature-not-object",
            "verify-signature",
            bytes("json", "[]"),
            "FORMAT.SIGNATURE-MISSING",
            1,
        ),
        // --- Settings -------------------------------------------------------------------
        c(
            "settings-positional",
            "settings",
            bytes("json", r#"[1609459200,30,30,30,3600,30,365,"off"]"#),
            "CONFIG.INVALID-PARAMETER",
            2,
        ),
        c(
            "settings-unknown-member",
            "settings",
            bytes(
                "json",
                r#"{"revocationPolicy":"off","revocationPolicyy":"strict"}"#,
            ),
            "CONFIG.INVALID-PARAMETER",
            2,
        ),
        c(
            "settings-duplicate-member",
            "settings",
            bytes(
                "json",
                r#"{"revocationPolicy":"strict","revocationPolicy":"off"}"#,
            ),
            "FORMAT.JSON-MALFORMED",
            2,
        ),
        c(
            "settings-max-bundle-bytes-1",
            "settings",
            bytes("json", r#"{"maxBundleBytes":1}"#),
            "CONFIG.BUNDLE-MEMORY-LIMIT-OUT-OF-RANGE",
            2,
        ),
        c(
            "settings-bundle-timeout-0",
            "settings",
            bytes("json", r#"{"bundleTimeoutSecs":0}"#),
            "CONFIG.BUNDLE-TIMEOUT-OUT-OF-RANGE",
            2,
        ),
        c(
            "settings-u32-overflow",
            "settings",
            bytes("json", r#"{"ocspTimeoutSecs":4294967296}"#),
            "CONFIG.INVALID-PARAMETER",
            2,
        ),
        c(
            "settings-nested-positional",
            "settings",
            bytes("json", r#"{"tsaTrustStore":[true]}"#),
            "CONFIG.INVALID-PARAMETER",
            2,
        ),
        c(
            "settings-number-1e400",
            "settings",
            bytes("json", r#"{"minCertIssueDate":1e400}"#),
            "CONFIG.INVALID-PARAMETER",
            2,
        ),
        // --- Signing: FHIR shape of what is read and written ------------------------------
        c(
            "sign-bundle-type-number",
            "sign-bundle",
            bytes("json", with(&input_bundle, &["type"], json!(0))),
            "FORMAT.BUNDLE-MALFORMED",
            2,
        ),
        c(
            "sign-agent-number",
            "sign-provenance",
            bytes("json", with(&input_provenance, &["agent"], json!(0))),
            "FORMAT.PROVENANCE-INVALID",
            2,
        ),
        c(
            "sign-recorded-object",
            "sign-provenance",
            bytes("json", with(&input_provenance, &["recorded"], json!({}))),
            "FORMAT.PROVENANCE-INVALID",
            2,
        ),
        c(
            "sign-100k-targets",
            "sign-provenance",
            {
                let mut p = input_provenance.clone();
                p["target"] = json!(["@@ITEMS@@"]);
                let (head, tail) = split_at_marker(&p);
                Input::Repeat(Recipe::new(
                    100_000,
                    &head,
                    r#"{"reference":"urn:uuid:00000000-0000-4000-8000-{i}"}"#,
                    ",",
                    &tail,
                ))
            },
            "SECURITY.PROVENANCE-SIZE-LIMIT-EXCEEDED",
            2,
        ),
        c(
            "sign-bundle-over-50mb",
            "sign-bundle",
            Input::Repeat(bundle_pad),
            "SECURITY.BUNDLE-MEMORY-LIMIT-EXCEEDED",
            2,
        ),
        // --- Tools ----------------------------------------------------------------------
        c(
            "refs-200k-bad-references",
            "refs-check",
            {
                let mut b = input_bundle.clone();
                b["entry"][0]["resource"]["extension"] = json!(["@@ITEMS@@"]);
                let (head, tail) = split_at_marker(&b);
                Input::Repeat(Recipe::new(
                    200_000,
                    &head,
                    r#"{"url":"http://x","valueReference":{"reference":"Patient/{i}"}}"#,
                    ",",
                    &tail,
                ))
            },
            "FORMAT.REFERENCE-INVALID",
            1,
        ),
        c(
            "build-deep-nesting",
            "bundle-build",
            Input::Repeat(Recipe::new(10_000, "", "[", "", "")),
            "FORMAT.JSON-MALFORMED",
            2,
        ),
        c(
            "build-number",
            "bundle-build",
            bytes("json", "5"),
            "FORMAT.BUNDLE-MALFORMED",
            2,
        ),
        c(
            "build-duplicate-member",
            "bundle-build",
            bytes("json", r#"[{"resourceType":"Patient","id":"a","id":"b"}]"#),
            "FORMAT.JSON-MALFORMED",
            2,
        ),
        c(
            "canonicalize-array",
            "canonicalize",
            bytes("json", "[]"),
            "FORMAT.RESOURCE-INVALID",
            2,
        ),
        c(
            "canonicalize-duplicate-member",
            "canonicalize",
            bytes("json", r#"{"resourceType":"Patient","a":1,"a":2}"#),
            "FORMAT.JSON-MALFORMED",
            2,
        ),
        // --- Certificates and keys -----------------------------------------------------------
        c(
            "cert-garbage",
            "cert-inspect",
            bytes(
                "der",
                (0..2048u32)
                    .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                    .collect::<Vec<u8>>(),
            ),
            "CERT.INVALID-FORMAT",
            2,
        ),
        c(
            "cert-pem-garbage",
            "cert-inspect",
            bytes(
                "pem",
                "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
            ),
            "FORMAT.CERT-PEM-INVALID",
            2,
        ),
        c(
            "cert-dev-zero",
            "cert-inspect",
            Input::Path("/dev/zero"),
            "CONFIG.INVALID-PARAMETER",
            2,
        ),
        c(
            "pkcs12-kdf-bomb",
            "pkcs12",
            bytes("p12", pkcs12_kdf_bomb(20, 4_000_000)),
            "CERT.INVALID-FORMAT",
            2,
        ),
        c(
            "pkcs12-over-1mib",
            "pkcs12",
            Input::Repeat(Recipe::new(2048, "", &"0".repeat(1024), "", "")),
            "CONFIG.INVALID-PARAMETER",
            2,
        ),
    ]
}

/// The manifest line of a case, with its input file name.
fn manifest_line(case: &Case) -> String {
    let input = match &case.input {
        Input::Bytes(ext, _) => format!("cases/{}.{ext}", case.name),
        Input::Repeat(_) => format!("cases/{}.repeat", case.name),
        Input::Path(p) => (*p).to_owned(),
    };
    format!(
        "{}\t{}\t{input}\t{}\t{}\n",
        case.name, case.op, case.code, case.exit
    )
}

/// Every file of the corpus: relative path → bytes.
pub fn files() -> Vec<(String, Vec<u8>)> {
    let cases = cases();
    let mut manifest = String::from(
        "# Generated by `cargo xtask hostile` (crates/sesgo-fuzz/src/hostile.rs): do not edit.\n# name\top\tinput\tcode\texit\n",
    );
    let mut out = Vec::new();
    for case in &cases {
        manifest.push_str(&manifest_line(case));
        match &case.input {
            Input::Bytes(ext, b) => out.push((format!("cases/{}.{ext}", case.name), b.clone())),
            Input::Repeat(r) => out.push((
                format!("cases/{}.repeat", case.name),
                r.to_text().into_bytes(),
            )),
            Input::Path(_) => {}
        }
    }
    out.push(("manifest.tsv".into(), manifest.into_bytes()));
    out
}

/// Writes the corpus under `dir` (replacing `dir/cases`).
pub fn write(dir: &Path) -> std::io::Result<()> {
    let _ = std::fs::remove_dir_all(dir.join("cases"));
    std::fs::create_dir_all(dir.join("cases"))?;
    for (rel, bytes) in files() {
        std::fs::write(dir.join(rel), bytes)?;
    }
    Ok(())
}

/// The files under `dir` that differ from what [`write()`] would write (missing, changed,
/// or extra in `cases/`).
pub fn check(dir: &Path) -> Vec<String> {
    let wanted = files();
    let mut bad = Vec::new();
    for (rel, bytes) in &wanted {
        if std::fs::read(dir.join(rel)).ok().as_ref() != Some(bytes) {
            bad.push(rel.clone());
        }
    }
    if let Ok(rd) = std::fs::read_dir(dir.join("cases")) {
        for e in rd.flatten() {
            let rel = format!("cases/{}", e.file_name().to_string_lossy());
            if !wanted.iter().any(|(r, _)| *r == rel) {
                bad.push(rel);
            }
        }
    }
    bad
}

/// One line of `manifest.tsv`, as the harnesses read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestCase {
    /// Case name.
    pub name: String,
    /// The entry point.
    pub op: String,
    /// `cases/<file>` (relative to the corpus directory) or an absolute path.
    pub input: String,
    /// Expected guide code.
    pub code: String,
    /// Expected CLI exit code.
    pub exit: u8,
}

impl ManifestCase {
    /// The input's bytes (a recipe expanded; `None` for an absolute path, which only
    /// path-reading entry points take).
    pub fn bytes(&self, dir: &Path) -> Option<Vec<u8>> {
        if self.input.starts_with('/') {
            return None;
        }
        let raw = std::fs::read(dir.join(&self.input)).ok()?;
        if self.input.ends_with(".repeat") {
            expand(&String::from_utf8(raw).ok()?)
        } else {
            Some(raw)
        }
    }
}

/// Reads `dir/manifest.tsv`.
pub fn manifest(dir: &Path) -> Vec<ManifestCase> {
    let text = std::fs::read_to_string(dir.join("manifest.tsv")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some(ManifestCase {
                name: f.next()?.to_owned(),
                op: f.next()?.to_owned(),
                input: f.next()?.to_owned(),
                code: f.next()?.to_owned(),
                exit: f.next()?.parse().ok()?,
            })
        })
        .collect()
}

/// The repository's `testdata/hostile/`.
pub fn corpus_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/hostile")
}

/// What an entry point made of a case: the error's code, or the codes of the result's
/// issues.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// An error (unusable input): its codes, primary first.
    Error(Vec<String>),
    /// A result (a verification, a reference check): the codes of its issues.
    Result(Vec<String>),
}

impl Outcome {
    /// Whether `code` is the error's primary code, or among the result's issues.
    pub fn has(&self, code: &str) -> bool {
        match self {
            Outcome::Error(c) => c.first().is_some_and(|c| c == code),
            Outcome::Result(c) => c.iter().any(|c| c == code),
        }
    }
}

fn err(e: &sesgo::Error) -> Outcome {
    let mut codes = vec![e.code().as_str().to_owned()];
    codes.extend(e.findings().iter().map(|f| f.code().as_str().to_owned()));
    Outcome::Error(codes)
}

fn issues(oo: &sesgo::OperationOutcome) -> Outcome {
    Outcome::Result(
        oo.issues()
            .iter()
            .map(|f| f.code().as_str().to_owned())
            .collect(),
    )
}

/// Runs one case through the facade (the Rust entry points), at the known-answer time.
/// `None` for an input the facade cannot take (a path).
pub fn run_facade(op: &str, input: &[u8]) -> Option<Outcome> {
    let clock = sesgo::FixedClock(kat::TIME);
    let settings = sesgo::Settings {
        revocation_policy: sesgo::RevocationPolicy::Off,
        ..Default::default()
    };
    let verify = |input: sesgo::VerifyInput<'_>, settings: sesgo::Settings| {
        let options = sesgo::VerifyOptions {
            reference_time: Some(kat::TIME),
            settings,
            ..Default::default()
        };
        match sesgo::verify_with_clock(&input, kat::trust(), &options, &clock) {
            Ok(v) => issues(&v.outcome),
            Err(e) => err(&e),
        }
    };
    let sign = |bundle: &[u8], provenance: &[u8]| {
        let signer = match sesgo::Signer::from_pkcs12(kat::SIGNER_P12, kat::P12_PASSWORD, None) {
            Ok(s) => s,
            Err(e) => return err(&e),
        };
        let options = sesgo::SignOptions {
            reference_time: Some(kat::TIME),
            settings: settings.clone(),
            ..Default::default()
        };
        match sesgo::sign_with_clock(bundle, provenance, &signer, kat::trust(), &options, &clock) {
            Ok(_) => Outcome::Result(Vec::new()),
            Err(e) => err(&e),
        }
    };
    Some(match op {
        "verify-bundle" => verify(
            sesgo::VerifyInput {
                bundle: Some(input),
                ..Default::default()
            },
            settings.clone(),
        ),
        "verify-signature" => verify(
            sesgo::VerifyInput {
                signature: Some(input),
                ..Default::default()
            },
            settings.clone(),
        ),
        "verify-signature-data" => {
            let text = String::from_utf8_lossy(input);
            verify(
                sesgo::VerifyInput {
                    signature_data: Some(&text),
                    ..Default::default()
                },
                settings.clone(),
            )
        }
        "sign-bundle" => sign(input, kat::PROVENANCE.as_bytes()),
        "sign-provenance" => sign(kat::BUNDLE.as_bytes(), input),
        "settings" => match sesgo::Settings::from_json(input) {
            Ok(s) => verify(
                sesgo::VerifyInput {
                    bundle: Some(kat::TRANSFER_01.as_bytes()),
                    ..Default::default()
                },
                s,
            ),
            Err(e) => err(&e),
        },
        "refs-check" => match sesgo::check_references(input, None, &Default::default()) {
            Ok(oo) => issues(&oo),
            Err(e) => err(&e),
        },
        "bundle-build" => match sesgo::build_bundle(input, &Default::default()) {
            Ok(_) => Outcome::Result(Vec::new()),
            Err(e) => err(&e),
        },
        "canonicalize" => match sesgo::canonicalize(input, None) {
            Ok(_) => Outcome::Result(Vec::new()),
            Err(e) => err(&e),
        },
        "cert-inspect" => {
            let options = sesgo::InspectOptions {
                reference_time: Some(kat::TIME),
                ..Default::default()
            };
            match sesgo::inspect_certificate_with_trust(input, None, &options, kat::trust()) {
                Ok(_) => Outcome::Result(Vec::new()),
                Err(e) => err(&e),
            }
        }
        "pkcs12" => match sesgo::Signer::from_pkcs12(input, kat::P12_PASSWORD, None) {
            Ok(_) => Outcome::Result(Vec::new()),
            Err(e) => err(&e),
        },
        _ => return None,
    })
}
