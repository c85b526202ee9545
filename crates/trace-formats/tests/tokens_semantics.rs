//! One token meaning for every provider spelling (ARCHITECTURE.md, "Token mapping per source
//! and dialect"): input = all prompt tokens, cached included; cache_read and cache_write are
//! parts of it; output includes reasoning. One test per spelling, exact values, through the
//! public `usage` API and through the ATOF and harn readers.

use serde_json::{Value, json};
use trace_formats::Format;
use trace_formats::usage::{Semantics, tokens_from_usage, tokens_from_usage_as, tokens_in};
use trace_model::event::{Event, EventKind, SourceRef, Tokens};

/// (input, cache_read, cache_write, cache_write_1h, output, reasoning, total)
type Row = (
    Option<u64>,
    Option<u64>,
    Option<u64>,
    Option<u64>,
    Option<u64>,
    Option<u64>,
    Option<u64>,
);

fn row(t: Tokens) -> Row {
    (
        t.input,
        t.cache_read,
        t.cache_write,
        t.cache_write_1h,
        t.output,
        t.reasoning,
        t.total,
    )
}

#[allow(clippy::needless_pass_by_value)] // called on `json!` temporaries
fn of(v: Value) -> Row {
    row(tokens_from_usage(&v).expect("usage"))
}

#[test]
fn openai_chat_prompt_tokens_include_cached() {
    let t = tokens_from_usage(&json!({
        "prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150,
        "prompt_tokens_details": {"cached_tokens": 64, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 12}
    }))
    .unwrap();
    assert_eq!(
        row(t),
        (
            Some(120),
            Some(64),
            Some(0),
            None,
            Some(30),
            Some(12),
            Some(150)
        )
    );
    assert_eq!(t.uncached(), Some(56));
    assert!(!t.is_inconsistent());
}

#[test]
fn openai_chat_without_details_leaves_the_cache_unknown() {
    let t = tokens_from_usage(&json!({"prompt_tokens": 84, "completion_tokens": 18})).unwrap();
    assert_eq!(
        row(t),
        (Some(84), None, None, None, Some(18), None, Some(102))
    );
    assert_eq!(t.uncached(), None);
}

#[test]
fn openai_responses_input_tokens_are_inclusive() {
    // `input_tokens` as Anthropic spells it, but `input_tokens_details` says Responses.
    assert_eq!(
        of(json!({
            "input_tokens": 120, "input_tokens_details": {"cached_tokens": 64},
            "output_tokens": 30, "output_tokens_details": {"reasoning_tokens": 20},
            "total_tokens": 150
        })),
        (
            Some(120),
            Some(64),
            Some(0),
            None,
            Some(30),
            Some(20),
            Some(150)
        )
    );
}

#[test]
fn anthropic_input_tokens_exclude_the_cache() {
    // The worked example: 40 uncached / 300 read / 12 written / 116 out → input 352.
    let t = tokens_from_usage(&json!({
        "input_tokens": 40, "cache_read_input_tokens": 300,
        "cache_creation_input_tokens": 12, "output_tokens": 116
    }))
    .unwrap();
    assert_eq!(
        row(t),
        (
            Some(352),
            Some(300),
            Some(12),
            Some(0),
            Some(116),
            None,
            Some(468)
        )
    );
    assert_eq!(t.uncached(), Some(40));
    assert_eq!(t.cache_write_5m(), Some(12));
}

#[test]
fn anthropic_ttl_split_and_thinking() {
    let t = tokens_from_usage(&json!({
        "input_tokens": 40, "cache_read_input_tokens": 300, "cache_creation_input_tokens": 12,
        "cache_creation": {"ephemeral_5m_input_tokens": 4, "ephemeral_1h_input_tokens": 8},
        "output_tokens": 116, "output_tokens_details": {"thinking_tokens": 70}
    }))
    .unwrap();
    assert_eq!(
        row(t),
        (
            Some(352),
            Some(300),
            Some(12),
            Some(8),
            Some(116),
            Some(70),
            Some(468)
        )
    );
    assert_eq!(t.cache_write_5m(), Some(4));
    // Only the TTL split, no aggregate: the write is the sum of the parts.
    assert_eq!(
        of(json!({"input_tokens": 40, "cache_read_input_tokens": 0,
                  "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 12},
                  "output_tokens": 1})),
        (
            Some(52),
            Some(0),
            Some(12),
            Some(12),
            Some(1),
            None,
            Some(53)
        )
    );
}

#[test]
fn gemini_usage_metadata() {
    assert_eq!(
        of(json!({
            "promptTokenCount": 1000, "toolUsePromptTokenCount": 50, "cachedContentTokenCount": 600,
            "candidatesTokenCount": 200, "thoughtsTokenCount": 300, "totalTokenCount": 1550
        })),
        (
            Some(1050),
            Some(600),
            Some(0),
            None,
            Some(500),
            Some(300),
            Some(1550)
        )
    );
    // Zero counts are omitted from Gemini's JSON: no cached content means none was read.
    assert_eq!(
        of(json!({"promptTokenCount": 5, "candidatesTokenCount": 6, "totalTokenCount": 11})),
        (Some(5), Some(0), Some(0), None, Some(6), None, Some(11))
    );
}

#[test]
fn bedrock_converse_input_tokens_exclude_the_cache() {
    let t = tokens_from_usage(&json!({
        "inputTokens": 40, "cacheReadInputTokens": 300, "cacheWriteInputTokens": 12,
        "outputTokens": 116, "totalTokens": 468,
        "cacheDetails": [{"ttl": "1h", "inputTokens": 12}]
    }))
    .unwrap();
    assert_eq!(
        row(t),
        (
            Some(352),
            Some(300),
            Some(12),
            Some(12),
            Some(116),
            None,
            Some(468)
        )
    );
    // The same spelling without cache keys (an SDK's camelCase usage) is inclusive.
    assert_eq!(
        of(json!({"inputTokens": 40, "outputTokens": 2, "cachedInputTokens": 30})),
        (Some(40), Some(30), None, None, Some(2), None, Some(42))
    );
}

#[test]
fn relay_normalized_with_uncached_input_tokens() {
    assert_eq!(
        of(json!({
            "prompt_tokens": 40, "uncached_input_tokens": 40, "completion_tokens": 116,
            "cache_read_tokens": 300,
            "cache_write_tokens": [{"count": 4, "duration": 300}, {"count": 8, "duration": 3600}]
        })),
        (
            Some(352),
            Some(300),
            Some(12),
            Some(8),
            Some(116),
            None,
            Some(468)
        )
    );
    // OpenAI through Relay: prompt 120 of which 64 cached, uncached 56.
    assert_eq!(
        of(
            json!({"prompt_tokens": 120, "uncached_input_tokens": 56, "cache_read_tokens": 64,
                  "completion_tokens": 30})
        ),
        (Some(120), Some(64), None, None, Some(30), None, Some(150))
    );
}

#[test]
fn relay_normalized_without_uncached_input_tokens_follows_the_provider() {
    let usage = json!({"prompt_tokens": 40, "completion_tokens": 116, "total_tokens": 156,
                       "cache_read_tokens": 300, "cache_write_tokens": 12});
    let anthropic = tokens_from_usage_as(&usage, Semantics::of_provider("anthropic")).unwrap();
    assert_eq!(
        row(anthropic),
        (
            Some(352),
            Some(300),
            Some(12),
            Some(0),
            Some(116),
            None,
            Some(468)
        )
    );
    let openai = json!({"prompt_tokens": 120, "completion_tokens": 30, "cache_read_tokens": 64});
    assert_eq!(
        row(tokens_from_usage_as(&openai, Semantics::of_provider("openai")).unwrap()),
        (Some(120), Some(64), None, None, Some(30), None, Some(150))
    );
    // No provider: cache parts larger than prompt_tokens cannot be parts of it.
    assert_eq!(of(usage).0, Some(352));
    // An empty per-TTL list: nothing written.
    assert_eq!(
        of(json!({"prompt_tokens": 10, "cache_write_tokens": []})),
        (Some(10), None, Some(0), Some(0), None, None, Some(10))
    );
}

#[test]
fn codex_style_cached_input_tokens_are_inclusive() {
    assert_eq!(
        of(
            json!({"input_tokens": 12000, "cached_input_tokens": 11264, "output_tokens": 400,
                  "reasoning_output_tokens": 256, "total_tokens": 12400})
        ),
        (
            Some(12000),
            Some(11264),
            None,
            None,
            Some(400),
            Some(256),
            Some(12400)
        )
    );
}

#[test]
fn provider_names() {
    for (p, s) in [
        ("anthropic", Semantics::Exclusive),
        ("Claude", Semantics::Exclusive),
        ("bedrock", Semantics::Exclusive),
        ("openai", Semantics::Inclusive),
        ("gemini", Semantics::Inclusive),
        ("openrouter", Semantics::Inclusive),
        ("mystery", Semantics::Auto),
    ] {
        assert_eq!(Semantics::of_provider(p), s, "{p}");
    }
    // Provider knowledge overrides the keys: harn copies `cache_creation_input_tokens`
    // beside an OpenAI `input_tokens` that already includes the cache.
    let v = json!({"input_tokens": 120, "cache_read_input_tokens": 64,
                   "cache_creation_input_tokens": 0, "output_tokens": 1});
    assert_eq!(
        tokens_from_usage_as(&v, Semantics::Inclusive)
            .unwrap()
            .input,
        Some(120)
    );
    assert_eq!(tokens_from_usage(&v).unwrap().input, Some(184));
    assert_eq!(
        tokens_in(&json!({"response": {"usage": v}})).unwrap().input,
        Some(184)
    );
}

fn read(format: Format, lines: &[&str]) -> Vec<Event<'static>> {
    let mut r = format.reader();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let src = SourceRef {
            line: i as u64 + 1,
            ..SourceRef::default()
        };
        r.read(l.as_bytes(), src, &mut |e: Event<'_>| {
            out.push(e.into_owned());
        })
        .unwrap();
    }
    r.finish(&mut |e: Event<'_>| out.push(e.into_owned()));
    out
}

fn end_tokens(events: &[Event<'_>]) -> Vec<Row> {
    events
        .iter()
        .filter(|e| e.kind == EventKind::End)
        .filter_map(|e| e.tokens.map(row))
        .collect()
}

#[test]
fn atof_relay_anthropic_call() {
    // Relay's normalized usage of an Anthropic call, the raw body in `data` (exclusive).
    let l = r#"{"kind":"scope","atof_version":"0.1","uuid":"u","timestamp":"2026-06-24T18:03:16Z","name":"anthropic.messages","scope_category":"end","category":"llm","data":{"type":"message","usage":{"input_tokens":40,"cache_read_input_tokens":300,"cache_creation_input_tokens":12,"output_tokens":116}},"category_profile":{"model_name":"claude-sonnet-4-5-20250929","annotated_response":{"usage":{"prompt_tokens":40,"completion_tokens":116,"total_tokens":156,"cache_read_tokens":300,"cache_write_tokens":12}}}}"#;
    assert_eq!(
        end_tokens(&read(Format::Atof, &[l])),
        vec![(
            Some(352),
            Some(300),
            Some(12),
            Some(0),
            Some(116),
            None,
            Some(468)
        )]
    );
    // No raw body and a small cache: the `claude*` model tells Relay's Anthropic rule.
    let l = r#"{"kind":"scope","atof_version":"0.1","uuid":"v","timestamp":"2026-06-24T18:03:16Z","name":"llm","scope_category":"end","category":"llm","category_profile":{"model_name":"claude-sonnet-4-5","annotated_response":{"usage":{"prompt_tokens":400,"completion_tokens":10,"cache_read_tokens":300}}}}"#;
    assert_eq!(end_tokens(&read(Format::Atof, &[l]))[0].0, Some(700));
    // An explicit provider wins over the model name.
    let l = r#"{"kind":"scope","atof_version":"0.1","uuid":"w","timestamp":"2026-06-24T18:03:16Z","name":"llm","scope_category":"end","category":"llm","category_profile":{"model_name":"claude-sonnet-4-5","annotated_response":{"provider":"openrouter","usage":{"prompt_tokens":400,"completion_tokens":10,"cache_read_tokens":300}}}}"#;
    assert_eq!(end_tokens(&read(Format::Atof, &[l]))[0].0, Some(400));
}

#[test]
fn atof_relay_openai_call() {
    let l = r#"{"kind":"scope","atof_version":"0.1","uuid":"u","timestamp":"2026-06-24T18:03:16Z","name":"openai.chat","scope_category":"end","category":"llm","data":{"usage":{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150,"prompt_tokens_details":{"cached_tokens":64}}},"category_profile":{"model_name":"gpt-4.1","annotated_response":{"usage":{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150,"cache_read_tokens":64}}}}"#;
    assert_eq!(
        end_tokens(&read(Format::Atof, &[l])),
        vec![(Some(120), Some(64), None, None, Some(30), None, Some(150))]
    );
}

#[test]
fn harn_iteration_info_follows_its_provider() {
    let start = r#"{"index":1,"emitted_at_ms":1000,"session_id":"s","type":"iteration_start","iteration":1}"#;
    let end = |provider: &str| {
        format!(
            r#"{{"index":2,"emitted_at_ms":3000,"session_id":"s","type":"iteration_end","iteration":1,"iteration_info":{{"provider":"{provider}","model":"m","response_ms":2000,"input_tokens":40,"output_tokens":116,"cache_read_tokens":300,"cache_write_tokens":12,"cache_creation_input_tokens":12}}}}"#
        )
    };
    let anthropic = end("anthropic");
    let got = end_tokens(&read(Format::Harn, &[start, &anthropic]));
    assert_eq!(
        got[0],
        (
            Some(352),
            Some(300),
            Some(12),
            Some(0),
            Some(116),
            None,
            Some(468)
        )
    );
    // The same figures from an OpenAI provider: its input already includes the cache.
    let openai = end("openai").replace(r#""input_tokens":40"#, r#""input_tokens":400"#);
    let got = end_tokens(&read(Format::Harn, &[start, &openai]));
    assert_eq!(got[0].0, Some(400));
}
