//! Two-core loading for line dialects whose records are independent (ATOF): the file is cut at
//! newlines into chunks, workers parse chunks into compact records whose strings live in one
//! arena per chunk (no allocation per event), and the caller applies chunks in file order, so
//! the model sees exactly the sequence a single-threaded read would produce.

use std::fs::File;

use super::Sink;
use trace_formats::Format;
#[cfg(test)]
use trace_model::Trace;
use trace_model::event::{Category, Event, EventKind, Failure, PreKeys, SourceRef, Tokens};

/// Bytes per chunk: big enough to amortize hand-offs, small enough to stream progress.
pub const CHUNK_BYTES: usize = 256 << 10;
/// Files smaller than this are read on one thread.
pub const MIN_PARALLEL_BYTES: u64 = 16 << 20;

/// A string of the chunk's arena: start and end; [`Span::NONE`] for none.
#[derive(Clone, Copy)]
struct Span(u32, u32);

impl Span {
    const NONE: Self = Self(u32::MAX, 0);
}

/// One event of a chunk, compact: the applying thread reads every one after another core
/// wrote it, so its size is traffic between the cores (280 bytes with the event's own
/// `Option`s and without the keys, 144 here with them; the rare parts are out of line).
struct Rec {
    ts_us: i64,
    /// Byte offset in the file, and line number within the chunk (1-based).
    offset: u64,
    line: u64,
    /// The ids as keys, worked out here on the parse thread.
    keys: PreKeys,
    id: Span,
    name: Span,
    parent: Span,
    model: Span,
    tool_call_id: Span,
    /// Known categories are copied, not allocated.
    category: Option<Category>,
    len: u32,
    /// Index into [`Parsed::tokens`] or [`Parsed::rare`], `u32::MAX` for none.
    tokens: u32,
    rare: u32,
    kind: EventKind,
    flags: u8,
}

const _: () = assert!(std::mem::size_of::<Rec>() == 144);

/// [`Rec::flags`].
const HAS_TS: u8 = 1;
const MODEL_IS_FALLBACK: u8 = 1 << 1;
const CONTAINER: u8 = 1 << 2;
const GROUPING: u8 = 1 << 3;

/// What few events have.
struct Rare {
    reported_cost_nusd: Option<u64>,
    /// The failure text, and whether it is an incomplete ending rather than an error.
    failure: Option<(Span, bool)>,
    duration_us: Option<i64>,
    settles: Option<bool>,
}

/// One parsed chunk.
#[derive(Default)]
struct Parsed {
    arena: String,
    recs: Vec<Rec>,
    tokens: Vec<Tokens>,
    rare: Vec<Rare>,
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
        Span(start, self.arena.len() as u32)
    }

    fn keep_opt(&mut self, s: Option<&str>) -> Span {
        s.map_or(Span::NONE, |s| self.keep(s))
    }

    fn get(&self, s: Span) -> &str {
        &self.arena[s.0 as usize..s.1 as usize]
    }

    fn get_opt(&self, s: Span) -> Option<&str> {
        (s.0 != u32::MAX).then(|| self.get(s))
    }

    fn push(&mut self, ev: &Event<'_>, line: u64) {
        let index = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let tokens = ev.tokens.map_or(u32::MAX, |t| {
            self.tokens.push(t);
            index(self.tokens.len() - 1)
        });
        let rare = if ev.reported_cost_nusd.is_some()
            || !matches!(ev.failure, Failure::None)
            || ev.duration_us.is_some()
            || ev.settles.is_some()
        {
            let failure = match &ev.failure {
                Failure::None => None,
                Failure::Error(t) => Some((self.keep(t), false)),
                Failure::Incomplete(t) => Some((self.keep(t), true)),
            };
            self.rare.push(Rare {
                reported_cost_nusd: ev.reported_cost_nusd,
                failure,
                duration_us: ev.duration_us,
                settles: ev.settles,
            });
            index(self.rare.len() - 1)
        } else {
            u32::MAX
        };
        let flag = |on: bool, f: u8| if on { f } else { 0 };
        let rec = Rec {
            ts_us: ev.ts_us.unwrap_or(0),
            offset: ev.src.offset,
            line,
            keys: PreKeys::of(&ev.id, ev.parent.as_deref()),
            id: self.keep(&ev.id),
            name: self.keep(&ev.name),
            parent: self.keep_opt(ev.parent.as_deref()),
            model: self.keep_opt(ev.model.as_deref()),
            tool_call_id: self.keep_opt(ev.tool_call_id.as_deref()),
            category: ev.category.clone(),
            len: ev.src.len,
            tokens,
            rare,
            kind: ev.kind,
            flags: flag(ev.ts_us.is_some(), HAS_TS)
                | flag(ev.model_is_fallback, MODEL_IS_FALLBACK)
                | flag(ev.container, CONTAINER)
                | flag(ev.grouping, GROUPING),
        };
        self.recs.push(rec);
    }

    /// Hands the chunk's events to `sink`; `line_base` is the number of lines before it.
    /// `warned` holds the reader warnings already given for this file: each chunk has its
    /// own reader, but a warning is said once per file.
    fn apply(&self, sink: &mut dyn Sink, file: u16, line_base: u64, warned: &mut Vec<String>) {
        use std::borrow::Cow::Borrowed;
        for r in &self.recs {
            let mut ev = Event::new(r.kind, Borrowed(self.get(r.id)), Borrowed(self.get(r.name)));
            ev.parent = self.get_opt(r.parent).map(Borrowed);
            ev.ts_us = (r.flags & HAS_TS != 0).then_some(r.ts_us);
            ev.model = self.get_opt(r.model).map(Borrowed);
            ev.model_is_fallback = r.flags & MODEL_IS_FALLBACK != 0;
            ev.tool_call_id = self.get_opt(r.tool_call_id).map(Borrowed);
            ev.tokens = self.tokens.get(r.tokens as usize).copied();
            ev.category.clone_from(&r.category);
            if let Some(rare) = self.rare.get(r.rare as usize) {
                ev.reported_cost_nusd = rare.reported_cost_nusd;
                ev.failure = rare.failure.map_or(Failure::None, |(f, incomplete)| {
                    let t = Borrowed(self.get(f));
                    if incomplete {
                        Failure::Incomplete(t)
                    } else {
                        Failure::Error(t)
                    }
                });
                ev.duration_us = rare.duration_us;
                ev.settles = rare.settles;
            }
            ev.container = r.flags & CONTAINER != 0;
            ev.grouping = r.flags & GROUPING != 0;
            ev.src = SourceRef {
                file,
                line: line_base + r.line,
                offset: r.offset,
                len: r.len,
                item: 0,
            };
            ev.keys = r.keys;
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
    out.tokens.clear();
    out.rare.clear();
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
