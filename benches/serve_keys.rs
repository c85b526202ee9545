//! Key latency of the explorer under OTLP load: `trace-tui --serve` runs in a 120×40 tmux pane
//! while client threads POST `SERVE_KEYS_RATE` spans/s (default 20,000; 200 spans a protobuf
//! request) for `SERVE_KEYS_SECS` seconds (default 30). Meanwhile `?` and Escape are sent in turn
//! and the time until the screen shows (or stops showing) the help overlay is measured by
//! polling `capture-pane` every 2 ms, first idle and then under load. The figure includes tmux's
//! own `send-keys`/`capture-pane` round trips, so it is an upper bound on the explorer's own.
//! Run: `cargo bench --bench serve_keys` (needs tmux; bounded by the time limits).

#[path = "../tests/otlp/client.rs"]
mod client;
#[path = "../tests/tmux/mod.rs"]
mod tmux;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use prost::Message;

const PER_REQUEST: usize = 200;
const THREADS: u64 = 4;
const HELP: &str = "╭ Keys ";

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Toggles the help overlay `n` times (or until `until`), returning each key's latency.
fn keys(t: &tmux::Tmux, n: usize, until: Option<Instant>) -> Vec<Duration> {
    let mut out = Vec::new();
    let mut shown = false;
    for _ in 0..n {
        if until.is_some_and(|u| Instant::now() >= u) {
            break;
        }
        let sent = Instant::now();
        t.keys(&[if shown { "Escape" } else { "?" }]);
        shown = !shown;
        let want = shown;
        let ok = t.poll(Duration::from_secs(5), Duration::from_millis(2), |s| {
            s.contains(HELP) == want
        });
        if ok.is_none() {
            eprintln!("serve_keys: a key got no screen change within 5 s");
            break;
        }
        out.push(sent.elapsed());
        std::thread::sleep(Duration::from_millis(100));
    }
    out
}

fn report(what: &str, mut l: Vec<Duration>) {
    if l.is_empty() {
        println!("serve_keys: {what}: no samples");
        return;
    }
    l.sort();
    let pct = |p: f64| l[((l.len() - 1) as f64 * p) as usize];
    println!(
        "serve_keys: {what}: {} keys, key to screen p50 {:?} p90 {:?} p99 {:?} max {:?}",
        l.len(),
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(1.0)
    );
}

fn main() {
    let rate = env("SERVE_KEYS_RATE", 20_000);
    let secs = env("SERVE_KEYS_SECS", 30);
    let Some(t) = tmux::shell_sized("serve-keys", 120, 40) else {
        return;
    };
    let port = tmux::free_port();
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("rec.jsonl");
    let bin = env!("CARGO_BIN_EXE_trace-tui");
    let cmd = format!(
        "'{bin}' --serve 127.0.0.1:{port} --record '{}'; echo SERVE-EXIT-$?",
        record.display()
    );
    t.keys(&[&cmd, "Enter"]);
    t.wait_for("Runs 0");
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();

    report("idle", keys(&t, 30, None));

    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicU64::new(0));
    let t0 = Instant::now();
    let deadline = t0 + Duration::from_secs(secs);
    let per_thread = rate as f64 / PER_REQUEST as f64 / THREADS as f64;
    let workers: Vec<_> = (0..THREADS)
        .map(|th| {
            let (stop, acked) = (Arc::clone(&stop), Arc::clone(&acked));
            std::thread::spawn(move || {
                let mut i = 0u64;
                while Instant::now() < deadline && !stop.load(Ordering::Relaxed) {
                    let due = t0 + Duration::from_secs_f64(i as f64 / per_thread);
                    if let Some(w) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(w);
                    }
                    let body =
                        client::genai_request(th * 1_000_000 + i, PER_REQUEST).encode_to_vec();
                    let r = client::post(addr, "application/x-protobuf", &[], &body);
                    if r.status == 200 {
                        acked.fetch_add(PER_REQUEST as u64, Ordering::Relaxed);
                    }
                    i += 1;
                }
            })
        })
        .collect();
    // Let the load settle for a second, then key until the load ends.
    std::thread::sleep(Duration::from_secs(1));
    let loaded = keys(&t, usize::MAX, Some(deadline));
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    let spans = acked.load(Ordering::Relaxed);
    let el = t0.elapsed().as_secs_f64();
    println!(
        "serve_keys: load target {rate} spans/s for {secs} s; acknowledged {spans} spans = {:.0} spans/s",
        spans as f64 / el
    );
    report("under load", loaded);
    report("after the load", keys(&t, 20, None));
    t.keys(&["q"]);
    let _ = t.poll(Duration::from_secs(20), Duration::from_millis(50), |s| {
        s.contains("SERVE-EXIT-")
    });
}
