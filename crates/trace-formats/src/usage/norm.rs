//! The one token semantics (ARCHITECTURE.md, "Token mapping per source and dialect"): the
//! key tables every provider spelling is read through, the raw figures of one usage object
//! ([`Raw`], filled alike by the `Value` path and the typed probes), and the rule that turns
//! them into [`Tokens`] whose `input` is all prompt tokens, cached included.
//!
//! Which spelling means what is told by the keys present, unless the caller knows the
//! provider ([`Semantics`]):
//! - `uncached_input_tokens` (Relay): input = uncached + cache_read + cache_write.
//! - `prompt_tokens` / `promptTokens` (OpenAI Chat, Relay normalized, ATIF) and
//!   `promptTokenCount` (Gemini, plus `toolUsePromptTokenCount`) are inclusive.
//! - `input_tokens` is exclusive (Anthropic) when Anthropic's `cache_read_input_tokens`,
//!   `cache_creation_input_tokens` or `cache_creation` sit beside it and no
//!   `input_tokens_details` (OpenAI Responses) does; otherwise inclusive.
//! - `inputTokens` is exclusive (Bedrock Converse) when `cacheReadInputTokens`,
//!   `cacheWriteInputTokens` or `cacheDetails` sit beside it; otherwise inclusive.
//! - a bare `input` is exclusive when the reported total is input + output + cache parts.
//! - whatever the spelling, cache parts larger than the input figure cannot be parts of it:
//!   the figure was exclusive (OTel "non-conformant" spans, ATIF `cached_tokens >
//!   prompt_tokens`).
//!
//! Zero where the provider cannot report a part: OpenAI usage with a `*_tokens_details`
//! object has no cache write unless it says so; Gemini reports no per-call cache write and
//! omits a zero `cachedContentTokenCount`; an Anthropic-style write with no TTL split is all
//! five-minute writes.

use trace_model::event::Tokens;

/// How the input figure of a usage object relates to its cache parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Semantics {
    /// Decide from the keys present (the module rule).
    #[default]
    Auto,
    /// The input figure already includes cache reads and writes (OpenAI, Gemini, Codex).
    Inclusive,
    /// The input figure excludes them (Anthropic Messages, Bedrock Converse).
    Exclusive,
}

impl Semantics {
    /// The semantics of a provider name as pass-through formats (harn, Relay) carry it:
    /// Anthropic / Claude and Bedrock are exclusive, OpenAI-compatible and Gemini inclusive,
    /// anything else is left to the keys.
    pub fn of_provider(provider: &str) -> Self {
        // Compared without case and without a lowercased copy: harn names the provider on
        // every LLM call.
        let p = provider.trim().as_bytes();
        let starts = |xs: &[&str]| {
            xs.iter().any(|x| {
                p.get(..x.len())
                    .is_some_and(|h| h.eq_ignore_ascii_case(x.as_bytes()))
            })
        };
        if starts(&["anthropic", "claude", "bedrock", "aws"]) {
            Self::Exclusive
        } else if starts(&[
            "openai",
            "azure",
            "gemini",
            "google",
            "vertex",
            "openrouter",
            "codex",
            "mistral",
            "groq",
            "together",
            "fireworks",
            "deepseek",
            "xai",
            "ollama",
            "vllm",
        ]) {
            Self::Inclusive
        } else {
            Self::Auto
        }
    }
}

pub(crate) use super::keys::*;

/// The parts of a `*_details` / `cache_creation` object, by `DETAIL_FIELDS`.
pub(crate) type Details = [Option<u64>; DETAIL_FIELDS.len()];

/// A count or a per-TTL list of writes: the sum, and the one-hour part when known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Writes {
    pub(crate) total: Option<u64>,
    pub(crate) one_hour: Option<u64>,
}

impl Writes {
    /// Adds one list entry of `count` tokens written for `ttl_s` seconds.
    pub(crate) fn add_entry(&mut self, count: Option<u64>, ttl_s: Option<u64>) {
        let Some(c) = count else { return };
        self.total = Some(self.total.unwrap_or(0).saturating_add(c));
        if ttl_s == Some(3600) {
            self.one_hour = Some(self.one_hour.unwrap_or(0).saturating_add(c));
        }
    }

    /// An empty list: every TTL reported, none written.
    pub(crate) fn empty_list() -> Self {
        Self {
            total: Some(0),
            one_hour: Some(0),
        }
    }

    /// Finishes a list: the one-hour part is known (zero) once any entry was counted.
    pub(crate) fn end_list(mut self) -> Self {
        if self.total.is_some() {
            self.one_hour = self.one_hour.or(Some(0));
        }
        self
    }
}

/// A TTL as seconds: a number of seconds, or `"300"`, `"300s"`, `"5m"`, `"1h"`.
pub(crate) fn ttl_seconds(s: &str) -> Option<u64> {
    let s = s.trim();
    let (digits, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => s.split_at(i),
        None => (s, ""),
    };
    let n: u64 = digits.parse().ok()?;
    let mul = match unit.trim() {
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        _ => return None,
    };
    n.checked_mul(mul)
}

/// The figures of one usage object, keyed by `USAGE_FIELDS`.
#[derive(Debug, Clone)]
pub(crate) struct Raw {
    pub(crate) counts: [Option<u64>; N_COUNTS],
    pub(crate) details: [Option<Details>; DETAILS.len()],
    pub(crate) lists: [Writes; LISTS.len()],
    /// The producer's own cost under each `COST` key, nano-dollars.
    pub(crate) costs: [Option<u64>; COST.len()],
    /// Bit i: key `USAGE_FIELDS[i]` appeared, whatever its value.
    pub(crate) seen: u64,
}

impl Default for Raw {
    fn default() -> Self {
        Self {
            counts: [None; N_COUNTS],
            details: [None; DETAILS.len()],
            lists: [Writes::default(); LISTS.len()],
            costs: [None; COST.len()],
            seen: 0,
        }
    }
}

/// The compact outcome of a [`Raw`]: everything [`Usage::tokens`] needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    v: [Option<u64>; 11],
    /// Index into `INPUT` of the input figure's key (`u8::MAX`: none).
    input_key: u8,
    /// Which exclusive spellings appeared: bit 0 Anthropic, 1 Bedrock, 2 Responses
    /// details, 3 OpenAI details object, 4 output from `candidatesTokenCount` or absent.
    marks: u8,
    /// The producer's own cost in nano-dollars, when it reported one (not zero).
    cost: Option<u64>,
}

const U_BASE: usize = 0;
const U_OUT: usize = 1;
const U_TOTAL: usize = 2;
const U_READ: usize = 3;
const U_WRITE: usize = 4;
const U_1H: usize = 5;
const U_REASON: usize = 6;
const U_THOUGHTS: usize = 7;
const U_TOOL: usize = 8;
const U_UNCACHED: usize = 9;
const U_OUT_GEMINI: usize = 10;

const M_ANTHROPIC: u8 = 1;
const M_BEDROCK: u8 = 1 << 1;
const M_RESPONSES: u8 = 1 << 2;
const M_OPENAI_DETAILS: u8 = 1 << 3;

fn add(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
    }
}

/// Positions, resolved at compile time.
const PROMPT_D: usize = index_of("prompt_tokens_details") - AT_DETAILS;
const INPUT_D: usize = index_of("input_tokens_details") - AT_DETAILS;
const COMPLETION_D: usize = index_of("completion_tokens_details") - AT_DETAILS;
const OUTPUT_D: usize = index_of("output_tokens_details") - AT_DETAILS;
const CREATION: usize = index_of("cache_creation") - AT_DETAILS;
const THOUGHTS: usize = index_of("thoughtsTokenCount");
const ANTHROPIC_KEYS: u64 = 1 << index_of("cache_read_input_tokens")
    | 1 << index_of("cache_creation_input_tokens")
    | 1 << index_of("cache_creation");
const BEDROCK_KEYS: u64 = 1 << index_of("cacheReadInputTokens")
    | 1 << index_of("cacheWriteInputTokens")
    | 1 << index_of("cacheDetails");

impl Raw {
    fn first(&self, from: usize, to: usize) -> Option<(usize, u64)> {
        (from..to).find_map(|i| self.counts[i].map(|c| (i - from, c)))
    }

    fn detail(&self, obj: usize, field: usize) -> Option<u64> {
        self.details[obj].and_then(|d| d[field])
    }

    /// Reduces the figures to what the semantics rule needs.
    pub(crate) fn reduce(&self) -> Usage {
        const CACHED: usize = 0;
        const D_READ: usize = 1;
        const D_WRITE: usize = 2;
        const D_REASON: usize = 3;
        const D_THINK: usize = 4;
        const E5M: usize = 5;
        const E1H: usize = 6;
        let input = self.first(0, AT_OUTPUT);
        let output = self.first(AT_OUTPUT, AT_TOTAL);
        let read = self.first(AT_READ, AT_WRITE).map(|x| x.1).or_else(|| {
            [PROMPT_D, INPUT_D]
                .into_iter()
                .find_map(|o| self.detail(o, CACHED).or(self.detail(o, D_READ)))
        });
        let relay = self.lists[0];
        let bedrock = self.lists[1];
        let (e5m, e1h) = (self.detail(CREATION, E5M), self.detail(CREATION, E1H));
        let write = relay
            .total
            .or_else(|| self.first(AT_WRITE, AT_REASONING).map(|x| x.1))
            .or_else(|| add(e5m, e1h))
            .or_else(|| self.detail(PROMPT_D, D_WRITE))
            .or_else(|| self.detail(INPUT_D, D_WRITE))
            .or(bedrock.total);
        let one_hour = e1h.or(relay.one_hour).or(bedrock.one_hour);
        let reasoning = self
            .detail(COMPLETION_D, D_REASON)
            .or_else(|| self.detail(OUTPUT_D, D_REASON))
            .or_else(|| self.detail(OUTPUT_D, D_THINK))
            .or_else(|| self.first(AT_REASONING, AT_EXTRA).map(|x| x.1))
            .or(self.counts[THOUGHTS]);
        let gemini_out = match output {
            None => true,
            Some((k, _)) => OUTPUT[k] == "candidatesTokenCount",
        };
        let mut marks = 0;
        if self.seen & ANTHROPIC_KEYS != 0 {
            marks |= M_ANTHROPIC;
        }
        if self.seen & BEDROCK_KEYS != 0 {
            marks |= M_BEDROCK;
        }
        if self.details[INPUT_D].is_some() {
            marks |= M_RESPONSES;
        }
        if marks & M_RESPONSES != 0 || self.details[PROMPT_D].is_some() {
            marks |= M_OPENAI_DETAILS;
        }
        let mut v = [None; 11];
        v[U_BASE] = input.map(|x| x.1);
        v[U_OUT] = output.map(|x| x.1);
        v[U_TOTAL] = self.first(AT_TOTAL, AT_READ).map(|x| x.1);
        v[U_READ] = read;
        v[U_WRITE] = write;
        v[U_1H] = one_hour;
        v[U_REASON] = reasoning;
        v[U_THOUGHTS] = self.counts[THOUGHTS];
        v[U_TOOL] = self.counts[const { index_of("toolUsePromptTokenCount") }];
        v[U_UNCACHED] = self.counts[const { index_of("uncached_input_tokens") }];
        v[U_OUT_GEMINI] = gemini_out.then_some(0);
        Usage {
            v,
            input_key: input.map_or(u8::MAX, |x| x.0 as u8),
            marks,
            cost: self.costs[0].or(self.costs[1]),
        }
    }
}

/// Dollars to nano-dollars: a finite, positive figure (a producer's 0.0 means it had no price:
/// harn's `calculate_cost_for_provider`, TOKENS.md §1.3), else unknown.
pub(crate) fn nano_usd(usd: f64) -> Option<u64> {
    (usd.is_finite() && usd > 0.0 && usd < 1e9).then(|| (usd * 1e9).round() as u64)
}

impl Usage {
    /// The cost the producer reported with this usage, nano-dollars.
    pub fn reported_cost_nusd(&self) -> Option<u64> {
        self.cost
    }

    /// `Some(self)` when the object reported any figure (independent of the semantics).
    pub(crate) fn nonempty(self) -> Option<Self> {
        self.tokens(Semantics::Auto).map(|_| self)
    }

    /// What the keys alone say about the input figure: `Exclusive` for Anthropic's or
    /// Bedrock's spelling, `Inclusive` for OpenAI's or Gemini's, else `Auto`. A reader uses
    /// it to carry a raw provider body's meaning over to a normalized copy beside it.
    pub fn spelling(&self) -> Semantics {
        match self.input_key() {
            Some("input_tokens") if self.marks & M_RESPONSES != 0 => Semantics::Inclusive,
            Some("input_tokens") if self.marks & M_ANTHROPIC != 0 => Semantics::Exclusive,
            Some("inputTokens") if self.marks & M_BEDROCK != 0 => Semantics::Exclusive,
            Some("prompt_tokens") if self.marks & M_OPENAI_DETAILS != 0 => Semantics::Inclusive,
            Some("promptTokenCount") => Semantics::Inclusive,
            _ => Semantics::Auto,
        }
    }

    fn input_key(&self) -> Option<&'static str> {
        INPUT.get(usize::from(self.input_key)).copied()
    }

    /// The usage in trace-tui's one meaning, or `None` when it reports no figure at all.
    pub fn tokens(&self, sem: Semantics) -> Option<Tokens> {
        let v = &self.v;
        let key = self.input_key();
        let gemini = key == Some("promptTokenCount") || (key.is_none() && v[U_TOOL].is_some());
        let base = if gemini {
            add(v[U_BASE], v[U_TOOL])
        } else {
            v[U_BASE]
        };
        let mut read = v[U_READ];
        let mut write = v[U_WRITE];
        let mut one_hour = v[U_1H];
        let cached = read.unwrap_or(0).saturating_add(write.unwrap_or(0));
        let exclusive = match sem {
            Semantics::Exclusive => true,
            Semantics::Inclusive => false,
            Semantics::Auto => {
                let by_keys = match key {
                    Some("input_tokens") => {
                        self.marks & M_ANTHROPIC != 0 && self.marks & M_RESPONSES == 0
                    }
                    Some("inputTokens") => self.marks & M_BEDROCK != 0,
                    Some("input") => {
                        cached > 0
                            && v[U_TOTAL]
                                == Some(
                                    base.unwrap_or(0)
                                        .saturating_add(v[U_OUT].unwrap_or(0))
                                        .saturating_add(cached),
                                )
                    }
                    _ => false,
                };
                by_keys || base.is_some_and(|b| cached > b)
            }
        };
        if !exclusive {
            if self.marks & M_OPENAI_DETAILS != 0 && base.is_some() {
                read = read.or(Some(0));
                write = write.or(Some(0));
            }
            if gemini && base.is_some() {
                read = read.or(Some(0));
                write = write.or(Some(0));
            }
        }
        let anthropic_style =
            exclusive && (sem == Semantics::Exclusive || self.marks & M_ANTHROPIC != 0);
        if anthropic_style && write.is_some() && one_hour.is_none() {
            one_hour = Some(0);
        }
        let input = if let Some(u) = v[U_UNCACHED] {
            add(Some(u), add(read, write))
        } else if exclusive {
            base.map(|b| b.saturating_add(cached))
        } else {
            base
        };
        let output = if v[U_OUT_GEMINI].is_some() {
            add(v[U_OUT], v[U_THOUGHTS])
        } else {
            v[U_OUT]
        };
        finish(Tokens {
            input,
            output,
            total: v[U_TOTAL],
            cache_read: read,
            cache_write: write,
            cache_write_1h: one_hour,
            reasoning: v[U_REASON],
        })
    }
}

/// The figures of one usage object as `tokens_from_usage` reports them.
pub(crate) fn finish(mut t: Tokens) -> Option<Tokens> {
    if t.is_empty() {
        return None;
    }
    // A reported total smaller than input + output is not a total: recompute it.
    let sum = t.input.unwrap_or(0).saturating_add(t.output.unwrap_or(0));
    if t.total.is_none_or(|total| total < sum) && (t.input.is_some() || t.output.is_some()) {
        t.total = Some(sum);
    }
    Some(t)
}
