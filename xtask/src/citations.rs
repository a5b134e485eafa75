//! Every citation in the code resolves inside the repository (issue 16): `DECISIONS D<n>`
//! names a `## Dn.` section of `docs/guide/DECISIONS.md`, `IG-DIGEST §<n>` a section of
//! `docs/guide/IG-DIGEST.md`, and `docs/adr/NNNN` an ADR file. Run by `cargo xtask ci`.

use crate::{root, Result};
use std::collections::BTreeSet;
use std::process::Command;

/// Source and documentation files tracked by git (and untracked, not ignored ones).
fn files() -> Result<Vec<String>> {
    let out = Command::new("git")
        .current_dir(root())
        .args(["ls-files", "--cached", "--others", "--exclude-standard"])
        .output()
        .map_err(|e| format!("git ls-files: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Ok(text
        .lines()
        .filter(|f| {
            [
                ".rs", ".md", ".py", ".pyi", ".java", ".c", ".h", ".cpp", ".cs", ".toml",
            ]
            .iter()
            .any(|e| f.ends_with(e))
                && !f.starts_with("docs/guide/")
                && !f.starts_with("fhir/")
        })
        .map(str::to_owned)
        .collect())
}

/// The token after `marker` made of the characters `keep` accepts, without a trailing dot.
fn tokens<'a>(text: &'a str, marker: &str, keep: impl Fn(char) -> bool) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(marker) {
        rest = &rest[i + marker.len()..];
        let end = rest.find(|c: char| !keep(c)).unwrap_or(rest.len());
        let t = rest[..end].trim_end_matches('.');
        if !t.is_empty() {
            out.push(t);
        }
    }
    out
}

pub fn check() -> Result {
    let root = root();
    let read = |p: &str| std::fs::read_to_string(root.join(p)).map_err(|e| format!("{p}: {e}"));
    let decisions = read("docs/guide/DECISIONS.md")?;
    let digest = read("docs/guide/IG-DIGEST.md")?;
    let adrs: Vec<String> = std::fs::read_dir(root.join("docs/adr"))
        .map_err(|e| format!("docs/adr: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    let mut missing = BTreeSet::new();
    for f in files()? {
        let Ok(text) = std::fs::read_to_string(root.join(&f)) else {
            continue;
        };
        for d in tokens(&text, "DECISIONS D", |c| c.is_ascii_digit()) {
            if !decisions.contains(&format!("\n## D{d}.")) {
                missing.insert(format!("{f}: DECISIONS D{d}"));
            }
        }
        for s in tokens(&text, "IG-DIGEST §", |c| {
            c.is_ascii_alphanumeric() || c == '.'
        }) {
            let heading = |h: &str| {
                digest.contains(&format!("\n## {s}{h}"))
                    || digest.contains(&format!("\n### {s}{h}"))
            };
            if !(heading(". ") || heading(" ")) {
                missing.insert(format!("{f}: IG-DIGEST §{s}"));
            }
        }
        for n in tokens(&text, "docs/adr/", |c| c.is_ascii_digit()) {
            if n.len() == 4 && !adrs.iter().any(|a| a.starts_with(n)) {
                missing.insert(format!("{f}: docs/adr/{n}"));
            }
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "citations that do not resolve inside the repository:\n  {}",
            missing.into_iter().collect::<Vec<_>>().join("\n  ")
        ))
    }
}
