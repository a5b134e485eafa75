//! validar §2: the unprotected header, per the profile's container (`UnprotectedForm`).

use super::{b64std, push, short};
use crate::unprotected::{RevocationRefs, SHA512_DIGEST_ALG};
use sesgo_core::json::{Object, Value};
use sesgo_core::policy::RRefsRule;
use sesgo_core::{Code, Finding};

/// Most references accepted in one `rRefs` list (`ocspRefs`, `crlRefs`): a chain has at
/// most 10 certificates (`maxChainDepth`), each with one OCSP and one CRL reference.
pub const MAX_RREFS: usize = 64;

/// validar §2 (SAFIRA-0.1): `{sigTst?, rRefs?}` directly in the unprotected header
/// (`rRefs` only when the profile expects them).
pub(super) fn check_flat(
    u: &Object,
    rule: RRefsRule,
    token: &mut Option<Vec<u8>>,
    refs: &mut Option<RevocationRefs>,
    f: &mut Vec<Finding>,
) {
    const P: &str = "signatures[0].header";
    let rrefs_allowed = rule.expected();
    for k in u.keys() {
        if k == "rRefs" && !rrefs_allowed {
            push(
                f,
                Code::FormatJadesUnprotectedHeaderInvalid,
                format!("{P}.rRefs"),
                "a política não admite rRefs no cabeçalho não protegido",
            );
        } else if k != "sigTst" && k != "rRefs" {
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
    if let Some(v) = u.get("rRefs").filter(|_| rrefs_allowed) {
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
        let mut seen: std::collections::HashSet<[u8; 64]> = std::collections::HashSet::new();
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
            if items.len() > MAX_RREFS {
                push(
                    f,
                    Code::ValidationLtvEvidenceInvalid,
                    format!("{at}.{k}"),
                    format!(
                        "{} referências em {k}; o máximo é {MAX_RREFS} (uma por certificado de uma cadeia de até 10, com folga)",
                        items.len()
                    ),
                );
                continue;
            }
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
                        seen.insert(d);
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
pub(super) fn check_etsi_u(u: &Object, f: &mut Vec<Finding>) -> Option<Vec<u8>> {
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
