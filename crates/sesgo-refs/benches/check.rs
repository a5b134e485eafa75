//! `check` on a generated Bundle of 10 000 entries with deep nesting and choice-type
//! references (linear time: compare 1 000 / 5 000 / 10 000).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use sesgo_core::Value;
use sesgo_refs::{check, CheckOptions};

fn urn(i: usize) -> String {
    format!("urn:uuid:00000000-0000-4000-8000-{i:012x}")
}

fn bundle(n: usize) -> Value {
    let entries: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let prev = urn(i.saturating_sub(1));
            serde_json::json!({"fullUrl": urn(i), "resource": {
                "resourceType": "QuestionnaireResponse", "status": "completed",
                "subject": {"reference": prev},
                "item": [{"linkId": "1", "item": [{"linkId": "2", "item": [{"linkId": "3",
                    "answer": [{"valueReference": {"reference": prev},
                        "item": [{"linkId": "4", "answer": [{"valueString": "x",
                            "extension": [{"url": "u", "extension": [{"url": "v", "valueReference": {"reference": prev}}]}]}]}]}]}]}]}],
                "extension": [{"url": "e", "valueReference": {"identifier": {"value": "x", "assigner": {"display": "a"}}}}]
            }})
        })
        .collect();
    Value::from_serde(
        &serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": entries}),
    )
}

fn bench(c: &mut Criterion) {
    let opts = CheckOptions::default()
        .with_max_entries(10_000, 10_000)
        .expect("in range");
    let mut g = c.benchmark_group("check");
    g.sample_size(10);
    for n in [1_000, 5_000, 10_000] {
        let b = bundle(n);
        let r = check(&b, None, &opts);
        assert!(r.findings.is_empty(), "{:?}", r.findings.first());
        assert_eq!(r.references.len(), n * 5);
        g.bench_with_input(BenchmarkId::from_parameter(n), &b, |bch, b| {
            bch.iter(|| check(b, None, &opts))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
