//! The Provenance rules (criar 1.4–1.9): `resourceType`, targets (urn:uuid, unique, resolving
//! to one entry with a resource), limits, and the order of the targeted entries.

use super::{f, CheckOptions, EntryInfo};
use crate::resolve::{EntryIndex, Resolution};
use crate::uuid_urn::check_urn_uuid;
use sesgo_core::json::{Kind, View};
use sesgo_core::{budget, Code, Finding, Result};
use std::collections::HashMap;

/// `Ok(false)`: the Provenance is over a size limit (its finding is pushed) and its
/// references are not walked.
pub(super) fn check_provenance<'a, V: View<'a>>(
    prov: V,
    opts: &CheckOptions,
    index: &EntryIndex<'_>,
    infos: &[EntryInfo<'a, V>],
    signed: &mut [bool],
    target_entries: &mut Vec<(usize, usize)>,
    findings: &mut Vec<Finding>,
) -> Result<bool> {
    let pobj = prov;
    if pobj.kind() != Kind::Object {
        findings.push(f(
            Code::FormatProvenanceInvalid,
            "o Provenance não é um objeto JSON".into(),
            "Provenance",
        ));
        return Ok(true);
    }
    match pobj.get("resourceType") {
        Some(s) if s.as_str() == Some("Provenance") => {}
        other => findings.push(f(
            Code::FormatProvenanceInvalid,
            format!(
                "Provenance.resourceType deve ser 'Provenance'; encontrado {}",
                other.map_or("nada".to_owned(), V::to_json)
            ),
            "Provenance.resourceType",
        )),
    }
    let targets = match pobj.get("target") {
        Some(a) if a.kind() == Kind::Array && !a.is_empty() => a,
        other => {
            findings.push(f(
                Code::FormatProvenanceInvalid,
                format!(
                    "Provenance.target deve ser uma lista não vazia; encontrado {}",
                    other.map_or("nada".to_owned(), V::to_json)
                ),
                "Provenance.target",
            ));
            return Ok(true);
        }
    };
    if targets.len() > opts.max_targets {
        findings.push(f(
            Code::SecurityProvenanceSizeLimitExceeded,
            format!(
                "Número de referências em Provenance.target: {}. Limite máximo: {}",
                targets.len(),
                opts.max_targets
            ),
            "Provenance.target",
        ));
        return Ok(false);
    }
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(targets.len());
    for (j, t) in targets.items().into_iter().flatten().enumerate() {
        let loc = format!("Provenance.target[{j}]");
        budget::charge(1, &loc)?;
        let Some(r) = t.get("reference").and_then(V::as_str) else {
            findings.push(f(
                Code::FormatProvenanceTargetInvalid,
                format!("{loc} não possui reference (exigido urn:uuid:[UUID])"),
                format!("{loc}.reference"),
            ));
            continue;
        };
        if t.get("identifier").is_some_and(|v| !v.is_null()) {
            findings.push(f(
                Code::FormatReferenceInvalid,
                format!("{loc} usa identifier e reference simultaneamente"),
                loc.clone(),
            ));
        }
        if let Err(why) = check_urn_uuid(r, opts.lowercase_uuids) {
            findings.push(f(
                Code::FormatProvenanceTargetInvalid,
                format!("Referência inválida: '{r}' em {loc}. Esperado formato: urn:uuid:[UUID] ({why})"),
                format!("{loc}.reference"),
            ));
            continue;
        }
        if let Some(&first) = seen.get(r) {
            findings.push(
                f(
                    Code::FormatProvenanceTargetDuplicate,
                    format!("Referência duplicada: '{r}' em Provenance.target[{first}] e {loc}"),
                    format!("Provenance.target[{first}].reference"),
                )
                .at(format!("{loc}.reference")),
            );
            continue;
        }
        seen.insert(r, j);
        let i = match index.resolve(r) {
            Resolution::Unique(i) => i,
            Resolution::Missing => {
                findings.push(f(
                    Code::FormatTargetReferenceMissing,
                    format!("Referência órfã: '{r}' em {loc} não encontrada em Bundle.entry"),
                    loc,
                ));
                continue;
            }
            Resolution::Ambiguous(list) => {
                findings.push(ambiguous(r, &loc, &list, Code::FormatDuplicateFullurl));
                continue;
            }
        };
        if let Some(s) = signed.get_mut(i) {
            *s = true;
        }
        target_entries.push((j, i));
        match infos.get(i).and_then(|e| e.resource) {
            None => findings.push(
                f(
                    Code::FormatBundleResourceMissing,
                    format!("Bundle.entry[{i}] (alvo de {loc}) não possui resource"),
                    format!("Bundle.entry[{i}].resource"),
                )
                .at(loc),
            ),
            Some(res) => {
                if res.get("resourceType").and_then(V::as_str).is_none() {
                    findings.push(
                        f(
                            Code::FormatBundleMalformed,
                            format!("Bundle.entry[{i}].resource (alvo de {loc}) não possui resourceType"),
                            format!("Bundle.entry[{i}].resource.resourceType"),
                        )
                        .at(loc),
                    );
                }
            }
        }
    }
    Ok(true)
}

/// A reference that names two or more entries (exact or case-twin `fullUrl`s).
pub(super) fn ambiguous(reference: &str, loc: &str, entries: &[usize], code: Code) -> Finding {
    // At most 10 entries named (DECISIONS D41); the count says how many there are.
    let list: Vec<String> = entries
        .iter()
        .take(10)
        .map(|i| format!("Bundle.entry[{i}]"))
        .collect();
    f(
        code,
        format!(
            "Referência ambígua: '{reference}' em {loc} corresponde a {} entradas ({}); cada fullUrl deve identificar exatamente uma entrada",
            entries.len(),
            list.join(", ")
        ),
        loc.to_owned(),
    )
}

pub(super) fn check_order<V>(
    target_entries: &[(usize, usize)],
    infos: &[EntryInfo<'_, V>],
    findings: &mut Vec<Finding>,
) {
    // Targeted entries in Bundle order must come in Provenance.target order.
    let mut by_entry: Vec<usize> = target_entries.iter().map(|&(_, i)| i).collect();
    by_entry.sort_unstable();
    for (&(j, ti), &i) in target_entries.iter().zip(by_entry.iter()) {
        if ti != i {
            let url = |k: usize| infos.get(k).and_then(|e| e.full_url).unwrap_or("");
            findings.push(
                f(
                    Code::FormatBundleOrderMismatch,
                    format!(
                        "Provenance.target[{j}] = '{}' mas Bundle.entry[{i}].fullUrl = '{}'. Ordem esperada vs encontrada não confere.",
                        url(ti),
                        url(i)
                    ),
                    "Bundle.entry",
                )
                .at("Provenance.target"),
            );
            return;
        }
    }
}
