//! The borrowed header of an ATOF line and the lenient probes over `data`, `metadata` and
//! `category_profile`: only where tokens, errors and models live is read.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::super::Str;
use super::super::usage::probe::{Lenient, Scalar, lenient};
use super::super::usage::{Semantics, TokensInProbe, UsageProbe, error_text};
pub(crate) use crate::obj::ObjOr;

#[derive(Deserialize)]
pub(crate) struct Line<'a> {
    #[serde(borrow)]
    pub(crate) kind: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub(crate) atof_version: LStr<'a>,
    #[serde(borrow)]
    pub(crate) uuid: Option<Str<'a>>,
    #[serde(borrow)]
    pub(crate) parent_uuid: Option<Str<'a>>,
    #[serde(borrow)]
    pub(crate) timestamp: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(crate) name: Option<Str<'a>>,
    #[serde(borrow)]
    pub(crate) scope_category: Option<Str<'a>>,
    #[serde(borrow)]
    pub(crate) category: Option<Str<'a>>,
    #[serde(borrow)]
    pub(crate) scope_type: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub(crate) category_profile: ObjOr<Box<Profile<'a>>>,
    /// `input` / `output` are the pre-0.1 draft's names for the payload.
    #[serde(borrow, default, alias = "input", alias = "output")]
    pub(crate) data: ObjOr<Box<DataProbe<'a>>>,
    #[serde(borrow, default)]
    pub(crate) metadata: ObjOr<Box<MetaProbe<'a>>>,
    /// The draft's top-level `status`, `error` and `annotated_response` are rare and boxed:
    /// the header is moved several times per line (416 bytes unboxed, 320 boxed).
    #[serde(borrow)]
    pub(crate) status: Option<Box<Lv<'a>>>,
    #[serde(borrow, default)]
    pub(crate) model_name: LStr<'a>,
    #[serde(borrow, default)]
    pub(crate) tool_call_id: LStr<'a>,
    #[serde(borrow, default)]
    pub(crate) annotated_response: ObjOr<Box<Annotated<'a>>>,
    #[serde(borrow)]
    pub(crate) error: Option<Box<Lv<'a>>>,
}

#[derive(Deserialize, Default)]
pub(crate) struct Profile<'a> {
    #[serde(borrow, default)]
    pub(crate) model_name: LStr<'a>,
    #[serde(borrow, default)]
    pub(crate) tool_call_id: LStr<'a>,
    #[serde(borrow, default)]
    pub(crate) annotated_response: ObjOr<Annotated<'a>>,
    #[serde(borrow, default)]
    pub(crate) annotated_request: ObjOr<Annotated<'a>>,
}

/// Where a usage object or a model id can sit inside `data`, `metadata` or a profile, with
/// the provider hints Relay's normalized usage needs (TOKENS.md §1.3).
#[derive(Deserialize, Default)]
pub(crate) struct Annotated<'a> {
    pub(crate) usage: Option<UsageProbe>,
    #[serde(borrow, default)]
    pub(crate) model: LStr<'a>,
    #[serde(borrow, default)]
    pub(crate) provider: LStr<'a>,
    #[serde(default)]
    pub(crate) api_specific: ApiHint,
}

/// What an `api_specific` value says of the provider: a name, or a variant key / tag
/// naming Anthropic.
#[derive(Default)]
pub(crate) struct ApiHint(pub(crate) Semantics);

impl<'de> Deserialize<'de> for ApiHint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d)
    }
}

impl Lenient for ApiHint {
    type Obj = Semantics;
    const FIELDS: &'static [&'static str] = &[
        "anthropic",
        "Anthropic",
        "anthropic_messages",
        "AnthropicMessages",
        "type",
        "api",
        "kind",
        "provider",
    ];
    fn field<'de, A: serde::de::MapAccess<'de>>(
        obj: &mut Semantics,
        i: usize,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let inner = map.next_value::<ApiHint>()?.0;
        if i < 4 {
            *obj = Semantics::Exclusive;
        } else if *obj == Semantics::Auto {
            *obj = inner;
        }
        Ok(())
    }
    fn object(obj: Semantics) -> Self {
        Self(obj)
    }
    fn scalar(v: Scalar<'_>) -> Self {
        Self(match v {
            Scalar::Str(s) => Semantics::of_provider(s),
            _ => Semantics::Auto,
        })
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct DataProbe<'a> {
    pub(crate) usage: Option<UsageProbe>,
    pub(crate) token_usage: Option<UsageProbe>,
    #[serde(rename = "usageMetadata")]
    pub(crate) usage_metadata: Option<UsageProbe>,
    #[serde(borrow, default)]
    pub(crate) response: ObjOr<Annotated<'a>>,
    #[serde(borrow, default)]
    pub(crate) annotated_response: ObjOr<Annotated<'a>>,
    #[serde(borrow, default)]
    pub(crate) content: ObjOr<Annotated<'a>>,
    #[serde(borrow)]
    pub(crate) error: Option<Lv<'a>>,
    #[serde(rename = "type", borrow, default)]
    pub(crate) kind: LStr<'a>,
    #[serde(borrow, default)]
    pub(crate) model: LStr<'a>,
    #[serde(borrow)]
    pub(crate) status: Option<Lv<'a>>,
    #[serde(borrow)]
    pub(crate) rejected: Option<Lv<'a>>,
    #[serde(borrow, default)]
    pub(crate) rejection_reason: LStr<'a>,
    /// A Relay CLI turn's input: the user's prompt.
    #[serde(borrow, default)]
    pub(crate) prompt: LStr<'a>,
}

#[derive(Deserialize, Default)]
pub(crate) struct MetaProbe<'a> {
    #[serde(rename = "otel.status_code", borrow)]
    pub(crate) otel_status_code: Option<Lv<'a>>,
    #[serde(rename = "otel_status_code", borrow)]
    pub(crate) otel_status_code_flat: Option<Lv<'a>>,
    #[serde(rename = "otel.status_description", borrow)]
    pub(crate) otel_status_description: Option<Lv<'a>>,
    #[serde(rename = "otel_status_description", borrow)]
    pub(crate) otel_status_description_flat: Option<Lv<'a>>,
    #[serde(borrow)]
    pub(crate) status: Option<Lv<'a>>,
    #[serde(borrow)]
    pub(crate) error: Option<Lv<'a>>,
    /// Relay CLI: how a hook-observed tool ended (`incomplete`, `interrupted`, ...).
    #[serde(borrow)]
    pub(crate) tool_completion_outcome: Option<Lv<'a>>,
    /// Relay CLI sessions (Claude Code through `nemo-relay run`): the session a turn or a
    /// session mark belongs to, the scope's role (`turn`), the agent, the turn's number.
    #[serde(borrow)]
    pub(crate) session_id: Option<Lv<'a>>,
    #[serde(borrow)]
    pub(crate) nemo_relay_scope_role: Option<Lv<'a>>,
    #[serde(borrow)]
    pub(crate) agent_kind: Option<Lv<'a>>,
    #[serde(borrow)]
    pub(crate) turn_index: Option<Lv<'a>>,
    /// What opened a Relay CLI turn: `user_prompt`, or `implicit` (a compaction between turns).
    #[serde(borrow)]
    pub(crate) turn_source: Option<Lv<'a>>,
    #[serde(rename = "nemo_relay.log.severity", borrow)]
    pub(crate) severity: Option<Lv<'a>>,
    #[serde(rename = "nemo_relay_log_severity", borrow)]
    pub(crate) severity_flat: Option<Lv<'a>>,
    pub(crate) usage: Option<UsageProbe>,
    pub(crate) token_usage: Option<UsageProbe>,
    pub(crate) response: Option<TokensInProbe>,
    pub(crate) annotated_response: Option<TokensInProbe>,
}

/// A JSON value exactly as `Value` reads it, except that a string is kept borrowed: most
/// probed values are strings, and only objects and arrays are built.
pub(crate) enum Lv<'a> {
    Str(Cow<'a, str>),
    /// Never a `Value::String`.
    Other(Value),
}

impl<'de: 'a, 'a> Deserialize<'de> for Lv<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Lv<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any valid JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Lv::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Lv::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Lv::Other(Value::Bool(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Lv::Other(Value::from(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Lv::Other(Value::from(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Lv::Other(
                    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
                ))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Lv::Other(Value::Null))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<Self::Value, A::Error> {
                Value::deserialize(serde::de::value::SeqAccessDeserializer::new(seq)).map(Lv::from)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                // Not always an object: serde_json's raw-value envelope
                // (`{"$serde_json::private::RawValue": "\"text\""}`) reads as the value inside.
                Value::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Lv::from)
            }
        }
        d.deserialize_any(V)
    }
}

impl From<Value> for Lv<'_> {
    fn from(v: Value) -> Self {
        match v {
            Value::String(s) => Lv::Str(Cow::Owned(s)),
            other => Lv::Other(other),
        }
    }
}

impl Lv<'_> {
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Lv::Str(s) => Some(s),
            Lv::Other(_) => None,
        }
    }

    pub(crate) fn error_text(&self) -> Option<String> {
        match self {
            Lv::Str(s) => Some(s.as_ref().to_owned()),
            Lv::Other(v) => error_text(v),
        }
    }
}

/// A string when the value is one (borrowed when unescaped); any other value is `None`.
#[derive(Default, Clone)]
pub(crate) struct LStr<'a>(pub(crate) Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for LStr<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = LStr<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(LStr(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LStr(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(LStr(None))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(LStr(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(LStr(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(LStr(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(LStr(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(LStr(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(LStr(None))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'a> LStr<'a> {
    /// The string unless empty; leaves `None` behind.
    pub(crate) fn take(&mut self) -> Option<Cow<'a, str>> {
        self.0.take().filter(|s| !s.is_empty())
    }
}
