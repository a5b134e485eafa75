//! Caso de uso *criar assinatura* (IG-DIGEST §2.3, Etapas 1–14), end to end, as named
//! steps over typed values ([`steps`]; docs/architecture.md, "Signing: named steps").

mod steps;

use crate::clock::{Clock, SystemClock};
use crate::options::{from_json, wire_policy, wire_strategy};
use crate::settings::Settings;
use crate::signer::{Signer, TrustStore};
use serde::Deserialize;
use sesgo_core::budget::{self, Budget};
use sesgo_core::json::Value;
use sesgo_core::{Finding, Result};
use sesgo_jades::{Policy, Strategy};

/// Options of [`sign`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignOptions {
    /// The signature policy (criar input 7); default `…br.go.ses.seguranca|0.1.2`
    /// (DECISIONS D1).
    pub policy: Policy,
    /// `iat` (default) or `tsa` (criar input 6).
    pub strategy: Strategy,
    /// Reference timestamp, Unix seconds (criar input 5); default: now.
    pub reference_time: Option<i64>,
    /// Operational settings (criar input 8); `revocationPolicy` applies to the signer's
    /// chain (default `strict`).
    pub settings: Settings,
    /// Revocation evidence to use before the cache and the network: paths of OCSP
    /// responses and CRLs (DER or PEM), files or directories (criar 2.8).
    pub revocation_evidence: Vec<String>,
}

/// The JSON form of [`SignOptions`] (binding edge): camelCase, unknown members refused,
/// all optional; `policy` a URI, `strategy` `"iat"` or `"tsa"`.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
struct SignOptionsWire {
    policy: Option<String>,
    strategy: Option<String>,
    reference_time: Option<i64>,
    settings: Settings,
    revocation_evidence: Vec<String>,
}

impl SignOptions {
    /// Parses the JSON form (empty = defaults) and validates the settings. A bad policy
    /// URI or strategy name is located at `options.policy` / `options.strategy`.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        let w: SignOptionsWire = from_json(json, "options")?;
        w.settings.validate()?;
        Ok(SignOptions {
            policy: match &w.policy {
                Some(u) => wire_policy(u, "options.policy")?,
                None => Policy::DEFAULT,
            },
            strategy: match &w.strategy {
                Some(s) => wire_strategy(s, "options.strategy")?,
                None => Strategy::default(),
            },
            reference_time: w.reference_time,
            settings: w.settings,
            revocation_evidence: w.revocation_evidence,
        })
    }
}

/// The result of [`sign`] (criar output).
#[derive(Clone, Debug)]
pub struct Signed {
    /// The FHIR `Signature` (profile `assinatura-avancada`).
    pub signature: Value,
    /// The Provenance carrying it (profile `conteudo-assinado`).
    pub provenance: Value,
    /// The transfer Bundle, the signed instances and the signed Provenance, as compact JSON
    /// text: written once from the parsed input, never held as a tree (a transfer Bundle
    /// may be 50 MB; docs/adr/0071). Parse it with
    /// [`parse_strict`](sesgo_core::json::parse_strict) to inspect it.
    pub bundle: String,
    /// Findings that did not prevent signing (e.g. `CERT.NEAR-EXPIRY`).
    pub warnings: Vec<Finding>,
}

impl Signed {
    /// `{"signature": …, "provenance": …, "bundle": …, "warnings": OperationOutcome|null}`
    /// as JSON, the form the bindings return.
    pub fn to_json(&self) -> String {
        // Written member by member: the trees are serialized where they are, never cloned
        // (the transfer Bundle may be 50 MB).
        let mut out = Vec::new();
        out.extend_from_slice(br#"{"signature":"#);
        self.signature.write_json(&mut out);
        out.extend_from_slice(br#","provenance":"#);
        self.provenance.write_json(&mut out);
        out.extend_from_slice(br#","bundle":"#);
        out.extend_from_slice(self.bundle.as_bytes());
        out.extend_from_slice(br#","warnings":"#);
        if self.warnings.is_empty() {
            out.extend_from_slice(b"null");
        } else {
            sesgo_core::OperationOutcome::new(self.warnings.clone())
                .to_json_value()
                .write_json(&mut out);
        }
        out.push(b'}');
        // Only valid UTF-8 is ever written.
        String::from_utf8(out).unwrap_or_default()
    }
}

pub(crate) fn refs_options(
    policy: Policy,
    settings: &Settings,
    validating: bool,
) -> Result<sesgo_refs::CheckOptions> {
    let mut o = sesgo_refs::CheckOptions::for_policy(policy);
    o.mode = if validating {
        sesgo_refs::Mode::Validate
    } else {
        sesgo_refs::Mode::Sign
    };
    let n = settings.max_entries_bundle as usize;
    o = o.with_max_entries(n, n)?;
    // Verification needs the findings of each signed set only (docs/adr/0058).
    o.walk_unsigned = !validating;
    // Signing and verifying need the findings, not a record of each reference.
    o.list_references = false;
    o.json_limits.max_bytes = usize::try_from(settings.max_bundle_bytes).unwrap_or(usize::MAX);
    Ok(o)
}

/// Signs the instances `provenance` designates in `bundle` (criar Etapas 1–14) with the
/// system clock. See [`sign_with_clock`].
///
/// ```
/// use sesgo::{Policy, SignOptions, Signer, TrustStoreOptions, VerifyInput, VerifyOptions};
/// use sesgo_cert::testpki::{RevocationPki, TestPki};
///
/// // A throw-away ICP-Brasil-like PKI (openssl CLI); trust its root by fingerprint.
/// let pki = TestPki::shared();
/// let signer = Signer::from_pkcs12(&std::fs::read(&pki.p12_aes)?, &pki.password, None)?;
/// let trust = TrustStoreOptions {
///     root_sha256: vec![pki.root_sha256.clone()],
///     ca_certs_pem: Some(std::fs::read_to_string(&pki.chain_pem)?),
///     ..Default::default()
/// }
/// .build()?;
/// let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/");
/// let bundle = std::fs::read(format!("{examples}bundle.json"))?;
/// let provenance = std::fs::read(format!("{examples}provenance.json"))?;
///
/// // Revocation (criar 2.8) under the default `strict`: the signer's chain must have a
/// // status. Here it comes from evidence files (an OCSP response from the real
/// // `openssl ocsp` responder and the ACs' CRLs) rather than from the network.
/// let evidence = RevocationPki::shared().ecpf_evidence().display().to_string();
/// let options = SignOptions {
///     policy: Policy::Politica020,
///     revocation_evidence: vec![evidence.clone()],
///     ..Default::default()
/// };
/// let signed = sesgo::sign(&bundle, &provenance, &signer, &trust, &options)?;
/// assert_eq!(signed.signature["who"]["identifier"]["value"].as_str(), Some("12345678909"));
///
/// // The transfer Bundle verifies under `strict` with the same evidence.
/// let transfer = signed.bundle.clone();
/// let options = VerifyOptions { revocation_evidence: vec![evidence], ..Default::default() };
/// let input = VerifyInput { bundle: Some(transfer.as_bytes()), ..Default::default() };
/// assert!(sesgo::verify(&input, &trust, &options)?.valid);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign(
    bundle: &[u8],
    provenance: &[u8],
    signer: &Signer,
    trust: &TrustStore,
    options: &SignOptions,
) -> Result<Signed> {
    sign_with_clock(bundle, provenance, signer, trust, options, &SystemClock)
}

/// [`sign`] with an injected clock (criar 1.10 compares the reference time with it).
///
/// Runs the named steps of `sign::steps` in the guide's order (docs/architecture.md):
/// `inputs` (Etapa 1) → `chain` (Etapas 2.1–2.7, 14.2) → `revocation` (Etapa 2.8) →
/// `content` (Etapas 1.4–1.9, 3–6) → `header` (Etapas 7–9) → `signing` (Etapas 10–11) →
/// `timestamp` (Etapa 12) → `unprotected` (Etapa 13) → `wrap` (Etapa 14). Any failure: an
/// [`Error`](crate::Error) with every finding of the step that failed.
///
/// The network (AIA, OCSP, CRL, the TSA of strategy `tsa`) is the one attached to `trust`
/// ([`Network::attach`](crate::Network::attach)), else a default one from the settings
/// (docs/adr/0055); `settings.network: false` fetches nothing.
pub fn sign_with_clock(
    bundle: &[u8],
    provenance: &[u8],
    signer: &Signer,
    trust: &TrustStore,
    options: &SignOptions,
    clock: &dyn Clock,
) -> Result<Signed> {
    let route = crate::network::Route::of(trust, &options.settings);
    // Bounded work (DECISIONS D40): bundleTimeoutSecs over the loops over input (the
    // network steps are outside the phases). Out-of-range settings fail in `inputs`.
    let secs = options.settings.bundle_timeout_secs.clamp(5, 300);
    let _call = budget::begin(Budget::secs(secs.into()));
    let inputs = budget::phase(|| steps::inputs(bundle, provenance, options, clock))?;
    let mut chain = steps::chain(&inputs, signer, trust)?;
    let evidence = steps::revocation(&inputs, &mut chain, clock, &route)?;
    let content = budget::phase(|| steps::content(&inputs))?;
    let prepared = steps::header(&inputs, &chain, &content)?;
    let selection = steps::Selection::of(content);
    let mut jws = steps::signing(signer, prepared)?;
    steps::timestamp(&inputs, &chain, trust, &route, &mut jws)?;
    steps::unprotected(&mut jws, evidence)?;
    budget::phase(|| steps::wrap(inputs, chain, selection, &jws))
}
