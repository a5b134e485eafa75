//! Every fuzz target over its checked-in seed corpus (`fuzz/corpus/<target>/`) and its
//! regression vectors (`fuzz/regressions/<target>/`), on stable (docs/adr/0059).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests (docs/adr/0043)"
)]

#[test]
fn every_target_replays_its_corpus_and_regressions() {
    let dir = sesgo_fuzz::fuzz_dir();
    for (name, f) in sesgo_fuzz::TARGETS {
        let corpus = dir.join("corpus").join(name);
        let n = sesgo_fuzz::replay(
            name,
            *f,
            &[corpus.clone(), dir.join("regressions").join(name)],
        );
        assert!(
            n > 0,
            "no seed for fuzz target {name} in {}",
            corpus.display()
        );
    }
}

#[test]
fn every_target_has_a_cargo_fuzz_binary() {
    let dir = sesgo_fuzz::fuzz_dir();
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    for (name, _) in sesgo_fuzz::TARGETS {
        let src = dir.join("fuzz_targets").join(format!("{name}.rs"));
        let text =
            std::fs::read_to_string(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
        assert!(
            text.contains(&format!("sesgo_fuzz::{name}(")),
            "{}",
            src.display()
        );
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "fuzz/Cargo.toml lacks {name}"
        );
    }
}
