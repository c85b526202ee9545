//! `trace-tui diff`: picking the two runs, and the report as an aligned table or one JSON
//! document. The alignment itself is [`trace_model::diff`].

use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::{Value, json};

use crate::summary::runs_by_start;
use trace_model::diff::{DiffKind, DiffRow, RunDiff};
use trace_model::stats::TokenSum;
use trace_model::text::{clean, format_duration_us};
use trace_model::{NodeId, Trace};

/// Which run a side of the diff is, for the report's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRef {
    /// The file as given on the command line.
    pub file: String,
    /// The run's id.
    pub run: String,
    /// The run's name.
    pub name: String,
}

impl RunRef {
    /// Describes the run under `root` of `trace`, read from `file`.
    pub fn new(file: &str, trace: &Trace, root: NodeId) -> Self {
        Self {
            file: file.to_owned(),
            run: trace.ext_id(root).into_owned(),
            name: trace.str(trace.node(root).name).to_owned(),
        }
    }
}

/// Finds a run by selector: `None` is the first run by start time; otherwise an exact run id,
/// else an exact run name (the earliest such run), else a 1-based position in start order.
pub fn find_run(trace: &Trace, selector: Option<&str>) -> Option<NodeId> {
    let runs = runs_by_start(trace);
    let Some(sel) = selector else {
        return runs.first().map(|(id, _)| *id);
    };
    let by = |f: &dyn Fn(NodeId) -> bool| runs.iter().map(|(id, _)| *id).find(|&id| f(id));
    by(&|id| trace.ext_id(id) == sel)
        .or_else(|| by(&|id| trace.str(trace.node(id).name) == sel))
        .or_else(|| {
            let i: usize = sel.parse().ok()?;
            runs.get(i.checked_sub(1)?).map(|(id, _)| *id)
        })
}

fn ms(us: Option<i64>) -> Value {
    us.map_or(Value::Null, |u| json!(u as f64 / 1000.0))
}

fn tokens_json(t: &TokenSum) -> Value {
    json!({
        "input": t.known(TokenSum::INPUT),
        "output": t.known(TokenSum::OUTPUT),
        "total": t.known(0),
    })
}

fn side_json(r: &RunRef) -> Value {
    json!({"file": r.file, "run": r.run, "name": r.name})
}

fn row_json(left: &Trace, right: &Trace, row: &DiffRow) -> Value {
    json!({
        "path": row.path,
        "depth": row.depth,
        "kind": row.kind.as_str(),
        "left_id": row.left.map(|id| left.ext_id(id)),
        "right_id": row.right.map(|id| right.ext_id(id)),
        "left_duration_ms": ms(row.left_duration_us),
        "right_duration_ms": ms(row.right_duration_us),
        "d_duration_ms": ms(row.d_duration_us),
        "left_tokens": row.left_tokens,
        "right_tokens": row.right_tokens,
        "d_tokens": row.d_tokens,
        "size": row.size,
    })
}

/// The whole `diff --json` document.
pub fn diff_json(left: (&Trace, &RunRef), right: (&Trace, &RunRef), diff: &RunDiff) -> Value {
    let t = &diff.totals;
    json!({
        "left": side_json(left.1),
        "right": side_json(right.1),
        "rows": diff.rows.iter().map(|r| row_json(left.0, right.0, r)).collect::<Vec<_>>(),
        "totals": {
            "left_wall_ms": ms(t.left_wall_us),
            "right_wall_ms": ms(t.right_wall_us),
            "d_wall_ms": ms(t.d_wall_us),
            "left_tokens": tokens_json(&t.left_tokens),
            "right_tokens": tokens_json(&t.right_tokens),
            "d_input": t.d_input,
            "d_output": t.d_output,
            "d_total": t.d_total,
            "same": t.same,
            "changed": t.changed,
            "only_left": t.only_left,
            "only_right": t.only_right,
            "only_left_scopes": t.only_left_scopes,
            "only_right_scopes": t.only_right_scopes,
        },
    })
}

fn dur(us: Option<i64>) -> String {
    us.map_or_else(|| "-".into(), format_duration_us)
}

fn signed_dur(us: Option<i64>) -> String {
    match us {
        None => "-".into(),
        Some(u) if u > 0 => format!("+{}", format_duration_us(u)),
        Some(u) => format_duration_us(u),
    }
}

fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{n}")
    } else {
        n.to_string()
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The human-readable report: header, one line per row, totals.
pub fn write_diff_text(
    out: &mut dyn Write,
    left: &RunRef,
    right: &RunRef,
    diff: &RunDiff,
) -> io::Result<()> {
    for (side, r) in [("left: ", left), ("right:", right)] {
        writeln!(
            out,
            "{side} {} run {} {:?}",
            clean(&r.file),
            clean(&r.run),
            clean(&r.name)
        )?;
    }
    writeln!(out)?;
    let header = ["", "PATH", "LEFT", "RIGHT", "Δ DUR", "Δ TOK"];
    let rows: Vec<[String; 6]> = diff
        .rows
        .iter()
        .map(|r| {
            let mut label = format!("{}{}", "  ".repeat(r.depth.min(32)), clean(&r.label));
            if matches!(r.kind, DiffKind::OnlyLeft | DiffKind::OnlyRight) && r.size > 1 {
                let _ = write!(label, " ({} scopes)", r.size);
            }
            [
                r.kind.marker().to_string(),
                label,
                dur(r.left_duration_us),
                dur(r.right_duration_us),
                signed_dur(r.d_duration_us),
                r.d_tokens.map_or_else(|| "-".into(), signed),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: [&str; 6]| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = " ".repeat(widths[i] - c.chars().count());
            if i > 0 {
                s.push_str("  ");
            }
            if i < 2 {
                s.push_str(c);
                s.push_str(&pad);
            } else {
                s.push_str(&pad);
                s.push_str(c);
            }
        }
        s
    };
    writeln!(out, "{}", line(header))?;
    for r in &rows {
        writeln!(out, "{}", line(r.each_ref().map(String::as_str)))?;
    }
    let t = &diff.totals;
    writeln!(out)?;
    writeln!(
        out,
        "wall time  {} → {} (Δ {})",
        dur(t.left_wall_us),
        dur(t.right_wall_us),
        signed_dur(t.d_wall_us)
    )?;
    let (l, r) = (&t.left_tokens, &t.right_tokens);
    writeln!(
        out,
        "tokens     in {} → {} (Δ {}), out {} → {} (Δ {}), total {} → {} (Δ {})",
        l.input,
        r.input,
        signed(t.d_input),
        l.output,
        r.output,
        signed(t.d_output),
        l.total,
        r.total,
        signed(t.d_total)
    )?;
    writeln!(
        out,
        "scopes     {} same, {} changed, {} missing on the right ({}), {} extra on the right ({})",
        t.same,
        t.changed,
        plural(t.only_left, "subtree"),
        plural(t.only_left_scopes, "scope"),
        plural(t.only_right, "subtree"),
        plural(t.only_right_scopes, "scope"),
    )?;
    Ok(())
}
