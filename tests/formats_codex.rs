//! Codex CLI rollouts: real rollouts from public repositories (tests/fixtures/codex, see
//! PROVENANCE.md), with the figures `tests/fixtures/codex/count.py` counts from them.

mod formats_support;

use formats_support::{figures, follow_appended, only_claimed_by, screens, summary, trace_figures};
use serde_json::json;
use trace_formats::{Format, sniff};

const KVSANKAR: &str = "tests/fixtures/codex/kvsankar-session-01.jsonl";
const CODEMIE: &str =
    "tests/fixtures/codex/rollout-2026-05-11T11-26-55-019e1625-789d-76c0-80ab-3724b5ddb799.jsonl";

#[test]
fn one_call_exec_rollout_from_codex_0_135() {
    // Codex reports no cache writes (`cache_write_input_tokens` is absent): unknown, `null`.
    let (trace, doc) = summary(&[KVSANKAR], None);
    assert_eq!(doc["format"], "codex");
    assert_eq!(doc["skipped_lines"], 0);
    assert_eq!(
        figures(&doc),
        json!({
            "runs": 1, "llm_calls": 1, "tool_calls": 0, "errors": 0,
            "tokens": {"input": 22539, "output": 10, "cache_read": 20864, "cache_write": null},
            "by_model": {"gpt-5.5": {"calls": 1, "input": 22539, "output": 10, "cache_read": 20864, "cache_write": null}},
        })
    );
    let run = &doc["runs"][0];
    assert_eq!(run["name"], "019e9625-802f-7e91-840a-cfe88d14117a");
    assert_eq!(run["status"], "ok");
    // The call starts at the user message (the latest input) and ends at its token_count.
    let call = trace.node_ids().find(|&n| trace.node(n).is_llm()).unwrap();
    assert_eq!(trace.node(call).duration_us(), Some(3_201_000));
}

#[test]
fn tools_paired_by_call_id_and_failed_by_exit_code() {
    let (trace, doc) = summary(&[CODEMIE], None);
    assert_eq!(doc["skipped_lines"], 0);
    assert_eq!(
        figures(&doc),
        json!({
            "runs": 1, "llm_calls": 66, "tool_calls": 102, "errors": 4,
            "tokens": {"input": 6_055_836, "output": 9118, "cache_read": 4_929_536, "cache_write": null},
            "by_model": {"gpt-5.5": {"calls": 66, "input": 6_055_836, "output": 9118, "cache_read": 4_929_536, "cache_write": null}},
        })
    );
    assert_eq!(doc["runs"][0]["status"], "error");
    let failed: Vec<&str> = trace.node_ids().filter_map(|n| trace.error(n)).collect();
    assert_eq!(
        failed,
        ["exit code 2", "exit code 1", "exit code 1", "exit code 1"]
    );
    // Two turns (task_started .. task_complete), every tool under one of them.
    let turns = trace
        .node_ids()
        .filter(|&n| trace.category(n).is_some_and(|c| c.as_str() == "turn"))
        .count();
    assert_eq!(turns, 2);
}

#[test]
fn following_line_by_line_gives_the_same_figures() {
    let want = figures(&summary(&[CODEMIE], None).1);
    let trace = follow_appended(CODEMIE, "rollout-follow.jsonl", |t| {
        trace_figures(t, &[Format::Codex]) == want
    });
    assert_eq!(trace_figures(&trace, &[Format::Codex]), want);
    assert_eq!(trace.skipped, 0);
    assert_eq!(trace.warnings_count, 0);
}

#[test]
fn rollouts_sniff_as_codex_and_as_nothing_else() {
    for f in [KVSANKAR, CODEMIE] {
        let head = std::fs::read(formats_support::path(f)).unwrap();
        assert_eq!(sniff(&head, None), Some(Format::Codex), "{f}");
        only_claimed_by(f, Format::Codex);
    }
}

#[test]
fn a_rollout_forced_as_harn_draws_no_calls() {
    // harn's reader takes any `type`d line as a mark: forced, it loads, but finds no calls.
    let (_, doc) = summary(&[CODEMIE], Some(Format::Harn));
    assert_eq!(doc["format"], "harn");
    assert_eq!(doc["totals"]["llm_calls"], 0);
    assert_eq!(doc["totals"]["tool_calls"], 0);
}

#[test]
fn views_at_120x40() {
    let [explorer, timeline, tokens] = screens(&[CODEMIE]);
    insta::assert_snapshot!("codex_explorer_120x40", explorer);
    insta::assert_snapshot!("codex_timeline_120x40", timeline);
    insta::assert_snapshot!("codex_tokens_120x40", tokens);
}
