//! `summary` as text: a header line, a table of runs (the first and the worst when there are
//! many), a table of models and the token totals; and diagnostics for stderr.

use std::io::{self, Write};

use trace_formats::Format;
use trace_formats::time::format_us;
use trace_model::stats::{RunStats, TokenSum, Totals};
use trace_model::text::{clean, format_duration_us};
use trace_model::{NodeId, Trace};

use super::runs_by_start;

/// Writes rows as left-aligned columns (numbers right-aligned), two spaces apart.
fn write_table(
    out: &mut dyn Write,
    header: &[&str],
    rows: &[Vec<String>],
    right: &[bool],
) -> io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = widths[i] - c.chars().count();
            if i > 0 {
                s.push_str("  ");
            }
            if right[i] {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            } else {
                s.push_str(c);
                if i + 1 < cells.len() {
                    s.push_str(&" ".repeat(pad));
                }
            }
        }
        s
    };
    writeln!(out, "{}", line(header.to_vec()))?;
    for r in rows {
        writeln!(out, "{}", line(r.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// Runs listed in the text report without `--detail`: the first [`TEXT_RUNS`]` / 2` by start
/// and the worst of the rest; a line says how many more there are.
pub const TEXT_RUNS: usize = 50;

/// How bad a run looks, for picking the worst: errors, then not ok, then duration.
fn badness(s: &RunStats) -> (bool, bool, i64) {
    (
        s.errors > 0,
        s.status() != trace_model::stats::RunStatus::Ok,
        s.duration_us().unwrap_or(0),
    )
}

/// One run's place in start order (unknown starts last, then arrival) and its badness.
type Brief = ((bool, Option<i64>, NodeId), (bool, bool, i64));

/// The totals of `roots` and a [`Brief`] of each, keeping no run's figures.
fn briefs(trace: &Trace, roots: &[NodeId]) -> (Totals, Vec<Brief>) {
    let mut totals = Totals::default();
    let mut out = Vec::with_capacity(roots.len());
    for &id in roots {
        let s = trace.run_stats(id);
        totals.add(&s);
        out.push(((s.start_us.is_none(), s.start_us, id), badness(&s)));
    }
    (totals, out)
}

/// The totals, the runs the text table lists (in start order) and how many it leaves out.
/// With `detail` every run is listed. Otherwise, with many runs, the first half of
/// [`TEXT_RUNS`] and the worst of the others (errors, then incomplete runs, then the
/// longest): each run's figures are summed and dropped, and only the listed ones are
/// computed again (a log of 300,000 runs held 400 MB of figures for a 50-row table).
fn listed(trace: &Trace, detail: bool) -> (Totals, Vec<(NodeId, RunStats)>, usize) {
    const PARALLEL_FROM: usize = 1024;
    if detail {
        let runs = runs_by_start(trace);
        return (Totals::of(runs.iter().map(|(_, s)| s)), runs, 0);
    }
    let roots: Vec<NodeId> = trace.runs().collect();
    let (totals, mut all) = if roots.len() < PARALLEL_FROM {
        briefs(trace, &roots)
    } else {
        let (a, b) = roots.split_at(roots.len() / 2);
        std::thread::scope(|scope| {
            let tail = scope.spawn(|| briefs(trace, b));
            let (mut totals, mut all) = briefs(trace, a);
            let (t, rest) = tail
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            totals.merge(t);
            all.extend(rest);
            (totals, all)
        })
    };
    all.sort_unstable_by_key(|b| b.0);
    let more = all.len().saturating_sub(TEXT_RUNS);
    if more > 0 {
        let first = TEXT_RUNS / 2;
        let mut rest: Vec<(usize, Brief)> = all.iter().copied().enumerate().skip(first).collect();
        rest.sort_unstable_by_key(|(i, b)| (std::cmp::Reverse(b.1), *i));
        rest.truncate(TEXT_RUNS - first);
        rest.sort_unstable_by_key(|(i, _)| *i);
        all.truncate(first);
        all.extend(rest.into_iter().map(|(_, b)| b));
    }
    let shown = all
        .iter()
        .map(|((_, _, id), _)| (*id, trace.run_stats(*id)))
        .collect();
    (totals, shown, more)
}

/// The human-readable report; with many runs only some are listed unless `detail`.
pub fn write_text(
    out: &mut dyn Write,
    trace: &Trace,
    formats: &[Format],
    detail: bool,
) -> io::Result<()> {
    let (totals, shown, more) = listed(trace, detail);
    let fmt = formats
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(",");
    writeln!(
        out,
        "{} events ({}) in {} file(s): {} runs, {} LLM calls, {} tool calls, {} skipped lines",
        trace.events,
        if fmt.is_empty() {
            "unknown format"
        } else {
            &fmt
        },
        trace.files().len(),
        totals.runs,
        totals.llm_calls,
        totals.tool_calls,
        trace.skipped
    )?;
    writeln!(out)?;
    let rows: Vec<Vec<String>> = shown
        .iter()
        .map(|(id, s)| {
            vec![
                truncate(&clean(trace.str(trace.node(*id).name)), 40),
                s.status().as_str().to_owned(),
                s.start_us.map_or_else(|| "-".into(), format_us),
                s.duration_us()
                    .map_or_else(|| "-".into(), |d| format_duration_us(d.max(0))),
                s.scopes.to_string(),
                s.llm_calls.to_string(),
                s.tool_calls.to_string(),
                count(&s.tokens, TokenSum::INPUT),
                count(&s.tokens, TokenSum::OUTPUT),
            ]
        })
        .collect();
    write_table(
        out,
        &[
            "RUN", "STATUS", "START", "DURATION", "SCOPES", "LLM", "TOOLS", "IN TOK", "OUT TOK",
        ],
        &rows,
        &[false, false, false, true, true, true, true, true, true],
    )?;
    if more > 0 {
        writeln!(
            out,
            "… {more} more runs (the first {} and the worst {} are listed; use --detail or --json)",
            TEXT_RUNS / 2,
            TEXT_RUNS - TEXT_RUNS / 2
        )?;
    }
    writeln!(out)?;
    let rows: Vec<Vec<String>> = totals
        .by_model
        .iter()
        .map(|(m, s)| {
            vec![
                truncate(&clean(m), 40),
                s.calls.to_string(),
                count(&s.tokens, TokenSum::INPUT),
                count(&s.tokens, TokenSum::OUTPUT),
                count(&s.tokens, 0),
                count(&s.tokens, TokenSum::CACHE_READ),
                count(&s.tokens, TokenSum::CACHE_WRITE),
            ]
        })
        .collect();
    write_table(
        out,
        &[
            "MODEL",
            "CALLS",
            "IN TOK",
            "OUT TOK",
            "TOTAL",
            "CACHE READ",
            "CACHE WRITE",
        ],
        &rows,
        &[false, true, true, true, true, true, true],
    )?;
    writeln!(
        out,
        "\nTOTAL  tokens in {} / out {} / total {}",
        count(&totals.tokens, TokenSum::INPUT),
        count(&totals.tokens, TokenSum::OUTPUT),
        count(&totals.tokens, 0)
    )?;
    Ok(())
}

/// A token bucket's sum, `-` when no summed call reported it (unknown is not 0).
fn count(t: &TokenSum, bucket: u8) -> String {
    t.known(bucket)
        .map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// Diagnostics for stderr: `file:line: error`, at most `limit`.
pub fn diagnostics_text(trace: &Trace, limit: usize) -> Vec<String> {
    diag_lines(trace, trace.diagnostics(), limit)
}

/// Warnings (records kept despite an oddity, such as an unknown format version) for stderr:
/// `file:line: message`, at most `limit`.
pub fn warnings_text(trace: &Trace, limit: usize) -> Vec<String> {
    diag_lines(trace, trace.warnings(), limit)
}

fn diag_lines(trace: &Trace, list: &[trace_model::Diagnostic], limit: usize) -> Vec<String> {
    list.iter()
        .take(limit)
        .map(|d| {
            format!(
                "{}:{}: {}",
                clean(trace.file_name(d.file)),
                d.line,
                clean(&d.message)
            )
        })
        .collect()
}
