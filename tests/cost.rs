#![allow(clippy::unreadable_literal)] // dollar figures read as the README writes them
//! Cost in dollars per call, run and model (issue #14), on hand-computed fixtures:
//! `tests/fixtures/cost/README.md` works out every figure asserted here.

mod common;

use common::{load, run};
use serde_json::Value;
use trace_report::summary::summary_json;

const PRICES: &str = "tests/fixtures/cost/prices.jsonl";

fn doc() -> Value {
    let (trace, formats) = load(&[PRICES]);
    summary_json(&trace, &formats)
}

fn usd(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn close(got: Option<f64>, want: f64, what: &str) {
    let got = got.unwrap_or_else(|| panic!("{what}: no cost"));
    assert!((got - want).abs() < 1e-12, "{what}: {got} != {want}");
}

#[test]
fn worked_examples_price_cache_reads_and_writes() {
    let d = doc();
    assert_eq!(d["skipped_lines"], 0);
    let m = &d["totals"]["by_model"];
    // Anthropic: input 352 = 40 uncached + 300 read + 12 written; $0.001995.
    assert_eq!(m["claude-sonnet-4-5-20250929"]["input"], 352);
    close(
        usd(&m["claude-sonnet-4-5-20250929"]["cost_usd"]),
        0.001995,
        "anthropic",
    );
    // OpenAI: 56 uncached + 64 cached + 30 out; two such calls in the file.
    close(usd(&m["gpt-4.1"]["cost_usd"]), 2.0 * 0.000384, "gpt-4.1");
    let r = run(&d, "worked-examples");
    close(usd(&r["cost_usd"]), 0.002379, "worked-examples");
    assert_eq!(r["cost_partial"], false);
}

#[test]
fn a_tier_is_a_cliff_and_the_price_is_the_one_of_the_calls_day() {
    let d = doc();
    close(usd(&run(&d, "tier-crossing")["cost_usd"]), 1.5225, "tier");
    close(
        usd(&run(&d, "o3-before-the-cut")["cost_usd"]),
        0.05,
        "o3 before",
    );
    close(
        usd(&run(&d, "o3-after-the-cut")["cost_usd"]),
        0.01,
        "o3 after",
    );
    close(
        usd(&d["totals"]["by_model"]["o3"]["cost_usd"]),
        0.06,
        "o3 by model",
    );
}

#[test]
fn an_unknown_model_is_null_never_zero_and_makes_its_sums_partial() {
    let d = doc();
    let m = &d["totals"]["by_model"]["acme-unreleased-9"];
    assert_eq!(m["cost_usd"], Value::Null);
    let r = run(&d, "unknown-model");
    close(usd(&r["cost_usd"]), 0.000384, "unknown-model run");
    assert_eq!(r["cost_partial"], true);
    let t = &d["totals"];
    close(usd(&t["cost_usd"]), 1.585263, "file");
    assert_eq!(t["cost_partial"], true);
    assert!(
        t["prices"]
            .as_str()
            .is_some_and(|p| p.starts_with("genai-prices 2026-08-21")),
        "{}",
        t["prices"]
    );
}

#[test]
fn the_bundled_sample_is_priced_call_by_call() {
    let (trace, formats) = load(&[common::ATOF]);
    let d = summary_json(&trace, &formats);
    let m = &d["totals"]["by_model"];
    // 1,209 uncached × 3 + 41,480 read × 0.3 + 640 written × 3.75 + 384 out × 15 = 24,231 µ$.
    close(usd(&m["claude-sonnet-4-5"]["cost_usd"]), 0.024231, "sonnet");
    // 812 × 2 + 96 × 8 = 2,392 µ$.
    close(usd(&m["gpt-4.1"]["cost_usd"]), 0.002392, "gpt-4.1");
}

#[test]
fn prices_flag_replaces_the_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("prices.json");
    std::fs::write(&empty, "[]").unwrap();
    let out = common::bin()
        .args(["summary", "--json", "--prices"])
        .arg(&empty)
        .arg(PRICES)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    // No model is known to an empty catalogue: every cost is unknown, none is 0.
    assert_eq!(d["totals"]["cost_usd"], Value::Null);
    assert_eq!(d["totals"]["prices"], "custom catalogue");
    let missing = common::bin()
        .args(["summary", "--prices", "/nonexistent/prices.json", PRICES])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let v = common::bin().arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&v.stdout).contains("prices: genai-prices 2026-08-21"));
}
