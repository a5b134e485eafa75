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
//! * exit 0 = ok / valid; 1 = invalid / findings (a signature that does not verify, a
//!   reference check with errors, a demo that misbehaved); 2 = usage or input error (bad
//!   arguments, unreadable file, malformed JSON, wrong password, any facade `Err`).
//! * passwords come only from environment variables, never from argv, and are zeroized.

#![forbid(unsafe_code)]

mod demo;

use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand, ValueEnum};
use sesgo::{
    BuildBundleOptions, Code, Error, Finding, OperationOutcome, ReferenceCheckOptions,
    RevocationPolicy, Settings, SignOptions, Signer, TrustStore, TrustStoreOptions,
    UnsignedEntries, VerifyInput, VerifyOptions,
};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zeroize::Zeroizing;

const AFTER_HELP: &str = "\
stdout: FHIR JSON (on any error, the error's OperationOutcome); stderr: a short summary.
exit codes: 0 ok/valid, 1 invalid/findings, 2 usage or input error.
Passwords are read only from environment variables (--password-env, --key-password-env).";

/// Sign and verify FHIR R4 content with ICP-Brasil certificates (SES-GO security guide).
#[derive(Parser, Debug)]
#[command(name = "sesgo", version, after_help = AFTER_HELP)]
struct Cli {
    /// No human summary on stderr.
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Sign the resources a Provenance designates in a Bundle (caso de uso criar);
    /// stdout: the signed Provenance.
    Sign(SignArgs),
    /// Verify a signature (caso de uso validar); stdout: the OperationOutcome.
    /// Exit 0 valid, 1 invalid.
    Verify(VerifyArgs),
    /// Reference rules of the guide.
    #[command(subcommand)]
    Refs(RefsCommand),
    /// Transfer Bundles.
    #[command(subcommand)]
    Bundle(BundleCommand),
    /// Certificates.
    #[command(subcommand)]
    Cert(CertCommand),
    /// Signed attachments (profile anexo-assinado, extension hash-sha256).
    #[command(subcommand)]
    Attachment(AttachmentCommand),
    /// The canonical bytes a signature covers for one resource; stdout: those bytes.
    Canonicalize(CanonicalizeArgs),
    /// Self-contained demonstration: a throw-away test PKI (openssl CLI), sign and verify
    /// the example under both policies, tamper and show the failure. No network.
    Demo(DemoArgs),
}

#[derive(Subcommand, Debug)]
enum RefsCommand {
    /// Check a Bundle (and the Provenance designating its signed set) against the
    /// guide's reference rules; stdout: OperationOutcome. Exit 1 when there are errors.
    Check(RefsCheckArgs),
}

#[derive(Subcommand, Debug)]
enum BundleCommand {
    /// Build a transfer Bundle (urn:uuid fullUrls, references rewritten) from resource
    /// files (each one resource, an array of resources, or a single Bundle).
    Build(BundleBuildArgs),
}

#[derive(Subcommand, Debug)]
enum AttachmentCommand {
    /// Fill size, hash (SHA-1) and the hash-sha256 extension of an Attachment from its
    /// content (inline data, or --content for a url Attachment); stdout: the Attachment.
    Fill(AttachmentArgs),
    /// Check an Attachment against anexo-assinado and its content; stdout:
    /// OperationOutcome. Exit 1 when there are findings (e.g. a tampered content).
    Check(AttachmentArgs),
}

#[derive(Subcommand, Debug)]
enum CertCommand {
    /// Report on a certificate (identity, type, validity, eligibility per policy);
    /// stdout: the report JSON.
    Inspect(CertInspectArgs),
}

/// Which key signs: a PKCS#12 file or a PEM key with its chain.
#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
struct KeySource {
    /// PKCS#12 file (.p12/.pfx) holding the key and its chain.
    #[arg(long, value_name = "FILE", requires = "password_env")]
    p12: Option<PathBuf>,
    /// PEM private key (PKCS#8, encrypted or not, or PKCS#1).
    #[arg(long, value_name = "FILE", requires = "chain")]
    key: Option<PathBuf>,
    /// PKCS#11 module (absolute path of the token's or smartcard's .so/.dll): the key
    /// stays on the device. With --key-id or --key-label, --pin-env, and --slot or
    /// --token-label (or neither: auto-discovery).
    #[arg(long, value_name = "PATH", requires = "pin_env")]
    pkcs11_module: Option<PathBuf>,
}

/// PKCS#11: which token and key, the PIN, the middleware settings (criar inputs 3 and 8).
#[derive(Args, Debug)]
struct Pkcs11Args {
    /// PKCS#11 slot id of the token.
    #[arg(long, value_name = "N", requires = "pkcs11_module")]
    slot: Option<u64>,
    /// PKCS#11 token label (≤ 32 characters).
    #[arg(long, value_name = "LABEL", requires = "pkcs11_module")]
    token_label: Option<String>,
    /// CKA_ID of the key and its certificate, hexadecimal (see `sesgo cert inspect --pkcs11-module`).
    #[arg(
        long,
        value_name = "HEX",
        requires = "pkcs11_module",
        conflicts_with = "key_label"
    )]
    key_id: Option<String>,
    /// CKA_LABEL of the key's certificate.
    #[arg(long, value_name = "LABEL", requires = "pkcs11_module")]
    key_label: Option<String>,
    /// Environment variable holding the token PIN (tried once: a wrong PIN is never retried).
    #[arg(long, value_name = "VAR", requires = "pkcs11_module")]
    pin_env: Option<String>,
    /// Middleware settings JSON (sessionMode, sessionTimeout, maxPinAttempts,
    /// connectionTimeout, retryInterval, maxRetries, mechanism, architecture).
    #[arg(long, value_name = "JSON_FILE", requires = "pkcs11_module")]
    pkcs11_settings: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct SignerArgs {
    #[command(flatten)]
    source: KeySource,
    /// Environment variable holding the PKCS#12 password.
    #[arg(long, value_name = "VAR", requires = "p12")]
    password_env: Option<String>,
    /// Alias (friendlyName) of the key in the PKCS#12 file.
    #[arg(long, value_name = "ALIAS", requires = "p12")]
    alias: Option<String>,
    /// Environment variable holding the password of an encrypted PEM key.
    #[arg(long, value_name = "VAR", requires = "key")]
    key_password_env: Option<String>,
    /// PEM certificate chain of the key, leaf first (intermediates may be completed from
    /// the trust store).
    #[arg(long, value_name = "FILE", requires = "key")]
    chain: Option<PathBuf>,
    #[command(flatten)]
    pkcs11: Box<Pkcs11Args>,
}

/// The trust store; nothing given = the embedded ICP-Brasil roots v5 and v12.
#[derive(Args, Debug)]
struct TrustArgs {
    /// Trust the root whose DER has this SHA-256 (hex). Repeatable.
    #[arg(long = "trust-root-sha256", value_name = "HEX")]
    trust_root_sha256: Vec<String>,
    /// Trust the root certificates in this PEM file.
    #[arg(long, value_name = "FILE")]
    trust_roots_pem: Option<PathBuf>,
    /// Intermediate CA certificates (PEM) used to complete chains.
    #[arg(long, value_name = "FILE")]
    ca_certs: Option<PathBuf>,
    /// Directory of CA certificates (.pem, .crt, .cer, .der) used to complete chains.
    #[arg(long, value_name = "DIR")]
    ca_dir: Option<PathBuf>,
    /// ITI's ACcompactado.zip: its certificates complete chains once its SHA-512 matches
    /// the hash file (IG §12).
    #[arg(long, value_name = "ZIP")]
    ca_archive: Option<PathBuf>,
    /// The hashsha512.txt published with --ca-archive (default: the one beside it).
    #[arg(long, value_name = "FILE", requires = "ca_archive")]
    ca_archive_sha512: Option<PathBuf>,
    /// Also trust the embedded ICP-Brasil roots when other roots are given.
    #[arg(long)]
    icp_brasil: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum StrategyArg {
    Iat,
    Tsa,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RevocationArg {
    Off,
    Strict,
    SoftFail,
    Warn,
}

impl From<RevocationArg> for RevocationPolicy {
    fn from(r: RevocationArg) -> Self {
        match r {
            RevocationArg::Off => RevocationPolicy::Off,
            RevocationArg::Strict => RevocationPolicy::Strict,
            RevocationArg::SoftFail => RevocationPolicy::SoftFail,
            RevocationArg::Warn => RevocationPolicy::Warn,
        }
    }
}

#[derive(Args, Debug)]
struct SignArgs {
    /// The Bundle holding the resources to sign.
    #[arg(long, value_name = "FILE")]
    bundle: PathBuf,
    /// The Provenance whose targets designate the signed set.
    #[arg(long, value_name = "FILE")]
    provenance: PathBuf,
    #[command(flatten)]
    signer: SignerArgs,
    /// Signature policy URI (default: the guide 0.1.2).
    #[arg(long, value_name = "URI")]
    policy: Option<String>,
    /// Timestamp strategy.
    #[arg(long, value_enum)]
    strategy: Option<StrategyArg>,
    /// Reference time, Unix seconds (default: now; at most 300 s from the clock).
    #[arg(long, value_name = "UNIX", allow_negative_numbers = true)]
    reference_time: Option<i64>,
    /// Operational settings, a JSON file (camelCase, e.g. {"nearExpiryThresholdDays": 60}).
    #[arg(long, value_name = "JSON_FILE")]
    settings: Option<PathBuf>,
    #[command(flatten)]
    trust: TrustArgs,
    /// Also write the signed Provenance to this file.
    #[arg(long, value_name = "FILE")]
    out_provenance: Option<PathBuf>,
    /// Write the transfer Bundle (signed resources + signed Provenance) to this file.
    #[arg(long, value_name = "FILE")]
    out_bundle: Option<PathBuf>,
    /// Write the FHIR Signature to this file.
    #[arg(long, value_name = "FILE")]
    out_signature: Option<PathBuf>,
}

#[derive(Args, Debug)]
#[group(id = "what", required = true, multiple = true)]
struct VerifyWhat {
    /// A FHIR Signature (JSON).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["provenance", "signature_data"])]
    signature: Option<PathBuf>,
    /// A signed Provenance (JSON).
    #[arg(long, value_name = "FILE", conflicts_with = "signature_data")]
    provenance: Option<PathBuf>,
    /// A file holding Signature.data (standard Base64 of the JWS JSON).
    #[arg(long, value_name = "B64FILE")]
    signature_data: Option<PathBuf>,
    /// The Bundle: alone, a transfer Bundle whose signed Provenance(s) are verified; with
    /// --signature or --signature-data, the Provenance in it that carries that signature
    /// designates the signed content (none: invalid); with --provenance, the content. It is
    /// always checked, never ignored; entries no verified signature covers are reported.
    #[arg(long, value_name = "FILE")]
    bundle: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct VerifyArgs {
    #[command(flatten)]
    what: VerifyWhat,
    #[command(flatten)]
    trust: TrustArgs,
    /// The policy the signature must follow (default: the one it declares, if supported).
    #[arg(long, value_name = "URI")]
    policy: Option<String>,
    /// Reference time, Unix seconds (default: now).
    #[arg(long, value_name = "UNIX", allow_negative_numbers = true)]
    reference_time: Option<i64>,
    /// Revocation policy (overrides the settings file). Online OCSP/CRL checking is not
    /// built yet: with `strict` (the default) the status is unobtainable and the signature
    /// invalid; `warn`, `soft-fail` and `off` report it and pass.
    #[arg(long, value_enum)]
    revocation: Option<RevocationArg>,
    /// Operational settings, a JSON file (camelCase, e.g. {"revocationPolicy": "warn"}).
    #[arg(long, value_name = "JSON_FILE")]
    settings: Option<PathBuf>,
    /// A policy URI this receiver accepts (repeat for several; default: every supported
    /// policy). A signature under another policy is invalid.
    #[arg(long = "accept-policy", value_name = "URI")]
    accept_policy: Vec<String>,
    /// How Bundle content that no verified signature covers is reported.
    #[arg(long, value_enum, default_value = "warning")]
    unsigned_entries: UnsignedArg,
    /// Print the whole result on stdout — validity, indication, what each stage concluded,
    /// the signer, the signed fullUrls, whether the content was checked, the unsigned
    /// content, and the OperationOutcome — instead of the OperationOutcome alone.
    #[arg(long)]
    report: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum UnsignedArg {
    Warning,
    Error,
}

#[derive(Args, Debug)]
struct RefsCheckArgs {
    /// The Bundle.
    #[arg(long, value_name = "FILE")]
    bundle: PathBuf,
    /// The Provenance designating the signed set.
    #[arg(long, value_name = "FILE")]
    provenance: Option<PathBuf>,
    /// Policy URI (decides the UUID rule; default: the guide 0.1.2).
    #[arg(long, value_name = "URI")]
    policy: Option<String>,
    /// Check as a receiver would (a signed instance referencing an unsigned entry is a
    /// warning, not an error).
    #[arg(long)]
    validating: bool,
    /// Report entries not in Provenance.target order.
    #[arg(long)]
    strict_order: bool,
}

#[derive(Args, Debug)]
struct BundleBuildArgs {
    /// Resource files: each one resource or an array of resources; or a single Bundle.
    #[arg(value_name = "FILES", required = true)]
    files: Vec<PathBuf>,
    /// Base URL of the server the resources come from (absolute references under it are
    /// internal).
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Bundle.type (default: collection).
    #[arg(long = "type", value_name = "TYPE")]
    bundle_type: Option<String>,
    /// Options as JSON (e.g. {"external": [{"reference": "Practitioner/1", "display": "…"}]});
    /// --base-url and --type override it.
    #[arg(long, value_name = "JSON_FILE")]
    options: Option<PathBuf>,
}

#[derive(Args, Debug)]
#[group(id = "certsrc", required = true, multiple = false)]
struct CertSource {
    /// PKCS#12 file: its key's certificate is reported.
    #[arg(long, value_name = "FILE", requires = "password_env")]
    p12: Option<PathBuf>,
    /// A certificate, PEM or DER.
    #[arg(long, value_name = "FILE")]
    cert: Option<PathBuf>,
    /// A PKCS#11 module: lists its slots, tokens, mechanisms, certificates and (with
    /// --pin-env) private keys, to find --slot/--token-label and --key-id.
    #[arg(long, value_name = "PATH")]
    pkcs11_module: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct CertInspectArgs {
    #[command(flatten)]
    source: CertSource,
    /// Environment variable holding the PKCS#12 password.
    #[arg(long, value_name = "VAR", requires = "p12")]
    password_env: Option<String>,
    /// Alias (friendlyName) of the key in the PKCS#12 file.
    #[arg(long, value_name = "ALIAS", requires = "p12")]
    alias: Option<String>,
    /// Reference time for validity and eligibility, Unix seconds (default: now).
    #[arg(long, value_name = "UNIX", allow_negative_numbers = true)]
    reference_time: Option<i64>,
    /// Only this PKCS#11 slot.
    #[arg(long, value_name = "N", requires = "pkcs11_module")]
    slot: Option<u64>,
    /// Only tokens with this label.
    #[arg(long, value_name = "LABEL", requires = "pkcs11_module")]
    token_label: Option<String>,
    /// Environment variable holding the token PIN: private keys are listed too.
    #[arg(long, value_name = "VAR", requires = "pkcs11_module")]
    pin_env: Option<String>,
}

#[derive(Args, Debug)]
struct AttachmentArgs {
    /// The Attachment (JSON).
    #[arg(long, value_name = "FILE")]
    attachment: PathBuf,
    /// The content of an Attachment that has only a url (raw bytes, any format).
    #[arg(long, value_name = "FILE")]
    content: Option<PathBuf>,
    /// Location of the Attachment in its resource, prefixed to every finding (default:
    /// Attachment), e.g. DocumentReference.content[0].attachment.
    #[arg(long, value_name = "PATH")]
    location: Option<String>,
}

impl AttachmentArgs {
    fn read(&self) -> sesgo::Result<(Vec<u8>, Option<Vec<u8>>, sesgo::AttachmentOptions)> {
        let attachment = read(&self.attachment, "--attachment")?;
        let content = read_opt(self.content.as_deref(), "--content")?;
        let options = sesgo::AttachmentOptions {
            location: self.location.clone(),
        };
        Ok((attachment, content, options))
    }
}

#[derive(Args, Debug)]
struct CanonicalizeArgs {
    /// Policy URI (default: the guide 0.1.2, RFC 8785 JCS).
    #[arg(long, value_name = "URI")]
    policy: Option<String>,
    /// One FHIR resource (JSON).
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

#[derive(Args, Debug)]
struct DemoArgs {
    /// Keep the test PKI and the signed files in DIR (created; must be new or empty).
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
}

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
    ExitCode::from(2)
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
        Command::Refs(RefsCommand::Check(a)) => refs_check(&a, ui),
        Command::Bundle(BundleCommand::Build(a)) => bundle_build(&a, ui),
        Command::Cert(CertCommand::Inspect(a)) => cert_inspect(&a, ui),
        Command::Attachment(AttachmentCommand::Fill(a)) => attachment_fill(&a, ui),
        Command::Attachment(AttachmentCommand::Check(a)) => attachment_check(&a, ui),
        Command::Canonicalize(a) => canonicalize(&a, ui),
        Command::Demo(a) => demo::run(a.keep.as_deref(), ui).map(|ok| Output::Done { ok }),
    }
}

// ---------------------------------------------------------------------------- inputs

/// Where an error about an option's input is located in an OperationOutcome: the FHIR
/// root the option supplies (`Bundle`, `Provenance`, `Signature`, `Signature.data`), or
/// nothing for inputs that are not FHIR (keys, settings files, outputs) — an outcome's
/// `location` is a FHIRPath-like path into the input, never a command-line option; the
/// option is named in `diagnostics`.
fn located(e: Error, option: &str) -> Error {
    match option {
        "--bundle" => e.at("Bundle"),
        "--provenance" => e.at("Provenance"),
        "--signature" => e.at("Signature"),
        "--signature-data" => e.at("Signature.data"),
        "--attachment" => e.at("Attachment"),
        _ => e,
    }
}

/// Reads a file; failure = `CONFIG.INVALID-PARAMETER`, naming the option.
fn read(path: &Path, option: &str) -> sesgo::Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        located(
            Error::new(
                Code::ConfigInvalidParameter,
                format!("{option}: não foi possível ler '{}': {e}", path.display()),
            ),
            option,
        )
    })
}

/// Reads a file holding secret material (key, PKCS#12): zeroized when dropped.
fn read_secret(path: &Path, option: &str) -> sesgo::Result<Zeroizing<Vec<u8>>> {
    read(path, option).map(Zeroizing::new)
}

fn read_opt(path: Option<&Path>, option: &str) -> sesgo::Result<Option<Vec<u8>>> {
    path.map(|p| read(p, option)).transpose()
}

fn write(path: &Path, bytes: &[u8], option: &str) -> sesgo::Result<()> {
    std::fs::write(path, bytes).map_err(|e| {
        Error::new(
            Code::ConfigInvalidParameter,
            format!(
                "{option}: não foi possível gravar '{}': {e}",
                path.display()
            ),
        )
    })
}

/// A password from the environment variable `var` (never from argv), zeroized on drop.
fn password_from_env(var: Option<&str>, option: &str) -> sesgo::Result<Zeroizing<String>> {
    let var = var.ok_or_else(|| {
        Error::new(
            Code::ConfigMissingParameter,
            format!(
                "senha ausente: informe {option} com o nome da variável de ambiente que a contém"
            ),
        )
    })?;
    match std::env::var(var) {
        Ok(v) => Ok(Zeroizing::new(v)),
        Err(std::env::VarError::NotPresent) => Err(Error::new(
            Code::ConfigMissingParameter,
            format!("{option}: variável de ambiente {var} não definida"),
        )),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::new(
            Code::ConfigInvalidParameter,
            format!("{option}: variável de ambiente {var} não é UTF-8"),
        )),
    }
}

fn settings(path: Option<&Path>) -> sesgo::Result<Settings> {
    match path {
        Some(p) => Settings::from_json(&read(p, "--settings")?),
        None => Ok(Settings::default()),
    }
}

impl TrustArgs {
    fn build(&self) -> sesgo::Result<TrustStore> {
        let pem = |p: Option<&Path>, option: &str| -> sesgo::Result<Option<String>> {
            Ok(read_opt(p, option)?.map(|b| String::from_utf8_lossy(&b).into_owned()))
        };
        TrustStoreOptions {
            icp_brasil: self.icp_brasil.then_some(true),
            root_sha256: self.trust_root_sha256.clone(),
            root_certs_pem: pem(self.trust_roots_pem.as_deref(), "--trust-roots-pem")?,
            ca_certs_pem: pem(self.ca_certs.as_deref(), "--ca-certs")?,
            ca_dir: self
                .ca_dir
                .as_ref()
                .map(|d| d.to_string_lossy().into_owned()),
            ca_archive: self
                .ca_archive
                .as_ref()
                .map(|d| d.to_string_lossy().into_owned()),
            ca_archive_sha512: self
                .ca_archive_sha512
                .as_ref()
                .map(|d| d.to_string_lossy().into_owned()),
        }
        .build()
    }
}

impl SignerArgs {
    fn build(&self) -> sesgo::Result<Signer> {
        if let Some(p12) = &self.source.p12 {
            let bytes = read_secret(p12, "--p12")?;
            let password = password_from_env(self.password_env.as_deref(), "--password-env")?;
            Signer::from_pkcs12(&bytes, &password, self.alias.as_deref())
        } else if let Some(key) = &self.source.key {
            let key_pem = read_secret(key, "--key")?;
            let chain_path = self
                .chain
                .as_deref()
                .ok_or_else(|| Error::new(Code::ConfigMissingParameter, "--key exige --chain"))?;
            let chain = read(chain_path, "--chain")?;
            let password = match &self.key_password_env {
                Some(var) => Some(password_from_env(Some(var), "--key-password-env")?),
                None => None,
            };
            Signer::from_pem(&key_pem, password.as_ref().map(|p| p.as_bytes()), &chain)
        } else if let Some(module) = &self.source.pkcs11_module {
            self.pkcs11.build(module)
        } else {
            Err(Error::new(Code::ConfigMissingParameter, "informe --p12 ou --key").at("argv"))
        }
    }
}

impl Pkcs11Args {
    fn build(&self, module: &Path) -> sesgo::Result<Signer> {
        let mut config = match &self.pkcs11_settings {
            Some(p) => sesgo::pkcs11::Pkcs11Config::from_json(&read(p, "--pkcs11-settings")?)
                .map_err(|e| e.nested_in("--pkcs11-settings"))?,
            None => sesgo::pkcs11::Pkcs11Config::default(),
        };
        config.module = Some(module.to_string_lossy().into_owned());
        if self.slot.is_some() {
            config.slot_id = self.slot;
        }
        if self.token_label.is_some() {
            config.token_label = self.token_label.clone();
        }
        if self.key_id.is_some() || self.key_label.is_some() {
            config.key_id = self.key_id.clone();
            config.key_label = self.key_label.clone();
        }
        if config.key_id.is_none() && config.key_label.is_none() {
            return Err(Error::new(
                Code::ConfigMissingParameter,
                "--pkcs11-module exige --key-id ou --key-label (veja sesgo cert inspect --pkcs11-module)",
            )
            .at("--key-id"));
        }
        let pin = password_from_env(self.pin_env.as_deref(), "--pin-env")?;
        let options = config.to_options()?;
        Signer::from_pkcs11(&options, sesgo::pkcs11::Pin::Value(pin))
    }
}

// ---------------------------------------------------------------------------- commands

fn policy_label(uri: Option<&str>) -> String {
    uri.map_or_else(
        || format!("{} (default)", sesgo::DEFAULT_POLICY.uri()),
        str::to_owned,
    )
}

fn sign(a: &SignArgs, ui: &Ui) -> sesgo::Result<Output> {
    let bundle = read(&a.bundle, "--bundle")?;
    let provenance = read(&a.provenance, "--provenance")?;
    let options = SignOptions {
        policy: a.policy.clone(),
        strategy: a.strategy.map(|s| {
            match s {
                StrategyArg::Iat => "iat",
                StrategyArg::Tsa => "tsa",
            }
            .to_owned()
        }),
        reference_time: a.reference_time,
        settings: settings(a.settings.as_deref())?,
    };
    let trust = a.trust.build()?;
    let signer = a.signer.build()?;
    let signed = sesgo::sign(&bundle, &provenance, &signer, &trust, &options)?;
    drop(signer);

    let provenance_json = signed.provenance.to_json();
    if let Some(p) = &a.out_provenance {
        write(p, provenance_json.as_bytes(), "--out-provenance")?;
    }
    if let Some(p) = &a.out_bundle {
        write(p, signed.bundle.to_json().as_bytes(), "--out-bundle")?;
    }
    if let Some(p) = &a.out_signature {
        write(p, signed.signature.to_json().as_bytes(), "--out-signature")?;
    }
    let who = &signed.signature["who"]["identifier"];
    let targets = signed.provenance["target"].as_array().map_or(0, Vec::len);
    ui.note(format!(
        "sesgo sign: signed {targets} resource(s) under {} as {}|{}",
        policy_label(a.policy.as_deref()),
        who["system"].as_str().unwrap_or("?"),
        who["value"].as_str().unwrap_or("?"),
    ));
    if !signed.warnings.is_empty() {
        ui.note("warnings:");
        ui.findings(&signed.warnings);
    }
    Ok(Output::Json {
        json: provenance_json,
        ok: true,
    })
}

fn verify(a: &VerifyArgs, ui: &Ui) -> sesgo::Result<Output> {
    let w = &a.what;
    let signature = read_opt(w.signature.as_deref(), "--signature")?;
    let provenance = read_opt(w.provenance.as_deref(), "--provenance")?;
    let bundle = read_opt(w.bundle.as_deref(), "--bundle")?;
    let data = read_opt(w.signature_data.as_deref(), "--signature-data")?
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    let mut settings = settings(a.settings.as_deref())?;
    if let Some(r) = a.revocation {
        settings.revocation_policy = r.into();
    }
    let options = VerifyOptions {
        policy: a.policy.clone(),
        reference_time: a.reference_time,
        settings,
        accepted_policies: (!a.accept_policy.is_empty()).then(|| a.accept_policy.clone()),
        unsigned_entries: match a.unsigned_entries {
            UnsignedArg::Warning => UnsignedEntries::Warning,
            UnsignedArg::Error => UnsignedEntries::Error,
        },
    };
    let trust = a.trust.build()?;
    let input = VerifyInput {
        signature_data: data.as_deref(),
        signature: signature.as_deref(),
        provenance: provenance.as_deref(),
        bundle: bundle.as_deref(),
    };
    let v = sesgo::verify(&input, &trust, &options)?;
    ui.note(format!(
        "sesgo verify: {} ({})",
        if v.valid { "VALID" } else { "INVALID" },
        v.indication.as_str()
    ));
    for r in &v.signatures {
        ui.note(format!(
            "  {}: policy {}; signer {}; content {}",
            r.location,
            r.policy.unwrap_or("?"),
            r.signer
                .as_ref()
                .map_or("?".to_owned(), |s| format!("{}|{}", s.system, s.value)),
            if r.content_checked {
                format!("checked: {}", r.signed_full_urls.join(", "))
            } else {
                "NOT checked (no content supplied)".to_owned()
            }
        ));
    }
    for u in &v.unsigned_content {
        ui.note(format!("  unsigned: {}", u.location));
    }
    ui.findings(v.outcome.issues());
    Ok(Output::Json {
        json: if a.report {
            v.to_json()
        } else {
            v.outcome.to_json()
        },
        ok: v.valid,
    })
}

fn refs_check(a: &RefsCheckArgs, ui: &Ui) -> sesgo::Result<Output> {
    let bundle = read(&a.bundle, "--bundle")?;
    let provenance = read_opt(a.provenance.as_deref(), "--provenance")?;
    let options = ReferenceCheckOptions {
        policy: a.policy.clone(),
        validating: a.validating,
        strict_order: a.strict_order,
        max_entries_bundle: None,
    };
    let oo: OperationOutcome = sesgo::check_references(&bundle, provenance.as_deref(), &options)?;
    let ok = oo.is_success();
    ui.note(format!(
        "sesgo refs check: {}",
        if ok { "conformant" } else { "ERRORS" }
    ));
    ui.findings(oo.issues());
    Ok(Output::Json {
        json: oo.to_json(),
        ok,
    })
}

/// The facade takes one JSON array of resources (or a Bundle). Each file's shape is told
/// with serde_json; the bytes themselves are passed on verbatim (decimals such as `36.50`
/// must survive), spliced into one array that the facade then reads strictly.
fn bundle_build(a: &BundleBuildArgs, ui: &Ui) -> sesgo::Result<Output> {
    let mut options = match &a.options {
        Some(p) => BuildBundleOptions::from_json(&read(p, "--options")?)?,
        None => BuildBundleOptions::default(),
    };
    if a.base_url.is_some() {
        options.base_url = a.base_url.clone();
    }
    if a.bundle_type.is_some() {
        options.bundle_type = a.bundle_type.clone();
    }
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let mut single_bundle = None;
    for path in &a.files {
        let bytes = read(path, "FILES")?;
        let shape: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            Error::new(
                Code::FormatJsonMalformed,
                format!("'{}': JSON malformado: {e}", path.display()),
            )
            .at("FILES")
        })?;
        match &shape {
            serde_json::Value::Object(o)
                if o.get("resourceType").and_then(|t| t.as_str()) == Some("Bundle") =>
            {
                if a.files.len() != 1 {
                    return Err(Error::new(
                        Code::ConfigInvalidParameter,
                        format!(
                            "'{}' é um Bundle: informe-o sozinho ou informe os recursos",
                            path.display()
                        ),
                    )
                    .at("FILES"));
                }
                single_bundle = Some(bytes);
            }
            serde_json::Value::Array(items) => {
                if !items.is_empty() {
                    // Validated as an array: the text between its brackets is its items.
                    let text = bytes.trim_ascii();
                    parts.push(text[1..text.len() - 1].to_vec());
                }
            }
            _ => parts.push(bytes),
        }
    }
    let input = match single_bundle {
        Some(b) => b,
        None => {
            let mut joined = b"[".to_vec();
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    joined.extend_from_slice(b",\n");
                }
                joined.extend_from_slice(p);
            }
            joined.extend_from_slice(b"]");
            joined
        }
    };
    let bundle = sesgo::build_bundle(&input, &options)?;
    let n = bundle["entry"].as_array().map_or(0, Vec::len);
    ui.note(format!("sesgo bundle build: {n} entries"));
    Ok(Output::Json {
        json: bundle.to_json(),
        ok: true,
    })
}

fn cert_inspect(a: &CertInspectArgs, ui: &Ui) -> sesgo::Result<Output> {
    let options = sesgo::InspectOptions {
        reference_time: a.reference_time,
        alias: a.alias.clone(),
    };
    if let Some(module) = &a.source.pkcs11_module {
        return pkcs11_inspect(a, module, ui);
    }
    let report = if let Some(p12) = &a.source.p12 {
        let bytes = read_secret(p12, "--p12")?;
        let password = password_from_env(a.password_env.as_deref(), "--password-env")?;
        sesgo::inspect_certificate(&bytes, Some(&password), &options)?
    } else if let Some(cert) = &a.source.cert {
        sesgo::inspect_certificate(&read(cert, "--cert")?, None, &options)?
    } else {
        return Err(Error::new(Code::ConfigMissingParameter, "informe --p12 ou --cert").at("argv"));
    };
    ui.note(format!(
        "sesgo cert inspect: {}",
        report["subject"].as_str().unwrap_or("?")
    ));
    ui.note(format!(
        "  type {}; valid until {}",
        report["certificateType"].as_str().unwrap_or("unknown"),
        report["validity"]["notAfter"].as_str().unwrap_or("?"),
    ));
    if let Some(e) = report["eligibility"].as_object() {
        for (family, v) in e.iter() {
            ui.note(format!(
                "  eligible under policy {family}: {}",
                if v["eligible"].as_bool() == Some(true) {
                    "yes"
                } else {
                    "no"
                }
            ));
        }
    }
    Ok(Output::Json {
        json: report.to_json(),
        ok: true,
    })
}

fn pkcs11_inspect(a: &CertInspectArgs, module: &Path, ui: &Ui) -> sesgo::Result<Output> {
    let pin = match &a.pin_env {
        Some(var) => Some(password_from_env(Some(var), "--pin-env")?),
        None => None,
    };
    let report = sesgo::pkcs11::inspect_pkcs11(
        &module.to_string_lossy(),
        a.slot,
        a.token_label.as_deref(),
        pin.as_ref().map(|p| p.as_str()),
    )?;
    ui.note(format!(
        "sesgo cert inspect: PKCS#11 module {}",
        report["library"]["description"].as_str().unwrap_or("?")
    ));
    for slot in report["slots"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let token = &slot["token"];
        let Some(label) = token["label"].as_str() else {
            continue;
        };
        ui.note(format!(
            "  slot {}: token '{label}'{}",
            slot["slotId"].as_u64().unwrap_or_default(),
            if token["userPinLocked"].as_bool() == Some(true) {
                " (PIN bloqueado)"
            } else {
                ""
            }
        ));
        for c in token["certificates"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            ui.note(format!(
                "    certificate --key-id {} ({}): {}",
                c["id"].as_str().unwrap_or(""),
                c["label"].as_str().unwrap_or(""),
                c["subject"].as_str().unwrap_or("?")
            ));
        }
        for k in token["privateKeys"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            ui.note(format!(
                "    private key --key-id {} ({}): {}",
                k["id"].as_str().unwrap_or(""),
                k["label"].as_str().unwrap_or(""),
                k["keyType"].as_str().unwrap_or("?")
            ));
        }
    }
    Ok(Output::Json {
        json: report.to_json(),
        ok: true,
    })
}

fn attachment_fill(a: &AttachmentArgs, ui: &Ui) -> sesgo::Result<Output> {
    let (attachment, content, options) = a.read()?;
    let filled = sesgo::fill_attachment(&attachment, content.as_deref(), &options)?;
    ui.note(format!(
        "sesgo attachment fill: {} bytes, hash-sha256 {}",
        filled["size"].as_u64().unwrap_or(0),
        filled["extension"][0]["valueBase64Binary"]
            .as_str()
            .unwrap_or("?"),
    ));
    Ok(Output::Json {
        json: filled.to_json(),
        ok: true,
    })
}

fn attachment_check(a: &AttachmentArgs, ui: &Ui) -> sesgo::Result<Output> {
    let (attachment, content, options) = a.read()?;
    let oo = sesgo::check_attachment(&attachment, content.as_deref(), &options)?;
    let ok = oo.is_success();
    ui.note(format!(
        "sesgo attachment check: {}",
        if ok { "conformant" } else { "ERRORS" }
    ));
    ui.findings(oo.issues());
    Ok(Output::Json {
        json: oo.to_json(),
        ok,
    })
}

fn canonicalize(a: &CanonicalizeArgs, ui: &Ui) -> sesgo::Result<Output> {
    let input = read(&a.file, "FILE")?;
    let canon = sesgo::canonicalize(&input, a.policy.as_deref())?;
    ui.note(format!(
        "sesgo canonicalize: {} bytes under {}",
        canon.len(),
        policy_label(a.policy.as_deref())
    ));
    Ok(Output::Bytes(canon))
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn the_argument_definitions_are_consistent() {
        Cli::command().debug_assert();
    }
}
