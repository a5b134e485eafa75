//! `cargo xtask bench [--quick]` (issue 11; docs/adr/0024): criterion benches per stage
//! and the floor (`crates/sesgo-bench/benches/pipeline.rs`), peak RSS of sign and verify
//! (`sesgo-bench-rss`), the pure-Python pipeline against the wheel
//! (`crates/sesgo-bench/python/pipeline_bench.py`), then `BENCHMARKS.md` with the ratios
//! measured in that one run. `--quick` runs every harness once on tiny inputs (CI) and
//! writes nothing at the repository root.

use crate::ctest::target_dir;
use crate::{cargo, python, python_env, root, run, step, testpki, Result};
use serde_json::Value;
use sesgo_bench::data;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Sizes the criterion benches cover in the full run (10 MB and 50 MB: few samples).
const FULL_SIZES: &str = "1KB,100KB,1MB,10MB,50MB";
/// Sizes the Python harness covers in the full run (the pure pipeline is slow).
const PY_SIZES: &str = "1KB,100KB,1MB";
/// The size whose peak RSS is reported (the guide's maximum Bundle).
const RSS_SIZE: &str = "50MB";

pub fn bench(quick: bool) -> Result {
    let data_dir = target_dir().join("bench-data");
    let sizes: Vec<&str> = if quick {
        vec!["1KB"]
    } else {
        data::SIZES.to_vec()
    };
    step("benchmark inputs", || write_inputs(&data_dir, &sizes))?;
    let manifest = testpki::ensure()?;
    let criterion_home = target_dir().join("bench-criterion");

    let rss_size = if quick { "1KB" } else { RSS_SIZE };
    eprintln!("\n==> peak RSS of sign and verify");
    let rss = rss_runs(&data_dir, rss_size, quick).map_err(|e| format!("peak RSS: {e}"))?;
    let rss_path = target_dir().join("bench-rss.json");
    std::fs::write(&rss_path, Value::Array(rss).to_string())
        .map_err(|e| format!("{}: {e}", rss_path.display()))?;

    eprintln!("\n==> sesgo serve under load (sesgo-bench-serve)");
    let load = serve_load(quick).map_err(|e| format!("sesgo serve load: {e}"))?;
    let load_path = target_dir().join("bench-serve.json");
    std::fs::write(&load_path, load.to_string())
        .map_err(|e| format!("{}: {e}", load_path.display()))?;

    let py_out = target_dir().join("bench-python.json");
    let _ = std::fs::remove_file(&py_out);
    step("pure Python vs the sesgo wheel", || {
        python_harness(
            &manifest,
            &data_dir,
            if quick { "1KB" } else { PY_SIZES },
            &py_out,
            quick,
        )
    })?;

    let jvm_out = target_dir().join("bench-jvm.json");
    let _ = std::fs::remove_file(&jvm_out);
    step("sesgo jar vs plain Java (warm JVM)", || {
        jvm_harness(
            &manifest,
            &data_dir,
            if quick { "1KB" } else { PY_SIZES },
            &jvm_out,
            quick,
        )
    })?;

    step("criterion benches (stages, end to end, floor)", || {
        let mut c = cargo();
        if quick {
            // Without `--bench`, criterion runs each bench once (1 KB input).
            c.args(["test", "-p", "sesgo-bench", "--bench", "pipeline"]);
        } else {
            let _ = std::fs::remove_dir_all(&criterion_home);
            c.args(["bench", "-p", "sesgo-bench", "--bench", "pipeline"]);
            c.env("SESGO_BENCH_SIZES", FULL_SIZES);
        }
        c.env("CRITERION_HOME", &criterion_home);
        run(c)
    })?;

    if quick {
        eprintln!("xtask: bench --quick: every harness ran; BENCHMARKS.md left untouched");
        return Ok(());
    }
    step("archive verification on Spark", crate::spark::bench_spark)?;
    step("BENCHMARKS.md", write_report)
}

/// `cargo xtask bench --report`: BENCHMARKS.md from the results the last full run left
/// under `target/` (criterion estimates, `bench-rss.json`, `bench-python.json`).
pub fn write_report() -> Result {
    let py = read_json(&target_dir().join("bench-python.json"))?;
    let rss = read_json(&target_dir().join("bench-rss.json"))?;
    let rss = rss.as_array().cloned().unwrap_or_default();
    let crit = read_criterion(&target_dir().join("bench-criterion"))?;
    let mut md = report(&crit, &rss, &py)?;
    if let Ok(load) = read_json(&target_dir().join("bench-serve.json")) {
        let section = serve_section(&load);
        match md.find(NOTES_MARKER) {
            Some(i) => md.insert_str(i, &section),
            None => md.push_str(&section),
        }
    }
    if let Ok(v) = read_json(&target_dir().join("bench-jvm.json")) {
        md = splice_section(&md, JVM_SECTION, &jvm_section(&v));
    }
    if let Ok(v) = read_json(&target_dir().join("bench-spark.json")) {
        md = splice_section(&md, crate::spark::SECTION, &crate::spark::section(&v));
    }
    let path = root().join("BENCHMARKS.md");
    std::fs::write(&path, md).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("xtask: wrote {}", path.display());
    Ok(())
}

/// `md` with the section starting at `heading` (up to the next `## ` heading) replaced
/// by `section`, or `section` inserted before the hand-written analysis when absent.
pub(crate) fn splice_section(md: &str, heading: &str, section: &str) -> String {
    let mut out = md.to_owned();
    if let Some(start) = out.find(heading) {
        let rest = start + heading.len();
        let end = out
            .get(rest..)
            .and_then(|r| r.find("\n## "))
            .map_or(out.len(), |i| rest + i + 1);
        out.replace_range(start..end, section);
    } else {
        match out.find(NOTES_MARKER) {
            Some(i) => out.insert_str(i, section),
            None => out.push_str(section),
        }
    }
    out
}

fn write_inputs(dir: &Path, sizes: &[&str]) -> Result {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for s in sizes {
        let (b, p) = data::for_label(s)?;
        let write = |name: String, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
        };
        write(format!("bundle-{s}.json"), &b)?;
        write(format!("provenance-{s}.json"), &p)?;
    }
    Ok(())
}

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Runs `sesgo-bench-rss sign` then `verify` in separate processes.
fn rss_runs(data_dir: &Path, size: &str, quick: bool) -> Result<Vec<Value>> {
    let mut c = cargo();
    c.args(["build", "-p", "sesgo-bench", "--bin", "sesgo-bench-rss"]);
    if !quick {
        c.arg("--release");
    }
    run(c)?;
    let exe = target_dir()
        .join(if quick { "debug" } else { "release" })
        .join("sesgo-bench-rss");
    let signed = data_dir.join(format!("signed-{size}.json"));
    let trust = data_dir.join(format!("trust-{size}.json"));
    let mut out = Vec::new();
    let mut sign = Command::new(&exe);
    sign.arg("sign")
        .arg(data_dir.join(format!("bundle-{size}.json")))
        .arg(data_dir.join(format!("provenance-{size}.json")))
        .arg(&signed)
        .arg(&trust);
    out.push(run_json(sign)?);
    let mut verify = Command::new(&exe);
    verify.arg("verify").arg(&signed).arg(&trust);
    out.push(run_json(verify)?);
    Ok(out)
}

/// `sesgo-bench-serve`: 50 clients for 20 s (quick: 4 clients for 2 s, debug build).
/// Fails when any request failed or memory grew.
fn serve_load(quick: bool) -> Result<Value> {
    let mut c = cargo();
    c.args(["build", "-p", "sesgo-bench", "--bin", "sesgo-bench-serve"]);
    if !quick {
        c.arg("--release");
    }
    run(c)?;
    let exe = target_dir()
        .join(if quick { "debug" } else { "release" })
        .join("sesgo-bench-serve");
    let mut load = Command::new(exe);
    if quick {
        load.args(["--clients", "4", "--secs", "2"]);
    } else {
        load.args(["--clients", "50", "--secs", "20"]);
    }
    run_json(load)
}

/// The BENCHMARKS.md section of `sesgo-bench-serve`'s result.
pub(crate) fn serve_section(v: &Value) -> String {
    let f = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    let mb = |k: &str| f(k) / 1e6;
    format!(
        "## `sesgo serve` under load\n\n`sesgo-bench-serve` (release): the server in process on 127.0.0.1, \
         {clients} client threads (ureq, keep-alive) for {secs} s, one `POST /Bundle/$sign` for three \
         `POST /Bundle/$verify` of the example transfer Bundle, `strict` revocation from evidence files, \
         {workers} workers; the first quarter is warm-up. Clients and server share the machine's cores.\n\n\
         | requests | sign / verify | errors | requests/s | p50 | p99 | sign p50 / p99 | verify p50 / p99 | RSS warm → end (max) |\n\
         |---|---|---|---|---|---|---|---|---|\n\
         | {req} | {sign} / {verify} | {errors} | {rps:.0} | {p50:.1} ms | {p99:.1} ms | {sp50:.1} / {sp99:.1} ms | {vp50:.1} / {vp99:.1} ms | {w:.1} → {e:.1} MB ({m:.1} MB){grew} |\n\n",
        clients = v["clients"],
        secs = v["seconds"],
        workers = v["workers"],
        req = v["requests"],
        sign = v["sign"],
        verify = v["verify"],
        errors = v["errors"],
        rps = f("requestsPerSecond"),
        p50 = f("p50Ms"),
        p99 = f("p99Ms"),
        sp50 = f("signP50Ms"),
        sp99 = f("signP99Ms"),
        vp50 = f("verifyP50Ms"),
        vp99 = f("verifyP99Ms"),
        w = mb("rssWarmBytes"),
        e = mb("rssEndBytes"),
        m = mb("rssMaxBytes"),
        grew = if v["memoryGrew"] == Value::Bool(true) { " **grew**" } else { "" },
    )
}

fn run_json(mut cmd: Command) -> Result<Value> {
    eprintln!("xtask: running {cmd:?}");
    let o = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    eprint!("{}", String::from_utf8_lossy(&o.stderr));
    if !o.status.success() {
        return Err(format!("{cmd:?} failed with {}", o.status));
    }
    let text = String::from_utf8_lossy(&o.stdout);
    eprint!("{text}");
    serde_json::from_str(text.trim()).map_err(|e| format!("{cmd:?}: output not JSON: {e}"))
}

/// A virtual environment with the pure pipeline's libraries (pinned in
/// `xtask/requirements-test.txt`) and the freshly built wheel.
fn python_harness(
    manifest: &Path,
    data_dir: &Path,
    sizes: &str,
    out: &Path,
    quick: bool,
) -> Result {
    let wheel = python::build_wheel(!quick, false)?;
    let venv = target_dir().join("bench-venv");
    let py = venv.join("bin/python");
    let req = std::fs::read_to_string(root().join("xtask/requirements-test.txt"))
        .map_err(|e| e.to_string())?;
    let pins: Vec<&str> = req
        .lines()
        .filter(|l| l.starts_with("rfc8785==") || l.starts_with("cryptography=="))
        .collect();
    if pins.len() != 2 {
        return Err("xtask/requirements-test.txt must pin rfc8785 and cryptography".into());
    }
    if !py.exists() {
        let mut c = Command::new(python_env()?);
        c.args(["-m", "venv", "--clear"]).arg(&venv);
        run(c)?;
    }
    let mut c = Command::new(&py);
    c.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ])
    .args(&pins);
    run(c)?;
    let mut c = Command::new(&py);
    c.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--force-reinstall",
        "--no-deps",
    ])
    .arg(&wheel);
    run(c)?;
    let mut c = Command::new(&py);
    // From a neutral directory, so the source tree cannot shadow the installed wheel.
    c.current_dir(&venv)
        .arg(root().join("crates/sesgo-bench/python/pipeline_bench.py"))
        .arg("--pki")
        .arg(manifest)
        .arg("--data")
        .arg(data_dir)
        .args(["--sizes", sizes])
        .arg("--out")
        .arg(out);
    if quick {
        c.arg("--quick");
    }
    run(c)
}

/// `cargo xtask bench jvm`: the JVM comparison alone (full sizes, release), then its
/// section of BENCHMARKS.md.
pub fn bench_jvm(quick: bool) -> Result {
    let data_dir = target_dir().join("bench-data");
    let sizes = if quick { "1KB" } else { PY_SIZES };
    let labels: Vec<&str> = sizes.split(',').collect();
    step("benchmark inputs", || write_inputs(&data_dir, &labels))?;
    let manifest = testpki::ensure()?;
    let out = target_dir().join("bench-jvm.json");
    step("sesgo jar vs plain Java (warm JVM)", || {
        jvm_harness(&manifest, &data_dir, sizes, &out, quick)
    })?;
    if quick {
        return Ok(());
    }
    let v = read_json(&out)?;
    let md_path = root().join("BENCHMARKS.md");
    let md =
        std::fs::read_to_string(&md_path).map_err(|e| format!("{}: {e}", md_path.display()))?;
    std::fs::write(&md_path, splice_section(&md, JVM_SECTION, &jvm_section(&v)))
        .map_err(|e| format!("{}: {e}", md_path.display()))?;
    eprintln!("xtask: wrote the JVM section of {}", md_path.display());
    Ok(())
}

/// The JVM comparison (`crates/sesgo-bench/java`, issue 17): the sesgo jar (release
/// native library unless `quick`) against the same work in plain Java (JCA + Jackson +
/// a JCS library), in one warm JVM, with cross-checks; results in `out`.
fn jvm_harness(manifest: &Path, data_dir: &Path, sizes: &str, out: &Path, quick: bool) -> Result {
    let jar = crate::java::build_jar(!quick)?;
    let dir = root().join("crates/sesgo-bench/java");
    let classpath_file = dir.join("target/classpath.txt");
    let mut c = Command::new(std::env::var("MVN").unwrap_or_else(|_| "mvn".into()));
    c.current_dir(&dir)
        .args(["-B", "-q"])
        .arg(format!("-Dsesgo.jar={}", jar.display()))
        .args(["package", "dependency:build-classpath"])
        .arg(format!("-Dmdep.outputFile={}", classpath_file.display()));
    run(c)?;
    let deps = std::fs::read_to_string(&classpath_file)
        .map_err(|e| format!("{}: {e}", classpath_file.display()))?;
    let classpath = format!(
        "{}:{}:{}",
        dir.join("target/classes").display(),
        jar.display(),
        deps.trim()
    );
    let mut c = Command::new("java");
    // `cargo run` puts target/<profile> on LD_LIBRARY_PATH, where System.loadLibrary
    // would find a stray (debug) libsesgo_jni before the jar's own: the jar's library is
    // what is measured.
    c.env_remove("LD_LIBRARY_PATH")
        .arg("-Djava.library.path=/nonexistent")
        .args(["-cp", &classpath, "sesgo.bench.JvmPipelineBench"])
        .arg(manifest)
        .arg(data_dir)
        .arg(sizes)
        .arg(out)
        .arg(if quick { "0" } else { "3" });
    if quick {
        c.arg("--quick");
    }
    run(c)
}

/// The "sesgo jar vs plain Java" section of BENCHMARKS.md from `bench-jvm.json`.
pub(crate) fn jvm_section(v: &Value) -> String {
    let mut md = format!(
        "{JVM_SECTION}\n`crates/sesgo-bench/java` (issue 17): the same policy-0.1.2 work written in \
         plain Java as an integrator would (JCA `SHA256withRSA`, Jackson, erdtman's \
         java-json-canonicalization for RFC 8785), in the same warm JVM as the sesgo jar \
         (release native library through JNI; Java {}, {}). Medians after a warm-up of ≥ 1 s \
         and ≥ 20 calls. The plain verifier caches chain validation per `x5c`, like sesgo's \
         trust store. Cross-checks (the harness fails otherwise): identical content digests, \
         sesgo's JWS payload equals the plain digest, the plain verifier accepts sesgo's \
         transfer Bundle and sesgo accepts its own.\n\n\
         | size | op | plain Java | sesgo jar | jar speed-up |\n|---|---|---|---|---|\n",
        v["java"].as_str().unwrap_or("?"),
        v["vm"].as_str().unwrap_or("?")
    );
    let sizes = v["sizes"].as_object().cloned().unwrap_or_default();
    for label in data::SIZES {
        let Some(r) = sizes.get(label) else {
            continue;
        };
        for op in ["sign", "verify"] {
            let (Some(p), Some(j)) = (
                r[format!("plain_{op}_s")].as_f64(),
                r[format!("jar_{op}_s")].as_f64(),
            ) else {
                continue;
            };
            let _ = writeln!(
                md,
                "| {label} | {op} | {} | {} | {:.1}× |",
                fmt_time(p * 1e9),
                fmt_time(j * 1e9),
                p / j
            );
        }
    }
    md.push('\n');
    md
}

/// Heading of the JVM comparison section.
pub(crate) const JVM_SECTION: &str = "## sesgo jar vs plain Java (policy 0.1.2)\n";

/// Criterion results: `(group, function) -> median ns`, plus `group -> bytes` (the
/// actual input size each size group declared as its throughput).
type Crit = (BTreeMap<(String, String), f64>, BTreeMap<String, f64>);

fn read_criterion(home: &Path) -> Result<Crit> {
    let mut sizes = BTreeMap::new();
    let mut m = BTreeMap::new();
    let dirs = |p: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(p)
            .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default()
    };
    for g in dirs(home) {
        for b in dirs(&g) {
            let meta = b.join("new/benchmark.json");
            let est = b.join("new/estimates.json");
            if !meta.exists() || !est.exists() {
                continue;
            }
            let meta = read_json(&meta)?;
            let est = read_json(&est)?;
            let key = (
                meta["group_id"].as_str().unwrap_or_default().to_owned(),
                meta["function_id"].as_str().unwrap_or_default().to_owned(),
            );
            let ns = est["median"]["point_estimate"]
                .as_f64()
                .ok_or("estimates.json without median")?;
            if let Some(b) = meta["throughput"]["Bytes"].as_f64() {
                sizes.insert(key.0.clone(), b);
            }
            m.insert(key, ns);
        }
    }
    if m.is_empty() {
        return Err(format!("no criterion results under {}", home.display()));
    }
    Ok((m, sizes))
}

fn sh(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    format!(
        "- CPU: {cpu}, {} logical cores (`nproc`)\n- {mem}\n- {}\n- {}\n- load average when the report was written: {}\n",
        sh("nproc", &[]),
        sh("rustc", &["--version"]),
        sh("openssl", &["version"]),
        load.trim()
    )
}

fn fmt_time(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.1} µs", ns / 1e3)
    }
}

fn report(crit: &Crit, rss: &[Value], py: &Value) -> Result<String> {
    let (crit, actual) = crit;
    let get = |g: &str, f: &str| crit.get(&(g.to_owned(), f.to_owned())).copied();
    let need =
        |g: &str, f: &str| get(g, f).ok_or_else(|| format!("criterion result {g}/{f} missing"));
    let bytes = |label: &str| {
        actual
            .get(label)
            .copied()
            .unwrap_or_else(|| data::parse_size(label).unwrap_or(1) as f64)
    };
    let rsa_sign = need("rsa2048", "openssl_sign")?;
    let rsa_verify = need("rsa2048", "openssl_verify")?;

    let mut md = String::new();
    let _ = writeln!(md, "# sesgo benchmarks\n");
    let _ = writeln!(
        md,
        "Generated by `cargo xtask bench` (issue 11; harness design in docs/adr/0024). Every \
         figure below was measured in one run on the machine described here; ratios, not \
         absolute times, are the point: the machine's load average when the report was \
         written is printed below, and each ratio's parts were measured minutes apart in \
         the same run.\n"
    );
    let _ = writeln!(md, "## Machine\n\n{}", machine());
    let _ = writeln!(
        md,
        "## Commands\n\n```sh\ncargo xtask bench          # this report (criterion full mode, floor, RSS, Python)\n\
         cargo xtask bench --quick  # CI: every harness once on tiny inputs (part of `cargo xtask ci`)\n\
         cargo bench -p sesgo-bench --bench pipeline   # criterion only; SESGO_BENCH_SIZES=1KB,100KB,1MB,10MB,50MB\n\
         cargo xtask bench-data 1MB DIR                # the inputs\n```\n"
    );
    let _ = writeln!(
        md,
        "Inputs: deterministic transfer Bundles (`sesgo_bench::data`) of about the nominal \
         size (actual byte counts in the stage table's header; the smallest holds one \
         Observation), with up to 997 Observations (+ Patient, Encounter), nested \
         backbone elements, decimals with trailing zeros, contained resources and \
         `urn:uuid` references; the Provenance targets every entry. Certificates: the test \
         PKI (e-CPF RSA-2048 → two ACs → RSA-4096 root). Revocation: \
         `{{\"settings\":{{\"revocationPolicy\":\"off\"}}}}` everywhere, so no figure \
         includes a revocation lookup. Crypto: OpenSSL, linked statically (docs/adr/0066). \
         criterion figures are medians; one core (sesgo is single-threaded per call).\n"
    );

    // Targets (issue 17).
    let chain3 = need("rsa2048", "openssl_chain_signatures")?;
    // The same three checks on keys new to OpenSSL, as a cold trust store meets them.
    let chain3_cold = need("rsa2048", "openssl_chain_cold")?;
    let floor = |label: &str, rsa: f64| -> Option<f64> {
        Some(get(label, "floor_serde_parse")? + get(label, "floor_sha256_canonical")? + rsa)
    };
    let verify_1kb = need("1KB", "verify_cached")?;
    let per_sec = 1e9 / verify_1kb;
    let cold_1kb = need("1KB", "verify_fresh_store")?;
    let sign_1kb = need("1KB", "sign_0.1.2")?;
    let floor_sign_1kb = floor("1KB", rsa_sign).ok_or("1KB floor missing")?;
    let rss_peak = |op: &str| {
        rss.iter()
            .find(|r| r["op"] == op)
            .and_then(|r| r["peakOverInput"].as_f64())
    };
    let sizes = py["sizes"].as_object().cloned().unwrap_or_default();
    let speedup = |label: &str, op: &str| -> Option<f64> {
        let r = sizes.get(label)?;
        Some(r[format!("pure_{op}_s")].as_f64()? / r[format!("wheel_{op}_s")].as_f64()?)
    };
    let ok = |b: bool| if b { "met" } else { "**missed**" };
    let _ = writeln!(md, "## Targets (issue 17)\n");
    let _ = writeln!(md, "| target | measured | status |\n|---|---|---|");
    let _ = writeln!(
        md,
        "| verify, 1 KB, chain cache warm, one core: ≥ 20,000/s (≤ 3.5× one OpenSSL RSA-2048 verify; the ratio decides, as 20,000/s assumes a faster core) | {:.1}× {} ({}, {per_sec:.0}/s; 3.5× is {:.0}/s here) | {} |",
        verify_1kb / rsa_verify,
        fmt_time(rsa_verify),
        fmt_time(verify_1kb),
        1e9 / (3.5 * rsa_verify),
        ok(verify_1kb / rsa_verify <= 3.5)
    );
    let cold_floor = verify_1kb + chain3_cold;
    let _ = writeln!(
        md,
        "| verify, 1 KB, cold trust store: ≤ 1.5× (warm verify + the chain's three signatures with OpenSSL, on keys new to it as in a cold store) | {:.2}× ({} vs {} + {}; {:.2}× against keys OpenSSL has already used, {}) | {} |",
        cold_1kb / cold_floor,
        fmt_time(cold_1kb),
        fmt_time(verify_1kb),
        fmt_time(chain3_cold),
        cold_1kb / (verify_1kb + chain3),
        fmt_time(chain3),
        ok(cold_1kb / cold_floor <= 1.5)
    );
    let _ = writeln!(
        md,
        "| sign, 1 KB: ≤ 1.5× floor (parse + hash + one RSA-2048 signature) | {:.2}× ({} vs {}) | {} |",
        sign_1kb / floor_sign_1kb,
        fmt_time(sign_1kb),
        fmt_time(floor_sign_1kb),
        ok(sign_1kb / floor_sign_1kb <= 1.5)
    );
    // The issue's sizes for this target (1 MB to 50 MB): sign and verify of both
    // policies where measured. 1 KB has its own targets above; 100 KB is in the table.
    let mut worst: Option<(f64, String)> = None;
    for label in data::SIZES.into_iter().filter(|l| l.ends_with("MB")) {
        for (id, rsa) in [
            ("sign_0.1.2", rsa_sign),
            ("sign_0.2.0", rsa_sign),
            ("verify_cached", rsa_verify),
        ] {
            let (Some(t), Some(f)) = (get(label, id), floor(label, rsa)) else {
                continue;
            };
            let r = t / f;
            if worst.as_ref().is_none_or(|(w, _)| r > *w) {
                worst = Some((r, format!("{id} at {label}")));
            }
        }
    }
    if let Some((r, at)) = worst {
        let _ = writeln!(
            md,
            "| sign and verify, 1 MB–50 MB, both policies: ≤ 1.5× floor at every size | worst {r:.2}× ({at}; table below) | {} |",
            ok(r <= 1.5)
        );
    }
    let wheel = if py["wheelHasSign"].as_bool() == Some(true) {
        let cells: Vec<(String, Option<f64>)> = data::SIZES
            .iter()
            .filter(|l| sizes.contains_key(**l))
            .flat_map(|l| {
                ["sign", "verify"]
                    .into_iter()
                    .map(move |op| (format!("{op} {l}"), speedup(l, op)))
            })
            .collect();
        let min = cells
            .iter()
            .filter_map(|(_, v)| *v)
            .fold(f64::INFINITY, f64::min);
        let shown: Vec<String> = cells
            .iter()
            .map(|(k, v)| format!("{k} {:.1}×", v.unwrap_or(f64::NAN)))
            .collect();
        format!(
            "| Python wheel ≥ 5× the pure-Python pipeline, sign and verify, every size | {} | {} |",
            shown.join(", "),
            ok(min >= 5.0)
        )
    } else {
        "| Python wheel ≥ 5× the pure-Python pipeline | not measured | **missed** |".to_owned()
    };
    let _ = writeln!(md, "{wheel}");
    for op in ["sign", "verify"] {
        let p = rss_peak(op).unwrap_or(f64::NAN);
        let _ = writeln!(
            md,
            "| {op} 50 MB: peak RSS ≤ 3× input | {p:.2}× | {} |",
            ok(p <= 3.0)
        );
    }
    match read_json(&target_dir().join("bench-jvm.json")) {
        Ok(v) => {
            let sizes = v["sizes"].as_object().cloned().unwrap_or_default();
            let mut cells = Vec::new();
            let mut min = f64::INFINITY;
            for label in data::SIZES {
                let Some(r) = sizes.get(label) else {
                    continue;
                };
                for op in ["sign", "verify"] {
                    if let (Some(p), Some(j)) = (
                        r[format!("plain_{op}_s")].as_f64(),
                        r[format!("jar_{op}_s")].as_f64(),
                    ) {
                        min = min.min(p / j);
                        cells.push(format!("{op} {label} {:.1}×", p / j));
                    }
                }
            }
            let _ = writeln!(
                md,
                "| JVM jar ≥ 5× the same work in plain Java (JCA + a JCS library), every size | {} | {} |",
                cells.join(", "),
                ok(!cells.is_empty() && min >= 5.0)
            );
        }
        Err(_) => {
            let _ = writeln!(
                md,
                "| JVM jar ≥ 5× the same work in plain Java | not measured in this run | **missed** |"
            );
        }
    }
    match read_json(&target_dir().join("bench-spark.json")) {
        Ok(v) => {
            let r = v["ratios"]["verify_many 2 threads / 1 thread"]
                .as_f64()
                .unwrap_or(f64::NAN);
            let _ = writeln!(
                md,
                "| batch verify, 2 threads ≥ 1.8× one thread | {r:.2}× (`verify_many`, section \"Archive verification on Spark\") | {} |",
                ok(r >= 1.8)
            );
        }
        Err(_) => {
            let _ = writeln!(
                md,
                "| batch verify, 2 threads ≥ 1.8× one thread | not measured in this run | **missed** |"
            );
        }
    }
    let _ = writeln!(md);

    // Floor.
    let _ = writeln!(
        md,
        "## sesgo ÷ floor\n\nFloor for one operation on a Bundle of size S = `serde_json::from_slice::<Value>` of \
         the S bytes + SHA-256 (sha2) of its canonical bytes + one RSA-2048 RS256 operation with \
         OpenSSL ({} sign, {} verify). It is what any implementation must at least do: read \
         the JSON, hash what is signed, do one public-key operation.\n",
        fmt_time(rsa_sign),
        fmt_time(rsa_verify)
    );
    let _ = writeln!(
        md,
        "| size | parse | sha256 | sign 0.1.2 | floor (sign) | sign ÷ floor | verify (cached) | floor (verify) | verify ÷ floor | sign+verify |\n|---|---|---|---|---|---|---|---|---|---|"
    );
    for label in data::SIZES {
        let (Some(parse), Some(sha)) = (
            get(label, "floor_serde_parse"),
            get(label, "floor_sha256_canonical"),
        ) else {
            continue;
        };
        let sign = get(label, "sign_0.1.2").unwrap_or(f64::NAN);
        let ver = get(label, "verify_cached").unwrap_or(f64::NAN);
        let e2e = get(label, "sign_verify_e2e").unwrap_or(f64::NAN);
        let fs = parse + sha + rsa_sign;
        let fv = parse + sha + rsa_verify;
        let _ = writeln!(
            md,
            "| {label} | {} | {} | {} | {} | {:.2}× | {} | {} | {:.2}× | {} |",
            fmt_time(parse),
            fmt_time(sha),
            fmt_time(sign),
            fmt_time(fs),
            sign / fs,
            fmt_time(ver),
            fmt_time(fv),
            ver / fv,
            fmt_time(e2e)
        );
    }
    let _ = writeln!(md);

    // Stages.
    let stages = [
        (
            "refs_check",
            "reference check (`check_references`, parse included)",
        ),
        (
            "canonicalize_0.1.2",
            "strip + canonicalize, policy 0.1.2 (`canonicalize`, parse included)",
        ),
        ("canonicalize_0.2.0", "strip + canonicalize, policy 0.2.0"),
        (
            "digest_0.1.2",
            "content digest 0.1.2 (parsed input: strip + JCS + SHA-256)",
        ),
        ("digest_0.2.0", "content digest 0.2.0 (framed, lossless)"),
        ("sign_0.1.2", "sign, policy 0.1.2 (`sign_with_clock`)"),
        ("sign_0.2.0", "sign, policy 0.2.0"),
        (
            "verify_cached",
            "verify, shared TrustStore (chain cache warm)",
        ),
        (
            "verify_fresh_store",
            "verify, fresh TrustStore per call (no chain cache)",
        ),
        ("sign_verify_e2e", "sign + serialize + verify"),
    ];
    let _ = writeln!(
        md,
        "## Stages (median time; throughput in MB/s of Bundle bytes)\n"
    );
    let labels: Vec<&str> = data::SIZES
        .into_iter()
        .filter(|l| get(l, "floor_serde_parse").is_some())
        .collect();
    let _ = write!(md, "| stage |");
    for l in &labels {
        let _ = write!(md, " {l} ({:.0} bytes) |", bytes(l));
    }
    let _ = write!(md, "\n|---|");
    for _ in &labels {
        let _ = write!(md, "---|");
    }
    let _ = writeln!(md);
    for (id, name) in stages {
        let _ = write!(md, "| {name} |");
        for l in &labels {
            match get(l, id) {
                Some(ns) => {
                    let _ = write!(md, " {} ({:.0} MB/s) |", fmt_time(ns), bytes(l) / ns * 1e3);
                }
                None => {
                    let _ = write!(md, " – |");
                }
            }
        }
        let _ = writeln!(md);
    }
    let _ = writeln!(
        md,
        "\n10 MB and 50 MB: sign (both policies), verify (cached) and end to end only, 10 samples each.\n"
    );

    // Python.
    let _ = writeln!(
        md,
        "## sesgo wheel vs pure Python (policy 0.1.2)\n\nPure Python: `json` + `rfc8785` + `hashlib` + \
         `cryptography`, written as a competent integrator would (`crates/sesgo-bench/python/pipeline_bench.py`): \
         sign = parse, select the signed set, strip, JCS, SHA-256, RS256, build Signature / Provenance / \
         transfer Bundle; verify = parse, decode the JWS, check the x5c chain to the trusted root \
         (cached per chain, like sesgo's trust store), RS256, recompute the digest. sesgo does more \
         (reference rules, ICP-Brasil eligibility, strict JSON, every guide check). Python {}; \
         medians of ≥ 3 s of calls. Cross-checks (the harness fails otherwise): canonical bytes of \
         every Bundle identical, content digests identical{}.\n",
        py["python"].as_str().unwrap_or("?"),
        if py["wheelHasSign"].as_bool() == Some(true) {
            ", sesgo's JWS payload equals the pure digest, the pure verifier accepts sesgo's signature"
        } else {
            ""
        }
    );
    let _ = writeln!(
        md,
        "| size | op | pure Python | sesgo wheel | wheel speed-up |\n|---|---|---|---|---|"
    );
    for label in data::SIZES {
        let Some(r) = sizes.get(label) else {
            continue;
        };
        for op in ["canonicalize", "sign", "verify"] {
            let (Some(p), Some(w)) = (
                r[format!("pure_{op}_s")].as_f64(),
                r[format!("wheel_{op}_s")].as_f64(),
            ) else {
                if let Some(p) = r[format!("pure_{op}_s")].as_f64() {
                    let _ = writeln!(
                        md,
                        "| {label} | {op} | {} | not in this wheel yet | – |",
                        fmt_time(p * 1e9)
                    );
                }
                continue;
            };
            let _ = writeln!(
                md,
                "| {label} | {op} | {} | {} | {:.1}× |",
                fmt_time(p * 1e9),
                fmt_time(w * 1e9),
                p / w
            );
        }
        // The wheel's sign returning the exact bytes (`sign_parts`) instead of Python objects.
        if let (Some(p), Some(w)) = (r["pure_sign_s"].as_f64(), r["wheel_sign_parts_s"].as_f64()) {
            let _ = writeln!(
                md,
                "| {label} | sign, bytes out (`sign_parts`) | {} | {} | {:.1}× |",
                fmt_time(p * 1e9),
                fmt_time(w * 1e9),
                p / w
            );
            // What Python objects for the result cost CPython's own C decoder (reference
            // for `sign`'s objects out; plain floats, so less work than exact decimals).
            if let Some(o) = r["result_objects_s"].as_f64() {
                let _ = writeln!(
                    md,
                    "| {label} | reference: `json.loads` of sign's result (objects only) | – | {} | – |",
                    fmt_time(o * 1e9)
                );
            }
        }
    }
    let _ = writeln!(md);

    // RSS.
    let _ = writeln!(
        md,
        "## Peak memory, {RSS_SIZE} Bundle\n\nOne operation per process (`sesgo-bench-rss`, release), \
         peak = `VmHWM` at exit, input bytes = the files read (Bundle + Provenance for sign, the \
         transfer Bundle for verify); baseline = RSS before reading the input (program, PKI, signer).\n"
    );
    let _ = writeln!(
        md,
        "| op | input | baseline RSS | peak RSS | peak ÷ input | (peak − baseline) ÷ input |\n|---|---|---|---|---|---|"
    );
    for r in rss {
        let mb = |k: &str| r[k].as_f64().unwrap_or(f64::NAN) / 1e6;
        let _ = writeln!(
            md,
            "| {} | {:.1} MB | {:.1} MB | {:.1} MB | {:.2}× | {:.2}× |",
            r["op"].as_str().unwrap_or("?"),
            mb("inputBytes"),
            mb("baselineRssBytes"),
            mb("peakRssBytes"),
            r["peakOverInput"].as_f64().unwrap_or(f64::NAN),
            r["peakAboveBaselineOverInput"].as_f64().unwrap_or(f64::NAN)
        );
    }
    let _ = writeln!(md);
    md.push_str(NOTES_MARKER);
    md.push('\n');
    // Hand-written analysis kept across regenerations.
    if let Ok(old) = std::fs::read_to_string(root().join("BENCHMARKS.md")) {
        if let Some(i) = old.find(NOTES_MARKER) {
            md.push_str(old[i + NOTES_MARKER.len()..].trim_start_matches('\n'));
        }
    }
    Ok(md)
}

/// Everything after this line in BENCHMARKS.md is hand-written analysis, kept when the
/// tables are regenerated.
const NOTES_MARKER: &str = "## Analysis (hand-written; kept across `cargo xtask bench` runs)\n";
