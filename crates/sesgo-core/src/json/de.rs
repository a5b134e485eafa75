//! Typed reading of settings and options from a strict [`Value`] (docs/adr/0058).
//!
//! Settings and options are JSON **objects** with known members only. `serde_json` would
//! fill a struct from a positional array (`[1609459200, 30, …]`) and its messages name
//! neither the member nor the path; this deserializer reads the strict tree directly and
//! refuses both, locating every failure (`settings.tsaTrustStore.rootSha256[1]`).

use super::value::{Object, Value};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess,
    Visitor,
};
use std::fmt;

/// Why a value does not fit the expected type, and where (relative to the root given to
/// [`from_value`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeError {
    /// Path of the offending member, dot/bracket notation (`settings.maxBundleBytes`,
    /// `acceptedPolicies[0]`); empty for the root.
    pub path: String,
    /// What was wrong, in the guide's Portuguese.
    pub message: String,
}

impl DeError {
    fn within_key(mut self, key: &str) -> Self {
        self.path = super::join_path(key, &self.path);
        self
    }

    fn within_index(mut self, i: usize) -> Self {
        self.path = super::join_path(&format!("[{i}]"), &self.path);
        self
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for DeError {}

fn expected_text(exp: &dyn de::Expected) -> String {
    exp.to_string()
}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            path: String::new(),
            message: msg.to_string(),
        }
    }

    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        DeError::custom(format!(
            "tipo inválido: {unexp}, esperado {}",
            expected_text(exp)
        ))
    }

    fn invalid_value(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        DeError::custom(format!(
            "valor inválido: {unexp}, esperado {}",
            expected_text(exp)
        ))
    }

    fn invalid_length(len: usize, exp: &dyn de::Expected) -> Self {
        DeError::custom(format!(
            "tamanho inválido {len}, esperado {}",
            expected_text(exp)
        ))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        DeError::custom(format!(
            "valor desconhecido '{variant}'; aceitos: {}",
            expected.join(", ")
        ))
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        DeError::custom(format!(
            "membro desconhecido '{field}'; aceitos: {}",
            expected.join(", ")
        ))
    }

    fn missing_field(field: &'static str) -> Self {
        DeError::custom(format!("membro obrigatório '{field}' ausente"))
    }

    fn duplicate_field(field: &'static str) -> Self {
        DeError::custom(format!("membro '{field}' duplicado"))
    }
}

/// Reads `T` from `value`: objects where `T` has a struct (never arrays), unknown members
/// refused where `T` says so (`deny_unknown_fields`), numbers range-checked into the
/// field's type. The error's path is relative to `value`.
///
/// ```
/// use sesgo_core::json::{from_value, parse_strict, Limits};
///
/// #[derive(serde::Deserialize, Debug)]
/// #[serde(deny_unknown_fields)]
/// struct S { a: u32 }
///
/// let ok: S = from_value(&parse_strict(br#"{"a": 7}"#, &Limits::default()).unwrap()).unwrap();
/// assert_eq!(ok.a, 7);
/// let positional = from_value::<S>(&parse_strict(b"[7]", &Limits::default()).unwrap());
/// assert!(positional.is_err());
/// let e = from_value::<S>(&parse_strict(br#"{"a": 7, "b": 1}"#, &Limits::default()).unwrap())
///     .unwrap_err();
/// assert_eq!(e.path, "b");
/// ```
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, DeError> {
    T::deserialize(De(value))
}

struct De<'a>(&'a Value);

impl<'de> IntoDeserializer<'de, DeError> for De<'_> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> Deserializer<'de> for De<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    match n.as_f64().filter(|f| f.is_finite()) {
                        Some(f) => visitor.visit_f64(f),
                        None => Err(de::Error::custom(format!(
                            "número fora do intervalo representável: {}",
                            n.as_str()
                        ))),
                    }
                }
            }
            Value::String(s) => visitor.visit_str(s),
            Value::Array(a) => visitor.visit_seq(Seq {
                items: a.iter().enumerate(),
            }),
            Value::Object(o) => visitor.visit_map(Map::new(o)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Object(o) => visitor.visit_map(Map::new(o)),
            other => Err(de::Error::custom(format!(
                "esperado um objeto JSON com membros nomeados, encontrado {}",
                other.type_name()
            ))),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.0 {
            Value::String(s) => {
                let d: de::value::StrDeserializer<'_, DeError> = s.as_str().into_deserializer();
                visitor.visit_enum(d)
            }
            other => Err(de::Error::custom(format!(
                "esperado um texto, encontrado {}",
                other.type_name()
            ))),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct Seq<'a> {
    items: std::iter::Enumerate<std::slice::Iter<'a, Value>>,
}

impl<'de> SeqAccess<'de> for Seq<'_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            None => Ok(None),
            Some((i, v)) => seed
                .deserialize(De(v))
                .map(Some)
                .map_err(|e| e.within_index(i)),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Map<'a> {
    members: Box<dyn ExactSizeIterator<Item = (&'a str, &'a Value)> + 'a>,
    pending: Option<(&'a str, &'a Value)>,
}

impl<'a> Map<'a> {
    fn new(o: &'a Object) -> Self {
        Map {
            members: Box::new(o.iter()),
            pending: None,
        }
    }
}

impl<'de> MapAccess<'de> for Map<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.members.next() {
            None => Ok(None),
            Some((k, v)) => {
                self.pending = Some((k, v));
                let d: de::value::StrDeserializer<'_, DeError> = k.into_deserializer();
                seed.deserialize(d).map(Some).map_err(|e| e.within_key(k))
            }
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.pending.take() {
            Some((k, v)) => seed.deserialize(De(v)).map_err(|e| e.within_key(k)),
            None => Err(de::Error::custom("valor sem membro")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.members.len())
    }
}
