//! Input files: rotated sets, whole-file loading with progress, and document time.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::{Decoder, Sink};
use trace_formats::{Format, is_document, sniff};
use trace_model::Trace;

/// Files read in order through one reader: a log and its rotated parts (`x.jsonl`,
/// `x-000001.jsonl`, …), whose harn `index` continues across parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputSet {
    pub parts: Vec<PathBuf>,
}

/// Splits a file name into (base name, part number) for the `<stem>-NNNNNN.<ext>` rotation scheme.
pub fn rotation_key(path: &Path) -> (PathBuf, u32) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name.as_str(), ""),
    };
    if stem.len() > 7 {
        let (head, tail) = stem.split_at(stem.len() - 7);
        if let Some(digits) = tail.strip_prefix('-') {
            if digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()) {
                if let Ok(n) = digits.parse::<u32>() {
                    return (path.with_file_name(format!("{head}{ext}")), n);
                }
            }
        }
    }
    (path.to_path_buf(), 0)
}

/// Rotated parts that exist next to `base`, in order (`base` itself not included).
pub fn rotated_parts(base: &Path) -> Vec<PathBuf> {
    let Some(dir) = base.parent().map(|d| {
        if d.as_os_str().is_empty() {
            Path::new(".")
        } else {
            d
        }
    }) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut parts: Vec<(u32, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter_map(|p| {
            let (b, n) = rotation_key(&p);
            (n > 0 && b.file_name() == base.file_name())
                .then(|| (n, base.with_file_name(p.file_name().unwrap_or_default())))
        })
        .collect();
    parts.sort();
    parts.into_iter().map(|(_, p)| p).collect()
}

/// Checks paths and groups rotated parts. A base file brings its parts along even when they
/// were not named; parts named without their base are read in order on their own.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<InputSet>> {
    let mut sets: Vec<(PathBuf, Vec<(u32, PathBuf)>)> = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).with_context(|| format!("cannot open {}", p.display()))?;
        if meta.is_dir() {
            bail!(
                "{} is a directory; name the log files in it (e.g. {}/*.jsonl)",
                p.display(),
                p.display()
            );
        }
        let (base, n) = rotation_key(p);
        let idx = sets
            .iter()
            .position(|(b, _)| *b == base)
            .unwrap_or_else(|| {
                sets.push((base.clone(), Vec::new()));
                sets.len() - 1
            });
        let parts = &mut sets[idx].1;
        if !parts.iter().any(|(m, _)| *m == n) {
            parts.push((n, p.clone()));
        }
        if n == 0 {
            for (i, extra) in rotated_parts(p).into_iter().enumerate() {
                let num = rotation_key(&extra).1.max(i as u32 + 1);
                if !parts.iter().any(|(m, _)| *m == num) {
                    parts.push((num, extra));
                }
            }
        }
    }
    let mut sets: Vec<InputSet> = sets
        .into_iter()
        .map(|(_, mut parts)| {
            parts.sort();
            InputSet {
                parts: parts.into_iter().map(|(_, p)| p).collect(),
            }
        })
        .collect();
    attach_harn_transcripts(&mut sets);
    Ok(sets)
}

/// A harn LLM transcript named with exactly one harn event log is read after it through the
/// same reader, so its calls join that session (the transcript names no session itself).
fn attach_harn_transcripts(sets: &mut Vec<InputSet>) {
    let name = |s: &InputSet| {
        s.parts[0]
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let is_transcript = |n: &str| n == "llm_transcript.jsonl" || n == "agent.transcript.llm.jsonl";
    let is_log = |n: &str| {
        (n.starts_with("event_log") || n.starts_with("observability.agent_events."))
            && Path::new(n)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("jsonl"))
    };
    let logs = sets.iter().filter(|s| is_log(&name(s))).count();
    if logs != 1 || !sets.iter().any(|s| is_transcript(&name(s))) {
        return;
    }
    let mut moved = Vec::new();
    sets.retain(|s| {
        let keep = !is_transcript(&name(s));
        if !keep {
            moved.extend(s.parts.iter().cloned());
        }
        keep
    });
    if let Some(target) = sets.iter_mut().find(|s| is_log(&name(s))) {
        target.parts.extend(moved);
    }
}

/// File modification time in epoch microseconds.
pub fn mtime_us(meta: &std::fs::Metadata) -> Option<i64> {
    let t = meta.modified().ok()?;
    let d = t.duration_since(std::time::UNIX_EPOCH).ok()?;
    i64::try_from(d.as_micros()).ok()
}

const CHUNK: usize = 1 << 20;

/// Reads one input set to its end into `sink`; returns the dialect used.
pub fn read_set(
    set: &InputSet,
    forced: Option<Format>,
    trace_files: &mut Vec<String>,
    sink: &mut dyn Sink,
    progress: &mut dyn FnMut(u64),
) -> Result<Option<Format>> {
    let mut decoder: Option<Decoder> = None;
    for path in &set.parts {
        let name = path.display().to_string();
        let file_idx = u16::try_from(trace_files.len()).context("too many input files")?;
        trace_files.push(name.clone());
        let mut f = File::open(path).with_context(|| format!("cannot open {name}"))?;
        let meta = f
            .metadata()
            .with_context(|| format!("cannot stat {name}"))?;
        if meta.is_dir() {
            bail!("{name} is a directory");
        }
        let mut buf = vec![0u8; CHUNK];
        let first = read_full(&mut f, &mut buf).with_context(|| format!("cannot read {name}"))?;
        let format = match &decoder {
            Some(d) => d.format().or(forced),
            None => forced.or_else(|| sniff(&buf[..first.min(64 * 1024)], Some(&name))),
        };
        if let Some(doc) = format.filter(|&f| is_document(&buf[..first], f)) {
            let mut all = buf[..first].to_vec();
            f.read_to_end(&mut all)
                .with_context(|| format!("cannot read {name}"))?;
            progress(all.len() as u64);
            let mut d = Decoder::new(file_idx, Some(name), Some(doc));
            d.document(&all, mtime_us(&meta), sink);
            decoder = Some(d);
            continue;
        }
        let d = match decoder.as_mut() {
            Some(d) => {
                d.finish(sink);
                d.next_part(file_idx);
                d
            }
            None => decoder.insert(Decoder::new(file_idx, Some(name.clone()), format)),
        };
        let mut n = first;
        while n > 0 {
            d.feed(&buf[..n], sink);
            progress(n as u64);
            n = read_full(&mut f, &mut buf).with_context(|| format!("cannot read {name}"))?;
        }
    }
    if let Some(d) = decoder.as_mut() {
        d.finish(sink);
    }
    Ok(decoder.and_then(|d| d.format()))
}

/// Reads until `buf` is full or the file ends; returns the bytes read.
pub(super) fn read_full(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Loads every path into a fresh trace; returns it with the dialects seen.
pub fn load(
    paths: &[PathBuf],
    forced: Option<Format>,
    progress: &mut dyn FnMut(u64),
) -> Result<(Trace, Vec<Format>)> {
    let sets = expand(paths)?;
    let mut trace = Trace::new();
    let mut formats = Vec::new();
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(4);
    for set in &sets {
        if let Some(f) = try_parallel(set, forced, workers, &mut trace, progress)? {
            if !formats.contains(&f) {
                formats.push(f);
            }
            continue;
        }
        let mut files = Vec::new();
        let base = trace.files().len() as u16;
        let f = read_set(
            set,
            forced,
            &mut files,
            &mut Renumber {
                inner: &mut trace,
                base,
            },
            progress,
        )?;
        for name in files {
            trace.add_file(name);
        }
        if let Some(f) = f {
            if !formats.contains(&f) {
                formats.push(f);
            }
        }
    }
    trace.settle();
    Ok((trace, formats))
}

/// Loads a big single-file line set on several threads (ATOF and OTLP chunk by chunk, Claude
/// Code, Codex and harn staged through one reader); `None` when the set does not qualify.
fn try_parallel(
    set: &InputSet,
    forced: Option<Format>,
    workers: usize,
    trace: &mut Trace,
    progress: &mut dyn FnMut(u64),
) -> Result<Option<Format>> {
    use super::{parallel, staged};
    use trace_formats::{claude::ClaudeReader, codex::CodexReader};
    let [path] = set.parts.as_slice() else {
        return Ok(None);
    };
    if workers < 2 {
        return Ok(None);
    }
    let name = path.display().to_string();
    let mut f = File::open(path).with_context(|| format!("cannot open {name}"))?;
    let size = f
        .metadata()
        .with_context(|| format!("cannot stat {name}"))?
        .len();
    if size < parallel::MIN_PARALLEL_BYTES {
        return Ok(None);
    }
    // The head and the sniff `read_set` would use, so the dialect is the one it would pick.
    let mut head = vec![0u8; 64 * 1024];
    let n = read_full(&mut f, &mut head).with_context(|| format!("cannot read {name}"))?;
    let format = forced.or_else(|| sniff(&head[..n], Some(&name)));
    let Some(format) = format.filter(|f| !is_document(&head[..n], *f)) else {
        return Ok(None);
    };
    // Readers that keep state between lines are staged through one reader; the others get a
    // reader per chunk. harn was read on one thread while its step (per-line id strings)
    // was most of its cost; with those gone, staging on 200 MB takes 1.60-1.94 s wall
    // against 1.79-2.09 s on one thread, for ~20% more CPU (3 interleaved runs each).
    let staged: Option<staged::Load> = match format {
        Format::Claude => Some(staged::load_file::<ClaudeReader>),
        Format::Codex => Some(staged::load_file::<CodexReader>),
        Format::Harn => Some(staged::load_file::<trace_formats::harn::HarnReader>),
        Format::Atof | Format::Otlp => None,
        Format::Greentic | Format::Atif => return Ok(None),
    };
    std::io::Seek::rewind(&mut f).with_context(|| format!("cannot read {name}"))?;
    let idx = trace.add_file(name.clone());
    let read = if let Some(load) = staged {
        // The reader sees the set-local file index, as in `read_set` (a Claude transcript
        // without a session id is named after it).
        let mut sink = Renumber {
            inner: trace,
            base: idx,
        };
        load(&mut f, 0, workers, staged::CHUNK_BYTES, &mut sink, progress)
    } else {
        // NeMo-Relay-shaped logs run about 2 kB of file per scope.
        trace.reserve_scopes(usize::try_from(size / 2048).unwrap_or(usize::MAX));
        let chunk = parallel::CHUNK_BYTES;
        parallel::load_file(&mut f, format, idx, workers, chunk, trace, progress)
    };
    read.with_context(|| format!("cannot read {name}"))?;
    Ok(Some(format))
}

/// Offsets the set-local file index into the trace's file table.
struct Renumber<'a> {
    inner: &'a mut Trace,
    base: u16,
}

impl Sink for Renumber<'_> {
    fn event(&mut self, mut ev: trace_model::event::Event<'_>) {
        ev.src.file += self.base;
        self.inner.apply(&ev);
    }

    fn skip(&mut self, file: u16, line: u64, message: String) {
        self.inner.skip(file + self.base, line, message);
    }

    fn warn(&mut self, file: u16, line: u64, message: String) {
        self.inner.warn_at(file + self.base, line, message);
    }
}

/// Inputs at least this big get a [`preview`] while they load.
pub const PREVIEW_MIN_BYTES: u64 = 4 << 20;
/// How much of the first file the preview decodes.
const PREVIEW_BYTES: usize = 1 << 20;

/// The first complete records of the first input file (up to 1 MiB), decoded exactly as the
/// full load decodes them first. `None` when there is nothing line-based to show (an unknown
/// dialect, a greentic document, no complete line).
pub fn preview(paths: &[PathBuf], forced: Option<Format>) -> Option<super::Loaded> {
    let sets = expand(paths).ok()?;
    let path = sets.first()?.parts.first()?;
    let name = path.display().to_string();
    let mut head = Vec::with_capacity(PREVIEW_BYTES);
    File::open(path)
        .ok()?
        .take(PREVIEW_BYTES as u64)
        .read_to_end(&mut head)
        .ok()?;
    let format = forced.or_else(|| sniff(&head[..head.len().min(64 * 1024)], Some(&name)))?;
    if is_document(&head, format) {
        return None;
    }
    let complete = memchr::memrchr(b'\n', &head)? + 1;
    let mut trace = Trace::new();
    trace.add_file(name.clone());
    let mut d = Decoder::new(0, Some(name), Some(format));
    // No `finish`: the last line fed is complete, and a reader's end-of-input work belongs to
    // the real end of the input.
    d.feed(&head[..complete], &mut trace);
    trace.settle();
    (trace.events > 0).then(|| super::Loaded {
        trace,
        formats: vec![format],
    })
}

/// How often a background load reports progress.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(50);

/// Loads `paths` on a background thread, reporting progress, then sends the whole trace.
/// Paths are checked before the thread starts, so a missing file fails at once.
pub fn spawn_load(
    paths: Vec<PathBuf>,
    format: Option<Format>,
) -> Result<std::sync::mpsc::Receiver<super::IngestMsg>> {
    use super::IngestMsg;
    let sets = expand(&paths)?;
    let total: u64 = sets
        .iter()
        .flat_map(|s| &s.parts)
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let (tx, rx) = std::sync::mpsc::sync_channel(16);
    std::thread::Builder::new()
        .name("load".into())
        .spawn(move || {
            let mut done = 0u64;
            let mut last = std::time::Instant::now();
            let _ = tx.send(IngestMsg::Progress { done, total });
            if total >= PREVIEW_MIN_BYTES {
                if let Some(p) = preview(&paths, format) {
                    let _ = tx.send(IngestMsg::Preview(Box::new(p)));
                }
            }
            let result = load(&paths, format, &mut |n| {
                done += n;
                if last.elapsed() >= PROGRESS_EVERY {
                    last = std::time::Instant::now();
                    // A full queue only means the UI is busy: skip this report rather than wait.
                    let _ = tx.try_send(IngestMsg::Progress { done, total });
                }
            });
            let msg = match result {
                Ok((trace, formats)) => {
                    IngestMsg::Loaded(Box::new(super::Loaded { trace, formats }))
                }
                Err(e) => IngestMsg::Status(format!("cannot read: {e:#}")),
            };
            let _ = tx.send(msg);
        })?;
    Ok(rx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_names() {
        assert_eq!(
            rotation_key(Path::new("/d/event_log-abc-000002.jsonl")),
            (PathBuf::from("/d/event_log-abc.jsonl"), 2)
        );
        assert_eq!(
            rotation_key(Path::new("/d/event_log-000001.jsonl")),
            (PathBuf::from("/d/event_log.jsonl"), 1)
        );
        assert_eq!(
            rotation_key(Path::new("/d/event_log.jsonl")),
            (PathBuf::from("/d/event_log.jsonl"), 0)
        );
        assert_eq!(
            rotation_key(Path::new("x-12345.jsonl")),
            (PathBuf::from("x-12345.jsonl"), 0)
        );
    }
}
