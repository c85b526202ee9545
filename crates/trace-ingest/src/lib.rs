//! Where records come from: files read whole or tailed, split into lines, sniffed, decoded.
//!
//! A [`Decoder`] turns the bytes of one input into events for a [`Sink`]: it splits lines
//! (holding a partial last line until its newline arrives), sniffs the dialect from the first
//! lines, and keeps line numbers and byte offsets so errors cite a line and payloads can be
//! re-read. Document dialects (greentic) are decoded whole.
//!
//! Owns every read of the outside world for the trace: whole files (one or two cores),
//! rotated sets, following (notify plus its own stat poll), stdin, payload re-reads. Opens logs
//! read-only. Must not touch the terminal or async runtimes, nor decide what a record means
//! (that is `trace-formats`).

mod chunks;
pub mod files;
pub mod follow;
pub mod parallel;
pub mod payload;
pub mod split;
pub mod staged;

use split::LineSplitter;
use trace_formats::{Format, Reader, sniff};
use trace_model::Trace;
use trace_model::event::{Event, SourceRef};

/// Receives decoded events and skipped records.
pub trait Sink {
    fn event(&mut self, ev: Event<'_>);
    fn skip(&mut self, file: u16, line: u64, message: String);
    /// A record kept despite an oddity (invalid UTF-8 replaced), worth a warning.
    fn warn(&mut self, file: u16, line: u64, message: String);
}

impl Sink for Trace {
    fn event(&mut self, ev: Event<'_>) {
        self.apply(&ev);
    }

    fn skip(&mut self, file: u16, line: u64, message: String) {
        Trace::skip(self, file, line, message);
    }

    fn warn(&mut self, file: u16, line: u64, message: String) {
        self.warn_at(file, line, message);
    }
}

/// Owned events and skips, to cross a channel.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    /// Files first seen in this batch, in file-index order (appended to the trace's table).
    pub files: Vec<String>,
    /// Dialects first detected in this batch.
    pub formats: Vec<Format>,
    pub events: Vec<Event<'static>>,
    pub skips: Vec<(u16, u64, String)>,
    pub warnings: Vec<(u16, u64, String)>,
    /// Files read so far that are now found under another name (a followed file renamed
    /// away by a rotation): (file index, its new name). Their records are read there.
    pub renamed: Vec<(u16, String)>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
            && self.formats.is_empty()
            && self.events.is_empty()
            && self.skips.is_empty()
            && self.warnings.is_empty()
            && self.renamed.is_empty()
    }

    /// Applies the batch to a trace.
    pub fn apply_to(self, trace: &mut Trace) {
        for f in self.files {
            trace.add_file(f);
        }
        for (f, name) in self.renamed {
            trace.rename_file(f, name);
        }
        for e in &self.events {
            trace.apply(e);
        }
        for (f, l, m) in self.skips {
            trace.skip(f, l, m);
        }
        for (f, l, m) in self.warnings {
            trace.warn_at(f, l, m);
        }
        trace.settle();
    }
}

impl Sink for Batch {
    fn event(&mut self, ev: Event<'_>) {
        self.events.push(ev.into_owned());
    }

    fn skip(&mut self, file: u16, line: u64, message: String) {
        self.skips.push((file, line, message));
    }

    fn warn(&mut self, file: u16, line: u64, message: String) {
        self.warnings.push((file, line, message));
    }
}

/// What the ingest side sends to the explorer.
#[derive(Debug, Clone)]
pub enum IngestMsg {
    /// New events and skipped records, in input order.
    Batch(Batch),
    /// The input was truncated or replaced: clear the trace; everything will be re-sent.
    Reset,
    /// A message for the status bar (e.g. "waiting for events.jsonl to appear").
    Status(String),
    /// Bytes indexed so far out of the total, while a file is loaded in the background.
    Progress { done: u64, total: u64 },
    /// The first records of a big input, decoded while the rest is indexed, so the screen shows
    /// runs at once. Its node ids are a prefix of the full trace's: the full load applies the
    /// same records first, in the same order.
    Preview(Box<Loaded>),
    /// A background load finished: the whole trace at once.
    Loaded(Box<Loaded>),
}

/// The result of a background load.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub trace: Trace,
    pub formats: Vec<Format>,
}

/// The default longest line, in bytes (`--max-line-bytes`).
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 << 20;
static MAX_LINE_BYTES: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(DEFAULT_MAX_LINE_BYTES);

/// The longest line any reader keeps; a longer one is skipped with a diagnostic.
pub fn max_line_bytes() -> usize {
    MAX_LINE_BYTES.load(std::sync::atomic::Ordering::Relaxed)
}

/// Sets the line limit for readers made from now on (the CLI's `--max-line-bytes`).
pub fn set_max_line_bytes(max: usize) {
    MAX_LINE_BYTES.store(max.max(1), std::sync::atomic::Ordering::Relaxed);
}

/// The warning for a record whose invalid UTF-8 was replaced.
pub const INVALID_UTF8: &str =
    "invalid UTF-8 or a lone UTF-16 surrogate escape replaced by U+FFFD; the record is kept";

/// A line that is not valid UTF-8, with each bad sequence replaced by U+FFFD, so one bad
/// byte in a name costs that byte, not the record (and its children their parent).
pub fn utf8_lossy(line: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    match utf8_text(line) {
        std::borrow::Cow::Borrowed(_) => std::borrow::Cow::Borrowed(line),
        std::borrow::Cow::Owned(s) => std::borrow::Cow::Owned(s.into_bytes()),
    }
}

/// A line as text: borrowed when it is valid UTF-8 (checked once, here; readers get it through
/// [`Reader::read_text`] and do not check again), else with each bad sequence replaced by
/// U+FFFD (`Owned`, worth an [`INVALID_UTF8`] warning).
pub fn utf8_text(line: &[u8]) -> std::borrow::Cow<'_, str> {
    // The common case first: `from_utf8` validates at several GB/s, the lossy decoder's
    // chunk iterator at a fraction of that (18% of a summary's profile).
    // A byte-order mark (a file's first line) is not part of the record.
    let line = trace_formats::strip_bom(line);
    match std::str::from_utf8(line) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => std::borrow::Cow::Owned(String::from_utf8_lossy(line).into_owned()),
    }
}

/// Reads `text`; a record refused for a lone surrogate escape is read again with the escape
/// as U+FFFD. JavaScript writers (Claude Code) escape half of a cut-off emoji as `\ud83d`
/// alone, which JSON parsers refuse: the record would be lost for one character. Tried only
/// after a failure, so a good record costs nothing more. `Ok(true)`: read with the fix.
pub(crate) fn read_lenient(
    reader: &mut (dyn Reader + Send),
    text: &str,
    src: SourceRef,
    out: &mut dyn FnMut(Event<'_>),
) -> Result<bool, trace_formats::ParseError> {
    match reader.read_text(text, src, out) {
        Ok(()) => Ok(false),
        Err(e) => match fix_lone_surrogates(text) {
            Some(fixed) => reader.read_text(&fixed, src, out).map(|()| true),
            None => Err(e),
        },
    }
}

/// `text` with every `\uXXXX` escape of an unpaired UTF-16 surrogate written `\ufffd`, or
/// `None` when it has none.
pub(crate) fn fix_lone_surrogates(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let surrogate = |at: usize| -> Option<u16> {
        let hex = std::str::from_utf8(b.get(at + 2..at + 6)?).ok()?;
        let v = u16::from_str_radix(hex, 16).ok()?;
        (b[at + 1] == b'u' && (0xD800..=0xDFFF).contains(&v)).then_some(v)
    };
    let mut fixed: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while let Some(k) = memchr::memchr(b'\\', &b[i..]) {
        let at = i + k;
        match b.get(at + 1) {
            Some(b'u') => {}
            Some(_) => {
                // Another escape (`\\` included): skip both characters.
                i = at + 2;
                continue;
            }
            None => break,
        }
        let Some(v) = surrogate(at) else {
            i = at + 2;
            continue;
        };
        let paired = (0xD800..0xDC00).contains(&v)
            && b.get(at + 6) == Some(&b'\\')
            && surrogate(at + 6).is_some_and(|w| w >= 0xDC00);
        if paired {
            i = at + 12;
            continue;
        }
        let out = fixed.get_or_insert_with(|| String::with_capacity(text.len()));
        out.push_str(&text[copied..at]);
        out.push_str("\\ufffd");
        copied = at + 6;
        i = at + 6;
    }
    let mut out = fixed?;
    out.push_str(&text[copied..]);
    Some(out)
}

/// How many bytes the sniffer looks at before giving up on a dialect.
const SNIFF_BYTES: usize = 64 * 1024;

/// Decodes one input stream (one file, or one rotated set of files sharing a reader).
pub struct Decoder {
    file: u16,
    name: Option<String>,
    format: Option<Format>,
    reader: Option<Box<dyn Reader + Send>>,
    splitter: LineSplitter,
    /// Lines held back until the dialect is known.
    pending: Vec<(Vec<u8>, SourceRef)>,
    pending_bytes: usize,
}

impl Decoder {
    /// A decoder for file index `file`; `format` forces a dialect, else it is sniffed.
    pub fn new(file: u16, name: Option<String>, format: Option<Format>) -> Self {
        Self {
            file,
            name,
            format,
            reader: format.map(Format::reader),
            splitter: LineSplitter::new(),
            pending: Vec::new(),
            pending_bytes: 0,
        }
    }

    /// The dialect, once known.
    pub fn format(&self) -> Option<Format> {
        self.format
    }

    pub fn file(&self) -> u16 {
        self.file
    }

    /// Continues after the first `offset` bytes (`lines` whole lines) of the input were decoded
    /// elsewhere (the parallel loader) as `format`.
    pub fn resume_at(&mut self, format: Format, offset: u64, lines: u64) {
        if self.reader.is_none() {
            self.format = Some(format);
            self.reader = Some(format.reader());
        }
        self.splitter = LineSplitter::resume(offset, lines);
    }

    /// Continues with a new file index (next part of a rotated set); line numbers restart.
    pub fn next_part(&mut self, file: u16) {
        self.file = file;
        self.splitter = LineSplitter::new();
    }

    /// Feeds bytes appended to a line-based input.
    pub fn feed(&mut self, bytes: &[u8], sink: &mut dyn Sink) {
        let file = self.file;
        let mut splitter = std::mem::take(&mut self.splitter);
        let max = crate::max_line_bytes();
        let long = std::cell::RefCell::new(Vec::new());
        splitter.push_checked(
            bytes,
            &mut |line, line_no, offset| {
                // An overlong line reported in this same push comes before this line.
                for (n, len) in long.borrow_mut().drain(..) {
                    sink.skip(file, n, split::too_long_message(len, max));
                }
                let src = SourceRef {
                    file,
                    line: line_no,
                    offset,
                    len: line.len() as u32,
                    item: 0,
                };
                self.record(line, src, sink);
            },
            &mut |n, _, len| long.borrow_mut().push((n, len)),
        );
        for (n, len) in long.into_inner() {
            sink.skip(file, n, split::too_long_message(len, max));
        }
        self.splitter = splitter;
    }

    /// The input went quiet while followed: the reader emits what it holds back for a line
    /// that may never come ([`Reader::quiet`]).
    ///
    /// A last line without its newline that is a whole JSON object or array (nothing can
    /// follow it on its line) is read now: a writer that ended without a newline loses no
    /// record while followed.
    pub fn quiet(&mut self, sink: &mut dyn Sink) {
        if let Some((line, line_no, offset)) = self.splitter.take_whole_rest(split::is_whole_record)
        {
            let src = SourceRef {
                file: self.file,
                line: line_no,
                offset,
                len: line.len() as u32,
                item: 0,
            };
            self.record(&line, src, sink);
        }
        if let Some(reader) = self.reader.as_mut() {
            reader.quiet(&mut |e: Event<'_>| sink.event(e));
        }
    }

    /// Ends the input: a last line without a newline is used, and undecided lines are flushed.
    pub fn finish(&mut self, sink: &mut dyn Sink) {
        let file = self.file;
        if let Some((n, _, len)) = self.splitter.take_overlong() {
            sink.skip(file, n, split::too_long_message(len, max_line_bytes()));
        }
        if let Some((line, line_no, offset)) = self.splitter.take_rest() {
            let src = SourceRef {
                file,
                line: line_no,
                offset,
                len: line.len() as u32,
                item: 0,
            };
            self.record(&line, src, sink);
        }
        self.decide(true, sink);
        if let Some(reader) = self.reader.as_mut() {
            reader.finish(&mut |e: Event<'_>| sink.event(e));
        }
    }

    /// Whether a line-based reader has bytes waiting for their newline.
    /// (See [`split::is_whole_record`] for when they are read without it.)
    pub fn has_partial(&self) -> bool {
        self.splitter.has_rest()
    }

    fn record(&mut self, line: &[u8], src: SourceRef, sink: &mut dyn Sink) {
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        if self.reader.is_none() {
            self.pending_bytes += line.len();
            self.pending.push((line.to_vec(), src));
            self.decide(false, sink);
            return;
        }
        self.decode(line, src, sink);
    }

    fn decide(&mut self, at_end: bool, sink: &mut dyn Sink) {
        if self.reader.is_some() || self.pending.is_empty() {
            return;
        }
        let mut head = Vec::new();
        for (l, _) in &self.pending {
            head.extend_from_slice(l);
            head.push(b'\n');
        }
        let guess = sniff(&head, self.name.as_deref());
        let enough = at_end || self.pending.len() >= 32 || self.pending_bytes >= SNIFF_BYTES;
        match guess {
            Some(f) => {
                self.format = Some(f);
                self.reader = Some(f.reader());
            }
            None if enough => {
                for (_, src) in std::mem::take(&mut self.pending) {
                    sink.skip(src.file, src.line, unrecognized());
                }
                self.pending_bytes = 0;
                return;
            }
            None => return,
        }
        for (line, src) in std::mem::take(&mut self.pending) {
            self.decode(&line, src, sink);
        }
        self.pending_bytes = 0;
    }

    fn decode(&mut self, line: &[u8], src: SourceRef, sink: &mut dyn Sink) {
        let Some(reader) = self.reader.as_mut() else {
            return;
        };
        let line = utf8_text(line);
        let mut emit = |e: Event<'_>| sink.event(e);
        let read = read_lenient(reader.as_mut(), &line, src, &mut emit);
        if matches!(line, std::borrow::Cow::Owned(_)) || matches!(read, Ok(true)) {
            sink.warn(src.file, src.line, INVALID_UTF8.into());
        }
        if let Err(e) = read {
            sink.skip(src.file, src.line, e.to_string());
        }
        if let Some(w) = reader.take_warning() {
            sink.warn(src.file, src.line, w);
        }
    }

    /// Decodes a whole document (greentic `trace.json`, an ATIF trajectory, a pretty-printed
    /// OTLP request) in this decoder's dialect; `mtime_us` dates it.
    pub fn document(&mut self, bytes: &[u8], mtime_us: Option<i64>, sink: &mut dyn Sink) {
        if self.format.is_none() {
            self.format = sniff(bytes, self.name.as_deref());
        }
        let Some(format) = self.format else {
            sink.skip(self.file, 1, unrecognized());
            return;
        };
        let bytes = trace_formats::strip_bom(bytes);
        let reader = self.reader.get_or_insert_with(|| format.reader());
        reader.set_document_time(mtime_us);
        let len = bytes.len().min(u32::MAX as usize) as u32;
        let src = SourceRef {
            file: self.file,
            line: 1,
            offset: 0,
            len,
            item: 0,
        };
        let mut emit = |e: Event<'_>| sink.event(e);
        if let Err(e) = reader.read(bytes, src, &mut emit) {
            sink.skip(self.file, 1, e.to_string());
        }
    }
}

/// The diagnostic for a record in no known dialect, naming what was tried.
fn unrecognized() -> String {
    let tried: Vec<&str> = Format::all().map(Format::as_str).collect();
    format!(
        "not in any known dialect (tried {}; use --format)",
        tried.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::fix_lone_surrogates as fix;

    #[test]
    fn lone_surrogate_escapes_become_replacement_characters() {
        assert_eq!(
            fix(r#"{"t":"ok \ud83d\ude00 \u00e9"}"#),
            None,
            "a pair is kept"
        );
        assert_eq!(fix(r#"{"t":"a\ud83d"}"#).unwrap(), r#"{"t":"a\ufffd"}"#);
        assert_eq!(fix(r#"{"t":"\uDE00b"}"#).unwrap(), r#"{"t":"\ufffdb"}"#);
        assert_eq!(
            fix(r#"{"t":"\ud83d\ud83d\ude00"}"#).unwrap(),
            r#"{"t":"\ufffd\ud83d\ude00"}"#
        );
        assert_eq!(
            fix(r#"{"t":"\\ud83d"}"#),
            None,
            "an escaped backslash, then text"
        );
        assert_eq!(fix(r#"{"t":"\\\ud83d"}"#).unwrap(), r#"{"t":"\\\ufffd"}"#);
        assert_eq!(fix(r"\ud83"), None);
        assert_eq!(fix("\\"), None);
    }
}
