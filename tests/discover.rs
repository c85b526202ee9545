//! Discovery: `trace-tui` with no file lists the recent sessions of the usual places (a temp
//! `$HOME` here), newest first with dialect, size and time; with no terminal it prints the list
//! and exits 0. Following a sessions folder picks up sessions started later in subfolders
//! (Codex's `YYYY/MM/DD/` layout).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use trace_ingest::IngestMsg;
use trace_ingest::follow::{Target, spawn};
use trace_model::Trace;

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

const CLAUDE: &str = "tests/fixtures/claude/kvsankar-session-01.jsonl";
const CODEX: &str = "tests/fixtures/codex/kvsankar-session-01.jsonl";
const HARN: &str = "assets/harn/event_log-01979f2b-1c00-7d00-8a00-3e3e3e3e3e3e.jsonl";
const ATOF: &str = "assets/atof/agent-session.jsonl";

/// Copies `from` to `to` (making folders) and dates it `age_s` seconds ago.
fn place(from: &str, to: &Path, age_s: u64) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(fixture(from), to).unwrap();
    let f = std::fs::File::options().append(true).open(to).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(age_s))
        .unwrap();
}

#[test]
fn no_file_lists_the_usual_places_newest_first() {
    let home = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let harn = tempfile::tempdir().unwrap();
    let h = home.path();
    place(CLAUDE, &h.join(".claude/projects/-work-app/s1.jsonl"), 300);
    place(
        CODEX,
        &h.join(".codex/sessions/2026/05/11/rollout-2026-05-11T11-26-55-a.jsonl"),
        100,
    );
    place(HARN, &harn.path().join("event_log-x.jsonl"), 200);
    place(ATOF, &cwd.path().join("events.jsonl"), 400);
    // Not sessions: a sub-agent's file (opened with its session), a stray JSON file here.
    place(
        CLAUDE,
        &h.join(".claude/projects/-work-app/s1/subagents/agent-a1.jsonl"),
        10,
    );
    std::fs::write(cwd.path().join("notes.json"), "{\"a\": 1}").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_trace-tui"))
        .current_dir(cwd.path())
        .env("HOME", h)
        .env("HARN_EVENT_LOG_DIR", harn.path())
        .env_remove("TRACE_TUI_DISCOVER_ROOTS")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let rows: Vec<(String, String)> = stdout
        .lines()
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols[1].to_string(), cols.last().unwrap().to_string())
        })
        .collect();
    let dialects: Vec<&str> = rows.iter().map(|(d, _)| d.as_str()).collect();
    assert_eq!(dialects, ["codex", "harn", "claude", "atof"], "{stdout}");
    assert!(
        rows[0]
            .1
            .ends_with("2026/05/11/rollout-2026-05-11T11-26-55-a.jsonl")
    );
    assert!(stdout.lines().next().unwrap().starts_with("  1  codex"));
    let size = std::fs::metadata(fixture(CODEX)).unwrap().len();
    assert!(
        stdout.contains(&format!("{:.1} kB", size as f64 / 1024.0)),
        "{stdout}"
    );
}

#[test]
fn roots_can_be_overridden_and_nothing_found_is_an_error() {
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_trace-tui"))
        .current_dir(empty.path())
        .env("TRACE_TUI_DISCOVER_ROOTS", empty.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no sessions found"));
    place(CLAUDE, &empty.path().join("deep/a/b/c.jsonl"), 5);
    let out = Command::new(env!("CARGO_BIN_EXE_trace-tui"))
        .env("TRACE_TUI_DISCOVER_ROOTS", empty.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("claude"));
}

#[test]
fn following_a_sessions_folder_picks_up_a_session_started_in_a_new_subfolder() {
    let root = tempfile::tempdir().unwrap();
    let rx = spawn(vec![Target::Dir(root.path().to_path_buf())], None, 16);
    std::thread::sleep(Duration::from_millis(300));
    let day = root.path().join("2026/05/11");
    std::fs::create_dir_all(&day).unwrap();
    std::fs::copy(
        fixture(CODEX),
        day.join("rollout-2026-05-11T11-26-55-b.jsonl"),
    )
    .unwrap();
    let mut trace = Trace::new();
    let start = Instant::now();
    while trace.events == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no events from the new session"
        );
        if let Ok(IngestMsg::Batch(b)) = rx.recv_timeout(Duration::from_millis(50)) {
            b.apply_to(&mut trace);
        }
    }
    assert_eq!(trace.skipped, 0);
}
