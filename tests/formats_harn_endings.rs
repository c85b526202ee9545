//! harn session endings (#16.4): a session is over only at a terminal event (`session_closed`,
//! `final_wrapup`, `budget_exhausted`, `loop_stuck`, `turn_phase_changed` into `terminal`);
//! without one, a file read once shows it incomplete and a followed file running. A session
//! that recovered from a failed tool and closed with `status: done` is ok with the error
//! inside. Fixtures and answers: `tests/fixtures/harn-endings/` (`make.py`, `count.py`).

#[path = "formats_support/mod.rs"]
mod support;

use serde_json::{Value, json};
use support::{follow_appended, screens, summary};
use trace_model::stats::RunStatus;
use trace_tui::app::{Feed, RunRow};

const NO_ENDING: &str =
    "tests/fixtures/harn-endings/event_log-0197c0de-0000-7000-8000-00000000000a.jsonl";
const RECOVERED: &str =
    "tests/fixtures/harn-endings/event_log-0197c0de-0000-7000-8000-00000000000b.jsonl";
const BUDGET: &str =
    "tests/fixtures/harn-endings/event_log-0197c0de-0000-7000-8000-00000000000c.jsonl";

/// One session's figures as count.py prints them.
fn figures(doc: &Value) -> Value {
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "one session per file");
    let r = &runs[0];
    let t = &doc["totals"];
    let mut by_model = serde_json::Map::new();
    for (model, m) in t["by_model"].as_object().unwrap() {
        by_model.insert(
            model.clone(),
            json!({"calls": m["calls"], "input": m["input"], "output": m["output"]}),
        );
    }
    json!({"status": r["status"], "llm_calls": t["llm_calls"], "tool_calls": t["tool_calls"],
           "errors": t["errors"], "by_model": by_model})
}

#[test]
fn no_ending_read_once_is_incomplete() {
    let (_, doc) = summary(&[NO_ENDING], None);
    // count.py: incomplete, 2 LLM calls (5000/60, 5200/90), 1 tool call, 0 errors.
    assert_eq!(
        figures(&doc),
        json!({"status": "incomplete", "llm_calls": 2, "tool_calls": 1, "errors": 0,
               "by_model": {"claude-sonnet-4-5": {"calls": 2, "input": 10200, "output": 150}}})
    );
    assert_eq!(doc["totals"]["by_status"]["incomplete"], 1);
}

#[test]
fn recovered_session_closed_done_is_ok_with_its_error() {
    let (trace, doc) = summary(&[RECOVERED], None);
    // count.py: ok, 2 LLM calls (4000/50, 4300/70), 2 tool calls (one id used in both
    // iterations), 1 error (the first run_command).
    assert_eq!(
        figures(&doc),
        json!({"status": "ok", "llm_calls": 2, "tool_calls": 2, "errors": 1,
               "by_model": {"claude-sonnet-4-5": {"calls": 2, "input": 8300, "output": 120}}})
    );
    assert_eq!(doc["totals"]["by_status"]["ok"], 1);
    assert!(doc["totals"]["by_status"].get("error").is_none());
    // The run ends at the last terminal event (session_closed, 3.650 s after the start).
    assert_eq!(doc["runs"][0]["duration_ms"], 3650.0);
    // Two terminal events settle one end: no duplicate-end warning.
    assert!(trace.warnings().is_empty(), "{:?}", trace.warnings());
}

#[test]
fn budget_exhausted_is_a_failed_end() {
    let (_, doc) = summary(&[BUDGET], None);
    // count.py: error, 1 LLM call (3000/40), 0 tools, 1 error (the budget).
    assert_eq!(
        figures(&doc),
        json!({"status": "error", "llm_calls": 1, "tool_calls": 0, "errors": 1,
               "by_model": {"claude-sonnet-4-5": {"calls": 1, "input": 3000, "output": 40}}})
    );
}

#[test]
fn all_three_at_once_by_status() {
    let (_, doc) = summary(&[NO_ENDING, RECOVERED, BUDGET], None);
    assert_eq!(
        doc["totals"]["by_status"],
        json!({"ok": 1, "error": 1, "incomplete": 1})
    );
    assert_eq!(doc["totals"]["errors"], 2);
}

#[test]
fn following_a_session_without_ending_shows_it_running() {
    let trace = follow_appended(NO_ENDING, "event_log-a.jsonl", |t| t.events >= 11);
    let run = trace.runs().next().unwrap();
    assert_eq!(trace.run_stats(run).status, Some(RunStatus::Incomplete));
    let row = RunRow::compute(&trace, run);
    assert_eq!(row.status_label(Feed::Live), "live");
    assert_eq!(row.status_label(Feed::Static), "incomplete");
}

#[test]
fn following_the_recovered_session_ends_it_ok() {
    let trace = follow_appended(RECOVERED, "event_log-b.jsonl", |t| {
        t.runs()
            .next()
            .is_some_and(|r| t.run_stats(r).status == Some(RunStatus::Ok))
    });
    let run = trace.runs().next().unwrap();
    let s = trace.run_stats(run);
    assert_eq!((s.errors, s.tool_calls, s.llm_calls), (1, 2, 2));
}

#[test]
fn harn_endings_screens() {
    let [explorer, timeline, tokens] = screens(&[RECOVERED, NO_ENDING]);
    insta::assert_snapshot!("harn_endings_explorer", explorer);
    insta::assert_snapshot!("harn_endings_timeline", timeline);
    insta::assert_snapshot!("harn_endings_tokens", tokens);
}
