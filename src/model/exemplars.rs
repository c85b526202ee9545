//! Percentile exemplars: p50/p95/p99/max of latency and tokens per model, per tool and per
//! scope name across every run, each pointing at the actual call that sits at that rank, so a
//! user can jump from "p95 of gpt-4.1 latency" to the call itself.

use std::collections::BTreeMap;

use super::{NodeId, NodeKind, Trace};

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

/// Exemplars by model (LLM calls), by tool (tool calls by name) and by scope name (all scopes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exemplars {
    pub by_model: BTreeMap<String, Group>,
    pub by_tool: BTreeMap<String, Group>,
    pub by_name: BTreeMap<String, Group>,
}

#[derive(Default)]
struct Samples {
    latency: Vec<(i64, NodeId)>,
    tokens: Vec<(i64, NodeId)>,
}

impl Trace {
    /// Exemplars over every finished scope in the trace. O(n log n).
    pub fn exemplars(&self) -> Exemplars {
        let mut by_model: BTreeMap<String, Samples> = BTreeMap::new();
        let mut by_tool: BTreeMap<String, Samples> = BTreeMap::new();
        let mut by_name: BTreeMap<String, Samples> = BTreeMap::new();
        for (i, n) in self.nodes().iter().enumerate() {
            if n.kind != NodeKind::Scope || n.placeholder() {
                continue;
            }
            let id = i as NodeId;
            let latency = n.duration_us();
            let tokens = self
                .tokens(id)
                .map(|t| i64::try_from(t.total_or_sum()).unwrap_or(i64::MAX));
            let add = |map: &mut BTreeMap<String, Samples>, key: &str| {
                let s = map.entry(key.to_owned()).or_default();
                if let Some(l) = latency {
                    s.latency.push((l, id));
                }
                if let Some(t) = tokens {
                    s.tokens.push((t, id));
                }
            };
            if n.is_llm() {
                add(
                    &mut by_model,
                    n.model()
                        .map_or(super::stats::UNKNOWN_MODEL, |m| self.str(m)),
                );
            }
            if n.is_tool() {
                add(&mut by_tool, self.str(n.name));
            }
            add(&mut by_name, self.str(n.name));
        }
        let done = |m: BTreeMap<String, Samples>| {
            m.into_iter()
                .map(|(k, s)| {
                    (
                        k,
                        Group {
                            latency_us: Percentiles::of(s.latency),
                            tokens: Percentiles::of(s.tokens),
                        },
                    )
                })
                .collect()
        };
        Exemplars {
            by_model: done(by_model),
            by_tool: done(by_tool),
            by_name: done(by_name),
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
