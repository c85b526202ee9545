//! Token usage and error extraction from the loosely specified JSON objects producers write.
//!
//! One alias table serves every dialect: OpenAI Chat and Responses, Anthropic, Bedrock
//! Converse, camelCase SDKs, Gemini `usageMetadata` and Relay's normalized usage; [`norm`]
//! holds the tables and the rule that gives every spelling one meaning (input = all prompt
//! tokens, cached included).

use serde_json::Value;

use trace_model::event::Tokens;

mod cost;
mod keys;
mod norm;

pub(crate) use norm::{
    AT_COST, AT_DETAILS, AT_LISTS, DETAIL_FIELDS, ENTRY_FIELDS, Raw, USAGE_FIELDS, Writes, concat,
    finish, nano_usd, ttl_seconds,
};
pub use norm::{Semantics, Usage};

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

/// The raw figures of a usage object, read from a `Value` exactly as the typed probes
/// read them from the text.
pub(crate) fn raw_of(obj: &serde_json::Map<String, Value>) -> Raw {
    let mut r = Raw::default();
    // The object's few entries against the table, not each of the table's keys looked up
    // in the map: a map's keys are distinct, so the answer is the same.
    for (key, v) in obj {
        let Some(i) = keys::usage_field(key) else {
            continue;
        };
        r.seen |= 1 << i;
        if i < AT_DETAILS {
            r.counts[i] = count(v);
        } else if i < AT_LISTS {
            r.details[i - AT_DETAILS] = v.as_object().map(|d| {
                let mut out = [None; DETAIL_FIELDS.len()];
                for (j, f) in DETAIL_FIELDS.iter().enumerate() {
                    out[j] = d.get(*f).and_then(count);
                }
                out
            });
        } else if i < AT_COST {
            r.lists[i - AT_LISTS] = writes_of(v);
        } else {
            r.costs[i - AT_COST] = reported_cost(v);
        }
    }
    r
}

/// A producer's cost: a dollar figure, or an object with a `total` in USD (Relay's `cost`;
/// another currency is not a dollar figure). Nano-dollars.
pub fn reported_cost(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => nano_usd(n.as_f64()?),
        Value::Object(o) => {
            // Only a currency named, and not USD, disqualifies the figure.
            let usd = o
                .get("currency")
                .and_then(Value::as_str)
                .is_none_or(|c| c.eq_ignore_ascii_case("usd"));
            usd.then(|| o.get("total").and_then(Value::as_f64))
                .flatten()
                .and_then(nano_usd)
        }
        _ => None,
    }
}

/// A count, or a list of `{count|inputTokens, duration|ttl}` write entries.
fn writes_of(v: &Value) -> Writes {
    match v {
        Value::Array(items) if items.is_empty() => Writes::empty_list(),
        Value::Array(items) => {
            let mut w = Writes::default();
            for e in items.iter().filter_map(Value::as_object) {
                let n = ENTRY_FIELDS[..2]
                    .iter()
                    .find_map(|k| e.get(*k).and_then(count));
                let ttl = ENTRY_FIELDS[2..]
                    .iter()
                    .find_map(|k| e.get(*k).and_then(ttl_of));
                w.add_entry(n, ttl);
            }
            w.end_list()
        }
        other => Writes {
            total: count(other),
            one_hour: None,
        },
    }
}

fn ttl_of(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => ttl_seconds(s),
        other => count(other),
    }
}

/// Reads a usage object in trace-tui's one meaning (input = all prompt tokens, cached
/// included), deciding the provider's spelling from the keys present (see [`norm`]);
/// `None` when it reports no token figure at all.
pub fn tokens_from_usage(usage: &Value) -> Option<Tokens> {
    tokens_from_usage_as(usage, Semantics::Auto)
}

/// [`tokens_from_usage`] when the caller knows how the provider counts input (a `provider`
/// field beside the usage: [`Semantics::of_provider`]).
pub fn tokens_from_usage_as(usage: &Value, sem: Semantics) -> Option<Tokens> {
    usage_of(usage)?.tokens(sem)
}

/// The reduced figures of a usage object, for callers that learn the semantics later.
pub fn usage_of(usage: &Value) -> Option<Usage> {
    raw_of(usage.as_object()?).reduce().nonempty()
}

/// Looks for usage in the places producers put it inside one object (`data`, `metadata`,
/// a response body): `usage`, `token_usage`, `usageMetadata`, and the same one level down
/// under `response`, `annotated_response`, `content`. Same meaning as [`tokens_from_usage`].
pub fn tokens_in(obj: &Value) -> Option<Tokens> {
    usage_in(obj)?.tokens(Semantics::Auto)
}

/// The first usage object [`tokens_in`] finds, reduced.
pub fn usage_in(obj: &Value) -> Option<Usage> {
    let obj = obj.as_object()?;
    for key in USAGE_KEYS {
        if let Some(u) = obj.get(*key).and_then(usage_of) {
            return Some(u);
        }
    }
    for outer in USAGE_HOLDERS {
        if let Some(inner) = obj.get(*outer).filter(|v| v.is_object()) {
            for key in USAGE_KEYS {
                if let Some(u) = inner.get(*key).and_then(usage_of) {
                    return Some(u);
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

pub(crate) mod probe;

pub(crate) use probe::{TokensInProbe, UsageProbe};

#[cfg(test)]
mod tests;
