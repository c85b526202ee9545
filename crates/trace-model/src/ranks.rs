//! Which nodes are scopes, and each scope's index among them (where its [`Cold`] record
//! is): one bit a node and a running count per 64 nodes, 0.25 bytes a node where a `u32`
//! index in every node record cost 4 (ARCHITECTURE.md, "Memory"). Nodes are only ever
//! appended and never change kind, so the counts never move.
//!
//! [`Cold`]: crate::records::Cold

/// 64 nodes: which are scopes, and how many scopes come before them.
#[derive(Debug, Clone, Copy)]
struct Block {
    bits: u64,
    before: u32,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct ScopeRanks {
    blocks: Vec<Block>,
    /// Scopes so far: the index the next one gets.
    scopes: u32,
}

impl ScopeRanks {
    /// Records node `id`, the next one, as a scope or not; a scope's index.
    pub(crate) fn push(&mut self, id: u32, scope: bool) -> Option<u32> {
        let (w, bit) = ((id / 64) as usize, id % 64);
        if w == self.blocks.len() {
            self.blocks.push(Block {
                bits: 0,
                before: self.scopes,
            });
        }
        debug_assert_eq!(w + 1, self.blocks.len(), "nodes are pushed in id order");
        if !scope {
            return None;
        }
        self.blocks[w].bits |= 1 << bit;
        self.scopes += 1;
        Some(self.scopes - 1)
    }

    /// The index of node `id`'s scope record; `None` for a mark.
    #[inline]
    pub(crate) fn index(&self, id: u32) -> Option<u32> {
        let b = self.blocks.get((id / 64) as usize)?;
        let bit = id % 64;
        (b.bits >> bit & 1 == 1).then(|| b.before + (b.bits & ((1 << bit) - 1)).count_ones())
    }

    /// Bytes reserved.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.blocks.capacity() * size_of::<Block>()
    }
}

#[cfg(test)]
mod tests {
    use super::ScopeRanks;

    /// Every scope gets the next index, every mark none, across block boundaries (63, 64,
    /// 127, 128) and for a first block of marks only.
    #[test]
    fn scopes_are_counted_in_order() {
        let mut r = ScopeRanks::default();
        let kinds: Vec<bool> = (0..300u32)
            .map(|i| i >= 64 && (i % 3 == 0 || matches!(i, 127 | 128 | 191)))
            .collect();
        let mut next = 0;
        for (i, &scope) in kinds.iter().enumerate() {
            let got = r.push(i as u32, scope);
            assert_eq!(got, scope.then_some(next));
            next += u32::from(scope);
        }
        let mut next = 0;
        for (i, &scope) in kinds.iter().enumerate() {
            assert_eq!(r.index(i as u32), scope.then_some(next), "node {i}");
            next += u32::from(scope);
        }
        assert_eq!(next, 81);
        assert_eq!(r.index(300), None);
        assert_eq!(r.index(u32::MAX), None);
    }
}
