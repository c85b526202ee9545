//! The packed records behind every node: [`Hot`] for all of them, [`Cold`] for scopes,
//! [`PackedTokens`] slots and the rare [`More`] data. Sizes are asserted:
//! the layout is the memory budget (ARCHITECTURE.md).

use crate::event::{Category, Tokens};
pub(crate) use crate::srcs::Src;
pub(crate) use crate::times::T32;
#[cfg(doc)]
use crate::{MAX_ABS_TIME_US, Node};
use crate::{NodeKind, Sym, clamp_time};

/// "No value" for the `u32` links and indices packed into a [`Node`].
pub(crate) const NONE: u32 = u32::MAX;
/// "No time" for packed times; real times are clamped to ±[`MAX_ABS_TIME_US`].
pub(crate) const NO_TIME: i64 = i64::MIN;
/// Tag bit of [`Node`]'s external id: set when the id is a UUID kept in `Trace::uuids`.
pub(crate) const UUID_TAG: u32 = 1 << 31;

pub(crate) mod flag {
    pub const HAS_START: u8 = 1;
    pub const HAS_END: u8 = 1 << 1;
    pub const PLACEHOLDER: u8 = 1 << 2;
    pub const CONTAINER: u8 = 1 << 3;
    pub const START_ESTIMATED: u8 = 1 << 4;
    pub const IS_ROOT: u8 = 1 << 5;
    pub const UNSORTED: u8 = 1 << 6;
    pub const HAS_ERROR: u8 = 1 << 7;
}

/// Category codes: 0 is "none", then the known categories in this order, then the trace's
/// table of other names.
pub(crate) const KNOWN_CATEGORIES: [Category; 11] = [
    Category::Agent,
    Category::Function,
    Category::Tool,
    Category::Llm,
    Category::Retriever,
    Category::Embedder,
    Category::Reranker,
    Category::Guardrail,
    Category::Evaluator,
    Category::Custom,
    Category::Unknown,
];
pub(crate) const CAT_TOOL: u16 = 3;
pub(crate) const CAT_LLM: u16 = 4;

/// The part of every node (scope or mark) that is kept for all of them: 32 bytes. A scope's
/// [`Cold`] part is found by its rank among the scopes (`ranks.rs`).
#[derive(Debug, Clone)]
pub(crate) struct Hot {
    /// Read and written through `Trace::times`.
    pub(crate) start: T32,
    pub(crate) start_src: Src,
    pub(crate) name: Sym,
    pub(crate) parent: u32,
    pub(crate) next_sibling: u32,
    pub(crate) more: u32,
    pub(crate) category: u16,
    pub(crate) kind: NodeKind,
    pub(crate) flags: u8,
}

/// What only scopes need: their end, id, children, model and tokens. 36 bytes.
#[derive(Debug, Clone)]
pub(crate) struct Cold {
    /// Read and written through `Trace::times` (by the node's id).
    pub(crate) end: T32,
    pub(crate) end_src: Src,
    /// The producer's id: an index into `Trace::str_ids`, or with [`UUID_TAG`] into
    /// `Trace::uuids`.
    pub(crate) ext: u32,
    pub(crate) first_child: u32,
    pub(crate) last_child: u32,
    pub(crate) model: u32,
    pub(crate) tokens: u32,
    /// Union-find link towards this scope's run root ([`NONE`]: it is one), kept in what
    /// would otherwise be padding. Parents are set once, so the links only ever merge and
    /// can be compressed; linking and cycle checks cost O(log n) amortized on any input.
    pub(crate) up: u32,
}

impl Cold {
    pub(crate) const EMPTY: Self = Self {
        end: T32::NONE,
        end_src: Src::NONE,
        ext: 0,
        first_child: NONE,
        last_child: NONE,
        model: NONE,
        tokens: NONE,
        up: NONE,
    };
}

/// A call's token usage in 24 bytes: six counts as `u32`, [`PackedTokens::ABSENT`] for
/// "not reported". `total` is not stored: it is `input + output` whenever a reader built
/// the record (`finish` in trace-formats recomputes it). A record that does not fit (a
/// count of `ABSENT - 1` or more, hostile input or a truly huge figure, or a reported total
/// other than the sum) goes whole to the trace's `wide_tokens` table instead, marked by
/// [`PackedTokens::WIDE`] in `v[0]` and its index in `v[1]`, so no figure is ever cut.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PackedTokens {
    /// input, output, cache_read, cache_write, cache_write_1h, reasoning.
    pub(crate) v: [u32; 6],
}

impl PackedTokens {
    pub(crate) const ABSENT: u32 = u32::MAX;
    pub(crate) const WIDE: u32 = u32::MAX - 1;

    fn fields(t: &Tokens) -> [Option<u64>; 6] {
        [
            t.input,
            t.output,
            t.cache_read,
            t.cache_write,
            t.cache_write_1h,
            t.reasoning,
        ]
    }

    /// The total a packed record implies: the sum when input or output is known.
    fn implied_total(input: Option<u64>, output: Option<u64>) -> Option<u64> {
        (input.is_some() || output.is_some())
            .then(|| input.unwrap_or(0).saturating_add(output.unwrap_or(0)))
    }

    /// Packs `t`, or `None` when it must go to the wide table.
    pub(crate) fn pack(t: &Tokens) -> Option<Self> {
        if t.total != Self::implied_total(t.input, t.output) {
            return None;
        }
        let mut p = Self {
            v: [Self::ABSENT; 6],
        };
        for (i, f) in Self::fields(t).into_iter().enumerate() {
            if let Some(x) = f {
                p.v[i] = u32::try_from(x).ok().filter(|&x| x < Self::WIDE)?;
            }
        }
        Some(p)
    }

    /// The slot of a record kept in the wide table at `index`.
    pub(crate) fn wide(index: u32) -> Self {
        let mut v = [Self::ABSENT; 6];
        v[0] = Self::WIDE;
        v[1] = index;
        Self { v }
    }

    /// The wide-table index, when the record lives there.
    pub(crate) fn wide_index(self) -> Option<usize> {
        (self.v[0] == Self::WIDE).then_some(self.v[1] as usize)
    }

    pub(crate) fn unpack(self) -> Tokens {
        let f = |i: usize| (self.v[i] != Self::ABSENT).then(|| u64::from(self.v[i]));
        Tokens {
            input: f(0),
            output: f(1),
            total: Self::implied_total(f(0), f(1)),
            cache_read: f(2),
            cache_write: f(3),
            cache_write_1h: f(4),
            reasoning: f(5),
        }
    }
}

// The layout is the memory budget (ARCHITECTURE.md): keep it from growing unnoticed.
const _: () = assert!(std::mem::size_of::<Hot>() == 32);
const _: () = assert!(std::mem::size_of::<Cold>() == 36);
const _: () = assert!(std::mem::size_of::<PackedTokens>() == 24);

/// Rare per-node data, out of line: 24 bytes. Every tool call has one (its id), so the
/// texts rarer still are boxed together. It was 64 bytes: 1 GB of the Relay-like mix peaked
/// at 123.3 MB, now 118.0 MB.
#[derive(Debug, Clone, Default)]
pub(crate) struct More {
    texts: Option<Box<Texts>>,
    /// The tool-call id's byte range in `Trace::tool_ids` (one arena: ids are unique per
    /// call, so interning them would only add a table): [`TOOL_SET`], start, 24-bit length.
    tool: u64,
    /// The verdict of the scope's latest settling end ([`crate::event::Event::settles`]).
    pub(crate) settled: Option<bool>,
}

#[derive(Debug, Clone, Default)]
struct Texts {
    error: Option<Box<str>>,
    /// The scope ended without finishing its work, for this reason (see
    /// [`crate::event::Failure::Incomplete`]).
    incomplete: Option<Box<str>>,
    /// A tool-call id too long for the packed range (16 MiB or more), kept whole.
    long_tool: Option<Box<str>>,
}

const TOOL_SET: u64 = 1 << 63;
const TOOL_LEN_BITS: u32 = 24;
const TOOL_LEN_MASK: u64 = (1 << TOOL_LEN_BITS) - 1;

impl More {
    fn texts_mut(&mut self) -> &mut Texts {
        self.texts.get_or_insert_with(Box::default)
    }

    pub(crate) fn error(&self) -> Option<&str> {
        self.texts.as_ref()?.error.as_deref()
    }

    pub(crate) fn set_error(&mut self, text: &str) {
        self.texts_mut().error = Some(text.into());
    }

    pub(crate) fn incomplete(&self) -> Option<&str> {
        self.texts.as_ref()?.incomplete.as_deref()
    }

    pub(crate) fn set_incomplete(&mut self, reason: &str) {
        self.texts_mut().incomplete = Some(reason.into());
    }

    pub(crate) fn has_tool(&self) -> bool {
        self.tool & TOOL_SET != 0 || self.texts.as_ref().is_some_and(|t| t.long_tool.is_some())
    }

    /// Records the tool-call id `id`; `true` when the caller must append it to the arena,
    /// whose length is `start` (a long id is kept here instead).
    pub(crate) fn set_tool(&mut self, start: u64, id: &str) -> bool {
        let len = id.len() as u64;
        if len <= TOOL_LEN_MASK && start < 1 << (63 - TOOL_LEN_BITS) {
            self.tool = TOOL_SET | (start << TOOL_LEN_BITS) | len;
            true
        } else {
            self.texts_mut().long_tool = Some(id.into());
            false
        }
    }

    /// The tool-call id, found in `arena` (`Trace::tool_ids`).
    pub(crate) fn tool<'a>(&'a self, arena: &'a str) -> Option<&'a str> {
        if self.tool & TOOL_SET == 0 {
            return self.texts.as_ref()?.long_tool.as_deref();
        }
        let start = ((self.tool & !TOOL_SET) >> TOOL_LEN_BITS) as usize;
        arena.get(start..start + (self.tool & TOOL_LEN_MASK) as usize)
    }
}

const _: () = assert!(std::mem::size_of::<More>() == 24);

pub(crate) fn opt(v: u32) -> Option<u32> {
    (v != NONE).then_some(v)
}

pub(crate) fn opt_time(t: i64) -> Option<i64> {
    (t != NO_TIME).then_some(t)
}

pub(crate) fn pack_time(t: Option<i64>) -> i64 {
    t.map_or(NO_TIME, clamp_time)
}

impl Hot {
    pub(crate) fn flag(&self, f: u8) -> bool {
        self.flags & f != 0
    }

    pub(crate) fn set(&mut self, f: u8, on: bool) {
        if on {
            self.flags |= f;
        } else {
            self.flags &= !f;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Trace;
    use crate::event::{Event, EventKind, Failure};

    /// Tool-call ids come back whole from the packed range, a 16 MiB one from its box; the
    /// first id a call names stays; errors and incomplete reasons share one box.
    #[test]
    fn rare_data_reads_back_whole() {
        let long = "x".repeat(1 << 24);
        let mut tr = Trace::new();
        for (id, tool) in [("a", "call_1"), ("b", long.as_str()), ("c", "é-3")] {
            let mut e = Event::new(EventKind::Start, id, id);
            e.tool_call_id = Some(tool.into());
            tr.apply(&e);
        }
        let mut end = Event::new(EventKind::End, "a", "a");
        end.tool_call_id = Some("ignored".into());
        end.failure = Failure::Error("boom".into());
        tr.apply(&end);
        let mut end = Event::new(EventKind::End, "c", "c");
        end.failure = Failure::Incomplete("interrupted".into());
        tr.apply(&end);
        let node = |id| tr.lookup(id).unwrap();
        assert_eq!(tr.tool_call_id(node("a")), Some("call_1"));
        assert_eq!(tr.tool_call_id(node("b")).map(str::len), Some(1 << 24));
        assert_eq!(tr.tool_call_id(node("c")), Some("é-3"));
        assert_eq!(tr.error(node("a")), Some("boom"));
        assert_eq!(tr.incomplete(node("a")), None);
        assert_eq!(tr.incomplete(node("c")), Some("interrupted"));
        assert_eq!(tr.error(node("c")), None);
        assert_eq!(tr.tool_ids.len(), "call_1".len() + "é-3".len());
    }
}
