//! `cargo xtask build dotnet` / `cargo xtask test dotnet`: the C# binding
//! (`bindings/dotnet`, P/Invoke over the C ABI of `libsesgo`) compiled with Mono's `mcs`,
//! laid out and zipped as a NuGet package (`lib/netstandard2.0/`,
//! `runtimes/<rid>/native/`) with this platform's native library, the NUnit 2.6 suite run
//! by `nunit-console` against that layout and the test PKI, and
//! `examples/dotnet/SignVerify.cs` compiled and run as a user would (docs/adr/0035).
//!
//! `build dotnet` packs the production library (release, no testing hooks); the test run
//! packs the debug library with the `testing` hooks (panic → `SYSTEM`), as the Java jar.

use crate::ctest::target_dir;
use crate::{root, run, Result};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The assembly, namespace and NuGet package id.
const ASSEMBLY: &str = "Br.Gov.Go.Saude.Sesgo";

/// Which native library the package carries.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `libsesgo` release build, no testing hooks (what `cargo xtask build dotnet` ships).
    Release,
    /// `libsesgo` debug build with the `testing` feature (the test suite's).
    Test,
    /// `libsesgo` debug build without the testing hooks (the snippet suite's: what users
    /// get, without a release build; docs/adr/0054).
    Dev,
}

fn dotnet_dir() -> PathBuf {
    root().join("bindings/dotnet")
}

fn out_dir() -> PathBuf {
    target_dir().join("dotnet")
}

/// The NuGet runtime identifier of this machine (`linux-x64`, `win-x64`, `osx-arm64`, …).
pub fn rid() -> String {
    let os = match std::env::consts::OS {
        "windows" => "win",
        "macos" => "osx",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        "x86" => "x86",
        other => other,
    };
    format!("{os}-{arch}")
}

/// The native library's file name, as Cargo writes it and the binding looks for it.
fn lib_file() -> &'static str {
    match std::env::consts::OS {
        "windows" => "sesgo.dll",
        "macos" => "libsesgo.dylib",
        _ => "libsesgo.so",
    }
}

fn cs_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "cs"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("no C# sources in {}", dir.display()));
    }
    Ok(files)
}

/// `mcs` with the flags every compilation here shares: C# 7, warnings are errors.
fn mcs() -> Command {
    let mut c = Command::new(std::env::var("MCS").unwrap_or_else(|_| "mcs".into()));
    c.args([
        "-langversion:7",
        "-warnaserror+",
        "-debug",
        "-nologo",
        "-r:System.dll",
        "-r:System.Core.dll",
    ]);
    c
}

fn copy(from: &Path, to: &Path) -> Result {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| format!("{} -> {}: {e}", from.display(), to.display()))
}

/// The `<Version>` of the .csproj must be the workspace version (one version everywhere).
fn check_csproj_version(version: &str) -> Result {
    let path = dotnet_dir().join(format!("{ASSEMBLY}.csproj"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let want = format!("<Version>{version}</Version>");
    if text.contains(&want) {
        Ok(())
    } else {
        Err(format!(
            "{} must declare {want} (the workspace version)",
            path.display()
        ))
    }
}

/// Compiles the library into `dir` (`<ASSEMBLY>.dll`, `.xml` docs, `.pdb`/`.mdb`).
fn compile_library(dir: &Path, version: &str) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // The assembly version comes from the workspace, as the .csproj's <Version> does for
    // `dotnet pack`.
    let info = out_dir().join("AssemblyVersion.g.cs");
    std::fs::create_dir_all(out_dir()).map_err(|e| e.to_string())?;
    std::fs::write(
        &info,
        format!(
            "[assembly: System.Reflection.AssemblyVersion(\"{version}.0\")]\n\
             [assembly: System.Reflection.AssemblyInformationalVersion(\"{version}\")]\n\
             [assembly: System.Reflection.AssemblyTitle(\"{ASSEMBLY}\")]\n"
        ),
    )
    .map_err(|e| e.to_string())?;
    let dll = dir.join(format!("{ASSEMBLY}.dll"));
    let mut c = mcs();
    c.arg("-target:library")
        .arg("-optimize+")
        .arg(format!(
            "-doc:{}",
            dir.join(format!("{ASSEMBLY}.xml")).display()
        ))
        .arg(format!("-out:{}", dll.display()))
        .arg(&info)
        .args(cs_files(&dotnet_dir().join("src"))?);
    run(c)?;
    Ok(dll)
}

/// Builds the native library of `flavor` and returns its path.
fn native_lib(flavor: Flavor) -> Result<PathBuf> {
    let lib = match flavor {
        Flavor::Release => crate::ctest::build_dist("release")?.join("lib"),
        Flavor::Test => crate::ctest::build_lib("debug")?.0,
        Flavor::Dev => crate::ctest::build_dist("debug")?.join("lib"),
    }
    .join(lib_file());
    if lib.is_file() {
        Ok(lib)
    } else {
        Err(format!("{} was not built", lib.display()))
    }
}

/// The NuGet layout under `target/dotnet/package` (release) or `target/dotnet/package-test`
/// and the `.nupkg` zipped from it next to it; returns the layout's root.
pub fn build_package(flavor: Flavor) -> Result<PathBuf> {
    let version = crate::header::workspace_version(&root())?;
    check_csproj_version(&version)?;
    let which = match flavor {
        Flavor::Release => "package",
        Flavor::Test => "package-test",
        Flavor::Dev => "package-dev",
    };
    let pkg = out_dir().join(which);
    let _ = std::fs::remove_dir_all(&pkg);
    compile_library(&pkg.join("lib/netstandard2.0"), &version)?;
    let lib = native_lib(flavor)?;
    copy(
        &lib,
        &pkg.join("runtimes")
            .join(rid())
            .join("native")
            .join(lib_file()),
    )?;
    let nuspec = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>{ASSEMBLY}</id>
    <version>{version}</version>
    <authors>SES-GO</authors>
    <license type="expression">Apache-2.0</license>
    <description>SES-GO FHIR R4 advanced signatures (JWS/JAdES, ICP-Brasil): P/Invoke binding over libsesgo.</description>
    <dependencies>
      <group targetFramework=".NETStandard2.0" />
    </dependencies>
  </metadata>
</package>
"#
    );
    std::fs::write(pkg.join(format!("{ASSEMBLY}.nuspec")), nuspec).map_err(|e| e.to_string())?;
    let nupkg = out_dir().join(format!(
        "{ASSEMBLY}.{version}{}.nupkg",
        match flavor {
            Flavor::Release => "",
            Flavor::Test => "-test",
            Flavor::Dev => "-dev",
        }
    ));
    zip_dir(&pkg, &nupkg)?;
    check_nupkg(&nupkg, &version)?;
    eprintln!("xtask: NuGet layout {}", pkg.display());
    eprintln!("xtask: NuGet package {}", nupkg.display());
    Ok(pkg)
}

/// Zips the package layout into a `.nupkg` (OPC: `[Content_Types].xml`, `_rels/.rels`).
fn zip_dir(dir: &Path, nupkg: &Path) -> Result {
    let mut files = Vec::new();
    walk(dir, dir, &mut files)?;
    files.sort();
    let file = std::fs::File::create(nupkg).map_err(|e| format!("{}: {e}", nupkg.display()))?;
    let mut z = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let err = |e: zip::result::ZipError| format!("{}: {e}", nupkg.display());
    let types = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
        <Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
        <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\" />\
        <Default Extension=\"nuspec\" ContentType=\"application/octet\" />\
        <Default Extension=\"dll\" ContentType=\"application/octet\" />\
        <Default Extension=\"xml\" ContentType=\"application/octet\" />\
        <Default Extension=\"pdb\" ContentType=\"application/octet\" />\
        <Default Extension=\"mdb\" ContentType=\"application/octet\" />\
        <Default Extension=\"so\" ContentType=\"application/octet\" />\
        <Default Extension=\"dylib\" ContentType=\"application/octet\" />\
        </Types>";
    z.start_file("[Content_Types].xml", opts).map_err(err)?;
    z.write_all(types.as_bytes()).map_err(|e| e.to_string())?;
    let rels = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
         <Relationship Type=\"http://schemas.microsoft.com/packaging/2010/07/manifest\" \
         Target=\"/{ASSEMBLY}.nuspec\" Id=\"R0\" /></Relationships>"
    );
    z.start_file("_rels/.rels", opts).map_err(err)?;
    z.write_all(rels.as_bytes()).map_err(|e| e.to_string())?;
    for name in files {
        let bytes = std::fs::read(dir.join(&name)).map_err(|e| format!("{name}: {e}"))?;
        z.start_file(name.as_str(), opts).map_err(err)?;
        z.write_all(&bytes).map_err(|e| e.to_string())?;
    }
    z.finish().map_err(err)?;
    Ok(())
}

fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) -> Result {
    for e in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let p = e.map_err(|e| e.to_string())?.path();
        if p.is_dir() {
            walk(base, &p, out)?;
        } else if let Ok(rel) = p.strip_prefix(base) {
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(parts.join("/"));
        }
    }
    Ok(())
}

/// The package holds the nuspec, the assembly and this platform's native library where
/// NuGet and the binding's loader look for them.
fn check_nupkg(nupkg: &Path, version: &str) -> Result {
    let file = std::fs::File::open(nupkg).map_err(|e| e.to_string())?;
    let z = zip::ZipArchive::new(file).map_err(|e| format!("{}: {e}", nupkg.display()))?;
    let names: Vec<&str> = z.file_names().collect();
    let native = format!("runtimes/{}/native/{}", rid(), lib_file());
    let want = [
        format!("{ASSEMBLY}.nuspec"),
        format!("lib/netstandard2.0/{ASSEMBLY}.dll"),
        format!("lib/netstandard2.0/{ASSEMBLY}.xml"),
        native,
        "[Content_Types].xml".to_owned(),
    ];
    for w in &want {
        if !names.contains(&w.as_str()) {
            return Err(format!(
                "{} (version {version}) lacks {w}; it holds {names:?}",
                nupkg.display()
            ));
        }
    }
    Ok(())
}

pub fn test_dotnet() -> Result {
    let pkg = build_package(Flavor::Test)?;
    let manifest = crate::testpki::ensure()?;
    // The command line, for the cross-check (same inputs, same Signature.data).
    let mut c = crate::cargo();
    c.args(["build", "-p", "sesgo-cli"]);
    run(c)?;
    let cli = target_dir()
        .join("debug")
        .join(format!("sesgo{}", std::env::consts::EXE_SUFFIX));
    let dll_name = format!("{ASSEMBLY}.dll");
    let native_rel = Path::new("runtimes")
        .join(rid())
        .join("native")
        .join(lib_file());

    // The test directory looks like the output of a portable .NET app restored from the
    // package: the assembly, with runtimes/<rid>/native/ next to it (found without any
    // configuration).
    let test_dir = out_dir().join("test");
    let _ = std::fs::remove_dir_all(&test_dir);
    let lib_dir = pkg.join("lib/netstandard2.0");
    copy(&lib_dir.join(&dll_name), &test_dir.join(&dll_name))?;
    copy(&pkg.join(&native_rel), &test_dir.join(&native_rel))?;
    let tests = test_dir.join(format!("{ASSEMBLY}.Tests.dll"));
    let mut c = mcs();
    c.arg("-target:library")
        .arg(format!("-out:{}", tests.display()))
        .arg(format!("-r:{}", test_dir.join(&dll_name).display()))
        .arg(format!("-r:{}", nunit_framework()?.display()))
        .args(cs_files(&dotnet_dir().join("tests"))?);
    run(c)?;
    let mut n =
        Command::new(std::env::var("NUNIT_CONSOLE").unwrap_or_else(|_| "nunit-console".into()));
    n.current_dir(&test_dir)
        .arg(&tests)
        .args(["-nologo", "-noshadow", "-labels"])
        .arg(format!(
            "-xml={}",
            test_dir.join("TestResult.xml").display()
        ))
        .env(crate::testpki::ENV, &manifest)
        .env("SESGO_TEST_EXAMPLES", root().join("examples"))
        .env("SESGO_TEST_CLI", &cli)
        // The SoftHSM2 tokens of the test PKI (PKCS#11 signer test).
        .env("SOFTHSM2_CONF", softhsm_conf(&manifest)?)
        .env_remove("SESGO_NATIVE_LIBRARY");
    run(n)?;
    run_example(&pkg, &manifest)
}

/// `nunit.framework.dll` of NUnit 2.6 (Debian `libnunit-cil-dev`), from pkg-config `nunit`.
fn nunit_framework() -> Result<PathBuf> {
    let out = Command::new("pkg-config")
        .args(["--libs", "nunit"])
        .output()
        .map_err(|e| format!("pkg-config: {e}"))?;
    let libs = String::from_utf8_lossy(&out.stdout);
    libs.split_whitespace()
        .filter_map(|a| a.strip_prefix("-r:"))
        .find(|p| p.ends_with("nunit.framework.dll"))
        .map(PathBuf::from)
        .ok_or_else(|| {
            "nunit.framework.dll not found (pkg-config nunit); install libnunit-cil-dev".into()
        })
}

/// `examples/dotnet/SignVerify.cs` as a user builds and runs it: compiled against the
/// package's assembly, the native library named by `SESGO_NATIVE_LIBRARY` (the
/// explicit-path route of the loader), run from the repository root.
fn run_example(pkg: &Path, manifest: &Path) -> Result {
    let text = std::fs::read_to_string(manifest).map_err(|e| format!("{manifest:?}: {e}"))?;
    let m: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let field = |k: &str| {
        m[k].as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("manifest has no {k}"))
    };
    let dir = out_dir().join("example");
    let _ = std::fs::remove_dir_all(&dir);
    let dll = format!("{ASSEMBLY}.dll");
    copy(&pkg.join("lib/netstandard2.0").join(&dll), &dir.join(&dll))?;
    let exe = dir.join("SignVerify.exe");
    let mut c = mcs();
    c.arg(format!("-out:{}", exe.display()))
        .arg(format!("-r:{}", dir.join(&dll).display()))
        .arg(root().join("examples/dotnet/SignVerify.cs"));
    run(c)?;
    let native = pkg
        .join("runtimes")
        .join(rid())
        .join("native")
        .join(lib_file());
    let out = Command::new(std::env::var("MONO").unwrap_or_else(|_| "mono".into()))
        .current_dir(root())
        .arg(&exe)
        .arg(field("p12Aes")?)
        .arg(field("rootSha256")?)
        .arg(field("chainPem")?)
        .env("SESGO_PASSWORD", field("password")?)
        .env("SESGO_NATIVE_LIBRARY", &native)
        .output()
        .map_err(|e| format!("mono: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprint!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        return Err(format!(
            "examples/dotnet/SignVerify.cs failed ({})",
            out.status
        ));
    }
    for want in ["valid: true", "tampered valid: false"] {
        if !stdout.lines().any(|l| l.trim() == want) {
            return Err(format!(
                "examples/dotnet/SignVerify.cs did not print `{want}`"
            ));
        }
    }
    eprintln!("xtask: examples/dotnet/SignVerify.cs ran");
    Ok(())
}

/// `pkcs11.conf` of the test PKI's manifest: the SoftHSM2 configuration of its tokens.
fn softhsm_conf(manifest: &Path) -> Result<String> {
    let text = std::fs::read_to_string(manifest).map_err(|e| format!("{manifest:?}: {e}"))?;
    let m: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    m["pkcs11"]["conf"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "the test PKI manifest has no pkcs11.conf".to_owned())
}
