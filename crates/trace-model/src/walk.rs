//! Buffers for walking runs: [`RunWalk`], reused over many runs, and [`SubtreeTotals`], the
//! explorer's per-node token column.

use crate::NodeId;
#[cfg(doc)]
use crate::Trace;
use crate::stats::TokenStack;

/// What walking many runs one after another reuses ([`Trace::run_stats_walk`]): the run's
/// pre-order and the stacks behind it and its token sums, kept rather than allocated per run.
#[derive(Debug, Default)]
pub struct RunWalk {
    pub(crate) order: Vec<NodeId>,
    pub(crate) stack: Vec<NodeId>,
    pub(crate) done: TokenStack,
}

impl RunWalk {
    /// The pre-order of the run walked last.
    pub fn order(&self) -> &[NodeId] {
        &self.order
    }

    /// The pre-order of the run walked last, kept.
    pub fn into_order(self) -> Vec<NodeId> {
        self.order
    }
}

/// Each node's subtree token total by pre-order position ([`Trace::subtree_totals`]), in 8
/// bytes a node where `Option<u64>` takes 16 (20 MB on one run of 1.25 M scopes). "None" is
/// kept as `u64::MAX`, so a sum saturated at `u64::MAX` reads back one less.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubtreeTotals(Vec<u64>);

const NO_TOTAL: u64 = u64::MAX;

impl SubtreeTotals {
    pub(crate) fn none(len: usize) -> Self {
        Self(vec![NO_TOTAL; len])
    }

    pub(crate) fn set(&mut self, i: usize, total: Option<u64>) {
        self.0[i] = total.map_or(NO_TOTAL, |t| t.min(NO_TOTAL - 1));
    }

    /// The total at pre-order position `i`; `None` when the subtree reported no usage.
    pub fn get(&self, i: usize) -> Option<u64> {
        self.0.get(i).copied().filter(|&t| t != NO_TOTAL)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every total in pre-order.
    pub fn to_vec(&self) -> Vec<Option<u64>> {
        (0..self.len()).map(|i| self.get(i)).collect()
    }
}
