//! Replays fuzz inputs on stable: `sesgo-fuzz-replay <target> <file|dir>…`, or
//! `sesgo-fuzz-replay --all` for every target over its seed corpus and regression vectors
//! (what `cargo test -p sesgo-fuzz` does). A crash found by `cargo fuzz` reproduces here
//! without nightly.
#![allow(clippy::print_stdout, reason = "a command-line tool")]

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = sesgo_fuzz::fuzz_dir();
    match args.as_slice() {
        [all] if all == "--all" => {
            for (name, f) in sesgo_fuzz::TARGETS {
                let n = sesgo_fuzz::replay(
                    name,
                    *f,
                    &[
                        dir.join("corpus").join(name),
                        dir.join("regressions").join(name),
                    ],
                );
                println!("{name}: {n} inputs");
            }
            ExitCode::SUCCESS
        }
        [name, paths @ ..] if !paths.is_empty() => match sesgo_fuzz::target(name) {
            Some(f) => {
                let paths: Vec<_> = paths.iter().map(std::path::PathBuf::from).collect();
                let n = sesgo_fuzz::replay(name, f, &paths);
                println!("{name}: {n} inputs, no failure");
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("unknown target {name}");
                ExitCode::from(2)
            }
        },
        _ => {
            eprintln!("usage: sesgo-fuzz-replay --all | <target> <file|dir>…");
            ExitCode::from(2)
        }
    }
}
