//! Text views of the tree: the indented dump used by `summary --tree` and fixture snapshots.

use std::fmt::Write as _;

use super::{NodeId, NodeKind, Trace};
use crate::event::Category;
use crate::text::{clean, format_duration_us};

const MAX_INDENT: usize = 64;

impl Trace {
    /// One line per node, indented by depth, times relative to the run's start.
    pub fn dump_run(&self, root: NodeId) -> String {
        let stats = self.run_stats(root);
        let base = stats.start_us.unwrap_or(0);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "run {:?} {} scopes={} llm={} tools={} errors={} tokens={}/{}/{}",
            clean(self.str(self.node(root).name)),
            stats.status().as_str(),
            stats.scopes,
            stats.llm_calls,
            stats.tool_calls,
            stats.errors,
            stats.tokens.input,
            stats.tokens.output,
            stats.tokens.total,
        );
        let mut stack = vec![(root, 1usize)];
        while let Some((id, depth)) = stack.pop() {
            let n = self.node(id);
            // Deep trees (hostile input) would make indentation quadratic: cap it and say so.
            if depth > MAX_INDENT {
                let _ = write!(out, "{}[depth {depth}] ", "  ".repeat(MAX_INDENT));
            } else {
                let _ = write!(out, "{}", "  ".repeat(depth));
            }
            match n.kind {
                NodeKind::Mark => out.push_str("mark"),
                NodeKind::Scope if n.placeholder() => out.push_str("missing"),
                NodeKind::Scope => {
                    // An unknown category is the producer's text (OTLP's operation name).
                    out.push_str(&clean(self.category(id).map_or("scope", Category::as_str)));
                }
            }
            let _ = write!(out, " {:?}", clean(self.str(n.name)));
            if let Some(m) = n.model() {
                let _ = write!(out, " model={}", clean(self.str(m)));
            }
            if let Some(t) = self.tool_call_id(id) {
                let _ = write!(out, " call={}", clean(t));
            }
            match n.start_us() {
                Some(s) => {
                    let _ = write!(out, " at={}", format_duration_us(s - base));
                }
                None => out.push_str(" at=?"),
            }
            if n.kind == NodeKind::Scope && n.container() && !n.has_end() {
                match stats.end_us.zip(n.start_us()) {
                    Some((e, s)) => {
                        let _ = write!(out, " dur={}", format_duration_us(e - s));
                    }
                    None => out.push_str(" open"),
                }
            } else if n.kind == NodeKind::Scope {
                match (n.duration_us(), n.has_start(), n.has_end()) {
                    (Some(d), ..) => {
                        let _ = write!(out, " dur={}", format_duration_us(d));
                    }
                    (None, true, false) => out.push_str(" open"),
                    (None, false, true) => out.push_str(" end-only"),
                    _ => {}
                }
            }
            if let Some(t) = self.tokens(id) {
                let _ = write!(
                    out,
                    " tokens={}/{}/{}",
                    t.input.unwrap_or(0),
                    t.output.unwrap_or(0),
                    t.total_or_sum()
                );
                if t.cache_read.is_some() || t.cache_write.is_some() {
                    let _ = write!(
                        out,
                        " cache={}/{}",
                        t.cache_read.unwrap_or(0),
                        t.cache_write.unwrap_or(0)
                    );
                }
            }
            if let Some(e) = self.error(id) {
                let _ = write!(out, " ERROR {:?}", clean(e));
            }
            if let Some(r) = self.incomplete(id) {
                let _ = write!(out, " INCOMPLETE {:?}", clean(r));
            }
            out.push('\n');
            let at = stack.len();
            stack.extend(self.children(id).map(|c| (c, depth + 1)));
            stack[at..].reverse();
        }
        out
    }

    /// Every run's dump, then loose marks.
    pub fn dump(&self) -> String {
        let mut out = String::new();
        for r in self.runs() {
            out.push_str(&self.dump_run(r));
        }
        for m in self.loose_marks() {
            let _ = writeln!(out, "loose mark {:?}", clean(self.str(self.node(m).name)));
        }
        out
    }
}
