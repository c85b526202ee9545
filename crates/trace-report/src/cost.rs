//! Cost in US dollars of every LLM call, run and model, priced by `trace-prices` from the
//! normalized token buckets (input = all prompt tokens; cache read and writes are parts of it).
//!
//! A call's cost is `None` when its model has no price or its usage is unknown — never a
//! guessed 0. Sums keep count of what could not be priced, so a total says whether it is
//! complete (`partial` when some call was unpriced or priced without one of its rates).

use std::sync::{LazyLock, OnceLock, RwLock};

use rustc_hash::FxHashMap;
use trace_model::event::Tokens;
use trace_model::{NodeId, Sym, Trace};
use trace_prices::{Catalogue, Cost, ModelMatch, Usage};

/// The price catalogue's usage buckets of one call's tokens.
pub fn usage_of(t: &Tokens) -> Usage {
    let write_1h = t.cache_write_1h;
    Usage {
        input_total: t.input,
        cache_read: t.cache_read,
        cache_write_5m: match (t.cache_write, write_1h) {
            (Some(all), Some(h)) => Some(all.saturating_sub(h)),
            _ => None,
        },
        cache_write_1h: write_1h.filter(|_| t.cache_write.is_some()),
        // A write whose TTL is unknown is priced at the provider's default (5m) rate.
        cache_write: t.cache_write.filter(|_| write_1h.is_none()),
        output: t.output,
        reasoning: t.reasoning,
    }
}

/// What a set of calls cost: the priced sum, and how many calls had no price.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CostSum {
    /// Dollars of the priced calls.
    pub usd: f64,
    /// Calls that were priced.
    pub priced: u64,
    /// Calls with usage but no price (unknown model, inconsistent usage).
    pub unpriced: u64,
    /// Some priced call lacked the rate of one of its buckets.
    pub partial_rates: bool,
    /// What the producer itself reported for these calls (nano-dollars), and for how many.
    pub reported_nusd: u64,
    pub reported: u64,
}

impl CostSum {
    pub fn add(&mut self, c: Option<&Cost<'_>>, had_usage: bool) {
        match c {
            Some(c) => {
                self.usd += c.usd;
                self.priced += 1;
                self.partial_rates |= c.partial;
            }
            None if had_usage => self.unpriced += 1,
            None => {}
        }
    }

    /// Counts a call's producer-reported cost.
    pub fn add_reported(&mut self, nusd: Option<u64>) {
        if let Some(n) = nusd {
            self.reported_nusd = self.reported_nusd.saturating_add(n);
            self.reported += 1;
        }
    }

    /// The producer's own figure in dollars, `None` when no call reported one.
    pub fn reported_usd(&self) -> Option<f64> {
        (self.reported > 0).then(|| self.reported_nusd as f64 / 1e9)
    }

    pub fn add_sum(&mut self, o: &CostSum) {
        self.reported_nusd = self.reported_nusd.saturating_add(o.reported_nusd);
        self.reported += o.reported;
        self.usd += o.usd;
        self.priced += o.priced;
        self.unpriced += o.unpriced;
        self.partial_rates |= o.partial_rates;
    }

    /// The dollar figure, or `None` when nothing was priced.
    pub fn usd(&self) -> Option<f64> {
        (self.priced > 0).then_some(self.usd)
    }

    /// Whether the figure leaves something out.
    pub fn partial(&self) -> bool {
        self.partial_rates || (self.priced > 0 && self.unpriced > 0)
    }
}

/// The catalogue in use: `--prices FILE` when given, else the bundled genai-prices snapshot.
static CATALOGUE: OnceLock<&'static Catalogue> = OnceLock::new();

/// Uses `c` instead of the bundled catalogue (once per process, before the first price is
/// asked; it lives as long as the process, like the bundled one).
pub fn set_catalogue(c: Catalogue) -> bool {
    CATALOGUE.set(Box::leak(Box::new(c))).is_ok()
}

/// The bundled catalogue's date and commit, for `--version`.
pub fn catalogue_as_of_bundled() -> &'static str {
    trace_prices::bundled_as_of_text()
}

/// The catalogue prices come from.
pub fn catalogue() -> &'static Catalogue {
    CATALOGUE.get_or_init(Catalogue::bundled)
}

/// Model names already matched against the catalogue (each distinct name once, shared by the
/// threads that build a summary).
static MATCHES: LazyLock<RwLock<FxHashMap<String, Option<ModelMatch<'static>>>>> =
    LazyLock::new(RwLock::default);

fn model_match(name: &str) -> Option<ModelMatch<'static>> {
    if let Some(m) = MATCHES.read().ok().and_then(|m| m.get(name).copied()) {
        return m;
    }
    let m = catalogue().lookup(name, None);
    if let Ok(mut w) = MATCHES.write() {
        w.insert(name.to_owned(), m);
    }
    m
}

/// The cost of one LLM call, `None` if it has no usage or no price.
pub fn call_cost(trace: &Trace, id: NodeId) -> Option<Cost<'static>> {
    let n = trace.node(id);
    if !n.is_llm() {
        return None;
    }
    let tokens = trace.tokens(id)?;
    let model = trace.str(n.model()?);
    model_match(model)?.cost(&usage_of(&tokens), n.start_us().or(n.end_us()))
}

/// The cost of every LLM call under `root`, in total and by model name.
pub fn run_cost(trace: &Trace, root: NodeId) -> (CostSum, Vec<(Sym, CostSum)>) {
    run_cost_of(trace, &trace.preorder(root))
}

/// [`run_cost`] of the run whose pre-order is `order`.
pub fn run_cost_of(trace: &Trace, order: &[NodeId]) -> (CostSum, Vec<(Sym, CostSum)>) {
    run_cost_in(trace, order, true)
}

/// [`run_cost_of`], by model only with `per_model` (the list is empty otherwise).
pub(crate) fn run_cost_in(
    trace: &Trace,
    order: &[NodeId],
    per_model: bool,
) -> (CostSum, Vec<(Sym, CostSum)>) {
    let mut total = CostSum::default();
    let mut by_model: Vec<(Sym, CostSum)> = Vec::new();
    for &id in order {
        let n = trace.node(id);
        if !n.is_llm() || n.placeholder() {
            continue;
        }
        let had_usage = trace.tokens(id).is_some_and(|t| !t.is_empty());
        let c = call_cost(trace, id);
        let reported = trace.reported_cost_nusd(id);
        total.add(c.as_ref(), had_usage);
        total.add_reported(reported);
        if let Some(sym) = n.model().filter(|_| per_model) {
            let i = by_model
                .iter()
                .position(|(s, _)| *s == sym)
                .unwrap_or_else(|| {
                    by_model.push((sym, CostSum::default()));
                    by_model.len() - 1
                });
            by_model[i].1.add(c.as_ref(), had_usage);
            by_model[i].1.add_reported(reported);
        }
    }
    (total, by_model)
}
