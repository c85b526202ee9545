//! `trace-tui summary`: the headless report, as an aligned table or one JSON document.

use std::io::{self, Write};

use serde_json::{Value, json};

use trace_formats::Format;
use trace_formats::time::format_us;
use trace_model::exemplars::{Exemplars, Group, Percentiles, RANKS};
use trace_model::stats::{RunStats, TokenSum, Totals};
use trace_model::text::{clean, format_duration_us};
use trace_model::{NodeId, Trace};

/// Runs with their figures, ordered by start time (unknown starts last, then arrival). With
/// many runs, the second half's figures are computed on another thread.
pub fn runs_by_start(trace: &Trace) -> Vec<(NodeId, RunStats)> {
    const PARALLEL_FROM: usize = 1024;
    let roots: Vec<NodeId> = trace.runs().collect();
    let stats = |ids: &[NodeId]| -> Vec<(NodeId, RunStats)> {
        ids.iter().map(|&r| (r, trace.run_stats(r))).collect()
    };
    let mut runs = if roots.len() < PARALLEL_FROM {
        stats(&roots)
    } else {
        let (a, b) = roots.split_at(roots.len() / 2);
        std::thread::scope(|scope| {
            let tail = scope.spawn(|| stats(b));
            let mut head = stats(a);
            head.extend(
                tail.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
            head
        })
    };
    runs.sort_by_key(|(id, s)| (s.start_us.is_none(), s.start_us, *id));
    runs
}

/// A token sum as `summary --json` writes it (README, "summary --json"): `input` is all
/// prompt tokens, cached included; `cache_read`, `cache_write` (of which `cache_write_1h`)
/// and `uncached` are its parts; `output` includes `reasoning`. The finer buckets are
/// `null` when unknown.
fn tokens_json(t: &TokenSum) -> Value {
    json!({"input": t.input, "output": t.output, "total": t.total, "cache_read": t.cache_read,
           "cache_write": t.cache_write, "cache_write_1h": t.cache_write_1h,
           "uncached": t.uncached(), "reasoning": t.reasoning})
}

/// Milliseconds; a negative span (an end stamped before its start) shows as 0.
fn ms(us: Option<i64>) -> Value {
    us.map_or(Value::Null, |u| json!(u.max(0) as f64 / 1000.0))
}

/// Critical-path steps listed per run in `summary --json` (the largest by self time).
pub const CRITICAL_STEPS: usize = 5;

fn own_tokens_json(t: Option<&trace_model::event::Tokens>) -> Value {
    t.map_or(Value::Null, |t| {
        let mut sum = TokenSum::default();
        sum.add(t);
        tokens_json(&sum)
    })
}

/// JSON for one run.
pub fn run_json(trace: &Trace, id: NodeId, s: &RunStats) -> Value {
    let n = trace.node(id);
    let (cost, _) = crate::cost::run_cost(trace, id);
    let cp = trace.critical_path_with(id, s);
    let wall = s
        .duration_us()
        .or((cp.length_us > 0).then_some(cp.length_us));
    // The biggest steps only, in time order: the full path of every run would make the document
    // of a gigabyte log larger than the log's index.
    let mut top: Vec<&trace_model::critical::PathStep> =
        cp.steps.iter().filter(|st| st.self_us > 0).collect();
    top.sort_by_key(|st| std::cmp::Reverse(st.self_us));
    top.truncate(CRITICAL_STEPS);
    top.sort_by_key(|st| (st.start_us, std::cmp::Reverse(st.end_us), st.node));
    let steps: Vec<Value> = top
        .iter()
        .map(|st| {
            let sn = trace.node(st.node);
            json!({
                "id": trace.ext_id(st.node),
                "name": trace.str(sn.name),
                "category": trace.category(st.node).map(trace_model::event::Category::as_str),
                "self_ms": st.self_us as f64 / 1000.0,
                "share": wall.filter(|w| *w > 0).map(|w| (st.self_us as f64 / w as f64 * 1e4).round() / 1e4),
            })
        })
        .collect();
    json!({
        "critical_path_ms": (cp.length_us > 0 || !cp.steps.is_empty()).then(|| cp.length_us as f64 / 1000.0),
        "critical_path": steps,
        "self_time_ms": ms(trace.self_time_us(id)),
        // The root's own share: a cumulative report on a non-LLM root minus what its children
        // account for, so tokens_self + the children's sums = tokens_subtree.
        "tokens_self": own_tokens_json(trace_model::analysis::self_tokens(trace, id).as_ref()),
        "tokens_subtree": tokens_json(&s.tokens),
        "id": trace.ext_id(id),
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
        "incomplete_scopes": s.incomplete_scopes,
        "tokens": tokens_json(&s.tokens),
        "cost_usd": usd_json(&cost),
        "cost_partial": cost.partial(),
        "file": trace.any_src(id).map(|src| trace.file_name(src.file).to_owned()),
    })
}

/// A dollar figure as JSON: rounded to a millionth of a cent (float sums carry noise), `null`
/// when nothing was priced.
fn usd_json(c: &crate::cost::CostSum) -> Value {
    c.usd()
        .map_or(Value::Null, |usd| json!((usd * 1e8).round() / 1e8))
}

/// The whole `summary --json` document.
pub fn summary_json(trace: &Trace, formats: &[Format]) -> Value {
    let runs = runs_by_start(trace);
    let mut doc = summary_parts(trace, formats, &runs);
    doc["exemplars"] = exemplars_json(trace);
    doc["runs"] = runs
        .iter()
        .map(|(id, s)| run_json(trace, *id, s))
        .collect::<Vec<_>>()
        .into();
    doc
}

/// Writes the same document as [`summary_json`], compact, building one run's JSON at a time:
/// the document of a gigabyte log would otherwise be held whole in memory. Runs go in blocks;
/// a second thread builds every other block into a buffer while this one writes the rest, so
/// at most a couple of blocks are held at once.
pub fn write_summary_json(
    out: &mut dyn Write,
    trace: &Trace,
    formats: &[Format],
) -> io::Result<()> {
    let mut escaping = crate::escape::EscapingWriter::new(out);
    write_summary_json_raw(&mut escaping, trace, formats)?;
    escaping.flush()
}

/// [`write_summary_json`] before terminal controls are escaped.
fn write_summary_json_raw(
    out: &mut dyn Write,
    trace: &Trace,
    formats: &[Format],
) -> io::Result<()> {
    const BLOCK: usize = 256;
    // The exemplars (all calls of the trace) on one thread while the runs' figures take both.
    let (runs, ex) = std::thread::scope(|scope| {
        let ex = scope.spawn(|| trace.exemplars());
        let runs = runs_by_start(trace);
        (
            runs,
            ex.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        )
    });
    let blocks: Vec<&[(NodeId, RunStats)]> = runs.chunks(BLOCK).collect();
    let block_json = |block: &[(NodeId, RunStats)], buf: &mut Vec<u8>| -> io::Result<()> {
        for (id, s) in block {
            buf.push(b',');
            serde_json::to_writer(&mut *buf, &run_json(trace, *id, s))?;
        }
        Ok(())
    };
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<io::Result<Vec<u8>>>(1);
        let odd = blocks.iter().skip(1).step_by(2);
        scope.spawn(move || {
            for block in odd {
                let mut buf = Vec::new();
                let r = block_json(block, &mut buf).map(|()| buf);
                if tx.send(r).is_err() {
                    return;
                }
            }
        });
        let Value::Object(map) = summary_parts(trace, formats, &runs) else {
            unreachable!("summary_parts builds an object")
        };
        out.write_all(b"{")?;
        for (i, (key, value)) in map.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            serde_json::to_writer(&mut *out, key)?;
            out.write_all(b":")?;
            if key == "runs" {
                out.write_all(b"[")?;
                let mut buf = Vec::new();
                for (b, block) in blocks.iter().enumerate() {
                    buf.clear();
                    if b % 2 == 0 {
                        block_json(block, &mut buf)?;
                    } else {
                        // The other thread hung up early only if it panicked (scope re-raises).
                        buf = rx
                            .recv()
                            .map_err(|_| io::Error::other("summary worker stopped"))??;
                    }
                    // Every run is written with a leading separator; the first needs none.
                    out.write_all(if b == 0 {
                        buf.get(1..).unwrap_or(&[])
                    } else {
                        &buf
                    })?;
                }
                out.write_all(b"]")?;
            } else if key == "exemplars" {
                write_exemplars(out, trace, &ex)?;
            } else {
                serde_json::to_writer(&mut *out, value)?;
            }
        }
        out.write_all(b"}\n")
    })
}

/// The document without its runs (a `null` placeholder keeps the key's place), and the runs.
fn summary_parts(trace: &Trace, formats: &[Format], runs: &[(NodeId, RunStats)]) -> Value {
    let totals = Totals::of(runs.iter().map(|(_, s)| s));
    let mut cost = crate::cost::CostSum::default();
    let mut cost_by_model: std::collections::BTreeMap<&str, crate::cost::CostSum> =
        std::collections::BTreeMap::new();
    for (id, _) in runs {
        let (run, models) = crate::cost::run_cost(trace, *id);
        cost.add_sum(&run);
        for (sym, c) in models {
            cost_by_model.entry(trace.str(sym)).or_default().add_sum(&c);
        }
    }
    let by_model: serde_json::Map<String, Value> = totals
        .by_model
        .iter()
        .map(|(m, s)| {
            let c = cost_by_model.get(m.as_str()).copied().unwrap_or_default();
            (m.clone(), {
                let mut m = tokens_json(&s.tokens);
                m["calls"] = json!(s.calls);
                m["cost_usd"] = usd_json(&c);
                m["cost_partial"] = c.partial().into();
                m
            })
        })
        .collect();
    let diag = |d: &trace_model::Diagnostic| json!({"file": trace.file_name(d.file), "line": d.line, "error": d.message});
    let doc = json!({
        "format": formats.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(","),
        "files": trace.files(),
        "events": trace.events,
        "skipped_lines": trace.skipped,
        "loose_marks": trace.loose_marks().count(),
        "diagnostics": trace.diagnostics().iter().map(diag).collect::<Vec<_>>(),
        "warnings_count": trace.warnings_count,
        "warnings": trace.warnings().iter().map(diag).collect::<Vec<_>>(),
        "runs": null,
        "exemplars": null,
        "totals": {
            "runs": totals.runs,
            "llm_calls": totals.llm_calls,
            "tool_calls": totals.tool_calls,
            "errors": totals.errors,
            "tokens": tokens_json(&totals.tokens),
            "cost_usd": usd_json(&cost),
            "cost_partial": cost.partial(),
            "prices": crate::cost::catalogue().as_of(),
            "by_model": by_model,
            "by_status": totals.by_status.iter().map(|(k, v)| (k.as_str().to_owned(), json!(v))).collect::<serde_json::Map<_, _>>(),
        },
    });
    doc
}

/// Percentile exemplars: each rank names the call that has it.
pub fn exemplars_json(trace: &Trace) -> Value {
    let ex = trace.exemplars();
    let groups = |m: &std::collections::BTreeMap<String, Group>| -> Value {
        m.iter()
            .map(|(k, g)| (k.clone(), group_json(trace, g)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    json!({"by_model": groups(&ex.by_model), "by_tool": groups(&ex.by_tool), "by_name": groups(&ex.by_name)})
}

/// Writes the same object as [`exemplars_json`], one group at a time: by-name groups can be
/// as many as the runs (harn names a session's root after the session).
fn write_exemplars(out: &mut dyn Write, trace: &Trace, ex: &Exemplars) -> io::Result<()> {
    // Keys in the order a `serde_json::Map` sorts them.
    let parts = [
        ("by_model", &ex.by_model),
        ("by_name", &ex.by_name),
        ("by_tool", &ex.by_tool),
    ];
    out.write_all(b"{")?;
    for (i, (key, groups)) in parts.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, key)?;
        out.write_all(b":{")?;
        for (j, (name, g)) in groups.iter().enumerate() {
            if j > 0 {
                out.write_all(b",")?;
            }
            serde_json::to_writer(&mut *out, name)?;
            out.write_all(b":")?;
            serde_json::to_writer(&mut *out, &group_json(trace, g))?;
        }
        out.write_all(b"}")?;
    }
    out.write_all(b"}")
}

fn group_json(trace: &Trace, g: &Group) -> Value {
    let pct = |p: &Percentiles, scale: f64| -> Value {
        let mut o = serde_json::Map::new();
        for ((rank, _), e) in RANKS.iter().zip(&p.ranks) {
            let node = trace.node(e.node);
            o.insert(
                (*rank).to_owned(),
                json!({"value": e.value as f64 / scale, "id": trace.ext_id(e.node), "name": trace.str(node.name)}),
            );
        }
        Value::Object(o)
    };
    json!({"count": g.latency_us.count.max(g.tokens.count),
           "latency_ms": pct(&g.latency_us, 1000.0), "tokens": pct(&g.tokens, 1.0)})
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
                    .map_or_else(|| "-".into(), |d| format_duration_us(d.max(0))),
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

/// Reports each run once, when it completes (`summary --follow`).
#[derive(Debug, Default)]
pub struct CompletedRuns {
    /// Runs reported, by (file, root id): a run is reported once, whatever starts over.
    printed: rustc_hash::FxHashSet<(String, String)>,
    checked_generation: u64,
}

impl CompletedRuns {
    /// Runs that completed since the last call, as (root, figures), in start order. A root
    /// still waiting for its named parent is held back: it is reported inside the parent's
    /// run once that ends, or by [`Self::take_orphans`] when following stops.
    pub fn take_new(&mut self, trace: &Trace) -> Vec<(NodeId, RunStats)> {
        if trace.generation == self.checked_generation {
            return Vec::new();
        }
        self.checked_generation = trace.generation;
        self.take(trace, false)
    }

    /// Completed runs still waiting for a parent that never came (following stopped).
    pub fn take_orphans(&mut self, trace: &Trace) -> Vec<(NodeId, RunStats)> {
        self.take(trace, true)
    }

    fn take(&mut self, trace: &Trace, orphans: bool) -> Vec<(NodeId, RunStats)> {
        let mut done: Vec<(NodeId, RunStats)> = trace
            .runs()
            .filter(|&r| waits_for_parent(trace, r) == orphans)
            .filter(|&r| !self.printed.contains(&run_key(trace, r)))
            .map(|r| (r, trace.run_stats(r)))
            .filter(|(_, s)| s.end_us.is_some())
            .collect();
        done.sort_by_key(|(id, s)| (s.start_us, *id));
        self.printed
            .extend(done.iter().map(|(id, _)| run_key(trace, *id)));
        done
    }

    /// The input started over: the trace is rebuilt, but runs already reported stay
    /// reported (a reset of one file must not re-report another's runs).
    pub fn reset(&mut self) {
        self.checked_generation = 0;
    }
}

/// A run's identity across resets: its file and its producer id.
fn run_key(trace: &Trace, id: NodeId) -> (String, String) {
    let file = trace
        .any_src(id)
        .map(|src| trace.file_name(src.file).to_owned())
        .unwrap_or_default();
    (file, trace.ext_id(id).into_owned())
}

/// A root whose named parent has not appeared (yet).
fn waits_for_parent(trace: &Trace, id: NodeId) -> bool {
    trace
        .node(id)
        .parent()
        .is_some_and(|p| trace.node(p).placeholder())
}

/// [`run_json`] as one line of text, terminal controls escaped (`summary --follow --json`).
pub fn run_json_line(trace: &Trace, id: NodeId, s: &RunStats) -> String {
    crate::escape::escape_json(&run_json(trace, id, s).to_string()).into_owned()
}

/// One human-readable line for a completed run.
pub fn run_line(trace: &Trace, id: NodeId, s: &RunStats) -> String {
    format!(
        "{} {} {} {} llm={} tools={} errors={} tokens in={} out={}",
        s.start_us.map_or_else(|| "-".into(), format_us),
        s.status().as_str(),
        clean(trace.str(trace.node(id).name)),
        s.duration_us()
            .map_or_else(|| "-".into(), |d| format_duration_us(d.max(0))),
        s.llm_calls,
        s.tool_calls,
        s.errors,
        s.tokens.input,
        s.tokens.output
    )
}
