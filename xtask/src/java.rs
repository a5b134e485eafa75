//! `cargo xtask build java` / `cargo xtask test java`: libsesgo_jni (crate `sesgo-jni`)
//! bundled into the Maven jar at `/native/<os>-<arch>/` — release and without the
//! `testing` hooks for `build java`, debug without them for the test run (checked by
//! `clean`, docs/adr/0054) — the JUnit 5 suite run by Maven (surefire) against a build
//! *with* the hooks on `java.library.path`, and a check that every `native` method of
//! `Native.java` has an exported `Java_…` symbol in that library (and vice versa).

use crate::ctest::target_dir;
use crate::{cargo, root, run, Result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const LIB: &str = "libsesgo_jni.so";

/// `<os>-<arch>` as `NativeLibrary.classifier()` names the jar's folders.
fn classifier() -> String {
    // Rust's OS and ARCH names ("linux", "macos", "windows"; "x86_64", "aarch64") are
    // exactly the ones the Java side normalizes to.
    format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH)
}

fn java_dir() -> PathBuf {
    root().join("bindings/java")
}

/// Builds libsesgo_jni and returns a copy of it that later builds with other features do
/// not overwrite: `target/java-native/<profile>[-testing]/libsesgo_jni.so`.
fn build_lib(release: bool, testing: bool) -> Result<PathBuf> {
    let profile = if release { "release" } else { "debug" };
    crate::progress(&format!(
        "building the JNI library ({profile}{})",
        if testing {
            ", with the testing hooks"
        } else {
            ""
        }
    ));
    let mut c = cargo();
    c.args(["build", "-p", "sesgo-jni"]);
    if testing {
        c.args(["--features", "testing"]);
    }
    if release {
        c.arg("--release");
    }
    run(c)?;
    let lib = target_dir().join(profile).join(LIB);
    if !lib.is_file() {
        return Err(format!("{} was not built", lib.display()));
    }
    let dir = target_dir().join("java-native").join(format!(
        "{profile}{}",
        if testing { "-testing" } else { "" }
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let copy = dir.join(LIB);
    std::fs::copy(&lib, &copy).map_err(|e| format!("copying {}: {e}", lib.display()))?;
    if !testing {
        crate::clean::check_library(&copy)?;
    }
    Ok(copy)
}

fn mvn(args: &[&str]) -> Command {
    let mut c = Command::new(std::env::var("MVN").unwrap_or_else(|_| "mvn".into()));
    c.current_dir(java_dir()).args(args);
    c
}

/// Builds the native library without the testing hooks (`release` for `cargo xtask
/// build java`), copies it to the Maven resource root
/// `bindings/java/target/native/native/<os>-<arch>/`, packages the jar (tests skipped)
/// and returns the jar's path. Built once per xtask process and profile.
pub fn build_jar(release: bool) -> Result<PathBuf> {
    static JARS: std::sync::Mutex<Vec<(bool, PathBuf)>> = std::sync::Mutex::new(Vec::new());
    if let Some((_, jar)) = JARS
        .lock()
        .map_err(|e| e.to_string())?
        .iter()
        .find(|(r, _)| *r == release)
    {
        return Ok(jar.clone());
    }
    let lib = build_lib(release, false)?;
    let dir = java_dir().join("target/native/native").join(classifier());
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    std::fs::copy(&lib, dir.join(LIB)).map_err(|e| format!("copying {}: {e}", lib.display()))?;
    crate::progress("packaging the jar, its sources and javadoc jars (Maven)");
    run(mvn(&["-B", "-q", "package", "-DskipTests"]))?;
    let version = crate::header::workspace_version(&root())?;
    let jar = java_dir()
        .join("target")
        .join(format!("sesgo-{version}.jar"));
    let listing = jar_listing(&jar)?;
    let bundled = format!("native/{}/{LIB}", classifier());
    if !listing.contains(&bundled) {
        return Err(format!("{} does not bundle {bundled}", jar.display()));
    }
    check_maven_metadata(&jar, &version)?;
    crate::clean::check_archive(&jar)?;
    eprintln!("xtask: jar {}", jar.display());
    if let Ok(mut jars) = JARS.lock() {
        jars.push((release, jar.clone()));
    }
    Ok(jar)
}

/// The entries of a jar (`jar tf`).
fn jar_listing(jar: &Path) -> Result<Vec<String>> {
    let out = Command::new("jar")
        .arg("tf")
        .arg(jar)
        .output()
        .map_err(|e| format!("jar tf {}: {e}", jar.display()))?;
    if !out.status.success() {
        return Err(format!(
            "jar tf {}: {}",
            jar.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect())
}

/// One entry of a jar as text (`unzip -p`).
fn jar_entry(jar: &Path, entry: &str) -> Result<String> {
    let out = Command::new("unzip")
        .arg("-p")
        .arg(jar)
        .arg(entry)
        .output()
        .map_err(|e| format!("unzip -p {} {entry}: {e}", jar.display()))?;
    if !out.status.success() {
        return Err(format!("{} has no {entry}", jar.display()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// What a Maven repository and the module path expect of the release (issue 24): the
/// jar's POM and `pom.properties` say `br.gov.go.saude:sesgo:<workspace version>`, its
/// manifest names the automatic module `br.gov.go.saude.sesgo`, and the `-sources` and
/// `-javadoc` jars sit beside it, holding the public classes' sources and pages.
fn check_maven_metadata(jar: &Path, version: &str) -> Result {
    let props = jar_entry(jar, "META-INF/maven/br.gov.go.saude/sesgo/pom.properties")?;
    for want in [
        "groupId=br.gov.go.saude".to_owned(),
        "artifactId=sesgo".to_owned(),
        format!("version={version}"),
    ] {
        if !props.lines().any(|l| l.trim() == want) {
            return Err(format!(
                "{}: pom.properties lacks `{want}`:\n{props}",
                jar.display()
            ));
        }
    }
    let pom = jar_entry(jar, "META-INF/maven/br.gov.go.saude/sesgo/pom.xml")?;
    for want in ["<licenses>", "<url>", "<scm>", "<developers>"] {
        if !pom.contains(want) {
            return Err(format!("{}: the POM has no {want}", jar.display()));
        }
    }
    let manifest = jar_entry(jar, "META-INF/MANIFEST.MF")?;
    if !manifest
        .lines()
        .any(|l| l.trim() == "Automatic-Module-Name: br.gov.go.saude.sesgo")
    {
        return Err(format!(
            "{}: no Automatic-Module-Name in the manifest:\n{manifest}",
            jar.display()
        ));
    }
    let dir = jar.parent().ok_or("jar without a directory")?;
    for (kind, entry) in [
        ("sources", "br/gov/go/saude/sesgo/Sesgo.java"),
        ("javadoc", "br/gov/go/saude/sesgo/Sesgo.html"),
    ] {
        let side = dir.join(format!("sesgo-{version}-{kind}.jar"));
        // javadoc may file the pages under the module's name (`br.gov.go.saude.sesgo/…`).
        if !jar_listing(&side)?.iter().any(|l| l.ends_with(entry)) {
            return Err(format!("{} does not hold {entry}", side.display()));
        }
    }
    eprintln!(
        "xtask: {}: br.gov.go.saude:sesgo:{version}, Automatic-Module-Name, sources and javadoc jars",
        jar.display()
    );
    Ok(())
}

pub fn test_java() -> Result {
    // The jar users get (no testing hooks, checked) runs the example and the snippets; the
    // JUnit suite loads the library with the hooks from java.library.path, which
    // NativeLibrary prefers to the bundled copy.
    let jar = build_jar(false)?;
    let testing_lib = build_lib(false, true)?;
    check_symbols(&testing_lib)?;
    // The JUnit suite and the example read the test PKI's manifest (certificates become
    // valid at generation time: generated right before use).
    let manifest = crate::testpki::ensure()?;
    let lib_dir = testing_lib.parent().ok_or("library without a directory")?;
    let mut test = mvn(&["-B", "test"]);
    test.arg(format!(
        "-DargLine=-Djava.library.path={}",
        lib_dir.display()
    ));
    test.env(crate::testpki::ENV, &manifest);
    run(test)?;
    run_example(&jar, &manifest)
}

/// `examples/java/SignVerify.java` as a user runs it: `java -cp sesgo.jar SignVerify.java
/// <p12> <rootSha256> <chainPem>` with the password in `SESGO_PASSWORD`; it must report a
/// valid signature and a tampered copy as invalid.
fn run_example(jar: &Path, manifest: &Path) -> Result {
    let text = std::fs::read_to_string(manifest).map_err(|e| format!("{manifest:?}: {e}"))?;
    let m: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let field = |k: &str| {
        m[k].as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("manifest has no {k}"))
    };
    let out = Command::new("java")
        .current_dir(root())
        .arg("-cp")
        .arg(jar)
        .arg("examples/java/SignVerify.java")
        .arg(field("p12Aes")?)
        .arg(field("rootSha256")?)
        .arg(field("chainPem")?)
        .env("SESGO_PASSWORD", field("password")?)
        .output()
        .map_err(|e| format!("java: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprint!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        return Err(format!(
            "examples/java/SignVerify.java failed ({})",
            out.status
        ));
    }
    for want in ["valid: true", "tampered valid: false"] {
        if !stdout.lines().any(|l| l.trim() == want) {
            return Err(format!(
                "examples/java/SignVerify.java did not print `{want}`"
            ));
        }
    }
    eprintln!("xtask: examples/java/SignVerify.java ran");
    Ok(())
}

/// Every `native` method of `Native.java` (from the header `javac -h` generates) must be
/// exported by the library, and every exported `Java_` symbol must be declared.
fn check_symbols(lib: &Path) -> Result {
    let tmp = target_dir().join("java-jni-headers");
    let _ = std::fs::remove_dir_all(&tmp);
    let native = java_dir().join("src/main/java/br/gov/go/saude/sesgo/Native.java");
    let mut c = Command::new("javac");
    // Native.java refers to other classes of the package (Signer.SigningFunction, the
    // result types): found through the source path.
    c.arg("-h")
        .arg(tmp.join("h"))
        .arg("-sourcepath")
        .arg(java_dir().join("src/main/java"))
        .arg("-d")
        .arg(tmp.join("classes"))
        .arg(&native);
    run(c)?;
    let header = tmp.join("h/br_gov_go_saude_sesgo_Native.h");
    let header = std::fs::read_to_string(&header).map_err(|e| format!("{header:?}: {e}"))?;
    let declared: BTreeSet<String> = header
        .lines()
        .filter_map(|l| l.trim().strip_prefix("JNIEXPORT "))
        .filter_map(|l| l.split_whitespace().find(|w| w.starts_with("Java_")))
        .map(str::to_owned)
        .collect();
    if declared.is_empty() {
        return Err("javac -h declared no native methods".into());
    }
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(lib)
        .output()
        .map_err(|e| format!("nm: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "nm failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let exported: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .filter(|s| s.starts_with("Java_"))
        .map(str::to_owned)
        .collect();
    let missing: Vec<_> = declared.difference(&exported).collect();
    let undeclared: Vec<_> = exported.difference(&declared).collect();
    if !missing.is_empty() || !undeclared.is_empty() {
        return Err(format!(
            "JNI symbols out of sync: declared in Native.java but not exported: {missing:?}; \
             exported but not declared: {undeclared:?}"
        ));
    }
    eprintln!(
        "xtask: all {} native methods of Native.java are exported by {LIB}",
        declared.len()
    );
    Ok(())
}
