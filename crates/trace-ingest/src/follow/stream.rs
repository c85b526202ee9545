//! Streams followed on their own threads: stdin, named FIFOs, and pipes such as a process
//! substitution (`--follow <(producer)`, a `/dev/fd/N` path). A stream read blocks (a FIFO's
//! open blocks until a writer comes), so each has its own thread and never stalls the tails.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc::SyncSender;

use super::super::{Batch, Decoder, IngestMsg};
use trace_formats::Format;

/// Where a stream's bytes come from.
pub enum Source {
    Stdin,
    /// A FIFO or pipe by path. A named FIFO is opened again after its writer closes (the next
    /// writer continues the same stream); a `/dev/fd` or `/proc` pipe ends at its end.
    Path(PathBuf),
}

/// The status text sent when a stream ends for good.
pub fn closed_status(source: &Source) -> String {
    match source {
        Source::Stdin => "stdin closed".into(),
        Source::Path(p) => format!("{} closed", p.display()),
    }
}

/// Whether `path` is read as a stream rather than tailed by offset: a FIFO, a socket or a
/// character device (`/dev/zero`, a tty).
pub fn is_stream(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| {
        let t = m.file_type();
        t.is_fifo() || t.is_char_device() || t.is_socket()
    })
}

/// A FIFO with a name of its own (not a `/dev/fd` or `/proc` pipe): it outlives its writers.
fn is_named_fifo(p: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    !p.starts_with("/dev/fd")
        && !p.starts_with("/proc")
        && std::fs::metadata(p).is_ok_and(|m| m.file_type().is_fifo())
}

/// Reads `source` on a thread of its own into batches for `tx`, as file index `idx`.
pub fn spawn(source: Source, idx: u16, format: Option<Format>, tx: SyncSender<IngestMsg>) {
    let name = match &source {
        Source::Stdin => "-".to_owned(),
        Source::Path(p) => p.display().to_string(),
    };
    let thread_name = match &source {
        Source::Stdin => "stdin".to_owned(),
        Source::Path(_) => "stream".to_owned(),
    };
    std::thread::Builder::new()
        .name(thread_name)
        .spawn(move || {
            let mut d = Decoder::new(idx, Some(name), format);
            let mut buf = vec![0u8; 64 * 1024];
            let reopen = matches!(&source, Source::Path(p) if is_named_fifo(p));
            let mut announced = false;
            loop {
                let mut input: Box<dyn Read> = match &source {
                    Source::Stdin => Box::new(std::io::stdin().lock()),
                    Source::Path(p) => match std::fs::File::open(p) {
                        Ok(f) => Box::new(f),
                        Err(e) => {
                            if !announced {
                                announced = true;
                                let msg = format!("cannot read {}: {e}; retrying", p.display());
                                if tx.send(IngestMsg::Status(msg)).is_err() {
                                    return;
                                }
                            }
                            std::thread::sleep(super::POLL_INTERVAL);
                            continue;
                        }
                    },
                };
                let mut b = Batch::default();
                if !pump(&mut *input, &mut buf, &mut d, &tx) {
                    return;
                }
                if reopen
                    && std::fs::metadata(match &source {
                        Source::Path(p) => p.as_path(),
                        Source::Stdin => Path::new("-"),
                    })
                    .is_ok()
                {
                    // The writer closed; the next one continues the stream.
                    continue;
                }
                let before = d.format();
                d.finish(&mut b);
                note_format(before, &d, &mut b);
                let _ = tx.send(IngestMsg::Batch(b));
                let _ = tx.send(IngestMsg::Status(closed_status(&source)));
                return;
            }
        })
        .expect("spawn stream thread");
}

/// Reports the dialect in the batch where the decoder first knows it, as file tails do, so
/// the status bar names the format of a followed stream too.
fn note_format(before: Option<Format>, d: &Decoder, b: &mut Batch) {
    if let (None, Some(f)) = (before, d.format()) {
        b.formats.push(f);
    }
}

/// Reads `input` to its end into batches; false when the receiver is gone.
fn pump(input: &mut dyn Read, buf: &mut [u8], d: &mut Decoder, tx: &SyncSender<IngestMsg>) -> bool {
    loop {
        let n = match input.read(buf) {
            Ok(0) => return true,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return true,
        };
        let mut b = Batch::default();
        let before = d.format();
        d.feed(&buf[..n], &mut b);
        note_format(before, d, &mut b);
        if !b.is_empty() && tx.send(IngestMsg::Batch(b)).is_err() {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::fd::AsRawFd;

    /// Follows a pipe (`/dev/fd/N`, read like stdin) carrying `bytes`; returns the formats
    /// the batches reported and whether the stream said it closed.
    fn follow_pipe(bytes: &[u8]) -> (Vec<Format>, usize, bool) {
        let (reader, mut writer) = std::io::pipe().unwrap();
        let path = PathBuf::from(format!("/dev/fd/{}", reader.as_raw_fd()));
        assert!(is_stream(&path));
        let (tx, rx) = std::sync::mpsc::sync_channel(64);
        spawn(Source::Path(path), 0, None, tx);
        writer.write_all(bytes).unwrap();
        drop(writer);
        let (mut formats, mut events, mut closed) = (Vec::new(), 0, false);
        while let Ok(msg) = rx.recv_timeout(std::time::Duration::from_secs(20)) {
            match msg {
                IngestMsg::Batch(b) => {
                    formats.extend(b.formats);
                    events += b.events.len();
                }
                IngestMsg::Status(s) if s.ends_with("closed") => {
                    closed = true;
                    break;
                }
                _ => {}
            }
        }
        drop(reader);
        (formats, events, closed)
    }

    #[test]
    fn a_followed_stream_reports_its_detected_dialect() {
        let line = br#"{"kind": "scope", "atof_version": "0.1", "uuid": "P", "parent_uuid": null, "timestamp": 0, "name": "run", "scope_category": "start", "attributes": [], "category": "agent", "category_profile": null, "data": null, "metadata": null}"#;
        let mut input = line.to_vec();
        input.push(b'\n');
        let (formats, events, closed) = follow_pipe(&input);
        assert!(closed, "the stream never said it closed");
        assert_eq!(formats, vec![Format::Atof]);
        assert!(events >= 1);
    }

    #[test]
    fn a_stream_decided_only_at_its_end_still_reports_the_dialect() {
        // One record without a final newline: only `finish` sees it.
        let input = br#"{"kind": "scope", "atof_version": "0.1", "uuid": "P", "parent_uuid": null, "timestamp": 0, "name": "run", "scope_category": "start", "attributes": [], "category": "agent", "category_profile": null, "data": null, "metadata": null}"#;
        let (formats, _, closed) = follow_pipe(input);
        assert!(closed);
        assert_eq!(formats, vec![Format::Atof]);
    }
}
