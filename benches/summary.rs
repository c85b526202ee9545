//! Whole-file load + summary throughput on a synthetic NeMo-Relay-shaped ATOF log.
//!
//! ```text
//! cargo bench --bench summary                      # 200 MB
//! TRACE_BENCH_MB=1000 cargo bench --bench summary  # 1 GB
//! ```
//!
//! The log comes from [`trace_tui::synth`] and is cached under `target/bench-data/` with its
//! expected figures next to it. Measured, median of 3 runs each, file in the page cache:
//! `wc -l` (the byte-scan floor), the library path (`ingest::files::load` +
//! `summary::summary_json`) in process, and the release binary `trace-tui summary --json` under
//! `/usr/bin/time -f %M` for peak RSS. Both summaries are checked against the generator's
//! totals; a mismatch prints FAIL and exits 1. A phase breakdown (read, split, parse, model)
//! shows where the load time goes.
//!
//! MB here is 10^6 bytes; RSS is in MiB.

use std::fs::File;
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use trace_tui::event::{Event, SourceRef};
use trace_tui::formats::Reader;
use trace_tui::formats::atof::AtofReader;
use trace_tui::ingest::split::LineSplitter;
use trace_tui::ingest::{Decoder, Sink};
use trace_tui::synth::{Expected, GENERATOR_VERSION, Target, generate};

const SEED: u64 = 42;
const RUNS: usize = 3;
const CHUNK: usize = 1 << 20;

fn main() {
    // `cargo test --all-targets` runs benches without `--bench`: stay quick there.
    if !std::env::args().any(|a| a == "--bench") {
        println!("summary bench: skipped outside `cargo bench`");
        return;
    }
    let mb: u64 = std::env::var("TRACE_BENCH_MB")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(200);
    let (path, exp) = bench_file(mb);
    let bytes = exp.bytes as f64;
    let mut ok = true;

    let wc_out = Command::new("wc")
        .arg("-l")
        .arg(&path)
        .output()
        .expect("run wc -l");
    let wc_lines: u64 = String::from_utf8_lossy(&wc_out.stdout)
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    if wc_lines != exp.events {
        println!(
            "FAIL wc -l counted {wc_lines} lines, generator wrote {}",
            exp.events
        );
        ok = false;
    }
    let wc = median(|| {
        let t = Instant::now();
        let st = Command::new("wc")
            .arg("-l")
            .arg(&path)
            .stdout(Stdio::null())
            .status()
            .expect("run wc -l");
        assert!(st.success());
        t.elapsed()
    });

    let mut summary = Value::Null;
    let lib = median(|| {
        let t = Instant::now();
        let (trace, formats) =
            trace_tui::ingest::files::load(std::slice::from_ref(&path), None, &mut |_| {})
                .expect("load");
        summary = trace_tui::summary::summary_json(&trace, &formats);
        let d = t.elapsed();
        drop(trace);
        d
    });
    ok &= report_check("library load + summary_json", &exp, &summary);

    let (bin_wall, rss_kib) = binary_run(&path, &exp, &mut ok);

    let secs = lib.as_secs_f64();
    println!();
    println!(
        "| size MB | events | wc -l s | trace-tui s | ratio | MB/s | events/s | binary s | peak RSS MiB | RSS % of file |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let rss_mib = rss_kib.map(|k| k as f64 / 1024.0);
    println!(
        "| {:.1} | {} | {:.3} | {:.3} | {:.1}× | {:.0} | {:.2} M | {} | {} | {} |",
        bytes / 1e6,
        exp.events,
        wc.as_secs_f64(),
        secs,
        secs / wc.as_secs_f64(),
        bytes / 1e6 / secs,
        exp.events as f64 / secs / 1e6,
        bin_wall.map_or_else(|| "-".into(), |d| format!("{:.3}", d.as_secs_f64())),
        rss_mib.map_or_else(|| "-".into(), |m| format!("{m:.0}")),
        rss_mib.map_or_else(
            || "-".into(),
            |m| format!("{:.0}%", m * 1024.0 * 1024.0 / bytes * 100.0)
        ),
    );
    println!(
        "({} runs, {} LLM calls, {} tool calls; medians of {RUNS}; `trace-tui s` is the in-process library path, \
         `binary s` the release binary's wall time)",
        exp.runs, exp.llm_calls, exp.tool_calls
    );

    phases(&path, &exp, lib);

    println!(
        "\n{}",
        if ok {
            "PASS: summaries match the generator's totals"
        } else {
            "FAIL"
        }
    );
    if !ok {
        std::process::exit(1);
    }
}

/// The cached data file for `mb` MB and its expected figures, generated when missing or stale.
fn bench_file(mb: u64) -> (PathBuf, Expected) {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
        PathBuf::from,
    );
    let dir = target.join("bench-data");
    std::fs::create_dir_all(&dir).expect("create target/bench-data");
    let stem = format!("atof-{mb}MB-seed{SEED}-v{GENERATOR_VERSION}");
    let path = dir.join(format!("{stem}.jsonl"));
    let side = dir.join(format!("{stem}.expected.json"));
    let cached: Option<Expected> = std::fs::read(&side)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .filter(|e: &Expected| std::fs::metadata(&path).is_ok_and(|m| m.len() == e.bytes));
    if let Some(e) = cached {
        println!("reusing {}", path.display());
        return (path, e);
    }
    println!("generating {} ...", path.display());
    let t = Instant::now();
    let tmp = dir.join(format!("{stem}.jsonl.tmp"));
    let f = File::create(&tmp).expect("create bench file");
    let e = generate(
        SEED,
        Target::Bytes(mb * 1_000_000),
        BufWriter::with_capacity(CHUNK, f),
    )
    .expect("write bench file");
    std::fs::rename(&tmp, &path).expect("rename bench file");
    std::fs::write(&side, serde_json::to_vec_pretty(&e).expect("serialize"))
        .expect("write expected figures");
    println!(
        "generated {:.1} MB in {:.2} s",
        e.bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    (path, e)
}

/// Median wall time of `RUNS` calls.
fn median(mut f: impl FnMut() -> Duration) -> Duration {
    let mut v: Vec<Duration> = (0..RUNS).map(|_| f()).collect();
    v.sort();
    v[RUNS / 2]
}

fn report_check(what: &str, exp: &Expected, summary: &Value) -> bool {
    let bad = exp.check_summary(summary);
    if bad.is_empty() {
        println!(
            "PASS {what}: totals match (runs {}, llm {}, tools {}, tokens in {} out {})",
            exp.runs, exp.llm_calls, exp.tool_calls, exp.tokens.input, exp.tokens.output
        );
        true
    } else {
        println!("FAIL {what}:");
        for b in bad.iter().take(20) {
            println!("  {b}");
        }
        false
    }
}

/// Runs the release binary `RUNS` times: median wall time and the largest peak RSS in KiB.
fn binary_run(path: &Path, exp: &Expected, ok: &mut bool) -> (Option<Duration>, Option<u64>) {
    let bin = env!("CARGO_BIN_EXE_trace-tui");
    let gnu_time = Path::new("/usr/bin/time").exists();
    let mut walls = Vec::new();
    let mut rss = None;
    for i in 0..RUNS {
        let mut cmd = if gnu_time {
            let mut c = Command::new("/usr/bin/time");
            c.args(["-f", "%M", bin]);
            c
        } else {
            Command::new(bin)
        };
        cmd.arg("summary").arg("--json").arg(path);
        let t = Instant::now();
        let out = cmd.output().expect("run trace-tui");
        walls.push(t.elapsed());
        if !out.status.success() {
            println!(
                "FAIL trace-tui exited with {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            *ok = false;
            return (None, None);
        }
        if gnu_time {
            let kib = String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .and_then(|l| l.trim().parse::<u64>().ok());
            rss = rss.max(kib);
        }
        if i == 0 {
            let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
            *ok &= report_check("trace-tui summary --json (release binary)", exp, &v);
        }
    }
    walls.sort();
    (Some(walls[RUNS / 2]), rss)
}

/// Counts what a decoder emits, keeping nothing.
#[derive(Default)]
struct Count {
    events: u64,
    skipped: u64,
}

impl Sink for Count {
    fn event(&mut self, _ev: Event<'_>) {
        self.events += 1;
    }

    fn skip(&mut self, _file: u16, _line: u64, _message: String) {
        self.skipped += 1;
    }
}

/// Reads the file in 1 MiB chunks (as `ingest::files` does), handing each chunk to `f`.
fn chunks(path: &Path, mut f: impl FnMut(&[u8])) {
    let mut file = File::open(path).expect("open");
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = file.read(&mut buf).expect("read");
        if n == 0 {
            break;
        }
        f(&buf[..n]);
    }
}

/// Cumulative stages of the load path, each a median of `RUNS`; differences show each cost.
fn phases(path: &Path, exp: &Expected, full: Duration) {
    let read = median(|| {
        let t = Instant::now();
        let mut n = 0usize;
        chunks(path, |c| n += c.len());
        assert_eq!(n as u64, exp.bytes);
        t.elapsed()
    });
    let split = median(|| {
        let t = Instant::now();
        let mut s = LineSplitter::new();
        let mut lines = 0u64;
        chunks(path, |c| s.push(c, &mut |_, _, _| lines += 1));
        assert_eq!(lines, exp.events);
        t.elapsed()
    });
    let decode = median(|| {
        let t = Instant::now();
        let mut d = Decoder::new(0, Some(path.display().to_string()), None);
        let mut sink = Count::default();
        chunks(path, |c| d.feed(c, &mut sink));
        d.finish(&mut sink);
        assert_eq!((sink.events, sink.skipped), (exp.events, 0));
        t.elapsed()
    });
    // The reader alone on borrowed lines of a file already in memory: no read, no per-line copy.
    let all = std::fs::read(path).expect("read file");
    let parse = median(|| {
        let t = Instant::now();
        let mut events = 0u64;
        let mut reader = AtofReader;
        for line in all.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            reader
                .read(line, SourceRef::default(), &mut |_| events += 1)
                .expect("parse");
        }
        assert_eq!(events, exp.events);
        t.elapsed()
    });
    // The same, but about 1 MiB of lines at a time is first copied into a `Vec` of `Vec`s, as
    // `Decoder::feed` does; the difference to the row above is the cost of those copies.
    let parse_batch = median(|| {
        let t = Instant::now();
        let mut events = 0u64;
        let mut reader = AtofReader;
        let mut lines = all
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .peekable();
        while lines.peek().is_some() {
            let mut batch: Vec<Vec<u8>> = Vec::new();
            let mut size = 0;
            while size < CHUNK {
                let Some(l) = lines.next() else { break };
                size += l.len() + 1;
                batch.push(l.to_vec());
            }
            for owned in batch {
                reader
                    .read(&owned, SourceRef::default(), &mut |_| events += 1)
                    .expect("parse");
            }
        }
        assert_eq!(events, exp.events);
        t.elapsed()
    });
    drop(all);
    let (trace, formats) =
        trace_tui::ingest::files::load(&[path.to_path_buf()], None, &mut |_| {}).expect("load");
    let summary = median(|| {
        let t = Instant::now();
        std::hint::black_box(trace_tui::summary::summary_json(&trace, &formats));
        t.elapsed()
    });
    drop(trace);
    let s = |d: Duration| d.as_secs_f64();
    let pct = |d: f64| d / s(full) * 100.0;
    println!("\nphases (cumulative stages; cost = difference to the stage above):");
    println!("| stage | s | cost s | % of load+summary |");
    println!("| --- | ---: | ---: | ---: |");
    let rows = [
        ("read 1 MiB chunks", s(read), s(read)),
        (
            "+ LineSplitter (Vec per line)",
            s(split),
            s(split) - s(read),
        ),
        (
            "+ Decoder: AtofReader::read, events dropped",
            s(decode),
            s(decode) - s(split),
        ),
        (
            "+ Trace::apply (= files::load)",
            s(full) - s(summary),
            s(full) - s(summary) - s(decode),
        ),
        ("+ summary_json", s(full), s(summary)),
    ];
    for (name, total, cost) in rows {
        println!("| {name} | {total:.3} | {cost:.3} | {:.0}% |", pct(cost));
    }
    println!(
        "| (AtofReader::read alone, borrowed lines of the file in memory) | {:.3} | | {:.0}% |",
        s(parse),
        pct(s(parse))
    );
    println!(
        "| (same, ~1 MiB of lines copied into Vecs first, as Decoder::feed does) | {:.3} | | {:.0}% |",
        s(parse_batch),
        pct(s(parse_batch))
    );
}
