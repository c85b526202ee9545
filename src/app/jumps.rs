//! Jumps that need figures from the whole trace: from a call to the calls at its group's
//! percentiles (`P`), and to calls slower than their group's p95 (`s`/`S`).

use super::App;
use trace_model::NodeId;
use trace_model::exemplars::{Group, GroupKey, RANKS};
use trace_model::text::{clean, format_duration_us};

impl App {
    /// The percentiles of `key`'s group, computed on first use after the trace changed (one
    /// pass over the nodes, then that group's samples only: milliseconds on a million scopes).
    fn group_figures(&mut self, key: GroupKey) -> &Group {
        let generation = self.trace.generation;
        let stale = self
            .exemplar_cache
            .as_ref()
            .is_none_or(|(g, k, _)| *g != generation || *k != key);
        if stale {
            let group = self.trace.group_exemplars(key);
            self.exemplar_cache = Some((generation, key, group));
        }
        &self.exemplar_cache.as_ref().expect("just filled").2
    }

    /// Selects the call at the next percentile (p50 → p95 → p99 → max) of the selected call's
    /// group, in whatever run it is.
    pub(super) fn jump_percentile(&mut self) {
        let Some(sel) = self.tree.selected else {
            return;
        };
        let key = self.trace.group_key(sel);
        let label = self.trace.group_label(key);
        let g = self.group_figures(key).clone();
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
        // The p95 of every group with a call in this run, in one pass over the trace.
        let order = self.run.as_ref().map_or(&[][..], |r| &r.order[..]);
        let keys = order
            .iter()
            .filter(|&&i| self.trace.node(i).is_llm() || self.trace.node(i).is_tool())
            .map(|&i| self.trace.group_key(i))
            .collect();
        let p95 = self.trace.p95_latency(&keys);
        let trace = &self.trace;
        let slow = |id: NodeId| {
            let n = trace.node(id);
            if !(n.is_llm() || n.is_tool()) {
                return false;
            }
            let p = p95.get(&trace.group_key(id)).copied().flatten();
            matches!((n.duration_us(), p), (Some(d), Some(p)) if d > p)
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
