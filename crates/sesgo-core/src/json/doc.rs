//! A compact, read-only parse of one JSON document: one 12-byte slot per value, strings
//! and number tokens left in the input (issue 17, memory; docs/adr/0071).
//!
//! The slots are a tape in document order: a container's slot is followed by its
//! elements' or members' slots (each followed by its own subtree) and records where its
//! subtree ends, so the next sibling is one jump away. A member's name is an index into a
//! table of the document's distinct names. Only strings and names with escapes are
//! decoded, once, into a side buffer.

use super::parse::{self, name_slot, name_slots, Sink, MAX_CACHED_NAME};
use super::value::{new_name, Number, Object, Str, Value};
use super::view::{write_view, Kind, View};
use super::{JsonError, Limits, MAX_DEPTH_CEILING};
use std::borrow::Cow;
use std::fmt;

/// The largest input a [`Doc`] holds: its offsets are 31-bit.
const MAX_DOC_BYTES: usize = (1 << 31) - 1;

/// Bits of a slot's tag that hold the member name's id (the top three hold the kind).
const NAME_BITS: u32 = 29;
/// No name: an array element or the root (every real id is smaller: a document has
/// fewer than 2^29 members, each taking at least four bytes of its ≤ 2^31).
const NO_NAME: u32 = (1 << NAME_BITS) - 1;

/// Set in a name's length when its text is in the side buffer.
const IN_EXTRA: u32 = 1 << 31;

/// Containers nested at most this deep (the root is 1; a Bundle's entries are 3) have
/// their source recorded when the compact writer would write it back byte for byte.
const VERBATIM_DEPTH: usize = 3;
/// Smaller containers are written out, which is as fast as finding them: at most one
/// record per this many input bytes per depth, so the records stay a small fraction of
/// the slots whatever the input.
const MIN_VERBATIM_BYTES: usize = 128;

// Slot kinds.
const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const NUMBER: u8 = 3;
/// `a..a+b` of the input.
const STRING: u8 = 4;
/// `a..a+b` of the side buffer (the string had escapes).
const STRING_EXTRA: u8 = 5;
/// `a`: the slot after the subtree; `b`: the element count.
const ARRAY: u8 = 6;
/// `a`: the slot after the subtree; `b`: the member count.
const OBJECT: u8 = 7;

/// One value: 12 bytes.
#[derive(Clone, Copy)]
struct Slot {
    /// The kind (top three bits) and the member name's index in [`Doc::names`], or
    /// [`NO_NAME`] (the rest).
    tag: u32,
    a: u32,
    b: u32,
}

impl Slot {
    fn new(kind: u8, a: u32, b: u32) -> Slot {
        Slot {
            tag: (u32::from(kind) << NAME_BITS) | NO_NAME,
            a,
            b,
        }
    }
    fn kind(self) -> u8 {
        // Three bits: always fits.
        u8::try_from(self.tag >> NAME_BITS).unwrap_or(NULL)
    }
    fn name(self) -> u32 {
        self.tag & NO_NAME
    }
    fn set_name(&mut self, id: u32) {
        self.tag = (self.tag & !NO_NAME) | (id & NO_NAME);
    }
}

/// A member name: `at..at+len` of the input, or of the side buffer when `len` carries
/// [`IN_EXTRA`].
#[derive(Clone, Copy)]
struct Span {
    at: u32,
    len: u32,
}

/// One JSON document parsed strictly and held compactly; [`Doc::root`] reads it.
///
/// It accepts and refuses exactly what [`parse_strict`](super::parse_strict) does, with
/// the same errors (one parser feeds both), and costs about the input's size again where
/// the [`Value`] tree costs about three times it. Strings and number tokens are read in
/// place from the input, which the document borrows.
///
/// ```
/// use sesgo_core::json::{Doc, Limits, View};
///
/// let doc = Doc::parse(br#"{"resourceType":"Observation","valueQuantity":{"value":36.50}}"#,
///                      &Limits::default()).unwrap();
/// let root = doc.root();
/// assert_eq!(root.get("resourceType").and_then(|v| v.as_str()), Some("Observation"));
/// assert_eq!(root.get("valueQuantity").and_then(|q| q.get("value")).and_then(|v| v.number_token()),
///            Some("36.50"));
/// assert!(Doc::parse(br#"{"a":1,"a":2}"#, &Limits::default()).is_err());
/// ```
pub struct Doc<'a> {
    text: &'a str,
    slots: Vec<Slot>,
    names: Vec<Span>,
    extra: String,
    /// Containers whose compact text is their source: `(slot, start, end)`, by slot.
    verbatim: Vec<(u32, u32, u32)>,
}

impl fmt::Debug for Doc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Doc")
            .field("bytes", &self.text.len())
            .field("values", &self.slots.len())
            .finish()
    }
}

impl<'a> Doc<'a> {
    /// Parses `input` strictly: the same limits, duplicate check and errors as
    /// [`parse_strict`](super::parse_strict).
    pub fn parse(input: &'a [u8], limits: &Limits) -> Result<Doc<'a>, JsonError> {
        let max = limits.max_bytes.min(MAX_DOC_BYTES);
        if input.len() > max {
            return Err(JsonError::TooLarge {
                len: input.len(),
                max,
            });
        }
        let mut tape = Tape {
            input,
            slots: Vec::new(),
            names: Vec::new(),
            cache: vec![NO_NAME; name_slots(input.len())],
            extra: String::new(),
            verbatim: Vec::new(),
        };
        parse::run(input, limits.max_depth.min(MAX_DEPTH_CEILING), &mut tape)?;
        // Whole UTF-8 once parsed: every string was checked, everything else is ASCII.
        let text = std::str::from_utf8(input).map_err(|e| JsonError::Syntax {
            line: 1,
            column: e.valid_up_to() + 1,
            message: "UTF-8 inválido".to_owned(),
        })?;
        let Tape {
            mut slots,
            mut names,
            mut extra,
            mut verbatim,
            ..
        } = tape;
        slots.shrink_to_fit();
        names.shrink_to_fit();
        extra.shrink_to_fit();
        // Recorded as containers closed (children first).
        verbatim.sort_unstable_by_key(|&(slot, _, _)| slot);
        verbatim.shrink_to_fit();
        Ok(Doc {
            text,
            slots,
            names,
            extra,
            verbatim,
        })
    }

    /// The top-level value.
    pub fn root(&self) -> Node<'_> {
        Node { doc: self, i: 0 }
    }

    /// The input text.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Number of values in the document.
    pub fn value_count(&self) -> usize {
        self.slots.len()
    }

    /// Bytes the document holds beyond the input (the slots, the name table and the
    /// decoded escapes).
    pub fn heap_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Slot>()
            + self.names.capacity() * std::mem::size_of::<Span>()
            + self.extra.capacity()
            + self.verbatim.capacity() * std::mem::size_of::<(u32, u32, u32)>()
    }

    /// The source of container `i` when it is exactly its compact text.
    fn verbatim(&self, i: u32) -> Option<&'a str> {
        let k = self
            .verbatim
            .binary_search_by_key(&i, |&(slot, _, _)| slot)
            .ok()?;
        let &(_, start, end) = self.verbatim.get(k)?;
        self.text.get(start as usize..end as usize)
    }

    fn slot(&self, i: u32) -> Slot {
        self.slots
            .get(i as usize)
            .copied()
            .unwrap_or(Slot::new(NULL, 0, 0))
    }

    fn span(&self, extra: bool, at: u32, len: u32) -> &str {
        let (at, len) = (at as usize, len as usize);
        let src = if extra {
            self.extra.as_str()
        } else {
            self.text
        };
        src.get(at..at + len).unwrap_or_default()
    }

    fn name(&self, id: u32) -> &str {
        match self.names.get(id as usize) {
            Some(s) => self.span(s.len & IN_EXTRA != 0, s.at, s.len & !IN_EXTRA),
            None => "",
        }
    }

    /// The slot after the subtree of slot `i`.
    fn next(&self, i: u32) -> u32 {
        let s = self.slot(i);
        match s.kind() {
            ARRAY | OBJECT => s.a,
            _ => i + 1,
        }
    }
}

/// One value of a [`Doc`]: a reference into it (`Copy`). Read through [`View`].
#[derive(Clone, Copy)]
pub struct Node<'d> {
    doc: &'d Doc<'d>,
    i: u32,
}

impl fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_value(), f)
    }
}

impl<'d> Node<'d> {
    fn slot(self) -> Slot {
        self.doc.slot(self.i)
    }

    fn children(self, kind: u8) -> Option<Children<'d>> {
        let s = self.slot();
        (s.kind() == kind).then_some(Children {
            doc: self.doc,
            next: self.i + 1,
            end: s.a,
        })
    }
}

/// The children of an array or object, each with its slot's name.
#[derive(Clone)]
struct Children<'d> {
    doc: &'d Doc<'d>,
    next: u32,
    end: u32,
}

impl<'d> Iterator for Children<'d> {
    type Item = (u32, Node<'d>);
    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        let i = self.next;
        let name = self.doc.slot(i).name();
        // Always forward, so a damaged end cannot loop.
        self.next = self.doc.next(i).max(i + 1);
        Some((name, Node { doc: self.doc, i }))
    }
}

/// The elements of an array [`Node`].
#[derive(Clone)]
pub struct Items<'d>(Children<'d>);

impl<'d> Iterator for Items<'d> {
    type Item = Node<'d>;
    fn next(&mut self) -> Option<Node<'d>> {
        self.0.next().map(|(_, n)| n)
    }
}

/// The members of an object [`Node`]: `(name, value)`.
#[derive(Clone)]
pub struct Members<'d>(Children<'d>);

impl<'d> Iterator for Members<'d> {
    type Item = (&'d str, Node<'d>);
    fn next(&mut self) -> Option<Self::Item> {
        let doc = self.0.doc;
        self.0.next().map(|(name, n)| (doc.name(name), n))
    }
}

impl<'d> View<'d> for Node<'d> {
    type Items = Items<'d>;
    type Members = Members<'d>;

    fn kind(self) -> Kind {
        match self.slot().kind() {
            FALSE | TRUE => Kind::Bool,
            NUMBER => Kind::Number,
            STRING | STRING_EXTRA => Kind::String,
            ARRAY => Kind::Array,
            OBJECT => Kind::Object,
            _ => Kind::Null,
        }
    }
    fn as_str(self) -> Option<&'d str> {
        let s = self.slot();
        match s.kind() {
            STRING => Some(self.doc.span(false, s.a, s.b)),
            STRING_EXTRA => Some(self.doc.span(true, s.a, s.b)),
            _ => None,
        }
    }
    fn as_bool(self) -> Option<bool> {
        match self.slot().kind() {
            TRUE => Some(true),
            FALSE => Some(false),
            _ => None,
        }
    }
    fn number_token(self) -> Option<&'d str> {
        let s = self.slot();
        (s.kind() == NUMBER).then(|| self.doc.span(false, s.a, s.b))
    }
    fn get(self, name: &str) -> Option<Self> {
        let doc = self.doc;
        self.children(OBJECT)?
            .find(|&(id, _)| doc.name(id) == name)
            .map(|(_, n)| n)
    }
    fn items(self) -> Option<Items<'d>> {
        self.children(ARRAY).map(Items)
    }
    fn members(self) -> Option<Members<'d>> {
        self.children(OBJECT).map(Members)
    }
    fn len(self) -> usize {
        let s = self.slot();
        match s.kind() {
            ARRAY | OBJECT => s.b as usize,
            _ => 0,
        }
    }
    /// A large container near the root whose source is already compact (no whitespace,
    /// no `\/` or `\u` escape) is copied from the input, not written value by value: the
    /// same bytes (a Bundle's entries into a transfer Bundle).
    fn write_json(self, out: &mut Vec<u8>) {
        match self.doc.verbatim(self.i) {
            Some(text) => out.extend_from_slice(text.as_bytes()),
            None => write_view(self, out),
        }
    }
    fn to_value(self) -> Value {
        match self.kind() {
            Kind::Null => Value::Null,
            Kind::Bool => Value::Bool(self.as_bool().unwrap_or_default()),
            Kind::Number => self
                .number_token()
                .and_then(Number::from_token)
                .map_or(Value::Null, Value::Number),
            Kind::String => Value::String(Str::from(self.as_str().unwrap_or_default())),
            Kind::Array => Value::Array(
                self.items()
                    .into_iter()
                    .flatten()
                    .map(Node::to_value)
                    .collect(),
            ),
            // Names are unique already (the parser checked).
            Kind::Object => Value::Object(Object::from_members_unchecked(
                self.members()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (new_name(k), v.to_value()))
                    .collect(),
            )),
        }
    }
}

/// The parser's sink for a [`Doc`]: slots written in document order; a container's slot
/// completed when it closes.
struct Tape<'a> {
    input: &'a [u8],
    slots: Vec<Slot>,
    names: Vec<Span>,
    /// Name ids direct-mapped by a hash of the name, as the tree parser's name cache: a
    /// repeated name is one table entry. A collision only costs an entry.
    cache: Vec<u32>,
    extra: String,
    verbatim: Vec<(u32, u32, u32)>,
}

/// A length or offset inside a document of at most [`MAX_DOC_BYTES`] bytes.
fn off(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Tape<'_> {
    fn push(&mut self, kind: u8, a: u32, b: u32) -> u32 {
        let i = off(self.slots.len());
        self.slots.push(Slot::new(kind, a, b));
        i
    }

    /// Where `s` is: `at..` of the input when not `escaped` (the parser hands the
    /// input's own bytes starting at `at`), else copied to the side buffer.
    fn place(&mut self, at: usize, s: &str, escaped: bool) -> (bool, u32, u32) {
        if escaped {
            let at = self.extra.len();
            self.extra.push_str(s);
            (true, off(at), off(s.len()))
        } else {
            (false, off(at), off(s.len()))
        }
    }

    /// The id of member name `name` found at `at`.
    fn intern(&mut self, at: usize, name: &str, escaped: bool) -> u32 {
        let cacheable = !escaped && name.len() <= MAX_CACHED_NAME;
        let slot = if cacheable {
            let slot = name_slot(name.as_bytes(), self.cache.len());
            if let Some(&id) = self.cache.get(slot) {
                if let Some(known) = self.names.get(id as usize) {
                    let (k_at, k_len) = (known.at as usize, known.len as usize);
                    if self.input.get(k_at..k_at + k_len) == Some(name.as_bytes()) {
                        return id;
                    }
                }
            }
            Some(slot)
        } else {
            None
        };
        let (extra, at, len) = self.place(at, name, escaped);
        let id = off(self.names.len());
        self.names.push(Span {
            at,
            len: if extra { len | IN_EXTRA } else { len },
        });
        if let Some(cell) = slot.and_then(|s| self.cache.get_mut(s)) {
            *cell = id;
        }
        id
    }
}

impl<'a> Sink<'a> for Tape<'a> {
    type Item = u32;
    fn null(&mut self) -> u32 {
        self.push(NULL, 0, 0)
    }
    fn boolean(&mut self, b: bool) -> u32 {
        self.push(if b { TRUE } else { FALSE }, 0, 0)
    }
    fn number(&mut self, at: usize, token: &'a str) -> u32 {
        self.push(NUMBER, off(at), off(token.len()))
    }
    fn string(&mut self, at: usize, s: Cow<'a, str>) -> u32 {
        let (extra, at, len) = self.place(at, &s, matches!(s, Cow::Owned(_)));
        self.push(if extra { STRING_EXTRA } else { STRING }, at, len)
    }
    fn open(&mut self, object: bool) -> usize {
        self.push(if object { OBJECT } else { ARRAY }, 0, 0) as usize
    }
    fn item(&mut self, _v: u32) {}
    fn member(&mut self, at: usize, name: &str, escaped: bool, v: u32) {
        let id = self.intern(at, name, escaped);
        if let Some(s) = self.slots.get_mut(v as usize) {
            s.set_name(id);
        }
    }
    fn close(&mut self, _object: bool, mark: usize, count: usize) -> u32 {
        let end = off(self.slots.len());
        if let Some(s) = self.slots.get_mut(mark) {
            s.a = end;
            s.b = off(count);
        }
        off(mark)
    }
    fn verbatim(&mut self, mark: usize, depth: usize, start: usize, end: usize) {
        if depth <= VERBATIM_DEPTH && end.saturating_sub(start) >= MIN_VERBATIM_BYTES {
            self.verbatim.push((off(mark), off(start), off(end)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_strict;

    /// The document reads what the tree reads and fails as it fails.
    fn same(input: &[u8], limits: &Limits) {
        let tree = parse_strict(input, limits);
        let doc = Doc::parse(input, limits);
        match (&tree, &doc) {
            (Ok(v), Ok(d)) => {
                assert_eq!(
                    d.root().to_value(),
                    *v,
                    "{:?}",
                    String::from_utf8_lossy(input)
                );
                assert_eq!(d.value_count(), count(v));
            }
            (Err(a), Err(b)) => assert_eq!(a, b, "{:?}", String::from_utf8_lossy(input)),
            _ => panic!("{:?}: {tree:?} vs {doc:?}", String::from_utf8_lossy(input)),
        }
    }

    fn count(v: &Value) -> usize {
        1 + match v {
            Value::Array(a) => a.iter().map(count).sum(),
            Value::Object(o) => o.iter().map(|(_, v)| count(v)).sum(),
            _ => 0,
        }
    }

    #[test]
    fn reads_and_refuses_as_the_tree_does() {
        let wide: String = format!(
            "{{{}}}",
            (0..40)
                .map(|i| format!("\"k{i}\":{i}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let wide_dup = wide.replace("\"k39\"", "\"k3\"");
        let cases: Vec<&[u8]> = vec![
            b"null",
            b" true ",
            b"false",
            b"0",
            b"-0",
            b"1E2",
            b"36.50",
            b"\"\"",
            b"\"plain\"",
            b"\"esc\\n\\u00e9\\ud83d\\ude00\\\"\"",
            b"[]",
            b"{}",
            b"[[],{},[[]],{\"a\":{}}]",
            br#"{"resourceType":"Bundle","entry":[{"fullUrl":"urn:uuid:x","resource":{"resourceType":"Patient","name":[{"given":["Ana","Bia"]}]}},{"fullUrl":"u2"}],"z":null}"#,
            br#"{"a\u0062":1,"ab2":{"a\nb":[true,false,null]},"a":"\u00e9t\u00e9"}"#,
            br#"{"system":"s","code":"c","nested":{"system":"t","code":"d"},"code2":"c"}"#,
            wide.as_bytes(),
            wide_dup.as_bytes(),
            br#"{"a":1,"a":2}"#,
            br#"{"a":{"b":[{"c":1,"c":1}]}}"#,
            br#"{"a\u0041":1,"aA":2}"#,
            b"[1,2,]",
            b"{\"a\":1,}",
            b"\"\\ud800\"",
            b"\"\\udc00x\"",
            b"\xef\xbb\xbf{}",
            b"{\"a\":\"\xff\"}",
            b"[\"\xc3\x28\"]",
            b"{} {}",
            b"[1 2]",
            b"01",
            b"1.",
            b"\"tab\tinside\"",
            b"",
            b"   ",
            b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        ];
        for c in &cases {
            same(c, &Limits::default());
            same(
                c,
                &Limits {
                    max_bytes: 20,
                    max_depth: 3,
                },
            );
        }
    }

    #[test]
    fn names_are_one_entry_each_and_siblings_one_jump_apart() {
        let text =
            br#"[{"system":"a","code":"1"},{"system":"b","code":"2"},{"code":"3","system":"c"}]"#;
        let doc = Doc::parse(text, &Limits::default()).unwrap();
        assert_eq!(doc.names.len(), 2, "repeated names are interned");
        assert_eq!(std::mem::size_of::<Slot>(), 12);
        let root = doc.root();
        assert_eq!(root.kind(), Kind::Array);
        assert_eq!(root.len(), 3);
        let systems: Vec<&str> = root
            .items()
            .unwrap()
            .filter_map(|o| o.get("system").and_then(|s| s.as_str()))
            .collect();
        assert_eq!(systems, ["a", "b", "c"]);
        let last = root.items().unwrap().last().unwrap();
        let names: Vec<&str> = last.members().unwrap().map(|(k, _)| k).collect();
        assert_eq!(names, ["code", "system"]);
        assert!(last.get("display").is_none());
        assert!(root.get("system").is_none(), "an array has no members");
        assert!(last.items().is_none(), "an object has no elements");
        // Well under the tree's cost.
        assert!(doc.heap_bytes() <= 12 * doc.value_count() + 64);
    }

    /// Every node, depth first.
    fn all<'d>(n: Node<'d>, out: &mut Vec<Node<'d>>) {
        out.push(n);
        for c in n.items().into_iter().flatten() {
            all(c, out);
        }
        for (_, c) in n.members().into_iter().flatten() {
            all(c, out);
        }
    }

    #[test]
    fn verbatim_copies_are_the_compact_text() {
        let pad = "p".repeat(MIN_VERBATIM_BYTES);
        // (value, whether the compact writer writes it back as it is)
        let values: [(&str, bool); 12] = [
            (r#""plain""#, true),
            (r#""q\"b\\n\nr\rt\tb\bf\f""#, true),
            (r#""é€😀 raw UTF-8""#, true),
            (r#"[36.50,1E2,-0,0.1e-7,true,false,null]"#, true),
            (r#"{"a":{},"b":[],"c":[{}]}"#, true),
            (r#""slash\/""#, false),
            (r#""\u00e9""#, false),
            (r#""\u0001""#, false),
            (r#""\ud83d\ude00""#, false),
            (r#"{"k\u0041":1}"#, false),
            (r#"[1, 2]"#, false),
            (r#"{"a" :1}"#, false),
        ];
        for (value, clean) in values {
            let entry = |v: &str| {
                format!(
                    r#"{{"fullUrl":"urn:uuid:x","resource":{{"resourceType":"Basic","v":{v},"pad":"{pad}"}}}}"#
                )
            };
            let text = format!(
                r#"{{"resourceType":"Bundle","type":"collection","entry":[{},{}]}}"#,
                entry(r#""clean""#),
                entry(value)
            );
            let doc = Doc::parse(text.as_bytes(), &Limits::default()).unwrap();
            let mut nodes = Vec::new();
            all(doc.root(), &mut nodes);
            for n in nodes {
                let mut copied = Vec::new();
                n.write_json(&mut copied);
                let mut written = Vec::new();
                write_view(n, &mut written);
                assert_eq!(
                    String::from_utf8_lossy(&copied),
                    String::from_utf8_lossy(&written),
                    "{value}"
                );
                assert_eq!(copied, n.to_value().to_json().into_bytes(), "{value}");
            }
            // The first entry (and its resource) is always copied; the second and the
            // containers around it only when the value is written back as it is.
            let recorded: Vec<u32> = doc.verbatim.iter().map(|&(slot, _, _)| slot).collect();
            let entries: Vec<Node<'_>> =
                doc.root().get("entry").unwrap().items().unwrap().collect();
            assert!(recorded.contains(&entries[0].i), "{value}");
            assert_eq!(recorded.contains(&entries[1].i), clean, "{value}");
            assert_eq!(recorded.contains(&doc.root().i), clean, "{value}");
            // Depth 4 (the resources) is never recorded.
            let resource = entries[0].get("resource").unwrap();
            assert!(!recorded.contains(&resource.i));
            if clean {
                assert_eq!(doc.root().to_json(), text);
            }
        }
        // Pretty-printed input is written compact, never copied.
        let pretty = format!("{{\n  \"entry\": [\n    {{\"a\": \"{pad}\"}}\n  ]\n}}");
        let doc = Doc::parse(pretty.as_bytes(), &Limits::default()).unwrap();
        assert!(doc.verbatim.is_empty());
        assert_eq!(
            doc.root().to_json(),
            format!(r#"{{"entry":[{{"a":"{pad}"}}]}}"#)
        );
        // Small containers are written out.
        let doc = Doc::parse(br#"{"entry":[{"a":1}]}"#, &Limits::default()).unwrap();
        assert!(doc.verbatim.is_empty());
    }
}
