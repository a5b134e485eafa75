//! Chain building and validation (criar Etapa 2.2–2.7, validar §3, "Montar cadeia" §13).

use sesgo_core::{Code, Error, Finding, Result, Severity};

use crate::cert::Certificate;
use crate::trust::TrustStore;

/// Code for a self-signed root that is not pinned in the trust store (criar 2.4, validar 3.3).
///
/// The guide's texts name `CERT.NOT-TRUSTED-ROOT`, but the CodeSystem that `sesgo-core` generates
/// (0.1.2) does not contain it; its `CERT.NOT-ICP-BRASIL` is defined as "the root does not belong
/// to the ICP-Brasil hierarchy". Switch here if `sesgo-core` adds the code.
pub const UNTRUSTED_ROOT_CODE: Code = Code::CertNotIcpBrasil;

/// Default maximum chain depth ("Montar cadeia": default 5, range 2–10).
pub const DEFAULT_MAX_DEPTH: usize = 5;
/// Default near-expiry threshold in days.
pub const DEFAULT_NEAR_EXPIRY_DAYS: u32 = 30;

/// Options of [`validate_chain`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainOptions {
    /// Reference time, unix seconds (criar input 5); every validity check uses it.
    pub reference_time: i64,
    /// Maximum number of certificates, 2–10 (default 5).
    pub max_depth: usize,
    /// Warn `CERT.NEAR-EXPIRY` when a certificate expires within this many days (default 30).
    pub near_expiry_days: u32,
}

impl ChainOptions {
    /// Defaults at the given reference time.
    pub fn at(reference_time: i64) -> ChainOptions {
        ChainOptions {
            reference_time,
            max_depth: DEFAULT_MAX_DEPTH,
            near_expiry_days: DEFAULT_NEAR_EXPIRY_DAYS,
        }
    }

    /// Sets the maximum depth. Failure outside 2–10: `CONFIG.INVALID-PARAMETER`.
    pub fn with_max_depth(mut self, max_depth: usize) -> Result<ChainOptions> {
        check_depth(max_depth)?;
        self.max_depth = max_depth;
        Ok(self)
    }
}

fn check_depth(d: usize) -> Result<()> {
    if !(2..=10).contains(&d) {
        return Err(Error::new(
            Code::ConfigInvalidParameter,
            format!("profundidade máxima da cadeia {d} fora do intervalo [2, 10]"),
        )
        .at("maxChainDepth"));
    }
    Ok(())
}

/// A chain that passed [`validate_chain`].
#[derive(Debug, Clone)]
pub struct ValidatedChain {
    /// Leaf first, trusted root last.
    pub certificates: Vec<Certificate>,
    /// Lower-case hex SHA-256 of the root's DER.
    pub root_sha256: String,
    /// Non-blocking findings (e.g. `CERT.NEAR-EXPIRY`).
    pub warnings: Vec<Finding>,
    /// `certificates[0]`, kept apart so that [`ValidatedChain::leaf`] is total (only
    /// [`validate_chain`] builds this type, and only from a chain of two or more).
    leaf: Certificate,
}

impl ValidatedChain {
    /// The signer's certificate.
    pub fn leaf(&self) -> &Certificate {
        &self.leaf
    }

    /// The chain as `x5c` strings (standard Base64 DER).
    pub fn to_x5c(&self) -> Vec<String> {
        self.certificates
            .iter()
            .map(Certificate::to_base64)
            .collect()
    }
}

/// Orders as much of the chain as the pool allows, starting at `leaf` (issuer found by subject
/// DN and verified signature). Never fails; stops at a self-issued certificate or after 10.
pub(crate) fn order_from_pool(leaf: &Certificate, pool: &[Certificate]) -> Vec<Certificate> {
    let mut chain = vec![leaf.clone()];
    while chain.len() < 10 {
        let Some(cur) = chain.last() else {
            break;
        };
        if cur.is_self_issued() {
            break;
        }
        let next = pool.iter().find(|c| {
            !chain.contains(c) && cur.issuer_is_subject_of(c) && cur.verify_signed_by(c).is_ok()
        });
        match next {
            Some(c) => chain.push(c.clone()),
            None => break,
        }
    }
    chain
}

/// Orders and completes the chain of `leaf` from a pool of CA certificates in any order
/// ("Montar cadeia"): leaf first, self-signed root last.
/// Failure: no issuer for some certificate → `CERT.CHAIN-INCOMPLETE`.
///
/// ```
/// # let pki = sesgo_cert::testpki::TestPki::shared();
/// use sesgo_cert::{build_chain, Certificate};
/// let c = |d: &[u8]| Certificate::from_der(d).unwrap();
/// let pool = [c(&pki.root.der), c(&pki.ac2.der), c(&pki.ac1.der)];
/// let chain = build_chain(&c(&pki.ecpf.der), &pool).unwrap();
/// assert_eq!(chain.len(), 4);
/// assert_eq!(chain[3], pool[0]);
/// ```
pub fn build_chain(leaf: &Certificate, pool: &[Certificate]) -> Result<Vec<Certificate>> {
    let chain = order_from_pool(leaf, pool);
    let last = chain.last().unwrap_or(leaf);
    if !last.is_self_issued() {
        return Err(Error::new(
            Code::CertChainIncomplete,
            format!(
                "emissor de '{}' não encontrado (esperado '{}')",
                last.subject(),
                last.issuer()
            ),
        )
        .at(format!("x5c[{}]", chain.len() - 1)));
    }
    Ok(chain)
}

/// SHA-256 over `tag`, the number of certificates and the SHA-256 of each one's DER, in
/// order.
pub(crate) fn certs_key(tag: u64, chain: &[Certificate]) -> [u8; 32] {
    // Each certificate by the SHA-256 of its DER, computed once when it was parsed: the
    // key names the same chain as hashing the DERs themselves would, at a fraction of the
    // cost (issue 17: the warm path of every verification computes it).
    let mut h = crate::crypto::Sha256Stream::new();
    h.update(tag.to_be_bytes());
    h.update((chain.len() as u64).to_be_bytes());
    for c in chain {
        h.update(c.sha256());
    }
    h.finish()
}

/// Time-independent checks: structure, critical extensions, signatures, CA constraints, name
/// and policy constraints, trust (ADR 0030).
fn structural(chain: &[Certificate], trust: &TrustStore) -> Vec<Finding> {
    let mut f = Vec::new();
    let n = chain.len();
    let fail = |code: Code, i: usize, msg: String| Finding::new(code, msg).at(format!("x5c[{i}]"));
    // RFC 5280 §4.1.1.2, §4.2: well-formedness and critical extensions of every certificate
    for (i, c) in chain.iter().enumerate() {
        f.extend(crate::path::well_formed(c, i));
        f.extend(crate::path::unknown_critical(c, i));
    }
    // RFC 5280 §4.2.1.3, §4.2.1.9: the signer's certificate is not a CA
    if let Some(leaf) = chain.first() {
        f.extend(crate::path::leaf_not_ca(leaf));
    }
    for (i, pair) in chain.windows(2).enumerate() {
        let [cur, next] = pair else {
            continue;
        };
        // criar 2.7.2 / validar 3.7
        if !cur.issuer_is_subject_of(next) {
            f.push(fail(
                Code::CertChainValidationFailed,
                i,
                format!(
                    "emissor '{}' difere do titular do certificado seguinte '{}'",
                    cur.issuer(),
                    next.subject()
                ),
            ));
        }
        // criar 2.7.1 / validar 3.7
        if let Err(e) = cur.verify_signed_by(next) {
            f.push(fail(
                Code::CertChainValidationFailed,
                i,
                format!(
                    "assinatura de '{}' não verificada com a chave de x5c[{}]: {e}",
                    cur.subject(),
                    i + 1
                ),
            ));
        }
    }
    // CA constraints on every issuer (RFC 5280 §4.2.1.3, §4.2.1.9)
    for (i, ca) in chain.iter().enumerate().skip(1) {
        match ca.basic_constraints() {
            Some((true, path_len)) => {
                // non-self-issued intermediates below this CA
                let below = chain
                    .get(1..i)
                    .unwrap_or_default()
                    .iter()
                    .filter(|c| !c.is_self_issued())
                    .count();
                if let Some(p) = path_len {
                    if below > usize::from(p) {
                        f.push(fail(
                            Code::CertChainValidationFailed,
                            i,
                            format!(
                                "pathLenConstraint {p} de '{}' excedido ({below} ACs abaixo)",
                                ca.subject()
                            ),
                        ));
                    }
                }
            }
            _ => f.push(fail(
                Code::CertChainValidationFailed,
                i,
                format!(
                    "'{}' emite certificados mas não é AC (basicConstraints sem cA=TRUE)",
                    ca.subject()
                ),
            )),
        }
        match ca.key_usage() {
            Some(k) if k.key_cert_sign => {}
            Some(_) => f.push(fail(
                Code::CertChainValidationFailed,
                i,
                format!("AC '{}' sem keyUsage keyCertSign", ca.subject()),
            )),
            // RFC 5280 lets keyUsage be absent; DOC-ICP-04 7.1.2.2 makes it mandatory
            None => f.push(fail(
                Code::CertChainValidationFailed,
                i,
                format!(
                    "AC '{}' sem extensão keyUsage (obrigatória na ICP-Brasil, DOC-ICP-04 7.1.2.2)",
                    ca.subject()
                ),
            )),
        }
    }
    // RFC 5280 §4.2.1.10, §6.1.3 (b)(c): name constraints
    f.extend(crate::path::name_constraints(chain));
    // RFC 5280 §4.2.1.11, §4.2.1.14, §6.1.3 (d)-(f): policy constraints
    f.extend(crate::path::policies(chain));
    // criar 2.4 / validar 3.3: last is self-signed and pinned
    if let Some(root) = chain.last() {
        let i = n - 1;
        // A pinned anchor is trusted by the SHA-256 of its whole DER (RFC 5280 §6.1.1 (d):
        // the trust anchor is an input of path validation), so its self-signature adds no
        // assurance and is not checked again (ADR 0066); an unpinned last certificate
        // must at least be a self-signed root to be reported as an untrusted one.
        let pinned = trust.contains(&root.sha256());
        if !root.is_self_issued() || (!pinned && root.verify_signed_by(root).is_err()) {
            f.push(fail(
                Code::CertChainIncomplete,
                i,
                format!(
                    "o último certificado '{}' não é uma AC-Raiz autoassinada",
                    root.subject()
                ),
            ));
        } else if !trust.contains(&root.sha256()) {
            f.push(fail(
                UNTRUSTED_ROOT_CODE,
                i,
                sesgo_core::hints::with_hint(
                    format!(
                        "AC-Raiz '{}' (SHA-256 {}) não está no trust store.",
                        root.subject(),
                        root.sha256_hex()
                    ),
                    sesgo_core::hints::UNTRUSTED_ROOT,
                ),
            ));
        }
    }
    f
}

/// Validates an ordered chain (leaf first, root last) at `options.reference_time`:
/// ≥ 2 certificates (criar 2.2), depth ≤ `max_depth`, issuer/subject and signatures
/// (2.7.1, 2.7.2; sha256/384/512WithRSA), basicConstraints cA + pathLen and keyCertSign on
/// issuers, self-signed root pinned in `trust` (2.4), every certificate valid at the reference
/// time (2.7.3). All failures are returned together.
///
/// RFC 5280 §6 rules on every certificate of the path (ADR 0030): outer signatureAlgorithm
/// equal to TBSCertificate.signature, no duplicate or undecodable extension
/// (`CERT.INVALID-FORMAT`); no critical extension outside basicConstraints, keyUsage,
/// certificatePolicies, subjectAltName, extKeyUsage, nameConstraints, policyConstraints,
/// inhibitAnyPolicy; the leaf is not a CA; name constraints (directoryName, rfc822Name,
/// dNSName; a critical constraint of another form is rejected); policy constraints without
/// requiring an explicit policy ourselves (all `CERT.CHAIN-VALIDATION-FAILED`). The pinned root
/// is processed as the first certificate of the path.
///
/// The time-independent part is cached in the trust store by the chain's digest; validity
/// dates are always re-checked.
///
/// ```
/// # let pki = sesgo_cert::testpki::TestPki::shared();
/// use sesgo_cert::{validate_chain, Certificate, ChainOptions, TrustStore};
/// let c = |d: &[u8]| Certificate::from_der(d).unwrap();
/// let chain = [c(&pki.ecpf.der), c(&pki.ac2.der), c(&pki.ac1.der), c(&pki.root.der)];
/// let trust = TrustStore::from_fingerprints([pki.root_sha256.as_str()]).unwrap();
/// let now = sesgo_cert::now_unix();
/// let ok = validate_chain(&chain, &trust, &ChainOptions::at(now)).unwrap();
/// assert_eq!(ok.root_sha256, pki.root_sha256);
/// let err = validate_chain(&chain, &TrustStore::icp_brasil_default(), &ChainOptions::at(now)).unwrap_err();
/// assert_eq!(err.code(), sesgo_cert::UNTRUSTED_ROOT_CODE);
/// assert!(err.to_string().contains("trust store"));
/// ```
pub fn validate_chain(
    chain: &[Certificate],
    trust: &TrustStore,
    options: &ChainOptions,
) -> Result<ValidatedChain> {
    check_depth(options.max_depth)?;
    if trust.fingerprints_hex().is_empty() {
        return Err(Error::new(
            Code::ConfigTrustStoreEmpty,
            "o trust store não contém nenhuma AC-Raiz",
        ));
    }
    let [leaf, .., root] = chain else {
        // criar 2.2 / validar 3.2
        return Err(Error::new(
            Code::CertChainIncomplete,
            format!(
                "a cadeia deve ter ao menos 2 certificados (tem {})",
                chain.len()
            ),
        )
        .at("x5c"));
    };
    if chain.len() > options.max_depth {
        return Err(Error::new(
            Code::CertChainValidationFailed,
            format!(
                "cadeia com {} certificados excede a profundidade máxima {}",
                chain.len(),
                options.max_depth
            ),
        )
        .at("x5c"));
    }
    let key = certs_key(options.max_depth as u64, chain);
    let mut findings = match trust.cache_get(&key) {
        Some(f) => f,
        None => {
            let f = structural(chain, trust);
            trust.cache_put(key, f.clone());
            f
        }
    };
    let mut warnings = Vec::new();
    let t = options.reference_time;
    for (i, c) in chain.iter().enumerate() {
        // criar 2.6 / 2.7.3, validar 3.6
        if t < c.not_before() {
            findings.push(
                Finding::new(
                    Code::CertNotYetValid,
                    format!(
                        "'{}' válido somente a partir de {} (referência {})",
                        c.subject(),
                        crate::time::rfc3339(c.not_before()),
                        crate::time::rfc3339(t)
                    ),
                )
                .at(format!("x5c[{i}]")),
            );
        } else if t > c.not_after() {
            findings.push(
                Finding::new(
                    Code::CertExpired,
                    format!(
                        "'{}' expirou em {} (referência {})",
                        c.subject(),
                        crate::time::rfc3339(c.not_after()),
                        crate::time::rfc3339(t)
                    ),
                )
                .at(format!("x5c[{i}]")),
            );
        } else if c.not_after() - t < i64::from(options.near_expiry_days) * 86_400 {
            warnings.push(
                Finding::new(
                    Code::CertNearExpiry,
                    format!(
                        "'{}' expira em {}",
                        c.subject(),
                        crate::time::rfc3339(c.not_after())
                    ),
                )
                .at(format!("x5c[{i}]"))
                .with_severity(Severity::Warning),
            );
        }
    }
    if let Some(e) = Error::from_findings(findings) {
        return Err(e);
    }
    Ok(ValidatedChain {
        certificates: chain.to_vec(),
        root_sha256: root.sha256_hex(),
        warnings,
        leaf: leaf.clone(),
    })
}
