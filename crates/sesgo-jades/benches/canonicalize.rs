//! Canonicalization throughput on a generated ~1 MB FHIR-like Bundle, compared with
//! `serde_json` parse + serialize of the same bytes; and signing a 1 MB Bundle compared
//! with its parts (parse + canonicalize + SHA-256 + one RSA-2048 signature).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sesgo_core::json::{parse_strict, Limits, Value};
use sesgo_jades::{
    canonicalize_value_into, prepare, sign_with, Canonicalization, ContentDigest, HeaderParams,
    Policy, Strategy,
};
use sha2::{Digest, Sha256};
use std::hint::black_box;

fn bundle(target_bytes: usize) -> (String, Vec<String>) {
    let mut s = String::from(r#"{"resourceType":"Bundle","type":"document","entry":["#);
    let mut refs = Vec::new();
    let mut i = 0u64;
    while s.len() < target_bytes {
        if i > 0 {
            s.push(',');
        }
        let full = format!("urn:uuid:{:08x}-0000-4000-8000-{:012x}", i, i * 7919);
        refs.push(full.clone());
        s.push_str(&format!(
            r#"{{"fullUrl":"{full}","resource":{{"resourceType":"Observation","id":"obs-{i}","meta":{{"versionId":"1","lastUpdated":"2025-07-02T10:00:00Z","profile":["http://fhir.saude.go.gov.br/r4/StructureDefinition/obs"]}},"status":"final","code":{{"coding":[{{"system":"http://loinc.org","code":"8310-5","display":"Body temperature — São Paulo"}}],"text":"Temperatura"}},"subject":{{"reference":"urn:uuid:00000000-0000-4000-8000-000000000000"}},"effectiveDateTime":"2025-07-02T10:{:02}:00-03:00","valueQuantity":{{"value":{}.{:02},"unit":"Cel","system":"http://unitsofmeasure.org","code":"Cel"}},"interpretation":[{{"coding":[{{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation","code":"N"}}]}}],"note":[{{"text":"linha 1\nlinha \"2\" ✓ {i}"}}],"referenceRange":[{{"low":{{"value":36.1}},"high":{{"value":37.2e0}}}}]}}}}"#,
            i % 60,
            35 + i % 5,
            i % 100
        ));
        i += 1;
    }
    s.push_str("]}");
    (s, refs)
}

fn canon(c: &mut Criterion) {
    let (text, _) = bundle(1 << 20);
    let bytes = text.as_bytes();
    let value = parse_strict(bytes, &Limits::default()).unwrap();
    let mut g = c.benchmark_group("canonicalize_1MB_bundle");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    let mut out = Vec::with_capacity(bytes.len());
    for (name, scheme) in [
        ("jcs", Canonicalization::Jcs),
        ("lossless", Canonicalization::FhirJsonLossless),
    ] {
        g.bench_function(BenchmarkId::new("sesgo_canonicalize_parsed", name), |b| {
            b.iter(|| {
                out.clear();
                canonicalize_value_into(scheme, black_box(&value), &mut out).unwrap();
                black_box(out.len())
            })
        });
        g.bench_function(
            BenchmarkId::new("sesgo_parse_strict+canonicalize", name),
            |b| {
                b.iter(|| {
                    let v = parse_strict(black_box(bytes), &Limits::default()).unwrap();
                    out.clear();
                    canonicalize_value_into(scheme, &v, &mut out).unwrap();
                    black_box(out.len())
                })
            },
        );
    }
    g.bench_function("serde_json_parse+serialize", |b| {
        b.iter(|| {
            let v: serde_json::Value = serde_json::from_slice(black_box(bytes)).unwrap();
            black_box(serde_json::to_vec(&v).unwrap().len())
        })
    });
    g.finish();
}

fn sign(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("sesgo-jades-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let st = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=bench",
            "-days",
            "2",
            "-outform",
            "DER",
            "-keyout",
        ])
        .arg(dir.join("k.pem"))
        .arg("-out")
        .arg(dir.join("c.der"))
        .output()
        .expect("openssl CLI required");
    assert!(st.status.success());
    let key = sesgo_cert::crypto::PrivateKey::from_pkcs8_pem(
        &std::fs::read_to_string(dir.join("k.pem")).unwrap(),
    )
    .unwrap();
    let cert = std::fs::read(dir.join("c.der")).unwrap();

    let (text, _) = bundle(1 << 20);
    let bytes = text.as_bytes();
    let mut g = c.benchmark_group("sign_1MB_bundle");
    g.sample_size(20);
    g.bench_function("baseline_parse+jcs+sha256+rsa", |b| {
        b.iter(|| {
            let v = parse_strict(black_box(bytes), &Limits::default()).unwrap();
            let mut out = Vec::new();
            canonicalize_value_into(Canonicalization::Jcs, &v, &mut out).unwrap();
            let h = Sha256::digest(&out);
            let s = key.sign_rs256(&h).unwrap();
            black_box(s.len())
        })
    });
    g.bench_function("sesgo_parse+digest+prepare+sign_with", |b| {
        b.iter(|| {
            let v = parse_strict(black_box(bytes), &Limits::default()).unwrap();
            let es = v["entry"].as_array().unwrap();
            let targets: Vec<(&str, &Value)> = es
                .iter()
                .map(|e| (e["fullUrl"].as_str().unwrap(), &e["resource"]))
                .collect();
            let d = Policy::Ig012.content_digest(&targets).unwrap();
            let p = prepare(
                Policy::Ig012,
                &HeaderParams {
                    x5c_der: vec![cert.clone()],
                    iat: Some(1_760_000_000),
                    strategy: Strategy::Iat,
                },
                &d,
            )
            .unwrap();
            black_box(sign_with(p, &key).unwrap().to_json().unwrap().len())
        })
    });
    g.finish();
}

criterion_group!(benches, canon, sign);
criterion_main!(benches);
