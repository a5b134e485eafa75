//! The JSON value type: verbatim numbers, ordered objects.

use std::fmt;
use std::sync::Arc;

/// A JSON value as sesgo reads it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Value {
    /// `null`
    #[default]
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, as its verbatim token.
    Number(Number),
    /// A string (short ones stored inline: [`Str`]).
    String(Str),
    /// An array.
    Array(Vec<Value>),
    /// An object, in member order.
    Object(Object),
}

static NULL: Value = Value::Null;

/// Longest string kept inline (the size of a `String`, so `Value` does not grow).
const INLINE_STRING: usize = 22;

/// `text` zero-padded into an inline buffer of `N` bytes, with its length, when it fits
/// (the inline form of [`Str`] and [`Number`]).
fn to_inline<const N: usize>(text: &str) -> Option<(u8, [u8; N])> {
    let b = text.as_bytes();
    let len = u8::try_from(b.len()).ok().filter(|_| b.len() <= N)?;
    let mut bytes = [0u8; N];
    bytes.get_mut(..b.len())?.copy_from_slice(b);
    Some((len, bytes))
}

/// The text of an inline buffer written by [`to_inline`] (whole UTF-8 only is ever
/// stored, so both steps succeed).
fn from_inline<const N: usize>(len: u8, bytes: &[u8; N]) -> &str {
    bytes
        .get(..usize::from(len))
        .and_then(|t| std::str::from_utf8(t).ok())
        .unwrap_or_default()
}

/// A JSON string value: up to 22 bytes inline, longer ones in one exact heap allocation.
/// Most strings of FHIR content (codes, ids, dates, units, short display texts) are short,
/// so a parsed string usually costs no allocation (issue 17, memory; docs/adr/0070).
/// Dereferences to `str`; compares, orders and hashes as its text.
///
/// ```
/// use sesgo_core::json::{Str, Value};
/// let short = Str::from("final");
/// let long = Str::from("urn:uuid:3f2504e0-4f89-41d3-9a0c-0305e82c3301");
/// assert_eq!(short, "final");
/// assert_eq!(long.len(), 45);
/// assert_eq!(Value::from("final").as_str(), Some("final"));
/// assert_eq!(String::from(long.clone()), long.as_str());
/// ```
#[derive(Clone)]
pub struct Str(StrRepr);

/// A string of up to [`INLINE_STRING`] bytes lives inline (zero-padded), a longer one on
/// the heap: the representation is a function of the length alone.
#[derive(Clone)]
enum StrRepr {
    Inline { len: u8, bytes: [u8; INLINE_STRING] },
    Heap(Box<str>),
}

impl Str {
    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            StrRepr::Inline { len, bytes } => from_inline(*len, bytes),
            StrRepr::Heap(s) => s,
        }
    }

    fn inline(s: &str) -> Option<Str> {
        to_inline(s).map(|(len, bytes)| Str(StrRepr::Inline { len, bytes }))
    }
}

impl Default for Str {
    fn default() -> Self {
        Str(StrRepr::Inline {
            len: 0,
            bytes: [0; INLINE_STRING],
        })
    }
}

impl std::ops::Deref for Str {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Str {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Str {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Self {
        Str::inline(s).unwrap_or_else(|| Str(StrRepr::Heap(s.into())))
    }
}

impl From<String> for Str {
    fn from(s: String) -> Self {
        Str::inline(&s).unwrap_or_else(|| Str(StrRepr::Heap(s.into_boxed_str())))
    }
}

impl From<Str> for String {
    fn from(s: Str) -> Self {
        match s.0 {
            StrRepr::Heap(b) => b.into_string(),
            StrRepr::Inline { .. } => s.as_str().to_owned(),
        }
    }
}

impl PartialEq for Str {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Str {}

impl PartialEq<str> for Str {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Str {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Str {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialOrd for Str {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Str {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for Str {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A JSON number kept as its verbatim RFC 8259 token (e.g. `36.50`, `-0`, `1E2`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Number(NumberRepr);

/// Longest token kept inline (the size of a `String`, so `Value` does not grow).
const INLINE_NUMBER: usize = 22;

/// A token of up to [`INLINE_NUMBER`] bytes lives inline, zero-padded, and a longer one on
/// the heap: a parsed number costs no allocation (issue 17, memory). The representation
/// is canonical (a token's length alone picks it), so the derived equality and hash are
/// the token's.
#[derive(Clone, PartialEq, Eq, Hash)]
enum NumberRepr {
    Inline { len: u8, bytes: [u8; INLINE_NUMBER] },
    Heap(Box<str>),
}

impl Number {
    /// Validates `token` against the RFC 8259 number grammar.
    pub fn from_token(token: &str) -> Option<Number> {
        if is_number_token(token.as_bytes()) {
            Some(Number::from_valid_token(token))
        } else {
            None
        }
    }

    pub(crate) fn from_valid_token(token: &str) -> Number {
        match to_inline(token) {
            Some((len, bytes)) => Number(NumberRepr::Inline { len, bytes }),
            None => Number(NumberRepr::Heap(token.into())),
        }
    }

    /// The verbatim token.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            NumberRepr::Inline { len, bytes } => from_inline(*len, bytes),
            NumberRepr::Heap(s) => s,
        }
    }

    /// The nearest IEEE-754 double (`None` when the magnitude overflows to infinity).
    pub fn as_f64(&self) -> Option<f64> {
        self.as_str().parse::<f64>().ok().filter(|f| f.is_finite())
    }

    /// The value as `u64`, when the token is a plain non-negative integer that fits.
    pub fn as_u64(&self) -> Option<u64> {
        if self.is_integer_token() {
            self.as_str().parse().ok()
        } else {
            None
        }
    }

    /// The value as `i64`, when the token is a plain integer that fits.
    pub fn as_i64(&self) -> Option<i64> {
        if self.is_integer_token() {
            self.as_str().parse().ok()
        } else {
            None
        }
    }

    /// True when the token has neither fraction nor exponent.
    pub fn is_integer_token(&self) -> bool {
        !self.as_str().contains(['.', 'e', 'E'])
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Number").field(&self.as_str()).finish()
    }
}

impl From<u64> for Number {
    fn from(v: u64) -> Self {
        Number::from_valid_token(&v.to_string())
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Self {
        Number::from_valid_token(&v.to_string())
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `-? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?`
pub(crate) fn number_token_len(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    Some(i)
}

fn is_number_token(b: &[u8]) -> bool {
    number_token_len(b) == Some(b.len())
}

/// A member name: one thin pointer to a name shared by every member so named (the
/// parser interns repeated names), so a member is its value plus 8 bytes (issue 17,
/// memory; docs/adr/0070).
pub(crate) type Name = Arc<Box<str>>;

/// A new, unshared member name.
pub(crate) fn new_name(s: &str) -> Name {
    Arc::new(Box::from(s))
}

/// The text of a member name.
pub(crate) fn name_str(n: &Name) -> &str {
    n
}

/// A JSON object: members in document order, names unique (enforced by the parser and
/// by [`Object::insert`]).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Object {
    // Names are shared: the parser interns repeated names (`resourceType`, `system`,
    // `value`…), so each member costs a pointer, not an allocation (issue 17).
    members: Vec<(Name, Value)>,
}

impl Object {
    /// An empty object.
    pub fn new() -> Self {
        Object::default()
    }

    pub(crate) fn from_members_unchecked(members: Vec<(Name, Value)>) -> Self {
        Object { members }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True when there are no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The member named `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.members
            .iter()
            .find(|(k, _)| name_str(k) == key)
            .map(|(_, v)| v)
    }

    /// The member named `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.members
            .iter_mut()
            .find(|(k, _)| name_str(k) == key)
            .map(|(_, v)| v)
    }

    /// True when a member named `key` exists.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets member `key`: replaces its value in place (returning the old one) or appends.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        let key = key.into();
        let value = value.into();
        match self.get_mut(&key) {
            Some(slot) => Some(std::mem::replace(slot, value)),
            None => {
                self.members.push((new_name(&key), value));
                None
            }
        }
    }

    /// Removes member `key`, keeping the order of the others.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.members.iter().position(|(k, _)| name_str(k) == key)?;
        Some(self.members.remove(i).1)
    }

    /// Members in order.
    pub fn iter(&self) -> Members<'_> {
        Members(self.members.iter())
    }

    /// Members in order, values mutable.
    pub fn iter_mut(&mut self) -> impl ExactSizeIterator<Item = (&str, &mut Value)> {
        self.members.iter_mut().map(|(k, v)| (name_str(k), v))
    }

    /// Member names in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &str> {
        self.members.iter().map(|(k, _)| name_str(k))
    }
}

/// The members of an [`Object`], in order: `(name, value)`.
#[derive(Clone, Debug)]
pub struct Members<'a>(std::slice::Iter<'a, (Name, Value)>);

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, &'a Value);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (name_str(k), v))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for Members<'_> {}

impl DoubleEndedIterator for Members<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (name_str(k), v))
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Object {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut o = Object::new();
        for (k, v) in iter {
            o.insert(k, v);
        }
        o
    }
}

impl Value {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s.as_str()),
            _ => None,
        }
    }
    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// The number, if this is one.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }
    /// The number as `u64` (plain integer tokens only).
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number()?.as_u64()
    }
    /// The number as `i64` (plain integer tokens only).
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number()?.as_i64()
    }
    /// The array, if this is one.
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }
    /// The array, mutably.
    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }
    /// The object, if this is one.
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }
    /// The object, mutably.
    pub fn as_object_mut(&mut self) -> Option<&mut Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }
    /// True for `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    /// Member `key` of an object (`None` for other values or a missing member).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }
    /// Member `key` of an object, or `null` when absent or not an object (never panics;
    /// the same as `value["key"]`, chainable: `v.member("who").member("identifier")`).
    pub fn member(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
    /// Element `i` of an array, or `null` when absent or not an array (never panics; the
    /// same as `value[i]`).
    pub fn item(&self, i: usize) -> &Value {
        self.as_array().and_then(|a| a.get(i)).unwrap_or(&NULL)
    }
    /// Name of the JSON type, for diagnostics.
    pub fn type_name(&self) -> &'static str {
        super::View::kind(self).name()
    }

    /// Compact serialization (no whitespace, member order kept, numbers verbatim).
    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        self.write_json(&mut out);
        // Only valid UTF-8 is ever written.
        String::from_utf8(out).unwrap_or_default()
    }

    /// Appends the compact serialization to `out`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        super::view::write_view(self, out);
    }

    /// Converts from a `serde_json` value (numbers keep `serde_json`'s rendering).
    pub fn from_serde(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(
                Number::from_token(&n.to_string()).unwrap_or_else(|| Number::from(0u64)),
            ),
            serde_json::Value::String(s) => Value::String(Str::from(s.as_str())),
            serde_json::Value::Array(a) => Value::Array(a.iter().map(Value::from_serde).collect()),
            serde_json::Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_serde(v)))
                    .collect(),
            ),
        }
    }

    /// Converts to a `serde_json` value. Lossy for numbers that are not plain integers
    /// (they become the nearest double, or `null` when out of range).
    pub fn to_serde(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    u.into()
                } else if let Some(i) = n.as_i64() {
                    i.into()
                } else {
                    n.as_f64()
                        .and_then(serde_json::Number::from_f64)
                        .map(serde_json::Value::Number)
                        .unwrap_or(serde_json::Value::Null)
                }
            }
            Value::String(s) => serde_json::Value::String(s.as_str().to_owned()),
            Value::Array(a) => serde_json::Value::Array(a.iter().map(Value::to_serde).collect()),
            Value::Object(o) => serde_json::Value::Object(
                o.iter()
                    .map(|(k, v)| (k.to_owned(), v.to_serde()))
                    .collect(),
            ),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json())
    }
}

impl std::ops::Index<&str> for Value {
    type Output = Value;
    /// Member `key`, or `null` when absent or not an object.
    fn index(&self, key: &str) -> &Value {
        self.member(key)
    }
}

impl std::ops::Index<usize> for Value {
    type Output = Value;
    /// Element `i`, or `null` when absent or not an array.
    fn index(&self, i: usize) -> &Value {
        self.item(i)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(Str::from(s))
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(Str::from(s))
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<u64> for Value {
    fn from(v: u64) -> Self {
        Value::Number(v.into())
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Number(v.into())
    }
}
impl From<Number> for Value {
    fn from(n: Number) -> Self {
        Value::Number(n)
    }
}
impl From<Vec<Value>> for Value {
    fn from(a: Vec<Value>) -> Self {
        Value::Array(a)
    }
}
impl From<Object> for Value {
    fn from(o: Object) -> Self {
        Value::Object(o)
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::hash_map::DefaultHasher;
    use std::hash::{Hash, Hasher};

    fn hash_of<T: Hash + ?Sized>(t: &T) -> u64 {
        let mut h = DefaultHasher::new();
        t.hash(&mut h);
        h.finish()
    }

    #[test]
    fn strings_of_every_length_round_trip_inline_or_on_the_heap() {
        // ASCII and multi-byte characters around the 22-byte inline limit.
        for unit in ["a", "é", "€", "𝄞"] {
            for n in 0..30 {
                let text = unit.repeat(n);
                let from_str = Str::from(text.as_str());
                let from_string = Str::from(text.clone());
                assert_eq!(from_str.as_str(), text);
                assert_eq!(from_string.as_str(), text);
                assert_eq!(from_str, from_string);
                assert_eq!(from_str, *text.as_str());
                assert_eq!(hash_of(&from_str), hash_of(text.as_str()));
                assert_eq!(String::from(from_string), text);
                assert_eq!(
                    matches!(from_str.0, StrRepr::Inline { .. }),
                    text.len() <= INLINE_STRING
                );
                assert_eq!(format!("{from_str:?}"), format!("{text:?}"));
            }
        }
        assert_eq!(Str::default(), "");
        let (short, long) = (Str::from("abc"), Str::from("abc".repeat(10)));
        assert_eq!(short.cmp(&long), "abc".cmp(long.as_str()));
        assert_eq!(long.cmp(&short), std::cmp::Ordering::Greater);
    }

    #[test]
    fn object_members_share_their_names_and_keep_order() {
        let mut o = Object::new();
        o.insert("b", 1u64);
        o.insert("a", "x");
        assert_eq!(o.insert("b", 2u64), Some(Value::from(1u64)));
        assert_eq!(o.keys().collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(o.remove("b"), Some(Value::from(2u64)));
        assert_eq!(Value::Object(o).to_json(), r#"{"a":"x"}"#);
        // Value did not grow with the inline strings, and a member is a value plus one
        // thin name pointer.
        assert_eq!(std::mem::size_of::<Value>(), 32);
        assert_eq!(std::mem::size_of::<(Name, Value)>(), 40);
    }
}
