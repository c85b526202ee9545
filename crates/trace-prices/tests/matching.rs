//! Model-name matching against the bundled catalogue (TOKENS.md §2.2): dated and
//! provider-prefixed ids, Bedrock ids, Gemini's `models/`, provider hints, fallbacks, compact
//! dates; and custom catalogues from JSON.

use trace_prices::{Catalogue, Error, Usage};

/// `(provider, model id)` the catalogue resolves `model` to.
fn resolve(model: &str, provider: Option<&str>) -> Option<(String, String)> {
    Catalogue::bundled()
        .lookup(model, provider)
        .map(|m| (m.provider_id().to_string(), m.model_id().to_string()))
}

#[track_caller]
fn assert_resolves(model: &str, provider: Option<&str>, want: (&str, &str)) {
    assert_eq!(
        resolve(model, provider),
        Some((want.0.to_string(), want.1.to_string())),
        "{model} (provider {provider:?})"
    );
}

#[test]
fn bundled_catalogue_counts_and_date() {
    let c = Catalogue::bundled();
    assert_eq!(c.provider_count(), 36);
    assert_eq!(c.model_count(), 1466);
    assert_eq!(c.as_of(), "genai-prices 2026-08-21 (47df840a5ab1)");
}

#[test]
fn dated_and_aliased_anthropic_ids() {
    let want = ("anthropic", "claude-sonnet-4-5");
    assert_resolves("claude-sonnet-4-5-20250929", None, want);
    assert_resolves("claude-sonnet-4-5", None, want);
    assert_resolves("Claude-Sonnet-4-5-20250929", Some("Anthropic"), want);
    assert_resolves("  claude-sonnet-4.5 ", None, want);
}

#[test]
fn provider_prefixed_ids_are_split() {
    assert_resolves(
        "anthropic/claude-sonnet-4-5-20250929",
        None,
        ("anthropic", "claude-sonnet-4-5"),
    );
    assert_resolves("openai/gpt-4.1", None, ("openai", "gpt-4.1"));
    assert_resolves("gpt-4.1-2025-04-14", None, ("openai", "gpt-4.1"));
    // OpenRouter lists the prefixed id itself.
    assert_resolves(
        "openai/gpt-4.1",
        Some("openrouter"),
        ("openrouter", "openai/gpt-4.1"),
    );
    // A hint naming the provider, with the prefix repeated in the model.
    assert_resolves("openai/gpt-4.1", Some("openai"), ("openai", "gpt-4.1"));
}

#[test]
fn bedrock_ids() {
    let regional = ("aws", "regional.anthropic.claude-sonnet-4-5-20250929-v1:0");
    for id in [
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "apac.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    ] {
        assert_resolves(id, None, regional);
    }
    assert_resolves(
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        Some("aws.bedrock"),
        regional,
    );
    assert_resolves(
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        None,
        ("aws", "global.anthropic.claude-sonnet-4-5-20250929-v1:0"),
    );
    // Regional Bedrock is 3.3 per M input, global 3.0.
    let m = Usage {
        input_total: Some(1_000_000),
        ..Usage::default()
    };
    let cat = Catalogue::bundled();
    let us = cat.cost(
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        None,
        &m,
        None,
    );
    let global = cat.cost(
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        None,
        &m,
        None,
    );
    assert!((us.unwrap().usd - 3.3).abs() < 1e-12);
    assert!((global.unwrap().usd - 3.0).abs() < 1e-12);
}

#[test]
fn gemini_models_prefix_and_google_hints() {
    let want = ("google", "gemini-2.5-pro");
    assert_resolves("models/gemini-2.5-pro", None, want);
    assert_resolves("gemini-2.5-pro", Some("gcp.vertex_ai"), want);
    assert_resolves("google/gemini-2.5-pro", None, want);
    assert_resolves("gemini/models/gemini-2.5-pro", None, want);
    // 1000 in ×1.25 + 100 out ×10 = 2250 µ$
    let u = Usage {
        input_total: Some(1_000),
        output: Some(100),
        ..Usage::default()
    };
    let c = Catalogue::bundled().cost("models/gemini-2.5-pro", None, &u, None);
    assert!((c.unwrap().usd - 0.00225).abs() < 1e-12);
}

#[test]
fn fallback_providers() {
    // Google lists no Haiku 4.5 of its own and falls back to anthropic (Vertex's `@date` form).
    assert_resolves(
        "claude-haiku-4-5@20251001",
        Some("gcp.vertex_ai"),
        ("anthropic", "claude-haiku-4-5"),
    );
    // ...but its own records come first: its `claude-4-sonnet` contains "claude-sonnet-4", which
    // takes Vertex's Sonnet 4.5 (as genai-prices itself would).
    assert_resolves(
        "claude-sonnet-4-5@20250929",
        Some("gcp.vertex_ai"),
        ("google", "claude-4-sonnet"),
    );
    // Azure falls back to openai.
    assert_resolves("gpt-4.1", Some("azure"), ("openai", "gpt-4.1"));
    assert_resolves("gpt-4.1", Some("azure.ai.openai"), ("openai", "gpt-4.1"));
}

#[test]
fn compact_dates_are_retried_dashed() {
    assert_resolves("gpt-4.1-20250414", None, ("openai", "gpt-4.1"));
    assert_resolves("gpt-4.1-20250414", Some("openai"), ("openai", "gpt-4.1"));
}

#[test]
fn unknown_models_are_not_found() {
    assert_eq!(resolve("totally-unknown-model-9", None), None);
    assert_eq!(
        resolve("gpt-4.1", Some("no-such-provider")),
        Some(("openai".into(), "gpt-4.1".into()))
    );
    assert_eq!(resolve("models/", None), None);
    assert_eq!(resolve("", Some("openai")), None);
}

const CUSTOM: &str = r#"[
  {"id": "a", "name": "A", "api_pattern": "x", "fallback_model_providers": ["b"], "models": []},
  {"id": "b", "name": "B", "api_pattern": "x", "fallback_model_providers": ["c"],
   "models": [{"id": "bee", "match": {"regex": "^bee-\\d+$"}, "prices": {"input_mtok": 1, "output_mtok": 2}}]},
  {"id": "c", "name": "C", "api_pattern": "x",
   "models": [{"id": "sea", "match": {"and": [{"starts_with": "sea"}, {"ends_with": "-x"}]},
               "prices": {"input_mtok": 4}}]}
]"#;

#[test]
fn custom_catalogue_fallback_is_one_step() {
    let cat = Catalogue::from_json(CUSTOM).unwrap();
    assert_eq!(cat.as_of(), "custom catalogue");
    assert_eq!(cat.model_count(), 2);
    let find = |m: &str, p: &str| cat.lookup(m, Some(p)).map(|x| x.model_id().to_string());
    assert_eq!(find("bee-12", "a").as_deref(), Some("bee"));
    assert_eq!(find("BEE-12", "b").as_deref(), Some("bee"));
    assert_eq!(find("bee-x", "b"), None);
    assert_eq!(find("sea-x", "b").as_deref(), Some("sea"));
    // a → b is followed, b → c is not.
    assert_eq!(find("sea-x", "a"), None);
    assert_eq!(find("sea-y", "c"), None);
    let cat = cat.with_as_of("prices.json");
    assert_eq!(cat.as_of(), "prices.json");
}

#[test]
fn bad_catalogues_are_errors() {
    assert!(matches!(Catalogue::from_json("{"), Err(Error::Json(_))));
    assert!(matches!(Catalogue::from_json("{}"), Err(Error::Json(_))));
    let bad_regex =
        r#"[{"id": "a", "models": [{"id": "m", "match": {"regex": "("}, "prices": {}}]}]"#;
    assert!(matches!(
        Catalogue::from_json(bad_regex),
        Err(Error::Data(_))
    ));
    let empty = r#"[{"id": "a", "models": [{"id": "m", "match": {"equals": "m"}, "prices": []}]}]"#;
    assert!(matches!(Catalogue::from_json(empty), Err(Error::Data(_))));
}
