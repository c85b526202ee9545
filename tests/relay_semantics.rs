//! NeMo Relay semantics on files written by the real Relay 0.10.4 runtime
//! (`tests/fixtures/relay/sem-gen.py`; figures from `sem-count.py` and checked by hand):
//! interrupted tools, turns that repeat their last call's usage, Claude Code sessions,
//! unknown ATOF versions; and harn session endings.

#[path = "formats_support/mod.rs"]
mod support;

use serde_json::{Value, json};
use support::{summary, summary_detail};
use trace_model::Trace;

const RUNTIME: &str = "tests/fixtures/relay/sem-runtime.atof.jsonl";
const CLAUDE: &str = "tests/fixtures/relay/sem-claude-session.atof.jsonl";

fn run<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no run {name}"))
}

fn node(t: &Trace, name: &str) -> trace_model::NodeId {
    t.node_ids()
        .find(|&n| t.str(t.node(n).name) == name)
        .unwrap_or_else(|| panic!("no node {name}"))
}

#[test]
fn runtime_session_counts_match_sem_count() {
    let (_, doc) = summary(&[RUNTIME], None);
    let t = &doc["totals"];
    // sem-count.py: 3 runs; 6 LLM calls (gpt-4o 2, claude 3, gemini 1); 3 tools; 2 errors.
    assert_eq!(t["runs"], 3);
    assert_eq!(t["llm_calls"], 6);
    assert_eq!(t["tool_calls"], 3);
    assert_eq!(t["errors"], 2);
    let m = &t["by_model"];
    assert_eq!(m["gpt-4o"]["calls"], 2);
    assert_eq!(m["gpt-4o"]["output"], 90);
    assert_eq!(m["gpt-4o"]["cache_read"], 1024);
    assert_eq!(m["claude-sonnet-4-5"]["calls"], 3);
    assert_eq!(m["claude-sonnet-4-5"]["output"], 104);
    assert_eq!(m["claude-sonnet-4-5"]["cache_read"], 22480);
    assert_eq!(m["claude-sonnet-4-5"]["cache_write"], 640);
    assert_eq!(m["gemini-2.5-flash"]["calls"], 1);
    assert_eq!(m["gemini-2.5-flash"]["output"], 40);
    assert_eq!(t["tokens"]["output"], 234);
    assert_eq!(t["by_status"], json!({"error": 1, "incomplete": 2}));
}

#[test]
fn an_interrupted_tool_is_incomplete_and_so_is_its_run() {
    // Scope counters are in the `--detail` rows.
    let (trace, doc) = summary_detail(&[RUNTIME], None);
    let edit = node(&trace, "Edit");
    assert!(trace.node(edit).has_end(), "Relay did close it");
    assert!(!trace.node(edit).has_error(), "interrupted is not failed");
    assert_eq!(
        trace.incomplete(edit),
        Some("incomplete: closed_by_agent_end")
    );
    let refactor = run(&doc, "refactor");
    assert_eq!(refactor["status"], "incomplete");
    assert_eq!(refactor["incomplete_scopes"], 1);
    assert_eq!(refactor["errors"], 0);
    // The other runs: one failed (a failing tool, an error body from the provider), one
    // never ended.
    assert_eq!(run(&doc, "triage")["status"], "error");
    assert_eq!(run(&doc, "triage")["incomplete_scopes"], 0);
    assert_eq!(run(&doc, "nightly")["status"], "incomplete");
    assert_eq!(run(&doc, "nightly")["open_scopes"], 1);
    let tree = trace.dump();
    assert!(
        tree.contains(r#"tool "Edit" call=toolu_C at=60ms dur=55ms INCOMPLETE"#),
        "{tree}"
    );
}

/// The turns: agent scopes under the synthetic session root (#16.1).
fn turns(t: &Trace) -> Vec<trace_model::NodeId> {
    t.node_ids()
        .filter(|&n| {
            t.category(n).is_some_and(|c| c.as_str() == "agent")
                && t.node(n).has_start()
                && !t.node(n).container()
        })
        .collect()
}

#[test]
fn claude_session_counts_match_sem_count() {
    let (_, doc) = summary(&[CLAUDE], None);
    let t = &doc["totals"];
    assert_eq!(t["llm_calls"], 5);
    assert_eq!(t["tool_calls"], 3);
    assert_eq!(t["errors"], 0);
    let m = &t["by_model"]["claude-sonnet-4-5"];
    assert_eq!(m["calls"], 5);
    assert_eq!(m["output"], 397);
    assert_eq!(m["cache_read"], 95500);
    assert_eq!(m["cache_write"], 1900);
    assert_eq!(t["tokens"]["output"], 397);
    // Only the calls' model: the turns' ends repeat the served model, which is not a call.
    assert_eq!(t["by_model"].as_object().unwrap().len(), 1);
}

#[test]
fn a_turn_repeating_its_last_calls_usage_is_not_a_second_source() {
    let (trace, _) = summary(&[CLAUDE], None);
    let turns = turns(&trace);
    assert_eq!(turns.len(), 3);
    // Turn 0: calls 40 + 82 output; its end repeated 82 (the last call) with the served model.
    let turn0 = turns
        .iter()
        .copied()
        .min_by_key(|&n| trace.node(n).start_us())
        .unwrap();
    assert_eq!(
        trace.tokens(turn0),
        None,
        "the repeat is not the turn's own"
    );
    assert_eq!(trace.node(turn0).model(), None);
    let figs = trace_model::analysis::figures(&trace, turn0);
    let (_, f) = figs.iter().find(|(n, _)| *n == turn0).unwrap();
    assert_eq!(f.self_tokens, None);
    assert_eq!(f.tokens_source, trace_model::analysis::Source::Summed);
    assert_eq!(f.subtree_tokens.and_then(|t| t.output), Some(122));
    // Critical path: the turn's own token share is none; the calls' shares add to 1.
    let path = trace_model::analysis::critical_path(&trace, turn0);
    let turn_step = path.iter().find(|s| s.node == turn0).unwrap();
    assert_eq!(turn_step.token_share, None);
    let shares: f64 = path.iter().filter_map(|s| s.token_share).sum();
    assert!((shares - 1.0).abs() < 1e-9, "{shares}");
}

#[test]
fn detail_pane_says_parent_outside_file_and_greentic_times() {
    let [explorer, _, _] = support::screens(&[RUNTIME]);
    assert!(explorer.contains("outside this file"), "{explorer}");
    let [g, _, _] = support::screens(&["assets/greentic/trace.json"]);
    assert!(g.contains("modification time"), "{g}");
}

/// harn reuses a tool-call id in each iteration: two calls, not a duplicate id.
#[test]
fn harn_reused_tool_call_ids_are_separate_calls() {
    let dir = std::env::temp_dir().join(format!("relay-sem-harn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("event_log-s1.jsonl");
    let line = |i: u64, ms: u64, status: &str| {
        format!(
            r#"{{"index":{i},"emitted_at_ms":{ms},"frame_depth":null,"execution_id":"e","type":"{}","session_id":"s1","tool_call_id":"tool-mock_call_1","tool_name":"read_file","kind":"read","status":"{status}","raw_input":{{}}}}"#,
            if status == "pending" {
                "tool_call"
            } else {
                "tool_call_update"
            }
        )
    };
    let text = [
        line(1, 1000, "pending"),
        line(2, 1100, "completed"),
        line(3, 2000, "pending"),
        line(4, 2300, "completed"),
    ]
    .join("\n")
        + "\n";
    std::fs::write(&file, text).unwrap();
    let (trace, _) =
        trace_ingest::files::load(std::slice::from_ref(&file), None, &mut |_| {}).expect("load");
    let tools: Vec<_> = trace
        .node_ids()
        .filter(|&n| trace.node(n).is_tool())
        .collect();
    assert_eq!(tools.len(), 2);
    assert!(tools.iter().all(|&n| trace.node(n).duration_us().is_some()));
    assert!(
        trace
            .diagnostics()
            .iter()
            .all(|d| !d.message.contains("duplicate")),
        "{:?}",
        trace.diagnostics()
    );
    std::fs::remove_dir_all(&dir).ok();
}
