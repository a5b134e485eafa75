//! `cargo xtask test spark`: `sesgo.spark` on a real local Spark (PyPI `pyspark`, on the
//! machine's Java 17) against the wheel users install, in its own venv
//! (`target/spark-venv`, downloads cached in `target/pip-cache`), with the test PKI's
//! live OCSP responders. `bindings/python/tests_spark` compares Spark's results with
//! `sesgo.verify` row for row and runs `examples/spark/verify_archive.py` with
//! `spark-submit` over a generated archive of 10,000 signed Bundles (ADR 0063).

use crate::ctest::target_dir;
use crate::{python_env, root, run, Result};
use std::path::PathBuf;
use std::process::Command;

/// What the Spark suite installs beside the wheel (pinned; pyarrow and pandas are what
/// `mapInPandas` needs).
pub(crate) const SPARK_REQUIREMENTS: &[&str] = &[
    "pyspark==4.0.1",
    "pandas==2.3.3",
    "pyarrow==21.0.0",
    "pytest==9.2.0",
];

/// The Spark venv with the user wheel (no test hooks) freshly installed; returns its
/// python. The third-party packages are installed once and kept while the pins hold.
pub(crate) fn spark_venv(release: bool) -> Result<PathBuf> {
    let wheel = crate::python::build_wheel(release, false)?;
    let venv = target_dir().join("spark-venv");
    let py = venv.join("bin/python");
    let stamp = venv.join(".requirements");
    let wanted = SPARK_REQUIREMENTS.join("\n");
    let cache = target_dir().join("pip-cache");
    if !py.exists() || std::fs::read_to_string(&stamp).ok().as_deref() != Some(&wanted) {
        crate::progress("Spark venv (pyspark, pandas, pyarrow from PyPI)");
        let mut c = Command::new(python_env()?);
        c.args(["-m", "venv", "--clear"]).arg(&venv);
        run(c)?;
        let mut c = Command::new(&py);
        c.env("PIP_CACHE_DIR", &cache)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(SPARK_REQUIREMENTS);
        run(c)?;
        std::fs::write(&stamp, &wanted).map_err(|e| e.to_string())?;
    }
    let mut c = Command::new(&py);
    c.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--force-reinstall",
    ])
    .arg(&wheel);
    run(c)?;
    Ok(py)
}

pub fn test_spark() -> Result {
    let py = spark_venv(false)?;
    let manifest = crate::testpki::ensure()?;
    let venv = target_dir().join("spark-venv");
    let mut c = Command::new(&py);
    // From the venv, so the source tree cannot shadow the installed package; the Python
    // workers Spark starts are this venv's python too.
    c.current_dir(&venv)
        .env(crate::testpki::ENV, &manifest)
        .env("PYSPARK_PYTHON", &py)
        .env("PYSPARK_DRIVER_PYTHON", &py)
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .env("SESGO_EXAMPLES", root().join("examples"))
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "-s"])
        .arg(root().join("bindings/python/tests_spark"));
    run(c)
}

/// Rows of the benchmark archive (the example job's CI size).
const BENCH_ROWS: &str = "10000";

/// `cargo xtask bench spark` (also part of the full `cargo xtask bench`): the release
/// wheel; a 10,000-row archive from `examples/spark/make_archive.py` over the test PKI;
/// `examples/spark/bench_archive.py` (plain loop, `verify_many` on 1 and 2 threads, Spark
/// `local[1]` and `local[2]`) written to `target/bench-spark.json`, and the Spark section
/// of BENCHMARKS.md replaced.
pub fn bench_spark() -> Result {
    let py = spark_venv(true)?;
    let manifest = crate::testpki::ensure()?;
    let m: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?,
    )
    .map_err(|e| e.to_string())?;
    let get = |k: &str| -> Result<String> {
        m.pointer(k)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .ok_or_else(|| format!("test PKI manifest without {k}"))
    };
    let archive = target_dir().join("bench-spark-archive");
    let _ = std::fs::remove_dir_all(&archive);
    let examples = root().join("examples/spark");
    let warn = r#"{"revocationPolicy":"warn"}"#;
    crate::progress("a 10,000-row archive (make_archive.py)");
    let mut c = Command::new(&py);
    c.env("SESGO_BENCH_PASSWORD", get("/password")?)
        .arg(examples.join("make_archive.py"))
        .arg(&archive)
        .args(["--count", BENCH_ROWS, "--files", "4"])
        .args(["--p12", &get("/p12Aes")?, "--p12", &get("/p12Ecnpj")?])
        .args(["--pem", &get("/eseal/keyPem")?, &get("/eseal/certPem")?])
        .args(["--password-env", "SESGO_BENCH_PASSWORD"])
        .args([
            "--root-sha256",
            &get("/rootSha256")?,
            "--ca-certs",
            &get("/chainPem")?,
        ])
        .args(["--settings", warn]);
    run(c)?;
    crate::progress("archive verification throughput (bench_archive.py)");
    let mut c = Command::new(&py);
    c.env("PYSPARK_PYTHON", &py)
        .env("PYSPARK_DRIVER_PYTHON", &py)
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .arg(examples.join("bench_archive.py"))
        .arg(archive.join("bundles-*.ndjson"))
        .args([
            "--root-sha256",
            &get("/rootSha256")?,
            "--ca-certs",
            &get("/chainPem")?,
        ])
        .args(["--settings", warn])
        .args(LOCAL_CONF.iter().flat_map(|kv| ["--spark-conf", kv]));
    let out = c.output().map_err(|e| format!("bench_archive.py: {e}"))?;
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        return Err(format!("bench_archive.py failed: {}", out.status));
    }
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("bench_archive.py output: {e}"))?;
    let path = target_dir().join("bench-spark.json");
    std::fs::write(&path, v.to_string()).map_err(|e| format!("{}: {e}", path.display()))?;
    let md_path = root().join("BENCHMARKS.md");
    let md =
        std::fs::read_to_string(&md_path).map_err(|e| format!("{}: {e}", md_path.display()))?;
    let md = crate::bench::splice_section(&md, SECTION, &section(&v));
    std::fs::write(&md_path, md).map_err(|e| format!("{}: {e}", md_path.display()))?;
    eprintln!("xtask: wrote the Spark section of {}", md_path.display());
    Ok(())
}

/// Spark on the loopback only: no UI port; driver and block manager on 127.0.0.1. The
/// driver's heap (the default is 1 GiB): the 10,000-row archive is ~180 MB of text, sent
/// from Python as one task per core and cached; at 1 GiB the `local[2]` run can run out
/// of heap (seen once, after the `local[1]` session's blocks).
const LOCAL_CONF: &[&str] = &[
    "spark.ui.enabled=false",
    "spark.driver.bindAddress=127.0.0.1",
    "spark.driver.host=127.0.0.1",
    "spark.driver.memory=4g",
];

/// The heading of the generated Spark section of BENCHMARKS.md.
pub(crate) const SECTION: &str = "## Archive verification on Spark (issue 26)\n";

/// The Spark section from `bench_archive.py`'s JSON.
pub(crate) fn section(v: &serde_json::Value) -> String {
    let rps = |k: &str| v["rowsPerSecond"][k].as_f64().unwrap_or(f64::NAN);
    let ratio = |k: &str| v["ratios"][k].as_f64().unwrap_or(f64::NAN);
    format!(
        "{SECTION}\n`cargo xtask bench spark`: {rows} signed transfer Bundles from \
         `examples/spark/make_archive.py` (four certificates, both policies, 1 in 10 tampered, \
         1 in 97 corrupt; `revocationPolicy` `warn`, the e-CPF's status from the live loopback \
         OCSP responder), verified by `examples/spark/bench_archive.py` on {cpus} CPUs: best of 3 \
         runs each, release wheel, Spark after a warm-up (no JVM start-up counted), one \
         partition and one verification thread per core.\n\n\
         | how | rows/s |\n|---|---|\n\
         | plain loop over `sesgo.verify` (one process, one thread) | {loop_:.0} |\n\
         | `sesgo.verify_many`, 1 thread | {b1:.0} |\n\
         | `sesgo.verify_many`, 2 threads | {b2:.0} |\n\
         | `sesgo.spark.verify_dataframe`, `local[1]` | {s1:.0} |\n\
         | `sesgo.spark.verify_dataframe`, `local[2]` | {s2:.0} |\n\n\
         | ratio | measured | target |\n|---|---|---|\n\
         | Spark `local[2]` ÷ `local[1]` | {r1:.2}× | ≥ 1.7× |\n\
         | `verify_many` 2 threads ÷ 1 thread | {r2:.2}× | ≥ 1.8× (issue 17) |\n\
         | Spark `local[2]` ÷ plain loop | {r3:.2}× | — |\n\
         | `verify_many` 2 threads ÷ plain loop | {r4:.2}× | — |\n\n",
        rows = v["rows"],
        cpus = v["cpus"],
        loop_ = rps("loop"),
        b1 = rps("verify_many_1"),
        b2 = rps("verify_many_2"),
        s1 = rps("spark_local_1"),
        s2 = rps("spark_local_2"),
        r1 = ratio("spark local[2] / local[1]"),
        r2 = ratio("verify_many 2 threads / 1 thread"),
        r3 = ratio("spark local[2] / plain loop"),
        r4 = ratio("verify_many 2 threads / plain loop"),
    )
}
