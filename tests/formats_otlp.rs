//! OTLP/JSON traces: real files from the OpenTelemetry Python SDK, NeMo Relay's file sink (both
//! trace projections) and the proto repository's example, with the answers `count.py` beside
//! them gives; line order, follow, span payloads, the synthetic generator, and screens.

mod common;

use common::{draw, text};

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use trace_formats::Format;
use trace_ingest::IngestMsg;
use trace_ingest::files::load;
use trace_ingest::follow::{Target, spawn};
use trace_ingest::payload::read_record;
use trace_model::Trace;
use trace_report::summary::summary_json;
use trace_tui::app::{Action, App, View, update};

const DIR: &str = "tests/fixtures/otlp";

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(DIR)
        .join(name)
}

fn summary_of(paths: &[PathBuf]) -> (Trace, Value) {
    let (trace, formats) = load(paths, None, &mut |_| {}).expect("load");
    let json = summary_json(&trace, &formats);
    (trace, json)
}

fn summary(name: &str) -> (Trace, Value) {
    summary_of(&[path(name)])
}

/// Scopes read from spans (a parent never seen is a placeholder node, not a span).
fn spans(trace: &Trace) -> u64 {
    trace
        .node_ids()
        .filter(|&n| !trace.node(n).placeholder())
        .count() as u64
}

/// What `count.py` reports for a fixture.
struct Counted {
    runs: u64,
    spans: u64,
    llm: u64,
    tools: u64,
    errors: u64,
    tokens: Value,
    by_model: &'static [(&'static str, u64, u64, u64)],
}

/// The counted buckets plus what follows from them: `uncached` = input − cache read − cache
/// write (null when a part is unknown); OTLP reports no 1h writes or reasoning here.
fn with_parts(t: &Value) -> Value {
    let mut t = t.clone();
    if let Some(o) = t.as_object_mut() {
        let n = |k: &str| o.get(k).and_then(Value::as_u64);
        let uncached = match (n("input"), n("cache_read"), n("cache_write")) {
            (Some(i), Some(r), Some(w)) => json!(i - r - w),
            _ => Value::Null,
        };
        // A call without cache figures leaves the sum's uncached part unknown: such a count
        // says `"uncached": null` itself.
        o.entry("uncached").or_insert(uncached);
        o.insert("cache_write_1h".into(), Value::Null);
        o.insert("reasoning".into(), Value::Null);
    }
    t
}

fn check(name: &str, want: &Counted) -> Value {
    let (trace, doc) = summary(name);
    assert_eq!(doc["format"], "otlp", "{name}");
    assert_eq!(doc["skipped_lines"], 0, "{name}");
    assert_eq!(doc["warnings_count"], 0, "{name}");
    let t = &doc["totals"];
    assert_eq!(t["runs"], want.runs, "{name} runs");
    assert_eq!(spans(&trace), want.spans, "{name} spans");
    assert_eq!(
        doc["events"],
        2 * want.spans,
        "{name}: a start and an end per span"
    );
    assert_eq!(t["llm_calls"], want.llm, "{name} llm calls");
    assert_eq!(t["tool_calls"], want.tools, "{name} tool calls");
    assert_eq!(t["errors"], want.errors, "{name} errors");
    assert_eq!(t["tokens"], with_parts(&want.tokens), "{name} tokens");
    let models = t["by_model"].as_object().unwrap();
    assert_eq!(models.len(), want.by_model.len(), "{name} models");
    for &(model, calls, input, output) in want.by_model {
        let m = &models[model];
        assert_eq!(
            (
                m["calls"].as_u64(),
                m["input"].as_u64(),
                m["output"].as_u64()
            ),
            (Some(calls), Some(input), Some(output)),
            "{name} {model}"
        );
    }
    doc
}

const SDK: Counted = Counted {
    runs: 2,
    spans: 9,
    llm: 4,
    tools: 3,
    errors: 1,
    tokens: Value::Null,
    by_model: &[
        ("claude-sonnet-4-5-20250929", 2, 45130, 194),
        ("gpt-3.5-turbo-instruct", 1, 40, 8),
        ("gpt-4.1-mini", 1, 812, 96),
    ],
};

fn sdk() -> Counted {
    Counted {
        // gpt-3.5-turbo-instruct reports no cache figures: its uncached part is unknown.
        tokens: json!({"input": 45982, "output": 298, "total": 46280, "cache_read": 44633, "cache_write": 512,
                       "uncached": null}),
        ..SDK
    }
}

#[test]
fn sdk_hex_file() {
    let doc = check("sdk.otlp.jsonl", &sdk());
    let runs = doc["runs"].as_array().unwrap();
    let agent = runs
        .iter()
        .find(|r| r["name"] == "invoke_agent triage")
        .unwrap();
    assert_eq!(
        agent["status"], "error",
        "the failed run_command bubbles up"
    );
    assert_eq!(
        (agent["llm_calls"].as_u64(), agent["tool_calls"].as_u64()),
        (Some(2), Some(2))
    );
    let rag = runs.iter().find(|r| r["name"] == "rag_pipeline").unwrap();
    assert_eq!(rag["status"], "ok");
    assert_eq!(rag["tokens"]["input"], 852);
}

#[test]
fn sdk_base64_ids_and_enum_names_read_the_same() {
    let b64 = check("sdk_base64.jsonl", &sdk());
    let (_, hex) = summary("sdk.otlp.jsonl");
    let ids = |d: &Value| -> Vec<Value> {
        d["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].clone())
            .collect()
    };
    assert_eq!(ids(&b64), ids(&hex));
}

const RELAY: Counted = Counted {
    runs: 1,
    spans: 5,
    llm: 2,
    tools: 2,
    errors: 1,
    tokens: Value::Null,
    by_model: &[("claude-sonnet-4-5-20250929", 2, 44261, 194)],
};

fn relay_tokens() -> Value {
    json!({"input": 44261, "output": 194, "total": 44455, "cache_read": 43600, "cache_write": 640})
}

#[test]
fn relay_gen_ai_projection() {
    let doc = check(
        "relay_gen_ai.otlp.jsonl",
        &Counted {
            tokens: relay_tokens(),
            ..RELAY
        },
    );
    assert_eq!(doc["runs"][0]["name"], "invoke_agent triage");
}

#[test]
fn relay_openinference_projection() {
    let doc = check(
        "relay_openinference.otlp.jsonl",
        &Counted {
            tokens: relay_tokens(),
            ..RELAY
        },
    );
    assert_eq!(doc["runs"][0]["name"], "triage");
    assert_eq!(doc["runs"][0]["status"], "error");
}

#[test]
fn proto_example_document_with_an_unseen_parent() {
    let doc = check(
        "proto_example_trace.json",
        &Counted {
            runs: 1,
            spans: 1,
            llm: 0,
            tools: 0,
            errors: 0,
            // No span reports usage: every bucket unknown, not 0.
            tokens: json!({"input": null, "output": null, "total": null, "cache_read": null,
                           "cache_write": null, "uncached": null}),
            by_model: &[],
        },
    );
    let run = &doc["runs"][0];
    assert_eq!(
        run["id"],
        "5b8efff798038103d269b633813fc60c:eee19b7ec3c1b174"
    );
    assert_eq!(run["name"], "I'm a server span");
    assert_eq!(run["start"], "2018-12-13T14:51:00.000Z");
    assert_eq!(run["duration_ms"], 1000.0);
}

/// The runs as comparable text: each tree, in order of run id.
fn trees(trace: &Trace) -> Vec<String> {
    let mut runs: Vec<(String, String)> = trace
        .runs()
        .map(|r| (trace.ext_id(r).into_owned(), trace.dump_run(r)))
        .collect();
    runs.sort();
    runs.into_iter().map(|(_, t)| t).collect()
}

#[test]
fn lines_in_reverse_order_give_the_same_runs() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["sdk.otlp.jsonl", "sdk_base64.jsonl"] {
        let text = std::fs::read_to_string(path(name)).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        lines.reverse();
        let rev = dir.path().join(name);
        std::fs::write(&rev, lines.join("\n") + "\n").unwrap();
        let (a, da) = summary(name);
        let (b, db) = summary_of(&[rev]);
        assert_eq!(da["totals"], db["totals"], "{name}");
        assert_eq!(trees(&a), trees(&b), "{name}");
        assert!(lines.len() > 1);
    }
}

/// An exporter that retries a batch the collector had already written (at-least-once
/// delivery) leaves the same lines twice: each span counts once, with one warning per span.
#[test]
fn a_retried_batch_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(path("sdk.otlp.jsonl")).unwrap();
    let twice = dir.path().join("retried.jsonl");
    std::fs::write(&twice, format!("{text}{text}")).unwrap();
    let (trace, doc) = summary_of(&[twice]);
    let want = sdk();
    let t = &doc["totals"];
    assert_eq!(t["tokens"], with_parts(&want.tokens));
    assert_eq!(
        (t["llm_calls"].as_u64(), t["tool_calls"].as_u64()),
        (Some(want.llm), Some(want.tools))
    );
    assert_eq!(t["runs"], want.runs);
    assert_eq!(t["errors"], want.errors);
    assert_eq!(spans(&trace), want.spans);
    assert_eq!(
        doc["warnings_count"], want.spans,
        "one warning per repeated span"
    );
    let first = &doc["warnings"][0];
    assert_eq!(first["line"], 7, "the first line of the second copy");
    assert!(
        first["error"]
            .as_str()
            .unwrap()
            .ends_with("(as line 1); ignored"),
        "{first}"
    );
}

#[test]
fn each_span_reads_back_as_its_own_json() {
    let p = path("sdk.otlp.jsonl");
    let (trace, _) = summary_of(std::slice::from_ref(&p));
    let mut seen = 0;
    for id in trace.node_ids() {
        let src = trace.end_src(id).unwrap();
        assert!(src.item >= 1);
        let span: Value = serde_json::from_slice(&read_record(&p, &src).unwrap()).unwrap();
        let want = trace.ext_id(id);
        let got = format!(
            "{}:{}",
            span["traceId"].as_str().unwrap(),
            span["spanId"].as_str().unwrap()
        );
        assert_eq!(got, want);
        seen += 1;
    }
    assert_eq!(seen, 9);
}

fn append(path: &Path, text: &str) {
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

#[test]
fn a_followed_file_picks_up_appended_lines() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("live.otlp.jsonl");
    let text = std::fs::read_to_string(path("sdk.otlp.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    append(&p, &format!("{}\n", lines[0]));
    let rx = spawn(vec![Target::File(p.clone())], None, 16);
    let mut trace = Trace::new();
    let until = |trace: &mut Trace, what: &str, done: &dyn Fn(&Trace) -> bool| {
        let start = Instant::now();
        while !done(trace) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "timed out waiting for {what}"
            );
            if let Ok(IngestMsg::Batch(b)) = rx.recv_timeout(Duration::from_millis(50)) {
                b.apply_to(trace);
            }
        }
    };
    until(&mut trace, "the first span", &|t| t.events == 2);
    for l in &lines[1..] {
        append(&p, &format!("{l}\n"));
    }
    until(&mut trace, "every span", &|t| t.events == 18);
    trace.settle();
    assert_eq!(trace.runs().count(), 2);
    assert_eq!(trace.skipped, 0);
}

#[test]
fn synthetic_file_matches_its_expected_figures() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("synth.otlp.jsonl");
    let exp = trace_synth::otlp::generate(3, 400_000, std::fs::File::create(&p).unwrap()).unwrap();
    let (trace, doc) = summary_of(std::slice::from_ref(&p));
    let t = &doc["totals"];
    assert_eq!(t["runs"], exp.runs);
    assert_eq!(spans(&trace), exp.spans);
    assert_eq!(t["llm_calls"], exp.llm_calls);
    assert_eq!(t["tool_calls"], exp.tool_calls);
    assert_eq!(t["errors"], exp.errors);
    assert_eq!(
        t["tokens"],
        // Some generated calls report no cache figures, so the sum's uncached part is unknown.
        json!({"input": exp.input, "output": exp.output, "total": exp.input + exp.output,
               "cache_read": exp.cache_read, "cache_write": exp.cache_write,
               "uncached": null, "cache_write_1h": null, "reasoning": null})
    );
    for (model, (calls, input, output)) in &exp.by_model {
        let m = &t["by_model"][model];
        assert_eq!(
            (
                m["calls"].as_u64(),
                m["input"].as_u64(),
                m["output"].as_u64()
            ),
            (Some(*calls), Some(*input), Some(*output)),
            "{model}"
        );
    }
    assert_eq!(doc["warnings_count"], 0);
}

fn open_sdk() -> App {
    let p = PathBuf::from(DIR).join("sdk.otlp.jsonl");
    let (trace, formats) = load(&[p], None, &mut |_| {}).unwrap();
    assert_eq!(formats, [Format::Otlp]);
    App::new(trace, formats, "sdk.otlp.jsonl", false)
}

#[test]
fn screens_explorer_timeline_tokens() {
    let mut app = open_sdk();
    insta::assert_snapshot!("otlp_explorer_120x40", text(&draw(&mut app, 120, 40)));
    update(&mut app, Action::ShowView(View::Timeline));
    insta::assert_snapshot!("otlp_timeline_120x40", text(&draw(&mut app, 120, 40)));
    update(&mut app, Action::ShowView(View::Tokens));
    insta::assert_snapshot!("otlp_tokens_120x40", text(&draw(&mut app, 120, 40)));
}

#[test]
fn two_threads_read_what_one_reads() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("synth.otlp.jsonl");
    trace_synth::otlp::generate(5, 300_000, std::fs::File::create(&p).unwrap()).unwrap();
    let (one, _) = summary_of(std::slice::from_ref(&p));
    let mut two = Trace::new();
    two.add_file(p.display().to_string());
    let mut f = std::fs::File::open(&p).unwrap();
    trace_ingest::parallel::load_file(&mut f, Format::Otlp, 0, 2, 4096, &mut two, &mut |_| {})
        .unwrap();
    two.settle();
    assert_eq!(two.events, one.events);
    assert_eq!(trees(&two), trees(&one));
}
