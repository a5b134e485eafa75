//! One Reference of the signed set or of the Provenance (seed page `003_…` Restrições,
//! DECISIONS D2/D3): `identifier` XOR `reference`, its kind, and where it resolves.

use super::{ambiguous, f, CheckOptions, Mode};
use crate::kind::ReferenceKind;
use crate::resolve::{EntryIndex, Resolution};
use crate::uuid_urn::check_urn_uuid;
use crate::walk::FoundReference;
use sesgo_core::{hints, Code, Finding, Severity};

pub(crate) fn check_reference(
    r: &FoundReference,
    opts: &CheckOptions,
    index: &EntryIndex<'_>,
    signed: &[bool],
    from_signed_entry: bool,
    findings: &mut Vec<Finding>,
) {
    let loc = &r.location;
    let rloc = || format!("{loc}.reference");
    let s = r.reference.as_deref().unwrap_or("");
    match r.kind {
        ReferenceKind::Logical | ReferenceKind::DisplayOnly => {}
        ReferenceKind::ContainerSelf => {}
        ReferenceKind::IdentifierAndReference => findings.push(f(
            Code::FormatReferenceInvalid,
            format!("Referência com identifier e reference simultaneamente em {loc}: o uso de um inibe o uso do outro"),
            loc.clone(),
        )),
        ReferenceKind::Relative | ReferenceKind::Absolute | ReferenceKind::UrnOid => {
            findings.push(f(
                Code::FormatReferenceInvalid,
                hints::with_hint(
                    format!(
                        "Referência inválida: '{s}' em {loc} ({}). Esperado formato: urn:uuid:[UUID] presente em Bundle.entry.fullUrl, #id de recurso contido ou #.",
                        r.kind.label()
                    ),
                    hints::BUILD_TRANSFER_BUNDLE,
                ),
                rloc(),
            ))
        }
        ReferenceKind::Empty => findings.push(
            f(
                Code::FormatReferenceInvalid,
                format!("Referência vazia em {loc}: sem reference, identifier nem display"),
                loc.clone(),
            )
            .with_severity(Severity::Warning),
        ),
        ReferenceKind::Malformed => findings.push(f(
            Code::FormatReferenceInvalid,
            format!("Referência malformada em {loc}: Reference deve ser objeto com reference textual"),
            loc.clone(),
        )),
        ReferenceKind::Contained => {
            if !r.contained_resolved {
                findings.push(f(
                    Code::FormatReferenceMissing,
                    format!("Referência '{s}' em {loc} não corresponde a nenhum recurso em contained"),
                    rloc(),
                ));
            }
        }
        ReferenceKind::UrnUuid => {
            if let Err(why) = check_urn_uuid(s, opts.lowercase_uuids) {
                findings.push(f(
                    Code::FormatReferenceInvalid,
                    format!("Referência inválida: '{s}' em {loc}. Esperado formato: urn:uuid:[UUID] ({why})"),
                    rloc(),
                ));
                return;
            }
            match index.resolve(s) {
                Resolution::Missing => findings.push(f(
                    Code::FormatReferenceMissing,
                    format!("Referência órfã: '{s}' em {loc} não encontrada em Bundle.entry.fullUrl"),
                    rloc(),
                )),
                Resolution::Ambiguous(list) => {
                    findings.push(ambiguous(s, &rloc(), &list, Code::FormatReferenceInvalid));
                }
                Resolution::Unique(i) => {
                    if from_signed_entry && !signed.get(i).copied().unwrap_or(false) {
                        let severity = match opts.mode {
                            Mode::Sign => Severity::Error,
                            Mode::Validate => Severity::Warning,
                        };
                        findings.push(
                            f(
                                Code::FormatReferenceInvalid,
                                format!(
                                    "N1: a instância assinada referencia '{s}' em {loc}, mas Bundle.entry[{i}] não está no conjunto assinado (Provenance.target)"
                                ),
                                rloc(),
                            )
                            .with_severity(severity),
                        );
                    }
                }
            }
        }
    }
}
