//! Findings of the fuzz targets in `fuzz/`, replayed through the same harness that found them
//! (`fuzz/harness.rs`, included below), plus a smoke run of both targets over the bundled
//! samples so the harness cannot rot while nobody runs `cargo fuzz`.
//!
//! An open bug goes in as `#[ignore = "open bug: …"]` naming the fix; drop the `ignore` once it
//! lands.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::Path;

fn samples() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in [
        "assets/atof",
        "assets/harn",
        "assets/greentic",
        "tests/fixtures",
    ] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        // One level of per-dialect folders (`tests/fixtures/otlp/`): their data files only.
        let nested: Vec<_> = files
            .iter()
            .filter(|p| p.is_dir())
            .flat_map(|d| std::fs::read_dir(d).unwrap().map(|e| e.unwrap().path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json" || x == "jsonl"))
            .collect();
        files.retain(|p| p.is_file());
        files.extend(nested);
        // The harness decodes each sample in every dialect and runs every query on it: data
        // files only, and the small ones (the big real transcripts take minutes in debug).
        files.retain(|p| {
            p.extension().is_some_and(|x| x == "jsonl" || x == "json")
                && std::fs::metadata(p).is_ok_and(|m| m.len() <= 32 * 1024)
        });
        files.sort();
        for f in files {
            out.push((f.display().to_string(), std::fs::read(&f).unwrap()));
        }
    }
    assert!(out.len() >= 8, "samples missing: {}", out.len());
    out
}

#[test]
fn both_targets_accept_the_samples() {
    for (name, bytes) in samples() {
        eprintln!("{name}");
        harness::lines(&bytes);
        // Any bytes are an event stream to the accumulator target; a sample is as good as any.
        harness::accumulator(&bytes);
    }
    for hostile in [
        &b""[..],
        b"\n\r\n\r",
        b"\xff\xfe\x00{\"kind\":",
        b"{\"kind\":\"scope\",\"atof_version\":\"0.1\",\"uuid\":\"a\",\"parent_uuid\":\"a\",\"timestamp\":-9223372036854775808,\"scope_category\":\"end\"}",
    ] {
        harness::lines(hostile);
        harness::accumulator(hostile);
    }
}

/// `accumulator`, minimized (3 events): a mark at 9.09 s under `e`, a start of `a` under `e`
/// without a time (sorts last), then the end of `a` at −12.18 s, which moves `a` first. `e`'s
/// children stayed [mark, a] after `settle`: `Trace::apply` read the node's time after the
/// event had set it, so the change went unseen (fixed in 3baee92; the event-level case is
/// `a_late_time_moves_a_scope_among_its_siblings` in `tests/hostile.rs`).
#[test]
fn sibling_order_after_a_late_time_fuzz_case() {
    const CASE: [u8; 24] = [
        194, 1, 14, 131, 35, 111, 204, 14, 92, 54, 54, 255, 105, 208, 54, 54, 9, 0, 231, 105, 208,
        208, 54, 54,
    ];
    harness::accumulator(&CASE);
}
