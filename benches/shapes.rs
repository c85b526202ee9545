//! `summary --json` on four log shapes, in one table: time next to `wc -l`, peak RSS (and
//! bytes per event), output size, and the explorer's peak RSS.
//!
//! ```text
//! cargo bench --bench shapes                         # 10 MB and 100 MB of each shape
//! SHAPES_1GB=1 cargo bench --bench shapes            # and 1 GB (one 1 GB file on disk at a time)
//! SHAPES_MB=200 SHAPES=relay,huge cargo bench --bench shapes   # pick sizes and shapes
//! SHAPES_KEEP=1 ...                                  # keep the generated files
//! ```
//!
//! Shapes: `relay` (the `trace-synth` NeMo Relay mix: ~640 B lines, 30% scopes), `scopes`
//! (every line a ~400 B scope, ~5.5 kB a run), `small` (many small runs, ~3.3 kB each) and
//! `huge` (one run, every scope its own name); the last three from `shapes/logs.rs`. Files go
//! to `target/bench-data/` and are deleted after their row unless `SHAPES_KEEP` is set. For
//! each: medians of 3 runs, file in the page cache, of `wc -l` and of the release binary's
//! `summary --json` under `/usr/bin/time -f %M` (peak RSS), with `TRACE_TUI_PHASES` for the
//! load / summary split; its counts are checked against the generator's (FAIL, exit 1). The
//! explorer RSS column is a child copy of this bench that loads the file, builds the app and
//! draws each view on a 160x45 `TestBackend` (one run). The last three columns are the real
//! explorer in a tmux pane (`shapes/screen.rs`, skipped without tmux): when its first frame,
//! its first run row and the end of indexing were on screen. MB is 10^6 bytes, RSS MiB.

#[path = "shapes/logs.rs"]
mod logs;
#[path = "shapes/screen.rs"]
mod screen;

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use trace_synth::{Target, generate};

use logs::Made;

const RUNS: usize = 3;
const CHILD_VAR: &str = "TRACE_SHAPES_TUI_CHILD";

struct Row {
    shape: &'static str,
    made: Made,
    wc: Duration,
    summary: Duration,
    load: f64,
    phase: f64,
    rss_kib: u64,
    out_bytes: u64,
    tui_kib: Option<u64>,
    screen: Option<screen::Screen>,
}

fn main() {
    if let Some(path) = std::env::var_os(CHILD_VAR) {
        tui_child(Path::new(&path));
        return;
    }
    if !std::env::args().any(|a| a == "--bench") {
        println!("shapes bench: skipped outside `cargo bench`");
        return;
    }
    let mut sizes: Vec<u64> = std::env::var("SHAPES_MB")
        .unwrap_or_else(|_| "10,100".into())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    if std::env::var_os("SHAPES_1GB").is_some() {
        sizes.push(1000);
    }
    let shapes: Vec<String> = std::env::var("SHAPES")
        .unwrap_or_else(|_| "relay,scopes,small,huge".into())
        .split(',')
        .map(|s| s.trim().to_owned())
        .collect();
    let mut ok = true;
    let mut rows = Vec::new();
    for &mb in &sizes {
        for shape in ["relay", "scopes", "small", "huge"] {
            if !shapes.iter().any(|s| s == shape) {
                continue;
            }
            // One file at a time is on disk (deleted after its row): it needs its size and a margin.
            if free_mb().is_some_and(|free| free < mb * 2 + 500) {
                println!("skipped {shape} {mb} MB: not enough free disk under target/");
                continue;
            }
            rows.push(measure(shape, mb, &mut ok));
        }
    }
    println!();
    println!(
        "| shape | file MB | events | runs | wc -l s | summary --json s | × wc -l | load s | summary phase s | peak RSS MiB | % of file | B/event | output MB | % of file | explorer RSS MiB | first frame ms | first run ms | indexed s |"
    );
    println!(
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for r in &rows {
        let file = r.made.bytes as f64;
        let rss = r.rss_kib as f64 * 1024.0;
        println!(
            "| {} | {:.0} | {} | {} | {:.3} | {:.3} | {:.1} | {:.3} | {:.3} | {:.0} | {:.1}% | {:.0} | {:.2} | {:.2}% | {} | {} | {} | {} |",
            r.shape,
            file / 1e6,
            r.made.lines,
            r.made.runs,
            r.wc.as_secs_f64(),
            r.summary.as_secs_f64(),
            r.summary.as_secs_f64() / r.wc.as_secs_f64(),
            r.load,
            r.phase,
            rss / 1_048_576.0,
            rss / file * 100.0,
            rss / r.made.lines as f64,
            r.out_bytes as f64 / 1e6,
            r.out_bytes as f64 / file * 100.0,
            r.tui_kib
                .map_or_else(|| "-".to_owned(), |k| format!("{:.0}", k as f64 / 1024.0)),
            r.screen.as_ref().map_or_else(
                || "-".to_owned(),
                |s| format!("{:.0}", s.first_frame.as_secs_f64() * 1e3)
            ),
            r.screen.as_ref().and_then(|s| s.first_run).map_or_else(
                || "-".to_owned(),
                |d| format!("{:.0}", d.as_secs_f64() * 1e3)
            ),
            r.screen
                .as_ref()
                .and_then(|s| s.indexed)
                .map_or_else(|| "-".to_owned(), |d| format!("{:.2}", d.as_secs_f64())),
        );
    }
    println!(
        "(medians of {RUNS}; load / summary phase from TRACE_TUI_PHASES; B/event = peak RSS / lines;\n the explorer in tmux 120x40, one run, from the spawn: first frame, first run row, indexing done)"
    );
    println!("\n{}", if ok { "PASS" } else { "FAIL" });
    if !ok {
        std::process::exit(1);
    }
}

fn measure(shape: &'static str, mb: u64, ok: &mut bool) -> Row {
    let (path, made) = make(shape, mb);
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
    let bin = env!("CARGO_BIN_EXE_trace-tui");
    let mut runs = Vec::new();
    for i in 0..RUNS {
        let t = Instant::now();
        let out = Command::new("/usr/bin/time")
            .args(["-f", "%M", bin, "summary", "--json"])
            .arg(&path)
            .env("TRACE_TUI_PHASES", "1")
            .output()
            .expect("run trace-tui under /usr/bin/time");
        let wall = t.elapsed();
        let err = String::from_utf8_lossy(&out.stderr);
        let phase = |p: &str| -> f64 {
            err.lines()
                .find_map(|l| l.strip_prefix(&format!("phase {p}: ")))
                .and_then(|l| l.split_whitespace().next()?.parse().ok())
                .unwrap_or(f64::NAN)
        };
        let rss: u64 = err
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(0);
        if i == 0 {
            *ok &= check(shape, &made, &out.stdout, out.status.success());
        }
        let (load, total) = (phase("load"), phase("summary"));
        runs.push((wall, load, total - load, rss, out.stdout.len() as u64));
    }
    runs.sort_by_key(|r| r.0);
    let (summary, load, phase, _, out_bytes) = runs[RUNS / 2];
    let rss_kib = runs.iter().map(|r| r.3).max().unwrap_or(0);
    let tui_kib = tui_run(&path);
    let screen = screen::first_screens(bin, &path, Duration::from_secs(120));
    if std::env::var_os("SHAPES_KEEP").is_none() {
        let _ = std::fs::remove_file(&path);
    }
    Row {
        shape,
        made,
        wc,
        summary,
        load,
        phase,
        rss_kib,
        out_bytes,
        tui_kib,
        screen,
    }
}

/// The summary's counts against the generator's.
fn check(shape: &str, made: &Made, stdout: &[u8], success: bool) -> bool {
    let v: Value = serde_json::from_slice(stdout).unwrap_or(Value::Null);
    let t = &v["totals"];
    let got = (
        v["events"].as_u64(),
        v["skipped_lines"].as_u64(),
        t["runs"].as_u64(),
        t["llm_calls"].as_u64(),
        t["tool_calls"].as_u64(),
    );
    let want = (
        Some(made.lines),
        Some(0),
        Some(made.runs),
        Some(made.llm_calls),
        Some(made.tool_calls),
    );
    if success && got == want {
        true
    } else {
        println!(
            "FAIL {shape}: (events, skipped, runs, llm, tools) {got:?}, generator wrote {want:?}"
        );
        false
    }
}

/// Writes the shape's file of about `mb` MB (reused when `SHAPES_KEEP` left it there).
fn make(shape: &str, mb: u64) -> (PathBuf, Made) {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
        PathBuf::from,
    );
    let dir = target.join("bench-data");
    std::fs::create_dir_all(&dir).expect("create target/bench-data");
    let path = dir.join(format!("shape-{shape}-{mb}MB.jsonl"));
    let bytes = mb * 1_000_000;
    let t = Instant::now();
    let out = BufWriter::with_capacity(1 << 20, File::create(&path).expect("create"));
    let made = match shape {
        "relay" => {
            let e = generate(42, Target::Bytes(bytes), out).expect("write");
            Made {
                bytes: e.bytes,
                lines: e.events,
                runs: e.runs,
                llm_calls: e.llm_calls,
                tool_calls: e.tool_calls,
            }
        }
        "scopes" => logs::scope_heavy(bytes, out).expect("write"),
        "small" => logs::many_small(bytes, out).expect("write"),
        _ => logs::one_huge(bytes, out).expect("write"),
    };
    println!(
        "generated {shape} {:.0} MB ({} lines, {} runs) in {:.1} s",
        made.bytes as f64 / 1e6,
        made.lines,
        made.runs,
        t.elapsed().as_secs_f64()
    );
    (path, made)
}

/// Free space under the target directory in MB, from `df -Pk`.
fn free_mb() -> Option<u64> {
    let out = Command::new("df")
        .arg("-Pk")
        .arg(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let kib: u64 = text
        .lines()
        .nth(1)?
        .split_whitespace()
        .nth(3)?
        .parse()
        .ok()?;
    Some(kib * 1024 / 1_000_000)
}

fn median(mut f: impl FnMut() -> Duration) -> Duration {
    let mut v: Vec<Duration> = (0..RUNS).map(|_| f()).collect();
    v.sort();
    v[RUNS / 2]
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
        for a in [Action::Down, Action::ExpandAll, Action::PageDown] {
            update(&mut app, a);
            term.draw(|f| trace_tui::ui::render(f, &app)).expect("draw");
        }
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(k) = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    {
        println!("peak_kib {k}");
    }
}
