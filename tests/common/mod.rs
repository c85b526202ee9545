//! Helpers shared by the integration tests, included with `mod common;`: the bundled inputs,
//! loading them into a `Trace`, looking nodes and runs up, the binary, a trace's fingerprint,
//! and an `App` driven by actions and drawn on a `TestBackend`.
//!
//! Every test file is its own crate and uses only some of these, hence `allow(dead_code)`.
//! `fuzz/harness.rs` keeps its own copy of [`fingerprint`]: it is also built by the fuzz crate,
//! which cannot see this directory.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use serde_json::Value;
use trace_formats::Format;
use trace_model::{Diagnostic, NodeId, Trace};
use trace_tui::app::{Action, App, update};

/// The bundled samples and fixtures, relative to the package root.
pub const ATOF: &str = "assets/atof/agent-session.jsonl";
pub const HARN_A: &str = "assets/harn/event_log-01979f2a-5a10-7c2e-9f41-0b7d3e6a8c55.jsonl";
pub const HARN_B: &str = "assets/harn/event_log-01979f2b-1c00-7d00-8a00-3e3e3e3e3e3e.jsonl";
pub const GREENTIC: &str = "assets/greentic/trace.json";
pub const ATOF_ODD: &str = "tests/fixtures/atof-odd.jsonl";
pub const ANALYSIS: &str = "tests/fixtures/analysis.jsonl";
pub const DIFF_A: &str = "tests/fixtures/diff-a.jsonl";
pub const DIFF_B: &str = "tests/fixtures/diff-b.jsonl";

/// A path below the package root.
pub fn path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Loads files (relative to the package root) through the public load path.
pub fn load(files: &[&str]) -> (Trace, Vec<Format>) {
    let paths: Vec<PathBuf> = files.iter().map(|f| path(f)).collect();
    trace_ingest::files::load(&paths, None, &mut |_| {}).expect("load")
}

/// The trace of [`load`].
pub fn trace(files: &[&str]) -> Trace {
    load(files).0
}

/// The node with external id `ext`.
pub fn id(t: &Trace, ext: &str) -> NodeId {
    t.lookup(ext).unwrap_or_else(|| panic!("no {ext}"))
}

/// The run called `name` in a summary JSON document.
pub fn run<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no run {name}"))
}

/// The `trace-tui` binary, run from the package root.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_trace-tui"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// One ATOF scope line (`sc` is `start` or `end`), named after its id.
pub fn scope(uuid: &str, parent: Option<&str>, ts: i64, sc: &str) -> String {
    let parent = parent.map_or("null".to_owned(), |p| format!("\"{p}\""));
    format!(
        r#"{{"kind":"scope","atof_version":"0.1","uuid":"{uuid}","parent_uuid":{parent},"timestamp":{ts},"name":"{uuid}","scope_category":"{sc}","attributes":[],"category":"function"}}"#
    )
}

/// Everything about a trace that must not depend on how its bytes arrived.
pub type Fingerprint = (String, u64, u64, Vec<Diagnostic>, u64, Vec<Diagnostic>);

pub fn fingerprint(t: &Trace) -> Fingerprint {
    (
        t.dump(),
        t.events,
        t.skipped,
        t.diagnostics().to_vec(),
        t.warnings_count,
        t.warnings().to_vec(),
    )
}

/// An explorer over one file; `path` is used as given (relative to the package root when the
/// tests run), and the title is its file name.
pub fn open(path: &str) -> App {
    let (trace, formats) =
        trace_ingest::files::load(&[PathBuf::from(path)], None, &mut |_| {}).unwrap();
    App::new(trace, formats, path.rsplit('/').next().unwrap(), false)
}

/// Applies actions in order.
pub fn keys(app: &mut App, actions: impl IntoIterator<Item = Action>) {
    for a in actions {
        update(app, a);
    }
}

/// Draws the screen on a `w`×`h` `TestBackend` as it is (no resize).
pub fn render(app: &App, w: u16, h: u16) -> Buffer {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| trace_tui::ui::render(f, app)).unwrap();
    term.backend().buffer().clone()
}

/// Resizes the app to `w`×`h`, then draws it.
pub fn draw(app: &mut App, w: u16, h: u16) -> Buffer {
    update(app, Action::Resize(w, h));
    render(app, w, h)
}

/// The symbols of a buffer, one line per row.
pub fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// The row on screen whose text contains `needle`.
pub fn row_of(buf: &Buffer, needle: &str) -> u16 {
    (0..buf.area.height)
        .find(|&y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                .contains(needle)
        })
        .unwrap_or_else(|| panic!("{needle:?} not on screen"))
}

/// The column where `needle` starts in row `y`.
pub fn col_of(buf: &Buffer, y: u16, needle: &str) -> u16 {
    let line: Vec<&str> = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
    let first = needle.chars().next().unwrap().to_string();
    (0..buf.area.width)
        .find(|&x| line[x as usize..].concat().starts_with(needle) && line[x as usize] == first)
        .unwrap()
}
