//! ATOF versions (#16.5): a record whose `atof_version` major is not `0` gets one warning per
//! file naming the version, and is still read, on one thread, on the parallel loader, and in
//! `summary` (text on stderr, `--json` in `warnings`).

mod common;

use common::{bin, path};
use trace_model::Trace;

/// Hand-written: a `0.1` run start, then three `1.0` records (a tool and the run's end).
const FILE: &str = "tests/fixtures/relay/version-1.atof.jsonl";

fn version_warnings(t: &Trace) -> Vec<(u64, String)> {
    t.warnings()
        .iter()
        .filter(|d| d.message.contains("ATOF major version"))
        .map(|d| (d.line, d.message.clone()))
        .collect()
}

#[test]
fn unknown_major_warns_once_and_every_record_is_read() {
    let (t, _) = common::load(&[FILE]);
    assert_eq!((t.events, t.skipped), (4, 0), "all four records read");
    assert_eq!(t.node_ids().count(), 2);
    let w = version_warnings(&t);
    assert_eq!(w.len(), 1, "{:?}", t.warnings());
    assert_eq!(w[0].0, 2, "the line of the first 1.0 record");
    assert_eq!(
        w[0].1,
        "unknown ATOF major version \"1.0\" (this reader knows 0.x); read as 0.x"
    );
    let doc = trace_report::summary::summary_json(&t, &[trace_formats::Format::Atof]);
    assert_eq!(doc["totals"]["runs"], 1);
    assert_eq!(doc["totals"]["tool_calls"], 1);
    assert_eq!(doc["totals"]["by_status"]["ok"], 1);
}

#[test]
fn parallel_loader_warns_once_per_file() {
    // Chunks of ~one line: each chunk has its own reader, the file still gets one warning.
    let mut many = Trace::new();
    many.add_file("v");
    let mut f = std::fs::File::open(path(FILE)).unwrap();
    trace_ingest::parallel::load_file(
        &mut f,
        trace_formats::Format::Atof,
        0,
        2,
        200,
        &mut many,
        &mut |_| {},
    )
    .unwrap();
    many.settle();
    assert_eq!(many.events, 4);
    let w = version_warnings(&many);
    assert_eq!(w.len(), 1, "{:?}", many.warnings());
    assert_eq!(w[0].0, 2);
}

#[test]
fn summary_shows_the_warning_with_file_and_line() {
    let out = bin().args(["summary"]).arg(path(FILE)).output().unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("ATOF major")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].starts_with("warning ") && lines[0].contains("version-1.atof.jsonl:2: "),
        "{err}"
    );
    let out = bin()
        .args(["summary", "--json"])
        .arg(path(FILE))
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["warnings_count"], 1);
    assert_eq!(doc["warnings"][0]["line"], 2);
    assert!(
        doc["warnings"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with("version-1.atof.jsonl")
    );
    assert!(
        doc["warnings"][0]["error"]
            .as_str()
            .unwrap()
            .contains("\"1.0\"")
    );
    assert_eq!(doc["events"], 4);
}
