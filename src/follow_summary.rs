//! `trace-tui summary --follow`: completed runs printed as they complete, each once.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use trace_formats::Format;
use trace_ingest::follow::{self, Target};

use super::FOLLOW_QUEUE;

/// `summary --follow`: one line per run as it completes, until stdin closes, a signal
/// (SIGINT, SIGTERM, SIGHUP) arrives, or forever. Each run is reported once, by (file, root
/// id), whatever starts over; a run still waiting for its named parent is reported when
/// following stops, as an orphan.
pub fn follow_summary(files: &[PathBuf], format: Option<Format>, json: bool) -> Result<ExitCode> {
    use std::sync::mpsc::RecvTimeoutError;
    use trace_ingest::IngestMsg;
    let targets: Vec<Target> = files.iter().map(|f| Target::from_arg(f)).collect();
    // Following only streams (stdin, pipes), the summary ends when they all have.
    let ends: Vec<String> = targets
        .iter()
        .filter_map(|t| match t {
            Target::Stdin => Some(follow::stream::closed_status(
                &follow::stream::Source::Stdin,
            )),
            Target::Stream(p) => Some(follow::stream::closed_status(
                &follow::stream::Source::Path(p.clone()),
            )),
            Target::File(_) | Target::Dir(_) => None,
        })
        .collect();
    let streams_only = ends.len() == targets.len();
    let mut closed = 0usize;
    let stop = stop_on_signal();
    let rx = follow::spawn_until(targets, format, FOLLOW_QUEUE, stop.clone());
    let mut trace = trace_model::Trace::new();
    let mut done = trace_report::summary::CompletedRuns::default();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut finished = false;
    let mut notes = Notes::default();
    let print = |out: &mut io::StdoutLock<'_>,
                 trace: &trace_model::Trace,
                 runs: Vec<trace_report::summary::Completed>,
                 orphan: bool|
     -> io::Result<()> {
        for (id, s, again) in runs {
            if json {
                let mut line = trace_report::summary::run_json_line(trace, id, &s);
                if orphan {
                    line.insert_str(1, "\"orphan\":true,");
                }
                if again {
                    line.insert_str(1, "\"updated\":true,");
                }
                writeln!(out, "{line}")?;
            } else {
                let tag = match (orphan, again) {
                    (true, _) => " (orphan)",
                    (false, true) => " (updated)",
                    (false, false) => "",
                };
                writeln!(
                    out,
                    "{}{tag}",
                    trace_report::summary::run_line(trace, id, &s)
                )?;
            }
        }
        out.flush()
    };
    while !finished && !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let msg = match rx.recv_timeout(std::time::Duration::from_millis(100)) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let mut pending = Some(msg);
        // Drain what is queued, then report once.
        while let Some(msg) = pending.take().or_else(|| rx.try_recv().ok()) {
            match msg {
                IngestMsg::Batch(b) => apply(b, &mut trace, &mut done, &mut notes),
                IngestMsg::Reset => {
                    trace = trace_model::Trace::new();
                    done.reset();
                }
                IngestMsg::Status(s) => {
                    if streams_only && ends.contains(&s) {
                        closed += 1;
                        finished |= closed == ends.len();
                    }
                    eprintln!("trace-tui: {}", trace_model::text::clean(&s));
                }
                // Only background loads send these; the follower never does.
                IngestMsg::Progress { .. } | IngestMsg::Preview(_) | IngestMsg::Loaded(_) => {}
            }
        }
        let runs = done.take_new(&trace);
        print(&mut out, &trace, runs, false)?;
    }
    // Whatever already arrived counts, and what the follower reads as it ends: the files to
    // their ends, a last line without a newline, what readers held back (the follower ends
    // on the raised flag; a stream's thread may not, hence the deadline).
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(IngestMsg::Batch(b)) => apply(b, &mut trace, &mut done, &mut notes),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    let runs = done.take_new(&trace);
    print(&mut out, &trace, runs, false)?;
    let orphans = done.take_orphans(&trace);
    print(&mut out, &trace, orphans, true)?;
    Ok(ExitCode::SUCCESS)
}

/// One batch into the trace: renamed files keep their reported runs, skips and warnings go
/// to stderr.
fn apply(
    b: trace_ingest::Batch,
    trace: &mut trace_model::Trace,
    done: &mut trace_report::summary::CompletedRuns,
    notes: &mut Notes,
) {
    for (file, new) in &b.renamed {
        done.rename_file(trace.file_name(*file), new);
    }
    let (skips, warnings) = (b.skips.clone(), b.warnings.clone());
    b.apply_to(trace);
    notes.report(trace, &skips, "skipped");
    notes.report(trace, &warnings, "warning");
}

/// Skipped lines and warnings, on stderr as they arrive (`file:line: reason`, as a one-shot
/// `summary` lists them), up to [`Notes::LIMIT`]; the rest are counted in one last line.
#[derive(Default)]
struct Notes {
    shown: usize,
    said_more: bool,
}

impl Notes {
    const LIMIT: usize = 100;

    fn report(&mut self, trace: &trace_model::Trace, list: &[(u16, u64, String)], what: &str) {
        use trace_model::text::clean;
        for (file, line, message) in list {
            if self.shown < Self::LIMIT {
                self.shown += 1;
                eprintln!(
                    "{what} {}:{line}: {}",
                    clean(trace.file_name(*file)),
                    clean(message)
                );
            } else if !self.said_more {
                self.said_more = true;
                eprintln!(
                    "trace-tui: more than {} skipped lines and warnings; the rest are not listed",
                    Self::LIMIT
                );
            }
        }
    }
}

/// A flag raised by SIGINT, SIGTERM or SIGHUP, so `summary --follow` ends by reporting what
/// it still holds instead of dying mid-line.
fn stop_on_signal() -> std::sync::Arc<std::sync::atomic::AtomicBool> {
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let raised = std::sync::Arc::clone(&flag);
    let _ = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                use tokio::signal::unix::{SignalKind, signal};
                let (Ok(mut term), Ok(mut hup)) = (
                    signal(SignalKind::terminate()),
                    signal(SignalKind::hangup()),
                ) else {
                    return;
                };
                tokio::select! {
                    _ = term.recv() => {}
                    _ = hup.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            });
            raised.store(true, std::sync::atomic::Ordering::Relaxed);
        });
    flag
}
