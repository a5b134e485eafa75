//! The signed `Provenance` (profile `conteudo-assinado`) and the transfer Bundle.

use crate::signature::SignerIdentifier;
use crate::signed_set::SignedTarget;
use sesgo_core::json::{write_escaped_str, Kind, Object, Value, View};
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
pub fn has_signer_agent<'a, V: View<'a>>(provenance: V, who: &SignerIdentifier) -> bool {
    provenance
        .get("agent")
        .and_then(V::items)
        .is_some_and(|mut agents| {
            agents.any(|a| {
                let id = a.get("who").and_then(|w| w.get("identifier"));
                let text = |k: &str| id.and_then(|i| i.get(k)).and_then(V::as_str);
                text("system") == Some(who.system()) && text("value") == Some(who.value())
            })
        })
}

/// The validation counterpart of [`AgentRule::EnsureSigner`]: a finding when no agent
/// carries the signer's identifier (policy 0.2.0, validar seção 0).
pub fn check_signer_agent<'a, V: View<'a>>(
    provenance: V,
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
    let mut kept = Object::new();
    if let Some(obj) = bundle.as_object() {
        for (k, v) in obj.iter() {
            if k != "entry" {
                kept.insert(k, v.clone());
            }
        }
    }
    let entries = bundle["entry"].as_array();
    let list: Vec<Value> = targets
        .iter()
        .filter_map(|t| entries.and_then(|e| e.get(t.entry_index)).cloned())
        .collect();
    assemble_transfer(kept, list, signed_provenance)
}

/// [`transfer_bundle`] consuming the Bundle: the signed entries (given by their indexes
/// in `Bundle.entry`, in target order) are moved, not copied, so a large Bundle is never
/// held twice. An index given twice is copied the second time; an index out of range is
/// skipped, as in [`transfer_bundle`].
pub fn transfer_bundle_owned(
    bundle: Value,
    entry_indexes: &[usize],
    signed_provenance: Value,
) -> Value {
    let mut kept = match bundle {
        Value::Object(o) => o,
        _ => Object::new(),
    };
    let entries = match kept.remove("entry") {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    };
    let mut slots: Vec<Option<Value>> = entries.into_iter().map(Some).collect();
    // Where an entry already moved went in `list`.
    let mut moved_to: Vec<Option<usize>> = vec![None; slots.len()];
    let mut list: Vec<Value> = Vec::with_capacity(entry_indexes.len() + 1);
    for &i in entry_indexes {
        let taken = slots.get_mut(i).and_then(Option::take);
        let value = match (taken, moved_to.get(i).copied().flatten()) {
            (Some(v), _) => v,
            (None, Some(at)) => match list.get(at) {
                Some(v) => v.clone(),
                None => continue,
            },
            (None, None) => continue,
        };
        if let Some(cell) = moved_to.get_mut(i) {
            *cell = Some(list.len());
        }
        list.push(value);
    }
    assemble_transfer(kept, list, signed_provenance)
}

/// [`transfer_bundle_owned`] written straight to compact JSON text from any [`View`] of
/// the Bundle (a compact [`Doc`](sesgo_core::json::Doc) when signing): the same members in
/// the same order, the signed entries written where they are read, never built as a tree
/// (issue 17, memory; docs/adr/0071). The text is what [`Value::to_json`] of
/// [`transfer_bundle_owned`]'s result would be, but for the fresh `urn:uuid`.
pub fn transfer_bundle_json<'a, V: View<'a>>(
    bundle: V,
    entry_indexes: &[usize],
    signed_provenance: &Value,
) -> String {
    let entries: Vec<V> = bundle
        .get("entry")
        .and_then(V::items)
        .map_or_else(Vec::new, Iterator::collect);
    let mut out = Vec::new();
    out.push(b'{');
    let mut first = true;
    let mut member = |out: &mut Vec<u8>, name: &str| {
        if !first {
            out.push(b',');
        }
        first = false;
        write_escaped_str(out, name);
        out.push(b':');
    };
    for (k, v) in bundle.members().into_iter().flatten() {
        if k != "entry" {
            member(&mut out, k);
            v.write_json(&mut out);
        }
    }
    for (name, default) in TRANSFER_DEFAULTS {
        if bundle.get(name).is_none() {
            member(&mut out, name);
            write_escaped_str(&mut out, default);
        }
    }
    member(&mut out, "entry");
    out.push(b'[');
    for &i in entry_indexes {
        if let Some(e) = entries.get(i) {
            e.write_json(&mut out);
            out.push(b',');
        }
    }
    out.extend_from_slice(br#"{"fullUrl":"#);
    write_escaped_str(&mut out, &fresh_full_url());
    out.extend_from_slice(br#","resource":"#);
    signed_provenance.write_json(&mut out);
    out.extend_from_slice(b"}]}");
    // Only JSON text was written.
    String::from_utf8(out).unwrap_or_default()
}

/// The transfer Bundle from the Bundle's members other than `entry`, the signed entries
/// and the signed Provenance (appended as the last entry, with a fresh `urn:uuid`).
fn assemble_transfer(mut out: Object, mut list: Vec<Value>, signed_provenance: Value) -> Value {
    for (name, default) in TRANSFER_DEFAULTS {
        if !out.contains_key(name) {
            out.insert(name, default);
        }
    }
    let mut prov_entry = Object::new();
    prov_entry.insert("fullUrl", fresh_full_url());
    prov_entry.insert("resource", signed_provenance);
    list.push(Value::Object(prov_entry));
    out.insert("entry", Value::Array(list));
    Value::Object(out)
}

/// The members a transfer Bundle gets when the input Bundle lacks them, in this order.
const TRANSFER_DEFAULTS: [(&str, &str); 2] = [("resourceType", "Bundle"), ("type", "collection")];

/// The `fullUrl` of the signed Provenance's entry: a fresh random `urn:uuid`.
fn fresh_full_url() -> String {
    format!("urn:uuid:{}", uuid::Uuid::new_v4())
}

/// FHIR R4 `Bundle.type` codes (ValueSet `bundle-type`, required binding).
pub const BUNDLE_TYPES: [&str; 9] = [
    "document",
    "message",
    "transaction",
    "transaction-response",
    "batch",
    "batch-response",
    "history",
    "searchset",
    "collection",
];

/// The FHIR shape of what signing reads or writes besides the reference rules
/// (DECISIONS D44): `Bundle.type` one of [`BUNDLE_TYPES`] (`FORMAT.BUNDLE-MALFORMED`);
/// `Provenance.recorded` an `instant` (1..1), `Provenance.agent` a non-empty list of
/// objects, each with a `who` object (1..*) — absent only when `agents` adds the signer
/// (policy 0.2.0) —, and `Provenance.signature`, when present, a list
/// (`FORMAT.PROVENANCE-INVALID`). Signing never emits FHIR that breaks these.
///
/// ```
/// use sesgo_core::json::{parse_strict, Limits};
/// use sesgo_provenance::provenance::{check_for_signing, AgentRule};
///
/// let p = |s: &str| parse_strict(s.as_bytes(), &Limits::default()).unwrap();
/// let bundle = p(r#"{"resourceType":"Bundle","type":0}"#);
/// let prov = p(r#"{"resourceType":"Provenance","recorded":{},"agent":0}"#);
/// let found = check_for_signing(&bundle, &prov, AgentRule::AsGiven);
/// let at: Vec<_> = found.iter().map(|f| f.locations()[0].as_str()).collect();
/// assert_eq!(at, ["Bundle.type", "Provenance.recorded", "Provenance.agent"]);
/// ```
pub fn check_for_signing<'a, V: View<'a>>(
    bundle: V,
    provenance: V,
    agents: AgentRule,
) -> Vec<Finding> {
    let mut out = Vec::new();
    match bundle.get("type") {
        None => {}
        Some(t) if t.as_str().is_some_and(|t| BUNDLE_TYPES.contains(&t)) => {}
        Some(other) => out.push(
            Finding::new(
                Code::FormatBundleMalformed,
                format!(
                    "Bundle.type deve ser um dos códigos {}; encontrado {}",
                    BUNDLE_TYPES.join(", "),
                    short_json(other)
                ),
            )
            .at("Bundle.type"),
        ),
    }
    if provenance.kind() != Kind::Object {
        return out; // reported by the reference rules (FORMAT.PROVENANCE-INVALID)
    }
    let p = provenance;
    let invalid = |loc: &str, msg: String| Finding::new(Code::FormatProvenanceInvalid, msg).at(loc);
    match p.get("recorded") {
        Some(s) if s.as_str().and_then(sesgo_core::time::parse_instant).is_some() => {}
        other => out.push(invalid(
            "Provenance.recorded",
            format!(
                "Provenance.recorded (1..1) deve ser um instant FHIR (AAAA-MM-DDThh:mm:ss[.fff](Z|±hh:mm)); encontrado {}",
                other.map_or("nada".to_owned(), short_json)
            ),
        )),
    }
    match p.get("agent") {
        None if agents.ensures_signer() => {} // the signer agent is added (Etapa 14)
        Some(list) if list.kind() == Kind::Array && !list.is_empty() => {
            for (i, a) in list.items().into_iter().flatten().enumerate() {
                let ok = a.get("who").is_some_and(|w| w.kind() == Kind::Object);
                if !ok {
                    out.push(invalid(
                        &format!("Provenance.agent[{i}]"),
                        format!(
                            "Provenance.agent[{i}] deve ser um objeto com 'who' (Reference, 1..1); encontrado {}",
                            short_json(a)
                        ),
                    ));
                }
            }
        }
        other => out.push(invalid(
            "Provenance.agent",
            format!(
                "Provenance.agent (1..*) deve ser uma lista não vazia de participantes; encontrado {}",
                other.map_or("nada".to_owned(), short_json)
            ),
        )),
    }
    match p.get("signature") {
        None => {}
        Some(s) if s.kind() == Kind::Array => {}
        Some(other) => out.push(invalid(
            "Provenance.signature",
            format!(
                "Provenance.signature deve ser uma lista; encontrado {}",
                short_json(other)
            ),
        )),
    }
    out
}

/// A value as JSON, cut to 80 characters (diagnostics never echo a whole input).
fn short_json<'a, V: View<'a>>(v: V) -> String {
    let s = v.to_json();
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sesgo_core::json::{parse_strict, Limits};

    /// The transfer Bundle without the random `fullUrl` of its Provenance entry.
    fn comparable(mut v: Value) -> Value {
        if let Some(last) = v
            .as_object_mut()
            .and_then(|o| o.get_mut("entry"))
            .and_then(Value::as_array_mut)
            .and_then(|a| a.last_mut())
            .and_then(Value::as_object_mut)
        {
            last.remove("fullUrl");
        }
        v
    }

    #[test]
    fn owned_transfer_bundle_equals_the_copied_one() {
        let bundle = parse_strict(
            br#"{"id":"b","type":"collection","meta":{"tag":[{"code":"x"}]},"entry":[{"fullUrl":"urn:uuid:a","resource":{"resourceType":"Patient"}},{"fullUrl":"urn:uuid:b","resource":{"resourceType":"Encounter","status":"finished"}},{"fullUrl":"urn:uuid:c","resource":{"resourceType":"Observation"}}],"timestamp":"2026-01-01T00:00:00Z"}"#,
            &Limits::default(),
        )
        .unwrap();
        let prov = parse_strict(br#"{"resourceType":"Provenance"}"#, &Limits::default()).unwrap();
        let cases: [&[usize]; 5] = [&[2, 0], &[1], &[0, 1, 2], &[1, 1, 0, 1], &[7, 2]];
        for indexes in cases {
            let targets: Vec<SignedTarget<'_>> = indexes
                .iter()
                .map(|&i| SignedTarget {
                    reference: "urn:uuid:x",
                    entry_index: i,
                    resource: &Value::Null,
                })
                .collect();
            let copied = transfer_bundle(&bundle, &targets, prov.clone());
            let moved = transfer_bundle_owned(bundle.clone(), indexes, prov.clone());
            assert_eq!(comparable(copied), comparable(moved.clone()), "{indexes:?}");
            // The Bundle's members keep their order; `entry` comes last.
            let keys: Vec<&str> = moved.as_object().unwrap().keys().collect();
            assert_eq!(
                keys,
                ["id", "type", "meta", "timestamp", "resourceType", "entry"]
            );
        }
    }
}
