//! Figures for the tokens and latency view, computed when that view is shown and the trace
//! or the selected run changed (never while drawing).

use std::collections::BTreeMap;

use trace_model::critical::PathStep;
use trace_model::query::{LatencyRow, latency_top};
use trace_model::stats::UNKNOWN_MODEL;
use trace_model::text::clean;
use trace_model::{NodeId, Trace};

/// Buckets of the cumulative-tokens sparkline.
pub const CUMULATIVE_BUCKETS: usize = 240;
/// Calls kept in the per-call bar list and the slowest list.
const TOP_CALLS: usize = 64;
/// Latency groups kept per table (slowest p95 first); a log with a million distinct tool
/// names would otherwise make a table no one scrolls and a draw that measures every label.
pub const TOP_GROUPS: usize = 500;

/// One bar: label, value, and calls behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub value: u64,
    pub calls: u64,
}

/// Everything the tokens view draws.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsView {
    pub run: Option<NodeId>,
    pub file_by_model: Vec<Bar>,
    pub run_by_model: Vec<Bar>,
    /// The run's LLM calls in time order (first [`TOP_CALLS`]).
    pub run_calls: Vec<Bar>,
    /// Cumulative run tokens at evenly spaced times.
    pub cumulative: Vec<u64>,
    pub run_span_us: i64,
    pub latency_by_model: Vec<LatencyRow>,
    pub latency_by_tool: Vec<LatencyRow>,
    /// Groups before the tables were cut to [`TOP_GROUPS`]: (models, tools).
    pub latency_groups: (usize, usize),
    /// Slowest calls in the file: (label, duration).
    pub slowest: Vec<(String, i64)>,
    /// The run's critical path: (label, self time on the path, share of wall time and of the
    /// run's tokens in per mille).
    pub critical: Vec<(String, i64, u32, u32)>,
    pub critical_len_us: i64,
    /// Input tokens (cached included) of each LLM call of the run in time order (context
    /// pressure).
    pub context: Vec<u64>,
    /// The run's token sums (input with its cached part, output with its reasoning part).
    pub run_tokens: trace_model::stats::TokenSum,
    /// What the run's LLM calls cost (`trace_report::cost`).
    pub run_cost: trace_report::cost::CostSum,
}

fn model_of(trace: &Trace, id: NodeId) -> &str {
    trace
        .node(id)
        .model()
        .map_or(UNKNOWN_MODEL, |m| trace.str(m))
}

fn by_model(trace: &Trace, ids: impl Iterator<Item = NodeId>) -> Vec<Bar> {
    let mut m: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for id in ids {
        let e = m.entry(model_of(trace, id)).or_default();
        e.0 += trace.tokens(id).map_or(0, |t| t.total_or_sum());
        e.1 += 1;
    }
    let mut bars: Vec<Bar> = m
        .into_iter()
        .map(|(k, (v, c))| Bar {
            label: clean(k).into_owned(),
            value: v,
            calls: c,
        })
        .collect();
    bars.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.label.cmp(&b.label)));
    bars
}

impl StatsView {
    /// All figures: whole-file ones, then the run's.
    pub fn compute(trace: &Trace, run: Option<NodeId>, run_order: &[NodeId]) -> Self {
        let mut s = Self::default();
        s.compute_file(trace);
        s.compute_run(trace, run, run_order);
        s
    }

    /// Whole-file figures: one pass over every node (only when the trace changed).
    pub fn compute_file(&mut self, trace: &Trace) {
        let all = || trace.node_ids().filter(|&i| !trace.node(i).placeholder());
        let llm_all = || all().filter(|&i| trace.node(i).is_llm());
        let mut slow: Vec<(i64, NodeId)> = all()
            .filter(|&i| trace.node(i).is_llm() || trace.node(i).is_tool())
            .filter_map(|i| Some((trace.node(i).duration_us()?, i)))
            .collect();
        let top = TOP_CALLS.min(slow.len());
        if top > 0 {
            slow.select_nth_unstable_by_key(top - 1, |&(d, i)| (std::cmp::Reverse(d), i));
        }
        slow.truncate(top);
        slow.sort_unstable_by_key(|&(d, i)| (std::cmp::Reverse(d), i));
        self.slowest = slow
            .iter()
            .map(|&(d, i)| {
                let n = trace.node(i);
                let what = n.model().map_or_else(
                    || trace.category(i).map_or("", |c| c.as_str()).to_owned(),
                    |m| trace.str(m).to_owned(),
                );
                (
                    clean(&format!("{} · {what}", trace.str(n.name))).into_owned(),
                    d,
                )
            })
            .collect();
        let clean_rows = |mut rows: Vec<LatencyRow>| {
            for r in &mut rows {
                r.label = clean(&r.label).into_owned();
            }
            rows
        };
        self.file_by_model = by_model(trace, llm_all());
        // Keyed by interned symbol; a model literally named like the unknown label is that group.
        let (by_model, models) = latency_top(
            trace,
            llm_all(),
            |n| Some(n.model().filter(|&m| trace.str(m) != UNKNOWN_MODEL)),
            |m| m.map_or(UNKNOWN_MODEL, |m| trace.str(m)),
            TOP_GROUPS,
        );
        let (by_tool, tools) = latency_top(
            trace,
            all().filter(|&i| trace.node(i).is_tool()),
            |n| Some(n.name),
            |s| trace.str(s),
            TOP_GROUPS,
        );
        self.latency_groups = (models, tools);
        self.latency_by_model = clean_rows(by_model);
        self.latency_by_tool = clean_rows(by_tool);
    }

    /// Figures of the selected run (when the run changes).
    pub fn compute_run(&mut self, trace: &Trace, run: Option<NodeId>, run_order: &[NodeId]) {
        let run_llm: Vec<NodeId> = run_order
            .iter()
            .copied()
            .filter(|&i| trace.node(i).is_llm())
            .collect();
        let mut calls_by_time = run_llm.clone();
        calls_by_time.sort_by_key(|&i| (trace.node(i).end_us().or(trace.node(i).start_us()), i));
        self.run_calls = calls_by_time
            .iter()
            .take(TOP_CALLS)
            .map(|&i| {
                let n = trace.node(i);
                Bar {
                    label: clean(trace.str(n.name)).into_owned(),
                    value: trace.tokens(i).map_or(0, |t| t.total_or_sum()),
                    calls: 1,
                }
            })
            .collect();
        // The chart spans the whole run, not just its calls, so waiting shows as flat stretches.
        let span = run_order
            .iter()
            .flat_map(|&i| [trace.node(i).start_us(), trace.node(i).end_us()])
            .flatten()
            .fold(None, |acc: Option<(i64, i64)>, t| {
                Some(acc.map_or((t, t), |(a, b)| (a.min(t), b.max(t))))
            });
        (self.cumulative, self.run_span_us) = cumulative(trace, &calls_by_time, span);
        self.run_by_model = by_model(trace, run_llm.iter().copied());
        self.context = run.map_or_else(Vec::new, |r| {
            trace.context_growth(r).iter().map(|c| c.2).collect()
        });
        self.critical.clear();
        self.critical_len_us = 0;
        self.run_tokens = trace_model::stats::TokenSum::default();
        if let Some(r) = run {
            let stats = trace.run_stats(r);
            // The steps the pane can show, largest first, not a million-step path.
            let mut top = std::collections::BinaryHeap::new();
            let length_us = trace.critical_steps(r, &stats, |s| {
                if s.self_us > 0 {
                    top.push((std::cmp::Reverse(s.self_us), s.order_key()));
                    if top.len() > TOP_CALLS {
                        top.pop();
                    }
                }
            });
            let steps: Vec<_> = top
                .into_sorted_vec()
                .into_iter()
                .map(|(us, (start_us, end, node))| PathStep {
                    node,
                    start_us,
                    end_us: end.0,
                    self_us: us.0,
                })
                .collect();
            self.run_tokens = stats.tokens;
            self.run_cost = trace_report::cost::run_cost(trace, r).0;
            let run_tokens = self.run_tokens.total.max(1) as f64;
            let wall = length_us.max(1) as f64;
            self.critical_len_us = length_us;
            self.critical = steps
                .iter()
                .map(|s| {
                    let n = trace.node(s.node);
                    let label = format!(
                        "{} · {}",
                        clean(trace.str(n.name)),
                        trace
                            .category(s.node)
                            .map_or("scope", trace_model::event::Category::as_str)
                    );
                    let tok = trace.tokens(s.node).map_or(0, |t| t.total_or_sum()) as f64;
                    let permille = |x: f64| (x * 1000.0).round().clamp(0.0, 1000.0) as u32;
                    (
                        label,
                        s.self_us,
                        permille(s.self_us as f64 / wall),
                        permille(tok / run_tokens),
                    )
                })
                .collect();
        }
        self.run = run;
    }
}

/// Cumulative tokens of time-ordered calls, sampled into [`CUMULATIVE_BUCKETS`] steps.
fn cumulative(trace: &Trace, calls: &[NodeId], span: Option<(i64, i64)>) -> (Vec<u64>, i64) {
    let times: Vec<(i64, u64)> = calls
        .iter()
        .filter_map(|&i| {
            let n = trace.node(i);
            Some((
                n.end_us().or(n.start_us())?,
                trace.tokens(i).map_or(0, |t| t.total_or_sum()),
            ))
        })
        .collect();
    let (Some(first), Some(last)) = (
        times.iter().map(|t| t.0).chain(span.map(|s| s.0)).min(),
        times.iter().map(|t| t.0).chain(span.map(|s| s.1)).max(),
    ) else {
        return (Vec::new(), 0);
    };
    if times.is_empty() {
        return (Vec::new(), 0);
    }
    let span = (last - first).max(1);
    let mut out = vec![0u64; CUMULATIVE_BUCKETS];
    for (t, v) in times {
        let b = ((i128::from(t - first) * (CUMULATIVE_BUCKETS as i128 - 1)) / i128::from(span))
            as usize;
        out[b] += v;
    }
    let mut acc = 0u64;
    for v in &mut out {
        acc += *v;
        *v = acc;
    }
    (out, last - first)
}
