//! `summary --follow` reports each run once (issue #12, finding 3): real files, a real child
//! process, each step bounded by a timeout.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(20);

fn line(uuid: &str, parent: Option<&str>, ts: i64, sc: &str) -> String {
    let parent = parent.map_or("null".to_owned(), |p| format!("\"{p}\""));
    format!(
        r#"{{"kind":"scope","atof_version":"0.1","uuid":"{uuid}","parent_uuid":{parent},"timestamp":{ts},"name":"{uuid}","scope_category":"{sc}","attributes":[],"category":"agent"}}"#
    ) + "\n"
}

fn run(id: &str, ts: i64) -> String {
    line(id, None, ts, "start") + &line(id, None, ts + 5, "end")
}

fn append(path: &Path, text: &str) {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
}

/// A `summary --follow --json` child and the run names it printed.
struct Summary {
    child: Child,
    lines: Receiver<serde_json::Value>,
    seen: Vec<serde_json::Value>,
    /// Its stderr, a line at a time.
    errs: Receiver<String>,
}

impl Summary {
    fn start(args: &[&Path], poll_only: bool, stdin: bool) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_trace-tui"));
        cmd.args(["summary", "--follow", "--json"])
            .args(args)
            .stdin(if stdin { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if poll_only {
            cmd.env("TRACE_TUI_POLL_ONLY", "1");
        }
        let mut child = cmd.spawn().unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines() {
                let Ok(l) = l else { return };
                if tx.send(serde_json::from_str(&l).unwrap()).is_err() {
                    return;
                }
            }
        });
        let err = child.stderr.take().unwrap();
        let (etx, errs) = channel();
        std::thread::spawn(move || {
            for l in BufReader::new(err).lines().map_while(Result::ok) {
                if etx.send(l).is_err() {
                    return;
                }
            }
        });
        Self {
            child,
            lines: rx,
            seen: Vec::new(),
            errs,
        }
    }

    fn names(&self) -> Vec<String> {
        self.seen
            .iter()
            .map(|v| v["name"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Waits until `n` lines in all were printed.
    fn until(&mut self, n: usize) {
        let start = Instant::now();
        while self.seen.len() < n {
            assert!(
                start.elapsed() < TIMEOUT,
                "timed out waiting for {n} runs; got {:?}",
                self.names()
            );
            if let Ok(v) = self.lines.recv_timeout(Duration::from_millis(50)) {
                self.seen.push(v);
            }
        }
    }

    /// Sends SIGINT, as Ctrl-C in its terminal would.
    fn interrupt(&self) {
        let st = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(st.success());
    }

    /// Checks nothing more is printed for a while.
    fn quiet(&mut self) {
        let until = Instant::now() + Duration::from_millis(700);
        while Instant::now() < until {
            if let Ok(v) = self.lines.recv_timeout(Duration::from_millis(50)) {
                self.seen.push(v);
            }
        }
    }
}

impl Drop for Summary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn truncating_one_file_re_reports_no_run_of_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    append(&a, &run("a1", 0));
    append(&b, &(run("b1", 10) + &run("b2", 20)));
    let mut s = Summary::start(&[&a, &b], false, false);
    s.until(3);
    std::fs::write(&a, run("a2", 30)).unwrap();
    s.until(4);
    s.quiet();
    let mut names = s.names();
    names.sort();
    assert_eq!(names, ["a1", "a2", "b1", "b2"], "each run once");
}

#[test]
fn an_atomic_rewrite_with_old_and_new_content_reports_only_the_new() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("log.jsonl");
    let old = run("r1", 0);
    append(&p, &old);
    let mut s = Summary::start(&[&p], false, false);
    s.until(1);
    let tmp = dir.path().join("log.jsonl.tmp");
    std::fs::write(&tmp, old + &run("r2", 10)).unwrap();
    std::fs::rename(&tmp, &p).unwrap();
    s.until(2);
    s.quiet();
    assert_eq!(s.names(), ["r1", "r2"]);
}

#[test]
fn a_child_done_before_its_parent_is_reported_inside_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("log.jsonl");
    append(
        &p,
        &(line("kid", Some("mom"), 1, "start") + &line("kid", Some("mom"), 2, "end")),
    );
    let mut s = Summary::start(&[&p], false, false);
    s.quiet();
    assert!(s.seen.is_empty(), "a root waiting for its parent is held");
    append(
        &p,
        &(line("mom", None, 0, "start") + &line("mom", None, 5, "end")),
    );
    s.until(1);
    s.quiet();
    assert_eq!(s.names(), ["mom"]);
    assert_eq!(s.seen[0]["scopes"], 2);
}

#[test]
fn a_root_whose_parent_never_comes_is_an_orphan_when_stdin_closes() {
    let mut s = Summary::start(&[Path::new("-")], false, true);
    let text = run("solo", 0)
        + &line("kid", Some("ghost"), 1, "start")
        + &line("kid", Some("ghost"), 2, "end");
    let mut stdin = s.child.stdin.take().unwrap();
    stdin.write_all(text.as_bytes()).unwrap();
    drop(stdin);
    s.until(2);
    assert_eq!(s.names(), ["solo", "kid"]);
    assert_eq!(s.seen[1]["orphan"], true);
    assert!(s.child.wait().unwrap().success());
}

#[test]
fn sigint_reports_orphans_then_exits() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("log.jsonl");
    append(
        &p,
        &(line("kid", Some("ghost"), 1, "start") + &line("kid", Some("ghost"), 2, "end")),
    );
    let mut s = Summary::start(&[&p], false, false);
    s.quiet();
    assert!(s.seen.is_empty());
    s.interrupt();
    s.until(1);
    assert_eq!(s.seen[0]["orphan"], true);
    assert!(s.child.wait().unwrap().success());
}

/// A signal ends the input as the end of a file does: a last line without its newline is
/// used. A cut record (its writer died mid-line) is never read while following, not even
/// once the file is quiet; at the signal it is reported as a skipped line, not lost silently.
#[test]
fn sigint_ends_the_input_and_reports_a_cut_last_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("log.jsonl");
    append(&p, &(run("r1", 1) + r#"{"kind":"scope","uuid":"r2""#));
    let mut s = Summary::start(&[&p], false, false);
    s.until(1);
    s.interrupt();
    assert!(s.child.wait().unwrap().success());
    assert_eq!(s.names(), ["r1"]);
    let name = p.display().to_string();
    // The child has exited: its stderr ends, so this does not wait long.
    let errs: Vec<String> = s.errs.iter().collect();
    assert!(
        errs.iter()
            .any(|e| e.starts_with(&format!("skipped {name}:3: "))),
        "{errs:?}"
    );
}

/// Finding 2 in the stat-poll-only mode: a truncate-and-refill to a bigger size between two
/// polls, same inode, is seen as a rewrite (the new runs are reported), not an append.
#[test]
fn truncate_and_refill_between_polls_in_poll_only_mode() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("log.jsonl");
    append(&p, &run("old", 0));
    let mut s = Summary::start(&[&p], true, false);
    s.until(1);
    let f = OpenOptions::new().write(true).open(&p).unwrap();
    f.set_len(0).unwrap();
    (&f).write_all((run("new1", 10) + &run("new2", 20)).as_bytes())
        .unwrap();
    drop(f);
    s.until(3);
    s.quiet();
    assert_eq!(s.names(), ["old", "new1", "new2"]);
}

#[test]
fn a_producer_that_restarts_with_the_same_ids_is_reported_again() {
    // Found by a fault sweep: after a truncation, runs whose ids had been printed were
    // taken for the old ones and never reported.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("log.jsonl");
    append(&p, &(run("r1", 0) + &run("r2", 10)));
    let mut s = Summary::start(&[&p], false, false);
    s.until(2);
    std::fs::write(&p, run("r1", 100_000_000)).unwrap();
    s.until(3);
    s.quiet();
    assert_eq!(s.names(), ["r1", "r2", "r1"]);
    assert_ne!(s.seen[0]["start"], s.seen[2]["start"], "the new r1");
}

#[test]
fn skipped_lines_are_listed_on_stderr_as_they_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sk.jsonl");
    append(&p, &(run("ok", 0) + "{\"kind\":\"scope\" oops\n"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_trace-tui"))
        .args(["summary", "--follow"])
        .arg(&p)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let err = child.stderr.take().unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for l in BufReader::new(err).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                return;
            }
        }
    });
    let got = rx.recv_timeout(TIMEOUT);
    append(&p, "not json either\n");
    let later = rx.recv_timeout(TIMEOUT);
    let _ = child.kill();
    let _ = child.wait();
    let name = p.display().to_string();
    let got = got.expect("a line on stderr");
    assert!(got.starts_with(&format!("skipped {name}:3: ")), "{got}");
    let later = later.expect("the appended bad line too");
    assert!(later.starts_with(&format!("skipped {name}:4: ")), "{later}");
}

/// A Codex session has no end of its own: it is complete whenever no turn is open. It is
/// reported when its first turn completes and again, marked `updated`, with the figures of
/// the whole file once the second does (the answers are `formats_codex`'s, counted from the
/// file: 66 calls, 102 tools, 6,055,836 input tokens).
#[test]
fn a_session_is_reported_again_when_a_later_turn_completes() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/codex/rollout-2026-05-11T11-26-55-019e1625-789d-76c0-80ab-3724b5ddb799.jsonl"
    ))
    .unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let first_done = lines
        .iter()
        .position(|l| l.contains("\"task_complete\""))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("rollout.jsonl");
    append(&p, &(lines[..=first_done].join("\n") + "\n"));
    let mut s = Summary::start(&[&p], false, false);
    s.until(1);
    let first = s.seen[0].clone();
    assert_eq!(first.get("updated"), None);
    assert!(first["llm_calls"].as_u64().unwrap() < 66, "{first}");
    append(&p, &(lines[first_done + 1..].join("\n") + "\n"));
    s.until(2);
    s.quiet();
    assert_eq!(s.seen.len(), 2, "{:?}", s.names());
    let last = &s.seen[1];
    assert_eq!(last["updated"], true);
    assert_eq!(last["id"], first["id"]);
    assert_eq!(
        (
            last["llm_calls"].as_u64(),
            last["tool_calls"].as_u64(),
            last["tokens"]["input"].as_u64()
        ),
        (Some(66), Some(102), Some(6_055_836))
    );
}
