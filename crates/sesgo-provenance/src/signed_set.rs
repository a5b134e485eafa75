//! The signed set: the instances `Provenance.target` designates, in target order
//! (criar Etapas 3–6 select them; validar §opcional recomputes from them), and the
//! reading side: every signed Provenance of a received Bundle (need N2).
//!
//! [`checked_select`] runs the structural and reference rules of `sesgo-refs` first
//! (criar 1.4–1.9, seed "Referências") and then selects; [`select`] only resolves (what is
//! needed to find the instances), for callers that have already checked.

use sesgo_core::budget::FindingCap;
use sesgo_core::json::{Kind, Value, View};
use sesgo_core::{Code, Error, Finding, Result};
use sesgo_refs::{EntryIndex, Resolution};
use std::collections::HashMap;

/// One signed instance, read through any [`View`] (the [`Value`] tree by default).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SignedTarget<'a, V = &'a Value> {
    /// `Provenance.target[i].reference` (a `urn:uuid:`).
    pub reference: &'a str,
    /// Index of the Bundle entry whose `fullUrl` equals the reference.
    pub entry_index: usize,
    /// That entry's `resource`, as received (unsigned elements not yet stripped).
    pub resource: V,
}

/// criar 1.4–1.9, then the signed set: runs every rule of `sesgo-refs` on the Bundle and
/// the Provenance (all findings reported together), and on success selects the targeted
/// instances in `Provenance.target` order. Returns the instances and the findings that
/// are only warnings.
pub fn checked_select<'a, V: View<'a>>(
    bundle: V,
    provenance: V,
    opts: &sesgo_refs::CheckOptions,
) -> Result<(Vec<SignedTarget<'a, V>>, Vec<Finding>)> {
    let warnings = sesgo_refs::check(bundle, Some(provenance), opts).into_result()?;
    let targets = select(bundle, provenance, "Provenance")?;
    Ok((targets, warnings))
}

/// Selects the instances of `bundle` that `provenance` targets, in `Provenance.target`
/// order. `prov_loc` prefixes the Provenance's locations (`Provenance` or
/// `Bundle.entry[4].resource`). All resolution failures are reported together.
pub fn select<'a, V: View<'a>>(
    bundle: V,
    provenance: V,
    prov_loc: &str,
) -> Result<Vec<SignedTarget<'a, V>>> {
    let mut findings = Vec::new();
    // One finding per target at most, capped as they accumulate (DECISIONS D41): a
    // Provenance with 100 000 unresolvable targets holds 100 findings, not 100 000.
    let mut cap = FindingCap::default();
    if bundle.get("resourceType").and_then(V::as_str) != Some("Bundle") {
        return Err(Error::new(
            Code::FormatBundleMalformed,
            "o recurso não é um Bundle (resourceType diferente de 'Bundle')",
        )
        .at("Bundle.resourceType"));
    }
    let entries: Vec<V> = bundle
        .get("entry")
        .and_then(V::items)
        .map_or_else(Vec::new, Iterator::collect);
    if entries.is_empty() {
        return Err(Error::new(
            Code::FormatBundleEmpty,
            "Bundle sem entradas: ao menos uma instância deve ser assinada",
        )
        .at("Bundle.entry"));
    }
    if provenance.get("resourceType").and_then(V::as_str) != Some("Provenance") {
        return Err(Error::new(
            Code::FormatProvenanceInvalid,
            "o recurso não é um Provenance (resourceType diferente de 'Provenance')",
        )
        .at(format!("{prov_loc}.resourceType")));
    }
    let targets: Vec<V> = provenance
        .get("target")
        .and_then(V::items)
        .map_or_else(Vec::new, Iterator::collect);
    if targets.is_empty() {
        return Err(Error::new(
            Code::FormatProvenanceInvalid,
            "Provenance.target vazio: nenhuma instância a assinar",
        )
        .at(format!("{prov_loc}.target")));
    }
    let index = EntryIndex::new(entries.iter().copied());
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(targets.len());
    let mut out = Vec::with_capacity(targets.len());
    for (t, &target) in targets.iter().enumerate() {
        let loc = format!("{prov_loc}.target[{t}]");
        let Some(reference) = target.get("reference").and_then(V::as_str) else {
            cap.push(
                &mut findings,
                Finding::new(
                    Code::FormatProvenanceTargetInvalid,
                    format!("{loc} sem reference: os alvos são referenciados por urn:uuid"),
                )
                .at(format!("{loc}.reference")),
            );
            continue;
        };
        if let Some(first) = seen.insert(reference, t) {
            cap.push(
                &mut findings,
                Finding::new(
                    Code::FormatProvenanceTargetDuplicate,
                    format!("'{reference}' repetido em {prov_loc}.target[{first}] e [{t}]"),
                )
                .at(format!("{loc}.reference")),
            );
            continue;
        }
        let i = match index.resolve(reference) {
            Resolution::Unique(i) => i,
            Resolution::Missing => {
                cap.push(&mut findings,
                    Finding::new(
                        Code::FormatTargetReferenceMissing,
                        format!("{loc}.reference = '{reference}' não corresponde a nenhum Bundle.entry.fullUrl"),
                    )
                    .at(loc),
                );
                continue;
            }
            // Never "the first": a target names exactly one entry (sesgo_refs::EntryIndex).
            Resolution::Ambiguous(list) => {
                let mut finding = Finding::new(
                    Code::FormatDuplicateFullurl,
                    format!(
                        "{loc}.reference = '{reference}' corresponde a {} entradas do Bundle (fullUrl duplicado, comparado sem distinção de maiúsculas)",
                        list.len()
                    ),
                )
                .at(format!("{loc}.reference"));
                // At most 10 locations: a fullUrl repeated 10 000 times is one finding,
                // not 10 000 locations per target (DECISIONS D41).
                for e in list.iter().take(10) {
                    finding = finding.at(format!("Bundle.entry[{e}].fullUrl"));
                }
                cap.push(&mut findings, finding);
                continue;
            }
        };
        let resource = entries
            .get(i)
            .and_then(|e| e.get("resource"))
            .filter(|r| r.kind() == Kind::Object);
        let Some(resource) = resource else {
            cap.push(
                &mut findings,
                Finding::new(
                    Code::FormatBundleResourceMissing,
                    format!("Bundle.entry[{i}] ('{reference}') não contém resource"),
                )
                .at(format!("Bundle.entry[{i}].resource")),
            );
            continue;
        };
        if resource
            .get("resourceType")
            .and_then(V::as_str)
            .is_none_or(str::is_empty)
        {
            cap.push(
                &mut findings,
                Finding::new(
                    Code::FormatBundleMalformed,
                    format!("Bundle.entry[{i}].resource sem resourceType"),
                )
                .at(format!("Bundle.entry[{i}].resource.resourceType")),
            );
            continue;
        }
        out.push(SignedTarget {
            reference,
            entry_index: i,
            resource,
        });
    }
    cap.finish(&mut findings);
    match Error::from_findings(findings) {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// A Provenance with a signature found in a received Bundle.
#[derive(Clone, Copy, Debug)]
pub struct SignedProvenance<'a, V = &'a Value> {
    /// Index of its Bundle entry.
    pub entry_index: usize,
    /// The Bundle it was found in.
    pub bundle: V,
    /// The Provenance.
    pub provenance: V,
    /// `Provenance.signature[0]`.
    pub signature: V,
    /// Its `data` (the Base64 of the JWS), trimmed; empty when absent.
    pub data: &'a str,
}

impl<'a, V: View<'a>> SignedProvenance<'a, V> {
    /// Its location, `Bundle.entry[i].resource`.
    pub fn location(&self) -> String {
        format!("Bundle.entry[{}].resource", self.entry_index)
    }

    /// Its signed set, resolved in the Bundle it was found in ([`select`]).
    pub fn select(&self) -> Result<Vec<SignedTarget<'a, V>>> {
        select(self.bundle, self.provenance, &self.location())
    }
}

/// What [`signed_provenances`] found: the signatures to verify and the findings that
/// excluded others (each an error: the Bundle does not verify as a whole).
#[derive(Debug)]
pub struct SignedProvenances<'a, V = &'a Value> {
    /// Every signed Provenance that carries exactly one signature of its own.
    pub found: Vec<SignedProvenance<'a, V>>,
    /// Why a Provenance or the Bundle was excluded.
    pub findings: Vec<Finding>,
}

impl<'a, V> Default for SignedProvenances<'a, V> {
    fn default() -> Self {
        SignedProvenances {
            found: Vec::new(),
            findings: Vec::new(),
        }
    }
}

impl<'a, V> SignedProvenances<'a, V> {
    /// The signed Provenances, or an error with every finding.
    pub fn into_result(self) -> Result<Vec<SignedProvenance<'a, V>>> {
        match Error::from_findings(self.findings) {
            Some(e) => Err(e),
            None => Ok(self.found),
        }
    }
}

/// Finds every Provenance of a received Bundle that carries a signature (need N2;
/// validar input 1 as a transfer Bundle), under the rule *one signature, one signed set*:
///
/// * not a Bundle → `FORMAT.BUNDLE-MALFORMED`;
/// * a Provenance with more than one signature breaks the profile `conteudo-assinado`
///   (`signature` 1..1) → `FORMAT.PROFILE-VALIDATION-FAILED`, and it is excluded;
/// * a Provenance carrying a signature (`Signature.data`) already carried by an earlier
///   Provenance → `FORMAT.PROVENANCE-INVALID`, and it is excluded: a signature designates
///   one signed set, never two;
/// * no signed Provenance and no other finding → `FORMAT.SIGNATURE-MISSING`.
///
/// The findings do not stop the search: every other signature is still found.
pub fn signed_provenances<'a, V: View<'a>>(bundle: V) -> SignedProvenances<'a, V> {
    let mut out = SignedProvenances::default();
    if bundle.get("resourceType").and_then(V::as_str) != Some("Bundle") {
        out.findings.push(
            Finding::new(
                Code::FormatBundleMalformed,
                "o recurso não é um Bundle (resourceType diferente de 'Bundle')",
            )
            .at("Bundle.resourceType"),
        );
        return out;
    }
    let entries = bundle.get("entry").and_then(V::items).into_iter().flatten();
    // The signatures seen, by their text: the first alone, the map from the second on (a
    // Bundle carries one signature in the common case, and hashing its ~10 KB of Base64
    // for nothing is a tenth of a fast verify).
    let mut first_seen: Option<(&str, usize)> = None;
    let mut seen: HashMap<&str, usize> = HashMap::new();
    // Capped as they accumulate (DECISIONS D41): one finding per Provenance at most.
    let mut cap = FindingCap::default();
    for (k, e) in entries.enumerate() {
        let Some(res) = e.get("resource") else {
            continue;
        };
        if res.get("resourceType").and_then(V::as_str) != Some("Provenance") {
            continue;
        }
        let location = format!("Bundle.entry[{k}].resource");
        let sigs = res.get("signature").filter(|s| s.kind() == Kind::Array);
        let mut first = sigs.and_then(V::items).into_iter().flatten();
        let sig = match (first.next(), sigs.map_or(0, V::len)) {
            (None, _) => continue,
            (Some(sig), 1) => sig,
            _ => {
                cap.push(
                    &mut out.findings,
                    Finding::new(
                        Code::FormatProfileValidationFailed,
                        format!(
                            "Provenance com {} assinaturas; o perfil conteudo-assinado exige exatamente 1",
                            sigs.map_or(0, V::len)
                        ),
                    )
                    .at(format!("{location}.signature")),
                );
                continue;
            }
        };
        let text = sig.get("data").and_then(V::as_str);
        let data = text.map_or("", str::trim);
        if text.is_some() {
            let repeated = match first_seen {
                None => {
                    first_seen = Some((data, k));
                    None
                }
                Some((d, i)) => {
                    if seen.is_empty() {
                        seen.insert(d, i);
                    }
                    seen.insert(data, k)
                }
            };
            if let Some(first) = repeated {
                cap.push(
                    &mut out.findings,
                    Finding::new(
                        Code::FormatProvenanceInvalid,
                        format!(
                            "Bundle.entry[{k}] repete a assinatura já carregada por Bundle.entry[{first}]: uma assinatura designa um único conjunto assinado"
                        ),
                    )
                    .at(format!("{location}.signature[0].data"))
                    .at(format!("Bundle.entry[{first}].resource.signature[0].data")),
                );
                continue;
            }
        }
        out.found.push(SignedProvenance {
            entry_index: k,
            bundle,
            provenance: res,
            signature: sig,
            data,
        });
    }
    cap.finish(&mut out.findings);
    if out.found.is_empty() && out.findings.is_empty() {
        out.findings.push(
            Finding::new(
                Code::FormatSignatureMissing,
                "nenhum Provenance com signature encontrado no Bundle",
            )
            .at("Bundle.entry"),
        );
    }
    out
}
