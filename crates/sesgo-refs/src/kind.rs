//! Classification of a Reference (seed page `003_…`, table "Compreendendo referências").

use sesgo_core::json::{Kind, View};

/// The forms a FHIR `Reference` takes (the seed page's table, plus the invalid forms).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReferenceKind {
    /// `identifier` only ("Referência lógica"): a business identifier.
    Logical,
    /// `reference` = `Type/id` ("Referência relativa").
    Relative,
    /// `reference` = an absolute URL such as `http://server/fhir/Patient/x`
    /// ("Referência absoluta").
    Absolute,
    /// `reference` = `urn:uuid:…` ("URI lógica"), resolved against `Bundle.entry.fullUrl`.
    UrnUuid,
    /// `reference` = `urn:oid:…` ("URI lógica" with an OID).
    UrnOid,
    /// `reference` = `#id`: a resource contained in the same container.
    Contained,
    /// `reference` = `#`: the container itself.
    ContainerSelf,
    /// `display` only ("Apenas exibição").
    DisplayOnly,
    /// Both `identifier` and `reference`: forbidden by the guide.
    IdentifierAndReference,
    /// None of `reference`, `identifier`, `display` (e.g. only `type` or extensions),
    /// or an empty `reference` string.
    Empty,
    /// Not a JSON object, or a `reference` that is not a string.
    Malformed,
}

impl ReferenceKind {
    /// Portuguese name used in diagnostics.
    pub fn label(self) -> &'static str {
        match self {
            ReferenceKind::Logical => "referência lógica (identifier)",
            ReferenceKind::Relative => "referência relativa",
            ReferenceKind::Absolute => "referência absoluta",
            ReferenceKind::UrnUuid => "URI lógica urn:uuid",
            ReferenceKind::UrnOid => "URI lógica urn:oid",
            ReferenceKind::Contained => "referência a recurso contido (#id)",
            ReferenceKind::ContainerSelf => "referência ao contêiner (#)",
            ReferenceKind::DisplayOnly => "apenas exibição (display)",
            ReferenceKind::IdentifierAndReference => "identifier e reference simultâneos",
            ReferenceKind::Empty => "referência vazia",
            ReferenceKind::Malformed => "referência malformada",
        }
    }
}

/// Classifies one value of type `Reference`.
///
/// ```
/// use sesgo_core::Value;
/// use sesgo_refs::{classify, ReferenceKind};
/// let r = Value::from_serde(&serde_json::json!({"reference": "urn:uuid:550e8400-e29b-41d4-a716-446655440000"}));
/// assert_eq!(classify(&r), ReferenceKind::UrnUuid);
/// ```
pub fn classify<'a, V: View<'a>>(reference: V) -> ReferenceKind {
    if reference.kind() != Kind::Object {
        return ReferenceKind::Malformed;
    }
    let obj = reference;
    let has_identifier = obj.get("identifier").is_some_and(|v| !v.is_null());
    let target = obj.get("reference");
    match target.map(|t| (t.kind(), t.as_str())) {
        None | Some((Kind::Null, _)) => {
            if has_identifier {
                ReferenceKind::Logical
            } else if obj.get("display").is_some_and(|v| !v.is_null()) {
                ReferenceKind::DisplayOnly
            } else {
                ReferenceKind::Empty
            }
        }
        Some((_, Some(_))) if has_identifier => ReferenceKind::IdentifierAndReference,
        Some((_, Some(s))) => classify_str(s),
        Some(_) => ReferenceKind::Malformed,
    }
}

/// Classifies a `Reference.reference` string.
pub fn classify_str(s: &str) -> ReferenceKind {
    if s.is_empty() {
        ReferenceKind::Empty
    } else if s == "#" {
        ReferenceKind::ContainerSelf
    } else if s.starts_with('#') {
        ReferenceKind::Contained
    } else if starts_with_ignore_case(s, "urn:uuid:") {
        ReferenceKind::UrnUuid
    } else if starts_with_ignore_case(s, "urn:oid:") {
        ReferenceKind::UrnOid
    } else if has_scheme(s) {
        ReferenceKind::Absolute
    } else {
        ReferenceKind::Relative
    }
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

/// RFC 3986 scheme followed by `:`.
fn has_scheme(s: &str) -> bool {
    let Some((scheme, _)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}
