//! Follow through rotation, rewrites and races (issue #12): real files, real renames and
//! truncations, every step bounded by a timeout.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use trace_ingest::IngestMsg;
use trace_ingest::follow::{Target, spawn};
use trace_model::Trace;

const TIMEOUT: Duration = Duration::from_secs(20);

/// Applies messages until `done(trace)` holds; panics on timeout.
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

    fn until(&mut self, what: &str, done: impl Fn(&Self) -> bool) {
        let start = Instant::now();
        while !done(self) {
            if start.elapsed() >= TIMEOUT {
                let mut ids: Vec<String> = self
                    .trace
                    .runs()
                    .map(|r| self.trace.ext_id(r).into_owned())
                    .collect();
                ids.sort();
                eprintln!(
                    "ids {:?} files {:?}",
                    &ids[..ids.len().min(2000)],
                    self.trace.files()
                );
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "timed out waiting for {what}: {} runs, {} events, {} resets, statuses {:?}",
                self.trace.runs().count(),
                self.trace.events,
                self.resets,
                self.statuses
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

    /// Lets the follower run a few poll rounds.
    fn settle(&mut self) {
        let until = Instant::now() + Duration::from_millis(500);
        while Instant::now() < until {
            if let Ok(msg) = self.rx.recv_timeout(Duration::from_millis(50)) {
                self.handle(msg);
            }
        }
    }

    fn complete_runs(&self) -> usize {
        self.trace
            .runs()
            .filter(|&r| self.trace.run_stats(r).end_us.is_some())
            .count()
    }
}

fn line(uuid: &str, parent: Option<&str>, ts: i64, sc: &str, category: &str) -> String {
    let parent = parent.map_or("null".to_owned(), |p| format!("\"{p}\""));
    format!(
        r#"{{"kind":"scope","atof_version":"0.1","uuid":"{uuid}","parent_uuid":{parent},"timestamp":{ts},"name":"{uuid}","scope_category":"{sc}","attributes":[],"category":"{category}"}}"#
    ) + "\n"
}

/// The four lines of run `i`: agent start, LLM start, LLM end, agent end.
fn run_lines(i: u64) -> [String; 4] {
    let (r, c) = (format!("r{i}"), format!("r{i}-llm"));
    let ts = i as i64 * 10;
    [
        line(&r, None, ts, "start", "agent"),
        line(&c, Some(&r), ts + 1, "start", "llm"),
        line(&c, Some(&r), ts + 2, "end", "llm"),
        line(&r, None, ts + 3, "end", "agent"),
    ]
}

fn append(path: &Path, text: &str) {
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// Finding 1: logrotate-style `mv app.jsonl app.jsonl.N` while the writer still writes to the
/// old descriptor, then reopens `app.jsonl`. Every run arrives once, with its LLM call, and
/// rotation is not a reset.
#[test]
fn rename_rotation_loses_no_run_and_is_not_a_reset() {
    const RUNS: u64 = 4_000;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("app.jsonl");
    File::create(&p).unwrap();
    let mut feed = Feed::new(vec![Target::File(p.clone())]);
    let writer = {
        let p = p.clone();
        std::thread::spawn(move || {
            let mut f = OpenOptions::new().append(true).open(&p).unwrap();
            let mut rotations = 0;
            for i in 0..RUNS {
                let lines = run_lines(i);
                for (k, l) in lines.iter().enumerate() {
                    f.write_all(l.as_bytes()).unwrap();
                    // Rotate mid-run every 500 runs: the run spans two files.
                    if k == 1 && i % 500 == 250 {
                        rotations += 1;
                        std::fs::rename(&p, p.with_extension(format!("jsonl.{rotations}")))
                            .unwrap();
                        // The writer is told late (logrotate's postrotate): a few more lines
                        // still go to the renamed file.
                        std::thread::sleep(Duration::from_millis(30));
                        f.write_all(lines[2].as_bytes()).unwrap();
                        f = OpenOptions::new()
                            .create(true)
                            .append(true)
                            .open(&p)
                            .unwrap();
                        f.write_all(lines[3].as_bytes()).unwrap();
                        // Rotations are rare (daily, hourly): a few polls pass between two.
                        std::thread::sleep(Duration::from_millis(400));
                        break;
                    }
                }
                if i % 200 == 0 {
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
            rotations
        })
    };
    // Drained while written, as the explorer does: a blocked follower sees no rotation.
    feed.until("all runs", |f| f.complete_runs() == RUNS as usize);
    let rotations = writer.join().unwrap();
    assert_eq!(rotations, 8);
    feed.settle();
    let t = &feed.trace;
    assert_eq!(t.runs().count(), RUNS as usize, "each run once");
    for r in t.runs() {
        assert_eq!(
            t.run_stats(r).llm_calls,
            1,
            "run {} keeps its call",
            t.ext_id(r)
        );
    }
    assert_eq!(feed.resets, 0, "rotation is not a reset");
    assert_eq!(t.warnings_count, 0, "no line read twice");
    eprintln!(
        "{RUNS} runs with {rotations} rotations: {} reported",
        t.runs().count()
    );
}

/// Finding 2: truncate-and-refill in one go, to a bigger size: told apart from an append by
/// the fingerprint, so it starts over (the poll-only variant is in tests/follow_summary.rs).
#[test]
fn truncate_and_refill_is_noticed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("refill.jsonl");
    let old: String = run_lines(1).concat();
    std::fs::write(&p, &old).unwrap();
    let mut feed = Feed::new(vec![Target::File(p.clone())]);
    feed.until("first run", |f| f.complete_runs() == 1);
    // Same inode; new content as long as the old plus a bit, in one write.
    let new: String = run_lines(2).concat() + &run_lines(3).concat();
    let f = OpenOptions::new().write(true).open(&p).unwrap();
    f.set_len(0).unwrap();
    (&f).write_all(new.as_bytes()).unwrap();
    drop(f);
    feed.until("refilled content", |f| {
        f.resets == 1 && f.trace.lookup("r2").is_some() && f.trace.lookup("r3").is_some()
    });
    assert!(feed.trace.lookup("r1").is_none(), "old content dropped");
    assert_eq!(feed.complete_runs(), 2);
}

/// Finding 2: an atomic replace whose old content is a prefix of the new is an append.
#[test]
fn replace_with_a_superset_is_an_append() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("superset.jsonl");
    let old: String = run_lines(1).concat();
    std::fs::write(&p, &old).unwrap();
    let mut feed = Feed::new(vec![Target::File(p.clone())]);
    feed.until("first run", |f| f.complete_runs() == 1);
    let tmp = dir.path().join("superset.jsonl.tmp");
    std::fs::write(&tmp, old.clone() + &run_lines(2).concat()).unwrap();
    std::fs::rename(&tmp, &p).unwrap();
    feed.until("second run", |f| f.complete_runs() == 2);
    feed.settle();
    assert_eq!(feed.resets, 0, "a superset is no reset");
    assert_eq!(feed.trace.events, 8, "old lines not read again");
    // A real rewrite (not a superset) still starts over.
    std::fs::write(&tmp, run_lines(5).concat()).unwrap();
    std::fs::rename(&tmp, &p).unwrap();
    feed.until("rewrite", |f| f.resets == 1 && f.complete_runs() == 1);
    assert!(feed.trace.lookup("r5").is_some());
}

/// Finding 7: a FIFO is read as a stream, and one with no writer yet does not stall the
/// other followed file.
#[test]
fn a_fifo_is_followed_and_a_silent_one_stalls_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let silent = dir.path().join("silent");
    for f in [&fifo, &silent] {
        let st = std::process::Command::new("mkfifo")
            .arg(f)
            .status()
            .unwrap();
        assert!(st.success());
    }
    let file = dir.path().join("plain.jsonl");
    std::fs::write(&file, run_lines(1).concat()).unwrap();
    let mut feed = Feed::new(vec![
        Target::from_arg(&silent),
        Target::from_arg(&fifo),
        Target::from_arg(&file),
    ]);
    assert_eq!(Target::from_arg(&fifo), Target::Stream(fifo.clone()));
    feed.until("the plain file despite a silent FIFO", |f| {
        f.trace.lookup("r1").is_some()
    });
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut w = OpenOptions::new().write(true).open(&fifo).unwrap();
            w.write_all(run_lines(7).concat().as_bytes()).unwrap();
        })
    };
    feed.until("the FIFO's run", |f| f.complete_runs() == 2);
    writer.join().unwrap();
    append(&file, &run_lines(8).concat());
    feed.until("the file still followed", |f| f.complete_runs() == 3);
    // Unblock the silent FIFO's reader so the test's threads can end.
    let _ = OpenOptions::new().write(true).open(&silent);
}

/// Finding 7: a target that cannot be opened (a socket: open fails with ENXIO even for
/// root) is reported, not waited for silently.
#[test]
fn an_unreadable_target_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("events.jsonl");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let mut feed = Feed::new(vec![Target::File(sock.clone())]);
    feed.until("a status naming it", |f| {
        f.statuses
            .iter()
            .any(|s| s.starts_with("cannot read") && s.contains("events.jsonl"))
    });
    let mut stream = Feed::new(vec![Target::from_arg(&sock)]);
    stream.until("a status for the stream too", |f| {
        f.statuses.iter().any(|s| s.starts_with("cannot read"))
    });
}

/// A writer that ended without a final newline: once the file is quiet its last line, a
/// whole record, is read; the newline written later ends nothing, and the next line keeps
/// its number. A cut record is never read early.
#[test]
fn a_last_line_without_newline_is_read_once_the_file_is_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("events.jsonl");
    let [a, b, c, d] = run_lines(1);
    append(&p, &format!("{a}{b}{c}{}", d.trim_end()));
    let offset = (a.len() + b.len() + c.len() + d.len()) as u64;
    let mut feed = Feed::new(vec![Target::File(p.clone())]);
    feed.until("the run's end, read without its newline", |f| {
        f.complete_runs() == 1
    });
    assert_eq!(feed.trace.events, 4);
    let [e, ..] = run_lines(2);
    let cut = &e[..30];
    append(&p, &format!("\n{cut}"));
    feed.settle();
    feed.settle();
    feed.settle();
    assert_eq!(
        feed.trace.events, 4,
        "a cut record waits for the rest of its line"
    );
    append(&p, &e[30..]);
    feed.until("the next run's start", |f| f.trace.events == 5);
    assert_eq!((feed.trace.skipped, feed.trace.warnings_count), (0, 0));
    let r2 = feed
        .trace
        .runs()
        .find(|&r| feed.trace.ext_id(r) == "r2")
        .unwrap();
    assert_eq!(
        feed.trace.start_src(r2).map(|s| (s.line, s.offset)),
        Some((5, offset))
    );
}
