//! `cargo xtask build python` / `cargo xtask test python`: the abi3 wheel built with
//! maturin, installed into a fresh virtual environment, tested there with pytest and
//! type-checked with mypy (never against the source tree). The wheels are manylinux2014
//! (zig, checked with auditwheel); the sdist is installed from source in its own venv
//! and runs the suite too.

use crate::ctest::target_dir;
use crate::{python_env, root, run, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds a wheel and returns its path: without the `testing` hooks into
/// `target/wheels` (what users install; `release` for `cargo xtask build python`), or
/// with them into `target/wheels-testing` (the pytest suite's).
pub fn build_wheel(release: bool, testing: bool) -> Result<PathBuf> {
    let py = python_env()?;
    let maturin = py.with_file_name("maturin");
    let out = target_dir().join(if testing { "wheels-testing" } else { "wheels" });
    let _ = std::fs::remove_dir_all(&out);
    crate::progress(&format!(
        "building the Python wheel ({}{})",
        if release { "release" } else { "dev profile" },
        if testing {
            ", with the testing hooks"
        } else {
            ""
        }
    ));
    let mut c = Command::new(&maturin);
    // zig (PyPI `ziglang`, in the venv) links against glibc 2.17: the wheel installs on
    // RHEL/Rocky 8, Ubuntu 20.04 and Debian 11 as well as on this machine (ADR 0062).
    // zig sees its own libc headers only, so openssl-sys is pointed at OpenSSL's headers
    // gathered in one directory (Debian splits them by architecture; ADR 0066).
    c.current_dir(root())
        .env("OPENSSL_INCLUDE_DIR", openssl_headers()?)
        .env("PATH", venv_path(&py)?)
        .args([
            "build",
            "--quiet",
            "-m",
            "bindings/python/Cargo.toml",
            "--zig",
            "--compatibility",
            MANYLINUX,
            "--out",
        ])
        .arg(&out)
        .arg("--interpreter")
        .arg(&py);
    if release {
        c.arg("--release");
    } else {
        c.args(["--profile", "dev"]);
    }
    if testing {
        c.args(["--features", "testing"]);
    }
    run(c)?;
    let wheel = std::fs::read_dir(&out)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or("maturin produced no wheel")?;
    if !testing {
        crate::clean::check_archive(&wheel)?;
        check_manylinux(&py, &wheel)?;
    }
    eprintln!("xtask: wheel {}", wheel.display());
    Ok(wheel)
}

/// The `KEY = "value"` pairs of the `[env]` table of the repository's
/// `.cargo/config.toml`, for builds that run outside the repository.
fn cargo_config_env() -> Result<Vec<(String, String)>> {
    let path = root().join(".cargo/config.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut in_env = false;
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_env = line == "[env]";
            continue;
        }
        if !in_env || line.starts_with('#') {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim();
            if let Some(v) = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                out.push((k.trim().to_owned(), v.to_owned()));
            }
        }
    }
    if out.is_empty() {
        return Err(format!("{}: no [env] entries", path.display()));
    }
    Ok(out)
}

/// OpenSSL's headers in one directory (`target/openssl-include/openssl/*.h`): the
/// architecture-independent ones from `/usr/include/openssl` and the configuration
/// headers from `/usr/include/<multiarch>/openssl` (Debian's libssl-dev), for a compiler
/// that searches no system directory (zig).
fn openssl_headers() -> Result<PathBuf> {
    let out = target_dir().join("openssl-include");
    let dest = out.join("openssl");
    std::fs::create_dir_all(&dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    let sources = [
        PathBuf::from("/usr/include/openssl"),
        PathBuf::from("/usr/include/x86_64-linux-gnu/openssl"),
    ];
    let mut copied = 0;
    for dir in sources.iter().filter(|d| d.is_dir()) {
        for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if let Some(name) = path.file_name() {
                std::fs::copy(&path, dest.join(name))
                    .map_err(|e| format!("copying {}: {e}", path.display()))?;
                copied += 1;
            }
        }
    }
    if !dest.join("opensslconf.h").is_file() || !dest.join("configuration.h").is_file() {
        return Err(format!(
            "OpenSSL headers not found ({copied} files under {sources:?}): install libssl-dev"
        ));
    }
    Ok(out)
}

/// The platform the wheels are built for (maturin's `--compatibility`).
const MANYLINUX: &str = "manylinux2014";
/// What `auditwheel show` must find the user wheel consistent with (PEP 600 name of
/// manylinux2014): glibc 2.17 symbols at most, no external library beyond the allowed set.
const MANYLINUX_TAG: &str = "\"manylinux_2_17_x86_64\"";

/// `PATH` with the venv's `bin` first: maturin finds `zig` (the `ziglang` package) there.
fn venv_path(py: &Path) -> Result<std::ffi::OsString> {
    let bin = py
        .parent()
        .ok_or("python without a directory")?
        .to_path_buf();
    let mut dirs = vec![bin];
    if let Some(p) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&p));
    }
    std::env::join_paths(dirs).map_err(|e| e.to_string())
}

/// `auditwheel show`: the wheel's symbols and libraries fit manylinux2014, whatever its
/// file name claims.
fn check_manylinux(py: &Path, wheel: &Path) -> Result {
    let out = Command::new(py.with_file_name("auditwheel"))
        .arg("show")
        .arg(wheel)
        .output()
        .map_err(|e| format!("auditwheel: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).replace('\n', " ");
    if !out.status.success()
        || !text.contains(&format!(
            "consistent with the following platform tag: {MANYLINUX_TAG}"
        ))
    {
        return Err(format!(
            "auditwheel show {}: not {MANYLINUX_TAG}:\n{}{}",
            wheel.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    if crate::clean::mentions_openssl(&text) {
        return Err(format!(
            "auditwheel show {}: the wheel needs the system's OpenSSL (ADR 0066):\n{}",
            wheel.display(),
            String::from_utf8_lossy(&out.stdout)
        ));
    }
    eprintln!(
        "xtask: auditwheel: {} is {MANYLINUX_TAG}, no external libssl/libcrypto",
        wheel.display()
    );
    Ok(())
}

/// The sdist (`maturin sdist`) installed with `pip install` into a fresh venv, building
/// from source as a user without a matching wheel would, then the suite without the
/// test hooks. The build shares `target/` (dev profile) so it reuses compiled
/// dependencies; pip's own wheel cache is bypassed so the source build really runs.
fn test_sdist(manifest: &Path) -> Result {
    let py = python_env()?;
    let out = target_dir().join("sdist");
    let _ = std::fs::remove_dir_all(&out);
    crate::progress("building the Python sdist and installing it from source");
    let mut c = Command::new(py.with_file_name("maturin"));
    c.current_dir(root())
        .args(["sdist", "-m", "bindings/python/Cargo.toml", "--out"])
        .arg(&out);
    run(c)?;
    let sdist = std::fs::read_dir(&out)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .ok_or("maturin produced no sdist")?;
    let venv = target_dir().join("py-sdist-venv");
    let mut c = Command::new(&py);
    c.args(["-m", "venv", "--clear"]).arg(&venv);
    run(c)?;
    let vpy = venv.join("bin/python");
    let mut c = Command::new(&vpy);
    // pip builds in a temporary directory, out of reach of the repository's
    // .cargo/config.toml: its OpenSSL settings are passed along, so the shared target/
    // keeps one openssl-sys build (and the installed module links OpenSSL statically).
    for (k, v) in cargo_config_env()? {
        c.env(k, v);
    }
    c.env("CARGO_TARGET_DIR", target_dir())
        .env("MATURIN_PEP517_ARGS", "--profile dev")
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-cache-dir",
            "--disable-pip-version-check",
        ])
        .arg(&sdist)
        .args(["pytest==9.2.0", "cryptography==50.0.2"]);
    run(c)?;
    let mut c = Command::new(&vpy);
    c.current_dir(&venv)
        .env(crate::testpki::ENV, manifest)
        .args([
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "not hooks",
        ])
        .arg(root().join("bindings/python/tests"));
    run(c)
}

/// A virtual environment with the wheel users install (no testing hooks) under
/// `target/py-snippets-venv`, built once per xtask process; returns its python. The
/// snippet suite runs the README's Python there.
pub fn user_venv() -> Result<PathBuf> {
    static VENV: std::sync::OnceLock<std::result::Result<PathBuf, String>> =
        std::sync::OnceLock::new();
    VENV.get_or_init(|| {
        let wheel = build_wheel(false, false)?;
        let venv = target_dir().join("py-snippets-venv");
        let mut c = Command::new(python_env()?);
        c.args(["-m", "venv", "--clear"]).arg(&venv);
        run(c)?;
        let py = venv.join("bin/python");
        let mut c = Command::new(&py);
        c.args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .arg(&wheel)
        // The README's external-signer example signs with pyca/cryptography.
        .arg("cryptography==50.0.2");
        run(c)?;
        Ok(py)
    })
    .clone()
}

pub fn test_python() -> Result {
    // The wheel users get (checked for test hooks) and the suite's own, with them.
    user_venv()?;
    let wheel = build_wheel(false, true)?;
    let name = wheel
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if !name.contains("abi3") {
        return Err(format!("{name} is not an abi3 wheel"));
    }
    let venv = target_dir().join("py-test-venv");
    let host = python_env()?;
    let mut c = Command::new(&host);
    c.args(["-m", "venv", "--clear"]).arg(&venv);
    run(c)?;
    let py = venv.join("bin/python");
    let mut c = Command::new(&py);
    c.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ])
    .arg(&wheel)
    // cryptography: the independent RSA implementation behind the external-signer test.
    .args(["pytest==9.2.0", "mypy==2.4.1", "cryptography==50.0.2"]);
    run(c)?;
    let manifest = crate::testpki::ensure()?;
    let tests = root().join("bindings/python/tests");
    // Run from a neutral directory so the source tree cannot shadow the installed package.
    let mut c = Command::new(&py);
    c.current_dir(&venv)
        .env(crate::testpki::ENV, &manifest)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(&tests);
    run(c)?;
    run_example(&py, &venv, &manifest)?;
    test_sdist(&manifest)?;
    // mypy --strict on the installed package, the tests and the example.
    let targets: [Vec<std::ffi::OsString>; 3] = [
        vec!["-p".into(), "sesgo".into()],
        vec![tests.into_os_string()],
        vec![root()
            .join("examples/python/sign_verify.py")
            .into_os_string()],
    ];
    for target in targets {
        let mut c = Command::new(&py);
        c.current_dir(&venv)
            .args([
                "-m",
                "mypy",
                "--strict",
                "--no-incremental",
                "--cache-dir=/dev/null",
            ])
            .args(target);
        run(c)?;
    }
    Ok(())
}

/// `examples/python/sign_verify.py` with the test PKI's PKCS#12 (path and password from
/// the environment, as a deployment would pass them) and a trust store of its root.
fn run_example(py: &std::path::Path, venv: &std::path::Path, manifest: &std::path::Path) -> Result {
    let text = std::fs::read_to_string(manifest).map_err(|e| e.to_string())?;
    let m: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let get = |k: &str| -> Result<String> {
        m.pointer(k)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .ok_or_else(|| format!("test PKI manifest without {k}"))
    };
    let mut c = Command::new(py);
    c.current_dir(venv)
        .arg(root().join("examples/python/sign_verify.py"))
        .arg(get("/p12Aes")?)
        .env("SESGO_PASSWORD", get("/password")?)
        .env("SESGO_TRUST_ROOT_PEM", get("/root/certPem")?)
        .env("SESGO_CA_PEM", get("/chainPem")?);
    run(c)
}
