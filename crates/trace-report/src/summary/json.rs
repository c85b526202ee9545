//! The `summary --json` document as typed `Serialize` structs, streamed to the writer: the
//! header (format, files, counts, diagnostics), `totals` (by model with cost, by status),
//! `exemplars` (by model and by tool; with `--detail` also by repeated scope name) and one
//! row per run ([`RunRow`]; with `--detail` a [`super::detail::DetailRow`]).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;

use trace_formats::Format;
use trace_formats::time::format_us;
use trace_model::exemplars::{Exemplars, NameGroups};
use trace_model::stats::TokenSum;
use trace_model::{Diagnostic, Trace};

use super::detail::DetailRow;
use super::exemplars::{ExemplarsOut, Groups};
use super::{Figures, RunFigures};
use crate::cost::CostSum;

/// A token sum as `summary --json` writes it (README, "summary --json"): `input` is all
/// prompt tokens, cached included; `cache_read`, `cache_write` (of which `cache_write_1h`)
/// and `uncached` are its parts; `output` includes `reasoning`. The finer buckets are
/// `null` when unknown, or (in a compact run row, `nulls` false) left out.
pub(crate) struct Tok<'a> {
    pub t: &'a TokenSum,
    pub nulls: bool,
}

impl Tok<'_> {
    /// The members in order: five always (a bucket no summed call reported is unknown:
    /// `null`, never 0), then the finer buckets when known or `nulls`.
    pub(crate) fn members(&self) -> impl Iterator<Item = (&'static str, Option<u64>)> {
        let t = self.t;
        let nulls = self.nulls;
        [
            ("input", t.known(TokenSum::INPUT)),
            ("output", t.known(TokenSum::OUTPUT)),
            ("total", t.known(0)),
            ("cache_read", t.known(TokenSum::CACHE_READ)),
            ("cache_write", t.known(TokenSum::CACHE_WRITE)),
        ]
        .into_iter()
        .chain(
            [
                ("cache_write_1h", t.cache_write_1h),
                ("uncached", t.uncached()),
                ("reasoning", t.reasoning),
            ]
            .into_iter()
            .filter(move |(_, v)| nulls || v.is_some()),
        )
    }
}

impl Serialize for Tok<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        for (k, v) in self.members() {
            m.serialize_entry(k, &v)?;
        }
        m.end()
    }
}

/// Milliseconds; a negative span (an end stamped before its start) shows as 0.
pub(crate) fn ms(us: Option<i64>) -> Option<f64> {
    us.map(|u| u.max(0) as f64 / 1000.0)
}

/// A dollar figure: rounded to a millionth of a cent (float sums carry noise), `None` when
/// nothing was priced.
pub(crate) fn usd(c: &CostSum) -> Option<f64> {
    c.usd().map(|usd| (usd * 1e8).round() / 1e8)
}

/// The producer's own figure for these calls (Relay, harn, ATIF), `None` when none reported.
pub(crate) fn reported_usd(c: &CostSum) -> Option<f64> {
    c.reported_usd().map(|usd| (usd * 1e8).round() / 1e8)
}

/// One run, compact: who, when, how long, what it did and cost.
#[derive(Serialize)]
pub(crate) struct RunRow<'a> {
    pub id: Cow<'a, str>,
    pub name: &'a str,
    /// Left out of a compact row when the document has one file (`files[0]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<&'a str>,
    pub status: &'static str,
    pub start: Option<String>,
    pub duration_ms: Option<f64>,
    pub scopes: u64,
    pub llm_calls: u64,
    pub tool_calls: u64,
    pub errors: u64,
    pub tokens: Tok<'a>,
    pub cost_usd: Option<f64>,
    pub cost_partial: bool,
    /// What the producer said the run cost; left out when it said nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reported_cost_usd: Option<f64>,
}

impl<'a> RunRow<'a> {
    pub fn of(trace: &'a Trace, f: &'a RunFigures<'_>, nulls: bool) -> Self {
        let s = &f.stats;
        RunRow {
            id: trace.ext_id(f.id),
            name: trace.str(trace.node(f.id).name),
            file: trace.any_src(f.id).map(|src| trace.file_name(src.file)),
            status: s.status().as_str(),
            start: s.start_us.map(format_us),
            duration_ms: ms(s.duration_us()),
            scopes: s.scopes,
            llm_calls: s.llm_calls,
            tool_calls: s.tool_calls,
            errors: s.errors,
            tokens: Tok {
                t: &s.tokens,
                nulls,
            },
            cost_usd: usd(&f.cost),
            cost_partial: f.cost.partial(),
            reported_cost_usd: reported_usd(&f.cost),
        }
    }
}

#[derive(Serialize)]
struct Diag<'a> {
    file: &'a str,
    line: u64,
    error: &'a str,
}

fn diags<'a>(trace: &'a Trace, ds: &'a [Diagnostic]) -> Vec<Diag<'a>> {
    ds.iter()
        .map(|d| Diag {
            file: trace.file_name(d.file),
            line: d.line,
            error: &d.message,
        })
        .collect()
}

#[derive(Serialize)]
struct ModelRow<'a> {
    #[serde(flatten)]
    tokens: Tok<'a>,
    calls: u64,
    cost_usd: Option<f64>,
    cost_partial: bool,
    reported_cost_usd: Option<f64>,
}

#[derive(Serialize)]
struct TotalsOut<'a> {
    runs: u64,
    llm_calls: u64,
    tool_calls: u64,
    errors: u64,
    tokens: Tok<'a>,
    cost_usd: Option<f64>,
    cost_partial: bool,
    reported_cost_usd: Option<f64>,
    prices: &'a str,
    by_model: BTreeMap<&'a str, ModelRow<'a>>,
    by_status: BTreeMap<&'static str, u64>,
}

/// The runs, one row each, built as they are written.
struct Runs<'a> {
    trace: &'a Trace,
    figures: &'a Figures<'a>,
    /// Compact rows leave out the file when every run is in the document's one file.
    one_file: bool,
    /// Written after the rest by [`write_summary_json`], not through serde.
    streamed: bool,
}

impl Runs<'_> {
    fn streamed(&self) -> bool {
        self.streamed
    }

    /// One run's row: compact, or with `--detail` its figures.
    fn row<S: Serializer>(&self, f: &RunFigures<'_>, s: S) -> Result<S::Ok, S::Error> {
        if let Some(d) = &f.detail {
            DetailRow::of(self.trace, f, d).serialize(s)
        } else {
            self.compact(f).serialize(s)
        }
    }

    /// A run's compact row; without its file when the document has one.
    fn compact<'f>(&'f self, f: &'f RunFigures<'_>) -> RunRow<'f> {
        let mut row = RunRow::of(self.trace, f, false);
        if self.one_file {
            row.file = None;
        }
        row
    }

    /// The rows, comma-separated, in batches: serialized where they are computed (both
    /// cores), then copied out whole.
    fn write(&self, out: &mut dyn Write) -> serde_json::Result<()> {
        let write_row = |f: &RunFigures<'_>, buf: &mut Vec<u8>| {
            if f.detail.is_some() {
                self.row(f, &mut serde_json::Serializer::new(buf))
            } else {
                self.compact(f).write_compact(buf)
            }
        };
        let mut first = true;
        self.figures.row_batches(self.trace, write_row, |batch| {
            let sep: &[u8] = if std::mem::take(&mut first) {
                b""
            } else {
                b","
            };
            out.write_all(sep)
                .and_then(|()| out.write_all(batch))
                .map_err(serde_json::Error::io)
        })
    }
}

/// A run's row through another serializer.
struct Row<'r, 'a>(&'r Runs<'a>, &'r RunFigures<'r>);

impl Serialize for Row<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.row(self.1, s)
    }
}

impl Serialize for Runs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.figures.len()))?;
        self.figures
            .each_run(self.trace, |f| seq.serialize_element(&Row(self, f)))?;
        seq.end()
    }
}

#[derive(Serialize)]
struct Doc<'a> {
    format: String,
    files: &'a [String],
    events: u64,
    skipped_lines: u64,
    loose_marks: usize,
    diagnostics: Vec<Diag<'a>>,
    warnings_count: u64,
    warnings: Vec<Diag<'a>>,
    totals: TotalsOut<'a>,
    exemplars: ExemplarsOut<'a>,
    #[serde(skip_serializing_if = "Runs::streamed")]
    runs: Runs<'a>,
}

/// Runs' figures and exemplars, computed at once on both cores' worth of threads.
fn compute(trace: &Trace, detail: bool) -> (Figures<'_>, Exemplars) {
    let names = if detail {
        NameGroups::Repeated
    } else {
        NameGroups::None
    };
    std::thread::scope(|scope| {
        let ex = scope.spawn(|| trace.exemplars_with(names));
        let runs = super::figures(trace, detail);
        (
            runs,
            ex.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        )
    })
}

/// Serializes the document over computed figures with `write`.
fn with_doc<R>(
    trace: &Trace,
    formats: &[Format],
    figures: &Figures<'_>,
    ex: &Exemplars,
    detail: bool,
    streamed: bool,
    write: impl FnOnce(&Doc<'_>) -> R,
) -> R {
    let totals = &figures.totals;
    let cost = figures.cost;
    let mut cost_by_model: BTreeMap<&str, CostSum> = BTreeMap::new();
    for (sym, c) in &figures.cost_by_model {
        cost_by_model.entry(trace.str(*sym)).or_default().add_sum(c);
    }
    let by_model = totals
        .by_model
        .iter()
        .map(|(m, s)| {
            let c = cost_by_model.get(m.as_str()).copied().unwrap_or_default();
            let row = ModelRow {
                tokens: Tok {
                    t: &s.tokens,
                    nulls: true,
                },
                calls: s.calls,
                cost_usd: usd(&c),
                cost_partial: c.partial(),
                reported_cost_usd: reported_usd(&c),
            };
            (m.as_str(), row)
        })
        .collect();
    let doc = Doc {
        format: formats
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(","),
        files: trace.files(),
        events: trace.events,
        skipped_lines: trace.skipped,
        loose_marks: trace.loose_marks().count(),
        diagnostics: diags(trace, trace.diagnostics()),
        warnings_count: trace.warnings_count,
        warnings: diags(trace, trace.warnings()),
        totals: TotalsOut {
            runs: totals.runs,
            llm_calls: totals.llm_calls,
            tool_calls: totals.tool_calls,
            errors: totals.errors,
            tokens: Tok {
                t: &totals.tokens,
                nulls: true,
            },
            cost_usd: usd(&cost),
            cost_partial: cost.partial(),
            reported_cost_usd: reported_usd(&cost),
            prices: crate::cost::catalogue().as_of(),
            by_model,
            by_status: totals
                .by_status
                .iter()
                .map(|(k, v)| (k.as_str(), *v))
                .collect(),
        },
        exemplars: ExemplarsOut {
            by_model: Groups {
                trace,
                groups: &ex.by_model,
            },
            by_tool: Groups {
                trace,
                groups: &ex.by_tool,
            },
            by_name: detail.then_some(Groups {
                trace,
                groups: &ex.by_name,
            }),
        },
        runs: Runs {
            trace,
            figures,
            one_file: trace.files().len() == 1,
            streamed,
        },
    };
    write(&doc)
}

/// Writes the `summary --json` document, compact, terminal controls escaped (README,
/// "summary --json"). Without `detail`, one compact row per run; with it, each run's critical
/// path, self time and own tokens, and exemplars by repeated scope name.
pub fn write_summary_json(
    out: &mut dyn Write,
    trace: &Trace,
    formats: &[Format],
    detail: bool,
) -> io::Result<()> {
    let (figures, ex) = compute(trace, detail);
    let mut escaping = crate::escape::EscapingWriter::new(out);
    {
        // serde_json writes in small pieces; escape them in large ones.
        let mut buf = BufWriter::with_capacity(1 << 16, &mut escaping);
        with_doc(trace, formats, &figures, &ex, detail, true, |doc| {
            // Everything but the runs through serde; the runs, the document's last member,
            // are left out of it and written in its place, row batches straight from the
            // workers.
            let mut head = serde_json::to_vec(doc)?;
            debug_assert_eq!(head.last(), Some(&b'}'));
            head.pop();
            buf.write_all(&head)?;
            buf.write_all(b",\"runs\":[")?;
            doc.runs.write(&mut buf)?;
            buf.write_all(b"]}")
        })?;
        buf.write_all(b"\n")?;
        buf.flush()?;
    }
    escaping.flush()
}

/// The default document as a value (what `summary --json` prints, before escaping).
pub fn summary_json(trace: &Trace, formats: &[Format]) -> Value {
    to_value(trace, formats, false)
}

/// The `summary --json --detail` document as a value.
pub fn summary_json_detail(trace: &Trace, formats: &[Format]) -> Value {
    to_value(trace, formats, true)
}

fn to_value(trace: &Trace, formats: &[Format], detail: bool) -> Value {
    let (figures, ex) = compute(trace, detail);
    with_doc(trace, formats, &figures, &ex, detail, false, |doc| {
        serde_json::to_value(doc).expect("the summary serializes")
    })
}
