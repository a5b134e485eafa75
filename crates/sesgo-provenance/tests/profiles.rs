//! Outputs checked against the guide's StructureDefinitions (fixed values, patterns and
//! cardinalities are read from the JSON in data/ig/, not retyped).

use sesgo_core::json::{parse_strict, Limits, Value};
use sesgo_core::Code;
use sesgo_provenance::attachment;
use sesgo_provenance::provenance::{signed_provenance, transfer_bundle, AgentRule};
use sesgo_provenance::signature::{
    build_signature, read_signature, recheck_signature, SignatureFormats, SignerIdentifier,
};
use sesgo_provenance::signed_set::{select, signed_provenances};

fn json(text: &str) -> Value {
    parse_strict(text.as_bytes(), &Limits::default()).unwrap()
}

fn sd(name: &str) -> Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/ig")
        .join(format!("StructureDefinition-{name}.json"));
    parse_strict(&std::fs::read(p).unwrap(), &Limits::default()).unwrap()
}

fn element<'a>(sd: &'a Value, id: &str) -> &'a Value {
    sd["differential"]["element"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in profile"))
}

/// Resolves a simple FHIRPath-like path (`who.identifier.system`) in a value, taking the
/// first element of arrays.
fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    let mut cur = v;
    for seg in path.split('.') {
        cur = match cur.as_array() {
            Some(a) => &a.first().unwrap_or(cur)[seg],
            None => &cur[seg],
        };
    }
    cur
}

fn signer() -> SignerIdentifier {
    SignerIdentifier::new("urn:brasil:cpf", "11144477735").unwrap()
}

const BUNDLE: &str = r#"{"resourceType":"Bundle","type":"collection","id":"b1","entry":[
 {"fullUrl":"urn:uuid:00000000-0000-4000-8000-000000000001","resource":{"resourceType":"Patient","id":"p"}},
 {"fullUrl":"urn:uuid:00000000-0000-4000-8000-000000000002","resource":{"resourceType":"Observation","status":"final","subject":{"reference":"urn:uuid:00000000-0000-4000-8000-000000000001"}}},
 {"fullUrl":"urn:uuid:00000000-0000-4000-8000-000000000003","resource":{"resourceType":"Encounter","status":"finished"}}]}"#;

const PROVENANCE: &str = r#"{"resourceType":"Provenance","target":[
 {"reference":"urn:uuid:00000000-0000-4000-8000-000000000002"},
 {"reference":"urn:uuid:00000000-0000-4000-8000-000000000001"}],
 "recorded":"2026-11-20T14:32:10-03:00",
 "agent":[{"who":{"identifier":{"system":"urn:brasil:cpf","value":"11144477735"}}}]}"#;

#[test]
fn signature_matches_assinatura_avancada_under_both_policies() {
    let profile = sd("assinatura-avancada");
    for formats in [SignatureFormats::POLICY_0_1, SignatureFormats::POLICY_0_2_0] {
        let sig =
            build_signature(&formats, 1_763_659_930, &signer(), b"{\"payload\":\"x\"}").unwrap();
        // Patterns of the profile.
        for e in profile["differential"]["element"].as_array().unwrap() {
            let id = e["id"].as_str().unwrap();
            let Some(path) = id.strip_prefix("Signature.") else {
                continue;
            };
            let got = at(&sig, path);
            for (k, v) in e.as_object().unwrap().iter() {
                if k.starts_with("pattern") || k.starts_with("fixed") {
                    // sigFormat/targetFormat patterns are policy 0.1's; 0.2.0 changes them
                    // (IG-DIGEST §17.8).
                    if formats == SignatureFormats::POLICY_0_2_0
                        && (path == "sigFormat" || path == "targetFormat")
                    {
                        continue;
                    }
                    assert_eq!(got, v, "{id}");
                }
            }
            if e["max"] == "0" {
                assert!(got.is_null(), "{id} must be absent");
            }
            if e["min"].as_u64() == Some(1) {
                assert!(!got.is_null(), "{id} is required");
            }
        }
        assert_eq!(sig["sigFormat"], formats.sig_format);
        assert_eq!(sig["targetFormat"], formats.target_format);
        assert_eq!(sig["when"], "2025-11-20T17:32:10Z");
        assert_eq!(
            sig["who"].as_object().unwrap().keys().collect::<Vec<_>>(),
            ["identifier"]
        );
        assert_eq!(sig["data"], "eyJwYXlsb2FkIjoieCJ9");
        // Reads back.
        let r = read_signature(&sig, "Provenance.signature[0]", Some(&formats)).unwrap();
        assert_eq!(r.who, signer());
        assert_eq!(r.jws, b"{\"payload\":\"x\"}");
    }
    // The invariant idt-1 of who.identifier.system.
    let c = element(&profile, "Signature.who.identifier.system");
    assert!(c["constraint"][0]["expression"]
        .as_str()
        .unwrap()
        .contains("urn:brasil:cpf"));
    assert!(SignerIdentifier::new("urn:brasil:cnpj", "02529964000157").is_ok());
    assert_eq!(
        SignerIdentifier::new("urn:oid:2.16.840.1.113883.13.237", "1")
            .unwrap_err()
            .code(),
        Code::CertMissingIdentification
    );
    assert!(SignerIdentifier::new("urn:brasil:cpf", "1114447773").is_err());
}

#[test]
fn every_deviation_of_a_received_signature_is_reported() {
    let good = build_signature(
        &SignatureFormats::POLICY_0_1,
        1_763_659_930,
        &signer(),
        b"{}",
    )
    .unwrap();
    let cases: Vec<(&str, Value, Code, &str)> = vec![
        (
            "type",
            json(r#"[{"system":"urn:iso-astm:E1762-95:2013","code":"1.2.840.10065.1.12.1.1"}]"#),
            Code::FormatProfileValidationFailed,
            "S.type",
        ),
        (
            "onBehalfOf",
            json(r#"{"display":"x"}"#),
            Code::FormatProfileValidationFailed,
            "S.onBehalfOf",
        ),
        (
            "who",
            json(
                r#"{"identifier":{"system":"urn:brasil:cpf","value":"11144477735"},"display":"Dr"}"#,
            ),
            Code::FormatProfileValidationFailed,
            "S.who.display",
        ),
        (
            "who",
            json(r#"{"identifier":{"system":"urn:brasil:rg","value":"1"}}"#),
            Code::CertMissingIdentification,
            "S.who.identifier",
        ),
        (
            "sigFormat",
            json(r#""application/jose+json""#),
            Code::ValidationPolicyComplianceFailed,
            "S.sigFormat",
        ),
        (
            "data",
            json(r#""***""#),
            Code::FormatBase64Invalid,
            "S.data",
        ),
    ];
    for (member, value, code, loc) in cases {
        let mut sig = good.clone();
        sig.as_object_mut().unwrap().insert(member, value);
        let err = read_signature(&sig, "S", Some(&SignatureFormats::POLICY_0_1)).unwrap_err();
        assert_eq!(err.code(), code, "{member}");
        assert_eq!(err.findings()[0].locations(), [loc], "{member}");
        // The second pass (data already decoded by a first read) reports the same, except
        // that it does not decode `data` again.
        let again = recheck_signature(&sig, "S", Some(&SignatureFormats::POLICY_0_1));
        if member == "data" {
            assert!(again.unwrap().jws.is_empty());
        } else {
            assert_eq!(again.unwrap_err(), err, "{member}");
        }
    }
    let ok = recheck_signature(&good, "S", Some(&SignatureFormats::POLICY_0_1)).unwrap();
    let first = read_signature(&good, "S", Some(&SignatureFormats::POLICY_0_1)).unwrap();
    assert!(!first.jws.is_empty() && ok.jws.is_empty());
    assert_eq!((ok.when, ok.who), (first.when, first.who));
    let mut sig = good.clone();
    sig.as_object_mut().unwrap().remove("data");
    assert_eq!(
        read_signature(&sig, "S", None).unwrap_err().code(),
        Code::FormatSignatureMissing
    );
    assert_eq!(
        recheck_signature(&sig, "S", None).unwrap_err(),
        read_signature(&sig, "S", None).unwrap_err()
    );
}

#[test]
fn signed_set_follows_target_order_and_reports_every_resolution_failure() {
    let bundle = json(BUNDLE);
    let prov = json(PROVENANCE);
    let set = select(&bundle, &prov, "Provenance").unwrap();
    assert_eq!(
        set.iter().map(|t| t.entry_index).collect::<Vec<_>>(),
        [1, 0]
    );
    assert_eq!(set[0].resource["resourceType"], "Observation");

    let bad = json(
        r#"{"resourceType":"Provenance","target":[
        {"reference":"urn:uuid:00000000-0000-4000-8000-000000000009"},
        {"display":"sem referência"},
        {"reference":"urn:uuid:00000000-0000-4000-8000-000000000001"},
        {"reference":"urn:uuid:00000000-0000-4000-8000-000000000001"}]}"#,
    );
    let err = select(&bundle, &bad, "Provenance").unwrap_err();
    let got: Vec<(Code, &str)> = err
        .findings()
        .iter()
        .map(|f| (f.code(), f.locations()[0].as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (Code::FormatTargetReferenceMissing, "Provenance.target[0]"),
            (
                Code::FormatProvenanceTargetInvalid,
                "Provenance.target[1].reference"
            ),
            (
                Code::FormatProvenanceTargetDuplicate,
                "Provenance.target[3].reference"
            ),
        ]
    );
    let empty = json(r#"{"resourceType":"Bundle","entry":[]}"#);
    assert_eq!(
        select(&empty, &prov, "Provenance").unwrap_err().code(),
        Code::FormatBundleEmpty
    );
    let no_res = json(
        r#"{"resourceType":"Bundle","entry":[{"fullUrl":"urn:uuid:00000000-0000-4000-8000-000000000002"}]}"#,
    );
    let e = select(&no_res, &json(r#"{"resourceType":"Provenance","target":[{"reference":"urn:uuid:00000000-0000-4000-8000-000000000002"}]}"#), "Provenance").unwrap_err();
    assert_eq!(e.code(), Code::FormatBundleResourceMissing);
    assert_eq!(e.findings()[0].locations(), ["Bundle.entry[0].resource"]);
    assert_eq!(
        select(
            &bundle,
            &json(r#"{"resourceType":"Patient"}"#),
            "Provenance"
        )
        .unwrap_err()
        .code(),
        Code::FormatProvenanceInvalid
    );
}

#[test]
fn signed_provenance_conforms_to_conteudo_assinado_and_round_trips_through_a_bundle() {
    let profile = sd("conteudo-assinado");
    let sig_el = element(&profile, "Provenance.signature");
    assert_eq!(
        (sig_el["min"].as_u64(), sig_el["max"].as_str()),
        (Some(1), Some("1"))
    );

    let bundle = json(BUNDLE);
    let prov = json(PROVENANCE);
    let set = select(&bundle, &prov, "Provenance").unwrap();
    let sig = build_signature(
        &SignatureFormats::POLICY_0_1,
        1_763_659_930,
        &signer(),
        b"{}",
    )
    .unwrap();
    let signed = signed_provenance(&prov, sig.clone(), &signer(), AgentRule::AsGiven).unwrap();
    assert_eq!(signed["signature"].as_array().unwrap().len(), 1);
    assert_eq!(signed["signature"][0], sig);
    // Everything else unchanged and in order.
    let mut without = signed.clone();
    without.as_object_mut().unwrap().remove("signature");
    assert_eq!(without, prov);
    // Signing twice is refused, nothing is overwritten.
    assert_eq!(
        signed_provenance(&signed, sig.clone(), &signer(), AgentRule::AsGiven)
            .unwrap_err()
            .code(),
        Code::FormatProvenanceInvalid
    );

    let tb = transfer_bundle(&bundle, &set, signed.clone());
    let entries = tb["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["resource"]["resourceType"], "Observation");
    assert_eq!(entries[1]["resource"]["resourceType"], "Patient");
    assert_eq!(entries[2]["resource"], signed);
    let url = entries[2]["fullUrl"].as_str().unwrap();
    let uuid = url.strip_prefix("urn:uuid:").unwrap();
    assert_eq!(uuid.len(), 36);
    assert_eq!(uuid, uuid.to_lowercase());
    assert_eq!(
        (tb["type"].as_str(), tb["id"].as_str()),
        (Some("collection"), Some("b1"))
    );

    // Reading side (need N2): the received Bundle yields the Provenance, its signature and
    // its signed set.
    let received = parse_strict(tb.to_json().as_bytes(), &Limits::default()).unwrap();
    let found = signed_provenances(&received).into_result().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].location(), "Bundle.entry[2].resource");
    assert_eq!(found[0].signature, &sig);
    let targets = found[0].select().unwrap();
    assert_eq!(targets[0].resource, set[0].resource);
    assert_eq!(targets[1].resource, set[1].resource);

    assert_eq!(
        signed_provenances(&bundle)
            .into_result()
            .unwrap_err()
            .code(),
        Code::FormatSignatureMissing
    );
}

#[test]
fn policy_020_requires_an_agent_with_the_signer_identifier() {
    let prov = json(
        r#"{"resourceType":"Provenance","target":[{"reference":"urn:uuid:00000000-0000-4000-8000-000000000001"}]}"#,
    );
    let sig = build_signature(
        &SignatureFormats::POLICY_0_2_0,
        1_763_659_930,
        &signer(),
        b"{}",
    )
    .unwrap();
    assert!(
        sesgo_provenance::provenance::check_signer_agent(&prov, &signer(), "Provenance").is_some()
    );
    let signed = signed_provenance(&prov, sig.clone(), &signer(), AgentRule::EnsureSigner).unwrap();
    assert_eq!(
        signed["agent"][0]["who"]["identifier"],
        signer().to_identifier()
    );
    assert_eq!(signed["agent"][0]["type"]["coding"][0]["code"], "attester");
    let keys: Vec<&str> = signed.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["resourceType", "target", "agent", "signature"]);
    assert!(
        sesgo_provenance::provenance::check_signer_agent(&signed, &signer(), "Provenance")
            .is_none()
    );
    // An existing matching agent is not duplicated.
    let again =
        signed_provenance(&json(PROVENANCE), sig, &signer(), AgentRule::EnsureSigner).unwrap();
    assert_eq!(again["agent"].as_array().unwrap().len(), 1);
}

#[test]
fn attachments_follow_anexo_assinado() {
    let profile = sd("anexo-assinado");
    let ext = sd("hash-sha256");
    assert_eq!(
        element(&ext, "Extension.url")["fixedUri"],
        attachment::HASH_SHA256_URL
    );
    let required: Vec<&str> = [
        "Attachment.contentType",
        "Attachment.size",
        "Attachment.hash",
    ]
    .into_iter()
    .filter(|id| element(&profile, id)["min"].as_u64() == Some(1))
    .collect();
    assert_eq!(required.len(), 3);

    // "laudo" Base64 = bGF1ZG8=; expected hashes computed independently with Python hashlib.
    let mut att = json(r#"{"contentType":"text/plain","data":"bGF1ZG8="}"#);
    let loc = "DocumentReference.content[0].attachment";
    attachment::fill(att.as_object_mut().unwrap(), None, loc).unwrap();
    assert_eq!(att["size"].as_u64(), Some(5));
    assert_eq!(att["hash"], "rb4OJF2jlaTUZooaMBab6v+UYrQ=");
    assert_eq!(
        att["extension"][0]["valueBase64Binary"],
        "MIpHjZSwVsvehN4KwhkTun5vv9vFSmeveaB4TJbuxMw="
    );
    assert!(attachment::check(&att, None, loc).is_empty());

    for (member, value, at) in [
        ("size", json("6"), format!("{loc}.size")),
        ("hash", json(r#""AAAA""#), format!("{loc}.hash")),
        ("data", json(r#""bGF1ZG9z""#), format!("{loc}.size")),
    ] {
        let mut t = att.clone();
        t.as_object_mut().unwrap().insert(member, value);
        let f = attachment::check(&t, None, loc);
        assert_eq!(f[0].code(), Code::CryptoHashVerificationFailed, "{member}");
        assert_eq!(f[0].locations(), [at], "{member}");
    }
    let mut t = att.clone();
    t.as_object_mut().unwrap().insert("extension", json("[]"));
    assert_eq!(
        attachment::check(&t, None, loc)[0].code(),
        Code::FormatExtensionMissing
    );

    // A url attachment needs the external bytes.
    let mut u = json(r#"{"contentType":"application/pdf","url":"https://example.org/laudo.pdf"}"#);
    assert_eq!(
        attachment::fill(u.as_object_mut().unwrap(), None, loc)
            .unwrap_err()
            .code(),
        Code::ConfigMissingParameter
    );
    attachment::fill(u.as_object_mut().unwrap(), Some(b"%PDF-1.7"), loc).unwrap();
    assert!(attachment::check(&u, Some(b"%PDF-1.7"), loc).is_empty());
    let f = attachment::check(&u, Some(b"%PDF-1.8"), loc);
    assert_eq!(f.len(), 2, "{f:?}");
    assert!(f
        .iter()
        .all(|f| f.code() == Code::CryptoHashVerificationFailed));
}

#[test]
fn checked_selection_runs_the_reference_rules_first() {
    let bundle = json(BUNDLE);
    let prov = json(PROVENANCE);
    let opts = sesgo_refs::CheckOptions::default();
    let (set, warnings) =
        sesgo_provenance::signed_set::checked_select(&bundle, &prov, &opts).unwrap();
    assert_eq!(set.len(), 2);
    assert!(warnings.is_empty(), "{warnings:?}");
    // A relative reference inside a signed instance is refused before selection, with
    // every finding located (criar 1.4-1.9; seed "Referências").
    let bad = json(&BUNDLE.replace(
        r#""subject":{"reference":"urn:uuid:00000000-0000-4000-8000-000000000001"}"#,
        r#""subject":{"reference":"Patient/p"},"performer":[{"reference":"urn:uuid:00000000-0000-4000-8000-000000000003"}]"#,
    ));
    let err = sesgo_provenance::signed_set::checked_select(&bad, &prov, &opts).unwrap_err();
    let got: Vec<(Code, String)> = err
        .findings()
        .iter()
        .map(|f| (f.code(), f.locations()[0].clone()))
        .collect();
    assert!(
        got.contains(&(
            Code::FormatReferenceInvalid,
            "Bundle.entry[1].resource.subject.reference".into()
        )),
        "{got:?}"
    );
    // N1: the Encounter is in the Bundle but not signed.
    assert!(
        got.iter().any(|(c, l)| *c == Code::FormatReferenceInvalid
            && l.starts_with("Bundle.entry[1].resource.performer[0]")),
        "{got:?}"
    );
}
