//! Where a run's wall time went: self time (time not covered by children), the critical path
//! (the chain of scopes that bounded the run's end), idle gaps, and context growth.
//!
//! All walks are iterative (hostile logs nest 10,000 deep) and O(n log n) per run.

use super::stats::RunStats;
use super::{NodeId, NodeKind, Trace};

/// A half-open time interval in epoch µs.
pub type Span = (i64, i64);

/// One scope on the critical path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathStep {
    pub node: NodeId,
    /// The part of the run's span this scope covered on the path.
    pub start_us: i64,
    pub end_us: i64,
    /// Time on the path spent in the scope itself (not in a critical child).
    pub self_us: i64,
}

impl PathStep {
    /// The path's order: by start, the longer first, then by node (unique: a node is a
    /// step at most once).
    pub fn order_key(&self) -> (i64, std::cmp::Reverse<i64>, NodeId) {
        (self.start_us, std::cmp::Reverse(self.end_us), self.node)
    }
}

/// The critical path of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CriticalPath {
    /// Steps in time order; their `self_us` add up to `length_us`.
    pub steps: Vec<PathStep>,
    pub length_us: i64,
}

impl Trace {
    /// A scope's time span; an open scope runs to `open_end`. `None` for marks and unknown starts.
    fn span_of(&self, id: NodeId, open_end: i64) -> Option<Span> {
        let n = self.node(id);
        if n.kind != NodeKind::Scope || n.placeholder() {
            return None;
        }
        let start = n.start_us()?;
        let end = n.end_us().unwrap_or(open_end).max(start);
        Some((start, end))
    }

    /// The run's span: its start to its end, or to its latest known time while open.
    fn run_span(stats: &RunStats) -> Option<Span> {
        let last = stats.last_us?;
        let start = stats.start_us?;
        Some((start, stats.end_us.unwrap_or(last).max(start)))
    }

    /// Time a scope spent outside its children: its duration minus the union of the children's
    /// spans (parallel children overlap, so they are merged, not added).
    pub fn self_time_us(&self, id: NodeId) -> Option<i64> {
        let n = self.node(id);
        // An end stamped before its start (clock skew, hostile input) counts as zero length.
        let lo = n.start_us()?;
        let hi = n.end_us()?.max(lo);
        let mut kids: Vec<Span> = self
            .children(id)
            .filter_map(|c| self.span_of(c, hi))
            .map(|(s, e)| (s.clamp(lo, hi), e.clamp(lo, hi)))
            .filter(|(s, e)| e > s)
            .collect();
        kids.sort_unstable();
        Some((hi - lo).max(0) - union_len(&kids))
    }

    /// The chain of scopes that bounded the run's end. Walking back from the end, the child
    /// that finished last is critical; before its start, the child that finished last before
    /// it; and so on, inside each critical child too. Open scopes run to the run's latest time.
    pub fn critical_path(&self, root: NodeId) -> CriticalPath {
        self.critical_path_with(root, &self.run_stats(root))
    }

    /// [`Trace::critical_path`] with the run's figures already at hand.
    pub fn critical_path_with(&self, root: NodeId, stats: &RunStats) -> CriticalPath {
        let mut steps = Vec::new();
        let length_us = self.critical_steps(root, stats, |s| steps.push(s));
        // Each node is a step at most once, so the key is unique and an unstable sort gives
        // the same order without the stable sort's buffer of half the steps (20 MB on one run
        // of 1.25 M scopes, in the explorer's peak).
        steps.sort_unstable_by_key(PathStep::order_key);
        CriticalPath { steps, length_us }
    }

    /// The critical path's steps handed to `each` as they are found (in no set order), and
    /// its length: for a caller that keeps a few of them, not 32 bytes a step.
    pub fn critical_steps(
        &self,
        root: NodeId,
        stats: &RunStats,
        mut each: impl FnMut(PathStep),
    ) -> i64 {
        let Some((lo, hi)) = Self::run_span(stats) else {
            return 0;
        };
        let mut length_us = 0;
        let mut work = vec![(root, lo, hi)];
        let mut kids: Vec<(Span, NodeId)> = Vec::new();
        while let Some((node, lo, hi)) = work.pop() {
            kids.clear();
            kids.extend(
                self.children(node)
                    .filter_map(|c| Some((self.span_of(c, hi)?, c))),
            );
            // Latest end first; among equal ends the longest (earliest start) wins.
            kids.sort_unstable_by_key(|&((s, e), c)| (std::cmp::Reverse(e), s, c));
            let mut cursor = hi;
            let mut self_us = 0;
            for &((s, e), c) in &kids {
                if cursor <= lo {
                    break;
                }
                if e > cursor || e <= lo {
                    continue;
                }
                self_us += cursor - e;
                let start = s.max(lo);
                work.push((c, start, e));
                cursor = start;
            }
            self_us += (cursor - lo).max(0);
            length_us += self_us;
            each(PathStep {
                node,
                start_us: lo,
                end_us: hi,
                self_us,
            });
        }
        length_us
    }

    /// Stretches of the run's span in which no leaf scope (a scope with no scope below it:
    /// LLM calls, tool calls, other steps) was running, longest first, at least `min_us` long.
    pub fn idle_gaps(&self, root: NodeId, min_us: i64) -> Vec<Span> {
        self.idle_gaps_in(&self.preorder(root), &self.run_stats(root), min_us)
    }

    /// [`Trace::idle_gaps`] of the run whose pre-order is `order` (its root first) and whose
    /// figures are `stats`, for a caller that has both (one run of 1.25 M scopes: 105 ms to
    /// work out the figures, 22 to walk it).
    pub fn idle_gaps_in(&self, order: &[NodeId], stats: &RunStats, min_us: i64) -> Vec<Span> {
        let Some(&root) = order.first() else {
            return Vec::new();
        };
        let Some((lo, hi)) = Self::run_span(stats) else {
            return Vec::new();
        };
        let mut busy: Vec<Span> = order
            .iter()
            .copied()
            .filter(|&i| {
                !self
                    .children(i)
                    .any(|c| self.node(c).kind == NodeKind::Scope)
            })
            .filter(|&i| i != root)
            .filter_map(|i| self.span_of(i, hi))
            .map(|(s, e)| (s.clamp(lo, hi), e.clamp(lo, hi)))
            .collect();
        busy.sort_unstable();
        let mut gaps = Vec::new();
        let mut cursor = lo;
        for (s, e) in busy {
            if s > cursor && s - cursor >= min_us.max(1) {
                gaps.push((cursor, s));
            }
            cursor = cursor.max(e);
        }
        if hi > cursor && hi - cursor >= min_us.max(1) {
            gaps.push((cursor, hi));
        }
        gaps.sort_by_key(|&(s, e)| (std::cmp::Reverse(e - s), s));
        gaps
    }

    /// Input tokens of each LLM call of the run, in time order: how the context grew.
    pub fn context_growth(&self, root: NodeId) -> Vec<(NodeId, i64, u64)> {
        let mut calls: Vec<(NodeId, i64, u64)> = self
            .preorder(root)
            .into_iter()
            .filter(|&i| self.node(i).is_llm())
            .filter_map(|i| {
                let n = self.node(i);
                Some((i, n.start_us().or(n.end_us())?, self.tokens(i)?.input?))
            })
            .collect();
        calls.sort_by_key(|&(i, t, _)| (t, i));
        calls
    }
}

/// Length of the union of sorted intervals.
fn union_len(sorted: &[Span]) -> i64 {
    let mut total = 0;
    let mut cur: Option<Span> = None;
    for &(s, e) in sorted {
        cur = match cur {
            Some((cs, ce)) if s <= ce => Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total += ce - cs;
                Some((s, e))
            }
            None => Some((s, e)),
        };
    }
    total + cur.map_or(0, |(s, e)| e - s)
}
