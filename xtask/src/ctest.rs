//! `cargo xtask test c`: the C suites against include/sesgo.h and both libraries.
//!
//! Every `bindings/c/tests/*.c` is compiled with `-std=c11 -Wall -Wextra -Wpedantic
//! -Werror` and run three ways: linked statically, linked dynamically under valgrind
//! (0 errors, 0 definite/indirect leaks), and statically with AddressSanitizer and UBSan.
//! The header is also compiled as C++.

use crate::{cargo, root, run, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { root().join(p) })
        .unwrap_or_else(|| root().join("target"))
}

/// Builds libsesgo (with the `testing` hooks) and returns (lib dir, native static libs).
pub fn build_lib(profile: &str) -> Result<(PathBuf, Vec<String>)> {
    let mut c = cargo();
    c.args([
        "rustc",
        "-p",
        "sesgo-ffi",
        "--features",
        "testing",
        "--lib",
        "--crate-type",
        "staticlib",
    ]);
    if profile == "release" {
        c.arg("--release");
    }
    c.args(["--", "--print", "native-static-libs"]);
    eprintln!("xtask: running {c:?}");
    let out = c.output().map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("building libsesgo failed:\n{stderr}"));
    }
    let libs = stderr
        .lines()
        .find_map(|l| l.split("native-static-libs:").nth(1))
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    // The cdylib too (same features).
    let mut c = cargo();
    c.args([
        "rustc",
        "-p",
        "sesgo-ffi",
        "--features",
        "testing",
        "--lib",
        "--crate-type",
        "cdylib",
    ]);
    if profile == "release" {
        c.arg("--release");
    }
    run(c)?;
    Ok((target_dir().join(profile), libs))
}

fn cc(args: &[&str], out: &Path) -> Result {
    let mut c = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()));
    c.args(args).arg("-o").arg(out);
    run(c)
}

pub fn test_c() -> Result {
    let root = root();
    let (libdir, native) = build_lib("debug")?;
    let include = root.join("include");
    let out_dir = target_dir().join("c-tests");
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    let static_lib = libdir.join("libsesgo.a");
    let native: Vec<&str> = native.iter().map(String::as_str).collect();
    let inc = format!("-I{}", include.display());
    let warn = [
        "-std=c11",
        "-Wall",
        "-Wextra",
        "-Wpedantic",
        "-Werror",
        "-DSESGO_TESTING",
        "-g",
    ];

    // The header as C++.
    let mut cxx = Command::new(std::env::var("CXX").unwrap_or_else(|_| "c++".into()));
    cxx.args([
        "-std=c++17",
        "-Wall",
        "-Wextra",
        "-Wpedantic",
        "-Werror",
        "-DSESGO_TESTING",
        "-c",
    ])
    .arg(&inc)
    .arg(root.join("bindings/c/tests/header_cpp.cpp"))
    .arg("-o")
    .arg(out_dir.join("header_cpp.o"));
    run(cxx)?;

    let mut tests: Vec<PathBuf> = std::fs::read_dir(root.join("bindings/c/tests"))
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    tests.sort();
    if tests.is_empty() {
        return Err("no C tests found".into());
    }
    for t in &tests {
        let name = t.file_stem().and_then(|s| s.to_str()).unwrap_or("test");
        let src = t.to_string_lossy().into_owned();
        let lib = static_lib.to_string_lossy().into_owned();

        // 1. Static.
        let exe = out_dir.join(format!("{name}-static"));
        let mut args: Vec<&str> = warn.to_vec();
        args.extend([inc.as_str(), src.as_str(), lib.as_str(), "-lpthread"]);
        args.extend(native.iter().copied());
        cc(&args, &exe)?;
        run(Command::new(&exe))?;

        // 2. Shared, under valgrind.
        let exe = out_dir.join(format!("{name}-shared"));
        let ldir = format!("-L{}", libdir.display());
        let rpath = format!("-Wl,-rpath,{}", libdir.display());
        let mut args: Vec<&str> = warn.to_vec();
        args.extend([
            inc.as_str(),
            src.as_str(),
            ldir.as_str(),
            rpath.as_str(),
            "-lsesgo",
            "-lpthread",
        ]);
        cc(&args, &exe)?;
        let mut v = Command::new("valgrind");
        v.args([
            "--quiet",
            "--error-exitcode=97",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
            "--show-leak-kinds=definite,indirect",
        ])
        .arg(&exe);
        run(v)?;

        // 3. AddressSanitizer + UBSan (static).
        let exe = out_dir.join(format!("{name}-asan"));
        let mut args: Vec<&str> = warn.to_vec();
        args.extend([
            "-fsanitize=address,undefined",
            "-fno-omit-frame-pointer",
            "-fno-sanitize-recover=all",
        ]);
        args.extend([inc.as_str(), src.as_str(), lib.as_str(), "-lpthread"]);
        args.extend(native.iter().copied());
        cc(&args, &exe)?;
        let mut a = Command::new(&exe);
        // Rust's own allocations are not instrumented; leaks are valgrind's job above.
        a.env("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=1");
        run(a)?;
    }
    Ok(())
}
