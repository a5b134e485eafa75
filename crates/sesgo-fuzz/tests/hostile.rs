//! The hostile-input corpus (`testdata/hostile/`) through the facade: every case gives
//! its guide code, never a panic, with work linear in its size (the budget's unit count,
//! not the wall clock: docs/adr/0058). The corpus is what `cargo xtask hostile` writes.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests (docs/adr/0043)"
)]

use sesgo_fuzz::hostile::{self, Outcome};

#[test]
fn the_checked_in_corpus_is_what_the_generator_writes() {
    let stale = hostile::check(&hostile::corpus_dir());
    assert!(stale.is_empty(), "run `cargo xtask hostile`: {stale:?}");
}

#[test]
fn every_case_gives_its_code_with_linear_work() {
    let dir = hostile::corpus_dir();
    let cases = hostile::manifest(&dir);
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut ran = 0;
    for case in &cases {
        let Some(input) = case.bytes(&dir) else {
            continue; // a path: only the entry points that read paths (CLI, Python)
        };
        let outcome = std::panic::catch_unwind(|| hostile::run_facade(&case.op, &input))
            .unwrap_or_else(|_| panic!("{}: panicked", case.name))
            .unwrap_or_else(|| panic!("{}: unknown op {}", case.name, case.op));
        assert!(
            outcome.has(&case.code),
            "{}: expected {}, got {outcome:?}",
            case.name,
            case.code
        );
        // Exit 2 (unusable input) is an error; exit 1 a result (or refused material).
        if case.exit == 2 {
            assert!(
                matches!(outcome, Outcome::Error(_)),
                "{}: {outcome:?}",
                case.name
            );
        }
        // Work: at most 8 units per input byte (plus a constant), whatever the input.
        let units = sesgo_core::budget::units();
        let bound = 20_000 + 8 * input.len() as u64;
        assert!(
            units <= bound,
            "{}: {units} work units for {} bytes",
            case.name,
            input.len()
        );
        ran += 1;
    }
    assert!(ran >= 40, "{ran} cases ran");
}

#[test]
fn the_pkcs12_bomb_is_stopped_by_the_total_kdf_bound() {
    // 20 bags at 4 000 000 iterations: refused after the second (DECISIONS D46).
    let bomb = hostile::pkcs12_kdf_bomb(20, 4_000_000);
    let e = sesgo::Signer::from_pkcs12(&bomb, "teste123", None)
        .err()
        .unwrap();
    assert_eq!(e.code(), sesgo::Code::CertInvalidFormat);
    assert!(e.primary().diagnostics().contains("10000000"), "{e}");
    // The same structure within the bound is read (it holds keys but no certificate).
    let small = hostile::pkcs12_kdf_bomb(3, 1000);
    let e = sesgo::Signer::from_pkcs12(&small, "teste123", None)
        .err()
        .unwrap();
    assert_ne!(e.code(), sesgo::Code::CertInvalidFormat, "{e}");
}
