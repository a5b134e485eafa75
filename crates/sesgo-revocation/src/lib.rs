//! Revocation status of a certificate chain (IG-DIGEST criar 2.8 and validar §5;
//! DECISIONS D5): **OCSP (RFC 6960) preferred, CRL (RFC 5280) as fallback**, for every
//! certificate of the chain but the root.
//!
//! For each certificate the status is looked for, in order:
//! 1. in the evidence the caller gave ([`EvidenceStore`]: OCSP responses and CRLs, DER or
//!    PEM — how an air-gapped receiver verifies strictly);
//! 2. in the revocation [`Cache`] (entries younger than the cache TTL);
//! 3. online, through the one network interface ([`sesgo_fetch::Fetch`]): each OCSP URL of
//!    the certificate's AIA, then each CRL distribution point in order.
//!
//! An OCSP response counts when it is `successful`, about this very certificate (SHA-1 or
//! SHA-256 CertID), signed by the issuing CA or by a delegated responder the CA issued
//! (EKU `id-kp-OCSPSigning`, `id-pkix-ocsp-nocheck`), carries the request's nonce when it
//! echoes one, and is fresh at the reference time (`thisUpdate`/`nextUpdate`, with
//! [`TIME_TOLERANCE_SECS`]). A CRL counts when its issuer is the certificate's issuer, its
//! signature verifies with the issuer's key and it is fresh at the reference time.
//!
//! This crate reports facts ([`CertRevocation`]): the status and the evidence it rests on,
//! or the problems that left it unobtainable, each with the guide's code. What a missing
//! status means (error, information, warning) is the caller's `revocationPolicy`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod cache;
mod crl;
mod evidence;
mod ocsp;
mod urls;

pub use cache::{process_cache, Cache, MemoryCache, NoCache, SharedCache};
pub use evidence::{EvidenceItem, EvidenceKind, EvidenceStore};
pub use urls::{crl_urls, ocsp_urls};

use sesgo_cert::Certificate;
use sesgo_core::Code;
use sesgo_fetch::{Fetch, FetchError, Method, Purpose, Request};
use std::time::Duration;

/// Tolerance on `thisUpdate` / `nextUpdate`, seconds: clocks of responders and relying
/// parties differ (the guide's own skew bound, criar 1.10).
pub const TIME_TOLERANCE_SECS: i64 = 300;

/// Largest OCSP response accepted from the network, bytes.
pub const MAX_OCSP_BYTES: u64 = 1 << 20;

/// Largest CRL accepted from the network, bytes.
pub const MAX_CRL_BYTES: u64 = 32 << 20;

/// What one check needs besides the chain.
#[derive(Clone, Debug)]
pub struct Config {
    /// The reference time every freshness and revocation date is compared with.
    pub reference_time: i64,
    /// The local clock (cache ages).
    pub now: i64,
    /// Total time for one OCSP request (the guide's OCSP timeout).
    pub ocsp_timeout: Duration,
    /// Total time for one CRL download (the guide's CRL timeout).
    pub crl_timeout: Duration,
    /// Revocation cache TTL, seconds: cached responses older than this are fetched again,
    /// and evidence without `nextUpdate` older than this is stale.
    pub cache_ttl_secs: i64,
    /// Whether OCSP requests carry a nonce (responders that ignore it are tolerated).
    pub nonce: bool,
}

impl Config {
    /// Defaults of the guide (timeouts 30 s, TTL 3600 s), nonce on.
    pub fn at(reference_time: i64, now: i64) -> Config {
        Config {
            reference_time,
            now,
            ocsp_timeout: Duration::from_secs(30),
            crl_timeout: Duration::from_secs(30),
            cache_ttl_secs: 3600,
            nonce: true,
        }
    }
}

/// A certificate's status at the reference time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Not revoked at the reference time.
    Good,
    /// Revoked at or before the reference time.
    Revoked {
        /// Revocation time, Unix seconds.
        time: i64,
        /// RFC 5280 reason name (`keyCompromise`, …), when given.
        reason: Option<&'static str>,
    },
    /// The OCSP responder does not know the certificate.
    Unknown,
}

/// Where the evidence of a status came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Given by the caller ([`EvidenceStore`]).
    Given,
    /// The revocation cache (fetched earlier from this URL).
    Cache(String),
    /// Fetched now from this URL.
    Online(String),
}

/// A status and the evidence it rests on.
#[derive(Clone, Debug)]
pub struct Established {
    /// The status.
    pub status: Status,
    /// The OCSP response or CRL (DER) that says so.
    pub evidence: EvidenceItem,
    /// Where it came from.
    pub origin: Origin,
    /// `thisUpdate`, Unix seconds.
    pub this_update: i64,
    /// `nextUpdate`, Unix seconds, if any.
    pub next_update: Option<i64>,
}

/// Why a source gave no status (Portuguese detail, for `diagnostics`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The guide's code (`REVOCATION.*`).
    pub code: Code,
    /// What happened.
    pub detail: String,
}

impl Problem {
    fn new(code: Code, detail: impl Into<String>) -> Problem {
        Problem {
            code,
            detail: detail.into(),
        }
    }
}

/// The revocation facts about one certificate of the chain.
#[derive(Clone, Debug)]
pub struct CertRevocation {
    /// Its index in the chain (`x5c[index]`).
    pub index: usize,
    /// Its subject (diagnostics).
    pub subject: String,
    /// Good or revoked, and the evidence; `None` when not established.
    pub established: Option<Established>,
    /// An OCSP `unknown` answer, kept when no other source established the status.
    pub unknown: Option<Established>,
    /// Every source that failed, in the order tried.
    pub problems: Vec<Problem>,
}

impl CertRevocation {
    /// Why the status is unobtainable, as the guide's codes: the problems met, or
    /// `REVOCATION.NO-DISTRIBUTION-POINTS` when there was nowhere to ask, or a single
    /// `REVOCATION.NO-CONNECTIVITY` when every attempt failed for lack of network.
    pub fn unobtainable(&self) -> Vec<Problem> {
        if self.problems.is_empty() {
            return vec![Problem::new(
                Code::RevocationNoDistributionPoints,
                "o certificado não tem URL OCSP (AIA) nem ponto de distribuição de LCR, e nenhuma evidência de revogação foi fornecida",
            )];
        }
        if self
            .problems
            .iter()
            .all(|p| p.code == Code::RevocationNoConnectivity)
        {
            let urls: Vec<&str> = self.problems.iter().map(|p| p.detail.as_str()).collect();
            return vec![Problem::new(
                Code::RevocationNoConnectivity,
                format!("sem acesso à rede ({})", urls.join("; ")),
            )];
        }
        self.problems.clone()
    }
}

/// Checks every certificate of `chain` (leaf first) but the last (the root), each against
/// the next one as its issuer.
pub fn check_chain(
    chain: &[Certificate],
    cfg: &Config,
    store: &EvidenceStore,
    fetch: &dyn Fetch,
    cache: &dyn Cache,
) -> Vec<CertRevocation> {
    chain
        .iter()
        .zip(chain.iter().skip(1))
        .enumerate()
        .map(|(i, (cert, issuer))| check_one(i, cert, issuer, cfg, store, fetch, cache))
        .collect()
}

fn fetch_problem(e: &FetchError, unavailable: Code) -> Problem {
    match e {
        FetchError::Offline { url } => Problem::new(Code::RevocationNoConnectivity, url.clone()),
        other => Problem::new(unavailable, other.to_string()),
    }
}

/// Checks one certificate against its issuer.
pub fn check_one(
    index: usize,
    cert: &Certificate,
    issuer: &Certificate,
    cfg: &Config,
    store: &EvidenceStore,
    fetch: &dyn Fetch,
    cache: &dyn Cache,
) -> CertRevocation {
    let mut out = CertRevocation {
        index,
        subject: cert.subject(),
        established: None,
        unknown: None,
        problems: Vec::new(),
    };
    let done = |out: &mut CertRevocation, e: Established| -> bool {
        if e.status == Status::Unknown {
            if out.unknown.is_none() {
                out.unknown = Some(e);
            }
            false
        } else {
            out.established = Some(e);
            true
        }
    };

    // 1. Evidence given by the caller: OCSP first, then CRLs.
    for kind in [EvidenceKind::Ocsp, EvidenceKind::Crl] {
        for item in store.items().iter().filter(|i| i.kind == kind) {
            let r = match kind {
                EvidenceKind::Ocsp => ocsp::evaluate(&item.der, cert, issuer, cfg, None),
                EvidenceKind::Crl => crl::evaluate(&item.der, cert, issuer, cfg),
            };
            match r {
                Ok(None) => {}
                Ok(Some(v)) => {
                    if done(&mut out, v.into_established(item.clone(), Origin::Given)) {
                        return out;
                    }
                }
                Err(p) => out.problems.push(Problem::new(
                    p.code,
                    format!("evidência fornecida: {}", p.detail),
                )),
            }
        }
    }

    // 2–3. OCSP from the AIA: cache, then the responder.
    let ocsp_list = ocsp_urls(cert);
    let crl_list = crl_urls(cert);
    let cert_id = ocsp::cert_id_hex(cert, issuer);
    'ocsp: for url in &ocsp_list {
        let key = format!("ocsp {url} {cert_id}");
        if let Some((der, at)) = cache.get(&key) {
            if cfg.now.saturating_sub(at) <= cfg.cache_ttl_secs {
                if let Ok(Some(v)) = ocsp::evaluate(&der, cert, issuer, cfg, None) {
                    let item = EvidenceItem::new(EvidenceKind::Ocsp, der);
                    if done(
                        &mut out,
                        v.into_established(item, Origin::Cache(url.clone())),
                    ) {
                        return out;
                    }
                    break 'ocsp;
                }
            }
        }
        let nonce = if cfg.nonce { ocsp::nonce() } else { None };
        let body = match ocsp::request_der(cert, issuer, nonce.as_deref()) {
            Ok(b) => b,
            Err(p) => {
                out.problems.push(p);
                continue;
            }
        };
        let req = Request {
            method: Method::Post,
            url,
            purpose: Purpose::Ocsp,
            content_type: Some("application/ocsp-request"),
            accept: Some("application/ocsp-response"),
            headers: &[],
            body: Some(&body),
            max_bytes: MAX_OCSP_BYTES,
            timeout: cfg.ocsp_timeout,
            client_identity: None,
        };
        match fetch.fetch(&req) {
            Err(e) => out
                .problems
                .push(fetch_problem(&e, Code::RevocationOcspUnavailable)),
            Ok(r) if r.status != 200 => out.problems.push(Problem::new(
                Code::RevocationOcspUnavailable,
                format!("respondedor OCSP {url} respondeu HTTP {}", r.status),
            )),
            Ok(r) => match ocsp::evaluate(&r.body, cert, issuer, cfg, nonce.as_deref()) {
                Ok(None) => out.problems.push(Problem::new(
                    Code::RevocationOcspInvalid,
                    format!("resposta OCSP de {url} não trata deste certificado"),
                )),
                Ok(Some(v)) => {
                    cache.put(&key, &r.body, cfg.now);
                    let item = EvidenceItem::new(EvidenceKind::Ocsp, r.body);
                    if done(
                        &mut out,
                        v.into_established(item, Origin::Online(url.clone())),
                    ) {
                        return out;
                    }
                    break 'ocsp;
                }
                Err(p) => out
                    .problems
                    .push(Problem::new(p.code, format!("{url}: {}", p.detail))),
            },
        }
    }

    // 4. CRLs from the distribution points, in order.
    for url in &crl_list {
        let key = format!("crl {url}");
        if let Some((der, at)) = cache.get(&key) {
            if cfg.now.saturating_sub(at) <= cfg.cache_ttl_secs {
                if let Ok(Some(v)) = crl::evaluate(&der, cert, issuer, cfg) {
                    let item = EvidenceItem::new(EvidenceKind::Crl, der);
                    if done(
                        &mut out,
                        v.into_established(item, Origin::Cache(url.clone())),
                    ) {
                        return out;
                    }
                }
            }
        }
        let req = Request {
            method: Method::Get,
            url,
            purpose: Purpose::Crl,
            content_type: None,
            accept: Some("application/pkix-crl"),
            headers: &[],
            body: None,
            max_bytes: MAX_CRL_BYTES,
            timeout: cfg.crl_timeout,
            client_identity: None,
        };
        match fetch.fetch(&req) {
            Err(e) => out
                .problems
                .push(fetch_problem(&e, Code::RevocationCrlUnavailable)),
            Ok(r) if r.status != 200 => out.problems.push(Problem::new(
                Code::RevocationCrlUnavailable,
                format!("LCR {url}: HTTP {}", r.status),
            )),
            Ok(r) => {
                // A CRL may be served as PEM.
                let der = evidence::pem_or_der(&r.body)
                    .into_iter()
                    .next()
                    .unwrap_or_default();
                match crl::evaluate(&der, cert, issuer, cfg) {
                    Ok(None) => out.problems.push(Problem::new(
                        Code::RevocationCrlInvalid,
                        format!("LCR de {url} não foi emitida pelo emissor do certificado"),
                    )),
                    Ok(Some(v)) => {
                        cache.put(&key, &der, cfg.now);
                        let item = EvidenceItem::new(EvidenceKind::Crl, der);
                        if done(
                            &mut out,
                            v.into_established(item, Origin::Online(url.clone())),
                        ) {
                            return out;
                        }
                    }
                    Err(p) => out
                        .problems
                        .push(Problem::new(p.code, format!("{url}: {}", p.detail))),
                }
            }
        }
    }
    out
}

/// What a response or CRL says about one certificate.
#[derive(Clone, Debug)]
pub(crate) struct Verdict {
    pub status: Status,
    pub this_update: i64,
    pub next_update: Option<i64>,
}

impl Verdict {
    fn into_established(self, evidence: EvidenceItem, origin: Origin) -> Established {
        Established {
            status: self.status,
            evidence,
            origin,
            this_update: self.this_update,
            next_update: self.next_update,
        }
    }
}

/// `thisUpdate` / `nextUpdate` against the reference time: not issued in the future, not
/// past `nextUpdate` (or, without one, not older than the cache TTL).
pub(crate) fn check_fresh(
    this_update: i64,
    next_update: Option<i64>,
    cfg: &Config,
    what: &str,
) -> Result<(), String> {
    let t = cfg.reference_time;
    if this_update > t + TIME_TOLERANCE_SECS {
        return Err(format!(
            "{what} emitida depois do tempo de referência (thisUpdate {this_update} > {t})"
        ));
    }
    match next_update {
        Some(n) if t > n + TIME_TOLERANCE_SECS => Err(format!(
            "{what} desatualizada: nextUpdate {n} anterior ao tempo de referência {t}"
        )),
        None if t - this_update > cfg.cache_ttl_secs => Err(format!(
            "{what} sem nextUpdate e mais antiga que o TTL de {} s (thisUpdate {this_update})",
            cfg.cache_ttl_secs
        )),
        _ => Ok(()),
    }
}

/// Name of an RFC 5280 `CRLReason`.
pub(crate) fn reason_name(r: x509_cert::ext::pkix::CrlReason) -> &'static str {
    use x509_cert::ext::pkix::CrlReason as R;
    match r {
        R::Unspecified => "unspecified",
        R::KeyCompromise => "keyCompromise",
        R::CaCompromise => "cACompromise",
        R::AffiliationChanged => "affiliationChanged",
        R::Superseded => "superseded",
        R::CessationOfOperation => "cessationOfOperation",
        R::CertificateHold => "certificateHold",
        R::RemoveFromCRL => "removeFromCRL",
        R::PrivilegeWithdrawn => "privilegeWithdrawn",
        R::AaCompromise => "aACompromise",
    }
}

/// The raw bytes of the first element of the DER SEQUENCE `der` (the signed part of a
/// certificate, CRL or BasicOCSPResponse, as it was signed).
pub(crate) fn first_tlv(der: &[u8]) -> Option<&[u8]> {
    use der::{Decode, Reader};
    let mut r = der::SliceReader::new(der).ok()?;
    let _outer = der::Header::decode(&mut r).ok()?;
    r.tlv_bytes().ok()
}

/// PKCS#1 v1.5 signature check with the hash the algorithm OID names (SHA-2 only).
pub(crate) fn verify_rsa(
    key: &sesgo_cert::crypto::PublicKey,
    alg: &const_oid::ObjectIdentifier,
    message: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    use const_oid::db::rfc5912::{
        SHA_256_WITH_RSA_ENCRYPTION, SHA_384_WITH_RSA_ENCRYPTION, SHA_512_WITH_RSA_ENCRYPTION,
    };
    use sesgo_cert::crypto::HashAlg;
    let hash = if *alg == SHA_256_WITH_RSA_ENCRYPTION {
        HashAlg::Sha256
    } else if *alg == SHA_384_WITH_RSA_ENCRYPTION {
        HashAlg::Sha384
    } else if *alg == SHA_512_WITH_RSA_ENCRYPTION {
        HashAlg::Sha512
    } else {
        return Err(format!("algoritmo de assinatura não suportado: {alg}"));
    };
    if key.verify_pkcs1v15(hash, message, signature) {
        Ok(())
    } else {
        Err("assinatura não confere".into())
    }
}

/// DER of the OCSP request this crate sends for `cert` (SHA-1 CertID, `nonce` when given).
pub fn ocsp_request_der(
    cert: &Certificate,
    issuer: &Certificate,
    nonce: Option<&[u8]>,
) -> Result<Vec<u8>, Problem> {
    ocsp::request_der(cert, issuer, nonce)
}

/// Evaluates one OCSP response about `cert` (`Ok(None)`: it does not mention `cert`);
/// `sent_nonce` is the request's nonce, checked when the response echoes one.
pub fn evaluate_ocsp(
    der: &[u8],
    cert: &Certificate,
    issuer: &Certificate,
    cfg: &Config,
    sent_nonce: Option<&[u8]>,
) -> Result<Option<(Status, i64, Option<i64>)>, Problem> {
    ocsp::evaluate(der, cert, issuer, cfg, sent_nonce)
        .map(|o| o.map(|v| (v.status, v.this_update, v.next_update)))
}

/// Evaluates one CRL for `cert` (`Ok(None)`: `issuer` did not issue it).
pub fn evaluate_crl(
    der: &[u8],
    cert: &Certificate,
    issuer: &Certificate,
    cfg: &Config,
) -> Result<Option<(Status, i64, Option<i64>)>, Problem> {
    crl::evaluate(der, cert, issuer, cfg)
        .map(|o| o.map(|v| (v.status, v.this_update, v.next_update)))
}
