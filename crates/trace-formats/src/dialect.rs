//! The registry of dialects. Each dialect module exports one [`Dialect`]: its name, whether
//! its records are lines, its sniff rules and its reader. Adding a dialect is a new module,
//! its [`Format`] variant and one line in [`DIALECTS`]; sniffing, `--format` and ingest read
//! this table and nothing else.

use serde_json::{Map, Value};

use crate::{Format, Reader, atif, atof, claude, codex, greentic, harn, otlp};

/// How sure a sniff rule is that a record (or document) belongs to its dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Claim {
    /// Not this dialect's.
    No,
    /// Could be this dialect's; used only when no rule claims the input strongly.
    Weak,
    /// This dialect's own signal (FORMATS.md §0.1): decides at once.
    Strong,
}

/// One dialect's entry in the registry.
pub struct Dialect {
    pub format: Format,
    /// The name `--format` takes and reports print.
    pub name: &'static str,
    /// One line, one record (true), or one JSON document for the whole input (false).
    pub line_based: bool,
    /// Rule on one JSON object read from a line of the input.
    pub line: fn(&Map<String, Value>) -> Claim,
    /// Rule on a whole document (a pretty-printed input parsed in one piece).
    pub document: fn(&Value) -> Claim,
    /// Rule on the head of a document too long to have been read whole (text only).
    pub partial_document: fn(&str) -> Claim,
    /// Rule on the file name alone; a match is only ever a weak claim.
    pub file_name: fn(&str) -> bool,
    /// A fresh reader.
    pub reader: fn() -> Box<dyn Reader + Send>,
}

/// Every dialect trace-tui reads, in the order ties are broken and `--format` lists them.
pub static DIALECTS: &[&Dialect] = &[
    &atof::DIALECT,
    &harn::DIALECT,
    &greentic::DIALECT,
    &atif::DIALECT,
    &otlp::DIALECT,
    &claude::DIALECT,
    &codex::DIALECT,
];

/// A rule that never claims anything (for a line dialect's document rule and vice versa).
pub fn never<T: ?Sized>(_: &T) -> Claim {
    Claim::No
}
