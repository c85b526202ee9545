//! Live follow through real temp files: every step bounded by a timeout, never a blind sleep.

mod common;

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use trace_ingest::IngestMsg;
use trace_ingest::follow::{Target, spawn};
use trace_model::Trace;

use common::scope;

const TIMEOUT: Duration = Duration::from_secs(10);

/// Applies messages until `done(trace)` holds; panics with the trace's dump on timeout.
struct Feed {
    rx: Receiver<IngestMsg>,
    trace: Trace,
    resets: usize,
    statuses: Vec<String>,
}

impl Feed {
    fn new(targets: Vec<Target>) -> Self {
        Self {
            rx: spawn(targets, None, 16),
            trace: Trace::new(),
            resets: 0,
            statuses: Vec::new(),
        }
    }

    fn until(&mut self, what: &str, done: impl Fn(&Trace) -> bool) {
        let start = Instant::now();
        while !done(&self.trace) {
            assert!(
                start.elapsed() < TIMEOUT,
                "timed out waiting for {what}; trace:\n{}",
                self.trace.dump()
            );
            if let Ok(msg) = self.rx.recv_timeout(Duration::from_millis(50)) {
                self.handle(msg);
            }
        }
    }

    fn handle(&mut self, msg: IngestMsg) {
        match msg {
            IngestMsg::Batch(b) => b.apply_to(&mut self.trace),
            IngestMsg::Reset => {
                self.trace = Trace::new();
                self.resets += 1;
            }
            IngestMsg::Status(s) => self.statuses.push(s),
            IngestMsg::Progress { .. } | IngestMsg::Preview(_) | IngestMsg::Loaded(_) => {
                panic!("the follower never loads")
            }
        }
    }

    /// Lets the follower run a few poll rounds and checks nothing more arrives.
    fn settle(&mut self) {
        let until = Instant::now() + Duration::from_millis(400);
        while Instant::now() < until {
            if let Ok(msg) = self.rx.recv_timeout(Duration::from_millis(50)) {
                self.handle(msg);
            }
        }
    }
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
fn half_lines_are_held_until_their_newline() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("events.jsonl");
    let line = scope("r", None, 1, "start");
    append(&p, &format!("{}\n", scope("a", None, 0, "start")));
    let mut feed = Feed::new(vec![Target::File(p.clone())]);
    feed.until("first line", |t| t.events == 1);
    let (head, tail) = line.split_at(40);
    append(&p, head);
    feed.settle();
    assert_eq!(feed.trace.events, 1, "a half line is never parsed");
    assert_eq!(feed.trace.skipped, 0, "nor reported as bad");
    append(&p, &format!("{tail}\n"));
    feed.until("completed line", |t| t.events == 2);
    assert_eq!(feed.trace.skipped, 0);
    assert_eq!(feed.trace.runs().count(), 2);
}

#[test]
fn burst_of_100k_lines_arrives_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("burst.jsonl");
    append(&p, "");
    let mut feed = Feed::new(vec![Target::File(p.clone())]);
    let mut text = String::new();
    for i in 0..50_000 {
        text.push_str(&scope(&format!("s{i}"), None, i, "start"));
        text.push('\n');
        text.push_str(&scope(&format!("s{i}"), None, i + 1, "end"));
        text.push('\n');
    }
    append(&p, &text);
    feed.until("100k events", |t| t.events >= 100_000);
    feed.settle();
    assert_eq!(feed.trace.events, 100_000);
    assert_eq!(feed.trace.runs().count(), 50_000);
    assert_eq!(feed.trace.warnings_count, 0, "no line read twice");
}

#[test]
fn truncation_starts_over() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("events.jsonl");
    append(
        &p,
        &format!(
            "{}\n{}\n",
            scope("old1", None, 0, "start"),
            scope("old2", None, 0, "start")
        ),
    );
    let mut feed = Feed::new(vec![Target::File(p.clone())]);
    feed.until("two runs", |t| t.runs().count() == 2);
    std::fs::write(&p, format!("{}\n", scope("new", None, 5, "start"))).unwrap();
    feed.until("the rewritten file", |t| {
        t.runs().count() == 1 && t.lookup("new").is_some()
    });
    assert!(feed.resets >= 1);
    assert!(feed.trace.lookup("old1").is_none());
}

#[test]
fn rotation_continues_into_the_next_part_without_losing_the_tail() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("event_log-s.jsonl");
    let h = |i: u64, ty: &str, extra: &str| {
        format!(
            r#"{{"index":{i},"emitted_at_ms":{},"frame_depth":null,"type":"{ty}","session_id":"s"{extra}}}"#,
            1000 + i
        )
    };
    append(
        &base,
        &format!("{}\n", h(0, "iteration_start", r#","iteration":1"#)),
    );
    let mut feed = Feed::new(vec![Target::File(base.clone())]);
    feed.until("iteration start", |t| t.events == 2);
    // The tail of the old part and the new part land between two polls.
    append(
        &base,
        &format!("{}\n", h(1, "agent_message_chunk", r#","content":"x""#)),
    );
    let part = dir.path().join("event_log-s-000001.jsonl");
    append(
        &part,
        &format!(
            "{}\n",
            h(
                2,
                "iteration_end",
                r#","iteration":1,"iteration_info":{"input_tokens":5,"output_tokens":7,"response_ms":1}"#
            )
        ),
    );
    feed.until("the rotated part", |t| t.events == 6);
    let run = feed.trace.runs().next().unwrap();
    let s = feed.trace.run_stats(run);
    assert_eq!(
        (s.marks, s.llm_calls, s.tokens.input, s.tokens.output),
        (1, 1, 5, 7)
    );
    assert_eq!(feed.trace.files().len(), 2);
    // Appends to the new part keep flowing.
    append(
        &part,
        &format!(
            "{}\n",
            h(3, "final_wrapup", r#","final_status":"completed""#)
        ),
    );
    // final_wrapup: its mark, and the session's end.
    feed.until("an append to the new part", |t| t.events == 8);
    let run = feed.trace.runs().next().unwrap();
    assert_eq!(
        feed.trace.run_stats(run).status,
        Some(trace_model::stats::RunStatus::Ok)
    );
}

#[test]
fn atomic_replace_of_a_greentic_document_is_reread() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("trace.json");
    let doc = |steps: &str| {
        format!(
            "{{\n  \"trace_version\": 1,\n  \"flow\": {{\"id\": \"f\", \"version\": \"1\"}},\n  \"steps\": [{steps}]\n}}\n"
        )
    };
    let step = |id: &str| {
        format!(r#"{{"node_id":"{id}","component_id":"c","operation":"op","duration_ms":10}}"#)
    };
    std::fs::write(&p, doc(&step("a"))).unwrap();
    let mut feed = Feed::new(vec![Target::File(p.clone())]);
    feed.until("first document", |t| {
        t.runs().next().is_some_and(|r| t.run_stats(r).scopes == 2)
    });
    let tmp = dir.path().join("trace.json.tmp");
    std::fs::write(&tmp, doc(&format!("{},{}", step("a"), step("b")))).unwrap();
    std::fs::rename(&tmp, &p).unwrap();
    feed.until("the replaced document", |t| {
        t.runs().count() == 1 && t.runs().next().is_some_and(|r| t.run_stats(r).scopes == 3)
    });
    assert!(feed.resets >= 1);
}

#[test]
fn late_creation_is_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("later.jsonl");
    let mut feed = Feed::new(vec![Target::File(p.clone())]);
    let start = Instant::now();
    while feed.statuses.is_empty() && start.elapsed() < TIMEOUT {
        feed.settle();
    }
    assert_eq!(
        feed.statuses[0],
        format!("waiting for {} to appear", p.display())
    );
    append(&p, &format!("{}\n", scope("x", None, 0, "start")));
    feed.until("the created file", |t| t.events == 1);
}

#[test]
fn directory_picks_up_new_files() {
    let dir = tempfile::tempdir().unwrap();
    append(
        &dir.path().join("a.jsonl"),
        &format!("{}\n", scope("a", None, 0, "start")),
    );
    let mut feed = Feed::new(vec![Target::Dir(dir.path().to_path_buf())]);
    feed.until("first file", |t| t.events == 1);
    append(
        &dir.path().join("b.jsonl"),
        &format!("{}\n", scope("b", None, 0, "start")),
    );
    feed.until("second file", |t| t.events == 2);
    assert_eq!(feed.trace.files().len(), 2);
}

#[test]
fn stdin_streams_completed_runs_as_json_lines() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_trace-tui"))
        .args(["summary", "--follow", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let sample = std::fs::read(common::path(common::ATOF)).unwrap();
    child.stdin.take().unwrap().write_all(&sample).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The incomplete codex run never completes, so only two lines.
    let names: Vec<&str> = lines.iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["claude-code", "research-agent"]);
    assert_eq!(lines[1]["status"], "error");
    assert_eq!(lines[0]["tokens"]["input"], 43329); // 1209 uncached + 41480 read + 640 written
}

#[test]
fn the_log_is_never_written_or_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("events.jsonl");
    let sample = std::fs::read(common::path(common::ATOF)).unwrap();
    std::fs::write(&p, &sample).unwrap();
    let before = std::fs::metadata(&p).unwrap();
    let mut feed = Feed::new(vec![Target::File(p.clone())]);
    feed.until("the whole sample", |t| t.events == 28);
    let _ = trace_ingest::files::load(std::slice::from_ref(&p), None, &mut |_| {}).unwrap();
    feed.settle();
    let after = std::fs::metadata(&p).unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), sample);
    assert_eq!(
        (after.len(), after.modified().unwrap()),
        (before.len(), before.modified().unwrap())
    );
    // Nothing holds a lock: another writer can still append while we follow.
    append(&p, &format!("{}\n", scope("late", None, 0, "start")));
    feed.until("the appended line", |t| t.events == 29);
}

/// A big ATOF file already written when following starts is caught up on both cores: the
/// model gets exactly what a static load of the same lines gives (events, tree, diagnostics
/// with their line numbers); the partial last line waits for its newline, and appended lines
/// continue the numbering and offsets.
#[test]
fn big_file_is_caught_up_in_parallel_then_followed() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    trace_synth::generate(
        9,
        trace_synth::Target::Bytes(trace_ingest::parallel::MIN_PARALLEL_BYTES + (1 << 20)),
        &mut bytes,
    )
    .unwrap();
    // A bad line in the middle, to compare where diagnostics point.
    let mid = bytes.len() / 2 + memchr::memchr(b'\n', &bytes[bytes.len() / 2..]).unwrap() + 1;
    bytes.splice(mid..mid, b"not json\n".iter().copied());
    let whole = dir.path().join("whole.jsonl");
    std::fs::write(&whole, &bytes).unwrap();
    let (expected, _) =
        trace_ingest::files::load(std::slice::from_ref(&whole), None, &mut |_| {}).unwrap();
    let lines = memchr::memchr_iter(b'\n', &bytes).count() as u64;

    let p = dir.path().join("events.jsonl");
    let last = scope("tail", None, 1, "start");
    let (head, rest) = last.split_at(30);
    let mut text = bytes.clone();
    text.extend_from_slice(head.as_bytes());
    std::fs::write(&p, &text).unwrap();

    let mut feed = Feed::new(vec![Target::File(p.clone())]);
    feed.until("the catch-up", |t| {
        t.events + t.skipped == expected.events + expected.skipped
    });
    feed.settle();
    assert_eq!(
        (feed.trace.events, feed.trace.skipped),
        (expected.events, expected.skipped)
    );
    assert_eq!(feed.trace.skipped, 1);
    assert_eq!(feed.trace.diagnostics(), expected.diagnostics());
    assert_eq!(feed.trace.dump(), expected.dump());

    append(
        &p,
        &format!("{rest}\n{}\n", scope("tail2", None, 2, "start")),
    );
    feed.until("appended lines", |t| t.events == expected.events + 2);
    let tail = feed
        .trace
        .start_src(feed.trace.lookup("tail").unwrap())
        .unwrap();
    assert_eq!((tail.line, tail.offset), (lines + 1, bytes.len() as u64));
    let tail2 = feed
        .trace
        .start_src(feed.trace.lookup("tail2").unwrap())
        .unwrap();
    assert_eq!(tail2.line, lines + 2);
    assert_eq!(feed.resets, 0);
}

#[test]
fn a_file_renamed_away_is_read_under_its_new_name() {
    // Found by a fault sweep: after `mv log log.1` and a new `log`, the detail pane read the
    // old scopes' records at their offsets in the new file.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    let old_start = scope("old", None, 1, "start");
    append(
        &log,
        &format!("{old_start}\n{}\n", scope("old", None, 2, "end")),
    );
    let mut feed = Feed::new(vec![Target::File(log.clone())]);
    feed.until("the old run", |t| t.events == 2);
    let rotated = dir.path().join("log.jsonl.1");
    std::fs::rename(&log, &rotated).unwrap();
    append(
        &log,
        &format!("{}\n", scope("new-run-with-a-longer-id", None, 3, "start")),
    );
    feed.until("the new file", |t| t.events == 3);
    feed.settle();
    assert_eq!(feed.resets, 0);
    let old = feed.trace.lookup("old").unwrap();
    let src = feed.trace.start_src(old).unwrap();
    let name = feed.trace.file_name(src.file).to_owned();
    assert_eq!(name, rotated.display().to_string());
    let bytes = trace_ingest::payload::read_record(&name, &src).unwrap();
    assert_eq!(String::from_utf8(bytes).unwrap().trim_end(), old_start);
    let new = feed.trace.lookup("new-run-with-a-longer-id").unwrap();
    let src = feed.trace.start_src(new).unwrap();
    assert_eq!(feed.trace.file_name(src.file), log.display().to_string());
}

#[test]
fn a_writer_that_keeps_its_renamed_file_is_still_read_after_a_pause() {
    // logrotate's `create` without a signal: the path gets a new, empty file while the
    // writer goes on appending to the renamed one. Found by a sweep: after 2 s of quiet the
    // renamed file was let go and later lines were lost.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.jsonl");
    let mut w = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .unwrap();
    writeln!(w, "{}", scope("a", None, 1, "start")).unwrap();
    let mut feed = Feed::new(vec![Target::File(log.clone())]);
    feed.until("the first line", |t| t.events == 1);
    std::fs::rename(&log, dir.path().join("app.jsonl.1")).unwrap();
    std::fs::File::create(&log).unwrap();
    feed.settle();
    // Longer than the 2 s after which a quiet renamed file used to be let go.
    std::thread::sleep(Duration::from_secs(3));
    writeln!(w, "{}", scope("a", None, 2, "end")).unwrap();
    feed.until("the line written after the pause", |t| t.events == 2);
    let a = feed.trace.lookup("a").unwrap();
    assert!(feed.trace.node(a).has_end());
}

#[test]
fn a_quiet_claude_transcript_shows_its_last_message_tokens() {
    // Found by a sweep: the reader holds a message back until its next line (one message
    // spans several lines), so following a finished transcript showed none of its last
    // call's tokens. After a quiet second the message is taken as whole.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/claude/kvsankar-session-01.jsonl");
    let (whole, _) =
        trace_ingest::files::load(std::slice::from_ref(&fixture), None, &mut |_| {}).unwrap();
    let tokens = |t: &Trace| t.runs().map(|r| t.run_stats(r).tokens.output).sum::<u64>();
    let expected = tokens(&whole);
    assert!(expected > 0);
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("session.jsonl");
    std::fs::copy(&fixture, &copy).unwrap();
    let mut feed = Feed::new(vec![Target::File(copy)]);
    feed.until("every output token", |t| tokens(t) == expected);
}

#[test]
fn a_claude_message_shown_while_quiet_is_updated_by_its_later_lines() {
    // The second block of one message can come seconds after the first (a long tool call
    // streaming): the call shown meanwhile takes the later line's usage; it is not a second
    // call, and nothing is counted twice.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("session.jsonl");
    let assistant = |uuid: &str, secs: u32, output: u32| {
        format!(
            r#"{{"type":"assistant","uuid":"{uuid}","parentUuid":"u1","sessionId":"s1","timestamp":"2026-06-24T18:00:0{secs}.000Z","message":{{"model":"claude-sonnet-4-5","id":"msg_1","role":"assistant","content":[{{"type":"text","text":"x"}}],"usage":{{"input_tokens":10,"output_tokens":{output}}}}}}}"#
        )
    };
    append(
        &p,
        &format!(
            "{}\n{}\n",
            r#"{"type":"user","uuid":"u1","parentUuid":null,"sessionId":"s1","timestamp":"2026-06-24T18:00:00.000Z","message":{"role":"user","content":"hi"}}"#,
            assistant("a1", 1, 5)
        ),
    );
    let output = |t: &Trace| t.runs().map(|r| t.run_stats(r).tokens.output).sum::<u64>();
    let mut feed = Feed::new(vec![Target::File(p.clone())]);
    feed.until("the call shown once the file is quiet", |t| output(t) == 5);
    append(&p, &format!("{}\n", assistant("a2", 3, 50)));
    feed.until("its later line's usage", |t| output(t) == 50);
    feed.settle();
    let run = feed.trace.runs().next().unwrap();
    let s = feed.trace.run_stats(run);
    assert_eq!((s.llm_calls, s.tokens.input, s.tokens.output), (1, 10, 50));
    assert_eq!(feed.trace.warnings_count, 0, "{:?}", feed.trace.warnings());
}
