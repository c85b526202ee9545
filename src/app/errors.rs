//! The failed-run story: `e`/`E` step through the errors of the whole input (every run shown,
//! in the runs pane's order, then pre-order inside a run), opening the run and the path (from
//! the runs list, in the timeline view); the timeline lands on the failing event; the stack of scopes open at the scrubber.

use trace_model::NodeId;
use trace_model::query::Phase;
use trace_model::text::clean;

use super::{App, Feed, Pane, View};

impl App {
    /// Every errored node of the runs shown, in (run row, pre-order) order.
    fn all_errors(&self) -> Vec<(usize, usize, NodeId)> {
        let mut out = Vec::new();
        for (ri, &run) in self.runs.rows.iter().enumerate() {
            if self.runs.cache.get(&run).is_some_and(|r| r.errors == 0)
                && !self.trace.node(run).has_error()
            {
                continue;
            }
            for (pi, id) in self.trace.preorder(run).into_iter().enumerate() {
                if self.trace.node(id).has_error() {
                    out.push((ri, pi, id));
                }
            }
        }
        out
    }

    /// Selects the next (or previous) error in the whole input from the selection, wrapping.
    pub(super) fn error_step(&mut self, forward: bool) {
        let errors = self.all_errors();
        if errors.is_empty() {
            self.search.message = Some("no errors in the input".to_owned());
            return;
        }
        let run_i = self
            .runs
            .selected
            .and_then(|s| self.runs.rows.iter().position(|&r| r == s))
            .unwrap_or(0);
        // From the runs pane the run itself is the position: `e` goes to its first error.
        let here = match (self.focus, self.tree.selected, &self.run) {
            (Pane::Runs, _, _) | (_, None, _) | (_, _, None) => None,
            (_, Some(sel), Some(rc)) => rc.pos.get(&sel).map(|&p| p as usize),
        };
        let key = (run_i, here);
        let idx = if forward {
            errors
                .iter()
                .position(|&(r, p, _)| (r, Some(p)) > key)
                .unwrap_or(0)
        } else {
            errors
                .iter()
                .rposition(|&(r, p, _)| (r, Some(p)) < key)
                .unwrap_or(errors.len() - 1)
        };
        let id = errors[idx].2;
        let n = errors.len();
        let what = self
            .trace
            .error(id)
            .map(|e| clean(e).into_owned())
            .unwrap_or_default();
        let name = clean(self.trace.str(self.trace.node(id).name)).into_owned();
        self.search.message = Some(format!("✗ {}/{n} {name}: {what}", idx + 1));
        // From the runs list (where the explorer starts) `e` is the whole story in one key:
        // the failed run's timeline, scrubbed to the failing event. From a tree it stays in
        // the view the user is in and opens the path.
        let from_runs = self.focus == Pane::Runs;
        self.pause();
        self.select_run(self.trace.root_of(id));
        if from_runs && self.view != View::Timeline {
            self.show_view(View::Timeline);
        }
        if from_runs || self.focus == Pane::Runs {
            self.focus = Pane::Tree;
        }
        self.reveal(id);
        self.scrub_target = Some(id);
    }

    /// Where the timeline should open for the selected run: the selected scope when the user
    /// picked one, else the run's first error, else (set by the caller) its last event.
    pub(super) fn timeline_target(&self) -> Option<NodeId> {
        let rc = self.run.as_ref()?;
        if self.feed == Feed::Live && !self.held {
            return None;
        }
        match self.tree.selected {
            Some(sel) if sel != rc.root => Some(sel),
            _ => rc
                .order
                .iter()
                .copied()
                .find(|&id| self.trace.node(id).has_error()),
        }
    }

    /// Puts the scrubber on `id`'s last edge (its end, or the mark) in the rebuilt run cache.
    pub(super) fn apply_scrub_target(&mut self) {
        let Some(id) = self.scrub_target.take() else {
            return;
        };
        let Some(rc) = self.run.as_ref() else { return };
        if !rc.pos.contains_key(&id) {
            return;
        }
        if let Some(p) = rc.timeline.first_edge(id) {
            self.scrub = (p..rc.timeline.len())
                .find(|&i| rc.timeline.phase_at(id, i) == Phase::Done)
                .unwrap_or(p);
            self.reveal(id);
        }
    }

    /// The node of the event under the scrubber.
    pub fn event_node(&self) -> Option<NodeId> {
        let rc = self.run.as_ref()?;
        rc.timeline.node_at(self.scrub)
    }

    /// Recomputes the scopes open at the scrubber, outermost first, with their elapsed time.
    pub(super) fn rebuild_open_stack(&mut self) {
        self.open_stack.clear();
        let Some(rc) = self.run.as_ref() else { return };
        let Some(edge) = rc.timeline.edge(&self.trace, self.scrub) else {
            return;
        };
        let mut depth: rustc_hash::FxHashMap<NodeId, u16> = rustc_hash::FxHashMap::default();
        for &id in &rc.order {
            let n = self.trace.node(id);
            if n.kind != trace_model::NodeKind::Scope
                || rc.timeline.phase_at(id, self.scrub) != Phase::Open
            {
                continue;
            }
            let d = n
                .parent()
                .and_then(|p| depth.get(&p).copied())
                .map_or(0, |d| d + 1);
            depth.insert(id, d);
            let elapsed = n.start_us().map_or(0, |s| edge.t - s);
            self.open_stack.push((id, d, elapsed));
        }
    }
}
