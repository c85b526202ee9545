//! Per-node and per-run analysis in one place: self and subtree figures (tokens, LLM calls,
//! duration, self time) with where each token figure came from, the critical path with each
//! step's share of the run's time and tokens, percentile exemplars, context growth and idle
//! gaps.
//!
//! Pure functions over a settled [`Trace`]: no IO, no clock. The time walks live in
//! [`super::critical`] and the percentiles in [`super::exemplars`]; this module adds the token
//! side and the per-node table, and is the one entry point for callers. Everything is
//! O(n log n) in the size of the run (the exemplars: of the trace).
//!
//! Token rule (ARCHITECTURE.md, "Counting tokens once"): subtree figures are
//! [`Trace::subtree_tokens`], so they agree with [`Trace::run_stats`]. A node's *self* figure is
//! what is left of its subtree once its children's subtrees are taken away, so
//! `self + Σ children = subtree` holds for every node: an LLM call's self is its own usage; a
//! non-LLM scope that reports a cumulative figure keeps only the part its children do not
//! explain (field by field, never below zero).

use rustc_hash::FxHashMap;

pub use super::critical::Span;
pub use super::exemplars::{Exemplar, Exemplars, Group, Percentiles, RANKS};
use super::{NodeId, NodeKind, Trace};
use crate::event::Tokens;

/// Where a node's token figures came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// The producer reported usage on this node and nothing below it did.
    Reported,
    /// Nothing reported on the node; the subtree is its children's sum.
    Summed,
    /// A non-LLM scope reported usage while scopes below it did too: the report is taken as
    /// cumulative, so the subtree is the larger of it and the children's sum, never both.
    ReportedCumulative,
    /// An LLM call reported its own usage and scopes below it reported theirs: added.
    ReportedPlusChildren,
    /// No usage anywhere in the subtree.
    None,
}

impl Source {
    /// Short label for tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reported => "reported",
            Self::Summed => "summed",
            Self::ReportedCumulative => "reported_cumulative",
            Self::ReportedPlusChildren => "reported_plus_children",
            Self::None => "none",
        }
    }
}

/// Self and subtree figures of one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeFigures {
    /// The node's own share of the tokens (see the module docs); `None` when it reported none.
    pub self_tokens: Option<Tokens>,
    /// The node and everything below it, counted once ([`Trace::subtree_tokens`]).
    pub subtree_tokens: Option<Tokens>,
    pub tokens_source: Source,
    /// 1 for an LLM call, else 0.
    pub llm_calls_self: u64,
    /// LLM calls in the subtree, the node included.
    pub llm_calls_subtree: u64,
    /// Wall time; `None` for marks and scopes with an unknown or missing end. An end stamped
    /// before its start counts as zero.
    pub duration_us: Option<i64>,
    /// Duration minus the union of the children's spans ([`Trace::self_time_us`]).
    pub self_time_us: Option<i64>,
}

/// One scope on the critical path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathStep {
    pub node: NodeId,
    /// The part of the run this scope covered on the path (clipped to its parent's step).
    pub start_us: i64,
    pub end_us: i64,
    /// Time on the path spent in the scope itself, not in a critical child. The steps' values
    /// add up to the run's wall time.
    pub self_on_path_us: i64,
    /// `self_on_path_us` over the run's wall time (0 when the run has no length).
    pub share_of_run: f64,
    /// The scope's self tokens (as in [`NodeFigures::self_tokens`]).
    pub tokens: Option<Tokens>,
    /// Total of `tokens` over the run's subtree total; `None` when either is unknown or zero.
    pub token_share: Option<f64>,
}

/// Sum of two optional figures, field by field: the rule `Trace::subtree_tokens` uses.
use super::stats::add_opt as add;

/// What is left of a cumulative report once the children's sum is taken away.
fn minus(own: &Tokens, kids: &Tokens) -> Tokens {
    let d = |o: Option<u64>, k: Option<u64>| o.map(|o| o.saturating_sub(k.unwrap_or(0)));
    Tokens {
        input: d(own.input, kids.input),
        output: d(own.output, kids.output),
        total: Some(own.total_or_sum().saturating_sub(kids.total_or_sum())),
        cache_read: d(own.cache_read, kids.cache_read),
        cache_write: d(own.cache_write, kids.cache_write),
        cache_write_1h: d(own.cache_write_1h, kids.cache_write_1h),
        reasoning: d(own.reasoning, kids.reasoning),
    }
}

/// Self tokens and source from a node's own report and its children's summed subtrees.
fn self_and_source(
    own: Option<&Tokens>,
    is_llm: bool,
    kids: Option<Tokens>,
) -> (Option<Tokens>, Source) {
    match (own, kids) {
        (None, None) => (None, Source::None),
        (None, Some(_)) => (None, Source::Summed),
        (Some(o), None) => (Some(*o), Source::Reported),
        (Some(o), Some(_)) if is_llm => (Some(*o), Source::ReportedPlusChildren),
        (Some(o), Some(k)) => (Some(minus(o, &k)), Source::ReportedCumulative),
    }
}

/// Subtree tokens of a run, indexed by node.
struct TokenTable {
    pos: FxHashMap<NodeId, usize>,
    subtree: Vec<Option<Tokens>>,
}

impl TokenTable {
    fn new(trace: &Trace, order: &[NodeId]) -> Self {
        Self {
            pos: order.iter().enumerate().map(|(i, &n)| (n, i)).collect(),
            subtree: trace.subtree_tokens(order),
        }
    }

    fn subtree(&self, id: NodeId) -> Option<Tokens> {
        self.pos.get(&id).and_then(|&i| self.subtree[i])
    }

    /// The children's subtrees added up.
    fn kids(&self, trace: &Trace, id: NodeId) -> Option<Tokens> {
        trace
            .children(id)
            .fold(None, |acc, c| add(acc, self.subtree(c)))
    }

    fn self_and_source(&self, trace: &Trace, id: NodeId) -> (Option<Tokens>, Source) {
        let n = trace.node(id);
        self_and_source(trace.tokens(id).as_ref(), n.is_llm(), self.kids(trace, id))
    }
}

/// Self and subtree figures for every node of the run under `root`, in pre-order
/// ([`Trace::preorder`]). The root's `subtree_tokens` equals `run_stats(root).tokens`.
pub fn figures(trace: &Trace, root: NodeId) -> Vec<(NodeId, NodeFigures)> {
    let order = trace.preorder(root);
    let table = TokenTable::new(trace, &order);
    let mut llm_sub = vec![0u64; order.len()];
    for (i, &id) in order.iter().enumerate().rev() {
        llm_sub[i] += u64::from(trace.node(id).is_llm());
        if let Some(&p) = trace.node(id).parent().and_then(|p| table.pos.get(&p)) {
            llm_sub[p] += llm_sub[i];
        }
    }
    order
        .iter()
        .enumerate()
        .map(|(i, &id)| {
            let n = trace.node(id);
            let scope = n.kind == NodeKind::Scope && !n.placeholder();
            let (self_tokens, tokens_source) = table.self_and_source(trace, id);
            let f = NodeFigures {
                self_tokens,
                subtree_tokens: table.subtree[i],
                tokens_source,
                llm_calls_self: u64::from(n.is_llm()),
                llm_calls_subtree: llm_sub[i],
                duration_us: n.duration_us().filter(|_| scope).map(|d| d.max(0)),
                self_time_us: trace.self_time_us(id).filter(|_| scope),
            };
            (id, f)
        })
        .collect()
}

/// One node's self tokens, as in [`figures`]. No walk unless the node is a non-LLM scope that
/// reported usage and has children (then O(subtree)).
pub fn self_tokens(trace: &Trace, id: NodeId) -> Option<Tokens> {
    let n = trace.node(id);
    let own = trace.tokens(id)?;
    if n.is_llm() || !n.has_children() {
        return Some(own);
    }
    let order = trace.preorder(id);
    TokenTable::new(trace, &order).self_and_source(trace, id).0
}

/// The critical path of the run under `root` ([`Trace::critical_path`]) in time order, with
/// each step's share of the run's wall time and its self tokens. Open scopes run to the run's
/// latest known time, so an incomplete run's path ends at its last event.
pub fn critical_path(trace: &Trace, root: NodeId) -> Vec<PathStep> {
    let cp = trace.critical_path(root);
    if cp.steps.is_empty() {
        return Vec::new();
    }
    let order = trace.preorder(root);
    let table = TokenTable::new(trace, &order);
    let run_total = table
        .subtree(root)
        .map(|t| t.total_or_sum())
        .filter(|&t| t > 0);
    let wall = cp.length_us;
    cp.steps
        .iter()
        .map(|st| {
            let tokens = table.self_and_source(trace, st.node).0;
            PathStep {
                node: st.node,
                start_us: st.start_us,
                end_us: st.end_us,
                self_on_path_us: st.self_us,
                share_of_run: if wall > 0 {
                    st.self_us as f64 / wall as f64
                } else {
                    0.0
                },
                token_share: run_total
                    .zip(tokens)
                    .map(|(all, t)| t.total_or_sum() as f64 / all as f64),
                tokens,
            }
        })
        .collect()
}

/// Percentile exemplars over every scope of the trace ([`Trace::exemplars`]): nearest-rank
/// p50/p95/p99/max of latency and total tokens by model, by tool and by scope name, each
/// naming the call at that rank (ties broken by node id).
pub fn exemplars(trace: &Trace) -> Exemplars {
    trace.exemplars()
}

/// Input tokens of each LLM call of the run, as `(call, start time, input tokens)` in time
/// order: how the context grew. Input is as the producer reported it (Anthropic's uncached
/// `input_tokens`, OpenAI's `prompt_tokens`); calls without an input figure are left out.
pub fn context_growth(trace: &Trace, root: NodeId) -> Vec<(NodeId, i64, u64)> {
    trace.context_growth(root)
}

/// Stretches of the run's span, at least `min_us` long, in which no leaf scope (LLM call, tool
/// call, any scope with no scope below it) was running, longest first ([`Trace::idle_gaps`]).
/// Enclosing scopes (the root, agents, turns) do not count as activity, nor do marks.
pub fn idle_gaps(trace: &Trace, root: NodeId, min_us: i64) -> Vec<Span> {
    trace.idle_gaps(root, min_us)
}
