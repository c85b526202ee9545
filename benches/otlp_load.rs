//! Load bench for the OTLP/HTTP receiver on loopback: `OTLP_LOAD_RATE` spans/s (default 20,000)
//! for `OTLP_LOAD_SECS` seconds (default 30) from 4 client threads, 200 spans a request, over
//! protobuf (every 4th request JSON, every 3rd gzip). Clients retry 429/503 after `Retry-After`,
//! as exporters do. Then: every acknowledged span must be in the recording exactly once, and
//! nothing else; figures printed: spans/s reached, answers by status, latency, peak RSS.
//! Run: `cargo bench --bench otlp_load` (bounded: it stops at the time limit whatever happens).

#[path = "../tests/otlp/client.rs"]
mod client;

use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, Instant};

use prost::Message;

const PER_REQUEST: usize = 200;
const THREADS: u64 = 4;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn main() {
    let rate = env("OTLP_LOAD_RATE", 20_000);
    let secs = env("OTLP_LOAD_SECS", 30);
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("load.jsonl");
    let mut handle = trace_otlp::serve(&trace_otlp::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        record: Some(record.clone()),
        ..trace_otlp::Config::default()
    })
    .unwrap();
    let addr = handle.addr();
    let lines = handle.take_lines().unwrap();
    let rss_before = peak_rss_kib();
    // The app side: drains the queue as the explorer would.
    let consumer = std::thread::spawn(move || {
        let mut spans = 0usize;
        while let Some(b) = lines.recv() {
            spans += b.spans;
        }
        spans
    });
    let stop_sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let stop = std::sync::Arc::clone(&stop_sampling);
        std::thread::spawn(move || {
            let mut peak = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(rss_kib());
                std::thread::sleep(Duration::from_millis(50));
            }
            peak
        })
    };
    let t0 = Instant::now();
    let deadline = t0 + Duration::from_secs(secs);
    let hard_stop = deadline + Duration::from_secs(30);
    let per_thread_reqs_per_sec = rate as f64 / PER_REQUEST as f64 / THREADS as f64;
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            std::thread::spawn(move || {
                let mut acked = Vec::new();
                let mut statuses: HashMap<u16, u64> = HashMap::new();
                let mut latencies = Vec::new();
                let mut i = 0u64;
                while Instant::now() < deadline {
                    let due = t0 + Duration::from_secs_f64(i as f64 / per_thread_reqs_per_sec);
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    let seed = t * 1_000_000 + i;
                    let req = client::genai_request(seed, PER_REQUEST);
                    let pb = req.encode_to_vec();
                    let (ctype, mut body) = if i % 4 == 3 {
                        let d =
                            trace_otlp::decode_body(&pb, trace_otlp::Encoding::Protobuf).unwrap();
                        ("application/json", d.line.unwrap().into_bytes())
                    } else {
                        ("application/x-protobuf", pb)
                    };
                    let gz = i % 3 == 2;
                    if gz {
                        body = gzip(&body);
                    }
                    let extra: &[(&str, &str)] = if gz {
                        &[("Content-Encoding", "gzip")]
                    } else {
                        &[]
                    };
                    loop {
                        let sent = Instant::now();
                        let r = client::post(addr, ctype, extra, &body);
                        latencies.push(sent.elapsed());
                        *statuses.entry(r.status).or_default() += 1;
                        if r.status == 200 {
                            acked.push(seed);
                            break;
                        }
                        if !matches!(r.status, 429 | 503) || Instant::now() > hard_stop {
                            break;
                        }
                        let wait = r
                            .header("retry-after")
                            .and_then(|s| s.parse().ok())
                            .unwrap_or(1);
                        std::thread::sleep(Duration::from_secs(wait));
                    }
                    i += 1;
                }
                (acked, statuses, latencies)
            })
        })
        .collect();
    let mut acked = Vec::new();
    let mut statuses: HashMap<u16, u64> = HashMap::new();
    let mut latencies = Vec::new();
    for w in workers {
        let (a, s, l) = w.join().unwrap();
        acked.extend(a);
        for (k, v) in s {
            *statuses.entry(k).or_default() += v;
        }
        latencies.extend(l);
    }
    let elapsed = t0.elapsed();
    stop_sampling.store(true, std::sync::atomic::Ordering::Relaxed);
    let load_peak = sampler.join().unwrap();
    handle.stop();
    let queued_spans = consumer.join().unwrap();
    // Verify the recording: every acknowledged span exactly once, nothing else.
    let text = std::fs::read_to_string(&record).unwrap();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for line in text.lines() {
        for id in client::span_ids(line) {
            *seen.entry(id).or_default() += 1;
        }
    }
    let mut want = 0usize;
    for seed in &acked {
        let req = client::genai_request(*seed, PER_REQUEST);
        for s in &req.resource_spans[0].scope_spans[0].spans {
            want += 1;
            let id = format!("{}/{}", hex(&s.trace_id), hex(&s.span_id));
            assert_eq!(
                seen.get(&id),
                Some(&1),
                "acknowledged span {id} recorded once"
            );
        }
    }
    assert_eq!(
        seen.len(),
        want,
        "no span recorded without an acknowledgement"
    );
    assert!(seen.values().all(|&n| n == 1));
    assert_eq!(queued_spans, want, "the app got every recorded span");
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize];
    let mut st: Vec<_> = statuses.into_iter().collect();
    st.sort_unstable();
    println!(
        "otlp_load: target {rate} spans/s for {secs} s; sent and acknowledged {want} spans in {} requests over {:.1} s = {:.0} spans/s",
        acked.len(),
        elapsed.as_secs_f64(),
        want as f64 / elapsed.as_secs_f64()
    );
    println!(
        "otlp_load: answers {st:?}; latency p50 {:?} p99 {:?} max {:?}",
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    println!(
        "otlp_load: recording {:.1} MB, every acknowledged span exactly once; RSS during the load (server + clients) peak {} MiB; peak with the verification {} MiB (before load {} MiB)",
        text.len() as f64 / 1e6,
        load_peak / 1024,
        peak_rss_kib() / 1024,
        rss_before / 1024
    );
}

fn hex(b: &[u8]) -> String {
    use std::fmt::Write as _;
    b.iter().fold(String::new(), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    })
}
