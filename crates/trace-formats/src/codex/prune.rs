//! A rollout line parsed into an object holding only the keys the reader reads (at the top
//! and in `payload`); the rest (instructions, message content, reasoning, arguments) is
//! scanned but never built. Most of a rollout's bytes are such text, and building then
//! freeing it was most of the cost of a line.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

pub(crate) use crate::obj::Obj;

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

/// A line's object, pruned, and its `payload` when that is an object (pruned the same way).
pub(super) struct Pruned {
    pub(super) top: Obj,
    pub(super) payload: Option<Obj>,
}

impl<'de> de::Deserialize<'de> for Pruned {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(Prune { top: true })
    }
}

/// Visits an object, keeping the [`KEEP`] keys; `top`: a line (whose `payload` is pruned too).
struct Prune {
    top: bool,
}

impl<'de> Visitor<'de> for Prune {
    type Value = Pruned;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pruned, A::Error> {
        let mut payload = None;
        let top = Obj::read(&mut map, KEEP, |key, map| {
            if key == "payload" && self.top {
                payload = map.next_value::<Payload>()?.0;
                return Ok(true);
            }
            Ok(false)
        })?;
        Ok(Pruned { top, payload })
    }
}

/// A `payload`: an object, pruned; anything else is never read (the reader wants an object).
/// What `obj::ObjOr` does, by hand: through `ObjOr`, 20 MB of Codex took 670 M instructions
/// instead of 650 M (callgrind, measured twice each).
struct Payload(Option<Obj>);

impl<'de> de::Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PayloadVisitor).map(Payload)
    }
}

struct PayloadVisitor;

impl<'de> Visitor<'de> for PayloadVisitor {
    type Value = Option<Obj>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<Obj>, A::Error> {
        Prune { top: false }.visit_map(map).map(|p| Some(p.top))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Obj>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Option<Obj>, E> {
        Ok(None)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Option<Obj>, E> {
        Ok(None)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Option<Obj>, E> {
        Ok(None)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Option<Obj>, E> {
        Ok(None)
    }

    fn visit_str<E>(self, _: &str) -> Result<Option<Obj>, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Option<Obj>, E> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn entries(o: &Obj) -> Vec<(&str, &Value)> {
        o.0.iter().map(|(k, v)| (*k, v)).collect()
    }

    #[test]
    fn keeps_only_the_keys_read() {
        let line = r#"{"timestamp":"t","type":"response_item","extra":{"a":[1,2]},
            "payload":{"type":"message","role":"user","content":[{"text":"long"}],"payload":1}}"#;
        let p: Pruned = serde_json::from_str(line).unwrap();
        let (t, r) = (Value::from("t"), Value::from("response_item"));
        assert_eq!(entries(&p.top), [("timestamp", &t), ("type", &r)]);
        let payload = p.payload.unwrap();
        let (m, u, one) = (Value::from("message"), Value::from("user"), Value::from(1));
        assert_eq!(
            entries(&payload),
            [("type", &m), ("role", &u), ("payload", &one)]
        );
        assert_eq!(payload.get("content"), None);
        for odd in [
            r#"{"payload":"x"}"#,
            r#"{"payload":[{"a":1}]}"#,
            r#"{"payload":null}"#,
        ] {
            let p: Pruned = serde_json::from_str(odd).unwrap();
            assert!(p.payload.is_none() && p.top.0.is_empty(), "{odd}");
        }
        // A repeated key: the last one counts, as in a `Map`.
        let p: Pruned = serde_json::from_str(r#"{"type":"a","id":"x","type":"b"}"#).unwrap();
        assert_eq!(p.top.get("type"), Some(&Value::from("b")));
        assert_eq!(p.top.0.len(), 2, "a repeated key is kept once");
        assert!(p.top.contains_key("id") && !p.top.contains_key("role"));
        assert!(serde_json::from_str::<Pruned>("[1]").is_err());
    }
}
