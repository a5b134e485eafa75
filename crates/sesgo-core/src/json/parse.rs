//! Recursive-descent RFC 8259 parser: strict, bounded, verbatim numbers. One grammar,
//! two outputs ([`Sink`]): the owned [`Value`] tree and the compact document tape
//! ([`super::doc::Doc`]), so both accept and refuse exactly the same inputs, with the same
//! errors (docs/adr/0071).

use super::value::{name_str, new_name, number_token_len, Name, Number, Object, Str, Value};
use super::JsonError;
use std::borrow::Cow;
use std::sync::Arc;

pub(super) enum Seg {
    Key(String),
    Index(usize),
}

pub(super) enum Fail {
    Syntax(usize, &'static str),
    Duplicate(Vec<Seg>),
    TooDeep(Vec<Seg>),
}

impl Fail {
    fn push(mut self, seg: Seg) -> Fail {
        match &mut self {
            Fail::Duplicate(p) | Fail::TooDeep(p) => p.push(seg),
            Fail::Syntax(..) => {}
        }
        self
    }
}

fn render(segs: &[Seg]) -> String {
    // Pushed while unwinding: innermost first.
    let mut out = String::new();
    for seg in segs.iter().rev() {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// Where the parser's values go: the grammar, the limits and the duplicate check are the
/// parser's; a sink only stores what it is handed.
pub(super) trait Sink<'a> {
    /// A parsed value as the enclosing container receives it.
    type Item;
    fn null(&mut self) -> Self::Item;
    fn boolean(&mut self, b: bool) -> Self::Item;
    /// A number token (`at`: its offset in the input).
    fn number(&mut self, at: usize, token: &'a str) -> Self::Item;
    /// A string value (`at`: the offset of its first byte after the quote; `s` borrowed
    /// from the input when it had no escape).
    fn string(&mut self, at: usize, s: Cow<'a, str>) -> Self::Item;
    /// An array or object starts; the mark comes back when it closes.
    fn open(&mut self, object: bool) -> usize;
    /// The next element of the innermost open array.
    fn item(&mut self, v: Self::Item);
    /// The next member of the innermost open object (`at`: the offset of its name;
    /// `escaped`: the name had escapes, so it is not the input's bytes at `at`).
    fn member(&mut self, at: usize, name: &str, escaped: bool, v: Self::Item);
    /// The innermost open container closes with `count` elements or members.
    fn close(&mut self, object: bool, mark: usize, count: usize) -> Self::Item;
    /// The container just closed (opened as `mark`, at nesting `depth`, where the root's
    /// depth is one) is `start..end` of the input, and those bytes are exactly what the
    /// compact writer writes for it: no whitespace between its tokens and no escape the
    /// writer would write differently (`\/`, `\u`). Called after [`Sink::close`], only
    /// for such containers.
    fn verbatim(&mut self, _mark: usize, _depth: usize, _start: usize, _end: usize) {}
}

/// The [`Value`] tree: containers allocated once, at their exact size, when they close;
/// repeated member names shared.
pub(super) struct Tree {
    /// Member names seen, direct-mapped by a hash of their bytes: a repeated name is a
    /// shared [`Name`], not a new allocation. A collision only costs an allocation (the
    /// slot is overwritten), so hostile names cannot make lookups slower than one compare.
    names: Vec<Option<Name>>,
    /// Scratch stacks for the elements and members of the arrays and objects being read
    /// (innermost on top).
    items: Vec<Value>,
    members: Vec<(Name, Value)>,
}

impl Tree {
    pub(super) fn new(input_len: usize) -> Tree {
        Tree {
            // Small inputs have few distinct names: the cache grows with the input (one
            // slot per 32 bytes, at least 32, at most NAME_SLOTS), so a 1 KB parse does
            // not allocate and clear 8 KB of slots.
            names: vec![None; name_slots(input_len)],
            items: Vec::new(),
            members: Vec::new(),
        }
    }

    /// A member name, shared with earlier occurrences of the same name.
    fn name(&mut self, s: &str) -> Name {
        if s.len() > MAX_CACHED_NAME {
            return new_name(s);
        }
        let slot = name_slot(s.as_bytes(), self.names.len());
        if let Some(Some(known)) = self.names.get(slot) {
            if name_str(known) == s {
                return Arc::clone(known);
            }
        }
        let name = new_name(s);
        if let Some(cell) = self.names.get_mut(slot) {
            *cell = Some(Arc::clone(&name));
        }
        name
    }
}

impl<'a> Sink<'a> for Tree {
    type Item = Value;
    fn null(&mut self) -> Value {
        Value::Null
    }
    fn boolean(&mut self, b: bool) -> Value {
        Value::Bool(b)
    }
    fn number(&mut self, _at: usize, token: &'a str) -> Value {
        Value::Number(Number::from_valid_token(token))
    }
    fn string(&mut self, _at: usize, s: Cow<'a, str>) -> Value {
        // A short string inline, a longer one copied once, at its exact size.
        Value::String(match s {
            Cow::Borrowed(s) => Str::from(s),
            Cow::Owned(s) => Str::from(s),
        })
    }
    fn open(&mut self, object: bool) -> usize {
        if object {
            self.members.len()
        } else {
            self.items.len()
        }
    }
    fn item(&mut self, v: Value) {
        self.items.push(v);
    }
    fn member(&mut self, _at: usize, name: &str, _escaped: bool, v: Value) {
        let name = self.name(name);
        self.members.push((name, v));
    }
    fn close(&mut self, object: bool, mark: usize, _count: usize) -> Value {
        // Exact size: `Drain` is `TrustedLen`.
        if object {
            let members = self.members.drain(mark..).collect();
            Value::Object(Object::from_members_unchecked(members))
        } else {
            Value::Array(self.items.drain(mark..).collect())
        }
    }
}

pub(super) fn parse(input: &[u8], max_depth: usize) -> Result<Value, JsonError> {
    run(input, max_depth, &mut Tree::new(input.len()))
}

/// Parses `input` into `sink`: the root item, or the error located as the parser
/// reports it.
pub(super) fn run<'a, S: Sink<'a>>(
    input: &'a [u8],
    max_depth: usize,
    sink: &mut S,
) -> Result<S::Item, JsonError> {
    let mut p = Parser {
        b: input,
        i: 0,
        max_depth,
        sink,
        keys: Vec::new(),
        rewritten: 0,
    };
    let result = p.ws().and_then(|()| p.value(0)).and_then(|v| {
        p.ws()?;
        if p.i == p.b.len() {
            Ok(v)
        } else {
            Err(Fail::Syntax(p.i, "conteúdo após o fim do valor JSON"))
        }
    });
    result.map_err(|f| match f {
        Fail::Duplicate(segs) => JsonError::DuplicateMember {
            path: render(&segs),
        },
        Fail::TooDeep(segs) => JsonError::TooDeep {
            path: render(&segs),
            max: max_depth,
        },
        Fail::Syntax(at, message) => {
            let at = at.min(input.len());
            let before = input.get(..at).unwrap_or(input);
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let column = at
                - before
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |p| p + 1)
                + 1;
            JsonError::Syntax {
                line,
                column,
                message: message.to_owned(),
            }
        }
    })
}

/// Slots of a member-name cache for an input of `len` bytes (a power of two).
pub(super) fn name_slots(len: usize) -> usize {
    (len / 32).clamp(32, NAME_SLOTS).next_power_of_two()
}

struct Parser<'a, 's, S> {
    b: &'a [u8],
    i: usize,
    max_depth: usize,
    sink: &'s mut S,
    /// The member names of the objects being read (innermost on top), for the duplicate
    /// check; borrowed from the input unless escaped.
    keys: Vec<Cow<'a, str>>,
    /// Places so far where the compact writer would not write the input's bytes back:
    /// whitespace between tokens, and the escapes `\/` and `\u`. A container whose
    /// count did not move from its `[` or `{` to its `]` or `}` is written verbatim.
    rewritten: usize,
}

/// Most slots of the member-name cache (a power of two).
const NAME_SLOTS: usize = 512;

/// Longer member names are not cached.
pub(super) const MAX_CACHED_NAME: usize = 64;

/// FNV-1a over the name's bytes, folded to a slot (not a security boundary: see
/// [`Tree::names`]).
pub(super) fn name_slot(name: &[u8], slots: usize) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    for &b in name {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    // `slots` is a power of two.
    (h ^ (h >> 16)) as usize & (slots - 1)
}

/// Objects up to this size are checked for duplicates as members arrive; larger ones
/// are checked once, by sorting borrowed names.
const LINEAR_DUP_CHECK: usize = 12;

impl<'a, S: Sink<'a>> Parser<'a, '_, S> {
    /// The input from the cursor on (empty past the end).
    fn rest(&self) -> &'a [u8] {
        self.b.get(self.i..).unwrap_or_default()
    }

    /// The input from `start` to the cursor (empty if out of order).
    fn since(&self, start: usize) -> &'a [u8] {
        self.b.get(start..self.i).unwrap_or_default()
    }

    fn ws(&mut self) -> Result<(), Fail> {
        let start = self.i;
        while let Some(&c) = self.b.get(self.i) {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                self.i += 1;
            } else {
                break;
            }
        }
        if self.i != start {
            self.rewritten += 1;
        }
        Ok(())
    }

    /// The container opened at `start` (as `mark`) closed at the cursor: tells the sink
    /// when its bytes are what the compact writer writes.
    fn closed(&mut self, mark: usize, depth: usize, start: usize, rewritten: usize) {
        if self.rewritten == rewritten {
            self.sink.verbatim(mark, depth, start, self.i);
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<(), Fail> {
        if self.rest().starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(Fail::Syntax(self.i, "literal inválido"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<S::Item, Fail> {
        match self.peek() {
            None => Err(Fail::Syntax(self.i, "fim inesperado da entrada")),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => {
                let at = self.i + 1;
                let s = self.str_token()?;
                Ok(self.sink.string(at, s))
            }
            Some(b't') => self.literal(b"true").map(|()| self.sink.boolean(true)),
            Some(b'f') => self.literal(b"false").map(|()| self.sink.boolean(false)),
            Some(b'n') => self.literal(b"null").map(|()| self.sink.null()),
            Some(b'-' | b'0'..=b'9') => match number_token_len(self.rest()) {
                Some(n) => {
                    let at = self.i;
                    let tok = self.rest().get(..n).unwrap_or_default();
                    self.i += n;
                    // ASCII by construction of the grammar.
                    let tok = std::str::from_utf8(tok)
                        .map_err(|_| Fail::Syntax(self.i, "número inválido"))?;
                    Ok(self.sink.number(at, tok))
                }
                None => Err(Fail::Syntax(self.i, "número inválido")),
            },
            Some(_) => Err(Fail::Syntax(self.i, "caractere inesperado")),
        }
    }

    fn check_depth(&self, depth: usize) -> Result<(), Fail> {
        if depth > self.max_depth {
            Err(Fail::TooDeep(Vec::new()))
        } else {
            Ok(())
        }
    }

    fn array(&mut self, depth: usize) -> Result<S::Item, Fail> {
        self.check_depth(depth)?;
        let (start, rewritten) = (self.i, self.rewritten);
        self.i += 1; // '['
        self.ws()?;
        let mark = self.sink.open(false);
        if self.peek() == Some(b']') {
            self.i += 1;
            let v = self.sink.close(false, mark, 0);
            self.closed(mark, depth, start, rewritten);
            return Ok(v);
        }
        let mut count = 0;
        loop {
            let v = self.value(depth).map_err(|f| f.push(Seg::Index(count)))?;
            self.sink.item(v);
            count += 1;
            self.ws()?;
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.ws()?;
                }
                Some(b']') => {
                    self.i += 1;
                    let v = self.sink.close(false, mark, count);
                    self.closed(mark, depth, start, rewritten);
                    return Ok(v);
                }
                _ => return Err(Fail::Syntax(self.i, "esperado ',' ou ']'")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<S::Item, Fail> {
        self.check_depth(depth)?;
        let (start, rewritten) = (self.i, self.rewritten);
        self.i += 1; // '{'
        self.ws()?;
        let mark = self.sink.open(true);
        if self.peek() == Some(b'}') {
            self.i += 1;
            let v = self.sink.close(true, mark, 0);
            self.closed(mark, depth, start, rewritten);
            return Ok(v);
        }
        let base = self.keys.len();
        loop {
            if self.peek() != Some(b'"') {
                return Err(Fail::Syntax(self.i, "esperado nome de membro"));
            }
            let at = self.i + 1;
            let key = self.str_token()?;
            self.ws()?;
            if self.peek() != Some(b':') {
                return Err(Fail::Syntax(self.i, "esperado ':'"));
            }
            self.i += 1;
            self.ws()?;
            let seen = self.keys.get(base..).unwrap_or_default();
            if seen.len() < LINEAR_DUP_CHECK && seen.contains(&key) {
                return Err(Fail::Duplicate(vec![Seg::Key(key.into_owned())]));
            }
            let v = match self.value(depth) {
                Ok(v) => v,
                Err(f) => return Err(f.push(Seg::Key(key.into_owned()))),
            };
            self.sink.member(at, &key, matches!(key, Cow::Owned(_)), v);
            self.keys.push(key);
            self.ws()?;
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.ws()?;
                }
                Some(b'}') => {
                    self.i += 1;
                    break;
                }
                _ => return Err(Fail::Syntax(self.i, "esperado ',' ou '}'")),
            }
        }
        let keys = self.keys.get(base..).unwrap_or_default();
        let count = keys.len();
        if count > LINEAR_DUP_CHECK {
            let mut names: Vec<&str> = keys.iter().map(|k| k.as_ref()).collect();
            names.sort_unstable();
            let twin = names.windows(2).find_map(|w| match w {
                [a, b] if a == b => Some(*a),
                _ => None,
            });
            if let Some(name) = twin {
                return Err(Fail::Duplicate(vec![Seg::Key(name.to_owned())]));
            }
        }
        self.keys.truncate(base);
        let v = self.sink.close(true, mark, count);
        self.closed(mark, depth, start, rewritten);
        Ok(v)
    }

    /// A string token: borrowed from the input when it has no escapes.
    fn str_token(&mut self) -> Result<Cow<'a, str>, Fail> {
        self.i += 1; // opening quote
        let start = self.i;
        // Fast path: no escapes. Vectorized up to the first quote, backslash or control
        // character, then byte by byte.
        self.i += first_special(self.b.get(self.i..).unwrap_or_default());
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b'"' => {
                    let s = std::str::from_utf8(self.since(start))
                        .map_err(|e| Fail::Syntax(start + e.valid_up_to(), "UTF-8 inválido"))?;
                    self.i += 1;
                    return Ok(Cow::Borrowed(s));
                }
                b'\\' => break,
                0x00..=0x1f => return Err(Fail::Syntax(self.i, "caractere de controle em string")),
                _ => self.i += 1,
            }
        }
        let mut out = Vec::with_capacity(self.i - start + 16);
        out.extend_from_slice(self.since(start));
        loop {
            let Some(&c) = self.b.get(self.i) else {
                return Err(Fail::Syntax(self.i, "string não terminada"));
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return String::from_utf8(out).map(Cow::Owned).map_err(|e| {
                        Fail::Syntax(start + e.utf8_error().valid_up_to(), "UTF-8 inválido")
                    });
                }
                b'\\' => {
                    let esc = self.b.get(self.i + 1).copied();
                    self.i += 2;
                    match esc {
                        Some(b'"') => out.push(b'"'),
                        Some(b'\\') => out.push(b'\\'),
                        Some(b'/') => {
                            self.rewritten += 1;
                            out.push(b'/');
                        }
                        Some(b'b') => out.push(0x08),
                        Some(b'f') => out.push(0x0c),
                        Some(b'n') => out.push(b'\n'),
                        Some(b'r') => out.push(b'\r'),
                        Some(b't') => out.push(b'\t'),
                        Some(b'u') => {
                            self.rewritten += 1;
                            let ch = self.unicode_escape()?;
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => return Err(Fail::Syntax(self.i - 1, "escape inválido")),
                    }
                }
                0x00..=0x1f => return Err(Fail::Syntax(self.i, "caractere de controle em string")),
                _ => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u16, Fail> {
        let digits = self
            .b
            .get(self.i..self.i + 4)
            .ok_or(Fail::Syntax(self.i, "escape \\u incompleto"))?;
        let mut v: u16 = 0;
        for &d in digits {
            let n = (d as char)
                .to_digit(16)
                .ok_or(Fail::Syntax(self.i, "escape \\u inválido"))?;
            v = (v << 4) | n as u16;
        }
        self.i += 4;
        Ok(v)
    }

    /// After `\u`: one scalar value, combining a surrogate pair; lone surrogates refused.
    fn unicode_escape(&mut self) -> Result<char, Fail> {
        let at = self.i;
        let hi = self.hex4()?;
        let code = match hi {
            0xD800..=0xDBFF => {
                if self.b.get(self.i..self.i + 2) != Some(b"\\u") {
                    return Err(Fail::Syntax(at, "surrogate alto isolado"));
                }
                self.i += 2;
                let lo = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&lo) {
                    return Err(Fail::Syntax(at, "surrogate alto isolado"));
                }
                0x10000 + (((hi as u32) - 0xD800) << 10) + ((lo as u32) - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(Fail::Syntax(at, "surrogate baixo isolado")),
            _ => hi as u32,
        };
        char::from_u32(code).ok_or(Fail::Syntax(at, "escape \\u inválido"))
    }
}

/// The length of the longest prefix of `b` without `"`, `\` or a control character
/// (< 0x20); `b.len()` if there is none. Object keys and most values are short: their
/// first 64 bytes are scanned eight at a time (SWAR). Past that, the string is long
/// (Base64 of `Signature.data` or `x5c`, tens of kilobytes): the quote or backslash is
/// found with `memchr` (vector instructions), then the run before it is checked for
/// control characters 32 bytes at a time, about four times faster than one scan for all
/// three.
pub(super) fn first_special(b: &[u8]) -> usize {
    const HEAD: usize = 64;
    let head = b.len().min(HEAD);
    let found = swar_special(b.get(..head).unwrap_or_default());
    if found < head {
        return found;
    }
    let rest = b.get(head..).unwrap_or_default();
    let end = memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
    head + first_control(rest.get(..end).unwrap_or_default()).unwrap_or(end)
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte of `v` below 0x20 (ASCII only: `!v` keeps bytes ≥ 0x80 out);
/// exact for the lowest such byte (a borrow can only mark bytes above it).
fn below_space(v: u64) -> u64 {
    v.wrapping_sub(LO * 0x20) & !v & HI
}

/// [`first_special`] eight bytes at a time.
fn swar_special(b: &[u8]) -> usize {
    // High bit set in each byte of `x` that is zero; exact for the lowest such byte.
    let zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let v = u64::from_le_bytes(word);
        let hits =
            zero(v ^ (LO * u64::from(b'"'))) | zero(v ^ (LO * u64::from(b'\\'))) | below_space(v);
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + b
        .get(i..)
        .unwrap_or_default()
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .unwrap_or(b.len() - i)
}

/// The position of the first byte < 0x20 in `b`, 32 bytes at a time.
fn first_control(b: &[u8]) -> Option<usize> {
    let mut chunks = b.chunks_exact(32);
    let mut at = 0;
    for chunk in &mut chunks {
        let any = chunk
            .chunks_exact(8)
            .filter_map(|w| <[u8; 8]>::try_from(w).ok())
            .fold(0, |m, w| m | below_space(u64::from_le_bytes(w)));
        if any != 0 {
            return chunk.iter().position(|&c| c < 0x20).map(|p| at + p);
        }
        at += 32;
    }
    chunks
        .remainder()
        .iter()
        .position(|&c| c < 0x20)
        .map(|p| at + p)
}

#[cfg(test)]
mod swar_tests {
    use super::first_special;

    fn naive(b: &[u8]) -> usize {
        b.iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
            .unwrap_or(b.len())
    }

    #[test]
    fn matches_the_byte_loop_everywhere() {
        let fill: &[u8] = b"aZ ~\x7f\x80\xff\xc3\xa9!#[]";
        for special in [b'"', b'\\', 0x00, 0x1f, 0x0a] {
            for len in 0..40 {
                for at in 0..=len {
                    let mut v: Vec<u8> = (0..len).map(|k| fill[k % fill.len()]).collect();
                    if at < len {
                        v[at] = special;
                    }
                    assert_eq!(first_special(&v), naive(&v), "{v:?}");
                }
            }
        }
        // Every byte value in every position of a chunk and of the remainder.
        for byte in 0..=255u8 {
            for lane in 0..40 {
                let mut v = vec![b'a'; 72];
                v[lane] = byte;
                v[lane + 32] = byte;
                assert_eq!(first_special(&v), naive(&v), "{byte:#x} at {lane}");
                assert_eq!(
                    first_special(&v[lane..]),
                    naive(&v[lane..]),
                    "{byte:#x} from {lane}"
                );
            }
        }
    }

    #[test]
    fn matches_the_byte_loop_past_the_head() {
        // Past the 64-byte SWAR head: every byte value at every position of the 32-byte
        // control-character chunks and of their remainder, alone and before a quote.
        for byte in 0..=255u8 {
            for len in [63usize, 64, 65, 95, 96, 97, 130, 200] {
                for at in 0..len {
                    let mut v = vec![b'a'; len];
                    v[at] = byte;
                    assert_eq!(first_special(&v), naive(&v), "{byte:#x} at {at} of {len}");
                    v[len - 1] = b'"';
                    assert_eq!(
                        first_special(&v),
                        naive(&v),
                        "{byte:#x} at {at} of {len}, quote"
                    );
                }
            }
        }
    }
}
