//! The normalized event every dialect reader produces, and the small value types it carries.
//!
//! A reader turns one input record into zero or more [`Event`]s borrowing from the record's
//! bytes; the model interns what it keeps. Nothing here does IO.

use std::borrow::Cow;
use std::fmt;

/// Where an event came from, so payloads can be re-read on demand and errors cite a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SourceRef {
    /// Index into the trace's file table.
    pub file: u16,
    /// 1-based line number of the record (the first line of a pretty-printed document).
    pub line: u64,
    /// Byte offset of the record in the file.
    pub offset: u64,
    /// Length of the record in bytes, without the newline.
    pub len: u32,
    /// For a record inside a document (a greentic step): 1-based index of the element; 0 for a line.
    pub item: u32,
}

/// What an event does to the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// Opens a scope.
    Start,
    /// Closes the scope with the same id.
    End,
    /// A point-in-time checkpoint attached to its parent.
    Mark,
}

/// The category of a scope. ATOF's vocabulary is open: unknown values are kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Category {
    Agent,
    Function,
    Tool,
    Llm,
    Retriever,
    Embedder,
    Reranker,
    Guardrail,
    Evaluator,
    Custom,
    Unknown,
    /// A category this version does not know, lowercased.
    Other(Box<str>),
}

impl Category {
    /// Parses a category name; never fails.
    pub fn parse(s: &str) -> Self {
        match s {
            "agent" => Self::Agent,
            "function" => Self::Function,
            "tool" => Self::Tool,
            "llm" => Self::Llm,
            "retriever" => Self::Retriever,
            "embedder" => Self::Embedder,
            "reranker" => Self::Reranker,
            "guardrail" => Self::Guardrail,
            "evaluator" => Self::Evaluator,
            "custom" => Self::Custom,
            "unknown" | "" => Self::Unknown,
            // Rare: odd spelling or a new category; only now pay for a lowercase copy.
            other => {
                let lower = other.trim().to_ascii_lowercase();
                if lower == other {
                    Self::Other(lower.into_boxed_str())
                } else {
                    Self::parse(&lower)
                }
            }
        }
    }

    /// The canonical lowercase name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Agent => "agent",
            Self::Function => "function",
            Self::Tool => "tool",
            Self::Llm => "llm",
            Self::Retriever => "retriever",
            Self::Embedder => "embedder",
            Self::Reranker => "reranker",
            Self::Guardrail => "guardrail",
            Self::Evaluator => "evaluator",
            Self::Custom => "custom",
            Self::Unknown => "unknown",
            Self::Other(s) => s,
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Token usage of one call, in one meaning for every provider (ARCHITECTURE.md, "Token
/// mapping per source and dialect"). `None` fields were not reported (which is not zero).
///
/// `input` is **all** prompt tokens, cached included (OpenTelemetry GenAI's
/// `gen_ai.usage.input_tokens`); `cache_read` and `cache_write` are parts of it, and
/// `cache_write_1h` is the part of `cache_write` written with a one-hour TTL (the rest,
/// `cache_write - cache_write_1h`, is the 5-minute default: see [`Tokens::cache_write_5m`]).
/// `output` includes reasoning; `reasoning` is the part of it the provider reported as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tokens {
    /// Every prompt-side token of the call, cached included.
    pub input: Option<u64>,
    /// Every generated token, reasoning included.
    pub output: Option<u64>,
    /// Reported total, or input + output.
    pub total: Option<u64>,
    /// The part of `input` read from a prompt cache.
    pub cache_read: Option<u64>,
    /// The part of `input` written to a prompt cache (all TTLs).
    pub cache_write: Option<u64>,
    /// The part of `cache_write` written with a one-hour TTL.
    pub cache_write_1h: Option<u64>,
    /// The part of `output` spent on reasoning / thinking.
    pub reasoning: Option<u64>,
}

impl Tokens {
    /// True when no field was reported.
    pub fn is_empty(&self) -> bool {
        self.input.is_none()
            && self.output.is_none()
            && self.total.is_none()
            && self.cache_read.is_none()
            && self.cache_write.is_none()
            && self.cache_write_1h.is_none()
            && self.reasoning.is_none()
    }

    /// Total as reported, else input + output (saturating).
    pub fn total_or_sum(&self) -> u64 {
        let sum = self
            .input
            .unwrap_or(0)
            .saturating_add(self.output.unwrap_or(0));
        match self.total {
            Some(t) if t >= sum => t,
            _ => sum,
        }
    }

    /// Input neither read from nor written to a cache: `input - cache_read - cache_write`.
    /// `None` when `input` or a cache part is unknown, or when the parts exceed `input`
    /// (see [`Tokens::is_inconsistent`]).
    pub fn uncached(&self) -> Option<u64> {
        self.input?
            .checked_sub(self.cache_read?)?
            .checked_sub(self.cache_write?)
    }

    /// The part of `cache_write` with the default five-minute TTL, when the split is known
    /// (`cache_write_1h` reported) or there is no write at all.
    pub fn cache_write_5m(&self) -> Option<u64> {
        match (self.cache_write, self.cache_write_1h) {
            (Some(w), Some(h)) => Some(w.saturating_sub(h)),
            (Some(0), None) => Some(0),
            _ => None,
        }
    }

    /// The figures contradict each other: the known cache parts exceed `input`, the
    /// one-hour writes exceed the writes, or reasoning exceeds output. Such a record keeps
    /// its raw numbers; it is shown but must not be priced.
    pub fn is_inconsistent(&self) -> bool {
        let over = |part: Option<u64>, whole: Option<u64>| matches!((part, whole), (Some(p), Some(w)) if p > w);
        let cached = match (self.cache_read, self.cache_write) {
            (None, None) => None,
            (r, w) => Some(r.unwrap_or(0).saturating_add(w.unwrap_or(0))),
        };
        over(cached, self.input)
            || over(self.cache_write_1h, self.cache_write)
            || over(self.reasoning, self.output)
    }
}

/// Error state carried by an end event or a mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure<'a> {
    /// No error reported.
    None,
    /// An error, with the producer's text when it gave one.
    Error(Cow<'a, str>),
    /// The scope was closed without finishing its work (a tool still running when the agent
    /// stopped): ended, but incomplete, with the producer's reason. Not an error.
    Incomplete(Cow<'a, str>),
}

impl Failure<'_> {
    pub fn is_error(&self) -> bool {
        matches!(self, Self::Error(_))
    }
}

/// An event's ids as the model keys them (canonical UUIDs as numbers), worked out ahead by
/// [`PreKeys::of`] so that a parse thread, not the applying one, pays for it (it was
/// ~12% of the applying thread on a scope-heavy log). Unset, the model works them out itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PreKeys {
    /// [`Self::SET`], [`Self::ID`] (`id` is a UUID), [`Self::PARENT`] (so is `parent`).
    flags: u8,
    /// The UUIDs as `u64` halves, most significant first: 40 bytes in all, where
    /// `Option<u128>`s would take 80 (parse threads keep one per event of a chunk).
    id: [u64; 2],
    parent: [u64; 2],
}

impl PreKeys {
    const SET: u8 = 1;
    const ID: u8 = 2;
    const PARENT: u8 = 4;

    /// The keys of an event's `id` and `parent`, for its [`Event::keys`].
    pub fn of(id: &str, parent: Option<&str>) -> Self {
        let mut k = Self {
            flags: Self::SET,
            ..Self::default()
        };
        let halves = |u: u128| [(u >> 64) as u64, u as u64];
        if let Some(u) = crate::ids::canonical_uuid(id) {
            k.flags |= Self::ID;
            k.id = halves(u);
        }
        if let Some(u) = parent.and_then(crate::ids::canonical_uuid) {
            k.flags |= Self::PARENT;
            k.parent = halves(u);
        }
        k
    }

    fn get(self, flag: u8, [hi, lo]: [u64; 2]) -> crate::ids::Pre {
        use crate::ids::Pre;
        if self.flags & Self::SET == 0 {
            Pre::Unknown
        } else if self.flags & flag == 0 {
            Pre::Text
        } else {
            Pre::Uuid(u128::from(hi) << 64 | u128::from(lo))
        }
    }

    pub(crate) fn id(self) -> crate::ids::Pre {
        self.get(Self::ID, self.id)
    }

    pub(crate) fn parent(self) -> crate::ids::Pre {
        self.get(Self::PARENT, self.parent)
    }
}

const _: () = assert!(std::mem::size_of::<PreKeys>() == 40);

/// One normalized lifecycle event.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub kind: EventKind,
    /// Opaque id; start and end of one scope share it. Readers namespace synthetic ids.
    pub id: Cow<'a, str>,
    /// Id of the enclosing scope, if any.
    pub parent: Option<Cow<'a, str>>,
    /// Epoch microseconds, if the record had a usable time.
    pub ts_us: Option<i64>,
    pub name: Cow<'a, str>,
    /// `None` for generic marks.
    pub category: Option<Category>,
    pub model: Option<Cow<'a, str>>,
    /// `model` is a fallback (served model from a response body): it never overrides a model
    /// the scope already has from `category_profile.model_name`.
    pub model_is_fallback: bool,
    pub tool_call_id: Option<Cow<'a, str>>,
    pub tokens: Option<Tokens>,
    /// The producer's own cost of this call in nano-dollars, when it reported one.
    pub reported_cost_nusd: Option<u64>,
    pub failure: Failure<'a>,
    /// On an end event: how long the scope ran, used only when its start was never seen.
    pub duration_us: Option<i64>,
    /// The scope's end is derived from its children (harn sessions, greentic flows).
    pub container: bool,
    /// On an end event: a *settling* end, which may come more than once for one scope (a
    /// harn session's terminal events); the latest time and verdict stand. `Some(true)`: the
    /// producer closed the scope as successful, so errors inside it were recovered from (its
    /// run is ok with errors inside); `Some(false)`: closed unsuccessfully.
    pub settles: Option<bool>,
    /// A synthetic grouping scope (a Relay CLI session root): each reader that meets it says
    /// its start again, the trace keeps one (the earliest); when its parent is already a
    /// scope of the trace (the producer wrote the session scope itself), it is that scope,
    /// not a new level.
    pub grouping: bool,
    pub src: SourceRef,
    /// `id` and `parent` as keys, when worked out ahead ([`PreKeys::of`]); whoever changes
    /// either after must work them out again (debug builds check on every keying).
    pub keys: PreKeys,
}

impl<'a> Event<'a> {
    /// A bare event of `kind` with the given id and name; other fields empty.
    pub fn new(
        kind: EventKind,
        id: impl Into<Cow<'a, str>>,
        name: impl Into<Cow<'a, str>>,
    ) -> Self {
        Self {
            kind,
            id: id.into(),
            parent: None,
            ts_us: None,
            name: name.into(),
            category: None,
            model: None,
            model_is_fallback: false,
            tool_call_id: None,
            tokens: None,
            reported_cost_nusd: None,
            failure: Failure::None,
            duration_us: None,
            container: false,
            settles: None,
            grouping: false,
            src: SourceRef::default(),
            keys: PreKeys::default(),
        }
    }
}

impl Event<'_> {
    /// Detaches the event from the buffer it was parsed from.
    pub fn into_owned(self) -> Event<'static> {
        use std::borrow::Cow;
        fn own(c: Cow<'_, str>) -> Cow<'static, str> {
            Cow::Owned(c.into_owned())
        }
        Event {
            kind: self.kind,
            id: own(self.id),
            parent: self.parent.map(own),
            ts_us: self.ts_us,
            name: own(self.name),
            category: self.category,
            model: self.model.map(own),
            model_is_fallback: self.model_is_fallback,
            tool_call_id: self.tool_call_id.map(own),
            tokens: self.tokens,
            reported_cost_nusd: self.reported_cost_nusd,
            failure: match self.failure {
                Failure::None => Failure::None,
                Failure::Error(t) => Failure::Error(own(t)),
                Failure::Incomplete(t) => Failure::Incomplete(own(t)),
            },
            duration_us: self.duration_us,
            container: self.container,
            settles: self.settles,
            grouping: self.grouping,
            src: self.src,
            keys: self.keys,
        }
    }
}
