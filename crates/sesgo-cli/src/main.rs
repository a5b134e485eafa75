//! `sesgo`: the command-line front end of the facade crate `sesgo` (docs/adr/0020).
//!
//! A thin layer: it reads files and environment variables, calls the facade, and prints.
//! The contract:
//! * stdout carries FHIR JSON: the signed Provenance, an `OperationOutcome`, a Bundle, an
//!   Attachment or a certificate report — and on every failure the error's
//!   `OperationOutcome`, so a caller can always parse stdout. Exceptions: `canonicalize`
//!   (the canonical bytes on success), `demo` (a readable report) and `--help` /
//!   `--version`.
//! * stderr carries a short human summary (`--quiet` silences it).
//! * exit 0 = ok / valid; 1 = invalid / refused material (a signature that does not
//!   verify, a reference check with errors, a demo that misbehaved, and any error about
//!   the certificate material itself: untrusted root, ineligible, expired or revoked
//!   certificate — see [`exit_code`]); 2 = usage or unusable input (bad arguments,
//!   unreadable file, malformed JSON, wrong password, settings out of range). README
//!   "Exit codes" documents the same policy (docs/adr/0053).
//! * passwords come only from environment variables, never from argv, and are zeroized.

mod args;
mod commands;
mod demo;
mod inputs;
mod network;
mod serve;

use clap::error::ErrorKind;
use clap::Parser;
use sesgo::{Code, Error, Finding};
use std::io::Write;
use std::process::ExitCode;

use args::*;
use commands::*;

/// What a command produced.
enum Output {
    /// FHIR JSON for stdout; `ok` false = exit 1.
    Json { json: String, ok: bool },
    /// Raw bytes for stdout (canonicalize).
    Bytes(Vec<u8>),
    /// The demo already printed its report; `ok` false = exit 1.
    Done { ok: bool },
}

/// The human summary channel (stderr).
pub(crate) struct Ui {
    quiet: bool,
}

impl Ui {
    pub(crate) fn note(&self, line: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", line.as_ref());
        }
    }

    /// One line per finding: `severity CODE at location: diagnostics`.
    pub(crate) fn findings(&self, findings: &[Finding]) {
        for f in findings {
            self.note(format!("  {}", finding_line(f)));
        }
    }
}

pub(crate) fn finding_line(f: &Finding) -> String {
    let mut s = format!("{} {}", f.severity().as_str(), f.code().as_str());
    if !f.locations().is_empty() {
        s.push_str(&format!(" at {}", f.locations().join(", ")));
    }
    if !f.diagnostics().is_empty() {
        s.push_str(&format!(": {}", f.diagnostics()));
    }
    s
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => return usage_error(&e),
    };
    let ui = Ui { quiet: cli.quiet };
    // A bug must surface as a coded error (SYSTEM), never as a crash (docs/adr/0005).
    match sesgo::guard(|| run(cli.command, &ui)) {
        Ok(Output::Json { json, ok }) => {
            emit(json.as_bytes(), true);
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Ok(Output::Bytes(b)) => {
            emit(&b, false);
            ExitCode::SUCCESS
        }
        Ok(Output::Done { ok }) => {
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => failure(&e, &ui),
    }
}

/// Usage errors: clap's message on stderr, an OperationOutcome on stdout, exit 2.
/// `--help` and `--version` print to stdout and exit 0.
fn usage_error(e: &clap::Error) -> ExitCode {
    let _ = e.print();
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => ExitCode::SUCCESS,
        kind => {
            let code = match kind {
                ErrorKind::MissingRequiredArgument
                | ErrorKind::MissingSubcommand
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    Code::ConfigMissingParameter
                }
                _ => Code::ConfigInvalidParameter,
            };
            let rendered = e.render().to_string();
            let first = rendered
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("uso inválido")
                .trim_start_matches("error: ");
            let err =
                Error::new(code, format!("uso inválido da linha de comando: {first}")).at("argv");
            emit(err.to_operation_outcome().to_json().as_bytes(), true);
            ExitCode::from(2)
        }
    }
}

fn failure(e: &Error, ui: &Ui) -> ExitCode {
    ui.note(format!("sesgo: error {}", e.code().as_str()));
    ui.findings(e.findings());
    emit(e.to_operation_outcome().to_json().as_bytes(), true);
    ExitCode::from(exit_code(e.code()))
}

/// The exit code of a command that failed with `code`: 1 when the input was usable but
/// the material is refused (the certificate's chain, trust, eligibility, validity,
/// revocation or a validation rule — categories `CERT` (except `CERT.INVALID-FORMAT`, a
/// certificate that cannot be read), `REVOCATION`, `TEMPORAL`, `VALIDATION`), 2 when the
/// input is unusable (arguments, files, JSON, passwords, devices, settings, an unknown
/// `--policy`, limits, internal errors).
pub(crate) fn exit_code(code: Code) -> u8 {
    if code == Code::CertInvalidFormat {
        return 2;
    }
    match code.category() {
        "CERT" | "REVOCATION" | "TEMPORAL" | "VALIDATION" => 1,
        _ => 2,
    }
}

/// Writes to stdout; a closed pipe is not an error worth reporting.
fn emit(bytes: &[u8], newline: bool) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(bytes);
    if newline {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}

fn run(command: Command, ui: &Ui) -> sesgo::Result<Output> {
    match command {
        Command::Sign(a) => sign(&a, ui),
        Command::Verify(a) => verify(&a, ui),
        Command::VerifyMany(a) => verify_many(&a, ui),
        Command::Refs(RefsCommand::Check(a)) => refs_check(&a, ui),
        Command::Bundle(BundleCommand::Build(a)) => bundle_build(&a, ui),
        Command::Cert(CertCommand::Inspect(a)) => cert_inspect(&a, ui),
        Command::Cert(CertCommand::Export(a)) => cert_export(&a, ui),
        Command::Token(a) => token(&a, ui),
        Command::Cert(CertCommand::Chain(a)) => network::cert_chain(&a, ui),
        Command::Trust(TrustCommand::Refresh(a)) => network::trust_refresh(&a, ui),
        Command::Trust(TrustCommand::Show(a)) => network::trust_show(&a, ui),
        Command::Attachment(AttachmentCommand::Fill(a)) => attachment_fill(&a, ui),
        Command::Attachment(AttachmentCommand::Check(a)) => attachment_check(&a, ui),
        Command::Canonicalize(a) => canonicalize(&a, ui),
        Command::Serve(a) => serve::serve(&a, ui),
        Command::Demo(a) => demo::run(a.keep.as_deref(), ui).map(|ok| Output::Done { ok }),
        Command::Completions(a) => Ok(Output::Bytes(completions(a.shell))),
        Command::Man(a) => man(a.out_dir.as_deref(), ui),
    }
}

/// The completion script of `shell` for the whole command tree.
fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    use clap::CommandFactory;
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "sesgo", &mut out);
    out
}

/// sesgo(1) on stdout, or every page (git style: sesgo-cert-inspect(1) for
/// `sesgo cert inspect`) written into `out_dir`.
fn man(out_dir: Option<&std::path::Path>, ui: &Ui) -> sesgo::Result<Output> {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    cmd.build();
    let Some(dir) = out_dir else {
        return render(cmd).map(Output::Bytes);
    };
    let fail = |what: &std::path::Path, e: std::io::Error| {
        Error::new(
            Code::ConfigInvalidParameter,
            format!("não foi possível gravar {}: {e}", what.display()),
        )
        .at("--out-dir")
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
    let mut pages = vec![("sesgo".to_owned(), cmd.clone())];
    let mut i = 0;
    while let Some((name, c)) = pages.get(i).cloned() {
        // clap's generated `help` subcommands get no page of their own.
        for sub in c
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        {
            pages.push((format!("{name}-{}", sub.get_name()), sub.clone()));
        }
        i += 1;
    }
    for (name, c) in pages {
        let path = dir.join(format!("{name}.1"));
        let bytes = render(
            c.name(name.clone())
                .bin_name(name.replace('-', " "))
                .version(env!("CARGO_PKG_VERSION")),
        )?;
        std::fs::write(&path, bytes).map_err(|e| fail(&path, e))?;
        ui.note(format!("{}", path.display()));
    }
    Ok(Output::Done { ok: true })
}

/// One roff page of `cmd`.
fn render(cmd: clap::Command) -> sesgo::Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .map_err(|e| Error::new(Code::System, e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn refused_material_exits_1_and_unusable_input_exits_2() {
        use super::exit_code;
        use sesgo::Code;
        assert_eq!(exit_code(Code::CertNotIcpBrasil), 1);
        assert_eq!(exit_code(Code::CertExpired), 1);
        assert_eq!(exit_code(Code::FormatJsonMalformed), 2);
        assert_eq!(exit_code(Code::CryptoKeyInaccessible), 2);
        assert_eq!(exit_code(Code::ConfigInvalidParameter), 2);
        assert_eq!(exit_code(Code::System), 2);
        assert_eq!(exit_code(Code::CertInvalidFormat), 2);
        assert_eq!(exit_code(Code::PolicyVersionUnsupported), 2);
    }

    #[test]
    fn the_argument_definitions_are_consistent() {
        Cli::command().debug_assert();
    }
}
