//! The FHIR R4 type table, generated from the official StructureDefinitions
//! (`cargo xtask gen`, see docs/adr/0011).

use crate::generated::table::{CONTEXTS, RESOURCE_TYPES};

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
    let mut next = Some(context_name);
    // Base chains are at most four deep (Age → Quantity → Element); bound the loop anyway.
    for _ in 0..8 {
        let ctx = context(next?)?;
        if let Ok(i) = ctx.members.binary_search_by(|(m, _)| (*m).cmp(member)) {
            return ctx.members.get(i).map(|(_, t)| *t);
        }
        if ctx.prims.binary_search(&member).is_ok() {
            return Some(MemberType::Primitive);
        }
        next = ctx.base;
    }
    None
}

/// Whether `name` is a concrete FHIR R4 resource type.
pub fn is_resource_type(name: &str) -> bool {
    RESOURCE_TYPES.binary_search(&name).is_ok()
}
