//! Bounded cost on hostile input and safe output (issue #12, findings 5, 6, 8): real files
//! and the real binary.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trace-tui"))
}

fn line(uuid: &str, parent: Option<&str>, ts: i64, sc: &str, name: &str) -> String {
    let parent = parent.map_or("null".to_owned(), |p| format!("\"{p}\""));
    format!(
        r#"{{"kind":"scope","atof_version":"0.1","uuid":"{uuid}","parent_uuid":{parent},"timestamp":{ts},"name":"{name}","scope_category":"{sc}","attributes":[],"category":"agent"}}"#
    ) + "\n"
}

fn summary_json(args: &[&str], path: &Path) -> (serde_json::Value, Output) {
    let out = bin()
        .args(["summary", "--json"])
        .args(args)
        .arg(path)
        .env("TRACE_TUI_PHASES", "1")
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Status 1: nothing of the input was recognised (a file that is one overlong line).
    assert!(
        out.status.success() || (out.status.code() == Some(1) && doc["events"] == 0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (doc, out)
}

/// Peak resident memory from `TRACE_TUI_PHASES` output, in KiB.
fn peak_kib(stderr: &[u8]) -> u64 {
    let text = String::from_utf8_lossy(stderr);
    text.lines()
        .filter_map(|l| l.split("VmHWM").nth(1))
        .filter_map(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .max()
        .expect("a VmHWM figure")
}

/// Finding 5: a line over `--max-line-bytes` is skipped with its number and size; reading
/// resumes at the next line (static loader, one thread).
#[test]
fn an_overlong_line_is_skipped_with_its_number_and_size() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("long.jsonl");
    let text = line("r", None, 0, "start", "run")
        + &"x".repeat(5_000)
        + "\n"
        + &line("c", Some("r"), 1, "start", "child")
        + &line("c", Some("r"), 2, "end", "child")
        + &line("r", None, 3, "end", "run");
    std::fs::write(&p, text).unwrap();
    let (doc, _) = summary_json(&["--max-line-bytes", "1000"], &p);
    assert_eq!(doc["totals"]["runs"], 1);
    assert_eq!(doc["runs"][0]["scopes"], 2);
    assert_eq!(doc["skipped_lines"], 1);
    assert_eq!(doc["diagnostics"][0]["line"], 2);
    let msg = doc["diagnostics"][0]["error"].as_str().unwrap();
    assert!(msg.contains("line too long: 5000 bytes"), "{msg}");
}

/// Finding 5, parallel loader (files of 16 MiB and more): the same skip, the same numbering.
#[test]
fn the_parallel_loader_skips_an_overlong_line_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
    let mut lines = 0u64;
    for i in 0..40_000 {
        let id = format!("r{i}");
        f.write_all(line(&id, None, i, "start", "run").as_bytes())
            .unwrap();
        f.write_all(line(&id, None, i + 1, "end", "run").as_bytes())
            .unwrap();
        lines += 2;
        if i == 20_000 {
            // 24 MiB without a newline: longer than the whole rest of the file.
            f.write_all(&vec![b'z'; 24 << 20]).unwrap();
            f.write_all(b"\n").unwrap();
            lines += 1;
        }
    }
    drop(f);
    let size = std::fs::metadata(&p).unwrap().len();
    assert!(size >= 16 << 20, "big enough for the parallel loader");
    let (doc, out) = summary_json(&["--max-line-bytes", "1048576"], &p);
    assert_eq!(doc["totals"]["runs"], 40_000);
    assert_eq!(doc["skipped_lines"], 1);
    assert_eq!(doc["diagnostics"][0]["line"], 40_003);
    assert!(lines == 80_001);
    let msg = doc["diagnostics"][0]["error"].as_str().unwrap();
    assert!(msg.contains(&format!("{} bytes", 24 << 20)), "{msg}");
    let peak = peak_kib(&out.stderr);
    assert!(peak < 200 << 10, "peak {peak} KiB");
}

/// Finding 5: a sparse 1 GiB file with no newline at the default limit: one skipped line,
/// memory bounded by the limit, not the file.
#[test]
fn a_sparse_file_without_newline_costs_the_limit_not_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sparse.jsonl");
    let f = std::fs::File::create(&p).unwrap();
    f.set_len(1 << 30).unwrap();
    drop(f);
    let (doc, out) = summary_json(&["--format", "atof"], &p);
    assert_eq!(doc["skipped_lines"], 1);
    let msg = doc["diagnostics"][0]["error"].as_str().unwrap();
    assert!(msg.contains(&format!("{} bytes", 1u64 << 30)), "{msg}");
    let peak = peak_kib(&out.stderr);
    eprintln!("sparse 1 GiB, no newline: peak {peak} KiB");
    assert!(peak < 300 << 10, "peak {peak} KiB");
}

/// Finding 5, follower: `/dev/zero` followed for a while stays within the limit.
#[test]
fn following_dev_zero_keeps_memory_bounded() {
    let mut child = bin()
        .args([
            "summary",
            "--follow",
            "--format",
            "atof",
            "--max-line-bytes",
            "4194304",
            "/dev/zero",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let peak: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    eprintln!("/dev/zero followed 2 s: peak {peak} KiB");
    assert!(peak < 100 << 10, "peak {peak} KiB");
}

/// Finding 5 / issue item 9: one invalid byte in a run's name costs that byte, not the line:
/// the run keeps its name (with U+FFFD) and its children.
#[test]
fn an_invalid_byte_in_a_name_keeps_the_run_and_its_children() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad-utf8.jsonl");
    let mut bytes = line("r", None, 0, "start", "ru@n")
        .replace('@', "\u{1}")
        .into_bytes();
    let at = bytes.iter().position(|&b| b == 1).unwrap();
    bytes[at] = 0xff;
    bytes.extend_from_slice(line("c", Some("r"), 1, "start", "child").as_bytes());
    bytes.extend_from_slice(line("c", Some("r"), 2, "end", "child").as_bytes());
    bytes.extend_from_slice(line("r", None, 3, "end", "run").as_bytes());
    std::fs::write(&p, bytes).unwrap();
    let (doc, _) = summary_json(&[], &p);
    assert_eq!(doc["totals"]["runs"], 1, "the child is no run of its own");
    assert_eq!(doc["skipped_lines"], 0);
    assert_eq!(doc["runs"][0]["scopes"], 2);
    assert_eq!(doc["runs"][0]["name"], "ru\u{fffd}n");
    assert_eq!(doc["warnings_count"], 1, "the replacement is said once");
    assert_eq!(doc["warnings"][0]["line"], 1);
    assert!(
        doc["warnings"][0]["error"]
            .as_str()
            .is_some_and(|w| w.contains("invalid UTF-8")),
        "{}",
        doc["warnings"]
    );
}

/// Finding 8: C1, DEL and bidi controls are escaped in JSON; durations never negative.
#[test]
fn json_escapes_c1_del_and_bidi_and_clamps_durations() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("controls.jsonl");
    let name = r"a\u202eb\u2066c\u009bd\u009de\u007ff";
    // Ends before it starts: a negative span.
    let text = line("r", None, 100, "start", name) + &line("r", None, 40, "end", name);
    std::fs::write(&p, text).unwrap();
    let out = bin().args(["summary", "--json"]).arg(&p).output().unwrap();
    assert!(out.status.success());
    let raw = String::from_utf8(out.stdout).unwrap();
    for c in ['\u{202e}', '\u{2066}', '\u{9b}', '\u{9d}', '\u{7f}'] {
        assert!(!raw.contains(c), "raw U+{:04X} in output", c as u32);
    }
    assert!(
        raw.contains(r"a\u202eb\u2066c\u009bd\u009de\u007ff"),
        "{raw}"
    );
    let doc: serde_json::Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(
        doc["runs"][0]["name"],
        "a\u{202e}b\u{2066}c\u{9b}d\u{9d}e\u{7f}f"
    );
    let d = doc["runs"][0]["duration_ms"].as_f64().unwrap();
    assert!(d >= 0.0, "duration {d}");
    // The same for `summary --follow --json` lines, and text lines show no negative time.
    let mut child = bin()
        .args(["summary", "--follow", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&std::fs::read(&p).unwrap())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let raw = String::from_utf8(out.stdout).unwrap();
    assert!(
        !raw.contains('\u{202e}') && raw.contains(r"\u202e"),
        "{raw}"
    );
    let v: serde_json::Value = serde_json::from_str(raw.trim()).unwrap();
    assert!(v["duration_ms"].as_f64().unwrap() >= 0.0);
    let out = bin().args(["summary"]).arg(&p).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("-60"), "{text}");
}

/// Finding 6: no terminal (stdout a pipe, as under cron): one line and status 2, no panic;
/// `demo` leaves no temporary file behind.
#[test]
fn without_a_terminal_the_explorer_says_so_and_exits_2() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/atof/agent-session.jsonl");
    let out = bin().arg(&sample).stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "trace-tui: the explorer needs a terminal; try `trace-tui summary FILE`\n"
    );
    let start = Instant::now();
    let child = bin()
        .arg("demo")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(start.elapsed() < Duration::from_secs(10));
    let tmp = std::env::temp_dir().join(format!("trace-tui-demo-{pid}.jsonl"));
    std::thread::sleep(Duration::from_millis(200));
    assert!(!tmp.exists(), "demo left {}", tmp.display());
}
