//! Source positions in 8 bytes: a [`Src`] is a small offset from an [`Anchor`], a full
//! position kept once for the records near it. Records arrive in file order, so one anchor
//! serves every record of the next 16 KiB and 64 lines of its file; a record that does not
//! fit (farther on, earlier, another file, or longer than 256 KiB) gets an anchor of its
//! own. That is 16 bytes a scope less than a full [`SourceRef`] twice, for about one anchor
//! (24 bytes) per 16 KiB of input.

use crate::event::SourceRef;

const LEN_BITS: u32 = 18;
const LINE_BITS: u32 = 6;
const OFF_BITS: u32 = 14;
const ANCHOR_BITS: u32 = 64 - LEN_BITS - LINE_BITS - OFF_BITS;
/// The length field's value for "the anchor holds the length".
const LONG: u64 = (1 << LEN_BITS) - 1;
/// The last anchor index stands for "no source".
const MAX_ANCHORS: usize = (1 << ANCHOR_BITS) - 1;

/// A packed source position: anchor index, offset and line past the anchor's, and length.
/// Two 32-bit halves (high first), so the records holding one need only 4-byte alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Src([u32; 2]);

impl Src {
    pub(crate) const NONE: Self = Self([u32::MAX; 2]);

    fn new(bits: u64) -> Self {
        Self([(bits >> 32) as u32, bits as u32])
    }

    fn bits(self) -> u64 {
        (u64::from(self.0[0]) << 32) | u64::from(self.0[1])
    }
}

/// A full position that nearby [`Src`]s count from. `len` is the record's length when it
/// did not fit in its [`Src`] (such an anchor serves that record only), else `u32::MAX`.
#[derive(Debug, Clone, Copy)]
struct Anchor {
    offset: u64,
    line: u64,
    len: u32,
    file: u16,
}

/// The anchors of one trace, and per file the one new records may count from.
#[derive(Debug, Default, Clone)]
pub(crate) struct Sources {
    anchors: Vec<Anchor>,
    /// Per file index: the anchor its next records count from (`u32::MAX`: none yet).
    last: Vec<u32>,
}

impl Sources {
    /// Packs `s`, adding an anchor when no current one can serve it. Past 67 million
    /// anchors (a file of 16 TiB, or records far out of order) positions are not kept.
    pub(crate) fn pack(&mut self, s: SourceRef) -> Src {
        let file = usize::from(s.file);
        if let Some(&i) = self.last.get(file)
            && let Some(a) = self.anchors.get(i as usize)
            && let Some(src) = Self::relative(i, a, s)
        {
            return src;
        }
        if self.anchors.len() >= MAX_ANCHORS {
            return Src::NONE;
        }
        let long = u64::from(s.len) >= LONG;
        let i = self.anchors.len() as u32;
        let anchor = Anchor {
            offset: s.offset,
            line: s.line,
            len: if long { s.len } else { u32::MAX },
            file: s.file,
        };
        self.anchors.push(anchor);
        if self.last.len() <= file {
            self.last.resize(file + 1, u32::MAX);
        }
        self.last[file] = i;
        if long {
            Src::new((u64::from(i) << (64 - ANCHOR_BITS)) | LONG)
        } else {
            Self::relative(i, &anchor, s).unwrap_or(Src::NONE)
        }
    }

    /// `s` as counted from anchor `a` (index `i`), if it fits.
    fn relative(i: u32, a: &Anchor, s: SourceRef) -> Option<Src> {
        let off = s.offset.checked_sub(a.offset)?;
        let line = s.line.checked_sub(a.line)?;
        let fits = a.len == u32::MAX
            && off < 1 << OFF_BITS
            && line < 1 << LINE_BITS
            && u64::from(s.len) < LONG;
        fits.then(|| {
            Src::new(
                (u64::from(i) << (64 - ANCHOR_BITS))
                    | (off << (LINE_BITS + LEN_BITS))
                    | (line << LEN_BITS)
                    | u64::from(s.len),
            )
        })
    }

    pub(crate) fn unpack(&self, src: Src, item: u32) -> Option<SourceRef> {
        let bits = src.bits();
        let a = self.anchors.get((bits >> (64 - ANCHOR_BITS)) as usize)?;
        let field = |shift: u32, n: u32| (bits >> shift) & ((1 << n) - 1);
        let len = field(0, LEN_BITS);
        Some(SourceRef {
            file: a.file,
            line: a.line + field(LEN_BITS, LINE_BITS),
            offset: a.offset + field(LINE_BITS + LEN_BITS, OFF_BITS),
            len: if len == LONG { a.len } else { len as u32 },
            item,
        })
    }

    /// Bytes reserved.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.anchors.capacity() * size_of::<Anchor>() + self.last.capacity() * size_of::<u32>()
    }
}

const _: () = assert!(size_of::<Src>() == 8);

#[cfg(test)]
mod tests {
    use super::*;

    fn at(file: u16, line: u64, offset: u64, len: u32) -> SourceRef {
        SourceRef {
            file,
            line,
            offset,
            len,
            item: 0,
        }
    }

    #[test]
    fn every_position_comes_back_whole() {
        let cases = [
            at(0, 1, 0, 10),
            at(0, 2, 11, 400),
            at(1, 1, 0, 5),
            at(0, 3, 412, (1 << 18) - 1),
            at(0, 4, 412 + (1 << 18), 7),
            at(0, 70, 300_000, 7),
            at(0, 71, 300_008 + (1 << 14), 7),
            at(0, 2, 11, 400),
            at(7, u64::MAX - 1, u64::MAX - 10, u32::MAX),
            at(1, 2, 6, 0),
        ];
        let mut s = Sources::default();
        let packed: Vec<Src> = cases.iter().map(|&c| s.pack(c)).collect();
        for (c, p) in cases.iter().zip(packed) {
            assert_eq!(s.unpack(p, 3), Some(SourceRef { item: 3, ..*c }));
        }
        assert_eq!(s.unpack(Src::NONE, 0), None);
    }

    #[test]
    fn records_in_order_share_anchors() {
        let mut s = Sources::default();
        for n in 0..1000u64 {
            s.pack(at(0, n + 1, n * 200, 199));
        }
        // 200 kB: a new anchor each 64 lines (the line window fills before the 16 KiB one).
        assert_eq!(s.anchors.len(), 16);
    }
}
