//! The catalogue as read from genai-prices v2 JSON (`prices/new_data/v2/data.schema.json`) and its
//! compiled form: match clauses with their regexes built and their strings lowercased, price
//! records with only the token rates this crate uses (audio, image, video and web-search prices are
//! read past, since traces do not report those units).

use serde::Deserialize;

use crate::Error;
use crate::time;

/// One provider of the JSON file (fields not listed are ignored).
#[derive(Deserialize)]
struct RawProvider {
    id: String,
    #[serde(default)]
    provider_match: Option<RawClause>,
    #[serde(default)]
    model_match: Option<RawClause>,
    #[serde(default)]
    fallback_model_providers: Option<Vec<String>>,
    models: Vec<RawModel>,
}

#[derive(Deserialize)]
struct RawModel {
    id: String,
    #[serde(rename = "match")]
    matches: RawClause,
    #[serde(default)]
    name: Option<String>,
    prices: RawPrices,
}

/// genai-prices `MatchLogic`: an object with exactly one key naming the clause.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawClause {
    Equals(String),
    StartsWith(String),
    EndsWith(String),
    Contains(String),
    Regex(String),
    Or(Vec<RawClause>),
    And(Vec<RawClause>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawPrices {
    Conditional(Vec<RawConditional>),
    One(RawPrice),
}

#[derive(Deserialize)]
struct RawConditional {
    #[serde(default)]
    constraint: Option<RawConstraint>,
    prices: RawPrice,
}

#[derive(Deserialize)]
struct RawConstraint {
    #[serde(default)]
    start_date: Option<String>,
    #[serde(default)]
    start_time: Option<String>,
    #[serde(default)]
    end_time: Option<String>,
}

#[derive(Deserialize)]
struct RawPrice {
    input_mtok: Option<RawRate>,
    cache_read_mtok: Option<RawRate>,
    cache_write_mtok: Option<RawRate>,
    cache_write_1h_mtok: Option<RawRate>,
    output_mtok: Option<RawRate>,
    output_reasoning_mtok: Option<RawRate>,
    requests_kcount: Option<f64>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawRate {
    Flat(f64),
    Tiered { base: f64, tiers: Vec<RawTier> },
}

#[derive(Deserialize)]
struct RawTier {
    start: u64,
    price: f64,
}

/// A compiled match clause; strings are lowercased (genai-prices compares case-insensitively).
#[derive(Debug)]
pub(crate) enum Clause {
    Equals(String),
    StartsWith(String),
    EndsWith(String),
    Contains(String),
    Regex(Pattern),
    Or(Vec<Clause>),
    And(Vec<Clause>),
}

impl Clause {
    fn compile(&self) -> Result<(), Error> {
        match self {
            Clause::Regex(r) => r.compile(),
            Clause::Or(v) | Clause::And(v) => v.iter().try_for_each(Clause::compile),
            _ => Ok(()),
        }
    }

    /// Whether `text` (already lowercased) matches.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        match self {
            Clause::Equals(s) => text == s,
            Clause::StartsWith(s) => text.starts_with(s.as_str()),
            Clause::EndsWith(s) => text.ends_with(s.as_str()),
            Clause::Contains(s) => text.contains(s.as_str()),
            Clause::Regex(r) => r.regex().is_match(text),
            Clause::Or(v) => v.iter().any(|c| c.is_match(text)),
            Clause::And(v) => v.iter().all(|c| c.is_match(text)),
        }
    }
}

/// A catalogue regex, checked when the catalogue is read and compiled when first matched:
/// compiling them all cost 22 M instructions at every start, for the few a log's models
/// reach.
#[derive(Debug)]
pub(crate) struct Pattern {
    source: String,
    compiled: std::sync::OnceLock<regex::Regex>,
}

impl Pattern {
    /// The pattern if `regex-syntax` (the parser `regex` itself uses) accepts it.
    fn new(source: String) -> Result<Self, Error> {
        regex_syntax::Parser::new()
            .parse(&source)
            .map_err(|e| Error::Data(format!("regex {source:?}: {e}")))?;
        Ok(Self {
            source,
            compiled: std::sync::OnceLock::new(),
        })
    }

    /// Compiles now, reporting what `regex` refuses (a size limit).
    fn compile(&self) -> Result<(), Error> {
        let re = regex::Regex::new(&self.source)
            .map_err(|e| Error::Data(format!("regex {:?}: {e}", self.source)))?;
        let _ = self.compiled.set(re);
        Ok(())
    }

    fn regex(&self) -> &regex::Regex {
        self.compiled.get_or_init(|| {
            // Parsed above; only a size limit could fail here, and then nothing matches.
            regex::Regex::new(&self.source).unwrap_or_else(|_| {
                regex::Regex::new("[^\\s\\S]").expect("an empty class compiles")
            })
        })
    }
}

/// A USD-per-million rate, flat or tiered. Tiers are cliffs: the highest tier whose `start` the
/// call's total input exceeds prices all of that bucket's tokens.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rate {
    pub(crate) base: f64,
    /// `(start, price)`, ascending by start.
    pub(crate) tiers: Vec<(u64, f64)>,
}

impl Rate {
    /// The rate in force for a call with `input_total` prompt tokens (strictly above a tier's start).
    pub(crate) fn at(&self, input_total: u64) -> f64 {
        self.tiers
            .iter()
            .rev()
            .find(|(start, _)| input_total > *start)
            .map_or(self.base, |&(_, p)| p)
    }
}

/// One price record (genai-prices `ModelPrice`), only the units this crate prices.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Price {
    pub(crate) input: Option<Rate>,
    pub(crate) cache_read: Option<Rate>,
    pub(crate) cache_write: Option<Rate>,
    pub(crate) cache_write_1h: Option<Rate>,
    pub(crate) output: Option<Rate>,
    pub(crate) reasoning: Option<Rate>,
    /// USD per thousand requests (a per-call fee).
    pub(crate) requests_kcount: Option<f64>,
}

/// When a conditional price applies.
#[derive(Debug)]
pub(crate) enum Constraint {
    /// From this UTC day on (days since 1970-01-01).
    StartDate(i64),
    /// Daily UTC window `[start, end)` in seconds of the day; may wrap midnight.
    TimeOfDay(u32, u32),
    /// A constraint this crate does not understand: never active.
    Unknown,
}

#[derive(Debug)]
pub(crate) struct Model {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    pub(crate) matches: Clause,
    /// In file order; the last active one wins, else the first (genai-prices `get_prices`).
    pub(crate) prices: Vec<(Option<Constraint>, Price)>,
}

#[derive(Debug)]
#[allow(clippy::struct_field_names)] // the JSON's own names
pub(crate) struct Provider {
    pub(crate) id: String,
    pub(crate) provider_match: Option<Clause>,
    pub(crate) model_match: Option<Clause>,
    pub(crate) fallback: Vec<String>,
    pub(crate) models: Vec<Model>,
}

impl Provider {
    /// The first of this provider's models whose `match` accepts `model` (lowercased).
    pub(crate) fn find(&self, model: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.matches.is_match(model))
    }
}

/// Compiles every regex of `providers` now (a catalogue given by the user: its errors are
/// reported when it is read; the bundled one's are compiled when first matched, and a test
/// compiles them all).
pub(crate) fn compile(providers: &[Provider]) -> Result<(), Error> {
    providers
        .iter()
        .flat_map(|p| &p.models)
        .try_for_each(|m| m.matches.compile())
}

/// Parses genai-prices v2 `data.json` (a list of providers); regexes are checked, not
/// compiled ([`compile`]).
pub(crate) fn parse(json: &str) -> Result<Vec<Provider>, Error> {
    let raw: Vec<RawProvider> =
        serde_json::from_str(json).map_err(|e| Error::Json(e.to_string()))?;
    raw.into_iter().map(provider).collect()
}

fn provider(p: RawProvider) -> Result<Provider, Error> {
    let models = p
        .models
        .into_iter()
        .map(|m| model(&p.id, m))
        .collect::<Result<_, _>>()?;
    Ok(Provider {
        provider_match: p.provider_match.map(clause).transpose()?,
        model_match: p.model_match.map(clause).transpose()?,
        fallback: p.fallback_model_providers.unwrap_or_default(),
        id: p.id.to_lowercase(),
        models,
    })
}

fn model(provider: &str, m: RawModel) -> Result<Model, Error> {
    let prices = match m.prices {
        RawPrices::One(p) => vec![(None, price(p))],
        RawPrices::Conditional(list) => {
            if list.is_empty() {
                return Err(Error::Data(format!("{provider}/{}: empty prices", m.id)));
            }
            list.into_iter()
                .map(|c| {
                    let constraint = c.constraint.map(|k| constraint(&k));
                    (constraint, price(c.prices))
                })
                .collect()
        }
    };
    Ok(Model {
        matches: clause(m.matches)?,
        id: m.id,
        name: m.name,
        prices,
    })
}

fn clause(c: RawClause) -> Result<Clause, Error> {
    let all = |v: Vec<RawClause>| v.into_iter().map(clause).collect::<Result<Vec<_>, _>>();
    Ok(match c {
        RawClause::Equals(s) => Clause::Equals(s.to_lowercase()),
        RawClause::StartsWith(s) => Clause::StartsWith(s.to_lowercase()),
        RawClause::EndsWith(s) => Clause::EndsWith(s.to_lowercase()),
        RawClause::Contains(s) => Clause::Contains(s.to_lowercase()),
        RawClause::Regex(r) => Clause::Regex(Pattern::new(r)?),
        RawClause::Or(v) => Clause::Or(all(v)?),
        RawClause::And(v) => Clause::And(all(v)?),
    })
}

fn constraint(k: &RawConstraint) -> Constraint {
    if let Some(d) = k.start_date.as_deref() {
        return time::parse_date(d).map_or(Constraint::Unknown, Constraint::StartDate);
    }
    match (k.start_time.as_deref(), k.end_time.as_deref()) {
        (Some(s), Some(e)) => match (time::parse_time_of_day(s), time::parse_time_of_day(e)) {
            (Some(s), Some(e)) => Constraint::TimeOfDay(s, e),
            _ => Constraint::Unknown,
        },
        _ => Constraint::Unknown,
    }
}

fn price(p: RawPrice) -> Price {
    Price {
        input: p.input_mtok.map(rate),
        cache_read: p.cache_read_mtok.map(rate),
        cache_write: p.cache_write_mtok.map(rate),
        cache_write_1h: p.cache_write_1h_mtok.map(rate),
        output: p.output_mtok.map(rate),
        reasoning: p.output_reasoning_mtok.map(rate),
        requests_kcount: p.requests_kcount,
    }
}

fn rate(r: RawRate) -> Rate {
    match r {
        RawRate::Flat(base) => Rate {
            base,
            tiers: Vec::new(),
        },
        RawRate::Tiered { base, tiers } => {
            let mut tiers: Vec<(u64, f64)> =
                tiers.into_iter().map(|t| (t.start, t.price)).collect();
            tiers.sort_by_key(|t| t.0);
            Rate { base, tiers }
        }
    }
}
