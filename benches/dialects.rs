//! Each line dialect's reader on a big file: `trace-tui summary --json` wall time next to
//! `wc -l` (the byte-scan floor), medians of 3, file in the page cache.
//!
//! ```text
//! cargo bench --bench dialects                        # 200 MB per dialect
//! TRACE_BENCH_MB=20 cargo bench --bench dialects      # another size
//! ```
//!
//! ATOF and OTLP come from `trace-synth`'s generators; Claude Code, Codex and harn files are a
//! real fixture replicated with fresh ids per copy (`trace_synth::replicate`). Files are cached
//! under `target/bench-data/`. A summary that skips lines or sniffs another dialect prints FAIL
//! and the bench exits 1. MB is 10^6 bytes.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

const RUNS: usize = 3;

/// (dialect, template fixture, id keys) for the replicated dialects.
const REPLICATED: &[(&str, &str, &[&str])] = &[
    (
        "claude",
        "tests/fixtures/claude/kvsankar-session-01.jsonl",
        &[
            "uuid",
            "parentUuid",
            "sessionId",
            "id",
            "tool_use_id",
            "requestId",
            "promptId",
        ],
    ),
    (
        "codex",
        "tests/fixtures/codex/kvsankar-session-01.jsonl",
        &["id", "call_id", "turn_id"],
    ),
    (
        "harn",
        "assets/harn/event_log-01979f2a-5a10-7c2e-9f41-0b7d3e6a8c55.jsonl",
        &["session_id", "execution_id", "tool_call_id", "call_id"],
    ),
];

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("dialects bench: skipped outside `cargo bench`");
        return;
    }
    let mb: u64 = std::env::var("TRACE_BENCH_MB")
        .ok()
        .and_then(|s| s.split(',').next()?.trim().parse().ok())
        .unwrap_or(200);
    let mut ok = true;
    let mut rows = Vec::new();
    for name in ["atof", "otlp", "claude", "codex", "harn"] {
        let path = bench_file(name, mb);
        let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
        let wc = median(|| {
            let t = Instant::now();
            let out = Command::new("wc")
                .arg("-l")
                .arg(&path)
                .output()
                .expect("wc");
            assert!(out.status.success());
            t.elapsed()
        });
        let mut doc = Value::Null;
        let summary = median(|| {
            let t = Instant::now();
            let out = Command::new(env!("CARGO_BIN_EXE_trace-tui"))
                .args(["summary", "--json"])
                .arg(&path)
                .output()
                .expect("run trace-tui");
            let el = t.elapsed();
            doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
            el
        });
        if doc["format"] != name || doc["skipped_lines"] != 0 {
            println!(
                "FAIL {name}: format {} skipped {} {}",
                doc["format"], doc["skipped_lines"], doc["diagnostics"][0]
            );
            ok = false;
        }
        rows.push((
            name,
            bytes,
            doc["events"].as_u64().unwrap_or(0),
            doc["totals"]["llm_calls"].as_u64().unwrap_or(0),
            wc,
            summary,
        ));
    }
    println!(
        "\n| dialect | file | events | LLM calls | `wc -l` | `summary --json` | × `wc -l` | throughput |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (name, bytes, events, calls, wc, s) in rows {
        println!(
            "| {name} | {:.0} MB | {events} | {calls} | {:.3} s | {:.2} s | {:.0}× | {:.0} MB/s |",
            bytes as f64 / 1e6,
            wc.as_secs_f64(),
            s.as_secs_f64(),
            s.as_secs_f64() / wc.as_secs_f64().max(1e-6),
            bytes as f64 / 1e6 / s.as_secs_f64()
        );
    }
    if !ok {
        std::process::exit(1);
    }
}

fn median(mut f: impl FnMut() -> Duration) -> Duration {
    let mut v: Vec<Duration> = (0..RUNS).map(|_| f()).collect();
    v.sort();
    v[RUNS / 2]
}

/// The cached file of `name` at `mb` MB, generated when missing.
fn bench_file(name: &str, mb: u64) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let dir = target.join("bench-data");
    std::fs::create_dir_all(&dir).expect("create target/bench-data");
    let path = dir.join(format!("dialect-{name}-{mb}MB-v1.jsonl"));
    let bytes = mb * 1_000_000;
    if std::fs::metadata(&path).is_ok_and(|m| m.len() >= bytes) {
        return path;
    }
    println!("generating {} ...", path.display());
    let tmp = path.with_extension("tmp");
    let out = BufWriter::with_capacity(1 << 20, File::create(&tmp).expect("create"));
    match name {
        "atof" => {
            trace_synth::generate(42, trace_synth::Target::Bytes(bytes), out).expect("write");
        }
        "otlp" => {
            trace_synth::otlp::generate(42, bytes, out).expect("write");
        }
        _ => {
            let (_, fixture, keys) = REPLICATED.iter().find(|r| r.0 == name).expect("a dialect");
            let template = std::fs::read_to_string(root.join(fixture)).expect("fixture");
            trace_synth::replicate::replicate(&template, keys, bytes, out).expect("write");
        }
    }
    std::fs::rename(&tmp, &path).expect("rename");
    path
}
