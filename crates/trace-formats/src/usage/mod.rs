//! Token usage and error extraction from the loosely specified JSON objects producers write.
//!
//! One alias table serves every dialect: OpenAI (`prompt_tokens`), Anthropic (`input_tokens`,
//! `cache_*_input_tokens`), camelCase SDKs, Gemini `usageMetadata` and Relay's normalized usage.

use serde_json::Value;

use trace_model::event::Tokens;

pub(crate) const INPUT: &[&str] = &[
    "prompt_tokens",
    "input_tokens",
    "inputTokens",
    "promptTokens",
    "promptTokenCount",
    "input",
];
pub(crate) const OUTPUT: &[&str] = &[
    "completion_tokens",
    "output_tokens",
    "completionTokens",
    "outputTokens",
    "candidatesTokenCount",
    "output",
];
pub(crate) const TOTAL: &[&str] = &["total_tokens", "totalTokens", "totalTokenCount", "total"];
pub(crate) const CACHE_READ: &[&str] = &[
    "cache_read_tokens",
    "cache_read_input_tokens",
    "cached_tokens",
    "cachedTokens",
    "cacheReadTokens",
    "cacheReadInputTokens",
    "cachedContentTokenCount",
    "cacheRead",
];
pub(crate) const CACHE_WRITE: &[&str] = &[
    "cache_write_tokens",
    "cache_creation_input_tokens",
    "cacheWriteTokens",
    "cacheCreationInputTokens",
    "cacheWrite",
];
/// Objects whose `cached_tokens` stand in for a missing cache-read figure, in order.
pub(crate) const DETAILS: &[&str] = &["prompt_tokens_details", "input_tokens_details"];
pub(crate) const DETAILS_CACHED: &[&str] = &["cached_tokens", "cache_read_tokens"];
/// Where `tokens_in` looks for a usage object, in order: these keys, then the same keys
/// inside the holders.
pub(crate) const USAGE_KEYS: &[&str] = &["usage", "token_usage", "usageMetadata"];
pub(crate) const USAGE_HOLDERS: &[&str] = &["annotated_response", "response", "content"];

/// Reads a non-negative token count: integers, integral floats and digit strings; saturates.
pub fn count(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64().or_else(|| count_f64(n.as_f64()?)),
        Value::String(s) => count_str(s),
        _ => None,
    }
}

/// A float count: finite and non-negative, rounded, saturating.
pub(crate) fn count_f64(f: f64) -> Option<u64> {
    (f.is_finite() && f >= 0.0).then(|| {
        if f >= u64::MAX as f64 {
            u64::MAX
        } else {
            f.round() as u64
        }
    })
}

pub(crate) fn count_str(s: &str) -> Option<u64> {
    s.trim().parse::<u64>().ok()
}

pub(crate) fn first(obj: &serde_json::Map<String, Value>, keys: &[&str]) -> Option<u64> {
    keys.iter().find_map(|k| obj.get(*k).and_then(count))
}

/// Reads a usage object; `None` when it reports no token figure at all.
pub fn tokens_from_usage(usage: &Value) -> Option<Tokens> {
    let obj = usage.as_object()?;
    let nested_cached = DETAILS.iter().find_map(|k| {
        obj.get(*k)?
            .as_object()
            .and_then(|d| first(d, DETAILS_CACHED))
    });
    finish(Tokens {
        input: first(obj, INPUT),
        output: first(obj, OUTPUT),
        total: first(obj, TOTAL),
        cache_read: first(obj, CACHE_READ).or(nested_cached),
        cache_write: first(obj, CACHE_WRITE),
    })
}

/// The figures of one usage object as `tokens_from_usage` reports them.
pub(crate) fn finish(mut t: Tokens) -> Option<Tokens> {
    if t.is_empty() {
        return None;
    }
    // A reported total smaller than input + output is not a total: recompute it.
    let sum = t.input.unwrap_or(0).saturating_add(t.output.unwrap_or(0));
    if t.total.is_none_or(|total| total < sum) && (t.input.is_some() || t.output.is_some()) {
        t.total = Some(sum);
    }
    Some(t)
}

/// Looks for usage in the places producers put it inside one object (`data`, `metadata`,
/// a response body): `usage`, `token_usage`, `usageMetadata`, and the same one level down
/// under `response`, `annotated_response`, `content`.
pub fn tokens_in(obj: &Value) -> Option<Tokens> {
    let obj = obj.as_object()?;
    for key in USAGE_KEYS {
        if let Some(t) = obj.get(*key).and_then(tokens_from_usage) {
            return Some(t);
        }
    }
    for outer in USAGE_HOLDERS {
        if let Some(inner) = obj.get(*outer).filter(|v| v.is_object()) {
            for key in USAGE_KEYS {
                if let Some(t) = inner.get(*key).and_then(tokens_from_usage) {
                    return Some(t);
                }
            }
        }
    }
    None
}

/// Text of an error value: a string, or `message` / `error.message` / `type` of an object.
pub fn error_text(v: &Value) -> Option<String> {
    match v {
        Value::Null | Value::Bool(false) => None,
        Value::Bool(true) => Some(String::new()),
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => {
            let msg = o
                .get("message")
                .and_then(Value::as_str)
                .or_else(|| {
                    o.get("error")
                        .and_then(|e| e.get("message"))
                        .and_then(Value::as_str)
                })
                .or_else(|| o.get("type").and_then(Value::as_str));
            Some(msg.map_or_else(|| v.to_string(), str::to_owned))
        }
        other => Some(other.to_string()),
    }
}

/// Whether a status word means failure.
pub fn is_error_status(s: &str) -> bool {
    let s = s.trim();
    [
        "error",
        "failed",
        "failure",
        "denied",
        "cancelled",
        "canceled",
        "aborted",
        "timeout",
        "status_code_error",
    ]
    .iter()
    .any(|w| s.eq_ignore_ascii_case(w))
}

mod probe;

pub(crate) use probe::{TokensInProbe, UsageProbe};

#[cfg(test)]
mod tests;
