//! Jumps that need figures from the whole trace: from a call to the calls at its group's
//! percentiles (`P`), and to calls slower than their group's p95 (`s`/`S`).

use super::App;
use trace_model::exemplars::{Exemplars, Group, RANKS};
use trace_model::text::{clean, format_duration_us};
use trace_model::{NodeId, Trace};

/// The group a call is compared within: its model for LLM calls, its name for tools and other
/// scopes.
fn group<'a>(trace: &Trace, ex: &'a Exemplars, id: NodeId) -> Option<(String, &'a Group)> {
    let n = trace.node(id);
    if n.is_llm() {
        let model = n
            .model()
            .map_or(trace_model::stats::UNKNOWN_MODEL, |m| trace.str(m));
        return Some((format!("model {model}"), ex.by_model.get(model)?));
    }
    let name = trace.str(n.name);
    if n.is_tool() {
        return Some((format!("tool {name}"), ex.by_tool.get(name)?));
    }
    Some((format!("scope {name}"), ex.by_name.get(name)?))
}

impl App {
    /// Exemplars of the whole trace, computed on first use after the trace changed.
    fn exemplars(&mut self) -> &Exemplars {
        let stale = self
            .exemplar_cache
            .as_ref()
            .is_none_or(|(g, _)| *g != self.trace.generation);
        if stale {
            self.exemplar_cache = Some((self.trace.generation, self.trace.exemplars()));
        }
        &self.exemplar_cache.as_ref().expect("just filled").1
    }

    /// Selects the call at the next percentile (p50 → p95 → p99 → max) of the selected call's
    /// group, in whatever run it is.
    pub(super) fn jump_percentile(&mut self) {
        let Some(sel) = self.tree.selected else {
            return;
        };
        self.exemplars();
        let Some((_, ex)) = self.exemplar_cache.as_ref() else {
            return;
        };
        let Some((label, g)) = group(&self.trace, ex, sel) else {
            self.search.message = Some("no latency figures for this scope's group".to_owned());
            return;
        };
        if g.latency_us.ranks.is_empty() {
            self.search.message = Some(format!("no finished calls for {}", clean(&label)));
            return;
        }
        let step = self.percentile_step % RANKS.len();
        self.percentile_step = step + 1;
        let e = g.latency_us.ranks[step];
        let message = format!(
            "{} of {} latency ({} calls): {} — P for {}",
            RANKS[step].0,
            clean(&label),
            g.latency_us.count,
            format_duration_us(e.value),
            RANKS[(step + 1) % RANKS.len()].0
        );
        self.go_to(e.node);
        self.search.message = Some(message);
    }

    /// Selects the next (or previous) call in the run that took longer than its group's p95.
    pub(super) fn slow_step(&mut self, forward: bool) {
        self.exemplars();
        let Some((_, ex)) = self.exemplar_cache.as_ref() else {
            return;
        };
        let trace = &self.trace;
        let slow = |id: NodeId| {
            let n = trace.node(id);
            if !(n.is_llm() || n.is_tool()) {
                return false;
            }
            let p95 = group(trace, ex, id).and_then(|(_, g)| g.latency_us.get("p95"));
            matches!((n.duration_us(), p95), (Some(d), Some(p)) if d > p.value)
        };
        match self.find_in_run(forward, slow) {
            Some(id) => {
                let d = self.trace.node(id).duration_us().unwrap_or(0);
                self.go_to(id);
                self.search.message = Some(format!(
                    "slow call: {} (above its group's p95)",
                    format_duration_us(d)
                ));
            }
            None => {
                self.search.message =
                    Some("no call in this run is slower than its group's p95".to_owned());
            }
        }
    }

    /// Selects `id`, switching runs if needed, and opens the path to it.
    fn go_to(&mut self, id: NodeId) {
        self.pause();
        self.select_run(self.trace.root_of(id));
        self.reveal(id);
    }
}
