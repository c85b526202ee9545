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

use super::usage::{TokensInProbe, UsageProbe, error_text, is_error_status};
use super::{Format, ParseError, Reader, Str, time};
use trace_model::event::{Category, Event, EventKind, Failure, SourceRef, Tokens};

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    uuid: Option<Str<'a>>,
    #[serde(borrow)]
    parent_uuid: Option<Str<'a>>,
    #[serde(borrow)]
    timestamp: Option<&'a RawValue>,
    #[serde(borrow)]
    name: Option<Str<'a>>,
    #[serde(borrow)]
    scope_category: Option<Str<'a>>,
    #[serde(borrow)]
    category: Option<Str<'a>>,
    #[serde(borrow)]
    scope_type: Option<Str<'a>>,
    #[serde(borrow, default)]
    category_profile: ObjOr<Box<Profile<'a>>>,
    /// `input` / `output` are the pre-0.1 draft's names for the payload.
    #[serde(borrow, default, alias = "input", alias = "output")]
    data: ObjOr<Box<DataProbe<'a>>>,
    #[serde(borrow, default)]
    metadata: ObjOr<Box<MetaProbe<'a>>>,
    #[serde(borrow)]
    status: Option<Lv<'a>>,
    #[serde(borrow, default)]
    model_name: LStr<'a>,
    #[serde(borrow, default)]
    tool_call_id: LStr<'a>,
    #[serde(borrow, default)]
    annotated_response: ObjOr<Annotated<'a>>,
    #[serde(borrow)]
    error: Option<Lv<'a>>,
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
    usage: Option<UsageProbe>,
    #[serde(borrow, default)]
    model: LStr<'a>,
}

#[derive(Deserialize, Default)]
struct DataProbe<'a> {
    usage: Option<UsageProbe>,
    token_usage: Option<UsageProbe>,
    #[serde(rename = "usageMetadata")]
    usage_metadata: Option<UsageProbe>,
    #[serde(borrow, default)]
    response: ObjOr<Annotated<'a>>,
    #[serde(borrow, default)]
    annotated_response: ObjOr<Annotated<'a>>,
    #[serde(borrow, default)]
    content: ObjOr<Annotated<'a>>,
    #[serde(borrow)]
    error: Option<Lv<'a>>,
    #[serde(rename = "type", borrow, default)]
    kind: LStr<'a>,
    #[serde(borrow, default)]
    model: LStr<'a>,
    #[serde(borrow)]
    status: Option<Lv<'a>>,
    #[serde(borrow)]
    rejected: Option<Lv<'a>>,
    #[serde(borrow, default)]
    rejection_reason: LStr<'a>,
}

#[derive(Deserialize, Default)]
struct MetaProbe<'a> {
    #[serde(rename = "otel.status_code", borrow)]
    otel_status_code: Option<Lv<'a>>,
    #[serde(rename = "otel_status_code", borrow)]
    otel_status_code_flat: Option<Lv<'a>>,
    #[serde(rename = "otel.status_description", borrow)]
    otel_status_description: Option<Lv<'a>>,
    #[serde(rename = "otel_status_description", borrow)]
    otel_status_description_flat: Option<Lv<'a>>,
    #[serde(borrow)]
    status: Option<Lv<'a>>,
    #[serde(borrow)]
    error: Option<Lv<'a>>,
    #[serde(rename = "nemo_relay.log.severity", borrow)]
    severity: Option<Lv<'a>>,
    #[serde(rename = "nemo_relay_log_severity", borrow)]
    severity_flat: Option<Lv<'a>>,
    usage: Option<UsageProbe>,
    token_usage: Option<UsageProbe>,
    response: Option<TokensInProbe>,
    annotated_response: Option<TokensInProbe>,
}

/// A JSON value exactly as `Value` reads it, except that a string is kept borrowed: most
/// probed values are strings, and only objects and arrays are built.
enum Lv<'a> {
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
    fn as_str(&self) -> Option<&str> {
        match self {
            Lv::Str(s) => Some(s),
            Lv::Other(_) => None,
        }
    }

    fn error_text(&self) -> Option<String> {
        match self {
            Lv::Str(s) => Some(s.as_ref().to_owned()),
            Lv::Other(v) => error_text(v),
        }
    }
}

/// A probe struct when the value is an object; any other JSON value is skipped as `None`.
/// One pass over the line: payloads are scanned once and never materialized.
/// The large probes go in as `ObjOr<Box<_>>`: serde moves values by copy through every
/// layer, and measured, a box per object beats copying them.
struct ObjOr<T>(Option<T>);

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
                    .map(|t| ObjOr(Some(t)))
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
    /// The string unless empty; leaves `None` behind.
    fn take(&mut self) -> Option<Cow<'a, str>> {
        self.0.take().filter(|s| !s.is_empty())
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
        let mut line: Line<'_> = serde_json::from_str(text)
            .map_err(|e| ParseError::from_json(&e, Format::Atof, record))?;
        let kind_str = line
            .kind
            .as_ref()
            .map(|k| &*k.0)
            .ok_or_else(|| ParseError::shape(Format::Atof, "missing `kind`"))?;
        let kind = match (kind_str, line.scope_category.as_ref().map(|c| &*c.0)) {
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
            .ok_or_else(|| ParseError::shape(Format::Atof, "missing `uuid`"))?
            .0;
        let name = line.name.map_or(Cow::Borrowed(""), |n| n.0);
        let mut ev = Event::new(kind, id, name);
        ev.src = src;
        ev.parent = line.parent_uuid.map(|p| p.0).filter(|p| !p.is_empty());
        ev.ts_us = line.timestamp.and_then(time::timestamp_us);
        ev.category = line
            .category
            .or(line.scope_type)
            .map(|c| Category::parse(&c.0));
        if kind != EventKind::Mark && ev.category.is_none() {
            ev.category = Some(Category::Unknown);
        }

        let mut profile = line.category_profile.0;
        let profile_tool = profile.as_mut().and_then(|p| p.tool_call_id.take());
        ev.tool_call_id = profile_tool.or(line.tool_call_id.take());
        let profile_model = profile.as_mut().and_then(|p| p.model_name.take());
        ev.model = profile_model.or(line.model_name.take());
        let mut data = line.data.0;

        match kind {
            EventKind::Start => {
                if ev.model.is_none() && ev.category == Some(Category::Llm) {
                    ev.model = profile
                        .as_mut()
                        .and_then(|p| p.annotated_request.0.as_mut())
                        .and_then(|a| a.model.take())
                        .or_else(|| data.as_mut().and_then(|d| d.model.take()))
                        .or_else(|| {
                            data.as_mut()
                                .and_then(|d| d.content.0.as_mut())
                                .and_then(|c| c.model.take())
                        });
                }
            }
            EventKind::End | EventKind::Mark => {
                let mut annotated = profile
                    .as_mut()
                    .and_then(|p| p.annotated_response.0.as_mut())
                    .or(line.annotated_response.0.as_mut());
                let annotated_usage = annotated
                    .as_ref()
                    .and_then(|a| a.usage.as_ref())
                    .and_then(|u| u.0);
                if ev.model.is_none() {
                    ev.model = annotated
                        .as_mut()
                        .and_then(|a| a.model.take())
                        .or_else(|| data.as_mut().and_then(|d| d.model.take()));
                    ev.model_is_fallback = ev.model.is_some();
                }
                let (no_data, no_meta);
                let data = if let Some(d) = &data {
                    &**d
                } else {
                    no_data = DataProbe::default();
                    &no_data
                };
                let meta = if let Some(m) = &line.metadata.0 {
                    &**m
                } else {
                    no_meta = MetaProbe::default();
                    &no_meta
                };
                if kind == EventKind::End {
                    ev.tokens = annotated_usage.or_else(|| data_tokens(data, meta));
                }
                ev.failure = failure(line.status.as_ref(), line.error.as_ref(), data, meta, kind);
            }
        }
        out(ev);
        Ok(())
    }
}

fn str_of<'v>(v: Option<&'v Lv<'_>>) -> Option<&'v str> {
    v.and_then(Lv::as_str).filter(|s| !s.is_empty())
}

fn data_tokens(d: &DataProbe<'_>, meta: &MetaProbe<'_>) -> Option<Tokens> {
    [&d.usage, &d.token_usage, &d.usage_metadata]
        .into_iter()
        .flatten()
        .find_map(|u| u.0)
        .or_else(|| {
            [&d.response.0, &d.annotated_response.0, &d.content.0]
                .into_iter()
                .flatten()
                .find_map(|a| a.usage.as_ref().and_then(|u| u.0))
        })
        .or_else(|| {
            [&meta.usage, &meta.token_usage]
                .into_iter()
                .flatten()
                .find_map(|u| u.0)
        })
        .or_else(|| {
            [&meta.response, &meta.annotated_response]
                .into_iter()
                .flatten()
                .find_map(|t| t.0)
        })
}

fn failure<'a>(
    top_status: Option<&Lv<'_>>,
    top_error: Option<&Lv<'_>>,
    d: &DataProbe<'_>,
    meta: &MetaProbe<'_>,
    kind: EventKind,
) -> Failure<'a> {
    let description = str_of(meta.otel_status_description.as_ref())
        .or_else(|| str_of(meta.otel_status_description_flat.as_ref()));
    let otel_error = [&meta.otel_status_code, &meta.otel_status_code_flat]
        .into_iter()
        .any(|c| str_of(c.as_ref()).is_some_and(|c| c.eq_ignore_ascii_case("error")));
    let status_word = |v: Option<&Lv<'_>>| -> Option<String> {
        match v? {
            Lv::Str(s) if is_error_status(s) => Some(s.as_ref().to_owned()),
            Lv::Other(Value::Object(o)) => {
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
    let data_error = d.error.as_ref().and_then(Lv::error_text);
    let data_is_error_body = d.kind.0.as_deref() == Some("error");
    let rejected = matches!(d.rejected, Some(Lv::Other(Value::Bool(true))));
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
    } else if let Some(e) = top_error.and_then(Lv::error_text) {
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
                .or_else(|| meta.error.as_ref().and_then(Lv::error_text))
                .unwrap_or(w),
        )
    } else if let Some(e) = data_error {
        Some(e)
    } else if let Some(e) = meta.error.as_ref().and_then(Lv::error_text) {
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

    fn end(extra: &str) -> String {
        format!(
            r#"{{"kind":"scope","uuid":"u","timestamp":1,"name":"n","scope_category":"end","category":"llm"{extra}}}"#
        )
    }

    fn tokens_of(extra: &str) -> String {
        let got = read(&end(extra)).unwrap();
        let i = got[0].find("tokens=").unwrap();
        got[0][i..].to_owned()
    }

    #[test]
    fn usage_probe_in_a_line() {
        // Floats, digit strings, alias priority and the recomputed total.
        assert_eq!(
            tokens_of(
                r#","data":{"usage":{"input":1,"prompt_tokens":"10","completion_tokens":2.0,"total":5}}"#
            ),
            "tokens=Some((Some(10), Some(2), Some(12), None, None)) fail=None"
        );
        // Repeated keys inside a usage object: the last one counts, as in a JSON map.
        assert_eq!(
            tokens_of(r#","data":{"usage":{"input":1,"input":"x","output":3,"output":4}}"#),
            "tokens=Some((None, Some(4), Some(4), None, None)) fail=None"
        );
        // A usage that is not an object is skipped, never an error.
        assert_eq!(
            tokens_of(
                r#","data":{"usage":[1,2],"token_usage":"lots","usageMetadata":{"promptTokenCount":7}}"#
            ),
            "tokens=Some((Some(7), None, Some(7), None, None)) fail=None"
        );
        assert_eq!(
            tokens_of(
                r#","data":{"usage":7},"metadata":{"response":{"content":{"usage":{"output":2}}}}"#
            ),
            "tokens=Some((None, Some(2), Some(2), None, None)) fail=None"
        );
        // A repeated probed field is an error, as it always was.
        assert!(matches!(
            read(&end(r#","data":{"usage":{},"usage":{}}"#)),
            Err(ParseError::Shape { .. })
        ));
        // So is a value serde_json cannot read, anywhere under a probed field.
        assert!(read(&end(r#","data":{"usage":{"junk":1e400}}"#)).is_err());
        assert!(read(&end(r#","data":{"junk":1e400}"#)).is_ok());
    }

    #[test]
    fn probed_values_of_any_type() {
        for v in [
            "null",
            "true",
            "2",
            "-1.5",
            r#""""#,
            "[]",
            r#"{"code":2}"#,
            r#"{"a":[{}]}"#,
        ] {
            let extra = format!(
                r#","status":{v},"error":{v},"data":{{"error":{v},"status":{v},"rejected":{v}}},"metadata":{{"otel.status_code":{v},"status":{v},"error":{v},"nemo_relay.log.severity":{v},"response":{v}}}"#
            );
            assert!(read(&end(&extra)).is_ok(), "{v}");
        }
        assert!(
            read(&end(r#","status":{"code":"ERROR","message":"m"}"#)).unwrap()[0]
                .ends_with("fail=Error(\"m\")")
        );
        assert!(
            read(&end(r#","error":{"detail":[1]}"#)).unwrap()[0]
                .ends_with(r#"fail=Error("{\"detail\":[1]}")"#)
        );
    }

    #[test]
    fn unescaped_strings_are_borrowed() {
        let l = r#"{"kind":"mark","uuid":"a","parent_uuid":"p","name":"n","category_profile":{"model_name":"m"}}"#;
        AtofReader
            .read(l.as_bytes(), SourceRef::default(), &mut |e| {
                assert!(matches!(e.id, Cow::Borrowed("a")));
                assert!(matches!(e.parent, Some(Cow::Borrowed("p"))));
                assert!(matches!(e.name, Cow::Borrowed("n")));
                assert!(matches!(e.model, Some(Cow::Borrowed("m"))));
            })
            .unwrap();
    }
}
