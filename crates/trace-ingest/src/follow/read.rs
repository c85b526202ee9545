//! Reading a followed file: new bytes through the open descriptor, identity checks
//! (inode, [`super::identity::Fingerprint`]), rename rotation (the old file retired and
//! drained), replacement, and the parallel catch-up of a big file found already written.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::{
    Flushing, Follower, QUIET_AFTER, READ_CHUNK, RETIRE_AFTER, RETIRE_IDLE, Restart, Retired,
    identity,
};
use crate::Decoder;
use crate::files::mtime_us;
use trace_formats::{Format, is_document, sniff};

/// Where an open file is linked now (Linux: `/proc/self/fd`), named as `was` is: beside it
/// when it stayed in its directory (`events.jsonl` → `events.jsonl.1`).
fn current_name(f: &File, was: &Path) -> Option<String> {
    use std::os::fd::AsRawFd;
    let now = std::fs::read_link(format!("/proc/self/fd/{}", f.as_raw_fd())).ok()?;
    if !now.exists() {
        return None;
    }
    let dir = |p: &Path| {
        p.parent().and_then(|d| {
            let d = if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            };
            d.canonicalize().ok()
        })
    };
    let beside = dir(&now).is_some() && dir(&now) == dir(was);
    let name = match now.file_name() {
        Some(n) if beside => was.with_file_name(n),
        _ => now,
    };
    Some(name.display().to_string())
}

impl Follower {
    /// The path now names another file. The old one renamed away (still linked) is retired
    /// and the new one followed as the next part; a replacement whose content starts with
    /// what was read is adopted in place (an append); anything else starts over.
    pub(super) fn moved(&mut self, i: usize, path: &Path, path_ino: u64) -> Result<(), Restart> {
        let t = &mut self.tails[i];
        let Some(old) = t.file.take() else {
            return Ok(());
        };
        let linked = old.metadata().is_ok_and(|m| m.nlink() > 0);
        if linked && t.document.is_none() {
            let idx_name = path.display().to_string();
            let format = t.decoder.as_ref().and_then(Decoder::format).or(self.format);
            let idx = self.register(path);
            let t = &mut self.tails[i];
            let old_decoder = t
                .decoder
                .replace(Decoder::new(idx, Some(idx_name.clone()), format));
            if let Some(decoder) = old_decoder {
                // Its records are read under the name it has now (`.1`, a date), not the
                // path, which names the new file.
                if let Some(name) = current_name(&old, path).filter(|n| *n != idx_name) {
                    self.files[usize::from(decoder.file())].clone_from(&name);
                    self.batch.renamed.push((decoder.file(), name));
                }
                let offset = self.tails[i].offset;
                self.tails[i].retired.push(Retired {
                    file: old,
                    offset,
                    decoder,
                    quiet_since: std::time::Instant::now(),
                });
            }
            let t = &mut self.tails[i];
            let Ok(f) = File::open(path) else {
                return Ok(());
            };
            t.file = Some(f);
            t.ino = path_ino;
            t.offset = 0;
            t.fingerprint = identity::Fingerprint::default();
            // The old file's tail is read before the new file's head.
            self.poll_retired(i);
            return Ok(());
        }
        let Ok(new) = File::open(path) else {
            t.file = Some(old);
            return Ok(());
        };
        let grown = new.metadata().is_ok_and(|m| m.len() >= t.offset);
        if t.document.is_none() && grown && t.fingerprint.matches(&new) {
            t.file = Some(new);
            t.ino = path_ino;
            return Ok(());
        }
        Err(Restart)
    }

    /// Reads retired files to their current ends; drops those quiet for [`RETIRE_AFTER`]
    /// once the path's new file has data (else for [`RETIRE_IDLE`]).
    pub(super) fn poll_retired(&mut self, i: usize) {
        let Follower {
            tails, batch, tx, ..
        } = self;
        let t = &mut tails[i];
        let mut sink = Flushing::new(batch, tx);
        for r in &mut t.retired {
            let len = r.file.metadata().map_or(0, |m| m.len());
            if len > r.offset {
                r.offset += drain(&mut r.file, r.offset, len, &mut r.decoder, &mut sink);
                r.quiet_since = std::time::Instant::now();
            }
        }
        // A writer that never reopens its file (logrotate's `create` without a signal) goes
        // on writing the renamed one: it is let go only once the path's new file has data,
        // or after a long silence.
        let moved_on = t.offset > 0;
        t.retired.retain_mut(|r| {
            let quiet = r.quiet_since.elapsed();
            if quiet < RETIRE_AFTER || (!moved_on && quiet < RETIRE_IDLE) {
                return true;
            }
            r.decoder.finish(&mut sink);
            false
        });
    }

    /// Following stops: every reader ends its input as a whole-file load does (a last line
    /// without a newline is used, held-back lines are emitted), retired files first.
    pub(super) fn finish_all(&mut self) {
        let Follower {
            tails, batch, tx, ..
        } = self;
        let mut sink = Flushing::new(batch, tx);
        for t in tails.iter_mut() {
            for r in &mut t.retired {
                r.decoder.finish(&mut sink);
            }
            t.retired.clear();
            if let Some(d) = t.decoder.as_mut() {
                d.finish(&mut sink);
            }
        }
    }

    /// A file that stopped growing for [`QUIET_AFTER`] has its reader emit what it holds back
    /// for a line that may never come (Claude Code's last message and its tokens), once per
    /// quiet spell.
    pub(super) fn quiet_check(&mut self, i: usize) {
        let Follower {
            tails, batch, tx, ..
        } = self;
        let t = &mut tails[i];
        let at = (t.parts.len(), t.offset);
        let (last, since, told) = &mut t.last_growth;
        if at != *last {
            *last = at;
            *since = std::time::Instant::now();
            *told = false;
        } else if !*told && since.elapsed() >= QUIET_AFTER {
            *told = true;
            if let Some(d) = t.decoder.as_mut() {
                d.quiet(&mut Flushing::new(batch, tx));
            }
        }
    }

    pub(super) fn read_new(&mut self, i: usize) -> Result<(), Restart> {
        let t = &mut self.tails[i];
        let Some(path) = t.parts.last().cloned() else {
            return Ok(());
        };
        // The path may name another file now (renamed away, replaced); the descriptor still
        // reads the one being followed.
        if let Ok(m) = std::fs::metadata(&path) {
            if m.ino() != t.ino {
                let moved_ino = m.ino();
                self.moved(i, &path, moved_ino)?;
            }
        }
        let t = &mut self.tails[i];
        let Some(f) = t.file.as_mut() else {
            return Ok(());
        };
        let Ok(meta) = f.metadata() else {
            return Ok(());
        };
        let len = meta.len();
        if len < t.offset {
            return Err(Restart);
        }
        // Same inode, same or bigger size, yet other bytes where we read: rewritten.
        if t.document.is_none() && !t.fingerprint.matches(f) {
            return Err(Restart);
        }
        // Decide the dialect from the head once, to know whether this is a document.
        if t.offset == 0 && t.document.is_none() && len > 0 {
            let forced = t.decoder.as_ref().and_then(Decoder::format).or(self.format);
            let mut head = vec![0u8; len.min(64 * 1024) as usize];
            let _ = f
                .seek(SeekFrom::Start(0))
                .and_then(|_| f.read_exact(&mut head));
            let fmt = forced.or_else(|| sniff(&head, Some(&path.display().to_string())));
            if fmt.is_some_and(|f| is_document(&head, f)) {
                t.document = Some((0, 0, 0));
            }
        }
        if let Some(seen) = t.document {
            let stamp = (mtime_us(&meta).unwrap_or(0), len, meta.ino());
            if seen == stamp || len == 0 {
                return Ok(());
            }
            if seen != (0, 0, 0) {
                return Err(Restart);
            }
            let mut all = Vec::with_capacity(len as usize);
            if f.seek(SeekFrom::Start(0))
                .and_then(|_| f.read_to_end(&mut all))
                .is_err()
            {
                return Ok(());
            }
            t.document = Some(stamp);
            t.offset = all.len() as u64;
            if let Some(d) = t.decoder.as_mut() {
                d.document(&all, mtime_us(&meta), &mut self.batch);
                if let Some(f) = d.format() {
                    self.batch.formats.push(f);
                }
            }
            return Ok(());
        }
        if len == t.offset {
            return Ok(());
        }
        if t.offset == 0 && len >= crate::parallel::MIN_PARALLEL_BYTES {
            self.catch_up(i, len)?;
        }
        let t = &mut self.tails[i];
        let Some(f) = t.file.as_mut() else {
            return Ok(());
        };
        if len == t.offset {
            return Ok(());
        }
        if f.seek(SeekFrom::Start(t.offset)).is_err() {
            return Ok(());
        }
        let mut buf = vec![0u8; READ_CHUNK];
        let mut sink = Flushing::new(&mut self.batch, &self.tx);
        while !sink.closed {
            let want = (len - t.offset).min(READ_CHUNK as u64) as usize;
            if want == 0 {
                break;
            }
            let n = match f.read(&mut buf[..want]) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            t.offset += n as u64;
            t.fingerprint.extend(&buf[..n]);
            if let Some(d) = t.decoder.as_mut() {
                let before = d.format();
                d.feed(&buf[..n], &mut sink);
                if let (None, Some(f)) = (before, d.format()) {
                    sink.batch.formats.push(f);
                }
            }
        }
        Ok(())
    }

    /// A big ATOF file found already written: its whole lines are parsed on both cores, as
    /// `files::load` does, and streamed out in batches; then the decoder continues after them
    /// (a partial last line still waits for its newline). Anything else is read as usual.
    fn catch_up(&mut self, i: usize, len: u64) -> Result<(), Restart> {
        let workers = std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get)
            .min(4);
        let Follower {
            tails,
            batch,
            tx,
            format,
            ..
        } = self;
        let t = &mut tails[i];
        let (Some(f), Some(d)) = (t.file.as_mut(), t.decoder.as_mut()) else {
            return Ok(());
        };
        if workers < 2 {
            return Ok(());
        }
        let known = d.format();
        let dialect = known.or(*format).or_else(|| {
            let mut head = vec![0u8; len.min(64 * 1024) as usize];
            f.seek(SeekFrom::Start(0))
                .and_then(|_| f.read_exact(&mut head))
                .ok()?;
            sniff(
                &head,
                t.parts.last().map(|p| p.display().to_string()).as_deref(),
            )
        });
        if dialect != Some(Format::Atof) {
            return Ok(());
        }
        // Whole lines only: up to the last newline (looked for in the last MiB).
        let window = len.min(1 << 20);
        let mut tail = vec![0u8; window as usize];
        if f.seek(SeekFrom::Start(len - window))
            .and_then(|_| f.read_exact(&mut tail))
            .is_err()
        {
            return Ok(());
        }
        let Some(nl) = memchr::memrchr(b'\n', &tail) else {
            return Ok(());
        };
        let end = len - window + nl as u64 + 1;
        if f.seek(SeekFrom::Start(0)).is_err() {
            return Ok(());
        }
        if known.is_none() {
            batch.formats.push(Format::Atof);
        }
        let mut sink = Flushing::new(batch, tx);
        let lines = crate::parallel::load(
            f,
            end,
            Format::Atof,
            d.file(),
            workers,
            crate::parallel::CHUNK_BYTES,
            &mut sink,
            &mut |_| {},
        )
        // Some events may already be out: start over rather than guess where we are.
        .map_err(|_| Restart)?;
        d.resume_at(Format::Atof, end, lines);
        t.offset = end;
        t.fingerprint = identity::Fingerprint::reread(f, end);
        Ok(())
    }
}

/// Reads `f` from `offset` to `len` into `d`; returns the bytes read.
fn drain(f: &mut File, offset: u64, len: u64, d: &mut Decoder, sink: &mut Flushing<'_>) -> u64 {
    if f.seek(SeekFrom::Start(offset)).is_err() {
        return 0;
    }
    let mut buf = vec![0u8; READ_CHUNK.min((len - offset) as usize)];
    let mut done = 0u64;
    while offset + done < len && !sink.closed {
        let want = (len - offset - done).min(buf.len() as u64) as usize;
        let n = match f.read(&mut buf[..want]) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        done += n as u64;
        d.feed(&buf[..n], sink);
    }
    done
}
