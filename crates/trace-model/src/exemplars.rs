//! Percentile exemplars: p50/p95/p99/max of latency and tokens per model, per tool and per
//! scope name across every run, each pointing at the actual call that sits at that rank, so a
//! user can jump from "p95 of gpt-4.1 latency" to the call itself.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::{NodeId, NodeKind, Sym, Trace};

/// The ranks reported.
pub const RANKS: [(&str, f64); 4] = [("p50", 50.0), ("p95", 95.0), ("p99", 99.0), ("max", 100.0)];

/// One percentile: its value and the call that has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exemplar {
    pub value: i64,
    pub node: NodeId,
}

/// Percentiles of one measure in one group; empty when nothing was measured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Percentiles {
    /// In [`RANKS`] order.
    pub ranks: Vec<Exemplar>,
    pub count: usize,
}

impl Percentiles {
    /// Nearest-rank percentiles of `(value, node)` samples; ties are broken by node id so the
    /// choice is stable.
    pub fn of(mut samples: Vec<(i64, NodeId)>) -> Self {
        samples.sort_unstable();
        let n = samples.len();
        if n == 0 {
            return Self::default();
        }
        let ranks = RANKS
            .iter()
            .map(|&(_, p)| {
                let rank = ((p / 100.0) * n as f64).ceil() as usize;
                let (value, node) = samples[rank.clamp(1, n) - 1];
                Exemplar { value, node }
            })
            .collect();
        Self { ranks, count: n }
    }

    /// The exemplar for a rank name (`"p95"`).
    pub fn get(&self, rank: &str) -> Option<Exemplar> {
        let i = RANKS.iter().position(|(r, _)| *r == rank)?;
        self.ranks.get(i).copied()
    }
}

/// Latency and token percentiles of one group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    pub latency_us: Percentiles,
    pub tokens: Percentiles,
}

/// Which by-name groups [`Trace::exemplars_with`] builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameGroups {
    /// One group per scope name.
    All,
    /// Only names held by two or more scopes.
    Repeated,
    /// None: `by_name` is empty.
    None,
}

/// Exemplars by model (LLM calls), by tool (tool calls by name) and by scope name (all scopes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exemplars {
    pub by_model: BTreeMap<String, Group>,
    pub by_tool: BTreeMap<String, Group>,
    pub by_name: BTreeMap<String, Group>,
}

impl Trace {
    fn latency_sample(&self, id: NodeId) -> Option<i64> {
        self.node(id).duration_us()
    }

    fn token_sample(&self, id: NodeId) -> Option<i64> {
        self.tokens(id)
            .map(|t| i64::try_from(t.total_or_sum()).unwrap_or(i64::MAX))
    }

    fn group(&self, ids: &[NodeId]) -> Group {
        let samples = |f: &dyn Fn(NodeId) -> Option<i64>| {
            Percentiles::of(ids.iter().filter_map(|&i| Some((f(i)?, i))).collect())
        };
        Group {
            latency_us: samples(&|i| self.latency_sample(i)),
            tokens: samples(&|i| self.token_sample(i)),
        }
    }

    /// Exemplars over every finished scope in the trace. O(n log n). Calls are grouped by
    /// interned symbol (4 bytes a call); samples are built one group at a time.
    pub fn exemplars(&self) -> Exemplars {
        self.exemplars_with(NameGroups::All)
    }

    /// [`Self::exemplars`] with the by-name groups chosen: a summary leaves them out, or keeps
    /// only names that repeat (a one-member group's percentiles are that scope's own figures).
    pub fn exemplars_with(&self, names: NameGroups) -> Exemplars {
        let mut by_model: FxHashMap<Option<Sym>, Vec<NodeId>> = FxHashMap::default();
        let mut by_tool: FxHashMap<Sym, Vec<NodeId>> = FxHashMap::default();
        let mut by_name: FxHashMap<Sym, Vec<NodeId>> = FxHashMap::default();
        for id in self.node_ids() {
            let n = self.node(id);
            if n.kind != NodeKind::Scope || n.placeholder() {
                continue;
            }
            if n.is_llm() {
                by_model.entry(n.model()).or_default().push(id);
            }
            if n.is_tool() {
                by_tool.entry(n.name).or_default().push(id);
            }
            if names != NameGroups::None {
                by_name.entry(n.name).or_default().push(id);
            }
        }
        if names == NameGroups::Repeated {
            by_name.retain(|_, ids| ids.len() >= 2);
        }
        // Keys by text: a model literally named like the unknown-model label joins that group.
        let done = |groups: Vec<(&str, Vec<NodeId>)>| {
            let mut by_text: BTreeMap<String, Vec<NodeId>> = BTreeMap::new();
            for (k, ids) in groups {
                // Moved, not copied: these lists hold every call of the trace.
                match by_text.entry(k.to_owned()) {
                    std::collections::btree_map::Entry::Vacant(e) => {
                        e.insert(ids);
                    }
                    std::collections::btree_map::Entry::Occupied(mut e) => e.get_mut().extend(ids),
                }
            }
            by_text
                .into_iter()
                .map(|(k, ids)| (k, self.group(&ids)))
                .collect()
        };
        Exemplars {
            by_model: done(
                by_model
                    .into_iter()
                    .map(|(m, v)| (m.map_or(super::stats::UNKNOWN_MODEL, |m| self.str(m)), v))
                    .collect(),
            ),
            by_tool: done(by_tool.into_iter().map(|(k, v)| (self.str(k), v)).collect()),
            by_name: done(by_name.into_iter().map(|(k, v)| (self.str(k), v)).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_picks_actual_samples() {
        // 20 samples valued 10, 20, …, 200 on nodes 0..20.
        let p = Percentiles::of((0..20).map(|i| ((i + 1) * 10, i as NodeId)).collect());
        // p50: rank ceil(0.5·20) = 10 → 100; p95: ceil(19) = 19 → 190; p99: ceil(19.8) = 20 → 200.
        assert_eq!(
            p.get("p50"),
            Some(Exemplar {
                value: 100,
                node: 9
            })
        );
        assert_eq!(
            p.get("p95"),
            Some(Exemplar {
                value: 190,
                node: 18
            })
        );
        assert_eq!(
            p.get("p99"),
            Some(Exemplar {
                value: 200,
                node: 19
            })
        );
        assert_eq!(
            p.get("max"),
            Some(Exemplar {
                value: 200,
                node: 19
            })
        );
        assert_eq!(Percentiles::of(Vec::new()).get("p50"), None);
        let one = Percentiles::of(vec![(7, 3)]);
        assert_eq!(one.get("p50"), Some(Exemplar { value: 7, node: 3 }));
    }
}
