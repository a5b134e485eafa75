//! Load benchmark of `sesgo serve` (issue 27): the server in this process on 127.0.0.1,
//! N client threads (ureq, keep-alive) for S seconds, signing and verifying mixed (one
//! `POST /Bundle/$sign` for three `POST /Bundle/$verify` of a signed transfer Bundle),
//! `strict` revocation from the test PKI's evidence. Prints one JSON object: requests/s,
//! p50/p99 latencies, errors, and resident memory after warm-up and at the end. Exits 1
//! when any request failed or memory grew (docs/adr/0024: targets live in benchmarks).
//!
//! ```text
//! sesgo-bench-serve [--clients 50] [--secs 20]
//! ```

use sesgo::{Settings, Signer, TrustStoreOptions};
use sesgo_cert::testpki::{RevocationPki, TestPki};
use sesgo_server::{Backend, LogFormat, Server, ServerConfig};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Growth of the resident set between the end of warm-up and the end of the run that
/// counts as "memory growth": the larger of 16 MiB and 10 % of the warm figure.
const GROWTH_TOLERANCE_BYTES: u64 = 16 << 20;

fn rss_bytes() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
        * 1024
}

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.windows(2)
        .find(|w| w[0] == name)
        .and_then(|w| w[1].parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

fn examples(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../examples/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("example file")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let clients = arg(&args, "--clients", 50) as usize;
    let secs = arg(&args, "--secs", 20);

    let pki = TestPki::shared();
    let trust = TrustStoreOptions {
        root_sha256: vec![pki.root_sha256.clone()],
        ca_certs_pem: Some(std::fs::read_to_string(&pki.chain_pem).expect("chain")),
        ..Default::default()
    }
    .build()
    .expect("trust store");
    let mut backend = Backend::new(trust);
    backend.settings = Settings {
        network: false,
        ..Settings::default()
    };
    backend.revocation_evidence = vec![RevocationPki::shared()
        .ecpf_evidence()
        .display()
        .to_string()];
    backend.signer = Some(
        Signer::from_pkcs12(
            &std::fs::read(&pki.p12_aes).expect("p12"),
            &pki.password,
            None,
        )
        .expect("signer"),
    );
    let mut config = ServerConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        log: LogFormat::Off,
        ..ServerConfig::default()
    };
    config.limits.max_in_flight = (clients as u32).max(1) * 2;
    let server = Server::bind(config, backend)
        .expect("bind")
        .without_signal_handlers();
    let addr = server.local_addr();
    let stop = server.shutdown_handle();
    let stats = server.stats();
    let workers = server.summary()["limits"]["workers"].clone();
    let running = std::thread::spawn(move || server.run());

    let params = format!(
        r#"{{"resourceType":"Parameters","parameter":[{{"name":"bundle","resource":{}}},{{"name":"provenance","resource":{}}}]}}"#,
        examples("bundle.json"),
        examples("provenance.json")
    );
    let sign_url = format!("http://{addr}/Bundle/$sign");
    let verify_url = format!("http://{addr}/Bundle/$verify");
    let transfer = ureq::post(&sign_url)
        .set("Content-Type", "application/fhir+json")
        .send_string(&params)
        .expect("first signature")
        .into_string()
        .expect("transfer Bundle");

    let warmup = Duration::from_secs((secs / 4).max(1));
    let started = Instant::now();
    let end = started + Duration::from_secs(secs);
    let measuring = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let (sign_url, verify_url, params, transfer, measuring) = (
                sign_url.clone(),
                verify_url.clone(),
                params.clone(),
                transfer.clone(),
                measuring.clone(),
            );
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new()
                    .timeout(Duration::from_secs(120))
                    .build();
                let (mut sign, mut verify, mut errors) = (Vec::new(), Vec::new(), 0u64);
                let mut n = i;
                while Instant::now() < end {
                    let signing = n % 4 == 0;
                    n += 1;
                    let t = Instant::now();
                    let r = if signing {
                        agent
                            .post(&sign_url)
                            .set("Content-Type", "application/fhir+json")
                            .send_string(&params)
                    } else {
                        agent
                            .post(&verify_url)
                            .set("Content-Type", "application/fhir+json")
                            .send_string(&transfer)
                    };
                    let ok = match r {
                        Ok(r) => {
                            let body = r.into_string().unwrap_or_default();
                            signing || body.contains("VALIDATION.SUCCESS")
                        }
                        Err(_) => false,
                    };
                    let micros = t.elapsed().as_micros() as u64;
                    if !measuring.load(Ordering::Relaxed) {
                        continue;
                    }
                    if !ok {
                        errors += 1;
                    } else if signing {
                        sign.push(micros);
                    } else {
                        verify.push(micros);
                    }
                }
                (sign, verify, errors)
            })
        })
        .collect();
    std::thread::sleep(warmup);
    measuring.store(true, Ordering::Relaxed);
    let measure_start = Instant::now();
    let rss_warm = rss_bytes();
    let mut rss_max = rss_warm;
    while Instant::now() < end {
        std::thread::sleep(Duration::from_millis(250));
        rss_max = rss_max.max(rss_bytes());
    }
    let (mut sign, mut verify, mut errors) = (Vec::new(), Vec::new(), 0u64);
    for t in threads {
        let (s, v, e) = t.join().expect("client thread");
        sign.extend(s);
        verify.extend(v);
        errors += e;
    }
    let measured = measure_start.elapsed().as_secs_f64();
    let rss_end = rss_bytes();
    stop.shutdown();
    running.join().expect("server thread").expect("server");

    let mut all: Vec<u64> = sign.iter().chain(verify.iter()).copied().collect();
    all.sort_unstable();
    sign.sort_unstable();
    verify.sort_unstable();
    let tolerance = GROWTH_TOLERANCE_BYTES.max(rss_warm / 10);
    let growth = rss_end.saturating_sub(rss_warm);
    let grew = growth > tolerance;
    println!(
        "{}",
        serde_json::json!({
            "clients": clients,
            "seconds": secs,
            "measuredSeconds": measured,
            "workers": workers,
            "requests": all.len(),
            "sign": sign.len(),
            "verify": verify.len(),
            "errors": errors,
            "requestsPerSecond": all.len() as f64 / measured,
            "p50Ms": percentile(&all, 0.50),
            "p99Ms": percentile(&all, 0.99),
            "signP50Ms": percentile(&sign, 0.50),
            "signP99Ms": percentile(&sign, 0.99),
            "verifyP50Ms": percentile(&verify, 0.50),
            "verifyP99Ms": percentile(&verify, 0.99),
            "rssWarmBytes": rss_warm,
            "rssMaxBytes": rss_max,
            "rssEndBytes": rss_end,
            "rssGrowthBytes": growth,
            "memoryGrew": grew,
            "serverAnswered": stats.answered(),
        })
    );
    if errors > 0 || grew || all.is_empty() {
        eprintln!("sesgo-bench-serve: errors {errors}, memory growth {growth} bytes (tolerance {tolerance})");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
