//! Two-core loading for line dialects whose readers keep state between lines (Claude Code,
//! Codex, harn): workers do the stateless half of each line ([`Staged::pre`]: JSON parsing,
//! UTF-8, timestamps), and the calling thread steps the parsed lines through ONE reader in
//! file order ([`Staged::step`]), then calls its `finish` as the one-thread [`crate::Decoder`]
//! does. Diagnostics come per line in the decoder's order, with the same line numbers.

use std::fs::File;

use super::Sink;
use crate::chunks::{Chunk, Line};
use trace_formats::{ParseError, Staged};
use trace_model::event::{Event, SourceRef};

/// Bytes per chunk. Smaller than [`crate::parallel::CHUNK_BYTES`]: a chunk's parsed lines
/// (JSON values) live until the chunk is applied, and 256 KiB of them no longer fit in the
/// caches (measured on a 50 MB Claude file: 0.42 s of CPU at 256 KiB, 0.29 s at 64 KiB,
/// 0.28 s on one thread).
pub const CHUNK_BYTES: usize = 64 << 10;

/// One line of a chunk, parsed (or not).
enum Item<P> {
    /// Over the limit: its length.
    TooLong { line: u64, len: u64 },
    Parsed {
        /// Number within the chunk (1-based), offset in the file and length.
        line: u64,
        offset: u64,
        len: u32,
        /// Bad UTF-8 was replaced.
        replaced: bool,
        pre: Result<P, ParseError>,
    },
}

/// One chunk's lines, parsed.
struct Pres<P> {
    items: Vec<Item<P>>,
    lines: u64,
    bytes: u64,
}

impl<P> Default for Pres<P> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            lines: 0,
            bytes: 0,
        }
    }
}

impl<P: Send> Chunk for Pres<P> {
    fn lines(&self) -> u64 {
        self.lines
    }

    fn bytes(&self) -> u64 {
        self.bytes
    }
}

/// The workers' half: parses a chunk's lines into `out` (cleared first, on this thread).
fn parse<R: Staged>(bytes: &[u8], base: u64, lead: Option<(u64, u64)>, out: &mut Pres<R::Pre>) {
    out.items.clear();
    out.bytes = bytes.len() as u64 + lead.map_or(0, |(_, used)| used);
    let items = &mut out.items;
    out.lines = crate::chunks::each_line(bytes, base, lead, &mut |line, l| match l {
        Line::TooLong(len) => items.push(Item::TooLong { line, len }),
        Line::Text { text, offset, len } => {
            let mut replaced = matches!(text, std::borrow::Cow::Owned(_));
            // As `read_lenient`: a record refused for a lone surrogate escape, read again.
            let pre = R::pre(&text).or_else(|e| match crate::fix_lone_surrogates(&text) {
                Some(fixed) => {
                    let pre = R::pre(&fixed);
                    replaced |= pre.is_ok();
                    pre
                }
                None => Err(e),
            });
            items.push(Item::Parsed {
                line,
                offset,
                len,
                replaced,
                pre,
            });
        }
    });
}

/// The applying half: steps a chunk's lines through `reader`; `line_base` lines came before.
fn apply<R: Staged>(
    reader: &mut R,
    chunk: &Pres<R::Pre>,
    line_base: u64,
    file: u16,
    sink: &mut dyn Sink,
) {
    let max = crate::max_line_bytes();
    for item in &chunk.items {
        match item {
            Item::TooLong { line, len } => {
                sink.skip(
                    file,
                    line_base + line,
                    crate::split::too_long_message(*len, max),
                );
            }
            Item::Parsed {
                line,
                offset,
                len,
                replaced,
                pre,
            } => {
                let line = line_base + line;
                if *replaced {
                    sink.warn(file, line, crate::INVALID_UTF8.into());
                }
                let src = SourceRef {
                    file,
                    line,
                    offset: *offset,
                    len: *len,
                    item: 0,
                };
                let stepped = match pre {
                    Ok(p) => reader.step(p, src, &mut |e: Event<'_>| sink.event(e)),
                    Err(e) => Err(e.clone()),
                };
                if let Err(e) = stepped {
                    sink.skip(file, line, e.to_string());
                }
                if let Some(w) = reader.take_warning() {
                    sink.warn(file, line, w);
                }
            }
        }
    }
}

/// [`load_file`] for one dialect.
pub type Load =
    fn(&mut File, u16, usize, usize, &mut dyn Sink, &mut dyn FnMut(u64)) -> std::io::Result<u64>;

/// Reads `file` (positioned at 0) in dialect `R` on `workers` threads plus this one, and hands
/// its events to `sink` in file order, ending with the reader's `finish`. Returns the number
/// of lines read.
pub fn load_file<R: Staged + Default>(
    file: &mut File,
    file_idx: u16,
    workers: usize,
    chunk_bytes: usize,
    sink: &mut dyn Sink,
    progress: &mut dyn FnMut(u64),
) -> std::io::Result<u64> {
    let mut reader = R::default();
    let lines = crate::chunks::run(
        file,
        u64::MAX,
        workers,
        chunk_bytes,
        &parse::<R>,
        &mut |chunk: &Pres<R::Pre>, line_base| apply(&mut reader, chunk, line_base, file_idx, sink),
        progress,
    )?;
    reader.finish(&mut |e: Event<'_>| sink.event(e));
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Decoder;
    use trace_formats::Format;
    use trace_formats::claude::ClaudeReader;
    use trace_formats::codex::CodexReader;
    use trace_formats::harn::HarnReader;
    use trace_model::Trace;

    fn fixture(path: &str) -> String {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../");
        std::fs::read_to_string(format!("{root}{path}")).unwrap()
    }

    /// Real fixtures replicated with fresh ids to `bytes`, as `benches/dialects.rs` makes them.
    fn replicated(paths: &[&str], keys: &[&str], bytes: u64) -> Vec<u8> {
        let template: String = paths.iter().map(|p| fixture(p) + "\n").collect();
        let mut out = Vec::new();
        trace_synth::replicate::replicate(&template, keys, bytes, &mut out).unwrap();
        out
    }

    /// `text` with odd lines for numbering: garbage, invalid UTF-8, blank, CRLF, `[1]`, and
    /// no final newline. Returns it and the line (1-based) of the invalid UTF-8.
    fn with_odd_lines(text: &[u8]) -> (Vec<u8>, u64) {
        let mut lines: Vec<Vec<u8>> = text.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
        assert!(lines.len() > 60, "{} lines", lines.len());
        lines.insert(3, b"not json".to_vec());
        lines.insert(20, b"\xff not json either".to_vec());
        lines.insert(30, Vec::new());
        lines[40].push(b'\r');
        lines.insert(50, b"[1]".to_vec());
        let mut text = lines.join(&b'\n');
        while text.last() == Some(&b'\n') {
            text.pop();
        }
        (text, 21)
    }

    fn one_thread(text: &[u8], format: Format) -> Trace {
        let mut t = Trace::new();
        t.add_file("p");
        let mut d = Decoder::new(0, None, Some(format));
        d.feed(text, &mut t);
        d.finish(&mut t);
        t.settle();
        t
    }

    /// The staged path must give exactly what one thread gives: tree, counts, diagnostics with
    /// their line numbers, and every node's place in the file, whatever the chunking.
    fn same_as_one_thread<R: Staged + Default>(format: Format, plain: &[u8]) {
        let (text, bad_utf8_line) = with_odd_lines(plain);
        let base = one_thread(plain, format);
        let one = one_thread(&text, format);
        assert!(one.events > 100, "{format}: {} events", one.events);
        // Exactly the three lines added that are not records.
        assert_eq!(one.skipped, base.skipped + 3, "{format}");
        let utf8: Vec<u64> = one
            .warnings()
            .iter()
            .filter(|w| w.message == crate::INVALID_UTF8)
            .map(|w| w.line)
            .collect();
        assert_eq!(utf8, [bad_utf8_line], "{format}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.jsonl");
        std::fs::write(&path, &text).unwrap();
        for chunk in [997, 4_096, 65_536] {
            let mut many = Trace::new();
            many.add_file("p");
            let mut f = File::open(&path).unwrap();
            let mut seen = 0u64;
            let lines = load_file::<R>(&mut f, 0, 2, chunk, &mut many, &mut |n| seen += n).unwrap();
            many.settle();
            let at = format!("{format}, chunk {chunk}");
            assert_eq!(seen, text.len() as u64, "{at}: progress covers the file");
            let newlines = memchr::memchr_iter(b'\n', &text).count() as u64;
            assert_eq!(lines, newlines + 1, "{at}: lines");
            assert_eq!(
                (many.events, many.skipped),
                (one.events, one.skipped),
                "{at}"
            );
            assert_eq!(many.diagnostics(), one.diagnostics(), "{at}");
            assert_eq!(many.warnings(), one.warnings(), "{at}");
            assert_eq!(many.dump(), one.dump(), "{at}");
            let src = |t: &Trace| t.node_ids().map(|i| t.any_src(i)).collect::<Vec<_>>();
            assert_eq!(src(&many), src(&one), "{at}: line numbers and offsets");
        }
    }

    #[test]
    fn claude_same_as_one_thread_for_any_chunking() {
        let keys = [
            "uuid",
            "parentUuid",
            "sessionId",
            "id",
            "tool_use_id",
            "requestId",
            "promptId",
        ];
        let files = [
            "tests/fixtures/claude/258c7280-trimmed.jsonl",
            "tests/fixtures/claude/kvsankar-session-01.jsonl",
            "tests/fixtures/claude/spotter-subagent.jsonl",
            "tests/fixtures/claude/agent-a7be2f0.jsonl",
        ];
        let plain = replicated(&files, &keys, 1_000_000);
        same_as_one_thread::<ClaudeReader>(Format::Claude, &plain);
    }

    #[test]
    fn codex_same_as_one_thread_for_any_chunking() {
        let keys = ["id", "call_id", "turn_id"];
        let files = [
            "tests/fixtures/codex/kvsankar-session-01.jsonl",
            "tests/fixtures/codex/rollout-2026-05-11T11-26-55-019e1625-789d-76c0-80ab-3724b5ddb799.jsonl",
        ];
        let plain = replicated(&files, &keys, 300_000);
        same_as_one_thread::<CodexReader>(Format::Codex, &plain);
    }

    /// Envelopes, topic records and LLM transcript records in one file.
    #[test]
    fn harn_same_as_one_thread_for_any_chunking() {
        let keys = ["session_id", "execution_id", "tool_call_id", "call_id"];
        let files = [
            "assets/harn/event_log-01979f2a-5a10-7c2e-9f41-0b7d3e6a8c55.jsonl",
            "tests/fixtures/harn-endings/event_log-0197c0de-0000-7000-8000-00000000000b.jsonl",
            "tests/fixtures/harn-transcript/jsonl/event_log-0196a1c4-7e10-7b3a-9c2e-5d4f3a2b1c0d.jsonl",
            "tests/fixtures/harn-transcript/jsonl/llm_transcript.jsonl",
            "tests/fixtures/harn-transcript/topics/agent.transcript.llm.jsonl",
            "tests/fixtures/harn-transcript/topics/observability.agent_events.0196a1c4-7e10-7b3a-9c2e-5d4f3a2b1c0d.jsonl",
        ];
        let plain = replicated(&files, &keys, 200_000);
        same_as_one_thread::<HarnReader>(Format::Harn, &plain);
    }
}
