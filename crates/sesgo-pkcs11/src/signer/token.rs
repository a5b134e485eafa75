//! What the token holds: its certificates and the chain built from them, the slot and the
//! private key matching the configuration, and the signing mechanism it offers.

use super::{loc_key, SigningMechanism};

use crate::config::{to_hex, KeyRef, MechanismChoice, Pkcs11Options};
use crate::errors;
use cryptoki::context::Pkcs11;
use cryptoki::mechanism::MechanismType;
use cryptoki::object::{Attribute, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use cryptoki::slot::Slot;
use sesgo_cert::Certificate;
use sesgo_core::{Code, Error, Result};

pub(super) fn attr_bytes(attrs: &[Attribute], ty: AttributeType) -> Option<Vec<u8>> {
    attrs.iter().find_map(|a| match (a, ty) {
        (Attribute::Value(v), AttributeType::Value)
        | (Attribute::Id(v), AttributeType::Id)
        | (Attribute::Label(v), AttributeType::Label) => Some(v.clone()),
        _ => None,
    })
}

/// Every certificate object on the token: (CKA_ID, CKA_LABEL, DER).
/// A certificate object: (CKA_ID, CKA_LABEL, DER value).
pub(crate) type TokenCert = (Vec<u8>, Vec<u8>, Vec<u8>);

pub(crate) fn token_certificates(session: &Session) -> Result<Vec<TokenCert>> {
    let handles = session
        .find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE)])
        .map_err(|e| errors::map(&e, "busca de certificados", "pkcs11"))?;
    let mut out = Vec::new();
    for h in handles {
        let attrs = session
            .get_attributes(
                h,
                &[
                    AttributeType::Id,
                    AttributeType::Label,
                    AttributeType::Value,
                ],
            )
            .map_err(|e| errors::map(&e, "leitura de certificado", "pkcs11"))?;
        if let Some(der) = attr_bytes(&attrs, AttributeType::Value) {
            out.push((
                attr_bytes(&attrs, AttributeType::Id).unwrap_or_default(),
                attr_bytes(&attrs, AttributeType::Label).unwrap_or_default(),
                der,
            ));
        }
    }
    Ok(out)
}

/// Leaf first, then issuers found among `pool` (subject = issuer), stopping at a
/// self-issued certificate or when no issuer is on the token (the trust store or AIA
/// completes the rest when signing).
pub(super) fn chain_from(leaf: Certificate, pool: &[Certificate]) -> Vec<Vec<u8>> {
    let mut chain = vec![leaf.der().to_vec()];
    let mut current = leaf;
    while !current.is_self_issued() && chain.len() < 10 {
        let issuer = &current.x509().tbs_certificate.issuer;
        let next = pool.iter().find(|c| {
            &c.x509().tbs_certificate.subject == issuer && !chain.iter().any(|d| d == c.der())
        });
        match next {
            Some(n) => {
                chain.push(n.der().to_vec());
                current = n.clone();
            }
            None => break,
        }
    }
    chain
}

pub(super) struct Found {
    pub(super) slot: Slot,
    pub(super) label: String,
}

/// Finds the slot per options (slot id, token label, or auto-discovery: the first token
/// holding the certificate).
pub(super) fn find_slot(
    ctx: &Pkcs11,
    options: &Pkcs11Options,
    cert_template: &[Attribute],
) -> Result<Found> {
    let token_label_of = |slot: Slot| -> Result<String> {
        ctx.get_token_info(slot)
            .map(|t| t.label().trim_end().to_owned())
            .map_err(|e| errors::map(&e, "leitura do token", "pkcs11.slotId"))
    };
    if let Some(id) = options.slot_id {
        let all = ctx
            .get_all_slots()
            .map_err(|e| errors::map(&e, "lista de slots", "pkcs11.slotId"))?;
        let Some(slot) = all.into_iter().find(|s| s.id() == id) else {
            return Err(Error::new(
                Code::MiddlewareSlotIdInvalid,
                format!("slot {id} não existe neste módulo PKCS#11"),
            )
            .at("pkcs11.slotId"));
        };
        let present = ctx
            .get_slot_info(slot)
            .map(|i| i.token_present())
            .map_err(|e| errors::map(&e, "leitura do slot", "pkcs11.slotId"))?;
        if !present {
            return Err(Error::new(
                Code::DeviceSmartcardNotFound,
                format!("nenhum cartão/token presente no slot {id}"),
            )
            .at("pkcs11.slotId"));
        }
        let label = token_label_of(slot)?;
        if let Some(want) = &options.token_label {
            if &label != want {
                return Err(Error::new(
                    Code::DeviceTokenNotFound,
                    format!("o token do slot {id} tem rótulo '{label}', não '{want}'"),
                )
                .at("pkcs11.tokenLabel"));
            }
        }
        return Ok(Found { slot, label });
    }
    let slots = ctx
        .get_slots_with_initialized_token()
        .map_err(|e| errors::map(&e, "lista de slots", "pkcs11"))?;
    if let Some(want) = &options.token_label {
        for s in slots {
            let label = token_label_of(s)?;
            if &label == want {
                return Ok(Found { slot: s, label });
            }
        }
        return Err(Error::new(
            Code::DeviceTokenNotFound,
            format!("nenhum token com rótulo '{want}'"),
        )
        .at("pkcs11.tokenLabel"));
    }
    // Auto-discovery: the first token holding the certificate (certificates are public
    // objects), preferring one whose user PIN is not locked.
    let first = slots.first().copied();
    let mut holders = Vec::new();
    for s in &slots {
        let Ok(session) = ctx.open_ro_session(*s) else {
            continue;
        };
        if session
            .find_objects(cert_template)
            .map(|v| !v.is_empty())
            .unwrap_or(false)
        {
            holders.push(*s);
        }
    }
    let unlocked = holders.iter().find(|s| {
        ctx.get_token_info(**s)
            .map(|t| !t.user_pin_locked())
            .unwrap_or(false)
    });
    if let Some(s) = unlocked.or(holders.first()) {
        return Ok(Found {
            slot: *s,
            label: token_label_of(*s)?,
        });
    }
    match (first, slots.len()) {
        (Some(s), 1) => Ok(Found {
            slot: s,
            label: token_label_of(s)?,
        }),
        (None, _) => Err(Error::new(
            Code::DeviceTokenNotFound,
            "nenhum token PKCS#11 presente (cartão inserido? token conectado?)",
        )
        .at("pkcs11")),
        _ => Err(Error::new(
            Code::DeviceCertificateNotFound,
            "nenhum dos tokens presentes tem o certificado pedido",
        )
        .at("pkcs11")),
    }
}

pub(super) fn describe(key: &KeyRef) -> String {
    match key {
        KeyRef::Id(h) => format!("com CKA_ID {h}"),
        KeyRef::Label(l) => format!("com CKA_LABEL '{l}'"),
    }
}

pub(super) fn find_key(
    session: &Session,
    template: &[Attribute],
    options: &Pkcs11Options,
) -> Result<ObjectHandle> {
    let keys = session
        .find_objects(template)
        .map_err(|e| errors::map(&e, "busca da chave privada", loc_key(options)))?;
    keys.into_iter().next().ok_or_else(|| {
        let id = template.iter().find_map(|a| match a {
            Attribute::Id(v) => Some(to_hex(v)),
            _ => None,
        });
        Error::new(
            Code::DeviceKeyAccessDenied,
            format!(
                "o token tem o certificado {} mas nenhuma chave privada acessível{}",
                describe(&options.key),
                id.map(|i| format!(" com CKA_ID {i}")).unwrap_or_default()
            ),
        )
        .at(loc_key(options))
    })
}

pub(super) fn choose_mechanism(
    ctx: &Pkcs11,
    slot: Slot,
    choice: MechanismChoice,
) -> Result<SigningMechanism> {
    let list = ctx
        .get_mechanism_list(slot)
        .map_err(|e| errors::map(&e, "lista de mecanismos", "pkcs11"))?;
    let has_combined = list.contains(&MechanismType::SHA256_RSA_PKCS);
    let has_raw = list.contains(&MechanismType::RSA_PKCS);
    let pick = match choice {
        MechanismChoice::Auto if has_combined => Some(SigningMechanism::Sha256RsaPkcs),
        MechanismChoice::Auto if has_raw => Some(SigningMechanism::RsaPkcs),
        MechanismChoice::Sha256RsaPkcs if has_combined => Some(SigningMechanism::Sha256RsaPkcs),
        MechanismChoice::RsaPkcs if has_raw => Some(SigningMechanism::RsaPkcs),
        _ => None,
    };
    pick.ok_or_else(|| {
        Error::new(
            Code::MiddlewareUnsupportedMechanisms,
            "o token não oferece CKM_SHA256_RSA_PKCS nem CKM_RSA_PKCS (o pedido)",
        )
        .at("pkcs11.mechanism")
    })
}
