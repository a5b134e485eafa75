//! CRLs (RFC 5280 §5): issuer, signature, freshness, and the certificate's entry.

use crate::{check_fresh, first_tlv, reason_name, verify_rsa, Config, Problem, Status, Verdict};
use const_oid::db::rfc5280::{ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_CRL_NUMBER, ID_CE_CRL_REASONS};
use der::Decode;
use sesgo_cert::Certificate;
use sesgo_core::Code;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::CrlReason;

fn invalid(detail: impl Into<String>) -> Problem {
    Problem::new(Code::RevocationCrlInvalid, detail)
}

/// Evaluates a CRL for `cert`: `Ok(None)` when `issuer` did not issue it.
pub(crate) fn evaluate(
    der: &[u8],
    cert: &Certificate,
    issuer: &Certificate,
    cfg: &Config,
) -> Result<Option<Verdict>, Problem> {
    let crl = CertificateList::from_der(der).map_err(|e| {
        Problem::new(
            Code::RevocationResponseMalformed,
            format!("LCR malformada: {e}"),
        )
    })?;
    let tbs = &crl.tbs_cert_list;
    if tbs.issuer != issuer.x509().tbs_certificate.subject {
        return Ok(None);
    }
    let key = issuer
        .public_key()
        .map_err(|e| invalid(format!("chave do emissor: {}", e.primary().diagnostics())))?;
    let signed = first_tlv(der).ok_or_else(|| invalid("TBSCertList ilegível"))?;
    let sig = crl
        .signature
        .as_bytes()
        .ok_or_else(|| invalid("assinatura da LCR com bits não utilizados"))?;
    verify_rsa(&key, &crl.signature_algorithm.oid, signed, sig).map_err(|e| {
        invalid(format!(
            "assinatura da LCR de '{}' inválida: {e}",
            issuer.subject()
        ))
    })?;
    if issuer.key_usage().is_some_and(|ku| !ku.crl_sign) {
        return Err(invalid("o emissor da LCR não tem cRLSign em keyUsage"));
    }
    // Critical extensions this check does not process (delta CRLs, issuing distribution
    // points with scopes) make the CRL unusable (RFC 5280 §5.2).
    for e in tbs.crl_extensions.iter().flatten() {
        let known = e.extn_id == ID_CE_CRL_NUMBER || e.extn_id == ID_CE_AUTHORITY_KEY_IDENTIFIER;
        if e.critical && !known {
            return Err(invalid(format!(
                "LCR com extensão crítica não suportada {}",
                e.extn_id
            )));
        }
    }
    let this_update = tbs.this_update.to_unix_duration().as_secs() as i64;
    let next_update = tbs
        .next_update
        .map(|n| n.to_unix_duration().as_secs() as i64);
    check_fresh(this_update, next_update, cfg, "LCR").map_err(invalid)?;

    let serial = &cert.x509().tbs_certificate.serial_number;
    let status = match tbs
        .revoked_certificates
        .iter()
        .flatten()
        .find(|r| r.serial_number == *serial)
    {
        Some(entry) => {
            let time = entry.revocation_date.to_unix_duration().as_secs() as i64;
            let reason = entry
                .crl_entry_extensions
                .iter()
                .flatten()
                .find(|e| e.extn_id == ID_CE_CRL_REASONS)
                .and_then(|e| CrlReason::from_der(e.extn_value.as_bytes()).ok())
                .map(reason_name);
            if time <= cfg.reference_time {
                Status::Revoked { time, reason }
            } else {
                Status::Good
            }
        }
        None => Status::Good,
    };
    Ok(Some(Verdict {
        status,
        this_update,
        next_update,
    }))
}
