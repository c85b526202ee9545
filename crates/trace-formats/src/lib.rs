//! Dialect readers: sniff the format of an input, then turn records into normalized events.
//!
//! Each reader implements [`Reader`]: it is fed one complete line (or, for document formats,
//! the whole document) and calls back with zero or more [`Event`]s. Readers keep only the
//! parsing state a dialect needs (harn's open iteration per session); they never do IO.
//!
//! Owns what a record means: one module per dialect with its reader and its sniff rules,
//! the registry of dialects ([`DIALECTS`]), and token normalization (`usage`). Must not touch
//! files, sockets, the clock, threads or the terminal: bytes in, events out (ingest does IO).

pub mod atif;
pub mod atof;
pub mod claude;
pub mod codex;
mod dialect;
pub mod greentic;
pub mod harn;
mod obj;
pub mod otlp;
mod scalar;
pub mod sniff;
pub mod time;
pub mod usage;

pub use dialect::{Claim, DIALECTS, Dialect};
pub use sniff::{is_document, sniff, strip_bom};

use std::fmt;

use trace_model::event::{Event, SourceRef};

/// The dialects trace-tui reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// ATOF 0.1 JSONL (NeMo Flow / NeMo Relay), including pre-0.1 drafts.
    Atof,
    /// harn `event_log-*.jsonl` persisted agent events.
    Harn,
    /// greentic runner `trace.json` (one pretty-printed document).
    Greentic,
    /// ATIF trajectory (Harbor / NeMo Agent Toolkit), one JSON document.
    Atif,
    /// OTLP/JSON traces (OpenTelemetry file exporter, Collector `file` exporter).
    Otlp,
    /// Claude Code session transcripts (`~/.claude/projects/**.jsonl`).
    Claude,
    /// OpenAI Codex CLI rollouts (`~/.codex/sessions/**/rollout-*.jsonl`).
    Codex,
}

impl Format {
    /// Every dialect, in registry order (the order `--format` lists them).
    pub fn all() -> impl Iterator<Item = Format> {
        DIALECTS.iter().map(|d| d.format)
    }

    /// The dialect named `name` (as `--format` spells it).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::all().find(|f| f.as_str() == name)
    }

    /// This dialect's registry entry.
    pub fn dialect(self) -> &'static Dialect {
        DIALECTS
            .iter()
            .find(|d| d.format == self)
            .expect("every Format is registered")
    }

    pub fn as_str(self) -> &'static str {
        self.dialect().name
    }

    /// Whether records are lines (true) or the whole input is one document.
    pub fn is_line_based(self) -> bool {
        self.dialect().line_based
    }

    /// A fresh reader for this dialect.
    pub fn reader(self) -> Box<dyn Reader + Send> {
        (self.dialect().reader)()
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a record could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("not JSON: {0}")]
    Json(String),
    #[error("not a JSON object")]
    NotObject,
    #[error("not {format}: {reason}")]
    Shape {
        format: &'static str,
        reason: String,
    },
    #[error("invalid UTF-8")]
    Utf8,
}

impl ParseError {
    pub(crate) fn shape(format: Format, reason: impl Into<String>) -> Self {
        Self::Shape {
            format: format.as_str(),
            reason: reason.into(),
        }
    }

    /// Classifies a serde_json error on a record that was meant to be an object.
    pub(crate) fn from_json(e: &serde_json::Error, format: Format, bytes: &[u8]) -> Self {
        use serde_json::error::Category as C;
        match e.classify() {
            C::Syntax | C::Eof => Self::Json(e.to_string()),
            C::Io => Self::Json(e.to_string()),
            C::Data => {
                let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
                if first == Some(&b'{') {
                    Self::shape(format, strip_position(&e.to_string()))
                } else {
                    Self::NotObject
                }
            }
        }
    }
}

fn strip_position(msg: &str) -> String {
    msg.find(" at line ")
        .map_or_else(|| msg.to_owned(), |i| msg[..i].to_owned())
}

/// A stateful dialect reader.
pub trait Reader {
    /// Reads one record. `Ok` means the record was used (it may still yield no event, e.g. a
    /// stream header); `Err` means it was skipped.
    fn read(
        &mut self,
        record: &[u8],
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), ParseError>;

    /// [`Reader::read`] for a record already checked to be UTF-8 (ingest checks each line
    /// once, replacing bad bytes); readers that parse text override it to skip their own check.
    fn read_text(
        &mut self,
        record: &str,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), ParseError> {
        self.read(record.as_bytes(), src, out)
    }

    /// Whole-document dialects get their file's modification time (epoch µs) as the run's end.
    fn set_document_time(&mut self, _mtime_us: Option<i64>) {}

    /// The input ended (or a rotated part did): emit what the reader was holding back, such as
    /// a message whose last line only the next record could reveal.
    fn finish(&mut self, _out: &mut dyn FnMut(Event<'_>)) {}

    /// A followed input stopped growing for a while: emit what is held back only for want of
    /// a next record (a message whose last line may have been the last). Unlike
    /// [`Reader::finish`], what is still open stays open.
    fn quiet(&mut self, _out: &mut dyn FnMut(Event<'_>)) {}

    /// A warning about the record just read (kept, but worth saying), such as an unknown
    /// format version; the reader says each only once.
    fn take_warning(&mut self) -> Option<String> {
        None
    }
}

/// A [`Reader`] split in two stages, so a file can be read on several threads with one reader:
/// [`Staged::pre`] does the stateless work of a line (JSON parsing, timestamps) anywhere, and
/// [`Staged::step`] applies its result to the reader's state, in file order. The reader's own
/// [`Reader::read_text`] is `step(&pre(text)?)`, so both ways run the same code.
pub trait Staged: Reader {
    /// One line, parsed and owned.
    type Pre: Send + 'static;

    /// Parses one line; needs no reader.
    fn pre(text: &str) -> Result<Self::Pre, ParseError>;

    /// Applies a parsed line. It is borrowed, so the caller decides where it is freed (the
    /// parallel loader frees lines on the worker threads, where they were made).
    fn step(
        &mut self,
        pre: &Self::Pre,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), ParseError>;
}

/// [`Reader::read`] for readers that parse text: the record is checked as UTF-8 once (bad
/// sequences become U+FFFD, so a bad byte costs itself, not the record) and handed to
/// [`Reader::read_text`].
pub(crate) fn read_utf8(
    reader: &mut (impl Reader + ?Sized),
    record: &[u8],
    src: SourceRef,
    out: &mut dyn FnMut(Event<'_>),
) -> Result<(), ParseError> {
    match std::str::from_utf8(record) {
        Ok(text) => reader.read_text(text, src, out),
        Err(_) => reader.read_text(&String::from_utf8_lossy(record), src, out),
    }
}

/// An event of `kind` for scope `id`, named `name`, at `ts`.
pub(crate) fn event_at(
    kind: trace_model::event::EventKind,
    id: String,
    name: std::borrow::Cow<'static, str>,
    ts: Option<i64>,
) -> Event<'static> {
    let mut e = Event::new(kind, id, name);
    e.ts_us = ts;
    e
}

/// A string, borrowed when unescaped; anything else is an error, as for `Cow<str>`.
/// (`Option<Cow<str>>` would always copy: serde borrows only for a bare `Cow` field.)
pub(crate) struct Str<'a>(pub(crate) std::borrow::Cow<'a, str>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Str<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                // The words of serde's `String` visitor, which `Cow<str>` used.
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(std::borrow::Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_string(V)
    }
}

impl Str<'_> {
    /// The same string, owned (what a [`Staged::Pre`] keeps).
    pub(crate) fn into_owned(self) -> Str<'static> {
        Str(std::borrow::Cow::Owned(self.0.into_owned()))
    }
}

impl std::ops::Deref for Str<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}
