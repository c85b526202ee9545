//! The public view of a node: its id, kind and [`Node`] (a read-only view over the packed
//! records), and the [`Children`] iterator.

use crate::Sym;
#[cfg(doc)]
use crate::Trace;
use crate::records::{CAT_LLM, CAT_TOOL, Cold, Hot, NONE, flag, opt, opt_time};

/// Dense index of a node in the arena.
pub type NodeId = u32;

/// Times are kept within ±2⁶¹ µs (±73,000 years around 1970), so the difference of any two —
/// durations, offsets, gaps — fits in an `i64` without overflow checks everywhere.
pub const MAX_ABS_TIME_US: i64 = 1 << 61;

/// Clamps a time (or duration) from a log into the range the model computes with.
pub fn clamp_time(t: i64) -> i64 {
    t.clamp(-MAX_ABS_TIME_US, MAX_ABS_TIME_US)
}

/// Scope or mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Scope,
    Mark,
}

/// One scope (start/end pair) or mark, as read from a [`Trace`]: a view over its packed parts
/// (32 bytes per mark, 68 per scope). Rare fields (error text, tool-call id) and the ones that
/// need the trace's tables are on [`Trace`].
#[derive(Debug, Clone, Copy)]
pub struct Node<'a> {
    pub kind: NodeKind,
    pub name: Sym,
    pub(crate) hot: &'a Hot,
    pub(crate) cold: &'a Cold,
    /// The times, unpacked (`NO_TIME` for none; a mark's end is none).
    pub(crate) start: i64,
    pub(crate) end: i64,
}

impl Node<'_> {
    fn flag(&self, f: u8) -> bool {
        self.hot.flag(f)
    }

    pub fn start_us(&self) -> Option<i64> {
        opt_time(self.start)
    }

    /// A mark's end is its time.
    pub fn end_us(&self) -> Option<i64> {
        match self.kind {
            NodeKind::Mark => self.start_us(),
            NodeKind::Scope => opt_time(self.end),
        }
    }

    pub fn parent(&self) -> Option<NodeId> {
        opt(self.hot.parent)
    }

    pub fn model(&self) -> Option<Sym> {
        opt(self.cold.model).map(Sym)
    }

    pub fn has_start(&self) -> bool {
        self.flag(flag::HAS_START)
    }

    pub fn has_end(&self) -> bool {
        self.flag(flag::HAS_END)
    }

    /// Referenced as a parent but never seen itself.
    pub fn placeholder(&self) -> bool {
        self.flag(flag::PLACEHOLDER)
    }

    /// End derived from children (synthetic session / flow roots).
    pub fn container(&self) -> bool {
        self.flag(flag::CONTAINER)
    }

    /// The start time was derived from the end and a reported duration.
    pub fn start_estimated(&self) -> bool {
        self.flag(flag::START_ESTIMATED)
    }

    /// The node's own error (not bubbled up from children); its text is [`Trace::error`].
    pub fn has_error(&self) -> bool {
        self.flag(flag::HAS_ERROR)
    }

    pub fn has_children(&self) -> bool {
        self.cold.first_child != NONE
    }

    /// A scope that started and has not ended.
    pub fn is_open(&self) -> bool {
        self.kind == NodeKind::Scope && self.has_start() && !self.has_end()
    }

    pub fn is_llm(&self) -> bool {
        self.kind == NodeKind::Scope && self.hot.category == CAT_LLM
    }

    pub fn is_tool(&self) -> bool {
        self.kind == NodeKind::Scope && self.hot.category == CAT_TOOL
    }

    /// Wall time, when both ends are known.
    pub fn duration_us(&self) -> Option<i64> {
        Some(self.end_us()? - self.start_us()?)
    }

    /// The time the node sorts by: start, else end.
    pub fn sort_time(&self) -> Option<i64> {
        self.start_us().or(if self.kind == NodeKind::Mark {
            None
        } else {
            opt_time(self.end)
        })
    }
}

/// A node's children in order (time order once [`Trace::settle`] ran).
#[derive(Clone)]
pub struct Children<'a> {
    pub(crate) hot: &'a [Hot],
    pub(crate) next: u32,
}

impl Iterator for Children<'_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        let id = opt(self.next)?;
        self.next = self.hot[id as usize].next_sibling;
        Some(id)
    }
}
