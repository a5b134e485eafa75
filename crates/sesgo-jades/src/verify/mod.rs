//! Strict JWS/JAdES verification (validar §2, §4, §6 and §opcional; IG-DIGEST §17.5).

mod header;
mod unprotected;

pub(crate) use header::{check_protected, leaf_key_of};

use crate::unprotected::RevocationRefs;
use sesgo_cert::{crypto, Certificate};
use sesgo_core::json::{parse_strict, JsonError, Limits, Object, Value};
use sesgo_core::policy::{IatRule, Policy, Strategy, TsaImprint, UnprotectedForm};
use sesgo_core::{Code, Error, Finding, Result};

/// What the caller expects of the JWS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyOptions {
    /// The policy the signature must declare (validar input 4; `VALIDATION.POLICY-COMPLIANCE-FAILED`).
    pub expected_policy: Option<Policy>,
    /// The recomputed content digest (validar §opcional; `CRYPTO.HASH-VERIFICATION-FAILED`).
    pub expected_payload: Option<[u8; 32]>,
    /// Bounds for the JWS JSON and its protected header (default 8 MiB, depth 16).
    pub limits: Limits,
    /// Where `x5c` certificates are parsed once per DER (the trust store's,
    /// [`sesgo_cert::TrustStore::certificates`]); `None` parses every time.
    pub certificates: Option<sesgo_cert::CertificateCache>,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            expected_policy: None,
            expected_payload: None,
            limits: Limits {
                max_bytes: 8 << 20,
                max_depth: 16,
            },
            certificates: None,
        }
    }
}

/// A JWS whose structure, header and signature verified. The certificate chain is
/// returned for chain, eligibility, revocation and timestamp validation elsewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedJws {
    /// Policy declared in `sigPId`.
    pub policy: Policy,
    /// Detected strategy (`iat` / `sigTst`; 0.2.0: B-B / B-T).
    pub strategy: Strategy,
    /// The decoded protected header.
    pub header: Value,
    /// `x5c` as DER, leaf first.
    pub x5c_der: Vec<Vec<u8>>,
    /// `x5c` parsed (by `sesgo-cert`), leaf first: the same certificates as `x5c_der`.
    pub certificates: Vec<Certificate>,
    /// `iat`, when present.
    pub iat: Option<i64>,
    /// The DER TimeStampToken (`sigTst` / `etsiU[0].sigTst.tstTokens[0].val`), if any.
    pub timestamp_token: Option<Vec<u8>>,
    /// `rRefs` (policy 0.1), if present.
    pub revocation_refs: Option<RevocationRefs>,
    /// The 32-byte content digest carried as payload.
    pub payload: [u8; 32],
    /// `signatures[0].signature` as sent (base64url).
    pub signature_b64: String,
}

impl VerifiedJws {
    /// The leaf certificate (DER).
    pub fn leaf_der(&self) -> &[u8] {
        self.x5c_der.first().map(Vec::as_slice).unwrap_or_default()
    }

    /// The RFC 3161 message imprint the timestamp token must carry (§17.6, Etapa 12).
    pub fn tsa_message_imprint(&self) -> [u8; 32] {
        tsa_imprint(self.policy, &self.signature_b64)
    }

    /// The bytes the timestamp's message imprint hashes, per the profile's `TsaImprint`:
    /// the signature value (policy 0.1) or the ASCII of `signatures[0].signature` (0.2.0).
    /// For tokens whose imprint uses another hash than SHA-256 (EU DSS defaults to SHA-512).
    pub fn tsa_imprint_input(&self) -> Vec<u8> {
        match self.policy.profile().tsa_imprint {
            TsaImprint::SignatureBytes => b64url(&self.signature_b64).unwrap_or_default(),
            TsaImprint::SignatureText => self.signature_b64.as_bytes().to_vec(),
        }
    }
}

pub(crate) fn tsa_imprint(policy: Policy, signature_b64: &str) -> [u8; 32] {
    match policy.profile().tsa_imprint {
        TsaImprint::SignatureBytes => crypto::sha256(&b64url(signature_b64).unwrap_or_default()),
        TsaImprint::SignatureText => crypto::sha256(signature_b64.as_bytes()),
    }
}

/// Strict base64url without padding, whitespace or non-zero trailing bits.
pub(crate) fn b64url(s: &str) -> Option<Vec<u8>> {
    sesgo_core::base64::decode_url(s)
}

/// Strict standard Base64 with padding.
pub(crate) fn b64std(s: &str) -> Option<Vec<u8>> {
    sesgo_core::base64::decode_standard(s)
}

pub(crate) fn json_failure(e: JsonError, at: &str) -> Finding {
    let code = match e {
        JsonError::DuplicateMember { .. } => Code::FormatJsonMalformed,
        _ => Code::FormatJwsMalformed,
    };
    let mut f = Finding::new(code, e.to_string());
    f = match &e {
        JsonError::DuplicateMember { path } | JsonError::TooDeep { path, .. } => {
            f.at(sesgo_core::json::join_path(at, path))
        }
        _ => f.at(at),
    };
    f
}

pub(crate) fn push(
    findings: &mut Vec<Finding>,
    code: Code,
    at: impl Into<String>,
    msg: impl Into<String>,
) {
    findings.push(Finding::new(code, msg).at(at));
}

pub(crate) fn short(s: &str) -> &str {
    match s.char_indices().nth(80) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Verifies a JWS JSON (General Serialization, the bytes carried in `Signature.data`)
/// structurally and cryptographically (validar §2, §4, §6, §opcional).
///
/// Every independent deviation is reported, each with its code and location
/// (`signatures[0].protected.x5c[1]`, …). Certificate chain, revocation and the
/// timestamp token are **not** validated here: the chain and token are returned.
///
/// ```
/// use sesgo_jades::{verify_jws, VerifyOptions};
/// let err = verify_jws(br#"{"payload":"x","signatures":[]}"#, &VerifyOptions::default()).unwrap_err();
/// assert_eq!(err.findings().len(), 2);
/// ```
pub fn verify_jws(jws: &[u8], options: &VerifyOptions) -> Result<VerifiedJws> {
    let mut f = Vec::new();
    // validar §2: parse.
    let root = parse_strict(jws, &options.limits).map_err(|e| Error::from(json_failure(e, "")))?;
    let Some(top) = root.as_object() else {
        return Err(Error::new(
            Code::FormatJwsMalformed,
            "o JWS não é um objeto JSON",
        ));
    };
    for k in top.keys() {
        if k != "payload" && k != "signatures" {
            push(
                &mut f,
                Code::FormatJwsMalformed,
                short(k),
                "membro desconhecido na serialização JSON geral do JWS",
            );
        }
    }
    // payload: base64url of exactly 32 bytes (Etapa 8).
    let payload = match top.get("payload") {
        Some(Value::String(s)) => match b64url(s) {
            Some(d) => match <[u8; 32]>::try_from(d.as_slice()) {
                Ok(a) => Some((a, s.as_str())),
                Err(_) => {
                    push(
                        &mut f,
                        Code::FormatJwsMalformed,
                        "payload",
                        format!("payload deve ter 32 bytes (SHA-256), tem {}", d.len()),
                    );
                    None
                }
            },
            None => {
                push(
                    &mut f,
                    Code::FormatBase64Invalid,
                    "payload",
                    "payload não é base64url estrito sem preenchimento",
                );
                None
            }
        },
        _ => {
            push(
                &mut f,
                Code::FormatJwsMalformed,
                "payload",
                "'payload' ausente ou não é string",
            );
            None
        }
    };
    let sig0 = match top
        .get("signatures")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        Some([one]) => match one.as_object() {
            Some(o) => Some(o),
            None => {
                push(
                    &mut f,
                    Code::FormatJwsMalformed,
                    "signatures[0]",
                    "não é objeto",
                );
                None
            }
        },
        Some(a) => {
            push(
                &mut f,
                Code::FormatJwsMalformed,
                "signatures",
                format!("exatamente uma assinatura é exigida, há {}", a.len()),
            );
            None
        }
        None => {
            push(
                &mut f,
                Code::FormatJwsMalformed,
                "signatures",
                "'signatures' ausente ou não é array",
            );
            None
        }
    };
    let Some(sig0) = sig0 else {
        return Err(fail(f));
    };
    for k in sig0.keys() {
        if !matches!(k, "protected" | "signature" | "header") {
            push(
                &mut f,
                Code::FormatJwsMalformed,
                format!("signatures[0].{}", short(k)),
                "membro desconhecido",
            );
        }
    }
    let protected = str_member(sig0, "protected", &mut f);
    let signature_b64 = str_member(sig0, "signature", &mut f);
    let unprotected = match sig0.get("header") {
        None => None,
        Some(Value::Object(o)) => Some(o),
        Some(_) => {
            push(
                &mut f,
                Code::FormatJwsMalformed,
                "signatures[0].header",
                "'header' deve ser objeto",
            );
            None
        }
    };

    let header = protected.and_then(|p| {
        check_protected(
            p,
            options.expected_policy,
            options.certificates.as_ref(),
            "signatures[0].protected",
            &mut f,
        )
    });
    let policy = header
        .as_ref()
        .and_then(|h| h.policy)
        .or(options.expected_policy);

    // validar §2: unprotected header and timestamp strategy.
    let mut timestamp_token = None;
    let mut revocation_refs = None;
    let mut strategy = None;
    if let (Some(pol), Some(h)) = (policy, header.as_ref()) {
        let profile = pol.profile();
        // The container of the profile; `None` when it is malformed (already reported).
        let has_token = match profile.unprotected {
            UnprotectedForm::Flat => {
                if let Some(u) = unprotected {
                    unprotected::check_flat(
                        u,
                        profile.revocation_refs,
                        &mut timestamp_token,
                        &mut revocation_refs,
                        &mut f,
                    );
                }
                Some(unprotected.is_some_and(|u| u.contains_key("sigTst")))
            }
            UnprotectedForm::EtsiU => match unprotected {
                None => Some(false),
                Some(u) => unprotected::check_etsi_u(u, &mut f).map(|t| {
                    timestamp_token = Some(t);
                    true
                }),
            },
        };
        let by_token = |t: bool| if t { Strategy::Tsa } else { Strategy::Iat };
        match (profile.iat, has_token) {
            (_, None) => {}
            (IatRule::PerStrategy, Some(has_tst)) => {
                let has_iat = h.value.get("iat").is_some();
                if has_iat == has_tst {
                    push(
                        &mut f,
                        Code::ValidationTimestampStrategyInvalid,
                        "signatures[0]",
                        "exatamente um de 'iat' (protegido) ou 'sigTst' (não protegido) é exigido",
                    );
                } else {
                    strategy = Some(by_token(has_tst));
                }
            }
            (IatRule::Always, Some(has_tst)) => strategy = Some(by_token(has_tst)),
        }
    }

    // validar §4: RS256 over ASCII(protected "." payload), with the leaf key.
    if let Some(s) = signature_b64 {
        match b64url(s) {
            None => push(
                &mut f,
                Code::FormatBase64Invalid,
                "signatures[0].signature",
                "assinatura não é base64url estrito sem preenchimento",
            ),
            Some(sig) => {
                if let (Some(p), Some((_, pay)), Some(key)) = (
                    protected,
                    payload,
                    header.as_ref().and_then(|h| h.leaf_key.as_ref()),
                ) {
                    let mut hasher = crypto::Sha256Stream::new();
                    hasher.update(p.as_bytes());
                    hasher.update(b".");
                    hasher.update(pay.as_bytes());
                    if !key.verify_rs256_digest(&hasher.finish(), &sig) {
                        push(
                            &mut f,
                            Code::ValidationSignatureVerificationFailed,
                            "signatures[0].signature",
                            "a assinatura RS256 não confere com a chave pública de x5c[0]",
                        );
                    }
                }
            }
        }
    }

    // validar §opcional: payload = recomputed digest.
    if let (Some(expected), Some((got, _))) = (options.expected_payload, payload) {
        if expected != got {
            push(
                &mut f,
                Code::CryptoHashVerificationFailed,
                "payload",
                "o payload não corresponde ao resumo recalculado do conteúdo assinado",
            );
        }
    }

    if let Some(e) = Error::from_findings(f) {
        return Err(e);
    }
    match (policy, strategy, header, payload, signature_b64) {
        (Some(policy), Some(strategy), Some(h), Some((payload, _)), Some(sig)) => Ok(VerifiedJws {
            policy,
            strategy,
            header: h.value,
            x5c_der: h.x5c,
            certificates: h.certs,
            iat: h.iat,
            timestamp_token,
            revocation_refs,
            payload,
            signature_b64: sig.to_owned(),
        }),
        _ => Err(Error::new(Code::FormatJwsMalformed, "JWS incompleto")),
    }
}

fn fail(f: Vec<Finding>) -> Error {
    Error::from_findings(f)
        .unwrap_or_else(|| Error::new(Code::FormatJwsMalformed, "JWS malformado"))
}

fn str_member<'v>(o: &'v Object, k: &str, f: &mut Vec<Finding>) -> Option<&'v str> {
    match o.get(k) {
        Some(Value::String(s)) => Some(s),
        _ => {
            push(
                f,
                Code::FormatJwsMalformed,
                format!("signatures[0].{k}"),
                format!("'{k}' ausente ou não é string"),
            );
            None
        }
    }
}
