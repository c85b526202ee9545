//! Claude Code transcripts: real sessions from public repositories (tests/fixtures/claude,
//! see PROVENANCE.md), with the figures `tests/fixtures/claude/count.py` counts from them.

mod formats_support;

use formats_support::{figures, follow_appended, only_claimed_by, screens, summary, trace_figures};
use serde_json::json;
use trace_formats::{Format, sniff};

const KVSANKAR: &str = "tests/fixtures/claude/kvsankar-session-01.jsonl";
const SPOTTER: &str = "tests/fixtures/claude/spotter-subagent.jsonl";
const PARENT: &str = "tests/fixtures/claude/258c7280-trimmed.jsonl";
const AGENT: &str = "tests/fixtures/claude/258c7280-trimmed/subagents/agent-a881341.jsonl";
const ERRORS: &str = "tests/fixtures/claude/agent-a7be2f0.jsonl";
const ALL: [&str; 5] = [KVSANKAR, SPOTTER, PARENT, AGENT, ERRORS];

#[test]
fn one_call_session_from_claude_code_2_1_152() {
    let (_, doc) = summary(&[KVSANKAR], None);
    assert_eq!(doc["format"], "claude");
    assert_eq!(doc["skipped_lines"], 0);
    assert_eq!(
        figures(&doc),
        json!({
            "runs": 1, "llm_calls": 1, "tool_calls": 0, "errors": 0,
            "tokens": {"input": 4108, "output": 16, "cache_read": 3057, "cache_write": 1045},
            "by_model": {"claude-opus-4-7": {"calls": 1, "input": 4108, "output": 16, "cache_read": 3057, "cache_write": 1045}},
        })
    );
    assert_eq!(
        doc["runs"][0]["name"],
        "06090cb1-3e64-433a-bc7e-a621c0f596d2"
    );
    assert_eq!(doc["runs"][0]["status"], "ok");
}

#[test]
fn split_messages_count_once_with_their_last_usage() {
    let (_, doc) = summary(&[SPOTTER], None);
    assert_eq!(doc["skipped_lines"], 0);
    // 12 message ids over 31 assistant lines; summing every line would say 3,017 out.
    assert_eq!(
        figures(&doc),
        json!({
            "runs": 1, "llm_calls": 12, "tool_calls": 16, "errors": 1,
            "tokens": {"input": 454_704, "output": 1586, "cache_read": 427_286, "cache_write": 25842},
            "by_model": {"claude-opus-4-6": {"calls": 12, "input": 454_704, "output": 1586, "cache_read": 427_286, "cache_write": 25842}},
        })
    );
    // The error is the user's interrupt; the run has two turns (a prompt after it).
    assert_eq!(doc["runs"][0]["status"], "error");
}

#[test]
fn tool_errors_in_a_sub_agent_loaded_alone() {
    let (trace, doc) = summary(&[ERRORS], None);
    assert_eq!(
        figures(&doc),
        json!({
            "runs": 1, "llm_calls": 13, "tool_calls": 19, "errors": 2,
            "tokens": {"input": 313_135, "output": 33, "cache_read": 299_487, "cache_write": 13554},
            "by_model": {"claude-haiku-4-5-20251001": {"calls": 13, "input": 313_135, "output": 33, "cache_read": 299_487, "cache_write": 13554}},
        })
    );
    // Without its session the sub-agent is a run of its own, named after its agent id.
    assert_eq!(doc["runs"][0]["name"], "agent a7be2f0");
    let errors: Vec<&str> = trace.node_ids().filter_map(|n| trace.error(n)).collect();
    assert_eq!(errors.len(), 2);
    assert!(
        errors[0].contains("Sibling tool call errored"),
        "{errors:?}"
    );
    assert!(errors[1].contains("EISDIR"), "{errors:?}");
}

#[test]
fn sub_agent_nests_under_the_task_call_that_ran_it() {
    let parent_only = json!({
        "runs": 1, "llm_calls": 4, "tool_calls": 7, "errors": 0,
        "tokens": {"input": 206_661, "output": 1250, "cache_read": 202_294, "cache_write": 4363},
        "by_model": {"claude-opus-4-6": {"calls": 4, "input": 206_661, "output": 1250, "cache_read": 202_294, "cache_write": 4363}},
    });
    assert_eq!(figures(&summary(&[PARENT], None).1), parent_only);
    let both = json!({
        "runs": 1, "llm_calls": 7, "tool_calls": 9, "errors": 0,
        "tokens": {"input": 283_011, "output": 1253, "cache_read": 236_453, "cache_write": 46539},
        "by_model": {
            "claude-opus-4-6": {"calls": 4, "input": 206_661, "output": 1250, "cache_read": 202_294, "cache_write": 4363},
            "claude-sonnet-4-5-20250929": {"calls": 3, "input": 76350, "output": 3, "cache_read": 34159, "cache_write": 42176},
        },
    });
    // Either order of loading: the Task call's result names the agent the file holds.
    for files in [[PARENT, AGENT], [AGENT, PARENT]] {
        let (trace, doc) = summary(&files, None);
        assert_eq!(figures(&doc), both, "{files:?}");
        assert_eq!(doc["runs"][0]["status"], "ok");
        let agent = trace
            .lookup("claude:258c7280-ae70-4798-800f-63464d01a85d:agent:a881341")
            .unwrap();
        let task = trace.node(agent).parent().unwrap();
        assert_eq!(trace.str(trace.node(task).name), "Task");
        assert_eq!(
            trace.tool_call_id(task),
            Some("toolu_01VmaERAwhb19LGUwu9GenaK")
        );
        assert_eq!(trace.node(agent).duration_us(), Some(32_854_000));
    }
    // Alone, the sub-agent is its own run.
    let (_, doc) = summary(&[AGENT], None);
    assert_eq!(doc["totals"]["runs"], 1);
    assert_eq!(doc["runs"][0]["name"], "agent a881341");
}

#[test]
fn tree_of_the_nested_sub_agent() {
    let (trace, _) = summary(&[PARENT, AGENT], None);
    insta::assert_snapshot!("claude_nested_tree", trace.dump());
}

#[test]
fn following_line_by_line_gives_the_same_figures() {
    // The trimmed session ends with its turn's `turn_duration` line, which closes the last
    // message: nothing is left for `finish`, so a follower ends where a load does.
    let (_, doc) = summary(&[PARENT], None);
    let want = figures(&doc);
    let trace = follow_appended(PARENT, "258c7280.jsonl", |t| {
        trace_figures(t, &[Format::Claude]) == want
    });
    assert_eq!(trace_figures(&trace, &[Format::Claude]), want);
    assert_eq!(trace.skipped, 0);
    assert_eq!(trace.warnings_count, 0);
}

#[test]
fn transcripts_sniff_as_claude_and_as_nothing_else() {
    for f in ALL {
        let head = std::fs::read(formats_support::path(f)).unwrap();
        assert_eq!(sniff(&head, None), Some(Format::Claude), "{f}");
        only_claimed_by(f, Format::Claude);
    }
}

#[test]
fn a_transcript_forced_as_codex_draws_no_calls() {
    let (_, doc) = summary(&[SPOTTER], Some(Format::Codex));
    assert_eq!(doc["totals"]["llm_calls"], 0);
    assert_eq!(doc["totals"]["tool_calls"], 0);
}

#[test]
fn views_at_120x40() {
    let [explorer, timeline, tokens] = screens(&[SPOTTER]);
    insta::assert_snapshot!("claude_explorer_120x40", explorer);
    insta::assert_snapshot!("claude_timeline_120x40", timeline);
    insta::assert_snapshot!("claude_tokens_120x40", tokens);
}
