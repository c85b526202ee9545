//! Fixture tests: each bundled sample and odd-case file, with hand-computed answers.

mod common;

use serde_json::{Value, json};
use trace_formats::Format;
use trace_ingest::files::load;
use trace_report::summary::{summary_json, summary_json_detail};

use common::{HARN_A, HARN_B, path, run};

fn summary(files: &[&str]) -> (trace_model::Trace, Value) {
    let (trace, formats) = common::load(files);
    let json = summary_json(&trace, &formats);
    (trace, json)
}

/// [`summary`] with the `--detail` document (each run's end time and scope counters).
fn summary_detail(files: &[&str]) -> (trace_model::Trace, Value) {
    let (trace, formats) = common::load(files);
    let json = summary_json_detail(&trace, &formats);
    (trace, json)
}

/// An LLM call's end line written twice (a producer's retry) is the same call: its tokens
/// count once and the copy is a warning. The sample's answers are the test above's.
#[test]
fn atof_end_written_twice_counts_once() {
    let text = std::fs::read_to_string(path("assets/atof/agent-session.jsonl")).unwrap();
    let end = text.lines().nth(4).unwrap();
    assert!(end.contains("\"scope_category\":\"end\"") && end.contains("\"usage\""));
    let dir = tempfile::tempdir().unwrap();
    let twice = dir.path().join("twice.jsonl");
    std::fs::write(&twice, format!("{text}{end}\n")).unwrap();
    let (trace, formats) = load(&[twice], None, &mut |_| {}).expect("load");
    let doc = summary_json(&trace, &formats);
    let cc = run(&doc, "claude-code");
    assert_eq!(cc["tokens"]["input"], 43329);
    assert_eq!(cc["tokens"]["output"], 384);
    assert_eq!(cc["llm_calls"], 2);
    // The sample's own warning (line 12's parent) and the copy's.
    assert_eq!(doc["warnings_count"], 2);
    let copy = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["line"] == 29)
        .unwrap();
    assert_eq!(
        copy["error"],
        "repeated end for id \"01979f2a-7f13-7b2c-a5d9-3e6b8f0c2a44\" (as line 5); ignored"
    );
}

/// The whole sample written twice or three times (`cat a a`, a collector replaying its
/// spool): every run as once. Its marks (an `llm.chunk` under the first call, a rejected `fetch_url` that is
/// one of research-agent's 2 errors) have no kept ids and are matched under their repeated
/// scopes; the Relay turn's end is a repeat though its start was renamed `turn 1 · …`.
#[test]
fn atof_sample_written_twice_is_the_sample() {
    let text = std::fs::read_to_string(path("assets/atof/agent-session.jsonl")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for copies in [2, 3] {
        let again = dir.path().join(format!("x{copies}.jsonl"));
        std::fs::write(&again, text.repeat(copies)).unwrap();
        let (trace, _) = load(&[again], None, &mut |_| {}).expect("load");
        let runs: Vec<_> = trace
            .runs()
            .map(|r| {
                let s = trace.run_stats(r);
                let input = s.tokens.input;
                (
                    s.scopes,
                    s.marks,
                    s.errors,
                    s.llm_calls,
                    s.tool_calls,
                    input,
                )
            })
            .collect();
        assert_eq!(
            runs,
            [
                (6, 1, 0, 2, 2, 43329),
                (5, 1, 2, 2, 2, 2312),
                (3, 0, 0, 1, 1, 5000),
            ],
            "{copies} copies"
        );
        // The sample's own warning, and one per repeated start or end (13 scopes' 26 lines
        // per copy).
        assert_eq!(trace.warnings_count, 1 + 26 * (copies as u64 - 1));
    }
}

#[test]
fn atof_sample_runs_tokens_and_statuses() {
    let (trace, doc) = summary_detail(&["assets/atof/agent-session.jsonl"]);
    assert_eq!(doc["format"], "atof");
    assert_eq!(doc["events"], 28);
    assert_eq!(doc["skipped_lines"], 0);
    let names: Vec<&str> = doc["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["claude-code", "research-agent", "codex"]);

    let cc = run(&doc, "claude-code");
    assert_eq!(cc["status"], "ok");
    assert_eq!(cc["id"], "01979f2a-6c41-7d3e-8b20-4f1a9c0e5d71");
    assert_eq!(cc["start"], "2026-06-24T18:03:11.204Z");
    assert_eq!(cc["end"], "2026-06-24T18:03:18.404Z");
    assert_eq!(cc["duration_ms"], 7200.0);
    assert_eq!(
        (
            cc["scopes"].as_u64(),
            cc["llm_calls"].as_u64(),
            cc["tool_calls"].as_u64()
        ),
        (Some(6), Some(2), Some(2))
    );
    // (9 + 21480 + 640) + (1200 + 20000) in (Anthropic's input excludes the cache; trace-tui's
    // includes it), 74 + 310 out: annotated usage and raw data.usage of one call counted once.
    assert_eq!(
        cc["tokens"],
        json!({"input": 43329, "output": 384, "total": 43713, "cache_read": 41480,
               "cache_write": 640, "cache_write_1h": 0, "uncached": 1209, "reasoning": null})
    );

    let ra = run(&doc, "research-agent");
    assert_eq!(ra["status"], "error");
    assert_eq!(
        ra["errors"], 2,
        "failed web_search + rejected fetch_url mark"
    );
    assert_eq!(ra["tokens"]["input"], 2312);
    assert_eq!(ra["tokens"]["cache_read"], 1024);

    let cx = run(&doc, "codex");
    assert_eq!(cx["status"], "incomplete");
    assert_eq!(cx["end"], Value::Null);
    assert_eq!(cx["duration_ms"], Value::Null);
    assert_eq!(cx["start"], "2026-06-24T18:15:00.000Z");

    let t = &doc["totals"];
    assert_eq!(
        (
            t["runs"].as_u64(),
            t["llm_calls"].as_u64(),
            t["tool_calls"].as_u64()
        ),
        (Some(3), Some(5), Some(5))
    );
    assert_eq!(
        (
            t["tokens"]["input"].as_u64(),
            t["tokens"]["output"].as_u64(),
            t["tokens"]["total"].as_u64()
        ),
        // claude-sonnet-4-5's input 1209 → 43329: its cache reads and writes are now in it.
        (Some(50641), Some(1500), Some(52141))
    );
    assert_eq!(t["by_model"]["claude-sonnet-4-5"]["calls"], 2);
    assert_eq!(t["by_model"]["claude-sonnet-4-5"]["input"], 43329);
    assert_eq!(t["by_model"]["claude-sonnet-4-5"]["uncached"], 1209);
    assert_eq!(
        t["by_model"]["gpt-4.1"],
        // No cache figure reported (OpenAI usage without details): the cache buckets and
        // uncached are unknown, `null`, not 0.
        // Cost: 812 × $2 + 96 × $8 per million = $0.002392.
        json!({"calls": 1, "input": 812, "output": 96, "total": 908, "cache_read": null, "cache_write": null,
               "cache_write_1h": null, "uncached": null, "reasoning": null,
               "cost_usd": 0.002_392, "cost_partial": false, "reported_cost_usd": null})
    );
    assert_eq!(t["by_model"]["gpt-4.1-mini"]["output"], 220);
    assert_eq!(t["by_model"]["gpt-5-codex"]["input"], 5000);
    insta::assert_snapshot!("atof_sample_tree", trace.dump());
}

#[test]
fn harn_rotated_set_is_one_session() {
    // Naming only the base file brings its rotated part along; the index continues.
    let (trace, doc) = summary(&[HARN_A, HARN_B]);
    assert_eq!(doc["format"], "harn");
    assert_eq!(doc["files"].as_array().unwrap().len(), 3);
    // 16 records, the two session roots, an LLM call's start and end per iteration_end (3),
    // and A's end at each of its two terminal events (turn_phase_changed terminal, final_wrapup).
    assert_eq!(doc["events"], 26);
    let a = run(&doc, "01979f2a-5a10-7c2e-9f41-0b7d3e6a8c55");
    // Recovered from its failed search and ended naturally: ok, with the error inside.
    assert_eq!(a["status"], "ok");
    assert_eq!(a["duration_ms"], 6300.0);
    assert_eq!(
        (
            a["scopes"].as_u64(),
            a["llm_calls"].as_u64(),
            a["tool_calls"].as_u64(),
            a["errors"].as_u64()
        ),
        (Some(7), Some(2), Some(2), Some(1))
    );
    // iteration_end tokens only; the cumulative provider_usage is not added again.
    assert_eq!(
        (
            a["tokens"]["input"].as_u64(),
            a["tokens"]["output"].as_u64()
        ),
        (Some(44629), Some(484))
    );
    let b = run(&doc, "01979f2b-1c00-7d00-8a00-3e3e3e3e3e3e");
    assert_eq!(b["status"], "incomplete");
    assert_eq!(b["tokens"]["input"], 3000);
    assert_eq!(doc["totals"]["by_model"]["claude-sonnet-4-5"]["calls"], 2);
    assert_eq!(doc["totals"]["by_model"]["gpt-4.1"]["calls"], 1);
    insta::assert_snapshot!("harn_sample_tree", trace.dump());
}

#[test]
fn harn_parts_named_in_any_order_read_in_rotation_order() {
    let rotated = "assets/harn/event_log-01979f2a-5a10-7c2e-9f41-0b7d3e6a8c55-000001.jsonl";
    let (_, forward) = summary(&[HARN_A]);
    let (_, backward) = summary(&[rotated, HARN_A]);
    assert_eq!(forward["runs"], backward["runs"]);
    // 12 records become 19 events: the session root, an LLM call's start and end per
    // iteration_end, and the session's end at each of its two terminal events.
    assert_eq!(forward["events"], 19);
}

#[test]
fn greentic_steps_become_calls() {
    let (trace, doc) = summary(&["assets/greentic/trace.json"]);
    assert_eq!(doc["format"], "greentic");
    let r = run(&doc, "triage@1.3.0");
    assert_eq!(r["status"], "error");
    assert_eq!(
        r["duration_ms"], 31541.0,
        "184 + 1250 + 95 + 30012 ms laid end to end"
    );
    assert_eq!(
        (
            r["scopes"].as_u64(),
            r["llm_calls"].as_u64(),
            r["tool_calls"].as_u64(),
            r["errors"].as_u64()
        ),
        (Some(5), Some(2), Some(2), Some(1))
    );
    insta::assert_snapshot!("greentic_sample_tree", trace.dump());
}

#[test]
fn odd_atof_lines_are_kept_or_reported() {
    let (trace, doc) = summary(&["tests/fixtures/atof-odd.jsonl"]);
    assert_eq!(doc["skipped_lines"], 3);
    let lines: Vec<u64> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [1, 2, 7]);
    assert_eq!(doc["diagnostics"][1]["error"], "not a JSON object");
    assert_eq!(
        doc["events"], 15,
        "every usable line is an event, none lost"
    );
    assert_eq!(doc["loose_marks"], 1);
    // Child before parent and end before start fold into one tree under "parent".
    let p = run(&doc, "parent");
    assert_eq!(p["status"], "ok");
    assert_eq!(
        p["scopes"], 5,
        "parent, child-first, two dup scopes, end-only"
    );
    assert_eq!(p["duration_ms"], 5000.0);
    // A parent never seen makes its child a run of its own.
    assert_eq!(run(&doc, "orphan")["status"], "ok");
    // A two-node cycle is broken at the link that would close it; both nodes stay.
    assert_eq!(run(&doc, "cycle-b")["scopes"], 2);
    assert_eq!(run(&doc, "bad-time")["start"], Value::Null);
    assert_eq!(
        doc["warnings_count"], 3,
        "duplicate start + cycle + unreadable timestamp"
    );
    assert_eq!(doc["runs"].as_array().unwrap().len(), 5);
    insta::assert_snapshot!("atof_odd_tree", trace.dump());
}

#[test]
fn forced_format_and_unknown_input() {
    let (trace, _) = load(
        &[path("assets/atof/agent-session.jsonl")],
        Some(Format::Harn),
        &mut |_| {},
    )
    .unwrap();
    // Read as harn, ATOF lines have no harn envelope: every line is skipped, told once.
    assert_eq!(trace.skipped, 28);
    assert_eq!(trace.diagnostics().len(), 1);
    assert_eq!(
        trace.diagnostics()[0].message,
        "28 records skipped, none read; the first: not harn: no `index`, `emitted_at_ms` or \
         `session_id` envelope"
    );
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("notes.txt");
    std::fs::write(&f, "hello\nworld\n").unwrap();
    let (trace, formats) = load(&[f], None, &mut |_| {}).unwrap();
    assert!(formats.is_empty());
    assert_eq!(trace.skipped, 2);
}

#[test]
fn missing_file_and_directory_are_errors() {
    let err = load(&[path("assets/nope.jsonl")], None, &mut |_| {}).unwrap_err();
    assert!(format!("{err:#}").contains("cannot open"), "{err:#}");
    let err = load(&[path("assets")], None, &mut |_| {}).unwrap_err();
    assert!(format!("{err:#}").contains("is a directory"), "{err:#}");
}

#[test]
fn streamed_json_is_the_same_document() {
    for files in [
        vec!["assets/atof/agent-session.jsonl"],
        vec![HARN_A, HARN_B],
        vec!["tests/fixtures/atof-odd.jsonl"],
    ] {
        for detail in [false, true] {
            let (trace, doc) = if detail {
                summary_detail(&files)
            } else {
                summary(&files)
            };
            let mut out = Vec::new();
            trace_report::summary::write_summary_json(&mut out, &trace, &[], detail).unwrap();
            let mut streamed: Value = serde_json::from_slice(&out).unwrap();
            streamed["format"] = doc["format"].clone();
            assert_eq!(streamed, doc, "{files:?} detail={detail}");
            assert_eq!(memchr_count(&out), 1, "one line, one document");
        }
    }
}

/// Enough runs for the figures to be computed on two threads (from 1,024 runs).
#[test]
fn streamed_json_of_many_runs_is_the_same_document() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("many.jsonl");
    let mut bytes = Vec::new();
    trace_synth::generate(3, trace_synth::Target::Events(120_000), &mut bytes).unwrap();
    std::fs::write(&file, bytes).unwrap();
    let (trace, formats) = load(&[file], None, &mut |_| {}).unwrap();
    assert!(trace.runs().count() > 1024, "{} runs", trace.runs().count());
    for detail in [false, true] {
        let doc = if detail {
            trace_report::summary::summary_json_detail(&trace, &formats)
        } else {
            trace_report::summary::summary_json(&trace, &formats)
        };
        let mut out = Vec::new();
        trace_report::summary::write_summary_json(&mut out, &trace, &formats, detail).unwrap();
        let streamed: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(streamed, doc);
    }
}

fn memchr_count(bytes: &[u8]) -> usize {
    bytes.split(|&b| b == b'\n').count() - 1
}
