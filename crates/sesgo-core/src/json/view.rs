//! Read access shared by the owned tree ([`Value`]) and the compact document
//! ([`Doc`](super::Doc)): code that only reads JSON is written once, over [`View`], and
//! runs on either (docs/adr/0071).

use super::escape::write_escaped_str;
use super::value::{Members as ObjectMembers, Value};

/// What a JSON value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `null`
    Null,
    /// `true` / `false`
    Bool,
    /// A number (its verbatim token).
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl Kind {
    /// The JSON type's name, as in messages (`string`, `object`…).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "boolean",
            Kind::Number => "number",
            Kind::String => "string",
            Kind::Array => "array",
            Kind::Object => "object",
        }
    }
}

/// A JSON value read in place: `&Value` or a [`Node`](super::Node) of a
/// [`Doc`](super::Doc). Copying a view copies a reference, never the value.
///
/// ```
/// use sesgo_core::json::{parse_strict, Doc, Limits, View};
///
/// // One function over both representations.
/// fn codes<'a, V: View<'a>>(v: V) -> Vec<&'a str> {
///     v.get("coding")
///         .and_then(V::items)
///         .into_iter()
///         .flatten()
///         .filter_map(|c| c.get("code").and_then(V::as_str))
///         .collect()
/// }
/// let text = br#"{"coding":[{"code":"8480-6"},{"code":"8462-4"}]}"#;
/// let tree = parse_strict(text, &Limits::default()).unwrap();
/// let doc = Doc::parse(text, &Limits::default()).unwrap();
/// assert_eq!(codes(&tree), ["8480-6", "8462-4"]);
/// assert_eq!(codes(doc.root()), ["8480-6", "8462-4"]);
/// ```
pub trait View<'a>: Copy + 'a {
    /// The elements of an array, in order.
    type Items: Iterator<Item = Self> + 'a;
    /// The members of an object, in document order.
    type Members: Iterator<Item = (&'a str, Self)> + 'a;

    /// What the value is.
    fn kind(self) -> Kind;
    /// The string, if this is one.
    fn as_str(self) -> Option<&'a str>;
    /// The boolean, if this is one.
    fn as_bool(self) -> Option<bool>;
    /// The verbatim number token (`36.50`, `1E2`), if this is a number.
    fn number_token(self) -> Option<&'a str>;
    /// The member named `name`, if this is an object that has it.
    fn get(self, name: &str) -> Option<Self>;
    /// The elements, if this is an array.
    fn items(self) -> Option<Self::Items>;
    /// The members, if this is an object.
    fn members(self) -> Option<Self::Members>;
    /// Elements of an array or members of an object; 0 for anything else.
    fn len(self) -> usize;
    /// An owned copy.
    fn to_value(self) -> Value;

    /// Compact JSON text (as [`Value::to_json`]).
    fn to_json(self) -> String {
        let mut out = Vec::new();
        self.write_json(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }
    /// Appends the compact JSON text: no whitespace, member order kept, numbers verbatim,
    /// strings escaped as RFC 8785 does. The same bytes from a tree and from a document of
    /// the same JSON.
    fn write_json(self, out: &mut Vec<u8>) {
        write_view(self, out);
    }
    /// True for `null`.
    fn is_null(self) -> bool {
        self.kind() == Kind::Null
    }
    /// True for an empty array or object, and for every other value.
    fn is_empty(self) -> bool {
        self.len() == 0
    }
    /// The number as `u64`, when its token is a plain non-negative integer that fits.
    fn as_u64(self) -> Option<u64> {
        self.number_token()
            .filter(|t| !t.contains(['.', 'e', 'E']))
            .and_then(|t| t.parse().ok())
    }
}

impl<'a> View<'a> for &'a Value {
    type Items = std::slice::Iter<'a, Value>;
    type Members = ObjectMembers<'a>;

    fn kind(self) -> Kind {
        match self {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Bool,
            Value::Number(_) => Kind::Number,
            Value::String(_) => Kind::String,
            Value::Array(_) => Kind::Array,
            Value::Object(_) => Kind::Object,
        }
    }
    fn as_str(self) -> Option<&'a str> {
        Value::as_str(self)
    }
    fn as_bool(self) -> Option<bool> {
        Value::as_bool(self)
    }
    fn number_token(self) -> Option<&'a str> {
        self.as_number().map(|n| n.as_str())
    }
    fn get(self, name: &str) -> Option<Self> {
        Value::get(self, name)
    }
    fn items(self) -> Option<Self::Items> {
        self.as_array().map(|a| a.iter())
    }
    fn members(self) -> Option<Self::Members> {
        self.as_object().map(|o| o.iter())
    }
    fn len(self) -> usize {
        match self {
            Value::Array(a) => a.len(),
            Value::Object(o) => o.len(),
            _ => 0,
        }
    }
    fn to_value(self) -> Value {
        self.clone()
    }
}

/// The one compact writer behind [`View::write_json`] and [`Value::write_json`].
pub(super) fn write_view<'a, V: View<'a>>(v: V, out: &mut Vec<u8>) {
    match v.kind() {
        Kind::Null => out.extend_from_slice(b"null"),
        Kind::Bool if v.as_bool() == Some(true) => out.extend_from_slice(b"true"),
        Kind::Bool => out.extend_from_slice(b"false"),
        Kind::Number => out.extend_from_slice(v.number_token().unwrap_or_default().as_bytes()),
        Kind::String => write_escaped_str(out, v.as_str().unwrap_or_default()),
        Kind::Array => {
            out.push(b'[');
            for (i, e) in v.items().into_iter().flatten().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_view(e, out);
            }
            out.push(b']');
        }
        Kind::Object => {
            out.push(b'{');
            for (i, (k, m)) in v.members().into_iter().flatten().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_escaped_str(out, k);
                out.push(b':');
                write_view(m, out);
            }
            out.push(b'}');
        }
    }
}
