//! Whole-file load + summary throughput on a synthetic NeMo-Relay-shaped ATOF log.
//!
//! ```text
//! cargo bench --bench summary                          # 10 MB, 100 MB and 1 GB
//! TRACE_BENCH_MB=200 cargo bench --bench summary       # one size
//! TRACE_BENCH_PHASES=1 cargo bench --bench summary     # plus where the load time goes
//! ```
//!
//! The log comes from [`trace_synth`] and is cached under `target/bench-data/` with its
//! expected figures next to it. For each size, file in the page cache, medians of 3 runs:
//! `wc -l` (the byte-scan floor); the release binary `trace-tui summary --json` under
//! `/usr/bin/time -f %M` for wall time and peak RSS, its totals checked against the
//! generator's (a mismatch prints FAIL and exits 1); and the explorer's peak RSS, measured in a
//! child copy of this bench that loads the file, builds the app and draws every view on a
//! `TestBackend`. One table shows how time and memory grow with the file.
//!
//! MB here is 10^6 bytes; RSS is in MiB.

use std::fs::File;
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use trace_formats::Reader;
use trace_formats::atof::AtofReader;
use trace_ingest::split::LineSplitter;
use trace_ingest::{Decoder, Sink};
use trace_model::event::{Event, SourceRef};
use trace_synth::{Expected, GENERATOR_VERSION, Target, generate};

const SEED: u64 = 42;
const RUNS: usize = 3;
const CHUNK: usize = 1 << 20;

/// Set in a child copy of this bench: open the file as the explorer does and report peak RSS.
const CHILD_VAR: &str = "TRACE_BENCH_TUI_CHILD";

struct Row {
    mb: f64,
    events: u64,
    wc: Duration,
    summary: Option<Duration>,
    summary_rss: Option<u64>,
    tui_rss: Option<u64>,
}

fn main() {
    if let Some(path) = std::env::var_os(CHILD_VAR) {
        tui_child(Path::new(&path));
        return;
    }
    // `cargo test --all-targets` runs benches without `--bench`: stay quick there.
    if !std::env::args().any(|a| a == "--bench") {
        println!("summary bench: skipped outside `cargo bench`");
        return;
    }
    let sizes: Vec<u64> = std::env::var("TRACE_BENCH_MB")
        .unwrap_or_else(|_| "10,100,1000".into())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    let mut ok = true;
    let mut rows = Vec::new();
    for &mb in &sizes {
        let (path, exp) = bench_file(mb);
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
        let (summary, summary_rss) = binary_run(&path, &exp, &mut ok);
        let tui_rss = tui_run(&path);
        rows.push(Row {
            mb: exp.bytes as f64 / 1e6,
            events: exp.events,
            wc,
            summary,
            summary_rss,
            tui_rss,
        });
        if std::env::var_os("TRACE_BENCH_PHASES").is_some() {
            phases(&path, &exp);
        }
    }

    println!();
    println!(
        "| file MB | events | wc -l s | summary --json s | × wc -l | MB/s | summary peak RSS MiB | % of file | explorer peak RSS MiB | % of file |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let secs = |d: Option<Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64());
    let mib = |k: Option<u64>| k.map_or(f64::NAN, |k| k as f64 / 1024.0);
    for r in &rows {
        let share = |k: Option<u64>| mib(k) * 1024.0 * 1024.0 / (r.mb * 1e6) * 100.0;
        println!(
            "| {:.0} | {} | {:.3} | {:.3} | {:.1} | {:.0} | {:.0} | {:.1}% | {:.0} | {:.1}% |",
            r.mb,
            r.events,
            r.wc.as_secs_f64(),
            secs(r.summary),
            secs(r.summary) / r.wc.as_secs_f64(),
            r.mb / secs(r.summary),
            mib(r.summary_rss),
            share(r.summary_rss),
            mib(r.tui_rss),
            share(r.tui_rss),
        );
    }
    println!(
        "(medians of {RUNS} runs, file in the page cache; `summary --json` is the release binary's \
         wall time and peak RSS from /usr/bin/time; the explorer column opens the file as the TUI \
         does, builds its views and draws each at 160x45 on a TestBackend)"
    );
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

/// Runs this bench again as a child that opens `path` as the explorer would; its peak RSS.
fn tui_run(path: &Path) -> Option<u64> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new(exe).env(CHILD_VAR, path).output().ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("peak_kib "))
        .and_then(|v| v.trim().parse().ok())
}

/// The explorer's work on `path` without a terminal: load, build the app, draw every view.
fn tui_child(path: &Path) {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use trace_tui::app::{Action, App, View, update};
    let (trace, formats) =
        trace_ingest::files::load(&[path.to_path_buf()], None, &mut |_| {}).expect("load");
    let mut app = App::new(trace, formats, "bench", false);
    let mut term = Terminal::new(TestBackend::new(160, 45)).expect("terminal");
    update(&mut app, Action::Resize(160, 45));
    for view in [View::Explorer, View::Timeline, View::Tokens, View::Explorer] {
        update(&mut app, Action::ShowView(view));
        for a in [
            Action::Down,
            Action::Down,
            Action::ExpandAll,
            Action::PageDown,
        ] {
            update(&mut app, a);
            term.draw(|f| trace_tui::ui::render(f, &app)).expect("draw");
        }
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
    if let Some(k) = peak {
        println!("peak_kib {k}");
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

    fn warn(&mut self, _file: u16, _line: u64, _message: String) {}
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
fn phases(path: &Path, exp: &Expected) {
    let full = median(|| {
        let t = Instant::now();
        let (trace, formats) =
            trace_ingest::files::load(&[path.to_path_buf()], None, &mut |_| {}).expect("load");
        std::hint::black_box(trace_report::summary::summary_json(&trace, &formats));
        t.elapsed()
    });
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
        let mut reader = AtofReader::default();
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
        let mut reader = AtofReader::default();
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
        trace_ingest::files::load(&[path.to_path_buf()], None, &mut |_| {}).expect("load");
    let summary = median(|| {
        let t = Instant::now();
        std::hint::black_box(trace_report::summary::summary_json(&trace, &formats));
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
