//! Follow latency and throughput through a real file: append-to-model latency (median, p90,
//! p99, max) for a writer appending one line every 5–15 ms, and the time for a burst of
//! 200,000 lines written as fast as possible (plus 100,000 written in half lines, which must
//! all arrive exactly once). `cargo bench --bench follow`.

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use trace_tui::ingest::IngestMsg;
use trace_tui::ingest::follow::{Target, spawn};
use trace_tui::model::Trace;

/// One frame of the explorer's redraw cap (src/runtime.rs `FRAME`).
const FRAME_MS: f64 = 16.667;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn line(id: &str, pad: usize) -> String {
    format!(
        r#"{{"kind":"scope","atof_version":"0.1","uuid":"{id}","parent_uuid":null,"timestamp":"2026-06-24T18:03:11.204518+00:00","name":"bench","data":{{"note":"{}"}},"data_schema":null,"metadata":{{"otel.status_code":"OK"}},"scope_category":"start","attributes":[],"category":"agent","category_profile":null}}"#,
        "x".repeat(pad)
    ) + "\n"
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Applies messages until `n` events are in; returns the trace and, per event id, when it arrived.
fn consume(
    rx: &std::sync::mpsc::Receiver<IngestMsg>,
    n: u64,
    timeout: Duration,
) -> (Trace, Vec<(String, Instant)>, Duration) {
    let mut trace = Trace::new();
    let mut arrivals = Vec::new();
    let start = Instant::now();
    let mut last_batch = Instant::now();
    let mut max_gap = Duration::ZERO;
    while trace.events < n && start.elapsed() < timeout {
        if let Ok(IngestMsg::Batch(b)) = rx.recv_timeout(Duration::from_millis(100)) {
            if b.events.is_empty() {
                continue;
            }
            let now = Instant::now();
            max_gap = max_gap.max(now - last_batch);
            last_batch = now;
            for e in &b.events {
                arrivals.push((e.id.to_string(), now));
            }
            b.apply_to(&mut trace);
        }
    }
    (trace, arrivals, max_gap)
}

fn latency(n: usize, label: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latency.jsonl");
    std::fs::write(&path, "").unwrap();
    let rx = spawn(vec![Target::File(path.clone())], None, 64);
    std::thread::sleep(Duration::from_millis(300)); // let the watcher start
    let written: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let w = Arc::clone(&written);
    let writer = std::thread::spawn(move || {
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for i in 0..n {
            std::thread::sleep(Duration::from_millis(5 + rng.next() % 11));
            let id = format!("l{i}");
            let text = line(&id, 300);
            w.lock().unwrap().insert(id, Instant::now());
            f.write_all(text.as_bytes()).unwrap();
        }
    });
    let (trace, arrivals, _) = consume(&rx, n as u64, Duration::from_secs(60));
    writer.join().unwrap();
    let written = written.lock().unwrap();
    let mut ms: Vec<f64> = arrivals
        .iter()
        .map(|(id, t)| (*t - written[id]).as_secs_f64() * 1e3)
        .collect();
    ms.sort_by(f64::total_cmp);
    assert_eq!(trace.events, n as u64, "every line arrives");
    println!(
        "{label}: append → model, {n} lines at 5–15 ms: median {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&ms, 50.0),
        percentile(&ms, 90.0),
        percentile(&ms, 99.0),
        ms[ms.len() - 1]
    );
    println!(
        "{label}: append → screen (≤ +{FRAME_MS:.1} ms frame): median ≤ {:.1} ms, p99 ≤ {:.1} ms",
        percentile(&ms, 50.0) + FRAME_MS,
        percentile(&ms, 99.0) + FRAME_MS
    );
}

fn burst(n: usize, halves: bool) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("burst.jsonl");
    std::fs::write(&path, "").unwrap();
    let rx = spawn(vec![Target::File(path.clone())], None, 64);
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    let writer = std::thread::spawn(move || {
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        let mut rng = Rng(42);
        let mut buf = String::with_capacity(1 << 20);
        for i in 0..n {
            let text = line(&format!("b{i}"), 200);
            if halves {
                // Each line in two writes, split anywhere: the reader must hold the first half.
                let cut = 1 + (rng.next() as usize) % (text.len() - 1);
                f.write_all(&text.as_bytes()[..cut]).unwrap();
                f.write_all(&text.as_bytes()[cut..]).unwrap();
            } else {
                buf.push_str(&text);
                if buf.len() > (1 << 20) - 1024 {
                    f.write_all(buf.as_bytes()).unwrap();
                    buf.clear();
                }
            }
        }
        f.write_all(buf.as_bytes()).unwrap();
    });
    let (trace, _, max_gap) = consume(&rx, n as u64, Duration::from_secs(120));
    let took = start.elapsed();
    writer.join().unwrap();
    assert_eq!(
        (trace.events, trace.skipped, trace.warnings_count),
        (n as u64, 0, 0),
        "exactly once, none skipped"
    );
    println!(
        "burst of {n} lines{}: all applied after {:.3} s ({:.0} events/s), longest gap between batches {:.1} ms",
        if halves { " in half lines" } else { "" },
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64(),
        max_gap.as_secs_f64() * 1e3
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    if std::env::args().any(|a| a == "--poll-phase") {
        latency(200, "stat poll only (100 ms)");
        return;
    }
    latency(500, "inotify");
    burst(200_000, false);
    burst(100_000, true);
    // The fallback alone, as on a network filesystem where inotify stays silent.
    // A child process, so the switch is set before its follow thread starts.
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("--bench")
        .arg("--poll-phase")
        .env(trace_tui::ingest::follow::POLL_ONLY_VAR, "1")
        .status()
        .unwrap();
    assert!(status.success());
}
