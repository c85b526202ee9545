//! The file side of two-core loading, shared by [`crate::parallel`] (stateless dialects) and
//! [`crate::staged`] (stateful ones): the file is cut at newlines into chunks, worker threads
//! parse each chunk into a `C`, and the calling thread gets the parsed chunks back in file
//! order. Queues are shallow (one raw chunk per worker, four parsed), so memory stays bounded.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};

/// What workers make of a chunk. Parsed chunks are recycled: a worker clears one before
/// reusing it, so what it held is freed on the worker thread, not the applying one.
pub trait Chunk: Default + Send {
    /// Lines of the file the chunk covered.
    fn lines(&self) -> u64;
    /// Bytes of the file the chunk covered.
    fn bytes(&self) -> u64;
}

/// One line of a chunk, as the one-thread decoder would see it.
pub enum Line<'a> {
    /// A line over the limit, skipped: its length.
    TooLong(u64),
    /// A line that is not blank: its text (bad UTF-8 replaced, then `Owned`), and the raw
    /// line's offset in the file and length (without CR).
    Text {
        text: Cow<'a, str>,
        offset: u64,
        len: u32,
    },
}

/// Calls `f` with the number (1-based within the chunk) and content of each line of `bytes`
/// (whole lines starting at file offset `base`), after the overlong line `lead` skipped just
/// before them. Blank lines are counted but not given. Returns the number of lines.
pub fn each_line(
    bytes: &[u8],
    base: u64,
    lead: Option<(u64, u64)>,
    f: &mut dyn FnMut(u64, Line<'_>),
) -> u64 {
    let max = crate::max_line_bytes();
    let mut start = 0usize;
    let mut line_no = 0u64;
    if let Some((len, _)) = lead {
        line_no += 1;
        f(line_no, Line::TooLong(len));
    }
    let mut one = |line: &[u8], at: usize, line_no: u64| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() > max {
            f(line_no, Line::TooLong(line.len() as u64));
            return;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        // The record's place in the file is the raw line's, whatever the decoding.
        let (offset, len) = (base + at as u64, line.len() as u32);
        let text = crate::utf8_text(line);
        f(line_no, Line::Text { text, offset, len });
    };
    for nl in memchr::memchr_iter(b'\n', bytes) {
        line_no += 1;
        one(&bytes[start..nl], start, line_no);
        start = nl + 1;
    }
    if start < bytes.len() {
        line_no += 1;
        one(&bytes[start..], start, line_no);
    }
    line_no
}

/// Spare buffers handed back for reuse. Chunk buffers and parsed chunks are recycled rather
/// than freed: freeing multi-megabyte blocks raises glibc's mmap threshold, after which they
/// come from the heap and the model's small allocations fragment it (measured: 1 GB file,
/// 141 MiB resident with recycling-equivalent settings vs 231 MiB without).
struct Pool<T>(Mutex<Vec<T>>);

impl<T: Default> Pool<T> {
    fn get(&self) -> T {
        self.0
            .lock()
            .ok()
            .and_then(|mut v| v.pop())
            .unwrap_or_default()
    }

    fn put(&self, t: T) {
        if let Ok(mut v) = self.0.lock() {
            v.push(t);
        }
    }
}

/// A chunk to parse: its order, its bytes (whole lines), their file offset, and an overlong
/// line skipped just before them: (its length, the bytes it and its newline took).
type Job = (usize, Vec<u8>, u64, Option<(u64, u64)>);

/// Reads the first `limit` bytes of `file` (positioned at 0) on `workers` threads: `parse`
/// turns a chunk (bytes of whole lines, their file offset, the overlong line before them) into
/// a `C`, and `apply` gets each `C` in file order with the number of lines before it.
/// Returns the number of lines read.
pub fn run<C: Chunk>(
    file: &mut File,
    limit: u64,
    workers: usize,
    chunk_bytes: usize,
    parse: &(dyn Fn(&[u8], u64, Option<(u64, u64)>, &mut C) + Sync),
    apply: &mut dyn FnMut(&C, u64),
    progress: &mut dyn FnMut(u64),
) -> std::io::Result<u64> {
    let mut file = Read::take(file, limit);
    let file = &mut file;
    let max = crate::max_line_bytes();
    let (job_tx, job_rx) = sync_channel::<Job>(workers);
    let job_rx = Arc::new(Mutex::new(job_rx));
    // Parsed chunks may queue four per worker: with two workers and the applying thread on
    // two cores, one of the three is descheduled at any time, and a queue of one per worker
    // filled while the applier was off its core, blocking both workers (a core idle) when
    // it came back. 1 GB loads, 5 interleaved runs: scope-heavy 1.61 -> 1.50 s, one huge run
    // 1.69 -> 1.61 s, Relay-like 1.30 -> 1.25 s; eight per worker gained nothing more.
    let (done_tx, done_rx) = sync_channel::<(usize, usize, C)>(workers * 4);
    let buffers: Pool<Vec<u8>> = Pool(Mutex::new(Vec::new()));
    // A pool per worker: a parsed chunk goes back to the thread that allocated what it holds,
    // which frees it there (freed elsewhere, glibc malloc's per-thread caches and arenas
    // work against it: measured 2-3x the CPU for Codex rollouts).
    let parsed: Vec<Pool<C>> = (0..workers).map(|_| Pool(Mutex::new(Vec::new()))).collect();
    std::thread::scope(|scope| -> std::io::Result<u64> {
        for (worker, parsed) in parsed.iter().enumerate() {
            let job_rx = Arc::clone(&job_rx);
            let done_tx = done_tx.clone();
            let buffers = &buffers;
            scope.spawn(move || {
                loop {
                    let job = job_rx.lock().map_or(None, |rx| rx.recv().ok());
                    let Some((idx, bytes, base, lead)) = job else {
                        return;
                    };
                    let mut out = parsed.get();
                    parse(&bytes, base, lead, &mut out);
                    buffers.put(bytes);
                    if done_tx.send((idx, worker, out)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        // Only the workers hold the queue's receiving end: if they stop (this thread gone,
        // say by a panic), the reader's next send fails instead of waiting forever.
        drop(job_rx);
        // The file is read and cut on a thread of its own, so the queue of chunks to parse
        // stays full while this thread applies (when this thread read between applies, the
        // workers waited for it: a stateful dialect's load used ~1.45 of the 2 cores).
        let buffers = &buffers;
        let reader = scope.spawn(move || read_jobs(file, chunk_bytes, max, buffers, &job_tx));
        let mut applier = Applier {
            next: 0,
            pending: BTreeMap::new(),
            line_base: 0,
            spare: &parsed,
            apply,
            progress,
        };
        // Until every worker is done: the reader has cut the last chunk (or failed) and
        // dropped the queue, and the workers have parsed what was in it.
        while applier.take_one(&done_rx) {}
        reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        Ok(applier.line_base)
    })
}

/// Room a chunk buffer has beyond a chunk for the partial line carried into it.
const CARRY_ROOM: usize = 16 << 10;

/// The reading side of [`run`]: cuts `file` into chunks of whole lines and queues them, in
/// order, until the file (or the queue's other side) ends.
fn read_jobs(
    file: &mut impl Read,
    chunk_bytes: usize,
    max: usize,
    buffers: &Pool<Vec<u8>>,
    job_tx: &std::sync::mpsc::SyncSender<Job>,
) -> std::io::Result<()> {
    let mut carry: Vec<u8> = Vec::new();
    let mut offset = 0u64;
    let mut idx = 0usize;
    loop {
        // A partial line carried over is continued in place (no copy, even for a line
        // longer than many chunks), in the buffer that holds it even when it is empty (the
        // last chunk ended at a newline); otherwise a recycled buffer.
        let mut buf = if carry.capacity() == 0 {
            let mut b = buffers.get();
            b.clear();
            b
        } else {
            std::mem::take(&mut carry)
        };
        // Read into spare capacity: no zeroing of a buffer about to be overwritten. Grown to
        // exactly a chunk and some room for the next carried tail, not by `reserve`'s
        // doubling: a recycled buffer carrying a 300-byte tail went from 256 to 512 KiB.
        if buf.capacity() - buf.len() < chunk_bytes {
            buf.reserve_exact(chunk_bytes + CARRY_ROOM);
        }
        let n = Read::by_ref(file)
            .take(chunk_bytes as u64)
            .read_to_end(&mut buf)?;
        if buf.is_empty() {
            return Ok(());
        }
        // Cut after the last newline; the rest starts the next chunk.
        let mut eof = n == 0;
        let mut lead = None;
        if !eof && buf.len() > max && memchr::memchr(b'\n', &buf).is_none() {
            // A line over the limit: count its bytes up to its newline without keeping
            // them; the chunk then starts after it, so memory stays bounded.
            let (len, used, rest, at_eof) = skip_line(file, buf, chunk_bytes)?;
            lead = Some((len, used));
            offset += used;
            buf = rest;
            eof = at_eof;
        }
        if !eof {
            if let Some(last_nl) = memchr::memrchr(b'\n', &buf) {
                carry = buffers.get();
                carry.clear();
                carry.extend_from_slice(&buf[last_nl + 1..]);
                buf.truncate(last_nl + 1);
            } else if lead.is_none() {
                carry = std::mem::take(&mut buf);
                continue;
            } else {
                // Only the skipped line to report; the rest waits for its newline.
                carry = std::mem::take(&mut buf);
            }
        }
        let len = buf.len() as u64;
        // Blocks while the queue is full, so memory stays bounded; fails once the workers
        // are gone.
        if job_tx.send((idx, buf, offset, lead)).is_err() {
            return Ok(());
        }
        idx += 1;
        offset += len;
        if eof {
            return Ok(());
        }
    }
}

/// Reads on past a line over the limit whose first `held` bytes (no newline) are in `buf`.
/// Returns the line's length, the bytes it used (with its newline), what follows its newline
/// in the last read, and whether the file ended first.
fn skip_line(
    file: &mut impl Read,
    mut buf: Vec<u8>,
    chunk_bytes: usize,
) -> std::io::Result<(u64, u64, Vec<u8>, bool)> {
    let mut len = buf.len() as u64;
    loop {
        buf.clear();
        let n = Read::by_ref(file)
            .take(chunk_bytes as u64)
            .read_to_end(&mut buf)?;
        if n == 0 {
            return Ok((len, len, buf, true));
        }
        if let Some(nl) = memchr::memchr(b'\n', &buf) {
            let rest = buf[nl + 1..].to_vec();
            len += nl as u64;
            return Ok((len, len + 1, rest, false));
        }
        len += n as u64;
    }
}

struct Applier<'p, 'a, C> {
    next: usize,
    /// Finished chunks waiting for their turn, with the worker that parsed each.
    pending: BTreeMap<usize, (usize, C)>,
    line_base: u64,
    spare: &'p [Pool<C>],
    apply: &'a mut dyn FnMut(&C, u64),
    progress: &'a mut dyn FnMut(u64),
}

impl<C: Chunk> Applier<'_, '_, C> {
    /// Waits for one finished chunk, then applies every chunk that is next in order; `false`
    /// once no worker is left to send one.
    fn take_one(&mut self, rx: &Receiver<(usize, usize, C)>) -> bool {
        let Ok((i, worker, p)) = rx.recv() else {
            return false;
        };
        self.pending.insert(i, (worker, p));
        while let Some((worker, p)) = self.pending.remove(&self.next) {
            (self.apply)(&p, self.line_base);
            self.line_base += p.lines();
            (self.progress)(p.bytes());
            self.spare[worker].put(p);
            self.next += 1;
        }
        true
    }
}
