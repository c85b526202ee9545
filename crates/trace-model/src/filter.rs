//! Filter expressions over runs and scopes: `model:gpt-4.1* status:error dur>2s name~plan`.
//!
//! Space-separated terms, all of which must hold (AND). A leading `-` negates a term; values
//! with spaces go in double quotes (`name~"two words"`, `\"` and `\\` escape inside them).
//!
//! | term | a node matches when |
//! |---|---|
//! | `model:P` | its model matches pattern `P` |
//! | `tool:P` | it is a tool call whose name matches `P` |
//! | `name:P` | its name matches `P` |
//! | `category:P` (`cat:`) | its category matches `P` |
//! | `name~S`, bare `S` | its name contains `S`, ignoring case |
//! | `status:ok\|error\|incomplete\|open`, bare `error` | its own state (see below) |
//! | `dur>2s` (`>`, `>=`, `<`, `<=`, `=`; `µs`/`us`, `ms`, `s`, `m`, `h`) | it is a scope whose wall time is known and compares |
//! | `tokens>10k`, `in>…`, `out>…` (`k`, `M` suffixes) | its own reported total/input/output tokens compare |
//! | `text~S` (`payload~S`) | its start or end record, as written in the file, contains `S`, ignoring case |
//!
//! `text~` is the one term the model cannot decide alone: the records stay on disk, so the
//! caller passes a [`RecordText`] that reads them (`matches_node_with`, `matches_run_with`);
//! without one (`matches_node`, `matches_run`) a `text~` term matches nothing.
//!
//! Patterns `P` match the WHOLE value, ignoring ASCII case, with `*` standing for any run of
//! characters: `model:gpt-4.1` is exactly gpt-4.1 (not gpt-4.1-mini), `model:gpt-4.1*` is both.
//! Exact by default because model families share prefixes and a substring match could not
//! ask for one model alone; `*` gives the wider match when it is wanted.
//!
//! A node's status: `error` = it reported an error; `open`/`incomplete` = started and not
//! ended (containers excluded, their end comes from children); `ok` = neither. Node matching
//! reads only the node itself (O(1)), so the explorer can test events as they arrive.
//!
//! A run matches ([`Filter::matches_run`]) when its status satisfies every `status:` term
//! (`open` and `incomplete` both mean incomplete there) and some node of the run satisfies
//! all the other terms together. For the run's root node, `dur` and `tokens` use the run's
//! wall time and token total, so `tokens>10k` also finds runs that spent 10k in many calls.

mod parse;

use std::fmt;

use super::stats::{RunStats, RunStatus};
use super::{NodeId, NodeKind, Trace};

/// A parsed filter: terms ANDed. The empty filter matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    terms: Vec<Term>,
}

/// One term, possibly negated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub negated: bool,
    pub pred: Pred,
}

/// What a term tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pred {
    Model(Pattern),
    Tool(Pattern),
    Name(Pattern),
    Category(Pattern),
    /// Case-insensitive substring of the name; holds the lowercased needle.
    NameContains(String),
    Status(StatusWord),
    Duration(Cmp, i64),
    Tokens(TokenField, Cmp, u64),
    /// Case-insensitive substring of the node's records; holds the lowercased needle.
    Text(String),
}

/// Reads whether a node's records contain a lowercased needle (the records live in the
/// files, which the model does not read).
pub trait RecordText {
    fn contains(&self, trace: &Trace, id: NodeId, needle: &str) -> bool;
}

/// No records to read: `text~` matches nothing.
pub struct NoRecords;

impl RecordText for NoRecords {
    fn contains(&self, _: &Trace, _: NodeId, _: &str) -> bool {
        false
    }
}

/// The values of `status:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusWord {
    Ok,
    Error,
    Incomplete,
    Open,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
}

/// Which token count a `tokens`/`in`/`out` term reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenField {
    Total,
    Input,
    Output,
}

/// A whole-value pattern, case-insensitive, where `*` matches any run of characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    raw: String,
    lower: String,
}

/// A term that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad filter term {term:?} at column {}: {message}", pos + 1)]
pub struct FilterError {
    /// 0-based character offset of the term in the input.
    pub pos: usize,
    /// The term as typed.
    pub term: String,
    pub message: String,
}

impl Pattern {
    /// A pattern from its text as typed.
    pub fn new(raw: &str) -> Self {
        Self {
            raw: raw.to_owned(),
            lower: raw.to_lowercase(),
        }
    }

    /// Whether `s` matches as a whole.
    pub fn matches(&self, s: &str) -> bool {
        let lowered;
        let s = if s.bytes().any(|b| b.is_ascii_uppercase()) || !s.is_ascii() {
            lowered = s.to_lowercase();
            lowered.as_str()
        } else {
            s
        };
        let mut parts = self.lower.split('*');
        let first = parts.next().unwrap_or("");
        let Some(mut rest) = s.strip_prefix(first) else {
            return false;
        };
        let mut parts: Vec<&str> = parts.collect();
        let Some(last) = parts.pop() else {
            return rest.is_empty();
        };
        for p in parts {
            match rest.find(p) {
                Some(i) => rest = &rest[i + p.len()..],
                None => return false,
            }
        }
        rest.len() >= last.len() && rest.ends_with(last)
    }
}

impl Cmp {
    fn test<T: PartialOrd + Copy>(self, a: T, b: T) -> bool {
        match self {
            Self::Gt => a > b,
            Self::Ge => a >= b,
            Self::Lt => a < b,
            Self::Le => a <= b,
            Self::Eq => a == b,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Eq => "=",
        }
    }
}

impl Pred {
    /// Decided by the run's status in [`Filter::matches_run`], not by any one node.
    fn is_run_level(&self) -> bool {
        matches!(self, Self::Status(_))
    }

    /// `run` is the run's figures when `n` is the root of the run being matched.
    fn test(
        &self,
        trace: &Trace,
        id: NodeId,
        run: Option<&RunStats>,
        records: &dyn RecordText,
    ) -> bool {
        let n = trace.node(id);
        if n.placeholder() {
            return false;
        }
        let open = (n.is_open() && !n.container()) || trace.incomplete(id).is_some();
        match self {
            Self::Model(p) => n.model().is_some_and(|m| p.matches(trace.str(m))),
            Self::Tool(p) => n.is_tool() && p.matches(trace.str(n.name)),
            Self::Name(p) => p.matches(trace.str(n.name)),
            Self::Category(p) => trace.category(id).is_some_and(|c| p.matches(c.as_str())),
            Self::NameContains(s) => contains_ci(trace.str(n.name), s),
            Self::Text(s) => records.contains(trace, id, s),
            Self::Status(StatusWord::Error) => n.has_error(),
            Self::Status(StatusWord::Open | StatusWord::Incomplete) => open,
            Self::Status(StatusWord::Ok) => !n.has_error() && !open,
            // Marks are points in time, not zero-length scopes: no duration to compare.
            Self::Duration(cmp, v) => {
                n.kind == NodeKind::Scope
                    && run
                        .map_or_else(|| n.duration_us(), RunStats::duration_us)
                        .is_some_and(|d| cmp.test(d, *v))
            }
            Self::Tokens(field, cmp, v) => {
                let got = match run {
                    Some(s) => Some(match field {
                        TokenField::Total => s.tokens.total,
                        TokenField::Input => s.tokens.input,
                        TokenField::Output => s.tokens.output,
                    }),
                    None => trace.tokens(id).and_then(|t| match field {
                        TokenField::Total => Some(t.total_or_sum()),
                        TokenField::Input => t.input,
                        TokenField::Output => t.output,
                    }),
                };
                got.is_some_and(|g| cmp.test(g, *v))
            }
        }
    }

    fn test_run(&self, status: RunStatus) -> bool {
        match self {
            Self::Status(StatusWord::Ok) => status == RunStatus::Ok,
            Self::Status(StatusWord::Error) => status == RunStatus::Error,
            Self::Status(StatusWord::Open | StatusWord::Incomplete) => {
                status == RunStatus::Incomplete
            }
            _ => true,
        }
    }
}

/// ASCII-case-insensitive substring test; `needle` is already lowercase.
fn contains_ci(hay: &str, needle: &str) -> bool {
    if hay.is_ascii() && needle.is_ascii() {
        let (h, n) = (hay.as_bytes(), needle.as_bytes());
        n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
    } else {
        hay.to_lowercase().contains(needle)
    }
}

impl Filter {
    /// Parses a filter expression; see the module docs for the grammar.
    pub fn parse(input: &str) -> Result<Self, FilterError> {
        parse::parse(input).map(|terms| Self { terms })
    }

    /// A filter from already-built terms.
    pub fn from_terms(terms: Vec<Term>) -> Self {
        Self { terms }
    }

    /// The terms, in input order.
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// True when there are no terms (everything matches).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether one node matches every term, judged on the node alone (O(1); `text~` terms
    /// match nothing).
    pub fn matches_node(&self, trace: &Trace, id: NodeId) -> bool {
        self.matches_node_with(trace, id, &NoRecords)
    }

    /// [`Filter::matches_node`], reading records for `text~` terms through `records`.
    pub fn matches_node_with(&self, trace: &Trace, id: NodeId, records: &dyn RecordText) -> bool {
        self.terms
            .iter()
            .all(|t| t.pred.test(trace, id, None, records) != t.negated)
    }

    /// Whether some term reads records (`text~`): matching then costs file reads.
    pub fn reads_records(&self) -> bool {
        self.terms.iter().any(|t| matches!(t.pred, Pred::Text(_)))
    }

    /// Whether the run under `root` matches: its status satisfies the `status:` terms and
    /// some node satisfies all other terms (the root standing for the whole run's time and
    /// tokens). Walks the run once.
    pub fn matches_run(&self, trace: &Trace, root: NodeId) -> bool {
        self.matches_run_with(trace, root, &NoRecords)
    }

    /// [`Filter::matches_run`], reading records for `text~` terms through `records`.
    pub fn matches_run_with(&self, trace: &Trace, root: NodeId, records: &dyn RecordText) -> bool {
        if self.terms.is_empty() {
            return true;
        }
        let stats = trace.run_stats(root);
        let status = stats.status();
        let (run_terms, node_terms): (Vec<&Term>, Vec<&Term>) =
            self.terms.iter().partition(|t| t.pred.is_run_level());
        if !run_terms
            .iter()
            .all(|t| t.pred.test_run(status) != t.negated)
        {
            return false;
        }
        if node_terms.is_empty() {
            return true;
        }
        trace.preorder(root).into_iter().any(|id| {
            let run = (id == root).then_some(&stats);
            node_terms
                .iter()
                .all(|t| t.pred.test(trace, id, run, records) != t.negated)
        })
    }
}

/// Quotes a value when it would not survive re-parsing bare.
fn write_value(f: &mut fmt::Formatter<'_>, v: &str) -> fmt::Result {
    if !v.is_empty() && !v.starts_with('"') && !v.chars().any(char::is_whitespace) {
        return f.write_str(v);
    }
    f.write_str("\"")?;
    for c in v.chars() {
        if matches!(c, '"' | '\\') {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}

fn write_duration(f: &mut fmt::Formatter<'_>, us: i64) -> fmt::Result {
    for (unit, size) in [("h", 3_600_000_000), ("m", 60_000_000), ("s", 1_000_000)] {
        if us != 0 && us % size == 0 {
            return write!(f, "{}{unit}", us / size);
        }
    }
    if us % 1000 == 0 {
        write!(f, "{}ms", us / 1000)
    } else {
        write!(f, "{us}µs")
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negated {
            f.write_str("-")?;
        }
        match &self.pred {
            Pred::Model(p) => {
                f.write_str("model:")?;
                write_value(f, &p.raw)
            }
            Pred::Tool(p) => {
                f.write_str("tool:")?;
                write_value(f, &p.raw)
            }
            Pred::Name(p) => {
                f.write_str("name:")?;
                write_value(f, &p.raw)
            }
            Pred::Category(p) => {
                f.write_str("category:")?;
                write_value(f, &p.raw)
            }
            Pred::NameContains(s) => {
                f.write_str("name~")?;
                write_value(f, s)
            }
            Pred::Text(s) => {
                f.write_str("text~")?;
                write_value(f, s)
            }
            Pred::Status(s) => f.write_str(match s {
                StatusWord::Ok => "status:ok",
                StatusWord::Error => "status:error",
                StatusWord::Incomplete => "status:incomplete",
                StatusWord::Open => "status:open",
            }),
            Pred::Duration(cmp, us) => {
                write!(f, "dur{}", cmp.as_str())?;
                write_duration(f, *us)
            }
            Pred::Tokens(field, cmp, n) => {
                let key = match field {
                    TokenField::Total => "tokens",
                    TokenField::Input => "in",
                    TokenField::Output => "out",
                };
                write!(f, "{key}{}", cmp.as_str())?;
                match *n {
                    n if n != 0 && n % 1_000_000 == 0 => write!(f, "{}M", n / 1_000_000),
                    n if n != 0 && n % 1000 == 0 => write!(f, "{}k", n / 1000),
                    n => write!(f, "{n}"),
                }
            }
        }
    }
}

/// The canonical form, for the status bar: terms in input order, one space apart.
impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{t}")?;
        }
        Ok(())
    }
}
