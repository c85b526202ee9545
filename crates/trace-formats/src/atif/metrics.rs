//! ATIF step figures: token metrics (TOKENS.md §1.5), times, and errors (FORMATS.md §7.6:
//! ATIF has no error field; NAT's `extra.invocation.status` and the observation say so).

use std::borrow::Cow;

use serde_json::Value;

use crate::time::parse_rfc3339_us;
use crate::usage::{count, error_text, is_error_status};
use trace_model::event::{Failure, Tokens};

/// A step's `metrics` as normalized tokens: input = `prompt_tokens` (all input, cached
/// included, RFC v1.2+), cache_read = `cached_tokens`, cache_write =
/// `extra.cache_creation_input_tokens`, output = `completion_tokens`.
///
/// `cached_tokens > prompt_tokens` means the producer counted Anthropic-style (input
/// excluding the cache): input is then prompt + cached + written. In a NeMo Relay file
/// (`relay`), `cached_tokens` is reads and writes together; with no split known it is kept as
/// the read figure.
pub(super) fn tokens(metrics: &Value, relay: bool) -> Option<Tokens> {
    let m = metrics.as_object()?;
    let extra = m.get("extra");
    let get = |k: &str| m.get(k).and_then(count);
    let prompt = get("prompt_tokens");
    let cached = get("cached_tokens");
    let written = if relay {
        None
    } else {
        extra
            .and_then(|e| e.get("cache_creation_input_tokens"))
            .and_then(count)
    };
    let output = get("completion_tokens");
    let exclusive = matches!((prompt, cached), (Some(p), Some(c)) if c > p);
    let input = if exclusive {
        prompt.map(|p| {
            p.saturating_add(cached.unwrap_or(0))
                .saturating_add(written.unwrap_or(0))
        })
    } else {
        prompt
    };
    let t = Tokens {
        input,
        output,
        total: None,
        cache_read: cached,
        cache_write: written,
        cache_write_1h: None,
        reasoning: extra
            .and_then(|e| e.get("reasoning_tokens"))
            .and_then(count),
    };
    if t.is_empty() {
        return None;
    }
    let sum = input.unwrap_or(0).saturating_add(output.unwrap_or(0));
    let reported = extra.and_then(|e| e.get("total_tokens")).and_then(count);
    Some(Tokens {
        // A reported total is kept unless it is smaller than input + output.
        total: Some(reported.filter(|r| *r >= sum).unwrap_or(sum)),
        ..t
    })
}

/// A step's `timestamp` (ISO 8601; a zone-less time is taken as UTC) in epoch µs.
pub(super) fn step_time(step: &Value) -> Option<i64> {
    let s = step.get("timestamp")?.as_str()?.trim();
    parse_rfc3339_us(s).or_else(|| {
        let t = s.replace(' ', "T");
        chrono::NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M:%S%.f")
            .ok()
            .map(|d| d.and_utc().timestamp_micros())
    })
}

/// NAT's `extra.invocation.{start,end}_timestamp` (epoch seconds) in epoch µs.
pub(super) fn invocation(v: &Value) -> (Option<i64>, Option<i64>) {
    let inv = v.get("extra").and_then(|e| e.get("invocation"));
    let at = |k: &str| {
        let f = inv?.get(k)?.as_f64()?;
        let us = (f * 1e6).round();
        (us.is_finite() && us.abs() < 9.2e18).then_some(us as i64)
    };
    (at("start_timestamp"), at("end_timestamp"))
}

fn invocation_failure(v: &Value) -> Option<String> {
    let extra = v.get("extra")?;
    let status = extra
        .get("invocation")
        .and_then(|i| i.get("status"))
        .or_else(|| extra.get("status"))
        .and_then(Value::as_str)?;
    is_error_status(status).then(|| status.to_owned())
}

/// An LLM step fails when NAT's invocation status says so.
pub(super) fn llm_failure(step: &Value) -> Failure<'static> {
    match invocation_failure(step) {
        Some(s) => Failure::Error(Cow::Owned(s)),
        None => Failure::None,
    }
}

/// A tool call fails when its invocation status, a result's `extra` status or `is_error`, or
/// the result's content (a JSON object with a non-empty `error` or `is_error: true`) says so.
pub(super) fn tool_failure(call: &Value, results: &[&Value]) -> Failure<'static> {
    if let Some(s) = invocation_failure(call) {
        return Failure::Error(Cow::Owned(s));
    }
    for r in results {
        if let Some(s) = invocation_failure(r) {
            return Failure::Error(Cow::Owned(s));
        }
        let flagged = |v: Option<&Value>| v.and_then(Value::as_bool) == Some(true);
        if flagged(r.get("extra").and_then(|e| e.get("is_error"))) {
            return Failure::Error(Cow::Borrowed("error"));
        }
        if let Some(text) = content_error(r.get("content")) {
            return Failure::Error(Cow::Owned(text));
        }
    }
    Failure::None
}

/// The error a result's content reports as a JSON object (or a string holding one).
fn content_error(content: Option<&Value>) -> Option<String> {
    let parsed;
    let obj = match content? {
        Value::Object(o) => o,
        Value::String(s) if s.trim_start().starts_with('{') => {
            parsed = serde_json::from_str::<Value>(s).ok()?;
            parsed.as_object()?
        }
        _ => return None,
    };
    if obj.get("is_error").and_then(Value::as_bool) == Some(true) {
        return Some(
            obj.get("error")
                .and_then(error_text)
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "error".to_owned()),
        );
    }
    obj.get("error")
        .and_then(error_text)
        .filter(|t| !t.trim().is_empty())
}
