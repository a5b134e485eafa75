//! criterion benches per stage, end to end, and the floor (issue 11; docs/adr/0024).
//!
//! Sizes come from `SESGO_BENCH_SIZES` (comma-separated labels, default `1KB,100KB,1MB`;
//! `cargo xtask bench` adds `10MB,50MB`). Run without `--bench` (e.g. `cargo test
//! --benches`), criterion runs every bench once on the 1 KB input: the `--quick` check.
//!
//! Benchmark ids are `<size>/<stage>` (and `rsa2048/<op>`); `cargo xtask bench` reads them
//! back from criterion's `estimates.json` to compute the ratios in BENCHMARKS.md.
#![allow(
    missing_docs,
    reason = "criterion_main! generates an undocumented main"
)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};
use sesgo::ReferenceCheckOptions;
use sesgo_bench::data;
use sesgo_bench::fixture::{
    floor_parse, floor_sha256, parse, signed_targets, Fixture, OpensslChain, OpensslRsa, P012, P020,
};
use sesgo_jades::{ContentDigest, Policy};
use std::hint::black_box;
use std::time::Duration;

fn sizes() -> Vec<String> {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    if !bench_mode {
        return vec!["1KB".into()];
    }
    std::env::var("SESGO_BENCH_SIZES")
        .unwrap_or_else(|_| "1KB,100KB,1MB".into())
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

fn pipeline(c: &mut Criterion) {
    let fx = Fixture::new();
    let rsa = OpensslRsa::new(fx.pki);
    let sopts012 = fx.sign_options(P012);
    let sopts020 = fx.sign_options(P020);
    let vopts = fx.verify_options();

    // The RSA floor: one RS256 sign and verify of a JWS signing input of realistic size
    // (a policy-0.1 header with a three-certificate x5c and a 43-character payload).
    {
        let (b, p) = data::for_label("1KB").expect("size");
        let signed = fx.sign(b.as_bytes(), p.as_bytes(), &sopts012);
        let data = signed.signature["data"].as_str().expect("Signature.data");
        let jws_json = base64_decode(data);
        let jws: serde_json::Value = serde_json::from_slice(&jws_json).expect("JWS JSON");
        let input = format!(
            "{}.{}",
            jws["signatures"][0]["protected"]
                .as_str()
                .expect("protected"),
            jws["payload"].as_str().expect("payload")
        );
        let sig = rsa.sign(input.as_bytes());
        assert!(rsa.verify(input.as_bytes(), &sig));
        let mut g = c.benchmark_group("rsa2048");
        g.bench_function("openssl_sign", |bch| {
            bch.iter(|| black_box(rsa.sign(black_box(input.as_bytes()))))
        });
        g.bench_function("openssl_verify", |bch| {
            bch.iter(|| black_box(rsa.verify(black_box(input.as_bytes()), &sig)))
        });
        // The extra work of a cold trust store: the chain's three issuer signatures.
        let chain = OpensslChain::new(fx.pki);
        assert!(chain.verify());
        g.bench_function("openssl_chain_signatures", |bch| {
            bch.iter(|| black_box(chain.verify()))
        });
        // The same with certificates and keys new to OpenSSL on every call, as a cold
        // trust store meets them.
        assert!(chain.verify_cold());
        g.bench_function("openssl_chain_cold", |bch| {
            bch.iter(|| black_box(chain.verify_cold()))
        });
        g.finish();
    }

    for label in sizes() {
        let (bundle, prov) = data::for_label(&label).expect("size label");
        let (bundle, prov) = (bundle.into_bytes(), prov.into_bytes());
        let big = bundle.len() > 5_000_000;
        let signed = fx.sign(&bundle, &prov, &sopts012);
        let transfer = signed.bundle.into_bytes();
        // Warm the shared store's chain cache once, as a running service would have it.
        fx.verify(&transfer, &fx.trust, &vopts);
        let canonical = sesgo::canonicalize(&bundle, Some(P012)).expect("canonical");
        let parsed_bundle = parse(&bundle);
        let parsed_prov = parse(&prov);
        let targets = signed_targets(&parsed_bundle, &parsed_prov);

        let mut g = c.benchmark_group(&label);
        g.throughput(Throughput::Bytes(bundle.len() as u64));
        if big {
            // One call per sample (criterion's linear sampling would run 55 calls).
            g.sample_size(10)
                .sampling_mode(SamplingMode::Flat)
                .warm_up_time(Duration::from_secs(1))
                .measurement_time(Duration::from_secs(10));
        }

        // Floor parts over the same bytes.
        g.bench_function("floor_serde_parse", |b| {
            b.iter(|| black_box(floor_parse(black_box(&bundle))))
        });
        g.bench_function("floor_sha256_canonical", |b| {
            b.iter(|| black_box(floor_sha256(black_box(&canonical))))
        });

        if !big {
            g.bench_function("refs_check", |b| {
                let o = ReferenceCheckOptions::default();
                b.iter(|| {
                    let oo =
                        sesgo::check_references(black_box(&bundle), Some(&prov), &o).expect("refs");
                    assert!(oo.is_success());
                    black_box(oo)
                })
            });
            for (name, p) in [("canonicalize_0.1.2", P012), ("canonicalize_0.2.0", P020)] {
                g.bench_function(name, |b| {
                    b.iter(|| black_box(sesgo::canonicalize(black_box(&bundle), Some(p)).unwrap()))
                });
            }
            for (name, p) in [
                ("digest_0.1.2", Policy::Ig012),
                ("digest_0.2.0", Policy::Politica020),
            ] {
                g.bench_function(name, |b| {
                    b.iter(|| black_box(p.content_digest(black_box(&targets)).unwrap()))
                });
            }
            g.bench_function("verify_fresh_store", |b| {
                b.iter_batched(
                    || fx.fresh_trust(),
                    |t| black_box(fx.verify(black_box(&transfer), &t, &vopts)),
                    BatchSize::SmallInput,
                )
            });
        }
        // Both policies at every size (the 1 MB–50 MB target covers both).
        g.bench_function("sign_0.2.0", |b| {
            b.iter(|| black_box(fx.sign(black_box(&bundle), &prov, &sopts020)))
        });
        g.bench_function("sign_0.1.2", |b| {
            b.iter(|| black_box(fx.sign(black_box(&bundle), &prov, &sopts012)))
        });
        g.bench_function("verify_cached", |b| {
            b.iter(|| black_box(fx.verify(black_box(&transfer), &fx.trust, &vopts)))
        });
        g.bench_function("sign_verify_e2e", |b| {
            b.iter(|| {
                let s = fx.sign(black_box(&bundle), &prov, &sopts012);
                let t = s.bundle;
                black_box(fx.verify(t.as_bytes(), &fx.trust, &vopts))
            })
        });
        g.finish();
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64ct::{Base64, Encoding};
    Base64::decode_vec(s).expect("Signature.data is standard Base64")
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args()
}

criterion_group! {
    name = benches;
    config = config();
    targets = pipeline
}
criterion_main!(benches);
