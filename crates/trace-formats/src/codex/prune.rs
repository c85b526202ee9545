//! A rollout line parsed into an object holding only the keys the reader reads (at the top
//! and in `payload`); the rest (instructions, message content, reasoning, arguments) is
//! scanned but never built. Most of a rollout's bytes are such text, and building then
//! freeing it was most of the cost of a line.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::Str;

/// Every key `read.rs` and `tools.rs` look up, at the top of a line or in its `payload` (a
/// legacy line is an item itself). Values of these keys are kept whole.
const KEEP: &[&str] = &[
    "call_id",
    "exit_code",
    "id",
    "info",
    "message",
    "model",
    "name",
    "output",
    "payload",
    "reason",
    "record_type",
    "role",
    "timestamp",
    "turn_id",
    "type",
];

/// A line's object, pruned.
pub(super) struct Pruned(pub(super) Map<String, Value>);

impl<'de> de::Deserialize<'de> for Pruned {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(Prune { top: true }).map(Pruned)
    }
}

/// Visits an object, keeping the [`KEEP`] keys; `top`: a line (whose `payload` is pruned too).
struct Prune {
    top: bool,
}

impl<'de> Visitor<'de> for Prune {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<Str<'de>>()? {
            if !KEEP.contains(&&*key) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let value = if &*key == "payload" && self.top {
                map.next_value::<Payload>()?.0
            } else {
                map.next_value::<Value>()?
            };
            out.insert(key.0.into_owned(), value);
        }
        Ok(out)
    }
}

/// A `payload`: an object, pruned; anything else is never read (the reader wants an object),
/// so it is kept as `null`.
struct Payload(Value);

impl<'de> de::Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PayloadVisitor).map(Payload)
    }
}

struct PayloadVisitor;

impl<'de> Visitor<'de> for PayloadVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        Prune { top: false }.visit_map(map).map(Value::Object)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_str<E>(self, _: &str) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_keys_read() {
        let line = r#"{"timestamp":"t","type":"response_item","extra":{"a":[1,2]},
            "payload":{"type":"message","role":"user","content":[{"text":"long"}],"payload":1}}"#;
        let Pruned(m) = serde_json::from_str(line).unwrap();
        let expect = serde_json::json!({"timestamp":"t","type":"response_item",
            "payload":{"type":"message","role":"user","payload":1}});
        assert_eq!(Value::Object(m), expect);
        for odd in [
            r#"{"payload":"x"}"#,
            r#"{"payload":[{"a":1}]}"#,
            r#"{"payload":null}"#,
        ] {
            let Pruned(m) = serde_json::from_str(odd).unwrap();
            assert_eq!(m.get("payload"), Some(&Value::Null), "{odd}");
        }
        assert!(serde_json::from_str::<Pruned>("[1]").is_err());
    }
}
