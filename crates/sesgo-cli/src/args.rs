//! The command line: clap definitions of every command and option.

use clap::{Args, Parser, Subcommand, ValueEnum};
use sesgo::RevocationPolicy;
use std::path::PathBuf;

pub(crate) const AFTER_HELP: &str = "\
stdout: FHIR JSON (on any error, the error's OperationOutcome); stderr: a short summary.
exit codes: 0 ok/valid, 1 invalid/findings, 2 usage or input error.
Passwords are read only from environment variables (--password-env, --key-password-env).";

/// Sign and verify FHIR R4 content with ICP-Brasil certificates (SES-GO security guide).
#[derive(Parser, Debug)]
#[command(name = "sesgo", version, after_help = AFTER_HELP)]
pub(crate) struct Cli {
    /// No human summary on stderr.
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Sign the resources a Provenance designates in a Bundle (caso de uso criar);
    /// stdout: the signed Provenance.
    Sign(SignArgs),
    /// Verify a signature (caso de uso validar); stdout: the OperationOutcome.
    /// Exit 0 valid, 1 invalid.
    Verify(VerifyArgs),
    /// Verify many transfer Bundles (an archive) across cores with one trust store;
    /// stdout: one JSON line per file, in order (`{"file", "result"}`, the result as
    /// `verify --report` gives it). Exit 0 all valid, 1 any invalid.
    VerifyMany(VerifyManyArgs),
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
    /// Obtain an OAuth 2.0 access token with the establishment's certificate (caso de uso
    /// obter token): mTLS + client_secret (the guide) or a private_key_jwt assertion
    /// (HubSaúde). stdout: the token response JSON; stderr: a redacted summary.
    Token(TokenArgs),
    /// The trust store: refresh ITI's CA archive, show roots and caches.
    #[command(subcommand)]
    Trust(TrustCommand),
    /// The signing and verification service over HTTP(S) for systems that cannot link a
    /// library: POST /sign, /verify, /refs/check, /canonicalize, /Bundle/$sign,
    /// /Bundle/$verify; GET /policies, /health, /metrics. Binds 127.0.0.1:8080 by default;
    /// the signer, trust and settings options below are the server-wide defaults.
    Serve(Box<ServeArgs>),
    /// Self-contained demonstration: a throw-away test PKI (openssl CLI), sign and verify
    /// the example under both policies, tamper and show the failure. No network.
    Demo(DemoArgs),
    /// Shell completion script for sesgo on stdout, generated from these definitions
    /// (e.g. `sesgo completions bash > /usr/share/bash-completion/completions/sesgo`).
    Completions(CompletionsArgs),
    /// The manual page sesgo(1) in roff on stdout (e.g. `sesgo man | man -l -`); with
    /// --out-dir, every page (sesgo.1 and sesgo-COMMAND.1 for each command) into DIR.
    Man(ManArgs),
}

#[derive(Args, Debug)]
pub(crate) struct ManArgs {
    /// Write sesgo.1 and one page per command (sesgo-sign.1, sesgo-cert-inspect.1, …)
    /// into this directory (created if absent) instead of sesgo(1) on stdout.
    #[arg(long, value_name = "DIR")]
    pub(crate) out_dir: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

#[derive(Subcommand, Debug)]
pub(crate) enum RefsCommand {
    /// Check a Bundle (and the Provenance designating its signed set) against the
    /// guide's reference rules; stdout: OperationOutcome. Exit 1 when there are errors.
    Check(RefsCheckArgs),
}

#[derive(Subcommand, Debug)]
pub(crate) enum BundleCommand {
    /// Build a transfer Bundle (urn:uuid fullUrls, references rewritten) from resource
    /// files (each one resource, an array of resources, or a single Bundle).
    Build(BundleBuildArgs),
}

#[derive(Subcommand, Debug)]
pub(crate) enum AttachmentCommand {
    /// Fill size, hash (SHA-1) and the hash-sha256 extension of an Attachment from its
    /// content (inline data, or --content for a url Attachment); stdout: the Attachment.
    Fill(AttachmentArgs),
    /// Check an Attachment against anexo-assinado and its content; stdout:
    /// OperationOutcome. Exit 1 when there are findings (e.g. a tampered content).
    Check(AttachmentArgs),
}

#[derive(Subcommand, Debug)]
pub(crate) enum CertCommand {
    /// Report on a certificate (identity, type, validity, eligibility per policy);
    /// stdout: the report JSON.
    Inspect(CertInspectArgs),
    /// Build the x5c of a certificate (caso de uso montar cadeia): the chain to a trusted
    /// root from the trust store and AIA caIssuers; stdout: the x5c JSON array.
    Chain(CertChainArgs),
    /// Export what the credentialing portal asks for: the certificate (pem, der) or the
    /// JWK / JWK Set of its public key (jwk, jwks); stdout: that output.
    Export(CertExportArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum ExportFormatArg {
    Pem,
    Der,
    Jwk,
    Jwks,
}

#[derive(Args, Debug)]
pub(crate) struct CertExportArgs {
    /// PKCS#12 file: its key's certificate and chain.
    #[arg(
        long,
        value_name = "FILE",
        requires = "password_env",
        conflicts_with = "cert",
        required_unless_present = "cert"
    )]
    pub(crate) p12: Option<PathBuf>,
    /// A certificate (PEM, leaf first, or DER).
    #[arg(long, value_name = "FILE")]
    pub(crate) cert: Option<PathBuf>,
    /// Environment variable holding the PKCS#12 password.
    #[arg(long, value_name = "VAR", requires = "p12")]
    pub(crate) password_env: Option<String>,
    /// Alias (friendlyName) of the key in the PKCS#12 file.
    #[arg(long, value_name = "ALIAS", requires = "p12")]
    pub(crate) alias: Option<String>,
    /// Output form.
    #[arg(long, value_enum)]
    pub(crate) format: ExportFormatArg,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
}

/// Where the token comes from.
#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub(crate) struct TokenServer {
    /// Issuer URL: the token endpoint is discovered from
    /// <issuer>/.well-known/openid-configuration (or smart-configuration).
    #[arg(long, value_name = "URL")]
    pub(crate) issuer: Option<String>,
    /// The token endpoint, without discovery.
    #[arg(long, value_name = "URL")]
    pub(crate) token_endpoint: Option<String>,
}

/// How the client authenticates.
#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub(crate) struct TokenAuth {
    /// Variant A: environment variable holding the client_secret (never on argv).
    #[arg(long, value_name = "VAR")]
    pub(crate) client_secret_env: Option<String>,
    /// Variant B: a private_key_jwt assertion (RS384) signed with the certificate's key.
    #[arg(long)]
    pub(crate) assertion: bool,
}

#[derive(Args, Debug)]
pub(crate) struct TokenArgs {
    #[command(flatten)]
    pub(crate) server: TokenServer,
    /// client_id issued at credentialing.
    #[arg(long, value_name = "ID")]
    pub(crate) client_id: String,
    #[command(flatten)]
    pub(crate) auth: TokenAuth,
    #[command(flatten)]
    pub(crate) signer: SignerArgs,
    /// scope (e.g. "system/Patient.rs").
    #[arg(long, value_name = "S")]
    pub(crate) scope: Option<String>,
    /// Extra trusted CA certificates (PEM) for the authorization server's TLS certificate.
    #[arg(long = "ca-certs", value_name = "FILE")]
    pub(crate) server_ca_certs: Option<PathBuf>,
    /// Lifetime of the assertion in seconds (1–300; default 60).
    #[arg(long, value_name = "SECS", requires = "assertion")]
    pub(crate) assertion_ttl: Option<u64>,
    /// Do not present the certificate on the TLS connection (no certificate-bound token).
    #[arg(long)]
    pub(crate) no_mtls: bool,
    /// Time allowed for each request, seconds (1–120; default 30).
    #[arg(long, value_name = "SECS")]
    pub(crate) timeout: Option<u64>,
    #[command(flatten)]
    pub(crate) network: NetworkArgs,
}

#[derive(Subcommand, Debug)]
pub(crate) enum TrustCommand {
    /// Download ITI's hashsha512.txt and, if it changed, ACcompactado.zip (SHA-512
    /// checked before it is opened) into the cache; stdout: what changed (JSON).
    Refresh(TrustRefreshArgs),
    /// The trusted roots and what the cache holds (ITI archive, AIA downloads) with
    /// their ages; stdout: JSON. Never touches the network.
    Show(TrustShowArgs),
}

/// Network access — AIA chain completion, OCSP, CRL, the TSA, token requests, the ITI
/// archive — all through one context (docs/adr/0055): offline mode, the cache.
#[derive(Args, Debug, Default)]
pub(crate) struct NetworkArgs {
    /// Never touch the network (setting network: false): what is not cached is reported
    /// as unobtainable with its code.
    #[arg(long)]
    pub(crate) offline: bool,
    /// The shared cache directory (default: the per-user cache directory, or
    /// $SESGO_CACHE_DIR).
    #[arg(long, value_name = "DIR")]
    pub(crate) cache_dir: Option<PathBuf>,
    /// Extra trusted roots for HTTPS servers (PEM), besides the system's.
    #[arg(long, value_name = "FILE")]
    pub(crate) tls_roots_pem: Option<PathBuf>,
    /// URL of ITI's ACcompactado.zip (default: ITI's; https only).
    #[arg(long, value_name = "URL")]
    pub(crate) iti_zip_url: Option<String>,
    /// URL of ITI's hashsha512.txt (default: ITI's; https only).
    #[arg(long, value_name = "URL")]
    pub(crate) iti_hash_url: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct TrustRefreshArgs {
    /// Operational settings, a JSON file (timeouts, retries, trust-store ages).
    #[arg(long, value_name = "JSON_FILE")]
    pub(crate) settings: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) network: NetworkArgs,
}

#[derive(Args, Debug)]
pub(crate) struct TrustShowArgs {
    #[command(flatten)]
    pub(crate) trust: TrustArgs,
    #[command(flatten)]
    pub(crate) network: NetworkArgs,
}

#[derive(Args, Debug)]
pub(crate) struct CertChainArgs {
    /// The certificate (PEM, DER or standard Base64 DER).
    #[arg(long, value_name = "FILE")]
    pub(crate) cert: PathBuf,
    /// Reference time for validity, Unix seconds (default: now).
    #[arg(long, value_name = "UNIX", allow_negative_numbers = true)]
    pub(crate) reference_time: Option<i64>,
    /// Operational settings, a JSON file.
    #[arg(long, value_name = "JSON_FILE")]
    pub(crate) settings: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) trust: TrustArgs,
    #[command(flatten)]
    pub(crate) network: NetworkArgs,
}

/// Which key signs: a PKCS#12 file or a PEM key with its chain.
#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub(crate) struct KeySource {
    /// PKCS#12 file (.p12/.pfx) holding the key and its chain.
    #[arg(long, value_name = "FILE", requires = "password_env")]
    pub(crate) p12: Option<PathBuf>,
    /// PEM private key (PKCS#8, encrypted or not, or PKCS#1).
    #[arg(long, value_name = "FILE", requires = "chain")]
    pub(crate) key: Option<PathBuf>,
    /// PKCS#11 module (absolute path of the token's or smartcard's .so/.dll): the key
    /// stays on the device. With --key-id or --key-label, --pin-env, and --slot or
    /// --token-label (or neither: auto-discovery).
    #[arg(long, value_name = "PATH", requires = "pin_env")]
    pub(crate) pkcs11_module: Option<PathBuf>,
}

/// PKCS#11: which token and key, the PIN, the middleware settings (criar inputs 3 and 8).
#[derive(Args, Debug)]
pub(crate) struct Pkcs11Args {
    /// PKCS#11 slot id of the token.
    #[arg(long, value_name = "N", requires = "pkcs11_module")]
    pub(crate) slot: Option<u64>,
    /// PKCS#11 token label (≤ 32 characters).
    #[arg(long, value_name = "LABEL", requires = "pkcs11_module")]
    pub(crate) token_label: Option<String>,
    /// CKA_ID of the key and its certificate, hexadecimal (see `sesgo cert inspect --pkcs11-module`).
    #[arg(
        long,
        value_name = "HEX",
        requires = "pkcs11_module",
        conflicts_with = "key_label"
    )]
    pub(crate) key_id: Option<String>,
    /// CKA_LABEL of the key's certificate.
    #[arg(long, value_name = "LABEL", requires = "pkcs11_module")]
    pub(crate) key_label: Option<String>,
    /// Environment variable holding the token PIN (tried once: a wrong PIN is never retried).
    #[arg(long, value_name = "VAR", requires = "pkcs11_module")]
    pub(crate) pin_env: Option<String>,
    /// Middleware settings JSON (sessionMode, sessionTimeout, maxPinAttempts,
    /// connectionTimeout, retryInterval, maxRetries, mechanism, architecture).
    #[arg(long, value_name = "JSON_FILE", requires = "pkcs11_module")]
    pub(crate) pkcs11_settings: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub(crate) struct SignerArgs {
    #[command(flatten)]
    pub(crate) source: KeySource,
    /// Environment variable holding the PKCS#12 password.
    #[arg(long, value_name = "VAR", requires = "p12")]
    pub(crate) password_env: Option<String>,
    /// Alias (friendlyName) of the key in the PKCS#12 file.
    #[arg(long, value_name = "ALIAS", requires = "p12")]
    pub(crate) alias: Option<String>,
    /// Environment variable holding the password of an encrypted PEM key.
    #[arg(long, value_name = "VAR", requires = "key")]
    pub(crate) key_password_env: Option<String>,
    /// PEM certificate chain of the key: the key's certificate first, then its ACs (as
    /// every binding's from_pem; intermediates may also come from the trust store).
    #[arg(long, value_name = "FILE", requires = "key")]
    pub(crate) chain: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) pkcs11: Box<Pkcs11Args>,
}

/// The trust store; nothing given = the embedded ICP-Brasil roots v5 and v12.
#[derive(Args, Debug)]
pub(crate) struct TrustArgs {
    /// Trust the root whose DER has this SHA-256 (hex). Repeatable.
    #[arg(long = "trust-root-sha256", value_name = "HEX")]
    pub(crate) trust_root_sha256: Vec<String>,
    /// Trust the root certificates in this PEM file.
    #[arg(long, value_name = "FILE")]
    pub(crate) trust_roots_pem: Option<PathBuf>,
    /// Intermediate CA certificates (PEM) used to complete chains.
    #[arg(long, value_name = "FILE")]
    pub(crate) ca_certs: Option<PathBuf>,
    /// Directory of CA certificates (.pem, .crt, .cer, .der) used to complete chains.
    #[arg(long, value_name = "DIR")]
    pub(crate) ca_dir: Option<PathBuf>,
    /// ITI's ACcompactado.zip: its certificates complete chains once its SHA-512 matches
    /// the hash file (IG §12).
    #[arg(long, value_name = "ZIP")]
    pub(crate) ca_archive: Option<PathBuf>,
    /// The hashsha512.txt published with --ca-archive (default: the one beside it).
    #[arg(long, value_name = "FILE", requires = "ca_archive")]
    pub(crate) ca_archive_sha512: Option<PathBuf>,
    /// Also trust the embedded ICP-Brasil roots when other roots are given.
    #[arg(long)]
    pub(crate) icp_brasil: bool,
    /// Complete chains with the CA certificates of ITI's archive from the cache
    /// (refreshed when older than trustStoreRefreshSecs; see `sesgo trust refresh`).
    #[arg(long)]
    pub(crate) iti: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum StrategyArg {
    Iat,
    Tsa,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum RevocationArg {
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
pub(crate) struct SignArgs {
    /// The Bundle holding the resources to sign.
    #[arg(long, value_name = "FILE")]
    pub(crate) bundle: PathBuf,
    /// The Provenance whose targets designate the signed set.
    #[arg(long, value_name = "FILE")]
    pub(crate) provenance: PathBuf,
    #[command(flatten)]
    pub(crate) signer: SignerArgs,
    /// Signature policy URI (default: the guide 0.1.2).
    #[arg(long, value_name = "URI")]
    pub(crate) policy: Option<String>,
    /// Timestamp strategy: `iat` (JAdES-B-B under 0.2.0) or `tsa` (an RFC 3161 token from
    /// --tsa-url; JAdES-B-T under 0.2.0).
    #[arg(long, value_enum)]
    pub(crate) strategy: Option<StrategyArg>,
    /// RFC 3161 TSA URL for --strategy tsa (https://; overrides the settings' tsaUrl).
    #[arg(long, value_name = "URL")]
    pub(crate) tsa_url: Option<String>,
    /// TSA policy OID to request and require in the token (overrides tsaPolicy).
    #[arg(long, value_name = "OID")]
    pub(crate) tsa_policy: Option<String>,
    /// Reference time, Unix seconds (default: now; at most 300 s from the clock).
    #[arg(long, value_name = "UNIX", allow_negative_numbers = true)]
    pub(crate) reference_time: Option<i64>,
    /// Operational settings, a JSON file (camelCase, e.g. {"nearExpiryThresholdDays": 60}).
    #[arg(long, value_name = "JSON_FILE")]
    pub(crate) settings: Option<PathBuf>,
    /// Revocation policy for the signer's chain (overrides the settings file; default
    /// strict): a revoked or unknown signer is always refused (CERT.REVOKED); `strict`
    /// also refuses when the status cannot be obtained, `soft-fail` and `warn` report it.
    #[arg(long, value_enum)]
    pub(crate) revocation: Option<RevocationArg>,
    /// Revocation evidence (OCSP responses and CRLs, DER or PEM): a file or a directory;
    /// repeat for several. Used before the cache and the network.
    #[arg(long, value_name = "PATH")]
    pub(crate) revocation_evidence: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) trust: TrustArgs,
    #[command(flatten)]
    pub(crate) network: NetworkArgs,
    /// Also write the signed Provenance to this file.
    #[arg(long, value_name = "FILE")]
    pub(crate) out_provenance: Option<PathBuf>,
    /// Write the transfer Bundle (signed resources + signed Provenance) to this file.
    #[arg(long, value_name = "FILE")]
    pub(crate) out_bundle: Option<PathBuf>,
    /// Write the FHIR Signature to this file.
    #[arg(long, value_name = "FILE")]
    pub(crate) out_signature: Option<PathBuf>,
}

#[derive(Args, Debug)]
#[group(id = "what", required = true, multiple = true)]
pub(crate) struct VerifyWhat {
    /// A FHIR Signature (JSON).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["provenance", "signature_data"])]
    pub(crate) signature: Option<PathBuf>,
    /// A signed Provenance (JSON).
    #[arg(long, value_name = "FILE", conflicts_with = "signature_data")]
    pub(crate) provenance: Option<PathBuf>,
    /// A file holding Signature.data (standard Base64 of the JWS JSON).
    #[arg(long, value_name = "B64FILE")]
    pub(crate) signature_data: Option<PathBuf>,
    /// The Bundle: alone, a transfer Bundle whose signed Provenance(s) are verified; with
    /// --signature or --signature-data, the Provenance in it that carries that signature
    /// designates the signed content (none: invalid); with --provenance, the content. It is
    /// always checked, never ignored; entries no verified signature covers are reported.
    #[arg(long, value_name = "FILE")]
    pub(crate) bundle: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    pub(crate) what: VerifyWhat,
    #[command(flatten)]
    pub(crate) common: VerifyCommon,
    /// Print the whole result on stdout — validity, indication, what each stage concluded,
    /// the signer, the signed fullUrls, whether the content was checked, the unsigned
    /// content, and the OperationOutcome — instead of the OperationOutcome alone.
    #[arg(long)]
    pub(crate) report: bool,
}

/// What `verify` and `verify-many` share: trust, network, policy and settings.
#[derive(Args, Debug)]
pub(crate) struct VerifyCommon {
    #[command(flatten)]
    pub(crate) trust: TrustArgs,
    #[command(flatten)]
    pub(crate) network: NetworkArgs,
    /// The policy the signature must follow (default: the one it declares, if supported).
    #[arg(long, value_name = "URI")]
    pub(crate) policy: Option<String>,
    /// Reference time, Unix seconds (default: now).
    #[arg(long, value_name = "UNIX", allow_negative_numbers = true)]
    pub(crate) reference_time: Option<i64>,
    /// Revocation policy (overrides the settings file; default strict). OCSP first, CRL
    /// as fallback, for every certificate but the root; a revoked certificate is always an
    /// error. When the status cannot be obtained, `strict` makes the signature invalid,
    /// `soft-fail` and `warn` report it and pass, `off` does not check.
    #[arg(long, value_enum)]
    pub(crate) revocation: Option<RevocationArg>,
    /// Revocation evidence (OCSP responses and CRLs, DER or PEM): a file or a directory;
    /// repeat for several. Used before the cache and the network (an air-gapped receiver
    /// verifies strictly with the signer's evidence; policy 0.1 rRefs are checked
    /// against it).
    #[arg(long, value_name = "PATH")]
    pub(crate) revocation_evidence: Vec<PathBuf>,
    /// TSA policy OID a timestamp token must carry (overrides the settings' tsaPolicy).
    #[arg(long, value_name = "OID")]
    pub(crate) tsa_policy: Option<String>,
    /// Operational settings, a JSON file (camelCase, e.g. {"revocationPolicy": "warn"}).
    #[arg(long, value_name = "JSON_FILE")]
    pub(crate) settings: Option<PathBuf>,
    /// A policy URI this receiver accepts (repeat for several; default: every supported
    /// policy). A signature under another policy is invalid.
    #[arg(long = "accept-policy", value_name = "URI")]
    pub(crate) accept_policy: Vec<String>,
    /// How Bundle content that no verified signature covers is reported.
    #[arg(long, value_enum, default_value = "warning")]
    pub(crate) unsigned_entries: UnsignedArg,
}

#[derive(Args, Debug)]
pub(crate) struct VerifyManyArgs {
    /// Transfer Bundles, one signed archive item per file (each verified as
    /// `verify --bundle FILE` would).
    #[arg(value_name = "FILES", required = true)]
    pub(crate) files: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) common: VerifyCommon,
    /// Verification threads (0 = one per core).
    #[arg(long, default_value_t = 0)]
    pub(crate) threads: usize,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum UnsignedArg {
    Warning,
    Error,
}

#[derive(Args, Debug)]
pub(crate) struct RefsCheckArgs {
    /// The Bundle.
    #[arg(long, value_name = "FILE")]
    pub(crate) bundle: PathBuf,
    /// The Provenance designating the signed set.
    #[arg(long, value_name = "FILE")]
    pub(crate) provenance: Option<PathBuf>,
    /// Policy URI (decides the UUID rule; default: the guide 0.1.2).
    #[arg(long, value_name = "URI")]
    pub(crate) policy: Option<String>,
    /// Check as a receiver would (a signed instance referencing an unsigned entry is a
    /// warning, not an error).
    #[arg(long)]
    pub(crate) validating: bool,
    /// Report entries not in Provenance.target order.
    #[arg(long)]
    pub(crate) strict_order: bool,
}

#[derive(Args, Debug)]
pub(crate) struct BundleBuildArgs {
    /// Resource files: each one resource or an array of resources; or a single Bundle.
    #[arg(value_name = "FILES", required = true)]
    pub(crate) files: Vec<PathBuf>,
    /// Base URL of the server the resources come from (absolute references under it are
    /// internal).
    #[arg(long, value_name = "URL")]
    pub(crate) base_url: Option<String>,
    /// Bundle.type (default: collection).
    #[arg(long = "type", value_name = "TYPE")]
    pub(crate) bundle_type: Option<String>,
    /// Options as JSON (e.g. {"external": [{"reference": "Practitioner/1", "display": "…"}]});
    /// --base-url and --type override it.
    #[arg(long, value_name = "JSON_FILE")]
    pub(crate) options: Option<PathBuf>,
}

#[derive(Args, Debug)]
#[group(id = "certsrc", required = true, multiple = false)]
pub(crate) struct CertSource {
    /// PKCS#12 file: its key's certificate is reported.
    #[arg(long, value_name = "FILE", requires = "password_env")]
    pub(crate) p12: Option<PathBuf>,
    /// A certificate, PEM or DER.
    #[arg(long, value_name = "FILE")]
    pub(crate) cert: Option<PathBuf>,
    /// A PKCS#11 module: lists its slots, tokens, mechanisms, certificates and (with
    /// --pin-env) private keys, to find --slot/--token-label and --key-id.
    #[arg(long, value_name = "PATH")]
    pub(crate) pkcs11_module: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub(crate) struct CertInspectArgs {
    #[command(flatten)]
    pub(crate) source: CertSource,
    /// Environment variable holding the PKCS#12 password.
    #[arg(long, value_name = "VAR", requires = "p12")]
    pub(crate) password_env: Option<String>,
    /// Alias (friendlyName) of the key in the PKCS#12 file.
    #[arg(long, value_name = "ALIAS", requires = "p12")]
    pub(crate) alias: Option<String>,
    /// Reference time for validity and eligibility, Unix seconds (default: now).
    #[arg(long, value_name = "UNIX", allow_negative_numbers = true)]
    pub(crate) reference_time: Option<i64>,
    /// The roots the report's `trust` member is judged against (eligibility is not).
    #[command(flatten)]
    pub(crate) trust: TrustArgs,
    /// Only this PKCS#11 slot.
    #[arg(long, value_name = "N", requires = "pkcs11_module")]
    pub(crate) slot: Option<u64>,
    /// Only tokens with this label.
    #[arg(long, value_name = "LABEL", requires = "pkcs11_module")]
    pub(crate) token_label: Option<String>,
    /// Environment variable holding the token PIN: private keys are listed too.
    #[arg(long, value_name = "VAR", requires = "pkcs11_module")]
    pub(crate) pin_env: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct AttachmentArgs {
    /// The Attachment (JSON).
    #[arg(long, value_name = "FILE")]
    pub(crate) attachment: PathBuf,
    /// The content of an Attachment that has only a url (raw bytes, any format).
    #[arg(long, value_name = "FILE")]
    pub(crate) content: Option<PathBuf>,
    /// Location of the Attachment in its resource, prefixed to every finding (default:
    /// Attachment), e.g. DocumentReference.content[0].attachment.
    #[arg(long, value_name = "PATH")]
    pub(crate) location: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct CanonicalizeArgs {
    /// Policy URI (default: the guide 0.1.2, RFC 8785 JCS).
    #[arg(long, value_name = "URI")]
    pub(crate) policy: Option<String>,
    /// One FHIR resource (JSON).
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
}

#[derive(Args, Debug)]
pub(crate) struct DemoArgs {
    /// Keep the test PKI and the signed files in DIR (created; must be new or empty).
    #[arg(long, value_name = "DIR")]
    pub(crate) keep: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum LogArg {
    Json,
    Off,
}

#[derive(Args, Debug)]
// The signer is optional here (a verification-only server), required by `sign`/`token`.
#[command(mut_group("KeySource", |g| g.required(false)))]
pub(crate) struct ServeArgs {
    /// Address to listen on, IP:PORT (default 127.0.0.1:8080; port 0: any free port).
    /// Beyond the loopback, signing requires client certificates or bearer tokens.
    #[arg(long, value_name = "ADDR")]
    pub(crate) listen: Option<String>,
    /// Server configuration, a JSON file (listen, tls, auth, limits, log); the options
    /// below override it.
    #[arg(long, value_name = "JSON_FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Check the configuration (files, secrets, signer, trust, TLS, the bind address),
    /// print what the server would run with, and exit.
    #[arg(long)]
    pub(crate) check_config: bool,
    /// Write the address actually bound (IP:PORT) to this file once listening.
    #[arg(long, value_name = "FILE")]
    pub(crate) port_file: Option<PathBuf>,
    /// TLS: the server certificate chain (PEM, certificate first).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub(crate) tls_cert: Option<PathBuf>,
    /// TLS: the server's private key (PEM, unencrypted).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub(crate) tls_key: Option<PathBuf>,
    /// TLS: roots (PEM) client certificates must chain to; a client with such a
    /// certificate is authenticated.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub(crate) client_ca: Option<PathBuf>,
    /// TLS: refuse clients without a certificate.
    #[arg(long, requires = "client_ca")]
    pub(crate) client_cert_required: bool,
    /// Environment variable holding the accepted bearer tokens (whitespace- or
    /// comma-separated, each ≥ 16 characters).
    #[arg(long, value_name = "VAR")]
    pub(crate) bearer_tokens_env: Option<String>,
    /// Largest request body, bytes.
    #[arg(long, value_name = "BYTES")]
    pub(crate) max_body_bytes: Option<u64>,
    /// Requests admitted at once; beyond it, 503 with Retry-After.
    #[arg(long, value_name = "N")]
    pub(crate) max_in_flight: Option<u32>,
    /// Sign/verify operations running at once (default: the number of CPUs).
    #[arg(long, value_name = "N")]
    pub(crate) workers: Option<u32>,
    /// Deadline of each request, seconds (body, queue and operation).
    #[arg(long, value_name = "SECS")]
    pub(crate) request_timeout: Option<u32>,
    /// Logs on stderr: json (one object per request, with its request id) or off.
    #[arg(long, value_enum)]
    pub(crate) log: Option<LogArg>,
    /// The signer of POST /sign (absent: a verification-only server).
    #[command(flatten)]
    pub(crate) signer: SignerArgs,
    /// Default signature policy URI for signing (default: the guide 0.1.2).
    #[arg(long, value_name = "URI")]
    pub(crate) policy: Option<String>,
    /// Default timestamp strategy for signing.
    #[arg(long, value_enum)]
    pub(crate) strategy: Option<StrategyArg>,
    /// RFC 3161 TSA URL (https://) for strategy tsa.
    #[arg(long, value_name = "URL")]
    pub(crate) tsa_url: Option<String>,
    /// TSA policy OID to request and require.
    #[arg(long, value_name = "OID")]
    pub(crate) tsa_policy: Option<String>,
    /// Operational settings, a JSON file (the server-wide defaults).
    #[arg(long, value_name = "JSON_FILE")]
    pub(crate) settings: Option<PathBuf>,
    /// Revocation policy (overrides the settings file; default strict).
    #[arg(long, value_enum)]
    pub(crate) revocation: Option<RevocationArg>,
    /// Revocation evidence on the server (OCSP responses, CRLs): a file or directory;
    /// repeatable.
    #[arg(long, value_name = "PATH")]
    pub(crate) revocation_evidence: Vec<PathBuf>,
    /// A policy URI verification accepts by default (repeatable; default: all).
    #[arg(long = "accept-policy", value_name = "URI")]
    pub(crate) accept_policy: Vec<String>,
    /// How unsigned Bundle content is reported by default.
    #[arg(long, value_enum)]
    pub(crate) unsigned_entries: Option<UnsignedArg>,
    #[command(flatten)]
    pub(crate) trust: TrustArgs,
    #[command(flatten)]
    pub(crate) network: NetworkArgs,
}
