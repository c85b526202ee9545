//! A map from the nodes of one run to small values, for the explorer's per-run caches.
//!
//! A run read in one piece has node ids close together: then the map is a vector over the
//! ids' range (4 bytes a node for a `u32`, where a hash map takes ~12 with its control bytes
//! and spare capacity). Interleaved runs, whose ids are spread over the file, get a hash map.

use rustc_hash::FxHashMap;

use crate::NodeId;

/// Node ids → values; `none` marks an empty slot of the vector form, so it is never a value.
#[derive(Debug, Clone)]
pub enum NodeMap<T> {
    Dense {
        base: NodeId,
        none: T,
        slots: Vec<T>,
    },
    Sparse(FxHashMap<NodeId, T>),
}

impl<T: Copy + PartialEq> NodeMap<T> {
    /// An empty map for the nodes `ids` (the only keys it will be given).
    pub fn for_nodes(ids: &[NodeId], none: T) -> Self {
        let (Some(&lo), Some(&hi)) = (ids.iter().min(), ids.iter().max()) else {
            return Self::Sparse(FxHashMap::default());
        };
        let span = (hi - lo) as usize + 1;
        if span <= ids.len().saturating_mul(2).saturating_add(64) {
            Self::Dense {
                base: lo,
                none,
                slots: vec![none; span],
            }
        } else {
            let mut m = FxHashMap::default();
            m.reserve(ids.len());
            Self::Sparse(m)
        }
    }

    pub fn get(&self, id: &NodeId) -> Option<&T> {
        match self {
            Self::Dense { base, none, slots } => id
                .checked_sub(*base)
                .and_then(|i| slots.get(i as usize))
                .filter(|v| *v != none),
            Self::Sparse(m) => m.get(id),
        }
    }

    pub fn contains_key(&self, id: &NodeId) -> bool {
        self.get(id).is_some()
    }

    /// The value of `id`, `fresh` put there first when it has none. `id` must be one of the
    /// nodes the map was made for. A `fresh` equal to `none` leaves the slot empty until the
    /// caller writes a value through the reference.
    pub fn get_or_insert(&mut self, id: NodeId, fresh: T) -> &mut T {
        match self {
            Self::Dense { base, none, slots } => {
                let slot = &mut slots[(id - *base) as usize];
                if *slot == *none {
                    *slot = fresh;
                }
                slot
            }
            Self::Sparse(m) => m.entry(id).or_insert(fresh),
        }
    }

    pub fn insert(&mut self, id: NodeId, v: T) {
        *self.get_or_insert(id, v) = v;
    }
}

impl<T: Copy + PartialEq> Default for NodeMap<T> {
    fn default() -> Self {
        Self::Sparse(FxHashMap::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_sparse_maps_answer_alike() {
        let dense_ids: Vec<NodeId> = (100..200).rev().collect();
        let sparse_ids: Vec<NodeId> = (0..100).map(|i| i * 1_000).collect();
        for ids in [dense_ids, sparse_ids] {
            let mut m = NodeMap::for_nodes(&ids, u32::MAX);
            assert_eq!(matches!(m, NodeMap::Dense { .. }), ids[0] == 199);
            for (i, &id) in ids.iter().enumerate().filter(|(i, _)| i % 3 != 0) {
                m.insert(id, i as u32);
            }
            for (i, &id) in ids.iter().enumerate() {
                let want = (i % 3 != 0).then_some(i as u32);
                assert_eq!(m.get(&id).copied(), want, "{id}");
                assert_eq!(m.contains_key(&id), want.is_some());
            }
            // Ids it was not made for are absent, below and above the range too.
            for id in [0, 99, 200, 1_000_000, NodeId::MAX] {
                if !ids.contains(&id) {
                    assert_eq!(m.get(&id), None, "{id}");
                }
            }
            *m.get_or_insert(ids[0], 7) += 1;
            assert_eq!(m.get(&ids[0]), Some(&8));
            assert_eq!(*m.get_or_insert(ids[1], 9), 1);
        }
        assert!(NodeMap::<u32>::for_nodes(&[], 0).get(&0).is_none());
    }
}
