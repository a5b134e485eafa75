//! `cargo xtask test c`: the C suites against include/sesgo.h and both libraries.
//!
//! Every `bindings/c/tests/*.c` is compiled with `-std=c11 -Wall -Wextra -Wpedantic
//! -Werror` and run three ways: linked statically, linked dynamically under valgrind
//! (0 errors, 0 definite/indirect leaks), and statically with AddressSanitizer and UBSan.
//! The header is also compiled as C++. The suites link libcrypto (OpenSSL) too: the
//! external-signer test signs in its callback with an independent RSA implementation.
//! The test PKI reaches them through environment variables (see `pki_env`).
//!
//! `cargo xtask build c`: the production library (no test hooks), the header and a
//! relocatable `sesgo.pc` under `target/c-dist/{include,lib,lib/pkgconfig}`; the test run
//! also builds `examples/c/sign_verify.c` with `pkg-config --cflags --libs sesgo` against
//! that tree and runs it on the test PKI (docs/adr/0021).
//!
//! The shared library is versioned (docs/adr/0060): SONAME `libsesgo.so.<ABI version>`,
//! the file `libsesgo.so.<ABI>.<version>` with the links `libsesgo.so.<ABI>` and
//! `libsesgo.so`; it exports `sesgo_*` functions only. Both are checked (`nm -D`,
//! `readelf -d`) on every library the C step builds. `cargo xtask install --prefix DIR`
//! copies the tree into `DIR/{include,lib,lib/pkgconfig}`; the C step installs into
//! `target/c-install` and builds the C example (shared and static) and the C++ example
//! (`examples/cpp/sign_verify.cpp`, `-Wall -Wextra -Werror`) there with `pkg-config`.

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
    build_lib_with(profile, true)
}

/// Builds libsesgo.a and libsesgo.so, with or without the `testing` hooks, into
/// `target/<profile>/`; returns (that dir, native static libs).
fn build_lib_with(profile: &str, testing: bool) -> Result<(PathBuf, Vec<String>)> {
    let features: &[&str] = if testing {
        &["--features", "testing"]
    } else {
        &[]
    };
    let mut c = cargo();
    c.args(["rustc", "-p", "sesgo-ffi"]);
    c.args(features);
    c.args(["--lib", "--crate-type", "staticlib"]);
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
    // The cdylib too (same features), with its SONAME.
    let mut c = cargo();
    c.args(["rustc", "-p", "sesgo-ffi"]);
    c.args(features);
    c.args(["--lib", "--crate-type", "cdylib"]);
    if profile == "release" {
        c.arg("--release");
    }
    let soname = soname()?;
    c.args(["--", "-C"])
        .arg(format!("link-arg=-Wl,-soname,{soname}"));
    run(c)?;
    let dir = target_dir().join(profile);
    // What a program linked with -lsesgo asks the dynamic loader for.
    relink(Path::new("libsesgo.so"), &dir.join(&soname))?;
    Ok((dir, libs))
}

/// `libsesgo.so.<ABI version>`: the SONAME, the name programs linked with `-lsesgo`
/// record (`DT_NEEDED`). A new ABI version is a new SONAME, so two can be installed side
/// by side (docs/adr/0060).
pub fn soname() -> Result<String> {
    Ok(format!(
        "libsesgo.so.{}",
        crate::header::abi_version(&root())?
    ))
}

/// The file name of the shared library in a distribution tree:
/// `libsesgo.so.<ABI version>.<workspace version>` (e.g. `libsesgo.so.2.0.1.0`).
fn real_name() -> Result<String> {
    Ok(format!(
        "{}.{}",
        soname()?,
        crate::header::workspace_version(&root())?
    ))
}

/// Makes `link` a symbolic link to `target` (relative to the link's directory),
/// replacing whatever `link` was.
fn relink(target: &Path, link: &Path) -> Result {
    match std::fs::symlink_metadata(link) {
        Ok(_) => std::fs::remove_file(link).map_err(|e| format!("{}: {e}", link.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("{}: {e}", link.display())),
    }
    std::os::unix::fs::symlink(target, link)
        .map_err(|e| format!("{} -> {}: {e}", link.display(), target.display()))
}

/// Runs `cmd` and returns its standard output; fails with its standard error.
fn output(mut cmd: Command) -> Result<String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The shared library at `lib` records the SONAME `libsesgo.so.<ABI>` (`readelf -d`)
/// and exports functions named `sesgo_*` only (`nm -D --defined-only`): no dependency's
/// symbol leaks into the dynamic symbol table, where it could clash with the host's.
pub fn check_shared_library(lib: &Path) -> Result {
    let soname = soname()?;
    let mut c = Command::new("readelf");
    c.arg("-d").arg(lib);
    let dynamic = output(c)?;
    let recorded: Vec<&str> = dynamic
        .lines()
        .filter(|l| l.contains("(SONAME)"))
        .filter_map(|l| l.split('[').nth(1))
        .filter_map(|l| l.split(']').next())
        .collect();
    if recorded != [soname.as_str()] {
        return Err(format!(
            "{}: SONAME {recorded:?}, expected [{soname:?}] (readelf -d)",
            lib.display()
        ));
    }
    let mut c = Command::new("nm");
    c.args(["-D", "--defined-only"]).arg(lib);
    let listing = output(c)?;
    let mut functions = 0;
    let mut foreign = Vec::new();
    for line in listing.lines() {
        // "<address> <type> <name>"; undefined symbols are already left out.
        let mut fields = line.split_whitespace().rev();
        let (Some(name), Some(kind)) = (fields.next(), fields.next()) else {
            continue;
        };
        // Version definition nodes (type A, no address) name no code.
        if kind == "A" {
            continue;
        }
        if name.starts_with("sesgo_") && matches!(kind, "T" | "t") {
            functions += 1;
        } else {
            foreign.push(format!("{kind} {name}"));
        }
    }
    if !foreign.is_empty() {
        return Err(format!(
            "{} exports symbols other than sesgo_* functions: {foreign:?}",
            lib.display()
        ));
    }
    if functions == 0 {
        return Err(format!(
            "{}: nm -D found no sesgo_* function",
            lib.display()
        ));
    }
    eprintln!(
        "xtask: {}: SONAME {soname}, {functions} exported functions, all sesgo_*",
        lib.display()
    );
    Ok(())
}

fn cc(args: &[&str], out: &Path) -> Result {
    let mut c = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()));
    c.args(args).arg("-o").arg(out);
    run(c)
}

/// The distribution tree: `include/sesgo.h`, `lib/libsesgo.a`, the shared library
/// `lib/libsesgo.so.<ABI>.<version>` with its links `libsesgo.so.<ABI>` (the SONAME) and
/// `libsesgo.so`, and `lib/pkgconfig/sesgo.pc` (prefix relative to the .pc file, so the
/// tree can be moved or copied to /usr/local as a whole). Returns its root.
pub fn build_dist(profile: &str) -> Result<PathBuf> {
    static BUILT: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);
    let dist = target_dir().join("c-dist");
    // Built once per xtask process (the C suite's tree is reused by the snippet suite),
    // unless another profile overwrote it since.
    if BUILT.lock().map_err(|e| e.to_string())?.as_deref() == Some(profile)
        && dist.join("lib/libsesgo.so").is_file()
    {
        return Ok(dist);
    }
    let built = build_dist_uncached(profile)?;
    *BUILT.lock().map_err(|e| e.to_string())? = Some(profile.to_owned());
    Ok(built)
}

fn build_dist_uncached(profile: &str) -> Result<PathBuf> {
    let root = root();
    crate::progress(&format!(
        "building libsesgo ({profile}, no testing hooks) into target/c-dist"
    ));
    let (libdir, native) = build_lib_with(profile, false)?;
    let dist = target_dir().join("c-dist");
    let _ = std::fs::remove_dir_all(&dist);
    let pcdir = dist.join("lib/pkgconfig");
    let incdir = dist.join("include");
    for d in [&pcdir, &incdir] {
        std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    let copy = |from: PathBuf, to: PathBuf| {
        std::fs::copy(&from, &to)
            .map(|_| ())
            .map_err(|e| format!("{} -> {}: {e}", from.display(), to.display()))
    };
    copy(root.join("include/sesgo.h"), incdir.join("sesgo.h"))?;
    copy(libdir.join("libsesgo.a"), dist.join("lib/libsesgo.a"))?;
    let (real, soname) = (real_name()?, soname()?);
    copy(libdir.join("libsesgo.so"), dist.join("lib").join(&real))?;
    relink(Path::new(&real), &dist.join("lib").join(&soname))?;
    relink(Path::new(&soname), &dist.join("lib/libsesgo.so"))?;
    std::fs::write(
        pcdir.join("sesgo.pc"),
        pkg_config("${pcfiledir}/../..", &native)?,
    )
    .map_err(|e| e.to_string())?;
    for lib in ["libsesgo.a", "libsesgo.so"] {
        crate::clean::check_library(&dist.join("lib").join(lib))?;
    }
    check_shared_library(&dist.join("lib").join(&real))?;
    eprintln!("xtask: wrote {}", dist.display());
    Ok(dist)
}

/// `sesgo.pc` for the tree whose root is `prefix`.
fn pkg_config(prefix: &str, native: &[String]) -> Result<String> {
    let version = crate::header::workspace_version(&root())?;
    Ok(format!(
        "# sesgo: SES-GO FHIR digital signatures (JWS/JAdES, ICP-Brasil). Generated by\n\
         # `cargo xtask build c` / `cargo xtask install`.\n\
         prefix={prefix}\n\
         libdir=${{prefix}}/lib\n\
         includedir=${{prefix}}/include\n\
         \n\
         Name: sesgo\n\
         Description: SES-GO FHIR R4 advanced signatures (C ABI)\n\
         Version: {version}\n\
         Cflags: -I${{includedir}}\n\
         Libs: -L${{libdir}} -lsesgo\n\
         Libs.private: {}\n",
        native.join(" ")
    ))
}

/// `cargo xtask install --prefix DIR`: the release library installed under `DIR`.
pub fn install_cmd(prefix: &str) -> Result {
    let dist = build_dist("release")?;
    let prefix = install(&dist, Path::new(prefix))?;
    println!("{}", prefix.display());
    Ok(())
}

/// Copies the distribution tree `dist` into `prefix`: `include/sesgo.h`,
/// `lib/libsesgo.a`, `lib/libsesgo.so.<ABI>.<version>` and its two links (recreated, not
/// followed), `lib/pkgconfig/sesgo.pc` naming the absolute prefix. Files of another
/// version already there are left alone (side by side); this version's are replaced.
/// Returns the absolute prefix.
pub fn install(dist: &Path, prefix: &Path) -> Result<PathBuf> {
    let prefix = if prefix.is_absolute() {
        prefix.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| e.to_string())?
            .join(prefix)
    };
    let Some(prefix_str) = prefix.to_str() else {
        return Err(format!("{}: the prefix must be UTF-8", prefix.display()));
    };
    if prefix_str.contains(char::is_whitespace) {
        return Err(format!(
            "{prefix_str}: pkg-config cannot name a prefix containing spaces"
        ));
    }
    let (lib, inc, pc) = (
        prefix.join("lib"),
        prefix.join("include"),
        prefix.join("lib/pkgconfig"),
    );
    for d in [&lib, &inc, &pc] {
        std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    let put = |from: PathBuf, to: PathBuf| -> Result {
        // Replace, never write through: `to` may be another installation's link.
        if std::fs::symlink_metadata(&to).is_ok() {
            std::fs::remove_file(&to).map_err(|e| format!("{}: {e}", to.display()))?;
        }
        std::fs::copy(&from, &to)
            .map(|_| ())
            .map_err(|e| format!("{} -> {}: {e}", from.display(), to.display()))
    };
    let (real, soname) = (real_name()?, soname()?);
    put(dist.join("include/sesgo.h"), inc.join("sesgo.h"))?;
    put(dist.join("lib/libsesgo.a"), lib.join("libsesgo.a"))?;
    put(dist.join("lib").join(&real), lib.join(&real))?;
    relink(Path::new(&real), &lib.join(&soname))?;
    relink(Path::new(&soname), &lib.join("libsesgo.so"))?;
    // The tree's own sesgo.pc (same Libs.private), its prefix made absolute.
    let relocatable = dist.join("lib/pkgconfig/sesgo.pc");
    let text = std::fs::read_to_string(&relocatable)
        .map_err(|e| format!("{}: {e}", relocatable.display()))?;
    let text: String = text
        .lines()
        .map(|l| {
            if l.starts_with("prefix=") {
                format!("prefix={prefix_str}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(pc.join("sesgo.pc"), text).map_err(|e| format!("{}: {e}", pc.display()))?;
    for f in [&real, &soname, &"libsesgo.so".to_owned()] {
        eprintln!("xtask: installed {}", lib.join(f).display());
    }
    Ok(prefix)
}

/// The test PKI as environment variables for the C suites and the example.
fn pki_env() -> Result<Vec<(String, String)>> {
    let manifest = crate::testpki::ensure()?;
    let text = std::fs::read_to_string(&manifest).map_err(|e| e.to_string())?;
    let m: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let get = |path: &[&str]| -> Result<String> {
        let mut v = &m;
        for p in path {
            v = &v[*p];
        }
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("manifest: no {path:?}"))
    };
    Ok(vec![
        (
            crate::testpki::ENV.into(),
            manifest.to_string_lossy().into_owned(),
        ),
        ("SESGO_TEST_P12".into(), get(&["p12Aes"])?),
        ("SESGO_TEST_PASSWORD".into(), get(&["password"])?),
        ("SESGO_TEST_ROOT_SHA256".into(), get(&["rootSha256"])?),
        ("SESGO_TEST_CHAIN_PEM".into(), get(&["chainPem"])?),
        ("SESGO_TEST_LEAF_PEM".into(), get(&["ecpf", "certPem"])?),
        ("SESGO_TEST_LEAF_KEY_PEM".into(), get(&["ecpf", "keyPem"])?),
        ("SESGO_TEST_TSA_URL".into(), get(&["tsa", "url"])?),
        (
            "SESGO_TEST_TSA_ROOT_PEM".into(),
            get(&["tsa", "tlsRootPem"])?,
        ),
        (
            "SESGO_TEST_EXAMPLES".into(),
            root().join("examples").to_string_lossy().into_owned(),
        ),
        ("SOFTHSM2_CONF".into(), get(&["pkcs11", "conf"])?),
        (
            "SESGO_TEST_PKCS11_CONFIG".into(),
            get(&["pkcs11", "config"])?,
        ),
        ("SESGO_TEST_PKCS11_PIN".into(), get(&["pkcs11", "pin"])?),
        (
            "SESGO_TEST_AIA_LEAF_PEM".into(),
            get(&["online", "ecpf", "certPem"])?,
        ),
        (
            "SESGO_TEST_AIA_ROOT_SHA256".into(),
            get(&["online", "rootSha256"])?,
        ),
        ("SESGO_TEST_AIA_WWW".into(), get(&["online", "www"])?),
        (
            "SESGO_TEST_AIA_BASE_URL".into(),
            get(&["online", "baseUrl"])?,
        ),
        (
            "SESGO_TEST_AIA_LEAF_ONLY_BUNDLE".into(),
            get(&["online", "leafOnlyBundle"])?,
        ),
    ])
}

/// `pkg-config ARGS sesgo` against the `.pc` files of `pcdir` only.
fn pkg_config_flags(pcdir: &Path, args: &[&str]) -> Result<Vec<String>> {
    let mut pc = Command::new("pkg-config");
    pc.env("PKG_CONFIG_PATH", pcdir)
        .env("PKG_CONFIG_LIBDIR", pcdir)
        .args(args)
        .arg("sesgo");
    let out = pc
        .output()
        .map_err(|e| format!("pkg-config (install pkg-config): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "pkg-config {args:?} sesgo failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let flags = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!(
        "xtask: pkg-config {} sesgo: {}",
        args.join(" "),
        flags.trim()
    );
    Ok(flags.split_whitespace().map(str::to_owned).collect())
}

/// The value of `k` in the suite's environment.
fn var(env: &[(String, String)], k: &str) -> String {
    env.iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Runs an example program (C or C++: same arguments) on the test PKI, with `lib_dir` as
/// `LD_LIBRARY_PATH` when given.
fn run_example(exe: &Path, lib_dir: Option<&Path>, env: &[(String, String)]) -> Result {
    let examples = root().join("examples");
    let mut c = Command::new(exe);
    c.arg(var(env, "SESGO_TEST_P12"))
        .arg(var(env, "SESGO_TEST_ROOT_SHA256"))
        .arg(var(env, "SESGO_TEST_CHAIN_PEM"))
        .arg(examples.join("bundle.json"))
        .arg(examples.join("provenance.json"))
        .env("SESGO_P12_PASSWORD", var(env, "SESGO_TEST_PASSWORD"))
        .env_remove("LD_LIBRARY_PATH");
    if let Some(dir) = lib_dir {
        c.env("LD_LIBRARY_PATH", dir);
    }
    run(c)
}

/// `examples/c/sign_verify.c`, compiled with the flags `pkg-config` gives for the dist
/// tree, run on the test PKI.
fn example(dist: &Path, out_dir: &Path, env: &[(String, String)]) -> Result {
    let flags = pkg_config_flags(&dist.join("lib/pkgconfig"), &["--cflags", "--libs"])?;
    let exe = out_dir.join("sign_verify");
    let src = root().join("examples/c/sign_verify.c");
    let mut args: Vec<&str> = vec!["-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror"];
    let src = src.to_string_lossy().into_owned();
    args.push(&src);
    args.extend(flags.iter().map(String::as_str));
    cc(&args, &exe)?;
    run_example(&exe, Some(&dist.join("lib")), env)
}

/// `cargo xtask install --prefix` into a fresh `target/c-install`, then what an
/// integrator does with it: the C example linked shared (it must record the SONAME) and
/// static (the archive and Libs.private suffice), and the C++ example, each built with
/// `pkg-config` against that prefix only and run on the test PKI.
fn installed(dist: &Path, out_dir: &Path, env: &[(String, String)]) -> Result {
    let prefix = target_dir().join("c-install");
    let _ = std::fs::remove_dir_all(&prefix);
    let prefix = install(dist, &prefix)?;
    let lib = prefix.join("lib");
    let (real, soname) = (real_name()?, soname()?);
    for (link, to) in [
        (soname.as_str(), real.as_str()),
        ("libsesgo.so", soname.as_str()),
    ] {
        let found = std::fs::read_link(lib.join(link)).map_err(|e| format!("{link}: {e}"))?;
        if found != Path::new(to) {
            return Err(format!("{link} -> {}, expected -> {to}", found.display()));
        }
    }
    for f in [
        "include/sesgo.h",
        "lib/libsesgo.a",
        "lib/pkgconfig/sesgo.pc",
    ] {
        if !prefix.join(f).is_file() {
            return Err(format!("install left no {f} in {}", prefix.display()));
        }
    }
    let pcdir = lib.join("pkgconfig");
    let cflags = pkg_config_flags(&pcdir, &["--cflags"])?;
    let libs = pkg_config_flags(&pcdir, &["--libs"])?;
    let static_libs: Vec<String> = pkg_config_flags(&pcdir, &["--static", "--libs-only-l"])?
        .into_iter()
        .filter(|l| l != "-lsesgo")
        .collect();
    let c_src = root()
        .join("examples/c/sign_verify.c")
        .to_string_lossy()
        .into_owned();
    let strict = ["-Wall", "-Wextra", "-Wpedantic", "-Werror"];

    // C, shared: the executable asks for libsesgo.so.<ABI>, found through the prefix.
    let exe = out_dir.join("sign_verify-installed");
    let mut args: Vec<&str> = vec!["-std=c11"];
    args.extend(strict);
    args.push(&c_src);
    args.extend(cflags.iter().chain(&libs).map(String::as_str));
    cc(&args, &exe)?;
    let mut c = Command::new("readelf");
    c.arg("-d").arg(&exe);
    let needed = output(c)?;
    if !needed.contains(&format!("Shared library: [{soname}]")) {
        return Err(format!(
            "{} does not record {soname} (readelf -d):\n{needed}",
            exe.display()
        ));
    }
    run_example(&exe, Some(&lib), env)?;

    // C, static: the archive is self-contained with the system libraries of Libs.private.
    let exe = out_dir.join("sign_verify-installed-static");
    let archive = lib.join("libsesgo.a").to_string_lossy().into_owned();
    let mut args: Vec<&str> = vec!["-std=c11"];
    args.extend(strict);
    args.push(&c_src);
    args.extend(cflags.iter().map(String::as_str));
    args.push(&archive);
    args.extend(static_libs.iter().map(String::as_str));
    cc(&args, &exe)?;
    run_example(&exe, None, env)?;

    // C++17, shared.
    let exe = out_dir.join("sign_verify-cpp");
    let cpp_src = root().join("examples/cpp/sign_verify.cpp");
    let mut cxx = Command::new(std::env::var("CXX").unwrap_or_else(|_| "c++".into()));
    cxx.arg("-std=c++17")
        .args(strict)
        .arg(&cpp_src)
        .args(cflags.iter().chain(&libs))
        .arg("-o")
        .arg(&exe);
    run(cxx)?;
    run_example(&exe, Some(&lib), env)
}

pub fn test_c() -> Result {
    let root = root();
    let env = pki_env()?;
    let dist = build_dist("debug")?;
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
    // The longest run (the hostile corpus under valgrind, about two and a half minutes)
    // goes on beside the others: it only reads its inputs (the CI budget, docs/adr/0073).
    std::thread::scope(|scope| -> Result {
        let mut beside = None;
        for t in &tests {
            let name = t.file_stem().and_then(|s| s.to_str()).unwrap_or("test");
            let src = t.to_string_lossy().into_owned();
            let lib = static_lib.to_string_lossy().into_owned();

            // Linked against the static library, with `extra` flags: the test, ready to run.
            let linked_static = |suffix: &str, extra: &[&'static str]| -> Result<Command> {
                let exe = out_dir.join(format!("{name}-{suffix}"));
                let mut args: Vec<&str> = warn.to_vec();
                args.extend(extra);
                args.extend([
                    inc.as_str(),
                    src.as_str(),
                    lib.as_str(),
                    "-lcrypto",
                    "-lpthread",
                ]);
                args.extend(native.iter().copied());
                cc(&args, &exe)?;
                let mut c = Command::new(&exe);
                c.envs(env.iter().map(|(k, v)| (k, v)));
                Ok(c)
            };

            // 1. Static.
            run(linked_static("static", &[])?)?;

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
                "-lcrypto",
                "-lpthread",
            ]);
            cc(&args, &exe)?;
            let supp = format!(
                "--suppressions={}",
                crate::root()
                    .join("bindings/c/tests/valgrind-ring.supp")
                    .display()
            );
            let mut v = Command::new("valgrind");
            v.args([
                "--quiet",
                "--error-exitcode=97",
                // ring's AEAD assembly under rustls (the HTTPS TSA): see the file.
                supp.as_str(),
                "--leak-check=full",
                "--errors-for-leak-kinds=definite,indirect",
                "--show-leak-kinds=definite,indirect",
            ])
            .arg(&exe)
            .envs(env.iter().map(|(k, v)| (k, v)))
            // test_hostile.c leaves its inputs over 1 MiB to the other two runs.
            .env("SESGO_TEST_UNDER_VALGRIND", "1");
            if name == "test_hostile" && beside.is_none() {
                beside = Some(scope.spawn(move || run(v)));
            } else {
                run(v)?;
            }

            // 3. AddressSanitizer + UBSan (static).
            let mut a = linked_static(
                "asan",
                &[
                    "-fsanitize=address,undefined",
                    "-fno-omit-frame-pointer",
                    "-fno-sanitize-recover=all",
                ],
            )?;
            // Rust's own allocations are not instrumented; leaks are valgrind's job above.
            a.env("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=1");
            run(a)?;
        }
        match beside.map(|h| h.join()) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err("the valgrind run of test_hostile panicked".into()),
            None => Ok(()),
        }
    })?;

    // The shared library the suites above loaded: SONAME and sesgo_* exports only (the
    // dist's was checked when it was built).
    check_shared_library(&libdir.join("libsesgo.so"))?;

    // The example, as a user builds it: header + pkg-config only.
    example(&dist, &out_dir, &env)?;
    // The installed prefix: C (shared and static) and C++.
    installed(&dist, &out_dir, &env)
}
