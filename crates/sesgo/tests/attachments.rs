//! The facade's signed-attachment tools (profile `anexo-assinado`, extension
//! `hash-sha256`). Expected hashes were computed independently (Python hashlib):
//! "laudo" → SHA-1 rb4OJF2jlaTUZooaMBab6v+UYrQ=, SHA-256
//! MIpHjZSwVsvehN4KwhkTun5vv9vFSmeveaB4TJbuxMw=; "%PDF-1.7" → SHA-1
//! uvbBo/sl8K9aq7wyqoQeJ8sCUCA=, SHA-256 hu26okgxut+gqLBLtBAUHi7kGCttABRJP+Jip6Mxwgs=.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use sesgo::{check_attachment, fill_attachment, AttachmentOptions, Code, Severity};

const LAUDO_SHA1: &str = "rb4OJF2jlaTUZooaMBab6v+UYrQ=";
const LAUDO_SHA256: &str = "MIpHjZSwVsvehN4KwhkTun5vv9vFSmeveaB4TJbuxMw=";
const PDF_SHA1: &str = "uvbBo/sl8K9aq7wyqoQeJ8sCUCA=";
const PDF_SHA256: &str = "hu26okgxut+gqLBLtBAUHi7kGCttABRJP+Jip6Mxwgs=";

fn at(location: &str) -> AttachmentOptions {
    AttachmentOptions {
        location: Some(location.into()),
    }
}

fn codes_and_locations(oo: &sesgo::OperationOutcome) -> Vec<(Code, String)> {
    oo.issues()
        .iter()
        .map(|f| (f.code(), f.locations().join("|")))
        .collect()
}

#[test]
fn fill_inline_keeps_every_other_member_verbatim_and_replaces_stale_values() {
    // A stale size and hash, a stale hash-sha256 after another extension, and a decimal
    // token that must survive as written.
    let att = br#"{"contentType":"text/plain","language":"pt-BR","data":"bGF1ZG8=","size":99,"hash":"AAAA","extension":[{"url":"http://example.org/peso","valueDecimal":1.50},{"url":"https://fhir.saude.go.gov.br/r4/seguranca/StructureDefinition/hash-sha256","valueBase64Binary":"AAAA"}],"title":"laudo"}"#;
    let filled = fill_attachment(att, None, &Default::default()).unwrap();
    let want = format!(
        concat!(
            r#"{{"contentType":"text/plain","language":"pt-BR","data":"bGF1ZG8=","size":5,"hash":"{}","#,
            r#""extension":[{{"url":"https://fhir.saude.go.gov.br/r4/seguranca/StructureDefinition/hash-sha256","valueBase64Binary":"{}"}},"#,
            r#"{{"url":"http://example.org/peso","valueDecimal":1.50}}],"title":"laudo"}}"#
        ),
        LAUDO_SHA1, LAUDO_SHA256
    );
    assert_eq!(filled.to_json(), want);
    let oo = check_attachment(want.as_bytes(), None, &Default::default()).unwrap();
    assert!(oo.is_success());
    assert_eq!(
        codes_and_locations(&oo),
        [(Code::ValidationSuccess, String::new())]
    );
    assert_eq!(oo.issues()[0].severity(), Severity::Information);
}

#[test]
fn fill_and_check_a_url_attachment_with_its_content() {
    let att = br#"{"contentType":"application/pdf","url":"https://example.org/laudo.pdf"}"#;
    let filled = fill_attachment(att, Some(b"%PDF-1.7"), &Default::default())
        .unwrap()
        .to_json();
    assert_eq!(
        filled,
        format!(
            concat!(
                r#"{{"contentType":"application/pdf","url":"https://example.org/laudo.pdf","size":8,"hash":"{}","#,
                r#""extension":[{{"url":"{}","valueBase64Binary":"{}"}}]}}"#
            ),
            PDF_SHA1,
            sesgo::HASH_SHA256_URL,
            PDF_SHA256
        )
    );
    assert!(
        check_attachment(filled.as_bytes(), Some(b"%PDF-1.7"), &Default::default())
            .unwrap()
            .is_success()
    );
    // Empty content is content (0 bytes), not "absent".
    let empty = fill_attachment(att, Some(b""), &Default::default()).unwrap();
    assert_eq!(empty["size"].as_u64(), Some(0));
    assert_eq!(empty["hash"], "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");

    // Other bytes of the same length: both hashes fail, the size does not.
    let oo = check_attachment(
        filled.as_bytes(),
        Some(b"%PDF-1.8"),
        &at("DocumentReference.content[0].attachment"),
    )
    .unwrap();
    assert!(!oo.is_success());
    assert_eq!(
        codes_and_locations(&oo),
        [
            (
                Code::CryptoHashVerificationFailed,
                "DocumentReference.content[0].attachment.hash".into()
            ),
            (
                Code::CryptoHashVerificationFailed,
                "DocumentReference.content[0].attachment.extension[0].valueBase64Binary".into()
            ),
        ]
    );
    // Without the content the url attachment cannot be checked.
    let oo = check_attachment(filled.as_bytes(), None, &Default::default()).unwrap();
    assert_eq!(
        codes_and_locations(&oo),
        [(Code::ConfigMissingParameter, "Attachment.url".into())]
    );
    let err = fill_attachment(att, None, &Default::default()).unwrap_err();
    assert_eq!(err.code(), Code::ConfigMissingParameter);
    assert_eq!(err.primary().locations(), ["Attachment.url"]);
}

#[test]
fn a_tampered_attachment_is_reported_with_the_guide_code_and_location() {
    let filled = fill_attachment(
        br#"{"contentType":"text/plain","data":"bGF1ZG8="}"#,
        None,
        &Default::default(),
    )
    .unwrap()
    .to_json();
    // Content changed, same length ("laude").
    let tampered = filled.replace("bGF1ZG8=", "bGF1ZGU=");
    let oo = check_attachment(tampered.as_bytes(), None, &Default::default()).unwrap();
    assert_eq!(
        codes_and_locations(&oo),
        [
            (Code::CryptoHashVerificationFailed, "Attachment.hash".into()),
            (
                Code::CryptoHashVerificationFailed,
                "Attachment.extension[0].valueBase64Binary".into()
            ),
        ]
    );
    assert_eq!(oo.issues()[0].severity(), Severity::Error);
    // Content grown by one byte: the size fails too.
    let longer = filled.replace("bGF1ZG8=", "bGF1ZG9z");
    let oo = check_attachment(longer.as_bytes(), None, &Default::default()).unwrap();
    assert_eq!(
        codes_and_locations(&oo)[0],
        (Code::CryptoHashVerificationFailed, "Attachment.size".into())
    );
    assert_eq!(oo.issues().len(), 3);
    // The recorded SHA-256 alone altered.
    let ext = filled.replace(LAUDO_SHA256, PDF_SHA256);
    let oo = check_attachment(ext.as_bytes(), None, &Default::default()).unwrap();
    assert_eq!(
        codes_and_locations(&oo),
        [(
            Code::CryptoHashVerificationFailed,
            "Attachment.extension[0].valueBase64Binary".into()
        )]
    );
}

#[test]
fn profile_findings_are_located() {
    let oo = check_attachment(br#"{"data":"bGF1ZG8="}"#, None, &Default::default()).unwrap();
    assert_eq!(
        codes_and_locations(&oo),
        [
            (
                Code::FormatProfileValidationFailed,
                "Attachment.contentType".into()
            ),
            (
                Code::FormatProfileValidationFailed,
                "Attachment.size".into()
            ),
            (
                Code::FormatProfileValidationFailed,
                "Attachment.hash".into()
            ),
            (Code::FormatExtensionMissing, "Attachment.extension".into()),
        ]
    );
}

#[test]
fn unusable_inputs_are_errors() {
    let opts = AttachmentOptions::default();
    let e = fill_attachment(b"{\"data\":", None, &opts).unwrap_err();
    assert_eq!(e.code(), Code::FormatJsonMalformed);
    let e = check_attachment(b"[1]", None, &opts).unwrap_err();
    assert_eq!(e.code(), Code::FormatResourceInvalid);
    assert_eq!(e.primary().locations(), ["Attachment"]);
    let e = fill_attachment(br#"{"data":"bGF1ZG8"}"#, None, &opts).unwrap_err();
    assert_eq!(e.code(), Code::FormatBase64Invalid);
    assert_eq!(e.primary().locations(), ["Attachment.data"]);
    let e = fill_attachment(br#"{"data":"bGF1ZG8=","data":"bGF1ZG8="}"#, None, &opts).unwrap_err();
    assert_eq!(e.code(), Code::FormatJsonMalformed);
    // Inline data and external content at once: which one to hash would be a guess.
    let e = check_attachment(br#"{"data":"bGF1ZG8="}"#, Some(b"laudo"), &opts).unwrap_err();
    assert_eq!(e.code(), Code::ConfigInvalidParameter);
    assert_eq!(e.primary().locations(), ["Attachment.data"]);
    // Options.
    let e = AttachmentOptions::from_json(br#"{"loc":"x"}"#).unwrap_err();
    assert_eq!(e.code(), Code::ConfigInvalidParameter);
    assert_eq!(
        AttachmentOptions::from_json(
            br#"{"location":"Bundle.entry[0].resource.content[0].attachment"}"#
        )
        .unwrap(),
        at("Bundle.entry[0].resource.content[0].attachment")
    );
    assert_eq!(AttachmentOptions::from_json(b"").unwrap(), opts);
}
