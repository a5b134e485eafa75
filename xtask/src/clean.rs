//! What users install carries no test hook (docs/adr/0054).
//!
//! The `testing` feature of `sesgo-ffi`, `sesgo-python` and `sesgo-jni` adds functions
//! that panic or fail on purpose (`sesgo_testing_panic`, `_testing_panic`,
//! `Native.testingPanic`, …) for the bindings' own suites. The artifacts a user builds
//! from the README (`cargo xtask build c|python|java|dotnet`: release, no `testing`) and
//! the same artifacts the test run builds for the snippet suite (debug, no `testing`) are
//! checked here: no exported symbol and no function name of a test hook.

use crate::Result;
use std::path::Path;
use std::process::Command;

/// Names the test hooks leave in a library: C and JNI symbols, Python function names
/// (pyo3 keeps them as strings; they are not dynamic symbols).
const HOOK_NAMES: &[&str] = &[
    "sesgo_testing_panic",
    "sesgo_testing_error",
    "Native_testingPanic",
    "Native_testingError",
    "_testing_panic",
    "_testing_error",
];

/// Fails when the native library at `lib` (a `.so`, or a `.a`) exports a symbol with
/// `testing` in its name or contains a test hook's name.
pub fn check_library(lib: &Path) -> Result {
    check_file(lib)?;
    let is_archive = lib.extension().is_some_and(|x| x == "a");
    let mut nm = Command::new("nm");
    if is_archive {
        nm.args(["--defined-only", "-g"]);
    } else {
        nm.args(["-D", "--defined-only"]);
    }
    let out = nm
        .arg(lib)
        .output()
        .map_err(|e| format!("nm (binutils): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "nm {} failed: {}",
            lib.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let listing = String::from_utf8_lossy(&out.stdout);
    let exported: Vec<&str> = listing
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        // Rust-mangled names (`_ZN…`, `_R…`) of dependencies are not an API.
        .filter(|s| !s.starts_with("_ZN") && !s.starts_with("_R"))
        .filter(|s| s.to_ascii_lowercase().contains("testing"))
        .collect();
    if !exported.is_empty() {
        return Err(format!(
            "{} exports test-only symbols {exported:?}: built with the `testing` feature",
            lib.display()
        ));
    }
    eprintln!("xtask: {} carries no test hook", lib.display());
    if !is_archive {
        check_static_crypto(lib)?;
    }
    Ok(())
}

/// The crypto backend is linked in (ADR 0066): `ldd` finds no system libssl/libcrypto
/// among the shared library's dependencies.
pub fn check_static_crypto(lib: &Path) -> Result {
    let out = Command::new("ldd")
        .arg(lib)
        .output()
        .map_err(|e| format!("ldd: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "ldd {} failed: {}",
            lib.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let listing = String::from_utf8_lossy(&out.stdout);
    let system: Vec<&str> = listing
        .lines()
        .map(str::trim)
        .filter(|l| mentions_openssl(l))
        .collect();
    if !system.is_empty() {
        return Err(format!(
            "{} depends on the system's OpenSSL at run time {system:?}: it must be linked statically (OPENSSL_STATIC, .cargo/config.toml; ADR 0066)",
            lib.display()
        ));
    }
    eprintln!("xtask: {}: no system libssl/libcrypto (ldd)", lib.display());
    Ok(())
}

/// Whether a line of `ldd` or `auditwheel show` names OpenSSL's shared libraries.
pub fn mentions_openssl(line: &str) -> bool {
    line.contains("libssl.so") || line.contains("libcrypto.so")
}

/// Fails when the file contains a test hook's name (`grep -F`: fast on large debug
/// libraries).
pub fn check_file(path: &Path) -> Result {
    let mut grep = Command::new("grep");
    grep.args(["-a", "-o", "-m", "1", "-F"]);
    for name in HOOK_NAMES {
        grep.args(["-e", name]);
    }
    let out = grep.arg(path).output().map_err(|e| format!("grep: {e}"))?;
    match out.status.code() {
        Some(1) => Ok(()),
        Some(0) => Err(format!(
            "{} contains the test hook `{}`: built with the `testing` feature",
            path.display(),
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .next()
                .unwrap_or("?")
        )),
        _ => Err(format!(
            "grep {} failed: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

/// Every native library inside a zip archive (a wheel or a jar) passes [`check_file`];
/// at least one must be there.
pub fn check_archive(archive: &Path) -> Result {
    use std::io::Read;
    let file = std::fs::File::open(archive).map_err(|e| format!("{}: {e}", archive.display()))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| format!("{}: {e}", archive.display()))?;
    let mut libs = 0;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| e.to_string())?;
        let name = entry.name().to_owned();
        if !(name.ends_with(".so") || name.ends_with(".dylib") || name.ends_with(".dll")) {
            continue;
        }
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{}!{name}: {e}", archive.display()))?;
        let tmp = crate::ctest::target_dir().join("clean-check.bin");
        std::fs::write(&tmp, &bytes).map_err(|e| format!("{}: {e}", tmp.display()))?;
        let checked = check_file(&tmp).map_err(|e| format!("{}!{name}: {e}", archive.display()));
        let _ = std::fs::remove_file(&tmp);
        checked?;
        libs += 1;
    }
    if libs == 0 {
        return Err(format!("{} holds no native library", archive.display()));
    }
    eprintln!(
        "xtask: {} ({libs} native librar{}) carries no test hook",
        archive.display(),
        if libs == 1 { "y" } else { "ies" }
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn grep_finds_a_hook_in_a_file() {
        let dir = crate::ctest::target_dir().join("clean-test");
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("bad.so");
        std::fs::write(&bad, b"\x7fELF\0\0sesgo_testing_panic\0").unwrap();
        assert!(super::check_file(&bad).is_err());
        let good = dir.join("good.so");
        std::fs::write(&good, b"\x7fELF\0\0sesgo_sign\0").unwrap();
        assert!(super::check_file(&good).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
