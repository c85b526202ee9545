//! `trace-tui summary`: the headless report, as an aligned table or one JSON document.

use std::io::{self, Write};

use serde_json::{Value, json};

use crate::formats::Format;
use crate::formats::time::format_us;
use crate::model::stats::{RunStats, TokenSum, Totals};
use crate::model::{NodeId, Trace};
use crate::text::{clean, format_duration_us};

/// Runs with their figures, ordered by start time (unknown starts last, then arrival).
pub fn runs_by_start(trace: &Trace) -> Vec<(NodeId, RunStats)> {
    let mut runs: Vec<(NodeId, RunStats)> = trace.runs().map(|r| (r, trace.run_stats(r))).collect();
    runs.sort_by_key(|(id, s)| (s.start_us.is_none(), s.start_us, trace.node(*id).seq));
    runs
}

fn tokens_json(t: &TokenSum) -> Value {
    json!({"input": t.input, "output": t.output, "total": t.total, "cache_read": t.cache_read, "cache_write": t.cache_write})
}

fn ms(us: Option<i64>) -> Value {
    us.map_or(Value::Null, |u| json!(u as f64 / 1000.0))
}

/// JSON for one run.
pub fn run_json(trace: &Trace, id: NodeId, s: &RunStats) -> Value {
    let n = trace.node(id);
    json!({
        "id": trace.str(n.ext_id),
        "name": trace.str(n.name),
        "status": s.status().as_str(),
        "start": s.start_us.map(format_us),
        "end": s.end_us.map(format_us),
        "duration_ms": ms(s.duration_us()),
        "scopes": s.scopes,
        "marks": s.marks,
        "llm_calls": s.llm_calls,
        "tool_calls": s.tool_calls,
        "errors": s.errors,
        "open_scopes": s.open_scopes,
        "tokens": tokens_json(&s.tokens),
        "file": n.start_src.or(n.end_src).map(|src| trace.file_name(src.file).to_owned()),
    })
}

/// The whole `summary --json` document.
pub fn summary_json(trace: &Trace, formats: &[Format]) -> Value {
    let runs = runs_by_start(trace);
    let totals = Totals::of(runs.iter().map(|(_, s)| s));
    let by_model: serde_json::Map<String, Value> = totals
        .by_model
        .iter()
        .map(|(m, s)| {
            (
                m.clone(),
                json!({"calls": s.calls, "input": s.tokens.input, "output": s.tokens.output, "total": s.tokens.total,
                       "cache_read": s.tokens.cache_read, "cache_write": s.tokens.cache_write}),
            )
        })
        .collect();
    let diag = |d: &crate::model::Diagnostic| json!({"file": trace.file_name(d.file), "line": d.line, "error": d.message});
    json!({
        "format": formats.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(","),
        "files": trace.files(),
        "events": trace.events,
        "skipped_lines": trace.skipped,
        "loose_marks": trace.loose_marks().count(),
        "diagnostics": trace.diagnostics().iter().map(diag).collect::<Vec<_>>(),
        "warnings_count": trace.warnings_count,
        "warnings": trace.warnings().iter().map(diag).collect::<Vec<_>>(),
        "runs": runs.iter().map(|(id, s)| run_json(trace, *id, s)).collect::<Vec<_>>(),
        "totals": {
            "runs": totals.runs,
            "llm_calls": totals.llm_calls,
            "tool_calls": totals.tool_calls,
            "errors": totals.errors,
            "tokens": tokens_json(&totals.tokens),
            "by_model": by_model,
            "by_status": totals.by_status.iter().map(|(k, v)| (k.as_str().to_owned(), json!(v))).collect::<serde_json::Map<_, _>>(),
        },
    })
}

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

/// The human-readable report.
pub fn write_text(out: &mut dyn Write, trace: &Trace, formats: &[Format]) -> io::Result<()> {
    let runs = runs_by_start(trace);
    let totals = Totals::of(runs.iter().map(|(_, s)| s));
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
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|(id, s)| {
            vec![
                truncate(&clean(trace.str(trace.node(*id).name)), 40),
                s.status().as_str().to_owned(),
                s.start_us.map_or_else(|| "-".into(), format_us),
                s.duration_us()
                    .map_or_else(|| "-".into(), format_duration_us),
                s.scopes.to_string(),
                s.llm_calls.to_string(),
                s.tool_calls.to_string(),
                s.tokens.input.to_string(),
                s.tokens.output.to_string(),
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
    writeln!(out)?;
    let rows: Vec<Vec<String>> = totals
        .by_model
        .iter()
        .map(|(m, s)| {
            vec![
                truncate(&clean(m), 40),
                s.calls.to_string(),
                s.tokens.input.to_string(),
                s.tokens.output.to_string(),
                s.tokens.total.to_string(),
                s.tokens.cache_read.to_string(),
                s.tokens.cache_write.to_string(),
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
        totals.tokens.input, totals.tokens.output, totals.tokens.total
    )?;
    Ok(())
}

/// Diagnostics for stderr: `file:line: error`, at most `limit`.
pub fn diagnostics_text(trace: &Trace, limit: usize) -> Vec<String> {
    trace
        .diagnostics()
        .iter()
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

/// Reports each run once, when it completes (`summary --follow`).
#[derive(Debug, Default)]
pub struct CompletedRuns {
    printed: rustc_hash::FxHashSet<NodeId>,
    checked_generation: u64,
}

impl CompletedRuns {
    /// Runs that completed since the last call, as (root, figures), in start order.
    pub fn take_new(&mut self, trace: &Trace) -> Vec<(NodeId, RunStats)> {
        if trace.generation == self.checked_generation {
            return Vec::new();
        }
        self.checked_generation = trace.generation;
        let mut done: Vec<(NodeId, RunStats)> = trace
            .runs()
            .filter(|r| !self.printed.contains(r))
            .map(|r| (r, trace.run_stats(r)))
            .filter(|(_, s)| s.end_us.is_some())
            .collect();
        done.sort_by_key(|(id, s)| (s.start_us, trace.node(*id).seq));
        self.printed.extend(done.iter().map(|(id, _)| *id));
        done
    }

    /// Forgets everything (the input started over).
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

/// One human-readable line for a completed run.
pub fn run_line(trace: &Trace, id: NodeId, s: &RunStats) -> String {
    format!(
        "{} {} {} {} llm={} tools={} errors={} tokens in={} out={}",
        s.start_us.map_or_else(|| "-".into(), format_us),
        s.status().as_str(),
        clean(trace.str(trace.node(id).name)),
        s.duration_us()
            .map_or_else(|| "-".into(), format_duration_us),
        s.llm_calls,
        s.tool_calls,
        s.errors,
        s.tokens.input,
        s.tokens.output
    )
}
