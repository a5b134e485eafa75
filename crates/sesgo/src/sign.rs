//! Caso de uso *criar assinatura* (IG-DIGEST §2.3, Etapas 1–14), end to end.

use crate::clock::{Clock, SystemClock};
use crate::options::{from_json, parse_policy};
use crate::settings::{check_reference_time, Settings};
use crate::signer::{Signer, TrustStore};
use serde::{Deserialize, Serialize};
use sesgo_cert::{check_eligibility, validate_chain, ChainOptions, EligibilityOptions, Identity};
use sesgo_core::json::{parse_strict, Limits, Value};
use sesgo_core::{Code, Error, Finding, Result};
use sesgo_jades::{Policy, Strategy};
use sesgo_provenance::flow::{sign_set, SignRequest};
use sesgo_provenance::signature::SignerIdentifier;

/// Options of [`sign`] (JSON: camelCase, unknown members refused; all optional).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct SignOptions {
    /// Policy URI (criar input 7); default `…br.go.ses.seguranca|0.1.2` (DECISIONS D1).
    pub policy: Option<String>,
    /// `iat` (default) or `tsa` (criar input 6).
    pub strategy: Option<String>,
    /// Reference timestamp, Unix seconds (criar input 5); default: now.
    pub reference_time: Option<i64>,
    /// Operational settings (criar input 8).
    pub settings: Settings,
}

impl SignOptions {
    /// Parses the JSON form (empty = defaults) and validates the settings.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        let o: SignOptions = from_json(json, "options")?;
        o.settings.validate()?;
        Ok(o)
    }
}

/// The result of [`sign`] (criar output).
#[derive(Clone, Debug)]
pub struct Signed {
    /// The FHIR `Signature` (profile `assinatura-avancada`).
    pub signature: Value,
    /// The Provenance carrying it (profile `conteudo-assinado`).
    pub provenance: Value,
    /// The transfer Bundle: the signed instances and the signed Provenance.
    pub bundle: Value,
    /// Findings that did not prevent signing (e.g. `CERT.NEAR-EXPIRY`).
    pub warnings: Vec<Finding>,
}

impl Signed {
    /// `{"signature": …, "provenance": …, "bundle": …, "warnings": OperationOutcome|null}`
    /// as JSON, the form the bindings return.
    pub fn to_json(&self) -> String {
        let mut o = sesgo_core::json::Object::new();
        o.insert("signature", self.signature.clone());
        o.insert("provenance", self.provenance.clone());
        o.insert("bundle", self.bundle.clone());
        let warnings = if self.warnings.is_empty() {
            Value::Null
        } else {
            Value::from_serde(&sesgo_core::OperationOutcome::new(self.warnings.clone()).to_value())
        };
        o.insert("warnings", warnings);
        Value::Object(o).to_json()
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
    o.json_limits.max_bytes = usize::try_from(settings.max_bundle_bytes).unwrap_or(usize::MAX);
    Ok(o)
}

pub(crate) fn parse_json(
    json: &[u8],
    root: &str,
    max_bytes: u64,
    too_large: Code,
) -> Result<Value> {
    parse_strict(
        json,
        &Limits {
            max_bytes: usize::try_from(max_bytes).unwrap_or(usize::MAX),
            ..Limits::default()
        },
    )
    .map_err(|e| e.into_error(root, too_large))
}

pub(crate) fn strategy(s: Option<&str>) -> Result<Strategy> {
    match s.unwrap_or("iat") {
        "iat" => Ok(Strategy::Iat),
        "tsa" => Ok(Strategy::Tsa),
        other => Err(Error::new(
            Code::ConfigInvalidStrategy,
            format!("estratégia '{other}' inválida: use 'iat' ou 'tsa'"),
        )
        .at("strategy")),
    }
}

/// Signs the instances `provenance` designates in `bundle` (criar Etapas 1–14) with the
/// system clock. See [`sign_with_clock`].
///
/// ```
/// use sesgo::{RevocationPolicy, Settings, SignOptions, Signer, TrustStoreOptions};
/// use sesgo::{VerifyInput, VerifyOptions};
/// use sesgo_cert::testpki::TestPki;
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
/// let options = SignOptions {
///     policy: Some("https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0".into()),
///     ..Default::default()
/// };
/// let signed = sesgo::sign(&bundle, &provenance, &signer, &trust, &options)?;
/// assert_eq!(signed.signature["who"]["identifier"]["value"].as_str(), Some("12345678909"));
///
/// // The transfer Bundle verifies. Online revocation (OCSP/CRL) is not built yet, so the
/// // default `strict` policy would report it invalid; `warn` reports the gap as a warning.
/// let transfer = signed.bundle.to_json();
/// let options = VerifyOptions {
///     settings: Settings { revocation_policy: RevocationPolicy::Warn, ..Default::default() },
///     ..Default::default()
/// };
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

/// [`sign_with_clock`] with the network access of criar Etapa 12 (the TSA of strategy
/// `tsa`) going through `fetch` (any [`sesgo_fetch::Fetch`]: the HTTP fetcher, a host's
/// own, or [`sesgo_fetch::Offline`], with which strategy `tsa` fails `TSA.UNAVAILABLE`).
pub fn sign_with_fetch(
    bundle: &[u8],
    provenance: &[u8],
    signer: &Signer,
    trust: &TrustStore,
    options: &SignOptions,
    clock: &dyn Clock,
    fetch: &dyn sesgo_fetch::Fetch,
) -> Result<Signed> {
    sign_impl(bundle, provenance, signer, trust, options, clock, fetch)
}

/// [`sign`] with an injected clock (criar 1.10 compares the reference time with it).
///
/// Etapa 1: policy, reference time, strategy, settings; the Bundle and Provenance read
/// strictly and checked against the structural and reference rules (1.4–1.9). Etapa 2:
/// the chain completed from the trust store and validated at the reference time, the
/// leaf's eligibility under the policy. Etapas 3–13: signed set, digest, JWS (the key is
/// used once, then the signature is checked against the leaf). Etapa 14: Signature,
/// signed Provenance, transfer Bundle. Any failure: an [`Error`] with every finding.
pub fn sign_with_clock(
    bundle: &[u8],
    provenance: &[u8],
    signer: &Signer,
    trust: &TrustStore,
    options: &SignOptions,
    clock: &dyn Clock,
) -> Result<Signed> {
    sign_impl(
        bundle,
        provenance,
        signer,
        trust,
        options,
        clock,
        crate::tsa::default_fetcher(),
    )
}

fn sign_impl(
    bundle: &[u8],
    provenance: &[u8],
    signer: &Signer,
    trust: &TrustStore,
    options: &SignOptions,
    clock: &dyn Clock,
    fetch: &dyn sesgo_fetch::Fetch,
) -> Result<Signed> {
    // Etapa 1.
    let policy = parse_policy(options.policy.as_deref())?; // 1.1
    let now = clock.now();
    let reference_time = options.reference_time.unwrap_or(now);
    check_reference_time(reference_time, now)?; // 1.2, 1.10
    let strategy = strategy(options.strategy.as_deref())?; // 1.3
    if strategy == Strategy::Tsa {
        crate::tsa::require_configured(&options.settings)?; // 1.3
    }
    let s = &options.settings;
    s.validate()?; // 1.11
    let bundle = parse_json(
        bundle,
        "Bundle",
        s.max_bundle_bytes,
        Code::SecurityBundleMemoryLimitExceeded,
    )?;
    let provenance = parse_json(
        provenance,
        "Provenance",
        s.max_bundle_bytes,
        Code::FormatResourceTooLarge,
    )?;
    let refs = refs_options(policy, s, false)?;

    // Etapa 2: chain and eligibility at the reference time.
    let chain = trust.complete_chain(signer.chain())?;
    let validated = validate_chain(
        &chain,
        trust,
        &ChainOptions {
            reference_time,
            max_depth: s.max_chain_depth as usize,
            near_expiry_days: s.near_expiry_threshold_days,
        },
    )?;
    let mut warnings = validated.warnings.clone();
    let leaf = validated.leaf();
    let eligibility = check_eligibility(
        leaf,
        policy.profile().eligibility,
        &EligibilityOptions {
            reference_time,
            min_cert_issue_date: s.min_cert_issue_date,
            near_expiry_days: s.near_expiry_threshold_days,
        },
    );
    if let Some(e) = Error::from_findings(eligibility.clone()) {
        return Err(e.nested_in("x5c[0]"));
    }
    warnings.extend(eligibility);
    // criar 14.2: CPF/CNPJ from the certificate.
    let id = Identity::from_certificate(leaf).signer_id()?;
    let who = SignerIdentifier::new(id.system, &id.value)?;

    // Etapas 3–14.
    let req = SignRequest {
        policy,
        strategy,
        reference_time,
        chain_der: validated
            .certificates
            .iter()
            .map(|c| c.der().to_vec())
            .collect(),
        who,
        refs,
    };
    let out = sign_set(
        &bundle,
        &provenance,
        &req,
        |p| signer.sign(p.signing_input()),
        // Etapa 12: the RFC 3161 token (strategy tsa).
        |jws| match strategy {
            Strategy::Iat => Ok(()),
            Strategy::Tsa => crate::tsa::timestamp(
                jws,
                s,
                trust,
                fetch,
                reference_time,
                &validated.certificates,
            )
            .map(|_| ()),
        },
    )?;
    warnings.extend(out.warnings);
    crate::verify::dedup(&mut warnings);
    Ok(Signed {
        signature: out.signature,
        provenance: out.provenance,
        bundle: out.bundle,
        warnings,
    })
}
