//! The signed `Provenance` (profile `conteudo-assinado`) and the transfer Bundle.

use crate::signature::SignerIdentifier;
use crate::signed_set::SignedTarget;
use sesgo_core::json::{Object, Value};
use sesgo_core::{Code, Error, Finding, Result};

/// What to do about `Provenance.agent` when signing: a fact of the policy profile
/// (`policy.profile().signer_agent`).
pub use sesgo_core::policy::SignerAgentRule as AgentRule;

/// Code system of `Provenance.agent.type` (FHIR R4 provenance-participant-type).
pub const PARTICIPANT_TYPE_SYSTEM: &str =
    "http://terminology.hl7.org/CodeSystem/provenance-participant-type";

/// The Provenance with `signature` = `[signature]` (criar Etapa 14 output). The input
/// Provenance must not already carry a signature (nothing is overwritten).
pub fn signed_provenance(
    provenance: &Value,
    signature: Value,
    who: &SignerIdentifier,
    agents: AgentRule,
) -> Result<Value> {
    let Some(obj) = provenance.as_object() else {
        return Err(Error::new(
            Code::FormatProvenanceInvalid,
            "Provenance não é um objeto JSON",
        )
        .at("Provenance"));
    };
    if obj
        .get("signature")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
    {
        return Err(Error::new(
            Code::FormatProvenanceInvalid,
            "Provenance já contém signature; assine um Provenance sem assinatura",
        )
        .at("Provenance.signature"));
    }
    let mut out = obj.clone();
    if agents.ensures_signer() && !has_signer_agent(provenance, who) {
        let mut coding = Object::new();
        coding.insert("system", PARTICIPANT_TYPE_SYSTEM);
        coding.insert("code", "attester");
        coding.insert("display", "Attester");
        let mut ty = Object::new();
        ty.insert("coding", Value::Array(vec![Value::Object(coding)]));
        let mut who_ref = Object::new();
        who_ref.insert("identifier", who.to_identifier());
        let mut agent = Object::new();
        agent.insert("type", Value::Object(ty));
        agent.insert("who", Value::Object(who_ref));
        match out.get_mut("agent").and_then(Value::as_array_mut) {
            Some(list) => list.push(Value::Object(agent)),
            None => {
                // FHIR element order: agent precedes entity and signature.
                out.remove("signature");
                out.insert("agent", Value::Array(vec![Value::Object(agent)]));
            }
        }
    }
    out.remove("signature");
    out.insert("signature", Value::Array(vec![signature]));
    Ok(Value::Object(out))
}

/// True when some `Provenance.agent[].who.identifier` equals the signer's (IG-DIGEST
/// §17.8).
pub fn has_signer_agent(provenance: &Value, who: &SignerIdentifier) -> bool {
    provenance["agent"].as_array().is_some_and(|agents| {
        agents.iter().any(|a| {
            let id = a.member("who").member("identifier");
            id["system"] == who.system() && id["value"] == who.value()
        })
    })
}

/// The validation counterpart of [`AgentRule::EnsureSigner`]: a finding when no agent
/// carries the signer's identifier (policy 0.2.0, validar seção 0).
pub fn check_signer_agent(
    provenance: &Value,
    who: &SignerIdentifier,
    loc: &str,
) -> Option<Finding> {
    (!has_signer_agent(provenance, who)).then(|| {
        Finding::new(
            Code::ValidationPolicyComplianceFailed,
            format!(
                "nenhum Provenance.agent.who.identifier igual a {}|{} (identificador do signatário)",
                who.system(),
                who.value()
            ),
        )
        .at(format!("{loc}.agent"))
    })
}

/// The transfer Bundle (seed "Referências", Restrições): the signed instances' entries in
/// `Provenance.target` order, followed by the signed Provenance under a fresh
/// `urn:uuid` fullUrl. The input Bundle's other top-level elements (type, identifier,
/// timestamp, meta…) are kept; a Bundle with no `type` becomes a `collection`.
pub fn transfer_bundle(
    bundle: &Value,
    targets: &[SignedTarget<'_>],
    signed_provenance: Value,
) -> Value {
    let mut out = Object::new();
    if let Some(obj) = bundle.as_object() {
        for (k, v) in obj.iter() {
            if k != "entry" {
                out.insert(k, v.clone());
            }
        }
    }
    if !out.contains_key("resourceType") {
        out.insert("resourceType", "Bundle");
    }
    if !out.contains_key("type") {
        out.insert("type", "collection");
    }
    let entries = bundle["entry"].as_array();
    let mut list: Vec<Value> = targets
        .iter()
        .filter_map(|t| entries.and_then(|e| e.get(t.entry_index)).cloned())
        .collect();
    let mut prov_entry = Object::new();
    prov_entry.insert("fullUrl", format!("urn:uuid:{}", uuid::Uuid::new_v4()));
    prov_entry.insert("resource", signed_provenance);
    list.push(Value::Object(prov_entry));
    out.insert("entry", Value::Array(list));
    Value::Object(out)
}
