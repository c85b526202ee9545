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
    #[serde(borrow)]
    category_profile: Option<&'a RawValue>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
    #[serde(borrow)]
    input: Option<&'a RawValue>,
    #[serde(borrow)]
    output: Option<&'a RawValue>,
    #[serde(borrow)]
    metadata: Option<&'a RawValue>,
    #[serde(borrow)]
    status: Option<&'a RawValue>,
    #[serde(borrow)]
    model_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    tool_call_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    annotated_response: Option<&'a RawValue>,
    #[serde(borrow)]
    error: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct Profile<'a> {
    #[serde(borrow)]
    model_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    tool_call_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    annotated_response: Option<&'a RawValue>,
    #[serde(borrow)]
    annotated_request: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct Annotated {
    usage: Option<Value>,
    model: Option<Value>,
}

#[derive(Deserialize, Default)]
struct DataProbe<'a> {
    usage: Option<Value>,
    token_usage: Option<Value>,
    #[serde(rename = "usageMetadata")]
    usage_metadata: Option<Value>,
    #[serde(borrow)]
    response: Option<&'a RawValue>,
    #[serde(borrow)]
    annotated_response: Option<&'a RawValue>,
    #[serde(borrow)]
    content: Option<&'a RawValue>,
    error: Option<Value>,
    #[serde(rename = "type")]
    kind: Option<Value>,
    model: Option<Value>,
    status: Option<Value>,
    rejected: Option<Value>,
    rejection_reason: Option<Value>,
}

#[derive(Deserialize, Default)]
struct MetaProbe {
    #[serde(rename = "otel.status_code", alias = "otel_status_code")]
    otel_status_code: Option<Value>,
    #[serde(rename = "otel.status_description", alias = "otel_status_description")]
    otel_status_description: Option<Value>,
    status: Option<Value>,
    error: Option<Value>,
    #[serde(rename = "nemo_relay.log.severity", alias = "nemo_relay_log_severity")]
    severity: Option<Value>,
    usage: Option<Value>,
    token_usage: Option<Value>,
    response: Option<Value>,
    annotated_response: Option<Value>,
}

/// Reads ATOF JSONL lines.
#[derive(Debug, Default)]
pub struct AtofReader;

fn probe<'a, T: Deserialize<'a> + Default>(raw: Option<&'a RawValue>) -> T {
    raw.filter(|r| r.get().starts_with('{'))
        .and_then(|r| serde_json::from_str(r.get()).ok())
        .unwrap_or_default()
}

fn str_of(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.is_empty())
}

impl Reader for AtofReader {
    fn read(
        &mut self,
        record: &[u8],
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), ParseError> {
        let line: Line<'_> = serde_json::from_slice(record)
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

        let profile: Profile<'_> = probe(line.category_profile);
        ev.tool_call_id = profile
            .tool_call_id
            .or(line.tool_call_id)
            .filter(|s| !s.is_empty());
        ev.model = profile
            .model_name
            .or(line.model_name)
            .filter(|s| !s.is_empty());
        let data = line.data.or(match kind {
            EventKind::End => line.output,
            _ => line.input,
        });

        match kind {
            EventKind::Start => {
                if ev.model.is_none() && ev.category == Some(Category::Llm) {
                    ev.model = start_model(profile.annotated_request, data).map(Cow::Owned);
                }
            }
            EventKind::End | EventKind::Mark => {
                let annotated: Annotated =
                    probe(profile.annotated_response.or(line.annotated_response));
                let d: DataProbe<'_> = probe(data);
                let meta: MetaProbe = probe(line.metadata);
                if ev.model.is_none() {
                    ev.model = str_of(annotated.model.as_ref())
                        .or_else(|| str_of(d.model.as_ref()))
                        .map(|s| Cow::Owned(s.to_owned()));
                    ev.model_is_fallback = ev.model.is_some();
                }
                if kind == EventKind::End {
                    ev.tokens = annotated
                        .usage
                        .as_ref()
                        .and_then(tokens_from_usage)
                        .or_else(|| data_tokens(&d, &meta));
                }
                ev.failure = failure(line.status, line.error, &d, &meta, kind);
            }
        }
        out(ev);
        Ok(())
    }
}

fn start_model(annotated_request: Option<&RawValue>, data: Option<&RawValue>) -> Option<String> {
    let a: Annotated = probe(annotated_request);
    if let Some(m) = str_of(a.model.as_ref()) {
        return Some(m.to_owned());
    }
    let d: DataProbe<'_> = probe(data);
    if let Some(m) = str_of(d.model.as_ref()) {
        return Some(m.to_owned());
    }
    let content: DataProbe<'_> = probe(d.content);
    str_of(content.model.as_ref()).map(str::to_owned)
}

fn data_tokens(d: &DataProbe<'_>, meta: &MetaProbe) -> Option<Tokens> {
    [&d.usage, &d.token_usage, &d.usage_metadata]
        .into_iter()
        .flatten()
        .find_map(tokens_from_usage)
        .or_else(|| {
            [d.response, d.annotated_response, d.content]
                .into_iter()
                .flatten()
                .find_map(|raw| {
                    let v: Value = serde_json::from_str(raw.get()).ok()?;
                    tokens_in(&serde_json::json!({ "usage": v.get("usage")?.clone() }))
                })
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
    status: Option<&RawValue>,
    top_error: Option<&RawValue>,
    d: &DataProbe<'_>,
    meta: &MetaProbe,
    kind: EventKind,
) -> Failure<'a> {
    let description = str_of(meta.otel_status_description.as_ref());
    let otel_error =
        str_of(meta.otel_status_code.as_ref()).is_some_and(|c| c.eq_ignore_ascii_case("error"));
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
    let top_status: Option<Value> = status.and_then(|r| serde_json::from_str(r.get()).ok());
    let top_error: Option<Value> = top_error.and_then(|r| serde_json::from_str(r.get()).ok());
    let data_error = d.error.as_ref().and_then(error_text);
    let data_is_error_body = str_of(d.kind.as_ref()) == Some("error");
    let rejected = d.rejected.as_ref().and_then(Value::as_bool) == Some(true);
    let severity_error =
        str_of(meta.severity.as_ref()).is_some_and(|s| s.eq_ignore_ascii_case("error"));

    let text = if otel_error {
        Some(
            description
                .map(str::to_owned)
                .or_else(|| data_error.clone())
                .unwrap_or_default(),
        )
    } else if let Some(e) = top_error.as_ref().and_then(error_text) {
        Some(e)
    } else if let Some(w) = status_word(top_status.as_ref()) {
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
        let reason = str_of(d.rejection_reason.as_ref()).unwrap_or("no reason given");
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
