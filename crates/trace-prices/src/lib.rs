//! LLM call cost in US dollars from the pydantic **genai-prices** v2 catalogue.
//!
//! This crate owns the price catalogue and everything between a model name plus a token usage
//! and a dollar figure: the bundled data (`data/genai-prices-v2.json`, MIT, provenance in
//! `data/README.md`), its parsing ([`Catalogue::from_json`] for a user's `--prices FILE`), model
//! matching (genai-prices' own `match` rules plus the pre-lookup steps of TOKENS.md §2.2, see
//! [`lookup`](crate::Catalogue::lookup)), and pricing (TOKENS.md §1.6: cache read and 5m/1h
//! writes, cliff tiers chosen by the total input, prices dated by the call's time, reasoning at
//! its own rate where the catalogue has one).
//!
//! It does **no IO and reads no clock**: the bundled JSON is embedded with `include_str!` and
//! parsed once, lazily; a custom file is read by the caller and handed over as text; the call's
//! time is a parameter (epoch µs), and without it the latest dated price is used.
//!
//! Pricing rules where the sources leave a choice:
//! - a model the catalogue does not know, or one priced only in other units, is `None`: never a
//!   guessed 0;
//! - inconsistent usage (cache parts above `input_total`, reasoning above output) is not priced:
//!   `None`, and [`Usage::check`] says why;
//! - reported tokens whose rate the record lacks are left out and the cost is marked
//!   [`Cost::partial`] (genai-prices would bill them at the parent bucket's rate; trace-tui shows a
//!   lower bound instead of a guess).
//!
//! Refreshing the data: `crates/trace-prices/data/refresh.sh` (needs network) downloads the newest
//! `prices/new_data/v2/data.json` from its pinned raw URL, checks it parses, prints the model counts
//! and rewrites the provenance (`data/README.md`, `data/as-of.txt`).

mod data;
mod lookup;
mod price;
mod time;

use std::sync::LazyLock;

pub use price::{Cost, Inconsistent, Usage};

/// The bundled catalogue file.
const BUNDLED_JSON: &str = include_str!("../data/genai-prices-v2.json");
/// `<commit> <date>` of the bundled snapshot (the data itself carries no date).
const BUNDLED_AS_OF: &str = include_str!("../data/as-of.txt");

static BUNDLED: LazyLock<Catalogue> = LazyLock::new(|| {
    let providers = data::parse(BUNDLED_JSON).expect("the bundled catalogue parses");
    Catalogue {
        providers,
        as_of: BUNDLED_AS_OF_TEXT.clone(),
    }
});

/// Every regex of the bundled catalogue compiles (they are compiled when first matched).
#[test]
fn the_bundled_regexes_compile() {
    let providers = data::parse(BUNDLED_JSON).unwrap();
    data::compile(&providers).unwrap();
}

static BUNDLED_AS_OF_TEXT: LazyLock<String> = LazyLock::new(bundled_as_of);

/// What [`Catalogue::bundled`]'s [`as_of`](Catalogue::as_of) says, without parsing the
/// catalogue (`--version` and `--help` need only this).
pub fn bundled_as_of_text() -> &'static str {
    &BUNDLED_AS_OF_TEXT
}

fn bundled_as_of() -> String {
    let mut parts = BUNDLED_AS_OF.split_whitespace();
    let commit = parts.next().unwrap_or("unknown");
    let date = parts.next().unwrap_or("undated");
    format!(
        "genai-prices {date} ({})",
        commit.get(..12).unwrap_or(commit)
    )
}

/// A catalogue that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// Not JSON, or not the genai-prices v2 shape (a list of providers with models).
    #[error("price catalogue: {0}")]
    Json(String),
    /// JSON of the right shape with an unusable value (a bad regex, an empty price list).
    #[error("price catalogue: {0}")]
    Data(String),
}

/// A parsed price catalogue.
#[derive(Debug)]
pub struct Catalogue {
    providers: Vec<data::Provider>,
    as_of: String,
}

/// A model found in the catalogue; price usages with it without matching the name again.
#[derive(Debug, Clone, Copy)]
pub struct ModelMatch<'a> {
    provider: &'a data::Provider,
    model: &'a data::Model,
}

impl Catalogue {
    /// The catalogue bundled with this build (parsed on first use).
    pub fn bundled() -> &'static Catalogue {
        &BUNDLED
    }

    /// Parses a genai-prices v2 `data.json` (the caller reads the file).
    pub fn from_json(json: &str) -> Result<Catalogue, Error> {
        let providers = data::parse(json)?;
        data::compile(&providers)?;
        Ok(Catalogue {
            providers,
            as_of: "custom catalogue".to_string(),
        })
    }

    /// Names the data for `--version` / `--help`, e.g. `genai-prices 2026-08-21 (47df840a5ab1)`;
    /// `custom catalogue` for [`from_json`](Self::from_json) data unless [`with_as_of`](Self::with_as_of) set it.
    pub fn as_of(&self) -> &str {
        &self.as_of
    }

    /// Sets the text [`as_of`](Self::as_of) returns (e.g. the custom file's name).
    #[must_use]
    pub fn with_as_of(mut self, as_of: impl Into<String>) -> Catalogue {
        self.as_of = as_of.into();
        self
    }

    /// Number of providers.
    pub fn provider_count(&self) -> usize {
        self.providers.len()
    }

    /// Number of models, over all providers.
    pub fn model_count(&self) -> usize {
        self.providers.iter().map(|p| p.models.len()).sum()
    }

    /// Finds the model a trace's model string names. `provider` is the trace's provider or system
    /// name if it has one (`anthropic`, `openai`, `aws.bedrock`, `gcp.vertex_ai`, `azure`, …).
    /// The rules are in the `lookup` module doc (TOKENS.md §2.2).
    pub fn lookup(&self, model: &str, provider: Option<&str>) -> Option<ModelMatch<'_>> {
        lookup::find(&self.providers, model, provider)
            .map(|(provider, model)| ModelMatch { provider, model })
    }

    /// The cost of one call: [`lookup`](Self::lookup), then [`ModelMatch::cost`].
    pub fn cost(
        &self,
        model: &str,
        provider: Option<&str>,
        usage: &Usage,
        ts_us: Option<i64>,
    ) -> Option<Cost<'_>> {
        self.lookup(model, provider)?.cost(usage, ts_us)
    }
}

impl<'c> ModelMatch<'c> {
    /// The catalogue model's id (e.g. `claude-sonnet-4-5`).
    pub fn model_id(&self) -> &str {
        &self.model.id
    }

    /// The catalogue model's display name, if it has one.
    pub fn model_name(&self) -> Option<&str> {
        self.model.name.as_deref()
    }

    /// The catalogue provider whose record matched (e.g. `anthropic`, `aws`).
    pub fn provider_id(&self) -> &str {
        &self.provider.id
    }

    /// Prices one call made at `ts_us` (epoch microseconds; `None`: the latest price). `None` when
    /// the usage reports nothing or is inconsistent ([`Usage::check`]), or the record has no token
    /// rates.
    pub fn cost(&self, usage: &Usage, ts_us: Option<i64>) -> Option<Cost<'c>> {
        let record = price::price_at(self.model, ts_us);
        let (usd, partial) = price::cost(record, usage)?;
        Some(Cost {
            usd,
            partial,
            model_id: &self.model.id,
            provider: &self.provider.id,
        })
    }
}
