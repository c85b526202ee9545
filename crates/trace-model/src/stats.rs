//! Per-run and whole-trace figures, computed from the tree on demand.
//!
//! Tokens roll up with one rule (see ARCHITECTURE.md, "Counting tokens once"): an LLM call's
//! reported usage is its own; a non-LLM scope that reports usage while its descendants also do
//! is treated as a cumulative figure, so its subtree takes the larger of the two, never the sum.

use std::collections::BTreeMap;

use super::{NodeId, NodeKind, Trace};
use crate::event::Tokens;
pub use crate::walk::{RunWalk, SubtreeTotals};

/// Outcome of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RunStatus {
    Ok,
    Error,
    Incomplete,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Incomplete => "incomplete",
        }
    }
}

/// Token sums. The five classic buckets count an absent field as zero; the finer buckets
/// (`reasoning`, `cache_write_1h`, `uncached`) stay unknown (`None`) unless reported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenSum {
    /// All prompt tokens, cached included.
    pub input: u64,
    /// All output tokens, reasoning included.
    pub output: u64,
    pub total: u64,
    pub cache_read: u64,
    pub cache_write: u64,
    /// Sum of the reported one-hour cache writes; `None` when no call reported the split.
    pub cache_write_1h: Option<u64>,
    /// Sum of the reported reasoning parts; `None` when no call reported one.
    pub reasoning: Option<u64>,
    /// Sum of [`Tokens::uncached`] over the calls where it is known.
    pub uncached_known: u64,
    /// Calls that reported input whose uncached part is unknown (or inconsistent).
    pub uncached_gaps: u64,
    /// Calls whose figures contradict each other ([`Tokens::is_inconsistent`]).
    pub inconsistent: u64,
    /// Which of `input`, `output`, `cache_read`, `cache_write` at least one summed call
    /// reported ([`TokenSum::INPUT`] …): a bucket no call reported is unknown, not 0.
    pub reported: u8,
}

fn add_some(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
    }
}

impl TokenSum {
    pub const INPUT: u8 = 1;
    pub const OUTPUT: u8 = 2;
    pub const CACHE_READ: u8 = 4;
    pub const CACHE_WRITE: u8 = 8;

    /// The bucket's sum (`self.input` for [`Self::INPUT`] …), `None` when no summed call
    /// reported it. `total` is known when input or output is.
    pub fn known(&self, bucket: u8) -> Option<u64> {
        let v = match bucket {
            Self::INPUT => self.input,
            Self::OUTPUT => self.output,
            Self::CACHE_READ => self.cache_read,
            Self::CACHE_WRITE => self.cache_write,
            _ => return (self.reported & (Self::INPUT | Self::OUTPUT) != 0).then_some(self.total),
        };
        (self.reported & bucket != 0).then_some(v)
    }

    pub fn add(&mut self, t: &Tokens) {
        for (bit, v) in [
            (Self::INPUT, t.input),
            (Self::OUTPUT, t.output),
            (Self::CACHE_READ, t.cache_read),
            (Self::CACHE_WRITE, t.cache_write),
        ] {
            if v.is_some() {
                self.reported |= bit;
            }
        }
        self.input = self.input.saturating_add(t.input.unwrap_or(0));
        self.output = self.output.saturating_add(t.output.unwrap_or(0));
        self.total = self.total.saturating_add(t.total_or_sum());
        self.cache_read = self.cache_read.saturating_add(t.cache_read.unwrap_or(0));
        self.cache_write = self.cache_write.saturating_add(t.cache_write.unwrap_or(0));
        self.cache_write_1h = add_some(self.cache_write_1h, t.cache_write_1h);
        self.reasoning = add_some(self.reasoning, t.reasoning);
        match t.uncached() {
            Some(u) => self.uncached_known = self.uncached_known.saturating_add(u),
            None if t.input.is_some() => self.uncached_gaps += 1,
            None => {}
        }
        if t.is_inconsistent() {
            self.inconsistent += 1;
        }
    }

    pub fn add_sum(&mut self, t: &TokenSum) {
        self.reported |= t.reported;
        self.input = self.input.saturating_add(t.input);
        self.output = self.output.saturating_add(t.output);
        self.total = self.total.saturating_add(t.total);
        self.cache_read = self.cache_read.saturating_add(t.cache_read);
        self.cache_write = self.cache_write.saturating_add(t.cache_write);
        self.cache_write_1h = add_some(self.cache_write_1h, t.cache_write_1h);
        self.reasoning = add_some(self.reasoning, t.reasoning);
        self.uncached_known = self.uncached_known.saturating_add(t.uncached_known);
        self.uncached_gaps = self.uncached_gaps.saturating_add(t.uncached_gaps);
        self.inconsistent = self.inconsistent.saturating_add(t.inconsistent);
    }

    /// Input neither read from nor written to a cache, when every summed call reported
    /// enough to know it (`None` as soon as one did not).
    pub fn uncached(&self) -> Option<u64> {
        (self.uncached_gaps == 0 && self.input > 0).then_some(self.uncached_known)
    }
}

/// Figures for one model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ModelStats {
    pub calls: u64,
    pub tokens: TokenSum,
}

/// Figures for one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunStats {
    pub status: Option<RunStatus>,
    pub start_us: Option<i64>,
    pub end_us: Option<i64>,
    pub scopes: u64,
    pub marks: u64,
    pub llm_calls: u64,
    pub tool_calls: u64,
    pub errors: u64,
    pub open_scopes: u64,
    /// Scopes that ended but said they did not finish (an interrupted tool).
    pub incomplete_scopes: u64,
    pub tokens: TokenSum,
    /// Per model, sorted by name. A vector, not a map: a run has a handful of models, and a
    /// map's node would cost ~800 bytes for each of a gigabyte log's ~15,000 runs.
    pub by_model: Vec<(String, ModelStats)>,
    /// The latest time stamped anywhere in the run (what open scopes run to).
    pub last_us: Option<i64>,
}

impl RunStats {
    pub fn status(&self) -> RunStatus {
        self.status.unwrap_or(RunStatus::Ok)
    }

    pub fn duration_us(&self) -> Option<i64> {
        Some(self.end_us? - self.start_us?)
    }
}

/// Label used for calls whose model is not known.
pub const UNKNOWN_MODEL: &str = "(unknown)";

fn combine(own: Option<u64>, kids: Option<u64>, additive: bool) -> Option<u64> {
    match (own, kids) {
        (None, k) => k,
        (o, None) => o,
        (Some(o), Some(k)) if additive => Some(o.saturating_add(k)),
        (Some(o), Some(k)) => Some(o.max(k)),
    }
}

fn combine_tokens(own: Option<&Tokens>, kids: Option<Tokens>, additive: bool) -> Option<Tokens> {
    let Some(own) = own else { return kids };
    let Some(k) = kids else { return Some(*own) };
    Some(Tokens {
        input: combine(own.input, k.input, additive),
        output: combine(own.output, k.output, additive),
        total: combine(Some(own.total_or_sum()), Some(k.total_or_sum()), additive),
        cache_read: combine(own.cache_read, k.cache_read, additive),
        cache_write: combine(own.cache_write, k.cache_write, additive),
        cache_write_1h: combine(own.cache_write_1h, k.cache_write_1h, additive),
        reasoning: combine(own.reasoning, k.reasoning, additive),
    })
}

/// Sum of two optional figures, field by field (absent + absent stays absent).
pub(crate) fn add_opt(a: Option<Tokens>, b: Option<Tokens>) -> Option<Tokens> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(a), Some(b)) => {
            let s = |x: Option<u64>, y: Option<u64>| match (x, y) {
                (None, None) => None,
                (x, y) => Some(x.unwrap_or(0).saturating_add(y.unwrap_or(0))),
            };
            Some(Tokens {
                input: s(a.input, b.input),
                output: s(a.output, b.output),
                total: Some(a.total_or_sum().saturating_add(b.total_or_sum())),
                cache_read: s(a.cache_read, b.cache_read),
                cache_write: s(a.cache_write, b.cache_write),
                cache_write_1h: s(a.cache_write_1h, b.cache_write_1h),
                reasoning: s(a.reasoning, b.reasoning),
            })
        }
    }
}

impl Trace {
    /// Nodes of the subtree under `root` in pre-order (children in time order).
    pub fn preorder(&self, root: NodeId) -> Vec<NodeId> {
        // Most runs are small: one allocation each instead of a doubling series.
        let mut out = Vec::with_capacity(32);
        self.preorder_into(root, &mut out, &mut Vec::with_capacity(16));
        out
    }

    /// [`Self::preorder`] into `out` (cleared first), with `stack` as scratch.
    fn preorder_into(&self, root: NodeId, out: &mut Vec<NodeId>, stack: &mut Vec<NodeId>) {
        out.clear();
        stack.clear();
        stack.push(root);
        while let Some(id) = stack.pop() {
            out.push(id);
            let at = stack.len();
            stack.extend(self.children(id));
            stack[at..].reverse();
        }
    }

    /// Subtree token usage for every node under `root`, by pre-order position.
    pub fn subtree_tokens(&self, order: &[NodeId]) -> Vec<Option<Tokens>> {
        let pos: rustc_hash::FxHashMap<NodeId, usize> =
            order.iter().enumerate().map(|(i, &n)| (n, i)).collect();
        let mut kids: Vec<Option<Tokens>> = vec![None; order.len()];
        let mut subtree: Vec<Option<Tokens>> = vec![None; order.len()];
        for (i, &id) in order.iter().enumerate().rev() {
            let n = self.node(id);
            let s = combine_tokens(self.tokens(id).as_ref(), kids[i], n.is_llm());
            subtree[i] = s;
            if let Some(p) = n.parent().and_then(|p| pos.get(&p)) {
                kids[*p] = add_opt(kids[*p], s);
            }
        }
        subtree
    }

    /// Each node's subtree total ([`Tokens::total_or_sum`] of [`Self::subtree_tokens`]), by
    /// pre-order position of `order` (which must be a [`Self::preorder`]), holding only the
    /// sums of nodes still waiting for a child, as [`Self::root_subtree_tokens`] does: 8 B a
    /// node, where the whole figures took 240 (280 MB transient on one run of 1.25 M scopes).
    pub fn subtree_totals(&self, order: &[NodeId]) -> SubtreeTotals {
        let mut out = SubtreeTotals::none(order.len());
        let mut done = Vec::new();
        for (i, &id) in order.iter().enumerate().rev() {
            let s = self.subtree_step(id, &mut done);
            out.set(i, s.map(|t| t.total_or_sum()));
        }
        out
    }

    /// One node of a backwards walk over a pre-order: its subtree usage, from its own and
    /// its children's sums, which are the top of `done` (walked backwards, a pre-order meets
    /// each node right after its children's subtrees). Pushes the sum for its parent. A map
    /// from node to pending sum did the same with two hash probes a node.
    fn subtree_step(&self, id: NodeId, done: &mut TokenStack) -> Option<Tokens> {
        let n = self.node(id);
        let mut kids = None;
        while let Some(&(parent, s)) = done.last() {
            if parent != id {
                break;
            }
            kids = add_opt(kids, s);
            done.pop();
        }
        let s = combine_tokens(self.tokens(id).as_ref(), kids, n.is_llm());
        done.push((n.parent().unwrap_or(crate::records::NONE), s));
        s
    }

    /// The first node's subtree usage, as [`Self::subtree_tokens`] gives it at position 0,
    /// holding only the sums of nodes still waiting for a child (the current node's
    /// ancestors) rather than two figures for every node of a run ([`Self::subtree_step`]).
    pub fn root_subtree_tokens(&self, order: &[NodeId]) -> Option<Tokens> {
        self.root_subtree_tokens_in(order, &mut Vec::new())
    }

    fn root_subtree_tokens_in(&self, order: &[NodeId], done: &mut TokenStack) -> Option<Tokens> {
        done.clear();
        order
            .iter()
            .rev()
            .fold(None, |_, &id| self.subtree_step(id, done))
    }

    /// Figures for the run rooted at `root`.
    pub fn run_stats(&self, root: NodeId) -> RunStats {
        self.run_stats_of(&self.preorder(root))
    }

    /// [`Self::run_stats`] of the run whose [`Self::preorder`] is `order` (its root first),
    /// for callers that walk the run more than once.
    pub fn run_stats_of(&self, order: &[NodeId]) -> RunStats {
        self.run_stats_in(order, true, &mut Vec::new())
    }

    /// [`Self::run_stats`] walked in `walk`, whose [`RunWalk::order`] is then the run's
    /// pre-order; the figures per model only with `per_model` (each is a `String`).
    pub fn run_stats_walk(&self, root: NodeId, walk: &mut RunWalk, per_model: bool) -> RunStats {
        self.preorder_into(root, &mut walk.order, &mut walk.stack);
        self.run_stats_in(&walk.order, per_model, &mut walk.done)
    }

    fn run_stats_in(&self, order: &[NodeId], per_model: bool, done: &mut TokenStack) -> RunStats {
        let root = order[0];
        let root_tokens = self.root_subtree_tokens_in(order, done);
        let mut s = RunStats::default();
        let mut min_t: Option<i64> = None;
        let mut max_t: Option<i64> = None;
        for &id in order {
            let n = self.node(id);
            if n.placeholder() {
                continue;
            }
            match n.kind {
                NodeKind::Mark => s.marks += 1,
                NodeKind::Scope => s.scopes += 1,
            }
            if n.is_open() && !n.container() {
                s.open_scopes += 1;
            }
            if n.has_error() {
                s.errors += 1;
            }
            if self.incomplete(id).is_some() {
                s.incomplete_scopes += 1;
            }
            if n.is_tool() {
                s.tool_calls += 1;
            }
            if n.is_llm() {
                s.llm_calls += 1;
                if per_model {
                    self.add_call(&mut s.by_model, id);
                }
            }
            widen_span(n, &mut min_t, &mut max_t);
        }
        if let Some(t) = root_tokens {
            s.tokens.add(&t);
        }
        let r = self.node(root);
        s.last_us = max_t;
        s.start_us = r.start_us().or(min_t);
        let complete = if r.container() && !r.has_end() {
            s.open_scopes == 0
        } else {
            r.has_end()
        };
        // An ended root with an unreadable end time has an unknown end, not a guessed one.
        s.end_us = match (complete, r.has_end()) {
            (false, _) => None,
            (true, true) => r.end_us(),
            (true, false) => max_t,
        };
        // A root its producer closed as successful recovered from the errors inside it.
        let recovered = self.settled(root) == Some(true) && complete && s.incomplete_scopes == 0;
        s.status = Some(if s.errors > 0 && !recovered {
            RunStatus::Error
        } else if complete && s.incomplete_scopes == 0 {
            RunStatus::Ok
        } else {
            RunStatus::Incomplete
        });
        s
    }

    /// Counts the LLM call `id` in its model's figures.
    fn add_call(&self, by_model: &mut Vec<(String, ModelStats)>, id: NodeId) {
        let model = self.node(id).model().map_or(UNKNOWN_MODEL, |m| self.str(m));
        // Look up before inserting: no key allocation per call.
        let at = match by_model.binary_search_by(|(k, _)| k.as_str().cmp(model)) {
            Ok(i) => i,
            Err(i) => {
                by_model.insert(i, (model.to_owned(), ModelStats::default()));
                i
            }
        };
        let m = &mut by_model[at].1;
        m.calls += 1;
        if let Some(t) = self.tokens(id) {
            m.tokens.add(&t);
        }
    }
}

/// Widens the run's time span by a node's start and end.
fn widen_span(n: crate::Node<'_>, min_t: &mut Option<i64>, max_t: &mut Option<i64>) {
    for t in [n.start_us(), n.end_us()].into_iter().flatten() {
        *min_t = Some(min_t.map_or(t, |m| m.min(t)));
        *max_t = Some(max_t.map_or(t, |m| m.max(t)));
    }
}

/// The sums of a backwards pre-order walk still waiting for their parent.
pub(crate) type TokenStack = Vec<(NodeId, Option<Tokens>)>;

/// Figures for the whole trace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub runs: u64,
    pub llm_calls: u64,
    pub tool_calls: u64,
    pub errors: u64,
    pub tokens: TokenSum,
    pub by_model: BTreeMap<String, ModelStats>,
    pub by_status: BTreeMap<RunStatus, u64>,
}

impl Totals {
    /// Sums a list of run figures.
    pub fn of<'a>(runs: impl IntoIterator<Item = &'a RunStats>) -> Self {
        let mut t = Totals::default();
        for r in runs {
            t.add(r);
        }
        t
    }

    /// Adds one run's figures.
    pub fn add(&mut self, r: &RunStats) {
        self.runs += 1;
        self.llm_calls += r.llm_calls;
        self.tool_calls += r.tool_calls;
        self.errors += r.errors;
        self.tokens.add_sum(&r.tokens);
        *self.by_status.entry(r.status()).or_default() += 1;
        for (model, m) in &r.by_model {
            // Look up before inserting: no key allocation per run.
            let e = match self.by_model.get_mut(model) {
                Some(e) => e,
                None => self.by_model.entry(model.clone()).or_default(),
            };
            e.calls += m.calls;
            e.tokens.add_sum(&m.tokens);
        }
    }

    /// Adds the figures of other runs.
    pub fn merge(&mut self, o: Totals) {
        self.runs += o.runs;
        self.llm_calls += o.llm_calls;
        self.tool_calls += o.tool_calls;
        self.errors += o.errors;
        self.tokens.add_sum(&o.tokens);
        for (k, v) in o.by_status {
            *self.by_status.entry(k).or_default() += v;
        }
        for (model, m) in o.by_model {
            let e = self.by_model.entry(model).or_default();
            e.calls += m.calls;
            e.tokens.add_sum(&m.tokens);
        }
    }
}
