//! The FHIR R4 type table, generated from the official StructureDefinitions
//! (`cargo xtask gen`, see docs/adr/0011).

use crate::generated::table::{CONTEXTS, RESOURCE_TYPES};
use std::sync::OnceLock;

pub use crate::generated::table::FHIR_VERSION;

/// Type of a JSON member of a FHIR R4 context, per the R4 definitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemberType {
    /// The datatype `Reference`.
    Reference,
    /// A whole resource (`contained`, `Bundle.entry.resource`, `Parameters.parameter.resource`).
    Resource,
    /// A complex datatype, e.g. `Identifier`, `Extension`, `Annotation`.
    Datatype(&'static str),
    /// A backbone element, named by its definition path, e.g. `Observation.component`.
    Backbone(&'static str),
    /// A primitive (`string`, `code`, `dateTime`…); its `_member` sibling is an `Element`.
    Primitive,
}

pub(crate) type T = MemberType;

/// One context: a resource type, a backbone element path or a complex datatype.
pub(crate) struct Ctx {
    pub(crate) name: &'static str,
    pub(crate) base: Option<&'static str>,
    pub(crate) prims: &'static [&'static str],
    pub(crate) members: &'static [(&'static str, T)],
}

fn context(name: &str) -> Option<&'static Ctx> {
    CONTEXTS
        .binary_search_by(|c| c.name.cmp(name))
        .ok()
        .and_then(|i| CONTEXTS.get(i))
}

/// The type of JSON member `member` in `context` (a resource type such as `Observation`,
/// a backbone path such as `Observation.component`, or a complex datatype such as
/// `Identifier`), following the base definitions (`DomainResource`, `Element`…).
/// Choice types are expanded (`valueReference`, `valueQuantity`…). `None` when FHIR R4
/// defines no such member there.
///
/// ```
/// use sesgo_refs::{member_type, MemberType};
/// assert_eq!(member_type("Observation", "subject"), Some(MemberType::Reference));
/// assert_eq!(member_type("Observation", "identifier"), Some(MemberType::Datatype("Identifier")));
/// assert_eq!(member_type("Identifier", "assigner"), Some(MemberType::Reference));
/// assert_eq!(member_type("Extension", "valueReference"), Some(MemberType::Reference));
/// assert_eq!(member_type("Questionnaire.item", "item"), Some(MemberType::Backbone("Questionnaire.item")));
/// assert_eq!(member_type("Observation", "status"), Some(MemberType::Primitive));
/// assert_eq!(member_type("Observation", "nonsense"), None);
/// ```
pub fn member_type(context_name: &str, member: &str) -> Option<MemberType> {
    Resolved::of(context_name).member_type(member)
}

/// Longest base chain followed (Age → Quantity → Element is three deep).
const MAX_CHAIN: usize = 8;

/// One member of a flattened context: its name, its type and, for a datatype or a
/// backbone element, the index of that context's own flattened row (so that walking into
/// the member costs no search by name).
type FlatMember = (&'static str, MemberType, Option<u16>);

/// The order of a flattened row: by length, then by bytes. Most probes of a binary search
/// then end on a length comparison, without comparing the names' bytes.
fn by_len(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Every context's members with its bases' merged in (a primitive as
/// [`MemberType::Primitive`]), parallel to `CONTEXTS`: built once per process (664
/// contexts, well under a millisecond) so that a member costs one binary search instead
/// of two per level of the base chain, and walking into a member costs none (issue 17:
/// the walker asks for every member of every object).
fn flattened() -> &'static [Vec<FlatMember>] {
    static FLAT: OnceLock<Vec<Vec<FlatMember>>> = OnceLock::new();
    FLAT.get_or_init(|| {
        let index = |name: &str| {
            CONTEXTS
                .binary_search_by(|c| c.name.cmp(name))
                .ok()
                .and_then(|i| u16::try_from(i).ok())
        };
        CONTEXTS
            .iter()
            .map(|c| {
                let mut all: Vec<FlatMember> = Vec::new();
                let mut next = Some(c);
                // The nearest definition wins: a derived context's members are listed
                // before its base's, and the stable sort keeps that order among equals.
                for _ in 0..MAX_CHAIN {
                    let Some(ctx) = next else { break };
                    // At one level, members were looked up before primitives.
                    all.extend(ctx.members.iter().map(|&(m, t)| {
                        let into = match t {
                            MemberType::Datatype(n) | MemberType::Backbone(n) => index(n),
                            _ => None,
                        };
                        (m, t, into)
                    }));
                    all.extend(ctx.prims.iter().map(|p| (*p, MemberType::Primitive, None)));
                    next = ctx.base.and_then(context);
                }
                all.sort_by(|a, b| by_len(a.0, b.0));
                all.dedup_by(|later, first| later.0 == first.0);
                all.shrink_to_fit();
                all
            })
            .collect()
    })
}

/// A context found once, with its bases merged in, so that the members of one object
/// share the context search.
#[derive(Clone, Copy)]
pub(crate) struct Resolved(&'static [FlatMember]);

impl Resolved {
    /// `context_name` with its bases; empty (every member unknown) for an unknown name.
    pub(crate) fn of(context_name: &str) -> Resolved {
        let members = CONTEXTS
            .binary_search_by(|c| c.name.cmp(context_name))
            .ok()
            .and_then(|i| flattened().get(i))
            .map_or(&[][..], Vec::as_slice);
        Resolved(members)
    }

    /// The `Reference` datatype (found once per process).
    pub(crate) fn reference() -> Resolved {
        static R: OnceLock<Resolved> = OnceLock::new();
        *R.get_or_init(|| Resolved::of("Reference"))
    }

    /// The `Element` datatype of a primitive's `_member` (found once per process).
    pub(crate) fn element() -> Resolved {
        static E: OnceLock<Resolved> = OnceLock::new();
        *E.get_or_init(|| Resolved::of("Element"))
    }

    fn find(&self, member: &str) -> Option<&'static FlatMember> {
        let i = self.0.binary_search_by(|m| by_len(m.0, member)).ok()?;
        self.0.get(i)
    }

    /// As [`member_type`] in this context.
    pub(crate) fn member_type(&self, member: &str) -> Option<MemberType> {
        self.find(member).map(|m| m.1)
    }

    /// As [`Resolved::member_type`], with the member's own context when it is a datatype
    /// or a backbone element (what [`Resolved::of`] of its name would give).
    pub(crate) fn member(&self, member: &str) -> Option<(MemberType, Resolved)> {
        let &(_, t, into) = self.find(member)?;
        let inner = into
            .and_then(|i| flattened().get(usize::from(i)))
            .map_or(&[][..], Vec::as_slice);
        Some((t, Resolved(inner)))
    }
}

/// Whether `name` is a concrete FHIR R4 resource type.
pub fn is_resource_type(name: &str) -> bool {
    RESOURCE_TYPES.binary_search(&name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lookup as the tables define it: member, then primitive, level by level up the
    /// base chain.
    fn by_chain(context_name: &str, member: &str) -> Option<MemberType> {
        let mut next = Some(context_name);
        for _ in 0..MAX_CHAIN {
            let ctx = context(next?)?;
            if let Some((_, t)) = ctx.members.iter().find(|(m, _)| *m == member) {
                return Some(*t);
            }
            if ctx.prims.contains(&member) {
                return Some(MemberType::Primitive);
            }
            next = ctx.base;
        }
        None
    }

    #[test]
    fn the_flattened_table_answers_as_the_base_chain_for_every_name() {
        let mut names: Vec<&str> = CONTEXTS
            .iter()
            .flat_map(|c| {
                c.members
                    .iter()
                    .map(|(m, _)| *m)
                    .chain(c.prims.iter().copied())
            })
            .chain(["", "nonsense", "resourceType", "zzz"])
            .collect();
        names.sort_unstable();
        names.dedup();
        let mut checked = 0usize;
        for ctx in CONTEXTS.iter().map(|c| c.name).chain(["Unknown", ""]) {
            let resolved = Resolved::of(ctx);
            for m in &names {
                assert_eq!(resolved.member_type(m), by_chain(ctx, m), "{ctx}.{m}");
                if let Some((t, inner)) = resolved.member(m) {
                    let expected = match t {
                        MemberType::Datatype(n) | MemberType::Backbone(n) => Resolved::of(n).0,
                        _ => &[][..],
                    };
                    assert_eq!(inner.0.len(), expected.len(), "{ctx}.{m}");
                    assert!(
                        expected.is_empty() || std::ptr::eq(inner.0, expected),
                        "{ctx}.{m}"
                    );
                }
                checked += 1;
            }
        }
        assert!(checked > 100_000, "{checked}");
    }
}
