//! Strict JWS/JAdES verification (validar §2, §4, §6 and §opcional; IG-DIGEST §17.5).

use crate::jws::{RevocationRefs, SHA512_DIGEST_ALG};
use crate::policy::{Family, Policy, Strategy, COMMITMENT_TYPE_URN};
use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sesgo_core::json::{parse_strict, JsonError, Limits, Object, Value};
use sesgo_core::{Code, Error, Finding, Result};
use sha2::{Digest, Sha256};
use x509_cert::der::{Decode, Encode};
use x509_cert::Certificate;

/// What the caller expects of the JWS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyOptions {
    /// The policy the signature must declare (validar input 4; `VALIDATION.POLICY-COMPLIANCE-FAILED`).
    pub expected_policy: Option<Policy>,
    /// The recomputed content digest (validar §opcional; `CRYPTO.HASH-VERIFICATION-FAILED`).
    pub expected_payload: Option<[u8; 32]>,
    /// Bounds for the JWS JSON and its protected header (default 8 MiB, depth 16).
    pub limits: Limits,
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
}

pub(crate) fn tsa_imprint(policy: Policy, signature_b64: &str) -> [u8; 32] {
    match policy.family() {
        Family::V01 => Sha256::digest(b64url(signature_b64).unwrap_or_default()).into(),
        Family::V020 => Sha256::digest(signature_b64.as_bytes()).into(),
    }
}

/// Strict base64url without padding, whitespace or non-zero trailing bits.
pub(crate) fn b64url(s: &str) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(s).ok()
}

/// Strict standard Base64 with padding.
pub(crate) fn b64std(s: &str) -> Option<Vec<u8>> {
    Base64::decode_vec(s).ok()
}

pub(crate) fn parse_certificate(der: &[u8]) -> Result<Certificate> {
    Certificate::from_der(der).map_err(|e| {
        Error::new(
            Code::CertInvalidFormat,
            format!("certificado X.509 DER inválido: {e}"),
        )
    })
}

pub(crate) fn rsa_key_of(cert: &Certificate) -> Result<RsaPublicKey> {
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| Error::new(Code::CertInvalidFormat, format!("SPKI inválido: {e}")))?;
    RsaPublicKey::from_public_key_der(&spki).map_err(|_| {
        Error::new(
            Code::CertUnsupportedAlgorithm,
            "a chave do certificado folha não é RSA (RS256 exige RSA)",
        )
    })
}

/// What the protected header yielded.
pub(crate) struct Header {
    pub(crate) value: Value,
    pub(crate) policy: Option<Policy>,
    pub(crate) x5c: Vec<Vec<u8>>,
    pub(crate) leaf_key: Option<RsaPublicKey>,
    pub(crate) iat: Option<i64>,
}

fn json_failure(e: JsonError, at: &str) -> Finding {
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

fn push(findings: &mut Vec<Finding>, code: Code, at: impl Into<String>, msg: impl Into<String>) {
    findings.push(Finding::new(code, msg).at(at));
}

/// validar §2 (header checks) and §6 (policy): decodes and checks a protected header.
/// `p` is the location prefix (`signatures[0].protected`).
pub(crate) fn check_protected(
    b64: &str,
    expected: Option<Policy>,
    p: &str,
    f: &mut Vec<Finding>,
) -> Option<Header> {
    let Some(bytes) = b64url(b64) else {
        push(
            f,
            Code::FormatBase64Invalid,
            p,
            "cabeçalho protegido não é base64url estrito sem preenchimento",
        );
        return None;
    };
    let limits = Limits {
        max_bytes: 4 << 20,
        max_depth: 8,
    };
    let value = match parse_strict(&bytes, &limits) {
        Ok(v) => v,
        Err(e) => {
            f.push(json_failure(e, p));
            return None;
        }
    };
    let Some(h) = value.as_object() else {
        push(
            f,
            Code::FormatJwsMalformed,
            p,
            "cabeçalho protegido não é um objeto JSON",
        );
        return None;
    };

    // RFC 7515 §4.1.11 / RFC 7797: extensions this profile refuses.
    for refused in ["crit", "b64"] {
        if h.contains_key(refused) {
            push(
                f,
                Code::FormatJwsMalformed,
                format!("{p}.{refused}"),
                format!("'{refused}' não é aceito por este perfil"),
            );
        }
    }
    // validar §2: alg whitelist.
    match h.get("alg") {
        None => push(
            f,
            Code::FormatJwsMalformed,
            format!("{p}.alg"),
            "'alg' ausente",
        ),
        Some(Value::String(a)) if a == "RS256" => {}
        Some(a) => push(
            f,
            Code::ValidationUnsupportedAlgorithm,
            format!("{p}.alg"),
            format!("algoritmo não suportado: {}", short(&a.to_json())),
        ),
    }

    // validar §6: policy from sigPId (shape per policy).
    let declared = check_sigpid(h.get("sigPId"), &format!("{p}.sigPId"), f);
    if let (Some(d), Some(e)) = (declared, expected) {
        if d != e {
            push(
                f,
                Code::ValidationPolicyComplianceFailed,
                format!("{p}.sigPId"),
                format!("política declarada '{d}' difere da esperada '{e}'"),
            );
        }
    }
    let policy = declared.or(expected);

    // Closed member set.
    if let Some(pol) = policy {
        let allowed = pol.protected_members();
        for k in h.keys() {
            if allowed.contains(&k) || k == "crit" || k == "b64" {
                continue;
            }
            let code = match pol.family() {
                Family::V020 => Code::FormatJadesComponentPlacementInvalid,
                Family::V01 => Code::FormatJwsMalformed,
            };
            push(
                f,
                code,
                format!("{p}.{k}"),
                format!(
                    "membro '{}' não permitido no cabeçalho protegido da política {pol}",
                    short(k)
                ),
            );
        }
    }

    // validar §2 / criar 2.1: x5c.
    let mut x5c = Vec::new();
    let mut leaf_key = None;
    match h.get("x5c").and_then(Value::as_array) {
        Some(a) if !a.is_empty() => {
            for (i, e) in a.iter().enumerate() {
                let at = format!("{p}.x5c[{i}]");
                let Some(s) = e.as_str() else {
                    push(
                        f,
                        Code::CertInvalidFormat,
                        at,
                        "elemento de x5c não é string",
                    );
                    continue;
                };
                let Some(der) = b64std(s) else {
                    push(
                        f,
                        Code::FormatBase64Invalid,
                        at,
                        "elemento de x5c não é Base64 padrão estrito",
                    );
                    continue;
                };
                match parse_certificate(&der) {
                    Ok(cert) => {
                        if i == 0 {
                            match rsa_key_of(&cert) {
                                Ok(k) => leaf_key = Some(k),
                                Err(e) => f.extend(
                                    e.into_findings().into_iter().map(|x| x.at(at.clone())),
                                ),
                            }
                        }
                        x5c.push(der);
                    }
                    Err(e) => f.extend(e.into_findings().into_iter().map(|x| x.at(at.clone()))),
                }
            }
        }
        _ => push(
            f,
            Code::CertInvalidFormat,
            format!("{p}.x5c"),
            "'x5c' deve ser um array não vazio de certificados",
        ),
    }

    if policy.map(Policy::family) == Some(Family::V020) {
        // §17.5: x5t#S256 = BASE64URL(SHA-256(leaf DER)).
        let at = format!("{p}.x5t#S256");
        match h.get("x5t#S256") {
            None => push(
                f,
                Code::FormatJwsMalformed,
                at,
                "'x5t#S256' obrigatório na política 0.2.0",
            ),
            Some(v) => match v.as_str().and_then(b64url) {
                Some(t) if t.len() == 32 => {
                    if let Some(leaf) = x5c.first().filter(|_| leaf_key.is_some()) {
                        if t.as_slice() != Sha256::digest(leaf).as_slice() {
                            push(
                                f,
                                Code::CertInvalidFormat,
                                at,
                                "'x5t#S256' não corresponde ao certificado x5c[0]",
                            );
                        }
                    }
                }
                _ => push(
                    f,
                    Code::FormatBase64Invalid,
                    at,
                    "'x5t#S256' deve ser base64url de 32 bytes",
                ),
            },
        }
        // §17.5: srCms, exactly one commitment.
        let ok = h.get("srCms").and_then(Value::as_array).is_some_and(|a| {
            a.len() == 1
                && a.first().and_then(Value::as_object).is_some_and(|c| {
                    c.len() == 1
                        && c.get("commId")
                            .and_then(Value::as_object)
                            .is_some_and(|ci| {
                                ci.len() == 1
                                    && ci.get("id").and_then(Value::as_str)
                                        == Some(COMMITMENT_TYPE_URN)
                            })
                })
        });
        if !ok {
            push(
                f,
                Code::ValidationPolicyComplianceFailed,
                format!("{p}.srCms"),
                format!("'srCms' deve ser exatamente [{{\"commId\":{{\"id\":\"{COMMITMENT_TYPE_URN}\"}}}}]"),
            );
        }
    }

    // validar §2: iat positive integer (0.2.0: mandatory).
    let at = format!("{p}.iat");
    let iat = match h.get("iat") {
        None => {
            if policy.map(Policy::family) == Some(Family::V020) {
                push(
                    f,
                    Code::TemporalIatMissing,
                    at,
                    "'iat' obrigatório na política 0.2.0",
                );
            }
            None
        }
        Some(v) => match v.as_number().and_then(|n| n.as_i64()) {
            Some(t) if t > 0 => Some(t),
            _ => {
                push(
                    f,
                    Code::TemporalIatInvalid,
                    at,
                    format!(
                        "'iat' deve ser inteiro positivo (NumericDate), recebido {}",
                        short(&v.to_json())
                    ),
                );
                None
            }
        },
    };

    Some(Header {
        value,
        policy: declared,
        x5c,
        leaf_key,
        iat,
    })
}

fn check_sigpid(v: Option<&Value>, at: &str, f: &mut Vec<Finding>) -> Option<Policy> {
    let bad = |f: &mut Vec<Finding>, why: &str| {
        push(
            f,
            Code::PolicySignaturePolicyIdInvalid,
            at,
            format!("'sigPId' inválido: {why}"),
        );
        None
    };
    let Some(o) = v.and_then(Value::as_object) else {
        return bad(f, "ausente ou não é objeto");
    };
    if o.len() != 1 {
        return bad(f, "deve ter exatamente o membro 'id'");
    }
    let (uri, shape) = match o.get("id") {
        Some(Value::String(s)) => (s.as_str(), Family::V01),
        Some(Value::Object(inner)) => match (inner.len(), inner.get("id")) {
            (1, Some(Value::String(s))) => (s.as_str(), Family::V020),
            _ => return bad(f, "'id' deve ser {\"id\":\"<URI>\"}"),
        },
        _ => return bad(f, "'id' ausente ou de tipo inválido"),
    };
    let id_at = if shape == Family::V01 {
        format!("{at}.id")
    } else {
        format!("{at}.id.id")
    };
    match Policy::from_uri(uri) {
        Ok(pol) if pol.family() == shape => Some(pol),
        Ok(pol) => {
            push(
                f,
                Code::PolicySignaturePolicyIdInvalid,
                at,
                match pol.family() {
                    Family::V020 => "a política 0.2.0 exige sigPId = {\"id\":{\"id\":\"<URI>\"}}",
                    Family::V01 => "a família 0.1 exige sigPId = {\"id\":\"<URI>\"}",
                },
            );
            None
        }
        Err(e) => {
            f.extend(e.into_findings().into_iter().map(|x| x.at(id_at.clone())));
            None
        }
    }
}

fn short(s: &str) -> &str {
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
        match pol.family() {
            Family::V01 => {
                if let Some(u) = unprotected {
                    check_unprotected_01(u, &mut timestamp_token, &mut revocation_refs, &mut f);
                }
                let has_tst = unprotected.is_some_and(|u| u.contains_key("sigTst"));
                let has_iat = h.value.get("iat").is_some();
                if has_iat == has_tst {
                    push(
                        &mut f,
                        Code::ValidationTimestampStrategyInvalid,
                        "signatures[0]",
                        "exatamente um de 'iat' (protegido) ou 'sigTst' (não protegido) é exigido",
                    );
                } else {
                    strategy = Some(if has_tst {
                        Strategy::Tsa
                    } else {
                        Strategy::Iat
                    });
                }
            }
            Family::V020 => match unprotected {
                None => strategy = Some(Strategy::Iat),
                Some(u) => {
                    if let Some(t) = check_unprotected_020(u, &mut f) {
                        timestamp_token = Some(t);
                        strategy = Some(Strategy::Tsa);
                    }
                }
            },
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
                    let mut hasher = Sha256::new();
                    hasher.update(p.as_bytes());
                    hasher.update(b".");
                    hasher.update(pay.as_bytes());
                    let hash = hasher.finalize();
                    if key
                        .verify(Pkcs1v15Sign::new::<Sha256>(), &hash, &sig)
                        .is_err()
                    {
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

/// validar §2 (SAFIRA-0.1): `{sigTst?, rRefs?}` directly in the unprotected header.
fn check_unprotected_01(
    u: &Object,
    token: &mut Option<Vec<u8>>,
    refs: &mut Option<RevocationRefs>,
    f: &mut Vec<Finding>,
) {
    const P: &str = "signatures[0].header";
    for k in u.keys() {
        if k != "sigTst" && k != "rRefs" {
            push(
                f,
                Code::FormatJwsMalformed,
                format!("{P}.{}", short(k)),
                "membro não permitido no cabeçalho não protegido (política 0.1)",
            );
        }
    }
    if let Some(v) = u.get("sigTst") {
        match v.as_str().and_then(b64std) {
            Some(t) if !t.is_empty() => *token = Some(t),
            _ => push(
                f,
                Code::TsaInvalidToken,
                format!("{P}.sigTst"),
                "'sigTst' deve ser Base64 padrão de um TimeStampToken",
            ),
        }
    }
    if let Some(v) = u.get("rRefs") {
        let at = format!("{P}.rRefs");
        let Some(r) = v.as_object().filter(|r| !r.is_empty()) else {
            push(
                f,
                Code::ValidationLtvEvidenceInvalid,
                at,
                "'rRefs' deve ser objeto não vazio",
            );
            return;
        };
        let mut out = RevocationRefs::default();
        let mut seen: Vec<[u8; 64]> = Vec::new();
        for (k, list) in r.iter() {
            let target = match k {
                "ocspRefs" => &mut out.ocsp_sha512,
                "crlRefs" => &mut out.crl_sha512,
                _ => {
                    push(
                        f,
                        Code::ValidationLtvEvidenceInvalid,
                        format!("{at}.{}", short(k)),
                        "membro não permitido em rRefs",
                    );
                    continue;
                }
            };
            let Some(items) = list.as_array().filter(|a| !a.is_empty()) else {
                push(
                    f,
                    Code::ValidationLtvEvidenceInvalid,
                    format!("{at}.{k}"),
                    "deve ser array não vazio",
                );
                continue;
            };
            for (i, it) in items.iter().enumerate() {
                let iat = format!("{at}.{k}[{i}]");
                let digest = it.as_object().filter(|o| {
                    o.len() == 2
                        && o.get("digestAlg").and_then(Value::as_str) == Some(SHA512_DIGEST_ALG)
                });
                let value = digest
                    .and_then(|o| o.get("digestValue"))
                    .and_then(Value::as_str)
                    .and_then(b64std)
                    .and_then(|d| <[u8; 64]>::try_from(d.as_slice()).ok());
                match value {
                    Some(d) if seen.contains(&d) => push(f, Code::ValidationLtvEvidenceInvalid, iat, "resumo duplicado em rRefs"),
                    Some(d) => {
                        seen.push(d);
                        target.push(d);
                    }
                    None => push(f, Code::ValidationLtvEvidenceInvalid, iat, format!("esperado {{\"digestAlg\":\"{SHA512_DIGEST_ALG}\",\"digestValue\":<Base64 de 64 bytes>}}")),
                }
            }
        }
        *refs = Some(out);
    }
}

/// §17.5: B-T header is exactly `{"etsiU":[{"sigTst":{"tstTokens":[{"val":…}]}}]}`.
fn check_unprotected_020(u: &Object, f: &mut Vec<Finding>) -> Option<Vec<u8>> {
    const P: &str = "signatures[0].header";
    let bad = |f: &mut Vec<Finding>, at: &str| {
        push(
            f,
            Code::FormatJadesUnprotectedHeaderInvalid,
            at,
            "o cabeçalho não protegido deve ser exatamente {\"etsiU\":[{\"sigTst\":{\"tstTokens\":[{\"val\":<Base64>}]}}]}",
        );
        None
    };
    fn single<'v>(v: Option<&'v Value>, key: &str) -> Option<&'v Value> {
        let o = v?.as_object()?;
        if o.len() == 1 {
            o.get(key)
        } else {
            None
        }
    }
    fn one_elem(v: Option<&Value>) -> Option<&Value> {
        match v?.as_array()?.as_slice() {
            [x] => Some(x),
            _ => None,
        }
    }
    if u.len() != 1 || !u.contains_key("etsiU") {
        for k in u.keys().filter(|k| *k != "etsiU") {
            bad(f, &format!("{P}.{}", short(k)));
        }
        if !u.contains_key("etsiU") {
            return bad(f, P);
        }
        return None;
    }
    let Some(e0) = one_elem(u.get("etsiU")) else {
        return bad(f, &format!("{P}.etsiU"));
    };
    let Some(tst) = single(Some(e0), "sigTst") else {
        return bad(f, &format!("{P}.etsiU[0]"));
    };
    let Some(tok) = one_elem(single(Some(tst), "tstTokens")) else {
        return bad(f, &format!("{P}.etsiU[0].sigTst"));
    };
    let Some(val) = single(Some(tok), "val") else {
        return bad(f, &format!("{P}.etsiU[0].sigTst.tstTokens[0]"));
    };
    match val.as_str().and_then(b64std) {
        Some(t) if !t.is_empty() => Some(t),
        _ => {
            push(
                f,
                Code::TsaInvalidToken,
                format!("{P}.etsiU[0].sigTst.tstTokens[0].val"),
                "TimeStampToken não é Base64 padrão",
            );
            None
        }
    }
}
