//! Token usage and error extraction from the loosely specified JSON objects producers write.
//!
//! One alias table serves every dialect: OpenAI (`prompt_tokens`), Anthropic (`input_tokens`,
//! `cache_*_input_tokens`), camelCase SDKs, Gemini `usageMetadata` and Relay's normalized usage.

use serde_json::Value;

use crate::event::Tokens;

const INPUT: &[&str] = &[
    "prompt_tokens",
    "input_tokens",
    "inputTokens",
    "promptTokens",
    "promptTokenCount",
    "input",
];
const OUTPUT: &[&str] = &[
    "completion_tokens",
    "output_tokens",
    "completionTokens",
    "outputTokens",
    "candidatesTokenCount",
    "output",
];
const TOTAL: &[&str] = &["total_tokens", "totalTokens", "totalTokenCount", "total"];
const CACHE_READ: &[&str] = &[
    "cache_read_tokens",
    "cache_read_input_tokens",
    "cached_tokens",
    "cachedTokens",
    "cacheReadTokens",
    "cacheReadInputTokens",
    "cachedContentTokenCount",
    "cacheRead",
];
const CACHE_WRITE: &[&str] = &[
    "cache_write_tokens",
    "cache_creation_input_tokens",
    "cacheWriteTokens",
    "cacheCreationInputTokens",
    "cacheWrite",
];

/// Reads a non-negative token count: integers, integral floats and digit strings; saturates.
pub fn count(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64().or_else(|| {
            let f = n.as_f64()?;
            (f.is_finite() && f >= 0.0).then(|| {
                if f >= u64::MAX as f64 {
                    u64::MAX
                } else {
                    f.round() as u64
                }
            })
        }),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
}

fn first(obj: &serde_json::Map<String, Value>, keys: &[&str]) -> Option<u64> {
    keys.iter().find_map(|k| obj.get(*k).and_then(count))
}

/// Reads a usage object; `None` when it reports no token figure at all.
pub fn tokens_from_usage(usage: &Value) -> Option<Tokens> {
    let obj = usage.as_object()?;
    let nested_cached = ["prompt_tokens_details", "input_tokens_details"]
        .iter()
        .find_map(|k| {
            obj.get(*k)?
                .as_object()
                .and_then(|d| first(d, &["cached_tokens", "cache_read_tokens"]))
        });
    let mut t = Tokens {
        input: first(obj, INPUT),
        output: first(obj, OUTPUT),
        total: first(obj, TOTAL),
        cache_read: first(obj, CACHE_READ).or(nested_cached),
        cache_write: first(obj, CACHE_WRITE),
    };
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
    for key in ["usage", "token_usage", "usageMetadata"] {
        if let Some(t) = obj.get(key).and_then(tokens_from_usage) {
            return Some(t);
        }
    }
    for outer in ["annotated_response", "response", "content"] {
        if let Some(inner) = obj.get(outer).filter(|v| v.is_object()) {
            for key in ["usage", "token_usage", "usageMetadata"] {
                if let Some(t) = inner.get(key).and_then(tokens_from_usage) {
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
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "error"
            | "failed"
            | "failure"
            | "denied"
            | "cancelled"
            | "canceled"
            | "aborted"
            | "timeout"
            | "status_code_error"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn openai_usage() {
        let t = tokens_from_usage(
            &json!({"prompt_tokens": 84, "completion_tokens": 18, "total_tokens": 102,
            "prompt_tokens_details": {"cached_tokens": 64}}),
        )
        .unwrap();
        assert_eq!(
            t,
            Tokens {
                input: Some(84),
                output: Some(18),
                total: Some(102),
                cache_read: Some(64),
                cache_write: None
            }
        );
    }

    #[test]
    fn anthropic_usage_total_is_input_plus_output() {
        let t = tokens_from_usage(
            &json!({"input_tokens": 9, "cache_creation_input_tokens": 640,
            "cache_read_input_tokens": 21480, "output_tokens": 74}),
        )
        .unwrap();
        assert_eq!(
            t,
            Tokens {
                input: Some(9),
                output: Some(74),
                total: Some(83),
                cache_read: Some(21480),
                cache_write: Some(640)
            }
        );
    }

    #[test]
    fn total_smaller_than_parts_is_rejected() {
        let t = tokens_from_usage(&json!({"input": 10, "output": 5, "total": 3})).unwrap();
        assert_eq!(t.total, Some(15));
    }

    #[test]
    fn odd_numbers() {
        assert_eq!(count(&json!(1e30)), Some(u64::MAX));
        assert_eq!(count(&json!(-5)), None);
        assert_eq!(count(&json!("42")), Some(42));
        assert_eq!(tokens_from_usage(&json!({"foo": 1})), None);
        assert_eq!(tokens_from_usage(&json!([1, 2])), None);
    }

    #[test]
    fn nested_locations() {
        let t = tokens_in(&json!({"response": {"usage": {"input_tokens": 3, "output_tokens": 4}}}))
            .unwrap();
        assert_eq!(t.total, Some(7));
        let g = tokens_in(&json!({"usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 6, "totalTokenCount": 11}})).unwrap();
        assert_eq!((g.input, g.output, g.total), (Some(5), Some(6), Some(11)));
    }
}
