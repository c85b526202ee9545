//! Dialect readers: sniff the format of an input, then turn records into normalized events.
//!
//! Each reader implements [`Reader`]: it is fed one complete line (or, for document formats,
//! the whole document) and calls back with zero or more [`Event`]s. Readers keep only the
//! parsing state a dialect needs (harn's open iteration per session); they never do IO.

pub mod atof;
pub mod greentic;
pub mod harn;
pub mod time;
pub mod usage;

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
}

impl Format {
    /// Every dialect, in the order `--format` lists them.
    pub const ALL: [Format; 3] = [Self::Atof, Self::Harn, Self::Greentic];

    /// The dialect named `name` (as `--format` spells it).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Atof => "atof",
            Self::Harn => "harn",
            Self::Greentic => "greentic",
        }
    }

    /// Whether records are lines (true) or the whole input is one document.
    pub fn is_line_based(self) -> bool {
        !matches!(self, Self::Greentic)
    }

    /// A fresh reader for this dialect.
    pub fn reader(self) -> Box<dyn Reader + Send> {
        match self {
            Self::Atof => Box::new(atof::AtofReader),
            Self::Harn => Box::new(harn::HarnReader::default()),
            Self::Greentic => Box::new(greentic::GreenticReader::default()),
        }
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

    /// Whole-document dialects get their file's modification time (epoch µs) as the run's end.
    fn set_document_time(&mut self, _mtime_us: Option<i64>) {}
}

/// Guesses the dialect from the start of an input (up to 32 non-empty lines) and a file name.
pub fn sniff(head: &[u8], file_name: Option<&str>) -> Option<Format> {
    let text = String::from_utf8_lossy(head);
    let first = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    if first == "{" || first == "[" {
        return sniff_document(&text).or_else(|| name_hint(file_name));
    }
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(32)
    {
        let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(line)
        else {
            // A pretty-printed document whose first line happens to be longer than `{`.
            if line.starts_with('{') && !line.ends_with('}') {
                if let Some(f) = sniff_document(&text) {
                    return Some(f);
                }
            }
            continue;
        };
        if let Some(f) = sniff_object(&o) {
            return Some(f);
        }
    }
    name_hint(file_name)
}

fn sniff_document(text: &str) -> Option<Format> {
    // Only the head may be here; a greentic document names its version early.
    let v = serde_json::from_str::<serde_json::Value>(text).ok();
    match v {
        Some(serde_json::Value::Object(o))
            if o.contains_key("steps") || o.contains_key("trace_version") =>
        {
            Some(Format::Greentic)
        }
        Some(_) => None,
        None => (text.contains("\"trace_version\"") || text.contains("\"steps\""))
            .then_some(Format::Greentic),
    }
}

fn sniff_object(o: &serde_json::Map<String, serde_json::Value>) -> Option<Format> {
    let kind = o.get("kind").and_then(|v| v.as_str());
    if matches!(kind, Some("scope" | "mark")) && o.contains_key("atof_version") {
        return Some(Format::Atof);
    }
    if matches!(
        kind,
        Some("ScopeStart" | "ScopeEnd" | "Mark" | "StreamHeader" | "StreamHeaderEvent")
    ) && o.contains_key("schema_version")
    {
        return Some(Format::Atof);
    }
    if o.get("index").is_some_and(serde_json::Value::is_u64)
        && o.get("emitted_at_ms")
            .is_some_and(serde_json::Value::is_i64)
        && o.get("type").is_some_and(serde_json::Value::is_string)
    {
        return Some(Format::Harn);
    }
    if o.get("id").is_some_and(serde_json::Value::is_u64)
        && o.get("event")
            .and_then(|e| e.get("payload"))
            .is_some_and(serde_json::Value::is_object)
    {
        return Some(Format::Harn);
    }
    if o.contains_key("trace_version") && o.contains_key("steps") {
        return Some(Format::Greentic);
    }
    // Weak ATOF signal: a scope event without the version key.
    if matches!(kind, Some("scope" | "mark")) && o.contains_key("uuid") {
        return Some(Format::Atof);
    }
    None
}

fn name_hint(file_name: Option<&str>) -> Option<Format> {
    let name = file_name?.rsplit('/').next()?;
    if name.starts_with("nemo-relay-events")
        || name.starts_with("nemo-flow-events")
        || name.contains("atof")
    {
        Some(Format::Atof)
    } else if name.starts_with("event_log") {
        Some(Format::Harn)
    } else if name.ends_with("trace.json") {
        Some(Format::Greentic)
    } else {
        None
    }
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

impl std::ops::Deref for Str<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_each_dialect() {
        let atof = br#"{"kind":"scope","atof_version":"0.1","uuid":"a","timestamp":1,"name":"x","scope_category":"start","category":"agent"}"#;
        assert_eq!(sniff(atof, None), Some(Format::Atof));
        let draft = br#"{"schema_version": "0.1", "uuid": "hdr", "kind": "StreamHeader"}"#;
        assert_eq!(sniff(draft, None), Some(Format::Atof));
        let harn = br#"{"index":0,"emitted_at_ms":1782324191204,"frame_depth":null,"type":"iteration_start","session_id":"s","iteration":1}"#;
        assert_eq!(sniff(harn, None), Some(Format::Harn));
        let topic = br#"{"id":3,"event":{"kind":"tool_call","payload":{"event":{"type":"tool_call"}},"occurred_at_ms":5}}"#;
        assert_eq!(sniff(topic, None), Some(Format::Harn));
        let greentic = b"{\n  \"trace_version\": 1,\n  \"flow\": {\"id\": \"f\", \"version\": \"1\"},\n  \"steps\": []\n}\n";
        assert_eq!(sniff(greentic, None), Some(Format::Greentic));
    }

    #[test]
    fn skips_leading_garbage_and_uses_name_hint() {
        let text = b"\n\nnot json\n{\"kind\":\"mark\",\"atof_version\":\"0.1\",\"uuid\":\"m\"}\n";
        assert_eq!(sniff(text, None), Some(Format::Atof));
        assert_eq!(
            sniff(b"garbage", Some("/tmp/event_log-abc.jsonl")),
            Some(Format::Harn)
        );
        assert_eq!(sniff(b"garbage", None), None);
        assert_eq!(sniff(b"", Some("x.txt")), None);
    }

    #[test]
    fn truncated_greentic_head_still_sniffs() {
        let head = b"{\n  \"trace_version\": 1,\n  \"steps\": [\n    {\"node_id\": \"a\"";
        assert_eq!(sniff(head, None), Some(Format::Greentic));
    }
}
