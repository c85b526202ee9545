//! Unit tests of usage and error extraction, typed probes against the `Value` path.

use super::probe::{Count, Lenient, RAW_VALUE_TOKEN};
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
            // A details object reports every cache part OpenAI has: no write is zero.
            cache_write: Some(0),
            cache_write_1h: None,
            reasoning: None,
        }
    );
}

#[test]
fn anthropic_usage_input_includes_cache_and_total_is_input_plus_output() {
    let t = tokens_from_usage(
        &json!({"input_tokens": 9, "cache_creation_input_tokens": 640,
        "cache_read_input_tokens": 21480, "output_tokens": 74}),
    )
    .unwrap();
    assert_eq!(
        t,
        Tokens {
            // Anthropic's input_tokens excludes the cache: 9 + 21480 + 640.
            input: Some(22129),
            output: Some(74),
            total: Some(22203),
            cache_read: Some(21480),
            cache_write: Some(640),
            // No TTL split: Anthropic's default five-minute writes.
            cache_write_1h: Some(0),
            reasoning: None,
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

/// Reads `text` as a `Value` and through a typed probe; both must agree, errors included.
fn same<T: Lenient, R: PartialEq + std::fmt::Debug>(
    text: &str,
    of_value: impl Fn(&Value) -> R,
    of_probe: impl Fn(T) -> R,
) -> Result<R, String> {
    let v = serde_json::from_str::<Value>(text).map(|v| of_value(&v));
    let p = serde_json::from_str::<T>(text).map(of_probe);
    let (v, p) = (v.map_err(|e| e.to_string()), p.map_err(|e| e.to_string()));
    assert_eq!(v, p, "{text}");
    v
}

/// The reduced figures through both paths (they must agree), then the tokens, which must
/// also be `tokens_from_usage`'s.
fn usage(text: &str) -> Result<Option<Tokens>, String> {
    let u = same::<UsageProbe, _>(text, usage_of, |p| p.0.map(|u| *u))?;
    let t = u.and_then(|u| u.tokens(Semantics::Auto));
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        assert_eq!(tokens_from_usage(&v), t, "{text}");
    }
    Ok(t)
}

fn tokens_in_both(text: &str) -> Result<Option<Tokens>, String> {
    let u = same::<TokensInProbe, _>(text, usage_in, |p| p.0.map(|u| *u))?;
    Ok(u.and_then(|u| u.tokens(Semantics::Auto)))
}

fn figures(text: &str) -> Option<(Option<u64>, Option<u64>, Option<u64>, Option<u64>)> {
    usage(text)
        .unwrap()
        .map(|t| (t.input, t.output, t.total, t.cache_read))
}

#[test]
fn probe_alias_priority() {
    // The first alias in table order wins, whatever the key order in the object.
    assert_eq!(
        figures(r#"{"input": 1, "inputTokens": 2, "prompt_tokens": 3, "output": 4}"#),
        Some((Some(3), Some(4), Some(7), None))
    );
    // An alias whose value is not a count is passed over.
    assert_eq!(
        figures(r#"{"prompt_tokens": "many", "input_tokens": null, "input": 5}"#),
        Some((Some(5), None, Some(5), None))
    );
    // Cache read: every top-level alias before the details objects, prompt's before input's.
    assert_eq!(
        figures(
            r#"{"input_tokens_details": {"cached_tokens": 1}, "prompt_tokens_details": {"cache_read_tokens": 2, "cached_tokens": 3}}"#
        ),
        Some((None, None, None, Some(3)))
    );
    assert_eq!(
        figures(r#"{"prompt_tokens_details": {"cached_tokens": 1}, "cacheRead": 9}"#),
        Some((None, None, None, Some(9)))
    );
    assert_eq!(
        figures(r#"{"prompt_tokens_details": 7, "input_tokens_details": {"cached_tokens": 8}}"#),
        Some((None, None, None, Some(8)))
    );
    for key in USAGE_FIELDS {
        assert!(usage(&format!(r#"{{"{key}": 1}}"#)).is_ok());
    }
}

#[test]
fn probe_counts() {
    let one = |v: &str| {
        same::<Count, _>(v, count, |c| c.0).unwrap();
        figures(&format!(r#"{{"prompt_tokens": {v}}}"#)).and_then(|t| t.0)
    };
    assert_eq!(one("12"), Some(12));
    assert_eq!(one("12.0"), Some(12));
    assert_eq!(one("12.5"), Some(13));
    assert_eq!(one("-0.0"), Some(0));
    assert_eq!(one("-0"), Some(0));
    assert_eq!(one("-1"), None);
    assert_eq!(one("1e30"), Some(u64::MAX));
    assert_eq!(one("18446744073709551615"), Some(u64::MAX));
    assert_eq!(one("18446744073709551616"), Some(u64::MAX));
    assert_eq!(one(r#"" 42 ""#), Some(42));
    assert_eq!(one(r#""4\u0032""#), Some(42));
    assert_eq!(one(r#""-3""#), None);
    assert_eq!(one(r#""1e3""#), None);
    assert_eq!(one("true"), None);
    assert_eq!(one("[1]"), None);
    assert_eq!(one(r#"{"value": 1}"#), None);
}

#[test]
fn probe_ignores_what_is_not_an_object() {
    for v in [
        "null",
        "true",
        "3",
        "-2.5",
        r#""usage""#,
        "[]",
        r#"[{"input": 1}]"#,
        "{}",
    ] {
        assert_eq!(usage(v), Ok(None), "{v}");
        assert_eq!(tokens_in_both(v), Ok(None));
    }
    assert_eq!(figures(r#"{"foo": 1, "bar": {"input": 2}}"#), None);
}

#[test]
fn probe_duplicate_keys_last_wins() {
    assert_eq!(
        figures(r#"{"input": 1, "input": 2}"#),
        Some((Some(2), None, Some(2), None))
    );
    // The later non-count hides the earlier count, as in a map.
    assert_eq!(
        figures(r#"{"prompt_tokens": 1, "input": 5, "prompt_tokens": "x"}"#),
        Some((Some(5), None, Some(5), None))
    );
    assert_eq!(
        figures(
            r#"{"prompt_tokens_details": {"cached_tokens": 1}, "prompt_tokens_details": [], "input_tokens_details": {"cached_tokens": 2, "cached_tokens": 3}}"#
        ),
        Some((None, None, None, Some(3)))
    );
    let t = |v: &str| tokens_in_both(v).unwrap();
    assert_eq!(t(r#"{"usage": {"input": 1}, "usage": 0}"#), None);
    assert_eq!(
        t(r#"{"response": {"usage": {"input": 1}}, "usage": {"total": 4}, "content": {"usage": {"input": 2}}}"#)
            .map(|t| t.total),
        Some(Some(4))
    );
    assert_eq!(
        t(r#"{"content": {"usage": {"input": 2}}, "response": {"token_usage": {"input": 1}}}"#)
            .map(|t| t.input),
        Some(Some(1))
    );
}

#[test]
fn probe_fails_exactly_where_value_fails() {
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    for bad in [
        r#"{"input": 1e400}"#.to_owned(),
        r#"{"other": -1e400}"#.to_owned(),
        r#"{"other": "\ud800"}"#.to_owned(),
        r#"{"other": [1,]}"#.to_owned(),
        r#"{"input": 1,}"#.to_owned(),
        format!(r#"{{"other": {deep}}}"#),
    ] {
        assert!(usage(&bad).is_err(), "{bad}");
    }
    // Nesting up to the limit is fine.
    let ok = format!(
        r#"{{"other": {}1{}, "input": 2}}"#,
        "[".repeat(120),
        "]".repeat(120)
    );
    assert!(usage(&ok).unwrap().is_some());
}

#[test]
fn probe_reads_serde_json_raw_value_envelopes() {
    // `Value` reads `{"<token>": "<json>"}` as the JSON in the string; the probes must too.
    assert_eq!(
        serde_json::from_str::<Value>(&format!(r#"{{"{RAW_VALUE_TOKEN}": "[1]"}}"#)).unwrap(),
        json!([1])
    );
    let env = |inner: &str| {
        format!(
            r#"{{"{RAW_VALUE_TOKEN}": {}}}"#,
            serde_json::to_string(inner).unwrap()
        )
    };
    assert_eq!(
        figures(&env(r#"{"input": 3}"#)),
        Some((Some(3), None, Some(3), None))
    );
    assert_eq!(
        figures(&format!(r#"{{"input": {}}}"#, env("4"))),
        Some((Some(4), None, Some(4), None))
    );
    assert_eq!(
        figures(&format!(r#"{{"x": 1, "{RAW_VALUE_TOKEN}": "4"}}"#)),
        None
    );
    assert!(usage(&env("{")).is_err());
    assert!(usage(&format!(r#"{{"{RAW_VALUE_TOKEN}": 4}}"#)).is_err());
    assert!(usage(&format!(r#"{{"{RAW_VALUE_TOKEN}": "4", "input": 1}}"#)).is_err());
}

#[test]
fn probe_matches_value_on_every_new_spelling() {
    // Details objects, TTL lists (numbers, strings, odd entries), markers with odd values:
    // both paths must reduce them alike (`usage` asserts it) and give these tokens.
    let cases: &[(
        &str,
        Option<(Option<u64>, Option<u64>, Option<u64>, Option<u64>)>,
    )] = &[
        (
            r#"{"input_tokens": 40, "cache_read_input_tokens": null, "cache_creation": {"ephemeral_1h_input_tokens": 12}, "output_tokens": 1}"#,
            Some((Some(52), None, Some(12), Some(12))),
        ),
        (
            r#"{"prompt_tokens": 10, "cache_write_tokens": [{"count": 2, "duration": "1h"}, {"count": "3", "duration": 300}, 7, {"duration": 3600}, {"count": 1, "count": 4}]}"#,
            Some((Some(10), None, Some(9), Some(2))),
        ),
        (
            r#"{"inputTokens": 5, "cacheDetails": [{"ttl": "5m", "inputTokens": 1}, {"ttl": "3600s", "inputTokens": 2}], "outputTokens": 1}"#,
            Some((Some(8), None, Some(3), Some(2))),
        ),
        (
            r#"{"prompt_tokens": 9, "prompt_tokens_details": {"cached_tokens": 4, "cache_write_tokens": 2}, "completion_tokens_details": [1]}"#,
            Some((Some(9), Some(4), Some(2), None)),
        ),
        (r#"{"cache_write_tokens": {"count": 1}}"#, None),
        (
            r#"{"cache_creation": {"ephemeral_5m_input_tokens": 3}}"#,
            Some((None, None, Some(3), None)),
        ),
    ];
    for (text, want) in cases {
        let got = usage(text)
            .unwrap()
            .map(|t| (t.input, t.cache_read, t.cache_write, t.cache_write_1h));
        assert_eq!(got, *want, "{text}");
    }
    for bad in [
        r#"{"cache_write_tokens": [{"count": 1e400}]}"#,
        r#"{"cacheDetails": [1,]}"#,
        r#"{"prompt_tokens_details": {"cached_tokens": "\ud800"}}"#,
    ] {
        assert!(usage(bad).is_err(), "{bad}");
    }
    for key in USAGE_FIELDS {
        assert!(usage(&format!(r#"{{"{key}": [1, {{"count": 2}}]}}"#)).is_ok());
    }
}

#[test]
fn reported_cost_reads_alike_on_both_paths() {
    // (usage text, nano-dollars): Relay's cost object, harn's and ATIF's dollar figure; a
    // zero, another currency, a string or a negative figure is no reported cost.
    let cases: &[(&str, Option<u64>)] = &[
        (
            r#"{"prompt_tokens": 10, "cost": {"total": 0.001995, "currency": "USD", "source": "provider_reported"}}"#,
            Some(1_995_000),
        ),
        (
            r#"{"prompt_tokens": 10, "cost": {"currency": "usd", "total": 2}}"#,
            Some(2_000_000_000),
        ),
        (
            r#"{"input_tokens": 40, "cost_usd": 0.00186}"#,
            Some(1_860_000),
        ),
        (r#"{"input_tokens": 40, "cost_usd": 0.0}"#, None),
        (
            r#"{"input_tokens": 40, "cost": {"total": 1.5, "currency": "EUR"}}"#,
            None,
        ),
        (
            r#"{"input_tokens": 40, "cost": {"total": 1.5, "currency": 7}}"#,
            Some(1_500_000_000),
        ),
        (r#"{"input_tokens": 40, "cost": "0.5"}"#, None),
        (r#"{"input_tokens": 40, "cost": -1}"#, None),
        (
            r#"{"input_tokens": 40, "cost": null, "cost_usd": 0.25}"#,
            Some(250_000_000),
        ),
        (
            r#"{"input_tokens": 40, "cost": 0.1, "cost": 0.2}"#,
            Some(200_000_000),
        ),
    ];
    for (text, want) in cases {
        let got = same::<UsageProbe, _>(text, usage_of, |p| p.0.map(|u| *u)).unwrap();
        assert_eq!(got.and_then(|u| u.reported_cost_nusd()), *want, "{text}");
    }
}
