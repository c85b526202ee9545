//! ATOF 0.1 reader (NeMo Flow / NeMo Relay), also accepting the pre-0.1 NAT drafts
//! (`ScopeStart`/`ScopeEnd`, `scope_type`, `input`/`output`, top-level `status`).
//!
//! The line is parsed once into a borrowed header; `data`, `metadata` and
//! `category_profile` stay raw and are probed only where a field can live (end events and
//! marks), so large payloads are scanned but never materialized.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::usage::{error_text, is_error_status, tokens_from_usage, tokens_in};
use super::{Format, ParseError, Reader, time};
use crate::event::{Category, Event, EventKind, Failure, SourceRef, Tokens};

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    uuid: Option<Cow<'a, str>>,
    #[serde(borrow)]
    parent_uuid: Option<Cow<'a, str>>,
    #[serde(borrow)]
    timestamp: Option<&'a RawValue>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    scope_category: Option<Cow<'a, str>>,
    #[serde(borrow)]
    category: Option<Cow<'a, str>>,
    #[serde(borrow)]
    scope_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    category_profile: ObjOr<Profile<'a>>,
    /// `input` / `output` are the pre-0.1 draft's names for the payload.
    #[serde(borrow, default, alias = "input", alias = "output")]
    data: ObjOr<DataProbe<'a>>,
    #[serde(default)]
    metadata: ObjOr<MetaProbe>,
    status: Option<Value>,
    #[serde(borrow, default)]
    model_name: LStr<'a>,
    #[serde(borrow, default)]
    tool_call_id: LStr<'a>,
    #[serde(borrow, default)]
    annotated_response: ObjOr<Annotated<'a>>,
    error: Option<Value>,
}

#[derive(Deserialize, Default)]
struct Profile<'a> {
    #[serde(borrow, default)]
    model_name: LStr<'a>,
    #[serde(borrow, default)]
    tool_call_id: LStr<'a>,
    #[serde(borrow, default)]
    annotated_response: ObjOr<Annotated<'a>>,
    #[serde(borrow, default)]
    annotated_request: ObjOr<Annotated<'a>>,
}

/// Where a usage object or a model id can sit inside `data`, `metadata` or a profile.
#[derive(Deserialize, Default)]
struct Annotated<'a> {
    usage: Option<Value>,
    #[serde(borrow, default)]
    model: LStr<'a>,
}

#[derive(Deserialize, Default)]
struct DataProbe<'a> {
    usage: Option<Value>,
    token_usage: Option<Value>,
    #[serde(rename = "usageMetadata")]
    usage_metadata: Option<Value>,
    #[serde(borrow, default)]
    response: ObjOr<Annotated<'a>>,
    #[serde(borrow, default)]
    annotated_response: ObjOr<Annotated<'a>>,
    #[serde(borrow, default)]
    content: ObjOr<Annotated<'a>>,
    error: Option<Value>,
    #[serde(rename = "type", borrow, default)]
    kind: LStr<'a>,
    #[serde(borrow, default)]
    model: LStr<'a>,
    status: Option<Value>,
    rejected: Option<Value>,
    #[serde(borrow, default)]
    rejection_reason: LStr<'a>,
}

#[derive(Deserialize, Default)]
struct MetaProbe {
    #[serde(rename = "otel.status_code")]
    otel_status_code: Option<Value>,
    #[serde(rename = "otel_status_code")]
    otel_status_code_flat: Option<Value>,
    #[serde(rename = "otel.status_description")]
    otel_status_description: Option<Value>,
    #[serde(rename = "otel_status_description")]
    otel_status_description_flat: Option<Value>,
    status: Option<Value>,
    error: Option<Value>,
    #[serde(rename = "nemo_relay.log.severity")]
    severity: Option<Value>,
    #[serde(rename = "nemo_relay_log_severity")]
    severity_flat: Option<Value>,
    usage: Option<Value>,
    token_usage: Option<Value>,
    response: Option<Value>,
    annotated_response: Option<Value>,
}

/// A probe struct when the value is an object; any other JSON value is skipped as `None`.
/// One pass over the line: payloads are scanned once and never materialized.
/// Boxed: serde moves values by copy through every layer, and the probes are large.
struct ObjOr<T>(Option<Box<T>>);

impl<T> Default for ObjOr<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjOr<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = ObjOr<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|t| ObjOr(Some(Box::new(t))))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(ObjOr(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(ObjOr(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(ObjOr(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(ObjOr(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(ObjOr(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(ObjOr(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(ObjOr(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A string when the value is one (borrowed when unescaped); any other value is `None`.
#[derive(Default, Clone)]
struct LStr<'a>(Option<Cow<'a, str>>);

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
    fn get(self) -> Option<Cow<'a, str>> {
        self.0.filter(|s| !s.is_empty())
    }
}

/// Reads ATOF JSONL lines.
#[derive(Debug, Default)]
pub struct AtofReader;

impl Reader for AtofReader {
    fn read(
        &mut self,
        record: &[u8],
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), ParseError> {
        // One UTF-8 check for the whole line; the parser then never re-validates substrings.
        let text = std::str::from_utf8(record).map_err(|_| ParseError::Utf8)?;
        let line: Line<'_> = serde_json::from_str(text)
            .map_err(|e| ParseError::from_json(&e, Format::Atof, record))?;
        let kind_str = line
            .kind
            .as_deref()
            .ok_or_else(|| ParseError::shape(Format::Atof, "missing `kind`"))?;
        let kind = match (kind_str, line.scope_category.as_deref()) {
            ("scope", Some("start")) | ("ScopeStart", _) => EventKind::Start,
            ("scope", Some("end")) | ("ScopeEnd", _) => EventKind::End,
            ("scope", other) => {
                return Err(ParseError::shape(
                    Format::Atof,
                    match other {
                        Some(v) => {
                            format!("scope_category must be \"start\" or \"end\", got {v:?}")
                        }
                        None => "scope event without `scope_category`".to_owned(),
                    },
                ));
            }
            ("mark" | "Mark", _) => EventKind::Mark,
            // Draft stream headers describe codecs, not events.
            ("StreamHeader" | "StreamHeaderEvent", _) => return Ok(()),
            (other, _) => {
                return Err(ParseError::shape(
                    Format::Atof,
                    format!("unknown kind {other:?}"),
                ));
            }
        };
        let id = line
            .uuid
            .ok_or_else(|| ParseError::shape(Format::Atof, "missing `uuid`"))?;
        let mut ev = Event::new(kind, id, line.name.unwrap_or(Cow::Borrowed("")));
        ev.src = src;
        ev.parent = line.parent_uuid.filter(|p| !p.is_empty());
        ev.ts_us = line.timestamp.and_then(time::timestamp_us);
        ev.category = line
            .category
            .or(line.scope_type)
            .map(|c| Category::parse(&c));
        if kind != EventKind::Mark && ev.category.is_none() {
            ev.category = Some(Category::Unknown);
        }

        let profile = line.category_profile.0.map(|b| *b).unwrap_or_default();
        ev.tool_call_id = profile.tool_call_id.get().or(line.tool_call_id.get());
        ev.model = profile.model_name.get().or(line.model_name.get());
        let data = line.data.0.map(|b| *b).unwrap_or_default();

        match kind {
            EventKind::Start => {
                if ev.model.is_none() && ev.category == Some(Category::Llm) {
                    ev.model = profile
                        .annotated_request
                        .0
                        .and_then(|a| a.model.get())
                        .or_else(|| data.model.get())
                        .or_else(|| data.content.0.and_then(|c| c.model.get()));
                }
            }
            EventKind::End | EventKind::Mark => {
                let annotated = profile
                    .annotated_response
                    .0
                    .or(line.annotated_response.0)
                    .map(|b| *b)
                    .unwrap_or_default();
                let meta = line.metadata.0.map(|b| *b).unwrap_or_default();
                let annotated_usage = annotated.usage.as_ref().and_then(tokens_from_usage);
                if ev.model.is_none() {
                    ev.model = annotated.model.get().or_else(|| data.model.clone().get());
                    ev.model_is_fallback = ev.model.is_some();
                }
                if kind == EventKind::End {
                    ev.tokens = annotated_usage.or_else(|| data_tokens(&data, &meta));
                }
                ev.failure = failure(
                    line.status.as_ref(),
                    line.error.as_ref(),
                    &data,
                    &meta,
                    kind,
                );
            }
        }
        out(ev);
        Ok(())
    }
}

fn str_of(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn data_tokens(d: &DataProbe<'_>, meta: &MetaProbe) -> Option<Tokens> {
    [&d.usage, &d.token_usage, &d.usage_metadata]
        .into_iter()
        .flatten()
        .find_map(tokens_from_usage)
        .or_else(|| {
            [&d.response.0, &d.annotated_response.0, &d.content.0]
                .into_iter()
                .flatten()
                .find_map(|a| a.usage.as_ref().and_then(tokens_from_usage))
        })
        .or_else(|| {
            [&meta.usage, &meta.token_usage]
                .into_iter()
                .flatten()
                .find_map(tokens_from_usage)
        })
        .or_else(|| {
            [&meta.response, &meta.annotated_response]
                .into_iter()
                .flatten()
                .find_map(tokens_in)
        })
}

fn failure<'a>(
    top_status: Option<&Value>,
    top_error: Option<&Value>,
    d: &DataProbe<'_>,
    meta: &MetaProbe,
    kind: EventKind,
) -> Failure<'a> {
    let description = str_of(meta.otel_status_description.as_ref())
        .or_else(|| str_of(meta.otel_status_description_flat.as_ref()));
    let otel_error = [&meta.otel_status_code, &meta.otel_status_code_flat]
        .into_iter()
        .any(|c| str_of(c.as_ref()).is_some_and(|c| c.eq_ignore_ascii_case("error")));
    let status_word = |v: Option<&Value>| -> Option<String> {
        match v? {
            Value::String(s) if is_error_status(s) => Some(s.clone()),
            Value::Object(o) => {
                let code = o.get("code").or_else(|| o.get("status"));
                let bad = code.and_then(Value::as_str).is_some_and(is_error_status)
                    || code.and_then(Value::as_i64) == Some(2);
                bad.then(|| {
                    o.get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("error")
                        .to_owned()
                })
            }
            _ => None,
        }
    };
    let data_error = d.error.as_ref().and_then(error_text);
    let data_is_error_body = d.kind.0.as_deref() == Some("error");
    let rejected = d.rejected.as_ref().and_then(Value::as_bool) == Some(true);
    let severity_error = [&meta.severity, &meta.severity_flat]
        .into_iter()
        .any(|s| str_of(s.as_ref()).is_some_and(|s| s.eq_ignore_ascii_case("error")));

    let text = if otel_error {
        Some(
            description
                .map(str::to_owned)
                .or_else(|| data_error.clone())
                .unwrap_or_default(),
        )
    } else if let Some(e) = top_error.and_then(error_text) {
        Some(e)
    } else if let Some(w) = status_word(top_status) {
        Some(
            description
                .map(str::to_owned)
                .or_else(|| data_error.clone())
                .unwrap_or(w),
        )
    } else if let Some(w) = status_word(meta.status.as_ref()) {
        Some(
            data_error
                .clone()
                .or_else(|| meta.error.as_ref().and_then(error_text))
                .unwrap_or(w),
        )
    } else if let Some(e) = data_error {
        Some(e)
    } else if let Some(e) = meta.error.as_ref().and_then(error_text) {
        Some(e)
    } else if data_is_error_body {
        Some("provider returned an error body".to_owned())
    } else if let Some(w) = status_word(d.status.as_ref()).filter(|_| kind == EventKind::End) {
        Some(w)
    } else if rejected {
        let reason = d
            .rejection_reason
            .0
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or("no reason given");
        Some(format!("rejected: {reason}"))
    } else if severity_error {
        Some("error-severity log mark".to_owned())
    } else {
        None
    };
    text.map_or(Failure::None, |t| Failure::Error(Cow::Owned(t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(line: &str) -> Result<Vec<String>, ParseError> {
        let mut got = Vec::new();
        AtofReader.read(line.as_bytes(), SourceRef::default(), &mut |e| {
            got.push(format!(
                "{:?} id={} parent={:?} ts={:?} name={} cat={:?} model={:?} tool={:?} tokens={:?} fail={:?}",
                e.kind,
                e.id,
                e.parent.as_deref(),
                e.ts_us,
                e.name,
                e.category.as_ref().map(Category::as_str),
                e.model.as_deref(),
                e.tool_call_id.as_deref(),
                e.tokens.map(|t| (t.input, t.output, t.total, t.cache_read, t.cache_write)),
                e.failure
            ));
        })?;
        Ok(got)
    }

    #[test]
    fn relay_llm_end_prefers_annotated_usage_and_reads_model() {
        let l = r#"{"kind":"scope","atof_version":"0.1","parent_uuid":"p","uuid":"u","timestamp":"2026-06-24T18:03:16.377251+00:00","name":"anthropic.messages","data":{"usage":{"input_tokens":9,"cache_creation_input_tokens":640,"cache_read_input_tokens":21480,"output_tokens":74}},"data_schema":null,"metadata":{"otel.status_code":"OK"},"scope_category":"end","attributes":["streaming"],"category":"llm","category_profile":{"model_name":"claude-sonnet-4-5","annotated_response":{"usage":{"prompt_tokens":9,"completion_tokens":74,"total_tokens":83,"cache_read_tokens":21480,"cache_write_tokens":640}}}}"#;
        assert_eq!(
            read(l).unwrap(),
            vec![
                "End id=u parent=Some(\"p\") ts=Some(1782324196377251) name=anthropic.messages cat=Some(\"llm\") model=Some(\"claude-sonnet-4-5\") tool=None tokens=Some((Some(9), Some(74), Some(83), Some(21480), Some(640))) fail=None"
            ]
        );
    }

    #[test]
    fn otel_error_with_description() {
        let l = r#"{"kind":"scope","atof_version":"0.1","parent_uuid":"p","uuid":"t","timestamp":1,"name":"Bash","data":null,"metadata":{"otel.status_code":"ERROR","otel.status_description":"exit 101"},"scope_category":"end","attributes":[],"category":"tool","category_profile":{"tool_call_id":"toolu_1"}}"#;
        let got = read(l).unwrap();
        assert!(
            got[0].ends_with("tool=Some(\"toolu_1\") tokens=None fail=Error(\"exit 101\")"),
            "{}",
            got[0]
        );
        let dotted = l.replace("otel.status_code", "otel_status_code");
        assert!(read(&dotted).unwrap()[0].contains("fail=Error"));
    }

    #[test]
    fn error_sources() {
        let base = |extra: &str| {
            format!(
                r#"{{"kind":"scope","atof_version":"0.1","uuid":"t","timestamp":1,"name":"n","scope_category":"end","category":"tool"{extra}}}"#
            )
        };
        assert!(read(&base(r#","status":"error""#)).unwrap()[0].ends_with("fail=Error(\"error\")"));
        assert!(
            read(&base(r#","data":{"error":"boom"}"#)).unwrap()[0]
                .ends_with("fail=Error(\"boom\")")
        );
        assert!(
            read(&base(r#","data":{"error":{"message":"rate limited"}}"#)).unwrap()[0]
                .ends_with("fail=Error(\"rate limited\")")
        );
        assert!(
            read(&base(r#","metadata":{"status":"denied"}"#)).unwrap()[0]
                .ends_with("fail=Error(\"denied\")")
        );
        assert!(
            read(&base(r#","metadata":{"error":"x"}"#)).unwrap()[0].ends_with("fail=Error(\"x\")")
        );
        assert!(
            read(&base(r#","data":{"error":null},"status":"ok""#)).unwrap()[0]
                .ends_with("fail=None")
        );
        assert!(read(&base(r#","data":{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#)).unwrap()[0].ends_with("fail=Error(\"Overloaded\")"));
    }

    #[test]
    fn rejection_mark_with_integer_timestamp() {
        let l = r#"{"kind":"mark","atof_version":"0.1","parent_uuid":"p","uuid":"m","timestamp":1782324200015660,"name":"Bash","data":{"rejected":true,"rejection_reason":"deny rule"},"data_schema":null,"metadata":null,"category":null,"category_profile":null}"#;
        assert!(read(l).unwrap()[0].starts_with(
            "Mark id=m parent=Some(\"p\") ts=Some(1782324200015660) name=Bash cat=None"
        ));
        assert!(read(l).unwrap()[0].ends_with("fail=Error(\"rejected: deny rule\")"));
    }

    #[test]
    fn draft_shape() {
        let l = r#"{"schema_version": "0.1", "uuid": "llm-005", "parent_uuid": "agent-003", "timestamp": "2026-01-03T00:00:02Z", "name": "gpt-4.1", "scope_type": "llm", "model_name": "gpt-4.1", "kind": "ScopeEnd", "output": {"usage": {"prompt_tokens": 84, "completion_tokens": 18, "total_tokens": 102}}, "status": "ok"}"#;
        assert!(read(l).unwrap()[0].contains("model=Some(\"gpt-4.1\") tool=None tokens=Some((Some(84), Some(18), Some(102), None, None)) fail=None"));
        assert_eq!(
            read(r#"{"schema_version":"0.1","uuid":"h","kind":"StreamHeader"}"#)
                .unwrap()
                .len(),
            0
        );
    }

    #[test]
    fn start_model_from_payload() {
        let l = r#"{"kind":"scope","atof_version":"0.1","uuid":"u","timestamp":"2026-06-24T18:03:12Z","name":"openai.chat_completions","data":{"headers":{},"content":{"model":"gpt-4.1","messages":[]}},"scope_category":"start","category":"llm","category_profile":{}}"#;
        assert!(read(l).unwrap()[0].contains("model=Some(\"gpt-4.1\")"));
    }

    #[test]
    fn bad_lines() {
        assert!(matches!(read("nope"), Err(ParseError::Json(_))));
        assert!(matches!(read("[1,2]"), Err(ParseError::NotObject)));
        assert!(matches!(read("42"), Err(ParseError::NotObject)));
        assert!(matches!(
            read(r#"{"uuid":"x"}"#),
            Err(ParseError::Shape { .. })
        ));
        assert!(matches!(
            read(r#"{"kind":"scope","uuid":"x","scope_category":"middle"}"#),
            Err(ParseError::Shape { .. })
        ));
        assert!(matches!(
            read(r#"{"kind":"scope","uuid":5,"scope_category":"start"}"#),
            Err(ParseError::Shape { .. })
        ));
        // Escaped strings are fine (owned, not borrowed).
        assert!(
            read(r#"{"kind":"mark","uuid":"a\"b","name":"x\ny"}"#).unwrap()[0]
                .starts_with("Mark id=a\"b")
        );
    }
}
