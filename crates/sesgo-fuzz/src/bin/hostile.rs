//! Writes or checks the hostile-input corpus: `sesgo-hostile write|check <dir>`
//! (`cargo xtask hostile [--check]` runs it on `testdata/hostile/`).
#![allow(clippy::print_stdout, reason = "a command-line tool")]

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cmd, dir) = match args.as_slice() {
        [cmd, dir] => (cmd.as_str(), PathBuf::from(dir)),
        _ => {
            eprintln!("usage: sesgo-hostile write|check <dir>");
            return ExitCode::from(2);
        }
    };
    match cmd {
        "write" => match sesgo_fuzz::hostile::write(&dir) {
            Ok(()) => {
                println!(
                    "{} hostile cases written to {}",
                    sesgo_fuzz::hostile::cases().len(),
                    dir.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{}: {e}", dir.display());
                ExitCode::FAILURE
            }
        },
        "check" => {
            let bad = sesgo_fuzz::hostile::check(&dir);
            if bad.is_empty() {
                println!("{}: up to date", dir.display());
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "{} is stale ({}): run `cargo xtask hostile`",
                    dir.display(),
                    bad.join(", ")
                );
                ExitCode::FAILURE
            }
        }
        _ => {
            eprintln!("usage: sesgo-hostile write|check <dir>");
            ExitCode::from(2)
        }
    }
}
