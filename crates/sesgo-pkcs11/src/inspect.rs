//! What a module exposes: slots, tokens, mechanisms, keys and certificates.

use crate::config::to_hex;
use crate::signer::{login, token_certificates};
use crate::{errors, module};
use cryptoki::mechanism::MechanismType;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass};
use serde_json::{json, Value};
use sesgo_cert::Certificate;
use sesgo_core::Result;
use std::path::PathBuf;
use zeroize::Zeroizing;

/// What to inspect.
#[derive(Debug, Clone, Default)]
pub struct InspectOptions {
    /// Absolute module path.
    pub module: PathBuf,
    /// Only this slot.
    pub slot_id: Option<u64>,
    /// Only tokens with this label.
    pub token_label: Option<String>,
    /// With a PIN, private keys are listed too (they are private objects); the PIN is
    /// tried once per token.
    pub pin: Option<Zeroizing<String>>,
}

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

/// Lists, as JSON, the module's library info and each slot with its token: flags, the
/// RS256 mechanisms it offers, certificates (`CKA_ID` hex, label, subject, issuer,
/// serial, validity) and, after login, private keys (`CKA_ID`, label, type, bits, sign).
/// Login failures are reported per token (`login`: the `CKR_*`), not as an error.
/// Failure: module path/format (`MIDDLEWARE.LIBRARY-*`), or slot listing.
pub fn inspect(options: &InspectOptions) -> Result<Value> {
    let ctx = module::load(&options.module, None)?;
    let module_key =
        std::fs::canonicalize(&options.module).unwrap_or_else(|_| options.module.clone());
    let info = ctx
        .get_library_info()
        .map_err(|e| errors::map(&e, "C_GetInfo", "pkcs11.module"))?;
    let slots = ctx
        .get_all_slots()
        .map_err(|e| errors::map(&e, "lista de slots", "pkcs11"))?;
    let mut out = Vec::new();
    for slot in slots {
        if options.slot_id.is_some_and(|id| id != slot.id()) {
            continue;
        }
        let Ok(sinfo) = ctx.get_slot_info(slot) else {
            continue;
        };
        let mut entry = json!({
            "slotId": slot.id(),
            "description": sinfo.slot_description().trim_end(),
            "tokenPresent": sinfo.token_present(),
        });
        let token = if sinfo.token_present() {
            ctx.get_token_info(slot).ok()
        } else {
            None
        };
        let Some(t) = token else {
            if options.token_label.is_none() {
                out.push(entry);
            }
            continue;
        };
        let label = t.label().trim_end().to_owned();
        if options.token_label.as_ref().is_some_and(|l| l != &label) {
            continue;
        }
        let mechs = ctx.get_mechanism_list(slot).unwrap_or_default();
        let mut token_json = json!({
            "label": label,
            "manufacturer": t.manufacturer_id().trim_end(),
            "model": t.model().trim_end(),
            "serialNumber": t.serial_number().trim_end(),
            "initialized": t.token_initialized(),
            "loginRequired": t.login_required(),
            "protectedAuthenticationPath": t.protected_authentication_path(),
            "userPinCountLow": t.user_pin_count_low(),
            "userPinFinalTry": t.user_pin_final_try(),
            "userPinLocked": t.user_pin_locked(),
            "mechanisms": {
                "CKM_SHA256_RSA_PKCS": mechs.contains(&MechanismType::SHA256_RSA_PKCS),
                "CKM_RSA_PKCS": mechs.contains(&MechanismType::RSA_PKCS),
                "CKM_ECDSA": mechs.contains(&MechanismType::ECDSA),
            },
        });
        if t.token_initialized() {
            if let Ok(session) = ctx.open_ro_session(slot) {
                let certs: Vec<Value> = token_certificates(&session)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(id, lbl, der)| {
                        let mut c = json!({"id": to_hex(&id), "label": text(&lbl)});
                        if let Ok(cert) = Certificate::from_der(&der) {
                            set(&mut c, "subject", json!(cert.subject()));
                            set(&mut c, "issuer", json!(cert.issuer()));
                            set(&mut c, "serial", json!(cert.serial_hex()));
                            set(&mut c, "notBefore", json!(cert.not_before()));
                            set(&mut c, "notAfter", json!(cert.not_after()));
                            set(&mut c, "sha256", json!(cert.sha256_hex()));
                        }
                        c
                    })
                    .collect();
                set(&mut token_json, "certificates", json!(certs));
                if let Some(pin) = &options.pin {
                    match login(&session, &(module_key.clone(), slot.id()), pin) {
                        Ok(()) => {
                            set(&mut token_json, "login", json!("CKR_OK"));
                            set(
                                &mut token_json,
                                "privateKeys",
                                json!(private_keys(&session)),
                            );
                        }
                        // Logged in by this process with another PIN: not sent to the card.
                        Err(None) => set(&mut token_json, "login", json!("CKR_PIN_INCORRECT")),
                        Err(Some(cryptoki::error::Error::Pkcs11(rv, _))) => {
                            set(&mut token_json, "login", json!(errors::ckr_name(&rv)));
                        }
                        Err(Some(e)) => set(&mut token_json, "login", json!(e.to_string())),
                    }
                }
            }
        }
        set(&mut entry, "token", token_json);
        out.push(entry);
    }
    Ok(json!({
        "module": options.module,
        "library": {
            "manufacturer": info.manufacturer_id().trim_end(),
            "description": info.library_description().trim_end(),
            "version": format!("{}.{}", info.library_version().major(), info.library_version().minor()),
            "cryptokiVersion": format!("{}.{}", info.cryptoki_version().major(), info.cryptoki_version().minor()),
        },
        "slots": out,
    }))
}

fn private_keys(session: &cryptoki::session::Session) -> Vec<Value> {
    let Ok(handles) = session.find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY)]) else {
        return Vec::new();
    };
    handles
        .into_iter()
        .filter_map(|h| {
            let attrs = session
                .get_attributes(
                    h,
                    &[
                        AttributeType::Id,
                        AttributeType::Label,
                        AttributeType::KeyType,
                        AttributeType::Modulus,
                        AttributeType::Sign,
                    ],
                )
                .ok()?;
            let mut k = json!({});
            for a in attrs {
                match a {
                    Attribute::Id(v) => set(&mut k, "id", json!(to_hex(&v))),
                    Attribute::Label(v) => set(&mut k, "label", json!(text(&v))),
                    Attribute::KeyType(t) => {
                        let name = if t == KeyType::RSA {
                            "RSA".to_owned()
                        } else if t == KeyType::EC {
                            "EC".to_owned()
                        } else {
                            format!("{t}")
                        };
                        set(&mut k, "keyType", json!(name));
                    }
                    Attribute::Modulus(m) => {
                        let lead = m.iter().take_while(|b| **b == 0).count();
                        set(&mut k, "bits", json!((m.len() - lead) * 8));
                    }
                    Attribute::Sign(s) => set(&mut k, "sign", json!(s)),
                    _ => {}
                }
            }
            Some(k)
        })
        .collect()
}

/// Sets member `key` of `object` (a JSON object by construction; anything else is left
/// as it is).
fn set(object: &mut Value, key: &str, value: Value) {
    if let Some(o) = object.as_object_mut() {
        o.insert(key.to_owned(), value);
    }
}
