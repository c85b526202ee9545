//! Costs computed by hand from the bundled catalogue (genai-prices v2 @ 47df840): the worked
//! examples of TOKENS.md §1.6, tiers, dated and time-of-day prices, reasoning and request fees,
//! partial and unpriced results. Tolerance 1e-12 USD.

use trace_prices::{Catalogue, Cost, Inconsistent, Usage};

/// 2025-06-10T00:00:00Z in epoch microseconds (o3's price change).
const O3_CUT_US: i64 = 1_749_513_600_000_000;

fn cost(model: &str, provider: Option<&str>, usage: Usage, ts_us: Option<i64>) -> Cost<'static> {
    Catalogue::bundled()
        .cost(model, provider, &usage, ts_us)
        .unwrap_or_else(|| panic!("{model} is priced"))
}

#[track_caller]
fn assert_usd(c: &Cost<'_>, usd: f64) {
    assert!(
        (c.usd - usd).abs() < 1e-12,
        "{} cost {} USD, expected {usd}",
        c.model_id,
        c.usd
    );
}

/// Sonnet 4.5, 40 uncached / 300 read / 12 written / 116 out (input_total 352).
fn sonnet_example() -> Usage {
    Usage {
        input_total: Some(352),
        cache_read: Some(300),
        output: Some(116),
        ..Usage::default()
    }
}

#[test]
fn anthropic_sonnet_4_5_worked_example_5m_writes() {
    // 40×3 + 300×0.3 + 12×3.75 + 116×15 = 1995 µ$
    let u = Usage {
        cache_write_5m: Some(12),
        ..sonnet_example()
    };
    let c = cost("claude-sonnet-4-5-20250929", Some("anthropic"), u, None);
    assert_usd(&c, 0.001_995);
    assert!(!c.partial);
    assert_eq!(c.model_id, "claude-sonnet-4-5");
    assert_eq!(c.provider, "anthropic");
}

#[test]
fn anthropic_unknown_ttl_write_is_priced_at_the_5m_rate() {
    let u = Usage {
        cache_write: Some(12),
        ..sonnet_example()
    };
    assert_usd(&cost("claude-sonnet-4-5", None, u, None), 0.001_995);
}

#[test]
fn anthropic_sonnet_4_5_worked_example_1h_writes() {
    // 12×6 = 72 instead of 45: 2022 µ$
    let u = Usage {
        cache_write_1h: Some(12),
        ..sonnet_example()
    };
    let c = cost("claude-sonnet-4-5-20250929", None, u, None);
    assert_usd(&c, 0.002_022);
    assert!(!c.partial);
}

#[test]
fn openai_gpt_4_1_worked_example() {
    // 56×2 + 64×0.5 + 30×8 = 384 µ$
    let u = Usage {
        input_total: Some(120),
        cache_read: Some(64),
        output: Some(30),
        ..Usage::default()
    };
    let c = cost("gpt-4.1", Some("openai"), u, None);
    assert_usd(&c, 0.000_384);
    assert_eq!((c.model_id, c.provider), ("gpt-4.1", "openai"));
    // Reasoning without a reasoning rate is billed at p_out: same total.
    let r = Usage {
        reasoning: Some(10),
        ..u
    };
    assert_usd(&cost("gpt-4.1", Some("openai"), r, None), 0.000_384);
}

#[test]
fn sonnet_4_5_tier_is_a_cliff_on_total_input() {
    // 250k input: 40k uncached ×6 + 200k read ×0.6 + 10k written ×7.5 + 1k out ×22.5
    // = 240000 + 120000 + 75000 + 22500 = 457500 µ$
    let u = Usage {
        input_total: Some(250_000),
        cache_read: Some(200_000),
        cache_write_5m: Some(10_000),
        output: Some(1_000),
        ..Usage::default()
    };
    assert_usd(&cost("claude-sonnet-4-5", None, u, None), 0.4575);
    // At the threshold the base rate holds (strictly above crosses): 200000×3 = 600000 µ$.
    let at = Usage {
        input_total: Some(200_000),
        ..Usage::default()
    };
    assert_usd(&cost("claude-sonnet-4-5", None, at, None), 0.6);
    // One token more reprices all of them: 200001×6 = 1200006 µ$.
    let above = Usage {
        input_total: Some(200_001),
        ..Usage::default()
    };
    assert_usd(&cost("claude-sonnet-4-5", None, above, None), 1.200_006);
}

#[test]
fn o3_price_changes_on_2025_06_10() {
    let u = Usage {
        input_total: Some(1_000),
        output: Some(1_000),
        ..Usage::default()
    };
    // Before: 1000×10 + 1000×40 = 50000 µ$; from the day on: 1000×2 + 1000×8 = 10000 µ$.
    let before = cost("o3", Some("openai"), u, Some(O3_CUT_US - 1_000_000));
    assert_usd(&before, 0.05);
    assert_usd(&cost("o3-2025-04-16", None, u, Some(O3_CUT_US)), 0.01);
    assert_usd(&cost("o3", None, u, Some(O3_CUT_US + 86_400_000_000)), 0.01);
    // No time: the latest price.
    assert_usd(&cost("o3", None, u, None), 0.01);
}

#[test]
fn deepseek_time_of_day_window() {
    let u = Usage {
        input_total: Some(1_000_000),
        ..Usage::default()
    };
    // 01:00Z is inside 00:30–16:30 (0.27 per M); 20:00Z is outside (the base 0.135).
    let day = O3_CUT_US;
    let inside = cost("deepseek-chat", None, u, Some(day + 3_600_000_000));
    let outside = cost("deepseek-chat", None, u, Some(day + 20 * 3_600_000_000));
    assert_usd(&inside, 0.27);
    assert_usd(&outside, 0.135);
    // No time: a daily window cannot be judged, the unconstrained price holds.
    assert_usd(&cost("deepseek-chat", None, u, None), 0.135);
}

#[test]
fn reasoning_at_its_own_rate_and_request_fees() {
    // sonar-deep-research: 100 in ×2 + (1000−400) out ×8 + 400 reasoning ×3 = 6200 µ$
    let u = Usage {
        input_total: Some(100),
        output: Some(1_000),
        reasoning: Some(400),
        ..Usage::default()
    };
    assert_usd(
        &cost("sonar-deep-research", Some("perplexity"), u, None),
        0.0062,
    );
    // sonar: 100×1 + 100×1 = 200 µ$, plus 12 USD per thousand requests.
    let s = Usage {
        input_total: Some(100),
        output: Some(100),
        ..Usage::default()
    };
    assert_usd(&cost("sonar", Some("perplexity"), s, None), 0.0122);
}

#[test]
fn missing_cache_rate_marks_the_cost_partial() {
    // gpt-4 has no cache-read price: 50 uncached ×30 + 10 out ×60 = 2100 µ$, the 50 read unpriced.
    let u = Usage {
        input_total: Some(100),
        cache_read: Some(50),
        output: Some(10),
        ..Usage::default()
    };
    let c = cost("gpt-4", Some("openai"), u, None);
    assert_usd(&c, 0.0021);
    assert!(c.partial);
    let full = cost(
        "gpt-4",
        Some("openai"),
        Usage {
            cache_read: None,
            ..u
        },
        None,
    );
    assert_usd(&full, 0.0036); // 100×30 + 10×60
    assert!(!full.partial);
    // Bedrock lists no 1h write rate: the 1h writes are left out, 10×3.3 = 33 µ$.
    let b = Usage {
        input_total: Some(20),
        cache_write_1h: Some(10),
        ..Usage::default()
    };
    let c = cost(
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        None,
        b,
        None,
    );
    assert_usd(&c, 0.000_033);
    assert!(c.partial);
}

#[test]
fn inconsistent_or_empty_usage_is_not_priced() {
    let cat = Catalogue::bundled();
    let over = Usage {
        input_total: Some(10),
        cache_read: Some(8),
        cache_write_5m: Some(5),
        output: Some(1),
        ..Usage::default()
    };
    assert_eq!(over.check(), Err(Inconsistent::CacheExceedsInput));
    assert!(cat.cost("gpt-4.1", None, &over, None).is_none());
    let reasoning = Usage {
        output: Some(3),
        reasoning: Some(4),
        ..Usage::default()
    };
    assert_eq!(reasoning.check(), Err(Inconsistent::ReasoningExceedsOutput));
    assert!(cat.cost("gpt-4.1", None, &reasoning, None).is_none());
    assert!(cat.cost("gpt-4.1", None, &Usage::default(), None).is_none());
    // Parts that overflow u64 are inconsistent, not a panic.
    let huge = Usage {
        input_total: Some(u64::MAX),
        cache_read: Some(u64::MAX),
        cache_write_1h: Some(1),
        output: Some(u64::MAX),
        ..Usage::default()
    };
    assert_eq!(huge.check(), Err(Inconsistent::CacheExceedsInput));
    assert!(cat.cost("gpt-4.1", None, &huge, None).is_none());
    // Zero is reported, not missing: a priced zero.
    let zero = Usage {
        input_total: Some(0),
        output: Some(0),
        ..Usage::default()
    };
    assert_usd(&cost("gpt-4.1", None, zero, None), 0.0);
}

#[test]
fn unknown_model_has_no_price() {
    let u = Usage {
        input_total: Some(100),
        output: Some(10),
        ..Usage::default()
    };
    let cat = Catalogue::bundled();
    assert!(
        cat.cost("totally-unknown-model-9", None, &u, None)
            .is_none()
    );
    assert!(
        cat.cost("totally-unknown-model-9", Some("openai"), &u, None)
            .is_none()
    );
    assert!(cat.cost("", None, &u, None).is_none());
}
