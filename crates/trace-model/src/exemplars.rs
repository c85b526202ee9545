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
        Self::of_sorted(samples.len(), |i| samples[i])
    }

    /// [`Self::of`] over the samples `value` gives for `ids`: while every value fits 32
    /// bits (latencies under 71 minutes, token counts under 4.29 billion) a sample is one
    /// `u64`, value above id, which sorts as the pair does: 8 bytes a sample instead of 16
    /// (a gigabyte log has hundreds of thousands of calls).
    pub fn of_ids(ids: &[NodeId], value: impl Fn(NodeId) -> Option<i64>) -> Self {
        let mut packed: Vec<u64> = Vec::with_capacity(ids.len());
        for &i in ids {
            let Some(v) = value(i) else { continue };
            let Ok(v) = u32::try_from(v) else {
                drop(packed);
                return Self::of(ids.iter().filter_map(|&i| Some((value(i)?, i))).collect());
            };
            packed.push((u64::from(v) << 32) | u64::from(i));
        }
        packed.sort_unstable();
        Self::of_sorted(packed.len(), |i| {
            ((packed[i] >> 32) as i64, packed[i] as NodeId)
        })
    }

    /// Nearest-rank percentiles of `n` samples, the `i`-th smallest given by `at`.
    fn of_sorted(n: usize, at: impl Fn(usize) -> (i64, NodeId)) -> Self {
        if n == 0 {
            return Self::default();
        }
        let ranks = RANKS
            .iter()
            .map(|&(_, p)| {
                let rank = ((p / 100.0) * n as f64).ceil() as usize;
                let (value, node) = at(rank.clamp(1, n) - 1);
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
        let samples = |f: &dyn Fn(NodeId) -> Option<i64>| Percentiles::of_ids(ids, f);
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

/// The group a call is compared within: its model for LLM calls, its name for tool calls, its
/// name among all scopes otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupKey {
    /// LLM calls of one model; `None` is the unknown model (a model literally named like the
    /// unknown-model label is the same group).
    Model(Option<Sym>),
    Tool(Sym),
    Name(Sym),
}

impl Trace {
    fn model_key(&self, m: Option<Sym>) -> Option<Sym> {
        m.filter(|&m| self.str(m) != super::stats::UNKNOWN_MODEL)
    }

    /// The group `id` is compared within (see [`GroupKey`]).
    pub fn group_key(&self, id: NodeId) -> GroupKey {
        let n = self.node(id);
        if n.is_llm() {
            GroupKey::Model(self.model_key(n.model()))
        } else if n.is_tool() {
            GroupKey::Tool(n.name)
        } else {
            GroupKey::Name(n.name)
        }
    }

    /// The group's label as shown: `model gpt-4.1`, `tool search`, `scope plan`.
    pub fn group_label(&self, key: GroupKey) -> String {
        match key {
            GroupKey::Model(m) => format!(
                "model {}",
                m.map_or(super::stats::UNKNOWN_MODEL, |m| self.str(m))
            ),
            GroupKey::Tool(s) => format!("tool {}", self.str(s)),
            GroupKey::Name(s) => format!("scope {}", self.str(s)),
        }
    }

    fn in_group(&self, id: NodeId, key: GroupKey) -> bool {
        let n = self.node(id);
        if n.kind != NodeKind::Scope || n.placeholder() {
            return false;
        }
        match key {
            GroupKey::Model(m) => n.is_llm() && self.model_key(n.model()) == m,
            GroupKey::Tool(s) => n.is_tool() && n.name == s,
            GroupKey::Name(s) => n.name == s,
        }
    }

    /// The percentiles of one group: one pass over the nodes, then a sort of that group's
    /// samples only. Equal to the group's entry in [`Trace::exemplars`], at a fraction of its
    /// cost when names are many.
    pub fn group_exemplars(&self, key: GroupKey) -> Group {
        let ids: Vec<NodeId> = self.node_ids().filter(|&i| self.in_group(i, key)).collect();
        self.group(&ids)
    }

    /// The p95 latency of each of `keys`' groups (one pass over the nodes): what `s`/`S`
    /// compare a call with.
    pub fn p95_latency(
        &self,
        keys: &rustc_hash::FxHashSet<GroupKey>,
    ) -> FxHashMap<GroupKey, Option<i64>> {
        let mut samples: FxHashMap<GroupKey, Vec<(i64, NodeId)>> =
            keys.iter().map(|&k| (k, Vec::new())).collect();
        for id in self.node_ids() {
            let n = self.node(id);
            if n.kind != NodeKind::Scope || n.placeholder() || !(n.is_llm() || n.is_tool()) {
                continue;
            }
            let (Some(v), Some(d)) = (samples.get_mut(&self.group_key(id)), n.duration_us()) else {
                continue;
            };
            v.push((d, id));
        }
        samples
            .into_iter()
            .map(|(k, v)| (k, Percentiles::of(v).get("p95").map(|e| e.value)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Packed samples give what the pairs give: ties, missing samples, every size from 0
    /// to 300, and values that do not fit 32 bits (negative, huge) taking the pairs' path.
    #[test]
    fn packed_samples_equal_sorted_pairs() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for n in 0..=300u32 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let (spread, shift) =
                [(1, 0), (3, 0), (1000, 0), (1 << 40, 0), (100, -50)][(seed >> 59) as usize % 5];
            let values: Vec<Option<i64>> = (0..n)
                .map(|i| {
                    let x = seed.rotate_left(i % 64) ^ u64::from(i).wrapping_mul(0x9e37_79b9);
                    (x % 7 != 0).then(|| (x % spread) as i64 + shift)
                })
                .collect();
            // Ids not in order, as a group's ids are not.
            let ids: Vec<NodeId> = (0..n).map(|i| (i * 7919) % n.max(1) + 3 * n).collect();
            let value = |i: NodeId| values[(i - 3 * n) as usize];
            let pairs = Percentiles::of(ids.iter().filter_map(|&i| Some((value(i)?, i))).collect());
            assert_eq!(Percentiles::of_ids(&ids, value), pairs, "n = {n}");
        }
        let wide = [
            (0, Some(i64::from(u32::MAX))),
            (1, Some(i64::from(u32::MAX) + 1)),
        ];
        let p = Percentiles::of_ids(&[0, 1], |i| wide[i as usize].1);
        assert_eq!(p.get("max").map(|e| e.value), Some(i64::from(u32::MAX) + 1));
    }

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

    #[test]
    fn one_group_equals_its_entry_in_all_exemplars() {
        use crate::event::{Category, Event, EventKind};
        use std::borrow::Cow;
        let mut t = Trace::new();
        t.add_file("-");
        let mut add = |id: &str, name: &'static str, cat: Category, d: i64| {
            let mut s = Event::new(
                EventKind::Start,
                Cow::Owned(id.to_owned()),
                Cow::Borrowed(name),
            );
            let llm = cat == Category::Llm;
            s.category = Some(cat);
            s.ts_us = Some(0);
            if llm {
                s.model = Some(Cow::Borrowed("m1"));
            }
            t.apply(&s);
            let mut e = s.clone();
            e.kind = EventKind::End;
            e.ts_us = Some(d);
            t.apply(&e);
        };
        for i in 0..10 {
            add(&format!("l{i}"), "chat", Category::Llm, 100 * (i + 1));
            add(&format!("t{i}"), "search", Category::Tool, 10 * (i + 1));
            add(&format!("s{i}"), "chat", Category::Agent, 7);
        }
        t.settle();
        let all = t.exemplars();
        let llm = t.lookup("l3").unwrap();
        let tool = t.lookup("t3").unwrap();
        let scope = t.lookup("s3").unwrap();
        assert_eq!(t.group_label(t.group_key(llm)), "model m1");
        assert_eq!(t.group_exemplars(t.group_key(llm)), all.by_model["m1"]);
        assert_eq!(t.group_exemplars(t.group_key(tool)), all.by_tool["search"]);
        // A scope's name group holds every scope of that name, LLM calls included.
        assert_eq!(t.group_exemplars(t.group_key(scope)), all.by_name["chat"]);
        assert_eq!(all.by_name["chat"].latency_us.count, 20);
        let keys = [t.group_key(llm), t.group_key(tool)].into_iter().collect();
        let p95 = t.p95_latency(&keys);
        // Nearest rank: ceil(0.95 * 10) = 10th of 10.
        assert_eq!(p95[&t.group_key(llm)], Some(1000));
        assert_eq!(p95[&t.group_key(tool)], Some(100));
    }
}
