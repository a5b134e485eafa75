//! RFC 8785 (JCS) and `fhir-json-lossless/0.2.0` canonicalization over any
//! [`View`] of JSON: the [`Value`] tree or a compact [`Doc`](sesgo_core::json::Doc)
//! (criar Etapas 3–6; IG-DIGEST §16bis, §17.3; docs/adr/0071).
//!
//! Hot path: members are sorted through borrowed `(&str, view)` pairs held in
//! per-depth scratch vectors reused across objects (no key clones, no per-object
//! allocation once warmed up), objects already in order are written straight through, and
//! the unsigned elements are skipped while writing instead of removed from a copy.

use sesgo_cert::crypto::Sha256Stream;
use sesgo_core::json::{write_escaped_str, Kind, View};
use sesgo_core::policy::{Canonicalization, Policy};
use sesgo_core::{Code, Error, Result};
use std::cmp::Ordering;

/// Deepest nesting canonicalized (values built in code are not depth-checked by the
/// parser; this bounds recursion).
const MAX_DEPTH: usize = 256;

/// Canonical bytes of `value` under `policy`, after removing the policy's unsigned
/// elements from the root object (criar Etapas 3–6).
///
/// ```
/// use sesgo_core::json::{parse_strict, Limits};
/// use sesgo_jades::{canonicalize, Policy};
///
/// let v = parse_strict(br#"{"resourceType":"Observation","id":"x","valueQuantity":{"value":36.50},"meta":{"versionId":"1"}}"#, &Limits::default()).unwrap();
/// let jcs = canonicalize(Policy::Ig012, &v).unwrap();
/// assert_eq!(jcs, br#"{"resourceType":"Observation","valueQuantity":{"value":36.5}}"#);
/// let lossless = canonicalize(Policy::Politica020, &v).unwrap();
/// assert_eq!(lossless, br#"{"resourceType":"Observation","valueQuantity":{"value":36.50}}"#);
///
/// // The same bytes from the compact document.
/// let doc = sesgo_core::json::Doc::parse(br#"{"resourceType":"Observation","id":"x","valueQuantity":{"value":36.50}}"#,
///                                        &Limits::default()).unwrap();
/// assert_eq!(canonicalize(Policy::Politica020, doc.root()).unwrap(), lossless);
/// ```
pub fn canonicalize<'a, V: View<'a>>(policy: Policy, value: V) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    Canonicalizer::new(policy.profile().canonicalization)
        .write_resource(policy, value, &mut out)?;
    Ok(out)
}

/// Plain canonicalization of any JSON value (no element stripped), appended to `out`.
///
/// ```
/// use sesgo_core::json::{parse_strict, Limits};
/// use sesgo_jades::{canonicalize_value_into, Canonicalization};
///
/// let v = parse_strict(br#"{"b":1E2,"a":-0}"#, &Limits::default()).unwrap();
/// let mut out = Vec::new();
/// canonicalize_value_into(Canonicalization::Jcs, &v, &mut out).unwrap();
/// assert_eq!(out, br#"{"a":0,"b":100}"#);
/// ```
pub fn canonicalize_value_into<'a, V: View<'a>>(
    scheme: Canonicalization,
    value: V,
    out: &mut Vec<u8>,
) -> Result<()> {
    Canonicalizer::new(scheme).write(value, out)
}

/// Reusable canonicalization state (scratch vectors for member sorting).
pub(crate) struct Canonicalizer<'a, V> {
    scheme: Canonicalization,
    scratch: Vec<Vec<(&'a str, V)>>,
    num: ryu_js::Buffer,
    /// Where the output goes once it passes [`SPILL_AT`] bytes, when the caller needs
    /// only its hash (not its length first): the buffer then stays that small.
    sink: Option<Sha256Stream>,
}

/// Output bytes buffered before they are handed to the [`Canonicalizer`]'s sink.
const SPILL_AT: usize = 64 << 10;

/// A failure while writing, with the path built on the way back up.
struct Fail {
    path: Vec<Seg>,
    why: String,
}

enum Seg {
    Key(String),
    Index(usize),
}

impl Fail {
    fn into_error(mut self) -> Error {
        self.path.reverse();
        let mut loc = String::new();
        for s in &self.path {
            match s {
                Seg::Key(k) => {
                    if !loc.is_empty() {
                        loc.push('.');
                    }
                    loc.push_str(k);
                }
                Seg::Index(i) => loc.push_str(&format!("[{i}]")),
            }
        }
        let e = Error::new(Code::FormatCanonicalizationFailed, self.why);
        if loc.is_empty() {
            e
        } else {
            e.at(loc)
        }
    }
}

impl<'a, V: View<'a>> Canonicalizer<'a, V> {
    pub(crate) fn new(scheme: Canonicalization) -> Self {
        Canonicalizer {
            scheme,
            scratch: Vec::new(),
            num: ryu_js::Buffer::new(),
            sink: None,
        }
    }

    /// Streams what is written from now on into `hasher` (all but the last
    /// [`SPILL_AT`] bytes or so, which stay in the output for the caller to hash).
    pub(crate) fn spill_into(&mut self, hasher: Sha256Stream) {
        self.sink = Some(hasher);
    }

    /// SHA-256 of everything written into `out` since [`Self::spill_into`]: what the sink
    /// took plus what `out` still holds (all of it, had no sink been given).
    pub(crate) fn finish_digest(&mut self, out: &mut Vec<u8>) -> [u8; 32] {
        let mut hasher = self.sink.take().unwrap_or_default();
        hasher.update(out.as_slice());
        out.clear();
        hasher.finish()
    }

    /// Hands everything in `out` to the sink, if there is one.
    pub(crate) fn flush(&mut self, out: &mut Vec<u8>) {
        if let Some(h) = self.sink.as_mut() {
            h.update(out.as_slice());
            out.clear();
        }
    }

    fn spill(&mut self, out: &mut Vec<u8>) {
        if out.len() >= SPILL_AT {
            self.flush(out);
        }
    }

    /// Writes `value` canonicalized, without stripping.
    pub(crate) fn write(&mut self, value: V, out: &mut Vec<u8>) -> Result<()> {
        self.value(value, 0, out).map_err(Fail::into_error)
    }

    /// Writes a resource with the policy's unsigned elements skipped (criar Etapas 3–4:
    /// root `id`, `meta.versionId`, `meta.lastUpdated`, `meta.source`, `meta.tag`, and
    /// under 0.2.0 their `_` siblings; `meta` dropped when it ends up empty).
    pub(crate) fn write_resource(
        &mut self,
        policy: Policy,
        value: V,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let Some(root) = value.members() else {
            return self.write(value, out);
        };
        let root_skip = policy.profile().stripped_root;
        let meta_skip = policy.profile().stripped_meta;
        let mut members = self.take_scratch(0);
        for (k, v) in root {
            if root_skip.contains(&k) {
                continue;
            }
            if k == "meta" {
                if let Some(mut meta) = v.members() {
                    if meta.all(|(mk, _)| meta_skip.contains(&mk)) {
                        continue;
                    }
                }
            }
            members.push((k, v));
        }
        members.sort_unstable_by(|a, b| utf16_cmp(a.0, b.0));
        let r = (|| {
            out.push(b'{');
            for (i, &(k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_escaped_str(out, k);
                out.push(b':');
                let res = match (k, v.kind()) {
                    ("meta", Kind::Object) => self.object_filtered(v, meta_skip, 1, out),
                    _ => self.value(v, 1, out),
                };
                res.map_err(|mut f| {
                    f.path.push(Seg::Key(k.to_owned()));
                    f
                })?;
            }
            out.push(b'}');
            Ok(())
        })();
        self.give_scratch(0, members);
        r.map_err(Fail::into_error)
    }

    fn take_scratch(&mut self, depth: usize) -> Vec<(&'a str, V)> {
        match self.scratch.get_mut(depth) {
            Some(v) => std::mem::take(v),
            None => Vec::new(),
        }
    }

    fn give_scratch(&mut self, depth: usize, mut v: Vec<(&'a str, V)>) {
        v.clear();
        while self.scratch.len() <= depth {
            self.scratch.push(Vec::new());
        }
        if let Some(slot) = self.scratch.get_mut(depth) {
            *slot = v;
        }
    }

    fn value(&mut self, v: V, depth: usize, out: &mut Vec<u8>) -> Result<(), Fail> {
        if depth > MAX_DEPTH {
            return Err(Fail {
                path: Vec::new(),
                why: format!("aninhamento acima de {MAX_DEPTH} níveis"),
            });
        }
        match v.kind() {
            Kind::Null => out.extend_from_slice(b"null"),
            Kind::Bool if v.as_bool() == Some(true) => out.extend_from_slice(b"true"),
            Kind::Bool => out.extend_from_slice(b"false"),
            Kind::String => write_escaped_str(out, v.as_str().unwrap_or_default()),
            Kind::Number => self.number(v.number_token().unwrap_or_default(), out)?,
            Kind::Array => {
                out.push(b'[');
                for (i, e) in v.items().into_iter().flatten().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    self.value(e, depth + 1, out).map_err(|mut f| {
                        f.path.push(Seg::Index(i));
                        f
                    })?;
                    self.spill(out);
                }
                out.push(b']');
            }
            Kind::Object => self.object_filtered(v, &[], depth + 1, out)?,
        }
        Ok(())
    }

    fn object_filtered(
        &mut self,
        obj: V,
        skip: &[&str],
        depth: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), Fail> {
        // Fast path: members already in canonical order are written as they come.
        let mut prev: Option<&str> = None;
        let mut sorted = true;
        for (k, _) in obj.members().into_iter().flatten() {
            if skip.contains(&k) {
                continue;
            }
            if let Some(p) = prev {
                if utf16_cmp(p, k) != Ordering::Less {
                    sorted = false;
                    break;
                }
            }
            prev = Some(k);
        }
        let members = || obj.members().into_iter().flatten();
        if sorted {
            return self.write_members(members().filter(|(k, _)| !skip.contains(k)), depth, out);
        }
        let mut list = self.take_scratch(depth);
        list.extend(members().filter(|(k, _)| !skip.contains(k)));
        list.sort_unstable_by(|a, b| utf16_cmp(a.0, b.0));
        let r = self.write_members(list.iter().copied(), depth, out);
        self.give_scratch(depth, list);
        r
    }

    fn write_members(
        &mut self,
        members: impl Iterator<Item = (&'a str, V)>,
        depth: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), Fail> {
        out.push(b'{');
        for (i, (k, v)) in members.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_escaped_str(out, k);
            out.push(b':');
            self.value(v, depth, out).map_err(|mut f| {
                f.path.push(Seg::Key(k.to_owned()));
                f
            })?;
            self.spill(out);
        }
        out.push(b'}');
        Ok(())
    }

    fn number(&mut self, tok: &str, out: &mut Vec<u8>) -> Result<(), Fail> {
        match self.scheme {
            // §17.3: the original lexical token, verbatim.
            Canonicalization::FhirJsonLossless => out.extend_from_slice(tok.as_bytes()),
            Canonicalization::Jcs => {
                // Fast path: an integer token of at most 15 digits is exact in a double
                // and ECMAScript prints it as written (JSON forbids leading zeros); only
                // `-0` differs.
                let digits = tok.strip_prefix('-').unwrap_or(tok);
                if !tok.contains(['.', 'e', 'E']) && digits.len() <= 15 && tok != "-0" {
                    out.extend_from_slice(tok.as_bytes());
                    return Ok(());
                }
                // Rust's parser rounds to the nearest double, ties to even (as ES does).
                let f: f64 = match tok.parse::<f64>() {
                    Ok(f) if f.is_finite() => f,
                    _ => {
                        return Err(Fail {
                            path: Vec::new(),
                            why: format!(
                                "número '{}' não representável como IEEE-754 double (RFC 8785 §3.2.2.3)",
                                short(tok)
                            ),
                        })
                    }
                };
                if f == 0.0 {
                    out.push(b'0'); // -0 → 0
                } else {
                    out.extend_from_slice(self.num.format_finite(f).as_bytes());
                }
            }
        }
        Ok(())
    }
}

fn short(s: &str) -> &str {
    s.get(..s.len().min(64)).unwrap_or(s)
}

/// Compares two strings by their UTF-16 code units (RFC 8785 §3.2.3), without encoding.
///
/// UTF-8 byte order equals code-point order, which equals UTF-16 order except when a
/// supplementary character (lead byte F0–F4) meets a BMP character in U+E000–U+FFFF
/// (lead byte EE/EF): surrogates (D800–DFFF) sort below those. The first differing byte
/// is a lead byte in both strings or a continuation byte in both (same prefix), and only
/// the lead-byte case can invert.
pub(crate) fn utf16_cmp(a: &str, b: &str) -> Ordering {
    let (ab, bb) = (a.as_bytes(), b.as_bytes());
    match ab.iter().zip(bb).position(|(x, y)| x != y) {
        None => ab.len().cmp(&bb.len()),
        Some(i) => {
            let (x, y) = (
                ab.get(i).copied().unwrap_or(0),
                bb.get(i).copied().unwrap_or(0),
            );
            let supp = |c: u8| c >= 0xF0;
            let high_bmp = |c: u8| c == 0xEE || c == 0xEF;
            if (supp(x) && high_bmp(y)) || (high_bmp(x) && supp(y)) {
                y.cmp(&x)
            } else {
                x.cmp(&y)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_order_matches_encode_utf16() {
        let samples = [
            "",
            "a",
            "ab",
            "\u{7f}",
            "\u{80}",
            "\u{ff}",
            "\u{100}",
            "\u{d7ff}",
            "\u{e000}",
            "\u{fb33}",
            "\u{ffff}",
            "\u{10000}",
            "\u{1f600}",
            "\u{10ffff}",
            "a\u{e000}",
            "a\u{1f600}",
            "\u{20ac}",
            "\r",
            "1",
            "\u{f6}",
        ];
        for a in samples {
            for b in samples {
                assert_eq!(
                    utf16_cmp(a, b),
                    a.encode_utf16().cmp(b.encode_utf16()),
                    "{a:?} vs {b:?}"
                );
            }
        }
    }
}
