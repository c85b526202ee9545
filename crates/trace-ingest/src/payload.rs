//! Re-reading one record on demand: the explorer keeps only a [`SourceRef`] per event and reads
//! the bytes back with a positioned read when the user looks at a call.

use std::fs::File;
use std::io;
use std::path::Path;

use trace_model::event::SourceRef;

/// Records larger than this are cut (the detail pane shows the start of them).
pub const MAX_RECORD: u64 = 4 << 20;

/// Reads the bytes of the record `src` points at in `path`. For an element of a document
/// (`item > 0`, a greentic step), returns that element of the `steps` array as JSON.
pub fn read_record(path: impl AsRef<Path>, src: &SourceRef) -> io::Result<Vec<u8>> {
    let f = File::open(path)?;
    let len = u64::from(src.len).min(MAX_RECORD) as usize;
    let mut buf = vec![0u8; len];
    read_at(&f, &mut buf, src.offset)?;
    if src.item == 0 {
        return Ok(buf);
    }
    let doc: serde_json::Value = serde_json::from_slice(&buf).map_err(io::Error::other)?;
    let step = doc
        .get("steps")
        .and_then(|s| s.get(src.item as usize - 1))
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("step {} not in document", src.item),
            )
        })?;
    serde_json::to_vec(step).map_err(io::Error::other)
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
        assert!(pretty(b"{\"x\":1}").contains("\"x\": 1"));
    }
}
