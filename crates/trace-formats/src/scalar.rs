//! A JSON value read only for its scalar: a field a dialect does not type firmly (a count
//! that may come as a string, a status that may be missing) is read as a [`Scalar`] instead
//! of a `serde_json::Value`. Strings stay borrowed from the line when unescaped and objects
//! or arrays are skipped, not built: a `Value` per field was most of a harn line's
//! allocations.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// A JSON scalar, or `Other` for an object or array (skipped). `null` is `None` of an
/// `Option<Scalar>`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar<'a> {
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(Cow<'a, str>),
    Other,
}

impl<'de: 'a, 'a> de::Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(u64::try_from(v).map_or(Scalar::I64(v), Scalar::U64))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::U64(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::F64(v))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
}

impl Scalar<'_> {
    /// As `Value::as_u64`.
    pub(crate) fn as_u64(&self) -> Option<u64> {
        match *self {
            Scalar::U64(u) => Some(u),
            _ => None,
        }
    }

    /// As `Value::as_i64`.
    pub(crate) fn as_i64(&self) -> Option<i64> {
        match *self {
            Scalar::U64(u) => i64::try_from(u).ok(),
            Scalar::I64(i) => Some(i),
            _ => None,
        }
    }

    /// As `Value::as_str`.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }

    /// As [`crate::usage::count`] of the same value.
    pub(crate) fn count(&self) -> Option<u64> {
        match self {
            Scalar::U64(u) => Some(*u),
            #[expect(clippy::cast_precision_loss, reason = "as `Value::as_f64`")]
            Scalar::I64(i) => crate::usage::count_f64(*i as f64),
            Scalar::F64(f) => crate::usage::count_f64(*f),
            Scalar::Str(s) => crate::usage::count_str(s),
            Scalar::Bool(_) | Scalar::Other => None,
        }
    }

    /// The value as a `Value`, for the rare paths that take one (an object or array is
    /// `null`: it was not kept).
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Scalar::Bool(b) => Value::Bool(*b),
            Scalar::U64(u) => Value::from(*u),
            Scalar::I64(i) => Value::from(*i),
            Scalar::F64(f) => Value::from(*f),
            Scalar::Str(s) => Value::String(s.to_string()),
            Scalar::Other => Value::Null,
        }
    }

    /// The same value, owned; a string found in `known` is borrowed from it instead of
    /// copied (the few status words most lines carry).
    pub(crate) fn into_owned(self, known: &[&'static str]) -> Scalar<'static> {
        match self {
            Scalar::Bool(b) => Scalar::Bool(b),
            Scalar::U64(u) => Scalar::U64(u),
            Scalar::I64(i) => Scalar::I64(i),
            Scalar::F64(f) => Scalar::F64(f),
            Scalar::Str(s) => Scalar::Str(known_or_owned(s, known)),
            Scalar::Other => Scalar::Other,
        }
    }
}

/// `s` owned, or borrowed from `known` when it is one of those words.
pub(crate) fn known_or_owned(s: Cow<'_, str>, known: &[&'static str]) -> Cow<'static, str> {
    match known.iter().find(|k| **k == s) {
        Some(k) => Cow::Borrowed(*k),
        None => Cow::Owned(s.into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each kind of JSON value reads as the `Value` accessors read it.
    #[test]
    fn reads_as_value_does() {
        for text in [
            "1",
            "0",
            "-3",
            "2.5",
            "-2.5",
            "1e3",
            "18446744073709551615",
            "\"7\"",
            "\" 8 \"",
            "\"x\"",
            "\"a\\\"b\"",
            "true",
            "false",
            "{\"a\":[1]}",
            "[1,{}]",
        ] {
            let s: Scalar<'_> = serde_json::from_str(text).unwrap();
            let v: Value = serde_json::from_str(text).unwrap();
            assert_eq!(s.as_u64(), v.as_u64(), "{text}");
            assert_eq!(s.as_i64(), v.as_i64(), "{text}");
            assert_eq!(s.as_str(), v.as_str(), "{text}");
            assert_eq!(s.count(), crate::usage::count(&v), "{text}");
            if !v.is_object() && !v.is_array() {
                assert_eq!(s.to_value(), v, "{text}");
            }
        }
        let none: Option<Scalar<'_>> = serde_json::from_str("null").unwrap();
        assert_eq!(none, None);
    }

    #[test]
    fn known_words_are_not_copied() {
        let s: Scalar<'_> = serde_json::from_str("\"completed\"").unwrap();
        match s.into_owned(&["completed"]) {
            Scalar::Str(Cow::Borrowed(k)) => assert_eq!(k, "completed"),
            other => panic!("{other:?}"),
        }
        let s: Scalar<'_> = serde_json::from_str("\"other\"").unwrap();
        assert_eq!(s.into_owned(&["completed"]).as_str(), Some("other"));
    }
}
