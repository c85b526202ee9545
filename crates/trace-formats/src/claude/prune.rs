//! Parts of a transcript line read into `Value`s holding only what the reader looks at: a
//! message's content blocks without their `input`, `thinking` or `signature`, a tool result's
//! `toolUseResult` without the file or command output it repeats. Those are most of a
//! transcript's bytes; they are scanned but never built.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::Str;
use crate::usage::{Usage, UsageProbe};

/// What to keep of a value.
pub(super) enum Shape {
    /// The value as it is.
    Whole,
    /// An object's listed keys, each read in its shape; anything but an object is `null`.
    Object(&'static [(&'static str, Shape)]),
    /// A string as it is, or an array whose elements are read in the shape (their number is
    /// kept); anything else is `null`.
    TextOrList(&'static Shape),
}

use Shape::Whole;

/// A content block: what `user` / `assistant` read of one.
static BLOCK: Shape = Shape::Object(&[
    ("type", Whole),
    ("id", Whole),
    ("name", Whole),
    ("text", Whole),
    ("tool_use_id", Whole),
    ("content", Whole),
    ("is_error", Whole),
]);

/// `message`: its id, model and content (its `usage` is read typed, beside: [`Message`]).
pub(super) static MESSAGE: Shape = Shape::Object(&[
    ("id", Whole),
    ("model", Whole),
    ("content", Shape::TextOrList(&BLOCK)),
]);

/// A transcript entry's `message`: what [`MESSAGE`] keeps of it, and its `usage` reduced
/// as it is read (the usage object, a dozen keys with nested parts, was the most allocated
/// part of an assistant line as a `Value`).
#[derive(Debug, Default)]
pub(super) struct Message {
    pub(super) value: Value,
    pub(super) usage: Option<Box<Usage>>,
}

impl Message {
    pub(super) fn get(&self, key: &str) -> Option<&Value> {
        self.value.get(key)
    }
}

/// `toolUseResult`: the sub-agent it names and how long it ran.
pub(super) static TOOL_USE_RESULT: Shape =
    Shape::Object(&[("agentId", Whole), ("totalDurationMs", Whole)]);

impl<'de> DeserializeSeed<'de> for &'static Shape {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        match self {
            Whole => de::Deserialize::deserialize(d),
            _ => d.deserialize_any(ShapeVisitor(self)),
        }
    }
}

/// `#[serde(deserialize_with)]` for `message`.
pub(super) fn message<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Message>, D::Error> {
    d.deserialize_any(MessageVisitor).map(Some)
}

struct MessageVisitor;

impl<'de> Visitor<'de> for MessageVisitor {
    type Value = Message;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Message, A::Error> {
        let Shape::Object(keys) = &MESSAGE else {
            unreachable!("MESSAGE is an object shape")
        };
        let mut out = Map::new();
        let mut usage = None;
        while let Some(key) = map.next_key::<Str<'de>>()? {
            if &*key == "usage" {
                // As `usage_of` reads a `Value`: anything but an object is no usage; a
                // repeated key, the last one.
                usage = map.next_value::<UsageProbe>()?.0;
            } else if let Some((_, shape)) = keys.iter().find(|(k, _)| *k == &*key) {
                let v = map.next_value_seed(shape)?;
                out.insert(key.0.into_owned(), v);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Message {
            value: Value::Object(out),
            usage,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Message, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Message::default())
    }

    fn visit_str<E>(self, _: &str) -> Result<Message, E> {
        Ok(Message::default())
    }

    fn visit_bool<E>(self, _: bool) -> Result<Message, E> {
        Ok(Message::default())
    }

    fn visit_i64<E>(self, _: i64) -> Result<Message, E> {
        Ok(Message::default())
    }

    fn visit_u64<E>(self, _: u64) -> Result<Message, E> {
        Ok(Message::default())
    }

    fn visit_f64<E>(self, _: f64) -> Result<Message, E> {
        Ok(Message::default())
    }

    fn visit_unit<E>(self) -> Result<Message, E> {
        Ok(Message::default())
    }
}

/// `#[serde(deserialize_with)]` for `toolUseResult`.
pub(super) fn tool_use_result<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    (&TOOL_USE_RESULT).deserialize(d).map(Some)
}

struct ShapeVisitor(&'static Shape);

impl<'de> Visitor<'de> for ShapeVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let Shape::Object(keys) = self.0 else {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(Value::Null);
        };
        let mut out = Map::new();
        while let Some(key) = map.next_key::<Str<'de>>()? {
            match keys.iter().find(|(k, _)| *k == &*key) {
                Some((_, shape)) => {
                    let v = map.next_value_seed(shape)?;
                    out.insert(key.0.into_owned(), v);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Value::Object(out))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let Shape::TextOrList(element) = self.0 else {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(Value::Null);
        };
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(*element)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(match self.0 {
            Shape::TextOrList(_) => Value::String(s.to_owned()),
            _ => Value::Null,
        })
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

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(shape: &'static Shape, json: &str) -> Value {
        let mut d = serde_json::Deserializer::from_str(json);
        shape.deserialize(&mut d).unwrap()
    }

    #[test]
    fn keeps_what_the_reader_reads() {
        let msg = r#"{"id":"m","role":"assistant","model":"x","usage":{"input_tokens":1},
            "content":[{"type":"thinking","thinking":"long","signature":"s"},
                       {"type":"tool_use","id":"t","name":"Write","input":{"content":"big"}},
                       "odd", 5]}"#;
        let expect = serde_json::json!({"id":"m","model":"x",
            "content":[{"type":"thinking"},{"type":"tool_use","id":"t","name":"Write"},null,null]});
        assert_eq!(read(&MESSAGE, msg), expect);
        let mut d = serde_json::Deserializer::from_str(msg);
        let m = message(&mut d).unwrap().unwrap();
        assert_eq!(m.value, expect);
        let usage = serde_json::json!({"input_tokens":1});
        assert_eq!(m.usage.map(|u| *u), crate::usage::usage_of(&usage));
        for odd in ["null", "\"s\"", "[1]", "3"] {
            let mut d = serde_json::Deserializer::from_str(odd);
            let m = message(&mut d).unwrap().unwrap();
            assert_eq!((m.value, m.usage.is_none()), (Value::Null, true), "{odd}");
        }
        let text = serde_json::json!({"content":"a prompt"});
        assert_eq!(
            read(&MESSAGE, r#"{"content":"a prompt","role":"user"}"#),
            text
        );
        for odd in ["null", "\"s\"", "[1]", "3"] {
            assert_eq!(read(&MESSAGE, odd), Value::Null, "{odd}");
        }
        let rich = r#"{"agentId":"a1","totalDurationMs":5,"content":[{"text":"out"}]}"#;
        let expect = serde_json::json!({"agentId":"a1","totalDurationMs":5});
        assert_eq!(read(&TOOL_USE_RESULT, rich), expect);
    }
}
