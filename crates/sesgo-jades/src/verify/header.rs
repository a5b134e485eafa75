//! validar §2 (protected header) and §6 (policy from `sigPId`), per the policy profile.

use super::{b64std, b64url, json_failure, push, short};
use sesgo_cert::crypto::PublicKey;
use sesgo_cert::Certificate;
use sesgo_core::json::{parse_strict, Limits, Value};
use sesgo_core::policy::{HeaderMember, IatRule, Policy, SigPIdForm};
use sesgo_core::{Code, Error, Finding, Result};

/// What the protected header yielded.
pub(crate) struct Header {
    pub(crate) value: Value,
    pub(crate) policy: Option<Policy>,
    pub(crate) x5c: Vec<Vec<u8>>,
    pub(crate) certs: Vec<Certificate>,
    pub(crate) leaf_key: Option<PublicKey>,
    pub(crate) iat: Option<i64>,
}

/// The leaf's RSA key (criar 2.1): any failure means "not an RSA key RS256 can use".
pub(crate) fn leaf_key_of(cert: &Certificate) -> Result<PublicKey> {
    cert.public_key().map_err(|_| {
        Error::new(
            Code::CertUnsupportedAlgorithm,
            "a chave do certificado folha não é RSA (RS256 exige RSA)",
        )
    })
}

/// Most certificates accepted in `x5c`: the ceiling of `maxChainDepth` (range [2, 10]).
pub const MAX_X5C: usize = 10;

/// Longest Base64 text of one `x5c` certificate (48 KiB of DER; an ICP-Brasil
/// certificate is about 2 KiB).
pub const MAX_X5C_CERT_B64: usize = 64 << 10;

/// validar §2 (header checks) and §6 (policy): decodes and checks a protected header.
/// `p` is the location prefix (`signatures[0].protected`).
pub(crate) fn check_protected(
    b64: &str,
    expected: Option<Policy>,
    certificates: Option<&sesgo_cert::CertificateCache>,
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
        let profile = pol.profile();
        for k in h.keys() {
            if profile.protected_members.iter().any(|m| m.name() == k) || k == "crit" || k == "b64"
            {
                continue;
            }
            push(
                f,
                profile.unknown_member_code,
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
    let mut certs = Vec::new();
    let mut leaf_key = None;
    match h.get("x5c").and_then(Value::as_array) {
        Some(a) if a.len() > MAX_X5C => push(
            f,
            Code::CertChainValidationFailed,
            format!("{p}.x5c"),
            format!(
                "'x5c' com {} certificados excede o máximo de {MAX_X5C} (teto de maxChainDepth)",
                a.len()
            ),
        ),
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
                if s.len() > MAX_X5C_CERT_B64 {
                    push(
                        f,
                        Code::CertInvalidFormat,
                        at,
                        format!(
                            "elemento de x5c com {} caracteres excede o máximo de {MAX_X5C_CERT_B64}",
                            s.len()
                        ),
                    );
                    continue;
                }
                // A certificate this store has seen under the same text: no decode.
                let known = certificates.and_then(|cache| cache.get_base64(s));
                let (der, parsed) = match known {
                    Some(cert) => (cert.der().to_vec(), Ok(cert)),
                    None => {
                        let Some(der) = b64std(s) else {
                            push(
                                f,
                                Code::FormatBase64Invalid,
                                at,
                                "elemento de x5c não é Base64 padrão estrito",
                            );
                            continue;
                        };
                        let parsed = match certificates {
                            Some(cache) => cache.parse_base64(s, &der),
                            None => Certificate::from_der(&der),
                        };
                        (der, parsed)
                    }
                };
                match parsed {
                    Ok(cert) => {
                        if i == 0 {
                            match leaf_key_of(&cert) {
                                Ok(k) => leaf_key = Some(k),
                                Err(e) => f.extend(
                                    e.into_findings().into_iter().map(|x| x.at(at.clone())),
                                ),
                            }
                        }
                        x5c.push(der);
                        certs.push(cert);
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

    let profile = policy.map(Policy::profile);
    if profile.is_some_and(|pr| pr.allows(HeaderMember::X5tS256)) {
        // §17.5: x5t#S256 = BASE64URL(SHA-256(leaf DER)).
        let at = format!("{p}.x5t#S256");
        match h.get("x5t#S256") {
            None => push(
                f,
                Code::FormatJwsMalformed,
                at,
                "'x5t#S256' obrigatório nesta política",
            ),
            Some(v) => match v.as_str().and_then(b64url) {
                Some(t) if t.len() == 32 => {
                    if let Some(leaf) = certs.first().filter(|_| leaf_key.is_some()) {
                        if t.as_slice() != leaf.sha256().as_slice() {
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
    }
    if let Some(pr) = profile.filter(|pr| pr.allows(HeaderMember::SrCms)) {
        // §17.5: srCms, exactly one commitment.
        let commitment = pr.commitment_type;
        let ok = h.get("srCms").and_then(Value::as_array).is_some_and(|a| {
            a.len() == 1
                && a.first().and_then(Value::as_object).is_some_and(|c| {
                    c.len() == 1
                        && c.get("commId")
                            .and_then(Value::as_object)
                            .is_some_and(|ci| {
                                ci.len() == 1
                                    && ci.get("id").and_then(Value::as_str) == Some(commitment)
                            })
                })
        });
        if !ok {
            push(
                f,
                Code::ValidationPolicyComplianceFailed,
                format!("{p}.srCms"),
                format!("'srCms' deve ser exatamente [{{\"commId\":{{\"id\":\"{commitment}\"}}}}]"),
            );
        }
    }

    // validar §2: iat positive integer (0.2.0: mandatory).
    let at = format!("{p}.iat");
    let iat = match h.get("iat") {
        None => {
            let required = profile.is_some_and(|pr| match pr.iat {
                IatRule::Always => true,
                IatRule::PerStrategy => false,
            });
            if required {
                push(
                    f,
                    Code::TemporalIatMissing,
                    at,
                    "'iat' obrigatório nesta política",
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
        certs,
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
        Some(Value::String(s)) => (s.as_str(), SigPIdForm::Flat),
        Some(Value::Object(inner)) => match (inner.len(), inner.get("id")) {
            (1, Some(Value::String(s))) => (s.as_str(), SigPIdForm::Nested),
            _ => return bad(f, "'id' deve ser {\"id\":\"<URI>\"}"),
        },
        _ => return bad(f, "'id' ausente ou de tipo inválido"),
    };
    let id_at = match shape {
        SigPIdForm::Flat => format!("{at}.id"),
        SigPIdForm::Nested => format!("{at}.id.id"),
    };
    match Policy::from_uri(uri) {
        Ok(pol) if pol.profile().sig_p_id == shape => Some(pol),
        Ok(pol) => {
            push(
                f,
                Code::PolicySignaturePolicyIdInvalid,
                at,
                match pol.profile().sig_p_id {
                    SigPIdForm::Nested => {
                        format!("a política {pol} exige sigPId = {{\"id\":{{\"id\":\"<URI>\"}}}}")
                    }
                    SigPIdForm::Flat => {
                        format!("a política {pol} exige sigPId = {{\"id\":\"<URI>\"}}")
                    }
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
