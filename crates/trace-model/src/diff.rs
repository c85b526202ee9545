//! Run diff: two runs (from one trace or two) aligned scope by scope.
//!
//! Scopes are aligned by PATH and ORDER: the two roots are paired whatever their names; under
//! a paired parent, the k-th child scope named `web_search` on the left pairs with the k-th
//! child scope of that name on the right. Unpaired children are missing (left only) or extra
//! (right only) subtrees, reported once at their root with their size. Marks are not diffed.
//!
//! Rows come in pre-order: a paired parent's children follow the left run's order, with extra
//! right-side children placed just before the next paired child that follows them on the
//! right. Tokens per row are subtree tokens ([`Trace::subtree_tokens`]), so a row's Δ tokens
//! includes its descendants. Durations are wall times; the roots use the runs' wall times.
//! The work is linear in the two runs' sizes plus hashing.

use rustc_hash::FxHashMap;

use super::stats::{RunStats, TokenSum};
use super::{NodeId, NodeKind, Trace};

/// How a row compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffKind {
    /// Paired, with equal duration, tokens and error state.
    Same,
    /// Paired, with some difference.
    Changed,
    /// A subtree only the left run has (missing on the right).
    OnlyLeft,
    /// A subtree only the right run has (extra on the right).
    OnlyRight,
}

impl DiffKind {
    /// `same`, `changed`, `only_left`, `only_right`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Same => "same",
            Self::Changed => "changed",
            Self::OnlyLeft => "only_left",
            Self::OnlyRight => "only_right",
        }
    }

    /// ` `, `~`, `-`, `+`.
    pub fn marker(self) -> char {
        match self {
            Self::Same => ' ',
            Self::Changed => '~',
            Self::OnlyLeft => '-',
            Self::OnlyRight => '+',
        }
    }
}

/// One aligned scope (or the root of a one-sided subtree).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffRow {
    /// Names from the root, `/`-separated; a repeated name carries its 0-based order, `[1]`.
    pub path: String,
    /// The last path segment (name, plus `[k]` when repeated).
    pub label: String,
    /// 0 for the roots.
    pub depth: usize,
    pub left: Option<NodeId>,
    pub right: Option<NodeId>,
    pub left_duration_us: Option<i64>,
    pub right_duration_us: Option<i64>,
    /// Right minus left, when both durations are known.
    pub d_duration_us: Option<i64>,
    /// Subtree token totals; `None` when the side is absent or reported none.
    pub left_tokens: Option<u64>,
    pub right_tokens: Option<u64>,
    /// Right minus left subtree total (an unreported or absent side counts 0), so a missing
    /// subtree shows the tokens it lost and an extra one those it added; `None` when neither
    /// side reported tokens.
    pub d_tokens: Option<i64>,
    /// Scopes in the subtree this row stands for: 1 when paired, the whole subtree when one-sided.
    pub size: usize,
    pub kind: DiffKind,
}

/// Whole-run figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiffTotals {
    pub left_wall_us: Option<i64>,
    pub right_wall_us: Option<i64>,
    pub d_wall_us: Option<i64>,
    pub left_tokens: TokenSum,
    pub right_tokens: TokenSum,
    pub d_input: i64,
    pub d_output: i64,
    pub d_total: i64,
    /// Paired rows by kind.
    pub same: usize,
    pub changed: usize,
    /// One-sided subtrees, and the scopes in them.
    pub only_left: usize,
    pub only_right: usize,
    pub only_left_scopes: usize,
    pub only_right_scopes: usize,
}

/// The aligned rows and totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunDiff {
    pub rows: Vec<DiffRow>,
    pub totals: DiffTotals,
}

/// One run with what the diff reads of it, indexed by node id.
struct Side<'a> {
    trace: &'a Trace,
    root: NodeId,
    stats: RunStats,
    tokens: FxHashMap<NodeId, u64>,
    size: FxHashMap<NodeId, usize>,
}

impl<'a> Side<'a> {
    fn new(trace: &'a Trace, root: NodeId) -> Self {
        let order = trace.preorder(root);
        let subtree = trace.subtree_tokens(&order);
        let mut size: FxHashMap<NodeId, usize> = FxHashMap::default();
        for &id in order.iter().rev() {
            let n = trace.node(id);
            if n.kind != NodeKind::Scope || n.placeholder() {
                continue;
            }
            let own = 1 + size.get(&id).copied().unwrap_or(0);
            size.insert(id, own);
            if id != root {
                if let Some(p) = n.parent() {
                    *size.entry(p).or_default() += own;
                }
            }
        }
        let tokens = order
            .iter()
            .zip(&subtree)
            .filter_map(|(&id, t)| Some((id, t.as_ref()?.total_or_sum())))
            .collect();
        Self {
            trace,
            root,
            stats: trace.run_stats(root),
            tokens,
            size,
        }
    }

    fn duration(&self, id: NodeId) -> Option<i64> {
        if id == self.root {
            self.stats.duration_us()
        } else {
            self.trace.node(id).duration_us()
        }
    }

    fn name(&self, id: NodeId) -> &'a str {
        self.trace.str(self.trace.node(id).name)
    }

    /// Child scopes with their occurrence index among same-named siblings.
    fn kids(&self, id: NodeId) -> Vec<(NodeId, usize)> {
        let mut seen: FxHashMap<&str, usize> = FxHashMap::default();
        self.trace
            .children(id)
            .filter(|&c| {
                let n = self.trace.node(c);
                n.kind == NodeKind::Scope && !n.placeholder()
            })
            .map(|c| {
                let k = seen.entry(self.name(c)).or_default();
                *k += 1;
                (c, *k - 1)
            })
            .collect()
    }
}

enum Item {
    Pair(NodeId, NodeId),
    Left(NodeId),
    Right(NodeId),
}

fn segment(name: &str, k: usize) -> String {
    if k == 0 {
        name.to_owned()
    } else {
        format!("{name}[{k}]")
    }
}

/// Aligns the run under `left_root` in `left` with the run under `right_root` in `right`.
pub fn diff_runs(left: &Trace, left_root: NodeId, right: &Trace, right_root: NodeId) -> RunDiff {
    let l = Side::new(left, left_root);
    let r = Side::new(right, right_root);
    let mut rows = Vec::new();
    let root_name = l.name(left_root).to_owned();
    let mut stack = vec![(
        Item::Pair(left_root, right_root),
        0usize,
        root_name.clone(),
        root_name,
    )];
    while let Some((item, depth, path, label)) = stack.pop() {
        let row = match item {
            Item::Pair(a, b) => {
                let (ld, rd) = (l.duration(a), r.duration(b));
                let (lt, rt) = (l.tokens.get(&a).copied(), r.tokens.get(&b).copied());
                let d_tokens = (lt.is_some() || rt.is_some())
                    .then(|| rt.unwrap_or(0) as i64 - lt.unwrap_or(0) as i64);
                let errors_differ = left.node(a).has_error() != right.node(b).has_error();
                let same = ld == rd && lt == rt && !errors_differ;
                let mut children = Vec::new();
                let (lk, rk) = (l.kids(a), r.kids(b));
                let mut by_name: FxHashMap<(&str, usize), usize> = FxHashMap::default();
                for (j, &(c, k)) in rk.iter().enumerate() {
                    by_name.insert((r.name(c), k), j);
                }
                // Pair first, so right children paired out of order are known before the merge.
                let partner: Vec<Option<usize>> = lk
                    .iter()
                    .map(|&(c, k)| by_name.get(&(l.name(c), k)).copied())
                    .collect();
                let mut paired = vec![false; rk.len()];
                for &j in partner.iter().flatten() {
                    paired[j] = true;
                }
                let mut next = 0;
                for (&(c, k), p) in lk.iter().zip(&partner) {
                    let seg = segment(l.name(c), k);
                    let Some(j) = *p else {
                        children.push((Item::Left(c), seg));
                        continue;
                    };
                    for (idx, &(rc, rk_k)) in rk.iter().enumerate().take(j).skip(next) {
                        if !paired[idx] {
                            children.push((Item::Right(rc), segment(r.name(rc), rk_k)));
                        }
                    }
                    next = next.max(j + 1);
                    children.push((Item::Pair(c, rk[j].0), seg));
                }
                for (j, &(rc, k)) in rk.iter().enumerate().skip(next) {
                    if !paired[j] {
                        children.push((Item::Right(rc), segment(r.name(rc), k)));
                    }
                }
                for (item, seg) in children.into_iter().rev() {
                    stack.push((item, depth + 1, format!("{path}/{seg}"), seg));
                }
                DiffRow {
                    path,
                    label,
                    depth,
                    left: Some(a),
                    right: Some(b),
                    left_duration_us: ld,
                    right_duration_us: rd,
                    d_duration_us: ld.zip(rd).map(|(x, y)| y - x),
                    left_tokens: lt,
                    right_tokens: rt,
                    d_tokens,
                    size: 1,
                    kind: if same {
                        DiffKind::Same
                    } else {
                        DiffKind::Changed
                    },
                }
            }
            Item::Left(a) => one_sided(&l, a, (path, label), depth, DiffKind::OnlyLeft),
            Item::Right(b) => one_sided(&r, b, (path, label), depth, DiffKind::OnlyRight),
        };
        rows.push(row);
    }
    let totals = totals(&l.stats, &r.stats, &rows);
    RunDiff { rows, totals }
}

fn one_sided(
    side: &Side<'_>,
    id: NodeId,
    (path, label): (String, String),
    depth: usize,
    kind: DiffKind,
) -> DiffRow {
    let (dur, tok) = (side.duration(id), side.tokens.get(&id).copied());
    let left = kind == DiffKind::OnlyLeft;
    DiffRow {
        path,
        label,
        depth,
        left: left.then_some(id),
        right: (!left).then_some(id),
        left_duration_us: if left { dur } else { None },
        right_duration_us: if left { None } else { dur },
        d_duration_us: None,
        left_tokens: if left { tok } else { None },
        right_tokens: if left { None } else { tok },
        d_tokens: tok.map(|t| if left { -(t as i64) } else { t as i64 }),
        size: side.size.get(&id).copied().unwrap_or(1),
        kind,
    }
}

fn totals(l: &RunStats, r: &RunStats, rows: &[DiffRow]) -> DiffTotals {
    let d = |a: u64, b: u64| b as i64 - a as i64;
    let mut t = DiffTotals {
        left_wall_us: l.duration_us(),
        right_wall_us: r.duration_us(),
        d_wall_us: l.duration_us().zip(r.duration_us()).map(|(a, b)| b - a),
        left_tokens: l.tokens,
        right_tokens: r.tokens,
        d_input: d(l.tokens.input, r.tokens.input),
        d_output: d(l.tokens.output, r.tokens.output),
        d_total: d(l.tokens.total, r.tokens.total),
        ..DiffTotals::default()
    };
    for row in rows {
        match row.kind {
            DiffKind::Same => t.same += 1,
            DiffKind::Changed => t.changed += 1,
            DiffKind::OnlyLeft => {
                t.only_left += 1;
                t.only_left_scopes += row.size;
            }
            DiffKind::OnlyRight => {
                t.only_right += 1;
                t.only_right_scopes += row.size;
            }
        }
    }
    t
}
