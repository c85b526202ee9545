//! Property (issue #12): a followed file driven through random appends, half lines,
//! truncations, rename rotations and rewrites (seeded, bounded) reports exactly the runs a
//! model of what was written says, each once.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use trace_ingest::IngestMsg;
use trace_ingest::follow::{Target, spawn};
use trace_model::Trace;
use trace_synth::Rng;

const TIMEOUT: Duration = Duration::from_secs(20);
const STEPS: usize = 20;

fn line(uuid: &str, parent: Option<&str>, ts: u64, sc: &str, category: &str) -> String {
    let parent = parent.map_or("null".to_owned(), |p| format!("\"{p}\""));
    format!(
        r#"{{"kind":"scope","atof_version":"0.1","uuid":"{uuid}","parent_uuid":{parent},"timestamp":{ts},"name":"{uuid}","scope_category":"{sc}","attributes":[],"category":"{category}"}}"#
    ) + "\n"
}

/// Run `i` as its four lines (root start, LLM start, LLM end, root end).
fn run_text(i: u64) -> [String; 4] {
    let (r, c) = (format!("r{i}"), format!("r{i}-llm"));
    [
        line(&r, None, i * 10, "start", "agent"),
        line(&c, Some(&r), i * 10 + 1, "start", "llm"),
        line(&c, Some(&r), i * 10 + 2, "end", "llm"),
        line(&r, None, i * 10 + 3, "end", "agent"),
    ]
}

/// What the follower must show: the runs since the last start-over.
struct Model {
    path: PathBuf,
    writer: File,
    next: u64,
    /// Runs in the file now at the path.
    current: Vec<u64>,
    /// Runs visible (current plus those in files rotated away since the last start-over).
    live: Vec<u64>,
    rotations: u32,
}

impl Model {
    fn new_run(&mut self) -> (u64, String) {
        let i = self.next;
        self.next += 1;
        (i, run_text(i).concat())
    }

    fn write(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).unwrap();
    }

    fn step(&mut self, rng: &mut Rng, pause: &mut dyn FnMut()) -> &'static str {
        match rng.below(10) {
            0..=3 => {
                for _ in 0..rng.range(1, 20) {
                    let (i, t) = self.new_run();
                    self.write(&t);
                    self.current.push(i);
                    self.live.push(i);
                }
                "append"
            }
            4 => {
                // A half line, seen by the follower, then its rest.
                let (i, t) = self.new_run();
                let cut = rng.range(1, t.len() as u64 - 1) as usize;
                self.write(&t[..cut]);
                pause();
                self.write(&t[cut..]);
                self.current.push(i);
                self.live.push(i);
                "half line"
            }
            5 => {
                // Truncate and refill at once (same inode).
                let (i, t) = self.new_run();
                let f = OpenOptions::new().write(true).open(&self.path).unwrap();
                f.set_len(0).unwrap();
                drop(f);
                self.write(&t);
                self.current = vec![i];
                self.live = vec![i];
                "truncate"
            }
            6 | 7 => {
                // logrotate: rename away mid-run, the writer finishes the run in the old file.
                let (i, _) = self.new_run();
                let lines = run_text(i);
                self.write(&lines[0]);
                self.write(&lines[1]);
                self.rotations += 1;
                let to = self
                    .path
                    .with_extension(format!("jsonl.{}", self.rotations));
                std::fs::rename(&self.path, to).unwrap();
                self.write(&lines[2]);
                self.writer = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)
                    .unwrap();
                self.write(&lines[3]);
                self.current.clear();
                self.live.push(i);
                "rename"
            }
            8 => {
                // Atomic replace with old content plus more: an append.
                let old = std::fs::read(&self.path).unwrap();
                let (i, t) = self.new_run();
                let tmp = self.path.with_extension("tmp");
                let mut all = old;
                all.extend_from_slice(t.as_bytes());
                std::fs::write(&tmp, all).unwrap();
                std::fs::rename(&tmp, &self.path).unwrap();
                self.reopen();
                self.current.push(i);
                self.live.push(i);
                "superset"
            }
            _ => {
                // Atomic replace with other content: a start-over.
                let (i, t) = self.new_run();
                let tmp = self.path.with_extension("tmp");
                std::fs::write(&tmp, t).unwrap();
                std::fs::rename(&tmp, &self.path).unwrap();
                self.reopen();
                self.current = vec![i];
                self.live = vec![i];
                "rewrite"
            }
        }
    }

    fn reopen(&mut self) {
        self.writer = OpenOptions::new().append(true).open(&self.path).unwrap();
    }
}

struct Feed {
    rx: Receiver<IngestMsg>,
    trace: Trace,
}

impl Feed {
    fn pump(&mut self, d: Duration) {
        if let Ok(msg) = self.rx.recv_timeout(d) {
            match msg {
                IngestMsg::Batch(b) => b.apply_to(&mut self.trace),
                IngestMsg::Reset => self.trace = Trace::new(),
                _ => {}
            }
        }
    }

    /// (run id, LLM calls) of every run, sorted; a run counted twice shows twice.
    fn runs(&self) -> Vec<(String, u64)> {
        let mut v: Vec<(String, u64)> = self
            .trace
            .runs()
            .map(|r| {
                let s = self.trace.run_stats(r);
                let llm = if s.end_us.is_some() { s.llm_calls } else { 99 };
                (self.trace.ext_id(r).into_owned(), llm)
            })
            .collect();
        v.sort();
        v
    }
}

fn check_seed(seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.jsonl");
    let writer = File::create(&path).unwrap();
    let mut model = Model {
        path: path.clone(),
        writer,
        next: 0,
        current: Vec::new(),
        live: Vec::new(),
        rotations: 0,
    };
    let mut feed = Feed {
        rx: spawn(vec![Target::File(path.clone())], None, 16),
        trace: Trace::new(),
    };
    let mut rng = Rng::new(seed);
    let mut done = Vec::new();
    for step in 0..STEPS {
        let what = model.step(&mut rng, &mut || {
            std::thread::sleep(Duration::from_millis(150));
        });
        done.push(what);
        let mut want: Vec<(String, u64)> =
            model.live.iter().map(|i| (format!("r{i}"), 1)).collect();
        want.sort();
        let start = Instant::now();
        loop {
            let got = feed.runs();
            if got == want {
                break;
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "seed {seed}, step {step} ({what}; steps {done:?}):\n got {got:?}\nwant {want:?}"
            );
            feed.pump(Duration::from_millis(50));
        }
        assert_eq!(
            feed.trace.warnings_count, 0,
            "seed {seed}: no line read twice"
        );
        // Rotations are rare next to polls: let one pass before the next change.
        if what == "rename" {
            std::thread::sleep(Duration::from_millis(250));
        }
    }
    let _ = Path::new(&path);
}

#[test]
fn random_appends_half_lines_truncations_renames_and_rewrites_report_each_run_once() {
    for seed in [1, 2, 3, 4] {
        check_seed(seed);
    }
}
