//! harn's LLM transcript (FORMATS.md §2.2, §2.6, §0.1 rule 6): `provider_call_response`
//! records become the session's LLM calls when loaded with its event log, in both the legacy
//! JSONL sink layout and the generalized event log's topic files; a transcript alone is a run
//! of its own. Answers from `tests/fixtures/harn-transcript/count.py`.

mod common;

use common::{draw, text};

use std::path::PathBuf;

use serde_json::{Value, json};
use trace_formats::{Format, sniff};
use trace_ingest::files::load;
use trace_report::summary::summary_json;
use trace_tui::app::{Action, App, View, update};

const DIR: &str = "tests/fixtures/harn-transcript";
const SID: &str = "0196a1c4-7e10-7b3a-9c2e-5d4f3a2b1c0d";

fn path(rel: &str) -> PathBuf {
    // Relative to the package root (the tests' working directory): screens show the path.
    PathBuf::from(DIR).join(rel)
}

fn event_log() -> String {
    format!("jsonl/event_log-{SID}.jsonl")
}

fn topic_log() -> String {
    format!("topics/observability.agent_events.{SID}.jsonl")
}

fn summary(rels: &[&str]) -> Value {
    let paths: Vec<PathBuf> = rels.iter().map(|r| path(r)).collect();
    let (trace, formats) = load(&paths, None, &mut |_| {}).expect("load");
    summary_json(&trace, &formats)
}

/// count.py's tokens by model for the three provider_call_response records.
fn expected_by_model() -> Value {
    json!({
        "claude-sonnet-4-5-20250929": {"calls": 2, "input": 777, "output": 190, "total": 967,
                                       "cache_read": 652, "cache_write": 60, "uncached": 65,
                                       "cache_write_1h": null, "reasoning": null,
                                       // 65 × 3 + 652 × 0.3 + 60 × 3.75 + 190 × 15 µ$
                                       "cost_usd": 0.003_465_6, "cost_partial": false,
                                       // harn's own cost_usd, 0.00186 + 0.001185 (no cache prices)
                                       "reported_cost_usd": 0.003_045},
        "gpt-4o-mini": {"calls": 1, "input": 1200, "output": 40, "total": 1240,
                        "cache_read": 1024, "cache_write": 0, "uncached": 176,
                        "cache_write_1h": null, "reasoning": null,
                        // 176 × 0.15 + 1024 × 0.075 + 40 × 0.6 µ$
                        "cost_usd": 0.000_127_2, "cost_partial": false,
                        "reported_cost_usd": 0.000_204}
    })
}

fn assert_session(doc: &Value) {
    assert_eq!(doc["format"], "harn");
    assert_eq!(doc["skipped_lines"], 0, "{}", doc["diagnostics"]);
    let t = &doc["totals"];
    // count.py: 1 run, 3 LLM calls, 2 tool calls, 1 error (run_command failed).
    assert_eq!(
        (
            t["runs"].as_u64(),
            t["llm_calls"].as_u64(),
            t["tool_calls"].as_u64(),
            t["errors"].as_u64()
        ),
        (Some(1), Some(3), Some(2), Some(1))
    );
    assert_eq!(t["by_model"], expected_by_model());
    let run = &doc["runs"][0];
    assert_eq!(run["name"], SID);
    assert_eq!(run["llm_calls"], 3);
}

#[test]
fn jsonl_event_log_with_its_transcript() {
    assert_session(&summary(&[&event_log(), "jsonl/llm_transcript.jsonl"]));
    // Named in either order.
    assert_session(&summary(&["jsonl/llm_transcript.jsonl", &event_log()]));
}

#[test]
fn topic_files_with_the_transcript_topic() {
    assert_session(&summary(&[
        &topic_log(),
        "topics/agent.transcript.llm.jsonl",
    ]));
}

#[test]
fn event_log_alone_has_no_llm_calls() {
    // harn 0.7.x writes no tokens to the event log (count.py on the log alone: 0 calls).
    let doc = summary(&[&event_log()]);
    assert_eq!(doc["totals"]["llm_calls"], 0);
    assert_eq!(doc["totals"]["tool_calls"], 2);
    assert_eq!(doc["totals"]["errors"], 1);
}

#[test]
fn transcript_alone_is_a_run_of_its_own() {
    for rel in [
        "jsonl/llm_transcript.jsonl",
        "topics/agent.transcript.llm.jsonl",
    ] {
        let doc = summary(&[rel]);
        assert_eq!(doc["format"], "harn");
        assert_eq!(doc["skipped_lines"], 0, "{rel}: {}", doc["diagnostics"]);
        let t = &doc["totals"];
        assert_eq!(
            (
                t["runs"].as_u64(),
                t["llm_calls"].as_u64(),
                t["tool_calls"].as_u64()
            ),
            (Some(1), Some(3), Some(0)),
            "{rel}"
        );
        assert_eq!(t["by_model"], expected_by_model(), "{rel}");
        assert_eq!(doc["runs"][0]["name"], "harn LLM transcript");
    }
}

#[test]
fn calls_sit_in_their_iterations_and_are_timed_by_request_and_response() {
    let paths = [path(&event_log()), path("jsonl/llm_transcript.jsonl")];
    let (trace, _) = load(&paths, None, &mut |_| {}).unwrap();
    let tree = trace.dump();
    // call-0001: requested at +10 ms, answered at +2400 ms, inside iteration 1 (0–2480 ms).
    let it1 = tree.find("\"iteration 1\"").expect("iteration 1");
    let call = tree.find("\"claude-sonnet-4-5-20250929\"").expect("call");
    let it2 = tree.find("\"iteration 2\"").expect("iteration 2");
    assert!(it1 < call && call < it2, "{tree}");
    let line = tree[call..].lines().next().unwrap();
    assert!(line.contains("dur=2.390s"), "{line}");
    assert!(line.contains("tokens=352/116/468"), "{line}");
}

#[test]
fn sniffs_a_standalone_transcript() {
    for rel in [
        "jsonl/llm_transcript.jsonl",
        "topics/agent.transcript.llm.jsonl",
    ] {
        let bytes = std::fs::read(path(rel)).unwrap();
        assert_eq!(sniff(&bytes, None), Some(Format::Harn), "{rel}");
    }
    // Rule 6 needs call_id, hash or a "<secs>.<ms>" timestamp next to the type.
    assert_eq!(sniff(br#"{"type":"message","role":"user"}"#, None), None);
    assert_eq!(
        sniff(
            br#"{"type":"message","role":"user","timestamp":"1746000000.007"}"#,
            None
        ),
        Some(Format::Harn)
    );
    assert_eq!(
        sniff(
            br#"{"type":"message","timestamp":"2026-01-01T00:00:00Z"}"#,
            None
        ),
        None
    );
}

#[test]
fn harn_transcript_screens() {
    let paths = [path(&event_log()), path("jsonl/llm_transcript.jsonl")];
    let (trace, formats) = load(&paths, None, &mut |_| {}).unwrap();
    let mut app = App::new(trace, formats, "event_log", false);
    insta::assert_snapshot!(
        "harn_transcript_explorer_120x40",
        text(&draw(&mut app, 120, 40))
    );
    update(&mut app, Action::ShowView(View::Timeline));
    insta::assert_snapshot!(
        "harn_transcript_timeline_120x40",
        text(&draw(&mut app, 120, 40))
    );
    update(&mut app, Action::ShowView(View::Tokens));
    insta::assert_snapshot!(
        "harn_transcript_tokens_120x40",
        text(&draw(&mut app, 120, 40))
    );
}
