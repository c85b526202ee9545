//! The real OpenTelemetry Python SDK exporter against the receiver, over HTTP/protobuf (plain and
//! gzip) and HTTP/JSON: what the script says it sent equals what the recording holds, counted
//! with serde_json only. Needs `TRACE_TUI_PY` (a venv, or its python, with `opentelemetry-sdk`
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
