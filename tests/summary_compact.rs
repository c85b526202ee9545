//! `summary` is a summary (issue #17): the default `--json` document has totals, per-model and
//! per-tool exemplars and one compact row per run; `--detail` adds each run's critical path,
//! self time and own tokens, and exemplars for scope names that repeat. The default document
//! stays under 10% of the input on the bench's log shapes; the text table lists the first and
//! the worst of many runs.

mod common;
#[path = "../benches/shapes/logs.rs"]
mod logs;

use std::collections::HashMap;

use serde_json::Value;
use trace_model::Trace;
use trace_report::summary::{summary_json, summary_json_detail, write_summary_json, write_text};

use common::{ANALYSIS, ATOF, bin, path, run};

/// Keys only `--detail` rows carry.
const DETAIL_KEYS: [&str; 9] = [
    "critical_path",
    "critical_path_ms",
    "self_time_ms",
    "tokens_self",
    "tokens_subtree",
    "end",
    "marks",
    "open_scopes",
    "incomplete_scopes",
];

#[test]
fn default_rows_are_compact_and_detail_rows_are_whole() {
    let (t, formats) = common::load(&[ANALYSIS]);
    let doc = summary_json(&t, &formats);
    let full = summary_json_detail(&t, &formats);
    let planner = run(&doc, "planner");
    for k in DETAIL_KEYS {
        assert!(planner.get(k).is_none(), "{k} in a compact row: {planner}");
        assert!(
            run(&full, "planner").get(k).is_some(),
            "{k} missing with --detail"
        );
    }
    // The compact row's figures are the detail row's.
    for k in [
        "id",
        "name",
        "status",
        "start",
        "duration_ms",
        "scopes",
        "llm_calls",
        "tool_calls",
        "errors",
        "cost_usd",
        "cost_partial",
    ] {
        assert_eq!(planner[k], run(&full, "planner")[k], "{k}");
    }
    for k in ["input", "output", "total", "cache_read", "cache_write"] {
        assert_eq!(
            planner["tokens"][k],
            run(&full, "planner")["tokens"][k],
            "{k}"
        );
    }
    // One file: its name is the document's, not every row's.
    assert!(planner.get("file").is_none());
    assert_eq!(doc["files"].as_array().map(Vec::len), Some(1));
    assert!(run(&full, "planner")["file"].is_string());
    // Same totals either way.
    assert_eq!(doc["totals"], full["totals"]);
    assert_eq!(doc["exemplars"]["by_model"], full["exemplars"]["by_model"]);
    assert_eq!(doc["exemplars"]["by_tool"], full["exemplars"]["by_tool"]);
}

/// Scope names and how many scopes carry each.
fn name_counts(t: &Trace) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for id in t.node_ids() {
        let n = t.node(id);
        if n.kind == trace_model::NodeKind::Scope && !n.placeholder() {
            *m.entry(t.str(n.name).to_owned()).or_default() += 1;
        }
    }
    m
}

#[test]
fn by_name_exemplars_only_with_detail_and_only_for_names_that_repeat() {
    let (t, formats) = common::load(&[ATOF]);
    let doc = summary_json(&t, &formats);
    assert!(
        doc["exemplars"].get("by_name").is_none(),
        "{}",
        doc["exemplars"]
    );
    assert!(
        doc["exemplars"]["by_model"]
            .as_object()
            .is_some_and(|m| !m.is_empty())
    );
    let full = summary_json_detail(&t, &formats);
    let by_name = full["exemplars"]["by_name"].as_object().expect("by_name");
    let counts = name_counts(&t);
    let repeated: Vec<&String> = counts
        .iter()
        .filter(|(_, c)| **c >= 2)
        .map(|(k, _)| k)
        .collect();
    assert!(
        !repeated.is_empty() && counts.values().any(|c| *c == 1),
        "{counts:?}"
    );
    let mut want: Vec<&str> = repeated.iter().map(|s| s.as_str()).collect();
    want.sort_unstable();
    let got: Vec<&str> = by_name.keys().map(String::as_str).collect();
    assert_eq!(got, want);
}

/// The default document of a generated log, and its size next to the log's.
fn shape_share(bytes: &[u8]) -> (f64, f64) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shape.jsonl");
    std::fs::write(&file, bytes).unwrap();
    let (t, formats) = trace_ingest::files::load(&[file], None, &mut |_| {}).unwrap();
    assert_eq!(t.skipped, 0);
    let mut out = Vec::new();
    write_summary_json(&mut out, &t, &formats, false).unwrap();
    let mut full = Vec::new();
    write_summary_json(&mut full, &t, &formats, true).unwrap();
    let n = bytes.len() as f64;
    (out.len() as f64 / n, full.len() as f64 / n)
}

#[test]
fn the_default_document_is_under_a_tenth_of_the_input_on_every_shape() {
    let mut relay = Vec::new();
    trace_synth::generate(5, trace_synth::Target::Bytes(2_000_000), &mut relay).unwrap();
    let mut scopes = Vec::new();
    let made = logs::scope_heavy(2_000_000, &mut scopes).unwrap();
    assert!(made.runs > 300 && made.bytes == scopes.len() as u64);
    let mut small = Vec::new();
    let made = logs::many_small(2_000_000, &mut small).unwrap();
    assert!(made.runs > 500 && made.llm_calls == made.runs && made.tool_calls == made.runs);
    let mut huge = Vec::new();
    let made = logs::one_huge(2_000_000, &mut huge).unwrap();
    assert_eq!((made.runs, made.lines), (1, made.lines));
    for (shape, bytes) in [
        ("relay", &relay),
        ("scopes", &scopes),
        ("small", &small),
        ("huge", &huge),
    ] {
        let (share, detail) = shape_share(bytes);
        assert!(share < 0.10, "{shape}: {:.1}% of the input", share * 100.0);
        assert!(detail > share, "{shape}: --detail adds to the document");
    }
}

#[test]
fn text_lists_the_first_and_the_worst_of_many_runs() {
    let mut small = Vec::new();
    // Over 1,024 runs: their figures are summed on two threads and only the listed ones kept.
    logs::many_small(4_200_000, &mut small).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("small.jsonl");
    std::fs::write(&file, &small).unwrap();
    let (t, formats) = trace_ingest::files::load(&[file], None, &mut |_| {}).unwrap();
    let runs = t.runs().count();
    assert!(runs > 1024, "{runs}");
    let text = |detail: bool| {
        let mut out = Vec::new();
        write_text(&mut out, &t, &formats, detail).unwrap();
        String::from_utf8(out).unwrap()
    };
    let short = text(false);
    let rows = |s: &str| s.lines().filter(|l| l.starts_with("task ")).count();
    assert_eq!(rows(&short), 50, "{short}");
    assert!(
        short.contains(&format!("… {} more runs", runs - 50)),
        "{short}"
    );
    let long = text(true);
    assert_eq!(rows(&long), runs);
    assert!(!long.contains("more runs"));
    // The short table's rows are rows of the whole one (padding aside), in the same order,
    // and both tables end with the same totals.
    let norm = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| l.starts_with("task "))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    };
    let whole = norm(&long);
    let mut at = 0;
    for row in norm(&short) {
        at += whole[at..]
            .iter()
            .position(|w| *w == row)
            .expect("a listed row is a run's row");
    }
    let tail = |s: &str| {
        s.lines()
            .skip_while(|l| !l.starts_with("MODEL"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(tail(&short), tail(&long));
    assert_eq!(short.lines().next(), long.lines().next());
}

#[test]
fn cli_detail_flag_gives_the_whole_rows() {
    let out = bin()
        .args(["summary", "--json"])
        .arg(path(ANALYSIS))
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(run(&doc, "planner").get("critical_path").is_none());
    let out = bin()
        .args(["summary", "--json", "--detail"])
        .arg(path(ANALYSIS))
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run(&doc, "planner")["critical_path_ms"], 10_000.0);
    assert!(doc["exemplars"]["by_name"].is_object());
}

/// With 1,024 runs or more the figures are computed in two halves on two threads; the rows
/// still come in start order, the same as `runs_by_start`. Compact rows are computed again,
/// 1,024 at a time, as they are written; `--detail` keeps them: both give the same figures.
#[test]
fn rows_of_many_runs_are_in_start_order() {
    let mut small = Vec::new();
    logs::many_small(4_200_000, &mut small).unwrap();
    // Each run is 6 lines; written early, late, early, late… so that both halves of the
    // arrival order hold early and late runs and the two threads' lists interleave.
    let text = String::from_utf8(small).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let runs: Vec<&[&str]> = lines.chunks(6).collect();
    let (early, late) = runs.split_at(runs.len() / 2);
    let mut mixed = String::new();
    for i in 0..late.len() {
        for r in [early.get(i), late.get(i)].into_iter().flatten() {
            for l in *r {
                mixed.push_str(l);
                mixed.push('\n');
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("small.jsonl");
    std::fs::write(&file, &mixed).unwrap();
    let (t, formats) = trace_ingest::files::load(&[file], None, &mut |_| {}).unwrap();
    assert_eq!(t.skipped, 0);
    let want: Vec<String> = trace_report::summary::runs_by_start(&t)
        .iter()
        .map(|(id, _)| t.ext_id(*id).into_owned())
        .collect();
    assert!(want.len() > 1024, "{} runs", want.len());
    let doc = summary_json(&t, &formats);
    assert_eq!(run_ids(&doc), want);
    assert_eq!(doc["totals"]["runs"], runs.len());
    let full = summary_json_detail(&t, &formats);
    let kept = full["runs"].as_array().unwrap();
    for (row, whole) in doc["runs"].as_array().unwrap().iter().zip(kept) {
        for (k, v) in row.as_object().unwrap() {
            if k == "tokens" {
                // Detail rows also spell out the unknown parts as null.
                for (part, n) in v.as_object().unwrap() {
                    assert_eq!(*n, whole["tokens_subtree"][part], "{part} of {}", row["id"]);
                }
            } else {
                assert_eq!(*v, whole[k], "{k} of {}", row["id"]);
            }
        }
    }
    assert_eq!(kept.len(), want.len());
    assert_eq!(full["totals"], doc["totals"]);
    let arrival: Vec<String> = t.runs().map(|r| t.ext_id(r).into_owned()).collect();
    assert_ne!(arrival, want, "arrival order is not start order");
}

/// Runs arriving latest-first, in counts around the two-thread split (1,024 runs; halves of
/// 1,023 and 1,024 at 2,047): the streamed rows are in start order, as serde's document has
/// them, whichever half keeps its figures.
#[test]
fn rows_are_in_start_order_at_every_count_around_the_split() {
    use trace_model::event::{Event, EventKind};
    for n in [1_023_i64, 1_024, 2_047, 2_048] {
        let mut t = Trace::new();
        for i in 0..n {
            let id = format!("run-{i}");
            for (kind, ts) in [(EventKind::Start, n - i), (EventKind::End, n - i + 1)] {
                let mut e = Event::new(kind, id.as_str(), "task");
                e.ts_us = Some(ts * 1_000_000);
                t.apply(&e);
            }
        }
        let mut out = Vec::new();
        write_summary_json(&mut out, &t, &[], false).unwrap();
        let streamed: Value = serde_json::from_slice(&out).unwrap();
        let want: Vec<String> = (0..n).rev().map(|i| format!("run-{i}")).collect();
        assert_eq!(run_ids(&streamed), want, "{n} runs");
        assert_eq!(streamed["runs"], summary_json(&t, &[])["runs"], "{n} runs");
    }
}

/// The ids of a summary document's runs, in its order.
fn run_ids(doc: &Value) -> Vec<&str> {
    doc["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect()
}
