//! Times in 4 bytes: a [`T32`] is a node's start or a scope's end as microseconds from a
//! base kept once per block of 256 nodes (by id), the first time written in that block.
//! Nodes are made in file order, so a block's times are seconds or minutes apart; a time
//! more than ±35 minutes from its block's base (a session's end hours after its start, or
//! hostile input) is kept whole in a side table instead. That is 4 bytes a time less than an
//! `i64`, and lets the records holding them align to 4 bytes (ARCHITECTURE.md, "Memory").

use rustc_hash::FxHashMap;

use crate::records::NO_TIME;

const BLOCK_BITS: u32 = 8;
const NONE: i32 = i32::MIN;
/// The time is in [`Times::far`].
const FAR: i32 = i32::MIN + 1;

/// A packed time: an offset from its block's base, or one of the two markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct T32(i32);

impl T32 {
    pub(crate) const NONE: Self = Self(NONE);
}

/// Which of a node's times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edge {
    Start = 0,
    End = 1,
}

/// The bases of the nodes' packed times, and the times kept whole, by node id.
#[derive(Debug, Default, Clone)]
pub(crate) struct Times {
    /// Per block, its base; [`NO_TIME`] until a time is written in it.
    base: Vec<i64>,
    /// Starts, then ends.
    far: [FxHashMap<u32, i64>; 2],
}

impl Times {
    /// Node `i`'s time `e`, packed as `p`; [`NO_TIME`] for none.
    #[inline]
    pub(crate) fn get(&self, i: u32, e: Edge, p: T32) -> i64 {
        match p.0 {
            NONE => NO_TIME,
            FAR => self.far[e as usize].get(&i).copied().unwrap_or(NO_TIME),
            d => self
                .base
                .get((i >> BLOCK_BITS) as usize)
                .map_or(NO_TIME, |&b| b + i64::from(d)),
        }
    }

    /// Packs `t` ([`NO_TIME`] for none, else a clamped time) as node `i`'s time `e`, which
    /// was `old`.
    pub(crate) fn set(&mut self, i: u32, e: Edge, old: T32, t: i64) -> T32 {
        let far = &mut self.far[e as usize];
        if old.0 == FAR {
            far.remove(&i);
        }
        if t == NO_TIME {
            return T32::NONE;
        }
        let b = (i >> BLOCK_BITS) as usize;
        if self.base.len() <= b {
            self.base.resize(b + 1, NO_TIME);
        }
        if self.base[b] == NO_TIME {
            self.base[b] = t;
        }
        // Both within ±2^61 (clamped), so the difference fits.
        match i32::try_from(t - self.base[b]) {
            Ok(d) if d > FAR => T32(d),
            _ => {
                far.insert(i, t);
                T32(FAR)
            }
        }
    }

    /// Bytes reserved.
    pub(crate) fn heap_bytes(&self) -> usize {
        let far: usize = self
            .far
            .iter()
            .map(std::collections::HashMap::capacity)
            .sum();
        self.base.capacity() * size_of::<i64>() + far * (size_of::<(u32, i64)>() + 1)
    }
}

const _: () = assert!(size_of::<T32>() == 4);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MAX_ABS_TIME_US;

    /// Every time reads back as written: near its block's base, far from it (either side,
    /// the extremes included), none, and a far time overwritten by a near one and by none;
    /// a node's end counts from the same base as its start, kept apart when far.
    #[test]
    fn times_read_back_exactly() {
        use Edge::{End, Start};
        let mut t = Times::default();
        let base = 1_782_324_000_000_000_i64;
        let cases: Vec<(u32, Edge, i64)> = vec![
            (0, Start, base),
            (1, Start, base + 1),
            (2, Start, base - 1),
            (3, Start, base + i64::from(i32::MAX)),
            (4, Start, base + i64::from(i32::MAX) + 1),
            (5, Start, base - i64::from(i32::MAX) - 1),
            (6, Start, base + i64::from(i32::MIN) + 2),
            (7, Start, base + i64::from(i32::MIN) + 1),
            (8, Start, MAX_ABS_TIME_US),
            (9, Start, -MAX_ABS_TIME_US),
            (255, Start, base + 3_600_000_000),
            // Node 4's end: near its block's base although its start is far.
            (4, End, base + 20),
            (1, End, base + 3_600_000_000),
            // The next block takes its own base, however far from the first.
            (256, End, -MAX_ABS_TIME_US),
            (257, Start, -MAX_ABS_TIME_US + 5),
            (5000, Start, 0),
        ];
        let packed: Vec<T32> = cases
            .iter()
            .map(|&(i, e, v)| t.set(i, e, T32::NONE, v))
            .collect();
        for (&(i, e, v), &p) in cases.iter().zip(&packed) {
            assert_eq!(t.get(i, e, p), v, "node {i} {e:?}");
        }
        // Which went far: i32::MIN and i32::MIN + 1 offsets are the markers.
        let far: Vec<(u32, Edge)> = cases
            .iter()
            .zip(&packed)
            .filter(|(_, p)| p.0 == FAR)
            .map(|(c, _)| (c.0, c.1))
            .collect();
        assert_eq!(
            far,
            [
                (4, Start),
                (5, Start),
                (7, Start),
                (8, Start),
                (9, Start),
                (255, Start),
                (1, End)
            ]
        );
        let far_len = |t: &Times| [t.far[0].len(), t.far[1].len()];
        assert_eq!(t.set(7, Start, packed[7], NO_TIME), T32::NONE);
        assert_eq!(far_len(&t), [5, 1]);
        assert_eq!(t.get(3, Start, T32::NONE), NO_TIME);
        // Overwriting a far time drops its entry.
        let p = t.set(4, Start, packed[4], base + 7);
        assert_eq!((t.get(4, Start, p), far_len(&t)), (base + 7, [4, 1]));
        let p = t.set(1, End, packed[12], NO_TIME);
        assert_eq!((t.get(1, End, p), far_len(&t)), (NO_TIME, [4, 0]));
    }
}
