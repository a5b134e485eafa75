//! Strict JSON reading for every input sesgo accepts (DECISIONS D2).
//!
//! * duplicate object members are rejected (two parsers reading one document differently
//!   is a classic signature bypass);
//! * the byte size is checked before any parsing, and the nesting depth while parsing;
//! * number tokens are kept verbatim (`serde_json` with `arbitrary_precision`), so policy
//!   0.2.0 can canonicalize them losslessly and JCS can re-serialize them exactly.
//!
//! ```
//! use sesgo_core::json::{parse_strict, JsonError, Limits};
//!
//! let v = parse_strict(br#"{"valueDecimal": 36.50}"#, &Limits::default()).unwrap();
//! assert_eq!(v["valueDecimal"].to_string(), "36.50");
//!
//! let dup = parse_strict(br#"{"a": {"id": 1, "id": 2}}"#, &Limits::default());
//! assert!(matches!(dup, Err(JsonError::DuplicateMember { ref path, .. }) if path == "a.id"));
//! ```

use crate::{Code, Error};
use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::cell::RefCell;
use std::fmt;

/// Maximum nesting depth `serde_json` itself accepts; sesgo's limit cannot exceed it.
pub const MAX_DEPTH_CEILING: usize = 120;

/// Bounds applied before and while parsing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Maximum input size in bytes (checked before parsing).
    pub max_bytes: usize,
    /// Maximum nesting depth of arrays and objects (at most [`MAX_DEPTH_CEILING`]).
    pub max_depth: usize,
}

impl Limits {
    /// The guide's default maximum Bundle size: 50 MB (52 428 800 bytes).
    pub const DEFAULT_MAX_BYTES: usize = 52_428_800;
    /// Default maximum nesting depth. FHIR R4 resources nest far less deeply.
    pub const DEFAULT_MAX_DEPTH: usize = 64;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: Limits::DEFAULT_MAX_BYTES,
            max_depth: Limits::DEFAULT_MAX_DEPTH,
        }
    }
}

/// Why a JSON input was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JsonError {
    /// The input is larger than [`Limits::max_bytes`].
    TooLarge {
        /// Input size.
        len: usize,
        /// Configured maximum.
        max: usize,
    },
    /// Nesting deeper than [`Limits::max_depth`].
    TooDeep {
        /// Path (dot/bracket notation) where the limit was crossed.
        path: String,
        /// Configured maximum.
        max: usize,
    },
    /// An object has the same member twice.
    DuplicateMember {
        /// Path of the duplicated member, e.g. `entry[0].resource.id`.
        path: String,
    },
    /// Not JSON (syntax error, invalid UTF-8, lone surrogate, trailing data…).
    Syntax {
        /// Line (1-based).
        line: usize,
        /// Column (1-based).
        column: usize,
        /// Parser message.
        message: String,
    },
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::TooLarge { len, max } => {
                write!(f, "JSON de {len} bytes excede o limite de {max} bytes")
            }
            JsonError::TooDeep { path, max } => {
                write!(
                    f,
                    "aninhamento JSON excede a profundidade máxima {max} em '{path}'"
                )
            }
            JsonError::DuplicateMember { path } => {
                write!(f, "membro JSON duplicado '{path}'")
            }
            JsonError::Syntax {
                line,
                column,
                message,
            } => write!(
                f,
                "JSON malformado na linha {line}, coluna {column}: {message}"
            ),
        }
    }
}

impl std::error::Error for JsonError {}

impl JsonError {
    /// The sesgo error for this failure, located under `root` (e.g. `Bundle`).
    /// `too_large` is the code the caller's context assigns to an oversized input (e.g.
    /// `SECURITY.BUNDLE-MEMORY-LIMIT-EXCEEDED` for a Bundle); every other failure is
    /// `FORMAT.JSON-MALFORMED`.
    pub fn into_error(self, root: &str, too_large: Code) -> Error {
        let location = match &self {
            JsonError::TooDeep { path, .. } | JsonError::DuplicateMember { path } => {
                join_path(root, path)
            }
            _ => root.to_owned(),
        };
        let code = match self {
            JsonError::TooLarge { .. } => too_large,
            _ => Code::FormatJsonMalformed,
        };
        Error::new(code, self.to_string()).at(location)
    }
}

fn join_path(root: &str, path: &str) -> String {
    if path.is_empty() {
        root.to_owned()
    } else if path.starts_with('[') || root.is_empty() {
        format!("{root}{path}")
    } else {
        format!("{root}.{path}")
    }
}

/// Parses `input` strictly (see the module documentation).
pub fn parse_strict(input: &[u8], limits: &Limits) -> Result<Value, JsonError> {
    if input.len() > limits.max_bytes {
        return Err(JsonError::TooLarge {
            len: input.len(),
            max: limits.max_bytes,
        });
    }
    let state = State {
        max_depth: limits.max_depth.min(MAX_DEPTH_CEILING),
        failure: RefCell::new(None),
        path: RefCell::new(Vec::new()),
    };
    let mut de = serde_json::Deserializer::from_slice(input);
    let result = Seed {
        state: &state,
        depth: 0,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    match result {
        Ok(v) => Ok(v),
        Err(e) => {
            let path = render_path(&state.path.borrow());
            Err(match state.failure.into_inner() {
                Some(Failure::Duplicate) => JsonError::DuplicateMember { path },
                Some(Failure::TooDeep) => JsonError::TooDeep {
                    path,
                    max: state.max_depth,
                },
                None => JsonError::Syntax {
                    line: e.line(),
                    column: e.column(),
                    message: strip_position(&e.to_string()),
                },
            })
        }
    }
}

/// Parses a `&str` strictly.
pub fn parse_strict_str(input: &str, limits: &Limits) -> Result<Value, JsonError> {
    parse_strict(input.as_bytes(), limits)
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

enum Failure {
    Duplicate,
    TooDeep,
}

enum Seg {
    Key(String),
    Index(usize),
}

fn render_path(segs: &[Seg]) -> String {
    // Segments are pushed while unwinding, innermost first.
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

struct State {
    max_depth: usize,
    failure: RefCell<Option<Failure>>,
    /// Filled only on failure, while the error unwinds.
    path: RefCell<Vec<Seg>>,
}

#[derive(Clone, Copy)]
struct Seed<'s> {
    state: &'s State,
    depth: usize,
}

const NUMBER_TOKEN: &str = "$serde_json::private::Number";

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("non-finite number"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let child = self.enter()?;
        let mut out = Vec::new();
        loop {
            match seq.next_element_seed(child) {
                Ok(Some(v)) => out.push(v),
                Ok(None) => break,
                Err(e) => {
                    self.note(Seg::Index(out.len()));
                    return Err(e);
                }
            }
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let Some(first) = map.next_key::<String>()? else {
            self.enter()?;
            return Ok(Value::Object(Map::new()));
        };
        if first == NUMBER_TOKEN {
            // arbitrary_precision hands numbers over as a one-member map.
            let token: String = map.next_value()?;
            return token
                .parse::<Number>()
                .map(Value::Number)
                .map_err(A::Error::custom);
        }
        let child = self.enter()?;
        let mut out = Map::new();
        let mut key = first;
        loop {
            let v = match map.next_value_seed(child) {
                Ok(v) => v,
                Err(e) => {
                    self.note(Seg::Key(key));
                    return Err(e);
                }
            };
            if out.contains_key(&key) {
                *self.state.failure.borrow_mut() = Some(Failure::Duplicate);
                self.note(Seg::Key(key));
                return Err(A::Error::custom("duplicate member"));
            }
            out.insert(key, v);
            match map.next_key::<String>()? {
                Some(k) => key = k,
                None => break,
            }
        }
        Ok(Value::Object(out))
    }
}

impl<'s> Seed<'s> {
    /// The seed for the children of a container at this level, or an error when the
    /// container would exceed the depth limit (the root container is depth 1).
    fn enter<E: serde::de::Error>(self) -> Result<Seed<'s>, E> {
        if self.depth + 1 > self.state.max_depth {
            *self.state.failure.borrow_mut() = Some(Failure::TooDeep);
            return Err(E::custom("nesting too deep"));
        }
        Ok(Seed {
            state: self.state,
            depth: self.depth + 1,
        })
    }

    fn note(&self, seg: Seg) {
        if self.state.failure.borrow().is_some() {
            self.state.path.borrow_mut().push(seg);
        }
    }
}
