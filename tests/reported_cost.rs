//! A producer's own cost (#14): Relay's `annotated_response.usage.cost`, harn's `cost_usd`,
//! ATIF's `metrics.cost_usd` are kept per call and shown as `reported` beside the cost
//! trace-tui computes, never instead of it; 0.0 (harn's "no price") is unknown, not free.

mod common;

use std::io::Write;

use trace_report::cost::run_cost;
use trace_tui::app::{Action, View, update};

/// One Relay LLM call (a scope start and end) with a cost object in its normalized usage:
/// the TOKENS.md §1.6 Anthropic example, priced by the producer at $0.001995.
fn relay_call(i: usize, cost: &str) -> String {
    let root = format!("00000000-0000-7000-8000-{i:012}");
    let call = format!("00000000-0000-7000-9000-{i:012}");
    let start = |uuid: &str, parent: &str, name: &str, cat: &str| {
        format!(
            r#"{{"atof_version":"0.1","kind":"scope","scope_category":"start","category":"{cat}","uuid":"{uuid}","parent_uuid":{parent},"name":"{name}","timestamp":"2026-11-02T09:00:0{}Z","category_profile":{{"model_name":"claude-sonnet-4-5"}}}}"#,
            i32::from(cat == "llm")
        )
    };
    let end_call = format!(
        r#"{{"atof_version":"0.1","kind":"scope","scope_category":"end","category":"llm","uuid":"{call}","parent_uuid":"{root}","name":"anthropic","timestamp":"2026-11-02T09:00:02Z","category_profile":{{"model_name":"claude-sonnet-4-5","annotated_response":{{"model":"claude-sonnet-4-5-20250929","usage":{{"prompt_tokens":40,"completion_tokens":116,"cache_read_tokens":300,"cache_write_tokens":12{cost}}}}}}}}}"#
    );
    let end_root = format!(
        r#"{{"atof_version":"0.1","kind":"scope","scope_category":"end","category":"agent","uuid":"{root}","name":"agent","timestamp":"2026-11-02T09:00:03Z"}}"#
    );
    [
        start(&root, "null", "agent", "agent"),
        start(&call, &format!("\"{root}\""), "anthropic", "llm"),
        end_call,
        end_root,
    ]
    .join("\n")
        + "\n"
}

const RELAY_COST: &str =
    r#","cost":{"total":0.001995,"currency":"USD","source":"provider_reported"}"#;

#[test]
fn relay_cost_is_reported_beside_ours() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relay.atof.jsonl");
    std::fs::write(&path, relay_call(0, RELAY_COST) + &relay_call(1, "")).unwrap();
    let t = common::trace(&[path.to_str().unwrap()]);
    assert_eq!(t.runs().count(), 2);
    let (a, _) = run_cost(&t, t.runs().next().unwrap());
    assert_eq!((a.reported, a.reported_nusd), (1, 1_995_000));
    assert_eq!(a.reported_usd(), Some(0.001_995));
    // Ours is computed from the tokens and the catalogue, whatever the producer says.
    let ours = a.usd().expect("claude-sonnet-4-5 has a price");
    assert!((ours - 0.001_995).abs() < 1e-9, "{ours}");
    // The second call reported no cost: nothing reported, not $0.
    let (b, _) = run_cost(&t, t.runs().nth(1).unwrap());
    assert_eq!((b.reported, b.reported_usd()), (0, None));
}

#[test]
fn relay_cost_survives_the_parallel_loader() {
    // Past the size where a file is read on two threads.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.atof.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut runs = 0u64;
    let mut bytes = 0u64;
    while bytes <= trace_ingest::parallel::MIN_PARALLEL_BYTES + (1 << 20) {
        let text = relay_call(runs as usize, RELAY_COST);
        bytes += text.len() as u64;
        f.write_all(text.as_bytes()).unwrap();
        runs += 1;
    }
    drop(f);
    let t = common::trace(&[path.to_str().unwrap()]);
    assert_eq!(t.runs().count() as u64, runs);
    let mut sum = trace_report::cost::CostSum::default();
    for r in t.runs() {
        sum.add_sum(&run_cost(&t, r).0);
    }
    assert_eq!(sum.reported, runs);
    assert_eq!(sum.reported_nusd, runs * 1_995_000);
}

#[test]
fn harn_cost_usd_is_reported() {
    // Three provider_call_response records with cost_usd 0.00186 + … = $0.003249 (count.py
    // style: summed with a few lines of Python over the fixture, 3 records, no zeros).
    let t = common::trace(&["tests/fixtures/harn-transcript/jsonl/llm_transcript.jsonl"]);
    let (c, _) = run_cost(&t, t.runs().next().unwrap());
    assert_eq!((c.reported, c.reported_nusd), (3, 3_249_000));
}

#[test]
fn harn_zero_cost_is_unknown_and_atif_cost_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let harn = dir.path().join("llm_transcript.jsonl");
    std::fs::write(
        &harn,
        concat!(
            r#"{"type":"provider_call_request","call_id":"c1","iteration":1,"provider":"anthropic","model":"claude-sonnet-4-5-20250929","timestamp":"2026-11-02T09:00:00Z"}"#,
            "\n",
            r#"{"type":"provider_call_response","call_id":"c1","iteration":1,"provider":"anthropic","model":"claude-sonnet-4-5-20250929","input_tokens":40,"output_tokens":116,"cost_usd":0.0,"response_ms":2140,"timestamp":"2026-11-02T09:00:02Z"}"#,
            "\n"
        ),
    )
    .unwrap();
    let t = common::trace(&[harn.to_str().unwrap()]);
    let (c, _) = run_cost(&t, t.runs().next().unwrap());
    assert_eq!(c.reported_usd(), None, "0.0 is harn's 'no price'");

    let atif = dir.path().join("run.atif.json");
    std::fs::write(
        &atif,
        r#"{"schema_version": "ATIF-v1.7", "session_id": "s", "agent": {"name": "a", "model_name": "claude-sonnet-4-5-20250929"},
  "steps": [{"step_id": 1, "timestamp": "2026-11-02T09:00:04Z", "source": "agent", "model_name": "claude-sonnet-4-5-20250929", "message": "hi",
     "metrics": {"prompt_tokens": 352, "completion_tokens": 116, "cached_tokens": 300, "cost_usd": 0.001995, "extra": {"cache_creation_input_tokens": 12}}}]}"#,
    )
    .unwrap();
    let t = common::trace(&[atif.to_str().unwrap()]);
    let (c, _) = run_cost(&t, t.runs().next().unwrap());
    assert_eq!((c.reported, c.reported_nusd), (1, 1_995_000));
}

#[test]
fn the_screen_says_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relay.atof.jsonl");
    std::fs::write(&path, relay_call(0, RELAY_COST)).unwrap();
    let mut app = common::open(path.to_str().unwrap());
    update(&mut app, Action::ShowView(View::Tokens));
    let s = common::text(&common::draw(&mut app, 120, 40));
    assert!(s.contains("Tokens · run · $0.0020 "), "{s}");
    assert!(
        s.contains("Calls · run · 1 · reported $0.0020 · sort"),
        "{s}"
    );
    update(&mut app, Action::ShowView(View::Explorer));
    update(&mut app, Action::ExpandAll);
    app.focus = trace_tui::app::Pane::Tree;
    update(&mut app, Action::Down);
    let s = common::text(&common::draw(&mut app, 120, 40));
    assert!(
        s.contains("│reported   $0.0020 (the producer's own figure)"),
        "{s}"
    );
}

#[test]
fn summary_json_reports_it_beside_ours() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relay.atof.jsonl");
    std::fs::write(&path, relay_call(0, RELAY_COST) + &relay_call(1, "")).unwrap();
    let out = common::bin()
        .args(["summary", "--json", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = &doc["totals"];
    assert_eq!(t["reported_cost_usd"], 0.001_995);
    // Ours: both calls, the same usage and price (TOKENS.md §1.6: $0.001995 each).
    assert_eq!(t["cost_usd"], 0.003_99);
    assert_eq!(
        t["by_model"]["claude-sonnet-4-5"]["reported_cost_usd"],
        0.001_995
    );
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs[0]["reported_cost_usd"], 0.001_995);
    assert!(runs[1].get("reported_cost_usd").is_none(), "{}", runs[1]);
}
