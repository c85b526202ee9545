//! ATIF trajectories (FORMATS.md §7): real NeMo Agent Toolkit files and a NAT-converter output,
//! with the answers `tests/fixtures/atif/count.py` computes independently; sniffing against
//! greentic; explorer, timeline and tokens screens.

mod common;

use common::{draw, text};

use std::path::PathBuf;

use serde_json::{Value, json};
use trace_formats::{Format, sniff};
use trace_ingest::files::load;
use trace_report::summary::{summary_json, summary_json_detail};
use trace_tui::app::{Action, App, View, update};

const DIR: &str = "tests/fixtures/atif";

fn path(rel: &str) -> PathBuf {
    // Relative to the package root (the tests' working directory): screens show the path.
    PathBuf::from(DIR).join(rel)
}

fn summary(rel: &str) -> Value {
    let (trace, formats) = load(&[path(rel)], None, &mut |_| {}).expect("load");
    summary_json(&trace, &formats)
}

/// [`summary`] with the `--detail` document (each run's end time).
fn summary_detail(rel: &str) -> Value {
    let (trace, formats) = load(&[path(rel)], None, &mut |_| {}).expect("load");
    summary_json_detail(&trace, &formats)
}

/// Runs, LLM calls, tool calls and errors as count.py prints them.
fn assert_counts(doc: &Value, runs: u64, llm: u64, tools: u64, errors: u64) {
    assert_eq!(doc["format"], "atif");
    assert_eq!(doc["skipped_lines"], 0);
    let t = &doc["totals"];
    assert_eq!(
        (
            t["runs"].as_u64(),
            t["llm_calls"].as_u64(),
            t["tool_calls"].as_u64(),
            t["errors"].as_u64()
        ),
        (Some(runs), Some(llm), Some(tools), Some(errors))
    );
}

fn calls_by_model(doc: &Value) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = doc["totals"]["by_model"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(m, t)| (m.clone(), t["calls"].as_u64().unwrap()))
        .collect();
    v.sort();
    v
}

#[test]
fn nemo_flow_trajectory_counts_and_tokens() {
    // count.py: 1 run, 31 LLM calls (qwen3.6:35b), 32 tool calls, 0 errors,
    // in 887910 / out 8071 / total 895981, no cache figures (the file reports none).
    let doc = summary("nemo-flow-atof-atif-trajectory.json");
    assert_counts(&doc, 1, 31, 32, 0);
    assert_eq!(calls_by_model(&doc), [("qwen3.6:35b".to_owned(), 31)]);
    let t = &doc["totals"]["by_model"]["qwen3.6:35b"];
    assert_eq!(
        (t["input"].clone(), t["output"].clone(), t["total"].clone()),
        (json!(887_910), json!(8071), json!(895_981))
    );
    // Unknown, not 0.
    assert_eq!(
        (t["cache_read"].clone(), t["cache_write"].clone()),
        (Value::Null, Value::Null)
    );
    // NAT's invocation times: the run spans the first step to the last.
    let detail = summary_detail("nemo-flow-atof-atif-trajectory.json");
    let run = &detail["runs"][0];
    assert_eq!(run["name"], "hermes-nemoflow");
    assert_eq!(run["start"], "2026-05-13T15:17:28.022Z");
    assert_eq!(run["end"], "2026-05-13T15:39:29.493Z");
}

#[test]
fn native_hermes_trajectory_has_calls_but_no_usage_or_times() {
    // count.py: 1 run, 31 LLM calls (openai/qwen3.6:35b), 32 tool calls, 0 errors, no tokens.
    let doc = summary("native-hermes-trajectory.json");
    assert_counts(&doc, 1, 31, 32, 0);
    assert_eq!(
        calls_by_model(&doc),
        [("openai/qwen3.6:35b".to_owned(), 31)]
    );
    // No call reported a count: every bucket is unknown (`null`), not 0.
    for bucket in ["input", "output", "total", "cache_read", "cache_write"] {
        assert_eq!(doc["totals"]["tokens"][bucket], Value::Null, "{bucket}");
    }
    assert_eq!(doc["runs"][0]["start"], Value::Null);
}

#[test]
fn nat_examples_models_per_step() {
    // count.py: exmp04 2 calls claude-3-5-sonnet + 1 tool; exmp06 one call each of three models.
    let doc = summary("exmp04_atif.json");
    assert_counts(&doc, 1, 2, 1, 0);
    assert_eq!(calls_by_model(&doc), [("claude-3-5-sonnet".to_owned(), 2)]);
    let doc = summary("exmp06_atif.json");
    assert_counts(&doc, 1, 3, 0, 0);
    assert_eq!(
        calls_by_model(&doc),
        [
            ("claude-3-5-sonnet".to_owned(), 1),
            ("gemini-2.0-flash".to_owned(), 1),
            ("gpt-4o".to_owned(), 1)
        ]
    );
}

#[test]
fn nat_converter_subagent_nests_under_its_tool_call() {
    // count.py: 1 run, 5 LLM calls (3 claude-sonnet-4-5-20250929 + 2 claude-haiku-4-5-20251001
    // in the embedded subagent), 3 tool calls, 0 errors, no metrics.
    let doc = summary("nat-converter/delegate-session.atif.json");
    assert_counts(&doc, 1, 5, 3, 0);
    assert_eq!(
        calls_by_model(&doc),
        [
            ("claude-haiku-4-5-20251001".to_owned(), 2),
            ("claude-sonnet-4-5-20250929".to_owned(), 3)
        ]
    );
    let (trace, _) = load(
        &[path("nat-converter/delegate-session.atif.json")],
        None,
        &mut |_| {},
    )
    .unwrap();
    let tree = trace.dump();
    let delegate = tree.find("tool \"delegate\"").expect("delegate tool");
    let patcher = tree.find("agent \"patcher\"").expect("subagent");
    assert!(patcher > delegate, "{tree}");
    let indent = |at: usize| at - tree[..at].rfind('\n').unwrap() - 1;
    assert_eq!(indent(patcher), indent(delegate) + 2, "{tree}");
}

#[test]
fn sniffing_atif_against_greentic() {
    for f in [
        "nemo-flow-atof-atif-trajectory.json",
        "native-hermes-trajectory.json",
        "exmp04_atif.json",
        "nat-converter/delegate-session.atif.json",
    ] {
        let bytes = std::fs::read(path(f)).unwrap();
        // The head the loader reads (64 KiB): the large files are sniffed from a partial head.
        let head = &bytes[..bytes.len().min(64 * 1024)];
        assert_eq!(sniff(head, Some("trace.json")), Some(Format::Atif), "{f}");
    }
    let greentic = std::fs::read("assets/greentic/trace.json").unwrap();
    assert_eq!(sniff(&greentic, None), Some(Format::Greentic));
    assert_eq!(
        sniff(&greentic[..greentic.len() / 2], None),
        Some(Format::Greentic)
    );
    // One line: a compact ATIF document is still a document.
    let compact = br#"{"schema_version":"ATIF-v1.8","agent":{"name":"a","version":"1"},"steps":[{"step_id":1,"source":"user","message":"hi"}]}"#;
    assert_eq!(sniff(compact, None), Some(Format::Atif));
    // ATIF-looking but not ATIF: the version is not ATIF-vN.M, or steps lack step_id/source.
    let bad = br#"{"schema_version":"1.7","agent":{},"steps":[{"step_id":1,"source":"user"}]}"#;
    assert_eq!(sniff(bad, None), None);
    let greentic_like = br#"{"trace_version":1,"flow":{"id":"f"},"schema_version":"ATIF-v1.7","agent":{},"steps":[{"node_id":"n"}]}"#;
    assert_eq!(sniff(greentic_like, None), None);
}

fn open(rel: &str) -> App {
    let (trace, formats) = load(&[path(rel)], None, &mut |_| {}).unwrap();
    App::new(trace, formats, rel.rsplit('/').next().unwrap(), false)
}

#[test]
fn atif_screens() {
    let mut app = open("nat-converter/delegate-session.atif.json");
    insta::assert_snapshot!("atif_explorer_120x40", text(&draw(&mut app, 120, 40)));
    let mut app = open("nemo-flow-atof-atif-trajectory.json");
    insta::assert_snapshot!(
        "atif_nemo_flow_explorer_120x40",
        text(&draw(&mut app, 120, 40))
    );
    update(&mut app, Action::ShowView(View::Timeline));
    insta::assert_snapshot!(
        "atif_nemo_flow_timeline_120x40",
        text(&draw(&mut app, 120, 40))
    );
    update(&mut app, Action::ShowView(View::Tokens));
    insta::assert_snapshot!(
        "atif_nemo_flow_tokens_120x40",
        text(&draw(&mut app, 120, 40))
    );
}
