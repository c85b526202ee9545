//! A run's `--detail` figures: the largest steps of its critical path, its own time and
//! tokens, its whole subtree's tokens, end time and scope counters, written as one
//! [`DetailRow`] (the compact row's fields and these).

use std::borrow::Cow;

use serde::Serialize;

use trace_formats::time::format_us;
use trace_model::event::Category;
use trace_model::stats::{RunStats, TokenSum};
use trace_model::{NodeId, Trace};

use super::RunFigures;
use super::json::{RunRow, Tok, ms};

/// Critical-path steps listed per run with `--detail` (the largest by self time).
pub const CRITICAL_STEPS: usize = 5;

/// One step of a run's critical path.
#[derive(Serialize)]
pub(crate) struct Step<'t> {
    id: Cow<'t, str>,
    name: &'t str,
    category: Option<&'t str>,
    self_ms: f64,
    share: Option<f64>,
}

/// What `--detail` adds to a run's row, computed with the run's other figures.
pub(crate) struct RunDetail<'t> {
    critical_path_ms: Option<f64>,
    critical_path: Vec<Step<'t>>,
    self_time_ms: Option<f64>,
    tokens_self: Option<TokenSum>,
}

impl<'t> RunDetail<'t> {
    pub fn of(trace: &'t Trace, id: NodeId, s: &RunStats) -> Self {
        let cp = trace.critical_path_with(id, s);
        let wall = s
            .duration_us()
            .or((cp.length_us > 0).then_some(cp.length_us));
        // The biggest steps only, in time order: the full path of every run would make the
        // document of a gigabyte log larger than the log's index.
        let mut top: Vec<&trace_model::critical::PathStep> =
            cp.steps.iter().filter(|st| st.self_us > 0).collect();
        top.sort_by_key(|st| std::cmp::Reverse(st.self_us));
        top.truncate(CRITICAL_STEPS);
        top.sort_by_key(|st| (st.start_us, std::cmp::Reverse(st.end_us), st.node));
        let critical_path = top
            .iter()
            .map(|st| Step {
                id: trace.ext_id(st.node),
                name: trace.str(trace.node(st.node).name),
                category: trace.category(st.node).map(Category::as_str),
                self_ms: st.self_us as f64 / 1000.0,
                share: wall
                    .filter(|w| *w > 0)
                    .map(|w| (st.self_us as f64 / w as f64 * 1e4).round() / 1e4),
            })
            .collect();
        RunDetail {
            critical_path_ms: (cp.length_us > 0 || !cp.steps.is_empty())
                .then(|| cp.length_us as f64 / 1000.0),
            critical_path,
            self_time_ms: ms(trace.self_time_us(id)),
            // The root's own share: a cumulative report on a non-LLM root minus what its
            // children account for, so tokens_self + the children's sums = tokens_subtree.
            tokens_self: trace_model::analysis::self_tokens(trace, id).map(|t| {
                let mut sum = TokenSum::default();
                sum.add(&t);
                sum
            }),
        }
    }
}

/// A run's row with `--detail`: every compact field, then the detail.
#[derive(Serialize)]
pub(crate) struct DetailRow<'a> {
    #[serde(flatten)]
    row: RunRow<'a>,
    end: Option<String>,
    marks: u64,
    open_scopes: u64,
    incomplete_scopes: u64,
    critical_path_ms: Option<f64>,
    critical_path: &'a [Step<'a>],
    self_time_ms: Option<f64>,
    tokens_self: Option<Tok<'a>>,
    tokens_subtree: Tok<'a>,
}

impl<'a> DetailRow<'a> {
    pub fn of(trace: &'a Trace, f: &'a RunFigures<'a>, d: &'a RunDetail<'a>) -> Self {
        let s = &f.stats;
        DetailRow {
            row: RunRow::of(trace, f, true),
            end: s.end_us.map(format_us),
            marks: s.marks,
            open_scopes: s.open_scopes,
            incomplete_scopes: s.incomplete_scopes,
            critical_path_ms: d.critical_path_ms,
            critical_path: &d.critical_path,
            self_time_ms: d.self_time_ms,
            tokens_self: d.tokens_self.as_ref().map(|t| Tok { t, nulls: true }),
            tokens_subtree: Tok {
                t: &s.tokens,
                nulls: true,
            },
        }
    }
}
