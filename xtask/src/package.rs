//! `cargo xtask package`: `cargo package --no-verify` of every crate the workspace
//! publishes (those without `publish = false`), all at once so that their path
//! dependencies resolve to each other's packages (issue 24). Fails on any warning, e.g.
//! missing metadata. `--no-verify`: compiling every package again from its `.crate`
//! costs a full build; CI's test steps build the same sources.

use crate::{cargo, Result};

/// The names of the workspace's publishable packages, from `cargo metadata`.
fn publishable() -> Result<Vec<String>> {
    let meta = crate::cargo_metadata(&["--no-deps".as_ref()])?;
    let mut names: Vec<String> = meta["packages"]
        .as_array()
        .ok_or("cargo metadata without packages")?
        .iter()
        // `publish`: null = anywhere; [] = publish = false.
        .filter(|p| !p["publish"].as_array().is_some_and(|r| r.is_empty()))
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    if names.is_empty() {
        return Err("no publishable package found".into());
    }
    Ok(names)
}

pub fn package() -> Result {
    let names = publishable()?;
    crate::progress(&format!("cargo package --no-verify: {}", names.join(", ")));
    let mut c = cargo();
    c.args(["package", "--no-verify", "--allow-dirty"]);
    for n in &names {
        c.args(["-p", n]);
    }
    eprintln!("xtask: running {c:?}");
    let out = c.output().map_err(|e| format!("cargo package: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprint!("{stderr}");
    if !out.status.success() {
        return Err("cargo package failed".into());
    }
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.trim_start().starts_with("warning"))
        .collect();
    if !warnings.is_empty() {
        return Err(format!("cargo package warned: {warnings:?}"));
    }
    eprintln!("xtask: {} crates package cleanly", names.len());
    Ok(())
}
