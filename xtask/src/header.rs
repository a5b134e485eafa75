//! `cargo xtask header [--check]`: include/sesgo.h from bindings/c with the cbindgen
//! library (pinned by Cargo.lock), version defines taken from Cargo.toml.

use std::path::Path;

pub const OUTPUT: &str = "include/sesgo.h";

/// The workspace version (`[workspace.package] version`).
pub fn workspace_version(root: &Path) -> Result<String, String> {
    let toml = std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| e.to_string())?;
    let mut in_pkg = false;
    for line in toml.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            in_pkg = l == "[workspace.package]";
        } else if in_pkg && l.starts_with("version") {
            if let Some(v) = l.split('"').nth(1) {
                return Ok(v.to_owned());
            }
        }
    }
    Err("no [workspace.package] version in Cargo.toml".into())
}

/// `SESGO_ABI_VERSION` from the facade (`pub const ABI_VERSION: u32 = N;`).
pub fn abi_version(root: &Path) -> Result<u32, String> {
    let src =
        std::fs::read_to_string(root.join("crates/sesgo/src/lib.rs")).map_err(|e| e.to_string())?;
    src.lines()
        .find_map(|l| l.trim().strip_prefix("pub const ABI_VERSION: u32 = "))
        .and_then(|rest| rest.trim_end_matches(';').trim().parse().ok())
        .ok_or_else(|| "ABI_VERSION not found in crates/sesgo/src/lib.rs".into())
}

pub fn generate(root: &Path) -> Result<String, String> {
    let version = workspace_version(root)?;
    let mut parts = version.split('.');
    let mut next = || parts.next().unwrap_or("0").to_owned();
    let (major, minor, patch) = (next(), next(), next());
    let abi = abi_version(root)?;
    let crate_dir = root.join("bindings/c");
    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .map_err(|e| format!("cbindgen.toml: {e}"))?;
    config.after_includes = Some(format!(
        "\n#define SESGO_VERSION \"{version}\"\n#define SESGO_VERSION_MAJOR {major}\n#define SESGO_VERSION_MINOR {minor}\n#define SESGO_VERSION_PATCH {patch}\n#define SESGO_ABI_VERSION {abi}\n"
    ));
    let bindings = cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .map_err(|e| format!("cbindgen: {e}"))?;
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).map_err(|e| e.to_string())
}
