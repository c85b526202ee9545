//! Parts of a transcript line read holding only what the reader looks at: a message's id,
//! model, usage (reduced as it is read) and content blocks without their `input`, `thinking`
//! or `signature` ([`Message`], pruned objects whose keys are never allocated), a tool
//! result's `toolUseResult` without the file or command output it repeats (a `Value`). Those
//! are most of a transcript's bytes; they are scanned but never built.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::Str;
use crate::obj::{Keyed, Keys, Obj, ObjOr};
use crate::usage::{Usage, UsageProbe};

/// What to keep of a value.
pub(super) enum Shape {
    /// The value as it is.
    Whole,
    /// An object's listed keys, each read in its shape; anything but an object is `null`.
    Object(&'static [(&'static str, Shape)]),
}

use Shape::Whole;

/// The keys read of a content block (each value whole).
struct BlockKeys;

impl Keys for BlockKeys {
    const KEYS: &'static [&'static str] = &[
        "type",
        "id",
        "name",
        "text",
        "tool_use_id",
        "content",
        "is_error",
    ];
}

/// A transcript entry's `message`: its id and model, its content, and its `usage` reduced as
/// it is read. Typed, where it was one `Value` (a map per object, every key a `String`):
/// 20 MB of Claude Code went from 897 to 682 M instructions with the typed usage and blocks.
#[derive(Debug, Default)]
pub(super) struct Message {
    /// `id` and `model`.
    pub(super) fields: Obj,
    pub(super) content: Option<Content>,
    pub(super) usage: Option<Box<Usage>>,
}

impl Message {
    pub(super) fn get(&self, key: &str) -> Option<&Value> {
        self.fields.get(key)
    }
}

/// A message's `content`: a string, or a list of blocks (an element that is no object is
/// `None`, still counted); anything else is `Other`.
#[derive(Debug)]
pub(super) enum Content {
    Text(String),
    Blocks(Vec<Option<Obj>>),
    Other,
}

impl Content {
    /// The text: the string, or the first block's `text`.
    pub(super) fn text(&self) -> Option<&str> {
        match self {
            Content::Text(s) => Some(s),
            Content::Blocks(blocks) => blocks
                .iter()
                .flatten()
                .find_map(|b| b.get("text").and_then(Value::as_str)),
            Content::Other => None,
        }
    }

    /// The blocks that are objects.
    pub(super) fn blocks(&self) -> impl Iterator<Item = &Obj> {
        let blocks = match self {
            Content::Blocks(b) => b.as_slice(),
            _ => &[],
        };
        blocks.iter().flatten()
    }

    /// A prompt's content: a string, or a list with something in it.
    pub(super) fn is_prompt(&self) -> bool {
        match self {
            Content::Text(_) => true,
            Content::Blocks(b) => !b.is_empty(),
            Content::Other => false,
        }
    }
}

impl<'de> Deserialize<'de> for Content {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ContentVisitor)
    }
}

struct ContentVisitor;

impl<'de> Visitor<'de> for ContentVisitor {
    type Value = Content;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E>(self, s: &str) -> Result<Content, E> {
        Ok(Content::Text(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Content, E> {
        Ok(Content::Text(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Content, A::Error> {
        let mut out = Vec::new();
        while let Some(b) = seq.next_element::<ObjOr<Keyed<BlockKeys>>>()? {
            out.push(b.0.map(|k| k.0));
        }
        Ok(Content::Blocks(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Content, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Content::Other)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Content, E> {
        Ok(Content::Other)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Content, E> {
        Ok(Content::Other)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Content, E> {
        Ok(Content::Other)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Content, E> {
        Ok(Content::Other)
    }

    fn visit_unit<E>(self) -> Result<Content, E> {
        Ok(Content::Other)
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
            Shape::Object(_) => d.deserialize_any(ShapeVisitor(self)),
        }
    }
}

/// `#[serde(deserialize_with)]` for `message`: anything but an object is an empty message.
pub(super) fn message<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Message>, D::Error> {
    ObjOr::<Message>::deserialize(d).map(|m| Some(m.0.unwrap_or_default()))
}

impl<'de> Deserialize<'de> for Message {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(MessageVisitor)
    }
}

struct MessageVisitor;

impl<'de> Visitor<'de> for MessageVisitor {
    type Value = Message;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Message, A::Error> {
        let (mut content, mut usage) = (None, None);
        let fields = Obj::read(
            &mut map,
            &["id", "model", "content", "usage"],
            |key, map| {
                match key {
                    // A repeated key: the last one counts. As `usage_of` reads a `Value`:
                    // anything but an object is no usage.
                    "usage" => usage = map.next_value::<UsageProbe>()?.0,
                    "content" => content = Some(map.next_value::<Content>()?),
                    _ => return Ok(false),
                }
                Ok(true)
            },
        )?;
        Ok(Message {
            fields,
            content,
            usage,
        })
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
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Value::Null)
    }

    fn visit_str<E>(self, _: &str) -> Result<Value, E> {
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

    fn message_of(json: &str) -> Message {
        let mut d = serde_json::Deserializer::from_str(json);
        message(&mut d).unwrap().unwrap()
    }

    fn keys(o: &Obj) -> Vec<&str> {
        o.0.iter().map(|(k, _)| *k).collect()
    }

    #[test]
    fn keeps_what_the_reader_reads() {
        let msg = r#"{"id":"m","role":"assistant","model":"x","usage":{"input_tokens":1},
            "content":[{"type":"thinking","thinking":"long","signature":"s"},
                       {"type":"tool_use","id":"t","name":"Write","input":{"content":"big"}},
                       "odd", 5, {"type":"text","text":"hi"}]}"#;
        let m = message_of(msg);
        assert_eq!(keys(&m.fields), ["id", "model"]);
        assert_eq!(m.get("model"), Some(&Value::from("x")));
        let usage = serde_json::json!({"input_tokens":1});
        assert_eq!(m.usage.map(|u| *u), crate::usage::usage_of(&usage));
        let content = m.content.unwrap();
        let Content::Blocks(blocks) = &content else {
            panic!("{content:?}")
        };
        let kept: Vec<Option<Vec<&str>>> = blocks.iter().map(|b| b.as_ref().map(keys)).collect();
        let want = [
            Some(vec!["type"]),
            Some(vec!["type", "id", "name"]),
            None,
            None,
            Some(vec!["type", "text"]),
        ];
        assert_eq!(kept, want);
        assert_eq!(content.blocks().count(), 3);
        assert_eq!((content.text(), content.is_prompt()), (Some("hi"), true));
        let text = message_of(r#"{"content":"a prompt","role":"user"}"#);
        assert!(text.fields.0.is_empty());
        let content = text.content.unwrap();
        assert_eq!(
            (content.text(), content.is_prompt()),
            (Some("a prompt"), true)
        );
        for (odd, prompt) in [("{\"content\":{}}", false), ("{\"content\":[]}", false)] {
            let c = message_of(odd).content.unwrap();
            assert_eq!(
                (c.text(), c.is_prompt(), c.blocks().count()),
                (None, prompt, 0)
            );
        }
        assert!(message_of("{}").content.is_none());
        for odd in ["null", "\"s\"", "[1]", "3"] {
            let m = message_of(odd);
            assert!(m.fields.0.is_empty() && m.content.is_none() && m.usage.is_none());
        }
        let rich = r#"{"agentId":"a1","totalDurationMs":5,"content":[{"text":"out"}]}"#;
        let expect = serde_json::json!({"agentId":"a1","totalDurationMs":5});
        assert_eq!(read(&TOOL_USE_RESULT, rich), expect);
    }
}
