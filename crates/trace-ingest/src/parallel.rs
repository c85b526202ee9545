//! Two-core loading for line dialects whose records are independent (ATOF): the file is cut at
//! newlines into chunks, workers parse chunks into compact records whose strings live in one
//! arena per chunk (no allocation per event), and the caller applies chunks in file order, so
//! the model sees exactly the sequence a single-threaded read would produce.

use std::fs::File;
use std::ops::Range;

use super::Sink;
use trace_formats::Format;
#[cfg(test)]
use trace_model::Trace;
use trace_model::event::{Category, Event, EventKind, Failure, SourceRef, Tokens};

/// Bytes per chunk: big enough to amortize hand-offs, small enough to stream progress.
pub const CHUNK_BYTES: usize = 256 << 10;
/// Files smaller than this are read on one thread.
pub const MIN_PARALLEL_BYTES: u64 = 16 << 20;

type Span = Range<u32>;

struct Rec {
    kind: EventKind,
    id: Span,
    parent: Option<Span>,
    name: Span,
    ts_us: Option<i64>,
    category: Option<Category>,
    model: Option<Span>,
    model_is_fallback: bool,
    tool_call_id: Option<Span>,
    tokens: Option<Tokens>,
    reported_cost_nusd: Option<u64>,
    /// The failure text, and whether it is an incomplete ending rather than an error.
    failure: Option<(Span, bool)>,
    duration_us: Option<i64>,
    container: bool,
    settles: Option<bool>,
    grouping: bool,
    /// Line number within the chunk (1-based) and byte range in the file.
    line: u64,
    offset: u64,
    len: u32,
}

/// One parsed chunk.
#[derive(Default)]
struct Parsed {
    arena: String,
    recs: Vec<Rec>,
    skips: Vec<(u64, String)>,
    /// (line, message): invalid UTF-8 replaced, or the reader's own warnings.
    warnings: Vec<(u64, String)>,
    lines: u64,
    bytes: u64,
}

impl Parsed {
    fn keep(&mut self, s: &str) -> Span {
        let start = self.arena.len() as u32;
        self.arena.push_str(s);
        start..self.arena.len() as u32
    }

    fn get(&self, s: &Span) -> &str {
        &self.arena[s.start as usize..s.end as usize]
    }

    fn push(&mut self, ev: &Event<'_>, line: u64) {
        let rec = Rec {
            kind: ev.kind,
            id: self.keep(&ev.id),
            parent: ev.parent.as_deref().map(|p| self.keep(p)),
            name: self.keep(&ev.name),
            ts_us: ev.ts_us,
            category: ev.category.clone(),
            model: ev.model.as_deref().map(|m| self.keep(m)),
            model_is_fallback: ev.model_is_fallback,
            tool_call_id: ev.tool_call_id.as_deref().map(|t| self.keep(t)),
            tokens: ev.tokens,
            reported_cost_nusd: ev.reported_cost_nusd,
            failure: match &ev.failure {
                Failure::None => None,
                Failure::Error(t) => Some((self.keep(t), false)),
                Failure::Incomplete(t) => Some((self.keep(t), true)),
            },
            duration_us: ev.duration_us,
            container: ev.container,
            settles: ev.settles,
            grouping: ev.grouping,
            line,
            offset: ev.src.offset,
            len: ev.src.len,
        };
        self.recs.push(rec);
    }

    /// Hands the chunk's events to `sink`; `line_base` is the number of lines before it.
    /// `warned` holds the reader warnings already given for this file: each chunk has its
    /// own reader, but a warning is said once per file.
    fn apply(&self, sink: &mut dyn Sink, file: u16, line_base: u64, warned: &mut Vec<String>) {
        use std::borrow::Cow::Borrowed;
        for r in &self.recs {
            let mut ev = Event::new(
                r.kind,
                Borrowed(self.get(&r.id)),
                Borrowed(self.get(&r.name)),
            );
            ev.parent = r.parent.as_ref().map(|p| Borrowed(self.get(p)));
            ev.ts_us = r.ts_us;
            ev.category.clone_from(&r.category);
            ev.model = r.model.as_ref().map(|m| Borrowed(self.get(m)));
            ev.model_is_fallback = r.model_is_fallback;
            ev.tool_call_id = r.tool_call_id.as_ref().map(|t| Borrowed(self.get(t)));
            ev.tokens = r.tokens;
            ev.reported_cost_nusd = r.reported_cost_nusd;
            ev.failure = r.failure.as_ref().map_or(Failure::None, |(f, incomplete)| {
                let t = Borrowed(self.get(f));
                if *incomplete {
                    Failure::Incomplete(t)
                } else {
                    Failure::Error(t)
                }
            });
            ev.duration_us = r.duration_us;
            ev.container = r.container;
            ev.settles = r.settles;
            ev.grouping = r.grouping;
            ev.src = SourceRef {
                file,
                line: line_base + r.line,
                offset: r.offset,
                len: r.len,
                item: 0,
            };
            sink.event(ev);
        }
        for (line, msg) in &self.skips {
            sink.skip(file, line_base + line, msg.clone());
        }
        for (line, msg) in &self.warnings {
            if msg != crate::INVALID_UTF8 {
                if warned.contains(msg) {
                    continue;
                }
                warned.push(msg.clone());
            }
            sink.warn(file, line_base + line, msg.clone());
        }
    }
}

impl crate::chunks::Chunk for Parsed {
    fn lines(&self) -> u64 {
        self.lines
    }

    fn bytes(&self) -> u64 {
        self.bytes
    }
}

/// Parses one chunk of whole lines starting at file offset `base` into `out` (cleared first).
fn parse_chunk(
    format: Format,
    bytes: &[u8],
    base: u64,
    lead: Option<(u64, u64)>,
    out: &mut Parsed,
) {
    use crate::chunks::Line;
    let mut reader = format.reader();
    let max = crate::max_line_bytes();
    out.arena.clear();
    out.recs.clear();
    out.skips.clear();
    out.warnings.clear();
    out.bytes = bytes.len() as u64 + lead.map_or(0, |(_, used)| used);
    out.lines = crate::chunks::each_line(bytes, base, lead, &mut |line_no, line| match line {
        Line::TooLong(len) => out
            .skips
            .push((line_no, crate::split::too_long_message(len, max))),
        Line::Text { text, offset, len } => {
            let src = SourceRef {
                file: 0,
                line: line_no,
                offset,
                len,
                item: 0,
            };
            let read =
                crate::read_lenient(reader.as_mut(), &text, src, &mut |e| out.push(&e, line_no));
            if matches!(text, std::borrow::Cow::Owned(_)) || matches!(read, Ok(true)) {
                out.warnings.push((line_no, crate::INVALID_UTF8.into()));
            }
            if let Err(e) = read {
                out.skips.push((line_no, e.to_string()));
            }
            if let Some(w) = reader.take_warning() {
                out.warnings.push((line_no, w));
            }
        }
    });
}

/// Reads `file` (already positioned at 0) on `workers` threads and hands its events to `sink`
/// in file order. Returns the number of lines read.
pub fn load_file(
    file: &mut File,
    format: Format,
    file_idx: u16,
    workers: usize,
    chunk_bytes: usize,
    sink: &mut dyn Sink,
    progress: &mut dyn FnMut(u64),
) -> std::io::Result<u64> {
    load(
        file,
        u64::MAX,
        format,
        file_idx,
        workers,
        chunk_bytes,
        sink,
        progress,
    )
}

/// [`load_file`] for the first `limit` bytes only.
#[allow(clippy::too_many_arguments)]
pub fn load(
    file: &mut File,
    limit: u64,
    format: Format,
    file_idx: u16,
    workers: usize,
    chunk_bytes: usize,
    sink: &mut dyn Sink,
    progress: &mut dyn FnMut(u64),
) -> std::io::Result<u64> {
    // Each chunk has its own reader, but a reader's warning is said once per file.
    let mut warned = Vec::new();
    crate::chunks::run(
        file,
        limit,
        workers,
        chunk_bytes,
        &|bytes, base, lead, out: &mut Parsed| parse_chunk(format, bytes, base, lead, out),
        &mut |p: &Parsed, line_base| p.apply(sink, file_idx, line_base, &mut warned),
        progress,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Decoder;

    /// The parallel path must give exactly what one thread gives: tree, counts, and the line
    /// numbers of bad lines, whatever the chunking.
    #[test]
    fn same_trace_as_one_thread_for_any_chunking() {
        let mut bytes = Vec::new();
        trace_synth::generate(7, trace_synth::Target::Events(3_000), &mut bytes).unwrap();
        // Odd lines to check numbering: garbage, blank, CRLF, and a last line without newline.
        let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
        lines.insert(10, b"not json".to_vec());
        lines.insert(500, Vec::new());
        lines[700].push(b'\r');
        lines.insert(1_200, b"[1]".to_vec());
        let mut text = lines.join(&b'\n');
        while text.last() == Some(&b'\n') {
            text.pop();
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.jsonl");
        std::fs::write(&path, &text).unwrap();

        let mut one = Trace::new();
        one.add_file("p");
        let mut d = Decoder::new(0, None, Some(Format::Atof));
        d.feed(&text, &mut one);
        d.finish(&mut one);
        one.settle();
        assert_eq!(one.skipped, 2);

        for chunk in [997, 4_096, 65_536, 1 << 22] {
            let mut many = Trace::new();
            many.add_file("p");
            let mut f = File::open(&path).unwrap();
            let mut seen = 0u64;
            load_file(&mut f, Format::Atof, 0, 2, chunk, &mut many, &mut |n| {
                seen += n;
            })
            .unwrap();
            many.settle();
            assert_eq!(
                seen,
                text.len() as u64,
                "chunk {chunk}: progress covers the file"
            );
            assert_eq!(
                (many.events, many.skipped),
                (one.events, one.skipped),
                "chunk {chunk}"
            );
            assert_eq!(many.diagnostics(), one.diagnostics(), "chunk {chunk}");
            assert_eq!(many.dump(), one.dump(), "chunk {chunk}");
            let src = |t: &Trace| t.node_ids().map(|i| t.any_src(i)).collect::<Vec<_>>();
            assert_eq!(
                src(&many),
                src(&one),
                "chunk {chunk}: line numbers and offsets"
            );
        }
    }
}
