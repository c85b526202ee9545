//! Read-only questions the explorer asks of a [`Trace`]: the time-ordered edges of a run (the
//! scrubber's axis), a node's phase at a point on that axis, and latency percentiles.
//!
//! "The state at time t" is answered here from the tree plus a sorted index of edges, never
//! by copying the tree: a node is hidden before its start edge, open until its end edge, and
//! done after it.

use fixedbitset::FixedBitSet;
use rustc_hash::FxHashMap;

use super::nodemap::NodeMap;
use super::{Node, NodeId, NodeKind, Trace};

/// Which side of a node an edge is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    Start,
    End,
    Mark,
}

/// One point on a run's time axis, as [`Timeline::edge`] answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedEdge {
    pub t: i64,
    pub node: NodeId,
    pub edge: Edge,
}

/// A node's state at a cursor position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Not started yet.
    Hidden,
    /// Started, not ended.
    Open,
    /// Ended (or a mark that happened).
    Done,
}

const NONE: u32 = u32::MAX;

/// The edges of one run sorted by time, with each node's edge positions. An edge is kept as
/// its node's id alone (4 bytes where a time, id and side took 16: 30 MB on one run of
/// 1.25 M scopes): its side follows from the node's positions and its time is read off the
/// trace, so the accessors take the trace the axis was built from.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    pub root: NodeId,
    edges: Vec<NodeId>,
    pos: NodeMap<(u32, u32)>,
}

/// A sort key of one edge in 12 bytes: the time doubled plus one for a start or mark (ends
/// first at a tie: times are within ±2⁶¹, so this cannot overflow) in two words, then the node,
/// reversed for ends.
type EdgeKey = [u32; 3];

fn edge_key(t: i64, end: bool, node: NodeId) -> EdgeKey {
    let k = t * 2 + i64::from(!end);
    let node = if end { u32::MAX - node } else { node };
    [(k >> 32) as u32, k as u32, node]
}

/// The node and side (`true`: an end) of a key made by [`edge_key`].
fn key_edge(k: &EdgeKey) -> (NodeId, bool) {
    let end = k[1] & 1 == 0;
    (if end { u32::MAX - k[2] } else { k[2] }, end)
}

fn key_order(k: &EdgeKey) -> (i64, u32) {
    ((i64::from(k[0] as i32) << 32) | i64::from(k[1]), k[2])
}

impl Timeline {
    /// Indexes the run under `root`. Ties sort ends before starts (children's ends first), so
    /// back-to-back calls never overlap; nodes without any time are not on the axis.
    pub fn build(trace: &Trace, root: NodeId) -> Self {
        Self::build_from(trace, root, &trace.preorder(root))
    }

    /// [`Self::build`] from the run's pre-order `order`, for a caller that has it.
    pub fn build_from(trace: &Trace, root: NodeId, order: &[NodeId]) -> Self {
        let mut keys: Vec<EdgeKey> = Vec::new();
        for &id in order {
            let n = trace.node(id);
            if n.placeholder() {
                continue;
            }
            if let Some(t) = n.start_us() {
                keys.push(edge_key(t, false, id));
            }
            if n.kind == NodeKind::Mark {
                continue;
            }
            if let Some(t) = n.end_us().filter(|_| n.has_end()) {
                keys.push(edge_key(t, true, id));
            }
        }
        // By time, ends first, starts and marks by node, ends by node reversed.
        keys.sort_unstable_by_key(key_order);
        // The keys become the edges in their own allocation (collected in place and shrunk),
        // their sides kept a bit each, so the axis peaks at its keys alone.
        let mut ends = FixedBitSet::with_capacity(keys.len());
        let mut edges: Vec<NodeId> = keys
            .into_iter()
            .enumerate()
            .map(|(i, k)| {
                let (node, end) = key_edge(&k);
                ends.set(i, end);
                node
            })
            .collect();
        // In place the capacity stays the keys' (three ids a key), and so would their pages.
        edges.shrink_to_fit();
        // Every edge sets one half at once, so a node on the axis is never `(NONE, NONE)`; a
        // mark sets both to its one edge.
        let mut pos = NodeMap::for_nodes(order, (NONE, NONE));
        for (i, &id) in edges.iter().enumerate() {
            let p = pos.get_or_insert(id, (NONE, NONE));
            if ends.contains(i) {
                p.1 = i as u32;
            } else {
                p.0 = i as u32;
                if trace.node(id).kind == NodeKind::Mark {
                    p.1 = i as u32;
                }
            }
        }
        Self { root, edges, pos }
    }

    pub fn len(&self) -> usize {
        self.edges.len()
    }

    pub fn is_empty(&self) -> bool {
        self.edges.is_empty()
    }

    /// The edge at `i`, its time read off `trace`.
    pub fn edge(&self, trace: &Trace, i: usize) -> Option<TimedEdge> {
        let node = *self.edges.get(i)?;
        let (s, e) = self.pos.get(&node).copied().unwrap_or((NONE, NONE));
        let i = i as u32;
        let edge = match (s == i, e == i) {
            (true, true) => Edge::Mark,
            (true, false) => Edge::Start,
            _ => Edge::End,
        };
        let n = trace.node(node);
        let t = if edge == Edge::End {
            n.end_us()
        } else {
            n.start_us()
        };
        Some(TimedEdge {
            t: t.unwrap_or(0),
            node,
            edge,
        })
    }

    /// The node of the edge at `i`.
    pub fn node_at(&self, i: usize) -> Option<NodeId> {
        self.edges.get(i).copied()
    }

    /// Earliest and latest time on the axis.
    pub fn span(&self, trace: &Trace) -> Option<(i64, i64)> {
        let last = self.len().checked_sub(1)?;
        Some((self.edge(trace, 0)?.t, self.edge(trace, last)?.t))
    }

    /// The phase of `node` once the edge at `cursor` has happened.
    pub fn phase_at(&self, node: NodeId, cursor: usize) -> Phase {
        let Some(&(start, end)) = self.pos.get(&node) else {
            return Phase::Done;
        };
        let c = cursor as u32;
        let first = if start == NONE { end } else { start };
        if first != NONE && first > c {
            Phase::Hidden
        } else if end == NONE || end > c {
            Phase::Open
        } else {
            Phase::Done
        }
    }

    /// Position of the node's first edge on the axis.
    pub fn first_edge(&self, node: NodeId) -> Option<usize> {
        let &(s, e) = self.pos.get(&node)?;
        let p = if s == NONE { e } else { s };
        (p != NONE).then_some(p as usize)
    }

    /// The number of edges at or before time `t`.
    pub fn edges_until(&self, trace: &Trace, t: i64) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.edge(trace, mid).is_some_and(|e| e.t <= t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The last edge at or before time `t` (0 when `t` is before everything).
    pub fn cursor_at_time(&self, trace: &Trace, t: i64) -> usize {
        self.edges_until(trace, t).saturating_sub(1)
    }
}

/// Nearest-rank percentile of an ascending slice (`p` in 0..=100).
pub fn percentile(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (u64::from(p) * sorted.len() as u64).div_ceil(100).max(1) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

/// Latency figures for one group of calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatencyRow {
    pub label: String,
    pub calls: u64,
    pub p50_us: i64,
    pub p95_us: i64,
    pub max_us: i64,
}

/// Groups the finished nodes among `nodes` by `key` and reports p50/p95/max, slowest group first.
pub fn latency_by<'t>(
    trace: &'t Trace,
    nodes: impl IntoIterator<Item = NodeId>,
    key: impl Fn(Node<'t>) -> Option<&'t str>,
) -> Vec<LatencyRow> {
    latency_top(trace, nodes, key, |k| k, usize::MAX).0
}

/// [`latency_by`] cut to the `limit` slowest groups, with the number of groups before the cut.
/// Groups by any cheap key (an interned symbol), labelled by `label`; one flat sort of
/// `(group, duration)` pairs, so a million one-call groups cost no more than a million calls of
/// one group; only the rows kept get their label copied.
pub fn latency_top<'t, K: Copy + Eq + std::hash::Hash>(
    trace: &'t Trace,
    nodes: impl IntoIterator<Item = NodeId>,
    key: impl Fn(Node<'t>) -> Option<K>,
    label: impl Fn(K) -> &'t str,
    limit: usize,
) -> (Vec<LatencyRow>, usize) {
    let mut index: FxHashMap<K, u32> = FxHashMap::default();
    let mut labels: Vec<&str> = Vec::new();
    let mut samples: Vec<(u32, i64)> = Vec::new();
    for id in nodes {
        let n = trace.node(id);
        if let (Some(k), Some(d)) = (key(n), n.duration_us()) {
            let g = *index.entry(k).or_insert_with(|| {
                labels.push(label(k));
                u32::try_from(labels.len() - 1).unwrap_or(u32::MAX)
            });
            samples.push((g, d));
        }
    }
    samples.sort_unstable();
    // (group, calls, p50, p95, max)
    let mut rows: Vec<(u32, u64, i64, i64, i64)> = Vec::with_capacity(labels.len());
    for run in samples.chunk_by(|a, b| a.0 == b.0) {
        let durs: Vec<i64> = run.iter().map(|s| s.1).collect();
        rows.push((
            run[0].0,
            durs.len() as u64,
            percentile(&durs, 50).unwrap_or(0),
            percentile(&durs, 95).unwrap_or(0),
            durs.last().copied().unwrap_or(0),
        ));
    }
    let total = rows.len();
    let order = |a: &(u32, u64, i64, i64, i64), b: &(u32, u64, i64, i64, i64)| {
        b.3.cmp(&a.3)
            .then_with(|| labels[a.0 as usize].cmp(labels[b.0 as usize]))
    };
    if limit < rows.len() {
        if limit == 0 {
            return (Vec::new(), total);
        }
        rows.select_nth_unstable_by(limit - 1, order);
        rows.truncate(limit);
    }
    rows.sort_unstable_by(order);
    let rows = rows
        .into_iter()
        .map(|(g, calls, p50_us, p95_us, max_us)| LatencyRow {
            label: labels[g as usize].to_owned(),
            calls,
            p50_us,
            p95_us,
            max_us,
        })
        .collect();
    (rows, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, EventKind};

    fn ev(
        kind: EventKind,
        id: &'static str,
        parent: Option<&'static str>,
        t: i64,
    ) -> Event<'static> {
        let mut e = Event::new(kind, id, id);
        e.parent = parent.map(Into::into);
        e.ts_us = Some(t);
        e
    }

    #[test]
    fn phases_follow_the_cursor() {
        let mut tr = Trace::new();
        for e in [
            ev(EventKind::Start, "r", None, 0),
            ev(EventKind::Start, "a", Some("r"), 10),
            ev(EventKind::End, "a", Some("r"), 20),
            ev(EventKind::Start, "b", Some("r"), 20),
            ev(EventKind::End, "b", Some("r"), 30),
            ev(EventKind::End, "r", None, 30),
        ] {
            tr.apply(&e);
        }
        let root = tr.runs().next().unwrap();
        let tl = Timeline::build(&tr, root);
        let (a, b) = (tr.lookup("a").unwrap(), tr.lookup("b").unwrap());
        assert_eq!(tl.len(), 6);
        assert_eq!(tl.phase_at(a, 0), Phase::Hidden);
        assert_eq!(tl.phase_at(a, 1), Phase::Open);
        // At t=20 a's end sorts before b's start: never both open.
        assert_eq!(tl.phase_at(a, 2), Phase::Done);
        assert_eq!(tl.phase_at(b, 2), Phase::Hidden);
        assert_eq!(tl.phase_at(b, 3), Phase::Open);
        assert_eq!(tl.phase_at(root, 4), Phase::Open);
        assert_eq!(tl.phase_at(root, 5), Phase::Done);
        assert_eq!(tl.cursor_at_time(&tr, 15), 1);
        assert_eq!(tl.span(&tr), Some((0, 30)));
        assert_eq!(percentile(&[1, 2, 3, 4], 50), Some(2));
        assert_eq!(percentile(&[1, 2, 3, 4], 95), Some(4));
    }

    #[test]
    fn edges_keep_their_side_time_and_tie_order() {
        let mut tr = Trace::new();
        let far = crate::MAX_ABS_TIME_US;
        for e in [
            ev(EventKind::Start, "r", None, -far),
            ev(EventKind::Mark, "m", Some("r"), 5),
            ev(EventKind::Start, "a", Some("r"), 5),
            ev(EventKind::End, "a", Some("r"), 5),
            ev(EventKind::End, "r", None, far),
        ] {
            tr.apply(&e);
        }
        let root = tr.runs().next().unwrap();
        let tl = Timeline::build(&tr, root);
        let a = tr.lookup("a").unwrap();
        let m = tr.children(root).find(|&c| c != a).unwrap();
        assert_eq!(tr.node(m).kind, NodeKind::Mark);
        let got: Vec<_> = (0..tl.len()).map(|i| tl.edge(&tr, i).unwrap()).collect();
        let e = |t, node, edge| TimedEdge { t, node, edge };
        // At t=5 the end sorts first, then the start and the mark by node id.
        let mut at5 = [e(5, m, Edge::Mark), e(5, a, Edge::Start)];
        at5.sort_by_key(|x| x.node);
        assert_eq!(
            got,
            [
                e(-far, root, Edge::Start),
                e(5, a, Edge::End),
                at5[0],
                at5[1],
                e(far, root, Edge::End),
            ]
        );
        assert_eq!(tl.edge(&tr, 5), None);
        assert_eq!(tl.cursor_at_time(&tr, 5), 3);
        assert_eq!(tl.edges_until(&tr, -far - 1), 0);
        assert_eq!(tl.span(&tr), Some((-far, far)));
    }

    #[test]
    fn latency_top_keeps_the_slowest_groups_and_counts_all() {
        let mut t = Trace::new();
        t.add_file("-");
        // Groups by the first letter of the id: a (2 calls: 10, 30), b (1: 50), c (3: 5, 6, 7).
        for (id, d) in [
            ("a1", 10),
            ("a2", 30),
            ("b1", 50),
            ("c1", 5),
            ("c2", 6),
            ("c3", 7),
        ] {
            t.apply(&ev(EventKind::Start, id, None, 0));
            t.apply(&ev(EventKind::End, id, None, d));
        }
        t.settle();
        let key = |n: Node<'_>| t.str(n.name).get(..1);
        let all = latency_by(&t, t.node_ids(), key);
        let labels: Vec<(&str, u64, i64, i64, i64)> = all
            .iter()
            .map(|r| (&*r.label, r.calls, r.p50_us, r.p95_us, r.max_us))
            .collect();
        assert_eq!(
            labels,
            [
                ("b", 1, 50, 50, 50),
                ("a", 2, 10, 30, 30),
                ("c", 3, 6, 7, 7)
            ]
        );
        let (top, total) = latency_top(&t, t.node_ids(), key, |k| k, 2);
        assert_eq!(total, 3);
        assert_eq!(top, all[..2]);
        assert_eq!(
            latency_top(&t, t.node_ids(), key, |k| k, 0),
            (Vec::new(), 3)
        );
    }
}
