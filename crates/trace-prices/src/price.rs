//! Pricing one call (TOKENS.md §1.6): the usage buckets, the price record in force at the call's
//! time, the tier chosen by the call's total input, and the sum
//!
//! ```text
//! cost = uncached × p_in + cache_read × p_cr + cache_write_5m × p_cw + cache_write_1h × p_cw1h
//!      + (output − reasoning) × p_out + reasoning × (p_reason ?? p_out)   (all ÷ 1e6)
//!      + requests_kcount ÷ 1000                                          (a per-call fee, if any)
//! ```

use crate::data::{Constraint, Model, Price, Rate};
use crate::time;

/// One call's token usage in trace-tui's buckets (TOKENS.md §1.1). Every field is optional:
/// `None` is "not reported", which is not zero. The cache buckets are parts of `input_total`, and
/// `reasoning` is a part of `output`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Every prompt token billed, cached included.
    pub input_total: Option<u64>,
    /// Tokens read from the prompt cache.
    pub cache_read: Option<u64>,
    /// Tokens written to the cache with a 5-minute TTL.
    pub cache_write_5m: Option<u64>,
    /// Tokens written to the cache with a 1-hour TTL.
    pub cache_write_1h: Option<u64>,
    /// Tokens written to the cache with an unknown TTL: priced at the catalogue's default write
    /// rate (`cache_write_mtok`, the 5-minute rate for Anthropic and Bedrock's Anthropic models).
    pub cache_write: Option<u64>,
    /// Every generated token, reasoning included.
    pub output: Option<u64>,
    /// The reasoning part of `output`.
    pub reasoning: Option<u64>,
}

/// Why a usage cannot be priced although its model is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inconsistent {
    /// `cache_read + cache_write_* > input_total` (or beyond `u64`): the uncached count would
    /// be negative.
    CacheExceedsInput,
    /// `reasoning > output`.
    ReasoningExceedsOutput,
}

impl Usage {
    /// All cache writes, whatever their TTL (saturating).
    pub fn cache_write_sum(&self) -> u64 {
        [self.cache_write_5m, self.cache_write_1h, self.cache_write]
            .iter()
            .fold(0u64, |a, v| a.saturating_add(v.unwrap_or(0)))
    }

    /// Cache reads plus writes; `None` if the sum overflows.
    fn cached(&self) -> Option<u64> {
        [
            self.cache_read,
            self.cache_write_5m,
            self.cache_write_1h,
            self.cache_write,
        ]
        .iter()
        .try_fold(0u64, |a, v| a.checked_add(v.unwrap_or(0)))
    }

    /// Whether every bucket is `None` (nothing reported).
    pub fn is_empty(&self) -> bool {
        *self == Usage::default()
    }

    /// The invariants of TOKENS.md §1.1 that pricing relies on.
    pub fn check(&self) -> Result<(), Inconsistent> {
        let Some(cached) = self.cached() else {
            return Err(Inconsistent::CacheExceedsInput);
        };
        if self.input_total.is_some_and(|t| cached > t) {
            return Err(Inconsistent::CacheExceedsInput);
        }
        if let (Some(r), Some(o)) = (self.reasoning, self.output) {
            if r > o {
                return Err(Inconsistent::ReasoningExceedsOutput);
            }
        }
        Ok(())
    }
}

/// The cost of one call; the names are the catalogue's (a summary prices every call, and an
/// owned copy of both was two allocations each).
#[derive(Debug, Clone, PartialEq)]
pub struct Cost<'c> {
    /// US dollars.
    pub usd: f64,
    /// Some reported tokens had no rate in the catalogue (e.g. cache reads on a model without a
    /// cache-read price): they are left out of `usd`, which is then a lower bound.
    pub partial: bool,
    /// The catalogue model that priced the call (its `id`, e.g. `claude-sonnet-4-5`).
    pub model_id: &'c str,
    /// The catalogue provider whose record priced it (e.g. `anthropic`, `aws`).
    pub provider: &'c str,
}

/// The record of `model` in force at `ts_us` (epoch µs): the last entry whose constraint holds,
/// else the first (genai-prices `get_prices`). Without a time, the latest dated price: the last
/// entry that is unconstrained or has a start date (a time-of-day window cannot be judged).
pub(crate) fn price_at(model: &Model, ts_us: Option<i64>) -> &Price {
    let active = |c: &Option<Constraint>| match (c, ts_us) {
        (None, _) => true,
        (Some(Constraint::StartDate(day)), Some(ts)) => time::day_of(ts) >= *day,
        (Some(Constraint::StartDate(_)), None) => true,
        (Some(Constraint::TimeOfDay(start, end)), Some(ts)) => {
            let t = time::second_of_day(ts);
            if end < start {
                t >= *start || t < *end
            } else {
                t >= *start && t < *end
            }
        }
        (Some(Constraint::TimeOfDay(..) | Constraint::Unknown), _) => false,
    };
    model
        .prices
        .iter()
        .rev()
        .find(|(c, _)| active(c))
        .map_or(&model.prices[0].1, |(_, p)| p)
}

/// Prices `usage` with `price`; `None` when the usage is inconsistent or reports nothing, or when
/// the record has neither an input nor an output token rate (a model priced in other units).
pub(crate) fn cost(price: &Price, usage: &Usage) -> Option<(f64, bool)> {
    if usage.is_empty() || usage.check().is_err() {
        return None;
    }
    if price.input.is_none() && price.output.is_none() {
        return None;
    }
    // `check` passed: the cached parts sum without overflow and fit in `input_total`.
    let cached = usage.cached()?;
    // The tier threshold is the whole prompt; without a reported total, its known parts.
    let threshold = usage.input_total.unwrap_or(cached);
    let uncached = usage.input_total.map(|t| t - cached);

    // Σ tokens × USD-per-million: micro-dollars, divided once at the end.
    let mut micro = 0.0;
    let mut partial = false;
    let mut add = |tokens: Option<u64>, rate: Option<&Rate>| {
        let n = tokens.unwrap_or(0);
        if n == 0 {
            return;
        }
        match rate {
            Some(r) => micro += n as f64 * r.at(threshold),
            None => partial = true,
        }
    };
    add(uncached, price.input.as_ref());
    add(usage.cache_read, price.cache_read.as_ref());
    add(usage.cache_write_5m, price.cache_write.as_ref());
    add(usage.cache_write, price.cache_write.as_ref());
    add(usage.cache_write_1h, price.cache_write_1h.as_ref());
    let reasoning = usage.reasoning.unwrap_or(0);
    add(
        usage.output.map(|o| o - reasoning.min(o)),
        price.output.as_ref(),
    );
    // Reasoning is billed inside output: at its own rate if the record has one, else p_out. A
    // reasoning count without an output count is not priced (output is what is billed).
    if usage.output.is_some() {
        add(
            usage.reasoning,
            price.reasoning.as_ref().or(price.output.as_ref()),
        );
    }
    let mut usd = micro / 1e6;
    if let Some(k) = price.requests_kcount {
        usd += k / 1000.0;
    }
    Some((usd, partial))
}
