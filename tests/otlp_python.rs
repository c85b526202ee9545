//! The real OpenTelemetry Python SDK exporter against the receiver, over HTTP/protobuf (plain and
//! gzip) and HTTP/JSON: what the script says it sent equals what the recording holds, counted
//! with serde_json only, and what `trace-tui summary --json` reports on the recording (runs,
//! calls, errors, tokens by model). Needs `TRACE_TUI_PY` (a venv, or its python, with `opentelemetry-sdk`
//! and `opentelemetry-exporter-otlp-proto-http`; `.ci/run` makes one); skips with a note otherwise.

#[path = "otlp/client.rs"]
mod client;

use std::path::PathBuf;
use std::process::Command;

fn python() -> Option<PathBuf> {
    let Some(p) = std::env::var_os("TRACE_TUI_PY").map(PathBuf::from) else {
        eprintln!("note: TRACE_TUI_PY is not set; skipping the Python OTLP exporter test");
        return None;
    };
    let p = if p.is_dir() { p.join("bin/python") } else { p };
    let probe = Command::new(&p)
        .args([
            "-c",
            "import opentelemetry.exporter.otlp.proto.http, opentelemetry.sdk",
        ])
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        eprintln!(
            "note: {} lacks the OpenTelemetry packages; skipping",
            p.display()
        );
        return None;
    }
    Some(p)
}

#[derive(Default, Debug, PartialEq)]
struct Counts {
    spans: u64,
    traces: u64,
    errors: u64,
    input: u64,
    output: u64,
    cache_read: u64,
    cache_write: u64,
}

fn count_recording(text: &str) -> Counts {
    let mut c = Counts::default();
    let mut traces = std::collections::HashSet::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for rs in v["resourceSpans"].as_array().unwrap() {
            assert_eq!(
                rs["resource"]["attributes"][0]["value"]["stringValue"]
                    .as_str()
                    .map(|_| ()),
                Some(())
            );
            for ss in rs["scopeSpans"].as_array().unwrap() {
                for s in ss["spans"].as_array().unwrap() {
                    c.spans += 1;
                    traces.insert(s["traceId"].as_str().unwrap().to_owned());
                    if s["status"]["code"] == 2 {
                        c.errors += 1;
                    }
                    for kv in s["attributes"].as_array().into_iter().flatten() {
                        let n = || {
                            kv["value"]["intValue"]
                                .as_str()
                                .unwrap()
                                .parse::<u64>()
                                .unwrap()
                        };
                        match kv["key"].as_str().unwrap() {
                            "gen_ai.usage.input_tokens" => c.input += n(),
                            "gen_ai.usage.output_tokens" => c.output += n(),
                            "gen_ai.usage.cache_read.input_tokens" => c.cache_read += n(),
                            "gen_ai.usage.cache_creation.input_tokens" => c.cache_write += n(),
                            _ => {}
                        }
                    }
                }
            }
        }
    }
    c.traces = traces.len() as u64;
    c
}

#[test]
fn python_sdk_exporter_protobuf_gzip_and_json() {
    let Some(py) = python() else { return };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/otlp/send_genai.py");
    for mode in ["protobuf", "protobuf-gzip", "json"] {
        let dir = tempfile::tempdir().unwrap();
        let record = dir.path().join("rec.jsonl");
        let handle = trace_otlp::serve(&trace_otlp::Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            record: Some(record.clone()),
            token: Some("py-token".into()),
            ..trace_otlp::Config::default()
        })
        .unwrap();
        let url = format!("http://{}/v1/traces", handle.addr());
        let out = Command::new(&py)
            .args([script, &url, mode, "py-token"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{mode}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let sent: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(sent["ok"], true, "{mode}: every export acknowledged");
        let got = count_recording(&std::fs::read_to_string(&record).unwrap());
        let want = Counts {
            spans: sent["spans"].as_u64().unwrap(),
            traces: sent["traces"].as_u64().unwrap(),
            errors: sent["errors"].as_u64().unwrap(),
            input: sent["tokens"]["input"].as_u64().unwrap(),
            output: sent["tokens"]["output"].as_u64().unwrap(),
            cache_read: sent["tokens"]["cache_read"].as_u64().unwrap(),
            cache_write: sent["tokens"]["cache_write"].as_u64().unwrap(),
        };
        assert_eq!(got, want, "{mode}");
        // 3 runs of agent + 2 chats + tool; the last gpt-4o chat failed.
        assert_eq!((want.spans, want.traces, want.errors), (12, 3, 1), "{mode}");
        assert_eq!((want.cache_read, want.cache_write), (3000, 900), "{mode}");
        check_summary(&record, &sent, mode);
        // A wrong token is refused and the exporter reports the failure.
        let out = Command::new(&py)
            .args([script, &url, mode, "wrong"])
            .output()
            .unwrap();
        let sent: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(sent["ok"], false, "{mode}: refused with a wrong token");
        drop(handle);
    }
}

/// `trace-tui summary --json RECORDING` reports what the exporter sent: runs, LLM and tool calls,
/// errors, and tokens (input, output, cache read and write) in total and by model.
fn check_summary(record: &std::path::Path, sent: &serde_json::Value, mode: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_trace-tui"))
        .args(["summary", "--json"])
        .arg(record)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{mode}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = &doc["totals"];
    assert_eq!(doc["format"], "otlp", "{mode}");
    for k in ["runs", "llm_calls", "tool_calls", "errors"] {
        assert_eq!(t[k], sent[k], "{mode}: {k}");
    }
    for k in ["input", "output", "cache_read", "cache_write"] {
        assert_eq!(t["tokens"][k], sent["tokens"][k], "{mode}: tokens.{k}");
    }
    let want = sent["by_model"].as_object().unwrap();
    let got = t["by_model"].as_object().unwrap();
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{mode}: models"
    );
    for (model, w) in want {
        for k in ["calls", "input", "output", "cache_read", "cache_write"] {
            let g = &got[model][k];
            // A model that reported no cache shows None (not reported), the script counts 0.
            let g = if g.is_null() {
                &serde_json::json!(0)
            } else {
                g
            };
            assert_eq!(g, &w[k], "{mode}: {model}.{k}");
        }
    }
    // The fixed story: 3 runs, 6 chats over two models, 3 tools, the last gpt-4o chat failed.
    assert_eq!(
        (&t["runs"], &t["llm_calls"], &t["tool_calls"], &t["errors"]),
        (
            &serde_json::json!(3),
            &serde_json::json!(6),
            &serde_json::json!(3),
            &serde_json::json!(1)
        ),
        "{mode}"
    );
    assert_eq!(want["claude-sonnet-4"]["input"], 4503, "{mode}");
}
