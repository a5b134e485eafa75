//! The test PKI generator stays out of what ships (`cargo xtask gen --check`).
//!
//! `sesgo-cert`'s feature `test-pki` drives the openssl CLI to build a throw-away PKI:
//! tests, the examples, the benchmarks and `sesgo demo` need it; the library crates, the
//! C library, the wheel and the jar must not carry it. Only the packages in
//! [`MAY_ENABLE`] may turn it on for their normal build (anyone may as a
//! dev-dependency). Checked on the resolved graph (`cargo tree`), per workspace package,
//! with the features the artifacts are built with — so a feature that pulls it in
//! indirectly is caught too.

use crate::{cargo, Result};

/// The feature guarded, as `cargo tree -e features` prints it.
const GUARDED: &str = "sesgo-cert feature \"test-pki\"";

/// Packages whose normal build may enable `test-pki`: the build tool, the benchmarks and
/// the CLI (for `sesgo demo`). `sesgo-cert` defines it (checked with its defaults).
const MAY_ENABLE: &[&str] = &["xtask", "sesgo-bench", "sesgo-cli"];

/// Packages that define a test-support feature enabling `test-pki` (`sesgo-cert`'s own
/// `test-pki`, `sesgo-pkcs11`'s `test-softhsm`, docs/adr/0040): checked with their
/// default features, like the artifacts that depend on them.
const DEFINES_TEST_SUPPORT: &[&str] = &["sesgo-cert", "sesgo-pkcs11"];

/// Every workspace package's name.
fn workspace_packages() -> Result<Vec<String>> {
    let meta = crate::cargo_metadata(&["--no-deps".as_ref(), "--offline".as_ref()])?;
    let names: Vec<String> = meta["packages"]
        .as_array()
        .ok_or("cargo metadata without packages")?
        .iter()
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect();
    if names.is_empty() {
        return Err("cargo metadata lists no workspace package".into());
    }
    Ok(names)
}

/// The chain of features/packages through which `package` (normal and build
/// dependencies only; every feature of its own, except for `sesgo-cert` which is checked
/// with its defaults) enables `test-pki`, if it does.
fn enabling_path(package: &str) -> Result<Option<String>> {
    let mut c = cargo();
    c.args([
        "tree",
        "--offline",
        "-p",
        package,
        "-e",
        "normal,build,features",
    ]);
    c.args(["--target", "all", "-i", "sesgo-cert", "--prefix", "depth"]);
    if !DEFINES_TEST_SUPPORT.contains(&package) {
        c.arg("--all-features");
    }
    let out = c
        .output()
        .map_err(|e| format!("cargo tree -p {package}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        // `-i sesgo-cert` fails when the package does not depend on sesgo-cert at all.
        if stderr.contains("did not match any packages") {
            return Ok(None);
        }
        return Err(format!("cargo tree -p {package} failed: {stderr}"));
    }
    Ok(enabling_chain(&stdout))
}

/// In an inverted `cargo tree --prefix depth` listing, what enables [`GUARDED`]: the
/// nodes below the feature node (depth d) down to the next node at depth ≤ d.
fn enabling_chain(tree: &str) -> Option<String> {
    let nodes: Vec<(usize, &str)> = tree
        .lines()
        .filter_map(|l| {
            let text = l.trim_start_matches(|c: char| c.is_ascii_digit());
            l[..l.len() - text.len()].parse().ok().map(|d| (d, text))
        })
        .collect();
    let at = nodes.iter().position(|(_, text)| *text == GUARDED)?;
    let depth = nodes[at].0;
    let chain: Vec<&str> = nodes[at + 1..]
        .iter()
        .take_while(|(d, _)| *d > depth)
        .map(|(_, text)| *text)
        .collect();
    Some(chain.join(" <- "))
}

/// Fails when a package outside [`MAY_ENABLE`] — a library crate, the C library
/// (`sesgo-ffi`), the wheel (`sesgo-python`) or the jar's native library (`sesgo-jni`) —
/// enables `test-pki` in its normal build with any of its features.
pub fn check_test_pki_confined() -> Result {
    let mut offenders = Vec::new();
    let mut checked = 0;
    for package in workspace_packages()? {
        if MAY_ENABLE.contains(&package.as_str()) {
            continue;
        }
        checked += 1;
        if let Some(path) = enabling_path(&package)? {
            offenders.push(format!("{package}: {GUARDED} <- {path}"));
        }
    }
    if checked == 0 {
        return Err("no package checked for test-pki".into());
    }
    if offenders.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the openssl-CLI test PKI generator (sesgo-cert feature test-pki) is enabled \
             outside tests, the benchmarks, xtask and the CLI:\n  {}\nenable it only under \
             [dev-dependencies]",
            offenders.join("\n  ")
        ))
    }
}

/// Fails when any workspace package (any feature, normal and build dependencies) pulls
/// in RustCrypto's `rsa` crate (RUSTSEC-2023-0071, Marvin): the crypto backend is
/// OpenSSL (ADR 0066); `rsa` may appear only as a dev-dependency, where tests use it as
/// an independent second RSA implementation.
pub fn check_no_rustcrypto_rsa() -> Result {
    let mut offenders = Vec::new();
    for package in workspace_packages()? {
        let mut c = cargo();
        c.args(["tree", "--offline", "-p", &package, "-e", "normal,build"]);
        c.args(["--target", "all", "--all-features", "-i", "rsa"]);
        let out = c
            .output()
            .map_err(|e| format!("cargo tree -p {package}: {e}"))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() && stderr.contains("did not match any packages") {
            continue;
        }
        if !out.status.success() {
            return Err(format!("cargo tree -p {package} -i rsa failed: {stderr}"));
        }
        let tree = String::from_utf8_lossy(&out.stdout);
        if tree.lines().any(|l| l.starts_with("rsa v")) {
            offenders.push(format!("{package}:\n{tree}"));
        }
    }
    if offenders.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "RustCrypto `rsa` (RUSTSEC-2023-0071) is a normal dependency; RSA goes through \
             sesgo_cert::crypto (OpenSSL, ADR 0066):\n{}",
            offenders.join("\n")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::enabling_chain;

    #[test]
    fn the_enabling_chain_is_read_from_the_inverted_tree() {
        // `cargo tree -p sesgo-cli -e normal,build,features -i sesgo-cert --prefix depth`.
        let cli = "0sesgo-cert v0.1.0 (/w/crates/sesgo-cert)
1sesgo-cert feature \"default\"
2sesgo v0.1.0 (/w/crates/sesgo)
3sesgo feature \"default\"
4sesgo-cli v0.1.0 (/w/crates/sesgo-cli)
1sesgo-cert feature \"test-pki\"
2sesgo-cli v0.1.0 (/w/crates/sesgo-cli) (*)
";
        assert_eq!(
            enabling_chain(cli).as_deref(),
            Some("sesgo-cli v0.1.0 (/w/crates/sesgo-cli) (*)")
        );
        // A library crate without it.
        let lib = "0sesgo-cert v0.1.0 (/w/crates/sesgo-cert)
1sesgo-cert feature \"default\"
2sesgo v0.1.0 (/w/crates/sesgo)
3sesgo feature \"default\" (command-line)
";
        assert_eq!(enabling_chain(lib), None);
        // Pulled in through a feature of another crate.
        let indirect = "0sesgo-cert v0.1.0 (/w/crates/sesgo-cert)
1sesgo-cert feature \"test-pki\"
2sesgo feature \"demo\"
3sesgo-ffi v0.1.0 (/w/bindings/c)
1sesgo-cert feature \"default\"
";
        assert_eq!(
            enabling_chain(indirect).as_deref(),
            Some("sesgo feature \"demo\" <- sesgo-ffi v0.1.0 (/w/bindings/c)")
        );
    }
}
