//! Sniffing never guesses wrong on the dialects' own files: every fixture and asset is claimed
//! by its dialect, and forcing another dialect on it yields one message for the file (or no
//! calls), never one diagnostic per record. A file in no known dialect gets one message naming
//! what was tried, and `summary` exits 1 when nothing of any input was recognised.

mod formats_support;

use std::path::Path;
use std::process::Command;

use formats_support::{path, summary};
use trace_formats::{Format, sniff};

/// Every fixture and asset with the dialect it is in.
const FILES: &[(&str, Format)] = &[
    (
        "tests/fixtures/atif/nat-converter/delegate-session.atof.jsonl",
        Format::Atof,
    ),
    (
        "tests/fixtures/atif/nat-converter/delegate-session.atif.json",
        Format::Atif,
    ),
    ("tests/fixtures/atif/exmp06_atif.json", Format::Atif),
    ("tests/fixtures/atif/exmp04_atif.json", Format::Atif),
    (
        "tests/fixtures/atif/nemo-flow-atof-atif-trajectory.json",
        Format::Atif,
    ),
    (
        "tests/fixtures/atif/native-hermes-trajectory.json",
        Format::Atif,
    ),
    (
        "tests/fixtures/claude/258c7280-trimmed/subagents/agent-a881341.jsonl",
        Format::Claude,
    ),
    (
        "tests/fixtures/claude/kvsankar-session-01.jsonl",
        Format::Claude,
    ),
    (
        "tests/fixtures/claude/258c7280-trimmed.jsonl",
        Format::Claude,
    ),
    ("tests/fixtures/claude/agent-a7be2f0.jsonl", Format::Claude),
    (
        "tests/fixtures/claude/spotter-subagent.jsonl",
        Format::Claude,
    ),
    (
        "tests/fixtures/codex/rollout-2026-05-11T11-26-55-019e1625-789d-76c0-80ab-3724b5ddb799.jsonl",
        Format::Codex,
    ),
    (
        "tests/fixtures/codex/kvsankar-session-01.jsonl",
        Format::Codex,
    ),
    (
        "tests/fixtures/harn-transcript/topics/observability.agent_events.0196a1c4-7e10-7b3a-9c2e-5d4f3a2b1c0d.jsonl",
        Format::Harn,
    ),
    (
        "tests/fixtures/harn-transcript/topics/agent.transcript.llm.jsonl",
        Format::Harn,
    ),
    (
        "tests/fixtures/harn-transcript/jsonl/llm_transcript.jsonl",
        Format::Harn,
    ),
    (
        "tests/fixtures/harn-transcript/jsonl/event_log-0196a1c4-7e10-7b3a-9c2e-5d4f3a2b1c0d.jsonl",
        Format::Harn,
    ),
    ("tests/fixtures/otlp/sdk.otlp.jsonl", Format::Otlp),
    ("tests/fixtures/otlp/sdk_base64.jsonl", Format::Otlp),
    ("tests/fixtures/otlp/relay_gen_ai.otlp.jsonl", Format::Otlp),
    ("tests/fixtures/otlp/proto_example_trace.json", Format::Otlp),
    (
        "tests/fixtures/otlp/relay_openinference.otlp.jsonl",
        Format::Otlp,
    ),
    ("tests/fixtures/relay/relay.atof.jsonl", Format::Atof),
    ("tests/fixtures/relay/relay_gen_ai.otlp.jsonl", Format::Otlp),
    (
        "tests/fixtures/relay/relay_openinference.otlp.jsonl",
        Format::Otlp,
    ),
    ("assets/greentic/trace.json", Format::Greentic),
    ("assets/atof/agent-session.jsonl", Format::Atof),
    (
        "assets/harn/event_log-01979f2b-1c00-7d00-8a00-3e3e3e3e3e3e.jsonl",
        Format::Harn,
    ),
    (
        "assets/harn/event_log-01979f2a-5a10-7c2e-9f41-0b7d3e6a8c55.jsonl",
        Format::Harn,
    ),
];

/// The head ingest sniffs (64 KiB), with and without the file name.
fn sniffed(file: &str, with_name: bool) -> Option<Format> {
    let bytes = std::fs::read(path(file)).unwrap();
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let name = Path::new(file).file_name().unwrap().to_str().unwrap();
    sniff(head, with_name.then_some(name))
}

#[test]
fn every_fixture_is_claimed_by_its_own_dialect() {
    for &(file, own) in FILES {
        assert_eq!(sniffed(file, true), Some(own), "{file} (with its name)");
        assert_eq!(sniffed(file, false), Some(own), "{file} (content only)");
        let (_, doc) = summary(&[file], None);
        assert_eq!(doc["format"], own.as_str(), "{file}");
    }
}

#[test]
fn forcing_another_dialect_says_so_once_or_reads_no_calls() {
    for &(file, own) in FILES {
        for other in Format::all().filter(|&f| f != own) {
            let (trace, doc) = summary(&[file], Some(other));
            let calls = doc["totals"]["llm_calls"].as_u64().unwrap();
            let diags = trace.diagnostics().len();
            // One message per file read (a rotated set is several files).
            let files = doc["files"].as_array().unwrap().len();
            assert!(
                (trace.events == 0 || calls == 0) && diags <= files,
                "{file} as {other}: {} events, {calls} calls, {diags} diagnostics: {}",
                trace.events,
                doc["diagnostics"]
            );
        }
    }
}

#[test]
fn forced_wrong_dialect_is_one_message_with_the_count() {
    let file = "tests/fixtures/claude/kvsankar-session-01.jsonl";
    let (trace, _) = summary(&[file], Some(Format::Atof));
    let d = trace.diagnostics();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].line, 1);
    let lines = std::fs::read_to_string(path(file)).unwrap().lines().count() as u64;
    assert_eq!(trace.skipped, lines);
    assert!(
        d[0].message.starts_with(&format!(
            "{lines} records skipped, none read; the first: not atof"
        )),
        "{}",
        d[0].message
    );
}

#[test]
fn a_bad_line_in_a_real_file_is_still_listed_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("events.jsonl");
    let good = std::fs::read_to_string(path("assets/atof/agent-session.jsonl")).unwrap();
    let mut text = String::from("{\"kind\": \"scope\", \"atof_version\": \"0.1\"}\nnot json\n");
    text.push_str(&good);
    std::fs::write(&p, text).unwrap();
    let (trace, _) =
        trace_ingest::files::load(&[p], Some(Format::Atof), &mut |_| {}).expect("load");
    let lines: Vec<u64> = trace.diagnostics().iter().map(|d| d.line).collect();
    assert_eq!(lines, vec![1, 2], "{:?}", trace.diagnostics());
    assert!(trace.events > 0);
}

fn write_unknown(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let text = dir.join("notes.txt");
    let lines: Vec<String> = (1..=2000).map(|i| format!("hello line {i}")).collect();
    let lines = lines.join("\n") + "\n";
    std::fs::write(&text, lines).unwrap();
    let other = dir.join("metrics.jsonl");
    let lines: Vec<String> = (1..=50)
        .map(|i| format!("{{\"foo\":{i},\"bar\":\"x\"}}"))
        .collect();
    let lines = lines.join("\n") + "\n";
    std::fs::write(&other, lines).unwrap();
    (text, other)
}

#[test]
fn a_file_in_no_known_dialect_gets_one_message_naming_what_was_tried() {
    let dir = tempfile::tempdir().unwrap();
    let (text, other) = write_unknown(dir.path());
    for (p, n) in [(text, 2000u64), (other, 50)] {
        let (trace, _) =
            trace_ingest::files::load(std::slice::from_ref(&p), None, &mut |_| {}).unwrap();
        assert_eq!(trace.skipped, n);
        let d = trace.diagnostics();
        assert_eq!(d.len(), 1, "{}: {d:?}", p.display());
        let tried: Vec<&str> = Format::all().map(Format::as_str).collect();
        assert!(
            d[0].message
                .contains(&format!("tried {}", tried.join(", "))),
            "{}",
            d[0].message
        );
    }
}

#[test]
fn summary_exits_1_when_nothing_was_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let (text, other) = write_unknown(dir.path());
    let bin = env!("CARGO_BIN_EXE_trace-tui");
    for args in [vec!["summary"], vec!["summary", "--json"]] {
        let out = Command::new(bin)
            .args(&args)
            .arg(&text)
            .arg(&other)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        if args.len() == 2 {
            let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(doc["diagnostics"].as_array().unwrap().len(), 2);
        }
    }
    let ok = Command::new(bin)
        .args(["summary", "--json"])
        .arg(path("assets/atof/agent-session.jsonl"))
        .arg(&text)
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "one readable input is enough");
}

#[test]
fn harn_forced_on_a_codex_rollout_reads_nothing() {
    let file = "tests/fixtures/codex/kvsankar-session-01.jsonl";
    let (trace, doc) = summary(&[file], Some(Format::Harn));
    assert_eq!(trace.events, 0, "{}", doc["runs"]);
    assert_eq!(trace.diagnostics().len(), 1);
    assert!(
        trace.diagnostics()[0]
            .message
            .contains("not harn: no `index`"),
        "{}",
        trace.diagnostics()[0].message
    );
}
