//! The selected run's cache (pre-order, positions, token roll-up, time axis, container ends,
//! errors below, critical path, idle gaps). Building it is a pure function of the trace and
//! the run ([`RunCore::build`]); on a run of a million scopes it takes seconds, so with a
//! worker thread a big run's core is built there ([`super::Job`]) while the tree says it is
//! loading, and only the view's part (expansion, selection, scrubber) is done here.

use fixedbitset::FixedBitSet;
use rustc_hash::FxHashMap;

use trace_model::nodemap::NodeMap;
use trace_model::query::Timeline;
use trace_model::stats::{RunWalk, SubtreeTotals};
use trace_model::{NodeId, Trace};

use super::{App, Feed, RunCache};

/// Idle gaps shorter than this (or than 1% of the run) are not shown.
const MIN_GAP_US: i64 = 1_000;

/// Runs with at most this many nodes open fully expanded the first time they are shown.
pub(super) const EXPAND_ALL_BELOW: usize = 200;

/// Runs with more scopes than this are built on the worker thread when there is one.
pub const OFFLOAD_RUN_ABOVE: u64 = 50_000;

/// The part of a [`RunCache`] that depends only on the trace.
#[derive(Debug, Clone)]
pub struct RunCore {
    root: NodeId,
    order: Vec<NodeId>,
    pos: NodeMap<u32>,
    tokens: SubtreeTotals,
    timeline: Timeline,
    derived_end: FxHashMap<NodeId, i64>,
    error_below: FixedBitSet,
    critical: FixedBitSet,
    gaps: Vec<(i64, i64)>,
}

impl RunCore {
    /// Everything about the run `root` that the views derive from the trace.
    pub fn build(trace: &Trace, root: NodeId) -> Self {
        // The run's figures and pre-order once, for the critical path, the idle gaps and the
        // time axis (each worked them out again: one run of 1.25 M scopes built in 0.63 s, now
        // 0.40 s).
        let mut walk = RunWalk::default();
        let stats = trace.run_stats_walk(root, &mut walk, false);
        let order = walk.into_order();
        // Positions as `u32`: a run's nodes are node ids, which are `u32` themselves.
        let mut pos = NodeMap::for_nodes(&order, u32::MAX);
        for (i, &n) in order.iter().enumerate() {
            pos.insert(n, i as u32);
        }
        // The axis first: its sort keys are its peak, and the memory they leave is reused.
        let timeline = Timeline::build_from(trace, root, &order);
        let tokens = trace.subtree_totals(&order);
        let derived_end = derived_ends(trace, &order, &pos);
        // Bottom-up: a scope has an error below it when a child has one, or one below it.
        // Sets of pre-order positions, a bit a node (a hash set of a run's 1.25 M critical
        // steps took 14 MB).
        let mut error_below = FixedBitSet::with_capacity(order.len());
        for (i, &id) in order.iter().enumerate().rev() {
            let n = trace.node(id);
            if let Some(&p) = n.parent().and_then(|p| pos.get(&p)) {
                if n.has_error() || error_below.contains(i) {
                    error_below.insert(p as usize);
                }
            }
        }
        let mut critical = FixedBitSet::with_capacity(order.len());
        trace.critical_steps(root, &stats, |s| {
            if let Some(&p) = pos.get(&s.node) {
                critical.insert(p as usize);
            }
        });
        let span = timeline.span(trace).map_or(0, |(a, b)| b - a);
        let gaps = trace.idle_gaps_in(&order, &stats, (span / 100).max(MIN_GAP_US));
        Self {
            root,
            order,
            pos,
            tokens,
            timeline,
            derived_end,
            error_below,
            critical,
            gaps,
        }
    }
}

/// One bottom-up pass: the latest end under each container scope that has no open descendant.
fn derived_ends(trace: &Trace, order: &[NodeId], pos: &NodeMap<u32>) -> FxHashMap<NodeId, i64> {
    // The latest end below each node (`i64::MIN` for none: times are within ±2⁶¹) and
    // whether an open scope is: 16 bytes a node where `(Option<i64>, bool)` took 24 (30 MB
    // on one run of 1.25 M scopes, at the explorer's peak).
    let mut last: Vec<(i64, bool)> = vec![(i64::MIN, false); order.len()];
    let mut out = FxHashMap::default();
    for (i, &id) in order.iter().enumerate().rev() {
        let n = trace.node(id);
        let (end, mut open) = last[i];
        let mut end = (end != i64::MIN).then_some(end);
        if n.container() && !n.has_end() {
            if let (Some(e), false) = (end, open) {
                out.insert(id, e);
            }
        } else {
            open |= n.is_open();
            end = end
                .max(n.end_us().filter(|_| n.has_end()))
                .max(n.start_us());
        }
        if let Some(&p) = n.parent().and_then(|p| pos.get(&p)) {
            let p = p as usize;
            last[p].0 = last[p].0.max(end.unwrap_or(i64::MIN));
            last[p].1 |= open;
        }
    }
    out
}

impl App {
    /// Rebuilds the selected run's cache: in place, or, for a big run with a worker thread
    /// there, by queueing its core (the tree says it is loading meanwhile).
    pub(super) fn rebuild_run_cache(&mut self) {
        let Some(root) = self.runs.selected else {
            self.run = None;
            self.run_loading = None;
            self.tree.rows.clear();
            self.tree.selected = None;
            return;
        };
        let big = self
            .runs
            .cache
            .get(&root)
            .is_some_and(|r| u64::from(r.scopes) > OFFLOAD_RUN_ABOVE);
        if self.offload && big {
            let key = (root, self.trace.generation);
            if self.run_loading != Some(key) {
                self.run_loading = Some(key);
                self.run_job = Some(root);
            }
            if self.run.as_ref().is_some_and(|r| r.root != root) {
                self.run = None;
                self.tree.rows.clear();
            }
            return;
        }
        self.run_loading = None;
        let core = RunCore::build(&self.trace, root);
        self.install_run(core);
    }

    /// A run's core arrived from the worker: installed if that run is still the one selected
    /// (and the trace did not change meanwhile), else the next refresh asks again.
    pub(super) fn run_core_done(&mut self, core: RunCore, generation: u64) {
        if self.run_loading == Some((core.root, generation))
            && self.runs.selected == Some(core.root)
            && self.trace.generation == generation
        {
            self.run_loading = None;
            self.install_run(core);
        } else {
            self.run_loading = None;
            self.run_stale = true;
        }
    }

    /// Whether the selected run's cache is being built on the worker.
    pub fn run_is_loading(&self) -> bool {
        self.run_loading.is_some()
    }

    /// The view's part of a new run cache: first-look expansion, selection, scrubber.
    fn install_run(&mut self, core: RunCore) {
        let root = core.root;
        let was_at_end = self
            .run
            .as_ref()
            .is_none_or(|r| r.root != root || self.scrub + 1 >= r.timeline.len());
        let first_look = self.seen_runs.insert(root);
        if first_look {
            self.tree.expanded.insert(root);
        }
        // While following, a small run keeps unfolding as its scopes arrive, except where the
        // user folded it.
        let live_small = self.feed == Feed::Live && core.order.len() <= EXPAND_ALL_BELOW;
        if live_small && !first_look {
            let collapsed = &self.tree.collapsed;
            self.tree.expanded.extend(
                core.order
                    .iter()
                    .copied()
                    .filter(|n| self.trace.node(*n).has_children() && !collapsed.contains(n)),
            );
        }
        if first_look {
            if core.order.len() <= EXPAND_ALL_BELOW {
                self.tree.expanded.extend(
                    core.order
                        .iter()
                        .copied()
                        .filter(|&n| self.trace.node(n).has_children()),
                );
            } else {
                self.tree.expanded.insert(root);
            }
        }
        if self
            .tree
            .selected
            .is_none_or(|s| !core.pos.contains_key(&s))
        {
            self.tree.selected = Some(root);
            self.tree.offset = 0;
            self.detail_scroll = 0;
        }
        if was_at_end || (self.feed == Feed::Live && !self.held) {
            self.scrub = core.timeline.len().saturating_sub(1);
        }
        self.scrub = self.scrub.min(core.timeline.len().saturating_sub(1));
        self.run = Some(RunCache {
            root,
            order: core.order,
            pos: core.pos,
            tokens: core.tokens,
            timeline: core.timeline,
            derived_end: core.derived_end,
            error_below: core.error_below,
            critical: core.critical,
            gaps: core.gaps,
        });
        self.tree.stale = true;
    }
}
