//! Re-reading one record on demand: the explorer keeps only a [`SourceRef`] per event and reads
//! the bytes back with a positioned read when the user looks at a call.

use std::fs::File;
use std::io;
use std::path::Path;

use trace_model::event::SourceRef;

/// Records larger than this are cut (the detail pane shows the start of them).
pub const MAX_RECORD: u64 = 4 << 20;

/// Reads the bytes of the record `src` points at in `path`. For an element of a document
/// (`item > 0`: a greentic step, an OTLP span), returns that element as JSON.
pub fn read_record(path: impl AsRef<Path>, src: &SourceRef) -> io::Result<Vec<u8>> {
    let f = File::open(path)?;
    let len = u64::from(src.len).min(MAX_RECORD) as usize;
    let mut buf = vec![0u8; len];
    read_at(&f, &mut buf, src.offset)?;
    if src.item == 0 {
        return Ok(buf);
    }
    let n = src.item as usize - 1;
    let mut docs = serde_json::Deserializer::from_slice(&buf).into_iter::<serde_json::Value>();
    let first = docs.next().transpose().map_err(io::Error::other)?;
    let element = match first {
        Some(doc) if doc.get("resourceSpans").is_some() => {
            // OTLP: the item-th span of the record, counted across every request in it.
            let rest = docs.map_while(Result::ok);
            std::iter::once(doc)
                .chain(rest)
                .flat_map(|d| otlp_spans(&d))
                .nth(n)
        }
        Some(doc) => doc.get("steps").and_then(|s| s.get(n)).cloned(),
        None => None,
    };
    let element = element.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("element {} not in record", src.item),
        )
    })?;
    serde_json::to_vec(&element).map_err(io::Error::other)
}

/// The spans of one OTLP request, in record order.
fn otlp_spans(doc: &serde_json::Value) -> Vec<serde_json::Value> {
    let list = |v: &serde_json::Value, key: &str| -> Vec<serde_json::Value> {
        v.get(key)
            .and_then(serde_json::Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    list(doc, "resourceSpans")
        .iter()
        .flat_map(|r| list(r, "scopeSpans"))
        .flat_map(|s| list(&s, "spans"))
        .collect()
}

#[cfg(unix)]
fn read_at(f: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    f.read_exact_at(buf, offset)
}

#[cfg(not(unix))]
fn read_at(mut f: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(buf)
}

/// Pretty-prints a record as JSON when it parses, else returns it as (lossy) text.
pub fn pretty(bytes: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_default(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn reads_a_line_and_a_step() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        let doc = br#"{"steps":[{"a":1},{"b":2}]}"#;
        f.write_all(b"{\"x\":1}\n").unwrap();
        f.write_all(doc).unwrap();
        let line = SourceRef {
            offset: 0,
            len: 7,
            ..SourceRef::default()
        };
        assert_eq!(read_record(f.path(), &line).unwrap(), b"{\"x\":1}");
        let step = SourceRef {
            offset: 8,
            len: doc.len() as u32,
            item: 2,
            ..SourceRef::default()
        };
        assert_eq!(read_record(f.path(), &step).unwrap(), br#"{"b":2}"#);
        let missing = SourceRef { item: 3, ..step };
        assert!(read_record(f.path(), &missing).is_err());
    }

    #[test]
    fn reads_the_nth_otlp_span_of_a_line() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        let line = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"a"}]},{"spans":[{"spanId":"b"}]}]},{"scopeSpans":[{"spans":[{"spanId":"c"}]}]}]}"#;
        f.write_all(line).unwrap();
        let at = |item| SourceRef {
            len: line.len() as u32,
            item,
            ..SourceRef::default()
        };
        assert_eq!(read_record(f.path(), &at(2)).unwrap(), br#"{"spanId":"b"}"#);
        assert_eq!(read_record(f.path(), &at(3)).unwrap(), br#"{"spanId":"c"}"#);
        assert!(read_record(f.path(), &at(4)).is_err());
        assert!(pretty(b"{\"x\":1}").contains("\"x\": 1"));
    }
}
