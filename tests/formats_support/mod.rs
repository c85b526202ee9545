//! Helpers shared by the `formats_<dialect>` tests: load fixtures into a summary, follow a
//! file that is appended to line by line, draw the explorer views on a `TestBackend`.

#![allow(dead_code)]

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::Value;
use trace_formats::Format;
use trace_ingest::IngestMsg;
use trace_ingest::follow::{Target, spawn};
use trace_model::Trace;
use trace_report::summary::{summary_json, summary_json_detail};
use trace_tui::app::{Action, App, View, update};

pub fn path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Loads the files (sniffed, or in `forced`) and returns the trace and its JSON summary.
pub fn summary(files: &[&str], forced: Option<Format>) -> (Trace, Value) {
    let paths: Vec<PathBuf> = files.iter().map(|f| path(f)).collect();
    let (trace, formats) = trace_ingest::files::load(&paths, forced, &mut |_| {}).expect("load");
    let json = summary_json(&trace, &formats);
    (trace, json)
}

/// [`summary`] with the `--detail` document (each run's end, scope counters, critical path).
pub fn summary_detail(files: &[&str], forced: Option<Format>) -> (Trace, Value) {
    let paths: Vec<PathBuf> = files.iter().map(|f| path(f)).collect();
    let (trace, formats) = trace_ingest::files::load(&paths, forced, &mut |_| {}).expect("load");
    let json = summary_json_detail(&trace, &formats);
    (trace, json)
}

/// The figures count.py prints, from a summary: runs, calls, tools, errors, tokens by model.
pub fn figures(doc: &Value) -> Value {
    let t = &doc["totals"];
    let mut by_model = serde_json::Map::new();
    for (model, m) in t["by_model"].as_object().unwrap() {
        by_model.insert(
            model.clone(),
            serde_json::json!({
                "calls": m["calls"], "input": m["input"], "output": m["output"],
                "cache_read": m["cache_read"], "cache_write": m["cache_write"],
            }),
        );
    }
    serde_json::json!({
        "runs": t["runs"], "llm_calls": t["llm_calls"], "tool_calls": t["tool_calls"],
        "errors": t["errors"], "by_model": by_model,
        "tokens": {
            "input": t["tokens"]["input"], "output": t["tokens"]["output"],
            "cache_read": t["tokens"]["cache_read"], "cache_write": t["tokens"]["cache_write"],
        },
    })
}

/// The same figures from a trace built by following a file.
pub fn trace_figures(trace: &Trace, formats: &[Format]) -> Value {
    figures(&summary_json(trace, formats))
}

fn append(p: &Path, bytes: &[u8]) {
    let mut f = OpenOptions::new().append(true).open(p).unwrap();
    f.write_all(bytes).unwrap();
}

/// Follows an empty file, appends `fixture`'s lines to it one by one (each in two writes, so
/// the follower also sees half lines), and returns the trace once `done` holds.
pub fn follow_appended(fixture: &str, name: &str, done: impl Fn(&Trace) -> bool) -> Trace {
    let text = std::fs::read(path(fixture)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, b"").unwrap();
    let rx = spawn(vec![Target::File(p.clone())], None, 16);
    let mut trace = Trace::new();
    let drain = |trace: &mut Trace, wait: Duration| {
        while let Ok(msg) = rx.recv_timeout(wait) {
            match msg {
                IngestMsg::Batch(b) => b.apply_to(trace),
                IngestMsg::Reset => *trace = Trace::new(),
                _ => {}
            }
        }
    };
    for line in text.split_inclusive(|&b| b == b'\n') {
        let (a, b) = line.split_at(line.len() / 2);
        append(&p, a);
        append(&p, b);
        drain(&mut trace, Duration::from_millis(2));
    }
    let start = Instant::now();
    while !done(&trace) {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out following {fixture}; trace:\n{}",
            trace.dump()
        );
        drain(&mut trace, Duration::from_millis(50));
    }
    drain(&mut trace, Duration::from_millis(300));
    trace.settle();
    trace
}

/// The explorer, timeline and tokens views of `files` at 120x40, as text. The paths stay
/// relative (tests run in the package root): the detail pane prints the record's file.
pub fn screens(files: &[&str]) -> [String; 3] {
    let paths: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
    let draw = |view: Option<View>| {
        let (trace, formats) = trace_ingest::files::load(&paths, None, &mut |_| {}).unwrap();
        let mut app = App::new(trace, formats, files[0].rsplit('/').next().unwrap(), false);
        if let Some(v) = view {
            update(&mut app, Action::ShowView(v));
        }
        update(&mut app, Action::Resize(120, 40));
        let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
        term.draw(|f| trace_tui::ui::render(f, &app)).unwrap();
        let buf = term.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                out.push_str(buf[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    };
    [
        draw(None),
        draw(Some(View::Timeline)),
        draw(Some(View::Tokens)),
    ]
}

/// Every line of `file` that is JSON: no dialect's line rule but `own` may claim it.
pub fn only_claimed_by(file: &str, own: Format) {
    let text = std::fs::read_to_string(path(file)).unwrap();
    for (i, line) in text.lines().enumerate() {
        let Ok(Value::Object(o)) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        for d in trace_formats::DIALECTS {
            if d.format != own {
                assert_eq!(
                    (d.line)(&o),
                    trace_formats::Claim::No,
                    "{file}:{}: claimed by {}",
                    i + 1,
                    d.name
                );
            }
        }
    }
}
