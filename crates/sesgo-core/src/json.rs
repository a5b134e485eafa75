//! Strict JSON for every input sesgo accepts (DECISIONS D2), with its own value type.
//!
//! * Duplicate object members are rejected: two parsers reading one document differently
//!   is a classic signature bypass.
//! * The byte size is checked before any parsing, and the nesting depth while parsing.
//! * Number tokens are kept **verbatim** ([`Number`] holds the RFC 8259 token as written,
//!   `1E2` stays `1E2`, `36.50` stays `36.50`): policy 0.2.0's lossless canonicalization
//!   needs them, and JCS re-serializes from them exactly. `serde_json` normalizes exponent
//!   tokens even with `arbitrary_precision`, hence this type (docs/adr/0003).
//! * Objects keep their member order ([`Object`] is a vector of members).
//!
//! ```
//! use sesgo_core::json::{parse_strict, JsonError, Limits};
//!
//! let v = parse_strict(br#"{"valueDecimal": 36.50, "e": 1E2}"#, &Limits::default()).unwrap();
//! assert_eq!(v["valueDecimal"].as_number().unwrap().as_str(), "36.50");
//! assert_eq!(v.to_json(), r#"{"valueDecimal":36.50,"e":1E2}"#);
//!
//! let dup = parse_strict(br#"{"a": {"id": 1, "id": 2}}"#, &Limits::default());
//! assert!(matches!(dup, Err(JsonError::DuplicateMember { ref path }) if path == "a.id"));
//! ```

use crate::{Code, Error};
use std::fmt;

mod de;
mod doc;
mod escape;
mod parse;
mod value;
mod view;

pub use de::{from_value, DeError};
pub use doc::{Doc, Items, Members as NodeMembers, Node};
pub use escape::write_escaped_str;
pub use value::{Members, Number, Object, Str, Value};
pub use view::{Kind, View};

/// Ceiling of the configurable nesting depth.
pub const MAX_DEPTH_CEILING: usize = 128;

/// Bounds applied before and while parsing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Maximum input size in bytes (checked before parsing).
    pub max_bytes: usize,
    /// Maximum nesting depth of arrays and objects, the root container being depth 1
    /// (capped at [`MAX_DEPTH_CEILING`]).
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
        /// Path (dot/bracket notation) of the container that crossed the limit.
        path: String,
        /// Configured maximum.
        max: usize,
    },
    /// An object has the same member twice.
    DuplicateMember {
        /// Path of the duplicated member, e.g. `entry[0].resource.id`.
        path: String,
    },
    /// Not JSON (syntax error, invalid UTF-8, lone surrogate, trailing data, BOM…).
    Syntax {
        /// Line (1-based).
        line: usize,
        /// Column (1-based, in bytes).
        column: usize,
        /// What was wrong.
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
            JsonError::DuplicateMember { path } => write!(f, "membro JSON duplicado '{path}'"),
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

/// Joins a root location and a relative JSON path (`Bundle` + `entry[0].id`).
pub fn join_path(root: &str, path: &str) -> String {
    if path.is_empty() {
        root.to_owned()
    } else if root.is_empty() {
        path.to_owned()
    } else if path.starts_with('[') {
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
    parse::parse(input, limits.max_depth.min(MAX_DEPTH_CEILING))
}
