//! Lazy payloads: the model keeps only where each record is (file, offset, length, line);
//! the detail pane reads the bytes back on demand. Every node of a generated log, loaded on one
//! thread and on two, must read back exactly the bytes of its own line — with CRLF endings,
//! blank lines, multi-byte text and a last line without a newline in the mix.

use std::fs::File;
use std::path::Path;

use trace_formats::Format;
use trace_ingest::payload::read_record;
use trace_model::Trace;

/// A generated ATOF log with awkward line endings; returns its bytes.
fn awkward_log(path: &Path) -> Vec<u8> {
    let mut generated = Vec::new();
    trace_synth::generate(11, trace_synth::Target::Events(2_000), &mut generated).unwrap();
    let mut out = Vec::new();
    for (i, line) in generated
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        out.extend_from_slice(line);
        match i % 7 {
            0 => out.extend_from_slice(b"\r\n"),
            3 => out.extend_from_slice(b"\n\n  \n"),
            _ => out.push(b'\n'),
        }
    }
    // Multi-byte text in a record of its own, then a last line with no newline.
    out.extend_from_slice(
        "{\"kind\":\"mark\",\"uuid\":\"m-é\",\"timestamp\":1,\"name\":\"héllo → 世界\"}\n"
            .as_bytes(),
    );
    out.extend_from_slice(
        b"{\"kind\":\"mark\",\"uuid\":\"last\",\"timestamp\":2,\"name\":\"end\"}",
    );
    std::fs::write(path, &out).unwrap();
    out
}

/// Line number (1-based) → the line's bytes without its terminator (and without a CR).
fn lines_of(bytes: &[u8]) -> Vec<&[u8]> {
    bytes
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect()
}

fn check(trace: &Trace, path: &Path, bytes: &[u8]) -> usize {
    let lines = lines_of(bytes);
    let mut checked = 0;
    for id in trace.node_ids() {
        for src in [trace.start_src(id), trace.end_src(id)]
            .into_iter()
            .flatten()
        {
            let got = read_record(path, &src).unwrap();
            let want = lines[src.line as usize - 1];
            assert_eq!(
                got, want,
                "node {id} line {}: payload differs from the line",
                src.line
            );
            let at = src.offset as usize;
            assert_eq!(
                &bytes[at..at + src.len as usize],
                want,
                "offset of line {}",
                src.line
            );
            checked += 1;
        }
    }
    checked
}

#[test]
fn every_record_reads_back_as_exactly_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("awkward.jsonl");
    let bytes = awkward_log(&path);
    let records = lines_of(&bytes)
        .iter()
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .count();

    let (one, _) =
        trace_ingest::files::load(std::slice::from_ref(&path), None, &mut |_| {}).unwrap();
    assert_eq!(one.skipped, 0);
    // Each record is one event; each event's record is some node's start or end source.
    assert_eq!(one.events as usize, records);
    assert_eq!(check(&one, &path, &bytes), records);

    for chunk in [4_096, 65_536] {
        let mut two = Trace::new();
        two.add_file(path.display().to_string());
        let mut f = File::open(&path).unwrap();
        trace_ingest::parallel::load_file(&mut f, Format::Atof, 0, 2, chunk, &mut two, &mut |_| {})
            .unwrap();
        two.settle();
        assert_eq!(check(&two, &path, &bytes), records, "chunk {chunk}");
    }
}
