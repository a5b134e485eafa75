//! OCSP (RFC 6960): the request (SHA-1 CertID, optional nonce) and the checks on a
//! response (status, CertID, signer, nonce, freshness, certificate status).

use crate::{check_fresh, first_tlv, reason_name, verify_rsa, Config, Problem, Status, Verdict};
use const_oid::db::rfc5280::ID_KP_OCSP_SIGNING;
use const_oid::db::rfc5912::{ID_SHA_1, ID_SHA_256};
use const_oid::db::rfc6960::{ID_PKIX_OCSP_BASIC, ID_PKIX_OCSP_NOCHECK, ID_PKIX_OCSP_NONCE};
use der::asn1::{Null, OctetString};
use der::{Decode, Encode};
use sesgo_cert::crypto;
use sesgo_cert::Certificate;
use sesgo_core::Code;
use x509_cert::ext::Extension;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_ocsp::ext::Nonce;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspRequest, OcspResponse, OcspResponseStatus, Request,
    ResponderId, TbsRequest,
};

/// Length of the request nonce, bytes (RFC 8954: 1..=32).
const NONCE_LEN: usize = 16;

fn invalid(detail: impl Into<String>) -> Problem {
    Problem::new(Code::RevocationOcspInvalid, detail)
}

fn malformed(detail: impl Into<String>) -> Problem {
    Problem::new(Code::RevocationResponseMalformed, detail)
}

/// A fresh random nonce, or `None` if the system has no randomness to give.
pub(crate) fn nonce() -> Option<Vec<u8>> {
    let mut n = vec![0u8; NONCE_LEN];
    getrandom::getrandom(&mut n).ok().map(|()| n)
}

/// The issuer's name and key hashes under `alg` (SHA-1 or SHA-256).
fn issuer_hashes(issuer: &Certificate, sha256: bool) -> Option<(Vec<u8>, Vec<u8>)> {
    let tbs = &issuer.x509().tbs_certificate;
    let name = tbs.subject.to_der().ok()?;
    let key = tbs.subject_public_key_info.subject_public_key.raw_bytes();
    Some(if sha256 {
        (crypto::sha256(&name).to_vec(), crypto::sha256(key).to_vec())
    } else {
        (crypto::sha1(&name).to_vec(), crypto::sha1(key).to_vec())
    })
}

/// The SHA-1 CertID of `cert` (RFC 6960 §4.1.1; what responders expect).
fn cert_id(cert: &Certificate, issuer: &Certificate) -> Option<CertId> {
    let (name, key) = issuer_hashes(issuer, false)?;
    Some(CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: ID_SHA_1,
            parameters: Some(Null.into()),
        },
        issuer_name_hash: OctetString::new(name).ok()?,
        issuer_key_hash: OctetString::new(key).ok()?,
        serial_number: cert.x509().tbs_certificate.serial_number.clone(),
    })
}

/// Hex of the SHA-1 CertID's DER (a cache key).
pub(crate) fn cert_id_hex(cert: &Certificate, issuer: &Certificate) -> String {
    cert_id(cert, issuer)
        .and_then(|c| c.to_der().ok())
        .map(|d| {
            crypto::sha1(&d)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `id` names `cert` issued by `issuer` (SHA-1 or SHA-256 CertID).
fn matches(id: &CertId, cert: &Certificate, issuer: &Certificate) -> bool {
    let sha256 = if id.hash_algorithm.oid == ID_SHA_1 {
        false
    } else if id.hash_algorithm.oid == ID_SHA_256 {
        true
    } else {
        return false;
    };
    let Some((name, key)) = issuer_hashes(issuer, sha256) else {
        return false;
    };
    id.serial_number == cert.x509().tbs_certificate.serial_number
        && id.issuer_name_hash.as_bytes() == name.as_slice()
        && id.issuer_key_hash.as_bytes() == key.as_slice()
}

/// DER of an unsigned OCSP request for `cert`, with `nonce` when given.
pub(crate) fn request_der(
    cert: &Certificate,
    issuer: &Certificate,
    nonce: Option<&[u8]>,
) -> Result<Vec<u8>, Problem> {
    let bad = |e: der::Error| invalid(format!("requisição OCSP não codificável: {e}"));
    let id = cert_id(cert, issuer).ok_or_else(|| invalid("CertID não calculável"))?;
    let request_extensions = match nonce {
        Some(n) => Some(vec![Extension {
            extn_id: ID_PKIX_OCSP_NONCE,
            critical: false,
            extn_value: OctetString::new(
                Nonce::new(n.to_vec()).map_err(bad)?.to_der().map_err(bad)?,
            )
            .map_err(bad)?,
        }]),
        None => None,
    };
    OcspRequest {
        tbs_request: TbsRequest {
            request_list: vec![Request {
                req_cert: id,
                single_request_extensions: None,
            }],
            request_extensions,
            ..Default::default()
        },
        optional_signature: None,
    }
    .to_der()
    .map_err(bad)
}

fn responder_is(rid: &ResponderId, c: &x509_cert::Certificate) -> bool {
    match rid {
        ResponderId::ByName(n) => *n == c.tbs_certificate.subject,
        ResponderId::ByKey(h) => {
            h.as_bytes()
                == crypto::sha1(
                    c.tbs_certificate
                        .subject_public_key_info
                        .subject_public_key
                        .raw_bytes(),
                )
        }
    }
}

/// The certificate whose key signed the response: the issuing CA itself, or a delegated
/// responder it issued (EKU OCSPSigning, `id-pkix-ocsp-nocheck`, valid at the reference
/// time) carried in the response.
fn signer(
    basic: &BasicOcspResponse,
    issuer: &Certificate,
    cfg: &Config,
) -> Result<Certificate, Problem> {
    let rid = &basic.tbs_response_data.responder_id;
    if responder_is(rid, issuer.x509()) {
        return Ok(issuer.clone());
    }
    let mut why =
        String::from("o respondedor não é a AC emissora nem um certificado incluído na resposta");
    for c in basic
        .certs
        .iter()
        .flatten()
        .filter(|c| responder_is(rid, c))
    {
        let Ok(der) = c.to_der() else { continue };
        let Ok(rc) = Certificate::from_der(&der) else {
            continue;
        };
        if let Err(e) = rc.verify_signed_by(issuer) {
            why = format!("certificado do respondedor não emitido pela AC do certificado: {e}");
            continue;
        }
        let ocsp_signing = ID_KP_OCSP_SIGNING.to_string();
        if !rc
            .extended_key_usage()
            .is_some_and(|(ekus, _)| ekus.contains(&ocsp_signing))
        {
            why = "certificado do respondedor sem EKU id-kp-OCSPSigning".into();
            continue;
        }
        let t = cfg.reference_time;
        if t < rc.not_before() || t > rc.not_after() {
            why = "certificado do respondedor fora da validade no tempo de referência".into();
            continue;
        }
        let nocheck = rc
            .x509()
            .tbs_certificate
            .extensions
            .iter()
            .flatten()
            .any(|e| e.extn_id == ID_PKIX_OCSP_NOCHECK);
        if !nocheck {
            why = "certificado do respondedor delegado sem id-pkix-ocsp-nocheck (sua revogação não pode ser verificada)".into();
            continue;
        }
        return Ok(rc);
    }
    Err(invalid(why))
}

/// Evaluates an OCSP response about `cert`: `Ok(None)` when it says nothing about it.
pub(crate) fn evaluate(
    der: &[u8],
    cert: &Certificate,
    issuer: &Certificate,
    cfg: &Config,
    sent_nonce: Option<&[u8]>,
) -> Result<Option<Verdict>, Problem> {
    let resp = OcspResponse::from_der(der)
        .map_err(|e| malformed(format!("resposta OCSP malformada: {e}")))?;
    match resp.response_status {
        OcspResponseStatus::Successful => {}
        s @ (OcspResponseStatus::TryLater | OcspResponseStatus::InternalError) => {
            return Err(Problem::new(
                Code::RevocationOcspUnavailable,
                format!("respondedor OCSP indisponível (responseStatus {s:?})"),
            ))
        }
        s => {
            return Err(invalid(format!(
                "resposta OCSP sem sucesso (responseStatus {s:?})"
            )))
        }
    }
    let bytes = resp
        .response_bytes
        .ok_or_else(|| malformed("resposta OCSP 'successful' sem responseBytes"))?;
    if bytes.response_type != ID_PKIX_OCSP_BASIC {
        return Err(malformed(format!(
            "tipo de resposta OCSP não suportado: {}",
            bytes.response_type
        )));
    }
    let basic_der = bytes.response.as_bytes();
    let basic = BasicOcspResponse::from_der(basic_der)
        .map_err(|e| malformed(format!("BasicOCSPResponse malformada: {e}")))?;
    let Some(single) = basic
        .tbs_response_data
        .responses
        .iter()
        .find(|s| matches(&s.cert_id, cert, issuer))
    else {
        return Ok(None);
    };

    // The signature, by the CA or its delegated responder.
    let signer = signer(&basic, issuer, cfg)?;
    let key = signer.public_key().map_err(|e| {
        invalid(format!(
            "chave do respondedor: {}",
            e.primary().diagnostics()
        ))
    })?;
    let tbs = first_tlv(basic_der).ok_or_else(|| malformed("tbsResponseData ilegível"))?;
    let sig = basic
        .signature
        .as_bytes()
        .ok_or_else(|| malformed("assinatura OCSP com bits não utilizados"))?;
    verify_rsa(&key, &basic.signature_algorithm.oid, tbs, sig).map_err(|e| {
        invalid(format!(
            "assinatura da resposta OCSP inválida ({}): {e}",
            signer.subject()
        ))
    })?;

    // The nonce, when the responder echoes one.
    if let (Some(sent), Some(got)) = (sent_nonce, basic.nonce()) {
        if got.0.as_bytes() != sent {
            return Err(invalid(
                "nonce da resposta OCSP difere do enviado (resposta repetida?)",
            ));
        }
    }

    let this_update = single.this_update.0.to_unix_duration().as_secs() as i64;
    let next_update = single
        .next_update
        .map(|n| n.0.to_unix_duration().as_secs() as i64);
    check_fresh(this_update, next_update, cfg, "resposta OCSP").map_err(invalid)?;
    let status = match &single.cert_status {
        CertStatus::Good(_) => Status::Good,
        CertStatus::Unknown(_) => Status::Unknown,
        CertStatus::Revoked(info) => {
            let time = info.revocation_time.0.to_unix_duration().as_secs() as i64;
            if time <= cfg.reference_time {
                Status::Revoked {
                    time,
                    reason: info.revocation_reason.map(reason_name),
                }
            } else {
                // Revoked after the reference time: good at that time.
                Status::Good
            }
        }
    };
    Ok(Some(Verdict {
        status,
        this_update,
        next_update,
    }))
}
