//! Live follow: tails files, rotated sets, directories and stdin, and sends batches of events
//! over a bounded channel.
//!
//! One thread owns every tail. It wakes on a notify (inotify) event for a watched directory
//! or, at the latest, every [`POLL_INTERVAL`] — our own `stat` poll, which is also the whole
//! mechanism where the native watcher is unavailable (network filesystems). notify's own
//! `PollWatcher` is not used: in notify 8 it misses appends (PERFORMANCE.md §3.6).
//! Each wake-up reads only the bytes appended since the last offset; a line is used only once
//! its newline has arrived. A file's identity is its inode plus a [`identity::Fingerprint`]
//! of the bytes read, re-checked on each wake-up: truncation, a truncate-and-refill and a
//! rewrite restart everything from the top with [`IngestMsg::Reset`]; a replacement whose old
//! content is a prefix of the new is an append. A file renamed away (logrotate's
//! `mv app.jsonl app.jsonl.1`) is not a reset: it is retired, read to its end through the
//! descriptor still open (the writer may still be writing to it) while the new file at the
//! path is followed as the next part. A new `-NNNNNN` part is started only after the previous
//! part was read to its end. Streams (stdin, FIFOs, pipes) have threads of their own
//! ([`stream`]); a file that cannot be opened is reported and retried.

pub mod identity;
mod read;
pub mod stream;

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::Duration;

use super::files::{rotated_parts, rotation_key};
use super::{Batch, Decoder, IngestMsg, Sink};
use trace_formats::Format;

/// The fallback poll period, and the longest a change waits when inotify is silent.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// Set in the environment, disables the native watcher: only the stat poll runs (what a network
/// filesystem gets). For benchmarks and troubleshooting.
pub const POLL_ONLY_VAR: &str = "TRACE_TUI_POLL_ONLY";
/// Events per batch before it is sent, so a burst streams instead of arriving all at once.
const BATCH_EVENTS: usize = 2048;
const READ_CHUNK: usize = 256 << 10;
/// Idle polls between heartbeats that detect a closed receiver.
const HEARTBEAT_POLLS: u32 = 10;

/// What to follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A file (may not exist yet) with its rotated parts.
    File(PathBuf),
    /// Every log file in a directory, including ones created later.
    Dir(PathBuf),
    /// Standard input.
    Stdin,
    /// A FIFO, pipe (`<(producer)`) or character device: read as a stream on its own thread.
    Stream(PathBuf),
}

impl Target {
    /// `-` is stdin, an existing directory is a directory, anything else a file.
    pub fn from_arg(arg: &Path) -> Self {
        if arg.as_os_str() == "-" {
            Self::Stdin
        } else if arg.is_dir() {
            Self::Dir(arg.to_path_buf())
        } else if stream::is_stream(arg) {
            Self::Stream(arg.to_path_buf())
        } else {
            Self::File(arg.to_path_buf())
        }
    }
}

/// A followed file set: its parts in order, and where reading stands.
struct Tail {
    base: PathBuf,
    /// Parts already started, in order; the last is being read.
    parts: Vec<PathBuf>,
    file: Option<File>,
    ino: u64,
    offset: u64,
    decoder: Option<Decoder>,
    document: Option<(i64, u64, u64)>,
    announced_wait: bool,
    /// An open failed; announced once, retried on each wake-up.
    announced_unreadable: bool,
    fingerprint: identity::Fingerprint,
    /// Files renamed away, still read through their descriptors until they go quiet.
    retired: Vec<Retired>,
    /// (part, offset) at the last growth, when it was, and whether the reader was told the
    /// file went quiet since ([`Follower::quiet_check`]).
    last_growth: ((usize, u64), std::time::Instant, bool),
}

impl Tail {
    fn new(base: PathBuf) -> Self {
        Self {
            base,
            parts: Vec::new(),
            file: None,
            ino: 0,
            offset: 0,
            decoder: None,
            document: None,
            announced_wait: false,
            announced_unreadable: false,
            fingerprint: identity::Fingerprint::default(),
            retired: Vec::new(),
            last_growth: ((0, 0), std::time::Instant::now(), false),
        }
    }
}

/// A file renamed away while followed: the writer may still append to it until it reopens.
struct Retired {
    file: File,
    offset: u64,
    decoder: Decoder,
    quiet_since: std::time::Instant,
}

/// How long a followed file stays the same before its reader lets go of what it holds back.
const QUIET_AFTER: Duration = Duration::from_secs(1);
/// How long a renamed-away file is still read after its last growth, once the file now at
/// its path has data.
const RETIRE_AFTER: Duration = Duration::from_secs(2);
/// How long it is read while the file at its path stays empty (its writer kept the old one).
const RETIRE_IDLE: Duration = Duration::from_secs(600);

/// Why a tail asks for everything to start over.
struct Restart;

/// Follows `targets`; returns the receiving end. The thread stops when the receiver is dropped.
pub fn spawn(targets: Vec<Target>, format: Option<Format>, capacity: usize) -> Receiver<IngestMsg> {
    spawn_until(targets, format, capacity, Arc::default())
}

/// [`spawn`], and once `stop` is raised the files are read to their ends one last time, a
/// last line without a newline is used and what readers hold back is emitted (as at the end
/// of a whole-file load); then the thread ends and the receiver sees it disconnect.
pub fn spawn_until(
    targets: Vec<Target>,
    format: Option<Format>,
    capacity: usize,
    stop: Arc<AtomicBool>,
) -> Receiver<IngestMsg> {
    let (tx, rx) = sync_channel(capacity);
    std::thread::Builder::new()
        .name("follow".into())
        .spawn(move || Follower::new(targets, format, tx).run(&stop))
        .expect("spawn follow thread");
    rx
}

struct Follower {
    targets: Vec<Target>,
    format: Option<Format>,
    tx: SyncSender<IngestMsg>,
    tails: Vec<Tail>,
    files: Vec<String>,
    batch: Batch,
    idle_polls: u32,
}

impl Follower {
    fn new(targets: Vec<Target>, format: Option<Format>, tx: SyncSender<IngestMsg>) -> Self {
        Self {
            targets,
            format,
            tx,
            tails: Vec::new(),
            files: Vec::new(),
            batch: Batch::default(),
            idle_polls: 0,
        }
    }

    fn run(mut self, stop: &AtomicBool) {
        if self.targets.contains(&Target::Stdin) {
            self.spawn_stream(stream::Source::Stdin);
        }
        let streams: Vec<PathBuf> = self
            .targets
            .iter()
            .filter_map(|t| match t {
                Target::Stream(p) => Some(p.clone()),
                _ => None,
            })
            .collect();
        for p in streams {
            self.spawn_stream(stream::Source::Path(p));
        }
        let (wake_tx, wake_rx) = std::sync::mpsc::channel::<()>();
        let _watcher = self.watch(wake_tx);
        self.discover();
        loop {
            if let Err(Restart) = self.poll_all() {
                if self.send(IngestMsg::Reset).is_err() {
                    return;
                }
                self.files.clear();
                self.tails.clear();
                self.batch = Batch::default();
                self.discover();
                continue;
            }
            if self.flush().is_err() {
                return;
            }
            if stop.load(Ordering::Relaxed) {
                self.finish_all();
                let _ = self.flush();
                return;
            }
            wait_for_wake(&wake_rx);
        }
    }

    fn send(&self, msg: IngestMsg) -> Result<(), ()> {
        self.tx.send(msg).map_err(|_| ())
    }

    fn flush(&mut self) -> Result<(), ()> {
        if self.batch.is_empty() {
            // Still notice a closed receiver while idle, about once a second.
            self.idle_polls += 1;
            if self.idle_polls < HEARTBEAT_POLLS {
                return Ok(());
            }
            self.idle_polls = 0;
            return match self.tx.try_send(IngestMsg::Batch(Batch::default())) {
                Err(TrySendError::Disconnected(_)) => Err(()),
                _ => Ok(()),
            };
        }
        self.idle_polls = 0;
        let b = std::mem::take(&mut self.batch);
        self.send(IngestMsg::Batch(b))
    }

    fn watch(&self, wake: std::sync::mpsc::Sender<()>) -> Option<notify::RecommendedWatcher> {
        use notify::Watcher;
        if std::env::var_os(POLL_ONLY_VAR).is_some() {
            return None;
        }
        let mut w = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
            use notify::event::{AccessKind, AccessMode, EventKind};
            // Our own opens and reads are reported too: they must not wake us again.
            let ours = res.as_ref().is_ok_and(|e| {
                matches!(
                    e.kind,
                    EventKind::Access(
                        AccessKind::Open(_)
                            | AccessKind::Read
                            | AccessKind::Close(AccessMode::Read)
                    )
                )
            });
            if !ours {
                let _ = wake.send(());
            }
        })
        .ok()?;
        for t in &self.targets {
            let dir = match t {
                Target::File(p) => p.parent().map(|d| {
                    if d.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        d
                    }
                }),
                Target::Dir(d) => Some(d.as_path()),
                Target::Stdin | Target::Stream(_) => None,
            };
            // A followed directory is watched with its subdirectories: Codex writes
            // `YYYY/MM/DD/rollout-*.jsonl`, Claude Code `<project>/<session>.jsonl`.
            let mode = if matches!(t, Target::Dir(_)) {
                notify::RecursiveMode::Recursive
            } else {
                notify::RecursiveMode::NonRecursive
            };
            if let Some(d) = dir {
                let _ = w.watch(d, mode);
            }
        }
        Some(w)
    }

    /// Finds file sets: named files, and log files in named directories (new ones too).
    fn discover(&mut self) {
        let mut bases: Vec<PathBuf> = Vec::new();
        for t in &self.targets {
            match t {
                Target::File(p) => bases.push(rotation_key(p).0),
                Target::Dir(d) => {
                    let mut found = Vec::new();
                    log_files(d, DIR_DEPTH, &mut found);
                    let mut found: Vec<PathBuf> = found.iter().map(|p| rotation_key(p).0).collect();
                    found.sort();
                    found.dedup();
                    bases.extend(found);
                }
                Target::Stdin | Target::Stream(_) => {}
            }
        }
        for b in bases {
            if !self.tails.iter().any(|t| t.base == b) {
                self.tails.push(Tail::new(b));
            }
        }
    }

    fn poll_all(&mut self) -> Result<(), Restart> {
        if self.targets.iter().any(|t| matches!(t, Target::Dir(_))) {
            self.discover();
        }
        for i in 0..self.tails.len() {
            self.poll_tail(i)?;
            self.quiet_check(i);
        }
        Ok(())
    }

    fn register(&mut self, path: &Path) -> u16 {
        let name = path.display().to_string();
        self.files.push(name.clone());
        self.batch.files.push(name);
        (self.files.len() - 1) as u16
    }

    fn poll_tail(&mut self, i: usize) -> Result<(), Restart> {
        if self.tails[i].file.is_none() {
            let base = self.tails[i].base.clone();
            let first = std::iter::once(base.clone())
                .chain(rotated_parts(&base))
                .find(|p| p.exists());
            let Some(first) = first else {
                if !self.tails[i].announced_wait {
                    self.tails[i].announced_wait = true;
                    let _ = self.send(IngestMsg::Status(format!(
                        "waiting for {} to appear",
                        base.display()
                    )));
                }
                return Ok(());
            };
            if !self.open_part(i, &first) {
                return Ok(());
            }
            if self.tails[i].announced_wait {
                let _ = self.send(IngestMsg::Status(format!("following {}", first.display())));
            }
        }
        self.poll_retired(i);
        loop {
            self.read_new(i)?;
            // Move on to the next rotated part only once this one is drained.
            let next = {
                let t = &self.tails[i];
                let cur = t.parts.last().cloned();
                rotated_parts(&t.base)
                    .into_iter()
                    .find(|p| !t.parts.contains(p) && Some(p) != cur.as_ref())
            };
            match next {
                Some(p) if self.tails[i].document.is_none() => {
                    self.read_new(i)?;
                    if !self.open_part(i, &p) {
                        return Ok(());
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// Opens `path` as the tail's next part; false (reported once, retried on the next
    /// wake-up) when it cannot be opened.
    fn open_part(&mut self, i: usize, path: &Path) -> bool {
        let f = match File::open(path) {
            Ok(f) => f,
            Err(e) => {
                if !self.tails[i].announced_unreadable {
                    self.tails[i].announced_unreadable = true;
                    let _ = self.send(IngestMsg::Status(format!(
                        "cannot read {}: {e}; retrying",
                        path.display()
                    )));
                }
                return false;
            }
        };
        if std::mem::take(&mut self.tails[i].announced_unreadable) {
            let _ = self.send(IngestMsg::Status(format!("following {}", path.display())));
        }
        let ino = f.metadata().map_or(0, |m| m.ino());
        let idx = self.register(path);
        let t = &mut self.tails[i];
        t.parts.push(path.to_path_buf());
        t.file = Some(f);
        t.ino = ino;
        t.offset = 0;
        t.fingerprint = identity::Fingerprint::default();
        match t.decoder.as_mut() {
            Some(d) => d.next_part(idx),
            None => {
                t.decoder = Some(Decoder::new(
                    idx,
                    Some(path.display().to_string()),
                    self.format,
                ));
            }
        }
        true
    }

    fn spawn_stream(&mut self, source: stream::Source) {
        let name = match &source {
            stream::Source::Stdin => PathBuf::from("-"),
            stream::Source::Path(p) => p.clone(),
        };
        let idx = self.register(&name);
        // The file must be registered before the stream thread's first batch arrives.
        let _ = self.flush();
        stream::spawn(source, idx, self.format, self.tx.clone());
    }
}

/// Waits for a watcher notification or the poll interval, then swallows the rest of a burst so
/// it costs one read. Without a native watcher the channel is closed: sleep the interval
/// instead of spinning.
/// Collects events into the follower's batch, sending it whenever it is full.
struct Flushing<'a> {
    batch: &'a mut Batch,
    tx: &'a SyncSender<IngestMsg>,
    /// The receiver is gone: reading on is pointless (the follow loop then stops).
    closed: bool,
}

impl<'a> Flushing<'a> {
    fn new(batch: &'a mut Batch, tx: &'a SyncSender<IngestMsg>) -> Self {
        Self {
            batch,
            tx,
            closed: false,
        }
    }
}

impl Sink for Flushing<'_> {
    fn event(&mut self, ev: trace_model::event::Event<'_>) {
        self.batch.event(ev);
        if self.batch.events.len() >= BATCH_EVENTS && !self.closed {
            let b = std::mem::take(self.batch);
            self.closed = self.tx.send(IngestMsg::Batch(b)).is_err();
        }
    }

    fn skip(&mut self, file: u16, line: u64, message: String) {
        self.batch.skip(file, line, message);
    }

    fn warn(&mut self, file: u16, line: u64, message: String) {
        self.batch.warn(file, line, message);
    }
}

fn wait_for_wake(wake: &Receiver<()>) {
    match wake.recv_timeout(POLL_INTERVAL) {
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => std::thread::sleep(POLL_INTERVAL),
        _ => while wake.try_recv().is_ok() {},
    }
}

/// Names that look like logs we read, for directory following.
/// How deep below a followed directory log files are found (Codex: `YYYY/MM/DD/`).
const DIR_DEPTH: usize = 4;

/// The log files in `dir` and its subdirectories down to `depth` levels.
fn log_files(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for p in entries.filter_map(Result::ok).map(|e| e.path()) {
        if p.is_dir() {
            if depth > 0 {
                log_files(&p, depth - 1, out);
            }
        } else if p.is_file() && is_log_name(&p) {
            out.push(p);
        }
    }
}

fn is_log_name(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e == "jsonl" || e == "json" || e == "ndjson")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_watcher_the_loop_sleeps_instead_of_spinning() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        drop(tx);
        let start = std::time::Instant::now();
        wait_for_wake(&rx);
        // A lower bound only: noise can make it slower, never faster.
        assert!(start.elapsed() >= POLL_INTERVAL);
    }
}
