//! Discovery: the recent sessions found in the usual places, for `trace-tui` run with no file.
//! Claude Code transcripts (`~/.claude/projects/**.jsonl`), Codex rollouts
//! (`~/.codex/sessions/**/rollout-*.jsonl`), harn event logs (`$HARN_EVENT_LOG_DIR`) and
//! ATOF/OTLP files in the current directory; newest first, each with its dialect (sniffed),
//! size and modification time. `$HOME` decides where `~` is; `TRACE_TUI_DISCOVER_ROOTS`
//! (directories separated by `:`) replaces all the usual places, for tests and odd layouts.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use trace_formats::{Format, sniff};

/// How deep below a place files are looked for (Codex: `YYYY/MM/DD/`; Claude sub-agents:
/// `<project>/<session>/subagents/`).
const DEPTH: usize = 4;
/// How many sessions are listed.
pub const LIMIT: usize = 20;

/// One session found.
#[derive(Debug, Clone)]
pub struct Found {
    pub path: PathBuf,
    pub format: Option<Format>,
    pub size: u64,
    pub modified: SystemTime,
}

/// A place to look: a folder, how deep, and which dialects count there.
struct Place {
    dir: PathBuf,
    depth: usize,
    only: &'static [Format],
}

/// The places looked in, from the environment.
fn places() -> Vec<Place> {
    if let Some(roots) = std::env::var_os("TRACE_TUI_DISCOVER_ROOTS") {
        return std::env::split_paths(&roots)
            .map(|dir| Place {
                dir,
                depth: DEPTH,
                only: &[],
            })
            .collect();
    }
    let mut out = Vec::new();
    if let Some(home) = std::env::var_os("HOME") {
        let home = PathBuf::from(home);
        out.push(Place {
            dir: home.join(".claude/projects"),
            depth: DEPTH,
            only: &[Format::Claude],
        });
        out.push(Place {
            dir: home.join(".codex/sessions"),
            depth: DEPTH,
            only: &[Format::Codex],
        });
    }
    if let Some(dir) = std::env::var_os("HARN_EVENT_LOG_DIR") {
        out.push(Place {
            dir: dir.into(),
            depth: 1,
            only: &[Format::Harn],
        });
    }
    out.push(Place {
        dir: PathBuf::from("."),
        depth: 0,
        only: &[Format::Atof, Format::Otlp],
    });
    out
}

/// The usual places' sessions, newest first, at most [`LIMIT`].
pub fn discover() -> Vec<Found> {
    let mut found = Vec::new();
    for p in places() {
        walk(&p.dir, p.depth, p.only, &mut found);
    }
    found.sort_by(|a, b| b.modified.cmp(&a.modified).then(a.path.cmp(&b.path)));
    found.dedup_by(|a, b| a.path == b.path);
    found.truncate(LIMIT);
    found
}

fn walk(dir: &Path, depth: usize, only: &[Format], out: &mut Vec<Found>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let path = e.path();
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            // A Claude Code sub-agent's file is opened with its session, not on its own.
            if depth > 0 && e.file_name() != "subagents" {
                walk(&path, depth - 1, only, out);
            }
            continue;
        }
        let log = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("jsonl") || e.eq_ignore_ascii_case("json"));
        if !log {
            continue;
        }
        let format = sniff_file(&path);
        if !only.is_empty() && !format.is_some_and(|f| only.contains(&f)) {
            continue;
        }
        if format.is_none() {
            continue;
        }
        out.push(Found {
            path,
            format,
            size: meta.len(),
            modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        });
    }
}

fn sniff_file(path: &Path) -> Option<Format> {
    use std::io::Read;
    let mut head = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(64 * 1024)
        .read_to_end(&mut head)
        .ok()?;
    sniff(&head, path.to_str())
}

/// `12.3 MB`, `840 B`.
fn size_text(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GB", n as f64 / f64::from(1u32 << 30)),
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / f64::from(1u32 << 20)),
        n if n >= 1 << 10 => format!("{:.1} kB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

/// The modification time as UTC `YYYY-MM-DD HH:MM`.
fn time_text(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = trace_formats::time::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60
    )
}

/// The numbered list: `  1  claude  1.2 MB  2026-12-01 21:03  PATH` (the path made inert).
pub fn list_text(found: &[Found]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for (i, f) in found.iter().enumerate() {
        let _ = writeln!(
            out,
            "{:>3}  {:<8}  {:>8}  {}  {}",
            i + 1,
            f.format.map_or("?", Format::as_str),
            size_text(f.size),
            time_text(f.modified),
            trace_model::text::clean(&f.path.display().to_string())
        );
    }
    out
}

/// The session an answer picks: `3` → the third; empty, `q` or anything else → none.
pub fn pick<'a>(found: &'a [Found], answer: &str) -> Option<&'a Found> {
    let n: usize = answer.trim().parse().ok()?;
    found.get(n.checked_sub(1)?)
}

/// `trace-tui` with no file: lists the sessions found and asks which to open. Returns the one
/// picked; `None` when there is no terminal to ask on (the list is printed, exit 0) or the
/// answer picks none. No session found at all is an error naming where it looked.
pub fn choose() -> anyhow::Result<Option<PathBuf>> {
    use std::io::{BufRead as _, IsTerminal as _, Write as _};
    let found = discover();
    if found.is_empty() {
        let looked: Vec<String> = places()
            .iter()
            .map(|p| trace_model::text::clean(&p.dir.display().to_string()).into_owned())
            .collect();
        anyhow::bail!(
            "no log files given and no sessions found in {} (try `trace-tui --help`)",
            looked.join(", ")
        );
    }
    let mut out = std::io::stdout().lock();
    write!(out, "{}", list_text(&found))?;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        out.flush()?;
        return Ok(None);
    }
    write!(out, "open which (1-{}, Enter to quit)? ", found.len())?;
    out.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(pick(&found, &answer).map(|f| f.path.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_times_and_sizes() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_764_622_980);
        assert_eq!(time_text(t), "2025-12-01 21:03");
        assert_eq!(size_text(840), "840 B");
        assert_eq!(size_text(3 << 20), "3.0 MB");
    }
}
