//! `cargo xtask`: the one entry point for generating code, building every artifact and
//! running every test suite. CI (`.ci/run`) calls exactly `cargo xtask ci`, the README's
//! test command.

mod bench;
mod citations;
mod clean;
mod conformance;
mod ctest;
mod dotnet;
mod features;
mod gen_codes;
mod gen_refs;
mod gen_status;
mod gen_status_cs;
mod header;
mod interop;
mod java;
mod keycloak;
mod python;
mod serve;
mod snippets;
mod testpki;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

pub(crate) type Result<T = ()> = std::result::Result<T, String>;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  ci                 everything CI runs: fmt --check, clippy -D warnings, gen --check, all tests
  test [rust|c|python|java|dotnet|conformance|interop|keycloak|serve|snippets|all]  run the
                     test suites (default: all); conformance: HAPI FHIR validation of the
                     CLI's outputs (ADR 0032); interop: EU DSS 6.4 validates and makes JAdES
                     B-B/B-T with sesgo (ADR 0050); keycloak: token tests against a live
                     Keycloak on 127.0.0.1 (ADR 0052); serve: `sesgo serve` from Rust,
                     curl and Python on 127.0.0.1 (ADR 0056); snippets: every code block of
                     README.md and docs/ run as written against the demo PKI (ADR 0053)
  keycloak java      print the Java 21+ home Keycloak will run on
  build python       build the abi3 wheel (release, no test hooks) into target/wheels
  build java         the jar (release native library, no test hooks) in bindings/java/target
  build c            libsesgo.{a,so} (release), sesgo.h and sesgo.pc into target/c-dist
  build dotnet       the C# binding (mcs) and its NuGet package with this platform's
                     libsesgo (release) into target/dotnet/package
  gen [--check]      regenerate generated sources (CodeSystem table); --check fails on any diff
                     and when a shipped crate enables sesgo-cert's test-pki (openssl CLI)
  citations          check that DECISIONS D<n>, IG-DIGEST §<n> and docs/adr/NNNN citations resolve
  header [--check]   regenerate include/sesgo.h with cbindgen; --check fails on any diff
  demo               the README's first command: build a test PKI, sign and verify a sample Bundle
  testpki [DIR]      generate a throw-away test PKI (openssl CLI); prints its manifest.json
  bench [--quick|--report]  benchmarks; writes BENCHMARKS.md (--quick: each harness once,
                     for CI; --report: rewrite BENCHMARKS.md from the last run's results)
  kat [--regenerate] check the known-answer vectors (testdata/kat) with the Rust KAT tests;
                     --regenerate rewrites them from the committed inputs (an intentional
                     format change only: review the diff; CI never regenerates)
  bench-data SIZE DIR  write DIR/bundle-SIZE.json and DIR/provenance-SIZE.json (SIZE: 1KB, 100KB, 1MB, 10MB, 50MB)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["ci"] => ci(),
        ["test"] | ["test", "all"] => test_all(),
        ["test", "rust"] => test_rust(),
        ["test", "c"] => ctest::test_c(),
        ["test", "python"] => python::test_python(),
        ["test", "java"] => java::test_java(),
        ["test", "conformance"] => conformance::test_conformance(),
        ["test", "interop"] => interop::test_interop(),
        ["test", "dotnet"] => dotnet::test_dotnet(),
        ["test", "keycloak"] => keycloak::test_keycloak(),
        ["keycloak", "java"] => keycloak::find_java21().map(|p| println!("{}", p.display())),
        ["test", "serve"] => serve::test_serve(),
        ["test", "snippets"] => snippets::test_snippets(),
        ["build", "c"] => ctest::build_dist("release").map(|d| println!("{}", d.display())),
        ["build", "java"] => java::build_jar(true).map(|_| ()),
        ["build", "dotnet"] => dotnet::build_package(dotnet::Flavor::Release).map(|_| ()),
        ["build", "python"] => python::build_wheel(true, false).map(|_| ()),
        ["gen"] => gen(false),
        ["gen", "--check"] => gen(true),
        ["citations"] => citations::check(),
        ["header"] => header(false),
        ["header", "--check"] => header(true),
        ["demo"] => demo(),
        ["testpki"] => testpki::ensure().map(|m| println!("{}", m.display())),
        ["testpki", dir] => testpki::generate(Path::new(dir)).map(|m| println!("{}", m.display())),
        ["bench-data", size, dir] => bench_data_cmd(size, dir),
        ["kat"] => kat(false),
        ["kat", "--regenerate"] => kat(true),
        ["bench"] => bench::bench(false),
        ["bench", "--quick"] => bench::bench(true),
        ["bench", "--report"] => bench::write_report(),
        ["help"] | ["--help"] | ["-h"] | [] => {
            print!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown command {args:?}\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Workspace root (the parent of this crate's manifest directory).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

pub(crate) fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

pub(crate) fn run(mut cmd: Command) -> Result {
    eprintln!("xtask: running {cmd:?}");
    let status = cmd.status().map_err(|e| format!("{cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed with {status}"))
    }
}

/// A line saying what is being built or run now (long builds are never silent).
pub(crate) fn progress(what: &str) {
    eprintln!("xtask: ==> {what}");
}

fn step(name: &str, f: impl FnOnce() -> Result) -> Result {
    eprintln!("\n==> {name}");
    f().map_err(|e| format!("{name}: {e}"))
}

fn ci() -> Result {
    step("cargo fmt --check", || {
        let mut c = cargo();
        c.args(["fmt", "--all", "--", "--check"]);
        run(c)
    })?;
    step("generated sources are up to date", || gen(true))?;
    step("C header is up to date", || header(true))?;
    step(
        "citations resolve inside the repository (docs/guide, docs/adr)",
        citations::check,
    )?;
    step("cargo clippy", || {
        let mut c = cargo();
        c.args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]);
        run(c)
    })?;
    test_all()?;
    step("benchmark harnesses (quick)", || bench::bench(true))
}

fn test_all() -> Result {
    step("rust tests", test_rust)?;
    step(
        "C tests (static, shared + valgrind, ASan/UBSan)",
        ctest::test_c,
    )?;
    step(
        "Python wheel tests (fresh venv, pytest, mypy)",
        python::test_python,
    )?;
    step("Java tests (JUnit via Maven)", java::test_java)?;
    step(".NET tests (C# on Mono, NUnit)", dotnet::test_dotnet)?;
    step(
        "FHIR conformance (HAPI FHIR validator via Maven)",
        conformance::test_conformance,
    )?;
    step(
        "JAdES interop (EU DSS 6.4 via Maven)",
        interop::test_interop,
    )?;
    step(
        "access tokens against a live Keycloak (one server for the suite)",
        keycloak::test_keycloak,
    )?;
    step(
        "sesgo serve from Rust, curl and Python (real servers on 127.0.0.1)",
        serve::test_serve,
    )?;
    step(
        "README and docs snippets (as written, on the artifacts built above)",
        snippets::test_snippets,
    )
}

fn test_rust() -> Result {
    let python = python_env()?;
    let mut c = cargo();
    c.args(["test", "--workspace", "--all-targets"]);
    c.env("SESGO_PYTHON", &python);
    run(c)?;
    let mut c = cargo();
    c.args(["test", "--workspace", "--doc"]);
    c.env("SESGO_PYTHON", &python);
    run(c)
}

/// A virtual environment with the independent implementations the test suites
/// cross-check against (`xtask/requirements-test.txt`), created on first use under
/// `target/xtask-venv` and refreshed when the requirements change. Returns its python.
pub(crate) fn python_env() -> Result<PathBuf> {
    let root = root();
    let venv = root.join("target/xtask-venv");
    let python = venv.join("bin/python");
    let req = root.join("xtask/requirements-test.txt");
    let stamp = venv.join(".requirements");
    let wanted = std::fs::read_to_string(&req).map_err(|e| format!("{req:?}: {e}"))?;
    if python.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(&wanted) {
        return Ok(python);
    }
    step("python test environment", || {
        let host = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        let mut c = Command::new(host);
        c.args(["-m", "venv", "--clear"]).arg(&venv);
        run(c)?;
        let mut c = Command::new(&python);
        c.args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&req);
        run(c)?;
        std::fs::write(&stamp, &wanted).map_err(|e| e.to_string())
    })?;
    Ok(python)
}

fn gen(check: bool) -> Result {
    let root = root();
    let codes = gen_codes::all_codes(&root)?;
    let (registry, status) = gen_status::generate(&root, &codes)?;
    let status_cs = gen_status_cs::generate(&registry)?;
    let outputs = [
        (gen_codes::OUTPUT, gen_codes::generate(&root)?),
        (gen_status::REGISTRY, registry),
        (gen_status::OUTPUT, status),
        (gen_status_cs::OUTPUT, status_cs),
        (gen_refs::OUTPUT, gen_refs::generate()?),
    ];
    let mut stale = Vec::new();
    for (path, content) in outputs {
        let content = if path.ends_with(".rs") {
            rustfmt(&content)?
        } else {
            content
        };
        let full = root.join(path);
        let current = std::fs::read_to_string(&full).unwrap_or_default();
        if current == content {
            continue;
        }
        if check {
            stale.push(path);
        } else {
            if let Some(dir) = full.parent() {
                std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            }
            std::fs::write(&full, content).map_err(|e| format!("{path}: {e}"))?;
            eprintln!("xtask: wrote {path}");
        }
    }
    if !stale.is_empty() {
        return Err(format!(
            "generated files differ from their sources: {stale:?}; run `cargo xtask gen`"
        ));
    }
    if check {
        // Not generated, but a property of the manifests checked with them.
        features::check_test_pki_confined()?;
    }
    Ok(())
}

/// Formats generated Rust the way `cargo fmt` will, so `gen --check` and `fmt --check`
/// agree.
fn rustfmt(source: &str) -> Result<String> {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("rustfmt: {e}"))?;
    child
        .stdin
        .take()
        .ok_or("rustfmt stdin")?
        .write_all(source.as_bytes())
        .map_err(|e| format!("rustfmt: {e}"))?;
    let out = child
        .wait_with_output()
        .map_err(|e| format!("rustfmt: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "rustfmt failed on generated code: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}

/// `cargo xtask kat [--regenerate]`: the known-answer vectors of `testdata/kat`. Checking
/// runs the KAT tests of sesgo-jades (with the Python cross-checks) and of the facade;
/// `--regenerate` first rewrites the vectors through the facade's KAT test
/// (`SESGO_KAT_REGENERATE=1`), keeping the committed transfer Bundles' random
/// Provenance fullUrl, then checks them. The key, chain and inputs are never regenerated
/// here (see testdata/kat/README.md).
fn kat(regenerate: bool) -> Result {
    if regenerate {
        let mut c = cargo();
        c.args([
            "test",
            "-p",
            "sesgo",
            "--test",
            "kat",
            "--",
            "--exact",
            "vectors_match_the_committed_files",
        ]);
        c.env("SESGO_KAT_REGENERATE", "1");
        run(c)?;
        eprintln!("xtask: vectors rewritten; review `git diff testdata/kat`");
    }
    let python = python_env()?;
    for krate in ["sesgo-jades", "sesgo"] {
        let mut c = cargo();
        c.args(["test", "-p", krate, "--test", "kat"]);
        c.env("SESGO_PYTHON", &python);
        c.env_remove("SESGO_KAT_REGENERATE");
        run(c)?;
    }
    Ok(())
}

fn bench_data_cmd(size: &str, dir: &str) -> Result {
    let (bundle, prov) = sesgo_bench::data::for_label(size)?;
    let dir = Path::new(dir);
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join(format!("bundle-{size}.json")), &bundle).map_err(|e| e.to_string())?;
    std::fs::write(dir.join(format!("provenance-{size}.json")), &prov)
        .map_err(|e| e.to_string())?;
    eprintln!("xtask: bundle-{size}.json: {} bytes", bundle.len());
    Ok(())
}

fn header(check: bool) -> Result {
    let root = root();
    let content = header::generate(&root)?;
    let path = root.join(header::OUTPUT);
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current == content {
        return Ok(());
    }
    if check {
        return Err(format!(
            "{} differs from what bindings/c generates; run `cargo xtask header`",
            header::OUTPUT
        ));
    }
    std::fs::create_dir_all(root.join("include")).map_err(|e| e.to_string())?;
    std::fs::write(&path, content).map_err(|e| e.to_string())?;
    eprintln!("xtask: wrote {}", header::OUTPUT);
    Ok(())
}

/// The README's first command: `sesgo demo` (crates/sesgo-cli) in release mode — a
/// throw-away test PKI, the example signed and verified under both policies, a tampered
/// copy rejected. Fails when the demo reports anything unexpected (exit 1).
fn demo() -> Result {
    progress(
        "building the sesgo command line in release mode (the first build compiles every \
         dependency: several minutes on a small machine; cargo lists each crate below)",
    );
    let mut c = cargo();
    c.args(["build", "--release", "-p", "sesgo-cli"]);
    run(c)?;
    progress("running `sesgo demo`");
    let exe = ctest::target_dir()
        .join("release")
        .join(format!("sesgo{}", std::env::consts::EXE_SUFFIX));
    let mut c = Command::new(exe);
    c.arg("demo");
    run(c)
}
