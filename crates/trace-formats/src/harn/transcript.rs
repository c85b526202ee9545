//! harn's LLM transcript (`llm_transcript.jsonl`, mirrored to the event-log topic
//! `agent.transcript.llm`; FORMATS.md §2.2, §2.6): harn 0.7.x writes its model calls and
//! tokens only here. A `provider_call_response` becomes one LLM call, timed from its
//! `provider_call_request` (same `call_id`) or by `response_ms`, under the iteration it names
//! in the session this reader knows (the event log read before it), else under a transcript
//! root of its own; an iteration whose `iteration_info` (harn ≥ 0.8) already gave its call is
//! not counted twice. The other record types (prompts, messages, schemas) carry no call.
//!
//! Tokens (TOKENS.md §1.2, §1.3): `input_tokens` is the provider's raw figure, so for
//! Anthropic (and Bedrock, which serves Claude) cached reads and writes are added to make
//! input the whole prompt; OpenAI, Gemini and the rest already include them. A zero cache
//! figure from Gemini or Bedrock (which never read it) is unknown, not zero.

use std::borrow::Cow;

use serde_json::Value;

use super::{HarnReader, ms_to_us};
use crate::usage::count;
use trace_model::event::{Category, Event, EventKind, SourceRef, Tokens};

/// Record types of the transcript (FORMATS.md §0.1 rule 6).
pub(crate) const TYPES: &[&str] = &[
    "system_prompt",
    "tool_schemas",
    "message",
    "provider_call_request",
    "provider_call_response",
    "interpreted_response",
    "routing_decision",
];

/// Rule 6: a transcript type and `call_id`, `hash`, or a `"<secs>.<ms>"` timestamp.
pub(crate) fn is_transcript(o: &serde_json::Map<String, Value>) -> bool {
    let typed = o
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| TYPES.contains(&t));
    let stamp = o
        .get("timestamp")
        .and_then(Value::as_str)
        .is_some_and(is_secs_ms);
    typed && (o.contains_key("call_id") || o.contains_key("hash") || stamp)
}

/// `^\d+\.\d{3}$`.
fn is_secs_ms(s: &str) -> bool {
    s.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty() && b.len() == 3 && (a.bytes().chain(b.bytes())).all(|c| c.is_ascii_digit())
    })
}

/// `"<secs>.<ms>"` (or a number of seconds) in epoch µs.
fn stamp_us(v: Option<&Value>) -> Option<i64> {
    let f = match v? {
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        Value::Number(n) => n.as_f64()?,
        _ => return None,
    };
    let us = (f * 1e6).round();
    (us.is_finite() && us.abs() < 9.2e18).then_some(us as i64)
}

fn text<'v>(r: &'v Value, key: &str) -> Option<&'v str> {
    r.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// A response's tokens, by its provider's accounting.
pub(crate) fn tokens(r: &Value) -> Option<Tokens> {
    let get = |k: &str| r.get(k).and_then(count);
    let provider = text(r, "provider").unwrap_or("").to_ascii_lowercase();
    let input = get("input_tokens");
    let output = get("output_tokens");
    let never_cached = provider.contains("gemini") || provider.contains("bedrock");
    let cache = |k: &str| get(k).filter(|n| *n > 0 || !never_cached);
    let read = cache("cache_read_tokens");
    let write = cache("cache_write_tokens").or_else(|| cache("cache_creation_input_tokens"));
    if input.is_none() && output.is_none() {
        return None;
    }
    let exclusive = provider.contains("anthropic") || provider.contains("bedrock");
    let input = if exclusive {
        input.map(|i| {
            i.saturating_add(read.unwrap_or(0))
                .saturating_add(write.unwrap_or(0))
        })
    } else {
        input
    };
    Some(Tokens {
        input,
        output,
        total: Some(input.unwrap_or(0).saturating_add(output.unwrap_or(0))),
        cache_read: read,
        cache_write: write,
        ..Tokens::default()
    })
}

impl HarnReader {
    /// Reads one transcript record (`fallback_ts`: a topic record's `occurred_at_ms`).
    pub(super) fn read_transcript(
        &mut self,
        r: &Value,
        fallback_ts: Option<i64>,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) {
        let ts = stamp_us(r.get("timestamp")).or(fallback_ts);
        let call = text(r, "call_id").unwrap_or("");
        match text(r, "type") {
            Some("provider_call_request") => {
                if let Some(t) = ts {
                    self.requests.insert(call.to_owned(), t);
                }
            }
            Some("provider_call_response") => self.response(r, call, ts, src, out),
            _ => {}
        }
    }

    fn response(
        &mut self,
        r: &Value,
        call: &str,
        ts: Option<i64>,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) {
        // The session: the one event log this reader has read, if exactly one.
        let mut named = self.sessions.iter().filter(|(sid, _)| !sid.is_empty());
        let session = match (named.next(), named.next()) {
            (Some((sid, s)), None) => Some((sid.clone(), s)),
            _ => None,
        };
        let iteration = r.get("iteration").and_then(count);
        if let (Some((_, s)), Some(n)) = (&session, iteration) {
            // A newer event log's `iteration_info` already gave this iteration's call.
            if s.counted.contains(&n) {
                return;
            }
        }
        let (root, parent) = if let Some((sid, s)) = session {
            let root = format!("harn:{sid}");
            let parent = match iteration {
                Some(n) if s.iterations.contains(&n) => format!("{root}:it:{n}"),
                _ => root.clone(),
            };
            (root, parent)
        } else {
            let root = format!("harn-llm:{}", src.file);
            if !self.transcript_root {
                self.transcript_root = true;
                let mut e = Event::new(EventKind::Start, root.clone(), "harn LLM transcript");
                e.ts_us = ts;
                e.category = Some(Category::Agent);
                e.container = true;
                e.src = src;
                out(e);
            }
            (root.clone(), root)
        };
        let response_us = r.get("response_ms").and_then(count).map(ms_to_us);
        let start = self
            .requests
            .remove(call)
            .or_else(|| Some(ts?.saturating_sub(response_us?)))
            .or(ts);
        let end = ts.or_else(|| Some(start?.saturating_add(response_us?)));
        let model = text(r, "model")
            .or_else(|| text(r, "provider"))
            .map(str::to_owned);
        let name = model.clone().unwrap_or_else(|| "model call".to_owned());
        let key = if call.is_empty() {
            format!("l{}", src.line)
        } else {
            call.to_owned()
        };
        let id = format!("{root}:call:{key}");
        let mut s = Event::new(EventKind::Start, id.clone(), name.clone());
        s.parent = Some(Cow::Owned(parent.clone()));
        s.ts_us = start;
        s.category = Some(Category::Llm);
        s.model = model.clone().map(Cow::Owned);
        s.src = src;
        out(s);
        let mut e = Event::new(EventKind::End, id, name);
        e.parent = Some(Cow::Owned(parent));
        e.ts_us = end;
        e.category = Some(Category::Llm);
        e.model = model.map(Cow::Owned);
        e.tokens = tokens(r);
        // harn's `cost_usd` leaves out cache prices and is 0.0 for an unknown model
        // (TOKENS.md §1.3): shown as `reported`, never as ours.
        e.reported_cost_nusd = r
            .get("cost_usd")
            .and_then(super::super::usage::reported_cost);
        e.duration_us = response_us;
        e.src = src;
        out(e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Reader;

    fn llm_ends(lines: &[&str]) -> Vec<(String, Option<String>, Option<Tokens>)> {
        let mut r = HarnReader::default();
        let mut found = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let src = SourceRef {
                line: i as u64 + 1,
                ..SourceRef::default()
            };
            let mut out = |e: Event<'_>| {
                if e.kind == EventKind::End && e.category == Some(Category::Llm) {
                    found.push((e.id.into_owned(), e.parent.map(Cow::into_owned), e.tokens));
                }
            };
            r.read(l.as_bytes(), src, &mut out).unwrap();
        }
        found
    }

    #[test]
    fn iteration_info_calls_are_not_counted_twice() {
        let found = llm_ends(&[
            r#"{"index":0,"emitted_at_ms":1000,"type":"iteration_start","session_id":"s","iteration":1}"#,
            r#"{"index":1,"emitted_at_ms":2000,"type":"iteration_end","session_id":"s","iteration":1,"iteration_info":{"model":"m","input_tokens":5,"output_tokens":1,"response_ms":900}}"#,
            r#"{"index":2,"emitted_at_ms":2100,"type":"iteration_start","session_id":"s","iteration":2}"#,
            r#"{"type":"provider_call_response","iteration":1,"call_id":"c1","provider":"openai","model":"m","input_tokens":5,"output_tokens":1,"timestamp":"1.900"}"#,
            r#"{"type":"provider_call_response","iteration":2,"call_id":"c2","provider":"openai","model":"m","input_tokens":7,"output_tokens":2,"timestamp":"2.900"}"#,
        ]);
        let ids: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(ids, ["harn:s:llm:1", "harn:s:call:c2"]);
        assert_eq!(found[1].1.as_deref(), Some("harn:s:it:2"));
    }

    #[test]
    fn provider_decides_whether_cache_is_inside_input() {
        let anthropic = serde_json::json!({"provider":"anthropic","input_tokens":40,"output_tokens":116,
            "cache_read_tokens":300,"cache_write_tokens":12});
        let t = tokens(&anthropic).unwrap();
        assert_eq!(
            (t.input, t.total, t.cache_read, t.cache_write),
            (Some(352), Some(468), Some(300), Some(12))
        );
        let gemini = serde_json::json!({"provider":"gemini","input_tokens":100,"output_tokens":5,
            "cache_read_tokens":0,"cache_write_tokens":0});
        let t = tokens(&gemini).unwrap();
        assert_eq!(
            (t.input, t.cache_read, t.cache_write),
            (Some(100), None, None)
        );
        assert_eq!(tokens(&serde_json::json!({"provider":"openai"})), None);
        assert!(
            is_secs_ms("1746000000.005") && !is_secs_ms("1746000000.05") && !is_secs_ms(".005")
        );
    }
}
