//! `trace-tui export FILE[#RUN] --md|--json`: one run written out whole, as a readable
//! Markdown transcript (every scope in order with its timing, model, tokens and error, its
//! words — prompts by role, answers, tool arguments and results, as quoted prose — and the
//! records behind it folded under `<details>`) or as one JSON document
//! (the scope tree with the same figures and the records parsed). Records are read from the
//! file on disk; every text from the log is cleaned for the terminal.

use std::fmt::Write as _;

use serde_json::{Value, json};
use trace_ingest::payload::read_record;
use trace_model::text::{clean, clean_multiline, format_count};
use trace_model::{NodeId, NodeKind, Trace};

use crate::app::Payload;
use crate::ui::dur;

mod prose;

/// One line of figures for a scope: category, model, duration, tokens, status.
fn figures(trace: &Trace, id: NodeId) -> String {
    let n = trace.node(id);
    let mut s = if n.kind == NodeKind::Mark {
        "mark".to_owned()
    } else {
        trace
            .category(id)
            .map_or_else(|| "scope".to_owned(), |c| clean(c.as_str()).into_owned())
    };
    if let Some(m) = n.model() {
        let _ = write!(s, " · {}", clean(trace.str(m)));
    }
    if let Some(d) = n.duration_us() {
        let _ = write!(s, " · {}", dur(d));
    } else if n.is_open() {
        s.push_str(" · open");
    }
    if trace.incomplete(id).is_some() {
        s.push_str(" · incomplete");
    }
    if let Some(t) = trace.tokens(id) {
        let f = |v: Option<u64>| v.map_or_else(|| "—".to_owned(), format_count);
        let _ = write!(
            s,
            " · tokens in {} (cached {}) out {}",
            f(t.input),
            f(t.cache_read),
            f(t.output)
        );
    }
    s
}

/// The run as Markdown.
pub fn markdown(trace: &Trace, run: NodeId) -> String {
    let mut out = String::new();
    let s = trace.run_stats(run);
    let _ = writeln!(out, "# {}\n", clean(trace.str(trace.node(run).name)));
    let _ = writeln!(
        out,
        "status **{}** · {} LLM calls · {} tool calls · {} errors · {} tokens\n",
        s.status().as_str(),
        s.llm_calls,
        s.tool_calls,
        s.errors,
        format_count(s.tokens.total)
    );
    for id in trace.preorder(run) {
        let depth = trace.path_to(id).len().saturating_sub(1).min(4);
        let n = trace.node(id);
        let _ = writeln!(
            out,
            "{} {} — {}\n",
            "#".repeat(depth + 2),
            clean(trace.str(n.name)),
            figures(trace, id)
        );
        if let Some(e) = trace.error(id) {
            let _ = writeln!(out, "> **error:** {}\n", clean(e));
        }
        // The words first (prompts, answers, arguments, results), then the records whole.
        for (label, text) in records(trace, id).iter().flat_map(prose::of) {
            let _ = writeln!(out, "**{}:**\n", clean(&label));
            for l in text.lines() {
                let _ = writeln!(out, "> {l}");
            }
            out.push('\n');
        }
        let sections = Payload::load(trace, id).sections;
        if !sections.is_empty() {
            let _ = writeln!(out, "<details><summary>records</summary>\n");
            for (heading, lines) in sections {
                let _ = writeln!(out, "{heading}\n\n```json");
                for l in lines {
                    // A fence inside a record must not close ours.
                    let _ = writeln!(out, "{}", l.replace("```", "`\u{200b}``"));
                }
                let _ = writeln!(out, "```\n");
            }
            let _ = writeln!(out, "</details>\n");
        }
    }
    out
}

/// A node's records read from disk and parsed (a line that is not JSON: its cleaned text).
fn records(trace: &Trace, id: NodeId) -> Vec<Value> {
    [trace.start_src(id), trace.end_src(id)]
        .into_iter()
        .flatten()
        .enumerate()
        .filter(|(i, src)| *i == 0 || Some(*src) != trace.start_src(id))
        .filter_map(|(_, src)| {
            let bytes = read_record(trace.file_name(src.file), &src).ok()?;
            Some(serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                Value::String(clean_multiline(&String::from_utf8_lossy(&bytes)))
            }))
        })
        .collect()
}

/// The run as one JSON document: the scope tree with figures and parsed records.
pub fn json_doc(trace: &Trace, run: NodeId) -> Value {
    fn node(trace: &Trace, id: NodeId) -> Value {
        let n = trace.node(id);
        let records = records(trace, id);
        let tokens = trace.tokens(id).map(|t| {
            json!({"input": t.input, "cached": t.cache_read, "cache_write": t.cache_write,
                   "output": t.output, "total": t.total})
        });
        json!({
            "name": clean(trace.str(n.name)),
            "kind": if n.kind == NodeKind::Mark { "mark" } else { "scope" },
            "category": trace.category(id).map(|c| clean(c.as_str()).into_owned()),
            "model": n.model().map(|m| clean(trace.str(m)).into_owned()),
            "start_us": n.start_us(),
            "duration_us": n.duration_us(),
            "tokens": tokens,
            "error": trace.error(id).map(|e| clean(e).into_owned()),
            "records": records,
            "children": trace.children(id).map(|c| node(trace, c)).collect::<Vec<_>>(),
        })
    }
    node(trace, run)
}
